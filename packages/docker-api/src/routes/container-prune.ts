import { unary } from '@ce/protocol';
import type { PruneContainersResponse } from '@ce/protocol/gen/ce/api/v1/system';
import type { Router } from '../router.js';

/** POST /containers/prune?filters=: ced's container prune (until, label, label!), {ContainersDeleted, SpaceReclaimed}. */
export function registerContainerPrune(router: Router): void {
  router.post('/containers/prune', async (ctx) => {
    const filters = Object.entries(ctx.queryFilters()).flatMap(([key, values]) => values.map((value) => ({ key, value })));
    const res = await unary<PruneContainersResponse>((cb) => ctx.engine.system.pruneContainers({ filters }, cb));
    // dockerd's list is null when nothing went
    ctx.json(200, { ContainersDeleted: res.containersDeleted.length ? res.containersDeleted : null, SpaceReclaimed: Number(res.reclaimedBytes) });
  });
}
