import { lstat, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Process } from './types.js';

const MAX_LINKS = 40;

/**
 * The host path of `path` inside `root`, symlinks resolved as if `root`
 * were "/" (an absolute target restarts at `root`, ".." stops there), or
 * null when it does not exist. Nothing outside `root` is ever reached.
 */
async function resolveInRoot(root: string, path: string): Promise<string | null> {
  let pending = path.split('/').filter(Boolean);
  const done: string[] = [];
  let links = 0;
  while (pending.length) {
    const part = pending.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const host = join(root, ...done, part);
    let st;
    try {
      st = await lstat(host);
    } catch {
      return null;
    }
    if (st.isSymbolicLink()) {
      if (++links > MAX_LINKS) return null;
      const target = await readlink(host);
      if (target.startsWith('/')) done.length = 0;
      pending = [...target.split('/').filter(Boolean), ...pending];
      continue;
    }
    done.push(part);
  }
  return join(root, ...done);
}

/** The home of `uid` in the rootfs's /etc/passwd, "/" when it has none (runc's default). */
export async function homeOf(rootfs: string, uid: number): Promise<string> {
  const path = await resolveInRoot(rootfs, '/etc/passwd');
  if (!path) return '/';
  let text: string;
  try {
    const st = await lstat(path);
    if (!st.isFile()) return '/';
    text = await readFile(path, 'utf8');
  } catch {
    return '/';
  }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length >= 6 && /^\d+$/.test(f[2]!) && Number(f[2]) === uid) return f[5] || '/';
  }
  return '/';
}

/** runc's rule: a process whose env has no HOME gets its user's home from the container's passwd. */
export async function withHomeEnv(proc: Process, rootfs: string): Promise<Process> {
  const env = proc.env ?? [];
  if (env.some((e) => e.startsWith('HOME='))) return proc;
  return { ...proc, env: [...env, `HOME=${await homeOf(rootfs, proc.user.uid)}`] };
}
