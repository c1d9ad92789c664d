/*
 * Issue #16 findings 11, 7 and the export half of 2, reproduced with the CLI alone against a
 * running store service (its test build, whose clock ALPR_NOW sets), each member from their own
 * OS account (setpriv): a crop is written 0600 under umask 022 and never over a file or a link,
 * and registered; `hold add` + `export` needs a justification; `alpr export verify` catches a
 * re-made manifest that `sha256sum -c` passes; custody entries reach custody.txt; the purge
 * flags the bundle and the crop and `alpr export prune` deletes them.
 */
#include "cli_runner.h"

static struct cli cli;

#define MEMBERS_GID 64000
#define READER_UID  64010
#define IVAN_UID    64001
static unsigned as_uid; /* run() runs alpr as this account (0: root, the administrator ada) */

/* Runs `alpr ARGS` under umask 022 with env in front; returns the exit code. */
static int run(const char *env, const char *args)
{
    const struct cli_as as = {as_uid, MEMBERS_GID, NULL, "022"};
    return cli_run(&cli, &as, env, args);
}

#define NOW1     "ALPR_NOW=2025-12-31T23:30:00Z"
#define NOW      "ALPR_NOW=2026-01-01T00:00:00Z"
#define LATER    "ALPR_NOW=2026-11-01T00:00:00Z"
#define WHY      " --purpose investigation --crime robbery --incident 2026-9"
#define ADMIN_PW "ALPR_PASSWORD='admin password 1'"

static int login(unsigned uid, const char *user, const char *pw, const char *env_now)
{
    char env[256], args[128];
    snprintf(env, sizeof env, "%s ALPR_PASSWORD='%s'", env_now, pw);
    snprintf(args, sizeof args, "login --user %s", user);
    as_uid = uid;
    return run(env, args);
}

/* Ingests three reads of 7ABC123 and two of 7ABX992 (unit U1) from the reader's account. */
static int ingest(void)
{
    struct store_read reads[5];
    uint8_t png[5][64];
    cli_five_reads(reads, png);
    return cli_ingest(&cli, READER_UID, MEMBERS_GID, "2026-01-01T00:00:00Z", reads, 5);
}

static void setup(void)
{
    static const char *const extra[] = {
        "--ingest-user", "64010", "--ingest-group", "64000", "--socket-group", "64000", NULL};
    if (cli_start(&cli, "evcli", extra, 1) != 0)
        return;
    as_uid = 0;
    if (run(NOW1 " " ADMIN_PW, "user init --name ada --training 2025-12-01") != 0 ||
        login(0, "ada", "admin password 1", NOW1) != 0 ||
        run(NOW1 " ALPR_NEW_PASSWORD='investigator pw'",
            "user add ivan --role investigator --training 2025-12-01 --os-user 64001") != 0 ||
        ingest() != 0) {
        printf("cannot set the store up: %s\n", cli.err ? cli.err : "");
        return;
    }
    cli.started = 1;
}

#define NEEDS_SERVICE()                                                                            \
    CLI_NEEDS_SERVICE(&cli, "needs root (to act as several OS accounts) and a running service")

static void path_in(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", cli.dir, name);
}

/* Finding 7: the crop is 0600 whatever the umask, never written over a file or through a link. */
static void test_crop_file(void)
{
    char path[800], victim[800];
    struct stat st;
    NEEDS_SERVICE();
    REQUIRE(login(IVAN_UID, "ivan", "investigator pw", "ALPR_NOW=2026-01-01T00:00:00Z") == 0);
    CHECK_EQ_INT(run(NOW, "search --show 1 --image crop.png" WHY), 0);
    path_in(path, sizeof path, "crop.png");
    REQUIRE(stat(path, &st) == 0);
    CHECK_EQ_INT(st.st_mode & 0777, 0600);
    CHECK_EQ_INT(st.st_uid, IVAN_UID);
    /* An existing file is not overwritten. */
    CHECK_EQ_INT(run(NOW, "search --show 2 --image crop.png" WHY), 1);
    CHECK(strstr(cli.err, "crop.png: cannot create the image file: File exists") != NULL);
    /* A link is not followed (the victim file keeps its bytes). */
    path_in(victim, sizeof victim, "victim.txt");
    FILE *fp = fopen(victim, "w");
    REQUIRE(fp != NULL);
    fputs("victim\n", fp);
    fclose(fp);
    chmod(victim, 0666);
    path_in(path, sizeof path, "link.png");
    unlink(path);
    REQUIRE(symlink(victim, path) == 0);
    CHECK_EQ_INT(run(NOW, "search --show 2 --image link.png" WHY), 1);
    char *v = slurp(victim, NULL);
    CHECK(v && strcmp(v, "victim\n") == 0);
    free(v);
    unlink(path);
    /* The crop is registered as a copy outside the store. */
    CHECK_EQ_INT(run(NOW, "--csv export list"), 0);
    path_in(path, sizeof path, "crop.png");
    CHECK(strstr(cli.out, ",crop,/") != NULL && strstr(cli.out, path) != NULL);
}

