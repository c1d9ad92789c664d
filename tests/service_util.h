/*
 * service_util: starts and stops a store service (the test build,
 * build/tests/alpr-stored-testclock, whose clock the client's ALPR_NOW sets) for the tests that
 * talk to it as its clients do. Static functions only: each test program includes it once.
 */
#ifndef SERVICE_UTIL_H
#define SERVICE_UTIL_H

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct service {
    pid_t pid;
    char dir[1024];           /* holds state/, sock, key, service.log */
    char socket[1100];        /* the members' socket */
    char ingest_socket[1100]; /* the reader's */
    char state[1100];
    char key[1100];
};

/* The build folder's program name (relative to this test program in BUILD/tests/). */
__attribute__((unused)) static int service_program(const char *argv0, const char *rel, char *out)
{
    char self[PATH_MAX], path[PATH_MAX + 64];
    snprintf(self, sizeof self, "%s", argv0);
    snprintf(path, sizeof path, "%s/%s", dirname(self), rel);
    return realpath(path, out) && access(out, X_OK) == 0 ? 0 : -1;
}

static int service_connectable(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd, ok;
    if (strlen(path) >= sizeof sa.sun_path)
        return 0;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

/*
 * Starts program (the service) on a fresh folder dir (made 0700) with a new key, extra arguments
 * extra (a NULL-terminated list, may be NULL). Waits until its socket accepts (10 s at most).
 * Returns 0, or -1 (its log is in dir/service.log).
 */
__attribute__((unused)) static int service_start(struct service *sv, const char *program,
                                                 const char *dir, const char *const *extra)
{
    char cmd[PATH_MAX + 1200];
    memset(sv, 0, sizeof *sv);
    snprintf(sv->dir, sizeof sv->dir, "%s", dir);
    snprintf(sv->socket, sizeof sv->socket, "%s/sock", dir);
    snprintf(sv->ingest_socket, sizeof sv->ingest_socket, "%s/ingest.sock", dir);
    snprintf(sv->state, sizeof sv->state, "%s/state", dir);
    snprintf(sv->key, sizeof sv->key, "%s/key", dir);
    mkdir(dir, 0700);
    unlink(sv->key);
    snprintf(cmd, sizeof cmd, "%s --generate-key %s", program, sv->key);
    if (system(cmd) != 0)
        return -1;
    sv->pid = fork();
    if (sv->pid < 0)
        return -1;
    if (sv->pid == 0) {
        const char *args[32] = {program,           "--state",    sv->state,
                                "--socket",        sv->socket,   "--ingest-socket",
                                sv->ingest_socket, "--key-file", sv->key};
        size_t n = 9;
        char log[1100];
        for (size_t i = 0; extra && extra[i] && n < 31; i++)
            args[n++] = extra[i];
        snprintf(log, sizeof log, "%s/service.log", dir);
        if (!freopen(log, "a", stderr))
            _exit(127);
        execv(program, (char *const *)args);
        _exit(127);
    }
    for (int i = 0; i < 1000; i++) {
        int st;
        if (service_connectable(sv->socket))
            return 0;
        if (waitpid(sv->pid, &st, WNOHANG) == sv->pid) {
            sv->pid = 0;
            return -1;
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return -1;
}

/* Stops the service (SIGTERM) and returns its exit status (-1 if it did not exit cleanly). */
__attribute__((unused)) static int service_stop(struct service *sv)
{
    int st = 0;
    if (sv->pid <= 0)
        return -1;
    kill(sv->pid, SIGTERM);
    if (waitpid(sv->pid, &st, 0) != sv->pid)
        return -1;
    sv->pid = 0;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#endif
