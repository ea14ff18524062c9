import { watch, type FSWatcher } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { linesBackward } from './log-tail.js';
import { fixedNanoTime, logTimeNanos } from './log-time.js';

export type LogStreamName = 'stdout' | 'stderr';

export interface LogChunk {
  stream: LogStreamName;
  /** One or more whole lines of that stream, formatted as docker logs prints them. */
  data: Buffer;
}

export interface ReadLogOptions {
  /** Nanoseconds since the epoch; both bounds inclusive. */
  since?: bigint;
  until?: bigint;
  /** The last N lines; negative: all. */
  tail: number;
  timestamps: boolean;
  /** docker logs --details: the entry's attributes (none in ce's log yet) and a space before each line. */
  details?: boolean;
  /** Set to follow new lines: resolves once the container stopped and its log is closed. */
  stopped?: Promise<unknown>;
  signal?: AbortSignal;
  /** How often to look for growth when no watch event came. */
  pollMs?: number;
}

interface Entry {
  log: string;
  stream: LogStreamName;
  time: string;
}

const READ_CHUNK = 1024 * 1024;
const BATCH_BYTES = 256 * 1024;
const NEWLINE = 0x0a;

/**
 * Reads a Docker json-file log as docker logs shows it: optionally its last
 * lines only (found by reading backwards), filtered by time, then, when
 * following, the lines written after until the container stops. Pieces of a
 * line the writer split (entries without a newline) are joined and carry the
 * first piece's time. Consecutive lines of one stream are sent together.
 */
export async function* readJsonLog(path: string, options: ReadLogOptions): AsyncGenerator<LogChunk> {
  const file = await openIfExists(path);
  if (!file && !options.stopped) return;
  const reader = new LogReader(options);
  const following = options.stopped ? new GrowthWatcher(path, options.pollMs ?? 250) : undefined;
  let handle = file;
  try {
    let offset = 0;
    if (handle && options.tail >= 0) offset = await tailStart(handle, await wholeLinesEnd(handle), options.tail);
    let stopped = false;
    const untilMs = options.until === undefined ? undefined : Number(options.until / 1_000_000n);
    options.stopped?.then(() => ((stopped = true), following?.wake()), () => ((stopped = true), following?.wake()));
    for (;;) {
      // The log is closed before `stopped` resolves: a read that begins after it drains everything.
      // Docker also ends a follow at its --until time (checked at least every poll).
      const stoppedBeforeRead = stopped || (untilMs !== undefined && Date.now() > untilMs);
      if (!handle) handle = await openIfExists(path);
      if (handle) {
        const read = reader.readFrom(handle, offset);
        for (let r = await read.next(); !r.done; r = await read.next()) {
          if (typeof r.value === 'number') offset = r.value;
          else yield r.value;
          if (reader.pastUntil || options.signal?.aborted) return;
        }
      }
      const flushed = reader.flushBatch();
      if (flushed) yield flushed;
      if (!following || stoppedBeforeRead || options.signal?.aborted) break;
      if ((await following.next(options.signal)) === 'aborted') return;
    }
    for (const chunk of reader.finish()) yield chunk;
  } finally {
    following?.close();
    await handle?.close();
  }
}

