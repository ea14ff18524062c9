// The local driver's mounts through @ce/native (mount(2), umount2(2)).
import { MNT_DETACH, mount, parseMountOptions, umount2 } from '@ce/native';
import type { Mounter } from './local-driver.js';
import { isMountPoint } from './mountinfo.js';

export const nativeMounter: Mounter = {
  mount(device, target, type, options) {
    const { flags, propagation, data } = parseMountOptions(options);
    try {
      mount(device, target, type, flags, data || null);
    } catch (err) {
      throw Object.assign(err as Error, { flags });
    }
    for (const p of propagation) mount(null, target, null, p, null);
  },
  unmount(target) {
    try {
      umount2(target, 0);
    } catch (err) {
      // Busy (a process of a container that is gone still holds it): detached, as Docker's fallback does.
      if ((err as { code?: string }).code !== 'EBUSY') throw err;
      umount2(target, MNT_DETACH);
    }
  },
  isMounted: (target) => isMountPoint(target),
};
