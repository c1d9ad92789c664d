/*
 * bench_degrade: makes the robustness sets of `make bench-accuracy` from the development data:
 * smaller, JPEG-compressed copies of the benchmark crops and frames, with their truth.
 *
 *   bench_degrade crops SRC_DIR OUT_DIR WIDTH QUALITY
 *       every crop of SRC_DIR/truth.csv (file,state,PLATE) downscaled by area averaging to
 *       WIDTH pixels wide (aspect kept; the benchmark crops are cut at the plate's edges, so
 *       the plate is WIDTH wide; a crop already narrower keeps its size), written as
 *       OUT_DIR/NAME.jpg at JPEG QUALITY, and OUT_DIR/truth.csv with the new names.
 *   bench_degrade frames SRC_DIR OUT_DIR MAX_W MAX_H QUALITY
 *       every frame NAME.EXT with a NAME.txt (file x y w h PLATE) downscaled by area averaging
 *       to fit MAX_W x MAX_H (aspect kept; smaller frames keep their size), written as
 *       OUT_DIR/NAME.jpg at JPEG QUALITY, with OUT_DIR/NAME.txt holding the box scaled alike.
 *
 * The output file keeps the source's name but for the extension: the benchmark assigns an
 * image to its cross-validation fold by the source name (ocr_train --list-fold), and the
 * bench maps the degraded copy back to it. Prints one summary line; exit 0, or 1 with a
 * message on the first error (unreadable image, bad truth line, write failure).
 */
#include "image.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define LINE_MAX_BYTES 1024
#define NAME_MAX_BYTES 256

/*
 * Area-averaging resize of src to w x h (w <= src width, h <= src height): each output pixel is
 * the mean of the source area it covers, partial source pixels weighted by their covered
 * fraction (separable: rows first, then columns). Returns 0 or a negative image_error.
 */
static int resize_area(const struct image *src, int w, int h, struct image *out)
{
    double sx = (double)src->width / w, sy = (double)src->height / h;
    float *tmp = malloc((size_t)w * (size_t)src->height * sizeof *tmp);
    struct image dst;
    int rc;
    if (!tmp)
        return IMAGE_ERR_NOMEM;
    rc = image_alloc(&dst, w, h);
    if (rc != 0) {
        free(tmp);
        return rc;
    }
    for (int x = 0; x < w; x++) {
        double a = x * sx, b = (x + 1) * sx;
        for (int y = 0; y < src->height; y++) {
            const uint8_t *row = src->pixels + (size_t)y * (size_t)src->width;
            double sum = 0;
            for (int i = (int)a; i < src->width && i < b; i++) {
                double lo = i > a ? i : a, hi = i + 1 < b ? i + 1 : b;
                sum += row[i] * (hi - lo);
            }
            tmp[(size_t)y * (size_t)w + (size_t)x] = (float)(sum / sx);
        }
    }
    for (int y = 0; y < h; y++) {
        double a = y * sy, b = (y + 1) * sy;
        for (int x = 0; x < w; x++) {
            double sum = 0;
            for (int i = (int)a; i < src->height && i < b; i++) {
                double lo = i > a ? i : a, hi = i + 1 < b ? i + 1 : b;
                sum += tmp[(size_t)i * (size_t)w + (size_t)x] * (hi - lo);
            }
            long v = lround(sum / sy);
            dst.pixels[(size_t)y * (size_t)w + (size_t)x] = (uint8_t)(v < 0     ? 0
                                                                      : v > 255 ? 255
                                                                                : v);
        }
    }
    free(tmp);
    *out = dst;
    return 0;
}

/* NAME.EXT -> NAME.jpg into out (size bytes). Returns 0, or -1 when it does not fit. */
static int jpg_name(const char *file, char *out, size_t size)
{
    const char *dot = strrchr(file, '.');
    size_t stem = dot ? (size_t)(dot - file) : strlen(file);
    if (stem + 5 > size)
        return -1;
    memcpy(out, file, stem);
    memcpy(out + stem, ".jpg", 5);
    return 0;
}

