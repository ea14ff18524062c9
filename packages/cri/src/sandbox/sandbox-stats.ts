// PodSandboxStats from the pause task's cgroup figures (ce.supervisor.v1
// TaskStats) and its network namespace's counters (/proc/<pid>/net/dev, read
// from the host: the file shows the namespace of the process it names).
import { readFile } from 'node:fs/promises';
import type { CgroupStats } from '@ce/protocol/gen/ce/types/v1/resources';
import type { CpuUsage, LinuxPodSandboxStats, MemoryUsage, NetworkInterfaceUsage } from '../gen/runtime/v1/api.js';

export const u64 = (value: number) => ({ value: BigInt(Math.max(0, Math.trunc(value))) });

/** cAdvisor's working set: usage less the inactive file cache (v2 "inactive_file", v1 "total_inactive_file"). */
function workingSet(cg: CgroupStats): number {
  const inactive = cg.memoryStat[cg.cgroupV2 ? 'inactive_file' : 'total_inactive_file'] ?? 0;
  return Math.max(0, cg.memoryUsage - inactive);
}

/** CPU and memory figures of a cgroup, as the CRI's CpuUsage and MemoryUsage (pods and containers alike). */
export function cpuAndMemoryUsage(cg: CgroupStats, timestamp: bigint): { cpu: CpuUsage; memory: MemoryUsage } {
  const rss = cg.memoryStat[cg.cgroupV2 ? 'anon' : 'total_rss'] ?? 0;
  // No limit reads as the largest number the kernel has: then "available" is not known.
  const limited = cg.memoryLimit > 0 && cg.memoryLimit < 2 ** 62;
  return {
    cpu: { timestamp, usageCoreNanoSeconds: u64(cg.cpuTotal), usageNanoCores: undefined },
    memory: {
      timestamp,
      workingSetBytes: u64(workingSet(cg)),
      availableBytes: limited ? u64(cg.memoryLimit - workingSet(cg)) : undefined,
      usageBytes: u64(cg.memoryUsage),
      rssBytes: u64(rss),
      pageFaults: u64(cg.memoryStat[cg.cgroupV2 ? 'pgfault' : 'total_pgfault'] ?? 0),
      majorPageFaults: u64(cg.memoryStat[cg.cgroupV2 ? 'pgmajfault' : 'total_pgmajfault'] ?? 0),
    },
  };
}

export function linuxSandboxStats(cg: CgroupStats, interfaces: NetworkInterfaceUsage[], defaultIfName: string, timestamp: bigint): LinuxPodSandboxStats {
  return {
    ...cpuAndMemoryUsage(cg, timestamp),
    network: { timestamp, defaultInterface: interfaces.find((i) => i.name === defaultIfName), interfaces },
    process: { timestamp, processCount: u64(cg.pidsCurrent) },
    containers: [],
  };
}

/** The interfaces of /proc/<pid>/net/dev but loopback; none when the process is gone. */
export async function netDevOf(pid: number): Promise<NetworkInterfaceUsage[]> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/net/dev`, 'utf8');
  } catch {
    return [];
  }
  return parseNetDev(text);
}

export function parseNetDev(text: string): NetworkInterfaceUsage[] {
  return text
    .split('\n')
    .slice(2)
    .map((line) => /^\s*([^:\s]+):\s*(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null && m[1] !== 'lo')
    .map(([, name, rest]) => {
      const f = rest!.trim().split(/\s+/).map(Number);
      // receive: bytes packets errs drop fifo frame compressed multicast; transmit: bytes packets errs ...
      return { name: name!, rxBytes: u64(f[0] ?? 0), rxErrors: u64(f[2] ?? 0), txBytes: u64(f[8] ?? 0), txErrors: u64(f[10] ?? 0) };
    });
}
