import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex, Readable, Writable } from 'node:stream';
import { invalidArgument } from '@ce/protocol';
import type { Engine } from './engine.js';
import type { DockerApiLogger } from './logger.js';

/** A connection taken over for a raw stream (attach, exec start). */
export interface HijackedStream {
  /** What the client sends: the socket after an upgrade, else the request body. */
  input: Readable;
  output: Writable;
  /**
   * Whether the end of `input` is the client's half-close (CloseWrite on an
   * upgraded connection); a plain request's body ends with the request.
   */
  halfClosable: boolean;
  close(): void;
}

/** Request bodies larger than this are refused (a create or update body is a few KB; archives are streamed, not read here). */
const MAX_JSON_BODY = 8 * 1024 * 1024;

/**
 * One request: its path parameters and query, the body read as Docker's
 * handlers read it, and the reply helpers. Upgraded requests (attach, exec
 * start) carry the raw socket to take over with `hijack()`.
 */
export class RequestContext {
  private hijacked = false;

  constructor(
    readonly req: IncomingMessage,
    /** Absent on an upgraded (hijacked) request: the socket is the reply. */
    readonly res: ServerResponse | undefined,
    readonly params: Readonly<Record<string, string>>,
    readonly query: URLSearchParams,
    /** The version the client asked for in the path, or ced's own. */
    readonly apiVersion: string,
    readonly engine: Engine,
    readonly logger: DockerApiLogger,
    private readonly upgrade?: { socket: Duplex; head: Buffer },
  ) {}

  param(name: string): string {
    const value = this.params[name];
    if (value === undefined) throw new Error(`route has no parameter ${name}`);
    return value;
  }

  /** dockerd's httputils.BoolValue: absent, "", "0", "no", "false" and "none" are false; anything else is true. */
  queryBool(name: string, fallback = false): boolean {
    const value = this.query.get(name);
    if (value === null) return fallback;
    return !['', '0', 'no', 'false', 'none'].includes(value.trim().toLowerCase());
  }

  /** An integer query value; absent or empty gives the fallback, anything else not an integer is a 400. */
  queryInt(name: string, fallback: number): number {
    const value = this.query.get(name);
    if (value === null || value === '') return fallback;
    if (!/^-?\d+$/.test(value)) throw invalidArgument(`invalid value for ${name}: ${value}`);
    return Number(value);
  }

  /** The `filters` query parameter: {"key": ["v", ...]} or the older {"key": {"v": true}}, as dockerd's filters.FromJSON takes both. */
  queryFilters(): Record<string, string[]> {
    const raw = this.query.get('filters');
    if (!raw) return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw invalidArgument(`invalid filter '${raw}'`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalidArgument(`invalid filter '${raw}'`);
    const filters: Record<string, string[]> = {};
    for (const [key, value] of Object.entries(parsed)) {
      if (Array.isArray(value)) filters[key] = value.map(String);
      else if (typeof value === 'object' && value !== null) filters[key] = Object.entries(value).filter(([, on]) => on).map(([v]) => v);
      else throw invalidArgument(`invalid filter '${raw}'`);
    }
    return filters;
  }

  /**
   * The JSON body, as dockerd's CheckForJSON and json decoding take it: an
   * empty body is `{}`; a body sent with another content type is a 400.
   */
  async jsonBody<T = Record<string, unknown>>(): Promise<T> {
    const text = (await this.readBody(MAX_JSON_BODY)).toString('utf8');
    if (text.trim() === '') return {} as T;
    const type = this.req.headers['content-type'];
    if (type && !/^application\/json\b/i.test(type)) throw invalidArgument(`Content-Type specified (${type}) must be 'application/json'`);
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw invalidArgument((err as Error).message);
    }
  }

  /** Reads the body and drops it: an attach's body is no input for the process (dockerd's hijack leaves it out too). */
  async discardBody(): Promise<void> {
    await this.readBody(MAX_JSON_BODY);
  }

  private async readBody(limit: number): Promise<Buffer> {
    if (this.upgrade) return this.readUpgradedBody(limit);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of this.req) {
      size += (chunk as Buffer).length;
      if (size > limit) throw invalidArgument(`request body is larger than ${limit} bytes`);
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  }

