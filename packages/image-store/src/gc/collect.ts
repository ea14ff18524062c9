// Mark and sweep, as containerd's garbage collector: the roots are image
// records, containers' active snapshots and live leases; every blob and
// committed snapshot they do not reach is deleted, and so is every stale
// ingest (gc/ingests.ts).
import type { ContentStore } from '../content/store.js';
import type { ImageMetadataStore } from '../images/metadata.js';
import type { FileLeaseManager } from '../leases/manager.js';
import type { OverlaySnapshotter } from '../snapshots/overlay.js';
import type { Logger } from '../util/logger.js';
import { diskUsage } from '../util/disk-usage.js';
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
  snapshotter: OverlaySnapshotter;
  leases: FileLeaseManager;
  ingestDir: string;
  logger: Logger;
  /** Remove resumable downloads no pull holds too (image prune), not only stale ingests. */
  partialDownloads?: boolean;
}

/** The parents of every snapshot `keys` names, with the snapshots themselves. */
function withParents(snapshotter: OverlaySnapshotter, keys: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (let key of keys) {
    while (!out.has(key) && snapshotter.has(key)) {
      out.add(key);
      const parent = snapshotter.stat(key).parent;
      if (parent === undefined) break;
      key = parent;
    }
  }
  return out;
}

/** Runs one collection. The caller holds the store's image lock so records do not change meanwhile. */
export async function collectGarbage(src: GcSources): Promise<GcResult> {
  const { content, metadata, snapshotter, leases, logger } = src;
  const leased = await leases.protectedResources();
  const marked = await markFromTargets(
    content,
    metadata.list().map((m) => ({ desc: m.target, from: `image ${m.name}` })),
  );
  for (const d of leased.content) marked.content.add(d);
  const snapshots = snapshotter.list();
  const keep = withParents(snapshotter, [
    ...marked.snapshots,
    ...leased.snapshot,
    ...snapshots.filter((s) => s.kind === 'active').map((s) => s.key),
  ]);

  const result: GcResult = { content: [], snapshots: [], ingests: [], reclaimedBytes: 0 };
  for (const blob of await content.list()) {
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
  let doomed = snapshots.filter((s) => !keep.has(s.key));
  while (doomed.length) {
    const parents = new Set(snapshotter.list().map((s) => s.parent));
    const leaves = doomed.filter((s) => !parents.has(s.key));
    if (leaves.length === 0) break;
    for (const s of leaves) {
      const bytes = await diskUsage(snapshotter.fsPath(s.key));
      await snapshotter.remove(s.key);
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
