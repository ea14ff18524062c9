import { watch, type FSWatcher } from 'node:fs';
import { currentGeneration, openLogFiles, openNextLogFile, type OpenLogFile } from './log-files.js';
import { recordFormat, type LogEntry, type LogRecordFormat, type LogStreamName, type ReadableLogFile } from './log-record-format.js';
import { fixedNanoTime, logTimeNanos } from './log-time.js';

export type { LogStreamName } from './log-record-format.js';

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

const READ_CHUNK = 1024 * 1024;
/**
 * The smallest read buffer. A reader's buffer fits what there is to read (a power of two, up to READ_CHUNK):
 * a 1 MiB buffer for a log of a few lines made V8 count 1 MiB of external memory per request, and collect
 * garbage for that pressure every few dozen requests.
 */
const MIN_READ = 4096;
const BATCH_BYTES = 256 * 1024;

/** A json-file log (rotated or not) as docker logs shows it; see readContainerLog. */
export function readJsonLog(path: string, options: ReadLogOptions): AsyncGenerator<LogChunk> {
  return readContainerLog(path, 'json-file', options);
}

/**
 * Reads a container's log as docker logs shows it: the rotated files oldest first, then
 * the current one; optionally their last lines only (found by reading backwards),
 * filtered by time; then, when following, the lines written after until the container
 * stops, going on into each new file the shim rotates to, without gap or repeat. Pieces
 * of a line the writer split (entries without a newline) are joined and carry the first
 * piece's time. Consecutive lines of one stream are sent together.
 */
export async function* readContainerLog(path: string, driver: 'json-file' | 'local', options: ReadLogOptions): AsyncGenerator<LogChunk> {
  const format = recordFormat(driver);
  const reader = new LogReader(options, format);
  const following = options.stopped ? new GrowthWatcher(path, options.pollMs ?? 250) : undefined;
  let { generation, files } = await openLogFiles(path);
  if (!files.length && !options.stopped) return;
  let current: OpenLogFile | undefined;
  try {
    let at = { index: 0, offset: 0 };
    if (options.tail >= 0 && files.length) at = await tailStart(files, format, options.tail);
    // Files before the tail's start are not read.
    for (const f of files.splice(0, at.index)) await f.close();
    let offset = at.offset;
    let stopped = false;
    const untilMs = options.until === undefined ? undefined : Number(options.until / 1_000_000n);
    options.stopped?.then(() => ((stopped = true), following?.wake()), () => ((stopped = true), following?.wake()));
    // Every file but the last is complete.
    while (files.length > 1) {
      const file = files.shift()!;
      try {
        for await (const chunk of reader.readAll(file.file, offset)) yield chunk;
      } finally {
        await file.close();
      }
      offset = 0;
      if (options.signal?.aborted) return;
      if (reader.pastUntil) break;
    }
    current = reader.pastUntil ? undefined : files.shift();
    if (current) generation = current.generation;
    while (!reader.pastUntil) {
      // The log is closed before `stopped` resolves: a read that begins after it drains everything.
      // Docker also ends a follow at its --until time (checked at least every poll).
      const stoppedBeforeRead = stopped || (untilMs !== undefined && Date.now() > untilMs);
      for (;;) {
        if (current) {
          for await (const r of reader.readFrom(current.file, offset)) {
            if (typeof r === 'number') offset = r;
            else yield r;
            if (options.signal?.aborted) return;
          }
        }
        if (!following || reader.pastUntil) break;
        // Rotated since: the open file is complete once read again; the next one follows it.
        const now = await currentGeneration(path);
        if (now === undefined || (current ? now <= generation : now < generation)) break;
        const next = current ? await openNextLogFile(path, generation) : (await openLogFiles(path)).files.pop();
        if (current) {
          for await (const r of reader.readFrom(current.file, offset)) if (typeof r !== 'number') yield r;
          await current.close();
        }
        current = next;
        offset = 0;
        if (!current) break;
        generation = current.generation;
      }
      const flushed = reader.flushBatch();
      if (flushed) yield flushed;
      if (!following || stoppedBeforeRead || reader.pastUntil || options.signal?.aborted) break;
      if ((await following.next(options.signal)) === 'aborted') return;
    }
    for (const chunk of reader.finish()) yield chunk;
  } finally {
    following?.close();
    await current?.close().catch(() => undefined);
    for (const f of files) await f.close().catch(() => undefined);
  }
}

