/*
 * bench_usb: frames/s, MB/s and host CPU per frame through the real libusb path (driver/alpr_dev)
 * against the simulated board under umockdev.
 *
 * The board runs in this process; the host side runs in a child process (started with the
 * umockdev preload library), so that the child's getrusage() is the host's CPU alone: the driver,
 * libusb, the parser, and the umockdev preload's socket round trips that stand in for the
 * kernel's usbfs. The board's CPU (C model or pass-through engine, and umockdev's ioctl thread)
 * is reported separately.
 *
 *   bench_usb [--frames N] [--engine model|pass|both] [--size WxH] [--transfers N]
 *             [--transfer-kib K]
 */
#include "alpr_dev.h"
#include "scene.h"
#include "usbboard.h"
#include "usbtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NSCENES 4

static double secs(struct timeval t)
{
    return (double)t.tv_sec + (double)t.tv_usec / 1e6;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The host side: stream n frames and report. */
static int child(long n, int w, int h, unsigned transfers, size_t xfer_bytes)
{
    struct alpr_dev *d;
    struct alpr_dev_stream_opts so = {
        .transfers = transfers, .transfer_bytes = xfer_bytes, .queue_frames = 16};
    struct alpr_dev_counters c;
    struct rusage ru;
    double t0, t1;
    long got = 0;
    uint64_t records = 0;
    int err = alpr_dev_open(NULL, &d);
    if (err != 0) {
        fprintf(stderr, "bench_usb: open: %s\n", alpr_dev_strerror(err));
        return 1;
    }
    if (alpr_dev_reg_write(d, WIRE_REG_FRAME_SIZE, (uint32_t)h << 16 | (uint32_t)w) != 0 ||
        alpr_dev_start(d, &so) != 0) {
        fprintf(stderr, "bench_usb: cannot start the stream\n");
        alpr_dev_close(d);
        return 1;
    }
    t0 = now();
    while (got < n) {
        struct wire_frame f;
        if (alpr_dev_next_frame(d, &f, 10000) != 0)
            break;
        records += f.ncomps;
        wire_frame_free(&f);
        got++;
    }
    t1 = now();
    alpr_dev_get_counters(d, &c);
    alpr_dev_close(d);
    getrusage(RUSAGE_SELF, &ru);
    printf("  host: %ld frames (%.1f records/frame) in %.2f s: %.1f frames/s, %.1f MB/s; "
           "CPU %.2f ms/frame (user %.2f + sys %.2f); lost %llu, transfers %llu of %zu KiB\n",
           got, got ? (double)records / got : 0.0, t1 - t0, got / (t1 - t0),
           (double)c.bytes / (t1 - t0) / 1e6,
           (secs(ru.ru_utime) + secs(ru.ru_stime)) * 1e3 / (got ? got : 1),
           secs(ru.ru_utime) * 1e3 / (got ? got : 1), secs(ru.ru_stime) * 1e3 / (got ? got : 1),
           (unsigned long long)c.wire.frames_lost, (unsigned long long)c.transfers,
           xfer_bytes / 1024);
    return got == n ? 0 : 1;
}

static int run_engine(char **argv, enum usbsim_engine engine, const struct image *frames, long n,
                      int w, int h)
{
    struct usbboard_config cfg = {
        .sim = {.engine = engine, .frames = frames, .nframes = NSCENES, .loop = 1}};
    struct usbboard *b;
    struct rusage r0, r1;
    int status = 1, ws;
    pid_t pid;
    if (usbboard_new(&cfg, &b) != 0) {
        fprintf(stderr, "bench_usb: board failed\n");
        return 1;
    }
    printf("engine %s, %dx%d GRAY8 frames, %ld frames:\n",
           engine == USBSIM_ENGINE_MODEL ? "model" : "pass", w, h, n);
    fflush(stdout);
    getrusage(RUSAGE_SELF, &r0);
    pid = fork();
    if (pid == 0) {
        char *args[16];
        int k = 0;
        args[k++] = argv[0];
        args[k++] = (char *)"--child";
        for (int i = 1; argv[i] && k < 15; i++)
            args[k++] = argv[i];
        args[k] = NULL;
        if (usbboard_child_env() == 0)
            execv("/proc/self/exe", args);
        _exit(127);
    }
    if (pid > 0 && waitpid(pid, &ws, 0) == pid)
        status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 1;
    getrusage(RUSAGE_SELF, &r1);
    printf("  board (simulation, not host): CPU %.2f ms/frame\n",
           (secs(r1.ru_utime) + secs(r1.ru_stime) - secs(r0.ru_utime) - secs(r0.ru_stime)) * 1e3 /
               (double)n);
    usbboard_free(b);
    return status;
}

int main(int argc, char **argv)
{
    long n = 200;
    int w = 1280, h = 720, is_child = 0, rc = 0;
    unsigned transfers = 8;
    size_t xfer = 128 * 1024;
    const char *engine = "both";
    static struct image frames[NSCENES];
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--child"))
            is_child = 1;
        else if (!strcmp(argv[i], "--frames") && i + 1 < argc)
            n = atol(argv[++i]);
        else if (!strcmp(argv[i], "--engine") && i + 1 < argc)
            engine = argv[++i];
        else if (!strcmp(argv[i], "--size") && i + 1 < argc) {
            if (sscanf(argv[++i], "%dx%d", &w, &h) != 2 || w < 1 || w > 2048 || h < 1 || h > 2048) {
                fprintf(stderr, "bench_usb: --size WxH\n");
                return 2;
            }
        } else if (!strcmp(argv[i], "--transfers") && i + 1 < argc)
            transfers = (unsigned)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--transfer-kib") && i + 1 < argc)
            xfer = (size_t)atol(argv[++i]) * 1024;
        else {
            fprintf(stderr, "usage: bench_usb [--frames N] [--engine model|pass|both] "
                            "[--size WxH] [--transfers N] [--transfer-kib K]\n");
            return 2;
        }
    }
    if (n < 1 || transfers < 1 || transfers > 64 || xfer < 512 || xfer > (4u << 20)) {
        fprintf(stderr, "bench_usb: bad numbers\n");
        return 2;
    }
    if (is_child)
        return child(n, w, h, transfers, xfer);

    {
        struct scene_gen *gen;
        if (scene_gen_open(NULL, &gen) != 0) {
            fprintf(stderr, "bench_usb: no font for the scenes\n");
            return 1;
        }
        for (int i = 0; i < NSCENES; i++) {
            struct scene_params p;
            struct scene sc;
            scene_params_default(&p);
            p.width = w;
            p.height = h;
            p.seed = (uint64_t)i + 1;
            p.plates = 2;
            if (scene_render(gen, &p, &sc) != 0) {
                scene_gen_close(gen);
                fprintf(stderr, "bench_usb: scene failed\n");
                return 1;
            }
            frames[i].width = sc.width;
            frames[i].height = sc.height;
            frames[i].pixels = sc.pixels;
            sc.pixels = NULL;
            scene_free(&sc);
        }
        scene_gen_close(gen);
    }
    if (!strcmp(engine, "model") || !strcmp(engine, "both"))
        rc |= run_engine(argv, USBSIM_ENGINE_MODEL, frames, n, w, h);
    if (!strcmp(engine, "pass") || !strcmp(engine, "both"))
        rc |= run_engine(argv, USBSIM_ENGINE_PASS, frames, n, w, h);
    for (int i = 0; i < NSCENES; i++)
        image_free(&frames[i]);
    return rc;
}
