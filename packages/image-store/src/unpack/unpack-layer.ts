// Applies one layer tar to a directory, safely: a layer is untrusted input.
//  - entry names are relative; an absolute name or a ".." component is rejected
//  - no entry is ever written through a symlink: every parent component is
//    checked with lstat (a symlink planted by an earlier entry is refused), and
//    the final component is replaced, never followed (O_NOFOLLOW | O_EXCL)
//  - hard links may only point at an existing non-directory inside the layer
//  - `.wh.<name>` becomes an overlay whiteout (character device 0/0) and
//    `.wh..wh..opq` the trusted.overlay.opaque=y xattr on its directory
// Modes (setuid included), owners and mtimes are preserved; directories get
// their mode and times last, once nothing more is written inside them.
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, lchown, link, lstat, lutimes, mkdir, open, rm, symlink, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CeError } from '@ce/protocol';
import { COMPRESSION_HEAD_BYTES, decompressor, detectCompression } from '@ce/protocol/decompress';
import * as tar from 'tar-stream';
import type { Digest } from '../digest.js';
import type { Logger } from '../util/logger.js';
import { PaxXattrScanner } from './pax-xattrs.js';
import { silentLogger } from '../util/logger.js';
import { noSpaceLeft } from '../util/no-space.js';
import {
  nativeFsOps,
  OVERLAY_OPAQUE_XATTR,
  S_IFBLK,
  S_IFCHR,
  S_IFIFO,
  WHITEOUT_META_PREFIX,
  WHITEOUT_OPAQUE,
  WHITEOUT_PREFIX,
  type FsOps,
} from './fs-ops.js';

export interface UnpackOptions {
  /** chown entries to their uid/gid; default: when running as root. */
  preserveOwner?: boolean;
  /** mknod/lsetxattr; default @ce/native. */
  fsOps?: FsOps;
  logger?: Logger;
  signal?: AbortSignal;
  /**
   * Create character and block devices other than 0/0 (an overlay whiteout).
   * Default false: such an entry is refused, since a device node in an image
   * gives its containers a way to the host's hardware.
   */
  allowDevices?: boolean;
}

export interface UnpackResult {
  /** sha256 of the uncompressed tar: the layer's diff id. */
  diffId: Digest;
  /** Bytes of uncompressed tar read. */
  size: number;
  entries: number;
}

type Header = Omit<tar.Header, 'type' | 'pax'> & { type: tar.Header['type'] | null; pax?: Record<string, string> | null };
type Body = AsyncIterable<unknown>;

interface DirMeta {
  path: string;
  depth: number;
  mode: number;
  mtime: Date;
}

export class LayerError extends CeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('InvalidArgument', message, options);
  }
}

const reject = (entry: string, why: string) => new LayerError(`refusing layer entry ${JSON.stringify(entry)}: ${why}`);

/**
 * Splits an entry name into path components below the root, rejecting
 * absolute names and "..". "./a/b/" → ["a", "b"]; "." or "./" → [] (the root).
 */
export function entryComponents(name: string): string[] {
  if (name.includes('\0')) throw reject(name, 'the name contains a NUL byte');
  if (name.startsWith('/')) throw reject(name, 'absolute paths are not allowed in a layer');
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw reject(name, 'the path contains ".." and could escape the layer root');
  return parts;
}

/** Peeks the first bytes of a stream without losing them. */
async function peek(source: AsyncIterable<Uint8Array>, n: number): Promise<{ head: Buffer; stream: Readable }> {
  const it = source[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let have = 0;
  let done = false;
  while (have < n) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    const b = Buffer.from(r.value);
    chunks.push(b);
    have += b.length;
  }
  const head = Buffer.concat(chunks).subarray(0, n);
  async function* rest(): AsyncGenerator<Buffer> {
    yield* chunks;
    if (done) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield Buffer.from(r.value);
    }
  }
  const stream = Readable.from(rest(), { objectMode: false });
  stream.on('close', () => void it.return?.().catch(() => undefined));
  return { head, stream };
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(e?.message ?? '')) return 'the compressed stream is truncated';
  if (/Unexpected end of data/.test(e?.message ?? '')) return 'the tar stream is truncated';
  return e?.message ?? String(err);
}

