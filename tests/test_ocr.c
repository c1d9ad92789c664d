/* Tests of host/ocr.c: class alphabet, features, model files, and the built-in classifier on
 * glyphs rendered here with FreeType (known truth, no shared data needed). */
#include "ocr.h"
#include "ocr_test_mlp.h"
#include "testlib.h"

#include <ft2build.h>
#include FT_FREETYPE_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char ALNUM[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

static void test_alphabet(void)
{
    for (int i = 0; i < 36; i++) {
        CHECK_EQ_INT(ocr_class_char(i), ALNUM[i]);
        CHECK_EQ_INT(ocr_char_class(ALNUM[i]), i);
    }
    CHECK_EQ_INT(ocr_class_char(OCR_NONCHAR), '?');
    CHECK_EQ_INT(ocr_class_char(-1), '?');
    CHECK_EQ_INT(ocr_class_char(99), '?');
    CHECK_EQ_INT(ocr_char_class('a'), -1);
    CHECK_EQ_INT(ocr_char_class('-'), -1);
    CHECK_EQ_INT(ocr_char_class(' '), -1);
}

/* Renders c at pixel size px, dark on light, into a w x h image; returns the ink box. */
static int render(FT_Face face, char c, int px, uint8_t *img, int w, int h, int *x0, int *y0,
                  int *x1, int *y1)
{
    FT_GlyphSlot g;
    memset(img, 200, (size_t)w * h);
    if (FT_Set_Pixel_Sizes(face, 0, (FT_UInt)px) != 0 ||
        FT_Load_Char(face, (FT_ULong)(unsigned char)c, FT_LOAD_RENDER) != 0)
        return -1;
    g = face->glyph;
    *x0 = w;
    *y0 = h;
    *x1 = -1;
    *y1 = -1;
    for (unsigned r = 0; r < g->bitmap.rows; r++)
        for (unsigned k = 0; k < g->bitmap.width; k++) {
            int x = 10 + (int)k, y = 10 + (int)r;
            int a = g->bitmap.buffer[r * (unsigned)g->bitmap.pitch + k];
            if (x >= w || y >= h)
                continue;
            img[y * w + x] = (uint8_t)(200 - a * 170 / 255);
            if (a >= 128) {
                if (x < *x0)
                    *x0 = x;
                if (x > *x1)
                    *x1 = x;
                if (y < *y0)
                    *y0 = y;
                if (y > *y1)
                    *y1 = y;
            }
        }
    return *x1 >= 0 ? 0 : -1;
}

static FT_Library lib;
static FT_Face face;

static int open_font(void)
{
    static const char *paths[] = {"/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf",
                                  "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"};
    if (face)
        return 0;
    if (FT_Init_FreeType(&lib) != 0)
        return -1;
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        if (FT_New_Face(lib, paths[i], 0, &face) == 0)
            return 0;
    return -1;
}

static void test_features_invalid(void)
{
    uint8_t img[64] = {0};
    float f[OCR_NFEAT];
    CHECK_EQ_INT(ocr_features(img, 8, 8, 8, 5, 0, 4, 7, 1, f), OCR_ERR_INVALID);     /* x1 < x0 */
    CHECK_EQ_INT(ocr_features(img, 8, 8, 8, 20, 20, 30, 30, 1, f), OCR_ERR_INVALID); /* outside */
    CHECK_EQ_INT(ocr_features(NULL, 8, 8, 8, 0, 0, 4, 4, 1, f), OCR_ERR_INVALID);
    CHECK_EQ_INT(ocr_features(img, 8, 8, 8, 0, 0, 4, 4, 1, f), OCR_OK);
}

/* Dark ink on light read with dark_ink=1 gives the same features as its negative with 0. */
static void test_features_polarity(void)
{
    enum { W = 80, H = 80 };
    static uint8_t img[W * H], neg[W * H];
    float a[OCR_NFEAT], b[OCR_NFEAT];
    int x0, y0, x1, y1;
    if (open_font() != 0)
        SKIP("no DejaVu font");
    REQUIRE(render(face, 'K', 40, img, W, H, &x0, &y0, &x1, &y1) == 0);
    for (int i = 0; i < W * H; i++)
        neg[i] = (uint8_t)(255 - img[i]);
    REQUIRE(ocr_features(img, W, H, W, x0, y0, x1, y1, 1, a) == 0);
    REQUIRE(ocr_features(neg, W, H, W, x0, y0, x1, y1, 0, b) == 0);
    for (int i = 0; i < OCR_NFEAT; i++)
        if (a[i] - b[i] > 1e-4f || b[i] - a[i] > 1e-4f) {
            test_fail(__FILE__, __LINE__, "feature %d differs: %g vs %g", i, (double)a[i],
                      (double)b[i]);
            break;
        }
    /* Ink in the middle of the grid, background at the corner. */
    CHECK(a[0] < 0.2f);
}

