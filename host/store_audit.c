/* store_audit: verifying and listing the audit log (see store_audit.h; store_policy.c appends). */
#include "store_audit.h"
#include "store_policy.h"
#include "store_priv.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The covered tables and, for each, the columns whose values an entry's row image holds: the
 * one definition the triggers (store_audit_cover_install) and the check (cover_check) share.
 * Left out: what changes without being a decision (members' failed log-on count, lock-out time
 * and password hash; the password hash is also no business of the log).
 */
static const struct cover {
    const char *table;
    const char *cols; /* ", "-separated */
} covered[] = {
    {"searches", "id, ts, member, kind, purpose, crime_type, incident, warrant_ref, query,"
                 " result_count, outcome"},
    {"members", "id, name, role, training_date, disabled, created_at, created_by, os_uid"},
    {"holds", "id, kind, reference, plate, units, t_from, t_to, entered_by, entered_at,"
              " expires_at, released_at, released_by, release_reason, court, approved_by,"
              " approved_at, legacy, ext_court, ext_ref, ext_until, ext_by, ext_at"},
    {"releases", "id, agency, requester, purpose, hold_id, status, submitted_by, submitted_at,"
                 " reviewed_by, reviewed_at, review_note, export_id"},
    {"exports", "id, hold_id, release_id, dir, member, at, n_reads, manifest_sha256, signature"},
    {"custody", "id, export_id, at, member, action, note, seq, line"},
    {"copies", "id, kind, path, member, uid, at, export_id, n_reads, t_from, t_to, flagged_at,"
               " flag_reason, deleted_at, deleted_by"},
    {"role_grants", "id, member, role, new_account, granted_by, granted_at, confirmed_by,"
                    " confirmed_at, cancelled_at"},
    {"purges", "id, at, member, cutoff, reads, images, alerts, held, oldest, newest"},
    {"hotlists", "id, name, imported_at, imported_by, n_entries, removed_at, removed_by"},
    {"alerts", "id, read_id, entry_id, kind, created_at, state, state_by, state_at, note"},
};
#define N_COVERED (sizeof covered / sizeof covered[0])

/* "json_array(P.a, P.b, ...)" for c's columns, P the prefix ("NEW.", "OLD." or ""). */
static char *image_sql(const struct cover *c, const char *prefix)
{
    char *out = sqlite3_mprintf("json_array("), *next;
    const char *p = c->cols;
    while (out && *p) {
        size_t n = strcspn(p, ",");
        next = sqlite3_mprintf("%s%s%s%.*s", out, p == c->cols ? "" : ", ", prefix, (int)n, p);
        sqlite3_free(out);
        out = next;
        p += n;
        while (*p == ',' || *p == ' ')
            p++;
    }
    next = out ? sqlite3_mprintf("%s)", out) : NULL;
    sqlite3_free(out);
    return next;
}

static int exec_free(struct store *s, char *sql)
{
    int rc = sql ? store_priv_exec(s, sql) : STORE_ERR_NOMEM;
    sqlite3_free(sql);
    return rc;
}

int store_audit_cover_install(struct store *s)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < N_COVERED; i++) {
        const char *t = covered[i].table;
        char *nw = image_sql(&covered[i], "NEW."), *old = image_sql(&covered[i], "OLD.");
        char *now = image_sql(&covered[i], "");
        if (!nw || !old || !now)
            rc = STORE_ERR_NOMEM;
        if (rc == 0)
            rc = exec_free(
                s, sqlite3_mprintf(
                       "CREATE TRIGGER IF NOT EXISTS audit_cover_%s_ins AFTER INSERT ON %s BEGIN"
                       " INSERT INTO audit_stage(tbl, row_id, image)"
                       " VALUES('%s', NEW.id, %s); END;"
                       "CREATE TRIGGER IF NOT EXISTS audit_cover_%s_upd AFTER UPDATE ON %s"
                       " WHEN %s IS NOT %s OR NEW.id IS NOT OLD.id BEGIN"
                       " INSERT INTO audit_stage(tbl, row_id, image)"
                       " SELECT '%s', OLD.id, NULL WHERE NEW.id IS NOT OLD.id;"
                       " INSERT INTO audit_stage(tbl, row_id, image)"
                       " VALUES('%s', NEW.id, %s); END;"
                       "CREATE TRIGGER IF NOT EXISTS audit_cover_%s_del AFTER DELETE ON %s BEGIN"
                       " INSERT INTO audit_stage(tbl, row_id, image)"
                       " VALUES('%s', OLD.id, NULL); END;"
                       "INSERT INTO audit_stage(tbl, row_id, image)"
                       " SELECT '%s', id, %s FROM %s ORDER BY id;",
                       t, t, t, nw, t, t, old, nw, t, t, nw, t, t, t, t, now, t));
        sqlite3_free(nw);
        sqlite3_free(old);
        sqlite3_free(now);
    }
    return rc;
}

