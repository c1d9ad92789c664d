/*
 * ocr_train: trains the character classifier of host/ocr.h and writes it as C source
 * (host/ocr_model.inc, compiled into the host library) and optionally as a model file.
 *
 *   ocr_train [--data CROPS_DIR] [--out FILE.inc] [--out-bin FILE] [--folds N --fold K]
 *             [--hidden N] [--epochs N] [--seed N]
 *   ocr_train [--data CROPS_DIR] [--folds N] --list-fold K [FILE...]
 *
 * Training data, all generated here, deterministically (own PRNG, fixed font list, sorted
 * inputs):
 *   - synthetic glyphs 0-9 A-Z rendered with FreeType from 22 Debian fonts (FONTS below: the
 *     DejaVu and Liberation faces, and condensed/signage faces close to plate lettering:
 *     Roboto Condensed, Nimbus Sans Narrow, B612, Bebas Neue, National Park, FreeSans,
 *     Open Sans Condensed, League Spartan), with random size, stretch, shear,
 *     rotation, blur, contrast, noise, polarity and box jitter;
 *   - synthetic "not a character" samples (two glyphs fused, partial glyphs, blobs);
 *   - when CROPS_DIR (default ../shared/data/openalpr-bench/crops/us) holds truth.csv: characters
 *     harvested from the real crops. Round 1 segments each crop by geometry alone and keeps
 *     crops whose character count equals the truth; round 2 re-reads every crop with the round-1
 *     model and keeps readings of the truth's length with at most 2 differing characters
 *     (labels from the truth). Components in the crop that are not characters of the line
 *     (logos, stickers, state names at character height, fused pairs) become "not a character".
 * Cross-validation by image: every development image (a crop, a frame) belongs to one of N folds
 * (--folds, default 5) by a hash of its file name, so the same image is in the same fold for
 * every set and every run. --fold K leaves out every image of fold K; the model it writes may
 * then score fold K's images. --list-fold K prints the FILE arguments of fold K (or, without
 * FILEs, the crops of CROPS_DIR's truth.csv as CROPS_DIR/NAME), one per line.
 */
#include "image.h"
#include "ocr.h"
#include "recog.h"

#include <ft2build.h>
#include FT_FREETYPE_H

#include <dirent.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const FONTS[] = {
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerifCondensed-Bold.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationMono-Regular.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationMono-Bold.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf",
    "/usr/share/fonts/truetype/roboto/unhinted/RobotoCondensed-Bold.ttf",
    "/usr/share/fonts/truetype/roboto/unhinted/RobotoCondensed-Regular.ttf",
    "/usr/share/fonts/opentype/urw-base35/NimbusSansNarrow-Bold.otf",
    "/usr/share/fonts/opentype/urw-base35/NimbusSans-Bold.otf",
    "/usr/share/fonts/opentype/b612/B612-Bold.otf",
    "/usr/share/fonts/opentype/bebas-neue/BebasNeue-Bold.otf",
    "/usr/share/fonts/opentype/national-park/NationalPark-Heavy.otf",
    "/usr/share/fonts/truetype/freefont/FreeSansBold.ttf",
    "/usr/share/fonts/truetype/open-sans/OpenSans-CondBold.ttf",
    "/usr/share/fonts/opentype/league-spartan/LeagueSpartan-Bold.otf",
};
#define NFONTS ((int)(sizeof FONTS / sizeof FONTS[0]))
static const char CHARS[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/* ---- PRNG (splitmix64) -------------------------------------------------------------------- */
static uint64_t rng_state = 0x5eed1234abcdULL;
static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
static double rng_uniform(double a, double b)
{
    return a + (b - a) * (double)(rng_next() >> 11) / 9007199254740992.0;
}
static int rng_int(int n)
{
    return (int)(rng_next() % (uint64_t)n);
}
static double rng_gauss(void)
{
    double u = rng_uniform(1e-12, 1), v = rng_uniform(0, 1);
    return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

/* ---- Sample store ------------------------------------------------------------------------- */
struct samples {
    float *x; /* n x OCR_NFEAT */
    uint8_t *y;
    size_t n, cap;
};

static void add_sample(struct samples *s, const float *feat, int cls)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 4096;
        s->x = realloc(s->x, s->cap * OCR_NFEAT * sizeof(float));
        s->y = realloc(s->y, s->cap);
        if (!s->x || !s->y) {
            fprintf(stderr, "ocr_train: out of memory\n");
            exit(1);
        }
    }
    memcpy(s->x + s->n * OCR_NFEAT, feat, OCR_NFEAT * sizeof(float));
    s->y[s->n++] = (uint8_t)cls;
}

static void add_box(struct samples *s, const uint8_t *g, int w, int h, int stride, int x0, int y0,
                    int x1, int y1, int dark, int cls)
{
    float feat[OCR_NFEAT];
    if (ocr_features(g, w, h, stride, x0, y0, x1, y1, dark, feat) == 0)
        add_sample(s, feat, cls);
}

