/*
 * recog/label: the local-mean threshold and 8-connected component labelling. recog_binarize()
 * and recog_label() (recog.h) are the public forms; the other stages use the pieces below
 * with their own buffers, so that reading a region allocates nothing.
 */
#ifndef RECOG_LABEL_H
#define RECOG_LABEL_H

#include <stddef.h>
#include <stdint.h>

#include "recog.h"

/* Widest mask labelled: a region of the widest image enlarged 3 times (read_group()). */
#define LABEL_MAX_W (3 * RECOG_MAX_DIM)

/* ---- Threshold ------------------------------------------------------------------------------ */

/* Fills ii with the integral image of gray: (width+1) x (height+1) sums. */
void recog_label_integral_fill(const uint8_t *gray, int width, int height, int stride,
                               uint32_t *ii);

/* The integral image, allocated (the caller frees it), or NULL. */
uint32_t *recog_label_integral(const uint8_t *gray, int width, int height, int stride);

/* recog_binarize() with the integral image ii already made. */
void recog_label_threshold(const uint8_t *gray, int width, int height, int stride,
                           const uint32_t *ii, int win, int t, int dark_ink, uint8_t *mask);

/* ---- Labelling ------------------------------------------------------------------------------ */

/* Union-find over parent[]: the root of a; joining a's and b's sets (the smaller root wins). */
int recog_label_uf_find(int *parent, int a);
void recog_label_uf_union(int *parent, int a, int b);

/* Most runs of ink a width x height mask can hold (sizes the scratch of recog_label_scratch()). */
size_t recog_label_runs_cap(int width, int height);

/* One row of a mask as bits (bit x: m[x] >= lev, lev 1..128); returns the number of words. */
int recog_label_row_bits(const uint8_t *m, int width, int lev, uint64_t *bits);

/*
 * recog_label() with caller scratch (runs: 3 * recog_label_runs_cap() ints, parent: 2 *) and
 * ink where mask >= lev (1..128), width at most LABEL_MAX_W.
 */
void recog_label_scratch(const uint8_t *mask, int width, int height, int lev, int *runs,
                         int *parent, struct recog_comp *comps, size_t max, size_t *n);

#endif
