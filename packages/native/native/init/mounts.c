/* Mount steps of ce-init: rootfs, mounts inside it, devices, pivot_root, masks. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "init.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

#define MAX_SYMLINKS 40 /* the kernel's own limit per lookup */

static void close_stack(int *stack, int *depth, int keep) {
  while (*depth > keep) close(stack[--*depth]);
}

/*
 * What openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) does, for kernels
 * without it (before 5.6): walks `path` one component at a time from root_fd,
 * never following a symlink in the kernel. ".." pops back to the parent this
 * walk came from and stops at the root; a symlink's absolute target restarts
 * from the root, a relative one from the link's folder; at most MAX_SYMLINKS
 * links. The last component is opened with `flags` and O_NOFOLLOW, so a link
 * swapped in after it was checked is refused (ELOOP), never followed.
 * Returns an fd or -1 with errno set.
 */
static int open_walk_in_root(int root_fd, const char *path, int flags) {
  char todo[2 * PATH_MAX];
  if (snprintf(todo, sizeof todo, "%s", path) >= (int)sizeof todo) return errno = ENAMETOOLONG, -1;
  int stack[PATH_MAX / 2 + 1]; /* the folders walked through; stack[0] is the root */
  int depth = 0;
  int links = 0;
  stack[depth] = openat(root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (stack[depth] < 0) return -1;
  depth++;
  size_t pos = 0;
  for (;;) {
    while (todo[pos] == '/') pos++;
    if (!todo[pos]) break;
    size_t end = pos;
    while (todo[end] && todo[end] != '/') end++;
    char name[NAME_MAX + 1];
    if (end - pos > NAME_MAX) return close_stack(stack, &depth, 0), errno = ENAMETOOLONG, -1;
    memcpy(name, todo + pos, end - pos);
    name[end - pos] = '\0';
    pos = end;
    size_t after = pos;
    while (todo[after] == '/') after++;
    bool last = !todo[after];
    if (strcmp(name, ".") == 0) continue;
    if (strcmp(name, "..") == 0) {
      if (depth > 1) close(stack[--depth]);
      continue;
    }
    int fd = openat(stack[depth - 1], name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return close_stack(stack, &depth, 0), -1;
    struct stat st;
    if (fstat(fd, &st) != 0) {
      int e = errno;
      close(fd);
      return close_stack(stack, &depth, 0), errno = e, -1;
    }
    if (S_ISLNK(st.st_mode) && !(last && (flags & O_NOFOLLOW))) {
      char target[PATH_MAX];
      ssize_t n = readlinkat(fd, "", target, sizeof target - 1);
      int e = errno;
      close(fd);
      if (n < 0) return close_stack(stack, &depth, 0), errno = e, -1;
      if (++links > MAX_SYMLINKS) return close_stack(stack, &depth, 0), errno = ELOOP, -1;
      target[n] = '\0';
      /* the rest of the walk: the link's target, then what followed the link */
      char rest[2 * PATH_MAX];
      if (snprintf(rest, sizeof rest, "%s/%s", target, todo + pos) >= (int)sizeof rest)
        return close_stack(stack, &depth, 0), errno = ENAMETOOLONG, -1;
      memcpy(todo, rest, strlen(rest) + 1);
      pos = 0;
      if (target[0] == '/') close_stack(stack, &depth, 1);
      continue;
    }
    if (last) {
      close(fd);
      int r = openat(stack[depth - 1], name, flags | O_NOFOLLOW | O_CLOEXEC);
      int e = errno;
      close_stack(stack, &depth, 0);
      errno = e;
      return r;
    }
    if ((size_t)depth >= sizeof stack / sizeof stack[0]) {
      close(fd);
      return close_stack(stack, &depth, 0), errno = ENAMETOOLONG, -1;
    }
    stack[depth++] = fd; /* not a folder: the next openat says ENOTDIR */
  }
  /* "/" or a path that ends where it started (".", "a/.."): the folder reached */
  int r = openat(stack[depth - 1], ".", flags | O_CLOEXEC);
  int e = errno;
  close_stack(stack, &depth, 0);
  errno = e;
  return r;
}

/*
 * Opens `path` (absolute or relative, as seen from inside the container)
 * below the rootfs. Before the root change symlinks are resolved as if the
 * rootfs were "/" (openat2 RESOLVE_IN_ROOT, or the same walk done here on a
 * kernel without openat2), so a hostile image cannot point a mount outside
 * of it. CE_INIT_WITHOUT_OPENAT2 builds (tests) always walk.
 * Returns -1 with errno set.
 */
static int open_in_root(struct init_ctx *ctx, const char *path, int flags) {
  if (ctx->rooted || ctx->root_fd < 0) return open(path, flags | O_CLOEXEC);
#ifndef CE_INIT_WITHOUT_OPENAT2
  struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC), .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
  int fd = (int)syscall(SYS_openat2, ctx->root_fd, path, &how, sizeof how);
  if (fd >= 0 || errno != ENOSYS) return fd;
#endif
  return open_walk_in_root(ctx->root_fd, path, flags);
}

/* The path mount(2) and friends get for an fd from open_in_root. */
static const char *fd_path(int fd, char *buf, size_t size) {
  snprintf(buf, size, "/proc/self/fd/%d", fd);
  return buf;
}

/* Splits "a/b/c" into a parent fd (opened in root) and "c". */
static int open_parent(struct init_ctx *ctx, const char *path, char *base, size_t size) {
  char tmp[PATH_MAX];
  if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp) return errno = ENAMETOOLONG, -1;
  size_t len = strlen(tmp);
  while (len > 1 && tmp[len - 1] == '/') tmp[--len] = '\0';
  char *slash = strrchr(tmp, '/');
  const char *parent = "/";
  const char *name = tmp;
  if (slash) {
    *slash = '\0';
    name = slash + 1;
    parent = slash == tmp ? "/" : tmp;
  }
  if (snprintf(base, size, "%s", name) >= (int)size) return errno = ENAMETOOLONG, -1;
  return open_in_root(ctx, parent, O_PATH | O_DIRECTORY);
}

