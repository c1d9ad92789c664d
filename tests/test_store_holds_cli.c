/*
 * The two-person rules through the service, with the `alpr` CLI run as each member's own OS
 * account (as tests/test_store_cli.c does): the invented warrant, the warrant that waits for a
 * second officer, self-approval, preservation's 14 days and its extension by order, the
 * auditor's masked hold list, and the administrator's own second account (issue #16, findings
 * 2, 4 and 8). Its own service and store: the clock of a store never goes back.
 */
#include "cli_runner.h"

static struct cli cli;

#define MEMBERS_GID 64000
#define READER_UID  64010
static const struct {
    const char *name, *password;
    unsigned uid;
} accounts[] = {{"ada", "admin password 1", 0},
                {"ivan", "investigator pw", 64001},
                {"aude", "auditor password", 64002},
                {"rex", "records password", 64007},
                {"chief", "chief password 1", 64005}};
static unsigned as_uid;

/* Runs `alpr ARGS` as as_uid at time when (ALPR_NOW); returns the exit code. */
static int run(const char *when, const char *env, const char *args)
{
    const struct cli_as as = {as_uid, MEMBERS_GID, NULL, NULL};
    char now[1024];
    snprintf(now, sizeof now, "ALPR_NOW=%s %s", when, env ? env : "");
    return cli_run(&cli, &as, now, args);
}

/* Logs member on at when; later run()s act as them. Returns the exit code. */
static int as(const char *member, const char *when)
{
    char env[128], args[96];
    for (size_t i = 0; i < sizeof accounts / sizeof accounts[0]; i++)
        if (strcmp(accounts[i].name, member) == 0) {
            as_uid = accounts[i].uid;
            snprintf(env, sizeof env, "ALPR_PASSWORD='%s'", accounts[i].password);
        }
    snprintf(args, sizeof args, "login --user %s", member);
    return run(when, env, args);
}

/* Ingests, from the reader's account, three reads of a mall's camera (non-governmental, R9)
 * and two of a patrol car, on 2025-12-20. Returns 0 or a STORE_ERR_* (99: no child). */
static int ingest(void)
{
    struct store_read reads[5];
    for (int i = 0; i < 5; i++) {
        reads[i] = make_read(i < 3 ? "MALL100" : "7ABC123", T0 - 12 * DAY + i * 60,
                             i < 3 ? "NGO-01" : "U1");
        if (i < 3) {
            reads[i].non_governmental = 1;
            reads[i].source_agency = "Mall Security LLC";
        }
    }
    return cli_ingest(&cli, READER_UID, MEMBERS_GID, "2025-12-20T12:00:00Z", reads, 5);
}

static void setup(void)
{
    static const char *const extra[] = {
        "--ingest-user", "64010", "--ingest-group", "64000", "--socket-group", "64000", NULL};
    cli.started = cli_start(&cli, "holds", extra, 1) == 0;
}

#define NEEDS_SERVICE()                                                                            \
    CLI_NEEDS_SERVICE(&cli, "needs root (to act as several OS accounts) and a running service")

#define DEC1  "2025-12-01T00:00:00Z"
#define JAN1  "2026-01-01T00:00:00Z"
#define JAN16 "2026-01-16T00:00:00Z"
#define NGO_SEARCH                                                                                 \
    "--json search --from 2025-12-01 --to 2026-01-01 --unit NGO-01 --purpose warrant --crime"      \
    " fraud --incident 2026-5"

/* The members, on 2025-12-01: rex is an investigator account a month old by January. */
static void test_members_and_reads(void)
{
    NEEDS_SERVICE();
    as_uid = 0;
    REQUIRE(run(DEC1, "ALPR_PASSWORD='admin password 1'",
                "user init --name ada --training 2025-11-01") == 0);
    REQUIRE(as("ada", DEC1) == 0);
    REQUIRE(run(DEC1, "ALPR_NEW_PASSWORD='investigator pw'",
                "user add ivan --role investigator --training 2025-11-01 --os-user 64001") == 0);
    REQUIRE(run(DEC1, "ALPR_NEW_PASSWORD='auditor password'",
                "user add aude --role auditor --training 2025-11-01 --os-user 64002") == 0);
    REQUIRE(run(DEC1, "ALPR_NEW_PASSWORD='records password'",
                "user add rex --role investigator --training 2025-11-01 --os-user 64007") == 0);
    REQUIRE(ingest() == 0);
}

