// grpc-js's client surface, as ce's generated clients and the CLI use it
// (makeGenericClientConstructor, callback unary calls, readable, writable and
// duplex object streams with cancel(), ServiceError), on node:http2 alone.
import { EventEmitter } from 'node:events';
import { Duplex, type Readable } from 'node:stream';
import { Call, type CallListener, type StatusObject } from './call.js';
import { Metadata } from './metadata.js';
import { releaseSocket, retainSocket } from './session-pool.js';
import { Status } from './status.js';

export interface MethodDefinition {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  requestSerialize(value: unknown): Buffer;
  responseDeserialize(bytes: Buffer): unknown;
  originalName?: string;
}
export type ServiceDefinition = Record<string, MethodDefinition>;

export interface CallOptions {
  deadline?: Date | number;
}

export type ServiceError = Error & StatusObject;
type Callback = (err: ServiceError | null, value?: unknown) => void;

export const credentials = {
  /** A unix socket needs no credentials; kept so that dialling code reads as with grpc-js. */
  createInsecure: () => ({ insecure: true }),
};

function callError(status: StatusObject): ServiceError {
  return Object.assign(new Error(`${status.code} ${Status[status.code]}: ${status.details}`), status);
}

/** The socket path of a `unix:PATH` or `unix://PATH` target. */
function socketOf(address: string): string {
  const m = /^unix:(?:\/\/)?(.+)$/.exec(address);
  if (!m) throw new Error(`grpc-lite dials unix sockets only, not ${address}`);
  return m[1]!;
}

/** (metadata?, options?, callback?) in grpc-js's order, any of them left out. */
function splitArgs(args: unknown[]): { metadata: Metadata; options: CallOptions; callback?: Callback } {
  let metadata = new Metadata();
  let options: CallOptions = {};
  let callback: Callback | undefined;
  for (const a of args) {
    if (a instanceof Metadata) metadata = a;
    else if (typeof a === 'function') callback = a as Callback;
    else if (a && typeof a === 'object') options = a as CallOptions;
  }
  return { metadata, options, callback };
}

const cancelOnClient = (call?: Call) => call?.cancelWithStatus(Status.CANCELLED, 'Cancelled on client');

class UnaryCall extends EventEmitter {
  call?: Call;
  cancel(): void {
    cancelOnClient(this.call);
  }
  getPeer(): string {
    return 'unknown';
  }
}

/** Every streaming call's surface (grpc-js has a Readable, a Writable and a Duplex; a Duplex is all three). */
class StreamCall extends Duplex {
  call?: Call;
  constructor(private readonly serialize: (v: unknown) => Buffer) {
    super({ objectMode: true });
  }
  override _read(): void {
    this.call?.resume();
  }
  override _write(message: unknown, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.call!.sendMessage(this.serialize(message), done);
  }
  override _final(done: () => void): void {
    this.call!.halfClose();
    done();
  }
  cancel(): void {
    cancelOnClient(this.call);
  }
  getPeer(): string {
    return 'unknown';
  }
}

export interface ClientOptions {
  'grpc.max_receive_message_length'?: number;
  [option: string]: unknown;
}

const DEFAULT_MAX_RECEIVE = 4 * 1024 * 1024;

export class Client {
  private readonly socket: string;
  private readonly maxReceiveLength: number;
  private closed = false;

  constructor(address: string, _credentials: unknown, options: ClientOptions = {}) {
    this.socket = socketOf(address);
    this.maxReceiveLength = options['grpc.max_receive_message_length'] ?? DEFAULT_MAX_RECEIVE;
    retainSocket(this.socket);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    releaseSocket(this.socket);
  }

  /** Starts a call of `method`; `listener` gets its metadata, messages and status. */
  protected startCall(method: MethodDefinition, metadata: Metadata, options: CallOptions, listener: CallListener): Call {
    return new Call({ socket: this.socket, path: method.path, metadata, deadline: options.deadline, maxReceiveLength: this.maxReceiveLength }, listener);
  }

