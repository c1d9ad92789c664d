/*
 * fuzz_wire_seeds: writes the seed corpus of tests/fuzz_wire.c into the directory given as the
 * argument (tests/fuzz-corpus/wire, committed; `make fuzz-seeds` regenerates it). Each seed is a
 * small stream made with the real encoder: frames in each pixel mode, records, an aborted
 * frame, garbage between frames, a truncated frame, a bad CRC and a lost chunk.
 */
#include "wire.h"

#include <stdio.h>
#include <string.h>

struct out {
    uint8_t buf[8192];
    size_t n;
};

static int put(void *ctx, const uint8_t *d, size_t n)
{
    struct out *o = ctx;
    if (o->n + n > sizeof o->buf)
        return -1;
    memcpy(o->buf + o->n, d, n);
    o->n += n;
    return 0;
}

/* One frame of w x h in mode, with nrec records; flags for the tail. */
static int frame(struct wire_writer *w, uint32_t no, uint8_t mode, int wd, int ht, int nrec,
                 uint16_t flags)
{
    struct wire_head h = {.version = 1,
                          .pixel_mode = mode,
                          .planes = 1,
                          .window = 0x24,
                          .frame = no,
                          .timestamp = 1000u * no,
                          .width = (uint16_t)wd,
                          .height = (uint16_t)ht,
                          .thresh0 = 0x246};
    uint8_t row[64];
    if (mode != WIRE_PIXELS_NONE) {
        h.roi_w = (uint16_t)wd;
        h.roi_h = (uint16_t)ht;
    }
    if (wire_writer_head(w, &h))
        return -1;
    for (int y = 0; y < h.roi_h; y++) {
        size_t n = wire_row_bytes(&h);
        for (size_t x = 0; x < n; x++)
            row[x] = (uint8_t)(x * 16 + (size_t)y);
        if (wire_writer_row(w, (uint16_t)y, 0, row, n))
            return -1;
        if (y == 1)
            for (int k = 0; k < nrec; k++) {
                struct wire_comp c = {.x0 = (uint16_t)k,
                                      .y0 = 0,
                                      .x1 = (uint16_t)(k + 1),
                                      .y1 = 1,
                                      .ink = 3,
                                      .plane = 0,
                                      .edges = WIRE_EDGE_TOP,
                                      .label = (uint16_t)(k + 1)};
                if (wire_writer_comp(w, &c))
                    return -1;
            }
    }
    return wire_writer_tail(w, (uint16_t)nrec, flags);
}

static int save(const char *dir, const char *name, const struct out *o)
{
    char path[512];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (!f || fwrite(o->buf, 1, o->n, f) != o->n) {
        if (f)
            fclose(f);
        return -1;
    }
    return fclose(f);
}

int main(int argc, char **argv)
{
    struct out o;
    struct wire_writer w;
    int bad = 0;
    if (argc != 2) {
        fprintf(stderr, "usage: fuzz_wire_seeds DIR\n");
        return 2;
    }
#define SEED(name, ...)                                                                            \
    do {                                                                                           \
        o.n = 0;                                                                                   \
        wire_writer_init(&w, put, &o);                                                             \
        __VA_ARGS__;                                                                               \
        bad |= save(argv[1], name, &o);                                                            \
    } while (0)
    SEED("gray8.bin", bad |= frame(&w, 0, WIRE_PIXELS_GRAY8, 8, 4, 2, 0));
    SEED("mask1.bin", bad |= frame(&w, 0, WIRE_PIXELS_MASK1, 20, 3, 1, 0));
    SEED("none.bin", bad |= frame(&w, 5, WIRE_PIXELS_NONE, 16, 16, 3, WIRE_FLAG_TRUNCATED));
    SEED("two-frames.bin", {
        bad |= frame(&w, 0, WIRE_PIXELS_GRAY8, 4, 2, 1, 0);
        bad |= frame(&w, 2, WIRE_PIXELS_GRAY8, 4, 2, 0, 0);
    });
    SEED("aborted.bin", {
        bad |= frame(&w, 0, WIRE_PIXELS_GRAY8, 4, 2, 0, WIRE_FLAG_ABORTED | WIRE_FLAG_INPUT_ERROR);
        bad |= frame(&w, 1, WIRE_PIXELS_GRAY8, 4, 2, 1, 0);
    });
    SEED("garbage.bin", {
        static const uint8_t g[] = {0x41, 0x4C, 0x01, 0x00, 0x41, 0x4C, 0x41, 0x99, 0x00, 0x13};
        bad |= put(&o, g, sizeof g);
        bad |= frame(&w, 0, WIRE_PIXELS_GRAY8, 4, 2, 0, 0);
    });
    SEED("truncated.bin", {
        bad |= frame(&w, 0, WIRE_PIXELS_GRAY8, 8, 4, 2, 0);
        o.n -= 30;
        bad |= frame(&w, 1, WIRE_PIXELS_GRAY8, 8, 4, 2, 0);
    });
    SEED("bad-crc.bin", {
        bad |= frame(&w, 0, WIRE_PIXELS_GRAY8, 4, 2, 0, 0);
        o.buf[o.n - 1] ^= 1;
    });
    SEED("seq-gap.bin", {
        bad |= frame(&w, 0, WIRE_PIXELS_GRAY8, 4, 2, 0, 0);
        w.seq += 3;
        bad |= frame(&w, 1, WIRE_PIXELS_GRAY8, 4, 2, 0, 0);
    });
    return bad ? 1 : 0;
}
