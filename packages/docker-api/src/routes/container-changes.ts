import { unary } from '@ce/protocol';
import type { ContainerChangesResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { Router } from '../router.js';

/** GET /containers/{id}/changes: [{Path, Kind}] (0 changed, 1 added, 2 deleted), null when nothing changed, as dockerd's. */
export function registerContainerChanges(router: Router): void {
  router.get('/containers/{id}/changes', async (ctx) => {
    const res = await unary<ContainerChangesResponse>((cb) => ctx.engine.containers.changes({ id: ctx.param('id') }, cb));
    ctx.json(200, res.changes.length ? res.changes.map((c) => ({ Path: c.path, Kind: c.kind })) : null);
  });
}
