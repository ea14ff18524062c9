// The light entry point `@ce/image-store/registry-auth`, kept for library
// users: the same as `@ce/protocol/registry-auth`, where it now lives.
export * from '@ce/protocol/registry-auth';
