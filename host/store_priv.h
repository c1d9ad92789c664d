/*
 * store_priv: what the store_*.c modules share and nobody else should use: the handle's layout,
 * plain SQL helpers (statements, transactions' commit and rollback, error mapping, binding),
 * the JSON writer for audit parameters and the input checks. It depends on SQLite, libsodium
 * and store.h only; the steps that need the audit log (the clock check, BEGIN, authorisation,
 * appending entries) are store_policy.h's. Not part of the public API.
 */
#ifndef STORE_PRIV_H
#define STORE_PRIV_H

#include "store.h"
/* The policy steps used to be declared here; the modules that call them still include only this
 * header. Including it does not make store_priv.c depend on them. */
#include "store_policy.h"

#include <sqlite3.h>
#include <stddef.h>
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

/* crypto_pwhash_STRBYTES, without making every module include sodium.h (store_auth.c checks). */
#define STORE_PWHASH_STRBYTES 128

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
    /* Derived from the master key by store_set_master_key (owned; NULL until it is called). */
    struct store_key *audit_key; /* MAC of the audit chain */
    struct store_key *mask_key;  /* plate tokens for members who may not see plates */
    struct store_key *sign_key;  /* seed of the unit's Ed25519 evidence-signing key */
    /* An Argon2id hash of a random password, made on the first log-on with the members'
     * parameters: a log-on for a name without a hash verifies against it, so that it takes as
     * long as one with a wrong password (store_auth.c). "" until made. */
    char dummy_hash[STORE_PWHASH_STRBYTES];
};

/*
 * The token shown instead of plate to a member who may not see plates (R5): "P:" and 12 hex
 * digits of a keyed hash, the same for the same plate, so an auditor can tell that two accesses
 * looked for the same vehicle without learning which. Without a mask key (store_set_master_key
 * not called) it is "P:masked". out needs STORE_MASK_SIZE bytes.
 */
#define STORE_MASK_SIZE 16
void store_priv_mask_plate(const struct store *s, const char *plate, char out[STORE_MASK_SIZE]);

/*
 * JSON object for audit parameters, written in place:
 *
 *     struct store_json j;
 *     store_json_init(&j);
 *     store_json_str(&j, "reason", reason);   (NULL writes null)
 *     store_json_int(&j, "hold", id);
 *     params = store_json_end(&j);            (also left in j.buf)
 *
 * Strings are escaped as JSON requires: quote, backslash, and every control character (below
 * 0x20, and DEL) as \u00XX. A byte that does not start a well-formed UTF-8 sequence (stray
 * continuation byte, overlong form, surrogate, beyond U+10FFFF, cut short) is written as
 * \ufffd, one per byte: the log holds valid JSON text, and shows where the input was not text.
 *
 * Nothing is ever truncated: an object that would not fit in STORE_JSON_MAX bytes (or a key or
 * value added after store_json_end) leaves the whole object as "" (empty text), which
 * store_priv_authorize() and store_priv_audit() refuse with STORE_ERR_INVALID, so the call
 * fails instead of writing a partial object into the hash-chained log.
 * store_json_end() may be called again; it returns the same text.
 */
