/* Tests of store_audit.c: the chain verifies, and every kind of tampering is found and located. */
#include "test_store_util.h"

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
                              " INSERT INTO audit VALUES(4, 0, 'mallory', 'login', '{}', 'ok',"
                              " 'x', 'y'); UPDATE audit SET id = id - 999 WHERE id >= 1004;"
                              " UPDATE audit_head SET last_id = last_id + 1",
                  4);
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
    return test_finish();
}
