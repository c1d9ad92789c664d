/*
 * store_export: evidence export of held reads, chain of custody, and release requests
 * (R8, R12).
 *
 * An export writes the reads in an active hold's scope to a new folder (portable media):
 *   reads.csv           one row per read (id, time, plate, candidates, unit, camera, GPS,
 *                       source, frames agreeing, image file)
 *   images/read-N.png   each plate crop
 *   custody.txt         what was exported, from which hold (and release), by whom, when
 *   MANIFEST.sha256     SHA-256 of every file above, in `sha256sum -c` format
 * and records the export and its first chain-of-custody entry in the store, with an audit entry.
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

#include <stdint.h>

struct store_export_result {
    int64_t export_id;
    int64_t reads;
    int64_t images;
    char manifest_sha256[65]; /* SHA-256 of MANIFEST.sha256 itself, also kept in the store */
};

/*
 * Investigator or administrator: exports the reads of active hold hold_id into dir, which must
 * not exist yet (created 0700). note goes into the custody record. Returns 0 and *res, or
 * STORE_ERR_NOTFOUND (no such hold), STORE_ERR_STATE (hold not active), STORE_ERR_EXISTS (dir
 * exists), STORE_ERR_IO (a file could not be written: the half-written folder is removed and
 * nothing recorded but the failed attempt), STORE_ERR_DENIED.
 */
int store_export_hold(struct store *s, const struct store_session *sess, int64_t hold_id,
                      const char *dir, const char *note, struct store_export_result *res)
    __attribute__((warn_unused_result));

/* Investigator or administrator: adds a chain-of-custody entry (e.g. "booked into evidence"). */
int store_custody_add(struct store *s, const struct store_session *sess, int64_t export_id,
                      const char *action, const char *note) __attribute__((warn_unused_result));

/* Investigator or administrator: enters a written release request. */
int store_release_request(struct store *s, const struct store_session *sess, const char *agency,
                          const char *requester, const char *purpose, int64_t hold_id,
                          int64_t *request_id) __attribute__((warn_unused_result));

/*
 * Administrator (not the one who entered the request): approves (approve = 1) or denies a
 * pending request, with a note. STORE_ERR_STATE when not pending.
 */
int store_release_review(struct store *s, const struct store_session *sess, int64_t request_id,
                         int approve, const char *note) __attribute__((warn_unused_result));

/*
 * Administrator: fulfils an approved request by exporting its hold into dir (as
 * store_export_hold). STORE_ERR_STATE unless approved (a denied, pending or already fulfilled
 * request is never exported).
 */
int store_release_fulfil(struct store *s, const struct store_session *sess, int64_t request_id,
                         const char *dir, struct store_export_result *res)
    __attribute__((warn_unused_result));

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

/* Investigator, administrator or auditor: every release request on file. */
int store_release_list(struct store *s, const struct store_session *sess,
                       struct store_release_list **out) __attribute__((warn_unused_result));
void store_release_list_free(struct store_release_list *list);

#endif
