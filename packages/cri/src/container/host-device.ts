// Host device nodes as an OCI spec names them: a CRI Device's host path, and
// every device of the host for a privileged container.
import { lstat, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidArgument } from '@ce/protocol';
import type { LinuxDevice } from '@ce/runtime/spec';

/** major/minor of a Linux dev_t (glibc's gnu_dev_major/minor). */
const major = (rdev: number) => Number(((BigInt(rdev) >> 8n) & 0xfffn) | ((BigInt(rdev) >> 32n) & ~0xfffn));
const minor = (rdev: number) => Number((BigInt(rdev) & 0xffn) | ((BigInt(rdev) >> 12n) & ~0xffn));

/** The device at `hostPath` (symlinks followed), to appear at `containerPath`. */
export async function hostDevice(hostPath: string, containerPath: string): Promise<LinuxDevice> {
  const st = await stat(hostPath).catch((err: NodeJS.ErrnoException) => {
    throw invalidArgument(`failed to generate device options: no such device ${JSON.stringify(hostPath)}: ${err.code ?? err.message}`);
  });
  if (!st.isCharacterDevice() && !st.isBlockDevice()) throw invalidArgument(`failed to generate device options: ${JSON.stringify(hostPath)} is not a device node`);
  return { path: containerPath, type: st.isBlockDevice() ? 'b' : 'c', major: major(st.rdev), minor: minor(st.rdev), fileMode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
}

/** Folders of /dev that hold no devices a container should get (as runc's HostDevices skips them). */
const SKIPPED = new Set(['pts', 'shm', 'fd', 'mqueue', '.lxc', '.lxd-mounts', '.udev']);

/** Every character and block device under /dev but /dev/console, for privileged containers. */
export async function allHostDevices(dir = '/dev'): Promise<LinuxDevice[]> {
  const found: LinuxDevice[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const path = join(dir, name);
    const st = await lstat(path).catch(() => null);
    if (!st) continue;
    if (st.isDirectory() && !SKIPPED.has(name)) found.push(...(await allHostDevices(path)));
    else if ((st.isCharacterDevice() || st.isBlockDevice()) && path !== '/dev/console') found.push(await hostDevice(path, path));
  }
  return found;
}
