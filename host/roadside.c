#include "roadside.h"
#include "cli.h"
#include "store_client.h"

#include "image.h"
#include "model.h"
#include "plate_match.h"
#include "store.h"
#include "store_hotlist.h"
#include "store_reads.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

/* The reminder every alert carries (R4): an alert is not a confirmation. */
static const char ALERT_NOTICE[] = "UNVERIFIED hotlist match: confirm it against the official "
                                   "database before any enforcement action";

/*
 * This file links no store function: alprd is a client of the store service and must not pull
 * the store (SQLite) in through the pipeline. The sink does the storing; the store's headers
 * are here for its types and error codes only.
 */

struct roadside {
    struct roadside_config cfg;
    struct roadside_sink sink;
    struct tracker *tracker;
    /* Finished reads not yet stored (the sink failed), oldest first, with their numbers. */
    size_t npending;
    struct track_read pending[ROADSIDE_RETRY_MAX];
    uint64_t pending_no[ROADSIDE_RETRY_MAX];
    /* Finished reads so far: the number ("read #N") that the log names a read by, never its
     * plate (a log is kept and copied where the store's rules do not reach). */
    uint64_t reads_finished;
    /* The sink's schedule: held reads are retried, an idle store pinged, not before these. */
    int64_t next_retry_ms, next_ping_ms;
    int sink_called; /* next_*_ms are set */
    int last_sink_err;
    /* Frame numbering of the board, for the dropped count. */
    int have_last;
    uint32_t last_frame;
    /* Counters. */
    struct roadside_health h;
    double recog_ms_sum;
};

const char *roadside_strerror(int err)
{
    switch (err) {
    case ROADSIDE_OK:
        return "success";
    case ROADSIDE_ERR_NOMEM:
        return "out of memory";
    case ROADSIDE_ERR_INVALID:
        return "invalid argument";
    case ROADSIDE_ERR_STORE:
        return "the store failed; the read is held for a retry";
    case ROADSIDE_ERR_BOARD:
        return "the board model refused a register or frame";
    default:
        return "unknown roadside error";
    }
}

void roadside_config_default(struct roadside_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->unit = "UNIT-01";
    cfg->camera = "CAM-1";
    cfg->agency = "local police";
    track_config_default(&cfg->track);
    recog_config_default(&cfg->recog);
    cfg->keep_crops = 1;
    cfg->events = stdout;
    cfg->log = stderr;
}

void roadside_config_from_daemon(struct roadside_config *cfg, const struct daemon_config *dc)
{
    cfg->unit = dc->unit;
    cfg->camera = dc->camera;
    cfg->agency = dc->agency;
    cfg->non_governmental = dc->non_governmental;
    cfg->has_position = dc->has_position;
    cfg->latitude = dc->latitude;
    cfg->longitude = dc->longitude;
    cfg->track.gap_ms = dc->track_gap_ms;
    cfg->track.min_confidence = (float)dc->min_confidence;
    cfg->track.min_frames = dc->min_frames;
    cfg->use_syslog = dc->use_syslog;
    cfg->recog.region = dc->region;
}

/* ---- Logging ------------------------------------------------------------------------------ */

static void vnote(struct roadside *r, int prio, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (prio <= LOG_WARNING) {
        size_t n = strnlen(msg, sizeof r->h.last_error - 1);
        memcpy(r->h.last_error, msg, n);
        r->h.last_error[n] = '\0';
    }
    if (r->cfg.log) {
        fprintf(r->cfg.log, "alprd: %s\n", msg);
        fflush(r->cfg.log);
    }
    if (r->cfg.use_syslog)
        syslog(prio, "%s", msg);
}