/* Loads dir/file, scales it by the factor that makes it fit w x h, writes out_dir/NAME.jpg. */
static int degrade_one(const char *dir, const char *file, const char *out_dir, int max_w, int max_h,
                       int quality, char *out_name, double *fx, double *fy)
{
    char path[4096];
    struct image img, small;
    int rc, w, h;
    double s;
    snprintf(path, sizeof path, "%s/%s", dir, file);
    rc = image_load(path, &img);
    if (rc != 0) {
        fprintf(stderr, "bench_degrade: %s: %s\n", path, image_strerror(rc));
        return -1;
    }
    s = fmin(1.0, fmin((double)max_w / img.width, (double)max_h / img.height));
    w = (int)lround(img.width * s);
    h = (int)lround(img.height * s);
    w = w < 1 ? 1 : w;
    h = h < 1 ? 1 : h;
    rc = resize_area(&img, w, h, &small);
    if (rc == 0) {
        *fx = (double)w / img.width;
        *fy = (double)h / img.height;
    }
    image_free(&img);
    if (rc != 0) {
        fprintf(stderr, "bench_degrade: %s: %s\n", path, image_strerror(rc));
        return -1;
    }
    if (jpg_name(file, out_name, NAME_MAX_BYTES) != 0) {
        fprintf(stderr, "bench_degrade: %s: name too long\n", file);
        image_free(&small);
        return -1;
    }
    snprintf(path, sizeof path, "%s/%s", out_dir, out_name);
    rc = image_save_jpeg(path, &small, quality);
    image_free(&small);
    if (rc != 0) {
        fprintf(stderr, "bench_degrade: %s: %s\n", path, image_strerror(rc));
        return -1;
    }
    return 0;
}

static int crops(const char *src, const char *out, int width, int quality)
{
    char path[4096], line[LINE_MAX_BYTES], name[NAME_MAX_BYTES];
    FILE *in, *truth;
    int n = 0, rc = 0;
    snprintf(path, sizeof path, "%s/truth.csv", src);
    in = fopen(path, "r");
    if (!in) {
        fprintf(stderr, "bench_degrade: %s: %s\n", path, strerror(errno));
        return 1;
    }
    snprintf(path, sizeof path, "%s/truth.csv", out);
    truth = fopen(path, "w");
    if (!truth) {
        fprintf(stderr, "bench_degrade: %s: %s\n", path, strerror(errno));
        fclose(in);
        return 1;
    }
    while (rc == 0 && fgets(line, sizeof line, in)) {
        char *file = strtok(line, ",\r\n"), *state = strtok(NULL, ",\r\n"),
             *text = strtok(NULL, ",\r\n");
        double fx, fy;
        if (!file || !state || !text) {
            fprintf(stderr, "bench_degrade: %s/truth.csv: a line without file,state,PLATE\n", src);
            rc = 1;
        } else if (degrade_one(src, file, out, width, 1 << 30, quality, name, &fx, &fy) != 0) {
            rc = 1;
        } else {
            fprintf(truth, "%s,%s,%s\n", name, state, text);
            n++;
        }
    }
    fclose(in);
    if (fclose(truth) != 0 && rc == 0) {
        fprintf(stderr, "bench_degrade: %s: write failed\n", path);
        rc = 1;
    }
    if (rc == 0)
        printf("bench_degrade: %d crops of %s -> %s (%d px wide, JPEG quality %d)\n", n, src, out,
               width, quality);
    return rc;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Degrades the frame of one NAME.txt and writes its scaled truth. Returns 0 or -1. */
static int frame_one(const char *src, const char *out, const char *txt, int max_w, int max_h,
                     int quality)
{
    char path[4096], file[NAME_MAX_BYTES], plate[64], name[NAME_MAX_BYTES];
    int x, y, w, h, fields;
    double fx, fy;
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", src, txt);
    f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "bench_degrade: %s: %s\n", path, strerror(errno));
        return -1;
    }
    fields = fscanf(f, "%255s %d %d %d %d %63s", file, &x, &y, &w, &h, plate);
    fclose(f);
    if (fields != 6) {
        fprintf(stderr, "bench_degrade: %s: not \"file x y w h PLATE\"\n", path);
        return -1;
    }
    if (degrade_one(src, file, out, max_w, max_h, quality, name, &fx, &fy) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/%.*s.txt", out, (int)(strlen(txt) - 4), txt);
    f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "bench_degrade: %s: %s\n", path, strerror(errno));
        return -1;
    }
    fprintf(f, "%s\t%ld\t%ld\t%ld\t%ld\t%s\n", name, lround(x * fx), lround(y * fy), lround(w * fx),
            lround(h * fy), plate);
    if (fclose(f) != 0) {
        fprintf(stderr, "bench_degrade: %s: write failed\n", path);
        return -1;
    }
    return 0;
}

