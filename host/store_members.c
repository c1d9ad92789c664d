/* store_members: members' accounts and roles (see store_members.h). */
#include "store_members.h"
#include "store_priv.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int insert_member(struct store *s, const char *who, const char *name, enum store_role role,
                         const char *password, int64_t training, int64_t os_uid, int64_t *id)
{
    char hash[crypto_pwhash_STRBYTES];
    sqlite3_stmt *st;
    int rc;
    if ((rc = store_priv_hash_password(password, hash)) != 0)
        return rc;
    /* os_uid only when bound: the column is schema 6's, and the migration tests write members
     * into files of older versions. */
    rc = sqlite3_prepare_v2(s->db,
                            os_uid >= 0 ? "INSERT INTO members(name, role, pwhash, training_date,"
                                          " created_at, created_by, password_changed_at, os_uid)"
                                          " VALUES(?, ?, ?, ?, ?, ?, ?, ?)"
                                        : "INSERT INTO members(name, role, pwhash, training_date,"
                                          " created_at, created_by, password_changed_at)"
                                          " VALUES(?, ?, ?, ?, ?, ?, ?)",
                            -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, store_role_name(role), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, hash, -1, SQLITE_TRANSIENT);
    if (training)
        sqlite3_bind_int64(st, 4, training);
    sqlite3_bind_int64(st, 5, store_now(s));
    sqlite3_bind_text(st, 6, who, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 7, store_now(s));
    if (os_uid >= 0)
        sqlite3_bind_int64(st, 8, os_uid);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return STORE_ERR_EXISTS;
    if (rc != SQLITE_DONE)
        return store_priv_err(rc);
    *id = sqlite3_last_insert_rowid(s->db);
    return 0;
}

/* Runs fn-like body: begin, change, audit, commit; used by the simple admin updates. */
static int update_member(struct store *s, const struct store_session *sess, const char *event,
                         const char *sql, const char *name, int has_value, int64_t value,
                         const char *params)
{
    char who[STORE_NAME_MAX + 8];
    sqlite3_stmt *st;
    int rc;
    if ((rc = store_priv_authorize(s, sess, STORE_ROLE_ADMINISTRATOR, event, params)) != 0)
        return rc;
    if (!store_priv_valid_name(name))
        return STORE_ERR_INVALID;
    if ((rc = store_priv_begin(s)) != 0)
        return rc;
    rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        if (has_value)
            sqlite3_bind_int64(st, 1, value);
        else
            sqlite3_bind_null(st, 1);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
    }
    return store_priv_finish_change(s, rc, store_priv_who(s, sess, who, sizeof who), event, params);
}

int store_member_init(struct store *s, const char *name, const char *password, int64_t training,
                      int64_t *member_id)
{
    return store_member_init_uid(s, name, password, training, -1, member_id);
}

int store_member_init_uid(struct store *s, const char *name, const char *password, int64_t training,
                          int64_t os_uid, int64_t *member_id)
{
    struct store_json j;
    sqlite3_stmt *st;
    int64_t id, count = 0;
    int rc;
    if (!store_priv_valid_name(name) || !store_priv_valid_password(password) || training <= 0)
        return STORE_ERR_INVALID;
    if ((rc = store_priv_begin(s)) != 0)
        return rc;
    rc = sqlite3_prepare_v2(s->db, "SELECT count(*) FROM members WHERE role <> 'system'", -1, &st,
                            NULL);
    if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        count = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_OK) {
        rc = store_priv_err(rc);
        goto fail;
    }
    if (count > 0) {
        rc = STORE_ERR_EXISTS;
        goto fail;
    }
    if ((rc = insert_member(s, "(bootstrap)", name, STORE_ROLE_ADMINISTRATOR, password, training,
                            os_uid, &id)) != 0)
        goto fail;
    store_json_init(&j);
    store_json_str(&j, "member", name);
    store_json_str(&j, "role", "administrator");
    store_json_int(&j, "training", training);
    if (os_uid >= 0)
        store_json_int(&j, "os_uid", os_uid);
    if ((rc = store_priv_audit(s, "(bootstrap)", "member.init", store_json_end(&j), "ok")) != 0)
        goto fail;
    if ((rc = store_priv_commit(s)) != 0)
        return rc;
    *member_id = id;
    return 0;
fail:
    store_priv_rollback(s);
    if (rc == STORE_ERR_EXISTS)
        (void)!store_priv_audit_now(s, "(bootstrap)", "member.init", "{}",
                                    "denied: store already has members");
    return rc;
}

