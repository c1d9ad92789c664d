/* store_key: STAND-IN for branch `crypt` (see store_key.h). */
#include "store_key.h"
#include "store.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

struct store_key {
    unsigned char k[32];
};

int store_key_load(const char *path, struct store_key **out)
{
    struct stat st;
    struct store_key *k;
    FILE *fp;
    size_t n;
    if (sodium_init() < 0 || stat(path, &st) != 0 || (st.st_mode & 077))
        return STORE_ERR_IO;
    k = sodium_malloc(sizeof *k);
    fp = fopen(path, "rb");
    if (!k || !fp) {
        sodium_free(k);
        if (fp)
            fclose(fp);
        return STORE_ERR_IO;
    }
    n = fread(k->k, 1, sizeof k->k, fp);
    fclose(fp);
    if (n != sizeof k->k) {
        sodium_free(k);
        return STORE_ERR_IO;
    }
    *out = k;
    return 0;
}

int store_key_derive(const struct store_key *master, uint64_t id, const char ctx[8],
                     struct store_key **out)
{
    struct store_key *k = sodium_malloc(sizeof *k);
    if (!k)
        return STORE_ERR_NOMEM;
    crypto_kdf_derive_from_key(k->k, sizeof k->k, id, ctx, master->k);
    *out = k;
    return 0;
}

const unsigned char *store_key_bytes(const struct store_key *k)
{
    return k->k;
}

void store_key_free(struct store_key *k)
{
    sodium_free(k);
}
