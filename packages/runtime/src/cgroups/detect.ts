import { readFileSync } from 'node:fs';
import type { CgroupLayout, CgroupMode, Hierarchy } from './types.js';

function unescapeMountinfo(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** The cgroup hierarchies listed in /proc/self/mountinfo. */
export function parseCgroupMounts(mountinfo: string): { v1: Hierarchy[]; v2: Hierarchy[] } {
  const v1: Hierarchy[] = [];
  const v2: Hierarchy[] = [];
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const fields = line.slice(0, sep).split(' ');
    const [fstype, , superOptions = ''] = line.slice(sep + 3).split(' ');
    if (fields.length < 5) continue;
    const root = unescapeMountinfo(fields[3]!);
    const mountpoint = unescapeMountinfo(fields[4]!);
    if (fstype === 'cgroup2') v2.push({ mountpoint, root, controllers: [] });
    else if (fstype === 'cgroup') {
      const skip = new Set(['rw', 'ro', 'noprefix', 'clone_children', 'xattr', 'cpuset_v2_mode', 'favordynmods']);
      const controllers = superOptions.split(',').filter((o) => o && !skip.has(o) && !o.startsWith('release_agent='));
      // the same hierarchy may be mounted twice; keep the first
      if (!v1.some((h) => h.controllers.join(',') === controllers.join(','))) v1.push({ mountpoint, root, controllers });
    }
  }
  return { v1, v2 };
}

/** /proc/<pid>/cgroup as a map: "" → v2 path, "cpu,cpuacct" → v1 path. */
export function parseProcCgroup(text: string): Map<string, string> {
  const own = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (m) own.set(m[2]!, m[3]!);
  }
  return own;
}

/**
 * Decides the mode from the mounts: v2 when a cgroup2 hierarchy is the only
 * kind, hybrid when v1 controllers sit beside a cgroup2 mount (usually
 * /sys/fs/cgroup/unified), v1 otherwise.
 */
export function detectLayout(mountinfo: string, procSelfCgroup: string): CgroupLayout {
  const { v1, v2 } = parseCgroupMounts(mountinfo);
  const own = parseProcCgroup(procSelfCgroup);
  const realV1 = v1.filter((h) => h.controllers.some((c) => !c.startsWith('name=')));
  let mode: CgroupMode;
  if (realV1.length === 0 && v2.length > 0) mode = 'v2';
  else if (v2.length > 0) mode = 'hybrid';
  else mode = 'v1';
  if (realV1.length === 0 && v2.length === 0) throw new Error('no cgroup hierarchy is mounted');
  return { mode, v1: mode === 'v2' ? [] : v1, unified: v2[0], own };
}

/** Detects this machine's layout from /proc/self/mountinfo and /proc/self/cgroup. */
export function detectCgroups(): CgroupLayout {
  return detectLayout(readFileSync('/proc/self/mountinfo', 'utf8'), readFileSync('/proc/self/cgroup', 'utf8'));
}
