// COPY and ADD into a tree (a step container's mounted rootfs, or an empty
// folder for a stage FROM scratch), as Docker's classic builder copies:
// a directory's contents, not the directory; a file into a destination
// that ends in "/" or is a directory; missing parents made; root or
// --chown owning what is written; --chmod's mode; times kept; ADD unpacks
// local tar archives (plain, gzip, bzip2 or xz, as Docker 20.10 reads them).
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, lchown, lstat, lutimes, mkdir, open, readdir, readlink, rm, symlink } from 'node:fs/promises';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extractArchive, lstatOrNull, ScopedFs } from '@ce/protocol/copy';
import { COMPRESSION_HEAD_BYTES, decompressor, detectCompression, type Compression } from '@ce/protocol/decompress';
import { BuildError } from './build-error.js';
import type { MatchedSource } from './source-match.js';

export interface Owner {
  uid: number;
  gid: number;
}

export interface CopyOptions {
  /** The destination as written, relative to `workdir` unless absolute. */
  dest: string;
  workdir: string;
  /** --chown, resolved; root otherwise. */
  owner?: Owner;
  /** --chmod, as an octal mode. */
  mode?: number;
  /** ADD: a local tar archive is unpacked at the destination. */
  unpackArchives: boolean;
}

/** The checksum of the sources' contents and metadata (not their times): COPY's part of the cache key. */
export async function sourcesChecksum(sources: readonly MatchedSource[]): Promise<string> {
  const hash = createHash('sha256');
  const visit = async (host: string, name: string): Promise<void> => {
    const st = await lstat(host);
    hash.update(`${name}\0${st.mode}\0${st.uid}\0${st.gid}\0`);
    if (st.isSymbolicLink()) hash.update(`link:${await readlink(host)}\0`);
    else if (st.isFile()) {
      hash.update(`${st.size}\0`);
      for await (const chunk of createReadStream(host)) hash.update(chunk as Buffer);
    } else if (st.isDirectory()) {
      for (const child of (await readdir(host)).sort()) await visit(`${host}/${child}`, `${name}/${child}`);
    }
  };
  for (const s of sources) await visit(s.host, posix.basename(s.path));
  return hash.digest('hex');
}

/** Docker's words for what was copied, in the history's created_by: `file:<hex>`, `dir:<hex>` or `multi:<hex>`. */
export function sourcesDescription(sources: readonly MatchedSource[], checksum: string): string {
  if (sources.length > 1) return `multi:${checksum}`;
  return `${sources[0]!.isDir ? 'dir' : 'file'}:${checksum}`;
}

/** --chmod's value: an octal mode. */
export function parseChmod(value: string): number {
  if (!/^[0-7]{3,4}$/.test(value)) throw new BuildError(`invalid chmod parameter: ${value}`);
  return parseInt(value, 8);
}

/** Copies `sources` into the tree at `root`. */
export async function copyInto(root: string, sources: readonly MatchedSource[], options: CopyOptions): Promise<void> {
  const tree = new ScopedFs(root);
  const dest = posix.isAbsolute(options.dest) ? options.dest : posix.join(options.workdir || '/', options.dest);
  const destIsDir = options.dest.endsWith('/') || options.dest.endsWith('/.') || options.dest === '.';
  if (sources.length > 1 && !destIsDir) {
    throw new BuildError('When using COPY with more than one source file, the destination must be a directory and end with a /');
  }
  const owner = options.owner ?? { uid: 0, gid: 0 };
  for (const source of sources) {
    if (source.isDir) {
      await copyTree(tree, source.host, dest, owner, options.mode);
      continue;
    }
    if (options.unpackArchives && !source.remote && (await isTarArchive(source.host))) {
      const dir = await makeDirs(tree, dest, owner);
      await extractArchive(tree, dir, archiveStream(source.host, await compressionOf(source.host)), { owner: 'keep', noOverwriteDirNonDir: false });
      continue;
    }
    const existing = await lstatOrNull(tree.hostPath(await tree.resolve(dest)));
    const target = destIsDir || existing?.isDirectory() ? posix.join(dest, posix.basename(source.path)) : dest;
    await copyEntry(tree, source.host, target, owner, options.mode);
  }
}

