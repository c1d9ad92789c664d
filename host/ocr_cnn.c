/* ocr_cnn: the convolutional character classifier, its model file and float training. */
#include "ocr_cnn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__) && !defined(OCR_PORTABLE)
#include <immintrin.h>
#endif

#define GW    OCR_GRID_W
#define GH    OCR_GRID_H
#define P1W   (GW / 2) /* after the first pooling: 8 x 12 */
#define P1H   (GH / 2)
#define P2W   OCR_CNN_POOL_W
#define P2H   OCR_CNN_POOL_H
#define NPOS2 (P2W * P2H)
#define ASTEP 4096.0f /* each layer's largest input maps to this int16 value */

/* ---- Layout of a quantized model (one allocation) ----------------------------------------- */

static size_t cnn_floats(int c1, int c2, int nhid, int nextra, int nout)
{
    return 2 * (size_t)nextra + 2 * (size_t)c1 + 2 * (size_t)c2 + 2 * (size_t)nhid +
           2 * (size_t)nout;
}

static void cnn_rows(struct ocr_cnn *n)
{
    n->k1 = OCR_CNN_ROW(9);
    n->k2 = OCR_CNN_ROW(9 * n->c1);
    n->kf = OCR_CNN_ROW(NPOS2 * n->c2);
    n->ke = OCR_CNN_ROW(n->nextra);
}

static size_t cnn_bytes(const struct ocr_cnn *n)
{
    return (size_t)n->c1 * n->k1 + (size_t)n->c2 * n->k2 + (size_t)n->nhid * n->kf +
           (size_t)n->nhid * n->ke + (size_t)n->nout * n->nhid;
}

static int cnn_sizes_ok(int c1, int c2, int nhid, int nextra, int nout)
{
    return c1 >= 4 && c1 <= OCR_CNN_MAX_C1 && c1 % 4 == 0 && c2 >= 4 && c2 <= OCR_CNN_MAX_C2 &&
           c2 % 4 == 0 && nhid >= 4 && nhid <= OCR_CNN_MAX_HIDDEN && nhid % 4 == 0 && nextra >= 0 &&
           nextra <= OCR_CNN_MAX_EXTRA && nout == OCR_NCLASS;
}

/*
 * Allocates a model with its network and arrays (uninitialized) for these sizes (checked by
 * the caller) and points the network's arrays into it. *fl and *by are the float and byte
 * areas in file order. Returns NULL when out of memory.
 */
static struct ocr_model *cnn_alloc(int c1, int c2, int nhid, int nextra, int nout, float **fl,
                                   int8_t **by)
{
    struct ocr_cnn tmp = {.c1 = c1, .c2 = c2, .nhid = nhid, .nextra = nextra, .nout = nout};
    size_t nf, nb, np, head = (sizeof(struct ocr_model) + sizeof(struct ocr_cnn) + 15) / 16 * 16;
    struct ocr_model *m;
    struct ocr_cnn *n;
    float *f;
    int8_t *b;
    cnn_rows(&tmp);
    nf = cnn_floats(c1, c2, nhid, nextra, nout);
    nb = cnn_bytes(&tmp);
    np = (size_t)2 * (9 * (size_t)c1 + 9 * (size_t)c1 / 2 * c2); /* pc1, pc2 */
    m = malloc(head + np * sizeof(int16_t) + nf * sizeof(float) + nb);
    if (!m)
        return NULL;
    memset(m, 0, sizeof *m);
    n = (struct ocr_cnn *)(m + 1);
    *n = tmp;
    n->pc1 = (int16_t *)(void *)((char *)m + head);
    n->pc2 = n->pc1 + (size_t)2 * 9 * c1;
    f = (float *)(void *)((char *)m + head + np * sizeof(int16_t));
    b = (int8_t *)(f + nf);
    *fl = f;
    *by = b;
    n->mean = f;
    n->inv_std = f + nextra;
    f += 2 * nextra;
    n->sc1 = f;
    n->bc1 = f + c1;
    f += 2 * c1;
    n->sc2 = f;
    n->bc2 = f + c2;
    f += 2 * c2;
    n->sf1 = f;
    n->bf1 = f + nhid;
    f += 2 * nhid;
    n->sf2 = f;
    n->bf2 = f + nout;
    n->wc1 = b;
    b += (size_t)c1 * n->k1;
    n->wc2 = b;
    b += (size_t)c2 * n->k2;
    n->wf1 = b;
    b += (size_t)nhid * n->kf;
    n->wf1e = b;
    b += (size_t)nhid * n->ke;
    n->wf2 = b;
    m->kind = OCR_KIND_CNN;
    m->nout = nout;
    m->cnn = n;
    m->owned = m;
    return m;
}

/*
 * Fills pc (see struct ocr_cnn) from cout rows of row bytes: cin input channels per tap, 9
 * taps. A single input channel is paired with a zero (the map then holds (value, 0) pairs), so
 * that a pair never straddles two taps.
 */
static void make_pairs(const int8_t *w, int cout, int row, int cin, int16_t *pc)
{
    int npairs = cin == 1 ? 9 : 9 * cin / 2;
    for (int p = 0; p < npairs; p++)
        for (int c = 0; c < cout; c++)
            for (int k = 0; k < 2; k++)
                pc[((size_t)p * cout + c) * 2 + k] = cin == 1
                                                         ? (k == 0 ? w[(size_t)c * row + p] : 0)
                                                         : w[(size_t)c * row + 2 * p + k];
}

/* Fills the network's pc1 and pc2 from wc1 and wc2. */
static void cnn_make_pairs(struct ocr_cnn *n)
{
    make_pairs(n->wc1, n->c1, n->k1, 1, (int16_t *)n->pc1);
    make_pairs(n->wc2, n->c2, n->k2, n->c1, (int16_t *)n->pc2);
}

