// One gRPC call on an HTTP/2 stream: request headers, framed messages both
// ways, the status from the trailers (or from how the stream ended). The
// client surface (client.ts) turns it into grpc-js's call objects.
import { constants, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import { frame, FrameDecoder } from './framing.js';
import { Metadata } from './metadata.js';
import { callClosed, callOpened, connectionTo, type Connection } from './session-pool.js';
import { Status } from './status.js';

export interface StatusObject {
  code: Status;
  details: string;
  metadata: Metadata;
}

export interface CallListener {
  onMetadata(metadata: Metadata): void;
  onMessage(message: Buffer): void;
  onStatus(status: StatusObject): void;
}

export interface CallStart {
  socket: string;
  path: string;
  metadata: Metadata;
  deadline?: Date | number;
  maxReceiveLength: number;
}

const {
  NGHTTP2_NO_ERROR,
  NGHTTP2_REFUSED_STREAM,
  NGHTTP2_CANCEL,
  NGHTTP2_ENHANCE_YOUR_CALM,
  NGHTTP2_INADEQUATE_SECURITY,
  HTTP2_HEADER_STATUS,
} = constants;

/** grpc-js's mapping of an HTTP status that is not 200 (a peer that is not a gRPC server). */
function httpStatusToGrpc(code: number): Status {
  switch (code) {
    case 400:
      return Status.INTERNAL;
    case 401:
      return Status.UNAUTHENTICATED;
    case 403:
      return Status.PERMISSION_DENIED;
    case 404:
      return Status.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return Status.UNAVAILABLE;
    default:
      return Status.UNKNOWN;
  }
}

/** grpc-timeout: at most 8 digits and a unit. */
function timeoutHeader(deadline: Date | number): string {
  const ms = Math.max(0, (deadline instanceof Date ? deadline.getTime() : deadline) - Date.now());
  return ms < 1e8 ? `${Math.ceil(ms)}m` : `${Math.ceil(ms / 1000)}S`;
}

export class Call {
  private stream?: ClientHttp2Stream;
  private connection?: Connection;
  private status?: StatusObject;
  private readonly decoder: FrameDecoder;
  private deadlineTimer?: NodeJS.Timeout;

  constructor(
    private readonly start: CallStart,
    private readonly listener: CallListener,
  ) {
    this.decoder = new FrameDecoder(start.maxReceiveLength);
    let connection: Connection;
    try {
      connection = connectionTo(start.socket);
    } catch (err) {
      this.finish({ code: Status.UNAVAILABLE, details: `No connection established. Last error: ${String(err)}`, metadata: new Metadata() });
      return;
    }
    this.connection = connection;
    callOpened(connection);
    const headers = {
      ...start.metadata.toHttp2Headers(),
      ':method': 'POST',
      ':path': start.path,
      'content-type': 'application/grpc',
      te: 'trailers',
      'grpc-accept-encoding': 'identity',
      'user-agent': 'ce-grpc-lite',
      ...(start.deadline !== undefined ? { 'grpc-timeout': timeoutHeader(start.deadline) } : {}),
    };
    let stream: ClientHttp2Stream;
    try {
      stream = connection.session.request(headers);
    } catch (err) {
      this.finish(this.connectionLost(err as Error));
      return;
    }
    this.stream = stream;
    if (start.deadline !== undefined) {
      const ms = (start.deadline instanceof Date ? start.deadline.getTime() : start.deadline) - Date.now();
      this.deadlineTimer = setTimeout(() => this.cancelWithStatus(Status.DEADLINE_EXCEEDED, 'Deadline exceeded'), Math.max(0, ms));
    }
    stream.on('response', (h) => this.onResponseHeaders(h));
    stream.on('trailers', (h) => this.onTrailers(h));
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    // Trailers can come while read data still waits in a paused stream: their status is given after the data.
    stream.on('end', () => this.finishWithTrailers());
    // The status is decided at 'close'; a connection that failed names its error here first.
    // (a stream requested before the socket connected fails with ERR_HTTP2_STREAM_CANCEL, the socket's error as its cause)
    stream.on('error', (err: Error) => (this.streamError ??= err.cause instanceof Error ? err.cause : err));
    stream.on('close', () => this.onClose());
  }

  sendMessage(message: Uint8Array, done: (err?: Error | null) => void): void {
    if (!this.stream || this.status || this.stream.destroyed) return done();
    this.stream.write(frame(message), done);
  }

  halfClose(): void {
    if (this.stream && !this.status && !this.stream.destroyed) this.stream.end();
  }

  pause(): void {
    this.stream?.pause();
  }

  resume(): void {
    if (!this.status) this.stream?.resume();
  }

  cancelWithStatus(code: Status, details: string): void {
    if (this.status) return;
    this.finish({ code, details, metadata: new Metadata() });
    if (this.stream && !this.stream.destroyed) this.stream.close(NGHTTP2_CANCEL);
  }

  private trailerStatus?: StatusObject;
  private streamError?: Error;
  private receivedHeaders = false;
  private httpStatus = 200;

  private onResponseHeaders(headers: IncomingHttpHeaders): void {
    this.receivedHeaders = true;
    this.httpStatus = Number(headers[HTTP2_HEADER_STATUS]);
    if (headers['grpc-status'] !== undefined) {
      // trailers-only: the status rides on the headers.
      this.onTrailers(headers);
      return;
    }
    if (this.httpStatus !== 200) return;
    this.listener.onMetadata(Metadata.fromHttp2Headers(headers));
  }

  private onTrailers(headers: IncomingHttpHeaders): void {
    if (this.status || this.trailerStatus) return;
    const raw = headers['grpc-status'];
    let code = Number(Array.isArray(raw) ? raw[0] : raw);
    let details = headers['grpc-message'] !== undefined ? decodeURIComponent(String(headers['grpc-message'])) : '';
    if (raw === undefined || !Number.isInteger(code)) {
      code = this.httpStatus === 200 ? Status.UNKNOWN : httpStatusToGrpc(this.httpStatus);
      details = details || (this.httpStatus === 200 ? 'No status received' : `Received HTTP status code ${this.httpStatus}`);
    }
    this.trailerStatus = { code, details, metadata: Metadata.fromHttp2Headers(headers) };
  }

  private onData(chunk: Buffer): void {
    if (this.status) return;
    let messages: Buffer[];
    try {
      messages = this.decoder.push(chunk);
    } catch (err) {
      this.cancelWithStatus(err instanceof Error && /larger than max/.test(err.message) ? Status.RESOURCE_EXHAUSTED : Status.INTERNAL, (err as Error).message);
      return;
    }
    for (const m of messages) this.listener.onMessage(m);
  }

  private onClose(): void {
    if (this.status) return;
    if (this.trailerStatus) return this.finishWithTrailers();
    const rst = this.stream?.rstCode;
    if (rst === NGHTTP2_REFUSED_STREAM) this.finish({ code: Status.UNAVAILABLE, details: 'Stream refused by server', metadata: new Metadata() });
    else if (this.connection?.failure || !this.connection?.connected || (rst === NGHTTP2_CANCEL && !this.receivedHeaders)) {
      this.finish(this.connectionLost(this.connection?.failure ?? this.streamError));
    } else if (rst === NGHTTP2_CANCEL) this.finish({ code: Status.CANCELLED, details: 'Call cancelled', metadata: new Metadata() });
    else if (rst === NGHTTP2_ENHANCE_YOUR_CALM) this.finish({ code: Status.RESOURCE_EXHAUSTED, details: 'Bandwidth exhausted or memory limit exceeded', metadata: new Metadata() });
    else if (rst === NGHTTP2_INADEQUATE_SECURITY) this.finish({ code: Status.PERMISSION_DENIED, details: 'Protocol not secure enough', metadata: new Metadata() });
    else {
      const why = rst === NGHTTP2_NO_ERROR || rst === undefined ? ' (Call ended without gRPC status)' : '';
      this.finish({ code: Status.INTERNAL, details: `Received RST_STREAM with code ${rst ?? 0}${why}`, metadata: new Metadata() });
    }
  }

  private finishWithTrailers(): void {
    const status = this.trailerStatus;
    if (!status) return;
    if (status.code === Status.OK && this.decoder.pending) this.finish({ code: Status.INTERNAL, details: 'the stream ended inside a message', metadata: status.metadata });
    else this.finish(status);
  }

  private connectionLost(cause?: Error): StatusObject {
    const details = this.connection?.connected ? 'Connection dropped' : `No connection established. Last error: ${String(cause ?? 'the connection closed')}`;
    return { code: Status.UNAVAILABLE, details, metadata: new Metadata() };
  }

  private finish(status: StatusObject): void {
    if (this.status) return;
    this.status = status;
    clearTimeout(this.deadlineTimer);
    if (this.connection) callClosed(this.connection);
    // Never from inside the constructor or a caller's cancel(): listeners see it on the next tick, after the messages.
    process.nextTick(() => this.listener.onStatus(status));
  }
}
