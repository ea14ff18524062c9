export { contentRefs, GC_LABELS, type BeforeCommit, type BlobWriter, type ByteSource, type ContentFilter, type ContentInfo, type ContentReader, type ContentStore, type Expected, type IngestStatus, type ReadRange } from './content-store.js';
export { FileContentStore, ContentWriter } from './file-content-store.js';
export { MemoryContent } from './memory.js';
