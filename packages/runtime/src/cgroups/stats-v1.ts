import type { BlkioEntry, BlkioStats, CpuStats, HugetlbStats, MemoryEntry, MemoryStats, PidsStats, Stats } from './stats-types.js';
import { hugePageSizes, parseFlatKeyed, readNumber, readText } from './util.js';

/** The directory of the container's cgroup in the hierarchy holding a controller, if mounted. */
export type ControllerDir = (controller: string) => string | undefined;

/** cpuacct.stat counts USER_HZ ticks; the kernel's USER_HZ is 100 on every Linux ABI. */
const NS_PER_TICK = 1e9 / 100;

function numbers(text: string | undefined): number[] {
  return (text ?? '').split(/\s+/).filter(Boolean).map(Number);
}

async function cpuStats(at: ControllerDir): Promise<CpuStats> {
  const acct = at('cpuacct');
  const stat = parseFlatKeyed(await readText(acct, 'cpuacct.stat'));
  const total = await readNumber(acct, 'cpuacct.usage');
  const percpu = numbers(await readText(acct, 'cpuacct.usage_percpu'));
  // "cpu user system" then one row per cpu, in nanoseconds
  const all = (await readText(acct, 'cpuacct.usage_all'))?.split('\n').slice(1).map(numbers) ?? [];
  const t = parseFlatKeyed(await readText(at('cpu'), 'cpu.stat'));
  // built in runc's field order, leaving out what runc's omitempty leaves out
  return {
    usage: {
      ...(total ? { total } : {}),
      ...(percpu.length ? { percpu } : {}),
      ...(all.length ? { percpu_kernel: all.map((row) => row[2] ?? 0), percpu_user: all.map((row) => row[1] ?? 0) } : {}),
      kernel: (stat.system ?? 0) * NS_PER_TICK,
      user: (stat.user ?? 0) * NS_PER_TICK,
    },
    throttling: {
      ...(t.nr_periods ? { periods: t.nr_periods } : {}),
      ...(t.nr_throttled ? { throttledPeriods: t.nr_throttled } : {}),
      ...(t.throttled_time ? { throttledTime: t.throttled_time } : {}),
    },
  };
}

async function memoryEntry(dir: string | undefined, prefix: string): Promise<MemoryEntry> {
  const usage = await readNumber(dir, `${prefix}.usage_in_bytes`);
  const max = await readNumber(dir, `${prefix}.max_usage_in_bytes`);
  return {
    limit: (await readNumber(dir, `${prefix}.limit_in_bytes`)) ?? 0,
    ...(usage ? { usage } : {}),
    ...(max ? { max } : {}),
    failcnt: (await readNumber(dir, `${prefix}.failcnt`)) ?? 0,
  };
}

async function memoryStats(at: ControllerDir): Promise<MemoryStats> {
  const dir = at('memory');
  const raw = parseFlatKeyed(await readText(dir, 'memory.stat'));
  return {
    ...(raw.cache ? { cache: raw.cache } : {}),
    usage: await memoryEntry(dir, 'memory'),
    // v1 accounts swap as memory + swap (memsw), which runc reports as is
    swap: await memoryEntry(dir, 'memory.memsw'),
    kernel: await memoryEntry(dir, 'memory.kmem'),
    kernelTCP: await memoryEntry(dir, 'memory.kmem.tcp'),
    ...(Object.keys(raw).length ? { raw } : {}),
  };
}

async function pidsStats(at: ControllerDir): Promise<PidsStats> {
  const dir = at('pids');
  const out: PidsStats = {};
  const current = await readNumber(dir, 'pids.current');
  if (current) out.current = current;
  const limit = await readNumber(dir, 'pids.max', 0);
  if (limit) out.limit = limit;
  return out;
}

/** Lines "8:0 Read 4096" and a last "Total 4096" line, as blkio's recursive files hold them. */
export function parseBlkioEntries(text: string | undefined): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const fields = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(fields[0] ?? '');
    if (!m) continue;
    const entry: BlkioEntry = {};
    const major = Number(m[1]);
    const minor = Number(m[2]);
    if (major) entry.major = major;
    if (minor) entry.minor = minor;
    const [op, value] = fields.length === 3 ? [fields[1], fields[2]] : [undefined, fields[1]];
    if (op) entry.op = op;
    if (value && Number(value)) entry.value = Number(value);
    out.push(entry);
  }
  return out;
}

async function blkioStats(at: ControllerDir): Promise<BlkioStats> {
  const dir = at('blkio');
  const out: BlkioStats = {};
  const read = async (file: string) => parseBlkioEntries(await readText(dir, file));
  // CFQ/BFQ statistics when the scheduler keeps them, otherwise the throttle layer's (runc's order)
  let bytes = await read('blkio.io_service_bytes_recursive');
  let ios = await read('blkio.io_serviced_recursive');
  if (bytes.length || ios.length) {
    const pairs: Array<[keyof BlkioStats, string]> = [
      ['ioQueuedRecursive', 'blkio.io_queued_recursive'],
      ['ioServiceTimeRecursive', 'blkio.io_service_time_recursive'],
      ['ioWaitTimeRecursive', 'blkio.io_wait_time_recursive'],
      ['ioMergedRecursive', 'blkio.io_merged_recursive'],
      ['ioTimeRecursive', 'blkio.time_recursive'],
      ['sectorsRecursive', 'blkio.sectors_recursive'],
    ];
    for (const [key, file] of pairs) {
      const entries = await read(file);
      if (entries.length) out[key] = entries;
    }
  } else {
    bytes = await read('blkio.throttle.io_service_bytes');
    ios = await read('blkio.throttle.io_serviced');
  }
  if (bytes.length) out.ioServiceBytesRecursive = bytes;
  if (ios.length) out.ioServicedRecursive = ios;
  return out;
}

async function hugetlbStats(at: ControllerDir): Promise<Record<string, HugetlbStats>> {
  const dir = at('hugetlb');
  const out: Record<string, HugetlbStats> = {};
  for (const size of await hugePageSizes(dir, 'limit_in_bytes')) {
    const entry: HugetlbStats = { failcnt: (await readNumber(dir, `hugetlb.${size}.failcnt`)) ?? 0 };
    const usage = await readNumber(dir, `hugetlb.${size}.usage_in_bytes`);
    if (usage) entry.usage = usage;
    const max = await readNumber(dir, `hugetlb.${size}.max_usage_in_bytes`);
    if (max) entry.max = max;
    out[size] = entry;
  }
  return out;
}

/** Reads a container's statistics from its v1 cgroup directories. */
export async function readStatsV1(at: ControllerDir): Promise<Stats> {
  return {
    cpu: await cpuStats(at),
    memory: await memoryStats(at),
    pids: await pidsStats(at),
    blkio: await blkioStats(at),
    hugetlb: await hugetlbStats(at),
  };
}

/** OOM kills in the memory cgroup so far (memory.oom_control's oom_kill, kernel ≥ 4.13). */
export async function oomKillsV1(at: ControllerDir): Promise<number> {
  return parseFlatKeyed(await readText(at('memory'), 'memory.oom_control')).oom_kill ?? 0;
}
