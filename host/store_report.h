/*
 * store_report: the data of the audit report for auditors (R11) and of the public page (R13).
 * The store returns tables; rendering them (text, CSV, JSON, HTML) is the client's business.
 *
 * The audit report covers a period and has these STORE_REPORT_AUDIT_SECTIONS tables (sections), in
 * this order: searches_by_member, searches_by_crime_type, searches_by_purpose, searches_by_month,
 * accesses_without_incident (accesses whose incident number is blank or a placeholder such as
 * "none" or "n/a", granted or refused), incident_reused_across_crime_types (one incident number
 * given for different crime types: a justification to look at), refusals (denied or failed
 * accesses from the audit log), exports, releases, purges.
 *
 * It is built from chained data only: the rows of searches, exports, releases and purges as
 * the keyed audit chain holds them (store_audit.h), never from the editable tables; the
 * refusals from the chain's entries. Every text cell is printable (store_audit_printable):
 * control characters and invalid UTF-8 already in the log show as \xHH escapes.
 *
 * The public page's tables are aggregates that identify no plate (reads held now by month,
 * alerts by verification, searches by purpose, purges, holds, release requests), each named by
 * its title, with the retention period.
 *
 * A report is owned by the caller: store_report_free.
 */
#ifndef STORE_REPORT_H
#define STORE_REPORT_H

#include "store.h"

#include <stddef.h>
#include <stdint.h>

#define STORE_REPORT_AUDIT_SECTIONS 10

struct store_report_cell {
    int is_int;  /* 1: the column held an integer (num); else text */
    int64_t num; /* the integer, when is_int */
    char *text;  /* the cell as text (integers in decimal; SQL NULL as ""); never NULL */
};

struct store_report_table {
    char *name; /* audit report: the section's name; public page: the table's title */
    size_t ncols;
    char **cols; /* column names */
    size_t nrows;
    struct store_report_cell *cells; /* row-major: row r, column c at cells[r * ncols + c] */
};

struct store_report {
    int64_t from, to;   /* the period asked for (0 = open end); 0 for the public page */
    int64_t generated;  /* when it was made, by the store's clock */
    int retention_days; /* the retention period (store_retention.h) */
    size_t n;
    struct store_report_table *tables;
};

/*
 * Auditor or administrator: the audit report for from <= time < to (0 = open end), all
 * sections read in one transaction. Audited. Returns 0 and *out, STORE_ERR_DENIED,
 * STORE_ERR_NOMEM or another STORE_ERR_*.
 */
int store_report_audit(struct store *s, const struct store_session *sess, int64_t from, int64_t to,
                       struct store_report **out) __attribute__((warn_unused_result));

/*
 * Auditor or administrator: the public page's statistics. Audited. As store_report_audit. (The
 * service adds the audit chain's head, an anchor, to the page: store_audit_head.)
 */
int store_report_public(struct store *s, const struct store_session *sess,
                        struct store_report **out) __attribute__((warn_unused_result));

void store_report_free(struct store_report *report);

#endif
