/* Tests of store_retention.c: retention limits, holds, and a purge that leaves no byte behind. */
#include "test_store_holds_util.h"

#include <sqlite3.h>

/* Bytes of plate i in both the DB and the WAL. */
static long bytes_of(const char *path, const char *needle)
{
    char wal[600];
    snprintf(wal, sizeof wal, "%s-wal", path);
    return file_count(path, needle, strlen(needle)) + file_count(wal, needle, strlen(needle));
}

#define N_OLD  400
#define N_HELD 20
#define N_NEW  50

static void plate_name(char *buf, size_t size, const char *kind, int i)
{
    /* Scattered numbers, so inserts land all over the plate indexes (page splits). */
    snprintf(buf, size, "%s%05d", kind, (int)(((long)i * 7919) % 99991));
}

/* Reads an exact search for plate (or, when NULL, from <= time < to) finds; -1 on error. The
 * investigator logs on again: the clock jumps months between the calls. */
static long count_search(struct fixture *f, const char *plate, int64_t from, int64_t to)
{
    struct store_query q = {.plate = plate, .match = STORE_MATCH_EXACT, .from = from, .to = to};
    struct store_read_list *l = NULL;
    char tok[STORE_TOKEN_HEX];
    long n;
    if (store_login(f->s, "ivan", PW, &f->inv, tok) != 0 ||
        store_search(f->s, &f->inv, access_ok(), &q, &l) != 0)
        return -1;
    n = (long)l->n;
    store_read_list_free(l);
    return n;
}

