/* store_part: reads partitioned by day of capture (see store_part.h). */
#include "store_part.h"
#include "store_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define READS_COLS_SQL                                                                             \
    "(id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, plate TEXT NOT NULL,"                           \
    " skel TEXT NOT NULL, skel_rev TEXT NOT NULL, confidence REAL NOT NULL,"                       \
    " candidates TEXT NOT NULL, unit TEXT NOT NULL, camera TEXT NOT NULL, lat REAL, lon REAL,"     \
    " agency TEXT NOT NULL, ngo INTEGER NOT NULL CHECK(ngo IN (0, 1)),"                            \
    " frames INTEGER NOT NULL)"

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
        rc = store_priv_exec(s, "DROP VIEW IF EXISTS reads");
    if (rc == 0)
        rc = store_priv_exec(s, "DROP VIEW IF EXISTS read_images");
    return rc;
}

/* Creates the group views over the sorted days. */
static int group_views(struct store *s, const int64_t *days, size_t n)
{
    char arm[256];
    int rc = store_priv_exec(s, "CREATE VIEW reads_grest AS SELECT r.*, EXISTS(SELECT 1 FROM"
                                " images_rest i WHERE i.read_id = r.id) AS has_img FROM"
                                " reads_rest r");
    for (size_t i = 0; rc == 0 && i < n;) {
        int64_t g = days[i] / STORE_PART_GROUP_DAYS;
        char *sql = NULL;
        size_t len = 0, cap = 0;
        snprintf(arm, sizeof arm, "CREATE VIEW reads_g%lld AS ", (long long)g);
        rc = sb_add(&sql, &len, &cap, arm);
        for (int first = 1; rc == 0 && i < n && days[i] / STORE_PART_GROUP_DAYS == g; i++) {
            snprintf(arm, sizeof arm,
                     "%sSELECT r.*, EXISTS(SELECT 1 FROM images_d%lld i WHERE i.read_id = r.id)"
                     " AS has_img FROM reads_d%lld r",
                     first ? "" : " UNION ALL ", (long long)days[i], (long long)days[i]);
            rc = sb_add(&sql, &len, &cap, arm);
            first = 0;
        }
        if (rc == 0)
            rc = store_priv_exec(s, sql);
        free(sql);
    }
    return rc;
}

