// runtime.v1.ImageService over ced's image service (ce.images.v1). Images are
// shared with ce's other users, not kept per namespace (decision 0055).
import { invalidArgument, isCeError, readStream, unary, type PromiseService } from '@ce/protocol';
import { parseReference } from '@ce/protocol/reference';
import type { Image as CeImage, PullResponse } from '@ce/protocol/gen/ce/images/v1/images';
import type { CeServices } from './ce-services.js';
import type { DiskUsage } from './disk-usage.js';
import type { ImageServiceService, ImageFsInfoResponse, ImageSpec, ImageStatusResponse, Image as CriImage } from './gen/runtime/v1/api.js';
import { configUserOf, groupById, toCriImage } from './image-view.js';
import { registryAuthFor } from './registry-auth.js';
import { imageConfigs } from './state/image-configs.js';

export interface ImageServiceOptions {
  services: Pick<CeServices, 'images' | 'system'>;
  /** Where the image layers are kept, and how much they use (ImageFsInfo). */
  imageFilesystem: { path(): Promise<string>; usage: DiskUsage };
  /** Names of images the kubelet's image GC must keep (the pause image), as containerd pins its sandbox image. */
  pinnedNames?: readonly string[];
}

export function imageService(options: ImageServiceOptions): PromiseService<typeof ImageServiceService> {
  const { images } = options.services;
  const pinnedNames = new Set(options.pinnedNames ?? []);

  const list = async () => (await unary<{ images: CeImage[] }>((cb) => images.list({}, cb))).images;
  const configUsers = imageConfigs(async (id) => configUserOf((await unary<{ configJson: Buffer }>((cb) => images.inspect({ reference: id }, cb))).configJson));
  const criImage = async (records: CeImage[]): Promise<CriImage> =>
    toCriImage(records, await configUsers.of(records[0]!.id), records.some((r) => pinnedNames.has(r.name)));

  /** The image a CRI ImageSpec names (id, short id, name or digest reference), or undefined. */
  const resolve = async (spec: ImageSpec | undefined): Promise<CeImage[] | undefined> => {
    const ref = requiredImage(spec);
    // Both at once: one round trip to ced, not two in turn.
    const [image, all] = await Promise.all([
      unary<CeImage>((cb) => images.get({ reference: ref }, cb)).catch((err: unknown) => {
        if (isCeError(err, 'NotFound')) return undefined;
        throw err;
      }),
      list(),
    ]);
    if (!image) return undefined;
    const records = all.filter((r) => r.id === image.id);
    // Named after the listing was taken: the record Get found is the image's.
    return records.length ? records : [image];
  };

  return {
    async listImages(request) {
      if (request.filter?.image?.image) {
        const records = await resolve(request.filter.image);
        return { images: records ? [await criImage(records)] : [] };
      }
      const byId = groupById(await list());
      configUsers.keepOnly(new Set(byId.keys()));
      const groups = [...byId.values()];
      return { images: await Promise.all(groups.map(criImage)) };
    },

    async imageStatus(request): Promise<ImageStatusResponse> {
      const records = await resolve(request.image);
      // containerd: an image that is not there is an empty answer, not an error.
      if (!records) return { image: undefined, info: {} };
      const image = await criImage(records);
      if (!request.verbose) return { image, info: {} };
      const inspected = await unary<{ configJson: Buffer; manifestDescriptor?: { digest: string; mediaType: string } }>((cb) =>
        images.inspect({ reference: image.id }, cb),
      );
      const info = {
        id: image.id,
        imageSpec: JSON.parse(inspected.configJson.toString('utf8')) as unknown,
        manifest: inspected.manifestDescriptor ? { digest: inspected.manifestDescriptor.digest, mediaType: inspected.manifestDescriptor.mediaType } : undefined,
        pinned: image.pinned,
      };
      return { image, info: { info: JSON.stringify(info) } };
    },

    async pullImage(request, ctx) {
      const reference = requiredImage(request.image);
      const registry = parseReference(reference).domain;
      const stream = images.pull({ reference, auth: registryAuthFor(request.auth, registry) });
      ctx.signal.addEventListener('abort', () => stream.cancel(), { once: true });
      for await (const message of readStream<PullResponse>(stream, reference)) {
        if (message.result?.image) return { imageRef: message.result.image.id };
      }
      throw new Error(`pull of ${reference} ended without a result`);
    },

    async removeImage(request) {
      const records = await resolve(request.image);
      // containerd: removing an image that is not there succeeds.
      if (!records) return {};
      // Every name of the image goes, as containerd deletes all of its references.
      await unary((cb) => images.remove({ reference: records[0]!.id, force: true }, cb)).catch((err: unknown) => {
        if (!isCeError(err, 'NotFound')) throw err;
      });
      return {};
    },

    async imageFsInfo(): Promise<ImageFsInfoResponse> {
      const mountpoint = await options.imageFilesystem.path();
      const { bytes, inodes } = await options.imageFilesystem.usage(mountpoint);
      return {
        imageFilesystems: [
          { timestamp: BigInt(Date.now()) * 1_000_000n, fsId: { mountpoint }, usedBytes: { value: BigInt(bytes) }, inodesUsed: { value: BigInt(inodes) } },
        ],
        containerFilesystems: [],
      };
    },
  };
}

function requiredImage(spec: ImageSpec | undefined): string {
  const image = spec?.image?.trim();
  if (!image) throw invalidArgument('the image spec names no image');
  return image;
}
