/* ocr: character features and the compiled-in classifier (see ocr.h). */
#include "ocr.h"

#include "ocr_cnn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__) && !defined(OCR_PORTABLE)
#include <immintrin.h>
#endif

static const char ALPHABET[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ?";

/*
 * The compiled-in model (host/ocr_model.inc): a perceptron (arrays ocr_default_* and
 * OCR_DEFAULT_NHID, from ocr_model_write_c()) or, when it defines OCR_DEFAULT_KIND as
 * OCR_KIND_CNN, a network (ocr_default_cnn, from ocr_cnn_write_c()).
 */
#include "ocr_model.inc"

#if defined(OCR_DEFAULT_KIND) && OCR_DEFAULT_KIND == OCR_KIND_CNN
static const struct ocr_model default_model = {
    .kind = OCR_KIND_CNN,
    .nout = OCR_NCLASS,
    .cnn = &ocr_default_cnn,
    .owned = NULL,
};
#else
static const struct ocr_model default_model = {
    .kind = OCR_KIND_MLP,
    .nin = OCR_NFEAT,
    .nhid = OCR_DEFAULT_NHID,
    .nout = OCR_NCLASS,
    .mean = ocr_default_mean,
    .inv_std = ocr_default_inv_std,
    .w1 = ocr_default_w1,
    .s1 = ocr_default_s1,
    .b1 = ocr_default_b1,
    .w2 = ocr_default_w2,
    .s2 = ocr_default_s2,
    .b2 = ocr_default_b2,
    .owned = NULL,
};
#endif

const char *ocr_strerror(int err)
{
    switch (err) {
    case OCR_OK:
        return "ok";
    case OCR_ERR_OPEN:
        return "cannot open the model file";
    case OCR_ERR_FORMAT:
        return "not a model file for this build";
    case OCR_ERR_NOMEM:
        return "out of memory";
    case OCR_ERR_INVALID:
        return "invalid argument";
    default:
        return "unknown error";
    }
}

char ocr_class_char(int cls)
{
    return cls >= 0 && cls < OCR_NCLASS ? ALPHABET[cls] : '?';
}

int ocr_char_class(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'Z')
        return 10 + (c - 'A');
    return -1;
}

const struct ocr_model *ocr_model_default(void)
{
    return &default_model;
}

/* ---- Model files ------------------------------------------------------------------------- */

static const char MAGIC[8] = {'A', 'L', 'P', 'R', 'O', 'C', 'R', '1'};

static size_t model_floats(int nin, int nhid, int nout)
{
    return (size_t)2 * nin + 2 * (size_t)nhid + 2 * (size_t)nout;
}

static size_t model_bytes(int nin, int nhid, int nout)
{
    return (size_t)nhid * nin + (size_t)nout * nhid;
}

int ocr_model_load(const char *path, struct ocr_model **out)
{
    FILE *f = fopen(path, "rb");
    char magic[8];
    int32_t dims[3];
    struct ocr_model *m = NULL;
    int rc = OCR_ERR_FORMAT;
    if (!f)
        return OCR_ERR_OPEN;
    if (fread(magic, 1, 8, f) != 8)
        goto done;
    if (memcmp(magic, OCR_CNN_MAGIC, sizeof OCR_CNN_MAGIC - 1) == 0) {
        rc = ocr_cnn_load(f, magic, &m);
        if (rc == OCR_OK)
            *out = m;
        goto done;
    }
    if (memcmp(magic, MAGIC, 8) != 0 || fread(dims, sizeof dims[0], 3, f) != 3 ||
        dims[0] != OCR_NFEAT || dims[2] != OCR_NCLASS || dims[1] < 1 || dims[1] > OCR_MAX_HIDDEN)
        goto done;
    {
        size_t nf = model_floats(dims[0], dims[1], dims[2]);
        size_t nb = model_bytes(dims[0], dims[1], dims[2]);
        float *fl;
        int8_t *by;
        m = malloc(sizeof *m + nf * sizeof(float) + nb);
        if (!m) {
            rc = OCR_ERR_NOMEM;
            goto done;
        }
        fl = (float *)(m + 1);
        by = (int8_t *)(fl + nf);
        if (fread(fl, sizeof(float), nf, f) != nf || fread(by, 1, nb, f) != nb || fgetc(f) != EOF) {
            free(m);
            m = NULL;
            goto done;
        }
        memset(m, 0, sizeof *m);
        m->kind = OCR_KIND_MLP;
        m->nin = dims[0];
        m->nhid = dims[1];
        m->nout = dims[2];
        m->mean = fl;
        m->inv_std = fl + m->nin;
        m->s1 = fl + 2 * m->nin;
        m->b1 = m->s1 + m->nhid;
        m->s2 = m->b1 + m->nhid;
        m->b2 = m->s2 + m->nout;
        m->w1 = by;
        m->w2 = by + (size_t)m->nhid * m->nin;
        m->owned = m;
        *out = m;
        rc = OCR_OK;
    }
done:
    fclose(f);
    return rc;
}

