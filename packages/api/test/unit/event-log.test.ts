import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventLog } from '../../src/events/event-log.js';
import { eventPublisher } from '../../src/events/event-publisher.js';
import { eventStream } from '../../src/events/event-stream.js';
import type { EngineEvent } from '../../src/events/engine-event.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const silent = { debug() {}, info() {}, warn() {}, error() {} };

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ce-events-test-'));
  dirs.push(dir);
  return join(dir, 'events');
}

const publishN = (log: EventLog, n: number, from = 0) => {
  const out: EngineEvent[] = [];
  for (let i = from; i < from + n; i++) out.push(log.publish({ type: 'container', action: 'start', actor: { id: `c${i}`, attributes: { name: `n${i}` } } }));
  return out;
};

describe('EventLog', () => {
  it('keeps the last `capacity` events in memory, in order, with strictly increasing times', async () => {
    const log = await EventLog.open({ dir: tempDir(), logger: silent, capacity: 10, segmentEvents: 4 });
    const published = publishN(log, 25);
    for (let i = 1; i < published.length; i++) expect(published[i]!.timeNano > published[i - 1]!.timeNano).toBe(true);
    const kept = log.between(0n, undefined);
    expect(kept.map((e) => e.actor.id)).toEqual(published.slice(15).map((e) => e.actor.id));
    await log.close();
  });

  it('persists to bounded jsonl segments and serves them to the next run', async () => {
    const dir = tempDir();
    const first = await EventLog.open({ dir, logger: silent, capacity: 10, segmentEvents: 4 });
    const published = publishN(first, 25);
    await first.close();
    // ceil(10 / 4) + 1 segments at most, each of at most 4 events.
    const segments = readdirSync(dir).sort();
    expect(segments.length).toBeLessThanOrEqual(4);
    for (const s of segments) {
      expect(readFileSync(join(dir, s), 'utf8').split('\n').filter(Boolean).length).toBeLessThanOrEqual(4);
      expect(statSync(join(dir, s)).mode & 0o777).toBe(0o600);
    }
    expect(statSync(dir).mode & 0o777).toBe(0o700);

    const second = await EventLog.open({ dir, logger: silent, capacity: 10, segmentEvents: 4 });
    const kept = second.between(0n, undefined);
    expect(kept).toEqual(published.slice(15));
    // A new run appends after the last event, even if the clock went back.
    const next = publishN(second, 1, 100)[0]!;
    expect(next.timeNano > published.at(-1)!.timeNano).toBe(true);
    await second.close();
  });

  it('bounds a segment by bytes as well as by events', async () => {
    const dir = tempDir();
    const log = await EventLog.open({ dir, logger: silent, capacity: 8, segmentEvents: 100, segmentBytes: 600 });
    const big = 'x'.repeat(200);
    for (let i = 0; i < 30; i++) log.publish({ type: 'container', action: 'start', actor: { id: `c${i}`, attributes: { big } } });
    await log.close();
    const files = readdirSync(dir);
    // ceil(8 / 100) + 1 = 2 segments of at most 600 bytes (one line may be alone above the bound).
    expect(files.length).toBeLessThanOrEqual(2);
    for (const f of files) expect(statSync(join(dir, f)).size).toBeLessThanOrEqual(600);
  });

  it('skips a line torn by a crash and starts a new segment rather than continuing it', async () => {
    const dir = tempDir();
    const first = await EventLog.open({ dir, logger: silent });
    publishN(first, 2);
    await first.close();
    const [segment] = readdirSync(dir);
    appendFileSync(join(dir, segment!), '{"Type":"container","Action":"sta');
    const warnings: string[] = [];
    const second = await EventLog.open({ dir, logger: { ...silent, warn: (_: unknown, msg?: string) => void warnings.push(msg ?? '') } });
    expect(second.between(0n, undefined).map((e) => e.actor.id)).toEqual(['c0', 'c1']);
    expect(warnings).toEqual(['skipped unreadable event lines']);
    publishN(second, 1, 2);
    await second.close();
    expect(readdirSync(dir).length).toBe(2);
    writeFileSync(join(dir, 'unrelated.txt'), 'not a segment');
    const third = await EventLog.open({ dir, logger: silent });
    expect(third.between(0n, undefined).map((e) => e.actor.id)).toEqual(['c0', 'c1', 'c2']);
    await third.close();
  });

  it("selects as Docker does: nothing without since or until, since and until inclusive", async () => {
    const log = await EventLog.open({ dir: tempDir(), logger: silent });
    const [a, b, c] = publishN(log, 3);
    expect(log.between(undefined, undefined)).toEqual([]);
    expect(log.between(b!.timeNano, undefined)).toEqual([b, c]);
    expect(log.between(undefined, b!.timeNano)).toEqual([a, b]);
    expect(log.between(a!.timeNano + 1n, c!.timeNano - 1n)).toEqual([b]);
    await log.close();
  });

  it('logs a write it cannot make and keeps the events in memory', async () => {
    const dir = tempDir();
    const warnings: string[] = [];
    const log = await EventLog.open({ dir, logger: { ...silent, warn: (_: unknown, msg?: string) => void warnings.push(msg ?? '') } });
    rmSync(dir, { recursive: true });
    writeFileSync(dir, 'a file where the folder was');
    publishN(log, 2);
    await log.close();
    expect(warnings).toEqual(['could not write events to disk; they are kept in memory only']);
    expect(log.between(0n, undefined).length).toBe(2);
  });
});

