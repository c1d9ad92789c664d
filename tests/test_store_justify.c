/*
 * Tests of store_justify (finding 3 of issue 16: junk justification). The old attack,
 * `alpr search --crime ' ' --incident ' '` (or a TAB, or `none`), was accepted; now each is
 * refused, through the library and through the service and the `alpr` CLI, and the refusal is
 * recorded. What is recorded for an accepted access is the trimmed text. The incident-number
 * pattern is the department's to set, by an administrator, audited, and never to a pattern that
 * accepts junk.
 */
#include "cli_runner.h"
#include "store_justify.h"

/* The store_justify_clean verdict on (crime, incident) with purpose investigation. */
static int verdict(struct fixture *f, const char *crime, const char *incident)
{
    struct store_access a = {"investigation", crime, incident, NULL};
    struct store_justified j;
    const char *why;
    return store_justify_clean(f->s, &a, &j, &why);
}

static void test_junk_refused(void)
{
    static const char *const junk[] = {" ",    "\t",   "  \t ",   "none", "None", "NONE", "n/a",
                                       "N/A",  "N.A.", "-",       "--",   "?",    "???",  "test",
                                       "TEST", "tbd",  "unknown", "xxx",  "0000", "...",  "null"};
    struct fixture f;
    REQUIRE(fixture_open(&f, "justify_junk") == 0);
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        if (verdict(&f, junk[i], "2026-000123") != STORE_ERR_DENIED)
            test_fail(__FILE__, __LINE__, "crime type '%s' accepted", junk[i]);
        if (verdict(&f, "robbery", junk[i]) != STORE_ERR_DENIED)
            test_fail(__FILE__, __LINE__, "incident '%s' accepted", junk[i]);
    }
    /* Crime types out of form: too short, no letters, characters outside the class. */
    CHECK_EQ_INT(verdict(&f, "xy", "2026-000123"), STORE_ERR_DENIED);
    CHECK_EQ_INT(verdict(&f, "1234", "2026-000123"), STORE_ERR_DENIED);
    CHECK_EQ_INT(verdict(&f, "robbery; DROP", "2026-000123"), STORE_ERR_DENIED);
    CHECK_EQ_INT(verdict(&f, "robbery<b>", "2026-000123"), STORE_ERR_DENIED);
    /* Incident numbers out of the default format. */
    CHECK_EQ_INT(verdict(&f, "robbery", "1"), STORE_ERR_DENIED);
    CHECK_EQ_INT(verdict(&f, "robbery", "case of the red car"), STORE_ERR_DENIED);
    CHECK_EQ_INT(verdict(&f, "robbery", "2026-000123 OR 1=1"), STORE_ERR_DENIED);
    /* Real ones. */
    CHECK_EQ_INT(verdict(&f, "robbery", "2026-000123"), 0);
    CHECK_EQ_INT(verdict(&f, "auto theft", "PD26-0042"), 0);
    CHECK_EQ_INT(verdict(&f, "hit-and-run (fatal)", "CASE-2026-17"), 0);
    CHECK_EQ_INT(verdict(&f, "vol \xc3\xa0 l'\xc3\xa9talage", "2026000123"), 0);
    fixture_close(&f);
}

static void test_trimmed_values_recorded(void)
{
    struct fixture f;
    struct store_read_list *l = NULL;
    struct store_query q = {.plate = "ABC123"};
    struct store_access padded = {" investigation\t", "\t robbery  ", "  2026-000123 ", NULL};
    struct store_justified j;
    const char *why;
    REQUIRE(fixture_open(&f, "justify_trim") == 0);
    REQUIRE(store_justify_clean(f.s, &padded, &j, &why) == 0);
    CHECK_EQ_STR(j.access.crime_type, "robbery");
    CHECK_EQ_STR(j.access.incident, "2026-000123");
    CHECK(j.access.warrant_ref == NULL);
    REQUIRE(store_search(f.s, &f.inv, &padded, &q, &l) == 0);
    store_read_list_free(l);
    fixture_close(&f);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM searches WHERE outcome = 'ok' AND"
                                   " purpose = 'investigation' AND crime_type = 'robbery' AND"
                                   " incident = '2026-000123' AND warrant_ref IS NULL"),
                 1);
}

/* The attack of the finding through the library: each refused and recorded as refused. */
static void test_old_attack_library(void)
{
    static const char *const blanks[] = {" ", "\t", "none"};
    struct fixture f;
    struct store_read_list *l = NULL;
    struct store_read_rec rec;
    struct store_query q = {.plate = "ABC123"};
    REQUIRE(fixture_open(&f, "justify_attack") == 0);
    for (size_t i = 0; i < 3; i++) {
        struct store_access a = {"investigation", blanks[i], blanks[i], NULL};
        CHECK_EQ_INT(store_search(f.s, &f.inv, &a, &q, &l), STORE_ERR_DENIED);
        CHECK(l == NULL);
        CHECK_EQ_INT(store_read_get(f.s, &f.inv, &a, 1, &rec), STORE_ERR_DENIED);
    }
    fixture_close(&f);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM searches WHERE outcome LIKE 'refused:%'"),
                 6);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM searches WHERE outcome = 'ok'"), 0);
}

