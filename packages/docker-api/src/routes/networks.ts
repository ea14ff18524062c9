import { notFound, unary } from '@ce/protocol';
import type { ListNetworksResponse, Network, PruneNetworksResponse } from '@ce/protocol/gen/ce/network/v1/network';
import type { RequestContext } from '../request-context.js';
import type { Router } from '../router.js';
import { filterPairs } from '../translate/body-fields.js';
import { dockerNetwork, networkConnectRequest, networkCreateRequest, networkDisconnectRequest } from '../translate/networks.js';

/** GET /networks/{id}: verbose changes nothing for local networks; a scope other than the network's is dockerd's 404. */
async function inspectNetwork(ctx: RequestContext): Promise<void> {
  const ref = ctx.param('id');
  const network = await unary<Network>((cb) => ctx.engine.networks.inspect({ ref }, cb));
  const scope = ctx.query.get('scope');
  if (scope && scope !== network.scope) throw notFound(`network ${ref} not found`);
  ctx.json(200, dockerNetwork(network));
}

/** The network endpoints: docker network create/ls/inspect/rm/prune/connect/disconnect. */
export function registerNetworkRoutes(router: Router): void {
  router.get('/networks', async (ctx) => {
    const filters = filterPairs(ctx.queryFilters());
    const listed = await unary<ListNetworksResponse>((cb) => ctx.engine.networks.list({ filters }, cb));
    ctx.json(200, listed.networks.map(dockerNetwork));
  });
  router.get('/networks/{id}', inspectNetwork);
  router.post('/networks/create', async (ctx) => {
    const request = networkCreateRequest(await ctx.jsonBody<unknown>());
    const created = await unary<Network>((cb) => ctx.engine.networks.create(request, cb));
    ctx.json(201, { Id: created.id, Warning: '' });
  });
  router.delete('/networks/{id}', async (ctx) => {
    await unary((cb) => ctx.engine.networks.remove({ ref: ctx.param('id') }, cb));
    ctx.empty(204);
  });
  router.post('/networks/{id}/connect', async (ctx) => {
    const request = networkConnectRequest(ctx.param('id'), await ctx.jsonBody<unknown>());
    await unary((cb) => ctx.engine.networks.connect(request, cb));
    ctx.empty(200);
  });
  router.post('/networks/{id}/disconnect', async (ctx) => {
    const request = networkDisconnectRequest(ctx.param('id'), await ctx.jsonBody<unknown>());
    await unary((cb) => ctx.engine.networks.disconnect(request, cb));
    ctx.empty(200);
  });
  router.post('/networks/prune', async (ctx) => {
    const filters = filterPairs(ctx.queryFilters());
    const pruned = await unary<PruneNetworksResponse>((cb) => ctx.engine.networks.prune({ filters }, cb));
    // dockerd: null when nothing was removed.
    ctx.json(200, { NetworksDeleted: pruned.networksDeleted.length ? pruned.networksDeleted : null });
  });
}
