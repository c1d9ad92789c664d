/* Tests of the store's `alpr` subcommands, run as a user would: exit codes, messages, files. */
#include "test_store_util.h"

#include <libgen.h>
#include <limits.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char alpr[PATH_MAX], dir[600], out_path[700], err_path[700];
static char *out_text, *err_text;

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

/* Runs `alpr ARGS` with the test's environment in front; returns the exit code. */
static int run(const char *env, const char *args)
{
    char cmd[8192];
    int n;
    free(out_text);
    free(err_text);
    n = snprintf(
        cmd, sizeof cmd,
        "cd %s && env ALPR_DB=%s/db/alpr.db ALPR_SESSION_FILE=%s/session %s %s %s >%s 2>%s", dir,
        dir, dir, env ? env : "", alpr, args, out_path, err_path);
    if (n < 0 || (size_t)n >= sizeof cmd)
        return -1;
    int st = system(cmd);
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

static int login(const char *user, const char *pw, const char *when)
{
    char env[256], args[128];
    snprintf(env, sizeof env, "ALPR_NOW=%s ALPR_PASSWORD='%s'", when, pw);
    snprintf(args, sizeof args, "login --user %s", user);
    return run(env, args);
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "%s/cli", test_tmpdir());
    mkdir(dir, 0700);
    snprintf(out_path, sizeof out_path, "%s/out.txt", dir);
    snprintf(err_path, sizeof err_path, "%s/err.txt", dir);
}

static void test_help_and_usage(void)
{
    static const char *cmds[] = {"login", "logout", "user",    "search", "hotlist", "alert",
                                 "hold",  "export", "release", "purge",  "audit",   "report"};
    char args[64];
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        snprintf(args, sizeof args, "%s --help", cmds[i]);
        CHECK_EQ_INT(run(NULL, args), 0);
        if (!strstr(out_text, "usage: alpr"))
            test_fail(__FILE__, __LINE__, "%s --help prints no usage", cmds[i]);
    }
    /* No password on the command line, ever. */
    CHECK_EQ_INT(run(NULL, "login --user ada --password secret"), 2);
    CHECK_EQ_INT(run(NULL, "search ABC123 --purpose investigation"), 3); /* not logged in */
    CHECK(strstr(err_text, "alpr login") != NULL);
}

static void test_bootstrap_login_roles(void)
{
    struct stat st;
    char path[700];
    CHECK_EQ_INT(run(NOW " " ADMIN_PW, "user init --name ada --training 2025-12-01"), 0);
    snprintf(path, sizeof path, "%s/db", dir);
    REQUIRE(stat(path, &st) == 0);
    CHECK_EQ_INT(st.st_mode & 0777, 0700);
    CHECK_EQ_INT(run(NOW " " ADMIN_PW, "user init --name eve --training 2025-12-01"), 1);
    snprintf(path, sizeof path, "%s/db/alpr.db", dir);
    REQUIRE(stat(path, &st) == 0);
    CHECK_EQ_INT(st.st_mode & 0777, 0600);
    snprintf(path, sizeof path, "%s/db/alpr.db-wal", dir);
    if (stat(path, &st) == 0)
        CHECK_EQ_INT(st.st_mode & 0777, 0600);
    /* Password from a file descriptor. */
    snprintf(path, sizeof path, "%s/pw", dir);
    FILE *fp = fopen(path, "w");
    REQUIRE(fp != NULL);
    fputs("admin password 1\n", fp);
    fclose(fp);
    CHECK_EQ_INT(run(NOW, "login --user ada --password-fd 3 3<pw"), 0);
    CHECK(strstr(out_text, "logged in as ada (administrator)") != NULL);
    snprintf(path, sizeof path, "%s/session", dir);
    REQUIRE(stat(path, &st) == 0);
    CHECK_EQ_INT(st.st_mode & 0777, 0600);
    CHECK_EQ_INT(run(NOW " ALPR_NEW_PASSWORD='investigator pw'",
                     "user add ivan --role investigator --training 2025-12-01"),
                 0);
    CHECK_EQ_INT(run(NOW " ALPR_NEW_PASSWORD='auditor password'",
                     "user add aude --role auditor --training 2025-12-01"),
                 0);
    CHECK_EQ_INT(run(NOW " ALPR_NEW_PASSWORD='operator password'", "user add olga --role operator"),
                 0);
    CHECK_EQ_INT(run(NOW " ALPR_NEW_PASSWORD='short'", "user add bob --role operator"), 2);
    CHECK_EQ_INT(run(NOW, "user add 'x;drop' --role operator"), 2);
    CHECK_EQ_INT(run(NOW, "--json user list"), 0);
    CHECK(strstr(out_text, "\"name\": \"ivan\", \"role\": \"investigator\"") != NULL);
    /* Untrained operator cannot log on; wrong password: exit 3. */
    CHECK_EQ_INT(login("olga", "operator password", "2026-01-01T00:00:00Z"), 3);
    CHECK(strstr(err_text, "training") != NULL);
    CHECK_EQ_INT(login("ivan", "wrong password!", "2026-01-01T00:00:00Z"), 3);
    CHECK_EQ_INT(login("ivan", "investigator pw", "2026-01-01T00:00:00Z"), 0);
    /* Investigators do not manage members. */
    CHECK_EQ_INT(run(NOW, "user unlock olga"), 3);
    /* A session file readable by others is refused. */
    snprintf(path, sizeof path, "%s/session", dir);
    chmod(path, 0644);
    CHECK_EQ_INT(run(NOW, "hotlist list"), 3);
    CHECK(strstr(err_text, "readable by others") != NULL);
    chmod(path, 0600);
    CHECK_EQ_INT(run(NOW, "hotlist list"), 0);
    /* Idle for 31 minutes: the session is over. */
    CHECK_EQ_INT(run("ALPR_NOW=2026-01-01T00:31:01Z", "hotlist list"), 3);
    CHECK(strstr(err_text, "expired") != NULL);
    CHECK_EQ_INT(run("ALPR_NOW=2026-01-01T00:31:01Z", "hotlist list"), 3);
    CHECK(strstr(err_text, "not logged in") != NULL);
}

