import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Bytes and inodes used under a folder, as containerd's snapshot usage counts them. */
export type DiskUsage = (path: string) => Promise<{ bytes: number; inodes: number }>;

/**
 * Walks the tree: allocated bytes (st_blocks × 512) and one inode per file,
 * hard links counted once; a folder that vanishes mid-walk counts as empty.
 */
export const walkDiskUsage: DiskUsage = async (root) => {
  const seen = new Set<string>();
  let bytes = 0;
  const visit = async (path: string): Promise<void> => {
    let stat;
    try {
      stat = await lstat(path, { bigint: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const key = `${stat.dev}:${stat.ino}`;
    if (seen.has(key)) return;
    seen.add(key);
    bytes += Number(stat.blocks) * 512;
    if (!stat.isDirectory()) return;
    let names: string[];
    try {
      names = await readdir(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const name of names) await visit(join(path, name));
  };
  await visit(root);
  return { bytes, inodes: seen.size };
};
