// Root-only: pause/resume, update, stats, events (with a real OOM kill) and ps on this machine's cgroups.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RuntimeEvent } from '../../src/cgroups/stats-types.js';
import { createCgroupManager } from '../../src/cgroups/index.js';
import { Fixture, isRoot } from './helpers.js';


describe.skipIf(!isRoot)('lifecycle operations (root)', () => {
  let f: Fixture;
  beforeEach(() => {
    f = new Fixture();
  });
  afterEach(async () => {
    expect(await f.cleanup()).toEqual([]);
  });

  it('pauses and resumes: status paused from the freezer, the counter stops and goes on', async () => {
    f.writeSpec(['sh', '-c', 'while true; do echo -n . >> /tmp/count; done'], (s) => {
      s.linux!.cgroupsPath = f.cgroupName;
    });
    const c = await f.rt.create('p1', f.bundle);
    await f.rt.start('p1');
    for (let i = 0; i < 500 && !existsSync(join(f.rootfs, 'tmp/count')); i++) await new Promise((r) => setTimeout(r, 20));
    await f.rt.pause('p1');
    expect((await f.rt.state('p1')).status).toBe('paused');
    const cg = createCgroupManager();
    const freezerDir = [...cg.paths(f.cgroupName).entries()].find(([k]) => k.split(',').includes('freezer'))?.[1];
    if (freezerDir) expect(readFileSync(join(freezerDir, 'freezer.state'), 'utf8').trim()).toBe('FROZEN');
    const count = () => statSync(join(f.rootfs, 'tmp/count')).size;
    const before = count();
    await new Promise((r) => setTimeout(r, 150));
    expect(count()).toBe(before);
    await expect(f.rt.pause('p1')).rejects.toThrow(/it is paused, not running/);
    await f.rt.resume('p1');
    expect((await f.rt.state('p1')).status).toBe('running');
    for (let i = 0; i < 500 && count() === before; i++) await new Promise((r) => setTimeout(r, 20));
    expect(count()).toBeGreaterThan(before);
    await expect(f.rt.resume('p1')).rejects.toThrow(/it is running, not paused/);
    // a paused container is killed by a forced delete (thawed so SIGKILL lands)
    await f.rt.pause('p1');
    await f.rt.delete('p1', { force: true });
    await c.exited;
  });

  it('updates limits on the live cgroup and reports them in stats; ps lists the processes', async () => {
    f.writeSpec(['sh', '-c', 'sleep 100 & sleep 100 & wait'], (s) => {
      s.linux!.cgroupsPath = f.cgroupName;
      s.linux!.resources = { ...s.linux!.resources, memory: { limit: 256 << 20 }, pids: { limit: 100 } };
    });
    const c = await f.rt.create('u1', f.bundle);
    await f.rt.start('u1');
    // sh forks its two sleeps after start returns: wait for them (bounded), so that stats count them too.
    let pids: number[] = [];
    for (const deadline = Date.now() + 15_000; pids.length < 3 && Date.now() < deadline; ) {
      pids = await f.rt.ps('u1');
      if (pids.length < 3) await new Promise((r) => setTimeout(r, 20));
    }
    expect(pids).toContain(c.pid);
    expect(pids.length).toBe(3); // sh and its two sleeps
    await f.rt.update('u1', { memory: { limit: 64 << 20 }, pids: { limit: 20 }, cpu: { shares: 512 } });
    const s = await f.rt.stats('u1');
    expect(s.memory.usage.limit).toBe(64 << 20);
    expect(s.memory.usage.usage).toBeGreaterThan(0);
    expect(s.pids.limit).toBe(20);
    expect(s.pids.current).toBe(3);
    expect(s.cpu.usage.total).toBeGreaterThan(0);
    const cg = createCgroupManager();
    const cpuDir = [...cg.paths(f.cgroupName).entries()].find(([k]) => k.split(',').includes('cpu'))?.[1];
    if (cpuDir) expect(readFileSync(join(cpuDir, 'cpu.shares'), 'utf8').trim()).toBe('512');
    await expect(f.rt.update('u1', { pids: { limit: 'x' as unknown as number } })).rejects.toThrow('linux.resources.pids.limit: must be an integer');
    await f.rt.kill('u1', 'KILL', { all: true });
    await c.exited;
    await expect(f.rt.stats('u1')).rejects.toThrow(/is not running/);
  });

  it('events: stats at once, then an oom event when the OOM killer kills in the container', async () => {
    f.writeSpec(['sh', '-c', 'sleep 0.3; a=xxxxxxxxxxxxxxxx; while true; do a="$a$a"; done'], (s) => {
      s.linux!.cgroupsPath = f.cgroupName;
      s.linux!.resources = { ...s.linux!.resources, memory: { limit: 16 << 20 } };
    });
    const c = await f.rt.create('o1', f.bundle);
    await f.rt.start('o1');
    const seen: RuntimeEvent[] = [];
    for await (const e of f.rt.events('o1', { intervalMs: 60_000 })) seen.push(e);
    expect(seen[0]).toMatchObject({ type: 'stats', id: 'o1', data: { memory: { usage: { limit: 16 << 20 } } } });
    expect(seen.filter((e) => e.type === 'oom').length).toBeGreaterThanOrEqual(1);
    expect((await c.exited).exitStatus).toBe(137);
    await expect(f.rt.events('o1').next()).rejects.toThrow(/is not running/);
  });
});
