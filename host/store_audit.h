/*
 * store_audit: the append-only, tamper-evident audit log (R10, R11).
 *
 * Every access and change writes one entry: time, member, event, parameters (a JSON object),
 * outcome. Entry n carries hash_n = SHA-256(hash_{n-1}, n, time, member, event, params, outcome)
 * (each field length-prefixed), and the table audit_head holds the last id and hash. Times never
 * go down from one entry to the next: the store refuses to act while its clock is behind the
 * last entry (store_policy.h, STORE_ERR_CLOCK). SQLite triggers refuse UPDATE and DELETE on the
 * log; store_audit_verify() detects what gets past them (an edited, deleted, inserted or
 * reordered entry, a truncated tail, an entry dated before the one it follows) and says where.
 *
 * Reading the log is itself an access: auditors and administrators only, and it is audited.
 * Lists returned here are owned by the caller (store_audit_list_free).
 */
#ifndef STORE_AUDIT_H
#define STORE_AUDIT_H

#include "store.h"

struct store_audit_verify_result {
    int64_t entries;    /* entries checked */
    int64_t bad_id;     /* first entry at fault (0 when the chain verifies) */
    char problem[160];  /* what is wrong there ("" when the chain verifies) */
    char head_hash[65]; /* hash of the last entry: record it elsewhere to anchor the chain */
};

/*
 * Walks the whole chain, checking each entry's link, hash and time (not before its
 * predecessor's). Returns 0 when it verifies, STORE_ERR_TAMPER when it does not (*res
 * says where and what; it is written in both cases), STORE_ERR_DENIED for a member who may not
 * read the log, or another STORE_ERR_*. The check itself is audited.
 */
int store_audit_verify(struct store *s, const struct store_session *sess,
                       struct store_audit_verify_result *res) __attribute__((warn_unused_result));

/*
 * Auditor or administrator: 1 when some entry's hash equals hash (a head recorded earlier), 0
 * when none does, or a negative STORE_ERR_*. After store_audit_verify() succeeded, 1 proves the
 * chain up to that entry is the one recorded; 0 means the chain was rewritten.
 */
int store_audit_contains(struct store *s, const struct store_session *sess, const char *hash)
    __attribute__((warn_unused_result));

struct store_audit_entry {
    int64_t id;
    int64_t ts;
    char member[STORE_NAME_MAX + 8];
    char event[48];
    char outcome[160];
    char *params; /* JSON object */
};

struct store_audit_list {
    size_t n;
    struct store_audit_entry *items;
};

/*
 * Lists entries with from <= time < to (0 = open end), optionally only those of member and/or
 * whose event starts with event_prefix, newest last, at most limit (0 = 1000).
 * Returns 0 and *out (free with store_audit_list_free), or a STORE_ERR_*.
 */
int store_audit_list(struct store *s, const struct store_session *sess, int64_t from, int64_t to,
                     const char *member, const char *event_prefix, size_t limit,
                     struct store_audit_list **out) __attribute__((warn_unused_result));

void store_audit_list_free(struct store_audit_list *list);

#endif
