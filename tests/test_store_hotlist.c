/* Tests of store_hotlist.c: CSV import (all or nothing, line-numbered errors), matching, alerts. */
#include "test_store_util.h"

#include <sqlite3.h>

static const char good_csv[] = "plate,state,reason,source,expiry,incident,nic,ori\n"
                               "ABC123,UT,stolen vehicle,NCIC,2026-06-30,,V123456789,UT0180000\n"
                               "\"7AB*2\",ut,\"robbery, armed\",local,2026-03-01,2026-000123,,\n"
                               "\r\n"
                               "XYZ 789,NV,warrant,NCIC,2026-12-31,,W000000042,\r\n";

/* An operator's justification for the alert list: the case of the entry behind the alert. */
static const struct store_access live = {"stolen-vehicle", "stolen vehicle", "2026-000123", NULL};

static int import(struct fixture *f, const char *csv, struct store_import_result *res)
{
    return store_hotlist_import_csv(f->s, &f->inv, "daily", csv, strlen(csv), res);
}

static void test_import_good(void)
{
    struct fixture f;
    struct store_import_result res;
    struct store_hotlist_list *hl = NULL;
    REQUIRE(fixture_open(&f, "hot_good") == 0);
    CHECK_EQ_INT(import(&f, good_csv, &res), 0);
    CHECK(res.hotlist_id > 0);
    CHECK_EQ_INT(res.n_entries, 3);
    CHECK_EQ_INT(res.n_errors, 0);
    REQUIRE(store_hotlist_list(f.s, &f.op, &hl) == 0);
    CHECK_EQ_INT(hl->n, 1);
    CHECK_EQ_INT(hl->items[0].n_entries, 3);
    CHECK_EQ_STR(hl->items[0].imported_by, "ivan");
    store_hotlist_list_free(hl);
    CHECK_EQ_INT(import(&f, good_csv, &res) == 0 ? 0 : 1, 0);
    /* Operators and auditors may not import. */
    CHECK_EQ_INT(store_hotlist_import_csv(f.s, &f.op, "x", good_csv, strlen(good_csv), &res),
                 STORE_ERR_DENIED);
    fixture_close(&f);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM hotlist_entries WHERE plate = 'XYZ789'"
                                   " AND state = 'NV'"),
                 2);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM hotlist_entries WHERE reason ="
                                   " 'robbery, armed' AND wildcard = 1 AND state = 'UT'"),
                 2);
}

struct bad_case {
    const char *csv;
    size_t line;
    const char *field;
};

