/*
 * ce-init: the container init helper of @ce/runtime (runc's nsexec pattern).
 *
 * The runtime spawns this fresh, single-threaded process with
 *   fd 0-2  the container's stdio
 *   fd 3    the plan (see plan.h), read until EOF
 *   fd 4    the sync channel: ce-init writes MSG_PID, MSG_READY or MSG_ERROR
 *   fd 5    optional: the go channel, runtime → ce-init: one byte once P's id
 *           maps are written (MSG_USERNS), one byte once the container init may
 *           go on (its cgroup is set), MSG_HOOKS_DONE after the runtime's hooks;
 *           without it they come on fd 4
 *   fd 6    optional: the console socket of OP_CONSOLE
 * and it only performs syscalls, in the order the plan lists them:
 *
 *   P (this process): opens the exec fifo, joins namespaces by path (setns),
 *     unshares a new user namespace and waits for its id maps, becomes its
 *     root, unshares the other new namespaces, forks C, reports C's pid, lets
 *     C go and exits. The runtime is a child subreaper, so C is reparented to it.
 *   C (the container init, pid 1 of a new pid namespace): mounts, devices,
 *     the hooks sync and createContainer hooks, pivot_root, the terminal,
 *     masked/read-only paths, hostname, rlimits, user and capabilities;
 *     resolves the executable (before the seccomp filter); reports ready; blocks opening the exec fifo for
 *     writing until `start` opens it for reading; runs startContainer hooks and
 *     writes "0" (or why a hook failed) to the fifo; moves preserved fds to
 *     3, 4, …, closes every fd above them and execs the process.
 *
 * Any failure is reported as a MSG_ERROR record (message "<step> <path>:
 * <reason>", the plan op, the errno, the path) and the process exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init.h"

static void vreport(struct init_ctx *ctx, int err, bool suffix, const char *path, const char *fmt, va_list ap) {
  char msg[3800];
  int n = vsnprintf(msg, sizeof msg, fmt, ap);
  if (n < 0) n = 0;
  if ((size_t)n >= sizeof msg) n = sizeof msg - 1;
  if (err && suffix) snprintf(msg + n, sizeof msg - (size_t)n, ": %s", strerror(err));
  char op[16], errnum[16];
  snprintf(op, sizeof op, "%u", (unsigned)ctx->op);
  snprintf(errnum, sizeof errnum, "%d", err);
  if (!path) path = ctx->op_path ? ctx->op_path : "";
  const char *argv[] = {msg, op, errnum, path};
  if (ctx->sync_fd < 0 || msg_write(ctx->sync_fd, MSG_ERROR, 4, argv) != 0) {
    /* Nobody listens any more (after ready): stderr is all that is left. */
    dprintf(2, "ce-init: %s\n", msg);
  }
}

void die(struct init_ctx *ctx, const char *fmt, ...) {
  int err = errno;
  va_list ap;
  va_start(ap, fmt);
  vreport(ctx, err, true, NULL, fmt, ap);
  va_end(ap);
  _exit(1);
}

void die_msg(struct init_ctx *ctx, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vreport(ctx, 0, false, NULL, fmt, ap);
  va_end(ap);
  _exit(1);
}

void die_at(struct init_ctx *ctx, int err, const char *path, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vreport(ctx, err, false, path, fmt, ap);
  va_end(ap);
  _exit(1);
}

/* The path argument of a plan op, for failure records; NULL when it has none. */
static const char *op_path(const struct plan_rec *rec) {
  uint32_t i;
  switch (rec->op) {
    case OP_EXEC_FIFO:
    case OP_ROOTFS:
    case OP_MKDIR:
    case OP_MKFILE:
    case OP_MKNOD:
    case OP_ROOTFS_HOST_NS:
    case OP_ENTER_ROOT:
    case OP_REMOUNT:
    case OP_MASK:
    case OP_READONLY:
    case OP_CHDIR:
      i = 0;
      break;
    case OP_SETNS:
    case OP_MOUNT:
    case OP_SYMLINK:
    case OP_HOOK:
      i = 1;
      break;
    default:
      return NULL;
  }
  return i < rec->argc ? rec->argv[i].data : NULL;
}

