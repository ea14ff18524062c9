// The build's image port over ced's image store: the cache's and the
// build's images are ordinary image records (decision 0054).
import type { BuildImage, BuildImages, CommitLayer } from '@ce/builder';
import { familiarReference, type ImageStore } from '@ce/image-store';
import { isCeError } from '@ce/protocol';

/** An empty layer tar (two zero blocks): the image store records no layer for it (Docker's empty_layer). */
const EMPTY_LAYER = new Uint8Array(1024);

async function* emptyLayer(): AsyncGenerator<Uint8Array> {
  yield EMPTY_LAYER;
}

const toBuildImage = (record: { id: string; config: { config?: object } }): BuildImage => ({ id: record.id, config: structuredClone(record.config.config ?? {}) });

export function buildImages(images: ImageStore): BuildImages {
  return {
    async find(reference) {
      try {
        return toBuildImage(await images.get(reference));
      } catch (err) {
        if (isCeError(err, 'NotFound')) return undefined;
        throw err;
      }
    },
    async pull(reference, signal) {
      return toBuildImage((await images.pull(reference, { signal })).image);
    },
    async commit(options: CommitLayer) {
      const record = await images.createLayerImage({
        layer: options.layer ?? emptyLayer(),
        ...(options.parent ? { parent: options.parent } : {}),
        config: options.config,
        history: { created_by: options.createdBy, ...(options.author ? { author: options.author } : {}) },
        name: options.name,
      });
      return toBuildImage(record);
    },
    async tag(image, target) {
      await images.tag(image, target);
    },
    async names(prefix) {
      return (await images.list()).map((i) => i.name).filter((name) => familiarReference(name).startsWith(prefix));
    },
    async untag(name) {
      return (await images.remove(name)).deleted;
    },
    async layersBytes() {
      return (await images.diskUsage()).layersSize;
    },
  };
}

