#include "store_key.h"

#include "store_privfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Longest key file accepted: 64 hex digits and a newline. */
#define KEY_FILE_MAX (2 * STORE_KEY_BYTES + 1)

struct store_key {
    unsigned char bytes[STORE_KEY_BYTES];
};

/* A new key in guarded memory, to be filled then sealed read-only by key_seal. */
static struct store_key *key_alloc(void)
{
    if (sodium_init() < 0)
        return NULL;
    return sodium_malloc(sizeof(struct store_key));
}

static void key_seal(struct store_key *k)
{
    /* Cannot fail on memory sodium_malloc returned; a failure would only leave it writable. */
    (void)sodium_mprotect_readonly(k);
}

/* Reads exactly n bytes (n is the size fstat reported) into buf. */
static int read_all(int fd, unsigned char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

/* Parses the n bytes of a key file (raw or hex) into k. */
static int key_parse(const unsigned char *buf, size_t n, struct store_key *k)
{
    size_t len = 0;
    const char *end = NULL;
    if (n == STORE_KEY_BYTES) {
        memcpy(k->bytes, buf, STORE_KEY_BYTES);
        return 0;
    }
    if (n == KEY_FILE_MAX && buf[n - 1] != '\n')
        return STORE_ERR_INVALID;
    if (n != 2 * STORE_KEY_BYTES && n != KEY_FILE_MAX)
        return STORE_ERR_INVALID;
    if (sodium_hex2bin(k->bytes, STORE_KEY_BYTES, (const char *)buf, 2 * STORE_KEY_BYTES, NULL,
                       &len, &end) != 0 ||
        len != STORE_KEY_BYTES || end != (const char *)buf + 2 * STORE_KEY_BYTES)
        return STORE_ERR_INVALID;
    return 0;
}

/* Reads and parses the key file behind the open, checked descriptor fd. */
static int key_read_fd(int fd, const char *path, struct store_key **out, char *err, size_t err_size)
{
    unsigned char buf[KEY_FILE_MAX];
    struct store_key *k;
    struct stat st;
    int rc;
    if (fstat(fd, &st) != 0) {
        store_privfile_error(err, err_size, "%s: %s", path, strerror(errno));
        return STORE_ERR_IO;
    }
    if (st.st_size != STORE_KEY_BYTES && st.st_size != 2 * STORE_KEY_BYTES &&
        st.st_size != KEY_FILE_MAX) {
        store_privfile_error(err, err_size,
                             "%s: %lld bytes: a key file holds 32 raw bytes or 64 hex digits", path,
                             (long long)st.st_size);
        return STORE_ERR_INVALID;
    }
    if (read_all(fd, buf, (size_t)st.st_size) != 0) {
        store_privfile_error(err, err_size, "%s: read failed", path);
        sodium_memzero(buf, sizeof buf);
        return STORE_ERR_IO;
    }
    k = key_alloc();
    if (!k) {
        sodium_memzero(buf, sizeof buf);
        store_privfile_error(err, err_size, "%s: out of memory", path);
        return STORE_ERR_NOMEM;
    }
    rc = key_parse(buf, (size_t)st.st_size, k);
    sodium_memzero(buf, sizeof buf);
    if (rc != 0) {
        store_key_free(k);
        store_privfile_error(err, err_size, "%s: not 64 hex digits (and one newline)", path);
        return rc;
    }
    key_seal(k);
    *out = k;
    return 0;
}

static int key_load(const char *path, unsigned flags, struct store_key **out, char *err,
                    size_t err_size)
{
    /* O_NONBLOCK: a FIFO planted in place of the key must not hang start-up before fstat. */
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    int rc;
    if (fd < 0)
        return store_privfile_open_error(path, err, err_size);
    rc = store_privfile_check_fd(fd, path, flags, err, err_size);
    if (rc == 0)
        rc = key_read_fd(fd, path, out, err, err_size);
    close(fd);
    return rc;
}

int store_key_load(const char *path, struct store_key **out, char *err, size_t err_size)
{
    if (!path || !out) {
        store_privfile_error(err, err_size, "store_key_load: no path");
        return STORE_ERR_INVALID;
    }
    return key_load(path, 0, out, err, err_size);
}

int store_key_load_credential(const char *name, struct store_key **out, char *err, size_t err_size)
{
    const char *dir = getenv("CREDENTIALS_DIRECTORY");
    char path[PATH_MAX];
    if (!name || !*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..") || !out) {
        store_privfile_error(err, err_size, "credential name '%s' is invalid",
                             name ? name : "(null)");
        return STORE_ERR_INVALID;
    }
    if (!dir || !*dir) {
        store_privfile_error(err, err_size,
                             "credential %s: $CREDENTIALS_DIRECTORY is not set (no "
                             "LoadCredential= for this service?)",
                             name);
        return STORE_ERR_NOTFOUND;
    }
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) {
        store_privfile_error(err, err_size, "credential %s: path too long", name);
        return STORE_ERR_INVALID;
    }
    return key_load(path, STORE_PRIVFILE_CREDENTIAL, out, err, err_size);
}

static int write_all(int fd, const char *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, buf + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        done += (size_t)w;
    }
    return 0;
}

int store_key_generate(const char *path, char *err, size_t err_size)
{
    unsigned char key[STORE_KEY_BYTES];
    char hex[2 * STORE_KEY_BYTES + 2];
    int fd, ok;
    if (!path || sodium_init() < 0) {
        store_privfile_error(err, err_size, "store_key_generate: %s",
                             path ? "libsodium failed to start" : "no path");
        return path ? STORE_ERR_IO : STORE_ERR_INVALID;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0400);
    if (fd < 0) {
        int e = errno;
        store_privfile_error(err, err_size, "%s: %s%s", path, strerror(e),
                             e == EEXIST ? " (a key file is never overwritten)" : "");
        return e == EEXIST ? STORE_ERR_EXISTS : STORE_ERR_IO;
    }
    randombytes_buf(key, sizeof key);
    sodium_bin2hex(hex, sizeof hex, key, sizeof key);
    sodium_memzero(key, sizeof key);
    hex[2 * STORE_KEY_BYTES] = '\n';
    ok = write_all(fd, hex, 2 * STORE_KEY_BYTES + 1) == 0 && fsync(fd) == 0;
    sodium_memzero(hex, sizeof hex);
    if (close(fd) != 0)
        ok = 0;
    if (ok && store_privfile_sync_parent(path) != 0)
        ok = 0;
    if (!ok) {
        store_privfile_error(err, err_size, "%s: writing the new key failed: %s", path,
                             strerror(errno));
        unlink(path);
        return STORE_ERR_IO;
    }
    return 0;
}

int store_key_derive(const struct store_key *master, uint64_t id, const char ctx[8],
                     struct store_key **out)
{
    struct store_key *k;
    if (!master || !ctx || !out)
        return STORE_ERR_INVALID;
    k = key_alloc();
    if (!k)
        return STORE_ERR_NOMEM;
    if (crypto_kdf_derive_from_key(k->bytes, sizeof k->bytes, id, ctx, master->bytes) != 0) {
        store_key_free(k);
        return STORE_ERR_INVALID;
    }
    key_seal(k);
    *out = k;
    return 0;
}

const unsigned char *store_key_bytes(const struct store_key *k)
{
    return k->bytes;
}

void store_key_free(struct store_key *k)
{
    /* sodium_free makes the pages writable again, wipes them and unlocks them. */
    if (k)
        sodium_free(k);
}
