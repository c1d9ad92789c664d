/*
 * Tests of store_reserve.c (issue #16, finding 5: a full disk stopped the purge). The old attack
 * is reproduced on a real, small file system (a tmpfs mounted here; skipped when this process
 * may not mount): with 60-100 KiB free the purge fails with STORE_ERR_FULL; through the reserve
 * it succeeds and frees the room. The early purge and the alarm run against a fake file system.
 */
#define _GNU_SOURCE
#include "service_util.h"
#include "store_api.h"
#include "store_client.h"
#include "store_export.h"
#include "store_copies.h"
#include "store_reserve.h"
#include "test_store_util.h"
#include "test_store_holds_util.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/statvfs.h>

#define PER_DAY 120

/* A fixture whose database (and keyring) are in folder dir. */
static int open_in(struct fixture *f, const char *dir)
{
    char tok[STORE_TOKEN_HEX];
    int64_t id;
    memset(f, 0, sizeof *f);
    snprintf(f->path, sizeof f->path, "%s/alpr.db", dir);
    snprintf(f->key_path, sizeof f->key_path, "%s/master.key", test_tmpdir());
    snprintf(f->keyring_path, sizeof f->keyring_path, "%s/keyring", dir);
    f->clock.now = T0;
    if (test_master_key_file(f->key_path) != 0 || store_open(f->path, &f->s) != 0 ||
        fixture_keyring(f) != 0)
        return -1;
    store_set_clock(f->s, fake_now, &f->clock);
    if (store_member_init(f->s, "ada", PW, T0 - DAY, &id) != 0 ||
        store_login(f->s, "ada", PW, &f->admin, tok) != 0 ||
        store_member_add(f->s, &f->admin, "ivan", STORE_ROLE_INVESTIGATOR, PW, T0 - DAY, &id) ||
        store_login(f->s, "ivan", PW, &f->inv, tok) != 0)
        return -1;
    return 0;
}

/* n reads a day for days days from T0, each with a crop of png_len bytes (0: none). */
static int add_days(struct fixture *f, int days, int n, size_t png_len)
{
    uint8_t png[4096];
    char plate[16], marker[32];
    int64_t id;
    for (int d = 0; d < days; d++)
        for (int i = 0; i < n; i++) {
            snprintf(plate, sizeof plate, "D%02dR%03d", d, i);
            struct store_read r = make_read(plate, T0 + d * DAY + 60 + i * 60, "U1");
            if (png_len) {
                snprintf(marker, sizeof marker, "IMG-%s", plate);
                size_t k = make_png(png, sizeof png, marker);
                for (; k < png_len; k++)
                    png[k] = (uint8_t)(k * 131 + (size_t)i * 7 + (size_t)d);
                r.png = png;
                r.png_len = png_len;
            }
            if (store_add_read(f->s, &r, &id, NULL, NULL) != 0)
                return -1;
        }
    return 0;
}

/* Reads the investigator finds in [from, to); -1 on error. */
static long count_reads(struct fixture *f, const char *plate, int64_t from, int64_t to)
{
    struct store_query q = {.plate = plate, .match = STORE_MATCH_EXACT, .from = from, .to = to};
    struct store_read_list *l = NULL;
    char tok[STORE_TOKEN_HEX];
    long n;
    if (store_login(f->s, "ivan", PW, &f->inv, tok) != 0 ||
        store_search(f->s, &f->inv, access_ok(), &q, &l) != 0)
        return -1;
    n = (long)l->n;
    store_read_list_free(l);
    return n;
}

static uint64_t avail_of(const char *dir)
{
    struct statvfs v;
    return statvfs(dir, &v) == 0 ? (uint64_t)v.f_bavail * v.f_frsize : 0;
}

