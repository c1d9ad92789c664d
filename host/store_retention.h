/*
 * store_retention: the retention period, holds and the purge (R7).
 *
 * Reads (with their images, OCR candidates and alerts) older than the retention period are
 * purged unrecoverably. Reads live in one table per day of capture (store_part.h): once the last
 * first second of a day is due, its tables are dropped under secure_delete, which zeroes every page
 * they occupied (row deletes would not do: b-tree rebalancing leaves stale copies of cells in the
 * unused area of pages, which secure_delete does not reach). Held reads of that day move first
 * to a separate table; when they fall due later they are deleted row by row and that table is
 * rebuilt by copy. Finally the write-ahead log is checkpointed and truncated. No byte of a
 * purged plate or image remains in the database file or the WAL. Whole days go at once, so a
 * read is purged up to one day before its retention period ends, never after (the daemon purges
 * nightly); the report's counts include those early reads. The
 * period defaults to, and can never exceed, STORE_RETENTION_MAX_DAYS (nine months); it can only be
 * set shorter.
 *
 * A hold exempts the reads in its scope from the purge until it ends: a warrant, a preservation
 * request (41-6a-2005: 14 days pending a court order, at most), or a disclosure order. Its scope
 * is a plate, a set of units and/or a time window (at least one of them). It ends when released
 * or when it expires. Every purge writes its report (counts and time ranges, never plates) to the
 * purges table and the audit log.
 *
 * Holds that cannot be invented (R9, R12's two-person rule): a warrant or disclosure-order hold
 * is entered only by an administrator or records officer, names the document (reference), the
 * issuing court and a review/expiry date, and takes effect only when a second administrator or
 * records officer approves it (store_hold_approve). Until then it neither keeps reads from the
 * purge nor opens non-governmental reads. A preservation hold (investigators may enter these)
 * keeps governmental reads at once, for 14 days at most; the non-governmental reads in its
 * scope only once approved. Only a court order, entered and approved by two members
 * (store_hold_extend, store_hold_approve), moves its end past the 14 days. Holds entered before
 * the rule (schema STORE_SCHEMA_TWO_PERSON) stay in effect, flagged legacy.
 */
#ifndef STORE_RETENTION_H
#define STORE_RETENTION_H

#include "store.h"

#include <stdint.h>

#define STORE_PRESERVATION_MAX_DAYS 14
/* The schema version that brought two-person holds and the records role (store.c). */
#define STORE_SCHEMA_TWO_PERSON 8

/* Administrator: sets the retention period, 1..STORE_RETENTION_MAX_DAYS days. */
int store_set_retention_days(struct store *s, const struct store_session *sess, int days)
    __attribute__((warn_unused_result));

/* The retention period in days. */
int store_retention_days(struct store *s);

struct store_purge_report {
    int64_t cutoff;         /* reads with time < cutoff were due */
    int64_t reads;          /* reads purged */
    int64_t images;         /* images purged */
    int64_t alerts;         /* alerts purged with their reads */
    int64_t held;           /* reads due but kept under a hold */
    int64_t oldest, newest; /* time range of the purged reads (0 when none) */
    int compacted;          /* 1: nothing of the purged reads is left in database pages (day
                               tables dropped, reads_rest rebuilt); always 1 since schema 4 */
    int wal_truncated;      /* 1 when the WAL was checkpointed and truncated to zero */
    int64_t delete_ms;      /* wall time of the purge transaction, less rebuild_ms */
    int64_t rebuild_ms;     /* wall time of the reads_rest rebuild (0 when none was needed) */
    int64_t copies_flagged; /* copies outside the store (store_export.h) whose reads were purged */
};

/*
 * The daemon's purge, as the system account: removes every read with time < now - retention that
 * no active hold covers, and with it the rest of that read's day (see above). Returns 0 and
 * *report, or a STORE_ERR_*. When the WAL cannot be truncated at once (another connection is
 * reading) the purge is still committed and report->wal_truncated is 0: call store_purge_expired
 * again later. delete_ms is the purge transaction, rebuild_ms the part of it spent rebuilding
 * reads_rest.
 */
int store_purge_expired(struct store *s, int64_t now, struct store_purge_report *report)
    __attribute__((warn_unused_result));

/* Administrator: the same purge on demand, recorded under the member's name. */
int store_purge(struct store *s, const struct store_session *sess,
                struct store_purge_report *report) __attribute__((warn_unused_result));

/*
 * The system account's early purge, for a disk running full (store_reserve.h): purges the
 * oldest day of reads, whole, as the nightly purge would once it is due, but before it is due,
 * provided all of that day is older than floor_days (1..STORE_RETENTION_MAX_DAYS) before now.
 * Held reads stay (they move out of the day like the nightly purge's). why (required, at most
 * STORE_TEXT_MAX bytes) is recorded with the audit entry "purge.early" and the purges table
 * gets its row. Call it again for the next day. Returns 0 and *report; STORE_ERR_NOTFOUND when
 * no day is older than the floor; STORE_ERR_INVALID (floor, why); STORE_ERR_FULL and the others
 * of store_purge_expired.
 */
