/*
 * Tests of sim/model: the labelling against an independent flood-fill labeller, the threshold
 * against a direct evaluation of the formula in docs/BOARD.md, and the board's byte stream
 * parsed back with the wire parser (CRC, counts, order of records, ROI, pixel modes, input
 * errors and recovery, registers).
 */
#include "model.h"
#include "testlib.h"
#include "wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Independent reference: flood fill, 8-connected ---------------------------------------- */

struct ref_comp {
    int x0, y0, x1, y1;
    long ink;
};

/* Labels mask (w x h) by iterative flood fill; returns the number of components in *out. */
static int ref_label(const uint8_t *mask, int w, int h, struct ref_comp **out)
{
    int *lab = calloc((size_t)w * h, sizeof *lab);
    int *stack = malloc((size_t)w * h * sizeof *stack);
    struct ref_comp *comps = NULL;
    int n = 0, cap = 0;
    for (int s = 0; s < w * h; s++) {
        if (!mask[s] || lab[s])
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            comps = realloc(comps, (size_t)cap * sizeof *comps);
        }
        struct ref_comp c = {s % w, s / w, s % w, s / w, 0};
        int sp = 0;
        stack[sp++] = s;
        lab[s] = n + 1;
        while (sp) {
            int p = stack[--sp], px = p % w, py = p / w;
            c.ink++;
            if (px < c.x0)
                c.x0 = px;
            if (px > c.x1)
                c.x1 = px;
            if (py < c.y0)
                c.y0 = py;
            if (py > c.y1)
                c.y1 = py;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int qx = px + dx, qy = py + dy;
                    if (qx < 0 || qy < 0 || qx >= w || qy >= h)
                        continue;
                    int q = qy * w + qx;
                    if (mask[q] && !lab[q]) {
                        lab[q] = n + 1;
                        stack[sp++] = q;
                    }
                }
        }
        comps[n++] = c;
    }
    free(lab);
    free(stack);
    *out = comps;
    return n;
}

static int ref_matches(const struct ref_comp *r, const struct wire_comp *c, int w, int h)
{
    uint8_t edges =
        (uint8_t)((r->x0 == 0 ? WIRE_EDGE_LEFT : 0) | (r->x1 == w - 1 ? WIRE_EDGE_RIGHT : 0) |
                  (r->y0 == 0 ? WIRE_EDGE_TOP : 0) | (r->y1 == h - 1 ? WIRE_EDGE_BOTTOM : 0));
    long ink = r->ink > 65535 ? 65535 : r->ink;
    return r->x0 == c->x0 && r->y0 == c->y0 && r->x1 == c->x1 && r->y1 == c->y1 && ink == c->ink &&
           edges == c->edges;
}

/* Runs the model's CCL on a mask, collecting records in completion order. */
struct collect {
    struct wire_comp *c;
    size_t n, cap;
    int row; /* row being processed, to check each record completes at y1 + 1 */
    int order_bad;
};

static int collect_fn(void *ctx, const struct wire_comp *c)
{
    struct collect *s = ctx;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->c = realloc(s->c, s->cap * sizeof *s->c);
    }
    if (c->y1 + 1 != s->row)
        s->order_bad = 1;
    s->c[s->n++] = *c;
    return 0;
}

/*
 * Labels mask with the model and with the reference. Without truncation the sets must be equal;
 * with it every record must be exactly one reference component. Returns the record count.
 */
static size_t check_mask(const uint8_t *mask, int w, int h, int expect_trunc)
{
    static struct model_ccl ccl;
    struct collect s = {0};
    struct ref_comp *ref;
    int nref = ref_label(mask, w, h, &ref);
    model_ccl_start(&ccl, w, h);
    for (int y = 0; y <= h; y++) {
        s.row = y;
        CHECK_EQ_INT(model_ccl_row(&ccl, y < h ? mask + (size_t)y * w : NULL, collect_fn, &s), 0);
    }
    CHECK_EQ_INT(ccl.truncated, expect_trunc);
    CHECK(!s.order_bad);
    if (!expect_trunc) {
        CHECK_EQ_INT(s.n, nref);
        CHECK_EQ_INT(ccl.found, nref);
    } else {
        CHECK(s.n < (size_t)nref);
    }
    char *used = calloc((size_t)nref + 1, 1);
    for (size_t i = 0; i < s.n; i++) {
        int hit = -1;
        for (int j = 0; j < nref && hit < 0; j++)
            if (!used[j] && ref_matches(&ref[j], &s.c[i], w, h))
                hit = j;
        if (hit < 0) {
            test_fail(__FILE__, __LINE__, "record %zu (%d,%d)-(%d,%d) ink %d matches no component",
                      i, s.c[i].x0, s.c[i].y0, s.c[i].x1, s.c[i].y1, s.c[i].ink);
            break;
        }
        used[hit] = 1;
    }
    free(used);
    free(ref);
    free(s.c);
    return s.n;
}

static uint8_t *mask_new(int w, int h)
{
    return calloc((size_t)w * h, 1);
}