void ocr_model_free(struct ocr_model *m)
{
    if (m && m->owned)
        free(m->owned);
}

int ocr_model_save(const char *path, const struct ocr_model *m)
{
    FILE *f;
    int32_t dims[3] = {m->nin, m->nhid, m->nout};
    int ok;
    if (m->kind == OCR_KIND_CNN)
        return ocr_cnn_save(path, m->cnn);
    f = fopen(path, "wb");
    if (!f)
        return OCR_ERR_OPEN;
    ok = fwrite(MAGIC, 1, 8, f) == 8 && fwrite(dims, sizeof dims[0], 3, f) == 3 &&
         fwrite(m->mean, sizeof(float), (size_t)m->nin, f) == (size_t)m->nin &&
         fwrite(m->inv_std, sizeof(float), (size_t)m->nin, f) == (size_t)m->nin &&
         fwrite(m->s1, sizeof(float), (size_t)m->nhid, f) == (size_t)m->nhid &&
         fwrite(m->b1, sizeof(float), (size_t)m->nhid, f) == (size_t)m->nhid &&
         fwrite(m->s2, sizeof(float), (size_t)m->nout, f) == (size_t)m->nout &&
         fwrite(m->b2, sizeof(float), (size_t)m->nout, f) == (size_t)m->nout &&
         fwrite(m->w1, 1, (size_t)m->nhid * m->nin, f) == (size_t)m->nhid * m->nin &&
         fwrite(m->w2, 1, (size_t)m->nout * m->nhid, f) == (size_t)m->nout * m->nhid;
    if (fclose(f) != 0)
        ok = 0;
    return ok ? OCR_OK : OCR_ERR_OPEN;
}

static void write_floats(FILE *f, const char *name, const float *v, int n)
{
    fprintf(f, "static const float %s[%d] = {", name, n);
    for (int i = 0; i < n; i++)
        fprintf(f, "%s%.7g", i == 0 ? "\n    " : i % 8 ? ", " : ",\n    ", (double)v[i]);
    fprintf(f, "\n};\n");
}

static void write_bytes(FILE *f, const char *name, const int8_t *v, size_t n)
{
    fprintf(f, "static const int8_t %s[%zu] = {", name, n);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%d", i == 0 ? "\n    " : i % 24 ? "," : ",\n    ", v[i]);
    fprintf(f, "\n};\n");
}

void ocr_model_write_c(FILE *f, const struct ocr_model *m, const char *comment)
{
    if (m->kind == OCR_KIND_CNN) {
        ocr_cnn_write_c(f, m->cnn, comment);
        return;
    }
    fprintf(f, "/*\n%s*/\n/* clang-format off */\n#define OCR_DEFAULT_NHID %d\n", comment, m->nhid);
    write_floats(f, "ocr_default_mean", m->mean, m->nin);
    write_floats(f, "ocr_default_inv_std", m->inv_std, m->nin);
    write_bytes(f, "ocr_default_w1", m->w1, (size_t)m->nhid * m->nin);
    write_floats(f, "ocr_default_s1", m->s1, m->nhid);
    write_floats(f, "ocr_default_b1", m->b1, m->nhid);
    write_bytes(f, "ocr_default_w2", m->w2, (size_t)m->nout * m->nhid);
    write_floats(f, "ocr_default_s2", m->s2, m->nout);
    write_floats(f, "ocr_default_b2", m->b2, m->nout);
    fprintf(f, "/* clang-format on */\n");
}

/* ---- Features ---------------------------------------------------------------------------- */