/* ---- Inference ----------------------------------------------------------------------------- */

/*
 * A 3x3 convolution over a zero-padded map of (h + 2) x (w + 2) positions, each holding
 * `pairs` int32 values (two int16 input channels each, the first in the low half): for every
 * position and output channel c < cout, out[(y * w + x) * cout + c] = the sum over the taps and
 * input channels of weight times input, the weights as pairs pc (see struct ocr_cnn). Exact
 * integer sums: every version gives the same result.
 */
static void conv3x3(const int16_t *pc, const int32_t *in, int h, int w, int pairs, int cout,
                    int32_t *out)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int32_t *o = out + (y * w + x) * cout;
            for (int c = 0; c < cout; c++)
                o[c] = 0;
            for (int t = 0; t < 9; t++) {
                const int32_t *src = in + ((y + t / 3) * (w + 2) + x + t % 3) * pairs;
                for (int q = 0; q < pairs; q++) {
                    const int16_t *wp = pc + ((size_t)(t * pairs + q) * cout) * 2;
                    int16_t lo = (int16_t)(src[q] & 0xffff), hi = (int16_t)(src[q] >> 16);
                    for (int c = 0; c < cout; c++)
                        o[c] += wp[2 * c] * lo + wp[2 * c + 1] * hi;
                }
            }
        }
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(OCR_PORTABLE)
/* conv3x3() with SSE2 (cout a multiple of 4): each input pair broadcast and multiplied-added
   (pmaddwd) with 4 channels' weight pairs. */
static void conv3x3_sse2(const int16_t *pc, const int32_t *in, int h, int w, int pairs, int cout,
                         int32_t *out)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < cout; c += 4) {
                __m128i acc = _mm_setzero_si128();
                for (int t = 0; t < 9; t++) {
                    const int32_t *src = in + ((y + t / 3) * (w + 2) + x + t % 3) * pairs;
                    const int16_t *wp = pc + ((size_t)t * pairs * cout + c) * 2;
                    for (int q = 0; q < pairs; q++)
                        acc = _mm_add_epi32(
                            acc, _mm_madd_epi16(
                                     _mm_loadu_si128((
                                         const __m128i *)(const void *)(wp + (size_t)q * cout * 2)),
                                     _mm_set1_epi32(src[q])));
                }
                _mm_storeu_si128((__m128i *)(void *)(out + (y * w + x) * cout + c), acc);
            }
}

/*
 * The same with AVX2, 8 channels at once (cout a multiple of 8; else the SSE2 version). The
 * taps' offsets are computed once; a single input pair per position (the first layer) keeps
 * its 9 weight vectors in registers.
 */
__attribute__((target("avx2"))) static void
conv3x3_avx2(const int16_t *pc, const int32_t *in, int h, int w, int pairs, int cout, int32_t *out)
{
    int offs[9];
    if (cout % 8 != 0) {
        conv3x3_sse2(pc, in, h, w, pairs, cout, out);
        return;
    }
    for (int t = 0; t < 9; t++)
        offs[t] = ((t / 3) * (w + 2) + t % 3) * pairs;
    if (pairs == 1) {
        for (int c = 0; c < cout; c += 8) {
            __m256i wt[9];
            for (int t = 0; t < 9; t++)
                wt[t] = _mm256_loadu_si256(
                    (const __m256i *)(const void *)(pc + ((size_t)t * cout + c) * 2));
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    const int32_t *base = in + y * (w + 2) + x;
                    __m256i acc = _mm256_madd_epi16(wt[0], _mm256_set1_epi32(base[offs[0]]));
                    for (int t = 1; t < 9; t++)
                        acc = _mm256_add_epi32(
                            acc, _mm256_madd_epi16(wt[t], _mm256_set1_epi32(base[offs[t]])));
                    _mm256_storeu_si256((__m256i *)(void *)(out + (y * w + x) * cout + c), acc);
                }
        }
        return;
    }
    if (cout % 16 == 0) { /* two blocks of 8 channels sharing each broadcast */
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                const int32_t *base = in + (y * (w + 2) + x) * pairs;
                for (int c = 0; c < cout; c += 16) {
                    const int16_t *wp = pc + (size_t)c * 2;
                    __m256i acc0 = _mm256_setzero_si256(), acc1 = _mm256_setzero_si256();
                    for (int t = 0; t < 9; t++) {
                        const int32_t *src = base + offs[t];
                        for (int q = 0; q < pairs; q++, wp += (size_t)cout * 2) {
                            __m256i xb = _mm256_set1_epi32(src[q]);
                            acc0 = _mm256_add_epi32(
                                acc0,
                                _mm256_madd_epi16(
                                    _mm256_loadu_si256((const __m256i *)(const void *)wp), xb));
                            acc1 = _mm256_add_epi32(
                                acc1,
                                _mm256_madd_epi16(
                                    _mm256_loadu_si256((const __m256i *)(const void *)(wp + 16)),
                                    xb));
                        }
                    }
                    _mm256_storeu_si256((__m256i *)(void *)(out + (y * w + x) * cout + c), acc0);
                    _mm256_storeu_si256((__m256i *)(void *)(out + (y * w + x) * cout + c + 8),
                                        acc1);
                }
            }
        return;
    }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const int32_t *base = in + (y * (w + 2) + x) * pairs;
            for (int c = 0; c < cout; c += 8) {
                const int16_t *wp = pc + (size_t)c * 2;
                __m256i acc = _mm256_setzero_si256();
                for (int t = 0; t < 9; t++) {
                    const int32_t *src = base + offs[t];
                    for (int q = 0; q < pairs; q++, wp += (size_t)cout * 2)
                        acc = _mm256_add_epi32(
                            acc,
                            _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)(const void *)wp),
                                              _mm256_set1_epi32(src[q])));
                }
                _mm256_storeu_si256((__m256i *)(void *)(out + (y * w + x) * cout + c), acc);
            }
        }
}
#endif