/** Makes `dir` and its missing parents (0755, owned by `owner`); returns it resolved in the tree. */
export async function makeDirs(tree: ScopedFs, dir: string, owner: Owner): Promise<string> {
  let resolved = '/';
  for (const part of dir.split('/').filter((p) => p && p !== '.')) {
    resolved = await tree.resolve(posix.join(resolved, part));
    const host = tree.hostPath(resolved);
    const st = await lstatOrNull(host);
    if (st?.isDirectory()) continue;
    if (st) throw new BuildError(`failed to copy files: mkdir ${resolved}: not a directory`);
    await mkdir(host, { mode: 0o755 });
    await lchown(host, owner.uid, owner.gid);
  }
  return resolved;
}

async function copyTree(tree: ScopedFs, hostDir: string, dest: string, owner: Owner, mode: number | undefined): Promise<void> {
  const dir = await makeDirs(tree, dest, owner);
  for (const name of (await readdir(hostDir)).sort()) await copyEntry(tree, `${hostDir}/${name}`, posix.join(dir, name), owner, mode);
}

/** Copies one file, link or directory (recursively) to `target` of the tree. */
async function copyEntry(tree: ScopedFs, host: string, target: string, owner: Owner, mode: number | undefined): Promise<void> {
  const st = await lstat(host);
  const parent = await makeDirs(tree, posix.dirname(target), owner);
  const resolved = posix.join(parent, posix.basename(target));
  const out = tree.hostPath(resolved);
  await tree.assertUnchanged(parent);
  const existing = await lstatOrNull(out);
  if (st.isDirectory()) {
    if (existing && !existing.isDirectory()) await rm(out, { force: true });
    if (!existing?.isDirectory()) await mkdir(out);
    for (const name of (await readdir(host)).sort()) await copyEntry(tree, `${host}/${name}`, posix.join(resolved, name), owner, mode);
  } else {
    if (existing) await rm(out, { recursive: true, force: true });
    if (st.isSymbolicLink()) await symlink(await readlink(host), out);
    else if (st.isFile()) await pipeline(createReadStream(host), createWriteStream(out, { flags: 'wx', mode: 0o600 }));
    else return; // devices and fifos are not part of a build context
  }
  await lchown(out, owner.uid, owner.gid);
  if (!st.isSymbolicLink()) await chmod(out, mode ?? st.mode & 0o7777);
  await lutimes(out, st.atime, st.mtime);
}

async function readHead(host: string, length: number): Promise<Buffer> {
  const file = await open(host, 'r');
  try {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await file.read(buf, 0, length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

/** Docker 20.10's DecompressStream reads gzip, bzip2 and xz: ADD copies a zstd file as it is. */
async function compressionOf(host: string): Promise<Compression> {
  const compression = detectCompression(await readHead(host, COMPRESSION_HEAD_BYTES));
  return compression === 'zstd' ? 'none' : compression;
}

/** The file's bytes, decompressed as dockerd's DecompressStream does. */
function archiveStream(host: string, compression: Compression): Readable {
  const file = createReadStream(host);
  const inflate = decompressor(compression);
  if (!inflate) return file;
  file.on('error', (err) => inflate.destroy(err));
  return file.pipe(inflate);
}

/** A tar, plain or compressed (gzip, bzip2, xz): "ustar" at offset 257 of its (decompressed) first block. */
async function isTarArchive(host: string): Promise<boolean> {
  const head = await firstBytes(archiveStream(host, await compressionOf(host)), 512).catch(() => Buffer.alloc(0));
  return head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar';
}

async function firstBytes(stream: Readable, length: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      total += (chunk as Buffer).length;
      if (total >= length) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, length);
}
