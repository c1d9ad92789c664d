/*
 * The audit chain's anchors through the service and the CLI, as they are used: the service
 * writes the head to stderr (the journal) and its --anchor-file; `alpr audit verify --anchor FILE`
 * checks the chain against the latest anchor there; `alpr report public` carries the head and
 * refuses an unfit --policy file or --out path; `report audit --json` stays valid JSON.
 * (The attacks on the file itself are in test_store_anchor.c: the service's file is encrypted.)
 */
#include "cli_runner.h"
#include "store_audit.h"

#include <jansson.h>

static struct cli cli;
static char anchors[700];

/* Runs `alpr ARGS` (as root, member ada) in the test's folder; returns the exit code. */
static int run(const char *env, const char *args)
{
    static const struct cli_as root = {0, 0, NULL, NULL};
    return cli_run(&cli, &root, env, args);
}

#define NOW      "ALPR_NOW=2026-01-01T00:00:00Z"
#define ADMIN_PW "ALPR_PASSWORD='admin password 1'"

static void setup(void)
{
    static char anchor_arg[720];
    const char *extra[] = {"--anchor-file", anchor_arg, NULL};
    snprintf(anchors, sizeof anchors, "%s/anchor_service/anchors", test_tmpdir());
    snprintf(anchor_arg, sizeof anchor_arg, "%s", anchors);
    unlink(anchors);
    if (cli_start(&cli, "anchor_service", extra, 0) != 0)
        return;
    cli.started = 1;
    if (run(NOW " " ADMIN_PW, "user init --name ada --training 2025-12-01") != 0 ||
        run(NOW " " ADMIN_PW, "login --user ada") != 0)
        cli.started = 0;
}

#define NEEDS_SERVICE()                                                                            \
    CLI_NEEDS_SERVICE(&cli, "needs root (the service's bootstrap account) and a running service")

/* Waits (at most 5 s) until the anchor file names an entry >= id; returns that anchor's id. */
static int64_t wait_anchor(int64_t id, struct store_audit_head *h)
{
    for (int i = 0; i < 50; i++) {
        char *text = slurp(anchors, NULL), *line, *save = NULL;
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
    snprintf(path, sizeof path, "%s/service.log", cli.service.dir);
    log = slurp(path, NULL);
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
    CHECK(strstr(cli.out, "no anchor found") != NULL);
    CHECK_EQ_INT(run(NOW, "audit verify --no-journal --anchor anchors"), 0);
    CHECK(strstr(cli.out, "matches") != NULL);
    /* An anchor the chain does not reach: its tail was cut. */
    snprintf(forged, sizeof forged, "%s/ahead", cli.dir);
    h.id += 1000;
    REQUIRE(store_audit_anchor_format(&h, line, sizeof line) == 0);
    fp = fopen(forged, "w");
    REQUIRE(fp != NULL);
    fprintf(fp, "%s\n", line);
    fclose(fp);
    CHECK_EQ_INT(run(NOW, "audit verify --no-journal --anchor anchors --anchor ahead"), 1);
    CHECK(strstr(cli.err, "tail was deleted") != NULL);
    /* An anchor whose entry has another hash: the chain was rewritten. */
    h.id -= 1000;
    h.hash[0] = h.hash[0] == 'a' ? 'b' : 'a';
    REQUIRE(store_audit_anchor_format(&h, line, sizeof line) == 0);
    fp = fopen(forged, "w");
    REQUIRE(fp != NULL);
    fprintf(fp, "%s\n", line);
    fclose(fp);
    CHECK_EQ_INT(run(NOW, "audit verify --no-journal --anchor ahead"), 1);
    CHECK(strstr(cli.err, "rewritten") != NULL);
    CHECK_EQ_INT(run(NOW, "audit verify --no-journal --anchor nonexistent"), 1);
}

static void test_report_public_files(void)
{
    char path[800];
    FILE *fp;
    struct stat st;
    NEEDS_SERVICE();
    /* Finding 13: an export's reads.csv as the policy puts plates on the page: refused. */
    snprintf(path, sizeof path, "%s/reads.csv", cli.dir);
    fp = fopen(path, "w");
    REQUIRE(fp != NULL);
    fputs("id,time,plate,unit\n1,2026-01-01T00:00:00Z,UM78029,U1\n", fp);
    fclose(fp);
    CHECK_EQ_INT(run(NOW, "report public --policy reads.csv --out page.html"), 1);
    CHECK(strstr(cli.err, "line 2") && strstr(cli.err, "UM78029"));
    snprintf(path, sizeof path, "%s/page.html", cli.dir);
    CHECK(access(path, F_OK) != 0);
    /* --out never follows a symlink nor overwrites. */
    snprintf(path, sizeof path, "%s/victim", cli.dir);
    fp = fopen(path, "w");
    REQUIRE(fp != NULL);
    fputs("keep me\n", fp);
    fclose(fp);
    char link[800];
    snprintf(link, sizeof link, "%s/link.html", cli.dir);
    unlink(link);
    REQUIRE(symlink(path, link) == 0);
    CHECK_EQ_INT(run(NOW, "report public --out link.html"), 1);
    CHECK_EQ_INT(run(NOW, "report public --out victim"), 1);
    REQUIRE(stat(path, &st) == 0);
    CHECK_EQ_INT(st.st_size, 8);
    /* A fit page: 0600 (the publisher copies it), with the audit head on it. */
    CHECK_EQ_INT(run(NOW, "report public --out page.html"), 0);
    snprintf(path, sizeof path, "%s/page.html", cli.dir);
    REQUIRE(stat(path, &st) == 0);
    CHECK_EQ_INT(st.st_mode & 0777, 0600);
    char *page = slurp(path, NULL);
    REQUIRE(page != NULL);
    CHECK(strstr(page, STORE_AUDIT_ANCHOR_PREFIX " id=") != NULL);
    free(page);
    /* The page's anchor is one `audit verify --anchor` takes. */
    CHECK_EQ_INT(run(NOW, "audit verify --no-journal --anchor page.html"), 0);
    CHECK(strstr(cli.out, "matches") != NULL);
}

static void test_report_audit_json_valid(void)
{
    json_error_t e;
    json_t *v;
    NEEDS_SERVICE();
    CHECK_EQ_INT(run(NOW, "--json report audit"), 0);
    v = json_loads(cli.out, 0, &e);
    CHECK(v != NULL);
    CHECK(json_object_get(v, "incident_reused_across_crime_types") != NULL);
    json_decref(v);
    CHECK_EQ_INT(run(NOW, "--json audit list"), 0);
    v = json_loads(cli.out, 0, &e);
    CHECK(v != NULL);
    json_decref(v);
}

int main(int argc, char **argv)
{
    (void)argc;
    if (cli_programs(&cli, argv[0]) != 0)
        return 1;
    setup();
    RUN(test_service_writes_anchors);
    RUN(test_verify_against_anchor_file);
    RUN(test_report_public_files);
    RUN(test_report_audit_json_valid);
    int stopped = cli_stop(&cli);
    if (cli.started)
        CHECK_EQ_INT(stopped, 0);
    return test_finish();
}
