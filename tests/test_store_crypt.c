/*
 * Tests of encryption at rest, written as attacks: the master key file (store_key.c), the
 * per-day keyring (store_keyring.c) and the page-encrypting SQLite VFS (store_crypt.c).
 */
#define _GNU_SOURCE
#include "store_crypt.h"
#include "store_key.h"
#include "store_keyring.h"
#include "store_privfile.h"
#include "testlib.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

/* ---- helpers ---- */

static const char *tpath(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", test_tmpdir(), name);
    return buf;
}

static int write_file(const char *path, const void *data, size_t n, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, mode);
    int ok;
    if (fd < 0)
        return -1;
    ok = write(fd, data, n) == (ssize_t)n;
    ok &= fchmod(fd, mode) == 0;
    return close(fd) == 0 && ok ? 0 : -1;
}

/* Reads the whole file at path into a malloc'ed buffer; *n its size. NULL when missing. */
static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    unsigned char *buf = NULL;
    long size;
    if (!fp)
        return NULL;
    if (fseek(fp, 0, SEEK_END) == 0 && (size = ftell(fp)) >= 0 && fseek(fp, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)size + 1);
        if (buf && fread(buf, 1, (size_t)size, fp) != (size_t)size) {
            free(buf);
            buf = NULL;
        }
        *n = (size_t)size;
    }
    fclose(fp);
    return buf;
}

static size_t count_in(const unsigned char *buf, size_t n, const void *needle, size_t m)
{
    size_t count = 0;
    for (size_t i = 0; buf && i + m <= n; i++)
        if (memcmp(buf + i, needle, m) == 0)
            count++;
    return count;
}

/* Occurrences of needle in the raw bytes of the file at path (0 when the file is missing). */
static size_t file_count(const char *path, const void *needle, size_t m)
{
    size_t n = 0, c;
    unsigned char *buf = slurp(path, &n);
    c = count_in(buf, n, needle, m);
    free(buf);
    return c;
}

/* A fresh master key from a new key file named name. NULL on failure. */
static struct store_key *new_master(const char *name)
{
    char path[512], err[256];
    struct store_key *k = NULL;
    tpath(path, sizeof path, name);
    unlink(path);
    if (store_key_generate(path, err, sizeof err) != 0 ||
        store_key_load(path, &k, err, sizeof err) != 0) {
        printf("  new_master: %s\n", err);
        return NULL;
    }
    return k;
}

/* ---- store_key ---- */

static void test_key_generate_load(void)
{
    char path[512], err[256];
    struct store_key *a = NULL, *b = NULL;
    struct stat st;
    size_t n = 0;
    tpath(path, sizeof path, "gen.key");
    REQUIRE(store_key_generate(path, err, sizeof err) == 0);
    REQUIRE(stat(path, &st) == 0);
    CHECK_EQ_INT(st.st_mode & 07777, 0400);
    unsigned char *text = slurp(path, &n);
    REQUIRE(text);
    CHECK_EQ_INT(n, 65);
    CHECK(text[64] == '\n');
    free(text);
    REQUIRE(store_key_load(path, &a, err, sizeof err) == 0);
    /* Never overwritten: the second generate fails and the key is unchanged. */
    CHECK_EQ_INT(store_key_generate(path, err, sizeof err), STORE_ERR_EXISTS);
    CHECK(strstr(err, path) != NULL);
    REQUIRE(store_key_load(path, &b, err, sizeof err) == 0);
    CHECK(memcmp(store_key_bytes(a), store_key_bytes(b), STORE_KEY_BYTES) == 0);
    store_key_free(b);
    /* A dangling symbolic link is not followed to create a file elsewhere. */
    char link[512], target[512];
    tpath(link, sizeof link, "gen-link.key");
    tpath(target, sizeof target, "gen-target.key");
    REQUIRE(symlink(target, link) == 0);
    CHECK_EQ_INT(store_key_generate(link, err, sizeof err), STORE_ERR_EXISTS);
    CHECK(access(target, F_OK) != 0);
    /* Raw 32 bytes are the same key as their 64 hex digits. */
    char raw[512];
    tpath(raw, sizeof raw, "raw.key");
    REQUIRE(write_file(raw, store_key_bytes(a), STORE_KEY_BYTES, 0600) == 0);
    REQUIRE(store_key_load(raw, &b, err, sizeof err) == 0);
    CHECK(memcmp(store_key_bytes(a), store_key_bytes(b), STORE_KEY_BYTES) == 0);
    store_key_free(b);
    /* Derivation: deterministic, and distinct per id and per context. */
    struct store_key *d1, *d2, *d3, *d4;
    REQUIRE(store_key_derive(a, 1, "alprpage", &d1) == 0);
    REQUIRE(store_key_derive(a, 1, "alprpage", &d2) == 0);
    REQUIRE(store_key_derive(a, 2, "alprpage", &d3) == 0);
    REQUIRE(store_key_derive(a, 1, "alprring", &d4) == 0);
    CHECK(memcmp(store_key_bytes(d1), store_key_bytes(d2), STORE_KEY_BYTES) == 0);
    CHECK(memcmp(store_key_bytes(d1), store_key_bytes(d3), STORE_KEY_BYTES) != 0);
    CHECK(memcmp(store_key_bytes(d1), store_key_bytes(d4), STORE_KEY_BYTES) != 0);
    CHECK(memcmp(store_key_bytes(d1), store_key_bytes(a), STORE_KEY_BYTES) != 0);
    store_key_free(d1);
    store_key_free(d2);
    store_key_free(d3);
    store_key_free(d4);
    store_key_free(a);
    store_key_free(NULL);
}

static void test_key_refusals(void)
{
    static const char hex[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n";
    char path[512], err[256];
    struct store_key *k = NULL;
    tpath(path, sizeof path, "refuse.key");
    /* The good file loads: each refusal below is caused by what it changes. */
    REQUIRE(write_file(path, hex, 65, 0600) == 0);
    REQUIRE(store_key_load(path, &k, err, sizeof err) == 0);
    CHECK_EQ_INT(store_key_bytes(k)[1], 0x11);
    store_key_free(k);
    k = NULL;
    REQUIRE(write_file(path, hex, 64, 0400) == 0);
    REQUIRE(store_key_load(path, &k, err, sizeof err) == 0);
    store_key_free(k);
    k = NULL;
    /* Wrong sizes. */
    REQUIRE(write_file(path, hex, 31, 0600) == 0);
    CHECK_EQ_INT(store_key_load(path, &k, err, sizeof err), STORE_ERR_INVALID);
    CHECK(strstr(err, path) && strstr(err, "31 bytes"));
    REQUIRE(write_file(path, hex, 33, 0600) == 0);
    CHECK_EQ_INT(store_key_load(path, &k, err, sizeof err), STORE_ERR_INVALID);
    REQUIRE(write_file(path, "", 0, 0600) == 0);
    CHECK_EQ_INT(store_key_load(path, &k, err, sizeof err), STORE_ERR_INVALID);
    /* 65 bytes without the newline, and non-hex digits. */
    char bad[66];
    memcpy(bad, hex, 65);
    bad[64] = '0';
    REQUIRE(write_file(path, bad, 65, 0600) == 0);
    CHECK_EQ_INT(store_key_load(path, &k, err, sizeof err), STORE_ERR_INVALID);
    memcpy(bad, hex, 65);
    bad[10] = 'g';
    REQUIRE(write_file(path, bad, 65, 0600) == 0);
    CHECK_EQ_INT(store_key_load(path, &k, err, sizeof err), STORE_ERR_INVALID);
    /* Readable or writable by group or others. */
    static const mode_t modes[] = {0644, 0640, 0604, 0620, 0602, 0610};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        REQUIRE(write_file(path, hex, 65, modes[i]) == 0);
        CHECK_EQ_INT(store_key_load(path, &k, err, sizeof err), STORE_ERR_DENIED);
        CHECK(strstr(err, path) && strstr(err, "mode"));
    }
    /* A symbolic link to a good key file. */
    char good[512], link[512];
    tpath(good, sizeof good, "refuse-good.key");
    tpath(link, sizeof link, "refuse-link.key");
    REQUIRE(write_file(good, hex, 65, 0600) == 0);
    REQUIRE(symlink(good, link) == 0);
    CHECK_EQ_INT(store_key_load(link, &k, err, sizeof err), STORE_ERR_DENIED);
    CHECK(strstr(err, "symbolic link") != NULL);
    /* Not a regular file; missing. */
    char fifo[512];
    tpath(fifo, sizeof fifo, "refuse.fifo");
    REQUIRE(mkfifo(fifo, 0600) == 0);
    CHECK_EQ_INT(store_key_load(fifo, &k, err, sizeof err), STORE_ERR_DENIED);
    CHECK_EQ_INT(store_key_load(test_tmpdir(), &k, err, sizeof err), STORE_ERR_DENIED);
    tpath(path, sizeof path, "missing.key");
    CHECK_EQ_INT(store_key_load(path, &k, err, sizeof err), STORE_ERR_NOTFOUND);
    /* Owned by another uid (only root can make one). */
    if (geteuid() == 0) {
        tpath(path, sizeof path, "other.key");
        REQUIRE(write_file(path, hex, 65, 0600) == 0);
        REQUIRE(chown(path, 1, 1) == 0);
        CHECK_EQ_INT(store_key_load(path, &k, err, sizeof err), STORE_ERR_DENIED);
        CHECK(strstr(err, "owned by uid 1") != NULL);
    }
    CHECK(k == NULL);
}

/* A POSIX ACL in its xattr form: {tag, perm, id} entries after version 2. */
static size_t acl_blob(unsigned char *buf, const unsigned (*e)[3], size_t n)
{
    size_t len = 4;
    buf[0] = 2;
    buf[1] = buf[2] = buf[3] = 0;
    for (size_t i = 0; i < n; i++, len += 8) {
        buf[len] = (unsigned char)e[i][0];
        buf[len + 1] = 0;
        buf[len + 2] = (unsigned char)e[i][1];
        buf[len + 3] = 0;
        for (int b = 0; b < 4; b++)
            buf[len + 4 + b] = (unsigned char)(e[i][2] >> (8 * b));
    }
    return len;
}

