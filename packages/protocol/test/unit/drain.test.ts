import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { drained } from '../../src/drain.js';

const full = () => new Writable({ highWaterMark: 1, write: () => undefined }); // never calls back: never drains

describe('drained', () => {
  it('ends with the call\'s answer when the call fails while the upload waits (the CLI\'s ce load)', async () => {
    const call = new EventEmitter();
    let reject!: (err: Error) => void;
    const answer = new Promise((_resolve, r) => (reject = r));
    const waiting = drained(call, answer);
    reject(new Error('the daemon says: not a tar archive'));
    await expect(waiting).rejects.toThrow('the daemon says: not a tar archive');
    expect(call.listenerCount('drain') + call.listenerCount('close')).toBe(0);
  });

  it('rejects when the stream errors or closes instead of draining, and at once when it is destroyed already', async () => {
    const out = full();
    out.write('x');
    const waiting = drained(out);
    out.destroy(new Error('EPIPE'));
    await expect(waiting).rejects.toThrow('EPIPE');
    await expect(drained(out)).rejects.toThrow('the stream closed before everything was written');
  });

  it('resolves on drain', async () => {
    const out = new Writable({ highWaterMark: 1, write: (_c, _e, cb) => setImmediate(cb) });
    expect(out.write('xx')).toBe(false);
    await drained(out);
    expect(out.writableNeedDrain).toBe(false);
  });
});
