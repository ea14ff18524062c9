import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CgroupHybridManager, createCgroupManager } from '../../src/cgroups/index.js';
import { detectLayout } from '../../src/cgroups/detect.js';
import { CgroupV1Manager, DEFAULT_ALLOWED_DEVICE_RULES, deviceRule } from '../../src/cgroups/v1.js';
import { CgroupV2Manager, cpuMax, sharesToWeight } from '../../src/cgroups/v2.js';

/** mountinfo lines for cgroup mounts below `root` (a fake /sys/fs/cgroup). */
function mountinfo(root: string, kind: 'v1' | 'v2' | 'hybrid'): string {
  const lines: string[] = [
    '22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
    `25 22 0:21 / ${root} ro,nosuid,nodev,noexec shared:4 - tmpfs tmpfs ro,mode=755`,
  ];
  if (kind === 'v2') return [lines[0], `25 22 0:21 / ${root} rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate`].join('\n');
  if (kind === 'hybrid') lines.push(`26 25 0:22 / ${root}/unified rw,nosuid shared:5 - cgroup2 cgroup2 rw,nsdelegate`);
  lines.push(`27 25 0:23 / ${root}/systemd rw shared:6 - cgroup cgroup rw,xattr,name=systemd`);
  lines.push(`28 25 0:24 / ${root}/cpu,cpuacct rw shared:7 - cgroup cgroup rw,cpu,cpuacct`);
  lines.push(`29 25 0:25 / ${root}/memory rw shared:8 - cgroup cgroup rw,memory`);
  lines.push(`30 25 0:26 / ${root}/pids rw shared:9 - cgroup cgroup rw,pids`);
  lines.push(`31 25 0:27 / ${root}/cpuset rw shared:10 - cgroup cgroup rw,cpuset`);
  lines.push(`32 25 0:28 / ${root}/devices rw shared:11 - cgroup cgroup rw,devices`);
  return lines.join('\n');
}

const procSelfV1 = ['6:devices:/', '5:cpuset:/', '4:pids:/user.slice', '3:memory:/user.slice', '2:cpu,cpuacct:/user.slice', '1:name=systemd:/user.slice/s1', '0::/user.slice/s1'].join('\n');

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'ce-cgroup-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('detection', () => {
  it('tells v1, v2 and hybrid apart', () => {
    expect(detectLayout(mountinfo(root, 'v1'), procSelfV1).mode).toBe('v1');
    expect(detectLayout(mountinfo(root, 'v2'), '0::/user.slice/s1\n').mode).toBe('v2');
    const hybrid = detectLayout(mountinfo(root, 'hybrid'), procSelfV1);
    expect(hybrid.mode).toBe('hybrid');
    expect(hybrid.unified?.mountpoint).toBe(`${root}/unified`);
    expect(hybrid.v1.map((h) => h.controllers.join(','))).toEqual(['name=systemd', 'cpu,cpuacct', 'memory', 'pids', 'cpuset', 'devices']);
    expect(createCgroupManager(hybrid)).toBeInstanceOf(CgroupHybridManager);
    expect(createCgroupManager(detectLayout(mountinfo(root, 'v2'), '0::/\n'))).toBeInstanceOf(CgroupV2Manager);
  });
});

describe('path computation', () => {
  it('v1: absolute paths from each hierarchy root, relative ones below our own cgroup', () => {
    const m = new CgroupV1Manager(detectLayout(mountinfo(root, 'v1'), procSelfV1));
    expect(Object.fromEntries(m.paths('/ce/c1'))).toEqual({
      'name=systemd': `${root}/systemd/ce/c1`,
      'cpu,cpuacct': `${root}/cpu,cpuacct/ce/c1`,
      memory: `${root}/memory/ce/c1`,
      pids: `${root}/pids/ce/c1`,
      cpuset: `${root}/cpuset/ce/c1`,
      devices: `${root}/devices/ce/c1`,
    });
    const rel = m.paths('c1');
    expect(rel.get('memory')).toBe(`${root}/memory/user.slice/c1`);
    expect(rel.get('devices')).toBe(`${root}/devices/c1`);
    expect(rel.get('name=systemd')).toBe(`${root}/systemd/user.slice/s1/c1`);
  });

  it('v2: one directory in the unified tree', () => {
    const m = new CgroupV2Manager(detectLayout(mountinfo(root, 'v2'), '0::/user.slice/s1\n'));
    expect([...m.paths('/ce/c1')]).toEqual([['', `${root}/ce/c1`]]);
    expect(m.path('c1')).toBe(`${root}/user.slice/s1/c1`);
  });

  it('hybrid: the v1 directories plus the unified one', () => {
    const m = new CgroupHybridManager(detectLayout(mountinfo(root, 'hybrid'), procSelfV1));
    const paths = m.paths('/ce/c1');
    expect(paths.get('')).toBe(`${root}/unified/ce/c1`);
    expect(paths.get('memory')).toBe(`${root}/memory/ce/c1`);
    expect(paths.size).toBe(7);
  });

  it('accounts for a hierarchy mounted from a non-root cgroup', () => {
    const info = `40 1 0:30 /outer ${root}/memory rw - cgroup cgroup rw,memory`;
    const m = new CgroupV1Manager(detectLayout(info, '3:memory:/outer/me\n'));
    expect(m.paths('c1').get('memory')).toBe(`${root}/memory/me/c1`);
    expect(m.paths('/outer/x').get('memory')).toBe(`${root}/memory/x`);
  });
});

