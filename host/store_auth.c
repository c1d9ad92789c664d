/* store_auth: passwords, log-on, sessions, lock-out (see store_auth.h). */
#include "store_auth.h"
#include "store_priv.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Looks up a member for log-on. Returns 1 found, 0 not found, negative error. */
static int fetch_member(struct store *s, const char *name, int64_t *id, char *role, size_t rsize,
                        char *hash, size_t hsize, int64_t *training, int *has_training, int *failed,
                        int64_t *locked_until, int *disabled, int64_t *os_uid)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db,
                                "SELECT id, role, pwhash, training_date, failed_count,"
                                " locked_until, disabled, coalesce(os_uid, -1)"
                                " FROM members WHERE name = ?",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        store_priv_col_text(st, 1, role, rsize);
        store_priv_col_text(st, 2, hash, hsize);
        *has_training = sqlite3_column_type(st, 3) != SQLITE_NULL;
        *training = sqlite3_column_int64(st, 3);
        *failed = sqlite3_column_int(st, 4);
        *locked_until = sqlite3_column_int64(st, 5);
        *disabled = sqlite3_column_int(st, 6);
        *os_uid = sqlite3_column_int64(st, 7);
        rc = 1;
    } else {
        rc = rc == SQLITE_DONE ? 0 : store_priv_err(rc);
    }
    sqlite3_finalize(st);
    return rc;
}

static int set_failures(struct store *s, int64_t id, int failed, int64_t locked_until)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db,
                                "UPDATE members SET failed_count = ?, locked_until = ?"
                                " WHERE id = ?",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    sqlite3_bind_int(st, 1, failed);
    sqlite3_bind_int64(st, 2, locked_until);
    sqlite3_bind_int64(st, 3, id);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : store_priv_err(rc);
}

/* Writes a log-on refusal (and the failure counter change) in one transaction. */
static int login_refused(struct store *s, const char *name, const char *outcome, int64_t id,
                         int failed, int64_t locked_until, int err)
{
    struct store_json j;
    int rc;
    store_json_init(&j);
    store_json_str(&j, "member", name);
    store_json_end(&j);
    if ((rc = store_priv_begin(s)) != 0)
        return rc;
    if (id > 0 && (rc = set_failures(s, id, failed, locked_until)) != 0)
        goto fail;
    if ((rc = store_priv_audit(s, store_priv_valid_name(name) ? name : "(invalid name)", "login",
                               j.buf, outcome)) != 0)
        goto fail;
    rc = store_priv_commit(s);
    return rc != 0 ? rc : err;
fail:
    store_priv_rollback(s);
    return rc;
}

/*
 * Verifies password against hash, or against the handle's dummy hash when hash is NULL or "", so
 * that a name without a usable hash costs the same time as a wrong password. Returns 1 when the
 * password is right (never for the dummy), 0 when not, or a STORE_ERR_*.
 */
static int password_matches(struct store *s, const char *hash, const char *password)
{
    int dummy = !hash || !hash[0];
    if (!s->dummy_hash[0]) {
        char pw[33];
        unsigned char raw[16];
        int rc;
        randombytes_buf(raw, sizeof raw);
        sodium_bin2hex(pw, sizeof pw, raw, sizeof raw);
        rc = store_priv_hash_password(pw, s->dummy_hash);
        sodium_memzero(pw, sizeof pw);
        if (rc != 0) {
            s->dummy_hash[0] = '\0';
            return rc;
        }
    }
    if (!password)
        password = "";
    return crypto_pwhash_str_verify(dummy ? s->dummy_hash : hash, password, strlen(password)) ==
               0 &&
           !dummy;
}

/*
 * A wrong password for member id (found, may log on from here): counts toward the lock-out
 * (max_failed_logons in a row lock it for lockout_seconds); while locked, the lock stands.
 */
