// The one rule check and gc share for `<root>/ingest/`: what is work in
// progress (leased, or flock-held by its writer), what is a resumable
// download worth keeping, and what is debris.
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { removeIngestFileUnlessHeld, isIngestHeld } from '../content/ingest-lock.js';
import type { ContentStore } from '../content/content-store.js';
import { diskUsage } from '../util/disk-usage.js';
import { isErrno, removeAll } from '../util/fs.js';

/** A resumable download not written to for this long is abandoned (containerd's pull leases last as long). */
export const RESUMABLE_INGEST_MAX_AGE_MS = 24 * 60 * 60 * 1000;

const RESUMABLE_NAME = /^sha256-([a-f0-9]{64})$/;

export type IngestState = 'leased' | 'held' | 'resumable' | 'stale';

export interface IngestEntry {
  name: string;
  path: string;
  /** Bytes on disk (a load's staging directory: its files). */
  size: number;
  state: IngestState;
  /** Why a stale ingest is debris, in words. */
  reason?: string;
}

export async function classifyIngests(ingestDir: string, content: ContentStore, leased: ReadonlySet<string>, now = Date.now()): Promise<IngestEntry[]> {
  let names: string[];
  try {
    names = await readdir(ingestDir);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return [];
    throw err;
  }
  const out: IngestEntry[] = [];
  for (const name of names.sort()) {
    const path = join(ingestDir, name);
    let st;
    try {
      st = await lstat(path);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) continue; // finished meanwhile
      throw err;
    }
    const entry = (state: IngestState, reason?: string, size = st.size): IngestEntry => ({ name, path, size, state, ...(reason ? { reason } : {}) });
    if (leased.has(name)) {
      out.push(entry('leased'));
    } else if (st.isDirectory()) {
      // A load stages in a directory it leases before creating it: unleased, its load is over.
      out.push(entry('stale', 'left by a load that is over', await diskUsage(path)));
    } else if (!st.isFile()) {
      out.push(entry('stale', 'not a file an ingest writes'));
    } else if (await isIngestHeld(path)) {
      out.push(entry('held'));
    } else {
      const resumable = RESUMABLE_NAME.exec(name);
      if (!resumable) out.push(entry('stale', 'left by a writer that is gone'));
      else if (await content.exists(`sha256:${resumable[1]}`)) out.push(entry('stale', `a partial download of sha256:${resumable[1]}, which is committed already`));
      else if (now - st.mtimeMs > RESUMABLE_INGEST_MAX_AGE_MS) {
        out.push(entry('stale', `a download of sha256:${resumable[1]} abandoned since ${st.mtime.toISOString()} (${st.size} bytes)`));
      } else out.push(entry('resumable'));
    }
  }
  return out;
}

/** A blob download in `<root>/ingest/`, whole or partial, by the digest it will have. */
export function partialDownloadDigest(entry: IngestEntry): string | undefined {
  const m = RESUMABLE_NAME.exec(entry.name);
  return m ? `sha256:${m[1]}` : undefined;
}

/** A download a pull in progress holds (its lease, or its writer's lock): never removed. */
export const isActiveIngest = (entry: IngestEntry): boolean => entry.state === 'leased' || entry.state === 'held';

/** Removes a stale (or resumable) ingest unless a writer took it up meanwhile; true when it is gone. */
export async function removeStaleIngest(entry: IngestEntry): Promise<boolean> {
  if (entry.state !== 'stale' && entry.state !== 'resumable') return false;
  const st = await lstat(entry.path).catch(() => undefined);
  if (st?.isFile()) return (await removeIngestFileUnlessHeld(entry.path)) !== 'held';
  await removeAll(entry.path);
  return true;
}

/**
 * Removes every stale ingest, and with `partialDownloads` every resumable
 * download too (what a failed pull left; a pull still at work holds its own).
 * Returns them.
 */
export async function sweepStaleIngests(
  ingestDir: string,
  content: ContentStore,
  leased: ReadonlySet<string>,
  options: { partialDownloads?: boolean } = {},
): Promise<IngestEntry[]> {
  const removed: IngestEntry[] = [];
  for (const ingest of await classifyIngests(ingestDir, content, leased)) {
    const doomed = ingest.state === 'stale' || (options.partialDownloads && ingest.state === 'resumable');
    if (doomed && (await removeStaleIngest(ingest))) removed.push(ingest);
  }
  return removed;
}
