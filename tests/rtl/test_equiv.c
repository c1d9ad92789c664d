/*
 * The RTL against its specification: the same camera input goes to the C model (sim/model.c)
 * and to the Verilated RTL (sim/verilator/vboard.h), and the two byte streams must be
 * identical. Synthetic frames, the edge cases of docs/BOARD.md, register settings (window,
 * polarity, filter, ROI, pixel modes), camera input errors, random source gaps and sink
 * backpressure on the RTL side, and (when ../shared/data is present) real frames, downscaled
 * to at most 480 pixels wide to keep the run short.
 */
#include "image.h"
#include "model.h"
#include "scene.h"
#include "testlib.h"
#include "verilator/vboard.h"
#include "wire.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bytes {
    uint8_t *p;
    size_t n, cap;
};

static int bytes_out(void *ctx, const uint8_t *data, size_t n)
{
    struct bytes *b = ctx;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 65536;
        while (cap < b->n + n)
            cap *= 2;
        uint8_t *q = realloc(b->p, cap);
        if (!q)
            return -1;
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->n, data, n);
    b->n += n;
    return 0;
}

/* The model and the RTL side by side, fed the same input. */
struct dual {
    struct model *m;
    struct vboard *vb;
    struct bytes mb; /* model output */
    int ok;
};

static int dual_open(struct dual *d, unsigned backpressure, unsigned gaps, uint32_t seed)
{
    memset(d, 0, sizeof *d);
    if (model_new(bytes_out, &d->mb, &d->m) != 0)
        return -1;
    if (vboard_new(getenv("VBOARD_VCD"), &d->vb) != 0) {
        model_free(d->m);
        return -1;
    }
    vboard_set_backpressure(d->vb, backpressure, seed);
    vboard_set_source(d->vb, 1, gaps);
    d->ok = 1;
    return 0;
}

static void dual_reg(struct dual *d, unsigned addr, uint32_t val)
{
    int em = model_reg_write(d->m, addr, val);
    int er = vboard_reg_write(d->vb, addr, val);
    if ((em != 0) != (er != 0)) {
        test_fail(__FILE__, __LINE__, "register 0x%02x <- 0x%08x: model %d, RTL %d", addr, val, em,
                  er);
        d->ok = 0;
    }
}

static void dual_pixel(struct dual *d, uint8_t px, unsigned mk)
{
    uint64_t ts = 0;
    if (vboard_pixel(d->vb, px, mk, &ts) != 0 || model_pixel(d->m, px, mk, ts) != 0) {
        test_fail(__FILE__, __LINE__, "pixel not taken");
        d->ok = 0;
    }
}

static void dual_frame(struct dual *d, const uint8_t *g, int w, int h, int stride)
{
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++)
            dual_pixel(d, g[(size_t)y * stride + x],
                       (x == 0 && y == 0 ? MODEL_PX_SOF : 0) | (x == w - 1 ? MODEL_PX_EOL : 0));
        if (vboard_idle(d->vb, 8) != 0)
            d->ok = 0;
    }
}

/* Lets the pipeline finish (the FIFO and everything after it). */
static void dual_settle(struct dual *d)
{
    if (vboard_drain(d->vb, 64, 50000000ull) != 0) {
        test_fail(__FILE__, __LINE__, "the RTL does not go idle");
        d->ok = 0;
    }
}

/* Describes the chunk containing offset off of a stream, for failure messages. */
static void where(const struct bytes *b, size_t off, char *out, size_t n)
{
    size_t i = 0;
    snprintf(out, n, "?");
    while (i + 8 <= b->n) {
        struct wire_chunk_header h;
        if (wire_get_header(b->p + i, &h) != 0)
            break;
        if (off < i + 8 + h.len) {
            const uint8_t *pl = b->p + i + 8;
            snprintf(out, n, "chunk type %d seq %u at %zu, byte %zu of it (row/x0 field %u)",
                     h.type, h.seq, i, off - i, h.len >= 2 ? pl[0] | pl[1] << 8 : 0);
            return;
        }
        i += 8 + h.len;
    }
}

/*
 * Compares the streams; checks the model stream parses with valid CRCs into `frames`
 * delivered frames (-1: don't check). Returns the number of bytes compared.
 */
