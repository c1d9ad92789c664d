/* Tests of store_export.c and store_report.c: evidence export, custody, releases, reports. */
#include "store_export.h"
#include "store_report.h"
#include "test_store_util.h"

#include <sodium.h>
#include <sqlite3.h>
#include <sys/stat.h>

static int64_t raw_count(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    int64_t n = -1;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        return -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return n;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    char *buf = NULL;
    long n;
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf)
        buf[n] = '\0';
    if (len)
        *len = (size_t)n;
    fclose(fp);
    return buf;
}

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

static void test_export_bundle(void)
{
    struct fixture f;
    struct store_export_result res;
    char dir[600], path[700];
    int64_t hold, pres;
    REQUIRE(fixture_open(&f, "export") == 0);
    setup_reads(&f);
    struct store_hold_spec spec = {STORE_HOLD_WARRANT, "SW-77", "EVD123", NULL, 0, 0, 0};
    REQUIRE(store_hold_add(f.s, &f.inv, &spec, &hold) == 0);
    snprintf(dir, sizeof dir, "%s/export1", test_tmpdir());
    CHECK_EQ_INT(store_export_hold(f.s, &f.op, hold, dir, "x", &res), STORE_ERR_DENIED);
    REQUIRE(store_export_hold(f.s, &f.inv, hold, dir, "to evidence locker 4", &res) == 0);
    CHECK_EQ_INT(res.reads, 4);
    CHECK_EQ_INT(res.images, 3);
    CHECK(res.export_id > 0);
    CHECK_EQ_INT(verify_manifest(dir), 5); /* 3 images, reads.csv, custody.txt */
    snprintf(path, sizeof path, "%s/reads.csv", dir);
    char *csv = slurp(path, NULL);
    REQUIRE(csv != NULL);
    int lines = 0;
    for (char *p = csv; *p; p++)
        lines += *p == '\n';
    CHECK_EQ_INT(lines, 5);
    CHECK(strstr(csv, "\"Parking, \"\"Inc\"\"\"") != NULL);
    CHECK(strstr(csv, "OTHER9") == NULL);
    free(csv);
    snprintf(path, sizeof path, "%s/custody.txt", dir);
    char *cust = slurp(path, NULL);
    REQUIRE(cust != NULL);
    CHECK(strstr(cust, "SW-77") != NULL);
    CHECK(strstr(cust, "ivan") != NULL);
    CHECK(strstr(cust, "to evidence locker 4") != NULL);
    free(cust);
    /* The manifest's own hash is on file; a changed byte is caught. */
    snprintf(path, sizeof path, "%s/MANIFEST.sha256", dir);
    size_t mlen;
    char *man = slurp(path, &mlen), hex[65];
    REQUIRE(man != NULL);
    unsigned char h[32];
    crypto_hash_sha256(h, (unsigned char *)man, mlen);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    CHECK_EQ_STR(hex, res.manifest_sha256);
    free(man);
    snprintf(path, sizeof path, "%s/reads.csv", dir);
    FILE *fp = fopen(path, "r+b");
    REQUIRE(fp != NULL);
    fseek(fp, 20, SEEK_SET);
    fputc('#', fp);
    fclose(fp);
    CHECK_EQ_INT(verify_manifest(dir), -1);
    /* Existing folder refused; custody entries appended. */
    CHECK_EQ_INT(store_export_hold(f.s, &f.inv, hold, dir, NULL, &res), STORE_ERR_EXISTS);
    CHECK_EQ_INT(store_custody_add(f.s, &f.inv, 1, "booked into evidence", "bag 2026-77"), 0);
    CHECK_EQ_INT(store_custody_add(f.s, &f.inv, 999, "lost", NULL), STORE_ERR_NOTFOUND);
    /* A preservation hold never exports non-governmental reads. */
    struct store_hold_spec ps = {STORE_HOLD_PRESERVATION, "PR-5", "EVD123", NULL, 0, 0, 0};
    REQUIRE(store_hold_add(f.s, &f.inv, &ps, &pres) == 0);
    snprintf(dir, sizeof dir, "%s/export2", test_tmpdir());
    REQUIRE(store_export_hold(f.s, &f.inv, pres, dir, NULL, &res) == 0);
    CHECK_EQ_INT(res.reads, 3);
    /* A released hold cannot be exported. */
    REQUIRE(store_hold_release(f.s, &f.admin, pres, "order denied") == 0);
    snprintf(dir, sizeof dir, "%s/export3", test_tmpdir());
    CHECK_EQ_INT(store_export_hold(f.s, &f.inv, pres, dir, NULL, &res), STORE_ERR_STATE);
    fixture_close(&f);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM custody"), 3);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM exports"), 2);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM audit WHERE event = 'export' AND"
                                   " outcome = 'ok'"),
                 2);
}

