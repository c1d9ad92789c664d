/*
 * test_ocr_cnn: the convolutional classifier (host/ocr_cnn.h) - integer inference against a
 * plain float reference written here, the model file's round trip and its rejection of damaged
 * files, and training on a toy set.
 */
#include "ocr.h"
#include "ocr_cnn.h"
#include "ocr_test_mlp.h"
#include "testlib.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state = 12345;

static double uniform(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

/* A feature vector: a random grid in 0..1 (its largest value 1, as ocr_features() makes it),
   random HOG values, an aspect ratio. */
static void random_features(float feat[OCR_NFEAT])
{
    for (int i = 0; i < OCR_NPIX; i++)
        feat[i] = (float)uniform();
    feat[(int)(uniform() * OCR_NPIX)] = 1;
    for (int i = OCR_NPIX; i < OCR_NFEAT - 1; i++)
        feat[i] = (float)uniform() * 0.5f;
    feat[OCR_NFEAT - 1] = 0.3f + (float)uniform();
}

/* The network in plain float from the quantized weights (int8 times scale), no padding tricks,
   every sum written out: the specification the integer code must match. */
static void reference(const struct ocr_cnn *n, const float *feat, float prob[OCR_NCLASS])
{
    static float a1[24][16][OCR_CNN_MAX_C1], p1[12][8][OCR_CNN_MAX_C1], a2[12][8][OCR_CNN_MAX_C2];
    static float z[24 * OCR_CNN_MAX_C2 + OCR_CNN_MAX_EXTRA], h[OCR_CNN_MAX_HIDDEN];
    int nflat = 24 * n->c2;
    double mx = -1e30, sum = 0, o[OCR_NCLASS];
    for (int y = 0; y < 24; y++)
        for (int x = 0; x < 16; x++)
            for (int c = 0; c < n->c1; c++) {
                double s = n->bc1[c];
                for (int ky = -1; ky <= 1; ky++)
                    for (int kx = -1; kx <= 1; kx++)
                        if (y + ky >= 0 && y + ky < 24 && x + kx >= 0 && x + kx < 16)
                            s += n->wc1[c * n->k1 + (ky + 1) * 3 + kx + 1] * (double)n->sc1[c] *
                                 feat[(y + ky) * 16 + x + kx];
                a1[y][x][c] = s > 0 ? (float)s : 0;
            }
    for (int y = 0; y < 12; y++)
        for (int x = 0; x < 8; x++)
            for (int c = 0; c < n->c1; c++)
                p1[y][x][c] = fmaxf(fmaxf(a1[2 * y][2 * x][c], a1[2 * y][2 * x + 1][c]),
                                    fmaxf(a1[2 * y + 1][2 * x][c], a1[2 * y + 1][2 * x + 1][c]));
    for (int y = 0; y < 12; y++)
        for (int x = 0; x < 8; x++)
            for (int c = 0; c < n->c2; c++) {
                double s = n->bc2[c];
                for (int ky = -1; ky <= 1; ky++)
                    for (int kx = -1; kx <= 1; kx++)
                        for (int ci = 0; ci < n->c1; ci++)
                            if (y + ky >= 0 && y + ky < 12 && x + kx >= 0 && x + kx < 8)
                                s += n->wc2[c * n->k2 + ((ky + 1) * 3 + kx + 1) * n->c1 + ci] *
                                     (double)n->sc2[c] * p1[y + ky][x + kx][ci];
                a2[y][x][c] = s > 0 ? (float)s : 0;
            }
    for (int y = 0; y < 6; y++)
        for (int x = 0; x < 4; x++)
            for (int c = 0; c < n->c2; c++)
                z[(y * 4 + x) * n->c2 + c] =
                    fmaxf(fmaxf(a2[2 * y][2 * x][c], a2[2 * y][2 * x + 1][c]),
                          fmaxf(a2[2 * y + 1][2 * x][c], a2[2 * y + 1][2 * x + 1][c]));
    for (int i = 0; i < n->nextra; i++)
        z[nflat + i] = (feat[OCR_NFEAT - n->nextra + i] - n->mean[i]) * n->inv_std[i];
    for (int j = 0; j < n->nhid; j++) {
        double s = n->bf1[j];
        for (int i = 0; i < nflat; i++)
            s += n->wf1[j * n->kf + i] * (double)n->sf1[j] * z[i];
        for (int i = 0; i < n->nextra; i++)
            s += n->wf1e[j * n->ke + i] * (double)n->sf1[j] * z[nflat + i];
        h[j] = s > 0 ? (float)s : 0;
    }
    for (int k = 0; k < OCR_NCLASS; k++) {
        double s = n->bf2[k];
        for (int j = 0; j < n->nhid; j++)
            s += n->wf2[k * n->nhid + j] * (double)n->sf2[k] * h[j];
        o[k] = s;
        if (s > mx)
            mx = s;
    }
    for (int k = 0; k < OCR_NCLASS; k++)
        sum += o[k] = exp(o[k] - mx);
    for (int k = 0; k < OCR_NCLASS; k++)
        prob[k] = (float)(o[k] / sum);
}

/* A quantized model from a float network with random weights (biases random too). */
static struct ocr_model *random_model(int c1, int c2, int nhid, int nextra)
{
    struct ocr_cnn_float f;
    struct ocr_model *m = NULL;
    uint64_t seed = 99;
    float shift[OCR_NCLASS];
    if (ocr_cnn_float_init(&f, c1, c2, nhid, nextra, &seed) != 0)
        return NULL;
    for (int c = 0; c < c1; c++)
        f.bc1[c] = (float)(uniform() - 0.5) * 0.2f;
    for (int c = 0; c < c2; c++)
        f.bc2[c] = (float)(uniform() - 0.5) * 0.2f;
    for (int j = 0; j < nhid; j++)
        f.bf1[j] = (float)(uniform() - 0.5) * 0.2f;
    for (int i = 0; i < nextra; i++) {
        f.mean[i] = 0.25f;
        f.inv_std[i] = 3;
    }
    for (int k = 0; k < OCR_NCLASS; k++)
        shift[k] = (float)(uniform() - 0.5);
    if (ocr_cnn_quantize(&f, shift, &m) != 0)
        m = NULL;
    ocr_cnn_float_free(&f);
    return m;
}

static void test_matches_reference(void)
{
    static const int shapes[][4] = {{8, 16, 64, OCR_NHOG + 1}, {4, 8, 32, 1}, {12, 20, 36, 0}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        struct ocr_model *m = random_model(shapes[s][0], shapes[s][1], shapes[s][2], shapes[s][3]);
        float worst = 0;
        int agree = 0;
        REQUIRE(m != NULL);
        CHECK_EQ_INT(m->kind, OCR_KIND_CNN);
        for (int t = 0; t < 50; t++) {
            float feat[OCR_NFEAT], p[OCR_NCLASS], r[OCR_NCLASS], total = 0;
            int ap = 0, ar = 0;
            random_features(feat);
            ocr_classify_features(m, feat, p);
            reference(m->cnn, feat, r);
            for (int k = 0; k < OCR_NCLASS; k++) {
                total += p[k];
                worst = fmaxf(worst, fabsf(p[k] - r[k]));
                if (p[k] > p[ap])
                    ap = k;
                if (r[k] > r[ar])
                    ar = k;
            }
            CHECK(fabsf(total - 1) < 1e-4f);
            agree += ap == ar;
        }
        /* Only the activations' rounding (4096 steps per layer) separates the two. */
        if (worst > 0.01f)
            test_fail(__FILE__, __LINE__, "shape %zu: probabilities differ by %g", s,
                      (double)worst);
        CHECK(agree >= 48);
        ocr_model_free(m);
    }
}

static char *path_in_tmp(const char *name)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", test_tmpdir(), name);
    return buf;
}

