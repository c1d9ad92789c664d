/*
 * cli_runner: runs the `alpr` CLI as members would, against the test build of the store service,
 * for the test programs that check the CLI end to end (tests/test_store_*cli.c and others).
 *
 * Contract:
 * - struct cli holds one test program's state: the programs, its folder, the service, the last
 *   run's output. Declare one (static, zeroed) per program.
 * - cli_programs(c, argv0) finds build/alpr and build/tests/alpr-stored-testclock next to the
 *   test program; -1 (with a message) when either is missing.
 * - cli_start(c, name, extra, shared) makes the folder TMP/name, and as root starts the service
 *   in TMP/name/service with the extra arguments; shared makes the folders reachable by other OS
 *   accounts (the folder 01777, like /tmp). -1 when not root (nothing started) or on failure.
 *   It does not set c->started: the caller does once its members are set up.
 * - cli_run(c, as, env, args) runs `alpr ARGS` in the folder with ALPR_SOCKET, ALPR_SESSION_FILE
 *   and env in front, as the account as->uid (0: root as is; else setpriv to uid and as->gid,
 *   no other groups), under as->umask when set. Returns the exit code (-1: no exit code, or the
 *   command was too long); c->out and c->err hold its stdout and stderr, never NULL.
 * - cli_ingest(c, uid, gid, now, reads, n) ingests reads from the account uid:gid through the
 *   reader's socket at the test time now; returns 0 or a STORE_ERR_* (99: the child failed).
 * - cli_five_reads(reads, png) fills five reads of 2025-12-31 23:00-23:04 (unit U1, each with a
 *   PNG in png): three of 7ABC123, then two of 7ABX992.
 * - CLI_NEEDS_SERVICE(c, why) skips the calling test (with why) unless c->started.
 * - cli_stop(c) stops the service and frees the output: 0, or -1 (with a message) when the
 *   service did not stop cleanly.
 * Static functions only: each test program includes it once (it includes test_store_util.h).
 */
#ifndef CLI_RUNNER_H
#define CLI_RUNNER_H

#include "service_util.h"
#include "store_client.h"
#include "test_store_util.h"
#include "testlib.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct cli {
    char alpr[PATH_MAX], stored[PATH_MAX];
    char dir[600]; /* alpr's working folder; the session files, out.txt and err.txt */
    char out_path[700], err_path[700];
    char *out, *err; /* the last run's stdout and stderr */
    struct service service;
    int started; /* the service runs and the program's members are set up */
};

#define CLI_NEEDS_SERVICE(c, why)                                                                  \
    do {                                                                                           \
        if (!(c)->started)                                                                         \
            SKIP(why);                                                                             \
    } while (0)

/* Who runs alpr, and how. */
struct cli_as {
    unsigned uid, gid;   /* uid 0: root, as the test runs; gid only with another uid */
    const char *session; /* the session file in dir; NULL: "session", or "session-UID" */
    const char *umask;   /* e.g. "022"; NULL: the test's own */
};

__attribute__((unused)) static int cli_programs(struct cli *c, const char *argv0)
{
    if (service_program(argv0, "../alpr", c->alpr) == 0 &&
        service_program(argv0, "alpr-stored-testclock", c->stored) == 0)
        return 0;
    printf("needs build/alpr and build/tests/alpr-stored-testclock next to %s\n", argv0);
    return -1;
}

__attribute__((unused)) static int cli_start(struct cli *c, const char *name,
                                             const char *const *extra, int shared)
{
    char sdir[700];
    snprintf(c->dir, sizeof c->dir, "%s/%s", test_tmpdir(), name);
    mkdir(c->dir, 0700);
    snprintf(c->out_path, sizeof c->out_path, "%s/out.txt", c->dir);
    snprintf(c->err_path, sizeof c->err_path, "%s/err.txt", c->dir);
    if (geteuid() != 0)
        return -1;
    if (shared) {
        chmod(test_tmpdir(), 0711);
        chmod(c->dir, 01777);
    }
    snprintf(sdir, sizeof sdir, "%s/service", c->dir);
    if (service_start(&c->service, c->stored, sdir, extra) != 0) {
        printf("cannot start %s (see %s/service.log)\n", c->stored, sdir);
        return -1;
    }
    if (shared)
        chmod(sdir, 0711);
    return 0;
}

__attribute__((unused)) static int cli_run(struct cli *c, const struct cli_as *as, const char *env,
                                           const char *args)
{
    char cmd[16384], who[128] = "", session[64] = "session", mask[32] = "";
    int n, st;
    free(c->out);
    free(c->err);
    c->out = c->err = NULL;
    if (as->uid) {
        snprintf(who, sizeof who, "setpriv --reuid=%u --regid=%u --clear-groups", as->uid, as->gid);
        snprintf(session, sizeof session, "session-%u", as->uid);
    }
    if (as->session)
        snprintf(session, sizeof session, "%s", as->session);
    if (as->umask)
        snprintf(mask, sizeof mask, "umask %s && ", as->umask);
    n = snprintf(cmd, sizeof cmd,
                 "cd %s && %senv ALPR_SOCKET=%s ALPR_SESSION_FILE=%s/%s %s %s %s %s >%s 2>%s",
                 c->dir, mask, c->service.socket, c->dir, session, env ? env : "", who, c->alpr,
                 args, c->out_path, c->err_path);
    st = n < 0 || (size_t)n >= sizeof cmd ? -1 : system(cmd);
    c->out = slurp(c->out_path, NULL);
    c->err = slurp(c->err_path, NULL);
    if (!c->out)
        c->out = strdup("");
    if (!c->err)
        c->err = strdup("");
    return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

__attribute__((unused)) static int cli_ingest(const struct cli *c, unsigned uid, unsigned gid,
                                              const char *now, const struct store_read *reads,
                                              size_t n)
{
    int st;
    pid_t pid = fork();
    if (pid == 0) {
        struct store_client *client;
        char err[256];
        if (setgid(gid) != 0 || setuid(uid) != 0 ||
            store_client_open(c->service.ingest_socket, &client))
            _exit(99);
        store_client_set_test_now(client, now);
        int rc = store_client_ingest(client, reads, n, NULL, NULL, NULL, err, sizeof err);
        store_client_close(client);
        _exit(-rc);
    }
    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
        return 99;
    return -WEXITSTATUS(st);
}

__attribute__((unused)) static void cli_five_reads(struct store_read reads[5], uint8_t png[5][64])
{
    for (int i = 0; i < 5; i++) {
        reads[i] = make_read(i < 3 ? "7ABC123" : "7ABX992", T0 - 3600 + i * 60, "U1");
        reads[i].png = png[i];
        reads[i].png_len = make_png(png[i], sizeof png[i], "cli");
    }
}

__attribute__((unused)) static int cli_stop(struct cli *c)
{
    int rc = 0;
    if (c->service.pid > 0 && (rc = service_stop(&c->service)) != 0)
        printf("the service did not stop cleanly (see %s/service.log)\n", c->service.dir);
    free(c->out);
    free(c->err);
    c->out = c->err = NULL;
    return rc;
}

#endif
