import type { LinuxResources, Stats } from '@ce/runtime';
import type { BlkioEntry, CgroupStats, Resources } from '@ce/protocol/gen/ce/types/v1/resources';

/**
 * uint64 fields travel as JS numbers: the kernel's "no limit"
 * (9223372036854771712 on v1) is past 2^53 and would not encode, so figures
 * are capped at Number.MAX_SAFE_INTEGER (8 PiB: still no limit).
 */
const safe = (n: number) => Math.min(n, Number.MAX_SAFE_INTEGER);

/** The runtime's stats (runc's shape) as the CgroupStats message. */
export function toCgroupStats(stats: Stats): CgroupStats {
  const raw = Object.fromEntries(Object.entries(stats.memory.raw ?? {}).map(([k, v]) => [k, safe(v)]));
  const entries = (list: Stats['blkio']['ioServiceBytesRecursive']): BlkioEntry[] =>
    (list ?? []).map((e) => ({ major: e.major ?? 0, minor: e.minor ?? 0, op: e.op ?? '', value: e.value ?? 0 }));
  return {
    cpuTotal: stats.cpu.usage.total ?? 0,
    cpuPercpu: stats.cpu.usage.percpu ?? [],
    cpuKernel: stats.cpu.usage.kernel,
    cpuUser: stats.cpu.usage.user,
    throttlingPeriods: stats.cpu.throttling.periods ?? 0,
    throttledPeriods: stats.cpu.throttling.throttledPeriods ?? 0,
    throttledTime: stats.cpu.throttling.throttledTime ?? 0,
    memoryUsage: stats.memory.usage.usage ?? 0,
    memoryMaxUsage: stats.memory.usage.max ?? 0,
    memoryLimit: safe(stats.memory.usage.limit),
    memoryFailcnt: stats.memory.usage.failcnt,
    memoryStat: raw,
    pidsCurrent: stats.pids.current ?? 0,
    pidsLimit: safe(stats.pids.limit ?? 0),
    ioServiceBytesRecursive: entries(stats.blkio.ioServiceBytesRecursive),
    ioServicedRecursive: entries(stats.blkio.ioServicedRecursive),
    // v1's memory.stat always has hierarchical_memory_limit; v2's never does
    cgroupV2: Object.keys(raw).length > 0 && stats.memory.raw?.hierarchical_memory_limit === undefined,
  };
}

/** The Resources message as OCI linux.resources: only what is set. */
export function toLinuxResources(r: Resources | undefined): LinuxResources {
  const out: LinuxResources = {};
  if (!r) return out;
  const memory: NonNullable<LinuxResources['memory']> = {};
  if (r.memory !== undefined) memory.limit = r.memory;
  if (r.memorySwap !== undefined) memory.swap = r.memorySwap;
  if (r.memoryReservation !== undefined) memory.reservation = r.memoryReservation;
  if (Object.keys(memory).length) out.memory = memory;
  const cpu: NonNullable<LinuxResources['cpu']> = {};
  if (r.cpuShares !== undefined) cpu.shares = r.cpuShares;
  if (r.cpuQuota !== undefined) cpu.quota = r.cpuQuota;
  if (r.cpuPeriod !== undefined) cpu.period = r.cpuPeriod;
  if (r.cpusetCpus !== undefined) cpu.cpus = r.cpusetCpus;
  if (r.cpusetMems !== undefined) cpu.mems = r.cpusetMems;
  if (Object.keys(cpu).length) out.cpu = cpu;
  if (r.pidsLimit !== undefined) out.pids = { limit: r.pidsLimit };
  return out;
}
