// packResource and extractArchive on real folders: what a copy carries (big
// files read in pieces, small ones whole, many files in one stream), and
// that an archive replacing a folder with a symlink is followed inside the
// tree, never outside it; coalesceChunks' regrouping of a tar's pieces.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { coalesceChunks, extractArchive, packResource, ScopedFs } from '../../src/copy/index.js';

let base: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'ce-copy-archive-'));
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const chunk of source) out.push(Buffer.from(chunk));
  return out;
}

async function* pieces(...sizes: number[]): AsyncGenerator<Buffer> {
  let n = 0;
  for (const size of sizes) yield Buffer.alloc(size, n++ % 256);
}

/** A tar of `entries` in that order. */
function tarOf(entries: Array<{ name: string; type?: 'directory' | 'symlink' | 'file'; body?: string; linkname?: string }>): Readable {
  const pack = tar.pack();
  for (const e of entries) pack.entry({ name: e.name, type: e.type ?? 'file', linkname: e.linkname, mode: e.type === 'directory' ? 0o755 : 0o644 }, e.body ?? '');
  pack.finalize();
  return pack as unknown as Readable;
}

const own = { owner: 'none' as const, noOverwriteDirNonDir: false };

describe('coalesceChunks', () => {
  it('joins small pieces into messages of at most the size, in order', async () => {
    const source = [...(await collect(pieces(512, 100, 300, 512, 700, 10)))];
    const out = await collect(coalesceChunks(pieces(512, 100, 300, 512, 700, 10), 1024));
    expect(out.map((b) => b.byteLength)).toEqual([912, 512, 710]);
    expect(Buffer.concat(out)).toEqual(Buffer.concat(source));
  });

  it('cuts a big piece to the size, after sending what was pending', async () => {
    const out = await collect(coalesceChunks(pieces(100, 2500, 0, 50), 1024));
    expect(out.map((b) => b.byteLength)).toEqual([100, 1024, 1024, 452, 50]);
    expect(Buffer.concat(out)).toEqual(Buffer.concat(await collect(pieces(100, 2500, 0, 50))));
  });

  it('sends nothing for an empty source', async () => {
    expect(await collect(coalesceChunks(pieces()))).toEqual([]);
  });
});

describe('packResource → extractArchive', () => {
  it('copies a tree with a file bigger than one read and many small ones, byte for byte', async () => {
    const src = join(base, 'src/tree');
    mkdirSync(join(src, 'sub'), { recursive: true });
    const big = randomBytes(3 * 1024 * 1024 + 12345);
    writeFileSync(join(src, 'big.bin'), big);
    for (let i = 0; i < 50; i++) writeFileSync(join(src, 'sub', `f${i}`), `file ${i}\n`.repeat(i));
    const dst = join(base, 'dst');
    mkdirSync(dst);
    await extractArchive(new ScopedFs(dst), '/', Readable.from(coalesceChunks(packResource(new ScopedFs('/'), src))), own);
    expect(readFileSync(join(dst, 'tree/big.bin')).equals(big)).toBe(true);
    for (let i = 0; i < 50; i++) expect(readFileSync(join(dst, 'tree/sub', `f${i}`), 'utf8')).toBe(`file ${i}\n`.repeat(i));
    expect(readFileSync(join(dst, 'tree/sub/f0'), 'utf8')).toBe('');
  });

  it('follows, inside the tree, a folder the archive itself replaced with a symlink', async () => {
    const root = join(base, 'root');
    mkdirSync(join(root, 'elsewhere'), { recursive: true });
    // "a/" is made and used, then replaced by a link to /elsewhere: "a/after" must land in the tree's /elsewhere.
    const archive = tarOf([
      { name: 'a/', type: 'directory' },
      { name: 'a/before', body: 'one' },
      { name: 'a', type: 'symlink', linkname: '/elsewhere' },
      { name: 'a/after', body: 'two' },
    ]);
    await extractArchive(new ScopedFs(root), '/', archive, own);
    expect(readlinkSync(join(root, 'a'))).toBe('/elsewhere');
    expect(readFileSync(join(root, 'elsewhere/after'), 'utf8')).toBe('two');
    expect(existsSync('/elsewhere/after')).toBe(false);
  });

  it('follows a symlink the archive re-pointed to its new target', async () => {
    const root = join(base, 'root');
    mkdirSync(join(root, 't1'), { recursive: true });
    mkdirSync(join(root, 't2'));
    const archive = tarOf([
      { name: 'l', type: 'symlink', linkname: 't1' },
      { name: 'l/x', body: 'in t1' },
      { name: 'l', type: 'symlink', linkname: 't2' },
      { name: 'l/y', body: 'in t2' },
    ]);
    await extractArchive(new ScopedFs(root), '/', archive, own);
    expect(readFileSync(join(root, 't1/x'), 'utf8')).toBe('in t1');
    expect(readFileSync(join(root, 't2/y'), 'utf8')).toBe('in t2');
    expect(existsSync(join(root, 't1/y'))).toBe(false);
  });
});