/*
 * Quantizes v[0..count) >= 0 to int16 with the largest at ASTEP; returns the value of one step.
 * The rounding is lrintf()'s (to nearest, ties to even), 8 at a time with SSE2 on x86-64 (the
 * same float operations and conversion).
 */
static float quantize_act(const float *v, int count, int16_t *q)
{
    float mx = 0, s;
    int i = 0;
    for (int k = 0; k < count; k++)
        mx = v[k] > mx ? v[k] : mx;
    if (mx <= 0) {
        memset(q, 0, sizeof(int16_t) * (size_t)count);
        return 0;
    }
    s = ASTEP / mx;
#if defined(__x86_64__) && defined(__GNUC__) && !defined(OCR_PORTABLE)
    {
        __m128 sv = _mm_set1_ps(s);
        for (; i + 8 <= count; i += 8)
            _mm_storeu_si128(
                (__m128i *)(void *)(q + i),
                _mm_packs_epi32(_mm_cvtps_epi32(_mm_mul_ps(_mm_loadu_ps(v + i), sv)),
                                _mm_cvtps_epi32(_mm_mul_ps(_mm_loadu_ps(v + i + 4), sv))));
    }
#endif
    for (; i < count; i++)
        q[i] = (int16_t)lrintf(v[i] * s);
    return mx / ASTEP;
}

static int32_t max4(int32_t a, int32_t b, int32_t c, int32_t d)
{
    int32_t m = a > b ? a : b;
    m = m > c ? m : c;
    return m > d ? m : d;
}

void ocr_cnn_classify(const struct ocr_cnn *n, const float feat[OCR_NFEAT], float prob[OCR_NCLASS])
{
    /* Sums fit in int32: at most 24 * 64 terms of 127 * 4096 (the maps) or 193 of 127 * 6400
       (the extra features), under 2^31. */
    int16_t qin[GH * GW], q1[P1H * P1W * OCR_CNN_MAX_C1];
    int16_t x2[OCR_CNN_ROW(NPOS2 * OCR_CNN_MAX_C2)], xe[OCR_CNN_ROW(OCR_CNN_MAX_EXTRA)];
    int32_t pin[(GH + 2) * (GW + 2)], pq1[(P1H + 2) * (P1W + 2) * OCR_CNN_MAX_C1 / 2];
    int32_t acc[GH * GW * OCR_CNN_MAX_C1], da[OCR_CNN_MAX_HIDDEN], de[OCR_CNN_MAX_HIDDEN];
    float f1[P1H * P1W * OCR_CNN_MAX_C1], f2[NPOS2 * OCR_CNN_MAX_C2], h[OCR_CNN_MAX_HIDDEN];
    const float *extra = feat + OCR_NFEAT - n->nextra;
    int c1 = n->c1, c2 = n->c2, nflat = NPOS2 * n->c2;
    float step0, step1, step2, mx = -1e30f, sum = 0;
    void (*conv)(const int16_t *, const int32_t *, int, int, int, int, int32_t *) = conv3x3;
#if defined(__x86_64__) && defined(__GNUC__) && !defined(OCR_PORTABLE)
    conv = __builtin_cpu_supports("avx2") ? conv3x3_avx2 : conv3x3_sse2;
#endif

    /* conv1 over the zero-padded grid, each value paired with a zero. */
    step0 = quantize_act(feat, GH * GW, qin);
    memset(pin, 0, sizeof pin);
    for (int y = 0; y < GH; y++)
        for (int x = 0; x < GW; x++)
            pin[(y + 1) * (GW + 2) + x + 1] = qin[y * GW + x]; /* >= 0: the high half 0 */
    conv(n->pc1, pin, GH, GW, 1, c1, acc);
    for (int py = 0; py < P1H; py++)
        for (int px = 0; px < P1W; px++)
            for (int c = 0; c < c1; c++) {
                const int32_t *a = acc + ((2 * py) * GW + 2 * px) * c1 + c;
                int32_t m = max4(a[0], a[c1], a[GW * c1], a[GW * c1 + c1]);
                float v = (float)m * (n->sc1[c] * step0) + n->bc1[c];
                f1[(py * P1W + px) * c1 + c] = v > 0 ? v : 0;
            }

    /* conv2 over the zero-padded maps, channels in pairs. */
    step1 = quantize_act(f1, P1H * P1W * c1, q1);
    memset(pq1, 0, sizeof(int32_t) * (size_t)((P1H + 2) * (P1W + 2) * c1 / 2));
    for (int y = 0; y < P1H; y++)
        memcpy(pq1 + ((y + 1) * (P1W + 2) + 1) * (c1 / 2), q1 + y * P1W * c1,
               sizeof(int16_t) * (size_t)(P1W * c1));
    conv(n->pc2, pq1, P1H, P1W, c1 / 2, c2, acc);
    for (int py = 0; py < P2H; py++)
        for (int px = 0; px < P2W; px++)
            for (int c = 0; c < c2; c++) {
                const int32_t *a = acc + ((2 * py) * P1W + 2 * px) * c2 + c;
                int32_t m = max4(a[0], a[c2], a[P1W * c2], a[P1W * c2 + c2]);
                float v = (float)m * (n->sc2[c] * step1) + n->bc2[c];
                f2[(py * P2W + px) * c2 + c] = v > 0 ? v : 0;
            }

    /* Dense layers: the maps and the standardized extra features (1/64 steps, as the
       perceptron's inputs) as two sums per unit. */
    step2 = quantize_act(f2, nflat, x2);
    memset(x2 + nflat, 0, sizeof(int16_t) * (size_t)(n->kf - nflat));
    memset(xe, 0, sizeof(int16_t) * (size_t)n->ke);
    for (int i = 0; i < n->nextra; i++) {
        float v = (extra[i] - n->mean[i]) * n->inv_std[i] * 64.0f;
        v = v > 6400 ? 6400 : v < -6400 ? -6400 : v;
        xe[i] = (int16_t)lrintf(v);
    }
    ocr_dot_rows_i8_i16(n->wf1, x2, n->kf, n->nhid, da);
    if (n->ke > 0)
        ocr_dot_rows_i8_i16(n->wf1e, xe, n->ke, n->nhid, de);
    else
        memset(de, 0, sizeof(int32_t) * (size_t)n->nhid);
    for (int j = 0; j < n->nhid; j++) {
        float v = n->sf1[j] * ((float)da[j] * step2 + (float)de[j] / 64.0f) + n->bf1[j];
        h[j] = v > 0 ? v : 0;
    }
    for (int k = 0; k < n->nout; k++)
        prob[k] = 0;
    for (int j = 0; j < n->nhid; j++) {
        const int8_t *w = n->wf2 + j;
        float hj = h[j];
        if (hj == 0)
            continue;
        for (int k = 0; k < n->nout; k++)
            prob[k] += w[(size_t)k * n->nhid] * hj;
    }
    for (int k = 0; k < n->nout; k++) {
        prob[k] = prob[k] * n->sf2[k] + n->bf2[k];
        if (prob[k] > mx)
            mx = prob[k];
    }
    for (int k = 0; k < n->nout; k++) {
        prob[k] = expf(prob[k] - mx);
        sum += prob[k];
    }
    for (int k = 0; k < n->nout; k++)
        prob[k] /= sum;
}

