import { MS } from './constants.js';

/** mount(8) option → [flags to set, flags to clear] (runc's table). */
const FLAGS: Record<string, [number, number]> = {
  async: [0, MS.SYNCHRONOUS],
  atime: [0, MS.NOATIME],
  bind: [MS.BIND, 0],
  defaults: [0, 0],
  dev: [0, MS.NODEV],
  diratime: [0, MS.NODIRATIME],
  dirsync: [MS.DIRSYNC, 0],
  exec: [0, MS.NOEXEC],
  iversion: [MS.I_VERSION, 0],
  lazytime: [MS.LAZYTIME, 0],
  loud: [0, MS.SILENT],
  mand: [MS.MANDLOCK, 0],
  noatime: [MS.NOATIME, 0],
  nodev: [MS.NODEV, 0],
  nodiratime: [MS.NODIRATIME, 0],
  noexec: [MS.NOEXEC, 0],
  noiversion: [0, MS.I_VERSION],
  nolazytime: [0, MS.LAZYTIME],
  nomand: [0, MS.MANDLOCK],
  norelatime: [0, MS.RELATIME],
  nostrictatime: [0, MS.STRICTATIME],
  nosuid: [MS.NOSUID, 0],
  nosymfollow: [MS.NOSYMFOLLOW, 0],
  rbind: [MS.BIND | MS.REC, 0],
  relatime: [MS.RELATIME, 0],
  remount: [MS.REMOUNT, 0],
  ro: [MS.RDONLY, 0],
  rw: [0, MS.RDONLY],
  silent: [MS.SILENT, 0],
  strictatime: [MS.STRICTATIME, 0],
  suid: [0, MS.NOSUID],
  sync: [MS.SYNCHRONOUS, 0],
  // Recursive attributes (mount_setattr) approximated by their plain forms.
  rro: [MS.RDONLY, 0],
  rrw: [0, MS.RDONLY],
  rnosuid: [MS.NOSUID, 0],
  rnodev: [MS.NODEV, 0],
  rnoexec: [MS.NOEXEC, 0],
};

const PROPAGATION: Record<string, number> = {
  private: MS.PRIVATE,
  rprivate: MS.PRIVATE | MS.REC,
  shared: MS.SHARED,
  rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE,
  rslave: MS.SLAVE | MS.REC,
  unbindable: MS.UNBINDABLE,
  runbindable: MS.UNBINDABLE | MS.REC,
};

/** runc extensions that are not mount(2) options. */
const IGNORED = new Set(['tmpcopyup', 'notmpcopyup']);

export interface MountOptions {
  flags: number;
  /** Propagation flags, applied after the mount, in order. */
  propagation: number[];
  /** Filesystem options for mount(2)'s data argument. */
  data: string;
}

export function parseMountOptions(options: readonly string[] = []): MountOptions {
  let flags = 0;
  const propagation: number[] = [];
  const data: string[] = [];
  for (const o of options) {
    const f = FLAGS[o];
    if (f) flags = (flags | f[0]) & ~f[1];
    else if (o in PROPAGATION) propagation.push(PROPAGATION[o]!);
    else if (!IGNORED.has(o)) data.push(o);
  }
  return { flags, propagation, data: data.join(',') };
}

export function rootPropagation(value: string | undefined): number {
  if (!value) return MS.SLAVE | MS.REC;
  const p = PROPAGATION[value];
  if (p === undefined) throw new Error(`unknown propagation ${value}`);
  return p;
}

export const PROPAGATION_NAMES = Object.keys(PROPAGATION);
