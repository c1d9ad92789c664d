/*
 * Tests of the store's `alpr` subcommands, run as users would: each member from their own OS
 * account (setpriv), against a running store service (its test build, whose clock ALPR_NOW sets),
 * with reads ingested from the reader's account. Exit codes, messages, files.
 */
#include "cli_runner.h"

#include <sqlite3.h>

static struct cli cli;

/* The members' OS accounts: ada is root (she bootstraps the store); the others have none in
 * /etc/passwd, which the service does not need. They share the group that may reach the socket. */
#define MEMBERS_GID 64000
#define READER_UID  64010
static const struct {
    const char *name;
    unsigned uid;
} accounts[] = {{"ada", 0},     {"ivan", 64001},  {"aude", 64002}, {"olga", 64003},
                {"eve", 64004}, {"chief", 64005}, {"rex", 64007}};
static unsigned as_uid; /* run() runs alpr as this account */

static unsigned uid_of(const char *member)
{
    for (size_t i = 0; i < sizeof accounts / sizeof accounts[0]; i++)
        if (strcmp(accounts[i].name, member) == 0)
            return accounts[i].uid;
    return 0;
}

/* Runs `alpr ARGS` with the test's environment in front; returns the exit code. */
static int run(const char *env, const char *args)
{
    const struct cli_as as = {as_uid, MEMBERS_GID, NULL, NULL};
    return cli_run(&cli, &as, env, args);
}

/* The tests share one store, whose clock may not go back: the first ends (its session idles out)
 * before the next one begins. */
#define NOW1     "ALPR_NOW=2025-12-31T23:00:00Z"
#define NOW      "ALPR_NOW=2026-01-01T00:00:00Z"
#define ADMIN_PW "ALPR_PASSWORD='admin password 1'"
/* An export is justified like a search (store_export.h). */
#define EXPORT_WHY " --purpose investigation --crime robbery --incident 2026-9"

static int login(const char *user, const char *pw, const char *when)
{
    char env[256], args[128];
    snprintf(env, sizeof env, "ALPR_NOW=%s ALPR_PASSWORD='%s'", when, pw);
    snprintf(args, sizeof args, "login --user %s", user);
    as_uid = uid_of(user);
    return run(env, args);
}

/* The service, its socket reachable by the members' group; the folder shared like /tmp. */
static void setup(void)
{
    static const char *const extra[] = {
        "--ingest-user", "64010", "--ingest-group", "64000", "--socket-group", "64000", NULL};
    cli.started = cli_start(&cli, "cli", extra, 1) == 0;
}

#define NEEDS_SERVICE()                                                                            \
    CLI_NEEDS_SERVICE(&cli, "needs root (to act as several OS accounts) and a running service")

static void test_help_and_usage(void)
{
    static const char *cmds[] = {"login", "logout", "user",    "search", "hotlist", "alert",
                                 "hold",  "export", "release", "purge",  "audit",   "report"};
    char args[64];
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        snprintf(args, sizeof args, "%s --help", cmds[i]);
        CHECK_EQ_INT(run(NULL, args), 0);
        if (!strstr(cli.out, "usage: alpr"))
            test_fail(__FILE__, __LINE__, "%s --help prints no usage", cmds[i]);
    }
    /* No password on the command line, ever. */
    CHECK_EQ_INT(run(NULL, "login --user ada --password secret"), 2);
    CHECK_EQ_INT(run(NULL, "search ABC123 --purpose investigation"), 3); /* not logged in */
    CHECK(strstr(cli.err, "alpr login") != NULL);
}

static void test_bootstrap_login_roles(void)
{
    struct stat st;
    char path[1200];
    NEEDS_SERVICE();
    /* Only root or the service's account bootstraps. */
    as_uid = uid_of("eve");
    CHECK_EQ_INT(run(NOW1 " " ADMIN_PW, "user init --name eve --training 2025-12-01"), 3);
    as_uid = 0;
    CHECK_EQ_INT(run(NOW1 " " ADMIN_PW, "user init --name ada --training 2025-12-01"), 0);
    REQUIRE(stat(cli.service.state, &st) == 0);
    CHECK_EQ_INT(st.st_mode & 0777, 0700);
    CHECK_EQ_INT(run(NOW1 " " ADMIN_PW, "user init --name eve --training 2025-12-01"), 1);
    snprintf(path, sizeof path, "%s/alpr.db", cli.service.state);
    REQUIRE(stat(path, &st) == 0);
    CHECK_EQ_INT(st.st_mode & 0777, 0600);
    snprintf(path, sizeof path, "%s/alpr.db-wal", cli.service.state);
    if (stat(path, &st) == 0)
        CHECK_EQ_INT(st.st_mode & 0777, 0600);
    /* Password from a file descriptor. */
    snprintf(path, sizeof path, "%s/pw", cli.dir);
    FILE *fp = fopen(path, "w");
    REQUIRE(fp != NULL);
    fputs("admin password 1\n", fp);
    fclose(fp);
    CHECK_EQ_INT(run(NOW1, "login --user ada --password-fd 3 3<pw"), 0);
    CHECK(strstr(cli.out, "logged in as ada (administrator)") != NULL);
    snprintf(path, sizeof path, "%s/session", cli.dir);
    REQUIRE(stat(path, &st) == 0);
    CHECK_EQ_INT(st.st_mode & 0777, 0600);
    CHECK_EQ_INT(run(NOW1 " ALPR_NEW_PASSWORD='investigator pw'",
                     "user add ivan --role investigator --training 2025-12-01 --os-user 64001"),
                 0);
    CHECK_EQ_INT(run(NOW1 " ALPR_NEW_PASSWORD='auditor password'",
                     "user add aude --role auditor --training 2025-12-01 --os-user 64002"),
                 0);
    CHECK_EQ_INT(run(NOW1 " ALPR_NEW_PASSWORD='operator password'",
                     "user add olga --role operator --os-user 64003"),
                 0);
    /* rex becomes the records officer months later (an account this old needs no second
     * administrator's confirmation). */
    CHECK_EQ_INT(run(NOW1 " ALPR_NEW_PASSWORD='records password'",
                     "user add rex --role investigator --training 2025-12-01 --os-user 64007"),
                 0);
    CHECK_EQ_INT(
        run(NOW1 " ALPR_NEW_PASSWORD='short'", "user add bob --role operator --os-user 64005"), 2);
    CHECK_EQ_INT(run(NOW1, "user add 'x;drop' --role operator --os-user 64006"), 2);
    CHECK_EQ_INT(run(NOW1, "--json user list"), 0);
    CHECK(strstr(cli.out, "\"name\": \"ivan\", \"role\": \"investigator\"") != NULL);
    /* One member per OS account. */
    CHECK_EQ_INT(run(NOW1 " ALPR_NEW_PASSWORD='another password'",
                     "user add ivan2 --role operator --os-user 64001"),
                 1);
    /* Untrained operator cannot log on; wrong password: exit 3. */
    CHECK_EQ_INT(login("olga", "operator password", "2025-12-31T23:00:00Z"), 3);
    CHECK(strstr(cli.err, "training") != NULL);
    CHECK_EQ_INT(login("ivan", "wrong password!", "2025-12-31T23:00:00Z"), 3);
    CHECK_EQ_INT(login("ivan", "investigator pw", "2025-12-31T23:00:00Z"), 0);
    /* Investigators do not manage members. */
    CHECK_EQ_INT(run(NOW1, "user unlock olga"), 3);
    /* A session file readable by others is refused. */
    snprintf(path, sizeof path, "%s/session-%u", cli.dir, uid_of("ivan"));
    chmod(path, 0644);
    CHECK_EQ_INT(run(NOW1, "hotlist list"), 3);
    CHECK(strstr(cli.err, "readable by others") != NULL);
    chmod(path, 0600);
    CHECK_EQ_INT(run(NOW1, "hotlist list"), 0);
    /* Idle for 31 minutes: the session is over. */
    CHECK_EQ_INT(run("ALPR_NOW=2025-12-31T23:31:01Z", "hotlist list"), 3);
    CHECK(strstr(cli.err, "expired") != NULL);
    CHECK_EQ_INT(run("ALPR_NOW=2025-12-31T23:31:01Z", "hotlist list"), 3);
    CHECK(strstr(cli.err, "not logged in") != NULL);
}

