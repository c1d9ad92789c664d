/* Tests of store_export.c and store_report.c: evidence export, custody, releases, reports. */
#include "store_export.h"
#include "store_justify.h"
#include "store_report.h"
#include "test_store_holds_util.h"

#include <errno.h>
#include <sodium.h>
#include <sqlite3.h>
#include <sys/stat.h>

/* Checks every line of MANIFEST.sha256 against the files; returns lines verified or -1. */
static int verify_manifest(const char *dir)
{
    char path[1024], *man, *line, *save = NULL;
    int n = 0;
    snprintf(path, sizeof path, "%s/MANIFEST.sha256", dir);
    man = slurp(path, NULL);
    if (!man)
        return -1;
    for (line = strtok_r(man, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char want[65], file[512], hex[65];
        unsigned char h[32];
        size_t len;
        if (sscanf(line, "%64s  %511s", want, file) != 2)
            goto bad;
        snprintf(path, sizeof path, "%s/%s", dir, file);
        char *data = slurp(path, &len);
        if (!data)
            goto bad;
        crypto_hash_sha256(h, (unsigned char *)data, len);
        sodium_bin2hex(hex, sizeof hex, h, sizeof h);
        free(data);
        if (strcmp(hex, want) != 0)
            goto bad;
        n++;
    }
    free(man);
    return n;
bad:
    free(man);
    return -1;
}

/* A sink that writes the bundle into a folder, as the CLI does; fail_at > 0 fails that file. */
struct folder_sink {
    char dir[600];
    int files, fail_at;
};

static int put_in_folder(void *ctx, const char *name, const void *data, size_t len)
{
    struct folder_sink *fs = ctx;
    char path[1024];
    FILE *fp;
    if (++fs->files == fs->fail_at)
        return STORE_ERR_IO;
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
    memset(fs, 0, sizeof *fs);
    snprintf(fs->dir, sizeof fs->dir, "%s/%s", test_tmpdir(), name);
    return (struct store_export_sink){put_in_folder, fs, 0};
}

static void setup_reads(struct fixture *f)
{
    uint8_t png[256];
    int64_t id;
    for (int i = 0; i < 6; i++) {
        char marker[32];
        snprintf(marker, sizeof marker, "crop%d", i);
        size_t n = make_png(png, sizeof png, marker);
        struct store_read r = make_read(i < 4 ? "EVD123" : "OTHER9", T0 + i, "U1");
        if (i == 3) {
            r.non_governmental = 1;
            r.source_agency = "Parking, \"Inc\"";
        }
        r.png = png;
        r.png_len = i == 2 ? 0 : n;
        if (store_add_read(f->s, &r, &id, NULL, NULL) != 0)
            test_fail(__FILE__, __LINE__, "add read %d", i);
    }
}

static const struct store_access WHY = {"investigation", "robbery", "2026-77", NULL};

static void test_export_bundle(void)
{
    struct fixture f;
    struct store_export_result res;
    struct folder_sink fs;
    struct store_export_sink sink;
    char path[700];
    int64_t hold, pres;
    REQUIRE(fixture_open(&f, "export") == 0);
    setup_reads(&f);
    struct store_hold_spec spec = {
        STORE_HOLD_WARRANT, "SW-77", "EVD123", NULL, 0, 0, T0 + 90 * DAY, "3rd District Court"};
    REQUIRE(fixture_approved_hold(&f, &spec, &hold) == 0);
    sink = folder(&fs, "export1");
    CHECK_EQ_INT(store_export_hold(f.s, &f.op, hold, &WHY, "/media/usb/case-77", "x", &sink, &res),
                 STORE_ERR_DENIED);
    CHECK_EQ_INT(fs.files, 0);
    REQUIRE(store_export_hold(f.s, &f.inv, hold, &WHY, "/media/usb/case-77", "to evidence locker 4",
                              &sink, &res) == 0);
    CHECK_EQ_INT(res.reads, 4);
    CHECK_EQ_INT(res.images, 3);
    CHECK_EQ_INT(res.hold_id, hold);
    CHECK(res.export_id > 0);
    /* 3 images, reads.csv, EXPORT.txt, AUDIT-HEAD, UNIT.pub, the manifest, its signature and
     * custody.txt; the manifest lists the first 7. */
    CHECK_EQ_INT(fs.files, 10);
    CHECK_EQ_INT(verify_manifest(fs.dir), 7);
    snprintf(path, sizeof path, "%s/reads.csv", fs.dir);
    char *csv = slurp(path, NULL);
    REQUIRE(csv != NULL);
    int lines = 0;
    for (char *p = csv; *p; p++)
        lines += *p == '\n';
    CHECK_EQ_INT(lines, 5);
    CHECK(strstr(csv, "\"Parking, \"\"Inc\"\"\"") != NULL);
    CHECK(strstr(csv, "OTHER9") == NULL);
    free(csv);
    snprintf(path, sizeof path, "%s/EXPORT.txt", fs.dir);
    char *info = slurp(path, NULL);
    REQUIRE(info != NULL);
    CHECK(strstr(info, "SW-77") != NULL);
    free(info);
    snprintf(path, sizeof path, "%s/custody.txt", fs.dir);
    char *cust = slurp(path, NULL);
    REQUIRE(cust != NULL);
    CHECK(strncmp(cust, "1\t", 2) == 0);
    CHECK(strstr(cust, "ivan") != NULL);
    CHECK(strstr(cust, "to evidence locker 4") != NULL);
    free(cust);
    /* The manifest's own hash is on file; a changed byte is caught. */
    snprintf(path, sizeof path, "%s/MANIFEST.sha256", fs.dir);
    size_t mlen;
    char *man = slurp(path, &mlen), hex[65];
    REQUIRE(man != NULL);
    unsigned char h[32];
    crypto_hash_sha256(h, (unsigned char *)man, mlen);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    CHECK_EQ_STR(hex, res.manifest_sha256);
    free(man);
    snprintf(path, sizeof path, "%s/reads.csv", fs.dir);
    FILE *fp = fopen(path, "r+b");
    REQUIRE(fp != NULL);
    fseek(fp, 20, SEEK_SET);
    fputc('#', fp);
    fclose(fp);
    CHECK_EQ_INT(verify_manifest(fs.dir), -1);
    /* The destination is a label, required, never opened. */
    sink = folder(&fs, "export-nodest");
    CHECK_EQ_INT(store_export_hold(f.s, &f.inv, hold, &WHY, "", NULL, &sink, &res),
                 STORE_ERR_INVALID);
    CHECK_EQ_INT(store_export_hold(f.s, &f.inv, hold, &WHY, NULL, NULL, &sink, &res),
                 STORE_ERR_INVALID);
    CHECK_EQ_INT(fs.files, 0);
    /* A sink that fails, or a bundle over its limit, aborts the export: nothing recorded. */
    sink = folder(&fs, "export-fail");
    fs.fail_at = 2;
    CHECK_EQ_INT(store_export_hold(f.s, &f.inv, hold, &WHY, "/media/usb/x", NULL, &sink, &res),
                 STORE_ERR_IO);
    sink = folder(&fs, "export-full");
    sink.max_bytes = 300;
    CHECK_EQ_INT(store_export_hold(f.s, &f.inv, hold, &WHY, "/media/usb/x", NULL, &sink, &res),
                 STORE_ERR_FULL);
    CHECK_EQ_INT(store_custody_add(f.s, &f.inv, 1, "booked into evidence", "bag 2026-77", NULL), 0);
    CHECK_EQ_INT(store_custody_add(f.s, &f.inv, 999, "lost", NULL, NULL), STORE_ERR_NOTFOUND);
    /* A preservation hold never exports non-governmental reads. */
    struct store_hold_spec ps = {STORE_HOLD_PRESERVATION, "PR-5", "EVD123", NULL, 0, 0, 0, NULL};
    REQUIRE(store_hold_add(f.s, &f.inv, &ps, &pres) == 0);
    sink = folder(&fs, "export2");
    REQUIRE(store_export_hold(f.s, &f.inv, pres, &WHY, "/media/usb/pr-5", NULL, &sink, &res) == 0);
    CHECK_EQ_INT(res.reads, 3);
    /* A released hold cannot be exported. */
    REQUIRE(store_hold_release(f.s, &f.admin, pres, "order denied") == 0);
    sink = folder(&fs, "export3");
    CHECK_EQ_INT(store_export_hold(f.s, &f.inv, pres, &WHY, "/media/usb/pr-5", NULL, &sink, &res),
                 STORE_ERR_STATE);
    CHECK_EQ_INT(fs.files, 0);
    fixture_close(&f);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM custody"), 3);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM exports"), 2);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM exports WHERE dir = '/media/usb/case-77'"
                                   " AND length(manifest_sha256) = 64"),
                 1);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM audit WHERE event = 'export' AND"
                                   " outcome = 'ok'"),
                 2);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM audit WHERE event = 'export' AND"
                                   " outcome <> 'ok' AND outcome NOT LIKE 'denied%'"),
                 3); /* the failed sink, the full bundle, the released hold */
    /* Each attempt past the role check is in the search register, like a search. */
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM searches WHERE kind = 'export' AND"
                                   " outcome = 'ok' AND incident = '2026-77'"),
                 2);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM searches WHERE kind = 'export' AND"
                                   " outcome LIKE 'failed: %'"),
                 3);
}

