/*
 * store_hotlist: hotlists imported from CSV, the alerts they raise, and alert verification
 * (R2, R4).
 *
 * CSV: a header row naming the columns, then one entry per row (RFC 4180 quoting; fields
 * trimmed of blanks). Required columns: plate, state, reason, source, expiry (YYYY-MM-DD, in the
 * future). Optional NCIC-style columns: incident, nic, ori, vehicle. Every entry carries a case:
 * a reason (3 bytes at least, not junk: store_justify.h) and an incident number in the
 * department's format (store_justify.h) or an NCIC number in nic (a letter and nine digits). A
 * plate with '?' or '*' is a partial plate and must name its incident. Text fields must be
 * UTF-8 without control characters. An import is all or nothing: any bad row rejects the whole
 * file, and every bad row is reported with its line number and field.
 *
 * Each new read is matched against the active entries (not expired, list not removed): exact
 * plate ("exact"), OCR-confusable equal ("confusable"), wildcard ("wildcard"), wildcard on the
 * confusable skeleton ("wildcard-confusable"). Reads from a non-governmental source are not
 * matched (R9: their data is used only under a warrant). An alert starts "unverified"; an operator
 * or investigator sets it "confirmed" (checked against the official database) or "rejected".
 */
#ifndef STORE_HOTLIST_H
#define STORE_HOTLIST_H

#include "plate_match.h"
#include "store.h"
#include "store_justify.h"

#include <stddef.h>
#include <stdint.h>

struct store_alert {
    int64_t id;
    int64_t read_id;
    int64_t entry_id;
    int64_t hotlist_id;
    int64_t created_at;
    int64_t read_time;
    char kind[24];                       /* exact, confusable, wildcard, wildcard-confusable */
    char entry_plate[PLATE_MAX_LEN + 1]; /* the hotlist plate or pattern */
    char read_plate[PLATE_MAX_LEN + 1];
    char unit[STORE_NAME_MAX + 1];
    char reason[STORE_TEXT_MAX + 1];
    char incident[STORE_NAME_MAX + 1];
    char state[16]; /* unverified, confirmed, rejected */
    char state_by[STORE_NAME_MAX + 1];
    int64_t state_at;
};

/* Frees an alert array returned by store_add_read. Accepts NULL. */
void store_alerts_free(struct store_alert *alerts);

#define STORE_CSV_MAX_ERRORS 50
#define STORE_CSV_MAX_BYTES  (64u << 20)

struct store_csv_error {
    size_t line;    /* 1-based line where the row starts */
    char field[32]; /* column name, or "" for the row as a whole */
    char message[160];
};

/* Diagnostic of an import: written whether or not the import succeeds. */
struct store_import_result {
    int64_t hotlist_id; /* 0 unless imported */
    size_t n_entries;
    size_t n_errors; /* errors found (only the first STORE_CSV_MAX_ERRORS are kept) */
    struct store_csv_error errors[STORE_CSV_MAX_ERRORS];
};

/*
 * Investigator or administrator: imports len bytes of CSV as a new hotlist called name.
 * Returns 0 (res->hotlist_id set), STORE_ERR_DATA (res lists the bad rows; nothing imported),
 * STORE_ERR_DENIED, STORE_ERR_INVALID (bad name, empty or too large file).
 */
int store_hotlist_import_csv(struct store *s, const struct store_session *sess, const char *name,
                             const char *data, size_t len, struct store_import_result *res)
    __attribute__((warn_unused_result));

struct store_hotlist_info {
    int64_t id;
    char name[STORE_TEXT_MAX + 1];
    int64_t imported_at;
    char imported_by[STORE_NAME_MAX + 1];
    int64_t n_entries;
    int removed;
};

struct store_hotlist_list {
    size_t n;
    struct store_hotlist_info *items;
};

/* Operator, investigator or administrator: lists the hotlists. */
int store_hotlist_list(struct store *s, const struct store_session *sess,
                       struct store_hotlist_list **out) __attribute__((warn_unused_result));
void store_hotlist_list_free(struct store_hotlist_list *list);

/* Investigator or administrator: removes a hotlist from matching (kept on file). */
int store_hotlist_remove(struct store *s, const struct store_session *sess, int64_t hotlist_id)
    __attribute__((warn_unused_result));

struct store_alert_list {
    size_t n;
    struct store_alert *items;
};

/*
 * Operator, investigator or administrator: alerts raised with from <= time < to (0 = open),
 * state "unverified"/"confirmed"/"rejected" or NULL for all, newest first, at most limit
 * (0 = 1000). The list shows plates, units and times, so it is an access like a search (R1,
 * R11): access must be justified (store_justify.h; an operator acting on a live alert names
 * that entry's incident and reason), and the access, refused or not, is written to the search
 * register as kind "alerts" with the audit entry. Returns 0 and *out, STORE_ERR_DENIED (role,
 * or justification: recorded), STORE_ERR_INVALID (bad state).
 */
int store_alert_list(struct store *s, const struct store_session *sess,
                     const struct store_access *access, const char *state, int64_t from, int64_t to,
                     size_t limit, struct store_alert_list **out)
    __attribute__((warn_unused_result));
void store_alert_list_free(struct store_alert_list *list);

/*
 * Operator or investigator: records the verification of an alert: state "confirmed" (checked
 * against the official database) or "rejected", with a note. Returns 0, STORE_ERR_NOTFOUND,
 * STORE_ERR_INVALID (bad state), STORE_ERR_DENIED.
 */
int store_alert_set_state(struct store *s, const struct store_session *sess, int64_t alert_id,
                          const char *state, const char *note) __attribute__((warn_unused_result));

#endif
