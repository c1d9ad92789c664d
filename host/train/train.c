/* train: the trainer's PRNG and sample store (train.h). */
#include "train.h"

#include "image.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h> /* after stdio.h: it uses FILE */

uint64_t train_rng_next(struct train_rng *r)
{
    uint64_t z = (r->state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

double train_rng_uniform(struct train_rng *r, double a, double b)
{
    return a + (b - a) * (double)(train_rng_next(r) >> 11) / 9007199254740992.0;
}

int train_rng_int(struct train_rng *r, int n)
{
    return (int)(train_rng_next(r) % (uint64_t)n);
}

double train_rng_gauss(struct train_rng *r)
{
    double u = train_rng_uniform(r, 1e-12, 1), v = train_rng_uniform(r, 0, 1);
    return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static void grow(struct train_samples *s, size_t cap)
{
    s->x = realloc(s->x, cap * OCR_NFEAT * sizeof(float));
    s->y = realloc(s->y, cap);
    if (!s->x || !s->y) {
        fprintf(stderr, "ocr_train: out of memory\n");
        exit(1);
    }
    s->cap = cap;
}

void train_samples_add(struct train_samples *s, const float *feat, int cls)
{
    if (s->n == s->cap)
        grow(s, s->cap ? s->cap * 2 : 4096);
    memcpy(s->x + s->n * OCR_NFEAT, feat, OCR_NFEAT * sizeof(float));
    s->y[s->n++] = (uint8_t)cls;
}

void train_samples_add_box(struct train_samples *s, const uint8_t *g, int w, int h, int stride,
                           int x0, int y0, int x1, int y1, int dark, int cls)
{
    float feat[OCR_NFEAT];
    if (ocr_features(g, w, h, stride, x0, y0, x1, y1, dark, feat) == 0)
        train_samples_add(s, feat, cls);
}

void train_samples_copy(struct train_samples *dst, const struct train_samples *src)
{
    *dst = (struct train_samples){0};
    grow(dst, src->n ? src->n : 1);
    memcpy(dst->x, src->x, src->n * OCR_NFEAT * sizeof(float));
    memcpy(dst->y, src->y, src->n);
    dst->n = src->n;
}

void train_samples_free(struct train_samples *s)
{
    free(s->x);
    free(s->y);
    *s = (struct train_samples){0};
}

int train_samples_save(const char *path, const struct train_samples *s,
                       const float shift[OCR_NCLASS])
{
    uint32_t head[3] = {OCR_NFEAT, OCR_NCLASS, (uint32_t)s->n};
    FILE *f = fopen(path, "wb");
    int ok;
    if (!f)
        return TRAIN_FILE_OPEN;
    ok = fwrite("OCRSAMP1", 1, 8, f) == 8 && fwrite(head, sizeof head, 1, f) == 1 &&
         fwrite(shift, sizeof(float) * OCR_NCLASS, 1, f) == 1 && fwrite(s->y, 1, s->n, f) == s->n &&
         fwrite(s->x, sizeof(float) * OCR_NFEAT, s->n, f) == s->n;
    if (fclose(f) != 0)
        ok = 0;
    return ok ? 0 : TRAIN_FILE_OPEN;
}

int train_samples_load(const char *path, struct train_samples *s, float shift[OCR_NCLASS])
{
    FILE *f = fopen(path, "rb");
    char magic[8];
    uint32_t head[3];
    int ok;
    if (!f)
        return TRAIN_FILE_OPEN;
    ok = fread(magic, 1, 8, f) == 8 && memcmp(magic, "OCRSAMP1", 8) == 0 &&
         fread(head, sizeof head, 1, f) == 1 && head[0] == OCR_NFEAT && head[1] == OCR_NCLASS &&
         head[2] > 0 && head[2] <= TRAIN_SAMPLES_MAX;
    if (!ok) {
        fclose(f);
        return TRAIN_FILE_FORMAT;
    }
    s->n = s->cap = head[2];
    s->y = malloc(s->n);
    s->x = malloc(sizeof(float) * OCR_NFEAT * s->n);
    if (!s->y || !s->x) {
        fclose(f);
        return TRAIN_FILE_NOMEM;
    }
    ok = fread(shift, sizeof(float) * OCR_NCLASS, 1, f) == 1 && fread(s->y, 1, s->n, f) == s->n &&
         fread(s->x, sizeof(float) * OCR_NFEAT, s->n, f) == s->n && fgetc(f) == EOF;
    fclose(f);
    for (size_t i = 0; ok && i < s->n; i++)
        ok = s->y[i] < OCR_NCLASS;
    for (size_t i = 0; ok && i < s->n * OCR_NFEAT; i++)
        ok = isfinite(s->x[i]);
    return ok ? 0 : TRAIN_FILE_CORRUPT;
}

/* Compresses the gray image (w x h) as JPEG of the given quality and decodes it in place. */
void train_jpeg_roundtrip(uint8_t *img, int w, int h, int quality)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr e;
    unsigned char *buf = NULL;
    unsigned long len = 0;
    struct image d;
    c.err = jpeg_std_error(&e);
    jpeg_create_compress(&c);
    jpeg_mem_dest(&c, &buf, &len);
    c.image_width = (JDIMENSION)w;
    c.image_height = (JDIMENSION)h;
    c.input_components = 1;
    c.in_color_space = JCS_GRAYSCALE;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, quality, TRUE);
    jpeg_start_compress(&c, TRUE);
    for (int y = 0; y < h; y++) {
        JSAMPROW r = img + (size_t)y * w;
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    if (image_load_mem(buf, len, &d) == 0) {
        if (d.width == w && d.height == h)
            memcpy(img, d.pixels, (size_t)w * h);
        image_free(&d);
    }
    free(buf);
}