static void test_key_credential(void)
{
    static const char hex[] = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100\n";
    char dir[256], path[512], err[256];
    struct store_key *k = NULL;
    tpath(dir, sizeof dir, "creds");
    REQUIRE(mkdir(dir, 0700) == 0);
    unsetenv("CREDENTIALS_DIRECTORY");
    CHECK_EQ_INT(store_key_load_credential("store-key", &k, err, sizeof err), STORE_ERR_NOTFOUND);
    CHECK(strstr(err, "CREDENTIALS_DIRECTORY") != NULL);
    REQUIRE(setenv("CREDENTIALS_DIRECTORY", dir, 1) == 0);
    CHECK_EQ_INT(store_key_load_credential("store-key", &k, err, sizeof err), STORE_ERR_NOTFOUND);
    CHECK_EQ_INT(store_key_load_credential("../creds/store-key", &k, err, sizeof err),
                 STORE_ERR_INVALID);
    CHECK_EQ_INT(store_key_load_credential("", &k, err, sizeof err), STORE_ERR_INVALID);
    snprintf(path, sizeof path, "%s/store-key", dir);
    REQUIRE(write_file(path, hex, 65, 0400) == 0);
    /* systemd writes credentials as root for the service's user: the owner is not checked. */
    if (geteuid() == 0)
        REQUIRE(chown(path, 1, 1) == 0);
    REQUIRE(store_key_load_credential("store-key", &k, err, sizeof err) == 0);
    CHECK_EQ_INT(store_key_bytes(k)[0], 0xff);
    store_key_free(k);
    k = NULL;
    REQUIRE(chmod(path, 0444) == 0);
    CHECK_EQ_INT(store_key_load_credential("store-key", &k, err, sizeof err), STORE_ERR_DENIED);
    /* systemd's tmpfs fallback: an ACL granting read to the service's uid shows as mode 0440. */
    enum { USER_OBJ = 1, USER = 2, GROUP_OBJ = 4, MASK = 0x10, OTHER = 0x20 };
    const unsigned ours[][3] = {{USER_OBJ, 4, 0},
                                {USER, 4, (unsigned)geteuid()},
                                {GROUP_OBJ, 0, 0},
                                {MASK, 4, 0},
                                {OTHER, 0, 0}},
                   group[][3] = {{USER_OBJ, 4, 0},
                                 {USER, 4, (unsigned)geteuid()},
                                 {GROUP_OBJ, 4, 0},
                                 {MASK, 4, 0},
                                 {OTHER, 0, 0}};
    unsigned char blob[64];
    REQUIRE(chmod(path, 0400) == 0);
    size_t len = acl_blob(blob, ours, 5);
    if (setxattr(path, "system.posix_acl_access", blob, len, 0) != 0) {
        printf("  (no POSIX ACLs here: %s; ACL case not tested)\n", strerror(errno));
        return;
    }
    struct stat st;
    REQUIRE(stat(path, &st) == 0);
    CHECK_EQ_INT(st.st_mode & 0777, 0440);
    CHECK_EQ_INT(store_key_load_credential("store-key", &k, err, sizeof err), 0);
    store_key_free(k);
    k = NULL;
    /* The same mode with the owning group granted read is refused. */
    len = acl_blob(blob, group, 5);
    REQUIRE(setxattr(path, "system.posix_acl_access", blob, len, 0) == 0);
    CHECK_EQ_INT(store_key_load_credential("store-key", &k, err, sizeof err), STORE_ERR_DENIED);
    /* As a plain key file (owner checked, no ACL leniency), the 0440 one is refused. */
    len = acl_blob(blob, ours, 5);
    REQUIRE(setxattr(path, "system.posix_acl_access", blob, len, 0) == 0);
    CHECK_EQ_INT(store_key_load(path, &k, err, sizeof err), STORE_ERR_DENIED);
    unsetenv("CREDENTIALS_DIRECTORY");
}

/* ---- store_privfile: the folder checks ---- */

static void test_privfile_folder(void)
{
    char dir[256], path[512], err[256];
    int fd = -1, created = 0;
    tpath(dir, sizeof dir, "pf");
    REQUIRE(mkdir(dir, 0700) == 0);
    snprintf(path, sizeof path, "%s/file", dir);
    REQUIRE(store_privfile_open(path, 0, 1, &fd, &created, err, sizeof err) == 0);
    CHECK_EQ_INT(created, 1);
    struct stat st;
    REQUIRE(fstat(fd, &st) == 0);
    CHECK_EQ_INT(st.st_mode & 07777, 0600);
    close(fd);
    REQUIRE(store_privfile_open(path, 0, 1, &fd, &created, err, sizeof err) == 0);
    CHECK_EQ_INT(created, 0);
    close(fd);
    REQUIRE(chmod(dir, 0750) == 0);
    CHECK_EQ_INT(store_privfile_open(path, 0, 1, &fd, &created, err, sizeof err), STORE_ERR_DENIED);
    CHECK(strstr(err, "folder") != NULL);
    REQUIRE(chmod(dir, 0701) == 0);
    CHECK_EQ_INT(store_privfile_open(path, 0, 1, &fd, &created, err, sizeof err), STORE_ERR_DENIED);
    REQUIRE(chmod(dir, 0700) == 0);
    if (geteuid() == 0) {
        REQUIRE(chown(dir, 1, 1) == 0);
        CHECK_EQ_INT(store_privfile_open(path, 0, 1, &fd, &created, err, sizeof err),
                     STORE_ERR_DENIED);
        REQUIRE(chown(dir, 0, 0) == 0);
    }
    /* Nothing is created in a refused folder. */
    snprintf(path, sizeof path, "%s/new", dir);
    REQUIRE(chmod(dir, 0755) == 0);
    CHECK_EQ_INT(store_privfile_open(path, 0, 1, &fd, &created, err, sizeof err), STORE_ERR_DENIED);
    CHECK(access(path, F_OK) != 0);
    REQUIRE(chmod(dir, 0700) == 0);
}

/* ---- store_keyring ---- */

#define DAY0 20454 /* 2026-01-01 as a UTC day number */

static void ring_path(char *buf, size_t size, const char *name)
{
    char dir[256];
    tpath(dir, sizeof dir, name);
    mkdir(dir, 0700);
    snprintf(buf, size, "%s/keyring", dir);
}

static void test_keyring_persist_destroy(void)
{
    char path[512];
    struct store_key *master = new_master("ring.key");
    struct store_keyring *kr = NULL;
    const unsigned char *k;
    unsigned char keys[5][32];
    REQUIRE(master);
    ring_path(path, sizeof path, "ring1");
    REQUIRE(store_keyring_open(path, master, &kr) == 0);
    struct stat st;
    REQUIRE(stat(path, &st) == 0);
    CHECK_EQ_INT(st.st_mode & 07777, 0600);
    CHECK_EQ_INT(store_keyring_get(kr, DAY0, 0, &k), STORE_ERR_NOTFOUND);
    for (int d = 0; d < 5; d++) {
        REQUIRE(store_keyring_get(kr, DAY0 + d, 1, &k) == 0);
        memcpy(keys[d], k, 32);
    }
    /* create=1 on an existing day returns the same key, not a new one. */
    REQUIRE(store_keyring_get(kr, DAY0 + 2, 1, &k) == 0);
    CHECK(memcmp(k, keys[2], 32) == 0);
    CHECK(memcmp(keys[0], keys[1], 32) != 0);
    /* A second process cannot open it at the same time. */
    struct store_keyring *kr2 = NULL;
    CHECK_EQ_INT(store_keyring_open(path, master, &kr2), STORE_ERR_BUSY);
    store_keyring_close(kr);
    kr = NULL;

    /* Persisted: the same keys after reopening, listed in order. */
    REQUIRE(store_keyring_open(path, master, &kr) == 0);
    int64_t *ids = NULL;
    size_t n = 0;
    REQUIRE(store_keyring_list(kr, &ids, &n) == 0);
    CHECK_EQ_INT(n, 5);
    for (size_t i = 0; i < n && i < 5; i++)
        CHECK_EQ_INT(ids[i], DAY0 + (int64_t)i);
    free(ids);
    for (int d = 0; d < 5; d++) {
        REQUIRE(store_keyring_get(kr, DAY0 + d, 0, &k) == 0);
        CHECK(memcmp(k, keys[d], 32) == 0);
    }
    /* The file holds no key in the clear. */
    for (int d = 0; d < 5; d++)
        CHECK_EQ_INT(file_count(path, keys[d], 32), 0);

    /* Destroy day 1: its slot (the second) becomes zeros on disk. */
    size_t size = 0;
    unsigned char *before = slurp(path, &size);
    REQUIRE(before && size == 80 * 6);
    CHECK(!sodium_is_zero(before + 80 * 2, 80));
    REQUIRE(store_keyring_destroy(kr, DAY0 + 1) == 0);
    CHECK_EQ_INT(store_keyring_destroy(kr, DAY0 + 1), STORE_ERR_NOTFOUND);
    CHECK_EQ_INT(store_keyring_get(kr, DAY0 + 1, 0, &k), STORE_ERR_NOTFOUND);
    unsigned char *after = slurp(path, &size);
    REQUIRE(after && size == 80 * 6);
    CHECK(sodium_is_zero(after + 80 * 2, 80));
    CHECK(memcmp(before, after, 80 * 2) == 0);
    CHECK(memcmp(before + 80 * 3, after + 80 * 3, 80 * 3) == 0);
    free(before);
    free(after);
    /* The remaining keys are intact after the swap in memory. */
    for (int d = 0; d < 5; d++) {
        int rc = store_keyring_get(kr, DAY0 + d, 0, &k);
        CHECK_EQ_INT(rc, d == 1 ? STORE_ERR_NOTFOUND : 0);
        if (rc == 0)
            CHECK(memcmp(k, keys[d], 32) == 0);
    }
    store_keyring_close(kr);
    kr = NULL;

    /* After reopening, the destroyed day stays gone; a new day reuses its slot in place. */
    REQUIRE(store_keyring_open(path, master, &kr) == 0);
    CHECK_EQ_INT(store_keyring_get(kr, DAY0 + 1, 0, &k), STORE_ERR_NOTFOUND);
    REQUIRE(store_keyring_get(kr, DAY0 + 9, 1, &k) == 0);
    CHECK(memcmp(k, keys[1], 32) != 0);
    store_keyring_close(kr);
    REQUIRE(stat(path, &st) == 0);
    CHECK_EQ_INT(st.st_size, 80 * 6);
    /* Creating the key of a day that was destroyed makes a new one (the old data stays lost). */
    REQUIRE(store_keyring_open(path, master, &kr) == 0);
    REQUIRE(store_keyring_get(kr, DAY0 + 1, 1, &k) == 0);
    CHECK(memcmp(k, keys[1], 32) != 0);
    store_keyring_close(kr);
    store_key_free(master);
}

