import { readFile, rm } from 'node:fs/promises';
import type { Logger } from '@ce/protocol';

/** Is anything mounted at or below `dir` (in this process's mount namespace)? */
export async function mountedBelow(dir: string): Promise<boolean> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  return info.split('\n').some((line) => {
    const point = line.split(' ')[4]?.replace(/\\(\d{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
    return point !== undefined && (point === dir || point.startsWith(`${dir}/`));
  });
}

/**
 * Removes a task's bundle once its task is deleted. The rootfs mounted in it
 * is the shim's, and a shim that died leaves it to the supervisor
 * (docs/decisions/0024): ced unmounts nothing, and so must not reach into a
 * rootfs still mounted there (rm would delete the container's files through
 * it). Such a bundle is kept, with a warning.
 */
export async function removeBundle(bundle: string, logger: Logger): Promise<boolean> {
  if (await mountedBelow(bundle)) {
    logger.warn({ bundle }, 'bundle kept: its rootfs is still mounted (the supervisor unmounts what a shim left)');
    return false;
  }
  await rm(bundle, { recursive: true, force: true });
  return true;
}
