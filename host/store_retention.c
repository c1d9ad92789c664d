/* store_retention: retention period, holds, purge (see store_retention.h). */
#include "store_retention.h"
#include "plate_match.h"
#include "store_export.h"
#include "store_copies.h"
#include "store_part.h"
#include "store_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int store_retention_days(struct store *s)
{
    int64_t d = store_priv_setting(s, "retention_days", STORE_RETENTION_MAX_DAYS);
    return d < 1 || d > STORE_RETENTION_MAX_DAYS ? STORE_RETENTION_MAX_DAYS : (int)d;
}

int store_set_retention_days(struct store *s, const struct store_session *sess, int days)
{
    struct store_json j;
    int rc;
    store_json_init(&j);
    store_json_int(&j, "days", days);
    store_json_end(&j);
    if ((rc = store_priv_authorize(s, sess, STORE_ROLE_ADMINISTRATOR, "retention.set", j.buf)) != 0)
        return rc;
    if (days < 1 || days > STORE_RETENTION_MAX_DAYS) {
        rc = store_priv_audit_now(s, sess->member, "retention.set", j.buf,
                                  "denied: retention must be 1..273 days (nine months at most)");
        return rc != 0 ? rc : STORE_ERR_INVALID;
    }
    return store_priv_setting_set(s, sess, "retention_days", days, "retention.set", j.buf);
}

/* ---------------------------------------------------------------------------------------- */
/* Purge                                                                                      */

static int step_done(struct store *s, const char *sql, int64_t cutoff, int64_t now)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    store_priv_bind_named_int(st, ":cutoff", cutoff);
    store_priv_bind_named_int(st, ":now", now);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : store_priv_err(rc);
}

static int count_query(struct store *s, const char *sql, int64_t *a, int64_t *b, int64_t *c)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *a = sqlite3_column_int64(st, 0);
        if (b)
            *b = sqlite3_column_int64(st, 1);
        if (c)
            *c = sqlite3_column_int64(st, 2);
        rc = 0;
    } else {
        rc = store_priv_err(rc);
    }
    sqlite3_finalize(st);
    return rc;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Adds the counts of the query (count, min ts, max ts; or count only) to the report fields. */
static int add_stats(struct store *s, const char *sql, int64_t *count, int64_t *oldest,
                     int64_t *newest)
{
    int64_t n = 0, lo = 0, hi = 0;
    int rc = count_query(s, sql, &n, oldest ? &lo : NULL, newest ? &hi : NULL);
    if (rc != 0)
        return rc;
    if (oldest && n > 0) {
        if (*oldest == 0 || lo < *oldest)
            *oldest = lo;
        if (hi > *newest)
            *newest = hi;
    }
    *count += n;
    return 0;
}

/*
 * Purges the due reads outside the day tables (reads_rest: held reads of purged days, reads of
 * older files) row by row, then rebuilds that table by copy when it deleted anything.
 */
static int purge_rest(struct store *s, struct store_purge_report *r, int64_t now, int64_t *due)
{
    int64_t before = r->reads;
    int rc;
    if ((rc = store_priv_exec(s, "CREATE TEMP TABLE IF NOT EXISTS purge_ids(id INTEGER PRIMARY"
                                 " KEY)")) != 0 ||
        (rc = store_priv_exec(s, "DELETE FROM temp.purge_ids")) != 0)
        return rc;
    {
        int64_t n = 0;
        sqlite3_stmt *st;
        rc = sqlite3_prepare_v2(s->db, "SELECT count(*) FROM reads_rest WHERE ts < :cutoff", -1,
                                &st, NULL);
        if (rc != SQLITE_OK)
            return store_priv_err(rc);
        store_priv_bind_named_int(st, ":cutoff", r->cutoff);
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        *due += n;
    }
    if ((rc = step_done(
             s,
             "INSERT INTO temp.purge_ids SELECT r.id FROM reads_grest r"
             " WHERE r.ts < :cutoff AND NOT EXISTS(SELECT 1 FROM holds h "
             "WHERE " STORE_HOLD_ACTIVE_SQL("h") " AND " STORE_HOLD_SCOPE_SQL("h", "r") ")",
             r->cutoff, now)) != 0 ||
        (rc = add_stats(s,
                        "SELECT count(*), coalesce(min(ts), 0), coalesce(max(ts), 0)"
                        " FROM reads_rest WHERE id IN temp.purge_ids",
                        &r->reads, &r->oldest, &r->newest)) != 0 ||
        (rc = add_stats(s, "SELECT count(*) FROM images_rest WHERE read_id IN temp.purge_ids",
                        &r->images, NULL, NULL)) != 0 ||
        (rc = add_stats(s, "SELECT count(*) FROM alerts WHERE read_id IN temp.purge_ids",
                        &r->alerts, NULL, NULL)) != 0)
        return rc;
    if (r->reads == before)
        return 0;
    if ((rc = store_priv_exec(s, "DELETE FROM alerts WHERE read_id IN temp.purge_ids")) != 0 ||
        (rc = store_priv_exec(s, "DELETE FROM images_rest WHERE read_id IN temp.purge_ids")) != 0 ||
        (rc = store_priv_exec(s, "DELETE FROM reads_rest WHERE id IN temp.purge_ids")) != 0 ||
        (rc = store_priv_exec(s, "DELETE FROM temp.purge_ids")) != 0)
        return rc;
    /* Row deletes leave stale copies of moved cells in rebalanced pages: copy the table into
     * fresh pages and drop the old one (secure_delete zeroes every page it frees). */
    {
        int64_t t0 = mono_ms();
        rc = store_part_rebuild_rest(s);
        r->rebuild_ms += mono_ms() - t0;
    }
    return rc;
}