/*
 * The path a symlink at <pfd>/<base> (which is `path` inside the rootfs)
 * points to, as a rootfs path: an absolute target is taken from the rootfs's
 * root, a relative one from the link's folder. Used to follow dangling links.
 */
static int link_target_in_root(int pfd, const char *base, const char *path, char *next, size_t size) {
  char target[PATH_MAX];
  ssize_t n = readlinkat(pfd, base, target, sizeof target - 1);
  if (n < 0) return -1;
  target[n] = '\0';
  const char *slash = strrchr(path, '/');
  int plen = slash ? (int)(slash - path) : 0;
  int len = target[0] == '/' ? snprintf(next, size, "%s", target) : snprintf(next, size, "%.*s/%s", plen, path, target);
  if (len >= (int)size) return errno = ENAMETOOLONG, -1;
  return 0;
}

static int mkdir_all_depth(struct init_ctx *ctx, const char *path, mode_t mode, int depth);

/*
 * mkdir of one path component inside the rootfs. An existing dangling symlink
 * (an image's /var/run -> /run without /run) is followed: its target is
 * created, inside the rootfs, as runc's MkdirAllInRoot does.
 */
static int mkdir_one(struct init_ctx *ctx, const char *path, mode_t mode, int depth) {
  char base[NAME_MAX + 1];
  int pfd = open_parent(ctx, path, base, sizeof base);
  if (pfd < 0) return -1;
  int r = 0;
  if (*base && strcmp(base, ".") && strcmp(base, "..") && mkdirat(pfd, base, mode) != 0) {
    if (errno != EEXIST) {
      r = -1;
    } else {
      int fd = open_in_root(ctx, path, O_PATH | O_DIRECTORY);
      if (fd >= 0) {
        close(fd);
      } else if (errno == ENOENT) {
        char next[PATH_MAX];
        r = link_target_in_root(pfd, base, path, next, sizeof next);
        if (r == 0) r = mkdir_all_depth(ctx, next, mode, depth + 1);
      } else {
        r = -1;
      }
    }
  }
  int saved = errno;
  close(pfd);
  errno = saved;
  return r;
}

