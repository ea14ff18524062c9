// Root-only: create/start/state/kill/delete against real processes.
import { existsSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RuntimeError } from '../../src/errors.js';
import { childProcesses, collect, Fixture, isRoot, stateDirExists } from './helpers.js';

async function rejection(p: Promise<unknown>): Promise<RuntimeError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(RuntimeError);
    return err as RuntimeError;
  }
  throw new Error('expected a rejection');
}

describe.skipIf(!isRoot)('container lifecycle (root)', () => {
  let f: Fixture;
  beforeEach(() => {
    f = new Fixture();
  });
  afterEach(async () => {
    expect(await f.cleanup()).toEqual([]);
  });

  it('goes created → running → stopped, with stdin piped in', async () => {
    f.writeSpec(['sh', '-c', 'read line; echo "got $line"']);
    const c = await f.rt.create('c1', f.bundle, { stdio: ['pipe', 'pipe', 'ignore'] });
    const out = collect(c.stdout);
    const st = await f.rt.state('c1');
    expect(st).toMatchObject({ id: 'c1', status: 'created', pid: c.pid, bundle: f.bundle, ociVersion: '1.2.0', annotations: {} });
    expect(new Date(st.created).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(existsSync(join(f.stateRoot, 'c1', 'exec.fifo'))).toBe(true);
    // the process waits at the barrier: it has not run the shell yet
    await new Promise((r) => setTimeout(r, 100));
    expect((await f.rt.state('c1')).status).toBe('created');

    await f.rt.start('c1');
    expect((await f.rt.state('c1')).status).toBe('running');
    expect(existsSync(join(f.stateRoot, 'c1', 'exec.fifo'))).toBe(false);
    await expect(f.rt.start('c1')).rejects.toMatchObject({ code: 'FailedPrecondition' });

    c.stdin!.end('hello\n');
    expect(await c.exited).toMatchObject({ exitStatus: 0, signal: null });
    expect(await out).toBe('got hello\n');
    expect(await f.rt.state('c1')).toMatchObject({ status: 'stopped', pid: 0 });
    expect((await f.rt.list()).map((s) => [s.id, s.status])).toEqual([['c1', 'stopped']]);

    await f.rt.delete('c1');
    expect(stateDirExists(f, 'c1')).toBe(false);
    await expect(f.rt.state('c1')).rejects.toMatchObject({ code: 'NotFound' });
  });

  it('kill SIGTERM ends a process with 143 (no pid namespace, so no pid-1 signal shield)', async () => {
    f.writeSpec(['sleep', '30'], (s) => {
      s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'pid');
    });
    const c = await f.rt.create('c1', f.bundle);
    await f.rt.start('c1');
    await f.rt.kill('c1', 'SIGTERM');
    expect(await c.exited).toMatchObject({ exitStatus: 143, signal: 15 });
    await expect(f.rt.kill('c1', 'TERM')).rejects.toMatchObject({ code: 'FailedPrecondition' });
  });

  it('kill reaches a pid-1 shell that traps TERM, and KILL ends it with 137', async () => {
    f.writeSpec(['sh', '-c', 'trap "echo trapped; exit 143" TERM; echo ready; while true; do sleep 0.05; done']);
    const c = await f.rt.create('c1', f.bundle, { stdio: ['ignore', 'pipe', 'ignore'] });
    const ready = new Promise<void>((resolve) => c.stdout!.once('data', () => resolve()));
    const out = collect(c.stdout);
    await f.rt.start('c1');
    await ready; // the trap is set
    await f.rt.kill('c1', 15);
    expect((await c.exited).exitStatus).toBe(143);
    expect(await out).toBe('ready\ntrapped\n');

    f.writeSpec(['sleep', '30']);
    const d = await f.rt.create('c2', f.bundle);
    await f.rt.start('c2');
    await f.rt.kill('c2', 'KILL', { all: true });
    expect(await d.exited).toMatchObject({ exitStatus: 137, signal: 9 });
  });

  it('kill of a created container ends it before it runs anything', async () => {
    f.writeSpec(['sh', '-c', 'echo should-not-run']);
    const c = await f.rt.create('c1', f.bundle, { stdio: ['ignore', 'pipe', 'ignore'] });
    const out = collect(c.stdout);
    await f.rt.kill('c1', 'SIGTERM');
    expect((await c.exited).exitStatus).toBe(143);
    expect(await out).toBe('');
    expect((await f.rt.state('c1')).status).toBe('stopped');
  });

  it('fails create on a missing executable with runc\'s message and leaves nothing behind', async () => {
    f.writeSpec(['nope-not-here']);
    const err = await rejection(f.rt.create('c1', f.bundle, { stdio: ['ignore', 'pipe', 'pipe'] }));
    expect(err.message).toBe('exec: "nope-not-here": executable file not found in $PATH');
    expect(err.code).toBe('FailedPrecondition');
    // the facts, for the 127/126 decision
    expect(err).toMatchObject({ op: 'exec', errno: 'ENOENT', path: 'nope-not-here' });
    expect(stateDirExists(f, 'c1')).toBe(false);
    expect(readdirSync(f.stateRoot)).toEqual([]);
    expect(childProcesses()).toEqual([]);

    f.writeSpec(['/bin/nope']);
    expect(await rejection(f.rt.create('c1', f.bundle))).toMatchObject({
      message: 'exec: "/bin/nope": stat /bin/nope: No such file or directory',
      op: 'exec',
      errno: 'ENOENT',
      path: '/bin/nope',
    });
    writeFileSync(join(f.rootfs, 'bin/data'), 'not a program', { mode: 0o644 });
    f.writeSpec(['/bin/data']);
    expect(await rejection(f.rt.create('c1', f.bundle))).toMatchObject({ message: 'exec: "/bin/data": permission denied', op: 'exec', errno: 'EACCES' });
    f.writeSpec(['/bin']);
    expect(await rejection(f.rt.create('c1', f.bundle))).toMatchObject({ message: 'exec: "/bin": permission denied', op: 'exec', errno: 'EACCES' });
    f.writeSpec(['/bin/data/x']);
    expect(await rejection(f.rt.create('c1', f.bundle))).toMatchObject({ op: 'exec', errno: 'ENOTDIR', path: '/bin/data/x' });
    // a missing cwd is created (as runc does), but not below a file
    f.writeSpec(['sh'], (s) => {
      s.process!.cwd = '/bin/data/sub';
    });
    expect(await rejection(f.rt.create('c1', f.bundle))).toMatchObject({
      message: 'mkdir /bin/data/sub: Not a directory',
      op: 'mkdir',
      errno: 'ENOTDIR',
      path: '/bin/data/sub',
    });
    expect(readdirSync(f.stateRoot)).toEqual([]);
  });

  it('creates a missing cwd inside the rootfs, root-owned 0755, before the user changes, and sets HOME from passwd (as runc does)', async () => {
    writeFileSync(join(f.rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/nonexistent:/bin/false\n');
    f.writeSpec(['sh', '-c', 'echo $HOME; pwd; ls -ldn /does /does/not/exist | cut -c1-10'], (s) => {
      s.process!.cwd = '/does/not/exist';
      s.process!.user = { uid: 65534, gid: 65534 };
    });
    const c = await f.rt.create('c1', f.bundle, { stdio: ['ignore', 'pipe', 'pipe'] });
    const [out, err] = [collect(c.stdout), collect(c.stderr)];
    await f.rt.start('c1');
    expect(await c.exited).toMatchObject({ exitStatus: 0 });
    expect(await err).toBe('');
    expect(await out).toBe('/nonexistent\n/does/not/exist\ndrwxr-xr-x\ndrwxr-xr-x\n');
    await f.rt.delete('c1');
  });

  it('fails create naming the step and path when a mount fails', async () => {
    f.writeSpec(['sh'], (s) => {
      s.mounts!.push({ destination: '/weird', type: 'nosuchfs', source: 'none' });
    });
    const err = await rejection(f.rt.create('c1', f.bundle));
    expect(err.message).toBe('mount nosuchfs on /weird: No such device');
    expect(readdirSync(f.stateRoot)).toEqual([]);
    expect(childProcesses()).toEqual([]);
  });

  it('rejects an invalid config naming the JSON path, before creating anything', async () => {
    f.writeSpec([]);
    const err = await rejection(f.rt.create('c1', f.bundle));
    expect(err.code).toBe('InvalidArgument');
    expect(err.message).toContain('process.args: must be a non-empty array');
    expect(existsSync(join(f.stateRoot, 'c1'))).toBe(false);
    writeFileSync(join(f.bundle, 'config.json'), '{ nope');
    expect((await rejection(f.rt.create('c1', f.bundle))).code).toBe('InvalidArgument');
    expect((await rejection(f.rt.create('c1', join(f.dir, 'no-bundle')))).code).toBe('NotFound');
  });

  it('fails create when a namespace to join does not exist, reported by ce-init\'s parent', async () => {
    f.writeSpec(['sh'], (s) => {
      s.linux!.namespaces!.find((n) => n.type === 'network')!.path = join(f.dir, 'no-such-netns');
    });
    const err = await rejection(f.rt.create('c1', f.bundle));
    expect(err.message).toBe(`join network namespace ${join(f.dir, 'no-such-netns')}: No such file or directory`);
    expect(readdirSync(f.stateRoot)).toEqual([]);
    expect(childProcesses()).toEqual([]);
  });

  it('joins the network namespace of another container by path', async () => {
    f.writeSpec(['sleep', '30']);
    const first = await f.rt.create('c1', f.bundle);
    f.writeSpec(['sh', '-c', 'readlink /proc/self/ns/net; readlink /proc/self/ns/uts'], (s) => {
      s.linux!.namespaces!.find((n) => n.type === 'network')!.path = `/proc/${first.pid}/ns/net`;
    });
    const c = await f.rt.create('c2', f.bundle, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = collect(c.stdout);
    await f.rt.start('c2');
    await c.exited;
    const [net, uts] = (await out).trim().split('\n');
    expect(net).toBe(readlinkSync(`/proc/${first.pid}/ns/net`));
    expect(uts).not.toBe(readlinkSync(`/proc/${first.pid}/ns/uts`));
  });

  it('gives up after createTimeoutMs and kills the helper', async () => {
    const { Runtime } = await import('../../src/runtime.js');
    const { mkfifo } = await import('@ce/native');
    const fifo = join(f.dir, 'blocks');
    mkfifo(fifo, 0o600); // opening it blocks ce-init's parent: a stand-in for a hung step
    f.writeSpec(['sh'], (s) => {
      s.linux!.namespaces!.find((n) => n.type === 'network')!.path = fifo;
    });
    const rt = new Runtime({ root: f.stateRoot, createTimeoutMs: 300 });
    const err = await rejection(rt.create('c1', f.bundle));
    expect(err.code).toBe('Unavailable');
    expect(err.message).toBe('container init did not report ready within 300 ms');
    expect(readdirSync(f.stateRoot)).toEqual([]);
    expect(childProcesses()).toEqual([]);
  });

  it('deletes a created container without force, as runc does, killing its waiting process', async () => {
    f.writeSpec(['sh', '-c', 'echo should-not-run']);
    const c = await f.rt.create('c1', f.bundle, { stdio: ['ignore', 'pipe', 'ignore'] });
    const out = collect(c.stdout);
    await f.rt.delete('c1');
    expect((await c.exited).signal).toBe(9);
    expect(await out).toBe('');
    expect(stateDirExists(f, 'c1')).toBe(false);
  });

  it('creates and runs several containers at once', async () => {
    f.writeSpec(['sh', '-c', 'echo $$ $(hostname)']);
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    const containers = await Promise.all(ids.map((id) => f.rt.create(id, f.bundle, { stdio: ['ignore', 'pipe', 'ignore'] })));
    expect(new Set(containers.map((c) => c.pid)).size).toBe(ids.length);
    const outs = containers.map((c) => collect(c.stdout));
    await Promise.all(ids.map((id) => f.rt.start(id)));
    const exits = await Promise.all(containers.map((c) => c.exited));
    expect(exits.map((e) => e.exitStatus)).toEqual(ids.map(() => 0));
    expect((await Promise.all(outs)).every((o) => /^1 \S+\n$/.test(o))).toBe(true);
    expect((await f.rt.list()).map((s) => s.status)).toEqual(ids.map(() => 'stopped'));
    await Promise.all(ids.map((id) => f.rt.delete(id)));
    expect(await f.rt.list()).toEqual([]);
  });

  it('refuses bad stdio', async () => {
    f.writeSpec(['sh']);
    expect((await rejection(f.rt.create('c1', f.bundle, { stdio: ['pipe', 'nope', 'pipe'] as any }))).code).toBe('InvalidArgument');
  });

  it('refuses bad and duplicate ids', async () => {
    f.writeSpec(['sleep', '30']);
    expect((await rejection(f.rt.create('bad/id', f.bundle))).code).toBe('InvalidArgument');
    await f.rt.create('c1', f.bundle);
    expect((await rejection(f.rt.create('c1', f.bundle))).code).toBe('AlreadyExists');
    expect((await f.rt.state('c1')).status).toBe('created');
  });

  it('delete refuses a running container unless forced, then kills it', async () => {
    f.writeSpec(['sleep', '30']);
    const c = await f.rt.create('c1', f.bundle);
    await f.rt.start('c1');
    const err = await rejection(f.rt.delete('c1'));
    expect(err.code).toBe('FailedPrecondition');
    expect((await f.rt.state('c1')).status).toBe('running');
    await f.rt.delete('c1', { force: true });
    expect((await c.exited).signal).toBe(9);
    expect(stateDirExists(f, 'c1')).toBe(false);
    await expect(f.rt.delete('c1')).rejects.toMatchObject({ code: 'NotFound' });
  });

  it('a second Runtime on the same root sees the same containers', async () => {
    f.writeSpec(['sleep', '30']);
    await f.rt.create('c1', f.bundle);
    const { Runtime } = await import('../../src/runtime.js');
    const other = new Runtime({ root: f.stateRoot });
    expect((await other.state('c1')).status).toBe('created');
    await other.start('c1');
    expect((await f.rt.state('c1')).status).toBe('running');
  });
});
