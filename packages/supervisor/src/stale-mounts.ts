import { readFile } from 'node:fs/promises';
import { MNT_DETACH, umount2 } from '@ce/native';
import type { Logger } from '@ce/protocol';

/** Mount points at or below `dir`, deepest first, from /proc/self/mountinfo. */
async function mountsBelow(dir: string): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const points = info
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => !!p)
    .map((p) => p.replace(/\\(\d{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))))
    .filter((p) => p === dir || p.startsWith(`${dir}/`));
  return points.sort((a, b) => b.length - a.length);
}

/** Unmounts what a dead shim left mounted below `dir`; how many mounts there were. */
export async function unmountStale(dir: string, logger: Logger): Promise<number> {
  const points = await mountsBelow(dir);
  for (const point of points) {
    logger.warn({ mount: point }, 'unmounting a rootfs left by a shim that is gone');
    umount2(point, MNT_DETACH);
  }
  return points.length;
}
