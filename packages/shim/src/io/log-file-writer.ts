import { constants, fstatSync, ftruncateSync, openSync, readSync, write, closeSync } from 'node:fs';
import { LogRotation, type RotationPolicy } from './log-rotation.js';

/** Something the log writer could not do, or recovered from; reported at most once per report interval. */
export interface LogWriteProblem {
  kind: 'log-write-failed' | 'log-write-resumed';
  message: string;
  /** The errno code of the last failed write, e.g. ENOSPC. */
  code: string;
  /** Lines and bytes dropped since the previous report. */
  droppedLines: number;
  droppedBytes: number;
}

export interface LogFileWriterOptions {
  onProblem?: (problem: LogWriteProblem) => void;
  /** While the writer is healthy but behind, it asks the producer to pause (true) and to go on (false). */
  onPressure?: (behind: boolean) => void;
  /** After a failed write, the next attempt waits this long. */
  retryMs?: number;
  /** Problems are reported at most this often. */
  reportMs?: number;
  /** Lines waiting beyond this many bytes are dropped (while writes fail, only the newest 64 KiB wait). */
  maxPendingBytes?: number;
  /** Waiting plus in-flight bytes above which a healthy writer asks the producer to pause. */
  highWaterBytes?: number;
  /** Rotate by size, as Docker's json-file and local drivers do; unset: the file grows without bound. */
  rotation?: RotationPolicy;
  /** Where the whole records of a file end (cutting what an earlier writer tore); default: after its last newline. */
  wholeRecordsEnd?: (fd: number) => number;
}

const NEWLINE = 0x0a;
const BACKLOG_WHILE_FAILING = 64 * 1024;

/**
 * Appends whole records (a line each, or one framed entry) to a file, many per
 * write(2), and rotates it by size when asked. A failed write
 * (ENOSPC, EIO, EDQUOT...) never leaves a torn line: the file is truncated
 * back to its last whole line, what could not be written is dropped and
 * counted, and writing is retried at most once per retry interval, so a full
 * disk costs neither a spinning CPU nor the rest of the log once space returns.
 */
export class LogFileWriter {
  private fd: number;
  /** Bytes of whole lines in the file: where a failed write truncates back to. */
  private size: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private inFlight: Buffer[] = [];
  private inFlightBytes = 0;
  private readonly rotation: LogRotation | undefined;
  private readonly wholeRecordsEnd: (fd: number) => number;
  private writing = false;
  private behind = false;
  private failure: { code: string; retryAt: number } | null = null;
  private retryTimer: NodeJS.Timeout | undefined;
  private reportTimer: NodeJS.Timeout | undefined;
  private lastReportAt = -Infinity;
  private unreported = { lines: 0, bytes: 0 };
  /** True when something happened (failure, drop, recovery) that the next report must tell. */
  private reportDue = false;
  private closing = false;
  /** A failed write left bytes after the last whole line and truncating them failed too. */
  private tornTail = false;
  private idle: (() => void)[] = [];
  private reopens: { resolve: () => void; reject: (err: Error) => void }[] = [];
  private readonly retryMs: number;
  private readonly reportMs: number;
  private readonly maxPendingBytes: number;
  private readonly highWaterBytes: number;

  constructor(
    readonly path: string,
    private readonly options: LogFileWriterOptions = {},
  ) {
    this.retryMs = options.retryMs ?? 1000;
    this.reportMs = options.reportMs ?? 5000;
    this.maxPendingBytes = options.maxPendingBytes ?? 8 * 1024 * 1024;
    this.highWaterBytes = options.highWaterBytes ?? 1024 * 1024;
    this.wholeRecordsEnd = options.wholeRecordsEnd ?? lastNewlineEnd;
    this.fd = openLogFile(path);
    this.size = this.trimTornTail();
    this.rotation = options.rotation ? new LogRotation(path, options.rotation) : undefined;
  }

  /** Queues one whole record (a line ending in a newline, or a framed entry) for writing. */
  append(line: Buffer): void {
    if (this.closing) return;
    if (!this.failure && this.pendingBytes + line.length > this.maxPendingBytes) {
      this.drop(1, line.length);
      return;
    }
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (this.failure) this.keepNewest(BACKLOG_WHILE_FAILING);
    this.updatePressure();
    this.kick();
  }

