import { dialEngine, withLocalServices, type Engine, type LocalServices } from './engine.js';
import { parseListenAddress, type ListenAddress } from './listen-address.js';
import { silentLogger, type DockerApiLogger } from './logger.js';
import { dockerApiRouter } from './routes/index.js';
import { serve, type DockerApiServer } from './server.js';

export { API_VERSION, MIN_API_VERSION } from './api-version.js';
export { parseListenAddress, type ListenAddress } from './listen-address.js';
export { dialEngine, withLocalServices, type Engine, type LocalServices } from './engine.js';
export type { DockerApiLogger } from './logger.js';
export type { DockerApiServer } from './server.js';
export { Router } from './router.js';
export { RequestContext } from './request-context.js';

export interface DockerApiOptions {
  /** The ce.sock whose services the API fronts. */
  ceSocket: string;
  /** Where to listen: unix:///path, /path or tcp://127.0.0.1:port (loopback only). */
  hosts: string[];
  socketMode?: number;
  socketGid?: number;
  /** The Server header (dockerd: Docker/<version> (linux)). */
  serverName?: string;
  logger?: DockerApiLogger;
  /** Clients to use instead of dialling ceSocket (tests). */
  engine?: Engine;
  /** Services of the process hosting the API, called in place rather than over ceSocket (decision 0058). */
  local?: LocalServices;
}

/** Serves the Docker Engine API 1.41 on `hosts`, over the services at `ceSocket`. */
export async function startDockerApi(options: DockerApiOptions): Promise<DockerApiServer> {
  const addresses: ListenAddress[] = options.hosts.map(parseListenAddress);
  const engine = withLocalServices(options.engine ?? dialEngine(options.ceSocket), options.local);
  try {
    const server = await serve(dockerApiRouter(), engine, options.logger ?? silentLogger, {
      addresses,
      socketMode: options.socketMode,
      socketGid: options.socketGid,
      serverName: options.serverName ?? 'ce (linux)',
    });
    return {
      addresses: server.addresses,
      async close() {
        await server.close();
        if (!options.engine) engine.close();
      },
    };
  } catch (err) {
    if (!options.engine) engine.close();
    throw err;
  }
}