/* Makes call ingest of the five test reads as uid; returns its STORE_ERR_* (or 99: no child). */
static int ingest_as(unsigned uid)
{
    struct store_read reads[5];
    uint8_t png[5][64];
    cli_five_reads(reads, png);
    return cli_ingest(&cli, uid, MEMBERS_GID, "2026-01-01T00:00:00Z", reads, 5);
}

static void add_reads(void)
{
    /* A member's account cannot ingest; the reader's can. */
    CHECK_EQ_INT(ingest_as(uid_of("ivan")), STORE_ERR_DENIED);
    REQUIRE(ingest_as(READER_UID) == 0);
}

static void test_search_hotlist_hold_export(void)
{
    char path[1200], cmd[1024];
    NEEDS_SERVICE();
    add_reads();
    REQUIRE(login("ivan", "investigator pw", "2026-01-01T00:00:00Z") == 0);
    CHECK_EQ_INT(run(NOW, "--json search 7ABC123 --purpose investigation --crime robbery"
                          " --incident 2026-9"),
                 0);
    CHECK(strstr(cli.out, "\"plate\": \"7ABC123\"") != NULL);
    CHECK(strstr(cli.out, "7ABX992") == NULL);
    CHECK_EQ_INT(run(NOW, "--csv search '7AB*2' --purpose investigation --crime robbery"
                          " --incident 2026-9"),
                 0);
    CHECK(strstr(cli.out, "7ABX992") != NULL && strstr(cli.out, "7ABC123") == NULL);
    CHECK_EQ_INT(run(NOW, "search 7A8C123 --fuzzy --purpose investigation --crime robbery"
                          " --incident 2026-9"),
                 0);
    CHECK(strstr(cli.out, "7ABC123") != NULL);
    CHECK_EQ_INT(run(NOW, "search 7ABC123 --purpose investigation --crime robbery"), 3);
    CHECK_EQ_INT(run(NOW, "search 7ABC123 --purpose fishing --crime x --incident 1"), 3);
    CHECK_EQ_INT(run(NOW, "search --show 1 --image out.png --purpose investigation --crime"
                          " robbery --incident 2026-9"),
                 0);
    snprintf(path, sizeof path, "%s/out.png", cli.dir);
    CHECK(access(path, F_OK) == 0);

    /* Hotlist CSV: a bad file is rejected whole with FILE:LINE: field: message. */
    snprintf(path, sizeof path, "%s/hot.csv", cli.dir);
    FILE *fp = fopen(path, "w");
    REQUIRE(fp != NULL);
    fputs("plate,state,reason,source,expiry,incident\n7ABC123,UT,stolen,NCIC,2026-06-01,2026-1\n"
          "7A'C,UT,x,y,2026-06-01,2026-1\n",
          fp);
    fclose(fp);
    CHECK_EQ_INT(run(NOW, "hotlist import hot.csv --name daily"), 4);
    CHECK(strstr(cli.err, "hot.csv:3: plate:") != NULL);
    CHECK_EQ_INT(run(NOW, "--csv hotlist list"), 0);
    CHECK(strstr(cli.out, "daily") == NULL);
    fp = fopen(path, "w");
    REQUIRE(fp != NULL);
    fputs("plate,state,reason,source,expiry,incident\n7ABC123,UT,stolen,NCIC,2026-06-01,2026-1\n",
          fp);
    fclose(fp);
    CHECK_EQ_INT(run(NOW, "hotlist import hot.csv --name daily"), 0);
    CHECK(strstr(cli.out, "1 entries imported") != NULL);

    /* Hold and evidence export; the manifest checks with sha256sum. An investigator's word is
     * no warrant: only a preservation request (14 days) is theirs to enter. */
    CHECK_EQ_INT(run(NOW, "hold add --kind warrant --ref SW-1 --plate 7ABC123 --court 'Made-up"
                          " Court' --expires 2027-01-01"),
                 3);
    CHECK_EQ_INT(run(NOW, "hold add --kind preservation --ref PR-1 --plate 7ABC123"), 0);
    CHECK_EQ_INT(run(NOW, "hold add --kind preservation --ref PR-2"), 2);
    CHECK_EQ_INT(run(NOW, "export 1 --out evidence --note 'locker 4'" EXPORT_WHY), 0);
    CHECK(strstr(cli.out, "3 reads, 3 images") != NULL);
    snprintf(cmd, sizeof cmd, "cd %s/evidence && sha256sum -c --quiet MANIFEST.sha256", cli.dir);
    CHECK_EQ_INT(system(cmd), 0);
    CHECK_EQ_INT(run(NOW, "export custody 1 --action 'booked into evidence'"), 0);
    CHECK_EQ_INT(run(NOW, "logout"), 0);
}