static void test_release_workflow(void)
{
    struct fixture f;
    struct store_export_result res;
    struct store_release_list *rl = NULL;
    struct folder_sink fs;
    struct store_export_sink sink = folder(&fs, "release1");
    int64_t hold, req, req2;
    REQUIRE(fixture_open(&f, "release") == 0);
    setup_reads(&f);
    /* Release approval is a records officer's (R12), here "chief". */
    struct store_session chief;
    REQUIRE(fixture_records(&f, "chief", &chief) == 0);
    struct store_hold_spec spec = {
        STORE_HOLD_DISCLOSURE, "DO-3", "EVD123", NULL, 0, 0, T0 + 90 * DAY, "3rd District Court"};
    REQUIRE(fixture_approved_hold(&f, &spec, &hold) == 0);
    CHECK_EQ_INT(store_release_request(f.s, &f.inv, "", "Det. Smith", "trial", hold, &req),
                 STORE_ERR_INVALID);
    CHECK_EQ_INT(store_release_request(f.s, &f.inv, "County DA", "Det. Smith", "trial", 999, &req),
                 STORE_ERR_NOTFOUND);
    REQUIRE(store_release_request(f.s, &f.admin, "County DA's Office", "ADA O'Brien",
                                  "prosecution of case 2026-77", hold, &req) == 0);
    /* Pending: cannot be fulfilled. */
    CHECK_EQ_INT(store_release_fulfil(f.s, &chief, req, "/media/r1", &sink, &res), STORE_ERR_STATE);
    /* Reviewed by a records officer other than the one who entered it; never by an
     * administrator (test_store_holds covers the rest of R12's separation of duties). */
    CHECK_EQ_INT(store_release_review(f.s, &f.admin, req, 1, "ok"), STORE_ERR_DENIED);
    CHECK_EQ_INT(store_release_review(f.s, &f.inv, req, 1, "ok"), STORE_ERR_DENIED);
    CHECK_EQ_INT(store_release_review(f.s, &chief, req, 1, ""), STORE_ERR_INVALID);
    CHECK_EQ_INT(store_release_review(f.s, &chief, req, 1, "written request on file"), 0);
    CHECK_EQ_INT(store_release_review(f.s, &chief, req, 0, "changed my mind"), STORE_ERR_STATE);
    CHECK_EQ_INT(store_release_fulfil(f.s, &f.inv, req, "/media/r1", &sink, &res),
                 STORE_ERR_DENIED);
    /* A bundle that could not be delivered leaves the request approved, to be fulfilled again. */
    struct folder_sink bad;
    struct store_export_sink bad_sink = folder(&bad, "release-bad");
    bad.fail_at = 1;
    CHECK_EQ_INT(store_release_fulfil(f.s, &chief, req, "/media/r1", &bad_sink, &res),
                 STORE_ERR_IO);
    REQUIRE(store_release_fulfil(f.s, &chief, req, "/media/r1", &sink, &res) == 0);
    CHECK_EQ_INT(res.reads, 4);
    CHECK_EQ_INT(verify_manifest(fs.dir), 7);
    sink = folder(&fs, "release2");
    CHECK_EQ_INT(store_release_fulfil(f.s, &chief, req, "/media/r1", &sink, &res), STORE_ERR_STATE);
    /* A denied request is never fulfilled. */
    REQUIRE(store_release_request(f.s, &f.inv, "Other PD", "Sgt. X", "curiosity", hold, &req2) ==
            0);
    REQUIRE(store_release_review(f.s, &chief, req2, 0, "no legitimate purpose") == 0);
    CHECK_EQ_INT(store_release_fulfil(f.s, &chief, req2, "/media/r2", &sink, &res),
                 STORE_ERR_STATE);
    struct stat sb;
    CHECK(stat(fs.dir, &sb) != 0);
    CHECK_EQ_INT(fs.files, 0);
    REQUIRE(store_release_list(f.s, &f.aud, &rl) == 0);
    CHECK_EQ_INT(rl->n, 2);
    CHECK_EQ_STR(rl->items[0].status, "fulfilled");
    CHECK_EQ_STR(rl->items[0].requester, "ADA O'Brien");
    CHECK_EQ_STR(rl->items[0].reviewed_by, "chief");
    CHECK(rl->items[0].export_id > 0);
    CHECK_EQ_STR(rl->items[1].status, "denied");
    store_release_list_free(rl);
    fixture_close(&f);
}

