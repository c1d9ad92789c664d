/*
 * store_key: STAND-IN for branch `crypt` (replaced when it lands): a 32-byte master key loaded
 * from a 0600 file, and keys derived from it.
 */
#ifndef STORE_KEY_H
#define STORE_KEY_H

#include <stdint.h>

struct store_key;

/* Loads 32 bytes from path (must not be readable by group/others). 0 or STORE_ERR_*. */
int store_key_load(const char *path, struct store_key **out) __attribute__((warn_unused_result));
/* Derives the subkey (id, 8-byte context) of master. 0 or STORE_ERR_*. */
int store_key_derive(const struct store_key *master, uint64_t id, const char ctx[8],
                     struct store_key **out) __attribute__((warn_unused_result));
const unsigned char *store_key_bytes(const struct store_key *k);
void store_key_free(struct store_key *k);

#endif
