import { Readable } from 'node:stream';
import { notFound } from '@ce/protocol';
import { sha256, type Digest } from '../digest.js';
import type { ContentInfo, ContentReader, ReadRange } from './content-store.js';

/** A ContentReader over blobs held in memory, e.g. to write a layout built by a script. */
export class MemoryContent implements ContentReader {
  private readonly blobs = new Map<string, Buffer>();
  private readonly created = new Date();

  constructor(blobs: Iterable<Uint8Array> = []) {
    for (const b of blobs) this.add(b);
  }

  add(data: Uint8Array): Digest {
    const digest = sha256(data);
    this.blobs.set(digest, Buffer.from(data));
    return digest;
  }

  private get(digest: string): Buffer {
    const b = this.blobs.get(digest);
    if (!b) throw notFound(`content ${digest} not found`);
    return b;
  }

  async info(digest: string): Promise<ContentInfo> {
    return { digest: digest as Digest, size: this.get(digest).length, createdAt: this.created, labels: {} };
  }

  async readBlob(digest: string): Promise<Buffer> {
    return this.get(digest);
  }

  async readStream(digest: string, range: ReadRange = {}): Promise<Readable> {
    const start = range.offset ?? 0;
    return Readable.from([this.get(digest).subarray(start, range.length === undefined ? undefined : start + range.length)]);
  }
}
