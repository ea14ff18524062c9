import { Metadata } from '@grpc/grpc-js';
import type {
  ServerDuplexStream,
  ServerUnaryCall,
  ServerWritableStream,
  sendUnaryData,
  ServiceDefinition,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { toStatusObject } from './grpc-status.js';

/** What a generated ts-proto method definition looks like. */
interface MethodDef {
  requestStream: boolean;
  responseStream: boolean;
  requestDeserialize: (b: Buffer) => unknown;
  responseSerialize: (v: never) => Buffer;
}

type Req<M> = M extends { requestDeserialize: (b: Buffer) => infer R } ? R : never;
type Res<M> = M extends { responseSerialize: (v: infer R) => Buffer } ? R : never;

/** Per-call context: the signal aborts when the client cancels or disconnects. */
export interface CallContext {
  signal: AbortSignal;
  /**
   * A server stream's answer that it took the request, before its first item
   * (grpc's response headers; the client sees a 'metadata' event): a stream
   * that may stay quiet for long (events) tells its client so that it can
   * reply at once, as dockerd flushes its headers. No-op on other calls.
   */
  accepted(): void;
}

/**
 * A service implemented with promises: unary methods return a promise, server
 * streams return an async iterable, bidirectional streams get the raw call.
 */
export type PromiseService<D> = {
  [K in keyof D]: D[K] extends { requestStream: false; responseStream: false }
    ? (request: Req<D[K]>, ctx: CallContext) => Promise<Res<D[K]>>
    : D[K] extends { requestStream: false; responseStream: true }
      ? (request: Req<D[K]>, ctx: CallContext) => AsyncIterable<Res<D[K]>>
      : D[K] extends { requestStream: true; responseStream: true }
        ? (call: ServerDuplexStream<Req<D[K]>, Res<D[K]>>) => Promise<void>
        : never;
};

function contextFor(call: { on(event: 'cancelled', cb: () => void): unknown }, sendMetadata?: (metadata: Metadata) => void): CallContext {
  const controller = new AbortController();
  call.on('cancelled', () => controller.abort());
  let sent = false;
  return {
    signal: controller.signal,
    accepted: () => {
      if (sent || !sendMetadata) return;
      sent = true;
      sendMetadata(new Metadata());
    },
  };
}

/**
 * Adapts a PromiseService to grpc-js handlers. Anything a method throws is
 * mapped to a gRPC status in one place (grpc-status.ts).
 */
export function adaptService<D extends Record<string, MethodDef>>(
  definition: D,
  impl: PromiseService<D>,
): UntypedServiceImplementation {
  const handlers: UntypedServiceImplementation = {};
  for (const [name, def] of Object.entries(definition)) {
    const method = (impl as Record<string, (...args: unknown[]) => unknown>)[name];
    if (typeof method !== 'function') throw new Error(`service implementation lacks method ${name}`);
    const fn = method.bind(impl);
    if (!def.requestStream && !def.responseStream) {
      handlers[name] = (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
        Promise.resolve()
          .then(() => fn(call.request, contextFor(call)))
          .then(
            (res) => callback(null, res),
            (err) => callback(toStatusObject(err)),
          );
      };
    } else if (!def.requestStream && def.responseStream) {
      handlers[name] = async (call: ServerWritableStream<unknown, unknown>) => {
        const ctx = contextFor(call, (metadata) => call.sendMetadata(metadata));
        try {
          for await (const item of fn(call.request, ctx) as AsyncIterable<unknown>) {
            if (ctx.signal.aborted) break;
            if (!call.write(item)) await new Promise((r) => call.once('drain', r));
          }
          call.end();
        } catch (err) {
          if (!ctx.signal.aborted) call.emit('error', toStatusObject(err));
        }
      };
    } else if (def.requestStream && def.responseStream) {
      handlers[name] = (call: ServerDuplexStream<unknown, unknown>) => {
        Promise.resolve()
          .then(() => fn(call))
          .catch((err) => {
            if (!call.cancelled) call.emit('error', toStatusObject(err));
          });
      };
    } else {
      throw new Error(`client-streaming method ${name} is not supported by adaptService`);
    }
  }
  return handlers;
}

export type { ServiceDefinition };