static int wrong_password(struct store *s, const char *name, int64_t id, int failed,
                          int64_t locked_until, int disabled)
{
    int64_t now = store_now(s);
    int max_fail = (int)store_priv_setting(s, "max_failed_logons", 5);
    if (locked_until > now)
        return login_refused(s, name, "failed: wrong password (account locked)", id, failed + 1,
                             locked_until, STORE_ERR_AUTH);
    if (++failed >= max_fail)
        return login_refused(s, name,
                             disabled ? "failed: wrong password (account disabled); account locked"
                                      : "failed: wrong password; account locked",
                             id, 0, now + store_priv_setting(s, "lockout_seconds", 1800),
                             STORE_ERR_AUTH);
    return login_refused(
        s, name, disabled ? "failed: wrong password (account disabled)" : "failed: wrong password",
        id, failed, 0, STORE_ERR_AUTH);
}

/*
 * Logs on. Every answer that is not a session is STORE_ERR_AUTH after one Argon2 verification,
 * whether the name is unknown, the account disabled or locked, or the password wrong: only the
 * audit log says which (a guesser learns neither which names exist nor which passwords were
 * right). The exceptions come before the password or after a right one: a member bound to
 * another OS account (DENIED, without counting), and missing training (TRAINING).
 */
int store_login(struct store *s, const char *name, const char *password, struct store_session *sess,
                char token[STORE_TOKEN_HEX])
{
    char role[32], hash[crypto_pwhash_STRBYTES + 1], tok[STORE_TOKEN_HEX], th[65];
    unsigned char raw[32];
    int64_t id = 0, training = 0, locked_until = 0, os_uid = -1, now = store_now(s);
    int has_training = 0, failed = 0, disabled = 0, rc, right;
    enum store_role r;
    struct store_json j;
    sqlite3_stmt *st;

    if (!store_priv_valid_name(name)) {
        if ((rc = password_matches(s, NULL, password)) < 0)
            return rc;
        return login_refused(s, name ? name : "", "failed: invalid member name", 0, 0, 0,
                             STORE_ERR_AUTH);
    }
    rc = fetch_member(s, name, &id, role, sizeof role, hash, sizeof hash, &training, &has_training,
                      &failed, &locked_until, &disabled, &os_uid);
    if (rc < 0)
        return rc;
    if (rc == 0 || strcmp(role, "system") == 0 || !hash[0]) {
        if ((rc = password_matches(s, NULL, password)) < 0)
            return rc;
        return login_refused(s, name,
                             id ? "failed: system account cannot log on" : "failed: unknown member",
                             0, 0, 0, STORE_ERR_AUTH);
    }
    /* Before the password: another OS account may neither guess it nor lock the member out. */
    if (s->peer_uid != STORE_PEER_NONE && os_uid != s->peer_uid)
        return login_refused(s, name,
                             os_uid < 0 ? "denied: member not bound to an OS account"
                                        : "denied: not the member's OS account",
                             0, 0, 0, STORE_ERR_DENIED);
    if ((right = password_matches(s, hash, password)) < 0)
        return right;
    if (!right)
        return wrong_password(s, name, id, failed, locked_until, disabled);
    if (locked_until > now)
        return login_refused(s, name, "denied: account locked (password right)", id, failed,
                             locked_until, STORE_ERR_AUTH);
    if (disabled)
        return login_refused(s, name, "denied: account disabled (password right)", id, 0, 0,
                             STORE_ERR_AUTH);
    if (!has_training || training > now)
        return login_refused(s, name, "denied: no training completion", id, 0, 0,
                             STORE_ERR_TRAINING);
    if (store_role_parse(role, &r) != 0)
        return STORE_ERR_IO;

    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(tok, sizeof tok, raw, sizeof raw);
    store_priv_sha256_hex(tok, 64, th);
    if ((rc = store_priv_begin(s)) != 0)
        return rc;
    if ((rc = set_failures(s, id, 0, 0)) != 0)
        goto fail;
    rc = sqlite3_prepare_v2(s->db,
                            "INSERT INTO sessions(member_id, token_hash, created_at, last_seen,"
                            " peer_uid) VALUES(?, ?, ?, ?, ?)",
                            -1, &st, NULL);
    if (rc != SQLITE_OK) {
        rc = store_priv_err(rc);
        goto fail;
    }
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, th, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, now);
    sqlite3_bind_int64(st, 4, now);
    if (s->peer_uid != STORE_PEER_NONE)
        sqlite3_bind_int64(st, 5, s->peer_uid);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        rc = store_priv_err(rc);
        goto fail;
    }
    sess->session_id = sqlite3_last_insert_rowid(s->db);
    store_json_init(&j);
    store_json_str(&j, "member", name);
    store_json_int(&j, "session", sess->session_id);
    if ((rc = store_priv_audit(s, name, "login", store_json_end(&j), "ok")) != 0)
        goto fail;
    if ((rc = store_priv_commit(s)) != 0)
        return rc;
    sess->member_id = id;
    sess->role = r;
    snprintf(sess->member, sizeof sess->member, "%s", name);
    memcpy(token, tok, STORE_TOKEN_HEX);
    sodium_memzero(tok, sizeof tok);
    return 0;
