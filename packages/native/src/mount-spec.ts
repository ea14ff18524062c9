import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { MNT_DETACH, MS_BIND, MS_RDONLY, MS_REMOUNT } from './constants.js';
import { parseMountOptions } from './mount-options.js';

/** A mount described as containerd describes one (ce.types.v1.Mount). */
export interface MountSpec {
  type: string;
  source: string;
  /** Relative to the target directory given to mountAll; empty for the directory itself. */
  target?: string;
  options: string[];
}

/** mount(2)'s data is limited to one page; longer overlay lowerdir lists need another route. */
export const MOUNT_DATA_MAX = 4095;

/**
 * containerd's compactLowerdirOption: when an overlay's options are longer
 * than a page (an image of 100+ layers), its lowerdirs are rewritten relative
 * to their common parent, and the mount is made from that directory.
 * Undefined when there is nothing to shorten.
 */
export function compactLowerdir(data: string): { data: string; dir: string } | undefined {
  const parts = data.split(',');
  const i = parts.findIndex((p) => p.startsWith('lowerdir='));
  if (i < 0) return undefined;
  const lowers = parts[i]!.slice('lowerdir='.length).split(':');
  if (lowers.length < 2 || !lowers.every((l) => l.startsWith('/'))) return undefined;
  let common = dirname(lowers[0]!);
  while (common !== '/' && !lowers.every((l) => l.startsWith(`${common}/`))) common = dirname(common);
  if (common === '/') return undefined;
  parts[i] = `lowerdir=${lowers.map((l) => l.slice(common.length + 1)).join(':')}`;
  return { data: parts.join(','), dir: common };
}

export type MountFn = (source: string | null, target: string, fstype: string | null, flags: number, data: string | null) => void;
export type UnmountFn = (target: string, flags: number) => void;

/**
 * Performs the mounts in order below `target`, creating mount points as
 * needed. On failure, unmounts what it mounted and rethrows.
 */
export function mountAllWith(
  mount: MountFn,
  unmount: UnmountFn,
  mounts: readonly MountSpec[],
  targetDir: string,
  chdir: (dir: string) => void = process.chdir,
): void {
  const target = resolve(targetDir); // the working directory may change for a compacted overlay
  const done: string[] = [];
  try {
    for (const m of mounts) {
      const dest = m.target ? join(target, m.target) : target;
      if (!existsSync(dest)) mkdirSync(dest, { recursive: true });
      const { flags, propagation, data } = parseMountOptions(m.options);
      const compact = data.length > MOUNT_DATA_MAX && m.type === 'overlay' ? compactLowerdir(data) : undefined;
      if (data.length > MOUNT_DATA_MAX && !(compact && compact.data.length <= MOUNT_DATA_MAX)) {
        throw new Error(`mount options for ${dest} are ${data.length} bytes, more than mount(2) takes (${MOUNT_DATA_MAX})`);
      }
      const isBind = (flags & MS_BIND) !== 0;
      if (compact) {
        // mount(2) is synchronous on this thread: no other JavaScript runs while the directory is changed.
        const cwd = process.cwd();
        chdir(compact.dir);
        try {
          mount(m.source, dest, m.type, flags, compact.data);
        } finally {
          chdir(cwd);
        }
      } else {
        mount(m.source, dest, isBind ? null : m.type, flags & ~(isBind ? MS_RDONLY : 0), data || null);
      }
      done.push(dest);
      // A bind mount ignores MS_RDONLY until it is remounted.
      if (isBind && flags & MS_RDONLY) mount(null, dest, null, flags | MS_REMOUNT, null);
      for (const p of propagation) mount(null, dest, null, p, null);
    }
  } catch (err) {
    for (const dest of done.reverse()) {
      try {
        unmount(dest, MNT_DETACH);
      } catch {
        // best effort: the original error matters more
      }
    }
    throw err;
  }
}
