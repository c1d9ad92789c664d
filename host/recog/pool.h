/*
 * recog/pool: the candidate pool of a region (struct region_ctx, recog/internal.h). The region
 * is thresholded at every offset and both polarities in one pass (its ink levels), labelled,
 * and the components of character size and shape join the pool (duplicates merged); the
 * classifier scores each one that has a possible neighbour in a text line.
 */
#ifndef RECOG_POOL_H
#define RECOG_POOL_H

#include <stddef.h>

#include "recog/internal.h"

/* Points rc's buffers into its scratch for a rw x rh region, empties the pool.
   Returns 0 or RECOG_ERR_NOMEM. */
int recog_pool_alloc(struct region_ctx *rc, int rw, int rh);

/* ---- Filling ------------------------------------------------------------------------------- */

/* Is a component a plausible character of height in [hmin, hmax]? */
int recog_pool_plausible(const struct recog_comp *c, int hmin, int hmax);

/* Adds the component shifted by (ox, oy), unless the same box is in the pool or it is full. */
void recog_pool_add(struct region_ctx *rc, const struct recog_comp *c, int ox, int oy, int dark);

/*
 * Fills the pool from the region (rx, ry, rw, rh) at window win, polarities polarity_mask (1
 * dark, 2 light), characters hmin..hmax tall, or only inside band when not NULL.
 * Returns 0 or RECOG_ERR_NOMEM.
 */
int recog_pool_fill(struct region_ctx *rc, int rx, int ry, int rw, int rh, int win, int hmin,
                    int hmax, int polarity_mask, const struct band *band);

/*
 * The text band of a plate region whose characters may be joined to the plate frame; robust
 * for crops (other text above and below). Writes *out and *polarity and returns 1, or 0.
 */
int recog_pool_guess_band(struct region_ctx *rc, int rx, int ry, int rw, int rh, int win,
                          int robust, struct band *out, int *polarity);

/* ---- Judging -------------------------------------------------------------------------------- */

/* Can b follow a in a text line? */
int recog_pool_compatible(const struct item *a, const struct item *b);

/* Classifies the pool's items from index from on (score -1: no character). */
void recog_pool_classify(struct region_ctx *rc, size_t from);

/* qsort() order of items, left to right. */
int recog_pool_cmp_x(const void *a, const void *b);

#endif
