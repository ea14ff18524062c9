import type { BlkioEntry, BlkioStats, CpuStats, HugetlbStats, MemoryEntry, MemoryStats, PidsStats, Stats } from './stats-types.js';
import { UNLIMITED } from './stats-types.js';
import { hugePageSizes, parseFlatKeyed, readNumber, readText } from './util.js';

async function cpuStats(dir: string): Promise<CpuStats> {
  // cpu.stat is always there on v2 (usage_usec, user_usec, system_usec; nr_* with the cpu controller)
  const s = parseFlatKeyed(await readText(dir, 'cpu.stat'));
  // built in runc's field order, leaving out what runc's omitempty leaves out
  return {
    usage: { ...(s.usage_usec ? { total: s.usage_usec * 1000 } : {}), kernel: (s.system_usec ?? 0) * 1000, user: (s.user_usec ?? 0) * 1000 },
    throttling: {
      ...(s.nr_periods ? { periods: s.nr_periods } : {}),
      ...(s.nr_throttled ? { throttledPeriods: s.nr_throttled } : {}),
      ...(s.throttled_usec ? { throttledTime: s.throttled_usec * 1000 } : {}),
    },
  };
}

async function memoryStats(dir: string): Promise<MemoryStats> {
  const raw = parseFlatKeyed(await readText(dir, 'memory.stat'));
  const events = parseFlatKeyed(await readText(dir, 'memory.events'));
  const limit = (await readNumber(dir, 'memory.max', UNLIMITED)) ?? UNLIMITED;
  const current = await readNumber(dir, 'memory.current');
  const peak = await readNumber(dir, 'memory.peak');
  const usage: MemoryEntry = { limit, ...(current ? { usage: current } : {}), ...(peak ? { max: peak } : {}), failcnt: events.max ?? 0 };
  // runc reports v2 swap as memory + swap, the v1 (memsw) meaning
  let swap: MemoryEntry = { limit: UNLIMITED, failcnt: 0 };
  const swapCurrent = await readNumber(dir, 'memory.swap.current');
  if (swapCurrent !== undefined) {
    const swapMax = await readNumber(dir, 'memory.swap.max', UNLIMITED);
    swap = {
      limit: swapMax === UNLIMITED || limit === UNLIMITED ? UNLIMITED : (swapMax ?? 0) + limit,
      usage: swapCurrent + (current ?? 0),
      failcnt: 0,
    };
  }
  return {
    ...(raw.file ? { cache: raw.file } : {}),
    usage,
    swap,
    kernel: { limit: 0, failcnt: 0 },
    kernelTCP: { limit: 0, failcnt: 0 },
    ...(Object.keys(raw).length ? { raw } : {}),
  };
}

async function pidsStats(dir: string): Promise<PidsStats> {
  const out: PidsStats = {};
  const current = await readNumber(dir, 'pids.current');
  if (current) out.current = current;
  const limit = await readNumber(dir, 'pids.max', 0);
  if (limit) out.limit = limit;
  return out;
}

/** io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0" per device → runc's blkio entries. */
export function parseIoStat(text: string | undefined): BlkioStats {
  const bytes: BlkioEntry[] = [];
  const ios: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const [dev, ...pairs] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(dev ?? '');
    if (!m) continue;
    const kv = Object.fromEntries(pairs.map((p) => p.split('=')).map(([k, v]) => [k, Number(v)]));
    const entry = (op: string, value: number | undefined): BlkioEntry => {
      const e: BlkioEntry = { op };
      if (Number(m[1])) e.major = Number(m[1]);
      if (Number(m[2])) e.minor = Number(m[2]);
      if (value) e.value = value;
      return e;
    };
    bytes.push(entry('Read', kv.rbytes), entry('Write', kv.wbytes));
    ios.push(entry('Read', kv.rios), entry('Write', kv.wios));
  }
  const out: BlkioStats = {};
  if (bytes.length) out.ioServiceBytesRecursive = bytes;
  if (ios.length) out.ioServicedRecursive = ios;
  return out;
}

async function hugetlbStats(dir: string): Promise<Record<string, HugetlbStats>> {
  const out: Record<string, HugetlbStats> = {};
  for (const size of await hugePageSizes(dir, 'max')) {
    const entry: HugetlbStats = { failcnt: parseFlatKeyed(await readText(dir, `hugetlb.${size}.events`)).max ?? 0 };
    const usage = await readNumber(dir, `hugetlb.${size}.current`);
    if (usage) entry.usage = usage;
    out[size] = entry;
  }
  return out;
}

/** Reads a container's statistics from its v2 cgroup directory. */
export async function readStatsV2(dir: string): Promise<Stats> {
  return {
    cpu: await cpuStats(dir),
    memory: await memoryStats(dir),
    pids: await pidsStats(dir),
    blkio: parseIoStat(await readText(dir, 'io.stat')),
    hugetlb: await hugetlbStats(dir),
  };
}

/** OOM kills in the cgroup so far (memory.events' oom_kill). */
export async function oomKillsV2(dir: string): Promise<number> {
  return parseFlatKeyed(await readText(dir, 'memory.events')).oom_kill ?? 0;
}
