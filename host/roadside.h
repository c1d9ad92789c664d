/*
 * roadside: the roadside unit's pipeline, independent of where the frames come from and of where
 * the reads are kept.
 *
 * Complete board frames (struct wire_frame: from the USB driver in alprd, or from the C model
 * of the board in-process for tests and benchmarks) go in; for each frame the recognizer reads
 * the plates, the tracker (track.h) folds the readings of consecutive frames into one read per
 * passing vehicle, and every finished read goes to the sink with its plate crop (PNG), one read
 * per call. The sink stores it and matches it against the active hotlists (alprd: the store
 * service's ingest call, store_client_ingest_read; tests: store_add_read on a store of their
 * own). Each alert raised is printed as one JSON line on the events stream (and to syslog when
 * enabled) carrying the reminder that an alert must be verified before any enforcement action.
 * Health counters are kept for the periodic / SIGUSR1 health line. (The retention purge is the
 * store service's, not the pipeline's.)
 *
 * Time: every call takes now_ms, a monotonic millisecond clock chosen by the caller (alprd:
 * CLOCK_MONOTONIC; tests: frame index * frame period). It must not decrease. The capture time
 * sent with a read is the configuration's wall clock (cfg.now, default time(NULL)) minus the age
 * of the read's best frame.
 *
 * Durability: a read is either stored (the sink returned 0) or still held here (open track, or
 * waiting for a retry after the sink failed: STORE_ERR_IO, the store cannot be reached, e.g. the
 * service is down; STORE_ERR_BUSY; STORE_ERR_FULL; any error but STORE_ERR_INVALID). Held reads
 * are retried in order, at most every ROADSIDE_RETRY_MS, at the next frame or tick.
 * roadside_flush() ends every open track and tries once more: call it before exiting so that
 * nothing received is lost. A read the store refuses as invalid is dropped and counted, and so
 * is the oldest held read when ROADSIDE_RETRY_MAX are held. A sink that lost the answer of a
 * call that did store the read (STORE_ERR_IO after the commit) gets the read again: a read may
 * be stored twice, never lost.
 *
 * Logging: the log lines (cfg.log, syslog, the health line's last_error) name a read "read #N",
 * the Nth read this pipeline finished, and once stored its id; never its plate, and a sink's
 * message is scrubbed of the read's plate and candidates ("[plate]"). Plates go only to the
 * events stream: alerts (the documented exception) and, with show_reads, reads.
 *
 * Ownership: roadside_new() copies the sink (its context stays the caller's, used from the
 * pipeline's thread only) and borrows the FILE streams of the configuration; it owns its
 * tracker and its held reads. One thread per instance. struct roadside_sim (the in-process
 * board) owns its model and parser.
 */
#ifndef ROADSIDE_H
#define ROADSIDE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "daemon_config.h"
#include "recog.h"
#include "track.h"
#include "wire.h"

#define ROADSIDE_ERROR_MAX 160   /* last_error text, NUL included */
#define ROADSIDE_RETRY_MAX 256   /* reads held for a retry when the store fails */
#define ROADSIDE_RETRY_MS  1000  /* held reads are retried at most this often */
#define ROADSIDE_PING_MS   10000 /* an idle pipeline asks whether the store is there this often */
#define ROADSIDE_MAX_REGS  16    /* register writes of roadside_board_registers() */

enum roadside_error {
    ROADSIDE_OK = 0,
    ROADSIDE_ERR_NOMEM = -1,   /* out of memory */
    ROADSIDE_ERR_INVALID = -2, /* bad argument or configuration */
    ROADSIDE_ERR_STORE = -3,   /* the sink failed and the read is held for a retry */
    ROADSIDE_ERR_BOARD = -4,   /* the in-process board (model) refused a register or frame */
};
const char *roadside_strerror(int err);

/* ---- Where reads go ----------------------------------------------------------------------- */

struct store_alert;
struct store_read;

struct store_client;

struct roadside_sink {
    /*
     * Stores one read (everything in it borrowed for the call). Returns 0 with *read_id and
     * *alerts, an array of *n_alerts alerts the read raised (NULL when none), released with
     * free_alerts, and err "" or a warning to log; or a STORE_ERR_* with a message in err
     * (err_size bytes): STORE_ERR_INVALID drops the read, any other error keeps it for a retry
     * (see "Durability" above).
     */
    int (*ingest)(void *ctx, const struct store_read *read, int64_t *read_id,
                  struct store_alert **alerts, size_t *n_alerts, char *err, size_t err_size);
    void (*free_alerts)(struct store_alert *alerts); /* accepts NULL */
    /* May be NULL. Whether the store can be reached now: 0, or a STORE_ERR_* with err. Asked
     * when nothing is held, every ROADSIDE_PING_MS (every ROADSIDE_RETRY_MS while the last
     * answer was an error), so that the health line tells the truth between vehicles. */
    int (*ping)(void *ctx, char *err, size_t err_size);
    void *ctx;
};

