// Root-only: a shim task run by Debian's runc (a runc-compatible binary) instead of the in-process runtime.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AttachSession } from '@ce/protocol';
import type { CreateTaskRequest, ExecProcessRequest } from '@ce/protocol/gen/ce/shim/v1/shim';
import { TaskStatus } from '@ce/protocol/gen/ce/types/v1/task';
import { Runtime } from '@ce/runtime';
import { defaultSpec } from '@ce/runtime/spec';
import { OciBinaryRuntime } from '../../src/runtimes/oci-binary.js';
import { ShimTask } from '../../src/task.js';

const isRoot = process.getuid?.() === 0;
const BUSYBOX = '/bin/busybox';
const APPLETS = ['sh', 'echo', 'cat', 'sleep', 'id', 'tty', 'stty', 'true'];

function findRunc(): string | undefined {
  try {
    return execFileSync('which', ['runc'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
const RUNC = findRunc();

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function record(session: AttachSession): { out: () => string; err: () => string; done: Promise<void> } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const done = (async () => {
    for await (const c of session.output) (c.stream === 'stderr' ? err : out).push(c.data);
  })();
  return { out: () => Buffer.concat(out).toString(), err: () => Buffer.concat(err).toString(), done };
}

function execRequest(execId: string, args: string[], more: Partial<ExecProcessRequest> = {}): ExecProcessRequest {
  return { id: 'c1', execId, args, env: ['PATH=/bin'], uid: 0, gid: 0, additionalGids: [], cwd: '', terminal: false, stdin: false, ...more };
}

describe.skipIf(!isRoot || !existsSync(BUSYBOX) || !RUNC)('shim task run by runc (root; needs runc on PATH)', () => {
  let dir: string;
  let bundle: string;
  let cgroup: string;
  let task: ShimTask;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ce-shim-runc-'));
    bundle = join(dir, 'bundle');
    cgroup = `/ce-test-runc-${process.pid}-${Date.now()}`;
    const rootfs = join(bundle, 'rootfs');
    mkdirSync(join(rootfs, 'bin'), { recursive: true });
    copyFileSync(BUSYBOX, join(rootfs, 'bin/busybox'));
    for (const a of APPLETS) symlinkSync('busybox', join(rootfs, 'bin', a));
    for (const d of ['proc', 'sys', 'dev', 'tmp']) mkdirSync(join(rootfs, d), { recursive: true });
    // The in-process runtime is the default; the request names runc.
    task = new ShimTask(new Runtime({ root: join(dir, 'ce-state') }), pino({ level: 'silent' }), () => undefined, (_name, path) => new OciBinaryRuntime(path, join(dir, 'runc-state')));
  });

  afterEach(async () => {
    await task.kill({ id: 'c1', signal: 9, all: true }).catch(() => undefined);
    await task.wait({ id: 'c1' }).catch(() => undefined);
    await task.delete({ id: 'c1' }).catch(() => undefined);
    const state = join(dir, 'runc-state');
    const left = existsSync(state) ? readdirSync(state).flatMap((n) => [n, ...readdirSync(join(state, n)).map((m) => `${n}/${m}`)]) : [];
    rmSync(dir, { recursive: true, force: true });
    // runc's --root and the folder of pid files and console sockets stay, empty: other shims share them.
    expect(left.filter((n) => n !== 'root' && n !== 'io')).toEqual([]);
    expect(existsSync(`/sys/fs/cgroup/pids${cgroup}`) || existsSync(`/sys/fs/cgroup${cgroup}/cgroup.procs`)).toBe(false);
  });

  function writeSpec(args: string[], terminal = false): void {
    const spec = defaultSpec();
    spec.process!.args = args;
    spec.process!.env = ['PATH=/bin'];
    spec.process!.terminal = terminal;
    spec.linux!.cgroupsPath = cgroup;
    // runc on cgroup v1 cannot deny one device after allowing mknod of all (it will not "punch a hole" in a wildcard).
    spec.linux!.resources!.devices = spec.linux!.resources!.devices!.filter((d) => d.allow || d.major === undefined);
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
  }

  function createRequest(more: Partial<CreateTaskRequest> = {}): CreateTaskRequest {
    return { id: 'c1', bundle, rootfs: [], terminal: false, stdin: false, logPath: '', namespace: 'default', labels: {}, runtime: 'runc', runtimePath: RUNC!, ...more };
  }

  it('runs the init with its stdout, stderr and exit status, reaped by the shim', async () => {
    writeSpec(['sh', '-c', 'echo out; echo err >&2; exit 7']);
    const { pid } = await task.create(createRequest());
    expect(pid).toBeGreaterThan(0);
    expect((await task.state({ id: 'c1' })).status).toBe(TaskStatus.TASK_STATUS_CREATED);
    const session = record(task.attach({ id: 'c1', stdin: false, stdout: true, stderr: true }));
    await task.start({ id: 'c1' });
    expect((await task.wait({ id: 'c1' })).exitStatus).toBe(7);
    await session.done;
    expect([session.out(), session.err()]).toEqual(['out\n', 'err\n']);
    await task.delete({ id: 'c1' });
  });

  it('kills, execs, pauses and resumes, lists pids and reads stats', async () => {
    writeSpec(['sleep', '30']);
    const { pid } = await task.create(createRequest());
    await task.start({ id: 'c1' });

    await task.exec(execRequest('e1', ['sh', '-c', 'echo in exec; id -u; exit 3'], { uid: 123 }));
    const exec = record(task.attach({ id: 'c1', execId: 'e1', stdin: false, stdout: true, stderr: true }));
    await task.start({ id: 'c1', execId: 'e1' });
    expect((await task.wait({ id: 'c1', execId: 'e1' })).exitStatus).toBe(3);
    await exec.done;
    expect(exec.out()).toBe('in exec\n123\n');

    expect((await task.pids({ id: 'c1' })).pids).toContain(pid);
    const stats = await task.stats({ id: 'c1' });
    expect(stats.pidsCurrent).toBeGreaterThanOrEqual(1);
    expect(stats.memoryUsage).toBeGreaterThan(0);

    await task.pause({ id: 'c1' });
    expect((await task.state({ id: 'c1' })).status).toBe(TaskStatus.TASK_STATUS_PAUSED);
    await task.resume({ id: 'c1' });
    expect((await task.state({ id: 'c1' })).status).toBe(TaskStatus.TASK_STATUS_RUNNING);

    // The init is pid 1 of its namespace: SIGTERM without a handler would be ignored.
    await task.kill({ id: 'c1', signal: 9, all: false });
    expect((await task.wait({ id: 'c1' })).exitStatus).toBe(137);
    await task.delete({ id: 'c1' });
  });

  it('gives the init a terminal through the console socket', async () => {
    writeSpec(['sh', '-c', 'tty; read x; exit 4'], true);
    await task.create(createRequest({ terminal: true, stdin: true }));
    const a = task.attach({ id: 'c1', stdin: true, stdout: true, stderr: true });
    const session = record(a);
    await task.start({ id: 'c1' });
    await until('the tty name', () => /\/dev\/pts\/\d+\r\n/.test(session.out()));
    a.writeStdin(Buffer.from('go\r'));
    expect((await task.wait({ id: 'c1' })).exitStatus).toBe(4);
    await task.delete({ id: 'c1' });
  });

  it("surfaces runc's own message when it fails, and leaves nothing behind", async () => {
    writeSpec(['nope-not-here']);
    await expect(task.create(createRequest())).rejects.toThrow('exec: "nope-not-here": executable file not found in $PATH');
  });

  it('refuses a runtime without a path', async () => {
    writeSpec(['true']);
    await expect(task.create(createRequest({ runtimePath: '' }))).rejects.toThrow('create: runtime runc has no runtime_path');
  });
});
