/*
 * replug_client: a host program for the reconnection test across processes
 * (tests/usb/test_usb_replug.c runs it as a child while the board, in the parent, is unplugged
 * and plugged in again).
 *
 *   replug_client [--polling] [--size WxH] FRAMES_AFTER TIMEOUT_MS
 *
 * Opens the board with reconnection (hotplug, or polling only with --polling), writes
 * FRAME_SIZE (--size; the driver writes it again after a reconnection), streams, and prints
 * one line per frame ("frame N HASH": its number and the FNV-1a hash of its pixels, so the
 * caller can tell which camera image it was) and per event ("event no-device",
 * "event reconnected") on stdout. Exits 0 once FRAMES_AFTER frames arrived after a reconnection, 1
 * when TIMEOUT_MS passed first, 2 on a bad command line, 3 when the board cannot be opened.
 */
#include "alpr_dev.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

static uint64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

/* Event callback (driver's event thread): prints the event at once. */
static void on_event(void *ctx, enum alpr_dev_event ev)
{
    int *reconnected = ctx;
    if (ev == ALPR_DEV_EVENT_RECONNECTED)
        *reconnected = 1;
    printf("event %s\n", ev == ALPR_DEV_EVENT_NO_DEVICE     ? "no-device"
                         : ev == ALPR_DEV_EVENT_RECONNECTED ? "reconnected"
                                                            : "stall");
    fflush(stdout);
}

int main(int argc, char **argv)
{
    struct alpr_dev_open_opts oo = {.reconnect = 1, .poll_ms = 50};
    static volatile int reconnected;
    struct alpr_dev_stream_opts so = {
        .on_event = on_event, .ctx = (void *)&reconnected, .queue_frames = 64};
    struct alpr_dev *d;
    int argi = 1, after, err, status = 1, got_after = 0, w = 0, h = 0;
    long timeout_ms;
    uint64_t end;
    if (argi < argc && strcmp(argv[argi], "--polling") == 0) {
        oo.no_hotplug = 1;
        argi++;
    }
    if (argi + 1 < argc && strcmp(argv[argi], "--size") == 0) {
        if (sscanf(argv[argi + 1], "%dx%d", &w, &h) != 2 || w < 1 || w > 2048 || h < 1 ||
            h > 2048) {
            fprintf(stderr, "replug_client: --size WxH\n");
            return 2;
        }
        argi += 2;
    }
    if (argc - argi != 2) {
        fprintf(stderr, "usage: replug_client [--polling] [--size WxH] FRAMES_AFTER TIMEOUT_MS\n");
        return 2;
    }
    after = atoi(argv[argi]);
    timeout_ms = atol(argv[argi + 1]);
    err = alpr_dev_open(&oo, &d);
    if (err != 0) {
        fprintf(stderr, "replug_client: open: %s\n", alpr_dev_strerror(err));
        return 3;
    }
    if (w &&
        (err = alpr_dev_reg_write(d, WIRE_REG_FRAME_SIZE, (uint32_t)h << 16 | (uint32_t)w)) != 0) {
        fprintf(stderr, "replug_client: FRAME_SIZE: %s\n", alpr_dev_strerror(err));
        alpr_dev_close(d);
        return 3;
    }
    err = alpr_dev_start(d, &so);
    if (err != 0) {
        fprintf(stderr, "replug_client: start: %s\n", alpr_dev_strerror(err));
        alpr_dev_close(d);
        return 3;
    }
    end = now_ms() + (uint64_t)timeout_ms;
    while (now_ms() < end) {
        struct wire_frame f;
        err = alpr_dev_next_frame(d, &f, 50);
        if (err == ALPR_DEV_ERR_TIMEOUT)
            continue;
        if (err != 0) {
            fprintf(stderr, "replug_client: next_frame: %s\n", alpr_dev_strerror(err));
            break;
        }
        printf("frame %lu %08x\n", (unsigned long)f.head.frame,
               (unsigned)fnv1a(f.pixels, f.pixels_len));
        fflush(stdout);
        wire_frame_free(&f);
        if (reconnected && ++got_after >= after) {
            status = 0;
            break;
        }
    }
    alpr_dev_close(d);
    return status;
}
