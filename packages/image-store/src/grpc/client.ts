import type { Writable } from 'node:stream';
import { CeError, dialUnix, fromServiceError, internal, readStream, unary } from '@ce/protocol';
import {
  ImagesClient,
  type DiskUsageResponse,
  type ListTagsResponse,
  type SearchImagesResponse,
  type Image,
  type ImageHistoryResponse,
  type ImportImageResponse,
  type ImportLayoutResponse,
  type InspectImageResponse,
  type ListImagesResponse,
  type LoadImagesResponse,
  type LoginResponse,
  type PruneImagesResponse,
  type PullResponse,
  type PushResponse,
  type RemoveImageResponse,
  type SaveImagesResponse,
} from '@ce/protocol/gen/ce/images/v1/images';
import type { PullOptions, PullResult, PushOptions, PushResult, RegistryCredentials, RegistryService } from '../registry/types.js';
import type { SearchResult } from '../registry/search.js';
import type { HistoryRow } from '../images/history.js';
import type { DiskUsage, ImageDetails, ImageInfo, ImageService, ImportImageOptions, PruneOptions, PruneResult, RemoveImageResult } from '../types.js';
import type { ClientDuplexStream } from '@grpc/grpc-js';
import { credentialsToPb, descriptorFromPb, diskUsageFromPb, imageFromPb, progressFromPb } from './convert.js';
import { drained } from './drain.js';

/** Chunks of at most this size go in one Load message (gRPC's default limit is 4 MiB). */
const LOAD_CHUNK = 1024 * 1024;

/** ImageService over ce.images.v1.Images: the same interface as the local ImageStore's. */
export class ImagesGrpcClient implements ImageService, RegistryService {
  readonly client: ImagesClient;

  /** `target` is a unix socket path or an existing ImagesClient. */
  constructor(target: string | ImagesClient) {
    this.client = typeof target === 'string' ? dialUnix(ImagesClient, target) : target;
  }

  private get target(): string {
    return this.client.getChannel().getTarget();
  }

  async list(): Promise<ImageInfo[]> {
    const res = await unary<ListImagesResponse>((cb) => this.client.list({}, cb), this.target);
    return res.images.map(imageFromPb);
  }

  async get(reference: string): Promise<ImageInfo> {
    return imageFromPb(await unary<Image>((cb) => this.client.get({ reference }, cb), this.target));
  }

  async remove(reference: string, options: { force?: boolean } = {}): Promise<RemoveImageResult> {
    const res = await unary<RemoveImageResponse>((cb) => this.client.remove({ reference, force: options.force ?? false }, cb), this.target);
    return { untagged: res.untagged, deleted: res.deleted };
  }

  async importOciLayout(dir: string, options: { name?: string } = {}): Promise<ImageInfo[]> {
    const res = await unary<ImportLayoutResponse>((cb) => this.client.importLayout({ path: dir, name: options.name ?? '' }, cb), this.target);
    return res.images.map(imageFromPb);
  }

  /** Pulls through the daemon; `options.credentials` travel with the request. Leases stay the daemon's. */
  async pull(reference: string, options: PullOptions = {}): Promise<PullResult & { image: ImageInfo }> {
    const p = options.platform;
    const platform = p ? { os: p.os, architecture: p.architecture, variant: p.variant ?? '' } : undefined;
    const call = this.client.pull({ reference, platform, auth: credentialsToPb(options.credentials) });
    options.signal?.addEventListener('abort', () => call.cancel(), { once: true });
    for await (const msg of readStream<PullResponse>(call, this.target)) {
      if (msg.progress) options.onProgress?.(progressFromPb(msg.progress));
      if (msg.result) {
        const { name, digest, updated, image } = msg.result;
        if (!image) throw internal(`the daemon's pull of ${reference} ended without the image`);
        return { name, digest, updated, image: imageFromPb(image) };
      }
    }
    throw internal(`the daemon's pull of ${reference} ended without a result`);
  }

  async push(reference: string, options: PushOptions = {}): Promise<PushResult> {
    const call = this.client.push({ reference, auth: credentialsToPb(options.credentials) });
    options.signal?.addEventListener('abort', () => call.cancel(), { once: true });
    for await (const msg of readStream<PushResponse>(call, this.target)) {
      if (msg.progress) options.onProgress?.(progressFromPb(msg.progress));
      if (msg.result) return { name: msg.result.name, digest: msg.result.digest, size: msg.result.size };
    }
    throw internal(`the daemon's push of ${reference} ended without a result`);
  }

  async login(server: string, credentials: RegistryCredentials): Promise<void> {
    await unary<LoginResponse>((cb) => this.client.login({ server, auth: credentialsToPb(credentials) }, cb), this.target);
  }

