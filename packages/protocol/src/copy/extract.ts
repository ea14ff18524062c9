// Extracts a tar into a directory of a ScopedFs, as Docker's Untar does under
// the container's chroot: every entry's parent is resolved inside the tree,
// so a symlink of the tree or of the archive never leads a write outside it,
// and a name that climbs above the directory ("../x") is refused.
import { closeSync, fchmodSync, fchownSync, futimesSync, openSync, write } from 'node:fs';
import { chmod, lchown, link, lutimes, mkdir, rm, symlink } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { lstatOrNullSync, type ScopedFs } from './scoped-fs.js';
import { rebaseName } from './paths.js';

export interface ExtractOptions {
  /** 'keep': the archive's uid/gid (docker cp -a); an owner: everything to it (the container's root); 'none': never chown (an unprivileged client). */
  owner: 'keep' | 'none' | { uid: number; gid: number };
  /** Docker's NoOverwriteDirNonDir: a directory is never replaced by a file, nor a file by a directory. */
  noOverwriteDirNonDir: boolean;
  /** Renames the top entry (Docker's RebaseArchiveEntries). */
  rebase?: { from: string; to: string };
  /** Creates a device node or fifo (mknod(2), which Node lacks); without it such entries are skipped. */
  mknod?: (path: string, node: SpecialFile) => Promise<void>;
}

/** A character or block device, or a fifo, as an archive entry describes it. */
export interface SpecialFile {
  type: 'character-device' | 'block-device' | 'fifo';
  /** Permission bits. */
  mode: number;
  major: number;
  minor: number;
}

export class ExtractError extends Error {}