/* ---- Synthetic glyphs --------------------------------------------------------------------- */

/* Coverage canvas: renders text (1 or 2 chars) into cov (cw x ch), glyph box returned. */
struct canvas {
    int w, h;
    float cov[160 * 260];
};

static int render_glyphs(FT_Face face, const char *txt, int px, struct canvas *cv, int *bx0,
                         int *by0, int *bx1, int *by1)
{
    int pen = 10, base;
    cv->w = 160;
    cv->h = px * 2 + 20 > 160 ? 160 : px * 2 + 20;
    if (cv->w * cv->h > 160 * 260)
        return -1;
    memset(cv->cov, 0, sizeof(float) * (size_t)cv->w * cv->h);
    if (FT_Set_Pixel_Sizes(face, 0, (FT_UInt)px) != 0)
        return -1;
    base = cv->h / 2 + px * 36 / 100;
    *bx0 = cv->w;
    *by0 = cv->h;
    *bx1 = -1;
    *by1 = -1;
    for (const char *p = txt; *p; p++) {
        FT_GlyphSlot gs;
        if (FT_Load_Char(face, (FT_ULong)(unsigned char)*p, FT_LOAD_RENDER) != 0)
            return -1;
        gs = face->glyph;
        for (unsigned r = 0; r < gs->bitmap.rows; r++)
            for (unsigned c = 0; c < gs->bitmap.width; c++) {
                int x = pen + gs->bitmap_left + (int)c, y = base - gs->bitmap_top + (int)r;
                float a = gs->bitmap.buffer[r * (unsigned)gs->bitmap.pitch + c] / 255.0f;
                if (x < 0 || y < 0 || x >= cv->w || y >= cv->h || a <= 0)
                    continue;
                cv->cov[y * cv->w + x] = a > cv->cov[y * cv->w + x] ? a : cv->cov[y * cv->w + x];
            }
        pen += (int)(gs->advance.x >> 6) - (int)(px * rng_uniform(0.0, 0.12));
    }
    for (int y = 0; y < cv->h; y++)
        for (int x = 0; x < cv->w; x++)
            if (cv->cov[y * cv->w + x] >= 0.5f) {
                if (x < *bx0)
                    *bx0 = x;
                if (x > *bx1)
                    *bx1 = x;
                if (y < *by0)
                    *by0 = y;
                if (y > *by1)
                    *by1 = y;
            }
    return *bx1 >= 0 ? 0 : -1;
}

/*
 * One augmented sample of txt with face: affine warp, photometric noise; adds the features of
 * the glyph box (or a part of it when part != 0) with class cls.
 */
static void synth_sample(struct samples *s, FT_Face face, const char *txt, int cls, int part)
{
    static struct canvas cv;
    static uint8_t img[160 * 260];
    static float tmp[160 * 260];
    int bx0, by0, bx1, by1, px = (int)rng_uniform(16, 80);
    double sx = rng_uniform(0.75, 1.15), shear = rng_uniform(-0.18, 0.18),
           rot = rng_uniform(-0.06, 0.06);
    double bg = rng_uniform(120, 245), ink = rng_uniform(0, bg - 60), sigma = rng_uniform(0, 10);
    int dark = rng_int(4) != 0, blur = rng_int(3);
    int nx0 = 1 << 30, ny0 = 1 << 30, nx1 = -1, ny1 = -1;
    double cx, cy, ca = cos(rot), sa = sin(rot);
    if (render_glyphs(face, txt, px, &cv, &bx0, &by0, &bx1, &by1) != 0)
        return;
    cx = (bx0 + bx1) / 2.0;
    cy = (by0 + by1) / 2.0;
    /* Inverse affine map: output (x, y) -> source. */
    for (int y = 0; y < cv.h; y++)
        for (int x = 0; x < cv.w; x++) {
            double dx = x - cx, dy = y - cy;
            double ux = ca * dx + sa * dy, uy = -sa * dx + ca * dy;
            double srcx = (ux - shear * uy) / sx + cx, srcy = uy + cy;
            int ix = (int)floor(srcx), iy = (int)floor(srcy);
            double fx = srcx - ix, fy = srcy - iy, a = 0;
            if (ix >= 0 && iy >= 0 && ix + 1 < cv.w && iy + 1 < cv.h) {
                const float *c0 = cv.cov + iy * cv.w + ix;
                a = (c0[0] * (1 - fx) + c0[1] * fx) * (1 - fy) +
                    (c0[cv.w] * (1 - fx) + c0[cv.w + 1] * fx) * fy;
            }
            tmp[y * cv.w + x] = (float)a;
            if (a >= 0.5) {
                if (x < nx0)
                    nx0 = x;
                if (x > nx1)
                    nx1 = x;
                if (y < ny0)
                    ny0 = y;
                if (y > ny1)
                    ny1 = y;
            }
        }
    if (nx1 < 0)
        return;
    for (int b = 0; b < blur; b++)
        for (int y = 1; y + 1 < cv.h; y++)
            for (int x = 1; x + 1 < cv.w; x++) {
                float *t = tmp + y * cv.w + x;
                *t = (4 * t[0] + t[-1] + t[1] + t[-cv.w] + t[cv.w]) / 8;
            }
    for (int i = 0; i < cv.w * cv.h; i++) {
        double v = bg + (ink - bg) * tmp[i] + sigma * rng_gauss();
        v = v < 0 ? 0 : v > 255 ? 255 : v;
        img[i] = (uint8_t)(dark ? v : 255 - v);
    }
    {
        int j = (ny1 - ny0) / 16 + 1;
        nx0 += rng_int(2 * j + 1) - j;
        nx1 += rng_int(2 * j + 1) - j;
        ny0 += rng_int(2 * j + 1) - j;
        ny1 += rng_int(2 * j + 1) - j;
    }
    if (part == 1) /* top or bottom part */
        ny1 = ny0 + (ny1 - ny0) * (int)rng_uniform(35, 65) / 100;
    else if (part == 2) /* left or right part */
        nx1 = nx0 + (nx1 - nx0) * (int)rng_uniform(30, 55) / 100;
    add_box(s, img, cv.w, cv.h, cv.w, nx0, ny0, nx1, ny1, dark, cls);
}

