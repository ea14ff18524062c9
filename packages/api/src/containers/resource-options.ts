// A container's cgroup limits, rlimits, devices, read-only root, /dev/shm
// size and OOM settings: Docker's HostConfig checks (daemon/daemon_unix.go
// verifyPlatformContainerResources, with its wording) and the spec options.
import { invalidArgument } from '@ce/protocol';
import { DOCKER_ULIMITS, withDevices, withResources, withRlimits, withRoot, type LinuxDevice, type LinuxResources, type Spec, type SpecOpt } from '@ce/runtime/spec';
import type { HostConfig, Ulimit } from './model/docker-types.js';

const MIN_MEMORY = 6 * 1024 * 1024;
/** Docker's CFS period when --cpus sets a quota. */
export const NANO_CPU_PERIOD_US = 100_000;

/** What the checks need of the host. */
export interface HostResources {
  /** Online CPUs, as a count and as a cpuset list ("0-1"). */
  cpuCount: number;
  onlineCpus: string;
  onlineMems: string;
}

/** Expands a cpuset list ("0-2,5") to its members; throws for a bad one. */
export function parseCpuset(list: string): Set<number> {
  const members = new Set<number>();
  for (const part of list.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`invalid format: ${list}`);
    const from = Number(m[1]);
    const to = m[2] !== undefined ? Number(m[2]) : from;
    if (to < from) throw new Error(`invalid format: ${list}`);
    for (let i = from; i <= to; i++) members.add(i);
  }
  return members;
}

function checkCpuset(kind: 'cpus' | 'mems', requested: string, available: string): void {
  let wanted: Set<number>;
  try {
    wanted = parseCpuset(requested);
  } catch (err) {
    throw invalidArgument(`Invalid value ${requested} for cpuset ${kind}: ${(err as Error).message}`);
  }
  const have = parseCpuset(available);
  const missing = [...wanted].filter((c) => !have.has(c));
  if (missing.length) throw invalidArgument(`Requested ${kind === 'cpus' ? 'CPUs' : 'memory nodes'} are not available - requested ${requested}, available: ${available}`);
}

/**
 * dockerd's memory checks, shared by create and update. An update leaves out
 * "a swap limit needs a memory limit": the limit kept from create may hold.
 */
export function checkMemory(m: Pick<HostConfig, 'Memory' | 'MemorySwap' | 'MemoryReservation'>, forUpdate = false): void {
  if (m.Memory > 0 && m.Memory < MIN_MEMORY) throw invalidArgument('Minimum memory limit allowed is 6MB');
  if (!forUpdate && m.MemorySwap > 0 && m.Memory === 0) throw invalidArgument('You should always set the Memory limit when using Memoryswap limit, see usage');
  if (m.Memory > 0 && m.MemorySwap > 0 && m.MemorySwap < m.Memory) throw invalidArgument('Minimum memoryswap limit should be larger than memory limit, see usage');
  if (m.MemoryReservation > 0 && m.MemoryReservation < MIN_MEMORY) throw invalidArgument('Minimum memory reservation allowed is 6MB');
  if (m.Memory > 0 && m.MemoryReservation > 0 && m.Memory < m.MemoryReservation) {
    throw invalidArgument('Minimum memory limit can not be less than memory reservation limit, see usage');
  }
}

