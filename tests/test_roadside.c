/*
 * test_roadside: the roadside pipeline (host/roadside.h) on frames from the synthetic drive-by
 * generator (sim/scene.h) sent through the board's C model (no USB): the expected plates land in
 * the store, one read per vehicle, the hotlist alert is raised and printed with its reminder, the
 * audit log verifies; plus flush on shutdown, retry after a store failure, the purge schedule,
 * dropped-frame counting and the board register set-up.
 */
#include "roadside.h"

#include "image.h"
#include "scene.h"
#include "store.h"
#include "store_audit.h"
#include "store_auth.h"
#include "store_hotlist.h"
#include "store_reads.h"
#include "store_retention.h"
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0  1767225600 /* 2026-01-01T00:00:00Z */
#define PW  "correct horse battery"
#define FPS 30

struct clock {
    int64_t now;
};

static int64_t fake_now(void *ctx)
{
    return ((struct clock *)ctx)->now;
}

struct env {
    struct store *s;
    struct clock clock;
    struct store_session admin;
    char path[512];
};

static int env_open(struct env *e, const char *name)
{
    char tok[STORE_TOKEN_HEX];
    int64_t id;
    memset(e, 0, sizeof *e);
    snprintf(e->path, sizeof e->path, "%s/%s.db", test_tmpdir(), name);
    e->clock.now = T0;
    if (store_open(e->path, &e->s) != 0)
        return -1;
    store_set_clock(e->s, fake_now, &e->clock);
    if (store_member_init(e->s, "ada", PW, T0 - 86400, &id) != 0 ||
        store_login(e->s, "ada", PW, &e->admin, tok) != 0)
        return -1;
    return 0;
}

static const struct store_access search_access = {"investigation", "robbery", "2026-000123", NULL};

/* Stored reads of unit (all of them, newest first), or NULL. */
static struct store_read_list *stored_reads(struct env *e, const char *unit)
{
    struct store_query q = {0};
    struct store_read_list *l = NULL;
    q.unit = unit;
    q.limit = 1000;
    if (store_search(e->s, &e->admin, &search_access, &q, &l) != 0)
        return NULL;
    return l;
}

/* ---- Running a drive-by sequence through the pipeline ------------------------------------- */

#define MAX_VEH 8

struct run {
    struct roadside *r;
    int64_t now_ms;
    int frame_errors;
};

static int on_frame(void *ctx, const struct wire_frame *f)
{
    struct run *run = ctx;
    if (roadside_frame(run->r, f, run->now_ms) != 0)
        run->frame_errors++;
    return 0;
}

struct truth {
    int nveh;
    char plate[MAX_VEH][SCENE_TEXT_MAX];    /* "" when the vehicle's plate never showed whole */
    int plate_w[MAX_VEH], plate_h[MAX_VEH]; /* its size in the frame, border included */
};

static void truth_add(struct truth *t, const struct scene *sc)
{
    for (int i = 0; i < sc->nplates; i++) {
        int v = sc->plates[i].vehicle;
        if (v >= 0 && v < MAX_VEH) {
            memcpy(t->plate[v], sc->plates[i].text, SCENE_TEXT_MAX);
            t->plate_w[v] = sc->plates[i].box.w;
            t->plate_h[v] = sc->plates[i].box.h;
        }
    }
}

static int seq_open(struct scene_gen **gen, struct scene_sequence **seq, int vehicles,
                    double seconds, uint64_t seed)
{
    struct scene_sequence_params sp;
    if (scene_gen_open(NULL, gen) != 0)
        return -1;
    scene_sequence_params_default(&sp);
    sp.frame.width = 1280;
    sp.frame.height = 720;
    sp.frame.seed = seed;
    sp.frame.inverse_percent = 0;
    sp.vehicles = vehicles;
    sp.seconds = seconds;
    sp.fps = FPS;
    return scene_sequence_open(*gen, &sp, seq);
}

/* Renders frames [from, to) of seq through the board model into run->r; collects the truth. */
static int feed(struct roadside_sim *sim, const struct scene_sequence *seq, int from, int to,
                struct run *run, struct truth *truth)
{
    for (int i = from; i < to; i++) {
        struct scene sc;
        if (scene_sequence_render(seq, i, &sc) != 0)
            return -1;
        if (truth)
            truth_add(truth, &sc);
        run->now_ms = (int64_t)i * 1000 / FPS;
        int rc = roadside_sim_frame(sim, sc.pixels, sc.width, sc.height, sc.width, on_frame, run);
        scene_free(&sc);
        if (rc)
            return -1;
    }
    return 0;
}