static void test_release_workflow(void)
{
    struct fixture f;
    struct store_export_result res;
    struct store_release_list *rl = NULL;
    char dir[600];
    int64_t hold, req, req2, id;
    REQUIRE(fixture_open(&f, "release") == 0);
    setup_reads(&f);
    REQUIRE(store_member_add(f.s, &f.admin, "chief", STORE_ROLE_ADMINISTRATOR, PW, T0, &id) == 0);
    struct store_session chief;
    REQUIRE(store_login(f.s, "chief", PW, &chief, (char[STORE_TOKEN_HEX]){0}) == 0);
    struct store_hold_spec spec = {STORE_HOLD_DISCLOSURE, "DO-3", "EVD123", NULL, 0, 0, 0};
    REQUIRE(store_hold_add(f.s, &f.inv, &spec, &hold) == 0);
    CHECK_EQ_INT(store_release_request(f.s, &f.inv, "", "Det. Smith", "trial", hold, &req),
                 STORE_ERR_INVALID);
    CHECK_EQ_INT(store_release_request(f.s, &f.inv, "County DA", "Det. Smith", "trial", 999, &req),
                 STORE_ERR_NOTFOUND);
    REQUIRE(store_release_request(f.s, &f.admin, "County DA's Office", "ADA O'Brien",
                                  "prosecution of case 2026-77", hold, &req) == 0);
    snprintf(dir, sizeof dir, "%s/release1", test_tmpdir());
    /* Pending: cannot be fulfilled. */
    CHECK_EQ_INT(store_release_fulfil(f.s, &chief, req, dir, &res), STORE_ERR_STATE);
    /* Reviewed by an administrator other than the one who entered it. */
    CHECK_EQ_INT(store_release_review(f.s, &f.admin, req, 1, "ok"), STORE_ERR_DENIED);
    CHECK_EQ_INT(store_release_review(f.s, &f.inv, req, 1, "ok"), STORE_ERR_DENIED);
    CHECK_EQ_INT(store_release_review(f.s, &chief, req, 1, ""), STORE_ERR_INVALID);
    CHECK_EQ_INT(store_release_review(f.s, &chief, req, 1, "written request on file"), 0);
    CHECK_EQ_INT(store_release_review(f.s, &chief, req, 0, "changed my mind"), STORE_ERR_STATE);
    CHECK_EQ_INT(store_release_fulfil(f.s, &f.inv, req, dir, &res), STORE_ERR_DENIED);
    REQUIRE(store_release_fulfil(f.s, &chief, req, dir, &res) == 0);
    CHECK_EQ_INT(res.reads, 4);
    CHECK_EQ_INT(verify_manifest(dir), 5);
    snprintf(dir, sizeof dir, "%s/release2", test_tmpdir());
    CHECK_EQ_INT(store_release_fulfil(f.s, &chief, req, dir, &res), STORE_ERR_STATE);
    /* A denied request is never fulfilled. */
    REQUIRE(store_release_request(f.s, &f.inv, "Other PD", "Sgt. X", "curiosity", hold, &req2) ==
            0);
    REQUIRE(store_release_review(f.s, &chief, req2, 0, "no legitimate purpose") == 0);
    CHECK_EQ_INT(store_release_fulfil(f.s, &chief, req2, dir, &res), STORE_ERR_STATE);
    struct stat sb;
    CHECK(stat(dir, &sb) != 0);
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

static char *report(struct fixture *f, const struct store_session *s, enum store_report_format fmt,
                    int public_page)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    int rc;
    if (!mem)
        return NULL;
    rc = public_page ? store_report_public(f->s, s, NULL, mem)
                     : store_report_audit(f->s, s, 0, 0, fmt, mem);
    fclose(mem);
    if (rc != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static void test_reports(void)
{
    struct fixture f;
    struct store_read_list *l = NULL;
    struct store_purge_report rep;
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

    char *txt = report(&f, &f.aud, STORE_REPORT_TEXT, 0);
    REQUIRE(txt != NULL);
    CHECK(strstr(txt, "== searches_by_member") != NULL);
    CHECK(strstr(txt, "ivan\tsearch\t3\t") != NULL); /* 2 granted + 1 refused */
    CHECK(strstr(txt, "burglary\t2\t6") != NULL);    /* 3 results each: the R9 read is hidden */
    CHECK(strstr(txt, "auto theft\t1\t3") != NULL);
    CHECK(strstr(txt, "== accesses_without_incident") != NULL);
    CHECK(strstr(txt, "refused: incident number missing") != NULL);
    CHECK(strstr(txt, "system:alprd") != NULL); /* the purge */
    CHECK(strstr(txt, "EVD123") == NULL);       /* a report names no plate */
    free(txt);
    char *csv = report(&f, &f.aud, STORE_REPORT_CSV, 0);
    REQUIRE(csv != NULL);
    CHECK(strstr(csv, "searches_by_crime_type,burglary,2,6") != NULL);
    CHECK(strstr(csv, "purges,") != NULL);
    free(csv);
    char *json = report(&f, &f.aud, STORE_REPORT_JSON, 0);
    REQUIRE(json != NULL);
    CHECK(strstr(json, "\"searches_by_purpose\": [") != NULL);
    CHECK(strstr(json, "{\"purpose\": \"investigation\", \"searches\": 2}") != NULL);
    free(json);
    CHECK(report(&f, &f.inv, STORE_REPORT_TEXT, 0) == NULL); /* denied */

    char *page = report(&f, &f.aud, STORE_REPORT_TEXT, 1);
    REQUIRE(page != NULL);
    CHECK(strstr(page, "<!DOCTYPE html>") != NULL);
    CHECK(strstr(page, "nine months") != NULL);
    CHECK(strstr(page, "<td>investigation</td><td>2</td>") != NULL);
    CHECK(strstr(page, "<td>6</td>") != NULL); /* six reads purged */
    CHECK(strstr(page, "EVD123") == NULL);
    CHECK(strstr(page, "OTHER9") == NULL);
    free(page);
    fixture_close(&f);
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
