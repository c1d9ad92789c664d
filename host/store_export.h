/*
 * store_export: evidence export of held reads, signed bundles, chain of custody, the copies of
 * reads outside the store, and release requests (R7, R8, R11, R12).
 *
 * An export is a bundle of files for portable media:
 *   images/read-N.png   each plate crop
 *   reads.csv           one row per read (id, time, plate, candidates, unit, camera, GPS,
 *                       source, frames agreeing, image file)
 *   EXPORT.txt          what was exported, from which hold (and release), by whom, when, why
 *   AUDIT-HEAD          the audit chain's head when the bundle was built, as an anchor line
 *                       (store_audit.h: id, hash, MAC) for `alpr audit verify --anchor`
 *   UNIT.pub            the unit's Ed25519 public key, "ed25519 HEX"
 *   MANIFEST.sha256     SHA-256 of every file above, in `sha256sum -c` format
 *   MANIFEST.sig        Ed25519 signature (base64) of STORE_BUNDLE_SIG_DOMAIN, the manifest's
 *                       SHA-256 in hex and "\n", by the unit's key
 *   custody.txt         the chain of custody, one signed line per entry (below); grows
 * The store builds the bundle in memory and hands each file, in that order, to the caller's
 * sink; it never writes a file itself. Whoever receives the bundle (the `alpr` client, in the
 * member's own folder) writes it. The store records the export, the manifest's SHA-256 and
 * signature, the first custody entry, the copy (store_copy_*) and an entry in the search
 * register (kind "export", with the access's justification and the number of reads), with an
 * audit entry, in the transaction that built the bundle: a sink that fails aborts it and only
 * the failed attempt is recorded. Non-governmental reads (R9) are exported only under a warrant
 * or disclosure-order hold.
 *
 * Signing key: the unit's Ed25519 key pair is derived (crypto_sign_seed_keypair) from the
 * signing key store_set_master_key() gives the store; the private key never leaves the
 * process, the public key is store_export_public_key().
 *
 * custody.txt: one line per entry, "SEQ<TAB>TIME<TAB>MEMBER<TAB>ACTION<TAB>NOTE<TAB>SIG",
 * SEQ counting from 1, TIME as store_time_format(), SIG the base64 Ed25519 signature of
 * STORE_CUSTODY_SIG_DOMAIN, PREV, "\n" and the line up to (not including) its last TAB, where
 * PREV is the manifest's SHA-256 (hex) for entry 1 and the SHA-256 (hex) of the previous line
 * (without its newline) after that. An edited, dropped, reordered or inserted line breaks the
 * chain; a dropped tail is seen only against the store's record (store_custody_add's log).
 *
 * Copies (R7): every bundle is registered as a copy with the reads it holds (store_copies.h),
 * for the purge to flag.
 *
 * Release to another agency (R12): a written request (agency, requesting person, intended
 * purpose, the hold whose reads are asked for) is entered, reviewed by a records officer who
 * neither entered it nor created the account that did (approved or denied, with a note), and
 * only an approved request can be fulfilled, by an export. Requests are never deleted.
 */
#ifndef STORE_EXPORT_H
#define STORE_EXPORT_H

#include "store.h"

#include <stddef.h>
#include <stdint.h>

#include "store_justify.h"

/* The bundle's file names (see above). */
#define STORE_BUNDLE_MANIFEST   "MANIFEST.sha256"
#define STORE_BUNDLE_SIGNATURE  "MANIFEST.sig"
#define STORE_BUNDLE_CUSTODY    "custody.txt"
#define STORE_BUNDLE_PUBKEY     "UNIT.pub"
#define STORE_BUNDLE_INFO       "EXPORT.txt"
#define STORE_BUNDLE_AUDIT_HEAD "AUDIT-HEAD"
/* What the signatures cover, before the data: a signature of one kind never passes as the other. */
#define STORE_BUNDLE_SIG_DOMAIN  "alpr-bundle-v1\n"
#define STORE_CUSTODY_SIG_DOMAIN "alpr-custody-v1\n"
/* The public key as hex, with its NUL. */
#define STORE_PUBKEY_HEX 65

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
 * Investigator or administrator: exports the reads of active hold hold_id to sink, for the
 * access a (purpose, crime type, incident number: store_justify_check(), as for a search).
 * destination says where the bundle is going (the folder the client writes, as text): it is
 * recorded with the export and the copy and never opened. note goes into the custody record.
 * Every attempt that passes the role check is written to the search register (kind "export":
 * the justification, the hold, the number of reads exported, the outcome), refusals included.
 * Returns 0 and *res, or STORE_ERR_DENIED (role, or the justification: recorded),
 * STORE_ERR_NOTFOUND (no such hold), STORE_ERR_STATE (hold not active, or no signing key),
 * STORE_ERR_INVALID (no destination, or longer than STORE_EXPORT_DESTINATION_MAX; note longer
 * than STORE_TEXT_MAX), STORE_ERR_FULL (the bundle would exceed sink->max_bytes), the sink's
 * error. On failure nothing is recorded but the failed attempt.
 */
int store_export_hold(struct store *s, const struct store_session *sess, int64_t hold_id,
                      const struct store_access *a, const char *destination, const char *note,
                      const struct store_export_sink *sink, struct store_export_result *res)
    __attribute__((warn_unused_result));

/*
 * The unit's Ed25519 public key (hex) into hex. Public: no session. Returns 0, or
 * STORE_ERR_STATE when the store has no signing key (store_set_master_key() not called).
 */
int store_export_public_key(const struct store *s, char hex[STORE_PUBKEY_HEX])
    __attribute__((warn_unused_result));

/* An export's custody.txt as the store has it: every signed line, in order. */
struct store_custody_log {
    char dir[STORE_EXPORT_DESTINATION_MAX + 1]; /* the export's recorded destination */
    size_t n;
    char **lines; /* without newline */
};
void store_custody_log_free(struct store_custody_log *log);

/*
 * Investigator or administrator: adds a chain-of-custody entry (e.g. "booked into evidence"),
 * signed and chained as above. When log is not NULL, *log is the export's whole custody.txt
 * after the entry (free with store_custody_log_free), for the client to append what its copy
 * lacks. STORE_ERR_INVALID: action empty, or action or note not text of at most STORE_TEXT_MAX
 * bytes; STORE_ERR_NOTFOUND: no such export; STORE_ERR_STATE: no signing key.
 */
int store_custody_add(struct store *s, const struct store_session *sess, int64_t export_id,
                      const char *action, const char *note, struct store_custody_log **log)
    __attribute__((warn_unused_result));

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
