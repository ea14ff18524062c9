import { connect } from 'node:net';

/**
 * Does a process listen on this unix socket? A dead server leaves its socket
 * file behind, and connecting to it is refused at once; a server that is only
 * slow (or stopped) still has the kernel accept the connection, and any other
 * failure (a full backlog, no permission) counts as someone being there.
 */
export function socketListens(socket: string): Promise<boolean> {
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
