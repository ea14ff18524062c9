import { readFileSync, readlinkSync } from 'node:fs';
import { MNT_DETACH, umount2 } from '@ce/native';

/**
 * A container without a mount namespace of its own mounts in the host's mount
 * table: ce-init binds the rootfs onto itself (private) and makes every mount
 * of the config below it. These helpers find that bind and detach it, with
 * everything below it, when the container is deleted or its create fails.
 */

function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** The id of the topmost mount whose mount point is exactly `path` (0: none), from mountinfo text. */
export function topMountAt(path: string, mountinfo: string): number {
  const at: Array<{ id: number; parent: number }> = [];
  for (const line of mountinfo.split('\n')) {
    const f = line.split(' ');
    if (f.length < 5) continue;
    if (unescapeMountPath(f[4]!) === path) at.push({ id: Number(f[0]), parent: Number(f[1]) });
  }
  // stacked mounts at one mount point are each other's parents: the top one is nobody's
  const top = at.find((m) => !at.some((o) => o.parent === m.id));
  return top?.id ?? 0;
}

/** This process's mount namespace, e.g. "mnt:[4026531841]". */
export function ownMountNs(): string {
  return readlinkSync('/proc/self/ns/mnt');
}

export function readMountinfo(): string {
  return readFileSync('/proc/self/mountinfo', 'utf8');
}

/**
 * Detaches the mounts stacked on `path` above the mount `below` (the top mount
 * there before the container was created; 0: none). Each detach takes the
 * mounts below it in the tree along. Returns how many were detached.
 */
export function detachMountsAbove(path: string, below: number, read: () => string = readMountinfo, detach = (p: string) => umount2(p, MNT_DETACH)): number {
  let n = 0;
  for (let top = topMountAt(path, read()); top !== 0 && top !== below; top = topMountAt(path, read())) {
    if (n >= 16) throw new Error(`${path}: still has mounts stacked on it after ${n} detaches`);
    detach(path);
    n++;
  }
  return n;
}