static void default_daemon(struct daemon_config *dc, int w, int h)
{
    daemon_config_default(dc);
    dc->frame_width = w;
    dc->frame_height = h;
}

/* ---- Tests -------------------------------------------------------------------------------- */

static void test_drive_by_reads_and_alert(void)
{
    struct env e;
    struct scene_gen *gen = NULL;
    struct scene_sequence *seq = NULL;
    struct daemon_config dc;
    struct roadside_reg regs[ROADSIDE_MAX_REGS];
    size_t nregs;
    struct roadside_sim *sim = NULL;
    struct roadside_config cfg;
    struct run run = {0};
    struct truth truth = {0}, pre = {0};
    struct store_import_result imp;
    struct roadside_health h;
    char events_path[600], hot_plate[SCENE_TEXT_MAX] = "";
    FILE *events;
    const int vehicles = 3;

    REQUIRE(env_open(&e, "driveby") == 0);
    if (seq_open(&gen, &seq, vehicles, 3.0, 11) != 0) {
        scene_gen_close(gen);
        store_close(e.s);
        SKIP("no DejaVu font for the scene generator");
    }
    /* A cheap first look at the clip gives the plate to put on the hotlist. */
    for (int i = 0; i < scene_sequence_frames(seq) && !hot_plate[0]; i += 3) {
        struct scene sc;
        REQUIRE(scene_sequence_render(seq, i, &sc) == 0);
        truth_add(&pre, &sc);
        scene_free(&sc);
        if (pre.plate[0][0])
            memcpy(hot_plate, pre.plate[0], sizeof hot_plate);
    }
    REQUIRE(hot_plate[0]);
    char csv[256];
    snprintf(csv, sizeof csv,
             "plate,state,reason,source,expiry,incident\n%s,UT,stolen vehicle,NCIC,2026-12-31,"
             "2026-000777\n",
             hot_plate);
    REQUIRE(store_hotlist_import_csv(e.s, &e.admin, "demo", csv, strlen(csv), &imp) == 0);

    snprintf(events_path, sizeof events_path, "%s/events.jsonl", test_tmpdir());
    events = fopen(events_path, "w+");
    REQUIRE(events);
    default_daemon(&dc, 1280, 720);
    REQUIRE(roadside_board_registers(&dc, regs, ROADSIDE_MAX_REGS, &nregs) == 0);
    REQUIRE(roadside_sim_new(regs, nregs, &sim) == 0);
    roadside_config_default(&cfg);
    roadside_config_from_daemon(&cfg, &dc);
    cfg.unit = "UNIT-T";
    cfg.events = events;
    cfg.log = NULL;
    cfg.use_syslog = 0;
    cfg.show_reads = 1;
    REQUIRE(roadside_new(&cfg, e.s, &run.r) == 0);

    int n = scene_sequence_frames(seq);
    CHECK(feed(sim, seq, 0, n, &run, &truth) == 0);
    CHECK_EQ_INT(run.frame_errors, 0);
    CHECK(roadside_flush(run.r, run.now_ms + 1000) == 0);
    CHECK_EQ_INT(roadside_pending(run.r), 0);
    roadside_health(run.r, &h);
    CHECK_EQ_INT(h.frames, n);
    CHECK_EQ_INT(h.frames_dropped, 0);
    CHECK_EQ_INT(h.frames_failed, 0);
    CHECK(h.alerts >= 1);

    /* The reads in the store: every read is one vehicle's plate, no vehicle read twice. */
    struct store_read_list *l = stored_reads(&e, "UNIT-T");
    REQUIRE(l);
    int per_vehicle[MAX_VEH] = {0}, unknown = 0, with_image = 0;
    for (size_t i = 0; i < l->n; i++) {
        int v = -1;
        for (int k = 0; k < vehicles; k++)
            if (truth.plate[k][0] && strcmp(truth.plate[k], l->items[i].plate) == 0)
                v = k;
        if (v < 0) {
            unknown++;
            fprintf(stderr, "  read %s matches no vehicle\n", l->items[i].plate);
        } else {
            per_vehicle[v]++;
        }
        with_image += l->items[i].has_image;
        if (v >= 0 && l->items[i].has_image) {
            /* The evidence crop decodes and holds the whole plate, not only its characters. */
            uint8_t *png = NULL;
            size_t len = 0;
            struct image im;
            CHECK(store_read_image(e.s, &e.admin, &search_access, l->items[i].id, &png, &len) == 0);
            if (png && image_load_mem(png, len, &im) == 0) {
                CHECK(im.width * 10 >= truth.plate_w[v] * 9);
                CHECK(im.height * 10 >= truth.plate_h[v] * 9);
                CHECK(im.width <= truth.plate_w[v] * 2 && im.height <= truth.plate_h[v] * 3);
                image_free(&im);
            } else {
                CHECK(!"the crop is a PNG");
            }
            free(png);
        }
        CHECK(l->items[i].frames_agreeing >= dc.min_frames);
        CHECK(l->items[i].time >= T0 - 10 && l->items[i].time <= T0);
    }
    int read_vehicles = 0;
    for (int k = 0; k < vehicles; k++) {
        fprintf(stderr, "  vehicle %d %-8s reads %d\n", k, truth.plate[k], per_vehicle[k]);
        CHECK(per_vehicle[k] <= 1);
        read_vehicles += per_vehicle[k] == 1;
    }
    fprintf(stderr, "  %d of %d vehicles read, %d other reads, %llu frames, %.1f ms recog/frame\n",
            read_vehicles, vehicles, unknown, (unsigned long long)h.frames, h.recog_ms);
    CHECK_EQ_INT(unknown, 0);
    CHECK(read_vehicles >= vehicles - 1);
    CHECK_EQ_INT(per_vehicle[0], 1); /* the hotlisted one */
    CHECK_EQ_INT(with_image, (int)l->n);
    CHECK_EQ_INT(h.reads, l->n);
    store_read_list_free(l);

    /* The alert: in the store (unverified) and on the events stream with the reminder. */
    struct store_alert_list *al = NULL;
    REQUIRE(store_alert_list(e.s, &e.admin, NULL, 0, 0, 0, &al) == 0);
    CHECK_EQ_INT(al->n, 1);
    if (al->n == 1) {
        CHECK_EQ_STR(al->items[0].read_plate, hot_plate);
        CHECK_EQ_STR(al->items[0].state, "unverified");
    }
    store_alert_list_free(al);
    char line[2048];
    int alert_lines = 0, read_lines = 0;
    rewind(events);
    while (fgets(line, sizeof line, events)) {
        if (strstr(line, "\"event\":\"alert\"")) {
            alert_lines++;
            CHECK(strstr(line, hot_plate) != NULL);
            CHECK(strstr(line, "UNVERIFIED") != NULL);
            CHECK(strstr(line, "before any enforcement") != NULL);
            CHECK(strstr(line, "\"incident\":\"2026-000777\"") != NULL);
        } else if (strstr(line, "\"event\":\"read\"")) {
            read_lines++;
        }
    }
    CHECK_EQ_INT(alert_lines, 1);
    CHECK_EQ_INT(read_lines, (int)h.reads);
    fclose(events);

    struct store_audit_verify_result vr;
    CHECK(store_audit_verify(e.s, &e.admin, &vr) == 0);
    CHECK(vr.entries > 0);

    roadside_free(run.r);
    roadside_sim_free(sim);
    scene_sequence_close(seq);
    scene_gen_close(gen);
    store_close(e.s);
}

