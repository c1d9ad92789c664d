/*
 * Tests of issue #16, findings 11, 7 and the export half of 2, in the library: an export is
 * justified and in the search register; a bundle is signed and `alpr export verify`'s check
 * (store_cli_export_verify) finds a changed, missing or extra file, a re-made manifest, a
 * foreign key and an edited custody log; custody entries reach custody.txt; the purge flags the
 * copies of the reads it purged.
 */
#include "store_cli_export.h"
#include "store_export.h"
#include "store_copies.h"
#include "store_justify.h"
#include "test_store_holds_util.h"

#include <errno.h>
#include <sodium.h>
#include <sqlite3.h>
#include <sys/stat.h>

static int spit(const char *path, const char *text)
{
    FILE *fp = fopen(path, "wb");
    if (!fp)
        return -1;
    fputs(text, fp);
    return fclose(fp);
}

/* A sink that writes the bundle into a folder as the CLI does (0600 files). */
struct folder_sink {
    char dir[600];
};

static int put_in_folder(void *ctx, const char *name, const void *data, size_t len)
{
    struct folder_sink *fs = ctx;
    char path[1024];
    FILE *fp;
    snprintf(path, sizeof path, "%s/images", fs->dir);
    if ((mkdir(fs->dir, 0700) != 0 && errno != EEXIST) ||
        (mkdir(path, 0700) != 0 && errno != EEXIST))
        return STORE_ERR_IO;
    snprintf(path, sizeof path, "%s/%s", fs->dir, name);
    if (!(fp = fopen(path, "wbx")))
        return STORE_ERR_IO;
    if (fwrite(data, 1, len, fp) != len) {
        fclose(fp);
        return STORE_ERR_IO;
    }
    return fclose(fp) == 0 ? 0 : STORE_ERR_IO;
}

static struct store_export_sink folder(struct folder_sink *fs, const char *name)
{
    char cmd[800];
    snprintf(fs->dir, sizeof fs->dir, "%s/%s", test_tmpdir(), name);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fs->dir);
    if (system(cmd) != 0)
        test_fail(__FILE__, __LINE__, "cannot clear %s", fs->dir);
    return (struct store_export_sink){put_in_folder, fs, 0};
}

/* Four reads of EVD123 on unit U1 (three with a crop), one of another plate. */
static void setup_reads(struct fixture *f, int64_t t0)
{
    uint8_t png[256];
    int64_t id;
    for (int i = 0; i < 5; i++) {
        char marker[32];
        snprintf(marker, sizeof marker, "crop%d", i);
        size_t n = make_png(png, sizeof png, marker);
        struct store_read r = make_read(i < 4 ? "EVD123" : "OTHER9", t0 + i, "U1");
        r.png = png;
        r.png_len = i == 2 ? 0 : n;
        if (store_add_read(f->s, &r, &id, NULL, NULL) != 0)
            test_fail(__FILE__, __LINE__, "add read %d", i);
    }
}

static const struct store_access WHY = {"investigation", "robbery", "2026-77", NULL};

/* Runs the bundle check with the unit's key; returns its exit code, message into msg. */
static int verify(struct fixture *f, const char *dir, char *msg, size_t size)
{
    struct store_bundle_check chk;
    char pk[STORE_PUBKEY_HEX];
    if (store_export_public_key(f->s, pk) != 0)
        return -1;
    msg[0] = '\0';
    return store_cli_export_verify(dir, pk, &chk, msg, size);
}

