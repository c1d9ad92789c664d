/* store: opening, schema and forward migrations, clock, errors, time helpers. */
#include "store.h"
#include "store_key.h"
#include "store_part.h"
#include "store_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/*
 * Forward migrations: migrations[i] takes a file from user_version i to i + 1. Never edit a
 * released step; add a new one and bump STORE_SCHEMA_VERSION.
 */
static const char *const migrations[STORE_SCHEMA_VERSION] = {
    /* 0 -> 1: accounts, sessions, settings, the audit log. */
    "CREATE TABLE settings(key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
    "CREATE TABLE members(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " role TEXT NOT NULL CHECK(role IN ('operator','investigator','administrator','auditor',"
    "'system')), pwhash TEXT, training_date INTEGER, failed_count INTEGER NOT NULL DEFAULT 0,"
    " locked_until INTEGER NOT NULL DEFAULT 0, disabled INTEGER NOT NULL DEFAULT 0,"
    " created_at INTEGER NOT NULL, created_by TEXT NOT NULL, password_changed_at INTEGER);"
    "CREATE TABLE sessions(id INTEGER PRIMARY KEY, member_id INTEGER NOT NULL REFERENCES"
    " members(id), token_hash TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL,"
    " last_seen INTEGER NOT NULL, ended_at INTEGER, end_reason TEXT);"
    "CREATE TABLE audit(id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, member TEXT NOT NULL,"
    " event TEXT NOT NULL, params TEXT NOT NULL, outcome TEXT NOT NULL,"
    " prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
    "CREATE INDEX audit_ts ON audit(ts);"
    "CREATE TABLE audit_head(one INTEGER PRIMARY KEY CHECK(one = 1), last_id INTEGER NOT NULL,"
    " hash TEXT NOT NULL);"
    "INSERT INTO audit_head VALUES(1, 0, '"
    "0000000000000000000000000000000000000000000000000000000000000000');"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;"
    "CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head"
    " BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;"
    "CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head"
    " WHEN NEW.last_id <> OLD.last_id + 1"
    " BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;",

    /* 1 -> 2: reads, images, hotlists, alerts, the search register. */
    "CREATE TABLE reads(id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, plate TEXT NOT NULL,"
    " skel TEXT NOT NULL, skel_rev TEXT NOT NULL, confidence REAL NOT NULL,"
    " candidates TEXT NOT NULL, unit TEXT NOT NULL, camera TEXT NOT NULL, lat REAL, lon REAL,"
    " agency TEXT NOT NULL, ngo INTEGER NOT NULL CHECK(ngo IN (0, 1)),"
    " frames INTEGER NOT NULL);"
    "CREATE INDEX reads_skel ON reads(skel);"
    "CREATE INDEX reads_skel_rev ON reads(skel_rev);"
    "CREATE INDEX reads_ts ON reads(ts);"
    "CREATE TABLE read_images(read_id INTEGER PRIMARY KEY REFERENCES reads(id)"
    " ON DELETE CASCADE, png BLOB NOT NULL);"
    "CREATE TABLE hotlists(id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
    " imported_at INTEGER NOT NULL, imported_by TEXT NOT NULL, n_entries INTEGER NOT NULL,"
    " removed_at INTEGER, removed_by TEXT);"
    "CREATE TABLE hotlist_entries(id INTEGER PRIMARY KEY, hotlist_id INTEGER NOT NULL"
    " REFERENCES hotlists(id), line INTEGER NOT NULL, plate TEXT NOT NULL, skel TEXT NOT NULL,"
    " wildcard INTEGER NOT NULL, state TEXT NOT NULL, reason TEXT NOT NULL,"
    " source TEXT NOT NULL, expires_at INTEGER NOT NULL, incident TEXT, nic TEXT, ori TEXT,"
    " vehicle TEXT);"
    "CREATE INDEX hot_plate ON hotlist_entries(plate);"
    "CREATE INDEX hot_skel ON hotlist_entries(skel);"
    "CREATE INDEX hot_wild ON hotlist_entries(wildcard);"
    "CREATE TABLE alerts(id INTEGER PRIMARY KEY, read_id INTEGER NOT NULL REFERENCES reads(id)"
    " ON DELETE CASCADE, entry_id INTEGER NOT NULL REFERENCES hotlist_entries(id),"
    " kind TEXT NOT NULL, created_at INTEGER NOT NULL, state TEXT NOT NULL DEFAULT"
    " 'unverified' CHECK(state IN ('unverified','confirmed','rejected')), state_by TEXT,"
    " state_at INTEGER, note TEXT);"
    "CREATE INDEX alerts_read ON alerts(read_id);"
    "CREATE TABLE searches(id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, member TEXT NOT NULL,"
    " kind TEXT NOT NULL, purpose TEXT, crime_type TEXT, incident TEXT, warrant_ref TEXT,"
    " query TEXT NOT NULL, result_count INTEGER NOT NULL, outcome TEXT NOT NULL);"
    "CREATE INDEX searches_ts ON searches(ts);"
    "CREATE TRIGGER searches_no_update BEFORE UPDATE ON searches"
    " BEGIN SELECT RAISE(ABORT, 'the search register is append-only'); END;"
    "CREATE TRIGGER searches_no_delete BEFORE DELETE ON searches"
    " BEGIN SELECT RAISE(ABORT, 'the search register is append-only'); END;",

    /* 2 -> 3: holds, exports and custody, release requests, purge reports. */
    "CREATE TABLE holds(id INTEGER PRIMARY KEY, kind TEXT NOT NULL CHECK(kind IN"
    " ('warrant','preservation','disclosure')), reference TEXT NOT NULL, plate TEXT,"
    " units TEXT, t_from INTEGER, t_to INTEGER, entered_by TEXT NOT NULL,"
    " entered_at INTEGER NOT NULL, expires_at INTEGER, released_at INTEGER,"
    " released_by TEXT, release_reason TEXT);"
    "CREATE TABLE releases(id INTEGER PRIMARY KEY, agency TEXT NOT NULL,"
    " requester TEXT NOT NULL, purpose TEXT NOT NULL, hold_id INTEGER NOT NULL REFERENCES"
    " holds(id), status TEXT NOT NULL CHECK(status IN ('pending','approved','denied',"
    "'fulfilled')), submitted_by TEXT NOT NULL, submitted_at INTEGER NOT NULL,"
    " reviewed_by TEXT, reviewed_at INTEGER, review_note TEXT, export_id INTEGER);"
    "CREATE TABLE exports(id INTEGER PRIMARY KEY, hold_id INTEGER NOT NULL REFERENCES"
    " holds(id), release_id INTEGER REFERENCES releases(id), dir TEXT NOT NULL,"
    " member TEXT NOT NULL, at INTEGER NOT NULL, n_reads INTEGER NOT NULL,"
    " manifest_sha256 TEXT NOT NULL);"
    "CREATE TABLE custody(id INTEGER PRIMARY KEY, export_id INTEGER NOT NULL REFERENCES"
    " exports(id), at INTEGER NOT NULL, member TEXT NOT NULL, action TEXT NOT NULL,"
    " note TEXT);"
    "CREATE TABLE purges(id INTEGER PRIMARY KEY, at INTEGER NOT NULL, member TEXT NOT NULL,"
    " cutoff INTEGER NOT NULL, reads INTEGER NOT NULL, images INTEGER NOT NULL,"
    " alerts INTEGER NOT NULL, held INTEGER NOT NULL, oldest INTEGER, newest INTEGER);",

    /* 3 -> 4: reads partitioned by day of capture (store_part.h). Existing reads and images move
     * to reads_rest / images_rest (the table of reads outside any day table: older files and
     * held reads of purged days); reads and read_images become views over all partitions;
     * read ids come from read_seq; alerts lose their foreign key (a view cannot be a parent)
     * and are deleted with their reads by the purge. */
    "CREATE TABLE read_seq(one INTEGER PRIMARY KEY CHECK(one = 1), last INTEGER NOT NULL);"
    "INSERT INTO read_seq VALUES(1, (SELECT coalesce(max(id), 0) FROM reads));"
    "CREATE TABLE alerts_v4(id INTEGER PRIMARY KEY, read_id INTEGER NOT NULL,"
    " entry_id INTEGER NOT NULL REFERENCES hotlist_entries(id),"
    " kind TEXT NOT NULL, created_at INTEGER NOT NULL, state TEXT NOT NULL DEFAULT"
    " 'unverified' CHECK(state IN ('unverified','confirmed','rejected')), state_by TEXT,"
    " state_at INTEGER, note TEXT);"
    "INSERT INTO alerts_v4 SELECT * FROM alerts;"
    "DROP TABLE alerts;"
    "ALTER TABLE alerts_v4 RENAME TO alerts;"
    "CREATE INDEX alerts_read ON alerts(read_id);"
    "CREATE TABLE reads_rest(id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, plate TEXT NOT NULL,"
    " skel TEXT NOT NULL, skel_rev TEXT NOT NULL, confidence REAL NOT NULL,"
    " candidates TEXT NOT NULL, unit TEXT NOT NULL, camera TEXT NOT NULL, lat REAL, lon REAL,"
    " agency TEXT NOT NULL, ngo INTEGER NOT NULL CHECK(ngo IN (0, 1)),"
    " frames INTEGER NOT NULL);"
    "INSERT INTO reads_rest SELECT * FROM reads ORDER BY id;"
    "CREATE TABLE images_rest(read_id INTEGER PRIMARY KEY, png BLOB NOT NULL);"
    "INSERT INTO images_rest SELECT * FROM read_images ORDER BY read_id;"
    "DROP TABLE read_images;"
    "DROP TABLE reads;"
    "CREATE INDEX reads_rest_skel ON reads_rest(skel);"
    "CREATE INDEX reads_rest_skel_rev ON reads_rest(skel_rev);"
    "CREATE INDEX reads_rest_ts ON reads_rest(ts);"
    "CREATE VIEW reads AS SELECT r.*, EXISTS(SELECT 1 FROM images_rest i WHERE"
    " i.read_id = r.id) AS has_img FROM reads_rest r;"
    "CREATE VIEW read_images AS SELECT read_id, png FROM images_rest;"
    "CREATE VIEW reads_grest AS SELECT r.*, EXISTS(SELECT 1 FROM images_rest i WHERE"
    " i.read_id = r.id) AS has_img FROM reads_rest r;",

    /* 4 -> 5: day data sealed under day keys: store_part_migrate_v5() (store_part.h). */
    "",

    /* 5 -> 6: members bound to one OS account each (the service's callers are known by uid),
     * sessions bound to the uid that opened them. */
    "ALTER TABLE members ADD COLUMN os_uid INTEGER;"
    "CREATE UNIQUE INDEX members_os_uid ON members(os_uid) WHERE os_uid IS NOT NULL;"
    "ALTER TABLE sessions ADD COLUMN peer_uid INTEGER;",

    /* 6 -> 7: signed evidence bundles (the manifest's signature), a signed custody chain (each
     * entry's line as written into the bundle's custody.txt), and the copies of reads outside
     * the store (export bundles, crops) with the reads each holds, flagged when those reads are
     * purged (store_export.h). */
    "ALTER TABLE exports ADD COLUMN signature TEXT;"
    "ALTER TABLE custody ADD COLUMN seq INTEGER;"
    "ALTER TABLE custody ADD COLUMN line TEXT;"
    "CREATE TABLE copies(id INTEGER PRIMARY KEY, kind TEXT NOT NULL CHECK(kind IN"
    " ('export','crop')), path TEXT NOT NULL, member TEXT NOT NULL, uid INTEGER,"
    " at INTEGER NOT NULL, export_id INTEGER REFERENCES exports(id), n_reads INTEGER NOT NULL,"
    " t_from INTEGER, t_to INTEGER, flagged_at INTEGER, flag_reason TEXT, deleted_at INTEGER,"
    " deleted_by TEXT);"
    "CREATE INDEX copies_open ON copies(t_from) WHERE flagged_at IS NULL;"
    "CREATE TABLE copy_reads(copy_id INTEGER NOT NULL REFERENCES copies(id),"
    " read_id INTEGER NOT NULL, ts INTEGER NOT NULL, PRIMARY KEY(copy_id, read_id))"
    " WITHOUT ROWID;",

    /* 7 -> 8: the records role (its CHECK: store_migrate_records_role), two-person holds and
     * role grants. Holds entered before the rule stay in effect, flagged legacy (never lose
     * evidence); the audit list and `hold list` show them so they can be reviewed. */
    "ALTER TABLE holds ADD COLUMN court TEXT;"
    "ALTER TABLE holds ADD COLUMN approved_by TEXT;"
    "ALTER TABLE holds ADD COLUMN approved_at INTEGER;"
    "ALTER TABLE holds ADD COLUMN legacy INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE holds ADD COLUMN ext_court TEXT;"
    "ALTER TABLE holds ADD COLUMN ext_ref TEXT;"
    "ALTER TABLE holds ADD COLUMN ext_until INTEGER;"
    "ALTER TABLE holds ADD COLUMN ext_by TEXT;"
    "ALTER TABLE holds ADD COLUMN ext_at INTEGER;"
    "UPDATE holds SET approved_at = entered_at, approved_by = '(before two-person rule)',"
    " legacy = 1;"
    "CREATE TABLE role_grants(id INTEGER PRIMARY KEY, member TEXT NOT NULL, role TEXT NOT NULL,"
    " new_account INTEGER NOT NULL, granted_by TEXT NOT NULL, granted_at INTEGER NOT NULL,"
    " confirmed_by TEXT, confirmed_at INTEGER, cancelled_at INTEGER);"
    "CREATE INDEX role_grants_member ON role_grants(member);",

    /* 8 -> 9: the keyed audit chain (a MAC per entry) and the row images of the covered tables
     * each entry holds; the triggers that stage them: store_audit_cover_install(). */
    "ALTER TABLE audit ADD COLUMN row_images TEXT;"
    "ALTER TABLE audit ADD COLUMN mac TEXT;"
    "CREATE TABLE audit_stage(seq INTEGER PRIMARY KEY, tbl TEXT NOT NULL,"
    " row_id INTEGER NOT NULL, image TEXT);",
};

/* The version whose migration installs the coverage triggers (the step above). Every later step
 * installs them again (they are created if missing): a step that rebuilds a covered table drops
 * its triggers with it. */
#define STORE_AUDIT_COVER_VERSION 9

/*
 * The step that adds 'records' to the members' role CHECK. SQLite cannot alter a CHECK, and a
 * rebuilt members table cannot be swapped in while sessions reference it with foreign keys on
 * (inside a transaction they cannot be switched off). A CHECK that allows one more value does
 * not change how rows are stored, so SQLite's documented writable_schema procedure applies:
 * edit the table's SQL text, bump schema_version so every connection reloads it.
 */
#define STORE_MIGRATE_RECORDS_ROLE 7
static int store_migrate_records_role(struct store *s)
{
    static const char old_check[] = "'system'))", new_check[] = "'system','records'))";
    sqlite3_stmt *st;
    int rc, version = 0, changed;
    char sql[64];
    rc = sqlite3_prepare_v2(s->db, "PRAGMA schema_version", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return store_priv_err(rc);
    if ((rc = store_priv_exec(s, "PRAGMA writable_schema = ON")) != 0)
        return rc;
    rc = sqlite3_prepare_v2(s->db,
                            "UPDATE sqlite_schema SET sql = replace(sql, ?1, ?2) WHERE"
                            " type = 'table' AND name = 'members' AND instr(sql, ?1) > 0",
                            -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, old_check, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, new_check, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
    }
    changed = sqlite3_changes(s->db);
    snprintf(sql, sizeof sql, "PRAGMA schema_version = %d", version + 1);
    if (rc == SQLITE_DONE)
        rc = changed == 1 ? store_priv_exec(s, sql) : STORE_ERR_DATA;
    else
        rc = store_priv_err(rc);
    {
        int off = store_priv_exec(s, "PRAGMA writable_schema = OFF");
        return rc != 0 ? rc : off;
    }
}

static int64_t default_clock(void *ctx)
{
    (void)ctx;
    return (int64_t)time(NULL);
}

static int migrate(struct store *s, int target)
{
    int version = 0, rc;
    if ((rc = store_schema_version(s, &version)) != 0)
        return rc;
    if (version > STORE_SCHEMA_VERSION)
        return STORE_ERR_VERSION;
    while (version < target) {
        char sql[64];
        /* A plain BEGIN: the clock check of store_priv_begin() needs the audit log, which
         * the first step creates, and a migration acts for no one. */
        if ((rc = store_priv_exec(s, "BEGIN IMMEDIATE")) != 0)
            return rc;
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", version + 1);
        if ((rc = store_priv_exec(s, migrations[version])) != 0 ||
            (version == 4 && (rc = store_part_migrate_v5(s)) != 0) ||
            (version == STORE_MIGRATE_RECORDS_ROLE && (rc = store_migrate_records_role(s)) != 0) ||
            (version + 1 >= STORE_AUDIT_COVER_VERSION &&
             (rc = store_audit_cover_install(s)) != 0) ||
            (rc = store_priv_exec(s, sql)) != 0) {
            store_priv_rollback(s);
            return rc;
        }
        if ((rc = store_priv_commit(s)) != 0)
            return rc;
        version++;
    }
    return 0;
}

int store_open(const char *path, struct store **out)
{
    return store_open_at_version(path, STORE_SCHEMA_VERSION, out);
}

/* Takes db over (closed on failure too): settings, pragmas and migrations up to version. */
static int adopt(sqlite3 *db, int version, struct store **out)
{
    static const char *const pragmas[] = {
        "PRAGMA journal_mode = WAL",         "PRAGMA foreign_keys = ON",
        "PRAGMA secure_delete = ON",         "PRAGMA synchronous = NORMAL",
        "PRAGMA temp_store = MEMORY",        "PRAGMA cache_size = -262144",
        "PRAGMA wal_autocheckpoint = 10000",
    };
    struct store *s;
    int rc;
    if (sodium_init() < 0 || !(s = calloc(1, sizeof *s))) {
        sqlite3_close(db);
        return STORE_ERR_NOMEM;
    }
    s->db = db;
    s->clock = default_clock;
    s->part_day = -1;
    s->peer_uid = STORE_PEER_NONE;
    snprintf(s->system_name, sizeof s->system_name, "alprd");
    sqlite3_busy_timeout(s->db, 5000);
    /* Plans must not depend on bound values: otherwise each new GLOB pattern re-prepares the
     * statement, and a search over every day partition costs milliseconds to prepare. */
    sqlite3_db_config(s->db, SQLITE_DBCONFIG_ENABLE_QPSG, 1, (int *)NULL);
    sqlite3_extended_result_codes(s->db, 0);
    for (size_t i = 0; i < sizeof pragmas / sizeof pragmas[0]; i++)
        if ((rc = store_priv_exec(s, pragmas[i])) != 0)
            goto fail;
    if ((rc = migrate(s, version)) != 0)
        goto fail;
    *out = s;
    return 0;
fail:
    store_close(s);
    return rc;
}

int store_open_at_version(const char *path, int version, struct store **out)
{
    sqlite3 *db = NULL;
    int fd, rc;
    if (!path || !*path || version < 0 || version > STORE_SCHEMA_VERSION)
        return STORE_ERR_INVALID;
    /* Protected records: a new file is owner-only from its first instant (SQLite gives the WAL
     * the database's mode); an existing one is taken as it is. */
    fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0)
        close(fd);
    else if (errno != EEXIST)
        return STORE_ERR_IO;
    rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_close(db);
        return store_priv_err(rc);
    }
    return adopt(db, version, out);
}

int store_open_db(sqlite3 *db, struct store **out)
{
    return adopt(db, STORE_SCHEMA_VERSION, out);
}

void store_close(struct store *s)
{
    if (!s)
        return;
    for (int i = 0; i < STORE_STMT_COUNT; i++)
        sqlite3_finalize(s->stmt[i]);
    for (int i = 0; i < STORE_QCACHE_SIZE; i++) {
        sqlite3_finalize(s->qcache[i].st);
        free(s->qcache[i].sql);
    }
    store_part_names_free(s->groups, s->n_groups);
    store_key_free(s->audit_key);
    store_key_free(s->mask_key);
    store_key_free(s->sign_key);
    if (s->db) {
        sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
        sqlite3_close(s->db);
    }
    free(s);
}

void store_set_clock(struct store *s, store_clock_fn fn, void *ctx)
{
    s->clock = fn ? fn : default_clock;
    s->clock_ctx = fn ? ctx : NULL;
}

int64_t store_now(const struct store *s)
{
    return s->clock(s->clock_ctx);
}

void store_set_peer_uid(struct store *s, int64_t uid)
{
    s->peer_uid = uid < 0 ? STORE_PEER_NONE : uid;
}

int store_set_master_key(struct store *s, const struct store_key *master)
{
    struct store_key *audit = NULL, *mask = NULL, *sign = NULL;
    /* Subkey ids 1-3 are the page, ring and WAL-frame keys (store_crypt.c, store_keyring.c). */
    if (store_key_derive(master, 4, "alpraudt", &audit) != 0 ||
        store_key_derive(master, 5, "alprmask", &mask) != 0 ||
        store_key_derive(master, 6, "alprsign", &sign) != 0) {
        store_key_free(audit);
        store_key_free(mask);
        return STORE_ERR_NOMEM;
    }
    store_key_free(s->audit_key);
    store_key_free(s->mask_key);
    store_key_free(s->sign_key);
    s->audit_key = audit;
    s->mask_key = mask;
    s->sign_key = sign;
    return 0;
}

void store_priv_mask_plate(const struct store *s, const char *plate, char out[STORE_MASK_SIZE])
{
    unsigned char h[6];
    if (!s->mask_key) {
        snprintf(out, STORE_MASK_SIZE, "P:masked");
        return;
    }
    crypto_generichash(h, sizeof h, (const unsigned char *)plate, plate ? strlen(plate) : 0,
                       store_key_bytes(s->mask_key), STORE_KEY_BYTES);
    snprintf(out, STORE_MASK_SIZE, "P:%02x%02x%02x%02x%02x%02x", h[0], h[1], h[2], h[3], h[4],
             h[5]);
}

void store_set_system_name(struct store *s, const char *name)
{
    snprintf(s->system_name, sizeof s->system_name, "%s", name && *name ? name : "alprd");
}

int store_set_max_pages(struct store *s, int64_t pages)
{
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld", (long long)pages);
    return store_priv_exec(s, sql);
}

int store_set_cache_kib(struct store *s, int kib)
{
    char sql[64];
    if (kib < 64)
        return STORE_ERR_INVALID;
    snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", kib);
    return store_priv_exec(s, sql);
}

int store_schema_version(struct store *s, int *out)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *out = sqlite3_column_int(st, 0);
        rc = 0;
    } else {
        rc = store_priv_err(rc);
    }
    sqlite3_finalize(st);
    return rc;
}
