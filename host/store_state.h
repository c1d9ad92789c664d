/*
 * store_state: the store service's state folder and master key, and the store opened in them.
 *
 * The folder holds the database (alpr.db, its WAL) and the day-key ring (keyring). It must be a
 * real folder (not a symbolic link) owned by this process's account with no group or other
 * permission; a missing one is created 0700. Anything looser is refused rather than repaired:
 * it means somebody else may already hold a descriptor.
 *
 * The master key never lives in the folder: it is the systemd credential "store.key"
 * ($CREDENTIALS_DIRECTORY, e.g. LoadCredentialEncrypted= sealed to the TPM2 or host key), or a
 * key file on separate media given by path. It is held in locked memory only (store_key.h).
 */
#ifndef STORE_STATE_H
#define STORE_STATE_H

#include "store.h"

#include <stddef.h>

#define STORE_STATE_DEFAULT_DIR "/var/lib/alpr-store"
#define STORE_STATE_CREDENTIAL  "store.key"

/*
 * Opens the store in folder dir with the master key from key_file (NULL: the credential).
 * Returns 0 and *out (close with store_close), or a STORE_ERR_* with err naming the file and
 * the reason: STORE_ERR_DENIED (permissions, owner, key inside the folder, wrong key),
 * STORE_ERR_NOTFOUND (no key), STORE_ERR_INVALID, STORE_ERR_IO, STORE_ERR_VERSION.
 */
int store_state_open(const char *dir, const char *key_file, struct store **out, char *err,
                     size_t err_size) __attribute__((warn_unused_result));

/* Writes a new random master key to path (mode 0400, never overwriting). 0 or STORE_ERR_*. */
int store_state_generate_key(const char *path, char *err, size_t err_size)
    __attribute__((warn_unused_result));

#endif