static float sample_bilinear(const uint8_t *gray, int width, int height, int stride, float x,
                             float y)
{
    int ix, iy;
    float fx, fy, a, b, c, d;
    if (x < 0)
        x = 0;
    if (y < 0)
        y = 0;
    if (x > width - 1)
        x = (float)(width - 1);
    if (y > height - 1)
        y = (float)(height - 1);
    ix = (int)x;
    iy = (int)y;
    if (ix > width - 2)
        ix = width > 1 ? width - 2 : 0;
    if (iy > height - 2)
        iy = height > 1 ? height - 2 : 0;
    fx = x - ix;
    fy = y - iy;
    a = gray[(size_t)iy * stride + ix];
    b = width > 1 ? gray[(size_t)iy * stride + ix + 1] : a;
    c = height > 1 ? gray[(size_t)(iy + 1) * stride + ix] : a;
    d = (width > 1 && height > 1) ? gray[(size_t)(iy + 1) * stride + ix + 1] : c;
    return (a * (1 - fx) + b * fx) * (1 - fy) + (c * (1 - fx) + d * fx) * fy;
}

/* Mean of the source rectangle [x0, x1) x [y0, y1) (real coordinates, at least one pixel). */
static float sample_area(const uint8_t *gray, int width, int height, int stride, float x0, float y0,
                         float x1, float y1)
{
    int ix0 = (int)floorf(x0 + 0.5f), ix1 = (int)floorf(x1 + 0.5f);
    int iy0 = (int)floorf(y0 + 0.5f), iy1 = (int)floorf(y1 + 0.5f);
    long sum = 0;
    int n;
    if (ix1 <= ix0)
        ix1 = ix0 + 1;
    if (iy1 <= iy0)
        iy1 = iy0 + 1;
    if (ix0 < 0)
        ix0 = 0;
    if (iy0 < 0)
        iy0 = 0;
    if (ix1 > width)
        ix1 = width;
    if (iy1 > height)
        iy1 = height;
    if (ix1 <= ix0 || iy1 <= iy0)
        return gray[0];
    for (int y = iy0; y < iy1; y++) {
        const uint8_t *row = gray + (size_t)y * stride;
        for (int x = ix0; x < ix1; x++)
            sum += row[x];
    }
    n = (ix1 - ix0) * (iy1 - iy0);
    return (float)sum / (float)n;
}

