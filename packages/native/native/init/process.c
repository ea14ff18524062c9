/* Process steps of ce-init: sysctls, rlimits, user, capabilities, exec. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "init.h"

#ifndef SYS_close_range
#define SYS_close_range 436
#endif

static int write_file(const char *path, const char *value) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t len = strlen(value);
  ssize_t w = write(fd, value, len);
  int saved = errno;
  close(fd);
  if (w != (ssize_t)len) return errno = w < 0 ? saved : EIO, -1;
  return 0;
}

void op_sysctl(struct init_ctx *ctx, const char *key, const char *value) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "/proc/sys/%s", key);
  for (char *p = path + strlen("/proc/sys/"); *p; p++)
    if (*p == '.') *p = '/';
  if (write_file(path, value) != 0) die(ctx, "write sysctl %s", key);
}

void op_timens_offsets(struct init_ctx *ctx, const char *offsets) {
  /* Only possible before any process entered the new time namespace: the
   * children of this process, after unshare(CLONE_NEWTIME), will. */
  if (write_file("/proc/self/timens_offsets", offsets) != 0) die(ctx, "write time namespace offsets");
}

void op_loopback_up(struct init_ctx *ctx) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) die(ctx, "bring up lo: socket");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  strcpy(ifr.ifr_name, "lo");
  if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0) die(ctx, "bring up lo");
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) die(ctx, "bring up lo");
  close(s);
}

void op_oom_score_adj(struct init_ctx *ctx, const char *value) {
  if (write_file("/proc/self/oom_score_adj", value) != 0) die(ctx, "write oom_score_adj %s", value);
}

void op_rlimit(struct init_ctx *ctx, int resource, uint64_t soft, uint64_t hard) {
  struct rlimit rl = {.rlim_cur = soft, .rlim_max = hard};
  if (setrlimit(resource, &rl) != 0) die(ctx, "setrlimit %d", resource);
}

/* A cwd reached through a magic link (/proc/self/fd/N) may lie outside the
 * container's root; the kernel then reports it unreachable (CVE-2024-21626). */
static void check_cwd_inside(struct init_ctx *ctx, const char *path) {
  char buf[PATH_MAX];
  if (getcwd(buf, sizeof buf) == NULL || buf[0] != '/')
    die_msg(ctx, "chdir to cwd (\"%s\") set in config.json failed: it is outside the container's root", path);
}

void op_chdir(struct init_ctx *ctx, const char *path) {
  if (chdir(path) == 0) return check_cwd_inside(ctx, path);
  if (errno == EACCES || errno == EPERM) {
    /* runc: retried once the user is set, which may be allowed where root (without CAP_DAC_OVERRIDE) is not */
    ctx->pending_chdir = path;
    return;
  }
  die(ctx, "chdir to cwd (\"%s\") set in config.json failed", path);
}

static int last_cap(void) {
  int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return CAP_LAST_CAP;
  char buf[16] = {0};
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  return n > 0 ? atoi(buf) : CAP_LAST_CAP;
}

void op_capbset(struct init_ctx *ctx, uint64_t keep) {
  int last = last_cap();
  for (int cap = 0; cap <= last && cap < 64; cap++) {
    if (keep & (1ULL << cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) die(ctx, "drop capability %d from the bounding set", cap);
  }
}

void op_setuser(struct init_ctx *ctx, uid_t uid, gid_t gid, size_t ngroups, const gid_t *groups) {
  if (setgroups(ngroups, groups) != 0) die(ctx, "setgroups");
  if (setresgid(gid, gid, gid) != 0) die(ctx, "setgid %u", (unsigned)gid);
  if (setresuid(uid, uid, uid) != 0) die(ctx, "setuid %u", (unsigned)uid);
  if (ctx->pending_chdir) {
    ctx->op = OP_CHDIR; /* the chdir that OP_CHDIR put off */
    ctx->op_path = ctx->pending_chdir;
    if (chdir(ctx->pending_chdir) != 0) die(ctx, "chdir to cwd (\"%s\") set in config.json failed", ctx->pending_chdir);
    check_cwd_inside(ctx, ctx->pending_chdir);
    ctx->pending_chdir = NULL;
  }
}

void op_capset(struct init_ctx *ctx, uint64_t eff, uint64_t perm, uint64_t inh, uint64_t amb) {
  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[2];
  for (int i = 0; i < 2; i++) {
    data[i].effective = (uint32_t)(eff >> (32 * i));
    data[i].permitted = (uint32_t)(perm >> (32 * i));
    data[i].inheritable = (uint32_t)(inh >> (32 * i));
  }
  if (syscall(SYS_capset, &hdr, data) != 0) die(ctx, "capset");
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) die(ctx, "clear ambient capabilities");
  for (int cap = 0; cap < 64; cap++) {
    if (!(amb & (1ULL << cap))) continue;
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0 && errno != EINVAL)
      die(ctx, "raise ambient capability %d", cap);
  }
}