static size_t dual_close(struct dual *d, int frames, const char *name)
{
    size_t compared = 0;
    dual_settle(d);
    uint32_t ovf = 0;
    if (vboard_reg_read(d->vb, WIRE_REG_CNT_OVERFLOW, &ovf) != 0)
        d->ok = 0;
    if (ovf)
        test_fail(__FILE__, __LINE__, "%s: the RTL's camera FIFO overflowed", name);
    size_t rn = vboard_pending(d->vb);
    uint8_t *r = malloc(rn ? rn : 1);
    rn = vboard_read(d->vb, r, rn);
    if (!d->ok)
        test_fail(__FILE__, __LINE__, "%s: harness error", name);
    if (rn != d->mb.n || memcmp(r, d->mb.p, rn) != 0) {
        size_t i = 0;
        while (i < rn && i < d->mb.n && r[i] == d->mb.p[i])
            i++;
        char wm[160], wr[160];
        struct bytes rb = {r, rn, rn};
        where(&d->mb, i, wm, sizeof wm);
        where(&rb, i, wr, sizeof wr);
        test_fail(__FILE__, __LINE__,
                  "%s: streams differ at byte %zu (model %zu bytes: %s; RTL %zu bytes: %s)", name,
                  i, d->mb.n, wm, rn, wr);
    } else {
        compared = rn;
    }
    if (frames >= 0) {
        struct wire_parser *p;
        struct wire_stats st;
        if (wire_parser_new(0, &p) == 0) {
            CHECK_EQ_INT(wire_parser_feed(p, d->mb.p, d->mb.n, NULL, NULL, NULL), 0);
            wire_parser_stats(p, &st);
            if (st.frames != (uint64_t)frames || st.crc_errors || st.malformed)
                test_fail(__FILE__, __LINE__,
                          "%s: %llu frames delivered (want %d), %llu CRC "
                          "errors, %llu malformed",
                          name, (unsigned long long)st.frames, frames,
                          (unsigned long long)st.crc_errors, (unsigned long long)st.malformed);
            wire_parser_free(p);
        }
    }
    free(r);
    model_free(d->m);
    vboard_free(d->vb);
    free(d->mb.p);
    return compared;
}

/* Registers every scenario starts with: frame size, RUN. */
static void dual_start(struct dual *d, int w, int h)
{
    dual_reg(d, WIRE_REG_FRAME_SIZE, (uint32_t)w | (uint32_t)h << 16);
    dual_reg(d, WIRE_REG_CONTROL, WIRE_CONTROL_RUN);
}

/* ---- Frames ----------------------------------------------------------------------------- */

static uint8_t *gray_new(int w, int h, uint8_t v)
{
    uint8_t *g = malloc((size_t)w * h);
    memset(g, v, (size_t)w * h);
    return g;
}

/* Fills a rectangle of a w x h frame, clipped to it. */
static void rect_h(uint8_t *g, int w, int h, int x0, int y0, int x1, int y1, uint8_t v)
{
    for (int y = y0; y <= y1 && y < h; y++)
        for (int x = x0; x <= x1 && x < w; x++)
            g[y * w + x] = v;
}
#define rect(g, w, x0, y0, x1, y1, v) rect_h(g, w, frame_h, x0, y0, x1, y1, v)

/* Text-like bars of several sizes, some touching the frame edges. */
static uint8_t *scene_bars(int w, int h)
{
    int frame_h = h;
    uint8_t *g = gray_new(w, h, 200);
    for (int i = 0; i < w * h; i++)
        g[i] = (uint8_t)(180 + (i * 13 % 37));
    for (int k = 0; k < 24; k++) {
        int bx = (k * 37) % (w - 8), by = (k * 23) % (h - 12);
        rect(g, w, bx, by, bx + 1 + k % 6, by + 6 + k % 9, (uint8_t)(20 + k));
    }
    rect(g, w, 0, 5, 2, 20, 10);           /* left edge */
    rect(g, w, w - 3, 8, w - 1, 30, 10);   /* right edge */
    rect(g, w, 10, 0, 14, 9, 10);          /* top edge */
    rect(g, w, 20, h - 10, 24, h - 1, 10); /* bottom edge */
    return g;
}

static void scenario_frames(const char *name, const uint8_t *g, int w, int h, int nframes,
                            unsigned bp, unsigned gaps)
{
    struct dual d;
    if (dual_open(&d, bp, gaps, 1234u + (unsigned)w) != 0) {
        test_fail(__FILE__, __LINE__, "%s: cannot open", name);
        return;
    }
    dual_start(&d, w, h);
    for (int f = 0; f < nframes; f++) {
        dual_frame(&d, g, w, h, w);
        if (w * h < 1024) /* the FIFO would hold several SOFs: see docs/BOARD.md, timestamp */
            dual_settle(&d);
    }
    dual_close(&d, nframes, name);
}