static void test_ccl_trivial(void)
{
    uint8_t *m = mask_new(16, 9);
    CHECK_EQ_INT(check_mask(m, 16, 9, 0), 0); /* all background */
    memset(m, 1, 16 * 9);
    CHECK_EQ_INT(check_mask(m, 16, 9, 0), 1); /* all ink: one component touching all edges */
    memset(m, 0, 16 * 9);
    m[4 * 16 + 7] = 1;
    CHECK_EQ_INT(check_mask(m, 16, 9, 0), 1); /* one pixel */
    free(m);
    uint8_t one = 1;
    CHECK_EQ_INT(check_mask(&one, 1, 1, 0), 1); /* 1x1 frame */
    uint8_t col[5] = {1, 0, 1, 1, 0};
    CHECK_EQ_INT(check_mask(col, 1, 5, 0), 2); /* width 1 */
    CHECK_EQ_INT(check_mask(col, 5, 1, 0), 2); /* height 1 */
}

static void test_ccl_checkerboard(void)
{
    int w = 40, h = 30;
    uint8_t *m = mask_new(w, h);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            m[y * w + x] = (uint8_t)((x + y) % 2 == 0);
    CHECK_EQ_INT(check_mask(m, w, h, 0), 1); /* 8-connected: one component */
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            m[y * w + x] = (uint8_t)(x % 2 == 0 && y % 2 == 0);
    CHECK_EQ_INT(check_mask(m, w, h, 0), 300); /* isolated dots */
    free(m);
}

static void test_ccl_edges(void)
{
    int w = 20, h = 12;
    uint8_t *m = mask_new(w, h);
    for (int y = 0; y < h; y++)
        m[y * w] = m[y * w + w - 1] = 1; /* left and right columns */
    for (int x = 3; x < 17; x++)
        m[x] = m[(h - 1) * w + x] = 1; /* top and bottom rows, not touching the columns */
    CHECK_EQ_INT(check_mask(m, w, h, 0), 4);
    m[2] = 1; /* top row now touches the left column diagonally... */
    m[1 * w + 1] = 1;
    CHECK_EQ_INT(check_mask(m, w, h, 0), 3);
    free(m);
}

/* A U, a W and a comb: parts labelled separately that merge late, at the bottom. */
static void test_ccl_late_merges(void)
{
    int w = 64, h = 40;
    uint8_t *m = mask_new(w, h);
    for (int y = 0; y < 30; y++)
        for (int x = 0; x < w; x += 4)
            m[y * w + x] = 1; /* comb teeth */
    for (int x = 0; x < w; x++)
        m[30 * w + x] = 1; /* joined by the spine */
    for (int y = 33; y < 40; y++)
        m[y * w + 5] = m[y * w + 60] = 1;
    for (int x = 5; x <= 60; x++)
        m[39 * w + x] = 1; /* a wide U closing on the last row */
    CHECK_EQ_INT(check_mask(m, w, h, 0), 2);
    /* Zig-zag: diagonal strokes that join pairwise left to right in one row. */
    memset(m, 0, (size_t)w * h);
    for (int k = 0; k < 8; k++)
        for (int y = 0; y < 10; y++)
            m[(10 + y) * w + k * 8 + (k % 2 ? 9 - y : y)] = 1;
    CHECK_EQ_INT(check_mask(m, w, h, 0), 1); /* 8 strokes joined alternately at bottom and top */
    free(m);
}