int store_member_add(struct store *s, const struct store_session *sess, const char *name,
                     enum store_role role, const char *password, int64_t training,
                     int64_t *member_id)
{
    return store_member_add_uid(s, sess, name, role, password, training, -1, member_id);
}

/* Administrator and records officer: the roles whose grant the two-person rule covers. */
static int privileged(enum store_role role)
{
    return role == STORE_ROLE_ADMINISTRATOR || role == STORE_ROLE_RECORDS;
}

/*
 * Records a grant of role to name awaiting a second administrator's confirmation (replacing
 * any earlier pending one; by NULL: only cancels them), in the caller's transaction. A new
 * account's grant stays one: replacing it must not let the account be enabled unconfirmed.
 */
static int grant_pending_add(struct store *s, const char *name, enum store_role role,
                             int new_account, const char *by)
{
    sqlite3_stmt *st;
    int rc;
    if (by) {
        rc = sqlite3_prepare_v2(s->db,
                                "SELECT 1 FROM role_grants WHERE member = ? AND new_account = 1"
                                " AND confirmed_at IS NULL AND cancelled_at IS NULL",
                                -1, &st, NULL);
        if (rc != SQLITE_OK)
            return store_priv_err(rc);
        sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return store_priv_err(rc);
        new_account |= rc == SQLITE_ROW;
    }
    rc = sqlite3_prepare_v2(s->db,
                            "UPDATE role_grants SET cancelled_at = ?1 WHERE member = ?2 AND"
                            " confirmed_at IS NULL AND cancelled_at IS NULL",
                            -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    sqlite3_bind_int64(st, 1, store_now(s));
    sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE || !by)
        return rc == SQLITE_DONE ? 0 : store_priv_err(rc);
    rc = sqlite3_prepare_v2(s->db,
                            "INSERT INTO role_grants(member, role, new_account, granted_by,"
                            " granted_at) VALUES(?, ?, ?, ?, ?)",
                            -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, store_role_name(role), -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, new_account);
    sqlite3_bind_text(st, 4, by, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 5, store_now(s));
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : store_priv_err(rc);
}

int store_member_add_uid(struct store *s, const struct store_session *sess, const char *name,
                         enum store_role role, const char *password, int64_t training,
                         int64_t os_uid, int64_t *member_id)
{
    struct store_json j;
    char who[STORE_NAME_MAX + 8];
    int64_t id;
    int rc;
    store_json_init(&j);
    store_json_str(&j, "member", name ? name : "");
    store_json_str(&j, "role", store_role_name(role));
    store_json_int(&j, "training", training);
    if (os_uid >= 0)
        store_json_int(&j, "os_uid", os_uid);
    if ((rc = store_priv_authorize(s, sess, STORE_ROLE_ADMINISTRATOR, "member.add",
                                   store_json_end(&j))) != 0)
        return rc;
    if (!store_priv_valid_name(name) || !store_priv_valid_password(password) ||
        role == STORE_ROLE_SYSTEM || training < 0 || strcmp(store_role_name(role), "unknown") == 0)
        return STORE_ERR_INVALID;
    if ((rc = store_priv_begin(s)) != 0)
        return rc;
    if ((rc = insert_member(s, sess->member, name, role, password, training, os_uid, &id)) != 0)
        goto fail;
    /* R12: an administrator's own new account gets no privileged role on their word alone;
     * it stays disabled until a second administrator confirms it. */
    if (privileged(role) && ((rc = store_priv_exec(s, "UPDATE members SET disabled = 1 WHERE id ="
                                                      " last_insert_rowid()")) != 0 ||
                             (rc = grant_pending_add(s, name, role, 1, sess->member)) != 0))
        goto fail;
    if ((rc = store_priv_audit(s, store_priv_who(s, sess, who, sizeof who), "member.add", j.buf,
                               privileged(role) ? "ok: disabled until a second administrator"
                                                  " confirms the role"
                                                : "ok")) != 0)
        goto fail;
    if ((rc = store_priv_commit(s)) != 0)
        return rc;
    *member_id = id;
    return 0;
fail:
    store_priv_rollback(s);
    return rc;
}

/* Who created member name and when; 1 found, 0 not, or a STORE_ERR_*. */
static int member_origin(struct store *s, const char *name, char *created_by, size_t size,
                         int64_t *created_at)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db,
                                "SELECT created_by, created_at FROM members WHERE name = ? AND"
                                " role <> 'system'",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        store_priv_col_text(st, 0, created_by, size);
        *created_at = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : store_priv_err(rc);
}

int store_grant_wait_days(struct store *s)
{
    int64_t d = store_priv_setting(s, "grant_wait_days", STORE_GRANT_WAIT_DEFAULT_DAYS);
    return d < 1 || d > STORE_GRANT_WAIT_MAX_DAYS ? STORE_GRANT_WAIT_DEFAULT_DAYS : (int)d;
}