  makeUnaryRequest(method: MethodDefinition, argument: unknown, ...rest: unknown[]): UnaryCall {
    const { metadata, options, callback } = splitArgs(rest);
    const surface = new UnaryCall();
    surface.call = this.startCall(method, metadata, options, oneAnswer(surface, method, callback));
    surface.call.sendMessage(method.requestSerialize(argument), () => undefined);
    surface.call.halfClose();
    return surface;
  }

  makeServerStreamRequest(method: MethodDefinition, argument: unknown, ...rest: unknown[]): StreamCall {
    const { metadata, options } = splitArgs(rest);
    const surface = new StreamCall(method.requestSerialize);
    surface.call = this.startCall(method, metadata, options, readingListener(surface, method));
    surface.call.sendMessage(method.requestSerialize(argument), () => undefined);
    surface.call.halfClose();
    return surface;
  }

  makeClientStreamRequest(method: MethodDefinition, ...rest: unknown[]): StreamCall {
    const { metadata, options, callback } = splitArgs(rest);
    const surface = new StreamCall(method.requestSerialize);
    surface.call = this.startCall(method, metadata, options, oneAnswer(surface, method, callback));
    return surface;
  }

  makeBidiStreamRequest(method: MethodDefinition, ...rest: unknown[]): StreamCall {
    const { metadata, options } = splitArgs(rest);
    const surface = new StreamCall(method.requestSerialize);
    surface.call = this.startCall(method, metadata, options, readingListener(surface, method));
    return surface;
  }
}

/** A call answered with one message (unary, client stream): the callback gets it, or the failed status as a ServiceError. */
function oneAnswer(surface: EventEmitter, method: MethodDefinition, callback: Callback | undefined): CallListener {
  let response: unknown;
  let count = 0;
  return {
    onMetadata: (md) => surface.emit('metadata', md),
    onMessage: (bytes) => {
      count++;
      response = method.responseDeserialize(bytes);
    },
    onStatus: (status) => {
      if (status.code === Status.OK && count !== 1) {
        status = { code: count ? Status.UNIMPLEMENTED : Status.INTERNAL, details: count ? 'Too many responses received' : 'No message received', metadata: status.metadata };
      }
      if (status.code === Status.OK) callback?.(null, response);
      else callback?.(callError(status));
      surface.emit('status', status);
    },
  };
}

/** As grpc-js: messages are pushed (pausing the stream when the reader is full), then end, then error for a failed status. */
function readingListener(surface: Readable & { call?: Call }, method: MethodDefinition): CallListener {
  return {
    onMetadata: (md) => surface.emit('metadata', md),
    onMessage: (bytes) => {
      let message: unknown;
      try {
        message = method.responseDeserialize(bytes);
      } catch (err) {
        surface.call?.cancelWithStatus(Status.INTERNAL, `Response message parsing error: ${(err as Error).message}`);
        return;
      }
      if (!surface.push(message)) surface.call?.pause();
    },
    onStatus: (status) => {
      surface.push(null);
      if (status.code !== Status.OK) surface.emit('error', callError(status));
      surface.emit('status', status);
    },
  };
}

/** A client class with one method per RPC of `service`, named as its key (and its original name), as grpc-js makes them. */
export function makeGenericClientConstructor(service: ServiceDefinition, _serviceName: string): typeof Client {
  class ServiceClient extends Client {}
  for (const [name, method] of Object.entries(service)) {
    const invoke =
      method.requestStream && method.responseStream
        ? function (this: Client, ...args: unknown[]) {
            return this.makeBidiStreamRequest(method, ...args);
          }
        : method.requestStream
          ? function (this: Client, ...args: unknown[]) {
              return this.makeClientStreamRequest(method, ...args);
            }
          : method.responseStream
            ? function (this: Client, argument: unknown, ...args: unknown[]) {
                return this.makeServerStreamRequest(method, argument, ...args);
              }
            : function (this: Client, argument: unknown, ...args: unknown[]) {
                return this.makeUnaryRequest(method, argument, ...args);
              };
    for (const key of new Set([name, method.originalName].filter((k): k is string => !!k))) {
      (ServiceClient.prototype as unknown as Record<string, unknown>)[key] = invoke;
    }
  }
  (ServiceClient as unknown as { service: ServiceDefinition }).service = service;
  return ServiceClient;
}
