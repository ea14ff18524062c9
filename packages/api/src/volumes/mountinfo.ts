// What /proc/self/mountinfo says about a path: whether it is a mount point,
// and the propagation of the mount it lives on.
import { readFileSync } from 'node:fs';

export interface MountInfoEntry {
  mountPoint: string;
  /** Optional fields: shared:N, master:N, propagate_from:N, unbindable. */
  optional: string[];
}

/** Octal escapes (\040 for a space) as the kernel writes them. */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

export function parseMountInfo(text: string): MountInfoEntry[] {
  const entries: MountInfoEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    if (fields.length < 7 || dash < 6) continue;
    entries.push({ mountPoint: unescape(fields[4]!), optional: fields.slice(6, dash) });
  }
  return entries;
}

export function readMountInfo(): MountInfoEntry[] {
  return parseMountInfo(readFileSync('/proc/self/mountinfo', 'utf8'));
}

export function isMountPoint(path: string, entries: readonly MountInfoEntry[] = readMountInfo()): boolean {
  return entries.some((e) => e.mountPoint === path);
}

/** The mount a (real, absolute) path lives on: the last-mounted longest mount point above it. */
export function mountOf(path: string, entries: readonly MountInfoEntry[] = readMountInfo()): MountInfoEntry | undefined {
  let best: MountInfoEntry | undefined;
  for (const e of entries) {
    const under = e.mountPoint === '/' || path === e.mountPoint || path.startsWith(`${e.mountPoint}/`);
    if (under && (!best || e.mountPoint.length >= best.mountPoint.length)) best = e;
  }
  return best;
}