static void test_admin_audit_report_purge(void)
{
    char path[1200];
    NEEDS_SERVICE();
    REQUIRE(login("ada", "admin password 1", "2026-01-01T00:05:00Z") == 0);
    /* The warrant, hold 2: pending until a second officer approves it (below). */
    CHECK_EQ_INT(run("ALPR_NOW=2026-01-01T00:05:00Z",
                     "hold add --kind warrant --ref SW-1 --plate 7ABC123 --court '3rd District"
                     " Court' --expires 2027-01-01"),
                 0);
    CHECK(strstr(cli.err, "pending") != NULL);
    CHECK_EQ_INT(run("ALPR_NOW=2026-01-01T00:05:00Z", "hold approve 2"), 3); /* her own */
    CHECK_EQ_INT(run("ALPR_NOW=2026-01-01T00:05:00Z", "release request --agency 'County DA'"
                                                      " --requester 'ADA Smith' --purpose trial"
                                                      " --hold 2"),
                 0);
    CHECK_EQ_INT(run("ALPR_NOW=2026-01-01T00:05:00Z", "release approve 1 --note ok"), 3);
    CHECK_EQ_INT(run("ALPR_NOW=2026-01-01T00:05:00Z", "release fulfil 1 --out rel"), 1);
    CHECK_EQ_INT(run("ALPR_NOW=2026-01-01T00:05:00Z", "audit verify"), 0);
    CHECK(strstr(cli.out, "audit log verified") != NULL);
    /* The printed head anchors the chain: found later, while a made-up one is not. */
    const char *head = strstr(cli.out, "head ");
    REQUIRE(head != NULL && strlen(head) >= 5 + 64);
    char args[200];
    snprintf(args, sizeof args, "audit verify --expect-head %.64s", head + 5);
    CHECK_EQ_INT(run("ALPR_NOW=2026-01-01T00:05:00Z", args), 0);
    CHECK(strstr(cli.out, "chain up to it is intact") != NULL);
    CHECK_EQ_INT(run("ALPR_NOW=2026-01-01T00:05:00Z",
                     "audit verify --expect-head "
                     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
                 1);
    CHECK(strstr(cli.err, "rewritten") != NULL);
    CHECK_EQ_INT(run("ALPR_NOW=2026-01-01T00:05:00Z", "--json report audit"), 0);
    CHECK(strstr(cli.out, "\"searches_by_member\"") != NULL);
    CHECK(strstr(cli.out, "refused: incident number missing") != NULL);
    CHECK_EQ_INT(run("ALPR_NOW=2026-01-01T00:05:00Z", "report public --out page.html"), 0);
    snprintf(path, sizeof path, "%s/page.html", cli.dir);
    char *page = slurp(path, NULL);
    REQUIRE(page != NULL);
    CHECK(strstr(page, "<!DOCTYPE html>") != NULL);
    CHECK(strstr(page, "7ABC123") == NULL && strstr(page, "7ABX992") == NULL);
    free(page);
    CHECK_EQ_INT(run("ALPR_NOW=2026-01-01T00:05:00Z", "purge --set-retention-days 300"), 2);
    /* Ten months later: the preservation request has lapsed; rex, now records officer,
     * approves the warrant, which keeps its reads; the unheld reads go. */
    REQUIRE(login("ada", "admin password 1", "2026-11-01T00:00:00Z") == 0);
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "user role rex records"), 0);
    CHECK(strstr(cli.out, "role: done") != NULL);
    REQUIRE(login("rex", "records password", "2026-11-01T00:00:00Z") == 0);
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "hold approve 2"), 0);
    REQUIRE(login("ada", "admin password 1", "2026-11-01T00:00:00Z") == 0);
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "--json purge"), 0);
    CHECK(strstr(cli.out, "\"reads\": 2") != NULL);
    CHECK(strstr(cli.out, "\"held\": 3") != NULL);
    CHECK(strstr(cli.out, "\"compacted\": 1") != NULL);
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "audit verify"), 0);
    /* Even root, going behind the service's back with SQLite, finds no table to edit: the file
     * is encrypted under a key it does not have (tampering with the chain itself is
     * tests/test_store_audit.c's). */
    sqlite3 *db;
    snprintf(path, sizeof path, "%s/alpr.db", cli.service.state);
    REQUIRE(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    CHECK(sqlite3_exec(db, "SELECT count(*) FROM audit", NULL, NULL, NULL) != SQLITE_OK);
    sqlite3_close(db);
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "audit verify"), 0);
}

/*
 * Calls the service directly as ada (root) with her session at 2026-11-01, as any client could:
 * returns the STORE_ERR_* (0: ok) and the answer's message in msg; *result when asked.
 */