describe('eventPublisher', () => {
  it("gives container events the labels, then image and name, then the extra attributes, as Docker does", async () => {
    const log = await EventLog.open({ dir: tempDir(), logger: silent });
    const events = eventPublisher(log);
    events.container({ Id: 'abc', Name: '/web', Config: { Image: 'busybox', Labels: { name: 'label-name', tier: 'front' } } }, 'die', { exitCode: '3' });
    events.image('sha256:1', 'busybox:latest', 'tag', { maintainer: 'me' });
    const [die, tag] = log.between(0n, undefined);
    expect(die).toMatchObject({ type: 'container', action: 'die', scope: 'local', actor: { id: 'abc', attributes: { name: 'web', image: 'busybox', tier: 'front', exitCode: '3' } } });
    expect(tag).toMatchObject({ type: 'image', action: 'tag', actor: { id: 'sha256:1', attributes: { name: 'busybox:latest', maintainer: 'me' } } });
    await log.close();
  });
});

describe('eventStream', () => {
  const collect = async (iterable: AsyncIterable<EngineEvent>, n = Infinity) => {
    const out: EngineEvent[] = [];
    for await (const e of iterable) {
      out.push(e);
      if (out.length >= n) break;
    }
    return out;
  };
  const seconds = (nanos: bigint) => `${nanos / 1_000_000_000n}.${String(nanos % 1_000_000_000n).padStart(9, '0')}`;

  it('ends after the kept events when until is past, filtered', async () => {
    const log = await EventLog.open({ dir: tempDir(), logger: silent });
    const [a, , c] = publishN(log, 3);
    const got = await collect(eventStream(log, { since: seconds(a!.timeNano), until: seconds(c!.timeNano), filters: [{ key: 'container', value: 'c2' }, { key: 'container', value: 'c0' }] }, new AbortController().signal));
    expect(got.map((e) => e.actor.id)).toEqual(['c0', 'c2']);
    await log.close();
  });

  it('goes from the ring to live events without a gap or a repeat, and stops when aborted', async () => {
    const log = await EventLog.open({ dir: tempDir(), logger: silent });
    const [a] = publishN(log, 2);
    const stop = new AbortController();
    const stream = eventStream(log, { since: seconds(a!.timeNano), until: '', filters: [] }, stop.signal)[Symbol.asyncIterator]();
    const first = await stream.next(); // subscribed from here on
    publishN(log, 2, 2);
    const rest = [await stream.next(), await stream.next(), await stream.next()];
    expect([first, ...rest].map((r) => r.value?.actor.id)).toEqual(['c0', 'c1', 'c2', 'c3']);
    const pending = stream.next();
    stop.abort();
    expect((await pending).done).toBe(true);
    await log.close();
  });

  it('ends at a future until', async () => {
    const log = await EventLog.open({ dir: tempDir(), logger: silent });
    const until = seconds(BigInt(Date.now() + 50) * 1_000_000n);
    const started = Date.now();
    expect(await collect(eventStream(log, { since: '', until, filters: [] }, new AbortController().signal))).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
    await log.close();
  });

  it("refuses since after until with Docker's message", async () => {
    const log = await EventLog.open({ dir: tempDir(), logger: silent });
    await expect(collect(eventStream(log, { since: '20', until: '10', filters: [] }, new AbortController().signal))).rejects.toThrow('`since` time (20) cannot be after `until` time (10)');
    await expect(collect(eventStream(log, { since: 'x', until: '', filters: [] }, new AbortController().signal))).rejects.toThrow('invalid value for "since"');
    await log.close();
  });
});
