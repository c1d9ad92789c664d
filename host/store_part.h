/*
 * store_part: the reads partitioned by day of capture (internal to the store_*.c modules).
 *
 * Each UTC day D (capture time / 86400) that has reads owns two tables, reads_dD (with its
 * skeleton, reversed-skeleton and time indexes) and images_dD (the crops). reads_rest and
 * images_rest hold the reads outside any day table: those of files older than schema 4, and
 * held reads of days already purged. The views `reads` (every column plus has_img) and
 * `read_images` are the UNION ALL of all of them, so queries see one table; the views of a
 * day's group are rebuilt whenever a day table is created or dropped (see "Views" below).
 * Searches go through the group views reads_gN (the day tables of N * STORE_PART_GROUP_DAYS..,
 * same columns) and reads_grest, one query each: a statement over a few dozen tables runs
 * several times faster than one over hundreds (SQLite keeps every cursor of a statement in one
 * list). The purge drops a whole day (DROP TABLE under secure_delete zeroes every page it
 * frees, so no stale cell copy survives) instead of deleting rows, and rebuilds reads_rest by
 * copy when it deleted rows there.
 *
 * Day keys (schema 5): the data of day D is sealed under D's own key in the keyring (a file
 * outside the database, store_keyring.h), with store_field_seal and the column name + read id
 * as associated data, so a ciphertext cannot be moved to another row or column. Three values
 * per read: the plate (alone: searches decrypt it to check their candidates), `meta` (one
 * record of candidates, unit, camera, agency and GPS: a read's data is written and shown
 * together, so one nonce and one AEAD call instead of five) and the crop. Time, confidence and
 * flags stay clear. The skeleton indexes hold prefix-preserving tokens instead of skeletons:
 * bytes 2i, 2i+1 of a token are a SipHash (keyed by a subkey of the day key) of the skeleton's
 * first i + 1 characters, so equal prefixes give equal token prefixes within a day and exact,
 * prefix and suffix searches keep their index ranges; candidates are then decrypted and
 * matched exactly (a token collision costs time, never a wrong result). reads_rest holds its
 * rows under the held-reads key (a negative partition id, setting held_key), which is replaced
 * whenever rows leave reads_rest. Purging a day drops its tables and then destroys its key
 * (store_part_sweep_keys): a copy of the day's rows that escaped (a backup, an old WAL frame)
 * can no longer be read, even with the master key. This layout replaced, within schema 5, one
 * sealed value per column (no file holding sealed reads existed yet).
 *
 * The views decrypt: store_set_keyring registers the SQL functions store_unseal(part, column,
 * id, value), store_unseal_blob(...), store_meta(part, id, value, field), store_tok(part, text,
 * reversed), store_tok_end(...), store_live(part) and store_skel_distance(plate, plate) (so
 * that a fuzzy search drops a candidate before its record is opened) on the connection, and
 * every arm of the views reads `reads_dD` through them with D as a literal, exposes `D AS
 * part`, and is empty when D's key is missing (a purged day read from an old copy: its rows
 * are skipped). The sealed record is a column too, `meta`: searches open it once per row in C
 * (store_part_open_meta) rather than through one store_meta call per column. A search
 * condition such as `r.skel_tok = store_tok(r.part, :skel, 0)` is pushed into each arm as a
 * constant of that arm, so one cached statement per group computes each day's token once per
 * run and probes each day's index. The functions keep, in guarded memory owned by the
 * connection, each day's token subkeys and the last plate and record they opened (a view asks
 * for the plate in its WHERE clause and again in its columns), each with a copy of the key it
 * came from: a hit needs the same key in the keyring, so a destroyed key opens nothing from
 * the cache either. The keyring is asked once per call site and statement run (SQLite
 * auxiliary data marks the check; no key is destroyed while a statement runs). Without a
 * keyring every use of the views fails; the public entry points return STORE_ERR_STATE first.
 * Decrypted values never reach the database.
 *
 * Views: `reads` and `read_images` are the UNION ALL of the group views reads_gN / images_gN
 * and reads_grest / images_grest, so a new or dropped day rebuilds only its group's views
 * (and the top ones when a group appears or disappears), not views over every day.
 *
 * All functions run inside the caller's transaction and return 0 or a STORE_ERR_*.
 */
