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

#endif
