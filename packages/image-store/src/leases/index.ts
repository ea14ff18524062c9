export type { Lease, LeaseManager, LeaseOptions, LeaseResource, LeaseResourceKind } from './types.js';
export { FileLeaseManager, processStartTime, type LeaseRecord, type LeaseStatus } from './manager.js';
