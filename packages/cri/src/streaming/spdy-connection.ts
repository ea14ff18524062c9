// The server end of an upgraded SPDY/3.1 connection, as a Kubernetes
// streaming client (client-go's spdystream) drives it: the client opens the
// streams (SYN_STREAM, typed by headers), the server answers each with
// SYN_REPLY or refuses it with RST_STREAM, data flows both ways with FIN for
// half-close, PINGs are echoed, and GOAWAY ends the connection.
//
// Flow control: what the client sends is acknowledged with WINDOW_UPDATEs as
// it arrives (stream and connection windows), so a client that honours
// windows never stalls; what the server sends is not held back by the
// client's window, as spdystream (the kubelet's and containerd's server) does.
import type { Duplex } from 'node:stream';
import { OutputQueue } from '@ce/protocol';
import { decodeHeaderBlock, encodeFrame, encodeHeaderBlock, FLAG_FIN, FrameReader, RST_CANCEL, SpdyProtocolError, type SpdyFrame, type SpdyHeaders } from './spdy-frames.js';
import { HeaderCompressor, HeaderDecompressor } from './spdy-header-zlib.js';

/** DATA frames the server sends are cut to this size. */
const DATA_CHUNK = 32 * 1024;
const INVALID_STREAM = 2;
/** How long a closed connection waits for the client to hang up before the socket is destroyed. */
const LINGER_MS = 2000;

export interface SpdyStream {
  readonly id: number;
  readonly headers: SpdyHeaders;
  /** The first value of a header, '' when absent. */
  header(name: string): string;
  /** What the client sends, until its FIN (or a reset, or the connection's end). */
  readonly data: AsyncIterable<Buffer>;
  /** Accepts the stream (SYN_REPLY). */
  reply(): Promise<void>;
  write(data: Buffer): Promise<void>;
  /** Half-closes the server's side (an empty DATA frame with FIN). */
  end(): Promise<void>;
  /** Refuses or aborts the stream (RST_STREAM). */
  reset(status?: number): Promise<void>;
}

export class SpdyServerConnection {
  private readonly reader = new FrameReader();
  private readonly compressor = new HeaderCompressor();
  private readonly decompressor = new HeaderDecompressor();
  private readonly streams = new Map<number, StreamState>();
  private inbound: Promise<void> = Promise.resolve();
  private outbound: Promise<void> = Promise.resolve();
  private lastStreamId = 0;
  private goneAway = false;
  private ended = false;
  private resolveClosed!: () => void;
  /** Resolves when the socket has closed (either side). */
  readonly closed = new Promise<void>((resolve) => (this.resolveClosed = resolve));

