/*
 * Tests of the store's trusted clock (store_policy.h): a clock set back behind the last audit
 * entry stops every kind of call and is recorded; the log's times never go down, whatever the
 * clock does. And of store_time_parse(): a date that does not exist is refused.
 */
#include "test_store_util.h"

#include <sqlite3.h>

/* One integer from raw SQL on the store's file (a second connection, as an auditor would). */
static int64_t raw_int(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    int64_t v = -1;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        return -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return v;
}

/* The time of the last audit entry. */
static int64_t last_ts(const char *path)
{
    return raw_int(path, "SELECT ts FROM audit ORDER BY id DESC LIMIT 1");
}

static int64_t count_clock_entries(const char *path)
{
    return raw_int(path, "SELECT count(*) FROM audit WHERE event = 'clock.backwards'");
}

/*
 * 1 when the last entry is the refusal policy describes: clock.backwards by member, dated at the
 * entry before it (last), with the system time, that entry's time and id, and the attempted
 * event (NULL: none) in its parameters.
 */
static int last_is_refusal(const char *path, const char *member, const char *event, int64_t now,
                           int64_t last)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    int ok = 0;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        return 0;
    /* clang-format off */
    if (sqlite3_prepare_v2(db,
            "SELECT count(*) FROM audit"
            " WHERE id = (SELECT max(id) FROM audit)"
            " AND event = 'clock.backwards' AND member = ?1 AND ts = ?2"
            " AND json_extract(params, '$.system_time') = ?3"
            " AND json_extract(params, '$.last_entry_time') = ?2"
            " AND json_extract(params, '$.last_entry') = id - 1"
            " AND (ts = (SELECT ts FROM audit b WHERE b.id = audit.id - 1))"
            " AND json_extract(params, '$.event') IS ?4"
            " AND outcome LIKE 'refused: %'",
            -1, &st, NULL) == SQLITE_OK) {
        /* clang-format on */
        sqlite3_bind_text(st, 1, member, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, last);
        sqlite3_bind_int64(st, 3, now);
        if (event)
            sqlite3_bind_text(st, 4, event, -1, SQLITE_STATIC);
        ok = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1;
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return ok;
}

