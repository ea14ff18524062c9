// The bridge driver, libnetwork's: a Linux bridge per network holding the
// gateway address, NAT and isolation in the firewall, and per container a
// veth pair from the bridge into the container's network namespace.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Logger } from '@ce/protocol';
import { invalidArgument } from '@ce/protocol/errors';
import type { Firewall, FirewallNetwork, PortMapping } from '../firewall.js';
import type { Ipam, Pool } from '../ipam/ipam.js';
import type { LinkOps } from '../link-ops.js';
import type { EndpointRecord, EndpointStore } from '../store/endpoint-store.js';
import type { NetworkRecord } from '../store/network-store.js';
import type { AttachRequest, DnsRegistry, Endpoint, PortReserver } from '../types.js';
import { UndoStack } from '../undo-stack.js';
import { ipv4OrThrow } from '../ipam/ipv4.js';

export interface BridgeDriverDeps {
  links: LinkOps;
  firewall: Firewall;
  dns: DnsRegistry;
  ports: PortReserver;
  ipam: Ipam;
  endpoints: EndpointStore;
  log?: Logger;
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

export class BridgeDriver {
  constructor(private readonly deps: BridgeDriverDeps) {}

  /**
   * The bridge (created when absent, as dockerd reuses an existing
   * docker0), its gateway address, up; the firewall's rules; the DNS server
   * of a user-defined network. Idempotent: start-up calls it for every network.
   */
  async programNetwork(net: NetworkRecord, pool: Pool): Promise<void> {
    const { links, firewall, dns } = this.deps;
    const bridge = bridgeOf(net);
    const undo = new UndoStack(this.deps.log);
    await undo.guard(async () => {
      const existing = await links.getLink(bridge);
      if (existing && existing.kind !== 'bridge') {
        throw invalidArgument(`cannot use ${bridge} as the bridge of network ${net.name}: it is a ${existing.kind || 'non-bridge'} device`);
      }
      if (!existing) {
        await links.createBridge(bridge, net.mtu ? { mtu: net.mtu } : undefined);
        undo.push(`delete bridge ${bridge}`, () => links.deleteLink(bridge));
      }
      await links.addAddress(bridge, `${pool.gateway}/${prefixLenOf(pool)}`);
      await links.setUp(bridge);
      await firewall.addNetwork(firewallNetworkOf(net, pool));
      undo.push(`firewall rules of ${net.name}`, () => firewall.removeNetwork(firewallNetworkOf(net, pool)));
      // The name makes `container.<network>` and the reverse names resolve; internal: nothing forwarded out.
      if (net.dns) await dns.addNetwork(net.id, pool.gateway, { name: net.name, internal: net.internal });
    });
  }

  /** Undoes programNetwork; the caller made sure no endpoint is left. */
  async unprogramNetwork(net: NetworkRecord, pool: Pool): Promise<void> {
    if (net.dns) await this.deps.dns.removeNetwork(net.id);
    await this.deps.firewall.removeNetwork(firewallNetworkOf(net, pool));
    await this.deps.links.deleteLink(bridgeOf(net));
  }

