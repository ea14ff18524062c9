// The address leases of every network, one file per network under
// <stateDir>/ipam/<networkId>.json, rewritten whole and atomically before an
// address is handed out: after a crash (kill -9 included) every address ever
// returned is on disk, so none is handed out twice. A lease whose container is
// gone is released by the manager's reconcile, never guessed here.
import { join } from 'node:path';
import { alreadyExists, conflict, invalidArgument, notFound, CeError } from '@ce/protocol/errors';
import { JsonDirectory } from '../store/json-directory.js';
import { contains, formatCidr, formatIpv4, ipv4OrThrow, lastAddress, parseCidr, within, type Ipv4Subnet } from './ipv4.js';

/** One network's address space, as `docker network create --subnet/--ip-range/--gateway/--aux-address` give it. */
export interface PoolSpec {
  subnet: string;
  /** Dynamic addresses come from here (static ones may be anywhere in the subnet, as libnetwork allows). */
  ipRange?: string;
  /** Default: the first address of the subnet. */
  gateway?: string;
  /** Name → address, never handed out. */
  auxAddresses?: Record<string, string>;
}

/** A pool as recorded: the gateway chosen. */
export interface Pool {
  subnet: string;
  ipRange?: string;
  gateway: string;
  auxAddresses: Record<string, string>;
}

interface PoolFile {
  version: 1;
  pool: Pool;
  /** address → owner (a container id). */
  leases: Record<string, string>;
}

interface LoadedPool {
  file: PoolFile;
  subnet: Ipv4Subnet;
  range: Ipv4Subnet;
  /** Network, broadcast, gateway and auxiliary addresses. */
  unavailable: Set<number>;
}

export interface Lease {
  address: string;
  prefixLen: number;
  gateway: string;
}

/** Validates a pool against Docker's rules and fills in the gateway. */
export function resolvePool(spec: PoolSpec): Pool {
  const subnet = parseCidr(spec.subnet, 'subnet');
  if (subnet.prefixLen > 30) throw invalidArgument(`invalid subnet ${spec.subnet}: a bridge network needs at least a /30`);
  if (spec.ipRange !== undefined) {
    const range = parseCidr(spec.ipRange, 'ip-range');
    if (!within(range, subnet)) throw invalidArgument(`invalid ip-range ${spec.ipRange}: it does not belong to subnet ${spec.subnet}`);
  }
  const usable = (text: string, what: string) => {
    const ip = ipv4OrThrow(text, what);
    if (!contains(subnet, ip) || ip === subnet.base || ip === lastAddress(subnet)) {
      throw invalidArgument(`invalid ${what} ${text}: it is not a host address of subnet ${spec.subnet}`);
    }
    return ip;
  };
  const gateway = spec.gateway === undefined ? subnet.base + 1 : usable(spec.gateway, 'gateway');
  const auxAddresses: Record<string, string> = {};
  for (const [name, address] of Object.entries(spec.auxAddresses ?? {})) {
    auxAddresses[name] = formatIpv4(usable(address, `auxiliary address "${name}"`));
  }
  return {
    subnet: formatCidr(subnet),
    ...(spec.ipRange !== undefined ? { ipRange: spec.ipRange } : {}),
    gateway: formatIpv4(gateway),
    auxAddresses,
  };
}

export class Ipam {
  private readonly files: JsonDirectory<PoolFile>;
  private readonly pools = new Map<string, LoadedPool>();
  /** Every write goes through here: leases are decided and persisted one at a time. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(stateDir: string) {
    this.files = new JsonDirectory(join(stateDir, 'ipam'));
  }

  /** Reads every pool file; call once before anything else. */
  async load(): Promise<void> {
    this.pools.clear();
    for (const [networkId, file] of await this.files.readAll()) this.pools.set(networkId, loaded(file));
  }

  networkIds(): string[] {
    return [...this.pools.keys()];
  }

  pool(networkId: string): Pool | undefined {
    return this.pools.get(networkId)?.file.pool;
  }

  /** Address → owner. */
  leases(networkId: string): Map<string, string> {
    return new Map(Object.entries(this.pools.get(networkId)?.file.leases ?? {}));
  }

