import { dialUnix, internal, readStream, unary } from '@ce/protocol';
import {
  ImagesClient,
  type Image,
  type ImportLayoutResponse,
  type ListImagesResponse,
  type LoginResponse,
  type PullResponse,
  type PushResponse,
} from '@ce/protocol/gen/ce/images/v1/images';
import type { RemoveImageResponse } from '@ce/protocol/gen/ce/images/v1/images';
import type { PullOptions, PullResult, PushOptions, PushResult, RegistryCredentials, RegistryService } from '../registry/types.js';
import type { ImageInfo, ImageService, RemoveImageResult } from '../types.js';
import { credentialsToPb, imageFromPb, progressFromPb } from './convert.js';

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

  close(): void {
    this.client.close();
  }
}