static int mkdir_all_depth(struct init_ctx *ctx, const char *path, mode_t mode, int depth) {
  if (depth > 40) return errno = ELOOP, -1;
  char buf[PATH_MAX];
  if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) return errno = ENAMETOOLONG, -1;
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    if (mkdir_one(ctx, buf, mode, depth) != 0) return -1;
    *p = '/';
  }
  return mkdir_one(ctx, buf, mode, depth);
}

static int mkdir_all(struct init_ctx *ctx, const char *path, mode_t mode) { return mkdir_all_depth(ctx, path, mode, 0); }

static int mkdir_parent(struct init_ctx *ctx, const char *path) {
  char buf[PATH_MAX];
  if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) return errno = ENAMETOOLONG, -1;
  char *slash = strrchr(buf, '/');
  if (!slash || slash == buf) return 0;
  *slash = '\0';
  return mkdir_all(ctx, buf, 0755);
}

void op_root_propagation(struct init_ctx *ctx, unsigned long flags) {
  if (mount("", "/", NULL, flags, NULL) != 0) die(ctx, "set propagation of /");
}

/* Makes the mount that holds `path` private, as runc does: pivot_root
 * refuses a new root whose parent mount is shared, a bind from an
 * unbindable one fails, and the rootfs bind must not propagate anywhere.
 * EINVAL is "not a mount point": the walk goes up until one is found. */
static void make_parent_private(struct init_ctx *ctx, const char *path) {
  char dir[PATH_MAX];
  if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir) die(ctx, "rootfs path too long");
  for (;;) {
    if (mount(NULL, dir, NULL, MS_PRIVATE, NULL) == 0) return;
    if (errno != EINVAL || strcmp(dir, "/") == 0) die(ctx, "make the mount of %s private", dir);
    char *slash = strrchr(dir, '/');
    if (slash == dir) dir[1] = '\0';
    else *slash = '\0';
  }
}

void op_rootfs(struct init_ctx *ctx, const char *path) {
  make_parent_private(ctx, path);
  if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) != 0) die(ctx, "bind mount rootfs %s", path);
  ctx->rootfs = strdup(path);
  ctx->root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (ctx->root_fd < 0) die(ctx, "open rootfs %s", path);
}

void op_mkdir(struct init_ctx *ctx, const char *path, mode_t mode) {
  if (mkdir_all(ctx, path, mode) != 0) die(ctx, "mkdir %s", path);
}

/* Creates an empty file inside the rootfs; a dangling symlink there is followed (inside the rootfs). */
static int mkfile_depth(struct init_ctx *ctx, const char *path, mode_t mode, int depth) {
  if (depth > 40) return errno = ELOOP, -1;
  if (mkdir_parent(ctx, path) != 0) return -1;
  char base[NAME_MAX + 1];
  int pfd = open_parent(ctx, path, base, sizeof base);
  if (pfd < 0) return -1;
  int r = 0;
  int fd = openat(pfd, base, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd >= 0) {
    close(fd);
  } else if (errno == ELOOP) {
    int t = open_in_root(ctx, path, O_PATH);
    if (t >= 0) {
      close(t);
    } else if (errno == ENOENT) {
      char next[PATH_MAX];
      r = link_target_in_root(pfd, base, path, next, sizeof next);
      if (r == 0) r = mkfile_depth(ctx, next, mode, depth + 1);
    } else {
      r = -1;
    }
  } else if (errno != EISDIR && errno != EEXIST) {
    /* An existing directory is left for the mount to judge. */
    r = -1;
  }
  int saved = errno;
  close(pfd);
  errno = saved;
  return r;
}

void op_mkfile(struct init_ctx *ctx, const char *path, mode_t mode) {
  if (mkfile_depth(ctx, path, mode, 0) != 0) die(ctx, "create %s", path);
}

static unsigned long kept_flags(const char *path);

/*
 * A user namespace without a network namespace of its own may not mount
 * sysfs (EPERM): bind the host's /sys at dest instead, with the flags asked
 * for, as runc does. Returns 0, or -1 (errno EPERM, as the sysfs mount said).
 */