/*
 * Moves the held reads of day to reads_rest, re-sealed under the held-reads key: the day's
 * key is destroyed with the day, the held reads must stay readable.
 */
static int move_held(struct store *s, int64_t day, int64_t cutoff, int64_t now)
{
    char sql[1024], suffix[32];
    int64_t held = store_part_held_key(s);
    sqlite3_stmt *st;
    int rc;
    /* The group view decrypts plate and unit for the holds' scope; part picks the day's arm. */
    snprintf(sql, sizeof sql,
             "SELECT r.id FROM reads_g%lld r WHERE r.part = %lld AND EXISTS(SELECT 1 FROM holds h"
             " WHERE " STORE_HOLD_ACTIVE_SQL("h") " AND " STORE_HOLD_SCOPE_SQL("h", "r") ")",
             (long long)(day / STORE_PART_GROUP_DAYS), (long long)day);
    snprintf(suffix, sizeof suffix, "d%lld", (long long)day);
    rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    store_priv_bind_named_int(st, ":cutoff", cutoff);
    store_priv_bind_named_int(st, ":now", now);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int r2 = store_part_reseal(s, suffix, day, "rest", held, sqlite3_column_int64(st, 0));
        if (r2 != 0) {
            sqlite3_finalize(st);
            return r2;
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : store_priv_err(rc);
}

/*
 * Purges one whole day table (every read in it is due): its held reads (and their images) move
 * to reads_rest, its alerts are deleted, and both tables are dropped.
 */
static int purge_day(struct store *s, struct store_purge_report *r, int64_t now, int64_t day,
                     int64_t *due)
{
    char sql[2048];
    int rc;
    snprintf(sql, sizeof sql, "SELECT count(*) FROM reads_d%lld", (long long)day);
    if ((rc = add_stats(s, sql, due, NULL, NULL)) != 0)
        return rc;
    if ((rc = move_held(s, day, r->cutoff, now)) != 0)
        return rc;
    snprintf(sql, sizeof sql,
             "SELECT count(*), coalesce(min(ts), 0), coalesce(max(ts), 0) FROM reads_d%lld"
             " WHERE id NOT IN (SELECT id FROM reads_rest)",
             (long long)day);
    if ((rc = add_stats(s, sql, &r->reads, &r->oldest, &r->newest)) != 0)
        return rc;
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM images_d%lld WHERE read_id NOT IN (SELECT id FROM reads_rest)",
             (long long)day);
    if ((rc = add_stats(s, sql, &r->images, NULL, NULL)) != 0)
        return rc;
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM alerts WHERE read_id IN (SELECT id FROM reads_d%lld"
             " WHERE id NOT IN (SELECT id FROM reads_rest))",
             (long long)day);
    if ((rc = add_stats(s, sql, &r->alerts, NULL, NULL)) != 0)
        return rc;
    snprintf(sql, sizeof sql,
             "DELETE FROM alerts WHERE read_id IN (SELECT id FROM reads_d%lld"
             " WHERE id NOT IN (SELECT id FROM reads_rest))",
             (long long)day);
    if ((rc = store_priv_exec(s, sql)) != 0)
        return rc;
    return store_part_drop_day(s, day);
}

/*
 * The end of a purge's transaction: flags the copies of the reads purged (R7), writes the purges
 * row and the audit entry ("purge", or "purge.early" with why and floor_days when why is set).
 */
