// Root-only: the shim's exec processes and terminals over the real runtime,
// held by the shim, and under ce-monitor (decision 0029: a task under a
// monitor runs each exec under a monitor of its own).
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AttachSession } from '@ce/protocol';
import type { TaskEvent } from '@ce/protocol/gen/ce/events/v1/task';
import type { ExecProcessRequest } from '@ce/protocol/gen/ce/shim/v1/shim';
import { TaskStatus } from '@ce/protocol/gen/ce/types/v1/task';
import { Runtime } from '@ce/runtime';
import { defaultSpec } from '@ce/runtime/spec';
import { ShimTask } from '../../src/task.js';
import { collectEvents, endTask } from '../support/task-lifecycle.js';

const isRoot = process.getuid?.() === 0;
const BUSYBOX = '/bin/busybox';
const APPLETS = ['sh', 'echo', 'cat', 'sleep', 'id', 'pwd', 'tty', 'stty', 'true'];

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Everything a session prints, as it arrives. */
function record(session: AttachSession): { text: () => string; done: Promise<void> } {
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of session.output) chunks.push(c.data);
  })();
  return { text: () => Buffer.concat(chunks).toString(), done };
}

function execRequest(execId: string, args: string[], more: Partial<ExecProcessRequest> = {}): ExecProcessRequest {
  return { id: 'c1', execId, args, env: ['PATH=/bin'], uid: 0, gid: 0, additionalGids: [], cwd: '', terminal: false, stdin: false, ...more };
}

/** The process's parent: its ce-monitor under a monitor, else the shim (this process, a subreaper). */
function parentOf(pid: number): { pid: number; name: string } {
  const ppid = Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return { pid: ppid, name: /^Name:\s+(.*)$/m.exec(readFileSync(`/proc/${ppid}/status`, 'utf8'))?.[1] ?? '' };
}

