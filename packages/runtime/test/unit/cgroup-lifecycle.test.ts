import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UNLIMITED } from '../../src/cgroups/stats-types.js';
import { parseBlkioEntries } from '../../src/cgroups/stats-v1.js';
import { parseIoStat } from '../../src/cgroups/stats-v2.js';
import type { CgroupLayout } from '../../src/cgroups/types.js';
import { CgroupV1Manager } from '../../src/cgroups/v1.js';
import { blkioWeightToIoWeight, CgroupV2Manager } from '../../src/cgroups/v2.js';
import { containerEvents } from '../../src/lifecycle/events.js';
import type { RuntimeEvent, Stats } from '../../src/cgroups/stats-types.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'ce-cgroup-life-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function files(dir: string, content: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(content)) writeFileSync(join(dir, name), text);
}
const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');

/** A fake cgroup2 root offering every controller the manager uses. */
function v2(): { m: CgroupV2Manager; dir: string } {
  files(root, { 'cgroup.controllers': 'cpuset cpu io memory hugetlb pids\n' });
  const layout: CgroupLayout = { mode: 'v2', v1: [], unified: { mountpoint: root, root: '/', controllers: [] }, own: new Map([['', '/']]) };
  return { m: new CgroupV2Manager(layout), dir: join(root, 'ce', 'c1') };
}

function v1(): { m: CgroupV1Manager; at: (c: string) => string } {
  const names = ['cpu,cpuacct', 'memory', 'pids', 'blkio', 'freezer', 'hugetlb'];
  const layout: CgroupLayout = {
    mode: 'v1',
    v1: names.map((n) => ({ mountpoint: join(root, n), root: '/', controllers: n.split(',') })),
    own: new Map(names.map((n) => [n, '/'])),
  };
  return { m: new CgroupV1Manager(layout), at: (c: string) => join(root, names.find((n) => n.split(',').includes(c))!, 'ce', 'c1') };
}