static int call_ada(const char *call, const char *params_json, json_t **result, char *msg,
                    size_t size)
{
    struct store_client *c = NULL;
    char path[700], token[80] = "";
    json_t *params = json_loads(params_json, 0, NULL), *res = NULL;
    FILE *fp;
    int rc;
    snprintf(path, sizeof path, "%s/session", cli.dir);
    msg[0] = '\0';
    if (!params || !(fp = fopen(path, "r"))) {
        json_decref(params);
        return 99;
    }
    if (!fgets(token, sizeof token, fp))
        token[0] = '\0';
    fclose(fp);
    token[strcspn(token, "\n")] = '\0';
    if (store_client_open(cli.service.socket, &c) != 0) {
        json_decref(params);
        return 99;
    }
    store_client_set_token(c, token);
    store_client_set_test_now(c, "2026-11-01T00:00:00Z");
    rc = store_client_call(c, call, params, &res, msg, size);
    store_client_close(c);
    json_decref(params);
    if (result)
        *result = res;
    else
        json_decref(res);
    return rc;
}

#define STARTS_WITH(text, prefix) (strncmp((text), (prefix), strlen(prefix)) == 0)

/* The call fails with STORE_ERR_INVALID and its message names the parameter. */
#define CHECK_PARAM(call, params, name)                                                            \
    do {                                                                                           \
        char m_[512];                                                                              \
        CHECK_EQ_INT(call_ada(call, params, NULL, m_, sizeof m_), STORE_ERR_INVALID);              \
        if (!strstr(m_, "'" name "'"))                                                             \
            test_fail(__FILE__, __LINE__, "%s %s: message '%s' names no '%s'", call, params, m_,   \
                      name);                                                                       \
    } while (0)

