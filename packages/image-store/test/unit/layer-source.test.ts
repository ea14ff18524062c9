import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildLayer } from '../../src/index.js';
import { checkedTar, decompressedLayer } from '../../src/images/layer-source.js';

async function collect(source: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of source) chunks.push(c);
  return Buffer.concat(chunks);
}
async function* chunks(...parts: Buffer[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield p;
}

describe('import sources', () => {
  it('passes a tar through, and inflates a gzip one', async () => {
    const { tar } = await buildLayer([{ name: 'a.txt', type: 'file', data: 'hi' }], { compression: 'none' });
    expect((await collect(checkedTar(decompressedLayer(chunks(tar.subarray(0, 3), tar.subarray(3)))))).equals(tar)).toBe(true);
    const gz = gzipSync(tar);
    expect((await collect(checkedTar(decompressedLayer(chunks(gz))))).equals(tar)).toBe(true);
  });

  it('inflates bzip2, xz and zstd as dockerd does (with the host\'s tools)', async () => {
    const { tar } = await buildLayer([{ name: 'a.txt', type: 'file', data: 'hi' }], { compression: 'none' });
    for (const tool of ['bzip2', 'xz', 'zstd']) {
      const packed = execFileSync(tool, ['-c', '-q'], { input: tar });
      expect((await collect(checkedTar(decompressedLayer(chunks(packed.subarray(0, 5), packed.subarray(5)))))).equals(tar), tool).toBe(true);
    }
  });

  it("refuses text, cut tars and broken compressed streams in dockerd's words", async () => {
    const refusal = (input: Buffer) => collect(checkedTar(decompressedLayer(chunks(input)))).then(() => undefined, (err: unknown) => err);
    expect(await refusal(Buffer.from('hello world\n'.repeat(100)))).toMatchObject({ code: 'Internal', message: 'Error processing tar file(exit status 1): archive/tar: invalid tar header' });
    expect(await refusal(Buffer.from('hello world\n'))).toMatchObject({ message: 'Error processing tar file(exit status 1): unexpected EOF' });
    const { tar } = await buildLayer([{ name: 'a.txt', type: 'file', data: 'x'.repeat(2000) }], { compression: 'none' });
    expect(await refusal(tar.subarray(0, 1000))).toMatchObject({ message: 'Error processing tar file(exit status 1): unexpected EOF' });
    expect(await collect(checkedTar(decompressedLayer(chunks())))).toEqual(Buffer.alloc(1024)); // nothing is an empty image, as in Docker
    expect(await refusal(Buffer.from('BZh91AY&SY'))).toMatchObject({ code: 'Internal', message: 'Error processing tar file(unexpected EOF): ' });
    expect(await refusal(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]))).toMatchObject({ message: 'Error processing tar file(unexpected EOF): ' });
  });
});
