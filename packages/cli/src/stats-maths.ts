// docker stats' sums and words (docker/cli cli/command/container/stats_helpers.go,
// formatter_stats.go), pure: from Docker's StatsJSON to the table's cells.
import type { ContainerStats } from '@ce/protocol/gen/ce/api/v1/containers';

/** CPU %: the cgroup's CPU time over the host's in the same interval, times the online CPUs. */
export function cpuPercent(s: ContainerStats): number {
  const cpu = s.cpuStats;
  const pre = s.precpuStats;
  if (!cpu) return 0;
  const cpuDelta = cpu.totalUsage - (pre?.totalUsage ?? 0);
  const systemDelta = cpu.systemCpuUsage - (pre?.systemCpuUsage ?? 0);
  const online = cpu.onlineCpus || cpu.percpuUsage.length;
  return systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * online * 100 : 0;
}

/** Memory without the page cache: v1 usage − total_inactive_file, v2 usage − inactive_file. */
export function memoryUsageNoCache(s: ContainerStats): number {
  const mem = s.memoryStats;
  if (!mem) return 0;
  const v1 = mem.stats.total_inactive_file;
  if (v1 !== undefined && v1 < mem.usage) return mem.usage - v1;
  const v2 = mem.stats.inactive_file ?? 0;
  if (v2 < mem.usage) return mem.usage - v2;
  return mem.usage;
}

export function memoryPercent(s: ContainerStats): number {
  const limit = s.memoryStats?.limit ?? 0;
  return limit !== 0 ? (memoryUsageNoCache(s) / limit) * 100 : 0;
}

/** Bytes read and written: the Read/Write entries of io_service_bytes_recursive (any case). */
export function blockIo(s: ContainerStats): { read: number; write: number } {
  let read = 0;
  let write = 0;
  for (const e of s.ioServiceBytesRecursive) {
    const op = e.op.charAt(0);
    if (op === 'r' || op === 'R') read += e.value;
    else if (op === 'w' || op === 'W') write += e.value;
  }
  return { read, write };
}

export function networkIo(s: ContainerStats): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (const n of Object.values(s.networks)) {
    rx += n.rxBytes;
    tx += n.txBytes;
  }
  return { rx, tx };
}

/** go-units HumanSizeWithPrecision(size, 3): decimal units, as NET I/O and BLOCK I/O show. */
export function humanSize(size: number): string {
  return unitSize(size, 1000, ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'], 3);
}

/** go-units BytesSize: binary units with %.4g, as MEM USAGE / LIMIT shows. */
export function bytesSize(size: number): string {
  return unitSize(size, 1024, ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'], 4);
}

function unitSize(size: number, base: number, units: string[], precision: number): string {
  let value = size;
  let i = 0;
  while (value >= base && i < units.length - 1) {
    value /= base;
    i++;
  }
  return `${formatG(value, precision)}${units[i]}`;
}

/** Go's %.<precision>g: that many significant digits, no trailing zeros. */
export function formatG(value: number, precision: number): string {
  if (value === 0) return '0';
  const rounded = Number(value.toPrecision(precision));
  const exp = Math.floor(Math.log10(Math.abs(rounded)));
  if (exp < -4 || exp >= precision) {
    const [mant, e] = value.toExponential(precision - 1).split('e');
    const m = mant!.includes('.') ? mant!.replace(/0+$/, '').replace(/\.$/, '') : mant!;
    const n = Number(e);
    return `${m}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  const fixed = value.toFixed(Math.max(0, precision - 1 - exp));
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}

/** One row of docker stats' default table, as the CLI's stats formatter words it. */
export interface StatsRow {
  id: string;
  name: string;
  cpu: string;
  memUsage: string;
  memPercent: string;
  netIo: string;
  blockIo: string;
  pids: string;
}

/** A container Docker has no figures for (not running, or gone) shows "--" in every figure column. */
export function statsRow(s: ContainerStats, options: { noTrunc: boolean; running: boolean }): StatsRow {
  const id = options.noTrunc ? s.id : s.id.slice(0, 12);
  const name = s.name.replace(/^\//, '');
  if (!options.running) {
    return { id, name, cpu: '0.00%', memUsage: '0B / 0B', memPercent: '0.00%', netIo: '0B / 0B', blockIo: '0B / 0B', pids: '0' };
  }
  const net = networkIo(s);
  const blk = blockIo(s);
  return {
    id,
    name,
    cpu: `${cpuPercent(s).toFixed(2)}%`,
    memUsage: `${bytesSize(memoryUsageNoCache(s))} / ${bytesSize(s.memoryStats?.limit ?? 0)}`,
    memPercent: `${memoryPercent(s).toFixed(2)}%`,
    netIo: `${humanSize(net.rx)} / ${humanSize(net.tx)}`,
    blockIo: `${humanSize(blk.read)} / ${humanSize(blk.write)}`,
    pids: String(s.pidsCurrent),
  };
}
