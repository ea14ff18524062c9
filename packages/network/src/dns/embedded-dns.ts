// The embedded DNS server of the user-defined networks (decision 0037): one
// UDP+TCP listener per network on its gateway address, in ced's own network
// namespace (as podman's aardvark-dns), answering each container from the
// names of the networks it is on; the querier is known by its address.
import { alreadyExists } from '@ce/protocol/errors';
import { readHostResolvConf } from '../etc-files/host-files.js';
import { resolvNameservers } from '../etc-files/resolv-conf-parse.js';
import type { DnsLink, DnsNetworkOptions, DnsRegistry } from '../types.js';
import { DEFAULT_LISTENER_LIMITS, DnsListener, type ListenerLimits } from './listener.js';
import { DnsRecords, type Querier } from './records.js';
import { DnsResolver } from './resolver.js';
import { parseUpstream, type Upstream } from './upstream.js';

export interface EmbeddedDnsOptions {
  /** The port of every listener: 53 (default); 0 lets the kernel pick one per network (tests). */
  port?: number;
  /**
   * The servers for queriers without their own: "ip" or "ip:port" (IPv6 as
   * "[ip]:port"). Default: the IPv4 nameservers of the host's resolv.conf,
   * read again at each addNetwork.
   */
  upstreams?: readonly string[];
  /** The host's resolv.conf, when `upstreams` is not given. Default /etc/resolv.conf (systemd-resolved's own file when it is only the stub). */
  hostResolvConfPath?: string;
  /** The port of upstream servers given without one (the host's, the containers'). Default 53. */
  upstreamPort?: number;
  /** Per upstream server tried. Default 4000 ms (libnetwork's extIOTimeout). */
  upstreamTimeoutMs?: number;
  /** Queries forwarded at once over all networks. Default 1024 (libnetwork's maxConcurrent). */
  maxConcurrentForwards?: number;
  listenerLimits?: Partial<ListenerLimits>;
}

/** A container's own resolver settings, from its resolv.conf (containerResolvConf's upstreams and ndotsSet). */
export interface ContainerResolverSettings {
  upstreams?: readonly string[];
  ndotsSet?: boolean;
}

interface NetworkListener {
  gateway: string;
  internal: boolean;
  listener: DnsListener;
}

export class EmbeddedDns implements DnsRegistry {
  private readonly records = new DnsRecords();
  private readonly listeners = new Map<string, NetworkListener>();
  private readonly opening = new Map<string, Promise<void>>();
  private readonly containers = new Map<string, { upstreams: Upstream[] | undefined; ndotsSet: boolean }>();
  private readonly resolver: DnsResolver;
  private hostUpstreams: Upstream[];

  constructor(private readonly options: EmbeddedDnsOptions = {}) {
    this.hostUpstreams = (options.upstreams ?? []).map((s) => parseUpstream(s, this.upstreamPort));
    this.resolver = new DnsResolver(
      this.records,
      {
        upstreamsFor: (q) => this.upstreamsFor(q),
        ndotsSet: (q) => (q.containerId !== undefined && this.containers.get(q.containerId)?.ndotsSet) || false,
        forwards: (networkId) => this.listeners.get(networkId)?.internal !== true,
      },
      { upstreamTimeoutMs: options.upstreamTimeoutMs ?? 4000, maxConcurrentForwards: options.maxConcurrentForwards ?? 1024 },
    );
  }

  private get upstreamPort(): number {
    return this.options.upstreamPort ?? 53;
  }

  async addNetwork(networkId: string, gateway: string, options: DnsNetworkOptions = {}): Promise<void> {
    const pending = this.opening.get(networkId);
    if (pending) await pending.catch(() => undefined);
    const existing = this.listeners.get(networkId);
    if (existing) {
      if (existing.gateway !== gateway) throw alreadyExists(`network ${networkId} has its DNS server on ${existing.gateway} already`);
      existing.internal = options.internal ?? existing.internal;
      return;
    }
    const open = this.open(networkId, gateway, options);
    this.opening.set(networkId, open);
    try {
      await open;
    } finally {
      this.opening.delete(networkId);
    }
  }

  private async open(networkId: string, gateway: string, options: DnsNetworkOptions): Promise<void> {
    if (!this.options.upstreams) await this.readHostUpstreams();
    const limits = { ...DEFAULT_LISTENER_LIMITS, ...this.options.listenerLimits };
    const listener = await DnsListener.open(gateway, this.options.port ?? 53, (message, source, transport) => this.resolver.answer(message, networkId, source, transport), limits);
    this.records.addNetwork(networkId, options.name);
    this.listeners.set(networkId, { gateway, internal: options.internal ?? false, listener });
  }

  private async readHostUpstreams(): Promise<void> {
    const content = await readHostResolvConf(this.options.hostResolvConfPath);
    this.hostUpstreams = resolvNameservers(content ?? '', 'ipv4').map((s) => parseUpstream(s, this.upstreamPort));
  }

  async removeNetwork(networkId: string): Promise<void> {
    await this.opening.get(networkId)?.catch(() => undefined);
    const entry = this.listeners.get(networkId);
    this.records.removeNetwork(networkId);
    if (!entry) return;
    this.listeners.delete(networkId);
    await entry.listener.close();
  }

  addRecords(networkId: string, containerId: string, names: readonly string[], ipv4: string, links: readonly DnsLink[] = []): void {
    this.records.add(networkId, containerId, names, ipv4, links);
  }

  removeRecords(networkId: string, containerId: string): void {
    this.records.remove(networkId, containerId);
  }

  /** The container's own upstream servers and ndots (from its --dns / --dns-option), until removeContainerResolver. */
  setContainerResolver(containerId: string, settings: ContainerResolverSettings): void {
    const upstreams = settings.upstreams?.map((s) => parseUpstream(s, this.upstreamPort));
    this.containers.set(containerId, { upstreams: upstreams?.length ? upstreams : undefined, ndotsSet: settings.ndotsSet ?? false });
  }

  removeContainerResolver(containerId: string): void {
    this.containers.delete(containerId);
  }

  /** Where the network's server listens (the port matters with `port: 0`). */
  listenerAddress(networkId: string): { address: string; port: number } | undefined {
    const entry = this.listeners.get(networkId);
    return entry && { address: entry.listener.address, port: entry.listener.port };
  }

  /** Stops every listener (ced's shutdown). */
  async close(): Promise<void> {
    await Promise.all([...this.listeners.keys()].map((id) => this.removeNetwork(id)));
  }

  private upstreamsFor(querier: Querier): readonly Upstream[] {
    const own = querier.containerId === undefined ? undefined : this.containers.get(querier.containerId)?.upstreams;
    return own ?? this.hostUpstreams;
  }
}
