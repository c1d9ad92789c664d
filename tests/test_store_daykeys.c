/*
 * Tests of the day keys (store_part.h): day data sealed under keys of its day, tokens instead
 * of skeletons, no plaintext path, and the purge as a crypto-erasure: a copy of the database
 * taken before the purge cannot give back the purged day, even with the master key.
 */
#include "test_store_util.h"

#include <sqlite3.h>

#define DAY_A (T0 / DAY) /* 20454 */

/* A crop: PNG signature, a marker, then a 32-byte run no other data has. */
static size_t crop(uint8_t *buf, size_t size, const char *marker, uint8_t run)
{
    size_t n = make_png(buf, size, marker);
    if (!n || n + 32 > size)
        return 0;
    memset(buf + n, run, 32);
    return n + 32;
}

/* Occurrences of needle (n bytes) in the database file and its WAL. */
static long raw_bytes(const char *path, const void *needle, size_t n)
{
    char wal[600];
    snprintf(wal, sizeof wal, "%s-wal", path);
    return file_count(path, needle, n) + file_count(wal, needle, n);
}

/* Ingests plate at t with a distinctive candidate, agency and crop. */
static int add(struct fixture *f, const char *plate, const char *cand, int64_t t, uint8_t run,
               int64_t *id)
{
    uint8_t png[256];
    char marker[64];
    snprintf(marker, sizeof marker, "CROP-%s", plate);
    struct store_read r = make_read(plate, t, "UNITX9");
    r.candidates[1].text = cand;
    r.candidates[1].confidence = 0.04;
    r.n_candidates = 2;
    r.source_agency = "Zebra County Sheriff";
    r.png = png;
    r.png_len = crop(png, sizeof png, marker, run);
    return store_add_read(f->s, &r, id, NULL, NULL);
}

