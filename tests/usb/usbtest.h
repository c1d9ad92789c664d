/*
 * usbtest: what the driver tests and the USB benchmark share: running under the umockdev
 * preload library, and test frames for the simulated board.
 *
 * Ownership: images filled by usbtest_frames() and frames filled by usbtest_reference() are the
 * caller's (image_free(), wire_frame_free()).
 */
#ifndef USBTEST_H
#define USBTEST_H

#include "image.h"
#include "usbsim.h"
#include "wire.h"

/*
 * Makes sure this process runs with the umockdev preload library: if it does not yet, sets the
 * environment (usbboard_child_env) and re-executes the program with the same arguments. Returns
 * only when already preloaded; exits with status 1 if the re-execution fails.
 */
void usbtest_preload(int argc, char **argv);

/*
 * Fills n frames of w x h: a light gradient with a row of dark character-like bars whose count
 * and position change with the frame index i, so the board finds components and every frame
 * differs. Returns 0, or -1 when out of memory (nothing left allocated).
 */
int usbtest_frames(struct image *out, int n, int w, int h);

/*
 * What the board sends for each of n frames, from the C model run here without USB (registers
 * at reset but FRAME_SIZE = the frame's size). out[i] is released with wire_frame_free().
 * Returns 0 or -1.
 */
int usbtest_reference(const struct image *frames, int n, struct wire_frame *out);

/*
 * Whether a delivered frame equals the reference of its source image, found by its pixels (the
 * camera does not restart with the board's frame numbering): same size, pixels, records, found.
 */
int usbtest_match(const struct wire_frame *f, const struct wire_frame *refs, int n);

/* What usbtest_paced_run() saw. */
struct usbtest_paced {
    int delivered;          /* frames the parser delivered */
    int in_order;           /* their numbers strictly increase */
    int images_ok;          /* delivered frames whose pixels are camera image `number` */
    uint32_t cnt_frames;    /* CNT_FRAMES at the end */
    uint32_t cnt_dropped;   /* CNT_DROPPED at the end */
    struct wire_stats wire; /* the parser's counters (frame_gaps: numbers never seen) */
};

/*
 * Runs the device side alone (no USB) with cfg (its frames: every camera frame a distinct
 * image, shown once: cfg->loop must be 0) at frame size w x h on a simulated clock: every call
 * of usbsim_stream_read() takes at most `piece` bytes and advances the clock by step_ns, for
 * `steps` calls. A host that slow keeps the output busy past the next camera frame's start, so
 * frames are dropped. Returns 0 and fills *out, or -1 (the board could not be made or set up).
 */
int usbtest_paced_run(const struct usbsim_config *cfg, int w, int h, size_t piece, uint64_t step_ns,
                      int steps, struct usbtest_paced *out);

#endif