/* A report as text, one "== name" line per table and one tab-separated line per row. */
static char *report_text(const struct store_report *rep)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (!mem)
        return NULL;
    for (size_t t = 0; t < rep->n; t++) {
        const struct store_report_table *tab = &rep->tables[t];
        fprintf(mem, "== %s\n", tab->name);
        for (size_t c = 0; c < tab->ncols; c++)
            fprintf(mem, "%s%s", c ? "\t" : "", tab->cols[c]);
        fputc('\n', mem);
        for (size_t r = 0; r < tab->nrows; r++) {
            for (size_t c = 0; c < tab->ncols; c++)
                fprintf(mem, "%s%s", c ? "\t" : "", tab->cells[r * tab->ncols + c].text);
            fputc('\n', mem);
        }
    }
    fclose(mem);
    return buf;
}

static const struct store_report_table *table(const struct store_report *rep, const char *name)
{
    for (size_t t = 0; t < rep->n; t++)
        if (strcmp(rep->tables[t].name, name) == 0)
            return &rep->tables[t];
    return NULL;
}

static void test_reports(void)
{
    struct fixture f;
    struct store_read_list *l = NULL;
    struct store_purge_report rep;
    struct store_report *r = NULL;
    REQUIRE(fixture_open(&f, "reports") == 0);
    setup_reads(&f);
    struct store_query q = {.plate = "EVD123"};
    struct store_access a1 = {"investigation", "burglary", "2026-1", NULL};
    struct store_access a2 = {"stolen-vehicle", "auto theft", "2026-2", NULL};
    struct store_access bad = {"investigation", "burglary", NULL, NULL};
    REQUIRE(store_search(f.s, &f.inv, &a1, &q, &l) == 0);
    store_read_list_free(l);
    REQUIRE(store_search(f.s, &f.inv, &a1, &q, &l) == 0);
    store_read_list_free(l);
    REQUIRE(store_search(f.s, &f.admin, &a2, &q, &l) == 0);
    store_read_list_free(l);
    CHECK_EQ_INT(store_search(f.s, &f.inv, &bad, &q, &l), STORE_ERR_DENIED);
    f.clock.now = T0 + 300 * DAY;
    REQUIRE(store_purge_expired(f.s, f.clock.now, &rep) == 0);
    REQUIRE(store_login(f.s, "aude", PW, &f.aud, (char[STORE_TOKEN_HEX]){0}) == 0);
    REQUIRE(store_login(f.s, "ivan", PW, &f.inv, (char[STORE_TOKEN_HEX]){0}) == 0);
    REQUIRE(store_login(f.s, "olga", PW, &f.op, (char[STORE_TOKEN_HEX]){0}) == 0);

    CHECK_EQ_INT(store_report_audit(f.s, &f.inv, 0, 0, &r), STORE_ERR_DENIED);
    REQUIRE(store_report_audit(f.s, &f.aud, 0, 0, &r) == 0);
    CHECK_EQ_INT(r->n, STORE_REPORT_AUDIT_SECTIONS);
    CHECK_EQ_INT(r->generated, T0 + 300 * DAY);
    char *txt = report_text(r);
    REQUIRE(txt != NULL);
    CHECK(strstr(txt, "== searches_by_member\nmember\tkind\taccesses\tresults\n") != NULL);
    CHECK(strstr(txt, "ivan\tsearch\t3\t") != NULL); /* 2 granted + 1 refused */
    CHECK(strstr(txt, "burglary\t2\t6") != NULL);    /* 3 results each: the R9 read is hidden */
    CHECK(strstr(txt, "auto theft\t1\t3") != NULL);
    CHECK(strstr(txt, "== accesses_without_incident") != NULL);
    CHECK(strstr(txt, "refused: incident number missing") != NULL);
    CHECK(strstr(txt, "system:alprd") != NULL); /* the purge */
    CHECK(strstr(txt, "EVD123") == NULL);       /* a report names no plate */
    free(txt);
    /* Counts are integers (JSON numbers for the client), names text. */
    const struct store_report_table *purpose = table(r, "searches_by_purpose");
    REQUIRE(purpose != NULL && purpose->nrows == 2 && purpose->ncols == 2);
    CHECK_EQ_STR(purpose->cells[0].text, "investigation");
    CHECK(!purpose->cells[0].is_int);
    CHECK(purpose->cells[1].is_int && purpose->cells[1].num == 2);
    /* An empty period has every section, with no rows. */
    store_report_free(r);
    r = NULL;
    REQUIRE(store_report_audit(f.s, &f.aud, T0 - 2 * DAY, T0 - DAY, &r) == 0);
    CHECK_EQ_INT(r->n, STORE_REPORT_AUDIT_SECTIONS);
    CHECK_EQ_INT(r->from, T0 - 2 * DAY);
    for (size_t t = 0; t < r->n; t++)
        CHECK_EQ_INT(r->tables[t].nrows, 0);
    store_report_free(r);
    r = NULL;

    /* A warrant waiting for its second approval is not in effect: the page says so. */
    int64_t hold;
    struct store_hold_spec pres = {
        .kind = STORE_HOLD_PRESERVATION, .reference = "PR-9", .plate = "EVD123"};
    struct store_hold_spec warrant = {STORE_HOLD_WARRANT, "SW-9",          "EVD123", NULL, 0, 0,
                                      T0 + 400 * DAY,     "District Court"};
    REQUIRE(store_hold_add(f.s, &f.inv, &pres, &hold) == 0);
    REQUIRE(store_login(f.s, "ada", PW, &f.admin, (char[STORE_TOKEN_HEX]){0}) == 0);
    REQUIRE(store_hold_add(f.s, &f.admin, &warrant, &hold) == 0);

    CHECK_EQ_INT(store_report_public(f.s, &f.op, &r), STORE_ERR_DENIED);
    REQUIRE(store_report_public(f.s, &f.aud, &r) == 0);
    CHECK_EQ_INT(r->retention_days, STORE_RETENTION_MAX_DAYS);
    char *page = report_text(r);
    REQUIRE(page != NULL);
    CHECK(strstr(page, "== Searches by purpose\npurpose\tsearches\ninvestigation\t2\n") != NULL);
    CHECK(strstr(page, "== Purges\ndate\treads_purged\treads_kept_under_hold\n2026-10-28\t6\t0") !=
          NULL); /* six reads purged */
    CHECK(strstr(page, "kind\tholds\tin_effect\tawaiting_approval\npreservation\t1\t1\t0\n"
                       "warrant\t1\t0\t1\n") != NULL);
    CHECK(strstr(page, "EVD123") == NULL);
    CHECK(strstr(page, "OTHER9") == NULL);
    free(page);
    store_report_free(r);
    fixture_close(&f);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM audit WHERE event LIKE 'report.%' AND"
                                   " outcome = 'ok'"),
                 3);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    RUN(test_export_bundle);
    RUN(test_release_workflow);
    RUN(test_reports);
    return test_finish();
}