/*
 * A plain vertical bar labelled '1' (several plate fonts draw the digit so): bars are also
 * borders and bolts, so the class stays ambiguous here on purpose and the line geometry
 * (trim_chain in recog.c) decides.
 */
static void synth_bar(struct samples *s)
{
    static uint8_t img[64 * 64];
    int dark = rng_int(4) != 0, h = 12 + rng_int(48), w = h / (4 + rng_int(8)) + 1;
    int x0 = 32 - w / 2, y0 = 32 - h / 2;
    double bg = rng_uniform(120, 245), ink = rng_uniform(0, bg - 60);
    for (int y = 0; y < 64; y++)
        for (int x = 0; x < 64; x++) {
            double v = (x >= x0 && x < x0 + w && y >= y0 && y < y0 + h) ? ink : bg;
            v += rng_gauss() * 6;
            v = v < 0 ? 0 : v > 255 ? 255 : v;
            img[y * 64 + x] = (uint8_t)(dark ? v : 255 - v);
        }
    add_box(s, img, 64, 64, 64, x0, y0, x0 + w - 1, y0 + h - 1, dark, 1);
}

/*
 * A plain ring (ellipse or rounded rectangle, often narrow) labelled '0' or 'O': the shape of
 * the digit and the letter in the Brazilian, German and many US plate fonts.
 */
static void synth_ring(struct samples *s, int cls)
{
    static uint8_t img[80 * 80];
    int dark = rng_int(4) != 0;
    double bg = rng_uniform(120, 245), ink = rng_uniform(0, bg - 60);
    double ry = rng_uniform(8, 34), rx = ry * rng_uniform(0.38, 0.8), t = rng_uniform(0.14, 0.32);
    double pw = rng_uniform(2, 6); /* superellipse exponent: 2 ellipse .. 6 rounded rectangle */
    int x0 = 80, y0 = 80, x1 = -1, y1 = -1;
    for (int y = 0; y < 80; y++)
        for (int x = 0; x < 80; x++) {
            double ax = abs(x - 40), ay = abs(y - 40), irx = rx - 0.9 * t * ry;
            double dx = ax / rx, dy = ay / ry;
            double outer = pow(dx, pw) + pow(dy, pw);
            double ix = ax / (irx > 1 ? irx : 1), iy = ay / (ry * (1 - t));
            double inner = pow(ix, pw) + pow(iy, pw), v = bg;
            if (outer <= 1 && inner > 1) {
                v = ink;
                if (x < x0)
                    x0 = x;
                if (x > x1)
                    x1 = x;
                if (y < y0)
                    y0 = y;
                if (y > y1)
                    y1 = y;
            }
            v += rng_gauss() * 6;
            v = v < 0 ? 0 : v > 255 ? 255 : v;
            img[y * 80 + x] = (uint8_t)(dark ? v : 255 - v);
        }
    if (x1 > x0 + 2)
        add_box(s, img, 80, 80, 80, x0, y0, x1, y1, dark, cls);
}

