/* store_policy: the clock check, BEGIN, authorisation and audit appends (see store_policy.h). */
#include "store_policy.h"
#include "store_key.h"
#include "store_priv.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define CLOCK_OUTCOME "refused: the system clock is earlier than the last audit entry"

static void hash_field(crypto_hash_sha256_state *h, const char *v)
{
    char len[24];
    size_t n = strlen(v);
    snprintf(len, sizeof len, "%zu:", n);
    crypto_hash_sha256_update(h, (const unsigned char *)len, strlen(len));
    crypto_hash_sha256_update(h, (const unsigned char *)v, n);
}

void store_policy_entry_hash(const char *prev, int64_t id, int64_t ts, const char *member,
                             const char *event, const char *params, const char *outcome,
                             const char *rows, char hex[65])
{
    crypto_hash_sha256_state h;
    unsigned char out[crypto_hash_sha256_BYTES];
    char num[32];
    crypto_hash_sha256_init(&h);
    hash_field(&h, prev);
    snprintf(num, sizeof num, "%lld", (long long)id);
    hash_field(&h, num);
    snprintf(num, sizeof num, "%lld", (long long)ts);
    hash_field(&h, num);
    hash_field(&h, member);
    hash_field(&h, event);
    hash_field(&h, params);
    hash_field(&h, outcome);
    /* Entries without row images hash as before they existed: older chains still verify. */
    if (rows && *rows)
        hash_field(&h, rows);
    crypto_hash_sha256_final(&h, out);
    sodium_bin2hex(hex, 65, out, sizeof out);
}

int store_policy_entry_mac(const struct store *s, const char *hash, char hex[65])
{
    unsigned char out[32];
    if (!s->audit_key)
        return STORE_ERR_STATE;
    crypto_generichash(out, sizeof out, (const unsigned char *)hash, strlen(hash),
                       store_key_bytes(s->audit_key), STORE_KEY_BYTES);
    sodium_bin2hex(hex, 65, out, sizeof out);
    return 0;
}

/*
 * The row images the coverage triggers staged in this transaction (store_audit.h), as one JSON
 * array, or NULL when none: *rows is sqlite3_malloc'ed. The stage is emptied: the entry about
 * to be appended holds them.
 */
static int drain_stage(struct store *s, char **rows)
{
    sqlite3_stmt *st;
    const unsigned char *t;
    int rc;
    *rows = NULL;
    /* clang-format off */
    st = store_priv_cached(s,
        "SELECT json_group_array(json_array(tbl, row_id, json(image)))"
        " FROM (SELECT tbl, row_id, image FROM audit_stage ORDER BY seq)"
        " HAVING count(*) > 0");
    /* clang-format on */
    if (!st)
        /* A store opened below the schema of the stage (store_open_at_version) has none. */
        return strncmp(sqlite3_errmsg(s->db), "no such table", 13) == 0
                   ? 0
                   : store_priv_err(sqlite3_errcode(s->db));
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && (t = sqlite3_column_text(st, 0)) != NULL &&
        !(*rows = sqlite3_mprintf("%s", (const char *)t)))
        rc = SQLITE_NOMEM;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_priv_err(rc);
    if (!*rows)
        return 0;
    if (!(st = store_priv_cached(s, "DELETE FROM audit_stage")) ||
        (rc = sqlite3_step(st)) != SQLITE_DONE) {
        rc = st ? rc : sqlite3_errcode(s->db);
        if (st)
            sqlite3_reset(st);
        sqlite3_free(*rows);
        *rows = NULL;
        return store_priv_err(rc);
    }
    sqlite3_reset(st);
    return 0;
}

/* The log's last entry: id (0 for an empty log), hash, and time (has_ts 0 for an empty log). */
struct head {
    int64_t id;
    char hash[65];
    int has_ts;
    int64_t ts;
    int keyed;  /* the last entry has a MAC */
    int staged; /* audit_stage holds rows */
};

