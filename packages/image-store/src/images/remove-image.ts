// Docker's rmi rules, over the image records and the snapshots' labels.
import { failedPrecondition } from '@ce/protocol';
import { shortId } from '../digest.js';
import { familiarReference } from '../reference/reference.js';
import type { SnapshotService } from '../snapshots/snapshot-service.js';
import type { RemoveImageResult } from '../types.js';
import type { Logger } from '../util/logger.js';
import { isDigestName, isSingleReference, repositoryOf } from './digest-names.js';
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
 * `docker rmi`, by dockerd's rules: removing a tag untags it, and with it the
 * digest names of its repository when no other tag of that repository is
 * left; removing a digest name removes just that name; the image is deleted
 * when its last name goes. Removing by id needs `force` unless every name is
 * of one repository with at most one tag. An image a container uses is only
 * removed with `force`. A deleted image's blobs and layers that nothing else
 * uses are collected at once. The caller holds the image lock.
 */
export async function removeImage(parts: RemoveImageParts, reference: string, options: { force?: boolean } = {}): Promise<RemoveImageResult> {
  const { resolver, metadata, logger } = parts;
  const { byId, records } = await resolver.lookup(reference);
  const id = records[0]!.id;
  const all = (await resolver.records()).filter((r) => r.id === id).map((r) => r.name);
  const single = isSingleReference(all);
  if (byId && !single && !options.force) {
    throw failedPrecondition(
      `conflict: unable to delete ${shortId(id)} (must be forced) - image is referenced in multiple repositories`,
    );
  }
  const names = byId ? all : namesGoingWith(records[0]!.name, all);
  const remaining = all.filter((n) => !names.includes(n));
  // dockerd checks the containers when the image would be left without names, or had only one repository's.
  const users = remaining.length === 0 || (!byId && single) ? await imageUsers(parts.snapshots, id) : [];
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

/** The name removed, and when it is a repository's last tag of the image, that repository's digest names. */
function namesGoingWith(name: string, all: readonly string[]): string[] {
  if (isDigestName(name)) return [name];
  const repository = repositoryOf(name);
  const sameRepository = all.filter((n) => n !== name && repositoryOf(n) === repository);
  if (sameRepository.some((n) => !isDigestName(n))) return [name];
  return [name, ...sameRepository];
}