int store_part_rebuild_views(struct store *s)
{
    int64_t *days = NULL;
    size_t n = 0, len = 0, cap = 0, ilen = 0, icap = 0;
    char *sql = NULL, *isql = NULL, arm[256];
    int rc;
    if ((rc = drop_all_views(s)) != 0 || (rc = store_part_days(s, &days, &n)) != 0)
        return rc;
    rc = sb_add(&sql, &len, &cap, "CREATE VIEW reads AS ");
    if (rc == 0)
        rc = sb_add(&isql, &ilen, &icap, "CREATE VIEW read_images AS ");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        snprintf(arm, sizeof arm,
                 "SELECT r.*, EXISTS(SELECT 1 FROM images_d%lld i WHERE i.read_id = r.id)"
                 " AS has_img FROM reads_d%lld r UNION ALL ",
                 (long long)days[i], (long long)days[i]);
        rc = sb_add(&sql, &len, &cap, arm);
        snprintf(arm, sizeof arm, "SELECT read_id, png FROM images_d%lld UNION ALL ",
                 (long long)days[i]);
        if (rc == 0)
            rc = sb_add(&isql, &ilen, &icap, arm);
    }
    if (rc == 0)
        rc = sb_add(&sql, &len, &cap,
                    "SELECT r.*, EXISTS(SELECT 1 FROM images_rest i WHERE i.read_id = r.id)"
                    " AS has_img FROM reads_rest r");
    if (rc == 0)
        rc = sb_add(&isql, &ilen, &icap, "SELECT read_id, png FROM images_rest");
    if (rc == 0 && (rc = store_priv_exec(s, sql)) == 0 && (rc = store_priv_exec(s, isql)) == 0)
        rc = group_views(s, days, n);
    free(days);
    free(sql);
    free(isql);
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
    char name[64], sql[1024];
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
        if ((rc = store_part_days(s, &days, &n)) != 0)
            return rc;
        free(days);
        if (n >= STORE_PART_MAX_DAYS)
            return STORE_ERR_FULL;
        snprintf(sql, sizeof sql,
                 "CREATE TABLE reads_d%lld" READS_COLS_SQL ";"
                 "CREATE INDEX reads_d%lld_skel ON reads_d%lld(skel);"
                 "CREATE INDEX reads_d%lld_skel_rev ON reads_d%lld(skel_rev);"
                 "CREATE INDEX reads_d%lld_ts ON reads_d%lld(ts);"
                 "CREATE TABLE images_d%lld(read_id INTEGER PRIMARY KEY, png BLOB NOT NULL);",
                 (long long)day, (long long)day, (long long)day, (long long)day, (long long)day,
                 (long long)day, (long long)day, (long long)day);
        if ((rc = store_priv_exec(s, sql)) != 0 || (rc = store_part_rebuild_views(s)) != 0)
            return rc;
        if ((rc = schema_version(s, &ver)) != 0)
            return rc;
    }
    if (day != s->part_day) {
        sqlite3_finalize(s->stmt[STORE_STMT_INSERT_READ]);
        sqlite3_finalize(s->stmt[STORE_STMT_INSERT_IMAGE]);
        s->stmt[STORE_STMT_INSERT_READ] = NULL;
        s->stmt[STORE_STMT_INSERT_IMAGE] = NULL;
        snprintf(sql, sizeof sql,
                 "INSERT INTO reads_d%lld(ts, plate, skel, skel_rev, confidence, candidates,"
                 " unit, camera, lat, lon, agency, ngo, frames, id)"
                 " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (long long)day);
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
    char sql[256];
    int rc;
    if (day == s->part_day) {
        sqlite3_finalize(s->stmt[STORE_STMT_INSERT_READ]);
        sqlite3_finalize(s->stmt[STORE_STMT_INSERT_IMAGE]);
        s->stmt[STORE_STMT_INSERT_READ] = NULL;
        s->stmt[STORE_STMT_INSERT_IMAGE] = NULL;
        s->part_day = -1;
    }
    /* The views name the tables: drop them first, rebuild them after. */
    if ((rc = drop_all_views(s)) != 0)
        return rc;
    snprintf(sql, sizeof sql, "DROP TABLE reads_d%lld; DROP TABLE images_d%lld;", (long long)day,
             (long long)day);
    if ((rc = store_priv_exec(s, sql)) != 0)
        return rc;
    return store_part_rebuild_views(s);
}

int store_part_rebuild_rest(struct store *s)
{
    int rc;
    if ((rc = drop_all_views(s)) != 0 ||
        (rc = store_priv_exec(s, "CREATE TABLE reads_rest_new" READS_COLS_SQL ";"
                                 "INSERT INTO reads_rest_new SELECT * FROM reads_rest ORDER BY id;"
                                 "CREATE TABLE images_rest_new(read_id INTEGER PRIMARY KEY,"
                                 " png BLOB NOT NULL);"
                                 "INSERT INTO images_rest_new SELECT * FROM images_rest"
                                 " ORDER BY read_id;"
                                 "DROP TABLE reads_rest;"
                                 "DROP TABLE images_rest;"
                                 "ALTER TABLE reads_rest_new RENAME TO reads_rest;"
                                 "ALTER TABLE images_rest_new RENAME TO images_rest;"
                                 "CREATE INDEX reads_rest_skel ON reads_rest(skel);"
                                 "CREATE INDEX reads_rest_skel_rev ON reads_rest(skel_rev);"
                                 "CREATE INDEX reads_rest_ts ON reads_rest(ts);")) != 0)
        return rc;
    return store_part_rebuild_views(s);
}

/* Looks the crop up in one table; 0, STORE_ERR_NOTFOUND (no row or no table) or an error. */
static int image_from(struct store *s, const char *table, int64_t id, uint8_t **png, size_t *len)
{
    char sql[128];
    sqlite3_stmt *st;
    int rc, exists;
    if ((rc = table_exists(s, table, &exists)) != 0)
        return rc;
    if (!exists)
        return STORE_ERR_NOTFOUND;
    snprintf(sql, sizeof sql, "SELECT png FROM %s WHERE read_id = ?", table);
    rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        uint8_t *buf = malloc(n ? n : 1);
        if (buf) {
            memcpy(buf, sqlite3_column_blob(st, 0), n);
            *png = buf;
            *len = n;
        }
        rc = buf ? 0 : STORE_ERR_NOMEM;
    } else {
        rc = rc == SQLITE_DONE ? STORE_ERR_NOTFOUND : store_priv_err(rc);
    }
    sqlite3_finalize(st);
    return rc;
}

int store_part_image(struct store *s, int64_t id, int64_t ts, uint8_t **png, size_t *len)
{
    char table[64];
    int rc = image_from(s, "images_rest", id, png, len);
    if (rc != STORE_ERR_NOTFOUND)
        return rc;
    snprintf(table, sizeof table, "images_d%lld", (long long)store_part_day(ts));
    return image_from(s, table, id, png, len);
}
