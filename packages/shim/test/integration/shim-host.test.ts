// Root-only: `ce-shim --host` (decision 0029), one process for many tasks, each
// under its ce-monitor, each exec under one of its own. A host killed with
// SIGKILL stops no container or exec and loses no log line or exit status; a
// host started again adopts the tasks and their execs and answers for them.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { setChildSubreaper, waitPid } from '@ce/native';
import type { AttachSession } from '@ce/protocol';
import type { ExecProcessRequest } from '@ce/protocol/gen/ce/shim/v1/shim';
import { TaskStatus } from '@ce/protocol/gen/ce/types/v1/task';
import { Runtime } from '@ce/runtime';
import { TaskGrpcClient } from '../../src/grpc.js';
import { BUSYBOX, busyboxBundle, isAlive, until } from '../../../../tools/test/container-fixtures.js';
import { criCounts } from '../support/cri-log-lines.js';

const isRoot = process.getuid?.() === 0;
const shimBin = join(import.meta.dirname, '../../bin/ce-shim.mjs');
const shimBuilt = existsSync(join(import.meta.dirname, '../../dist/ce-shim.mjs'));

/** Our children named ce-monitor (orphaned monitors come to this process, a subreaper). */
function ourMonitors(): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = readFileSync(`/proc/${name}/status`, 'utf8');
      if (/^Name:\s+ce-monitor$/m.test(status) && Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]) === process.pid) found.push(Number(name));
    } catch {
      // gone
    }
  }
  return found;
}

/** Reads a session's output as it comes; `done` resolves when it ends, with the error that ended it if any (a host killed). */
function reader(session: AttachSession): { text: () => string; done: Promise<Error | undefined> } {
  const chunks: Buffer[] = [];
  session.ready.catch(() => undefined);
  const done = (async () => {
    for await (const c of session.output) chunks.push(c.data);
  })().then(
    () => undefined,
    (err: Error) => err,
  );
  return { text: () => Buffer.concat(chunks).toString(), done };
}

const execRequest = (id: string, execId: string, args: string[], more: Partial<ExecProcessRequest> = {}): ExecProcessRequest => ({
  id,
  execId,
  args,
  env: ['PATH=/bin'],
  uid: 0,
  gid: 0,
  additionalGids: [],
  cwd: '',
  terminal: false,
  stdin: false,
  ...more,
});

const logLines = (path: string) =>
  existsSync(path)
    ? readFileSync(path, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { log: string }).log.trimEnd())
    : [];

