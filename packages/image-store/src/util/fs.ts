import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** fsync(2) on a directory, so that a rename or unlink in it is durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** A name for a temporary sibling of `path`, recognisable by its prefix. */
export function tempName(path: string, tag = 'tmp'): string {
  return join(dirname(path), `.${tag}-${basename(path)}-${randomBytes(6).toString('hex')}`);
}

/** Temporary file, fsync, rename, fsync of the folder: the one implementation, in @ce/protocol. */
export { writeFileAtomic } from '@ce/protocol/atomic-file';

export async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

export async function removeAll(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true, maxRetries: 3 });
}

export const isErrno = (err: unknown, ...codes: string[]): boolean =>
  err instanceof Error && codes.includes((err as NodeJS.ErrnoException).code ?? '');
