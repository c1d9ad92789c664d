/*
 * Tests of the store's input checks for names and free text (store_priv_valid_name,
 * store_priv_valid_text): a control character (below 0x20, or DEL) or bytes that are not UTF-8
 * in a member name or in a reason, reference, agency, purpose, crime type, incident, note or
 * hotlist text field are refused at every entry point, while the same call with clean text
 * (UTF-8 included) gets past the check (finding 9 of issue 16).
 */
#include "store_export.h"
#include "test_store_holds_util.h"

/* Control characters, then byte sequences that are not UTF-8: overlong forms, UTF-16
 * surrogates, beyond U+10FFFF, stray continuation bytes, sequences cut short, bytes never used. */
static const char *const controls[] = {"a\nb",
                                       "a\rb",
                                       "a\tb",
                                       "\x01",
                                       "a\x1b[2Jb",
                                       "a\x7f",
                                       "over\xc0\xaflong",
                                       "over\xe0\x80\xaflong",
                                       "sur\xed\xa0\x80rogate",
                                       "big\xf4\x90\x80\x80",
                                       "stray\x80"
                                       "byte",
                                       "cut\xe2\x82",
                                       "cut\xf0\x9f\x98",
                                       "latin-1 vol\xe9",
                                       "never\xff"};
#define N_CONTROLS (sizeof controls / sizeof controls[0])

/* 1 when t is UTF-8 without control characters: the test's own check, not the store's. */
static int utf8_clean(const char *t)
{
    const unsigned char *p = (const unsigned char *)t;
    while (*p) {
        int n = *p < 0x80             ? 1
                : (*p & 0xe0) == 0xc0 ? 2
                : (*p & 0xf0) == 0xe0 ? 3
                : (*p & 0xf8) == 0xf0 ? 4
                                      : 0;
        unsigned cp;
        if (n == 0 || *p < 0x20 || *p == 0x7f)
            return 0;
        cp = n == 1 ? *p : (unsigned)(*p & (0x7f >> n));
        for (int i = 1; i < n; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (p[i] & 0x3f);
        }
        if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        p += n;
    }
    return 1;
}

static void test_member_names(void)
{
    struct fixture f;
    struct store_session s;
    char tok[STORE_TOKEN_HEX];
    int64_t id;
    REQUIRE(fixture_open(&f, "text_names") == 0);
    for (size_t i = 0; i < N_CONTROLS; i++) {
        CHECK_EQ_INT(store_member_add(f.s, &f.admin, controls[i], STORE_ROLE_OPERATOR, PW, T0, &id),
                     STORE_ERR_INVALID);
        CHECK_EQ_INT(store_member_set_role(f.s, &f.admin, controls[i], STORE_ROLE_AUDITOR),
                     STORE_ERR_INVALID);
        CHECK_EQ_INT(store_member_unlock(f.s, &f.admin, controls[i]), STORE_ERR_INVALID);
        CHECK_EQ_INT(store_login(f.s, controls[i], PW, &s, tok), STORE_ERR_AUTH);
    }
    CHECK_EQ_INT(store_member_add(f.s, &f.admin, "bob", STORE_ROLE_OPERATOR, PW, T0, &id), 0);
    fixture_close(&f);
}

/* An export sink that keeps nothing: these exports never get as far as writing. */
static int put_nothing(void *ctx, const char *name, const void *data, size_t len)
{
    (void)ctx;
    (void)name;
    (void)data;
    (void)len;
    return 0;
}

