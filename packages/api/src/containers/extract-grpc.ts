import { Readable } from 'node:stream';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { invalidArgument } from '@ce/protocol';
import type { ExtractToPathRequest, ExtractToPathResponse } from '@ce/protocol/gen/ce/api/v1/containers';
import type { ContainerFiles } from './container-files.js';

/** ExtractToPath: the first request names the directory, the following ones carry the tar; one reply once it is written. */
export async function serveExtractToPath(call: ServerDuplexStream<ExtractToPathRequest, ExtractToPathResponse>, files: ContainerFiles): Promise<void> {
  // destroyOnReturn: false, or the end of the tar (read before the call's end) would destroy the call before the answer is written.
  const requests = (call.iterator({ destroyOnReturn: false }) as AsyncIterable<ExtractToPathRequest>)[Symbol.asyncIterator]();
  const first = await requests.next();
  const target = first.done ? undefined : first.value.target;
  if (!target) throw invalidArgument('ExtractToPath: the first request must name the container and the directory');
  async function* tar() {
    for (let next = await requests.next(); !next.done; next = await requests.next()) {
      if (next.value.data) yield next.value.data;
    }
  }
  await files.extractToPath(target.id, target.path, Readable.from(tar()), {
    allowOverwriteDirWithFile: target.allowOverwriteDirWithFile,
    copyUidGid: target.copyUidGid,
  });
  call.write({});
  call.end();
}