static int bind_host_sys(struct init_ctx *ctx, const char *dest, const char *target, unsigned long flags) {
  if (mount("/sys", target, NULL, MS_BIND | MS_REC, NULL) != 0) return errno = EPERM, -1;
  unsigned long wanted = flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
  if (!wanted) return 0;
  /* target names the directory under the new mount: open the mount itself */
  int fd = open_in_root(ctx, dest, O_PATH);
  char path[64];
  if (fd < 0 || mount(NULL, fd_path(fd, path, sizeof path), NULL, MS_BIND | MS_REMOUNT | wanted | kept_flags(path), NULL) != 0) {
    if (fd >= 0) close(fd);
    umount2(target, MNT_DETACH);
    return errno = EPERM, -1;
  }
  close(fd);
  return 0;
}

void op_mount(struct init_ctx *ctx, const char *source, const char *dest, const char *fstype, unsigned long flags,
              const char *data) {
  const char *what = (flags & (MS_BIND | MS_REMOUNT)) || !*fstype ? source : fstype;
  const char *verb = (flags & MS_REMOUNT) ? "remount" : "mount";
  if (flags & MS_REMOUNT) what = "";
  int fd = open_in_root(ctx, dest, O_PATH);
  if (fd < 0) die(ctx, "%s %s%son %s", verb, what, *what ? " " : "", dest);
  char target[64];
  if (mount(*source ? source : NULL, fd_path(fd, target, sizeof target), *fstype ? fstype : NULL, flags, *data ? data : NULL) != 0) {
    if (!(errno == EPERM && strcmp(fstype, "sysfs") == 0 && !(flags & (MS_BIND | MS_REMOUNT)) && bind_host_sys(ctx, dest, target, flags) == 0))
      die(ctx, "%s %s%son %s", verb, what, *what ? " " : "", dest);
  }
  close(fd);
}

void op_mknod(struct init_ctx *ctx, const char *path, mode_t mode, unsigned major, unsigned minor, uid_t uid, gid_t gid,
              const char *fallback) {
  if (mkdir_parent(ctx, path) != 0) die(ctx, "mkdir parent of %s", path);
  char base[NAME_MAX + 1];
  int pfd = open_parent(ctx, path, base, sizeof base);
  if (pfd < 0) die(ctx, "mknod %s", path);
  if (mknodat(pfd, base, mode, makedev(major, minor)) != 0) {
    if (errno == EEXIST) {
      close(pfd);
      return;
    }
    if (errno != EPERM || !*fallback) die(ctx, "mknod %s", path);
    /* Not allowed to create device nodes (a user namespace): bind the host's. */
    int fd = openat(pfd, base, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) die(ctx, "create %s", path);
    close(fd);
    close(pfd);
    op_mount(ctx, fallback, path, "", MS_BIND, "");
    return;
  }
  if (fchownat(pfd, base, uid, gid, AT_SYMLINK_NOFOLLOW) != 0) die(ctx, "chown %s", path);
  close(pfd);
}

void op_symlink(struct init_ctx *ctx, const char *target, const char *linkpath) {
  if (mkdir_parent(ctx, linkpath) != 0) die(ctx, "mkdir parent of %s", linkpath);
  char base[NAME_MAX + 1];
  int pfd = open_parent(ctx, linkpath, base, sizeof base);
  if (pfd < 0 || (symlinkat(target, pfd, base) != 0 && errno != EEXIST)) die(ctx, "symlink %s -> %s", linkpath, target);
  close(pfd);
}

