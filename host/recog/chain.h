/*
 * recog/chain: over a region's classified pool (sorted left to right), the chain of
 * characters - the best left-to-right line by summed confidence - its repairs, and the plate
 * made of it (text, confidences, alternative readings, letter/digit context, patterns).
 * Chains are arrays of pool indices, at most RECOG_MAX_CHARS.
 */
#ifndef RECOG_CHAIN_H
#define RECOG_CHAIN_H

#include <stddef.h>

#include "recog/internal.h"

/* Best chain over the sorted pool: writes it to chain, returns its length, *score its score. */
int recog_chain_best(const struct item *pool, size_t n, int *chain, float *score);

/* ---- Repairs -------------------------------------------------------------------------------- */

/* Adds the pieces of candidates that look like touching characters to the pool. */
void recog_chain_split_touching(struct region_ctx *rc, const int *chain, int n);

/* Inserts doubted characters where the line's rhythm expects one; returns the new length. */
int recog_chain_rescue_gaps(const struct item *pool, size_t npool, int *chain, int n);

/* Top and bottom the line through the chain (but chain[skip]) expects at column x. */
void recog_chain_line_fit(const struct item *pool, const int *chain, int n, int skip, float x,
                          float *ey0, float *ey1);

/* Replaces an end character joined to a graphic by its box clipped to the line. */
void recog_chain_refit_ends(struct region_ctx *rc, int *chain, int n);

/* Drops end characters that break the line's rhythm; returns the new length. */
int recog_chain_trim(const struct item *pool, int *chain, int n);

/* ---- The plate ------------------------------------------------------------------------------ */

/* Fills *p from the chain (n >= 1) with score score. */
void recog_chain_make_plate(const struct recog_config *cfg, const struct item *pool,
                            const int *chain, int n, float score, struct recog_plate *p);

#endif