static void test_import_bad_rows_rejected_whole(void)
{
    /* Rows name a case (incident or NCIC number) unless the test is about that. */
#define H "plate,state,reason,source,expiry,incident\n"
    static const struct bad_case cases[] = {
        {H "ABC123,UT,stolen,NCIC,2026-06-30,2026-1\nAB'C,UT,stolen,NCIC,2026-06-30,2026-1\n", 3,
         "plate"},
        {H "ABC123,Utah,stolen,NCIC,2026-06-30,2026-1\n", 2, "state"},
        {H "ABC123,UT,,NCIC,2026-06-30,2026-1\n", 2, "reason"},
        {H "ABC123,UT,stolen,,2026-06-30,2026-1\n", 2, "source"},
        {H "ABC123,UT,stolen,NCIC,June,2026-1\n", 2, "expiry"},
        {H "ABC123,UT,stolen,NCIC,2025-06-30,2026-1\n", 2, "expiry"},
        {H "AB*,UT,stolen,NCIC,2026-06-30,\n", 2, "incident"},
        {H "*,UT,stolen,NCIC,2026-06-30,2026-1\n", 2, "plate"},
        {H "ABC123,UT,stolen,NCIC\n", 2, ""},
        {H "\"ABC123,UT,stolen,NCIC,2026-06-30,2026-1\n", 2, ""},
        {H "AB\"C1,UT,stolen,NCIC,2026-06-30,2026-1\n", 2, ""},
        {"plate,state,reason,source\nABC123,UT,x,y\n", 1, "expiry"},
        {"plate,state,reason,source,expiry,colour\nABC123,UT,x,y,2026-06-30,red\n", 1, "colour"},
        {H "M1,UT,\"multi\nline\",NCIC,2026-06-30,2026-1\nQ1,UT,stolen,NCIC,x,2026-1\n", 2,
         "reason"},
        {"", 1, ""},
        /* Finding 12: an entry without a case, or with junk for one. */
        {"plate,state,reason,source,expiry\nABC123,UT,stolen,NCIC,2026-06-30\n", 2, "incident"},
        {H "ABC123,UT,stolen,NCIC,2026-06-30,none\n", 2, "incident"},
        {H "ABC123,UT,stolen,NCIC,2026-06-30,\" \"\n", 2, "incident"},
        {H "ABC123,UT,stolen,NCIC,2026-06-30,n/a\n", 2, "incident"},
        {H "ABC123,UT,none,NCIC,2026-06-30,2026-1\n", 2, "reason"},
        {H "ABC123,UT,\"\t\",NCIC,2026-06-30,2026-1\n", 2, "reason"},
        {H "ABC123,UT,x,NCIC,2026-06-30,2026-1\n", 2, "reason"},
        {"plate,state,reason,source,expiry,nic\nABC123,UT,stolen,NCIC,2026-06-30,N1\n", 2, "nic"},
    };
#undef H
    struct fixture f;
    struct store_import_result res;
    REQUIRE(fixture_open(&f, "hot_bad") == 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *csv = cases[i].csv;
        int rc = store_hotlist_import_csv(f.s, &f.inv, "bad", csv, strlen(csv), &res);
        if (strlen(csv) == 0) {
            CHECK_EQ_INT(rc, STORE_ERR_INVALID);
            continue;
        }
        if (rc != STORE_ERR_DATA || res.n_errors < 1 || res.hotlist_id != 0) {
            test_fail(__FILE__, __LINE__, "case %zu: rc %d errors %zu", i, rc, res.n_errors);
            continue;
        }
        if (res.errors[0].line != cases[i].line || strcmp(res.errors[0].field, cases[i].field))
            test_fail(__FILE__, __LINE__,
                      "case %zu: error at line %zu field '%s' (%s), want %zu '%s'", i,
                      res.errors[0].line, res.errors[0].field, res.errors[0].message, cases[i].line,
                      cases[i].field);
    }
    /* Several bad rows: all reported, in order. */
    const char *multi = "plate,state,reason,source,expiry,nic\nA'1,UT,stolen,y,2026-06-30,"
                        "V000000001\nGOOD1,UT,stolen,y,2026-06-30,V000000002\n"
                        "GOOD2,U,stolen,y,2026-06-30,V000000003\n";
    CHECK_EQ_INT(store_hotlist_import_csv(f.s, &f.inv, "m", multi, strlen(multi), &res),
                 STORE_ERR_DATA);
    CHECK_EQ_INT(res.n_errors, 2);
    CHECK_EQ_INT(res.errors[0].line, 2);
    CHECK_EQ_INT(res.errors[1].line, 4);
    /* A line break inside a quoted reason is refused, and the lines after it still count. */
    const char *broken = "plate,state,reason,source,expiry,incident\n"
                         "M1,UT,\"multi\nline\",y,2026-06-30,2026-1\nQ1,UT,stolen,y,x,2026-1\n";
    CHECK_EQ_INT(store_hotlist_import_csv(f.s, &f.inv, "b", broken, strlen(broken), &res),
                 STORE_ERR_DATA);
    CHECK_EQ_INT(res.n_errors, 2);
    CHECK_EQ_INT(res.errors[1].line, 4);
    CHECK_EQ_STR(res.errors[1].field, "expiry");
    fixture_close(&f);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM hotlists"), 0);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM hotlist_entries"), 0);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM audit WHERE event = 'hotlist.import'"
                                   " AND outcome LIKE 'failed%'"),
                 24);
}

