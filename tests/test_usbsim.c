/*
 * test_usbsim: the simulated board's device side (sim/usbsim.c) without USB: registers and
 * stalls of the pass-through engine, the byte stream parsed back into frames, the model engine's
 * stream equal to the model's own, each fault seen by the parser as the fault it is, frame
 * pacing with drops, RESET, and test-frame injection.
 */
#include "image.h"
#include "model.h"
#include "testlib.h"
#include "usbsim.h"
#include "wire.h"

#include <stdlib.h>
#include <string.h>

#define W  64
#define H  32
#define NF 3

static struct image frames[NF];

static void make_frames(void)
{
    for (int i = 0; i < NF; i++) {
        if (image_alloc(&frames[i], W, H) != 0)
            abort();
        for (int p = 0; p < W * H; p++)
            frames[i].pixels[p] = (uint8_t)(200 - (p % W) % 50 - 10 * i);
        for (int y = 8; y < 24; y++) /* a dark bar: one component for the model */
            for (int x = 10 + i; x < 16 + i; x++)
                frames[i].pixels[y * W + x] = 20;
    }
}

struct got {
    int n;
    uint32_t numbers[64];
    int pixels_ok;
    size_t comps[64];
    int image[64]; /* which camera image the frame shows (-1: none) */
};

static int on_frame(void *ctx, const struct wire_frame *f)
{
    struct got *g = ctx;
    if (g->n < 64) {
        g->numbers[g->n] = f->head.frame;
        g->comps[g->n] = f->ncomps;
        g->image[g->n] = -1;
    }
    for (int i = 0; i < NF; i++)
        if (f->pixels_len == (size_t)W * H && memcmp(f->pixels, frames[i].pixels, W * H) == 0) {
            g->pixels_ok++;
            if (g->n < 64)
                g->image[g->n] = i;
        }
    g->n++;
    return 0;
}

static struct usbsim *new_sim(enum usbsim_engine e, double fps)
{
    struct usbsim_config cfg = {
        .engine = e, .frames = frames, .nframes = NF, .loop = 1, .fps = fps};
    struct usbsim *s = NULL;
    if (usbsim_new(&cfg, &s) != 0)
        return NULL;
    if (usbsim_reg_write(s, WIRE_REG_FRAME_SIZE, (uint32_t)H << 16 | W) != 0) {
        usbsim_free(s);
        return NULL;
    }
    return s;
}

/* Reads the stream in odd-sized pieces into a parser until n frames are delivered. */
static void pump(struct usbsim *s, struct wire_parser *p, struct got *g, int n, uint64_t *t)
{
    uint8_t buf[777];
    for (int i = 0; i < 100000 && g->n < n; i++) {
        long k = usbsim_stream_read(s, buf, sizeof buf - (size_t)(i % 300), *t);
        if (k < 0)
            return;
        if (k > 0 && wire_parser_feed(p, buf, (size_t)k, on_frame, g, NULL) != 0)
            return;
        *t += 1000;
    }
}

static void test_registers_pass(void)
{
    struct usbsim *s = new_sim(USBSIM_ENGINE_PASS, 0);
    uint32_t v = 0;
    REQUIRE(s);
    CHECK(usbsim_reg_read(s, WIRE_REG_ID, &v) == 0 && v == WIRE_ID_VALUE);
    CHECK(usbsim_reg_read(s, WIRE_REG_THRESH_PLANE0, &v) == 0 && v == WIRE_RESET_THRESH_PLANE0);
    CHECK_EQ_INT(usbsim_reg_read(s, 0x11, &v), USBSIM_ERR_STALL);
    CHECK_EQ_INT(usbsim_reg_write(s, WIRE_REG_STATUS, 0), USBSIM_ERR_STALL);
    CHECK_EQ_INT(usbsim_reg_write(s, WIRE_REG_FRAME_SIZE, 2049), USBSIM_ERR_STALL);
    CHECK_EQ_INT(usbsim_reg_write(s, WIRE_REG_THRESH_WINDOW, 0x08), USBSIM_ERR_STALL);
    CHECK_EQ_INT(usbsim_reg_write(s, WIRE_REG_CONTROL, 0x10), USBSIM_ERR_STALL);
    CHECK_EQ_INT(usbsim_reg_write(s, WIRE_REG_OUTPUT, WIRE_PIXELS_MASK1), USBSIM_ERR_STALL);
    CHECK_EQ_INT(usbsim_reg_write(s, WIRE_REG_OUTPUT, WIRE_PIXELS_NONE), 0);
    /* Planes the board does not have read 0 and ignore writes. */
    CHECK_EQ_INT(usbsim_reg_write(s, WIRE_REG_THRESH_PLANE0 + 2, 0x246), 0);
    CHECK(usbsim_reg_read(s, WIRE_REG_THRESH_PLANE0 + 2, &v) == 0 && v == 0);
    usbsim_free(s);
}