int store_set_grant_wait_days(struct store *s, const struct store_session *sess, int days)
{
    struct store_json j;
    int rc;
    store_json_init(&j);
    store_json_int(&j, "days", days);
    store_json_int(&j, "was", store_grant_wait_days(s));
    store_json_end(&j);
    if ((rc = store_priv_authorize(s, sess, STORE_ROLE_ADMINISTRATOR, "settings.grant_wait",
                                   j.buf)) != 0)
        return rc;
    if (days < 1 || days > STORE_GRANT_WAIT_MAX_DAYS)
        return STORE_ERR_INVALID;
    return store_priv_setting_set(s, sess, "grant_wait_days", days, "settings.grant_wait", j.buf);
}

int store_member_set_role(struct store *s, const struct store_session *sess, const char *name,
                          enum store_role role)
{
    return store_member_grant(s, sess, name, role, NULL);
}

int store_member_grant(struct store *s, const struct store_session *sess, const char *name,
                       enum store_role role, int *pending)
{
    struct store_json j;
    sqlite3_stmt *st;
    char who[STORE_NAME_MAX + 8], creator[STORE_NAME_MAX + 16] = "";
    int64_t created_at = 0;
    int rc, wait;
    store_json_init(&j);
    store_json_str(&j, "member", name ? name : "");
    store_json_str(&j, "role", store_role_name(role));
    store_json_end(&j);
    if ((rc = store_priv_authorize(s, sess, STORE_ROLE_ADMINISTRATOR, "member.role", j.buf)) != 0)
        return rc;
    if (!store_priv_valid_name(name) || role == STORE_ROLE_SYSTEM ||
        strcmp(store_role_name(role), "unknown") == 0)
        return STORE_ERR_INVALID;
    if ((rc = member_origin(s, name, creator, sizeof creator, &created_at)) <= 0)
        return rc < 0 ? rc : STORE_ERR_NOTFOUND;
    /* R12: a privileged role for an account this administrator made recently waits for a
     * second administrator: one person must not be able to make their own second identity. */
    wait = privileged(role) && strcmp(creator, sess->member) == 0 &&
           store_now(s) - created_at < (int64_t)store_grant_wait_days(s) * 86400;
    if ((rc = store_priv_begin(s)) != 0)
        return rc;
    if (wait) {
        if ((rc = grant_pending_add(s, name, role, 0, sess->member)) != 0)
            goto fail;
        if ((rc =
                 store_priv_audit(s, store_priv_who(s, sess, who, sizeof who), "member.role", j.buf,
                                  "pending: the grantor created the account; a second"
                                  " administrator confirms")) != 0)
            goto fail;
        if ((rc = store_priv_commit(s)) != 0)
            return rc;
        if (pending)
            *pending = 1;
        return 0;
    }
    rc = sqlite3_prepare_v2(
        s->db, "UPDATE members SET role = ? WHERE name = ? AND role <> 'system'", -1, &st, NULL);
    if (rc != SQLITE_OK) {
        rc = store_priv_err(rc);
        goto fail;
    }
    sqlite3_bind_text(st, 1, store_role_name(role), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        rc = store_priv_err(rc);
        goto fail;
    }
    if (sqlite3_changes(s->db) == 0) {
        rc = STORE_ERR_NOTFOUND;
        goto fail;
    }
    /* A role set directly supersedes any grant still waiting. A role change ends the member's
     * sessions: the new role applies from the next log-on. */
    if ((rc = grant_pending_add(s, name, role, 0, NULL)) != 0 ||
        (rc = store_priv_end_sessions(s, name, "role change")) != 0)
        goto fail;
    if ((rc = store_priv_audit(s, store_priv_who(s, sess, who, sizeof who), "member.role", j.buf,
                               "ok")) != 0)
        goto fail;
    if ((rc = store_priv_commit(s)) != 0)
        return rc;
    if (pending)
        *pending = 0;
    return 0;
fail:
    store_priv_rollback(s);
    return rc;
}

/* The grant waiting for name: 1 (and its fields), 0 none, or a STORE_ERR_*. */
static int grant_pending_get(struct store *s, const char *name, int64_t *id, char *role,
                             size_t rsize, int *new_account, char *by, size_t bsize)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db,
                                "SELECT id, role, new_account, granted_by FROM role_grants"
                                " WHERE member = ? AND confirmed_at IS NULL AND"
                                " cancelled_at IS NULL ORDER BY id DESC LIMIT 1",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        store_priv_col_text(st, 1, role, rsize);
        *new_account = sqlite3_column_int(st, 2);
        store_priv_col_text(st, 3, by, bsize);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : store_priv_err(rc);
}