static void test_matching_and_alerts(void)
{
    struct fixture f;
    struct store_import_result res;
    struct store_alert *al = NULL;
    size_t n = 0;
    int64_t id;
    REQUIRE(fixture_open(&f, "hot_match") == 0);
    REQUIRE(import(&f, good_csv, &res) == 0);
    struct store_read r = make_read("ABC123", T0, "U1");
    REQUIRE(store_add_read(f.s, &r, &id, &al, &n) == 0);
    CHECK_EQ_INT(n, 1);
    if (n == 1) {
        CHECK_EQ_STR(al[0].kind, "exact");
        CHECK_EQ_STR(al[0].reason, "stolen vehicle");
        CHECK_EQ_STR(al[0].state, "unverified");
        CHECK_EQ_INT(al[0].read_id, id);
    }
    store_alerts_free(al);
    r = make_read("A8C1Z3", T0, "U1"); /* confusable with ABC123 */
    REQUIRE(store_add_read(f.s, &r, &id, &al, &n) == 0);
    CHECK_EQ_INT(n, 1);
    if (n == 1)
        CHECK_EQ_STR(al[0].kind, "confusable");
    store_alerts_free(al);
    r = make_read("7ABQQ2", T0, "U2");
    REQUIRE(store_add_read(f.s, &r, &id, &al, &n) == 0);
    CHECK_EQ_INT(n, 1);
    if (n == 1) {
        CHECK_EQ_STR(al[0].kind, "wildcard");
        CHECK_EQ_STR(al[0].incident, "2026-000123");
    }
    store_alerts_free(al);
    r = make_read("7A8QQZ", T0, "U2"); /* wildcard on the skeleton */
    REQUIRE(store_add_read(f.s, &r, &id, &al, &n) == 0);
    CHECK_EQ_INT(n, 1);
    if (n == 1)
        CHECK_EQ_STR(al[0].kind, "wildcard-confusable");
    store_alerts_free(al);
    r = make_read("ABC123", T0, "LOT1"); /* R9: a non-governmental read raises nothing */
    r.non_governmental = 1;
    REQUIRE(store_add_read(f.s, &r, &id, &al, &n) == 0);
    CHECK_EQ_INT(n, 0);
    store_alerts_free(al);
    r = make_read("QQQ111", T0, "U2");
    REQUIRE(store_add_read(f.s, &r, &id, &al, &n) == 0);
    CHECK_EQ_INT(n, 0);
    CHECK(al == NULL);
    /* Expired entries stop matching: the wildcard entry expires 2026-03-01. */
    f.clock.now = T0 + 70 * DAY;
    r = make_read("7ABQQ2", T0 + 70 * DAY, "U2");
    REQUIRE(store_add_read(f.s, &r, &id, &al, &n) == 0);
    CHECK_EQ_INT(n, 0);
    store_alerts_free(al);
    /* A removed list stops matching. */
    r = make_read("ABC123", f.clock.now, "U1");
    REQUIRE(store_add_read(f.s, &r, &id, &al, &n) == 0);
    CHECK_EQ_INT(n, 1);
    store_alerts_free(al);
    REQUIRE(store_login(f.s, "ivan", PW, &f.inv, (char[STORE_TOKEN_HEX]){0}) == 0);
    REQUIRE(store_login(f.s, "olga", PW, &f.op, (char[STORE_TOKEN_HEX]){0}) == 0);
    CHECK_EQ_INT(store_hotlist_remove(f.s, &f.op, res.hotlist_id), STORE_ERR_DENIED);
    CHECK_EQ_INT(store_hotlist_remove(f.s, &f.inv, res.hotlist_id), 0);
    REQUIRE(store_add_read(f.s, &r, &id, &al, &n) == 0);
    CHECK_EQ_INT(n, 0);
    store_alerts_free(al);

    /* Verification (R4): operator confirms one, rejects another; auditors cannot. */
    struct store_alert_list *list = NULL;
    REQUIRE(store_alert_list(f.s, &f.op, &live, "unverified", 0, 0, 0, &list) == 0);
    CHECK_EQ_INT(list->n, 5);
    int64_t a1 = list->items[0].id, a2 = list->items[1].id;
    store_alert_list_free(list);
    REQUIRE(store_login(f.s, "aude", PW, &f.aud, (char[STORE_TOKEN_HEX]){0}) == 0);
    CHECK_EQ_INT(store_alert_set_state(f.s, &f.aud, a1, "confirmed", "x"), STORE_ERR_DENIED);
    CHECK_EQ_INT(store_alert_set_state(f.s, &f.op, a1, "maybe", "x"), STORE_ERR_INVALID);
    CHECK_EQ_INT(store_alert_set_state(f.s, &f.op, a1, "confirmed", "NCIC hit confirmed 14:02"), 0);
    CHECK_EQ_INT(store_alert_set_state(f.s, &f.op, a2, "rejected", "misread"), 0);
    CHECK_EQ_INT(store_alert_set_state(f.s, &f.op, 99999, "rejected", "x"), STORE_ERR_NOTFOUND);
    REQUIRE(store_alert_list(f.s, &f.op, &live, "confirmed", 0, 0, 0, &list) == 0);
    CHECK_EQ_INT(list->n, 1);
    CHECK_EQ_STR(list->items[0].state_by, "olga");
    CHECK_EQ_INT(list->items[0].state_at, f.clock.now);
    store_alert_list_free(list);
    fixture_close(&f);
    /* Alert audit entries name ids, never plates. */
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM audit WHERE event = 'alert.raised'"), 5);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM audit WHERE event = 'alert.raised' AND"
                                   " (params LIKE '%ABC123%' OR params LIKE '%7AB%')"),
                 0);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM audit WHERE event = 'alert.raised' AND"
                                   " member = 'system:alprd'"),
                 5);
}

