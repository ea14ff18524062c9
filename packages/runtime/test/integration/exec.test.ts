// Root-only: exec of another process into a running container.
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RuntimeError } from '../../src/errors.js';
import { defaultSpec } from '../../src/spec/default-spec.js';
import type { Process } from '../../src/spec/types.js';
import { collect, Fixture, isRoot } from './helpers.js';

function proc(args: string[], mut?: (p: Process) => void): Process {
  const p = { ...defaultSpec().process!, args };
  mut?.(p);
  return p;
}

describe.skipIf(!isRoot)('exec (root)', () => {
  let f: Fixture;
  beforeEach(() => {
    f = new Fixture();
  });
  afterEach(async () => {
    expect(await f.cleanup()).toEqual([]);
  });

  it('runs a process in the namespaces and cgroup of a running container', async () => {
    f.writeSpec(['sleep', '30'], (s) => {
      s.hostname = 'execbox';
      s.linux!.cgroupsPath = f.cgroupName;
    });
    const init = await f.rt.create('c1', f.bundle);
    await f.rt.start('c1');
    const p = await f.rt.exec(
      'c1',
      // It waits for its stdin to close before it ends, so that its cgroup is read while it runs.
      proc(['sh', '-c', 'echo $$ "$FOO"; hostname; pwd; tr "\\0" " " < /proc/1/cmdline; echo; grep :pids: /proc/self/cgroup; id -u; cat > /dev/null; exit 7'], (p) => {
        p.env = [...p.env!, 'FOO=bar'];
        p.cwd = '/tmp';
        p.user = { uid: 123, gid: 456 };
      }),
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const out = collect(p.stdout);
    const err = collect(p.stderr);
    expect(p.pid).not.toBe(init.pid);
    expect(readFileSync(`/proc/${p.pid}/cgroup`, 'utf8')).toContain(f.cgroupName);
    p.stdin!.end();
    expect((await p.exited).exitStatus).toBe(7);
    expect(await err).toBe('');
    const lines = (await out).trim().split('\n');
    expect(Number(lines[0]!.split(' ')[0])).toBeGreaterThan(1); // not the init, but in its pid namespace
    expect(lines[0]!.split(' ')[1]).toBe('bar');
    expect(lines.slice(1, 4)).toEqual(['execbox', '/tmp', 'sleep 30 ']);
    expect(lines[4]).toMatch(new RegExp(`/${f.cgroupName}$`));
    expect(lines[5]).toBe('123');
    expect((await f.rt.state('c1')).status).toBe('running');
  });

  it('fails like create on a missing executable, and refuses a stopped container', async () => {
    f.writeSpec(['sleep', '30']);
    const init = await f.rt.create('c1', f.bundle);
    await f.rt.start('c1');
    await expect(f.rt.exec('c1', proc(['nope']))).rejects.toMatchObject({
      code: 'FailedPrecondition',
      message: 'exec: "nope": executable file not found in $PATH',
      op: 'exec',
      errno: 'ENOENT',
      path: 'nope',
    });
    await expect(f.rt.exec('c1', proc([]))).rejects.toBeInstanceOf(RuntimeError);
    await expect(f.rt.exec('c1', proc([]))).rejects.toThrow('invalid process: process.args: must be a non-empty array');
    await f.rt.kill('c1', 'KILL');
    await init.exited;
    await expect(f.rt.exec('c1', proc(['true']))).rejects.toMatchObject({ code: 'FailedPrecondition' });
    await expect(f.rt.exec('nope', proc(['true']))).rejects.toMatchObject({ code: 'NotFound' });
  });
});