static void note(struct roadside *r, int prio, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void note(struct roadside *r, int prio, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vnote(r, prio, fmt, ap);
    va_end(ap);
}

void roadside_note_error(struct roadside *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vnote(r, LOG_ERR, fmt, ap);
    va_end(ap);
}

/* ---- Life cycle --------------------------------------------------------------------------- */

int roadside_new(const struct roadside_config *cfg, const struct roadside_sink *sink,
                 struct roadside **out)
{
    struct roadside *r;
    int rc;
    if (!cfg || !sink || !sink->ingest || !sink->free_alerts || !out || !cfg->unit || !*cfg->unit ||
        !cfg->camera || !*cfg->camera || !cfg->agency || !*cfg->agency)
        return ROADSIDE_ERR_INVALID;
    r = calloc(1, sizeof *r);
    if (!r)
        return ROADSIDE_ERR_NOMEM;
    r->cfg = *cfg;
    r->sink = *sink;
    rc = track_new(&r->cfg.track, &r->tracker);
    if (rc) {
        free(r);
        return ROADSIDE_ERR_NOMEM;
    }
    *out = r;
    return 0;
}

void roadside_free(struct roadside *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->npending; i++)
        track_read_free(&r->pending[i]);
    track_free(r->tracker);
    free(r);
}

size_t roadside_pending(const struct roadside *r)
{
    return track_open_count(r->tracker) + r->npending;
}

void roadside_link_reset(struct roadside *r)
{
    r->have_last = 0;
}

/* ---- Committing reads --------------------------------------------------------------------- */

static void print_alert(struct roadside *r, const struct store_alert *a, int64_t read_id,
                        const struct track_read *tr)
{
    char t[32];
    store_time_format(a->read_time, t, sizeof t);
    if (r->cfg.events) {
        FILE *f = r->cfg.events;
        fprintf(f, "{\"event\":\"alert\",\"alert_id\":%lld,\"read_id\":%lld,\"time\":",
                (long long)a->id, (long long)read_id);
        cli_json_string(f, t);
        fputs(",\"plate\":", f);
        cli_json_string(f, a->read_plate);
        fputs(",\"hotlist_plate\":", f);
        cli_json_string(f, a->entry_plate);
        fputs(",\"match\":", f);
        cli_json_string(f, a->kind);
        fputs(",\"reason\":", f);
        cli_json_string(f, a->reason);
        fputs(",\"incident\":", f);
        cli_json_string(f, a->incident);
        fputs(",\"unit\":", f);
        cli_json_string(f, r->cfg.unit);
        fputs(",\"camera\":", f);
        cli_json_string(f, r->cfg.camera);
        fprintf(f, ",\"confidence\":%.3f,\"frames\":%d,\"state\":", tr->best.confidence / 100.0,
                tr->frames_agree);
        cli_json_string(f, a->state);
        fputs(",\"notice\":", f);
        cli_json_string(f, ALERT_NOTICE);
        fputs("}\n", f);
        fflush(f);
    }
    if (r->cfg.use_syslog)
        syslog(LOG_WARNING,
               "alert %lld: read %lld plate %s matches hotlist %s (%s, %s, incident %s) at %s "
               "unit %s: %s",
               (long long)a->id, (long long)read_id, a->read_plate, a->entry_plate, a->kind,
               a->reason, a->incident, t, r->cfg.unit, ALERT_NOTICE);
}

static void print_read(struct roadside *r, int64_t read_id, const char *plate, int64_t when,
                       const struct track_read *tr, size_t png_len)
{
    char t[32];
    FILE *f = r->cfg.events;
    if (!r->cfg.show_reads || !f)
        return;
    store_time_format(when, t, sizeof t);
    fprintf(f, "{\"event\":\"read\",\"read_id\":%lld,\"time\":", (long long)read_id);
    cli_json_string(f, t);
    fputs(",\"plate\":", f);
    cli_json_string(f, plate);
    fprintf(f,
            ",\"confidence\":%.3f,\"frames_seen\":%d,\"frames_agree\":%d,\"best_frame\":%u,"
            "\"crop_png_bytes\":%zu,\"unit\":",
            tr->best.confidence / 100.0, tr->frames_seen, tr->frames_agree, tr->best_frame,
            png_len);
    cli_json_string(f, r->cfg.unit);
    fputs("}\n", f);
    fflush(f);
}

static double clamp01(double v)
{
    return v < 0 ? 0 : v > 1 ? 1 : v;
}

/*
 * Replaces every occurrence of word (any case) in text by "[plate]": the sink's messages come
 * from the store and its client, and what they say goes to the log, which must not hold a
 * plate even if one of them quotes it.
 */
