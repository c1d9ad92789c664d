/* Tests of store_audit.c: the chain verifies, and every kind of tampering is found and located. */
#include "test_store_util.h"

#include <sodium.h>
#include <sqlite3.h>

/* Builds a store with a few dozen audit entries; returns the number of entries. */
static int64_t build(struct fixture *f, const char *name)
{
    struct store_session s;
    char tok[STORE_TOKEN_HEX];
    if (fixture_open(f, name) != 0)
        return -1;
    for (int i = 0; i < 5; i++) {
        f->clock.now += 60;
        if (store_login(f->s, "olga", i % 2 ? PW : "wrong password", &s, tok) == STORE_ERR_IO)
            return -1;
    }
    struct store_audit_verify_result r;
    if (store_audit_verify(f->s, &f->aud, &r) != 0)
        return -1;
    return r.entries;
}

/* Runs raw SQL on the file behind the store's back (as an attacker with file access would). */
static int raw(const char *path, const char *sql)
{
    sqlite3 *db;
    char *err = NULL;
    int rc;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        return -1;
    rc = sqlite3_exec(db, sql, NULL, NULL, &err);
    if (err)
        sqlite3_free(err);
    sqlite3_close(db);
    return rc;
}

#define DROP_GUARDS                                                                                \
    "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;"                                  \
    " DROP TRIGGER audit_head_forward; DROP TRIGGER audit_head_no_delete;"

static void test_chain_verifies(void)
{
    struct fixture f;
    struct store_audit_verify_result r;
    int64_t n = build(&f, "chain_ok");
    REQUIRE(n > 10);
    CHECK_EQ_INT(store_audit_verify(f.s, &f.aud, &r), 0);
    CHECK_EQ_INT(r.bad_id, 0);
    CHECK_EQ_INT(r.entries, n + 1); /* the first verify is itself an entry */
    CHECK_EQ_INT(strlen(r.head_hash), 64);
    /* Operators and investigators may not read the log; the attempt is logged too. */
    CHECK_EQ_INT(store_audit_verify(f.s, &f.op, &r), STORE_ERR_DENIED);
    CHECK_EQ_INT(store_audit_verify(f.s, &f.admin, &r), 0);
    fixture_close(&f);
}

static void test_triggers_refuse_changes(void)
{
    struct fixture f;
    REQUIRE(build(&f, "triggers") > 0);
    fixture_close(&f);
    CHECK(raw(f.path, "UPDATE audit SET member = 'mallory' WHERE id = 3") != SQLITE_OK);
    CHECK(raw(f.path, "DELETE FROM audit WHERE id = 3") != SQLITE_OK);
    CHECK(raw(f.path, "DELETE FROM audit_head") != SQLITE_OK);
    CHECK(raw(f.path, "UPDATE audit_head SET last_id = 2") != SQLITE_OK);
    REQUIRE(fixture_reopen(&f) == 0);
    struct store_audit_verify_result r;
    char tok[STORE_TOKEN_HEX];
    REQUIRE(store_login(f.s, "aude", PW, &f.aud, tok) == 0);
    CHECK_EQ_INT(store_audit_verify(f.s, &f.aud, &r), 0);
    fixture_close(&f);
}

/* Tampers with a copy via raw SQL, then checks verify reports STORE_ERR_TAMPER at bad_id. */
static void expect_tamper(const char *name, const char *sql, int64_t want_bad_id)
{
    struct fixture f;
    struct store_audit_verify_result r;
    char tok[STORE_TOKEN_HEX];
    REQUIRE(build(&f, name) > 0);
    fixture_close(&f);
    REQUIRE(raw(f.path, sql) == SQLITE_OK);
    REQUIRE(fixture_reopen(&f) == 0);
    REQUIRE(store_login(f.s, "aude", PW, &f.aud, tok) == 0);
    memset(&r, 0, sizeof r);
    CHECK_EQ_INT(store_audit_verify(f.s, &f.aud, &r), STORE_ERR_TAMPER);
    CHECK_EQ_INT(r.bad_id, want_bad_id);
    CHECK(r.problem[0] != '\0');
    /* The failed check is itself logged, and the break is still found afterwards. */
    CHECK_EQ_INT(store_audit_verify(f.s, &f.aud, &r), STORE_ERR_TAMPER);
    CHECK_EQ_INT(r.bad_id, want_bad_id);
    fixture_close(&f);
}

