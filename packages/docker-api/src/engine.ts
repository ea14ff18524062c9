import { dialUnix, localClient, type MessageCopies, type PromiseService } from '@ce/protocol';
import { BuilderClient } from '@ce/protocol/gen/ce/build/v1/build';
import {
  Container,
  ContainersClient,
  ContainersService,
  InspectContainerRequest,
  ListContainersRequest,
  ListContainersResponse,
  LogsRequest,
  LogsResponse,
} from '@ce/protocol/gen/ce/api/v1/containers';
import { EventsClient } from '@ce/protocol/gen/ce/api/v1/events';
import { SystemClient, SystemService, VersionRequest, VersionResponse } from '@ce/protocol/gen/ce/api/v1/system';
import { VolumesClient } from '@ce/protocol/gen/ce/api/v1/volumes';
import { ImagesClient } from '@ce/protocol/gen/ce/images/v1/images';
import { NetworksClient } from '@ce/protocol/gen/ce/network/v1/network';

/**
 * ce's own services, as the Docker API reaches them: the same gRPC clients the
 * CLI uses, dialled at ced's ce.sock. Every behaviour lives behind them once;
 * this package only translates Docker's HTTP shapes (decision 0045).
 */
export interface Engine {
  readonly containers: ContainersClient;
  readonly images: ImagesClient;
  readonly networks: NetworksClient;
  readonly volumes: VolumesClient;
  readonly system: SystemClient;
  readonly events: EventsClient;
  readonly builder: BuilderClient;
  close(): void;
}

/** Clients of the services at a ce.sock. */
export function dialEngine(ceSocket: string): Engine {
  const containers = dialUnix(ContainersClient, ceSocket);
  const images = dialUnix(ImagesClient, ceSocket);
  const networks = dialUnix(NetworksClient, ceSocket);
  const volumes = dialUnix(VolumesClient, ceSocket);
  const system = dialUnix(SystemClient, ceSocket);
  const events = dialUnix(EventsClient, ceSocket);
  const builder = dialUnix(BuilderClient, ceSocket);
  return {
    containers,
    images,
    networks,
    volumes,
    system,
    events,
    builder,
    close() {
      for (const client of [containers, images, networks, volumes, system, events, builder]) client.close();
    },
  };
}

/** Implementations of ce's services in the process that hosts the Docker API (ced). */
export interface LocalServices {
  containers?: PromiseService<typeof ContainersService>;
  system?: PromiseService<typeof SystemService>;
}

/**
 * The read paths' messages (docker inspect, ps and logs), copied in process
 * rather than encoded and decoded: the round trip was a third of a logs
 * request's CPU (decision 0058's addendum).
 */
const containersCopies: MessageCopies<typeof ContainersService> = {
  inspect: { request: InspectContainerRequest, response: Container },
  list: { request: ListContainersRequest, response: ListContainersResponse },
  logs: { request: LogsRequest, response: LogsResponse },
};

const systemCopies: MessageCopies<typeof SystemService> = {
  version: { request: VersionRequest, response: VersionResponse },
};

/**
 * The engine with the unary and server-stream calls of `local`'s services
 * answered in process: the same implementations ce.sock serves, without the
 * socket hop (decision 0058). Streams in both directions (attach) stay on the socket.
 */
export function withLocalServices(engine: Engine, local: LocalServices | undefined): Engine {
  if (!local?.containers && !local?.system) return engine;
  return {
    ...engine,
    containers: local.containers ? localClient(engine.containers, ContainersService, local.containers, containersCopies) : engine.containers,
    // docker version: through ce.sock its call cost ced ~2 ms of CPU more than dockerd's whole command.
    system: local.system ? localClient(engine.system, SystemService, local.system, systemCopies) : engine.system,
    close: () => engine.close(),
  };
}
