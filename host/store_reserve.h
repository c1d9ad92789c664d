/*
 * store_reserve: the store service's disk reserve and free-space watch, so that a full disk
 * cannot stop the purge (R7: never kept longer than nine months).
 *
 * A purge needs room to write: with secure_delete every page it frees is zeroed through the
 * write-ahead log before the WAL is truncated, so a disk with a few KiB free refused it
 * (STORE_ERR_FULL, nothing changed) and reads outlived their retention. Three defences:
 *
 *   The reserve: a file ("reserve") in the state folder whose blocks are really allocated
 *   (posix_fallocate). When a purge, or any write of a call, fails with STORE_ERR_FULL, the
 *   reserve is deleted, the purge runs in the room it leaves, and the reserve is made again,
 *   taking at most half of what is then free, so that writes keep room for the WAL.
 *
 *   The early purge: when the room for new reads (free space of the file system plus free pages
 *   inside the database, the reserve not counted) falls below early_pct of the file system, the
 *   oldest days go first (store_purge_early: held reads stay, each purge is audited as
 *   "purge.early" with why), never a day younger than floor_days.
 *
 *   The alarm, long before: a level (ok, low, very low, critical) from the free fraction
 *   (alarm_pct) and from the days of headroom at the current ingest rate (alarm_days); each
 *   change of level is one line on the log stream (the journal), and the health counters are in
 *   the service's status call.
 *
 * The free space comes from statvfs() on the state folder, or from the function the
 * configuration names (tests: a fake file system). A struct store_reserve is used by one thread
 * at a time (the service's call lock); it borrows the log stream and never owns the store.
 */
#ifndef STORE_RESERVE_H
#define STORE_RESERVE_H

#include "store.h"
#include "store_retention.h"

#include <stdint.h>
#include <stdio.h>

#define STORE_RESERVE_FILE               "reserve"
#define STORE_RESERVE_DEFAULT_MIB        64
#define STORE_RESERVE_MAX_MIB            65536
#define STORE_RESERVE_DEFAULT_FLOOR_DAYS 30
#define STORE_RESERVE_DEFAULT_ALARM_DAYS 14
#define STORE_RESERVE_DEFAULT_EARLY_PCT  5

/* What a file system has: total bytes, and bytes this account may still use. */
struct store_disk_space {
    uint64_t total, avail;
};

/* Measures the file system holding dir. Returns 0, or -1 with errno. */
typedef int (*store_disk_fn)(void *ctx, const char *dir, struct store_disk_space *out);

struct store_reserve_config {
    uint64_t reserve_bytes; /* size of the reserve file; 0: none */
    int floor_days;         /* the early purge keeps at least this many days, 1..273 */
    int alarm_days;         /* alarm when fewer days of headroom remain, 0: never */
    int alarm_pct[3];       /* low, very low, critical: percent free, decreasing (20, 10, 5) */
    int early_pct;          /* purge early below this percent free (0: never) */
    store_disk_fn disk;     /* NULL: statvfs() */
    void *disk_ctx;
    FILE *log; /* where alarm and purge lines go (the service: stderr, the journal); NULL */
};

/* Defaults: 64 MiB, floor 30 days, alarm below 14 days, 20/10/5 %, early purge below 5 %. */
void store_reserve_config_default(struct store_reserve_config *cfg);

enum store_disk_level { STORE_DISK_OK, STORE_DISK_LOW, STORE_DISK_VERY_LOW, STORE_DISK_CRITICAL };

/* "ok", "low", "very low", "critical". */
const char *store_disk_level_name(enum store_disk_level level);

struct store_reserve_health {
    enum store_disk_level level;
    uint64_t total_bytes;          /* the file system's size */
    uint64_t avail_bytes;          /* free on the file system (the reserve not included) */
    uint64_t db_free_bytes;        /* free pages inside the database */
    double free_pct;               /* (avail + db_free) / total, in percent */
    uint64_t reserve_bytes;        /* the reserve as it is now */
    uint64_t reserve_wanted;       /* as configured */
    uint64_t ingest_bytes_per_day; /* how fast the free space shrinks; 0: not known yet */
    int64_t headroom_days;         /* free space / ingest rate; -1: not known */
    uint64_t alarms;               /* times the level rose */
    uint64_t reserve_used;         /* times the reserve was freed for a write or purge */
    uint64_t early_purges;         /* days purged early */
    uint64_t early_purged_reads;   /* reads they held */
    uint64_t full_errors;          /* purges or calls that met a full disk */
    uint64_t purge_failures;       /* purges that failed even with the reserve freed */
    int64_t checked_at;            /* store time of the last measure, 0: never */
    char last_error[160];          /* "" when none */
};

struct store_reserve;

/*
 * Watches the file system of the state folder dir and keeps the reserve there (made now when
 * missing or short, as far as there is room: a disk too full for it is reported, not fatal).
 * The configuration is copied. Returns 0 and *out, STORE_ERR_INVALID (a field out of range:
 * the message names it on cfg->log), STORE_ERR_NOMEM, STORE_ERR_IO (dir cannot be measured).
 */
int store_reserve_open(const char *dir, const struct store_reserve_config *cfg,
                       struct store_reserve **out) __attribute__((warn_unused_result));

/* Stops watching; the reserve file stays for the next start. Accepts NULL. */
void store_reserve_close(struct store_reserve *r);

/*
 * The purge that cannot be starved: store_purge_expired; on STORE_ERR_FULL the reserve is
 * freed and the purge tried again, then, if the disk is still too full for the whole purge,
 * the due days go one by one (store_purge_early at the retention period). The reserve is made
 * again afterwards. Returns 0 and *report (the first purge's, or the sum of the days'), or the
 * purge's error.
 */
int store_reserve_purge(struct store_reserve *r, struct store *s, int64_t now,
                        struct store_purge_report *report) __attribute__((warn_unused_result));

/*
 * Measures the free space; updates the ingest rate, the level and its alarm line; purges early
 * (oldest days, above the floor) while the free fraction is below early_pct; makes the reserve
 * again if it is missing and there is room. Returns 0 or the error of the measure or the purge.
 */
int store_reserve_check(struct store_reserve *r, struct store *s, int64_t now)
    __attribute__((warn_unused_result));

/*
 * A call's write failed with STORE_ERR_FULL: counts it, runs store_reserve_purge and
 * store_reserve_check so that the next attempt finds room. Returns 0 or their error.
 */
int store_reserve_on_full(struct store_reserve *r, struct store *s, int64_t now)
    __attribute__((warn_unused_result));

/*
 * Deletes the reserve now (a caller's own write met a full disk and will be tried again in its
 * room: the service does this for an administrator's purge, so that it is recorded under their
 * name). store_reserve_purge, _check and _on_full make it again. Counted in reserve_used.
 */
void store_reserve_release(struct store_reserve *r);

/* The counters and the last measure. */
void store_reserve_health(const struct store_reserve *r, struct store_reserve_health *out);

#endif
