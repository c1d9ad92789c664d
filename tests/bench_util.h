/*
 * bench_util: what the store benchmarks share (tests/bench_store.c in process,
 * tests/bench_service.c through the service), so that both draw the same plates and report
 * latencies the same way: a seeded generator, US-style random plates, a monotonic clock and the
 * p50/p99 line. Static functions only: each benchmark includes it once.
 */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t bench_rng = 0x9e3779b97f4a7c15ull;

__attribute__((unused)) static uint64_t next(void)
{
    bench_rng ^= bench_rng << 13;
    bench_rng ^= bench_rng >> 7;
    bench_rng ^= bench_rng << 17;
    return bench_rng;
}

/* A plate like 7ABC123: a digit, three letters without I, O, Q, three digits. */
__attribute__((unused)) static void random_plate(char *p)
{
    static const char L[] = "ABCDEFGHJKLMNPRSTUVWXYZ";
    p[0] = (char)('0' + next() % 10);
    for (int i = 1; i < 4; i++)
        p[i] = L[next() % (sizeof L - 1)];
    for (int i = 4; i < 7; i++)
        p[i] = (char)('0' + next() % 10);
    p[7] = '\0';
}

__attribute__((unused)) static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int bench_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Prints what's p50 and p99 of the n latencies v (seconds; sorted in place) against a p99
 * target in ms (0: none). */
__attribute__((unused)) static void pct(const char *what, double *v, int n, double target_p99_ms)
{
    qsort(v, (size_t)n, sizeof *v, bench_cmp);
    double p50 = v[n / 2] * 1e3, p99 = v[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1] * 1e3;
    printf("  %-34s n=%4d  p50 %8.3f ms  p99 %8.3f ms", what, n, p50, p99);
    if (target_p99_ms > 0)
        printf("  (target p99 < %.0f ms: %s)", target_p99_ms,
               p99 < target_p99_ms ? "target met" : "TARGET MISSED");
    printf("\n");
}

#endif
