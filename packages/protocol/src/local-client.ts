// A generated client whose unary and server-stream calls go straight to a
// service implemented in the same process (the PromiseService that
// adaptService serves), skipping the socket, HTTP/2 and grpc-js's call
// machinery both ways. What the caller sees is what the wire would give:
// requests and responses go through the method's protobuf encoding (defaults
// filled, unknown fields dropped), failures arrive as grpc-js ServiceErrors
// made by the same toStatusObject the server uses, a cancelled call aborts the
// implementation's signal and fails with CANCELLED. Other methods (client and
// bidi streams) stay on the remote client. For the methods given message
// types (`copies`), the messages are copied by the type's fromPartial instead
// of encoded and decoded: the same defaults and fields, a new object, for a
// fraction of the cost (decision 0058's addendum).
import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import { Metadata, status, type Client, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import { toStatusObject } from './grpc-status.js';
import type { CallContext, PromiseService } from './service-adapter.js';

interface MethodDef {
  requestStream: boolean;
  responseStream: boolean;
  requestSerialize: (v: never) => Buffer;
  requestDeserialize: (b: Buffer) => unknown;
  responseSerialize: (v: never) => Buffer;
  responseDeserialize: (b: Buffer) => unknown;
}

type Callback = (err: ServiceError | null, value?: unknown) => void;
type Implementation = (request: unknown, ctx: CallContext) => unknown;

/** A generated message type's copy (ts-proto's fromPartial): defaults filled, unknown fields dropped, a new object. */
interface MessageCopy<T> {
  fromPartial(object: T): T;
}

type RequestOf<M> = M extends { requestSerialize: (value: infer R) => Buffer } ? R : never;
type ResponseOf<M> = M extends { responseSerialize: (value: infer R) => Buffer } ? R : never;

/** The message types of some of a service's methods, whose messages are copied in process rather than encoded and decoded. */
export type MessageCopies<D> = { [K in keyof D]?: { request: MessageCopy<RequestOf<D[K]>>; response: MessageCopy<ResponseOf<D[K]>> } };

/** How a request and a response cross from the caller to the implementation and back. */
interface Crossing {
  request(argument: unknown): unknown;
  response(value: unknown): unknown;
}

function wireCrossing(def: MethodDef): Crossing {
  return { request: (argument) => sentRequest(def, argument), response: (value) => overTheWire(def.responseSerialize, def.responseDeserialize, value) };
}

function copyCrossing(copy: { request: MessageCopy<unknown>; response: MessageCopy<unknown> }): Crossing {
  return { request: (argument) => copy.request.fromPartial(argument), response: (value) => copy.response.fromPartial(value) };
}

/** As grpc-js words a failed call: "5 NOT_FOUND: No such container: x". */
function callError(s: Partial<StatusObject>): ServiceError {
  const code = s.code ?? status.UNKNOWN;
  const details = s.details ?? '';
  return Object.assign(new Error(`${code} ${status[code]}: ${details}`), { code, details, metadata: s.metadata ?? new Metadata() });
}

/**
 * Made without a stack trace: nobody reads a cancelled call's, and Node formats the stack of an error a stream
 * is destroyed with, which cost more than the rest of a `logs -f` whose client went away.
 */
function withoutStack<T>(make: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

const cancelledError = () => withoutStack(() => callError({ code: status.CANCELLED, details: 'Cancelled on client' }));
/** Aborts the implementation's signal (its reason, an AbortError, also without a stack). */
const abort = (controller: AbortController | undefined) => withoutStack(() => controller?.abort());

/** What a message is after a trip over the wire. */
const overTheWire = (serialize: (v: never) => Buffer, deserialize: (b: Buffer) => unknown, value: unknown) => deserialize(serialize(value as never));

/** The request as the server would decode it; one that cannot be encoded fails as grpc-js fails it. */
function sentRequest(def: MethodDef, argument: unknown): unknown {
  try {
    return overTheWire(def.requestSerialize, def.requestDeserialize, argument);
  } catch (err) {
    const failure = callError({ code: status.INTERNAL, details: `Request message serialization failure: ${(err as Error).message}` });
    unsent.add(failure);
    throw failure;
  }
}

const unsent = new WeakSet<Error>();

/** A request that could not be encoded fails as it is; anything the implementation threw is mapped as adaptService maps it. */
const failureOf = (err: unknown): ServiceError => (err instanceof Error && unsent.has(err) ? (err as ServiceError) : callError(toStatusObject(err)));

function unaryMethod(crossing: Crossing, implementation: Implementation) {
  return (argument: unknown, ...rest: unknown[]) => {
    const callback = rest.find((a): a is Callback => typeof a === 'function');
    const surface = new EventEmitter() as EventEmitter & { cancel(): void; getPeer(): string };
    // Made when the implementation looks at its signal (most never do: an AbortSignal is not free).
    let controller: AbortController | undefined;
    let cancelled = false;
    let settled = false;
    const settle = (err: ServiceError | null, value?: unknown) => {
      if (settled) return;
      settled = true;
      callback?.(err, value);
    };
    surface.cancel = () => {
      cancelled = true;
      abort(controller);
      settle(cancelledError());
    };
    surface.getPeer = () => 'local';
    const ctx: CallContext = {
      get signal() {
        if (!controller) {
          controller = new AbortController();
          if (cancelled) abort(controller);
        }
        return controller.signal;
      },
      accepted: () => undefined,
    };
    Promise.resolve()
      .then(() => {
        const request = crossing.request(argument);
        // Cancelled before it was sent: the server never sees it.
        if (settled) return undefined;
        return implementation(request, ctx);
      })
      .then(
        (res) => !settled && settle(null, crossing.response(res)),
        (err: unknown) => settle(failureOf(err)),
      );
    return surface;
  };
}

/** A server stream as grpc-js's ClientReadableStream: object mode, read on demand, cancel(), 'metadata' before the first message. */
class LocalReadableCall extends Readable {
  private readonly controller = new AbortController();
  private source: AsyncIterator<unknown> | undefined;
  private metadataSent = false;
  private reading = false;
  private done = false;

  constructor(
    private readonly crossing: Crossing,
    private readonly start: (ctx: CallContext) => AsyncIterable<unknown>,
  ) {
    super({ objectMode: true });
  }

  private sendMetadata(): void {
    if (this.metadataSent) return;
    this.metadataSent = true;
    this.emit('metadata', new Metadata());
  }

  override _read(): void {
    if (this.reading || this.done) return;
    this.reading = true;
    void this.pull();
  }

  private async pull(): Promise<void> {
    try {
      this.source ??= this.start({ signal: this.controller.signal, accepted: () => this.sendMetadata() })[Symbol.asyncIterator]();
      for (;;) {
        const next = await this.source.next();
        if (this.done) return;
        if (next.done) {
          this.finish();
          this.sendMetadata();
          this.push(null);
          this.emit('status', { code: status.OK, details: 'OK', metadata: new Metadata() });
          return;
        }
        this.sendMetadata();
        if (!this.push(this.crossing.response(next.value))) break;
      }
    } catch (err) {
      if (this.done) return;
      this.finish();
      // As grpc-js: the messages already pushed are read first, then the failure.
      this.push(null);
      this.emit('error', failureOf(err));
    } finally {
      this.reading = false;
    }
  }

  private finish(): void {
    this.done = true;
  }

  cancel(): void {
    if (this.done) return;
    this.finish();
    abort(this.controller);
    // adaptService's loop leaves a cancelled stream at its next item; here it is closed at once (its finally runs).
    void this.source?.return?.().catch(() => undefined);
    this.destroy(cancelledError());
  }

  getPeer(): string {
    return 'local';
  }
}

function serverStreamMethod(crossing: Crossing, implementation: Implementation) {
  return (argument: unknown) => new LocalReadableCall(crossing, (ctx) => implementation(crossing.request(argument), ctx) as AsyncIterable<unknown>);
}

/**
 * `remote` (a generated client), with the unary and server-stream methods of
 * `definition` answered by `implementation` in this process; the messages of
 * the methods in `copies` are copied, the others encoded and decoded.
 */
export function localClient<C extends Client, D extends Record<string, MethodDef>>(remote: C, definition: D, implementation: PromiseService<D>, copies: MessageCopies<D> = {}): C {
  const local = Object.create(remote) as C;
  const methods = local as unknown as Record<string, unknown>;
  for (const [name, def] of Object.entries(definition)) {
    const fn = (implementation as Record<string, Implementation>)[name];
    if (def.requestStream || typeof fn !== 'function') {
      const remoteMethod = (remote as unknown as Record<string, (...args: unknown[]) => unknown>)[name];
      if (typeof remoteMethod === 'function') methods[name] = remoteMethod.bind(remote);
      continue;
    }
    const bound = fn.bind(implementation) as Implementation;
    const copy = copies[name] as { request: MessageCopy<unknown>; response: MessageCopy<unknown> } | undefined;
    const crossing = copy ? copyCrossing(copy) : wireCrossing(def);
    methods[name] = def.responseStream ? serverStreamMethod(crossing, bound) : unaryMethod(crossing, bound);
  }
  methods.close = () => remote.close();
  return local;
}