/**
 * Where the last `count` lines begin, searching the files newest first. An entry ends a
 * line when its text ends in a newline or it is the last entry of its stream (a piece
 * flushed at EOF).
 */
async function tailStart(files: OpenLogFile[], format: LogRecordFormat, count: number): Promise<{ index: number; offset: number }> {
  const seen = new Set<string>();
  let lineEnds = 0;
  for (let index = files.length - 1; index >= 0; index--) {
    const file = files[index]!.file;
    const end = index === files.length - 1 ? await format.wholeEnd(file) : await file.size();
    for await (const { end: recordEnd, record } of format.backward(file, end)) {
      const entry = format.parse(record);
      if (!entry) continue;
      if (entry.log.endsWith('\n') || !seen.has(entry.stream)) {
        if (lineEnds === count) return { index, offset: recordEnd };
        lineEnds++;
      }
      seen.add(entry.stream);
    }
  }
  return { index: 0, offset: 0 };
}

/** Turns entries into formatted, filtered, batched chunks, keeping split lines' pieces until their end. */
class LogReader {
  pastUntil = false;
  private readonly pieces: Record<LogStreamName, { text: string; time: string } | undefined> = { stdout: undefined, stderr: undefined };
  private batch: { stream: LogStreamName; parts: string[]; bytes: number } | undefined;
  private buffer: Buffer | undefined;

  constructor(
    private readonly options: ReadLogOptions,
    private readonly format: LogRecordFormat,
  ) {}

  /** The chunks of a complete file from an offset on. */
  async *readAll(file: ReadableLogFile, from: number): AsyncGenerator<LogChunk> {
    for await (const r of this.readFrom(file, from)) {
      if (typeof r !== 'number') yield r;
      if (this.pastUntil) return;
    }
  }

  /** Yields chunks as batches fill, and the offset after the last whole record read. */
  async *readFrom(file: ReadableLogFile, from: number): AsyncGenerator<LogChunk | number> {
    let carry: Buffer | undefined;
    let offset = from;
    for (;;) {
      const position = offset + (carry?.length ?? 0);
      const buffer = this.bufferFor((await file.size()) - position);
      const { bytesRead } = await file.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) return;
      const data = carry ? Buffer.concat([carry, buffer.subarray(0, bytesRead)]) : buffer.subarray(0, bytesRead);
      const { records, used } = this.format.split(data);
      for (const record of records) {
        const chunk = this.add(record);
        if (this.pastUntil) return;
        if (chunk) yield chunk;
      }
      offset += used;
      carry = used < data.length ? Buffer.from(data.subarray(used)) : undefined;
      yield offset;
    }
  }

  /**
   * One buffer for all of this reader's reads (a follower reads at every wake), grown when there is more to
   * read than it holds; its bytes past a read are never looked at.
   */
  private bufferFor(bytes: number): Buffer {
    let size = MIN_READ;
    while (size < bytes && size < READ_CHUNK) size *= 2;
    if (!this.buffer || this.buffer.length < size) this.buffer = Buffer.allocUnsafe(size);
    return this.buffer;
  }

  private add(record: Buffer): LogChunk | undefined {
    const entry: LogEntry | undefined = this.format.parse(record);
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
      this.watcher = watch(this.path, { persistent: false }, (event) => {
        // Renamed away (rotated): watch the new file at the path next time.
        if (event === 'rename') this.unwatch();
        this.wake();
      });
      this.watcher.on('error', () => this.unwatch());
    } catch {
      // Not there yet (or the watch limit is reached): the poll covers it.
    }
  }

  private unwatch(): void {
    this.watcher?.close();
    this.watcher = undefined;
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
        // Between a rotation's rename and the new file there is nothing to watch: look again soon.
        const timer = setTimeout(done, this.watcher ? this.pollMs : Math.min(this.pollMs, 10));
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
