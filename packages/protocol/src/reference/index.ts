// The pure entry point `@ce/protocol/reference`: Docker's image reference
// grammar and content digests, as requests carry them (no grpc-js).
export * from './reference.js';
export * from './digest.js';
