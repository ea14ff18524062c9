import { Server, ServerCredentials, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { chmod, mkdir, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface UnixServer {
  readonly server: Server;
  readonly path: string;
  /** Stops accepting calls, ends the open ones after `graceMs`, removes the socket. */
  close(graceMs?: number): Promise<void>;
}

/**
 * Serves the given services on a unix socket. The socket file is replaced if
 * it exists: callers that must not steal a live socket (ced) hold a lock first.
 */
export async function serveUnix(
  path: string,
  services: Array<[ServiceDefinition, UntypedServiceImplementation]>,
  options: { mode?: number } = {},
): Promise<UnixServer> {
  const server = new Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  for (const [def, impl] of services) server.addService(def, impl);
  await mkdir(dirname(path), { recursive: true });
  await unlink(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  await new Promise<number>((resolve, reject) =>
    server.bindAsync(`unix:${path}`, ServerCredentials.createInsecure(), (err, port) =>
      err ? reject(err) : resolve(port),
    ),
  );
  if (options.mode !== undefined) await chmod(path, options.mode);
  return {
    server,
    path,
    async close(graceMs = 2000) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      await unlink(path).catch(() => undefined);
    },
  };
}