static void test_clock_back_refuses_every_call(void)
{
    struct fixture f;
    struct store_read_list *list = NULL;
    struct store_session s;
    struct store_purge_report rep;
    struct store_audit_verify_result vr;
    struct store_query q = {.plate = "7ABC123", .match = STORE_MATCH_EXACT};
    char tok[STORE_TOKEN_HEX];
    int64_t id, last, n_sessions, n_searches;
    REQUIRE(fixture_open(&f, "clock_back") == 0);
    f.clock.now = T0 + 100;
    struct store_read r = make_read("7ABC123", T0 + 50, "U1");
    REQUIRE(store_add_read(f.s, &r, &id, NULL, NULL) == 0);
    REQUIRE(store_search(f.s, &f.inv, access_ok(), &q, &list) == 0);
    store_read_list_free(list);
    list = NULL;
    last = last_ts(f.path);
    REQUIRE(last == T0 + 100);
    n_sessions = raw_int(f.path, "SELECT count(*) FROM sessions");
    n_searches = raw_int(f.path, "SELECT count(*) FROM searches");

    /* One second back is enough: there is no allowance. */
    f.clock.now = T0 + 99;
    CHECK_EQ_INT(store_login(f.s, "ivan", PW, &s, tok), STORE_ERR_CLOCK);
    CHECK(last_is_refusal(f.path, "(store)", NULL, T0 + 99, last));
    CHECK_EQ_INT(store_search(f.s, &f.inv, access_ok(), &q, &list), STORE_ERR_CLOCK);
    CHECK(list == NULL);
    CHECK(last_is_refusal(f.path, "ivan", "search", T0 + 99, last));
    r = make_read("7ABC124", T0 + 60, "U1");
    CHECK_EQ_INT(store_add_read(f.s, &r, &id, NULL, NULL), STORE_ERR_CLOCK);
    CHECK(last_is_refusal(f.path, "(store)", NULL, T0 + 99, last));
    CHECK_EQ_INT(store_add_reads(f.s, &r, 1, NULL, NULL), STORE_ERR_CLOCK);
    CHECK_EQ_INT(store_purge_expired(f.s, T0 + 99, &rep), STORE_ERR_CLOCK);
    CHECK_EQ_INT(store_audit_verify(f.s, &f.aud, &vr), STORE_ERR_CLOCK);
    CHECK(last_is_refusal(f.path, "aude", "audit.verify", T0 + 99, last));
    /* Far back too; and no session at all is refused for the clock first. */
    f.clock.now = T0 - 365 * DAY;
    CHECK_EQ_INT(store_logout(f.s, &f.inv), STORE_ERR_CLOCK);
    CHECK_EQ_INT(store_member_unlock(f.s, NULL, "olga"), STORE_ERR_CLOCK);
    CHECK(last_is_refusal(f.path, "(none)", "member.unlock", T0 - 365 * DAY, last));
    CHECK_EQ_INT(count_clock_entries(f.path), 8);

    /* Nothing acted: no session, no read, no search recorded; the log kept its time. */
    CHECK_EQ_INT(raw_int(f.path, "SELECT count(*) FROM sessions"), n_sessions);
    CHECK_EQ_INT(raw_int(f.path, "SELECT count(*) FROM sessions WHERE ended_at IS NOT NULL"), 0);
    CHECK_EQ_INT(raw_int(f.path, "SELECT count(*) FROM reads_d20454"), 1); /* T0's day */
    CHECK_EQ_INT(raw_int(f.path, "SELECT count(*) FROM searches"), n_searches);
    CHECK_EQ_INT(last_ts(f.path), last);

    /* Set right (the same second as the last entry is not behind it): everything works again,
     * and the chain, refusals included, verifies. */
    f.clock.now = last;
    CHECK_EQ_INT(store_login(f.s, "ivan", PW, &s, tok), 0);
    CHECK_EQ_INT(store_search(f.s, &s, access_ok(), &q, &list), 0);
    CHECK(list != NULL && list->n == 1);
    store_read_list_free(list);
    f.clock.now = last + 10;
    CHECK_EQ_INT(store_add_read(f.s, &r, &id, NULL, NULL), 0);
    CHECK_EQ_INT(store_audit_verify(f.s, &f.aud, &vr), 0);
    CHECK_EQ_INT(vr.bad_id, 0);
    CHECK_EQ_INT(count_clock_entries(f.path), 8);
    fixture_close(&f);
}

/* A clock that steps one second back on every reading after it is armed. */
struct falling_clock {
    int64_t now;
    int armed;
};

static int64_t falling_now(void *ctx)
{
    struct falling_clock *c = ctx;
    return c->armed ? c->now-- : c->now;
}

static void test_log_times_never_go_down(void)
{
    struct fixture f;
    struct falling_clock c;
    struct store_session s;
    struct store_read_list *list = NULL;
    struct store_query q = {.plate = "7ABC123", .match = STORE_MATCH_EXACT};
    struct store_audit_verify_result vr;
    char tok[STORE_TOKEN_HEX];
    int64_t id;
    REQUIRE(fixture_open(&f, "clock_falling") == 0);
    /* Two lists name the plate: one read raises two alerts, two entries in one transaction. */
    for (int i = 0; i < 2; i++) {
        static const char csv[] = "plate,state,reason,source,expiry,incident\n7ABC123,UT,stolen,"
                                  "NCIC,2026-06-01,2026-1\n";
        struct store_import_result res;
        REQUIRE(store_hotlist_import_csv(f.s, &f.inv, "stolen", csv, strlen(csv), &res) == 0);
    }
    store_set_clock(f.s, falling_now, &c);
    /* From 1..8 s ahead of the log: each reading a call takes is earlier than the one before. */
    for (int lead = 1; lead <= 8; lead++) {
        struct store_read r = make_read("7ABC123", T0, "U1");
        int rc;
        c.armed = 0;
        c.now = last_ts(f.path) + lead;
        c.armed = 1;
        rc = store_add_read(f.s, &r, &id, NULL, NULL);
        CHECK(rc == 0 || rc == STORE_ERR_CLOCK);
        rc = store_login(f.s, "ivan", PW, &s, tok);
        CHECK(rc == 0 || rc == STORE_ERR_CLOCK);
        rc = store_search(f.s, &f.inv, access_ok(), &q, &list);
        CHECK(rc == 0 || rc == STORE_ERR_CLOCK);
        store_read_list_free(list);
        list = NULL;
    }
    CHECK(count_clock_entries(f.path) > 0);
    CHECK_EQ_INT(raw_int(f.path, "SELECT count(*) FROM audit a JOIN audit b ON b.id = a.id + 1"
                                 " WHERE b.ts < a.ts"),
                 0);
    c.armed = 0;
    c.now = last_ts(f.path);
    CHECK_EQ_INT(store_audit_verify(f.s, &f.aud, &vr), 0);
    fixture_close(&f);
}

