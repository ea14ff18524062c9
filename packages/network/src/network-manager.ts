// The network service and a container's networking, as one library: the
// network store, IPAM and the bridge driver over injected kernel, firewall,
// port and DNS implementations. Every change goes through one queue, so two
// requests never decide on the same subnet, address or name.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@ce/protocol';
import { alreadyExists, CeError, failedPrecondition, invalidArgument, notFound } from '@ce/protocol/errors';
import { BridgeDriver, samePortMapping } from './bridge/bridge-driver.js';
import { CniDriver, type CniDriverSettings } from './cni-driver/cni-driver.js';
import { cniBridgeOf, cniIpamConfig, loadCniNetworkConfig } from './cni-driver/cni-network-config.js';
import { DEFAULT_CNI_CONF_DIR } from './cni/config-dir.js';
import { BRIDGE_NAME, checkDeviceName, DRIVER_MTU, ENABLE_ICC, ENABLE_IP_MASQUERADE, parseBridgeOptions } from './bridge/bridge-options.js';
import type { Firewall } from './firewall.js';
import { Ipam, type Pool } from './ipam/ipam.js';
import { formatCidr, overlaps, parseCidr, parseCidrLoose, type Ipv4Subnet } from './ipam/ipv4.js';
import { DEFAULT_ADDRESS_POOLS, pickSubnet, validateAddressPools, type AddressPool } from './ipam/subnet-pools.js';
import type { LinkOps, NetnsOps } from './link-ops.js';
import { EndpointStore, type EndpointRecord } from './store/endpoint-store.js';
import { matchesFilters, validateFilters } from './store/filters.js';
import { NetworkStore, type NetworkRecord } from './store/network-store.js';
import type {
  AttachRequest,
  ContainerNetworking,
  CreateNetworkRequest,
  DnsRegistry,
  Endpoint,
  IpamConfig,
  NetworkFilters,
  NetworkResource,
  NetworkService,
  PortReserver,
} from './types.js';
import { UndoStack } from './undo-stack.js';

export interface NetworkManagerOptions {
  links: LinkOps;
  netns: NetnsOps;
  firewall: Firewall;
  dns: DnsRegistry;
  ports: PortReserver;
  /** Networks, leases and endpoints. Default /var/lib/ce/network. */
  stateDir?: string;
  /** Where sandboxes (network namespaces) are pinned, one file per container. Default /run/ce/netns. */
  netnsDir?: string;
  /**
   * The predefined `bridge` network, as dockerd's -b, --bip and --mtu:
   * device (default ce0; 'none': no default bridge network), bip (the
   * gateway address and prefix, default 10.210.0.1/16), mtu (default 1500).
   * When they change, the default bridge is made again at init, unless
   * containers are on it.
   */
  defaultBridge?: { device?: string; bip?: string; mtu?: number };
  /** Subnets for networks created without one. Default: 10.211.0.0/16 in /24s. */
  addressPools?: readonly AddressPool[];
  /**
   * Networks of driver cni (`--opt cni.config=<name or path>`): where
   * configurations are looked up (default /etc/cni/net.d), the plugins'
   * folders (default /usr/lib/cni, /opt/cni/bin), the result cache (default
   * <stateDir>/cni).
   */
  cni?: CniDriverSettings;
  log?: Logger;
}