static void test_incident_pattern_setting(void)
{
    static const char *const bad[] = {
        "[0-9]+",            /* not anchored: "none1" would pass */
        "^.*$",              /* accepts junk */
        "^[a-z]*$",          /* accepts "" and "none" */
        "^(2026-[0-9]+$",    /* does not compile */
        "^2026\n-[0-9]+$",   /* a control character */
        "^2026-\xff[0-9]+$", /* not UTF-8 */
    };
    struct fixture f;
    char pattern[STORE_INCIDENT_PATTERN_MAX + 1];
    const char *why;
    REQUIRE(fixture_open(&f, "justify_pattern") == 0);
    REQUIRE(store_incident_pattern_get(f.s, pattern, sizeof pattern) == 0);
    CHECK_EQ_STR(pattern, STORE_INCIDENT_PATTERN_DEFAULT);
    /* Only an administrator sets it. */
    CHECK_EQ_INT(store_incident_pattern_set(f.s, &f.inv, "^SLC[0-9]{2}-[0-9]{6}$", &why),
                 STORE_ERR_DENIED);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why = NULL;
        if (store_incident_pattern_set(f.s, &f.admin, bad[i], &why) != STORE_ERR_INVALID || !why)
            test_fail(__FILE__, __LINE__, "pattern %zu accepted", i);
    }
    REQUIRE(store_incident_pattern_set(f.s, &f.admin, "^SLC[0-9]{2}-[0-9]{6}$", &why) == 0);
    REQUIRE(store_incident_pattern_get(f.s, pattern, sizeof pattern) == 0);
    CHECK_EQ_STR(pattern, "^SLC[0-9]{2}-[0-9]{6}$");
    CHECK_EQ_INT(verdict(&f, "robbery", "SLC26-000123"), 0);
    CHECK_EQ_INT(verdict(&f, "robbery", "2026-000123"), STORE_ERR_DENIED);
    /* Hotlist entries follow the same pattern. */
    {
        struct store_import_result res;
        const char *csv = "plate,state,reason,source,expiry,incident\n"
                          "ABC123,UT,stolen,NCIC,2026-06-30,2026-000123\n";
        CHECK_EQ_INT(store_hotlist_import_csv(f.s, &f.inv, "h", csv, strlen(csv), &res),
                     STORE_ERR_DATA);
        CHECK_EQ_INT(res.n_errors, 1);
        CHECK_EQ_STR(res.errors[0].field, "incident");
    }
    REQUIRE(store_incident_pattern_set(f.s, &f.admin, NULL, &why) == 0);
    CHECK_EQ_INT(verdict(&f, "robbery", "2026-000123"), 0);
    fixture_close(&f);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM audit WHERE event = 'policy.set' AND"
                                   " outcome = 'ok'"),
                 2);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM audit WHERE event = 'policy.set' AND"
                                   " outcome LIKE 'denied%'"),
                 (int64_t)(sizeof bad / sizeof bad[0]) + 1);
}

/* ---- Through the service and the CLI ---------------------------------------------------- */

#define GID       64200
#define ADMIN_UID 64201
#define INV_UID   64202
#define NOW       "ALPR_NOW=2026-01-01T00:00:00Z"

static struct cli cli;

/* Runs `alpr ARGS` as OS account uid (0: root) with env in front; returns the exit code. */
static int run(unsigned uid, const char *env, const char *args)
{
    char session[32], now[1024];
    const struct cli_as as = {uid, GID, session, NULL};
    snprintf(session, sizeof session, "session-%u", uid);
    snprintf(now, sizeof now, NOW " %s", env ? env : "");
    return cli_run(&cli, &as, now, args);
}

static void setup(void)
{
    static const char *const extra[] = {"--socket-group", "64200", NULL};
    if (cli_start(&cli, "justify-cli", extra, 1) != 0)
        return;
    if (run(0, "ALPR_PASSWORD='admin password 1'",
            "user init --name ada --training 2025-12-01 --os-user 64201") != 0 ||
        run(ADMIN_UID, "ALPR_PASSWORD='admin password 1'", "login --user ada") != 0 ||
        run(ADMIN_UID, "ALPR_NEW_PASSWORD='investigator pw'",
            "user add ivan --role investigator --training 2025-12-01 --os-user 64202") != 0 ||
        run(INV_UID, "ALPR_PASSWORD='investigator pw'", "login --user ivan") != 0) {
        printf("setup: %s\n", cli.err);
        return;
    }
    cli.started = 1;
}

#define NEEDS_SERVICE()                                                                            \
    CLI_NEEDS_SERVICE(&cli, "needs root (to act as other OS accounts) and a running service")

