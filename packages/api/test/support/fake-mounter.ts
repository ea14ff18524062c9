import type { Mounter } from '../../src/volumes/local-driver.js';

/** A Mounter that only records: what is mounted where, and every call. */
export function fakeMounter(o: { fail?: (device: string) => NodeJS.ErrnoException | undefined } = {}): Mounter & { mounted: Map<string, string>; calls: string[] } {
  const mounted = new Map<string, string>();
  const calls: string[] = [];
  return {
    mounted,
    calls,
    mount(device, target, type, options) {
      calls.push(`mount ${device} ${target} ${type} ${options.join(',')}`);
      const err = o.fail?.(device);
      if (err) throw err;
      mounted.set(target, device);
    },
    unmount(target) {
      calls.push(`unmount ${target}`);
      mounted.delete(target);
    },
    isMounted: (target) => mounted.has(target),
  };
}