static int record_purge(struct store *s, const char *who, int64_t now, const char *why,
                        int floor_days, struct store_purge_report *r)
{
    struct store_json j;
    sqlite3_stmt *st;
    int rc;
    if ((rc = store_copies_flag_purged(s, r->cutoff, now, &r->copies_flagged)) != 0)
        return rc;
    rc = sqlite3_prepare_v2(s->db,
                            "INSERT INTO purges(at, member, cutoff, reads, images, alerts, held,"
                            " oldest, newest) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_text(st, 2, who, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, r->cutoff);
    sqlite3_bind_int64(st, 4, r->reads);
    sqlite3_bind_int64(st, 5, r->images);
    sqlite3_bind_int64(st, 6, r->alerts);
    sqlite3_bind_int64(st, 7, r->held);
    sqlite3_bind_int64(st, 8, r->oldest);
    sqlite3_bind_int64(st, 9, r->newest);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return store_priv_err(rc);
    store_json_init(&j);
    if (why) {
        store_json_str(&j, "why", why);
        store_json_int(&j, "floor_days", floor_days);
    }
    store_json_int(&j, "cutoff", r->cutoff);
    store_json_int(&j, "retention_days", store_retention_days(s));
    store_json_int(&j, "reads", r->reads);
    store_json_int(&j, "images", r->images);
    store_json_int(&j, "alerts", r->alerts);
    store_json_int(&j, "held", r->held);
    store_json_int(&j, "oldest", r->oldest);
    store_json_int(&j, "newest", r->newest);
    store_json_int(&j, "copies_flagged", r->copies_flagged);
    return store_priv_audit(s, who, why ? "purge.early" : "purge", store_json_end(&j), "ok");
}

/* Commits a purge, then destroys the purged days' keys and empties the WAL; *out = *r. */
static int commit_purge(struct store *s, int64_t t0, struct store_purge_report *r,
                        struct store_purge_report *out)
{
    int rc = store_priv_commit(s);
    if (rc != 0)
        return rc;
    /* Only now that the drops are durable: destroy the keys of the purged days (and a
     * replaced held-reads key). A failure here leaves keys that the next purge destroys; it
     * is returned, since old copies of the purged rows stay readable until then. */
    if ((rc = store_part_sweep_keys(s, r->cutoff)) != 0)
        return rc;
    r->delete_ms = mono_ms() - t0 - r->rebuild_ms;
    r->compacted = 1; /* dropped tables and the rebuilt rest table leave no stale cells */
    /* Push the zeroed pages into the database file and empty the WAL. */
    r->wal_truncated =
        sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) == SQLITE_OK;
    *out = *r;
    return 0;
}

static int purge(struct store *s, const char *who, int64_t now, struct store_purge_report *out)
{
    int64_t t0 = mono_ms();
    struct store_purge_report r;
    int rc;
    int64_t due = 0, *days = NULL;
    size_t n_days = 0;

    memset(&r, 0, sizeof r);
    r.cutoff = now - (int64_t)store_retention_days(s) * 86400;
    if (!s->keyring)
        return STORE_ERR_STATE; /* a purge must also destroy the day keys */
    if ((rc = store_priv_begin(s)) != 0)
        return rc;
    if ((rc = purge_rest(s, &r, now, &due)) != 0 || (rc = store_part_days(s, &days, &n_days)) != 0)
        goto fail;
    /* A day is dropped as soon as its first second is due: its reads go at most one day before
     * their retention ends, never after it (R7: never longer than nine months). */
    for (size_t i = 0; i < n_days; i++) {
        if (days[i] * STORE_PART_DAY_SECONDS >= r.cutoff)
            break;
        if ((rc = purge_day(s, &r, now, days[i], &due)) != 0)
            goto fail;
    }
    free(days);
    days = NULL;
    r.held = due - r.reads;
    if ((rc = record_purge(s, who, now, NULL, 0, &r)) != 0)
        goto fail;
    return commit_purge(s, t0, &r, out);
fail:
    free(days);
    store_priv_rollback(s);
    store_part_forget(s);
    return rc;
}

int store_purge_expired(struct store *s, int64_t now, struct store_purge_report *report)
{
    char who[STORE_NAME_MAX + 8];
    return purge(s, store_priv_who(s, NULL, who, sizeof who), now, report);
}

int store_purge(struct store *s, const struct store_session *sess,
                struct store_purge_report *report)
{
    int rc = store_priv_authorize(s, sess, STORE_ROLE_ADMINISTRATOR, "purge", "{}");
    if (rc != 0)
        return rc;
    return purge(s, sess->member, store_now(s), report);
}

