/*
 * usbtest: shared helpers of the USB tests (see usbtest.h).
 */
#include "usbtest.h"

#include "model.h"
#include "usbboard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void usbtest_preload(int argc, char **argv)
{
    (void)argc;
    if (usbboard_reexec_preloaded(argv) != 0) {
        perror("usbtest: re-exec under umockdev preload");
        exit(1);
    }
}

int usbtest_frames(struct image *out, int n, int w, int h)
{
    for (int i = 0; i < n; i++) {
        struct image *im = &out[i];
        int bars = 3 + i % 5;
        if (image_alloc(im, w, h) != 0) {
            while (i-- > 0)
                image_free(&out[i]);
            return -1;
        }
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                im->pixels[(size_t)y * w + x] = (uint8_t)(170 + (x + y + i) % 40);
        for (int k = 0; k < bars; k++) {
            int x0 = 10 + k * (w - 20) / bars + i % 7, y0 = h / 3 + (i * 3) % 11;
            int bw = 4 + k % 3, bh = 12 + (k + i) % 9;
            for (int y = y0; y < y0 + bh && y < h; y++)
                for (int x = x0; x < x0 + bw && x < w; x++)
                    im->pixels[(size_t)y * w + x] = 30;
        }
    }
    return 0;
}

struct buf {
    uint8_t *p;
    size_t n, cap;
};

static int buf_out(void *ctx, const uint8_t *data, size_t n)
{
    struct buf *b = ctx;
    if (b->n + n > b->cap) {
        size_t cap = (b->n + n) * 2;
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

static int keep_frame(void *ctx, const struct wire_frame *f)
{
    return wire_frame_copy(ctx, f) == 0 ? 1 : -1;
}

int usbtest_reference(const struct image *frames, int n, struct wire_frame *out)
{
    for (int i = 0; i < n; i++) {
        const struct image *im = &frames[i];
        struct buf b = {0};
        struct model *m;
        struct wire_parser *p;
        int ok;
        if (model_new(buf_out, &b, &m) != 0)
            return -1;
        ok = model_reg_write(m, WIRE_REG_FRAME_SIZE,
                             (uint32_t)im->height << 16 | (uint32_t)im->width) == 0 &&
             model_reg_write(m, WIRE_REG_CONTROL, WIRE_CONTROL_RUN) == 0 &&
             model_frame(m, im->pixels, im->width, im->height, im->width, 0) == 0;
        model_free(m);
        if (!ok || wire_parser_new(0, &p) != 0) {
            free(b.p);
            return -1;
        }
        ok = wire_parser_feed(p, b.p, b.n, keep_frame, &out[i], NULL) == 1;
        wire_parser_free(p);
        free(b.p);
        if (!ok)
            return -1;
    }
    return 0;
}

int usbtest_match(const struct wire_frame *f, const struct wire_frame *refs, int n)
{
    const struct wire_frame *r = NULL;
    for (int i = 0; i < n && !r; i++)
        if (f->pixels_len == refs[i].pixels_len &&
            memcmp(f->pixels, refs[i].pixels, f->pixels_len) == 0)
            r = &refs[i];
    return r && f->head.width == r->head.width && f->head.height == r->head.height &&
           f->ncomps == r->ncomps &&
           (r->ncomps == 0 || memcmp(f->comps, r->comps, r->ncomps * sizeof *r->comps) == 0) &&
           f->tail.records == r->tail.records && f->tail.found == r->tail.found &&
           f->tail.flags == r->tail.flags;
}

struct paced_ctx {
    const struct usbsim_config *cfg;
    struct usbtest_paced *r;
    int have_last;
    uint32_t last;
};

static int paced_frame(void *ctx, const struct wire_frame *f)
{
    struct paced_ctx *c = ctx;
    uint32_t n = f->head.frame;
    const struct image *im = n < c->cfg->nframes ? &c->cfg->frames[n] : NULL;
    c->r->delivered++;
    if (c->have_last && n <= c->last)
        c->r->in_order = 0;
    c->have_last = 1;
    c->last = n;
    if (im && f->pixels_len == (size_t)im->width * (size_t)im->height &&
        memcmp(f->pixels, im->pixels, f->pixels_len) == 0)
        c->r->images_ok++;
    return 0;
}

int usbtest_paced_run(const struct usbsim_config *cfg, int w, int h, size_t piece, uint64_t step_ns,
                      int steps, struct usbtest_paced *out)
{
    struct usbtest_paced r = {.in_order = 1};
    struct paced_ctx c = {.cfg = cfg, .r = &r};
    struct usbsim *s = NULL;
    struct wire_parser *p = NULL;
    uint8_t *buf = malloc(piece);
    uint64_t t = 1000000000u;
    int ok = buf && usbsim_new(cfg, &s) == 0 && wire_parser_new(0, &p) == 0 &&
             usbsim_reg_write(s, WIRE_REG_FRAME_SIZE, (uint32_t)h << 16 | (uint32_t)w) == 0 &&
             usbsim_reg_write(s, WIRE_REG_CONTROL, WIRE_CONTROL_RUN) == 0;
    for (int i = 0; ok && i < steps; i++, t += step_ns) {
        long k = usbsim_stream_read(s, buf, piece, t);
        ok = k >= 0 && (k == 0 || wire_parser_feed(p, buf, (size_t)k, paced_frame, &c, NULL) >= 0);
    }
    ok = ok && usbsim_reg_read(s, WIRE_REG_CNT_FRAMES, &r.cnt_frames) == 0 &&
         usbsim_reg_read(s, WIRE_REG_CNT_DROPPED, &r.cnt_dropped) == 0;
    if (ok)
        wire_parser_stats(p, &r.wire);
    wire_parser_free(p);
    usbsim_free(s);
    free(buf);
    if (!ok)
        return -1;
    *out = r;
    return 0;
}