/* ---- Model files --------------------------------------------------------------------------- */

static int all_finite(const float *v, size_t count, int positive)
{
    for (size_t i = 0; i < count; i++)
        if (!isfinite(v[i]) || (positive && !(v[i] > 0)))
            return 0;
    return 1;
}

/* Whether the padding of count rows of len bytes, used first bytes each, is zero. */
static int pad_zero(const int8_t *w, int count, int len, int used)
{
    for (int r = 0; r < count; r++)
        for (int i = used; i < len; i++)
            if (w[(size_t)r * len + i] != 0)
                return 0;
    return 1;
}

int ocr_cnn_load(FILE *f, const char magic[8], struct ocr_model **out)
{
    int32_t d[5];
    float *fl;
    int8_t *by;
    struct ocr_model *m;
    const struct ocr_cnn *n;
    size_t nf, nb;
    if (memcmp(magic, OCR_CNN_MAGIC, sizeof OCR_CNN_MAGIC - 1) != 0 ||
        magic[7] != OCR_CNN_VERSION || fread(d, sizeof d[0], 5, f) != 5 ||
        !cnn_sizes_ok(d[0], d[1], d[2], d[3], d[4]))
        return OCR_ERR_FORMAT;
    m = cnn_alloc(d[0], d[1], d[2], d[3], d[4], &fl, &by);
    if (!m)
        return OCR_ERR_NOMEM;
    n = m->cnn;
    nf = cnn_floats(n->c1, n->c2, n->nhid, n->nextra, n->nout);
    nb = cnn_bytes(n);
    if (fread(fl, sizeof(float), nf, f) != nf || fread(by, 1, nb, f) != nb || fgetc(f) != EOF ||
        !all_finite(n->mean, (size_t)n->nextra, 0) ||
        !all_finite(n->inv_std, (size_t)n->nextra, 0) || !all_finite(n->sc1, (size_t)n->c1, 1) ||
        !all_finite(n->bc1, (size_t)n->c1, 0) || !all_finite(n->sc2, (size_t)n->c2, 1) ||
        !all_finite(n->bc2, (size_t)n->c2, 0) || !all_finite(n->sf1, (size_t)n->nhid, 1) ||
        !all_finite(n->bf1, (size_t)n->nhid, 0) || !all_finite(n->sf2, (size_t)n->nout, 1) ||
        !all_finite(n->bf2, (size_t)n->nout, 0) || !pad_zero(n->wc1, n->c1, n->k1, 9) ||
        !pad_zero(n->wc2, n->c2, n->k2, 9 * n->c1) ||
        !pad_zero(n->wf1, n->nhid, n->kf, NPOS2 * n->c2) ||
        !pad_zero(n->wf1e, n->nhid, n->ke, n->nextra)) {
        free(m);
        return OCR_ERR_FORMAT;
    }
    cnn_make_pairs((struct ocr_cnn *)n);
    *out = m;
    return OCR_OK;
}

