import { dialUnix, localClient, type PromiseService } from '@ce/protocol';
import { SystemClient } from '@ce/protocol/gen/ce/api/v1/system';
import { ImagesClient, ImagesService } from '@ce/protocol/gen/ce/images/v1/images';
import { SnapshotsClient, SnapshotsService } from '@ce/protocol/gen/ce/snapshots/v1/snapshots';
import { SupervisorClient, SupervisorService } from '@ce/protocol/gen/ce/supervisor/v1/supervisor';

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

/** The implementations behind ced's ce.sock, when the CRI runs inside ced (decision 0055's addendum). */
export interface LocalCeServices {
  images?: PromiseService<typeof ImagesService>;
  snapshots?: PromiseService<typeof SnapshotsService>;
  /** Only when ced's supervisor is its own (not at --supervisor-address). */
  supervisor?: PromiseService<typeof SupervisorService>;
}

/**
 * `services` with the unary and server-stream calls of `local`'s services
 * answered in process (@ce/protocol's localClient, as ced's Docker API calls
 * its containers service: decision 0058): the same implementations ce.sock
 * serves, the messages still encoded and decoded, without the socket, HTTP/2
 * and grpc-js on both ends, all on ced's one event loop. Streams in both
 * directions (attach) stay on the socket.
 */
export function withLocalServices(services: CeServices, local: LocalCeServices | undefined): CeServices {
  if (!local) return services;
  return {
    images: local.images ? localClient(services.images, ImagesService, local.images) : services.images,
    system: services.system,
    snapshots: local.snapshots ? localClient(services.snapshots, SnapshotsService, local.snapshots) : services.snapshots,
    supervisor: local.supervisor ? localClient(services.supervisor, SupervisorService, local.supervisor) : services.supervisor,
    close: () => services.close(),
  };
}
