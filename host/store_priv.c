/* store_priv: helpers shared by the store modules (see store_priv.h). */
#include "store_priv.h"
#include "store_auth.h"

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
    j->closed = 0;
    j->failed = 0;
}

/* Leaves the object as "": never a truncated object (see store_priv.h). */
static void json_fail(struct store_json *j)
{
    j->failed = 1;
    j->buf[0] = '\0';
    j->len = 0;
}

/* Appends n bytes, keeping room for the closing brace and the NUL. */
static void json_put(struct store_json *j, const char *p, size_t n)
{
    if (j->failed)
        return;
    if (j->closed || n > sizeof j->buf - 2 - j->len) {
        json_fail(j);
        return;
    }
    memcpy(j->buf + j->len, p, n);
    j->len += n;
    j->buf[j->len] = '\0';
}

size_t store_priv_utf8_len(const unsigned char *p)
{
    unsigned char c = p[0];
    unsigned char lo = 0x80, hi = 0xbf;
    size_t n;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4;
    else
        return 0;
    /* The second byte's range excludes overlong forms, surrogates and code points > U+10FFFF. */
    if (c == 0xe0)
        lo = 0xa0;
    else if (c == 0xed)
        hi = 0x9f;
    else if (c == 0xf0)
        lo = 0x90;
    else if (c == 0xf4)
        hi = 0x8f;
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xbf)
            return 0;
    return n;
}

static void json_quoted(struct store_json *j, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    json_put(j, "\"", 1);
    while (*p) {
        size_t n = store_priv_utf8_len(p);
        if (n == 0) {
            json_put(j, "\\ufffd", 6);
            p++;
        } else if (*p == '"' || *p == '\\') {
            char esc[2] = {'\\', (char)*p};
            json_put(j, esc, 2);
            p++;
        } else if (*p < 0x20 || *p == 0x7f) {
            char esc[8];
            snprintf(esc, sizeof esc, "\\u%04x", *p);
            json_put(j, esc, 6);
            p++;
        } else {
            json_put(j, (const char *)p, n);
            p += n;
        }
    }
    json_put(j, "\"", 1);
}

static void json_key(struct store_json *j, const char *key)
{
    if (j->n++)
        json_put(j, ",", 1);
    json_quoted(j, key);
    json_put(j, ":", 1);
}

void store_json_str(struct store_json *j, const char *key, const char *val)
{
    json_key(j, key);
    if (val)
        json_quoted(j, val);
    else
        json_put(j, "null", 4);
}

void store_json_int(struct store_json *j, const char *key, int64_t val)
{
    char num[32];
    int n = snprintf(num, sizeof num, "%lld", (long long)val);
    json_key(j, key);
    json_put(j, num, (size_t)n);
}

const char *store_json_end(struct store_json *j)
{
    /* json_put keeps a byte free for the brace. */
    if (!j->failed && !j->closed) {
        j->buf[j->len++] = '}';
        j->buf[j->len] = '\0';
        j->closed = 1;
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

int store_priv_commit(struct store *s)
{
    /* No covered row commits without an audit entry holding it (store_policy.h). */
    int rc = store_policy_seal_rows(s);
    if (rc == 0)
        rc = store_priv_exec(s, "COMMIT");
    if (rc != 0)
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

const char *store_priv_who(const struct store *s, const struct store_session *sess, char *buf,
                           size_t size)
{
    if (!sess)
        snprintf(buf, size, "system:%s", s->system_name);
    else
        snprintf(buf, size, "%s", sess->member);
    return buf;
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

int store_priv_valid_text(const char *text, size_t max)
{
    size_t n = text ? strnlen(text, max + 1) : 0;
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0, len; i < n; i += len) {
        const unsigned char *p = (const unsigned char *)text + i;
        if (*p < 0x20 || *p == 0x7f || (len = store_priv_utf8_len(p)) == 0)
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

/* Passwords and sessions, shared by store_auth.c (log-on) and store_members.c. */

int store_priv_valid_password(const char *pw)
{
    size_t n = pw ? strnlen(pw, STORE_PASSWORD_MAX + 1) : 0;
    return n >= STORE_PASSWORD_MIN && n <= STORE_PASSWORD_MAX;
}

_Static_assert(STORE_PWHASH_STRBYTES == crypto_pwhash_STRBYTES, "STORE_PWHASH_STRBYTES");

int store_priv_hash_password(const char *pw, char out[STORE_PWHASH_STRBYTES])
{
    if (crypto_pwhash_str_alg(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        return STORE_ERR_NOMEM;
    return 0;
}

/* Ends every open session of member name (in the caller's transaction, or after its commit). */
int store_priv_end_sessions(struct store *s, const char *name, const char *reason)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db,
                                "UPDATE sessions SET ended_at = ?, end_reason = ?"
                                " WHERE ended_at IS NULL AND member_id ="
                                " (SELECT id FROM members WHERE name = ?)",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    sqlite3_bind_int64(st, 1, store_now(s));
    sqlite3_bind_text(st, 2, reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, name, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : store_priv_err(rc);
}

int store_priv_step_once(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : store_priv_err(rc);
}
