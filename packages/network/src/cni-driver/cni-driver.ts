// The cni driver of the network manager: a network is a CNI configuration
// list (kept in the network's record), a container joins it through the
// list's plugin chain (CniNetwork: ADD, DEL, cached results), and its
// endpoint is read from the chain's result. The plugins own the host side
// (bridge, addresses, iptables); ce adds the host port reservations, the
// endpoint records and the reconcile after a restart. No embedded DNS.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Logger } from '@ce/protocol';
import { invalidArgument } from '@ce/protocol/errors';
import { CniNetwork, type CniOptions } from '../cni/cni-network.js';
import { parseConfigList } from '../cni/config.js';
import type { CniResult } from '../cni/result.js';
import type { CniCapabilityArgs, CniPortMapping } from '../cni/runtime-args.js';
import type { PortMapping } from '../firewall.js';
import type { LinkOps } from '../link-ops.js';
import type { EndpointRecord, EndpointStore } from '../store/endpoint-store.js';
import type { NetworkRecord } from '../store/network-store.js';
import type { AttachRequest, Endpoint, PortReserver } from '../types.js';
import { UndoStack } from '../undo-stack.js';
import { firstFreeEthName } from '../bridge/bridge-driver.js';
import { parseIpv4 } from '../ipam/ipv4.js';

/** Where CNI networks' configurations and plugins are, and where results are cached. */
export interface CniDriverSettings extends Pick<CniOptions, 'binDirs' | 'timeoutMs' | 'wrapper'> {
  /** Where `cni.config=<name>` is looked up. Default /etc/cni/net.d. */
  confDir?: string;
  /** Default <stateDir>/cni. */
  cacheDir?: string;
}

export interface CniDriverDeps {
  /** Brings the sandbox's loopback up, as for bridge networks (the list need not hold the loopback plugin). */
  links: Pick<LinkOps, 'setUp'>;
  ports: PortReserver;
  endpoints: EndpointStore;
  settings: CniDriverSettings & { cacheDir: string };
  log?: Logger;
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

export class CniDriver {
  private readonly chains = new Map<string, CniNetwork>();

  constructor(private readonly deps: CniDriverDeps) {}

  /** The chain of a network record, made once per network from the list kept in the record. */
  chainOf(net: NetworkRecord): CniNetwork {
    let chain = this.chains.get(net.id);
    if (!chain) {
      if (!net.cni) throw invalidArgument(`network ${net.name} has no CNI configuration`);
      chain = this.newChain(parseConfigList(net.cni.config, net.cni.source));
      this.chains.set(net.id, chain);
    }
    return chain;
  }

  newChain(config: CniNetwork['config']): CniNetwork {
    const { binDirs, timeoutMs, wrapper, cacheDir } = this.deps.settings;
    return new CniNetwork(config, { cacheDir, ...(binDirs ? { binDirs } : {}), ...(timeoutMs ? { timeoutMs } : {}), ...(wrapper ? { wrapper } : {}) });
  }

  forget(net: NetworkRecord): void {
    this.chains.delete(net.id);
  }

