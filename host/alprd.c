/*
 * alprd: the roadside daemon. Frames come from the camera board through the USB driver (or, for
 * benchmarks and demos without a board, from image files run through the board's C model in
 * this process); a bounded queue hands them to the worker, which runs the roadside pipeline
 * (host/roadside.h: recognition, one read per vehicle with its crop, alerts printed). The reads
 * go to the store service (alpr-stored) on its reader's socket, which takes reads and nothing
 * else (store_client_ingest_read): alprd never opens the store, and the service matches the
 * hotlists and runs the retention purge. A service that is down or busy does not stop alprd:
 * its reads are held and retried (roadside.h, "Durability").
 *
 * Threads: the source thread (driver event loop, or the file-fed model) only copies complete
 * frames into the queue; the main thread is the worker and the only user of the store client.
 * Signals set flags that the worker checks at least every 100 ms: SIGTERM/SIGINT stop (stop
 * streaming, drain the queue, flush the tracker, store, exit 0), SIGUSR1 prints the health line.
 *
 * docs/ALPRD.md describes the options, the configuration, the health line and the figures.
 */
#include "alpr_dev.h"
#include "cli.h"
#include "daemon_config.h"
#include "image.h"
#include "roadside.h"
#include "store_client.h"
#include "version.h"
#include "wire.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <syslog.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

/* How long one ingest call may take (half the watchdog period, WatchdogSec=120). */
#define ALPRD_STORE_TIMEOUT_S 30

#define SIM_MAX_FILES   100000
#define ALPRD_REOPEN_MS 5000 /* an unplugged board the driver has not reopened by then: reopen */
/* At a stop, reads the store service did not take yet are retried this long (systemd gives
 * TimeoutStopSec=30 before SIGKILL): a service restarting at that moment loses nothing. */
#define ALPRD_STOP_RETRY_MS 10000
/* Latency histogram: LAT_BINS bins of LAT_BIN_MS up to LAT_BINS * LAT_BIN_MS, then one overflow
 * bin. Fixed size: a daemon that runs for months must not keep a sample per frame. */
#define LAT_BIN_MS 0.5
#define LAT_BINS   20000

/* ---- Signals ------------------------------------------------------------------------------ */

static volatile sig_atomic_t g_stop, g_usr1;

static void on_signal(int sig)
{
    if (sig == SIGUSR1)
        g_usr1 = 1;
    else
        g_stop = 1;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double mono_msf(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ---- The bounded frame queue --------------------------------------------------------------- */

struct slot {
    struct wire_frame f;
    double arrived_ms; /* monotonic, when the frame's last byte was parsed */
};

struct queue {
    pthread_mutex_t mu;
    pthread_cond_t nonempty, nonfull;
    struct slot *slots;
    size_t cap, head, n;
    uint64_t dropped; /* frames refused because the queue was full */
    size_t high;      /* deepest it has been */
    int closed;       /* the source stopped: no more frames will come */
};

static int queue_init(struct queue *q, size_t cap)
{
    memset(q, 0, sizeof *q);
    q->slots = calloc(cap, sizeof *q->slots);
    if (!q->slots)
        return -1;
    q->cap = cap;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->nonempty, NULL);
    pthread_cond_init(&q->nonfull, NULL);
    return 0;
}

static void queue_destroy(struct queue *q)
{
    for (size_t i = 0; i < q->n; i++)
        wire_frame_free(&q->slots[(q->head + i) % q->cap].f);
    free(q->slots);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->nonempty);
    pthread_cond_destroy(&q->nonfull);
}

/*
 * Copies f into the queue. A camera cannot wait: when the queue is full the frame is dropped
 * and counted (block = 0), unless the source can wait (block = 1: frames from files).
 * Returns 0 (queued), 1 (dropped) or -1 (out of memory).
 */
static int queue_push(struct queue *q, const struct wire_frame *f, int block)
{
    struct wire_frame copy;
    if (wire_frame_copy(&copy, f) != 0)
        return -1;
    pthread_mutex_lock(&q->mu);
    while (block && q->n == q->cap && !g_stop)
        pthread_cond_wait(&q->nonfull, &q->mu);
    if (q->n == q->cap) {
        q->dropped++;
        pthread_mutex_unlock(&q->mu);
        wire_frame_free(&copy);
        return 1;
    }
    struct slot *s = &q->slots[(q->head + q->n) % q->cap];
    s->f = copy;
    s->arrived_ms = mono_msf();
    q->n++;
    if (q->n > q->high)
        q->high = q->n;
    pthread_cond_signal(&q->nonempty);
    pthread_mutex_unlock(&q->mu);
    return 0;
}

/* Takes the oldest frame, waiting up to wait_ms. Returns 1 (*out filled), 0 (nothing). */
static int queue_pop(struct queue *q, int wait_ms, struct slot *out)
{
    int got = 0;
    pthread_mutex_lock(&q->mu);
    if (q->n == 0 && wait_ms > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += (long)wait_ms * 1000000L;
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&q->nonempty, &q->mu, &ts);
    }
    if (q->n > 0) {
        *out = q->slots[q->head];
        q->head = (q->head + 1) % q->cap;
        q->n--;
        got = 1;
        pthread_cond_signal(&q->nonfull);
    }
    pthread_mutex_unlock(&q->mu);
    return got;
}

/* Arrival time of the oldest queued frame, or `otherwise` when the queue is empty. */
static double queue_oldest(struct queue *q, double otherwise)
{
    pthread_mutex_lock(&q->mu);
    double t = q->n ? q->slots[q->head].arrived_ms : otherwise;
    pthread_mutex_unlock(&q->mu);
    return t;
}