  /** Joins a container: nothing is left when a step fails. */
  async connect(net: NetworkRecord, pool: Pool, req: AttachRequest): Promise<Endpoint> {
    const { ipam, endpoints } = this.deps;
    const undo = new UndoStack(this.deps.log);
    return undo.guard(async () => {
      const mine = endpoints.ofContainer(req.containerId);
      const macAddress = req.macAddress?.toLowerCase();
      if (macAddress !== undefined && !MAC.test(macAddress)) throw invalidArgument(`invalid MAC address: ${req.macAddress}`);
      const ifName = req.ifName ?? firstFreeEthName(mine.map((r) => r.endpoint.ifName));
      if (mine.some((r) => r.endpoint.ifName === ifName)) throw invalidArgument(`interface ${ifName} is already used by another network of the container`);

      const lease = await ipam.allocate(net.id, req.containerId, req.ipv4Address);
      undo.push(`release ${lease.address}`, () => ipam.release(net.id, req.containerId));

      const defaultRoute = !net.internal && !mine.some((r) => r.defaultRoute);
      const shortId = req.containerId.slice(0, 12);
      const record: EndpointRecord = {
        version: 1,
        containerName: req.containerName,
        netnsPath: req.netnsPath,
        defaultRoute,
        ...(req.links?.length ? { links: req.links.map((l) => ({ ...l })) } : {}),
        endpoint: {
          id: randomBytes(32).toString('hex'),
          networkId: net.id,
          networkName: net.name,
          containerId: req.containerId,
          ifName,
          hostIfName: await this.freeVethName(),
          ipAddress: lease.address,
          prefixLen: lease.prefixLen,
          gateway: net.internal ? '' : lease.gateway,
          macAddress: macAddress ?? macOf(lease.address),
          aliases: unique([...(net.dns ? [shortId] : []), ...(req.aliases ?? [])]),
          ports: [],
          ...(net.dns ? { dnsServer: pool.gateway } : {}),
        },
      };
      await endpoints.put(record);
      undo.push('endpoint record', () => endpoints.delete(net.id, req.containerId));

      await this.plug(record, net, undo);
      // Published ports belong to the endpoint that gives the default route, as libnetwork's external connectivity.
      if (defaultRoute && req.ports?.length) {
        const chosen = await this.deps.ports.reserve(req.containerId, req.ports, { name: req.containerName, id: record.endpoint.id });
        undo.push('release host ports', () => this.deps.ports.release(req.containerId));
        record.endpoint.ports = chosen.map((host, i) => ({
          protocol: host.protocol,
          hostIp: host.hostIp,
          hostPort: host.hostPort,
          containerIp: lease.address,
          containerPort: req.ports![i]!.containerPort,
          bridge: bridgeOf(net),
          containerId: req.containerId,
        }));
        await endpoints.put(record);
        await this.deps.firewall.addPortMappings(record.endpoint.ports);
        undo.push('port mappings', () => this.deps.firewall.removePortMappings(record.endpoint.ports));
      }
      this.addDnsRecords(record, net, undo);
      return structuredClone(record.endpoint);
    });
  }

  /**
   * Undoes connect. The lease and the record go last, and only when the rest
   * is gone, so a failure leaves them for a retry (or reconcile) to finish.
   */
  async disconnect(record: EndpointRecord, net: NetworkRecord): Promise<void> {
    const { endpoint } = record;
    if (net.dns) this.deps.dns.removeRecords(net.id, endpoint.containerId);
    if (endpoint.ports.length) {
      await this.deps.firewall.removePortMappings(endpoint.ports);
      await this.deps.ports.release(endpoint.containerId);
    }
    // One end of a veth pair takes the other with it; a removed namespace took both.
    await this.deps.links.deleteLink(endpoint.hostIfName);
    await this.deps.ipam.release(net.id, endpoint.containerId);
    await this.deps.endpoints.delete(net.id, endpoint.containerId);
  }

  /**
   * Makes the endpoint the container's way out when the one that was left
   * (libnetwork's sandbox updateGateway): the default route through its
   * network, and the ports `previous` published, on the same host ports, to
   * its address. The route stays when the ports cannot be taken again (the
   * error is logged; the container keeps its other ports' absence visible in
   * its NetworkSettings).
   */
  async takeGateway(record: EndpointRecord, net: NetworkRecord, previous: readonly PortMapping[]): Promise<void> {
    const ep = record.endpoint;
    record.defaultRoute = true;
    await this.deps.endpoints.put(record);
    await this.deps.links.addRoute({ dst: 'default', gateway: ep.gateway, dev: ep.ifName }, record.netnsPath);
    if (!previous.length) return;
    const undo = new UndoStack(this.deps.log);
    await undo
      .guard(async () => {
        const requests = previous.map((p) => ({ protocol: p.protocol, hostIp: p.hostIp, hostPort: p.hostPort }));
        const chosen = await this.deps.ports.reserve(ep.containerId, requests, { name: record.containerName, id: ep.id });
        undo.push('release host ports', () => this.deps.ports.release(ep.containerId));
        ep.ports = chosen.map((host, i) => ({ ...previous[i]!, hostPort: host.hostPort, containerIp: ep.ipAddress, bridge: bridgeOf(net) }));
        await this.deps.endpoints.put(record);
        undo.push('endpoint ports', async () => {
          ep.ports = [];
          await this.deps.endpoints.put(record);
        });
        await this.deps.firewall.addPortMappings(ep.ports);
      })
      .catch((err: unknown) => this.deps.log?.warn({ err, containerId: ep.containerId, network: net.name }, 'published ports could not move to the new default route'));
  }