int ocr_cnn_save(const char *path, const struct ocr_cnn *n)
{
    char magic[8];
    int32_t d[5] = {n->c1, n->c2, n->nhid, n->nextra, n->nout};
    const struct {
        const void *p;
        size_t size;
    } parts[] = {
        {n->mean, sizeof(float) * (size_t)n->nextra},
        {n->inv_std, sizeof(float) * (size_t)n->nextra},
        {n->sc1, sizeof(float) * (size_t)n->c1},
        {n->bc1, sizeof(float) * (size_t)n->c1},
        {n->sc2, sizeof(float) * (size_t)n->c2},
        {n->bc2, sizeof(float) * (size_t)n->c2},
        {n->sf1, sizeof(float) * (size_t)n->nhid},
        {n->bf1, sizeof(float) * (size_t)n->nhid},
        {n->sf2, sizeof(float) * (size_t)n->nout},
        {n->bf2, sizeof(float) * (size_t)n->nout},
        {n->wc1, (size_t)n->c1 * n->k1},
        {n->wc2, (size_t)n->c2 * n->k2},
        {n->wf1, (size_t)n->nhid * n->kf},
        {n->wf1e, (size_t)n->nhid * n->ke},
        {n->wf2, (size_t)n->nout * n->nhid},
    };
    FILE *f = fopen(path, "wb");
    int ok;
    if (!f)
        return OCR_ERR_OPEN;
    memcpy(magic, OCR_CNN_MAGIC, 7);
    magic[7] = OCR_CNN_VERSION;
    ok = fwrite(magic, 1, 8, f) == 8 && fwrite(d, sizeof d, 1, f) == 1;
    for (size_t i = 0; ok && i < sizeof parts / sizeof parts[0]; i++)
        ok = parts[i].size == 0 || fwrite(parts[i].p, 1, parts[i].size, f) == parts[i].size;
    if (fclose(f) != 0)
        ok = 0;
    return ok ? OCR_OK : OCR_ERR_OPEN;
}

static void write_floats(FILE *f, const char *name, const float *v, int n)
{
    fprintf(f, "static const float ocr_default_cnn_%s[%d] = {", name, n > 0 ? n : 1);
    for (int i = 0; i < n; i++)
        fprintf(f, "%s%.9g", i == 0 ? "\n    " : i % 8 ? ", " : ",\n    ", (double)v[i]);
    fprintf(f, "%s\n};\n", n > 0 ? "" : "0");
}

static void write_ints(FILE *f, const char *type, const char *name, const void *v, size_t n,
                       int wide)
{
    fprintf(f, "static const %s ocr_default_cnn_%s[%zu] = {", type, name, n > 0 ? n : 1);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%d",
                i == 0   ? "\n    "
                : i % 24 ? ","
                         : ",\n    ",
                wide ? ((const int16_t *)v)[i] : ((const int8_t *)v)[i]);
    fprintf(f, "%s\n};\n", n > 0 ? "" : "0");
}

void ocr_cnn_write_c(FILE *f, const struct ocr_cnn *n, const char *comment)
{
    /* %.9g: every float written exactly (round-trips), so the compiled-in model is the file's. */
    fprintf(f, "/*\n%s*/\n/* clang-format off */\n#define OCR_DEFAULT_KIND OCR_KIND_CNN\n",
            comment);
    write_floats(f, "mean", n->mean, n->nextra);
    write_floats(f, "inv_std", n->inv_std, n->nextra);
    write_ints(f, "int8_t", "wc1", n->wc1, (size_t)n->c1 * n->k1, 0);
    write_floats(f, "sc1", n->sc1, n->c1);
    write_floats(f, "bc1", n->bc1, n->c1);
    write_ints(f, "int8_t", "wc2", n->wc2, (size_t)n->c2 * n->k2, 0);
    write_floats(f, "sc2", n->sc2, n->c2);
    write_floats(f, "bc2", n->bc2, n->c2);
    write_ints(f, "int8_t", "wf1", n->wf1, (size_t)n->nhid * n->kf, 0);
    write_ints(f, "int8_t", "wf1e", n->wf1e, (size_t)n->nhid * n->ke, 0);
    write_floats(f, "sf1", n->sf1, n->nhid);
    write_floats(f, "bf1", n->bf1, n->nhid);
    write_ints(f, "int8_t", "wf2", n->wf2, (size_t)n->nout * n->nhid, 0);
    write_floats(f, "sf2", n->sf2, n->nout);
    write_floats(f, "bf2", n->bf2, n->nout);
    write_ints(f, "int16_t", "pc1", n->pc1, (size_t)2 * 9 * n->c1, 1);
    write_ints(f, "int16_t", "pc2", n->pc2, (size_t)2 * 9 * n->c1 / 2 * n->c2, 1);
    fprintf(f,
            "static const struct ocr_cnn ocr_default_cnn = {\n"
            "    .c1 = %d, .c2 = %d, .nhid = %d, .nextra = %d, .nout = %d,\n"
            "    .k1 = %d, .k2 = %d, .kf = %d, .ke = %d,\n",
            n->c1, n->c2, n->nhid, n->nextra, n->nout, n->k1, n->k2, n->kf, n->ke);
    fprintf(
        f,
        "    .mean = ocr_default_cnn_mean, .inv_std = ocr_default_cnn_inv_std,\n"
        "    .wc1 = ocr_default_cnn_wc1, .sc1 = ocr_default_cnn_sc1, .bc1 = ocr_default_cnn_bc1,\n"
        "    .wc2 = ocr_default_cnn_wc2, .sc2 = ocr_default_cnn_sc2, .bc2 = ocr_default_cnn_bc2,\n"
        "    .wf1 = ocr_default_cnn_wf1, .wf1e = ocr_default_cnn_wf1e,\n"
        "    .sf1 = ocr_default_cnn_sf1, .bf1 = ocr_default_cnn_bf1,\n"
        "    .wf2 = ocr_default_cnn_wf2, .sf2 = ocr_default_cnn_sf2, .bf2 = ocr_default_cnn_bf2,\n"
        "    .pc1 = ocr_default_cnn_pc1, .pc2 = ocr_default_cnn_pc2,\n"
        "};\n/* clang-format on */\n");
}