static size_t queue_depth(struct queue *q)
{
    pthread_mutex_lock(&q->mu);
    size_t n = q->n;
    pthread_mutex_unlock(&q->mu);
    return n;
}

static void queue_close(struct queue *q)
{
    pthread_mutex_lock(&q->mu);
    q->closed = 1;
    pthread_cond_broadcast(&q->nonempty);
    pthread_cond_broadcast(&q->nonfull);
    pthread_mutex_unlock(&q->mu);
}

static void queue_wake(struct queue *q)
{
    pthread_mutex_lock(&q->mu);
    pthread_cond_broadcast(&q->nonempty);
    pthread_cond_broadcast(&q->nonfull);
    pthread_mutex_unlock(&q->mu);
}

/* ---- The daemon ---------------------------------------------------------------------------- */

struct lat {
    uint64_t n;
    uint64_t bins[LAT_BINS + 1]; /* the last bin: LAT_BINS * LAT_BIN_MS and more */
    double max;
};

struct daemon {
    struct daemon_config cfg;
    struct queue q;
    int verbose;
    /* Source state shared with the worker (under link_mu). */
    pthread_mutex_t link_mu;
    int connected;
    int ever_connected;
    int fatal; /* the board refused the configuration */
    uint64_t reconnects;
    uint64_t link_lost; /* frames the parser/driver lost, summed over connections */
    uint64_t link_lost_cur;
    uint64_t board_dropped;     /* CNT_DROPPED of earlier connections */
    uint64_t board_dropped_cur; /* CNT_DROPPED of the board now (reset by a replug) */
    int link_reset;             /* the board restarted numbering: tell the pipeline */
    char link_error[ROADSIDE_ERROR_MAX];
    /* The file-fed source. */
    const char *sim_dir;
    double sim_fps;
    long sim_loops; /* times the frames are played; 0 = until stopped */
    /* Measurements (worker thread only). */
    struct lat frame_lat;  /* frame end -> frame processed (ms) */
    struct lat commit_lat; /* vehicle's last frame end -> read committed (ms) */
    double worker_cpu0;
    double frame_cpu_ms; /* worker CPU spent inside roadside_frame() */
};