/* The attack of the finding through `alpr search`: exit 3 (denied), the reason named. */
static void test_old_attack_cli(void)
{
    static const char *const args[] = {
        "search ABC123 --purpose investigation --crime ' ' --incident ' '",
        "search ABC123 --purpose investigation --crime \"$(printf '\\t')\" --incident "
        "\"$(printf '\\t')\"",
        "search ABC123 --purpose investigation --crime none --incident none",
        "search ABC123 --purpose investigation --crime robbery --incident n/a",
        "search ABC123 --purpose investigation --crime \"$(printf 'rob\\nbery')\" --incident "
        "2026-000123",
        "alert list --purpose investigation --crime ' ' --incident ' '",
    };
    NEEDS_SERVICE();
    for (size_t i = 0; i < sizeof args / sizeof args[0]; i++) {
        int rc = run(INV_UID, NULL, args[i]);
        if (rc != 3 || !strstr(cli.err, "refused"))
            test_fail(__FILE__, __LINE__, "'%s': exit %d, %s", args[i], rc, cli.err);
    }
    CHECK_EQ_INT(run(INV_UID, NULL,
                     "search ABC123 --purpose investigation --crime ' ' --incident"
                     " 2026-000123"),
                 3);
    CHECK(strstr(cli.err, "crime type") != NULL);
    CHECK_EQ_INT(
        run(INV_UID, NULL,
            "search ABC123 --purpose investigation --crime robbery --incident 2026-000123"),
        0);
    CHECK_EQ_INT(run(INV_UID, NULL,
                     "alert list --purpose investigation --crime robbery --incident 2026-000123"),
                 0);
    /* The register shows the refusals: the administrator's audit report lists them. */
    CHECK_EQ_INT(run(ADMIN_UID, NULL, "--json audit list --event search"), 0);
    CHECK(strstr(cli.out, "refused: crime type") != NULL);
}

static void test_policy_cli(void)
{
    NEEDS_SERVICE();
    CHECK_EQ_INT(run(INV_UID, NULL, "policy show"), 0);
    CHECK(strstr(cli.out, STORE_INCIDENT_PATTERN_DEFAULT) != NULL);
    CHECK_EQ_INT(run(INV_UID, NULL, "policy set incident-pattern '^SLC[0-9]{2}-[0-9]{6}$'"), 3);
    CHECK_EQ_INT(run(ADMIN_UID, NULL, "policy set incident-pattern '^.*$'"), 2);
    CHECK(strstr(cli.err, "junk") != NULL);
    CHECK_EQ_INT(run(ADMIN_UID, NULL, "policy set incident-pattern '^SLC[0-9]{2}-[0-9]{6}$'"), 0);
    CHECK_EQ_INT(
        run(INV_UID, NULL,
            "search ABC123 --purpose investigation --crime robbery --incident 2026-000123"),
        3);
    CHECK(strstr(cli.err, "format") != NULL);
    CHECK_EQ_INT(
        run(INV_UID, NULL,
            "search ABC123 --purpose investigation --crime robbery --incident SLC26-000123"),
        0);
    CHECK_EQ_INT(run(ADMIN_UID, NULL, "policy set incident-pattern --default"), 0);
    CHECK_EQ_INT(run(INV_UID, NULL, "policy show"), 0);
    CHECK(strstr(cli.out, "incident-pattern " STORE_INCIDENT_PATTERN_DEFAULT) != NULL);
}

/* Finding 12 through `alpr hotlist import`: a full-plate entry without a case is refused, the
 * message naming file, line and field. */
static void test_hotlist_case_cli(void)
{
    char path[800];
    FILE *fp;
    NEEDS_SERVICE();
    snprintf(path, sizeof path, "%s/nocase.csv", cli.dir);
    fp = fopen(path, "w");
    REQUIRE(fp != NULL);
    fputs("plate,state,reason,source,expiry,incident,nic\n"
          "7ABC123,UT,stolen vehicle,NCIC,2027-06-01,2026-000123,\n"
          "8ABC123,UT,stolen vehicle,NCIC,2027-06-01,,\n"
          "9ABC123,UT,none,NCIC,2027-06-01,,V123456789\n",
          fp);
    fclose(fp);
    chmod(path, 0644);
    CHECK_EQ_INT(run(INV_UID, NULL, "hotlist import nocase.csv --name nocase"), 4);
    CHECK(strstr(cli.err, "nocase.csv:3: incident: ") != NULL);
    CHECK(strstr(cli.err, "nocase.csv:4: reason: ") != NULL);
    CHECK(strstr(cli.err, "nocase.csv:2:") == NULL);
}

int main(int argc, char **argv)
{
    (void)argc;
    RUN(test_junk_refused);
    RUN(test_trimmed_values_recorded);
    RUN(test_old_attack_library);
    RUN(test_incident_pattern_setting);
    if (cli_programs(&cli, argv[0]) == 0)
        setup();
    RUN(test_old_attack_cli);
    RUN(test_policy_cli);
    RUN(test_hotlist_case_cli);
    cli_stop(&cli);
    return test_finish();
}