static void test_flat_frames(void)
{
    uint8_t *g = gray_new(64, 48, 0);
    scenario_frames("all black", g, 64, 48, 2, 0, 0);
    memset(g, 255, 64 * 48);
    scenario_frames("all white", g, 64, 48, 2, 0, 0);
    g[10 * 64 + 10] = 0;
    scenario_frames("one pixel", g, 64, 48, 1, 0, 0);
    free(g);
    uint8_t one = 0;
    scenario_frames("1x1 frame", &one, 1, 1, 3, 0, 0);
    uint8_t col[9] = {255, 0, 255, 255, 0, 0, 255, 0, 255};
    scenario_frames("1x9 frame", col, 1, 9, 2, 0, 0);
    scenario_frames("9x1 frame", col, 9, 1, 2, 0, 0);
}

static void test_one_pixel_unfiltered(void)
{
    struct dual d;
    uint8_t *g = gray_new(40, 30, 240);
    g[0] = 0;
    g[15 * 40 + 20] = 0;
    g[29 * 40 + 39] = 0;
    REQUIRE(dual_open(&d, 0, 0, 1) == 0);
    dual_start(&d, 40, 30);
    dual_reg(&d, WIRE_REG_FILTER_HEIGHT, 0xFFFF0001u);
    dual_frame(&d, g, 40, 30, 40);
    CHECK(dual_close(&d, 1, "three single pixels") > 0);
    free(g);
}

static void test_checkerboard(void)
{
    int w = 48, h = 32;
    uint8_t *g = gray_new(w, h, 0);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            g[y * w + x] = (x + y) % 2 ? 255 : 0;
    scenario_frames("checkerboard", g, w, h, 1, 0, 0);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            g[y * w + x] = (x / 2 + y / 2) % 2 ? 255 : 0;
    scenario_frames("checkerboard 2x2", g, w, h, 1, 30, 20);
    free(g);
}

static void test_bars_and_edges(void)
{
    uint8_t *g = scene_bars(160, 90);
    scenario_frames("bars", g, 160, 90, 3, 0, 0);
    scenario_frames("bars, backpressure", g, 160, 90, 2, 50, 0);
    scenario_frames("bars, source gaps", g, 160, 90, 2, 0, 40);
    scenario_frames("bars, both", g, 160, 90, 2, 30, 30);
    free(g);
}

static void test_late_merges(void)
{
    int w = 96, h = 80, frame_h = h;
    uint8_t *g = gray_new(w, h, 220);
    /* U shapes */
    rect(g, w, 4, 4, 6, 40, 20);
    rect(g, w, 30, 4, 32, 40, 20);
    rect(g, w, 4, 38, 32, 40, 20);
    /* comb joined at the bottom */
    for (int x = 40; x < 90; x += 4)
        rect(g, w, x, 5, x, 30, 20);
    rect(g, w, 40, 31, 89, 32, 20);
    /* spiral */
    int x0 = 10, y0 = 46, x1 = 70, y1 = 78;
    while (x1 - x0 > 4 && y1 - y0 > 4) {
        rect(g, w, x0, y0, x1, y0, 20);
        rect(g, w, x1, y0, x1, y1, 20);
        rect(g, w, x0, y1, x1, y1, 20);
        rect(g, w, x0, y0 + 3, x0, y1, 20);
        x0 += 3;
        y0 += 3;
        x1 -= 3;
        y1 -= 3;
    }
    /* zig-zag strokes joining alternately at top and bottom */
    for (int k = 0; k < 4; k++)
        for (int y = 0; y < 10; y++)
            g[(50 + y) * w + 74 + k * 5 + (k % 2 ? 9 - y : y) / 2] = 20;
    struct dual d;
    REQUIRE(dual_open(&d, 20, 20, 7) == 0);
    dual_start(&d, w, h);
    dual_reg(&d, WIRE_REG_FILTER_HEIGHT, 0xFFFF0001u);
    dual_frame(&d, g, w, h, w);
    dual_close(&d, 1, "late merges");
    free(g);
}

