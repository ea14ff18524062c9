import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from './fs.js';

/**
 * Bytes of the regular files and symlinks under `dir` (as `du --apparent-size`
 * and Docker's layer sizes count them), each hard-linked inode once; 0 when
 * `dir` does not exist.
 */
export async function diskUsage(dir: string): Promise<number> {
  return (await measureTree(dir)).size;
}

/** diskUsage's bytes, and the number of entries under `dir` (itself not counted). */
export async function measureTree(dir: string): Promise<{ size: number; inodes: number }> {
  const seen = new Set<string>();
  let total = 0;
  let inodes = -1;
  const walk = async (path: string): Promise<void> => {
    let st;
    try {
      st = await lstat(path);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return;
      throw err;
    }
    if (st.nlink <= 1 || !seen.has(`${st.dev}:${st.ino}`)) inodes++;
    if (st.isDirectory()) {
      for (const name of await readdir(path)) await walk(join(path, name));
      return;
    }
    if (!st.isFile() && !st.isSymbolicLink()) return;
    const inode = `${st.dev}:${st.ino}`;
    if (st.nlink > 1) {
      if (seen.has(inode)) return;
      seen.add(inode);
    }
    total += st.size;
  };
  await walk(dir);
  return { size: total, inodes: Math.max(inodes, 0) };
}