static void scrub(char *text, size_t size, const char *word)
{
    static const char mark[] = "[plate]";
    char out[ROADSIDE_ERROR_MAX * 2];
    size_t n = word ? strlen(word) : 0, j = 0;
    if (n < 2 || size == 0)
        return;
    for (const char *p = text; *p && j + 1 < sizeof out;) {
        if (strncasecmp(p, word, n) == 0) {
            size_t m = sizeof mark - 1 < sizeof out - 1 - j ? sizeof mark - 1 : sizeof out - 1 - j;
            memcpy(out + j, mark, m);
            j += m;
            p += n;
        } else {
            out[j++] = *p++;
        }
    }
    if (j >= size)
        j = size - 1; /* as the caller's buffer would have cut it */
    memcpy(text, out, j);
    text[j] = '\0';
}

/* scrub() for the read's plate and every candidate text sent with it. */
static void scrub_read(char *text, size_t size, const struct store_read *sr)
{
    scrub(text, size, sr->plate);
    for (size_t i = 0; i < (size_t)sr->n_candidates; i++)
        scrub(text, size, sr->candidates[i].text);
}

/* ---- The store's state -------------------------------------------------------------------- */

const char *roadside_store_state_name(enum roadside_store_state state)
{
    static const char *const names[] = {"unknown", "ok",     "unreachable", "busy",
                                        "full",    "denied", "failing"};
    return (size_t)state < sizeof names / sizeof names[0] ? names[state] : "failing";
}

static enum roadside_store_state store_state_of(int err)
{
    switch (err) {
    case 0:
        return ROADSIDE_STORE_OK;
    case STORE_ERR_IO:
        return ROADSIDE_STORE_UNREACHABLE;
    case STORE_ERR_BUSY:
        return ROADSIDE_STORE_BUSY;
    case STORE_ERR_FULL:
        return ROADSIDE_STORE_FULL;
    case STORE_ERR_DENIED:
        return ROADSIDE_STORE_DENIED;
    default:
        return ROADSIDE_STORE_FAILING;
    }
}

/*
 * Records the sink's answer (0 or a STORE_ERR_*; what, its message) and schedules its next
 * call. A failing store is logged when it starts failing or fails differently, and when it is
 * back; not at every retry (a service that is down for an hour would fill the log).
 */
static void sink_answered(struct roadside *r, int err, const char *what, int64_t now_ms)
{
    enum roadside_store_state was = r->h.store, now = store_state_of(err);
    r->h.store = now;
    r->sink_called = 1;
    r->next_retry_ms = err ? now_ms + ROADSIDE_RETRY_MS : now_ms;
    r->next_ping_ms = now_ms + (err ? ROADSIDE_RETRY_MS : ROADSIDE_PING_MS);
    if (err && (now != was || err != r->last_sink_err))
        note(r, LOG_ERR, "store %s: %s; reads are held and retried every %d s",
             roadside_store_state_name(now), what[0] ? what : "no detail",
             ROADSIDE_RETRY_MS / 1000);
    else if (!err && was != ROADSIDE_STORE_OK && was != ROADSIDE_STORE_UNKNOWN)
        note(r, LOG_NOTICE, "store ok again (was %s)", roadside_store_state_name(was));
    r->last_sink_err = err;
}

/* ---- Storing reads ------------------------------------------------------------------------ */

/*
 * Sends one finished read to the sink. Returns 0 (stored), 1 (refused as invalid: drop it) or
 * ROADSIDE_ERR_STORE (keep it for a retry) / ROADSIDE_ERR_NOMEM.
 */
