/*
 * test_roadside: the roadside pipeline (host/roadside.h) on frames from the synthetic drive-by
 * generator (sim/scene.h) sent through the board's C model (no USB), its reads going to a sink
 * that stores them in a store this test opens (store_add_read: the store's own checks run): the
 * expected plates land in the store, one read per vehicle, the hotlist alert is raised and
 * printed with its reminder, the audit log verifies; plus flush on shutdown, reads held and
 * retried while the store is full or unreachable, refused reads dropped, the store's state in
 * the health line, dropped-frame counting and the board register set-up. (The same pipeline
 * over the store service: tests/test_roadside_service.c.)
 */
#define _GNU_SOURCE /* strcasestr */
#include "roadside.h"

#include "image.h"
#include "scene.h"
#include "store.h"
#include "store_audit.h"
#include "store_auth.h"
#include "store_hotlist.h"
#include "store_reads.h"
#include "test_store_util.h"
#include "testlib.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FPS 30

/*
 * The sink: the test's store (test_store_util.h's fixture: its day-key ring, its clock at T0,
 * its administrator), behind a switch that makes it fail as the store service can (fail != 0:
 * every call answers that error without reaching the store).
 */
struct env {
    struct fixture f;
    struct store *s;            /* f.s */
    struct store_session admin; /* f.admin */
    struct roadside_sink sink;
    int fail; /* 0, or the STORE_ERR_* every call answers */
    int ingest_calls, ping_calls;
};

static int sink_ingest(void *ctx, const struct store_read *read, int64_t *read_id,
                       struct store_alert **alerts, size_t *n_alerts, char *err, size_t err_size)
{
    struct env *e = ctx;
    int rc;
    e->ingest_calls++;
    rc = e->fail ? e->fail : store_add_read(e->s, read, read_id, alerts, n_alerts);
    if (rc != 0)
        snprintf(err, err_size, "test sink: %s", store_strerror(rc));
    return rc;
}

static int sink_ping(void *ctx, char *err, size_t err_size)
{
    struct env *e = ctx;
    e->ping_calls++;
    if (e->fail)
        snprintf(err, err_size, "test sink: %s", store_strerror(e->fail));
    return e->fail;
}

static int env_open(struct env *e, const char *name)
{
    memset(e, 0, sizeof *e);
    if (fixture_open(&e->f, name) != 0)
        return -1;
    e->s = e->f.s;
    e->admin = e->f.admin;
    e->sink = (struct roadside_sink){sink_ingest, store_alerts_free, NULL, e};
    return 0;
}

