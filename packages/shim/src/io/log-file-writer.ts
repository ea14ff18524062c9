import { constants, fstatSync, ftruncateSync, openSync, readSync, write, closeSync } from 'node:fs';

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
}

const NEWLINE = 0x0a;
const BACKLOG_WHILE_FAILING = 64 * 1024;

/**
 * Appends whole lines to a file, many lines per write(2). A failed write
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
  private inFlightBytes = 0;
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
  private idle: (() => void)[] = [];
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
    this.fd = openSync(path, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT, 0o640); // libuv adds O_CLOEXEC
    this.size = trimTornTail(this.fd);
  }

  /** Queues one whole line (ending in a newline) for writing. */
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
    const lines = this.pending;
    const batch = lines.length === 1 ? lines[0]! : Buffer.concat(lines, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.inFlightBytes = batch.length;
    this.writing = true;
    this.writeFrom(batch, 0);
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
    const keep = batch.lastIndexOf(NEWLINE, written - 1) + 1;
    try {
      ftruncateSync(this.fd, this.size + keep);
      this.size += keep;
    } catch {
      // Cannot happen on a file we hold open for writing; the torn tail is retried below.
      this.size = trimTornTail(this.fd);
    }
    const rest = batch.subarray(keep);
    this.failure = { code: err.code ?? 'EIO', retryAt: Date.now() + this.retryMs };
    this.reportDue = true;
    this.drop(countNewlines(rest), rest.length);
    this.keepNewest(BACKLOG_WHILE_FAILING);
    this.finished();
  }

  private finished(): void {
    this.writing = false;
    this.inFlightBytes = 0;
    this.updatePressure();
    for (const resolve of this.idle.splice(0)) resolve();
    this.kick();
  }

  private recovered(): void {
    this.reportDue = true;
    this.scheduleReport();
    this.failure = null;
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
    const dropped = `dropped ${lines} lines (${bytes} bytes) since the last report`;
    const failure = this.failure;
    const problem: LogWriteProblem = failure
      ? {
          kind: 'log-write-failed',
          code: failure.code,
          message: `writing the container log ${this.path} failed: ${describe(failure.code)}; ${dropped}; retrying every ${this.retryMs / 1000}s`,
          droppedLines: lines,
          droppedBytes: bytes,
        }
      : {
          kind: 'log-write-resumed',
          code: '',
          message: `the container log ${this.path} is written again; ${dropped}`,
          droppedLines: lines,
          droppedBytes: bytes,
        };
    this.options.onProblem?.(problem);
  }

  private updatePressure(): void {
    const behind = !this.failure && !this.closing && this.pendingBytes + this.inFlightBytes >= this.highWaterBytes;
    if (behind === this.behind) return;
    this.behind = behind;
    this.options.onPressure?.(behind);
  }
}

function describe(code: string): string {
  if (code === 'ENOSPC') return 'ENOSPC (no space left on device)';
  if (code === 'EDQUOT') return 'EDQUOT (disk quota exceeded)';
  return code;
}

function countNewlines(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(NEWLINE); i >= 0; i = buf.indexOf(NEWLINE, i + 1)) n++;
  return n;
}

/** Cuts a line left unfinished by an earlier writer (a crash, an old shim) so that every line parses; returns the new size. */
function trimTornTail(fd: number): number {
  let size = fstatSync(fd).size;
  const chunk = Buffer.alloc(64 * 1024);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const n = readSync(fd, chunk, 0, end - start, start);
    const nl = chunk.subarray(0, n).lastIndexOf(NEWLINE);
    if (nl >= 0) {
      end = start + nl + 1;
      break;
    }
    end = start;
  }
  if (end !== size) {
    ftruncateSync(fd, end);
    size = end;
  }
  return size;
}
