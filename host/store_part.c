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

/* The sealed layout (schema 5): BLOB columns are store_field_seal output, skel_tok and
 * skel_rev_tok tokens (see store_part.h). */
#define READS_COLS_SQL                                                                             \
    "(id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, plate BLOB NOT NULL,"                           \
    " skel_tok BLOB NOT NULL, skel_rev_tok BLOB NOT NULL, confidence REAL NOT NULL,"               \
    " candidates BLOB NOT NULL, unit BLOB NOT NULL, camera BLOB NOT NULL, gps BLOB,"               \
    " agency BLOB NOT NULL, ngo INTEGER NOT NULL CHECK(ngo IN (0, 1)),"                            \
    " frames INTEGER NOT NULL)"
#define READS_INSERT_COLS                                                                          \
    "(ts, plate, skel_tok, skel_rev_tok, confidence, candidates, unit, camera, gps, agency, ngo,"  \
    " frames, id) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
#define TABLES_SQL(X)                                                                              \
    "CREATE TABLE reads_" X READS_COLS_SQL ";"                                                     \
    "CREATE TABLE images_" X "(read_id INTEGER PRIMARY KEY, png BLOB NOT NULL);"
#define INDEXES_SQL(X)                                                                             \
    "CREATE INDEX reads_" X "_skel ON reads_" X "(skel_tok);"                                      \
    "CREATE INDEX reads_" X "_skel_rev ON reads_" X "(skel_rev_tok);"                              \
    "CREATE INDEX reads_" X "_ts ON reads_" X "(ts);"

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
             " store_unseal(%lld, 'candidates', r.id, r.candidates) AS candidates,"
             " store_unseal(%lld, 'unit', r.id, r.unit) AS unit,"
             " store_unseal(%lld, 'camera', r.id, r.camera) AS camera,"
             " store_gps(%lld, r.id, r.gps, 0) AS lat,"
             " store_gps(%lld, r.id, r.gps, 1) AS lon,"
             " store_unseal(%lld, 'agency', r.id, r.agency) AS agency,"
             " r.ngo, r.frames,"
             " EXISTS(SELECT 1 FROM images_%s i WHERE i.read_id = r.id) AS has_img,"
             " %lld AS part"
             " FROM reads_%s r"
             " WHERE store_live(%lld)",
             p, p, p, p, p, p, p, suffix, p, suffix, p);
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

