import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, expect, it, vi } from 'vitest';
import { Supervisor } from '../../src/supervisor.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const silent = { debug() {}, info() {}, warn() {}, error() {} };

function processesMentioning(text: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

it('forwards exec, resize and close-stdin to the task\'s shim; deleting an exec leaves the shim, deleting the task ends it', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-supervisor-exec-'));
  dirs.push(dir);
  const runtimeRoot = join(dir, 'runtime');
  mkdirSync(runtimeRoot);
  const supervisor = new Supervisor({ stateDir: dir, runtimeRoot, shimPath: join(import.meta.dirname, 'fixtures/recording-shim.mjs'), logger: silent });
  const calls = () =>
    readFileSync(join(runtimeRoot, 'calls'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { method: string; req: Record<string, unknown> });
  try {
    const bundle = join(dir, 'bundle');
    mkdirSync(bundle);
    await supervisor.createTask({ id: 't1', bundle, rootfs: [], terminal: true, stdin: true, logPath: '', namespace: 'default', labels: {} });
    const exec = { id: 't1', execId: 'e1', args: ['sh'], env: ['A=1'], uid: 1, gid: 2, additionalGids: [3], cwd: '/tmp', terminal: true, stdin: true, consoleSize: { width: 80, height: 24 } };
    await supervisor.execTask(exec);
    expect(await supervisor.startTask({ id: 't1', execId: 'e1' })).toEqual({ pid: 4343 });
    await supervisor.resizeTaskPty({ id: 't1', execId: 'e1', width: 100, height: 40 });
    await supervisor.resizeTaskPty({ id: 't1', width: 90, height: 30 });
    await supervisor.closeTaskIO({ id: 't1', execId: 'e1', stdin: true });
    await supervisor.killTask({ id: 't1', execId: 'e1', signal: 9, all: false });
    await supervisor.waitTask({ id: 't1', execId: 'e1' });
    await supervisor.deleteTask({ id: 't1', execId: 'e1' });
    // The shim is still there for the task.
    expect((await supervisor.taskState({ id: 't1' })).pid).toBe(4242);
    expect(calls().map((c) => [c.method, c.req.execId ?? ''])).toEqual([
      ['create', ''],
      ['exec', 'e1'],
      ['start', 'e1'],
      ['resizePty', 'e1'],
      ['resizePty', ''],
      ['closeIO', 'e1'],
      ['kill', 'e1'],
      ['wait', 'e1'],
      ['delete', 'e1'],
      ['state', ''],
    ]);
    expect(calls()[1]!.req).toEqual(exec);
    expect(calls()[3]!.req).toMatchObject({ width: 100, height: 40 });
    await supervisor.deleteTask({ id: 't1' });
    // The shim is shut down after deleteTask answered (decision 0048).
    await vi.waitFor(() => expect(calls().slice(-2).map((c) => c.method)).toEqual(['delete', 'shutdown']));
  } finally {
    await supervisor.close();
  }
  for (let i = 0; i < 200 && processesMentioning(dir).length; i++) await sleep(25);
  expect(processesMentioning(dir)).toEqual([]);
});

/** The Task methods the recording shim was called with, in order. */
function recordedMethods(runtimeRoot: string): string[] {
  return readFileSync(join(runtimeRoot, 'calls'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { method: string }).method);
}

it('creates a task again under the id of one just deleted once the old shim has shut down, and lists neither meanwhile', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-supervisor-again-'));
  dirs.push(dir);
  const runtimeRoot = join(dir, 'runtime');
  mkdirSync(runtimeRoot);
  const supervisor = new Supervisor({ stateDir: dir, runtimeRoot, shimPath: join(import.meta.dirname, 'fixtures/recording-shim.mjs'), logger: silent });
  const methods = () => recordedMethods(runtimeRoot);
  try {
    const bundle = join(dir, 'bundle');
    mkdirSync(bundle);
    const create = () => supervisor.createTask({ id: 't1', bundle, rootfs: [], terminal: false, stdin: false, logPath: '', namespace: 'default', labels: {} });
    await create();
    writeFileSync(join(runtimeRoot, 'shutdown-delay-ms'), '500'); // a slow Shutdown: deleteTask does not wait for it
    await supervisor.deleteTask({ id: 't1' });
    expect(methods().at(-1)).toBe('delete');
    expect(await supervisor.listTasks()).toEqual([]);
    await expect(supervisor.taskState({ id: 't1' })).rejects.toThrow('task t1 not found');
    await create();
    expect(methods().filter((m) => m !== 'state')).toEqual(['create', 'delete', 'shutdown', 'create']);
    expect((await supervisor.listTasks()).map((t) => t.id)).toEqual(['t1']);
    await supervisor.deleteTask({ id: 't1' });
  } finally {
    await supervisor.close();
  }
  for (let i = 0; i < 200 && processesMentioning(dir).length; i++) await sleep(25);
  expect(processesMentioning(dir)).toEqual([]);
});

it('a list made while a task is being created leaves its shim (which answers NotFound until the Create is done) alone', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-supervisor-list-creating-'));
  dirs.push(dir);
  const runtimeRoot = join(dir, 'runtime');
  mkdirSync(runtimeRoot);
  const supervisor = new Supervisor({ stateDir: dir, runtimeRoot, shimPath: join(import.meta.dirname, 'fixtures/recording-shim.mjs'), logger: silent, spareShim: false });
  const methods = () => recordedMethods(runtimeRoot);
  try {
    const bundle = join(dir, 'bundle');
    mkdirSync(bundle);
    writeFileSync(join(runtimeRoot, 'create-delay-ms'), '400');
    const creating = supervisor.createTask({ id: 't1', bundle, rootfs: [], terminal: false, stdin: false, logPath: '', namespace: 'default', labels: {} });
    // bounded: the shim records the Create within 10 s
    await vi.waitFor(() => expect(existsSync(join(runtimeRoot, 'calls')) && methods()).toEqual(['create']), { timeout: 10_000 });
    expect(await supervisor.listTasks()).toEqual([]);
    expect(await creating).toEqual({ pid: 4242 });
    expect((await supervisor.taskState({ id: 't1' })).pid).toBe(4242);
    expect(methods()).not.toContain('shutdown');
    await supervisor.deleteTask({ id: 't1' });
  } finally {
    await supervisor.close();
  }
  for (let i = 0; i < 200 && processesMentioning(dir).length; i++) await sleep(25);
  expect(processesMentioning(dir)).toEqual([]);
});