/* One vehicle cut short: its track is still open; the flush (SIGTERM) commits it. */
static void test_flush_commits_open_track(void)
{
    struct env e;
    struct scene_gen *gen = NULL;
    struct scene_sequence *seq = NULL;
    struct daemon_config dc;
    struct roadside_reg regs[ROADSIDE_MAX_REGS];
    size_t nregs;
    struct roadside_sim *sim = NULL;
    struct roadside_config cfg;
    struct run run = {0};
    struct truth truth = {0};
    int first = -1, last = -1;

    REQUIRE(env_open(&e, "flush") == 0);
    if (seq_open(&gen, &seq, 1, 1.0, 5) != 0) {
        scene_gen_close(gen);
        store_close(e.s);
        SKIP("no DejaVu font for the scene generator");
    }
    /* Find the frames where the plate is whole. */
    for (int i = 0; i < scene_sequence_frames(seq); i++) {
        struct scene sc;
        REQUIRE(scene_sequence_render(seq, i, &sc) == 0);
        if (sc.nplates > 0) {
            if (first < 0)
                first = i;
            last = i;
        }
        scene_free(&sc);
    }
    REQUIRE(first >= 0 && last - first >= 4);
    default_daemon(&dc, 1280, 720);
    REQUIRE(roadside_board_registers(&dc, regs, ROADSIDE_MAX_REGS, &nregs) == 0);
    REQUIRE(roadside_sim_new(regs, nregs, &sim) == 0);
    roadside_config_default(&cfg);
    roadside_config_from_daemon(&cfg, &dc);
    cfg.events = NULL;
    cfg.log = NULL;
    cfg.use_syslog = 0;
    REQUIRE(roadside_new(&cfg, e.s, &run.r) == 0);
    /* Half the vehicle's frames, then no more: the track stays open. */
    int mid = first + (last - first) / 2 + 1;
    CHECK(feed(sim, seq, first, mid, &run, &truth) == 0);
    CHECK(roadside_tick(run.r, run.now_ms) == 0);
    CHECK_EQ_INT(roadside_pending(run.r), 1);
    struct store_read_list *l = stored_reads(&e, "UNIT-01");
    REQUIRE(l);
    CHECK_EQ_INT(l->n, 0);
    store_read_list_free(l);

    CHECK(roadside_flush(run.r, run.now_ms) == 0);
    CHECK_EQ_INT(roadside_pending(run.r), 0);
    l = stored_reads(&e, "UNIT-01");
    REQUIRE(l);
    CHECK_EQ_INT(l->n, 1);
    if (l->n == 1)
        CHECK_EQ_STR(l->items[0].plate, truth.plate[0]);
    store_read_list_free(l);

    roadside_free(run.r);
    roadside_sim_free(sim);
    scene_sequence_close(seq);
    scene_gen_close(gen);
    store_close(e.s);
}