static void begin_op(struct init_ctx *ctx, const struct plan_rec *rec) {
  ctx->op = rec->op;
  ctx->op_path = op_path(rec);
}

const char *arg_str(struct init_ctx *ctx, const struct plan_rec *rec, uint32_t i) {
  if (i >= rec->argc) die_msg(ctx, "plan: op %u needs argument %u", rec->op, i + 1);
  return rec->argv[i].data;
}

uint64_t arg_u64(struct init_ctx *ctx, const struct plan_rec *rec, uint32_t i) {
  const char *s = arg_str(ctx, rec, i);
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s || *end) die_msg(ctx, "plan: op %u argument %u is not a number: %s", rec->op, i + 1, s);
  return v;
}

static char **arg_list(const struct plan_rec *rec) {
  char **list = calloc(rec->argc + 1, sizeof *list);
  if (!list) return NULL;
  for (uint32_t i = 0; i < rec->argc; i++) list[i] = (char *)rec->argv[i].data;
  return list;
}

static const struct {
  const char *name;
  int flag;
} ns_types[] = {
    {"user", CLONE_NEWUSER},   {"pid", CLONE_NEWPID}, {"network", CLONE_NEWNET}, {"ipc", CLONE_NEWIPC},
    {"uts", CLONE_NEWUTS},     {"mount", CLONE_NEWNS}, {"cgroup", CLONE_NEWCGROUP},
#ifdef CLONE_NEWTIME
    {"time", CLONE_NEWTIME},
#endif
};

static void op_setns(struct init_ctx *ctx, const char *type, const char *path) {
  int flag = -1;
  for (size_t i = 0; i < sizeof ns_types / sizeof ns_types[0]; i++)
    if (strcmp(ns_types[i].name, type) == 0) flag = ns_types[i].flag;
  if (flag < 0) die_msg(ctx, "join %s namespace %s: unknown namespace type", type, path);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) die(ctx, "join %s namespace %s", type, path);
  if (setns(fd, flag) != 0) die(ctx, "join %s namespace %s", type, path);
  close(fd);
}

static void run_child(struct init_ctx *ctx, const struct plan *plan, size_t first);

static bool is_parent_op(uint32_t op) {
  return op == OP_SETNS || op == OP_UNSHARE || op == OP_TIMENS_OFFSETS || op == OP_EXEC_FIFO || op == OP_USERNS_SYNC ||
         op == OP_BECOME_ROOT || op == OP_OOM_SCORE_ADJ;
}

/*
 * Every signal back to SIG_DFL, with the raw syscall: glibc's signal() refuses
 * its internal signals (32, 33), which its posix_spawn leaves ignored in the
 * child, and an ignored signal stays ignored across execve.
 */
static void reset_signals(void) {
  struct {
    void *handler;
    unsigned long flags;
    void *restorer;
    uint64_t mask;
  } dfl = {SIG_DFL, 0, NULL, 0};
  for (int sig = 1; sig <= 64; sig++)
    if (sig != SIGKILL && sig != SIGSTOP) syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(uint64_t));
}