describe.skipIf(!isRoot || !existsSync(BUSYBOX) || !shimBuilt)('ce-shim --host (root)', () => {
  let dir: string;
  let socket: string;
  const hosts: ChildProcess[] = [];
  const clients: TaskGrpcClient[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ce-shim-host-'));
    socket = join(dir, 'host.sock');
    setChildSubreaper(true);
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const h of hosts.splice(0)) {
      if (h.exitCode === null && h.signalCode === null) {
        h.kill('SIGKILL');
        await new Promise((r) => h.once('exit', r));
      }
    }
    const rt = new Runtime({ root: join(dir, 'runtime') });
    for (const c of await rt.list().catch(() => [])) await rt.delete(c.id, { force: true });
    for (const pid of ourMonitors()) await waitPid(pid);
    rmSync(dir, { recursive: true, force: true });
  });

  const bundle = (name: string, args: string[]) => busyboxBundle(dir, name, args, ['sh', 'echo', 'sleep', 'stty']);
  const common = { rootfs: [], terminal: false, stdin: false, namespace: 'default', labels: {}, runtime: '', runtimePath: '' };

  async function killHost(): Promise<void> {
    const host = hosts.at(-1)!;
    host.kill('SIGKILL');
    await new Promise((r) => host.once('exit', r));
  }

  async function startHost(): Promise<TaskGrpcClient> {
    const host = spawn(process.execPath, [shimBin, '--host', '--socket', socket, '--runtime-root', join(dir, 'runtime'), '--log', join(dir, 'host.log'), '--ready-fd', '3'], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    hosts.push(host);
    let stderr = '';
    host.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const ready = await Promise.race([
      new Promise<boolean>((resolve) => (host.stdio[3] as NodeJS.ReadableStream).once('data', () => resolve(true))),
      new Promise<boolean>((resolve) => host.once('exit', () => resolve(false))),
    ]);
    expect(ready, `the host exited before it was ready: ${stderr}`).toBe(true);
    const client = new TaskGrpcClient(socket);
    clients.push(client);
    return client;
  }

  it('keeps containers and their logs through a SIGKILL of the host, and a new host adopts them', async () => {
    const first = await startHost();
    const logs = { t1: join(dir, 't1.log'), t2: join(dir, 't2.log') };
    const b1 = bundle('b1', ['sh', '-c', 'i=0; while true; do echo "t1 $i"; i=$((i+1)); sleep 0.05; done']);
    const b2 = bundle('b2', ['sh', '-c', 'i=0; while [ $i -lt 40 ]; do echo "t2 $i"; i=$((i+1)); sleep 0.05; done; exit 5']);
    const { pid: pid1 } = await first.create({ id: 't1', bundle: b1, logPath: logs.t1, ...common });
    const { pid: pid2 } = await first.create({ id: 't2', bundle: b2, logPath: logs.t2, ...common });
    await first.start({ id: 't1' });
    await first.start({ id: 't2' });
    await until('t1 to log', () => logLines(logs.t1).length >= 3);

    await killHost();
    expect(isAlive(pid1)).toBe(true);
    const before = logLines(logs.t1).length;
    await until('t1 to log on without a host', () => logLines(logs.t1).length >= before + 3);

    const second = await startHost();
    expect(await second.state({ id: 't1' })).toMatchObject({ status: TaskStatus.TASK_STATUS_RUNNING, pid: pid1 });
    expect((await second.wait({ id: 't2' })).exitStatus).toBe(5);
    expect(await second.state({ id: 't2' })).toMatchObject({ status: TaskStatus.TASK_STATUS_STOPPED, pid: pid2, exitStatus: 5 });

    // Attach reaches the adopted container's output through its monitor.
    const session = second.attach({ id: 't1', stdin: false, stdout: true, stderr: true });
    let seen = '';
    for await (const chunk of session.output) {
      seen += chunk.data.toString();
      if (/t1 \d+\n/.test(seen)) break;
    }
    session.close();

    await second.kill({ id: 't1', signal: 9, all: false, execId: '' });
    expect((await second.wait({ id: 't1' })).exitStatus).toBe(137);
    await second.delete({ id: 't1' });
    await second.delete({ id: 't2' });
    await second.shutdown('t1');
    await second.shutdown('t2');

    const t1 = logLines(logs.t1);
    expect(t1).toEqual(t1.map((_, i) => `t1 ${i}`));
    expect(logLines(logs.t2)).toEqual(Array.from({ length: 40 }, (_, i) => `t2 ${i}`));
    expect(readdirSync(dir).filter((n) => n.endsWith('.task.json') || n.endsWith('.mon'))).toEqual([]);
    await expect(second.state({ id: 't1' })).rejects.toThrow(/not found/);
  });

  it('keeps execs, with and without a terminal, running through a SIGKILL of the host; the new host attaches, resizes, kills and waits', async () => {
    const first = await startHost();
    const b = bundle('b', ['sleep', '1000']);
    await first.create({ id: 't', bundle: b, logPath: '', ...common });
    await first.start({ id: 't' });
    // Pipes: attached before its start, as Docker's exec is.
    await first.exec(execRequest('t', 'pipes', ['sh', '-c', 'echo started; read x; echo "got $x"; echo bye >&2; exit 3'], { stdin: true }));
    const early = first.attach({ id: 't', execId: 'pipes', stdin: true, stdout: true, stderr: true });
    const earlyOut = reader(early);
    const { pid: pipesPid } = await first.start({ id: 't', execId: 'pipes' });
    await until('the exec to start', () => earlyOut.text() === 'started\n');
    // A terminal of its asked size.
    await first.exec(execRequest('t', 'tty', ['sh', '-c', 'stty size; read x; stty size; exit 4'], { terminal: true, stdin: true, consoleSize: { width: 80, height: 24 } }));
    const ttyEarly = first.attach({ id: 't', execId: 'tty', stdin: true, stdout: true, stderr: true });
    const ttyEarlyOut = reader(ttyEarly);
    const { pid: ttyPid } = await first.start({ id: 't', execId: 'tty' });
    await until('the terminal size', () => ttyEarlyOut.text().includes('24 80\r\n'));
    await first.exec(execRequest('t', 'sleeper', ['sleep', '1000']));
    const { pid: sleeperPid } = await first.start({ id: 't', execId: 'sleeper' });

    await killHost();
    // The sessions through the host end with it; the execs run on.
    expect(await earlyOut.done).toMatchObject({ message: expect.stringMatching(/cannot reach shim/) });
    expect(await ttyEarlyOut.done).toMatchObject({ message: expect.stringMatching(/cannot reach shim/) });
    for (const pid of [pipesPid, ttyPid, sleeperPid]) expect(isAlive(pid)).toBe(true);

    const second = await startHost();
    expect(await second.state({ id: 't', execId: 'pipes' })).toMatchObject({ status: TaskStatus.TASK_STATUS_RUNNING, pid: pipesPid, stdin: true, terminal: false });
    expect(await second.state({ id: 't', execId: 'tty' })).toMatchObject({ status: TaskStatus.TASK_STATUS_RUNNING, pid: ttyPid, terminal: true });

    const pipes = second.attach({ id: 't', execId: 'pipes', stdin: true, stdout: true, stderr: true });
    const pipesOut = reader(pipes);
    await pipes.ready;
    pipes.writeStdin(Buffer.from('over the new host\n'));
    expect((await second.wait({ id: 't', execId: 'pipes' })).exitStatus).toBe(3);
    expect(await pipesOut.done).toBeUndefined();
    expect(pipesOut.text()).toBe('got over the new host\nbye\n');

    const tty = second.attach({ id: 't', execId: 'tty', stdin: true, stdout: true, stderr: true });
    const ttyOut = reader(tty);
    await tty.ready;
    await second.resizePty({ id: 't', execId: 'tty', width: 100, height: 40 });
    tty.writeStdin(Buffer.from('go\r'));
    expect((await second.wait({ id: 't', execId: 'tty' })).exitStatus).toBe(4);
    expect(await ttyOut.done).toBeUndefined();
    expect(ttyOut.text()).toMatch(/40 100\r\n$/);

    await second.kill({ id: 't', execId: 'sleeper', signal: 9, all: false });
    expect((await second.wait({ id: 't', execId: 'sleeper' })).exitStatus).toBe(137);
    expect(await second.state({ id: 't', execId: 'sleeper' })).toMatchObject({ status: TaskStatus.TASK_STATUS_STOPPED, exitStatus: 137, pid: sleeperPid });
    for (const execId of ['pipes', 'tty', 'sleeper']) await second.delete({ id: 't', execId });
    await expect(second.state({ id: 't', execId: 'pipes' })).rejects.toThrow(/not found/);

    await second.kill({ id: 't', signal: 9, all: false, execId: '' });
    await second.wait({ id: 't' });
    await second.delete({ id: 't' });
    await second.shutdown('t');
    expect(readdirSync(dir).filter((n) => n.endsWith('.task.json') || n.endsWith('.mon'))).toEqual([]);
    expect(existsSync(join(b, 'execs'))).toBe(false);
  });

  it('reports the real exit code of an exec that exited while no host ran', async () => {
    const first = await startHost();
    const b = bundle('b', ['sleep', '1000']);
    await first.create({ id: 't', bundle: b, logPath: '', ...common });
    await first.start({ id: 't' });
    await first.exec(execRequest('t', 'e', ['sh', '-c', 'echo waiting; while [ ! -e /tmp/go ]; do sleep 0.02; done; echo done; exit 9']));
    const session = first.attach({ id: 't', execId: 'e', stdin: false, stdout: true, stderr: true });
    const out = reader(session);
    const { pid } = await first.start({ id: 't', execId: 'e' });
    await until('the exec to run', () => out.text() === 'waiting\n');

    await killHost();
    writeFileSync(join(b, 'rootfs/tmp/go'), '');
    await until('the exec to exit without a host', () => !isAlive(pid));

    const second = await startHost();
    expect((await second.wait({ id: 't', execId: 'e' })).exitStatus).toBe(9);
    expect(await second.state({ id: 't', execId: 'e' })).toMatchObject({ status: TaskStatus.TASK_STATUS_STOPPED, exitStatus: 9, pid });
    await expect(second.kill({ id: 't', execId: 'e', signal: 9, all: false })).rejects.toThrow(/not running|finished/);
    await second.delete({ id: 't', execId: 'e' });
    await second.kill({ id: 't', signal: 9, all: false, execId: '' });
    await second.wait({ id: 't' });
    await second.delete({ id: 't' });
    expect(readdirSync(dir).filter((n) => n.endsWith('.task.json') || n.endsWith('.mon'))).toEqual([]);
  });

  it("reopens an adopted task's CRI log through its monitor after a rename: no line lost across the host's death and the reopen", async () => {
    const first = await startHost();
    const log = join(dir, 'c.log');
    const b = bundle('b', ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo $i; sleep 0.01; done']);
    const { pid } = await first.create({ id: 'c', bundle: b, logPath: log, logConfig: { type: 'cri', config: {} }, ...common });
    await first.start({ id: 'c' });
    await until('the CRI log to grow', () => criCounts(log).length >= 5);

    await killHost();
    const before = criCounts(log).length;
    await until('the log to grow without a host (its monitor writes it)', () => criCounts(log).length >= before + 5);

    const second = await startHost();
    expect(await second.state({ id: 'c' })).toMatchObject({ status: TaskStatus.TASK_STATUS_RUNNING, pid });
    renameSync(log, `${log}.1`);
    await second.reopenLog({ id: 'c' });
    await until('lines in the reopened log', () => criCounts(log).length >= 5);
    await second.kill({ id: 'c', signal: 9, all: false, execId: '' });
    expect((await second.wait({ id: 'c' })).exitStatus).toBe(137);
    await second.delete({ id: 'c' });
    await second.shutdown('c');

    const all = [...criCounts(`${log}.1`), ...criCounts(log)];
    expect(all).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
  });
});