int store_audit_chained_views(struct store *s)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < N_COVERED; i++) {
        const char *p = covered[i].cols;
        char *cols = sqlite3_mprintf(""), *next;
        for (int k = 0; cols && *p; k++) {
            size_t n = strcspn(p, ",");
            next = sqlite3_mprintf("%s%sjson_extract(img, '$[%d]') AS %.*s", cols, k ? ", " : "", k,
                                   (int)n, p);
            sqlite3_free(cols);
            cols = next;
            p += n;
            while (*p == ',' || *p == ' ')
                p++;
        }
        if (!cols)
            return STORE_ERR_NOMEM;
        /* The latest image of each row an entry holds; rows whose latest entry deleted them
         * are left out. */
        rc = exec_free(
            s, sqlite3_mprintf("CREATE TEMP VIEW IF NOT EXISTS chained_%s AS SELECT %s FROM"
                               " (SELECT json_extract(j.value, '$[2]') AS img, row_number() OVER"
                               " (PARTITION BY json_extract(j.value, '$[1]') ORDER BY a.id DESC,"
                               " j.key DESC) AS rn FROM audit a, json_each(a.row_images) j"
                               " WHERE a.row_images IS NOT NULL AND json_extract(j.value, '$[0]')"
                               " = '%s') WHERE rn = 1 AND img IS NOT NULL",
                               covered[i].table, cols, covered[i].table));
        sqlite3_free(cols);
    }
    return rc;
}

