// Clients of the CRI streaming server, as client-go's remotecommand and
// portforward clients speak to it: SPDY/3.1 (streams typed by headers) and
// WebSocket channels. For the tests: they gather what each stream carries.
import { connect, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import { encodeFrame, FLAG_FIN, FrameReader, decodeHeaderBlock, encodeHeaderBlock, type SpdyFrame, type SpdyHeaders } from '../../src/streaming/spdy-frames.js';
import { HeaderCompressor, HeaderDecompressor } from '../../src/streaming/spdy-header-zlib.js';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface ClientStream {
  id: number;
  /** Everything received so far. */
  received(): Buffer;
  /** Resolves at the server's FIN (or reset: then `wasReset`). */
  readonly ended: Promise<void>;
  wasReset: boolean;
  replied: Promise<void>;
  write(data: Buffer | string): void;
  end(): void;
}

/** A SPDY/3.1 client connection after a successful upgrade. */
export class SpdyClient {
  private readonly reader = new FrameReader();
  private readonly compressor = new HeaderCompressor();
  private readonly decompressor = new HeaderDecompressor();
  private readonly streams = new Map<number, { chunks: Buffer[]; end: () => void; reply: () => void; state: ClientStream }>();
  private nextId = 1;
  private queue: Promise<void> = Promise.resolve();
  readonly frames: SpdyFrame[] = [];
  /** Resolves when the server sends GOAWAY or the socket closes. */
  readonly goneAway: Promise<void>;
  private resolveGoneAway!: () => void;

  private constructor(
    private readonly socket: Socket,
    readonly protocol: string,
  ) {
    this.goneAway = new Promise((resolve) => (this.resolveGoneAway = resolve));
    socket.on('close', () => {
      this.resolveGoneAway();
      for (const s of this.streams.values()) s.end();
    });
  }

  /** Upgrades `url` to SPDY/3.1 offering `protocols`; the HTTP answer when the server refuses. */
  static async open(url: string, protocols: string[]): Promise<SpdyClient | HttpAnswer> {
    const { hostname, port, pathname } = new URL(url);
    const socket = connect({ host: hostname, port: Number(port) });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.write(
      `POST ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n` +
        protocols.map((p) => `X-Stream-Protocol-Version: ${p}\r\n`).join('') +
        'Content-Length: 0\r\n\r\n',
    );
    const { head, rest } = await readHead(socket);
    const answer = parseHead(head);
    if (answer.status !== 101) {
      const body = Buffer.concat([rest, ...(await drain(socket))]).toString();
      return { ...answer, body };
    }
    const client = new SpdyClient(socket, answer.headers['x-stream-protocol-version'] ?? '');
    socket.on('data', (chunk: Buffer) => client.receive(chunk));
    if (rest.length) client.receive(rest);
    return client;
  }

  /** Opens a stream with these headers (SYN_STREAM). */
  async stream(headers: Record<string, string>): Promise<ClientStream> {
    const id = this.nextId;
    this.nextId += 2;
    let end!: () => void;
    let reply!: () => void;
    const chunks: Buffer[] = [];
    const state: ClientStream = {
      id,
      received: () => Buffer.concat(chunks),
      ended: new Promise<void>((resolve) => (end = resolve)),
      wasReset: false,
      replied: new Promise<void>((resolve) => (reply = resolve)),
      write: (data) => this.send(encodeFrame({ type: 'data', streamId: id, flags: 0, data: Buffer.from(data) })),
      end: () => this.send(encodeFrame({ type: 'data', streamId: id, flags: FLAG_FIN, data: Buffer.alloc(0) })),
    };
    this.streams.set(id, { chunks, end, reply, state });
    const block: SpdyHeaders = new Map(Object.entries(headers).map(([k, v]) => [k, [v]]));
    const compressed = this.compressor.compress(encodeHeaderBlock(block));
    this.queue = this.queue.then(async () => {
      this.socket.write(encodeFrame({ type: 'syn_stream', streamId: id, associatedTo: 0, priority: 0, flags: 0, headerBlock: await compressed }));
    });
    await this.queue;
    return state;
  }

  ping(id: number): void {
    this.send(encodeFrame({ type: 'ping', id }));
  }

  close(): void {
    this.socket.destroy();
    this.compressor.close();
    this.decompressor.close();
  }

  private send(bytes: Buffer): void {
    this.queue = this.queue.then(() => void this.socket.write(bytes));
  }

  private receive(chunk: Buffer): void {
    for (const frame of this.reader.push(chunk)) {
      this.frames.push(frame);
      const stream = 'streamId' in frame ? this.streams.get(frame.streamId) : undefined;
      if (frame.type === 'syn_reply') {
        // Read to keep the zlib stream in step; a reply carries no headers the tests need.
        void this.decompressor.decompress(frame.headerBlock).then(decodeHeaderBlock).catch(() => undefined);
        stream?.reply();
      } else if (frame.type === 'data' && stream) {
        stream.chunks.push(frame.data);
        if (frame.flags & FLAG_FIN) stream.end();
      } else if (frame.type === 'rst_stream' && stream) {
        stream.state.wasReset = true;
        stream.end();
      } else if (frame.type === 'goaway') this.resolveGoneAway();
    }
  }
}

/** A WebSocket session on `url` with `protocols`: what each channel carried, and the HTTP answer when refused. */
export class ChannelClient {
  readonly channels = new Map<number, Buffer[]>();
  readonly closed: Promise<void>;
  readonly opened: Promise<void>;
  refusal: Promise<HttpAnswer | undefined>;
  readonly ws: WebSocket;

  constructor(
    url: string,
    protocols: string[],
    private readonly base64 = protocols[0]?.includes('base64') ?? false,
  ) {
    this.ws = new WebSocket(url.replace(/^http/, 'ws'), protocols);
    this.opened = new Promise((resolve) => this.ws.once('open', () => resolve()));
    this.refusal = new Promise((resolve) => {
      this.ws.once('open', () => resolve(undefined));
      this.ws.once('unexpected-response', (_req, res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers as Record<string, string>, body: Buffer.concat(chunks).toString() }));
      });
    });
    this.ws.on('error', () => undefined);
    this.closed = new Promise((resolve) => this.ws.once('close', () => resolve()));
    this.ws.on('message', (data: Buffer, isBinary: boolean) => {
      const channel = this.base64 && !isBinary ? data[0]! - 0x30 : data[0]!;
      const payload = this.base64 && !isBinary ? Buffer.from(data.subarray(1).toString(), 'base64') : data.subarray(1);
      this.channels.set(channel, [...(this.channels.get(channel) ?? []), payload]);
    });
  }

  text(channel: number): string {
    return Buffer.concat(this.channels.get(channel) ?? []).toString();
  }

  send(channel: number, data: Buffer | string): void {
    if (this.base64) this.ws.send(`${channel}${Buffer.from(data).toString('base64')}`);
    else this.ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(data)]));
  }
}

async function readHead(socket: Socket): Promise<{ head: string; rest: Buffer }> {
  let buffered = Buffer.alloc(0);
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.pause();
      resolve({ head: buffered.subarray(0, end).toString(), rest: buffered.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.once('error', reject);
  }).finally(() => socket.resume()) as Promise<{ head: string; rest: Buffer }>;
}

function parseHead(head: string): Omit<HttpAnswer, 'body'> {
  const [statusLine, ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { status: Number(statusLine!.split(' ')[1]), headers };
}

async function drain(socket: Socket): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  await new Promise((resolve) => socket.once('close', resolve));
  return chunks;
}
