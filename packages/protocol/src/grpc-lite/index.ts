// The subset of @grpc/grpc-js's client API that ce's generated clients and
// the CLI use, on node:http2 only: the CLI's bundle maps '@grpc/grpc-js' here
// (tools/bundle.mjs --alias), so that `ce` loads ~40 KB instead of grpc-js,
// protobufjs, tls, zlib and dns (docs/decisions/0048). ced and the shims keep
// grpc-js.
export { Client, credentials, makeGenericClientConstructor, type CallOptions, type ClientOptions, type MethodDefinition, type ServiceDefinition, type ServiceError } from './client.js';
export { Metadata, type MetadataValue } from './metadata.js';
export { Status as status, Status } from './status.js';
export type { StatusObject } from './call.js';

/**
 * grpc-lite is a client. @ce/protocol's barrel also exports serveUnix, which
 * names these; a bundle that serves must keep grpc-js.
 */
export class Server {
  constructor() {
    throw new Error('grpc-lite cannot serve: serving gRPC needs @grpc/grpc-js');
  }
}
export const ServerCredentials = {
  createInsecure(): never {
    throw new Error('grpc-lite cannot serve: serving gRPC needs @grpc/grpc-js');
  },
};