static void test_keyring_wrong_master(void)
{
    char path[512];
    struct store_key *master = new_master("ringA.key"), *other = new_master("ringB.key");
    struct store_keyring *kr = NULL;
    const unsigned char *k;
    REQUIRE(master && other);
    ring_path(path, sizeof path, "ring2");
    REQUIRE(store_keyring_open(path, master, &kr) == 0);
    REQUIRE(store_keyring_get(kr, DAY0, 1, &k) == 0);
    store_keyring_close(kr);
    kr = NULL;
    size_t n0 = 0, n1 = 0;
    unsigned char *before = slurp(path, &n0);
    CHECK_EQ_INT(store_keyring_open(path, other, &kr), STORE_ERR_DENIED);
    CHECK(kr == NULL);
    /* Refused without touching anything (no slot was taken for a torn one and wiped). */
    unsigned char *after = slurp(path, &n1);
    REQUIRE(before && after);
    CHECK(n0 == n1 && memcmp(before, after, n0) == 0);
    free(before);
    free(after);
    /* Even with the check value forged to pass, the slots do not open under another key:
     * copy the other key's header over (as an attacker who can write the file could). */
    char path2[512];
    ring_path(path2, sizeof path2, "ring2b");
    REQUIRE(store_keyring_open(path2, other, &kr) == 0);
    store_keyring_close(kr);
    kr = NULL;
    size_t na = 0, nb = 0;
    unsigned char *a = slurp(path, &na), *b = slurp(path2, &nb);
    REQUIRE(a && b && na == 160 && nb == 80);
    memcpy(a, b, 80);
    REQUIRE(write_file(path, a, na, 0600) == 0);
    free(a);
    free(b);
    REQUIRE(store_keyring_open(path, other, &kr) == 0);
    CHECK_EQ_INT(store_keyring_get(kr, DAY0, 0, &k), STORE_ERR_NOTFOUND);
    store_keyring_close(kr);
    /* Not a keyring at all. */
    char junk[80];
    memset(junk, 'x', sizeof junk);
    REQUIRE(write_file(path, junk, sizeof junk, 0600) == 0);
    CHECK_EQ_INT(store_keyring_open(path, master, &kr), STORE_ERR_DATA);
    store_key_free(master);
    store_key_free(other);
}

static void test_keyring_torn_slot(void)
{
    char path[512];
    struct store_key *master = new_master("ring3.key");
    struct store_keyring *kr = NULL;
    const unsigned char *k;
    unsigned char k0[32], k2[32];
    REQUIRE(master);
    ring_path(path, sizeof path, "ring3");
    REQUIRE(store_keyring_open(path, master, &kr) == 0);
    REQUIRE(store_keyring_get(kr, DAY0, 1, &k) == 0);
    memcpy(k0, k, 32);
    REQUIRE(store_keyring_get(kr, DAY0 + 1, 1, &k) == 0);
    REQUIRE(store_keyring_get(kr, DAY0 + 2, 1, &k) == 0);
    memcpy(k2, k, 32);
    store_keyring_close(kr);
    kr = NULL;
    /* Half of slot 1 overwritten (a destroy cut short), and half a slot appended. */
    size_t n = 0;
    unsigned char *buf = slurp(path, &n);
    REQUIRE(buf && n == 320);
    memset(buf + 160, 0, 40);
    unsigned char *grown = realloc(buf, n + 30);
    REQUIRE(grown);
    memset(grown + n, 0xa5, 30);
    REQUIRE(write_file(path, grown, n + 30, 0600) == 0);
    free(grown);
    REQUIRE(store_keyring_open(path, master, &kr) == 0);
    CHECK_EQ_INT(store_keyring_get(kr, DAY0 + 1, 0, &k), STORE_ERR_NOTFOUND);
    REQUIRE(store_keyring_get(kr, DAY0, 0, &k) == 0);
    CHECK(memcmp(k, k0, 32) == 0);
    REQUIRE(store_keyring_get(kr, DAY0 + 2, 0, &k) == 0);
    CHECK(memcmp(k, k2, 32) == 0);
    /* The torn slot was wiped on open, completing the erasure. */
    buf = slurp(path, &n);
    REQUIRE(buf);
    CHECK(sodium_is_zero(buf + 160, 80));
    free(buf);
    /* The partial tail is overwritten by the next append, at the slot boundary. */
    REQUIRE(store_keyring_get(kr, DAY0 + 3, 1, &k) == 0); /* reuses slot 1 */
    REQUIRE(store_keyring_get(kr, DAY0 + 4, 1, &k) == 0); /* appends slot 3 */
    struct stat st;
    REQUIRE(stat(path, &st) == 0);
    CHECK_EQ_INT(st.st_size, 400);
    store_keyring_close(kr);
    kr = NULL;
    REQUIRE(store_keyring_open(path, master, &kr) == 0);
    int64_t *ids = NULL;
    size_t count = 0;
    REQUIRE(store_keyring_list(kr, &ids, &count) == 0);
    CHECK_EQ_INT(count, 4);
    free(ids);
    store_keyring_close(kr);
    store_key_free(master);
}

/* A slot copied to another place (or another keyring) does not open there. */
static void test_keyring_slot_moved(void)
{
    char path[512], path2[512];
    struct store_key *master = new_master("ring5.key");
    struct store_keyring *kr = NULL;
    const unsigned char *k;
    unsigned char k0[32];
    REQUIRE(master);
    ring_path(path, sizeof path, "ring5");
    ring_path(path2, sizeof path2, "ring5b");
    REQUIRE(store_keyring_open(path2, master, &kr) == 0);
    for (int d = 7; d < 10; d++)
        REQUIRE(store_keyring_get(kr, DAY0 + d, 1, &k) == 0);
    store_keyring_close(kr);
    REQUIRE(store_keyring_open(path, master, &kr) == 0);
    REQUIRE(store_keyring_get(kr, DAY0, 1, &k) == 0);
    memcpy(k0, k, 32);
    REQUIRE(store_keyring_get(kr, DAY0 + 1, 1, &k) == 0);
    store_keyring_close(kr);
    kr = NULL;
    size_t n = 0, n2 = 0;
    unsigned char *buf = slurp(path, &n), *other = slurp(path2, &n2);
    REQUIRE(buf && n == 240 && other && n2 == 320);
    unsigned char *grown = realloc(buf, n + 160);
    REQUIRE(grown);
    memcpy(grown + 240, other + 240, 80); /* the other keyring's slot 2 as slot 2 */
    memcpy(grown + 320, grown + 80, 80);  /* slot 0 again as slot 3 */
    REQUIRE(write_file(path, grown, n + 160, 0600) == 0);
    free(grown);
    free(other);
    REQUIRE(store_keyring_open(path, master, &kr) == 0);
    int64_t *ids = NULL;
    REQUIRE(store_keyring_list(kr, &ids, &n) == 0);
    CHECK_EQ_INT(n, 2);
    free(ids);
    CHECK_EQ_INT(store_keyring_get(kr, DAY0 + 9, 0, &k), STORE_ERR_NOTFOUND);
    REQUIRE(store_keyring_get(kr, DAY0, 0, &k) == 0);
    CHECK(memcmp(k, k0, 32) == 0);
    store_keyring_close(kr);
    store_key_free(master);
}

static void test_keyring_file_checks(void)
{
    char path[512], dir[512];
    struct store_key *master = new_master("ring4.key");
    struct store_keyring *kr = NULL;
    REQUIRE(master);
    ring_path(path, sizeof path, "ring4");
    REQUIRE(write_file(path, "", 0, 0644) == 0);
    CHECK_EQ_INT(store_keyring_open(path, master, &kr), STORE_ERR_DENIED);
    unlink(path);
    char target[512];
    tpath(target, sizeof target, "ring4-target");
    REQUIRE(symlink(target, path) == 0);
    CHECK_EQ_INT(store_keyring_open(path, master, &kr), STORE_ERR_DENIED);
    CHECK(access(target, F_OK) != 0);
    unlink(path);
    tpath(dir, sizeof dir, "ring4");
    REQUIRE(chmod(dir, 0755) == 0);
    CHECK_EQ_INT(store_keyring_open(path, master, &kr), STORE_ERR_DENIED);
    CHECK(access(path, F_OK) != 0);
    REQUIRE(chmod(dir, 0700) == 0);
    REQUIRE(store_keyring_open(path, master, &kr) == 0);
    store_keyring_close(kr);
    store_keyring_close(NULL);
    store_key_free(master);
}

/* ---- field encryption ---- */

