/*
 * ce-pause: the process that holds a pod's namespaces (net, ipc, uts, and pid
 * when the pod shares it), as Kubernetes' pause does. It sleeps in pause();
 * as pid 1 of a shared pid namespace it reaps the zombies that the pod's other
 * processes leave; SIGINT or SIGTERM end it with status 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAUSE_VERSION "1.0"

static void shut_down(int signo) {
    (void)signo;
    _exit(0);
}

static void reap(int signo) {
    (void)signo;
    int saved = errno;
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
    errno = saved;
}

static void on_signal(int signo, void (*handler)(int), int flags) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = handler;
    action.sa_flags = flags;
    sigemptyset(&action.sa_mask);
    if (sigaction(signo, &action, NULL) < 0) {
        fprintf(stderr, "ce-pause: sigaction(%d): %s\n", signo, strerror(errno));
        exit(1);
    }
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--version") == 0) {
            printf("ce-pause %s\n", PAUSE_VERSION);
            return 0;
        }
        fprintf(stderr, "ce-pause: unknown argument %s (only -v)\n", argv[i]);
        return 2;
    }
    if (getpid() != 1) fprintf(stderr, "ce-pause: warning: not the first process of its pid namespace\n");

    on_signal(SIGINT, shut_down, 0);
    on_signal(SIGTERM, shut_down, 0);
    on_signal(SIGCHLD, reap, SA_NOCLDSTOP | SA_RESTART);

    for (;;) pause();
}