/* More open components than labels: TRUNCATED. */
static void test_exhaustion(void)
{
    int w = 1200, h = 24, frame_h = h;
    uint8_t *g = gray_new(w, h, 230);
    for (int x = 0; x < 200; x += 3)
        rect(g, w, x, 1, x, 6, 10);
    for (int x = 0; x < w; x += 2)
        rect(g, w, x, 12, x, 20, 10);
    struct dual d;
    REQUIRE(dual_open(&d, 0, 0, 3) == 0);
    dual_start(&d, w, h);
    dual_reg(&d, WIRE_REG_FILTER_HEIGHT, 0xFFFF0001u);
    dual_frame(&d, g, w, h, w);
    dual_frame(&d, g, w, h, w);
    size_t n = dual_close(&d, 2, "label exhaustion");
    CHECK(n > 0);
    free(g);
}

/* Threshold settings, filter limits, windows and pixel modes. */
static void test_settings(void)
{
    int w = 160, h = 90;
    uint8_t *g = scene_bars(w, h);
    struct dual d;
    REQUIRE(dual_open(&d, 25, 10, 11) == 0);
    dual_start(&d, w, h);
    dual_reg(&d, WIRE_REG_THRESH_WINDOW, 0x07); /* 128 px, no vertical smoothing */
    dual_frame(&d, g, w, h, w);
    dual_reg(&d, WIRE_REG_THRESH_WINDOW, 0x72);       /* 4 px, strongest smoothing */
    dual_reg(&d, WIRE_REG_THRESH_PLANE0, 0x300 | 20); /* light polarity, t = 20 */
    dual_frame(&d, g, w, h, w);
    dual_reg(&d, WIRE_REG_THRESH_PLANE0, 0x200 | 255);
    dual_reg(&d, WIRE_REG_FILTER_WIDTH, 0x00040002u);
    dual_reg(&d, WIRE_REG_FILTER_HEIGHT, 0x000C0007u);
    dual_frame(&d, g, w, h, w);
    dual_reg(&d, WIRE_REG_THRESH_PLANE0, WIRE_RESET_THRESH_PLANE0);
    dual_reg(&d, WIRE_REG_ROI_X, 30 | 50u << 16);
    dual_reg(&d, WIRE_REG_ROI_Y, 80 | 0u << 16);
    dual_frame(&d, g, w, h, w);
    dual_reg(&d, WIRE_REG_OUTPUT, WIRE_PIXELS_MASK1);
    dual_reg(&d, WIRE_REG_ROI_X, 3 | 21u << 16);
    dual_reg(&d, WIRE_REG_ROI_Y, 0);
    dual_frame(&d, g, w, h, w);
    dual_reg(&d, WIRE_REG_ROI_X, 0);
    dual_frame(&d, g, w, h, w);
    dual_reg(&d, WIRE_REG_OUTPUT, WIRE_PIXELS_NONE);
    dual_frame(&d, g, w, h, w);
    dual_reg(&d, WIRE_REG_OUTPUT, WIRE_PIXELS_GRAY8);
    dual_reg(&d, WIRE_REG_ROI_X, 200); /* outside: sent as NONE */
    dual_frame(&d, g, w, h, w);
    dual_reg(&d, WIRE_REG_ROI_X, 0);
    dual_reg(&d, WIRE_REG_THRESH_PLANE0, 0x46); /* plane disabled */
    dual_frame(&d, g, w, h, w);
    /* minimum contrast: the bars differ from the background by 137..196 levels */
    dual_reg(&d, WIRE_REG_THRESH_PLANE0, 0x00A00246u); /* dark, contrast 160 */
    dual_frame(&d, g, w, h, w);
    dual_reg(&d, WIRE_REG_THRESH_PLANE0, 0x00060314u); /* light, t = 20, contrast 6 */
    dual_frame(&d, g, w, h, w);
    dual_reg(&d, WIRE_REG_THRESH_PLANE0, 0x00000646u); /* bit 10: refused by both */
    dual_reg(&d, WIRE_REG_THRESH_PLANE0, 0x01000246u); /* bit 24: refused by both */
    dual_reg(&d, WIRE_REG_THRESH_WINDOW, 0x99);        /* refused by both */
    dual_reg(&d, WIRE_REG_OUTPUT, 3);
    dual_reg(&d, 0x30, 1);
    dual_close(&d, 11, "settings");
    free(g);
}

