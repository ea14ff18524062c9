// `docker image prune`, over the image records, the snapshots' labels and the collector.
import { familiarReference } from '../reference/reference.js';
import { isDigestName } from '../images/digest-names.js';
import { ROOTFS_LABEL_IMAGE_ID } from '../images/remove-image.js';
import type { ImageMetadataStore } from '../images/image-metadata-store.js';
import type { ImageResolver } from '../images/image-resolver.js';
import { pruneFilter } from '../prune-filter.js';
import type { SnapshotService } from '../snapshots/snapshot-service.js';
import type { PartialDownload, PruneOptions, PruneResult } from '../types.js';
import type { GcResult } from './collect.js';

export interface PruneImagesParts {
  resolver: ImageResolver;
  metadata: ImageMetadataStore;
  snapshots: SnapshotService;
  partialDownloads: () => Promise<PartialDownload[]>;
  collect: (options: { partialDownloads: boolean }) => Promise<GcResult>;
}

/**
 * Records always carry a name here, so an image that lost its last name is
 * already gone from the list and only its content remains: prune collects
 * it. An image named only by digests (a tag moved on to another image) is
 * dangling, as in Docker, and goes unless a container uses it. With `all`,
 * every image no container uses is removed (`docker image prune -a`, or
 * `--filter dangling=false`); until and label filters pick among them by the
 * config's created and Labels. The caller holds the image lock.
 */
export async function pruneImages(parts: PruneImagesParts, options: PruneOptions = {}): Promise<PruneResult> {
  const filter = pruneFilter(options.filters ?? [], ['dangling', 'until', 'label', 'label!']);
  const untagged: string[] = [];
  const deleted: string[] = [];
  const all = options.all || filter.dangling === false;
  const records = await parts.resolver.records();
  const tagged = new Set(records.filter((r) => !isDigestName(r.name)).map((r) => r.id));
  const used = new Set<string | undefined>();
  await parts.snapshots.walk((s) => void used.add(s.labels[ROOTFS_LABEL_IMAGE_ID]), { kind: 'active' });
  for (const image of records) {
    if (used.has(image.id) || (!all && tagged.has(image.id))) continue;
    const { config } = await parts.resolver.resolve(image.target, image.name);
    if (!filter.matches({ created: Date.parse(config.created ?? '') || 0, labels: config.config?.Labels })) continue;
    await parts.metadata.delete(image.name);
    untagged.push(familiarReference(image.name));
    if (!deleted.includes(image.id)) deleted.push(image.id);
  }
  // Partial downloads too (docker has no resumable ingests to leave behind): a pull still retrying leases its own.
  const partial = new Set((await parts.partialDownloads()).filter((p) => !p.active).map((p) => p.digest));
  const gc = await parts.collect({ partialDownloads: true });
  const partialDownloads = gc.ingests.map((name) => `sha256:${name.replace(/^sha256-/, '')}`).filter((d) => partial.has(d));
  return { untagged, deleted, reclaimedBytes: gc.reclaimedBytes, partialDownloads };
}