static void test_edit_detected(void)
{
    expect_tamper("edit", DROP_GUARDS "UPDATE audit SET outcome = 'tampered' WHERE id = 7", 7);
    expect_tamper("edit_member", DROP_GUARDS "UPDATE audit SET member = 'x' WHERE id = 2", 2);
    expect_tamper("edit_ts", DROP_GUARDS "UPDATE audit SET ts = ts + 1 WHERE id = 5", 5);
}

static void test_delete_detected(void)
{
    expect_tamper("delete", DROP_GUARDS "DELETE FROM audit WHERE id = 6", 7);
    /* Deleting and renumbering the rest still breaks the chain at the gap. */
    expect_tamper("delete_renumber",
                  DROP_GUARDS "DELETE FROM audit WHERE id = 6; UPDATE audit SET id = id - 1"
                              " WHERE id > 6",
                  6);
}

static void test_reorder_detected(void)
{
    expect_tamper("reorder",
                  DROP_GUARDS "UPDATE audit SET id = -1 WHERE id = 4; UPDATE audit SET id = 4"
                              " WHERE id = 5; UPDATE audit SET id = 5 WHERE id = -1",
                  4);
}

static void test_tail_truncation_detected(void)
{
    struct fixture f;
    struct store_audit_verify_result r;
    char tok[STORE_TOKEN_HEX];
    int64_t n = build(&f, "tail");
    REQUIRE(n > 0);
    fixture_close(&f);
    char sql[256];
    snprintf(sql, sizeof sql, DROP_GUARDS "DELETE FROM audit WHERE id >= %lld", (long long)n - 1);
    REQUIRE(raw(f.path, sql) == SQLITE_OK);
    REQUIRE(fixture_reopen(&f) == 0);
    /* Appending (log-on) after the cut chains to the recorded head, so the gap shows. */
    REQUIRE(store_login(f.s, "aude", PW, &f.aud, tok) == 0);
    CHECK_EQ_INT(store_audit_verify(f.s, &f.aud, &r), STORE_ERR_TAMPER);
    CHECK(r.bad_id > 0);
    fixture_close(&f);
}

static void test_forged_entry_detected(void)
{
    /* An entry inserted with a made-up hash in the middle. */
    expect_tamper("forge",
                  DROP_GUARDS "UPDATE audit SET id = id + 1000 WHERE id >= 4;"
                              " INSERT INTO audit(id, ts, member, event, params, outcome,"
                              " prev_hash, hash) VALUES(4, 0, 'mallory', 'login', '{}', 'ok',"
                              " 'x', 'y'); UPDATE audit SET id = id - 999 WHERE id >= 1004;"
                              " UPDATE audit_head SET last_id = last_id + 1",
                  4);
}

/* The chain's hash, written from store_audit.h's description (an independent reference). */
static void ref_field(crypto_hash_sha256_state *h, const char *v)
{
    char len[24];
    snprintf(len, sizeof len, "%zu:", strlen(v));
    crypto_hash_sha256_update(h, (const unsigned char *)len, strlen(len));
    crypto_hash_sha256_update(h, (const unsigned char *)v, strlen(v));
}

static void ref_hash(const char *prev, int64_t id, int64_t ts, const char *member,
                     const char *event, const char *params, const char *outcome, char hex[65])
{
    crypto_hash_sha256_state h;
    unsigned char out[crypto_hash_sha256_BYTES];
    char num[32];
    crypto_hash_sha256_init(&h);
    ref_field(&h, prev);
    snprintf(num, sizeof num, "%lld", (long long)id);
    ref_field(&h, num);
    snprintf(num, sizeof num, "%lld", (long long)ts);
    ref_field(&h, num);
    ref_field(&h, member);
    ref_field(&h, event);
    ref_field(&h, params);
    ref_field(&h, outcome);
    crypto_hash_sha256_final(&h, out);
    sodium_bin2hex(hex, 65, out, sizeof out);
}

/* The entry's MAC under the audit key derived from master (store_audit.h), as the store does. */
static void ref_mac(const struct store_key *master, const char *hash, char hex[65])
{
    struct store_key *k = NULL;
    unsigned char out[32];
    if (store_key_derive(master, 4, "alpraudt", &k) != 0) {
        hex[0] = '\0';
        return;
    }
    crypto_generichash(out, sizeof out, (const unsigned char *)hash, strlen(hash),
                       store_key_bytes(k), STORE_KEY_BYTES);
    store_key_free(k);
    sodium_bin2hex(hex, 65, out, sizeof out);
}

