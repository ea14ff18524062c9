// The layer of a step FROM scratch: the tree COPY wrote into an empty
// folder, as a tar of its contents.
import { chmod } from 'node:fs/promises';
import { packResource, ScopedFs } from '@ce/protocol/copy';

export async function* packTree(root: string): AsyncGenerator<Uint8Array> {
  // The tar's "./" entry is the image's "/": the scratch folder's private mode must not become the root's.
  await chmod(root, 0o755);
  yield* packResource(new ScopedFs(root), '/.') as AsyncIterable<Uint8Array>;
}
