import { lsetxattr, mknod } from '@ce/native';

/**
 * The calls layer unpacking needs that Node lacks (the "Syscalls" seam: the
 * real one is @ce/native, tests may pass a fake).
 */
export interface FsOps {
  mknod(path: string, mode: number, major: number, minor: number): void;
  lsetxattr(path: string, name: string, value: Buffer | string, flags: number): void;
}

export const nativeFsOps: FsOps = { mknod, lsetxattr };

export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const S_IFIFO = 0o010000;

export const OVERLAY_OPAQUE_XATTR = 'trusted.overlay.opaque';
export const WHITEOUT_PREFIX = '.wh.';
export const WHITEOUT_META_PREFIX = '.wh..wh.';
export const WHITEOUT_OPAQUE = '.wh..wh..opq';
