import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  MNT_DETACH,
  MS_BIND,
  MS_NOATIME,
  MS_NODEV,
  MS_NOEXEC,
  MS_NOSUID,
  MS_PRIVATE,
  MS_RDONLY,
  MS_REC,
  MS_REMOUNT,
  MS_SHARED,
  MS_SLAVE,
} from './constants.js';

/** A mount described as containerd describes one (ce.types.v1.Mount). */
export interface MountSpec {
  type: string;
  source: string;
  /** Relative to the target directory given to mountAll; empty for the directory itself. */
  target?: string;
  options: string[];
}

const flagOptions: Record<string, [set: number, clear: number]> = {
  ro: [MS_RDONLY, 0],
  rw: [0, MS_RDONLY],
  nosuid: [MS_NOSUID, 0],
  suid: [0, MS_NOSUID],
  nodev: [MS_NODEV, 0],
  dev: [0, MS_NODEV],
  noexec: [MS_NOEXEC, 0],
  exec: [0, MS_NOEXEC],
  noatime: [MS_NOATIME, 0],
  bind: [MS_BIND, 0],
  rbind: [MS_BIND | MS_REC, 0],
  remount: [MS_REMOUNT, 0],
  defaults: [0, 0],
};

const propagationOptions: Record<string, number> = {
  private: MS_PRIVATE,
  rprivate: MS_PRIVATE | MS_REC,
  slave: MS_SLAVE,
  rslave: MS_SLAVE | MS_REC,
  shared: MS_SHARED,
  rshared: MS_SHARED | MS_REC,
};

export interface ParsedMountOptions {
  flags: number;
  propagation: number;
  /** Filesystem-specific options passed as mount(2)'s data, comma-joined. */
  data: string;
}

/** Splits mount(8)-style options into mount(2) flags, propagation and data. */
export function parseMountOptions(options: readonly string[]): ParsedMountOptions {
  let flags = 0;
  let propagation = 0;
  const data: string[] = [];
  for (const option of options) {
    const flag = flagOptions[option];
    if (flag) {
      flags = (flags | flag[0]) & ~flag[1];
    } else if (option in propagationOptions) {
      propagation = propagationOptions[option]!;
    } else {
      data.push(option);
    }
  }
  return { flags, propagation, data: data.join(',') };
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
      if (propagation) mount(null, dest, null, propagation, null);
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