/* The old attack: `hold add` + `export` pulled a unit's reads with nothing in the register. */
static void test_export_needs_justification(void)
{
    struct fixture f;
    struct store_export_result res;
    struct folder_sink fs;
    struct store_export_sink sink;
    int64_t hold;
    REQUIRE(fixture_open(&f, "ev_justify") == 0);
    setup_reads(&f, T0);
    struct store_hold_spec spec = {STORE_HOLD_WARRANT,  "SW-9", NULL, "U1", 0, 0, T0 + 400 * DAY,
                                   "3rd District Court"};
    REQUIRE(fixture_approved_hold(&f, &spec, &hold) == 0);
    const struct store_access none = {NULL, NULL, NULL, NULL};
    const struct store_access no_incident = {"investigation", "robbery", NULL, NULL};
    sink = folder(&fs, "ev_unjustified");
    CHECK_EQ_INT(store_export_hold(f.s, &f.inv, hold, NULL, "/media/x", NULL, &sink, &res),
                 STORE_ERR_DENIED);
    CHECK_EQ_INT(store_export_hold(f.s, &f.inv, hold, &none, "/media/x", NULL, &sink, &res),
                 STORE_ERR_DENIED);
    CHECK_EQ_INT(store_export_hold(f.s, &f.inv, hold, &no_incident, "/media/x", NULL, &sink, &res),
                 STORE_ERR_DENIED);
    struct stat st;
    CHECK(stat(fs.dir, &st) != 0); /* not a byte handed out */
    REQUIRE(store_export_hold(f.s, &f.inv, hold, &WHY, "/media/x", NULL, &sink, &res) == 0);
    CHECK_EQ_INT(res.reads, 5);
    fixture_close(&f);
    /* The refusals and the export are in the search register, with the count. */
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM searches WHERE kind = 'export' AND"
                                   " outcome LIKE 'refused:%' AND result_count = 0"),
                 3);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM searches WHERE kind = 'export' AND"
                                   " outcome = 'ok' AND purpose = 'investigation' AND"
                                   " crime_type = 'robbery' AND incident = '2026-77' AND"
                                   " result_count = 5 AND member = 'ivan'"),
                 1);
}

/* The old attack: edit reads.csv and re-make MANIFEST.sha256: `sha256sum -c` passes. */
static void test_bundle_signed(void)
{
    struct fixture f;
    struct store_export_result res;
    struct folder_sink fs;
    struct store_export_sink sink;
    struct store_bundle_check chk;
    char msg[600], path[800], cmd[1600], pk[STORE_PUBKEY_HEX];
    int64_t hold;
    REQUIRE(fixture_open(&f, "ev_signed") == 0);
    setup_reads(&f, T0);
    struct store_hold_spec spec = {
        STORE_HOLD_WARRANT, "SW-10", "EVD123", NULL, 0, 0, T0 + 400 * DAY, "3rd District Court"};
    REQUIRE(fixture_approved_hold(&f, &spec, &hold) == 0);
    sink = folder(&fs, "ev_bundle");
    REQUIRE(store_export_hold(f.s, &f.inv, hold, &WHY, fs.dir, "locker 4", &sink, &res) == 0);
    CHECK_EQ_INT(verify(&f, fs.dir, msg, sizeof msg), CLI_EXIT_OK);
    REQUIRE(store_cli_export_verify(fs.dir, NULL, &chk, msg, sizeof msg) == CLI_EXIT_OK);
    CHECK_EQ_INT(chk.files, 7); /* 3 crops, reads.csv, EXPORT.txt, AUDIT-HEAD, UNIT.pub */
    CHECK_EQ_INT(chk.custody, 1);
    CHECK(!chk.key_confirmed);
    REQUIRE(store_export_public_key(f.s, pk) == 0);
    CHECK_EQ_STR(chk.public_key, pk);
    /* The audit head is inside the signed manifest. */
    snprintf(path, sizeof path, "%s/AUDIT-HEAD", fs.dir);
    char *head = slurp(path, NULL);
    REQUIRE(head != NULL);
    {
        /* ...as an anchor line with the head's MAC: the chain up to it verifies against it. */
        struct store_audit_head anchor, now;
        CHECK_EQ_INT(store_audit_anchor_parse(head, &anchor), 0);
        CHECK(anchor.id > 0 && strlen(anchor.mac) == 64);
        REQUIRE(store_audit_head(f.s, &now) == 0);
        CHECK(now.id > anchor.id); /* the export's own entry came after it */
        struct store_audit_verify_result vr;
        CHECK_EQ_INT(store_audit_verify_anchored(f.s, &f.aud, &anchor, 1, &vr), 0);
    }
    free(head);
    snprintf(path, sizeof path, "%s/MANIFEST.sha256", fs.dir);
    char *man = slurp(path, NULL);
    REQUIRE(man != NULL);
    CHECK(strstr(man, "  AUDIT-HEAD\n") != NULL);
    free(man);

    /* The attack: a plate changed in reads.csv, the manifest re-made. */
    snprintf(path, sizeof path, "%s/reads.csv", fs.dir);
    char *csv = slurp(path, NULL);
    REQUIRE(csv != NULL);
    char *plate = strstr(csv, "EVD123");
    REQUIRE(plate != NULL);
    memcpy(plate, "EVD128", 6);
    REQUIRE(spit(path, csv) == 0);
    free(csv);
    snprintf(cmd, sizeof cmd, "cd '%s' && sha256sum -c --quiet MANIFEST.sha256 >/dev/null 2>&1",
             fs.dir);
    CHECK(system(cmd) != 0); /* caught by sha256sum while the manifest is the store's */
    CHECK_EQ_INT(verify(&f, fs.dir, msg, sizeof msg), CLI_EXIT_DATA);
    CHECK(strstr(msg, "reads.csv: changed") != NULL);
    snprintf(cmd, sizeof cmd,
             "cd '%s' && sha256sum reads.csv EXPORT.txt AUDIT-HEAD UNIT.pub images/* >"
             " MANIFEST.sha256 && sha256sum -c --quiet MANIFEST.sha256 >/dev/null 2>&1",
             fs.dir);
    CHECK_EQ_INT(system(cmd), 0); /* the old check passes the forgery */
    CHECK_EQ_INT(verify(&f, fs.dir, msg, sizeof msg), CLI_EXIT_DATA);
    CHECK(strstr(msg, "MANIFEST.sig: the signature does not match") != NULL);
    fixture_close(&f);
}