static void test_time_parse_refuses_impossible_dates(void)
{
    static const char *const bad[] = {
        "2024-02-31",
        "2023-02-29",
        "2100-02-29",
        "2026-13-01",
        "2026-00-10",
        "2026-01-00",
        "2026-01-32",
        "2026-04-31",
        "2026-01-01T24:00",
        "2026-01-01T23:60",
        "2026-01-01T23:59:60Z",
        "2026-01-01T23:59:99",
        "2026-01-01T-1:00",
        "2026-+1-01",
        " 2026-01-01",
        "2026-01-01T10",
        "2026-01-01T10:00Zx",
        "2026-01-01x",
        "1969-12-31",
        "10000-01-01",
        "2026-01-01T10:00:",
        "",
        "@",
        "@12x",
    };
    static const struct {
        const char *text;
        int64_t t;
    } good[] = {
        {"2026-01-01", T0},
        {"2026-01-01T00:00:00Z", T0},
        {"2026-01-01 00:00", T0},
        {"2026-01-01T01:02:03", T0 + 3723},
        {"2026-1-2", T0 + DAY},
        {"2024-02-29", 1709164800},
        {"2000-02-29T12:00Z", 951825600},
        {"2026-12-31T23:59:59Z", T0 + 365 * DAY - 1},
        {"1970-01-01", 0},
        {"@1767225600", T0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t t = 42;
        int rc = store_time_parse(bad[i], &t);
        if (rc != STORE_ERR_INVALID || t != 42)
            test_fail(__FILE__, __LINE__, "\"%s\": rc %d, t %lld (want refused, untouched)", bad[i],
                      rc, (long long)t);
    }
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int64_t t = 42;
        int rc = store_time_parse(good[i].text, &t);
        if (rc != 0 || t != good[i].t)
            test_fail(__FILE__, __LINE__, "\"%s\": rc %d, t %lld (want %lld)", good[i].text, rc,
                      (long long)t, (long long)good[i].t);
    }
    CHECK_EQ_INT(store_time_parse(NULL, &(int64_t){0}), STORE_ERR_INVALID);
    /* Every day of a leap year and of a common year reads back as itself. */
    for (int y = 2023; y <= 2024; y++) {
        int64_t t, start;
        char text[32], back[32];
        snprintf(text, sizeof text, "%d-01-01", y);
        REQUIRE(store_time_parse(text, &start) == 0);
        for (int d = 0; d < 366; d++) {
            store_time_format(start + d * DAY, back, sizeof back);
            back[10] = '\0';
            if (store_time_parse(back, &t) != 0 || t != start + d * DAY)
                test_fail(__FILE__, __LINE__, "%s does not read back", back);
        }
    }
}

static void test_strerror(void)
{
    CHECK_EQ_STR(store_strerror(STORE_ERR_CLOCK),
                 "the system clock is earlier than the last audit entry: refusing to act");
}

int main(void)
{
    RUN(test_clock_back_refuses_every_call);
    RUN(test_log_times_never_go_down);
    RUN(test_time_parse_refuses_impossible_dates);
    RUN(test_strerror);
    return test_finish();
}
