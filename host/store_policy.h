/*
 * store_policy: the steps every store call goes through before and after it acts (R5, R10):
 *
 *   the clock   the store refuses to act while its clock (store_now) is earlier than the time of
 *               the last audit entry: someone set the system clock back, say to make a lock-out,
 *               a hold or the retention period end at the wrong time. There is no allowance: any
 *               step back refuses. The refusal is itself an entry, clock.backwards, dated at the
 *               last entry's time so the log's times never go down, and the call returns
 *               STORE_ERR_CLOCK. Every call meets the check where it begins: a member's call in
 *               store_priv_authorize(), every write transaction (log-on, ingest, the system's
 *               purge, ...) in store_priv_begin(); store_priv_audit() refuses a backwards time
 *               as a last guard.
 *   BEGIN       store_priv_begin() opens the write transaction a change and its entry share.
 *   authorise   store_priv_authorize() checks the session and role, recording a refusal.
 *   audit       store_priv_audit() appends an entry to the hash chain (store_audit.h describes
 *               the chain; store_audit.c verifies and lists it).
 *
 * Internal to the store_*.c modules (which reach this header through store_priv.h). The
 * functions keep the store_priv_ names their callers use; store_policy_ is the prefix of what
 * is new here. Strings passed in are copied before the call returns.
 */
#ifndef STORE_POLICY_H
#define STORE_POLICY_H

#include "store.h"

#include <stddef.h>
#include <stdint.h>

/*
 * BEGIN IMMEDIATE, then the clock check inside the transaction. Returns 0 with the transaction
 * open, or a STORE_ERR_* with none open: STORE_ERR_CLOCK when the clock is behind the last entry
 * (the clock.backwards entry, member "(store)", is committed when the disk allows it).
 */
int store_priv_begin(struct store *s) __attribute__((warn_unused_result));

/*
 * Appends one audit entry inside the caller's transaction, dated store_now(): member, event,
 * params (a JSON object, as store_json_end() makes it), outcome ("ok", "denied: ...",
 * "failed: ..."). Returns 0, STORE_ERR_INVALID when params is not a JSON object (an overflowed
 * store_json is ""), STORE_ERR_CLOCK when the clock went back since store_priv_begin() (nothing
 * appended; the caller rolls back), or another STORE_ERR_*.
 */
int store_priv_audit(struct store *s, const char *member, const char *event, const char *params,
                     const char *outcome) __attribute__((warn_unused_result));

/*
 * Called by store_priv_commit() before COMMIT: covered rows written after the transaction's last
 * entry (still staged) get an entry of their own, "audit.rows" by "(store)", so that no row
 * change commits unchained. Nothing when nothing is staged or the chain is not keyed yet.
 * Returns 0 or a STORE_ERR_* (the caller rolls back).
 */
int store_policy_seal_rows(struct store *s) __attribute__((warn_unused_result));

/* Appends one audit entry in a transaction of its own. Returns 0 or a STORE_ERR_*. */
int store_priv_audit_now(struct store *s, const char *member, const char *event, const char *params,
                         const char *outcome) __attribute__((warn_unused_result));

/*
 * Ends a transaction that changed one record: step_rc is the result of the UPDATE/INSERT's
 * sqlite3_step (or of its failed prepare). SQLITE_DONE with a row changed -> audit entry
 * (member, event, params, "ok") and COMMIT; no row changed -> STORE_ERR_NOTFOUND; anything else
 * -> its STORE_ERR_*. Rolls back on every failure. Returns 0 or a STORE_ERR_*.
 */
int store_priv_finish_change(struct store *s, int step_rc, const char *member, const char *event,
                             const char *params) __attribute__((warn_unused_result));

/*
 * Writes setting key = value, audited as event with params under the session's member, in one
 * transaction of its own. The caller has authorised the change and checked value.
 */
int store_priv_setting_set(struct store *s, const struct store_session *sess, const char *key,
                           int64_t value, const char *event, const char *params)
    __attribute__((warn_unused_result));

/*
 * Where a member's call begins. Checks the clock (STORE_ERR_CLOCK, recorded under the member's
 * name with the attempted event), that params is a JSON object (STORE_ERR_INVALID, nothing
 * recorded: see struct store_json), then that sess is a live session (not ended, idle less than
 * the limit, account active, trained) whose role is in roles (a mask of enum store_role), and
 * refreshes its idle timer (at most once a minute, so the idle limit is exact to within a
 * minute). On refusal writes an audit entry for event/params with the reason and returns
 * STORE_ERR_EXPIRED, STORE_ERR_DENIED or STORE_ERR_TRAINING. Returns 0 when the call may go on.
 */
int store_priv_authorize(struct store *s, const struct store_session *sess, unsigned roles,
                         const char *event, const char *params) __attribute__((warn_unused_result));

/*
 * The hash of audit entry id (hex, 65 bytes): SHA-256 over prev (the previous entry's hash, 64
 * zeros for the first), id, ts, member, event, params, outcome and, when not NULL or empty,
 * rows (the entry's row images, store_audit.h), each length-prefixed. For store_audit_verify(),
 * which recomputes the chain.
 */
void store_policy_entry_hash(const char *prev, int64_t id, int64_t ts, const char *member,
                             const char *event, const char *params, const char *outcome,
                             const char *rows, char hex[65]);

/*
 * The MAC of an entry whose hash is hash (hex): keyed BLAKE2b-256 under the store's audit key
 * (store_set_master_key). Returns 0, or STORE_ERR_STATE when the store has no audit key.
 */
int store_policy_entry_mac(const struct store *s, const char *hash, char hex[65])
    __attribute__((warn_unused_result));

/*
 * Inside the migration that introduces coverage and every later one (store.c): creates the
 * triggers (when missing) that stage the image of every inserted, changed or deleted row of the
 * covered tables (store_audit.h), and stages every row present now, so the first entry appended
 * afterwards holds them all (a store whose chain is keyed already discards them: store_policy.c).
 * Returns 0 or a STORE_ERR_*.
 */
int store_audit_cover_install(struct store *s) __attribute__((warn_unused_result));

/*
 * Creates (once per connection) the temporary views chained_<table> of the covered tables: each
 * row as the latest entry naming it holds it, with the table's covered columns. What the R11
 * report reads instead of the editable tables. Returns 0 or a STORE_ERR_*.
 */
int store_audit_chained_views(struct store *s) __attribute__((warn_unused_result));

#endif
