/*
 * test_roadside_service: alprd's way to the store, over a running store service (the test
 * build, build/tests/alpr-stored-testclock, on its two sockets in a folder of this test):
 *   - store_client_ingest_read on the reader's socket: the read's id, the alert it raised with
 *     every field the pipeline prints (id, read_id, entry_id, hotlist_id, kind, plates, reason,
 *     incident, state, read_time), no alert for another plate, STORE_ERR_INVALID for a bad read,
 *     STORE_ERR_DENIED on the members' socket, STORE_ERR_IO without a service;
 *   - the roadside pipeline with the service as its sink (as alprd wires it): a drive-by clip
 *     whose service is killed (SIGKILL) in the middle: reads are held, the health line says the
 *     store is unreachable, and once the service is started again every read is stored, none
 *     twice; the alert line carries the service's alert id.
 * The test prepares the store (administrator, hotlist) and checks it afterwards in-process,
 * with the service stopped: the service is the only one that has it open meanwhile.
 */
#include "roadside.h"

#include "scene.h"
#include "store.h"
#include "store_auth.h"
#include "store_members.h"
#include "store_client.h"
#include "store_hotlist.h"
#include "store_reads.h"
#include "store_state.h"
#include "testlib.h"

#include "service_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PW       "correct horse battery"
#define HOT      "HOT123"
#define INCIDENT "2026-000777"
#define FPS      30

static char program[PATH_MAX];         /* the service */
static struct service sv;              /* its paths; pid while it runs */
static char scene_hot[SCENE_TEXT_MAX]; /* the clip's first plate, also on the hotlist */

/* Whether the reader's socket accepts (its path fits a socket address: checked in main). */
static int ingest_socket_up(void)
{
    char path[sizeof((struct sockaddr_un *)0)->sun_path];
    snprintf(path, sizeof path, "%.*s", (int)sizeof path - 1, sv.ingest_socket);
    return service_connectable(path);
}

/* Starts the service on sv's folder and key (which exist: a restart keeps the store). */
static int service_up(void)
{
    char log[1100];
    pid_t pid;
    snprintf(log, sizeof log, "%s/service.log", sv.dir);
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        const char *args[] = {
            program,           "--state",        sv.state,     "--socket", sv.socket,
            "--ingest-socket", sv.ingest_socket, "--key-file", sv.key,     NULL};
        /* Both streams: a service outliving a crashed test must not hold the test's pipes. */
        if (!freopen(log, "a", stderr) || !freopen(log, "a", stdout))
            _exit(127);
        execv(program, (char *const *)args);
        _exit(127);
    }
    sv.pid = pid;
    for (int i = 0; i < 1000; i++) {
        int st;
        if (ingest_socket_up())
            return 0;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            sv.pid = 0;
            return -1;
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return -1;
}

/* A crash: SIGKILL, nothing flushed, the sockets left behind. */
static void service_kill(void)
{
    if (sv.pid <= 0)
        return;
    kill(sv.pid, SIGKILL);
    waitpid(sv.pid, NULL, 0);
    sv.pid = 0;
}

struct admin {
    struct store_state *st;
    struct store *s;
    struct store_session sess;
};

/* Opens the service's store in-process (the service stopped) as its administrator. */
static int admin_open(struct admin *a)
{
    char err[300], tok[STORE_TOKEN_HEX];
    int rc = store_state_open(sv.state, sv.key, &a->st, err, sizeof err);
    if (rc != 0) {
        printf("  %s\n", err);
        return rc;
    }
    a->s = store_state_store(a->st);
    return store_login(a->s, "ada", PW, &a->sess, tok);
}

/* The clip of the pipeline test (the same as test_roadside's drive-by). */
static int clip_open(struct scene_gen **gen, struct scene_sequence **seq)
{
    struct scene_sequence_params sp;
    if (scene_gen_open(NULL, gen) != 0)
        return -1;
    scene_sequence_params_default(&sp);
    sp.frame.width = 1280;
    sp.frame.height = 720;
    sp.frame.seed = 11;
    sp.frame.inverse_percent = 0;
    sp.vehicles = 3;
    sp.seconds = 3.0;
    sp.fps = FPS;
    return scene_sequence_open(*gen, &sp, seq);
}

