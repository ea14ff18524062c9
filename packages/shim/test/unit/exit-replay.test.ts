import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, expect, it } from 'vitest';
import type { TaskEvent } from '@ce/protocol/gen/ce/events/v1/task';
import { TaskStatus } from '@ce/protocol/gen/ce/types/v1/task';
import { ShimTask, type RuntimeLike } from '../../src/task.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const silent = { debug() {}, info() {}, warn() {}, error() {} };

it('repeats a kept exit to a subscriber that comes after it (ced or the supervisor reconnecting), and State and Wait still report it', async () => {
  let exited: (e: { exitStatus: number; exitedAt: Date }) => void = () => undefined;
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const exit = (e: { exitStatus: number; exitedAt: Date }) => {
    stdout.end();
    stderr.end();
    exited(e);
  };
  const runtime: RuntimeLike = {
    async create() {
      return { pid: 4242, stdin: null, stdout, stderr, exited: new Promise((r) => (exited = r)) };
    },
    async start() {},
    async kill() {},
    async delete() {},
  };
  const task = new ShimTask(runtime, silent, () => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'ce-shim-replay-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'bundle'));
  await task.create({ id: 'c1', bundle: join(dir, 'bundle'), rootfs: [], terminal: false, stdin: false, logPath: join(dir, 'log.json') });

  // Before the exit: a subscriber gets nothing old, only what comes.
  const early = new AbortController();
  const earlyEvents = task.events(early.signal)[Symbol.asyncIterator]();
  await task.start({ id: 'c1' });
  exit({ exitStatus: 7, exitedAt: new Date(5000) });
  const live: TaskEvent[] = [];
  while (!live.some((e) => e.exit)) live.push((await earlyEvents.next()).value as TaskEvent);
  early.abort();
  expect(live.map((e) => Object.keys(e).find((k) => !['id', 'timestamp'].includes(k)))).toEqual(['start', 'exit']);

  const late = new AbortController();
  const first = await task.events(late.signal)[Symbol.asyncIterator]().next();
  late.abort();
  expect(first.value).toMatchObject({ id: 'c1', exit: { pid: 4242, exitStatus: 7, exitedAt: new Date(5000) } });
  expect(await task.state({ id: 'c1' })).toMatchObject({ status: TaskStatus.TASK_STATUS_STOPPED, exitStatus: 7 });
  expect(await task.wait({ id: 'c1' })).toMatchObject({ exitStatus: 7 });

  // Once deleted, there is no exit left to repeat.
  await task.delete({ id: 'c1' });
  const after = new AbortController();
  const iterator = task.events(after.signal)[Symbol.asyncIterator]();
  const next = iterator.next();
  after.abort();
  expect((await next).done).toBe(true);
});
