// Root-only: the container's cgroup on this machine's hierarchy (hybrid here: v1 controllers).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCgroupManager } from '../../src/cgroups/index.js';
import { cgroupDirs, collect, Fixture, isRoot, run } from './helpers.js';

describe.skipIf(!isRoot)('cgroups (root)', () => {
  let f: Fixture;
  beforeEach(() => {
    f = new Fixture();
  });
  afterEach(async () => {
    expect(await f.cleanup()).toEqual([]);
  });

  it('puts the init in linux.cgroupsPath with its limits before start, and delete removes the cgroup', async () => {
    const cg = createCgroupManager();
    f.writeSpec(['sh', '-c', 'cat /proc/self/cgroup; read x'], (s) => {
      s.linux!.cgroupsPath = f.cgroupName;
      s.linux!.resources = { ...s.linux!.resources, memory: { limit: 64 * 1024 * 1024, kernelTCP: 48 * 1024 * 1024 }, pids: { limit: 32 }, cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0' } };
    });
    const c = await f.rt.create('c1', f.bundle, { stdio: ['pipe', 'pipe', 'ignore'] });
    const out = collect(c.stdout);
    const paths = cg.paths(f.cgroupName);
    expect(paths.size).toBeGreaterThan(0);
    for (const dir of paths.values()) {
      expect(readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n')).toContain(String(c.pid));
    }
    if (cg.mode !== 'v2') {
      const v1 = (ctrl: string, file: string) => {
        const dir = [...paths].find(([k]) => k.split(',').includes(ctrl))?.[1];
        return dir ? readFileSync(join(dir, file), 'utf8').trim() : undefined;
      };
      expect(v1('memory', 'memory.limit_in_bytes')).toBe(String(64 * 1024 * 1024));
      expect(v1('memory', 'memory.kmem.tcp.limit_in_bytes')).toBe(String(48 * 1024 * 1024));
      expect(v1('pids', 'pids.max')).toBe('32');
      expect(v1('cpu', 'cpu.shares')).toBe('512');
      expect(v1('cpu', 'cpu.cfs_quota_us')).toBe('50000');
      expect(v1('cpuset', 'cpuset.cpus')).toBe('0');
      expect(v1('devices', 'devices.list')).toContain('c 1:3 rwm');
    } else {
      const dir = paths.get('')!;
      expect(readFileSync(join(dir, 'memory.max'), 'utf8').trim()).toBe(String(64 * 1024 * 1024));
      expect(readFileSync(join(dir, 'pids.max'), 'utf8').trim()).toBe('32');
    }
    await f.rt.start('c1');
    c.stdin!.end('\n');
    expect((await c.exited).exitStatus).toBe(0);
    const lines = (await out).trim().split('\n');
    expect(lines.find((l) => l.includes(':pids:'))).toMatch(new RegExp(`/${f.cgroupName}$`));

    expect(cgroupDirs(f.cgroupName).length).toBeGreaterThan(0);
    await f.rt.delete('c1');
    expect(cgroupDirs(f.cgroupName)).toEqual([]);
    for (const dir of paths.values()) expect(existsSync(dir)).toBe(false);
  });

  it('shows the container its own cgroup under /sys/fs/cgroup, read-only, and enforces device rules', async () => {
    f.writeSpec(
      [
        'sh',
        '-c',
        'cat /sys/fs/cgroup/pids/pids.max; echo 1 > /sys/fs/cgroup/pids/pids.max 2>/dev/null || echo ro; mknod /tmp/disk b 7 0 && (cat /tmp/disk > /dev/null) 2>&1 | grep -o "Operation not permitted"; exit 0',
      ],
      (s) => {
        s.linux!.cgroupsPath = f.cgroupName;
        s.linux!.resources = { ...s.linux!.resources, pids: { limit: 99 } };
      },
    );
    const r = await run(f, 'c1');
    if (createCgroupManager().mode === 'v2') return; // the v1 layout is what this machine has
    expect(r.stdout).toBe('99\nro\nOperation not permitted\n');
  });

  it('kill --all signals every process of the cgroup', async () => {
    f.writeSpec(['sh', '-c', 'sleep 30 & sleep 30 & echo started; wait'], (s) => {
      s.linux!.cgroupsPath = f.cgroupName;
    });
    const c = await f.rt.create('c1', f.bundle, { stdio: ['ignore', 'pipe', 'ignore'] });
    const started = new Promise<void>((resolve) => c.stdout!.once('data', () => resolve()));
    await f.rt.start('c1');
    await started;
    const cg = createCgroupManager();
    expect((await cg.pids(f.cgroupName)).length).toBe(3);
    await f.rt.kill('c1', 'KILL', { all: true });
    expect((await c.exited).signal).toBe(9);
    await f.rt.delete('c1');
    expect(cgroupDirs(f.cgroupName)).toEqual([]);
  });
});
