// The kernel side of @ce/network (native/netlink.cc): rtnetlink sockets in a
// network namespace, raw datagrams, and pinned network namespaces. Message
// encoding lives in @ce/network; this is only the syscalls Node lacks.
import { loadBinding } from './load.js';
import { SyscallError } from './syscall-error.js';

interface NetlinkBinding {
  netlinkOpen(netnsPath: string | null): number;
  netlinkSend(fd: number, message: Uint8Array): void;
  netlinkRecv(fd: number, timeoutMs: number): Buffer;
  netlinkClose(fd: number): void;
  netnsCreate(path: string, callback: (err: Error | null) => void): void;
  netnsRemove(path: string): void;
  netnsWriteSysctl(netnsPath: string, file: string, value: string): void;
}

const binding = (): NetlinkBinding => loadBinding() as unknown as NetlinkBinding;

function call<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw SyscallError.from(err);
  }
}

/**
 * A close-on-exec NETLINK_ROUTE socket, bound, with extended acks on. With
 * `netnsPath` (a pinned network namespace) it is created by a short-lived
 * thread that joins that namespace first, and stays bound to it; without,
 * it acts in this process's namespace. Node's own threads never setns.
 */
export function netlinkOpen(netnsPath?: string | null): number {
  return call(() => binding().netlinkOpen(netnsPath ?? null));
}

/** Sends one datagram (one or more netlink messages) to the kernel. */
export function netlinkSend(fd: number, message: Uint8Array): void {
  call(() => binding().netlinkSend(fd, message));
}

/** Receives one datagram; throws a SyscallError with code ETIMEDOUT when none arrives within `timeoutMs`. */
export function netlinkRecv(fd: number, timeoutMs = 5000): Buffer {
  return call(() => binding().netlinkRecv(fd, timeoutMs));
}

export function netlinkClose(fd: number): void {
  call(() => binding().netlinkClose(fd));
}

/**
 * A new network namespace pinned at `path` (a bind mount of the namespace on
 * a new, empty file, as `ip netns add` does); the directory must exist and
 * the file must not (EEXIST). Created on a helper thread.
 */
export function netnsCreate(path: string): Promise<void> {
  return new Promise((resolve, reject) =>
    binding().netnsCreate(path, (err) => (err ? reject(SyscallError.from(err)) : resolve())),
  );
}

/** Unpins (MNT_DETACH) and removes a pinned namespace; nothing to do when absent. */
export function netnsRemove(path: string): void {
  call(() => binding().netnsRemove(path));
}

/** Writes `value` to `file` (below /proc/sys/net/) as seen from inside the namespace pinned at `netnsPath`. */
export function netnsWriteSysctl(netnsPath: string, file: string, value: string): void {
  call(() => binding().netnsWriteSysctl(netnsPath, file, value));
}
