// The group of ced's API socket (dockerd's --group): members may use ce without root.
import { execFileSync } from 'node:child_process';
import { DEFAULT_SOCKET_GROUP } from './config.js';

export interface GroupLookup {
  /** The group's id, or undefined when there is no such group. */
  gid(name: string): number | undefined;
  /** Adds a system group (groupadd --system), as docker's package adds "docker". */
  add(name: string): void;
}

export const systemGroups: GroupLookup = {
  gid(name) {
    try {
      const entry = execFileSync('getent', ['group', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      return Number(entry.split(':')[2]);
    } catch {
      return undefined;
    }
  },
  add(name) {
    execFileSync('groupadd', ['--system', name], { stdio: ['ignore', 'ignore', 'pipe'] });
  },
};

/**
 * The gid the socket gets, or undefined to leave it root's: "" asks for none;
 * the default group is added when missing (a failure to add it is a warning, as
 * dockerd's missing "docker" group is); another missing group is an error.
 */
export function socketGroupId(name: string, groups: GroupLookup, warn: (message: string) => void): number | undefined {
  if (name === '') return undefined;
  if (/^\d+$/.test(name)) return Number(name);
  const gid = groups.gid(name);
  if (gid !== undefined) return gid;
  if (name !== DEFAULT_SOCKET_GROUP) throw new Error(`--group: group ${name} not found`);
  try {
    groups.add(name);
  } catch (err) {
    warn(`could not add group ${name} for the API socket (it stays root's): ${(err as Error).message.trim()}`);
    return undefined;
  }
  const added = groups.gid(name);
  if (added === undefined) warn(`group ${name} was added but cannot be found; the API socket stays root's`);
  return added;
}
