// The pure entry point `@ce/protocol/drain` (no grpc-js), for clients that stream uploads (ce load, ce save).
import { once, type EventEmitter } from 'node:events';

/**
 * Waits until `stream` takes writes again after write() returned false. A
 * stream that failed or closed never emits 'drain', so the wait also ends on
 * 'error' or 'close'; with `answer` (the promise of a gRPC call's reply) it
 * ends with the reply's error, which carries the daemon's message.
 */
export async function drained(stream: EventEmitter & { destroyed?: boolean }, answer?: Promise<unknown>): Promise<void> {
  const failed = (err?: unknown): Promise<never> =>
    answer
      ? answer.then(() => {
          throw new Error('the daemon answered before the upload ended');
        })
      : Promise.reject(err ?? new Error('the stream closed before everything was written'));
  if (stream.destroyed) return failed();
  const ac = new AbortController();
  const { signal } = ac;
  const waits: Array<Promise<void>> = [];
  // An answer that already failed wins over the events it raced with.
  if (answer) waits.push(answer.then(() => undefined));
  // once() also rejects on 'error'; a rejection after the abort below is only the clean-up of the losing wait.
  const unlessDone = (err: unknown) => (signal.aborted ? undefined : failed(err));
  waits.push(
    once(stream, 'drain', { signal }).then(() => undefined, unlessDone),
    once(stream, 'close', { signal }).then(() => failed(), unlessDone),
  );
  try {
    await Promise.race(waits);
  } finally {
    ac.abort();
  }
}
