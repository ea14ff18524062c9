import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import type { LinuxDevice } from '@ce/runtime/spec';
import type { HostResources } from './resource-options.js';

/** Folders of /dev that hold no devices a container should get (runc's HostDevices skips them too). */
const SKIPPED_DIRS = new Set(['pts', 'shm', 'fd', 'mqueue', '.lxc', '.lxd-mounts', '.udev']);

/** major/minor of a Linux dev_t (glibc's gnu_dev_major/minor). */
const major = (rdev: number) => Number(((BigInt(rdev) >> 8n) & 0xfffn) | ((BigInt(rdev) >> 32n) & ~0xfffn));
const minor = (rdev: number) => Number((BigInt(rdev) & 0xffn) | ((BigInt(rdev) >> 12n) & ~0xffn));

/** Every character and block device under `dir` (default /dev), for --privileged containers. */
export function hostDevices(dir = '/dev'): LinuxDevice[] {
  const found: LinuxDevice[] = [];
  const walk = (d: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return; // gone or unreadable: nothing to pass on
    }
    for (const name of names) {
      const path = join(d, name);
      let st;
      try {
        st = lstatSync(path);
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        if (!SKIPPED_DIRS.has(name)) walk(path);
      } else if ((st.isCharacterDevice() || st.isBlockDevice()) && path !== '/dev/console') {
        found.push({ path, type: st.isBlockDevice() ? 'b' : 'c', major: major(st.rdev), minor: minor(st.rdev), fileMode: st.mode & 0o7777, uid: st.uid, gid: st.gid });
      }
    }
  };
  walk(dir);
  return found;
}

/** One host device for --device (symlinks followed, as Docker does); throws ENOENT or "not a device node". */
export function hostDevice(path: string): Omit<LinuxDevice, 'path'> {
  const st = statSync(path);
  if (!st.isCharacterDevice() && !st.isBlockDevice()) throw new Error('not a device node');
  return { type: st.isBlockDevice() ? 'b' : 'c', major: major(st.rdev), minor: minor(st.rdev), fileMode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
}

/** The host's CPUs and memory nodes, for the --cpus and --cpuset checks. */
export function hostResources(): HostResources {
  const read = (p: string, fallback: string) => {
    try {
      return readFileSync(p, 'utf8').trim() || fallback;
    } catch {
      return fallback;
    }
  };
  const onlineCpus = read('/sys/devices/system/cpu/online', `0-${cpus().length - 1}`);
  return { cpuCount: availableParallelism(), onlineCpus, onlineMems: read('/sys/devices/system/node/online', '0') };
}