static void test_admin_calls_errors(void)
{
    char path[1200], msg[512];
    struct stat st;
    json_t *res = NULL;
    NEEDS_SERVICE();
    as_uid = 0;
    REQUIRE(login("ada", "admin password 1", "2026-11-01T00:00:00Z") == 0);
    /* Missing or bad parameters: refused, the parameter named. */
    CHECK_PARAM("hold.add", "{}", "kind");
    CHECK_PARAM("hold.add", "{\"kind\": \"subpoena\", \"reference\": \"R\"}", "kind");
    CHECK_PARAM("hold.add", "{\"kind\": \"warrant\", \"plate\": \"7ABC123\"}", "reference");
    CHECK_PARAM("hold.add", "{\"kind\": \"warrant\", \"reference\": \"R\", \"from\": \"soon\"}",
                "from");
    CHECK_PARAM("hold.add", "{\"kind\": \"warrant\", \"reference\": 7, \"plate\": \"X\"}",
                "reference");
    CHECK_PARAM("hold.list", "{\"all\": \"yes\"}", "all");
    CHECK_PARAM("hold.release", "{\"id\": \"1\", \"reason\": \"x\"}", "id");
    CHECK_PARAM("hold.release", "{\"id\": 1}", "reason");
    CHECK_PARAM("retention.set", "{}", "days");
    CHECK_PARAM("retention.set", "{\"days\": 300}", "days");
    CHECK_PARAM("export", "{\"destination\": \"/x\"}", "hold");
    CHECK_PARAM("export", "{\"hold\": 0, \"destination\": \"/x\"}", "hold");
    CHECK_PARAM("export", "{\"hold\": 1}", "destination");
    CHECK_PARAM("export", "{\"hold\": 1, \"destination\": \"\"}", "destination");
    CHECK_PARAM("custody.add", "{\"export\": 1}", "action");
    CHECK_PARAM("release.request", "{\"agency\": \"A\", \"requester\": \"R\", \"hold\": 1}",
                "purpose");
    CHECK_PARAM("release.review", "{\"id\": 1, \"decision\": \"maybe\", \"note\": \"n\"}",
                "decision");
    CHECK_PARAM("release.review", "{\"id\": 1, \"decision\": \"deny\"}", "note");
    CHECK_PARAM("release.fulfil", "{\"id\": 1}", "destination");
    CHECK_PARAM("audit.verify", "{\"expect_head\": \"abc\"}", "expect_head");
    CHECK_PARAM("audit.list", "{\"limit\": 0}", "limit");
    CHECK_PARAM("audit.list", "{\"from\": \"yesterday\"}", "from");
    CHECK_PARAM("report.audit", "{\"to\": \"later\"}", "to");
    /* The refused lengthening of the retention period is on record. */
    CHECK_EQ_INT(call_ada("audit.list", "{\"event\": \"retention.set\"}", &res, msg, sizeof msg),
                 0);
    CHECK(json_array_size(res) >= 1 &&
          strstr(json_string_value(json_object_get(json_array_get(res, 0), "outcome")),
                 "nine months") != NULL);
    json_decref(res);
    res = NULL;

    /* SQL metacharacters are data. The destination is a label: the service opens no path. */
    snprintf(path, sizeof path, "%s/service-must-not-write", cli.dir);
    char params[2000];
    snprintf(params, sizeof params,
             "{\"hold\": 2, \"destination\": \"%s'; DROP TABLE exports;--\", \"purpose\":"
             " \"investigation\", \"crime_type\": \"robbery\", \"incident\": \"2026-9\"}",
             path);
    CHECK_EQ_INT(call_ada("export", params, &res, msg, sizeof msg), 0);
    CHECK_EQ_INT(json_array_size(json_object_get(res, "files")), 10);
    CHECK_EQ_INT(json_integer_value(json_object_get(res, "reads")), 3);
    CHECK(stat(path, &st) != 0);
    json_decref(res);
    res = NULL;
    CHECK_EQ_INT(
        call_ada("hold.add",
                 "{\"kind\": \"warrant\", \"reference\": \"SW-2'; DROP TABLE holds;--\","
                 " \"plate\": \"ZZZ999\", \"court\": \"x'--\", \"expires\": \"2027-01-01\"}",
                 &res, msg, sizeof msg),
        0);
    json_decref(res);
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "hold list --all"), 0);
    CHECK(strstr(cli.out, "id\tkind\tstate\treference\tcourt\tplate\tunits\tfrom\tto\texpires\t"
                          "entered\tby\tapproved_by\tlegacy\tactive\treads\n") != NULL);
    CHECK(strstr(cli.out, "\tpending\tSW-2'; DROP TABLE holds;--\tx'--\tZZZ999\t") != NULL);
    CHECK(strstr(cli.out, "\n1\tpreservation\texpired\tPR-1\t\t7ABC123\t") != NULL);
    CHECK(strstr(cli.out,
                 "\n2\twarrant\tactive\tSW-1\t3rd District Court\t7ABC123\t\t\t\t"
                 "2027-01-01T00:00:00Z\t2026-01-01T00:05:00Z\tada\trex\t0\t1\t3\n") != NULL);
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z",
                     "release request --agency \"O'Brien & Sons; DROP TABLE releases\""
                     " --requester 'x\" OR 1=1' --purpose trial --hold 2"),
                 0);
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "--csv release list"), 0);
    CHECK(strstr(cli.out, "id,agency,requester,purpose,hold,status,entered_by,entered,"
                          "reviewed_by,review_note,export\n") != NULL);
    CHECK(strstr(cli.out, ",O'Brien & Sons; DROP TABLE releases,\"x\"\" OR 1=1\",trial,2,"
                          "pending,ada,") != NULL);
    CHECK_EQ_INT(call_ada("audit.list", "{\"member\": \"x' OR '1'='1\"}", &res, msg, sizeof msg),
                 0);
    CHECK_EQ_INT(json_array_size(res), 0);
    json_decref(res);
    res = NULL;
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "purge --show-retention"), 0);
    CHECK(strstr(cli.out, "retention: 273 days") != NULL);
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "audit list --event export --limit 50"), 0);
    CHECK(strstr(cli.out, "\tada\texport\t") != NULL && strstr(cli.out, "\tivan\texport\t"));
    /* The text and CSV renderings of the audit report; a report file is never overwritten. */
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "report audit"), 0);
    CHECK(STARTS_WITH(cli.out, "== searches_by_member\nmember\tkind\taccesses\tresults\n"));
    CHECK(strstr(cli.out, "\n\n== purges\ntime\tmember\tcutoff\treads\timages\talerts\theld\n") !=
          NULL);
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "--csv report audit --to 2026-01-02"), 0);
    CHECK(STARTS_WITH(cli.out, "section,c1,c2,c3,c4,c5,c6,c7,c8,c9\n"));
    CHECK(strstr(cli.out, "\nexports,1,2026-01-01T00:00:00Z,ivan,1,,3,") != NULL);
    CHECK(strstr(cli.out, "purges,") == NULL); /* the purge came after --to */
    CHECK_EQ_INT(
        run("ALPR_NOW=2026-11-01T00:00:00Z", "report audit --from 2026-06-01 --to 2026-06-02"), 0);
    CHECK(strstr(cli.out, "\n\n== exports\nid\ttime\tmember\thold_id\trelease_id\tn_reads\t"
                          "manifest_sha256\n(none)\n\n== releases\n") != NULL);
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "--json report audit --to 2026-01-02"), 0);
    CHECK(
        STARTS_WITH(cli.out, "{\n  \"from\": 0, \"to\": 1767312000,\n  \"searches_by_member\": ["));
    CHECK(strstr(cli.out,
                 ",\n  \"exports\": [\n    {\"id\": 1, \"time\": \"2026-01-01T00:00:00Z\", "
                 "\"member\": \"ivan\", \"hold_id\": 1, \"release_id\": \"\", "
                 "\"n_reads\": 3, \"manifest_sha256\": \"") != NULL);
    CHECK(strstr(cli.out, ",\n  \"purges\": []\n}\n") != NULL);
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "report public --out page.html"), 1);
    CHECK(strstr(cli.err, "exists") != NULL);
    snprintf(path, sizeof path, "%s/page.html", cli.dir);
    REQUIRE(stat(path, &st) == 0);
    CHECK_EQ_INT(st.st_mode & 0777, 0600);
    char *page = slurp(path, NULL);
    REQUIRE(page != NULL);
    CHECK(strstr(page, "Retention period: 273 days") != NULL);
    CHECK(strstr(page,
                 "<h2>Holds (warrants, preservation requests, disclosure orders)</h2>\n"
                 "<table>\n<tr><th>kind</th><th>holds</th><th>in_effect</th>"
                 "<th>awaiting_approval</th></tr>\n"
                 "<tr><td>preservation</td><td>1</td><td>1</td><td>0</td></tr>\n"
                 /* the warrant still waits for its second approval */
                 "<tr><td>warrant</td><td>1</td><td>0</td><td>1</td></tr>\n</table>\n") != NULL);
    free(page);

    /* Roles: refused with exit 3, and an export refused leaves no folder behind. */
    CHECK_EQ_INT(login("aude", "auditor password", "2026-11-01T00:00:00Z"), 0);
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "hold add --kind warrant --ref W --plate X1"),
                 3);
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "export 1 --out aude-export"), 3);
    snprintf(path, sizeof path, "%s/aude-export", cli.dir);
    CHECK(stat(path, &st) != 0);
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "purge"), 3);
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "release deny 2 --note no"), 3);
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "audit verify"), 0);
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "--json hold list --all"), 0);
    CHECK(strstr(cli.out, "\"reference\": \"SW-1\"") != NULL);
    CHECK_EQ_INT(login("ivan", "investigator pw", "2026-11-01T00:00:00Z"), 0);
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "audit verify"), 3);
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "audit list"), 3);
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "report audit"), 3);
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "report public"), 3);
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "hold release 1 --reason done"), 3);
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "purge --set-retention-days 200"), 3);
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "release fulfil 2 --out ivan-rel"), 3);
    snprintf(path, sizeof path, "%s/ivan-rel", cli.dir);
    CHECK(stat(path, &st) != 0);
    /* The investigator's own export: written by the client as ivan, 0700/0600, never over an
     * existing folder. */
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "--json export 2 --out evidence2" EXPORT_WHY),
                 0);
    CHECK(strstr(cli.out, "\"reads\": 3, \"images\": 3, \"manifest_sha256\": \"") != NULL);
    snprintf(path, sizeof path, "%s/evidence2", cli.dir);
    REQUIRE(stat(path, &st) == 0);
    CHECK_EQ_INT(st.st_mode & 0777, 0700);
    CHECK_EQ_INT(st.st_uid, uid_of("ivan"));
    snprintf(path, sizeof path, "%s/evidence2/reads.csv", cli.dir);
    REQUIRE(stat(path, &st) == 0);
    CHECK_EQ_INT(st.st_mode & 0777, 0600);
    CHECK_EQ_INT(st.st_uid, uid_of("ivan"));
    snprintf(path, sizeof path, "cd %s/evidence2 && sha256sum -c --quiet MANIFEST.sha256", cli.dir);
    CHECK_EQ_INT(system(path), 0);
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "export 2 --out evidence2" EXPORT_WHY), 1);
    CHECK(strstr(cli.err, "exists") != NULL);
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "export custody 99 --action lost"), 1);
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "hold add --kind warrant --plate X1"), 2);
    CHECK(strstr(cli.err, "--ref") != NULL);
    /* No administrator reviews a release (R12); the records officer does, and fulfils it into
     * a folder of their own. A new administrator account waits for a second administrator. */
    as_uid = 0;
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "release deny 2 --note no"), 3);
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z ALPR_NEW_PASSWORD='chief password'",
                     "user add chief --role administrator --training 2025-12-01 --os-user 64005"),
                 0);
    CHECK(strstr(cli.out, "awaits a second administrator") != NULL);
    CHECK_EQ_INT(login("chief", "chief password", "2026-11-01T00:00:00Z"), 3);
    REQUIRE(login("rex", "records password", "2026-11-01T00:00:00Z") == 0);
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "release fulfil 2 --out rel2"), 1);
    CHECK(strstr(cli.err, "approved") != NULL || strstr(cli.err, "state") != NULL);
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "release approve 2 --note 'on file'"), 0);
    CHECK(strstr(cli.out, "request 2 approved") != NULL);
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "release fulfil 2 --out rel2"), 0);
    CHECK(strstr(cli.out, "request 2 fulfilled: export ") != NULL);
    CHECK(strstr(cli.out, ", 3 reads in rel2\nmanifest sha256 ") != NULL);
    snprintf(path, sizeof path, "%s/rel2/EXPORT.txt", cli.dir);
    REQUIRE(stat(path, &st) == 0);
    CHECK_EQ_INT(st.st_uid, uid_of("rex"));
    char *custody = slurp(path, NULL);
    REQUIRE(custody != NULL);
    CHECK(strstr(custody, "Release request: 2\n") != NULL);
    free(custody);
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "release fulfil 2 --out rel3"), 1);
    CHECK_EQ_INT(run("ALPR_NOW=2026-11-01T00:00:00Z", "--json release list"), 0);
    CHECK(strstr(cli.out, "\"status\": \"fulfilled\", \"entered_by\": \"ada\"") != NULL);
    CHECK(strstr(cli.out, "\"reviewed_by\": \"rex\", \"review_note\": \"on file\"") != NULL);
}

