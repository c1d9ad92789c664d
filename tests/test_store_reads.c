/* Tests of store_reads.c: ingest, validation, searches (exact, wildcard, fuzzy), R1/R9/R11. */
#include "test_store_holds_util.h"

#include <sqlite3.h>

static int add(struct fixture *f, const char *plate, int64_t t, const char *unit)
{
    struct store_read r = make_read(plate, t, unit);
    int64_t id;
    return store_add_read(f->s, &r, &id, NULL, NULL);
}

static size_t search(struct fixture *f, const char *plate, enum store_match m, int edits,
                     struct store_read_list **out)
{
    struct store_query q = {.plate = plate, .match = m, .max_edits = edits};
    struct store_read_list *l = NULL;
    if (store_search(f->s, &f->inv, access_ok(), &q, &l) != 0)
        return (size_t)-1;
    size_t n = l->n;
    if (out)
        *out = l;
    else
        store_read_list_free(l);
    return n;
}

static void test_ingest_validates(void)
{
    struct fixture f;
    struct store_read r;
    uint8_t png[128], big[16];
    int64_t id = -7;
    REQUIRE(fixture_open(&f, "ingest") == 0);
    size_t n = make_png(png, sizeof png, "crop");
    r = make_read("7abc-123", T0, "U1");
    r.png = png;
    r.png_len = n;
    CHECK_EQ_INT(store_add_read(f.s, &r, &id, NULL, NULL), 0);
    CHECK(id > 0);
    struct {
        const char *what;
        struct store_read r;
    } bad[12];
    size_t nb = 0;
    bad[nb].what = "plate";
    bad[nb].r = make_read("AB'C", T0, "U1");
    nb++;
    bad[nb].what = "empty plate";
    bad[nb].r = make_read(" - ", T0, "U1");
    nb++;
    bad[nb].what = "wildcard plate";
    bad[nb].r = make_read("AB*1", T0, "U1");
    nb++;
    bad[nb].what = "confidence";
    bad[nb].r = make_read("ABC123", T0, "U1");
    bad[nb].r.confidence = 1.5;
    nb++;
    bad[nb].what = "unit";
    bad[nb].r = make_read("ABC123", T0, "U1'; DROP TABLE reads;--");
    nb++;
    bad[nb].what = "time";
    bad[nb].r = make_read("ABC123", 0, "U1");
    nb++;
    bad[nb].what = "gps";
    bad[nb].r = make_read("ABC123", T0, "U1");
    bad[nb].r.lat = 91;
    nb++;
    bad[nb].what = "not a png";
    bad[nb].r = make_read("ABC123", T0, "U1");
    memset(big, 'x', sizeof big);
    bad[nb].r.png = big;
    bad[nb].r.png_len = sizeof big;
    nb++;
    bad[nb].what = "png too large";
    bad[nb].r = make_read("ABC123", T0, "U1");
    bad[nb].r.png = png;
    bad[nb].r.png_len = STORE_IMAGE_MAX + 1;
    nb++;
    bad[nb].what = "candidate";
    bad[nb].r = make_read("ABC123", T0, "U1");
    bad[nb].r.candidates[0].text = "A B C ' 1";
    nb++;
    bad[nb].what = "agency";
    bad[nb].r = make_read("ABC123", T0, "U1");
    bad[nb].r.source_agency = NULL;
    nb++;
    for (size_t i = 0; i < nb; i++) {
        int rc = store_add_read(f.s, &bad[i].r, &id, NULL, NULL);
        if (rc != STORE_ERR_INVALID)
            test_fail(__FILE__, __LINE__, "bad %s accepted (%d)", bad[i].what, rc);
    }
    fixture_close(&f);
    /* Day T0 / DAY = 20454. The plate is stored sealed, never as text. */
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM reads_d20454"), 1);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM reads_d20454 WHERE plate = '7ABC123'"), 0);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM images_d20454"), 1);
}

