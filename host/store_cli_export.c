/* store_cli_export: an export's files written by the client (see store_cli_export.h). */
#include "store_cli_export.h"
#include "store_export.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MANIFEST STORE_BUNDLE_MANIFEST
#define IMAGES   "images"

/* The files the manifest cannot list: itself, its signature, and the custody log that grows. */
static int unlisted(const char *name)
{
    return strcmp(name, MANIFEST) == 0 || strcmp(name, STORE_BUNDLE_SIGNATURE) == 0 ||
           strcmp(name, STORE_BUNDLE_CUSTODY) == 0;
}

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
        if (unlisted(f->name))
            continue;
        crypto_hash_sha256(h, f->data, f->len);
        sodium_bin2hex(hex, sizeof hex, h, sizeof h);
        snprintf(line, sizeof line, "%s  %s\n", hex, f->name);
        if (!strstr((const char *)man->data, line)) {
            snprintf(msg, size, "%s does not match its line in " MANIFEST, f->name);
            return -1;
        }
    }
    if (b->n < 3 || lines != b->n - 3) {
        snprintf(msg, size, MANIFEST " lists %zu files, the answer has %zu", lines,
                 b->n < 3 ? 0 : b->n - 3);
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

/* ---------------------------------------------------------------------------------------- */
/* Reading a bundle back                                                                      */

/* Reads the regular file name under dfd (never through a link), at most max bytes, NUL added. */
static int read_at(int dfd, const char *name, size_t max, char **out, size_t *len)
{
    struct stat st;
    char *buf;
    size_t done = 0;
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > max ||
        !(buf = malloc((size_t)st.st_size + 1))) {
        close(fd);
        errno = EINVAL;
        return -1;
    }
    while (done < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + done, (size_t)st.st_size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    close(fd);
    buf[done] = '\0';
    *out = buf;
    *len = done;
    return 0;
}

static void sha256_hex(const void *data, size_t len, char hex[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(hex, 65, h, sizeof h);
}

/* Ed25519 signature (base64 text) of domain || a || b under pk. 0 when it verifies. */
static int sig_check(const unsigned char *pk, const char *b64, size_t b64_len, const char *domain,
                     const char *a, const char *b)
{
    unsigned char sig[crypto_sign_BYTES];
    size_t n = 0, nd = strlen(domain), na = strlen(a), nb = strlen(b);
    unsigned char *m;
    int rc;
    if (sodium_base642bin(sig, sizeof sig, b64, b64_len, NULL, &n, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        n != sizeof sig || !(m = malloc(nd + na + nb + 1)))
        return -1;
    memcpy(m, domain, nd);
    memcpy(m + nd, a, na);
    memcpy(m + nd + na, b, nb);
    rc = crypto_sign_verify_detached(sig, m, nd + na + nb, pk);
    free(m);
    return rc;
}

/* UNIT.pub ("ed25519 HEX") into pk; against want (hex) when given. */
static int check_key(int dfd, const char *want, unsigned char pk[crypto_sign_PUBLICKEYBYTES],
                     struct store_bundle_check *out, char *msg, size_t size)
{
    char *text = NULL;
    size_t len, n = 0;
    int rc = -1;
    if (read_at(dfd, STORE_BUNDLE_PUBKEY, 256, &text, &len) != 0) {
        snprintf(msg, size, STORE_BUNDLE_PUBKEY ": missing or not a file");
        return -1;
    }
    if (len != 8 + 64 + 1 || strncmp(text, "ed25519 ", 8) != 0 ||
        sodium_hex2bin(pk, crypto_sign_PUBLICKEYBYTES, text + 8, 64, NULL, &n, NULL) != 0 ||
        n != crypto_sign_PUBLICKEYBYTES)
        snprintf(msg, size, STORE_BUNDLE_PUBKEY ": not \"ed25519 HEX\"");
    else if (want && strncasecmp(want, text + 8, 64) != 0)
        snprintf(msg, size,
                 STORE_BUNDLE_PUBKEY ": the bundle is signed by key %.64s, not the"
                                     " unit's key %.64s",
                 text + 8, want);
    else {
        memcpy(out->public_key, text + 8, 64);
        out->public_key[64] = '\0';
        rc = 0;
    }
    free(text);
    return rc;
}

/* MANIFEST.sha256 and its signature; the manifest's text into *man, its hash into hex. */
static int check_signature(int dfd, const unsigned char *pk, char **man, char hex[65], char *msg,
                           size_t size)
{
    char *sig = NULL;
    size_t len, slen;
    if (read_at(dfd, MANIFEST, STORE_EXPORT_MAX_BYTES, man, &len) != 0) {
        snprintf(msg, size, MANIFEST ": missing or not a file");
        return -1;
    }
    sha256_hex(*man, len, hex);
    if (read_at(dfd, STORE_BUNDLE_SIGNATURE, 1024, &sig, &slen) != 0) {
        snprintf(msg, size, STORE_BUNDLE_SIGNATURE ": missing or not a file");
        return -1;
    }
    if (slen > 0 && sig[slen - 1] == '\n')
        slen--;
    if (sig_check(pk, sig, slen, STORE_BUNDLE_SIG_DOMAIN, hex, "\n") != 0) {
        snprintf(msg, size,
                 STORE_BUNDLE_SIGNATURE ": the signature does not match " MANIFEST
                                        " (the manifest was changed or re-made)");
        free(sig);
        return -1;
    }
    free(sig);
    return 0;
}

/* How many lines of the manifest text name name (as "HEX  name\n"). */
static int listed(const char *man, const char *name)
{
    size_t n = strlen(name);
    int count = 0;
    for (const char *p = man; (p = strstr(p, name)) != NULL; p++)
        if (p - man >= 66 && p[-1] == ' ' && p[-2] == ' ' && p[n] == '\n' &&
            (p - man == 66 || p[-67] == '\n'))
            count++;
    return count;
}

/* Every line of the manifest names a file there with that hash; no name twice. */
static int check_listed_files(int dfd, char *man, struct store_bundle_check *out, char *msg,
                              size_t size)
{
    static const char *const required[] = {"reads.csv", STORE_BUNDLE_INFO, STORE_BUNDLE_AUDIT_HEAD,
                                           STORE_BUNDLE_PUBKEY};
    char *save = NULL, *copy = strdup(man);
    int rc = -1;
    if (!copy) {
        snprintf(msg, size, "out of memory");
        return -1;
    }
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char hex[65], *data = NULL;
        const char *name = line + 66;
        size_t len;
        if (strlen(line) < 67 || line[64] != ' ' || line[65] != ' ' || !name_ok(name) ||
            unlisted(name)) {
            snprintf(msg, size, MANIFEST ": malformed line '%.80s'", line);
            goto out;
        }
        if (listed(man, name) != 1) {
            snprintf(msg, size, MANIFEST ": %s listed twice", name);
            goto out;
        }
        if (read_at(dfd, name, STORE_EXPORT_MAX_BYTES, &data, &len) != 0) {
            snprintf(msg, size, "%s: listed in " MANIFEST " but missing", name);
            goto out;
        }
        sha256_hex(data, len, hex);
        free(data);
        if (strncmp(hex, line, 64) != 0) {
            snprintf(msg, size, "%s: changed (its SHA-256 differs from " MANIFEST ")", name);
            goto out;
        }
        out->files++;
    }
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!listed(man, required[i])) {
            snprintf(msg, size, "%s: not in " MANIFEST, required[i]);
            goto out;
        }
    rc = 0;
out:
    free(copy);
    return rc;
}

/* No file in the folder (or images/) that the manifest does not list. */
static int check_no_extra(int dfd, const char *sub, const char *man, char *msg, size_t size)
{
    int fd = sub ? openat(dfd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : dup(dfd);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *e;
    int rc = 0;
    if (!d) {
        if (fd >= 0)
            close(fd);
        if (sub && errno == ENOENT)
            return 0;
        snprintf(msg, size, "%s: %s", sub ? sub : ".", strerror(errno));
        return -1;
    }
    rewinddir(d);
    while (rc == 0 && (e = readdir(d)) != NULL) {
        char name[NAME_MAX + sizeof IMAGES + 2];
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(name, sizeof name, "%s%s%s", sub ? sub : "", sub ? "/" : "", e->d_name);
        if (!sub && strcmp(e->d_name, IMAGES) == 0)
            rc = check_no_extra(dfd, IMAGES, man, msg, size);
        else if (!(!sub && unlisted(e->d_name)) && !listed(man, name)) {
            snprintf(msg, size, "%s: not in " MANIFEST " (an extra file)", name);
            rc = -1;
        }
    }
    closedir(d);
    return rc;
}

/* custody.txt: every line signed and chained from the manifest (store_export.h). */
static int check_custody(int dfd, const unsigned char *pk, const char *man_hex,
                         struct store_bundle_check *out, char *msg, size_t size)
{
    char *text = NULL, prev[66], *line, *next;
    size_t len;
    int rc = -1;
    if (read_at(dfd, STORE_BUNDLE_CUSTODY, STORE_EXPORT_MAX_BYTES, &text, &len) != 0) {
        snprintf(msg, size, STORE_BUNDLE_CUSTODY ": missing or not a file");
        return -1;
    }
    snprintf(prev, sizeof prev, "%s", man_hex);
    for (line = text; *line; line = next) {
        char *nl = strchr(line, '\n'), *tab, want[24];
        if (!nl) {
            snprintf(msg, size, STORE_BUNDLE_CUSTODY ": line %lld is not ended by a newline",
                     (long long)out->custody + 1);
            goto out;
        }
        *nl = '\0';
        next = nl + 1;
        tab = strrchr(line, '\t');
        snprintf(want, sizeof want, "%lld\t", (long long)out->custody + 1);
        if (!tab || strncmp(line, want, strlen(want)) != 0) {
            snprintf(msg, size,
                     STORE_BUNDLE_CUSTODY ": line %lld: not entry %lld (dropped,"
                                          " reordered or inserted)",
                     (long long)out->custody + 1, (long long)out->custody + 1);
            goto out;
        }
        *tab = '\0';
        strcat(prev, "\n");
        if (sig_check(pk, tab + 1, strlen(tab + 1), STORE_CUSTODY_SIG_DOMAIN, prev, line) != 0) {
            snprintf(msg, size,
                     STORE_BUNDLE_CUSTODY ": line %lld: the signature does not match"
                                          " (edited, or out of its chain)",
                     (long long)out->custody + 1);
            goto out;
        }
        *tab = '\t';
        sha256_hex(line, strlen(line), prev);
        out->custody++;
    }
    if (out->custody == 0) {
        snprintf(msg, size, STORE_BUNDLE_CUSTODY ": no entry");
        goto out;
    }
    rc = 0;
out:
    free(text);
    return rc;
}

int store_cli_export_verify(const char *dir, const char *pubkey_hex, struct store_bundle_check *out,
                            char *msg, size_t size)
{
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    char *man = NULL, hex[65];
    int rc = CLI_EXIT_DATA, dfd;
    memset(out, 0, sizeof *out);
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0) {
        snprintf(msg, size, "%s: %s", dir, strerror(errno));
        return CLI_EXIT_FAIL;
    }
    if (check_key(dfd, pubkey_hex, pk, out, msg, size) == 0 &&
        check_signature(dfd, pk, &man, hex, msg, size) == 0 &&
        check_listed_files(dfd, man, out, msg, size) == 0 &&
        check_no_extra(dfd, NULL, man, msg, size) == 0 &&
        check_custody(dfd, pk, hex, out, msg, size) == 0)
        rc = CLI_EXIT_OK;
    out->key_confirmed = pubkey_hex != NULL;
    free(man);
    close(dfd);
    return rc;
}

int store_cli_custody_sync(const char *dir, json_t *lines, size_t *appended, char *msg, size_t size)
{
    char *have = NULL, *p;
    size_t len, i;
    json_t *v;
    int rc = -1, dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), fd = -1;
    *appended = 0;
    if (dfd < 0 || read_at(dfd, STORE_BUNDLE_CUSTODY, STORE_EXPORT_MAX_BYTES, &have, &len) != 0) {
        snprintf(msg, size, "%s/" STORE_BUNDLE_CUSTODY ": %s", dir, strerror(errno));
        goto out;
    }
    p = have;
    json_array_foreach(lines, i, v)
    {
        const char *line = json_string_value(v);
        size_t n = line ? strlen(line) : 0;
        if (!line || strchr(line, '\n')) {
            snprintf(msg, size, "the service sent a custody line that is not one line");
            goto out;
        }
        if (*p) {
            /* What the folder has must be the store's log so far, line for line. */
            if (strncmp(p, line, n) != 0 || p[n] != '\n') {
                snprintf(msg, size,
                         "%s/" STORE_BUNDLE_CUSTODY ": line %zu differs from the"
                         " store's record",
                         dir, i + 1);
                goto out;
            }
            p += n + 1;
            continue;
        }
        if (fd < 0 && (fd = openat(dfd, STORE_BUNDLE_CUSTODY,
                                   O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC)) < 0) {
            snprintf(msg, size, "%s/" STORE_BUNDLE_CUSTODY ": %s", dir, strerror(errno));
            goto out;
        }
        if (write(fd, line, n) != (ssize_t)n || write(fd, "\n", 1) != 1) {
            snprintf(msg, size, "%s/" STORE_BUNDLE_CUSTODY ": %s", dir, strerror(errno));
            goto out;
        }
        (*appended)++;
    }
    if (*p) {
        snprintf(msg, size, "%s/" STORE_BUNDLE_CUSTODY ": has lines the store does not", dir);
        goto out;
    }
    rc = fd >= 0 && fsync(fd) != 0 ? -1 : 0;
    if (rc != 0)
        snprintf(msg, size, "%s/" STORE_BUNDLE_CUSTODY ": %s", dir, strerror(errno));
out:
    if (fd >= 0)
        close(fd);
    if (dfd >= 0)
        close(dfd);
    free(have);
    return rc;
}
