/*
 * bench_service: the store at scale THROUGH the service (issue 15): the same operations as
 * tests/bench_store.c (which measures the in-process store on the same kind of data), but every
 * one a call to a running alpr-stored over its Unix sockets, with the page encryption and the day
 * keys on. `make bench` runs both, one after the other, so the cost of the boundary and of the
 * encryption is measured, not guessed.
 *
 * N reads (default 10 million; $ALPR_BENCH_READS) over 273 days of one unit (60% from a fleet of
 * N/100 recurring vehicles, the rest random; 600-byte crops, $ALPR_BENCH_IMAGE_BYTES), ingested on
 * the reader's socket in calls of 1000 reads; then, as an investigator on the members' socket:
 * exact and wildcard search p50/p99 (each a full access: session check, query, register, audit),
 * and the purge of the oldest month. The service is the test build (its clock follows the
 * requests, so nine months pass in one run); its code is the installed one's but for that.
 *
 * Run as root or as any user: the service runs as the caller. $ALPR_BENCH_DIR keeps the state.
 */
#include "service_util.h"
#include "store.h"
#include "store_client.h"
#include "store_reads.h"
#include "bench_util.h"
#include "testlib.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef BENCH_DEFAULT_READS
#define BENCH_DEFAULT_READS 10000000L
#endif

#define T_START 1767225600L /* 2026-01-01 */
#define SPAN    (273L * 86400)
#define MONTH   (30L * 86400)
#define BATCH   5000
#define PW      "benchmark password"

static long env_long(const char *name, long def)
{
    const char *v = getenv(name);
    return v && *v ? atol(v) : def;
}

static void at(struct store_client *c, int64_t t)
{
    char buf[32];
    store_client_set_test_now(c, store_time_format(t, buf, sizeof buf));
}

static int call(struct store_client *c, const char *name, json_t *params, json_t **res)
{
    char err[512];
    json_t *r = NULL;
    int rc = store_client_call(c, name, params, &r, err, sizeof err);
    if (rc != 0)
        printf("  %s: %s\n", name, err);
    if (res)
        *res = r;
    else
        json_decref(r);
    return rc;
}

/* The search of plate (exact or wildcard) as the investigator; returns the number of reads. */
static long search(struct store_client *c, const char *plate, const char *match)
{
    json_t *p = json_pack("{s:s,s:s,s:s,s:s,s:s,s:i}", "plate", plate, "match", match, "purpose",
                          "investigation", "crime_type", "robbery", "incident", "2026-1", "limit",
                          1000),
           *res = NULL;
    long n = call(c, "search", p, &res) == 0 ? (long)json_array_size(res) : -1;
    json_decref(p);
    json_decref(res);
    return n;
}

static char program[PATH_MAX];