describe('cgroup v2 files', () => {
  it('reads stats in runc shape: cpu.stat µs → ns, memory with swap as memory+swap, pids, io.stat, hugetlb', async () => {
    const { m, dir } = v2();
    files(dir, {
      'cpu.stat': 'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 10\nnr_throttled 2\nthrottled_usec 300\n',
      'memory.current': '4096\n',
      'memory.max': 'max\n',
      'memory.peak': '8192\n',
      'memory.events': 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n',
      'memory.swap.current': '1024\n',
      'memory.swap.max': 'max\n',
      'memory.stat': 'anon 100\nfile 200\n',
      'pids.current': '3\n',
      'pids.max': '50\n',
      'io.stat': '8:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n',
      'hugetlb.2MB.current': '0\n',
      'hugetlb.2MB.max': 'max\n',
      'hugetlb.2MB.events': 'max 4\n',
    });
    const s = await m.stats('/ce/c1');
    expect(s.cpu).toEqual({ usage: { total: 1_500_000, kernel: 500_000, user: 1_000_000 }, throttling: { periods: 10, throttledPeriods: 2, throttledTime: 300_000 } });
    expect(s.memory.usage).toEqual({ limit: UNLIMITED, usage: 4096, max: 8192, failcnt: 3 });
    expect(s.memory.swap).toEqual({ limit: UNLIMITED, usage: 5120, failcnt: 0 });
    expect(s.memory.cache).toBe(200);
    expect(s.memory.raw).toEqual({ anon: 100, file: 200 });
    expect(s.pids).toEqual({ current: 3, limit: 50 });
    expect(s.blkio.ioServiceBytesRecursive).toEqual([
      { major: 8, op: 'Read', value: 10 },
      { major: 8, op: 'Write', value: 20 },
    ]);
    expect(s.hugetlb).toEqual({ '2MB': { failcnt: 4 } });
    expect(await m.oomKills('/ce/c1')).toBe(1);
  });

  it('update writes memory.max, cpu.weight/cpu.max, cpuset, pids.max, io.weight/io.max and hugetlb max', async () => {
    const { m, dir } = v2();
    files(dir, {});
    await m.update('/ce/c1', {
      memory: { limit: 64 << 20 },
      cpu: { shares: 1024, quota: 50000, period: 100000, cpus: '0' },
      pids: { limit: 20 },
      blockIO: { weight: 500, throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }] },
      hugepageLimits: [{ pageSize: '2MB', limit: 0 }],
    });
    expect(read(dir, 'memory.max')).toBe(String(64 << 20));
    expect(read(dir, 'cpu.weight')).toBe('39');
    expect(read(dir, 'cpu.max')).toBe('50000 100000');
    expect(read(dir, 'cpuset.cpus')).toBe('0');
    expect(read(dir, 'pids.max')).toBe('20');
    expect(read(dir, 'io.weight')).toBe(`default ${blkioWeightToIoWeight(500)}`);
    expect(read(dir, 'io.max')).toBe('8:0 rbps=1048576');
    expect(read(dir, 'hugetlb.2MB.max')).toBe('0');
  });

  it('writes memory.swap.max as swap alone (memory+swap minus memory, as runc), using the current memory.max on update', async () => {
    const { m, dir } = v2();
    files(dir, { 'memory.max': 'max\n', 'memory.swap.max': 'max\n' });
    await m.update('/ce/c1', { memory: { limit: 64 << 20, swap: 192 << 20 } });
    expect(read(dir, 'memory.swap.max')).toBe(String(128 << 20));
    // memory+swap alone: the limit already on the cgroup counts
    await m.update('/ce/c1', { memory: { swap: 96 << 20 } });
    expect(read(dir, 'memory.swap.max')).toBe(String(32 << 20));
    // 0 is unset: swap left as it is
    await m.update('/ce/c1', { memory: { limit: 64 << 20, swap: 0 } });
    expect(read(dir, 'memory.swap.max')).toBe(String(32 << 20));
    await m.update('/ce/c1', { memory: { swap: -1 } });
    expect(read(dir, 'memory.swap.max')).toBe('max');
    await expect(m.update('/ce/c1', { memory: { swap: 16 << 20 } })).rejects.toThrow(/memory.swap: 16777216 is below the memory limit/);
    writeFileSync(join(dir, 'memory.max'), 'max\n');
    await expect(m.update('/ce/c1', { memory: { swap: 16 << 20 } })).rejects.toThrow(/cannot be set without a memory limit/);
  });

  it('converts blkio weights to io weights as runc does', () => {
    expect(blkioWeightToIoWeight(10)).toBe(1);
    expect(blkioWeightToIoWeight(1000)).toBe(10000);
    expect(blkioWeightToIoWeight(500)).toBe(4950);
  });

  it('freezes through cgroup.freeze and waits for cgroup.events', async () => {
    const { m, dir } = v2();
    files(dir, { 'cgroup.freeze': '0\n', 'cgroup.events': 'populated 1\nfrozen 0\n' });
    expect(m.isFrozen('/ce/c1')).toBe(false);
    // the kernel settles a moment later
    setTimeout(() => writeFileSync(join(dir, 'cgroup.events'), 'populated 1\nfrozen 1\n'), 20);
    await m.freeze('/ce/c1', true);
    expect(read(dir, 'cgroup.freeze')).toBe('1');
    expect(m.isFrozen('/ce/c1')).toBe(true);
  });

  it('parses io.stat', () => {
    expect(parseIoStat('')).toEqual({});
    expect(parseIoStat('253:1 rbytes=0 wbytes=7 rios=0 wios=1\n').ioServicedRecursive).toEqual([
      { major: 253, minor: 1, op: 'Read' },
      { major: 253, minor: 1, op: 'Write', value: 1 },
    ]);
  });
});