static int commit_read(struct roadside *r, const struct track_read *tr, uint64_t no, int64_t now_ms)
{
    struct store_read sr;
    char cand_text[STORE_MAX_CANDIDATES][PLATE_MAX_LEN + 1];
    char plate[PLATE_MAX_LEN + 1];
    char err[ROADSIDE_ERROR_MAX];
    uint8_t *png = NULL;
    size_t png_len = 0;
    struct store_alert *alerts = NULL;
    size_t nalerts = 0;
    int64_t read_id = 0, when;
    int rc;

    if (plate_normalize(tr->best.text, 0, plate) != 0) {
        note(r, LOG_WARNING, "read #%llu dropped: not a plate text", (unsigned long long)no);
        return 1;
    }
    memset(&sr, 0, sizeof sr);
    sr.plate = plate;
    sr.confidence = clamp01(tr->best.confidence / 100.0);
    for (int i = 0; i < tr->best.ncands && sr.n_candidates < STORE_MAX_CANDIDATES; i++) {
        char *c = cand_text[sr.n_candidates];
        if (plate_normalize(tr->best.cands[i].text, 0, c) != 0)
            continue;
        sr.candidates[sr.n_candidates].text = c;
        sr.candidates[sr.n_candidates].confidence = clamp01(tr->best.cands[i].confidence / 100.0);
        sr.n_candidates++;
    }
    /* The capture time: the wall clock minus the age of the best frame. */
    when = (r->cfg.now ? r->cfg.now(r->cfg.now_ctx) : (int64_t)time(NULL)) -
           (now_ms - tr->best_ms) / 1000;
    sr.time = when > 0 ? when : 1;
    sr.unit_id = r->cfg.unit;
    sr.camera_id = r->cfg.camera;
    sr.has_gps = r->cfg.has_position;
    sr.lat = r->cfg.latitude;
    sr.lon = r->cfg.longitude;
    sr.source_agency = r->cfg.agency;
    sr.non_governmental = r->cfg.non_governmental;
    sr.frames_agreeing = tr->frames_agree;
    if (r->cfg.keep_crops && tr->crop && tr->crop_w > 0 && tr->crop_h > 0) {
        struct image img = {tr->crop_w, tr->crop_h, tr->crop};
        rc = image_encode_png(&img, &png, &png_len);
        if (rc == IMAGE_ERR_NOMEM)
            return ROADSIDE_ERR_NOMEM;
        if (rc != 0 || png_len > STORE_IMAGE_MAX) {
            note(r, LOG_WARNING, "crop of read #%llu not kept: %s", (unsigned long long)no,
                 rc ? image_strerror(rc) : "too large");
            free(png);
            png = NULL;
            png_len = 0;
        }
    }
    sr.png = png;
    sr.png_len = png_len;

    err[0] = '\0';
    rc = r->sink.ingest(r->sink.ctx, &sr, &read_id, &alerts, &nalerts, err, sizeof err);
    free(png);
    scrub_read(err, sizeof err, &sr);
    if (rc == STORE_ERR_INVALID) {
        /* The store is there and said no: its state is fine, this read is not. */
        r->h.store_errors++;
        sink_answered(r, 0, "", now_ms);
        note(r, LOG_ERR, "read #%llu refused by the store: %s", (unsigned long long)no, err);
        return 1;
    }
    sink_answered(r, rc, err, now_ms);
    if (rc != 0) {
        r->h.store_errors++;
        return ROADSIDE_ERR_STORE;
    }
    r->h.reads++;
    if (err[0])
        note(r, LOG_ERR, "read #%llu (id %lld) stored, but: %s", (unsigned long long)no,
             (long long)read_id, err);
    if (r->cfg.on_commit)
        r->cfg.on_commit(r->cfg.on_commit_ctx, read_id, tr, now_ms);
    print_read(r, read_id, plate, sr.time, tr, png_len);
    for (size_t i = 0; i < nalerts; i++) {
        r->h.alerts++;
        print_alert(r, &alerts[i], read_id, tr);
    }
    r->sink.free_alerts(alerts);
    return 0;
}

/* Forgets the oldest held read (stored, refused or lost). */
static void drop_first(struct roadside *r)
{
    track_read_free(&r->pending[0]);
    memmove(&r->pending[0], &r->pending[1], (r->npending - 1) * sizeof r->pending[0]);
    memmove(&r->pending_no[0], &r->pending_no[1], (r->npending - 1) * sizeof r->pending_no[0]);
    r->npending--;
}

/*
 * Moves finished tracks into the pending list and stores the pending reads in order: when the
 * retry is due, or at once with force (shutdown).
 */
