/* store_cli_export: an export's files written by the client (see store_cli_export.h). */
#include "store_cli_export.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MANIFEST "MANIFEST.sha256"
#define IMAGES   "images"

struct file {
    const char *name;
    unsigned char *data; /* NUL-terminated beyond len, so the manifest reads as text */
    size_t len;
};

struct bundle {
    struct file *files;
    size_t n;
};

static void bundle_free(struct bundle *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->files[i].data);
    free(b->files);
}

/* NAME or images/NAME, NAME of [A-Za-z0-9._-] not starting with a dot: never leaves the folder. */
static int name_ok(const char *name)
{
    static const char allowed[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                  "0123456789._-";
    const char *base = strncmp(name, IMAGES "/", sizeof IMAGES) == 0 ? name + sizeof IMAGES : name;
    size_t n = strlen(base);
    return n > 0 && n <= NAME_MAX && base[0] != '.' && strspn(base, allowed) == n;
}

static int decode_file(json_t *v, struct file *f, char *msg, size_t size)
{
    const char *text = json_string_value(json_object_get(v, "data"));
    size_t n = json_string_length(json_object_get(v, "data")), cap = n / 4 * 3 + 3;
    f->name = json_string_value(json_object_get(v, "name"));
    if (!f->name || !text || !name_ok(f->name)) {
        snprintf(msg, size, "the service sent a file without a valid name or data");
        return -1;
    }
    if (!(f->data = malloc(cap + 1))) {
        snprintf(msg, size, "out of memory");
        return -1;
    }
    if (sodium_base642bin(f->data, cap, text, n, NULL, &f->len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0) {
        snprintf(msg, size, "%s: not base64", f->name);
        return -1;
    }
    f->data[f->len] = '\0';
    return 0;
}

/* The manifest lists every other file with its SHA-256, and is the one the store recorded. */
static int check_manifest(const struct bundle *b, const char *want, char *msg, size_t size)
{
    const struct file *man = NULL;
    char hex[65], line[65 + 2 + NAME_MAX + sizeof IMAGES + 2];
    unsigned char h[crypto_hash_sha256_BYTES];
    size_t lines = 0;
    for (size_t i = 0; i < b->n; i++)
        if (strcmp(b->files[i].name, MANIFEST) == 0)
            man = &b->files[i];
    if (!man || !want) {
        snprintf(msg, size, "the answer has no manifest");
        return -1;
    }
    crypto_hash_sha256(h, man->data, man->len);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    if (strcmp(hex, want) != 0) {
        snprintf(msg, size, MANIFEST " does not match the SHA-256 on record");
        return -1;
    }
    for (size_t i = 0; i < man->len; i++)
        lines += man->data[i] == '\n';
    for (size_t i = 0; i < b->n; i++) {
        const struct file *f = &b->files[i];
        if (f == man)
            continue;
        crypto_hash_sha256(h, f->data, f->len);
        sodium_bin2hex(hex, sizeof hex, h, sizeof h);
        snprintf(line, sizeof line, "%s  %s\n", hex, f->name);
        if (!strstr((const char *)man->data, line)) {
            snprintf(msg, size, "%s does not match its line in " MANIFEST, f->name);
            return -1;
        }
    }
    if (lines != b->n - 1) {
        snprintf(msg, size, MANIFEST " lists %zu files, the answer has %zu", lines, b->n - 1);
        return -1;
    }
    return 0;
}

static int decode(json_t *answer, struct bundle *b, char *msg, size_t size)
{
    json_t *files = json_object_get(answer, "files"), *v;
    size_t i;
    if (!json_is_array(files) || json_array_size(files) == 0) {
        snprintf(msg, size, "the answer has no files");
        return -1;
    }
    if (!(b->files = calloc(json_array_size(files), sizeof *b->files))) {
        snprintf(msg, size, "out of memory");
        return -1;
    }
    json_array_foreach(files, i, v)
    {
        b->n++;
        if (decode_file(v, &b->files[i], msg, size) != 0)
            return -1;
    }
    return check_manifest(b, json_string_value(json_object_get(answer, "manifest_sha256")), msg,
                          size);
}

static int write_file(int dfd, const struct file *f, char *msg, size_t size)
{
    int fd = openat(dfd, f->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    size_t done = 0;
    if (fd < 0) {
        snprintf(msg, size, "%s: %s", f->name, strerror(errno));
        return -1;
    }
    while (done < f->len) {
        ssize_t n = write(fd, f->data + done, f->len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    if (done < f->len || fsync(fd) != 0) {
        snprintf(msg, size, "%s: %s", f->name, strerror(errno ? errno : EIO));
        close(fd);
        return -1;
    }
    if (close(fd) != 0) {
        snprintf(msg, size, "%s: %s", f->name, strerror(errno));
        return -1;
    }
    return 0;
}

/* Every file, then the folders themselves, on stable storage. */
static int write_all(int dfd, const struct bundle *b, char *msg, size_t size)
{
    int ifd;
    if (mkdirat(dfd, IMAGES, 0700) != 0) {
        snprintf(msg, size, IMAGES ": %s", strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < b->n; i++)
        if (write_file(dfd, &b->files[i], msg, size) != 0)
            return -1;
    ifd = openat(dfd, IMAGES, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (ifd < 0 || fsync(ifd) != 0 || fsync(dfd) != 0) {
        snprintf(msg, size, "cannot sync the folder: %s", strerror(errno));
        if (ifd >= 0)
            close(ifd);
        return -1;
    }
    close(ifd);
    return 0;
}

/* Removes what this program put in dir, and dir: no stray copy of plate data is left (R7). */
static void remove_bundle(const char *dir, int dfd, const struct bundle *b)
{
    for (size_t i = 0; dfd >= 0 && i < b->n; i++)
        if (b->files[i].name && name_ok(b->files[i].name))
            (void)unlinkat(dfd, b->files[i].name, 0);
    if (dfd >= 0)
        (void)unlinkat(dfd, IMAGES, AT_REMOVEDIR);
    (void)rmdir(dir);
}

/* The export is on record but its bundle is not where the record says: the custody log says so. */
static void record_not_written(struct store_client *c, const struct cli_global *g, const char *cmd,
                               json_t *answer, const char *why)
{
    json_int_t id = json_integer_value(json_object_get(answer, "export"));
    size_t n = strnlen(why, 200);
    /* A note holds STORE_TEXT_MAX bytes: cut on a character boundary. */
    while (n > 0 && why[n] && ((unsigned char)why[n] & 0xC0) == 0x80)
        n--;
    json_t *p = store_cli_params("{s:I,s:s,s:s#}", "export", id, "action", "not written", "note",
                                 why, (int)n);
    if (id <= 0 || store_cli_call(c, g, cmd, "custody", "custody.add", p, NULL) != 0)
        cli_error(cmd, "export %lld is on record although its files were not written",
                  (long long)id);
    json_decref(p);
}

int store_cli_export(struct store_client *c, const struct cli_global *g, const char *cmd,
                     const char *call, json_t *params, const char *dir, json_t **answer)
{
    struct bundle b = {0};
    char abs[PATH_MAX], msg[512];
    json_t *res = NULL;
    int dfd = -1, rc;
    if (mkdir(dir, 0700) != 0) {
        cli_error(cmd, "%s: %s", dir,
                  errno == EEXIST ? "exists; an export never overwrites" : strerror(errno));
        return CLI_EXIT_FAIL;
    }
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0 || !realpath(dir, abs)) {
        cli_error(cmd, "%s: %s", dir, strerror(errno));
        rc = CLI_EXIT_FAIL;
        goto fail;
    }
    if (json_object_set_new(params, "destination", json_string(abs)) != 0) {
        cli_error(cmd, "%s: the folder's name is not UTF-8 text", dir);
        rc = CLI_EXIT_USAGE;
        goto fail;
    }
    if ((rc = store_cli_call(c, g, cmd, dir, call, params, &res)) != 0)
        goto fail;
    if (decode(res, &b, msg, sizeof msg) != 0 || write_all(dfd, &b, msg, sizeof msg) != 0) {
        cli_error(cmd, "%s: %s", dir, msg);
        record_not_written(c, g, cmd, res, msg);
        rc = CLI_EXIT_FAIL;
        goto fail;
    }
    close(dfd);
    bundle_free(&b);
    json_object_del(res, "files");
    *answer = res;
    return CLI_EXIT_OK;
fail:
    remove_bundle(dir, dfd, &b);
    if (dfd >= 0)
        close(dfd);
    bundle_free(&b);
    json_decref(res);
    return rc;
}
