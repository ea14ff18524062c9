// The layer of a step FROM scratch: the tree COPY wrote into an empty
// folder, as a tar of its contents.
import { packTree } from '@ce/protocol/copy';

export function scratchLayer(root: string): AsyncIterable<Uint8Array> {
  return packTree(root) as AsyncIterable<Uint8Array>;
}
