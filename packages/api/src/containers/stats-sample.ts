// A container's cgroup figures as Docker's StatsJSON (moby
// daemon/stats_unix.go): what the CLI's CPU %, memory and block I/O come from.
import type { ContainerStats, CpuStats } from '@ce/protocol/gen/ce/api/v1/containers';
import type { CgroupStats } from '@ce/protocol/gen/ce/types/v1/resources';
import type { SystemCpu } from './host-figures.js';

/** What one sample is made of: the cgroup's figures and the host's, read together. */
export interface RawSample {
  cgroup: CgroupStats;
  system: SystemCpu;
  machineMemory: number;
  read: Date;
}

export function emptyCpuStats(): CpuStats {
  return {
    totalUsage: 0,
    percpuUsage: [],
    usageInKernelmode: 0,
    usageInUsermode: 0,
    systemCpuUsage: 0,
    onlineCpus: 0,
    throttlingPeriods: 0,
    throttledPeriods: 0,
    throttledTime: 0,
  };
}

/** The figures of a container that is not running: its id and name, zero elsewhere (Docker's empty StatsJSON). */
export function emptyStats(id: string, name: string): ContainerStats {
  return {
    id,
    name: `/${name}`,
    read: undefined,
    preread: undefined,
    cpuStats: emptyCpuStats(),
    precpuStats: emptyCpuStats(),
    memoryStats: { usage: 0, maxUsage: 0, limit: 0, failcnt: 0, stats: {} },
    pidsCurrent: 0,
    pidsLimit: 0,
    ioServiceBytesRecursive: [],
    ioServicedRecursive: [],
    networks: {},
    running: false,
  };
}

/**
 * One StatsJSON from a raw sample and the one before it (Docker's precpu).
 * The memory limit is v1's hierarchical limit (or the cgroup's on v2),
 * capped by the machine's memory as Docker caps it.
 */
export function toContainerStats(id: string, name: string, sample: RawSample, previous: RawSample | undefined): ContainerStats {
  const cg = sample.cgroup;
  const stat = cg.memoryStat;
  const cgroupLimit = cg.cgroupV2 ? cg.memoryLimit : (stat.hierarchical_memory_limit ?? cg.memoryLimit);
  const limit = sample.machineMemory > 0 && cgroupLimit > sample.machineMemory ? sample.machineMemory : cgroupLimit;
  return {
    id,
    name: `/${name}`,
    read: sample.read,
    preread: previous?.read,
    cpuStats: cpuStats(sample),
    precpuStats: previous ? cpuStats(previous) : emptyCpuStats(),
    memoryStats: { usage: cg.memoryUsage, maxUsage: cg.memoryMaxUsage, limit, failcnt: cg.memoryFailcnt, stats: stat },
    pidsCurrent: cg.pidsCurrent,
    pidsLimit: cg.pidsLimit,
    ioServiceBytesRecursive: cg.ioServiceBytesRecursive,
    ioServicedRecursive: cg.ioServicedRecursive,
    networks: {},
    running: true,
  };
}

function cpuStats(s: RawSample): CpuStats {
  return {
    totalUsage: s.cgroup.cpuTotal,
    percpuUsage: s.cgroup.cpuPercpu,
    usageInKernelmode: s.cgroup.cpuKernel,
    usageInUsermode: s.cgroup.cpuUser,
    systemCpuUsage: s.system.systemCpuUsage,
    onlineCpus: s.system.onlineCpus,
    throttlingPeriods: s.cgroup.throttlingPeriods,
    throttledPeriods: s.cgroup.throttledPeriods,
    throttledTime: s.cgroup.throttledTime,
  };
}
