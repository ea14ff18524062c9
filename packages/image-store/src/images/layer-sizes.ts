import { isCeError } from '@ce/protocol';
import type { SnapshotService } from '../snapshots/snapshot-service.js';

/** Unpacked sizes of committed layers by chain id, measured once: a committed snapshot does not change. */
export class LayerSizes {
  private readonly sizes = new Map<string, number>();

  constructor(private readonly snapshots: SnapshotService) {}

  /** The layer's unpacked size, or `compressed` while it is not unpacked. */
  async size(chain: string, compressed: number): Promise<number> {
    let size = this.sizes.get(chain);
    if (size !== undefined) return size;
    try {
      size = (await this.snapshots.usage(chain)).size;
    } catch (err) {
      if (isCeError(err, 'NotFound')) return compressed;
      throw err;
    }
    this.sizes.set(chain, size);
    return size;
  }
}