static void test_exact_wildcard_fuzzy(void)
{
    static const char *plates[] = {"7ABC123", "7AB12",   "7ABX92", "7AB2",    "8ABC123",
                                   "7A8C123", "7ABC128", "XYZ123", "7ABC1Z3", "ZZZ999"};
    struct fixture f;
    struct store_read_list *l = NULL;
    REQUIRE(fixture_open(&f, "search") == 0);
    for (size_t i = 0; i < sizeof plates / sizeof plates[0]; i++)
        REQUIRE(add(&f, plates[i], T0 - (int64_t)i * 60, "U1") == 0);
    CHECK_EQ_INT(search(&f, "7ABC123", STORE_MATCH_EXACT, 0, NULL), 1);
    CHECK_EQ_INT(search(&f, "7abc 123", STORE_MATCH_EXACT, 0, NULL), 1);
    CHECK_EQ_INT(search(&f, "7ABC12", STORE_MATCH_EXACT, 0, NULL), 0);
    /* 7AB*2 : 7AB12, 7ABX92, 7AB2 */
    CHECK_EQ_INT(search(&f, "7AB*2", STORE_MATCH_WILDCARD, 0, &l), 3);
    if (l) {
        for (size_t i = 0; i < l->n; i++)
            CHECK(plate_glob("7AB*2", l->items[i].plate));
        /* newest first */
        for (size_t i = 1; i < l->n; i++)
            CHECK(l->items[i - 1].time >= l->items[i].time);
        store_read_list_free(l);
        l = NULL;
    }
    CHECK_EQ_INT(search(&f, "7ABC12?", STORE_MATCH_WILDCARD, 0, NULL), 2); /* 123, 128 */
    CHECK_EQ_INT(search(&f, "*123", STORE_MATCH_WILDCARD, 0, NULL), 4);    /* suffix index */
    CHECK_EQ_INT(search(&f, "?ABC123", STORE_MATCH_WILDCARD, 0, NULL), 2); /* 7ABC123 8ABC123 */
    CHECK_EQ_INT(search(&f, "*BC1*", STORE_MATCH_WILDCARD, 0, NULL), 4);   /* no anchor: scan */
    CHECK_EQ_INT(search(&f, "*", STORE_MATCH_WILDCARD, 0, NULL), 10);
    /* Fuzzy: 7A8C123 / 7ABC123 / 7ABC1Z3 differ only by confusable characters. */
    CHECK_EQ_INT(search(&f, "7ABC123", STORE_MATCH_FUZZY, 0, &l), 3);
    if (l) {
        CHECK_EQ_STR(l->items[0].plate, "7ABC123"); /* exact first */
        CHECK_EQ_INT(l->items[0].distance, 0);
        CHECK_EQ_INT(l->items[1].distance, 1);
        store_read_list_free(l);
        l = NULL;
    }
    /* One more non-confusable difference: + 8ABC123 (pos 0), 7ABC128 (pos 6) and 7A8C128? no. */
    CHECK_EQ_INT(search(&f, "7ABC123", STORE_MATCH_FUZZY, 1, &l), 5);
    if (l) {
        for (size_t i = 1; i < l->n; i++)
            CHECK(l->items[i - 1].distance <= l->items[i].distance);
        store_read_list_free(l);
        l = NULL;
    }
    CHECK_EQ_INT(search(&f, "QQQ999", STORE_MATCH_FUZZY, 1, NULL), 0);
    CHECK_EQ_INT(search(&f, "Z2Z999", STORE_MATCH_FUZZY, 0, NULL), 1);
    /* Bad queries. */
    struct store_query q = {.plate = "7A'B", .match = STORE_MATCH_EXACT};
    CHECK_EQ_INT(store_search(f.s, &f.inv, access_ok(), &q, &l), STORE_ERR_INVALID);
    q.plate = NULL;
    CHECK_EQ_INT(store_search(f.s, &f.inv, access_ok(), &q, &l), STORE_ERR_INVALID);
    q.plate = "7AB*";
    CHECK_EQ_INT(store_search(f.s, &f.inv, access_ok(), &q, &l), STORE_ERR_INVALID); /* exact */
    fixture_close(&f);
}

static void test_time_and_unit_filters(void)
{
    struct fixture f;
    struct store_read_list *l = NULL;
    REQUIRE(fixture_open(&f, "filters") == 0);
    for (int i = 0; i < 10; i++)
        REQUIRE(add(&f, "ABC123", T0 - i * 3600, i % 2 ? "U1" : "U2") == 0);
    struct store_query q = {.plate = "ABC123", .from = T0 - 4 * 3600, .to = T0};
    REQUIRE(store_search(f.s, &f.inv, access_ok(), &q, &l) == 0);
    CHECK_EQ_INT(l->n, 4); /* T0-4h .. T0-1h, T0 excluded */
    store_read_list_free(l);
    q.unit = "U1";
    REQUIRE(store_search(f.s, &f.inv, access_ok(), &q, &l) == 0);
    CHECK_EQ_INT(l->n, 2);
    store_read_list_free(l);
    struct store_query q2 = {.unit = "U2"};
    REQUIRE(store_search(f.s, &f.inv, access_ok(), &q2, &l) == 0);
    CHECK_EQ_INT(l->n, 5);
    store_read_list_free(l);
    q2.limit = 2;
    REQUIRE(store_search(f.s, &f.inv, access_ok(), &q2, &l) == 0);
    CHECK_EQ_INT(l->n, 2);
    CHECK_EQ_INT(l->items[0].time, T0);
    store_read_list_free(l);
    fixture_close(&f);
}