static long found(struct fixture *f, const char *plate, enum store_match m, int edits)
{
    struct store_query q = {.plate = plate, .match = m, .max_edits = edits};
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

static void test_no_plaintext_in_files(void)
{
    static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    uint8_t run[32];
    struct fixture f;
    int64_t id;
    REQUIRE(fixture_open(&f, "dk_plain") == 0);
    REQUIRE(add(&f, "KQJ7713", "KQJ7718", T0 + 100, 0xA5, &id) == 0);
    REQUIRE(add(&f, "WXV2290", "WXV2296", T0 + DAY + 100, 0x5A, &id) == 0);
    /* Still open: the rows sit in the WAL as well as (after a checkpoint) in the file. */
    const char *needles[] = {"KQJ7713",
                             "KQJ7718",
                             "WXV2290",
                             "WXV2296",
                             "CROP-KQJ7713",
                             "UNITX9",
                             "Zebra County Sheriff"};
    long total = 0;
    for (size_t i = 0; i < sizeof needles / sizeof needles[0]; i++)
        total += raw_bytes(f.path, needles[i], strlen(needles[i]));
    memset(run, 0xA5, sizeof run);
    total += raw_bytes(f.path, run, sizeof run) + raw_bytes(f.path, png_sig, sizeof png_sig);
    /* GPS: the bytes of the latitude as stored by a plain REAL column. */
    double lat = 40.7608;
    uint8_t be[8];
    uint64_t bits;
    memcpy(&bits, &lat, 8);
    for (int i = 0; i < 8; i++)
        be[i] = (uint8_t)(bits >> (56 - 8 * i));
    total += raw_bytes(f.path, be, sizeof be) + raw_bytes(f.path, &lat, sizeof lat);
    CHECK_EQ_INT(total, 0);
    /* ... and yet everything reads back, through the day keys. (Not by the whole plate: the
     * search register keeps each query, R11, and the check below would find it there.) */
    CHECK_EQ_INT(found(&f, "KQJ77*", STORE_MATCH_WILDCARD, 0), 1);
    CHECK_EQ_INT(found(&f, "*7713", STORE_MATCH_WILDCARD, 0), 1);
    struct store_read_rec rec;
    uint8_t *png = NULL;
    size_t len = 0;
    REQUIRE(store_read_get(f.s, &f.inv, access_ok(), id, &rec) == 0);
    CHECK_EQ_STR(rec.plate, "WXV2290");
    CHECK(strstr(rec.candidates, "WXV2296:0.040") != NULL);
    CHECK_EQ_STR(rec.unit, "UNITX9");
    CHECK_EQ_STR(rec.agency, "Zebra County Sheriff");
    CHECK(rec.has_gps && rec.lat == 40.7608 && rec.lon == -111.8910);
    REQUIRE(store_read_image(f.s, &f.inv, access_ok(), id, &png, &len) == 0);
    CHECK(len > 40 && memcmp(png, png_sig, 8) == 0 && png[len - 1] == 0x5A);
    free(png);
    fixture_close(&f);
    /* After close (checkpointed into the file): still nothing. */
    CHECK_EQ_INT(raw_bytes(f.path, "KQJ7713", 7) + raw_bytes(f.path, png_sig, 8), 0);
}

static void test_no_keyring_no_access(void)
{
    struct fixture f;
    struct store_purge_report rep;
    struct store_read_list *l = NULL;
    struct store_read_rec rec;
    int64_t id;
    REQUIRE(fixture_open(&f, "dk_nokey") == 0);
    REQUIRE(add(&f, "NKY1234", "NKY1284", T0 + 100, 1, &id) == 0);
    REQUIRE(store_set_keyring(f.s, NULL) == 0);
    struct store_read r = make_read("NKY5678", T0 + 200, "U1");
    CHECK_EQ_INT(store_add_read(f.s, &r, &id, NULL, NULL), STORE_ERR_STATE);
    struct store_query q = {.plate = "NKY1234", .match = STORE_MATCH_EXACT};
    CHECK_EQ_INT(store_search(f.s, &f.inv, access_ok(), &q, &l), STORE_ERR_STATE);
    CHECK_EQ_INT(store_read_get(f.s, &f.inv, access_ok(), 1, &rec), STORE_ERR_STATE);
    CHECK_EQ_INT(store_purge_expired(f.s, T0 + 400 * DAY, &rep), STORE_ERR_STATE);
    REQUIRE(store_set_keyring(f.s, f.kr) == 0);
    CHECK_EQ_INT(found(&f, "NKY1234", STORE_MATCH_EXACT, 0), 1);
    fixture_close(&f);
}

/* Runs sql on the database file through a connection of its own. */
static int raw_exec(const char *path, const char *sql)
{
    sqlite3 *db;
    int rc;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        return -1;
    rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_close(db);
    return rc == SQLITE_OK ? 0 : -1;
}

/* Reads in day A's time range, as the investigator (-1 on error). */
static long found_day_a(struct fixture *f)
{
    struct store_query q = {.from = T0, .to = T0 + DAY};
    struct store_read_list *l = NULL;
    long n;
    if (store_search(f->s, &f->inv, access_ok(), &q, &l) != 0)
        return -1;
    n = (long)l->n;
    store_read_list_free(l);
    return n;
}

/*
 * A sealed value moved to another row does not open: that row is skipped. The plate and the
 * meta record (candidates, unit, camera, agency, GPS) are each bound to their read.
 */
static void test_sealed_values_bound_to_row(void)
{
    struct fixture f;
    struct store_read_rec rec;
    int64_t a, b, c;
    char sql[512];
    REQUIRE(fixture_open(&f, "dk_bind") == 0);
    REQUIRE(add(&f, "BND1111", "BND1117", T0 + 100, 2, &a) == 0);
    REQUIRE(add(&f, "BND2222", "BND2227", T0 + 200, 3, &b) == 0);
    REQUIRE(add(&f, "BND3333", "BND3337", T0 + 300, 4, &c) == 0);
    CHECK_EQ_INT(found(&f, "BND*", STORE_MATCH_WILDCARD, 0), 3);
    fixture_close(&f);
    snprintf(sql, sizeof sql,
             "UPDATE reads_d%1$lld SET plate = (SELECT plate FROM reads_d%1$lld WHERE id = %2$lld)"
             " WHERE id = %3$lld;"
             "UPDATE reads_d%1$lld SET meta = (SELECT meta FROM reads_d%1$lld WHERE id = %2$lld)"
             " WHERE id = %4$lld;",
             (long long)DAY_A, (long long)a, (long long)b, (long long)c);
    CHECK_EQ_INT(raw_exec(f.path, sql), 0);
    REQUIRE(fixture_reopen(&f) == 0);
    CHECK_EQ_INT(found(&f, "BND*", STORE_MATCH_WILDCARD, 0), 1);
    CHECK_EQ_INT(found(&f, "BND1111", STORE_MATCH_EXACT, 0), 1);
    CHECK_EQ_INT(found(&f, "BND3333", STORE_MATCH_EXACT, 0), 0);
    CHECK_EQ_INT(found(&f, "BND3333", STORE_MATCH_FUZZY, 1), 0);
    CHECK_EQ_INT(found_day_a(&f), 1);
    CHECK_EQ_INT(store_read_get(f.s, &f.inv, access_ok(), c, &rec), STORE_ERR_NOTFOUND);
    CHECK_EQ_INT(store_read_get(f.s, &f.inv, access_ok(), a, &rec), 0);
    CHECK_EQ_STR(rec.candidates, "BND1111:0.930;BND1117:0.040");
    CHECK_EQ_STR(rec.camera, "cam0");
    fixture_close(&f);
}

/* A read without a crop or a position says so; one with them gives them back. */
static void test_without_crop_or_position(void)
{
    struct fixture f;
    struct store_read_rec rec;
    uint8_t *png = NULL;
    size_t len = 0;
    int64_t bare, full;
    REQUIRE(fixture_open(&f, "dk_bare") == 0);
    struct store_read r = make_read("BAR0001", T0 + 100, "U1");
    r.has_gps = 0;
    r.n_candidates = 0;
    REQUIRE(store_add_read(f.s, &r, &bare, NULL, NULL) == 0);
    REQUIRE(add(&f, "BAR0002", "BAR0008", T0 + 200, 12, &full) == 0);
    REQUIRE(store_read_get(f.s, &f.inv, access_ok(), bare, &rec) == 0);
    CHECK_EQ_STR(rec.plate, "BAR0001");
    CHECK_EQ_STR(rec.candidates, "");
    CHECK_EQ_INT(rec.has_gps, 0);
    CHECK_EQ_INT(rec.has_image, 0);
    CHECK_EQ_INT(store_read_image(f.s, &f.inv, access_ok(), bare, &png, &len), STORE_ERR_NOTFOUND);
    REQUIRE(store_read_get(f.s, &f.inv, access_ok(), full, &rec) == 0);
    CHECK_EQ_INT(rec.has_gps, 1);
    CHECK_EQ_INT(rec.has_image, 1);
    CHECK_EQ_STR(rec.unit, "UNITX9");
    fixture_close(&f);
}

/* The token of column col of read id in day's table into out (hex); 0 or -1. */
static int raw_token(const char *path, int64_t day, const char *col, int64_t id, char *out,
                     size_t size)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    char sql[160];
    int rc = -1;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        return -1;
    snprintf(sql, sizeof sql, "SELECT hex(%s) FROM reads_d%lld WHERE id = %lld", col,
             (long long)day, (long long)id);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
            snprintf(out, size, "%s", (const char *)sqlite3_column_text(st, 0));
            rc = 0;
        }
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return rc;
}

