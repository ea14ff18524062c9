import { invalidArgument, unary } from '@ce/protocol';
import { listsAll, PsFilterError, selectContainers, validatePsFilters, type PsFilters } from '@ce/protocol/container-list';
import type { ListContainersResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { Router } from '../router.js';
import { containerSizes } from './container-sizes.js';
import { containerSummary } from './container-summary.js';

/** The filters checked as Docker's daemon checks them (its words, a 400); those ce cannot serve yet are refused too. */
function checkedFilters(filters: Record<string, string[]>): PsFilters {
  const map: PsFilters = new Map(Object.entries(filters));
  try {
    validatePsFilters(map);
  } catch (err) {
    if (err instanceof PsFilterError) throw invalidArgument(err.message);
    throw err;
  }
  return map;
}

/**
 * GET /containers/json?all=&limit=&size=&filters=: Docker's ContainerSummary
 * list, newest first, with `ce ps`'s filters and their meanings (limit is ps's -n).
 */
export function registerContainerList(router: Router): void {
  router.get('/containers/json', async (ctx) => {
    const filters = checkedFilters(ctx.queryFilters());
    const limit = ctx.queryInt('limit', -1);
    const all = listsAll(ctx.queryBool('all'), limit, filters);
    const res = await unary<ListContainersResponse>((cb) => ctx.engine.containers.list({ all, summaries: true }, cb));
    const containers = selectContainers(res.containers, filters, limit);
    const sizes = ctx.queryBool('size') ? await containerSizes(ctx.engine, containers) : undefined;
    const now = Date.now();
    ctx.json(200, containers.map((c) => containerSummary(c, now, sizes?.get(c.id))));
  });
}