/** dockerd's CPU checks (--cpus against the host, CFS period and quota, cpusets), shared by create and update. */
export function checkCpu(c: Pick<HostConfig, 'NanoCpus' | 'CpuPeriod' | 'CpuQuota' | 'CpusetCpus' | 'CpusetMems'>, host: HostResources): void {
  if (c.NanoCpus !== 0) {
    if (c.CpuPeriod > 0) throw invalidArgument('Conflicting options: Nano CPUs and CPU Period cannot both be set');
    if (c.CpuQuota > 0) throw invalidArgument('Conflicting options: Nano CPUs and CPU Quota cannot both be set');
    if (c.NanoCpus < 0 || c.NanoCpus > host.cpuCount * 1e9) {
      throw invalidArgument(`Range of CPUs is from 0.01 to ${host.cpuCount.toFixed(2)}, as there are only ${host.cpuCount} CPUs available`);
    }
  }
  if (c.CpuPeriod !== 0 && (c.CpuPeriod < 1000 || c.CpuPeriod > 1_000_000)) throw invalidArgument('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  if (c.CpuQuota > 0 && c.CpuQuota < 1000) throw invalidArgument('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  if (c.CpusetCpus) checkCpuset('cpus', c.CpusetCpus, host.onlineCpus);
  if (c.CpusetMems) checkCpuset('mems', c.CpusetMems, host.onlineMems);
}

/**
 * Checks the resource settings as dockerd does at create, and fills what
 * Docker fills (MemorySwap twice Memory when unset). Throws InvalidArgument
 * with Docker's message.
 */
export function checkResources(hc: HostConfig, host: HostResources): HostConfig {
  checkMemory(hc);
  const filled = { ...hc };
  if (hc.Memory > 0 && hc.MemorySwap === 0) filled.MemorySwap = hc.Memory * 2;
  if (hc.MemorySwappiness !== null && hc.MemorySwappiness !== -1 && (hc.MemorySwappiness < 0 || hc.MemorySwappiness > 100)) {
    throw invalidArgument(`Invalid value: ${hc.MemorySwappiness}, valid memory swappiness range is 0-100`);
  }
  checkCpu(hc, host);
  if (hc.CpuShares < 0) throw invalidArgument(`Invalid value: ${hc.CpuShares}, CPU shares must be positive`);
  if (hc.OomScoreAdj < -1000 || hc.OomScoreAdj > 1000) throw invalidArgument(`Invalid value ${hc.OomScoreAdj}, range for oom score adj is [-1000, 1000]`);
  if (hc.ShmSize < 0) throw invalidArgument('SHM size can not be less than 0');
  if (hc.BlkioWeight !== 0 && (hc.BlkioWeight < 10 || hc.BlkioWeight > 1000)) throw invalidArgument('Range of blkio weight is from 10 to 1000');
  for (const u of hc.Ulimits ?? []) {
    if (!DOCKER_ULIMITS[u.Name]) throw invalidArgument(`invalid ulimit type: ${u.Name}`);
    if (u.Soft > u.Hard) throw invalidArgument(`ulimit soft limit must be less than or equal to hard limit: ${u.Soft} > ${u.Hard}`);
  }
  for (const d of hc.Devices ?? []) {
    if (!d.PathOnHost.startsWith('/') || !d.PathInContainer.startsWith('/')) throw invalidArgument(`${!d.PathOnHost.startsWith('/') ? d.PathOnHost : d.PathInContainer} is not an absolute path`);
    if (!/^[rwm]{1,3}$/.test(d.CgroupPermissions)) throw invalidArgument(`invalid device mode: ${d.CgroupPermissions}`);
  }
  return filled;
}

/** The cgroup resources of a HostConfig, as the OCI spec carries them (what is unset stays out). */
export function cgroupResources(hc: HostConfig): Omit<LinuxResources, 'devices'> {
  const r: Omit<LinuxResources, 'devices'> = {};
  const memory: NonNullable<LinuxResources['memory']> = {};
  if (hc.Memory > 0) memory.limit = hc.Memory;
  if (hc.MemorySwap !== 0) memory.swap = hc.MemorySwap;
  if (hc.MemoryReservation > 0) memory.reservation = hc.MemoryReservation;
  if (hc.MemorySwappiness !== null && hc.MemorySwappiness >= 0) memory.swappiness = hc.MemorySwappiness;
  if (hc.OomKillDisable) memory.disableOOMKiller = true;
  if (Object.keys(memory).length) r.memory = memory;
  const cpu: NonNullable<LinuxResources['cpu']> = {};
  if (hc.CpuShares > 0) cpu.shares = hc.CpuShares;
  if (hc.NanoCpus > 0) {
    cpu.period = NANO_CPU_PERIOD_US;
    cpu.quota = Math.round((hc.NanoCpus * NANO_CPU_PERIOD_US) / 1e9);
  }
  if (hc.CpuPeriod > 0) cpu.period = hc.CpuPeriod;
  if (hc.CpuQuota !== 0) cpu.quota = hc.CpuQuota;
  if (hc.CpusetCpus) cpu.cpus = hc.CpusetCpus;
  if (hc.CpusetMems) cpu.mems = hc.CpusetMems;
  if (Object.keys(cpu).length) r.cpu = cpu;
  if (hc.PidsLimit !== null && hc.PidsLimit !== 0) r.pids = { limit: hc.PidsLimit > 0 ? hc.PidsLimit : -1 };
  if (hc.BlkioWeight > 0) r.blockIO = { weight: hc.BlkioWeight };
  return r;
}

/** How ced learns a host device's node: type, major, minor, mode, owner; throws ENOENT-style errors. */
export type DeviceLookup = (path: string) => Omit<LinuxDevice, 'path'>;

function withOomScoreAdj(adj: number): SpecOpt {
  return (spec: Spec) => {
    spec.process = { ...spec.process!, oomScoreAdj: adj };
  };
}

function withShmSize(bytes: number): SpecOpt {
  return (spec: Spec) => {
    for (const m of spec.mounts ?? []) {
      if (m.destination !== '/dev/shm' || m.type !== 'tmpfs') continue;
      m.options = [...(m.options ?? []).filter((o) => !o.startsWith('size=')), `size=${Math.floor(bytes / 1024)}k`];
    }
  };
}

/**
 * A container's ulimits with the daemon's defaults added for the names it does
 * not set, as dockerd merges default-ulimits at start (the record keeps its own).
 * The same array when nothing is added.
 */
export function withDefaultUlimits(own: Ulimit[] | null, defaults: readonly Ulimit[]): Ulimit[] | null {
  const missing = defaults.filter((d) => !(own ?? []).some((u) => u.Name === d.Name));
  return missing.length ? [...(own ?? []), ...missing] : own;
}

/** The spec options of a HostConfig's resources, in order; bad devices throw InvalidArgument with Docker's message. */
export function resourceSpecOpts(hc: HostConfig, lookupDevice: DeviceLookup): SpecOpt[] {
  const opts: SpecOpt[] = [withResources(cgroupResources(hc))];
  if (hc.Ulimits?.length) opts.push(withRlimits(hc.Ulimits.map((u) => ({ type: DOCKER_ULIMITS[u.Name]!, hard: u.Hard, soft: u.Soft }))));
  for (const d of hc.Devices ?? []) {
    let node: Omit<LinuxDevice, 'path'>;
    try {
      node = lookupDevice(d.PathOnHost);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why = e.code === 'ENOENT' ? 'no such file or directory' : e.message;
      throw invalidArgument(`error gathering device information while adding custom device "${d.PathOnHost}": ${why}`);
    }
    opts.push(withDevices([{ ...node, path: d.PathInContainer }], d.CgroupPermissions));
  }
  if (hc.ReadonlyRootfs) opts.push(withRoot('rootfs', true));
  if (hc.OomScoreAdj !== 0) opts.push(withOomScoreAdj(hc.OomScoreAdj));
  if (hc.ShmSize > 0) opts.push(withShmSize(hc.ShmSize));
  return opts;
}