/* ---------------------------------------------------------------------------------------- */
/* Holds                                                                                      */

const char *store_hold_kind_name(enum store_hold_kind kind)
{
    switch (kind) {
    case STORE_HOLD_WARRANT:
        return "warrant";
    case STORE_HOLD_PRESERVATION:
        return "preservation";
    case STORE_HOLD_DISCLOSURE:
        return "disclosure";
    }
    return "unknown";
}

int store_hold_kind_parse(const char *name, enum store_hold_kind *out)
{
    for (int k = STORE_HOLD_WARRANT; k <= STORE_HOLD_DISCLOSURE; k++) {
        if (name && strcmp(name, store_hold_kind_name((enum store_hold_kind)k)) == 0) {
            *out = (enum store_hold_kind)k;
            return 0;
        }
    }
    return STORE_ERR_INVALID;
}

/* Canonicalises "U1, U2" into ",U1,U2," (each a valid id). */
static int units_list(const char *in, char *out, size_t size)
{
    size_t used = 1;
    const char *p = in;
    if (size < 3)
        return STORE_ERR_INVALID;
    out[0] = ',';
    out[1] = '\0';
    while (*p) {
        char id[STORE_NAME_MAX + 2];
        size_t n = strcspn(p, ",");
        size_t b = 0, e = n;
        while (b < n && p[b] == ' ')
            b++;
        while (e > b && p[e - 1] == ' ')
            e--;
        if (e - b > STORE_NAME_MAX)
            return STORE_ERR_INVALID;
        memcpy(id, p + b, e - b);
        id[e - b] = '\0';
        if (!store_priv_valid_name(id) || used + (e - b) + 2 > size)
            return STORE_ERR_INVALID;
        memcpy(out + used, id, e - b);
        used += e - b;
        out[used++] = ',';
        out[used] = '\0';
        p += n;
        if (*p == ',')
            p++;
    }
    return used > 1 ? 0 : STORE_ERR_INVALID;
}

#define HOLD_OFFICERS (STORE_ROLE_ADMINISTRATOR | STORE_ROLE_RECORDS)

/* Records a refusal after a successful authorisation (the member may call, the act is not). */
static int hold_refused(struct store *s, const struct store_session *sess, const char *event,
                        const char *params, const char *outcome, int err)
{
    char who[STORE_NAME_MAX + 8];
    int rc =
        store_priv_audit_now(s, store_priv_who(s, sess, who, sizeof who), event, params, outcome);
    return rc != 0 ? rc : err;
}

/* Checks a spec's fields; *expires gets the hold's end (0: none). */
static int hold_spec_check(const struct store_hold_spec *spec, int64_t now, char *plate,
                           char *units, size_t units_size, int64_t *expires)
{
    int court_order = spec->kind != STORE_HOLD_PRESERVATION;
    if (!store_priv_valid_text(spec->reference, STORE_TEXT_MAX) ||
        strcmp(store_hold_kind_name(spec->kind), "unknown") == 0)
        return STORE_ERR_INVALID;
    if (court_order
            ? !store_priv_valid_text(spec->court, STORE_TEXT_MAX)
            : spec->court && *spec->court && !store_priv_valid_text(spec->court, STORE_TEXT_MAX))
        return STORE_ERR_INVALID;
    if (spec->plate && *spec->plate && plate_normalize(spec->plate, 0, plate) != 0)
        return STORE_ERR_INVALID;
    if (spec->units && *spec->units && units_list(spec->units, units, units_size) != 0)
        return STORE_ERR_INVALID;
    if (!plate[0] && !units[0] && !spec->from && !spec->to)
        return STORE_ERR_INVALID; /* a hold must name its scope */
    if (spec->from && spec->to && spec->to <= spec->from)
        return STORE_ERR_INVALID;
    *expires = spec->expires;
    if (*expires && *expires <= now)
        return STORE_ERR_INVALID;
    if (court_order && !*expires)
        return STORE_ERR_INVALID; /* a warrant hold is reviewed, never kept forever */
    if (!court_order) {
        int64_t max = now + (int64_t)STORE_PRESERVATION_MAX_DAYS * 86400;
        if (!*expires)
            *expires = max;
        if (*expires > max)
            return STORE_ERR_INVALID;
    }
    return 0;
}