  /** Joins a container through the chain's ADD: nothing is left when a step fails. */
  async connect(net: NetworkRecord, req: AttachRequest): Promise<Endpoint> {
    const chain = this.chainOf(net);
    const { endpoints, ports } = this.deps;
    const mine = endpoints.ofContainer(req.containerId);
    const ifName = req.ifName ?? firstFreeEthName(mine.map((r) => r.endpoint.ifName));
    if (mine.some((r) => r.endpoint.ifName === ifName)) throw invalidArgument(`interface ${ifName} is already used by another network of the container`);
    const declared = new Set(chain.config.plugins.flatMap((p) => Object.entries(p.capabilities).filter(([, on]) => on).map(([c]) => c)));
    const needs = (capability: string, what: string, example: string) => {
      if (!declared.has(capability)) {
        throw invalidArgument(`${what} on CNI network ${net.name}: no plugin of ${net.cni?.source ?? 'its configuration'} declares the "${capability}" capability (${example})`);
      }
    };
    const capabilities: CniCapabilityArgs = {};
    if (req.ipv4Address !== undefined) {
      if (parseIpv4(req.ipv4Address) === undefined) throw invalidArgument(`invalid IPv4 address: ${req.ipv4Address}`);
      needs('ips', 'a static address (--ip)', 'e.g. host-local or static IPAM with "capabilities": {"ips": true}');
      capabilities.ips = [req.ipv4Address];
    }
    if (req.macAddress !== undefined) {
      const mac = req.macAddress.toLowerCase();
      if (!MAC.test(mac)) throw invalidArgument(`invalid MAC address: ${req.macAddress}`);
      needs('mac', 'a MAC address (--mac-address)', 'e.g. tuning with "capabilities": {"mac": true}');
      capabilities.mac = mac;
    }
    if (req.ports?.length) needs('portMappings', 'publishing ports', 'e.g. portmap with "capabilities": {"portMappings": true}');

    const undo = new UndoStack(this.deps.log);
    return undo.guard(async () => {
      // Written before the plugins run, so a crash mid-ADD leaves a record reconcile DELs.
      const record: EndpointRecord = {
        version: 1,
        containerName: req.containerName,
        netnsPath: req.netnsPath,
        defaultRoute: false,
        endpoint: {
          id: randomBytes(32).toString('hex'),
          networkId: net.id,
          networkName: net.name,
          containerId: req.containerId,
          ifName,
          hostIfName: '',
          ipAddress: '',
          prefixLen: 0,
          gateway: '',
          macAddress: '',
          aliases: [...new Set(req.aliases ?? [])],
          ports: [],
          driver: 'cni',
        },
      };
      await endpoints.put(record);
      undo.push('endpoint record', () => endpoints.delete(net.id, req.containerId));

      let chosen: Awaited<ReturnType<PortReserver['reserve']>> = [];
      if (req.ports?.length) {
        chosen = await ports.reserve(req.containerId, req.ports, { name: req.containerName, id: record.endpoint.id });
        undo.push('release host ports', () => ports.release(req.containerId));
        capabilities.portMappings = chosen.map((host, i): CniPortMapping => ({
          hostPort: host.hostPort,
          containerPort: req.ports![i]!.containerPort,
          protocol: host.protocol,
          ...(host.hostIp && host.hostIp !== '0.0.0.0' ? { hostIP: host.hostIp } : {}),
        }));
      }
      const result = await chain.add(req.containerId, req.netnsPath, ifName, Object.keys(capabilities).length ? { capabilities } : {});
      undo.push('CNI DEL', () => chain.del(req.containerId, req.netnsPath, ifName));
      await this.deps.links.setUp('lo', req.netnsPath);

      Object.assign(record.endpoint, endpointFieldsOf(result, ifName));
      record.defaultRoute = hasDefaultRoute(result);
      record.endpoint.ports = chosen.map(
        (host, i): PortMapping => ({
          protocol: host.protocol,
          hostIp: host.hostIp,
          hostPort: host.hostPort,
          containerIp: record.endpoint.ipAddress,
          containerPort: req.ports![i]!.containerPort,
          bridge: result.interfaces.find((itf) => !itf.sandbox)?.name ?? '',
          containerId: req.containerId,
        }),
      );
      await endpoints.put(record);
      return structuredClone(record.endpoint);
    });
  }

  /**
   * The chain's DEL (with the ADD's cached arguments), then the host ports and
   * the record. A DEL that fails leaves the record, for a retry or reconcile.
   */
  async disconnect(record: EndpointRecord, net: NetworkRecord): Promise<void> {
    const { endpoint } = record;
    await this.del(this.chainOf(net), endpoint.containerId, record.netnsPath, endpoint.ifName);
    if (endpoint.ports.length) await this.deps.ports.release(endpoint.containerId);
    await this.deps.endpoints.delete(net.id, endpoint.containerId);
  }

