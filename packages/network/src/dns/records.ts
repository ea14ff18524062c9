// The names the embedded DNS server knows, per network, and how a query is
// resolved from the querying container's point of view, as libnetwork's
// sandbox ResolveName / ResolveIP do: the container's own networks only,
// `name` and `name.<network>`, its --link aliases before other names,
// case-insensitive, reverse lookups giving `<container name>.<network>`.
import { isIPv4 } from 'node:net';
import { invalidArgument, notFound } from '@ce/protocol/errors';
import type { DnsLink } from '../types.js';

interface ContainerNames {
  containerId: string;
  /** As given; the first is the container's name, the reverse lookup's answer. */
  names: string[];
  ipv4: string;
  /** Lower-case alias → lower-case target name. */
  links: Map<string, string>;
}

interface NetworkNames {
  id: string;
  name: string | undefined;
  containers: Map<string, ContainerNames>;
  /** Lower-case name → the containers answering to it. */
  byName: Map<string, Set<string>>;
}

export interface Querier {
  /** The network whose listener received the query. */
  networkId: string;
  /** The container the query came from, when its address is one of the network's. */
  containerId: string | undefined;
}

const PTR_IPV4_SUFFIX = '.in-addr.arpa';

function normalize(name: string): string {
  return name.replace(/\.$/, '').toLowerCase();
}

export class DnsRecords {
  private readonly networks = new Map<string, NetworkNames>();

  addNetwork(networkId: string, name?: string): void {
    if (this.networks.has(networkId)) return;
    this.networks.set(networkId, { id: networkId, name, containers: new Map(), byName: new Map() });
  }

  removeNetwork(networkId: string): void {
    this.networks.delete(networkId);
  }

  hasNetwork(networkId: string): boolean {
    return this.networks.has(networkId);
  }

  /** Replaces what the container had on the network. */
  add(networkId: string, containerId: string, names: readonly string[], ipv4: string, links: readonly DnsLink[] = []): void {
    const network = this.networks.get(networkId);
    if (!network) throw notFound(`network ${networkId} has no embedded DNS server`);
    if (!isIPv4(ipv4)) throw invalidArgument(`DNS records of container ${containerId}: "${ipv4}" is not an IPv4 address`);
    const kept = names.filter((n) => n.length > 0);
    if (kept.length === 0) throw invalidArgument(`DNS records of container ${containerId}: no name given`);
    this.remove(networkId, containerId);
    const entry: ContainerNames = {
      containerId,
      names: kept,
      ipv4,
      links: new Map(links.map((l) => [normalize(l.alias), normalize(l.name)])),
    };
    network.containers.set(containerId, entry);
    for (const name of new Set(kept.map(normalize))) {
      let set = network.byName.get(name);
      if (!set) network.byName.set(name, (set = new Set()));
      set.add(containerId);
    }
  }

  remove(networkId: string, containerId: string): void {
    const network = this.networks.get(networkId);
    const entry = network?.containers.get(containerId);
    if (!network || !entry) return;
    network.containers.delete(containerId);
    for (const name of entry.names.map(normalize)) {
      const set = network.byName.get(name);
      set?.delete(containerId);
      if (set?.size === 0) network.byName.delete(name);
    }
  }

  /** The container of the network with that address, if any. */
  querier(networkId: string, sourceAddress: string): Querier {
    const network = this.networks.get(networkId);
    const source = sourceAddress.replace(/^::ffff:/, '');
    for (const entry of network?.containers.values() ?? []) {
      if (entry.ipv4 === source) return { networkId, containerId: entry.containerId };
    }
    return { networkId, containerId: undefined };
  }

  /**
   * The IPv4 addresses of a name as the querier sees it, or undefined when
   * the name is none of its networks' (then it is forwarded). An empty list
   * never comes back: a known name always has its address.
   */
  resolveName(querier: Querier, qname: string): string[] | undefined {
    const views = this.views(querier);
    if (views.length === 0) return undefined;
    for (const [req, networkName] of nameCandidates(normalize(qname))) {
      const onNetwork = views.filter((v) => networkName === '' || v.network.name?.toLowerCase() === networkName);
      for (const { network, own } of onNetwork) {
        const target = own.links.get(req);
        const found = target === undefined ? undefined : addressesOf(network, target);
        if (found) return found;
      }
      for (const { network, own } of onNetwork) {
        if (own.links.has(req)) continue;
        const found = addressesOf(network, req);
        if (found) return found;
      }
    }
    return undefined;
  }

  /** The name of an address in reverse form (`2.0.18.172.in-addr.arpa`), `<container name>.<network>`, or undefined. */
  resolveAddress(querier: Querier, qname: string): string | undefined {
    const name = normalize(qname);
    if (!name.endsWith(PTR_IPV4_SUFFIX)) return undefined;
    const address = name.slice(0, -PTR_IPV4_SUFFIX.length).split('.').reverse().join('.');
    for (const { network } of this.views(querier)) {
      for (const entry of network.containers.values()) {
        if (entry.ipv4 === address) return network.name ? `${entry.names[0]}.${network.name}` : entry.names[0];
      }
    }
    return undefined;
  }

  /** The networks the querier is on, the one asked first, with its own entry there. */
  private views(querier: Querier): { network: NetworkNames; own: ContainerNames }[] {
    if (querier.containerId === undefined) return [];
    const asked = this.networks.get(querier.networkId);
    const ordered = asked ? [asked, ...[...this.networks.values()].filter((n) => n !== asked)] : [...this.networks.values()];
    const views: { network: NetworkNames; own: ContainerNames }[] = [];
    for (const network of ordered) {
      const own = network.containers.get(querier.containerId);
      if (own) views.push({ network, own });
    }
    return views;
  }
}

/** `a.b.c` → (a.b.c, any network), (a.b, network c), (a, network b.c): libnetwork's split. */
function nameCandidates(name: string): [string, string][] {
  const candidates: [string, string][] = [[name, '']];
  let rest = name;
  for (let dot = rest.lastIndexOf('.'); dot > 0; dot = rest.lastIndexOf('.')) {
    rest = rest.slice(0, dot);
    candidates.push([rest, name.slice(dot + 1)]);
  }
  return candidates;
}

function addressesOf(network: NetworkNames, name: string): string[] | undefined {
  const ids = network.byName.get(name);
  if (!ids || ids.size === 0) return undefined;
  return [...ids].map((id) => network.containers.get(id)!.ipv4);
}
