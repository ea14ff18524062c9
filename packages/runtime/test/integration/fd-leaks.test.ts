// Root-only: no fd of the runtime's process reaches a container (CVE-2024-21626 class).
import { openSync, closeSync, readdirSync, readlinkSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultSpec } from '../../src/spec/default-spec.js';
import { collect, Fixture, isRoot, run } from './helpers.js';

/** Lists the fds of the shell itself from a child (ls would list its own directory fd too); no pipeline, whose pipes the shell holds. */
const LIST_SHELL_FDS = 'ls -1 /proc/$$/fd';
const fdList = (out: string) => out.trim().split('\n').map(Number).sort((a, b) => a - b);

describe.skipIf(!isRoot)('fd leaks (root)', () => {
  let f: Fixture;
  let hostDir: number | undefined;
  beforeEach(() => {
    f = new Fixture();
  });
  afterEach(async () => {
    if (hostDir !== undefined) closeSync(hostDir);
    hostDir = undefined;
    expect(await f.cleanup()).toEqual([]);
  });

  it('a created container’s helper holds only its stdio and the exec fifo, and its process sees fds 0-2 only', async () => {
    hostDir = openSync('/etc', 'r'); // an fd of the runtime's process that must not reach the container
    f.writeSpec(['sh', '-c', `${LIST_SHELL_FDS}; true`]);
    const c = await f.rt.create('c1', f.bundle, { stdio: ['ignore', 'pipe', 'pipe'] });
    // The helper closes its sync fds just after it reports ready (which ends create): within a bound.
    await vi.waitFor(() => {
      const held = readdirSync(`/proc/${c.pid}/fd`).map((fd) => `${fd} ${readlinkSync(`/proc/${c.pid}/fd/${fd}`)}`);
      expect(held.map((h) => h.split(' ')[0])).toEqual(['0', '1', '2', expect.any(String)]);
      expect(held[3]).toMatch(/ \/.*\/c1\/exec\.fifo$/);
    }, { timeout: 5_000, interval: 20 });
    const out = collect(c.stdout);
    const err = collect(c.stderr);
    await f.rt.start('c1');
    expect((await c.exited).exitStatus).toBe(0);
    expect(await err).toBe('');
    expect(fdList(await out)).toEqual([0, 1, 2]);
  });

  it('an exec’d process sees fds 0-2 only', async () => {
    hostDir = openSync('/etc', 'r');
    f.writeSpec(['sleep', '30']);
    const init = await f.rt.create('c1', f.bundle);
    await f.rt.start('c1');
    const p = await f.rt.exec('c1', { ...defaultSpec().process!, args: ['sh', '-c', `${LIST_SHELL_FDS}; true`] }, { stdio: ['ignore', 'pipe', 'pipe'] });
    const [out, err] = await Promise.all([collect(p.stdout), collect(p.stderr)]);
    expect((await p.exited).exitStatus).toBe(0);
    expect(err).toBe('');
    expect(fdList(out)).toEqual([0, 1, 2]);
    await f.rt.kill('c1', 'KILL');
    await init.exited;
  });

  it('refuses a cwd of /proc/self/fd/<n>: no fd of the helper leads out of the container', async () => {
    hostDir = openSync('/etc', 'r');
    for (let n = 3; n <= 12; n++) {
      f.writeSpec(['sh', '-c', 'pwd; ls'], (s) => {
        s.process!.cwd = `/proc/self/fd/${n}`;
      });
      const created = f.rt.create(`c${n}`, f.bundle, { stdio: ['ignore', 'pipe', 'pipe'] });
      await expect(created, `cwd /proc/self/fd/${n}`).rejects.toMatchObject({
        code: 'FailedPrecondition',
        message: expect.stringMatching(new RegExp(`^chdir to cwd \\("/proc/self/fd/${n}"\\) set in config.json failed`)),
      });
    }
    expect(await f.rt.list()).toEqual([]);
  });

  it('refuses the same cwd for an exec', async () => {
    hostDir = openSync('/etc', 'r');
    f.writeSpec(['sleep', '30']);
    const init = await f.rt.create('c1', f.bundle);
    await f.rt.start('c1');
    for (let n = 3; n <= 12; n++) {
      await expect(f.rt.exec('c1', { ...defaultSpec().process!, cwd: `/proc/self/fd/${n}`, args: ['pwd'] })).rejects.toMatchObject({
        code: 'FailedPrecondition',
      });
    }
    await f.rt.kill('c1', 'KILL');
    await init.exited;
  });
});