int ocr_features(const uint8_t *gray, int width, int height, int stride, int x0, int y0, int x1,
                 int y1, int dark_ink, float feat[OCR_NFEAT])
{
    float grid[OCR_GRID_H][OCR_GRID_W], edge[OCR_GRID_W + 1];
    float bw, bh, sy, sx, tw, ox, lo = 1e9f, hi = -1e9f;
    float *hog = feat + OCR_NPIX;
    float norm = 0;
    if (!gray || width <= 0 || height <= 0 || x1 < x0 || y1 < y0)
        return OCR_ERR_INVALID;
    if (x0 < 0)
        x0 = 0;
    if (y0 < 0)
        y0 = 0;
    if (x1 >= width)
        x1 = width - 1;
    if (y1 >= height)
        y1 = height - 1;
    if (x1 < x0 || y1 < y0)
        return OCR_ERR_INVALID;
    /* The box with a 1-pixel margin, in real coordinates of pixel edges. */
    bw = (float)(x1 - x0 + 3);
    bh = (float)(y1 - y0 + 3);
    sy = OCR_GRID_H / bh;
    sx = sy;
    tw = bw * sx;
    if (tw > OCR_GRID_W) {
        sx = OCR_GRID_W / bw;
        tw = OCR_GRID_W;
    }
    ox = (OCR_GRID_W - tw) / 2;
    /* Source column of each grid column's left edge (the same for every row). */
    for (int gx = 0; gx <= OCR_GRID_W; gx++)
        edge[gx] = (float)(x0 - 1) + (gx - ox) / sx;
    for (int gy = 0; gy < OCR_GRID_H; gy++) {
        float ry0 = (float)(y0 - 1) + gy / sy, ry1 = (float)(y0 - 1) + (gy + 1) / sy;
        for (int gx = 0; gx < OCR_GRID_W; gx++) {
            float cx = gx + 0.5f, v;
            if (cx < ox || cx > ox + tw) {
                grid[gy][gx] = -1; /* outside: filled with the background below */
                continue;
            }
            {
                float rx0 = edge[gx], rx1 = edge[gx + 1];
                if (rx1 - rx0 < 1.5f && ry1 - ry0 < 1.5f)
                    v = sample_bilinear(gray, width, height, stride, (rx0 + rx1) / 2 - 0.5f,
                                        (ry0 + ry1) / 2 - 0.5f);
                else
                    v = sample_area(gray, width, height, stride, rx0, ry0, rx1, ry1);
            }
            if (dark_ink)
                v = 255 - v;
            grid[gy][gx] = v;
            if (v < lo)
                lo = v;
            if (v > hi)
                hi = v;
        }
    }
    {
        float range = hi - lo < 16 ? 16 : hi - lo;
        for (int gy = 0; gy < OCR_GRID_H; gy++)
            for (int gx = 0; gx < OCR_GRID_W; gx++) {
                float v = grid[gy][gx];
                v = v < 0 ? 0 : (v - lo) / range;
                grid[gy][gx] = v;
                feat[gy * OCR_GRID_W + gx] = v;
            }
    }
    memset(hog, 0, OCR_NHOG * sizeof(float));
    for (int gy = 0; gy < OCR_GRID_H; gy++)
        for (int gx = 0; gx < OCR_GRID_W; gx++) {
            float dx =
                (gx + 1 < OCR_GRID_W ? grid[gy][gx + 1] : 0) - (gx > 0 ? grid[gy][gx - 1] : 0);
            float dy =
                (gy + 1 < OCR_GRID_H ? grid[gy + 1][gx] : 0) - (gy > 0 ? grid[gy - 1][gx] : 0);
            float mag = sqrtf(dx * dx + dy * dy), ang, pos, frac;
            int b0, cell;
            if (mag < 1e-6f)
                continue;
            ang = atan2f(dy, dx); /* -pi .. pi */
            pos = (ang + (float)M_PI) * (8.0f / (2.0f * (float)M_PI));
            b0 = (int)pos;
            frac = pos - b0;
            b0 &= 7;
            cell = (gy / 4) * (OCR_GRID_W / 4) + gx / 4;
            hog[cell * 8 + b0] += mag * (1 - frac);
            hog[cell * 8 + ((b0 + 1) & 7)] += mag * frac;
        }
    for (int i = 0; i < OCR_NHOG; i++)
        norm += hog[i] * hog[i];
    norm = 1.0f / sqrtf(norm + 1e-6f);
    for (int i = 0; i < OCR_NHOG; i++)
        hog[i] *= norm * 4.0f;
    feat[OCR_NPIX + OCR_NHOG] = (float)(x1 - x0 + 1) / (float)(y1 - y0 + 1);
    return OCR_OK;
}

/*
 * Sum of w[i] * x[i] over n terms, in blocks of 16 that the compiler turns into vector
 * multiply-adds (16-bit products summed in pairs, as SSE2's pmaddwd or NEON's smlal); the result
 * is exact (no overflow: see the caller). The portable version; on x86-64 ocr_classify_features()
 * uses the SSE2 or AVX2 versions of dot4_i8_i16() below.
 */
static int32_t dot_i8_i16(const int8_t *w, const int16_t *x, int n)
{
    int32_t acc[16] = {0}, sum = 0;
    int i = 0;
    for (; i + 16 <= n; i += 16)
        for (int k = 0; k < 16; k++)
            acc[k] += (int32_t)w[i + k] * x[i + k];
    for (; i < n; i++)
        sum += (int32_t)w[i] * x[i];
    for (int k = 0; k < 16; k++)
        sum += acc[k];
    return sum;
}