#ifndef STORE_PART_H
#define STORE_PART_H

#include "store.h"
#include "store_reads.h"

struct store_keyring;

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#define STORE_PART_DAY_SECONDS 86400
/* Day tables per search group view reads_gN (N = day / STORE_PART_GROUP_DAYS). */
#define STORE_PART_GROUP_DAYS 32
/* Most day tables at once (SQLite's limit on UNION ALL arms is 500; retention is <= 273). */
#define STORE_PART_MAX_DAYS 480

/* The day partition of a capture time (t > 0). */
int64_t store_part_day(int64_t t);

/*
 * Makes sure the tables of day exist (creating them and rebuilding the views if not) and that
 * the handle's cached insert statements write into them. STORE_ERR_FULL when
 * STORE_PART_MAX_DAYS day tables exist already (run the purge).
 */
int store_part_use_day(struct store *s, int64_t day) __attribute__((warn_unused_result));

/* Forgets the cached day (after a rollback that may have undone its creation). */
void store_part_forget(struct store *s);

/*
 * Lists the days that have tables, ascending, into *days (malloc'd, caller frees; NULL when
 * none) and *n.
 */
int store_part_days(struct store *s, int64_t **days, size_t *n) __attribute__((warn_unused_result));

/* Drops the tables of day and rebuilds the views. */
int store_part_drop_day(struct store *s, int64_t day) __attribute__((warn_unused_result));

/* Rebuilds reads_rest and images_rest by copy (fresh pages: no stale cells of deleted rows). */
int store_part_rebuild_rest(struct store *s) __attribute__((warn_unused_result));

/*
 * The search group views into *names and *n: reads_grest first, then the others newest first.
 * The array belongs to the handle and stays valid until the next call.
 */
int store_part_groups(struct store *s, char *const **names, size_t *n)
    __attribute__((warn_unused_result));

/* Frees an array of n malloc'd names (NULL accepted). */
void store_part_names_free(char **names, size_t n);

/* Recreates the views `reads` and `read_images` over the current tables. */
int store_part_rebuild_views(struct store *s) __attribute__((warn_unused_result));

/*
 * The crop of read id captured at ts: 0 and *png (malloc'd, caller frees) / *len, or
 * STORE_ERR_NOTFOUND.
 */
int store_part_image(struct store *s, int64_t id, int64_t ts, uint8_t **png, size_t *len)
    __attribute__((warn_unused_result));

/* ---------------------------------------------------------------------------------------- */
/* Day keys                                                                                   */

/* The first key of reads_rest (held reads of purged days); each replacement is one lower. */
#define STORE_PART_HELD_FIRST (-1)
/* Token bytes per skeleton character (a collision every 65,536 prefixes costs a decryption). */
#define STORE_PART_TOKEN_BYTES 2
#define STORE_PART_TOKEN_MAX   (STORE_PART_TOKEN_BYTES * 15)

/*
 * Gives the store the keyring of its day keys (kr is not owned: it must outlive the store or
 * be replaced first; NULL detaches it) and registers the views' SQL functions on the
 * connection. Until a keyring is set, ingest, searches, views, exports and the purge fail with
 * STORE_ERR_STATE: there is no plaintext path. Returns 0, STORE_ERR_NOMEM, STORE_ERR_IO.
 */
int store_set_keyring(struct store *s, struct store_keyring *kr)
    __attribute__((warn_unused_result));

/*
 * The 32-byte key of partition part (a day, or a held-reads key), created when create is set.
 * STORE_ERR_STATE without a keyring, STORE_ERR_NOTFOUND when missing and !create.
 */
int store_part_key(struct store *s, int64_t part, int create, const unsigned char **key)
    __attribute__((warn_unused_result));

