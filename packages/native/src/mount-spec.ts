import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
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

export type MountFn = (source: string | null, target: string, fstype: string | null, flags: number, data: string | null) => void;
export type UnmountFn = (target: string, flags: number) => void;

/**
 * Performs the mounts in order below `target`, creating mount points as
 * needed. On failure, unmounts what it mounted and rethrows.
 */
export function mountAllWith(mount: MountFn, unmount: UnmountFn, mounts: readonly MountSpec[], target: string): void {
  const done: string[] = [];
  try {
    for (const m of mounts) {
      const dest = m.target ? join(target, m.target) : target;
      if (!existsSync(dest)) mkdirSync(dest, { recursive: true });
      const { flags, propagation, data } = parseMountOptions(m.options);
      if (data.length > MOUNT_DATA_MAX) {
        throw new Error(`mount options for ${dest} are ${data.length} bytes, more than mount(2) takes (${MOUNT_DATA_MAX})`);
      }
      const isBind = (flags & MS_BIND) !== 0;
      mount(m.source, dest, isBind ? null : m.type, flags & ~(isBind ? MS_RDONLY : 0), data || null);
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
