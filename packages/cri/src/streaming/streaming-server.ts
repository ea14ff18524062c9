// containerd's streaming server (the kubelet's streaming package): Exec,
// Attach and PortForward answer a URL http://<address>:<port>/<method>/<token>
// whose one-time token names the cached request; the client upgrades that URL
// to SPDY/3.1 or a WebSocket and the session runs over it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { CeError, OutputQueue, type Logger } from '@ce/protocol';
import type { AttachRequest, ExecRequest, PortForwardRequest } from '../gen/runtime/v1/api.js';
import type { CommandStreams, StreamOptions } from './command-streams.js';
import type { ProcessIo } from './container-exec.js';
import type { CommandStatus } from './exec-status.js';
import { PORT_FORWARD_PROTOCOLS, servePortForward, type PortDialer } from './port-forward.js';
import { RequestCache } from './request-cache.js';
import { SpdyServerConnection, type SpdyStream } from './spdy-connection.js';
import { SPDY_COMMAND_PROTOCOLS, spdyCommandStreams, STREAM_CREATION_TIMEOUT_MS } from './spdy-command-streams.js';
import { chooseWebSocketProtocol, websocketCommandStreams } from './websocket-command-streams.js';

/** What the sessions act on (streaming-runtime.ts over ced's supervisor). */
export interface StreamingRuntime {
  /** Runs the command; its status (success or the non-zero exit); throws when it could not run. */
  exec(containerId: string, cmd: string[], io: ProcessIo, tty: boolean): Promise<CommandStatus>;
  /** Joins the container's main process until its output ends or `clientGone` resolves. */
  attach(containerId: string, io: ProcessIo, tty: boolean, clientGone: Promise<void>): Promise<CommandStatus>;
  /** A connection to the port inside the sandbox's network namespace. */
  portForward: (sandboxId: string) => PortDialer;
}

export interface StreamingServerOptions {
  /** containerd's stream_server_address (default 127.0.0.1). */
  address?: string;
  /** containerd's stream_server_port; 0 (the default) is a free port. */
  port?: number;
  runtime: StreamingRuntime;
  logger?: Pick<Logger, 'warn' | 'debug'>;
  tokenTtlMs?: number;
  streamCreationTimeoutMs?: number;
  streamIdleTimeoutMs?: number;
}

export interface StreamingServer {
  /** http://address:port/ */
  readonly baseUrl: string;
  getExec(request: ExecRequest): { url: string };
  getAttach(request: AttachRequest): { url: string };
  getPortForward(request: PortForwardRequest): { url: string };
  close(): Promise<void>;
}

type Cached = { method: 'exec'; request: ExecRequest } | { method: 'attach'; request: AttachRequest } | { method: 'portforward'; request: PortForwardRequest };

/** The kubelet's StreamIdleTimeout: a SPDY connection with no traffic for this long is closed. */
export const STREAM_IDLE_TIMEOUT_MS = 4 * 60 * 60 * 1000;

const ROUTE = /^\/(exec|attach|portforward)\/([^/?]+)\/?(?:\?.*)?$/;