/* The store: its first administrator and a hotlist of HOT and the clip's first plate. */
static int prepare_store(void)
{
    struct admin a;
    struct store_import_result imp;
    struct scene_gen *gen = NULL;
    struct scene_sequence *seq = NULL;
    char cmd[PATH_MAX + 1200], csv[600], expiry[16];
    int64_t id;
    time_t in_30_days = time(NULL) + 30 * 86400;
    int rc;

    snprintf(cmd, sizeof cmd, "%s --generate-key %s", program, sv.key);
    if (system(cmd) != 0)
        return -1;
    char err[300];
    if ((rc = store_state_open(sv.state, sv.key, &a.st, err, sizeof err)) != 0) {
        printf("  %s\n", err);
        return rc;
    }
    a.s = store_state_store(a.st);
    if (clip_open(&gen, &seq) == 0) {
        for (int i = 0; i < scene_sequence_frames(seq) && !scene_hot[0]; i += 3) {
            struct scene sc;
            if (scene_sequence_render(seq, i, &sc) != 0)
                break;
            for (int k = 0; k < sc.nplates; k++)
                if (sc.plates[k].vehicle == 0)
                    memcpy(scene_hot, sc.plates[k].text, sizeof scene_hot);
            scene_free(&sc);
        }
    }
    scene_sequence_close(seq);
    scene_gen_close(gen);
    strftime(expiry, sizeof expiry, "%Y-%m-%d", gmtime(&in_30_days));
    int len = snprintf(csv, sizeof csv,
                       "plate,state,reason,source,expiry,incident\n" HOT
                       ",UT,stolen vehicle,NCIC,%s," INCIDENT "\n",
                       expiry);
    if (scene_hot[0])
        snprintf(csv + len, sizeof csv - (size_t)len, "%s,UT,stolen vehicle,NCIC,%s," INCIDENT "\n",
                 scene_hot, expiry);
    char tok[STORE_TOKEN_HEX];
    if ((rc = store_member_init(a.s, "ada", PW, time(NULL) - 86400, &id)) == 0 &&
        (rc = store_login(a.s, "ada", PW, &a.sess, tok)) == 0)
        rc = store_hotlist_import_csv(a.s, &a.sess, "demo", csv, strlen(csv), &imp);
    store_state_close(a.st);
    return rc;
}

static struct store_read a_read(const char *plate, int64_t t)
{
    struct store_read r;
    memset(&r, 0, sizeof r);
    r.plate = plate;
    r.confidence = 0.9;
    r.time = t;
    r.unit_id = "SVC-1";
    r.camera_id = "CAM-1";
    r.source_agency = "local police";
    r.frames_agreeing = 3;
    return r;
}

/* ---- store_client_ingest_read ------------------------------------------------------------ */

