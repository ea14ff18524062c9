import { credentials, type Client, type ClientOptions, type ServiceError } from '@grpc/grpc-js';
import { fromServiceError } from './grpc-status.js';

type ClientCtor<C> = new (address: string, creds: ReturnType<typeof credentials.createInsecure>, options?: Partial<ClientOptions>) => C;

/** Creates a generated ts-proto client bound to a unix socket (`options` added to the defaults). */
export function dialUnix<C extends Client>(Ctor: ClientCtor<C>, path: string, options: Partial<ClientOptions> = {}): C {
  return new Ctor(`unix:${path}`, credentials.createInsecure(), {
    'grpc.max_receive_message_length': 64 * 1024 * 1024,
    // A local socket: fail fast instead of retrying the connection for long.
    'grpc.initial_reconnect_backoff_ms': 50,
    'grpc.max_reconnect_backoff_ms': 1000,
    ...options,
  });
}

/**
 * Promisifies one unary call and maps its failure to a CeError:
 * `await unary((cb) => client.start({ id }, cb), target)`.
 */
export function unary<T>(
  invoke: (callback: (err: ServiceError | null, res?: T) => void) => unknown,
  target?: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    invoke((err, res) => (err ? reject(fromServiceError(err, target)) : resolve(res as T)));
  });
}

/** Reads a server stream as an async iterable, mapping its failure to a CeError. */
export async function* readStream<T>(stream: AsyncIterable<unknown> & { cancel(): void }, target?: string): AsyncGenerator<T> {
  try {
    for await (const item of stream) yield item as T;
  } catch (err) {
    throw fromServiceError(err as ServiceError, target);
  } finally {
    stream.cancel();
  }
}