int store_purge_early(struct store *s, int64_t now, int floor_days, const char *why,
                      struct store_purge_report *report) __attribute__((warn_unused_result));

enum store_hold_kind { STORE_HOLD_WARRANT, STORE_HOLD_PRESERVATION, STORE_HOLD_DISCLOSURE };

/* "warrant", "preservation", "disclosure". */
const char *store_hold_kind_name(enum store_hold_kind kind);
int store_hold_kind_parse(const char *name, enum store_hold_kind *out)
    __attribute__((warn_unused_result));

struct store_hold_spec {
    enum store_hold_kind kind;
    const char *reference; /* warrant / request / order number, required */
    const char *plate;     /* scope: one plate, or NULL */
    const char *units;     /* scope: comma-separated unit ids, or NULL */
    int64_t from, to;      /* scope: from <= time < to (0 = open) */
    int64_t expires;       /* review/expiry date: required for warrant and disclosure;
                              preservation: 0 = 14 days, never later */
    const char *court;     /* issuing court: required for warrant and disclosure */
};

/*
 * Enters a hold. Warrant and disclosure: administrator or records officer, with reference,
 * court and expires; pending until store_hold_approve. Preservation: investigator too; expires
 * after at most STORE_PRESERVATION_MAX_DAYS. Returns 0 and *hold_id, STORE_ERR_INVALID (no
 * scope, bad or missing field), STORE_ERR_DENIED (role; recorded).
 */
int store_hold_add(struct store *s, const struct store_session *sess,
                   const struct store_hold_spec *spec, int64_t *hold_id)
    __attribute__((warn_unused_result));

/*
 * Administrator or records officer, not the member who entered the hold (or its pending
 * extension): approves the hold, or its pending extension (the hold then ends at the order's
 * date). Returns 0, STORE_ERR_DENIED (role, or own entry: recorded), STORE_ERR_NOTFOUND,
 * STORE_ERR_STATE (nothing awaits approval, or the hold was released or has expired).
 */
int store_hold_approve(struct store *s, const struct store_session *sess, int64_t hold_id)
    __attribute__((warn_unused_result));

/*
 * Administrator or records officer: enters the court order (court, order reference) that
 * extends a hold still in effect to until (> now); pending until a second member approves it
 * (store_hold_approve). Returns 0, STORE_ERR_INVALID, STORE_ERR_DENIED, STORE_ERR_NOTFOUND,
 * STORE_ERR_STATE (released, expired, or an extension already pending).
 */
int store_hold_extend(struct store *s, const struct store_session *sess, int64_t hold_id,
                      const char *court, const char *order_ref, int64_t until)
    __attribute__((warn_unused_result));

/* Administrator or records officer: releases a hold (reason required); its reads become
 * purgeable. */
int store_hold_release(struct store *s, const struct store_session *sess, int64_t hold_id,
                       const char *reason) __attribute__((warn_unused_result));

struct store_hold {
    int64_t id;
    char kind[16];
    char state[16]; /* "pending" (awaits approval), "active", "expired", "released" */
    char reference[STORE_TEXT_MAX + 1];
    char court[STORE_TEXT_MAX + 1];
    char plate[32]; /* the plate, or its token (store_priv_mask_plate) when masked */
    int plate_masked;
    char units[STORE_TEXT_MAX + 1];
    int64_t from, to, expires, entered_at, released_at, approved_at;
    char entered_by[STORE_NAME_MAX + 1];
    char approved_by[STORE_NAME_MAX + 1];
    char released_by[STORE_NAME_MAX + 1];
    int legacy; /* entered before the two-person rule, kept in effect */
    int active;
    /* A court order's extension awaiting approval (ext_until 0: none). */
    int64_t ext_until;
    char ext_court[STORE_TEXT_MAX + 1];
    char ext_ref[STORE_TEXT_MAX + 1];
    char ext_by[STORE_NAME_MAX + 1];
    int64_t reads; /* reads currently in scope */
};

struct store_hold_list {
    size_t n;
    struct store_hold *items;
};

/*
 * Investigator, administrator, records officer or auditor: lists holds (all, or only active
 * ones). Auditors see each plate as its keyed token (R5: they audit, they do not look up
 * vehicles); holds carry no positions.
 */
int store_hold_list(struct store *s, const struct store_session *sess, int active_only,
                    struct store_hold_list **out) __attribute__((warn_unused_result));
void store_hold_list_free(struct store_hold_list *list);

#endif