/* Grows the filler file until only about leave bytes are free on dir's file system. */
static int fill_to(const char *dir, uint64_t leave)
{
    char path[700];
    struct stat st;
    snprintf(path, sizeof path, "%s/filler", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || fstat(fd, &st) != 0)
        return -1;
    uint64_t avail = avail_of(dir);
    int rc = 0;
    if (avail > leave)
        rc = posix_fallocate(fd, 0, st.st_size + (off_t)(avail - leave));
    close(fd);
    return rc == 0 ? 0 : -1;
}

struct mounted {
    char dir[400];
    int ok;
};

/* A tmpfs of mib MiB at a new folder; ok 0 when this process may not mount (the test skips). */
static void mount_small(struct mounted *m, const char *name, int mib)
{
    char opts[32];
    snprintf(m->dir, sizeof m->dir, "%s/%s", test_tmpdir(), name);
    snprintf(opts, sizeof opts, "size=%dm,mode=0700", mib);
    m->ok = mkdir(m->dir, 0700) == 0 && mount("tmpfs", m->dir, "tmpfs", 0, opts) == 0;
}

static void unmount_small(struct mounted *m)
{
    if (m->ok)
        umount2(m->dir, MNT_DETACH);
}

static int64_t audit_count(struct fixture *f, const char *event, const char *needle)
{
    struct store_audit_list *l = NULL;
    char tok[STORE_TOKEN_HEX];
    int64_t n = 0;
    if (store_login(f->s, "ada", PW, &f->admin, tok) != 0 ||
        store_audit_list(f->s, &f->admin, 0, 0, NULL, event, 0, &l) != 0)
        return -1;
    for (size_t i = 0; i < l->n; i++)
        if (!needle || (l->items[i].params && strstr(l->items[i].params, needle)))
            n++;
    store_audit_list_free(l);
    return n;
}

