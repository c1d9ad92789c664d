/* store_reserve: the disk reserve, the early purge and the free-space alarm (store_reserve.h). */
#define _GNU_SOURCE
#include "store_reserve.h"
#include "store_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define MIB              (1024.0 * 1024.0)
#define RATE_MIN_SPAN_S  3600 /* a rate measured over less than an hour says little */
#define EARLY_MAX_ROUNDS 400  /* more days than retention allows: a guard, never reached */

struct store_reserve {
    char dir[PATH_MAX];
    char path[PATH_MAX];
    struct store_reserve_config cfg;
    struct store_reserve_health h;
    /* The ingest rate's last sample: room (reserve included) at store time rate_t. */
    uint64_t rate_room;
    int64_t rate_t;
    int floor_noted; /* the early purge reached the floor; said once until it moves again */
};

void store_reserve_config_default(struct store_reserve_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->reserve_bytes = (uint64_t)STORE_RESERVE_DEFAULT_MIB << 20;
    cfg->floor_days = STORE_RESERVE_DEFAULT_FLOOR_DAYS;
    cfg->alarm_days = STORE_RESERVE_DEFAULT_ALARM_DAYS;
    cfg->alarm_pct[0] = 20;
    cfg->alarm_pct[1] = 10;
    cfg->alarm_pct[2] = 5;
    cfg->early_pct = STORE_RESERVE_DEFAULT_EARLY_PCT;
}

const char *store_disk_level_name(enum store_disk_level level)
{
    switch (level) {
    case STORE_DISK_OK:
        return "ok";
    case STORE_DISK_LOW:
        return "low";
    case STORE_DISK_VERY_LOW:
        return "very low";
    case STORE_DISK_CRITICAL:
        return "critical";
    }
    return "unknown";
}

