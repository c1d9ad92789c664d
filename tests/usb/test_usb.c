/*
 * test_usb: the host driver (driver/alpr_dev.c) through the real libusb-1.0 Linux backend against
 * the simulated board (sim/usbboard, the C model as device) under umockdev: registers, stalls,
 * timeouts, streaming many frames checked against the model run locally, cancel, unplug and
 * replug, and a board that sends garbage, truncated frames, bad CRCs, lost chunks and stalls.
 *
 * Re-executes itself under the umockdev preload library (see tests/usb/usbtest.h).
 */
#include "alpr_dev.h"
#include "testlib.h"
#include "usbboard.h"
#include "usbtest.h"
#include "wire.h"

#include <libusb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define W       160
#define H       120
#define NFRAMES 8
#define SERIAL  "TEST-0042"

static struct usbboard *board;
static struct image frames[NFRAMES];
static struct wire_frame reference[NFRAMES]; /* what the model sends for each frame */

/* ---- helpers ------------------------------------------------------------------------------ */

static void sleep_ms(int ms)
{
    struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

/* Opens the board and brings it to a known state: reset, counters cleared, W x H frames. */
/* reconnect: 0 none, 1 hotplug only (polling once a minute), 2 polling only (every 50 ms). */
static struct alpr_dev *open_board(int reconnect)
{
    struct alpr_dev_open_opts o = {.serial = SERIAL,
                                   .reconnect = reconnect != 0,
                                   .poll_ms = reconnect == 1 ? 60000 : 50,
                                   .no_hotplug = reconnect == 2,
                                   .control_timeout_ms = 500};
    struct alpr_dev *d = NULL;
    int err = alpr_dev_open(&o, &d);
    if (err != 0) {
        fprintf(stderr, "open: %s\n", alpr_dev_strerror(err));
        return NULL;
    }
    /* RESET keeps the configuration: write every register back to its reset value. */
    if (alpr_dev_reg_write(d, WIRE_REG_CONTROL, WIRE_CONTROL_RESET | WIRE_CONTROL_CLEAR_COUNTERS) ||
        alpr_dev_reg_write(d, WIRE_REG_FRAME_SIZE, (uint32_t)H << 16 | W) ||
        alpr_dev_reg_write(d, WIRE_REG_THRESH_WINDOW, WIRE_RESET_THRESH_WINDOW) ||
        alpr_dev_reg_write(d, WIRE_REG_THRESH_PLANE0, WIRE_RESET_THRESH_PLANE0) ||
        alpr_dev_reg_write(d, WIRE_REG_FILTER_WIDTH, WIRE_RESET_FILTER_WIDTH) ||
        alpr_dev_reg_write(d, WIRE_REG_FILTER_HEIGHT, WIRE_RESET_FILTER_HEIGHT) ||
        alpr_dev_reg_write(d, WIRE_REG_OUTPUT, WIRE_RESET_OUTPUT) ||
        alpr_dev_reg_write(d, WIRE_REG_ROI_X, 0) || alpr_dev_reg_write(d, WIRE_REG_ROI_Y, 0)) {
        alpr_dev_close(d);
        return NULL;
    }
    return d;
}

static int frame_matches(const struct wire_frame *f)
{
    return usbtest_match(f, reference, NFRAMES);
}

/* Takes n frames; records their numbers in nums (may be NULL). Returns how many matched. */
static int take(struct alpr_dev *d, int n, uint32_t *nums, int *got)
{
    int matched = 0;
    *got = 0;
    for (int i = 0; i < n; i++) {
        struct wire_frame f;
        if (alpr_dev_next_frame(d, &f, 5000) != 0)
            break;
        if (nums)
            nums[i] = f.head.frame;
        matched += frame_matches(&f);
        (*got)++;
        wire_frame_free(&f);
    }
    return matched;
}

/* ---- tests -------------------------------------------------------------------------------- */

static void test_list(void)
{
    struct alpr_dev_info info[4];
    size_t n = 0;
    REQUIRE(alpr_dev_list(0, 0, info, 4, &n) == 0);
    REQUIRE(n == 1);
    CHECK_EQ_STR(info[0].serial, SERIAL);
    CHECK_EQ_STR(info[0].product, "ALPR camera board");
    CHECK_EQ_STR(info[0].manufacturer, "Edge ALPR project");
    CHECK_EQ_INT(info[0].vid, WIRE_USB_VID);
    CHECK_EQ_INT(info[0].bcd_device, WIRE_USB_BCD_DEVICE);
    /* A serial that is not there. */
    struct alpr_dev_open_opts o = {.serial = "NOPE-0000"};
    struct alpr_dev *d = NULL;
    CHECK_EQ_INT(alpr_dev_open(&o, &d), ALPR_DEV_ERR_NOT_FOUND);
    CHECK(d == NULL);
}

static void test_registers(void)
{
    struct alpr_dev *d = open_board(0);
    uint32_t v = 0;
    REQUIRE(d);
    CHECK(alpr_dev_reg_read(d, WIRE_REG_ID, &v) == 0 && v == WIRE_ID_VALUE);
    CHECK(alpr_dev_reg_read(d, WIRE_REG_VERSION, &v) == 0 && v >> 24 == WIRE_PROTO_MAJOR);
    CHECK(alpr_dev_reg_read(d, WIRE_REG_FRAME_SIZE, &v) == 0 && v == ((uint32_t)H << 16 | W));
    /* Round trips of every configuration register with a legal value. */
    static const struct {
        unsigned addr;
        uint32_t v;
    } rt[] = {{WIRE_REG_THRESH_WINDOW, 0x35},       {WIRE_REG_THRESH_PLANE0, 0x250},
              {WIRE_REG_FILTER_WIDTH, 0x00400002},  {WIRE_REG_FILTER_HEIGHT, 0x00800004},
              {WIRE_REG_OUTPUT, WIRE_PIXELS_MASK1}, {WIRE_REG_ROI_X, 0x00200010},
              {WIRE_REG_ROI_Y, 0x00100008}};
    for (size_t i = 0; i < sizeof rt / sizeof rt[0]; i++) {
        v = 0;
        CHECK_EQ_INT(alpr_dev_reg_write(d, rt[i].addr, rt[i].v), 0);
        CHECK(alpr_dev_reg_read(d, rt[i].addr, &v) == 0);
        CHECK_EQ_INT(v, rt[i].v);
    }
    /* Stalls: unknown register, read-only register, value out of range; the board goes on. */
    v = 0x1234;
    CHECK_EQ_INT(alpr_dev_reg_read(d, 0x77, &v), ALPR_DEV_ERR_STALL);
    CHECK_EQ_INT(v, 0x1234); /* untouched on failure */
    CHECK_EQ_INT(alpr_dev_reg_write(d, WIRE_REG_ID, 1), ALPR_DEV_ERR_STALL);
    CHECK_EQ_INT(alpr_dev_reg_write(d, WIRE_REG_FRAME_SIZE, 0), ALPR_DEV_ERR_STALL);
    CHECK_EQ_INT(alpr_dev_reg_write(d, WIRE_REG_THRESH_WINDOW, 0x01), ALPR_DEV_ERR_STALL);
    CHECK(alpr_dev_reg_read(d, WIRE_REG_ID, &v) == 0 && v == WIRE_ID_VALUE);
    alpr_dev_close(d);
}

/* Requests the protocol does not define, sent with plain libusb. */
static void test_unknown_requests(void)
{
    libusb_context *ctx;
    libusb_device_handle *h;
    uint8_t buf[8] = {0};
    REQUIRE(libusb_init(&ctx) == 0);
    h = libusb_open_device_with_vid_pid(ctx, WIRE_USB_VID, WIRE_USB_PID);
    if (!h) {
        libusb_exit(ctx);
        REQUIRE(h);
    }
    CHECK_EQ_INT(libusb_control_transfer(h, 0xC0, 0x33, 0, 0, buf, 4, 500), LIBUSB_ERROR_PIPE);
    CHECK_EQ_INT(libusb_control_transfer(h, 0xC0, WIRE_REQ_READ_REG, 0, 0, buf, 2, 500),
                 LIBUSB_ERROR_PIPE); /* wLength must be 4 */
    CHECK_EQ_INT(libusb_control_transfer(h, 0xC0, WIRE_REQ_READ_REG, 1, 0, buf, 4, 500),
                 LIBUSB_ERROR_PIPE); /* wValue must be 0 */
    CHECK_EQ_INT(libusb_control_transfer(h, 0xC0, WIRE_REQ_READ_REG, 0, 0, buf, 4, 500), 4);
    CHECK_EQ_INT(buf[0] | buf[1] << 8 | buf[2] << 16 | (uint32_t)buf[3] << 24, WIRE_ID_VALUE);
    /* Standard requests: GET_STATUS and the serial string. */
    CHECK_EQ_INT(libusb_control_transfer(h, 0x80, 0x00, 0, 0, buf, 2, 500), 2);
    unsigned char s[32];
    CHECK(libusb_get_string_descriptor_ascii(h, 3, s, sizeof s) == (int)strlen(SERIAL));
    libusb_close(h);
    libusb_exit(ctx);
}

static void test_timeouts(void)
{
    struct alpr_dev *d = open_board(0);
    struct alpr_dev_stream_opts so = {.no_run = 1};
    struct wire_frame f;
    uint32_t v = 0;
    REQUIRE(d);
    usbboard_hold_control(board, 1);
    CHECK_EQ_INT(alpr_dev_reg_read(d, WIRE_REG_ID, &v), ALPR_DEV_ERR_TIMEOUT);
    usbboard_hold_control(board, 0);
    CHECK(alpr_dev_reg_read(d, WIRE_REG_ID, &v) == 0 && v == WIRE_ID_VALUE);
    /* Streaming with the board not running: no frame comes. */
    REQUIRE(alpr_dev_start(d, &so) == 0);
    CHECK_EQ_INT(alpr_dev_next_frame(d, &f, 150), ALPR_DEV_ERR_TIMEOUT);
    CHECK_EQ_INT(alpr_dev_start(d, &so), ALPR_DEV_ERR_STATE);
    CHECK_EQ_INT(alpr_dev_stop(d), 0);
    CHECK_EQ_INT(alpr_dev_stop(d), ALPR_DEV_ERR_STATE);
    CHECK_EQ_INT(alpr_dev_next_frame(d, &f, 10), ALPR_DEV_ERR_STOPPED);
    alpr_dev_close(d);
}

static void test_stream_many(void)
{
    enum { N = 120 };
    static uint32_t nums[N];
    struct alpr_dev *d = open_board(0);
    struct alpr_dev_stream_opts so = {.transfers = 4, .transfer_bytes = 5000, .queue_frames = N};
    struct alpr_dev_counters c;
    uint32_t v = 0;
    int got, matched, contiguous = 1;
    REQUIRE(d);
    REQUIRE(alpr_dev_start(d, &so) == 0);
    matched = take(d, N, nums, &got);
    CHECK_EQ_INT(got, N);
    CHECK_EQ_INT(matched, N);
    for (int i = 0; i < got; i++)
        if (nums[i] != (uint32_t)i)
            contiguous = 0;
    CHECK(contiguous);
    alpr_dev_get_counters(d, &c);
    CHECK_EQ_INT(c.wire.seq_gaps, 0);
    CHECK_EQ_INT(c.wire.frames_lost, 0);
    CHECK_EQ_INT(c.wire.crc_errors, 0);
    CHECK_EQ_INT(c.wire.bytes_skipped, 0);
    CHECK(c.transfers > 0 && c.bytes > 0);
    CHECK_EQ_INT(alpr_dev_stop(d), 0);
    /* The board counted at least what we took. */
    CHECK(alpr_dev_reg_read(d, WIRE_REG_CNT_FRAMES, &v) == 0 && v >= N);
    alpr_dev_close(d);
}

/* A callback consumer, and cancel/restart in the middle of the stream. */
struct cb_state {
    int frames, bad;
    int events[4];
};

static void on_frame_cb(void *ctx, const struct wire_frame *f)
{
    struct cb_state *s = ctx;
    s->frames++;
    if (!frame_matches(f))
        s->bad++;
}

static void on_event_cb(void *ctx, enum alpr_dev_event ev)
{
    struct cb_state *s = ctx;
    if ((int)ev > 0 && (int)ev < 4)
        s->events[ev]++;
}

static void test_cancel_restart(void)
{
    struct alpr_dev *d = open_board(0);
    struct cb_state st = {0};
    struct alpr_dev_stream_opts so = {.on_frame = on_frame_cb, .on_event = on_event_cb, .ctx = &st};
    struct alpr_dev_counters c;
    int got;
    REQUIRE(d);
    for (int round = 0; round < 5; round++) {
        int before = st.frames;
        REQUIRE(alpr_dev_start(d, &so) == 0);
        for (int t = 0; t < 200 && st.frames < before + 3; t++)
            sleep_ms(10);
        CHECK_EQ_INT(alpr_dev_stop(d), 0); /* cancels what is in flight, mid-frame or not */
        CHECK(st.frames >= before + 3);
    }
    CHECK_EQ_INT(st.bad, 0);
    alpr_dev_get_counters(d, &c);
    CHECK_EQ_INT(c.streaming, 0);
    CHECK_EQ_INT(c.wire.crc_errors, 0);
    /* Queue mode after callback mode: frames still flow. */
    REQUIRE(alpr_dev_start(d, NULL) == 0);
    CHECK_EQ_INT(take(d, 5, NULL, &got), 5);
    alpr_dev_close(d); /* closes while streaming */
}

/* Arms one fault, streams, and returns the numbers of the frames delivered. */
static int faulted_run(enum usbsim_fault fault, uint32_t arg, uint32_t *nums, int n,
                       struct alpr_dev_counters *c)
{
    struct alpr_dev *d = open_board(0);
    int got = 0, matched;
    if (!d)
        return -1;
    usbboard_fault(board, fault, arg);
    if (alpr_dev_start(d, NULL) != 0) {
        alpr_dev_close(d);
        return -1;
    }
    matched = take(d, n, nums, &got);
    alpr_dev_get_counters(d, c);
    alpr_dev_close(d);
    return matched == got ? got : -1; /* every delivered frame must be exact */
}

static void test_garbage(void)
{
    uint32_t nums[6];
    struct alpr_dev_counters c;
    CHECK_EQ_INT(faulted_run(USBSIM_FAULT_GARBAGE, 3000, nums, 6, &c), 6);
    CHECK_EQ_INT(nums[0], 0); /* garbage before frame 0: it still arrives */
    CHECK(c.wire.bytes_skipped > 0);
    CHECK_EQ_INT(c.wire.frames_lost, 0);
}

static void test_truncated(void)
{
    uint32_t nums[4];
    struct alpr_dev_counters c;
    CHECK_EQ_INT(faulted_run(USBSIM_FAULT_TRUNCATE, 0, nums, 4, &c), 4);
    CHECK_EQ_INT(nums[0], 1); /* frame 0 was cut: never delivered */
    CHECK_EQ_INT(nums[3], 4);
    CHECK(c.wire.frames_lost >= 1);
}

static void test_bad_crc(void)
{
    uint32_t nums[3];
    struct alpr_dev_counters c;
    CHECK_EQ_INT(faulted_run(USBSIM_FAULT_BAD_CRC, 0, nums, 3, &c), 3);
    CHECK_EQ_INT(nums[0], 1);
    CHECK_EQ_INT(c.wire.crc_errors, 1);
    CHECK_EQ_INT(faulted_run(USBSIM_FAULT_CORRUPT, 0, nums, 3, &c), 3);
    CHECK_EQ_INT(nums[0], 1);
    CHECK_EQ_INT(c.wire.crc_errors, 1);
}

static void test_dropped_chunk(void)
{
    uint32_t nums[3];
    struct alpr_dev_counters c;
    CHECK_EQ_INT(faulted_run(USBSIM_FAULT_DROP_CHUNK, 0, nums, 3, &c), 3);
    CHECK_EQ_INT(nums[0], 1);
    CHECK(c.wire.seq_gaps >= 1);
    CHECK(c.wire.frames_lost >= 1);
}

static void test_stall(void)
{
    struct alpr_dev *d = open_board(0);
    struct cb_state st = {0};
    struct alpr_dev_stream_opts so = {.on_frame = on_frame_cb, .on_event = on_event_cb, .ctx = &st};
    int before;
    REQUIRE(d);
    REQUIRE(alpr_dev_start(d, &so) == 0);
    for (int t = 0; t < 200 && st.frames < 2; t++)
        sleep_ms(10);
    usbboard_stall_in(board);
    for (int t = 0; t < 300 && st.events[ALPR_DEV_EVENT_STALL] == 0; t++)
        sleep_ms(10);
    CHECK_EQ_INT(st.events[ALPR_DEV_EVENT_STALL], 1);
    before = st.frames;
    for (int t = 0; t < 300 && st.frames < before + 3; t++)
        sleep_ms(10);
    CHECK(st.frames >= before + 3); /* the driver cleared the halt and the stream goes on */
    CHECK_EQ_INT(st.bad, 0);
    alpr_dev_close(d);
}

static void unplug_replug(int how)
{
    struct alpr_dev *d = open_board(how);
    struct cb_state st = {0};
    /* A queue deep enough for every frame streamed while the test sleeps. */
    struct alpr_dev_stream_opts so = {.on_event = on_event_cb, .ctx = &st, .queue_frames = 1024};
    struct alpr_dev_counters c;
    struct wire_frame f;
    uint32_t v;
    int got;
    REQUIRE(d);
    REQUIRE(alpr_dev_start(d, &so) == 0);
    CHECK_EQ_INT(take(d, 3, NULL, &got), 3);
    REQUIRE(usbboard_unplug(board) == 0);
    for (int t = 0; t < 300 && st.events[ALPR_DEV_EVENT_NO_DEVICE] == 0; t++)
        sleep_ms(10);
    CHECK_EQ_INT(st.events[ALPR_DEV_EVENT_NO_DEVICE], 1);
    CHECK_EQ_INT(alpr_dev_reg_read(d, WIRE_REG_ID, &v), ALPR_DEV_ERR_NO_DEVICE);
    alpr_dev_get_counters(d, &c);
    CHECK_EQ_INT(c.connected, 0);
    CHECK_EQ_INT(c.disconnects, 1);
    /* Frames queued before the unplug may still be read; then nothing until the board is back. */
    while (alpr_dev_next_frame(d, &f, 100) == 0)
        wire_frame_free(&f);
    sleep_ms(150);
    REQUIRE(usbboard_replug(board) == 0);
    for (int t = 0; t < 500 && st.events[ALPR_DEV_EVENT_RECONNECTED] == 0; t++)
        sleep_ms(10);
    CHECK_EQ_INT(st.events[ALPR_DEV_EVENT_RECONNECTED], 1);
    /* The board came back in its power-up state; the driver restored FRAME_SIZE and RUN, so
     * the frames are W x H again and exact. */
    uint32_t nums[4];
    CHECK_EQ_INT(take(d, 4, nums, &got), 4);
    CHECK_EQ_INT(nums[0], 0);
    CHECK_EQ_INT(nums[3], 3);
    CHECK(alpr_dev_reg_read(d, WIRE_REG_FRAME_SIZE, &v) == 0 && v == ((uint32_t)H << 16 | W));
    alpr_dev_get_counters(d, &c);
    CHECK_EQ_INT(c.reconnects, 1);
    CHECK_EQ_INT(c.connected, 1);
    CHECK_EQ_INT(c.frames_queue_dropped, 0);
    alpr_dev_close(d);
}

/* The board comes back and libusb's hotplug (udev events, emulated by umockdev) says so. */
static void test_unplug_replug_hotplug(void)
{
    unplug_replug(1);
}

/* The same found by polling. */
static void test_unplug_replug_polling(void)
{
    unplug_replug(2);
}

/* Test-frame injection on bulk OUT (CONTROL.SOURCE = 1), and malformed injection chunks. */
static void test_inject(void)
{
    struct alpr_dev *d = open_board(0);
    struct wire_frame f;
    uint32_t before = 0, after = 0;
    REQUIRE(d);
    REQUIRE(alpr_dev_reg_write(d, WIRE_REG_CONTROL, WIRE_CONTROL_SOURCE_INJECT) == 0);
    REQUIRE(alpr_dev_start(d, NULL) == 0);
    CHECK_EQ_INT(alpr_dev_next_frame(d, &f, 100), ALPR_DEV_ERR_TIMEOUT); /* camera ignored */
    for (int k = 0; k < 3; k++) {
        int i = (k * 5 + 2) % NFRAMES;
        REQUIRE(alpr_dev_inject_frame(d, frames[i].pixels, W, H, W) == 0);
        REQUIRE(alpr_dev_next_frame(d, &f, 5000) == 0);
        CHECK(f.pixels_len == (size_t)W * H &&
              memcmp(f.pixels, frames[i].pixels, f.pixels_len) == 0);
        CHECK(frame_matches(&f));
        CHECK_EQ_INT(f.head.frame, k);
        wire_frame_free(&f);
    }
    CHECK_EQ_INT(alpr_dev_inject_frame(d, frames[0].pixels, 0, H, W), ALPR_DEV_ERR_INVALID);
    CHECK_EQ_INT(alpr_dev_stop(d), 0);
    CHECK(alpr_dev_reg_read(d, WIRE_REG_CNT_INJECT_ERR, &before) == 0);

    /* Garbage on bulk OUT, sent with plain libusb while the driver holds the board: counted. */
    libusb_context *ctx;
    libusb_device_handle *h;
    uint8_t junk[64];
    int sent = 0;
    if (libusb_init(&ctx) != 0) {
        alpr_dev_close(d);
        REQUIRE(0);
    }
    h = libusb_open_device_with_vid_pid(ctx, WIRE_USB_VID, WIRE_USB_PID);
    if (h) {
        for (size_t i = 0; i < sizeof junk; i++)
            junk[i] = (uint8_t)(i * 37 + 1);
        CHECK_EQ_INT(libusb_bulk_transfer(h, WIRE_EP_OUT, junk, sizeof junk, &sent, 1000), 0);
        CHECK_EQ_INT(sent, sizeof junk);
        libusb_close(h);
    }
    libusb_exit(ctx);
    CHECK(h != NULL);
    CHECK(alpr_dev_reg_read(d, WIRE_REG_CNT_INJECT_ERR, &after) == 0);
    CHECK(after > before);
    alpr_dev_close(d);
}

static void test_unplug_no_reconnect(void)
{
    struct alpr_dev *d = open_board(0);
    struct wire_frame f;
    int got, r;
    REQUIRE(d);
    REQUIRE(alpr_dev_start(d, NULL) == 0);
    CHECK_EQ_INT(take(d, 2, NULL, &got), 2);
    REQUIRE(usbboard_unplug(board) == 0);
    do {
        r = alpr_dev_next_frame(d, &f, 3000);
        if (r == 0)
            wire_frame_free(&f);
    } while (r == 0);
    CHECK_EQ_INT(r, ALPR_DEV_ERR_NO_DEVICE);
    alpr_dev_close(d);
    REQUIRE(usbboard_replug(board) == 0);
}

/*
 * The camera at 100 frames/s and a host that takes 64 bytes every 0.2 ms (a 96 x 64 frame
 * then takes about two camera periods to leave): frames whose start comes while the output
 * is busy are dropped whole, counted in CNT_DROPPED, and their numbers skipped, so that every
 * delivered frame's number is its camera frame's (PROTOCOL.md sections 3.2 and 5).
 */
static void paced_check(enum usbsim_engine e)
{
    enum { PW = 96, PH = 64, PN = 24 };
    struct image fr[PN];
    struct usbsim_config cfg = {.engine = e, .frames = fr, .nframes = PN, .fps = 100};
    struct usbtest_paced r;
    REQUIRE(usbtest_frames(fr, PN, PW, PH) == 0);
    int err = usbtest_paced_run(&cfg, PW, PH, 64, 200000, 2500, &r);
    for (int i = 0; i < PN; i++)
        image_free(&fr[i]);
    REQUIRE(err == 0);
    CHECK(r.delivered >= PN / 4);
    CHECK(r.cnt_dropped >= PN / 4);
    CHECK_EQ_INT(r.delivered + (int)r.cnt_dropped, PN); /* every camera frame accounted for */
    CHECK_EQ_INT(r.cnt_frames, r.delivered);
    CHECK(r.in_order);
    CHECK_EQ_INT(r.images_ok, r.delivered); /* frame number = camera frame */
    CHECK(r.wire.frame_gaps > 0 && r.wire.frame_gaps <= r.cnt_dropped); /* the host sees gaps */
    CHECK_EQ_INT(r.wire.crc_errors, 0);
    CHECK_EQ_INT(r.wire.malformed, 0);
}

static void test_fps_drops_model(void)
{
    paced_check(USBSIM_ENGINE_MODEL);
}

static void test_fps_drops_pass(void)
{
    paced_check(USBSIM_ENGINE_PASS);
}

int main(int argc, char **argv)
{
    struct usbboard_config cfg = {.serial = SERIAL};
    int err;
    usbtest_preload(argc, argv);
    if (usbtest_frames(frames, NFRAMES, W, H) != 0 ||
        usbtest_reference(frames, NFRAMES, reference) != 0) {
        fprintf(stderr, "test_usb: cannot prepare frames\n");
        return 1;
    }
    cfg.sim.engine = USBSIM_ENGINE_MODEL;
    cfg.sim.frames = frames;
    cfg.sim.nframes = NFRAMES;
    cfg.sim.loop = 1;
    err = usbboard_new(&cfg, &board);
    if (err != 0) {
        fprintf(stderr, "test_usb: board: %s\n", usbboard_strerror(err));
        return 1;
    }
    RUN(test_list);
    RUN(test_registers);
    RUN(test_unknown_requests);
    RUN(test_timeouts);
    RUN(test_stream_many);
    RUN(test_cancel_restart);
    RUN(test_garbage);
    RUN(test_truncated);
    RUN(test_bad_crc);
    RUN(test_dropped_chunk);
    RUN(test_stall);
    RUN(test_inject);
    RUN(test_unplug_replug_hotplug);
    RUN(test_unplug_replug_polling);
    RUN(test_unplug_no_reconnect);
    RUN(test_fps_drops_model);
    RUN(test_fps_drops_pass);
    usbboard_free(board);
    for (int i = 0; i < NFRAMES; i++) {
        image_free(&frames[i]);
        wire_frame_free(&reference[i]);
    }
    return test_finish();
}
