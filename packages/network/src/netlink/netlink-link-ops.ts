// LinkOps over rtnetlink. Each call is one or a few synchronous requests on
// a socket of the namespace it concerns: ced's own (kept open) or a pinned
// one (opened for the call and closed after, since an open socket would keep
// a removed container's namespace alive).
import { closeSync, openSync } from 'node:fs';
import { alreadyExists, failedPrecondition, invalidArgument, notFound } from '@ce/protocol/errors';
import type { LinkInfo, LinkOps, RouteInfo } from '../link-ops.js';
import { bytesToIpv4, ipv4ToBytes, parseIpv4Cidr, randomMac } from './addressing.js';
import { addAddress, listAddresses } from './addresses.js';
import { isKernelError, kernelRefusal } from './errors.js';
import {
  changeLink,
  createLink,
  deleteLinkByName,
  dumpLinks,
  getLinkByIndex,
  getLinkByName,
  type KernelLink,
  newBridgeRequest,
  newVethRequest,
  setBridgePort,
  setHairpinRequest,
  setMasterRequest,
  setUpRequest,
  checkLinkName,
} from './links.js';
import { addRoute, dumpRoutes, type KernelRoute, routeDstText } from './routes.js';
import { NetlinkSocket } from './socket.js';

export interface NetlinkLinkOpsOptions {
  /** How long to wait for the kernel's answer to one request (default 5 s). */
  timeoutMs?: number;
  /** Opens a socket in ced's namespace (no argument) or a pinned one; tests may inject a fake. */
  openSocket?: (netns?: string) => NetlinkSocket;
}

const where = (netns?: string) => (netns ? ` in network namespace ${netns}` : '');

export class NetlinkLinkOps implements LinkOps {
  private hostSocket: NetlinkSocket | undefined;
  private readonly openSocket: (netns?: string) => NetlinkSocket;

  constructor(opts: NetlinkLinkOpsOptions = {}) {
    this.openSocket = opts.openSocket ?? ((netns) => NetlinkSocket.open(netns, opts.timeoutMs));
  }

  /** Closes the socket kept for ced's namespace; a later call opens another. */
  close(): void {
    this.hostSocket?.close();
    this.hostSocket = undefined;
  }

  async createBridge(name: string, opts: { mtu?: number; mac?: string } = {}): Promise<void> {
    const request = newBridgeRequest(name, { ...opts, mac: opts.mac ?? randomMac() });
    this.inNetns(undefined, `create bridge ${name}`, (s) => {
      try {
        createLink(s, request);
      } catch (err) {
        if (isKernelError(err, 'EEXIST')) throw alreadyExists(`link ${name} already exists`);
        throw err;
      }
    });
  }

  async createVethPair(hostName: string, peerName: string, peerNetns: string, opts: { mtu?: number; peerMac?: string } = {}): Promise<void> {
    checkLinkName(hostName);
    checkLinkName(peerName);
    let netnsFd: number;
    try {
      netnsFd = openSync(peerNetns, 'r');
    } catch (err) {
      throw (err as NodeJS.ErrnoException).code === 'ENOENT' ? notFound(`network namespace ${peerNetns} not found`) : err;
    }
    try {
      const request = newVethRequest({ hostName, peerName, peerNetnsFd: netnsFd, ...opts });
      this.inNetns(undefined, `create veth pair ${hostName} / ${peerName}${where(peerNetns)}`, (s) => {
        try {
          createLink(s, request);
        } catch (err) {
          if (!isKernelError(err, 'EEXIST')) throw err;
          // The kernel does not say which end's name is taken.
          if (findLink(s, hostName)) throw alreadyExists(`link ${hostName} already exists`);
          throw alreadyExists(`link ${peerName} already exists${where(peerNetns)}`);
        }
      });
    } finally {
      closeSync(netnsFd);
    }
  }

  async deleteLink(name: string, netns?: string): Promise<void> {
    checkLinkName(name);
    this.inNetns(netns, `delete link ${name}${where(netns)}`, (s) => {
      try {
        deleteLinkByName(s, name);
      } catch (err) {
        if (!isKernelError(err, 'ENODEV')) throw err;
      }
    });
  }

