// A client of a CRI socket, generated from the CRI schema: what a kubelet or
// crictl dials. Failures keep their gRPC status (code and details).
import { credentials, type ServiceError } from '@grpc/grpc-js';
import { ImageServiceClient, RuntimeServiceClient } from '../../src/gen/runtime/v1/api.js';

export interface CriClient {
  runtime: RuntimeServiceClient;
  images: ImageServiceClient;
  close(): void;
}

export function dialCri(socket: string): CriClient {
  const runtime = new RuntimeServiceClient(`unix:${socket}`, credentials.createInsecure());
  const images = new ImageServiceClient(`unix:${socket}`, credentials.createInsecure());
  return {
    runtime,
    images,
    close() {
      runtime.close();
      images.close();
    },
  };
}

/** One unary call as a promise: `await call((cb) => cri.runtime.version({ version: '' }, cb))`. */
export function call<T>(invoke: (callback: (err: ServiceError | null, res?: T) => void) => unknown): Promise<T> {
  return new Promise<T>((resolve, reject) => invoke((err, res) => (err ? reject(err) : resolve(res as T))));
}

/** The status a call failed with. */
export async function failure(promise: Promise<unknown>): Promise<{ code: number; details: string }> {
  try {
    await promise;
  } catch (err) {
    const se = err as ServiceError;
    return { code: se.code, details: se.details };
  }
  throw new Error('the call succeeded');
}

