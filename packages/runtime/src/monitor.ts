import type { Readable } from 'node:stream';
import { RuntimeError } from './errors.js';
import { parseLogWriteReport } from './monitor-lines.js';

/**
 * Start the container through ce-monitor (decision 0029): a small native
 * process that becomes the container init's parent and subreaper, holds its
 * stdio, writes its log and its exit status, serves attach on a unix socket,
 * and outlives the caller.
 */
export interface MonitorOptions {
  /** The monitor's unix socket (at most 107 bytes): attach, resize, close-stdin, wait. */
  socket: string;
  /** The existing folder where the monitor writes exit-status.json (@ce/shim's exit file) once its process exited. */
  exitDir: string;
  /** The container gets a stdin pipe, written through `attach 1 …` on the socket. */
  stdin?: boolean;
  /**
   * The log the monitor writes: Docker's json-file (the default), Docker's local driver format
   * (`local`), or the kubelet's CRI format (`cri`, never rotated by the monitor: the kubelet
   * renames the file and asks for a reopen, the socket's `reopen`). `compress`: each rotated
   * file is gzipped (x.1.gz), by a child of the monitor, as Docker's compress option does.
   */
  log?: { path: string; maxSize: number; maxFiles: number; format?: MonitorLogFormat; compress?: boolean };
  /** The cgroup file whose `oom_kill N` line counts OOM kills (v2 memory.events, v1 memory.oom_control). */
  oomFile?: string;
  /** A file the monitor appends its own diagnostics to; default: none (/dev/null). */
  diagnostics?: string;
  /**
   * The monitor reads (and logs) no output until a client sends `release` on
   * its socket, or for at most this many milliseconds: an exec runs at once,
   * and the sessions attached before its start connect to the monitor only
   * after it started. A start that fails releases the output by itself.
   */
  holdOutputMs?: number;
  /**
   * The log's writes failed, or succeed again after failing (at most every 5 s, as the monitor
   * reports them). Only while the caller of create runs: a monitor adopted later has no status pipe.
   */
  onLogWrite?: (report: MonitorLogWriteReport) => void;
}

/** What ce-monitor reports of its log's writes: failing (and why), or written again. */
export interface MonitorLogWriteReport {
  kind: 'log-write-failed' | 'log-write-resumed';
  /** The errno code of the failed writes, e.g. ENOSPC; '' once written again. */
  code: string;
  /** Lines and bytes dropped since the previous report. */
  droppedLines: number;
  droppedBytes: number;
}

/** A started monitor: its pid and socket, and when it is done (container exited, output drained). */
export interface MonitorHandle {
  pid: number;
  socket: string;
  /** Resolves once the monitor reported its container's output drained and exited (or died). */
  done: Promise<void>;
}

/** The container init's exit as the monitor reports it. */
export interface MonitorExit {
  exitStatus: number;
  signal: number | null;
  exitedAt: Date;
  oomKilled: boolean;
}

export type MonitorLogFormat = 'json-file' | 'cri' | 'local';

const SOCKET_PATH_MAX = 107;

/** The monitor's flags for these options (the status fd and the ce-init command are added by spawnInit). */
export function monitorArgs(opts: MonitorOptions, terminalFd: number | undefined): string[] {
  if (!opts.socket || Buffer.byteLength(opts.socket) > SOCKET_PATH_MAX) {
    throw new RuntimeError('InvalidArgument', `monitor socket path ${JSON.stringify(opts.socket)} must be 1 to ${SOCKET_PATH_MAX} bytes long`);
  }
  if (!opts.exitDir) throw new RuntimeError('InvalidArgument', 'monitor exitDir is required');
  const args = ['--bundle', opts.exitDir, '--socket', opts.socket];
  if (opts.stdin) args.push('--stdin');
  if (terminalFd !== undefined) args.push('--terminal', String(terminalFd));
  if (opts.log) {
    const { path, maxSize, maxFiles, format = 'json-file', compress = false } = opts.log;
    if (!(maxSize === -1 || maxSize > 0) || !Number.isSafeInteger(maxSize)) throw new RuntimeError('InvalidArgument', `monitor log maxSize must be positive or -1, not ${maxSize}`);
    if (!Number.isSafeInteger(maxFiles) || maxFiles < 1) throw new RuntimeError('InvalidArgument', `monitor log maxFiles must be at least 1, not ${maxFiles}`);
    if (format !== 'json-file' && format !== 'cri' && format !== 'local') {
      throw new RuntimeError('InvalidArgument', `monitor log format must be json-file, cri or local, not ${JSON.stringify(format)}`);
    }
    args.push('--log-path', path, '--log-max-size', String(maxSize), '--log-max-file', String(maxFiles), '--log-format', format);
    if (compress) args.push('--log-compress');
  }
  if (opts.oomFile) args.push('--oom-file', opts.oomFile);
  if (opts.holdOutputMs !== undefined) {
    if (!Number.isSafeInteger(opts.holdOutputMs) || opts.holdOutputMs <= 0) throw new RuntimeError('InvalidArgument', `monitor holdOutputMs must be a positive number of milliseconds, not ${opts.holdOutputMs}`);
    args.push('--hold-output', String(opts.holdOutputMs));
  }
  return args;
}