/*
 * Appends an entry dated last entry's time + delta behind the store's back, with a correct link
 * and hash, and a correct MAC when master is given: what someone with the file (and, with
 * master, the key) or a store whose clock check failed could write. The triggers allow it (an
 * insert, the head moving forward by one). Returns its id, or -1.
 */
static int64_t raw_append(const char *path, int64_t delta, const struct store_key *master)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    char prev[65] = "", hash[65], sql[512];
    int64_t id = -1, ts = 0;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        return -1;
    if (sqlite3_prepare_v2(db,
                           "SELECT h.last_id, h.hash, a.ts FROM audit_head h JOIN audit a"
                           " ON a.id = h.last_id",
                           -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW) {
            id = sqlite3_column_int64(st, 0) + 1;
            snprintf(prev, sizeof prev, "%s", (const char *)sqlite3_column_text(st, 1));
            ts = sqlite3_column_int64(st, 2) + delta;
        }
        sqlite3_finalize(st);
    }
    if (id > 0) {
        char mac[70] = "NULL";
        ref_hash(prev, id, ts, "mallory", "login", "{}", "ok", hash);
        if (master) {
            mac[0] = '\'';
            ref_mac(master, hash, mac + 1);
            strcat(mac, "'");
        }
        snprintf(sql, sizeof sql,
                 "INSERT INTO audit(id, ts, member, event, params, outcome, prev_hash, hash, mac)"
                 " VALUES(%lld, %lld, 'mallory', 'login', '{}', 'ok', '%s', '%s', %s);"
                 " UPDATE audit_head SET last_id = %lld, hash = '%s'",
                 (long long)id, (long long)ts, prev, hash, mac, (long long)id, hash);
        if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
            id = -1;
    }
    sqlite3_close(db);
    return id;
}

static void test_backwards_time_detected(void)
{
    struct fixture f;
    struct store_audit_verify_result r;
    char tok[STORE_TOKEN_HEX];
    int64_t id;
    REQUIRE(build(&f, "time_order") > 0);
    fixture_close(&f);
    /* Without the audit key such an entry is found at once: it has no MAC. */
    id = raw_append(f.path, 5, NULL);
    REQUIRE(id > 0);
    f.clock.now += 60;
    REQUIRE(fixture_reopen(&f) == 0);
    REQUIRE(store_login(f.s, "aude", PW, &f.aud, tok) == 0);
    CHECK_EQ_INT(store_audit_verify(f.s, &f.aud, &r), STORE_ERR_TAMPER);
    CHECK_EQ_INT(r.bad_id, id);
    CHECK(strstr(r.problem, "no MAC") != NULL);
    fixture_close(&f);
    REQUIRE(build(&f, "time_order_keyed") > 0);
    fixture_close(&f);
    /* The control: an entry appended this way with the key, in time order, verifies. */
    struct store_key *master = NULL;
    char err[256];
    REQUIRE(store_key_load(f.key_path, &master, err, sizeof err) == 0);
    REQUIRE(raw_append(f.path, 5, master) > 0);
    f.clock.now += 60;
    REQUIRE(fixture_reopen(&f) == 0);
    REQUIRE(store_login(f.s, "aude", PW, &f.aud, tok) == 0);
    CHECK_EQ_INT(store_audit_verify(f.s, &f.aud, &r), 0);
    fixture_close(&f);
    /* The same append dated one second before the entry it follows: its link and hash are
     * right, and verify still names it. */
    id = raw_append(f.path, -1, master);
    store_key_free(master);
    REQUIRE(id > 0);
    REQUIRE(fixture_reopen(&f) == 0);
    REQUIRE(store_login(f.s, "aude", PW, &f.aud, tok) == 0);
    memset(&r, 0, sizeof r);
    CHECK_EQ_INT(store_audit_verify(f.s, &f.aud, &r), STORE_ERR_TAMPER);
    CHECK_EQ_INT(r.bad_id, id);
    CHECK(strstr(r.problem, "before entry") != NULL);
    fixture_close(&f);
}

