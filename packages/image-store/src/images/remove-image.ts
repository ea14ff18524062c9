// Docker's rmi rules, over the image records and the snapshots' labels.
import { failedPrecondition } from '@ce/protocol';
import { shortId } from '../digest.js';
import { familiarReference } from '../reference/reference.js';
import type { SnapshotService } from '../snapshots/snapshot-service.js';
import type { RemoveImageResult } from '../types.js';
import type { Logger } from '../util/logger.js';
import type { ImageMetadataStore } from './image-metadata-store.js';
import type { ImageResolver } from './image-resolver.js';

/** Labels the store puts on a container's (active) snapshot. */
export const ROOTFS_LABEL_IMAGE_ID = 'ce.image.id';
export const ROOTFS_LABEL_IMAGE_NAME = 'ce.image.name';

export interface RemoveImageParts {
  resolver: ImageResolver;
  metadata: ImageMetadataStore;
  snapshots: SnapshotService;
  logger: Logger;
  /** Whether the container of a rootfs key runs (ced knows; a library user need not). */
  isRunning: (rootfsKey: string) => boolean;
  /** Collects what a deleted image alone used. */
  collect: () => Promise<unknown>;
}

/** Containers (active snapshot keys) using the image `id`. */
export async function imageUsers(snapshots: SnapshotService, id: string): Promise<string[]> {
  const users: string[] = [];
  await snapshots.walk((s) => void users.push(s.key), { kind: 'active', labels: [`${ROOTFS_LABEL_IMAGE_ID}=${id}`] });
  return users;
}

/**
 * `docker rmi`: removing a name untags it, and deletes the image when it was
 * its last name; removing by id needs `force` when the image has several
 * names. An image a container uses is only removed with `force`. A deleted
 * image's blobs and layers that nothing else uses are collected at once.
 * The caller holds the image lock.
 */
export async function removeImage(parts: RemoveImageParts, reference: string, options: { force?: boolean } = {}): Promise<RemoveImageResult> {
  const { resolver, metadata, logger } = parts;
  const { byId, records } = await resolver.lookup(reference);
  const id = records[0]!.id;
  const sameId = (await resolver.records()).filter((r) => r.id === id);
  const names = byId ? sameId.map((r) => r.name) : [records[0]!.name];
  const remaining = sameId.filter((r) => !names.includes(r.name));
  if (byId && sameId.length > 1 && !options.force) {
    throw failedPrecondition(
      `conflict: unable to delete ${shortId(id)} (must be forced) - image is referenced in multiple repositories`,
    );
  }
  const users = remaining.length === 0 ? await imageUsers(parts.snapshots, id) : [];
  const running = users.filter((key) => parts.isRunning(key));
  if (running.length && byId) {
    throw failedPrecondition(`conflict: unable to delete ${shortId(id)} (cannot be forced) - image is being used by running container ${shortId(running[0]!)}`);
  }
  if (users.length && !options.force) {
    throw failedPrecondition(
      byId
        ? `conflict: unable to delete ${shortId(id)} (must be forced) - image is being used by stopped container ${shortId(users[0]!)}`
        : `conflict: unable to remove repository reference "${familiarReference(reference)}" (must force) - container ${shortId(users[0]!)} is using its referenced image ${shortId(id)}`,
    );
  }
  // Forced, by name, with a running user: Docker untags and keeps the image.
  const deleted = remaining.length === 0 && running.length === 0;
  for (const name of names) await metadata.delete(name);
  logger.info({ names, id, deleted }, 'image removed');
  // As docker rmi frees the space: what only this image used goes now (containerd's synchronous delete).
  if (deleted) await parts.collect();
  return { untagged: names.map(familiarReference), deleted: deleted ? [id] : [] };
}