/* The partition id of the key that seals reads_rest now (setting held_key). */
int64_t store_part_held_key(struct store *s);

/*
 * Seals len bytes of in under key for column col of read id into out
 * (len + STORE_KEYRING_OVERHEAD bytes), and the reverse; open writes len - overhead bytes and
 * fails (STORE_ERR_DATA) on a wrong key, row or column.
 */
int store_part_seal(const unsigned char *key, const char *col, int64_t id, const void *in,
                    size_t len, unsigned char *out) __attribute__((warn_unused_result));
int store_part_open(const unsigned char *key, const char *col, int64_t id, const void *in,
                    size_t len, void *out) __attribute__((warn_unused_result));

/* The two token subkeys (forward and reversed skeletons) of a partition key. */
struct store_part_tokkeys {
    unsigned char fwd[16], rev[16];
};

/* Derives the token subkeys of key (one BLAKE2b call). Wipe them with sodium_memzero. */
void store_part_tokkeys(const unsigned char *key, struct store_part_tokkeys *out);

/*
 * The token of skel (a skeleton, or a reversed one when reversed is set) under tk into out:
 * STORE_PART_TOKEN_BYTES * strlen(skel) bytes.
 */
void store_part_token(const struct store_part_tokkeys *tk, int reversed, const char *skel,
                      unsigned char *out);

/* One read in the clear, as ingest or a re-seal writes it. */
struct store_part_row {
    int64_t id, ts;
    const char *plate, *candidates, *unit, *camera, *agency;
    double confidence, lat, lon;
    int has_gps, ngo, frames;
    const uint8_t *png; /* NULL: no crop */
    size_t png_len;
};

/*
 * Seals row under key and inserts it with the prepared inserts of a reads table (ts, plate,
 * skel_tok, skel_rev_tok, confidence, meta, ngo, frames, id, img) and its images table
 * (read_id, png). STORE_ERR_INVALID when a field is too long.
 */
int store_part_insert(sqlite3_stmt *ins_read, sqlite3_stmt *ins_image, const unsigned char *key,
                      const struct store_part_row *row) __attribute__((warn_unused_result));

/*
 * Opens the sealed meta record of read id (column `meta` of the views, sealed under part's key)
 * into rec's candidates, unit, camera, GPS and agency (written only on success): one
 * decryption where the views' columns take one function call each. Returns 0, STORE_ERR_NOTFOUND
 * (part's key is gone: a purged day) or STORE_ERR_DATA (does not open: forged, moved, or not a meta
 * record).
 */
int store_part_open_meta(struct store *s, int64_t part, int64_t id, const void *sealed, size_t len,
                         struct store_read_rec *rec) __attribute__((warn_unused_result));

/*
 * Copies read id (and its crop) from reads_FROM / images_FROM, sealed under from_part, into
 * reads_TO / images_TO sealed under to_part (FROM, TO: "dD", "rest", "rest_new").
 * STORE_ERR_NOTFOUND when from_part's key is missing.
 */
int store_part_reseal(struct store *s, const char *from, int64_t from_part, const char *to,
                      int64_t to_part, int64_t id) __attribute__((warn_unused_result));

/*
 * After a committed purge: destroys the keys that seal nothing live any more: those of days
 * before the cutoff that have no table, and held-reads keys other than the current one. Runs
 * outside any transaction (the keyring is not the database: a key is destroyed only once the
 * drop of its rows is durable; one left by a crash goes at the next purge).
 */
int store_part_sweep_keys(struct store *s, int64_t cutoff) __attribute__((warn_unused_result));

/*
 * Schema step 4 -> 5 (called by store.c's migration list, inside its transaction): the day
 * tables become the sealed layout. A file holding reads (plaintext day tables or reads_rest
 * rows) is refused with STORE_ERR_STATE: plain and sealed rows are never mixed; such a file
 * is exported with the version-4 program and its reads ingested again.
 */
int store_part_migrate_v5(struct store *s) __attribute__((warn_unused_result));

#endif
