// mknod and extended attributes on the link itself (native/fs_ops.cc): what
// layer unpacking needs for overlay whiteouts (0/0 character devices), opaque
// directories (trusted.overlay.opaque) and file capabilities, and syncfs to
// make an unpacked layer durable before it is committed.
import { loadBinding } from './load.js';
import { SyscallError } from './syscall-error.js';

interface FsOpsBinding {
  mknod(path: string, mode: number, major: number, minor: number): void;
  lsetxattr(path: string, name: string, value: Buffer | string, flags: number): void;
  lgetxattr(path: string, name: string): Buffer | null;
  syncfs(path: string): void;
  syncfsAsync(path: string): Promise<void>;
}

const fsOps = (): FsOpsBinding => loadBinding() as unknown as FsOpsBinding;

function call<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw SyscallError.from(err);
  }
}

// File type bits of st_mode (<sys/stat.h>).
export const S_IFIFO = 0o010000;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;
export const S_IFREG = 0o100000;

// lsetxattr flags (<sys/xattr.h>).
export const XATTR_CREATE = 0x1;
export const XATTR_REPLACE = 0x2;

/** mknod(2): `mode` holds the file type (S_IFCHR, S_IFBLK, S_IFIFO) and permissions. */
export function mknod(path: string, mode: number, major = 0, minor = 0): void {
  call(() => fsOps().mknod(path, mode, major, minor));
}

/** lsetxattr(2): sets an extended attribute without following a final symlink. */
export function lsetxattr(path: string, name: string, value: Buffer | string, flags = 0): void {
  call(() => fsOps().lsetxattr(path, name, value, flags));
}

/** lgetxattr(2): the attribute's value, or null when the file does not have it. */
export function lgetxattr(path: string, name: string): Buffer | null {
  return call(() => fsOps().lgetxattr(path, name));
}

/** syncfs(2): writes out everything cached for the filesystem that holds `path`. */
export function syncfs(path: string): void {
  call(() => fsOps().syncfs(path));
}

/** syncfs(2) on a libuv pool thread: the event loop goes on meanwhile. */
export async function syncfsAsync(path: string): Promise<void> {
  try {
    await fsOps().syncfsAsync(path);
  } catch (err) {
    throw SyscallError.from(err);
  }
}