fail:
    store_priv_rollback(s);
    return rc;
}

int store_session_resume(struct store *s, const char *token, struct store_session *sess)
{
    struct store_session tmp;
    sqlite3_stmt *st;
    char th[65], role[32] = "";
    int rc;
    if (!token || strlen(token) != 64)
        return STORE_ERR_EXPIRED;
    store_priv_sha256_hex(token, 64, th);
    rc = sqlite3_prepare_v2(s->db,
                            "SELECT s.id, m.id, m.name, m.role FROM sessions s JOIN members m"
                            " ON m.id = s.member_id WHERE s.token_hash = ?",
                            -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    sqlite3_bind_text(st, 1, th, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    memset(&tmp, 0, sizeof tmp);
    if (rc == SQLITE_ROW) {
        tmp.session_id = sqlite3_column_int64(st, 0);
        tmp.member_id = sqlite3_column_int64(st, 1);
        store_priv_col_text(st, 2, tmp.member, sizeof tmp.member);
        store_priv_col_text(st, 3, role, sizeof role);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? STORE_ERR_EXPIRED : store_priv_err(rc);
    if (store_role_parse(role, &tmp.role) != 0)
        return STORE_ERR_DENIED;
    rc = store_priv_authorize(s, &tmp, STORE_ROLE_MEMBERS, "session.resume", "{}");
    if (rc != 0)
        return rc;
    *sess = tmp;
    return 0;
}

int store_logout(struct store *s, const struct store_session *sess)
{
    struct store_json j;
    sqlite3_stmt *st;
    int rc;
    if (!sess)
        return STORE_ERR_INVALID;
    store_json_init(&j);
    store_json_int(&j, "session", sess->session_id);
    store_json_end(&j);
    if ((rc = store_priv_begin(s)) != 0)
        return rc;
    rc = sqlite3_prepare_v2(s->db,
                            "UPDATE sessions SET ended_at = ?, end_reason = 'logout'"
                            " WHERE id = ? AND member_id = ? AND ended_at IS NULL",
                            -1, &st, NULL);
    if (rc != SQLITE_OK) {
        rc = store_priv_err(rc);
        goto fail;
    }
    sqlite3_bind_int64(st, 1, store_now(s));
    sqlite3_bind_int64(st, 2, sess->session_id);
    sqlite3_bind_int64(st, 3, sess->member_id);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        rc = store_priv_err(rc);
        goto fail;
    }
    rc = sqlite3_changes(s->db) ? 0 : STORE_ERR_EXPIRED;
    if (store_priv_audit(s, sess->member, "logout", j.buf, rc == 0 ? "ok" : "failed: no session") !=
        0) {
        rc = STORE_ERR_IO;
        goto fail;
    }
    {
        int crc = store_priv_commit(s);
        return crc != 0 ? crc : rc;
    }
fail:
    store_priv_rollback(s);
    return rc;
}

/*
 * A wrong current password in a password change counts toward the lock-out like a wrong log-on
 * (else a stolen session could guess the password without limit). When it locks the account,
 * the member's sessions end with it. Returns STORE_ERR_AUTH or a STORE_ERR_*.
 */
static int wrong_old_password(struct store *s, const struct store_session *sess, const char *name,
                              int64_t id, int failed, const char *params)
{
    int max_fail = (int)store_priv_setting(s, "max_failed_logons", 5), locks, rc;
    locks = ++failed >= max_fail;
    if ((rc = store_priv_begin(s)) != 0)
        return rc;
    if ((rc = set_failures(s, id, locks ? 0 : failed,
                           locks ? store_now(s) + store_priv_setting(s, "lockout_seconds", 1800)
                                 : 0)) != 0 ||
        (locks && (rc = store_priv_end_sessions(s, name, "locked")) != 0) ||
        (rc = store_priv_audit(s, sess->member, "password.change", params,
                               locks ? "failed: wrong current password; account locked"
                                     : "failed: wrong current password")) != 0) {
        store_priv_rollback(s);
        return rc;
    }
    rc = store_priv_commit(s);
    return rc != 0 ? rc : STORE_ERR_AUTH;
}

int store_password_change(struct store *s, const struct store_session *sess, const char *name,
                          const char *old_password, const char *new_password)
{
    char role[32], hash[crypto_pwhash_STRBYTES + 1], nh[crypto_pwhash_STRBYTES];
    char who[STORE_NAME_MAX + 8];
    int64_t id, training, locked, os_uid;
    int has_training, failed, disabled, own, rc;
    struct store_json j;
    sqlite3_stmt *st;

    store_json_init(&j);
    store_json_str(&j, "member", name ? name : "");
    store_json_end(&j);
    own = sess && name && strcmp(sess->member, name) == 0;
    rc = store_priv_authorize(s, sess, own ? STORE_ROLE_MEMBERS : STORE_ROLE_ADMINISTRATOR,
                              "password.change", j.buf);
    if (rc != 0)
        return rc;
    if (!store_priv_valid_name(name) || !store_priv_valid_password(new_password))
        return STORE_ERR_INVALID;
    rc = fetch_member(s, name, &id, role, sizeof role, hash, sizeof hash, &training, &has_training,
                      &failed, &locked, &disabled, &os_uid);
    if (rc < 0)
        return rc;
    if (rc == 0 || strcmp(role, "system") == 0)
        return STORE_ERR_NOTFOUND;
    if (own &&
        (!old_password || crypto_pwhash_str_verify(hash, old_password, strlen(old_password)) != 0))
        return wrong_old_password(s, sess, name, id, failed, j.buf);
    if ((rc = store_priv_hash_password(new_password, nh)) != 0)
        return rc;
    if ((rc = store_priv_begin(s)) != 0)
        return rc;
    rc = sqlite3_prepare_v2(s->db,
                            "UPDATE members SET pwhash = ?, password_changed_at = ?,"
                            " failed_count = 0 WHERE id = ?",
                            -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, nh, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, store_now(s));
        sqlite3_bind_int64(st, 3, id);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
    }
    if (rc != SQLITE_DONE) {
        rc = store_priv_err(rc);
        goto fail;
    }
    rc = sqlite3_prepare_v2(s->db,
                            "UPDATE sessions SET ended_at = ?, end_reason = 'password change'"
                            " WHERE member_id = ? AND ended_at IS NULL AND id <> ?",
                            -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, store_now(s));
        sqlite3_bind_int64(st, 2, id);
        sqlite3_bind_int64(st, 3, sess->session_id);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
    }
    if (rc != SQLITE_DONE) {
        rc = store_priv_err(rc);
        goto fail;
    }
    if ((rc = store_priv_audit(s, store_priv_who(s, sess, who, sizeof who), "password.change",
                               j.buf, "ok")) != 0)
        goto fail;
    return store_priv_commit(s);
fail:
    store_priv_rollback(s);
    return rc;
}