/* Counts audit entries whose params are not a JSON object (SQLite's json_valid/json_type). */
static int64_t bad_params(const char *path)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    int64_t n = -1;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        return -1;
    if (sqlite3_prepare_v2(db,
                           "SELECT count(*) FROM audit WHERE NOT json_valid(params)"
                           " OR json_type(params) <> 'object'",
                           -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return n;
}

/* json_extract(params, '$.key') of the last entry, as bytes into out (NUL-terminated); its
 * length, or -1. */
static long last_param(const char *path, const char *key, char *out, size_t size)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    long n = -1;
    char path_expr[64];
    snprintf(path_expr, sizeof path_expr, "$.%s", key);
    if (sqlite3_open(path, &db) != SQLITE_OK)
        return -1;
    if (sqlite3_prepare_v2(db, "SELECT json_extract(params, ?) FROM audit ORDER BY id DESC LIMIT 1",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, path_expr, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_TEXT) {
            n = sqlite3_column_bytes(st, 0);
            snprintf(out, size, "%s", (const char *)sqlite3_column_text(st, 0));
        }
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return n;
}

static int64_t entry_count(const char *path)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    int64_t n = -1;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        return -1;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM audit", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return n;
}

static void test_params_escaped_not_truncated(void)
{
    struct fixture f;
    struct store_session s;
    struct store_import_result res;
    char tok[STORE_TOKEN_HEX], got[32768];
    const char *odd = "quote\" back\\slash\nnew\rline\ttab \x01\x1f\x7f end";
    /* 0xff, an overlong '/', a cut-short sequence: not UTF-8, each byte becomes U+FFFD. */
    const char *not_utf8 = "a\xff"
                           "b\xc0\xaf"
                           "c\xe2\x82";
    const char *utf8 = "Caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x93";
    size_t big_len = 20 * 1024;
    char *big = malloc(big_len + 1), *huge = malloc(70 * 1024 + 1);
    int64_t n;
    REQUIRE(big && huge);
    REQUIRE(fixture_open(&f, "params") == 0);

    /* A failed log-on records the name as typed, escaped. */
    CHECK_EQ_INT(store_login(f.s, odd, PW, &s, tok), STORE_ERR_AUTH);
    CHECK_EQ_INT(last_param(f.path, "member", got, sizeof got), (long)strlen(odd));
    CHECK_EQ_STR(got, odd);
    CHECK_EQ_INT(store_login(f.s, not_utf8, PW, &s, tok), STORE_ERR_AUTH);
    CHECK(last_param(f.path, "member", got, sizeof got) > 0);
    CHECK_EQ_STR(got, "a\xef\xbf\xbd"
                      "b\xef\xbf\xbd\xef\xbf\xbd"
                      "c\xef\xbf\xbd\xef\xbf\xbd");
    CHECK_EQ_INT(store_login(f.s, utf8, PW, &s, tok), STORE_ERR_AUTH);
    CHECK(last_param(f.path, "member", got, sizeof got) > 0);
    CHECK_EQ_STR(got, utf8);

    /* 20 KB of quotes in a refused import's name: recorded whole. */
    for (size_t i = 0; i < big_len; i++)
        big[i] = i % 64 == 63 ? '"' : (char)('a' + i % 26);
    big[big_len] = '\0';
    CHECK_EQ_INT(store_hotlist_import_csv(f.s, &f.op, big, "x", 1, &res), STORE_ERR_DENIED);
    CHECK_EQ_INT(last_param(f.path, "name", got, sizeof got), (long)big_len);
    CHECK(strcmp(got, big) == 0);

    /* 70 KB: more than an entry's parameters may hold. Refused, and nothing written. */
    memset(huge, 'h', 70 * 1024);
    huge[70 * 1024] = '\0';
    n = entry_count(f.path);
    CHECK_EQ_INT(store_hotlist_import_csv(f.s, &f.op, huge, "x", 1, &res), STORE_ERR_INVALID);
    CHECK_EQ_INT(store_hotlist_import_csv(f.s, &f.inv, huge, "x", 1, &res), STORE_ERR_INVALID);
    /* 12 KB of control characters escapes to 72 KB: refused the same way. */
    memset(huge, '\x01', 12 * 1024);
    huge[12 * 1024] = '\0';
    CHECK_EQ_INT(store_login(f.s, huge, PW, &s, tok), STORE_ERR_INVALID);
    CHECK_EQ_INT(entry_count(f.path), n);

    CHECK_EQ_INT(bad_params(f.path), 0);
    fixture_close(&f);
    free(big);
    free(huge);
}

int main(void)
{
    RUN(test_chain_verifies);
    RUN(test_triggers_refuse_changes);
    RUN(test_edit_detected);
    RUN(test_delete_detected);
    RUN(test_reorder_detected);
    RUN(test_tail_truncation_detected);
    RUN(test_forged_entry_detected);
    RUN(test_backwards_time_detected);
    RUN(test_params_escaped_not_truncated);
    return test_finish();
}
