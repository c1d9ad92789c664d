/*
 * store_priv: what the store_*.c modules share and nobody else should use: the handle's layout,
 * transactions, SQLite error mapping, a small JSON builder for audit parameters, authorisation
 * and audit appends. Not part of the public API.
 */
#ifndef STORE_PRIV_H
#define STORE_PRIV_H

#include "store.h"

#include <sqlite3.h>
#include <stdint.h>

/* Prepared statements kept for the ingest hot path (store_add_read). */
enum store_stmt {
    STORE_STMT_INSERT_READ,
    STORE_STMT_INSERT_IMAGE,
    STORE_STMT_HOT_EXACT,
    STORE_STMT_HOT_SKEL,
    STORE_STMT_HOT_WILD,
    STORE_STMT_INSERT_ALERT,
    STORE_STMT_AUDIT_HEAD,
    STORE_STMT_AUDIT_INSERT,
    STORE_STMT_AUDIT_SET_HEAD,
    STORE_STMT_READ_SEQ,
    STORE_STMT_SCHEMA_VERSION,
    STORE_STMT_COUNT
};

#define STORE_QCACHE_SIZE 64

struct store_keyring;

struct store {
    sqlite3 *db;
    store_clock_fn clock;
    void *clock_ctx;
    char system_name[STORE_NAME_MAX + 1];
    int64_t peer_uid; /* store_set_peer_uid() */
    sqlite3_stmt *stmt[STORE_STMT_COUNT];
    /* The day partition STORE_STMT_INSERT_READ/IMAGE write to (-1: none), and the schema
     * version when it was checked (store_part.c). */
    int64_t part_day;
    int64_t part_schema;
    /* Prepared searches over the partition views, whose preparation costs milliseconds
     * (store_priv_cached). */
    struct {
        char *sql;
        sqlite3_stmt *st;
    } qcache[STORE_QCACHE_SIZE];
    unsigned qcache_next;
    /* The search group views (store_part_groups) and the schema version they were read at. */
    char **groups;
    size_t n_groups;
    int64_t groups_schema;
    /* The keys of the day partitions (store_set_keyring; not owned). */
    struct store_keyring *keyring;
};

/* Small growing JSON object for audit parameters; at most STORE_JSON_MAX bytes. */
#define STORE_JSON_MAX 8192
struct store_json {
    char buf[STORE_JSON_MAX];
    size_t len;
    int n;
};
void store_json_init(struct store_json *j);
void store_json_str(struct store_json *j, const char *key, const char *val);
void store_json_int(struct store_json *j, const char *key, int64_t val);
const char *store_json_end(struct store_json *j);

/* Maps an SQLite result code to a STORE_ERR_*. */
int store_priv_err(int rc);

/* Prepares sql (once) into the handle's statement slot; returns it reset and unbound, or NULL. */
sqlite3_stmt *store_priv_stmt(struct store *s, enum store_stmt which, const char *sql);

/*
 * Returns a prepared statement for sql from the handle's cache (prepared on first use; the
 * oldest entry is replaced when full), reset and unbound, or NULL. The caller resets it after
 * use and never finalizes it; store_close does.
 */
sqlite3_stmt *store_priv_cached(struct store *s, const char *sql);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. begin and commit return 0 or a STORE_ERR_*. */
int store_priv_begin(struct store *s) __attribute__((warn_unused_result));
int store_priv_commit(struct store *s) __attribute__((warn_unused_result));
void store_priv_rollback(struct store *s);

/* Runs one statement with no result rows. Returns 0 or a STORE_ERR_*. */
int store_priv_exec(struct store *s, const char *sql) __attribute__((warn_unused_result));

/* Binds text or NULL (when v is NULL or empty). */
void store_priv_bind_text(sqlite3_stmt *st, int idx, const char *v);

/* Copies a text column into dst (size bytes, truncating); NULL becomes "". */
void store_priv_col_text(sqlite3_stmt *st, int col, char *dst, size_t size);