static void test_field_seal_open(void)
{
    unsigned char key[32], other[32], sealed[64 + STORE_KEYRING_OVERHEAD], out[64];
    static const char plate[] = "MARKER-7XKJ492";
    static const char ad[] = "plate\0read 42";
    size_t n = sizeof plate;
    randombytes_buf(key, sizeof key);
    randombytes_buf(other, sizeof other);
    REQUIRE(store_field_seal(key, ad, sizeof ad, plate, n, sealed) == 0);
    CHECK_EQ_INT(count_in(sealed, n + STORE_KEYRING_OVERHEAD, "MARKER", 6), 0);
    REQUIRE(store_field_open(key, ad, sizeof ad, sealed, n + STORE_KEYRING_OVERHEAD, out) == 0);
    CHECK(memcmp(out, plate, n) == 0);
    /* Two seals of one value differ (random nonce). */
    unsigned char again[64 + STORE_KEYRING_OVERHEAD];
    REQUIRE(store_field_seal(key, ad, sizeof ad, plate, n, again) == 0);
    CHECK(memcmp(again, sealed, n + STORE_KEYRING_OVERHEAD) != 0);
    /* Every single flipped bit is caught, and nothing of the plaintext is returned. */
    int caught = 0;
    for (size_t i = 0; i < n + STORE_KEYRING_OVERHEAD; i++) {
        sealed[i] ^= 0x01;
        memset(out, 0x55, sizeof out);
        if (store_field_open(key, ad, sizeof ad, sealed, n + STORE_KEYRING_OVERHEAD, out) ==
                STORE_ERR_TAMPER &&
            sodium_is_zero(out, n))
            caught++;
        sealed[i] ^= 0x01;
    }
    CHECK_EQ_INT(caught, (int)(n + STORE_KEYRING_OVERHEAD));
    /* Wrong key, wrong additional data (another row), truncated. */
    CHECK_EQ_INT(store_field_open(other, ad, sizeof ad, sealed, n + STORE_KEYRING_OVERHEAD, out),
                 STORE_ERR_TAMPER);
    CHECK_EQ_INT(
        store_field_open(key, "plate\0read 43", sizeof ad, sealed, n + STORE_KEYRING_OVERHEAD, out),
        STORE_ERR_TAMPER);
    CHECK_EQ_INT(store_field_open(key, ad, sizeof ad, sealed, n + STORE_KEYRING_OVERHEAD - 1, out),
                 STORE_ERR_TAMPER);
    CHECK_EQ_INT(store_field_open(key, ad, sizeof ad, sealed, STORE_KEYRING_OVERHEAD - 1, out),
                 STORE_ERR_INVALID);
    /* An empty value round-trips too. */
    REQUIRE(store_field_seal(key, NULL, 0, NULL, 0, sealed) == 0);
    CHECK_EQ_INT(store_field_open(key, NULL, 0, sealed, STORE_KEYRING_OVERHEAD, NULL), 0);
}

/* ---- store_crypt: the page-encrypting VFS ---- */

