// Root-only: a task under ce-monitor (decision 0029) whose log's disk fills
// sends the same warning events, and logs the same warnings, as a task whose
// log the shim writes itself (log-warning-event.test.ts): ced logs them. A
// host that adopted the task (the first one died) gets them from the monitor's
// socket, having no status pipe.
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TaskEvent } from '@ce/protocol/gen/ce/events/v1/task';
import { Runtime } from '@ce/runtime';
import { readTaskRecords } from '../../src/monitor/task-record.js';
import { ShimTask } from '../../src/task.js';
import { BUSYBOX, busyboxBundle, until } from '../../../../tools/test/container-fixtures.js';
import { fillDisk, tinyDisk } from '../../../../tools/test/tiny-disk.js';
import { collectEvents, endTask } from '../support/task-lifecycle.js';

const isRoot = process.getuid?.() === 0;

describe.skipIf(!isRoot || !existsSync(BUSYBOX))('a monitored task\'s log on a full disk (root)', () => {
  let dir: string;
  let disk: { dir: string; remove: () => void };
  let task: ShimTask;
  let adopter: ShimTask | undefined;
  const warned: string[] = [];
  const events: TaskEvent[] = [];
  let stopEvents: AbortController;

  const logger = { debug() {}, info() {}, error() {}, warn: (_: object | string, msg?: string) => void warned.push(msg ?? '') };
  const newShimTask = () => new ShimTask(new Runtime({ root: join(dir, 'state') }), logger, () => undefined, undefined, { monitorSocketDir: dir });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ce-shim-mon-warn-'));
    disk = tinyDisk('256k');
    task = newShimTask();
    stopEvents = new AbortController();
    warned.length = 0;
    events.length = 0;
  });

  afterEach(async () => {
    stopEvents.abort();
    if (adopter) await endTask(adopter, 'c1');
    adopter = undefined;
    await endTask(task, 'c1');
    disk.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A container logging a numbered line every 5 ms onto the tiny disk, once its log has some lines. */
  async function startLoggingContainer(): Promise<string> {
    const bundle = busyboxBundle(dir, 'bundle', ['sh', '-c', 'i=0; while true; do echo "line $i"; i=$((i+1)); sleep 0.005; done']);
    const logPath = join(disk.dir, 'c1-json.log');
    await task.create({ id: 'c1', bundle, rootfs: [], terminal: false, stdin: false, logPath, namespace: 'default', labels: {} });
    await task.start({ id: 'c1' });
    await until('some lines in the log', () => existsSync(logPath) && readFileSync(logPath, 'utf8').split('\n').length > 20);
    return logPath;
  }

  it('sends log-write-failed (errno text, path, what was dropped) and then log-write-resumed, as warnings', { timeout: 60_000 }, async () => {
    collectEvents(task, stopEvents.signal, events);
    const logPath = await startLoggingContainer();

    const ballast = join(disk.dir, 'ballast');
    fillDisk(ballast, 16 * 1024);
    const warning = (kind: string) => events.find((e) => e.warning?.kind === kind);
    const failed = await until('a log-write-failed warning event', () => warning('log-write-failed'));
    expect(failed.id).toBe('c1');
    expect(failed.warning!.message).toMatch(
      new RegExp(`^writing the container log ${logPath} failed: ENOSPC \\(no space left on device\\); dropped [1-9]\\d* lines \\([1-9]\\d* bytes\\) since the last report; retrying with the container's next output$`),
    );

    unlinkSync(ballast);
    const resumed = await until('a log-write-resumed warning event', () => warning('log-write-resumed'), 30_000);
    expect(resumed.id).toBe('c1');
    expect(resumed.warning!.message).toMatch(new RegExp(`^the container log ${logPath} is written again; dropped \\d+ lines \\(\\d+ bytes\\) since the last report$`));
    // Logged as warnings too, in the same words (ced logs the events; the shim's own log has them).
    expect(warned).toEqual(expect.arrayContaining([failed.warning!.message, resumed.warning!.message]));
  });

  it('reaches a host that adopted the task: a failure going on when it took over, then the recovery', { timeout: 60_000 }, async () => {
    const logPath = await startLoggingContainer();
    fillDisk(join(disk.dir, 'ballast'), 16 * 1024);
    await until('the disk full under the first host', () => warned.some((w) => w.startsWith(`writing the container log ${logPath} failed`)));

    // The next host process reads the task's record and takes the task over from its monitor.
    const { records } = readTaskRecords(dir);
    expect(records.map((r) => [r.id, r.logPath])).toEqual([['c1', logPath]]);
    adopter = newShimTask();
    const adopterEvents: TaskEvent[] = [];
    collectEvents(adopter, stopEvents.signal, adopterEvents);
    await adopter.adopt(records[0]!);
    const warning = (kind: string) => adopterEvents.find((e) => e.warning?.kind === kind);
    const failed = await until('a log-write-failed warning event from the adopting host', () => warning('log-write-failed'), 30_000);
    expect(failed.id).toBe('c1');
    expect(failed.warning!.message).toMatch(new RegExp(`^writing the container log ${logPath} failed: ENOSPC \\(no space left on device\\); dropped \\d+ lines`));

    unlinkSync(join(disk.dir, 'ballast'));
    const resumed = await until('a log-write-resumed warning event from the adopting host', () => warning('log-write-resumed'), 30_000);
    expect(resumed.warning!.message).toMatch(new RegExp(`^the container log ${logPath} is written again`));
  });
});
