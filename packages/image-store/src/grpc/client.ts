import { dialUnix, unary } from '@ce/protocol';
import {
  ImagesClient,
  type Image,
  type ImportLayoutResponse,
  type ListImagesResponse,
  type RemoveImageResponse,
} from '@ce/protocol/gen/ce/images/v1/images';
import type { ImageInfo, ImageService, RemoveImageResult } from '../types.js';
import { imageFromPb } from './convert.js';

/** ImageService over ce.images.v1.Images: the same interface as the local ImageStore's. */
export class ImagesGrpcClient implements ImageService {
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

  close(): void {
    this.client.close();
  }
}