/* Creates the group views over the sorted days. */
static int group_views(struct store *s, const int64_t *days, size_t n)
{
    char head[64], suffix[32];
    char *sql = NULL;
    size_t len = 0, cap = 0;
    int rc = sb_add(&sql, &len, &cap, "CREATE VIEW reads_grest AS ");
    if (rc == 0)
        rc = reads_arm(&sql, &len, &cap, "rest", store_part_held_key(s));
    if (rc == 0)
        rc = store_priv_exec(s, sql);
    free(sql);
    for (size_t i = 0; rc == 0 && i < n;) {
        int64_t g = days[i] / STORE_PART_GROUP_DAYS;
        sql = NULL;
        len = cap = 0;
        snprintf(head, sizeof head, "CREATE VIEW reads_g%lld AS ", (long long)g);
        rc = sb_add(&sql, &len, &cap, head);
        for (int first = 1; rc == 0 && i < n && days[i] / STORE_PART_GROUP_DAYS == g; i++) {
            snprintf(suffix, sizeof suffix, "d%lld", (long long)days[i]);
            if (!first)
                rc = sb_add(&sql, &len, &cap, " UNION ALL ");
            if (rc == 0)
                rc = reads_arm(&sql, &len, &cap, suffix, days[i]);
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
    char *sql = NULL, *isql = NULL, suffix[32];
    int rc;
    if ((rc = drop_all_views(s)) != 0 || (rc = store_part_days(s, &days, &n)) != 0)
        return rc;
    rc = sb_add(&sql, &len, &cap, "CREATE VIEW reads AS ");
    if (rc == 0)
        rc = sb_add(&isql, &ilen, &icap, "CREATE VIEW read_images AS ");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        snprintf(suffix, sizeof suffix, "d%lld", (long long)days[i]);
        if ((rc = reads_arm(&sql, &len, &cap, suffix, days[i])) == 0 &&
            (rc = sb_add(&sql, &len, &cap, " UNION ALL ")) == 0 &&
            (rc = images_arm(&isql, &ilen, &icap, suffix, days[i])) == 0)
            rc = sb_add(&isql, &ilen, &icap, " UNION ALL ");
    }
    if (rc == 0)
        rc = reads_arm(&sql, &len, &cap, "rest", store_part_held_key(s));
    if (rc == 0)
        rc = images_arm(&isql, &ilen, &icap, "rest", store_part_held_key(s));
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
        if ((rc = store_part_days(s, &days, &n)) != 0)
            return rc;
        free(days);
        if (n >= STORE_PART_MAX_DAYS)
            return STORE_ERR_FULL;
        snprintf(name, sizeof name, "d%lld", (long long)day);
        snprintf(sql, sizeof sql, TABLES_SQL("%1$s") INDEXES_SQL("%1$s"), name);
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

void store_part_token(const unsigned char *key, int reversed, const char *skel, unsigned char *out)
{
    static const char ctx[2][16] = {"alpr skel fwd", "alpr skel rev"};
    unsigned char sub[crypto_shorthash_KEYBYTES], h[crypto_shorthash_BYTES];
    size_t n = strnlen(skel, PLATE_MAX_LEN);
    /* A subkey per direction: a plate's reversed token never equals another plate's token. */
    crypto_generichash(sub, sizeof sub, (const unsigned char *)ctx[reversed != 0], sizeof ctx[0],
                       key, 32);
    for (size_t i = 0; i < n; i++) {
        crypto_shorthash(h, (const unsigned char *)skel, i + 1, sub);
        memcpy(out + STORE_PART_TOKEN_BYTES * i, h, STORE_PART_TOKEN_BYTES);
    }
    sodium_memzero(sub, sizeof sub);
}

/* ---- the views' SQL functions (user data: the struct store) ---- */

/* The key of argument 0's partition, or NULL (no keyring, key gone). */
static const unsigned char *fn_key(sqlite3_context *ctx, sqlite3_value **argv)
{
    struct store *s = sqlite3_user_data(ctx);
    const unsigned char *key;
    if (store_part_key(s, sqlite3_value_int64(argv[0]), 0, &key) != 0)
        return NULL;
    return key;
}

/* store_live(part): 1 while part's key exists. */
static void fn_live(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    sqlite3_result_int(ctx, fn_key(ctx, argv) != NULL);
}

/* Opens argument 3 (a sealed value of column argument 1, read argument 2) into buf; its
 * length, or -1 (NULL, wrong key, forged: the caller returns NULL). */
static long fn_open(sqlite3_context *ctx, sqlite3_value **argv, unsigned char *buf, size_t size)
{
    const unsigned char *key = fn_key(ctx, argv);
    const char *col = (const char *)sqlite3_value_text(argv[1]);
    size_t n = (size_t)sqlite3_value_bytes(argv[3]);
    const void *in = sqlite3_value_blob(argv[3]);
    if (!key || !col || !in || n < STORE_KEYRING_OVERHEAD || n - STORE_KEYRING_OVERHEAD > size ||
        store_part_open(key, col, sqlite3_value_int64(argv[2]), in, n, buf) != 0)
        return -1;
    return (long)(n - STORE_KEYRING_OVERHEAD);
}

/* store_unseal(part, column, id, value): the text in the clear, or NULL. */
static void fn_unseal(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    unsigned char buf[STORE_CANDIDATES_TEXT_MAX + STORE_TEXT_MAX];
    long n = fn_open(ctx, argv, buf, sizeof buf);
    (void)argc;
    if (n >= 0)
        sqlite3_result_text(ctx, (const char *)buf, (int)n, SQLITE_TRANSIENT);
    sodium_memzero(buf, n > 0 ? (size_t)n : 0);
}

/* store_unseal_blob(part, column, id, value): the bytes in the clear (a crop), or NULL. */
static void fn_unseal_blob(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    size_t n = (size_t)sqlite3_value_bytes(argv[3]);
    unsigned char *buf = n > STORE_KEYRING_OVERHEAD ? malloc(n) : NULL;
    long m = buf ? fn_open(ctx, argv, buf, n) : -1;
    (void)argc;
    if (m >= 0)
        sqlite3_result_blob(ctx, buf, (int)m, free);
    else
        free(buf);
}

/* store_gps(part, id, value, 0 | 1): latitude or longitude, or NULL (no position). */
static void fn_gps(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const unsigned char *key = fn_key(ctx, argv);
    size_t n = (size_t)sqlite3_value_bytes(argv[2]);
    const void *in = sqlite3_value_blob(argv[2]);
    double ll[2];
    (void)argc;
    if (key && in && n == sizeof ll + STORE_KEYRING_OVERHEAD &&
        store_part_open(key, "gps", sqlite3_value_int64(argv[1]), in, n, ll) == 0)
        sqlite3_result_double(ctx, ll[sqlite3_value_int(argv[3]) != 0]);
}

/* store_tok(part, skeleton, reversed): the token under part's key, or NULL. store_tok_end: an
 * upper bound of every token that starts with it (the token, then 0xff bytes past the
 * longest token). */
static void tok(sqlite3_context *ctx, sqlite3_value **argv, int end)
{
    const unsigned char *key = fn_key(ctx, argv);
    const char *skel = (const char *)sqlite3_value_text(argv[1]);
    unsigned char out[2 * STORE_PART_TOKEN_MAX + 1];
    size_t n;
    if (!key || !skel)
        return;
    n = STORE_PART_TOKEN_BYTES * strnlen(skel, PLATE_MAX_LEN);
    store_part_token(key, sqlite3_value_int(argv[2]), skel, out);
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
        {"store_gps", 4, fn_gps},
        {"store_tok", 3, fn_tok},
        {"store_tok_end", 3, fn_tok_end},
    };
    /* Deterministic within a statement: a constant argument list (a day's token, its key
     * check) is evaluated once per run, not per row. No side effects. */
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
        if (sqlite3_create_function(s->db, fns[i].name, fns[i].argc,
                                    SQLITE_UTF8 | SQLITE_DETERMINISTIC, s, kr ? fns[i].fn : NULL,
                                    NULL, NULL) != SQLITE_OK)
            return STORE_ERR_IO;
    s->keyring = kr;
    return 0;
}

/* ---- sealed rows ---- */

/* Seals text (NUL excluded) into buf (size bytes) and binds it to parameter idx. */
static int bind_sealed(sqlite3_stmt *st, int idx, const unsigned char *key, const char *col,
                       int64_t id, const void *in, size_t len, unsigned char *buf)
{
    int rc = store_part_seal(key, col, id, in, len, buf);
    if (rc == 0)
        sqlite3_bind_blob(st, idx, buf, (int)(len + STORE_KEYRING_OVERHEAD), SQLITE_STATIC);
    return rc;
}

int store_part_insert(sqlite3_stmt *ins_read, sqlite3_stmt *ins_image, const unsigned char *key,
                      const struct store_part_row *r)
{
    enum { OV = STORE_KEYRING_OVERHEAD };
    unsigned char plate[PLATE_MAX_LEN + OV], cands[STORE_CANDIDATES_TEXT_MAX + OV];
    unsigned char unit[STORE_NAME_MAX + OV], camera[STORE_NAME_MAX + OV];
    unsigned char agency[STORE_TEXT_MAX + OV], gps[2 * sizeof(double) + OV];
    unsigned char tok[STORE_PART_TOKEN_MAX], rtok[STORE_PART_TOKEN_MAX];
    char skel[PLATE_MAX_LEN + 1], rev[PLATE_MAX_LEN + 1];
    size_t np = strlen(r->plate), nc = strlen(r->candidates), nu = strlen(r->unit);
    size_t nk = strlen(r->camera), na = strlen(r->agency);
    int rc;
    if (np > PLATE_MAX_LEN || nc >= STORE_CANDIDATES_TEXT_MAX || nu > STORE_NAME_MAX ||
        nk > STORE_NAME_MAX || na > STORE_TEXT_MAX)
        return STORE_ERR_INVALID;
    plate_skeleton(r->plate, skel);
    plate_reverse(skel, rev);
    store_part_token(key, 0, skel, tok);
    store_part_token(key, 1, rev, rtok);
    sqlite3_reset(ins_read);
    sqlite3_clear_bindings(ins_read);
    sqlite3_bind_int64(ins_read, 1, r->ts);
    sqlite3_bind_blob(ins_read, 3, tok, (int)(STORE_PART_TOKEN_BYTES * strlen(skel)),
                      SQLITE_STATIC);
    sqlite3_bind_blob(ins_read, 4, rtok, (int)(STORE_PART_TOKEN_BYTES * strlen(rev)),
                      SQLITE_STATIC);
    sqlite3_bind_double(ins_read, 5, r->confidence);
    sqlite3_bind_int(ins_read, 11, r->ngo ? 1 : 0);
    sqlite3_bind_int(ins_read, 12, r->frames);
    sqlite3_bind_int64(ins_read, 13, r->id);
    if ((rc = bind_sealed(ins_read, 2, key, "plate", r->id, r->plate, np, plate)) != 0 ||
        (rc = bind_sealed(ins_read, 6, key, "candidates", r->id, r->candidates, nc, cands)) != 0 ||
        (rc = bind_sealed(ins_read, 7, key, "unit", r->id, r->unit, nu, unit)) != 0 ||
        (rc = bind_sealed(ins_read, 8, key, "camera", r->id, r->camera, nk, camera)) != 0 ||
        (rc = bind_sealed(ins_read, 10, key, "agency", r->id, r->agency, na, agency)) != 0)
        return rc;
    if (r->has_gps) {
        double ll[2] = {r->lat, r->lon};
        if ((rc = bind_sealed(ins_read, 9, key, "gps", r->id, ll, sizeof ll, gps)) != 0)
            return rc;
    }
    rc = sqlite3_step(ins_read);
    sqlite3_reset(ins_read);
    sqlite3_clear_bindings(ins_read);
    if (rc != SQLITE_DONE)
        return store_priv_err(rc);
    rc = 0;
    if (r->png_len) {
        unsigned char *img = malloc(r->png_len + OV);
        if (!img)
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
    }
    return rc;
}

/* Opens sealed column col of the current row into dst (size bytes, NUL-terminated). */
static int open_text(sqlite3_stmt *st, int col_idx, const unsigned char *key, const char *col,
                     int64_t id, char *dst, size_t size)
{
    size_t n = (size_t)sqlite3_column_bytes(st, col_idx);
    const void *in = sqlite3_column_blob(st, col_idx);
    int rc;
    if (!in || n < STORE_KEYRING_OVERHEAD || n - STORE_KEYRING_OVERHEAD >= size)
        return STORE_ERR_DATA;
    if ((rc = store_part_open(key, col, id, in, n, dst)) != 0)
        return rc;
    dst[n - STORE_KEYRING_OVERHEAD] = '\0';
    return 0;
}

int store_part_reseal(struct store *s, const char *from, int64_t from_part, const char *to,
                      int64_t to_part, int64_t id)
{
    char sql[256], plate[PLATE_MAX_LEN + 1], cands[STORE_CANDIDATES_TEXT_MAX];
    char unit[STORE_NAME_MAX + 1], camera[STORE_NAME_MAX + 1], agency[STORE_TEXT_MAX + 1];
    struct store_part_row row = {.id = id,
                                 .plate = plate,
                                 .candidates = cands,
                                 .unit = unit,
                                 .camera = camera,
                                 .agency = agency};
    const unsigned char *src, *dst;
    sqlite3_stmt *st, *ins_read, *ins_image;
    uint8_t *png = NULL;
    int rc;
    /* A get that creates may move the keys already returned: the creating one first. */
    if ((rc = store_part_key(s, to_part, 1, &dst)) != 0 ||
        (rc = store_part_key(s, from_part, 0, &src)) != 0)
        return rc;
    snprintf(sql, sizeof sql,
             "SELECT ts, plate, confidence, candidates, unit, camera, gps, agency, ngo, frames"
             " FROM reads_%s WHERE id = ?",
             from);
    if (!(st = store_priv_cached(s, sql)))
        return store_priv_err(sqlite3_errcode(s->db));
    sqlite3_bind_int64(st, 1, id);
    if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? STORE_ERR_NOTFOUND : store_priv_err(rc);
    }
    row.ts = sqlite3_column_int64(st, 0);
    row.confidence = sqlite3_column_double(st, 2);
    row.ngo = sqlite3_column_int(st, 8);
    row.frames = sqlite3_column_int(st, 9);
    if ((rc = open_text(st, 1, src, "plate", id, plate, sizeof plate)) == 0 &&
        (rc = open_text(st, 3, src, "candidates", id, cands, sizeof cands)) == 0 &&
        (rc = open_text(st, 4, src, "unit", id, unit, sizeof unit)) == 0 &&
        (rc = open_text(st, 5, src, "camera", id, camera, sizeof camera)) == 0 &&
        (rc = open_text(st, 7, src, "agency", id, agency, sizeof agency)) == 0 &&
        sqlite3_column_type(st, 6) != SQLITE_NULL) {
        double ll[2];
        size_t n = (size_t)sqlite3_column_bytes(st, 6);
        rc = n == sizeof ll + STORE_KEYRING_OVERHEAD
                 ? store_part_open(src, "gps", id, sqlite3_column_blob(st, 6), n, ll)
                 : STORE_ERR_DATA;
        row.has_gps = 1;
        row.lat = ll[0];
        row.lon = ll[1];
    }
    sqlite3_reset(st);
    if (rc == 0) {
        char isuffix[40];
        snprintf(isuffix, sizeof isuffix, "%s", from);
        rc = image_from(s, isuffix, from_part, id, &png, &row.png_len);
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
        rc = ins_image ? store_part_insert(ins_read, ins_image, dst, &row)
                       : store_priv_err(sqlite3_errcode(s->db));
    }
    sodium_memzero(plate, sizeof plate);
    sodium_memzero(cands, sizeof cands);
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