/* A square spiral: every turn merges late and chains of merged labels form. */
static void test_ccl_spiral(void)
{
    int n = 61;
    uint8_t *m = mask_new(n, n);
    int x0 = 0, y0 = 0, x1 = n - 1, y1 = n - 1;
    while (x0 <= x1 && y0 <= y1) {
        for (int x = x0; x <= x1; x++)
            m[y0 * n + x] = 1;
        for (int y = y0; y <= y1; y++)
            m[y * n + x1] = 1;
        if (y1 - y0 >= 2)
            for (int x = x0; x <= x1; x++)
                m[y1 * n + x] = 1;
        if (y1 - y0 >= 4)
            for (int y = y0 + 2; y <= y1; y++)
                m[y * n + x0] = 1;
        x0 += 2;
        y0 += 2;
        x1 -= 2;
        y1 -= 2;
        if (x0 <= x1)
            m[y0 * n + x0 - 2] = 0; /* open the ring so it spirals */
    }
    CHECK(check_mask(m, n, n, 0) >= 1);
    /* And its mirror image, so merges run the other way. */
    uint8_t *r = mask_new(n, n);
    for (int y = 0; y < n; y++)
        for (int x = 0; x < n; x++)
            r[y * n + x] = m[y * n + n - 1 - x];
    CHECK(check_mask(r, n, n, 0) >= 1);
    free(r);
    free(m);
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

static void test_ccl_random(void)
{
    static const int dens[] = {10, 30, 45, 55, 70};
    for (int it = 0; it < 60; it++) {
        int w = 1 + (int)(rnd() % 90), h = 1 + (int)(rnd() % 60);
        uint8_t *m = mask_new(w, h);
        int d = dens[it % 5];
        for (int i = 0; i < w * h; i++)
            m[i] = (uint8_t)((int)(rnd() % 100) < d);
        check_mask(m, w, h, 0);
        free(m);
    }
}

/* More open components than labels: TRUNCATED, and what was sent is still right. */
static void test_ccl_exhaustion(void)
{
    int w = 1400, h = 8;
    uint8_t *m = mask_new(w, h);
    for (int x = 0; x < w; x += 2) {
        m[0 * w + x] = 1; /* 700 dots on row 0: more than 511 labels at once */
        m[5 * w + x] = 1;
    }
    for (int x = 0; x < 40; x++)
        m[3 * w + x] = 1;
    size_t n = check_mask(m, w, h, 1);
    CHECK_EQ_INT(n, 0); /* exhausted on row 0, before anything completed */
    memset(m, 0, (size_t)w * h);
    for (int x = 0; x < 200; x += 2)
        m[x] = 1; /* 100 dots complete on row 1 ... */
    for (int x = 0; x < w; x += 2)
        m[3 * w + x] = 1; /* ... then 700 on row 3 exhaust the tables */
    n = check_mask(m, w, h, 1);
    CHECK_EQ_INT(n, 100);
    free(m);
}

/* Labels are recycled: a tall frame with many components over time never truncates. */
static void test_ccl_reuse(void)
{
    int w = 600, h = 600;
    uint8_t *m = mask_new(w, h);
    for (int y = 0; y < h; y += 3)
        for (int x = (y / 3) % 2; x < w; x += 3)
            m[y * w + x] = 1; /* 200 dots per row, 40 000 in total */
    CHECK_EQ_INT(check_mask(m, w, h, 0), 200 * 200);
    free(m);
}

/* ---- Threshold ------------------------------------------------------------------------------ */

static void test_threshold_reference(void)
{
    for (int it = 0; it < 20; it++) {
        struct model_config cfg = model_config_default();
        int w = 1 + (int)(rnd() % 300), h = 1 + (int)(rnd() % 20);
        cfg.win_log2 = (uint8_t)(2 + rnd() % 6);
        cfg.vshift = (uint8_t)(rnd() % 8);
        uint8_t *g = malloc((size_t)w * h);
        uint16_t *mean = malloc((size_t)w * h * 2);
        for (int i = 0; i < w * h; i++)
            g[i] = (uint8_t)(it % 3 == 0 ? rnd() : (i % w) * 255 / w + rnd() % 16);
        REQUIRE(model_local_mean(&cfg, g, w, h, w, mean) == 0);
        int W = 1 << cfg.win_log2, bad = 0;
        long a_prev[300];
        for (int y = 0; y < h && !bad; y++)
            for (int x = 0; x < w && !bad; x++) {
                long sum = 0;
                for (int i = x - W / 2; i <= x + W / 2 - 1; i++)
                    sum += g[y * w + (i < 0 ? 0 : i >= w ? w - 1 : i)];
                long target = (sum / W) * 16, a;
                if (y == 0) {
                    a = target;
                } else {
                    long d = target - a_prev[x];
                    /* floor division by 2^s, written without shifts of negative numbers */
                    long q = d >= 0 ? d / (1L << cfg.vshift)
                                    : -((-d + (1L << cfg.vshift) - 1) / (1L << cfg.vshift));
                    a = a_prev[x] + q;
                }
                a_prev[x] = a;
                if (a != mean[y * w + x]) {
                    test_fail(__FILE__, __LINE__, "mean(%d,%d) %u != %ld (k=%d s=%d)", x, y,
                              mean[y * w + x], a, cfg.win_log2, cfg.vshift);
                    bad = 1;
                }
            }
        struct model_plane dark = {70, 0, 1, 0}, light = {70, 1, 1, 0};
        for (int i = 0; i < w * h; i++) {
            CHECK_EQ_INT(model_ink(&dark, g[i], mean[i]), 256L * 16 * g[i] < (256L - 70) * mean[i]);
            CHECK_EQ_INT(model_ink(&light, g[i], mean[i]),
                         256L * 16 * g[i] > (256L + 70) * mean[i]);
        }
        free(g);
        free(mean);
    }
}

/* The minimum contrast: ink also needs |pixel - mean| > c gray levels (4 fraction bits of mean). */
static void test_threshold_contrast(void)
{
    struct model_plane dark = {70, 0, 1, 0}, light = {20, 1, 1, 0};
    /* dark: 80 against a mean of 120 passes the multiplicative test (80 < 0.73 * 120) */
    CHECK_EQ_INT(model_ink(&dark, 80, 120 * 16), 1);
    dark.contrast = 39;
    CHECK_EQ_INT(model_ink(&dark, 80, 120 * 16), 1);
    dark.contrast = 40; /* 80 + 40 is not below 120 */
    CHECK_EQ_INT(model_ink(&dark, 80, 120 * 16), 0);
    CHECK_EQ_INT(model_ink(&dark, 80, 120 * 16 + 1), 1); /* one sixteenth more mean */
    dark.contrast = 255;
    CHECK_EQ_INT(model_ink(&dark, 0, 255 * 16), 0);
    /* the multiplicative test still applies: a large contrast alone is not enough */
    dark.contrast = 1;
    CHECK_EQ_INT(model_ink(&dark, 100, 120 * 16), 0);
    /* light: 200 against 150 passes 200 > 1.08 * 150 */
    light.contrast = 49;
    CHECK_EQ_INT(model_ink(&light, 200, 150 * 16), 1);
    light.contrast = 50;
    CHECK_EQ_INT(model_ink(&light, 200, 150 * 16), 0);
    /* dark noise: a mean of 12 with pixels 0..11 is ink at contrast 0, none at the default 8 */
    struct model_config c = model_config_default();
    CHECK_EQ_INT(c.plane[0].contrast, (WIRE_RESET_THRESH_PLANE0 >> 16) & 0xFF);
    int ink0 = 0, ink8 = 0;
    struct model_plane p0 = c.plane[0], p8 = c.plane[0];
    p0.contrast = 0;
    p8.contrast = 8;
    for (int px = 0; px < 12; px++) {
        ink0 += model_ink(&p0, (uint8_t)px, 12 * 16);
        ink8 += model_ink(&p8, (uint8_t)px, 12 * 16);
    }
    CHECK_EQ_INT(ink0, 9); /* 0..8 < 0.73 * 12 */
    CHECK_EQ_INT(ink8, 4); /* 0..3: at least 8 below 12 */
}

static void test_threshold_flat(void)
{
    struct model_config cfg = model_config_default();
    uint8_t g[64 * 8], mask[64 * 8];
    for (int v = 0; v < 256; v += 51) {
        memset(g, v, sizeof g);
        REQUIRE(model_binarize(&cfg, 0, g, 64, 8, 64, mask) == 0);
        int any = 0;
        for (size_t i = 0; i < sizeof mask; i++)
            any |= mask[i];
        CHECK_EQ_INT(any, 0); /* flat: nothing is far enough from its mean */
    }
    CHECK_EQ_INT(model_binarize(&cfg, 0, g, 0, 8, 64, mask), MODEL_ERR_INVALID);
    cfg.win_log2 = 8;
    CHECK_EQ_INT(model_binarize(&cfg, 0, g, 64, 8, 64, mask), MODEL_ERR_INVALID);
}

/* ---- model_components ------------------------------------------------------------------------ */

/* Dark text-like bars on a light background. */
static void paint_scene(uint8_t *g, int w, int h)
{
    for (int i = 0; i < w * h; i++)
        g[i] = (uint8_t)(190 + (i * 7 % 23));
    for (int k = 0; k < 12; k++) {
        int bx = 10 + k * 24, by = 20 + (k % 3) * 30;
        for (int y = by; y < by + 10 + k; y++)
            for (int x = bx; x < bx + 3 + k % 5; x++)
                if (x < w && y < h)
                    g[y * w + x] = 30;
    }
}

static void test_components_filter(void)
{
    int w = 320, h = 120;
    uint8_t *g = malloc((size_t)w * h), *mask = malloc((size_t)w * h);
    struct wire_comp out[64];
    size_t n, found, n_all;
    unsigned flags;
    struct model_config cfg = model_config_default();
    paint_scene(g, w, h);
    cfg.min_w = 1;
    cfg.max_w = 0xFFFF;
    cfg.min_h = 1;
    cfg.max_h = 0xFFFF;
    REQUIRE(model_components(&cfg, g, w, h, w, out, 64, &n_all, &found, &flags) == 0);
    CHECK_EQ_INT(n_all, found);
    CHECK_EQ_INT(flags, 0);
    CHECK_EQ_INT(n_all, 12);
    REQUIRE(model_binarize(&cfg, 0, g, w, h, w, mask) == 0);
    struct ref_comp *ref;
    int nref = ref_label(mask, w, h, &ref);
    CHECK_EQ_INT(nref, (int)n_all);
    free(ref);
    /* Heights are 10..21: keep 12..15 exactly. Widths 3..7: keep 4..6. */
    cfg.min_h = 12;
    cfg.max_h = 15;
    REQUIRE(model_components(&cfg, g, w, h, w, out, 64, &n, &found, &flags) == 0);
    CHECK_EQ_INT(n, 4);
    for (size_t i = 0; i < n; i++)
        CHECK(out[i].y1 - out[i].y0 + 1 >= 12 && out[i].y1 - out[i].y0 + 1 <= 15);
    cfg.min_h = 1;
    cfg.max_h = 0xFFFF;
    cfg.min_w = 4;
    cfg.max_w = 6;
    REQUIRE(model_components(&cfg, g, w, h, w, out, 64, &n, &found, &flags) == 0);
    CHECK_EQ_INT(n, 7); /* k % 5 in 1..3: k = 1, 2, 3, 6, 7, 8, 11 */
    CHECK_EQ_INT(found, 12);
    /* Two planes: the second (light polarity) labels the gaps, records tagged with plane 1. */
    cfg.min_w = 1;
    cfg.max_w = 0xFFFF;
    cfg.plane[1] = (struct model_plane){70, 1, 1, 0};
    REQUIRE(model_components(&cfg, g, w, h, w, out, 64, &n, &found, &flags) == 0);
    CHECK(n >= n_all);
    for (size_t i = 0; i < n; i++)
        CHECK_EQ_INT(out[i].plane, i < n_all ? 0 : 1);
    CHECK_EQ_INT(model_components(&cfg, g, w, h, w, out, 3, &n, &found, &flags), MODEL_ERR_FULL);
    free(g);
    free(mask);
}

/* ---- The board's byte stream ----------------------------------------------------------------- */

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
        b->p = realloc(b->p, cap);
        b->cap = cap;
    }
    memcpy(b->p + b->n, data, n);
    b->n += n;
    return 0;
}