describe.skipIf(!isRoot || !existsSync(BUSYBOX)).each([
  { mode: 'held by the shim', monitored: false },
  { mode: 'under ce-monitor', monitored: true },
])('shim exec and terminals, $mode (root)', ({ monitored }) => {
  let dir: string;
  let bundle: string;
  let task: ShimTask;
  let events: TaskEvent[];
  let stopEvents: AbortController;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ce-shim-exec-'));
    bundle = join(dir, 'bundle');
    const rootfs = join(bundle, 'rootfs');
    mkdirSync(join(rootfs, 'bin'), { recursive: true });
    copyFileSync(BUSYBOX, join(rootfs, 'bin/busybox'));
    for (const a of APPLETS) symlinkSync('busybox', join(rootfs, 'bin', a));
    for (const d of ['proc', 'sys', 'dev', 'tmp']) mkdirSync(join(rootfs, d), { recursive: true });
    task = new ShimTask(new Runtime({ root: join(dir, 'state') }), pino({ level: 'silent' }), () => undefined, undefined, monitored ? { monitorSocketDir: dir } : {});
    events = [];
    stopEvents = new AbortController();
    collectEvents(task, stopEvents.signal, events);
  });

  afterEach(async () => {
    stopEvents.abort();
    await endTask(task, 'c1');
    const left = readdirSync(join(dir, 'state')).filter((n) => n !== '.lock');
    // Every exec's monitor ended with its process (the container's end kills them), removing its socket.
    await until('the monitors to end', () => readdirSync(dir).every((n) => !n.endsWith('.mon')));
    const records = readdirSync(dir).filter((n) => n.endsWith('.task.json'));
    const execDirs = existsSync(join(bundle, 'execs'));
    rmSync(dir, { recursive: true, force: true });
    expect(left).toEqual([]);
    expect({ records, execDirs }).toEqual({ records: [], execDirs: false });
  });

  function writeSpec(args: string[], terminal = false): void {
    const spec = defaultSpec();
    spec.process!.args = args;
    spec.process!.env = ['PATH=/bin'];
    spec.process!.terminal = terminal;
    writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
  }

  async function startInit(args: string[], terminal = false, stdin = false): Promise<void> {
    writeSpec(args, terminal);
    await task.create({ id: 'c1', bundle, rootfs: [], terminal, stdin, logPath: '', namespace: 'default', labels: {} });
    await task.start({ id: 'c1' });
  }

  it('runs an exec with its own stdio and exit status, attached before it starts, with its events', async () => {
    await startInit(['sleep', '30']);
    await task.exec(execRequest('e1', ['sh', '-c', 'echo out; echo err >&2; pwd; id -u; exit 7'], { cwd: '/tmp', uid: 123, gid: 45 }));
    expect((await task.state({ id: 'c1', execId: 'e1' })).status).toBe(TaskStatus.TASK_STATUS_CREATED);
    const session = task.attach({ id: 'c1', execId: 'e1', stdin: false, stdout: true, stderr: true });
    const stderr: string[] = [];
    const stdout: string[] = [];
    const reading = (async () => {
      for await (const c of session.output) (c.stream === 'stderr' ? stderr : stdout).push(c.data.toString());
    })();
    const { pid } = await task.start({ id: 'c1', execId: 'e1' });
    expect((await task.wait({ id: 'c1', execId: 'e1' })).exitStatus).toBe(7);
    if (monitored) expect(JSON.parse(readFileSync(join(bundle, 'execs', readdirSync(join(bundle, 'execs'))[0]!, 'exit-status.json'), 'utf8'))).toMatchObject({ exitStatus: 7 });
    await reading;
    expect(stdout.join('')).toBe('out\n/tmp\n123\n');
    expect(stderr.join('')).toBe('err\n');
    const state = await task.state({ id: 'c1', execId: 'e1' });
    expect([state.status, state.exitStatus, state.pid, state.execId]).toEqual([TaskStatus.TASK_STATUS_STOPPED, 7, pid, 'e1']);
    // The init runs on, with its own status.
    expect((await task.state({ id: 'c1' })).status).toBe(TaskStatus.TASK_STATUS_RUNNING);
    await until('the exec events', () => events.some((e) => e.exit?.execId === 'e1'));
    expect(events.filter((e) => e.execAdded || e.execStarted || e.exit).map((e) => [e.execAdded?.execId, e.execStarted?.execId, e.exit?.execId, e.exit?.exitStatus])).toEqual([
      ['e1', undefined, undefined, undefined],
      [undefined, 'e1', undefined, undefined],
      [undefined, undefined, 'e1', 7],
    ]);
    await task.delete({ id: 'c1', execId: 'e1' });
    await expect(task.state({ id: 'c1', execId: 'e1' })).rejects.toMatchObject({ code: 'NotFound' });
  });

  it('feeds an exec stdin and closes it with CloseIO; kills an exec by its id', async () => {
    await startInit(['sleep', '30']);
    await task.exec(execRequest('cat', ['cat'], { stdin: true }));
    const session = task.attach({ id: 'c1', execId: 'cat', stdin: true, stdout: true, stderr: true });
    const out = record(session);
    session.writeStdin(Buffer.from('before start\n')); // kept until the process exists
    await task.start({ id: 'c1', execId: 'cat' });
    session.writeStdin(Buffer.from('after\n'));
    await until('the echo', () => out.text() === 'before start\nafter\n');
    await task.closeIO({ id: 'c1', execId: 'cat', stdin: true });
    expect((await task.wait({ id: 'c1', execId: 'cat' })).exitStatus).toBe(0);

    await task.exec(execRequest('sleeper', ['sleep', '30']));
    const { pid } = await task.start({ id: 'c1', execId: 'sleeper' });
    // Its parent once ce-init, which forked it, has exited.
    if (monitored) await until('the exec to be its monitor\'s child', () => parentOf(pid).name === 'ce-monitor');
    else await until('the exec to be the shim\'s child', () => parentOf(pid).pid === process.pid);
    await task.kill({ id: 'c1', execId: 'sleeper', signal: 9, all: false });
    expect((await task.wait({ id: 'c1', execId: 'sleeper' })).exitStatus).toBe(137);
    await expect(task.kill({ id: 'c1', execId: 'sleeper', signal: 9, all: false })).rejects.toMatchObject({ code: 'NotFound' });
    expect((await task.state({ id: 'c1' })).status).toBe(TaskStatus.TASK_STATUS_RUNNING);
  });

  it('reports a missing executable at Start and leaves the exec created; refuses an exec id twice', async () => {
    await startInit(['sleep', '30']);
    await task.exec(execRequest('bad', ['nope']));
    await expect(task.exec(execRequest('bad', ['true']))).rejects.toMatchObject({ code: 'AlreadyExists' });
    await expect(task.start({ id: 'c1', execId: 'bad' })).rejects.toMatchObject({
      message: expect.stringContaining('exec: "nope": executable file not found in $PATH'),
      op: 'exec',
      errno: 'ENOENT',
      path: 'nope',
    });
    expect((await task.state({ id: 'c1', execId: 'bad' })).status).toBe(TaskStatus.TASK_STATUS_CREATED);
    await task.delete({ id: 'c1', execId: 'bad' });
  });

  it('gives an exec a terminal of the asked size, resizable', async () => {
    await startInit(['sleep', '30']);
    await task.exec(execRequest('t', ['sh', '-c', 'tty; stty size; read x; stty size'], { terminal: true, stdin: true, consoleSize: { width: 80, height: 24 } }));
    const session = task.attach({ id: 'c1', execId: 't', stdin: true, stdout: true, stderr: true });
    const out = record(session);
    await task.start({ id: 'c1', execId: 't' });
    await until('the first size', () => /24 80\r\n/.test(out.text()));
    await task.resizePty({ id: 'c1', execId: 't', width: 100, height: 40 });
    session.writeStdin(Buffer.from('go\r'));
    expect((await task.wait({ id: 'c1', execId: 't' })).exitStatus).toBe(0);
    await out.done;
    // Where the echo of "go" falls depends on whether the SIGWINCH found the shell in `read`.
    expect(out.text()).toMatch(/^\/dev\/pts\/\d+\r\n24 80\r\n/);
    expect(out.text()).toMatch(/40 100\r\n$/);
    expect(out.text()).toContain('go\r\n');
  });

  it("gives the init a terminal that several clients attach to at once, each seeing the output and typing", async () => {
    await startInit(['sh'], true, true);
    const a = task.attach({ id: 'c1', stdin: true, stdout: true, stderr: true });
    const b = task.attach({ id: 'c1', stdin: true, stdout: true, stderr: true });
    const outA = record(a);
    const outB = record(b);
    a.resize(90, 30);
    a.writeStdin(Buffer.from('tty; stty size\r'));
    await until('both see the output', () => /30 90\r\n/.test(outA.text()) && /30 90\r\n/.test(outB.text()));
    expect(outA.text()).toMatch(/\/dev\/pts\/\d+\r\n/);
    b.close(); // one client detaches: the container and the other client go on
    a.writeStdin(Buffer.from('echo still here\r'));
    await until('the other client to see more', () => /still here\r\n.*still here/s.test(outA.text()));
    a.writeStdin(Buffer.from('exit 3\r'));
    expect((await task.wait({ id: 'c1' })).exitStatus).toBe(3);
    await outA.done;
    expect(outB.text()).not.toContain('still here');
  });
});
