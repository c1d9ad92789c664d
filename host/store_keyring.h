/*
 * store_keyring: one key per partition (a UTC day of capture) for crypto-erasure, and the field
 * encryption helpers that use those keys.
 *
 * Why: the store encrypts the fields of a day's reads (plate, crop, position, ...) under that
 * day's key, on top of the page encryption of the whole database (store_crypt.h). Purging the day
 * destroys its key, so every copy of that day's data that escaped the purge (a backup, an old
 * WAL frame, a page the file system moved) becomes unreadable, even to someone who has the
 * master key. Until its key is destroyed, a day is readable by whoever has the master key AND
 * this file: the keyring lives in a file of its own (e.g. STATE/keyring next to STATE/alpr.db)
 * so that a backup of the database alone does not carry it. Do not back it up with the database.
 *
 * File (a private file, see store_privfile.h: 0600, owner, folder 0700; created with
 * O_CREAT|O_EXCL|O_NOFOLLOW; flock()ed by the one process that opens it):
 *   header, 80 bytes: "ALPRRING", version (u32 LE, 1), slot size (u32 LE, 80), a random 16-byte
 *     file id, then a check value: nonce (24) and tag (16) of an empty message sealed under the
 *     ring key with the first 32 header bytes as additional data, then 8 zero bytes. A wrong
 *     master key fails this check and the keyring is refused before any slot is looked at.
 *   slots, 80 bytes each, slot i at offset 80 * (i + 1): either 80 zero bytes (free), or
 *     nonce (24) || XChaCha20-Poly1305-IETF(partition id as i64 LE || 32-byte key) (40 + 16),
 *     under the ring key store_key_derive(master, 2, "alprring"), additional data = file id ||
 *     slot index (u64 LE), so a slot cannot be moved to another place or another keyring.
 * Creating a key writes one free slot in place (or appends one) and fdatasyncs before the key is
 * returned; destroying one overwrites its slot in place with zeros and fdatasyncs (same inode:
 * on a file system that overwrites in place, ext4 or xfs without reflinked copies, the old bytes
 * are gone; on copy-on-write file systems (btrfs, ZFS) and flash translation layers, old blocks
 * may survive until reused, and only the other layers' encryption covers them). A torn write
 * loses at most the one slot being written: when opening, a slot that does not authenticate
 * (after the header did) is wiped, which also completes an interrupted destroy.
 *
 * Keys are held in libsodium guarded memory. Up to STORE_KEYRING_MAX_SLOTS slots.
 * A struct store_keyring is used by one thread at a time. Errors are STORE_ERR_* (store.h);
 * output parameters are written only on success.
 */
#ifndef STORE_KEYRING_H
#define STORE_KEYRING_H

#include "store_key.h"

#include <stddef.h>
#include <stdint.h>

#define STORE_KEYRING_KEY_BYTES 32
#define STORE_KEYRING_MAX_SLOTS 65536
#define STORE_KEYRING_OVERHEAD  (24 + 16)

struct store_keyring;

/*
 * Opens the keyring file at path, creating it (0600) when missing. master is only used during
 * the call. Returns 0 and *out, or STORE_ERR_DENIED (wrong master key, or the file or its folder
 * fails the private-file checks), STORE_ERR_BUSY (another process has it open), STORE_ERR_DATA
 * (not a keyring file, or too large), STORE_ERR_NOMEM, STORE_ERR_IO.
 */
int store_keyring_open(const char *path, const struct store_key *master, struct store_keyring **out)
    __attribute__((warn_unused_result));

/*
 * The key of partition: *key points to STORE_KEYRING_KEY_BYTES bytes valid until the next call
 * that changes the keyring (get with create, destroy) or close. When missing and create is set,
 * makes a random key and persists it (written and fdatasynced) before returning. Returns 0, or
 * STORE_ERR_NOTFOUND (missing and create == 0: a purged day), STORE_ERR_FULL (no slot left),
 * STORE_ERR_NOMEM, STORE_ERR_IO (nothing was added).
 */
int store_keyring_get(struct store_keyring *kr, int64_t partition, int create,
                      const unsigned char **key) __attribute__((warn_unused_result));

/*
 * Destroys partition's key: overwrites its slot with zeros and fdatasyncs, then forgets it.
 * Returns 0, STORE_ERR_NOTFOUND, or STORE_ERR_IO (the key may be half-erased on disk; it stays
 * usable in memory, and the next open wipes the slot).
 */
int store_keyring_destroy(struct store_keyring *kr, int64_t partition)
    __attribute__((warn_unused_result));

/*
 * The partitions that have a key, ascending, in *ids (malloc'ed, the caller frees; NULL when
 * *n is 0). Returns 0 or STORE_ERR_NOMEM.
 */
int store_keyring_list(struct store_keyring *kr, int64_t **ids, size_t *n)
    __attribute__((warn_unused_result));

/* Wipes the keys, closes the file (releasing the lock) and frees kr. Accepts NULL. */
void store_keyring_close(struct store_keyring *kr);

/*
 * Field encryption under a partition key (XChaCha20-Poly1305-IETF, random nonce). ad (ad_len
 * bytes, may be NULL when 0) is authenticated, not stored: bind the value to its place, e.g.
 * column name and row id, so that a sealed value cannot be moved to another row or column.
 * seal writes len + STORE_KEYRING_OVERHEAD bytes to out: nonce (24) || ciphertext || tag (16).
 * open reads len bytes (at least STORE_KEYRING_OVERHEAD) and writes len - OVERHEAD bytes to out.
 * out must not overlap in. Return 0, STORE_ERR_INVALID (bad arguments, too short, too long), or,
 * for open, STORE_ERR_TAMPER: the value does not authenticate (altered, wrong key or wrong ad);
 * then nothing of the plaintext is written (out is zeroed).
 */
int store_field_seal(const unsigned char key[32], const void *ad, size_t ad_len, const void *in,
                     size_t len, unsigned char *out) __attribute__((warn_unused_result));
int store_field_open(const unsigned char key[32], const void *ad, size_t ad_len,
                     const unsigned char *in, size_t len, void *out)
    __attribute__((warn_unused_result));

#endif
