/* store_reads: ingest, searches, views (see store_reads.h). */
#include "store_reads.h"
#include "store_justify.h"
#include "store_part.h"
#include "store_priv.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* STORE_PART_TOKEN_BYTES as SQL text. */
#define STORE_TOKEN_BYTES_SQL "2"
_Static_assert(STORE_PART_TOKEN_BYTES == 2, "STORE_TOKEN_BYTES_SQL");

static int text_ok(const char *t, size_t max, int required)
{
    if (!t || !*t)
        return !required;
    return store_priv_valid_text(t, max);
}

/* ---------------------------------------------------------------------------------------- */
/* Ingest                                                                                     */

static int validate_read(const struct store_read *r, char plate[PLATE_MAX_LEN + 1],
                         char cands[STORE_CANDIDATES_TEXT_MAX])
{
    static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    size_t used = 0;
    if (!r || plate_normalize(r->plate, 0, plate) != 0)
        return STORE_ERR_INVALID;
    if (!(r->confidence >= 0.0 && r->confidence <= 1.0) || r->time <= 0 ||
        r->n_candidates > STORE_MAX_CANDIDATES || r->frames_agreeing < 0)
        return STORE_ERR_INVALID;
    if (!store_priv_valid_name(r->unit_id) || !store_priv_valid_name(r->camera_id) ||
        !text_ok(r->source_agency, STORE_TEXT_MAX, 1))
        return STORE_ERR_INVALID;
    if (r->has_gps && !(fabs(r->lat) <= 90.0 && fabs(r->lon) <= 180.0))
        return STORE_ERR_INVALID;
    if (r->png_len > STORE_IMAGE_MAX || (r->png_len && (!r->png || r->png_len < 8)) ||
        (r->png_len && memcmp(r->png, png_sig, 8) != 0))
        return STORE_ERR_INVALID;
    cands[0] = '\0';
    for (size_t i = 0; i < r->n_candidates; i++) {
        char c[PLATE_MAX_LEN + 1];
        int n;
        if (plate_normalize(r->candidates[i].text, 0, c) != 0 ||
            !(r->candidates[i].confidence >= 0.0 && r->candidates[i].confidence <= 1.0))
            return STORE_ERR_INVALID;
        n = snprintf(cands + used, STORE_CANDIDATES_TEXT_MAX - used, "%s%s:%.3f", i ? ";" : "", c,
                     r->candidates[i].confidence);
        if (n < 0 || (size_t)n >= STORE_CANDIDATES_TEXT_MAX - used)
            return STORE_ERR_INVALID;
        used += (size_t)n;
    }
    return 0;
}

/* Inserts one read inside the caller's transaction, sealed under its day's key. */
static int insert_read(struct store *s, const struct store_read *r, int64_t *id,
                       struct store_alert **alerts, size_t *n_alerts)
{
    char plate[PLATE_MAX_LEN + 1], skel[PLATE_MAX_LEN + 1];
    char cands[STORE_CANDIDATES_TEXT_MAX];
    const unsigned char *key;
    struct store_part_row row;
    sqlite3_stmt *st;
    int64_t new_id, day;
    int rc;
    if ((rc = validate_read(r, plate, cands)) != 0)
        return rc;
    day = store_part_day(r->time);
    /* The key first: a key created for a transaction that then fails seals nothing and goes
     * with the next purge's sweep. */
    if ((rc = store_part_key(s, day, 1, &key)) != 0)
        return rc;
    /* Ids are global across the day partitions: the next value of read_seq. */
    st = store_priv_stmt(s, STORE_STMT_READ_SEQ,
                         "UPDATE read_seq SET last = last + 1 WHERE one = 1 RETURNING last");
    if (!st)
        return STORE_ERR_IO;
    rc = sqlite3_step(st);
    new_id = sqlite3_column_int64(st, 0);
    if (rc == SQLITE_ROW)
        rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return store_priv_err(rc);
    if ((rc = store_part_use_day(s, day)) != 0)
        return rc;
    row = (struct store_part_row){
        .id = new_id,
        .ts = r->time,
        .plate = plate,
        .candidates = cands,
        .unit = r->unit_id,
        .camera = r->camera_id,
        .agency = r->source_agency,
        .confidence = r->confidence,
        .has_gps = r->has_gps,
        .lat = r->lat,
        .lon = r->lon,
        .ngo = r->non_governmental,
        .frames = r->frames_agreeing,
        .png = r->png,
        .png_len = r->png_len,
    };
    /* Both inserts were prepared by store_part_use_day. */
    if ((rc = store_part_insert(s->stmt[STORE_STMT_INSERT_READ], s->stmt[STORE_STMT_INSERT_IMAGE],
                                key, &row)) != 0)
        return rc;
    *id = new_id;
    /* R9: a non-governmental read is not used without a warrant, so it raises no alert. */
    if (r->non_governmental) {
        *alerts = NULL;
        *n_alerts = 0;
        return 0;
    }
    plate_skeleton(plate, skel);
    return store_priv_hotlist_match(s, *id, plate, skel, r->time, alerts, n_alerts);
}