static void say(const struct store_reserve *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void say(const struct store_reserve *r, const char *fmt, ...)
{
    va_list ap;
    if (!r->cfg.log)
        return;
    va_start(ap, fmt);
    fputs("alpr-stored: ", r->cfg.log);
    vfprintf(r->cfg.log, fmt, ap);
    fputc('\n', r->cfg.log);
    fflush(r->cfg.log);
    va_end(ap);
}

static void set_error(struct store_reserve *r, const char *what, int err)
{
    snprintf(r->h.last_error, sizeof r->h.last_error, "%s: %s", what, store_strerror(err));
    say(r, "disk: %s", r->h.last_error);
}

static int statvfs_space(void *ctx, const char *dir, struct store_disk_space *out)
{
    struct statvfs v;
    (void)ctx;
    if (statvfs(dir, &v) != 0)
        return -1;
    out->total = (uint64_t)v.f_blocks * v.f_frsize;
    out->avail = (uint64_t)v.f_bavail * v.f_frsize;
    return 0;
}

/* Blocks the reserve file really holds (0 when it is missing). */
static uint64_t reserve_held(const struct store_reserve *r)
{
    struct stat st;
    if (lstat(r->path, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    uint64_t blocks = (uint64_t)st.st_blocks * 512u;
    return blocks < (uint64_t)st.st_size ? blocks : (uint64_t)st.st_size;
}

/* Free pages inside the database: room for new reads that the file system does not show. */
static uint64_t db_free(struct store *s)
{
    sqlite3_stmt *st;
    int64_t pages = 0, size = 0;
    if (!s)
        return 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT freelist_count, page_size FROM pragma_freelist_count,"
                           " pragma_page_size",
                           -1, &st, NULL) != SQLITE_OK)
        return 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        pages = sqlite3_column_int64(st, 0);
        size = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    return pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size : 0;
}

static int measure(struct store_reserve *r, struct store *s, struct store_disk_space *sp)
{
    store_disk_fn fn = r->cfg.disk ? r->cfg.disk : statvfs_space;
    if (fn(r->cfg.disk_ctx, r->dir, sp) != 0 || sp->total == 0) {
        /* The folder is the service's --state: the file system's name is enough here. */
        snprintf(r->h.last_error, sizeof r->h.last_error, "state folder: cannot measure: %.100s",
                 strerror(errno));
        return STORE_ERR_IO;
    }
    r->h.total_bytes = sp->total;
    r->h.avail_bytes = sp->avail;
    r->h.db_free_bytes = db_free(s);
    r->h.reserve_bytes = reserve_held(r);
    r->h.free_pct = (double)(sp->avail + r->h.db_free_bytes) * 100.0 / (double)sp->total;
    return 0;
}

/* Deletes the reserve: its blocks are free for the write that needs them. */
static void reserve_free(struct store_reserve *r)
{
    if (r->h.reserve_bytes == 0 && reserve_held(r) == 0)
        return;
    if (unlink(r->path) != 0 && errno != ENOENT)
        say(r, "disk: %s: cannot delete the reserve: %s", r->path, strerror(errno));
    r->h.reserve_bytes = 0;
    r->h.reserve_used++;
    say(r, "disk full: reserve %s freed for the purge", r->path);
}

/*
 * Makes the reserve up to its size, at most half of the room it shares with the free space, so
 * that the writes that follow keep room for the WAL. A disk without that room keeps a smaller
 * reserve (said).
 */
static void reserve_make(struct store_reserve *r, struct store *s)
{
    struct store_disk_space sp;
    uint64_t have = reserve_held(r), want = r->cfg.reserve_bytes;
    int fd, err;
    if (want == 0 || have >= want || measure(r, s, &sp) != 0)
        return;
    /* Half of the room the reserve and the free space share: made again and again, it
     * settles there instead of creeping up on the free half. */
    if ((have + sp.avail) / 2 < want)
        want = (have + sp.avail) / 2;
    want &= ~(uint64_t)4095;
    if (want <= have)
        goto short_reserve;
    fd = open(r->path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        say(r, "disk: %s: cannot make the reserve: %s", r->path, strerror(errno));
        return;
    }
    err = posix_fallocate(fd, 0, (off_t)want);
    close(fd);
    if (err != 0)
        say(r, "disk: %s: cannot allocate the reserve: %s", r->path, strerror(err));
short_reserve:
    r->h.reserve_bytes = reserve_held(r);
    if (r->h.reserve_bytes < r->cfg.reserve_bytes)
        say(r, "disk: reserve %.1f MiB of %.1f MiB: the disk has no room for more",
            (double)r->h.reserve_bytes / MIB, (double)r->cfg.reserve_bytes / MIB);
}

static enum store_disk_level level_of(const struct store_reserve *r);
static void report_level(struct store_reserve *r, enum store_disk_level was);

static int check_config(const struct store_reserve_config *c, const char **field)
{
    *field = NULL;
    if (c->reserve_bytes > (uint64_t)STORE_RESERVE_MAX_MIB << 20)
        *field = "reserve_bytes (at most 64 GiB)";
    else if (c->floor_days < 1 || c->floor_days > STORE_RETENTION_MAX_DAYS)
        *field = "floor_days (1..273)";
    else if (c->alarm_days < 0 || c->alarm_days > 3650)
        *field = "alarm_days (0..3650)";
    else if (c->alarm_pct[0] > 100 || c->alarm_pct[0] < c->alarm_pct[1] ||
             c->alarm_pct[1] < c->alarm_pct[2] || c->alarm_pct[2] < 0)
        *field = "alarm_pct (decreasing, 0..100)";
    else if (c->early_pct < 0 || c->early_pct > 50)
        *field = "early_pct (0..50)";
    return *field ? STORE_ERR_INVALID : 0;
}

int store_reserve_open(const char *dir, const struct store_reserve_config *cfg,
                       struct store_reserve **out)
{
    struct store_reserve *r;
    struct store_disk_space sp;
    const char *field;
    if (!dir || !cfg || !out)
        return STORE_ERR_INVALID;
    if (check_config(cfg, &field) != 0) {
        if (cfg->log)
            fprintf(cfg->log, "alpr-stored: disk reserve: %s is out of range\n", field);
        return STORE_ERR_INVALID;
    }
    if (!(r = calloc(1, sizeof *r)))
        return STORE_ERR_NOMEM;
    r->cfg = *cfg;
    if (snprintf(r->dir, sizeof r->dir, "%s", dir) >= (int)sizeof r->dir ||
        snprintf(r->path, sizeof r->path, "%s/%s", dir, STORE_RESERVE_FILE) >=
            (int)sizeof r->path) {
        free(r);
        return STORE_ERR_INVALID;
    }
    r->h.reserve_wanted = cfg->reserve_bytes;
    r->h.headroom_days = -1;
    if (measure(r, NULL, &sp) != 0) {
        if (cfg->log)
            fprintf(cfg->log, "alpr-stored: disk: %s\n", r->h.last_error);
        free(r);
        return STORE_ERR_IO;
    }
    reserve_make(r, NULL);
    /* A service started on a full disk says so at once. */
    if (measure(r, NULL, &sp) == 0) {
        r->h.level = level_of(r);
        report_level(r, STORE_DISK_OK);
    }
    *out = r;
    return 0;
}

void store_reserve_close(struct store_reserve *r)
{
    free(r);
}

void store_reserve_release(struct store_reserve *r)
{
    reserve_free(r);
}

void store_reserve_health(const struct store_reserve *r, struct store_reserve_health *out)
{
    *out = r->h;
}

/* Runs one purge step; on a full disk frees the reserve and runs it once more. */
static int with_reserve(struct store_reserve *r, struct store *s, int64_t now, int floor_days,
                        const char *why, struct store_purge_report *rep)
{
    int rc =
        why ? store_purge_early(s, now, floor_days, why, rep) : store_purge_expired(s, now, rep);
    if (rc != STORE_ERR_FULL)
        return rc;
    r->h.full_errors++;
    reserve_free(r);
    return why ? store_purge_early(s, now, floor_days, why, rep) : store_purge_expired(s, now, rep);
}

static void add_report(struct store_purge_report *sum, const struct store_purge_report *d)
{
    sum->cutoff = d->cutoff;
    sum->reads += d->reads;
    sum->images += d->images;
    sum->alerts += d->alerts;
    sum->held += d->held;
    sum->copies_flagged += d->copies_flagged;
    if (d->reads && (!sum->oldest || d->oldest < sum->oldest))
        sum->oldest = d->oldest;
    if (d->newest > sum->newest)
        sum->newest = d->newest;
    sum->compacted = d->compacted;
    sum->wal_truncated = d->wal_truncated;
    sum->delete_ms += d->delete_ms;
    sum->rebuild_ms += d->rebuild_ms;
}

/* Too full for the whole purge even without the reserve: the due days one transaction each. */
static int purge_by_day(struct store *s, int64_t now, struct store_purge_report *sum)
{
    struct store_purge_report d;
    int rc = 0;
    memset(sum, 0, sizeof *sum);
    for (int i = 0; i < EARLY_MAX_ROUNDS; i++) {
        rc = store_purge_early(s, now, store_retention_days(s),
                               "disk full: the due days purged one at a time", &d);
        if (rc != 0)
            break;
        add_report(sum, &d);
    }
    if (rc != STORE_ERR_NOTFOUND)
        return rc;
    /* What is left: the day whose first second is due, and held reads now released. */
    if ((rc = store_purge_expired(s, now, &d)) != 0)
        return rc;
    add_report(sum, &d);
    return 0;
}

int store_reserve_purge(struct store_reserve *r, struct store *s, int64_t now,
                        struct store_purge_report *report)
{
    struct store_purge_report rep;
    int rc = with_reserve(r, s, now, 0, NULL, &rep);
    if (rc == STORE_ERR_FULL)
        rc = purge_by_day(s, now, &rep);
    if (rc != 0) {
        if (rc == STORE_ERR_FULL)
            r->h.purge_failures++;
        set_error(r, "purge failed", rc);
    }
    reserve_make(r, s);
    if (rc == 0)
        *report = rep;
    return rc;
}

static enum store_disk_level level_of(const struct store_reserve *r)
{
    enum store_disk_level l = STORE_DISK_OK;
    for (int i = 0; i < 3; i++)
        if (r->h.free_pct < r->cfg.alarm_pct[i])
            l = (enum store_disk_level)(i + 1);
    if (l == STORE_DISK_OK && r->cfg.alarm_days > 0 && r->h.headroom_days >= 0 &&
        r->h.headroom_days < r->cfg.alarm_days)
        l = STORE_DISK_LOW;
    return l;
}

/* How fast the room shrinks (the reserve counted, so that freeing it is no ingest). */
static void update_rate(struct store_reserve *r, int64_t now)
{
    uint64_t room = r->h.avail_bytes + r->h.db_free_bytes + r->h.reserve_bytes;
    if (r->rate_t == 0 || now < r->rate_t) {
        r->rate_t = now;
        r->rate_room = room;
        return;
    }
    if (now - r->rate_t < RATE_MIN_SPAN_S)
        return;
    /* A purge gives room back: that is no ingest rate; start again from here. */
    if (room < r->rate_room) {
        uint64_t sample = (r->rate_room - room) * 86400u / (uint64_t)(now - r->rate_t);
        r->h.ingest_bytes_per_day =
            r->h.ingest_bytes_per_day ? (3 * r->h.ingest_bytes_per_day + sample) / 4 : sample;
    }
    r->rate_t = now;
    r->rate_room = room;
    r->h.headroom_days =
        r->h.ingest_bytes_per_day
            ? (int64_t)((r->h.avail_bytes + r->h.db_free_bytes) / r->h.ingest_bytes_per_day)
            : -1;
}

static void report_level(struct store_reserve *r, enum store_disk_level was)
{
    char head[64] = "";
    if (r->h.level == was)
        return;
    if (r->h.level > was)
        r->h.alarms++;
    if (r->h.headroom_days >= 0)
        snprintf(head, sizeof head, ", %lld days of headroom at %.1f MiB/day",
                 (long long)r->h.headroom_days, (double)r->h.ingest_bytes_per_day / MIB);
    say(r,
        "disk %s%s: %.1f%% free (%.1f MiB on the file system, %.1f MiB inside the database, of "
        "%.1f MiB)%s; reserve %.1f MiB",
        store_disk_level_name(r->h.level), r->h.level < was ? " again" : "", r->h.free_pct,
        (double)r->h.avail_bytes / MIB, (double)r->h.db_free_bytes / MIB,
        (double)r->h.total_bytes / MIB, head, (double)r->h.reserve_bytes / MIB);
}

/* Purges the oldest days while the free fraction is below early_pct, down to the floor. */
static int purge_early(struct store_reserve *r, struct store *s, int64_t now)
{
    struct store_disk_space sp;
    int rc = 0;
    for (int i = 0;
         i < EARLY_MAX_ROUNDS && r->cfg.early_pct > 0 && r->h.free_pct < r->cfg.early_pct; i++) {
        struct store_purge_report rep;
        char why[160];
        snprintf(why, sizeof why, "disk %.1f%% free, below %d%%: the oldest day purged early",
                 r->h.free_pct, r->cfg.early_pct);
        rc = with_reserve(r, s, now, r->cfg.floor_days, why, &rep);
        if (rc == STORE_ERR_NOTFOUND) {
            if (!r->floor_noted)
                say(r, "disk: early purge stopped at the floor: no day older than %d days left",
                    r->cfg.floor_days);
            r->floor_noted = 1;
            return 0;
        }
        if (rc != 0) {
            if (rc == STORE_ERR_FULL)
                r->h.purge_failures++;
            set_error(r, "early purge failed", rc);
            return rc;
        }
        r->floor_noted = 0;
        r->h.early_purges++;
        r->h.early_purged_reads += (uint64_t)rep.reads;
        say(r, "disk: early purge: %lld reads (%lld held kept) before day %lld: %s",
            (long long)rep.reads, (long long)rep.held, (long long)(rep.cutoff / 86400 - 1), why);
        if ((rc = measure(r, s, &sp)) != 0)
            return rc;
    }
    return rc;
}

int store_reserve_check(struct store_reserve *r, struct store *s, int64_t now)
{
    struct store_disk_space sp;
    enum store_disk_level was = r->h.level;
    int rc;
    if ((rc = measure(r, s, &sp)) != 0) {
        say(r, "disk: %s", r->h.last_error);
        return rc;
    }
    r->h.checked_at = now;
    update_rate(r, now);
    r->h.level = level_of(r);
    report_level(r, was);
    rc = purge_early(r, s, now);
    reserve_make(r, s);
    if (measure(r, s, &sp) == 0) {
        was = r->h.level;
        r->h.level = level_of(r);
        report_level(r, was);
    }
    return rc;
}

int store_reserve_on_full(struct store_reserve *r, struct store *s, int64_t now)
{
    struct store_purge_report rep;
    r->h.full_errors++;
    int rc = store_reserve_purge(r, s, now, &rep);
    int rc2 = store_reserve_check(r, s, now);
    return rc != 0 ? rc : rc2;
}
