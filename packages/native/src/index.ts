import type { WaitResult } from './binding.js';
import { loadBinding } from './load.js';
import { SyscallError } from './syscall-error.js';
import { mountAllWith, type MountSpec } from './mount-spec.js';

export * from './constants.js';
export { SyscallError } from './syscall-error.js';
export { containerInitPath, initPath, monitorPath } from './load.js';
export type { WaitResult } from './binding.js';

function call<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw SyscallError.from(err);
  }
}

export function mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null = null): void {
  call(() => loadBinding().mount(source, target, fstype, flags, data));
}

export function umount2(target: string, flags = 0): void {
  call(() => loadBinding().umount2(target, flags));
}

/** Returns false when LOCK_NB was given and the lock is held elsewhere. */
export function flock(fd: number, operation: number): boolean {
  return call(() => loadBinding().flock(fd, operation));
}

export function setChildSubreaper(on = true): void {
  call(() => loadBinding().setChildSubreaper(on));
}

/** mkfifo(3); the mode is filtered by the process umask. */
export function mkfifo(path: string, mode = 0o600): void {
  call(() => loadBinding().mkfifo(path, mode));
}

export interface SpawnFdsOptions {
  /**
   * Execute a sealed memfd copy of `path` (made once per process and file,
   * and again when the file changes) instead of the file itself, so that the
   * child cannot overwrite the file through /proc/<pid>/exe (CVE-2019-5736).
   */
  sealedCopy?: boolean;
  /** The child's environment, as `KEY=value` strings. Default: empty. */
  env?: readonly string[];
  /** setsid(2) in the child: a session and process group of its own, whose id is its pid. */
  newSession?: boolean;
}

/**
 * Starts a helper with posix_spawn (vfork-fast; libuv forks the whole Node
 * process): fd i of the child is fds[i], its environment is `opts.env` (empty
 * by default), signals are at their defaults and unblocked. Returns the pid,
 * which libuv does not know: reap it with waitPid.
 */
export function spawnFds(path: string, argv: readonly string[], fds: readonly number[], opts: SpawnFdsOptions = {}): number {
  return call(() => loadBinding().spawnFds(path, [...argv], [...fds], opts.sealedCopy === true, [...(opts.env ?? [])], opts.newSession === true));
}

/**
 * spawnFds on a thread of its own: posix_spawn holds its caller until the
 * child has exec'd, which the JS thread need not wait for. The fds are
 * duplicated before it returns, so the caller may close them at once.
 */
export function spawnFdsAsync(path: string, argv: readonly string[], fds: readonly number[], opts: SpawnFdsOptions = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    try {
      loadBinding().spawnFdsAsync(path, [...argv], [...fds], opts.sealedCopy === true, [...(opts.env ?? [])], opts.newSession === true, (err, pid) =>
        err ? reject(SyscallError.from(err)) : resolve(pid!),
      );
    } catch (err) {
      reject(SyscallError.from(err));
    }
  });
}

/**
 * A real pipe, [readFd, writeFd], both close-on-exec. Node's "pipe" stdio
 * option makes socketpairs, on which a container's open("/dev/stdout") fails.
 */
export function pipe(): [number, number] {
  return call(() => loadBinding().pipe());
}

/**
 * Resolves when `pid`, a child of this process (or an orphan reparented to it
 * as subreaper), exits; reaps it on a dedicated thread, never the libuv pool.
 */
export function waitPid(pid: number): Promise<WaitResult> {
  return new Promise((resolve, reject) => {
    try {
      loadBinding().waitPid(pid, (err, result) => (err ? reject(SyscallError.from(err)) : resolve(result!)));
    } catch (err) {
      reject(SyscallError.from(err)); // no thread could be made for it (pthread_create)
    }
  });
}

export { MOUNT_DATA_MAX, compactLowerdir, type MountSpec } from './mount-spec.js';
export { parseMountOptions, rootPropagation, PROPAGATION_NAMES, type MountOptions } from './mount-options.js';

/** Mounts `mounts` (ce.types.v1.Mount shape) below `target`; all or nothing. */
export function mountAll(mounts: readonly MountSpec[], target: string): void {
  mountAllWith(mount, umount2, mounts, target);
}

export { mknod, lsetxattr, lgetxattr, syncfs, syncfsAsync, S_IFIFO, S_IFCHR, S_IFBLK, S_IFREG, XATTR_CREATE, XATTR_REPLACE } from './fs-ops.js';
export { socketPair, connectUnix, sendFd, recvFd, listenUnix, acceptUnix, shutdownSocket, type ReceivedFd } from './fd-passing.js';
export { setWindowSize, getWindowSize, type WindowSize } from './terminal.js';
export { attachCgroupDeviceFilter, cgroupDeviceFilters } from './bpf-device.js';
export { netlinkOpen, netlinkSend, netlinkRecv, netlinkClose, netnsCreate, netnsRemove, netnsWriteSysctl } from './netlink.js';
