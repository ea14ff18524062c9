// ce.network.v1.Networks over any NetworkService and ContainerNetworkConnector:
// a thin adapter; errors travel as the vocabulary's codes (service-adapter.ts).
import type { ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { NetworkResource, NetworkService } from '@ce/network';
import { adaptService, isCeError, type PromiseService } from '@ce/protocol';
import { NetworksService } from '@ce/protocol/gen/ce/network/v1/network';
import type { ContainerNetworkConnector } from './network-connector.js';
import { isDangling, listFilters, pruneFilters, type FilterPair } from './network-filters.js';
import { createRequestFromPb, toNetworkMessage } from './network-messages.js';

/** docker network prune with Docker's filters (until, label, label!): the names of the networks removed. */
export async function pruneNetworks(networks: NetworkService, pairs: readonly FilterPair[]): Promise<string[]> {
  const filters = pruneFilters(pairs);
  if (!filters.narrow) return networks.prune(filters.service);
  // until and label! pick the candidates; the service still decides which of them are unused.
  const ids = (await networks.list(filters.service)).filter(filters.narrow).map((n) => n.Id);
  return ids.length ? networks.prune({ ...filters.service, id: ids }) : [];
}

export function networksServiceImpl(networks: NetworkService, connector: ContainerNetworkConnector): PromiseService<typeof NetworksService> {
  return {
    create: async (req) => toNetworkMessage(await networks.create(createRequestFromPb(req))),
    list: async (req) => {
      const filters = listFilters(req.filters);
      let listed = await networks.list(filters.service);
      if (filters.scopes) listed = listed.filter((n) => filters.scopes!.includes(n.Scope));
      if (filters.dangling !== undefined) listed = await withDangling(networks, listed, filters.dangling);
      return { networks: listed.map(toNetworkMessage) };
    },
    inspect: async (req) => toNetworkMessage(await networks.inspect(req.ref)),
    remove: async (req) => (await networks.remove(req.ref), {}),
    prune: async (req) => ({ networksDeleted: await pruneNetworks(networks, req.filters) }),
    connect: async (req) => {
      const endpoint = req.endpoint;
      await connector.connect(req.network, req.container, {
        aliases: endpoint?.aliases ?? [],
        ...(endpoint?.ipv4Address ? { ipv4Address: endpoint.ipv4Address } : {}),
        links: endpoint?.links ?? [],
      });
      return {};
    },
    disconnect: async (req) => (await connector.disconnect(req.network, req.container, req.force), {}),
  };
}

/** The networks whose dangling state is `dangling`, told by inspect (a network gone meanwhile is left out). */
async function withDangling(networks: NetworkService, listed: NetworkResource[], dangling: boolean): Promise<NetworkResource[]> {
  const kept: NetworkResource[] = [];
  for (const n of listed) {
    const detailed = await networks.inspect(n.Id).catch((err: unknown) => {
      if (isCeError(err, 'NotFound')) return undefined;
      throw err;
    });
    if (detailed && isDangling(detailed) === dangling) kept.push(n);
  }
  return kept;
}

/** The service and its handlers, for serveUnix (ced registers it beside ce.api.v1's). */
export function networksGrpcService(networks: NetworkService, connector: ContainerNetworkConnector): [ServiceDefinition, UntypedServiceImplementation] {
  return [NetworksService as unknown as ServiceDefinition, adaptService(NetworksService, networksServiceImpl(networks, connector))];
}