/* dot_i8_i16() of 4 rows of n weights (w, w + n, w + 2n, w + 3n) with x: out[0..3]. */
static void dot4_i8_i16(const int8_t *w, const int16_t *x, int n, int32_t out[4])
{
    for (int r = 0; r < 4; r++)
        out[r] = dot_i8_i16(w + (size_t)r * n, x, n);
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(OCR_PORTABLE)
/*
 * The same exact sums with SSE2 (part of x86-64) spelled out: the weights sign-extended to 16
 * bits and multiplied-added in pairs (pmaddwd), 16 terms per step, 4 rows sharing each load of
 * x - over twice as fast as what the compiler makes of dot_i8_i16(). Integer sums: the order
 * does not change the result.
 */
static void dot4_i8_i16_sse2(const int8_t *w, const int16_t *x, int n, int32_t out[4])
{
    __m128i acc[4];
    int32_t lanes[4];
    int i = 0;
    for (int r = 0; r < 4; r++)
        acc[r] = _mm_setzero_si128();
    for (; i + 16 <= n; i += 16) {
        __m128i x0 = _mm_loadu_si128((const __m128i *)(const void *)(x + i));
        __m128i x1 = _mm_loadu_si128((const __m128i *)(const void *)(x + i + 8));
        for (int r = 0; r < 4; r++) {
            __m128i wb = _mm_loadu_si128((const __m128i *)(const void *)(w + (size_t)r * n + i));
            __m128i lo = _mm_srai_epi16(_mm_unpacklo_epi8(wb, wb), 8);
            __m128i hi = _mm_srai_epi16(_mm_unpackhi_epi8(wb, wb), 8);
            acc[r] = _mm_add_epi32(acc[r],
                                   _mm_add_epi32(_mm_madd_epi16(lo, x0), _mm_madd_epi16(hi, x1)));
        }
    }
    for (int r = 0; r < 4; r++) {
        const int8_t *wr = w + (size_t)r * n;
        int32_t sum = 0;
        _mm_storeu_si128((__m128i *)(void *)lanes, acc[r]);
        for (int k = i; k < n; k++)
            sum += (int32_t)wr[k] * x[k];
        out[r] = sum + lanes[0] + lanes[1] + lanes[2] + lanes[3];
    }
}

/* The same with AVX2, 32 terms per step (used when the processor has it: again 2x). */
__attribute__((target("avx2"))) static void dot4_i8_i16_avx2(const int8_t *w, const int16_t *x,
                                                             int n, int32_t out[4])
{
    __m256i acc[4];
    int32_t lanes[8];
    int i = 0;
    for (int r = 0; r < 4; r++)
        acc[r] = _mm256_setzero_si256();
    for (; i + 32 <= n; i += 32) {
        __m256i x0 = _mm256_loadu_si256((const __m256i *)(const void *)(x + i));
        __m256i x1 = _mm256_loadu_si256((const __m256i *)(const void *)(x + i + 16));
        for (int r = 0; r < 4; r++) {
            const int8_t *wr = w + (size_t)r * n + i;
            __m256i lo = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)wr));
            __m256i hi =
                _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)(wr + 16)));
            acc[r] = _mm256_add_epi32(
                acc[r], _mm256_add_epi32(_mm256_madd_epi16(lo, x0), _mm256_madd_epi16(hi, x1)));
        }
    }
    for (; i + 16 <= n; i += 16) { /* a last half step (rows padded to 16, ocr_cnn.h) */
        __m256i x0 = _mm256_loadu_si256((const __m256i *)(const void *)(x + i));
        for (int r = 0; r < 4; r++) {
            const int8_t *wr = w + (size_t)r * n + i;
            __m256i lo = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)wr));
            acc[r] = _mm256_add_epi32(acc[r], _mm256_madd_epi16(lo, x0));
        }
    }
    for (int r = 0; r < 4; r++) {
        const int8_t *wr = w + (size_t)r * n;
        int32_t sum = 0;
        _mm256_storeu_si256((__m256i *)(void *)lanes, acc[r]);
        for (int k = i; k < n; k++)
            sum += (int32_t)wr[k] * x[k];
        for (int k = 0; k < 8; k++)
            sum += lanes[k];
        out[r] = sum;
    }
}

/*
 * The first inputs of ocr_classify_features()'s quantization loop, 8 at a time, with the same
 * result: the same float operations, the clamps as min/max, and the conversion rounding to the
 * nearest integer, ties to even (the default rounding mode, as lrintf()). Returns how many
 * inputs it did.
 */
static int quantize_sse2(const struct ocr_model *m, const float *feat, int16_t *xq)
{
    __m128 k64 = _mm_set1_ps(64.0f), hi = _mm_set1_ps(6400.0f), lo = _mm_set1_ps(-6400.0f);
    int i = 0;
    for (; i + 8 <= m->nin; i += 8) {
        __m128 v0 =
            _mm_mul_ps(_mm_mul_ps(_mm_sub_ps(_mm_loadu_ps(feat + i), _mm_loadu_ps(m->mean + i)),
                                  _mm_loadu_ps(m->inv_std + i)),
                       k64);
        __m128 v1 = _mm_mul_ps(
            _mm_mul_ps(_mm_sub_ps(_mm_loadu_ps(feat + i + 4), _mm_loadu_ps(m->mean + i + 4)),
                       _mm_loadu_ps(m->inv_std + i + 4)),
            k64);
        v0 = _mm_max_ps(_mm_min_ps(v0, hi), lo);
        v1 = _mm_max_ps(_mm_min_ps(v1, hi), lo);
        _mm_storeu_si128((__m128i *)(void *)(xq + i),
                         _mm_packs_epi32(_mm_cvtps_epi32(v0), _mm_cvtps_epi32(v1)));
    }
    return i;
}
#endif

