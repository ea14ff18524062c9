/*
 * hello: the program in ce's embedded hello-world image.
 *
 * Prints what happened to get it running, with two facts only the container
 * can know: its pid (1, in its own pid namespace) and its hostname.
 *   hello        exits 0
 *   hello N      exits N (0-255), to check that exit codes travel back
 * Built static (cc -static -Os -s) so the image needs nothing but this file.
 * It uses write(2) rather than stdio to stay small.
 */
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

static void put(int fd, const char *s) {
  size_t len = strlen(s);
  while (len > 0) {
    ssize_t n = write(fd, s, len);
    if (n <= 0) return;
    s += n;
    len -= (size_t)n;
  }
}

static const char *itoa(long v, char buf[24]) {
  char *p = buf + 23;
  int neg = v < 0;
  unsigned long u = neg ? -(unsigned long)v : (unsigned long)v;
  *p = '\0';
  do {
    *--p = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (neg) *--p = '-';
  return p;
}

static const char usage[] =
    "usage: hello [EXIT_CODE]\n"
    "  Prints a greeting from inside a ce container and exits with EXIT_CODE (0-255, default 0).\n";

static const char message[] =
    "Hello from ce!\n"
    "This message shows that your installation appears to be working correctly.\n"
    "\n"
    "To generate this message, ce took the following steps:\n"
    " 1. The ce client called the ced daemon over gRPC, on its unix socket.\n"
    " 2. ced found the \"hello-world\" image in its image store and prepared an\n"
    "    overlayfs root filesystem: the image's layer below, read-only, and the\n"
    "    container's own writable layer above it.\n"
    " 3. ced's supervisor started a ce-shim process for the container; the shim\n"
    "    holds the container's output and exit status, and outlives ced restarts.\n"
    " 4. The shim asked the runtime to create the container. Its ce-init helper\n"
    "    created the namespaces, pivoted into that root filesystem and exec'd\n"
    "    this program, /hello.\n"
    " 5. The shim streamed this output to ced, which sent it to the ce client,\n"
    "    which sent it to your terminal.\n"
    "\n";

static const char outro[] =
    "\n"
    "To see an exit code travel back from the container:\n"
    " $ ce run --rm hello-world 42; echo $?\n"
    "\n"
    "To see the processes and images involved:\n"
    " $ ce ps -a; ce images\n"
    "\n";

int main(int argc, char **argv) {
  int code = 0;
  if (argc > 2) {
    put(2, usage);
    return 2;
  }
  if (argc == 2) {
    const char *s = argv[1];
    if (*s == '\0' || strlen(s) > 3) {
      put(2, usage);
      return 2;
    }
    for (; *s; s++) {
      if (*s < '0' || *s > '9') {
        put(2, usage);
        return 2;
      }
      code = code * 10 + (*s - '0');
    }
    if (code > 255) {
      put(2, usage);
      return 2;
    }
  }

  char buf[24];
  struct utsname uts;
  long pid = (long)getpid();

  put(1, message);
  put(1, "Facts from inside this container:\n");
  put(1, " - this program is pid ");
  put(1, itoa(pid, buf));
  put(1, pid == 1 ? " of its own pid namespace\n" : " (not 1: it shares a pid namespace with other processes)\n");
  put(1, " - its hostname is ");
  put(1, uname(&uts) == 0 ? uts.nodename : "(unknown)");
  put(1, "\n");
  if (code != 0) {
    put(1, " - it exits with code ");
    put(1, itoa(code, buf));
    put(1, ", as asked\n");
  }
  put(1, outro);
  return code;
}