void op_pivot_root(struct init_ctx *ctx) {
  /* runc's trick: pivot_root(".", ".") stacks the old root on the new one;
   * detaching "." then leaves only the new root, without a put_old dir. */
  int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (oldroot < 0) die(ctx, "open /");
  int newroot = open(ctx->rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (newroot < 0) die(ctx, "open rootfs %s", ctx->rootfs);
  if (fchdir(newroot) != 0) die(ctx, "chdir %s", ctx->rootfs);
  if (syscall(SYS_pivot_root, ".", ".") != 0) die(ctx, "pivot_root %s", ctx->rootfs);
  if (fchdir(oldroot) != 0) die(ctx, "chdir old root");
  if (mount("", ".", NULL, MS_SLAVE | MS_REC, NULL) != 0) die(ctx, "make old root slave");
  if (umount2(".", MNT_DETACH) != 0) die(ctx, "unmount old root");
  if (chdir("/") != 0) die(ctx, "chdir /");
  close(oldroot);
  close(newroot);
  close(ctx->root_fd);
  ctx->root_fd = -1;
  ctx->rooted = true;
}

void op_chroot(struct init_ctx *ctx) {
  if (chdir(ctx->rootfs) != 0) die(ctx, "chdir %s", ctx->rootfs);
  if (mount(ctx->rootfs, "/", NULL, MS_MOVE, NULL) != 0) die(ctx, "move rootfs %s to /", ctx->rootfs);
  if (chroot(".") != 0) die(ctx, "chroot %s", ctx->rootfs);
  if (chdir("/") != 0) die(ctx, "chdir /");
  close(ctx->root_fd);
  ctx->root_fd = -1;
  ctx->rooted = true;
}

/*
 * Without a mount namespace of its own the container shares the host's mount
 * table: the parent mount keeps its propagation (runc would make it private),
 * and the rootfs bind is made private so that the container's mounts, made
 * below it, propagate nowhere and leave with it when the runtime detaches it.
 */
void op_rootfs_host_ns(struct init_ctx *ctx, const char *path) {
  if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) != 0) die(ctx, "bind mount rootfs %s", path);
  if (mount("", path, NULL, MS_PRIVATE, NULL) != 0) die(ctx, "make rootfs %s private", path);
  ctx->rootfs = strdup(path);
  ctx->root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (ctx->root_fd < 0) die(ctx, "open rootfs %s", path);
}

/* chroot without moving any mount: the root change of a container in the host's mount namespace. */
void op_enter_root(struct init_ctx *ctx, const char *path) {
  if (chdir(path) != 0) die(ctx, "chdir %s", path);
  if (chroot(".") != 0) die(ctx, "chroot %s", path);
  if (chdir("/") != 0) die(ctx, "chdir /");
  if (ctx->root_fd >= 0) close(ctx->root_fd);
  ctx->root_fd = -1;
  ctx->rooted = true;
}

/* Flags of the mount at `path` that a bind remount must keep. */
static unsigned long kept_flags(const char *path) {
  struct statvfs st;
  if (statvfs(path, &st) != 0) return 0;
  unsigned long f = 0;
  if (st.f_flag & ST_NOSUID) f |= MS_NOSUID;
  if (st.f_flag & ST_NODEV) f |= MS_NODEV;
  if (st.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
  if (st.f_flag & ST_NOATIME) f |= MS_NOATIME;
  if (st.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
  if (st.f_flag & ST_RELATIME) f |= MS_RELATIME;
  return f;
}

void op_remount(struct init_ctx *ctx, const char *path, unsigned long flags) {
  if (flags & MS_BIND) flags |= kept_flags(path);
  if (mount(NULL, path, NULL, MS_REMOUNT | flags, NULL) != 0) die(ctx, "remount %s", path);
}

void op_mask(struct init_ctx *ctx, const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) {
    if (errno == ENOENT) return;
    die(ctx, "mask %s", path);
  }
  if (S_ISDIR(st.st_mode)) {
    if (mount("tmpfs", path, "tmpfs", MS_RDONLY, "size=0k") != 0) die(ctx, "mask %s", path);
  } else if (mount("/dev/null", path, NULL, MS_BIND, NULL) != 0) {
    die(ctx, "mask %s", path);
  }
}

void op_readonly(struct init_ctx *ctx, const char *path) {
  if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) != 0) {
    if (errno == ENOENT) return;
    die(ctx, "make %s read-only", path);
  }
  if (mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC | kept_flags(path), NULL) != 0)
    die(ctx, "make %s read-only", path);
}