/* Camera input errors, each followed by a good frame; a RESET restarts the numbering. */
static void test_input_errors(void)
{
    int w = 64, h = 40;
    uint8_t *g = scene_bars(w, h);
    struct dual d;
    REQUIRE(dual_open(&d, 20, 0, 5) == 0);
    dual_start(&d, w, h);
    dual_reg(&d, WIRE_REG_FILTER_HEIGHT, 0xFFFF0001u);
    for (int kind = 0; kind < 6; kind++) {
        for (int y = 0; y < h; y++) {
            int len = w + (kind == 0 && y == 7 ? -5 : 0) + (kind == 1 && y == 7 ? 3 : 0);
            for (int x = 0; x < len; x++) {
                unsigned mk = x == len - 1 ? MODEL_PX_EOL : 0;
                if (x == 0 && y == 0 && kind != 2)
                    mk |= MODEL_PX_SOF;
                if (kind == 4 && y == 9 && x == 11)
                    mk |= MODEL_PX_SOF;
                if (kind == 5 && y == 9 && x == 11) {
                    /* RESET flushes the FIFO: let the board take what it holds first */
                    if (vboard_settle_input(d.vb, 16, 10000000ull) != 0)
                        d.ok = 0;
                    dual_reg(&d, WIRE_REG_CONTROL, WIRE_CONTROL_RUN | WIRE_CONTROL_RESET);
                }
                dual_pixel(&d, g[y * w + (x < w ? x : w - 1)], mk);
            }
            if (vboard_idle(d.vb, 8) != 0)
                d.ok = 0;
        }
        if (kind == 3) /* three lines too many */
            for (int y = 0; y < 3; y++)
                for (int x = 0; x < w; x++)
                    dual_pixel(&d, g[x], x == w - 1 ? MODEL_PX_EOL : 0);
        dual_frame(&d, g, w, h, w);
    }
    dual_settle(&d);
    for (unsigned a = WIRE_REG_CNT_FRAMES; a <= WIRE_REG_CNT_RECORDS; a++) {
        uint32_t vm = 1, vr = 2;
        CHECK_EQ_INT(model_reg_read(d.m, a, &vm), 0);
        CHECK_EQ_INT(vboard_reg_read(d.vb, a, &vr), 0);
        if (vm != vr)
            test_fail(__FILE__, __LINE__, "counter 0x%02x: model %u, RTL %u", a, vm, vr);
    }
    /* the good frame after each kind, and kind 3's own frame (its extra lines come after) */
    dual_close(&d, 7, "input errors");
    free(g);
}

/* Generated roadside scenes (sim/scene.c). */
static void test_scenes(void)
{
    struct scene_gen *gen;
    if (scene_gen_open(NULL, &gen) != 0)
        SKIP("no font for the scene generator");
    struct dual d;
    REQUIRE(dual_open(&d, 10, 5, 99) == 0);
    int w = 480, h = 270;
    dual_start(&d, w, h);
    for (int i = 0; i < 4; i++) {
        struct scene_params p;
        struct scene s;
        scene_params_default(&p);
        p.width = w;
        p.height = h;
        p.seed = 100u + (unsigned)i;
        p.plates = 1 + i % 2;
        p.min_plate_width = 90;
        p.max_plate_width = 150;
        if (scene_render(gen, &p, &s) != 0) {
            test_fail(__FILE__, __LINE__, "scene %d", i);
            continue;
        }
        if (i == 2)
            dual_reg(&d, WIRE_REG_OUTPUT, WIRE_PIXELS_MASK1);
        dual_frame(&d, s.pixels, w, h, w);
        scene_free(&s);
    }
    dual_close(&d, 4, "scenes");
    scene_gen_close(gen);
}