static void env_close(struct env *e)
{
    fixture_close(&e->f);
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

/* The pipeline's configuration for e: quiet, capture times from e's clock. */
static void quiet_config(struct roadside_config *cfg, const struct daemon_config *dc, struct env *e)
{
    roadside_config_default(cfg);
    roadside_config_from_daemon(cfg, dc);
    cfg->now = fake_now;
    cfg->now_ctx = &e->f.clock;
    cfg->events = NULL;
    cfg->log = NULL;
    cfg->use_syslog = 0;
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
        env_close(&e);
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
    quiet_config(&cfg, &dc, &e);
    cfg.unit = "UNIT-T";
    cfg.events = events;
    cfg.show_reads = 1;
    REQUIRE(roadside_new(&cfg, &e.sink, &run.r) == 0);

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
    REQUIRE(store_alert_list(e.s, &e.admin, &search_access, NULL, 0, 0, 0, &al) == 0);
    CHECK_EQ_INT(al->n, 1);
    char want_ids[80] = "(no alert)";
    if (al->n == 1) {
        CHECK_EQ_STR(al->items[0].read_plate, hot_plate);
        CHECK_EQ_STR(al->items[0].state, "unverified");
        snprintf(want_ids, sizeof want_ids, "\"alert_id\":%lld,\"read_id\":%lld,",
                 (long long)al->items[0].id, (long long)al->items[0].read_id);
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
            CHECK(strstr(line, "\"state\":\"unverified\"") != NULL);
            CHECK(strstr(line, want_ids) != NULL);
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
    env_close(&e);
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
        env_close(&e);
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
    quiet_config(&cfg, &dc, &e);
    REQUIRE(roadside_new(&cfg, &e.sink, &run.r) == 0);
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
    env_close(&e);
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

/* One vehicle standing in front of the camera: one frame shown several times. */
struct one_vehicle {
    struct scene_gen *gen;
    struct scene sc;
    struct roadside_sim *sim;
    char text[RECOG_MAX_CHARS + 1]; /* what the recognizer makes of it */
};

/* REQUIRE for the helpers that return an int: -1 on failure. */
#define NEED(cond)                                                                                 \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            test_fail(__FILE__, __LINE__, "required: %s", #cond);                                  \
            return -1;                                                                             \
        }                                                                                          \
    } while (0)

/* Returns 0, 1 when the scene generator has no font (skip), or -1 (a failure recorded). */
static int one_vehicle_open(struct one_vehicle *o, struct daemon_config *dc)
{
    struct scene_params sp;
    struct roadside_reg regs[ROADSIDE_MAX_REGS];
    size_t nregs;
    struct recog_config rc;
    memset(o, 0, sizeof *o);
    if (scene_gen_open(NULL, &o->gen) != 0)
        return 1;
    scene_params_default(&sp);
    sp.width = 640;
    sp.height = 360;
    sp.min_plate_width = 180;
    sp.max_plate_width = 220;
    sp.inverse_percent = 0;
    sp.seed = 3;
    NEED(scene_render(o->gen, &sp, &o->sc) == 0);
    NEED(o->sc.nplates == 1);
    default_daemon(dc, 640, 360);
    NEED(roadside_board_registers(dc, regs, ROADSIDE_MAX_REGS, &nregs) == 0);
    NEED(roadside_sim_new(regs, nregs, &o->sim) == 0);
    recog_config_default(&rc);
    struct first_reading fr = {&rc, ""};
    NEED(roadside_sim_frame(o->sim, o->sc.pixels, o->sc.width, o->sc.height, o->sc.width,
                            first_reading_cb, &fr) == 0);
    memcpy(o->text, fr.text, sizeof o->text);
    NEED(o->text[0]);
    if (strcmp(o->text, o->sc.plates[0].text) != 0)
        fprintf(stderr, "  note: the recognizer reads %s as %s\n", o->sc.plates[0].text, o->text);
    return 0;
}

/* Shows the vehicle in 4 frames from t0 on (33 ms apart): its track is open after it. */
static void one_vehicle_pass(struct one_vehicle *o, struct run *run, int64_t t0)
{
    for (int i = 0; i < 4; i++) {
        run->now_ms = t0 + i * 33;
        CHECK(roadside_sim_frame(o->sim, o->sc.pixels, o->sc.width, o->sc.height, o->sc.width,
                                 on_frame, run) == 0);
    }
}

static void one_vehicle_close(struct one_vehicle *o)
{
    roadside_sim_free(o->sim);
    scene_free(&o->sc);
    scene_gen_close(o->gen);
}

/* The health line of r, into line. */
static const char *health_line(struct roadside *r, char *line, size_t size)
{
    struct roadside_health h;
    roadside_health(r, &h);
    return roadside_health_format(&h, NULL, line, size);
}

/* A full store refuses the read; it is held, retried no sooner than ROADSIDE_RETRY_MS later, and
 * stored once there is room. */
static void test_store_full_read_held_and_retried(void)
{
    struct env e;
    struct one_vehicle o;
    struct daemon_config dc;
    struct roadside_config cfg;
    struct run run = {0};
    struct roadside_health h;
    char line[512];

    REQUIRE(env_open(&e, "retry") == 0);
    int orc = one_vehicle_open(&o, &dc);
    if (orc == 1) {
        env_close(&e);
        SKIP("no DejaVu font for the scene generator");
    }
    REQUIRE(orc == 0);
    quiet_config(&cfg, &dc, &e);
    REQUIRE(roadside_new(&cfg, &e.sink, &run.r) == 0);
    one_vehicle_pass(&o, &run, 0);
    CHECK_EQ_INT(run.frame_errors, 0);
    roadside_health(run.r, &h);
    CHECK_EQ_INT(h.open_tracks, 1);
    CHECK_EQ_INT(h.store, ROADSIDE_STORE_UNKNOWN); /* no ping in this sink, no read yet */

    /* The disk is full: the vehicle's read cannot be stored and is held. */
    REQUIRE(store_set_max_pages(e.s, 1) == 0);
    CHECK_EQ_INT(roadside_tick(run.r, 2000), ROADSIDE_ERR_STORE);
    CHECK_EQ_INT(roadside_pending(run.r), 1);
    roadside_health(run.r, &h);
    CHECK_EQ_INT(h.retry, 1);
    CHECK_EQ_INT(h.reads, 0);
    CHECK(h.store_errors >= 1);
    CHECK_EQ_INT(h.store, ROADSIDE_STORE_FULL);
    CHECK(strstr(h.last_error, "store full") != NULL);
    CHECK(strstr(health_line(run.r, line, sizeof line), " retry=1 store=full ") != NULL);

    /* Room again, but the retry is not due yet: the store is not asked. */
    REQUIRE(store_set_max_pages(e.s, 1000000) == 0);
    int calls = e.ingest_calls;
    CHECK_EQ_INT(roadside_tick(run.r, 2000 + ROADSIDE_RETRY_MS - 1), ROADSIDE_ERR_STORE);
    CHECK_EQ_INT(e.ingest_calls, calls);
    CHECK_EQ_INT(roadside_pending(run.r), 1);
    /* Due: the next tick stores it. */
    CHECK_EQ_INT(roadside_tick(run.r, 2000 + ROADSIDE_RETRY_MS), 0);
    CHECK_EQ_INT(e.ingest_calls, calls + 1);
    CHECK_EQ_INT(roadside_pending(run.r), 0);
    roadside_health(run.r, &h);
    CHECK_EQ_INT(h.reads, 1);
    CHECK_EQ_INT(h.store, ROADSIDE_STORE_OK);
    struct store_read_list *l = stored_reads(&e, "UNIT-01");
    REQUIRE(l);
    CHECK_EQ_INT(l->n, 1);
    if (l->n == 1) {
        /* What the recognizer made of this frame is what must be stored (the accuracy of the
         * recognizer itself is the drive-by test's and bench-accuracy's business). */
        CHECK_EQ_STR(l->items[0].plate, o.text);
        CHECK_EQ_INT(l->items[0].frames_agreeing, 4);
        CHECK_EQ_INT(l->items[0].has_image, 1);
        /* The capture time: the pipeline's wall clock, less the best frame's age (3 s). */
        CHECK(l->items[0].time >= T0 - 3 && l->items[0].time <= T0 - 2);
    }
    store_read_list_free(l);

    roadside_free(run.r);
    one_vehicle_close(&o);
    env_close(&e);
}

/*
 * The store unreachable (the service down): the pipeline's pings say so before any read, reads
 * are held and retried every ROADSIDE_RETRY_MS, said once in the log however long it lasts, and
 * stored once it is back; a flush tries at once. A read the store refuses as invalid is dropped
 * and counted.
 */
static void test_store_unreachable_then_back_and_invalid_dropped(void)
{
    struct env e;
    struct one_vehicle o;
    struct daemon_config dc;
    struct roadside_config cfg;
    struct run run = {0};
    struct roadside_health h;
    char log_path[600], line[512];
    FILE *log;

    REQUIRE(env_open(&e, "unreachable") == 0);
    int orc = one_vehicle_open(&o, &dc);
    if (orc == 1) {
        env_close(&e);
        SKIP("no DejaVu font for the scene generator");
    }
    REQUIRE(orc == 0);
    snprintf(log_path, sizeof log_path, "%s/unreachable.log", test_tmpdir());
    log = fopen(log_path, "w+");
    REQUIRE(log);
    quiet_config(&cfg, &dc, &e);
    cfg.log = log;
    e.sink.ping = sink_ping;
    e.fail = STORE_ERR_IO;
    REQUIRE(roadside_new(&cfg, &e.sink, &run.r) == 0);

    /* Idle, the first tick asks at once: unreachable. */
    CHECK_EQ_INT(roadside_tick(run.r, 0), 0);
    CHECK_EQ_INT(e.ping_calls, 1);
    CHECK(strstr(health_line(run.r, line, sizeof line), " store=unreachable ") != NULL);
    CHECK_EQ_INT(roadside_tick(run.r, ROADSIDE_RETRY_MS - 1), 0);
    CHECK_EQ_INT(e.ping_calls, 1); /* not due */

    /* A vehicle passes; its read is held, retried every second, never lost. */
    one_vehicle_pass(&o, &run, 100);
    CHECK_EQ_INT(run.frame_errors, 0);
    int64_t t = 2000;
    CHECK_EQ_INT(roadside_tick(run.r, t), ROADSIDE_ERR_STORE);
    int calls = e.ingest_calls, pings = e.ping_calls;
    CHECK_EQ_INT(calls, 1);
    for (int i = 1; i <= 5; i++)
        CHECK_EQ_INT(roadside_tick(run.r, t + i * ROADSIDE_RETRY_MS), ROADSIDE_ERR_STORE);
    CHECK_EQ_INT(e.ingest_calls, calls + 5);
    CHECK_EQ_INT(e.ping_calls, pings); /* a held read is the question itself */
    CHECK_EQ_INT(roadside_pending(run.r), 1);
    /* A flush (shutdown) tries at once, whatever the schedule. */
    CHECK_EQ_INT(roadside_flush(run.r, t + 5 * ROADSIDE_RETRY_MS + 1), ROADSIDE_ERR_STORE);
    CHECK_EQ_INT(e.ingest_calls, calls + 6);
    roadside_health(run.r, &h);
    CHECK_EQ_INT(h.reads, 0);
    CHECK_EQ_INT(h.reads_refused, 0);
    CHECK_EQ_INT(h.store_errors, 7);
    CHECK(strstr(h.last_error, "store unreachable: test sink:") != NULL);

    /* Back: the next due tick stores it; the log said "unreachable" once, and "ok again". */
    e.fail = 0;
    t += 7 * ROADSIDE_RETRY_MS;
    CHECK_EQ_INT(roadside_tick(run.r, t), 0);
    roadside_health(run.r, &h);
    CHECK_EQ_INT(h.reads, 1);
    CHECK_EQ_INT(roadside_pending(run.r), 0);
    CHECK(strstr(health_line(run.r, line, sizeof line), " retry=0 store=ok ") != NULL);
    int unreachable_lines = 0, ok_lines = 0;
    rewind(log);
    while (fgets(line, sizeof line, log)) {
        unreachable_lines += strstr(line, "store unreachable") != NULL;
        ok_lines += strstr(line, "store ok again (was unreachable)") != NULL;
    }
    CHECK_EQ_INT(unreachable_lines, 1);
    CHECK_EQ_INT(ok_lines, 1);

    /* Idle and well: asked every ROADSIDE_PING_MS. */
    pings = e.ping_calls;
    CHECK_EQ_INT(roadside_tick(run.r, t + ROADSIDE_PING_MS - 1), 0);
    CHECK_EQ_INT(e.ping_calls, pings);
    CHECK_EQ_INT(roadside_tick(run.r, t + ROADSIDE_PING_MS), 0);
    CHECK_EQ_INT(e.ping_calls, pings + 1);

    /* Refused as invalid: dropped and counted, not held; the store itself is fine. */
    e.fail = STORE_ERR_INVALID;
    t += 2 * ROADSIDE_PING_MS;
    one_vehicle_pass(&o, &run, t);
    CHECK_EQ_INT(roadside_tick(run.r, t + 2000), 0);
    roadside_health(run.r, &h);
    CHECK_EQ_INT(h.reads, 1);
    CHECK_EQ_INT(h.reads_refused, 1);
    CHECK_EQ_INT(roadside_pending(run.r), 0);
    CHECK_EQ_INT(h.store, ROADSIDE_STORE_OK);
    CHECK(strstr(h.last_error, "refused by the store") != NULL);
    e.fail = 0;
    struct store_read_list *l = stored_reads(&e, "UNIT-01");
    REQUIRE(l);
    CHECK_EQ_INT(l->n, 1);
    store_read_list_free(l);

    /* A sink without ingest or free_alerts is refused. */
    struct roadside *bad = NULL;
    struct roadside_sink no_free = e.sink;
    no_free.free_alerts = NULL;
    CHECK_EQ_INT(roadside_new(&cfg, &no_free, &bad), ROADSIDE_ERR_INVALID);
    CHECK_EQ_INT(roadside_new(&cfg, NULL, &bad), ROADSIDE_ERR_INVALID);
    CHECK(bad == NULL);

    fclose(log);
    roadside_free(run.r);
    one_vehicle_close(&o);
    env_close(&e);
}

/*
 * Issue #16, finding 6: "read UM78029 not committed yet (will retry)" and the health line's
 * last_error put plates on stderr (and syslog) at every retry. A sink whose every message quotes
 * the plate (the worst a store or its client could say) fails, refuses, then stores with a
 * warning; stderr, where alprd logs, is captured: it names reads by number and id, never by
 * plate.
 */
struct leaky {
    struct env *e;
    int mode; /* 0: store (with a warning), else the STORE_ERR_* to answer */
};

static int leaky_ingest(void *ctx, const struct store_read *read, int64_t *read_id,
                        struct store_alert **alerts, size_t *n_alerts, char *err, size_t err_size)
{
    struct leaky *l = ctx;
    int rc = l->mode ? l->mode : store_add_read(l->e->s, read, read_id, alerts, n_alerts);
    snprintf(err, err_size, "leaky sink: read %s (candidate %s): %s", read->plate,
             read->n_candidates ? read->candidates[0].text : "-",
             rc ? store_strerror(rc) : "stored, slowly");
    return rc;
}

static int leaky_ping(void *ctx, char *err, size_t err_size)
{
    struct leaky *l = ctx;
    if (l->mode)
        snprintf(err, err_size, "leaky sink: %s", store_strerror(l->mode));
    return l->mode;
}

static void test_no_plate_in_logs(void)
{
    struct env e;
    struct one_vehicle o;
    struct daemon_config dc;
    struct roadside_config cfg;
    struct run run = {0};
    struct roadside_health h;
    char path[600], line[1024];
    REQUIRE(env_open(&e, "nologs") == 0);
    int orc = one_vehicle_open(&o, &dc);
    if (orc == 1) {
        env_close(&e);
        SKIP("no DejaVu font for the scene generator");
    }
    REQUIRE(orc == 0);
    struct leaky lk = {&e, STORE_ERR_FULL};
    struct roadside_sink sink = {leaky_ingest, store_alerts_free, leaky_ping, &lk};
    /* alprd's log is stderr: capture the descriptor itself. */
    snprintf(path, sizeof path, "%s/stderr.log", test_tmpdir());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), saved = dup(2);
    REQUIRE(fd >= 0 && saved >= 0);
    fflush(stderr);
    REQUIRE(dup2(fd, 2) == 2);
    quiet_config(&cfg, &dc, &e);
    cfg.log = stderr;
    REQUIRE(roadside_new(&cfg, &sink, &run.r) == 0);

    one_vehicle_pass(&o, &run, 0);
    CHECK_EQ_INT(roadside_tick(run.r, 2000), ROADSIDE_ERR_STORE); /* full: held */
    lk.mode = STORE_ERR_IO;
    CHECK_EQ_INT(roadside_tick(run.r, 2000 + ROADSIDE_RETRY_MS), ROADSIDE_ERR_STORE);
    roadside_health(run.r, &h);
    fprintf(stderr, "alprd: %s\n", roadside_health_format(&h, NULL, line, sizeof line));
    lk.mode = 0; /* stored, with a warning quoting the plate */
    CHECK_EQ_INT(roadside_tick(run.r, 2000 + 2 * ROADSIDE_RETRY_MS), 0);
    lk.mode = STORE_ERR_INVALID; /* the next vehicle refused */
    one_vehicle_pass(&o, &run, 10000);
    CHECK_EQ_INT(roadside_tick(run.r, 12000), 0);
    roadside_health(run.r, &h);
    fprintf(stderr, "alprd: %s\n", roadside_health_format(&h, NULL, line, sizeof line));
    CHECK_EQ_INT(h.reads, 1);
    CHECK_EQ_INT(h.reads_refused, 1);
    roadside_free(run.r);

    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    char text[8192] = "";
    ssize_t n = pread(fd, text, sizeof text - 1, 0);
    close(fd);
    REQUIRE(n > 0);
    text[n] = '\0';
    CHECK(strcasestr(text, o.text) == NULL);
    CHECK(strstr(text, "leaky sink: read [plate]") != NULL); /* the sink's words, plate cut */
    CHECK(strstr(text, "store full") != NULL);
    CHECK(strstr(text, "read #1 (id ") != NULL);
    CHECK(strstr(text, "read #2 refused by the store") != NULL);
    CHECK(strstr(text, "last_error=\"read #2 refused") != NULL);
    if (strcasestr(text, o.text))
        printf("# captured stderr:\n%s", text);
    one_vehicle_close(&o);
    env_close(&e);
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
    REQUIRE(roadside_new(&cfg, &e.sink, &r) == 0);
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
    const char *want = "health frames=6 dropped=3 reads=0 alerts=0 queue=3/8 tracks=0 retry=0 "
                       "store=unknown failed=6 ";
    CHECK(strncmp(line, want, strlen(want)) == 0);
    CHECK(strstr(line, " link=up reconnects=2 queue_dropped=4 link_lost=5 board_dropped=6 "
                       "rss_kb=7000 last_error=") != NULL);
    link.heap_kib = 3000; /* shown when known */
    roadside_health_format(&h, &link, line, sizeof line);
    CHECK(strstr(line, " rss_kb=7000 heap_kb=3000 last_error=") != NULL);
    CHECK(strstr(line, "last_error=\"usb: \\\"device\\\" gone\"") != NULL);
    roadside_free(r);
    env_close(&e);
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
    RUN(test_store_full_read_held_and_retried);
    RUN(test_no_plate_in_logs);
    RUN(test_store_unreachable_then_back_and_invalid_dropped);
    RUN(test_flush_commits_open_track);
    RUN(test_drive_by_reads_and_alert);
    return test_finish();
}
