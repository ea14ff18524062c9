export { stageArchive, normalizeEntryName, MAX_DOCUMENT_BYTES, StagedArchive, type StagedFile } from './stage.js';
export { planArchive, type ArchivePlan } from './load.js';
export { writeImageArchive, type SaveImage } from './save.js';
export { loadImages, type LoadImagesParts } from './load-images.js';
export { saveImages, exportImagesLayout, type SaveImagesParts } from './save-images.js';