static const char *env_get(char **env, const char *name) {
  size_t n = strlen(name);
  for (char **e = env; e && *e; e++)
    if (strncmp(*e, name, n) == 0 && (*e)[n] == '=') return *e + n + 1;
  return NULL;
}

#ifndef SYS_faccessat2
#define SYS_faccessat2 439
#endif

/* Whom the executable is checked for: the process's user, who may not be the
 * caller yet (see op_resolve_exe). */
struct exe_user {
  uid_t uid;
  gid_t gid;
};

/* The execute permission bits that apply to `who` (what the kernel checks, without ACLs). */
static bool mode_allows_exec(const struct stat *st, const struct exe_user *who) {
  if (who->uid == 0) return (st->st_mode & 0111) != 0;
  if (st->st_uid == who->uid) return (st->st_mode & S_IXUSR) != 0;
  if (st->st_gid == who->gid) return (st->st_mode & S_IXGRP) != 0;
  return (st->st_mode & S_IXOTH) != 0;
}

/*
 * X_OK for the effective ids, immune to a seccomp filter or an old kernel
 * that lacks a syscall: faccessat2(AT_EACCESS) (Linux 5.8), then faccessat
 * (which checks the real ids, so only when they are the ids checked), then
 * the mode bits. glibc's faccessat(AT_EACCESS) falls back on ENOSYS only, so
 * a filter that answers EPERM made it deny everything.
 * Returns 0, or -1 with errno set.
 */
static int exec_access(const char *path, const struct stat *st, const struct exe_user *who) {
  if (syscall(SYS_faccessat2, AT_FDCWD, path, X_OK, AT_EACCESS) == 0) return 0;
  if (errno != ENOSYS && errno != EPERM) return -1;
  if (getuid() == who->uid && getgid() == who->gid) {
    if (syscall(SYS_faccessat, AT_FDCWD, path, X_OK) == 0) return 0;
    if (errno != ENOSYS && errno != EPERM) return -1;
  }
  return mode_allows_exec(st, who) ? 0 : (errno = EACCES, -1);
}

static bool is_executable(const char *path, const struct exe_user *who) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode) && exec_access(path, &st, who) == 0;
}

/* Resolves args[0] as runc does (Go's exec.LookPath with the container's PATH). */
static char *resolve_exe(struct init_ctx *ctx, const struct exe_user *who) {
  const char *name = ctx->args[0];
  if (strchr(name, '/')) {
    struct stat st;
    if (stat(name, &st) != 0) {
      int err = errno;
      die_at(ctx, err, name, "exec: \"%s\": stat %s: %s", name, name, strerror(err));
    }
    /* execve answers EACCES for a folder or a file without the execute permission */
    if (!S_ISREG(st.st_mode) || exec_access(name, &st, who) != 0) die_at(ctx, EACCES, name, "exec: \"%s\": permission denied", name);
    return (char *)name;
  }
  const char *path = env_get(ctx->env, "PATH");
  if (path && *name) {
    const char *p = path;
    for (;;) {
      const char *colon = strchr(p, ':');
      size_t len = colon ? (size_t)(colon - p) : strlen(p);
      char *cand = malloc(len + strlen(name) + 3);
      if (!cand) die(ctx, "resolve %s", name);
      if (len == 0)
        sprintf(cand, "./%s", name);
      else
        sprintf(cand, "%.*s/%s", (int)len, p, name);
      if (is_executable(cand, who)) return cand;
      free(cand);
      if (!colon) break;
      p = colon + 1;
    }
  }
  die_at(ctx, ENOENT, name, "exec: \"%s\": executable file not found in $PATH", name);
}

void op_resolve_exe(struct init_ctx *ctx, bool dac_override, uid_t uid, gid_t gid, size_t ngroups, const gid_t *groups) {
  if (!ctx->args || !ctx->args[0]) die_msg(ctx, "plan: no process args");
  /* A user with CAP_DAC_OVERRIDE may execute any file with an execute bit, as root may. */
  struct exe_user who = {dac_override ? 0 : uid, gid};
  /* Before OP_SETUSER (a filter without no_new_privs goes in while ce-init
   * is still root): look up and check as the process's user through its
   * groups (OP_SETUSER sets the same ones) and the filesystem ids, which
   * leave the real and effective ids alone. The capability is the kernel's
   * own check while ce-init is root, so such a user is checked as it is. */
  bool switched = !dac_override && (geteuid() != uid || getegid() != gid);
  if (switched) {
    if (setgroups(ngroups, groups) != 0) die(ctx, "setgroups");
    setfsgid(gid);
    setfsuid(uid);
  }
  ctx->exe = resolve_exe(ctx, &who);
  if (switched) {
    setfsuid(geteuid());
    setfsgid(getegid());
  }
}