/* Random blob or texture: "not a character". */
static void synth_blob(struct samples *s)
{
    static uint8_t img[64 * 64];
    int dark = rng_int(4) != 0, kind = rng_int(2) * 2; /* disc or checker (rings are 0/O) */
    double bg = rng_uniform(120, 245), ink = rng_uniform(0, bg - 60);
    double cx = 32, cy = 32, rx = rng_uniform(4, 28), ry = rng_uniform(8, 28);
    int x0 = 64, y0 = 64, x1 = -1, y1 = -1;
    for (int y = 0; y < 64; y++)
        for (int x = 0; x < 64; x++) {
            double dx = (x - cx) / rx, dy = (y - cy) / ry, r = dx * dx + dy * dy, v = bg;
            int on = kind == 0   ? r < 1
                     : kind == 1 ? (r < 1 && r > 0.45)
                                 : (fabs(dx) < 1 && fabs(dy) < 1 && ((x / 5 + y / 5) & 1));
            if (on) {
                v = ink;
                if (x < x0)
                    x0 = x;
                if (x > x1)
                    x1 = x;
                if (y < y0)
                    y0 = y;
                if (y > y1)
                    y1 = y;
            }
            v += rng_gauss() * 6;
            v = v < 0 ? 0 : v > 255 ? 255 : v;
            img[y * 64 + x] = (uint8_t)(dark ? v : 255 - v);
        }
    if (x1 >= 0)
        add_box(s, img, 64, 64, 64, x0, y0, x1, y1, dark, OCR_NONCHAR);
}

static void synth_all(struct samples *s, int per_font)
{
    FT_Library lib;
    if (FT_Init_FreeType(&lib) != 0) {
        fprintf(stderr, "ocr_train: FreeType init failed\n");
        exit(1);
    }
    for (int f = 0; f < NFONTS; f++) {
        FT_Face face;
        if (FT_New_Face(lib, FONTS[f], 0, &face) != 0) {
            /* A missing font would silently change the model: refuse instead. */
            fprintf(stderr, "ocr_train: %s: cannot open this font (make deps installs it)\n",
                    FONTS[f]);
            exit(1);
        }
        for (int c = 0; c < 36; c++) {
            char t[2] = {CHARS[c], 0};
            for (int k = 0; k < per_font; k++)
                synth_sample(s, face, t, c, 0);
        }
        for (int k = 0; k < per_font * 6; k++) {
            char t[3] = {CHARS[rng_int(36)], CHARS[rng_int(36)], 0};
            synth_sample(s, face, t, OCR_NONCHAR, 0);
            t[1] = 0;
            synth_sample(s, face, t, OCR_NONCHAR, 1 + rng_int(2));
        }
        FT_Done_Face(face);
    }
    for (int k = 0; k < per_font * 20; k++)
        synth_blob(s);
    for (int k = 0; k < per_font * 8; k++)
        synth_bar(s);
    for (int k = 0; k < per_font * 8; k++)
        synth_ring(s, k & 1 ? ocr_char_class('O') : 0);
    FT_Done_FreeType(lib);
}

/* ---- Harvest from the crops --------------------------------------------------------------- */

struct crop {
    char file[256];
    char text[32];
};

static uint32_t name_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

/* The fold (0..nfolds-1) of an image, from its file name without the folder. */
static int image_fold(const char *path, int nfolds)
{
    const char *base = strrchr(path, '/');
    return (int)(name_hash(base ? base + 1 : path) % (uint32_t)nfolds);
}

static int load_truth(const char *dir, struct crop **out, int fold, int nfolds)
{
    char path[4096], line[512];
    FILE *f;
    struct crop *c = NULL;
    int n = 0, cap = 0;
    snprintf(path, sizeof path, "%s/truth.csv", dir);
    f = fopen(path, "r");
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f)) {
        char *a = strtok(line, ",\r\n"), *b = strtok(NULL, ",\r\n"), *t = strtok(NULL, ",\r\n");
        int ok = 1;
        (void)b;
        if (!a || !t || strlen(t) < 3 || strlen(t) > RECOG_MAX_CHARS || strlen(a) >= 256)
            continue;
        for (char *p = t; *p; p++)
            if (ocr_char_class(*p) < 0)
                ok = 0;
        if (!ok || (fold >= 0 && image_fold(a, nfolds) == fold))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 512;
            c = realloc(c, sizeof *c * (size_t)cap);
            if (!c)
                exit(1);
        }
        snprintf(c[n].file, sizeof c[n].file, "%s", a);
        snprintf(c[n].text, sizeof c[n].text, "%s", t);
        n++;
    }
    fclose(f);
    *out = c;
    return n;
}

static int overlap_area(int ax0, int ay0, int ax1, int ay1, int bx0, int by0, int bx1, int by1)
{
    int w = (ax1 < bx1 ? ax1 : bx1) - (ax0 > bx0 ? ax0 : bx0) + 1;
    int h = (ay1 < by1 ? ay1 : by1) - (ay0 > by0 ? ay0 : by0) + 1;
    return w > 0 && h > 0 ? w * h : 0;
}

/* Warped copies of each harvested character. */
#define WARPS 4

/*
 * A copy of the character in box b warped the way plates vary between photos: the patch
 * around it (half a height of margin) under a random affine map (scale, stretch, shear,
 * rotation), downscaled to a random height (frames show small plates), blurred and noised.
 */