  /**
   * After a restart, for a running container: keeps the attachment when its
   * namespace and cached result are there (the plugins' kernel state
   * outlives ced), with the endpoint read from that result again (a crash
   * between ADD and the record's update left it empty), and holds its host
   * ports again. False otherwise, so the caller disconnects it.
   */
  async restoreEndpoint(record: EndpointRecord, net: NetworkRecord): Promise<boolean> {
    const { endpoint } = record;
    if (!existsSync(record.netnsPath)) return false;
    const cached = await this.chainOf(net)
      .cachedResult(endpoint.containerId, endpoint.ifName)
      .catch(() => null);
    if (!cached) return false;
    const fields = endpointFieldsOf(cached, endpoint.ifName);
    if (Object.entries(fields).some(([k, v]) => endpoint[k as keyof typeof fields] !== v)) {
      Object.assign(endpoint, fields);
      record.defaultRoute = hasDefaultRoute(cached);
      await this.deps.endpoints.put(record);
    }
    if (endpoint.ports.length) {
      const requests = endpoint.ports.map((p) => ({ protocol: p.protocol, hostIp: p.hostIp, hostPort: p.hostPort }));
      await this.deps.ports.reserve(endpoint.containerId, requests).catch((err: unknown) => {
        this.deps.log?.warn({ err, containerId: endpoint.containerId }, 'published host ports could not be reserved again');
      });
    }
    return true;
  }

  /**
   * DELs what the result cache holds and no endpoint record keeps: a crash
   * between ADD and the record's update, or a DEL that failed after the
   * record went. Reconcile calls it after it disconnected the dead containers.
   */
  async removeOrphans(net: NetworkRecord): Promise<void> {
    const chain = this.chainOf(net);
    for (const att of await chain.attachments()) {
      if (this.deps.endpoints.get(net.id, att.containerId)?.endpoint.ifName === att.ifName) continue;
      try {
        await this.del(chain, att.containerId, att.netns ?? '', att.ifName);
      } catch (err) {
        this.deps.log?.error({ err, containerId: att.containerId, network: net.name }, 'cached CNI attachment could not be deleted');
      }
    }
  }

  /** DEL with the namespace when it is still there, '' when it is gone (the plugins then clean up their host side only). */
  private async del(chain: CniNetwork, containerId: string, netnsPath: string, ifName: string): Promise<void> {
    await chain.del(containerId, netnsPath && existsSync(netnsPath) ? netnsPath : '', ifName);
  }
}

/** The container's interface, its IPv4 address, gateway and MAC, and the host end, from an ADD's result. */
export function endpointFieldsOf(result: CniResult, ifName: string): Pick<Endpoint, 'hostIfName' | 'ipAddress' | 'prefixLen' | 'gateway' | 'macAddress'> {
  const named = result.interfaces.findIndex((itf) => itf.name === ifName && itf.sandbox);
  const index = named >= 0 ? named : result.interfaces.findIndex((itf) => itf.name === ifName);
  const ipv4 = result.ips.filter((ip) => !ip.address.includes(':'));
  const ip = ipv4.find((c) => index >= 0 && c.interface === index) ?? ipv4[0];
  const [address = '', prefix = '0'] = ip ? ip.address.split('/') : [];
  const defaultGw = result.routes.find((r) => r.dst === '0.0.0.0/0')?.gw;
  // A veth's host end comes before the container's end in the bridge and ptp plugins' results.
  const hostSide = index > 0 ? result.interfaces.slice(0, index).reverse().find((itf) => !itf.sandbox) : undefined;
  return {
    hostIfName: hostSide?.name ?? '',
    ipAddress: address,
    prefixLen: Number(prefix),
    gateway: ip?.gateway ?? defaultGw ?? '',
    macAddress: (index >= 0 ? result.interfaces[index]!.mac : undefined) ?? '',
  };
}

function hasDefaultRoute(result: CniResult): boolean {
  return result.routes.some((r) => r.dst === '0.0.0.0/0');
}