#define MARK   "ZQX7-PLATE-"   /* in every plate */
#define SECRET "pwhash-S3CRET" /* in the password hashes */
#define QUERY  "search-for-ZQX"
static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int sql(sqlite3 *db, const char *text)
{
    int rc = sqlite3_exec(db, text, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        printf("  sql: %s: %s\n", text, sqlite3_errmsg(db));
    return rc;
}

/* The first column of the first row of text as an integer; -1 on error. */
static long long sql_int(sqlite3 *db, const char *text)
{
    sqlite3_stmt *st = NULL;
    long long v = -1;
    if (sqlite3_prepare_v2(db, text, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* 1 when PRAGMA integrity_check answers "ok". */
static int integrity_ok(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    int ok = sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) == SQLITE_OK &&
             sqlite3_step(st) == SQLITE_ROW &&
             strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
    sqlite3_finalize(st);
    return ok;
}

/* A folder 0700 under the test folder and path = folder/alpr.db. */
static void db_path(char *path, size_t size, const char *folder)
{
    char dir[256];
    tpath(dir, sizeof dir, folder);
    mkdir(dir, 0700);
    snprintf(path, size, "%s/alpr.db", dir);
}

static int schema(sqlite3 *db)
{
    return sql(db, "PRAGMA wal_autocheckpoint = 0;"
                   "CREATE TABLE reads(id INTEGER PRIMARY KEY, plate TEXT, lat REAL, lon REAL, "
                   "crop BLOB);"
                   "CREATE INDEX reads_plate ON reads(plate);"
                   "CREATE TABLE members(name TEXT, pwhash TEXT);"
                   "CREATE TABLE searches(q TEXT);");
}

/* Inserts rows first..first+n-1 in transactions of 100: plate MARK%06d, a crop that starts
 * with the PNG signature, a member and a search every 50 rows. */
static int fill(sqlite3 *db, int first, int n)
{
    sqlite3_stmt *st = NULL;
    unsigned char crop[600];
    char plate[32], text[256];
    int rc = sqlite3_prepare_v2(db, "INSERT INTO reads VALUES (?, ?, 40.7608, -111.891, ?)", -1,
                                &st, NULL);
    memset(crop, 0x42, sizeof crop);
    memcpy(crop, png_sig, sizeof png_sig);
    for (int i = first; rc == SQLITE_OK && i < first + n; i++) {
        if ((i - first) % 100 == 0 && (rc = sql(db, "BEGIN")) != SQLITE_OK)
            break;
        snprintf(plate, sizeof plate, MARK "%06d", i);
        sqlite3_bind_int(st, 1, i);
        sqlite3_bind_text(st, 2, plate, -1, SQLITE_TRANSIENT);
        sqlite3_bind_blob(st, 3, crop, sizeof crop, SQLITE_TRANSIENT);
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
        sqlite3_reset(st);
        if (rc == SQLITE_OK && i % 50 == 0) {
            snprintf(text, sizeof text,
                     "INSERT INTO members VALUES ('m%d', '" SECRET "%d');"
                     "INSERT INTO searches VALUES ('" QUERY "%d')",
                     i, i, i);
            rc = sql(db, text);
        }
        if (rc == SQLITE_OK && ((i - first) % 100 == 99 || i == first + n - 1))
            rc = sql(db, "COMMIT");
    }
    sqlite3_finalize(st);
    return rc;
}

/* Markers found in the raw bytes of the file at path (0 when it is missing). */
static size_t leaks(const char *path)
{
    return file_count(path, MARK, strlen(MARK)) + file_count(path, png_sig, sizeof png_sig) +
           file_count(path, SECRET, strlen(SECRET)) + file_count(path, QUERY, strlen(QUERY)) +
           file_count(path, "SQLite format 3", 15) + file_count(path, "CREATE TABLE", 12);
}

static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* 1 when row i reads back with its plate and crop. */
static int row_ok(sqlite3 *db, int i)
{
    sqlite3_stmt *st = NULL;
    char want[32];
    int ok = 0;
    snprintf(want, sizeof want, MARK "%06d", i);
    if (sqlite3_prepare_v2(db, "SELECT plate, crop FROM reads WHERE id = ?", -1, &st, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_int(st, 1, i);
        if (sqlite3_step(st) == SQLITE_ROW) {
            const unsigned char *crop = sqlite3_column_blob(st, 1);
            ok = strcmp((const char *)sqlite3_column_text(st, 0), want) == 0 &&
                 sqlite3_column_bytes(st, 1) == 600 && memcmp(crop, png_sig, 8) == 0 &&
                 crop[599] == 0x42;
        }
    }
    sqlite3_finalize(st);
    return ok;
}

/* The master key and VFS the VFS tests share, and a second, different pair. */
static struct store_key *master_a, *master_b;
static struct store_crypt *crypt_a, *crypt_b;

static void test_crypt_setup(void)
{
    master_a = new_master("vfs-a.key");
    master_b = new_master("vfs-b.key");
    REQUIRE(master_a && master_b);
    REQUIRE(store_crypt_open(master_a, &crypt_a) == 0);
    REQUIRE(store_crypt_open(master_b, &crypt_b) == 0);
    CHECK(strcmp(store_crypt_vfs_name(crypt_a), store_crypt_vfs_name(crypt_b)) != 0);
    CHECK(sqlite3_vfs_find(store_crypt_vfs_name(crypt_a)) != NULL);
    CHECK(sqlite3_vfs_find(NULL) != sqlite3_vfs_find(store_crypt_vfs_name(crypt_a)));
}

/* The control: the same content through plain SQLite does leak, so the scans below can see. */
static void test_crypt_control_plain_leaks(void)
{
    char path[512], wal[600];
    sqlite3 *db = NULL;
    db_path(path, sizeof path, "plain");
    snprintf(wal, sizeof wal, "%s-wal", path);
    REQUIRE(sqlite3_open(path, &db) == SQLITE_OK);
    REQUIRE(sql(db, "PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = WAL") == SQLITE_OK);
    REQUIRE(schema(db) == SQLITE_OK && fill(db, 0, 1000) == SQLITE_OK);
    CHECK(file_count(wal, MARK, strlen(MARK)) > 0);
    CHECK(file_count(wal, png_sig, 8) > 0);
    CHECK(file_count(wal, SECRET, strlen(SECRET)) > 0);
    CHECK(sql(db, "PRAGMA wal_checkpoint(PASSIVE)") == SQLITE_OK);
    CHECK(file_count(path, MARK, strlen(MARK)) > 0);
    CHECK(file_count(path, "SQLite format 3", 15) == 1);
    sqlite3_close(db);
}

static void test_crypt_roundtrip(void)
{
    char path[512], wal[600], err[512];
    sqlite3 *db = NULL;
    struct stat st;
    REQUIRE(crypt_a);
    db_path(path, sizeof path, "vfs1");
    snprintf(wal, sizeof wal, "%s-wal", path);
    REQUIRE(store_crypt_open_db(crypt_a, path, &db, err, sizeof err) == 0);
    REQUIRE(schema(db) == SQLITE_OK);
    REQUIRE(fill(db, 0, 2000) == SQLITE_OK);
    /* The data is in the WAL now (no checkpoint yet): many frames, none of it readable. */
    CHECK(file_size(wal) > 32 + 100 * (24 + 4096));
    CHECK_EQ_INT(leaks(wal), 0);
    CHECK_EQ_INT(leaks(path), 0);
    REQUIRE(stat(path, &st) == 0);
    CHECK_EQ_INT(st.st_mode & 07777, 0600);
    REQUIRE(stat(wal, &st) == 0);
    CHECK_EQ_INT(st.st_mode & 07777, 0600);
    CHECK_EQ_INT(sql_int(db, "PRAGMA page_size"), 4096);
    CHECK(access(strcat(strcpy(err, path), "-shm"), F_OK) != 0);
    /* Checkpoint: the pages move into the database file, still sealed. */
    REQUIRE(sql(db, "PRAGMA wal_checkpoint(PASSIVE)") == SQLITE_OK);
    CHECK(file_size(path) > 200 * 4096);
    CHECK_EQ_INT(leaks(path), 0);
    /* More traffic: the WAL restarts from its beginning. */
    REQUIRE(fill(db, 2000, 1000) == SQLITE_OK);
    REQUIRE(sql(db, "DELETE FROM reads WHERE id % 7 = 0") == SQLITE_OK);
    CHECK_EQ_INT(leaks(wal), 0);
    CHECK_EQ_INT(leaks(path), 0);
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM reads"), 3000 - 429);
    sqlite3_close(db);
    /* The exclusive-mode close checkpoints and removes the WAL. */
    CHECK(access(wal, F_OK) != 0);
    CHECK_EQ_INT(leaks(path), 0);

    /* Reopened with the same key: everything reads back. */
    REQUIRE(store_crypt_open_db(crypt_a, path, &db, err, sizeof err) == 0);
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM reads"), 3000 - 429);
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM members"), 60);
    CHECK(row_ok(db, 1));
    CHECK(row_ok(db, 2999));
    CHECK(!row_ok(db, 7));
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM reads WHERE plate = '" MARK "001234'"), 1);
    CHECK(integrity_ok(db));
    /* VACUUM keeps the page format (it rebuilds in memory, then writes through the VFS). */
    REQUIRE(sql(db, "VACUUM") == SQLITE_OK);
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM reads"), 3000 - 429);
    sqlite3_close(db);
    CHECK_EQ_INT(leaks(path), 0);
    REQUIRE(store_crypt_open_db(crypt_a, path, &db, err, sizeof err) == 0);
    CHECK(row_ok(db, 2999));
    sqlite3_close(db);
}

static void test_crypt_wrong_key(void)
{
    char path[512], err[512];
    sqlite3 *db = NULL;
    REQUIRE(crypt_a && crypt_b);
    db_path(path, sizeof path, "vfs1");
    REQUIRE(access(path, F_OK) == 0);
    CHECK_EQ_INT(store_crypt_open_db(crypt_b, path, &db, err, sizeof err), STORE_ERR_DENIED);
    CHECK(strstr(err, "cannot decrypt") && strstr(err, path));
    CHECK(db == NULL);
    /* Plain SQLite sees no database at all. */
    REQUIRE(sqlite3_open(path, &db) == SQLITE_OK);
    CHECK_EQ_INT(sqlite3_exec(db, "SELECT count(*) FROM reads", NULL, NULL, NULL), SQLITE_NOTADB);
    sqlite3_close(db);
    db = NULL;
    /* A plain SQLite database is not taken for an encrypted one. */
    char plain[512];
    db_path(plain, sizeof plain, "plain");
    CHECK_EQ_INT(store_crypt_open_db(crypt_a, plain, &db, err, sizeof err), STORE_ERR_DENIED);
    CHECK(strstr(err, "mode 0644") != NULL); /* sqlite3_open made it with the umask's mode */
    REQUIRE(chmod(plain, 0600) == 0);
    CHECK_EQ_INT(store_crypt_open_db(crypt_a, plain, &db, err, sizeof err), STORE_ERR_DENIED);
    CHECK(strstr(err, "cannot decrypt") != NULL);
    /* The right key still opens it (the refusals changed nothing). */
    REQUIRE(store_crypt_open_db(crypt_a, path, &db, err, sizeof err) == 0);
    CHECK(row_ok(db, 1));
    sqlite3_close(db);
    /* A connection opened without the VFS is not prepared as if it had one. */
    REQUIRE(sqlite3_open(plain, &db) == SQLITE_OK);
    CHECK_EQ_INT(store_crypt_prepare(db), STORE_ERR_INVALID);
    sqlite3_close(db);
}

/* Copies the database at from (closed) to to, with byte off flipped (off < 0: no change). */
static int copy_flipped(const char *from, const char *to, long off, unsigned char mask)
{
    size_t n = 0;
    unsigned char *buf = slurp(from, &n);
    int rc;
    if (!buf)
        return -1;
    if (off >= 0 && (size_t)off < n)
        buf[off] ^= mask;
    rc = write_file(to, buf, n, 0600);
    free(buf);
    return rc;
}

/* Reads every plate; returns the SQLite result and whether any marker came back. */
static int read_all_plates(sqlite3 *db, int *saw_marker)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT plate, crop FROM reads", -1, &st, NULL);
    *saw_marker = 0;
    if (rc != SQLITE_OK)
        return sqlite3_extended_errcode(db);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (sqlite3_column_text(st, 0) && strstr((const char *)sqlite3_column_text(st, 0), MARK))
            *saw_marker = 1;
    rc = rc == SQLITE_DONE ? SQLITE_OK : sqlite3_extended_errcode(db);
    sqlite3_finalize(st);
    return rc;
}

static void test_crypt_tamper(void)
{
    char path[512], copy[512], err[512];
    sqlite3 *db = NULL;
    int saw = 0;
    REQUIRE(crypt_a);
    db_path(path, sizeof path, "vfs1");
    db_path(copy, sizeof copy, "vfs-tamper");
    /* The untouched copy reads completely. */
    REQUIRE(copy_flipped(path, copy, -1, 0) == 0);
    REQUIRE(store_crypt_open_db(crypt_a, copy, &db, err, sizeof err) == 0);
    CHECK_EQ_INT(read_all_plates(db, &saw), SQLITE_OK);
    CHECK(saw);
    sqlite3_close(db);
    db = NULL;
    long long pages = file_size(path) / 4096;
    REQUIRE(pages > 10);
    /* One bit flipped in the ciphertext, the tag or the nonce of a page in the middle (a leaf
     * of reads or of the index): the table scan or index use fails with SQLITE_IOERR_DATA.
     * Several pages are tried: some hold only free space, which no query reads. */
    static const long where[] = {100, 4060, 4090};
    for (size_t w = 0; w < sizeof where / sizeof where[0]; w++) {
        int failed = 0;
        for (long long pg = 2; pg < pages && !failed; pg += 3) {
            REQUIRE(copy_flipped(path, copy, (long)(pg * 4096 + where[w]), 0x01) == 0);
            REQUIRE(store_crypt_open_db(crypt_a, copy, &db, err, sizeof err) == 0);
            int rc = read_all_plates(db, &saw);
            long long n = sql_int(db, "SELECT count(*) FROM reads WHERE plate >= ''");
            failed = rc == SQLITE_IOERR_DATA || n == -1;
            CHECK(!saw || rc == SQLITE_OK); /* no plate from a page that failed */
            if (rc != SQLITE_OK && rc != SQLITE_IOERR_DATA)
                CHECK_EQ_INT(rc, SQLITE_IOERR_DATA); /* never corruption from bad plaintext */
            sqlite3_close(db);
            db = NULL;
        }
        CHECK(failed);
    }
    /* Page 1 altered: the database does not open at all. */
    REQUIRE(copy_flipped(path, copy, 50, 0x80) == 0);
    CHECK_EQ_INT(store_crypt_open_db(crypt_a, copy, &db, err, sizeof err), STORE_ERR_DENIED);
    /* Two pages swapped (each authentic in its own place): refused. integrity_check reads
     * every page and reports the pages it cannot get. */
    size_t n = 0;
    unsigned char *buf = slurp(path, &n), tmp[4096];
    REQUIRE(buf && n > 5 * 4096);
    memcpy(tmp, buf + 2 * 4096, 4096);
    memcpy(buf + 2 * 4096, buf + 3 * 4096, 4096);
    memcpy(buf + 3 * 4096, tmp, 4096);
    REQUIRE(write_file(copy, buf, n, 0600) == 0);
    REQUIRE(store_crypt_open_db(crypt_a, copy, &db, err, sizeof err) == 0);
    CHECK(!integrity_ok(db));
    sqlite3_close(db);
    db = NULL;
    /* Page 1 copied over page 2: also refused (the offset is authenticated). */
    memcpy(buf + 2 * 4096, buf, 4096);
    REQUIRE(write_file(copy, buf, n, 0600) == 0);
    REQUIRE(store_crypt_open_db(crypt_a, copy, &db, err, sizeof err) == 0);
    CHECK(!integrity_ok(db));
    sqlite3_close(db);
    free(buf);
}

/* A crash image (the files copied while the writer is still open) recovers through the VFS;
 * a wrong key changes nothing; a torn last frame loses only its transaction. */
static void test_crypt_wal_recovery(void)
{
    char path[512], wal[600], img[512], imgwal[600], err[512];
    sqlite3 *db = NULL, *db2 = NULL;
    REQUIRE(crypt_a && crypt_b);
    db_path(path, sizeof path, "vfs-crash");
    db_path(img, sizeof img, "vfs-crash-image");
    snprintf(wal, sizeof wal, "%s-wal", path);
    snprintf(imgwal, sizeof imgwal, "%s-wal", img);
    REQUIRE(store_crypt_open_db(crypt_a, path, &db, err, sizeof err) == 0);
    REQUIRE(schema(db) == SQLITE_OK && fill(db, 0, 500) == SQLITE_OK);
    /* TRUNCATE: the WAL then ends with the last frame written (no stale frames after it). */
    REQUIRE(sql(db, "PRAGMA wal_checkpoint(TRUNCATE)") == SQLITE_OK);
    REQUIRE(fill(db, 500, 500) == SQLITE_OK);
    REQUIRE(sql(db, "INSERT INTO searches VALUES ('LAST-ONE')") == SQLITE_OK);
    REQUIRE(copy_flipped(path, img, -1, 0) == 0 && copy_flipped(wal, imgwal, -1, 0) == 0);
    sqlite3_close(db);
    size_t n0 = 0, n1 = 0, ndb = 0;
    unsigned char *before = slurp(imgwal, &n0), *imgdb = slurp(img, &ndb);
    REQUIRE(before && n0 > 32 + 24 + 4096 && imgdb);
    CHECK_EQ_INT((n0 - 32) % (24 + 4096), 0);

    /* The wrong key: refused, and the WAL (the only copy of the last 500 rows) is untouched. */
    CHECK_EQ_INT(store_crypt_open_db(crypt_b, img, &db2, err, sizeof err), STORE_ERR_DENIED);
    unsigned char *after = slurp(imgwal, &n1);
    CHECK(after && n0 == n1 && memcmp(before, after, n0) == 0);
    free(after);

    /* The right key: recovery replays every committed frame. */
    REQUIRE(store_crypt_open_db(crypt_a, img, &db2, err, sizeof err) == 0);
    CHECK_EQ_INT(sql_int(db2, "SELECT count(*) FROM reads"), 1000);
    CHECK_EQ_INT(sql_int(db2, "SELECT count(*) FROM searches WHERE q = 'LAST-ONE'"), 1);
    CHECK(row_ok(db2, 999));
    sqlite3_close(db2);
    db2 = NULL;

    /* The last frame torn (its page image altered): that transaction is gone, the rest is
     * there, and the database is sound. */
    REQUIRE(write_file(img, imgdb, ndb, 0600) == 0);
    REQUIRE(write_file(imgwal, before, n0, 0600) == 0);
    REQUIRE(copy_flipped(imgwal, imgwal, (long)(n0 - 1000), 0xff) == 0);
    REQUIRE(store_crypt_open_db(crypt_a, img, &db2, err, sizeof err) == 0);
    CHECK_EQ_INT(sql_int(db2, "SELECT count(*) FROM searches WHERE q = 'LAST-ONE'"), 0);
    CHECK_EQ_INT(sql_int(db2, "SELECT count(*) FROM reads"), 1000);
    CHECK(integrity_ok(db2));
    sqlite3_close(db2);
    free(before);
    free(imgdb);
}

/* A transaction larger than the page cache: SQLite spills uncommitted frames into the WAL,
 * overwrites some of them in place and rewrites their checksums at commit (reading 8-byte
 * checksum fields and whole frames back). All of it must survive a crash image. */
static void test_crypt_cache_spill(void)
{
    char path[512], wal[600], img[512], imgwal[600], err[512];
    sqlite3 *db = NULL;
    int spills = 0, hi = 0;
    REQUIRE(crypt_a);
    db_path(path, sizeof path, "vfs-spill");
    db_path(img, sizeof img, "vfs-spill-image");
    snprintf(wal, sizeof wal, "%s-wal", path);
    snprintf(imgwal, sizeof imgwal, "%s-wal", img);
    REQUIRE(store_crypt_open_db(crypt_a, path, &db, err, sizeof err) == 0);
    REQUIRE(schema(db) == SQLITE_OK && fill(db, 0, 300) == SQLITE_OK);
    REQUIRE(sql(db, "PRAGMA cache_size = 8; BEGIN;"
                    "UPDATE reads SET lat = lat + 1;"
                    "UPDATE reads SET lon = lon - 1, crop = zeroblob(700);"
                    "UPDATE reads SET lat = lat + 1 WHERE id % 2 = 0;"
                    "COMMIT") == SQLITE_OK);
    sqlite3_db_status(db, SQLITE_DBSTATUS_CACHE_SPILL, &spills, &hi, 0);
    CHECK(spills > 10);
    CHECK_EQ_INT(leaks(wal), 0);
    REQUIRE(copy_flipped(path, img, -1, 0) == 0 && copy_flipped(wal, imgwal, -1, 0) == 0);
    sqlite3_close(db);
    db = NULL;
    REQUIRE(store_crypt_open_db(crypt_a, img, &db, err, sizeof err) == 0);
    CHECK_EQ_INT(sql_int(db, "SELECT count(*) FROM reads WHERE length(crop) = 700"), 300);
    CHECK_EQ_INT(sql_int(db, "SELECT sum(round(lat - 40.7608)) FROM reads"), 300 + 150);
    CHECK(integrity_ok(db));
    sqlite3_close(db);
}

/* Opens path through vfs directly with sqlite3_open_v2 (no pre-checks) and runs a query. */
static int raw_open_rc(const char *vfs, const char *path)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, "PRAGMA locking_mode = EXCLUSIVE; SELECT count(*) FROM sqlite_schema",
                          NULL, NULL, NULL);
    rc = db ? sqlite3_extended_errcode(db) : rc;
    sqlite3_close(db);
    return rc;
}

static void test_crypt_file_checks(void)
{
    char path[512], dir[256], err[512], other[512];
    sqlite3 *db = NULL;
    REQUIRE(crypt_a);
    const char *vfs = store_crypt_vfs_name(crypt_a);
    /* A pre-existing 0644 database file. */
    db_path(path, sizeof path, "perm1");
    REQUIRE(write_file(path, "", 0, 0644) == 0);
    CHECK_EQ_INT(store_crypt_open_db(crypt_a, path, &db, err, sizeof err), STORE_ERR_DENIED);
    CHECK(strstr(err, "mode 0644") != NULL);
    CHECK_EQ_INT(raw_open_rc(vfs, path), SQLITE_PERM);
    REQUIRE(chmod(path, 0600) == 0);
    CHECK_EQ_INT(raw_open_rc(vfs, path), SQLITE_OK);
    /* ... and a pre-existing 0640 WAL next to a good database. */
    char wal[600];
    snprintf(wal, sizeof wal, "%s-wal", path);
    REQUIRE(write_file(wal, "", 0, 0640) == 0);
    CHECK_EQ_INT(store_crypt_open_db(crypt_a, path, &db, err, sizeof err), STORE_ERR_DENIED);
    CHECK(strstr(err, "-wal") != NULL);
    unlink(wal);
    /* A symbolic link to a good database file. */
    db_path(other, sizeof other, "perm2");
    REQUIRE(store_crypt_open_db(crypt_a, other, &db, err, sizeof err) == 0);
    REQUIRE(schema(db) == SQLITE_OK);
    sqlite3_close(db);
    db = NULL;
    db_path(path, sizeof path, "perm3");
    REQUIRE(symlink(other, path) == 0);
    CHECK_EQ_INT(store_crypt_open_db(crypt_a, path, &db, err, sizeof err), STORE_ERR_DENIED);
    CHECK(strstr(err, "symbolic link") != NULL);
    CHECK_EQ_INT(raw_open_rc(vfs, path), SQLITE_CANTOPEN_SYMLINK);
    /* A folder that group or others can enter: refused, and nothing is created in it. */
    tpath(dir, sizeof dir, "perm4");
    REQUIRE(mkdir(dir, 0755) == 0);
    snprintf(path, sizeof path, "%s/alpr.db", dir);
    CHECK_EQ_INT(store_crypt_open_db(crypt_a, path, &db, err, sizeof err), STORE_ERR_DENIED);
    CHECK(strstr(err, "folder") && strstr(err, "0755"));
    CHECK_EQ_INT(raw_open_rc(vfs, path), SQLITE_PERM);
    CHECK(access(path, F_OK) != 0);
    REQUIRE(chmod(dir, 0700) == 0);
    REQUIRE(store_crypt_open_db(crypt_a, path, &db, err, sizeof err) == 0);
    sqlite3_close(db);
    db = NULL;
    struct stat st;
    REQUIRE(stat(path, &st) == 0);
    CHECK_EQ_INT(st.st_mode & 07777, 0600);
    /* Files and folders of another owner (only root can make them). */
    if (geteuid() == 0) {
        REQUIRE(chown(path, 1, 1) == 0);
        CHECK_EQ_INT(store_crypt_open_db(crypt_a, path, &db, err, sizeof err), STORE_ERR_DENIED);
        CHECK_EQ_INT(raw_open_rc(vfs, path), SQLITE_PERM);
        REQUIRE(chown(path, 0, 0) == 0);
        REQUIRE(chown(dir, 1, 1) == 0);
        CHECK_EQ_INT(raw_open_rc(vfs, path), SQLITE_PERM);
        REQUIRE(chown(dir, 0, 0) == 0);
        CHECK_EQ_INT(raw_open_rc(vfs, path), SQLITE_OK);
    }
}

/* Rollback journals and temporary files would hold plaintext: never opened. */
static void test_crypt_no_plaintext_files(void)
{
    char path[512], journal[600], err[512];
    sqlite3 *db = NULL;
    REQUIRE(crypt_a);
    db_path(path, sizeof path, "journal");
    snprintf(journal, sizeof journal, "%s-journal", path);
    REQUIRE(store_crypt_open_db(crypt_a, path, &db, err, sizeof err) == 0);
    REQUIRE(schema(db) == SQLITE_OK && fill(db, 0, 200) == SQLITE_OK);
    /* Leaving WAL mode needs a rollback journal: refused, and nothing was written in clear. */
    CHECK_EQ_INT(sqlite3_exec(db, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL),
                 SQLITE_CANTOPEN);
    CHECK(access(journal, F_OK) != 0);
    sqlite3_stmt *st = NULL;
    REQUIRE(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    CHECK_EQ_STR((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    CHECK_EQ_INT(fill(db, 200, 10), SQLITE_OK);
    CHECK_EQ_INT(leaks(path), 0);
    /* A temporary database on disk: refused (the store keeps temp_store in memory). */
    REQUIRE(sql(db, "PRAGMA temp_store = FILE; PRAGMA temp.cache_size = 5") == SQLITE_OK);
    int rc = sqlite3_exec(db,
                          "CREATE TEMP TABLE t(x); INSERT INTO t SELECT crop FROM reads;"
                          "INSERT INTO t SELECT x FROM t; INSERT INTO t SELECT x FROM t",
                          NULL, NULL, NULL);
    CHECK(rc != SQLITE_OK);
    REQUIRE(sql(db, "PRAGMA temp_store = MEMORY") == SQLITE_OK);
    CHECK_EQ_INT(sqlite3_exec(db, "CREATE TEMP TABLE u(x); INSERT INTO u SELECT crop FROM reads",
                              NULL, NULL, NULL),
                 SQLITE_OK);
    sqlite3_close(db);
    db = NULL;
    /* A hot journal found next to the database is not played back: the open fails. */
    static const unsigned char hot[512] = {0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7, 1};
    REQUIRE(write_file(journal, hot, sizeof hot, 0600) == 0);
    CHECK(store_crypt_open_db(crypt_a, path, &db, err, sizeof err) != 0);
    CHECK(access(journal, F_OK) == 0);
    unlink(journal);
    REQUIRE(store_crypt_open_db(crypt_a, path, &db, err, sizeof err) == 0);
    CHECK(row_ok(db, 199));
    sqlite3_close(db);
}

/* The VFS at the file level: holes read as zeros, partial reads, WAL frames, refused writes. */
static void test_crypt_vfs_io(void)
{
    char path[512], walp[600];
    REQUIRE(crypt_a);
    sqlite3_vfs *vfs = sqlite3_vfs_find(store_crypt_vfs_name(crypt_a));
    REQUIRE(vfs);
    db_path(path, sizeof path, "io");
    snprintf(walp, sizeof walp, "%s-wal", path);
    sqlite3_file *f = calloc(1, (size_t)vfs->szOsFile), *w = calloc(1, (size_t)vfs->szOsFile);
    REQUIRE(f && w);
    int out = 0;
    REQUIRE(vfs->xOpen(vfs, path, f,
                       SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                       &out) == SQLITE_OK);
    unsigned char page[4096], back[4096];
    for (int i = 0; i < 4096; i++)
        page[i] = (unsigned char)(i * 7);
    memcpy(page + 1000, MARK, strlen(MARK));
    /* Page 3 written; pages 1 and 2 are a hole. */
    REQUIRE(f->pMethods->xWrite(f, page, 4096, 2 * 4096) == SQLITE_OK);
    CHECK_EQ_INT(leaks(path), 0);
    memset(back, 0x55, sizeof back);
    CHECK_EQ_INT(f->pMethods->xRead(f, back, 4096, 4096), SQLITE_OK);
    CHECK(sodium_is_zero(back, 4096));
    CHECK_EQ_INT(f->pMethods->xRead(f, back, 100, 0), SQLITE_OK);
    CHECK(sodium_is_zero(back, 100));
    CHECK_EQ_INT(f->pMethods->xRead(f, back, 4096, 2 * 4096), SQLITE_OK);
    CHECK(memcmp(back, page, 4056) == 0);
    /* A partial read, and one across a hole and a page. */
    CHECK_EQ_INT(f->pMethods->xRead(f, back, 50, 2 * 4096 + 1000), SQLITE_OK);
    CHECK(memcmp(back, page + 1000, 50) == 0);
    CHECK_EQ_INT(f->pMethods->xRead(f, back, 200, 2 * 4096 - 100), SQLITE_OK);
    CHECK(sodium_is_zero(back, 100) && memcmp(back + 100, page, 100) == 0);
    /* Past the end: a short read of zeros. */
    memset(back, 0x55, sizeof back);
    CHECK_EQ_INT(f->pMethods->xRead(f, back, 4096, 3 * 4096), SQLITE_IOERR_SHORT_READ);
    CHECK(sodium_is_zero(back, 4096));
    /* A page of zeros but for its last byte is no hole: it does not authenticate. */
    int fd = open(path, O_WRONLY);
    REQUIRE(fd >= 0 && pwrite(fd, "\x01", 1, 2 * 4096 - 1) == 1);
    close(fd);
    CHECK_EQ_INT(f->pMethods->xRead(f, back, 4096, 4096), SQLITE_IOERR_DATA);
    REQUIRE(f->pMethods->xWrite(f, page, 4096, 4096) == SQLITE_OK);
    /* Partial and misaligned page writes, and a page 1 of another format, are refused. */
    CHECK_EQ_INT(f->pMethods->xWrite(f, page, 100, 4096), SQLITE_IOERR_WRITE);
    CHECK_EQ_INT(f->pMethods->xWrite(f, page, 4096, 4096 + 8), SQLITE_IOERR_WRITE);
    CHECK_EQ_INT(f->pMethods->xWrite(f, page, 4096, 0), SQLITE_IOERR_WRITE);
    page[16] = 0x10;
    page[17] = 0;
    page[20] = STORE_CRYPT_RESERVE;
    CHECK_EQ_INT(f->pMethods->xWrite(f, page, 4096, 0), SQLITE_OK);
    /* The same plaintext twice gives two different ciphertexts (fresh nonce). */
    REQUIRE(f->pMethods->xWrite(f, page, 4096, 4096) == SQLITE_OK);
    REQUIRE(f->pMethods->xWrite(f, page, 4096, 2 * 4096) == SQLITE_OK);
    size_t n = 0;
    unsigned char *raw = slurp(path, &n);
    REQUIRE(raw && n == 3 * 4096);
    CHECK(memcmp(raw + 4096, raw + 2 * 4096, 4096) != 0);
    free(raw);
    f->pMethods->xClose(f);

    /* The WAL: header and frame headers in clear, page images sealed. */
    REQUIRE(vfs->xOpen(vfs, walp, w, SQLITE_OPEN_WAL | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                       &out) == SQLITE_OK);
    unsigned char hdr[32], fh[24], frame[24 + 4096];
    memset(hdr, 0xa1, sizeof hdr);
    memset(fh, 0xb2, sizeof fh);
    REQUIRE(w->pMethods->xWrite(w, hdr, 32, 0) == SQLITE_OK);
    REQUIRE(w->pMethods->xWrite(w, fh, 24, 32) == SQLITE_OK);
    REQUIRE(w->pMethods->xWrite(w, page, 4096, 32 + 24) == SQLITE_OK);
    /* A whole second frame in one write (as when SQLite rewrites checksums). */
    memcpy(frame, fh, 24);
    memcpy(frame + 24, page, 4096);
    REQUIRE(w->pMethods->xWrite(w, frame, (int)sizeof frame, 32 + 4120) == SQLITE_OK);
    raw = slurp(walp, &n);
    REQUIRE(raw && n == 32 + 2 * 4120);
    /* Page number, size and salts in clear; the checksums (over plaintext) masked, differently
     * in each frame. */
    CHECK(memcmp(raw, hdr, 32) == 0 && memcmp(raw + 32, fh, 16) == 0 &&
          memcmp(raw + 32 + 4120, fh, 16) == 0);
    CHECK(memcmp(raw + 32 + 16, fh + 16, 8) != 0 && memcmp(raw + 32 + 4120 + 16, fh + 16, 8) != 0);
    CHECK(memcmp(raw + 32 + 16, raw + 32 + 4120 + 16, 8) != 0);
    /* Read back as written, whole or (as SQLite reads the previous checksums) in part. */
    unsigned char part[24];
    CHECK_EQ_INT(w->pMethods->xRead(w, part, 24, 32), SQLITE_OK);
    CHECK(memcmp(part, fh, 24) == 0);
    CHECK_EQ_INT(w->pMethods->xRead(w, part, 8, 32 + 4120 + 16), SQLITE_OK);
    CHECK(memcmp(part, fh + 16, 8) == 0);
    /* The same checksums in the next WAL generation (new salts, same place) get another mask. */
    unsigned char gen2[24], raw2[24];
    memcpy(gen2, fh, 24);
    gen2[8] ^= 1;
    REQUIRE(w->pMethods->xWrite(w, gen2, 24, 32) == SQLITE_OK);
    fd = open(walp, O_RDONLY);
    REQUIRE(fd >= 0 && pread(fd, raw2, 24, 32) == 24);
    close(fd);
    CHECK(memcmp(raw2 + 16, raw + 32 + 16, 8) != 0);
    REQUIRE(w->pMethods->xWrite(w, fh, 24, 32) == SQLITE_OK);
    /* A partial frame header write is refused like a partial page. */
    CHECK_EQ_INT(w->pMethods->xWrite(w, fh, 8, 32 + 16), SQLITE_IOERR_WRITE);
    CHECK_EQ_INT(count_in(raw, n, MARK, strlen(MARK)), 0);
    /* Recovery-style whole-frame read, and a page-only read. */
    CHECK_EQ_INT(w->pMethods->xRead(w, frame, (int)sizeof frame, 32 + 4120), SQLITE_OK);
    CHECK(memcmp(frame, fh, 24) == 0 && memcmp(frame + 24, page, 4056) == 0);
    CHECK_EQ_INT(w->pMethods->xRead(w, back, 100, 32 + 4120 - 50), SQLITE_OK);
    CHECK(memcmp(back, page + 4046, 10) == 0 && memcmp(back + 50, fh, 24) == 0 &&
          memcmp(back + 74, page, 26) == 0);
    CHECK_EQ_INT(w->pMethods->xRead(w, back, 4096, 32 + 24), SQLITE_OK);
    CHECK(memcmp(back, page, 4056) == 0);
    /* An image moved to the other frame does not authenticate: as zeros in a whole-frame read
     * (for the frame checksum to reject), as an error in a page read. */
    raw[32 + 4120 + 24 + 500] ^= 1;
    REQUIRE(write_file(walp, raw, n, 0600) == 0);
    memset(frame, 0x55, sizeof frame);
    CHECK_EQ_INT(w->pMethods->xRead(w, frame, (int)sizeof frame, 32 + 4120), SQLITE_OK);
    CHECK(memcmp(frame, fh, 24) == 0 && sodium_is_zero(frame + 24, 4096));
    CHECK_EQ_INT(w->pMethods->xRead(w, back, 4096, 32 + 4120 + 24), SQLITE_IOERR_DATA);
    CHECK(sodium_is_zero(back, 4096));
    CHECK_EQ_INT(w->pMethods->xRead(w, back, 10, 32 + 4120 + 24 + 100), SQLITE_IOERR_DATA);
    /* Frame 339's image sits at 56 + 339 * 4120 = 341 * 4096: the same offset as database
     * page 342. Moved there, it does not authenticate as a database page (the file kind is
     * authenticated, not only the offset). */
    const sqlite3_int64 at = 341 * 4096;
    REQUIRE(32 + 339 * 4120 + 24 == at);
    REQUIRE(w->pMethods->xWrite(w, fh, 24, at - 24) == SQLITE_OK);
    REQUIRE(w->pMethods->xWrite(w, page, 4096, at) == SQLITE_OK);
    CHECK_EQ_INT(w->pMethods->xRead(w, back, 4096, at), SQLITE_OK);
    CHECK(memcmp(back, page, 4056) == 0);
    w->pMethods->xClose(w);
    free(raw);
    raw = slurp(walp, &n);
    REQUIRE(raw && n == (size_t)at + 4096);
    size_t ndb = 0;
    unsigned char *db = slurp(path, &ndb);
    REQUIRE(db);
    unsigned char *big = calloc(1, (size_t)at + 4096);
    REQUIRE(big);
    memcpy(big, db, ndb);
    memcpy(big + at, raw + at, 4096);
    REQUIRE(write_file(path, big, (size_t)at + 4096, 0600) == 0);
    free(big);
    free(db);
    REQUIRE(vfs->xOpen(vfs, path, f, SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_READWRITE, &out) ==
            SQLITE_OK);
    CHECK_EQ_INT(f->pMethods->xRead(f, back, 4096, at), SQLITE_IOERR_DATA);
    f->pMethods->xClose(f);
    free(raw);
    free(f);
    free(w);
    /* Files the VFS refuses to open: journals and temporary files. */
    sqlite3_file *j = calloc(1, (size_t)vfs->szOsFile);
    REQUIRE(j);
    CHECK_EQ_INT(vfs->xOpen(vfs, walp, j,
                            SQLITE_OPEN_MAIN_JOURNAL | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                            &out),
                 SQLITE_CANTOPEN);
    CHECK(j->pMethods == NULL);
    CHECK_EQ_INT(vfs->xOpen(vfs, NULL, j,
                            SQLITE_OPEN_TEMP_DB | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                SQLITE_OPEN_DELETEONCLOSE,
                            &out),
                 SQLITE_CANTOPEN);
    free(j);
}

/* Figures for the report (printed, not asserted): the page cipher's rate and the cost of the
 * VFS when inserting rows. ALPR_CRYPT_BENCH_ROWS overrides the row count (100000),
 * ALPR_CRYPT_BENCH_REPS the number of alternating plain/encrypted runs whose best is kept (1). */
struct bench_run {
    double seconds;
    int page_writes, page_misses;
};

static int insert_rows(sqlite3 *db, int rows, struct bench_run *run)
{
    sqlite3_stmt *st = NULL;
    unsigned char crop[300];
    char plate[16];
    int hi = 0, rc = 0;
    double t0 = now_s();
    randombytes_buf(crop, sizeof crop);
    if (sql(db, "PRAGMA synchronous = NORMAL; CREATE TABLE r(id INTEGER PRIMARY KEY, t INTEGER, "
                "plate TEXT, lat REAL, lon REAL, conf REAL, crop BLOB);"
                "CREATE INDEX r_plate ON r(plate); CREATE INDEX r_t ON r(t)") != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT INTO r VALUES (NULL, ?, ?, 40.76, -111.89, 0.93, ?)", -1,
                           &st, NULL) != SQLITE_OK)
        return -1;
    for (int i = 0; i < rows && rc == 0; i++) {
        if (i % 1000 == 0 && sql(db, "BEGIN") != SQLITE_OK)
            rc = -1;
        snprintf(plate, sizeof plate, "%07X", (unsigned)(i * 2654435761u) & 0xfffffff);
        sqlite3_bind_int64(st, 1, 1767225600 + i);
        sqlite3_bind_text(st, 2, plate, -1, SQLITE_TRANSIENT);
        sqlite3_bind_blob(st, 3, crop, sizeof crop, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = -1;
        sqlite3_reset(st);
        if ((i % 1000 == 999 || i == rows - 1) && sql(db, "COMMIT") != SQLITE_OK)
            rc = -1;
    }
    sqlite3_finalize(st);
    if (rc != 0 || sql(db, "PRAGMA wal_checkpoint(TRUNCATE)") != SQLITE_OK)
        return -1;
    run->seconds = now_s() - t0;
    sqlite3_db_status(db, SQLITE_DBSTATUS_CACHE_WRITE, &run->page_writes, &hi, 0);
    sqlite3_db_status(db, SQLITE_DBSTATUS_CACHE_MISS, &run->page_misses, &hi, 0);
    return 0;
}

/* One run into a fresh file named name, through crypt (or plain SQLite when NULL). */
static int bench_once(const struct store_crypt *crypt, const char *name, int rows,
                      struct bench_run *run)
{
    char path[512], wal[600], err[512];
    sqlite3 *db = NULL;
    int rc;
    db_path(path, sizeof path, name);
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(path);
    unlink(wal);
    if (crypt)
        rc = store_crypt_open_db(crypt, path, &db, err, sizeof err);
    else
        rc = sqlite3_open(path, &db) != SQLITE_OK ||
             sql(db, "PRAGMA page_size = 4096; PRAGMA locking_mode = EXCLUSIVE;"
                     "PRAGMA journal_mode = WAL; PRAGMA temp_store = MEMORY") != SQLITE_OK;
    if (rc == 0)
        rc = insert_rows(db, rows, run);
    sqlite3_close(db);
    return rc;
}

static void test_crypt_measure(void)
{
    const char *env_rows = getenv("ALPR_CRYPT_BENCH_ROWS"),
               *env_reps = getenv("ALPR_CRYPT_BENCH_REPS");
    int rows = env_rows && atoi(env_rows) > 0 ? atoi(env_rows) : 100000;
    int reps = env_reps && atoi(env_reps) > 0 ? atoi(env_reps) : 1;
    unsigned char key[32], in[4056], out[4056], tag[16], nonce[24], ad[10] = {1};
    randombytes_buf(key, sizeof key);
    randombytes_buf(in, sizeof in);
    randombytes_buf(nonce, sizeof nonce);
    long pages = 0;
    double t0 = now_s(), t;
    while ((t = now_s() - t0) < 0.3)
        for (int i = 0; i < 256; i++, pages++)
            crypto_aead_xchacha20poly1305_ietf_encrypt_detached(out, tag, NULL, in, sizeof in, ad,
                                                                sizeof ad, NULL, nonce, key);
    printf("  page cipher: %.0f pages/s encrypted (%.0f MiB/s), XChaCha20-Poly1305, 4056 B\n",
           pages / t, pages / t * 4056 / 1048576);
    REQUIRE(crypt_a);
    struct bench_run best_plain = {1e9, 0, 0}, best_enc = {1e9, 0, 0}, run;
    for (int r = 0; r < reps; r++) {
        REQUIRE(bench_once(NULL, "bench-plain", rows, &run) == 0);
        if (run.seconds < best_plain.seconds)
            best_plain = run;
        REQUIRE(bench_once(crypt_a, "bench-crypt", rows, &run) == 0);
        if (run.seconds < best_enc.seconds)
            best_enc = run;
    }
    printf("  %d rows, 1000 per transaction, 2 indexes, 300-byte blob, then a checkpoint; best "
           "of %d:\n"
           "    plain SQLite %.3f s (%.0f rows/s), through the VFS %.3f s (%.0f rows/s): x%.2f\n"
           "    pages written to the WAL %d (plain %d), page cache misses %d (plain %d)\n",
           rows, reps, best_plain.seconds, rows / best_plain.seconds, best_enc.seconds,
           rows / best_enc.seconds, best_enc.seconds / best_plain.seconds, best_enc.page_writes,
           best_plain.page_writes, best_enc.page_misses, best_plain.page_misses);
}

static void test_crypt_teardown(void)
{
    store_crypt_close(crypt_a);
    store_crypt_close(crypt_b);
    CHECK(sqlite3_vfs_find(NULL) != NULL);
    store_key_free(master_a);
    store_key_free(master_b);
    store_crypt_close(NULL);
}

int main(void)
{
    RUN(test_key_generate_load);
    RUN(test_key_refusals);
    RUN(test_key_credential);
    RUN(test_privfile_folder);
    RUN(test_keyring_persist_destroy);
    RUN(test_keyring_wrong_master);
    RUN(test_keyring_torn_slot);
    RUN(test_keyring_slot_moved);
    RUN(test_keyring_file_checks);
    RUN(test_field_seal_open);
    RUN(test_crypt_setup);
    RUN(test_crypt_control_plain_leaks);
    RUN(test_crypt_roundtrip);
    RUN(test_crypt_wrong_key);
    RUN(test_crypt_tamper);
    RUN(test_crypt_wal_recovery);
    RUN(test_crypt_cache_spill);
    RUN(test_crypt_file_checks);
    RUN(test_crypt_no_plaintext_files);
    RUN(test_crypt_vfs_io);
    RUN(test_crypt_measure);
    RUN(test_crypt_teardown);
    return test_finish();
}
