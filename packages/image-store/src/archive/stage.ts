// Reads an untrusted image archive (a `docker save` tar, or an OCI layout in a
// tar) once, as a stream, into a private staging folder. Entry names are never
// used as paths: each file is written to `<staging>/<n>` and hashed on the way,
// so a name with "..", an absolute name or a symlink cannot write anywhere
// else. Links become aliases that must resolve to a file of the archive.
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { invalidArgument, isCeError } from '@ce/protocol';
import * as tar from 'tar-stream';
import type { Digest } from '../digest.js';
import { noSpaceLeft } from '../util/no-space.js';

/** Documents (manifest.json, index.json, configs, manifests) larger than this are refused, as containerd does. */
export const MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;

export interface StagedFile {
  /** Where the bytes are, inside the staging folder. */
  path: string;
  digest: Digest;
  size: number;
}

export class StagedArchive {
  constructor(
    readonly files: Map<string, StagedFile>,
    private readonly links: Map<string, string>,
  ) {}

  /** The file an archive path names, following links inside the archive; undefined when absent. */
  lookup(name: string): StagedFile | undefined {
    let path = normalizeEntryName(name);
    for (let hops = 0; hops < 16; hops++) {
      const file = this.files.get(path);
      if (file) return file;
      const next = this.links.get(path);
      if (next === undefined) return undefined;
      path = next;
    }
    throw invalidArgument(`archive: ${name} is a chain of more than 16 links`);
  }

  has(name: string): boolean {
    return this.lookup(name) !== undefined;
  }

  /** A small JSON document of the archive (at most MAX_DOCUMENT_BYTES). */
  async readDocument(name: string, what = name): Promise<Buffer> {
    const file = this.lookup(name);
    if (!file) throw invalidArgument(`archive: ${what} is missing`);
    if (file.size > MAX_DOCUMENT_BYTES) {
      throw invalidArgument(`archive: ${what} is ${file.size} bytes, more than the ${MAX_DOCUMENT_BYTES / 1024 / 1024} MiB allowed for a manifest or config`);
    }
    return readFile(file.path);
  }
}

/** "./a//b" → "a/b"; refuses absolute names and "..", which could only be an attack in an image archive. */
export function normalizeEntryName(name: string): string {
  if (name.includes('\0')) throw invalidArgument(`archive entry ${JSON.stringify(name)}: the name contains a NUL byte`);
  if (name.startsWith('/')) throw invalidArgument(`archive entry ${JSON.stringify(name)}: absolute paths are not allowed`);
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw invalidArgument(`archive entry ${JSON.stringify(name)}: the path contains ".." and could escape the archive`);
  return parts.join('/');
}

/** Undoes gzip when the archive is compressed (`docker save | gzip` is accepted by `docker load`). */
async function* maybeGunzip(source: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  const it = source[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return;
  const head = Buffer.from(first.value);
  async function* all(): AsyncGenerator<Buffer> {
    yield head;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield Buffer.from(r.value);
    }
  }
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = zlib.createGunzip();
    const feeding = pipeline(Readable.from(all()), gunzip);
    feeding.catch(() => undefined); // the same error ends the read below
    try {
      for await (const chunk of gunzip) yield chunk as Buffer;
      await feeding;
    } catch (err) {
      throw invalidArgument(`archive: the gzip stream is corrupt or truncated (${(err as Error).message})`);
    }
    return;
  }
  yield* all();
}

/** Streams the archive into `stagingDir` (an empty folder the caller owns and removes). */
export async function stageArchive(source: AsyncIterable<Uint8Array>, stagingDir: string): Promise<StagedArchive> {
  const files = new Map<string, StagedFile>();
  const links = new Map<string, string>();
  const seen = new Set<string>();
  const extract = tar.extract();
  const feeding = pipeline(Readable.from(maybeGunzip(source)), extract);
  feeding.catch(() => undefined); // awaited below; the read of `extract` sees the same error first
  let n = 0;
  let entries = 0;
  try {
    for await (const entry of extract) {
      entries++;
      const h = entry.header;
      const name = normalizeEntryName(h.name);
      if (h.type === 'directory') {
        entry.resume();
        continue;
      }
      if (seen.has(name)) throw invalidArgument(`archive entry ${JSON.stringify(h.name)} appears twice`);
      seen.add(name);
      if (h.type === 'symlink' || h.type === 'link') {
        const target = h.linkname ?? '';
        if (target.startsWith('/')) throw invalidArgument(`archive entry ${JSON.stringify(h.name)} links to the absolute path ${JSON.stringify(target)}`);
        // Symlinks are relative to their directory, hard links to the archive root.
        const joined = h.type === 'symlink' ? posix.join(posix.dirname(name), target) : target;
        if (joined === '..' || joined.startsWith('../')) {
          throw invalidArgument(`archive entry ${JSON.stringify(h.name)} links to ${JSON.stringify(target)}, outside the archive`);
        }
        links.set(name, normalizeEntryName(joined));
        entry.resume();
        continue;
      }
      if (h.type !== 'file' && h.type !== 'contiguous-file') {
        throw invalidArgument(`archive entry ${JSON.stringify(h.name)} is a ${h.type}: an image archive holds only files, directories and links`);
      }
      const path = join(stagingDir, String(n++));
      const hash = createHash('sha256');
      let size = 0;
      const fh = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      try {
        for await (const chunk of entry) {
          const b = chunk as Buffer;
          hash.update(b);
          size += b.length;
          await fh.write(b);
        }
        await fh.sync();
      } finally {
        await fh.close();
      }
      files.set(name, { path, digest: `sha256:${hash.digest('hex')}`, size });
    }
    await feeding;
  } catch (err) {
    extract.destroy();
    await feeding.catch(() => undefined);
    if (isCeError(err)) throw err;
    const full = noSpaceLeft(err, 'staging an image archive in', stagingDir);
    if (full) throw full;
    throw invalidArgument(`archive is not a readable tar: ${describe(err)}`);
  }
  if (entries === 0) throw invalidArgument('archive is empty: expected a tar written by `docker save` or an OCI image layout');
  return new StagedArchive(files, links);
}

function describe(err: unknown): string {
  const m = (err as Error)?.message ?? String(err);
  if (/Unexpected end of data|unexpected end of file/i.test(m)) return 'the tar stream is truncated';
  return m;
}
