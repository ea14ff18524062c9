import type { ClientDuplexStream, ServerDuplexStream, ServiceError } from '@grpc/grpc-js';
import { fromServiceError } from './grpc-status.js';
import { toStatusObject } from './grpc-status.js';
import { invalidArgument } from './errors/index.js';
import { StdStream, type AttachInput, type AttachOpen, type AttachOutput } from './gen/ce/types/v1/stdio.js';

export type StreamName = 'stdout' | 'stderr';

export interface OutputChunk {
  stream: StreamName;
  data: Buffer;
}

/**
 * One attachment to a process's stdio, the same object whether the process is
 * in this process (shim), one hop away (supervisor) or two (ced).
 */
export interface AttachSession {
  /** Resolves once the attachment is in place: output from then on is not lost. */
  readonly ready: Promise<void>;
  /** Output until the process's streams close (or the session is closed). */
  readonly output: AsyncIterable<OutputChunk>;
  writeStdin(data: Buffer): void;
  closeStdin(): void;
  resize(width: number, height: number): void;
  /** Detaches; the process keeps running. */
  close(): void;
}

export type AttachOptions = Required<Pick<AttachOpen, 'id' | 'stdin' | 'stdout' | 'stderr'>> & {
  /** An exec process of the container (task) rather than its init. */
  execId?: string;
};

/**
 * Back-pressure for an OutputQueue: once `highWater` bytes wait unread, the
 * producer is told to pause (onFull); once half of that is read, to resume
 * (onDrain). A slow reader thus slows the container instead of filling memory.
 */
export interface QueueFlow<T> {
  size(item: T): number;
  highWater: number;
  onFull(): void;
  onDrain(): void;
}

/** Bytes of output that may wait unread at each hop before its source is paused. */
export const OUTPUT_HIGH_WATER = 1024 * 1024;

export const outputFlow = (onFull: () => void, onDrain: () => void): QueueFlow<OutputChunk> => ({
  size: (chunk) => chunk.data.length,
  highWater: OUTPUT_HIGH_WATER,
  onFull,
  onDrain,
});