static void test_stream(enum usbsim_engine e)
{
    struct usbsim *s = new_sim(e, 0);
    struct wire_parser *p;
    struct got g = {0};
    struct wire_stats st;
    uint64_t t = 1;
    uint32_t v = 0;
    REQUIRE(s);
    REQUIRE(wire_parser_new(0, &p) == 0);
    pump(s, p, &g, 4, &t);
    CHECK_EQ_INT(g.n, 0); /* not running: nothing */
    REQUIRE(usbsim_reg_write(s, WIRE_REG_CONTROL, WIRE_CONTROL_RUN) == 0);
    pump(s, p, &g, 7, &t);
    CHECK_EQ_INT(g.n, 7);
    CHECK_EQ_INT(g.pixels_ok, 7);
    for (int i = 0; i < g.n; i++)
        CHECK_EQ_INT(g.numbers[i], i);
    if (e == USBSIM_ENGINE_MODEL)
        CHECK(g.comps[0] >= 1); /* the dark bar */
    wire_parser_stats(p, &st);
    CHECK_EQ_INT(st.frames_lost + st.bytes_skipped + st.seq_gaps, 0);
    CHECK(usbsim_reg_read(s, WIRE_REG_CNT_FRAMES, &v) == 0 && v >= 7);
    /* RESET: numbering restarts at 0. */
    REQUIRE(usbsim_reg_write(s, WIRE_REG_CONTROL, WIRE_CONTROL_RESET | WIRE_CONTROL_RUN) == 0);
    wire_parser_reset(p);
    memset(&g, 0, sizeof g);
    pump(s, p, &g, 2, &t);
    CHECK(g.n == 2 && g.numbers[0] == 0 && g.numbers[1] == 1);
    wire_parser_free(p);
    usbsim_free(s);
}

static void test_stream_pass(void)
{
    test_stream(USBSIM_ENGINE_PASS);
}

static void test_stream_model(void)
{
    test_stream(USBSIM_ENGINE_MODEL);
}

/* Each fault on frame 0; the parser must see it and deliver frames 1.. intact. */
static void test_faults(void)
{
    static const struct {
        enum usbsim_fault f;
        int lost;
    } cases[] = {{USBSIM_FAULT_GARBAGE, 0},
                 {USBSIM_FAULT_TRUNCATE, 1},
                 {USBSIM_FAULT_CORRUPT, 1},
                 {USBSIM_FAULT_BAD_CRC, 1},
                 {USBSIM_FAULT_DROP_CHUNK, 1}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct usbsim *s = new_sim(USBSIM_ENGINE_MODEL, 0);
        struct wire_parser *p;
        struct got g = {0};
        struct wire_stats st;
        struct usbsim_stats ss;
        uint64_t t = 1;
        REQUIRE(s);
        REQUIRE(wire_parser_new(0, &p) == 0);
        usbsim_fault(s, cases[c].f, 500);
        REQUIRE(usbsim_reg_write(s, WIRE_REG_CONTROL, WIRE_CONTROL_RUN) == 0);
        pump(s, p, &g, 3, &t);
        wire_parser_stats(p, &st);
        usbsim_stats(s, &ss);
        CHECK_EQ_INT(ss.frames_faulted, 1);
        CHECK_EQ_INT(g.n, 3);
        CHECK_EQ_INT(g.pixels_ok, 3);
        CHECK_EQ_INT(g.numbers[0], cases[c].lost ? 1 : 0);
        if (cases[c].f == USBSIM_FAULT_GARBAGE)
            CHECK(st.bytes_skipped > 0);
        if (cases[c].f == USBSIM_FAULT_CORRUPT || cases[c].f == USBSIM_FAULT_BAD_CRC)
            CHECK_EQ_INT(st.crc_errors, 1);
        if (cases[c].f == USBSIM_FAULT_DROP_CHUNK)
            CHECK_EQ_INT(st.seq_gaps, 1);
        wire_parser_free(p);
        usbsim_free(s);
    }
}

