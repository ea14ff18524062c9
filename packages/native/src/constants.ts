// Values from <sys/mount.h> and <sys/file.h> (x86_64 and arm64 agree).

/** mount(2) flags. */
export const MS = {
  RDONLY: 0x1,
  NOSUID: 0x2,
  NODEV: 0x4,
  NOEXEC: 0x8,
  SYNCHRONOUS: 0x10,
  REMOUNT: 0x20,
  MANDLOCK: 0x40,
  DIRSYNC: 0x80,
  NOSYMFOLLOW: 0x100,
  NOATIME: 0x400,
  NODIRATIME: 0x800,
  BIND: 0x1000,
  MOVE: 0x2000,
  REC: 0x4000,
  SILENT: 0x8000,
  UNBINDABLE: 0x20000,
  PRIVATE: 0x40000,
  SLAVE: 0x80000,
  SHARED: 0x100000,
  RELATIME: 0x200000,
  I_VERSION: 0x800000,
  STRICTATIME: 0x1000000,
  LAZYTIME: 0x2000000,
} as const;

export const MS_RDONLY = MS.RDONLY;
export const MS_NOSUID = MS.NOSUID;
export const MS_NODEV = MS.NODEV;
export const MS_NOEXEC = MS.NOEXEC;
export const MS_REMOUNT = MS.REMOUNT;
export const MS_NOATIME = MS.NOATIME;
export const MS_BIND = MS.BIND;
export const MS_MOVE = MS.MOVE;
export const MS_REC = MS.REC;
export const MS_PRIVATE = MS.PRIVATE;
export const MS_SLAVE = MS.SLAVE;
export const MS_SHARED = MS.SHARED;

export const MNT_FORCE = 0x1;
export const MNT_DETACH = 0x2;
export const UMOUNT_NOFOLLOW = 0x8;

export const LOCK_SH = 1;
export const LOCK_EX = 2;
export const LOCK_NB = 4;
export const LOCK_UN = 8;
