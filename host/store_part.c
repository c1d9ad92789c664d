/* store_part: reads partitioned by day of capture (see store_part.h). */
#include "store_part.h"
#include "plate_match.h"
#include "store_keyring.h"
#include "store_priv.h"
#include "store_reads.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The sealed layout (schema 5): plate, meta and png are store_field_seal output (meta: the
 * record of meta_encode), skel_tok and skel_rev_tok tokens (see store_part.h). img says
 * whether images_X has the read's crop (which the images table's ids say anyway): a search
 * result need not look into the images b-tree. */
#define READS_COLS_SQL                                                                             \
    "(id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, plate BLOB NOT NULL,"                           \
    " skel_tok BLOB NOT NULL, skel_rev_tok BLOB NOT NULL, confidence REAL NOT NULL,"               \
    " meta BLOB NOT NULL, ngo INTEGER NOT NULL CHECK(ngo IN (0, 1)), frames INTEGER NOT NULL,"     \
    " img INTEGER NOT NULL CHECK(img IN (0, 1)))"
#define READS_INSERT_COLS                                                                          \
    "(ts, plate, skel_tok, skel_rev_tok, confidence, meta, ngo, frames, id, img)"                  \
    " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
#define TABLES_SQL(X)                                                                              \
    "CREATE TABLE reads_" X READS_COLS_SQL ";"                                                     \
    "CREATE TABLE images_" X "(read_id INTEGER PRIMARY KEY, png BLOB NOT NULL);"
#define INDEXES_SQL(X)                                                                             \
    "CREATE INDEX reads_" X "_skel ON reads_" X "(skel_tok);"                                      \
    "CREATE INDEX reads_" X "_skel_rev ON reads_" X "(skel_rev_tok);"                              \
    "CREATE INDEX reads_" X "_ts ON reads_" X "(ts);"

/*
 * The meta record: candidates, unit, camera and agency, each as a 2-byte little-endian length
 * and its bytes, then 0 (no position) or 1 followed by latitude and longitude (IEEE 754
 * binary64 bits, little-endian). Field numbers are store_meta's.
 */
enum { META_CANDIDATES, META_UNIT, META_CAMERA, META_AGENCY, META_LAT, META_LON };
#define META_TEXTS 4
#define META_MAX                                                                                   \
    (2 * META_TEXTS + STORE_CANDIDATES_TEXT_MAX + 2 * STORE_NAME_MAX + STORE_TEXT_MAX + 1 + 2 * 8)
/* The largest sealed value the views' functions open into their cache (plate or meta). */
#define OPEN_MAX (META_MAX + STORE_KEYRING_OVERHEAD)

int64_t store_part_day(int64_t t)
{
    return t / STORE_PART_DAY_SECONDS;
}

void store_part_forget(struct store *s)
{
    s->part_day = -1;
}

static int schema_version(struct store *s, int64_t *out)
{
    sqlite3_stmt *st = store_priv_stmt(s, STORE_STMT_SCHEMA_VERSION, "PRAGMA schema_version");
    int rc;
    if (!st)
        return STORE_ERR_IO;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : store_priv_err(rc);
}

