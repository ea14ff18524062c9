/**
 * A container's resource usage, in the JSON shape of runc's `events`
 * (libcontainer's types.Stats): what `ce-runc events --stats` prints as
 * `data`. Absent values are left out, as runc's `omitempty` does.
 */
export interface Stats {
  cpu: CpuStats;
  memory: MemoryStats;
  pids: PidsStats;
  blkio: BlkioStats;
  /** Keyed by page size, e.g. "2MB". */
  hugetlb: Record<string, HugetlbStats>;
}

export interface CpuUsage {
  /** Nanoseconds, since the cgroup was made. */
  total?: number;
  percpu?: number[];
  percpu_kernel?: number[];
  percpu_user?: number[];
  kernel: number;
  user: number;
}

export interface Throttling {
  periods?: number;
  throttledPeriods?: number;
  /** Nanoseconds. */
  throttledTime?: number;
}

export interface CpuStats {
  usage: CpuUsage;
  throttling: Throttling;
}

export interface MemoryEntry {
  limit: number;
  usage?: number;
  max?: number;
  failcnt: number;
}

export interface MemoryStats {
  cache?: number;
  usage: MemoryEntry;
  swap: MemoryEntry;
  kernel: MemoryEntry;
  kernelTCP: MemoryEntry;
  /** memory.stat as read. */
  raw?: Record<string, number>;
}

export interface PidsStats {
  current?: number;
  limit?: number;
}

export interface BlkioEntry {
  major?: number;
  minor?: number;
  op?: string;
  value?: number;
}

export interface BlkioStats {
  ioServiceBytesRecursive?: BlkioEntry[];
  ioServicedRecursive?: BlkioEntry[];
  ioQueuedRecursive?: BlkioEntry[];
  ioServiceTimeRecursive?: BlkioEntry[];
  ioWaitTimeRecursive?: BlkioEntry[];
  ioMergedRecursive?: BlkioEntry[];
  ioTimeRecursive?: BlkioEntry[];
  sectorsRecursive?: BlkioEntry[];
}

export interface HugetlbStats {
  usage?: number;
  max?: number;
  failcnt: number;
}

/** One line of `runc events`: periodic stats, or an OOM kill in the container's memory cgroup. */
export type RuntimeEvent = { type: 'stats'; id: string; data: Stats } | { type: 'oom'; id: string };

/** The kernel's "no limit" as cgroup v1 reports it (PAGE_COUNTER_MAX * page size, rounded). */
export const UNLIMITED = 9223372036854771712;