int main(int argc, char **argv) {
  struct init_ctx ctx = {.sync_fd = 4, .go_fd = -1, .fifo_fd = -1, .root_fd = -1};
  int plan_fd = 3;
  if (argc > 1) plan_fd = atoi(argv[1]);
  if (argc > 2) ctx.sync_fd = atoi(argv[2]);
  if (argc > 3) ctx.go_fd = atoi(argv[3]);
  int console_fd = argc > 4 ? atoi(argv[4]) : -1; /* the console socket of an OP_CONSOLE */
  if (fcntl(ctx.sync_fd, F_SETFD, FD_CLOEXEC) != 0 || (ctx.go_fd >= 0 && fcntl(ctx.go_fd, F_SETFD, FD_CLOEXEC) != 0)) {
    dprintf(2, "ce-init: sync fds %d %d: %s\n", ctx.sync_fd, ctx.go_fd, strerror(errno));
    return 1;
  }
  /* posix_spawn passes every fd of the runtime's process that lacks
   * FD_CLOEXEC; none of them may be reachable from the container, even
   * through /proc/<pid>/fd while it is being set up (CVE-2024-21626). */
  if (argc > 6) {
    ctx.preserve_first = atoi(argv[5]);
    ctx.preserve_count = atoi(argv[6]);
    if (ctx.preserve_first < 3 || ctx.preserve_count < 0 || ctx.preserve_count > 4096) {
      dprintf(2, "ce-init: bad preserved fds %s %s\n", argv[5], argv[6]);
      return 1;
    }
  }
  int *keep = calloc((size_t)ctx.preserve_count + 4, sizeof *keep);
  if (!keep) return 1;
  size_t nkeep = 0;
  keep[nkeep++] = plan_fd;
  keep[nkeep++] = ctx.sync_fd;
  keep[nkeep++] = ctx.go_fd;
  keep[nkeep++] = console_fd;
  for (int k = 0; k < ctx.preserve_count; k++) keep[nkeep++] = ctx.preserve_first + k;
  close_fds_except(3, keep, nkeep);
  free(keep);
  /* The container's process starts with default signal handling, whatever
   * the runtime's process ignores (Node ignores SIGPIPE) or blocks. */
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  reset_signals();

  struct plan plan;
  const char *err = NULL;
  errno = 0;
  if (plan_read(plan_fd, &plan, &err) != 0) {
    if (errno) die(&ctx, "ce-init: %s", err);
    die_msg(&ctx, "ce-init: %s", err);
  }
  close(plan_fd);

  /* Joining a running container's namespaces (exec, shared namespaces): until
   * execve, no process in them may ptrace this one or open its /proc files,
   * which would reach the host through its fds and capabilities (runc's
   * nsexec rule, CVE-2016-9962). execve makes the user's process dumpable again. */
  for (size_t k = 0; k < plan.count; k++) {
    if (plan.recs[k].op != OP_SETNS) continue;
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) die(&ctx, "prctl PR_SET_DUMPABLE");
    ctx.joins = true;
    break;
  }

  /* P: namespaces first. */
  size_t i = 0;
  for (; i < plan.count && is_parent_op(plan.recs[i].op); i++) {
    const struct plan_rec *rec = &plan.recs[i];
    begin_op(&ctx, rec);
    switch (rec->op) {
      case OP_EXEC_FIFO: {
        const char *path = arg_str(&ctx, rec, 0);
        ctx.fifo_fd = open(path, O_PATH | O_CLOEXEC);
        if (ctx.fifo_fd < 0) die(&ctx, "open exec fifo %s", path);
        break;
      }
      case OP_USERNS_SYNC:
        op_userns_sync(&ctx);
        break;
      case OP_BECOME_ROOT:
        op_become_root(&ctx);
        break;
      case OP_SETNS:
        op_setns(&ctx, arg_str(&ctx, rec, 0), arg_str(&ctx, rec, 1));
        break;
      case OP_UNSHARE: {
        int flags = (int)arg_u64(&ctx, rec, 0);
        if (flags && unshare(flags) != 0) die(&ctx, "unshare namespaces (flags 0x%x)", flags);
        break;
      }
      case OP_TIMENS_OFFSETS:
        op_timens_offsets(&ctx, arg_str(&ctx, rec, 0));
        break;
      case OP_OOM_SCORE_ADJ:
        op_oom_score_adj(&ctx, arg_str(&ctx, rec, 0));
        break;
      default:
        die_msg(&ctx, "plan: unknown op %u", rec->op);
    }
  }

  ctx.op = 0;
  ctx.op_path = NULL;
  int go[2];
  if (pipe2(go, O_CLOEXEC) != 0) die(&ctx, "pipe");
  pid_t pid = fork();
  if (pid < 0) die(&ctx, "fork container init");
  if (pid == 0) {
    close(go[1]);
    char b;
    ssize_t r;
    do r = read(go[0], &b, 1);
    while (r < 0 && errno == EINTR);
    if (r != 1) _exit(1); /* P failed to report us; it already said why */
    close(go[0]);
    run_child(&ctx, &plan, i);
  }
  close(go[0]);
  char pidstr[32];
  snprintf(pidstr, sizeof pidstr, "%d", (int)pid);
  const char *pargv[] = {pidstr};
  if (msg_write(ctx.sync_fd, MSG_PID, 1, pargv) != 0 || write(go[1], "1", 1) != 1) {
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return 1;
  }
  /* Exit now: C is reparented to the runtime (a child subreaper), which reaps it. */
  return 0;
}

