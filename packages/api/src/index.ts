export { startDaemon, type Daemon } from './daemon.js';
export { resolveConfig, type DaemonConfig } from './config.js';
export { ContainerService, type CreateOptions, type WaitCondition, type ContainerImages } from './containers/container-service.js';
export type { ContainerRecord } from './containers/record.js';
export { networksGrpcService, networksServiceImpl } from './networking/network-grpc.js';
export { NetworksGrpcClient } from './networking/network-grpc-client.js';
export type { ContainerNetworkConnector, EndpointConfig } from './networking/network-connector.js';