static void test_access_needs_purpose_and_incident(void)
{
    struct fixture f;
    struct store_read_list *l = NULL;
    struct store_query q = {.plate = "ABC123"};
    REQUIRE(fixture_open(&f, "purpose") == 0);
    REQUIRE(add(&f, "ABC123", T0, "U1") == 0);
    struct store_access a[] = {
        {NULL, "robbery", "2026-1", NULL},       {"curiosity", "robbery", "2026-1", NULL},
        {"investigation", NULL, "2026-1", NULL}, {"investigation", "robbery", NULL, NULL},
        {"investigation", "robbery", "", NULL},  {"warrant", "", "2026-1", NULL},
    };
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++)
        CHECK_EQ_INT(store_search(f.s, &f.inv, &a[i], &q, &l), STORE_ERR_DENIED);
    CHECK_EQ_INT(store_search(f.s, &f.inv, NULL, &q, &l), STORE_ERR_DENIED);
    CHECK(l == NULL);
    struct store_access ok = {"stolen-vehicle", "auto theft", "2026-77", NULL};
    CHECK_EQ_INT(store_search(f.s, &f.inv, &ok, &q, &l), 0);
    store_read_list_free(l);
    fixture_close(&f);
    /* Seven refusals and one search in the register, each with the query and count. */
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM searches WHERE outcome LIKE 'refused%'"),
                 7);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM searches WHERE outcome = 'ok' AND"
                                   " incident = '2026-77' AND crime_type = 'auto theft' AND"
                                   " purpose = 'stolen-vehicle' AND result_count = 1 AND"
                                   " query LIKE '%ABC123%'"),
                 1);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM audit WHERE event = 'search'"), 8);
}

static void test_non_governmental_needs_warrant(void)
{
    struct fixture f;
    struct store_read_list *l = NULL;
    struct store_read r = make_read("NGO123", T0 - 100, "LOT9");
    struct store_read_rec rec;
    int64_t id, ngo_id, hold;
    REQUIRE(fixture_open(&f, "ngo") == 0);
    r.non_governmental = 1;
    r.source_agency = "Mall Security LLC";
    REQUIRE(store_add_read(f.s, &r, &ngo_id, NULL, NULL) == 0);
    r = make_read("NGO123", T0 - 50, "U1");
    REQUIRE(store_add_read(f.s, &r, &id, NULL, NULL) == 0);
    CHECK_EQ_INT(search(&f, "NGO123", STORE_MATCH_EXACT, 0, NULL), 1);
    CHECK_EQ_INT(store_read_get(f.s, &f.inv, access_ok(), ngo_id, &rec), STORE_ERR_NOTFOUND);
    struct store_access w = {"warrant", "fraud", "2026-5", "SW-2026-0042"};
    struct store_query q = {.plate = "NGO123"};
    /* Unknown warrant reference: refused and recorded. */
    CHECK_EQ_INT(store_search(f.s, &f.inv, &w, &q, &l), STORE_ERR_DENIED);
    /* A warrant for another plate does not open this one. */
    struct store_hold_spec other = {STORE_HOLD_WARRANT, "SW-2026-0042",      "OTHER1", NULL, 0, 0,
                                    T0 + 90 * DAY,      "3rd District Court"};
    REQUIRE(fixture_approved_hold(&f, &other, &hold) == 0);
    REQUIRE(store_search(f.s, &f.inv, &w, &q, &l) == 0);
    CHECK_EQ_INT(l->n, 1);
    store_read_list_free(l);
    struct store_hold_spec spec = {STORE_HOLD_WARRANT, "SW-2026-0042",      "NGO123", NULL, 0, 0,
                                   T0 + 90 * DAY,      "3rd District Court"};
    REQUIRE(fixture_approved_hold(&f, &spec, &hold) == 0);
    REQUIRE(store_search(f.s, &f.inv, &w, &q, &l) == 0);
    CHECK_EQ_INT(l->n, 2);
    int seen_ngo = 0;
    for (size_t i = 0; i < l->n; i++)
        seen_ngo += l->items[i].non_governmental;
    CHECK_EQ_INT(seen_ngo, 1);
    store_read_list_free(l);
    CHECK_EQ_INT(store_read_get(f.s, &f.inv, &w, ngo_id, &rec), 0);
    CHECK_EQ_STR(rec.agency, "Mall Security LLC");
    /* A preservation request is not a warrant or court order. */
    struct store_hold_spec pres = {STORE_HOLD_PRESERVATION, "PR-1", "NGO123", NULL, 0, 0, 0, NULL};
    REQUIRE(store_hold_add(f.s, &f.inv, &pres, &hold) == 0);
    struct store_access p = {"warrant", "fraud", "2026-5", "PR-1"};
    CHECK_EQ_INT(store_search(f.s, &f.inv, &p, &q, &l), STORE_ERR_DENIED);
    /* Released warrant: closed again. */
    struct store_hold_list *hl = NULL;
    REQUIRE(store_hold_list(f.s, &f.admin, 1, &hl) == 0);
    for (size_t i = 0; i < hl->n; i++)
        if (strcmp(hl->items[i].reference, "SW-2026-0042") == 0)
            CHECK_EQ_INT(store_hold_release(f.s, &f.admin, hl->items[i].id, "case closed"), 0);
    store_hold_list_free(hl);
    CHECK_EQ_INT(store_search(f.s, &f.inv, &w, &q, &l), STORE_ERR_DENIED);
    fixture_close(&f);
}