struct first_reading {
    const struct recog_config *cfg;
    char text[RECOG_MAX_CHARS + 1];
};

static int first_reading_cb(void *ctx, const struct wire_frame *f)
{
    struct first_reading *fr = ctx;
    struct recog_result res;
    if (recog_read_wire(fr->cfg, f, &res) == 0 && res.nplates > 0)
        memcpy(fr->text, res.plates[0].text, sizeof fr->text);
    return 0;
}

/* A full store refuses the read; it is held, retried, and committed once there is room. Then
 * the purge schedule removes it when it is older than the retention period. */
static void test_store_failure_retry_and_purge(void)
{
    struct env e;
    struct scene_gen *gen = NULL;
    struct scene_params sp;
    struct scene sc;
    struct daemon_config dc;
    struct roadside_reg regs[ROADSIDE_MAX_REGS];
    size_t nregs;
    struct roadside_sim *sim = NULL;
    struct roadside_config cfg;
    struct run run = {0};
    struct roadside_health h;

    REQUIRE(env_open(&e, "retry") == 0);
    if (scene_gen_open(NULL, &gen) != 0) {
        store_close(e.s);
        SKIP("no DejaVu font for the scene generator");
    }
    scene_params_default(&sp);
    sp.width = 640;
    sp.height = 360;
    sp.min_plate_width = 180;
    sp.max_plate_width = 220;
    sp.inverse_percent = 0;
    sp.seed = 3;
    REQUIRE(scene_render(gen, &sp, &sc) == 0);
    REQUIRE(sc.nplates == 1);
    default_daemon(&dc, 640, 360);
    REQUIRE(roadside_board_registers(&dc, regs, ROADSIDE_MAX_REGS, &nregs) == 0);
    REQUIRE(roadside_sim_new(regs, nregs, &sim) == 0);
    roadside_config_default(&cfg);
    roadside_config_from_daemon(&cfg, &dc);
    cfg.events = NULL;
    cfg.log = NULL;
    cfg.use_syslog = 0;
    cfg.purge_interval_ms = 10000;
    REQUIRE(roadside_new(&cfg, e.s, &run.r) == 0);

    struct recog_config rc;
    recog_config_default(&rc);
    struct first_reading fr = {&rc, ""};
    REQUIRE(roadside_sim_frame(sim, sc.pixels, sc.width, sc.height, sc.width, first_reading_cb,
                               &fr) == 0);
    char first_text[RECOG_MAX_CHARS + 1];
    memcpy(first_text, fr.text, sizeof first_text);
    REQUIRE(first_text[0]);
    if (strcmp(first_text, sc.plates[0].text) != 0)
        fprintf(stderr, "  note: the recognizer reads %s as %s\n", sc.plates[0].text, first_text);
    for (int i = 0; i < 4; i++) {
        run.now_ms = i * 33;
        CHECK(roadside_sim_frame(sim, sc.pixels, sc.width, sc.height, sc.width, on_frame, &run) ==
              0);
    }
    CHECK_EQ_INT(run.frame_errors, 0);
    roadside_health(run.r, &h);
    CHECK_EQ_INT(h.purges, 1); /* the first purge runs at once */
    CHECK_EQ_INT(h.open_tracks, 1);

    /* The disk is full: the vehicle's read cannot be committed and is held. */
    REQUIRE(store_set_max_pages(e.s, 1) == 0);
    CHECK_EQ_INT(roadside_tick(run.r, 2000), ROADSIDE_ERR_STORE);
    CHECK_EQ_INT(roadside_pending(run.r), 1);
    roadside_health(run.r, &h);
    CHECK_EQ_INT(h.retry, 1);
    CHECK_EQ_INT(h.reads, 0);
    CHECK(h.store_errors >= 1);
    CHECK(h.last_error[0] != '\0');

    /* Room again: the next tick commits it. */
    REQUIRE(store_set_max_pages(e.s, 1000000) == 0);
    CHECK_EQ_INT(roadside_tick(run.r, 3000), 0);
    CHECK_EQ_INT(roadside_pending(run.r), 0);
    roadside_health(run.r, &h);
    CHECK_EQ_INT(h.reads, 1);
    struct store_read_list *l = stored_reads(&e, "UNIT-01");
    REQUIRE(l);
    CHECK_EQ_INT(l->n, 1);
    if (l->n == 1) {
        /* What the recognizer made of this frame is what must be stored (the accuracy of the
         * recognizer itself is the drive-by test's and bench-accuracy's business). */
        CHECK_EQ_STR(l->items[0].plate, first_text);
        CHECK_EQ_INT(l->items[0].frames_agreeing, 4);
        CHECK_EQ_INT(l->items[0].has_image, 1);
    }
    store_read_list_free(l);

    /* Ten months later the next scheduled purge removes it. */
    e.clock.now = T0 + 300 * 86400LL;
    CHECK_EQ_INT(roadside_tick(run.r, 9000), 0); /* not due yet */
    roadside_health(run.r, &h);
    CHECK_EQ_INT(h.purges, 1);
    CHECK_EQ_INT(roadside_tick(run.r, 12000), 0);
    roadside_health(run.r, &h);
    CHECK_EQ_INT(h.purges, 2);
    char tok[STORE_TOKEN_HEX];
    REQUIRE(store_login(e.s, "ada", PW, &e.admin, tok) == 0);
    l = stored_reads(&e, "UNIT-01");
    REQUIRE(l);
    CHECK_EQ_INT(l->n, 0);
    store_read_list_free(l);

    roadside_free(run.r);
    roadside_sim_free(sim);
    scene_free(&sc);
    scene_gen_close(gen);
    store_close(e.s);
}