/* Records a refusal of an authorised member's act; returns err. */
static int member_refused(struct store *s, const struct store_session *sess, const char *event,
                          const char *params, const char *outcome, int err)
{
    char who[STORE_NAME_MAX + 8];
    int rc =
        store_priv_audit_now(s, store_priv_who(s, sess, who, sizeof who), event, params, outcome);
    return rc != 0 ? rc : err;
}

int store_member_confirm(struct store *s, const struct store_session *sess, const char *name)
{
    struct store_json j;
    sqlite3_stmt *st;
    char who[STORE_NAME_MAX + 8], role[32] = "", by[STORE_NAME_MAX + 16] = "";
    char creator[STORE_NAME_MAX + 16] = "";
    int64_t grant = 0, created_at = 0;
    int new_account = 0, rc;
    store_json_init(&j);
    store_json_str(&j, "member", name ? name : "");
    store_json_end(&j);
    if ((rc = store_priv_authorize(s, sess, STORE_ROLE_ADMINISTRATOR, "member.confirm", j.buf)) !=
        0)
        return rc;
    if (!store_priv_valid_name(name))
        return STORE_ERR_INVALID;
    if ((rc = member_origin(s, name, creator, sizeof creator, &created_at)) <= 0)
        return rc < 0 ? rc : STORE_ERR_NOTFOUND;
    if ((rc = grant_pending_get(s, name, &grant, role, sizeof role, &new_account, by, sizeof by)) <=
        0)
        return rc < 0
                   ? rc
                   : member_refused(s, sess, "member.confirm", j.buf,
                                    "denied: no role grant awaits confirmation", STORE_ERR_STATE);
    if (strcmp(by, sess->member) == 0 || strcmp(creator, sess->member) == 0)
        return member_refused(s, sess, "member.confirm", j.buf,
                              "denied: the grantor or the account's creator cannot confirm",
                              STORE_ERR_DENIED);
    store_json_init(&j);
    store_json_str(&j, "member", name);
    store_json_str(&j, "role", role);
    store_json_str(&j, "granted_by", by);
    store_json_end(&j);
    if ((rc = store_priv_begin(s)) != 0)
        return rc;
    rc = sqlite3_prepare_v2(s->db,
                            new_account ? "UPDATE members SET disabled = 0, role = ?1 WHERE"
                                          " name = ?2 AND role <> 'system'"
                                        : "UPDATE members SET role = ?1 WHERE name = ?2 AND"
                                          " role <> 'system'",
                            -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, role, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
    }
    if (rc != SQLITE_DONE || sqlite3_changes(s->db) == 0) {
        rc = rc != SQLITE_DONE ? store_priv_err(rc) : STORE_ERR_STATE;
        goto fail;
    }
    rc = sqlite3_prepare_v2(
        s->db, "UPDATE role_grants SET confirmed_by = ?, confirmed_at = ? WHERE id = ?", -1, &st,
        NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, sess->member, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, store_now(s));
        sqlite3_bind_int64(st, 3, grant);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
    }
    if (rc != SQLITE_DONE) {
        rc = store_priv_err(rc);
        goto fail;
    }
    if ((!new_account && (rc = store_priv_end_sessions(s, name, "role change")) != 0) ||
        (rc = store_priv_audit(s, store_priv_who(s, sess, who, sizeof who), "member.confirm", j.buf,
                               "ok")) != 0)
        goto fail;
    return store_priv_commit(s);
fail:
    store_priv_rollback(s);
    return rc;
}

int store_member_set_training(struct store *s, const struct store_session *sess, const char *name,
                              int64_t training)
{
    struct store_json j;
    store_json_init(&j);
    store_json_str(&j, "member", name ? name : "");
    store_json_int(&j, "training", training);
    return update_member(s, sess, "member.training",
                         "UPDATE members SET training_date = ? WHERE name = ? AND role <> 'system'",
                         name, training > 0, training, store_json_end(&j));
}

