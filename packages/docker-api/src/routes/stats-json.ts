// ce's ContainerStats as Docker's StatsJSON (api/types/stats.go), field for
// field: the docker CLI computes CPU % from cpu_stats and precpu_stats, and
// memory use from memory_stats (usage less the page cache in stats).
import type { BlkioEntry } from '@ce/protocol/gen/ce/types/v1/resources';
import type { ContainerStats, CpuStats, NetworkStats } from '@ce/protocol/gen/ce/api/v1/containers';

/** Go's zero time, as Docker's JSON writes an unset read/preread. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

/** A field tagged omitempty: left out when zero. */
const omitZero = <K extends string>(key: K, value: number) => (value ? { [key]: value } : {}) as { [P in K]?: number };

function cpuJson(cpu: CpuStats | undefined): Record<string, unknown> {
  return {
    cpu_usage: {
      total_usage: cpu?.totalUsage ?? 0,
      ...(cpu?.percpuUsage.length ? { percpu_usage: cpu.percpuUsage } : {}),
      usage_in_kernelmode: cpu?.usageInKernelmode ?? 0,
      usage_in_usermode: cpu?.usageInUsermode ?? 0,
    },
    ...omitZero('system_cpu_usage', cpu?.systemCpuUsage ?? 0),
    ...omitZero('online_cpus', cpu?.onlineCpus ?? 0),
    throttling_data: { periods: cpu?.throttlingPeriods ?? 0, throttled_periods: cpu?.throttledPeriods ?? 0, throttled_time: cpu?.throttledTime ?? 0 },
  };
}

const blkioJson = (entries: BlkioEntry[]) => entries.map((e) => ({ major: e.major, minor: e.minor, op: e.op, value: e.value }));

function networkJson(n: NetworkStats): Record<string, number> {
  return {
    rx_bytes: n.rxBytes,
    rx_packets: n.rxPackets,
    rx_errors: n.rxErrors,
    rx_dropped: n.rxDropped,
    tx_bytes: n.txBytes,
    tx_packets: n.txPackets,
    tx_errors: n.txErrors,
    tx_dropped: n.txDropped,
  };
}

export function statsJson(s: ContainerStats): Record<string, unknown> {
  const memory = s.memoryStats;
  const networks = Object.entries(s.networks);
  return {
    read: s.read?.toISOString() ?? ZERO_TIME,
    preread: s.preread?.toISOString() ?? ZERO_TIME,
    pids_stats: { ...omitZero('current', s.pidsCurrent), ...omitZero('limit', s.pidsLimit) },
    blkio_stats: {
      io_service_bytes_recursive: s.running ? blkioJson(s.ioServiceBytesRecursive) : null,
      io_serviced_recursive: s.running ? blkioJson(s.ioServicedRecursive) : null,
      // figures ce does not read (cgroup v1's queue, time and merge files): empty, as Docker's on cgroup v2
      io_queue_recursive: s.running ? [] : null,
      io_service_time_recursive: s.running ? [] : null,
      io_wait_time_recursive: s.running ? [] : null,
      io_merged_recursive: s.running ? [] : null,
      io_time_recursive: s.running ? [] : null,
      sectors_recursive: s.running ? [] : null,
    },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuJson(s.cpuStats),
    precpu_stats: cpuJson(s.precpuStats),
    memory_stats: memory
      ? {
          ...omitZero('usage', memory.usage),
          ...omitZero('max_usage', memory.maxUsage),
          ...(Object.keys(memory.stats).length ? { stats: memory.stats } : {}),
          ...omitZero('failcnt', memory.failcnt),
          ...omitZero('limit', memory.limit),
        }
      : {},
    name: s.name,
    id: s.id,
    ...(networks.length ? { networks: Object.fromEntries(networks.map(([name, n]) => [name, networkJson(n)])) } : {}),
  };
}