export async function startStreamingServer(options: StreamingServerOptions): Promise<StreamingServer> {
  const cache = new RequestCache<Cached>(options.tokenTtlMs);
  const creationTimeout = options.streamCreationTimeoutMs ?? STREAM_CREATION_TIMEOUT_MS;
  const websockets = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const sockets = new Set<Duplex>();
  const server: Server = createServer();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  /** The cached request of a URL, consumed; undefined for a wrong route or token. */
  const consume = (url: string | undefined): Cached | undefined => {
    const match = ROUTE.exec(url ?? '');
    if (!match || (match[1] !== 'exec' && match[1] !== 'attach' && match[1] !== 'portforward')) return undefined;
    let token: string;
    try {
      token = decodeURIComponent(match[2]!);
    } catch {
      return undefined;
    }
    const cached = cache.consume(token);
    return cached?.method === match[1] ? cached : undefined;
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if ((req.method !== 'GET' && req.method !== 'POST') || !consume(req.url)) return plain(res, 404, '404 page not found\n');
    // Not an upgrade: as the kubelet after its protocol handshake.
    const refusal = handshakeRefusal(req, SPDY_COMMAND_PROTOCOLS);
    if (refusal) return plain(res, 403, refusal);
    plain(res, 400, `unable to upgrade: missing upgrade headers in request: ${JSON.stringify(req.headers)}`);
  });

  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    // A client that resets the connection must not take the CRI down with an unhandled 'error'.
    socket.on('error', () => undefined);
    const cached = req.method === 'GET' || req.method === 'POST' ? consume(req.url) : undefined;
    if (!cached) return rawResponse(socket, 404, '404 page not found\n');
    const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
    if (upgrade === 'websocket') {
      if (cached.method === 'portforward') return rawResponse(socket, 400, 'port forwarding over WebSocket is not supported by ce\'s CRI; use SPDY/3.1');
      return serveWebSocket(req, socket, head, cached);
    }
    if (upgrade !== 'spdy/3.1') return rawResponse(socket, 400, `unable to upgrade: missing upgrade headers in request: ${JSON.stringify(req.headers)}`);
    const served = cached.method === 'portforward' ? PORT_FORWARD_PROTOCOLS : SPDY_COMMAND_PROTOCOLS;
    const refusal = handshakeRefusal(req, served);
    if (refusal) return rawResponse(socket, 403, refusal, { 'X-Accepted-Stream-Protocol-Versions': served.join(', ') });
    const protocol = negotiate(req, served);
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n' + (protocol ? `X-Stream-Protocol-Version: ${protocol}\r\n` : '') + '\r\n',
    );
    socket.setTimeout(options.streamIdleTimeoutMs ?? STREAM_IDLE_TIMEOUT_MS, () => socket.destroy());
    const incoming = new OutputQueue<SpdyStream>();
    const connection = new SpdyServerConnection(socket, (stream) => incoming.push(stream));
    void connection.closed.then(() => incoming.end());
    connection.feed(head);
    if (cached.method === 'portforward') {
      void servePortForward(connection, incoming, cached.request.podSandboxId, options.runtime.portForward(cached.request.podSandboxId), creationTimeout).catch((err: unknown) =>
        options.logger?.warn({ err: (err as Error).message, sandbox: cached.request.podSandboxId }, 'port forward ended with an error'),
      );
      return;
    }
    void spdyCommandStreams(connection, incoming, protocol, streamOptions(cached), creationTimeout).then(
      (streams) => runCommand(cached, streams),
      (err: unknown) => options.logger?.warn({ err: (err as Error).message }, `${cached.method} streams were not set up`),
    );
  });

  function serveWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, cached: Cached & { method: 'exec' | 'attach' }): void {
    const offered = String(req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    const protocol = chooseWebSocketProtocol(offered);
    if (protocol === undefined) return rawResponse(socket, 403, `requested protocol(s) are not supported: [${offered.join(' ')}]`);
    websockets.handleUpgrade(req, socket, head, (ws) => runCommand(cached, websocketCommandStreams(ws, protocol, streamOptions(cached))));
  }

  async function runCommand(cached: Cached & { method: 'exec' | 'attach' }, streams: CommandStreams): Promise<void> {
    const io: ProcessIo = {
      ...(streams.stdin ? { stdin: streams.stdin } : {}),
      ...(streams.stdout ? { stdout: streams.stdout } : {}),
      ...(streams.stderr ? { stderr: streams.stderr } : {}),
      ...(streams.resize ? { resize: streams.resize } : {}),
    };
    let status: CommandStatus;
    try {
      status =
        cached.method === 'exec'
          ? await options.runtime.exec(cached.request.containerId, cached.request.cmd, io, cached.request.tty)
          : await options.runtime.attach(cached.request.containerId, io, cached.request.tty, streams.closed);
    } catch (err) {
      status = { message: (err as Error).message };
    }
    await streams.finish(status).catch(() => undefined);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.address ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  const host = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  const baseUrl = `http://${host}:${bound.port}/`;
  const urlOf = (cached: Cached) => ({ url: `${baseUrl}${cached.method}/${cache.insert(cached)}` });

  return {
    baseUrl,
    getExec(request) {
      if (!request.containerId) throw new CeError('InvalidArgument', 'missing required container_id');
      if (request.tty && request.stderr) throw new CeError('InvalidArgument', 'tty and stderr cannot both be true');
      if (!request.stdin && !request.stdout && !request.stderr) throw new CeError('InvalidArgument', 'one of stdin, stdout, or stderr must be set');
      return urlOf({ method: 'exec', request });
    },
    getAttach(request) {
      if (!request.containerId) throw new CeError('InvalidArgument', 'missing required container_id');
      if (request.tty && request.stderr) throw new CeError('InvalidArgument', 'tty and stderr cannot both be true');
      if (!request.stdin && !request.stdout && !request.stderr) throw new CeError('InvalidArgument', 'one of stdin, stdout, and stderr must be set');
      return urlOf({ method: 'attach', request });
    },
    getPortForward(request) {
      if (!request.podSandboxId) throw new CeError('InvalidArgument', 'missing required pod_sandbox_id');
      return urlOf({ method: 'portforward', request });
    },
    async close() {
      websockets.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

function streamOptions(cached: Cached & { method: 'exec' | 'attach' }): StreamOptions {
  const { stdin, stdout, stderr, tty } = cached.request;
  return { stdin, stdout, stderr, tty };
}

/** The client's X-Stream-Protocol-Version values (repeated or comma-joined). */
function offeredProtocols(req: IncomingMessage): string[] {
  const raw = req.headersDistinct['x-stream-protocol-version'] ?? [];
  return raw.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

/** httpstream.Handshake: the client's first protocol the server speaks; '' when the client offered none. */
function negotiate(req: IncomingMessage, served: readonly string[]): string {
  return offeredProtocols(req).find((p) => served.includes(p)) ?? '';
}

function handshakeRefusal(req: IncomingMessage, served: readonly string[]): string | undefined {
  const offered = offeredProtocols(req);
  if (offered.length === 0 || offered.some((p) => served.includes(p))) return undefined;
  return `unable to upgrade: unable to negotiate protocol: client supports [${offered.join(' ')}], server accepts [${served.join(' ')}]`;
}

function plain(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  res.end(body);
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found' };

function rawResponse(socket: Duplex, status: number, body: string, headers: Record<string, string> = {}): void {
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status]}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`,
  );
}
