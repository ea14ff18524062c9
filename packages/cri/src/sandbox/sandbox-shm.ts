// A pod's /dev/shm: a tmpfs on the host in the sandbox folder, which every
// container of the pod binds at /dev/shm, as containerd's CRI mounts one per
// sandbox (a mount inside the pause's mount namespace cannot be bound from
// another namespace).
import { mkdir } from 'node:fs/promises';
import { MNT_DETACH, MS_NODEV, MS_NOEXEC, MS_NOSUID, mount, SyscallError, umount2 } from '@ce/native';
import type { SandboxShm } from './sandbox-deps.js';

/** containerd's defaults: 64 MiB, world-writable with the sticky bit, nosuid, nodev, noexec. */
const SHM_OPTIONS = 'mode=1777,size=65536k';

export function hostShm(): SandboxShm {
  return {
    async mount(path) {
      await mkdir(path, { recursive: true, mode: 0o700 });
      mount('shm', path, 'tmpfs', MS_NOSUID | MS_NODEV | MS_NOEXEC, SHM_OPTIONS);
    },
    async unmount(path) {
      try {
        umount2(path, MNT_DETACH);
      } catch (err) {
        // Not mounted (EINVAL) or gone (ENOENT): nothing to do.
        if (!(err instanceof SyscallError && (err.code === 'EINVAL' || err.code === 'ENOENT'))) throw err;
      }
    },
  };
}
