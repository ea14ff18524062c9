// Mirror of packages/native/native/init/plan.h (a unit test compares them).

/** Ops of a plan, in the numbering ce-init reads. */
export const Op = {
  // performed by ce-init's parent process (P), before it forks the container init
  SETNS: 1,
  UNSHARE: 2,
  TIMENS_OFFSETS: 50,
  USERNS_SYNC: 45,
  BECOME_ROOT: 46,
  // performed by the container init (C), in order
  EXEC_FIFO: 10,
  ROOT_PROPAGATION: 11,
  ROOTFS: 12,
  MKDIR: 13,
  MKFILE: 14,
  MOUNT: 15,
  MKNOD: 16,
  SYMLINK: 17,
  PIVOT_ROOT: 18,
  CHROOT: 19,
  ROOTFS_HOST_NS: 60,
  ENTER_ROOT: 61,
  REMOUNT: 20,
  MASK: 21,
  READONLY: 22,
  SYSCTL: 23,
  HOSTNAME: 24,
  DOMAINNAME: 25,
  LOOPBACK_UP: 26,
  OOM_SCORE_ADJ: 27,
  RLIMIT: 28,
  CHDIR: 29,
  CAPBSET: 30,
  KEEPCAPS: 31,
  SETUSER: 32,
  CAPSET: 33,
  UMASK: 34,
  NO_NEW_PRIVS: 35,
  ENV: 36,
  ARGS: 37,
  READY: 38,
  SYNC_WAIT: 39,
  CGROUP_NS: 40,
  RESOLVE_EXE: 62,
  SECCOMP: 41,
  HOOK: 42,
  HOOKS_SYNC: 43,
  CONSOLE: 44,
  SESSION_KEYRING: 47,
} as const;

export type OpName = keyof typeof Op;

/** Messages ce-init writes on the sync fd. */
export const Msg = {
  PID: 100,
  READY: 101,
  ERROR: 102,
  USERNS: 103,
  HOOKS: 104,
  HOOKS_DONE: 105,
} as const;

/** The fd on which ce-init finds the console socket of an OP_CONSOLE (see init-process.ts). */
export const CONSOLE_SOCKET_FD = 6;

export const PLAN_MAGIC = 'CEPLAN01';

/** An argument: numbers are sent as decimal text, strings as UTF-8, buffers as they are. */
export type PlanArg = string | number | bigint | Buffer;

/** One step of a plan: an op and its arguments. */
export interface PlanOp {
  op: OpName;
  args: PlanArg[];
}