/* The old attack: 60-100 KiB free, due reads, and the purge refused with "disk full". */
static void full_disk_purge(struct mounted *mp)
{
    struct mounted m = *mp;
    struct fixture f;
    struct store_reserve_config cfg;
    struct store_reserve *res = NULL;
    struct store_reserve_health h;
    struct store_purge_report rep;
    char *logbuf = NULL;
    size_t loglen = 0;
    REQUIRE(open_in(&f, m.dir) == 0);
    f.clock.now = T0 + 10 * DAY;
    REQUIRE(add_days(&f, 6, PER_DAY, 3000) == 0);
    /* A running service's WAL is checkpointed as it goes (every 10000 pages): start from a
     * checkpointed file, as the disk would be found. (A WAL backlog needs room to be written
     * back; the default reserve, 64 MiB, covers the 40 MiB between checkpoints.) */
    fixture_close(&f);
    REQUIRE(fixture_reopen(&f) == 0);
    FILE *log = open_memstream(&logbuf, &loglen);
    REQUIRE(log);
    store_reserve_config_default(&cfg);
    cfg.reserve_bytes = 4u << 20;
    cfg.early_pct = 0; /* this test is about the due purge */
    cfg.log = log;
    printf("# %llu KiB free after the reads\n", (unsigned long long)avail_of(m.dir) / 1024);
    REQUIRE(store_reserve_open(m.dir, &cfg, &res) == 0);
    store_reserve_health(res, &h);
    CHECK_EQ_INT(h.reserve_bytes, 4u << 20);

    /* Days 0..2 are due (their first second is more than nine months old). */
    f.clock.now = T0 + (STORE_RETENTION_MAX_DAYS + 3) * DAY;
    REQUIRE(fill_to(m.dir, 80 * 1024) == 0);
    uint64_t before = avail_of(m.dir);
    printf("# free before the purge: %llu KiB\n", (unsigned long long)before / 1024);
    CHECK(before >= 60 * 1024 && before <= 100 * 1024);

    /* The old path: refused, nothing changed, the reads outlive their retention. */
    int rc = store_purge_expired(f.s, f.clock.now, &rep);
    CHECK_EQ_INT(rc, STORE_ERR_FULL);
    CHECK_EQ_INT(count_reads(&f, NULL, T0, T0 + 3 * DAY), 3 * PER_DAY);

    /* Through the reserve: the purge runs in the room the reserve leaves and gives it back. */
    rc = store_reserve_purge(res, f.s, f.clock.now, &rep);
    CHECK_EQ_INT(rc, 0);
    if (rc != 0) {
        fflush(log);
        printf("# log: %s\n", logbuf);
    }
    REQUIRE(rc == 0);
    CHECK_EQ_INT(rep.reads, 3 * PER_DAY);
    CHECK_EQ_INT(rep.wal_truncated, 1);
    CHECK_EQ_INT(count_reads(&f, NULL, T0, T0 + 3 * DAY), 0);
    CHECK_EQ_INT(count_reads(&f, NULL, T0 + 3 * DAY, T0 + 6 * DAY), 3 * PER_DAY);
    store_reserve_health(res, &h);
    CHECK_EQ_INT(h.reserve_used, 1);
    CHECK(h.full_errors >= 1);
    CHECK_EQ_INT(h.purge_failures, 0);
    CHECK(h.reserve_bytes > 0); /* made again, as far as the room allows */
    REQUIRE(store_reserve_check(res, f.s, f.clock.now) == 0);
    store_reserve_health(res, &h);
    printf("# after: %llu KiB free on the file system, %llu KiB inside the database, reserve "
           "%llu KiB\n",
           (unsigned long long)h.avail_bytes / 1024, (unsigned long long)h.db_free_bytes / 1024,
           (unsigned long long)h.reserve_bytes / 1024);
    /* The reserve takes at most half of the room it shares with the free space. */
    CHECK(h.reserve_bytes <= h.avail_bytes + 128 * 1024);
    /* The purged days' pages are free for new reads (the database does not shrink). */
    CHECK(h.db_free_bytes >= (uint64_t)3 * PER_DAY * 3000);
    CHECK_EQ_INT(audit_count(&f, "purge", NULL) >= 1, 1);

    /* Any write meeting a full disk: the service frees the reserve and makes room. */
    REQUIRE(fill_to(m.dir, 0) == 0);
    f.clock.now += 60;
    int64_t id;
    uint8_t png[4000];
    size_t pn = make_png(png, sizeof png, "LATE");
    for (size_t k = pn; k < sizeof png; k++)
        png[k] = (uint8_t)(k * 37);
    struct store_read late = make_read("LATE001", f.clock.now - 10, "U1");
    late.png = png;
    late.png_len = sizeof png;
    for (int i = 0; i < 2000 && (rc = store_add_read(f.s, &late, &id, NULL, NULL)) == 0; i++)
        ;
    CHECK_EQ_INT(rc, STORE_ERR_FULL);
    REQUIRE(store_reserve_on_full(res, f.s, f.clock.now) == 0);
    CHECK_EQ_INT(store_add_read(f.s, &late, &id, NULL, NULL), 0);
    store_reserve_health(res, &h);
    CHECK_EQ_INT(h.reserve_used, 2);

    fclose(log);
    CHECK(strstr(logbuf, "reserve") != NULL);
    CHECK(strstr(logbuf, "D00R") == NULL); /* counts only, never a plate */
    free(logbuf);
    store_reserve_close(res);
    fixture_close(&f);
}

/* The file system is unmounted whatever the checks say (REQUIRE leaves the body early). */
static void test_full_disk_purge(void)
{
    struct mounted m;
    mount_small(&m, "fs1", 64);
    if (!m.ok)
        SKIP("cannot mount a tmpfs here (not root?)");
    full_disk_purge(&m);
    unmount_small(&m);
}

/* The service under test, found next to this program (main). */
static char stored_program[PATH_MAX];

/* call on c with params (a JSON object taken over; NULL: none): 0 and *out, or the error. */
static int svc_call(struct store_client *c, const char *call, json_t *params, json_t **out)
{
    char err[256];
    json_t *res = NULL;
    int rc = store_client_call(c, call, params, &res, err, sizeof err);
    json_decref(params);
    if (rc != 0)
        printf("# %s: %s\n", call, err);
    if (out)
        *out = res;
    else
        json_decref(res);
    return rc;
}

