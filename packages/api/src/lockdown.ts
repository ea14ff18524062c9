// ced's folders as CVE-2021-41091 taught Docker: image layers (setuid-root
// binaries among them) and containers' files live under --root and --state,
// so no user but root may traverse into them. The only way in for others is
// the path to the API socket, which stays traversable (0711) while every
// folder beside it is owner-only.
import { lstat, readdir } from 'node:fs/promises';
import { mkdir, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { ensurePrivateDir, restrictDir, PRIVATE_DIR_MODE, type DirRepair } from '@ce/image-store';

/** Traversable, not listable: for a folder on the way to the socket. */
export const SOCKET_PATH_DIR_MODE = 0o711;

/** The content folders ced creates under root and state, made private before any layer writes into them. */
export const ROOT_FOLDERS = ['image-store', 'containers'];
export const STATE_FOLDERS = ['tasks', 'runtime', 'shims'];

export interface LockdownPaths {
  root: string;
  state: string;
  socket: string;
}

const isWithin = (dir: string, path: string) => {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
};

/**
 * Creates root and state (following them if they are symlinks) and their
 * content folders, and repairs every folder found looser than it must be:
 * a folder is 0700, or 0711 if the socket lies beneath it; below a 0711
 * folder each subfolder is checked by the same rule. Returns what it repaired.
 */
export async function lockDownFolders(paths: LockdownPaths): Promise<DirRepair[]> {
  const repaired: DirRepair[] = [];
  const socket = resolve(paths.socket);
  const top: Array<[string, string[]]> = [
    [paths.root, ROOT_FOLDERS],
    [paths.state, STATE_FOLDERS],
  ];
  for (const [dir, folders] of top) {
    await mkdir(dir, { recursive: true, mode: isWithin(resolve(dir), socket) ? SOCKET_PATH_DIR_MODE : PRIVATE_DIR_MODE });
    // A symlinked --root: the folder it points at is the one to lock.
    const real = await realpath(dir);
    for (const name of folders) {
      const made = await ensurePrivateDir(join(real, name));
      if (made.repaired) repaired.push(made.repaired);
    }
    await restrictTree(real, [socket, await realSocketPath(socket)], repaired);
  }
  return repaired;
}

/** `dir` and, while the socket (named as given or resolved) lies below, its subfolders. */
async function restrictTree(dir: string, sockets: string[], repaired: DirRepair[]): Promise<void> {
  const onSocketPath = sockets.some((s) => isWithin(dir, s));
  const fixed = await restrictDir(dir, onSocketPath ? SOCKET_PATH_DIR_MODE : PRIVATE_DIR_MODE);
  if (fixed) repaired.push(fixed);
  if (!onSocketPath) return;
  for (const name of await readdir(dir)) {
    const child = join(dir, name);
    const st = await lstat(child).catch(() => undefined);
    // A symlink is not followed: what it points at is not ced's to change.
    if (!st?.isDirectory()) continue;
    await restrictTree(child, sockets, repaired);
  }
}

/** The socket's path with its folder's symlinks resolved (the socket itself may not exist yet). */
async function realSocketPath(socket: string): Promise<string> {
  const dir = await realpath(join(socket, '..')).catch(() => join(socket, '..'));
  return join(dir, socket.slice(socket.lastIndexOf('/') + 1));
}