int store_audit_head(struct store *s, struct store_audit_head *out)
{
    sqlite3_stmt *st;
    int rc;
    memset(out, 0, sizeof *out);
    rc = sqlite3_prepare_v2(s->db,
                            "SELECT h.last_id, h.hash, coalesce(a.mac, ''), coalesce(a.ts, 0)"
                            " FROM audit_head h LEFT JOIN audit a ON a.id = h.last_id",
                            -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->id = sqlite3_column_int64(st, 0);
        store_priv_col_text(st, 1, out->hash, sizeof out->hash);
        store_priv_col_text(st, 2, out->mac, sizeof out->mac);
        out->ts = sqlite3_column_int64(st, 3);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? STORE_ERR_TAMPER : store_priv_err(rc);
}

int store_audit_anchor_format(const struct store_audit_head *h, char *buf, size_t size)
{
    int n = snprintf(buf, size, STORE_AUDIT_ANCHOR_PREFIX " id=%lld hash=%s mac=%s",
                     (long long)h->id, h->hash, h->mac[0] ? h->mac : "-");
    return n > 0 && (size_t)n < size ? 0 : STORE_ERR_INVALID;
}

static int is_hex64(const char *p)
{
    for (int i = 0; i < 64; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
            return 0;
    return 1;
}

int store_audit_anchor_parse(const char *line, struct store_audit_head *out)
{
    const char *p = line ? strstr(line, STORE_AUDIT_ANCHOR_PREFIX " id=") : NULL;
    char *end;
    long long id;
    if (!p)
        return STORE_ERR_INVALID;
    memset(out, 0, sizeof *out);
    p += strlen(STORE_AUDIT_ANCHOR_PREFIX " id=");
    id = strtoll(p, &end, 10);
    if (end == p || id < 1 || strncmp(end, " hash=", 6) != 0 || !is_hex64(end + 6) ||
        strncmp(end + 70, " mac=", 5) != 0)
        return STORE_ERR_INVALID;
    out->id = id;
    memcpy(out->hash, end + 6, 64);
    p = end + 75;
    if (is_hex64(p))
        memcpy(out->mac, p, 64);
    else if (*p != '-')
        return STORE_ERR_INVALID;
    return 0;
}

static const char *col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

static int problem(struct store_audit_verify_result *res, int64_t id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int problem(struct store_audit_verify_result *res, int64_t id, const char *fmt, ...)
{
    va_list ap;
    res->bad_id = id > 0 ? id : 1;
    va_start(ap, fmt);
    vsnprintf(res->problem, sizeof res->problem, fmt, ap);
    va_end(ap);
    return STORE_ERR_TAMPER;
}

/* One entry of the walk: its link, hash, MAC and time. 0, or STORE_ERR_TAMPER (res says). */
static int check_entry(struct store *s, sqlite3_stmt *st, int64_t expect, const char *prev,
                       int64_t prev_ts, int *keyed, char hash[65],
                       struct store_audit_verify_result *res)
{
    int64_t id = sqlite3_column_int64(st, 0), ts = sqlite3_column_int64(st, 1);
    char mac[65];
    if (id != expect)
        return problem(res, id, "entry %lld follows %lld: entries missing or inserted",
                       (long long)id, (long long)(expect - 1));
    if (strcmp(col(st, 6), prev) != 0)
        return problem(res, id,
                       "entry %lld does not chain to entry %lld (deleted, reordered or edited)",
                       (long long)id, (long long)(id - 1));
    store_policy_entry_hash(prev, id, ts, col(st, 2), col(st, 3), col(st, 4), col(st, 5),
                            col(st, 8), hash);
    if (strcmp(hash, col(st, 7)) != 0)
        return problem(res, id, "entry %lld was altered (its hash does not match its content)",
                       (long long)id);
    /* The store never writes an entry dated before the one it follows (store_policy.h):
     * an intact chain that goes back in time was written with the clock set back. */
    if (id > 1 && ts < prev_ts)
        return problem(res, id,
                       "entry %lld is dated %lld, before entry %lld (%lld): written with the"
                       " clock set back",
                       (long long)id, (long long)ts, (long long)(id - 1), (long long)prev_ts);
    if (sqlite3_column_type(st, 9) == SQLITE_NULL) {
        /* Entries before the first keyed one are a migrated store's history; after it, an
         * entry without a MAC was written by someone without the key. */
        if (*keyed)
            return problem(res, id,
                           "entry %lld has no MAC after keyed entries: written without"
                           " the audit key",
                           (long long)id);
        /* Row images came with the MACs: an unkeyed entry holding some is no old history. */
        if (sqlite3_column_type(st, 8) != SQLITE_NULL)
            return problem(res, id,
                           "entry %lld holds row images but no MAC: written without the audit"
                           " key",
                           (long long)id);
        return 0;
    }
    if (store_policy_entry_mac(s, hash, mac) != 0 || strcmp(mac, col(st, 9)) != 0)
        return problem(res, id, "entry %lld has a wrong MAC: written without the audit key",
                       (long long)id);
    if (!*keyed)
        res->first_keyed = id;
    *keyed = 1;
    return 0;
}

/* The walk over every entry; fills res and returns 0 or STORE_ERR_TAMPER (or an I/O error). */
static int walk(struct store *s, struct store_audit_verify_result *res)
{
    sqlite3_stmt *st;
    char prev[65], hash[65];
    int64_t expect = 1, head_id, prev_ts = 0;
    int rc, keyed = 0, last_keyed = 0, bad = 0;

    memset(prev, '0', 64);
    prev[64] = '\0';
    rc = sqlite3_prepare_v2(s->db,
                            "SELECT id, ts, member, event, params, outcome, prev_hash, hash,"
                            " row_images, mac FROM audit ORDER BY id",
                            -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        res->entries++;
        if ((bad = check_entry(s, st, expect, prev, prev_ts, &keyed, hash, res)) != 0)
            break;
        last_keyed = sqlite3_column_type(st, 9) != SQLITE_NULL;
        memcpy(prev, hash, sizeof prev);
        prev_ts = sqlite3_column_int64(st, 1);
        expect++;
    }
    sqlite3_finalize(st);
    if (bad)
        return bad;
    if (rc != SQLITE_DONE)
        return store_priv_err(rc);
    memcpy(res->head_hash, prev, sizeof res->head_hash);
    res->head_id = expect - 1;
    if (res->head_id > 0 && !last_keyed)
        return problem(res, res->head_id,
                       "the newest entry (%lld) has no MAC: the chain's end is not"
                       " authenticated (rewritten, or written without the audit key)",
                       (long long)res->head_id);
    rc = sqlite3_prepare_v2(s->db, "SELECT last_id, hash FROM audit_head", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    if (sqlite3_step(st) == SQLITE_ROW) {
        head_id = sqlite3_column_int64(st, 0);
        if (head_id != expect - 1 || strcmp(col(st, 1), prev) != 0)
            bad = problem(res, expect,
                          "log ends at entry %lld but its head records entry %lld: tail deleted"
                          " or head altered",
                          (long long)(expect - 1), (long long)head_id);
    } else {
        bad = problem(res, 1, "audit head missing");
    }
    sqlite3_finalize(st);
    return bad;
}

/* Runs sql (one row, two columns: row id, and a flag or nothing); 1 with *id when a row. */
static int first_row(struct store *s, char *sql, int64_t *id, int *flag)
{
    sqlite3_stmt *st;
    int rc;
    if (!sql)
        return STORE_ERR_NOMEM;
    rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    sqlite3_free(sql);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(st, 0);
        *flag = sqlite3_column_count(st) > 1 ? sqlite3_column_int(st, 1) : 0;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : store_priv_err(rc);
}

/*
 * Every row of every covered table must equal the image the latest entry naming it holds, and
 * every row an entry holds must still be there unless a later entry records its deletion.
 */
static int cover_check(struct store *s, struct store_audit_verify_result *res)
{
    int64_t id;
    int flag, rc;
    if ((rc = store_priv_exec(s, "CREATE TEMP TABLE IF NOT EXISTS audit_latest(tbl TEXT NOT NULL,"
                                 " row_id INTEGER NOT NULL, image TEXT, PRIMARY KEY(tbl, row_id));"
                                 "DELETE FROM temp.audit_latest;"
                                 "INSERT OR REPLACE INTO temp.audit_latest"
                                 " SELECT json_extract(j.value, '$[0]'),"
                                 " json_extract(j.value, '$[1]'), json_extract(j.value, '$[2]')"
                                 " FROM audit a, json_each(a.row_images) j"
                                 " WHERE a.row_images IS NOT NULL ORDER BY a.id, j.key")) != 0)
        return rc;
    for (size_t i = 0; i < N_COVERED; i++) {
        const char *t = covered[i].table;
        char *img = image_sql(&covered[i], "");
        if (!img)
            return STORE_ERR_NOMEM;
        rc = first_row(s,
                       sqlite3_mprintf("SELECT t.id, CASE WHEN l.row_id IS NULL THEN 1 WHEN"
                                       " l.image IS NULL THEN 2 ELSE 3 END FROM (SELECT id, %s"
                                       " AS img FROM %s) t LEFT JOIN temp.audit_latest l ON"
                                       " l.tbl = '%s' AND l.row_id = t.id WHERE l.image IS NULL"
                                       " OR l.image <> t.img ORDER BY t.id LIMIT 1",
                                       img, t, t),
                       &id, &flag);
        sqlite3_free(img);
        if (rc < 0)
            return rc;
        if (rc) {
            res->bad_row = id;
            snprintf(res->bad_table, sizeof res->bad_table, "%s", t);
            return problem(res, res->head_id, "%s row %lld %s", t, (long long)id,
                           flag == 1   ? "was written without an audit entry"
                           : flag == 2 ? "is there although an audit entry records its deletion"
                                       : "differs from the audit entry that wrote it (edited)");
        }
        rc = first_row(s,
                       sqlite3_mprintf("SELECT l.row_id FROM temp.audit_latest l WHERE l.tbl ="
                                       " '%s' AND l.image IS NOT NULL AND NOT EXISTS (SELECT 1"
                                       " FROM %s WHERE id = l.row_id) ORDER BY 1 LIMIT 1",
                                       t, t),
                       &id, &flag);
        if (rc < 0)
            return rc;
        if (rc) {
            res->bad_row = id;
            snprintf(res->bad_table, sizeof res->bad_table, "%s", t);
            return problem(res, res->head_id, "%s row %lld is gone without an audit entry", t,
                           (long long)id);
        }
    }
    /* The rows agree; without the triggers the next change would go unrecorded. */
    for (size_t i = 0; i < N_COVERED; i++) {
        static const char *const kinds[] = {"ins", "upd", "del"};
        for (int k = 0; k < 3; k++) {
            rc = first_row(s,
                           sqlite3_mprintf("SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_master"
                                           " WHERE type = 'trigger' AND name ="
                                           " 'audit_cover_%s_%s')",
                                           covered[i].table, kinds[k]),
                           &id, &flag);
            if (rc < 0)
                return rc;
            if (rc) {
                snprintf(res->bad_table, sizeof res->bad_table, "%s", covered[i].table);
                return problem(res, res->head_id,
                               "trigger audit_cover_%s_%s is missing: changes to %s go unrecorded",
                               covered[i].table, kinds[k], covered[i].table);
            }
        }
    }
    return 0;
}

/* The chain against anchors (heads recorded outside the store). */
static int anchor_check(struct store *s, const struct store_audit_head *anchors, size_t n,
                        struct store_audit_verify_result *res)
{
    for (size_t i = 0; i < n; i++) {
        const struct store_audit_head *a = &anchors[i];
        sqlite3_stmt *st;
        int rc, same = 0;
        if (a->id > res->head_id)
            return problem(res, res->head_id + 1,
                           "the chain ends at entry %lld but an anchor records entry %lld:"
                           " its tail was deleted",
                           (long long)res->head_id, (long long)a->id);
        rc = sqlite3_prepare_v2(s->db, "SELECT hash, coalesce(mac, '') FROM audit WHERE id = ?", -1,
                                &st, NULL);
        if (rc != SQLITE_OK)
            return store_priv_err(rc);
        sqlite3_bind_int64(st, 1, a->id);
        if ((rc = sqlite3_step(st)) == SQLITE_ROW)
            same = strcmp(col(st, 0), a->hash) == 0 && (!a->mac[0] || !strcmp(col(st, 1), a->mac));
        sqlite3_finalize(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return store_priv_err(rc);
        if (!same)
            return problem(res, a->id,
                           "entry %lld differs from the anchor recorded for it: the chain was"
                           " rewritten",
                           (long long)a->id);
        if (a->id > res->anchor_id)
            res->anchor_id = a->id;
    }
    return 0;
}

/* The whole check in one read transaction (every part sees the same state). */
static int verify_chain(struct store *s, const struct store_audit_head *anchors, size_t n,
                        struct store_audit_verify_result *res)
{
    int rc;
    memset(res, 0, sizeof *res);
    if (!s->audit_key)
        return STORE_ERR_STATE;
    if ((rc = store_priv_exec(s, "BEGIN")) != 0)
        return rc;
    rc = walk(s, res);
    if (rc == 0)
        rc = anchor_check(s, anchors, n, res);
    if (rc == 0)
        rc = cover_check(s, res);
    store_priv_rollback(s);
    return rc;
}

int store_audit_verify(struct store *s, const struct store_session *sess,
                       struct store_audit_verify_result *res)
{
    return store_audit_verify_anchored(s, sess, NULL, 0, res);
}

int store_audit_verify_anchored(struct store *s, const struct store_session *sess,
                                const struct store_audit_head *anchors, size_t n_anchors,
                                struct store_audit_verify_result *res)
{
    struct store_json j;
    char who[STORE_NAME_MAX + 8], outcome[240];
    int rc, arc;
    store_json_init(&j);
    store_json_int(&j, "anchors", (int64_t)n_anchors);
    rc = store_priv_authorize(s, sess, STORE_ROLE_AUDITOR | STORE_ROLE_ADMINISTRATOR,
                              "audit.verify", store_json_end(&j));
    if (rc != 0)
        return rc;
    rc = verify_chain(s, anchors, n_anchors, res);
    store_json_init(&j);
    store_json_int(&j, "entries", res->entries);
    store_json_int(&j, "bad_id", res->bad_id);
    store_json_int(&j, "anchor", res->anchor_id);
    if (rc == 0)
        snprintf(outcome, sizeof outcome, "ok");
    else
        snprintf(outcome, sizeof outcome, "failed: %s",
                 rc == STORE_ERR_TAMPER  ? res->problem
                 : rc == STORE_ERR_STATE ? "no audit key"
                                         : store_strerror(rc));
    /* A broken chain is recorded too; appending to it does not hide the break. */
    arc = store_priv_audit_now(s, store_priv_who(s, sess, who, sizeof who), "audit.verify",
                               store_json_end(&j), outcome);
    return rc != 0 ? rc : arc;
}

/* Length of the well-formed UTF-8 sequence at p (1-4), or 0. */
static size_t utf8_len(const unsigned char *p)
{
    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xc2 && p[0] <= 0xdf)
        return (p[1] & 0xc0) == 0x80 ? 2 : 0;
    if (p[0] >= 0xe0 && p[0] <= 0xef) {
        unsigned lo = p[0] == 0xe0 ? 0xa0 : 0x80, hi = p[0] == 0xed ? 0x9f : 0xbf;
        return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 ? 3 : 0;
    }
    if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        unsigned lo = p[0] == 0xf0 ? 0x90 : 0x80, hi = p[0] == 0xf4 ? 0x8f : 0xbf;
        return p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 && (p[3] & 0xc0) == 0x80 ? 4 : 0;
    }
    return 0;
}

char *store_audit_printable(const char *text)
{
    const unsigned char *p = (const unsigned char *)(text ? text : "");
    size_t n = strlen((const char *)p), o = 0;
    char *out = malloc(4 * n + 1);
    if (!out)
        return NULL;
    while (*p) {
        size_t len = utf8_len(p);
        if (len == 1 && *p >= 0x20 && *p != 0x7f) {
            out[o++] = (char)*p++;
        } else if (len > 1) {
            memcpy(out + o, p, len);
            o += len;
            p += len;
        } else {
            o += (size_t)sprintf(out + o, "\\x%02x", *p++);
        }
    }
    out[o] = '\0';
    return out;
}

/* v with every plate masked (see store_audit_list); recurses into "query" objects. */
static void mask_plates(const struct store *s, json_t *v)
{
    const char *key;
    json_t *m;
    size_t i;
    char tok[STORE_MASK_SIZE];
    if (json_is_array(v)) {
        json_array_foreach(v, i, m) mask_plates(s, m);
        return;
    }
    if (!json_is_object(v))
        return;
    json_object_foreach(v, key, m)
    {
        if (json_is_string(m) && strcmp(key, "plate") == 0) {
            store_priv_mask_plate(s, json_string_value(m), tok);
            json_object_set_new(v, key, json_string(tok));
        } else if (json_is_string(m) && strcmp(key, "query") == 0) {
            json_t *q = json_loads(json_string_value(m), JSON_DECODE_ANY, NULL);
            char *text;
            if (json_is_object(q)) {
                mask_plates(s, q);
                if ((text = json_dumps(q, JSON_COMPACT | JSON_PRESERVE_ORDER)) != NULL)
                    json_object_set_new(v, key, json_string(text));
                free(text);
            }
            json_decref(q);
        } else {
            mask_plates(s, m);
        }
    }
}

/* An entry's params as shown to the reader: masked for auditors, always printable. */
static char *shown_params(const struct store *s, const struct store_session *sess,
                          const char *params)
{
    json_t *v;
    char *text;
    if (sess->role != STORE_ROLE_AUDITOR)
        return store_audit_printable(params);
    v = json_loads(params, 0, NULL);
    if (!v)
        return store_audit_printable(params);
    mask_plates(s, v);
    text = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(v);
    return text ? text : strdup("{}");
}

/* Copies text into dst (size bytes) printable; cuts at a character boundary. */
static void copy_printable(char *dst, size_t size, const char *text)
{
    char *p = store_audit_printable(text);
    size_t n;
    if (!p) {
        snprintf(dst, size, "?");
        return;
    }
    n = strlen(p);
    if (n >= size) {
        n = size - 1;
        while (n > 0 && ((unsigned char)p[n] & 0xc0) == 0x80)
            n--;
    }
    memcpy(dst, p, n);
    dst[n] = '\0';
    free(p);
}

int store_audit_list(struct store *s, const struct store_session *sess, int64_t from, int64_t to,
                     const char *member, const char *event_prefix, size_t limit,
                     struct store_audit_list **out)
{
    struct store_json j;
    struct store_audit_list *list = NULL;
    sqlite3_stmt *st = NULL;
    char who[STORE_NAME_MAX + 8];
    size_t cap = 0;
    int rc;

    store_json_init(&j);
    store_json_int(&j, "from", from);
    store_json_int(&j, "to", to);
    store_json_str(&j, "member", member);
    store_json_str(&j, "event", event_prefix);
    rc = store_priv_authorize(s, sess, STORE_ROLE_AUDITOR | STORE_ROLE_ADMINISTRATOR, "audit.list",
                              store_json_end(&j));
    if (rc != 0)
        return rc;
    if (limit == 0)
        limit = 1000;
    list = calloc(1, sizeof *list);
    if (!list)
        return STORE_ERR_NOMEM;
    rc = sqlite3_prepare_v2(s->db,
                            "SELECT id, ts, member, event, params, outcome FROM ("
                            " SELECT * FROM audit WHERE (?1 = 0 OR ts >= ?1)"
                            " AND (?2 = 0 OR ts < ?2) AND (?3 IS NULL OR member = ?3)"
                            " AND (?4 IS NULL OR substr(event, 1, length(?4)) = ?4)"
                            " ORDER BY id DESC LIMIT ?5) ORDER BY id",
                            -1, &st, NULL);
    if (rc != SQLITE_OK) {
        rc = store_priv_err(rc);
        goto fail;
    }
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    store_priv_bind_text(st, 3, member);
    store_priv_bind_text(st, 4, event_prefix);
    sqlite3_bind_int64(st, 5, (int64_t)limit);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_audit_entry *e;
        void *room = store_priv_room(list->items, list->n, &cap, sizeof *list->items);
        if (!room) {
            rc = STORE_ERR_NOMEM;
            goto fail;
        }
        list->items = room;
        e = &list->items[list->n];
        memset(e, 0, sizeof *e);
        e->id = sqlite3_column_int64(st, 0);
        e->ts = sqlite3_column_int64(st, 1);
        copy_printable(e->member, sizeof e->member, col(st, 2));
        copy_printable(e->event, sizeof e->event, col(st, 3));
        e->params = shown_params(s, sess, col(st, 4));
        copy_printable(e->outcome, sizeof e->outcome, col(st, 5));
        list->n++;
        if (!e->params) {
            rc = STORE_ERR_NOMEM;
            goto fail;
        }
    }
    if (rc != SQLITE_DONE) {
        rc = store_priv_err(rc);
        goto fail;
    }
    sqlite3_finalize(st);
    st = NULL;
    store_json_init(&j);
    store_json_int(&j, "from", from);
    store_json_int(&j, "to", to);
    store_json_str(&j, "member", member);
    store_json_str(&j, "event", event_prefix);
    store_json_int(&j, "entries", (int64_t)list->n);
    rc = store_priv_audit_now(s, store_priv_who(s, sess, who, sizeof who), "audit.list",
                              store_json_end(&j), "ok");
    if (rc != 0)
        goto fail;
    *out = list;
    return 0;
fail:
    sqlite3_finalize(st);
    store_audit_list_free(list);
    return rc;
}

void store_audit_list_free(struct store_audit_list *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->n; i++)
        free(list->items[i].params);
    free(list->items);
    free(list);
}

int store_audit_contains(struct store *s, const struct store_session *sess, const char *hash)
{
    struct store_json j;
    sqlite3_stmt *st;
    int rc, found;
    store_json_init(&j);
    store_json_str(&j, "hash", hash);
    store_json_end(&j);
    rc = store_priv_authorize(s, sess, STORE_ROLE_AUDITOR | STORE_ROLE_ADMINISTRATOR,
                              "audit.anchor", j.buf);
    if (rc != 0)
        return rc;
    if (!hash || strlen(hash) != 64)
        return STORE_ERR_INVALID;
    rc = sqlite3_prepare_v2(s->db, "SELECT 1 FROM audit WHERE hash = ?", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    found = rc == SQLITE_ROW;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_priv_err(rc);
    rc = store_priv_audit_now(s, sess->member, "audit.anchor", j.buf,
                              found ? "ok" : "failed: recorded head not in chain");
    return rc != 0 ? rc : found;
}