static long file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    long n;
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fclose(f);
    return n;
}

static void test_save_load_round_trip(void)
{
    struct ocr_model *m = random_model(8, 16, 64, OCR_NHOG + 1), *l = NULL, *again = NULL;
    char path[4096], path2[4096];
    REQUIRE(m != NULL);
    snprintf(path, sizeof path, "%s", path_in_tmp("cnn.bin"));
    snprintf(path2, sizeof path2, "%s", path_in_tmp("cnn2.bin"));
    CHECK_EQ_INT(ocr_model_save(path, m), OCR_OK);
    REQUIRE(ocr_model_load(path, &l) == OCR_OK);
    CHECK_EQ_INT(l->kind, OCR_KIND_CNN);
    CHECK_EQ_INT(l->cnn->c1, 8);
    CHECK_EQ_INT(l->cnn->c2, 16);
    CHECK_EQ_INT(l->cnn->nhid, 64);
    CHECK_EQ_INT(l->cnn->nextra, OCR_NHOG + 1);
    for (int t = 0; t < 10; t++) {
        float feat[OCR_NFEAT], a[OCR_NCLASS], b[OCR_NCLASS];
        random_features(feat);
        ocr_classify_features(m, feat, a);
        ocr_classify_features(l, feat, b);
        CHECK(memcmp(a, b, sizeof a) == 0);
    }
    /* Saving the loaded model gives the same bytes. */
    CHECK_EQ_INT(ocr_model_save(path2, l), OCR_OK);
    {
        FILE *f1 = fopen(path, "rb"), *f2 = fopen(path2, "rb");
        int c1, c2, same = 1;
        REQUIRE(f1 && f2);
        do {
            c1 = fgetc(f1);
            c2 = fgetc(f2);
            same &= c1 == c2;
        } while (c1 != EOF && c2 != EOF);
        CHECK(same);
        fclose(f1);
        fclose(f2);
    }
    CHECK_EQ_INT(ocr_model_load(path2, &again), OCR_OK);
    ocr_model_free(again);
    ocr_model_free(l);
    ocr_model_free(m);
}

