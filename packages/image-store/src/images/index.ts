export { ImageMetadataStore, type ImageMeta } from './metadata.js';