static int commit_ready(struct roadside *r, int64_t now_ms, int flush, int force)
{
    struct track_read tr;
    int rc = 0;
    while (track_pop(r->tracker, now_ms, flush, &tr) == 1) {
        if (r->npending == ROADSIDE_RETRY_MAX) {
            /* The store has failed for a long time: the oldest held read cannot be kept. */
            note(r, LOG_ERR, "read #%llu lost: %d newer reads are held for the store already",
                 (unsigned long long)r->pending_no[0], ROADSIDE_RETRY_MAX);
            r->h.reads_refused++;
            drop_first(r);
        }
        r->pending_no[r->npending] = ++r->reads_finished;
        r->pending[r->npending++] = tr;
    }
    if (r->npending > 0 && !force && r->sink_called && now_ms < r->next_retry_ms)
        return ROADSIDE_ERR_STORE; /* still held: the store failed a moment ago */
    while (r->npending > 0) {
        int c = commit_read(r, &r->pending[0], r->pending_no[0], now_ms);
        if (c < 0) {
            rc = c;
            break;
        }
        if (c == 1)
            r->h.reads_refused++;
        drop_first(r);
    }
    return rc;
}

/* Asks an idle sink whether the store is there, when due (see struct roadside_sink). */
static void ping_if_due(struct roadside *r, int64_t now_ms)
{
    char err[ROADSIDE_ERROR_MAX] = "";
    if (!r->sink.ping || r->npending > 0 || (r->sink_called && now_ms < r->next_ping_ms))
        return;
    int rc = r->sink.ping(r->sink.ctx, err, sizeof err);
    sink_answered(r, rc, err, now_ms);
}

/* ---- Frames ------------------------------------------------------------------------------- */

static double mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int roadside_frame(struct roadside *r, const struct wire_frame *f, int64_t now_ms)
{
    struct recog_result res;
    const struct wire_head *h;
    const uint8_t *gray = NULL;
    double t0;
    int rc;
    if (!r || !f)
        return ROADSIDE_ERR_INVALID;
    h = &f->head;
    r->h.frames++;
    if (r->have_last && h->frame > r->last_frame + 1u && h->frame > r->last_frame)
        r->h.frames_dropped += h->frame - r->last_frame - 1u;
    r->have_last = 1;
    r->last_frame = h->frame;

    t0 = mono_ms();
    rc = recog_read_wire(&r->cfg.recog, f, &res);
    r->recog_ms_sum += mono_ms() - t0;
    if (rc == RECOG_ERR_NOMEM)
        return ROADSIDE_ERR_NOMEM;
    if (rc) {
        r->h.frames_failed++;
        note(r, LOG_WARNING, "frame %u not recognized: %s", h->frame, recog_strerror(rc));
        res.nplates = 0;
    }
    r->h.readings += (uint64_t)res.nplates;
    if (h->pixel_mode == WIRE_PIXELS_GRAY8 && f->pixels &&
        f->pixels_len >= (size_t)h->roi_w * h->roi_h) {
        /* The evidence crop is cut from the pixel window: boxes move into its coordinates. */
        gray = f->pixels;
        for (int i = 0; i < res.nplates; i++) {
            res.plates[i].x -= h->roi_x;
            res.plates[i].y -= h->roi_y;
        }
    }
    rc = track_frame(r->tracker, now_ms, h->frame, &res, gray, h->roi_w, h->roi_h, h->roi_w);
    if (rc == TRACK_ERR_NOMEM)
        return ROADSIDE_ERR_NOMEM;
    if (rc)
        note(r, LOG_WARNING, "frame %u not tracked: %s", h->frame, track_strerror(rc));
    return commit_ready(r, now_ms, 0, 0);
}

int roadside_tick(struct roadside *r, int64_t now_ms)
{
    int rc = commit_ready(r, now_ms, 0, 0);
    ping_if_due(r, now_ms);
    return rc;
}

int roadside_flush(struct roadside *r, int64_t now_ms)
{
    return commit_ready(r, now_ms, 1, 1);
}

/* ---- Health ------------------------------------------------------------------------------- */