/* Copies src to dst changing the byte at offset to value (offset < 0: none), keeping the first
   keep bytes (keep < 0: all), and appending extra bytes. */
static int copy_damaged(const char *src, const char *dst, long offset, int value, long keep,
                        int extra)
{
    FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
    long i = 0;
    int c;
    if (!in || !out) {
        if (in)
            fclose(in);
        if (out)
            fclose(out);
        return -1;
    }
    while ((c = fgetc(in)) != EOF && (keep < 0 || i < keep)) {
        fputc(i == offset ? value : c, out);
        i++;
    }
    for (int k = 0; k < extra; k++)
        fputc(0, out);
    fclose(in);
    return fclose(out);
}

static void expect_format_error(const char *path, const char *what)
{
    struct ocr_model *m = NULL;
    int rc = ocr_model_load(path, &m);
    if (rc != OCR_ERR_FORMAT) {
        test_fail(__FILE__, __LINE__, "%s: load returned %d, want OCR_ERR_FORMAT", what, rc);
        if (rc == OCR_OK)
            ocr_model_free(m);
    }
}

static void test_damaged_files_rejected(void)
{
    struct ocr_model *m = random_model(8, 16, 64, OCR_NHOG + 1), *l = NULL;
    char good[4096], bad[4096];
    long size;
    /* Offsets: magic 8 bytes, 5 int32 sizes, then the floats: mean, inv_std (193 each), sc1. */
    const long sizes = 8, floats = 8 + 5 * 4, sc1 = floats + 2 * (OCR_NHOG + 1) * 4;
    REQUIRE(m != NULL);
    snprintf(good, sizeof good, "%s", path_in_tmp("good.bin"));
    snprintf(bad, sizeof bad, "%s", path_in_tmp("bad.bin"));
    REQUIRE(ocr_model_save(good, m) == OCR_OK);
    size = file_size(good);
    REQUIRE(size > sc1);
    CHECK_EQ_INT(ocr_model_load(path_in_tmp("absent.bin"), &l), OCR_ERR_OPEN);

    REQUIRE(copy_damaged(good, bad, -1, 0, size - 1, 0) == 0);
    expect_format_error(bad, "truncated by one byte");
    REQUIRE(copy_damaged(good, bad, -1, 0, 40, 0) == 0);
    expect_format_error(bad, "truncated in the floats");
    REQUIRE(copy_damaged(good, bad, -1, 0, 5, 0) == 0);
    expect_format_error(bad, "truncated magic");
    REQUIRE(copy_damaged(good, bad, -1, 0, -1, 1) == 0);
    expect_format_error(bad, "a trailing byte");
    REQUIRE(copy_damaged(good, bad, 7, '2', -1, 0) == 0);
    expect_format_error(bad, "another format version");
    REQUIRE(copy_damaged(good, bad, sizes, 6, -1, 0) == 0); /* c1 = 6: not a multiple of 4 */
    expect_format_error(bad, "unsupported c1");
    REQUIRE(copy_damaged(good, bad, sizes + 3, 0x40, -1, 0) == 0); /* c1 enormous */
    expect_format_error(bad, "enormous c1");
    REQUIRE(copy_damaged(good, bad, sc1 + 3, 0xbf, -1, 0) == 0); /* a negative scale */
    expect_format_error(bad, "negative scale");
    REQUIRE(copy_damaged(good, bad, -1, 0, -1, 0) == 0);
    {
        /* sc1[0] NaN: exponent all ones, mantissa non-zero */
        FILE *f = fopen(bad, "r+b");
        REQUIRE(f != NULL);
        fseek(f, sc1 + 2, SEEK_SET);
        fputc(0xff, f);
        fputc(0x7f, f);
        fclose(f);
    }
    expect_format_error(bad, "NaN scale");
    {
        /* A non-zero byte in the padding of wc1's first row (9 taps used of 16). */
        long wc1 = size - (long)(8 * 16 + 16 * OCR_CNN_ROW(72) + 64 * OCR_CNN_ROW(24 * 16) +
                                 64 * OCR_CNN_ROW(OCR_NHOG + 1) + OCR_NCLASS * 64);
        REQUIRE(copy_damaged(good, bad, wc1 + 12, 1, -1, 0) == 0);
        expect_format_error(bad, "non-zero padding");
        REQUIRE(copy_damaged(good, bad, wc1 + 3, 1, -1, 0) == 0);
        CHECK_EQ_INT(ocr_model_load(bad, &l), OCR_OK); /* a weight may change */
        ocr_model_free(l);
    }
    ocr_model_free(m);
}

