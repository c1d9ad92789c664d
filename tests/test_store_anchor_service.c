/*
 * The audit chain's anchors through the service and the CLI, as they are used: the service
 * writes the head to stderr (the journal) and its --anchor-file; `alpr audit verify --anchor FILE`
 * checks the chain against the latest anchor there; `alpr report public` carries the head and
 * refuses an unfit --policy file or --out path; `report audit --json` stays valid JSON.
 * (The attacks on the file itself are in test_store_anchor.c: the service's file is encrypted.)
 */
#include "service_util.h"
#include "store_audit.h"
#include "test_store_util.h"

#include <jansson.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char alpr[PATH_MAX], stored[PATH_MAX], dir[600], out_path[700], err_path[700];
static char anchors[700];
static char *out_text, *err_text;
static struct service service;
static int started;

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    char *buf;
    long n;
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n)
        n = 0;
    if (buf)
        buf[n] = '\0';
    fclose(fp);
    return buf;
}

/* Runs `alpr ARGS` (as root, member ada) in dir; returns the exit code. */
static int run(const char *env, const char *args)
{
    char cmd[16384];
    int st, n;
    free(out_text);
    free(err_text);
    n = snprintf(cmd, sizeof cmd,
                 "cd %s && env ALPR_SOCKET=%s ALPR_SESSION_FILE=%s/session %s %s %s >%s 2>%s", dir,
                 service.socket, dir, env ? env : "", alpr, args, out_path, err_path);
    if (n < 0 || (size_t)n >= sizeof cmd)
        return -1;
    st = system(cmd);
    out_text = slurp(out_path);
    err_text = slurp(err_path);
    if (!out_text)
        out_text = strdup("");
    if (!err_text)
        err_text = strdup("");
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#define NOW      "ALPR_NOW=2026-01-01T00:00:00Z"
#define ADMIN_PW "ALPR_PASSWORD='admin password 1'"

static void setup(void)
{
    char sdir[700];
    static char anchor_arg[720];
    const char *extra[] = {"--anchor-file", anchor_arg, NULL};
    snprintf(dir, sizeof dir, "%s/anchor_service", test_tmpdir());
    mkdir(dir, 0700);
    snprintf(out_path, sizeof out_path, "%s/out.txt", dir);
    snprintf(err_path, sizeof err_path, "%s/err.txt", dir);
    snprintf(anchors, sizeof anchors, "%s/anchors", dir);
    snprintf(anchor_arg, sizeof anchor_arg, "%s", anchors);
    unlink(anchors);
    if (geteuid() != 0)
        return;
    snprintf(sdir, sizeof sdir, "%s/service", dir);
    if (service_start(&service, stored, sdir, extra) != 0) {
        printf("cannot start %s (see %s/service.log)\n", stored, sdir);
        return;
    }
    started = 1;
    if (run(NOW " " ADMIN_PW, "user init --name ada --training 2025-12-01") != 0 ||
        run(NOW " " ADMIN_PW, "login --user ada") != 0)
        started = 0;
}

#define NEEDS_SERVICE()                                                                            \
    do {                                                                                           \
        if (!started)                                                                              \
            SKIP("needs root (the service's bootstrap account) and a running service");            \
    } while (0)

/* Waits (at most 5 s) until the anchor file names an entry >= id; returns that anchor's id. */
static int64_t wait_anchor(int64_t id, struct store_audit_head *h)
{
    for (int i = 0; i < 50; i++) {
        char *text = slurp(anchors), *line, *save = NULL;
        h->id = 0;
        for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
             line = strtok_r(NULL, "\n", &save)) {
            struct store_audit_head a;
            if (store_audit_anchor_parse(line, &a) == 0 && a.id > h->id)
                *h = a;
        }
        free(text);
        if (h->id >= id)
            return h->id;
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return h->id;
}

static void test_service_writes_anchors(void)
{
    struct store_audit_head h;
    struct stat st;
    char path[1200], *log;
    NEEDS_SERVICE();
    REQUIRE(wait_anchor(2, &h) >= 2); /* init and log-on */
    REQUIRE(stat(anchors, &st) == 0);
    CHECK_EQ_INT(st.st_mode & 0777, 0644);
    CHECK_EQ_INT(strlen(h.mac), 64);
    /* The same line on stderr, which the journal keeps. */
    snprintf(path, sizeof path, "%s/service.log", service.dir);
    log = slurp(path);
    REQUIRE(log != NULL);
    CHECK(strstr(log, "alpr-stored: " STORE_AUDIT_ANCHOR_PREFIX " id=") != NULL);
    free(log);
}

static void test_verify_against_anchor_file(void)
{
    struct store_audit_head h;
    char forged[800], line[256];
    FILE *fp;
    NEEDS_SERVICE();
    REQUIRE(wait_anchor(2, &h) >= 2);
    CHECK_EQ_INT(run(NOW, "audit verify --no-journal"), 0);
    CHECK(strstr(out_text, "no anchor found") != NULL);
    CHECK_EQ_INT(run(NOW, "audit verify --no-journal --anchor anchors"), 0);
    CHECK(strstr(out_text, "matches") != NULL);
    /* An anchor the chain does not reach: its tail was cut. */
    snprintf(forged, sizeof forged, "%s/ahead", dir);
    h.id += 1000;
    REQUIRE(store_audit_anchor_format(&h, line, sizeof line) == 0);
    fp = fopen(forged, "w");
    REQUIRE(fp != NULL);
    fprintf(fp, "%s\n", line);
    fclose(fp);
    CHECK_EQ_INT(run(NOW, "audit verify --no-journal --anchor anchors --anchor ahead"), 1);
    CHECK(strstr(err_text, "tail was deleted") != NULL);
    /* An anchor whose entry has another hash: the chain was rewritten. */
    h.id -= 1000;
    h.hash[0] = h.hash[0] == 'a' ? 'b' : 'a';
    REQUIRE(store_audit_anchor_format(&h, line, sizeof line) == 0);
    fp = fopen(forged, "w");
    REQUIRE(fp != NULL);
    fprintf(fp, "%s\n", line);
    fclose(fp);
    CHECK_EQ_INT(run(NOW, "audit verify --no-journal --anchor ahead"), 1);
    CHECK(strstr(err_text, "rewritten") != NULL);
    CHECK_EQ_INT(run(NOW, "audit verify --no-journal --anchor nonexistent"), 1);
}

static void test_report_public_files(void)
{
    char path[800];
    FILE *fp;
    struct stat st;
    NEEDS_SERVICE();
    /* Finding 13: an export's reads.csv as the policy puts plates on the page: refused. */
    snprintf(path, sizeof path, "%s/reads.csv", dir);
    fp = fopen(path, "w");
    REQUIRE(fp != NULL);
    fputs("id,time,plate,unit\n1,2026-01-01T00:00:00Z,UM78029,U1\n", fp);
    fclose(fp);
    CHECK_EQ_INT(run(NOW, "report public --policy reads.csv --out page.html"), 1);
    CHECK(strstr(err_text, "line 2") && strstr(err_text, "UM78029"));
    snprintf(path, sizeof path, "%s/page.html", dir);
    CHECK(access(path, F_OK) != 0);
    /* --out never follows a symlink nor overwrites. */
    snprintf(path, sizeof path, "%s/victim", dir);
    fp = fopen(path, "w");
    REQUIRE(fp != NULL);
    fputs("keep me\n", fp);
    fclose(fp);
    char link[800];
    snprintf(link, sizeof link, "%s/link.html", dir);
    unlink(link);
    REQUIRE(symlink(path, link) == 0);
    CHECK_EQ_INT(run(NOW, "report public --out link.html"), 1);
    CHECK_EQ_INT(run(NOW, "report public --out victim"), 1);
    REQUIRE(stat(path, &st) == 0);
    CHECK_EQ_INT(st.st_size, 8);
    /* A fit page: 0600 (the publisher copies it), with the audit head on it. */
    CHECK_EQ_INT(run(NOW, "report public --out page.html"), 0);
    snprintf(path, sizeof path, "%s/page.html", dir);
    REQUIRE(stat(path, &st) == 0);
    CHECK_EQ_INT(st.st_mode & 0777, 0600);
    char *page = slurp(path);
    REQUIRE(page != NULL);
    CHECK(strstr(page, STORE_AUDIT_ANCHOR_PREFIX " id=") != NULL);
    free(page);
    /* The page's anchor is one `audit verify --anchor` takes. */
    CHECK_EQ_INT(run(NOW, "audit verify --no-journal --anchor page.html"), 0);
    CHECK(strstr(out_text, "matches") != NULL);
}

static void test_report_audit_json_valid(void)
{
    json_error_t e;
    json_t *v;
    NEEDS_SERVICE();
    CHECK_EQ_INT(run(NOW, "--json report audit"), 0);
    v = json_loads(out_text, 0, &e);
    CHECK(v != NULL);
    CHECK(json_object_get(v, "incident_reused_across_crime_types") != NULL);
    json_decref(v);
    CHECK_EQ_INT(run(NOW, "--json audit list"), 0);
    v = json_loads(out_text, 0, &e);
    CHECK(v != NULL);
    json_decref(v);
}

int main(int argc, char **argv)
{
    (void)argc;
    if (service_program(argv[0], "alpr-stored-testclock", stored) != 0 ||
        service_program(argv[0], "../alpr", alpr) != 0) {
        printf("needs build/alpr and build/tests/alpr-stored-testclock\n");
        return 1;
    }
    setup();
    RUN(test_service_writes_anchors);
    RUN(test_verify_against_anchor_file);
    RUN(test_report_public_files);
    RUN(test_report_audit_json_valid);
    if (started)
        CHECK_EQ_INT(service_stop(&service), 0);
    return test_finish();
}
