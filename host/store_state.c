/* store_state: the service's state folder, master key and encrypted store (store_state.h). */
#include "store_state.h"
#include "store_crypt.h"
#include "store_key.h"
#include "store_keyring.h"
#include "store_part.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct store_state {
    struct store *s;
    struct store_keyring *keyring;
    struct store_crypt *crypt;
};

/* The folder as the service needs it, created 0700 when missing. */
static int check_folder(const char *dir, char *err, size_t err_size)
{
    struct stat st;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, err_size, "%s: cannot create: %s", dir, strerror(errno));
        return STORE_ERR_IO;
    }
    if (lstat(dir, &st) != 0) {
        snprintf(err, err_size, "%s: %s", dir, strerror(errno));
        return STORE_ERR_IO;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, err_size, "%s: not a folder (a symbolic link is refused)", dir);
        return STORE_ERR_DENIED;
    }
    if (st.st_uid != geteuid()) {
        snprintf(err, err_size, "%s: owned by uid %u, not by this service's account (uid %u)", dir,
                 (unsigned)st.st_uid, (unsigned)geteuid());
        return STORE_ERR_DENIED;
    }
    if (st.st_mode & 077) {
        snprintf(err, err_size, "%s: mode %03o gives group or others access; it must be 0700", dir,
                 (unsigned)(st.st_mode & 0777));
        return STORE_ERR_DENIED;
    }
    return 0;
}

/* A key file inside the state folder would travel with the data it protects. */
static int key_outside(const char *dir, const char *key_file, char *err, size_t err_size)
{
    char d[PATH_MAX], k[PATH_MAX];
    size_t n;
    if (!realpath(dir, d) || !realpath(key_file, k))
        return 0; /* store_key_load reports a missing key file */
    n = strlen(d);
    if (strncmp(d, k, n) == 0 && (k[n] == '/' || k[n] == '\0')) {
        snprintf(err, err_size, "%s: the master key must not be kept in the state folder %s",
                 key_file, dir);
        return STORE_ERR_DENIED;
    }
    return 0;
}

static int load_key(const char *dir, const char *key_file, struct store_key **key, char *err,
                    size_t err_size)
{
    int rc;
    if (!key_file)
        return store_key_load_credential(STORE_STATE_CREDENTIAL, key, err, err_size);
    if ((rc = key_outside(dir, key_file, err, err_size)) != 0)
        return rc;
    return store_key_load(key_file, key, err, err_size);
}

int store_state_open(const char *dir, const char *key_file, struct store_state **out, char *err,
                     size_t err_size)
{
    char db[PATH_MAX], ring[PATH_MAX];
    struct store_key *key = NULL;
    struct store_state *st;
    int rc;
    if ((rc = check_folder(dir, err, err_size)) != 0)
        return rc;
    if (snprintf(db, sizeof db, "%s/alpr.db", dir) >= (int)sizeof db ||
        snprintf(ring, sizeof ring, "%s/keyring", dir) >= (int)sizeof ring) {
        snprintf(err, err_size, "%s: path too long", dir);
        return STORE_ERR_INVALID;
    }
    if ((rc = load_key(dir, key_file, &key, err, err_size)) != 0)
        return rc;
    if (!(st = calloc(1, sizeof *st))) {
        store_key_free(key);
        return STORE_ERR_NOMEM;
    }
    sqlite3 *conn = NULL;
    if ((rc = store_keyring_open(ring, key, &st->keyring)) != 0) {
        snprintf(err, err_size, "%s: %s", ring, store_strerror(rc));
        goto fail;
    }
    if ((rc = store_crypt_open(key, &st->crypt)) != 0) {
        snprintf(err, err_size, "%s: %s", db, store_strerror(rc));
        goto fail;
    }
    if ((rc = store_crypt_open_db(st->crypt, db, &conn, err, err_size)) != 0)
        goto fail;
    if ((rc = store_open_db(conn, &st->s)) != 0 ||
        (rc = store_set_keyring(st->s, st->keyring)) != 0 ||
        (rc = store_set_master_key(st->s, key)) != 0) {
        snprintf(err, err_size, "%s: %s", db, store_strerror(rc));
        goto fail;
    }
    store_key_free(key);
    store_set_system_name(st->s, "alprd");
    *out = st;
    return 0;
fail:
    store_key_free(key);
    store_state_close(st);
    return rc;
}

struct store *store_state_store(struct store_state *st)
{
    return st->s;
}

void store_state_close(struct store_state *st)
{
    if (!st)
        return;
    /* The connection first: the file layer must outlive it. */
    store_close(st->s);
    store_crypt_close(st->crypt);
    store_keyring_close(st->keyring);
    free(st);
}
