// NetworkService and ContainerNetworkConnector over ce.network.v1.Networks:
// the same interfaces as the local ones, for a composition root that keeps
// the network layer in another process.
import type { CreateNetworkRequest, NetworkFilters, NetworkResource, NetworkService } from '@ce/network';
import { dialUnix, unary } from '@ce/protocol';
import {
  NetworksClient,
  type ListNetworksResponse,
  type Network,
  type PruneNetworksResponse,
} from '@ce/protocol/gen/ce/network/v1/network';
import type { ContainerNetworkConnector, EndpointConfig } from './network-connector.js';
import { filterPairs } from './network-filters.js';
import { createRequestToPb, fromNetworkMessage } from './network-messages.js';

export class NetworksGrpcClient implements NetworkService, ContainerNetworkConnector {
  readonly client: NetworksClient;

  /** `target` is a unix socket path or an existing NetworksClient. */
  constructor(target: string | NetworksClient) {
    this.client = typeof target === 'string' ? dialUnix(NetworksClient, target) : target;
  }

  private get target(): string {
    return this.client.getChannel().getTarget();
  }

  async create(req: CreateNetworkRequest): Promise<NetworkResource> {
    return fromNetworkMessage(await unary<Network>((cb) => this.client.create(createRequestToPb(req), cb), this.target));
  }

  async list(filters?: NetworkFilters): Promise<NetworkResource[]> {
    const res = await unary<ListNetworksResponse>((cb) => this.client.list({ filters: filterPairs(filters) }, cb), this.target);
    return res.networks.map(fromNetworkMessage);
  }

  async inspect(ref: string): Promise<NetworkResource> {
    return fromNetworkMessage(await unary<Network>((cb) => this.client.inspect({ ref }, cb), this.target));
  }

  async remove(ref: string): Promise<void> {
    await unary((cb) => this.client.remove({ ref }, cb), this.target);
  }

  async prune(filters?: NetworkFilters): Promise<string[]> {
    const res = await unary<PruneNetworksResponse>((cb) => this.client.prune({ filters: filterPairs(filters) }, cb), this.target);
    return res.networksDeleted;
  }

  async connect(network: string, container: string, endpoint: EndpointConfig): Promise<void> {
    const config = { aliases: endpoint.aliases, ipv4Address: endpoint.ipv4Address ?? '', links: endpoint.links };
    await unary((cb) => this.client.connect({ network, container, endpoint: config }, cb), this.target);
  }

  async disconnect(network: string, container: string, force: boolean): Promise<void> {
    await unary((cb) => this.client.disconnect({ network, container, force }, cb), this.target);
  }

  close(): void {
    this.client.close();
  }
}