static int frames(const char *src, const char *out, int max_w, int max_h, int quality)
{
    DIR *d = opendir(src);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    if (!d) {
        fprintf(stderr, "bench_degrade: %s: %s\n", src, strerror(errno));
        return 1;
    }
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".txt") != 0)
            continue;
        if (n == cap) {
            char **p = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof *names);
            if (!p) {
                rc = 1;
                break;
            }
            names = p;
        }
        if (!(names[n] = strdup(e->d_name))) {
            rc = 1;
            break;
        }
        n++;
    }
    closedir(d);
    if (rc != 0)
        fprintf(stderr, "bench_degrade: out of memory\n");
    qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (frame_one(src, out, names[i], max_w, max_h, quality) != 0)
            rc = 1;
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (rc == 0)
        printf("bench_degrade: %zu frames of %s -> %s (fit in %dx%d, JPEG quality %d)\n", n, src,
               out, max_w, max_h, quality);
    return rc;
}

/* A decimal argument in [min, max], or -1. */
static int arg_int(const char *s, int min, int max)
{
    char *end;
    long v;
    errno = 0;
    v = strtol(s, &end, 10);
    return errno || end == s || *end || v < min || v > max ? -1 : (int)v;
}

static int usage(void)
{
    fprintf(stderr,
            "usage: bench_degrade crops SRC_DIR OUT_DIR WIDTH QUALITY\n"
            "       bench_degrade frames SRC_DIR OUT_DIR MAX_W MAX_H QUALITY\n"
            "  WIDTH, MAX_W, MAX_H: 8..%d pixels; QUALITY: JPEG quality 1..100\n",
            IMAGE_MAX_DIM);
    return 2;
}

int main(int argc, char **argv)
{
    struct stat st;
    if (argc == 6 && strcmp(argv[1], "crops") == 0) {
        int w = arg_int(argv[4], 8, IMAGE_MAX_DIM), q = arg_int(argv[5], 1, 100);
        if (w < 0 || q < 0)
            return usage();
        if (stat(argv[3], &st) != 0 || !S_ISDIR(st.st_mode)) {
            fprintf(stderr, "bench_degrade: %s: not a folder\n", argv[3]);
            return 1;
        }
        return crops(argv[2], argv[3], w, q);
    }
    if (argc == 7 && strcmp(argv[1], "frames") == 0) {
        int w = arg_int(argv[4], 8, IMAGE_MAX_DIM), h = arg_int(argv[5], 8, IMAGE_MAX_DIM),
            q = arg_int(argv[6], 1, 100);
        if (w < 0 || h < 0 || q < 0)
            return usage();
        if (stat(argv[3], &st) != 0 || !S_ISDIR(st.st_mode)) {
            fprintf(stderr, "bench_degrade: %s: not a folder\n", argv[3]);
            return 1;
        }
        return frames(argv[2], argv[3], w, h, q);
    }
    return usage();
}
