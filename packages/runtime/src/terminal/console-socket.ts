import { closeSync, rmSync } from 'node:fs';
import { acceptUnix, listenUnix, recvFd, shutdownSocket } from '@ce/native';
import { RuntimeError } from '../errors.js';

/**
 * The listening side of a console socket (what the caller of runc
 * --console-socket runs): `receive()` resolves with the pty master fd sent
 * over the first connection. The fd is the caller's to close (e.g. wrap it in
 * `new tty.ReadStream(fd)`, which also writes).
 *
 * The socket is the addon's own (listenUnix/acceptUnix/recvFd), not a Node
 * server: the fd arrives as a control message that libuv would not pass on.
 */
export class ConsoleSocket {
  private constructor(
    readonly path: string,
    private fd: number | undefined,
    private readonly pending: Promise<number>,
  ) {
    this.pending.catch(() => {});
  }

  static async listen(path: string): Promise<ConsoleSocket> {
    let fd: number;
    try {
      fd = listenUnix(path);
    } catch (err) {
      throw new RuntimeError('InvalidArgument', `console socket ${path}: ${(err as Error).message}`, { cause: err });
    }
    const pending = (async () => {
      let conn: number;
      try {
        conn = await acceptUnix(fd);
      } catch (err) {
        throw new RuntimeError('Unavailable', `console socket ${path}: ${(err as Error).message}`, { cause: err });
      }
      try {
        return (await recvFd(conn)).fd;
      } catch (err) {
        throw new RuntimeError('Unavailable', `console socket ${path}: ${(err as Error).message}`, { cause: err });
      } finally {
        closeSync(conn);
      }
    })();
    return new ConsoleSocket(path, fd, pending);
  }

  /** The pty master fd sent by the runtime. */
  receive(): Promise<number> {
    return this.pending;
  }

  /** Stops listening (a pending receive() rejects) and removes the socket file. */
  async close(): Promise<void> {
    if (this.fd !== undefined) {
      shutdownSocket(this.fd);
      closeSync(this.fd);
      this.fd = undefined;
    }
    rmSync(this.path, { force: true });
  }
}
