import { appendFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@ce/protocol';
import { nowNanos, type EngineEvent } from './engine-event.js';

export interface EventLogOptions {
  /** <root>/events: segments `<sequence>.jsonl`, oldest removed first. */
  dir: string;
  logger: Logger;
  /** Events kept, in memory and (at least) on disk. Docker keeps 256, in memory only. */
  capacity?: number;
  /** A segment is closed after this many events or bytes, whichever comes first. */
  segmentEvents?: number;
  segmentBytes?: number;
}

export type EventListener = (event: EngineEvent) => void;

const SEGMENT = /^(\d{10})\.jsonl$/;

/**
 * ced's event ring: the last `capacity` events in memory, appended to jsonl
 * segments in the background so that `ce events --since` reaches across
 * restarts. Disk use is bounded by (capacity / segmentEvents + 1) segments of
 * at most segmentBytes each. Publishing never waits for the disk: the caller
 * (a container's start, its exit) goes on at once; a write that fails is
 * logged, never thrown.
 */
export class EventLog {
  private readonly capacity: number;
  private readonly segmentEvents: number;
  private readonly segmentBytes: number;
  private readonly ring: EngineEvent[] = [];
  private readonly listeners = new Set<EventListener>();
  private segments: number[] = [];
  private segmentCount = 0;
  private segmentSize = 0;
  private pending: string[] = [];
  private writing: Promise<void> = Promise.resolve();
  private lastNanos = 0n;
  private lastWriteError = 0;

  private constructor(private readonly options: EventLogOptions) {
    this.capacity = options.capacity ?? 1024;
    this.segmentEvents = options.segmentEvents ?? 256;
    this.segmentBytes = options.segmentBytes ?? 1024 * 1024;
  }

  /** Loads what earlier runs kept; appends go to a new segment, so a line torn by a crash is never continued. */
  static async open(options: EventLogOptions): Promise<EventLog> {
    const log = new EventLog(options);
    await log.load();
    return log;
  }

  private async load(): Promise<void> {
    await mkdir(this.options.dir, { recursive: true, mode: 0o700 });
    this.segments = (await readdir(this.options.dir))
      .map((name) => SEGMENT.exec(name)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    let skipped = 0;
    for (const segment of this.segments) {
      const text = await readFile(this.segmentPath(segment), 'utf8').catch(() => '');
      for (const line of text.split('\n')) {
        if (!line) continue;
        const event = parseLine(line);
        if (event) this.remember(event);
        else skipped++;
      }
    }
    if (skipped) this.options.logger.warn({ skipped, dir: this.options.dir }, 'skipped unreadable event lines');
    this.lastNanos = this.ring.at(-1)?.timeNano ?? 0n;
    this.ring.splice(0, Math.max(0, this.ring.length - this.capacity));
    this.segments.push((this.segments.at(-1) ?? 0) + 1);
  }

  /** Records an event, hands it to every listener, and queues it for the disk. Its time is now, after every earlier event's. */
  publish(event: Omit<EngineEvent, 'timeNano' | 'scope'>): EngineEvent {
    let timeNano = nowNanos();
    if (timeNano <= this.lastNanos) timeNano = this.lastNanos + 1n;
    this.lastNanos = timeNano;
    const full: EngineEvent = { ...event, scope: 'local', timeNano };
    this.remember(full);
    for (const listener of this.listeners) listener(full);
    this.pending.push(toLine(full));
    if (this.pending.length === 1) this.writing = this.writing.then(() => this.flush());
    return full;
  }

  /**
   * Docker's buffered events: with neither bound, none; else those with
   * since <= time (and time <= until when until is set), oldest first.
   */
  between(sinceNanos: bigint | undefined, untilNanos: bigint | undefined): EngineEvent[] {
    if (sinceNanos === undefined && untilNanos === undefined) return [];
    return this.kept().filter((e) => e.timeNano >= (sinceNanos ?? 0n) && (untilNanos === undefined || e.timeNano <= untilNanos));
  }

  /** Calls `listener` for every event published from now on, until the returned function is called. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Waits for queued events to reach the disk. */
  async close(): Promise<void> {
    this.listeners.clear();
    await this.writing;
  }

  /** Trimmed only once it holds twice the capacity, so that a publish costs no shift of the whole ring. */
  private remember(event: EngineEvent): void {
    this.ring.push(event);
    if (this.ring.length >= 2 * this.capacity) this.ring.splice(0, this.ring.length - this.capacity);
  }

  private kept(): EngineEvent[] {
    return this.ring.length > this.capacity ? this.ring.slice(-this.capacity) : this.ring;
  }

  private async flush(): Promise<void> {
    const lines = this.pending;
    this.pending = [];
    let batch: string[] = [];
    const write = async () => {
      if (batch.length) await appendFile(this.segmentPath(this.segments.at(-1)!), batch.join(''), { mode: 0o600 });
      batch = [];
    };
    try {
      for (const line of lines) {
        const bytes = Buffer.byteLength(line);
        if (this.segmentCount >= this.segmentEvents || (this.segmentSize > 0 && this.segmentSize + bytes > this.segmentBytes)) {
          await write();
          await this.rotate();
        }
        this.segmentCount++;
        this.segmentSize += bytes;
        batch.push(line);
      }
      await write();
    } catch (err) {
      if (Date.now() - this.lastWriteError > 5000) {
        this.lastWriteError = Date.now();
        this.options.logger.warn({ err: (err as Error).message, dir: this.options.dir }, 'could not write events to disk; they are kept in memory only');
      }
    }
  }

  /** Starts a new segment and removes the oldest ones no longer needed to hold `capacity` events. */
  private async rotate(): Promise<void> {
    this.segments.push(this.segments.at(-1)! + 1);
    this.segmentCount = 0;
    this.segmentSize = 0;
    const keep = Math.ceil(this.capacity / this.segmentEvents) + 1;
    while (this.segments.length > keep) {
      const oldest = this.segments.shift()!;
      await rm(this.segmentPath(oldest), { force: true });
    }
  }

  private segmentPath(segment: number): string {
    return join(this.options.dir, `${String(segment).padStart(10, '0')}.jsonl`);
  }
}

/** One line on disk: Docker's field names; timeNano as a string, as a JSON number would lose digits in JavaScript. */
function toLine(event: EngineEvent): string {
  return `${JSON.stringify({ Type: event.type, Action: event.action, Actor: { ID: event.actor.id, Attributes: event.actor.attributes }, scope: event.scope, timeNano: String(event.timeNano) })}\n`;
}

function parseLine(line: string): EngineEvent | undefined {
  try {
    const raw = JSON.parse(line) as { Type?: unknown; Action?: unknown; Actor?: { ID?: unknown; Attributes?: unknown }; timeNano?: unknown };
    if (typeof raw.Type !== 'string' || typeof raw.Action !== 'string' || typeof raw.Actor?.ID !== 'string' || typeof raw.timeNano !== 'string') return undefined;
    const attributes = raw.Actor.Attributes && typeof raw.Actor.Attributes === 'object' ? (raw.Actor.Attributes as Record<string, string>) : {};
    return { type: raw.Type as EngineEvent['type'], action: raw.Action, actor: { id: raw.Actor.ID, attributes }, scope: 'local', timeNano: BigInt(raw.timeNano) };
  } catch {
    return undefined;
  }
}