static int svc_login(struct store_client *c)
{
    json_t *res = NULL;
    int rc = svc_call(c, "login", json_pack("{s:s,s:s}", "member", "ada", "password", PW), &res);
    if (rc == 0)
        store_client_set_token(c, json_string_value(json_object_get(res, "token")));
    json_decref(res);
    return rc;
}

/* Three days of 120 reads with 3000-byte crops, through the reader's socket. */
static int svc_ingest(struct service *sv)
{
    struct store_client *in = NULL;
    struct store_read reads[PER_DAY];
    uint8_t png[PER_DAY][3000];
    char plates[PER_DAY][16], err[256];
    int rc = 0;
    if (store_client_open(sv->ingest_socket, &in) != 0)
        return -1;
    store_client_set_test_now(in, "2026-01-05T00:00:00Z");
    for (int d = 0; d < 3 && rc == 0; d++) {
        for (int i = 0; i < PER_DAY; i++) {
            snprintf(plates[i], sizeof plates[i], "S%02dR%03d", d, i);
            reads[i] = make_read(plates[i], T0 + d * DAY + 60 + i * 60, "U1");
            size_t k = make_png(png[i], sizeof png[i], plates[i]);
            for (; k < sizeof png[i]; k++)
                png[i][k] = (uint8_t)(k * 131 + (size_t)i * 7 + (size_t)d);
            reads[i].png = png[i];
            reads[i].png_len = sizeof png[i];
        }
        rc = store_client_ingest(in, reads, PER_DAY, NULL, NULL, NULL, err, sizeof err);
        if (rc != 0)
            printf("# ingest: %s\n", err);
    }
    store_client_close(in);
    return rc;
}

/*
 * The attack as reported, through the service's "purge" call (what `alpr purge` sends): with
 * 60-100 KiB free the administrator's purge answered "disk full: nothing was changed". Without
 * a reserve (--disk-reserve 0) it still does; with one it purges the due reads.
 */
/* A service on a fresh 64 MiB tmpfs with extra options, an administrator and three days of reads
 * ingested, then nine months later, its disk at 80 KiB free: the purge call's result. */
static int purge_on_full_disk(const char *name, const char *const *extra, json_t **status)
{
    struct mounted m;
    struct service sv;
    struct store_client *c = NULL;
    int rc = -1;
    mount_small(&m, name, 64);
    if (!m.ok)
        return -2;
    if (service_start(&sv, stored_program, m.dir, extra) != 0 ||
        store_client_open(sv.socket, &c) != 0)
        goto out;
    store_client_set_test_now(c, "2026-01-01T00:00:00Z");
    if (svc_call(
            c, "user.init",
            json_pack("{s:s,s:s,s:s}", "member", "ada", "password", PW, "training", "2025-12-01"),
            NULL) != 0 ||
        svc_ingest(&sv) != 0)
        goto out;
    store_client_set_test_now(c, "2026-10-05T00:00:00Z");
    if (svc_login(c) != 0 || fill_to(m.dir, 80 * 1024) != 0)
        goto out;
    printf("# %s: %llu KiB free\n", name, (unsigned long long)avail_of(m.dir) / 1024);
    json_t *res = NULL;
    rc = svc_call(c, "purge", NULL, &res);
    if (rc == 0)
        printf("# %s: purged %lld reads\n", name,
               (long long)json_integer_value(json_object_get(res, "reads")));
    if (rc == 0 && json_integer_value(json_object_get(res, "reads")) != 3 * PER_DAY)
        rc = -3;
    json_decref(res);
    if (svc_call(c, "status", NULL, status) != 0)
        rc = -1;
out:
    store_client_close(c);
    if (sv.pid > 0 && service_stop(&sv) != 0)
        rc = -1;
    unmount_small(&m);
    return rc;
}