#define MAX_FRAMES 8
struct sink {
    struct wire_frame f[MAX_FRAMES];
    int n;
};

static int sink_fn(void *ctx, const struct wire_frame *f)
{
    struct sink *s = ctx;
    if (s->n < MAX_FRAMES && wire_frame_copy(&s->f[s->n], f) == 0)
        s->n++;
    return 0;
}

static void sink_free(struct sink *s)
{
    for (int i = 0; i < s->n; i++)
        wire_frame_free(&s->f[i]);
    s->n = 0;
}

/* Parses everything the board sent; stats to *st. */
static void parse_all(const struct bytes *b, struct sink *s, struct wire_stats *st)
{
    struct wire_parser *p;
    if (wire_parser_new(0, &p) != 0)
        return;
    CHECK_EQ_INT(wire_parser_feed(p, b->p, b->n, sink_fn, s, NULL), 0);
    wire_parser_stats(p, st);
    wire_parser_free(p);
}

/*
 * Checks the chunk order of a raw stream: every COMP after ROW y has y1 == y - 1 (or, after the
 * last row, y1 == height - 1). Only for full-frame windows.
 */
static void check_record_order(const struct bytes *b)
{
    size_t i = 0;
    int last_row = -1, height = 0;
    while (i + 8 <= b->n) {
        struct wire_chunk_header hd;
        REQUIRE(wire_get_header(b->p + i, &hd) == 0);
        const uint8_t *pl = b->p + i + 8;
        if (hd.type == WIRE_FRAME_HEAD) {
            struct wire_head h;
            wire_get_head(pl, &h);
            height = h.height;
            last_row = -1;
        } else if (hd.type == WIRE_ROW) {
            last_row = pl[0] | pl[1] << 8;
        } else if (hd.type == WIRE_COMP) {
            struct wire_comp c;
            wire_get_comp(pl, &c);
            if (last_row == height - 1)
                CHECK(c.y1 == height - 1 || c.y1 == height - 2);
            else
                CHECK_EQ_INT(c.y1, last_row - 1);
        }
        i += 8 + hd.len;
    }
    CHECK_EQ_INT(i, b->n);
}

