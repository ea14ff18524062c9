// docker update's checks and sums (moby daemon/update.go, daemon_unix.go
// verifyPlatformContainerResources), pure: no grpc-js, no native code.
import { availableParallelism } from 'node:os';
import { invalidArgument } from '@ce/protocol';
import type { Resources } from '@ce/protocol/gen/ce/types/v1/resources';

/** A container's cgroup limits as ced keeps them (Docker's HostConfig.Resources, the ones ce applies). */
export interface ContainerResources {
  memory?: number;
  memorySwap?: number;
  memoryReservation?: number;
  cpuShares?: number;
  cpuQuota?: number;
  cpuPeriod?: number;
  nanoCpus?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  pidsLimit?: number;
}

/** Docker's smallest memory limit. */
const MIN_MEMORY = 6 * 1024 * 1024;
/** The CFS period Docker uses for --cpus. */
const NANO_CPU_PERIOD = 100_000;

/**
 * The container's limits after an update, as Docker's daemon makes them:
 * the update alone is checked first (verifyContainerSettings), then merged
 * over the kept limits, refusing what conflicts with them
 * (container.UpdateContainer, whose errors say "Cannot update container").
 * Throws InvalidArgument with Docker's wording; nothing is applied on a throw.
 */
export function mergeResources(id: string, current: ContainerResources | undefined, update: Resources | undefined, nanoCpus: number, cpus?: number): ContainerResources {
  const u = update ?? {};
  checkResources({ ...u, ...(nanoCpus ? { nanoCpus } : {}) }, cpus, true);
  const kept = current ?? {};
  const conflict = (message: string) => invalidArgument(`Cannot update container ${id}: ${message}`);
  if (nanoCpus > 0 && (kept.cpuPeriod ?? 0) > 0) throw conflict('Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set');
  if (nanoCpus > 0 && (kept.cpuQuota ?? 0) > 0) throw conflict('Conflicting options: Nano CPUs cannot be updated as CPU Quota has already been set');
  if ((u.cpuPeriod ?? 0) > 0 && (kept.nanoCpus ?? 0) > 0) throw conflict('Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set');
  if ((u.cpuQuota ?? 0) > 0 && (kept.nanoCpus ?? 0) > 0) throw conflict('Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set');
  // Docker's own rule, even where no swap limit was ever set: memory alone may not pass the kept swap limit
  if (u.memory && u.memory > (kept.memorySwap ?? 0) && !u.memorySwap) {
    throw conflict('Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time');
  }
  const next: ContainerResources = { ...kept };
  if (u.memory) next.memory = u.memory;
  if (u.memorySwap) next.memorySwap = u.memorySwap;
  if (u.memoryReservation) next.memoryReservation = u.memoryReservation;
  if (u.cpuShares) next.cpuShares = u.cpuShares;
  if (u.cpuQuota) next.cpuQuota = u.cpuQuota;
  if (u.cpuPeriod) next.cpuPeriod = u.cpuPeriod;
  if (nanoCpus) next.nanoCpus = nanoCpus;
  if (u.cpusetCpus) next.cpusetCpus = u.cpusetCpus;
  if (u.cpusetMems) next.cpusetMems = u.cpusetMems;
  if (u.pidsLimit !== undefined && u.pidsLimit !== 0) next.pidsLimit = u.pidsLimit;
  return next;
}

/** Docker's verifyPlatformContainerResources, for the limits ce applies. */
export function checkResources(r: ContainerResources, cpus = availableParallelism(), update = false): void {
  if (r.memory && r.memory > 0 && r.memory < MIN_MEMORY) throw invalidArgument('Minimum memory limit allowed is 6MB');
  if (r.memorySwap && r.memorySwap > 0) {
    if ((!r.memory || r.memory <= 0) && !update) throw invalidArgument('You should always set the Memory limit when using Memoryswap limit, see usage');
    if (r.memory && r.memory > 0 && r.memorySwap < r.memory) throw invalidArgument('Minimum memoryswap limit should be larger than memory limit, see usage');
  }
  if (r.memoryReservation && r.memory && r.memory > 0 && r.memory < r.memoryReservation) {
    throw invalidArgument('Minimum memory limit can not be less than memory reservation limit, see usage');
  }
  if (r.nanoCpus) {
    if (r.nanoCpus < 0 || r.nanoCpus > cpus * 1e9) {
      throw invalidArgument(`Range of CPUs is from 0.01 to ${cpus}.00, as there are only ${cpus} CPUs available`);
    }
  }
  if (r.cpuPeriod && (r.cpuPeriod < 1000 || r.cpuPeriod > 1_000_000)) throw invalidArgument('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  if (r.cpuQuota && r.cpuQuota > 0 && r.cpuQuota < 1000) throw invalidArgument('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  if (r.cpusetCpus !== undefined && r.cpusetCpus !== '' && !/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(r.cpusetCpus)) {
    throw invalidArgument(`Invalid value ${r.cpusetCpus} for cpuset cpus`);
  }
  if (r.cpusetMems !== undefined && r.cpusetMems !== '' && !/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(r.cpusetMems)) {
    throw invalidArgument(`Invalid value ${r.cpusetMems} for cpuset mems`);
  }
}

/** What the task's cgroup gets for an update: the fields given, with --cpus as quota over Docker's period. */
export function cgroupUpdate(update: Resources | undefined, nanoCpus: number): Resources {
  const out: Resources = { ...update };
  if (nanoCpus) {
    out.cpuPeriod = NANO_CPU_PERIOD;
    out.cpuQuota = Math.round((nanoCpus * NANO_CPU_PERIOD) / 1e9);
  }
  // Docker's 0 and -1 both mean no pids limit; the kernel's word is max (-1 to the runtime)
  if (out.pidsLimit !== undefined && out.pidsLimit <= 0) out.pidsLimit = -1;
  return out;
}

/** The kept limits as OCI linux.resources, for the spec of the next start. */
export function specResources(r: ContainerResources): {
  memory?: { limit?: number; swap?: number; reservation?: number };
  cpu?: { shares?: number; quota?: number; period?: number; cpus?: string; mems?: string };
  pids?: { limit: number };
} {
  const memory: { limit?: number; swap?: number; reservation?: number } = {};
  if (r.memory) memory.limit = r.memory;
  if (r.memorySwap) memory.swap = r.memorySwap;
  if (r.memoryReservation) memory.reservation = r.memoryReservation;
  const cpu: { shares?: number; quota?: number; period?: number; cpus?: string; mems?: string } = {};
  if (r.cpuShares) cpu.shares = r.cpuShares;
  if (r.nanoCpus) {
    cpu.period = NANO_CPU_PERIOD;
    cpu.quota = Math.round((r.nanoCpus * NANO_CPU_PERIOD) / 1e9);
  } else {
    if (r.cpuQuota) cpu.quota = r.cpuQuota;
    if (r.cpuPeriod) cpu.period = r.cpuPeriod;
  }
  if (r.cpusetCpus) cpu.cpus = r.cpusetCpus;
  if (r.cpusetMems) cpu.mems = r.cpusetMems;
  return {
    ...(Object.keys(memory).length ? { memory } : {}),
    ...(Object.keys(cpu).length ? { cpu } : {}),
    ...(r.pidsLimit && r.pidsLimit > 0 ? { pids: { limit: r.pidsLimit } } : {}),
  };
}
