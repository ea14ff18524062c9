import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MNT_DETACH, mountAll, SyscallError, umount2, type MountSpec } from '@ce/native';

/** Assembles a bundle's rootfs from its mounts; all or nothing. */
export function mountRootfs(bundle: string, mounts: readonly MountSpec[]): string[] {
  const rootfs = join(bundle, 'rootfs');
  mountAll(mounts, rootfs);
  return mounts.map((m) => (m.target ? join(rootfs, m.target) : rootfs));
}

/**
 * Unmounts what mountRootfs mounted, innermost first. A mount still busy after
 * the container's processes are gone is detached rather than left behind.
 */
export async function unmountRootfs(targets: readonly string[]): Promise<void> {
  for (const target of [...targets].reverse()) {
    for (let attempt = 0; ; attempt++) {
      try {
        umount2(target, 0);
        break;
      } catch (err) {
        const code = err instanceof SyscallError ? err.code : '';
        if (code === 'EINVAL' || code === 'ENOENT') break; // not mounted (any more)
        if (code === 'EBUSY' && attempt < 10) {
          await sleep(20);
          continue;
        }
        umount2(target, MNT_DETACH);
        break;
      }
    }
  }
}
