import { invalidArgument } from '@ce/protocol';

/** The highest id Docker accepts: above it, (uid_t)-1 means "leave unchanged" to setresuid and friends. */
export const MAX_ID = 2147483647;
export const ID_RANGE_MESSAGE = `uids and gids must be in range 0-${MAX_ID}`;

/** Who the container's process runs as: what the OCI spec's process.user and HOME need. */
export interface ExecUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  home: string;
}

interface UserSpec {
  user: string;
  group: string;
}

const NUMERIC = /^\d+$/;

/** A numeric id in Docker's range, or an invalid-argument error with Docker's message. */
function checkId(text: string): number {
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id > MAX_ID) throw invalidArgument(ID_RANGE_MESSAGE);
  return id;
}

/**
 * Splits "user[:group]" (names or numbers, as `docker run -u` takes it) and
 * refuses numeric ids out of range. Runs at create, before any file is read.
 */
export function parseUserSpec(spec: string): UserSpec {
  const colon = spec.indexOf(':');
  const user = colon < 0 ? spec : spec.slice(0, colon);
  const group = colon < 0 ? '' : spec.slice(colon + 1);
  if (group.includes(':')) throw invalidArgument(`invalid user "${spec}": expected user[:group]`);
  if (NUMERIC.test(user)) checkId(user);
  if (NUMERIC.test(group)) checkId(group);
  if (/^-\d+$/.test(user) || /^-\d+$/.test(group)) throw invalidArgument(ID_RANGE_MESSAGE);
  return { user, group };
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

function lines(text: string | null): string[][] {
  return (text ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(':'));
}

function parsePasswd(text: string | null): PasswdEntry[] {
  return lines(text)
    .filter((f) => f.length >= 4 && NUMERIC.test(f[2]!) && NUMERIC.test(f[3]!))
    .map((f) => ({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '' }));
}

function parseGroup(text: string | null): GroupEntry[] {
  return lines(text)
    .filter((f) => f.length >= 3 && NUMERIC.test(f[2]!))
    .map((f) => ({ name: f[0]!, gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) }));
}

/**
 * What `docker run -u` resolves against the container's /etc/passwd and
 * /etc/group (runc's libcontainer/user rules, which Docker uses): a user
 * found in passwd brings its gid, home and the groups that list it; a
 * numeric user not found there runs with gid 0 and home "/"; an explicit
 * group replaces the gid and drops the supplementary groups. The primary gid
 * is always a supplementary group as well (what Docker 20.10 does). Files
 * that are absent are passed as null.
 */
/** `groupAdd`: docker run --group-add, names or ids, added to the supplementary groups. */
export function resolveUser(spec: string, passwd: string | null, group: string | null, groupAdd: readonly string[] = []): ExecUser {
  const { user, group: groupArg } = parseUserSpec(spec);
  const result: ExecUser = { uid: 0, gid: 0, additionalGids: [], home: '/' };
  const users = parsePasswd(passwd);
  const match = !user ? users.find((u) => u.uid === 0) : NUMERIC.test(user) ? users.find((u) => u.uid === Number(user)) : users.find((u) => u.name === user);
  if (match) {
    result.uid = match.uid;
    result.gid = match.gid;
    result.home = match.home || '/';
  } else if (user) {
    if (!NUMERIC.test(user)) throw invalidArgument(`unable to find user ${user}: no matching entries in passwd file`);
    result.uid = checkId(user);
  }
  const groups = parseGroup(group);
  if (groupArg) {
    const g = NUMERIC.test(groupArg) ? groups.find((e) => e.gid === Number(groupArg)) : groups.find((e) => e.name === groupArg);
    if (g) result.gid = g.gid;
    else if (NUMERIC.test(groupArg)) result.gid = checkId(groupArg);
    else throw invalidArgument(`unable to find group ${groupArg}: no matching entries in group file`);
  }
  // Docker passes the primary gid as a supplementary group too, then the groups that list the user.
  const memberOf = !groupArg && match ? groups.filter((e) => e.members.includes(match.name)).map((e) => e.gid) : [];
  const added = groupAdd.map((name) => {
    const g = NUMERIC.test(name) ? groups.find((e) => e.gid === Number(name)) : groups.find((e) => e.name === name);
    if (g) return g.gid;
    if (NUMERIC.test(name)) return checkId(name);
    throw invalidArgument(`Unable to find group ${name}: no matching entries in group file`);
  });
  result.additionalGids = [...new Set([result.gid, ...memberOf, ...added])];
  // An entry in the image's own files may name an id out of range too.
  for (const id of [result.uid, result.gid, ...result.additionalGids]) if (id > MAX_ID) throw invalidArgument(ID_RANGE_MESSAGE);
  return result;
}
