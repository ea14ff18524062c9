// Docker's ContainerPathStat (the X-Docker-Container-Path-Stat header of
// /containers/{id}/archive): name, size, Go's os.FileMode bits, mtime and the
// in-container target of a symlink.
import type { Stats } from 'node:fs';

// Go's os.FileMode type bits.
export const GO_MODE = {
  dir: 2 ** 31,
  symlink: 2 ** 27,
  device: 2 ** 26,
  namedPipe: 2 ** 25,
  socket: 2 ** 24,
  setuid: 2 ** 23,
  setgid: 2 ** 22,
  charDevice: 2 ** 21,
  sticky: 2 ** 20,
} as const;

export interface ContainerPathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

/** Go's os.FileMode of a stat result. */
export function goFileMode(st: Stats): number {
  let mode = st.mode & 0o777;
  if (st.isDirectory()) mode += GO_MODE.dir;
  else if (st.isSymbolicLink()) mode += GO_MODE.symlink;
  else if (st.isFIFO()) mode += GO_MODE.namedPipe;
  else if (st.isSocket()) mode += GO_MODE.socket;
  else if (st.isCharacterDevice()) mode += GO_MODE.device + GO_MODE.charDevice;
  else if (st.isBlockDevice()) mode += GO_MODE.device;
  if (st.mode & 0o4000) mode += GO_MODE.setuid;
  if (st.mode & 0o2000) mode += GO_MODE.setgid;
  if (st.mode & 0o1000) mode += GO_MODE.sticky;
  return mode;
}

const hasBit = (mode: number, bit: number) => Math.floor(mode / bit) % 2 === 1;
export const isGoDir = (mode: number) => hasBit(mode, GO_MODE.dir);
export const isGoSymlink = (mode: number) => hasBit(mode, GO_MODE.symlink);
/** Docker's ValidateOutputPathFileMode: a device is no place to copy to. */
export const isGoDevice = (mode: number) => hasBit(mode, GO_MODE.device);
