// docker update's checks and merge (moby daemon/update.go, container.UpdateContainer,
// verifyPlatformContainerResources with update=true), pure: no grpc-js, no native code.
import { invalidArgument } from '@ce/protocol';
import type { Resources } from '@ce/protocol/gen/ce/types/v1/resources';
import type { HostConfig } from './model/docker-types.js';
import { checkCpu, checkMemory, NANO_CPU_PERIOD_US, type HostResources } from './resource-options.js';

/**
 * The update alone, as Docker's verifyContainerSettings checks it for an
 * update: create's checks but "a swap limit needs a memory limit" (the kept limit may hold).
 */
export function checkUpdate(u: Resources, nanoCpus: number, host: HostResources): void {
  checkMemory({ Memory: u.memory ?? 0, MemorySwap: u.memorySwap ?? 0, MemoryReservation: u.memoryReservation ?? 0 }, true);
  checkCpu({ NanoCpus: nanoCpus, CpuPeriod: u.cpuPeriod ?? 0, CpuQuota: u.cpuQuota ?? 0, CpusetCpus: u.cpusetCpus ?? '', CpusetMems: u.cpusetMems ?? '' }, host);
}

/**
 * The container's HostConfig after an update, as Docker's daemon makes it:
 * the update alone is checked first, then merged over the kept settings,
 * refusing what conflicts with them ("Cannot update container <id>: …").
 * Nothing is changed on a throw.
 */
export function updatedHostConfig(id: string, hc: HostConfig, update: Resources | undefined, nanoCpus: number, host: HostResources): HostConfig {
  const u = update ?? {};
  checkUpdate(u, nanoCpus, host);
  const conflict = (message: string) => invalidArgument(`Cannot update container ${id}: ${message}`);
  if (nanoCpus > 0 && hc.CpuPeriod > 0) throw conflict('Conflicting options: Nano CPUs cannot be updated as CPU Period has already been set');
  if (nanoCpus > 0 && hc.CpuQuota > 0) throw conflict('Conflicting options: Nano CPUs cannot be updated as CPU Quota has already been set');
  if ((u.cpuPeriod ?? 0) > 0 && hc.NanoCpus > 0) throw conflict('Conflicting options: CPU Period cannot be updated as NanoCPUs has already been set');
  if ((u.cpuQuota ?? 0) > 0 && hc.NanoCpus > 0) throw conflict('Conflicting options: CPU Quota cannot be updated as NanoCPUs has already been set');
  // Docker's own rule, even where no swap limit was ever set: memory alone may not pass the kept swap limit
  if (u.memory && u.memory > hc.MemorySwap && !u.memorySwap) {
    throw conflict('Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time');
  }
  const next: HostConfig = { ...hc };
  if (u.cpuShares) next.CpuShares = u.cpuShares;
  if (nanoCpus) next.NanoCpus = nanoCpus;
  if (u.cpuPeriod) next.CpuPeriod = u.cpuPeriod;
  if (u.cpuQuota) next.CpuQuota = u.cpuQuota;
  if (u.cpusetCpus) next.CpusetCpus = u.cpusetCpus;
  if (u.cpusetMems) next.CpusetMems = u.cpusetMems;
  if (u.memory) next.Memory = u.memory;
  if (u.memorySwap) next.MemorySwap = u.memorySwap;
  if (u.memoryReservation) next.MemoryReservation = u.memoryReservation;
  // Docker's 0 and -1 both mean no pids limit
  if (u.pidsLimit !== undefined) next.PidsLimit = u.pidsLimit <= 0 ? -1 : u.pidsLimit;
  return next;
}

/** What the task's cgroup gets for an update: the fields given, with --cpus as a quota over Docker's period. */
export function cgroupUpdate(update: Resources | undefined, nanoCpus: number): Resources {
  const out: Resources = { ...update };
  if (nanoCpus) {
    out.cpuPeriod = NANO_CPU_PERIOD_US;
    out.cpuQuota = Math.round((nanoCpus * NANO_CPU_PERIOD_US) / 1e9);
  }
  // the kernel's word for no limit is max (-1 to the runtime)
  if (out.pidsLimit !== undefined && out.pidsLimit <= 0) out.pidsLimit = -1;
  return out;
}
