// `@ce/protocol/copy`: docker cp's path rules and archives, shared by ced
// (the container's side) and the CLI (the local side).
export * from './paths.js';
export * from './scoped-fs.js';
export * from './path-stat.js';
export { packResource } from './pack.js';
export { packFile } from './tar-file.js';
export { coalesceChunks } from './chunks.js';
export { extractArchive, entryPath, ExtractError, type ExtractOptions, type SpecialFile } from './extract.js';
export { packTree, type PackTreeOptions, type WalkDecide } from './pack-tree.js';
