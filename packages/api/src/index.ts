export { startDaemon, type Daemon } from './daemon.js';
export { resolveConfig, type DaemonConfig } from './config.js';
export { ContainerService, type CreateOptions, type WaitCondition, type ContainerImages } from './containers/container-service.js';
export type { ContainerRecord } from './containers/record.js';