  /**
   * The body of an upgraded request (exec start's JSON): node hands the bytes
   * after the headers to the upgrade, so the body is the first Content-Length
   * bytes of the connection; what follows is the stream's own input.
   */
  private async readUpgradedBody(limit: number): Promise<Buffer> {
    const upgrade = this.upgrade!;
    if (/chunked/i.test(String(this.req.headers['transfer-encoding'] ?? ''))) throw invalidArgument('an upgraded request must send its body with a Content-Length');
    const length = Number(this.req.headers['content-length'] ?? 0);
    if (!Number.isSafeInteger(length) || length < 0) throw invalidArgument(`invalid Content-Length: ${this.req.headers['content-length']}`);
    if (length > limit) throw invalidArgument(`request body is larger than ${limit} bytes`);
    const chunks = [upgrade.head];
    let have = upgrade.head.length;
    while (have < length) {
      const chunk = upgrade.socket.read() as Buffer | null;
      if (chunk) {
        chunks.push(chunk);
        have += chunk.length;
        continue;
      }
      if (upgrade.socket.readableEnded || upgrade.socket.destroyed) throw invalidArgument('the request body ended before its Content-Length');
      await new Promise<void>((resolve) => {
        const done = () => {
          upgrade.socket.off('readable', done);
          upgrade.socket.off('end', done);
          upgrade.socket.off('close', done);
          resolve();
        };
        upgrade.socket.on('readable', done);
        upgrade.socket.on('end', done);
        upgrade.socket.on('close', done);
      });
    }
    const all = Buffer.concat(chunks);
    upgrade.head = all.subarray(length);
    return all.subarray(0, length);
  }

  /** The reply of a normal (not upgraded) request, for handlers that stream it. */
  reply(): ServerResponse {
    if (!this.res) throw new Error('this request was upgraded: use hijack()');
    return this.res;
  }

  json(status: number, body: unknown): void {
    this.jsonText(status, JSON.stringify(body));
  }

  /** A JSON reply already written as text (as JSON.stringify writes it); a newline ends it, as Go's encoder ends one. */
  jsonText(status: number, json: string): void {
    const text = `${json}\n`;
    this.send(status, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) }, text);
  }

  /** A reply without a body: 204 for most actions, 304 for one that changed nothing, 201 for a create without one. */
  empty(status = 204): void {
    this.send(status, {}, '');
  }

  /** Whether the reply (or the hijacked stream) has begun. */
  get replied(): boolean {
    return this.hijacked || (this.res?.headersSent ?? false);
  }

  /** Cuts a reply already under way (a stream that failed midway): the client sees the connection end. */
  abort(): void {
    if (this.res) this.res.destroy();
    else this.upgrade?.socket.destroy();
  }

  /** A whole reply: on the response, or as raw HTTP on an upgraded socket not yet taken over. */
  private send(status: number, headers: Record<string, string>, body: string): void {
    if (this.res) {
      this.res.writeHead(status, headers);
      this.res.end(body);
      return;
    }
    if (this.hijacked) throw new Error('the connection was taken over');
    const lines = Object.entries({ ...headers, 'Content-Length': String(Buffer.byteLength(body)), Connection: 'close' }).map(([k, v]) => `${k}: ${v}\r\n`);
    this.upgrade!.socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${lines.join('')}\r\n${body}`);
  }

  /** Whether the client asked to take the connection over (Connection: Upgrade, Upgrade: tcp), as the docker CLI does for attach and exec. */
  get upgraded(): boolean {
    return this.upgrade !== undefined;
  }

  /**
   * Takes the connection over for a raw stream, as dockerd's hijack does: an
   * upgraded request gets `101 UPGRADED` and the socket; a plain one gets
   * `200`, then the response stream (its input, if any, is the request body).
   * Docker 20.10 names every such stream application/vnd.docker.raw-stream,
   * multiplexed or not (the multiplexed-stream type came with API 1.42).
   */
  hijack(): HijackedStream {
    const contentType = 'application/vnd.docker.raw-stream';
    this.hijacked = true;
    if (this.upgrade) {
      const { socket, head } = this.upgrade;
      socket.write(`HTTP/1.1 101 UPGRADED\r\nContent-Type: ${contentType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
      if (head.length) socket.unshift(head);
      return { input: socket, output: socket, halfClosable: true, close: () => socket.end() };
    }
    const res = this.reply();
    res.writeHead(200, { 'Content-Type': contentType });
    res.flushHeaders();
    return { input: this.req, output: res, halfClosable: false, close: () => res.end() };
  }

  /** The upgraded connection as it came (a websocket handshake), for a handler that speaks its own protocol on it. */
  takeUpgrade(): { socket: Duplex; head: Buffer } {
    if (!this.upgrade) throw new Error('this request was not upgraded');
    this.hijacked = true;
    return this.upgrade;
  }
}