static uint64_t u64_at(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/*
 * With fps, a frame whose start comes while the output is still busy is dropped, counted and
 * its number skipped (pass engine here, at exact times; the model and the RTL engines in
 * tests/usb/test_usb*.c).
 */
static void test_fps_drops(void)
{
    struct usbsim *s = new_sim(USBSIM_ENGINE_PASS, 100); /* one frame every 10 ms */
    uint8_t buf[64];
    uint32_t v = 0;
    long n;
    REQUIRE(s);
    REQUIRE(usbsim_reg_write(s, WIRE_REG_CONTROL, WIRE_CONTROL_RUN) == 0);
    n = usbsim_stream_read(s, buf, sizeof buf, 1000000000u); /* frame 0 starts, 64 bytes out */
    CHECK_EQ_INT(n, 64);
    while (usbsim_stream_read(s, buf, sizeof buf, 1000000000u) > 0) /* all of frame 0 */
        ;
    CHECK_EQ_INT(usbsim_stream_read(s, buf, sizeof buf, 1005000000u), 0); /* next due at 10 ms */
    /* Nobody read until 35 ms. The output was free when frame 1 started at 10 ms, so it is
     * sent (time stamped at its start, 10 ms after RESET); while it waits for the host, frames
     * 2 (20 ms) and 3 (30 ms) start and find the output busy. */
    n = usbsim_stream_read(s, buf, sizeof buf, 1035000000u);
    CHECK_EQ_INT(n, 64);
    CHECK_EQ_INT(buf[WIRE_CHUNK_HEADER_LEN + 4], 1);           /* FRAME_HEAD.frame */
    CHECK(u64_at(buf + WIRE_CHUNK_HEADER_LEN + 8) == 742500u); /* 10 ms of 74.25 MHz */
    while (usbsim_stream_read(s, buf, sizeof buf, 1036000000u) > 0)
        ;
    CHECK_EQ_INT(usbsim_stream_read(s, buf, sizeof buf, 1037000000u), 0);
    CHECK(usbsim_reg_read(s, WIRE_REG_CNT_DROPPED, &v) == 0 && v == 2);
    n = usbsim_stream_read(s, buf, sizeof buf, 1040000000u); /* frame 4, numbers 2, 3 skipped */
    CHECK_EQ_INT(n, 64);
    CHECK_EQ_INT(buf[WIRE_CHUNK_HEADER_LEN + 4], 4);
    CHECK_EQ_INT(usbsim_stream_read(s, buf, 0, 1040000000u), 0);
    usbsim_free(s);
}

/*
 * A power cycle (unplug and replug) resets the board but not the camera: the next frame is
 * numbered 0 and shows the camera's next image, not its first. With fps, the frames that pass
 * before RUN is set again are not seen (not numbered, not counted as dropped).
 */
static void test_power_cycle(void)
{
    struct usbsim *s = new_sim(USBSIM_ENGINE_MODEL, 0);
    struct wire_parser *p;
    struct got g = {0};
    uint64_t t = 1;
    uint32_t v = 0;
    REQUIRE(s);
    REQUIRE(wire_parser_new(0, &p) == 0);
    REQUIRE(usbsim_reg_write(s, WIRE_REG_CONTROL, WIRE_CONTROL_RUN) == 0);
    pump(s, p, &g, 2, &t);
    REQUIRE(g.n == 2);
    CHECK(g.image[0] == 0 && g.image[1] == 1);
    REQUIRE(usbsim_power_cycle(s) == 0);
    CHECK(usbsim_reg_read(s, WIRE_REG_CONTROL, &v) == 0 && v == 0);
    CHECK(usbsim_reg_read(s, WIRE_REG_FRAME_SIZE, &v) == 0 && v == WIRE_RESET_FRAME_SIZE);
    CHECK(usbsim_reg_read(s, WIRE_REG_CNT_FRAMES, &v) == 0 && v == 0);
    wire_parser_reset(p);
    REQUIRE(usbsim_reg_write(s, WIRE_REG_FRAME_SIZE, (uint32_t)H << 16 | W) == 0);
    REQUIRE(usbsim_reg_write(s, WIRE_REG_CONTROL, WIRE_CONTROL_RUN) == 0);
    pump(s, p, &g, 3, &t);
    REQUIRE(g.n == 3);
    CHECK_EQ_INT(g.numbers[2], 0); /* the board's numbering starts over */
    CHECK_EQ_INT(g.image[2], 2);   /* the camera does not */
    wire_parser_free(p);
    usbsim_free(s);

    /* At 100 frames/s: frame 0 at 1000 ms, unplugged, RUN again at 1045 ms: the frames of 1010
     * to 1040 ms were never seen; the one of 1050 ms (the camera's sixth: image 5 % 3) is
     * frame 0 of the new power-up. */
    uint8_t buf[4096];
    s = new_sim(USBSIM_ENGINE_PASS, 100);
    REQUIRE(s);
    REQUIRE(wire_parser_new(0, &p) == 0);
    memset(&g, 0, sizeof g);
    REQUIRE(usbsim_reg_write(s, WIRE_REG_CONTROL, WIRE_CONTROL_RUN) == 0);
    long n;
    while ((n = usbsim_stream_read(s, buf, sizeof buf, 1000000000u)) > 0)
        CHECK(wire_parser_feed(p, buf, (size_t)n, on_frame, &g, NULL) == 0);
    CHECK_EQ_INT(g.n, 1);
    REQUIRE(usbsim_power_cycle(s) == 0);
    wire_parser_reset(p);
    REQUIRE(usbsim_reg_write(s, WIRE_REG_FRAME_SIZE, (uint32_t)H << 16 | W) == 0);
    REQUIRE(usbsim_reg_write(s, WIRE_REG_CONTROL, WIRE_CONTROL_RUN) == 0);
    CHECK_EQ_INT(usbsim_stream_read(s, buf, sizeof buf, 1045000000u), 0);
    while ((n = usbsim_stream_read(s, buf, sizeof buf, 1050000000u)) > 0)
        CHECK(wire_parser_feed(p, buf, (size_t)n, on_frame, &g, NULL) == 0);
    REQUIRE(g.n == 2);
    CHECK_EQ_INT(g.numbers[1], 0);
    CHECK_EQ_INT(g.image[1], 2);
    CHECK(usbsim_reg_read(s, WIRE_REG_CNT_DROPPED, &v) == 0 && v == 0);
    wire_parser_free(p);
    usbsim_free(s);
}

/* Bulk OUT injection becomes the camera frame with CONTROL.SOURCE; malformed chunks count. */
static void test_injection(void)
{
    struct usbsim *s = new_sim(USBSIM_ENGINE_MODEL, 0);
    struct wire_parser *p;
    struct got g = {0};
    uint8_t chunk[WIRE_CHUNK_HEADER_LEN + 2 + W], junk[16];
    uint64_t t = 1;
    uint32_t v = 0;
    uint16_t seq = 0;
    REQUIRE(s);
    REQUIRE(wire_parser_new(0, &p) == 0);
    REQUIRE(usbsim_reg_write(s, WIRE_REG_CONTROL, WIRE_CONTROL_RUN | WIRE_CONTROL_SOURCE_INJECT) ==
            0);
    wire_put_header(chunk, WIRE_INJ_HEAD, seq++, 4);
    chunk[8] = W;
    chunk[9] = 0;
    chunk[10] = H;
    chunk[11] = 0;
    REQUIRE(usbsim_inject_write(s, chunk, 12) == 0);
    for (int y = 0; y < H; y++) {
        wire_put_header(chunk, WIRE_INJ_ROW, seq++, 2 + W);
        chunk[8] = (uint8_t)y;
        chunk[9] = 0;
        memcpy(chunk + 10, frames[1].pixels + y * W, W);
        /* split across two writes, as bulk OUT may */
        REQUIRE(usbsim_inject_write(s, chunk, 5) == 0);
        REQUIRE(usbsim_inject_write(s, chunk + 5, sizeof chunk - 5) == 0);
    }
    pump(s, p, &g, 1, &t);
    CHECK_EQ_INT(g.n, 1);
    CHECK_EQ_INT(g.pixels_ok, 1);
    memset(junk, 0x5A, sizeof junk);
    REQUIRE(usbsim_inject_write(s, junk, sizeof junk) == 0);
    CHECK(usbsim_reg_read(s, WIRE_REG_CNT_INJECT_ERR, &v) == 0 && v == 1);
    wire_parser_free(p);
    usbsim_free(s);
}

static void test_bad_config(void)
{
    struct usbsim_config cfg = {.engine = USBSIM_ENGINE_RTL, .frames = frames, .nframes = NF};
    struct usbsim *s = NULL;
    enum usbsim_engine e;
    CHECK_EQ_INT(usbsim_new(&cfg, &s), USBSIM_ERR_ENGINE); /* no RTL linked in */
    cfg.engine = USBSIM_ENGINE_PASS;
    cfg.frames = NULL;
    CHECK_EQ_INT(usbsim_new(&cfg, &s), USBSIM_ERR_INVALID);
    CHECK(s == NULL);
    CHECK(usbsim_engine_parse("rtl", &e) == 0 && e == USBSIM_ENGINE_RTL);
    CHECK_EQ_INT(usbsim_engine_parse("fpga", &e), USBSIM_ERR_INVALID);
}

int main(void)
{
    make_frames();
    RUN(test_registers_pass);
    RUN(test_stream_pass);
    RUN(test_stream_model);
    RUN(test_faults);
    RUN(test_fps_drops);
    RUN(test_power_cycle);
    RUN(test_injection);
    RUN(test_bad_config);
    for (int i = 0; i < NF; i++)
        image_free(&frames[i]);
    return test_finish();
}