static void test_metacharacters_in_text_fields(void)
{
    static const char *evil = "x'); DROP TABLE reads; -- \"%_\\";
    struct fixture f;
    struct store_read r;
    struct store_read_list *l = NULL;
    struct store_read_rec rec;
    int64_t id;
    REQUIRE(fixture_open(&f, "meta") == 0);
    r = make_read("META1", T0, "U1");
    r.source_agency = evil;
    REQUIRE(store_add_read(f.s, &r, &id, NULL, NULL) == 0);
    /* SQL in the crime type and incident is not a crime type or incident number: refused, and
     * recorded as the text it is. */
    struct store_access junk = {"investigation", evil, evil, NULL};
    CHECK_EQ_INT(store_read_get(f.s, &f.inv, &junk, id, &rec), STORE_ERR_DENIED);
    struct store_access a = {"investigation", "robbery", "2026-000123", NULL};
    REQUIRE(store_read_get(f.s, &f.inv, &a, id, &rec) == 0);
    CHECK_EQ_STR(rec.agency, evil);
    struct store_query q = {.plate = "META1"};
    REQUIRE(store_search(f.s, &f.inv, &a, &q, &l) == 0);
    CHECK_EQ_INT(l->n, 1);
    store_read_list_free(l);
    /* A warrant reference full of SQL finds no hold (and drops nothing). */
    struct store_access w = {"warrant", "fraud", "2026-5", evil};
    CHECK_EQ_INT(store_search(f.s, &f.inv, &w, &q, &l), STORE_ERR_DENIED);
    struct store_hold_spec spec = {STORE_HOLD_WARRANT, evil, "META1", NULL, 0, 0,
                                   T0 + 90 * DAY,      evil};
    int64_t hold;
    CHECK_EQ_INT(fixture_approved_hold(&f, &spec, &hold), 0);
    CHECK_EQ_INT(store_search(f.s, &f.inv, &w, &q, &l), 0);
    store_read_list_free(l);
    struct store_audit_verify_result vr;
    CHECK_EQ_INT(store_audit_verify(f.s, &f.aud, &vr), 0);
    fixture_close(&f);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM reads_d20454"), 1);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM searches WHERE crime_type ="
                                   " 'x''); DROP TABLE reads; -- \"%_\\' AND outcome LIKE"
                                   " 'refused%'"),
                 1);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM searches WHERE warrant_ref ="
                                   " 'x''); DROP TABLE reads; -- \"%_\\'"),
                 2);
}

