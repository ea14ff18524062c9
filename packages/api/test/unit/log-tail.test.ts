import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { linesBackward } from '../../src/containers/log-tail.js';

describe('reading a file backwards by lines', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ce-log-tail-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;

  async function backwards(content: string | Buffer, chunkSize: number, end?: number): Promise<{ start: number; line: string }[]> {
    const path = join(dir, `f${n++}`);
    writeFileSync(path, content);
    const file = await open(path, 'r');
    try {
      const out = [];
      const size = (await file.stat()).size;
      for await (const { start, line } of linesBackward(file, end ?? size, chunkSize)) out.push({ start, line: line.toString() });
      return out;
    } finally {
      await file.close();
    }
  }

  it('yields nothing for an empty file', async () => {
    expect(await backwards('', 4)).toEqual([]);
  });

  it('yields the lines last first, with their offsets', async () => {
    expect(await backwards('a\nbb\nccc\n', 1024)).toEqual([
      { start: 5, line: 'ccc' },
      { start: 2, line: 'bb' },
      { start: 0, line: 'a' },
    ]);
  });

  it('counts a last line without a newline as a line', async () => {
    expect(await backwards('a\nbb', 1024)).toEqual([
      { start: 2, line: 'bb' },
      { start: 0, line: 'a' },
    ]);
  });

  it('keeps empty lines', async () => {
    expect((await backwards('\n\nx\n\n', 2)).map((l) => l.line)).toEqual(['', 'x', '', '']);
    expect(await backwards('\n', 2)).toEqual([{ start: 0, line: '' }]);
  });

  it.each([1, 2, 3, 5, 7, 64])('joins lines that span chunk boundaries (chunk of %i bytes)', async (chunk) => {
    const lines = ['first', 'a much longer line that spans several chunks of the reader', '', 'x', 'last one'];
    const text = lines.join('\n') + '\n';
    const got = await backwards(text, chunk);
    expect(got.map((l) => l.line)).toEqual([...lines].reverse());
    for (const l of got) expect(text.slice(l.start, l.start + l.line.length)).toBe(l.line);
  });

  it('reads only up to the end it is given', async () => {
    expect((await backwards('a\nb\npartial', 3, 4)).map((l) => l.line)).toEqual(['b', 'a']);
  });

  it('reads only what the tail needs of a large file', async () => {
    const line = 'y'.repeat(99) + '\n';
    const path = join(dir, 'large');
    writeFileSync(path, line.repeat(100_000)); // 10 MB
    const file = await open(path, 'r');
    let reads = 0;
    const counting = new Proxy(file, {
      get: (target, prop) => (prop === 'read' ? (...args: unknown[]) => (reads++, (target.read as (...a: unknown[]) => unknown)(...args)) : Reflect.get(target, prop)),
    });
    const got: number[] = [];
    for await (const { start } of linesBackward(counting, 10_000_000, 4096)) {
      got.push(start);
      if (got.length === 10) break;
    }
    await file.close();
    expect(got[9]).toBe(10_000_000 - 1000);
    expect(reads).toBeLessThanOrEqual(1);
  });
});
