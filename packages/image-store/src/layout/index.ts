export { importOciLayout, layoutEntryName, type ImportLayoutOptions, type ImportedImage } from './import.js';
export { writeOciLayout, layoutNameAnnotations, type WriteLayoutOptions } from './write.js';
export { buildImage, writeImageLayout, type BuildImageOptions, type BuiltImage } from './build-image.js';