  /**
   * After a restart, for a container still running: programs again what is
   * missing (links, addresses, route; host ports, whose sockets died with the
   * old process; port rules absent from the firewall; DNS names, kept in
   * memory). Returns false when its namespace is gone, so the caller drops it.
   */
  async restoreEndpoint(record: EndpointRecord, net: NetworkRecord, programmed: readonly PortMapping[]): Promise<boolean> {
    if (!existsSync(record.netnsPath)) return false;
    const undo = new UndoStack(this.deps.log);
    await this.plug(record, net, undo, true);
    const { ports } = record.endpoint;
    if (ports.length) {
      const requests = ports.map((p) => ({ protocol: p.protocol, hostIp: p.hostIp, hostPort: p.hostPort }));
      // The rules still forward the ports; only the guard against another program binding them is lost.
      await this.deps.ports.reserve(record.endpoint.containerId, requests).catch((err: unknown) => {
        this.deps.log?.warn({ err, containerId: record.endpoint.containerId }, 'published host ports could not be reserved again');
      });
      const missing = ports.filter((p) => !programmed.some((q) => samePortMapping(p, q)));
      if (missing.length) await this.deps.firewall.addPortMappings(missing);
    }
    this.addDnsRecords(record, net, undo);
    return true;
  }

  /** The veth pair (unless both ends are there), on the bridge, addressed and up, with the default route. */
  private async plug(record: EndpointRecord, net: NetworkRecord, undo: UndoStack, restoring = false): Promise<void> {
    const { links } = this.deps;
    const ep = record.endpoint;
    const ns = record.netnsPath;
    const bridge = bridgeOf(net);
    const host = await links.getLink(ep.hostIfName);
    if (!host) {
      // After a crash, a device of that name in the container is a leftover of ours (a veth never outlives its other end).
      if (restoring) await links.deleteLink(ep.ifName, ns);
      await links.createVethPair(ep.hostIfName, ep.ifName, ns, { ...(net.mtu ? { mtu: net.mtu } : {}), peerMac: ep.macAddress });
      undo.push(`delete veth ${ep.hostIfName}`, () => links.deleteLink(ep.hostIfName));
    }
    await links.setMaster(ep.hostIfName, bridge);
    await links.setHairpin(ep.hostIfName, true);
    await links.setUp(ep.hostIfName);
    await links.addAddress(ep.ifName, `${ep.ipAddress}/${ep.prefixLen}`, ns);
    await links.setUp(ep.ifName, ns);
    await links.setUp('lo', ns);
    if (record.defaultRoute) await links.addRoute({ dst: 'default', gateway: ep.gateway, dev: ep.ifName }, ns);
  }

  private addDnsRecords(record: EndpointRecord, net: NetworkRecord, undo: UndoStack): void {
    if (!net.dns) return;
    const ep = record.endpoint;
    this.deps.dns.addRecords(net.id, ep.containerId, unique([record.containerName, ...ep.aliases].filter(Boolean)), ep.ipAddress, record.links ?? []);
    undo.push('DNS records', async () => this.deps.dns.removeRecords(net.id, ep.containerId));
  }

  /** Docker's host end name: veth and 7 hex characters, one not in use. */
  private async freeVethName(): Promise<string> {
    for (;;) {
      const name = `veth${randomBytes(4).toString('hex').slice(0, 7)}`;
      if (!(await this.deps.links.getLink(name))) return name;
    }
  }
}

export function bridgeOf(net: NetworkRecord): string {
  if (!net.bridge) throw invalidArgument(`network ${net.name} has no bridge`);
  return net.bridge;
}

export function firewallNetworkOf(net: NetworkRecord, pool: Pool): FirewallNetwork {
  return {
    id: net.id,
    bridge: bridgeOf(net),
    subnet: pool.subnet,
    internal: net.internal,
    icc: net.icc ?? true,
    masquerade: net.masquerade ?? true,
  };
}

/** libnetwork's derived MAC: 02:42 and the four bytes of the address. */
export function macOf(ipv4: string): string {
  const ip = ipv4OrThrow(ipv4, 'IPv4');
  return ['02', '42', ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255]
    .map((b) => (typeof b === 'string' ? b : b.toString(16).padStart(2, '0')))
    .join(':');
}

export function firstFreeEthName(used: readonly string[]): string {
  for (let n = 0; ; n++) if (!used.includes(`eth${n}`)) return `eth${n}`;
}

function prefixLenOf(pool: Pool): number {
  return Number(pool.subnet.split('/')[1]);
}

function unique(names: readonly string[]): string[] {
  return [...new Set(names)];
}

export function samePortMapping(a: PortMapping, b: PortMapping): boolean {
  return (
    a.protocol === b.protocol &&
    // The firewall reads every host address back as ''.
    (a.hostIp || '0.0.0.0') === (b.hostIp || '0.0.0.0') &&
    a.hostPort === b.hostPort &&
    a.containerIp === b.containerIp &&
    a.containerPort === b.containerPort &&
    a.containerId === b.containerId
  );
}