static void test_purge_leaves_no_bytes(void)
{
    struct fixture f;
    struct store_purge_report rep;
    struct store_import_result res;
    uint8_t png[3000];
    char plate[32], marker[64];
    int64_t id, hold;
    REQUIRE(fixture_open(&f, "purge_bytes") == 0);
    /* A hotlist entry so some purged reads carry alerts too. */
    const char *csv =
        "plate,state,reason,source,expiry,incident\nHOTX01,UT,stolen,NCIC,2027-12-31,2026-1\n";
    REQUIRE(store_hotlist_import_csv(f.s, &f.inv, "h", csv, strlen(csv), &res) == 0);
    for (int i = 0; i < N_OLD + N_HELD + N_NEW; i++) {
        const char *kind = i < N_OLD ? "PQX" : i < N_OLD + N_HELD ? "HLD" : "NEW";
        int64_t t = i < N_OLD + N_HELD ? T0 + i * 60 : T0 + 200 * DAY + i;
        plate_name(plate, sizeof plate, kind, i);
        snprintf(marker, sizeof marker, "IMG-%s-MARK", plate);
        size_t n = make_png(png, sizeof png, marker);
        for (size_t k = n; k < sizeof png; k++)
            png[k] = (uint8_t)(k * 7 + (size_t)i);
        struct store_read r = make_read(i == 5 ? "HOTX01" : plate, t, i % 3 ? "U1" : "U2");
        r.png = png;
        r.png_len = sizeof png;
        REQUIRE(store_add_read(f.s, &r, &id, NULL, NULL) == 0);
    }
    struct store_hold_spec spec = {STORE_HOLD_WARRANT,
                                   "SW-1",
                                   NULL,
                                   NULL,
                                   T0 + N_OLD * 60,
                                   T0 + (N_OLD + N_HELD) * 60,
                                   T0 + 2 * 365 * DAY,
                                   "3rd District Court"};
    REQUIRE(fixture_approved_hold(&f, &spec, &hold) == 0);
    /* Day data is sealed under day keys: not even before the purge are plates or crops in the
     * files in the clear (test_store_daykeys covers copies taken before a purge). */
    plate_name(plate, sizeof plate, "PQX", 7);
    CHECK_EQ_INT(bytes_of(f.path, plate), 0);
    snprintf(marker, sizeof marker, "IMG-%s-MARK", plate);
    CHECK_EQ_INT(bytes_of(f.path, marker), 0);
    CHECK_EQ_INT(count_search(&f, NULL, T0, T0 + N_OLD * 60), N_OLD);

    /* Nothing is due before nine months. */
    f.clock.now = T0 + 100 * DAY;
    REQUIRE(store_purge_expired(f.s, f.clock.now, &rep) == 0);
    CHECK_EQ_INT(rep.reads, 0);

    f.clock.now = T0 + (STORE_RETENTION_MAX_DAYS + 2) * DAY;
    REQUIRE(store_purge_expired(f.s, f.clock.now, &rep) == 0);
    CHECK_EQ_INT(rep.reads, N_OLD);
    CHECK_EQ_INT(rep.images, N_OLD);
    CHECK_EQ_INT(rep.alerts, 1);
    CHECK_EQ_INT(rep.held, N_HELD);
    CHECK_EQ_INT(rep.oldest, T0);
    CHECK_EQ_INT(rep.newest, T0 + (N_OLD - 1) * 60);
    CHECK_EQ_INT(rep.wal_truncated, 1);
    CHECK_EQ_INT(rep.compacted, 1);

    long left = 0, left_img = 0;
    for (int i = 0; i < N_OLD; i++) {
        plate_name(plate, sizeof plate, "PQX", i);
        if (i != 5) {
            char skel[PLATE_MAX_LEN + 1], rev[PLATE_MAX_LEN + 1];
            plate_skeleton(plate, skel);
            plate_reverse(skel, rev);
            left += bytes_of(f.path, plate) + bytes_of(f.path, skel) + bytes_of(f.path, rev);
        }
        snprintf(marker, sizeof marker, "IMG-%s-MARK", plate);
        left_img += bytes_of(f.path, marker);
    }
    CHECK_EQ_INT(left, 0);
    CHECK_EQ_INT(left_img, 0);
    /* Held and recent reads are intact (the held ones re-sealed under the held-reads key, and
     * found through its tokens); purged ones are gone. The search register keeps the query
     * (R11), so the byte check below skips that one plate. */
    CHECK_EQ_INT(count_search(&f, NULL, T0 + N_OLD * 60, T0 + (N_OLD + N_HELD) * 60), N_HELD);
    plate_name(plate, sizeof plate, "HLD", N_OLD + 3);
    CHECK_EQ_INT(count_search(&f, plate, 0, 0), 1);
    plate_name(plate, sizeof plate, "NEW", N_OLD + N_HELD + 3);
    CHECK_EQ_INT(count_search(&f, plate, 0, 0), 1);
    CHECK_EQ_INT(count_search(&f, NULL, T0, T0 + N_OLD * 60), 0);

    /* The held reads outlived their day (their table was dropped; they were kept apart). Once
     * the hold is released they go too, row by row, and leave no byte either. */
    REQUIRE(store_login(f.s, "ada", PW, &f.admin, (char[STORE_TOKEN_HEX]){0}) == 0);
    REQUIRE(store_hold_release(f.s, &f.admin, hold, "case closed") == 0);
    f.clock.now += DAY;
    REQUIRE(store_purge_expired(f.s, f.clock.now, &rep) == 0);
    CHECK_EQ_INT(rep.reads, N_HELD);
    CHECK_EQ_INT(rep.images, N_HELD);
    CHECK_EQ_INT(rep.held, 0);
    CHECK_EQ_INT(rep.compacted, 1);
    CHECK_EQ_INT(rep.wal_truncated, 1);
    left = left_img = 0;
    for (int i = N_OLD; i < N_OLD + N_HELD; i++) {
        char skel[PLATE_MAX_LEN + 1], rev[PLATE_MAX_LEN + 1];
        plate_name(plate, sizeof plate, "HLD", i);
        plate_skeleton(plate, skel);
        plate_reverse(skel, rev);
        if (i != N_OLD + 3)
            left += bytes_of(f.path, plate) + bytes_of(f.path, skel) + bytes_of(f.path, rev);
        snprintf(marker, sizeof marker, "IMG-%s-MARK", plate);
        left_img += bytes_of(f.path, marker);
    }
    CHECK_EQ_INT(left, 0);
    CHECK_EQ_INT(left_img, 0);
    plate_name(plate, sizeof plate, "NEW", N_OLD + N_HELD + 3);
    CHECK_EQ_INT(count_search(&f, plate, 0, 0), 1);
    plate_name(plate, sizeof plate, "HLD", N_OLD + 3);
    CHECK_EQ_INT(count_search(&f, plate, 0, 0), 0);
    CHECK_EQ_INT(count_search(&f, NULL, T0 + N_OLD * 60, T0 + (N_OLD + N_HELD) * 60), 0);
    fixture_close(&f);
    CHECK_EQ_INT(raw_rows(f.path, 0), N_NEW);
    CHECK_EQ_INT(raw_rows(f.path, 1), N_NEW);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM alerts"), 0);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM purges WHERE reads = 400 AND held = 20"),
                 1);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM purges WHERE reads = 20 AND held = 0"), 1);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM audit WHERE event = 'purge' AND"
                                   " member = 'system:alprd' AND params LIKE '%\"reads\":400%'"),
                 1);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM audit WHERE params LIKE '%PQX%'"), 0);
}