/* Ingests one read of plate at time t from the reader's account; returns its STORE_ERR_*. */
static int ingest_one(const char *plate, int64_t t, const char *now)
{
    int st;
    pid_t pid = fork();
    if (pid == 0) {
        struct store_client *c;
        struct store_read r = make_read(plate, t, "U2");
        uint8_t png[64];
        char err[256];
        if (setgid(MEMBERS_GID) != 0 || setuid(READER_UID) != 0 ||
            store_client_open(cli.service.ingest_socket, &c))
            _exit(99);
        store_client_set_test_now(c, now);
        r.png = png;
        r.png_len = make_png(png, sizeof png, "late");
        int rc = store_client_ingest(c, &r, 1, NULL, NULL, NULL, err, sizeof err);
        store_client_close(c);
        _exit(-rc);
    }
    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
        return 99;
    return -WEXITSTATUS(st);
}

/* The first "id" of a JSON table printed by the CLI, or 0. */
static long first_id(const char *text)
{
    const char *p = strstr(text, "\"id\": ");
    return p ? strtol(p + 6, NULL, 10) : 0;
}

static void write_text(const char *name, const char *data, size_t len)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", cli.dir, name);
    FILE *fp = fopen(path, "wb");
    REQUIRE(fp != NULL);
    REQUIRE(fwrite(data, 1, len, fp) == len);
    fclose(fp);
    chmod(path, 0644);
}

#define WRITE_LITERAL(name, text) write_text(name, text, sizeof text - 1)

/* Calls the service directly (as root: ada's account) and expects err naming what. */
static void expect_invalid(struct store_client *c, const char *call, const char *params,
                           const char *what)
{
    json_t *p = json_loads(params, 0, NULL), *res = NULL;
    char err[512] = "";
    REQUIRE(p != NULL);
    CHECK_EQ_INT(store_client_call(c, call, p, &res, err, sizeof err), STORE_ERR_INVALID);
    if (!strstr(err, what))
        test_fail(__FILE__, __LINE__, "%s %s: '%s' does not name %s", call, params, err, what);
    json_decref(p);
    json_decref(res);
}

