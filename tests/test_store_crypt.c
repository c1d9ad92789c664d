/*
 * Tests of encryption at rest, written as attacks: the master key file (store_key.c), the
 * per-day keyring (store_keyring.c) and the page-encrypting SQLite VFS (store_crypt.c).
 */
#define _GNU_SOURCE
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
#include <sys/stat.h>
#include <sys/xattr.h>
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
    return test_finish();
}
