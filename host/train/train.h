/*
 * train: what the pieces of the OCR trainer (ocr_train, synth, harvest, mlp) share - a
 * deterministic PRNG (splitmix64) and the store of labelled feature vectors.
 *
 * Ownership: a struct train_samples owns its arrays; train_samples_free() releases them. Out of
 * memory ends the program (exit 1): the trainer is a batch program with nothing to recover.
 */
#ifndef TRAIN_H
#define TRAIN_H

#include "ocr.h"

#include <stddef.h>
#include <stdint.h>

/* ---- PRNG ---------------------------------------------------------------------------------- */

/* splitmix64; the same state gives the same sequence on every machine. */
struct train_rng {
    uint64_t state;
};

uint64_t train_rng_next(struct train_rng *rng);
/* Uniform in [a, b). */
double train_rng_uniform(struct train_rng *rng, double a, double b);
/* Uniform in 0..n-1 (n > 0). */
int train_rng_int(struct train_rng *rng, int n);
/* Standard normal (Box-Muller). */
double train_rng_gauss(struct train_rng *rng);

/* ---- Samples ------------------------------------------------------------------------------- */

struct train_samples {
    float *x; /* n x OCR_NFEAT */
    uint8_t *y;
    size_t n, cap;
};

/* Appends one feature vector (OCR_NFEAT floats) with class cls. */
void train_samples_add(struct train_samples *s, const float *feat, int cls);

/*
 * Appends the features (ocr_features) of the box x0..x1, y0..y1 (inclusive) of the gray image
 * g (w x h, stride bytes per row) with ink polarity dark and class cls; a box ocr_features
 * rejects is skipped.
 */
void train_samples_add_box(struct train_samples *s, const uint8_t *g, int w, int h, int stride,
                           int x0, int y0, int x1, int y1, int dark, int cls);

/* A copy of src (exact capacity src->n). */
void train_samples_copy(struct train_samples *dst, const struct train_samples *src);

void train_samples_free(struct train_samples *s);

/*
 * The sample file, how ocr_train hands its training set to other trainers (cnn_train):
 * "OCRSAMP1", then as little-endian uint32 the feature count, the class count and the sample
 * count, the class prior shifts (float32 x classes), the labels (uint8 x samples) and the
 * features (float32, samples x features, row-major).
 */
#define TRAIN_SAMPLES_MAX 4000000u /* the most samples a file may ask a reader to allocate */

enum train_file_error {
    TRAIN_FILE_OPEN = -1,    /* cannot open, or a write failed */
    TRAIN_FILE_FORMAT = -2,  /* not a sample file of this build (magic, sizes, count) */
    TRAIN_FILE_CORRUPT = -3, /* truncated, trailing bytes, a label or a feature out of range */
    TRAIN_FILE_NOMEM = -4,
};

/* Writes s and the prior shifts to path. Returns 0 or TRAIN_FILE_OPEN. */
int train_samples_save(const char *path, const struct train_samples *s,
                       const float shift[OCR_NCLASS]) __attribute__((warn_unused_result));

/* Reads a sample file into *s (empty on entry; the caller frees it with train_samples_free()
   either way) and shift. Returns 0 or a TRAIN_FILE_* error. */
int train_samples_load(const char *path, struct train_samples *s, float shift[OCR_NCLASS])
    __attribute__((warn_unused_result));

/* ---- Degradations ------------------------------------------------------------------------- */

/*
 * Compresses the gray image img (w x h, stride w) as JPEG at the given quality (1..100) and
 * decodes it in place: the blocks and ringing of a compressed camera stream. On a codec
 * failure img is left as it was.
 */
void train_jpeg_roundtrip(uint8_t *img, int w, int h, int quality);

#endif