int store_hold_add(struct store *s, const struct store_session *sess,
                   const struct store_hold_spec *spec, int64_t *hold_id)
{
    struct store_json j;
    sqlite3_stmt *st;
    char who[STORE_NAME_MAX + 8], plate[PLATE_MAX_LEN + 1] = "", units[STORE_TEXT_MAX + 1] = "";
    int64_t now = store_now(s), expires = 0, id;
    int rc;
    if (!spec)
        return STORE_ERR_INVALID;
    store_json_init(&j);
    store_json_str(&j, "kind", store_hold_kind_name(spec->kind));
    store_json_str(&j, "reference", spec->reference);
    store_json_str(&j, "court", spec->court);
    store_json_int(&j, "from", spec->from);
    store_json_int(&j, "to", spec->to);
    store_json_str(&j, "units", spec->units);
    store_json_int(&j, "has_plate", spec->plate && *spec->plate);
    store_json_int(&j, "expires", spec->expires);
    store_json_end(&j);
    if ((rc = store_priv_authorize(s, sess, STORE_ROLE_INVESTIGATOR | HOLD_OFFICERS, "hold.add",
                                   j.buf)) != 0)
        return rc;
    /* An investigator's word is no warrant (R9): the document is checked by an officer. */
    if (spec->kind != STORE_HOLD_PRESERVATION && !((unsigned)sess->role & HOLD_OFFICERS))
        return hold_refused(s, sess, "hold.add", j.buf,
                            "denied: warrant and disclosure-order holds are entered by an"
                            " administrator or records officer",
                            STORE_ERR_DENIED);
    if ((rc = hold_spec_check(spec, now, plate, units, sizeof units, &expires)) != 0)
        return rc;
    if ((rc = store_priv_begin(s)) != 0)
        return rc;
    rc = sqlite3_prepare_v2(s->db,
                            "INSERT INTO holds(kind, reference, plate, units, t_from, t_to,"
                            " entered_by, entered_at, expires_at, court)"
                            " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, store_hold_kind_name(spec->kind), -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, spec->reference, -1, SQLITE_TRANSIENT);
        store_priv_bind_text(st, 3, plate);
        store_priv_bind_text(st, 4, units);
        if (spec->from)
            sqlite3_bind_int64(st, 5, spec->from);
        if (spec->to)
            sqlite3_bind_int64(st, 6, spec->to);
        sqlite3_bind_text(st, 7, sess->member, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 8, now);
        if (expires)
            sqlite3_bind_int64(st, 9, expires);
        store_priv_bind_text(st, 10, spec->court);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
    }
    if (rc != SQLITE_DONE) {
        rc = store_priv_err(rc);
        goto fail;
    }
    id = sqlite3_last_insert_rowid(s->db);
    store_json_init(&j);
    store_json_int(&j, "hold", id);
    store_json_str(&j, "kind", store_hold_kind_name(spec->kind));
    store_json_str(&j, "reference", spec->reference);
    store_json_str(&j, "court", spec->court);
    store_json_int(&j, "from", spec->from);
    store_json_int(&j, "to", spec->to);
    store_json_str(&j, "units", units);
    store_json_int(&j, "has_plate", plate[0] != 0);
    store_json_int(&j, "expires", expires);
    if ((rc = store_priv_audit(s, store_priv_who(s, sess, who, sizeof who), "hold.add",
                               store_json_end(&j), "ok: pending approval by a second member")) != 0)
        goto fail;
    if ((rc = store_priv_commit(s)) != 0)
        return rc;
    *hold_id = id;
    return 0;
fail:
    store_priv_rollback(s);
    return rc;
}

/* What a hold awaits: its own approval or its extension's, and who entered that. */
struct hold_pending {
    int approved, released, expired, ext_pending;
    int64_t ext_until;
    char entered_by[STORE_NAME_MAX + 1], ext_by[STORE_NAME_MAX + 1];
};

static int hold_pending_get(struct store *s, int64_t id, struct hold_pending *p)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db,
                                "SELECT approved_at IS NOT NULL, released_at IS NOT NULL,"
                                " expires_at IS NOT NULL AND expires_at <= :now,"
                                " ext_until IS NOT NULL, coalesce(ext_until, 0), entered_by,"
                                " coalesce(ext_by, '') FROM holds WHERE id = :id",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    store_priv_bind_named_int(st, ":now", store_now(s));
    store_priv_bind_named_int(st, ":id", id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        memset(p, 0, sizeof *p);
        p->approved = sqlite3_column_int(st, 0);
        p->released = sqlite3_column_int(st, 1);
        p->expired = sqlite3_column_int(st, 2);
        p->ext_pending = sqlite3_column_int(st, 3);
        p->ext_until = sqlite3_column_int64(st, 4);
        store_priv_col_text(st, 5, p->entered_by, sizeof p->entered_by);
        store_priv_col_text(st, 6, p->ext_by, sizeof p->ext_by);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? STORE_ERR_NOTFOUND : store_priv_err(rc);
}