static void test_ingest_read_over_the_readers_socket(void)
{
    struct store_client *c = NULL;
    struct store_alert *alerts = NULL;
    size_t n = 99;
    int64_t id = 0, t = (int64_t)time(NULL) - 5;
    char err[300] = "";
    struct store_read r = a_read(HOT, t);

    REQUIRE(store_client_open(sv.ingest_socket, &c) == 0);
    CHECK_EQ_INT(store_client_ingest_read(c, &r, &id, &alerts, &n, err, sizeof err), 0);
    CHECK(id > 0);
    CHECK_EQ_STR(err, "");
    CHECK_EQ_INT(n, 1);
    if (n == 1 && alerts) {
        const struct store_alert *a = &alerts[0];
        CHECK(a->id > 0);
        CHECK_EQ_INT(a->read_id, id);
        CHECK(a->entry_id > 0);
        CHECK(a->hotlist_id > 0);
        CHECK_EQ_STR(a->kind, "exact");
        CHECK_EQ_STR(a->entry_plate, HOT);
        CHECK_EQ_STR(a->read_plate, HOT);
        CHECK_EQ_STR(a->reason, "stolen vehicle");
        CHECK_EQ_STR(a->incident, INCIDENT);
        CHECK_EQ_STR(a->state, "unverified");
        CHECK_EQ_INT(a->read_time, t);
    }
    store_alerts_free(alerts);

    /* Another plate: stored, no alert. */
    int64_t id2 = 0;
    r = a_read("XYZ987", t);
    alerts = (struct store_alert *)&n; /* must be overwritten */
    CHECK_EQ_INT(store_client_ingest_read(c, &r, &id2, &alerts, &n, err, sizeof err), 0);
    CHECK(id2 > id);
    CHECK_EQ_INT(n, 0);
    CHECK(alerts == NULL);

    /* A bad read: the service's STORE_ERR_INVALID, out-parameters untouched. */
    r = a_read("XYZ987", t);
    r.confidence = 1.5;
    id2 = -7;
    CHECK_EQ_INT(store_client_ingest_read(c, &r, &id2, &alerts, &n, err, sizeof err),
                 STORE_ERR_INVALID);
    CHECK_EQ_INT(id2, -7);
    CHECK(err[0] != '\0');
    r = a_read("XYZ987", -1);
    CHECK_EQ_INT(store_client_ingest_read(c, &r, &id2, &alerts, &n, err, sizeof err),
                 STORE_ERR_INVALID);
    CHECK(strstr(err, "time") != NULL);
    r = a_read("XYZ987", t);
    r.unit_id = NULL;
    CHECK_EQ_INT(store_client_ingest_read(c, &r, &id2, &alerts, &n, err, sizeof err),
                 STORE_ERR_INVALID);
    store_client_close(c);

    /* The members' socket takes no reads. */
    REQUIRE(store_client_open(sv.socket, &c) == 0);
    r = a_read(HOT, t);
    CHECK_EQ_INT(store_client_ingest_read(c, &r, &id2, &alerts, &n, err, sizeof err),
                 STORE_ERR_DENIED);
    CHECK(strstr(err, "reader's socket") != NULL);
    store_client_close(c);

    /* No service there: STORE_ERR_IO, saying where. */
    char nowhere[1200];
    snprintf(nowhere, sizeof nowhere, "%s/nobody.sock", sv.dir);
    REQUIRE(store_client_open(nowhere, &c) == 0);
    CHECK_EQ_INT(store_client_ingest_read(c, &r, &id2, &alerts, &n, err, sizeof err), STORE_ERR_IO);
    CHECK(strstr(err, "cannot reach the store service") && strstr(err, "nobody.sock"));
    store_client_close(c);
}

/* ---- The pipeline over the service ------------------------------------------------------- */

struct run {
    struct roadside *r;
    int64_t now_ms;
    int frame_errors;
};

static int on_frame(void *ctx, const struct wire_frame *f)
{
    struct run *run = ctx;
    /* ROADSIDE_ERR_STORE is expected while the service is down: the reads are held. */
    int rc = roadside_frame(run->r, f, run->now_ms);
    if (rc != 0 && rc != ROADSIDE_ERR_STORE)
        run->frame_errors++;
    return 0;
}

static int feed(struct roadside_sim *sim, const struct scene_sequence *seq, int from, int to,
                struct run *run, char plates[][SCENE_TEXT_MAX], int max_veh)
{
    for (int i = from; i < to; i++) {
        struct scene sc;
        if (scene_sequence_render(seq, i, &sc) != 0)
            return -1;
        for (int k = 0; k < sc.nplates; k++)
            if (sc.plates[k].vehicle >= 0 && sc.plates[k].vehicle < max_veh)
                memcpy(plates[sc.plates[k].vehicle], sc.plates[k].text, SCENE_TEXT_MAX);
        run->now_ms = (int64_t)i * 1000 / FPS;
        int rc = roadside_sim_frame(sim, sc.pixels, sc.width, sc.height, sc.width, on_frame, run);
        scene_free(&sc);
        if (rc)
            return -1;
    }
    return 0;
}

