/*
 * ocr_test_mlp: a perceptron model with random weights, for the tests of the perceptron's code
 * paths (the compiled-in classifier is the convolutional network). Header-only: each test
 * program that includes it gets its own copy; the arrays are the caller's struct.
 */
#ifndef OCR_TEST_MLP_H
#define OCR_TEST_MLP_H

#include "ocr.h"

#include <stdint.h>

#define OCR_TEST_MLP_HIDDEN 96

struct ocr_test_mlp {
    struct ocr_model model;
    float mean[OCR_NFEAT], inv_std[OCR_NFEAT], s1[OCR_TEST_MLP_HIDDEN], b1[OCR_TEST_MLP_HIDDEN];
    float s2[OCR_NCLASS], b2[OCR_NCLASS];
    int8_t w1[OCR_TEST_MLP_HIDDEN * OCR_NFEAT], w2[OCR_NCLASS * OCR_TEST_MLP_HIDDEN];
};

/* Fills t with a perceptron drawn from seed (the same seed, the same weights). */
static inline void ocr_test_mlp_init(struct ocr_test_mlp *t, uint64_t seed)
{
#define OCR_TEST_MLP_NEXT()                                                                        \
    (seed = seed * 6364136223846793005ULL + 1442695040888963407ULL, seed >> 33)
    for (int i = 0; i < OCR_NFEAT; i++) {
        t->mean[i] = (float)(OCR_TEST_MLP_NEXT() % 1000) / 2000.0f;
        t->inv_std[i] = 0.5f + (float)(OCR_TEST_MLP_NEXT() % 1000) / 500.0f;
    }
    for (int i = 0; i < OCR_TEST_MLP_HIDDEN * OCR_NFEAT; i++)
        t->w1[i] = (int8_t)((int)(OCR_TEST_MLP_NEXT() % 255) - 127);
    for (int j = 0; j < OCR_TEST_MLP_HIDDEN; j++) {
        t->s1[j] = 1e-3f * (float)(1 + OCR_TEST_MLP_NEXT() % 100) / 100.0f;
        t->b1[j] = (float)((int)(OCR_TEST_MLP_NEXT() % 200) - 100) / 100.0f;
    }
    for (int i = 0; i < OCR_NCLASS * OCR_TEST_MLP_HIDDEN; i++)
        t->w2[i] = (int8_t)((int)(OCR_TEST_MLP_NEXT() % 255) - 127);
    for (int k = 0; k < OCR_NCLASS; k++) {
        t->s2[k] = 1e-2f * (float)(1 + OCR_TEST_MLP_NEXT() % 100) / 100.0f;
        t->b2[k] = (float)((int)(OCR_TEST_MLP_NEXT() % 200) - 100) / 100.0f;
    }
#undef OCR_TEST_MLP_NEXT
    t->model = (struct ocr_model){.kind = OCR_KIND_MLP,
                                  .nin = OCR_NFEAT,
                                  .nhid = OCR_TEST_MLP_HIDDEN,
                                  .nout = OCR_NCLASS,
                                  .mean = t->mean,
                                  .inv_std = t->inv_std,
                                  .w1 = t->w1,
                                  .s1 = t->s1,
                                  .b1 = t->b1,
                                  .w2 = t->w2,
                                  .s2 = t->s2,
                                  .b2 = t->b2};
}

#endif
