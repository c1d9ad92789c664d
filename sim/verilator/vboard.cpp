// vboard: thin C++ glue between the Verilated alpr_board and the C API in vboard.h. The
// logic of the tests lives in C; this file only drives the clock and the ports.
#include "vboard.h"

#include "Valpr_board.h"
#include "verilated.h"
#include "verilated_vcd_c.h"

#include <cstdlib>
#include <cstring>
#include <new>

struct vboard {
    VerilatedContext *ctx;
    Valpr_board *top;
    VerilatedVcdC *vcd;
    uint64_t cycles;
    uint64_t ts;        // mirror of the board's tick counter
    int ts_reset_stage; // CONTROL.RESET accepted: edges until the counter restarts
    int rst_q;          // mirror of the board's registered reset
    uint8_t *out;
    size_t out_n, out_cap;
    unsigned bp_percent, gap_percent;
    int pace;
    uint32_t rng;
    int out_full;
};

extern "C" const char *vboard_strerror(int err)
{
    switch (err) {
    case VBOARD_OK:
        return "success";
    case VBOARD_ERR_NOMEM:
        return "out of memory or output buffer full";
    case VBOARD_ERR_STALL:
        return "register request stalled";
    case VBOARD_ERR_INVALID:
        return "invalid argument";
    case VBOARD_ERR_TIMEOUT:
        return "board still busy";
    default:
        return "unknown error";
    }
}

static uint32_t rnd(vboard *vb)
{
    vb->rng ^= vb->rng << 13;
    vb->rng ^= vb->rng >> 17;
    vb->rng ^= vb->rng << 5;
    return vb->rng;
}

static void push_byte(vboard *vb, uint8_t b)
{
    if (vb->out_n == vb->out_cap) {
        size_t cap = vb->out_cap ? vb->out_cap * 2 : 1u << 16;
        if (cap > VBOARD_MAX_OUTPUT)
            cap = VBOARD_MAX_OUTPUT;
        uint8_t *p = cap > vb->out_cap ? (uint8_t *)realloc(vb->out, cap) : nullptr;
        if (!p) {
            vb->out_full = 1;
            return;
        }
        vb->out = p;
        vb->out_cap = cap;
    }
    vb->out[vb->out_n++] = b;
}

// One clock cycle with the inputs as set; collects an output byte on a handshake.
static int tick(vboard *vb)
{
    Valpr_board *t = vb->top;
    t->m_axis_tready = (vb->bp_percent && rnd(vb) % 100 < vb->bp_percent) ? 0 : 1;
    t->clk = 0;
    t->eval();
    if (vb->vcd)
        vb->vcd->dump(vb->cycles * 10);
    int xfer = t->m_axis_tvalid && t->m_axis_tready;
    uint8_t b = t->m_axis_tdata;
    t->clk = 1;
    t->eval();
    if (vb->vcd)
        vb->vcd->dump(vb->cycles * 10 + 5);
    vb->cycles++;
    if (vb->rst_q || vb->ts_reset_stage == 1)
        vb->ts = 0;
    else
        vb->ts++;
    vb->rst_q = t->rst;
    if (vb->ts_reset_stage)
        vb->ts_reset_stage--;
    if (xfer)
        push_byte(vb, b);
    return vb->out_full ? VBOARD_ERR_NOMEM : 0;
}

extern "C" int vboard_new(const char *vcd_path, struct vboard **out)
{
    vboard *vb = new (std::nothrow) vboard();
    if (!vb)
        return VBOARD_ERR_NOMEM;
    vb->ctx = new VerilatedContext;
    vb->top = new Valpr_board(vb->ctx);
    vb->rng = 0x12345678u;
    if (vcd_path) {
        vb->ctx->traceEverOn(true);
        vb->vcd = new VerilatedVcdC;
        vb->top->trace(vb->vcd, 99);
        vb->vcd->open(vcd_path);
    }
    vb->top->rst = 1;
    for (int i = 0; i < 4; i++)
        (void)tick(vb);
    vb->top->rst = 0;
    (void)tick(vb); /* the board registers its reset input once */
    *out = vb;
    return 0;
}

extern "C" void vboard_free(struct vboard *vb)
{
    if (!vb)
        return;
    if (vb->vcd) {
        vb->vcd->close();
        delete vb->vcd;
    }
    vb->top->final();
    delete vb->top;
    delete vb->ctx;
    free(vb->out);
    delete vb;
}

// One request cycle, then cycles until reg_ack (the register file answers two edges later).
static int reg_request(vboard *vb, int wr, unsigned addr, uint32_t wdata, uint32_t *rdata)
{
    Valpr_board *t = vb->top;
    if (addr > 0xFF)
        return VBOARD_ERR_STALL;
    t->reg_addr = addr;
    t->reg_wdata = wdata;
    t->reg_rd = wr ? 0 : 1;
    t->reg_wr = wr ? 1 : 0;
    (void)tick(vb);
    t->reg_rd = 0;
    t->reg_wr = 0;
    for (int i = 0; i < 4 && !t->reg_ack; i++)
        (void)tick(vb);
    if (!t->reg_ack || t->reg_err)
        return VBOARD_ERR_STALL;
    if (rdata)
        *rdata = t->reg_rdata;
    return 0;
}

