// Unix-socket fd passing (native/fd_passing.cc): what console sockets need and
// Node cannot do (it has no sendmsg/recvmsg with SCM_RIGHTS).
import { loadBinding } from './load.js';
import { SyscallError } from './syscall-error.js';

export interface ReceivedFd {
  fd: number;
  /** The data sent with the fd (runc sends the pty's name, "/dev/ptmx"). */
  name: string;
}

interface FdPassingBinding {
  socketPair(): [number, number];
  connectUnix(path: string): number;
  sendFd(socket: number, fd: number, name?: string): void;
  recvFd(socket: number, callback: (err: Error | null, result?: ReceivedFd) => void): void;
  listenUnix(path: string): number;
  acceptUnix(socket: number, callback: (err: Error | null, fd?: number) => void): void;
  shutdownSocket(socket: number): void;
}

const binding = (): FdPassingBinding => loadBinding() as unknown as FdPassingBinding;

function call<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw SyscallError.from(err);
  }
}

/** An AF_UNIX stream socket pair, both ends close-on-exec. */
export function socketPair(): [number, number] {
  return call(() => binding().socketPair());
}

/** A blocking, close-on-exec stream socket connected to the unix socket at `path`. */
export function connectUnix(path: string): number {
  return call(() => binding().connectUnix(path));
}

/** Sends `fd` over the unix socket `socket` (SCM_RIGHTS) with `name` as the message's data. */
export function sendFd(socket: number, fd: number, name = 'fd'): void {
  call(() => binding().sendFd(socket, fd, name));
}

/**
 * Receives one fd sent over the unix socket `socket` (SCM_RIGHTS), waiting on
 * a dedicated thread with its own copy of the socket, so the caller may close
 * `socket` at any time. The fd is close-on-exec and the caller's to close.
 * Rejects when the peer closes the socket, or shutdownSocket() stops it,
 * first (code ECONNRESET).
 */
export function recvFd(socket: number): Promise<ReceivedFd> {
  return new Promise((resolve, reject) =>
    binding().recvFd(socket, (err, result) => (err ? reject(SyscallError.from(err)) : resolve(result!))),
  );
}

/** A close-on-exec unix stream socket bound to `path` (which must not exist) and listening. */
export function listenUnix(path: string): number {
  return call(() => binding().listenUnix(path));
}

/**
 * Accepts one connection on the listening socket `socket`, waiting on a
 * dedicated thread with its own copy of it. Resolves with a blocking,
 * close-on-exec fd (the caller's to close); rejects with code ECONNABORTED
 * once shutdownSocket(socket) stops the socket.
 */
export function acceptUnix(socket: number): Promise<number> {
  return new Promise((resolve, reject) =>
    binding().acceptUnix(socket, (err, fd) => (err ? reject(SyscallError.from(err)) : resolve(fd!))),
  );
}

/** shutdown(SHUT_RDWR): ends every recvFd/acceptUnix waiting on the socket, whoever holds it. */
export function shutdownSocket(socket: number): void {
  call(() => binding().shutdownSocket(socket));
}
