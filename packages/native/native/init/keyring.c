/* A session keyring of the container's own (runc's default; --no-new-keyring
 * skips it), so that keys the host's session holds are not reachable from
 * the container and the container's keys do not leak to the host. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/keyctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "init.h"

/* KEY_USR_SEARCH: the keyring's user may search it (runc adds it, so that the
 * container's processes can use keys linked into it). */
#define KEY_USR_SEARCH 0x00080000u

void op_session_keyring(struct init_ctx *ctx, const char *name) {
  long id = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name);
  if (id < 0) {
    if (errno == ENOSYS) return; /* a kernel without keyrings: nothing to isolate */
    die(ctx, "join session keyring %s", name);
  }
  /* KEYCTL_DESCRIBE: "type;uid;gid;perm;description", perm in hex */
  char desc[512];
  long n = syscall(SYS_keyctl, KEYCTL_DESCRIBE, id, desc, sizeof desc);
  if (n < 0) die(ctx, "describe session keyring %s", name);
  desc[sizeof desc - 1] = '\0';
  char *field = desc;
  for (int i = 0; i < 3 && field; i++) {
    field = strchr(field, ';');
    if (field) field++;
  }
  if (!field) die_msg(ctx, "describe session keyring %s: unexpected answer \"%s\"", name, desc);
  unsigned long perm = strtoul(field, NULL, 16);
  if (syscall(SYS_keyctl, KEYCTL_SETPERM, id, (unsigned long)(perm | KEY_USR_SEARCH)) != 0) {
    die(ctx, "set permissions of session keyring %s", name);
  }
}