static void add_warped(struct samples *s, const struct image *img, const struct recog_comp *b,
                       int dark, int cls)
{
    static uint8_t out[200 * 200];
    int bh = b->y1 - b->y0 + 1, bw = b->x1 - b->x0 + 1, m = bh / 2;
    int th = (int)rng_uniform(14, bh < 90 ? bh : 90); /* target character height */
    double sc = (double)th / bh * rng_uniform(0.95, 1.05), sx = sc * rng_uniform(0.85, 1.12);
    double shear = rng_uniform(-0.12, 0.12), rot = rng_uniform(-0.05, 0.05);
    double ca = cos(rot), sa = sin(rot), cx = (b->x0 + b->x1) / 2.0, cy = (b->y0 + b->y1) / 2.0;
    int ow = (int)((bw + 2 * m) * sx) + 4, oh = (int)((bh + 2 * m) * sc) + 4;
    double ocx = ow / 2.0, ocy = oh / 2.0, sigma = rng_uniform(0, 6);
    int nx0, ny0, nx1, ny1;
    if (ow > 200 || oh > 200 || ow < 8 || oh < 8)
        return;
    for (int y = 0; y < oh; y++)
        for (int x = 0; x < ow; x++) {
            /* output -> source: undo rotation, shear, scale */
            double dx = x - ocx, dy = y - ocy;
            double ux = ca * dx + sa * dy, uy = -sa * dx + ca * dy;
            double srcx = cx + (ux - shear * uy) / sx, srcy = cy + uy / sc;
            int ix = (int)floor(srcx), iy = (int)floor(srcy);
            double fx = srcx - ix, fy = srcy - iy, v;
            if (ix < 0)
                ix = 0, fx = 0;
            if (iy < 0)
                iy = 0, fy = 0;
            if (ix >= img->width - 1)
                ix = img->width - 2, fx = 1;
            if (iy >= img->height - 1)
                iy = img->height - 2, fy = 1;
            {
                const uint8_t *p0 = img->pixels + (size_t)iy * img->width + ix;
                v = (p0[0] * (1 - fx) + p0[1] * fx) * (1 - fy) +
                    (p0[img->width] * (1 - fx) + p0[img->width + 1] * fx) * fy;
            }
            v += sigma * rng_gauss();
            out[y * ow + x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    /* The box maps to about the centre with the scaled size (rotation is small). */
    nx0 = (int)(ocx - bw * sx / 2 + 0.5);
    nx1 = (int)(ocx + bw * sx / 2 - 0.5);
    ny0 = (int)(ocy - bh * sc / 2 + 0.5);
    ny1 = (int)(ocy + bh * sc / 2 - 0.5);
    add_box(s, out, ow, oh, ow, nx0, ny0, nx1, ny1, dark, cls);
}

/*
 * Adds the labelled character boxes (with jittered copies) and the crop's other components at
 * character height as "not a character".
 */
static void harvest_crop(struct samples *s, const struct image *img, const struct recog_comp *box,
                         int n, const char *text, int dark)
{
    struct recog_comp *pool;
    size_t np = 0;
    uint8_t *mask;
    int hsum = 0, hmed;
    for (int i = 0; i < n; i++) {
        int cls = ocr_char_class(text[i]);
        const struct recog_comp *b = &box[i];
        add_box(s, img->pixels, img->width, img->height, img->width, b->x0, b->y0, b->x1, b->y1,
                dark, cls);
        for (int k = 0; k < 3; k++) {
            int j = (b->y1 - b->y0) / 20 + 1;
            add_box(s, img->pixels, img->width, img->height, img->width,
                    b->x0 + rng_int(2 * j + 1) - j, b->y0 + rng_int(2 * j + 1) - j,
                    b->x1 + rng_int(2 * j + 1) - j, b->y1 + rng_int(2 * j + 1) - j, dark, cls);
        }
        for (int k = 0; k < WARPS; k++)
            add_warped(s, img, b, dark, cls);
        hsum += b->y1 - b->y0 + 1;
    }
    hmed = hsum / (n ? n : 1);
    /* Other components: re-label at two offsets, both polarities. */
    mask = malloc((size_t)img->width * img->height);
    pool = malloc(sizeof *pool * 4096);
    if (!mask || !pool)
        exit(1);
    for (int pol = 1; pol >= 0; pol--)
        for (int t = 20; t <= 70; t += 50) {
            if (recog_binarize(img->pixels, img->width, img->height, img->width, img->height / 3, t,
                               pol, mask) != 0 ||
                recog_label(mask, img->width, img->height, pool, 4096, &np) != 0)
                continue;
            for (size_t i = 0; i < np; i++) {
                const struct recog_comp *c = &pool[i];
                int w = c->x1 - c->x0 + 1, h = c->y1 - c->y0 + 1, area = w * h, hit = 0,
                    covered = 0;
                if (h < hmed * 6 / 10 || h > hmed * 14 / 10 || w * 10 > h * 25 || w < 3)
                    continue;
                for (int k = 0; k < n; k++) {
                    int ov = overlap_area(c->x0, c->y0, c->x1, c->y1, box[k].x0, box[k].y0,
                                          box[k].x1, box[k].y1);
                    int barea = (box[k].x1 - box[k].x0 + 1) * (box[k].y1 - box[k].y0 + 1);
                    if (ov * 4 > area)
                        hit++;
                    if (ov * 10 > barea * 6)
                        covered++;
                }
                if (hit == 0 || covered >= 2)
                    add_box(s, img->pixels, img->width, img->height, img->width, c->x0, c->y0,
                            c->x1, c->y1, pol, OCR_NONCHAR);
            }
        }
    free(mask);
    free(pool);
}

/*
 * Labels every candidate the crop reader considered (recog_crop_pool) against the truth-aligned
 * character boxes: a candidate matching a character box becomes that character, one clear of
 * all characters (or covering two) becomes "not a character"; partial overlaps are left out.
 */
static void harvest_pool(struct samples *s, const struct image *img, const struct recog_config *cfg,
                         const struct recog_comp *box, int n, const char *text)
{
    static struct recog_comp pool[1024];
    static int dark[1024];
    size_t np = 0;
    if (recog_crop_pool(cfg, img->pixels, img->width, img->height, img->width, pool, dark, 1024,
                        &np) != 0)
        return;
    for (size_t i = 0; i < np; i++) {
        const struct recog_comp *c = &pool[i];
        int area = (c->x1 - c->x0 + 1) * (c->y1 - c->y0 + 1), hit = 0, covered = 0, match = -1;
        for (int k = 0; k < n; k++) {
            int ov = overlap_area(c->x0, c->y0, c->x1, c->y1, box[k].x0, box[k].y0, box[k].x1,
                                  box[k].y1);
            int barea = (box[k].x1 - box[k].x0 + 1) * (box[k].y1 - box[k].y0 + 1);
            if (ov * 5 > area)
                hit++;
            if (ov * 10 > barea * 6)
                covered++;
            if (ov * 100 > (area + barea - ov) * 70)
                match = k;
        }
        if (match >= 0 && hit == 1)
            add_box(s, img->pixels, img->width, img->height, img->width, c->x0, c->y0, c->x1, c->y1,
                    dark[i], ocr_char_class(text[match]));
        else if (hit == 0 || covered >= 2)
            add_box(s, img->pixels, img->width, img->height, img->width, c->x0, c->y0, c->x1, c->y1,
                    dark[i], OCR_NONCHAR);
    }
}

static int harvest(struct samples *s, const char *dir, const struct crop *crops, int ncrops,
                   const struct ocr_model *model)
{
    int used = 0;
    struct recog_config cfg;
    recog_config_default(&cfg);
    if (model)
        cfg.model = model;
    for (int i = 0; i < ncrops; i++) {
        char path[4096];
        struct image img;
        struct recog_comp box[RECOG_MAX_CHARS];
        size_t n = 0;
        int dark = 1, len = (int)strlen(crops[i].text);
        snprintf(path, sizeof path, "%s/%s", dir, crops[i].file);
        if (image_load(path, &img) != 0)
            continue;
        if (!model) {
            if (recog_segment_geometry(img.pixels, img.width, img.height, img.width, box,
                                       RECOG_MAX_CHARS, &n, &dark) != 0)
                n = 0;
        } else {
            struct recog_result r;
            if (recog_read_crop(&cfg, img.pixels, img.width, img.height, img.width, &r) == 0 &&
                r.nplates == 1 && r.plates[0].nchars == len) {
                int diff = 0;
                for (int k = 0; k < len; k++)
                    diff += r.plates[0].text[k] != crops[i].text[k];
                if (diff <= 2) {
                    n = (size_t)len;
                    dark = r.plates[0].dark_ink;
                    for (int k = 0; k < len; k++) {
                        box[k].x0 = r.plates[0].chars[k].x0;
                        box[k].y0 = r.plates[0].chars[k].y0;
                        box[k].x1 = r.plates[0].chars[k].x1;
                        box[k].y1 = r.plates[0].chars[k].y1;
                        box[k].ink = 0;
                    }
                }
            }
        }
        if ((int)n == len) {
            harvest_crop(s, &img, box, len, crops[i].text, dark);
            if (model)
                harvest_pool(s, &img, &cfg, box, len, crops[i].text);
            used++;
        }
        image_free(&img);
    }
    return used;
}

/* ---- MLP training ------------------------------------------------------------------------- */

struct mlp {
    int nin, nhid, nout;
    float *mean, *inv_std, *w1, *b1, *w2, *b2;
};

static void mlp_init(struct mlp *m, int nhid, const struct samples *s)
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
        m->w1[i] = (float)(rng_gauss() * sqrt(2.0 / OCR_NFEAT));
    for (int i = 0; i < OCR_NCLASS * nhid; i++)
        m->w2[i] = (float)(rng_gauss() * sqrt(1.0 / nhid));
}

static void mlp_train(struct mlp *m, const struct samples *s, int epochs)
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
            size_t j = rng_next() % (i + 1), t = order[i];
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
static void mlp_quantize(const struct mlp *m, struct ocr_model *q, void **buf)
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

static void free_quant(void *buf)
{
    void **k = buf;
    if (!k)
        return;
    free(k[0]);
    free(k[1]);
    free(k[2]);
    free(k);
}

static void mlp_free(struct mlp *m)
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
static void prior_shifts(const struct samples *s, const struct crop *crops, int ncrops,
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

static void apply_priors(struct mlp *m, const struct samples *s, const struct crop *crops,
                         int ncrops)
{
    float shift[OCR_NCLASS];
    prior_shifts(s, crops, ncrops, shift);
    for (int c = 0; c < OCR_NCLASS; c++)
        m->b2[c] += shift[c];
}

/*
 * Writes the final training set for other trainers (the convolutional network's): "OCRSAMP1",
 * then as little-endian uint32 the feature count, the class count and the sample count, the
 * class prior shifts (float32 x classes, see prior_shifts), the labels (uint8 x samples) and
 * the features (float32, samples x features, row-major). Returns 0 or -1.
 */
static int dump_samples(const char *path, const struct samples *s, const struct crop *crops,
                        int ncrops)
{
    float shift[OCR_NCLASS];
    uint32_t head[3] = {OCR_NFEAT, OCR_NCLASS, (uint32_t)s->n};
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    prior_shifts(s, crops, ncrops, shift);
    int ok = fwrite("OCRSAMP1", 1, 8, f) == 8 && fwrite(head, sizeof head, 1, f) == 1 &&
             fwrite(shift, sizeof shift, 1, f) == 1 && fwrite(s->y, 1, s->n, f) == s->n &&
             fwrite(s->x, sizeof(float) * OCR_NFEAT, s->n, f) == s->n;
    if (fclose(f) != 0)
        ok = 0;
    return ok ? 0 : -1;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: ocr_train [--data CROPS_DIR] [--out FILE.inc] [--out-bin FILE]\n"
            "                 [--folds N --fold K] [--hidden N] [--members N] [--epochs N]\n"
            "                 [--per-font N] [--seed N]\n"
            "       ocr_train [--data CROPS_DIR] [--folds N] --list-fold K [FILE...]\n"
            "  --folds N      images fall into N folds by a hash of their name (2..16, default 5)\n"
            "  --fold K       leave out the images of fold K (cross-validation)\n"
            "  --list-fold K  print the FILEs of fold K (default: the crops of CROPS_DIR)\n"
            "  --dump-samples FILE  write the training set (synthetic + harvested) and stop\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"data", required_argument, NULL, 'd'},
        {"out", required_argument, NULL, 'o'},
        {"out-bin", required_argument, NULL, 'b'},
        {"fold", required_argument, NULL, 'f'},
        {"folds", required_argument, NULL, 'F'},
        {"dump-samples", required_argument, NULL, 'D'},
        {"hidden", required_argument, NULL, 'H'},
        {"epochs", required_argument, NULL, 'e'},
        {"per-font", required_argument, NULL, 'p'},
        {"seed", required_argument, NULL, 's'},
        {"list-fold", required_argument, NULL, 'l'},
        {"members", required_argument, NULL, 'M'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *data = "../shared/data/openalpr-bench/crops/us", *out = NULL, *out_bin = NULL,
               *dump = NULL;
    int fold = -1, nfolds = 5, list_fold = -1, nhid = 64, epochs = 5, per_font = 15, members = 3, c,
        ncrops;
    struct crop *crops = NULL;
    struct samples base = {0}, s = {0};
    struct mlp m;
    struct ocr_model q;
    void *qbuf = NULL;
    char comment[2048];
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            data = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'b':
            out_bin = optarg;
            break;
        case 'f':
            fold = atoi(optarg);
            break;
        case 'F':
            nfolds = atoi(optarg);
            break;
        case 'D':
            dump = optarg;
            break;
        case 'H':
            nhid = atoi(optarg);
            break;
        case 'e':
            epochs = atoi(optarg);
            break;
        case 'p':
            per_font = atoi(optarg);
            break;
        case 'M':
            members = atoi(optarg);
            break;
        case 's':
            rng_state = strtoull(optarg, NULL, 0);
            break;
        case 'l':
            list_fold = atoi(optarg);
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (nhid < 8 || members < 1 || nhid * members > OCR_MAX_HIDDEN || epochs < 1 || per_font < 1 ||
        nfolds < 2 || nfolds > 16 || fold < -1 || fold >= nfolds || list_fold < -1 ||
        list_fold >= nfolds || (optind < argc && list_fold < 0)) {
        usage(stderr);
        return 2;
    }
    if (list_fold >= 0) {
        /* The images --fold K leaves out, for the benchmark to read with that fold's model. */
        if (optind < argc) {
            for (int i = optind; i < argc; i++)
                if (image_fold(argv[i], nfolds) == list_fold)
                    printf("%s\n", argv[i]);
        } else {
            ncrops = load_truth(data, &crops, -1, nfolds);
            for (int i = 0; i < ncrops; i++)
                if (image_fold(crops[i].file, nfolds) == list_fold)
                    printf("%s/%s\n", data, crops[i].file);
            free(crops);
        }
        return 0;
    }
    synth_all(&base, per_font);
    fprintf(stderr, "ocr_train: %zu synthetic samples\n", base.n);
    ncrops = load_truth(data, &crops, fold, nfolds);
    /* Round 1: geometry harvest. */
    s = base;
    s.x = malloc(base.cap * OCR_NFEAT * sizeof(float));
    s.y = malloc(base.cap);
    if (!s.x || !s.y)
        return 1;
    memcpy(s.x, base.x, base.n * OCR_NFEAT * sizeof(float));
    memcpy(s.y, base.y, base.n);
    if (ncrops > 0) {
        int used = harvest(&s, data, crops, ncrops, NULL);
        fprintf(stderr, "ocr_train: round 1 harvested %d of %d crops, %zu samples\n", used, ncrops,
                s.n);
        mlp_init(&m, nhid, &s);
        mlp_train(&m, &s, epochs);
        mlp_quantize(&m, &q, &qbuf);
        /* Round 2: re-read with the round-1 model. */
        free(s.x);
        free(s.y);
        s = base;
        s.x = base.x;
        s.y = base.y;
        used = harvest(&s, data, crops, ncrops, &q);
        fprintf(stderr, "ocr_train: round 2 harvested %d of %d crops, %zu samples\n", used, ncrops,
                s.n);
        free_quant(qbuf);
        mlp_free(&m);
    }
    if (dump) {
        int rc = dump_samples(dump, &s, crops, ncrops);
        if (rc != 0)
            fprintf(stderr, "ocr_train: cannot write %s\n", dump);
        free(s.x);
        free(s.y);
        free(crops);
        return rc != 0;
    }
    /* The final classifier: an ensemble of `members` networks trained from different random
       starts and sample orders, merged into one wider network whose logits are the members'
       mean (the hidden units side by side, the output weights divided by the count). */
    {
        struct mlp part;
        mlp_init(&m, nhid * members, &s);
        for (int k = 0; k < members; k++) {
            mlp_init(&part, nhid, &s);
            mlp_train(&part, &s, epochs);
            for (int j = 0; j < nhid; j++) {
                memcpy(m.w1 + (size_t)(k * nhid + j) * OCR_NFEAT, part.w1 + (size_t)j * OCR_NFEAT,
                       sizeof(float) * OCR_NFEAT);
                m.b1[k * nhid + j] = part.b1[j];
            }
            for (int o = 0; o < OCR_NCLASS; o++) {
                for (int j = 0; j < nhid; j++)
                    m.w2[(size_t)o * m.nhid + k * nhid + j] =
                        part.w2[(size_t)o * nhid + j] / members;
                m.b2[o] = (k == 0 ? 0 : m.b2[o]) + part.b2[o] / members;
            }
            mlp_free(&part);
        }
    }
    apply_priors(&m, &s, crops, ncrops);
    mlp_quantize(&m, &q, &qbuf);
    {
        time_t now = time(NULL);
        char date[32];
        strftime(date, sizeof date, "%Y-%m-%d", gmtime(&now));
        snprintf(comment, sizeof comment,
                 " * Character classifier of host/ocr.h, generated by host/train/ocr_train.c - do "
                 "not edit.\n"
                 " * Command: make train-ocr  (ocr_train --data %s --hidden %d --members %d "
                 "--epochs %d --per-font %d%s)\n"
                 " * Data: %d FreeType fonts (FONTS in host/train/ocr_train.c, synthetic),\n"
                 " *       %d crops of %s/truth.csv (harvested characters); %zu samples.\n"
                 " * Date: %s\n",
                 data, nhid, members, epochs, per_font, fold >= 0 ? " --fold set" : "", NFONTS,
                 ncrops, data, s.n, date);
    }
    if (out) {
        FILE *f = fopen(out, "w");
        if (!f) {
            fprintf(stderr, "ocr_train: cannot write %s\n", out);
            return 1;
        }
        ocr_model_write_c(f, &q, comment);
        if (fclose(f) != 0)
            return 1;
    }
    if (out_bin && ocr_model_save(out_bin, &q) != 0) {
        fprintf(stderr, "ocr_train: cannot write %s\n", out_bin);
        return 1;
    }
    fprintf(stderr, "ocr_train: done (%zu samples)\n", s.n);
    free_quant(qbuf);
    mlp_free(&m);
    if (s.x != base.x) {
        free(s.x);
        free(s.y);
    } else {
        free(s.x);
        free(s.y);
    }
    free(crops);
    return 0;
}
