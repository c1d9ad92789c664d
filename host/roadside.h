/*
 * roadside: the roadside unit's pipeline, independent of where the frames come from.
 *
 * Complete board frames (struct wire_frame: from the USB driver in alprd, or from the C model
 * of the board in-process for tests and benchmarks) go in; for each frame the recognizer reads
 * the plates, the tracker (track.h) folds the readings of consecutive frames into one read per
 * passing vehicle, and every finished read is written to the store with its plate crop (PNG),
 * one transaction per read, matched against the active hotlists inside that transaction
 * (store_add_read). Each alert raised is printed as one JSON line on the events stream (and to
 * syslog when enabled) carrying the reminder that an alert must be verified before any
 * enforcement action. The retention purge runs on its schedule and is logged. Health counters
 * are kept for the periodic / SIGUSR1 health line.
 *
 * Time: every call takes now_ms, a monotonic millisecond clock chosen by the caller (alprd:
 * CLOCK_MONOTONIC; tests: frame index * frame period). It must not decrease. The capture time
 * stored with a read is the store's clock (store_now) minus the age of the read's best frame.
 *
 * Durability: a read is either committed (store_add_read returned 0) or still held here (open
 * track, or waiting for a retry after a busy / full / failing store). roadside_flush() ends every
 * open track and commits it: call it before exiting so that nothing received is lost. A read the
 * store refuses as invalid is dropped and counted.
 *
 * Ownership: roadside_new() borrows the store (the caller opens and closes it, and uses it from
 * the same thread only) and the FILE streams of the configuration; it owns its tracker. One
 * thread per instance. struct roadside_sim (the in-process board) owns its model and parser.
 */
#ifndef ROADSIDE_H
#define ROADSIDE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "daemon_config.h"
#include "recog.h"
#include "store.h"
#include "track.h"
#include "wire.h"

#define ROADSIDE_ERROR_MAX 160 /* last_error text, NUL included */
#define ROADSIDE_RETRY_MAX 256 /* reads held for a retry when the store fails */
#define ROADSIDE_MAX_REGS  16  /* register writes of roadside_board_registers() */

enum roadside_error {
    ROADSIDE_OK = 0,
    ROADSIDE_ERR_NOMEM = -1,   /* out of memory */
    ROADSIDE_ERR_INVALID = -2, /* bad argument or configuration */
    ROADSIDE_ERR_STORE = -3,   /* the store failed and the read is held for a retry */
    ROADSIDE_ERR_BOARD = -4,   /* the in-process board (model) refused a register or frame */
};
const char *roadside_strerror(int err);

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
    int keep_crops;            /* 1: store the plate crop of the best frame (default 1) */
    int64_t purge_interval_ms; /* retention purge period; 0 = never; the first runs at once */
    FILE *events;              /* JSON lines: alerts (and reads with show_reads); may be NULL */
    FILE *log;                 /* human-readable log lines (purges, errors); may be NULL */
    int show_reads;            /* 1: reads too go to events (off by default: see ALPRD.md) */
    int use_syslog;            /* alerts, purges and errors also to syslog (caller opens it) */
    /* Called after each committed read (for latency measurements); may be NULL. */
    void (*on_commit)(void *ctx, int64_t read_id, const struct track_read *read, int64_t now_ms);
    void *on_commit_ctx;
};

/* Defaults: unit "UNIT-01", camera "CAM-1", agency "local police", track_config_default(),
 * recog_config_default(), crops kept, daily purge, events = stdout, log = stderr. */
void roadside_config_default(struct roadside_config *cfg);

/* Takes over what the daemon's configuration says (its strings are borrowed, not copied). */
void roadside_config_from_daemon(struct roadside_config *cfg, const struct daemon_config *dc);

/* ---- The pipeline ------------------------------------------------------------------------- */

struct roadside;

/*
 * Creates a pipeline writing to store s (borrowed). The configuration is copied (its strings and
 * streams stay borrowed). Returns 0 and *out, ROADSIDE_ERR_INVALID (no unit/camera/agency,
 * s NULL) or ROADSIDE_ERR_NOMEM.
 */
int roadside_new(const struct roadside_config *cfg, struct store *s, struct roadside **out)
    __attribute__((warn_unused_result));

/* Frees the pipeline WITHOUT committing open tracks (call roadside_flush() first). Accepts NULL. */
void roadside_free(struct roadside *r);

/*
 * Processes one complete frame received at now_ms: counts it (and the gap in the board's frame
 * numbers before it as dropped), recognizes it, tracks the readings, and commits the reads of
 * the vehicles that have left (tracks unseen for the gap). Returns 0; ROADSIDE_ERR_STORE when a
 * read could not be committed (it is held and retried at the next call); ROADSIDE_ERR_NOMEM.
 * Recognition errors of one frame (e.g. a frame without pixels) are counted, not returned.
 */
int roadside_frame(struct roadside *r, const struct wire_frame *f, int64_t now_ms)
    __attribute__((warn_unused_result));

/*
 * Housekeeping without a frame (call it when the queue is empty, at least every second):
 * commits the reads of tracks unseen for the gap, retries held reads, runs the purge when due.
 * Returns 0 or as roadside_frame.
 */
int roadside_tick(struct roadside *r, int64_t now_ms) __attribute__((warn_unused_result));

/*
 * Ends every open track and commits all reads (shutdown). Returns 0, or ROADSIDE_ERR_STORE when
 * some read could still not be committed (roadside_pending() tells how many remain).
 */
int roadside_flush(struct roadside *r, int64_t now_ms) __attribute__((warn_unused_result));

/* Reads held in memory: open tracks plus reads waiting for a retry. */
size_t roadside_pending(const struct roadside *r);

/* The board restarted its frame numbering (reset, reconnect): no gap is counted next. */
void roadside_link_reset(struct roadside *r);

/* Runs the retention purge now (also done on the schedule by roadside_tick). Returns 0 or
 * ROADSIDE_ERR_STORE. */
int roadside_purge(struct roadside *r) __attribute__((warn_unused_result));

/* Records an error from outside the pipeline (driver, queue) as the health line's last error. */
void roadside_note_error(struct roadside *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- Health ------------------------------------------------------------------------------- */

struct roadside_health {
    uint64_t frames;         /* frames received (given to roadside_frame) */
    uint64_t frames_dropped; /* frames the board numbered that never arrived here */
    uint64_t frames_failed;  /* frames recognition could not process */
    uint64_t readings;       /* plate readings over all frames */
    uint64_t reads;          /* reads committed */
    uint64_t alerts;         /* alerts raised */
    uint64_t store_errors;   /* failed commits (retried) and refused reads */
    uint64_t reads_refused;  /* reads dropped: refused by the store as invalid, or lost after
                                ROADSIDE_RETRY_MAX newer reads failed to commit too */
    uint64_t purges;         /* purges run */
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
 *   health frames=N dropped=N reads=N alerts=N queue=D/M tracks=N retry=N failed=N
 *   recog_ms=F link=up|down reconnects=N queue_dropped=N link_lost=N board_dropped=N
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