/* The sink of a roadside unit: the store service's reader's socket through client c (borrowed). */
struct roadside_sink roadside_service_sink(struct store_client *c);

/* ---- Configuration ------------------------------------------------------------------------ */

struct roadside_config {
    const char *unit;     /* roadside unit id recorded with every read */
    const char *camera;   /* camera id on the unit */
    const char *agency;   /* source agency recorded with every read */
    int non_governmental; /* 1: the device belongs to a non-governmental source (R9) */
    int has_position;
    double latitude, longitude;
    struct track_config track;
    struct recog_config recog;
    int keep_crops; /* 1: store the plate crop of the best frame (default 1) */
    /* The wall clock (seconds since the epoch) capture times are taken from; NULL: time(NULL). */
    int64_t (*now)(void *ctx);
    void *now_ctx;
    FILE *events;   /* JSON lines: alerts (and reads with show_reads); may be NULL */
    FILE *log;      /* human-readable log lines (store state, errors); may be NULL */
    int show_reads; /* 1: reads too go to events (off by default: see ALPRD.md) */
    int use_syslog; /* alerts and errors also to syslog (caller opens it) */
    /* Called after each committed read (for latency measurements); may be NULL. */
    void (*on_commit)(void *ctx, int64_t read_id, const struct track_read *read, int64_t now_ms);
    void *on_commit_ctx;
};

/* Defaults: unit "UNIT-01", camera "CAM-1", agency "local police", track_config_default(),
 * recog_config_default(), crops kept, time(NULL), events = stdout, log = stderr. */
void roadside_config_default(struct roadside_config *cfg);

/* Takes over what the daemon's configuration says (its strings are borrowed, not copied). */
void roadside_config_from_daemon(struct roadside_config *cfg, const struct daemon_config *dc);

/* ---- The pipeline ------------------------------------------------------------------------- */

struct roadside;

/*
 * Creates a pipeline sending its reads to sink (copied; see struct roadside_sink). The
 * configuration is copied (its strings and streams stay borrowed). Returns 0 and *out,
 * ROADSIDE_ERR_INVALID (no unit/camera/agency, no sink ingest or free_alerts) or
 * ROADSIDE_ERR_NOMEM.
 */
int roadside_new(const struct roadside_config *cfg, const struct roadside_sink *sink,
                 struct roadside **out) __attribute__((warn_unused_result));

/* Frees the pipeline WITHOUT committing open tracks (call roadside_flush() first). Accepts NULL. */
void roadside_free(struct roadside *r);

/*
 * Processes one complete frame received at now_ms: counts it (and the gap in the board's frame
 * numbers before it as dropped), recognizes it, tracks the readings, and stores the reads of
 * the vehicles that have left (tracks unseen for the gap). Returns 0; ROADSIDE_ERR_STORE when
 * reads are held because the sink failed (they are retried at a later call); ROADSIDE_ERR_NOMEM.
 * Recognition errors of one frame (e.g. a frame without pixels) are counted, not returned.
 */
int roadside_frame(struct roadside *r, const struct wire_frame *f, int64_t now_ms)
    __attribute__((warn_unused_result));

/*
 * Housekeeping without a frame (call it when the queue is empty, at least every second):
 * stores the reads of tracks unseen for the gap, retries held reads when due, asks the sink
 * whether the store is there when due (ping). Returns 0 or as roadside_frame.
 */
int roadside_tick(struct roadside *r, int64_t now_ms) __attribute__((warn_unused_result));

/*
 * Ends every open track and stores all reads, trying the sink at once whatever the retry
 * schedule (shutdown; may be called again). Returns 0, or ROADSIDE_ERR_STORE when some read
 * could still not be stored (roadside_pending() tells how many remain).
 */
int roadside_flush(struct roadside *r, int64_t now_ms) __attribute__((warn_unused_result));

/* Reads held in memory: open tracks plus reads waiting for a retry. */
size_t roadside_pending(const struct roadside *r);

/* The board restarted its frame numbering (reset, reconnect): no gap is counted next. */
void roadside_link_reset(struct roadside *r);

