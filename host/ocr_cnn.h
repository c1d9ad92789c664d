/*
 * ocr_cnn: the convolutional kind of character classifier (OCR_KIND_CNN of host/ocr.h), its
 * model file and its float trainer's building blocks.
 *
 * The network reads ocr_features()'s vector: the 16x24 grid (values 0..1, ink bright) and the
 * last `nextra` features (0: none, 1: the aspect ratio, OCR_NHOG + 1: the gradient histograms
 * and the aspect ratio):
 *
 *   grid 24x16x1 -> conv 3x3 (c1 filters, zero padding) -> ReLU -> 2x2 max-pool -> 12x8xc1
 *                -> conv 3x3 (c2 filters)                -> ReLU -> 2x2 max-pool -> 6x4xc2
 *   [6x4xc2 flattened, the extra features standardized] -> dense nhid ReLU -> dense 37 softmax
 *
 * Inference is in integers as the perceptron's: int8 weights with one float scale per output
 * channel or unit, activations as int16 (each layer's input scaled so its largest value is
 * 4096; the standardized extra features in 1/64 steps), exact int32 sums (SSE2/AVX2 or plain
 * C, bit-identical; -DOCR_PORTABLE builds only the plain C), then float scale, bias, ReLU.
 * Pooling is done on the int32 sums (the scale is positive, so max and ReLU commute with it).
 * The convolutions compute the output channels side by side (8 per AVX2 step, 4 per SSE2 step,
 * one pair of inputs per multiply-add), which spares the horizontal additions that a dot product
 * per output value costs; the dense layers use ocr_dot_rows_i8_i16(), as the perceptron.
 *
 * Model file, version 1 (little-endian, as written by the host): "ALPRCNN1"; int32 c1, c2,
 * nhid, nextra, nout; float32 mean[nextra], inv_std[nextra], sc1[c1], bc1[c1], sc2[c2],
 * bc2[c2], sf1[nhid], bf1[nhid], sf2[nout], bf2[nout]; int8 wc1[c1][k1], wc2[c2][k2],
 * wf1[nhid][kf], wf1e[nhid][ke], wf2[nout][nhid], rows zero-padded to the lengths k* below. A
 * later layout gets a new version digit; this build reads version 1 only.
 *
 * Ownership: a network inside a model from ocr_model_load() or ocr_cnn_quantize() belongs to
 * that model (ocr_model_free() releases both). A struct ocr_cnn_float is the caller's and is
 * released with ocr_cnn_float_free().
 */
#ifndef OCR_CNN_H
#define OCR_CNN_H

#include "ocr.h"

#include <stdint.h>
#include <stdio.h>

#define OCR_CNN_MAGIC      "ALPRCNN" /* then the format version, one digit */
#define OCR_CNN_VERSION    '1'
#define OCR_CNN_MAX_C1     32
#define OCR_CNN_MAX_C2     64
#define OCR_CNN_MAX_HIDDEN 256
#define OCR_CNN_MAX_EXTRA  (OCR_NHOG + 1)
#define OCR_CNN_POOL_W     (OCR_GRID_W / 4) /* the second pooling's output: 4 x 6 */
#define OCR_CNN_POOL_H     (OCR_GRID_H / 4)
#define OCR_CNN_ROW(n)     (((n) + 15) / 16 * 16) /* padded row length of n weights */

/*
 * The quantized network. Row lengths: k1 = OCR_CNN_ROW(9) (taps ky * 3 + kx),
 * k2 = OCR_CNN_ROW(9 * c1) (index (ky * 3 + kx) * c1 + input channel), kf = OCR_CNN_ROW(nflat)
 * with nflat = 24 * c2 (index (y * 4 + x) * c2 + channel), ke = OCR_CNN_ROW(nextra).
 */
struct ocr_cnn {
    int c1, c2, nhid, nextra, nout; /* c1, c2, nhid multiples of 4; nout == OCR_NCLASS */
    int k1, k2, kf, ke;
    const float *mean, *inv_std; /* nextra: standardization of the extra features */
    const int8_t *wc1;           /* c1 x k1 */
    const float *sc1, *bc1;      /* c1 */
    const int8_t *wc2;           /* c2 x k2 */
    const float *sc2, *bc2;      /* c2 */
    const int8_t *wf1, *wf1e;    /* nhid x kf (pooled maps), nhid x ke (extra features) */
    const float *sf1, *bf1;      /* nhid */
    const int8_t *wf2;           /* nout x nhid */
    const float *sf2, *bf2;      /* nout (bf2 includes the class prior shifts) */
    /* The convolutions' weights again, as the convolution kernel reads them (filled from wc1
       and wc2 when the model is made): int16 pairs of taps (2p, 2p + 1), channels side by
       side: pc[(p * cout + c) * 2 + 0 or 1], p < (taps + 1) / 2. Not in the file. */
    const int16_t *pc1, *pc2;
};