  async tag(source: string, target: string): Promise<ImageInfo> {
    return imageFromPb(await unary<Image>((cb) => this.client.tag({ source, target }, cb), this.target));
  }

  async load(source: AsyncIterable<Uint8Array>, options: { name?: string } = {}): Promise<ImageInfo[]> {
    const res = await this.upload(this.client.load(), source, (first) => ({ name: first ? (options.name ?? '') : '' }));
    return res.images.map(imageFromPb);
  }

  async importImage(source: AsyncIterable<Uint8Array>, options: ImportImageOptions): Promise<ImageInfo> {
    const res = await this.upload(this.client.import(), source, (first) =>
      first ? { reference: options.name, comment: options.comment ?? '', changes: options.changes ?? [] } : { reference: '', comment: '', changes: [] },
    );
    if (!res.image) throw internal('the daemon answered the import without an image');
    return imageFromPb(res.image);
  }

  async history(reference: string): Promise<HistoryRow[]> {
    const res = await unary<ImageHistoryResponse>((cb) => this.client.history({ reference }, cb), this.target);
    return res.entries.map((e) => ({ id: e.id, created: e.created, createdBy: e.createdBy, size: e.size, comment: e.comment, tags: e.tags }));
  }

  /** Sends `source` in chunks on a stream whose answer is one message; `fields` adds the other fields of each message. */
  private async upload<Q extends { data: Buffer }, R>(call: ClientDuplexStream<Q, R>, source: AsyncIterable<Uint8Array>, fields: (first: boolean) => Omit<Q, 'data'>): Promise<R> {
    const result = new Promise<R>((resolve, reject) => {
      let res: R | undefined;
      call.on('data', (r: R) => (res = r));
      call.on('error', (err) => reject(fromServiceError(err, this.target)));
      call.on('end', () => (res ? resolve(res) : reject(new Error('the daemon ended the upload without an answer'))));
    });
    result.catch(() => undefined); // awaited below, after the upload
    let first = true;
    const send = async (data: Uint8Array) => {
      const msg = { data: Buffer.from(data.buffer, data.byteOffset, data.byteLength), ...fields(first) } as Q;
      first = false;
      if (!call.write(msg)) await drained(call, result);
    };
    try {
      for await (const chunk of source) {
        for (let off = 0; off < chunk.byteLength; off += LOAD_CHUNK) await send(chunk.subarray(off, off + LOAD_CHUNK));
      }
      if (first) await send(new Uint8Array(0));
      call.end();
    } catch (err) {
      call.cancel();
      throw err;
    }
    return result;
  }

  async save(references: string[], out: Writable): Promise<void> {
    const call = this.client.save({ references });
    try {
      for await (const res of call as AsyncIterable<SaveImagesResponse>) {
        if (!out.write(res.data)) await drained(out);
      }
    } catch (err) {
      call.cancel(); // the output failed: stop the daemon's stream too
      throw err instanceof CeError ? err : fromServiceError(err as Error, this.target);
    }
  }

  async prune(options: PruneOptions = {}): Promise<PruneResult> {
    const res = await unary<PruneImagesResponse>((cb) => this.client.prune({ all: options.all ?? false, filters: options.filters ?? [] }, cb), this.target);
    return { untagged: res.untagged, deleted: res.deleted, reclaimedBytes: res.reclaimedBytes, partialDownloads: res.partialDownloads };
  }

  async details(reference: string): Promise<ImageDetails> {
    const res = await unary<InspectImageResponse>((cb) => this.client.inspect({ reference }, cb), this.target);
    return {
      image: imageFromPb(res.image!),
      repoTags: res.repoTags,
      repoDigests: res.repoDigests,
      config: Buffer.from(res.configJson),
      manifest: Buffer.from(res.manifestJson),
      manifestDescriptor: descriptorFromPb(res.manifestDescriptor),
    };
  }

  async search(term: string, limit: number): Promise<SearchResult[]> {
    return (await unary<SearchImagesResponse>((cb) => this.client.search({ term, limit }, cb), this.target)).results;
  }

  async listTags(repository: string, options: { credentials?: RegistryCredentials } = {}): Promise<string[]> {
    return (await unary<ListTagsResponse>((cb) => this.client.listTags({ repository, auth: credentialsToPb(options.credentials) }, cb), this.target)).tags;
  }

  async diskUsage(): Promise<DiskUsage> {
    return diskUsageFromPb(await unary<DiskUsageResponse>((cb) => this.client.diskUsage({}, cb), this.target));
  }

  close(): void {
    this.client.close();
  }
}
