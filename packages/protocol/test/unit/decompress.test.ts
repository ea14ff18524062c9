import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { COMPRESSION_HEAD_BYTES, decompressor, detectCompression, type Compression } from '../../src/decompress.js';

const hasTool = (tool: string) => {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

// Half random (incompressible), half repeated: several chunks each way through the tools' pipes.
const original = Buffer.concat([randomBytes(300_000), Buffer.alloc(700_000, 'ce ')]);

const compressed: Record<Exclude<Compression, 'none'>, () => Buffer> = {
  gzip: () => gzipSync(original),
  bzip2: () => execFileSync('bzip2', ['-c'], { input: original, maxBuffer: 1 << 26 }),
  xz: () => execFileSync('xz', ['-c', '-0'], { input: original, maxBuffer: 1 << 26 }),
  zstd: () => execFileSync('zstd', ['-c', '-q'], { input: original, maxBuffer: 1 << 26 }),
};

async function inflate(format: Compression, data: Buffer): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const stream = decompressor(format);
  if (!stream) return data;
  await pipeline(Readable.from([data.subarray(0, 1000), data.subarray(1000)]), stream, async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) chunks.push(chunk);
  });
  return Buffer.concat(chunks);
}

describe('detectCompression and decompressor', () => {
  it('tells a plain tar from an empty input, and reads nothing into a plain stream', () => {
    expect(detectCompression(Buffer.from('ustar'))).toBe('none');
    expect(detectCompression(Buffer.alloc(0))).toBe('none');
    expect(decompressor('none')).toBeUndefined();
    expect(COMPRESSION_HEAD_BYTES).toBe(6);
  });

  for (const format of ['gzip', 'bzip2', 'xz', 'zstd'] as const) {
    const tool = format === 'gzip' ? undefined : format;
    it.skipIf(tool !== undefined && !hasTool(tool))(`detects and inflates ${format}${tool ? ` (needs the host's ${tool})` : ''}`, async () => {
      const data = compressed[format]();
      expect(detectCompression(data.subarray(0, COMPRESSION_HEAD_BYTES))).toBe(format);
      expect((await inflate(format, data)).equals(original)).toBe(true);
    });
  }

  it.skipIf(!hasTool('xz'))('a corrupt xz stream fails with the tool\'s reason', async () => {
    const data = compressed.xz();
    const corrupt = Buffer.concat([data.subarray(0, 64), Buffer.alloc(4096, 0x55)]);
    await expect(inflate('xz', corrupt)).rejects.toThrow(/^xz: /);
  });
});
