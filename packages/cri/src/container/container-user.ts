// Who a CRI container's process runs as, as containerd resolves it: the
// security context's run_as_user / run_as_username / run_as_group, else the
// image config's User, looked up in the image's own /etc/passwd and /etc/group
// (read from its layers: the rootfs is not mounted yet).
import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidArgument } from '@ce/protocol';
import type { Mount } from '@ce/protocol/gen/ce/types/v1/mount';

export interface ProcessUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
}

export interface UserRequest {
  uid?: number;
  username?: string;
  gid?: number;
  /** The image config's User: "user[:group]", names or numbers. */
  imageUser: string;
  supplementalGroups: number[];
}

const NUMERIC = /^\d+$/;

const entries = (text: string | null) =>
  (text ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(':'));

export function resolveProcessUser(request: UserRequest, passwd: string | null, group: string | null): ProcessUser {
  let [user = '', groupName = ''] = request.imageUser.split(':');
  if (request.uid !== undefined) [user, groupName] = [String(request.uid), ''];
  else if (request.username) [user, groupName] = [request.username, ''];
  if (request.gid !== undefined) groupName = String(request.gid);
  const users = entries(passwd)
    .filter((f) => f.length >= 4 && NUMERIC.test(f[2]!) && NUMERIC.test(f[3]!))
    .map((f) => ({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5] || '/' }));
  const groups = entries(group)
    .filter((f) => f.length >= 3 && NUMERIC.test(f[2]!))
    .map((f) => ({ name: f[0]!, gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) }));
  const match = !user ? users.find((u) => u.uid === 0) : NUMERIC.test(user) ? users.find((u) => u.uid === Number(user)) : users.find((u) => u.name === user);
  if (!match && user && !NUMERIC.test(user)) throw invalidArgument(`failed to resolve user ${JSON.stringify(user)}: no users found in the image's /etc/passwd`);
  const result: ProcessUser = { uid: match?.uid ?? Number(user || 0), gid: match?.gid ?? 0, additionalGids: [], home: match?.home ?? '/' };
  if (groupName) {
    const g = NUMERIC.test(groupName) ? { gid: Number(groupName) } : groups.find((e) => e.name === groupName);
    if (!g) throw invalidArgument(`failed to resolve group ${JSON.stringify(groupName)}: no groups found in the image's /etc/group`);
    result.gid = g.gid;
  }
  // containerd's WithAdditionalGIDs: the groups of /etc/group that list the user, then the pod's supplemental groups.
  const memberOf = match ? groups.filter((e) => e.members.includes(match.name)).map((e) => e.gid) : [];
  result.additionalGids = [...new Set([...memberOf, ...request.supplementalGroups])];
  return result;
}

/**
 * A small file of an image's rootfs read from the layer folders of its mounts
 * (overlay's upperdir then lowerdirs, or a bind's source): the topmost layer
 * holding the path wins; a whiteout, a symlink on the way or no such file is
 * null. (Overlay's opaque folders, an xattr, are not looked at: an image's
 * /etc/passwd does not sit under one in practice.)
 */
export async function readImageFile(mounts: readonly Mount[], relPath: string): Promise<string | null> {
  const m = mounts[0];
  if (!m) return null;
  const option = (name: string) => m.options.find((o) => o.startsWith(`${name}=`))?.slice(name.length + 1);
  const layers = m.type === 'bind' ? [m.source] : [option('upperdir'), ...(option('lowerdir')?.split(':') ?? [])].filter((d): d is string => !!d);
  const parts = relPath.split('/').filter(Boolean);
  for (const layer of layers) {
    let path = layer;
    let found: 'file' | 'hidden' | 'absent' = 'absent';
    for (let i = 0; i < parts.length; i++) {
      path = join(path, parts[i]!);
      const st = await lstat(path).catch(() => null);
      if (!st) break;
      if ((st.isCharacterDevice() && st.rdev === 0) || st.isSymbolicLink()) {
        found = 'hidden';
        break;
      }
      if (i === parts.length - 1) found = st.isFile() ? 'file' : 'hidden';
      else if (!st.isDirectory()) {
        found = 'hidden';
        break;
      }
    }
    if (found === 'file') return readFile(path, 'utf8');
    if (found === 'hidden') return null;
  }
  return null;
}
