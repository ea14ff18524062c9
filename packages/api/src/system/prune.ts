// `docker system prune` on ced's side: stopped containers, then images
// (dangling, or every unused one with `all`) with the partial downloads
// failed pulls left, in one call so that nothing starts in between on the
// client's say-so.
import type { PruneResult } from '@ce/image-store';
import type { SystemPruneResponse } from '@ce/protocol/gen/ce/api/v1/system';
import type { Logger } from '@ce/protocol';
import type { ContainerRecord } from '../containers/record.js';

export interface PruneSources {
  containers: {
    list(all: boolean): ContainerRecord[];
    remove(ref: string, force: boolean): Promise<void>;
  };
  images: {
    prune(options: { all?: boolean }): Promise<PruneResult>;
    /** Bytes of a container's writable layer (0 when it has none). */
    rootfsSize(key: string): Promise<number>;
  };
  logger: Logger;
}

export async function systemPrune(src: PruneSources, options: { all?: boolean } = {}): Promise<SystemPruneResponse> {
  const containersDeleted: string[] = [];
  let reclaimedBytes = 0;
  for (const record of src.containers.list(true)) {
    if (record.State.Running || record.State.Status === 'removing') continue;
    const size = await src.images.rootfsSize(record.Id);
    try {
      await src.containers.remove(record.Id, false);
    } catch (err) {
      // Started meanwhile, or its layer is busy: docker's prune skips it too.
      src.logger.warn({ id: record.Id, err: (err as Error).message }, 'system prune: container not removed');
      continue;
    }
    containersDeleted.push(record.Id);
    reclaimedBytes += size;
  }
  const images = await src.images.prune({ all: options.all });
  return {
    containersDeleted,
    imagesUntagged: images.untagged,
    imagesDeleted: images.deleted,
    partialDownloads: images.partialDownloads,
    reclaimedBytes: reclaimedBytes + images.reclaimedBytes,
  };
}
