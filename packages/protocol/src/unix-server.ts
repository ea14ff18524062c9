import { Server, ServerCredentials, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, rename, unlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { unixSocketPath } from './listen-fds.js';

export interface UnixServer {
  readonly server: Server;
  readonly path: string;
  /** Stops accepting calls, ends the open ones after `graceMs`, removes the socket if it is still this server's. */
  close(graceMs?: number): Promise<void>;
}

export interface ServeUnixOptions {
  /** The socket file's mode, set before the socket appears at `path`. */
  mode?: number;
  /**
   * Whether close() removes the socket file (default true). A process whose
   * socket path is owned by another (a shim's, by its supervisor) leaves it:
   * between a check and the unlink, the path may have passed to a successor.
   */
  removeOnClose?: boolean;
}

/**
 * Serves the given services on a unix socket. The socket file is replaced if
 * it exists: callers that must not steal a live socket (ced) hold a lock first.
 *
 * The socket is bound under a private name beside `path` and renamed into
 * place, ready and with its mode: a client never finds a socket at `path` that
 * does not accept yet, and the unlink that libuv makes of the name it bound,
 * as the server closes, can never remove a later server's socket at `path`.
 */
/** Stops accepting calls and ends the open ones after `graceMs`. */
function shutDown(server: Server, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

const SERVER_OPTIONS = { 'grpc.max_receive_message_length': 64 * 1024 * 1024 };

export async function serveUnix(
  path: string,
  services: Array<[ServiceDefinition, UntypedServiceImplementation]>,
  options: ServeUnixOptions = {},
): Promise<UnixServer> {
  const server = new Server(SERVER_OPTIONS);
  for (const [def, impl] of services) server.addService(def, impl);
  await mkdir(dirname(path), { recursive: true });
  // Short (a socket path has 107 bytes), and not ending in .sock: not taken for a served socket by who lists the directory.
  const bound = join(dirname(path), `.b${randomBytes(4).toString('hex')}`);
  await new Promise<number>((resolve, reject) =>
    server.bindAsync(`unix:${bound}`, ServerCredentials.createInsecure(), (err, port) =>
      err ? reject(err) : resolve(port),
    ),
  );
  let inode: number;
  try {
    if (options.mode !== undefined) await chmod(bound, options.mode);
    await rename(bound, path);
    inode = (await lstat(path)).ino;
  } catch (err) {
    server.forceShutdown();
    await unlink(bound).catch(() => undefined);
    throw err;
  }
  return {
    server,
    path,
    async close(graceMs = 2000) {
      await shutDown(server, graceMs);
      if (options.removeOnClose === false) return;
      const now = await lstat(path).catch(() => undefined);
      if (now?.ino === inode) await unlink(path).catch(() => undefined);
    },
  };
}

/**
 * Serves the given services on a unix socket already listening at `fd`, one
 * a service manager made (socket activation: its path, mode and group are
 * the manager's, and it stays when this server closes).
 */
export async function serveListeningFd(fd: number, services: Array<[ServiceDefinition, UntypedServiceImplementation]>): Promise<UnixServer> {
  const path = unixSocketPath(fd);
  if (!path) throw new Error(`fd ${fd} is not a unix socket bound to a path`);
  const server = new Server(SERVER_OPTIONS);
  for (const [def, impl] of services) server.addService(def, impl);
  const injector = server.createConnectionInjector(ServerCredentials.createInsecure());
  const listener = createServer((socket) => injector.injectConnection(socket));
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen({ fd }, () => {
      listener.off('error', reject);
      resolve();
    });
  });
  return {
    server,
    path,
    async close(graceMs = 2000) {
      listener.close();
      await shutDown(server, graceMs);
      injector.destroy();
    },
  };
}
