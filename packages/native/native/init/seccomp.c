/* OP_SECCOMP: installs a seccomp filter the runtime compiled (see @ce/runtime src/seccomp). */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "init.h"

void op_seccomp(struct init_ctx *ctx, unsigned long flags, const struct plan_arg *program) {
  if (program->len == 0 || program->len % sizeof(struct sock_filter) != 0)
    die_msg(ctx, "seccomp: the filter is %u bytes, not a whole number of instructions", program->len);
  /* plan_read's copies are malloc'd, so suitably aligned for struct sock_filter. */
  struct sock_fprog prog = {
      .len = (unsigned short)(program->len / sizeof(struct sock_filter)),
      .filter = (struct sock_filter *)program->data,
  };
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog) != 0) {
    if (errno == EACCES) die(ctx, "seccomp: install filter (without no_new_privs it needs CAP_SYS_ADMIN)");
    if (errno == EINVAL) die(ctx, "seccomp: install filter with flags 0x%lx (a flag this kernel does not support?)", flags);
    die(ctx, "seccomp: install filter");
  }
}