/*
 * Tokens are keyed per day: one plate gives one token within a day (the index finds it) and
 * another on the next day; a token is two bytes per character and says nothing in the clear.
 */
static void test_tokens_keyed_per_day(void)
{
    struct fixture f;
    int64_t a1, a2, b1;
    char ta1[128], ta2[128], tb1[128], ra1[128];
    REQUIRE(fixture_open(&f, "dk_tok") == 0);
    REQUIRE(add(&f, "TOK4455", "TOK4456", T0 + 100, 7, &a1) == 0);
    REQUIRE(add(&f, "TOK4455", "TOK4456", T0 + 900, 8, &a2) == 0);
    REQUIRE(add(&f, "TOK4455", "TOK4456", T0 + DAY + 100, 9, &b1) == 0);
    fixture_close(&f);
    REQUIRE(raw_token(f.path, DAY_A, "skel_tok", a1, ta1, sizeof ta1) == 0);
    REQUIRE(raw_token(f.path, DAY_A, "skel_tok", a2, ta2, sizeof ta2) == 0);
    REQUIRE(raw_token(f.path, DAY_A + 1, "skel_tok", b1, tb1, sizeof tb1) == 0);
    REQUIRE(raw_token(f.path, DAY_A, "skel_rev_tok", a1, ra1, sizeof ra1) == 0);
    CHECK_EQ_INT(strlen(ta1), 2 * STORE_PART_TOKEN_BYTES * 7);
    CHECK_EQ_STR(ta1, ta2);
    CHECK(strcmp(ta1, tb1) != 0);
    /* The reversed token has a subkey of its own. */
    CHECK(strcmp(ta1, ra1) != 0);
    REQUIRE(fixture_reopen(&f) == 0);
    CHECK_EQ_INT(found(&f, "TOK4455", STORE_MATCH_EXACT, 0), 3);
    CHECK_EQ_INT(found(&f, "TOK44*", STORE_MATCH_WILDCARD, 0), 3);
    CHECK_EQ_INT(found(&f, "*4455", STORE_MATCH_WILDCARD, 0), 3);
    CHECK_EQ_INT(found(&f, "?OK445?", STORE_MATCH_WILDCARD, 0), 3);
    CHECK_EQ_INT(found(&f, "T0K4455", STORE_MATCH_FUZZY, 0), 3);
    CHECK_EQ_INT(found(&f, "TOK4457", STORE_MATCH_FUZZY, 1), 3);
    fixture_close(&f);
}