/*
 * The attack as reported, through the service's "purge" call (what `alpr purge` sends): with
 * 60-100 KiB free the administrator's purge answered "disk full: nothing was changed". Without
 * a reserve (--disk-reserve 0) it still does; with one it purges the due reads.
 */
static void test_service_purge_on_full_disk(void)
{
    const char *no_reserve[] = {"--disk-reserve", "0", NULL};
    const char *reserve[] = {"--disk-reserve", "8", NULL};
    json_t *status = NULL;
    if (!stored_program[0])
        SKIP("no alpr-stored-testclock next to this program");
    int rc = purge_on_full_disk("svc0", no_reserve, &status);
    if (rc == -2)
        SKIP("cannot mount a tmpfs here (not root?)");
    CHECK_EQ_INT(rc, STORE_ERR_FULL); /* the old answer */
    json_decref(status);
    status = NULL;
    CHECK_EQ_INT(purge_on_full_disk("svc8", reserve, &status), 0);
    json_t *disk = json_object_get(status, "disk");
    CHECK_EQ_INT(json_integer_value(json_object_get(disk, "reserve_used")), 1);
    CHECK_EQ_INT(json_integer_value(json_object_get(disk, "purge_failures")), 0);
    CHECK(json_integer_value(json_object_get(disk, "reserve_bytes")) > 0);
    printf("# after the purge: %lld KiB free, %lld KiB free in the database, reserve %lld KiB\n",
           (long long)json_integer_value(json_object_get(disk, "avail_bytes")) / 1024,
           (long long)json_integer_value(json_object_get(disk, "db_free_bytes")) / 1024,
           (long long)json_integer_value(json_object_get(disk, "reserve_bytes")) / 1024);
    json_decref(status);
}

struct fake_disk {
    uint64_t total, avail;
    int calls;
};

static int fake_disk_fn(void *ctx, const char *dir, struct store_disk_space *out)
{
    struct fake_disk *d = ctx;
    (void)dir;
    d->calls++;
    out->total = d->total;
    out->avail = d->avail;
    return 0;
}

#define MIBS(n) ((uint64_t)(n) << 20)