void ocr_dot_rows_i8_i16(const int8_t *w, const int16_t *x, int n, int rows, int32_t *out)
{
    void (*dot4)(const int8_t *, const int16_t *, int, int32_t *) = dot4_i8_i16;
    int j = 0;
#if defined(__x86_64__) && defined(__GNUC__) && !defined(OCR_PORTABLE)
    dot4 = __builtin_cpu_supports("avx2") ? dot4_i8_i16_avx2 : dot4_i8_i16_sse2;
#endif
    for (; j + 4 <= rows; j += 4)
        dot4(w + (size_t)j * n, x, n, out + j);
    for (; j < rows; j++)
        out[j] = dot_i8_i16(w + (size_t)j * n, x, n);
}

void ocr_classify_features(const struct ocr_model *m, const float feat[OCR_NFEAT],
                           float prob[OCR_NCLASS])
{
    /* First layer in integers: standardized inputs in 1/64 steps (clamped to +-100, far
       outside any real feature) times the int8 weights, 4 independent sums (no overflow:
       127 * 6400 * 577 < 2^31). */
    int16_t xq[OCR_NFEAT + 3];
    int32_t d[OCR_MAX_HIDDEN];
    float h[OCR_MAX_HIDDEN], mx = -1e30f, sum = 0;
    int nin = m->nin, i = 0, j = 0;
    if (m->kind == OCR_KIND_CNN) {
        ocr_cnn_classify(m->cnn, feat, prob);
        return;
    }
#if defined(__x86_64__) && defined(__GNUC__) && !defined(OCR_PORTABLE)
    i = quantize_sse2(m, feat, xq);
#endif
    for (; i < nin; i++) {
        float v = (feat[i] - m->mean[i]) * m->inv_std[i] * 64.0f;
        v = v > 6400 ? 6400 : v < -6400 ? -6400 : v;
        xq[i] = (int16_t)lrintf(v);
    }
    ocr_dot_rows_i8_i16(m->w1, xq, nin, m->nhid, d);
    for (j = 0; j < m->nhid; j++) {
        float acc = (float)d[j] * (m->s1[j] / 64.0f) + m->b1[j];
        h[j] = acc > 0 ? acc : 0;
    }
    /* Second layer: every class's sum in the order j = 0, 1, ... as a plain loop would, but
       the classes side by side (independent additions instead of one serial chain per class),
       and the hidden units that ReLU zeroed skipped (adding 0 * w changes no sum). */
    for (int k = 0; k < m->nout; k++)
        prob[k] = 0;
    for (j = 0; j < m->nhid; j++) {
        const int8_t *w = m->w2 + j;
        float hj = h[j];
        if (hj == 0)
            continue;
        for (int k = 0; k < m->nout; k++)
            prob[k] += w[(size_t)k * m->nhid] * hj;
    }
    for (int k = 0; k < m->nout; k++) {
        prob[k] = prob[k] * m->s2[k] + m->b2[k];
        if (prob[k] > mx)
            mx = prob[k];
    }
    for (int k = 0; k < m->nout; k++) {
        prob[k] = expf(prob[k] - mx);
        sum += prob[k];
    }
    for (int k = 0; k < m->nout; k++)
        prob[k] /= sum;
}

int ocr_classify(const struct ocr_model *m, const uint8_t *gray, int width, int height, int stride,
                 int x0, int y0, int x1, int y1, int dark_ink, float prob[OCR_NCLASS])
{
    float feat[OCR_NFEAT];
    int rc = ocr_features(gray, width, height, stride, x0, y0, x1, y1, dark_ink, feat);
    if (rc != 0)
        return rc;
    ocr_classify_features(m, feat, prob);
    return OCR_OK;
}