static int read_head(struct store *s, struct head *h)
{
    /* clang-format off */
    sqlite3_stmt *st = store_priv_stmt(s, STORE_STMT_AUDIT_HEAD,
        "SELECT h.last_id, h.hash, a.ts, a.mac IS NOT NULL,"
        " EXISTS(SELECT 1 FROM audit_stage)"
        " FROM audit_head h"
        " LEFT JOIN audit a ON a.id = h.last_id");
    /* clang-format on */
    int rc;
    if (!st && strncmp(sqlite3_errmsg(s->db), "no such ", 8) == 0)
        /* Below the schema of MACs (store_open_at_version): no entry is keyed, nothing staged. */
        st = store_priv_cached(s, "SELECT h.last_id, h.hash, a.ts, 0, 0 FROM audit_head h"
                                  " LEFT JOIN audit a ON a.id = h.last_id");
    if (!st)
        return STORE_ERR_IO;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        h->id = sqlite3_column_int64(st, 0);
        store_priv_col_text(st, 1, h->hash, sizeof h->hash);
        h->has_ts = sqlite3_column_type(st, 2) != SQLITE_NULL;
        h->ts = sqlite3_column_int64(st, 2);
        h->keyed = sqlite3_column_int(st, 3);
        h->staged = sqlite3_column_int(st, 4);
    }
    /* Reset at once: a statement left on a row would hold its read snapshot open. */
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return rc == SQLITE_DONE ? STORE_ERR_TAMPER : store_priv_err(rc);
    return 0;
}

/* Appends entry h->id + 1 dated ts after head h, inside the caller's transaction, holding the
 * staged row images and, with an audit key, the entry's MAC. */
static int append(struct store *s, const struct head *h, int64_t ts, const char *member,
                  const char *event, const char *params, const char *outcome)
{
    sqlite3_stmt *st;
    char hash[65], mac[65];
    char *rows = NULL;
    int rc, keyed;
    if ((rc = drain_stage(s, &rows)) != 0)
        return rc;
    store_policy_entry_hash(h->hash, h->id + 1, ts, member, event, params, outcome, rows, hash);
    keyed = store_policy_entry_mac(s, hash, mac) == 0;
    /* The WHERE keeps anything but a JSON object out of the chain, whoever built params. */
    /* clang-format off */
    st = store_priv_stmt(s, STORE_STMT_AUDIT_INSERT,
        "INSERT INTO audit(id, ts, member, event, params, outcome, prev_hash, hash, row_images,"
        " mac)"
        " SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10"
        " WHERE CASE WHEN json_valid(?5) THEN json_type(?5) = 'object' ELSE 0 END");
    /* clang-format on */
    if (!st && strncmp(sqlite3_errmsg(s->db), "table audit has no column", 25) == 0)
        /* Below the schema of MACs and row images (store_open_at_version): as it was then. */
        st = store_priv_cached(s, "INSERT INTO audit(id, ts, member, event, params, outcome,"
                                  " prev_hash, hash) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8"
                                  " WHERE CASE WHEN json_valid(?5) THEN json_type(?5) = 'object'"
                                  " ELSE 0 END");
    if (!st) {
        sqlite3_free(rows);
        return STORE_ERR_IO;
    }
    sqlite3_bind_int64(st, 1, h->id + 1);
    sqlite3_bind_int64(st, 2, ts);
    sqlite3_bind_text(st, 3, member, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, event, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, params, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, outcome, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 7, h->hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 8, hash, -1, SQLITE_TRANSIENT);
    if (rows)
        sqlite3_bind_text(st, 9, rows, -1, sqlite3_free);
    else
        sqlite3_bind_null(st, 9);
    if (keyed)
        sqlite3_bind_text(st, 10, mac, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 10);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rc != SQLITE_DONE)
        return store_priv_err(rc);
    if (sqlite3_changes(s->db) != 1)
        return STORE_ERR_INVALID;

    st = store_priv_stmt(s, STORE_STMT_AUDIT_SET_HEAD,
                         "UPDATE audit_head SET last_id = ?, hash = ?");
    if (!st)
        return STORE_ERR_IO;
    sqlite3_bind_int64(st, 1, h->id + 1);
    sqlite3_bind_text(st, 2, hash, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_priv_err(rc);
}

int store_policy_seal_rows(struct store *s)
{
    struct head h;
    int64_t now = store_now(s);
    int rc;
    if (sqlite3_get_autocommit(s->db) || (rc = read_head(s, &h)) != 0)
        return 0; /* no transaction, or no log yet (a migration's first steps) */
    /* Unkeyed: a migration's staged rows wait for the first keyed entry. */
    if (!h.keyed || !h.staged)
        return 0;
    return append(s, &h, now > h.ts ? now : h.ts, "(store)", "audit.rows", "{}", "ok");
}

int store_priv_audit(struct store *s, const char *member, const char *event, const char *params,
                     const char *outcome)
{
    struct head h;
    int64_t now = store_now(s);
    int rc;
    if (!member || !event || !params || !outcome)
        return STORE_ERR_INVALID;
    if ((rc = read_head(s, &h)) != 0)
        return rc;
    if (h.has_ts && now < h.ts)
        return STORE_ERR_CLOCK;
    return append(s, &h, now, member, event, params, outcome);
}