void roadside_health(const struct roadside *r, struct roadside_health *out)
{
    *out = r->h;
    out->open_tracks = track_open_count(r->tracker);
    out->retry = r->npending;
    out->recog_ms = r->h.frames ? r->recog_ms_sum / (double)r->h.frames : 0;
}

char *roadside_health_format(const struct roadside_health *h, const struct roadside_link *link,
                             char *buf, size_t size)
{
    char err[2 * ROADSIDE_ERROR_MAX];
    size_t j = 0;
    int n;
    for (const char *s = h->last_error; *s && j + 2 < sizeof err; s++) {
        if (*s == '"' || *s == '\\')
            err[j++] = '\\';
        err[j++] = (*s == '\n') ? ' ' : *s;
    }
    err[j] = '\0';
    n = snprintf(buf, size,
                 "health frames=%llu dropped=%llu reads=%llu alerts=%llu queue=%zu/%zu tracks=%zu "
                 "retry=%zu store=%s failed=%llu recog_ms=%.1f",
                 (unsigned long long)h->frames, (unsigned long long)h->frames_dropped,
                 (unsigned long long)h->reads, (unsigned long long)h->alerts,
                 link ? link->queue_depth : 0, link ? link->queue_max : 0, h->open_tracks, h->retry,
                 roadside_store_state_name(h->store), (unsigned long long)h->frames_failed,
                 h->recog_ms);
    if (n < 0 || (size_t)n >= size)
        return buf;
    if (link) {
        int m =
            snprintf(buf + n, size - (size_t)n,
                     " link=%s reconnects=%llu queue_dropped=%llu link_lost=%llu "
                     "board_dropped=%llu",
                     link->connected ? "up" : "down", (unsigned long long)link->reconnects,
                     (unsigned long long)link->queue_dropped, (unsigned long long)link->link_lost,
                     (unsigned long long)link->board_dropped);
        if (m < 0 || (size_t)m >= size - (size_t)n)
            return buf;
        n += m;
        const struct {
            const char *name;
            uint64_t kib;
        } mem[] = {{"rss_kb", link->rss_kib}, {"heap_kb", link->heap_kib}};
        for (size_t i = 0; i < sizeof mem / sizeof mem[0]; i++) {
            if (!mem[i].kib)
                continue;
            m = snprintf(buf + n, size - (size_t)n, " %s=%llu", mem[i].name,
                         (unsigned long long)mem[i].kib);
            if (m < 0 || (size_t)m >= size - (size_t)n)
                return buf;
            n += m;
        }
    }
    snprintf(buf + n, size - (size_t)n, " last_error=\"%s\"", err);
    return buf;
}

/* ---- Board set-up ------------------------------------------------------------------------- */

int roadside_board_registers(const struct daemon_config *dc, struct roadside_reg *regs, size_t max,
                             size_t *n)
{
    struct model_config mc = model_config_default();
    size_t k = 0;
    if (!dc || !regs || !n || max < 5)
        return ROADSIDE_ERR_INVALID;
    if (dc->frame_width < 1 || dc->frame_width > WIRE_MAX_WIDTH || dc->frame_height < 1 ||
        dc->frame_height > WIRE_MAX_HEIGHT || dc->window_log2 < 2 || dc->window_log2 > 7 ||
        dc->thresh_offset < 0 || dc->thresh_offset > 255 || dc->thresh_contrast < 0 ||
        dc->thresh_contrast > 255 || !daemon_config_roi_fits(dc))
        return ROADSIDE_ERR_INVALID;
    mc.win_log2 = (uint8_t)dc->window_log2;
    mc.plane[0].offset = (uint8_t)dc->thresh_offset;
    mc.plane[0].contrast = (uint8_t)dc->thresh_contrast;
    mc.plane[0].polarity = 0;
    mc.plane[0].enable = 1;
    regs[k++] = (struct roadside_reg){WIRE_REG_FRAME_SIZE, ((uint32_t)dc->frame_height << 16) |
                                                               (uint32_t)dc->frame_width};
    regs[k++] = (struct roadside_reg){WIRE_REG_THRESH_WINDOW, model_config_thresh_window(&mc)};
    regs[k++] = (struct roadside_reg){WIRE_REG_THRESH_PLANE0, model_config_thresh_plane(&mc, 0)};
    regs[k++] = (struct roadside_reg){WIRE_REG_OUTPUT, WIRE_PIXELS_GRAY8};
    regs[k++] =
        (struct roadside_reg){WIRE_REG_ROI_Y, ((uint32_t)dc->roi_h << 16) | (uint32_t)dc->roi_y};
    *n = k;
    return 0;
}