/* Lines of the log that contain needle. */
static int lines_with(FILE *log, char **buf, const char *needle)
{
    int n = 0;
    fflush(log);
    for (const char *p = *buf; p && (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static void test_alarm_and_early_purge(void)
{
    struct fixture f;
    struct fake_disk disk = {MIBS(1000), MIBS(500), 0};
    struct store_reserve_config cfg;
    struct store_reserve *res = NULL;
    struct store_reserve_health h;
    char *logbuf = NULL;
    size_t loglen = 0;
    int64_t hold;
    REQUIRE(fixture_open(&f, "early") == 0);
    f.clock.now = T0 + 10 * DAY;
    REQUIRE(add_days(&f, 10, 20, 0) == 0);
    struct store_hold_spec spec = {STORE_HOLD_WARRANT, "SW-7",      "D01R005", NULL, 0, 0,
                                   T0 + 400 * DAY,     "District 3"};
    REQUIRE(fixture_approved_hold(&f, &spec, &hold) == 0);
    REQUIRE(store_login(f.s, "ivan", PW, &f.inv, (char[STORE_TOKEN_HEX]){0}) == 0);
    /* A crop of a day-0 read copied out of the store: the early purge flags it, as the nightly
     * purge does. */
    struct store_query q = {.plate = "D00R003", .match = STORE_MATCH_EXACT};
    struct store_read_list *found = NULL;
    int64_t copy;
    REQUIRE(store_search(f.s, &f.inv, access_ok(), &q, &found) == 0 && found->n == 1);
    REQUIRE(store_copy_register(f.s, &f.inv, found->items[0].id, "/home/ivan/D00R003.png", &copy) ==
            0);
    store_read_list_free(found);
    FILE *log = open_memstream(&logbuf, &loglen);
    REQUIRE(log);
    store_reserve_config_default(&cfg);
    cfg.reserve_bytes = 0; /* the fake disk has no blocks to give */
    cfg.floor_days = 5;
    cfg.disk = fake_disk_fn;
    cfg.disk_ctx = &disk;
    cfg.log = log;
    REQUIRE(store_reserve_open(test_tmpdir(), &cfg, &res) == 0);
    f.clock.now = T0 + 12 * DAY;

    REQUIRE(store_reserve_check(res, f.s, f.clock.now) == 0);
    store_reserve_health(res, &h);
    CHECK_EQ_INT(h.level, STORE_DISK_OK);
    CHECK_EQ_INT(h.alarms, 0);
    CHECK_EQ_INT(lines_with(log, &logbuf, "disk "), 0);

    /* 20 %, 10 %: one journal line each, long before anything is purged. */
    disk.avail = MIBS(150);
    REQUIRE(store_reserve_check(res, f.s, f.clock.now) == 0);
    REQUIRE(store_reserve_check(res, f.s, f.clock.now) == 0); /* said once, not every check */
    store_reserve_health(res, &h);
    CHECK_EQ_INT(h.level, STORE_DISK_LOW);
    CHECK_EQ_INT(lines_with(log, &logbuf, "disk low:"), 1);
    disk.avail = MIBS(80);
    REQUIRE(store_reserve_check(res, f.s, f.clock.now) == 0);
    store_reserve_health(res, &h);
    CHECK_EQ_INT(h.level, STORE_DISK_VERY_LOW);
    CHECK_EQ_INT(h.alarms, 2);
    CHECK_EQ_INT(h.early_purges, 0);
    CHECK_EQ_INT(count_reads(&f, NULL, T0, T0 + 10 * DAY), 200);

    /* Below 5 %: the oldest days go early, down to the floor (5 days), never a held read. */
    disk.avail = MIBS(30);
    REQUIRE(store_reserve_check(res, f.s, f.clock.now) == 0);
    store_reserve_health(res, &h);
    CHECK_EQ_INT(h.level, STORE_DISK_CRITICAL);
    CHECK_EQ_INT(h.alarms, 3);
    CHECK_EQ_INT(h.early_purges, 7); /* days 0..6 end at least 5 days before now */
    CHECK_EQ_INT(h.early_purged_reads, 7 * 20 - 1);
    CHECK_EQ_INT(count_reads(&f, NULL, T0, T0 + 7 * DAY), 1);
    CHECK_EQ_INT(count_reads(&f, "D01R005", 0, 0), 1);
    CHECK_EQ_INT(count_reads(&f, NULL, T0 + 7 * DAY, T0 + 10 * DAY), 60);
    CHECK_EQ_INT(audit_count(&f, "purge.early", "below 5%"), 7);
    struct store_copy_list *copies = NULL;
    REQUIRE(store_copy_list(f.s, &f.admin, 1, &copies) == 0);
    CHECK_EQ_INT(copies->n, 1);
    CHECK(copies->n == 1 && copies->items[0].flagged_at == f.clock.now);
    store_copy_list_free(copies);
    CHECK_EQ_INT(audit_count(&f, "purge.early", "\"copies_flagged\":1"), 1);
    CHECK_EQ_INT(lines_with(log, &logbuf, "stopped at the floor"), 1);
    CHECK_EQ_INT(lines_with(log, &logbuf, "D0"), 0); /* no plate in the journal lines */

    /* Room again: one line saying so. */
    disk.avail = MIBS(600);
    REQUIRE(store_reserve_check(res, f.s, f.clock.now) == 0);
    store_reserve_health(res, &h);
    CHECK_EQ_INT(h.level, STORE_DISK_OK);
    CHECK_EQ_INT(lines_with(log, &logbuf, "disk ok again"), 1);

    /* The status call shows the counters. */
    struct store_api_conf conf = {.service_uid = 0, .reserve = res};
    struct store_api_peer peer = {0, 0, 1};
    int status = 0;
    char *answer = NULL;
    REQUIRE(store_api_handle(f.s, &conf, &peer, STORE_API_MEMBERS, "status", NULL, NULL, 0, &status,
                             &answer) == 0);
    CHECK_EQ_INT(status, 200);
    CHECK(strstr(answer, "\"early_purges\": 7") || strstr(answer, "\"early_purges\":7"));
    CHECK(strstr(answer, "\"level\"") != NULL);
    free(answer);

    fclose(log);
    free(logbuf);
    store_reserve_close(res);
    fixture_close(&f);
}

/* Fewer days of headroom than alarm_days at the current ingest rate: alarm at 45 % free. */
static void test_headroom_alarm(void)
{
    struct fixture f;
    struct fake_disk disk = {MIBS(1000), MIBS(500), 0};
    struct store_reserve_config cfg;
    struct store_reserve *res = NULL;
    struct store_reserve_health h;
    char *logbuf = NULL;
    size_t loglen = 0;
    REQUIRE(fixture_open(&f, "headroom") == 0);
    FILE *log = open_memstream(&logbuf, &loglen);
    REQUIRE(log);
    store_reserve_config_default(&cfg);
    cfg.reserve_bytes = 0;
    cfg.disk = fake_disk_fn;
    cfg.disk_ctx = &disk;
    cfg.log = log;
    REQUIRE(store_reserve_open(test_tmpdir(), &cfg, &res) == 0);
    REQUIRE(store_reserve_check(res, f.s, T0) == 0);
    disk.avail = MIBS(490); /* 10 MiB in half an hour: too short to say */
    REQUIRE(store_reserve_check(res, f.s, T0 + 1800) == 0);
    store_reserve_health(res, &h);
    CHECK_EQ_INT(h.headroom_days, -1);
    disk.avail = MIBS(450); /* 50 MiB a day: 9 days left */
    REQUIRE(store_reserve_check(res, f.s, T0 + DAY) == 0);
    store_reserve_health(res, &h);
    CHECK_EQ_INT(h.ingest_bytes_per_day, MIBS(50));
    CHECK(h.headroom_days >= 8 && h.headroom_days <= 9);
    CHECK_EQ_INT(h.level, STORE_DISK_LOW);
    CHECK_EQ_INT(lines_with(log, &logbuf, "days of headroom"), 1);
    fclose(log);
    free(logbuf);
    store_reserve_close(res);
    fixture_close(&f);
}

static void test_config_checked(void)
{
    struct store_reserve_config cfg;
    struct store_reserve *res = NULL;
    char *logbuf = NULL;
    size_t loglen = 0;
    FILE *log = open_memstream(&logbuf, &loglen);
    REQUIRE(log);
    store_reserve_config_default(&cfg);
    cfg.reserve_bytes = 0;
    cfg.floor_days = 0;
    cfg.log = log;
    CHECK_EQ_INT(store_reserve_open(test_tmpdir(), &cfg, &res), STORE_ERR_INVALID);
    fflush(log);
    CHECK(strstr(logbuf, "floor_days") != NULL);
    cfg.floor_days = 30;
    cfg.alarm_pct[1] = 30; /* not decreasing */
    CHECK_EQ_INT(store_reserve_open(test_tmpdir(), &cfg, &res), STORE_ERR_INVALID);
    fclose(log);
    free(logbuf);
    CHECK(res == NULL);
}

int main(int argc, char **argv)
{
    (void)argc;
    if (service_program(argv[0], "alpr-stored-testclock", stored_program) != 0)
        stored_program[0] = '\0';
    RUN(test_full_disk_purge);
    RUN(test_service_purge_on_full_disk);
    RUN(test_alarm_and_early_purge);
    RUN(test_headroom_alarm);
    RUN(test_config_checked);
    return test_finish();
}