int store_add_read(struct store *s, const struct store_read *read, int64_t *read_id,
                   struct store_alert **alerts, size_t *n_alerts)
{
    struct store_alert *a = NULL;
    size_t na = 0;
    int64_t id;
    int rc;
    if ((rc = store_priv_begin(s)) != 0)
        return rc;
    if ((rc = insert_read(s, read, &id, &a, &na)) != 0)
        goto fail;
    if ((rc = store_priv_commit(s)) != 0)
        goto fail;
    *read_id = id;
    if (alerts) {
        *alerts = a;
        *n_alerts = na;
    } else {
        store_alerts_free(a);
    }
    return 0;
fail:
    store_priv_rollback(s);
    store_part_forget(s);
    store_alerts_free(a);
    return rc;
}

int store_add_reads(struct store *s, const struct store_read *reads, size_t n, int64_t *ids,
                    size_t *n_alerts)
{
    size_t total = 0;
    int rc;
    if (!reads && n)
        return STORE_ERR_INVALID;
    if ((rc = store_priv_begin(s)) != 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        struct store_alert *a = NULL;
        size_t na = 0;
        int64_t id;
        if ((rc = insert_read(s, &reads[i], &id, &a, &na)) != 0) {
            store_alerts_free(a);
            store_priv_rollback(s);
            store_part_forget(s);
            return rc;
        }
        store_alerts_free(a);
        total += na;
        if (ids)
            ids[i] = id;
    }
    if ((rc = store_priv_commit(s)) != 0) {
        store_part_forget(s);
        return rc;
    }
    if (n_alerts)
        *n_alerts = total;
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Access checks and the search register                                                    */

/* The meta record comes sealed, with its partition: fill_rec opens it once in C instead of
 * calling the views' store_meta once per column (store_part.h). */
#define READ_COLS                                                                                  \
    "r.id, r.ts, r.plate, r.confidence, r.part, r.meta, r.ngo, r.frames, r.has_img,"               \
    " (SELECT count(*) FROM alerts a WHERE a.read_id = r.id)"

/* Non-governmental reads only within the scope of the named active warrant/order (R9). */
#define NGO_SQL                                                                                    \
    " AND (r.ngo = 0 OR (:ref IS NOT NULL AND EXISTS(SELECT 1 FROM holds h WHERE"                  \
    " h.reference = :ref AND h.kind IN ('warrant', 'disclosure') AND " STORE_HOLD_ACTIVE_SQL(      \
        "h") " AND " STORE_HOLD_SCOPE_SQL("h", "r") ")))"

/*
 * Fills rec from a row of READ_COLS: 0, or STORE_ERR_NOTFOUND / STORE_ERR_DATA when the row
 * does not open (sealed under a key that is not its day's any more: as good as purged).
 */
static int fill_rec(struct store *s, sqlite3_stmt *st, struct store_read_rec *rec)
{
    int rc;
    memset(rec, 0, sizeof *rec);
    if (sqlite3_column_type(st, 2) == SQLITE_NULL)
        return STORE_ERR_NOTFOUND;
    rec->id = sqlite3_column_int64(st, 0);
    rec->time = sqlite3_column_int64(st, 1);
    store_priv_col_text(st, 2, rec->plate, sizeof rec->plate);
    rec->confidence = sqlite3_column_double(st, 3);
    rc = store_part_open_meta(s, sqlite3_column_int64(st, 4), rec->id, sqlite3_column_blob(st, 5),
                              (size_t)sqlite3_column_bytes(st, 5), rec);
    if (rc != 0)
        return rc;
    rec->non_governmental = sqlite3_column_int(st, 6);
    rec->frames_agreeing = sqlite3_column_int(st, 7);
    rec->has_image = sqlite3_column_int(st, 8);
    rec->n_alerts = sqlite3_column_int(st, 9);
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Searches                                                                                   */

static int list_push(struct store_read_list *list, size_t *cap, const struct store_read_rec *r)
{
    if (list->n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        void *p = realloc(list->items, ncap * sizeof *list->items);
        if (!p)
            return STORE_ERR_NOMEM;
        list->items = p;
        *cap = ncap;
    }
    list->items[list->n++] = *r;
    return 0;
}

/* Newest first (time, then id, descending). */
static int cmp_newest(const void *a, const void *b)
{
    const struct store_read_rec *x = a, *y = b;
    if (x->time != y->time)
        return x->time > y->time ? -1 : 1;
    return x->id > y->id ? -1 : x->id < y->id;
}

static int cmp_fuzzy(const void *a, const void *b)
{
    const struct store_read_rec *x = a, *y = b;
    if (x->distance != y->distance)
        return x->distance < y->distance ? -1 : 1;
    if (x->time != y->time)
        return x->time > y->time ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Runs the query; returns 0 and a list, or a STORE_ERR_*. */
static int run_query(struct store *s, const struct store_access *a, const struct store_query *q,
                     const char *plate, struct store_read_list **out)
{
    char sql[2048], lo[PLATE_MAX_LEN + 2] = "", lo2[PLATE_MAX_LEN + 2] = "";
    char skel[PLATE_MAX_LEN + 1] = "", tmp[PLATE_MAX_LEN + 1];
    const char *cond = "1";
    char *const *groups;
    size_t n_groups;
    struct store_read_list *list;
    size_t cap = 0, limit = q->limit ? q->limit : 1000;
    sqlite3_stmt *st;
    int rc, err = 0, fuzzy = 0;

    if (!s->keyring)
        return STORE_ERR_STATE; /* no plaintext path: the views decrypt with the day keys */
    if (plate && *plate) {
        plate_skeleton(plate, skel);
        switch (q->match) {
        case STORE_MATCH_EXACT:
            /* The skeleton index holds every plate that looks alike: a handful of rows. Each
             * arm of the group view computes its day's token once (see store_part.h). */
            cond = "r.skel_tok = store_tok(r.part, :skel, 0) AND r.plate = :plate";
            break;
        case STORE_MATCH_WILDCARD: {
            size_t n = strlen(plate), pre = strcspn(plate, "?*"), suf = 0;
            while (suf < n && plate[n - 1 - suf] != '?' && plate[n - 1 - suf] != '*')
                suf++;
            if (pre >= suf && pre > 0) {
                memcpy(tmp, plate, pre);
                tmp[pre] = '\0';
                plate_skeleton(tmp, lo);
                cond = "r.skel_tok >= store_tok(r.part, :lo, 0) AND"
                       " r.skel_tok < store_tok_end(r.part, :lo, 0) AND r.plate GLOB :plate";
            } else if (suf > 0) {
                plate_reverse(plate + n - suf, tmp);
                plate_skeleton(tmp, lo);
                cond = "r.skel_rev_tok >= store_tok(r.part, :lo, 1) AND"
                       " r.skel_rev_tok < store_tok_end(r.part, :lo, 1) AND r.plate GLOB :plate";
            } else if (!strchr(plate, '*')) {
                /* A scan: the length is known, and a token's length gives it away without
                 * decrypting the plate. */
                cond =
                    "length(r.skel_tok) = :len * " STORE_TOKEN_BYTES_SQL " AND r.plate GLOB :plate";
            } else {
                cond = "r.plate GLOB :plate";
            }
            break;
        }
        case STORE_MATCH_FUZZY:
            fuzzy = 1;
            /* The distance is checked in SQL too: a candidate that fails it costs one
             * decrypted plate, not a decrypted record (store_part.h). */
            if (q->max_edits == 0) {
                cond = "r.skel_tok = store_tok(r.part, :skel, 0) AND"
                       " store_skel_distance(:plate, r.plate) = 0";
            } else {
                size_t n = strlen(skel), h = n / 2;
                /* One differing position is either in the second half (the first half is
                 * intact: a prefix range) or in the first half (the rest is intact: a range
                 * on the reversed skeleton). */
                if (h == 0) {
                    cond = "length(r.skel_tok) = :len * " STORE_TOKEN_BYTES_SQL
                           " AND store_skel_distance(:plate, r.plate) BETWEEN 0 AND 1";
                } else {
                    memcpy(lo, skel, h);
                    lo[h] = '\0';
                    plate_reverse(skel + h, lo2);
                    cond = "((r.skel_tok >= store_tok(r.part, :lo, 0) AND"
                           " r.skel_tok < store_tok_end(r.part, :lo, 0)) OR"
                           " (r.skel_rev_tok >= store_tok(r.part, :lo2, 1) AND"
                           " r.skel_rev_tok < store_tok_end(r.part, :lo2, 1))) AND"
                           " length(r.skel_tok) = :len * " STORE_TOKEN_BYTES_SQL
                           " AND store_skel_distance(:plate, r.plate) BETWEEN 0 AND 1";
                }
            }
            break;
        default:
            return STORE_ERR_INVALID;
        }
    }
    if ((rc = store_part_groups(s, &groups, &n_groups)) != 0)
        return rc;
    list = calloc(1, sizeof *list);
    if (!list)
        return STORE_ERR_NOMEM;
    /* One query per group of day partitions (see store_part.h), each prepared once. */
    for (size_t g = 0; g < n_groups; g++) {
        snprintf(sql, sizeof sql,
                 "SELECT " READ_COLS " FROM %s r WHERE %s AND (:from = 0 OR r.ts >= :from)"
                 " AND (:to = 0 OR r.ts < :to) AND (:unit IS NULL OR r.unit = :unit)" NGO_SQL,
                 groups[g], cond);
        st = store_priv_cached(s, sql);
        if (!st) {
            store_read_list_free(list);
            return store_priv_err(sqlite3_errcode(s->db));
        }
        store_priv_bind_named_text(st, ":plate", plate);
        store_priv_bind_named_text(st, ":skel", skel);
        store_priv_bind_named_text(st, ":lo", lo);
        store_priv_bind_named_text(st, ":lo2", lo2);
        store_priv_bind_named_int(st, ":len", (int64_t)strlen(skel));
        store_priv_bind_named_int(st, ":from", q->from);
        store_priv_bind_named_int(st, ":to", q->to);
        store_priv_bind_named_text(st, ":unit", q->unit);
        store_priv_bind_named_text(st, ":ref", a->warrant_ref);
        store_priv_bind_named_int(st, ":now", store_now(s));
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            struct store_read_rec rec;
            /* A row that does not open is as good as purged. */
            if ((err = fill_rec(s, st, &rec)) == STORE_ERR_NOTFOUND || err == STORE_ERR_DATA) {
                err = 0;
                continue;
            }
            if (err != 0)
                break;
            if (fuzzy) {
                int d = plate_skeleton_distance(plate, rec.plate);
                if (d < 0 || d > q->max_edits)
                    continue;
                rec.distance = plate_fuzzy_distance(plate, rec.plate);
            }
            if ((err = list_push(list, &cap, &rec)) != 0)
                break;
            /* Sorted here, not by SQL: an ORDER BY over a UNION ALL of partitions costs
             * several times the search itself. At most 2 * limit rows are kept in memory. */
            if (list->n >= 2 * limit && limit <= SIZE_MAX / 2) {
                qsort(list->items, list->n, sizeof *list->items, fuzzy ? cmp_fuzzy : cmp_newest);
                list->n = limit;
            }
        }
        sqlite3_reset(st);
        if (err != 0 || rc != SQLITE_DONE) {
            store_read_list_free(list);
            return err != 0 ? err : store_priv_err(rc);
        }
    }
    if (list->n)
        qsort(list->items, list->n, sizeof *list->items, fuzzy ? cmp_fuzzy : cmp_newest);
    if (list->n > limit)
        list->n = limit;
    *out = list;
    return 0;
}

static const char *match_name(enum store_match m)
{
    return m == STORE_MATCH_EXACT ? "exact" : m == STORE_MATCH_WILDCARD ? "wildcard" : "fuzzy";
}

int store_search(struct store *s, const struct store_session *sess,
                 const struct store_access *access, const struct store_query *query,
                 struct store_read_list **out)
{
    struct store_json j;
    struct store_read_list *list = NULL;
    struct store_justified ja;
    char plate[PLATE_MAX_LEN + 1] = "";
    int rc;

    if (!query)
        return STORE_ERR_INVALID;
    store_json_init(&j);
    store_json_str(&j, "plate", query->plate);
    store_json_str(&j, "match", match_name(query->match));
    store_json_int(&j, "max_edits", query->max_edits);
    store_json_int(&j, "from", query->from);
    store_json_int(&j, "to", query->to);
    store_json_str(&j, "unit", query->unit);
    store_json_end(&j);
    if ((rc = store_priv_authorize(s, sess, STORE_ROLE_INVESTIGATOR | STORE_ROLE_ADMINISTRATOR,
                                   "search", j.buf)) != 0)
        return rc;
    if ((rc = store_justify_access(s, sess, "search", access, j.buf, &ja)) != 0)
        return rc;
    access = &ja.access;
    if (query->plate && *query->plate &&
        plate_normalize(query->plate, query->match == STORE_MATCH_WILDCARD, plate) != 0)
        return STORE_ERR_INVALID;
    if (!plate[0] && !query->from && !query->to && !(query->unit && *query->unit))
        return STORE_ERR_INVALID;
    if (query->max_edits < 0 || query->max_edits > 1 ||
        (query->unit && *query->unit && !store_priv_valid_name(query->unit)))
        return STORE_ERR_INVALID;
    if ((rc = run_query(s, access, query, plate, &list)) != 0)
        return rc;
    if ((rc = store_justify_record(s, sess, "search", access, j.buf, (int64_t)list->n, "ok")) !=
        0) {
        store_read_list_free(list);
        return rc;
    }
    *out = list;
    return 0;
}

void store_read_list_free(struct store_read_list *list)
{
    if (!list)
        return;
    free(list->items);
    free(list);
}

/* Fetches one read honouring R9; 0, STORE_ERR_NOTFOUND or an error. */
static int fetch_read(struct store *s, const struct store_access *a, int64_t id,
                      struct store_read_rec *out)
{
    int rc;
    sqlite3_stmt *st;
    if (!s->keyring)
        return STORE_ERR_STATE;
    st = store_priv_cached(s, "SELECT " READ_COLS " FROM reads r WHERE r.id = :id" NGO_SQL);
    if (!st)
        return store_priv_err(sqlite3_errcode(s->db));
    store_priv_bind_named_int(st, ":id", id);
    store_priv_bind_named_text(st, ":ref", a->warrant_ref);
    store_priv_bind_named_int(st, ":now", store_now(s));
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        rc = fill_rec(s, st, out);
        sqlite3_reset(st);
        return rc == STORE_ERR_DATA ? STORE_ERR_NOTFOUND : rc;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? STORE_ERR_NOTFOUND : store_priv_err(rc);
}

int store_read_get(struct store *s, const struct store_session *sess,
                   const struct store_access *access, int64_t read_id, struct store_read_rec *out)
{
    struct store_json j;
    struct store_justified ja;
    struct store_read_rec rec;
    int rc;
    store_json_init(&j);
    store_json_int(&j, "read", read_id);
    store_json_end(&j);
    if ((rc = store_priv_authorize(s, sess, STORE_ROLE_INVESTIGATOR | STORE_ROLE_ADMINISTRATOR,
                                   "read.view", j.buf)) != 0)
        return rc;
    if ((rc = store_justify_access(s, sess, "read.view", access, j.buf, &ja)) != 0)
        return rc;
    access = &ja.access;
    rc = fetch_read(s, access, read_id, &rec);
    if (rc != 0 && rc != STORE_ERR_NOTFOUND)
        return rc;
    {
        int arc = store_justify_record(s, sess, "read.view", access, j.buf, rc == 0,
                                       rc == 0 ? "ok" : "failed: not found or not authorised");
        if (arc != 0)
            return arc;
    }
    if (rc == 0)
        *out = rec;
    return rc;
}

int store_read_image(struct store *s, const struct store_session *sess,
                     const struct store_access *access, int64_t read_id, uint8_t **png, size_t *len)
{
    struct store_json j;
    struct store_justified ja;
    struct store_read_rec rec;
    uint8_t *buf = NULL;
    size_t n = 0;
    int rc;
    store_json_init(&j);
    store_json_int(&j, "read", read_id);
    store_json_end(&j);
    if ((rc = store_priv_authorize(s, sess, STORE_ROLE_INVESTIGATOR | STORE_ROLE_ADMINISTRATOR,
                                   "read.image", j.buf)) != 0)
        return rc;
    if ((rc = store_justify_access(s, sess, "read.image", access, j.buf, &ja)) != 0)
        return rc;
    access = &ja.access;
    rc = fetch_read(s, access, read_id, &rec);
    if (rc == 0)
        rc = store_part_image(s, read_id, rec.time, &buf, &n);
    if (rc != 0 && rc != STORE_ERR_NOTFOUND)
        return rc;
    {
        int arc = store_justify_record(s, sess, "read.image", access, j.buf, rc == 0,
                                       rc == 0 ? "ok" : "failed: not found or not authorised");
        if (arc != 0) {
            free(buf);
            return arc;
        }
    }
    if (rc != 0)
        return rc;
    *png = buf;
    *len = n;
    return 0;
}