static void test_view_read_and_image(void)
{
    struct fixture f;
    struct store_read r;
    uint8_t png[128], *got = NULL;
    size_t n, got_len = 0;
    int64_t id, id2;
    REQUIRE(fixture_open(&f, "view") == 0);
    n = make_png(png, sizeof png, "viewcrop");
    r = make_read("VIEW1", T0, "U1");
    r.png = png;
    r.png_len = n;
    REQUIRE(store_add_read(f.s, &r, &id, NULL, NULL) == 0);
    r.png = NULL;
    r.png_len = 0;
    REQUIRE(store_add_read(f.s, &r, &id2, NULL, NULL) == 0);
    CHECK_EQ_INT(store_read_image(f.s, &f.inv, access_ok(), id, &got, &got_len), 0);
    CHECK_EQ_INT(got_len, n);
    CHECK(got && memcmp(got, png, n) == 0);
    free(got);
    CHECK_EQ_INT(store_read_image(f.s, &f.inv, access_ok(), id2, &got, &got_len),
                 STORE_ERR_NOTFOUND);
    CHECK_EQ_INT(store_read_image(f.s, &f.op, access_ok(), id, &got, &got_len), STORE_ERR_DENIED);
    struct store_access none = {"investigation", "robbery", NULL, NULL};
    CHECK_EQ_INT(store_read_image(f.s, &f.inv, &none, id, &got, &got_len), STORE_ERR_DENIED);
    struct store_read_rec rec;
    CHECK_EQ_INT(store_read_get(f.s, &f.inv, access_ok(), id, &rec), 0);
    CHECK_EQ_STR(rec.plate, "VIEW1");
    CHECK_EQ_INT(rec.has_image, 1);
    CHECK_EQ_STR(rec.candidates, "VIEW1:0.930");
    CHECK_EQ_INT(rec.frames_agreeing, 3);
    CHECK(rec.has_gps && rec.lat > 40.76 && rec.lat < 40.77);
    fixture_close(&f);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM searches WHERE kind = 'read.image'"), 3);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM searches WHERE kind = 'read.view'"), 1);
}

static void test_batch_all_or_nothing(void)
{
    struct fixture f;
    struct store_read rs[3];
    int64_t ids[3];
    size_t na = 9;
    REQUIRE(fixture_open(&f, "batch") == 0);
    rs[0] = make_read("BAT1", T0, "U1");
    rs[1] = make_read("BAT2", T0, "U1");
    rs[2] = make_read("BAT3", T0, "U1");
    CHECK_EQ_INT(store_add_reads(f.s, rs, 3, ids, &na), 0);
    CHECK_EQ_INT(na, 0);
    CHECK(ids[0] < ids[1] && ids[1] < ids[2]);
    rs[1] = make_read("BA'D", T0, "U1");
    CHECK_EQ_INT(store_add_reads(f.s, rs, 3, ids, &na), STORE_ERR_INVALID);
    fixture_close(&f);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM reads_d20454"), 3);
}

static void test_full_disk_loses_nothing_accepted(void)
{
    struct fixture f;
    struct store_read r;
    uint8_t png[4096];
    int64_t id, page_count;
    int accepted = 0, rc = 0;
    char plate[16];
    REQUIRE(fixture_open(&f, "full") == 0);
    size_t n = make_png(png, sizeof png, "full-disk-crop-0123456789");
    memset(png + n, 0x55, sizeof png - n);
    store_close(f.s);
    page_count = raw_count(f.path, "PRAGMA page_count");
    REQUIRE(fixture_reopen(&f) == 0);
    REQUIRE(store_set_max_pages(f.s, page_count + 40) == 0);
    for (int i = 0; i < 1000; i++) {
        snprintf(plate, sizeof plate, "FUL%04d", i);
        r = make_read(plate, T0 + i, "U1");
        r.png = png;
        r.png_len = sizeof png;
        rc = store_add_read(f.s, &r, &id, NULL, NULL);
        if (rc != 0)
            break;
        accepted++;
    }
    CHECK_EQ_INT(rc, STORE_ERR_FULL);
    CHECK(accepted > 0);
    /* Still full: a search (which must record itself) fails cleanly rather than half-works. */
    fixture_close(&f);
    REQUIRE(fixture_reopen(&f) == 0);
    /* Every read lies in day T0 / DAY (20454); the views need the day keys, a raw count not. */
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM reads_d20454"), accepted);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM images_d20454"), accepted);
    CHECK_EQ_INT(raw_count(f.path, "PRAGMA integrity_check"), 0); /* "ok" reads as 0 */
    char tok[STORE_TOKEN_HEX];
    REQUIRE(store_login(f.s, "aude", PW, &f.aud, tok) == 0);
    struct store_audit_verify_result vr;
    CHECK_EQ_INT(store_audit_verify(f.s, &f.aud, &vr), 0);
    fixture_close(&f);
}

int main(void)
{
    RUN(test_ingest_validates);
    RUN(test_exact_wildcard_fuzzy);
    RUN(test_time_and_unit_filters);
    RUN(test_access_needs_purpose_and_incident);
    RUN(test_non_governmental_needs_warrant);
    RUN(test_metacharacters_in_text_fields);
    RUN(test_view_read_and_image);
    RUN(test_batch_all_or_nothing);
    RUN(test_full_disk_loses_nothing_accepted);
    return test_finish();
}
