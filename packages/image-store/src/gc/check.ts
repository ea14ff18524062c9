// The store's consistency check (fsck): every blob matches its digest, every
// image record reaches present manifests, configs and layers, every snapshot
// has its parent, and nothing is left by a writer that died (ingests, leases).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { FileContentStore } from '../content/file-content-store.js';
import type { ImageMetadataStore } from '../images/image-metadata-store.js';
import type { FileLeaseManager } from '../leases/manager.js';
import type { OverlaySnapshotter } from '../snapshots/overlay.js';
import { isErrno } from '../util/fs.js';
import { classifyIngests, removeStaleIngest } from './ingests.js';
import { markFromTargets } from './reachable.js';

export type FindingKind =
  | 'corrupt-blob'
  | 'missing-content'
  | 'missing-parent-snapshot'
  | 'stale-ingest'
  | 'dead-lease';

export interface Finding {
  kind: FindingKind;
  /** What is wrong: a digest, a snapshot key, an ingest file, a lease id. */
  subject: string;
  message: string;
  /** True when check({ repair: true }) fixed it. */
  repaired: boolean;
}

export interface CheckOptions {
  /**
   * Fix what can be fixed without losing anything valid: delete corrupt blobs,
   * snapshots whose parent is gone (and what is built on them), stale ingests
   * (see gc/ingests.ts: not leased, not held by a writer, and not a resumable
   * download younger than 24 h whose blob is still missing) and dead leases.
   * Records that point at missing content are only reported: the content can
   * come back with a pull or load.
   */
  repair?: boolean;
}

export interface CheckSources {
  content: FileContentStore;
  metadata: ImageMetadataStore;
  snapshotter: OverlaySnapshotter;
  leases: FileLeaseManager;
  ingestDir: string;
}

export async function checkStore(src: CheckSources, options: CheckOptions = {}): Promise<Finding[]> {
  const repair = options.repair ?? false;
  const findings: Finding[] = [];
  const leases = await src.leases.list();
  const live = new Set(leases.filter((l) => l.live).flatMap((l) => l.resources.filter((r) => r.kind === 'ingest').map((r) => r.id)));

  for (const blob of await src.content.list()) {
    const actual = await hashFile(src.content.blobPath(blob.digest));
    if (actual === undefined || actual === blob.digest) continue;
    if (repair) await src.content.delete(blob.digest).catch(() => undefined);
    findings.push({ kind: 'corrupt-blob', subject: blob.digest, message: `blob ${blob.digest} has digest ${actual}`, repaired: repair });
  }

  for (const meta of await src.metadata.list()) {
    const reach = await markFromTargets(src.content, [{ desc: meta.target, from: `image record ${meta.name}` }]);
    for (const m of reach.missing) {
      findings.push({
        kind: 'missing-content',
        subject: m.digest,
        message: `image ${meta.name}: blob ${m.digest} (referenced by ${m.from}) is missing`,
        repaired: false,
      });
    }
  }

  const orphans = src.snapshotter.list().filter((s) => s.parent !== undefined && !src.snapshotter.has(s.parent));
  for (const s of orphans) {
    findings.push({
      kind: 'missing-parent-snapshot',
      subject: s.key,
      message: `snapshot ${s.key} is built on ${s.parent}, which does not exist`,
      repaired: repair && (await removeWithDescendants(src.snapshotter, s.key)),
    });
  }

  // Leased or flock-held ingests are work in progress, young resumable downloads are kept to resume: neither is a problem.
  for (const ingest of await classifyIngests(src.ingestDir, src.content, live)) {
    if (ingest.state !== 'stale') continue;
    findings.push({
      kind: 'stale-ingest',
      subject: ingest.name,
      message: `ingest ${ingest.name} is ${ingest.reason}`,
      repaired: repair && (await removeStaleIngest(ingest)),
    });
  }

  for (const lease of leases) {
    if (lease.live) continue;
    if (repair) await src.leases.delete(lease.id);
    findings.push({
      kind: 'dead-lease',
      subject: lease.id,
      message: `lease ${lease.id}${lease.reason ? ` (${lease.reason})` : ''} protects nothing: ${lease.deadReason}`,
      repaired: repair,
    });
  }
  return findings;
}

async function hashFile(path: string): Promise<string | undefined> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined; // deleted meanwhile
    throw err;
  }
  return `sha256:${hash.digest('hex')}`;
}

async function removeWithDescendants(snapshotter: OverlaySnapshotter, key: string): Promise<boolean> {
  for (const child of snapshotter.list().filter((s) => s.parent === key)) await removeWithDescendants(snapshotter, child.key);
  if (!snapshotter.has(key)) return true;
  await snapshotter.remove(key);
  return true;
}