/*
 * Room for element n of an array of elem-byte elements with *cap allocated: returns items
 * itself while n < *cap, else items grown (capacity doubled, 16 at first) with *cap updated,
 * or NULL when out of memory (items and *cap then unchanged, still the caller's).
 */
void *store_priv_room(void *items, size_t n, size_t *cap, size_t elem);

/* Reads an integer setting (settings table); def when absent. */
int64_t store_priv_setting(struct store *s, const char *key, int64_t def);

/*
 * Appends one audit entry (inside the caller's transaction): member, event, params (a JSON
 * object), outcome ("ok", "denied: ...", "failed: ..."). Returns 0 or a STORE_ERR_*.
 */
int store_priv_audit(struct store *s, const char *member, const char *event, const char *params,
                     const char *outcome) __attribute__((warn_unused_result));

/*
 * Ends a transaction that changed one record: step_rc is the result of the UPDATE/INSERT's
 * sqlite3_step (or of its failed prepare). SQLITE_DONE with a row changed -> audit entry
 * (member, event, params, "ok") and COMMIT; no row changed -> STORE_ERR_NOTFOUND; anything else
 * -> its STORE_ERR_*. Rolls back on every failure. Returns 0 or a STORE_ERR_*.
 */
int store_priv_finish_change(struct store *s, int step_rc, const char *member, const char *event,
                             const char *params) __attribute__((warn_unused_result));

/* Appends one audit entry in a transaction of its own. Returns 0 or a STORE_ERR_*. */
int store_priv_audit_now(struct store *s, const char *member, const char *event, const char *params,
                         const char *outcome) __attribute__((warn_unused_result));

/*
 * Checks that sess is a live session (not ended, idle less than the limit, account active,
 * trained) whose role is in roles (a mask of enum store_role), and refreshes its idle timer
 * (at most once a minute, so the idle limit is exact to within a minute).
 * On refusal writes an audit entry for event/params with the reason and returns
 * STORE_ERR_EXPIRED, STORE_ERR_DENIED or STORE_ERR_TRAINING.
 */
int store_priv_authorize(struct store *s, const struct store_session *sess, unsigned roles,
                         const char *event, const char *params) __attribute__((warn_unused_result));

/* Audit member name for a session ("name", or "system:NAME" for the system account). */
const char *store_priv_who(const struct store *s, const struct store_session *sess, char *buf,
                           size_t size);

/* 1 when name is 1..STORE_NAME_MAX of [A-Za-z0-9._-] (member names, unit and camera ids). */
int store_priv_valid_name(const char *name);

/* Active hold h (binds :now) and "read r lies in the scope of hold h", as SQL fragments. */
#define STORE_HOLD_ACTIVE_SQL(h)                                                                   \
    "(" h ".released_at IS NULL AND (" h ".expires_at IS NULL OR " h ".expires_at > :now))"
#define STORE_HOLD_SCOPE_SQL(h, r)                                                                 \
    "((" h ".plate IS NULL OR " h ".plate = " r ".plate) AND (" h ".units IS NULL OR"              \
    " instr(" h ".units, ',' || " r ".unit || ',') > 0) AND (" h ".t_from IS NULL OR " r           \
    ".ts >= " h ".t_from) AND (" h ".t_to IS NULL OR " r ".ts < " h ".t_to))"

/* Binds v to the named parameter if the statement has it. */
void store_priv_bind_named_int(sqlite3_stmt *st, const char *name, int64_t v);
void store_priv_bind_named_text(sqlite3_stmt *st, const char *name, const char *v);

/* Hex SHA-256 of data into hex (65 bytes). */
void store_priv_sha256_hex(const void *data, size_t len, char hex[65]);

/* Matches a freshly inserted read against the active hotlists (store_hotlist.c). */
struct store_alert;
int store_priv_hotlist_match(struct store *s, int64_t read_id, const char *plate, const char *skel,
                             int64_t ts, struct store_alert **alerts, size_t *n_alerts)
    __attribute__((warn_unused_result));

#endif