describe('applying resources on a fake cgroup fs', () => {
  it('v1 writes limits, device rules and copies cpuset from the parent', async () => {
    for (const d of ['memory', 'pids', 'cpu,cpuacct', 'devices', 'systemd', 'cpuset']) mkdirSync(join(root, d));
    writeFileSync(join(root, 'cpuset/cpuset.cpus'), '0-3\n');
    writeFileSync(join(root, 'cpuset/cpuset.mems'), '0\n');
    mkdirSync(join(root, 'cpuset/ce'));
    writeFileSync(join(root, 'cpuset/ce/cpuset.cpus'), '\n');
    writeFileSync(join(root, 'cpuset/ce/cpuset.mems'), '\n');
    const m = new CgroupV1Manager(detectLayout(mountinfo(root, 'v1'), procSelfV1));
    await m.apply('/ce/c1', {
      memory: { limit: 64 << 20 },
      pids: { limit: 50 },
      cpu: { shares: 512, quota: 50000, period: 100000, mems: '0' },
      devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, { allow: true, type: 'c', major: 136, access: 'rwm' }],
    });
    const read = (p: string) => readFileSync(join(root, p), 'utf8');
    expect(read('memory/ce/c1/memory.limit_in_bytes')).toBe(String(64 << 20));
    expect(read('pids/ce/c1/pids.max')).toBe('50');
    expect(read('cpu,cpuacct/ce/c1/cpu.shares')).toBe('512');
    expect(read('cpu,cpuacct/ce/c1/cpu.cfs_quota_us')).toBe('50000');
    expect(read('cpuset/ce/cpuset.cpus')).toBe('0-3');
    // the fake keeps the last write: runc's default allowed devices come after the config's rules
    expect(read('devices/ce/c1/devices.allow')).toBe(DEFAULT_ALLOWED_DEVICE_RULES.at(-1));
    expect(read('devices/ce/c1/devices.deny')).toBe('a');
    expect(deviceRule({ allow: true, type: 'b', major: 8, minor: -1, access: 'r' })).toBe('b 8:* r');
    await m.addProcess('/ce/c1', 1234);
    expect(read('memory/ce/c1/cgroup.procs')).toBe('1234');
    expect(await m.pids('/ce/c1')).toEqual([1234]);
  });

  it('v2 enables controllers down the path and writes the unified files', async () => {
    writeFileSync(join(root, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
    const m = new CgroupV2Manager(detectLayout(mountinfo(root, 'v2'), '0::/\n'));
    await m.apply('/ce/c1', { memory: { limit: 1 << 20, swap: 2 << 20 }, pids: { limit: 0 }, cpu: { shares: 1024, quota: 20000 } });
    const read = (p: string) => readFileSync(join(root, p), 'utf8');
    expect(read('cgroup.subtree_control')).toBe('+cpuset +cpu +io +memory +pids');
    expect(read('ce/c1/memory.max')).toBe(String(1 << 20));
    expect(read('ce/c1/pids.max')).toBe('max');
    expect(read('ce/c1/cpu.weight')).toBe('39');
    expect(read('ce/c1/cpu.max')).toBe('20000 100000');
    expect(sharesToWeight(2)).toBe(1);
    expect(sharesToWeight(262144)).toBe(10000);
    expect(cpuMax(-1, 50000)).toBe('max 50000');
  });

  it('v1 mount plan binds the container cgroup of each hierarchy and links co-mounted controllers', () => {
    const m = new CgroupV1Manager(detectLayout(mountinfo(root, 'v1'), procSelfV1));
    const plan = m.mountPlan('/ce/c1');
    expect(plan.kind).toBe('v1');
    if (plan.kind !== 'v1') return;
    expect(plan.binds.find((b) => b.name === 'cpu,cpuacct')).toEqual({ name: 'cpu,cpuacct', hostPath: `${root}/cpu,cpuacct/ce/c1` });
    expect(plan.binds.find((b) => b.name === 'systemd')).toEqual({ name: 'systemd', hostPath: `${root}/systemd/ce/c1` });
    expect(plan.links).toEqual([
      { name: 'cpu', target: 'cpu,cpuacct' },
      { name: 'cpuacct', target: 'cpu,cpuacct' },
    ]);
    // without a cgroupsPath the container stays in (and sees) the runtime's own cgroup
    const own = m.mountPlan(undefined);
    expect(own.kind === 'v1' && own.binds.find((b) => b.name === 'memory')?.hostPath).toBe(`${root}/memory/user.slice`);
  });
});