/* The reads in scope of hold id, as store_hold_list counts them (-1 on error). */
static long hold_reads(struct fixture *f, int64_t id)
{
    struct store_hold_list *l = NULL;
    long n = -1;
    if (store_hold_list(f->s, &f->admin, 0, &l) != 0)
        return -1;
    for (size_t i = 0; i < l->n; i++)
        if (l->items[i].id == id)
            n = (long)l->items[i].reads;
    store_hold_list_free(l);
    return n;
}

/*
 * The connection keeps the last plate it opened; a copy of its row that comes back after its
 * day's key was replaced (the day purged, then a late read of that day) does not open, neither
 * through that cache nor otherwise.
 */
static void test_cache_needs_the_key(void)
{
    struct fixture f;
    struct store_purge_report rep;
    struct store_hold_spec spec = {
        STORE_HOLD_PRESERVATION, "PR-77", "CCH5150", NULL, 0, 0, 0, NULL};
    int64_t x, y, hold;
    char sql[1024];
    REQUIRE(fixture_open(&f, "dk_cache") == 0);
    REQUIRE(add(&f, "CCH5150", "CCH5158", T0 + 100, 10, &x) == 0);
    /* A hold on X's plate, released: it counts X's plate but keeps nothing from the purge. */
    REQUIRE(store_hold_add(f.s, &f.inv, &spec, &hold) == 0);
    REQUIRE(store_hold_release(f.s, &f.admin, hold, "case closed") == 0);
    CHECK_EQ_INT(hold_reads(&f, hold), 1);
    /* Opens X's plate (it stays in the connection's cache), and keeps X's row aside. */
    CHECK_EQ_INT(found_day_a(&f), 1);
    snprintf(sql, sizeof sql, "CREATE TABLE aside AS SELECT * FROM reads_d%lld WHERE id = %lld",
             (long long)DAY_A, (long long)x);
    CHECK_EQ_INT(raw_exec(f.path, sql), 0);
    /* Day A is purged (its key destroyed), then a late read of day A makes a new key. */
    f.clock.now = T0 + 5 * DAY + 3600;
    REQUIRE(store_login(f.s, "ada", PW, &f.admin, (char[STORE_TOKEN_HEX]){0}) == 0);
    REQUIRE(store_set_retention_days(f.s, &f.admin, 3) == 0);
    REQUIRE(store_purge_expired(f.s, f.clock.now, &rep) == 0);
    CHECK_EQ_INT(rep.reads, 1);
    REQUIRE(add(&f, "CCH7272", "CCH7278", T0 + 200, 11, &y) == 0);
    /* X's row comes back, as an old copy would bring it: its plate is not X's any more. */
    snprintf(sql, sizeof sql, "INSERT INTO reads_d%lld SELECT * FROM aside; DROP TABLE aside;",
             (long long)DAY_A);
    CHECK_EQ_INT(raw_exec(f.path, sql), 0);
    CHECK_EQ_INT(hold_reads(&f, hold), 0);
    REQUIRE(store_login(f.s, "ivan", PW, &f.inv, (char[STORE_TOKEN_HEX]){0}) == 0);
    CHECK_EQ_INT(found_day_a(&f), 1);
    CHECK_EQ_INT(found(&f, "CCH7272", STORE_MATCH_EXACT, 0), 1);
    CHECK_EQ_INT(found(&f, "CCH5150", STORE_MATCH_EXACT, 0), 0);
    CHECK_EQ_INT(found(&f, "?CH515?", STORE_MATCH_WILDCARD, 0), 0);
    fixture_close(&f);
}

