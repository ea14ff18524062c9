// Root-only: ce-monitor's json-file log on a full disk: never a torn line, a
// report of what was dropped (in its diagnostics and on its status pipe), and
// writing again once there is space (reported too).
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MonitorLogWriteReport } from '../../src/index.js';
import { Fixture, isRoot } from './helpers.js';
import { until } from '../../../../tools/test/container-fixtures.js';
import { fillDisk, tinyDisk } from '../../../../tools/test/tiny-disk.js';

const cleanups: (() => unknown)[] = [];

/** The line numbers of a log made only of whole json-file entries; undefined while it ends in a torn line. */
function lineNumbers(path: string): number[] | undefined {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  if (text.length > 0 && !text.endsWith('\n')) return undefined;
  return text
    .split('\n')
    .slice(0, -1)
    .map((l) => Number((JSON.parse(l) as { log: string }).log.split(' ')[1]));
}

describe.skipIf(!isRoot)('ce-monitor\'s log on a full disk (root)', () => {
  let f: Fixture;
  beforeEach(() => {
    f = new Fixture();
  });
  afterEach(async () => {
    for (const undo of cleanups.splice(0).reverse()) await undo();
    expect(await f.cleanup()).toEqual([]);
  });

  it('keeps whole lines, reports and drops while the disk is full, and writes again when space returns', { timeout: 60_000 }, async () => {
    const { dir: disk, remove } = tinyDisk('256k');
    cleanups.push(remove);
    const log = join(disk, 'c.log');
    const diagnostics = join(f.dir, 'monitor.log');
    f.writeSpec(['sh', '-c', 'i=0; while true; do echo "line $i"; i=$((i+1)); sleep 0.002; done']);
    const reports: (MonitorLogWriteReport & { at: number })[] = [];
    const onLogWrite = (r: MonitorLogWriteReport) => reports.push({ ...r, at: Date.now() });
    const c = await f.rt.create('c1', f.bundle, { monitor: { socket: join(f.dir, 'm.sock'), exitDir: f.bundle, log: { path: log, maxSize: -1, maxFiles: 1 }, diagnostics, onLogWrite } });
    cleanups.push(async () => {
      await f.rt.kill('c1', 'SIGKILL').catch(() => undefined);
      await c.monitor!.done;
    });
    await f.rt.start('c1');
    await until('some lines', () => (lineNumbers(log)?.length ?? 0) > 20);

    fillDisk(join(disk, 'ballast'), 16 * 1024);
    await until('the monitor to report the failed writes', () => existsSync(diagnostics) && /writing the container log .* failed: No space left on device; dropped \d+ lines/.test(readFileSync(diagnostics, 'utf8')));
    const during = await until('a log of whole lines', () => lineNumbers(log));
    const failed = await until('a log-write-failed report on the status pipe', () => reports.find((r) => r.kind === 'log-write-failed'));
    expect(failed).toMatchObject({ code: 'ENOSPC' });
    expect(failed.droppedLines).toBeGreaterThan(0);
    expect(failed.droppedBytes).toBeGreaterThan(0);

    unlinkSync(join(disk, 'ballast'));
    const after = await until('lines written after the space returned', () => {
      const n = lineNumbers(log);
      return n && n.length > during.length + 20 && n;
    });
    // In order, each line once; the lines of the full disk are missing, the container was never blocked.
    expect(after).toEqual([...after].sort((a, b) => a - b));
    expect(new Set(after).size).toBe(after.length);
    // Lines are numbered from 0: the last number is past length - 1 by the lines dropped (at least one, the report said).
    expect(after.at(-1)! - (after.length - 1)).toBeGreaterThan(0);

    const resumed = await until('a log-write-resumed report on the status pipe', () => reports.find((r) => r.kind === 'log-write-resumed'));
    expect(resumed.code).toBe('');

    await f.rt.kill('c1', 'SIGKILL');
    expect((await c.exited).signal).toBe(9);
    await c.monitor!.done;
    const final = lineNumbers(log)!;
    expect(final).toBeDefined();
    // Every line missing from the log was reported dropped, once; reports came at most every 5 s (as received here: less some delivery jitter).
    expect(reports.reduce((sum, r) => sum + r.droppedLines, 0)).toBe(final.at(-1)! + 1 - final.length);
    for (let i = 1; i < reports.length; i++) expect(reports[i]!.at - reports[i - 1]!.at).toBeGreaterThan(4000);
  });
});
