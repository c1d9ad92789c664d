/*
 * store_reads: ingest of plate reads (with live hotlist matching) and searches of stored reads
 * (R1, R2, R9, R11).
 *
 * Ingest is the daemon's path: it acts as the system account (store_set_system_name), needs
 * no session, and each alert it raises is audited under that account. Searches and views of a
 * read or its image are members' paths: each names a statutory purpose, a crime type and an
 * incident number (struct store_access); the access, the query and the number of results are
 * written to the search register and the audit log, which outlive the reads (never purged).
 * Reads from a non-governmental source are returned only when the access names the reference
 * of an active warrant or disclosure-order hold whose scope covers them (R9).
 *
 * Matching: exact plate; wildcard pattern ('?' one character, '*' any run, e.g. "7AB*2");
 * fuzzy: same length, OCR-confusable characters count as equal (see plate_match.h), and up to
 * max_edits (0 or 1) other characters may differ.
 */
#ifndef STORE_READS_H
#define STORE_READS_H

#include "plate_match.h"
#include "store_justify.h"
#include "store.h"
#include "store_hotlist.h"

#include <stddef.h>
#include <stdint.h>

#define STORE_MAX_CANDIDATES      8
#define STORE_IMAGE_MAX           (4u << 20) /* largest plate crop PNG accepted, bytes */
#define STORE_CANDIDATES_TEXT_MAX (STORE_MAX_CANDIDATES * (PLATE_MAX_LEN + 8) + 1)

struct store_candidate {
    const char *text;
    double confidence; /* 0..1 */
};

/* One read as the daemon hands it over. Strings are copied; png may be NULL (no crop). */
struct store_read {
    const char *plate; /* OCR result; canonicalised (plate_normalize) before storing */
    double confidence; /* 0..1 */
    struct store_candidate candidates[STORE_MAX_CANDIDATES];
    size_t n_candidates;
    int64_t time; /* capture time, Unix seconds UTC */
    const char *unit_id;
    const char *camera_id;
    int has_gps;
    double lat, lon;
    const char *source_agency; /* who operates the device */
    int non_governmental;      /* 1: device of a non-governmental source (R9) */
    const uint8_t *png;        /* plate crop, 8-bit grayscale PNG bytes */
    size_t png_len;            /* <= STORE_IMAGE_MAX */
    int frames_agreeing;       /* frames whose OCR agreed on the plate */
};

/*
 * Stores one read, matches it against the active hotlists in the same transaction and writes
 * an alert (and an audit entry) for each hit (not for non-governmental reads, R9). Returns 0,
 * *read_id and, when alerts is not NULL, *alerts / *n_alerts (free with store_alerts_free; NULL/0
 * when none). Errors: STORE_ERR_INVALID (bad field: nothing stored), STORE_ERR_FULL (disk full:
 * nothing stored, all earlier reads intact), STORE_ERR_BUSY, STORE_ERR_IO.
 */
int store_add_read(struct store *s, const struct store_read *read, int64_t *read_id,
                   struct store_alert **alerts, size_t *n_alerts)
    __attribute__((warn_unused_result));

/*
 * Stores n reads in one transaction (all or none), as store_add_read does for each. ids (may be
 * NULL) receives the n read ids; *n_alerts (may be NULL) the number of alerts raised.
 */
int store_add_reads(struct store *s, const struct store_read *reads, size_t n, int64_t *ids,
                    size_t *n_alerts) __attribute__((warn_unused_result));

enum store_match { STORE_MATCH_EXACT, STORE_MATCH_WILDCARD, STORE_MATCH_FUZZY };

struct store_query {
    const char *plate; /* plate or pattern; NULL: any plate (then from/to or unit needed) */
    enum store_match match;
    int max_edits;    /* fuzzy only: 0 or 1 non-confusable differences */
    int64_t from, to; /* from <= time < to; 0 = open */
    const char *unit; /* only this unit, or NULL */
    size_t limit;     /* most results, newest first (0 = 1000) */
};

/* A stored read as searches return it. */
struct store_read_rec {
    int64_t id;
    int64_t time;
    char plate[PLATE_MAX_LEN + 1];
    double confidence;
    char candidates[STORE_CANDIDATES_TEXT_MAX]; /* "PLATE:0.910;PLATE:0.050" */
    char unit[STORE_NAME_MAX + 1];
    char camera[STORE_NAME_MAX + 1];
    int has_gps;
    double lat, lon;
    char agency[STORE_TEXT_MAX + 1];
    int non_governmental;
    int frames_agreeing;
    int has_image;
    int n_alerts;
    int distance; /* fuzzy: plate_fuzzy_distance to the query; 0 otherwise */
};

struct store_read_list {
    size_t n;
    struct store_read_rec *items;
};

/*
 * Searches stored reads for an investigator or administrator. Returns 0 and *out (free with
 * store_read_list_free), STORE_ERR_DENIED (no or bad purpose / crime type / incident, unknown
 * warrant reference, or role; the refusal is recorded), STORE_ERR_INVALID (bad query).
 */
int store_search(struct store *s, const struct store_session *sess,
                 const struct store_access *access, const struct store_query *query,
                 struct store_read_list **out) __attribute__((warn_unused_result));

void store_read_list_free(struct store_read_list *list);

/* Views one read (recorded like a search). Returns 0 and *out, or as store_search, or NOTFOUND. */
int store_read_get(struct store *s, const struct store_session *sess,
                   const struct store_access *access, int64_t read_id, struct store_read_rec *out)
    __attribute__((warn_unused_result));

/*
 * Views a read's plate crop (recorded). Returns 0, *png (malloc'd, caller frees) and *len, or
 * as store_read_get; STORE_ERR_NOTFOUND when the read has no image.
 */
int store_read_image(struct store *s, const struct store_session *sess,
                     const struct store_access *access, int64_t read_id, uint8_t **png, size_t *len)
    __attribute__((warn_unused_result));

#endif
