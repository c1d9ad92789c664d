/*
 * recog/small: small and far plates. Characters of 12-20 px have strokes of 1-2 px that the
 * region's threshold merges or breaks; the crop reader reads such crops from an enlargement
 * (recog_small_crop_scale(), recog_small_upscale()); the frame reader adds the host's own
 * components at a smaller window to the board's in frames of a 640x480 camera
 * (recog_small_frame_comps()).
 */
#ifndef RECOG_SMALL_H
#define RECOG_SMALL_H

#include <stddef.h>
#include <stdint.h>

#include "recog.h"

/*
 * The factor (1, 2 or 3) by which the crop reader enlarges a width x height crop before
 * reading it: crops under RECOG_SMALL_CROP_H rows (characters under about half that) are
 * enlarged so that they reach it, as long as the enlargement stays within RECOG_MAX_DIM.
 */
#define RECOG_SMALL_CROP_H 80
int recog_small_crop_scale(int width, int height);

/*
 * Bilinear enlargement of the w x h image gray (stride bytes per row) by the integer factor s
 * into big (w*s x h*s bytes, stride w*s), pixel centres aligned (the frame reader's
 * enlargement of text lines samples the same way).
 */
void recog_small_upscale(const uint8_t *gray, int w, int h, int stride, int s, uint8_t *big);

/*
 * recog_binarize() for dark ink (same mask, bit for bit) in 32-bit arithmetic with the
 * window's interior columns vectorizable: 3x fewer instructions on a 640x480 frame. Windows
 * over 64 px fall back to recog_binarize(). Returns 0, RECOG_ERR_INVALID or RECOG_ERR_NOMEM.
 */
int recog_small_binarize_dark(const uint8_t *gray, int width, int height, int stride, int win,
                              int t, uint8_t *mask) __attribute__((warn_unused_result));

/*
 * Frames of at most RECOG_SMALL_FRAME_PIXELS (a 640x480 camera) show plates whose characters
 * are 8-16 px tall, which the board's component records at its 32-px window often miss
 * (joined to the plate's border or to each other). For such a frame the host labels the frame
 * itself at window RECOG_SMALL_FRAME_WIN, offset RECOG_SMALL_FRAME_T, dark ink, and its
 * components up to RECOG_SMALL_FRAME_MAXH px tall join the board's: *out gets a new array (the
 * caller frees it) of the ncomps comps followed by the host's, *nout their number. A larger frame
 * gets nothing added: *out NULL. Returns 0, RECOG_ERR_INVALID or RECOG_ERR_NOMEM (*out and *nout
 * untouched).
 */
#define RECOG_SMALL_FRAME_PIXELS (640 * 480)
#define RECOG_SMALL_FRAME_WIN    16
#define RECOG_SMALL_FRAME_T      40
#define RECOG_SMALL_FRAME_MAXH   20
int recog_small_frame_comps(const uint8_t *gray, int width, int height, int stride,
                            const struct recog_comp *comps, size_t ncomps, struct recog_comp **out,
                            size_t *nout) __attribute__((warn_unused_result));

#endif
