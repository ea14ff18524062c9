// tmpfs mount options as Docker writes them (moby's ConvertTmpfsOptions and
// pkg/mount.MergeTmpfsOptions).
import { invalidArgument } from '../errors/index.js';
import type { TmpfsOptions } from './types.js';

/** --mount's tmpfs options as mount data: "ro", "mode=<octal>", "size=<n>[kmg]" (the largest unit that divides it). */
export function tmpfsOptionsData(options: TmpfsOptions | undefined, readOnly: boolean): string {
  const raw: string[] = [];
  if (readOnly) raw.push('ro');
  if (options?.Mode) raw.push(`mode=${options.Mode.toString(8)}`);
  if (options?.SizeBytes) {
    let size = options.SizeBytes;
    let suffix = '';
    for (const [s, divisor] of [['g', 2 ** 30], ['m', 2 ** 20], ['k', 2 ** 10]] as const) {
      if (size % divisor === 0) {
        size /= divisor;
        suffix = s;
        break;
      }
    }
    raw.push(`size=${size}${suffix}`);
  }
  return raw.join(',');
}

/** Mount flags by name; a name and its negation share a key, so the last one given wins. */
const FLAG_KEYS: Record<string, string> = {
  ro: 'rdonly', rw: 'rdonly',
  suid: 'nosuid', nosuid: 'nosuid',
  dev: 'nodev', nodev: 'nodev',
  exec: 'noexec', noexec: 'noexec',
  sync: 'sync', async: 'sync',
  dirsync: 'dirsync',
  remount: 'remount',
  mand: 'mand', nomand: 'mand',
  atime: 'noatime', noatime: 'noatime',
  diratime: 'nodiratime', nodiratime: 'nodiratime',
  bind: 'bind', rbind: 'rbind',
  relatime: 'relatime', norelatime: 'relatime',
  strictatime: 'strictatime', nostrictatime: 'strictatime',
  // one propagation mode only
  unbindable: 'propagation', runbindable: 'propagation', private: 'propagation', rprivate: 'propagation',
  shared: 'propagation', rshared: 'propagation', slave: 'propagation', rslave: 'propagation',
};

const DATA_KEYS = new Set(['size', 'mode', 'uid', 'gid', 'nr_inodes', 'nr_blocks', 'mpol']);

/** Options without repeats, the last of each kind kept, in their order; unknown options are Docker's error. */
export function mergeTmpfsOptions(options: readonly string[]): string[] {
  const seen = new Set<string>();
  const merged: string[] = [];
  for (const option of [...options].reverse()) {
    if (option === 'defaults') continue;
    const flag = FLAG_KEYS[option];
    if (flag) {
      if (!seen.has(`flag:${flag}`)) {
        merged.unshift(option);
        seen.add(`flag:${flag}`);
      }
      continue;
    }
    const eq = option.indexOf('=');
    const key = eq < 0 ? option : option.slice(0, eq);
    if (eq < 0 || !DATA_KEYS.has(key)) throw invalidArgument(`Invalid tmpfs option ${goQuotedList(eq < 0 ? [option] : [key, option.slice(eq + 1)])}`);
    if (!seen.has(`data:${key}`)) {
      merged.unshift(option);
      seen.add(`data:${key}`);
    }
  }
  return merged;
}

/** The options of a container's tmpfs mount as Docker writes them in the spec: noexec, nosuid, nodev, rprivate, then the asked ones. */
export function tmpfsMountOptions(data: string): string[] {
  return mergeTmpfsOptions(['noexec', 'nosuid', 'nodev', 'rprivate', ...(data ? data.split(',') : [])]);
}

/** Go's %q of a []string: ["a" "b"]. */
function goQuotedList(items: readonly string[]): string {
  return `[${items.map((i) => JSON.stringify(i)).join(' ')}]`;
}
