// The entry point `@ce/image-store/drain`, kept for library users: the same as `@ce/protocol/drain`.
export { drained } from '@ce/protocol/drain';