static void add_reads(void)
{
    struct store *s;
    char path[700];
    int64_t id;
    snprintf(path, sizeof path, "%s/db/alpr.db", dir);
    REQUIRE(store_open(path, &s) == 0);
    for (int i = 0; i < 5; i++) {
        uint8_t png[64];
        size_t n = make_png(png, sizeof png, "cli");
        struct store_read r = make_read(i < 3 ? "7ABC123" : "7ABX992", T0 - 3600 + i * 60, "U1");
        r.png = png;
        r.png_len = n;
        REQUIRE(store_add_read(s, &r, &id, NULL, NULL) == 0);
    }
    store_close(s);
}

static void test_search_hotlist_hold_export(void)
{
    char path[700], cmd[1024];
    add_reads();
    REQUIRE(login("ivan", "investigator pw", "2026-01-01T00:00:00Z") == 0);
    CHECK_EQ_INT(run(NOW, "--json search 7ABC123 --purpose investigation --crime robbery"
                          " --incident 2026-9"),
                 0);
    CHECK(strstr(out_text, "\"plate\": \"7ABC123\"") != NULL);
    CHECK(strstr(out_text, "7ABX992") == NULL);
    CHECK_EQ_INT(run(NOW, "--csv search '7AB*2' --purpose investigation --crime robbery"
                          " --incident 2026-9"),
                 0);
    CHECK(strstr(out_text, "7ABX992") != NULL && strstr(out_text, "7ABC123") == NULL);
    CHECK_EQ_INT(run(NOW, "search 7A8C123 --fuzzy --purpose investigation --crime robbery"
                          " --incident 2026-9"),
                 0);
    CHECK(strstr(out_text, "7ABC123") != NULL);
    CHECK_EQ_INT(run(NOW, "search 7ABC123 --purpose investigation --crime robbery"), 3);
    CHECK_EQ_INT(run(NOW, "search 7ABC123 --purpose fishing --crime x --incident 1"), 3);
    CHECK_EQ_INT(run(NOW, "search --show 1 --image out.png --purpose investigation --crime"
                          " robbery --incident 2026-9"),
                 0);
    snprintf(path, sizeof path, "%s/out.png", dir);
    CHECK(access(path, F_OK) == 0);

    /* Hotlist CSV: a bad file is rejected whole with FILE:LINE: field: message. */
    snprintf(path, sizeof path, "%s/hot.csv", dir);
    FILE *fp = fopen(path, "w");
    REQUIRE(fp != NULL);
    fputs("plate,state,reason,source,expiry\n7ABC123,UT,stolen,NCIC,2026-06-01\n"
          "7A'C,UT,x,y,2026-06-01\n",
          fp);
    fclose(fp);
    CHECK_EQ_INT(run(NOW, "hotlist import hot.csv --name daily"), 4);
    CHECK(strstr(err_text, "hot.csv:3: plate:") != NULL);
    CHECK_EQ_INT(run(NOW, "--csv hotlist list"), 0);
    CHECK(strstr(out_text, "daily") == NULL);
    fp = fopen(path, "w");
    REQUIRE(fp != NULL);
    fputs("plate,state,reason,source,expiry\n7ABC123,UT,stolen,NCIC,2026-06-01\n", fp);
    fclose(fp);
    CHECK_EQ_INT(run(NOW, "hotlist import hot.csv --name daily"), 0);
    CHECK(strstr(out_text, "1 entries imported") != NULL);

    /* Hold and evidence export; the manifest checks with sha256sum. */
    CHECK_EQ_INT(run(NOW, "hold add --kind warrant --ref SW-1 --plate 7ABC123"), 0);
    CHECK_EQ_INT(run(NOW, "hold add --kind preservation --ref PR-1"), 2);
    CHECK_EQ_INT(run(NOW, "export 1 --out evidence --note 'locker 4'"), 0);
    CHECK(strstr(out_text, "3 reads, 3 images") != NULL);
    snprintf(cmd, sizeof cmd, "cd %s/evidence && sha256sum -c --quiet MANIFEST.sha256", dir);
    CHECK_EQ_INT(system(cmd), 0);
    CHECK_EQ_INT(run(NOW, "export custody 1 --action 'booked into evidence'"), 0);
    CHECK_EQ_INT(run(NOW, "logout"), 0);
}