/**
 * The monitor's status pipe: "ce-init <pid>", then "exit <status> <signal>
 * <ms> <oom>" (or "ce-init-exit <status>" when no container init started, or
 * "error <why>"), then "drained"; and at any time "log-write-failed <errno>
 * <lines> <bytes>" or "log-write-resumed <lines> <bytes>". A pipe that closes
 * before the exit line means the monitor died.
 */
export class MonitorStatus {
  readonly ceInitPid: Promise<number>;
  readonly exited: Promise<MonitorExit>;
  /** ce-init's exit status when it exited without a container init (a failed create). */
  readonly ceInitExited: Promise<number>;
  readonly drained: Promise<void>;
  /** The last `error <why>` the monitor reported ('' if none): why it could not start ce-init. */
  lastError = '';
  private text = '';

  constructor(stream: Readable, monitorPid: number, onLogWrite?: (report: MonitorLogWriteReport) => void) {
    let onCeInit!: (pid: number) => void;
    let onExit!: (e: MonitorExit) => void;
    let onCeInitExit!: (status: number) => void;
    let onDrained!: () => void;
    let fail!: (err: Error) => void;
    const failures: Array<(err: Error) => void> = [];
    const pending = <T>(set: (resolve: (v: T) => void) => void) =>
      new Promise<T>((resolve, reject) => {
        set(resolve);
        failures.push(reject);
      });
    this.ceInitPid = pending<number>((r) => (onCeInit = r));
    this.exited = pending<MonitorExit>((r) => (onExit = r));
    this.ceInitExited = pending<number>((r) => (onCeInitExit = r));
    this.drained = pending<void>((r) => (onDrained = r));
    for (const p of [this.ceInitPid, this.exited, this.ceInitExited, this.drained]) p.catch(() => {});
    fail = (err) => failures.forEach((reject) => reject(err));
    stream.on('data', (chunk: Buffer) => {
      this.text += chunk.toString('utf8');
      for (let nl = this.text.indexOf('\n'); nl >= 0; nl = this.text.indexOf('\n')) {
        const line = this.text.slice(0, nl);
        this.text = this.text.slice(nl + 1);
        const [word, ...rest] = line.split(' ');
        if (word === 'ce-init') onCeInit(Number(rest[0]));
        else if (word === 'exit') {
          const [status, signal, ms, oom] = rest.map(Number);
          onExit({ exitStatus: status!, signal: signal ? signal : null, exitedAt: new Date(ms!), oomKilled: oom === 1 });
        } else if (word === 'ce-init-exit') onCeInitExit(Number(rest[0]));
        else if (word === 'drained') onDrained();
        else if (word === 'error') this.lastError = rest.join(' ');
        else {
          const report = parseLogWriteReport(line);
          if (report) onLogWrite?.(report);
        }
      }
    });
    const closed = () =>
      fail(new RuntimeError('Unavailable', `ce-monitor ${monitorPid} ended before its container did${this.lastError ? `: ${this.lastError}` : ''}`));
    stream.on('error', closed);
    stream.on('close', closed);
  }
}