static void test_release_and_custody_text(void)
{
    struct fixture f;
    struct store_export_result res;
    struct store_export_sink sink = {put_nothing, NULL, 0};
    const char *dir = "/media/usb/case-1";
    const struct store_access why = {"investigation", "robbery", "2026-1", NULL};
    int64_t id;
    struct store_session rec;
    REQUIRE(fixture_open(&f, "text_release") == 0);
    REQUIRE(fixture_records(&f, "rita", &rec) == 0);
    for (size_t i = 0; i < N_CONTROLS; i++) {
        const char *c = controls[i];
        CHECK_EQ_INT(store_release_request(f.s, &f.inv, c, "ADA Smith", "trial", 1, &id),
                     STORE_ERR_INVALID);
        CHECK_EQ_INT(store_release_request(f.s, &f.inv, "County DA", c, "trial", 1, &id),
                     STORE_ERR_INVALID);
        CHECK_EQ_INT(store_release_request(f.s, &f.inv, "County DA", "ADA Smith", c, 1, &id),
                     STORE_ERR_INVALID);
        CHECK_EQ_INT(store_release_review(f.s, &rec, 1, 1, c), STORE_ERR_INVALID);
        CHECK_EQ_INT(store_custody_add(f.s, &f.inv, 1, c, NULL, NULL), STORE_ERR_INVALID);
        CHECK_EQ_INT(store_custody_add(f.s, &f.inv, 1, "booked", c, NULL), STORE_ERR_INVALID);
        CHECK_EQ_INT(store_export_hold(f.s, &f.inv, 1, &why, dir, c, &sink, &res),
                     STORE_ERR_INVALID);
    }
    /* Clean text (UTF-8 too) gets past the check to the missing hold, request or export. */
    CHECK_EQ_INT(store_release_request(f.s, &f.inv,
                                       "Fiscal\xc3\xad"
                                       "a",
                                       "ADA Smith", "trial", 1, &id),
                 STORE_ERR_NOTFOUND);
    CHECK_EQ_INT(store_release_review(f.s, &rec, 1, 1, "ok"), STORE_ERR_NOTFOUND);
    CHECK_EQ_INT(store_custody_add(f.s, &f.inv, 1, "booked", "locker 4", NULL), STORE_ERR_NOTFOUND);
    CHECK_EQ_INT(store_export_hold(f.s, &f.inv, 1, &why, dir, "locker 4", &sink, &res),
                 STORE_ERR_NOTFOUND);
    fixture_close(&f);
}

static void test_hotlist_text(void)
{
    static const char *const cols[] = {"reason", "source", "incident", "nic", "ori", "vehicle"};
    struct fixture f;
    struct store_import_result res;
    char csv[512];
    REQUIRE(fixture_open(&f, "text_hotlist") == 0);
    for (size_t i = 0; i < N_CONTROLS; i++) {
        CHECK_EQ_INT(store_hotlist_import_csv(f.s, &f.inv, controls[i], "x", 1, &res),
                     STORE_ERR_INVALID);
        CHECK_EQ_INT(store_alert_set_state(f.s, &f.op, 1, "confirmed", controls[i]),
                     STORE_ERR_INVALID);
    }
    CHECK_EQ_INT(store_alert_set_state(f.s, &f.op, 1, "confirmed", "seen"), STORE_ERR_NOTFOUND);
    /* Each text column of the CSV, one control character (a quoted line break among them). */
    for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
        for (size_t i = 0; i < N_CONTROLS; i++) {
            const char *v[6] = {"stolen", "NCIC", "2026-1", "V123456789", "UT0001", "blue van"};
            v[c] = controls[i];
            snprintf(csv, sizeof csv,
                     "plate,state,reason,source,expiry,incident,nic,ori,vehicle\n"
                     "7ABC123,UT,\"%s\",\"%s\",2026-06-01,\"%s\",\"%s\",\"%s\",\"%s\"\n",
                     v[0], v[1], v[2], v[3], v[4], v[5]);
            int rc = store_hotlist_import_csv(f.s, &f.inv, "list", csv, strlen(csv), &res);
            if (rc != STORE_ERR_DATA || res.n_errors != 1 || strcmp(res.errors[0].field, cols[c]))
                test_fail(__FILE__, __LINE__, "column %s, control %zu: rc %d, %zu errors, '%s'",
                          cols[c], i, rc, res.n_errors, res.n_errors ? res.errors[0].field : "");
        }
    }
    snprintf(csv, sizeof csv,
             "plate,state,reason,source,expiry,incident,nic,ori,vehicle\n"
             "7ABC123,UT,stolen,NCIC,2026-06-01,2026-1,V123456789,UT0001,\"blue van, "
             "\xc3\xa9t\xc3\xa9\"\n");
    CHECK_EQ_INT(store_hotlist_import_csv(f.s, &f.inv, "list", csv, strlen(csv), &res), 0);
    fixture_close(&f);
}

