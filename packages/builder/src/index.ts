export type * from './dockerfile/types.js';
export { Builder, CACHE_REPOSITORY, type BuildOptions, type BuilderParts, type BuildOutput } from './build/executor.js';
export { BuildError } from './build/build-error.js';
export { unpackContext, type BuildContext } from './build/build-context.js';
export { builderGrpcService, type BuilderServiceParts } from './build/grpc.js';
export type * from './build/ports.js';