int store_hold_approve(struct store *s, const struct store_session *sess, int64_t hold_id)
{
    struct store_json j;
    struct hold_pending p;
    sqlite3_stmt *st;
    char who[STORE_NAME_MAX + 8];
    const char *what, *by;
    int rc;
    store_json_init(&j);
    store_json_int(&j, "hold", hold_id);
    store_json_end(&j);
    if ((rc = store_priv_authorize(s, sess, HOLD_OFFICERS, "hold.approve", j.buf)) != 0)
        return rc;
    if ((rc = hold_pending_get(s, hold_id, &p)) != 0)
        return rc;
    if (p.released || p.expired)
        return hold_refused(s, sess, "hold.approve", j.buf, "denied: the hold has ended",
                            STORE_ERR_STATE);
    if (!p.approved) {
        what = "UPDATE holds SET approved_by = :who, approved_at = :now WHERE id = :id"
               " AND approved_at IS NULL";
        by = p.entered_by;
    } else if (p.ext_pending) {
        what = "UPDATE holds SET expires_at = ext_until, court = coalesce(court, ext_court),"
               " ext_until = NULL, approved_by = :who, approved_at = :now WHERE id = :id"
               " AND ext_until IS NOT NULL";
        by = p.ext_by;
    } else {
        return hold_refused(s, sess, "hold.approve", j.buf, "denied: nothing awaits approval",
                            STORE_ERR_STATE);
    }
    if (strcmp(by, sess->member) == 0)
        return hold_refused(s, sess, "hold.approve", j.buf,
                            "denied: a second member must approve what one entered",
                            STORE_ERR_DENIED);
    if ((rc = store_priv_begin(s)) != 0)
        return rc;
    rc = sqlite3_prepare_v2(s->db, what, -1, &st, NULL);
    if (rc == SQLITE_OK) {
        store_priv_bind_named_text(st, ":who", sess->member);
        store_priv_bind_named_int(st, ":now", store_now(s));
        store_priv_bind_named_int(st, ":id", hold_id);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
    }
    store_json_init(&j);
    store_json_int(&j, "hold", hold_id);
    store_json_str(&j, "approved", p.approved ? "extension" : "hold");
    store_json_str(&j, "entered_by", by);
    if (p.approved)
        store_json_int(&j, "until", p.ext_until);
    return store_priv_finish_change(s, rc, store_priv_who(s, sess, who, sizeof who), "hold.approve",
                                    store_json_end(&j));
}

int store_hold_extend(struct store *s, const struct store_session *sess, int64_t hold_id,
                      const char *court, const char *order_ref, int64_t until)
{
    struct store_json j;
    struct hold_pending p;
    sqlite3_stmt *st;
    char who[STORE_NAME_MAX + 8];
    int rc;
    store_json_init(&j);
    store_json_int(&j, "hold", hold_id);
    store_json_str(&j, "court", court);
    store_json_str(&j, "order", order_ref);
    store_json_int(&j, "until", until);
    store_json_end(&j);
    if ((rc = store_priv_authorize(s, sess, HOLD_OFFICERS, "hold.extend", j.buf)) != 0)
        return rc;
    if (!store_priv_valid_text(court, STORE_TEXT_MAX) ||
        !store_priv_valid_text(order_ref, STORE_TEXT_MAX) || until <= store_now(s))
        return STORE_ERR_INVALID;
    if ((rc = hold_pending_get(s, hold_id, &p)) != 0)
        return rc;
    if (p.released || p.expired || p.ext_pending)
        return hold_refused(s, sess, "hold.extend", j.buf,
                            p.ext_pending ? "denied: an extension already awaits approval"
                                          : "denied: the hold has ended",
                            STORE_ERR_STATE);
    if ((rc = store_priv_begin(s)) != 0)
        return rc;
    rc = sqlite3_prepare_v2(s->db,
                            "UPDATE holds SET ext_court = ?, ext_ref = ?, ext_until = ?,"
                            " ext_by = ?, ext_at = ? WHERE id = ? AND ext_until IS NULL",
                            -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, court, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, order_ref, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 3, until);
        sqlite3_bind_text(st, 4, sess->member, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 5, store_now(s));
        sqlite3_bind_int64(st, 6, hold_id);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
    }
    return store_priv_finish_change(s, rc, store_priv_who(s, sess, who, sizeof who), "hold.extend",
                                    j.buf);
}