/* ---- Inference and files (used by host/ocr.c) -------------------------------------------- */

/* Scores a feature vector of ocr_features(): OCR_NCLASS probabilities summing to 1. */
void ocr_cnn_classify(const struct ocr_cnn *n, const float feat[OCR_NFEAT], float prob[OCR_NCLASS]);

/*
 * Reads the rest of a network model file whose first 8 bytes (magic) were read from f, into a
 * new model *out (kind OCR_KIND_CNN, one allocation). Returns 0, OCR_ERR_FORMAT (another
 * version, unsupported sizes, truncated, trailing bytes, non-zero padding, non-finite values or
 * scales <= 0) or OCR_ERR_NOMEM. Does not close f.
 */
int ocr_cnn_load(FILE *f, const char magic[8], struct ocr_model **out)
    __attribute__((warn_unused_result));

/* Writes the network to path (format version 1). Returns 0 or OCR_ERR_OPEN. */
int ocr_cnn_save(const char *path, const struct ocr_cnn *n) __attribute__((warn_unused_result));

/*
 * Writes the network as C source for host/ocr_model.inc (comment as its header):
 * OCR_DEFAULT_KIND (OCR_KIND_CNN), the arrays (the pair-arranged pc1/pc2 included, so the
 * compiled-in model needs nothing at run time) and `static const struct ocr_cnn
 * ocr_default_cnn`, which host/ocr.c makes its default model.
 */
void ocr_cnn_write_c(FILE *f, const struct ocr_cnn *n, const char *comment);

/* ---- Float training (host/train/cnn_train.c, tests) -------------------------------------- */

/* The same network in float, weights unpadded, for training. */
struct ocr_cnn_float {
    int c1, c2, nhid, nextra;
    float *mean, *inv_std; /* nextra */
    float *wc1, *bc1;      /* c1 x 9 */
    float *wc2, *bc2;      /* c2 x (9 * c1) */
    float *wf1, *bf1;      /* nhid x (24 * c2 + nextra) */
    float *wf2, *bf2;      /* OCR_NCLASS x nhid */
    float *work;           /* activations and gradients of one sample */
    float dropout;         /* share of the dense units dropped per training step (0: none) */
    uint64_t rng;          /* splitmix64 state drawing the dropped units */
};

/*
 * Allocates a network with He-initialized weights drawn from *rng (a splitmix64 state,
 * advanced), zero biases, mean 0 and inv_std 1 (the caller sets them from its data).
 * Returns 0, OCR_ERR_INVALID (sizes outside the limits above) or OCR_ERR_NOMEM.
 */
int ocr_cnn_float_init(struct ocr_cnn_float *n, int c1, int c2, int nhid, int nextra, uint64_t *rng)
    __attribute__((warn_unused_result));

/* Frees what ocr_cnn_float_init() allocated; accepts a zeroed struct. */
void ocr_cnn_float_free(struct ocr_cnn_float *n);

/*
 * Forward pass in float: OCR_NCLASS probabilities. When label >= 0, also one step of
 * stochastic gradient descent on the cross-entropy of that label (learning rate lr, L2 weight
 * decay wd), with n->dropout of the dense layer's units dropped (drawn from n->rng, the others
 * scaled up to keep the sums' expectation, so inference needs no change); the probabilities are
 * then those of the thinned network. Returns the sample's loss (-log prob[label]), or 0
 * without a label.
 */
float ocr_cnn_float_step(struct ocr_cnn_float *n, const float feat[OCR_NFEAT], int label, float lr,
                         float wd, float prob[OCR_NCLASS]);

/*
 * Quantizes the trained network to a new model *out (kind OCR_KIND_CNN, one allocation;
 * per-channel scales max|w| / 127), adding shift[c] (may be NULL) to the output biases.
 * Returns 0 or OCR_ERR_NOMEM.
 */
int ocr_cnn_quantize(const struct ocr_cnn_float *n, const float *shift, struct ocr_model **out)
    __attribute__((warn_unused_result));

#endif