/* Box-filter downscale by an integer factor so the width is at most max_w. */
static uint8_t *downscale(const struct image *im, int max_w, int *ow, int *oh)
{
    int f = 1;
    while (im->width / f > max_w || im->height / f > 2048)
        f++;
    int w = im->width / f, h = im->height / f;
    uint8_t *g = malloc((size_t)w * h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            unsigned s = 0;
            for (int j = 0; j < f; j++)
                for (int i = 0; i < f; i++)
                    s += im->pixels[(size_t)(y * f + j) * im->width + x * f + i];
            g[y * w + x] = (uint8_t)(s / (unsigned)(f * f));
        }
    *ow = w;
    *oh = h;
    return g;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_real_frames(void)
{
    const char *dir = test_data_dir();
    if (!dir)
        SKIP("data absent");
    char path[1024];
    char *names[64];
    int n = 0;
    snprintf(path, sizeof path, "%s/frames/us", dir);
    DIR *dp = opendir(path);
    if (!dp)
        SKIP("data absent (frames/us)");
    struct dirent *e;
    while ((e = readdir(dp)) && n < 64) {
        size_t l = strlen(e->d_name);
        if (l > 4 && strcmp(e->d_name + l - 4, ".jpg") == 0)
            names[n++] = strdup(e->d_name);
    }
    closedir(dp);
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    int done = 0;
    size_t bytes = 0;
    for (int i = 0; i < n && done < 20; i++) {
        struct image im;
        snprintf(path, sizeof path, "%s/frames/us/%s", dir, names[i]);
        if (image_load(path, &im) != 0)
            continue;
        int w, h;
        uint8_t *g = downscale(&im, 480, &w, &h);
        image_free(&im);
        struct dual d;
        if (dual_open(&d, done % 3 == 0 ? 30 : 0, done % 2 ? 20 : 0, 17u + (unsigned)i) != 0) {
            free(g);
            break;
        }
        dual_start(&d, w, h);
        dual_reg(&d, WIRE_REG_OUTPUT, done % 4 == 1 ? WIRE_PIXELS_MASK1 : WIRE_PIXELS_GRAY8);
        dual_frame(&d, g, w, h, w);
        bytes += dual_close(&d, 1, names[i]);
        free(g);
        done++;
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    if (done < 20)
        test_fail(__FILE__, __LINE__, "only %d real frames could be loaded", done);
    printf("  %d real frames, %zu identical bytes\n", done, bytes);
}

/* Collects delivered frames (deep copies). */
struct frames {
    struct wire_frame f[4];
    int n;
};

static int frames_fn(void *ctx, const struct wire_frame *f)
{
    struct frames *fs = ctx;
    if (fs->n < 4 && wire_frame_copy(&fs->f[fs->n], f) == 0)
        fs->n++;
    return 0;
}

static void parse_frames(const uint8_t *p, size_t n, struct frames *fs, struct wire_stats *st)
{
    struct wire_parser *wp;
    memset(fs, 0, sizeof *fs);
    memset(st, 0, sizeof *st);
    if (wire_parser_new(0, &wp) != 0)
        return;
    CHECK_EQ_INT(wire_parser_feed(wp, p, n, frames_fn, fs, NULL), 0);
    wire_parser_stats(wp, st);
    wire_parser_free(wp);
}

static int same_frame(const struct wire_frame *a, const struct wire_frame *b)
{
    return memcmp(&a->head, &b->head, sizeof a->head) == 0 && a->ncomps == b->ncomps &&
           a->tail.found == b->tail.found && a->tail.flags == b->tail.flags &&
           a->pixels_len == b->pixels_len &&
           (a->pixels_len == 0 || memcmp(a->pixels, b->pixels, a->pixels_len) == 0) &&
           (a->ncomps == 0 || memcmp(a->comps, b->comps, a->ncomps * sizeof *a->comps) == 0);
}

/*
 * Camera timing: frame 0 at one pixel per clock with line blanking `hblank` (no pacing, sink
 * always ready), then the same frame paced. Where the board cannot keep up (no blanking for the
 * end-of-row work; docs/BOARD.md "Throughput") the FIFO overflows: the board must drop frame 0
 * cleanly (ABORTED + OVERFLOW, counted once, stream well formed) and frame 1 must be exactly
 * the model's. Otherwise both frames must be byte-identical to the model's. Returns 1 if it
 * kept up.
 */
static int camera_timing_case(const char *name, const uint8_t *px, int w, int h, unsigned hblank)
{
    struct bytes mb = {0};
    struct model *m = NULL;
    struct vboard *vb = NULL;
    if (model_new(bytes_out, &mb, &m) != 0 || vboard_new(NULL, &vb) != 0) {
        test_fail(__FILE__, __LINE__, "%s: cannot open", name);
        model_free(m);
        return 0;
    }
    uint32_t size = (uint32_t)w | (uint32_t)h << 16;
    CHECK(model_reg_write(m, WIRE_REG_FRAME_SIZE, size) == 0 &&
          model_reg_write(m, WIRE_REG_CONTROL, WIRE_CONTROL_RUN) == 0);
    CHECK(vboard_reg_write(vb, WIRE_REG_FRAME_SIZE, size) == 0 &&
          vboard_reg_write(vb, WIRE_REG_CONTROL, WIRE_CONTROL_RUN) == 0);
    for (int f = 0; f < 2; f++) {
        vboard_set_source(vb, f == 1, 0);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                unsigned mk =
                    (x == 0 && y == 0 ? MODEL_PX_SOF : 0) | (x == w - 1 ? MODEL_PX_EOL : 0);
                uint64_t ts = 0;
                CHECK(vboard_pixel(vb, px[(size_t)y * w + x], mk, &ts) == 0);
                CHECK(model_pixel(m, px[(size_t)y * w + x], mk, ts) == 0);
            }
            CHECK(vboard_idle(vb, hblank) == 0);
        }
        CHECK(vboard_drain(vb, 64, 50000000ull) == 0);
    }
    uint32_t ovf = 0, dropped = 0;
    CHECK(vboard_reg_read(vb, WIRE_REG_CNT_OVERFLOW, &ovf) == 0);
    CHECK(vboard_reg_read(vb, WIRE_REG_CNT_DROPPED, &dropped) == 0);
    size_t rn = vboard_pending(vb);
    uint8_t *r = malloc(rn ? rn : 1);
    rn = vboard_read(vb, r, rn);
    struct frames fm, fr;
    struct wire_stats sm, sr;
    parse_frames(mb.p, mb.n, &fm, &sm);
    parse_frames(r, rn, &fr, &sr);
    CHECK_EQ_INT(fm.n, 2);
    CHECK_EQ_INT(sr.crc_errors + sr.malformed + sr.seq_gaps, 0);
    if (ovf == 0) {
        if (rn != mb.n || memcmp(r, mb.p, rn) != 0)
            test_fail(__FILE__, __LINE__, "%s: streams differ", name);
    } else {
        CHECK_EQ_INT(ovf, 1);
        CHECK_EQ_INT(dropped, 1);
        CHECK_EQ_INT(sr.frames_aborted, 1);
        if (fr.n == 1 && fm.n == 2)
            CHECK(same_frame(&fr.f[0], &fm.f[1]));
        else
            test_fail(__FILE__, __LINE__, "%s: %d frames delivered", name, fr.n);
    }
    printf("  %s, %dx%d, %u clocks of line blanking: %s\n", name, w, h, hblank,
           ovf ? "FIFO overflow, frame dropped cleanly, next frame exact" : "kept up, identical");
    for (int i = 0; i < fm.n; i++)
        wire_frame_free(&fm.f[i]);
    for (int i = 0; i < fr.n; i++)
        wire_frame_free(&fr.f[i]);
    free(r);
    free(mb.p);
    model_free(m);
    vboard_free(vb);
    return ovf == 0;
}

