/* Shared state and helpers of the ce-init helper (see ce-init.c). */
#ifndef CE_INIT_H
#define CE_INIT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "plan.h"

struct init_ctx {
  int sync_fd;
  int go_fd;          /* the runtime writes one byte here once C may go on (cgroups applied); -1: use sync_fd */
  int fifo_fd;        /* O_PATH fd of the exec fifo, -1 until OP_EXEC_FIFO */
  int root_fd;        /* O_PATH fd of the rootfs, -1 until OP_ROOTFS */
  char *rootfs;       /* host path of the rootfs */
  bool rooted;        /* true once pivot_root/chroot happened */
  const char *pending_chdir; /* cwd that failed with EACCES as root; retried after OP_SETUSER */
  bool joins;         /* the plan joins existing namespaces: this process is not dumpable */
  int preserve_first; /* fds preserve_first.. are the caller's preserved fds: 3.. of the process (runc --preserve-fds) */
  int preserve_count;
  char **env;
  char **args;
  char *exe;          /* args[0] resolved by OP_RESOLVE_EXE */
  const char *hook_state_creating; /* OCI state JSON for createContainer hooks, from MSG_HOOKS_DONE */
  const char *hook_state_created;  /* ... and for startContainer hooks */
  uint32_t op;        /* the plan op being performed (0: none yet): the operation of a failure record */
  const char *op_path; /* the path that op is about, if any: the path of a failure record */
};

/*
 * Failures are reported as MSG_ERROR records: the message, the operation
 * (ctx->op), the errno (decimal, 0 for none) and the path (ctx->op_path or
 * the one given), so that the runtime decides from facts, not wording.
 */
/* Reports "<what>: <strerror(errno)>" with errno and exits 1. */
_Noreturn void die(struct init_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same without an errno suffix, and errno 0. */
_Noreturn void die_msg(struct init_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reports the message as it is, with the errno `err` and the path `path` (NULL: ctx->op_path), and exits 1. */
_Noreturn void die_at(struct init_ctx *ctx, int err, const char *path, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Parses a decimal argument; dies on garbage. */
uint64_t arg_u64(struct init_ctx *ctx, const struct plan_rec *rec, uint32_t i);
const char *arg_str(struct init_ctx *ctx, const struct plan_rec *rec, uint32_t i);

/* mounts.c */
void op_root_propagation(struct init_ctx *ctx, unsigned long flags);
void op_rootfs(struct init_ctx *ctx, const char *path);
void op_mkdir(struct init_ctx *ctx, const char *path, mode_t mode);
void op_mkfile(struct init_ctx *ctx, const char *path, mode_t mode);
void op_mount(struct init_ctx *ctx, const char *source, const char *dest, const char *fstype, unsigned long flags, const char *data);
void op_mknod(struct init_ctx *ctx, const char *path, mode_t mode, unsigned major, unsigned minor, uid_t uid, gid_t gid, const char *fallback);
void op_symlink(struct init_ctx *ctx, const char *target, const char *linkpath);
void op_pivot_root(struct init_ctx *ctx);
void op_chroot(struct init_ctx *ctx);
void op_rootfs_host_ns(struct init_ctx *ctx, const char *path);
void op_enter_root(struct init_ctx *ctx, const char *path);
void op_remount(struct init_ctx *ctx, const char *path, unsigned long flags);
void op_mask(struct init_ctx *ctx, const char *path);
void op_readonly(struct init_ctx *ctx, const char *path);

/* process.c */
void op_sysctl(struct init_ctx *ctx, const char *key, const char *value);
void op_timens_offsets(struct init_ctx *ctx, const char *offsets);
void op_loopback_up(struct init_ctx *ctx);
void op_oom_score_adj(struct init_ctx *ctx, const char *value);
void op_rlimit(struct init_ctx *ctx, int resource, uint64_t soft, uint64_t hard);
void op_chdir(struct init_ctx *ctx, const char *path);
void op_capbset(struct init_ctx *ctx, uint64_t keep);
void op_setuser(struct init_ctx *ctx, uid_t uid, gid_t gid, size_t ngroups, const gid_t *groups);
void op_capset(struct init_ctx *ctx, uint64_t eff, uint64_t perm, uint64_t inh, uint64_t amb);
/* Resolves args[0] against PATH, checked for the process's user (as the caller when
 * dac_override: the process keeps CAP_DAC_OVERRIDE): before any seccomp filter goes in. */
void op_resolve_exe(struct init_ctx *ctx, bool dac_override, uid_t uid, gid_t gid, size_t ngroups, const gid_t *groups);
_Noreturn void op_ready(struct init_ctx *ctx);
/* Closes every fd >= lowfd except those in keep. */
void close_fds_except(int lowfd, const int *keep, size_t nkeep);

/* seccomp.c */
void op_seccomp(struct init_ctx *ctx, unsigned long flags, const struct plan_arg *program);

/* userns.c (run by P) */
void op_userns_sync(struct init_ctx *ctx);
void op_become_root(struct init_ctx *ctx);

/* keyring.c */
void op_session_keyring(struct init_ctx *ctx, const char *name);

/* console.c */
void op_console(struct init_ctx *ctx, int sock, unsigned rows, unsigned cols, uid_t uid);

/* hooks.c */
void op_hooks_sync(struct init_ctx *ctx);
void op_hook(struct init_ctx *ctx, const struct plan_rec *rec);
/* Runs the startContainer hooks recorded by op_hook. Returns 0, or -1 with the reason in err. */
int run_start_hooks(struct init_ctx *ctx, char *err, size_t errlen);

#endif