  /** Writes what is queued (one last attempt even while failing), then closes the file. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    let lastAttempt = true;
    while (this.writing || this.pendingBytes > 0) {
      if (!this.writing) {
        if (this.failure) {
          if (!lastAttempt) break;
          lastAttempt = false;
          this.failure.retryAt = 0;
        }
        this.kick();
      }
      await this.whenIdle();
    }
    clearTimeout(this.retryTimer);
    clearTimeout(this.reportTimer);
    if (this.pendingBytes) this.drop(this.pending.length, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    if (this.reportDue) this.report();
    closeSync(this.fd);
    this.fd = -1;
    await this.rotation?.settled();
    this.rotation?.close();
  }

  /**
   * Closes the file and opens its path again, between two writes: after the
   * file was renamed (the kubelet's rotation), the log goes on in a new one.
   */
  reopen(): Promise<void> {
    if (this.closing) return Promise.reject(new Error(`the log ${this.path} is closed`));
    const done = new Promise<void>((resolve, reject) => this.reopens.push({ resolve, reject }));
    if (!this.writing) this.reopenNow();
    return done;
  }

  private reopenNow(): void {
    const waiters = this.reopens.splice(0);
    try {
      const fd = openLogFile(this.path);
      closeSync(this.fd);
      this.fd = fd;
      this.size = this.trimTornTail();
      for (const w of waiters) w.resolve();
    } catch (err) {
      for (const w of waiters) w.reject(err as Error);
    }
  }