extern "C" int vboard_reg_read(struct vboard *vb, unsigned addr, uint32_t *val)
{
    uint32_t v = 0;
    int err = reg_request(vb, 0, addr, 0, &v);
    if (!err)
        *val = v;
    return err;
}

extern "C" int vboard_reg_write(struct vboard *vb, unsigned addr, uint32_t val)
{
    int err = reg_request(vb, 1, addr, val, nullptr);
    if (!err && addr == 0x04 && (val & 0x2))
        vb->ts_reset_stage = 2; /* the write lands one edge later, the counter the next */
    return err;
}

extern "C" void vboard_set_backpressure(struct vboard *vb, unsigned percent, uint32_t seed)
{
    vb->bp_percent = percent > 100 ? 100 : percent;
    vb->rng = seed ? seed : 0x12345678u;
}

extern "C" void vboard_set_source(struct vboard *vb, int pace, unsigned gap_percent)
{
    vb->pace = pace;
    vb->gap_percent = gap_percent > 99 ? 99 : gap_percent;
}

extern "C" int vboard_idle(struct vboard *vb, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (tick(vb))
            return VBOARD_ERR_NOMEM;
    return 0;
}

extern "C" int vboard_pixel(struct vboard *vb, uint8_t pixel, unsigned markers, uint64_t *ts)
{
    Valpr_board *t = vb->top;
    while (vb->gap_percent && rnd(vb) % 100 < vb->gap_percent)
        if (tick(vb))
            return VBOARD_ERR_NOMEM;
    if (vb->pace)
        while (!t->cam_room)
            if (tick(vb))
                return VBOARD_ERR_NOMEM;
    t->cam_valid = 1;
    t->cam_data = pixel;
    t->cam_sof = (markers & VBOARD_SOF) ? 1 : 0;
    t->cam_eol = (markers & VBOARD_EOL) ? 1 : 0;
    uint64_t now = vb->ts;
    int err = tick(vb);
    t->cam_valid = 0;
    t->cam_sof = 0;
    t->cam_eol = 0;
    if (err)
        return err;
    if (ts)
        *ts = now;
    return 0;
}

extern "C" int vboard_frame(struct vboard *vb, const uint8_t *gray, int w, int h, int stride,
                            unsigned hblank, uint64_t *ts)
{
    uint64_t sof_ts = 0;
    if (!gray || w < 1 || h < 1 || stride < w)
        return VBOARD_ERR_INVALID;
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            unsigned mk = (x == 0 && y == 0 ? VBOARD_SOF : 0) | (x == w - 1 ? VBOARD_EOL : 0);
            int err = vboard_pixel(vb, gray[(size_t)y * stride + x], mk,
                                   x == 0 && y == 0 ? &sof_ts : nullptr);
            if (err)
                return err;
        }
        if (vboard_idle(vb, hblank))
            return VBOARD_ERR_NOMEM;
    }
    if (ts)
        *ts = sof_ts;
    return 0;
}

extern "C" int vboard_drain(struct vboard *vb, unsigned quiet, uint64_t max_cycles)
{
    unsigned still = 0;
    for (uint64_t i = 0; i < max_cycles; i++) {
        size_t before = vb->out_n;
        if (tick(vb))
            return VBOARD_ERR_NOMEM;
        if (vb->out_n != before || vb->top->m_axis_tvalid || vb->top->busy || !vb->top->cam_empty)
            still = 0;
        else if (++still >= quiet)
            return 0;
    }
    return VBOARD_ERR_TIMEOUT;
}

extern "C" int vboard_settle_input(struct vboard *vb, unsigned quiet, uint64_t max_cycles)
{
    unsigned still = 0;
    for (uint64_t i = 0; i < max_cycles; i++) {
        if (tick(vb))
            return VBOARD_ERR_NOMEM;
        if (!vb->top->cam_empty)
            still = 0;
        else if (++still >= quiet)
            return 0;
    }
    return VBOARD_ERR_TIMEOUT;
}

extern "C" size_t vboard_read(struct vboard *vb, uint8_t *buf, size_t max)
{
    size_t n = vb->out_n < max ? vb->out_n : max;
    memcpy(buf, vb->out, n);
    memmove(vb->out, vb->out + n, vb->out_n - n);
    vb->out_n -= n;
    vb->out_full = 0;
    return n;
}

extern "C" size_t vboard_pending(const struct vboard *vb)
{
    return vb->out_n;
}

extern "C" uint64_t vboard_cycles(const struct vboard *vb)
{
    return vb->cycles;
}
