/*
 * store_copies: the copies of reads outside the store (R7). Every evidence bundle and every
 * convenience copy a client writes (a crop) is registered with the reads it holds; the purge
 * flags (store_copies_flag_purged) the copies whose reads it purged, and the owner's client
 * deletes the flagged copy it finds and says so (store_copy_deleted). The service never opens a
 * path: it cannot reach members' folders, so a copy is flagged, not deleted, by the store.
 */
#ifndef STORE_COPIES_H
#define STORE_COPIES_H

#include "store_export.h"

/*
 * Investigator or administrator: registers a crop of read read_id that the member's client
 * writes at path (absolute; a label, never opened), with the caller's uid. Call before writing
 * it. Returns 0 and *copy_id, or STORE_ERR_NOTFOUND (no such read), STORE_ERR_INVALID (path
 * empty, relative or longer than STORE_EXPORT_DESTINATION_MAX), STORE_ERR_DENIED.
 */
int store_copy_register(struct store *s, const struct store_session *sess, int64_t read_id,
                        const char *path, int64_t *copy_id) __attribute__((warn_unused_result));

struct store_copy {
    int64_t id;
    char kind[8]; /* "export" or "crop" */
    char path[STORE_EXPORT_DESTINATION_MAX + 1];
    char member[STORE_NAME_MAX + 8];
    int64_t uid; /* -1: unknown */
    int64_t at;
    int64_t export_id; /* 0 for a crop */
    int64_t reads, from, to;
    int64_t flagged_at; /* 0: not flagged */
    char flag_reason[STORE_TEXT_MAX + 1];
    int64_t deleted_at; /* 0: not reported deleted */
    char deleted_by[STORE_NAME_MAX + 8];
};

struct store_copy_list {
    size_t n;
    struct store_copy *items;
};

/*
 * The registered copies: administrators and auditors see every member's, investigators their
 * own. flagged_only: only copies flagged and not yet reported deleted. Audited.
 */
int store_copy_list(struct store *s, const struct store_session *sess, int flagged_only,
                    struct store_copy_list **out) __attribute__((warn_unused_result));
void store_copy_list_free(struct store_copy_list *list);

/*
 * The member who registered copy copy_id reports it deleted (once). STORE_ERR_NOTFOUND: no
 * such copy of the caller's, or already reported.
 */
int store_copy_deleted(struct store *s, const struct store_session *sess, int64_t copy_id)
    __attribute__((warn_unused_result));

/*
 * For the purge, inside its transaction, after it deleted the due reads (reads with time <
 * cutoff that no hold keeps live on only in reads_rest): flags, at now, every unflagged copy
 * holding a read older than cutoff that is gone. *flagged: how many. Returns 0 or a STORE_ERR_*.
 */
int store_copies_flag_purged(struct store *s, int64_t cutoff, int64_t now, int64_t *flagged)
    __attribute__((warn_unused_result));

/*
 * For the export, inside its transaction: registers its bundle at destination as a copy holding
 * the reads of hold hold_id that the export wrote (non-governmental ones only when ngo_ok).
 * Returns 0 or a STORE_ERR_*.
 */
int store_copies_register_export(struct store *s, const char *who, int64_t export_id,
                                 int64_t hold_id, int ngo_ok, const char *destination, int64_t now)
    __attribute__((warn_unused_result));

#endif
