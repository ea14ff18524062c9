import { readStream } from '@ce/protocol';
import type { ContainerStats } from '@ce/protocol/gen/ce/api/v1/containers';
import type { Router } from '../router.js';
import { statsJson } from './stats-json.js';

/**
 * GET /containers/{id}/stats?stream=&one-shot=: Docker's StatsJSON, one
 * object (stream=false: two samples a second apart, or one with one-shot), or
 * one a second, each on its line, until the container stops or the client goes.
 */
export function registerContainerStats(router: Router): void {
  router.get('/containers/{id}/stats', async (ctx) => {
    const stream = ctx.queryBool('stream', true);
    const call = ctx.engine.containers.stats({ id: ctx.param('id'), stream, oneShot: !stream && ctx.queryBool('one-shot') });
    const reply = ctx.reply();
    reply.on('close', () => call.cancel());
    try {
      for await (const sample of readStream<ContainerStats>(call)) {
        if (!reply.headersSent) reply.writeHead(200, { 'Content-Type': 'application/json' });
        reply.write(`${JSON.stringify(statsJson(sample))}\n`);
        if (!stream) break;
      }
    } catch (err) {
      if (reply.destroyed) return; // the client went away: its call was cancelled
      throw err;
    }
    if (!reply.headersSent) reply.writeHead(200, { 'Content-Type': 'application/json' });
    reply.end();
  });
}
