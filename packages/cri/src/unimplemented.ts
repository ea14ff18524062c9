import { CeError, type PromiseService } from '@ce/protocol';

interface MethodShape {
  /** "/runtime.v1.RuntimeService/RunPodSandbox" */
  path: string;
  requestStream: boolean;
  responseStream: boolean;
}

/**
 * The service with every method not in `implemented` answering gRPC
 * UNIMPLEMENTED and naming the method, so that a kubelet (or crictl) sees at
 * once what ce's CRI does not do yet.
 */
export function withUnimplemented<D extends Record<string, MethodShape>>(
  definition: D,
  implemented: Partial<PromiseService<D>>,
): PromiseService<D> {
  const service: Record<string, unknown> = { ...implemented };
  for (const [key, method] of Object.entries(definition)) {
    if (service[key]) continue;
    const refusal = () => new CeError('Unimplemented', `${method.path.slice(1)} is not implemented by ce's CRI yet`);
    service[key] = method.responseStream
      ? async function* () {
          yield* [];
          throw refusal();
        }
      : async () => {
          throw refusal();
        };
  }
  return service as PromiseService<D>;
}
