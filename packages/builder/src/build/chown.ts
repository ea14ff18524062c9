// --chown=user[:group]: numbers as they are, names looked up in the
// destination tree's /etc/passwd and /etc/group (Docker's
// parseChownFlag); a user alone gives its primary group, as Docker does
// for a name, and the same number for a uid.
import { readFile } from 'node:fs/promises';
import { ScopedFs } from '@ce/protocol/copy';
import { BuildError } from './build-error.js';
import type { Owner } from './copy-files.js';

async function readEntries(root: string | undefined, file: string): Promise<string[][]> {
  if (!root) return [];
  const tree = new ScopedFs(root);
  try {
    const text = await readFile(tree.hostPath(await tree.resolve(file)), 'utf8');
    return text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(':'));
  } catch {
    return [];
  }
}

/** Resolves `chown` in the tree at `root` (none for a stage FROM scratch: numbers only). */
export async function resolveChown(chown: string, root: string | undefined): Promise<Owner> {
  const [user = '', group] = chown.split(':');
  const isNumber = (s: string) => /^\d+$/.test(s);
  let uid: number;
  let primaryGid: number | undefined;
  if (isNumber(user)) {
    uid = Number(user);
    primaryGid = uid;
  } else {
    const entry = (await readEntries(root, '/etc/passwd')).find((e) => e[0] === user);
    if (!entry) throw new BuildError(`unable to convert uid/gid chown string to host mapping: can't find uid for user ${user}: no such user: ${user}`);
    uid = Number(entry[2]);
    primaryGid = Number(entry[3]);
  }
  if (group === undefined) return { uid, gid: primaryGid };
  if (isNumber(group)) return { uid, gid: Number(group) };
  const entry = (await readEntries(root, '/etc/group')).find((e) => e[0] === group);
  if (!entry) throw new BuildError(`unable to convert uid/gid chown string to host mapping: can't find gid for group ${group}: no such group: ${group}`);
  return { uid, gid: Number(entry[2]) };
}