static struct model *board(struct bytes *b, int w, int h)
{
    struct model *m = NULL;
    if (model_new(bytes_out, b, &m) != 0)
        return NULL;
    if (model_reg_write(m, WIRE_REG_FRAME_SIZE, (uint32_t)w | (uint32_t)h << 16) != 0 ||
        model_reg_write(m, WIRE_REG_CONTROL, WIRE_CONTROL_RUN) != 0) {
        model_free(m);
        return NULL;
    }
    return m;
}

static uint32_t reg(const struct model *m, unsigned addr)
{
    uint32_t v = 0xDEADBEEF;
    CHECK_EQ_INT(model_reg_read(m, addr, &v), 0);
    return v;
}

static void test_board_stream(void)
{
    int w = 320, h = 120;
    uint8_t *g = malloc((size_t)w * h);
    struct bytes b = {0};
    struct sink s = {0};
    struct wire_stats st;
    struct wire_comp comps[64];
    size_t n, found;
    unsigned flags;
    paint_scene(g, w, h);
    struct model *m = board(&b, w, h);
    REQUIRE(m);
    for (int f = 0; f < 3; f++)
        CHECK_EQ_INT(model_frame(m, g, w, h, w, 1000u * f), 0);
    parse_all(&b, &s, &st);
    check_record_order(&b);
    REQUIRE(s.n == 3);
    CHECK_EQ_INT(st.crc_errors, 0);
    CHECK_EQ_INT(st.frames_lost, 0);
    struct model_config cfg = model_config_default();
    cfg.width = (uint16_t)w;
    cfg.height = (uint16_t)h;
    REQUIRE(model_components(&cfg, g, w, h, w, comps, 64, &n, &found, &flags) == 0);
    for (int f = 0; f < 3; f++) {
        const struct wire_frame *fr = &s.f[f];
        CHECK_EQ_INT(fr->head.frame, f);
        CHECK_EQ_INT(fr->head.timestamp, 1000u * f);
        CHECK_EQ_INT(fr->head.roi_w, w);
        CHECK_EQ_INT(fr->head.roi_h, h);
        CHECK_EQ_INT(fr->head.thresh0, WIRE_RESET_THRESH_PLANE0);
        CHECK_EQ_INT(fr->tail.rows, h);
        CHECK_EQ_INT(fr->tail.flags, 0);
        CHECK_EQ_INT(fr->ncomps, n);
        CHECK_EQ_INT(fr->tail.found, found);
        CHECK(memcmp(fr->pixels, g, (size_t)w * h) == 0);
        for (size_t i = 0; i < n && i < fr->ncomps; i++)
            CHECK(memcmp(&fr->comps[i], &comps[i], sizeof comps[i]) == 0);
    }
    CHECK_EQ_INT(reg(m, WIRE_REG_CNT_FRAMES), 3);
    CHECK_EQ_INT(reg(m, WIRE_REG_CNT_RECORDS), 3 * n);
    CHECK_EQ_INT(reg(m, WIRE_REG_CNT_DROPPED), 0);
    sink_free(&s);
    model_free(m);
    free(b.p);
    free(g);
}

