// One HTTP/2 connection per unix socket, shared by every client of that
// socket (as grpc-js shares a channel): made at the first call, kept alive
// (ref'd) only while calls are open, closed with its last client.
import { connect as connectHttp2, type ClientHttp2Session } from 'node:http2';
import { connect as connectUnix } from 'node:net';

export interface Connection {
  session: ClientHttp2Session;
  /** Set once the socket is connected; calls that fail before then say "No connection established". */
  connected: boolean;
  /** Why the session ended, when it did. */
  failure?: Error;
  openCalls: number;
}

interface Entry {
  clients: number;
  connection?: Connection;
}

const pool = new Map<string, Entry>();

export function retainSocket(path: string): void {
  const entry = pool.get(path) ?? { clients: 0 };
  entry.clients++;
  pool.set(path, entry);
}

export function releaseSocket(path: string): void {
  const entry = pool.get(path);
  if (!entry) return;
  if (--entry.clients > 0) return;
  pool.delete(path);
  // Open calls finish first: close() stops new streams and ends the session after the last.
  entry.connection?.session.close();
}

/** The live connection to `path`, dialled if there is none (or the last one ended). */
export function connectionTo(path: string): Connection {
  const entry = pool.get(path);
  const current = entry?.connection;
  if (current && !current.session.closed && !current.session.destroyed && !current.failure) return current;
  const session = connectHttp2('http://localhost', { createConnection: () => connectUnix(path) });
  const connection: Connection = { session, connected: false, openCalls: 0 };
  session.once('connect', () => (connection.connected = true));
  session.on('error', (err) => (connection.failure ??= err));
  session.once('goaway', () => (connection.failure ??= new Error('the daemon closed the connection (GOAWAY)')));
  session.once('close', () => {
    connection.failure ??= new Error('the connection closed');
    if (entry?.connection === connection) entry.connection = undefined;
  });
  session.unref();
  if (entry) entry.connection = connection;
  return connection;
}

/** An open call keeps the process alive, as with grpc-js; an idle connection does not. */
export function callOpened(connection: Connection): void {
  if (connection.openCalls++ === 0) connection.session.ref();
}

export function callClosed(connection: Connection): void {
  if (--connection.openCalls === 0 && !connection.session.destroyed) connection.session.unref();
}
