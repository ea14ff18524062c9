import type { Readable, Writable } from 'node:stream';
import { OutputQueue, outputFlow, type AttachOptions, type AttachSession, type OutputChunk, type StreamName } from '@ce/protocol';
import type { ContainerLog } from './container-log.js';

interface Attached {
  options: AttachOptions;
  queue: OutputQueue<OutputChunk>;
}

/**
 * Owns a container's stdio: copies stdout and stderr to the log and to every
 * attached session, feeds stdin from attached sessions, and ends the sessions
 * when both output streams have closed.
 */
export class StdioHub {
  private readonly sessions = new Set<Attached>();
  private open = new Set<StreamName>();
  /** Sessions whose reader lags: while any does, the container's output is paused, as Docker's attach does. */
  private readonly lagging = new Set<Attached>();
  private readonly drained: Promise<void>;
  /** The log's disk lags behind the output: the container's output is paused too, as Docker's log copier blocks. */
  private logBehind = false;

  constructor(
    private readonly streams: { stdin: Writable | null; stdout: Readable | null; stderr: Readable | null },
    private readonly log: ContainerLog | null,
  ) {
    const done: Promise<void>[] = [];
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
          stream.on('error', finish);
        }),
      );
    }
    streams.stdin?.on('error', () => undefined);
    log?.onPressure((behind) => {
      this.logBehind = behind;
      this.updateFlow();
    });
    this.drained = Promise.all(done).then(() => undefined);
  }

  /** Resolves when the container has closed its stdout and stderr. */
  whenDrained(): Promise<void> {
    return this.drained;
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
    if (this.open.size === 0) entry.queue.end();
    else this.sessions.add(entry);
    const stdin = this.streams.stdin;
    return {
      ready: Promise.resolve(),
      output: entry.queue,
      writeStdin: (data) => {
        if (options.stdin && stdin && !stdin.writableEnded) stdin.write(data);
      },
      closeStdin: () => {
        if (options.stdin && stdin && !stdin.writableEnded) stdin.end();
      },
      resize: () => undefined,
      close: () => {
        this.sessions.delete(entry);
        entry.queue.end();
        this.setLagging(entry, false);
      },
    };
  }

  private setLagging(entry: Attached, lagging: boolean): void {
    if (lagging) this.lagging.add(entry);
    else this.lagging.delete(entry);
    this.updateFlow();
  }

  private updateFlow(): void {
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