/*
 * At the start of a write transaction the stage must be empty: rows staged now were changed
 * outside the store (raw SQLite with the triggers in place), and the entry this transaction
 * appends must not take them in as its own. Discarded, those rows no longer match their chained
 * images, and store_audit_verify() names them. Only once the chain is keyed: before, the stage
 * holds the rows a migration staged for the first keyed entry. Rolls back on failure.
 */
static int discard_foreign_stage(struct store *s)
{
    sqlite3_stmt *st = store_priv_cached(s, "DELETE FROM audit_stage");
    int rc = st ? sqlite3_step(st) : sqlite3_errcode(s->db);
    if (st)
        sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return 0;
    store_priv_rollback(s);
    return store_priv_err(rc);
}

/*
 * Inside a write transaction: 0 (transaction still open) when the clock is not behind the last
 * entry. Otherwise appends clock.backwards dated at that entry's time, commits, and returns
 * STORE_ERR_CLOCK; on any error the transaction is rolled back.
 */
static int clock_check_locked(struct store *s, const char *member, const char *event)
{
    struct store_json j;
    struct head h;
    int64_t now = store_now(s);
    int rc = read_head(s, &h);
    if (rc != 0) {
        store_priv_rollback(s);
        return rc;
    }
    /* Before any entry of this transaction, the clock.backwards one included. */
    if (h.keyed && h.staged && (rc = discard_foreign_stage(s)) != 0)
        return rc;
    if (!h.has_ts || now >= h.ts)
        return 0;
    store_json_init(&j);
    store_json_int(&j, "system_time", now);
    store_json_int(&j, "last_entry_time", h.ts);
    store_json_int(&j, "last_entry", h.id);
    store_json_str(&j, "event", event);
    /* A refusal the full disk keeps out of the log still refuses: the clock is what to fix. */
    if (append(s, &h, h.ts, member, "clock.backwards", store_json_end(&j), CLOCK_OUTCOME) == 0)
        (void)!store_priv_commit(s);
    else
        store_priv_rollback(s);
    return STORE_ERR_CLOCK;
}

/* Outside a transaction: the same check, taking the write lock only when the clock is behind. */
static int clock_check(struct store *s, const char *member, const char *event)
{
    struct head h;
    int rc = read_head(s, &h);
    if (rc != 0)
        return rc;
    if (!h.has_ts || store_now(s) >= h.ts)
        return 0;
    if ((rc = store_priv_exec(s, "BEGIN IMMEDIATE")) != 0)
        return rc;
    rc = clock_check_locked(s, member, event);
    if (rc == 0)
        store_priv_rollback(s); /* the clock came right meanwhile; nothing was written */
    return rc;
}

int store_priv_begin(struct store *s)
{
    int rc = store_priv_exec(s, "BEGIN IMMEDIATE");
    if (rc != 0)
        return rc;
    return clock_check_locked(s, "(store)", NULL);
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

int store_priv_setting_set(struct store *s, const struct store_session *sess, const char *key,
                           int64_t value, const char *event, const char *params)
{
    char who[STORE_NAME_MAX + 8];
    sqlite3_stmt *st;
    int rc = store_priv_begin(s);
    if (rc != 0)
        return rc;
    rc = sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO settings(key, value) VALUES(?, ?)", -1,
                            &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, value);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
    }
    return store_priv_finish_change(s, rc, store_priv_who(s, sess, who, sizeof who), event, params);
}

static const char *claimed_name(const struct store_session *sess)
{
    return sess && sess->member[0] ? sess->member : "(none)";
}

static int deny(struct store *s, const struct store_session *sess, const char *event,
                const char *params, const char *why, int err)
{
    char outcome[128];
    snprintf(outcome, sizeof outcome, "denied: %s", why);
    int rc = store_priv_audit_now(s, claimed_name(sess), event, params, outcome);
    return rc != 0 ? rc : err;
}

int store_priv_authorize(struct store *s, const struct store_session *sess, unsigned roles,
                         const char *event, const char *params)
{
    sqlite3_stmt *st;
    int rc, found;
    int64_t now, last_seen = 0, training = 0, ended = 0, locked_until = 0;
    int64_t peer_uid = STORE_PEER_NONE;
    int disabled = 0, has_training = 0;
    char role[32] = "";
    enum store_role r;
    if ((rc = clock_check(s, claimed_name(sess), event)) != 0)
        return rc;
    /* An overflowed store_json is "": refuse before acting, not when the entry is written. */
    if (!params || params[0] != '{')
        return STORE_ERR_INVALID;
    now = store_now(s);
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
