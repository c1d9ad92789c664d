/* store_priv: helpers shared by the store modules (see store_priv.h). */
#include "store_priv.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void store_json_init(struct store_json *j)
{
    j->buf[0] = '{';
    j->buf[1] = '\0';
    j->len = 1;
    j->n = 0;
}

static void json_putc(struct store_json *j, char c)
{
    if (j->len + 2 < sizeof j->buf) {
        j->buf[j->len++] = c;
        j->buf[j->len] = '\0';
    }
}

static void json_puts(struct store_json *j, const char *s)
{
    for (; *s; s++)
        json_putc(j, *s);
}

static void json_quoted(struct store_json *j, const char *s)
{
    json_putc(j, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            json_putc(j, '\\');
            json_putc(j, (char)*p);
        } else if (*p < 0x20) {
            char esc[8];
            snprintf(esc, sizeof esc, "\\u%04x", *p);
            json_puts(j, esc);
        } else {
            json_putc(j, (char)*p);
        }
    }
    json_putc(j, '"');
}

static void json_key(struct store_json *j, const char *key)
{
    if (j->n++)
        json_putc(j, ',');
    json_quoted(j, key);
    json_putc(j, ':');
}

void store_json_str(struct store_json *j, const char *key, const char *val)
{
    json_key(j, key);
    if (val)
        json_quoted(j, val);
    else
        json_puts(j, "null");
}

void store_json_int(struct store_json *j, const char *key, int64_t val)
{
    char num[32];
    json_key(j, key);
    snprintf(num, sizeof num, "%lld", (long long)val);
    json_puts(j, num);
}

const char *store_json_end(struct store_json *j)
{
    /* Room for the closing brace is always kept by json_putc's bound. */
    if (j->len + 1 < sizeof j->buf) {
        j->buf[j->len++] = '}';
        j->buf[j->len] = '\0';
    }
    return j->buf;
}

int store_priv_err(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return 0;
    case SQLITE_FULL:
        return STORE_ERR_FULL;
    case SQLITE_NOMEM:
        return STORE_ERR_NOMEM;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return STORE_ERR_BUSY;
    case SQLITE_CONSTRAINT:
        return STORE_ERR_INVALID;
    default:
        return STORE_ERR_IO;
    }
}

sqlite3_stmt *store_priv_stmt(struct store *s, enum store_stmt which, const char *sql)
{
    if (!s->stmt[which]) {
        if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->stmt[which], NULL) !=
            SQLITE_OK)
            return NULL;
    } else {
        sqlite3_reset(s->stmt[which]);
        sqlite3_clear_bindings(s->stmt[which]);
    }
    return s->stmt[which];
}

sqlite3_stmt *store_priv_cached(struct store *s, const char *sql)
{
    unsigned slot;
    char *copy;
    for (unsigned i = 0; i < STORE_QCACHE_SIZE; i++) {
        if (s->qcache[i].sql && strcmp(s->qcache[i].sql, sql) == 0) {
            sqlite3_reset(s->qcache[i].st);
            sqlite3_clear_bindings(s->qcache[i].st);
            return s->qcache[i].st;
        }
    }
    copy = strdup(sql);
    if (!copy)
        return NULL;
    slot = s->qcache_next++ % STORE_QCACHE_SIZE;
    sqlite3_finalize(s->qcache[slot].st);
    free(s->qcache[slot].sql);
    s->qcache[slot].sql = NULL;
    s->qcache[slot].st = NULL;
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->qcache[slot].st, NULL) !=
        SQLITE_OK) {
        sqlite3_finalize(s->qcache[slot].st);
        s->qcache[slot].st = NULL;
        free(copy);
        return NULL;
    }
    s->qcache[slot].sql = copy;
    return s->qcache[slot].st;
}

int store_priv_exec(struct store *s, const char *sql)
{
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    return store_priv_err(rc);
}

int store_priv_begin(struct store *s)
{
    return store_priv_exec(s, "BEGIN IMMEDIATE");
}

int store_priv_commit(struct store *s)
{
    int rc = store_priv_exec(s, "COMMIT");
    if (rc != 0)
        store_priv_rollback(s);
    return rc;
}

int store_priv_finish_change(struct store *s, int step_rc, const char *member, const char *event,
                             const char *params)
{
    int rc;
    if (step_rc != SQLITE_DONE)
        rc = store_priv_err(step_rc);
    else if (sqlite3_changes(s->db) == 0)
        rc = STORE_ERR_NOTFOUND;
    else if ((rc = store_priv_audit(s, member, event, params, "ok")) == 0)
        return store_priv_commit(s);
    store_priv_rollback(s);
    return rc;
}

void store_priv_rollback(struct store *s)
{
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

void store_priv_bind_text(sqlite3_stmt *st, int idx, const char *v)
{
    if (v && *v)
        sqlite3_bind_text(st, idx, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, idx);
}

void store_priv_col_text(sqlite3_stmt *st, int col, char *dst, size_t size)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(dst, size, "%s", t ? (const char *)t : "");
}

void *store_priv_room(void *items, size_t n, size_t *cap, size_t elem)
{
    size_t ncap;
    void *p;
    if (n < *cap)
        return items;
    ncap = *cap ? *cap * 2 : 16;
    p = realloc(items, ncap * elem);
    if (p)
        *cap = ncap;
    return p;
}

