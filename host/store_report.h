/*
 * store_report: audit reports for auditors (R11) and the public page (R13).
 *
 * The audit report covers a period and has these sections, each a small table:
 *   searches_by_member, searches_by_crime_type, searches_by_purpose, searches_by_month,
 *   accesses_without_incident (should be empty but for refused attempts), refusals (denied or
 *   failed accesses from the audit log), exports, releases, purges.
 * It is written as text, CSV (first column: section) or JSON (an object of arrays).
 *
 * The public page is a static HTML file: the policy text, the retention period, and aggregate
 * statistics (reads held now, alerts and their verification, searches by purpose, purge dates
 * and counts, holds and releases) that identify no plate.
 */
#ifndef STORE_REPORT_H
#define STORE_REPORT_H

#include "store.h"

#include <stdint.h>
#include <stdio.h>

enum store_report_format { STORE_REPORT_TEXT, STORE_REPORT_CSV, STORE_REPORT_JSON };

/*
 * Auditor or administrator: writes the audit report for from <= time < to (0 = open) to out.
 * Audited. Returns 0, STORE_ERR_DENIED, STORE_ERR_IO (write error).
 */
int store_report_audit(struct store *s, const struct store_session *sess, int64_t from, int64_t to,
                       enum store_report_format format, FILE *out)
    __attribute__((warn_unused_result));

/*
 * Auditor or administrator: writes the public HTML page to out. policy_text (plain text,
 * escaped on output) replaces the built-in summary of the policy when not NULL.
 */
int store_report_public(struct store *s, const struct store_session *sess, const char *policy_text,
                        FILE *out) __attribute__((warn_unused_result));

#endif
