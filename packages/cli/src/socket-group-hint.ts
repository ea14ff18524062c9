// Why a user may not open ced's socket: the group whose members may.
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';

/** The name of the group of the socket at `target` (unix://PATH), or undefined when it is root's or cannot be told. */
export function socketGroupName(target: string): string | undefined {
  try {
    const { gid } = statSync(target.replace(/^unix:\/\//, ''));
    if (gid === 0) return undefined;
    const entry = execFileSync('getent', ['group', String(gid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return entry.split(':')[0] || undefined;
  } catch {
    return undefined;
  }
}