static void test_pipeline_survives_a_service_crash(void)
{
    struct scene_gen *gen = NULL;
    struct scene_sequence *seq = NULL;
    struct daemon_config dc;
    struct roadside_reg regs[ROADSIDE_MAX_REGS];
    size_t nregs;
    struct roadside_sim *sim = NULL;
    struct roadside_config cfg;
    struct roadside_sink sink;
    struct roadside_health h;
    struct store_client *c = NULL;
    struct run run = {0};
    char plates[8][SCENE_TEXT_MAX] = {{0}}, events_path[600], line[2048];
    FILE *events;

    if (clip_open(&gen, &seq) != 0 || !scene_hot[0]) {
        scene_sequence_close(seq);
        scene_gen_close(gen);
        SKIP("no DejaVu font for the scene generator");
    }
    snprintf(events_path, sizeof events_path, "%s/events.jsonl", test_tmpdir());
    events = fopen(events_path, "w+");
    REQUIRE(events);
    daemon_config_default(&dc);
    dc.frame_width = 1280;
    dc.frame_height = 720;
    REQUIRE(roadside_board_registers(&dc, regs, ROADSIDE_MAX_REGS, &nregs) == 0);
    REQUIRE(roadside_sim_new(regs, nregs, &sim) == 0);
    REQUIRE(store_client_open(sv.ingest_socket, &c) == 0);
    sink = roadside_service_sink(c);
    roadside_config_default(&cfg);
    roadside_config_from_daemon(&cfg, &dc);
    cfg.unit = "SVC-PIPE";
    cfg.events = events;
    cfg.log = NULL;
    cfg.use_syslog = 0;
    cfg.show_reads = 1;
    REQUIRE(roadside_new(&cfg, &sink, &run.r) == 0);
    CHECK_EQ_INT(roadside_tick(run.r, 0), 0);
    roadside_health(run.r, &h);
    CHECK_EQ_INT(h.store, ROADSIDE_STORE_OK); /* the first tick asked */

    /* The service up until the first read is stored; then it crashes for the rest of the clip. */
    int n = scene_sequence_frames(seq), crashed_at = -1;
    uint64_t before_crash = 0;
    for (int i = 0; i < n; i++) {
        CHECK(feed(sim, seq, i, i + 1, &run, plates, 8) == 0);
        roadside_health(run.r, &h);
        if (crashed_at < 0 && h.reads >= 1) {
            before_crash = h.reads;
            crashed_at = i;
            service_kill();
        }
    }
    CHECK(crashed_at >= 0);
    CHECK_EQ_INT(run.frame_errors, 0);
    int64_t t = run.now_ms + 2000;
    CHECK_EQ_INT(roadside_tick(run.r, t), ROADSIDE_ERR_STORE); /* the last vehicle has left */
    CHECK_EQ_INT(roadside_flush(run.r, t), ROADSIDE_ERR_STORE);
    roadside_health(run.r, &h);
    size_t held = roadside_pending(run.r);
    fprintf(stderr, "  %llu reads before the crash (frame %d of %d), %zu held while it was down\n",
            (unsigned long long)before_crash, crashed_at, n, held);
    CHECK(held >= 1);
    CHECK_EQ_INT(h.store, ROADSIDE_STORE_UNREACHABLE);
    CHECK(strstr(h.last_error, "cannot reach the store service") != NULL);
    CHECK(strstr(roadside_health_format(&h, NULL, line, sizeof line), " store=unreachable ") !=
          NULL);

    /* Back: everything held is stored at the next due tick. */
    REQUIRE(service_up() == 0);
    CHECK_EQ_INT(roadside_tick(run.r, t + ROADSIDE_RETRY_MS), 0);
    CHECK_EQ_INT(roadside_pending(run.r), 0);
    roadside_health(run.r, &h);
    CHECK_EQ_INT(h.store, ROADSIDE_STORE_OK);
    CHECK_EQ_INT(h.reads, before_crash + held);
    CHECK_EQ_INT(h.reads_refused, 0);
    CHECK(h.alerts >= 1);
    roadside_free(run.r);
    store_client_close(c);
    roadside_sim_free(sim);
    scene_sequence_close(seq);
    scene_gen_close(gen);

    /* What the service stored: each read once, the clip's plates, the alert printed with the
     * service's ids. */
    CHECK_EQ_INT(service_stop(&sv), 0);
    struct admin a;
    REQUIRE(admin_open(&a) == 0);
    static const struct store_access access = {"investigation", "robbery", "2026-000123", NULL};
    struct store_query q = {0};
    struct store_read_list *l = NULL;
    q.unit = "SVC-PIPE";
    q.limit = 100;
    CHECK(store_search(a.s, &a.sess, &access, &q, &l) == 0);
    if (l) {
        CHECK_EQ_INT(l->n, h.reads);
        for (size_t i = 0; i < l->n; i++) {
            int known = 0;
            for (int k = 0; k < 8; k++)
                known += plates[k][0] && strcmp(plates[k], l->items[i].plate) == 0;
            for (size_t j = 0; j < i; j++)
                CHECK(strcmp(l->items[j].plate, l->items[i].plate) != 0);
            CHECK_EQ_INT(known, 1);
            CHECK_EQ_INT(l->items[i].has_image, 1);
        }
    }
    store_read_list_free(l);
    struct store_alert_list *al = NULL;
    char want[120] = "(none)";
    CHECK(store_alert_list(a.s, &a.sess, &access, NULL, 0, 0, 0, &al) == 0);
    for (size_t i = 0; al && i < al->n; i++)
        if (strcmp(al->items[i].read_plate, scene_hot) == 0)
            snprintf(want, sizeof want,
                     "\"alert_id\":%lld,\"read_id\":%lld,\"time\":", (long long)al->items[i].id,
                     (long long)al->items[i].read_id);
    store_alert_list_free(al);
    store_state_close(a.st);
    int alert_lines = 0;
    rewind(events);
    while (fgets(line, sizeof line, events))
        if (strstr(line, "\"event\":\"alert\"")) {
            alert_lines++;
            CHECK(strstr(line, want) != NULL);
            CHECK(strstr(line, "\"incident\":\"" INCIDENT "\"") != NULL);
            CHECK(strstr(line, "\"state\":\"unverified\"") != NULL);
            CHECK(strstr(line, "UNVERIFIED") != NULL);
        }
    CHECK_EQ_INT(alert_lines, 1);
    fclose(events);
    REQUIRE(service_up() == 0);
}

