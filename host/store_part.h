/*
 * store_part: the reads partitioned by day of capture (internal to the store_*.c modules).
 *
 * Each UTC day D (capture time / 86400) that has reads owns two tables, reads_dD (with its
 * skeleton, reversed-skeleton and time indexes) and images_dD (the crops). reads_rest and
 * images_rest hold the reads outside any day table: those of files older than schema 4, and
 * held reads of days already purged. The views `reads` (every column plus has_img) and
 * `read_images` are the UNION ALL of all of them, so queries see one table; they are rebuilt
 * whenever a day table is created or dropped. Searches go through the group views reads_gN
 * (the day tables of N * STORE_PART_GROUP_DAYS.., same columns) and reads_grest, one query each:
 * a statement over a few dozen tables runs several times faster than one over hundreds
 * (SQLite keeps every cursor of a statement in one list). The purge drops a whole day (DROP TABLE
 * under secure_delete zeroes every page it frees, so no stale cell copy survives) instead of
 * deleting rows, and rebuilds reads_rest by copy when it deleted rows there.
 *
 * All functions run inside the caller's transaction and return 0 or a STORE_ERR_*.
 */
#ifndef STORE_PART_H
#define STORE_PART_H

#include "store.h"

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

#endif
