import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { dialUnix, failedPrecondition, fromServiceError, internal, isCeError, readStream, unary } from '@ce/protocol';
import {
  ContentClient,
  type Info,
  type InfoResponse,
  type ListContentResponse,
  type ReadContentResponse,
  type StatusResponse,
  type WriteContentRequest,
  type WriteContentResponse,
} from '@ce/protocol/gen/ce/content/v1/content';
import type { ClientDuplexStream, ServiceError } from '@grpc/grpc-js';
import type { BeforeCommit, BlobWriter, ByteSource, ContentFilter, ContentInfo, ContentStore, Expected, IngestStatus, ReadRange } from '../content/content-store.js';
import { parseDigest, type Digest } from '../digest.js';
import { CONTENT_CHUNK } from './content-server.js';
import { drained } from './drain.js';

export function contentInfoFromPb(info: Info | undefined): ContentInfo {
  if (!info) throw internal('the content service answered without the blob info');
  return { digest: info.digest as Digest, size: info.size, createdAt: info.createdAt ?? new Date(0), labels: { ...info.labels } };
}

/** ContentStore over ce.content.v1.Content: the same interface as the local FileContentStore's. */
export class ContentGrpcClient implements ContentStore {
  readonly client: ContentClient;

  /** `target` is a unix socket path or an existing ContentClient. */
  constructor(target: string | ContentClient) {
    this.client = typeof target === 'string' ? dialUnix(ContentClient, target) : target;
  }

  private get target(): string {
    return this.client.getChannel().getTarget();
  }

  async info(digest: string): Promise<ContentInfo> {
    return contentInfoFromPb((await unary<InfoResponse>((cb) => this.client.info({ digest }, cb), this.target)).info);
  }

  async exists(digest: string): Promise<boolean> {
    try {
      await this.info(digest);
      return true;
    } catch (err) {
      if (isCeError(err, 'NotFound')) return false;
      throw err;
    }
  }

  async update(digest: string, labels: Record<string, string>): Promise<ContentInfo> {
    return contentInfoFromPb((await unary<InfoResponse>((cb) => this.client.update({ digest, labels }, cb), this.target)).info);
  }

  async delete(digest: string): Promise<void> {
    await unary((cb) => this.client.delete({ digest }, cb), this.target);
  }

  async walk(visit: (info: ContentInfo) => void | Promise<void>, filter: ContentFilter = {}): Promise<void> {
    for await (const batch of readStream<ListContentResponse>(this.client.list({ filters: filter.labels ?? [] }), this.target)) {
      for (const info of batch.info) await visit(contentInfoFromPb(info));
    }
  }

  async status(ref?: string): Promise<IngestStatus[]> {
    const res = await unary<StatusResponse>((cb) => this.client.status({ ref: ref ?? '' }, cb), this.target);
    return res.statuses.map((s) => ({
      ref: s.ref,
      offset: s.offset,
      ...(s.expected ? { expected: s.expected as Digest } : {}),
      updatedAt: s.updatedAt ?? new Date(0),
      active: s.active,
    }));
  }

  /** The blob's bytes as a stream; a missing blob is a NotFound here, not a stream error later. */
  async readStream(digest: string, range: ReadRange = {}): Promise<Readable> {
    if (range.length === 0) {
      await this.info(digest);
      return Readable.from([]);
    }
    const chunks = readStream<ReadContentResponse>(this.client.read({ digest, offset: range.offset ?? 0, size: range.length ?? 0 }), this.target);
    const first = await chunks.next();
    async function* all(): AsyncGenerator<Buffer> {
      if (first.done) return;
      yield first.value.data;
      for await (const c of chunks) yield c.data;
    }
    return Readable.from(all(), { objectMode: false });
  }

  async readBlob(digest: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const chunk of await this.readStream(digest)) parts.push(chunk as Buffer);
    return Buffer.concat(parts);
  }

  async writer(expected: Expected = {}): Promise<BlobWriter> {
    if (expected.digest !== undefined) parseDigest(expected.digest);
    return new RemoteBlobWriter(this.client.write(), this.target, expected);
  }

  async ingest(source: ByteSource, expected: Expected = {}, beforeCommit?: BeforeCommit): Promise<ContentInfo> {
    const w = await this.writer(expected);
    try {
      if (source instanceof Uint8Array) await w.write(source);
      else for await (const chunk of source as AsyncIterable<Uint8Array>) await w.write(chunk);
    } catch (err) {
      await w.abort();
      throw err;
    }
    return w.commit(beforeCommit);
  }
}

/** One Write call: the expectation rides on the first message, data in chunks, commit on the last. */
class RemoteBlobWriter implements BlobWriter {
  private written = 0;
  private first = true;
  private done = false;
  private readonly hash = createHash('sha256');
  private readonly answer: Promise<WriteContentResponse>;

  constructor(
    private readonly call: ClientDuplexStream<WriteContentRequest, WriteContentResponse>,
    private readonly target: string,
    private readonly expected: Expected,
  ) {
    this.answer = new Promise<WriteContentResponse>((resolve, reject) => {
      let response: WriteContentResponse | undefined;
      call.on('data', (res: WriteContentResponse) => (response = res));
      call.on('error', (err: ServiceError) => reject(fromServiceError(err, target)));
      call.on('end', () => (response ? resolve(response) : reject(internal(`the content service at ${target} ended the write without an answer`))));
    });
    this.answer.catch(() => undefined); // awaited by commit; an abort leaves it unread
  }

  get offset(): number {
    return this.written;
  }

  private async send(data: Uint8Array, commit: boolean): Promise<void> {
    const head = this.first
      ? {
          expected: this.expected.digest ?? '',
          total: this.expected.size ?? 0,
          totalKnown: this.expected.size !== undefined,
          labels: this.expected.labels ?? {},
        }
      : { expected: '', total: 0, totalKnown: false, labels: {} };
    this.first = false;
    if (!this.call.write({ ...head, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength), commit })) await drained(this.call);
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.done) throw failedPrecondition('content writer is already committed or aborted');
    for (let at = 0; at < chunk.byteLength; at += CONTENT_CHUNK) {
      const part = chunk.subarray(at, at + CONTENT_CHUNK);
      this.hash.update(part);
      await this.send(part, false);
    }
    this.written += chunk.byteLength;
  }

  async commit(beforeCommit?: BeforeCommit): Promise<ContentInfo> {
    if (this.done) throw failedPrecondition('content writer is already committed or aborted');
    this.done = true;
    // The server checks the digest again; a caller's lease must name it before it can become visible.
    const digest = (this.expected.digest as Digest | undefined) ?? (`sha256:${this.hash.digest('hex')}` as Digest);
    try {
      await beforeCommit?.(digest);
    } catch (err) {
      this.call.cancel();
      throw err;
    }
    await this.send(new Uint8Array(0), true);
    this.call.end();
    return contentInfoFromPb((await this.answer).info);
  }

  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    // Cancelling ends the server's stream without a commit: the server aborts its writer and keeps nothing.
    this.call.cancel();
  }
}