/* Two classes told apart by where the ink is (left or right half of the grid), with noise:
   a few epochs of training must lower the loss well below chance and classify them. */
static void toy_sample(float feat[OCR_NFEAT], int cls)
{
    for (int i = 0; i < OCR_NPIX; i++)
        feat[i] = (float)uniform() * 0.3f;
    for (int y = 4; y < 20; y++)
        for (int x = 0; x < 5; x++)
            feat[y * OCR_GRID_W + (cls ? 10 + x : 1 + x)] = 0.7f + (float)uniform() * 0.3f;
    for (int i = OCR_NPIX; i < OCR_NFEAT; i++)
        feat[i] = 0.5f;
}

static void test_training_reduces_loss(void)
{
    struct ocr_cnn_float f;
    struct ocr_model *m = NULL;
    uint64_t seed = 7;
    float feat[OCR_NFEAT], prob[OCR_NCLASS];
    double first = 0, last = 0;
    int right = 0;
    REQUIRE(ocr_cnn_float_init(&f, 4, 8, 16, 1, &seed) == OCR_OK);
    for (int ep = 0; ep < 6; ep++) {
        double loss = 0;
        for (int k = 0; k < 100; k++) {
            int cls = k % 2 ? 3 : 12;
            float l;
            toy_sample(feat, cls == 12);
            l = ocr_cnn_float_step(&f, feat, cls, 0.01f, 1e-5f, prob);
            loss += l;
            if (ep == 0 && k < 10)
                first += l / 10;
        }
        last = loss / 100;
    }
    CHECK(first > 1.0);       /* starts near chance over 37 classes (ln 37 = 3.6) */
    CHECK(last < 0.1);        /* learns the toy set */
    CHECK(last < first / 10); /* and the loss fell */
    REQUIRE(ocr_cnn_quantize(&f, NULL, &m) == OCR_OK);
    for (int k = 0; k < 40; k++) {
        int cls = k % 2, arg = 0;
        toy_sample(feat, cls);
        ocr_classify_features(m, feat, prob);
        for (int c = 1; c < OCR_NCLASS; c++)
            if (prob[c] > prob[arg])
                arg = c;
        right += arg == (cls ? 12 : 3);
    }
    CHECK_EQ_INT(right, 40);
    ocr_model_free(m);
    ocr_cnn_float_free(&f);
    CHECK_EQ_INT(ocr_cnn_float_init(&f, 6, 8, 16, 1, &seed), OCR_ERR_INVALID);
    CHECK_EQ_INT(ocr_cnn_float_init(&f, 8, 16, 16, OCR_NHOG + 2, &seed), OCR_ERR_INVALID);
}

