import type { NetworkService } from '@ce/network';
import type { EventPublisher } from '../events/event-publisher.js';

/** The network service publishing Docker's network create and destroy events. */
export function withNetworkEvents(service: NetworkService, events: Pick<EventPublisher, 'network'>): NetworkService {
  return {
    async create(req) {
      const created = await service.create(req);
      events.network(created, 'create');
      return created;
    },
    list: (filters) => service.list(filters),
    inspect: (ref) => service.inspect(ref),
    async remove(ref) {
      const network = await service.inspect(ref);
      await service.remove(network.Id);
      events.network(network, 'destroy');
    },
    async prune(filters) {
      const before = await service.list(filters);
      const removed = await service.prune(filters);
      for (const network of before.filter((n) => removed.includes(n.Name))) events.network(network, 'destroy');
      return removed;
    },
  };
}