/* Copies the database (and its WAL) to path + ".copy". */
static void copy_db(const char *path, char copy[600])
{
    char cmd[1400];
    snprintf(copy, 600, "%s.copy", path);
    snprintf(cmd, sizeof cmd, "cp '%s' '%s' && (cp '%s-wal' '%s-wal' 2>/dev/null; true)", path,
             copy, path, copy);
    REQUIRE(system(cmd) == 0);
}

/*
 * The purge as a crypto-erasure: a copy taken before the purge of day A, opened with the same
 * master key and the current keyring, gives back nothing of day A (its key is gone), while
 * day B and the held read of day A (re-sealed under the held-reads key) still read.
 */
static void test_purge_erases_old_copies(void)
{
    struct fixture f;
    struct store_purge_report rep;
    int64_t id_a, id_held, id_b, hold;
    char copy[600];
    const unsigned char *key;
    REQUIRE(fixture_open(&f, "dk_erase") == 0);
    REQUIRE(add(&f, "ERA1001", "ERA1007", T0 + 100, 4, &id_a) == 0);
    REQUIRE(add(&f, "HLD2002", "HLD2008", T0 + 200, 5, &id_held) == 0);
    REQUIRE(add(&f, "BBB3003", "BBB3009", T0 + 5 * DAY, 6, &id_b) == 0);
    struct store_hold_spec spec = {STORE_HOLD_PRESERVATION, "PR-9", "HLD2002", NULL, 0, 0, 0, NULL};
    REQUIRE(store_hold_add(f.s, &f.inv, &spec, &hold) == 0);
    /* The backup, taken before the purge (the store checkpoints on close). */
    fixture_close(&f);
    copy_db(f.path, copy);
    REQUIRE(fixture_reopen(&f) == 0);
    CHECK_EQ_INT(store_keyring_get(f.kr, DAY_A, 0, &key), 0);
    /* Retention 3 days, five days later: day A goes, day B (T0 + 5 days) stays. */
    f.clock.now = T0 + 5 * DAY + 3600;
    REQUIRE(store_login(f.s, "ada", PW, &f.admin, (char[STORE_TOKEN_HEX]){0}) == 0);
    REQUIRE(store_set_retention_days(f.s, &f.admin, 3) == 0);
    REQUIRE(store_purge_expired(f.s, f.clock.now, &rep) == 0);
    CHECK_EQ_INT(rep.reads, 1);
    CHECK_EQ_INT(rep.held, 1);
    CHECK_EQ_INT(store_keyring_get(f.kr, DAY_A, 0, &key), STORE_ERR_NOTFOUND);
    CHECK_EQ_INT(found(&f, "ERA1001", STORE_MATCH_EXACT, 0), 0);
    CHECK_EQ_INT(found(&f, "HLD2002", STORE_MATCH_EXACT, 0), 1);
    {
        /* The held read, re-sealed under the held-reads key, keeps its record and crop. */
        struct store_read_rec held;
        uint8_t *png = NULL;
        size_t len = 0;
        REQUIRE(store_read_get(f.s, &f.inv, access_ok(), id_held, &held) == 0);
        CHECK_EQ_STR(held.candidates, "HLD2002:0.930;HLD2008:0.040");
        CHECK_EQ_STR(held.agency, "Zebra County Sheriff");
        CHECK(held.has_gps && held.lat == 40.7608);
        CHECK_EQ_INT(held.has_image, 1);
        CHECK_EQ_INT(store_read_image(f.s, &f.inv, access_ok(), id_held, &png, &len), 0);
        CHECK(len > 40 && png[len - 1] == 5);
        free(png);
    }
    CHECK_EQ_INT(found(&f, "BBB3003", STORE_MATCH_EXACT, 0), 1);

    /* The old copy, with the same master key and the current keyring. */
    struct store *old = NULL;
    struct store_session sess;
    struct store_read_rec rec;
    struct store_read_list *l = NULL;
    char tok[STORE_TOKEN_HEX];
    REQUIRE(store_open(copy, &old) == 0);
    REQUIRE(store_set_keyring(old, f.kr) == 0);
    store_set_clock(old, fake_now, &f.clock);
    REQUIRE(store_login(old, "ivan", PW, &sess, tok) == 0);
    const char *day_a[] = {"ERA1001", "HLD2002"};
    for (int i = 0; i < 2; i++) {
        struct store_query q = {.plate = day_a[i], .match = STORE_MATCH_EXACT};
        CHECK_EQ_INT(store_search(old, &sess, access_ok(), &q, &l), 0);
        CHECK_EQ_INT(l->n, 0);
        store_read_list_free(l);
        struct store_query w = {.plate = day_a[i], .match = STORE_MATCH_FUZZY, .max_edits = 1};
        CHECK_EQ_INT(store_search(old, &sess, access_ok(), &w, &l), 0);
        CHECK_EQ_INT(l->n, 0);
        store_read_list_free(l);
    }
    struct store_query range = {.from = T0, .to = T0 + DAY};
    CHECK_EQ_INT(store_search(old, &sess, access_ok(), &range, &l), 0);
    CHECK_EQ_INT(l->n, 0);
    store_read_list_free(l);
    CHECK_EQ_INT(store_read_get(old, &sess, access_ok(), id_a, &rec), STORE_ERR_NOTFOUND);
    uint8_t *png = NULL;
    size_t len = 0;
    CHECK_EQ_INT(store_read_image(old, &sess, access_ok(), id_a, &png, &len), STORE_ERR_NOTFOUND);
    /* Day B of the copy still reads. */
    struct store_query qb = {.plate = "BBB3003", .match = STORE_MATCH_EXACT};
    CHECK_EQ_INT(store_search(old, &sess, access_ok(), &qb, &l), 0);
    CHECK_EQ_INT(l->n, 1);
    store_read_list_free(l);
    store_close(old);

    /* Decrypting day A's rows of the copy directly fails: no key opens them. */
    {
        sqlite3 *db;
        sqlite3_stmt *st;
        char sql[128];
        int opened = 0, rows = 0;
        int64_t *ids = NULL;
        size_t n_ids = 0;
        REQUIRE(store_keyring_list(f.kr, &ids, &n_ids) == 0);
        REQUIRE(sqlite3_open(copy, &db) == SQLITE_OK);
        snprintf(sql, sizeof sql, "SELECT id, plate FROM reads_d%lld", (long long)DAY_A);
        REQUIRE(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK);
        while (sqlite3_step(st) == SQLITE_ROW) {
            char out[64];
            size_t n = (size_t)sqlite3_column_bytes(st, 1);
            rows++;
            for (size_t k = 0; k < n_ids && n < sizeof out; k++)
                if (store_keyring_get(f.kr, ids[k], 0, &key) == 0 &&
                    store_part_open(key, "plate", sqlite3_column_int64(st, 0),
                                    sqlite3_column_blob(st, 1), n, out) == 0)
                    opened++;
        }
        sqlite3_finalize(st);
        sqlite3_close(db);
        free(ids);
        CHECK_EQ_INT(rows, 2);
        CHECK_EQ_INT(opened, 0);
    }

    /* The hold ends: the held read goes, and with it the held-reads key of that time, so a
     * copy taken before this second purge cannot give it back either. */
    fixture_close(&f);
    copy_db(f.path, copy);
    REQUIRE(fixture_reopen(&f) == 0);
    int64_t held_key = -1;
    CHECK_EQ_INT(store_keyring_get(f.kr, held_key, 0, &key), 0);
    REQUIRE(store_login(f.s, "ada", PW, &f.admin, (char[STORE_TOKEN_HEX]){0}) == 0);
    REQUIRE(store_hold_release(f.s, &f.admin, hold, "case closed") == 0);
    REQUIRE(store_purge_expired(f.s, f.clock.now, &rep) == 0);
    CHECK_EQ_INT(rep.reads, 1);
    CHECK_EQ_INT(store_keyring_get(f.kr, held_key, 0, &key), STORE_ERR_NOTFOUND);
    REQUIRE(store_open(copy, &old) == 0);
    REQUIRE(store_set_keyring(old, f.kr) == 0);
    store_set_clock(old, fake_now, &f.clock);
    REQUIRE(store_login(old, "ivan", PW, &sess, tok) == 0);
    CHECK_EQ_INT(store_read_get(old, &sess, access_ok(), id_held, &rec), STORE_ERR_NOTFOUND);
    CHECK_EQ_INT(store_read_get(old, &sess, access_ok(), id_b, &rec), 0);
    store_close(old);
    fixture_close(&f);
}

int main(void)
{
    RUN(test_no_plaintext_in_files);
    RUN(test_no_keyring_no_access);
    RUN(test_sealed_values_bound_to_row);
    RUN(test_tokens_keyed_per_day);
    RUN(test_without_crop_or_position);
    RUN(test_cache_needs_the_key);
    RUN(test_purge_erases_old_copies);
    return test_finish();
}