  async getLink(name: string, netns?: string): Promise<LinkInfo | null> {
    checkLinkName(name);
    return this.inNetns(netns, `get link ${name}${where(netns)}`, (s) => {
      const link = findLink(s, name);
      if (!link) return null;
      const master = link.masterIndex ? getLinkByIndex(s, link.masterIndex).name : undefined;
      return toLinkInfo(link, master);
    });
  }

  async listLinks(netns?: string): Promise<LinkInfo[]> {
    return this.inNetns(netns, `list links${where(netns)}`, (s) => {
      const links = dumpLinks(s);
      const names = new Map(links.map((l) => [l.index, l.name]));
      return links.map((l) => toLinkInfo(l, l.masterIndex ? names.get(l.masterIndex) : undefined));
    });
  }

  async setMaster(name: string, bridge: string): Promise<void> {
    checkLinkName(name);
    checkLinkName(bridge);
    this.inNetns(undefined, `attach ${name} to bridge ${bridge}`, (s) => {
      const master = findLink(s, bridge);
      if (!master) throw notFound(`bridge ${bridge} not found`);
      if (master.kind !== 'bridge') throw failedPrecondition(`link ${bridge} is not a bridge (it is ${master.kind || 'a plain device'})`);
      withLink(name, undefined, () => changeLink(s, setMasterRequest(name, master.index)));
    });
  }

  async setHairpin(name: string, on: boolean): Promise<void> {
    checkLinkName(name);
    this.inNetns(undefined, `set hairpin ${on ? 'on' : 'off'} on ${name}`, (s) => {
      const link = findLink(s, name);
      if (!link) throw notFound(`link ${name} not found`);
      try {
        setBridgePort(s, setHairpinRequest(link.index, on));
      } catch (err) {
        if (isKernelError(err, 'EOPNOTSUPP')) throw failedPrecondition(`link ${name} is not a bridge port`);
        throw err;
      }
    });
  }

  async setUp(name: string, netns?: string): Promise<void> {
    this.setLinkState(name, true, netns);
  }

  async setDown(name: string, netns?: string): Promise<void> {
    this.setLinkState(name, false, netns);
  }

  async addAddress(name: string, cidr: string, netns?: string): Promise<void> {
    checkLinkName(name);
    const parsed = parseIpv4Cidr(cidr);
    this.inNetns(netns, `add address ${cidr} to ${name}${where(netns)}`, (s) => {
      const link = findLink(s, name);
      if (!link) throw notFound(`link ${name} not found${where(netns)}`);
      try {
        addAddress(s, link.index, parsed);
      } catch (err) {
        if (!isKernelError(err, 'EEXIST')) throw err;
      }
    });
  }

  async listAddresses(name: string, netns?: string): Promise<string[]> {
    checkLinkName(name);
    return this.inNetns(netns, `list addresses of ${name}${where(netns)}`, (s) => {
      const link = findLink(s, name);
      if (!link) throw notFound(`link ${name} not found${where(netns)}`);
      return listAddresses(s, link.index);
    });
  }

