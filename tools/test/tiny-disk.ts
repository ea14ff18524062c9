// A tiny tmpfs to fill up, for the tests of logs on a full disk (root only).
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A folder on its own tmpfs of `size` (e.g. '256k'); `remove` unmounts and deletes it. */
export function tinyDisk(size: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'ce-log-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir]);
  return {
    dir,
    remove: () => {
      execFileSync('umount', [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Fills the disk with a ballast file until ENOSPC; removing it frees the space again. */
export function fillDisk(path: string, blockSize = 64 * 1024): void {
  const fd = openSync(path, 'w');
  const block = Buffer.alloc(blockSize, 0x61);
  try {
    for (;;) writeSync(fd, block);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
}
