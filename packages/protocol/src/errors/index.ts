// The pure entry point `@ce/protocol/errors`: the vocabulary and its
// transport-free mappers, for code that must not load grpc-js.
export * from './vocabulary.js';
export * from './http-status.js';
export * from './exec-failure.js';
