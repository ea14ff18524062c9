import { connect } from 'node:net';

/**
 * Does a process listen on the shim's socket? A dead shim leaves its socket
 * file behind, and connecting to it is refused at once; a shim that is only
 * slow (or stopped) still has the kernel accept the connection.
 */
export function shimListens(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const conn = connect(socket);
    conn.once('connect', () => {
      conn.destroy();
      resolve(true);
    });
    conn.once('error', (err: NodeJS.ErrnoException) => {
      conn.destroy();
      resolve(err.code !== 'ECONNREFUSED' && err.code !== 'ENOENT');
    });
  });
}