/* Gaps in the board's frame numbers count as dropped; a frame without pixels as failed. */
static void test_dropped_frames_and_health_line(void)
{
    struct env e;
    struct roadside_config cfg;
    struct roadside *r = NULL;
    struct wire_frame f;
    struct roadside_health h;
    struct roadside_link link = {1, 2, 3, 8, 4, 5, 6, 7000, 0};
    char line[512];

    REQUIRE(env_open(&e, "drops") == 0);
    roadside_config_default(&cfg);
    cfg.events = NULL;
    cfg.log = NULL;
    cfg.purge_interval_ms = 0;
    REQUIRE(roadside_new(&cfg, e.s, &r) == 0);
    memset(&f, 0, sizeof f);
    f.head.version = 1;
    f.head.pixel_mode = WIRE_PIXELS_NONE;
    f.head.width = 64;
    f.head.height = 32;
    const uint32_t numbers[] = {7, 8, 12, 13, 0, 1};
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
        f.head.frame = numbers[i];
        if (numbers[i] == 0)
            roadside_link_reset(r); /* the board was reset: numbering restarts */
        CHECK(roadside_frame(r, &f, (int64_t)i * 33) == 0);
    }
    roadside_health(r, &h);
    CHECK_EQ_INT(h.frames, 6);
    CHECK_EQ_INT(h.frames_dropped, 3);
    CHECK_EQ_INT(h.frames_failed, 6);
    CHECK(strstr(h.last_error, "frame 1 ") != NULL);
    roadside_note_error(r, "usb: \"device\" gone");
    roadside_health(r, &h);
    roadside_health_format(&h, &link, line, sizeof line);
    fprintf(stderr, "  %s\n", line);
    const char *want = "health frames=6 dropped=3 reads=0 alerts=0 queue=3/8 tracks=0 ";
    CHECK(strncmp(line, want, strlen(want)) == 0);
    CHECK(strstr(line, " link=up reconnects=2 queue_dropped=4 link_lost=5 board_dropped=6 "
                       "rss_kb=7000 last_error=") != NULL);
    link.heap_kib = 3000; /* shown when known */
    roadside_health_format(&h, &link, line, sizeof line);
    CHECK(strstr(line, " rss_kb=7000 heap_kb=3000 last_error=") != NULL);
    CHECK(strstr(line, "last_error=\"usb: \\\"device\\\" gone\"") != NULL);
    roadside_free(r);
    store_close(e.s);
}