/* Each way a bundle can be altered is caught, and the message names the file. */
static void test_verify_names_the_file(void)
{
    struct fixture f;
    struct store_export_result res;
    struct folder_sink fs;
    struct store_export_sink sink;
    char msg[600], path[800], path2[800], cmd[1600];
    int64_t hold;
    REQUIRE(fixture_open(&f, "ev_files") == 0);
    setup_reads(&f, T0);
    struct store_hold_spec spec = {
        STORE_HOLD_WARRANT, "SW-11", "EVD123", NULL, 0, 0, T0 + 400 * DAY, "3rd District Court"};
    REQUIRE(fixture_approved_hold(&f, &spec, &hold) == 0);
    sink = folder(&fs, "ev_files");
    REQUIRE(store_export_hold(f.s, &f.inv, hold, &WHY, fs.dir, NULL, &sink, &res) == 0);
    REQUIRE(verify(&f, fs.dir, msg, sizeof msg) == CLI_EXIT_OK);

    /* An extra file. */
    snprintf(path, sizeof path, "%s/images/read-99.png", fs.dir);
    REQUIRE(spit(path, "x") == 0);
    CHECK_EQ_INT(verify(&f, fs.dir, msg, sizeof msg), CLI_EXIT_DATA);
    CHECK(strstr(msg, "images/read-99.png: not in MANIFEST.sha256") != NULL);
    unlink(path);
    /* A missing crop. */
    snprintf(path, sizeof path, "%s/images/read-1.png", fs.dir);
    snprintf(path2, sizeof path2, "%s/read-1.png.bak", test_tmpdir());
    REQUIRE(rename(path, path2) == 0);
    CHECK_EQ_INT(verify(&f, fs.dir, msg, sizeof msg), CLI_EXIT_DATA);
    CHECK(strstr(msg, "images/read-1.png: listed in MANIFEST.sha256 but missing") != NULL);
    /* A link in its place is not followed. */
    REQUIRE(symlink(path2, path) == 0);
    CHECK_EQ_INT(verify(&f, fs.dir, msg, sizeof msg), CLI_EXIT_DATA);
    CHECK(strstr(msg, "images/read-1.png") != NULL);
    unlink(path);
    REQUIRE(rename(path2, path) == 0);
    REQUIRE(verify(&f, fs.dir, msg, sizeof msg) == CLI_EXIT_OK);
    /* Signed by another key (a forger's store): fails against the unit's key. */
    struct fixture other;
    struct folder_sink fs2;
    struct store_export_result res2;
    int64_t hold2;
    REQUIRE(fixture_open(&other, "ev_forger") == 0);
    setup_reads(&other, T0);
    REQUIRE(fixture_approved_hold(&other, &spec, &hold2) == 0);
    sink = folder(&fs2, "ev_forged");
    REQUIRE(store_export_hold(other.s, &other.inv, hold2, &WHY, fs2.dir, NULL, &sink, &res2) == 0);
    CHECK_EQ_INT(verify(&f, fs2.dir, msg, sizeof msg), CLI_EXIT_DATA);
    CHECK(strstr(msg, "UNIT.pub: the bundle is signed by key") != NULL);
    /* The forger's UNIT.pub swapped for the unit's: the signature no longer matches. */
    snprintf(cmd, sizeof cmd, "cp '%s/UNIT.pub' '%s/UNIT.pub'", fs.dir, fs2.dir);
    REQUIRE(system(cmd) == 0);
    CHECK_EQ_INT(verify(&f, fs2.dir, msg, sizeof msg), CLI_EXIT_DATA);
    CHECK(strstr(msg, "MANIFEST.sig") != NULL);
    fixture_close(&other);
    /* No bundle at all. */
    snprintf(path, sizeof path, "%s/ev_nothing", test_tmpdir());
    CHECK_EQ_INT(verify(&f, path, msg, sizeof msg), CLI_EXIT_FAIL);
    fixture_close(&f);
}