  private whenIdle(): Promise<void> {
    if (!this.writing) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private kick(): void {
    if (this.writing || this.pendingBytes === 0 || this.fd < 0) return;
    if (this.failure && Date.now() < this.failure.retryAt) {
      this.retryTimer ??= setTimeout(() => {
        this.retryTimer = undefined;
        this.kick();
      }, this.failure.retryAt - Date.now());
      return;
    }
    if (this.tornTail && !this.cutTornTail()) {
      this.failure = { code: this.failure?.code ?? 'EIO', retryAt: Date.now() + this.retryMs };
      this.kick();
      return;
    }
    const count = this.recordsThatFit();
    if (count === 0) {
      this.rotate();
      return;
    }
    const records = count === this.pending.length ? this.pending : this.pending.slice(0, count);
    const bytes = count === this.pending.length ? this.pendingBytes : records.reduce((n, r) => n + r.length, 0);
    const batch = records.length === 1 ? records[0]! : Buffer.concat(records, bytes);
    this.pending = count === this.pending.length ? [] : this.pending.slice(count);
    this.pendingBytes -= bytes;
    this.inFlight = records;
    this.inFlightBytes = batch.length;
    this.writing = true;
    this.writeFrom(batch, 0);
  }

  /**
   * How many waiting records go into the file before it must rotate: those that keep it
   * within max-size, and at least one in a file that holds none yet (a record bigger than
   * max-size gets a file of its own), so a log never holds more than max-size × max-file.
   */
  private recordsThatFit(): number {
    if (!this.rotation) return this.pending.length;
    let room = this.rotation.policy.maxSize - this.size;
    let n = 0;
    for (const r of this.pending) {
      if (r.length > room && !(n === 0 && this.size === 0)) break;
      room -= r.length;
      n++;
    }
    return n;
  }

  /** Rotates the file (waiting for the previous rotation's compression first), then writes on. */
  private rotate(): void {
    const rotation = this.rotation!;
    if (rotation.busy) {
      this.writing = true;
      void rotation.settled().then(() => this.finished());
      return;
    }
    try {
      closeSync(this.fd);
      this.fd = -1;
      rotation.rotate();
      this.fd = openLogFile(this.path);
      this.size = this.trimTornTail();
    } catch (err) {
      if (this.fd < 0) {
        try {
          this.fd = openLogFile(this.path);
          this.size = this.trimTornTail();
        } catch {
          // Not even the old file opens again: the next attempt retries.
        }
      }
      this.failure = { code: (err as NodeJS.ErrnoException).code ?? 'EIO', retryAt: Date.now() + this.retryMs };
      this.reportDue = true;
      this.scheduleReport();
    }
    this.kick();
  }

  private trimTornTail(): number {
    const size = fstatSync(this.fd).size;
    const end = this.wholeRecordsEnd(this.fd);
    if (end !== size) ftruncateSync(this.fd, end);
    return end;
  }

  /**
   * While writes fail, only the newest lines wait for the retry: after a
   * full disk the log then has one gap, and a backlog bigger than the freed
   * space cannot fill the disk again at once.
   */
  private keepNewest(maxBytes: number): void {
    let cut = 0;
    let bytes = 0;
    while (this.pendingBytes - bytes > maxBytes && cut < this.pending.length - 1) bytes += this.pending[cut++]!.length;
    if (cut === 0) return;
    this.pending.splice(0, cut);
    this.pendingBytes -= bytes;
    this.drop(cut, bytes);
  }

  private writeFrom(batch: Buffer, offset: number): void {
    write(this.fd, batch, offset, batch.length - offset, null, (err, n) => {
      if (err) return this.failed(batch, offset, err);
      // A short write (the disk filled up mid-batch) is followed by one that reports why.
      if (offset + n < batch.length) return this.writeFrom(batch, offset + n);
      this.size += batch.length;
      if (this.failure) this.recovered();
      this.finished();
    });
  }

  private failed(batch: Buffer, written: number, err: NodeJS.ErrnoException): void {
    let keep = 0;
    let kept = 0;
    for (const r of this.inFlight) {
      if (keep + r.length > written) break;
      keep += r.length;
      kept++;
    }
    this.size += keep;
    this.cutTornTail();
    const rest = batch.subarray(keep);
    this.failure = { code: err.code ?? 'EIO', retryAt: Date.now() + this.retryMs };
    this.reportDue = true;
    this.drop(this.inFlight.length - kept, rest.length);
    this.keepNewest(BACKLOG_WHILE_FAILING);
    this.finished();
  }

  /** Truncates the file to its whole lines; true when it is. Retried before the next write if it fails. */
  private cutTornTail(): boolean {
    try {
      ftruncateSync(this.fd, this.size);
      this.tornTail = false;
    } catch {
      this.tornTail = true;
    }
    return !this.tornTail;
  }

  private finished(): void {
    this.writing = false;
    this.inFlight = [];
    this.inFlightBytes = 0;
    if (this.reopens.length) this.reopenNow();
    this.updatePressure();
    for (const resolve of this.idle.splice(0)) resolve();
    this.kick();
  }

  private recovered(): void {
    this.failure = null;
    this.reportDue = true;
    this.scheduleReport();
  }

  private drop(lines: number, bytes: number): void {
    this.unreported.lines += lines;
    this.unreported.bytes += bytes;
    this.reportDue = true;
    this.scheduleReport();
  }

  private scheduleReport(): void {
    if (this.reportTimer || this.closing) return;
    const wait = this.lastReportAt + this.reportMs - Date.now();
    if (wait <= 0) {
      this.report();
      return;
    }
    this.reportTimer = setTimeout(() => {
      this.reportTimer = undefined;
      if (this.reportDue) this.report();
    }, wait);
  }

  /** Tells the current state: still failing (and what was dropped), or writing again. */
  private report(): void {
    this.lastReportAt = Date.now();
    this.reportDue = false;
    const { lines, bytes } = this.unreported;
    this.unreported = { lines: 0, bytes: 0 };
    this.options.onProblem?.(logWriteProblem(this.path, this.failure?.code ?? null, lines, bytes, `retrying every ${this.retryMs / 1000}s`));
  }

  private updatePressure(): void {
    const behind = !this.failure && !this.closing && this.pendingBytes + this.inFlightBytes >= this.highWaterBytes;
    if (behind === this.behind) return;
    this.behind = behind;
    this.options.onPressure?.(behind);
  }
}

/**
 * A report of a container log's writes, in the words ced logs: failing with `code` (null: written
 * again), the lines and bytes dropped since the last report, and how the writer retries.
 */
export function logWriteProblem(path: string, code: string | null, droppedLines: number, droppedBytes: number, retrying: string): LogWriteProblem {
  const dropped = `dropped ${droppedLines} lines (${droppedBytes} bytes) since the last report`;
  return code !== null
    ? { kind: 'log-write-failed', code, message: `writing the container log ${path} failed: ${errnoText(code)}; ${dropped}; ${retrying}`, droppedLines, droppedBytes }
    : { kind: 'log-write-resumed', code: '', message: `the container log ${path} is written again; ${dropped}`, droppedLines, droppedBytes };
}

function errnoText(code: string): string {
  if (code === 'ENOSPC') return 'ENOSPC (no space left on device)';
  if (code === 'EDQUOT') return 'EDQUOT (disk quota exceeded)';
  return code;
}

function openLogFile(path: string): number {
  return openSync(path, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT, 0o640); // libuv adds O_CLOEXEC
}

/** Where the file's whole lines end: after its last newline (a line an earlier writer left unfinished is cut). */
function lastNewlineEnd(fd: number): number {
  const size = fstatSync(fd).size;
  const chunk = Buffer.alloc(64 * 1024);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const n = readSync(fd, chunk, 0, end - start, start);
    const nl = chunk.subarray(0, n).lastIndexOf(NEWLINE);
    if (nl >= 0) return start + nl + 1;
    end = start;
  }
  return 0;
}