/* ---- Float training ------------------------------------------------------------------------ */

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A standard normal value (Box-Muller on two uniforms from *s). */
static double gauss(uint64_t *s)
{
    double u = ((double)(splitmix(s) >> 11) + 0.5) / 9007199254740992.0;
    double v = ((double)(splitmix(s) >> 11) + 0.5) / 9007199254740992.0;
    return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* Sizes of the float arrays of a network (weights, then the per-sample work area). */
struct fsizes {
    size_t wc1, wc2, wf1, wf2, work;
    int nflat, nin1;
};

static struct fsizes float_sizes(int c1, int c2, int nhid, int nextra)
{
    struct fsizes z;
    z.nflat = NPOS2 * c2;
    z.nin1 = z.nflat + nextra;
    z.wc1 = (size_t)c1 * 9;
    z.wc2 = (size_t)c2 * 9 * c1;
    z.wf1 = (size_t)nhid * z.nin1;
    z.wf2 = (size_t)OCR_NCLASS * nhid;
    /* a1, da1 (GH*GW*c1 each), p1, dp1 (P1H*P1W*c1), a2, da2 (P1H*P1W*c2), z, dz (nin1),
       h, dh (nhid), gwc1, gbc1, gwc2, gbc2 */
    z.work = 2 * (size_t)GH * GW * c1 + 2 * (size_t)P1H * P1W * c1 + 2 * (size_t)P1H * P1W * c2 +
             2 * (size_t)z.nin1 + 2 * (size_t)nhid + z.wc1 + (size_t)c1 + z.wc2 + (size_t)c2;
    return z;
}

int ocr_cnn_float_init(struct ocr_cnn_float *n, int c1, int c2, int nhid, int nextra, uint64_t *rng)
{
    struct fsizes z;
    if (!n || !rng || !cnn_sizes_ok(c1, c2, nhid, nextra, OCR_NCLASS))
        return OCR_ERR_INVALID;
    z = float_sizes(c1, c2, nhid, nextra);
    memset(n, 0, sizeof *n);
    n->c1 = c1;
    n->c2 = c2;
    n->nhid = nhid;
    n->nextra = nextra;
    n->mean = calloc((size_t)nextra + 1, sizeof(float));
    n->inv_std = calloc((size_t)nextra + 1, sizeof(float));
    n->wc1 = malloc(sizeof(float) * z.wc1);
    n->bc1 = calloc((size_t)c1, sizeof(float));
    n->wc2 = malloc(sizeof(float) * z.wc2);
    n->bc2 = calloc((size_t)c2, sizeof(float));
    n->wf1 = malloc(sizeof(float) * z.wf1);
    n->bf1 = calloc((size_t)nhid, sizeof(float));
    n->wf2 = malloc(sizeof(float) * z.wf2);
    n->bf2 = calloc(OCR_NCLASS, sizeof(float));
    n->work = calloc(z.work, sizeof(float));
    if (!n->mean || !n->inv_std || !n->wc1 || !n->bc1 || !n->wc2 || !n->bc2 || !n->wf1 || !n->bf1 ||
        !n->wf2 || !n->bf2 || !n->work) {
        ocr_cnn_float_free(n);
        return OCR_ERR_NOMEM;
    }
    for (int i = 0; i < nextra; i++)
        n->inv_std[i] = 1;
    /* He initialization: variance 2 / fan-in (1 / fan-in for the softmax layer). */
    for (size_t i = 0; i < z.wc1; i++)
        n->wc1[i] = (float)(gauss(rng) * sqrt(2.0 / 9));
    for (size_t i = 0; i < z.wc2; i++)
        n->wc2[i] = (float)(gauss(rng) * sqrt(2.0 / (9.0 * c1)));
    for (size_t i = 0; i < z.wf1; i++)
        n->wf1[i] = (float)(gauss(rng) * sqrt(2.0 / z.nin1));
    for (size_t i = 0; i < z.wf2; i++)
        n->wf2[i] = (float)(gauss(rng) * sqrt(1.0 / nhid));
    return OCR_OK;
}

void ocr_cnn_float_free(struct ocr_cnn_float *n)
{
    if (!n)
        return;
    free(n->mean);
    free(n->inv_std);
    free(n->wc1);
    free(n->bc1);
    free(n->wc2);
    free(n->bc2);
    free(n->wf1);
    free(n->bf1);
    free(n->wf2);
    free(n->bf2);
    free(n->work);
    memset(n, 0, sizeof *n);
}

/* Index (within a map of width w and c channels) of the largest of the 2x2 block at (py, px)
   of channel ch, the first in row order on ties. */
static int pool_arg(const float *a, int w, int c, int py, int px, int ch)
{
    int best = ((2 * py) * w + 2 * px) * c + ch;
    for (int dy = 0; dy < 2; dy++)
        for (int dx = 0; dx < 2; dx++) {
            int i = ((2 * py + dy) * w + 2 * px + dx) * c + ch;
            if (a[i] > a[best])
                best = i;
        }
    return best;
}

float ocr_cnn_float_step(struct ocr_cnn_float *n, const float feat[OCR_NFEAT], int label, float lr,
                         float wd, float prob[OCR_NCLASS])
{
    int c1 = n->c1, c2 = n->c2, nhid = n->nhid;
    struct fsizes z = float_sizes(c1, c2, nhid, n->nextra);
    float *a1 = n->work, *da1 = a1 + GH * GW * c1, *p1 = da1 + GH * GW * c1,
          *dp1 = p1 + P1H * P1W * c1, *a2 = dp1 + P1H * P1W * c1, *da2 = a2 + P1H * P1W * c2,
          *in1 = da2 + P1H * P1W * c2, *din1 = in1 + z.nin1, *h = din1 + z.nin1, *dh = h + nhid,
          *gwc1 = dh + nhid, *gbc1 = gwc1 + z.wc1, *gwc2 = gbc1 + c1, *gbc2 = gwc2 + z.wc2;
    const float *extra = feat + OCR_NFEAT - n->nextra;
    float mx = -1e30f, sum = 0, loss, hscale = 1;

    /* Forward. */
    for (int y = 0; y < GH; y++)
        for (int x = 0; x < GW; x++)
            for (int co = 0; co < c1; co++) {
                const float *w = n->wc1 + co * 9;
                float s = n->bc1[co];
                for (int ky = 0; ky < 3; ky++)
                    for (int kx = 0; kx < 3; kx++) {
                        int yy = y + ky - 1, xx = x + kx - 1;
                        if (yy >= 0 && yy < GH && xx >= 0 && xx < GW)
                            s += w[ky * 3 + kx] * feat[yy * GW + xx];
                    }
                a1[(y * GW + x) * c1 + co] = s > 0 ? s : 0;
            }
    for (int py = 0; py < P1H; py++)
        for (int px = 0; px < P1W; px++)
            for (int c = 0; c < c1; c++)
                p1[(py * P1W + px) * c1 + c] = a1[pool_arg(a1, GW, c1, py, px, c)];
    for (int y = 0; y < P1H; y++)
        for (int x = 0; x < P1W; x++)
            for (int co = 0; co < c2; co++) {
                const float *w = n->wc2 + (size_t)co * 9 * c1;
                float s = n->bc2[co];
                for (int ky = 0; ky < 3; ky++)
                    for (int kx = 0; kx < 3; kx++) {
                        int yy = y + ky - 1, xx = x + kx - 1;
                        const float *src, *wt = w + (ky * 3 + kx) * c1;
                        if (yy < 0 || yy >= P1H || xx < 0 || xx >= P1W)
                            continue;
                        src = p1 + (yy * P1W + xx) * c1;
                        for (int ci = 0; ci < c1; ci++)
                            s += wt[ci] * src[ci];
                    }
                a2[(y * P1W + x) * c2 + co] = s > 0 ? s : 0;
            }
    for (int py = 0; py < P2H; py++)
        for (int px = 0; px < P2W; px++)
            for (int c = 0; c < c2; c++)
                in1[(py * P2W + px) * c2 + c] = a2[pool_arg(a2, P1W, c2, py, px, c)];
    for (int i = 0; i < n->nextra; i++)
        in1[z.nflat + i] = (extra[i] - n->mean[i]) * n->inv_std[i];
    for (int j = 0; j < nhid; j++) {
        const float *w = n->wf1 + (size_t)j * z.nin1;
        float s = n->bf1[j];
        for (int i = 0; i < z.nin1; i++)
            s += w[i] * in1[i];
        h[j] = s > 0 ? s : 0;
    }
    if (label >= 0 && n->dropout > 0) {
        hscale = 1 / (1 - n->dropout);
        for (int j = 0; j < nhid; j++)
            h[j] = (double)(splitmix(&n->rng) >> 11) / 9007199254740992.0 < n->dropout
                       ? 0
                       : h[j] * hscale;
    }
    for (int c = 0; c < OCR_NCLASS; c++) {
        const float *w = n->wf2 + (size_t)c * nhid;
        float s = n->bf2[c];
        for (int j = 0; j < nhid; j++)
            s += w[j] * h[j];
        prob[c] = s;
        if (s > mx)
            mx = s;
    }
    for (int c = 0; c < OCR_NCLASS; c++) {
        prob[c] = expf(prob[c] - mx);
        sum += prob[c];
    }
    for (int c = 0; c < OCR_NCLASS; c++)
        prob[c] /= sum;
    if (label < 0 || label >= OCR_NCLASS)
        return 0;
    loss = -logf(prob[label] + 1e-9f);

    /* Backward, the dense layers updated in place (each weight is used once per sample, and
       its gradient is taken before its update), the convolutions' gradients summed over the
       positions first. */
    memset(dh, 0, sizeof(float) * (size_t)nhid);
    for (int c = 0; c < OCR_NCLASS; c++) {
        float *w = n->wf2 + (size_t)c * nhid, g = prob[c] - (c == label);
        for (int j = 0; j < nhid; j++) {
            dh[j] += g * w[j];
            w[j] -= lr * (g * h[j] + wd * w[j]);
        }
        n->bf2[c] -= lr * g;
    }
    memset(din1, 0, sizeof(float) * (size_t)z.nin1);
    for (int j = 0; j < nhid; j++) {
        float g = h[j] > 0 ? dh[j] * hscale : 0, *w = n->wf1 + (size_t)j * z.nin1;
        if (g == 0)
            continue;
        for (int i = 0; i < z.nin1; i++) {
            din1[i] += g * w[i];
            w[i] -= lr * (g * in1[i] + wd * w[i]);
        }
        n->bf1[j] -= lr * g;
    }
    memset(da2, 0, sizeof(float) * (size_t)(P1H * P1W * c2));
    for (int py = 0; py < P2H; py++)
        for (int px = 0; px < P2W; px++)
            for (int c = 0; c < c2; c++) {
                int i = pool_arg(a2, P1W, c2, py, px, c);
                if (a2[i] > 0)
                    da2[i] = din1[(py * P2W + px) * c2 + c];
            }
    memset(gwc2, 0, sizeof(float) * (z.wc2 + (size_t)c2));
    memset(dp1, 0, sizeof(float) * (size_t)(P1H * P1W * c1));
    for (int y = 0; y < P1H; y++)
        for (int x = 0; x < P1W; x++)
            for (int co = 0; co < c2; co++) {
                float g = da2[(y * P1W + x) * c2 + co];
                const float *w = n->wc2 + (size_t)co * 9 * c1;
                float *gw = gwc2 + (size_t)co * 9 * c1;
                if (g == 0)
                    continue;
                gbc2[co] += g;
                for (int ky = 0; ky < 3; ky++)
                    for (int kx = 0; kx < 3; kx++) {
                        int yy = y + ky - 1, xx = x + kx - 1, t = (ky * 3 + kx) * c1;
                        const float *src;
                        float *dsrc;
                        if (yy < 0 || yy >= P1H || xx < 0 || xx >= P1W)
                            continue;
                        src = p1 + (yy * P1W + xx) * c1;
                        dsrc = dp1 + (yy * P1W + xx) * c1;
                        for (int ci = 0; ci < c1; ci++) {
                            gw[t + ci] += g * src[ci];
                            dsrc[ci] += g * w[t + ci];
                        }
                    }
            }
    memset(da1, 0, sizeof(float) * (size_t)(GH * GW * c1));
    for (int py = 0; py < P1H; py++)
        for (int px = 0; px < P1W; px++)
            for (int c = 0; c < c1; c++) {
                int i = pool_arg(a1, GW, c1, py, px, c);
                if (a1[i] > 0)
                    da1[i] = dp1[(py * P1W + px) * c1 + c];
            }
    memset(gwc1, 0, sizeof(float) * (z.wc1 + (size_t)c1));
    for (int y = 0; y < GH; y++)
        for (int x = 0; x < GW; x++)
            for (int co = 0; co < c1; co++) {
                float g = da1[(y * GW + x) * c1 + co];
                if (g == 0)
                    continue;
                gbc1[co] += g;
                for (int ky = 0; ky < 3; ky++)
                    for (int kx = 0; kx < 3; kx++) {
                        int yy = y + ky - 1, xx = x + kx - 1;
                        if (yy >= 0 && yy < GH && xx >= 0 && xx < GW)
                            gwc1[co * 9 + ky * 3 + kx] += g * feat[yy * GW + xx];
                    }
            }
    for (size_t i = 0; i < z.wc2; i++)
        n->wc2[i] -= lr * (gwc2[i] + wd * n->wc2[i]);
    for (int c = 0; c < c2; c++)
        n->bc2[c] -= lr * gbc2[c];
    for (size_t i = 0; i < z.wc1; i++)
        n->wc1[i] -= lr * (gwc1[i] + wd * n->wc1[i]);
    for (int c = 0; c < c1; c++)
        n->bc1[c] -= lr * gbc1[c];
    return loss;
}

/* Quantizes rows of len floats (row r at w + r * len) to int8 rows of stride bytes with the
   scale max|w| / 127 of each row (the padding zeroed). */
static void quantize_rows(const float *w, int rows, int len, int8_t *q, int stride, float *scale)
{
    for (int r = 0; r < rows; r++) {
        const float *wr = w + (size_t)r * len;
        float mx = 1e-9f;
        for (int i = 0; i < len; i++)
            mx = fmaxf(mx, fabsf(wr[i]));
        scale[r] = mx / 127;
        memset(q + (size_t)r * stride, 0, (size_t)stride);
        for (int i = 0; i < len; i++)
            q[(size_t)r * stride + i] = (int8_t)lrintf(wr[i] / scale[r]);
    }
}

int ocr_cnn_quantize(const struct ocr_cnn_float *n, const float *shift, struct ocr_model **out)
{
    float *fl;
    int8_t *by;
    struct ocr_model *m = cnn_alloc(n->c1, n->c2, n->nhid, n->nextra, OCR_NCLASS, &fl, &by);
    struct ocr_cnn *q;
    int nflat = NPOS2 * n->c2, nin1 = nflat + n->nextra;
    if (!m)
        return OCR_ERR_NOMEM;
    q = (struct ocr_cnn *)(m + 1);
    memcpy((float *)q->mean, n->mean, sizeof(float) * (size_t)n->nextra);
    memcpy((float *)q->inv_std, n->inv_std, sizeof(float) * (size_t)n->nextra);
    quantize_rows(n->wc1, n->c1, 9, (int8_t *)q->wc1, q->k1, (float *)q->sc1);
    memcpy((float *)q->bc1, n->bc1, sizeof(float) * (size_t)n->c1);
    quantize_rows(n->wc2, n->c2, 9 * n->c1, (int8_t *)q->wc2, q->k2, (float *)q->sc2);
    memcpy((float *)q->bc2, n->bc2, sizeof(float) * (size_t)n->c2);
    /* The first dense layer: one scale per unit over both of its parts. */
    for (int j = 0; j < n->nhid; j++) {
        const float *w = n->wf1 + (size_t)j * nin1;
        int8_t *qa = (int8_t *)q->wf1 + (size_t)j * q->kf,
               *qe = (int8_t *)q->wf1e + (size_t)j * q->ke;
        float mx = 1e-9f, s;
        for (int i = 0; i < nin1; i++)
            mx = fmaxf(mx, fabsf(w[i]));
        s = mx / 127;
        ((float *)q->sf1)[j] = s;
        ((float *)q->bf1)[j] = n->bf1[j];
        memset(qa, 0, (size_t)q->kf);
        memset(qe, 0, (size_t)q->ke);
        for (int i = 0; i < nflat; i++)
            qa[i] = (int8_t)lrintf(w[i] / s);
        for (int i = 0; i < n->nextra; i++)
            qe[i] = (int8_t)lrintf(w[nflat + i] / s);
    }
    quantize_rows(n->wf2, OCR_NCLASS, n->nhid, (int8_t *)q->wf2, n->nhid, (float *)q->sf2);
    for (int c = 0; c < OCR_NCLASS; c++)
        ((float *)q->bf2)[c] = n->bf2[c] + (shift ? shift[c] : 0);
    cnn_make_pairs(q);
    *out = m;
    return OCR_OK;
}
