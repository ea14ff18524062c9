export { ContentStore, ContentWriter, type ContentInfo, type ContentReader, type Expected, type ByteSource } from './store.js';
export { MemoryContent } from './memory.js';