/* The calls' parameters as the service reads them: each bad one named. */
static void check_api_parameters(const char *now)
{
    struct store_client *c;
    json_t *p, *res = NULL;
    char err[512];
    REQUIRE(store_client_open(cli.service.socket, &c) == 0);
    store_client_set_test_now(c, now);
    p = json_pack("{s:s,s:s}", "member", "ada", "password", "admin password 1");
    REQUIRE(store_client_call(c, "login", p, &res, err, sizeof err) == 0);
    store_client_set_token(c, json_string_value(json_object_get(res, "token")));
    json_decref(p);
    json_decref(res);
    expect_invalid(c, "read.show", "{\"purpose\": \"investigation\"}", "'read_id' is required");
    expect_invalid(c, "read.image", "{\"read_id\": 0}", "'read_id'");
    expect_invalid(c, "search", "{\"plate\": \"7ABC123\", \"match\": \"soundex\"}", "'match'");
    expect_invalid(c, "search", "{\"plate\": 7, \"purpose\": \"investigation\"}", "'plate'");
    expect_invalid(c, "search", "{\"purpose\": [\"investigation\"]}", "'purpose'");
    expect_invalid(c, "search", "{\"plate\": \"7ABC123\", \"max_edits\": 2}", "'max_edits'");
    expect_invalid(c, "search", "{\"plate\": \"7ABC123\", \"from\": \"yesterday\"}", "'from'");
    expect_invalid(c, "search", "{\"plate\": \"7ABC123\", \"limit\": 0}", "'limit'");
    expect_invalid(c, "hotlist.import", "{\"name\": \"x\"}", "'csv' is required");
    expect_invalid(c, "hotlist.import", "{\"csv\": \"plate\\n\"}", "'name' is required");
    expect_invalid(c, "hotlist.import", "{\"name\": \"\", \"csv\": \"plate\\n\"}", "'name'");
    expect_invalid(c, "hotlist.remove", "{\"hotlist_id\": \"1\"}", "'hotlist_id'");
    expect_invalid(c, "alert.list", "{\"state\": \"pending\"}", "'state'");
    expect_invalid(c, "alert.verify",
                   "{\"alert_id\": 1, \"state\": \"unverified\", \"note\": \"x\"}", "'state'");
    expect_invalid(c, "alert.verify", "{\"alert_id\": 1, \"state\": \"confirmed\"}",
                   "'note' is required");
    CHECK_EQ_INT(store_client_call(c, "logout", NULL, &res, err, sizeof err), 0);
    json_decref(res);
    store_client_close(c);
}

