export { FileImageMetadataStore } from './file-metadata-store.js';
export type { ImageFilter, ImageMeta, ImageMetadataStore, NewImageMeta } from './image-metadata-store.js';
export { applyConfigChanges, parseConfigChanges, type ConfigChange } from './config-changes.js';
export { imageHistory, type HistoryImage, type HistoryRow } from './history.js';
export { composeLayerImage, EMPTY_LAYER_DIFF_ID, newImageName, type LayerImageInput } from './layer-image.js';
