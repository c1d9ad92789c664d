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

#include <libusb.h>
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

/* With --fps, frames that start while the output is busy are dropped, counted and numbered
 * with the RTL as well (see paced_check in test_usb.c; the device side alone). */
static void test_rtl_fps_drops(void)
{
    enum { PN = 12 };
    struct image fr[PN];
    struct usbsim_config cfg = {.engine = USBSIM_ENGINE_RTL,
                                .make_engine = usbboard_rtl_make,
                                .frames = fr,
                                .nframes = PN,
                                .fps = 100};
    struct usbtest_paced r;
    REQUIRE(usbtest_frames(fr, PN, W, H) == 0);
    int err = usbtest_paced_run(&cfg, W, H, 512, 200000, 1500, &r);
    for (int i = 0; i < PN; i++)
        image_free(&fr[i]);
    REQUIRE(err == 0);
    CHECK(r.delivered >= 2);
    CHECK(r.cnt_dropped >= 2);
    CHECK_EQ_INT(r.delivered + (int)r.cnt_dropped, PN);
    CHECK_EQ_INT(r.cnt_frames, r.delivered);
    CHECK(r.in_order);
    CHECK_EQ_INT(r.images_ok, r.delivered);
    CHECK(r.wire.frame_gaps > 0 && r.wire.frame_gaps <= r.cnt_dropped);
    CHECK_EQ_INT(r.wire.crc_errors, 0);
}

/* Malformed injection chunks on bulk OUT are counted in CNT_INJECT_ERR with the RTL too. */
static void test_rtl_inject_err(void)
{
    struct alpr_dev *d = NULL;
    libusb_context *ctx = NULL;
    libusb_device_handle *h = NULL;
    uint32_t before = 0, after = 0;
    uint8_t junk[64];
    int sent = 0;
    REQUIRE(alpr_dev_open(NULL, &d) == 0);
    CHECK(alpr_dev_reg_read(d, WIRE_REG_CNT_INJECT_ERR, &before) == 0);
    if (libusb_init(&ctx) == 0) {
        h = libusb_open_device_with_vid_pid(ctx, WIRE_USB_VID, WIRE_USB_PID);
        if (h) {
            for (size_t i = 0; i < sizeof junk; i++)
                junk[i] = (uint8_t)(i * 37 + 1);
            CHECK_EQ_INT(libusb_bulk_transfer(h, WIRE_EP_OUT, junk, sizeof junk, &sent, 1000), 0);
            CHECK_EQ_INT(sent, sizeof junk);
            libusb_close(h);
        }
        libusb_exit(ctx);
    }
    CHECK(h != NULL);
    CHECK(alpr_dev_reg_read(d, WIRE_REG_CNT_INJECT_ERR, &after) == 0);
    CHECK(after > before);
    /* CLEAR_COUNTERS clears it. */
    CHECK(alpr_dev_reg_write(d, WIRE_REG_CONTROL, WIRE_CONTROL_CLEAR_COUNTERS) == 0);
    CHECK(alpr_dev_reg_read(d, WIRE_REG_CNT_INJECT_ERR, &after) == 0 && after == 0);
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
    RUN(test_rtl_fps_drops);
    RUN(test_rtl_inject_err);
    usbboard_free(board);
    for (int i = 0; i < NFRAMES; i++) {
        image_free(&frames[i]);
        wire_frame_free(&reference[i]);
    }
    return test_finish();
}