static void test_board_modes(void)
{
    int w = 100, h = 50;
    uint8_t *g = malloc((size_t)w * h), *mask = malloc((size_t)w * h);
    struct bytes b = {0};
    struct sink s = {0};
    struct wire_stats st;
    paint_scene(g, w, h);
    struct model *m = board(&b, w, h);
    REQUIRE(m);
    /* ROI inside the frame, clipped at the right edge. */
    CHECK_EQ_INT(model_reg_write(m, WIRE_REG_ROI_X, 90 | 20u << 16), 0);
    CHECK_EQ_INT(model_reg_write(m, WIRE_REG_ROI_Y, 10 | 5u << 16), 0);
    CHECK_EQ_INT(model_frame(m, g, w, h, w, 0), 0);
    /* MASK1 of a 13-column window. */
    CHECK_EQ_INT(model_reg_write(m, WIRE_REG_OUTPUT, WIRE_PIXELS_MASK1), 0);
    CHECK_EQ_INT(model_reg_write(m, WIRE_REG_ROI_X, 7 | 13u << 16), 0);
    CHECK_EQ_INT(model_reg_write(m, WIRE_REG_ROI_Y, 0), 0);
    CHECK_EQ_INT(model_frame(m, g, w, h, w, 0), 0);
    /* NONE, and a window outside the frame (no pixels either). */
    CHECK_EQ_INT(model_reg_write(m, WIRE_REG_OUTPUT, WIRE_PIXELS_NONE), 0);
    CHECK_EQ_INT(model_frame(m, g, w, h, w, 0), 0);
    CHECK_EQ_INT(model_reg_write(m, WIRE_REG_OUTPUT, WIRE_PIXELS_GRAY8), 0);
    CHECK_EQ_INT(model_reg_write(m, WIRE_REG_ROI_X, 150), 0);
    CHECK_EQ_INT(model_frame(m, g, w, h, w, 0), 0);
    parse_all(&b, &s, &st);
    REQUIRE(s.n == 4);
    CHECK_EQ_INT(s.f[0].head.roi_x, 90);
    CHECK_EQ_INT(s.f[0].head.roi_w, 10);
    CHECK_EQ_INT(s.f[0].head.roi_h, 5);
    CHECK_EQ_INT(s.f[0].tail.rows, 5);
    for (int y = 0; y < 5; y++)
        CHECK(memcmp(s.f[0].pixels + y * 10, g + (10 + y) * w + 90, 10) == 0);
    struct model_config cfg = model_config_default();
    REQUIRE(model_binarize(&cfg, 0, g, w, h, w, mask) == 0);
    CHECK_EQ_INT(s.f[1].head.pixel_mode, WIRE_PIXELS_MASK1);
    CHECK_EQ_INT(s.f[1].pixels_len, 2u * h);
    int bad = 0;
    for (int y = 0; y < h; y++)
        for (int i = 0; i < 16; i++) {
            int bit = (s.f[1].pixels[y * 2 + i / 8] >> (i % 8)) & 1;
            int want = i < 13 ? mask[y * w + 7 + i] : 0;
            bad += bit != want;
        }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(s.f[2].head.pixel_mode, WIRE_PIXELS_NONE);
    CHECK_EQ_INT(s.f[2].tail.rows, 0);
    CHECK_EQ_INT(s.f[2].ncomps, s.f[0].ncomps);
    CHECK_EQ_INT(s.f[3].head.pixel_mode, WIRE_PIXELS_NONE);
    CHECK_EQ_INT(s.f[3].head.roi_w, 0);
    /* Plane disabled: no labelling at all. */
    sink_free(&s);
    b.n = 0;
    CHECK_EQ_INT(model_reg_write(m, WIRE_REG_THRESH_PLANE0, 70), 0);
    CHECK_EQ_INT(model_frame(m, g, w, h, w, 0), 0);
    parse_all(&b, &s, &st);
    REQUIRE(s.n == 1);
    CHECK_EQ_INT(s.f[0].head.planes, 0);
    CHECK_EQ_INT(s.f[0].ncomps, 0);
    CHECK_EQ_INT(s.f[0].tail.found, 0);
    sink_free(&s);
    model_free(m);
    free(b.p);
    free(g);
    free(mask);
}

