import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { OutputChunk } from '@ce/protocol';
import { pumpOutput } from '../../src/output.js';

async function* chunks(n: number): AsyncGenerator<OutputChunk> {
  for (let i = 0; i < n; i++) yield { stream: 'stdout', data: Buffer.alloc(64 * 1024, 'x') } as OutputChunk;
}

describe('pumpOutput', () => {
  it('copies output to stdout, waiting for a slow reader', async () => {
    let got = 0;
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, cb) {
        got += chunk.length;
        setImmediate(cb);
      },
    });
    await pumpOutput(chunks(8), slow, slow);
    expect(got).toBe(8 * 64 * 1024);
  });

  it('ends with an error when the reader goes away instead of waiting for a drain that never comes', async () => {
    const gone = new Writable({
      highWaterMark: 1024,
      write(_chunk, _enc, cb) {
        setImmediate(() => cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })));
      },
    });
    gone.on('error', () => {});
    await expect(pumpOutput(chunks(8), gone, gone)).rejects.toThrow();
  }, 10_000);
});
