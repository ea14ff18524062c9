export { importOciLayout, layoutEntryName, type ImportLayoutOptions, type ImportedImage } from './import.js';
export { writeOciLayout, layoutNameAnnotations, type WriteLayoutOptions } from './write.js';
