import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, expect, it } from 'vitest';
import type { TaskEvent } from '@ce/protocol/gen/ce/events/v1/task';
import { ShimTask } from '../../src/task.js';
import { stubRuntime } from './stub-runtime.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

it('sends a TaskWarning event and logs a warning when the container log cannot be written (/dev/full: ENOSPC)', async () => {
  const stdout = new PassThrough();
  const runtime = stubRuntime(async () => ({ pid: 4242, stdin: null, stdout, stderr: new PassThrough(), exited: new Promise(() => undefined) }));
  const warnings: string[] = [];
  const logger = { debug() {}, info() {}, error() {}, warn: (_: object | string, msg?: string) => void warnings.push(msg ?? '') };
  const task = new ShimTask(runtime, logger, () => undefined);
  const stop = new AbortController();
  const events = task.events(stop.signal)[Symbol.asyncIterator]();
  const dir = mkdtempSync(join(tmpdir(), 'ce-shim-warning-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'bundle'));
  await task.create({ id: 'c1', bundle: join(dir, 'bundle'), rootfs: [], terminal: false, stdin: false, logPath: '/dev/full', namespace: '', labels: {} });

  stdout.write('hello\n');
  let warning: TaskEvent | undefined;
  while (!warning) {
    const next = await events.next();
    if (next.done) break;
    if (next.value.warning) warning = next.value;
  }
  stop.abort();
  expect(warning?.id).toBe('c1');
  expect(warning?.warning?.kind).toBe('log-write-failed');
  const lineBytes = Buffer.byteLength(JSON.stringify({ log: 'hello\n', stream: 'stdout', time: new Date().toISOString() }) + '\n');
  expect(warning?.warning?.message).toBe(
    `writing the container log /dev/full failed: ENOSPC (no space left on device); dropped 1 lines (${lineBytes} bytes) since the last report; retrying every 1s`,
  );
  expect(warnings).toEqual([warning?.warning?.message]);
});
