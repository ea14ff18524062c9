import { PassThrough } from 'node:stream';
import { adaptService, CeError, invalidArgument, type PromiseService } from '@ce/protocol';
import type { Mount } from '@ce/protocol/gen/ce/types/v1/mount';
import { ImagesService, type ImportImageRequest, type ImportImageResponse, type LoadImagesRequest, type LoadImagesResponse, type PullResponse, type PushResponse } from '@ce/protocol/gen/ce/images/v1/images';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { ImageInfo, ImageService } from '../types.js';
import type { ProgressEvent, PullResult, PushResult, RegistryService } from '../registry/types.js';
import { credentialsFromPb, descriptorToPb, diskUsageToPb, imageToPb, progressToPb } from './convert.js';
import { progressStream } from './progress-stream.js';

/** What PrepareRootfs needs: ImageStore has it; a store without it answers Unimplemented. */
export interface RootfsPreparer {
  prepareRootfs(key: string, reference: string, labels?: Record<string, string>): Promise<Mount[]>;
}

/** ce.images.v1.Images over any ImageService: a thin adapter, nothing more. */
export function imagesServiceImpl(store: ImageService & RegistryService & Partial<RootfsPreparer>): PromiseService<ImagesService> {
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
    async tag(req) {
      return imageToPb(await store.tag(req.source, req.target));
    },
    async load(call: ServerDuplexStream<LoadImagesRequest, LoadImagesResponse>) {
      let name: string | undefined;
      let first = true;
      async function* chunks(): AsyncGenerator<Uint8Array> {
        // destroyOnReturn: false, or ending the loop would destroy the call before the answer is written.
        for await (const req of call.iterator({ destroyOnReturn: false }) as AsyncIterable<LoadImagesRequest>) {
          if (first) name = req.name || undefined;
          first = false;
          if (req.data.length) yield req.data;
        }
      }
      const images = await store.load(chunks(), {
        get name() {
          return name;
        },
      });
      call.write({ images: images.map(imageToPb) });
      call.end();
    },
    async *save(req) {
      if (req.references.length === 0) throw invalidArgument('save needs at least one image');
      const out = new PassThrough({ highWaterMark: 1024 * 1024 });
      const saving = store.save(req.references, out).then(
        () => out.end(),
        (err: Error) => out.destroy(err),
      );
      for await (const chunk of out) yield { data: chunk as Buffer };
      await saving;
    },
    async prune(req) {
      const r = await store.prune({ all: req.all, filters: req.filters });
      return { untagged: r.untagged, deleted: r.deleted, reclaimedBytes: r.reclaimedBytes, partialDownloads: r.partialDownloads };
    },
    async inspect(req) {
      const d = await store.details(req.reference);
      return {
        image: imageToPb(d.image),
        repoTags: d.repoTags,
        repoDigests: d.repoDigests,
        configJson: d.config,
        manifestJson: d.manifest,
        manifestDescriptor: descriptorToPb(d.manifestDescriptor),
      };
    },
    async diskUsage() {
      return diskUsageToPb(await store.diskUsage());
    },
    async listTags(req, ctx) {
      return { tags: await store.listTags(req.repository, { credentials: credentialsFromPb(req.auth), signal: ctx.signal }) };
    },
    async search(req) {
      return { results: await store.search(req.term, req.limit || 25) };
    },
    async import(call: ServerDuplexStream<ImportImageRequest, ImportImageResponse>) {
      let first: ImportImageRequest | undefined;
      async function* chunks(): AsyncGenerator<Uint8Array> {
        for await (const req of call.iterator({ destroyOnReturn: false }) as AsyncIterable<ImportImageRequest>) {
          first ??= req;
          if (req.data.length) yield req.data;
        }
      }
      const source = chunks();
      // The options ride on the first message: read it before the store starts.
      const head = await source.next();
      if (!first) throw invalidArgument('the import sent nothing');
      async function* all(): AsyncGenerator<Uint8Array> {
        if (!head.done) yield head.value;
        yield* source;
      }
      const image = await store.importImage(all(), { name: first.reference, comment: first.comment, changes: first.changes });
      call.write({ image: imageToPb(image) });
      call.end();
    },
    async history(req) {
      const rows = await store.history(req.reference);
      return { entries: rows.map((r) => ({ id: r.id, created: r.created, createdBy: r.createdBy, size: r.size, comment: r.comment, tags: r.tags })) };
    },
    async prepareRootfs(req) {
      if (!store.prepareRootfs) throw new CeError('Unimplemented', 'this image service prepares no root filesystems');
      return { mounts: await store.prepareRootfs(req.key, req.reference, req.labels) };
    },
  };
}

/** [definition, handlers], ready for `serveUnix(path, [imagesGrpcService(store)])`. */
export function imagesGrpcService(store: ImageService & RegistryService & Partial<RootfsPreparer>): [typeof ImagesService, ReturnType<typeof adaptService>] {
  return [ImagesService, adaptService(ImagesService, imagesServiceImpl(store))];
}