/* Finding 2: the investigator's made-up warrant is refused and opens nothing. */
static void test_invented_warrant(void)
{
    NEEDS_SERVICE();
    REQUIRE(as("ivan", JAN1) == 0);
    CHECK_EQ_INT(run(JAN1, NULL,
                     "hold add --kind warrant --ref made-up-123 --units NGO-01 --court 'Any"
                     " Court' --expires 2027-01-01"),
                 3);
    CHECK(strstr(cli.err, "administrator or records officer") != NULL);
    CHECK_EQ_INT(run(JAN1, NULL, NGO_SEARCH " --warrant made-up-123"), 3);
    CHECK_EQ_INT(run(JAN1, NULL,
                     "--json search --from 2025-12-01 --to 2026-01-01 --unit NGO-01 --purpose"
                     " investigation --crime fraud --incident 2026-5"),
                 0);
    CHECK(strstr(cli.out, "MALL100") == NULL);
    /* What the investigator can do alone: a preservation request, no key to NGO reads. */
    CHECK_EQ_INT(run(JAN1, NULL, "hold add --kind preservation --ref made-up-123 --units NGO-01"),
                 0);
    CHECK_EQ_INT(run(JAN1, NULL, NGO_SEARCH " --warrant made-up-123"), 3);
}

/* Finding 2: an administrator's warrant waits for a second officer; self-approval refused. */
static void test_warrant_two_person(void)
{
    NEEDS_SERVICE();
    REQUIRE(as("ada", JAN1) == 0);
    CHECK_EQ_INT(run(JAN1, NULL,
                     "hold add --kind warrant --ref SW-9 --units NGO-01 --expires"
                     " 2027-01-01"),
                 2); /* no court */
    CHECK(strstr(cli.err, "court") != NULL);
    CHECK_EQ_INT(run(JAN1, NULL,
                     "hold add --kind warrant --ref SW-9 --units NGO-01 --court '3rd District"
                     " Court' --expires 2027-01-01"),
                 0);
    CHECK_EQ_STR(cli.out, "2\n");
    CHECK(strstr(cli.err, "pending") != NULL);
    CHECK_EQ_INT(run(JAN1, NULL, "hold approve 2"), 3);
    CHECK(strstr(cli.err, "other than the one who entered it") != NULL);
    REQUIRE(as("ivan", JAN1) == 0);
    CHECK_EQ_INT(run(JAN1, NULL, NGO_SEARCH " --warrant SW-9"), 3);
    CHECK_EQ_INT(run(JAN1, NULL, "hold approve 2"), 3);
    /* rex's account is a month old: ada makes him records officer at once; he approves. */
    REQUIRE(as("ada", JAN1) == 0);
    CHECK_EQ_INT(run(JAN1, NULL, "user role rex records"), 0);
    CHECK_EQ_STR(cli.out, "role: done\n");
    REQUIRE(as("rex", JAN1) == 0);
    CHECK_EQ_INT(run(JAN1, NULL, "hold approve 2"), 0);
    CHECK_EQ_STR(cli.out, "hold 2 approved\n");
    REQUIRE(as("ivan", JAN1) == 0);
    CHECK_EQ_INT(run(JAN1, NULL, NGO_SEARCH " --warrant SW-9"), 0);
    CHECK(strstr(cli.out, "MALL100") != NULL);
}

/* Finding 4: the auditor's hold list shows plate tokens; the administrator's shows plates. */
static void test_auditor_list_masked(void)
{
    NEEDS_SERVICE();
    REQUIRE(as("ivan", JAN1) == 0);
    CHECK_EQ_INT(run(JAN1, NULL, "hold add --kind preservation --ref PR-3 --plate 7ABC123"), 0);
    CHECK_EQ_STR(cli.out, "3\n");
    REQUIRE(as("aude", JAN1) == 0);
    CHECK_EQ_INT(run(JAN1, NULL, "--json hold list --all"), 0);
    CHECK(strstr(cli.out, "7ABC123") == NULL);
    CHECK(strstr(cli.out, "\"plate\": \"P:") != NULL);
    REQUIRE(as("ada", JAN1) == 0);
    CHECK_EQ_INT(run(JAN1, NULL, "--json hold list --all"), 0);
    CHECK(strstr(cli.out, "\"plate\": \"7ABC123\"") != NULL);
}

