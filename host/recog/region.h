/*
 * recog/region: one region read end to end - pool, chain, second passes, repairs, plate - as
 * the crop reader (recog_read_crop(), recog.h) and the frame reader use it.
 */
#ifndef RECOG_REGION_H
#define RECOG_REGION_H

#include <stdint.h>

#include "recog/internal.h"

/* Clips the region to the image; returns 0 when less than 4 x 4 pixels remain. */
int recog_region_clip(int width, int height, int *rx, int *ry, int *rw, int *rh);

/*
 * Reads the region (rx, ry, rw, rh) for characters of height [hmin, hmax] at window win
 * (plate_region: 0 a text line's surroundings, 1 a plate frame's inside, 2 a plate crop's
 * text band): fills *p and returns 1 when a chain was found, 0 when not, or a negative error.
 * exp, when not NULL, gets the pool's boxes. sc is the caller's scratch.
 */
int recog_region_read(const struct recog_config *cfg, const uint8_t *gray, int width, int height,
                      int stride, int rx, int ry, int rw, int rh, int hmin, int hmax, int win,
                      int plate_region, struct recog_plate *p, struct pool_export *exp,
                      struct scratch *sc);

#endif