static void test_board_registers(void)
{
    struct bytes b = {0};
    struct model *m = NULL;
    REQUIRE(model_new(bytes_out, &b, &m) == 0);
    CHECK_EQ_INT(reg(m, WIRE_REG_ID), WIRE_ID_VALUE);
    CHECK_EQ_INT(reg(m, WIRE_REG_VERSION) >> 16, (WIRE_PROTO_MAJOR << 8) | WIRE_PROTO_MINOR);
    CHECK_EQ_INT(reg(m, WIRE_REG_CAPS), 1 | 9 << 8 | 2048u << 16);
    CHECK_EQ_INT(reg(m, WIRE_REG_FRAME_SIZE), WIRE_RESET_FRAME_SIZE);
    CHECK_EQ_INT(reg(m, WIRE_REG_THRESH_WINDOW), WIRE_RESET_THRESH_WINDOW);
    CHECK_EQ_INT(reg(m, WIRE_REG_THRESH_PLANE0), WIRE_RESET_THRESH_PLANE0);
    CHECK_EQ_INT(reg(m, WIRE_REG_FILTER_WIDTH), WIRE_RESET_FILTER_WIDTH);
    CHECK_EQ_INT(reg(m, WIRE_REG_FILTER_HEIGHT), WIRE_RESET_FILTER_HEIGHT);
    CHECK_EQ_INT(reg(m, WIRE_REG_OUTPUT), WIRE_RESET_OUTPUT);
    CHECK_EQ_INT(reg(m, WIRE_REG_CONTROL), 0);
    CHECK_EQ_INT(reg(m, WIRE_REG_STATUS), 0);
    uint32_t v;
    CHECK_EQ_INT(model_reg_read(m, 0x11, &v), MODEL_ERR_REG);
    CHECK_EQ_INT(model_reg_write(m, WIRE_REG_ID, 0), MODEL_ERR_REG);
    CHECK_EQ_INT(model_reg_write(m, WIRE_REG_CNT_FRAMES, 0), MODEL_ERR_REG);
    CHECK_EQ_INT(model_reg_write(m, WIRE_REG_FRAME_SIZE, 0x08010500), MODEL_ERR_REG);
    CHECK_EQ_INT(model_reg_write(m, WIRE_REG_FRAME_SIZE, 0x00100000), MODEL_ERR_REG);
    CHECK_EQ_INT(model_reg_write(m, WIRE_REG_THRESH_WINDOW, 0x28), MODEL_ERR_REG);
    CHECK_EQ_INT(model_reg_write(m, WIRE_REG_THRESH_WINDOW, 0x81), MODEL_ERR_REG);
    CHECK_EQ_INT(model_reg_write(m, WIRE_REG_OUTPUT, 3), MODEL_ERR_REG);
    CHECK_EQ_INT(model_reg_write(m, WIRE_REG_CONTROL, 0x10), MODEL_ERR_REG);
    CHECK_EQ_INT(model_reg_write(m, WIRE_REG_ROI_X, 2048), MODEL_ERR_REG);
    CHECK_EQ_INT(reg(m, WIRE_REG_FRAME_SIZE), WIRE_RESET_FRAME_SIZE);         /* unchanged */
    CHECK_EQ_INT(model_reg_write(m, WIRE_REG_THRESH_PLANE0, 0x00200246u), 0); /* contrast 32 */
    CHECK_EQ_INT(reg(m, WIRE_REG_THRESH_PLANE0), 0x00200246u);
    CHECK_EQ_INT(model_reg_write(m, WIRE_REG_THRESH_PLANE0, 0x00000646u), MODEL_ERR_REG);
    CHECK_EQ_INT(model_reg_write(m, WIRE_REG_THRESH_PLANE0, 0x01000246u), MODEL_ERR_REG);
    CHECK_EQ_INT(reg(m, WIRE_REG_THRESH_PLANE0), 0x00200246u);
    CHECK_EQ_INT(model_reg_write(m, WIRE_REG_THRESH_PLANE0, WIRE_RESET_THRESH_PLANE0), 0);
    CHECK_EQ_INT(model_reg_write(m, WIRE_REG_THRESH_PLANE0 + 2, 0x246), 0);
    CHECK_EQ_INT(reg(m, WIRE_REG_THRESH_PLANE0 + 2), 0); /* the board has one plane */
    CHECK_EQ_INT(model_reg_write(m, WIRE_REG_THRESH_WINDOW, 0x73), 0);
    CHECK_EQ_INT(reg(m, WIRE_REG_THRESH_WINDOW), 0x73);
    CHECK_EQ_INT(model_reg_write(m, WIRE_REG_CONTROL, WIRE_CONTROL_RUN | WIRE_CONTROL_RESET), 0);
    CHECK_EQ_INT(reg(m, WIRE_REG_CONTROL), WIRE_CONTROL_RUN);
    CHECK_EQ_INT(reg(m, WIRE_REG_STATUS), WIRE_STATUS_RUNNING);
    CHECK_EQ_INT(b.n, 0);
    model_free(m);
    free(b.p);
}

/* Feeds a frame with a defect. kind: 0 short line, 1 long line, 2 missing SOF, 3 extra lines,
 * 4 new SOF mid-frame, 5 RESET mid-frame, 6 overflow. */
static void feed_bad(struct model *m, const uint8_t *g, int w, int h, int kind)
{
    for (int y = 0; y < h; y++) {
        int len = w;
        if (kind == 0 && y == 7)
            len = w - 5;
        if (kind == 1 && y == 7)
            len = w + 3;
        for (int x = 0; x < len; x++) {
            unsigned mk = (x == len - 1 ? MODEL_PX_EOL : 0);
            if (x == 0 && y == 0 && kind != 2)
                mk |= MODEL_PX_SOF;
            if (kind == 4 && y == 9 && x == 11)
                mk |= MODEL_PX_SOF;
            if (kind == 5 && y == 9 && x == 11)
                CHECK_EQ_INT(
                    model_reg_write(m, WIRE_REG_CONTROL, WIRE_CONTROL_RUN | WIRE_CONTROL_RESET), 0);
            if (kind == 6 && y == 9 && x == 11) {
                CHECK_EQ_INT(model_overflow(m), 0);
                return;
            }
            CHECK_EQ_INT(model_pixel(m, g[y * w + (x < w ? x : w - 1)], mk, 5), 0);
        }
    }
    if (kind == 3)
        for (int y = 0; y < 3; y++)
            for (int x = 0; x < w; x++)
                CHECK_EQ_INT(model_pixel(m, g[x], x == w - 1 ? MODEL_PX_EOL : 0, 5), 0);
}