void store_part_names_free(char **names, size_t n)
{
    for (size_t i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
}

/* Names of the schema objects of type matching the GLOB pattern, sorted (descending if desc). */
static int list_names(struct store *s, const char *type, const char *pattern, int desc, char ***out,
                      size_t *n_out)
{
    sqlite3_stmt *st;
    char **v = NULL;
    size_t n = 0, cap = 0;
    int rc = sqlite3_prepare_v2(s->db,
                                desc ? "SELECT name FROM sqlite_master WHERE type = ? AND name GLOB"
                                       " ? ORDER BY length(name) DESC, name DESC"
                                     : "SELECT name FROM sqlite_master WHERE type = ? AND name GLOB"
                                       " ? ORDER BY length(name), name",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, pattern, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char *name;
        void *room = store_priv_room(v, n, &cap, sizeof *v);
        if (!room) {
            rc = SQLITE_NOMEM;
            break;
        }
        v = room;
        name = strdup((const char *)sqlite3_column_text(st, 0));
        if (!name) {
            rc = SQLITE_NOMEM;
            break;
        }
        v[n++] = name;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        store_part_names_free(v, n);
        return store_priv_err(rc);
    }
    *out = v;
    *n_out = n;
    return 0;
}

int store_part_groups(struct store *s, char *const **names, size_t *n)
{
    char **v = NULL, **all, *rest;
    size_t cnt = 0;
    int64_t ver;
    int rc;
    if ((rc = schema_version(s, &ver)) != 0)
        return rc;
    if (s->groups && s->groups_schema == ver) {
        *names = s->groups;
        *n = s->n_groups;
        return 0;
    }
    /* Numbered groups, newest first, after reads_grest. */
    if ((rc = list_names(s, "view", "reads_g[0-9]*", 1, &v, &cnt)) != 0)
        return rc;
    all = malloc((cnt + 1) * sizeof *all);
    rest = strdup("reads_grest");
    if (!all || !rest) {
        free(all);
        free(rest);
        store_part_names_free(v, cnt);
        return STORE_ERR_NOMEM;
    }
    all[0] = rest;
    for (size_t i = 0; i < cnt; i++)
        all[i + 1] = v[i];
    free(v);
    store_part_names_free(s->groups, s->n_groups);
    s->groups = all;
    s->n_groups = cnt + 1;
    s->groups_schema = ver;
    *names = s->groups;
    *n = s->n_groups;
    return 0;
}

int store_part_days(struct store *s, int64_t **days, size_t *n)
{
    sqlite3_stmt *st;
    int64_t *v = NULL;
    size_t cnt = 0, cap = 0;
    int rc = sqlite3_prepare_v2(s->db,
                                "SELECT CAST(substr(name, 8) AS INTEGER) FROM sqlite_master"
                                " WHERE type = 'table' AND name GLOB 'reads_d[0-9]*' ORDER BY 1",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        void *room = store_priv_room(v, cnt, &cap, sizeof *v);
        if (!room) {
            rc = SQLITE_NOMEM;
            break;
        }
        v = room;
        v[cnt++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        free(v);
        return store_priv_err(rc);
    }
    *days = v;
    *n = cnt;
    return 0;
}

/* Appends text to a growing buffer; 0 or STORE_ERR_NOMEM. */
static int sb_add(char **buf, size_t *len, size_t *cap, const char *text)
{
    size_t n = strlen(text);
    if (*len + n + 1 > *cap) {
        size_t ncap = (*cap ? *cap * 2 : 4096) + n;
        char *p = realloc(*buf, ncap);
        if (!p)
            return STORE_ERR_NOMEM;
        *buf = p;
        *cap = ncap;
    }
    memcpy(*buf + *len, text, n + 1);
    *len += n;
    return 0;
}

/* Drops every view named by the GLOB pattern. */
static int drop_views(struct store *s, const char *pattern)
{
    char **names = NULL;
    size_t n = 0;
    int rc = list_names(s, "view", pattern, 0, &names, &n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char sql[128];
        snprintf(sql, sizeof sql, "DROP VIEW %s", names[i]);
        rc = store_priv_exec(s, sql);
    }
    store_part_names_free(names, n);
    return rc;
}

static int drop_all_views(struct store *s)
{
    int rc = drop_views(s, "reads_g*");
    if (rc == 0)
        rc = drop_views(s, "images_g*");
    if (rc == 0)
        rc = store_priv_exec(s, "DROP VIEW IF EXISTS reads");
    if (rc == 0)
        rc = store_priv_exec(s, "DROP VIEW IF EXISTS read_images");
    return rc;
}

/*
 * One arm of the views over reads_SUFFIX sealed under part: the columns in the clear (by the
 * SQL functions of store_set_keyring), has_img and part; no rows when part's key is missing.
 */
static int reads_arm(char **buf, size_t *len, size_t *cap, const char *suffix, int64_t part)
{
    char arm[1536];
    long long p = (long long)part;
    /* clang-format off */
    snprintf(arm, sizeof arm,
             "SELECT r.id, r.ts, store_unseal(%lld, 'plate', r.id, r.plate) AS plate,"
             " r.skel_tok, r.skel_rev_tok, r.confidence,"
             " store_meta(%lld, r.id, r.meta, %d) AS candidates,"
             " store_meta(%lld, r.id, r.meta, %d) AS unit,"
             " store_meta(%lld, r.id, r.meta, %d) AS camera,"
             " store_meta(%lld, r.id, r.meta, %d) AS lat,"
             " store_meta(%lld, r.id, r.meta, %d) AS lon,"
             " store_meta(%lld, r.id, r.meta, %d) AS agency,"
             " r.ngo, r.frames,"
             " r.img AS has_img, %lld AS part, r.meta"
             " FROM reads_%s r"
             " WHERE store_live(%lld)",
             p, p, META_CANDIDATES, p, META_UNIT, p, META_CAMERA, p, META_LAT, p, META_LON, p,
             META_AGENCY, p, suffix, p);
    /* clang-format on */
    return sb_add(buf, len, cap, arm);
}

static int images_arm(char **buf, size_t *len, size_t *cap, const char *suffix, int64_t part)
{
    char arm[256];
    snprintf(arm, sizeof arm,
             "SELECT read_id, store_unseal_blob(%lld, 'png', read_id, png) AS png FROM images_%s"
             " WHERE store_live(%lld)",
             (long long)part, suffix, (long long)part);
    return sb_add(buf, len, cap, arm);
}

/* Runs "CREATE VIEW name AS " + body. */
static int create_view(struct store *s, const char *name, const char *body)
{
    char *sql = NULL, head[64];
    size_t len = 0, cap = 0;
    int rc;
    snprintf(head, sizeof head, "CREATE VIEW %s AS ", name);
    if ((rc = sb_add(&sql, &len, &cap, head)) == 0 && (rc = sb_add(&sql, &len, &cap, body)) == 0)
        rc = store_priv_exec(s, sql);
    free(sql);
    return rc;
}

/* Drops the views reads_gNAME and images_gNAME if they exist. */
static int drop_group_views(struct store *s, const char *name)
{
    char sql[256];
    snprintf(sql, sizeof sql, "DROP VIEW IF EXISTS reads_g%s; DROP VIEW IF EXISTS images_g%s;",
             name, name);
    return store_priv_exec(s, sql);
}

/* (Re)creates reads_grest and images_grest over reads_rest under the held-reads key. */
static int rest_views(struct store *s)
{
    char *r = NULL, *i = NULL;
    size_t rl = 0, rcap = 0, il = 0, icap = 0;
    int64_t held = store_part_held_key(s);
    int rc = drop_group_views(s, "rest");
    if (rc == 0)
        rc = reads_arm(&r, &rl, &rcap, "rest", held);
    if (rc == 0)
        rc = images_arm(&i, &il, &icap, "rest", held);
    if (rc == 0)
        rc = create_view(s, "reads_grest", r);
    if (rc == 0)
        rc = create_view(s, "images_grest", i);
    free(r);
    free(i);
    return rc;
}

/*
 * (Re)creates reads_gG and images_gG over the days of group g among days[0..n) (sorted), or
 * only drops them when the group has no day. *has (may be NULL): whether it has one.
 */
static int group_views(struct store *s, int64_t g, const int64_t *days, size_t n, int *has)
{
    char name[24], view[48], suffix[32];
    char *r = NULL, *i = NULL;
    size_t rl = 0, rcap = 0, il = 0, icap = 0, arms = 0;
    int rc;
    snprintf(name, sizeof name, "%lld", (long long)g);
    if ((rc = drop_group_views(s, name)) != 0)
        return rc;
    for (size_t k = 0; rc == 0 && k < n; k++) {
        if (days[k] / STORE_PART_GROUP_DAYS != g)
            continue;
        snprintf(suffix, sizeof suffix, "d%lld", (long long)days[k]);
        if (arms++ > 0) {
            rc = sb_add(&r, &rl, &rcap, " UNION ALL ");
            if (rc == 0)
                rc = sb_add(&i, &il, &icap, " UNION ALL ");
        }
        if (rc == 0)
            rc = reads_arm(&r, &rl, &rcap, suffix, days[k]);
        if (rc == 0)
            rc = images_arm(&i, &il, &icap, suffix, days[k]);
    }
    if (rc == 0 && arms) {
        snprintf(view, sizeof view, "reads_g%s", name);
        rc = create_view(s, view, r);
        snprintf(view, sizeof view, "images_g%s", name);
        if (rc == 0)
            rc = create_view(s, view, i);
    }
    free(r);
    free(i);
    if (rc == 0 && has)
        *has = arms > 0;
    return rc;
}

/* (Re)creates `reads` and `read_images` over the group views of days[0..n) and the rest. */
static int top_views(struct store *s, const int64_t *days, size_t n)
{
    char arm[96];
    char *r = NULL, *i = NULL;
    size_t rl = 0, rcap = 0, il = 0, icap = 0;
    int rc = store_priv_exec(s, "DROP VIEW IF EXISTS reads; DROP VIEW IF EXISTS read_images;");
    for (size_t k = 0; rc == 0 && k < n; k++) {
        int64_t g = days[k] / STORE_PART_GROUP_DAYS;
        if (k > 0 && days[k - 1] / STORE_PART_GROUP_DAYS == g)
            continue;
        snprintf(arm, sizeof arm, "SELECT * FROM reads_g%lld UNION ALL ", (long long)g);
        rc = sb_add(&r, &rl, &rcap, arm);
        snprintf(arm, sizeof arm, "SELECT * FROM images_g%lld UNION ALL ", (long long)g);
        if (rc == 0)
            rc = sb_add(&i, &il, &icap, arm);
    }
    if (rc == 0 && (rc = sb_add(&r, &rl, &rcap, "SELECT * FROM reads_grest")) == 0)
        rc = sb_add(&i, &il, &icap, "SELECT * FROM images_grest");
    if (rc == 0)
        rc = create_view(s, "reads", r);
    if (rc == 0)
        rc = create_view(s, "read_images", i);
    free(r);
    free(i);
    return rc;
}

/*
 * Brings the views up to date after day's tables were created or dropped: its group's views,
 * and the top views when the group appeared or disappeared (had: it had days before).
 */
static int day_views(struct store *s, int64_t day, int had)
{
    int64_t *days = NULL;
    size_t n = 0;
    int has = 0, rc = store_part_days(s, &days, &n);
    if (rc == 0)
        rc = group_views(s, day / STORE_PART_GROUP_DAYS, days, n, &has);
    if (rc == 0 && has != had)
        rc = top_views(s, days, n);
    free(days);
    return rc;
}

/* Whether a day of day's group other than day has tables, among days[0..n). */
static int group_has_other(int64_t day, const int64_t *days, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (days[k] != day && days[k] / STORE_PART_GROUP_DAYS == day / STORE_PART_GROUP_DAYS)
            return 1;
    return 0;
}

int store_part_rebuild_views(struct store *s)
{
    int64_t *days = NULL;
    size_t n = 0;
    int rc;
    if ((rc = drop_all_views(s)) != 0 || (rc = store_part_days(s, &days, &n)) != 0)
        return rc;
    rc = rest_views(s);
    for (size_t k = 0; rc == 0 && k < n; k++)
        if (k == 0 || days[k - 1] / STORE_PART_GROUP_DAYS != days[k] / STORE_PART_GROUP_DAYS)
            rc = group_views(s, days[k] / STORE_PART_GROUP_DAYS, days, n, NULL);
    if (rc == 0)
        rc = top_views(s, days, n);
    free(days);
    return rc;
}

static int table_exists(struct store *s, const char *name, int *out)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(
        s->db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_priv_err(rc);
    *out = rc == SQLITE_ROW;
    return 0;
}

int store_part_use_day(struct store *s, int64_t day)
{
    char name[64], sql[4096];
    int64_t ver;
    int rc, exists;
    if ((rc = schema_version(s, &ver)) != 0)
        return rc;
    if (day == s->part_day && ver == s->part_schema)
        return 0;
    snprintf(name, sizeof name, "reads_d%lld", (long long)day);
    if ((rc = table_exists(s, name, &exists)) != 0)
        return rc;
    if (!exists) {
        int64_t *days = NULL;
        size_t n = 0;
        int had;
        if ((rc = store_part_days(s, &days, &n)) != 0)
            return rc;
        had = group_has_other(day, days, n);
        free(days);
        if (n >= STORE_PART_MAX_DAYS)
            return STORE_ERR_FULL;
        snprintf(name, sizeof name, "d%lld", (long long)day);
        snprintf(sql, sizeof sql, TABLES_SQL("%1$s") INDEXES_SQL("%1$s"), name);
        if ((rc = store_priv_exec(s, sql)) != 0 || (rc = day_views(s, day, had)) != 0)
            return rc;
        if ((rc = schema_version(s, &ver)) != 0)
            return rc;
    }
    if (day != s->part_day) {
        sqlite3_finalize(s->stmt[STORE_STMT_INSERT_READ]);
        sqlite3_finalize(s->stmt[STORE_STMT_INSERT_IMAGE]);
        s->stmt[STORE_STMT_INSERT_READ] = NULL;
        s->stmt[STORE_STMT_INSERT_IMAGE] = NULL;
        snprintf(sql, sizeof sql, "INSERT INTO reads_d%lld" READS_INSERT_COLS, (long long)day);
        if (!store_priv_stmt(s, STORE_STMT_INSERT_READ, sql))
            return STORE_ERR_IO;
        snprintf(sql, sizeof sql, "INSERT INTO images_d%lld(read_id, png) VALUES(?, ?)",
                 (long long)day);
        if (!store_priv_stmt(s, STORE_STMT_INSERT_IMAGE, sql))
            return STORE_ERR_IO;
    }
    s->part_day = day;
    s->part_schema = ver;
    return 0;
}

int store_part_drop_day(struct store *s, int64_t day)
{
    char sql[256], group[24];
    int rc;
    if (day == s->part_day) {
        sqlite3_finalize(s->stmt[STORE_STMT_INSERT_READ]);
        sqlite3_finalize(s->stmt[STORE_STMT_INSERT_IMAGE]);
        s->stmt[STORE_STMT_INSERT_READ] = NULL;
        s->stmt[STORE_STMT_INSERT_IMAGE] = NULL;
        s->part_day = -1;
    }
    /* The group's views name the tables: dropped first, rebuilt after (with the top views
     * when the group goes). */
    snprintf(group, sizeof group, "%lld", (long long)(day / STORE_PART_GROUP_DAYS));
    if ((rc = drop_group_views(s, group)) != 0)
        return rc;
    snprintf(sql, sizeof sql, "DROP TABLE reads_d%lld; DROP TABLE images_d%lld;", (long long)day,
             (long long)day);
    if ((rc = store_priv_exec(s, sql)) != 0)
        return rc;
    return day_views(s, day, 1);
}

int store_part_rebuild_rest(struct store *s)
{
    int64_t old_key = store_part_held_key(s), new_key = old_key - 1;
    const unsigned char *key;
    sqlite3_stmt *st;
    int rc;
    /* A fresh key as well as fresh pages: the old key is destroyed after the commit
     * (store_part_sweep_keys), so old copies of the deleted rows cannot be read either. */
    if ((rc = store_part_key(s, new_key, 1, &key)) != 0 || (rc = drop_all_views(s)) != 0 ||
        (rc = store_priv_exec(s, TABLES_SQL("rest_new"))) != 0)
        return rc;
    rc = sqlite3_prepare_v2(s->db, "SELECT id FROM reads_rest ORDER BY id", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int r2 =
            store_part_reseal(s, "rest", old_key, "rest_new", new_key, sqlite3_column_int64(st, 0));
        if (r2 != 0) {
            sqlite3_finalize(st);
            return r2;
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return store_priv_err(rc);
    /* The new tables take the old names (and indexes named after them), and reads_rest's
     * views are rebuilt with the new key. */
    /* clang-format off */
    rc = store_priv_exec(s,
                         "DROP TABLE reads_rest;"
                         "DROP TABLE images_rest;"
                         "ALTER TABLE reads_rest_new RENAME TO reads_rest;"
                         "ALTER TABLE images_rest_new RENAME TO images_rest;"
                         INDEXES_SQL("rest"));
    /* clang-format on */
    if (rc != 0)
        return rc;
    rc = sqlite3_prepare_v2(
        s->db, "INSERT OR REPLACE INTO settings(key, value) VALUES('held_key', ?)", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    sqlite3_bind_int64(st, 1, new_key);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return store_priv_err(rc);
    return store_part_rebuild_views(s);
}

/*
 * Looks the crop up in one table and opens it under part's key; 0, STORE_ERR_NOTFOUND (no row,
 * no table, or the key is gone: a purged day) or an error.
 */
static int image_from(struct store *s, const char *suffix, int64_t part, int64_t id, uint8_t **png,
                      size_t *len)
{
    char sql[128], table[64];
    const unsigned char *key;
    sqlite3_stmt *st;
    int rc, exists;
    snprintf(table, sizeof table, "images_%s", suffix);
    if ((rc = table_exists(s, table, &exists)) != 0)
        return rc;
    if (!exists)
        return STORE_ERR_NOTFOUND;
    if ((rc = store_part_key(s, part, 0, &key)) != 0)
        return rc;
    snprintf(sql, sizeof sql, "SELECT png FROM %s WHERE read_id = ?", table);
    rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        uint8_t *buf = n > STORE_KEYRING_OVERHEAD ? malloc(n - STORE_KEYRING_OVERHEAD) : NULL;
        rc = buf ? store_part_open(key, "png", id, sqlite3_column_blob(st, 0), n, buf)
                 : STORE_ERR_NOMEM;
        if (rc == 0) {
            *png = buf;
            *len = n - STORE_KEYRING_OVERHEAD;
        } else {
            free(buf);
            rc = rc == STORE_ERR_NOMEM ? rc : STORE_ERR_NOTFOUND;
        }
    } else {
        rc = rc == SQLITE_DONE ? STORE_ERR_NOTFOUND : store_priv_err(rc);
    }
    sqlite3_finalize(st);
    return rc;
}

int store_part_image(struct store *s, int64_t id, int64_t ts, uint8_t **png, size_t *len)
{
    char suffix[32];
    int64_t day = store_part_day(ts);
    int rc = image_from(s, "rest", store_part_held_key(s), id, png, len);
    if (rc != STORE_ERR_NOTFOUND)
        return rc;
    snprintf(suffix, sizeof suffix, "d%lld", (long long)day);
    return image_from(s, suffix, day, id, png, len);
}

/* ---------------------------------------------------------------------------------------- */
/* Day keys                                                                                   */

int store_part_key(struct store *s, int64_t part, int create, const unsigned char **key)
{
    if (!s->keyring)
        return STORE_ERR_STATE;
    return store_keyring_get(s->keyring, part, create, key);
}

int64_t store_part_held_key(struct store *s)
{
    return store_priv_setting(s, "held_key", STORE_PART_HELD_FIRST);
}

/* Associated data: the column name, a NUL, the read id (8 bytes, big-endian). */
static size_t field_ad(const char *col, int64_t id, unsigned char ad[48])
{
    size_t n = strnlen(col, 39);
    memcpy(ad, col, n);
    ad[n++] = 0;
    for (int i = 7; i >= 0; i--)
        ad[n++] = (unsigned char)((uint64_t)id >> (8 * i));
    return n;
}

int store_part_seal(const unsigned char *key, const char *col, int64_t id, const void *in,
                    size_t len, unsigned char *out)
{
    unsigned char ad[48];
    size_t n = field_ad(col, id, ad);
    return store_field_seal(key, ad, n, in, len, out);
}

int store_part_open(const unsigned char *key, const char *col, int64_t id, const void *in,
                    size_t len, void *out)
{
    unsigned char ad[48];
    size_t n = field_ad(col, id, ad);
    if (len < STORE_KEYRING_OVERHEAD)
        return STORE_ERR_DATA;
    return store_field_open(key, ad, n, in, len, out) == 0 ? 0 : STORE_ERR_DATA;
}

void store_part_tokkeys(const unsigned char *key, struct store_part_tokkeys *out)
{
    static const char ctx[16] = "alpr skel tokens";
    unsigned char sub[sizeof out->fwd + sizeof out->rev];
    _Static_assert(sizeof out->fwd == crypto_shorthash_KEYBYTES, "SipHash key size");
    /* One PRF output, two subkeys: a plate's reversed token never equals another plate's
     * token, and a token says nothing about the day key. */
    crypto_generichash(sub, sizeof sub, (const unsigned char *)ctx, sizeof ctx, key,
                       STORE_KEYRING_KEY_BYTES);
    memcpy(out->fwd, sub, sizeof out->fwd);
    memcpy(out->rev, sub + sizeof out->fwd, sizeof out->rev);
    sodium_memzero(sub, sizeof sub);
}

void store_part_token(const struct store_part_tokkeys *tk, int reversed, const char *skel,
                      unsigned char *out)
{
    unsigned char h[crypto_shorthash_BYTES];
    size_t n = strnlen(skel, PLATE_MAX_LEN);
    for (size_t i = 0; i < n; i++) {
        crypto_shorthash(h, (const unsigned char *)skel, i + 1, reversed ? tk->rev : tk->fwd);
        memcpy(out + STORE_PART_TOKEN_BYTES * i, h, STORE_PART_TOKEN_BYTES);
    }
}

/* ---- the meta record ---- */

/* A parsed meta record: pointers into it. */
struct meta_fields {
    const unsigned char *text[META_TEXTS];
    size_t len[META_TEXTS];
    int has_gps;
    double ll[2];
};

static void put_double(unsigned char *p, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(bits >> (8 * i));
}

static double get_double(const unsigned char *p)
{
    uint64_t bits = 0;
    double v;
    for (int i = 7; i >= 0; i--)
        bits = bits << 8 | p[i];
    memcpy(&v, &bits, sizeof v);
    return v;
}

/* Encodes the meta record of r into out (META_MAX bytes); its length, or 0 when a field is
 * too long. */
static size_t meta_encode(const struct store_part_row *r, unsigned char *out)
{
    const char *text[META_TEXTS] = {r->candidates, r->unit, r->camera, r->agency};
    const size_t max[META_TEXTS] = {STORE_CANDIDATES_TEXT_MAX - 1, STORE_NAME_MAX, STORE_NAME_MAX,
                                    STORE_TEXT_MAX};
    size_t n = 0;
    for (int f = 0; f < META_TEXTS; f++) {
        size_t len = strnlen(text[f], max[f] + 1);
        if (len > max[f])
            return 0;
        out[n++] = (unsigned char)(len & 0xff);
        out[n++] = (unsigned char)(len >> 8);
        memcpy(out + n, text[f], len);
        n += len;
    }
    out[n++] = r->has_gps ? 1 : 0;
    if (r->has_gps) {
        put_double(out + n, r->lat);
        put_double(out + n + 8, r->lon);
        n += 16;
    }
    return n;
}

/* Parses a meta record of n bytes: 0, or -1 when malformed. */
static int meta_parse(const unsigned char *m, size_t n, struct meta_fields *out)
{
    size_t off = 0;
    for (int f = 0; f < META_TEXTS; f++) {
        size_t len;
        if (n - off < 2)
            return -1;
        len = (size_t)m[off] | (size_t)m[off + 1] << 8;
        off += 2;
        if (n - off < len)
            return -1;
        out->text[f] = m + off;
        out->len[f] = len;
        off += len;
    }
    if (n - off == 1 && m[off] == 0) {
        out->has_gps = 0;
        return 0;
    }
    if (n - off != 17 || m[off] != 1)
        return -1;
    out->has_gps = 1;
    out->ll[0] = get_double(m + off + 1);
    out->ll[1] = get_double(m + off + 9);
    return 0;
}

/* Copies field f of m into dst, NUL-terminated (its length checked by meta_fits). */
static void copy_text(char *dst, const struct meta_fields *m, int f)
{
    memcpy(dst, m->text[f], m->len[f]);
    dst[m->len[f]] = '\0';
}

/* Whether the text fields of m fit a store_read_rec. */
static int meta_fits(const struct meta_fields *m)
{
    const struct store_read_rec *r = NULL;
    return m->len[META_CANDIDATES] < sizeof r->candidates && m->len[META_UNIT] < sizeof r->unit &&
           m->len[META_CAMERA] < sizeof r->camera && m->len[META_AGENCY] < sizeof r->agency;
}

int store_part_open_meta(struct store *s, int64_t part, int64_t id, const void *sealed, size_t len,
                         struct store_read_rec *rec)
{
    unsigned char buf[META_MAX];
    const unsigned char *key;
    struct meta_fields m;
    int rc = store_part_key(s, part, 0, &key);
    if (rc != 0)
        return rc == STORE_ERR_STATE ? rc : STORE_ERR_NOTFOUND;
    if (!sealed || len < STORE_KEYRING_OVERHEAD || len - STORE_KEYRING_OVERHEAD > sizeof buf)
        return STORE_ERR_DATA;
    rc = store_part_open(key, "meta", id, sealed, len, buf);
    if (rc == 0 && (meta_parse(buf, len - STORE_KEYRING_OVERHEAD, &m) != 0 || !meta_fits(&m)))
        rc = STORE_ERR_DATA;
    if (rc == 0) {
        copy_text(rec->candidates, &m, META_CANDIDATES);
        copy_text(rec->unit, &m, META_UNIT);
        copy_text(rec->camera, &m, META_CAMERA);
        copy_text(rec->agency, &m, META_AGENCY);
        rec->has_gps = m.has_gps;
        rec->lat = m.has_gps ? m.ll[0] : 0.0;
        rec->lon = m.has_gps ? m.ll[1] : 0.0;
    }
    sodium_memzero(buf, sizeof buf);
    return rc;
}

/* ---- the views' SQL functions ---- */

/* Direct-mapped by partition: a window of consecutive days never collides. */
#define PART_SLOTS 512

/*
 * What the functions keep between calls (guarded memory, wiped when freed): per partition a
 * copy of its key and the token subkeys derived from it, and the last plate and meta record
 * opened with the key that opened them. A cached value is used only while the keyring has that
 * same key for its partition. (Keys are compared with memcmp: both sides are keys this process
 * holds, and the time taken tells only whether a day's key was replaced.)
 */
struct part_entry {
    int used;
    int64_t part;
    unsigned char key[STORE_KEYRING_KEY_BYTES];
    struct store_part_tokkeys tk;
};

struct open_entry {
    int used;
    int64_t part, id;
    char col[16];
    unsigned char key[STORE_KEYRING_KEY_BYTES];
    size_t ct_len, pt_len;
    unsigned char ct[OPEN_MAX], pt[OPEN_MAX];
};

struct fn_cache {
    struct part_entry parts[PART_SLOTS];
    /* The last value opened per slot (0: plate, 1: meta): a view asks for the plate in its
     * WHERE clause and again in its columns. */
    struct open_entry open[2];
};

/* The functions' user data: shared by all of them, freed when the last one goes. */
struct fn_ctx {
    struct store *s;
    int refs;
    struct fn_cache *cache;
};

static void fn_ctx_unref(void *p)
{
    struct fn_ctx *fc = p;
    if (--fc->refs > 0)
        return;
    sodium_free(fc->cache);
    free(fc);
}

/*
 * The cache entry of the partition in argument 0, checked against the keyring, or NULL when
 * its key is gone. With per_row set (functions called once per row: the decrypting ones) a
 * call site checks once per statement run: the checked entry is marked as SQLite auxiliary
 * data of argument 0 (a literal in every arm of the views), which SQLite drops when the run
 * ends, so a scan does not search the keyring for every row. No key is destroyed while a
 * statement runs (a purge destroys keys after its commit, store_part_sweep_keys), so a mark
 * holds for its run; the next run checks again. Functions called once per run (store_live,
 * the tokens) do not mark: SQLite keeps a statement's marks in one list, and a mark per arm
 * of a large view would make every first call walk it.
 */
static const struct part_entry *fn_part(sqlite3_context *ctx, sqlite3_value *part_v, int per_row)
{
    struct fn_ctx *fc = sqlite3_user_data(ctx);
    int64_t part = sqlite3_value_int64(part_v);
    struct part_entry *e = &fc->cache->parts[(uint64_t)part % PART_SLOTS];
    const unsigned char *key;
    if (per_row && sqlite3_get_auxdata(ctx, 0) == e && e->used && e->part == part)
        return e;
    if (store_part_key(fc->s, part, 0, &key) != 0)
        return NULL;
    if (!e->used || e->part != part || memcmp(e->key, key, STORE_KEYRING_KEY_BYTES) != 0) {
        e->used = 1;
        e->part = part;
        memcpy(e->key, key, STORE_KEYRING_KEY_BYTES);
        store_part_tokkeys(key, &e->tk);
    }
    if (per_row)
        sqlite3_set_auxdata(ctx, 0, e, NULL); /* a mark, not owned: no destructor */
    return e;
}

/* store_live(part): 1 while part's key exists. */
static void fn_live(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    sqlite3_result_int(ctx, fn_part(ctx, argv[0], 0) != NULL);
}

/*
 * Opens argument `value` (sealed for column col of read `id` under part's key) through cache
 * slot: the plaintext (valid until the slot's next use) and *len, or NULL (no key, NULL,
 * forged, too long).
 */
static const unsigned char *open_cached(sqlite3_context *ctx, int slot, sqlite3_value *part_v,
                                        const char *col, sqlite3_value *id_v, sqlite3_value *value,
                                        size_t *len)
{
    struct fn_ctx *fc = sqlite3_user_data(ctx);
    const struct part_entry *e = fn_part(ctx, part_v, 1);
    int64_t id = sqlite3_value_int64(id_v);
    const void *in = sqlite3_value_blob(value);
    size_t n = (size_t)sqlite3_value_bytes(value), nc = col ? strlen(col) : 0;
    struct open_entry *o = &fc->cache->open[slot];
    if (!e || !col || !in || n < STORE_KEYRING_OVERHEAD || n > OPEN_MAX || nc >= sizeof o->col)
        return NULL;
    if (o->used && o->part == e->part && o->id == id && o->ct_len == n &&
        strcmp(o->col, col) == 0 && memcmp(o->ct, in, n) == 0 &&
        memcmp(o->key, e->key, STORE_KEYRING_KEY_BYTES) == 0) {
        *len = o->pt_len;
        return o->pt;
    }
    o->used = 0;
    if (store_part_open(e->key, col, id, in, n, o->pt) != 0)
        return NULL;
    o->used = 1;
    o->part = e->part;
    o->id = id;
    memcpy(o->col, col, nc + 1);
    memcpy(o->key, e->key, STORE_KEYRING_KEY_BYTES);
    memcpy(o->ct, in, n);
    o->ct_len = n;
    o->pt_len = n - STORE_KEYRING_OVERHEAD;
    *len = o->pt_len;
    return o->pt;
}

/* store_unseal(part, column, id, value): the text in the clear (a plate), or NULL. */
static void fn_unseal(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    size_t n;
    const unsigned char *p = open_cached(ctx, 0, argv[0], (const char *)sqlite3_value_text(argv[1]),
                                         argv[2], argv[3], &n);
    (void)argc;
    if (p)
        sqlite3_result_text(ctx, (const char *)p, (int)n, SQLITE_TRANSIENT);
}

/*
 * store_meta(part, id, value, field): field (META_*) of the meta record value, text or a
 * coordinate, or NULL (no position, or the record does not open).
 */
static void fn_meta(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    struct meta_fields m;
    size_t n;
    const unsigned char *p = open_cached(ctx, 1, argv[0], "meta", argv[1], argv[2], &n);
    int f = sqlite3_value_int(argv[3]);
    (void)argc;
    if (!p || meta_parse(p, n, &m) != 0)
        return;
    if (f >= 0 && f < META_TEXTS)
        sqlite3_result_text(ctx, (const char *)m.text[f], (int)m.len[f], SQLITE_TRANSIENT);
    else if ((f == META_LAT || f == META_LON) && m.has_gps)
        sqlite3_result_double(ctx, m.ll[f - META_LAT]);
}

/* store_unseal_blob(part, column, id, value): the bytes in the clear (a crop), or NULL. */
static void fn_unseal_blob(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const struct part_entry *e = fn_part(ctx, argv[0], 1);
    const char *col = (const char *)sqlite3_value_text(argv[1]);
    size_t n = (size_t)sqlite3_value_bytes(argv[3]);
    const void *in = sqlite3_value_blob(argv[3]);
    unsigned char *buf;
    (void)argc;
    if (!e || !col || !in || n <= STORE_KEYRING_OVERHEAD)
        return;
    if (!(buf = malloc(n - STORE_KEYRING_OVERHEAD))) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    if (store_part_open(e->key, col, sqlite3_value_int64(argv[2]), in, n, buf) == 0)
        sqlite3_result_blob(ctx, buf, (int)(n - STORE_KEYRING_OVERHEAD), free);
    else
        free(buf);
}

/* store_tok(part, skeleton, reversed): the token under part's key, or NULL. store_tok_end: an
 * upper bound of every token that starts with it (the token, then 0xff bytes past the
 * longest token). */
static void tok(sqlite3_context *ctx, sqlite3_value **argv, int end)
{
    const struct part_entry *e = fn_part(ctx, argv[0], 0);
    const char *skel = (const char *)sqlite3_value_text(argv[1]);
    unsigned char out[2 * STORE_PART_TOKEN_MAX + 1];
    size_t n;
    if (!e || !skel)
        return;
    n = STORE_PART_TOKEN_BYTES * strnlen(skel, PLATE_MAX_LEN);
    store_part_token(&e->tk, sqlite3_value_int(argv[2]), skel, out);
    if (end) {
        memset(out + n, 0xff, STORE_PART_TOKEN_MAX + 1);
        n += STORE_PART_TOKEN_MAX + 1;
    }
    sqlite3_result_blob(ctx, out, (int)n, SQLITE_TRANSIENT);
}

static void fn_tok(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    tok(ctx, argv, 0);
}

static void fn_tok_end(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    tok(ctx, argv, 1);
}

/* store_skel_distance(a, b): plate_skeleton_distance of two canonical plates, or NULL. */
static void fn_skel_distance(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const char *a = (const char *)sqlite3_value_text(argv[0]);
    const char *b = (const char *)sqlite3_value_text(argv[1]);
    (void)argc;
    if (a && b)
        sqlite3_result_int(ctx, plate_skeleton_distance(a, b));
}

int store_set_keyring(struct store *s, struct store_keyring *kr)
{
    static const struct {
        const char *name;
        int argc;
        void (*fn)(sqlite3_context *, int, sqlite3_value **);
    } fns[] = {
        {"store_live", 1, fn_live},
        {"store_unseal", 4, fn_unseal},
        {"store_unseal_blob", 4, fn_unseal_blob},
        {"store_meta", 4, fn_meta},
        {"store_tok", 3, fn_tok},
        {"store_tok_end", 3, fn_tok_end},
        {"store_skel_distance", 2, fn_skel_distance},
    };
    struct fn_ctx *fc = NULL;
    int rc = 0;
    if (kr) {
        fc = calloc(1, sizeof *fc);
        if (!fc)
            return STORE_ERR_NOMEM;
        fc->s = s;
        fc->refs = 1; /* this function's, until the loop is done */
        fc->cache = sodium_malloc(sizeof *fc->cache);
        if (!fc->cache) {
            free(fc);
            return STORE_ERR_NOMEM;
        }
        memset(fc->cache, 0, sizeof *fc->cache);
    }
    /* Deterministic within a statement: a constant argument list (a day's token, its key
     * check) is evaluated once per run, not per row. No side effects. Each registration
     * holds a reference to fc; SQLite drops it (fn_ctx_unref) when the function is replaced
     * or the connection closes, and on a failed registration. Without a keyring the
     * functions are removed. */
    for (size_t i = 0; rc == 0 && i < sizeof fns / sizeof fns[0]; i++) {
        if (fc)
            fc->refs++;
        if (sqlite3_create_function_v2(
                s->db, fns[i].name, fns[i].argc, SQLITE_UTF8 | SQLITE_DETERMINISTIC, fc,
                fc ? fns[i].fn : NULL, NULL, NULL, fc ? fn_ctx_unref : NULL) != SQLITE_OK)
            rc = STORE_ERR_IO;
    }
    if (fc)
        fn_ctx_unref(fc);
    if (rc == 0)
        s->keyring = kr;
    return rc;
}

/* ---- sealed rows ---- */

/* One read as stored: the columns in the clear, and the plate, meta record and crop to seal. */
struct sealed_row {
    int64_t id, ts;
    const char *plate;
    const unsigned char *meta;
    size_t meta_len;
    double confidence;
    int ngo, frames;
    const uint8_t *png; /* NULL: no crop */
    size_t png_len;
};

/* Seals len bytes into buf (len + overhead bytes) and binds them to parameter idx. */
static int bind_sealed(sqlite3_stmt *st, int idx, const unsigned char *key, const char *col,
                       int64_t id, const void *in, size_t len, unsigned char *buf)
{
    int rc = store_part_seal(key, col, id, in, len, buf);
    if (rc == 0)
        sqlite3_bind_blob(st, idx, buf, (int)(len + STORE_KEYRING_OVERHEAD), SQLITE_STATIC);
    return rc;
}

/* Inserts the crop of r (if any) sealed under key. */
static int insert_image(sqlite3_stmt *ins_image, const unsigned char *key,
                        const struct sealed_row *r)
{
    unsigned char *img;
    int rc;
    if (!r->png_len)
        return 0;
    if (!(img = malloc(r->png_len + STORE_KEYRING_OVERHEAD)))
        return STORE_ERR_NOMEM;
    sqlite3_reset(ins_image);
    sqlite3_bind_int64(ins_image, 1, r->id);
    rc = bind_sealed(ins_image, 2, key, "png", r->id, r->png, r->png_len, img);
    if (rc == 0) {
        rc = sqlite3_step(ins_image);
        rc = rc == SQLITE_DONE ? 0 : store_priv_err(rc);
    }
    sqlite3_reset(ins_image);
    sqlite3_clear_bindings(ins_image);
    free(img);
    return rc;
}

/* Seals r under key (three AEAD calls: plate, meta, crop) and inserts it. */
static int insert_sealed(sqlite3_stmt *ins_read, sqlite3_stmt *ins_image, const unsigned char *key,
                         const struct sealed_row *r)
{
    enum { OV = STORE_KEYRING_OVERHEAD };
    unsigned char plate[PLATE_MAX_LEN + OV], meta[META_MAX + OV];
    unsigned char tok[STORE_PART_TOKEN_MAX], rtok[STORE_PART_TOKEN_MAX];
    char skel[PLATE_MAX_LEN + 1], rev[PLATE_MAX_LEN + 1];
    struct store_part_tokkeys tk;
    size_t np = strlen(r->plate);
    int rc;
    if (np > PLATE_MAX_LEN || r->meta_len > META_MAX)
        return STORE_ERR_INVALID;
    plate_skeleton(r->plate, skel);
    plate_reverse(skel, rev);
    store_part_tokkeys(key, &tk);
    store_part_token(&tk, 0, skel, tok);
    store_part_token(&tk, 1, rev, rtok);
    sodium_memzero(&tk, sizeof tk);
    sqlite3_reset(ins_read);
    sqlite3_clear_bindings(ins_read);
    sqlite3_bind_int64(ins_read, 1, r->ts);
    sqlite3_bind_blob(ins_read, 3, tok, (int)(STORE_PART_TOKEN_BYTES * strlen(skel)),
                      SQLITE_STATIC);
    sqlite3_bind_blob(ins_read, 4, rtok, (int)(STORE_PART_TOKEN_BYTES * strlen(rev)),
                      SQLITE_STATIC);
    sqlite3_bind_double(ins_read, 5, r->confidence);
    sqlite3_bind_int(ins_read, 7, r->ngo ? 1 : 0);
    sqlite3_bind_int(ins_read, 8, r->frames);
    sqlite3_bind_int64(ins_read, 9, r->id);
    sqlite3_bind_int(ins_read, 10, r->png_len > 0);
    if ((rc = bind_sealed(ins_read, 2, key, "plate", r->id, r->plate, np, plate)) != 0 ||
        (rc = bind_sealed(ins_read, 6, key, "meta", r->id, r->meta, r->meta_len, meta)) != 0)
        return rc;
    rc = sqlite3_step(ins_read);
    sqlite3_reset(ins_read);
    sqlite3_clear_bindings(ins_read);
    if (rc != SQLITE_DONE)
        return store_priv_err(rc);
    return insert_image(ins_image, key, r);
}

int store_part_insert(sqlite3_stmt *ins_read, sqlite3_stmt *ins_image, const unsigned char *key,
                      const struct store_part_row *r)
{
    unsigned char meta[META_MAX];
    size_t n = meta_encode(r, meta);
    struct sealed_row row = {.id = r->id,
                             .ts = r->ts,
                             .plate = r->plate,
                             .meta = meta,
                             .meta_len = n,
                             .confidence = r->confidence,
                             .ngo = r->ngo,
                             .frames = r->frames,
                             .png = r->png,
                             .png_len = r->png_len};
    int rc = n ? insert_sealed(ins_read, ins_image, key, &row) : STORE_ERR_INVALID;
    sodium_memzero(meta, sizeof meta);
    return rc;
}

/* Opens sealed column col of the current row into dst (size bytes); *len: its length. */
static int open_col(sqlite3_stmt *st, int col_idx, const unsigned char *key, const char *col,
                    int64_t id, unsigned char *dst, size_t size, size_t *len)
{
    size_t n = (size_t)sqlite3_column_bytes(st, col_idx);
    const void *in = sqlite3_column_blob(st, col_idx);
    int rc;
    if (!in || n < STORE_KEYRING_OVERHEAD || n - STORE_KEYRING_OVERHEAD > size)
        return STORE_ERR_DATA;
    if ((rc = store_part_open(key, col, id, in, n, dst)) != 0)
        return rc;
    *len = n - STORE_KEYRING_OVERHEAD;
    return 0;
}

int store_part_reseal(struct store *s, const char *from, int64_t from_part, const char *to,
                      int64_t to_part, int64_t id)
{
    char sql[256], plate[PLATE_MAX_LEN + 1];
    unsigned char meta[META_MAX];
    struct sealed_row row = {.id = id, .plate = plate, .meta = meta};
    const unsigned char *src, *dst;
    sqlite3_stmt *st, *ins_read, *ins_image;
    uint8_t *png = NULL;
    size_t np = 0;
    int rc;
    /* A get that creates may move the keys already returned: the creating one first. */
    if ((rc = store_part_key(s, to_part, 1, &dst)) != 0 ||
        (rc = store_part_key(s, from_part, 0, &src)) != 0)
        return rc;
    snprintf(sql, sizeof sql,
             "SELECT ts, plate, confidence, meta, ngo, frames FROM reads_%s WHERE id = ?", from);
    if (!(st = store_priv_cached(s, sql)))
        return store_priv_err(sqlite3_errcode(s->db));
    sqlite3_bind_int64(st, 1, id);
    if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? STORE_ERR_NOTFOUND : store_priv_err(rc);
    }
    row.ts = sqlite3_column_int64(st, 0);
    row.confidence = sqlite3_column_double(st, 2);
    row.ngo = sqlite3_column_int(st, 4);
    row.frames = sqlite3_column_int(st, 5);
    /* The meta record moves as it is: opened under one key, sealed under the other. */
    rc = open_col(st, 1, src, "plate", id, (unsigned char *)plate, PLATE_MAX_LEN, &np);
    if (rc == 0)
        rc = open_col(st, 3, src, "meta", id, meta, sizeof meta, &row.meta_len);
    plate[rc == 0 ? np : 0] = '\0';
    sqlite3_reset(st);
    if (rc == 0) {
        rc = image_from(s, from, from_part, id, &png, &row.png_len);
        row.png = png;
        if (rc == STORE_ERR_NOTFOUND) {
            row.png_len = 0;
            rc = 0;
        }
    }
    if (rc == 0) {
        snprintf(sql, sizeof sql, "INSERT INTO reads_%s" READS_INSERT_COLS, to);
        ins_read = store_priv_cached(s, sql);
        snprintf(sql, sizeof sql, "INSERT INTO images_%s(read_id, png) VALUES(?, ?)", to);
        ins_image = ins_read ? store_priv_cached(s, sql) : NULL;
        rc = ins_image ? insert_sealed(ins_read, ins_image, dst, &row)
                       : store_priv_err(sqlite3_errcode(s->db));
    }
    sodium_memzero(plate, sizeof plate);
    sodium_memzero(meta, sizeof meta);
    if (png) {
        sodium_memzero(png, row.png_len);
        free(png);
    }
    return rc;
}

int store_part_sweep_keys(struct store *s, int64_t cutoff)
{
    int64_t *ids = NULL, *days = NULL, held = store_part_held_key(s);
    size_t n = 0, n_days = 0;
    int rc;
    if (!s->keyring)
        return STORE_ERR_STATE;
    if ((rc = store_keyring_list(s->keyring, &ids, &n)) != 0)
        return rc;
    if ((rc = store_part_days(s, &days, &n_days)) != 0) {
        free(ids);
        return rc;
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        int live = ids[i] < 0 ? ids[i] == held : ids[i] * STORE_PART_DAY_SECONDS >= cutoff;
        for (size_t d = 0; !live && d < n_days; d++)
            live = days[d] == ids[i];
        if (!live)
            rc = store_keyring_destroy(s->keyring, ids[i]);
    }
    free(ids);
    free(days);
    return rc;
}

int store_part_migrate_v5(struct store *s)
{
    int64_t *days = NULL;
    size_t n = 0;
    sqlite3_stmt *st;
    int rc, rows;
    if ((rc = store_part_days(s, &days, &n)) != 0)
        return rc;
    free(days);
    rc = sqlite3_prepare_v2(s->db,
                            "SELECT EXISTS(SELECT 1 FROM reads_rest) OR EXISTS(SELECT 1 FROM"
                            " images_rest)",
                            -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    rc = sqlite3_step(st);
    rows = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return store_priv_err(rc);
    /* Day tables exist only with reads in them: any of them, or a row in reads_rest, is
     * plaintext that the sealed layout would silently mix with sealed rows. */
    if (n > 0 || rows)
        return STORE_ERR_STATE;
    if ((rc = drop_all_views(s)) != 0 ||
        (rc = store_priv_exec(s, "DROP TABLE reads_rest; DROP TABLE images_rest;" TABLES_SQL("rest")
                                     INDEXES_SQL("rest"))) != 0)
        return rc;
    return store_part_rebuild_views(s);
}
