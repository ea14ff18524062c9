export { imagesGrpcService, imagesServiceImpl } from './server.js';
export { ImagesGrpcClient } from './client.js';
export { imageToPb, imageFromPb, descriptorToPb, descriptorFromPb, diskUsageToPb, diskUsageFromPb } from './convert.js';
export { drained } from './drain.js';
