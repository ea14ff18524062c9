export { imagesGrpcService, imagesServiceImpl } from './server.js';
export { ImagesGrpcClient } from './client.js';
export { imageToPb, imageFromPb, descriptorToPb, descriptorFromPb, diskUsageToPb, diskUsageFromPb } from './convert.js';
export { drained } from './drain.js';
export { contentGrpcService, contentServiceImpl, contentInfoToPb } from './content-server.js';
export { ContentGrpcClient, contentInfoFromPb } from './content-client.js';
export { snapshotsGrpcService, snapshotsServiceImpl, snapshotInfoToPb } from './snapshots-server.js';
export { SnapshotsGrpcClient, snapshotInfoFromPb } from './snapshots-client.js';
