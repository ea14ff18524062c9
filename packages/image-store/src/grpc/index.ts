export { imagesGrpcService, imagesServiceImpl } from './server.js';
export { ImagesGrpcClient } from './client.js';
export { imageToPb, imageFromPb, descriptorToPb, descriptorFromPb } from './convert.js';