/** A push-fed async iterable: the building block of AttachSession outputs. */
export class OutputQueue<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private waiting: Array<(r: IteratorResult<T>) => void> = [];
  private failure: ((err: unknown) => void)[] = [];
  private ended = false;
  private error: unknown;
  private queuedBytes = 0;
  private full = false;

  constructor(private readonly flow?: QueueFlow<T>) {}

  push(item: T): void {
    if (this.ended) return;
    const w = this.waiting.shift();
    this.failure.shift();
    if (w) return w({ value: item, done: false });
    this.items.push(item);
    if (!this.flow) return;
    this.queuedBytes += this.flow.size(item);
    if (!this.full && this.queuedBytes >= this.flow.highWater) {
      this.full = true;
      this.flow.onFull();
    }
  }

  private take(): T {
    const item = this.items.shift()!;
    if (this.flow) {
      this.queuedBytes -= this.flow.size(item);
      if (this.full && this.queuedBytes <= this.flow.highWater / 2) {
        this.full = false;
        this.flow.onDrain();
      }
    }
    return item;
  }

  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.error = error;
    if (this.full) {
      this.full = false;
      this.flow?.onDrain();
    }
    const waiting = this.waiting.splice(0);
    const failure = this.failure.splice(0);
    waiting.forEach((w, i) => (error ? failure[i]!(error) : w({ value: undefined, done: true })));
  }

  get isEnded(): boolean {
    return this.ended;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        if (this.items.length) return Promise.resolve({ value: this.take(), done: false });
        if (this.ended) return this.error ? Promise.reject(this.error) : Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          this.waiting.push(resolve);
          this.failure.push(reject);
        });
      },
      return: () => {
        this.end();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

/** Fans events out to subscribers, each an OutputQueue that ends when its signal aborts. */
export class Broadcaster<T> {
  private readonly subscribers = new Set<OutputQueue<T>>();

  subscribe(signal: AbortSignal): AsyncIterable<T> {
    const queue = new OutputQueue<T>();
    this.subscribers.add(queue);
    signal.addEventListener('abort', () => {
      this.subscribers.delete(queue);
      queue.end();
    });
    return queue;
  }

  publish(item: T): void {
    for (const q of this.subscribers) q.push(item);
  }

  /** Ends every subscription. */
  close(): void {
    for (const q of this.subscribers) q.end();
    this.subscribers.clear();
  }
}

const toWire = (name: StreamName) => (name === 'stdout' ? StdStream.STD_STREAM_STDOUT : StdStream.STD_STREAM_STDERR);

/**
 * Server side of an Attach bidi call: reads the opening message, asks `open`
 * for a session, answers `ready`, then relays output and input until either
 * side ends.
 */
export async function serveAttach(
  call: ServerDuplexStream<AttachInput, AttachOutput>,
  open: (options: AttachOptions) => Promise<AttachSession> | AttachSession,
): Promise<void> {
  const first = await new Promise<AttachInput | undefined>((resolve, reject) => {
    const onData = (msg: AttachInput) => {
      cleanup();
      resolve(msg);
    };
    const onEnd = () => {
      cleanup();
      resolve(undefined);
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      call.off('data', onData);
      call.off('end', onEnd);
      call.off('error', onError);
    };
    call.on('data', onData);
    call.on('end', onEnd);
    call.on('error', onError);
  });
  if (!first) return void call.end();
  if (!first.open) throw invalidArgument('attach: the first message must be `open`');
  const session = await open({
    id: first.open.id,
    stdin: first.open.stdin,
    stdout: first.open.stdout,
    stderr: first.open.stderr,
    ...(first.open.execId ? { execId: first.open.execId } : {}),
  });
  call.on('data', (msg: AttachInput) => {
    if (msg.stdin) session.writeStdin(msg.stdin);
    else if (msg.closeStdin) session.closeStdin();
    else if (msg.resize) session.resize(msg.resize.width, msg.resize.height);
  });
  // The process's stdin closes only on an explicit close_stdin: a client that detaches cancels the call, and
  // grpc-js ends the call's input then too, which must leave stdin open for the next client (as dockerd does).
  call.on('cancelled', () => session.close());
  call.on('error', () => session.close());
  await session.ready;
  call.write({ ready: true });
  try {
    for await (const chunk of session.output) {
      if (call.cancelled) break;
      if (!call.write({ data: { stream: toWire(chunk.stream), data: chunk.data } })) {
        await new Promise((r) => call.once('drain', r));
      }
    }
    call.end();
  } catch (err) {
    if (!call.cancelled) call.emit('error', toStatusObject(err));
  } finally {
    session.close();
  }
}

/** Client side of an Attach bidi call, as an AttachSession. */
export function clientAttach(
  call: ClientDuplexStream<AttachInput, AttachOutput>,
  options: AttachOptions,
  target?: string,
): AttachSession {
  const output = new OutputQueue<OutputChunk>(
    outputFlow(
      () => call.pause(),
      () => call.resume(),
    ),
  );
  let resolveReady!: () => void;
  let rejectReady!: (err: unknown) => void;
  const ready = new Promise<void>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  ready.catch(() => undefined);
  let closed = false;
  call.on('data', (msg: AttachOutput) => {
    if (msg.ready) resolveReady();
    else if (msg.data) {
      output.push({ stream: msg.data.stream === StdStream.STD_STREAM_STDERR ? 'stderr' : 'stdout', data: msg.data.data });
    }
  });
  call.on('end', () => {
    rejectReady(new Error('attach ended before it was ready'));
    output.end();
  });
  call.on('error', (err: ServiceError) => {
    const mapped = closed ? undefined : fromServiceError(err, target);
    rejectReady(mapped ?? err);
    output.end(mapped);
  });
  call.write({ open: options });
  return {
    ready,
    output,
    writeStdin: (data) => void call.write({ stdin: data }),
    closeStdin: () => void call.write({ closeStdin: true }),
    resize: (width, height) => void call.write({ resize: { width, height } }),
    close: () => {
      if (closed) return;
      closed = true;
      call.cancel();
      output.end();
    },
  };
}