int store_hold_release(struct store *s, const struct store_session *sess, int64_t hold_id,
                       const char *reason)
{
    struct store_json j;
    sqlite3_stmt *st;
    char who[STORE_NAME_MAX + 8];
    int rc;
    store_json_init(&j);
    store_json_int(&j, "hold", hold_id);
    store_json_str(&j, "reason", reason);
    store_json_end(&j);
    if ((rc = store_priv_authorize(s, sess, HOLD_OFFICERS, "hold.release", j.buf)) != 0)
        return rc;
    if (!store_priv_valid_text(reason, STORE_TEXT_MAX))
        return STORE_ERR_INVALID;
    if ((rc = store_priv_begin(s)) != 0)
        return rc;
    rc = sqlite3_prepare_v2(s->db,
                            "UPDATE holds SET released_at = ?, released_by = ?,"
                            " release_reason = ? WHERE id = ? AND released_at IS NULL",
                            -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, store_now(s));
        sqlite3_bind_text(st, 2, sess->member, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, reason, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 4, hold_id);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
    }
    return store_priv_finish_change(s, rc, store_priv_who(s, sess, who, sizeof who), "hold.release",
                                    j.buf);
}

/* The list's columns; STATE is 0 pending, 1 active, 2 expired, 3 released. */
#define HOLD_LIST_SQL                                                                              \
    "SELECT h.id, h.kind, h.reference, coalesce(h.plate, ''), coalesce(h.units, ''),"              \
    " coalesce(h.t_from, 0), coalesce(h.t_to, 0), coalesce(h.expires_at, 0), h.entered_at,"        \
    " coalesce(h.released_at, 0), h.entered_by, coalesce(h.released_by, ''),"                      \
    " " STORE_HOLD_ACTIVE_SQL("h") ", (SELECT count(*) FROM reads r WHERE " STORE_HOLD_SCOPE_SQL(  \
        "h",                                                                                       \
        "r") "), coalesce(h.court, ''), coalesce(h.approved_at, 0),"                               \
             " coalesce(h.approved_by, ''), h.legacy, coalesce(h.ext_until, 0), "                  \
             "coalesce(h.ext_court, ''),"                                                          \
             " coalesce(h.ext_ref, ''), coalesce(h.ext_by, ''),"                                   \
             " CASE WHEN h.released_at IS NOT NULL THEN 3"                                         \
             " WHEN h.expires_at IS NOT NULL AND h.expires_at <= :now THEN 2"                      \
             " WHEN h.approved_at IS NULL THEN 0 ELSE 1 END"                                       \
             " FROM holds h WHERE (:active = 0 OR " STORE_HOLD_ACTIVE_SQL("h") ") ORDER BY h.id"

static void hold_row(struct store *s, sqlite3_stmt *st, int mask, struct store_hold *h)
{
    static const char *const states[] = {"pending", "active", "expired", "released"};
    int state = sqlite3_column_int(st, 22);
    memset(h, 0, sizeof *h);
    h->id = sqlite3_column_int64(st, 0);
    store_priv_col_text(st, 1, h->kind, sizeof h->kind);
    store_priv_col_text(st, 2, h->reference, sizeof h->reference);
    store_priv_col_text(st, 3, h->plate, sizeof h->plate);
    if (mask && h->plate[0]) {
        char token[STORE_MASK_SIZE];
        store_priv_mask_plate(s, h->plate, token);
        snprintf(h->plate, sizeof h->plate, "%s", token);
        h->plate_masked = 1;
    }
    store_priv_col_text(st, 4, h->units, sizeof h->units);
    h->from = sqlite3_column_int64(st, 5);
    h->to = sqlite3_column_int64(st, 6);
    h->expires = sqlite3_column_int64(st, 7);
    h->entered_at = sqlite3_column_int64(st, 8);
    h->released_at = sqlite3_column_int64(st, 9);
    store_priv_col_text(st, 10, h->entered_by, sizeof h->entered_by);
    store_priv_col_text(st, 11, h->released_by, sizeof h->released_by);
    h->active = sqlite3_column_int(st, 12);
    h->reads = sqlite3_column_int64(st, 13);
    store_priv_col_text(st, 14, h->court, sizeof h->court);
    h->approved_at = sqlite3_column_int64(st, 15);
    store_priv_col_text(st, 16, h->approved_by, sizeof h->approved_by);
    h->legacy = sqlite3_column_int(st, 17);
    h->ext_until = sqlite3_column_int64(st, 18);
    store_priv_col_text(st, 19, h->ext_court, sizeof h->ext_court);
    store_priv_col_text(st, 20, h->ext_ref, sizeof h->ext_ref);
    store_priv_col_text(st, 21, h->ext_by, sizeof h->ext_by);
    snprintf(h->state, sizeof h->state, "%s", states[state >= 0 && state <= 3 ? state : 0]);
}

