/*
 * store_audit: the append-only, keyed, anchored audit log (R10, R11).
 *
 * Every access and change writes one entry: time, member, event, parameters (a JSON object),
 * outcome, and the images of the covered rows the change wrote (below). Entry n carries
 * hash_n = SHA-256(hash_{n-1}, n, time, member, event, params, outcome[, row images]) (each
 * field length-prefixed) and mac_n = keyed BLAKE2b-256(audit key, hash_n). The audit key comes
 * from the master key (store_set_master_key) and is never in the database, so whoever can
 * write the file but lacks the key cannot append, edit or rewrite entries: hash_n covers
 * every entry before it, and a valid MAC on the newest entry authenticates the whole chain.
 * Entries written before the store had keyed entries (a migrated store's history) carry no
 * MAC; from the first keyed entry on, every entry must, and the newest must. A store without
 * an audit key still appends (unkeyed), but store_audit_verify() then refuses to call the
 * chain verified (STORE_ERR_STATE), and with the key it reports the unkeyed tail.
 *
 * The table audit_head holds the last id and hash. Times never go down from one entry to the
 * next: the store refuses to act while its clock is behind the last entry (store_policy.h,
 * STORE_ERR_CLOCK). SQLite triggers refuse UPDATE and DELETE on the log.
 *
 * Covered tables: searches, members, holds, releases, exports, custody, copies, role_grants,
 * purges, hotlists and alerts. Triggers stage an image (a JSON array of the row's covered columns;
 * NULL for a deletion) of every row inserted, changed or deleted; the next entry appended (the
 * change's own, in the same transaction) takes them into its row_images and the hash. The check
 * compares every current row with the image of the latest entry naming it: a row written, edited
 * or deleted behind the store's back (raw SQLite, triggers dropped) is found. The R11 report is
 * built from these images (store_report.h), not from the editable tables.
 *
 * Anchors: the head (id, hash, MAC) recorded outside the store. The service writes it to the
 * journal (a stderr line starting with STORE_AUDIT_ANCHOR_PREFIX) and to its --anchor-file
 * whenever it moved (at most once a second); evidence bundles and the public page carry it
 * (store_audit_head). store_audit_verify_anchored() fails when the chain is shorter than an
 * anchor or its entry at the anchor's id has another hash or MAC: a truncated or replaced log.
 *
 * Reading the log is itself an access: auditors and administrators only, and it is audited.
 * Lists returned here are owned by the caller (store_audit_list_free).
 */
#ifndef STORE_AUDIT_H
#define STORE_AUDIT_H

#include "store.h"

#include <stddef.h>

/* A head of the chain: its last entry's id, hash and MAC ("" when unkeyed), time. */
struct store_audit_head {
    int64_t id;
    char hash[65];
    char mac[65];
    int64_t ts;
};

/*
 * The current head, for anchoring: the service's journal lines, evidence bundles (the export
 * code puts it in the bundle), the public page. No session: a head identifies no record.
 * Returns 0 or a STORE_ERR_*.
 */
int store_audit_head(struct store *s, struct store_audit_head *out)
    __attribute__((warn_unused_result));

/* The text of an anchor line: "ALPR-AUDIT-ANCHOR id=N hash=HEX mac=HEX" (mac "-" if none). */
#define STORE_AUDIT_ANCHOR_PREFIX "ALPR-AUDIT-ANCHOR"
int store_audit_anchor_format(const struct store_audit_head *h, char *buf, size_t size)
    __attribute__((warn_unused_result));

/* Finds an anchor in line (anywhere: journal lines carry prefixes). 0 or STORE_ERR_INVALID. */
int store_audit_anchor_parse(const char *line, struct store_audit_head *out)
    __attribute__((warn_unused_result));

struct store_audit_verify_result {
    int64_t entries;     /* entries checked */
    int64_t bad_id;      /* first entry at fault (0 when the chain verifies) */
    char problem[200];   /* what is wrong there ("" when the chain verifies) */
    char head_hash[65];  /* hash of the last entry: record it elsewhere to anchor the chain */
    int64_t head_id;     /* id of the last entry */
    int64_t first_keyed; /* first entry with a MAC (0: none) */
    int64_t anchor_id;   /* the newest anchor checked (0: none given) */
    char bad_table[32];  /* a covered row at fault: its table ("" if none) */
    int64_t bad_row;     /* ... and its id */
};

/*
 * Walks the whole chain, checking each entry's link, hash, MAC and time (not before its
 * predecessor's), then every anchor given (may be NULL when n_anchors is 0), then the covered
 * tables against the row images. Returns 0 when all verify, STORE_ERR_TAMPER when not (*res
 * says where and what; it is written in both cases), STORE_ERR_STATE when the store has no
 * audit key to check MACs with, STORE_ERR_DENIED for a member who may not read the log, or
 * another STORE_ERR_*. The check itself is audited.
 */
int store_audit_verify_anchored(struct store *s, const struct store_session *sess,
                                const struct store_audit_head *anchors, size_t n_anchors,
                                struct store_audit_verify_result *res)
    __attribute__((warn_unused_result));

/* store_audit_verify_anchored() without anchors. */
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
 * whose event starts with event_prefix, newest last, at most limit (0 = 1000). Text comes back
 * printable: invalid UTF-8 and control characters in member, event and outcome (and anything
 * in params that is not valid JSON) as visible \xHH escapes. For an auditor, every plate in
 * params (a "plate" value, also inside a "query" object) is replaced by its keyed token
 * (store_priv_mask_plate): equal plates give equal tokens. Administrators see plates: they
 * enter the holds and review the releases that name them.
 * Returns 0 and *out (free with store_audit_list_free), or a STORE_ERR_*.
 */
int store_audit_list(struct store *s, const struct store_session *sess, int64_t from, int64_t to,
                     const char *member, const char *event_prefix, size_t limit,
                     struct store_audit_list **out) __attribute__((warn_unused_result));

void store_audit_list_free(struct store_audit_list *list);

/*
 * text made printable (malloc'ed, NULL when out of memory): valid UTF-8 kept, each byte of an
 * invalid sequence and each control character (below 0x20, DEL) written as \xHH, so nothing
 * read from the store breaks a JSON document or forges a line or section of a text report.
 */
char *store_audit_printable(const char *text) __attribute__((warn_unused_result));

#endif
