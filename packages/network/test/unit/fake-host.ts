// An in-memory host for the manager's unit tests: links, addresses and routes
// per namespace, the firewall's networks and port rules, DNS records and
// reserved host ports. Every change is one numbered step, and `failAt` makes
// step N throw, to test that each failure is undone.
import { rmSync, writeFileSync } from 'node:fs';
import type {
  DnsLink,
  DnsNetworkOptions,
  DnsRegistry,
  Firewall,
  FirewallNetwork,
  HostPortRequest,
  LinkInfo,
  LinkOps,
  NetnsOps,
  PortMapping,
  PortReserver,
  RouteInfo,
} from '../../src/index.js';

interface FakeLink extends LinkInfo {
  addresses: string[];
  /** The other end of a veth: namespace key and name. */
  peer?: { ns: string; name: string };
}

const HOST = '';

export class FakeHost {
  /** Names of the steps taken, in order. */
  readonly steps: string[] = [];
  /** The step number (0-based, counted in `steps`) that throws. */
  failAt: number | undefined;
  readonly namespaces = new Map<string, Map<string, FakeLink>>([[HOST, new Map()]]);
  readonly routes = new Map<string, RouteInfo[]>([[HOST, [{ dst: '192.168.1.0/24', dev: 'eth0' }]]]);
  readonly firewallNetworks = new Map<string, FirewallNetwork>();
  portMappings: PortMapping[] = [];
  readonly dnsNetworks = new Map<string, string>();
  readonly dnsNetworkOptions = new Map<string, DnsNetworkOptions | undefined>();
  readonly dnsRecords = new Map<string, { names: readonly string[]; ipv4: string; links?: readonly DnsLink[] }>();
  readonly reservedPorts = new Map<string, HostPortRequest[]>();
  /** Host ports some other program holds. */
  readonly busyPorts = new Set<number>();
  private nextIndex = 1;
  private nextPort = 49153;

  private step(name: string): void {
    const n = this.steps.length;
    this.steps.push(name);
    if (n === this.failAt) throw new Error(`injected failure at step ${n} (${name})`);
  }

  private ns(netns: string | undefined): Map<string, FakeLink> {
    const links = this.namespaces.get(netns ?? HOST);
    if (!links) throw Object.assign(new Error(`no namespace ${netns}`), { code: 'NotFound' });
    return links;
  }

  private link(name: string, netns?: string): FakeLink {
    const link = this.ns(netns).get(name);
    if (!link) throw Object.assign(new Error(`no link ${name}`), { code: 'NotFound' });
    return link;
  }

  private addLink(netns: string, name: string, kind: string, mtu = 1500, mac = '00:00:00:00:00:00'): FakeLink {
    const links = this.ns(netns);
    if (links.has(name)) throw Object.assign(new Error(`link ${name} exists`), { code: 'AlreadyExists' });
    const link: FakeLink = { index: this.nextIndex++, name, kind, mtu, mac, up: false, addresses: [] };
    links.set(name, link);
    return link;
  }

  /** What a test compares before and after: everything but the step log. */
  snapshot(): unknown {
    return JSON.parse(
      JSON.stringify({
        namespaces: [...this.namespaces].map(([k, v]) => [k, [...v.values()]]),
        routes: [...this.routes],
        firewall: [...this.firewallNetworks.keys()],
        portMappings: this.portMappings,
        dnsNetworks: [...this.dnsNetworks],
        dnsRecords: [...this.dnsRecords],
        reservedPorts: [...this.reservedPorts],
      }),
    );
  }

  readonly links: LinkOps = {
    createBridge: async (name, opts) => {
      this.step(`createBridge ${name}`);
      this.addLink(HOST, name, 'bridge', opts?.mtu);
    },
    createVethPair: async (hostName, peerName, peerNetns, opts) => {
      this.step(`createVethPair ${hostName}`);
      this.ns(peerNetns);
      if (this.ns(HOST).has(hostName) || this.ns(peerNetns).has(peerName)) throw Object.assign(new Error('exists'), { code: 'AlreadyExists' });
      const host = this.addLink(HOST, hostName, 'veth', opts?.mtu);
      const peer = this.addLink(peerNetns, peerName, 'veth', opts?.mtu, opts?.peerMac);
      host.peer = { ns: peerNetns, name: peerName };
      peer.peer = { ns: HOST, name: hostName };
    },
    deleteLink: async (name, netns) => {
      this.step(`deleteLink ${name}`);
      const link = this.ns(netns).get(name);
      if (!link) return;
      this.ns(netns).delete(name);
      const gone = [{ ns: netns ?? HOST, name }];
      if (link.peer) {
        this.namespaces.get(link.peer.ns)?.delete(link.peer.name);
        gone.push(link.peer);
      }
      for (const { ns, name: dev } of gone) this.routes.set(ns, (this.routes.get(ns) ?? []).filter((r) => r.dev !== dev));
      for (const other of this.ns(netns).values()) if (other.master === name) delete other.master;
    },
    getLink: async (name, netns) => {
      const link = this.ns(netns).get(name);
      return link ? { index: link.index, name, kind: link.kind, mtu: link.mtu, mac: link.mac, up: link.up, ...(link.master ? { master: link.master } : {}) } : null;
    },
    listLinks: async (netns) => [...this.ns(netns).values()].map(({ addresses: _a, peer: _p, ...info }) => info),
    setMaster: async (name, bridge) => {
      this.step(`setMaster ${name}`);
      this.link(bridge);
      this.link(name).master = bridge;
    },
    setHairpin: async (name) => {
      this.step(`setHairpin ${name}`);
      this.link(name);
    },
    setUp: async (name, netns) => {
      this.step(`setUp ${name}`);
      this.link(name, netns).up = true;
    },
    setDown: async (name, netns) => {
      this.step(`setDown ${name}`);
      this.link(name, netns).up = false;
    },
    addAddress: async (name, cidr, netns) => {
      this.step(`addAddress ${name} ${cidr}`);
      const link = this.link(name, netns);
      if (!link.addresses.includes(cidr)) link.addresses.push(cidr);
    },
    listAddresses: async (name, netns) => [...this.link(name, netns).addresses],
    addRoute: async (route, netns) => {
      this.step(`addRoute ${route.dst}`);
      const ns = netns ?? HOST;
      if (route.dev) this.link(route.dev, netns);
      const routes = this.routes.get(ns) ?? [];
      if (!routes.some((r) => r.dst === route.dst)) routes.push(route);
      this.routes.set(ns, routes);
    },
    listRoutes: async (netns) => [...(this.routes.get(netns ?? HOST) ?? [])],
  };