int store_hold_list(struct store *s, const struct store_session *sess, int active_only,
                    struct store_hold_list **out)
{
    struct store_hold_list *list;
    struct store_json j;
    sqlite3_stmt *st;
    size_t cap = 0;
    char who[STORE_NAME_MAX + 8];
    int rc, mask;
    if ((rc = store_priv_authorize(s, sess,
                                   STORE_ROLE_INVESTIGATOR | HOLD_OFFICERS | STORE_ROLE_AUDITOR,
                                   "hold.list", "{}")) != 0)
        return rc;
    /* R5: plates are confidential; an auditor checks holds without learning the vehicle. */
    mask = sess->role == STORE_ROLE_AUDITOR;
    list = calloc(1, sizeof *list);
    if (!list)
        return STORE_ERR_NOMEM;
    rc = sqlite3_prepare_v2(s->db, HOLD_LIST_SQL, -1, &st, NULL);
    if (rc != SQLITE_OK) {
        free(list);
        return store_priv_err(rc);
    }
    store_priv_bind_named_int(st, ":now", store_now(s));
    store_priv_bind_named_int(st, ":active", active_only != 0);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        void *room = store_priv_room(list->items, list->n, &cap, sizeof *list->items);
        if (!room) {
            rc = SQLITE_NOMEM;
            break;
        }
        list->items = room;
        hold_row(s, st, mask, &list->items[list->n++]);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        store_hold_list_free(list);
        return store_priv_err(rc);
    }
    store_json_init(&j);
    store_json_int(&j, "plates_masked", mask);
    if ((rc = store_priv_audit_now(s, store_priv_who(s, sess, who, sizeof who), "hold.list",
                                   store_json_end(&j), "ok")) != 0) {
        store_hold_list_free(list);
        return rc;
    }
    *out = list;
    return 0;
}

void store_hold_list_free(struct store_hold_list *list)
{
    if (!list)
        return;
    free(list->items);
    free(list);
}

/* ---------------------------------------------------------------------------------------- */
/* Early purge (a disk running full: store_reserve.h)                                         */

/*
 * Kept apart from purge() on purpose: it takes the cutoff from the oldest day rather than from
 * the retention period, and records why. It reuses the same steps (purge_rest, purge_day), so
 * what it leaves behind is exactly what the nightly purge leaves.
 */
int store_purge_early(struct store *s, int64_t now, int floor_days, const char *why,
                      struct store_purge_report *out)
{
    int64_t t0 = mono_ms(), due = 0, *days = NULL, floor_cutoff;
    char who[STORE_NAME_MAX + 8];
    struct store_purge_report r;
    size_t n_days = 0;
    int rc;

    if (floor_days < 1 || floor_days > STORE_RETENTION_MAX_DAYS ||
        !store_priv_valid_text(why, STORE_TEXT_MAX))
        return STORE_ERR_INVALID;
    if (!s->keyring)
        return STORE_ERR_STATE; /* a purge must also destroy the day keys */
    memset(&r, 0, sizeof r);
    floor_cutoff = now - (int64_t)floor_days * 86400;
    if ((rc = store_part_days(s, &days, &n_days)) != 0)
        return rc;
    /* The oldest day goes whole, and only when all of it is older than the floor. */
    if (n_days == 0 || (days[0] + 1) * STORE_PART_DAY_SECONDS > floor_cutoff) {
        free(days);
        return STORE_ERR_NOTFOUND;
    }
    r.cutoff = (days[0] + 1) * STORE_PART_DAY_SECONDS;
    if ((rc = store_priv_begin(s)) != 0)
        goto fail_nobegin;
    if ((rc = purge_rest(s, &r, now, &due)) != 0 ||
        (rc = purge_day(s, &r, now, days[0], &due)) != 0)
        goto fail;
    free(days);
    days = NULL;
    r.held = due - r.reads;
    if ((rc = record_purge(s, store_priv_who(s, NULL, who, sizeof who), now, why, floor_days,
                           &r)) != 0)
        goto fail;
    return commit_purge(s, t0, &r, out);
fail:
    store_priv_rollback(s);
    store_part_forget(s);
fail_nobegin:
    free(days);
    return rc;
}
