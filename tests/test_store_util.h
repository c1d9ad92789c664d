/*
 * test_store_util: fixtures shared by the tests/test_store*.c programs: a fake clock, a fresh
 * store with members of every role, a tiny valid PNG, a read builder, raw-file byte search, raw
 * SQL counts, whole-file reads.
 * Static functions only: each test program includes it once.
 */
#ifndef TEST_STORE_UTIL_H
#define TEST_STORE_UTIL_H

#include "store.h"
#include "store_audit.h"
#include "store_auth.h"
#include "store_members.h"
#include "store_hotlist.h"
#include "store_key.h"
#include "store_keyring.h"
#include "store_part.h"
#include "store_reads.h"
#include "store_retention.h"
#include "testlib.h"

#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define T0  1767225600 /* 2026-01-01T00:00:00Z */
#define DAY 86400
#define PW  "correct horse battery"

struct fake_clock {
    int64_t now;
};

__attribute__((unused)) static int64_t fake_now(void *ctx)
{
    return ((struct fake_clock *)ctx)->now;
}

struct fixture {
    struct store *s;
    struct fake_clock clock;
    char path[512];
    struct store_session admin, inv, op, aud;
    /* The day keys: a random master key in a 0600 file, the keyring beside the database. */
    char key_path[700], keyring_path[700];
    struct store_key *master;
    struct store_keyring *kr;
};

/* Writes a new random master key file at path (0400; any old one is removed). 0 on success. */
__attribute__((unused)) static int test_master_key_file(const char *path)
{
    char err[256];
    remove(path);
    return store_key_generate(path, err, sizeof err) == 0 ? 0 : -1;
}

/* Opens the fixture's keyring (created on first use) and gives it to the store. */
__attribute__((unused)) static int fixture_keyring(struct fixture *f)
{
    char err[256];
    if (!f->master && store_key_load(f->key_path, &f->master, err, sizeof err) != 0)
        return -1;
    if (!f->kr && store_keyring_open(f->keyring_path, f->master, &f->kr) != 0)
        return -1;
    return store_set_keyring(f->s, f->kr) == 0 && store_set_master_key(f->s, f->master) == 0 ? 0
                                                                                             : -1;
}

__attribute__((unused)) static void fixture_path(struct fixture *f, const char *name)
{
    snprintf(f->path, sizeof f->path, "%s/%s.db", test_tmpdir(), name);
    remove(f->path);
    char wal[600];
    snprintf(wal, sizeof wal, "%s-wal", f->path);
    remove(wal);
    snprintf(wal, sizeof wal, "%s-shm", f->path);
    remove(wal);
    /* The key files live in a private folder (0700), as store_keyring requires. */
    snprintf(wal, sizeof wal, "%s.keys", f->path);
    mkdir(wal, 0700);
    chmod(wal, 0700);
    snprintf(f->key_path, sizeof f->key_path, "%s/master.key", wal);
    snprintf(f->keyring_path, sizeof f->keyring_path, "%s/keyring", wal);
    remove(f->keyring_path);
}

/* Opens a fresh store named name at T0 with admin "ada", investigator "ivan", operator "olga",
 * auditor "aude", all trained and logged on. Returns 0 on success. */
__attribute__((unused)) static int fixture_open(struct fixture *f, const char *name)
{
    char tok[STORE_TOKEN_HEX];
    int64_t id;
    memset(f, 0, sizeof *f);
    fixture_path(f, name);
    f->clock.now = T0;
    if (test_master_key_file(f->key_path) != 0 || store_open(f->path, &f->s) != 0 ||
        fixture_keyring(f) != 0)
        return -1;
    store_set_clock(f->s, fake_now, &f->clock);
    if (store_member_init(f->s, "ada", PW, T0 - DAY, &id) != 0 ||
        store_login(f->s, "ada", PW, &f->admin, tok) != 0 ||
        store_member_add(f->s, &f->admin, "ivan", STORE_ROLE_INVESTIGATOR, PW, T0 - DAY, &id) ||
        store_member_add(f->s, &f->admin, "olga", STORE_ROLE_OPERATOR, PW, T0 - DAY, &id) ||
        store_member_add(f->s, &f->admin, "aude", STORE_ROLE_AUDITOR, PW, T0 - DAY, &id) ||
        store_login(f->s, "ivan", PW, &f->inv, tok) != 0 ||
        store_login(f->s, "olga", PW, &f->op, tok) != 0 ||
        store_login(f->s, "aude", PW, &f->aud, tok) != 0)
        return -1;
    return 0;
}

/* Closes the store, the keyring and the master key (the files stay: fixture_reopen). */
__attribute__((unused)) static void fixture_close(struct fixture *f)
{
    store_close(f->s);
    f->s = NULL;
    store_keyring_close(f->kr);
    f->kr = NULL;
    store_key_free(f->master);
    f->master = NULL;
}