int64_t store_priv_setting(struct store *s, const char *key, int64_t def)
{
    sqlite3_stmt *st;
    int64_t v = def;
    if (sqlite3_prepare_v2(s->db, "SELECT value FROM settings WHERE key = ?", -1, &st, NULL) !=
        SQLITE_OK)
        return def;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

int store_priv_audit_now(struct store *s, const char *member, const char *event, const char *params,
                         const char *outcome)
{
    int rc = store_priv_begin(s);
    if (rc != 0)
        return rc;
    if ((rc = store_priv_audit(s, member, event, params, outcome)) != 0) {
        store_priv_rollback(s);
        return rc;
    }
    return store_priv_commit(s);
}

const char *store_priv_who(const struct store *s, const struct store_session *sess, char *buf,
                           size_t size)
{
    if (!sess)
        snprintf(buf, size, "system:%s", s->system_name);
    else
        snprintf(buf, size, "%s", sess->member);
    return buf;
}

static int deny(struct store *s, const struct store_session *sess, const char *event,
                const char *params, const char *why, int err)
{
    char outcome[128];
    snprintf(outcome, sizeof outcome, "denied: %s", why);
    int rc = store_priv_audit_now(s, sess && sess->member[0] ? sess->member : "(none)", event,
                                  params ? params : "{}", outcome);
    return rc != 0 ? rc : err;
}

int store_priv_authorize(struct store *s, const struct store_session *sess, unsigned roles,
                         const char *event, const char *params)
{
    sqlite3_stmt *st;
    int rc, found;
    int64_t now = store_now(s), last_seen = 0, training = 0, ended = 0, locked_until = 0;
    int64_t peer_uid = STORE_PEER_NONE;
    int disabled = 0, has_training = 0;
    char role[32] = "";
    enum store_role r;
    if (!sess)
        return deny(s, sess, event, params, "no session", STORE_ERR_DENIED);
    rc = sqlite3_prepare_v2(s->db,
                            "SELECT s.ended_at, s.last_seen, m.role, m.disabled, m.training_date,"
                            " coalesce(s.peer_uid, -1), m.locked_until"
                            " FROM sessions s JOIN members m ON m.id = s.member_id"
                            " WHERE s.id = ? AND m.id = ?",
                            -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    sqlite3_bind_int64(st, 1, sess->session_id);
    sqlite3_bind_int64(st, 2, sess->member_id);
    rc = sqlite3_step(st);
    found = rc == SQLITE_ROW;
    if (found) {
        ended = sqlite3_column_type(st, 0) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 0);
        if (sqlite3_column_type(st, 0) != SQLITE_NULL && ended == 0)
            ended = 1;
        last_seen = sqlite3_column_int64(st, 1);
        store_priv_col_text(st, 2, role, sizeof role);
        disabled = sqlite3_column_int(st, 3);
        has_training = sqlite3_column_type(st, 4) != SQLITE_NULL;
        training = sqlite3_column_int64(st, 4);
        peer_uid = sqlite3_column_int64(st, 5);
        locked_until = sqlite3_column_int64(st, 6);
    }
    sqlite3_finalize(st);
    if (!found)
        return deny(s, sess, event, params, "unknown session", STORE_ERR_EXPIRED);
    if (ended)
        return deny(s, sess, event, params, "session ended", STORE_ERR_EXPIRED);
    /* A token copied to another OS account is worth nothing there. */
    if (s->peer_uid != STORE_PEER_NONE && peer_uid != s->peer_uid)
        return deny(s, sess, event, params, "session of another OS account", STORE_ERR_DENIED);
    if (locked_until > now)
        return deny(s, sess, event, params, "account locked", STORE_ERR_LOCKED);
    if (now - last_seen > store_priv_setting(s, "session_idle_seconds", 1800)) {
        sqlite3_stmt *up;
        if (sqlite3_prepare_v2(s->db,
                               "UPDATE sessions SET ended_at = ?, end_reason = 'idle'"
                               " WHERE id = ? AND ended_at IS NULL",
                               -1, &up, NULL) == SQLITE_OK) {
            sqlite3_bind_int64(up, 1, now);
            sqlite3_bind_int64(up, 2, sess->session_id);
            sqlite3_step(up);
            sqlite3_finalize(up);
        }
        return deny(s, sess, event, params, "session idle too long", STORE_ERR_EXPIRED);
    }
    if (disabled)
        return deny(s, sess, event, params, "account disabled", STORE_ERR_DENIED);
    if (!has_training || training > now)
        return deny(s, sess, event, params, "no training completion", STORE_ERR_TRAINING);
    if (store_role_parse(role, &r) != 0 || !((unsigned)r & roles) || r != sess->role)
        return deny(s, sess, event, params, "role not allowed", STORE_ERR_DENIED);
    /* Refresh the idle timer at most once a minute: one write transaction less per call. */
    if (now - last_seen < 60)
        return 0;
    rc = sqlite3_prepare_v2(s->db, "UPDATE sessions SET last_seen = ? WHERE id = ?", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int64(st, 2, sess->session_id);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : store_priv_err(rc);
}

void store_priv_sha256_hex(const void *data, size_t len, char hex[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(hex, 65, h, sizeof h);
}

int store_priv_valid_name(const char *name)
{
    size_t n = name ? strnlen(name, STORE_NAME_MAX + 1) : 0;
    if (n == 0 || n > STORE_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

void store_priv_bind_named_int(sqlite3_stmt *st, const char *name, int64_t v)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (i > 0)
        sqlite3_bind_int64(st, i, v);
}

void store_priv_bind_named_text(sqlite3_stmt *st, const char *name, const char *v)
{
    int i = sqlite3_bind_parameter_index(st, name);
    if (i > 0)
        store_priv_bind_text(st, i, v);
}