static void test_admin_audit_report_purge(void)
{
    char path[700];
    REQUIRE(login("ada", "admin password 1", "2026-01-01T00:05:00Z") == 0);
    CHECK_EQ_INT(run("ALPR_NOW=2026-01-01T00:05:00Z", "release request --agency 'County DA'"
                                                      " --requester 'ADA Smith' --purpose trial"
                                                      " --hold 1"),
                 0);
    CHECK_EQ_INT(run("ALPR_NOW=2026-01-01T00:05:00Z", "release approve 1 --note ok"), 3);
    CHECK_EQ_INT(run("ALPR_NOW=2026-01-01T00:05:00Z", "release fulfil 1 --out rel"), 1);
    CHECK_EQ_INT(run("ALPR_NOW=2026-01-01T00:05:00Z", "audit verify"), 0);
    CHECK(strstr(out_text, "audit log verified") != NULL);
    /* The printed head anchors the chain: found later, while a made-up one is not. */
    const char *head = strstr(out_text, "head ");
    REQUIRE(head != NULL && strlen(head) >= 5 + 64);
    char args[200];
    snprintf(args, sizeof args, "audit verify --expect-head %.64s", head + 5);
    CHECK_EQ_INT(run("ALPR_NOW=2026-01-01T00:05:00Z", args), 0);
    CHECK(strstr(out_text, "chain up to it is intact") != NULL);
    CHECK_EQ_INT(run("ALPR_NOW=2026-01-01T00:05:00Z",
                     "audit verify --expect-head "
                     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
                 1);
    CHECK(strstr(err_text, "rewritten") != NULL);
    CHECK_EQ_INT(run("ALPR_NOW=2026-01-01T00:05:00Z", "--json report audit"), 0);
    CHECK(strstr(out_text, "\"searches_by_member\"") != NULL);
    CHECK(strstr(out_text, "refused: incident number missing") != NULL);
    CHECK_EQ_INT(run("ALPR_NOW=2026-01-01T00:05:00Z", "report public --out page.html"), 0);
    snprintf(path, sizeof path, "%s/page.html", dir);
    char *page = slurp(path);
    REQUIRE(page != NULL);
    CHECK(strstr(page, "<!DOCTYPE html>") != NULL);
    CHECK(strstr(page, "7ABC123") == NULL && strstr(page, "7ABX992") == NULL);
    free(page);
    CHECK_EQ_INT(run("ALPR_NOW=2026-01-01T00:05:00Z", "purge --set-retention-days 300"), 2);
    /* Ten months later: the unheld reads go, the held ones stay. */
    REQUIRE(login("ada", "admin password 1", "2026-11-01T00:00:00Z") == 0);
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "--json purge"), 0);
    CHECK(strstr(out_text, "\"reads\": 2") != NULL);
    CHECK(strstr(out_text, "\"held\": 3") != NULL);
    CHECK(strstr(out_text, "\"compacted\": 1") != NULL);
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "audit verify"), 0);
    /* Tamper with the log behind the program's back: verify names the entry. */
    sqlite3 *db;
    snprintf(path, sizeof path, "%s/db/alpr.db", dir);
    REQUIRE(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK_EQ_INT(sqlite3_exec(db,
                              "DROP TRIGGER audit_no_update; UPDATE audit SET outcome = 'x'"
                              " WHERE id = 3",
                              NULL, NULL, NULL),
                 SQLITE_OK);
    sqlite3_close(db);
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "audit verify"), 1);
    CHECK(strstr(err_text, "TAMPERED at entry 3") != NULL);
}

int main(int argc, char **argv)
{
    (void)argc;
    char self[1024];
    snprintf(self, sizeof self, "%s", argv[0]);
    char rel[1100];
    snprintf(rel, sizeof rel, "%s/../alpr", dirname(self));
    if (!realpath(rel, alpr) || access(alpr, X_OK) != 0) {
        printf("cannot find %s\n", alpr);
        return 1;
    }
    setup();
    RUN(test_help_and_usage);
    RUN(test_bootstrap_login_roles);
    RUN(test_search_hotlist_hold_export);
    RUN(test_admin_audit_report_purge);
    free(out_text);
    free(err_text);
    return test_finish();
}
