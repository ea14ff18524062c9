// Root-only: runc's --preserve-fds (the caller's fds become the process's fds 3, 4, …)
// and the session keyring a container gets unless --no-new-keyring.
import { closeSync, readFileSync, readSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pipe } from '@ce/native';
import { defaultSpec } from '../../src/spec/default-spec.js';
import type { Spec } from '../../src/spec/types.js';
import { collect, Fixture, isRoot } from './helpers.js';

function readAll(fd: number): string {
  const buf = Buffer.alloc(4096);
  const n = readSync(fd, buf);
  return buf.subarray(0, n).toString();
}

describe.skipIf(!isRoot)('preserved fds and session keyrings (root)', () => {
  let f: Fixture;
  const opened: number[] = [];
  beforeEach(() => {
    f = new Fixture();
  });
  afterEach(async () => {
    for (const fd of opened.splice(0)) closeSync(fd);
    expect(await f.cleanup()).toEqual([]);
  });

  const pipes = (n: number) =>
    Array.from({ length: n }, () => {
      const [r, w] = pipe();
      opened.push(r);
      return { r, w };
    });

  it('passes preserved fds to the container process as fds 3 and 4, and nothing else', async () => {
    const [a, b] = pipes(2);
    f.writeSpec(['sh', '-c', 'echo first >&3; echo second >&4; ls -1 /proc/$$/fd; true']);
    const c = await f.rt.create('c1', f.bundle, { stdio: ['ignore', 'pipe', 'pipe'], preserveFds: [a!.w, b!.w] });
    closeSync(a!.w);
    closeSync(b!.w);
    const out = collect(c.stdout);
    const err = collect(c.stderr);
    await f.rt.start('c1');
    expect((await c.exited).exitStatus).toBe(0);
    expect(await err).toBe('');
    expect(readAll(a!.r)).toBe('first\n');
    expect(readAll(b!.r)).toBe('second\n');
    expect((await out).trim().split('\n').map(Number).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4]);
  });

  it('passes preserved fds to an exec’d process', async () => {
    const [a] = pipes(1);
    f.writeSpec(['sleep', '30']);
    const init = await f.rt.create('c1', f.bundle);
    await f.rt.start('c1');
    const p = await f.rt.exec('c1', { ...defaultSpec().process!, args: ['sh', '-c', 'echo from-exec >&3'] }, { preserveFds: [a!.w] });
    closeSync(a!.w);
    expect((await p.exited).exitStatus).toBe(0);
    expect(readAll(a!.r)).toBe('from-exec\n');
    await expect(f.rt.exec('c1', { ...defaultSpec().process!, args: ['true'] }, { preserveFds: [1.5] })).rejects.toMatchObject({
      code: 'InvalidArgument',
      message: expect.stringContaining('preserveFds: 1.5'),
    });
    await f.rt.kill('c1', 'KILL');
    await init.exited;
  });

  it('refuses something that is not an fd', async () => {
    f.writeSpec(['true']);
    await expect(f.rt.create('c1', f.bundle, { preserveFds: [-1] })).rejects.toMatchObject({ code: 'InvalidArgument', message: expect.stringContaining('preserveFds: -1') });
  });

  it('gives the container a session keyring of its own (_ses.<id>), and the caller’s with noNewKeyring', async () => {
    const keysSpec = (s: Spec) => {
      // Docker masks /proc/keys; the test reads the keyrings the container's process can see
      s.linux!.maskedPaths = (s.linux!.maskedPaths ?? []).filter((p) => p !== '/proc/keys');
    };
    f.writeSpec(['cat', '/proc/keys'], keysSpec);
    const own = await f.rt.create('own', f.bundle, { stdio: ['ignore', 'pipe', 'pipe'] });
    const ownOut = collect(own.stdout);
    await f.rt.start('own');
    expect((await own.exited).exitStatus).toBe(0);
    expect(await ownOut).toMatch(/ keyring +_ses\.own: /);

    const shared = await f.rt.create('shared', f.bundle, { stdio: ['ignore', 'pipe', 'pipe'], noNewKeyring: true });
    const sharedOut = collect(shared.stdout);
    await f.rt.start('shared');
    expect((await shared.exited).exitStatus).toBe(0);
    expect(await sharedOut).not.toMatch(/_ses\.shared/);
  });

  it('joins an exec’d process to the container’s session keyring, not the caller’s', async () => {
    f.writeSpec(['sleep', '30'], (s) => {
      s.linux!.maskedPaths = (s.linux!.maskedPaths ?? []).filter((p) => p !== '/proc/keys');
    });
    // An id of this run's own: keyrings of earlier runs' containers may linger in /proc/keys under their names.
    const id = `kr${process.pid}`;
    const init = await f.rt.create(id, f.bundle);
    await f.rt.start(id);
    // Root may view any keyring, so /proc/keys lists _ses.<id> either way; its usage count (3rd column)
    // tells whether the exec'd shell and its cat hold it as their session keyring.
    const line = new RegExp(` keyring +_ses\\.${id}: `);
    const usage = (keys: string) => Number(keys.split('\n').find((l) => line.test(l))?.trim().split(/\s+/)[2]);
    const before = usage(readFileSync('/proc/keys', 'utf8'));
    const p = await f.rt.exec(id, { ...defaultSpec().process!, args: ['sh', '-c', 'cat /proc/keys'] }, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = await collect(p.stdout);
    expect((await p.exited).exitStatus).toBe(0);
    expect(before).toBeGreaterThan(0);
    expect(usage(out)).toBeGreaterThanOrEqual(before + 2);
    await f.rt.kill(id, 'KILL');
    await init.exited;
  });
});