static void run_child(struct init_ctx *ctx, const struct plan *plan, size_t first) {
  if (setsid() < 0) die(ctx, "setsid");
  /* Devices and files are created with the modes the plan gives; the
   * process's umask is set by OP_UMASK. */
  umask(0);
  for (size_t i = first; i < plan->count; i++) {
    const struct plan_rec *rec = &plan->recs[i];
    begin_op(ctx, rec);
    switch (rec->op) {
      case OP_SYNC_WAIT: {
        char b;
        ssize_t r;
        do r = read(ctx->go_fd >= 0 ? ctx->go_fd : ctx->sync_fd, &b, 1);
        while (r < 0 && errno == EINTR);
        if (r != 1) _exit(1); /* the runtime gave up on this container */
        break; /* the go fd stays open for OP_HOOKS_SYNC; it is closed before execve */
      }
      case OP_CGROUP_NS:
        if (unshare(CLONE_NEWCGROUP) != 0) die(ctx, "unshare cgroup namespace");
        break;
      case OP_SESSION_KEYRING:
        op_session_keyring(ctx, arg_str(ctx, rec, 0));
        break;
      case OP_EXEC_FIFO: {
        const char *path = arg_str(ctx, rec, 0);
        ctx->fifo_fd = open(path, O_PATH | O_CLOEXEC);
        if (ctx->fifo_fd < 0) die(ctx, "open exec fifo %s", path);
        break;
      }
      case OP_ROOT_PROPAGATION:
        op_root_propagation(ctx, (unsigned long)arg_u64(ctx, rec, 0));
        break;
      case OP_ROOTFS:
        op_rootfs(ctx, arg_str(ctx, rec, 0));
        break;
      case OP_MKDIR:
        op_mkdir(ctx, arg_str(ctx, rec, 0), (mode_t)arg_u64(ctx, rec, 1));
        break;
      case OP_MKFILE:
        op_mkfile(ctx, arg_str(ctx, rec, 0), (mode_t)arg_u64(ctx, rec, 1));
        break;
      case OP_MOUNT:
        op_mount(ctx, arg_str(ctx, rec, 0), arg_str(ctx, rec, 1), arg_str(ctx, rec, 2), (unsigned long)arg_u64(ctx, rec, 3),
                 arg_str(ctx, rec, 4));
        break;
      case OP_MKNOD:
        op_mknod(ctx, arg_str(ctx, rec, 0), (mode_t)arg_u64(ctx, rec, 1), (unsigned)arg_u64(ctx, rec, 2),
                 (unsigned)arg_u64(ctx, rec, 3), (uid_t)arg_u64(ctx, rec, 4), (gid_t)arg_u64(ctx, rec, 5), arg_str(ctx, rec, 6));
        break;
      case OP_SYMLINK:
        op_symlink(ctx, arg_str(ctx, rec, 0), arg_str(ctx, rec, 1));
        break;
      case OP_PIVOT_ROOT:
        op_pivot_root(ctx);
        break;
      case OP_CHROOT:
        op_chroot(ctx);
        break;
      case OP_ROOTFS_HOST_NS:
        op_rootfs_host_ns(ctx, arg_str(ctx, rec, 0));
        break;
      case OP_ENTER_ROOT:
        op_enter_root(ctx, arg_str(ctx, rec, 0));
        break;
      case OP_REMOUNT:
        op_remount(ctx, arg_str(ctx, rec, 0), (unsigned long)arg_u64(ctx, rec, 1));
        break;
      case OP_MASK:
        op_mask(ctx, arg_str(ctx, rec, 0));
        break;
      case OP_READONLY:
        op_readonly(ctx, arg_str(ctx, rec, 0));
        break;
      case OP_SYSCTL:
        op_sysctl(ctx, arg_str(ctx, rec, 0), arg_str(ctx, rec, 1));
        break;
      case OP_HOSTNAME: {
        const char *name = arg_str(ctx, rec, 0);
        if (sethostname(name, rec->argv[0].len) != 0) die(ctx, "sethostname %s", name);
        break;
      }
      case OP_DOMAINNAME: {
        const char *name = arg_str(ctx, rec, 0);
        if (setdomainname(name, rec->argv[0].len) != 0) die(ctx, "setdomainname %s", name);
        break;
      }
      case OP_LOOPBACK_UP:
        op_loopback_up(ctx);
        break;
      case OP_OOM_SCORE_ADJ:
        op_oom_score_adj(ctx, arg_str(ctx, rec, 0));
        break;
      case OP_RLIMIT:
        op_rlimit(ctx, (int)arg_u64(ctx, rec, 0), arg_u64(ctx, rec, 1), arg_u64(ctx, rec, 2));
        break;
      case OP_CHDIR:
        op_chdir(ctx, arg_str(ctx, rec, 0));
        break;
      case OP_CAPBSET:
        op_capbset(ctx, arg_u64(ctx, rec, 0));
        break;
      case OP_KEEPCAPS:
        if (prctl(PR_SET_KEEPCAPS, (unsigned long)arg_u64(ctx, rec, 0), 0, 0, 0) != 0) die(ctx, "prctl PR_SET_KEEPCAPS");
        break;
      case OP_CAPSET:
        op_capset(ctx, arg_u64(ctx, rec, 0), arg_u64(ctx, rec, 1), arg_u64(ctx, rec, 2), arg_u64(ctx, rec, 3));
        break;
      case OP_UMASK:
        umask((mode_t)arg_u64(ctx, rec, 0));
        break;
      case OP_NO_NEW_PRIVS:
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die(ctx, "prctl PR_SET_NO_NEW_PRIVS");
        break;
      case OP_ENV:
        ctx->env = arg_list(rec);
        if (!ctx->env) die(ctx, "env");
        break;
      case OP_ARGS:
        ctx->args = arg_list(rec);
        if (!ctx->args) die(ctx, "args");
        break;
      case OP_RESOLVE_EXE:
      case OP_SETUSER: {
        /* the same user arguments; OP_RESOLVE_EXE has one more in front */
        uint32_t first = rec->op == OP_RESOLVE_EXE ? 1 : 0;
        uint32_t n = rec->argc >= first + 2 ? rec->argc - first - 2 : 0;
        gid_t *groups = calloc(n + 1, sizeof *groups);
        if (!groups) die(ctx, rec->op == OP_SETUSER ? "setuser" : "resolve executable");
        for (uint32_t g = 0; g < n; g++) groups[g] = (gid_t)arg_u64(ctx, rec, first + g + 2);
        uid_t uid = (uid_t)arg_u64(ctx, rec, first);
        gid_t gid = (gid_t)arg_u64(ctx, rec, first + 1);
        if (rec->op == OP_SETUSER)
          op_setuser(ctx, uid, gid, n, groups);
        else
          op_resolve_exe(ctx, arg_u64(ctx, rec, 0) != 0, uid, gid, n, groups);
        free(groups);
        break;
      }
      case OP_SECCOMP:
        if (rec->argc < 2) die_msg(ctx, "plan: op %u needs 2 arguments", rec->op);
        op_seccomp(ctx, (unsigned long)arg_u64(ctx, rec, 0), &rec->argv[1]);
        break;
      case OP_HOOKS_SYNC:
        op_hooks_sync(ctx);
        break;
      case OP_HOOK:
        op_hook(ctx, rec);
        break;
      case OP_CONSOLE:
        op_console(ctx, (int)arg_u64(ctx, rec, 0), (unsigned)arg_u64(ctx, rec, 1), (unsigned)arg_u64(ctx, rec, 2),
                   (uid_t)arg_u64(ctx, rec, 3));
        break;
      case OP_READY:
        op_ready(ctx);
      default:
        die_msg(ctx, "plan: unknown op %u", rec->op);
    }
  }
  die_msg(ctx, "plan: no ready op");
}
