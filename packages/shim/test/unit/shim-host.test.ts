// ShimHost (decision 0029): one process, many tasks found by id; an exit that
// happened before a subscriber came is told first; an idle host may end.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, expect, it } from 'vitest';
import type { TaskEvent } from '@ce/protocol/gen/ce/events/v1/task';
import { TaskStatus } from '@ce/protocol/gen/ce/types/v1/task';
import { ShimHost } from '../../src/host.js';
import { ShimTask } from '../../src/task.js';
import { stubRuntime } from './stub-runtime.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** A runtime whose containers exit when `exit(id, status)` is called. */
function fakeRuntime() {
  const exits = new Map<string, (status: number) => void>();
  let pid = 100;
  const runtime = stubRuntime(async (id) => {
    const exited = new Promise<{ exitStatus: number; exitedAt: Date }>((resolve) => exits.set(id, (s) => resolve({ exitStatus: s, exitedAt: new Date() })));
    return { pid: ++pid, stdin: null, stdout: new PassThrough().end(), stderr: new PassThrough().end(), exited };
  });
  return { runtime, exit: (id: string, status: number) => exits.get(id)!(status) };
}

function setUp() {
  const dir = mkdtempSync(join(tmpdir(), 'ce-shim-host-unit-'));
  dirs.push(dir);
  const { runtime, exit } = fakeRuntime();
  let idle = 0;
  const host = new ShimHost((onShutdown) => new ShimTask(runtime, silent, onShutdown), silent, dir, () => idle++);
  const create = (id: string) => {
    mkdirSync(join(dir, id), { recursive: true });
    return host.create({ id, bundle: join(dir, id), rootfs: [], terminal: false, stdin: false, logPath: '', namespace: 'default', labels: {}, runtime: '', runtimePath: '' });
  };
  return { host, create, exit, idleShutdowns: () => idle };
}

it('holds many tasks, each found by the id of the request', async () => {
  const { host, create, exit } = setUp();
  const a = await create('a');
  const b = await create('b');
  expect(a.pid).not.toBe(b.pid);
  await expect(create('a')).rejects.toMatchObject({ code: 'AlreadyExists' });
  await host.start({ id: 'a' });
  expect((await host.state({ id: 'a' })).status).toBe(TaskStatus.TASK_STATUS_RUNNING);
  expect((await host.state({ id: 'b' })).status).toBe(TaskStatus.TASK_STATUS_CREATED);
  await expect(host.state({ id: 'c' })).rejects.toMatchObject({ code: 'NotFound' });
  exit('a', 3);
  expect((await host.wait({ id: 'a' })).exitStatus).toBe(3);
  expect(host.ids().sort()).toEqual(['a', 'b']);
});

it('sends every task\'s events, the exits of stopped tasks first to a late subscriber', async () => {
  const { host, create, exit } = setUp();
  await create('a');
  await create('b');
  await host.start({ id: 'a' });
  exit('a', 7);
  await host.wait({ id: 'a' });
  const stop = new AbortController();
  const events: TaskEvent[] = [];
  const collecting = (async () => {
    for await (const e of host.events(stop.signal)) events.push(e);
  })();
  await host.start({ id: 'b' });
  exit('b', 0);
  await host.wait({ id: 'b' });
  await new Promise((r) => setImmediate(r));
  stop.abort();
  await collecting;
  expect(events.map((e) => [e.id, e.exit ? `exit ${e.exit.exitStatus}` : e.start ? 'start' : '?'])).toEqual([
    ['a', 'exit 7'],
    ['b', 'start'],
    ['b', 'exit 0'],
  ]);
});

it('forgets a deleted task on Shutdown with its id, and ends only when asked without an id while it holds none', async () => {
  const { host, create, exit, idleShutdowns } = setUp();
  await create('a');
  await host.shutdown('');
  expect(idleShutdowns()).toBe(0); // it holds a task
  await host.start({ id: 'a' });
  exit('a', 0);
  await host.wait({ id: 'a' });
  await host.delete({ id: 'a' });
  await host.shutdown('a');
  await expect(host.state({ id: 'a' })).rejects.toMatchObject({ code: 'NotFound' });
  expect(host.ids()).toEqual([]);
  await host.shutdown('');
  expect(idleShutdowns()).toBe(1);
});

it('drops a task whose create failed, and a Shutdown of its id (the supervisor ending it) succeeds with nothing to do', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-shim-host-unit-'));
  dirs.push(dir);
  const failing = stubRuntime(async () => {
    throw new Error('exec: "nonexistent": executable file not found in $PATH');
  });
  const host = new ShimHost((onShutdown) => new ShimTask(failing, silent, onShutdown), silent, dir);
  mkdirSync(join(dir, 'x'));
  const request = { id: 'x', bundle: join(dir, 'x'), rootfs: [], terminal: false, stdin: false, logPath: '', namespace: 'default', labels: {}, runtime: '', runtimePath: '' };
  await expect(host.create(request)).rejects.toThrow('executable file not found');
  expect(host.ids()).toEqual([]);
  await expect(host.shutdown('x')).resolves.toBeUndefined();
});
