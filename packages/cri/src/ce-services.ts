import { dialUnix } from '@ce/protocol';
import { SystemClient } from '@ce/protocol/gen/ce/api/v1/system';
import { ImagesClient } from '@ce/protocol/gen/ce/images/v1/images';
import { SnapshotsClient } from '@ce/protocol/gen/ce/snapshots/v1/snapshots';
import { SupervisorClient } from '@ce/protocol/gen/ce/supervisor/v1/supervisor';

/**
 * ced's services as the CRI reaches them: the gRPC clients the `ce` CLI uses,
 * dialled at ce.sock (decision 0055, after 0045). The CRI adapter keeps no
 * second implementation of any behaviour behind them.
 */
export interface CeServices {
  readonly images: ImagesClient;
  readonly system: SystemClient;
  /** The pod sandboxes' writable layers are removed through it. */
  readonly snapshots: SnapshotsClient;
  /** ced's supervisor: on ce.sock, or at ced's --supervisor-address. */
  readonly supervisor: SupervisorClient;
  close(): void;
}

/** Clients of the services at a ce.sock (the supervisor's at `supervisorSocket` when ced's is elsewhere). */
export function dialCeServices(ceSocket: string, supervisorSocket = ceSocket): CeServices {
  const images = dialUnix(ImagesClient, ceSocket);
  const system = dialUnix(SystemClient, ceSocket);
  const snapshots = dialUnix(SnapshotsClient, ceSocket);
  const supervisor = dialUnix(SupervisorClient, supervisorSocket);
  return {
    images,
    system,
    snapshots,
    supervisor,
    close() {
      for (const client of [images, system, snapshots, supervisor]) client.close();
    },
  };
}