/* Custody entries reach custody.txt, signed and chained; edits and drops are caught. */
static void test_custody_chain(void)
{
    struct fixture f;
    struct store_export_result res;
    struct folder_sink fs;
    struct store_export_sink sink;
    struct store_custody_log *log = NULL;
    struct store_bundle_check chk;
    char msg[600], path[800], pk[STORE_PUBKEY_HEX];
    size_t appended = 0;
    int64_t hold;
    json_t *lines;
    REQUIRE(fixture_open(&f, "ev_custody") == 0);
    setup_reads(&f, T0);
    struct store_hold_spec spec = {
        STORE_HOLD_WARRANT, "SW-12", "EVD123", NULL, 0, 0, T0 + 400 * DAY, "3rd District Court"};
    REQUIRE(fixture_approved_hold(&f, &spec, &hold) == 0);
    sink = folder(&fs, "ev_custody");
    REQUIRE(store_export_hold(f.s, &f.inv, hold, &WHY, fs.dir, "to locker", &sink, &res) == 0);
    REQUIRE(store_custody_add(f.s, &f.inv, res.export_id, "booked into evidence", "bag 77", &log) ==
            0);
    REQUIRE(log != NULL);
    CHECK_EQ_INT(log->n, 2);
    CHECK_EQ_STR(log->dir, fs.dir);
    CHECK(strncmp(log->lines[1], "2\t", 2) == 0 && strstr(log->lines[1], "\tbag 77\t") != NULL);
    lines = json_array();
    for (size_t i = 0; i < log->n; i++)
        json_array_append_new(lines, json_string(log->lines[i]));
    store_custody_log_free(log);
    log = NULL;
    REQUIRE(store_cli_custody_sync(fs.dir, lines, &appended, msg, sizeof msg) == 0);
    CHECK_EQ_INT(appended, 1);
    REQUIRE(store_cli_custody_sync(fs.dir, lines, &appended, msg, sizeof msg) == 0);
    CHECK_EQ_INT(appended, 0); /* already there: nothing twice */
    REQUIRE(store_export_public_key(f.s, pk) == 0);
    REQUIRE(store_cli_export_verify(fs.dir, pk, &chk, msg, sizeof msg) == CLI_EXIT_OK);
    CHECK_EQ_INT(chk.custody, 2);
    CHECK(chk.key_confirmed);

    snprintf(path, sizeof path, "%s/custody.txt", fs.dir);
    char *orig = slurp(path, NULL);
    REQUIRE(orig != NULL);
    /* An edited note. */
    char *edited = strdup(orig);
    REQUIRE(edited != NULL);
    char *bag = strstr(edited, "bag 77");
    REQUIRE(bag != NULL);
    bag[5] = '8';
    REQUIRE(spit(path, edited) == 0);
    CHECK_EQ_INT(verify(&f, fs.dir, msg, sizeof msg), CLI_EXIT_DATA);
    CHECK(strstr(msg, "custody.txt: line 2: the signature does not match") != NULL);
    /* The sync refuses a custody.txt that is not the store's. */
    CHECK(store_cli_custody_sync(fs.dir, lines, &appended, msg, sizeof msg) != 0);
    CHECK(strstr(msg, "line 2 differs") != NULL);
    free(edited);
    /* The first line dropped: line 1 is now entry 2. */
    REQUIRE(spit(path, strchr(orig, '\n') + 1) == 0);
    CHECK_EQ_INT(verify(&f, fs.dir, msg, sizeof msg), CLI_EXIT_DATA);
    CHECK(strstr(msg, "custody.txt: line 1: not entry 1") != NULL);
    /* Renumbered to hide the drop: the chain does not start from the manifest. */
    char *renum = strdup(strchr(orig, '\n') + 1);
    REQUIRE(renum != NULL);
    renum[0] = '1';
    REQUIRE(spit(path, renum) == 0);
    CHECK_EQ_INT(verify(&f, fs.dir, msg, sizeof msg), CLI_EXIT_DATA);
    CHECK(strstr(msg, "custody.txt: line 1: the signature does not match") != NULL);
    free(renum);
    /* A custody entry of another export (same key) is out of its chain. */
    REQUIRE(spit(path, orig) == 0);
    REQUIRE(verify(&f, fs.dir, msg, sizeof msg) == CLI_EXIT_OK);
    free(orig);
    json_decref(lines);
    CHECK_EQ_INT(store_custody_add(f.s, &f.inv, res.export_id, "moved\tto", NULL, NULL),
                 STORE_ERR_INVALID);
    CHECK_EQ_INT(store_custody_add(f.s, &f.op, res.export_id, "moved", NULL, NULL),
                 STORE_ERR_DENIED);
    fixture_close(&f);
}