/** Extracts `archive` into `dir`, a resolved directory of `fs`. */
export async function extractArchive(fs: ScopedFs, dir: string, archive: Readable, options: ExtractOptions): Promise<void> {
  const dirs: { host: string; mtime: Date }[] = [];
  // Parents resolved (and created) for earlier entries: most entries share their folder with the one before.
  // Each use is still checked with assertUnchanged; a path the archive replaces (the only way it can put a
  // symlink where a folder was resolved) clears them all.
  const parents = new Map<string, string>();
  const extract = tar.extract();
  const feeding = pipeline(archive, extract);
  feeding.catch(() => undefined); // surfaced by the iteration below
  for await (const entry of extract) {
    const header = entry.header;
    const rename = (name: string) => (options.rebase ? rebaseName(name, options.rebase.from, options.rebase.to) : name);
    const rel = entryPath(rename(header.name));
    if (rel === null) throw new ExtractError(`invalid archive entry ${JSON.stringify(header.name)}: outside of ${dir}`);
    const path = posix.join(dir, rel);
    const parentPath = posix.dirname(path);
    let parent = parents.get(parentPath);
    if (parent === undefined) {
      parent = await fs.resolve(parentPath);
      const readOnly = fs.readOnlyReason(parent);
      if (readOnly) throw new ExtractError(readOnly);
      if (rel !== '.') await mkdir(fs.hostPath(parent), { recursive: true, mode: 0o755 });
      parents.set(parentPath, parent);
    }
    const host = rel === '.' ? fs.hostPath(dir) : fs.hostPath(posix.join(parent, posix.basename(path)));
    // The checks of every entry skip the thread pool: a trip there costs more than the syscall.
    fs.assertUnchangedSync(parent);

    const existing = lstatOrNullSync(host);
    const isDir = header.type === 'directory';
    if (existing) {
      if (options.noOverwriteDirNonDir && existing.isDirectory() && !isDir) throw new ExtractError(`cannot overwrite directory "${path}" with non-directory "${dir}"`);
      if (options.noOverwriteDirNonDir && !existing.isDirectory() && isDir) throw new ExtractError(`cannot overwrite non-directory "${path}" with directory "${dir}"`);
      if (existing.isDirectory() && rel === '.') {
        entry.resume();
        continue;
      }
      if (!(existing.isDirectory() && isDir)) {
        await rm(host, { recursive: true, force: true });
        // What was resolved below the removed path may lead elsewhere now.
        parents.clear();
      }
    }

    switch (header.type) {
      case 'directory':
        if (!existing?.isDirectory()) await mkdir(host, { mode: 0o755 });
        entry.resume();
        break;
      case 'file':
      case 'contiguous-file':
        await writeFile(entry as AsyncIterable<Buffer>, host, {
          owner: options.owner === 'keep' ? { uid: header.uid ?? 0, gid: header.gid ?? 0 } : options.owner === 'none' ? undefined : options.owner,
          mode: (header.mode ?? 0o644) & 0o7777,
          mtime: header.mtime ?? new Date(),
        });
        continue;
      case 'symlink':
        await symlink(header.linkname ?? '', host);
        entry.resume();
        break;
      case 'link': {
        const target = entryPath(rename(header.linkname ?? ''));
        if (target === null) throw new ExtractError(`invalid hardlink ${JSON.stringify(header.linkname)}: outside of ${dir}`);
        const targetPath = posix.join(dir, target);
        const resolvedTarget = posix.join(await fs.resolve(posix.dirname(targetPath)), posix.basename(targetPath));
        await link(fs.hostPath(resolvedTarget), host);
        entry.resume();
        break;
      }
      case 'character-device':
      case 'block-device':
      case 'fifo':
        entry.resume();
        if (!options.mknod) continue;
        await options.mknod(host, { type: header.type, mode: (header.mode ?? 0o644) & 0o7777, major: header.devmajor ?? 0, minor: header.devminor ?? 0 });
        break;
      default:
        // Anything else is not a file (pax headers are read by tar-stream).
        entry.resume();
        continue;
    }

    if (options.owner === 'keep') await lchown(host, header.uid ?? 0, header.gid ?? 0);
    else if (options.owner !== 'none') await lchown(host, options.owner.uid, options.owner.gid);
    if (header.type !== 'symlink') await chmod(host, (header.mode ?? 0o644) & 0o7777);
    const mtime = header.mtime ?? new Date();
    if (isDir) dirs.push({ host, mtime });
    else if (header.type !== 'link') await lutimes(host, mtime, mtime);
  }
  await feeding;
  // Directories last: writing into them changed their times.
  for (const d of dirs.reverse()) await lutimes(d.host, d.mtime, d.mtime);
}

/**
 * A file entry written through one descriptor: its bytes, then its owner,
 * mode and times on the descriptor. Only the writes go through the thread
 * pool; opening a new file and setting its metadata are quicker than a trip there.
 */
async function writeFile(entry: AsyncIterable<Buffer>, host: string, meta: { owner?: { uid: number; gid: number }; mode: number; mtime: Date }): Promise<void> {
  const fd = openSync(host, 'wx', 0o600);
  try {
    for await (const chunk of entry) {
      for (let written = 0; written < chunk.byteLength; ) written += await writeAsync(fd, chunk, written, chunk.byteLength - written);
    }
    if (meta.owner) fchownSync(fd, meta.owner.uid, meta.owner.gid);
    fchmodSync(fd, meta.mode);
    futimesSync(fd, meta.mtime, meta.mtime);
  } finally {
    closeSync(fd);
  }
}

const writeAsync = (fd: number, buffer: Buffer, offset: number, length: number) =>
  new Promise<number>((resolve, reject) => write(fd, buffer, offset, length, null, (err, n) => (err ? reject(err) : resolve(n))));

/** An entry's name relative to the extraction directory ("." for the directory itself), or null if it climbs out. */
export function entryPath(name: string): string | null {
  const rel = posix.normalize(name.replace(/^\/+/, '') || '.').replace(/\/+$/, '') || '.';
  if (rel === '..' || rel.startsWith('../')) return null;
  return rel;
}
