// The containers' dependencies over ced's gRPC services: images resolved as
// ImageStatus resolves them (ce.images.v1 Get, List, Inspect), writable layers
// through PrepareRootfs and ce.snapshots.v1 (Remove, Usage, List).
import { CeError, isCeError, unary } from '@ce/protocol';
import type { Image as CeImage, InspectImageResponse } from '@ce/protocol/gen/ce/images/v1/images';
import type { UsageResponse } from '@ce/protocol/gen/ce/snapshots/v1/snapshots';
import type { CeServices } from '../ce-services.js';
import { toCriImage } from '../image-view.js';
import { imageRootfs } from '../sandbox/sandbox-services.js';
import { imageConfigs } from '../state/image-configs.js';
import type { ContainerImages, ImageRunConfig } from './container-deps.js';

export function containerImages(services: Pick<CeServices, 'images' | 'snapshots'>): ContainerImages {
  const { images, snapshots } = services;
  const layers = imageRootfs(services);
  const runConfigs = imageConfigs(async (id) => {
    const inspected = await unary<InspectImageResponse>((cb) => images.inspect({ reference: id }, cb));
    return (JSON.parse(inspected.configJson.toString('utf8')) as { config?: ImageRunConfig }).config ?? {};
  });
  return {
    async resolve(reference) {
      let image: CeImage;
      try {
        image = await unary<CeImage>((cb) => images.get({ reference }, cb));
      } catch (err) {
        if (isCeError(err, 'NotFound')) throw new CeError('NotFound', `failed to resolve image ${JSON.stringify(reference)}: not found`, { cause: err });
        throw err;
      }
      return { id: image.id, config: await runConfigs.of(image.id) };
    },
    async names(imageId) {
      const all = (await unary<{ images: CeImage[] }>((cb) => images.list({}, cb))).images;
      runConfigs.keepOnly(new Set(all.map((r) => r.id)));
      const records = all.filter((r) => r.id === imageId);
      if (!records.length) return undefined;
      const view = toCriImage(records, '', false);
      return { repoTags: view.repoTags, repoDigests: view.repoDigests };
    },
    prepare: (key, imageId, labels) => layers.prepare(key, imageId, labels),
    remove: (key) => layers.remove(key),
    keys: (owner) => layers.keys(owner),
    async usage(key) {
      const usage = await unary<UsageResponse>((cb) => snapshots.usage({ key }, cb));
      return { bytes: Number(usage.size), inodes: Number(usage.inodes) };
    },
  };
}
