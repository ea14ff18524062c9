// Mark and sweep, as containerd's garbage collector, over the three stores'
// interfaces: the roots are image records, containers' active snapshots and
// views, live leases, and what carries the gc labels (GC_LABELS); every blob
// and committed snapshot they do not reach is deleted, and so is every stale
// ingest (gc/ingests.ts).
import { isCeError } from '@ce/protocol';
import { contentRefs, GC_LABELS, type ContentInfo, type ContentStore } from '../content/content-store.js';
import type { ImageMetadataStore } from '../images/image-metadata-store.js';
import type { FileLeaseManager } from '../leases/manager.js';
import type { SnapshotInfo, SnapshotService } from '../snapshots/snapshot-service.js';
import type { Logger } from '../util/logger.js';
import { sweepStaleIngests } from './ingests.js';
import { markFromTargets } from './reachable.js';

export interface GcResult {
  /** Blobs deleted, by digest. */
  content: string[];
  /** Committed snapshots deleted, by key (chain id). */
  snapshots: string[];
  /** Stale ingests deleted, by name under `<root>/ingest/` (see gc/ingests.ts). */
  ingests: string[];
  /** Bytes freed: blob sizes, the unpacked size of the snapshots, the stale ingests. */
  reclaimedBytes: number;
}

export interface GcSources {
  content: ContentStore;
  metadata: ImageMetadataStore;
  snapshotter: SnapshotService;
  leases: FileLeaseManager;
  ingestDir: string;
  logger: Logger;
  /** Remove resumable downloads no pull holds too (image prune), not only stale ingests. */
  partialDownloads?: boolean;
}

/** The parents of every snapshot `keys` names, with the snapshots themselves. */
function withParents(snapshots: ReadonlyMap<string, SnapshotInfo>, keys: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (let key of keys) {
    while (!out.has(key) && snapshots.has(key)) {
      out.add(key);
      const parent = snapshots.get(key)!.parent;
      if (parent === undefined) break;
      key = parent;
    }
  }
  return out;
}

/** Adds to `marked` the blobs labelled as gc roots and, transitively, the digests marked blobs name in their ref labels. */
function markByLabels(blobs: readonly ContentInfo[], marked: Set<string>): void {
  const byDigest = new Map(blobs.map((b) => [b.digest as string, b]));
  const pending = blobs.filter((b) => b.labels[GC_LABELS.root] !== undefined || marked.has(b.digest)).map((b) => b.digest as string);
  for (const d of pending) marked.add(d);
  while (pending.length) {
    const info = byDigest.get(pending.pop()!);
    for (const ref of info ? contentRefs(info.labels) : []) {
      if (marked.has(ref)) continue;
      marked.add(ref);
      pending.push(ref);
    }
  }
}

/** Runs one collection. The caller holds the store's image lock so records do not change meanwhile. */
export async function collectGarbage(src: GcSources): Promise<GcResult> {
  const { content, metadata, snapshotter, leases, logger } = src;
  const leased = await leases.protectedResources();
  const marked = await markFromTargets(
    content,
    (await metadata.list()).map((m) => ({ desc: m.target, from: `image ${m.name}` })),
  );
  for (const d of leased.content) marked.content.add(d);
  const blobs: ContentInfo[] = [];
  await content.walk((info) => void blobs.push(info));
  markByLabels(blobs, marked.content);
  const snapshots = await listSnapshots(snapshotter);
  const keep = withParents(snapshots, [
    ...marked.snapshots,
    ...leased.snapshot,
    ...[...snapshots.values()].filter((s) => s.kind !== 'committed' || s.labels[GC_LABELS.root] !== undefined).map((s) => s.key),
  ]);

  const result: GcResult = { content: [], snapshots: [], ingests: [], reclaimedBytes: 0 };
  for (const blob of blobs) {
    if (marked.content.has(blob.digest)) continue;
    try {
      await content.delete(blob.digest);
    } catch (err) {
      logger.warn({ digest: blob.digest, err }, 'cannot delete an unreferenced blob');
      continue;
    }
    result.content.push(blob.digest);
    result.reclaimedBytes += blob.size;
  }

  // Children before parents: a snapshot can only go once nothing is built on it.
  let doomed = [...snapshots.values()].filter((s) => !keep.has(s.key));
  while (doomed.length) {
    const parents = new Set([...(await listSnapshots(snapshotter)).values()].map((s) => s.parent));
    const leaves = doomed.filter((s) => !parents.has(s.key));
    if (leaves.length === 0) break;
    for (const s of leaves) {
      const bytes = (await snapshotter.usage(s.key)).size;
      try {
        await snapshotter.remove(s.key);
      } catch (err) {
        // A snapshots client may have built on it meanwhile (it holds no image lock): it is in use again.
        if (!isCeError(err, 'FailedPrecondition') && !isCeError(err, 'NotFound')) throw err;
        logger.info({ key: s.key, err }, 'an unreferenced snapshot changed while collecting; kept');
        continue;
      }
      result.snapshots.push(s.key);
      result.reclaimedBytes += bytes;
    }
    doomed = doomed.filter((s) => !leaves.includes(s));
  }
  // After the blobs: a partial download whose blob is committed is debris; an abandoned one is too, after 24 h (at once when pruning).
  for (const ingest of await sweepStaleIngests(src.ingestDir, content, leased.ingest, { partialDownloads: src.partialDownloads })) {
    result.ingests.push(ingest.name);
    result.reclaimedBytes += ingest.size;
  }
  logger.info(
    { blobs: result.content.length, snapshots: result.snapshots.length, ingests: result.ingests.length, bytes: result.reclaimedBytes },
    'garbage collected',
  );
  return result;
}

async function listSnapshots(snapshotter: SnapshotService): Promise<Map<string, SnapshotInfo>> {
  const out = new Map<string, SnapshotInfo>();
  await snapshotter.walk((info) => void out.set(info.key, info));
  return out;
}