static void test_retention_only_shorter(void)
{
    struct fixture f;
    struct store_purge_report rep;
    int64_t id;
    REQUIRE(fixture_open(&f, "retention") == 0);
    CHECK_EQ_INT(store_retention_days(f.s), STORE_RETENTION_MAX_DAYS);
    CHECK_EQ_INT(store_set_retention_days(f.s, &f.admin, 365), STORE_ERR_INVALID);
    CHECK_EQ_INT(store_set_retention_days(f.s, &f.admin, 274), STORE_ERR_INVALID);
    CHECK_EQ_INT(store_set_retention_days(f.s, &f.admin, 0), STORE_ERR_INVALID);
    CHECK_EQ_INT(store_set_retention_days(f.s, &f.inv, 30), STORE_ERR_DENIED);
    CHECK_EQ_INT(store_set_retention_days(f.s, &f.admin, 30), 0);
    CHECK_EQ_INT(store_retention_days(f.s), 30);
    struct store_read r = make_read("SHORT1", T0, "U1");
    REQUIRE(store_add_read(f.s, &r, &id, NULL, NULL) == 0);
    f.clock.now = T0 + 29 * DAY;
    /* The admin's session went idle meanwhile. */
    CHECK_EQ_INT(store_purge(f.s, &f.admin, &rep), STORE_ERR_EXPIRED);
    REQUIRE(store_login(f.s, "ada", PW, &f.admin, (char[STORE_TOKEN_HEX]){0}) == 0);
    REQUIRE(store_purge(f.s, &f.admin, &rep) == 0);
    CHECK_EQ_INT(rep.reads, 0);
    f.clock.now = T0 + 31 * DAY;
    REQUIRE(store_login(f.s, "ivan", PW, &f.inv, (char[STORE_TOKEN_HEX]){0}) == 0);
    CHECK_EQ_INT(store_purge(f.s, &f.inv, &rep), STORE_ERR_DENIED);
    REQUIRE(store_login(f.s, "ada", PW, &f.admin, (char[STORE_TOKEN_HEX]){0}) == 0);
    REQUIRE(store_purge(f.s, &f.admin, &rep) == 0);
    CHECK_EQ_INT(rep.reads, 1);
    fixture_close(&f);
    CHECK_EQ_INT(raw_count(f.path, "SELECT count(*) FROM purges WHERE member = 'ada'"), 2);
}

