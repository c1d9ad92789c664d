/* mlp: the classifier's training (mlp.h). */
#include "mlp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mlp_init(struct mlp *m, int nhid, const struct train_samples *s, struct train_rng *rng)
{
    size_t count[OCR_NCLASS] = {0};
    for (size_t k = 0; k < s->n; k++)
        count[s->y[k]]++;
    fprintf(stderr, "ocr_train: samples per class:");
    for (int c = 0; c < OCR_NCLASS; c++)
        fprintf(stderr, " %c:%zu", ocr_class_char(c), count[c]);
    fprintf(stderr, "\n");
    m->nin = OCR_NFEAT;
    m->nhid = nhid;
    m->nout = OCR_NCLASS;
    m->mean = calloc(OCR_NFEAT, sizeof(float));
    m->inv_std = calloc(OCR_NFEAT, sizeof(float));
    m->w1 = malloc(sizeof(float) * (size_t)nhid * OCR_NFEAT);
    m->b1 = calloc((size_t)nhid, sizeof(float));
    m->w2 = malloc(sizeof(float) * (size_t)OCR_NCLASS * nhid);
    m->b2 = calloc(OCR_NCLASS, sizeof(float));
    if (!m->mean || !m->inv_std || !m->w1 || !m->b1 || !m->w2 || !m->b2)
        exit(1);
    for (int i = 0; i < OCR_NFEAT; i++) {
        double sum = 0, sq = 0;
        for (size_t k = 0; k < s->n; k++) {
            double v = s->x[k * OCR_NFEAT + i];
            sum += v;
            sq += v * v;
        }
        sum /= (double)s->n;
        sq = sq / (double)s->n - sum * sum;
        m->mean[i] = (float)sum;
        m->inv_std[i] = (float)(1.0 / sqrt(sq + 1e-4));
    }
    for (int i = 0; i < nhid * OCR_NFEAT; i++)
        m->w1[i] = (float)(train_rng_gauss(rng) * sqrt(2.0 / OCR_NFEAT));
    for (int i = 0; i < OCR_NCLASS * nhid; i++)
        m->w2[i] = (float)(train_rng_gauss(rng) * sqrt(1.0 / nhid));
}