#define STORE_JSON_MAX 65536
struct store_json {
    char buf[STORE_JSON_MAX];
    size_t len;
    int n;      /* members written */
    int closed; /* store_json_end() was called */
    int failed; /* overflowed or misused: buf is "" */
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

/*
 * COMMIT (rolling back when it fails) / ROLLBACK of the transaction store_priv_begin()
 * (store_policy.h) started. commit returns 0 or a STORE_ERR_*; rollback does nothing outside a
 * transaction.
 */
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

/* Audit member name for a session ("name", or "system:NAME" for the system account). */
const char *store_priv_who(const struct store *s, const struct store_session *sess, char *buf,
                           size_t size);

/* 1 when name is 1..STORE_NAME_MAX of [A-Za-z0-9._-] (member names, unit and camera ids). */
int store_priv_valid_name(const char *name);

/*
 * 1 when text is 1..max bytes of well-formed UTF-8 (no overlong form, surrogate, code point
 * beyond U+10FFFF or cut-short sequence) holding no control character (below 0x20, or DEL): the
 * check for free-text fields (reasons, references, agencies, purposes, crime types, incident
 * numbers, notes, hotlist names and fields). A line break or escape sequence in such a field
 * would forge lines in the reports and exports that print it, and a byte that is not UTF-8
 * makes their JSON invalid, so both are refused rather than escaped.
 */
int store_priv_valid_text(const char *text, size_t max);

/*
 * Length of the well-formed UTF-8 sequence at p (1..4), or 0 when p does not start one (stray
 * continuation byte, overlong form, surrogate, beyond U+10FFFF, cut short by a NUL): RFC 3629,
 * table 3-7 of Unicode. Reads no further than the first byte that does not fit.
 */
size_t store_priv_utf8_len(const unsigned char *p);

/*
 * Active hold h (binds :now) and "read r lies in the scope of hold h", as SQL fragments. A hold
 * is in effect once approved by a second member (two-person rule, store_retention.h); an
 * unapproved preservation hold keeps governmental reads at once (41-6a-2005: nothing is lost
 * while the order is sought) but never a non-governmental one (R9), which needs the approval.
 */
#define STORE_HOLD_ACTIVE_SQL(h)                                                                   \
    "(" h ".released_at IS NULL AND (" h ".expires_at IS NULL OR " h ".expires_at > :now) AND"     \
    " (" h ".approved_at IS NOT NULL OR " h ".kind = 'preservation'))"
#define STORE_HOLD_SCOPE_SQL(h, r)                                                                 \
    "((" h ".plate IS NULL OR " h ".plate = " r ".plate) AND (" h ".units IS NULL OR"              \
    " instr(" h ".units, ',' || " r ".unit || ',') > 0) AND (" h ".t_from IS NULL OR " r           \
    ".ts >= " h ".t_from) AND (" h ".t_to IS NULL OR " r ".ts < " h ".t_to) AND (" h               \
    ".approved_at IS NOT NULL OR " r ".ngo = 0))"

/* Binds v to the named parameter if the statement has it. */
void store_priv_bind_named_int(sqlite3_stmt *st, const char *name, int64_t v);
void store_priv_bind_named_text(sqlite3_stmt *st, const char *name, const char *v);

/* Hex SHA-256 of data into hex (65 bytes). */
void store_priv_sha256_hex(const void *data, size_t len, char hex[65]);

/*
 * Matches a freshly inserted read against the active hotlists. Defined in store_hotlist.c and
 * called from store_reads.c; declared here only until those modules share a header for it
 * (store_priv.c does not call it).
 */
struct store_alert;
int store_priv_hotlist_match(struct store *s, int64_t read_id, const char *plate, const char *skel,
                             int64_t ts, struct store_alert **alerts, size_t *n_alerts)
    __attribute__((warn_unused_result));

/* STORE_PASSWORD_MIN..STORE_PASSWORD_MAX bytes (store_auth.h): 1, else 0. */
int store_priv_valid_password(const char *pw);

/* Argon2id (libsodium, interactive limits) of pw into out. 0 or STORE_ERR_NOMEM. */
int store_priv_hash_password(const char *pw, char out[STORE_PWHASH_STRBYTES])
    __attribute__((warn_unused_result));

/* Ends every open session of member name (in the caller's transaction, or after its commit),
 * recording reason. 0 or a STORE_ERR_*. */
int store_priv_end_sessions(struct store *s, const char *name, const char *reason)
    __attribute__((warn_unused_result));

/* Steps a bound INSERT or UPDATE once and finalizes it. Returns 0 or a STORE_ERR_*. */
int store_priv_step_once(sqlite3_stmt *st) __attribute__((warn_unused_result));

#endif
