// Sends a byte stream to ced in 1 MiB messages on a call whose answer is one
// message (docker load, docker import).
import type { EventEmitter } from 'node:events';
import { drained } from './drain.js';
import { fromServiceError } from './grpc-status.js';

const CHUNK = 1024 * 1024;

/** The part of a grpc-js client stream an upload uses. */
export interface UploadCall<Q, R> extends EventEmitter {
  write(message: Q): boolean;
  end(): void;
  cancel(): void;
  on(event: 'data', listener: (response: R) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  on(event: 'end', listener: () => void): this;
}

/** `fields(first)` gives the message's other fields; options ride on the first one. */
export async function uploadStream<Q extends { data: Buffer }, R>(
  call: UploadCall<Q, R>,
  source: AsyncIterable<Uint8Array>,
  fields: (first: boolean) => Omit<Q, 'data'>,
  target: string,
): Promise<R> {
  const answer = new Promise<R>((resolve, reject) => {
    let res: R | undefined;
    call.on('data', (r: R) => (res = r));
    call.on('error', (err: Error) => reject(fromServiceError(err, target)));
    call.on('end', () => (res ? resolve(res) : reject(new Error('the daemon ended the upload without an answer'))));
  });
  answer.catch(() => undefined); // awaited after the upload
  let first = true;
  const send = async (data: Buffer) => {
    const msg = { data, ...fields(first) } as Q;
    first = false;
    // A daemon that rejected the stream never drains the call: its answer ends the wait with its error.
    if (!call.write(msg)) await drained(call, answer);
  };
  try {
    for await (const chunk of source) {
      for (let off = 0; off < chunk.byteLength; off += CHUNK) await send(Buffer.from(chunk.subarray(off, off + CHUNK)));
    }
    if (first) await send(Buffer.alloc(0));
    call.end();
  } catch (err) {
    call.cancel();
    throw err;
  }
  return answer;
}
