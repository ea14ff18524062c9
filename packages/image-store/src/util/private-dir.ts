// Folders that hold image or container content must not be traversable by
// other users: a setuid-root binary or a file a container wrote as root would
// otherwise be reachable through them (the class of CVE-2021-41091).
import { chmod, chown, lstat, mkdir, realpath } from 'node:fs/promises';
import { failedPrecondition } from '@ce/protocol';

/** Owner-only: what every content folder gets. */
export const PRIVATE_DIR_MODE = 0o700;

export interface DirRepair {
  path: string;
  /** Permission bits found, e.g. 0o755. */
  from: number;
  to: number;
}

/**
 * Creates `path` (and missing parents) and makes the folder it names, after
 * symlinks, owned by this process's user with exactly `mode`, repairing an
 * existing folder that is looser. Returns the real path and what was repaired.
 */
export async function ensurePrivateDir(path: string, mode = PRIVATE_DIR_MODE): Promise<{ path: string; repaired?: DirRepair }> {
  await mkdir(path, { recursive: true, mode });
  const real = await realpath(path);
  return { path: real, repaired: await restrictDir(real, mode) };
}

/** Sets an existing folder (not followed if it is a symlink) to `mode` and this user; undefined when it was so already. */
export async function restrictDir(path: string, mode: number): Promise<DirRepair | undefined> {
  const st = await lstat(path);
  if (!st.isDirectory()) throw failedPrecondition(`${path} must be a directory, and it is not`);
  const uid = process.geteuid?.();
  const gid = process.getegid?.();
  if (uid !== undefined && gid !== undefined && (st.uid !== uid || st.gid !== gid)) await chown(path, uid, gid);
  const from = st.mode & 0o7777;
  if (from === mode) return undefined;
  await chmod(path, mode);
  return { path, from, to: mode };
}
