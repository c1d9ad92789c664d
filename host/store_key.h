/*
 * store_key: the store's master key and the keys derived from it (encryption at rest).
 *
 * What encryption at rest is for: a thief who takes the disk (or a copy of the state folder, a
 * backup) but not the master key reads no plate, crop, position, search text or password hash.
 * The master key therefore never sits in the state folder: it is a key file elsewhere (e.g.
 * /etc/alpr/store.key, 0400) or, better, a systemd credential (LoadCredentialEncrypted=, sealed
 * to the machine's TPM2 and/or /var/lib/systemd/credential.secret), read once at start-up.
 * It does not protect against anyone who can read the running service's memory (root, a
 * debugger, the service itself if compromised), nor against someone holding the master key:
 * with it, the database decrypts; only what the keyring (store_keyring.h) has already destroyed
 * stays unreadable.
 *
 * Keys are 32 bytes in libsodium's guarded memory (sodium_malloc: guard pages, locked so they
 * are not swapped, excluded from core dumps), made read-only once written. Subkeys come from
 * crypto_kdf_derive_from_key (BLAKE2b) with an 8-byte context and a number; the ones in use:
 *     1 "alprpage"  page encryption of the database and its WAL   (store_crypt.h)
 *     2 "alprring"  sealing of the per-day keys in the keyring     (store_keyring.h)
 *     3 "alprwalh"  masking of the WAL frame checksums              (store_crypt.h)
 *
 * Key file format: exactly 32 raw bytes, or 64 hex digits optionally followed by one newline
 * (`store_key_generate` writes the latter). Loading refuses a symbolic link, a file that is not
 * regular, a file that group or others may access in any way, and a file not owned by the
 * effective uid (so, as root, a root-owned one).
 *
 * Ownership: each struct store_key is owned by the caller and released with store_key_free,
 * which wipes it. Errors are STORE_ERR_* codes (store.h); functions with an err buffer write a
 * message naming the path and the reason there on failure (err may be NULL). Output parameters
 * are written only on success.
 */
#ifndef STORE_KEY_H
#define STORE_KEY_H

#include "store.h"

#include <stddef.h>
#include <stdint.h>

#define STORE_KEY_BYTES 32

struct store_key;

/*
 * Loads the key file at path. Returns 0 and *out, or STORE_ERR_NOTFOUND (no such file),
 * STORE_ERR_DENIED (symbolic link, not a regular file, group/other access, wrong owner),
 * STORE_ERR_INVALID (wrong size or not hex), STORE_ERR_NOMEM or STORE_ERR_IO.
 */
int store_key_load(const char *path, struct store_key **out, char *err, size_t err_size)
    __attribute__((warn_unused_result));

/*
 * Loads the systemd credential name ($CREDENTIALS_DIRECTORY/name, as set up by LoadCredential=
 * or LoadCredentialEncrypted=). The same checks as store_key_load except ownership (systemd
 * writes the file as root and grants it to the service; see store_privfile.h). Returns as
 * store_key_load, and STORE_ERR_NOTFOUND when the variable or the file is missing,
 * STORE_ERR_INVALID for a name that is empty or holds '/'.
 */
int store_key_load_credential(const char *name, struct store_key **out, char *err, size_t err_size)
    __attribute__((warn_unused_result));

/*
 * Creates a new random key file at path (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0400): 64 hex digits
 * and a newline, fsynced with its folder. Never overwrites: an existing path (even a dangling
 * symbolic link) is STORE_ERR_EXISTS. Returns 0, STORE_ERR_EXISTS or STORE_ERR_IO (a partial
 * file is removed).
 */
int store_key_generate(const char *path, char *err, size_t err_size)
    __attribute__((warn_unused_result));

/*
 * Derives subkey number id under the 8-byte context ctx (not NUL-terminated; a string literal
 * of 8 characters fits) from master into a new key. Returns 0 and *out, or STORE_ERR_NOMEM.
 */
int store_key_derive(const struct store_key *master, uint64_t id, const char ctx[8],
                     struct store_key **out) __attribute__((warn_unused_result));

/* The STORE_KEY_BYTES bytes of k (read-only; valid until store_key_free(k)). */
const unsigned char *store_key_bytes(const struct store_key *k);

/* Wipes and releases k. Accepts NULL. */
void store_key_free(struct store_key *k);

#endif
