/*
 * recog/internal: what the stages of the recognizer share, and where each stage lives. The
 * public API is recog.h; nothing here is installed or used outside host/recog.c and
 * host/recog/.
 *
 * The stages, in the order a region is read (each file's header lists its functions):
 *   recog/label.[ch]    binarize with the local-mean threshold, label 8-connected components
 *   recog/pool.[ch]     a region's candidate pool: ink levels at several offsets, labelling,
 *                       the plausible components, classification, the guessed text band
 *   recog/chain.[ch]    the chain search over the pool, its repairs (touching characters,
 *                       gaps, ends) and the plate with its candidates, context and patterns
 *   recog/region.[ch]   one region read end to end (pool, chain, repairs, plate); crops
 *   recog/frame.[ch]    frames: grouping components into text lines and plate frames, reading
 *                       and ranking them; the board's wire frames
 *   recog/harvest.[ch]  what the trainer harvests characters with
 *   recog/small.[ch]    small and far plates: small crops enlarged, the host's components
 *                       for the small plates of 640x480 frames
 * host/recog.c holds what they all share (below) and the errors and settings of recog.h.
 *
 * Ownership: struct scratch is owned by the caller of a reading (zeroed, released with
 * recog_scratch_free()); struct region_ctx points into it and into the caller's image for the
 * length of one region's reading.
 */
#ifndef RECOG_INTERNAL_H
#define RECOG_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "ocr.h"
#include "recog.h"

/* Most components kept per labelling and in a region's pool. */
#define MAX_COMPS 2048
#define MAX_POOL  1024

/* One candidate character of a region's pool. */
struct item {
    int x0, y0, x1, y1; /* image coordinates */
    int ink;
    int dark;
    int best;   /* best character class */
    float conf; /* its probability */
    float nonchar;
    float score;
    float prob[OCR_NCLASS];
};

/* A buffer reused from region to region (grown on demand). */
struct scratch_buf {
    void *p;
    size_t cap;
};

/*
 * Buffers the regions of a frame share, so that reading a region allocates nothing (fresh
 * pages of large buffers cost page faults every time); freed by recog_scratch_free().
 */
struct scratch {
    struct scratch_buf mask, labels, parent, comps, pool, ii, lev, big, rowbuf;
    /* What ii and lev hold: the region (x, y, w, h) of src, ink levels at windows lev_win
       (0: none); and the enlargement in big: the region of big_src scaled big_s times. A plate
       frame is read twice (read_group()): the second time reuses both. */
    const uint8_t *src, *big_src;
    int src_x, src_y, src_w, src_h, lev_win[2];
    int big_x, big_y, big_w, big_h, big_s;
};

/* The reading of one region: the image, and its buffers (recog_pool_alloc()). */
struct region_ctx {
    const struct recog_config *cfg;
    const uint8_t *gray;
    int width, height, stride;
    /* scratch for the region */
    uint8_t *mask;
    int *labels, *parent;
    struct recog_comp *comps;
    struct item *pool;
    size_t npool;
    struct scratch *sc;
    /* The region's integral image and ink levels (region_levels()), computed once. */
    uint32_t *ii, *rowbuf;
    uint8_t *lev;
};

/* The text band of a chain: top a0 + b0*x, bottom a1 + b1*x (image coordinates), margin m. */
struct band {
    float a0, b0, a1, b1;
    int m;
    int sides; /* bars through the band are borders only near the region's sides */
};

/* Where recog_region_read() copies its pool's boxes (the trainer's recog_crop_pool()). */
struct pool_export {
    struct recog_comp *boxes;
    int *dark;
    size_t max, n;
};

/* ---- Shared by every stage (host/recog.c) -------------------------------------------------- */

/* Is gray a usable image (not NULL, 1..RECOG_MAX_DIM a side, stride >= width)? */
int recog_valid_image(const uint8_t *gray, int width, int height, int stride);

/* qsort() order of ints, ascending. */
int recog_cmp_int(const void *a, const void *b);

/* b's buffer of at least bytes bytes (contents not kept), or NULL. */
void *recog_scratch_get(struct scratch_buf *b, size_t bytes);

/* Frees every buffer of sc (not sc itself). */
void recog_scratch_free(struct scratch *sc);

#endif