async function openIfExists(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Where the whole lines end: a writer may be in the middle of the last one. */
async function wholeLinesEnd(file: FileHandle): Promise<number> {
  const { size } = await file.stat();
  for await (const { start, line } of linesBackward(file, size)) {
    return start + line.length === size ? start : size;
  }
  return 0;
}

/**
 * Where the last `count` lines begin. An entry ends a line when its text ends
 * in a newline or it is the last entry of its stream (a piece flushed at EOF).
 */
async function tailStart(file: FileHandle, end: number, count: number): Promise<number> {
  const seen = new Set<string>();
  let lineEnds = 0;
  for await (const { start, line } of linesBackward(file, end)) {
    const entry = parseEntry(line);
    if (!entry) continue;
    if (entry.log.endsWith('\n') || !seen.has(entry.stream)) {
      if (lineEnds === count) return start + line.length + 1;
      lineEnds++;
    }
    seen.add(entry.stream);
  }
  return 0;
}

function parseEntry(line: Buffer): Entry | undefined {
  if (line.length === 0) return undefined;
  try {
    const e = JSON.parse(line.toString('utf8')) as Entry;
    return typeof e.log === 'string' && (e.stream === 'stdout' || e.stream === 'stderr') && typeof e.time === 'string' ? e : undefined;
  } catch {
    return undefined;
  }
}

/** Turns entries into formatted, filtered, batched chunks, keeping split lines' pieces until their end. */
class LogReader {
  pastUntil = false;
  private readonly pieces: Record<LogStreamName, { text: string; time: string } | undefined> = { stdout: undefined, stderr: undefined };
  private batch: { stream: LogStreamName; parts: string[]; bytes: number } | undefined;

  constructor(private readonly options: ReadLogOptions) {}

  /** Yields chunks as batches fill, and the offset after the last whole line read. */
  async *readFrom(file: FileHandle, from: number): AsyncGenerator<LogChunk | number> {
    const buffer = Buffer.alloc(READ_CHUNK);
    let carry: Buffer | undefined;
    let offset = from;
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, offset + (carry?.length ?? 0));
      if (bytesRead === 0) return;
      const data = carry ? Buffer.concat([carry, buffer.subarray(0, bytesRead)]) : buffer.subarray(0, bytesRead);
      let start = 0;
      for (let nl = data.indexOf(NEWLINE); nl >= 0; nl = data.indexOf(NEWLINE, start)) {
        const chunk = this.add(data.subarray(start, nl));
        start = nl + 1;
        if (this.pastUntil) return;
        if (chunk) yield chunk;
      }
      offset += start;
      carry = start < data.length ? Buffer.from(data.subarray(start)) : undefined;
      yield offset;
    }
  }

  private add(line: Buffer): LogChunk | undefined {
    const entry = parseEntry(line);
    if (!entry) return undefined;
    const piece = this.pieces[entry.stream];
    if (!entry.log.endsWith('\n')) {
      if (piece) piece.text += entry.log;
      else this.pieces[entry.stream] = { text: entry.log, time: entry.time };
      return undefined;
    }
    this.pieces[entry.stream] = undefined;
    return piece ? this.line(entry.stream, piece.text + entry.log, piece.time) : this.line(entry.stream, entry.log, entry.time);
  }

  private line(stream: LogStreamName, text: string, time: string): LogChunk | undefined {
    const { since, until } = this.options;
    if (since !== undefined || until !== undefined) {
      const t = logTimeNanos(time);
      if (since !== undefined && t < since) return undefined;
      if (until !== undefined && t > until) {
        this.pastUntil = true;
        return undefined;
      }
    }
    const detailed = this.options.details ? ` ${text}` : text;
    const out = this.options.timestamps ? `${fixedNanoTime(time)} ${detailed}` : detailed;
    let full: LogChunk | undefined;
    if (this.batch && (this.batch.stream !== stream || this.batch.bytes >= BATCH_BYTES)) full = this.flushBatch();
    this.batch ??= { stream, parts: [], bytes: 0 };
    this.batch.parts.push(out);
    this.batch.bytes += out.length;
    return full;
  }

  flushBatch(): LogChunk | undefined {
    const b = this.batch;
    this.batch = undefined;
    return b ? { stream: b.stream, data: Buffer.from(b.parts.join('')) } : undefined;
  }

  /** At the end: pieces never finished by a newline are lines of their own. */
  finish(): LogChunk[] {
    const out: LogChunk[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      const piece = this.pieces[stream];
      this.pieces[stream] = undefined;
      if (!piece || this.pastUntil) continue;
      const full = this.line(stream, piece.text, piece.time);
      if (full) out.push(full);
    }
    const last = this.flushBatch();
    if (last) out.push(last);
    return out;
  }
}

/** Wakes a follower when the log may have grown: a watch event, a bounded poll, or the container's stop. */
class GrowthWatcher {
  private watcher: FSWatcher | undefined;
  private waiting: (() => void) | undefined;
  private dirty = false;

  constructor(
    private readonly path: string,
    private readonly pollMs: number,
  ) {
    this.rewatch();
  }

  private rewatch(): void {
    if (this.watcher) return;
    try {
      this.watcher = watch(this.path, { persistent: false }, () => this.wake());
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      // Not there yet (or the watch limit is reached): the poll covers it.
    }
  }

  wake(): void {
    this.dirty = true;
    this.waiting?.();
  }

  /** Waits for a reason to read again. */
  async next(signal?: AbortSignal): Promise<'read' | 'aborted'> {
    if (signal?.aborted) return 'aborted';
    this.rewatch();
    if (!this.dirty) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.pollMs);
        const onAbort = () => done();
        signal?.addEventListener('abort', onAbort, { once: true });
        function done() {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }
        this.waiting = done;
      });
      this.waiting = undefined;
    }
    this.dirty = false;
    return signal?.aborted ? 'aborted' : 'read';
  }

  close(): void {
    this.watcher?.close();
    this.waiting?.();
  }
}