/* Training is deterministic: the same seed and samples give the same weights, bit for bit. */
static void test_training_deterministic(void)
{
    struct ocr_cnn_float f[2];
    float feat[OCR_NFEAT], prob[OCR_NCLASS];
    for (int r = 0; r < 2; r++) {
        uint64_t seed = 3;
        rng_state = 77;
        REQUIRE(ocr_cnn_float_init(&f[r], 4, 8, 16, OCR_NHOG + 1, &seed) == OCR_OK);
        for (int k = 0; k < 50; k++) {
            toy_sample(feat, k % 2);
            (void)ocr_cnn_float_step(&f[r], feat, k % 2 ? 5 : 20, 0.01f, 1e-5f, prob);
        }
    }
    CHECK(memcmp(f[0].wc1, f[1].wc1, sizeof(float) * 4 * 9) == 0);
    CHECK(memcmp(f[0].wc2, f[1].wc2, sizeof(float) * 8 * 36) == 0);
    CHECK(memcmp(f[0].wf1, f[1].wf1, sizeof(float) * 16 * (24 * 8 + OCR_NHOG + 1)) == 0);
    CHECK(memcmp(f[0].wf2, f[1].wf2, sizeof(float) * OCR_NCLASS * 16) == 0);
    CHECK(memcmp(f[0].bf2, f[1].bf2, sizeof(float) * OCR_NCLASS) == 0);
    ocr_cnn_float_free(&f[0]);
    ocr_cnn_float_free(&f[1]);
}

/* The C source of a network (host/ocr_model.inc) says its kind and holds every array; its
   floats are written exactly. (Compiling it in is checked by building with it.) */
static void test_write_c(void)
{
    struct ocr_model *m = random_model(8, 16, 64, OCR_NHOG + 1);
    char path[4096], line[65536];
    FILE *f;
    int kind = 0, arrays = 0, structs = 0, sc1 = 0;
    REQUIRE(m != NULL);
    snprintf(path, sizeof path, "%s", path_in_tmp("model.inc"));
    f = fopen(path, "w");
    REQUIRE(f != NULL);
    ocr_model_write_c(f, m, " * test\n");
    fclose(f);
    f = fopen(path, "r");
    REQUIRE(f != NULL);
    while (fgets(line, sizeof line, f)) {
        kind += strcmp(line, "#define OCR_DEFAULT_KIND OCR_KIND_CNN\n") == 0;
        arrays += strncmp(line, "static const ", 13) == 0 && strstr(line, "[") != NULL;
        structs += strcmp(line, "static const struct ocr_cnn ocr_default_cnn = {\n") == 0;
        if (strncmp(line, "static const float ocr_default_cnn_sc1[8]", 41) == 0 &&
            fgets(line, sizeof line, f)) {
            float v = strtof(line, NULL);
            sc1 = memcmp(&v, &m->cnn->sc1[0], sizeof v) == 0;
        }
    }
    fclose(f);
    CHECK_EQ_INT(kind, 1);
    CHECK_EQ_INT(arrays, 17);
    CHECK_EQ_INT(structs, 1);
    CHECK(sc1);
    ocr_model_free(m);
}

/* The perceptron's model file still loads as a perceptron. */
static void test_mlp_file_still_loads(void)
{
    char path[4096];
    struct ocr_model *l = NULL;
    float feat[OCR_NFEAT], a[OCR_NCLASS], b[OCR_NCLASS];
    static struct ocr_test_mlp t;
    ocr_test_mlp_init(&t, 99);
    snprintf(path, sizeof path, "%s", path_in_tmp("mlp.bin"));
    REQUIRE(ocr_model_save(path, &t.model) == OCR_OK);
    REQUIRE(ocr_model_load(path, &l) == OCR_OK);
    CHECK_EQ_INT(l->kind, OCR_KIND_MLP);
    random_features(feat);
    ocr_classify_features(&t.model, feat, a);
    ocr_classify_features(l, feat, b);
    CHECK(memcmp(a, b, sizeof a) == 0);
    ocr_model_free(l);
}

int main(void)
{
    RUN(test_matches_reference);
    RUN(test_save_load_round_trip);
    RUN(test_damaged_files_rejected);
    RUN(test_training_reduces_loss);
    RUN(test_training_deterministic);
    RUN(test_write_c);
    RUN(test_mlp_file_still_loads);
    return test_finish();
}
