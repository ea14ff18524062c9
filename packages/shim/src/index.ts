export type { TaskApi } from './task-api.js';
export { ShimTask, type RuntimeLike } from './task.js';
export { taskGrpcService, TaskGrpcClient } from './grpc.js';
export { JsonFileLog } from './io/json-file-log.js';

export { readExitFile, writeExitFile } from './exit-file.js';
