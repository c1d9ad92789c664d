/*
 * test_usb_rtl: the Verilated RTL as the simulated board's engine, through the real libusb path
 * (driver/alpr_dev.c under umockdev): every frame the driver delivers must equal, pixel for
 * pixel and record for record, what the C model sends for the same camera frame.
 *
 * Re-executes itself under the umockdev preload library (see tests/usb/usbtest.h).
 */
#include "alpr_dev.h"
#include "testlib.h"
#include "usbboard.h"
#include "usbboard_rtl.h"
#include "usbtest.h"

#include <stdio.h>

#define W       96
#define H       64
#define NFRAMES 3

static struct usbboard *board;
static struct image frames[NFRAMES];
static struct wire_frame reference[NFRAMES];

static void test_rtl_stream(void)
{
    struct alpr_dev *d = NULL;
    struct alpr_dev_counters c;
    uint32_t v = 0;
    int got = 0, matched = 0;
    REQUIRE(alpr_dev_open(NULL, &d) == 0);
    CHECK(alpr_dev_reg_read(d, WIRE_REG_ID, &v) == 0 && v == WIRE_ID_VALUE);
    CHECK_EQ_INT(alpr_dev_reg_read(d, 0x7F, &v), ALPR_DEV_ERR_STALL);
    REQUIRE(alpr_dev_reg_write(d, WIRE_REG_FRAME_SIZE, (uint32_t)H << 16 | W) == 0);
    REQUIRE(alpr_dev_start(d, NULL) == 0);
    for (int i = 0; i < 2 * NFRAMES; i++) {
        struct wire_frame f;
        if (alpr_dev_next_frame(d, &f, 20000) != 0)
            break;
        got++;
        matched += usbtest_match(&f, reference, NFRAMES);
        CHECK_EQ_INT(f.head.frame, i);
        wire_frame_free(&f);
    }
    CHECK_EQ_INT(got, 2 * NFRAMES);
    CHECK_EQ_INT(matched, 2 * NFRAMES);
    alpr_dev_get_counters(d, &c);
    CHECK_EQ_INT(c.wire.frames_lost, 0);
    CHECK(alpr_dev_stop(d) == 0);
    CHECK(alpr_dev_reg_read(d, WIRE_REG_CNT_FRAMES, &v) == 0 && v >= 2 * NFRAMES);
    alpr_dev_close(d);
}

int main(int argc, char **argv)
{
    struct usbboard_config cfg = {0};
    int err;
    usbtest_preload(argc, argv);
    if (usbtest_frames(frames, NFRAMES, W, H) != 0 ||
        usbtest_reference(frames, NFRAMES, reference) != 0) {
        fprintf(stderr, "test_usb_rtl: cannot prepare frames\n");
        return 1;
    }
    cfg.sim.engine = USBSIM_ENGINE_RTL;
    cfg.sim.make_engine = usbboard_rtl_make;
    cfg.sim.frames = frames;
    cfg.sim.nframes = NFRAMES;
    cfg.sim.loop = 1;
    err = usbboard_new(&cfg, &board);
    if (err != 0) {
        fprintf(stderr, "test_usb_rtl: board: %s\n", usbboard_strerror(err));
        return 1;
    }
    RUN(test_rtl_stream);
    usbboard_free(board);
    for (int i = 0; i < NFRAMES; i++) {
        image_free(&frames[i]);
        wire_frame_free(&reference[i]);
    }
    return test_finish();
}
