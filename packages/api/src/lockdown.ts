// ced's folders as CVE-2021-41091 taught Docker: image layers (setuid-root
// binaries among them) and containers' files live under --root and --state,
// so no user but root may traverse into them. The only way in for others is
// the path to the API socket, which stays traversable (0711) while every
// folder beside it is owner-only.
import { lstat, mkdir, realpath } from 'node:fs/promises';
import { failedPrecondition } from '@ce/protocol';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { ensurePrivateDir, restrictDir, PRIVATE_DIR_MODE, type DirRepair } from '@ce/image-store';

/** Traversable, not listable: for a folder on the way to the socket. */
export const SOCKET_PATH_DIR_MODE = 0o711;

/** The content folders ced creates under root and state, made private before any layer writes into them. */
export const ROOT_FOLDERS = ['image-store', 'containers', 'volumes'];
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
 * content folders, and repairs every folder of ced's found looser than it must
 * be: root, state and the content folders 0700, except the folders on the way
 * from root or state down to the socket, which are 0711. Folders ced did not
 * make are left as they are, and a shared folder (world-writable or sticky,
 * such as /tmp) is refused as root or state rather than locked. Returns what
 * it repaired.
 */
export async function lockDownFolders(paths: LockdownPaths): Promise<DirRepair[]> {
  const repaired: DirRepair[] = [];
  const socket = resolve(paths.socket);
  const sockets = [socket, await realSocketPath(socket)];
  const top: Array<[string, string[], string]> = [
    [paths.root, ROOT_FOLDERS, '--root'],
    [paths.state, STATE_FOLDERS, '--state'],
  ];
  for (const [dir, folders, flag] of top) {
    await mkdir(dir, { recursive: true, mode: isWithin(resolve(dir), socket) ? SOCKET_PATH_DIR_MODE : PRIVATE_DIR_MODE });
    // A symlinked --root: the folder it points at is the one to lock.
    const real = await realpath(dir);
    await refuseShared(real, flag);
    for (const name of folders) {
      const made = await ensurePrivateDir(join(real, name));
      if (made.repaired) repaired.push(made.repaired);
    }
    for (const folder of foldersDownTo(real, sockets)) {
      const fixed = await restrictDir(folder, folder === real && !sockets.some((s) => isWithin(real, s)) ? PRIVATE_DIR_MODE : SOCKET_PATH_DIR_MODE);
      if (fixed) repaired.push(fixed);
    }
  }
  return repaired;
}

/** `top` and, when the socket lies below it, each folder on the way down to the socket's own folder. */
function foldersDownTo(top: string, sockets: string[]): string[] {
  const socket = sockets.find((s) => isWithin(top, s));
  if (!socket) return [top];
  const steps = relative(top, socket).split('/').slice(0, -1);
  return [top, ...steps.map((_, i) => join(top, ...steps.slice(0, i + 1)))];
}

/** /tmp and its like belong to everyone: locking them would break the host, and anyone could swap what ced puts there. */
async function refuseShared(dir: string, flag: string): Promise<void> {
  const st = await lstat(dir);
  if (st.mode & 0o1002) {
    throw failedPrecondition(`${flag} ${dir} is a shared folder (mode ${(st.mode & 0o7777).toString(8)}): give ced a folder of its own`);
  }
}

/** The socket's path with its folder's symlinks resolved (the socket itself may not exist yet). */
async function realSocketPath(socket: string): Promise<string> {
  const dir = await realpath(join(socket, '..')).catch(() => join(socket, '..'));
  return join(dir, socket.slice(socket.lastIndexOf('/') + 1));
}
