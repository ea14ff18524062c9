import { adaptService, type PromiseService } from '@ce/protocol';
import { ImagesService } from '@ce/protocol/gen/ce/images/v1/images';
import type { ImageService } from '../types.js';
import { imageToPb } from './convert.js';

/** ce.images.v1.Images over any ImageService: a thin adapter, nothing more. */
export function imagesServiceImpl(store: ImageService): PromiseService<ImagesService> {
  return {
    async list() {
      return { images: (await store.list()).map(imageToPb) };
    },
    async get(req) {
      return imageToPb(await store.get(req.reference));
    },
    async remove(req) {
      return store.remove(req.reference, { force: req.force });
    },
    async importLayout(req) {
      return { images: (await store.importOciLayout(req.path, { name: req.name || undefined })).map(imageToPb) };
    },
  };
}

/** [definition, handlers], ready for `serveUnix(path, [imagesGrpcService(store)])`. */
export function imagesGrpcService(store: ImageService): [typeof ImagesService, ReturnType<typeof adaptService>] {
  return [ImagesService, adaptService(ImagesService, imagesServiceImpl(store))];
}
