/*
 * usbboard_rtl: the Verilated RTL as a usbsim engine (see usbboard_rtl.h).
 */
#include "usbboard_rtl.h"

#include "verilator/vboard.h"

#include <stdlib.h>

#define DRAIN_QUIET 64u
#define OUT_CHUNK   65536u

struct rtl {
    struct vboard *vb;
    uint8_t *buf;
};

static int rtl_reg_read(void *ctx, unsigned addr, uint32_t *value)
{
    struct rtl *r = ctx;
    return vboard_reg_read(r->vb, addr, value) == 0 ? 0 : -1;
}

static int rtl_reg_write(void *ctx, unsigned addr, uint32_t value)
{
    struct rtl *r = ctx;
    return vboard_reg_write(r->vb, addr, value) == 0 ? 0 : -1;
}

/* Moves everything the board sent so far to out. */
static int flush(struct rtl *r, wire_output_fn out, void *out_ctx)
{
    size_t n;
    while ((n = vboard_read(r->vb, r->buf, OUT_CHUNK)) > 0)
        if (out(out_ctx, r->buf, n) != 0)
            return -1;
    return 0;
}

static int rtl_row(void *ctx, const uint8_t *pixels, int w, int y, int h, wire_output_fn out,
                   void *out_ctx)
{
    struct rtl *r = ctx;
    for (int x = 0; x < w; x++) {
        unsigned mk = (x == 0 && y == 0 ? VBOARD_SOF : 0) | (x == w - 1 ? VBOARD_EOL : 0);
        if (vboard_pixel(r->vb, pixels[x], mk, NULL) != 0)
            return -1;
    }
    if (vboard_idle(r->vb, USBBOARD_RTL_HBLANK) != 0)
        return -1;
    /* After the last row, run until the board has sent everything (generous cycle limit). */
    if (y == h - 1 &&
        vboard_drain(r->vb, DRAIN_QUIET, 64u * (uint64_t)w * (uint64_t)h + 10000000u) != 0)
        return -1;
    return flush(r, out, out_ctx);
}

static void rtl_destroy(void *ctx)
{
    struct rtl *r = ctx;
    if (!r)
        return;
    vboard_free(r->vb);
    free(r->buf);
    free(r);
}

int usbboard_rtl_make(struct usbsim_engine_ops *ops)
{
    struct rtl *r = calloc(1, sizeof *r);
    if (!r)
        return -1;
    r->buf = malloc(OUT_CHUNK);
    if (!r->buf || vboard_new(NULL, &r->vb) != 0) {
        free(r->buf);
        free(r);
        return -1;
    }
    vboard_set_source(r->vb, 1, 0); /* paced: the simulated camera never overflows the FIFO */
    ops->ctx = r;
    ops->reg_read = rtl_reg_read;
    ops->reg_write = rtl_reg_write;
    ops->row = rtl_row;
    ops->destroy = rtl_destroy;
    return 0;
}
