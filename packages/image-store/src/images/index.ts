export { FileImageMetadataStore } from './file-metadata-store.js';
export type { ImageFilter, ImageMeta, ImageMetadataStore, NewImageMeta } from './image-metadata-store.js';
export { applyConfigChanges, parseConfigChanges, type ConfigChange } from './config-changes.js';
export { imageHistory, type HistoryImage, type HistoryRow } from './history.js';
export { composeLayerImage, EMPTY_LAYER_DIFF_ID, newImageName, type LayerImageInput } from './layer-image.js';
export { ImageResolver, type ResolvedImage } from './image-resolver.js';
export { LayerSizes } from './layer-sizes.js';
export { removeImage, imageUsers, type RemoveImageParts } from './remove-image.js';
export { createLayerImage, type CreateLayerImageParts } from './create-layer-image.js';