/* search, read.show, read.image, hotlist.* and alert.*: roles, bad parameters, SQL text. */
static void test_reads_hotlist_alert_calls(void)
{
#define LATER "ALPR_NOW=2026-11-02T00:00:00Z"
    static const char access_args[] = " --purpose investigation --crime robbery --incident 2026-9";
    char path[1200], args[512], hot[512];
    struct stat st;
    long id;
    NEEDS_SERVICE();
    check_api_parameters("2026-11-02T00:00:00Z");
    REQUIRE(login("ivan", "investigator pw", "2026-11-02T00:00:00Z") == 0);

    /* A hotlist, then a read that hits it: one alert. Text with SQL in it is only text. */
    snprintf(hot, sizeof hot,
             "plate,state,reason,source,expiry,incident\n"
             "9XYZ789,UT,\"stolen'); DROP TABLE reads;--\",NCIC,2027-06-01,2026-9\n");
    write_text("late.csv", hot, strlen(hot));
    CHECK_EQ_INT(
        run(LATER, "hotlist import late.csv --name \"o'brien\\\"); DROP TABLE hotlists;--\""), 0);
    CHECK(strstr(cli.out, "1 entries imported") != NULL);
    CHECK_EQ_INT(run(LATER, "--json hotlist list"), 0);
    CHECK(strstr(cli.out, "\"name\": \"o'brien\\\"); DROP TABLE hotlists;--\"") != NULL);
    CHECK_EQ_INT(
        ingest_one("9XYZ789", 1793574000 /* 2026-11-01T23:00:00Z */, "2026-11-02T00:00:00Z"), 0);

    /* search: SQL metacharacters in the access text are no crime type or incident number:
     * refused and recorded, not run. */
    CHECK_EQ_INT(run(LATER, "--json search 9XYZ789 --purpose investigation"
                            " --crime \"x'; DROP TABLE reads;--\" --incident \"1' OR '1'='1\""),
                 3);
    CHECK(strstr(cli.err, "refused (and recorded)") != NULL);
    snprintf(args, sizeof args, "--json search 9XYZ789%s", access_args);
    CHECK_EQ_INT(run(LATER, args), 0);
    CHECK(strstr(cli.out, "\"plate\": \"9XYZ789\"") != NULL);
    CHECK(strstr(cli.out, "\"alerts\": 1") != NULL);
    id = first_id(cli.out);
    CHECK(id > 0);
    snprintf(args, sizeof args, "--csv search 9XYZ789%s", access_args);
    CHECK_EQ_INT(run(LATER, args), 0);
    CHECK(strstr(cli.out, "id,time,plate,confidence,unit,camera,lat,lon,source,") == cli.out);
    CHECK(strstr(cli.out, "9XYZ789") != NULL);
    snprintf(args, sizeof args, "search \"9XYZ' OR 1=1--\"%s", access_args);
    CHECK_EQ_INT(run(LATER, args), 2);
    CHECK(strstr(cli.err, "'plate'") != NULL);
    snprintf(args, sizeof args, "search 9XYZ789 --unit \"U2' OR 1=1--\"%s", access_args);
    CHECK_EQ_INT(run(LATER, args), 2);
    CHECK(strstr(cli.err, "'unit'") != NULL);
    snprintf(args, sizeof args, "search%s", access_args);
    CHECK_EQ_INT(run(LATER, args), 2);
    CHECK(strstr(cli.err, "plate, from, to or unit") != NULL);
    CHECK_EQ_INT(run(LATER, "search 9XYZ789 --purpose investigation --incident 1"), 3);
    CHECK(strstr(cli.err, "refused (and recorded)") != NULL);
    snprintf(args, sizeof args, "search 9XYZ789 --warrant \"NO' OR 1=1\"%s", access_args);
    CHECK_EQ_INT(run(LATER, args), 3);
    CHECK(strstr(cli.err, "no active warrant") != NULL);
    CHECK_EQ_INT(run(LATER, "search 9XYZ789 --fuzzy --edits 2 --purpose investigation"), 2);

    /* read.show and read.image; the image goes to a new 0600 file, never over one. */
    snprintf(args, sizeof args, "--json search --show %ld%s", id, access_args);
    CHECK_EQ_INT(run(LATER, args), 0);
    CHECK(strstr(cli.out, "\"plate\": \"9XYZ789\"") != NULL);
    snprintf(args, sizeof args, "search --show 999999%s", access_args);
    CHECK_EQ_INT(run(LATER, args), 1);
    CHECK(strstr(cli.err, "read 999999") != NULL);
    snprintf(args, sizeof args, "search --show %ld --image late.png%s", id, access_args);
    CHECK_EQ_INT(run(LATER, args), 0);
    snprintf(path, sizeof path, "%s/late.png", cli.dir);
    REQUIRE(stat(path, &st) == 0);
    CHECK_EQ_INT(st.st_mode & 0777, 0600);
    CHECK_EQ_INT(st.st_uid, uid_of("ivan"));
    char *png = slurp(path, NULL);
    REQUIRE(png != NULL);
    CHECK(memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0);
    free(png);
    CHECK_EQ_INT(run(LATER, args), 1); /* exists */
    CHECK(strstr(cli.err, "File exists") != NULL);
    snprintf(args, sizeof args, "search --show 999999 --image none.png%s", access_args);
    CHECK_EQ_INT(run(LATER, args), 1);
    snprintf(path, sizeof path, "%s/none.png", cli.dir);
    CHECK(access(path, F_OK) != 0); /* not left behind */

    /* hotlist import: rows in error name line and field; bytes JSON cannot carry, too. */
    WRITE_LITERAL("nul.csv", "plate,state,reason,source,expiry\n9A\0B,UT,x,y,2027-06-01\n");
    CHECK_EQ_INT(run(LATER, "hotlist import nul.csv --name nul"), 4);
    CHECK(strstr(cli.err, "nul.csv:2: NUL byte") != NULL);
    WRITE_LITERAL("latin1.csv", "plate,state,reason,source,expiry\n9AB,UT,vol\xe9,y,2027-06-01\n");
    CHECK_EQ_INT(run(LATER, "hotlist import latin1.csv --name latin1"), 4);
    CHECK(strstr(cli.err, "latin1.csv:2: not UTF-8") != NULL);
    WRITE_LITERAL("bad.csv", "plate,state,reason,source,expiry\n9AB1,Utah,x,y,2027-06-01\n"
                             "9AB2,UT,x,y,2020-01-01\n");
    CHECK_EQ_INT(run(LATER, "hotlist import bad.csv --name bad"), 4);
    CHECK(strstr(cli.err, "bad.csv:2: state: ") != NULL);
    CHECK(strstr(cli.err, "bad.csv:3: expiry: expiry is in the past") != NULL);
    CHECK(strstr(cli.err, "nothing imported") != NULL);
    CHECK_EQ_INT(run(LATER, "hotlist import missing.csv --name gone"), 1);
    CHECK_EQ_INT(run(LATER, "hotlist remove 999999"), 1);
    CHECK(strstr(cli.err, "hotlist 999999") != NULL);

    /* alert list and verification. */
    /* The alert list is an access like a search: justified and recorded. */
    CHECK_EQ_INT(run(LATER, "--json alert list --state unverified"), 3);
    CHECK(strstr(cli.err, "refused (and recorded)") != NULL);
    snprintf(args, sizeof args, "--json alert list --state unverified%s", access_args);
    CHECK_EQ_INT(run(LATER, args), 0);
    CHECK(strstr(cli.out, "\"hotlist_entry\": \"9XYZ789\"") != NULL);
    CHECK(strstr(cli.out, "\"reason\": \"stolen'); DROP TABLE reads;--\"") != NULL);
    id = first_id(cli.out);
    CHECK(id > 0);
    snprintf(args, sizeof args, "alert confirm %ld", id);
    CHECK_EQ_INT(run(LATER, args), 2); /* no --note */
    snprintf(args, sizeof args, "alert confirm %ld --note \"NCIC hit; it's 'valid' -- ok\"", id);
    CHECK_EQ_INT(run(LATER, args), 0);
    CHECK(strstr(cli.out, "confirmed by ivan") != NULL);
    snprintf(args, sizeof args, "--csv alert list --state confirmed%s", access_args);
    CHECK_EQ_INT(run(LATER, args), 0);
    CHECK(strstr(cli.out, "9XYZ789") != NULL && strstr(cli.out, ",ivan,") != NULL);
    CHECK_EQ_INT(run(LATER, "alert list --state pending"), 2);
    CHECK(strstr(cli.err, "'state'") != NULL);
    CHECK_EQ_INT(run(LATER, "alert reject 999999 --note x"), 1);
    CHECK(strstr(cli.err, "alert 999999") != NULL);

    /* Removal: investigators; then the auditor may do none of these. */
    CHECK_EQ_INT(run(LATER, "--json hotlist list"), 0);
    const char *late = strstr(cli.out, "o'brien");
    REQUIRE(late != NULL);
    while (late > cli.out && strncmp(late, "\"id\": ", 6) != 0)
        late--;
    snprintf(args, sizeof args, "hotlist remove %ld", strtol(late + 6, NULL, 10));
    CHECK_EQ_INT(run(LATER, args), 0);
    CHECK_EQ_INT(run(LATER, args), 1); /* removed already */
    CHECK_EQ_INT(run(LATER, "logout"), 0);
    REQUIRE(login("aude", "auditor password", "2026-11-02T00:00:00Z") == 0);
    snprintf(args, sizeof args, "search 9XYZ789%s", access_args);
    CHECK_EQ_INT(run(LATER, args), 3);
    CHECK_EQ_INT(run(LATER, "hotlist list"), 3);
    CHECK_EQ_INT(run(LATER, "hotlist import late.csv --name audited"), 3);
    CHECK_EQ_INT(run(LATER, "alert list"), 3);
    snprintf(args, sizeof args, "alert reject %ld --note x", id);
    CHECK_EQ_INT(run(LATER, args), 3);
    CHECK_EQ_INT(run(LATER, "logout"), 0);
#undef LATER
}

int main(int argc, char **argv)
{
    (void)argc;
    if (cli_programs(&cli, argv[0]) != 0)
        return 1;
    setup();
    RUN(test_help_and_usage);
    RUN(test_bootstrap_login_roles);
    RUN(test_search_hotlist_hold_export);
    RUN(test_admin_audit_report_purge);
    RUN(test_admin_calls_errors);
    RUN(test_reads_hotlist_alert_calls);
    cli_stop(&cli);
    return test_finish();
}