  constructor(
    private readonly socket: Duplex,
    private readonly onStream: (stream: SpdyStream) => void,
  ) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => this.teardown());
    socket.on('close', () => this.teardown());
    socket.on('end', () => this.teardown());
  }

  /** Bytes read with the upgrade request, before the socket was handed over. */
  feed(head: Buffer): void {
    if (head.length) this.receive(head);
  }

  /** GOAWAY, then the socket's end. */
  async close(): Promise<void> {
    if (!this.goneAway && !this.ended) {
      this.goneAway = true;
      await this.send(encodeFrame({ type: 'goaway', lastGoodStreamId: this.lastStreamId, status: 0 }));
    }
    await this.outbound;
    if (!this.ended) {
      this.socket.end();
      setTimeout(() => this.socket.destroy(), LINGER_MS).unref();
    }
    await this.closed;
  }

  private receive(chunk: Buffer): void {
    let frames: SpdyFrame[];
    try {
      frames = this.reader.push(chunk);
    } catch {
      return void this.socket.destroy();
    }
    for (const frame of frames) this.inbound = this.inbound.then(() => this.handle(frame)).catch(() => void this.socket.destroy());
  }

  private async handle(frame: SpdyFrame): Promise<void> {
    switch (frame.type) {
      case 'syn_stream': {
        const headers = decodeHeaderBlock(await this.decompressor.decompress(frame.headerBlock));
        if (this.streams.has(frame.streamId) || frame.streamId % 2 === 0 || frame.streamId <= this.lastStreamId) {
          throw new SpdyProtocolError(`SPDY stream ${frame.streamId} is not a new client stream`);
        }
        this.lastStreamId = frame.streamId;
        const state = new StreamState(frame.streamId, headers, this);
        this.streams.set(frame.streamId, state);
        if (frame.flags & FLAG_FIN) state.remoteEnd();
        if (!this.goneAway) this.onStream(state);
        return;
      }
      case 'data': {
        const state = this.streams.get(frame.streamId);
        if (!state) return this.send(encodeFrame({ type: 'rst_stream', streamId: frame.streamId, status: INVALID_STREAM }));
        if (frame.data.length) {
          state.remoteData(frame.data);
          await this.send(
            Buffer.concat([
              encodeFrame({ type: 'window_update', streamId: frame.streamId, delta: frame.data.length }),
              encodeFrame({ type: 'window_update', streamId: 0, delta: frame.data.length }),
            ]),
          );
        }
        if (frame.flags & FLAG_FIN) state.remoteEnd();
        return;
      }
      case 'rst_stream':
        this.streams.get(frame.streamId)?.remoteReset();
        return;
      case 'ping':
        return this.send(encodeFrame({ type: 'ping', id: frame.id }));
      case 'goaway':
        this.goneAway = true;
        for (const state of this.streams.values()) state.remoteEnd();
        return;
      case 'headers':
        // Extra headers on a stream: read to keep the zlib stream in step, not used.
        await this.decompressor.decompress(frame.headerBlock);
        return;
      default:
        // SETTINGS, WINDOW_UPDATE (see the file's comment), SYN_REPLY to nothing, other versions.
        return;
    }
  }

  /** Writes in call order; waits for the socket to drain. */
  send(bytes: Buffer | (() => Promise<Buffer>)): Promise<void> {
    const next = this.outbound.then(async () => {
      if (this.ended) return;
      const data = typeof bytes === 'function' ? await bytes() : bytes;
      if (this.ended) return;
      if (!this.socket.write(data)) await new Promise<void>((resolve) => {
        const done = () => {
          this.socket.off('drain', done);
          this.socket.off('close', done);
          resolve();
        };
        this.socket.on('drain', done);
        this.socket.on('close', done);
      });
    });
    this.outbound = next.catch(() => undefined);
    return next;
  }

  compressHeaders(headers: SpdyHeaders): Promise<Buffer> {
    return this.compressor.compress(encodeHeaderBlock(headers));
  }

  forget(id: number): void {
    this.streams.delete(id);
  }

  private teardown(): void {
    if (this.ended) return;
    this.ended = true;
    for (const state of this.streams.values()) state.remoteEnd();
    this.streams.clear();
    this.compressor.close();
    this.decompressor.close();
    this.socket.destroy();
    this.resolveClosed();
  }
}

class StreamState implements SpdyStream {
  private readonly incoming = new OutputQueue<Buffer>();
  private localEnded = false;
  private wasReset = false;
  readonly data: AsyncIterable<Buffer> = this.incoming;

  constructor(
    readonly id: number,
    readonly headers: SpdyHeaders,
    private readonly connection: SpdyServerConnection,
  ) {}

  header(name: string): string {
    return this.headers.get(name.toLowerCase())?.[0] ?? '';
  }

  reply(): Promise<void> {
    return this.connection.send(async () => encodeFrame({ type: 'syn_reply', streamId: this.id, flags: 0, headerBlock: await this.connection.compressHeaders(new Map()) }));
  }

  async write(data: Buffer): Promise<void> {
    if (this.localEnded || this.wasReset) return;
    for (let offset = 0; offset < data.length; offset += DATA_CHUNK) {
      await this.connection.send(encodeFrame({ type: 'data', streamId: this.id, flags: 0, data: data.subarray(offset, offset + DATA_CHUNK) }));
    }
  }

  async end(): Promise<void> {
    if (this.localEnded || this.wasReset) return;
    this.localEnded = true;
    await this.connection.send(encodeFrame({ type: 'data', streamId: this.id, flags: FLAG_FIN, data: Buffer.alloc(0) }));
    if (this.incoming.isEnded) this.connection.forget(this.id);
  }

  async reset(status = RST_CANCEL): Promise<void> {
    if (this.wasReset) return;
    this.wasReset = true;
    this.incoming.end();
    this.connection.forget(this.id);
    await this.connection.send(encodeFrame({ type: 'rst_stream', streamId: this.id, status }));
  }

  remoteData(data: Buffer): void {
    this.incoming.push(data);
  }

  remoteEnd(): void {
    this.incoming.end();
    if (this.localEnded) this.connection.forget(this.id);
  }

  remoteReset(): void {
    this.wasReset = true;
    this.incoming.end();
    this.connection.forget(this.id);
  }
}
