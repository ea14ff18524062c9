export type { SupervisorApi } from './supervisor-api.js';
export { Supervisor, type SupervisorOptions } from './supervisor.js';
export { supervisorGrpcService, supervisorServiceImpl, SupervisorGrpcClient } from './grpc.js';
export { spawnShim, type ShimProcess, type SpawnShimOptions } from './spawn-shim.js';
