import { adaptService, invalidArgument, type PromiseService } from '@ce/protocol';
import { ContentService, type Info, type WriteContentRequest, type WriteContentResponse } from '@ce/protocol/gen/ce/content/v1/content';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { BlobWriter, ContentInfo, ContentStore } from '../content/content-store.js';

/** Read responses and List batches stay well under gRPC's 4 MiB message limit. */
export const CONTENT_CHUNK = 1024 * 1024;
const LIST_BATCH = 256;

export function contentInfoToPb(info: ContentInfo): Info {
  return { digest: info.digest, size: info.size, createdAt: info.createdAt, labels: info.labels };
}

/** ce.content.v1.Content over any ContentStore: a thin adapter, nothing more. */
export function contentServiceImpl(store: ContentStore): PromiseService<ContentService> {
  return {
    async info(req) {
      return { info: contentInfoToPb(await store.info(req.digest)) };
    },
    async update(req) {
      return { info: contentInfoToPb(await store.update(req.digest, req.labels)) };
    },
    async *list(req) {
      const batch: Info[] = [];
      const all: Info[] = [];
      await store.walk((info) => void all.push(contentInfoToPb(info)), { labels: req.filters });
      for (const info of all) {
        batch.push(info);
        if (batch.length === LIST_BATCH) yield { info: batch.splice(0) };
      }
      if (batch.length) yield { info: batch };
    },
    async delete(req) {
      await store.delete(req.digest);
      return {};
    },
    async *read(req, ctx) {
      if (req.offset < 0 || req.size < 0) throw invalidArgument(`invalid read range offset ${req.offset} size ${req.size} for ${req.digest}`);
      const stream = await store.readStream(req.digest, { offset: req.offset, ...(req.size > 0 ? { length: req.size } : {}) });
      ctx.signal.addEventListener('abort', () => stream.destroy(), { once: true });
      let offset = req.offset;
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        for (let at = 0; at < chunk.length; at += CONTENT_CHUNK) {
          const data = chunk.subarray(at, at + CONTENT_CHUNK);
          yield { offset, data };
          offset += data.length;
        }
      }
    },
    async status(req) {
      const statuses = await store.status(req.ref || undefined);
      return { statuses: statuses.map((s) => ({ ref: s.ref, offset: s.offset, expected: s.expected ?? '', updatedAt: s.updatedAt, active: s.active })) };
    },
    async write(call: ServerDuplexStream<WriteContentRequest, WriteContentResponse>) {
      let writer: BlobWriter | undefined;
      let committed: ContentInfo | undefined;
      try {
        // destroyOnReturn: false, or ending the loop would destroy the call before the answer is written.
        for await (const req of call.iterator({ destroyOnReturn: false }) as AsyncIterable<WriteContentRequest>) {
          if (committed) throw invalidArgument('the write sent data after its commit');
          writer ??= await store.writer({
            ...(req.expected ? { digest: req.expected } : {}),
            ...(req.totalKnown ? { size: req.total } : {}),
            ...(Object.keys(req.labels).length ? { labels: req.labels } : {}),
          });
          if (req.data.length) await writer.write(req.data);
          if (req.commit) committed = await writer.commit();
        }
        if (!committed) throw invalidArgument('the write ended without a commit: nothing was stored');
      } catch (err) {
        await writer?.abort();
        throw err;
      }
      call.write({ info: contentInfoToPb(committed) });
      call.end();
    },
  };
}

/** [definition, handlers], ready for `serveUnix(path, [contentGrpcService(store)])`. */
export function contentGrpcService(store: ContentStore): [typeof ContentService, ReturnType<typeof adaptService>] {
  return [ContentService, adaptService(ContentService, contentServiceImpl(store))];
}