/* Same letter or digit up to the shapes no font tells apart without context. */
static int equivalent(char a, char b)
{
    static const char *groups[] = {"0OQD", "1I", "8B", "5S", "2Z"};
    if (a == b)
        return 1;
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++)
        if (strchr(groups[g], a) && strchr(groups[g], b))
            return 1;
    return 0;
}

static void test_classify_rendered(void)
{
    enum { W = 120, H = 120 };
    static uint8_t img[W * H];
    const struct ocr_model *m = ocr_model_default();
    int exact = 0, equiv = 0, total = 0;
    if (open_font() != 0)
        SKIP("no DejaVu font");
    for (int size = 24; size <= 72; size += 24)
        for (int i = 0; i < 36; i++) {
            float p[OCR_NCLASS], sum = 0;
            int x0, y0, x1, y1, best = 0;
            REQUIRE(render(face, ALNUM[i], size, img, W, H, &x0, &y0, &x1, &y1) == 0);
            REQUIRE(ocr_classify(m, img, W, H, W, x0, y0, x1, y1, 1, p) == 0);
            for (int k = 0; k < OCR_NCLASS; k++) {
                sum += p[k];
                if (p[k] > p[best])
                    best = k;
                CHECK(p[k] >= 0 && p[k] <= 1);
            }
            CHECK(sum > 0.999f && sum < 1.001f);
            total++;
            exact += ocr_class_char(best) == ALNUM[i];
            equiv += equivalent(ocr_class_char(best), ALNUM[i]);
        }
    printf("  rendered glyphs: %d/%d exact, %d/%d up to 0/O/Q/D 1/I 8/B 5/S 2/Z\n", exact, total,
           equiv, total);
    CHECK(exact * 100 >= total * 85);
    CHECK(equiv * 100 >= total * 95);
}

/* A blank patch and a filled square are not characters. */
static void test_nonchar(void)
{
    enum { W = 60, H = 60 };
    static uint8_t img[W * H];
    float p[OCR_NCLASS];
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            double dx = x - 30, dy = y - 30;
            img[y * W + x] = dx * dx + dy * dy < 20 * 20 ? 30 : 210; /* a disc */
        }
    REQUIRE(ocr_classify(ocr_model_default(), img, W, H, W, 10, 10, 50, 50, 1, p) == 0);
    CHECK(p[OCR_NONCHAR] > 0.5f);
}

/*
 * The classifier's integer first layer (blocked for vector units) against a plain reference:
 * the same quantized inputs and int8 weights summed one by one in 64 bits, then the same float
 * second layer and softmax. Features drawn at random, including values far outside the
 * training range (clamped alike).
 */