/* Records an error from outside the pipeline (driver, queue) as the health line's last error. */
void roadside_note_error(struct roadside *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- Health ------------------------------------------------------------------------------- */

/* What the pipeline knows of the store, from the sink's last answer (ingest or ping). */
enum roadside_store_state {
    ROADSIDE_STORE_UNKNOWN = 0, /* not asked yet */
    ROADSIDE_STORE_OK,
    ROADSIDE_STORE_UNREACHABLE, /* STORE_ERR_IO: e.g. the store service is down */
    ROADSIDE_STORE_BUSY,        /* STORE_ERR_BUSY */
    ROADSIDE_STORE_FULL,        /* STORE_ERR_FULL: its disk is full */
    ROADSIDE_STORE_DENIED,      /* STORE_ERR_DENIED: e.g. not the reader's socket or account */
    ROADSIDE_STORE_FAILING,     /* any other error */
};
/* Its word in the health line: unknown, ok, unreachable, busy, full, denied, failing. */
const char *roadside_store_state_name(enum roadside_store_state state);

struct roadside_health {
    uint64_t frames;         /* frames received (given to roadside_frame) */
    uint64_t frames_dropped; /* frames the board numbered that never arrived here */
    uint64_t frames_failed;  /* frames recognition could not process */
    uint64_t readings;       /* plate readings over all frames */
    uint64_t reads;          /* reads stored */
    uint64_t alerts;         /* alerts raised */
    uint64_t store_errors;   /* failed sink calls (retried) and refused reads */
    uint64_t reads_refused;  /* reads dropped: refused by the store as invalid, or lost after
                                ROADSIDE_RETRY_MAX newer reads were held too */
    enum roadside_store_state store;
    size_t open_tracks;
    size_t retry;                        /* reads waiting for a retry */
    double recog_ms;                     /* mean recognition time per frame */
    char last_error[ROADSIDE_ERROR_MAX]; /* "" when none */
};
void roadside_health(const struct roadside *r, struct roadside_health *out);

/* What the caller (alprd) adds to the health line: its link and queue. */
struct roadside_link {
    int connected;       /* 1: a board is open and streaming */
    uint64_t reconnects; /* times the board was (re)opened after the first */
    size_t queue_depth, queue_max;
    uint64_t queue_dropped; /* frames dropped because the queue was full */
    uint64_t link_lost;     /* frames the parser discarded (gap, CRC, malformation) */
    uint64_t board_dropped; /* the board's CNT_DROPPED: frames it aborted or never started */
    uint64_t rss_kib;       /* the process's resident memory (KiB); 0: not shown */
    uint64_t heap_kib;      /* what it holds from malloc (KiB); 0: not shown */
};

/*
 * Formats the health line (no newline):
 *   health frames=N dropped=N reads=N alerts=N queue=D/M tracks=N retry=N store=STATE
 *   failed=N recog_ms=F link=up|down reconnects=N queue_dropped=N link_lost=N board_dropped=N
 *   [rss_kb=N] [heap_kb=N] last_error="..."
 * link may be NULL (no link fields then). Returns buf.
 */
char *roadside_health_format(const struct roadside_health *h, const struct roadside_link *link,
                             char *buf, size_t size);

/* ---- Board set-up shared by the driver path and the in-process board --------------------- */

struct roadside_reg {
    unsigned addr; /* enum wire_reg */
    uint32_t value;
};

/*
 * The register writes that configure a board from the daemon's configuration, in order:
 * FRAME_SIZE, THRESH_WINDOW, THRESH_PLANE_0, OUTPUT (GRAY8), ROI_Y. (CONTROL.RUN is the
 * caller's.) Writes at most max entries into regs and their number into *n. Returns 0 or
 * ROADSIDE_ERR_INVALID (max too small, values out of range).
 */
int roadside_board_registers(const struct daemon_config *dc, struct roadside_reg *regs, size_t max,
                             size_t *n) __attribute__((warn_unused_result));

/* ---- The board in-process: the C model without USB (tests, benchmarks) ------------------- */

struct roadside_sim;

/*
 * A C-model board configured by regs (as roadside_board_registers() gives them), with RUN set,
 * and a wire parser on its output. Returns 0 and *out, ROADSIDE_ERR_BOARD (a register write
 * refused) or ROADSIDE_ERR_NOMEM.
 */
int roadside_sim_new(const struct roadside_reg *regs, size_t nregs, struct roadside_sim **out)
    __attribute__((warn_unused_result));
void roadside_sim_free(struct roadside_sim *sim);

/*
 * Sends one camera frame (w x h, stride) through the board and the parser; fn(ctx, frame) is
 * called for each complete frame delivered (normally exactly one). Returns 0, fn's non-zero
 * value, or ROADSIDE_ERR_BOARD / ROADSIDE_ERR_NOMEM.
 */
int roadside_sim_frame(struct roadside_sim *sim, const uint8_t *gray, int w, int h, int stride,
                       wire_frame_fn fn, void *ctx) __attribute__((warn_unused_result));

/* The parser's counters of the in-process board. */
void roadside_sim_stats(const struct roadside_sim *sim, struct wire_stats *out);

#endif