/* Finding 7: a bundle whose hold is released and whose reads are purged is flagged. */
static void test_purge_flags_copies(void)
{
    struct fixture f;
    struct store_export_result res;
    struct folder_sink fs;
    struct store_export_sink sink;
    struct store_purge_report rep;
    struct store_copy_list *l = NULL;
    int64_t held, kept, crop, released_export;
    REQUIRE(fixture_open(&f, "ev_copies") == 0);
    setup_reads(&f, T0);
    struct store_hold_spec a = {STORE_HOLD_WARRANT,  "SW-13", "EVD123", NULL, 0, 0, T0 + 400 * DAY,
                                "3rd District Court"};
    struct store_hold_spec b = {STORE_HOLD_WARRANT,  "SW-14", "OTHER9", NULL, 0, 0, T0 + 400 * DAY,
                                "3rd District Court"};
    REQUIRE(fixture_approved_hold(&f, &a, &held) == 0);
    REQUIRE(fixture_approved_hold(&f, &b, &kept) == 0);
    sink = folder(&fs, "ev_copy1");
    REQUIRE(store_export_hold(f.s, &f.inv, held, &WHY, fs.dir, NULL, &sink, &res) == 0);
    released_export = res.export_id;
    sink = folder(&fs, "ev_copy2");
    REQUIRE(store_export_hold(f.s, &f.inv, kept, &WHY, fs.dir, NULL, &sink, &res) == 0);
    /* A crop registered by the client: relative paths are refused, unknown reads too. */
    CHECK_EQ_INT(store_copy_register(f.s, &f.inv, 1, "crop.png", &crop), STORE_ERR_INVALID);
    CHECK_EQ_INT(store_copy_register(f.s, &f.inv, 999, "/home/ivan/crop.png", &crop),
                 STORE_ERR_NOTFOUND);
    CHECK_EQ_INT(store_copy_register(f.s, &f.op, 1, "/home/olga/crop.png", &crop),
                 STORE_ERR_DENIED);
    REQUIRE(store_copy_register(f.s, &f.inv, 1, "/home/ivan/crop.png", &crop) == 0);
    REQUIRE(store_copy_list(f.s, &f.aud, 0, &l) == 0);
    CHECK_EQ_INT(l->n, 3);
    CHECK_EQ_STR(l->items[0].kind, "export");
    CHECK_EQ_INT(l->items[0].reads, 4);
    CHECK_EQ_INT(l->items[0].from, T0);
    CHECK_EQ_INT(l->items[0].to, T0 + 3);
    CHECK_EQ_INT(l->items[0].flagged_at, 0);
    CHECK_EQ_STR(l->items[2].kind, "crop");
    store_copy_list_free(l);
    l = NULL;

    /* The hold of the first export is released; nine months on, the purge. */
    REQUIRE(store_hold_release(f.s, &f.admin, held, "case closed") == 0);
    f.clock.now = T0 + 300 * DAY;
    REQUIRE(store_purge_expired(f.s, f.clock.now, &rep) == 0);
    CHECK_EQ_INT(rep.reads, 4);
    CHECK_EQ_INT(rep.copies_flagged, 2); /* the first bundle and the crop of read 1 */
    REQUIRE(store_login(f.s, "ivan", PW, &f.inv, (char[STORE_TOKEN_HEX]){0}) == 0);
    REQUIRE(store_login(f.s, "aude", PW, &f.aud, (char[STORE_TOKEN_HEX]){0}) == 0);
    REQUIRE(store_copy_list(f.s, &f.inv, 1, &l) == 0);
    REQUIRE(l->n == 2);
    CHECK_EQ_INT(l->items[0].export_id, released_export);
    CHECK(l->items[0].flagged_at == T0 + 300 * DAY);
    CHECK(strstr(l->items[0].flag_reason, "purged") != NULL);
    CHECK_EQ_INT(l->items[1].id, crop);
    store_copy_list_free(l);
    l = NULL;
    /* A second purge flags nothing again; the kept bundle's reads are still held. */
    f.clock.now += 60;
    REQUIRE(store_purge_expired(f.s, f.clock.now, &rep) == 0);
    CHECK_EQ_INT(rep.copies_flagged, 0);
    /* The owner reports the bundle deleted; nobody else can. */
    CHECK_EQ_INT(store_copy_deleted(f.s, &f.aud, crop), STORE_ERR_DENIED);
    REQUIRE(store_copy_deleted(f.s, &f.inv, crop) == 0);
    CHECK_EQ_INT(store_copy_deleted(f.s, &f.inv, crop), STORE_ERR_NOTFOUND);
    REQUIRE(store_copy_list(f.s, &f.aud, 1, &l) == 0);
    CHECK_EQ_INT(l->n, 1);
    store_copy_list_free(l);
    fixture_close(&f);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM audit WHERE event = 'purge' AND"
                                   " params LIKE '%\"copies_flagged\":2%'"),
                 1);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    RUN(test_export_needs_justification);
    RUN(test_bundle_signed);
    RUN(test_verify_names_the_file);
    RUN(test_custody_chain);
    RUN(test_purge_flags_copies);
    return test_finish();
}
