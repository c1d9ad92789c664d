/* store_keyring: STAND-IN for branch `crypt` (see store_keyring.h). */
#include "store_keyring.h"
#include "store.h"

#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct kr_entry {
    int64_t id;
    unsigned char key[32];
};

struct store_keyring {
    char *path;
    struct kr_entry *e;
    size_t n;
};

static int kr_save(struct store_keyring *kr)
{
    char tmp[4096];
    int fd;
    snprintf(tmp, sizeof tmp, "%s.tmp", kr->path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return STORE_ERR_IO;
    if (kr->n && write(fd, kr->e, kr->n * sizeof *kr->e) != (ssize_t)(kr->n * sizeof *kr->e)) {
        close(fd);
        return STORE_ERR_IO;
    }
    if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, kr->path) != 0)
        return STORE_ERR_IO;
    return 0;
}

int store_keyring_open(const char *path, const struct store_key *master,
                       struct store_keyring **out)
{
    struct store_keyring *kr = calloc(1, sizeof *kr);
    FILE *fp;
    (void)master;
    if (!kr || !(kr->path = strdup(path))) {
        free(kr);
        return STORE_ERR_NOMEM;
    }
    fp = fopen(path, "rb");
    if (fp) {
        struct kr_entry e;
        while (fread(&e, sizeof e, 1, fp) == 1) {
            void *p = realloc(kr->e, (kr->n + 1) * sizeof *kr->e);
            if (!p)
                break;
            kr->e = p;
            kr->e[kr->n++] = e;
        }
        fclose(fp);
    }
    *out = kr;
    return 0;
}

int store_keyring_get(struct store_keyring *kr, int64_t partition, int create,
                      const unsigned char **key)
{
    void *p;
    for (size_t i = 0; i < kr->n; i++)
        if (kr->e[i].id == partition) {
            *key = kr->e[i].key;
            return 0;
        }
    if (!create)
        return STORE_ERR_NOTFOUND;
    p = realloc(kr->e, (kr->n + 1) * sizeof *kr->e);
    if (!p)
        return STORE_ERR_NOMEM;
    kr->e = p;
    kr->e[kr->n].id = partition;
    randombytes_buf(kr->e[kr->n].key, 32);
    kr->n++;
    if (kr_save(kr) != 0) {
        kr->n--;
        return STORE_ERR_IO;
    }
    *key = kr->e[kr->n - 1].key;
    return 0;
}

int store_keyring_destroy(struct store_keyring *kr, int64_t partition)
{
    for (size_t i = 0; i < kr->n; i++)
        if (kr->e[i].id == partition) {
            sodium_memzero(&kr->e[i], sizeof kr->e[i]);
            kr->e[i] = kr->e[kr->n - 1];
            kr->n--;
            return kr_save(kr);
        }
    return STORE_ERR_NOTFOUND;
}

int store_keyring_list(struct store_keyring *kr, int64_t **ids, size_t *n)
{
    int64_t *v = malloc((kr->n ? kr->n : 1) * sizeof *v);
    if (!v)
        return STORE_ERR_NOMEM;
    for (size_t i = 0; i < kr->n; i++)
        v[i] = kr->e[i].id;
    *ids = v;
    *n = kr->n;
    return 0;
}

void store_keyring_close(struct store_keyring *kr)
{
    if (!kr)
        return;
    if (kr->e)
        sodium_memzero(kr->e, kr->n * sizeof *kr->e);
    free(kr->e);
    free(kr->path);
    free(kr);
}

int store_field_seal(const unsigned char key[32], const void *ad, size_t ad_len, const void *in,
                     size_t len, unsigned char *out)
{
    randombytes_buf(out, 24);
    crypto_aead_xchacha20poly1305_ietf_encrypt(out + 24, NULL, in, len, ad, ad_len, NULL, out,
                                               key);
    return 0;
}

int store_field_open(const unsigned char key[32], const void *ad, size_t ad_len,
                     const unsigned char *in, size_t len, void *out)
{
    if (len < STORE_KEYRING_OVERHEAD)
        return STORE_ERR_DATA;
    return crypto_aead_xchacha20poly1305_ietf_decrypt(out, NULL, NULL, in + 24, len - 24, ad,
                                                      ad_len, in, key) == 0
               ? 0
               : STORE_ERR_DATA;
}
