import { rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { recvFd } from '@ce/native';
import { RuntimeError } from '../errors.js';

/**
 * The listening side of a console socket (what the caller of runc
 * --console-socket runs): `receive()` resolves with the pty master fd of the
 * first connection that sends one. The fd is the caller's to close (e.g.
 * wrap it in `new tty.ReadStream(fd)`, which also writes).
 */
export class ConsoleSocket {
  private readonly pending: Promise<number>;

  private constructor(
    readonly path: string,
    private readonly server: Server,
    pending: Promise<number>,
  ) {
    this.pending = pending;
    this.pending.catch(() => {});
  }

  static listen(path: string): Promise<ConsoleSocket> {
    let resolveFd!: (fd: number) => void;
    let rejectFd!: (err: Error) => void;
    const pending = new Promise<number>((res, rej) => {
      resolveFd = res;
      rejectFd = rej;
    });
    // pauseOnConnect: libuv must not read the socket, the fd arrives with the first bytes
    const server = createServer({ pauseOnConnect: true }, (conn: Socket) => {
      const fd = (conn as unknown as { _handle?: { fd?: number } })._handle?.fd;
      if (typeof fd !== 'number' || fd < 0) {
        conn.destroy();
        rejectFd(new RuntimeError('Internal', `console socket ${path}: no fd for the connection`));
        return;
      }
      recvFd(fd).then(
        (r) => {
          conn.destroy();
          resolveFd(r.fd);
        },
        (err: Error) => {
          conn.destroy();
          rejectFd(new RuntimeError('Unavailable', `console socket ${path}: ${err.message}`, { cause: err }));
        },
      );
    });
    return new Promise((resolve, reject) => {
      server.once('error', (err) => reject(new RuntimeError('InvalidArgument', `console socket ${path}: ${err.message}`, { cause: err })));
      server.listen(path, () => resolve(new ConsoleSocket(path, server, pending)));
    });
  }

  /** The pty master fd sent by the runtime. */
  receive(): Promise<number> {
    return this.pending;
  }

  /** Stops listening and removes the socket file. */
  close(): Promise<void> {
    return new Promise((resolve) =>
      this.server.close(() => {
        rmSync(this.path, { force: true });
        resolve();
      }),
    );
  }
}