int main(int argc, char **argv)
{
    (void)argc;
    if (service_program(argv[0], "alpr-stored-testclock", program) != 0) {
        printf("cannot find alpr-stored-testclock next to %s\n", argv[0]);
        return 1;
    }
    snprintf(sv.dir, sizeof sv.dir, "%s/svc", test_tmpdir());
    snprintf(sv.socket, sizeof sv.socket, "%s/store.sock", sv.dir);
    snprintf(sv.ingest_socket, sizeof sv.ingest_socket, "%s/ingest.sock", sv.dir);
    snprintf(sv.state, sizeof sv.state, "%s/state", sv.dir);
    snprintf(sv.key, sizeof sv.key, "%s/key", sv.dir);
    if (strlen(sv.socket) >= sizeof((struct sockaddr_un *)0)->sun_path) {
        printf("%s: too long for a socket address\n", sv.socket);
        return 1;
    }
    mkdir(sv.dir, 0700);
    if (prepare_store() != 0 || service_up() != 0) {
        printf("cannot prepare or start the service in %s (see service.log)\n", sv.dir);
        return 1;
    }
    RUN(test_ingest_read_over_the_readers_socket);
    RUN(test_pipeline_survives_a_service_crash);
    if (sv.pid > 0 && service_stop(&sv) != 0)
        printf("the service did not stop cleanly (see %s/service.log)\n", sv.dir);
    return test_finish();
}
