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

/* The open store and what it needs for as long as it is open: the day-key ring and the
 * page-encrypting file layer, both under the master key (which is not kept once they hold their
 * derived keys). */
struct store_state;

/*
 * Opens the store in folder dir with the master key from key_file (NULL: the credential).
 * Returns 0 and *out, or a STORE_ERR_* with err naming the file and the reason:
 * STORE_ERR_DENIED (permissions, owner, key inside the folder, wrong key), STORE_ERR_NOTFOUND
 * (no key), STORE_ERR_INVALID, STORE_ERR_IO, STORE_ERR_VERSION, STORE_ERR_STATE (a file of an
 * older version holding reads in the clear).
 */
int store_state_open(const char *dir, const char *key_file, struct store_state **out, char *err,
                     size_t err_size) __attribute__((warn_unused_result));

/* The store (owned by st). */
struct store *store_state_store(struct store_state *st);

/* Closes the store, then the key ring and the file layer, wiping their keys. Accepts NULL. */
void store_state_close(struct store_state *st);

#endif