static void test_board_input_errors(void)
{
    int w = 120, h = 60;
    uint8_t *g = malloc((size_t)w * h);
    paint_scene(g, w, h);
    /* The reference: a good frame on a fresh board. */
    struct bytes ref = {0};
    struct sink rs = {0};
    struct wire_stats st;
    struct model *m = board(&ref, w, h);
    REQUIRE(m);
    CHECK_EQ_INT(model_frame(m, g, w, h, w, 77), 0);
    model_free(m);
    parse_all(&ref, &rs, &st);
    REQUIRE(rs.n == 1);
    static const char *const names[] = {"short line",  "long line",     "missing SOF",
                                        "extra lines", "SOF mid-frame", "reset mid-frame",
                                        "overflow"};
    for (int kind = 0; kind < 7; kind++) {
        struct bytes b = {0};
        struct sink s = {0};
        m = board(&b, w, h);
        REQUIRE(m);
        if (kind == 2) /* after RUN the board waits silently; a frame ends that wait */
            CHECK_EQ_INT(model_frame(m, g, w, h, w, 77), 0);
        feed_bad(m, g, w, h, kind);
        CHECK_EQ_INT(model_frame(m, g, w, h, w, 77), 0);
        parse_all(&b, &s, &st);
        CHECK_EQ_INT(st.crc_errors, 0);
        CHECK_EQ_INT(st.malformed, 0);
        /* Kind 3's frame itself completes (its extra lines are the error); kind 4's new SOF
         * starts a frame that is then cut short by the next good frame. */
        int expect_aborted = kind == 2 || kind == 3 ? 0 : kind == 4 ? 2 : 1;
        if (st.frames_aborted != (uint64_t)expect_aborted)
            test_fail(__FILE__, __LINE__, "%s: %llu aborted, want %d", names[kind],
                      (unsigned long long)st.frames_aborted, expect_aborted);
        REQUIRE(s.n >= 1);
        const struct wire_frame *last = &s.f[s.n - 1];
        CHECK_EQ_INT(last->ncomps, rs.f[0].ncomps);
        CHECK_EQ_INT(last->tail.found, rs.f[0].tail.found);
        CHECK(last->ncomps == 0 ||
              memcmp(last->comps, rs.f[0].comps, last->ncomps * sizeof *last->comps) == 0);
        CHECK(memcmp(last->pixels, g, (size_t)w * h) == 0);
        uint32_t proto = reg(m, WIRE_REG_CNT_PROTO_ERR), ovf = reg(m, WIRE_REG_CNT_OVERFLOW);
        if (proto != (kind == 6 ? 0u : kind == 4 ? 2u : 1u))
            test_fail(__FILE__, __LINE__, "%s: %u input errors", names[kind], proto);
        CHECK_EQ_INT(ovf, kind == 6);
        CHECK_EQ_INT(reg(m, WIRE_REG_CNT_DROPPED), expect_aborted);
        CHECK_EQ_INT(reg(m, WIRE_REG_STATUS) & WIRE_STATUS_OVERFLOW,
                     kind == 6 ? WIRE_STATUS_OVERFLOW : 0);
        if (kind == 5)
            CHECK_EQ_INT(last->head.frame, 0); /* numbering restarted */
        CHECK_EQ_INT(reg(m, WIRE_REG_CNT_FRAMES), kind == 2 || kind == 3 ? 2 : 1);
        CHECK_EQ_INT(
            model_reg_write(m, WIRE_REG_CONTROL, WIRE_CONTROL_RUN | WIRE_CONTROL_CLEAR_COUNTERS),
            0);
        CHECK_EQ_INT(reg(m, WIRE_REG_CNT_PROTO_ERR), 0);
        CHECK_EQ_INT(reg(m, WIRE_REG_STATUS), WIRE_STATUS_RUNNING);
        sink_free(&s);
        model_free(m);
        free(b.p);
    }
    sink_free(&rs);
    free(ref.p);
    free(g);
}

/* A frame with more open components than labels: TRUNCATED, records still right. */
static void test_board_truncated(void)
{
    int w = 1600, h = 40;
    uint8_t *g = malloc((size_t)w * h), *mask = malloc((size_t)w * h);
    struct bytes b = {0};
    struct sink s = {0};
    struct wire_stats st;
    memset(g, 220, (size_t)w * h);
    for (int x = 0; x < 300; x += 3)
        for (int y = 2; y < 12; y++)
            g[y * w + x] = 20; /* 100 bars complete early */
    for (int x = 0; x < w; x += 3)
        for (int y = 20; y < 32; y++)
            g[y * w + x] = 20; /* then 534 bars open at once */
    struct model *m = board(&b, w, h);
    REQUIRE(m);
    CHECK_EQ_INT(model_frame(m, g, w, h, w, 0), 0);
    parse_all(&b, &s, &st);
    REQUIRE(s.n == 1);
    CHECK(s.f[0].tail.flags & WIRE_FLAG_TRUNCATED);
    CHECK_EQ_INT(s.f[0].ncomps, 100);
    CHECK_EQ_INT(reg(m, WIRE_REG_CNT_TRUNCATED), 1);
    CHECK(reg(m, WIRE_REG_STATUS) & WIRE_STATUS_TRUNCATED);
    struct model_config cfg = model_config_default();
    REQUIRE(model_binarize(&cfg, 0, g, w, h, w, mask) == 0);
    struct ref_comp *ref;
    int nref = ref_label(mask, w, h, &ref);
    for (size_t i = 0; i < s.f[0].ncomps; i++) {
        int hit = 0;
        for (int j = 0; j < nref && !hit; j++)
            hit = ref_matches(&ref[j], &s.f[0].comps[i], w, h);
        CHECK(hit);
    }
    free(ref);
    sink_free(&s);
    model_free(m);
    free(b.p);
    free(g);
    free(mask);
}

int main(void)
{
    RUN(test_ccl_trivial);
    RUN(test_ccl_checkerboard);
    RUN(test_ccl_edges);
    RUN(test_ccl_late_merges);
    RUN(test_ccl_spiral);
    RUN(test_ccl_random);
    RUN(test_ccl_exhaustion);
    RUN(test_ccl_reuse);
    RUN(test_threshold_reference);
    RUN(test_threshold_contrast);
    RUN(test_threshold_flat);
    RUN(test_components_filter);
    RUN(test_board_stream);
    RUN(test_board_modes);
    RUN(test_board_registers);
    RUN(test_board_input_errors);
    RUN(test_board_truncated);
    return test_finish();
}
