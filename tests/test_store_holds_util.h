/*
 * test_store_holds_util: fixtures for the two-person rules (test_store_util.h's fixture plus a
 * records officer, and warrant holds that are in effect). Static functions only; include after
 * test_store_util.h.
 */
#ifndef TEST_STORE_HOLDS_UTIL_H
#define TEST_STORE_HOLDS_UTIL_H

#include "test_store_util.h"

/*
 * Moves member name's creation days back, as if the account were made that long ago (past the
 * waiting period of store_member_grant). A raw edit of the file: the store offers no such call.
 */
__attribute__((unused)) static int fixture_backdate(struct fixture *f, const char *name, int days)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    int rc = -1;
    if (sqlite3_open(f->path, &db) != SQLITE_OK) {
        sqlite3_close(db);
        return -1;
    }
    sqlite3_busy_timeout(db, 5000);
    if (sqlite3_prepare_v2(db, "UPDATE members SET created_at = created_at - ? WHERE name = ?", -1,
                           &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, (int64_t)days * DAY);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(db) == 1 ? 0 : -1;
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return rc;
}

/*
 * A records officer name, logged on into *out: an investigator account that ada created long
 * enough ago (backdated), then given the records role. Logs ada on again (into f->admin).
 * Returns 0 on success.
 */
__attribute__((unused)) static int fixture_records(struct fixture *f, const char *name,
                                                   struct store_session *out)
{
    char tok[STORE_TOKEN_HEX];
    int64_t id;
    int pending = -1;
    if (store_login(f->s, "ada", PW, &f->admin, tok) != 0)
        return -1;
    if (store_member_add(f->s, &f->admin, name, STORE_ROLE_INVESTIGATOR, PW, T0 - DAY, &id) != 0 ||
        fixture_backdate(f, name, STORE_GRANT_WAIT_DEFAULT_DAYS + 1) != 0 ||
        store_member_grant(f->s, &f->admin, name, STORE_ROLE_RECORDS, &pending) != 0 ||
        pending != 0)
        return -1;
    return store_login(f->s, name, PW, out, tok) == 0 ? 0 : -1;
}

/*
 * Enters spec as administrator ada and has records officer "rita" (created on first use)
 * approve it: a warrant or court-order hold in effect. Returns 0 and *id on success.
 */
__attribute__((unused)) static int
fixture_approved_hold(struct fixture *f, const struct store_hold_spec *spec, int64_t *id)
{
    struct store_session rita;
    char tok[STORE_TOKEN_HEX];
    if (store_login(f->s, "rita", PW, &rita, tok) != 0 && fixture_records(f, "rita", &rita) != 0)
        return -1;
    if (store_login(f->s, "ada", PW, &f->admin, tok) != 0 ||
        store_hold_add(f->s, &f->admin, spec, id) != 0)
        return -1;
    return store_hold_approve(f->s, &rita, *id) == 0 ? 0 : -1;
}

#endif