static void bench(void)
{
    long n_reads = env_long("ALPR_BENCH_READS", BENCH_DEFAULT_READS);
    long img_bytes = env_long("ALPR_BENCH_IMAGE_BYTES", 600);
    long fleet_n = n_reads / 100 > 100 ? n_reads / 100 : 100;
    const char *keep = getenv("ALPR_BENCH_DIR");
    char dir[1024], token[65];
    struct service sv;
    struct store_client *members, *reader;
    json_t *res = NULL;
    char(*fleet)[8] = malloc((size_t)fleet_n * sizeof *fleet);
    uint8_t *png = malloc((size_t)img_bytes);
    struct store_read *batch = calloc(BATCH, sizeof *batch);
    char(*plates)[8] = malloc(BATCH * sizeof *plates);
    REQUIRE(fleet && png && batch && plates);
    snprintf(dir, sizeof dir, "%s", keep && *keep ? keep : test_tmpdir());
    printf("bench_service: %ld reads, %ld-byte crops, fleet %ld, calls of %d reads, service %s\n",
           n_reads, img_bytes, fleet_n, BATCH, program);
    REQUIRE(service_start(&sv, program, dir, NULL) == 0);
    REQUIRE(store_client_open(sv.socket, &members) == 0);
    REQUIRE(store_client_open(sv.ingest_socket, &reader) == 0);

    at(members, T_START - 86400);
    json_t *p =
        json_pack("{s:s,s:s,s:s}", "member", "ada", "password", PW, "training", "2025-12-01");
    REQUIRE(call(members, "user.init", p, NULL) == 0);
    json_decref(p);
    p = json_pack("{s:s,s:s}", "member", "ada", "password", PW);
    REQUIRE(call(members, "login", p, &res) == 0);
    json_decref(p);
    snprintf(token, sizeof token, "%s", json_string_value(json_object_get(res, "token")));
    json_decref(res);
    store_client_set_token(members, token);

    for (long i = 0; i < fleet_n; i++)
        random_plate(fleet[i]);
    png[0] = 0x89;
    memcpy(png + 1, "PNG\r\n\x1a\n", 7);
    for (long i = 8; i < img_bytes; i++)
        png[i] = (uint8_t)next();

    /* Ingest, in time order as a unit would send them. */
    double t0 = now_s(), last = t0;
    for (long done = 0; done < n_reads; done += BATCH) {
        int nb = (int)(n_reads - done < BATCH ? n_reads - done : BATCH);
        for (int k = 0; k < nb; k++) {
            long i = done + k;
            if (next() % 10 < 6)
                memcpy(plates[k], fleet[next() % (uint64_t)fleet_n], 8);
            else
                random_plate(plates[k]);
            batch[k] = (struct store_read){
                .plate = plates[k],
                .confidence = 0.9,
                .candidates = {{plates[k], 0.9}},
                .n_candidates = 1,
                .time = T_START + (int64_t)(i * (SPAN / (double)n_reads)),
                .unit_id = "UNIT-07",
                .camera_id = "cam0",
                .has_gps = 1,
                .lat = 40.76,
                .lon = -111.89,
                .source_agency = "Metro PD",
                .png = png,
                .png_len = (size_t)img_bytes,
                .frames_agreeing = 3,
            };
        }
        at(reader, batch[nb - 1].time);
        char err[512];
        int rc = store_client_ingest(reader, batch, (size_t)nb, NULL, NULL, NULL, err, sizeof err);
        if (rc != 0) {
            printf("  ingest at read %ld: %s\n", done, err);
            REQUIRE(rc == 0);
        }
        if (now_s() - last > 10) {
            last = now_s();
            fprintf(stderr, "  ... %ld reads, %.0f reads/s\n", done + nb,
                    (done + nb) / (last - t0));
        }
    }
    double ingest_s = now_s() - t0;
    printf("  ingest through the service         %.0f reads/s (%ld reads in %.1f s)"
           "  (target >= 20000: %s)\n",
           n_reads / ingest_s, n_reads, ingest_s,
           n_reads / ingest_s >= 20000 ? "met" : "TARGET MISSED");

    /* Searches, as of the day after the last read. */
    int64_t now = T_START + SPAN + 86400;
    at(members, now);
    p = json_pack("{s:s,s:s}", "member", "ada", "password", PW);
    REQUIRE(call(members, "login", p, &res) == 0);
    json_decref(p);
    store_client_set_token(members, json_string_value(json_object_get(res, "token")));
    json_decref(res);
    enum { N_EXACT = 300, N_WILD = 100 };
    double lat[N_EXACT];
    long found = 0;
    for (int i = 0; i < N_EXACT; i++) {
        double s = now_s();
        long n = search(members, fleet[next() % (uint64_t)fleet_n], "exact");
        lat[i] = now_s() - s;
        CHECK(n >= 0);
        found += n > 0;
    }
    pct("exact search (fleet plates)", lat, N_EXACT, 5);
    printf("  exact searches with results        %ld of %d\n", found, N_EXACT);
    for (int i = 0; i < N_WILD; i++) {
        char pat[16];
        const char *f = fleet[next() % (uint64_t)fleet_n];
        if (i % 2)
            snprintf(pat, sizeof pat, "%.3s*%c", f, f[6]);
        else
            snprintf(pat, sizeof pat, "*%s", f + 3);
        double s = now_s();
        CHECK(search(members, pat, "wildcard") > 0);
        lat[i] = now_s() - s;
    }
    pct("wildcard (7AB*2, *C123)", lat, N_WILD, 300);

    /* The oldest month, as the administrator's purge a month after its retention ended. */
    at(members, T_START + 273L * 86400 + MONTH);
    p = json_pack("{s:s,s:s}", "member", "ada", "password", PW);
    REQUIRE(call(members, "login", p, &res) == 0);
    json_decref(p);
    store_client_set_token(members, json_string_value(json_object_get(res, "token")));
    json_decref(res);
    double s = now_s();
    REQUIRE(call(members, "purge", NULL, &res) == 0);
    double purge_s = now_s() - s;
    printf("  purge of the oldest month          %lld reads in %.1f s  (target < 60 s: %s)\n",
           (long long)json_integer_value(json_object_get(res, "reads")), purge_s,
           purge_s < 60 ? "met" : "TARGET MISSED");
    json_decref(res);

    char status[1200], line[256];
    snprintf(status, sizeof status, "/proc/%d/status", (int)sv.pid);
    FILE *fp = fopen(status, "r");
    while (fp && fgets(line, sizeof line, fp))
        if (strncmp(line, "VmHWM:", 6) == 0)
            printf("  service peak memory                %s", line + 6);
    if (fp)
        fclose(fp);
    store_client_close(members);
    store_client_close(reader);
    CHECK_EQ_INT(service_stop(&sv), 0);
    free(fleet);
    free(png);
    free(batch);
    free(plates);
}

int main(int argc, char **argv)
{
    (void)argc;
    if (service_program(argv[0], "tests/alpr-stored-testclock", program) != 0 &&
        service_program(argv[0], "alpr-stored-testclock", program) != 0) {
        printf("cannot find alpr-stored-testclock near %s\n", argv[0]);
        return 1;
    }
    RUN(bench);
    return test_finish();
}
