import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { chmod, chown, rm } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import { notFound } from '@ce/protocol';
import { API_VERSION, unsupportedVersionMessage } from './api-version.js';
import type { Engine } from './engine.js';
import { replyWithError } from './error-reply.js';
import type { ListenAddress } from './listen-address.js';
import type { DockerApiLogger } from './logger.js';
import { RequestContext } from './request-context.js';
import type { Router } from './router.js';

export interface ServeOptions {
  addresses: ListenAddress[];
  /** Unix sockets' mode (ced: 0660) and group (ced's socket group). */
  socketMode?: number;
  socketGid?: number;
  /** The Server header's product (dockerd sends Docker/<version> (linux)). */
  serverName: string;
}

export interface DockerApiServer {
  /** Where it listens: unix socket paths, and host:port for TCP (the port the kernel gave when 0 was asked). */
  readonly addresses: string[];
  close(): Promise<void>;
}

/** The headers dockerd puts on every reply. */
function commonHeaders(serverName: string): Record<string, string> {
  return { 'Api-Version': API_VERSION, 'Docker-Experimental': 'false', Ostype: 'linux', Server: serverName };
}

/**
 * A request target that `new URL()` would leave as it is: a path of characters a URL path keeps (no `%`, no
 * backslash, not `//`, no dot segments) and a query without `#` or characters a URL encodes. The docker CLI's
 * requests are all of this kind; anything else goes through `new URL()`.
 */
const PLAIN_TARGET = /^\/(?!\/)[\w\-.~!$&'()*+,;=:@/]*(?:\?[\w\-.~!$&'()*+,;=:@/?%]*)?$/;
const DOT_SEGMENT = /\/\.\.?(?:[/?]|$)/;

/** The path and query of a request target, as `new URL(target, base)` gives them. */
export function targetOf(url: string): { pathname: string; query: URLSearchParams } {
  if (PLAIN_TARGET.test(url) && !DOT_SEGMENT.test(url)) {
    const q = url.indexOf('?');
    return q === -1 ? { pathname: url, query: new URLSearchParams() } : { pathname: url.slice(0, q), query: new URLSearchParams(url.slice(q + 1)) };
  }
  const parsed = new URL(url, 'http://docker');
  return { pathname: parsed.pathname, query: parsed.searchParams };
}

/** Splits `/v1.41/containers/json` into the version asked for and the path. */
function versionedPath(url: string): { version?: string; path: string; query: URLSearchParams } {
  const { pathname, query } = targetOf(url);
  const m = /^\/v(\d+(?:\.\d+)*)(\/.*)$/.exec(pathname);
  return m ? { version: m[1], path: m[2]!, query } : { path: pathname, query };
}

/** Serves a router on each address. */
export async function serve(router: Router, engine: Engine, logger: DockerApiLogger, options: ServeOptions): Promise<DockerApiServer> {
  const headers = Object.entries(commonHeaders(options.serverName));

  const dispatch = async (req: IncomingMessage, res: ServerResponse | undefined, upgrade?: { socket: Duplex; head: Buffer }) => {
    const { version, path, query } = versionedPath(req.url ?? '/');
    const match = router.match(req.method ?? 'GET', path);
    const ctx = new RequestContext(req, res, match?.params ?? {}, query, version ?? API_VERSION, engine, logger, upgrade);
    try {
      if (version !== undefined) {
        const unsupported = unsupportedVersionMessage(version);
        if (unsupported) {
          ctx.json(400, { message: unsupported });
          return;
        }
      }
      if (!match) throw notFound('page not found');
      await match.handler(ctx);
    } catch (err) {
      replyWithError(ctx, err);
    }
  };

  const servers: Server[] = [];
  const addresses: string[] = [];
  // Taken over by attach and exec: the http server no longer tracks them.
  const upgradedSockets = new Set<Duplex>();
  try {
    for (const address of options.addresses) {
      const server = createServer((req, res) => {
        for (const [k, v] of headers) res.setHeader(k, v);
        void dispatch(req, res);
      });
      // Streams (events, logs -f, stats, attach) last as long as the client wants.
      server.requestTimeout = 0;
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        upgradedSockets.add(socket);
        socket.once('close', () => upgradedSockets.delete(socket));
        socket.on('error', (err) => logger.debug({ err: err.message }, 'docker api upgraded connection failed'));
        void dispatch(req, undefined, { socket, head });
      });
      server.on('clientError', (err, socket) => {
        if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
        logger.debug({ err: err.message }, 'docker api client error');
      });
      servers.push(server);
      if (address.kind === 'unix') {
        await rm(address.path, { force: true });
        await listen(server, address.path);
        await chmod(address.path, options.socketMode ?? 0o660);
        if (options.socketGid !== undefined) await chown(address.path, -1, options.socketGid);
        addresses.push(address.path);
      } else {
        await listen(server, address.port, address.host);
        const bound = server.address();
        const port = typeof bound === 'object' && bound ? bound.port : address.port;
        addresses.push(address.host.includes(':') ? `[${address.host}]:${port}` : `${address.host}:${port}`);
      }
    }
  } catch (err) {
    await Promise.all(servers.map(closeServer));
    throw err;
  }

  return {
    addresses,
    async close() {
      for (const socket of upgradedSockets) socket.destroy();
      await Promise.all(servers.map(closeServer));
      for (const address of options.addresses) if (address.kind === 'unix') await rm(address.path, { force: true });
    },
  };
}

function listen(server: Server, ...args: [string] | [number, string]): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    if (args.length === 1) server.listen(args[0], done);
    else server.listen(args[0], args[1], done);
  });
}

/** Stops accepting, and ends the connections still open (followed logs and events would hold it forever). */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