int store_member_set_disabled(struct store *s, const struct store_session *sess, const char *name,
                              int disabled)
{
    struct store_json j;
    int rc;
    store_json_init(&j);
    store_json_str(&j, "member", name ? name : "");
    store_json_int(&j, "disabled", disabled != 0);
    store_json_end(&j);
    if (!disabled && store_priv_valid_name(name)) {
        /* A new privileged account is enabled by its confirmation, not by its creator. */
        char role[32], by[STORE_NAME_MAX + 16];
        int64_t grant;
        int new_account = 0;
        if ((rc = store_priv_authorize(s, sess, STORE_ROLE_ADMINISTRATOR, "member.disable",
                                       j.buf)) != 0)
            return rc;
        rc = grant_pending_get(s, name, &grant, role, sizeof role, &new_account, by, sizeof by);
        if (rc < 0)
            return rc;
        if (rc == 1 && new_account)
            return member_refused(s, sess, "member.disable", j.buf,
                                  "denied: the account awaits a second administrator's"
                                  " confirmation (alpr user confirm)",
                                  STORE_ERR_STATE);
    }
    rc = update_member(s, sess, "member.disable",
                       "UPDATE members SET disabled = ? WHERE name = ? AND role <> 'system'", name,
                       1, disabled != 0, j.buf);
    return rc == 0 && disabled ? store_priv_end_sessions(s, name, "disabled") : rc;
}

int store_member_set_os_uid(struct store *s, const struct store_session *sess, const char *name,
                            int64_t os_uid)
{
    struct store_json j;
    int rc;
    if (os_uid < 0)
        return STORE_ERR_INVALID;
    store_json_init(&j);
    store_json_str(&j, "member", name ? name : "");
    store_json_int(&j, "os_uid", os_uid);
    rc = update_member(s, sess, "member.bind",
                       "UPDATE members SET os_uid = ? WHERE name = ? AND role <> 'system'", name, 1,
                       os_uid, store_json_end(&j));
    return rc == 0 ? store_priv_end_sessions(s, name, "os account change") : rc;
}

int store_member_unlock(struct store *s, const struct store_session *sess, const char *name)
{
    struct store_json j;
    store_json_init(&j);
    store_json_str(&j, "member", name ? name : "");
    return update_member(s, sess, "member.unlock",
                         "UPDATE members SET locked_until = 0, failed_count = coalesce(?, 0)"
                         " WHERE name = ?",
                         name, 0, 0, store_json_end(&j));
}

int store_member_list(struct store *s, const struct store_session *sess,
                      struct store_member_list **out)
{
    struct store_member_list *list;
    sqlite3_stmt *st;
    size_t cap = 0;
    int rc;
    char who[STORE_NAME_MAX + 8];
    if ((rc = store_priv_authorize(s, sess, STORE_ROLE_ADMINISTRATOR | STORE_ROLE_AUDITOR,
                                   "member.list", "{}")) != 0)
        return rc;
    list = calloc(1, sizeof *list);
    if (!list)
        return STORE_ERR_NOMEM;
    rc = sqlite3_prepare_v2(s->db,
                            "SELECT id, name, role, coalesce(training_date, 0), locked_until,"
                            " failed_count, disabled, coalesce(os_uid, -1),"
                            " coalesce((SELECT g.role FROM role_grants g WHERE g.member ="
                            " members.name AND g.confirmed_at IS NULL AND g.cancelled_at IS"
                            " NULL ORDER BY g.id DESC LIMIT 1), ''), created_by FROM members"
                            " WHERE role <> 'system'"
                            " ORDER BY name",
                            -1, &st, NULL);
    if (rc != SQLITE_OK) {
        free(list);
        return store_priv_err(rc);
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_member *m;
        char role[32];
        void *room = store_priv_room(list->items, list->n, &cap, sizeof *list->items);
        if (!room) {
            rc = SQLITE_NOMEM;
            break;
        }
        list->items = room;
        m = &list->items[list->n++];
        m->id = sqlite3_column_int64(st, 0);
        store_priv_col_text(st, 1, m->name, sizeof m->name);
        store_priv_col_text(st, 2, role, sizeof role);
        if (store_role_parse(role, &m->role) != 0)
            m->role = STORE_ROLE_SYSTEM;
        m->training = sqlite3_column_int64(st, 3);
        m->locked_until = sqlite3_column_int64(st, 4);
        m->failed = sqlite3_column_int(st, 5);
        m->disabled = sqlite3_column_int(st, 6);
        m->os_uid = sqlite3_column_int64(st, 7);
        store_priv_col_text(st, 8, m->pending_role, sizeof m->pending_role);
        store_priv_col_text(st, 9, m->created_by, sizeof m->created_by);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        store_member_list_free(list);
        return store_priv_err(rc);
    }
    if ((rc = store_priv_audit_now(s, store_priv_who(s, sess, who, sizeof who), "member.list", "{}",
                                   "ok")) != 0) {
        store_member_list_free(list);
        return rc;
    }
    *out = list;
    return 0;
}

void store_member_list_free(struct store_member_list *list)
{
    if (!list)
        return;
    free(list->items);
    free(list);
}
