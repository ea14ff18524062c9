export type { TaskApi } from './task-api.js';
export { ShimTask, type RuntimeLike } from './task.js';
export { IN_PROCESS_RUNTIME, whyNotMonitored, monitorSocketPath } from './monitor/monitor-placement.js';
export { taskRecordPath } from './monitor/task-record.js';
export { taskGrpcService, TaskGrpcClient } from './grpc.js';
export { ContainerLog } from './io/container-log.js';

export { readExitFile, writeExitFile } from './exit-file.js';
