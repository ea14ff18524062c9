// The local side of docker cp's path rules (Docker's CopyInfoSourcePath and
// CopyInfoDestinationPath), with Go's error wording.
import { lstat, readlink, realpath, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { COPY_ERRORS, preserveTrailingDotOrSeparator, rebaseAfterLink, splitPathDirEntry, type CopyDestination, type CopySource } from '@ce/protocol/copy';

const MAX_DESTINATION_LINKS = 10;

/** Go's wording of a failed stat: "lstat /x: no such file or directory". */
export function goPathError(op: string, path: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code;
  const words: Record<string, string> = { ENOENT: 'no such file or directory', ENOTDIR: 'not a directory', EACCES: 'permission denied', ELOOP: 'too many levels of symbolic links' };
  return new Error(`${op} ${path}: ${(code && words[code]) ?? (err as Error).message}`);
}

/** An absolute local path, keeping the trailing "/" or "/." (Docker's resolveLocalPath). */
export function absoluteLocalPath(path: string, cwd = process.cwd()): string {
  return preserveTrailingDotOrSeparator(posix.resolve(cwd, path), path);
}

/** The local source of a copy: its parents' symlinks evaluated (and its own with -L). */
export async function localSource(path: string, followLink: boolean): Promise<CopySource> {
  let resolved: string;
  let rebaseName = '';
  try {
    if (followLink) {
      [resolved, rebaseName] = rebaseAfterLink(path, await realpath(path));
    } else {
      const cut = path.lastIndexOf('/');
      const dir = path.slice(0, cut + 1) || '.';
      const base = path.slice(cut + 1);
      const resolvedDir = await realpath(dir);
      resolved = base === '' ? resolvedDir : posix.join(resolvedDir, base) + (base === '.' ? '/.' : '');
      if (path.endsWith('/') && posix.basename(path) !== posix.basename(resolved)) rebaseName = posix.basename(path);
    }
  } catch (err) {
    throw goPathError('lstat', path, err);
  }
  const st = await lstat(resolved).catch((err: unknown) => {
    throw goPathError('lstat', resolved, err);
  });
  return { path: resolved, isDir: st.isDirectory(), rebaseName };
}

/** The local destination of a copy: a symlink there is followed; if absent, its parent must be a directory. */
export async function localDestination(path: string): Promise<CopyDestination> {
  let current = path;
  for (let n = 0; ; n++) {
    const st = await lstat(current).catch(() => null);
    if (st && !st.isSymbolicLink()) return { path: current, exists: true, isDir: st.isDirectory() };
    if (!st) break;
    if (n >= MAX_DESTINATION_LINKS) throw new Error(`too many symlinks in ${path}`);
    const target = await readlink(current);
    current = target.startsWith('/') ? target : posix.join(splitPathDirEntry(current)[0], target);
  }
  const [parent] = splitPathDirEntry(current);
  const parentStat = await stat(parent).catch((err: unknown) => {
    throw goPathError('stat', parent, err);
  });
  if (!parentStat.isDirectory()) throw new Error(COPY_ERRORS.notDirectory);
  return { path: current, exists: false, isDir: false };
}