static bool kept(int fd, const int *keep, size_t nkeep) {
  for (size_t i = 0; i < nkeep; i++)
    if (keep[i] == fd) return true;
  return false;
}

void close_fds_except(int lowfd, const int *keep, size_t nkeep) {
  /* close_range over the gaps between the fds to keep (Linux 5.9+) */
  int from = lowfd;
  bool ok = true;
  for (;;) {
    int next = -1; /* the lowest kept fd >= from */
    for (size_t i = 0; i < nkeep; i++)
      if (keep[i] >= from && (next < 0 || keep[i] < next)) next = keep[i];
    unsigned last = next < 0 ? ~0U : (unsigned)next - 1;
    if ((next < 0 || next > from) && syscall(SYS_close_range, (unsigned)from, last, 0) != 0) {
      ok = false;
      break;
    }
    if (next < 0) break;
    from = next + 1;
  }
  if (ok) return;
  /* Before Linux 5.9: collect the numbers first, the walk holds an fd itself. */
  int fds[4096], n = 0;
  DIR *d = opendir("/proc/self/fd");
  if (d) {
    struct dirent *e;
    while ((e = readdir(d)) && n < 4096) {
      int fd = atoi(e->d_name);
      if (e->d_name[0] != '.' && fd >= lowfd && fd != dirfd(d) && !kept(fd, keep, nkeep)) fds[n++] = fd;
    }
    closedir(d);
  }
  for (int i = 0; i < n; i++) close(fds[i]);
}

static void exit_on_signal(int sig) { _exit(128 + sig); }

void op_ready(struct init_ctx *ctx) {
  /* The runtime puts RESOLVE_EXE in every plan, before any seccomp filter. */
  if (!ctx->exe) die_msg(ctx, "plan: READY without a RESOLVE_EXE before it");
  char *exe = ctx->exe;

  /* As pid 1 of its namespace this process ignores signals it has no handler
   * for; `kill` of a created container should still end it. execve resets these. */
  int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) signal(sigs[i], exit_on_signal);

  const char *none[] = {NULL};
  if (msg_write(ctx->sync_fd, MSG_READY, 0, none) != 0) _exit(1);
  close(ctx->sync_fd);
  ctx->sync_fd = -1; /* from here on errors go to stderr */
  if (ctx->go_fd >= 0) close(ctx->go_fd); /* the runtime has nothing more to say: only the fifo is held while created */
  ctx->go_fd = -1;

  if (ctx->fifo_fd >= 0) {
    char fifo[64];
    snprintf(fifo, sizeof fifo, "/proc/self/fd/%d", ctx->fifo_fd);
    int fd;
    do fd = open(fifo, O_WRONLY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) die(ctx, "open exec fifo");
    /* `start` reads "0", or why the startContainer hooks failed. */
    char err[1024];
    if (run_start_hooks(ctx, err, sizeof err) != 0) {
      if (write(fd, err, strlen(err)) < 0) dprintf(2, "ce-init: %s\n", err);
      _exit(1);
    }
    if (write(fd, "0", 1) != 1) die(ctx, "write exec fifo");
    close(fd);
  } /* else an exec into a running container: no barrier */

  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) signal(sigs[i], SIG_DFL);
  /* Preserved fds move down to 3, 4, … in ascending order: a target is always
   * below its source (sources start above 3), so no source is overwritten
   * before it moved. dup2 leaves the copy without close-on-exec. */
  for (int k = 0; k < ctx->preserve_count; k++) {
    int from = ctx->preserve_first + k, to = 3 + k;
    if (from == to) {
      if (fcntl(to, F_SETFD, 0) != 0) die(ctx, "preserved fd %d", from);
    } else if (dup2(from, to) != to) {
      die(ctx, "move preserved fd %d to %d", from, to);
    }
  }
  close_fds_except(3 + ctx->preserve_count, NULL, 0);
  execve(exe, ctx->args, ctx->env ? ctx->env : (char *[]){NULL});
  int err = errno;
  dprintf(2, "ce-init: exec %s: %s\n", exe, strerror(err));
  _exit(err == ENOENT ? 127 : 126);
}