describe('cgroup v1 files', () => {
  it('reads cpuacct (ticks → ns, per-cpu from usage_all), cpu.stat, memory, memsw, kmem, pids, blkio and hugetlb', async () => {
    const { m, at } = v1();
    files(at('cpuacct'), {
      'cpuacct.usage': '3000\n',
      'cpuacct.usage_percpu': '1000 2000 \n',
      'cpuacct.usage_all': 'cpu user system\n0 600 400\n1 1500 500\n',
      'cpuacct.stat': 'user 2\nsystem 1\n',
      'cpu.stat': 'nr_periods 5\nnr_throttled 1\nthrottled_time 77\n',
    });
    files(at('memory'), {
      'memory.usage_in_bytes': '100\n',
      'memory.max_usage_in_bytes': '200\n',
      'memory.limit_in_bytes': '67108864\n',
      'memory.failcnt': '9\n',
      'memory.memsw.usage_in_bytes': '150\n',
      'memory.memsw.limit_in_bytes': '9223372036854771712\n',
      'memory.memsw.failcnt': '0\n',
      'memory.kmem.usage_in_bytes': '10\n',
      'memory.kmem.limit_in_bytes': '9223372036854771712\n',
      'memory.kmem.failcnt': '0\n',
      'memory.stat': 'cache 4096\nrss 8192\n',
      'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n',
    });
    files(at('pids'), { 'pids.current': '4\n', 'pids.max': 'max\n' });
    files(at('blkio'), {
      'blkio.io_service_bytes_recursive': 'Total 0\n',
      'blkio.io_serviced_recursive': 'Total 0\n',
      'blkio.throttle.io_service_bytes': '8:0 Read 4096\n8:0 Write 0\nTotal 4096\n',
      'blkio.throttle.io_serviced': '8:0 Read 1\nTotal 1\n',
    });
    files(at('hugetlb'), { 'hugetlb.2MB.limit_in_bytes': '0\n', 'hugetlb.2MB.usage_in_bytes': '0\n', 'hugetlb.2MB.failcnt': '1\n' });
    const s: Stats = await m.stats('/ce/c1');
    expect(s.cpu.usage).toEqual({ total: 3000, percpu: [1000, 2000], percpu_kernel: [400, 500], percpu_user: [600, 1500], kernel: 10_000_000, user: 20_000_000 });
    expect(s.cpu.throttling).toEqual({ periods: 5, throttledPeriods: 1, throttledTime: 77 });
    expect(s.memory.usage).toEqual({ limit: 67108864, usage: 100, max: 200, failcnt: 9 });
    expect(s.memory.swap).toEqual({ limit: 9223372036854771712, usage: 150, failcnt: 0 });
    expect(s.memory.kernel.usage).toBe(10);
    // runc's JSON field order, for byte-for-byte comparable output
    expect(Object.keys(s.cpu.usage)).toEqual(['total', 'percpu', 'percpu_kernel', 'percpu_user', 'kernel', 'user']);
    expect(Object.keys(s.memory)).toEqual(['cache', 'usage', 'swap', 'kernel', 'kernelTCP', 'raw']);
    expect(Object.keys(s.memory.usage)).toEqual(['limit', 'usage', 'max', 'failcnt']);
    expect(s.memory.cache).toBe(4096);
    expect(s.pids).toEqual({ current: 4 });
    expect(s.blkio.ioServiceBytesRecursive).toEqual([{ major: 8, op: 'Read', value: 4096 }, { major: 8, op: 'Write' }]);
    expect(s.hugetlb).toEqual({ '2MB': { failcnt: 1 } });
    expect(await m.oomKills('/ce/c1')).toBe(2);
  });

  it('update writes the memory and memory+swap limits (v1)', async () => {
    const { m, at } = v1();
    const dir = at('memory');
    files(dir, { 'memory.limit_in_bytes': String(64 << 20), 'memory.memsw.limit_in_bytes': String(64 << 20) });
    await m.update('/ce/c1', { memory: { limit: 128 << 20, swap: 256 << 20 } });
    expect(read(dir, 'memory.limit_in_bytes')).toBe(String(128 << 20));
    expect(read(dir, 'memory.memsw.limit_in_bytes')).toBe(String(256 << 20));
  });

  it('writes the network class id and interface priorities where net_cls and net_prio are mounted, and refuses them elsewhere (runc)', async () => {
    const { m } = v1();
    await expect(m.update('/ce/c1', { network: { classID: 0x100001 } })).rejects.toThrow(
      'cannot set net_cls limit (linux.resources.network.classID): the net_cls cgroup controller is not mounted',
    );
    await expect(m.update('/ce/c1', { network: { priorities: [{ name: 'eth0', priority: 5 }] } })).rejects.toThrow(
      'cannot set net_prio limit (linux.resources.network.priorities): the net_prio cgroup controller is not mounted',
    );
    // nothing to write is nothing to refuse: a zero class id, no priorities
    await expect(m.update('/ce/c1', { network: { classID: 0, priorities: [] } })).resolves.toBeUndefined();
    expect(existsSync(join(root, 'net_cls'))).toBe(false);
    const names = ['net_cls,net_prio'];
    const layout: CgroupLayout = {
      mode: 'v1',
      v1: names.map((n) => ({ mountpoint: join(root, n), root: '/', controllers: n.split(',') })),
      own: new Map(names.map((n) => [n, '/'])),
    };
    const dir = join(root, 'net_cls,net_prio', 'ce', 'c1');
    files(dir, { 'net_cls.classid': '0', 'net_prio.ifpriomap': '' });
    await new CgroupV1Manager(layout).update('/ce/c1', { network: { classID: 0x100001, priorities: [{ name: 'eth0', priority: 5 }, { name: 'lo', priority: 1 }] } });
    expect(read(dir, 'net_cls.classid')).toBe(String(0x100001));
    // the kernel takes one "name prio" line per write; the fake file keeps the last one
    expect(read(dir, 'net_prio.ifpriomap')).toBe('lo 1');
  });

  it('writes blkio throttles and refuses weights where the scheduler has none', async () => {
    const { m, at } = v1();
    files(at('blkio'), {});
    await m.update('/ce/c1', { blockIO: { throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 100 }] } });
    expect(read(at('blkio'), 'blkio.throttle.write_iops_device')).toBe('8:0 100');
    await expect(m.update('/ce/c1', { blockIO: { weight: 300 } })).rejects.toThrow(/blockIO.weight: .*blkio.weight is missing/);
  });

  it('reports FROZEN and FREEZING as frozen, THAWED as not', async () => {
    const { m, at } = v1();
    files(at('freezer'), { 'freezer.state': 'THAWED\n' });
    expect(m.isFrozen('/ce/c1')).toBe(false);
    await m.freeze('/ce/c1', true);
    expect(read(at('freezer'), 'freezer.state')).toBe('FROZEN');
    expect(m.isFrozen('/ce/c1')).toBe(true);
    writeFileSync(join(at('freezer'), 'freezer.state'), 'FREEZING\n');
    expect(m.isFrozen('/ce/c1')).toBe(true);
  });

  it('parses blkio entry lines and skips the Total line', () => {
    expect(parseBlkioEntries('8:16 Async 5\n8:16 Total 5\nTotal 5\n')).toEqual([
      { major: 8, minor: 16, op: 'Async', value: 5 },
      { major: 8, minor: 16, op: 'Total', value: 5 },
    ]);
  });
});

describe('containerEvents', () => {
  it('yields stats at once, an oom event per new OOM kill, and ends when the container stops', async () => {
    let kills = 0;
    let polls = 0;
    const stats = { cpu: { usage: { kernel: 0, user: 0 }, throttling: {} } } as unknown as Stats;
    const seen: RuntimeEvent[] = [];
    for await (const e of containerEvents(
      {
        id: 'c1',
        stats: async () => stats,
        oomKills: async () => kills,
        running: async () => {
          polls++;
          if (polls === 2) kills = 2; // two OOM kills happen after the first round
          return polls < 4;
        },
      },
      60_000,
    )) {
      seen.push(e);
    }
    expect(seen).toEqual([{ type: 'stats', id: 'c1', data: stats }, { type: 'oom', id: 'c1' }, { type: 'oom', id: 'c1' }]);
  });
});