struct got {
    int n;
    struct wire_head head;
    size_t pixels_len;
};

static int got_frame(void *ctx, const struct wire_frame *f)
{
    struct got *g = ctx;
    g->n++;
    g->head = f->head;
    g->pixels_len = f->pixels_len;
    return 0;
}

/* The configuration becomes register writes the board model accepts; the ROI band arrives. */
static void test_board_registers(void)
{
    struct daemon_config dc;
    struct roadside_reg regs[ROADSIDE_MAX_REGS];
    size_t n = 0;
    struct roadside_sim *sim = NULL;
    uint8_t *gray;

    daemon_config_default(&dc);
    dc.frame_width = 320;
    dc.frame_height = 240;
    dc.roi_y = 40;
    dc.roi_h = 100;
    dc.thresh_offset = 60;
    dc.thresh_contrast = 12;
    dc.window_log2 = 5;
    REQUIRE(roadside_board_registers(&dc, regs, ROADSIDE_MAX_REGS, &n) == 0);
    CHECK_EQ_INT(n, 5);
    CHECK_EQ_INT(regs[0].addr, WIRE_REG_FRAME_SIZE);
    CHECK_EQ_INT(regs[0].value, (240u << 16) | 320u);
    CHECK_EQ_INT(regs[2].addr, WIRE_REG_THRESH_PLANE0);
    CHECK_EQ_INT(regs[2].value, 12u << 16 | 0x200u | 60u);
    CHECK_EQ_INT(regs[4].value, (100u << 16) | 40u);
    CHECK_EQ_INT(roadside_board_registers(&dc, regs, 3, &n), ROADSIDE_ERR_INVALID);
    dc.thresh_contrast = 256;
    CHECK_EQ_INT(roadside_board_registers(&dc, regs, ROADSIDE_MAX_REGS, &n), ROADSIDE_ERR_INVALID);
    dc.thresh_contrast = 12;
    dc.roi_y = 200; /* band below the frame */
    CHECK_EQ_INT(roadside_board_registers(&dc, regs, ROADSIDE_MAX_REGS, &n), ROADSIDE_ERR_INVALID);
    dc.roi_y = 40;
    REQUIRE(roadside_board_registers(&dc, regs, ROADSIDE_MAX_REGS, &n) == 0);

    REQUIRE(roadside_sim_new(regs, n, &sim) == 0);
    gray = malloc(320 * 240);
    REQUIRE(gray);
    memset(gray, 180, 320 * 240);
    struct got got = {0};
    CHECK(roadside_sim_frame(sim, gray, 320, 240, 320, got_frame, &got) == 0);
    CHECK_EQ_INT(got.n, 1);
    CHECK_EQ_INT(got.head.width, 320);
    CHECK_EQ_INT(got.head.roi_y, 40);
    CHECK_EQ_INT(got.head.roi_h, 100);
    CHECK_EQ_INT(got.head.pixel_mode, WIRE_PIXELS_GRAY8);
    CHECK_EQ_INT(got.head.thresh0, 12u << 16 | 0x200u | 60u);
    CHECK_EQ_INT(got.pixels_len, 320 * 100);
    free(gray);
    roadside_sim_free(sim);
}

int main(void)
{
    RUN(test_board_registers);
    RUN(test_dropped_frames_and_health_line);
    RUN(test_store_failure_retry_and_purge);
    RUN(test_flush_commits_open_track);
    RUN(test_drive_by_reads_and_alert);
    return test_finish();
}
