/*
 * vboard: the Verilated RTL of the camera board (rtl/alpr_board.v) behind a small C API, for
 * the equivalence tests, the benchmarks and the simulated USB board (sim/usb*) when it runs
 * the RTL instead of the C model.
 *
 * The harness owns the clock: every call that says "cycles" advances the simulation by whole
 * clock cycles. Camera pixels go in one per cycle (the camera cannot be stalled; with pacing
 * on, the harness waits while the board's FIFO is nearly full, so a test can rule overflow
 * out); the board's output bytes are collected in an internal buffer (at most
 * VBOARD_MAX_OUTPUT bytes between two vboard_read() calls) that vboard_read() empties. The
 * output's ready line follows a seeded random policy (backpressure percent) so tests can stall
 * the sink. A VCD trace is written when a path is given at creation.
 *
 * Ownership: vboard_new() returns a board released with vboard_free(); nothing else is kept
 * from the caller. One thread per board. Out-parameters are written only on success.
 */
#ifndef VBOARD_H
#define VBOARD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VBOARD_MAX_OUTPUT (64u * 1024u * 1024u)

enum vboard_error {
    VBOARD_OK = 0,
    VBOARD_ERR_NOMEM = -1,   /* out of memory, or the output buffer is full */
    VBOARD_ERR_STALL = -2,   /* the register request was refused (device STALL) */
    VBOARD_ERR_INVALID = -3, /* bad argument */
    VBOARD_ERR_TIMEOUT = -4, /* vboard_drain(): still busy after the cycle limit */
};
const char *vboard_strerror(int err);

/* Camera markers of vboard_pixel() (same values as MODEL_PX_SOF / MODEL_PX_EOL). */
#define VBOARD_SOF 0x1u
#define VBOARD_EOL 0x2u

struct vboard;

/* Creates a board, held in reset for 4 cycles and released. vcd_path: NULL for no trace. */
int vboard_new(const char *vcd_path, struct vboard **out) __attribute__((warn_unused_result));
void vboard_free(struct vboard *vb);

/* One register request (one cycle). Returns 0 or VBOARD_ERR_STALL. */
int vboard_reg_read(struct vboard *vb, unsigned addr, uint32_t *val)
    __attribute__((warn_unused_result));
int vboard_reg_write(struct vboard *vb, unsigned addr, uint32_t val)
    __attribute__((warn_unused_result));

/*
 * Output sink policy: each cycle the sink is not ready with probability percent/100 (0: always
 * ready), from a generator seeded with seed.
 */
void vboard_set_backpressure(struct vboard *vb, unsigned percent, uint32_t seed);

/*
 * Camera pacing: with pace on, vboard_pixel() first idles while the camera FIFO has fewer than
 * 16 free entries (a test convenience, not camera behaviour). gap_percent: probability of an
 * idle cycle before each pixel (random source gaps), from the same generator.
 */
void vboard_set_source(struct vboard *vb, int pace, unsigned gap_percent);

/*
 * One camera pixel with markers (one cycle, plus pacing/gap cycles). *ts (may be NULL) gets the
 * board's tick counter in the cycle the pixel entered the FIFO (the FRAME_HEAD timestamp when
 * it is a SOF). Returns 0 or VBOARD_ERR_NOMEM (output buffer full).
 */
int vboard_pixel(struct vboard *vb, uint8_t pixel, unsigned markers, uint64_t *ts)
    __attribute__((warn_unused_result));

/* n idle cycles (no camera pixel). Returns 0 or VBOARD_ERR_NOMEM. */
int vboard_idle(struct vboard *vb, unsigned n) __attribute__((warn_unused_result));

/*
 * A whole frame, rows `hblank` idle cycles apart. *ts gets the SOF timestamp (may be NULL).
 * Returns 0, VBOARD_ERR_INVALID or VBOARD_ERR_NOMEM.
 */
int vboard_frame(struct vboard *vb, const uint8_t *gray, int w, int h, int stride, unsigned hblank,
                 uint64_t *ts) __attribute__((warn_unused_result));

/*
 * Runs idle cycles until, for `quiet` consecutive cycles, no frame was in the pipeline and no
 * output byte was waiting, or max_cycles passed (VBOARD_ERR_TIMEOUT).
 */
int vboard_drain(struct vboard *vb, unsigned quiet, uint64_t max_cycles)
    __attribute__((warn_unused_result));

/*
 * Runs idle cycles until the camera FIFO has been empty for `quiet` cycles (the pipeline has
 * taken every pixel given so far), or max_cycles passed (VBOARD_ERR_TIMEOUT).
 */
int vboard_settle_input(struct vboard *vb, unsigned quiet, uint64_t max_cycles)
    __attribute__((warn_unused_result));

/* Copies up to max collected output bytes to buf and removes them; returns the count. */
size_t vboard_read(struct vboard *vb, uint8_t *buf, size_t max);
/* Bytes waiting in the output buffer. */
size_t vboard_pending(const struct vboard *vb);

/* Clock cycles simulated since creation. */
uint64_t vboard_cycles(const struct vboard *vb);

#ifdef __cplusplus
}
#endif

#endif
