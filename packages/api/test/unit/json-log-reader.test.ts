import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixedNanoTime, logTimeNanos, parseApiTimestamp } from '../../src/containers/log-time.js';
import { readJsonLog, type LogChunk, type ReadLogOptions } from '../../src/containers/logs.js';

const entry = (log: string, stream: 'stdout' | 'stderr', second: number) =>
  JSON.stringify({ log, stream, time: `2026-12-06T12:00:${String(second).padStart(2, '0')}.5Z` }) + '\n';

async function collect(path: string, options: Partial<ReadLogOptions> = {}): Promise<LogChunk[]> {
  const out: LogChunk[] = [];
  for await (const chunk of readJsonLog(path, { tail: -1, timestamps: false, ...options })) out.push(chunk);
  return out;
}
const text = (chunks: LogChunk[]) => chunks.map((c) => `${c.stream}:${c.data.toString()}`);

describe('reading a json-file log as docker logs does', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-json-log-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const log = join(dir, 'c-json.log');
  writeFileSync(
    log,
    entry('one\n', 'stdout', 1) + entry('two\n', 'stdout', 2) + entry('oops\n', 'stderr', 3) + entry('thr', 'stdout', 4) + entry('ee\n', 'stdout', 5) + entry('four\n', 'stdout', 6),
  );

  it('keeps each line with its stream, joins split lines, and groups lines of one stream', async () => {
    expect(text(await collect(log))).toEqual(['stdout:one\ntwo\n', 'stderr:oops\n', 'stdout:three\nfour\n']);
  });

  it('is empty for a log that does not exist (a container never started)', async () => {
    expect(await collect(join(dir, 'none.log'))).toEqual([]);
  });

  it('shows the last lines, counting a split line once', async () => {
    expect(text(await collect(log, { tail: 2 }))).toEqual(['stdout:three\nfour\n']);
    expect(text(await collect(log, { tail: 3 }))).toEqual(['stderr:oops\n', 'stdout:three\nfour\n']);
    expect(await collect(log, { tail: 0 })).toEqual([]);
    expect(text(await collect(log, { tail: 100 }))).toHaveLength(3);
  });

  it('filters by time, both bounds inclusive; a split line has its first piece time', async () => {
    const at = (s: number) => logTimeNanos(`2026-12-06T12:00:0${s}.5Z`);
    expect(text(await collect(log, { since: at(3), until: at(4) }))).toEqual(['stderr:oops\n', 'stdout:three\n']);
    expect(text(await collect(log, { since: at(6) + 1n }))).toEqual([]);
  });

  it('prefixes lines with nine-digit times', async () => {
    expect(text(await collect(log, { tail: 1, timestamps: true }))).toEqual(['stdout:2026-12-06T12:00:06.500000000Z four\n']);
    expect(text(await collect(log, { tail: 1, timestamps: true, details: true }))).toEqual(['stdout:2026-12-06T12:00:06.500000000Z  four\n']);
    expect(text(await collect(log, { tail: 1, timestamps: false, details: true }))).toEqual(['stdout: four\n']);
  });

  it('ignores a last line still being written', async () => {
    const torn = join(dir, 'torn.log');
    writeFileSync(torn, entry('whole\n', 'stdout', 1) + entry('torn\n', 'stdout', 2).slice(0, 20));
    expect(text(await collect(torn, { tail: 1 }))).toEqual(['stdout:whole\n']);
    expect(text(await collect(torn))).toEqual(['stdout:whole\n']);
  });

  it('follows new lines until stopped, then drains', async () => {
    const live = join(dir, 'live.log');
    writeFileSync(live, entry('before\n', 'stdout', 1));
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const seen: string[] = [];
    const reading = (async () => {
      for await (const c of readJsonLog(live, { tail: -1, timestamps: false, stopped, pollMs: 50 })) {
        seen.push(c.data.toString());
        if (c.data.toString() === 'before\n') appendFileSync(live, entry('after\n', 'stderr', 2));
        if (c.data.toString() === 'after\n') {
          appendFileSync(live, entry('last\n', 'stdout', 3));
          stop();
        }
      }
    })();
    await reading;
    expect(seen).toEqual(['before\n', 'after\n', 'last\n']);
  });

  it('follows through the file watch, not only the poll', async () => {
    const live = join(dir, 'watched.log');
    writeFileSync(live, entry('before\n', 'stdout', 1));
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const seen: string[] = [];
    // A poll this slow would time the test out: only the watch can bring "after" in time.
    for await (const c of readJsonLog(live, { tail: -1, timestamps: false, stopped, pollMs: 600_000 })) {
      seen.push(c.data.toString());
      if (seen.length === 1) appendFileSync(live, entry('after\n', 'stdout', 2));
      else stop();
    }
    expect(seen).toEqual(['before\n', 'after\n']);
  });

  it('ends a follow at its until time, as Docker does', async () => {
    const live = join(dir, 'until.log');
    writeFileSync(live, entry('before\n', 'stdout', 1));
    const until = BigInt(Date.now() + 200) * 1_000_000n;
    const never = new Promise<void>(() => undefined);
    expect(text(await collect(live, { until, stopped: never, pollMs: 20 }))).toEqual(['stdout:before\n']);
  });

  it('parses and prints times', () => {
    expect(parseApiTimestamp('1796554800.5', 'since')).toBe(1796554800_500000000n);
    expect(parseApiTimestamp('1796554800', 'since')).toBe(1796554800_000000000n);
    expect(parseApiTimestamp('', 'since')).toBeUndefined();
    expect(() => parseApiTimestamp('soon', 'until')).toThrow(/invalid value for "until"/);
    expect(logTimeNanos('1970-01-01T00:00:01.000000001Z')).toBe(1_000_000_001n);
    expect(fixedNanoTime('2026-12-06T12:00:00Z')).toBe('2026-12-06T12:00:00.000000000Z');
    expect(fixedNanoTime('2026-12-06T12:00:00.123Z')).toBe('2026-12-06T12:00:00.123000000Z');
  });
});
