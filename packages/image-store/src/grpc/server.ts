import { adaptService, type PromiseService } from '@ce/protocol';
import { ImagesService, type PullResponse, type PushResponse } from '@ce/protocol/gen/ce/images/v1/images';
import type { ImageInfo, ImageService } from '../types.js';
import type { ProgressEvent, PullResult, PushResult, RegistryService } from '../registry/types.js';
import { credentialsFromPb, imageToPb, progressToPb } from './convert.js';
import { progressStream } from './progress-stream.js';

/** ce.images.v1.Images over any ImageService: a thin adapter, nothing more. */
export function imagesServiceImpl(store: ImageService & RegistryService): PromiseService<ImagesService> {
  return {
    pull(req, ctx) {
      return progressStream<ProgressEvent, PullResult & { image: ImageInfo }, PullResponse>(
        (onProgress) =>
          store.pull(req.reference, {
            platform: req.platform?.os ? { os: req.platform.os, architecture: req.platform.architecture, ...(req.platform.variant ? { variant: req.platform.variant } : {}) } : undefined,
            credentials: credentialsFromPb(req.auth),
            onProgress,
            signal: ctx.signal,
          }),
        (e) => ({ progress: progressToPb(e) }),
        (r) => ({ result: { name: r.name, digest: r.digest, updated: r.updated, image: imageToPb(r.image) } }),
      );
    },
    push(req, ctx) {
      return progressStream<ProgressEvent, PushResult, PushResponse>(
        (onProgress) => store.push(req.reference, { credentials: credentialsFromPb(req.auth), onProgress, signal: ctx.signal }),
        (e) => ({ progress: progressToPb(e) }),
        (r) => ({ result: { name: r.name, digest: r.digest, size: r.size } }),
      );
    },
    async login(req) {
      await store.login(req.server, credentialsFromPb(req.auth) ?? {});
      return { status: 'Login Succeeded' };
    },
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
export function imagesGrpcService(store: ImageService & RegistryService): [typeof ImagesService, ReturnType<typeof adaptService>] {
  return [ImagesService, adaptService(ImagesService, imagesServiceImpl(store))];
}
