/*
 * store_keyring: STAND-IN for branch `crypt` (replaced when it lands): partition keys kept in
 * a file outside the database, sealed under a key derived from the master key.
 */
#ifndef STORE_KEYRING_H
#define STORE_KEYRING_H

#include "store_key.h"

#include <stddef.h>
#include <stdint.h>

struct store_keyring;
int store_keyring_open(const char *path, const struct store_key *master,
                       struct store_keyring **out) __attribute__((warn_unused_result));
/* 32 bytes, valid until destroy/close; create=0 & missing -> STORE_ERR_NOTFOUND. */
int store_keyring_get(struct store_keyring *kr, int64_t partition, int create,
                      const unsigned char **key) __attribute__((warn_unused_result));
int store_keyring_destroy(struct store_keyring *kr, int64_t partition)
    __attribute__((warn_unused_result));
int store_keyring_list(struct store_keyring *kr, int64_t **ids, size_t *n)
    __attribute__((warn_unused_result));
void store_keyring_close(struct store_keyring *kr);

#define STORE_KEYRING_OVERHEAD (24 + 16)
/* out = nonce || ciphertext || tag (len + STORE_KEYRING_OVERHEAD bytes). */
int store_field_seal(const unsigned char key[32], const void *ad, size_t ad_len, const void *in,
                     size_t len, unsigned char *out) __attribute__((warn_unused_result));
/* out receives len - STORE_KEYRING_OVERHEAD bytes; STORE_ERR_* when forged or wrong key. */
int store_field_open(const unsigned char key[32], const void *ad, size_t ad_len,
                     const unsigned char *in, size_t len, void *out)
    __attribute__((warn_unused_result));

#endif