/**
 * Unpacks a layer (plain tar, gzip, zstd, or bzip2 and xz as dockerd reads
 * them; detected from its first bytes) into `dest`, an existing directory that nobody else writes.
 */
export async function unpackLayer(
  source: AsyncIterable<Uint8Array>,
  dest: string,
  options: UnpackOptions = {},
): Promise<UnpackResult> {
  const applier = new Applier(dest, options);
  const { head, stream } = await peek(source, COMPRESSION_HEAD_BYTES);
  const decompress = decompressor(detectCompression(head));
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  const extract = tar.extract();
  const xattrScanner = new PaxXattrScanner();
  const stages: NodeJS.ReadWriteStream[] = decompress ? [decompress, tap, xattrScanner] : [tap, xattrScanner];
  const feeding = pipeline([stream, ...stages, extract as unknown as NodeJS.WritableStream], { signal: options.signal });
  feeding.catch(() => undefined); // observed below
  let entries = 0;
  try {
    for await (const entry of extract) {
      options.signal?.throwIfAborted();
      await applier.apply(entry.header as unknown as Header, entry, xattrScanner.xattrsOf(entries));
      entries++;
    }
    await feeding;
    await applier.finish();
  } catch (err) {
    extract.destroy();
    stream.destroy();
    // When the input is bad, the entry being read only learns "destroyed";
    // the pipeline's own error says what went wrong.
    const feedErr = await feeding.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (err instanceof CeError) throw err;
    if ((err as Error)?.name === 'AbortError') throw err;
    const cause = feedErr && (feedErr as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE' ? feedErr : err;
    if ((cause as Error)?.name === 'AbortError') throw cause;
    const full = noSpaceLeft(err, 'unpacking a layer into', dest) ?? noSpaceLeft(feedErr, 'unpacking a layer into', dest);
    if (full) throw full;
    throw new LayerError(`corrupt layer: ${describe(cause)}`, { cause });
  }
  return { diffId: `sha256:${hash.digest('hex')}`, size, entries };
}

class Applier {
  private readonly safeDirs = new Set<string>(['']);
  private readonly dirs = new Map<string, DirMeta>();
  private readonly preserveOwner: boolean;
  private readonly fsOps: FsOps;
  private readonly allowDevices: boolean;
  private readonly logger: Logger;

  constructor(
    private readonly root: string,
    options: UnpackOptions,
  ) {
    this.preserveOwner = options.preserveOwner ?? process.getuid?.() === 0;
    this.fsOps = options.fsOps ?? nativeFsOps;
    this.allowDevices = options.allowDevices ?? false;
    this.logger = options.logger ?? silentLogger;
  }

  /**
   * Makes sure every parent of `parts` is a real directory inside the root,
   * creating missing ones (0755), and returns the parent's absolute path.
   */
  private async parentDir(entry: string, parts: string[], create: boolean): Promise<string> {
    let rel = '';
    for (const part of parts.slice(0, -1)) {
      rel = rel ? `${rel}/${part}` : part;
      if (this.safeDirs.has(rel)) continue;
      const abs = join(this.root, rel);
      const st = await lstat(abs).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      });
      if (!st) {
        if (!create) throw reject(entry, `"${rel}" does not exist in the layer`);
        await mkdir(abs, { mode: 0o755 });
        await chmod(abs, 0o755);
      } else if (st.isSymbolicLink()) {
        throw reject(entry, `"${rel}" is a symlink; writing through it could escape the layer root`);
      } else if (!st.isDirectory()) {
        throw reject(entry, `"${rel}" is not a directory`);
      }
      this.safeDirs.add(rel);
    }
    return join(this.root, ...parts.slice(0, -1));
  }

  /** Removes whatever is at `abs` (the path `rel`) so a new entry can take its place. */
  private async clear(abs: string, rel: string, keepDir: boolean): Promise<'dir' | 'gone'> {
    const st = await lstat(abs).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (!st) return 'gone';
    if (st.isDirectory()) {
      if (keepDir) return 'dir';
      await rm(abs, { recursive: true, force: true });
      for (const d of [...this.safeDirs]) if (d === rel || d.startsWith(`${rel}/`)) this.safeDirs.delete(d);
      for (const d of [...this.dirs.keys()]) if (d === rel || d.startsWith(`${rel}/`)) this.dirs.delete(d);
    } else {
      await unlink(abs);
    }
    return 'gone';
  }

  private async owner(abs: string, h: Header): Promise<void> {
    if (this.preserveOwner) await lchown(abs, ...this.ids(h));
  }

  private mtime(h: Header): Date {
    const pax = h.pax?.mtime;
    if (pax !== undefined && /^-?\d+(\.\d+)?$/.test(pax)) return new Date(Number(pax) * 1000);
    return h.mtime ?? new Date(0);
  }

  private xattrs(abs: string, entry: string, h: Header): void {
    // The raw bytes when the scanner has them (binary values survive), else tar-stream's decoded strings.
    const values: [string, Buffer | string][] = this.rawXattrs
      ? [...this.rawXattrs]
      : Object.entries(h.pax ?? {})
          .filter(([key]) => key.startsWith('SCHILY.xattr.'))
          .map(([key, value]) => [key.slice('SCHILY.xattr.'.length), value]);
    for (const [name, value] of values) {
      if (name.startsWith('trusted.overlay.')) {
        // Overlay's own attributes (redirect, metacopy, opaque) steer lookups across layers:
        // only whiteout entries may produce them.
        this.logger.warn({ entry, xattr: name }, 'ignoring an overlayfs attribute carried by the layer');
        continue;
      }
      if (typeof value === 'string' && value.includes('\uFFFD')) {
        // tar-stream decodes PAX values as UTF-8, which mangles binary values (file capabilities).
        this.logger.warn({ entry, xattr: name }, 'skipping a binary extended attribute the tar reader cannot decode');
        continue;
      }
      try {
        this.fsOps.lsetxattr(abs, name, value, 0);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EOPNOTSUPP' || (code === 'EPERM' && !this.preserveOwner)) {
          this.logger.warn({ entry, xattr: name, code }, 'cannot set extended attribute');
          continue;
        }
        throw err;
      }
    }
  }

  private rawXattrs: Map<string, Buffer> | undefined;

  async apply(h: Header, data: Body, rawXattrs?: Map<string, Buffer>): Promise<void> {
    this.rawXattrs = rawXattrs;
    const name = h.name;
    const parts = entryComponents(name);
    const base = parts[parts.length - 1];
    const mode = (h.mode ?? 0o644) & 0o7777;

    // Whiteouts: files named .wh.* are instructions for the overlay, not files.
    if (base?.startsWith(WHITEOUT_PREFIX)) {
      await drain(data);
      const dir = await this.parentDir(name, parts, true);
      if (base === WHITEOUT_OPAQUE) {
        this.fsOps.lsetxattr(dir, OVERLAY_OPAQUE_XATTR, 'y', 0);
        return;
      }
      if (base.startsWith(WHITEOUT_META_PREFIX)) return; // aufs bookkeeping (.wh..wh.plnk…): nothing to apply
      const hidden = base.slice(WHITEOUT_PREFIX.length);
      if (hidden === '' || hidden === '.' || hidden === '..') throw reject(name, 'a whiteout must name a file');
      const abs = join(dir, hidden);
      await this.clear(abs, [...parts.slice(0, -1), hidden].join('/'), false);
      this.fsOps.mknod(abs, S_IFCHR, 0, 0);
      await this.owner(abs, h);
      return;
    }

    if (parts.length === 0) {
      // The layer root itself ("./"): only its metadata applies.
      await drain(data);
      if (h.type !== 'directory') throw reject(name, 'the layer root can only be a directory');
      await this.owner(this.root, h);
      this.dirs.set('', { path: this.root, depth: 0, mode, mtime: this.mtime(h) });
      return;
    }

    const rel = parts.join('/');
    const dir = await this.parentDir(name, parts, true);
    const abs = join(dir, base!);
    const mtime = this.mtime(h);

    switch (h.type) {
      case 'directory': {
        await drain(data);
        if ((await this.clear(abs, rel, true)) === 'gone') await mkdir(abs, { mode: 0o700 });
        await this.owner(abs, h);
        this.xattrs(abs, name, h);
        this.safeDirs.add(rel);
        this.dirs.set(rel, { path: abs, depth: parts.length, mode, mtime });
        return;
      }
      case 'file':
      case 'contiguous-file': {
        await this.clear(abs, rel, false);
        const fh = await open(abs, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
        try {
          for await (const chunk of data) {
            const buf = chunk as Buffer;
            let off = 0;
            while (off < buf.length) off += (await fh.write(buf, off, buf.length - off)).bytesWritten;
          }
          if (this.preserveOwner) await fh.chown(...this.ids(h));
          await fh.chmod(mode); // after chown, which clears setuid/setgid
          await fh.utimes(mtime, mtime);
        } finally {
          await fh.close();
        }
        this.xattrs(abs, name, h);
        return;
      }
      case 'symlink': {
        await drain(data);
        if (!h.linkname) throw reject(name, 'a symlink needs a target');
        if (h.linkname.includes('\0')) throw reject(name, 'the symlink target contains a NUL byte');
        await this.clear(abs, rel, false);
        await symlink(h.linkname, abs);
        await this.owner(abs, h);
        this.xattrs(abs, name, h);
        await lutimes(abs, mtime, mtime);
        return;
      }
      case 'link': {
        await drain(data);
        if (!h.linkname) throw reject(name, 'a hard link needs a target');
        // Docker resolves hard link targets against the layer root, so "/a" means "<root>/a".
        let targetParts: string[];
        try {
          targetParts = entryComponents(h.linkname.replace(/^\/+/, ''));
        } catch {
          throw reject(name, `hard link target "${h.linkname}" is outside the layer`);
        }
        if (targetParts.length === 0) throw reject(name, 'a hard link cannot point at the layer root');
        const targetDir = await this.parentDir(name, targetParts, false).catch((err: Error) => {
          throw reject(name, `hard link target "${h.linkname}": ${err.message.replace(/^refusing layer entry "[^"]*": /, '')}`);
        });
        const target = join(targetDir, targetParts[targetParts.length - 1]!);
        const st = await lstat(target).catch(() => undefined);
        if (!st) throw reject(name, `hard link target "${h.linkname}" does not exist in the layer`);
        if (st.isDirectory()) throw reject(name, `hard link target "${h.linkname}" is a directory`);
        if (target === abs) return;
        await this.clear(abs, rel, false);
        await link(target, abs);
        return;
      }
      case 'character-device':
      case 'block-device':
      case 'fifo': {
        await drain(data);
        const [major, minor] = [h.devmajor ?? 0, h.devminor ?? 0];
        const whiteout = h.type === 'character-device' && major === 0 && minor === 0;
        if (h.type !== 'fifo' && !whiteout && !this.allowDevices) {
          throw reject(name, `it is a ${h.type.replace('-', ' ')} ${major}:${minor}, and device nodes are not allowed in layers (only 0:0 whiteouts)`);
        }
        await this.clear(abs, rel, false);
        const type = h.type === 'fifo' ? S_IFIFO : h.type === 'block-device' ? S_IFBLK : S_IFCHR;
        try {
          this.fsOps.mknod(abs, type | mode, h.devmajor ?? 0, h.devminor ?? 0);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EPERM' && !this.preserveOwner && h.type !== 'fifo') {
            this.logger.warn({ entry: name }, 'skipping a device node: creating it needs CAP_MKNOD');
            return;
          }
          throw err;
        }
        await this.owner(abs, h);
        await chmod(abs, mode);
        this.xattrs(abs, name, h);
        await lutimes(abs, mtime, mtime);
        return;
      }
      default:
        await drain(data);
        throw reject(name, `unsupported entry type ${h.type ?? 'unknown'}`);
    }
  }

  private ids(h: Header): [number, number] {
    const uid = h.pax?.uid !== undefined ? Number(h.pax.uid) : (h.uid ?? 0);
    const gid = h.pax?.gid !== undefined ? Number(h.pax.gid) : (h.gid ?? 0);
    return [uid, gid];
  }

  /** Directory modes and times, deepest first, once nothing else will be written in them. */
  async finish(): Promise<void> {
    const dirs = [...this.dirs.values()].sort((a, b) => b.depth - a.depth);
    for (const d of dirs) {
      await chmod(d.path, d.mode);
      await lutimes(d.path, d.mtime, d.mtime);
    }
  }
}

async function drain(data: Body): Promise<void> {
  for await (const _ of data) {
    // discard
  }
}