static void test_metacharacters_in_csv_fields(void)
{
    struct fixture f;
    struct store_import_result res;
    struct store_alert *al = NULL;
    size_t n = 0;
    int64_t id;
    const char *csv = "plate,state,reason,source,expiry,incident,nic,ori,vehicle\n"
                      "EVIL1,UT,\"x'); DROP TABLE hotlists;--\",\"a\"\"b;c\",2026-12-31,"
                      "2026-000123,V000000007,%_,\"\\<script>\"\n";
    REQUIRE(fixture_open(&f, "hot_meta") == 0);
    CHECK_EQ_INT(
        store_hotlist_import_csv(f.s, &f.inv, "x'); DROP TABLE reads;--", csv, strlen(csv), &res),
        0);
    struct store_read r = make_read("EVIL1", T0, "U1");
    REQUIRE(store_add_read(f.s, &r, &id, &al, &n) == 0);
    CHECK_EQ_INT(n, 1);
    if (n == 1) {
        CHECK_EQ_STR(al[0].reason, "x'); DROP TABLE hotlists;--");
        CHECK_EQ_STR(al[0].incident, "2026-000123");
    }
    store_alerts_free(al);
    CHECK_EQ_INT(store_alert_set_state(f.s, &f.op, 1, "rejected", "'; DELETE FROM alerts;--"), 0);
    struct store_hotlist_list *hl = NULL;
    REQUIRE(store_hotlist_list(f.s, &f.op, &hl) == 0);
    CHECK_EQ_INT(hl->n, 1);
    CHECK_EQ_STR(hl->items[0].name, "x'); DROP TABLE reads;--");
    store_hotlist_list_free(hl);
    fixture_close(&f);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM alerts WHERE note ="
                                   " '''; DELETE FROM alerts;--'"),
                 1);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM hotlist_entries WHERE source = 'a\"b;c'"
                                   " AND ori = '%_' AND vehicle = '\\<script>'"),
                 1);
}

/*
 * Finding 12: `alert list` showed plate, unit and time to an operator with no purpose recorded.
 * Now it needs a justification like a search, and every look (refused or not) is in the search
 * register as kind 'alerts', with the trimmed values.
 */
static void test_alert_list_needs_a_case(void)
{
    static const struct store_access junk[] = {
        {NULL, NULL, NULL, NULL},
        {"stolen-vehicle", " ", " ", NULL},
        {"stolen-vehicle", "\t", "\t", NULL},
        {"stolen-vehicle", "none", "none", NULL},
        {"stolen-vehicle", "stolen vehicle", "n/a", NULL},
        {"stolen-vehicle", "stolen\nvehicle", "2026-000123", NULL},
        {"stolen-vehicle", "stolen vehicle", "2026-000123\x1b[2J", NULL},
    };
    const struct store_access padded = {" stolen-vehicle ", "  stolen vehicle\t", " 2026-000123 ",
                                        NULL};
    struct fixture f;
    struct store_import_result res;
    struct store_alert_list *list = NULL;
    struct store_alert *al = NULL;
    size_t n = 0;
    int64_t id;
    REQUIRE(fixture_open(&f, "hot_alert_case") == 0);
    REQUIRE(import(&f, good_csv, &res) == 0);
    struct store_read r = make_read("ABC123", T0, "U1");
    REQUIRE(store_add_read(f.s, &r, &id, &al, &n) == 0);
    store_alerts_free(al);
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        CHECK_EQ_INT(store_alert_list(f.s, &f.op, &junk[i], NULL, 0, 0, 0, &list),
                     STORE_ERR_DENIED);
        CHECK(list == NULL);
    }
    CHECK_EQ_INT(store_alert_list(f.s, &f.op, NULL, NULL, 0, 0, 0, &list), STORE_ERR_DENIED);
    REQUIRE(store_alert_list(f.s, &f.op, &padded, NULL, 0, 0, 0, &list) == 0);
    CHECK_EQ_INT(list->n, 1);
    store_alert_list_free(list);
    fixture_close(&f);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM searches WHERE kind = 'alerts' AND"
                                   " member = 'olga' AND outcome LIKE 'refused:%'"),
                 (int64_t)(sizeof junk / sizeof junk[0]) + 1);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM searches WHERE kind = 'alerts' AND"
                                   " outcome = 'ok' AND purpose = 'stolen-vehicle' AND crime_type ="
                                   " 'stolen vehicle' AND incident = '2026-000123' AND"
                                   " result_count = 1"),
                 1);
    /* What was refused is recorded without its control characters. */
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM searches WHERE kind = 'alerts' AND"
                                   " (crime_type GLOB '*[\x01-\x1f]*' OR incident GLOB"
                                   " '*[\x01-\x1f]*' OR crime_type = 'stolen?vehicle')"),
                 1);
}

int main(void)
{
    RUN(test_import_good);
    RUN(test_import_bad_rows_rejected_whole);
    RUN(test_matching_and_alerts);
    RUN(test_metacharacters_in_csv_fields);
    RUN(test_alert_list_needs_a_case);
    return test_finish();
}
