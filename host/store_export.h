/*
 * store_export: evidence export of held reads, chain of custody, and release requests
 * (R8, R12).
 *
 * An export is a bundle of files for portable media:
 *   images/read-N.png   each plate crop
 *   reads.csv           one row per read (id, time, plate, candidates, unit, camera, GPS,
 *                       source, frames agreeing, image file)
 *   custody.txt         what was exported, from which hold (and release), by whom, when
 *   MANIFEST.sha256     SHA-256 of every file above, in `sha256sum -c` format
 * The store builds the bundle in memory and hands each file, in that order (the manifest last),
 * to the caller's sink; it never writes a file itself. Whoever receives the bundle (the `alpr`
 * client, in the member's own folder) writes it. The store records the export, the SHA-256 of
 * the manifest and the first chain-of-custody entry, with an audit entry, in the transaction
 * that built the bundle: a sink that fails aborts it and only the failed attempt is recorded.
 * Non-governmental reads (R9) are exported only under a warrant or disclosure-order hold.
 *
 * Release to another agency (R12): a written request (agency, requesting person, intended
 * purpose, the hold whose reads are asked for) is entered, reviewed by an administrator other
 * than the one who entered it (approved or denied, with a note), and only an approved request
 * can be fulfilled, by an export. Requests are never deleted.
 */
#ifndef STORE_EXPORT_H
#define STORE_EXPORT_H

#include "store.h"

#include <stddef.h>
#include <stdint.h>

/* The largest bundle (all files together) by default: an export answer must fit in memory. */
#define STORE_EXPORT_MAX_BYTES (128u << 20)
/* The longest destination label (a folder path, as text). */
#define STORE_EXPORT_DESTINATION_MAX 4095

/*
 * Receives one file of a bundle: name is relative to the bundle's folder ("images/read-7.png",
 * "reads.csv", "custody.txt", "MANIFEST.sha256"); data and len are valid during the call only.
 * Returns 0, or a STORE_ERR_* that aborts the export.
 */
typedef int (*store_export_put_fn)(void *ctx, const char *name, const void *data, size_t len);

struct store_export_sink {
    store_export_put_fn put;
    void *ctx;
    size_t max_bytes; /* the bundle's largest total size; 0: STORE_EXPORT_MAX_BYTES */
};

struct store_export_result {
    int64_t export_id;
    int64_t hold_id;
    int64_t reads;
    int64_t images;
    char manifest_sha256[65]; /* SHA-256 of MANIFEST.sha256 itself, also kept in the store */
};

/*
 * Investigator or administrator: exports the reads of active hold hold_id to sink.
 * destination says where the bundle is going (the folder the client writes, as text): it is
 * recorded with the export and never opened. note goes into the custody record. Returns 0 and
 * *res, or STORE_ERR_NOTFOUND (no such hold), STORE_ERR_STATE (hold not active),
 * STORE_ERR_INVALID (no destination, or longer than STORE_EXPORT_DESTINATION_MAX; note longer
 * than STORE_TEXT_MAX), STORE_ERR_FULL (the bundle would exceed sink->max_bytes), the sink's
 * error, STORE_ERR_DENIED. On failure nothing is recorded but the failed attempt.
 */
int store_export_hold(struct store *s, const struct store_session *sess, int64_t hold_id,
                      const char *destination, const char *note,
                      const struct store_export_sink *sink, struct store_export_result *res)
    __attribute__((warn_unused_result));

/* Investigator or administrator: adds a chain-of-custody entry (e.g. "booked into evidence"). */
int store_custody_add(struct store *s, const struct store_session *sess, int64_t export_id,
                      const char *action, const char *note) __attribute__((warn_unused_result));

/* Investigator, administrator or records officer: enters a written release request. */
int store_release_request(struct store *s, const struct store_session *sess, const char *agency,
                          const char *requester, const char *purpose, int64_t hold_id,
                          int64_t *request_id) __attribute__((warn_unused_result));

/*
 * Records officer (R12's designee; never an administrator), neither the one who entered the
 * request nor the one who created the requester's account: approves (approve = 1) or denies a
 * pending request, with a note. STORE_ERR_STATE when not pending; STORE_ERR_DENIED (recorded).
 */
int store_release_review(struct store *s, const struct store_session *sess, int64_t request_id,
                         int approve, const char *note) __attribute__((warn_unused_result));

/*
 * Administrator or records officer: fulfils an approved request by exporting its hold to sink (as
 * store_export_hold, with the note "release"). STORE_ERR_STATE unless approved (a denied,
 * pending or already fulfilled request is never exported).
 */
int store_release_fulfil(struct store *s, const struct store_session *sess, int64_t request_id,
                         const char *destination, const struct store_export_sink *sink,
                         struct store_export_result *res) __attribute__((warn_unused_result));

struct store_release {
    int64_t id;
    char agency[STORE_TEXT_MAX + 1];
    char requester[STORE_TEXT_MAX + 1];
    char purpose[STORE_TEXT_MAX + 1];
    int64_t hold_id;
    char status[16]; /* pending, approved, denied, fulfilled */
    char submitted_by[STORE_NAME_MAX + 1];
    int64_t submitted_at;
    char reviewed_by[STORE_NAME_MAX + 1];
    int64_t reviewed_at;
    char review_note[STORE_TEXT_MAX + 1];
    int64_t export_id;
};

struct store_release_list {
    size_t n;
    struct store_release *items;
};

/* Investigator, administrator, records officer or auditor: every release request on file. */
int store_release_list(struct store *s, const struct store_session *sess,
                       struct store_release_list **out) __attribute__((warn_unused_result));
void store_release_list_free(struct store_release_list *list);

#endif