  async createPool(networkId: string, spec: PoolSpec): Promise<Pool> {
    const pool = resolvePool(spec);
    return this.serially(async () => {
      if (this.pools.has(networkId)) throw alreadyExists(`IPAM pool of network ${networkId} exists`);
      const next = loaded({ version: 1, pool, leases: {} });
      await this.persist(networkId, next.file);
      this.pools.set(networkId, next);
      return pool;
    });
  }

  /** Forgets the pool and its leases; nothing to do when there is none. */
  async removePool(networkId: string): Promise<void> {
    return this.serially(async () => {
      await this.files.remove(networkId);
      this.pools.delete(networkId);
    });
  }

  /**
   * Leases an address to `owner`: `requested` (it must be a free host address
   * of the subnet) or the lowest free one of the range. An owner that holds a
   * lease already gets it back (connect is retried by reconcile).
   */
  async allocate(networkId: string, owner: string, requested?: string): Promise<Lease> {
    return this.serially(async () => {
      const p = this.pools.get(networkId);
      if (!p) throw notFound(`IPAM pool of network ${networkId} not found`);
      const held = Object.entries(p.file.leases).find(([, o]) => o === owner)?.[0];
      if (held !== undefined && (requested === undefined || requested === held)) return this.leaseOf(p, held);
      if (held !== undefined) throw conflict(`container ${owner} already has address ${held} on this network`);
      const ip = requested === undefined ? this.lowestFree(p, networkId) : this.checkRequested(p, requested);
      const address = formatIpv4(ip);
      const file: PoolFile = { ...p.file, leases: { ...p.file.leases, [address]: owner } };
      await this.persist(networkId, file);
      p.file = file;
      return this.leaseOf(p, address);
    });
  }

  /** Releases what `owner` holds on the network; nothing to do when it holds nothing. */
  async release(networkId: string, owner: string): Promise<void> {
    return this.serially(async () => {
      const p = this.pools.get(networkId);
      if (!p) return;
      const kept = Object.entries(p.file.leases).filter(([, o]) => o !== owner);
      if (kept.length === Object.keys(p.file.leases).length) return;
      const file: PoolFile = { ...p.file, leases: Object.fromEntries(kept) };
      await this.persist(networkId, file);
      p.file = file;
    });
  }

  private lowestFree(p: LoadedPool, networkId: string): number {
    const taken = new Set(Object.keys(p.file.leases).map((a) => ipv4OrThrow(a, 'leased')));
    for (let ip = p.range.base; ip <= lastAddress(p.range); ip++) {
      if (!p.unavailable.has(ip) && !taken.has(ip)) return ip;
    }
    throw new CeError('ResourceExhausted', `no available IPv4 addresses on this network's address pools: ${networkId} (${p.file.pool.ipRange ?? p.file.pool.subnet})`);
  }

  private checkRequested(p: LoadedPool, requested: string): number {
    const ip = ipv4OrThrow(requested, 'IPv4');
    if (!contains(p.subnet, ip)) throw invalidArgument(`Invalid address ${requested}: It does not belong to any of this network's subnets`);
    if (p.unavailable.has(ip) || p.file.leases[requested] !== undefined) throw conflict(`Address already in use: ${requested}`);
    return ip;
  }

  private leaseOf(p: LoadedPool, address: string): Lease {
    return { address, prefixLen: p.subnet.prefixLen, gateway: p.file.pool.gateway };
  }

  private async persist(networkId: string, file: PoolFile): Promise<void> {
    await this.files.write(networkId, file);
  }

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => fn());
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function loaded(file: PoolFile): LoadedPool {
  const subnet = parseCidr(file.pool.subnet, 'subnet');
  const range = file.pool.ipRange !== undefined ? parseCidr(file.pool.ipRange, 'ip-range') : subnet;
  const unavailable = new Set<number>([subnet.base, lastAddress(subnet), ipv4OrThrow(file.pool.gateway, 'gateway')]);
  for (const address of Object.values(file.pool.auxAddresses)) unavailable.add(ipv4OrThrow(address, 'auxiliary'));
  return { file, subnet, range, unavailable };
}