/* Findings 2 (export part) and 11, with the CLI alone. */
static void test_export_attacks(void)
{
    char path[800], cmd[2000];
    struct stat st;
    NEEDS_SERVICE();
    as_uid = IVAN_UID;
    CHECK_EQ_INT(run(NOW, "hold add --kind preservation --ref PR-1 --units U1"), 0);
    /* The old attack: hold add + export, nothing recorded about why. */
    CHECK_EQ_INT(run(NOW, "export 1 --out ev1"), 3);
    CHECK(strstr(cli.err, "purpose") != NULL);
    path_in(path, sizeof path, "ev1");
    CHECK(stat(path, &st) != 0);
    CHECK_EQ_INT(run(NOW, "export 1 --out ev1 --purpose investigation --crime robbery"), 3);
    CHECK(strstr(cli.err, "incident") != NULL);
    CHECK(stat(path, &st) != 0);
    CHECK_EQ_INT(run(NOW, "export 1 --out ev1 --note 'locker 4'" WHY), 0);
    CHECK(strstr(cli.out, "5 reads, 5 images") != NULL);
    /* The bundle verifies against the unit's key from the service. */
    CHECK_EQ_INT(run(NOW, "export verify ev1"), 0);
    CHECK(strstr(cli.out, "verified: signature, 9 files, 1 custody entries") != NULL);
    CHECK(strstr(cli.out, "(the unit's key)") != NULL);
    CHECK_EQ_INT(run(NOW, "export key"), 0);
    CHECK(strncmp(cli.out, "ed25519 ", 8) == 0 && strlen(cli.out) == 8 + 64 + 1);
    CHECK_EQ_INT(run(NOW, "export verify ev1 --pubkey ev1/UNIT.pub"), 0);
    CHECK_EQ_INT(run(NOW, "export verify ev1 --pubkey " /* a key of nobody's */
                          "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29"),
                 4);
    CHECK(strstr(cli.err, "UNIT.pub: the bundle is signed by key") != NULL);
    /* Custody entries reach custody.txt as they happen. */
    CHECK_EQ_INT(run(NOW, "export custody 1 --action 'booked into evidence' --note 'bag 9'"), 0);
    CHECK(strstr(cli.out, "custody entry 2 added to export 1; 1 line(s) appended") != NULL);
    path_in(path, sizeof path, "ev1/custody.txt");
    char *cust = slurp(path, NULL);
    CHECK(cust && strstr(cust, "\nbooked") == NULL &&
          strstr(cust, "\tbooked into evidence\tbag 9\t"));
    free(cust);
    CHECK_EQ_INT(run(NOW, "export verify ev1"), 0);
    CHECK(strstr(cli.out, "2 custody entries") != NULL);
    /* The old attack: a plate changed in reads.csv, MANIFEST.sha256 re-made. */
    snprintf(cmd, sizeof cmd,
             "cd %s/ev1 && sed -i 's/7ABX992/7ABX993/' reads.csv && sha256sum reads.csv"
             " EXPORT.txt AUDIT-HEAD UNIT.pub images/* > MANIFEST.sha256 && sha256sum -c"
             " --quiet MANIFEST.sha256 >/dev/null",
             cli.dir);
    CHECK_EQ_INT(system(cmd), 0); /* passes the old check */
    CHECK_EQ_INT(run(NOW, "export verify ev1"), 4);
    CHECK(strstr(cli.err, "NOT VERIFIED: MANIFEST.sig: the signature does not match") != NULL);
    CHECK_EQ_INT(run(NOW, "logout"), 0);
}

/* Finding 7: the purge flags the bundle and the crop; the owner's client deletes them. */
static void test_copies_flagged_and_pruned(void)
{
    char path[800];
    struct stat st;
    NEEDS_SERVICE();
    REQUIRE(login(0, "ada", "admin password 1", LATER) == 0);
    CHECK_EQ_INT(run(LATER, "hold release 1 --reason 'case closed'"), 0);
    CHECK_EQ_INT(run(LATER, "purge"), 0);
    CHECK(strstr(cli.out, "purged 5 reads") != NULL);
    CHECK(strstr(cli.out, "2 copies outside the store flagged") != NULL);
    CHECK_EQ_INT(run(LATER, "--csv export list --flagged"), 0);
    CHECK(strstr(cli.out, ",export,/") != NULL && strstr(cli.out, ",crop,/") != NULL);
    /* The administrator's prune touches no other member's copy. */
    CHECK_EQ_INT(run(LATER, "export prune --yes"), 0);
    CHECK(strstr(cli.out, "0 flagged copies deleted") != NULL);
    REQUIRE(login(IVAN_UID, "ivan", "investigator pw", LATER) == 0);
    CHECK_EQ_INT(run(LATER, "export prune"), 0);
    CHECK(strstr(cli.out, "would delete") != NULL);
    path_in(path, sizeof path, "ev1");
    CHECK(stat(path, &st) == 0);
    CHECK_EQ_INT(run(LATER, "export prune --yes"), 0);
    CHECK(strstr(cli.out, "2 flagged copies deleted, 0 not") != NULL);
    CHECK(stat(path, &st) != 0);
    path_in(path, sizeof path, "crop.png");
    CHECK(stat(path, &st) != 0);
    CHECK_EQ_INT(run(LATER, "--csv export list --flagged"), 0);
    CHECK(strchr(cli.out, '\n') && strchr(cli.out, '\n')[1] == '\0'); /* the header only */
    CHECK_EQ_INT(run(LATER, "--csv export list"), 0);
    CHECK(strstr(cli.out, ",export,/") != NULL); /* on record, with its deletion */
}

int main(int argc, char **argv)
{
    (void)argc;
    if (cli_programs(&cli, argv[0]) != 0)
        return 1;
    setup();
    RUN(test_crop_file);
    RUN(test_export_attacks);
    RUN(test_copies_flagged_and_pruned);
    cli_stop(&cli);
    return test_finish();
}