  readonly netns: NetnsOps = {
    create: async (path) => {
      this.step(`netns create`);
      if (this.namespaces.has(path)) throw Object.assign(new Error('exists'), { code: 'AlreadyExists' });
      writeFileSync(path, '');
      this.namespaces.set(path, new Map());
      this.addLink(path, 'lo', '');
      this.routes.set(path, []);
    },
    remove: async (path) => {
      this.step(`netns remove`);
      rmSync(path, { force: true });
      const links = this.namespaces.get(path);
      if (!links) return;
      for (const link of links.values()) if (link.peer) this.namespaces.get(link.peer.ns)?.delete(link.peer.name);
      this.namespaces.delete(path);
      this.routes.delete(path);
    },
    setSysctl: async () => {
      this.step('setSysctl');
    },
  };

  readonly firewall: Firewall = {
    init: async () => {
      this.step('firewall init');
    },
    addNetwork: async (net) => {
      this.step(`firewall addNetwork ${net.bridge}`);
      this.firewallNetworks.set(net.id, net);
    },
    removeNetwork: async (net) => {
      this.step(`firewall removeNetwork ${net.bridge}`);
      this.firewallNetworks.delete(net.id);
    },
    addPortMappings: async (mappings) => {
      this.step('firewall addPortMappings');
      this.portMappings.push(...mappings);
    },
    removePortMappings: async (mappings) => {
      this.step('firewall removePortMappings');
      const gone = (m: PortMapping) => mappings.some((x) => JSON.stringify(x) === JSON.stringify(m));
      this.portMappings = this.portMappings.filter((m) => !gone(m));
    },
    listPortMappings: async () => structuredClone(this.portMappings),
    reset: async () => {
      this.firewallNetworks.clear();
      this.portMappings = [];
    },
  };

  readonly dns: DnsRegistry = {
    addNetwork: async (networkId, gateway, options) => {
      this.step('dns addNetwork');
      this.dnsNetworks.set(networkId, gateway);
      this.dnsNetworkOptions.set(networkId, options);
    },
    removeNetwork: async (networkId) => {
      this.step('dns removeNetwork');
      this.dnsNetworks.delete(networkId);
    },
    addRecords: (networkId, containerId, names, ipv4, links) => {
      this.step('dns addRecords');
      this.dnsRecords.set(`${networkId}/${containerId}`, { names, ipv4, ...(links?.length ? { links } : {}) });
    },
    removeRecords: (networkId, containerId) => {
      this.dnsRecords.delete(`${networkId}/${containerId}`);
    },
  };

  readonly ports: PortReserver = {
    reserve: async (containerId, requests) => {
      this.step('ports reserve');
      const held = new Set([...this.reservedPorts.values()].flat().map((p) => p.hostPort));
      const chosen = requests.map((r) => {
        let port = r.hostPort;
        if (port === 0) while (held.has(this.nextPort) || this.busyPorts.has(this.nextPort)) this.nextPort++;
        if (port === 0) port = this.nextPort++;
        if (held.has(port) || this.busyPorts.has(port)) throw Object.assign(new Error(`port ${port} is already allocated`), { code: 'Conflict' });
        held.add(port);
        return { ...r, hostPort: port };
      });
      this.reservedPorts.set(containerId, [...(this.reservedPorts.get(containerId) ?? []), ...chosen]);
      return chosen;
    },
    release: async (containerId) => {
      this.step('ports release');
      this.reservedPorts.delete(containerId);
    },
  };

  /** A restart of ced: what lived in its memory (DNS records and servers, held ports) is gone; the kernel's and firewall's state stays. */
  restartProcess(): void {
    this.dnsNetworks.clear();
    this.dnsRecords.clear();
    this.reservedPorts.clear();
  }
}
