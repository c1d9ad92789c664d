/*
 * mlp: trains the one-hidden-layer perceptron of host/ocr.h (ReLU, softmax over OCR_NCLASS)
 * on standardised features by plain SGD, and quantizes it to the int8 model ocr.c runs.
 *
 * Ownership: mlp_init() allocates the network's arrays, mlp_free() releases them;
 * mlp_quantize() fills a struct ocr_model whose arrays live in *buf (mlp_quant_free()) and in
 * the network (mean, inv_std: keep the network until the model is written).
 */
#ifndef MLP_H
#define MLP_H

#include "harvest.h"
#include "ocr.h"
#include "train.h"

struct mlp {
    int nin, nhid, nout;
    float *mean, *inv_std, *w1, *b1, *w2, *b2;
};

/* A network of nhid hidden units, He-initialised from r, standardised on s's features. */
void mlp_init(struct mlp *m, int nhid, const struct train_samples *s, struct train_rng *rng);

/* epochs of SGD over s in an order shuffled from r (learning rate 0.011 falling to 0.001). */
void mlp_train(struct mlp *m, const struct train_samples *s, int epochs, struct train_rng *rng);

void mlp_quantize(const struct mlp *m, struct ocr_model *q, void **buf);
void mlp_quant_free(void *buf);
void mlp_free(struct mlp *m);

/*
 * The class prior shifts log(pi(c) / q(c)) into shift (0 for the non-character class, and for
 * every class when ncrops is 0): pi the smoothed frequency of c in the plates' truth, q its
 * share of s. A bar is a '1' far more often than an 'I' on plates; the balanced training set
 * does not say so.
 */
void mlp_prior_shifts(const struct train_samples *s, const struct harvest_image *crops, int ncrops,
                      float shift[OCR_NCLASS]);

/* Adds mlp_prior_shifts() to the output biases of the character classes. */
void mlp_apply_priors(struct mlp *m, const struct train_samples *s,
                      const struct harvest_image *crops, int ncrops);

#endif