/* ---- The in-process board ----------------------------------------------------------------- */

struct roadside_sim {
    struct model *model;
    struct wire_parser *parser;
    wire_frame_fn fn;
    void *ctx;
    int cb_rc;
    uint64_t ticks;
};

static int sim_output(void *ctx, const uint8_t *data, size_t n)
{
    struct roadside_sim *sim = ctx;
    int rc = wire_parser_feed(sim->parser, data, n, sim->fn, sim->ctx, NULL);
    if (rc == WIRE_ERR_NOMEM)
        return -1;
    if (rc && !sim->cb_rc)
        sim->cb_rc = rc;
    return 0;
}

int roadside_sim_new(const struct roadside_reg *regs, size_t nregs, struct roadside_sim **out)
{
    struct roadside_sim *sim = calloc(1, sizeof *sim);
    int rc = ROADSIDE_ERR_NOMEM;
    if (!sim)
        return ROADSIDE_ERR_NOMEM;
    if (wire_parser_new(0, &sim->parser) != 0)
        goto fail;
    rc = model_new(sim_output, sim, &sim->model);
    if (rc) {
        rc = rc == MODEL_ERR_NOMEM ? ROADSIDE_ERR_NOMEM : ROADSIDE_ERR_BOARD;
        goto fail;
    }
    for (size_t i = 0; i < nregs; i++)
        if (model_reg_write(sim->model, regs[i].addr, regs[i].value) != 0) {
            rc = ROADSIDE_ERR_BOARD;
            goto fail;
        }
    if (model_reg_write(sim->model, WIRE_REG_CONTROL, WIRE_CONTROL_RUN) != 0) {
        rc = ROADSIDE_ERR_BOARD;
        goto fail;
    }
    *out = sim;
    return 0;
fail:
    roadside_sim_free(sim);
    return rc;
}

void roadside_sim_free(struct roadside_sim *sim)
{
    if (!sim)
        return;
    model_free(sim->model);
    wire_parser_free(sim->parser);
    free(sim);
}

int roadside_sim_frame(struct roadside_sim *sim, const uint8_t *gray, int w, int h, int stride,
                       wire_frame_fn fn, void *ctx)
{
    int rc;
    sim->fn = fn;
    sim->ctx = ctx;
    sim->cb_rc = 0;
    rc = model_frame(sim->model, gray, w, h, stride, sim->ticks);
    /* 30 frames/s at the board's pixel clock. */
    sim->ticks += MODEL_CLOCK_HZ / 30;
    sim->fn = NULL;
    sim->ctx = NULL;
    if (rc == MODEL_ERR_OUTPUT)
        return sim->cb_rc ? sim->cb_rc : ROADSIDE_ERR_NOMEM;
    if (rc)
        return ROADSIDE_ERR_BOARD;
    return sim->cb_rc;
}

void roadside_sim_stats(const struct roadside_sim *sim, struct wire_stats *out)
{
    wire_parser_stats(sim->parser, out);
}

/* ---- The service's sink ------------------------------------------------------------------- */

static int service_ingest(void *ctx, const struct store_read *read, int64_t *read_id,
                          struct store_alert **alerts, size_t *n_alerts, char *err, size_t err_size)
{
    return store_client_ingest_read(ctx, read, read_id, alerts, n_alerts, err, err_size);
}

/* "status" is the one other call of the reader's socket: whether the service is there. */
static int service_ping(void *ctx, char *err, size_t err_size)
{
    json_t *res = NULL;
    int rc = store_client_call(ctx, "status", NULL, &res, err, err_size);
    json_decref(res);
    return rc;
}

struct roadside_sink roadside_service_sink(struct store_client *c)
{
    return (struct roadside_sink){service_ingest, store_alerts_free, service_ping, c};
}
