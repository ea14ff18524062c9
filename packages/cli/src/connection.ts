import { join } from 'node:path';
import { dialUnix } from '@ce/protocol';
import { BuilderClient } from '@ce/protocol/gen/ce/build/v1/build';
import { ContainersClient } from '@ce/protocol/gen/ce/api/v1/containers';
import { EventsClient } from '@ce/protocol/gen/ce/api/v1/events';
import { SystemClient } from '@ce/protocol/gen/ce/api/v1/system';
import { VolumesClient } from '@ce/protocol/gen/ce/api/v1/volumes';
import { ImagesClient } from '@ce/protocol/gen/ce/images/v1/images';
import { NetworksClient } from '@ce/protocol/gen/ce/network/v1/network';
import { SupervisorClient } from '@ce/protocol/gen/ce/supervisor/v1/supervisor';

/** The daemon socket: --host, then $CE_HOST, then <$CE_STATE or /run/ce>/ce.sock. */
export function daemonSocket(host?: string): string {
  const value = host ?? process.env.CE_HOST ?? join(process.env.CE_STATE ?? '/run/ce', 'ce.sock');
  return value.replace(/^unix:\/\//, '');
}

/** Lazily dialled clients of ced's services (dialling costs nothing until the first call). */
export class Connection {
  private containersClient?: ContainersClient;
  private systemClient?: SystemClient;
  private imagesClient?: ImagesClient;
  private eventsClient?: EventsClient;
  private networksClient?: NetworksClient;
  private volumesClient?: VolumesClient;
  private builderClient?: BuilderClient;
  private supervisorClient?: SupervisorClient;

  constructor(readonly socket: string) {}

  get target(): string {
    return `unix://${this.socket}`;
  }

  get containers(): ContainersClient {
    return (this.containersClient ??= dialUnix(ContainersClient, this.socket));
  }

  get system(): SystemClient {
    return (this.systemClient ??= dialUnix(SystemClient, this.socket));
  }

  get images(): ImagesClient {
    return (this.imagesClient ??= dialUnix(ImagesClient, this.socket));
  }

  get events(): EventsClient {
    return (this.eventsClient ??= dialUnix(EventsClient, this.socket));
  }

  get networks(): NetworksClient {
    return (this.networksClient ??= dialUnix(NetworksClient, this.socket));
  }

  get volumes(): VolumesClient {
    return (this.volumesClient ??= dialUnix(VolumesClient, this.socket));
  }

  get builder(): BuilderClient {
    return (this.builderClient ??= dialUnix(BuilderClient, this.socket));
  }

  /** ced's supervisor, served on ce.sock when ced hosts it (the default): `ce --namespace NS ps`. */
  get supervisor(): SupervisorClient {
    return (this.supervisorClient ??= dialUnix(SupervisorClient, this.socket));
  }

  close(): void {
    this.builderClient?.close();
    this.volumesClient?.close();
    this.networksClient?.close();
    this.eventsClient?.close();
    this.containersClient?.close();
    this.systemClient?.close();
    this.imagesClient?.close();
  }
}
