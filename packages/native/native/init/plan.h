/*
 * The plan: the binary record format the runtime (@ce/runtime, src/plan/encode.ts)
 * writes to ce-init's plan fd, and the format of the messages ce-init writes
 * back on the sync fd.
 *
 *   plan    := magic "CEPLAN01" record*            (read until EOF)
 *   record  := u32 op, u32 argc, arg{argc}
 *   arg     := u32 len, byte{len}                  (binary safe; no terminator)
 *
 * All integers are little-endian. Numeric arguments are decimal ASCII.
 * The op numbers below are mirrored by packages/runtime/src/plan/ops.ts (a unit
 * test compares the two files).
 */
#ifndef CE_PLAN_H
#define CE_PLAN_H

#include <stddef.h>
#include <stdint.h>

#define PLAN_MAGIC "CEPLAN01"

/* ops performed by the parent (P), before it forks the container init */
#define OP_SETNS 1      /* type(name) path: join a namespace (setns) */
#define OP_UNSHARE 2    /* flags: CLONE_NEW* flags to unshare before fork */
#define OP_TIMENS_OFFSETS 50 /* text: written to /proc/self/timens_offsets after OP_UNSHARE, before fork ("<clock> <secs> <nanosecs>" lines) */
#define OP_USERNS_SYNC 45 /* (none): after unsharing a user namespace, report MSG_USERNS and wait for one byte
                             on the go fd: the runtime wrote /proc/<P>/{uid,gid}_map meanwhile */
#define OP_BECOME_ROOT 46 /* (none): setresgid/setresuid 0 (and no groups) in the new or joined user namespace */
/* OP_EXEC_FIFO is performed by P too when it comes before the fork (its path is opened before any namespace change) */

/* ops performed by the container init (C), in order */
#define OP_SYNC_WAIT 39       /* (none): wait for one byte from the runtime on the sync fd (cgroups applied) */
#define OP_CGROUP_NS 40       /* (none): unshare the cgroup namespace (after the runtime placed C in its cgroup) */
#define OP_EXEC_FIFO 10       /* path: open with O_PATH now, open for writing before exec */
#define OP_ROOT_PROPAGATION 11 /* flags: mount("", "/", NULL, flags) */
#define OP_ROOTFS 12          /* path: bind the rootfs onto itself; later ops *_IN_ROOT are relative to it */
#define OP_MKDIR 13           /* path mode: mkdir -p inside the rootfs */
#define OP_MKFILE 14          /* path mode: create an empty file (and parents) inside the rootfs */
#define OP_MOUNT 15           /* source dest fstype flags data: dest inside the rootfs; source "" = none */
#define OP_MKNOD 16           /* path mode major minor uid gid fallback: fallback = host node to bind on EPERM */
#define OP_SYMLINK 17         /* target linkpath: linkpath inside the rootfs; EEXIST ignored */
#define OP_PIVOT_ROOT 18      /* (none): pivot_root into the rootfs, detach the old root */
#define OP_CHROOT 19          /* (none): chroot into the rootfs instead of pivot_root */
#define OP_ROOTFS_HOST_NS 60  /* path: like OP_ROOTFS without a mount namespace of its own: the parent mount is
                                 left alone and the bind is made private, so that the container's mounts stay
                                 in its subtree and leave with it */
