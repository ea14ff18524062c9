export { unpackLayer, entryComponents, LayerError, type UnpackOptions, type UnpackResult } from './unpack-layer.js';
export { unpackImage, chainIds, type UnpackImageOptions } from './unpacker.js';
export { nativeFsOps, type FsOps, OVERLAY_OPAQUE_XATTR, WHITEOUT_PREFIX, WHITEOUT_OPAQUE } from './fs-ops.js';
export { buildLayer, type LayerEntry, type BuiltLayer } from './pack.js';
