import { unary } from '@ce/protocol';
import type { TopContainerResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { Router } from '../router.js';

/** GET /containers/{id}/top?ps_args=: the host's ps kept to the container's processes, {Titles, Processes}. */
export function registerContainerTop(router: Router): void {
  router.get('/containers/{id}/top', async (ctx) => {
    const top = await unary<TopContainerResponse>((cb) => ctx.engine.containers.top({ id: ctx.param('id'), psArgs: ctx.query.get('ps_args') ?? '' }, cb));
    ctx.json(200, { Processes: top.processes.map((p) => p.fields), Titles: top.titles });
  });
}
