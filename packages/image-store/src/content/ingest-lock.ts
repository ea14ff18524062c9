// Ingest files are flock-held by the writer at work on them (anonymous and
// resumable alike), so another process can tell work in progress from debris.
import { constants } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import { flock, LOCK_EX, LOCK_NB } from '@ce/native';
import { isErrno } from '../util/fs.js';

/** True when a writer holds the ingest file at `path`; false when nobody does or it is gone. */
export async function isIngestHeld(path: string): Promise<boolean> {
  return (await removeIngestFileUnlessHeld(path, false)) === 'held';
}

/**
 * Deletes the ingest file at `path` unless a writer holds it, taking the lock
 * itself for the unlink so that no writer starts on it in between.
 */
export async function removeIngestFileUnlessHeld(path: string, remove = true): Promise<'held' | 'removed' | 'free' | 'gone'> {
  let fh;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return 'gone';
    throw err;
  }
  try {
    if (!flock(fh.fd, LOCK_EX | LOCK_NB)) return 'held';
    if (!remove) return 'free';
    await unlink(path).catch((err: unknown) => {
      if (!isErrno(err, 'ENOENT')) throw err;
    });
    return 'removed';
  } finally {
    await fh.close();
  }
}