static void test_camera_timing(void)
{
    struct scene_gen *gen = NULL;
    struct scene s = {0};
    struct scene_params p;
    if (scene_gen_open(NULL, &gen) != 0)
        SKIP("no font for the scene generator");
    scene_params_default(&p);
    p.width = 1920;
    p.height = 1080;
    p.plates = 3;
    REQUIRE(scene_render(gen, &p, &s) == 0);
    /* 1080p30: 2200 clocks per 1920-pixel line; the labelling must keep up */
    CHECK(camera_timing_case("generated scene", s.pixels, s.width, s.height, 280));
    /* no blanking at all: the end-of-row work cannot fit, the FIFO overflows and the frame
       must be dropped cleanly */
    CHECK(!camera_timing_case("generated scene", s.pixels, s.width, s.height, 0));
    scene_free(&s);
    scene_gen_close(gen);

    const char *dir = test_data_dir();
    struct image im;
    char path[1024];
    if (!dir)
        return;
    snprintf(path, sizeof path, "%s/frames/us/12c6cb72-3ea3-49e7-b381-e0cdfc5e8960.jpg", dir);
    if (image_load(path, &im) != 0)
        return;
    if (im.width <= 2048 && im.height <= 2048)
        CHECK(camera_timing_case("real frame", im.pixels, im.width, im.height, 370));
    image_free(&im);
}

int main(void)
{
    RUN(test_flat_frames);
    RUN(test_one_pixel_unfiltered);
    RUN(test_checkerboard);
    RUN(test_bars_and_edges);
    RUN(test_late_merges);
    RUN(test_exhaustion);
    RUN(test_settings);
    RUN(test_input_errors);
    RUN(test_scenes);
    RUN(test_real_frames);
    RUN(test_camera_timing);
    return test_finish();
}
