// Docker's path rules for `docker cp` (pkg/archive/copy.go): trailing "/"
// asserts a directory, a trailing "/." names a directory's content.
import { posix } from 'node:path';

export const hasTrailingSeparator = (path: string) => path.length > 0 && path.endsWith('/');
export const specifiesCurrentDir = (path: string) => posix.basename(path) === '.' || path === '.' || path.endsWith('/.');

/** Docker's assertsDirectory: "dir/" or "dir/." can only name a directory. */
export const assertsDirectory = (path: string) => hasTrailingSeparator(path) || specifiesCurrentDir(path);

/** A cleaned path that keeps the trailing "/" or "/." the original had. */
export function preserveTrailingDotOrSeparator(cleaned: string, original: string): string {
  if (specifiesCurrentDir(original) && !specifiesCurrentDir(cleaned)) {
    return hasTrailingSeparator(cleaned) ? `${cleaned}.` : `${cleaned}/.`;
  }
  if (hasTrailingSeparator(original) && !hasTrailingSeparator(cleaned)) return `${cleaned}/`;
  return cleaned;
}

/** Docker's SplitPathDirEntry: the cleaned parent and last element; "dir/." gives ["dir", "."]. */
export function splitPathDirEntry(path: string): [dir: string, base: string] {
  let cleaned = posix.normalize(path);
  if (cleaned.length > 1 && cleaned.endsWith('/')) cleaned = cleaned.slice(0, -1);
  if (specifiesCurrentDir(path) && cleaned !== '.') cleaned = cleaned === '/' ? '/.' : `${cleaned}/.`;
  return [posix.dirname(cleaned), posix.basename(cleaned) || '/'];
}

/**
 * Docker's GetRebaseName: after following a symlink, the resolved path keeps
 * the requested "/" or "/." ending, and entries are renamed back to the
 * requested name when the link changed the last element.
 */
export function rebaseAfterLink(path: string, resolved: string): [resolved: string, rebaseName: string] {
  if (specifiesCurrentDir(path) && !specifiesCurrentDir(resolved)) resolved += '/.';
  if (hasTrailingSeparator(path) && !hasTrailingSeparator(resolved)) resolved += '/';
  const base = (p: string) => posix.basename(p) || '/';
  return [resolved, base(path) !== base(resolved) ? base(path) : ''];
}

/** Where an archive of SRC is extracted for DEST, and how its entries are renamed (Docker's PrepareArchiveCopy). */
export interface CopyPlan {
  /** The directory the archive is extracted into. */
  extractDir: string;
  /** Renames the archive's top entry (and everything below it) from `from` to `to`. */
  rebase?: { from: string; to: string };
}

export interface CopySource {
  path: string;
  isDir: boolean;
  rebaseName?: string;
}

export interface CopyDestination {
  path: string;
  exists: boolean;
  isDir: boolean;
}

/** Errors of Docker's archive package, word for word. */
export const COPY_ERRORS = {
  notDirectory: 'not a directory',
  dirNotExists: 'no such directory',
  cannotCopyDir: 'cannot copy directory',
} as const;

export class CopyRuleError extends Error {}

export function planCopy(src: CopySource, dst: CopyDestination): CopyPlan {
  const [dstDir, dstBase] = splitPathDirEntry(dst.path);
  const srcBase = src.rebaseName || splitPathDirEntry(src.path)[1];
  if (dst.exists && dst.isDir) return { extractDir: dst.path };
  if (dst.exists && src.isDir) throw new CopyRuleError(COPY_ERRORS.cannotCopyDir);
  if (!dst.exists && !src.isDir && assertsDirectory(dst.path)) throw new CopyRuleError(COPY_ERRORS.dirNotExists);
  return { extractDir: dstDir, rebase: { from: srcBase, to: dstBase } };
}

/** Docker's RebaseArchiveEntries on one entry name: the first `from` becomes `to` ("/" stands for the root: nothing). */
export function rebaseName(name: string, from: string, to: string): string {
  const old = from === '/' ? '' : from;
  const i = name.indexOf(old);
  return i < 0 ? name : name.slice(0, i) + to + name.slice(i + old.length);
}

/** `CONTAINER:PATH` or a local path (Docker's splitCpArg): absolute paths and "./x:y" are local. */
export function splitCopyArg(arg: string): { container: string; path: string } {
  if (arg.startsWith('/')) return { container: '', path: arg };
  const colon = arg.indexOf(':');
  if (colon < 0 || arg.slice(0, colon).startsWith('.')) return { container: '', path: arg };
  return { container: arg.slice(0, colon), path: arg.slice(colon + 1) };
}