  async addRoute(route: RouteInfo, netns?: string): Promise<void> {
    const dst = route.dst === 'default' ? null : parseIpv4Cidr(route.dst);
    if (dst && (dst.address.readUInt32BE(0) & ~maskOf(dst.prefixLength)) !== 0) {
      throw invalidArgument(`invalid route destination ${route.dst}: host bits are set (want ${bytesToIpv4(network(dst))}/${dst.prefixLength})`);
    }
    const gateway = route.gateway !== undefined ? ipv4ToBytes(route.gateway) : undefined;
    if (!gateway && !route.dev) throw invalidArgument(`route ${route.dst} needs a gateway or a device`);
    if (route.dev) checkLinkName(route.dev);
    const text = `${route.dst}${route.gateway ? ` via ${route.gateway}` : ''}${route.dev ? ` dev ${route.dev}` : ''}`;
    this.inNetns(netns, `add route ${text}${where(netns)}`, (s) => {
      let oif: number | undefined;
      if (route.dev) {
        const link = findLink(s, route.dev);
        if (!link) throw notFound(`link ${route.dev} not found${where(netns)}`);
        oif = link.index;
      }
      const wanted: KernelRoute = { dst, ...(gateway ? { gateway } : {}), ...(oif !== undefined ? { oif } : {}) };
      try {
        addRoute(s, wanted);
      } catch (err) {
        if (!isKernelError(err, 'EEXIST')) throw err;
        // Nothing to do if it is this route; another one to the same place is a conflict.
        const existing = dumpRoutes(s).find((r) => routeDstText(r.dst) === routeDstText(dst));
        const same = existing && (!gateway || existing.gateway?.equals(gateway)) && (oif === undefined || existing.oif === oif);
        if (!same) throw alreadyExists(`a different route to ${routeDstText(dst)} already exists${where(netns)}`);
      }
    });
  }

  async listRoutes(netns?: string): Promise<RouteInfo[]> {
    return this.inNetns(netns, `list routes${where(netns)}`, (s) => {
      const names = new Map(dumpLinks(s).map((l) => [l.index, l.name]));
      return dumpRoutes(s).map((r) => {
        const dev = r.oif !== undefined ? names.get(r.oif) : undefined;
        return { dst: routeDstText(r.dst), ...(r.gateway ? { gateway: bytesToIpv4(r.gateway) } : {}), ...(dev ? { dev } : {}) };
      });
    });
  }

  private setLinkState(name: string, up: boolean, netns?: string): void {
    checkLinkName(name);
    this.inNetns(netns, `set link ${name} ${up ? 'up' : 'down'}${where(netns)}`, (s) => withLink(name, netns, () => changeLink(s, setUpRequest(name, up))));
  }

  /** Runs `work` with a socket of the namespace; the kernel's refusals become CeErrors saying `what` failed. */
  private inNetns<T>(netns: string | undefined, what: string, work: (socket: NetlinkSocket) => T): T {
    let socket: NetlinkSocket;
    try {
      socket = netns ? this.openSocket(netns) : (this.hostSocket ??= this.openSocket());
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (netns && code === 'ENOENT') throw notFound(`network namespace ${netns} not found`);
      if (netns && code === 'EINVAL') throw invalidArgument(`${netns} is not a network namespace`);
      throw kernelRefusal(what, err);
    }
    try {
      return work(socket);
    } catch (err) {
      throw kernelRefusal(what, err);
    } finally {
      if (netns) socket.close();
    }
  }
}

/** The link named `name`, or undefined when the kernel has none (ENODEV). */
function findLink(socket: NetlinkSocket, name: string): KernelLink | undefined {
  try {
    return getLinkByName(socket, name);
  } catch (err) {
    if (isKernelError(err, 'ENODEV')) return undefined;
    throw err;
  }
}

/** Runs a request about link `name`, whose ENODEV means that link is missing. */
function withLink(name: string, netns: string | undefined, request: () => void): void {
  try {
    request();
  } catch (err) {
    if (isKernelError(err, 'ENODEV')) throw notFound(`link ${name} not found${where(netns)}`);
    throw err;
  }
}

function toLinkInfo(link: KernelLink, master: string | undefined): LinkInfo {
  return { index: link.index, name: link.name, kind: link.kind, mtu: link.mtu, mac: link.mac, up: link.up, ...(master ? { master } : {}) };
}

const maskOf = (prefixLength: number) => (prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0);

function network(c: { address: Buffer; prefixLength: number }): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE((c.address.readUInt32BE(0) & maskOf(c.prefixLength)) >>> 0);
  return out;
}

/** LinkOps speaking rtnetlink through @ce/native. */
export function netlinkLinkOps(opts?: NetlinkLinkOpsOptions): NetlinkLinkOps {
  return new NetlinkLinkOps(opts);
}
