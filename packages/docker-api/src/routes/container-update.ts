import { unary } from '@ce/protocol';
import type { UpdateContainerResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { Router } from '../router.js';
import { updateContainerRequest } from './container-update-request.js';

/** POST /containers/{id}/update: new resources and restart policy for a container, {Warnings} (null when none, as dockerd's). */
export function registerContainerUpdate(router: Router): void {
  router.post('/containers/{id}/update', async (ctx) => {
    const request = updateContainerRequest(ctx.param('id'), (await ctx.jsonBody<Record<string, unknown> | null>()) ?? {});
    const res = await unary<UpdateContainerResponse>((cb) => ctx.engine.containers.update(request, cb));
    ctx.json(200, { Warnings: res.warnings.length ? res.warnings : null });
  });
}
