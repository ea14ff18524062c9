// A directory tree seen as a container sees it: a root directory with mounts
// over some of its paths. Paths are resolved inside the root the way Docker's
// archive API does (github.com/moby/sys/symlink FollowSymlinkInScope):
// symlinks and ".." are evaluated against the tree's own "/", so nothing in
// the tree can point a path outside it.
import { lstatSync, realpathSync, type Stats } from 'node:fs';
import { lstat, readlink, realpath } from 'node:fs/promises';
import { posix } from 'node:path';

const MAX_LINKS = 255;

/** A mount over the tree: host directory `source` seen at `destination`. */
export interface ScopedMount {
  destination: string;
  source: string;
  readOnly: boolean;
}

/** A resolved path whose host path now leads elsewhere: something swapped a folder for a symlink meanwhile. */
export class PathChangedError extends Error {
  constructor(path: string) {
    super(`${path} changed while being copied (a symlink appeared in it)`);
  }
}

export class TooManyLinksError extends Error {
  constructor(path: string) {
    super(`too many links in ${path}`);
  }
}

export async function lstatOrNull(path: string): Promise<Stats | null> {
  try {
    return await lstat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
}

/** lstatOrNull without the thread pool (a local lstat is cheaper than the trip). */
export function lstatOrNullSync(path: string): Stats | null {
  try {
    return lstatSync(path, { throwIfNoEntry: false }) ?? null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw err;
  }
}

export class ScopedFs {
  private readonly mounts: ScopedMount[];
  private readonly realBases = new Map<string, Promise<string>>();
  private readonly realBasesSync = new Map<string, string>();

  /** `root` is the host directory of "/"; mounts may be given in any order. */
  constructor(
    readonly root: string,
    mounts: readonly ScopedMount[] = [],
    readonly readOnlyRoot = false,
  ) {
    // Longest destination first: the innermost mount of a path wins.
    this.mounts = mounts.map((m) => ({ ...m, destination: posix.normalize(m.destination) })).sort((a, b) => b.destination.length - a.destination.length);
  }

  /** The mount a resolved path lies in (undefined: the root's own tree). */
  mountOf(path: string): ScopedMount | undefined {
    return this.mounts.find((m) => path === m.destination || path.startsWith(m.destination === '/' ? '/' : `${m.destination}/`));
  }

  /** The host path of a resolved, absolute path of the tree (no symlink in it is followed here). */
  hostPath(path: string): string {
    const m = this.mountOf(path);
    if (!m) return posix.join(this.root, path);
    return posix.join(m.source, path.slice(m.destination.length));
  }

  /**
   * Checks that the host path of a resolved directory still has no symlink in
   * it, just before it is used: a running container may swap one of its
   * folders for a symlink after resolve(). This narrows that race to the
   * moment between the check and the use (docs/decisions/0041).
   */
  async assertUnchanged(path: string): Promise<void> {
    const base = this.baseOf(path);
    let realBase = this.realBases.get(base);
    if (!realBase) this.realBases.set(base, (realBase = realpath(base)));
    let real: string;
    try {
      real = await realpath(this.hostPath(path));
    } catch {
      throw new PathChangedError(path);
    }
    this.checkReal(path, await realBase, real);
  }

  /**
   * assertUnchanged without a trip through the thread pool: one realpath(3)
   * of a local path, for loops that check every entry of an archive.
   */
  assertUnchangedSync(path: string): void {
    const base = this.baseOf(path);
    let realBase = this.realBasesSync.get(base);
    if (!realBase) this.realBasesSync.set(base, (realBase = realpathSync.native(base)));
    let real: string;
    try {
      real = realpathSync.native(this.hostPath(path));
    } catch {
      throw new PathChangedError(path);
    }
    this.checkReal(path, realBase, real);
  }

  private baseOf(path: string): string {
    const m = this.mountOf(path);
    return m ? m.source : this.root;
  }

  private checkReal(path: string, realBase: string, real: string): void {
    const m = this.mountOf(path);
    const expected = posix.join(realBase, m ? path.slice(m.destination.length) : path).replace(/(.)\/+$/, '$1');
    if (real !== expected) throw new PathChangedError(path);
  }

  /** Is the resolved path on a read-only part of the tree? Names which part for Docker's error. */
  readOnlyReason(path: string): string | null {
    const m = this.mountOf(path);
    if (m) return m.readOnly ? 'mounted volume is marked read-only' : null;
    return this.readOnlyRoot ? 'container rootfs is marked read-only' : null;
  }

  /** Every symlink of `path` evaluated inside the tree; an absolute, clean path of the tree. */
  async resolve(path: string): Promise<string> {
    const pending = path.split('/');
    let resolved = '/';
    let links = 0;
    while (pending.length > 0) {
      const part = pending.shift()!;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        resolved = posix.dirname(resolved);
        continue;
      }
      const candidate = posix.join(resolved, part);
      const st = await lstatOrNull(this.hostPath(candidate));
      if (!st?.isSymbolicLink()) {
        resolved = candidate;
        continue;
      }
      if (++links > MAX_LINKS) throw new TooManyLinksError(path);
      const target = await readlink(this.hostPath(candidate));
      if (target.startsWith('/')) resolved = '/';
      pending.unshift(...target.split('/'));
    }
    return resolved;
  }

  /**
   * Docker's ResolvePath: the parent directories resolved, the last element
   * kept as it is (a symlink there is the link itself), with the trailing "/"
   * or "/." of the request (which make the last element part of the parent).
   */
  async resolveParent(path: string): Promise<{ resolved: string; absPath: string }> {
    const absPath = absolute(path);
    const cut = absPath.lastIndexOf('/');
    const dir = await this.resolve(absPath.slice(0, cut + 1));
    const base = absPath.slice(cut + 1);
    const resolved = base === '' ? dir : base === '.' ? (dir === '/' ? '/.' : `${dir}/.`) : posix.join(dir, base);
    return { resolved, absPath };
  }
}

/** The request's path as an absolute path of the tree, cleaned, keeping a trailing "/" or "/.". */
export function absolute(path: string): string {
  const cleaned = posix.normalize(`/${path}`).replace(/(.)\/$/, '$1');
  const keepDot = path === '.' || path.endsWith('/.');
  if (keepDot) return cleaned === '/' ? '/.' : `${cleaned}/.`;
  if (path.endsWith('/') && cleaned !== '/') return `${cleaned}/`;
  return cleaned;
}