/* Opens the fixture's store again (after fixture_close), with its keyring and clock. */
__attribute__((unused)) static int fixture_reopen(struct fixture *f)
{
    if (store_open(f->path, &f->s) != 0)
        return -1;
    store_set_clock(f->s, fake_now, &f->clock);
    return fixture_keyring(f);
}

/* A valid 1x1 grayscale PNG whose IDAT carries a recognisable marker in a tEXt chunk. */
__attribute__((unused)) static size_t make_png(uint8_t *buf, size_t size, const char *marker)
{
    static const uint8_t head[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    size_t n = 0, m = strlen(marker);
    if (size < sizeof head + m + 16)
        return 0;
    memcpy(buf, head, sizeof head);
    n = sizeof head;
    /* tEXt chunk: length, type, "Comment\0marker", crc (not checked by the store). */
    uint32_t len = (uint32_t)(8 + m);
    buf[n++] = (uint8_t)(len >> 24);
    buf[n++] = (uint8_t)(len >> 16);
    buf[n++] = (uint8_t)(len >> 8);
    buf[n++] = (uint8_t)len;
    memcpy(buf + n, "tEXtComment", 11);
    n += 11;
    buf[n++] = 0;
    memcpy(buf + n, marker, m);
    n += m;
    memset(buf + n, 0, 4);
    n += 4;
    return n;
}

__attribute__((unused)) static struct store_read make_read(const char *plate, int64_t t,
                                                           const char *unit)
{
    struct store_read r;
    memset(&r, 0, sizeof r);
    r.plate = plate;
    r.confidence = 0.93;
    r.candidates[0].text = plate;
    r.candidates[0].confidence = 0.93;
    r.n_candidates = 1;
    r.time = t;
    r.unit_id = unit;
    r.camera_id = "cam0";
    r.has_gps = 1;
    r.lat = 40.7608;
    r.lon = -111.8910;
    r.source_agency = "Metro PD";
    r.frames_agreeing = 3;
    return r;
}

__attribute__((unused)) static const struct store_access *access_ok(void)
{
    static const struct store_access a = {"investigation", "robbery", "2026-000123", NULL};
    return &a;
}

/*
 * Rows of every reads (or images, when images is set) table at path, day tables and reads_rest:
 * a raw count that needs no key (the views decrypt, so they need the keyring). -1 on error.
 */
__attribute__((unused)) static long raw_rows(const char *path, int images)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    long total = 0;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        return -1;
    if (sqlite3_prepare_v2(db,
                           images ? "SELECT name FROM sqlite_master WHERE type = 'table' AND"
                                    " name GLOB 'images_[dr]*'"
                                  : "SELECT name FROM sqlite_master WHERE type = 'table' AND"
                                    " name GLOB 'reads_[dr]*'",
                           -1, &st, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return -1;
    }
    while (total >= 0 && sqlite3_step(st) == SQLITE_ROW) {
        char sql[128];
        sqlite3_stmt *c;
        snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", sqlite3_column_text(st, 0));
        if (sqlite3_prepare_v2(db, sql, -1, &c, NULL) != SQLITE_OK || sqlite3_step(c) != SQLITE_ROW)
            total = -1;
        else
            total += (long)sqlite3_column_int64(c, 0);
        sqlite3_finalize(c);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return total;
}

/* The first column of the first row of sql (a count) on the database file at path, read behind
 * the store's back; -1 on error. */
__attribute__((unused)) static int64_t raw_count(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    int64_t n = -1;
    if (sqlite3_open(path, &db) != SQLITE_OK) {
        sqlite3_close(db);
        return -1;
    }
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return n;
}

/* The whole file at path, NUL-terminated, its length in *len when len is set; NULL if it cannot
 * be read. The caller frees it. */
__attribute__((unused)) static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    char *buf;
    long n;
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf)
        buf[n] = '\0';
    if (len)
        *len = buf ? (size_t)n : 0;
    fclose(fp);
    return buf;
}

/* Counts occurrences of needle in the file at path (0 if the file is missing). */
__attribute__((unused)) static long file_count(const char *path, const void *needle, size_t n)
{
    FILE *fp = fopen(path, "rb");
    long count = 0;
    if (!fp)
        return 0;
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc(size > 0 ? (size_t)size : 1);
    if (buf && fread(buf, 1, (size_t)size, fp) == (size_t)size)
        for (long i = 0; i + (long)n <= size; i++)
            if (memcmp(buf + i, needle, n) == 0)
                count++;
    free(buf);
    fclose(fp);
    return count;
}

#endif