#define OP_ENTER_ROOT 61      /* path: chroot into path (no mount moves): the root change without a mount namespace */
#define OP_REMOUNT 20         /* path flags: after the root change, mount(NULL, path, NULL, MS_REMOUNT|flags) */
#define OP_MASK 21            /* path: /dev/null over a file, read-only tmpfs over a directory; ENOENT ignored */
#define OP_READONLY 22        /* path: bind onto itself read-only; ENOENT ignored */
#define OP_SYSCTL 23          /* key value */
#define OP_HOSTNAME 24        /* name */
#define OP_DOMAINNAME 25      /* name */
#define OP_LOOPBACK_UP 26     /* (none): bring "lo" up */
#define OP_OOM_SCORE_ADJ 27   /* value */
#define OP_RLIMIT 28          /* resource soft hard */
#define OP_CHDIR 29           /* path: may be retried after OP_SETUSER when it fails with EACCES */
#define OP_CAPBSET 30         /* mask: drop every bounding capability not in mask */
#define OP_KEEPCAPS 31        /* 0|1: PR_SET_KEEPCAPS */
#define OP_SETUSER 32         /* uid gid [additional gid...] */
#define OP_CAPSET 33          /* effective permitted inheritable ambient (u64 masks) */
#define OP_UMASK 34           /* mode (octal digits read as decimal value) */
#define OP_NO_NEW_PRIVS 35    /* (none) */
#define OP_ENV 36             /* entry...: the process environment */
#define OP_ARGS 37            /* arg...: the process arguments; args[0] is resolved against PATH from OP_ENV */
#define OP_RESOLVE_EXE 62     /* dac_override uid gid [additional gid...]: resolve args[0] (PATH from OP_ENV), executable
                                 for that user (who keeps CAP_DAC_OVERRIDE when dac_override is 1);
                                 comes before OP_SECCOMP so that no filter sees the lookup */
#define OP_SECCOMP 41         /* flags program: seccomp(SECCOMP_SET_MODE_FILTER, flags, program); program = struct sock_filter[] (binary) */
#define OP_HOOK 42            /* kind path timeout argc arg{argc} env...: kind "createContainer" runs the hook now
                                 (container namespaces, before the root change), "startContainer" after start,
                                 just before execve; the state on its stdin comes with MSG_HOOKS_DONE */
#define OP_HOOKS_SYNC 43      /* (none): report MSG_HOOKS (the runtime runs prestart and createRuntime hooks),
                                 then read MSG_HOOKS_DONE from the go fd */
#define OP_SESSION_KEYRING 47 /* name: join a new session keyring (runc's "_ses.<id>"), searchable by its user */
#define OP_CONSOLE 44         /* socket_fd rows cols uid: open a pty in the container's devpts, make the slave the
                                 controlling terminal and fds 0-2 (owned by uid), set its size unless 0x0, and
                                 send the master over the unix socket socket_fd (SCM_RIGHTS, data "/dev/ptmx") */
#define OP_READY 38           /* (none): after OP_RESOLVE_EXE, report ready, wait on the exec fifo (if any), execve */

/* messages written by ce-init on the sync fd (same record encoding, no magic) */
#define MSG_PID 100     /* pid: the container init's pid, from P */
#define MSG_READY 101   /* (none): from C, just before it waits on the exec fifo */
#define MSG_ERROR 102   /* text: from P or C; the process exits afterwards */
#define MSG_USERNS 103  /* pid: from P, after it unshared a user namespace: write its id maps, then one byte on the go fd */
#define MSG_HOOKS 104   /* (none): from C, before the root change: run prestart and createRuntime hooks, then MSG_HOOKS_DONE */
#define MSG_HOOKS_DONE 105 /* creating-state created-state: written by the runtime on the go fd, the OCI state JSON
                              for createContainer and startContainer hooks */

struct plan_arg {
  const char *data; /* NUL-terminated copy; len excludes the terminator */
  uint32_t len;
};

struct plan_rec {
  uint32_t op;
  uint32_t argc;
  struct plan_arg *argv;
};

struct plan {
  struct plan_rec *recs;
  size_t count;
};

/* Reads a whole plan from fd until EOF. Returns 0, or -1 with *err set to a static message. */
int plan_read(int fd, struct plan *plan, const char **err);

/* Reads one message record from fd into *rec (arguments NUL-terminated). Returns 0, or -1 (errno set; EPIPE at EOF). */
int msg_read(int fd, struct plan_rec *rec);

/* Writes one message record with a single write(2), texts cut to fit 4096 bytes.
 * Returns 0 or -1 (errno EMSGSIZE: more arguments than 4096 bytes hold). */
int msg_write(int fd, uint32_t type, int argc, const char *const *argv);

#endif
