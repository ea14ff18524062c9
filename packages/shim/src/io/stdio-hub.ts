import type { Readable, Writable } from 'node:stream';
import { OutputQueue, outputFlow, type AttachOptions, type AttachSession, type OutputChunk, type StreamName } from '@ce/protocol';
import type { ContainerLog } from './container-log.js';

/** A process's stdio as the hub drives it: pipes, or a terminal (terminal-stdio.ts). */
export interface ProcessStdio {
  stdin: Writable | null;
  stdout: Readable | null;
  stderr: Readable | null;
  /** A terminal: one output stream, resizable, whose stdin is never ended by a client. */
  pty?: { resize(width: number, height: number): void };
}

/** What a task asks of its stdio, whoever holds it: the shim (StdioHub) or ce-monitor (MonitorStdio). */
export interface TaskStdio {
  attach(options: AttachOptions): AttachSession;
  /** Done once the holder of the stdio did it (ce-monitor answers over its socket). */
  resize(width: number, height: number): void | Promise<void>;
  closeStdin(): void | Promise<void>;
  /** Resolves when the process's output has ended. */
  whenDrained(): Promise<void>;
  /** The process will never run: end every session. */
  abandon(): void;
}

interface Attached {
  options: AttachOptions;
  queue: OutputQueue<OutputChunk>;
}

/** Stdin written by clients before the process exists, kept for it up to this many bytes. */
const PENDING_STDIN_LIMIT = 1024 * 1024;

/**
 * Owns a process's stdio: copies stdout and stderr to the log and to every
 * attached session (any number of them), feeds stdin from attached sessions,
 * and ends the sessions when both output streams have closed. A hub may be
 * made before its process exists (an exec that is attached, then started):
 * sessions wait for `connect`.
 */
export class StdioHub implements TaskStdio {
  private readonly sessions = new Set<Attached>();
  private open = new Set<StreamName>();
  /** Sessions whose reader lags: while any does, the process's output is paused, as Docker's attach does. */
  private readonly lagging = new Set<Attached>();
  private drained: Promise<void> = Promise.resolve();
  /** The log's disk lags behind the output: the process's output is paused too, as Docker's log copier blocks. */
  private logBehind = false;
  private streams: ProcessStdio | undefined;
  private pendingStdin: Buffer[] = [];
  private pendingBytes = 0;
  private stdinClosed = false;
  private abandoned = false;

  constructor(
    streams: ProcessStdio | null,
    private readonly log: ContainerLog | null,
  ) {
    log?.onPressure((behind) => {
      this.logBehind = behind;
      this.updateFlow();
    });
    if (streams) this.connect(streams);
  }

  /** Binds the process's streams (once); sessions attached before receive its output from now on. */
  connect(streams: ProcessStdio): void {
    if (this.streams) throw new Error('stdio hub: already connected');
    this.streams = streams;
    const done: Promise<void>[] = [];
    const endedBefore: Array<() => void> = [];
    for (const name of ['stdout', 'stderr'] as const) {
      const stream = streams[name];
      if (!stream) continue;
      this.open.add(name);
      done.push(
        new Promise<void>((resolve) => {
          stream.on('data', (data: Buffer) => this.deliver(name, data));
          const finish = () => {
            if (!this.open.delete(name)) return;
            this.log?.flush(name);
            if (this.open.size === 0) this.endAll();
            resolve();
          };
          stream.on('end', finish);
          stream.on('close', finish);
          // A terminal's master reads EIO once the last process holding it is gone: its output has ended.
          stream.on('error', finish);
          // A process that wrote nothing and exited while its start was under way (an exec of `true`):
          // its pipe was read to EOF and closed before this, so 'end' and 'close' will not come again.
          if (stream.readableEnded || stream.destroyed) endedBefore.push(finish);
        }),
      );
    }
    // Once every stream counts as open, so that the first one found ended does not end the sessions alone.
    for (const finish of endedBefore) finish();
    streams.stdin?.on('error', () => undefined);
    for (const data of this.pendingStdin.splice(0)) this.writeStdin(data);
    this.pendingBytes = 0;
    if (this.stdinClosed) this.closeStdin();
    if (this.open.size === 0) this.endAll();
    this.updateFlow();
    this.drained = Promise.all(done).then(() => undefined);
  }

  /** The process will never run (its start failed): end every session. */
  abandon(): void {
    this.abandoned = true;
    this.endAll();
  }

  /** Resolves when the process has closed its stdout and stderr. */
  whenDrained(): Promise<void> {
    return this.drained;
  }

  resize(width: number, height: number): void {
    this.streams?.pty?.resize(width, height);
  }

  /** Ends the process's stdin (EOF); a terminal's input stays open, as containerd's CloseIO leaves a console. */
  closeStdin(): void {
    if (!this.streams) {
      this.stdinClosed = true;
      return;
    }
    const stdin = this.streams.stdin;
    if (this.streams.pty || !stdin || stdin.writableEnded) return;
    stdin.end();
  }

  attach(options: AttachOptions): AttachSession {
    const entry: Attached = {
      options,
      queue: new OutputQueue<OutputChunk>(
        outputFlow(
          () => this.setLagging(entry, true),
          () => this.setLagging(entry, false),
        ),
      ),
    };
    if (this.abandoned || (this.streams && this.open.size === 0)) entry.queue.end();
    else this.sessions.add(entry);
    return {
      ready: Promise.resolve(),
      output: entry.queue,
      writeStdin: (data) => {
        if (options.stdin) this.writeStdin(data);
      },
      closeStdin: () => {
        if (options.stdin) this.closeStdin();
      },
      resize: (width, height) => this.resize(width, height),
      close: () => {
        this.sessions.delete(entry);
        entry.queue.end();
        this.setLagging(entry, false);
      },
    };
  }

  private writeStdin(data: Buffer): void {
    if (!this.streams) {
      if (this.pendingBytes + data.length > PENDING_STDIN_LIMIT) return;
      this.pendingStdin.push(data);
      this.pendingBytes += data.length;
      return;
    }
    const stdin = this.streams.stdin;
    if (stdin && !stdin.writableEnded && !stdin.destroyed) stdin.write(data);
  }

  private setLagging(entry: Attached, lagging: boolean): void {
    if (lagging) this.lagging.add(entry);
    else this.lagging.delete(entry);
    this.updateFlow();
  }

  private updateFlow(): void {
    if (!this.streams) return;
    for (const name of ['stdout', 'stderr'] as const) {
      const stream = this.streams[name];
      if (!stream) continue;
      if (this.lagging.size > 0 || this.logBehind) stream.pause();
      else stream.resume();
    }
  }

  private deliver(stream: StreamName, data: Buffer): void {
    this.log?.write(stream, data);
    for (const s of this.sessions) if (s.options[stream]) s.queue.push({ stream, data });
  }

  private endAll(): void {
    for (const s of this.sessions) s.queue.end();
    this.sessions.clear();
  }
}