void mlp_train(struct mlp *m, const struct train_samples *s, int epochs, struct train_rng *rng)
{
    size_t *order = malloc(sizeof(size_t) * s->n);
    float x[OCR_NFEAT], h[OCR_MAX_HIDDEN], o[OCR_NCLASS], dh[OCR_MAX_HIDDEN];
    if (!order)
        exit(1);
    for (size_t i = 0; i < s->n; i++)
        order[i] = i;
    for (int ep = 0; ep < epochs; ep++) {
        float lr = 0.01f * (1.0f - (float)ep / (float)epochs) + 0.001f;
        double loss = 0;
        size_t errs = 0;
        for (size_t i = s->n - 1; i > 0; i--) {
            size_t j = train_rng_next(rng) % (i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        for (size_t k = 0; k < s->n; k++) {
            const float *f = s->x + order[k] * OCR_NFEAT;
            int y = s->y[order[k]], arg = 0;
            float mx = -1e30f, sum = 0;
            for (int i = 0; i < OCR_NFEAT; i++)
                x[i] = (f[i] - m->mean[i]) * m->inv_std[i];
            for (int j = 0; j < m->nhid; j++) {
                const float *w = m->w1 + (size_t)j * OCR_NFEAT;
                float a = m->b1[j];
                for (int i = 0; i < OCR_NFEAT; i++)
                    a += w[i] * x[i];
                h[j] = a > 0 ? a : 0;
            }
            for (int c = 0; c < OCR_NCLASS; c++) {
                const float *w = m->w2 + (size_t)c * m->nhid;
                float a = m->b2[c];
                for (int j = 0; j < m->nhid; j++)
                    a += w[j] * h[j];
                o[c] = a;
                if (a > mx) {
                    mx = a;
                    arg = c;
                }
            }
            for (int c = 0; c < OCR_NCLASS; c++) {
                o[c] = expf(o[c] - mx);
                sum += o[c];
            }
            for (int c = 0; c < OCR_NCLASS; c++)
                o[c] /= sum;
            loss -= log(o[y] + 1e-9);
            errs += arg != y;
            o[y] -= 1; /* dL/dlogits */
            for (int j = 0; j < m->nhid; j++)
                dh[j] = 0;
            for (int c = 0; c < OCR_NCLASS; c++) {
                float *w = m->w2 + (size_t)c * m->nhid, g = o[c];
                for (int j = 0; j < m->nhid; j++) {
                    dh[j] += g * w[j];
                    w[j] -= lr * (g * h[j] + 1e-5f * w[j]);
                }
                m->b2[c] -= lr * g;
            }
            for (int j = 0; j < m->nhid; j++) {
                float g = h[j] > 0 ? dh[j] : 0, *w;
                if (g == 0)
                    continue;
                w = m->w1 + (size_t)j * OCR_NFEAT;
                for (int i = 0; i < OCR_NFEAT; i++)
                    w[i] -= lr * g * x[i];
                m->b1[j] -= lr * g;
            }
        }
        fprintf(stderr, "ocr_train: epoch %d loss %.4f train error %.2f%%\n", ep + 1,
                loss / (double)s->n, 100.0 * (double)errs / (double)s->n);
    }
    free(order);
}

/* Quantizes to the int8 model of ocr.h; storage in *buf (caller frees). */
void mlp_quantize(const struct mlp *m, struct ocr_model *q, void **buf)
{
    size_t nf = (size_t)m->nhid * 2 + OCR_NCLASS * 2;
    float *fl = malloc(sizeof(float) * nf);
    int8_t *w1 = malloc((size_t)m->nhid * OCR_NFEAT), *w2 = malloc((size_t)OCR_NCLASS * m->nhid);
    void **keep = malloc(sizeof(void *) * 3);
    if (!fl || !w1 || !w2 || !keep)
        exit(1);
    float *s1 = fl, *b1 = fl + m->nhid, *s2 = fl + 2 * m->nhid, *b2 = s2 + OCR_NCLASS;
    for (int j = 0; j < m->nhid; j++) {
        float mx = 1e-9f;
        for (int i = 0; i < OCR_NFEAT; i++)
            mx = fmaxf(mx, fabsf(m->w1[(size_t)j * OCR_NFEAT + i]));
        s1[j] = mx / 127;
        b1[j] = m->b1[j];
        for (int i = 0; i < OCR_NFEAT; i++)
            w1[(size_t)j * OCR_NFEAT + i] =
                (int8_t)lrintf(m->w1[(size_t)j * OCR_NFEAT + i] / s1[j]);
    }
    for (int c = 0; c < OCR_NCLASS; c++) {
        float mx = 1e-9f;
        for (int j = 0; j < m->nhid; j++)
            mx = fmaxf(mx, fabsf(m->w2[(size_t)c * m->nhid + j]));
        s2[c] = mx / 127;
        b2[c] = m->b2[c];
        for (int j = 0; j < m->nhid; j++)
            w2[(size_t)c * m->nhid + j] = (int8_t)lrintf(m->w2[(size_t)c * m->nhid + j] / s2[c]);
    }
    q->nin = OCR_NFEAT;
    q->nhid = m->nhid;
    q->nout = OCR_NCLASS;
    q->mean = m->mean;
    q->inv_std = m->inv_std;
    q->w1 = w1;
    q->s1 = s1;
    q->b1 = b1;
    q->w2 = w2;
    q->s2 = s2;
    q->b2 = b2;
    q->owned = NULL;
    keep[0] = fl;
    keep[1] = w1;
    keep[2] = w2;
    *buf = keep;
}

void mlp_quant_free(void *buf)
{
    void **k = buf;
    if (!k)
        return;
    free(k[0]);
    free(k[1]);
    free(k[2]);
    free(k);
}

void mlp_free(struct mlp *m)
{
    free(m->mean);
    free(m->inv_std);
    free(m->w1);
    free(m->b1);
    free(m->w2);
    free(m->b2);
}

/*
 * Class priors: shifts the output biases of the character classes by log(pi(c) / q(c)), pi the
 * (smoothed) frequency of c in the harvested crops' truth and q its share of the training
 * samples, so that the classifier's output follows the plates' letter/digit frequencies (a bar
 * is a '1' far more often than an 'I' on plates) instead of the balanced training set.
 */
void mlp_prior_shifts(const struct train_samples *s, const struct harvest_image *crops, int ncrops,
                      float shift[OCR_NCLASS])
{
    double pi[OCR_NCLASS] = {0}, q[OCR_NCLASS] = {0}, npi = 0, nq = 0;
    for (int c = 0; c < OCR_NCLASS; c++)
        shift[c] = 0;
    if (ncrops <= 0)
        return;
    for (int i = 0; i < ncrops; i++)
        for (const char *p = crops[i].text; *p; p++)
            if (ocr_char_class(*p) >= 0) {
                pi[ocr_char_class(*p)] += 1;
                npi += 1;
            }
    for (size_t k = 0; k < s->n; k++)
        if (s->y[k] != OCR_NONCHAR) {
            q[s->y[k]] += 1;
            nq += 1;
        }
    for (int c = 0; c < OCR_NONCHAR; c++) {
        double a = (pi[c] + 3) / (npi + 3 * OCR_NONCHAR), b = (q[c] + 1) / (nq + OCR_NONCHAR);
        shift[c] = (float)log(a / b);
    }
}

void mlp_apply_priors(struct mlp *m, const struct train_samples *s,
                      const struct harvest_image *crops, int ncrops)
{
    float shift[OCR_NCLASS];
    mlp_prior_shifts(s, crops, ncrops, shift);
    for (int c = 0; c < OCR_NCLASS; c++)
        m->b2[c] += shift[c];
}