static void link_error(struct daemon *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void link_error(struct daemon *d, const char *fmt, ...)
{
    va_list ap;
    pthread_mutex_lock(&d->link_mu);
    va_start(ap, fmt);
    vsnprintf(d->link_error, sizeof d->link_error, fmt, ap);
    va_end(ap);
    pthread_mutex_unlock(&d->link_mu);
}

static void lat_add(struct lat *l, double v)
{
    double b = v > 0 ? v / LAT_BIN_MS : 0;
    l->bins[b < LAT_BINS ? (size_t)b : LAT_BINS]++;
    l->n++;
    if (v > l->max)
        l->max = v;
}

/* The p-th percentile, to the bin's upper edge (the overflow bin answers with the maximum). */
static double lat_pct(const struct lat *l, double p)
{
    if (!l->n)
        return 0;
    uint64_t rank = (uint64_t)ceil(p / 100.0 * (double)l->n), seen = 0;
    if (!rank)
        rank = 1;
    for (size_t i = 0; i < LAT_BINS; i++) {
        seen += l->bins[i];
        if (seen >= rank)
            return (double)(i + 1) * LAT_BIN_MS < l->max ? (double)(i + 1) * LAT_BIN_MS : l->max;
    }
    return l->max;
}

/* What the process holds from malloc (in use, not what it freed and kept), in KiB: what each
 * read leaves behind shows here first, without the allocator's retention noise of the RSS. */
static uint64_t heap_kib(void)
{
    struct mallinfo2 mi = mallinfo2();
    return (uint64_t)(mi.uordblks + mi.hblkhd) / 1024;
}

/* The process's resident memory in KiB (/proc/self/statm), 0 when it cannot be read. */
static uint64_t rss_kib(void)
{
    unsigned long long size, resident;
    FILE *f = fopen("/proc/self/statm", "r");
    int ok = f && fscanf(f, "%llu %llu", &size, &resident) == 2;
    if (f)
        fclose(f);
    return ok ? resident * (uint64_t)sysconf(_SC_PAGESIZE) / 1024 : 0;
}

static double thread_cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ---- Source 1: the board through the USB driver ------------------------------------------- */

static void usb_on_frame(void *ctx, const struct wire_frame *f)
{
    struct daemon *d = ctx;
    if (queue_push(&d->q, f, 0) < 0)
        link_error(d, "out of memory copying frame %u", f->head.frame);
}

static void usb_on_event(void *ctx, enum alpr_dev_event ev)
{
    struct daemon *d = ctx;
    pthread_mutex_lock(&d->link_mu);
    switch (ev) {
    case ALPR_DEV_EVENT_NO_DEVICE:
        d->connected = 0;
        snprintf(d->link_error, sizeof d->link_error,
                 "board: unplugged; waiting for it to come back");
        break;
    case ALPR_DEV_EVENT_RECONNECTED:
        d->connected = 1;
        d->reconnects++;
        d->board_dropped += d->board_dropped_cur; /* the board's counters restarted */
        d->board_dropped_cur = 0;
        d->link_reset = 1; /* the board restarted its frame numbering */
        snprintf(d->link_error, sizeof d->link_error, "board: reconnected and streaming again");
        break;
    case ALPR_DEV_EVENT_STALL:
        snprintf(d->link_error, sizeof d->link_error, "board: bulk IN stalled (halt cleared)");
        break;
    }
    pthread_mutex_unlock(&d->link_mu);
}

/* Configures an opened board and streams until the daemon stops. The driver itself reopens
 * the board after an unplug (reconnect = 1) and restores the registers. */
static void usb_session(struct daemon *d, struct alpr_dev *dev)
{
    struct roadside_reg regs[ROADSIDE_MAX_REGS];
    struct alpr_dev_stream_opts so;
    size_t nregs = 0;
    int rc;
    if (roadside_board_registers(&d->cfg, regs, ROADSIDE_MAX_REGS, &nregs) != 0) {
        link_error(d, "the configuration gives invalid board registers");
        g_stop = 1;
        return;
    }
    for (size_t i = 0; i < nregs; i++) {
        rc = alpr_dev_reg_write(dev, regs[i].addr, regs[i].value);
        if (rc) {
            link_error(d, "board: writing %s = 0x%x: %s", wire_reg_name(regs[i].addr),
                       (unsigned)regs[i].value, alpr_dev_strerror(rc));
            if (rc == ALPR_DEV_ERR_STALL) {
                /* The board refuses the configuration: retrying cannot help. */
                d->fatal = 1;
                g_stop = 1;
            }
            return;
        }
    }
    memset(&so, 0, sizeof so);
    so.on_frame = usb_on_frame;
    so.on_event = usb_on_event;
    so.ctx = d;
    rc = alpr_dev_start(dev, &so);
    if (rc) {
        link_error(d, "board: start: %s", alpr_dev_strerror(rc));
        return;
    }
    pthread_mutex_lock(&d->link_mu);
    d->connected = 1;
    d->ever_connected = 1;
    d->link_reset = 1;
    pthread_mutex_unlock(&d->link_mu);
    if (d->verbose)
        fprintf(stderr, "alprd: board configured and streaming\n");
    int64_t down_since = 0;
    for (unsigned tick = 0; !g_stop; tick++) {
        struct alpr_dev_counters c;
        uint32_t dropped = 0;
        int have_dropped = 0;
        usleep(100000);
        alpr_dev_get_counters(dev, &c);
        /* The driver reopens a board that comes back; should it not manage to within
         * ALPRD_REOPEN_MS, start over with a fresh open. */
        if (!c.connected) {
            if (!down_since)
                down_since = mono_ms();
            else if (mono_ms() - down_since > ALPRD_REOPEN_MS) {
                link_error(d, "board: still away after %d s; opening it anew",
                           ALPRD_REOPEN_MS / 1000);
                break;
            }
        } else {
            down_since = 0;
        }
        if (tick % 10 == 0 && c.connected)
            have_dropped = alpr_dev_reg_read(dev, WIRE_REG_CNT_DROPPED, &dropped) == 0;
        pthread_mutex_lock(&d->link_mu);
        d->link_lost_cur = c.wire.frames_lost + c.wire.frames_aborted;
        d->connected = c.connected && c.streaming;
        if (have_dropped && dropped >= d->board_dropped_cur)
            d->board_dropped_cur = dropped;
        pthread_mutex_unlock(&d->link_mu);
    }
    {
        uint32_t dropped = 0;
        if (alpr_dev_reg_read(dev, WIRE_REG_CNT_DROPPED, &dropped) == 0) {
            pthread_mutex_lock(&d->link_mu);
            if (dropped >= d->board_dropped_cur)
                d->board_dropped_cur = dropped;
            pthread_mutex_unlock(&d->link_mu);
        }
    }
    /* Stop streaming (RUN cleared, transfers cancelled); what was delivered is queued. */
    rc = alpr_dev_stop(dev);
    (void)rc; /* not streaming any more is fine here */
    pthread_mutex_lock(&d->link_mu);
    d->connected = 0;
    d->link_lost += d->link_lost_cur;
    d->link_lost_cur = 0;
    d->board_dropped += d->board_dropped_cur;
    d->board_dropped_cur = 0;
    pthread_mutex_unlock(&d->link_mu);
}

static void *usb_thread(void *arg)
{
    struct daemon *d = arg;
    int64_t last_complaint = -100000;
    int sessions = 0;
    while (!g_stop) {
        struct alpr_dev *dev = NULL;
        struct alpr_dev_open_opts oo;
        memset(&oo, 0, sizeof oo);
        oo.serial = d->cfg.serial[0] ? d->cfg.serial : NULL;
        oo.reconnect = 1;
        int rc = alpr_dev_open(&oo, &dev);
        if (rc) {
            if (mono_ms() - last_complaint >= 10000) {
                link_error(d, "board: %s; retrying every second", alpr_dev_strerror(rc));
                last_complaint = mono_ms();
            }
            for (int i = 0; i < 10 && !g_stop; i++)
                usleep(100000);
            continue;
        }
        if (sessions++) {
            pthread_mutex_lock(&d->link_mu);
            d->reconnects++;
            d->board_dropped += d->board_dropped_cur;
            d->board_dropped_cur = 0;
            pthread_mutex_unlock(&d->link_mu);
        }
        usb_session(d, dev);
        alpr_dev_close(dev);
        /* A session that ended without a stop request failed to configure: retry shortly. */
        for (int i = 0; i < 10 && !g_stop; i++)
            usleep(100000);
    }
    queue_close(&d->q);
    return NULL;
}

/* ---- Source 2: image files through the C model in this process ---------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists the images of dir (sorted) and loads them all before the clock starts. */
static int sim_load(struct daemon *d, struct image **frames, size_t *n)
{
    DIR *dir = opendir(d->sim_dir);
    struct dirent *e;
    char **names = NULL;
    size_t nn = 0, cap = 0;
    struct image *imgs = NULL;
    int rc = -1;
    if (!dir) {
        fprintf(stderr, "alprd: %s: %s\n", d->sim_dir, strerror(errno));
        return -1;
    }
    while ((e = readdir(dir)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 5 || (strcmp(e->d_name + l - 4, ".pgm") && strcmp(e->d_name + l - 4, ".png")))
            continue;
        if (nn == SIM_MAX_FILES)
            break;
        if (nn == cap) {
            cap = cap ? 2 * cap : 256;
            char **nb = realloc(names, cap * sizeof *names);
            if (!nb)
                goto out;
            names = nb;
        }
        names[nn] = strdup(e->d_name);
        if (!names[nn])
            goto out;
        nn++;
    }
    if (!nn) {
        fprintf(stderr, "alprd: %s: no .pgm or .png frames\n", d->sim_dir);
        goto out;
    }
    qsort(names, nn, sizeof *names, cmp_str);
    imgs = calloc(nn, sizeof *imgs);
    if (!imgs)
        goto out;
    for (size_t i = 0; i < nn; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", d->sim_dir, names[i]);
        int err = image_load(path, &imgs[i]);
        if (err) {
            fprintf(stderr, "alprd: %s: %s\n", path, image_strerror(err));
            for (size_t k = 0; k < i; k++)
                image_free(&imgs[k]);
            free(imgs);
            imgs = NULL;
            goto out;
        }
    }
    *frames = imgs;
    *n = nn;
    rc = 0;
out:
    for (size_t i = 0; i < nn; i++)
        free(names[i]);
    free(names);
    closedir(dir);
    return rc;
}

struct sim_args {
    struct daemon *d;
    struct image *imgs; /* paced runs: the camera's images, through the model live */
    size_t nimg;
    struct wire_frame *frames; /* ceiling runs: what the board sent, made before the clock */
    size_t n;
};

struct sim_collect {
    struct wire_frame *frames;
    size_t n, cap;
};

static int sim_collect_frame(void *ctx, const struct wire_frame *f)
{
    struct sim_collect *c = ctx;
    if (c->n == c->cap)
        return -1;
    if (wire_frame_copy(&c->frames[c->n], f) != 0)
        return -1;
    c->n++;
    return 0;
}

/*
 * Runs every image through the board's C model once, before the clock starts, so that the
 * measured rate is the host's (the model stands in for hardware that runs beside the host).
 */
static int sim_prepare(struct daemon *d, struct image *imgs, size_t nimg, struct sim_args *out)
{
    /* imgs[i] is freed once its frame is made. */
    struct roadside_reg regs[ROADSIDE_MAX_REGS];
    size_t nregs = 0;
    struct roadside_sim *sim = NULL;
    struct sim_collect c = {0};
    int rc = -1;
    if (roadside_board_registers(&d->cfg, regs, ROADSIDE_MAX_REGS, &nregs) != 0 ||
        roadside_sim_new(regs, nregs, &sim) != 0) {
        fprintf(stderr, "alprd: the in-process board refused the configuration\n");
        return -1;
    }
    c.frames = calloc(nimg, sizeof *c.frames);
    c.cap = nimg;
    if (!c.frames)
        goto out;
    for (size_t i = 0; i < nimg; i++) {
        const struct image *im = &imgs[i];
        if (im->width != d->cfg.frame_width || im->height != d->cfg.frame_height) {
            fprintf(stderr, "alprd: frame %zu is %dx%d but the configured frame size is %dx%d\n", i,
                    im->width, im->height, d->cfg.frame_width, d->cfg.frame_height);
            goto out;
        }
        if (roadside_sim_frame(sim, im->pixels, im->width, im->height, im->width, sim_collect_frame,
                               &c) != 0) {
            fprintf(stderr, "alprd: the board model failed on frame %zu\n", i);
            goto out;
        }
        image_free(&imgs[i]);
    }
    out->frames = c.frames;
    out->n = c.n;
    c.frames = NULL;
    c.n = 0;
    rc = 0;
out:
    for (size_t i = 0; i < c.n; i++)
        wire_frame_free(&c.frames[i]);
    free(c.frames);
    roadside_sim_free(sim);
    return rc;
}

static void *sim_thread(void *arg)
{
    struct sim_args *a = arg;
    struct daemon *d = a->d;
    double t0;
    pthread_mutex_lock(&d->link_mu);
    d->connected = 1;
    d->link_reset = 1;
    pthread_mutex_unlock(&d->link_mu);
    t0 = mono_msf();
    /* Looping, the frames keep their order and the numbering goes on, like a camera that keeps
     * running: nothing counts as dropped between two plays. */
    uint64_t sent = 0;
    uint32_t number0 = a->n ? a->frames[0].head.frame : 0;
    for (long loop = 0; (d->sim_loops == 0 || loop < d->sim_loops) && !g_stop; loop++) {
        for (size_t i = 0; i < a->n && !g_stop; i++, sent++) {
            if (d->sim_fps > 0) {
                double due = t0 + (double)sent * 1000.0 / d->sim_fps, now = mono_msf();
                if (due > now)
                    usleep((useconds_t)((due - now) * 1000));
            }
            a->frames[i].head.frame = number0 + (uint32_t)sent;
            /* Paced like a camera, a full queue drops the frame; unpaced, the source waits. */
            if (queue_push(&d->q, &a->frames[i], d->sim_fps <= 0) < 0)
                link_error(d, "out of memory copying frame %zu", i);
        }
    }
    pthread_mutex_lock(&d->link_mu);
    d->connected = 0;
    pthread_mutex_unlock(&d->link_mu);
    queue_close(&d->q);
    return NULL;
}

/* ---- The worker ---------------------------------------------------------------------------- */

static void on_commit(void *ctx, int64_t read_id, const struct track_read *read, int64_t now_ms)
{
    struct daemon *d = ctx;
    (void)read_id;
    (void)now_ms; /* the pipeline's clock; the latency is measured against the real one */
    lat_add(&d->commit_lat, mono_msf() - (double)read->last_ms);
}

static void health_line(struct daemon *d, struct roadside *r, FILE *out, int use_syslog)
{
    struct roadside_health h;
    struct roadside_link link;
    char line[1024];
    roadside_health(r, &h);
    memset(&link, 0, sizeof link);
    pthread_mutex_lock(&d->link_mu);
    link.connected = d->connected;
    link.reconnects = d->reconnects;
    link.link_lost = d->link_lost + d->link_lost_cur;
    link.board_dropped = d->board_dropped + d->board_dropped_cur;
    pthread_mutex_unlock(&d->link_mu);
    pthread_mutex_lock(&d->q.mu);
    link.queue_depth = d->q.n;
    link.queue_max = d->q.cap;
    link.queue_dropped = d->q.dropped;
    pthread_mutex_unlock(&d->q.mu);
    link.rss_kib = rss_kib();
    link.heap_kib = heap_kib();
    roadside_health_format(&h, &link, line, sizeof line);
    fprintf(out, "alprd: %s\n", line);
    fflush(out);
    if (use_syslog)
        syslog(LOG_INFO, "%s", line);
    /* systemctl status shows it; ignored when not started by systemd. */
    sd_notifyf(0, "STATUS=%s", line);
}

/* Moves errors of the source thread into the pipeline's last_error (and the log). */
static void sync_link(struct daemon *d, struct roadside *r)
{
    char err[ROADSIDE_ERROR_MAX] = "";
    int reset;
    pthread_mutex_lock(&d->link_mu);
    if (d->link_error[0]) {
        memcpy(err, d->link_error, sizeof err);
        d->link_error[0] = '\0';
    }
    reset = d->link_reset;
    d->link_reset = 0;
    pthread_mutex_unlock(&d->link_mu);
    if (err[0])
        roadside_note_error(r, "%s", err);
    if (reset)
        roadside_link_reset(r);
}

/* The final summary: counts, throughput, CPU and latency figures (the benchmark parses it). */
static void summary(struct daemon *d, struct roadside *r, double wall_ms, double first_ms,
                    double last_done_ms)
{
    struct roadside_health h;
    struct rusage ru;
    roadside_health(r, &h);
    getrusage(RUSAGE_SELF, &ru);
    double proc_cpu = ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3 +
                      ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3;
    double worker_cpu = thread_cpu_ms() - d->worker_cpu0;
    /* Throughput: from the first frame's arrival to the last frame processed. */
    double span = last_done_ms - first_ms;
    double fps = h.frames > 0 && span > 0 ? (double)h.frames * 1000.0 / span : 0;
    fprintf(stderr,
            "alprd: summary frames=%llu reads=%llu alerts=%llu dropped=%llu queue_dropped=%llu "
            "board_dropped=%llu link_lost=%llu "
            "fps=%.1f recog_ms=%.2f frame_cpu_ms=%.2f worker_cpu_ms_per_frame=%.2f "
            "process_cpu_ms_per_frame=%.2f "
            "frame_latency_ms_p50=%.1f frame_latency_ms_p99=%.1f commit_latency_ms_p50=%.1f "
            "commit_latency_ms_p99=%.1f wall_s=%.1f\n",
            (unsigned long long)h.frames, (unsigned long long)h.reads, (unsigned long long)h.alerts,
            (unsigned long long)h.frames_dropped, (unsigned long long)d->q.dropped,
            (unsigned long long)d->board_dropped, (unsigned long long)d->link_lost, fps, h.recog_ms,
            h.frames ? d->frame_cpu_ms / (double)h.frames : 0,
            h.frames ? worker_cpu / (double)h.frames : 0,
            h.frames ? proc_cpu / (double)h.frames : 0, lat_pct(&d->frame_lat, 50),
            lat_pct(&d->frame_lat, 99), lat_pct(&d->commit_lat, 50), lat_pct(&d->commit_lat, 99),
            wall_ms / 1000.0);
}

/* ---- Options ------------------------------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: alprd [OPTIONS]\n"
            "\n"
            "The roadside daemon: receives the camera board's frames over USB, reads the plates,\n"
            "sends one read per passing vehicle (with its plate crop) to the store service,\n"
            "which matches the hotlists, and prints each alert as a JSON line on stdout. An\n"
            "alert is UNVERIFIED: confirm it against the official database before any\n"
            "enforcement action.\n"
            "\n"
            "Options:\n"
            "  --config FILE       key = value settings (alprd.conf(5))\n"
            "  --store-socket PATH the store service's reader's socket (overrides the config's\n"
            "                      store_socket; else $ALPR_INGEST_SOCKET, else\n"
            "                      " STORE_CLIENT_DEFAULT_INGEST_SOCKET ")\n"
            "  --idle-exit S       exit (cleanly) when no frame came for S seconds\n"
            "  --once              the same as --idle-exit 5\n"
            "  --show-reads        print every read as a JSON line too (demo; see ALPRD.md)\n"
            "  --health S          health line every S seconds (overrides health_interval_s)\n"
            "  --sim-frames DIR    no board: DIR's .pgm/.png frames (sorted) go through the\n"
            "                      board's C model in this process at start-up, then into the\n"
            "                      queue as if they came from USB\n"
            "  --sim-fps F         their frame rate (default 30; a full queue drops frames);\n"
            "                      0: as fast as alprd takes them (the host's ceiling)\n"
            "  --sim-loop N        play them N times over, numbered on like a camera's\n"
            "                      frames (default 1; 0: until stopped): soak runs\n"
            "  -v, --verbose       more log lines\n"
            "  -h, --help          this help\n"
            "  -V, --version       the version\n"
            "\n"
            "Signals: SIGTERM/SIGINT stop cleanly (stop streaming, drain, commit, exit 0);\n"
            "SIGUSR1 prints the health line. Under systemd (Type=notify) it reports READY,\n"
            "STATUS (the health line) and WATCHDOG pings. Exit codes: 0 ok, 1 failure,\n"
            "2 usage, 4 bad configuration, 5 no board was ever found (with --idle-exit) or\n"
            "the board refused the configuration.\n");
}

/* ---- The store service, as the pipeline's sink ------------------------------------------- */

/* The reader's socket: --store-socket, else the configuration's, else $ALPR_INGEST_SOCKET,
 * else the default. */
static const char *ingest_socket(const char *opt, const struct daemon_config *cfg)
{
    const char *env = getenv("ALPR_INGEST_SOCKET");
    if (opt && *opt)
        return opt;
    if (cfg->store_socket[0])
        return cfg->store_socket;
    return env && *env ? env : STORE_CLIENT_DEFAULT_INGEST_SOCKET;
}

int main(int argc, char **argv)
{
    static struct daemon d;
    const char *config_path = NULL, *socket_opt = NULL, *socket_path;
    long idle_exit = 0, health_opt = -1;
    int show_reads = 0, exit_code = CLI_EXIT_OK;
    struct store_client *client = NULL;
    struct roadside_sink sink;
    struct roadside *r = NULL;
    struct roadside_config rc_cfg;
    pthread_t source;
    int source_started = 0;
    struct sim_args sa = {0};
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},  {"store-socket", required_argument, NULL, 'S'},
        {"db", required_argument, NULL, 'd'},      {"idle-exit", required_argument, NULL, 'i'},
        {"once", no_argument, NULL, 'o'},          {"show-reads", no_argument, NULL, 'r'},
        {"health", required_argument, NULL, 'H'},  {"sim-frames", required_argument, NULL, 's'},
        {"sim-fps", required_argument, NULL, 'f'}, {"sim-loop", required_argument, NULL, 'L'},
        {"verbose", no_argument, NULL, 'v'},       {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},       {NULL, 0, NULL, 0},
    };
    int c;

    pthread_mutex_init(&d.link_mu, NULL);
    d.sim_fps = 30;
    d.sim_loops = 1;
    daemon_config_default(&d.cfg);
    while ((c = getopt_long(argc, argv, "vhV", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config_path = optarg;
            break;
        case 'S':
            socket_opt = optarg;
            break;
        case 'd':
            /* Refused, not ignored: whoever types it expects the reads in that file. */
            fprintf(stderr, "alprd: --db is gone: the store service (alpr-stored) owns the store "
                            "and alprd sends its reads to the service's reader's socket "
                            "(--store-socket PATH)\n");
            return CLI_EXIT_USAGE;
        case 'i':
            if (cli_parse_long(optarg, 1, 86400 * 365, &idle_exit) != 0) {
                fprintf(stderr, "alprd: --idle-exit: '%s' is not 1..31536000 seconds\n", optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case 'o':
            idle_exit = 5;
            break;
        case 'r':
            show_reads = 1;
            break;
        case 'H':
            if (cli_parse_long(optarg, 0, 86400, &health_opt) != 0) {
                fprintf(stderr, "alprd: --health: '%s' is not 0..86400 seconds\n", optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case 's':
            d.sim_dir = optarg;
            break;
        case 'f': {
            char *end;
            d.sim_fps = strtod(optarg, &end);
            if (!*optarg || *end || !(d.sim_fps >= 0 && d.sim_fps <= 1000)) {
                fprintf(stderr, "alprd: --sim-fps: '%s' is not 0..1000\n", optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        }
        case 'L':
            if (cli_parse_long(optarg, 0, 1000000, &d.sim_loops) != 0) {
                fprintf(stderr, "alprd: --sim-loop: '%s' is not 0..1000000\n", optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case 'v':
            d.verbose++;
            break;
        case 'h':
            usage(stdout);
            return CLI_EXIT_OK;
        case 'V':
            printf("alprd %s\n", ALPR_VERSION);
            return CLI_EXIT_OK;
        default:
            usage(stderr);
            return CLI_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "alprd: unexpected argument '%s'\n", argv[optind]);
        return CLI_EXIT_USAGE;
    }
    if (config_path) {
        char err[512];
        int rc = daemon_config_load(config_path, &d.cfg, err, sizeof err);
        if (rc) {
            fprintf(stderr, "alprd: %s (%s)\n", err, daemon_config_strerror(rc));
            return rc == DAEMON_CONFIG_ERR_IO ? CLI_EXIT_FAIL : CLI_EXIT_DATA;
        }
        for (size_t i = 0; i < d.cfg.n_ignored; i++)
            fprintf(stderr, "alprd: %s:%d: warning: '%s' is obsolete and ignored: %s\n",
                    config_path, d.cfg.ignored[i].line, d.cfg.ignored[i].key,
                    d.cfg.ignored[i].reason);
    }
    if (health_opt >= 0)
        d.cfg.health_interval_s = (int)health_opt;
    socket_path = ingest_socket(socket_opt, &d.cfg);
    if (d.cfg.use_syslog)
        openlog("alprd", LOG_PID, LOG_DAEMON);
    /* Only memory can fail here: the service is not asked until the worker runs, and may come
     * later. */
    if (store_client_open(socket_path, &client) != 0) {
        fprintf(stderr, "alprd: out of memory\n");
        return CLI_EXIT_FAIL;
    }
    /* A stuck service must not stall the worker until the watchdog kills it (and the held reads
     * with it): a call that takes this long is retried like an unreachable service. */
    store_client_set_timeout(client, ALPRD_STORE_TIMEOUT_S);
    sink = roadside_service_sink(client);

    roadside_config_default(&rc_cfg);
    roadside_config_from_daemon(&rc_cfg, &d.cfg);
    rc_cfg.show_reads = show_reads;
    rc_cfg.on_commit = on_commit;
    rc_cfg.on_commit_ctx = &d;
    if (roadside_new(&rc_cfg, &sink, &r) != 0 ||
        queue_init(&d.q, (size_t)d.cfg.queue_frames) != 0) {
        fprintf(stderr, "alprd: cannot start the pipeline (bad unit/camera/agency, or memory)\n");
        store_client_close(client);
        roadside_free(r);
        return CLI_EXIT_FAIL;
    }

    struct sigaction sact;
    memset(&sact, 0, sizeof sact);
    sact.sa_handler = on_signal;
    sigemptyset(&sact.sa_mask);
    sigaction(SIGTERM, &sact, NULL);
    sigaction(SIGINT, &sact, NULL);
    sigaction(SIGUSR1, &sact, NULL);
    signal(SIGPIPE, SIG_IGN);

    fprintf(stderr, "alprd %s: unit %s camera %s, store service at %s, %s\n", ALPR_VERSION,
            d.cfg.unit, d.cfg.camera, socket_path,
            d.sim_dir ? "frames from files through the in-process board model"
                      : "waiting for the board");
    if (d.sim_dir) {
        sa.d = &d;
        if (sim_load(&d, &sa.imgs, &sa.nimg) != 0) {
            exit_code = CLI_EXIT_FAIL;
            goto out;
        }
        /* The board's work is done first, so that only the host's is measured. */
        if (sim_prepare(&d, sa.imgs, sa.nimg, &sa) != 0) {
            exit_code = CLI_EXIT_FAIL;
            goto out;
        }
        if (pthread_create(&source, NULL, sim_thread, &sa) == 0)
            source_started = 1;
    } else if (pthread_create(&source, NULL, usb_thread, &d) == 0) {
        source_started = 1;
    }
    if (!source_started) {
        fprintf(stderr, "alprd: cannot start the source thread\n");
        exit_code = CLI_EXIT_FAIL;
        goto out;
    }

    /* The worker. Its first tick asks the service whether it is there: the log and the health
     * line say so when it is not (nothing is held yet that the tick could fail to store). */
    int first_tick = roadside_tick(r, mono_ms());
    (void)first_tick;
    d.worker_cpu0 = thread_cpu_ms();
    /* Ready: the worker runs (the board and the store service may come later). The watchdog is
     * fed by the worker, so a worker that hangs gets the service restarted. */
    uint64_t watchdog_us = 0;
    if (sd_watchdog_enabled(0, &watchdog_us) <= 0)
        watchdog_us = 0;
    int64_t watchdog_ms = (int64_t)(watchdog_us / 2000), last_watchdog = mono_ms();
    {
        struct roadside_health h0;
        roadside_health(r, &h0);
        sd_notifyf(0, "READY=1\nSTATUS=running: unit %s, store service %s (%s), %s", d.cfg.unit,
                   socket_path, roadside_store_state_name(h0.store),
                   d.sim_dir ? "frames from files" : "waiting for the board");
    }
    double start_ms = mono_msf(), first_ms = 0, last_done_ms = 0;
    int64_t last_activity = mono_ms(), last_health = mono_ms(), last_housekeeping = 0;
    int64_t pipe_ms = 0; /* the pipeline's clock (monotonic ms), never decreasing */
    uint64_t frames = 0;
    int gave_up = 0; /* --idle-exit stopped it (not a signal) */
    for (;;) {
        struct slot s;
        int stopping = g_stop;
        sync_link(&d, r);
        if (queue_pop(&d.q, stopping ? 0 : 100, &s)) {
            /* Pipeline time: the frame's arrival, never going backwards. */
            int64_t t = (int64_t)s.arrived_ms;
            if (t < pipe_ms)
                t = pipe_ms;
            pipe_ms = t;
            double cpu0 = thread_cpu_ms();
            int rc = roadside_frame(r, &s.f, t);
            double done = mono_msf();
            d.frame_cpu_ms += thread_cpu_ms() - cpu0;
            lat_add(&d.frame_lat, done - s.arrived_ms);
            if (!frames++)
                first_ms = s.arrived_ms;
            last_done_ms = done;
            wire_frame_free(&s.f);
            last_activity = mono_ms();
            if (rc == ROADSIDE_ERR_NOMEM) {
                fprintf(stderr, "alprd: out of memory\n");
                g_stop = 1;
                exit_code = CLI_EXIT_FAIL;
            }
            /* Frames first; housekeeping at least every 100 ms even under a full load. */
            if (mono_ms() - last_housekeeping < 100)
                continue;
        } else if (stopping) {
            if (queue_depth(&d.q) == 0)
                break;
            continue;
        }
        if (stopping)
            continue;
        int64_t now = mono_ms();
        last_housekeeping = now;
        if (watchdog_ms > 0 && now - last_watchdog >= watchdog_ms) {
            last_watchdog = now;
            sd_notify(0, "WATCHDOG=1");
        }
        /* A tick must not run ahead of frames still queued: a vehicle whose next sighting is
         * waiting in the queue has not left yet. */
        int64_t tick_ms = (int64_t)queue_oldest(&d.q, (double)now);
        if (tick_ms > now)
            tick_ms = now;
        if (tick_ms > pipe_ms)
            pipe_ms = tick_ms;
        int rc = roadside_tick(r, pipe_ms);
        (void)rc; /* the service's failures are retried and reported in the health line */
        if (g_usr1) {
            g_usr1 = 0;
            health_line(&d, r, stderr, d.cfg.use_syslog);
        }
        if (d.cfg.health_interval_s > 0 && now - last_health >= d.cfg.health_interval_s * 1000LL) {
            last_health = now;
            health_line(&d, r, stderr, d.cfg.use_syslog);
        }
        if (idle_exit > 0 && now - last_activity >= idle_exit * 1000) {
            fprintf(stderr, "alprd: no frame for %ld s: stopping\n", idle_exit);
            g_stop = 1;
            gave_up = 1;
        }
    }

    /* Stop streaming, then commit everything that arrived. */
    sd_notify(0, "STOPPING=1\nSTATUS=stopping: committing what was received");
    queue_wake(&d.q);
    pthread_join(source, NULL);
    source_started = 0;
    {
        struct slot s;
        while (queue_pop(&d.q, 0, &s)) {
            if ((int64_t)s.arrived_ms > pipe_ms)
                pipe_ms = (int64_t)s.arrived_ms;
            /* Reads the service did not take yet are held: the flush below retries them. */
            int fr = roadside_frame(r, &s.f, pipe_ms);
            if (fr != 0 && fr != ROADSIDE_ERR_STORE)
                exit_code = CLI_EXIT_FAIL;
            wire_frame_free(&s.f);
        }
    }
    sync_link(&d, r);
    struct roadside_health hb, ha;
    roadside_health(r, &hb);
    int frc = roadside_flush(r, mono_ms() > pipe_ms ? mono_ms() : pipe_ms);
    if (frc == ROADSIDE_ERR_STORE) {
        sd_notifyf(0, "STATUS=stopping: %zu reads wait for the store service", roadside_pending(r));
        fprintf(stderr,
                "alprd: stopping: %zu reads wait for the store service; retrying for %d s\n",
                roadside_pending(r), ALPRD_STOP_RETRY_MS / 1000);
    }
    for (int64_t until = mono_ms() + ALPRD_STOP_RETRY_MS;
         frc == ROADSIDE_ERR_STORE && mono_ms() < until;) {
        struct timespec pause = {ROADSIDE_RETRY_MS / 1000, (ROADSIDE_RETRY_MS % 1000) * 1000000L};
        nanosleep(&pause, NULL);
        frc = roadside_flush(r, mono_ms() > pipe_ms ? mono_ms() : pipe_ms);
    }
    roadside_health(r, &ha);
    fprintf(stderr, "alprd: stopping: reads committed at shutdown: %llu\n",
            (unsigned long long)(ha.reads - hb.reads));
    if (frc != 0) {
        fprintf(stderr, "alprd: %zu reads could not be stored: %s\n", roadside_pending(r),
                frc == ROADSIDE_ERR_STORE ? "the store service keeps failing"
                                          : roadside_strerror(frc));
        exit_code = CLI_EXIT_FAIL;
    }
    health_line(&d, r, stderr, d.cfg.use_syslog);
    if (d.fatal) {
        fprintf(stderr, "alprd: the board refused the configuration (see the error above)\n");
        exit_code = CLI_EXIT_DEVICE;
    } else if (!d.sim_dir && !d.ever_connected && gave_up && exit_code == CLI_EXIT_OK) {
        /* Stopped by a signal while waiting for a board is a clean stop (systemctl stop). */
        fprintf(stderr, "alprd: no board was found\n");
        exit_code = CLI_EXIT_DEVICE;
    }
    summary(&d, r, mono_msf() - start_ms, first_ms, last_done_ms);

out:
    if (source_started) {
        g_stop = 1;
        queue_wake(&d.q);
        pthread_join(source, NULL);
    }
    for (size_t i = 0; i < sa.n; i++)
        wire_frame_free(&sa.frames[i]);
    free(sa.frames);
    for (size_t i = 0; i < sa.nimg; i++)
        image_free(&sa.imgs[i]);
    free(sa.imgs);
    roadside_free(r);
    store_client_close(client);
    queue_destroy(&d.q);
    if (d.cfg.use_syslog)
        closelog();
    return exit_code;
}
