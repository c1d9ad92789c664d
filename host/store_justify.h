/*
 * store_justify: why a member may touch stored reads (R1, R11). Every access to reads (a search,
 * a view of a read or its crop, an export, a look at the alert list) names a statutory purpose,
 * a crime type and an incident number; an access to non-governmental reads (R9) also names the
 * reference of an active warrant or disclosure-order hold. One check decides for all of them, so
 * a rule added here holds on every path, and one function writes the access to the search
 * register.
 *
 * The rules (docs/STORE.md, "Justification"): each field is trimmed of leading and trailing
 * blanks (space, TAB) and what is recorded is the trimmed value. Then
 *   purpose     one of the four statutory purposes below;
 *   crime type  3..63 bytes of letters, digits, blanks and - / . , ' & ( ), two letters at least
 *               (any non-ASCII UTF-8 character counts as a letter), and not junk;
 *   incident    1..63 bytes, not junk, matching the incident-number pattern (a POSIX extended
 *               regular expression kept in the store, STORE_INCIDENT_PATTERN_DEFAULT until an
 *               administrator sets another with store_incident_pattern_set);
 *   warrant ref optional; text of at most STORE_TEXT_MAX bytes naming an active warrant or
 *               disclosure-order hold.
 * No field may hold a control character or bytes that are not UTF-8. Junk is a value with no
 * letter or digit ("-", "?", "..."), one character repeated ("xxx", "0000"), or, compared on its
 * letters and digits only and ignoring case, one of the words in store_justify.c's junk list
 * ("none", "n/a", "test", "unknown", "tbd", ...).
 */
#ifndef STORE_JUSTIFY_H
#define STORE_JUSTIFY_H

#include "store.h"

#include <regex.h>

/* Why a member accesses stored data (R1, R11). */
struct store_access {
    const char *purpose;     /* "investigation", "warrant", "missing-person", "stolen-vehicle" */
    const char *crime_type;  /* e.g. "robbery"; required */
    const char *incident;    /* incident / case number; required */
    const char *warrant_ref; /* reference of a warrant/disclosure hold, for R9 reads; or NULL */
};

/* The department's incident-number format until an administrator sets another: a prefix of 1-6
 * letters or digits, the year (2-4 digits) and a sequence number, dashes optional:
 * "2026-000123", "PD26-0042", "CASE-2026-17". */
#define STORE_INCIDENT_PATTERN_DEFAULT "^[A-Za-z0-9]{1,6}-?[0-9]{2,4}-?[0-9]{1,8}$"
#define STORE_INCIDENT_PATTERN_MAX     255
#define STORE_CRIME_TYPE_MIN           3

/* An access as checked: trimmed copies of the fields, and access pointing at them (NULL for a
 * field that was absent or empty). For a refused access a field that was not text holds a
 * printable rendering (each control character or non-UTF-8 byte shown as '?', cut to the
 * field's size) so that the refusal can be recorded without carrying the bad bytes along. */
struct store_justified {
    char purpose[32];
    char crime_type[STORE_NAME_MAX + 1];
    char incident[STORE_NAME_MAX + 1];
    char warrant_ref[STORE_TEXT_MAX + 1];
    struct store_access access;
};

/* 1 when word is one of the statutory purposes above. */
int store_purpose_valid(const char *word);

/* 1 when text (already trimmed) is junk as defined above, else 0. */
int store_justify_junk(const char *text);

/*
 * Checks a (see above) into *out. Returns 0 when the access is justified (out->access is what
 * to record and use); STORE_ERR_DENIED with *why (a static string starting "refused: " and
 * naming the field) saying what is wrong, out->access then being a safe copy to record the
 * refusal with; or another STORE_ERR_* when the check could not run. Records nothing.
 */
int store_justify_clean(struct store *s, const struct store_access *a, struct store_justified *out,
                        const char **why) __attribute__((warn_unused_result));

/* store_justify_clean for callers that record nothing and use a as given. */
int store_justify_check(struct store *s, const struct store_access *a, const char **why)
    __attribute__((warn_unused_result));

/*
 * The incident-number pattern in force, compiled into *re (regfree it after use), for checking
 * many incident numbers (a hotlist's rows) with store_justify_incident_match. Returns 0 or a
 * STORE_ERR_* (STORE_ERR_DATA: the stored pattern does not compile).
 */
int store_justify_incident_re(struct store *s, regex_t *re) __attribute__((warn_unused_result));

/* 1 when incident (already trimmed) is a well-formed incident number under re: text, not junk
 * and matching; else 0. */
int store_justify_incident_match(const regex_t *re, const char *incident);

/*
 * Writes an access of kind ("search", "read.view", "read.image", "alerts", "export", ...) with
 * its query text, result count and outcome ("ok", or the refusal) to the search register and the
 * audit log, in one transaction of its own. a may be NULL (recorded as no justification).
 * Returns 0 or a STORE_ERR_*.
 */
int store_justify_record(struct store *s, const struct store_session *sess, const char *kind,
                         const struct store_access *a, const char *query, int64_t count,
                         const char *outcome) __attribute__((warn_unused_result));

/*
 * The search-register row of store_justify_record alone, inside the caller's transaction, for
 * an access whose own audit entry the caller writes (an export). who as store_priv_who gives it.
 */
int store_justify_register(struct store *s, const char *who, const char *kind,
                           const struct store_access *a, const char *query, int64_t count,
                           const char *outcome) __attribute__((warn_unused_result));

/*
 * Checks a into *out (store_justify_clean) and records a refusal (store_justify_record). Returns
 * 0 when justified, STORE_ERR_DENIED when refused (recorded), or another STORE_ERR_*.
 */
int store_justify_access(struct store *s, const struct store_session *sess, const char *kind,
                         const struct store_access *a, const char *query,
                         struct store_justified *out) __attribute__((warn_unused_result));

/* The incident-number pattern in force into buf (size bytes; STORE_INCIDENT_PATTERN_MAX + 1
 * is enough). Returns 0 or a STORE_ERR_*. */
int store_incident_pattern_get(struct store *s, char *buf, size_t size)
    __attribute__((warn_unused_result));

/*
 * Administrator: sets the incident-number pattern (audited as "policy.set"). The pattern must
 * be text of at most STORE_INCIDENT_PATTERN_MAX bytes, compile as a POSIX extended regular
 * expression, be anchored (start with '^', end with '$') and match none of the junk samples
 * ("", "none", "n/a", "test", "-", "?", "0"). NULL or "" restores the default. Returns 0,
 * STORE_ERR_INVALID (*why says which rule; the refusal is audited), STORE_ERR_DENIED.
 */
int store_incident_pattern_set(struct store *s, const struct store_session *sess,
                               const char *pattern, const char **why)
    __attribute__((warn_unused_result));

#endif