static void test_classify_reference(void)
{
    static struct ocr_test_mlp t;
    const struct ocr_model *m = &t.model;
    static float feat[OCR_NFEAT];
    uint64_t seed = 12345;
    ocr_test_mlp_init(&t, 777);
    REQUIRE(m->nin == OCR_NFEAT && m->nhid <= OCR_MAX_HIDDEN && m->nout == OCR_NCLASS);
    for (int round = 0; round < 20; round++) {
        float prob[OCR_NCLASS], ref[OCR_NCLASS], h[OCR_MAX_HIDDEN], mx = -1e30f, sum = 0;
        int16_t xq[OCR_NFEAT];
        int same = 1;
        for (int i = 0; i < OCR_NFEAT; i++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            feat[i] = (float)((seed >> 33) % 20001) / 10000.0f - 1.0f;
            if (round % 5 == 4 && i % 7 == 0)
                feat[i] *= 1e6f; /* clamped to +-100 standard deviations */
        }
        for (int i = 0; i < m->nin; i++) {
            float v = (feat[i] - m->mean[i]) * m->inv_std[i] * 64.0f;
            v = v > 6400 ? 6400 : v < -6400 ? -6400 : v;
            xq[i] = (int16_t)lrintf(v);
        }
        for (int j = 0; j < m->nhid; j++) {
            int64_t a = 0;
            float acc;
            for (int i = 0; i < m->nin; i++)
                a += (int64_t)m->w1[(size_t)j * m->nin + i] * xq[i];
            acc = (float)a * (m->s1[j] / 64.0f) + m->b1[j];
            h[j] = acc > 0 ? acc : 0;
        }
        for (int k = 0; k < m->nout; k++) {
            float acc = 0;
            for (int j = 0; j < m->nhid; j++)
                acc += m->w2[(size_t)k * m->nhid + j] * h[j];
            ref[k] = acc * m->s2[k] + m->b2[k];
            mx = ref[k] > mx ? ref[k] : mx;
        }
        for (int k = 0; k < m->nout; k++) {
            ref[k] = expf(ref[k] - mx);
            sum += ref[k];
        }
        ocr_classify_features(m, feat, prob);
        for (int k = 0; k < m->nout; k++)
            same &= fabsf(prob[k] - ref[k] / sum) <= 1e-6f;
        CHECK(same);
    }
}

static void test_model_file(void)
{
    char path[4096], bad[4096];
    struct ocr_model *m = NULL;
    static struct ocr_test_mlp t;
    const struct ocr_model *d = &t.model;
    enum { W = 80, H = 80 };
    static uint8_t img[W * H];
    float f[OCR_NFEAT], p1[OCR_NCLASS], p2[OCR_NCLASS];
    FILE *fp;
    snprintf(path, sizeof path, "%s/model.bin", test_tmpdir());
    snprintf(bad, sizeof bad, "%s/bad.bin", test_tmpdir());
    /* The perceptron's file format (the network's has its own test, test_ocr_cnn). */
    ocr_test_mlp_init(&t, 4242);
    REQUIRE(ocr_model_save(path, d) == 0);
    REQUIRE(ocr_model_load(path, &m) == 0);
    CHECK_EQ_INT(m->nin, OCR_NFEAT);
    CHECK_EQ_INT(m->nhid, d->nhid);
    for (int i = 0; i < W * H; i++)
        img[i] = (uint8_t)(i * 7 % 251);
    REQUIRE(ocr_features(img, W, H, W, 10, 10, 40, 60, 1, f) == 0);
    ocr_classify_features(d, f, p1);
    ocr_classify_features(m, f, p2);
    CHECK(memcmp(p1, p2, sizeof p1) == 0);
    ocr_model_free(m);
    ocr_model_free(NULL);
    m = NULL;
    CHECK_EQ_INT(ocr_model_load("/nonexistent/model.bin", &m), OCR_ERR_OPEN);
    fp = fopen(bad, "wb");
    REQUIRE(fp);
    fputs("not a model at all", fp);
    fclose(fp);
    CHECK_EQ_INT(ocr_model_load(bad, &m), OCR_ERR_FORMAT);
    CHECK(m == NULL);
    /* Truncated: the right header, missing weights. */
    {
        FILE *in = fopen(path, "rb"), *out = fopen(bad, "wb");
        char buf[100];
        REQUIRE(in && out);
        REQUIRE(fread(buf, 1, sizeof buf, in) == sizeof buf);
        fwrite(buf, 1, sizeof buf, out);
        fclose(in);
        fclose(out);
        CHECK_EQ_INT(ocr_model_load(bad, &m), OCR_ERR_FORMAT);
    }
    CHECK(strcmp(ocr_strerror(OCR_ERR_FORMAT), "unknown error") != 0);
    CHECK(strcmp(ocr_strerror(12345), "unknown error") == 0);
}

int main(void)
{
    RUN(test_alphabet);
    RUN(test_features_invalid);
    RUN(test_features_polarity);
    RUN(test_classify_rendered);
    RUN(test_nonchar);
    RUN(test_classify_reference);
    RUN(test_model_file);
    if (face)
        FT_Done_Face(face);
    if (lib)
        FT_Done_FreeType(lib);
    return test_finish();
}
