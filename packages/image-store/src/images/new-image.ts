// `@ce/image-store/new-image`: what ced checks and computes for commit and
// import without loading the store (and its native part).
export { applyConfigChanges, parseConfigChanges, type ConfigChange } from './config-changes.js';
export { newImageName } from './layer-image.js';
export type { OciContainerConfig } from '../oci/types.js';
