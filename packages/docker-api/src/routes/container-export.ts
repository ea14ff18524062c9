import { readStream } from '@ce/protocol';
import type { ExportContainerResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { Router } from '../router.js';

/** GET /containers/{id}/export: the container's whole filesystem as a tar, streamed as ced makes it. */
export function registerContainerExport(router: Router): void {
  router.get('/containers/{id}/export', async (ctx) => {
    const call = ctx.engine.containers.export({ id: ctx.param('id') });
    const reply = ctx.reply();
    reply.on('close', () => call.cancel());
    try {
      for await (const chunk of readStream<ExportContainerResponse>(call)) {
        if (!reply.headersSent) reply.writeHead(200, { 'Content-Type': 'application/x-tar' });
        if (!reply.write(chunk.data)) {
          await new Promise((resolve) => {
            reply.once('drain', resolve);
            reply.once('close', resolve);
          });
        }
      }
    } catch (err) {
      if (reply.destroyed) return; // the client went away: its call was cancelled
      throw err;
    }
    if (!reply.headersSent) reply.writeHead(200, { 'Content-Type': 'application/x-tar' });
    reply.end();
  });
}