export const DEFAULT_STATE_DIR = '/var/lib/ce/network';
export const DEFAULT_NETNS_DIR = '/run/ce/netns';
export const DEFAULT_BRIDGE_DEVICE = 'ce0';
export const DEFAULT_BRIDGE_BIP = '10.210.0.1/16';
const DEFAULT_MTU = 1500;
const PREDEFINED = ['bridge', 'host', 'none'];
const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export class NetworkManager implements NetworkService, ContainerNetworking {
  readonly stateDir: string;
  readonly netnsDir: string;
  private readonly networks: NetworkStore;
  private readonly endpointStore: EndpointStore;
  private readonly ipam: Ipam;
  private readonly driver: BridgeDriver;
  private readonly cni: CniDriver;
  private readonly addressPools: readonly AddressPool[];
  private queue: Promise<unknown> = Promise.resolve();
  private initialized = false;

  constructor(private readonly opts: NetworkManagerOptions) {
    this.stateDir = opts.stateDir ?? DEFAULT_STATE_DIR;
    this.netnsDir = opts.netnsDir ?? DEFAULT_NETNS_DIR;
    this.addressPools = opts.addressPools ?? DEFAULT_ADDRESS_POOLS;
    validateAddressPools(this.addressPools);
    this.networks = new NetworkStore(this.stateDir);
    this.endpointStore = new EndpointStore(this.stateDir);
    this.ipam = new Ipam(this.stateDir);
    this.driver = new BridgeDriver({ ...opts, ipam: this.ipam, endpoints: this.endpointStore });
    this.cni = new CniDriver({
      links: opts.links,
      ports: opts.ports,
      endpoints: this.endpointStore,
      settings: { ...opts.cni, cacheDir: opts.cni?.cacheDir ?? join(this.stateDir, 'cni') },
      ...(opts.log ? { log: opts.log } : {}),
    });
  }

  /**
   * Loads the state, creates the predefined networks on first start, and
   * programs every bridge network again (bridge, address, firewall rules,
   * DNS server) where it is missing. Call once, before anything else; then
   * reconcile() with the containers still running.
   */
  async init(): Promise<void> {
    await this.serially(async () => {
      await mkdir(this.stateDir, { recursive: true, mode: 0o700 });
      await Promise.all([this.networks.load(), this.endpointStore.load(), this.ipam.load()]);
      // A crash between writing a pool and its network (or removing them) leaves the pool alone.
      for (const id of this.ipam.networkIds()) if (!this.networks.byId(id)) await this.ipam.removePool(id);
      await this.opts.firewall.init();
      await this.createPredefined();
      for (const net of this.networks.all()) {
        if (net.driver !== 'bridge') continue;
        try {
          await this.driver.programNetwork(net, this.poolOf(net));
        } catch (err) {
          if (net.name === 'bridge') throw err;
          this.opts.log?.error({ err, network: net.name }, 'network could not be programmed');
        }
      }
      this.initialized = true;
    }, true);
  }

  async create(req: CreateNetworkRequest): Promise<NetworkResource> {
    return this.serially(async () => this.resourceOf(await this.createNetwork(req)));
  }

  async list(filters: NetworkFilters = {}): Promise<NetworkResource[]> {
    this.checkInitialized();
    validateFilters(filters);
    // As GET /networks: Containers is only filled in by inspect.
    return this.networks.all().filter((n) => matchesFilters(n, filters)).map((n) => this.resourceOf(n, false));
  }

  async inspect(ref: string): Promise<NetworkResource> {
    this.checkInitialized();
    return this.resourceOf(this.networks.find(ref));
  }

  async remove(ref: string): Promise<void> {
    await this.serially(async () => this.removeNetwork(this.networks.find(ref)));
  }

  async prune(filters: NetworkFilters = {}): Promise<string[]> {
    validateFilters(filters);
    return this.serially(async () => {
      const removed: string[] = [];
      for (const net of this.networks.all()) {
        if (net.predefined || !matchesFilters(net, filters) || this.endpointStore.ofNetwork(net.id).length) continue;
        try {
          await this.removeNetwork(net);
          removed.push(net.name);
        } catch (err) {
          this.opts.log?.warn({ err, network: net.name }, 'prune could not remove network');
        }
      }
      return removed;
    });
  }

  /** Where a container's sandbox is pinned. */
  sandboxPath(containerId: string): string {
    return join(this.netnsDir, checkContainerId(containerId));
  }

  async createSandbox(containerId: string): Promise<string> {
    const path = this.sandboxPath(containerId);
    return this.serially(async () => {
      await mkdir(this.netnsDir, { recursive: true, mode: 0o755 });
      // A pin or endpoints left by a crash belong to no running container (ced creates the sandbox before the task).
      for (const record of this.endpointStore.ofContainer(containerId)) await this.disconnectEndpoint(record);
      if (existsSync(path)) await this.opts.netns.remove(path);
      await this.opts.netns.create(path);
      return path;
    });
  }

  /** Disconnects the container from every network (as dockerd releases a stopped container's endpoints), then removes the namespace. */
  async removeSandbox(containerId: string): Promise<void> {
    const path = this.sandboxPath(containerId);
    await this.serially(async () => {
      for (const record of this.endpointStore.ofContainer(containerId)) await this.disconnectEndpoint(record);
      await this.opts.netns.remove(path);
    });
  }

  async connect(networkRef: string, req: AttachRequest): Promise<Endpoint> {
    checkContainerId(req.containerId);
    return this.serially(async () => {
      const net = this.networks.find(networkRef);
      if (net.driver === 'host') throw invalidArgument('container cannot be disconnected from host network or connected to host network');
      if (net.driver === 'null') throw invalidArgument('container cannot be connected to multiple networks with one of the networks in private (none) mode');
      if (this.endpointStore.get(net.id, req.containerId)) {
        throw forbidden(`endpoint with name ${req.containerName} already exists in network ${net.name}`);
      }
      const isDefaultBridge = net.predefined && net.name === 'bridge';
      if (req.ipv4Address !== undefined && net.driver !== 'cni') {
        if (isDefaultBridge) throw invalidArgument('user specified IP address is supported on user defined networks only');
        if (!net.userSubnet) throw invalidArgument('user specified IP address is supported only when connecting to networks with user configured subnets');
      }
      if (isDefaultBridge && req.aliases?.length) throw invalidArgument('network-scoped alias is supported only for containers in user defined networks');
      if (req.ifName !== undefined) {
        checkDeviceName(req.ifName, 'interface name');
        if (req.ifName === 'lo') throw invalidArgument('invalid interface name "lo": it is the loopback device');
      }
      if (net.driver === 'cni') return this.cni.connect(net, req);
      return this.driver.connect(net, this.poolOf(net), req);
    });
  }

  /**
   * Takes the container off the network. When that endpoint gave the default
   * route, the first other one with a gateway (by interface) takes it over,
   * with the published ports, as libnetwork moves a sandbox's gateway.
   */
  async disconnect(networkRef: string, containerId: string): Promise<void> {
    await this.serially(async () => {
      const net = this.networks.find(networkRef);
      const record = this.endpointStore.get(net.id, containerId);
      if (!record) return;
      const ports = structuredClone(record.endpoint.ports);
      await this.disconnectEndpoint(record);
      if (!record.defaultRoute || !existsSync(record.netnsPath)) return;
      const next = this.endpointStore
        .ofContainer(containerId)
        .filter((r) => r.endpoint.gateway !== '' && this.networks.byId(r.endpoint.networkId))
        .sort((a, b) => a.endpoint.ifName.localeCompare(b.endpoint.ifName, undefined, { numeric: true }))[0];
      if (next) await this.driver.takeGateway(next, this.networks.byId(next.endpoint.networkId)!, ports);
    });
  }

  async endpoints(containerId: string): Promise<Endpoint[]> {
    this.checkInitialized();
    return this.endpointStore.ofContainer(containerId).map((r) => structuredClone(r.endpoint));
  }

  async reconcile(live: ReadonlySet<string>): Promise<void> {
    await this.serially(async () => {
      const programmed = await this.opts.firewall.listPortMappings();
      for (const record of this.endpointStore.all()) {
        const { containerId, networkId } = record.endpoint;
        const net = this.networks.byId(networkId);
        try {
          if (!net) await this.endpointStore.delete(networkId, containerId);
          else if (!live.has(containerId) || !(await this.restoreEndpoint(record, net, programmed))) await this.disconnectEndpoint(record);
        } catch (err) {
          this.opts.log?.error({ err, containerId, network: net?.name }, 'endpoint could not be reconciled');
        }
      }
      for (const net of this.networks.all().filter((n) => n.driver === 'cni')) {
        await this.cni.removeOrphans(net).catch((err: unknown) => this.opts.log?.error({ err, network: net.name }, 'cached CNI attachments could not be reconciled'));
      }
      // Leases taken by a connect that died before writing its endpoint.
      for (const networkId of this.ipam.networkIds()) {
        for (const owner of new Set(this.ipam.leases(networkId).values())) {
          if (!this.endpointStore.get(networkId, owner)) await this.ipam.release(networkId, owner);
        }
      }
      const wanted = this.endpointStore.all().flatMap((r) => r.endpoint.ports);
      const stale = programmed.filter((m) => !live.has(m.containerId) || !wanted.some((w) => samePortMapping(w, m)));
      if (stale.length) await this.opts.firewall.removePortMappings(stale);
      for (const entry of existsSync(this.netnsDir) ? await readdir(this.netnsDir) : []) {
        if (!live.has(entry)) await this.opts.netns.remove(join(this.netnsDir, entry));
      }
    });
  }

  private async createNetwork(req: CreateNetworkRequest): Promise<NetworkRecord> {
    const name = req.Name ?? '';
    if (name.trim() === '') throw invalidArgument('invalid name: name is empty');
    if (PREDEFINED.includes(name)) throw forbidden(`operation is not permitted on predefined ${name} network `);
    if (this.networks.byName(name)) throw alreadyExists(`network with name ${name} already exists`);
    const driver = req.Driver || 'bridge';
    if (driver === 'host' || driver === 'null') throw forbidden(`only one instance of "${driver}" network is allowed`);
    if (driver === 'cni') return this.createCniNetwork(req);
    if (driver !== 'bridge') throw notFound(`plugin "${driver}" not found`);
    const ipamDriver = req.IPAM?.Driver || 'default';
    if (ipamDriver !== 'default') throw notFound(`plugin "${ipamDriver}" not found`);
    if (req.EnableIPv6) throw invalidArgument('IPv6 networks are not supported by ce');
    const configs = req.IPAM?.Config ?? [];
    if (configs.length > 1) throw invalidArgument('only one IPAM configuration (one IPv4 subnet) per network is supported by ce');
    const config: IpamConfig = configs[0] ?? {};
    if (!config.Subnet && (config.IPRange || config.Gateway || Object.keys(config.AuxiliaryAddresses ?? {}).length)) {
      throw invalidArgument('every ip-range, gateway or auxiliary address must have a corresponding subnet');
    }
    const options = { ...(req.Options ?? {}) };
    const bridgeOptions = parseBridgeOptions(options);

    const id = this.newNetworkId();
    const bridge = bridgeOptions.bridge ?? `ce-${id.slice(0, 12)}`;
    const sameBridge = this.networks.all().find((n) => n.bridge === bridge);
    if (sameBridge) {
      throw forbidden(`cannot create network ${id} (${bridge}): conflicts with network ${sameBridge.id} (${bridge}): networks have same bridge name`);
    }
    let subnet: string;
    if (config.Subnet) {
      const wanted = parseCidr(config.Subnet, 'subnet');
      if (this.subnetsInUse().some((used) => overlaps(used, wanted))) throw forbidden('Pool overlaps with other one on this address space');
      subnet = formatCidr(wanted);
    } else {
      subnet = pickSubnet(this.addressPools, [...this.subnetsInUse(), ...(await this.hostRoutes())]);
    }

    const undo = new UndoStack(this.opts.log);
    return undo.guard(async () => {
      const pool = await this.ipam.createPool(id, {
        subnet,
        ...(config.IPRange ? { ipRange: config.IPRange } : {}),
        ...(config.Gateway ? { gateway: config.Gateway } : {}),
        ...(config.AuxiliaryAddresses ? { auxAddresses: config.AuxiliaryAddresses } : {}),
      });
      undo.push('IPAM pool', () => this.ipam.removePool(id));
      const record: NetworkRecord = {
        version: 1,
        id,
        name,
        created: new Date().toISOString(),
        driver,
        internal: req.Internal ?? false,
        attachable: req.Attachable ?? false,
        enableIPv6: false,
        ipamDriver,
        ipamOptions: { ...(req.IPAM?.Options ?? {}) },
        ipamConfig: [ipamConfigOf(pool)],
        userSubnet: Boolean(config.Subnet),
        options,
        labels: { ...(req.Labels ?? {}) },
        predefined: false,
        bridge,
        mtu: bridgeOptions.mtu ?? DEFAULT_MTU,
        icc: bridgeOptions.icc,
        masquerade: bridgeOptions.masquerade,
        dns: true,
      };
      await this.networks.put(record);
      undo.push('network record', () => this.networks.delete(id));
      await this.driver.programNetwork(record, pool);
      return record;
    });
  }

  /**
   * A network whose containers join through a CNI plugin chain: the list is
   * read and checked (its plugins found, speaking its version) and kept in
   * the record. Its IPAM is the list's; ce's IPAM options do not apply.
   */
  private async createCniNetwork(req: CreateNetworkRequest): Promise<NetworkRecord> {
    const name = req.Name;
    if (req.IPAM?.Driver && req.IPAM.Driver !== 'default') throw invalidArgument('a CNI network takes its IPAM from its configuration list: --ipam-driver does not apply');
    if (req.IPAM?.Config?.length || Object.keys(req.IPAM?.Options ?? {}).length) {
      throw invalidArgument('a CNI network takes its IPAM from its configuration list: --subnet, --ip-range, --gateway, --aux-address and --ipam-opt do not apply');
    }
    if (req.Internal) throw invalidArgument('--internal does not apply to a CNI network: its plugins decide its routes and rules');
    if (req.EnableIPv6) throw invalidArgument('IPv6 networks are not supported by ce');
    const options = { ...(req.Options ?? {}) };
    const list = await loadCniNetworkConfig(options, this.opts.cni?.confDir ?? DEFAULT_CNI_CONF_DIR);
    const same = this.networks.all().find((n) => n.cni?.name === list.name);
    if (same) throw forbidden(`network ${same.name} uses the CNI network "${list.name}" already`);
    const bridge = cniBridgeOf(list);
    const sameBridge = bridge && this.networks.all().find((n) => n.bridge === bridge);
    if (sameBridge) throw forbidden(`${list.source}: bridge ${bridge} is the bridge of network ${sameBridge.name}: networks have same bridge name`);
    const ipam = cniIpamConfig(list);
    for (const config of ipam.config) {
      const subnet = parseCidr(config.Subnet!, 'subnet');
      if (this.subnetsInUse().some((used) => overlaps(used, subnet))) {
        throw forbidden(`${list.source}: subnet ${config.Subnet} overlaps with the subnet of another network`);
      }
    }
    await this.cni.newChain(list).validate();
    const record: NetworkRecord = {
      version: 1,
      id: this.newNetworkId(),
      name,
      created: new Date().toISOString(),
      driver: 'cni',
      internal: false,
      attachable: req.Attachable ?? false,
      enableIPv6: false,
      ipamDriver: ipam.driver,
      ipamOptions: null,
      ipamConfig: ipam.config,
      userSubnet: false,
      options,
      labels: { ...(req.Labels ?? {}) },
      predefined: false,
      dns: false,
      ...(bridge ? { bridge } : {}),
      cni: { name: list.name, source: list.source, config: list.bytes },
    };
    await this.networks.put(record);
    return record;
  }

  private async removeNetwork(net: NetworkRecord): Promise<void> {
    if (net.predefined) throw forbidden(`${net.name} is a pre-defined network and cannot be removed`);
    if (this.endpointStore.ofNetwork(net.id).length) {
      throw forbidden(`error while removing network: network ${net.name} id ${net.id} has active endpoints`);
    }
    if (net.driver === 'cni') {
      await this.cni.removeOrphans(net);
      await this.networks.delete(net.id);
      this.cni.forget(net);
      return;
    }
    // The record goes after the kernel's objects (a crash in between leaves a network init programs again) and before the pool.
    await this.driver.unprogramNetwork(net, this.poolOf(net));
    await this.networks.delete(net.id);
    await this.ipam.removePool(net.id);
  }

  private async disconnectEndpoint(record: EndpointRecord): Promise<void> {
    const net = this.networks.byId(record.endpoint.networkId);
    if (!net) await this.endpointStore.delete(record.endpoint.networkId, record.endpoint.containerId);
    else if (net.driver === 'cni') await this.cni.disconnect(record, net);
    else await this.driver.disconnect(record, net);
  }

  private restoreEndpoint(record: EndpointRecord, net: NetworkRecord, programmed: Awaited<ReturnType<Firewall['listPortMappings']>>): Promise<boolean> {
    return net.driver === 'cni' ? this.cni.restoreEndpoint(record, net) : this.driver.restoreEndpoint(record, net, programmed);
  }

  private async createPredefined(): Promise<void> {
    const base = (name: string, driver: string): NetworkRecord => ({
      version: 1,
      id: this.newNetworkId(),
      name,
      created: new Date().toISOString(),
      driver,
      internal: false,
      attachable: false,
      enableIPv6: false,
      ipamDriver: 'default',
      ipamOptions: null,
      ipamConfig: [],
      userSubnet: false,
      options: {},
      labels: {},
      predefined: true,
    });
    await this.ensureDefaultBridge(base('bridge', 'bridge'));
    if (!this.networks.byName('host')) await this.networks.put(base('host', 'host'));
    if (!this.networks.byName('none')) await this.networks.put(base('none', 'null'));
  }

  /** The default bridge as the options say: made at first start, and again when -b, --bip or --mtu changed. */
  private async ensureDefaultBridge(fresh: NetworkRecord): Promise<void> {
    const config = this.opts.defaultBridge ?? {};
    const device = config.device ?? DEFAULT_BRIDGE_DEVICE;
    const existing = this.networks.byName('bridge');
    if (device !== 'none') checkDeviceName(device, 'default bridge device');
    const bip = config.bip ?? DEFAULT_BRIDGE_BIP;
    const slash = bip.indexOf('/');
    const gateway = bip.slice(0, slash);
    const subnet = formatCidr(parseCidrLoose(bip, 'bip'));
    const mtu = config.mtu ?? DEFAULT_MTU;
    if (existing) {
      const pool = this.ipam.pool(existing.id);
      if (existing.bridge === device && existing.mtu === mtu && pool?.subnet === subnet && pool.gateway === gateway) return;
      if (this.endpointStore.ofNetwork(existing.id).length) {
        this.opts.log?.warn({ device, bip, mtu }, 'the default bridge keeps its old settings while containers are on it');
        return;
      }
      if (pool) await this.driver.unprogramNetwork(existing, pool);
      await this.networks.delete(existing.id);
      await this.ipam.removePool(existing.id);
    }
    if (device === 'none') return;
    if (this.subnetsInUse().some((used) => overlaps(used, parseCidr(subnet, 'bip')))) {
      throw forbidden(`the default bridge's --bip ${bip} overlaps the subnet of another network`);
    }
    const record: NetworkRecord = {
      ...fresh,
      options: {
        'com.docker.network.bridge.default_bridge': 'true',
        [ENABLE_ICC]: 'true',
        [ENABLE_IP_MASQUERADE]: 'true',
        'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
        [BRIDGE_NAME]: device,
        [DRIVER_MTU]: String(mtu),
      },
      bridge: device,
      mtu,
      icc: true,
      masquerade: true,
      dns: false,
    };
    const pool = await this.ipam.createPool(record.id, { subnet, gateway });
    record.ipamConfig = [ipamConfigOf(pool)];
    await this.networks.put(record);
  }

  private resourceOf(net: NetworkRecord, withContainers = true): NetworkResource {
    const containers: NetworkResource['Containers'] = {};
    if (withContainers) {
      for (const { endpoint, containerName } of this.endpointStore.ofNetwork(net.id)) {
        containers[endpoint.containerId] = {
          Name: containerName,
          EndpointID: endpoint.id,
          MacAddress: endpoint.macAddress,
          IPv4Address: endpoint.ipAddress ? `${endpoint.ipAddress}/${endpoint.prefixLen}` : '',
          IPv6Address: '',
        };
      }
    }
    return {
      Name: net.name,
      Id: net.id,
      Created: net.created,
      Scope: 'local',
      Driver: net.driver,
      EnableIPv6: net.enableIPv6,
      IPAM: { Driver: net.ipamDriver, Options: net.ipamOptions ? { ...net.ipamOptions } : null, Config: structuredClone(net.ipamConfig) },
      Internal: net.internal,
      Attachable: net.attachable,
      Ingress: false,
      ConfigFrom: { Network: '' },
      ConfigOnly: false,
      Containers: containers,
      Options: { ...net.options },
      Labels: { ...net.labels },
    };
  }

  private poolOf(net: NetworkRecord): Pool {
    const pool = this.ipam.pool(net.id);
    if (!pool) throw new CeError('Internal', `network ${net.name} (${net.id}) has no IPAM pool in ${this.stateDir}`);
    return pool;
  }

  /** ce's pools, and the subnets CNI networks' configurations name. */
  private subnetsInUse(): Ipv4Subnet[] {
    const pools = this.ipam.networkIds().map((id) => parseCidr(this.ipam.pool(id)!.subnet, 'subnet'));
    const cni = this.networks.all().flatMap((n) => (n.driver === 'cni' ? n.ipamConfig.flatMap((c) => (c.Subnet ? [parseCidr(c.Subnet, 'subnet')] : [])) : []));
    return [...pools, ...cni];
  }

  /** The host's routes (its LAN, VPNs, other engines' bridges), which a picked subnet must not shadow. */
  private async hostRoutes(): Promise<Ipv4Subnet[]> {
    const routes = await this.opts.links.listRoutes();
    return routes.flatMap((r) => {
      if (r.dst === 'default') return [];
      try {
        return [parseCidr(r.dst.includes('/') ? r.dst : `${r.dst}/32`, 'route')];
      } catch {
        return [];
      }
    });
  }

  private newNetworkId(): string {
    for (;;) {
      const id = randomBytes(32).toString('hex');
      // An id whose short form looks like a name in use would make lookups by prefix ambiguous.
      if (!this.networks.byId(id) && !this.networks.byName(id.slice(0, 12))) return id;
    }
  }

  private checkInitialized(): void {
    if (!this.initialized) throw failedPrecondition('the network manager is not initialized: call init() first');
  }

  private serially<T>(fn: () => Promise<T>, beforeInit = false): Promise<T> {
    const run = this.queue.then(() => {
      if (!beforeInit) this.checkInitialized();
      return fn();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** dockerd's Forbidden (HTTP 403). */
function forbidden(message: string): CeError {
  return new CeError('PermissionDenied', message);
}

function checkContainerId(id: string): string {
  if (!SAFE_ID.test(id)) throw invalidArgument(`invalid container id ${JSON.stringify(id)}`);
  return id;
}

function ipamConfigOf(pool: Pool): IpamConfig {
  return {
    Subnet: pool.subnet,
    ...(pool.ipRange ? { IPRange: pool.ipRange } : {}),
    Gateway: pool.gateway,
    ...(Object.keys(pool.auxAddresses).length ? { AuxiliaryAddresses: { ...pool.auxAddresses } } : {}),
  };
}

