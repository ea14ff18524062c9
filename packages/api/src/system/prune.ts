// `docker container prune` and `docker system prune` on ced's side. System
// prune runs as Docker's CLI runs it (containers, networks, volumes with
// --volumes, then images with the partial downloads failed pulls left), but
// in one call, with every filter checked before anything is removed.
import { pruneFilter, type FilterPair, type PruneOptions, type PruneResult } from '@ce/image-store';
import type { PruneContainersResponse, SystemPruneResponse } from '@ce/protocol/gen/ce/api/v1/system';
import type { Logger } from '@ce/protocol';
import { invalidArgument } from '@ce/protocol/errors';
import type { ContainerRecord } from '../containers/record.js';

export interface PruneSources {
  containers: {
    list(all: boolean): ContainerRecord[];
    remove(ref: string, force: boolean): Promise<void>;
  };
  images: {
    prune(options: PruneOptions): Promise<PruneResult>;
    /** Bytes of a container's writable layer (0 when it has none). */
    rootfsSize(key: string): Promise<number>;
  };
  /** Docker's network prune: the names removed. */
  networks: { prune(filters: FilterPair[]): Promise<string[]> };
  /** Docker's volume prune (label and label! only). */
  volumes: { prune(filters: Record<string, string[]>): Promise<{ deleted: string[]; spaceReclaimed: number }> };
  logger: Logger;
}

const CONTAINER_KEYS = ['until', 'label', 'label!'];

export async function pruneContainers(src: PruneSources, filters: FilterPair[] = []): Promise<PruneContainersResponse> {
  const filter = pruneFilter(filters, CONTAINER_KEYS);
  const containersDeleted: string[] = [];
  let reclaimedBytes = 0;
  for (const record of src.containers.list(true)) {
    if (record.State.Running || record.State.Paused || record.State.Status === 'removing') continue;
    if (!filter.matches({ created: Date.parse(record.Created), labels: record.Config.Labels })) continue;
    const size = await src.images.rootfsSize(record.Id);
    try {
      await src.containers.remove(record.Id, false);
    } catch (err) {
      // Started meanwhile, or its layer is busy: docker's prune skips it too.
      src.logger.warn({ id: record.Id, err: (err as Error).message }, 'container prune: container not removed');
      continue;
    }
    containersDeleted.push(record.Id);
    reclaimedBytes += size;
  }
  return { containersDeleted, reclaimedBytes };
}

export async function systemPrune(src: PruneSources, options: { all?: boolean; filters?: FilterPair[]; volumes?: boolean } = {}): Promise<SystemPruneResponse> {
  const filters = options.filters ?? [];
  // Every filter is checked before anything goes: a bad one leaves everything in place.
  pruneFilter(filters, CONTAINER_KEYS);
  const volumeFilters: Record<string, string[]> = {};
  if (options.volumes) {
    for (const { key, value } of filters) {
      if (key !== 'label' && key !== 'label!') throw invalidArgument(`Invalid filter '${key}'`);
      (volumeFilters[key] ??= []).push(value);
    }
  }
  const containers = await pruneContainers(src, filters);
  const networksDeleted = await src.networks.prune(filters);
  const volumes = options.volumes ? await src.volumes.prune(volumeFilters) : { deleted: [], spaceReclaimed: 0 };
  const images = await src.images.prune({ all: options.all, filters });
  return {
    containersDeleted: containers.containersDeleted,
    networksDeleted,
    volumesDeleted: volumes.deleted,
    imagesUntagged: images.untagged,
    imagesDeleted: images.deleted,
    partialDownloads: images.partialDownloads,
    reclaimedBytes: containers.reclaimedBytes + volumes.spaceReclaimed + images.reclaimedBytes,
  };
}