/* 1 when a search with access a is refused (and leaves no list). */
static int search_refused(struct fixture *f, const struct store_access *a)
{
    struct store_read_list *list = NULL;
    struct store_query q = {.plate = "7ABC123", .match = STORE_MATCH_EXACT};
    int rc = store_search(f->s, &f->inv, a, &q, &list);
    store_read_list_free(list);
    return (rc == STORE_ERR_INVALID || rc == STORE_ERR_DENIED) && list == NULL;
}

/*
 * The justification of searches, views and the alert list (store_justify.c), read metadata at
 * ingest (store_reads.c), holds and releases (store_retention.c): refused. The justification
 * fields of the refusals reach the search register only as printable text.
 */
static void test_fields_checked_elsewhere(void)
{
    struct fixture f;
    struct store_alert_list *al = NULL;
    struct store_hold_spec spec = {.kind = STORE_HOLD_PRESERVATION, .plate = "7ABC123"};
    struct store_read r = make_read("7ABC123", T0, "U1");
    struct store_read_rec rec;
    int64_t id, hold;
    REQUIRE(fixture_open(&f, "text_elsewhere") == 0);
    spec.reference = "SW-1";
    REQUIRE(store_hold_add(f.s, &f.inv, &spec, &hold) == 0);
    for (size_t i = 0; i < N_CONTROLS; i++) {
        const char *c = controls[i];
        struct store_access a[] = {{c, "robbery", "2026-000123", NULL},
                                   {"investigation", c, "2026-000123", NULL},
                                   {"investigation", "robbery", c, NULL},
                                   {"investigation", "robbery", "2026-000123", c}};
        for (size_t k = 0; k < sizeof a / sizeof a[0]; k++) {
            if (!search_refused(&f, &a[k]))
                test_fail(__FILE__, __LINE__, "search, text %zu in field %zu: not refused", i, k);
            CHECK_EQ_INT(store_read_get(f.s, &f.inv, &a[k], 1, &rec), STORE_ERR_DENIED);
            CHECK_EQ_INT(store_alert_list(f.s, &f.op, &a[k], NULL, 0, 0, 0, &al), STORE_ERR_DENIED);
        }
        r.source_agency = c;
        CHECK_EQ_INT(store_add_read(f.s, &r, &id, NULL, NULL), STORE_ERR_INVALID);
        spec.reference = c;
        CHECK_EQ_INT(store_hold_add(f.s, &f.inv, &spec, &id), STORE_ERR_INVALID);
        CHECK_EQ_INT(store_hold_release(f.s, &f.admin, hold, c), STORE_ERR_INVALID);
    }
    /* Clean text gets through. */
    struct store_access ok = {"investigation", "vol \xc3\xa0 l'\xc3\xa9talage", "2026-000123",
                              NULL};
    CHECK(!search_refused(&f, &ok));
    r.source_agency = "Polic\xc3\xad"
                      "a Metro";
    CHECK_EQ_INT(store_add_read(f.s, &r, &id, NULL, NULL), 0);
    fixture_close(&f);
    {
        sqlite3 *db;
        sqlite3_stmt *st;
        int bad = -1;
        REQUIRE(sqlite3_open_v2(f.path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
        /* Every justification recorded is UTF-8 text without control characters. */
        if (sqlite3_prepare_v2(db,
                               "SELECT coalesce(purpose, ''), coalesce(crime_type, ''),"
                               " coalesce(incident, ''), coalesce(warrant_ref, '') FROM searches",
                               -1, &st, NULL) == SQLITE_OK) {
            bad = 0;
            while (sqlite3_step(st) == SQLITE_ROW)
                for (int c = 0; c < 4; c++) {
                    const char *t = (const char *)sqlite3_column_text(st, c);
                    if (t && *t && !utf8_clean(t))
                        bad++;
                }
            sqlite3_finalize(st);
        }
        sqlite3_close(db);
        CHECK_EQ_INT(bad, 0);
    }
}

int main(void)
{
    RUN(test_member_names);
    RUN(test_release_and_custody_text);
    RUN(test_hotlist_text);
    RUN(test_fields_checked_elsewhere);
    return test_finish();
}