/* Preservation: 14 days; an order extends it once two officers have entered and approved it. */
static void test_preservation_extension(void)
{
    NEEDS_SERVICE();
    REQUIRE(as("ada", JAN1) == 0);
    CHECK_EQ_INT(run(JAN1, NULL, "hold extend 3 --court '3rd District Court' --until 2026-03-01"),
                 2);
    CHECK_EQ_INT(run(JAN1, NULL,
                     "hold extend 3 --court '3rd District Court' --order-ref ORD-1 --until"
                     " 2026-03-01"),
                 0);
    CHECK_EQ_INT(run(JAN1, NULL, "hold approve 3"), 0); /* ivan's request itself */
    CHECK_EQ_INT(run(JAN1, NULL, "hold approve 3"), 3); /* her own order: refused */
    /* Hold 1 gets an order too, which rex approves. */
    CHECK_EQ_INT(run(JAN1, NULL, "hold approve 1"), 0);
    CHECK_EQ_INT(run(JAN1, NULL,
                     "hold extend 1 --court '3rd District Court' --order-ref ORD-2 --until"
                     " 2026-03-01"),
                 0);
    REQUIRE(as("rex", JAN1) == 0);
    CHECK_EQ_INT(run(JAN1, NULL, "hold approve 1"), 0);
    /* Day 15: hold 3's order was never approved, so it lapsed; hold 1 runs to March. */
    REQUIRE(as("ada", JAN16) == 0);
    CHECK_EQ_INT(run(JAN16, NULL, "--json hold list --all"), 0);
    CHECK(strstr(cli.out, "\"id\": 1, \"kind\": \"preservation\", \"state\": \"active\"") != NULL);
    CHECK(strstr(cli.out, "\"expires\": \"2026-03-01T00:00:00Z\"") != NULL);
    CHECK(strstr(cli.out, "\"id\": 3, \"kind\": \"preservation\", \"state\": \"expired\"") != NULL);
    CHECK_EQ_INT(run(JAN16, NULL, "hold approve 3"), 1);
    CHECK(strstr(cli.err, "ended") != NULL);
}

/* Finding 8, the old attack: an administrator makes a second administrator account, enters a
 * release request and approves it through that account. */
static void test_own_second_account(void)
{
    NEEDS_SERVICE();
    REQUIRE(as("ada", JAN16) == 0);
    CHECK_EQ_INT(run(JAN16, "ALPR_NEW_PASSWORD='chief password 1'",
                     "user add chief --role administrator --training 2025-11-01 --os-user 64005"),
                 0);
    CHECK(strstr(cli.out, "awaits a second administrator") != NULL);
    CHECK_EQ_INT(run(JAN16, NULL, "user enable chief"), 1);
    CHECK_EQ_INT(run(JAN16, NULL, "user confirm chief"), 3);
    CHECK_EQ_INT(run(JAN16, NULL,
                     "release request --agency 'County DA' --requester 'ADA Smith' --purpose"
                     " trial --hold 2"),
                 0);
    CHECK_EQ_INT(run(JAN16, NULL, "release approve 1 --note ok"), 3);
    CHECK_EQ_INT(as("chief", JAN16), 3); /* the second account cannot log on */
    /* Nor does an administrator approve anyone else's request. */
    REQUIRE(as("ivan", JAN16) == 0);
    CHECK_EQ_INT(run(JAN16, NULL,
                     "release request --agency 'County DA' --requester 'Det. Roe' --purpose"
                     " trial --hold 2"),
                 0);
    REQUIRE(as("ada", JAN16) == 0);
    CHECK_EQ_INT(run(JAN16, NULL, "release approve 2 --note ok"), 3);
    /* The records officer approves; it was not he who entered the request nor made ada. */
    REQUIRE(as("rex", JAN16) == 0);
    CHECK_EQ_INT(run(JAN16, NULL, "release approve 1 --note 'written request on file'"), 0);
    CHECK_EQ_INT(run(JAN16, NULL,
                     "release request --agency 'County DA' --requester 'ADA Smith' --purpose"
                     " trial --hold 2"),
                 0);
    CHECK_EQ_INT(run(JAN16, NULL, "release approve 3 --note mine"), 3);
    REQUIRE(as("aude", JAN16) == 0);
    CHECK_EQ_INT(run(JAN16, NULL, "--json user list"), 0);
    CHECK(strstr(cli.out, "\"name\": \"chief\", \"role\": \"administrator\"") != NULL);
    CHECK(strstr(cli.out, "\"pending_role\": \"administrator\", \"created_by\": \"ada\"") != NULL);
}

int main(int argc, char **argv)
{
    (void)argc;
    if (cli_programs(&cli, argv[0]) != 0)
        return 1;
    setup();
    RUN(test_members_and_reads);
    RUN(test_invented_warrant);
    RUN(test_warrant_two_person);
    RUN(test_auditor_list_masked);
    RUN(test_preservation_extension);
    RUN(test_own_second_account);
    cli_stop(&cli);
    return test_finish();
}