static void test_holds(void)
{
    struct fixture f;
    struct store_purge_report rep;
    struct store_hold_list *hl = NULL;
    int64_t id, h_pres, h_plate, h_unit;
    REQUIRE(fixture_open(&f, "holds") == 0);
    for (int i = 0; i < 10; i++) {
        struct store_read r = make_read(i < 3 ? "KEEP01" : "GONE01", T0 + i, i == 9 ? "U9" : "U1");
        REQUIRE(store_add_read(f.s, &r, &id, NULL, NULL) == 0);
    }
    struct store_hold_spec bad = {STORE_HOLD_WARRANT,  "SW-9", NULL, NULL, 0, 0, T0 + 90 * DAY,
                                  "3rd District Court"};
    CHECK_EQ_INT(store_hold_add(f.s, &f.admin, &bad, &id), STORE_ERR_INVALID); /* no scope */
    bad.plate = "GONE01";
    bad.court = "";
    CHECK_EQ_INT(store_hold_add(f.s, &f.admin, &bad, &id), STORE_ERR_INVALID); /* no court */
    bad.court = "3rd District Court";
    bad.expires = 0;
    CHECK_EQ_INT(store_hold_add(f.s, &f.admin, &bad, &id), STORE_ERR_INVALID); /* no review */
    bad.expires = T0 + 90 * DAY;
    bad.reference = "";
    CHECK_EQ_INT(store_hold_add(f.s, &f.admin, &bad, &id), STORE_ERR_INVALID); /* no reference */
    bad.reference = "SW-9";
    CHECK_EQ_INT(store_hold_add(f.s, &f.op, &bad, &id), STORE_ERR_DENIED);
    CHECK_EQ_INT(store_hold_add(f.s, &f.inv, &bad, &id), STORE_ERR_DENIED); /* not an officer */
    struct store_hold_spec pres = {STORE_HOLD_PRESERVATION, "PR-2026-7", NULL, "U1", T0, T0 + 5,
                                   T0 + 15 * DAY,           NULL};
    CHECK_EQ_INT(store_hold_add(f.s, &f.inv, &pres, &id), STORE_ERR_INVALID); /* > 14 days */
    pres.expires = 0;                                                         /* default: 14 d */
    REQUIRE(store_hold_add(f.s, &f.inv, &pres, &h_pres) == 0);
    struct store_hold_spec pl = {
        STORE_HOLD_DISCLOSURE, "DO-1", "keep-01", NULL, 0, 0, T0 + 90 * DAY, "3rd District Court"};
    REQUIRE(fixture_approved_hold(&f, &pl, &h_plate) == 0);
    struct store_hold_spec un = {STORE_HOLD_WARRANT,  "SW-U9", NULL, " U9 ", 0, 0, T0 + 90 * DAY,
                                 "3rd District Court"};
    REQUIRE(fixture_approved_hold(&f, &un, &h_unit) == 0);
    REQUIRE(store_hold_list(f.s, &f.aud, 1, &hl) == 0);
    CHECK_EQ_INT(hl->n, 3);
    for (size_t i = 0; i < hl->n; i++) {
        if (hl->items[i].id == h_pres) {
            CHECK_EQ_INT(hl->items[i].reads, 5);
            CHECK_EQ_INT(hl->items[i].expires, T0 + 14 * DAY);
        }
        if (hl->items[i].id == h_plate)
            CHECK_EQ_INT(hl->items[i].reads, 3);
        if (hl->items[i].id == h_unit)
            CHECK_EQ_INT(hl->items[i].reads, 1);
    }
    store_hold_list_free(hl);
    /* Past retention but within the holds: reads 0-4 (preservation), 0-2 (plate), 9 (unit). */
    f.clock.now = T0 + 10 * DAY;
    REQUIRE(store_login(f.s, "ada", PW, &f.admin, (char[STORE_TOKEN_HEX]){0}) == 0);
    REQUIRE(store_set_retention_days(f.s, &f.admin, 1) == 0);
    REQUIRE(store_purge_expired(f.s, f.clock.now, &rep) == 0);
    CHECK_EQ_INT(rep.reads, 4); /* 5..8 */
    CHECK_EQ_INT(rep.held, 6);
    /* The preservation request lapses after 14 days without a court order. */
    f.clock.now = T0 + 14 * DAY + 1;
    REQUIRE(store_purge_expired(f.s, f.clock.now, &rep) == 0);
    CHECK_EQ_INT(rep.reads, 2); /* 3, 4 */
    CHECK_EQ_INT(rep.held, 4);
    /* Released (by an administrator or records officer only): the rest goes. */
    REQUIRE(store_login(f.s, "ivan", PW, &f.inv, (char[STORE_TOKEN_HEX]){0}) == 0);
    REQUIRE(store_login(f.s, "ada", PW, &f.admin, (char[STORE_TOKEN_HEX]){0}) == 0);
    CHECK_EQ_INT(store_hold_release(f.s, &f.inv, h_plate, "order vacated"), STORE_ERR_DENIED);
    CHECK_EQ_INT(store_hold_release(f.s, &f.admin, h_plate, ""), STORE_ERR_INVALID);
    CHECK_EQ_INT(store_hold_release(f.s, &f.admin, h_plate, "order vacated"), 0);
    CHECK_EQ_INT(store_hold_release(f.s, &f.admin, h_plate, "again"), STORE_ERR_NOTFOUND);
    REQUIRE(store_purge_expired(f.s, f.clock.now, &rep) == 0);
    CHECK_EQ_INT(rep.reads, 3);
    CHECK_EQ_INT(rep.held, 1);
    fixture_close(&f);
    CHECK_EQ_INT(raw_rows(f.path, 0), 1);
}

int main(void)
{
    RUN(test_purge_leaves_no_bytes);
    RUN(test_retention_only_shorter);
    RUN(test_holds);
    return test_finish();
}
