/*
 * synth: synthetic glyphs (synth.h). Every sample: a glyph (or two fused, or part of one) at a
 * random size, stretch, shear and rotation, blurred, under a light gradient, in either
 * polarity, with sensor noise; two in five are area-averaged down to 10-20 px tall (far
 * plates) and one in three goes through JPEG at quality 20-85.
 */
#include "synth.h"

#include "image.h"

#include <ft2build.h>
#include FT_FREETYPE_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Fonts and the Debian package of each (the Makefile's DEB_PACKAGES installs them). The first
 * 22 are general sans, condensed and signage faces; the FHWA highway alphabets (Roadgeek
 * Series B-EM: most US plates are cut in letters of this family), DIN 1451 (OSP-DIN: German
 * and older European plates, close to the FE-Schrift of EU and Mercosur plates) and a signage
 * face (Allerta) follow.
 */
struct font {
    const char *path, *package;
};
static const struct font FONTS[] = {
    {"/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "fonts-dejavu-core"},
    {"/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", "fonts-dejavu-core"},
    {"/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf", "fonts-dejavu-extra"},
    {"/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf", "fonts-dejavu-extra"},
    {"/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", "fonts-dejavu-core"},
    {"/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf", "fonts-dejavu-core"},
    {"/usr/share/fonts/truetype/dejavu/DejaVuSerifCondensed-Bold.ttf", "fonts-dejavu-extra"},
    {"/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf", "fonts-liberation2"},
    {"/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf", "fonts-liberation2"},
    {"/usr/share/fonts/truetype/liberation2/LiberationMono-Regular.ttf", "fonts-liberation2"},
    {"/usr/share/fonts/truetype/liberation2/LiberationMono-Bold.ttf", "fonts-liberation2"},
    {"/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf", "fonts-liberation2"},
    {"/usr/share/fonts/truetype/roboto/unhinted/RobotoCondensed-Bold.ttf", "fonts-roboto-unhinted"},
    {"/usr/share/fonts/truetype/roboto/unhinted/RobotoCondensed-Regular.ttf",
     "fonts-roboto-unhinted"},
    {"/usr/share/fonts/opentype/urw-base35/NimbusSansNarrow-Bold.otf", "fonts-urw-base35"},
    {"/usr/share/fonts/opentype/urw-base35/NimbusSans-Bold.otf", "fonts-urw-base35"},
    {"/usr/share/fonts/opentype/b612/B612-Bold.otf", "fonts-b612"},
    {"/usr/share/fonts/opentype/bebas-neue/BebasNeue-Bold.otf", "fonts-bebas-neue"},
    {"/usr/share/fonts/opentype/national-park/NationalPark-Heavy.otf", "fonts-national-park"},
    {"/usr/share/fonts/truetype/freefont/FreeSansBold.ttf", "fonts-freefont-ttf"},
    {"/usr/share/fonts/truetype/open-sans/OpenSans-CondBold.ttf", "fonts-open-sans"},
    {"/usr/share/fonts/opentype/league-spartan/LeagueSpartan-Bold.otf", "fonts-league-spartan"},
    {"/usr/share/fonts/truetype/roadgeek/RG2014B.ttf", "fonts-roadgeek"},
    {"/usr/share/fonts/truetype/roadgeek/RG2014C.ttf", "fonts-roadgeek"},
    {"/usr/share/fonts/truetype/roadgeek/RG2014D.ttf", "fonts-roadgeek"},
    {"/usr/share/fonts/truetype/roadgeek/RG2014E.ttf", "fonts-roadgeek"},
    {"/usr/share/fonts/truetype/roadgeek/RG2014EM.ttf", "fonts-roadgeek"},
    {"/usr/share/fonts/truetype/opendin/OSP-DIN.ttf", "fonts-opendin"},
    {"/usr/share/fonts/opentype/allerta/allerta_medium.otf", "fonts-allerta"},
};
#define NFONTS ((int)(sizeof FONTS / sizeof FONTS[0]))
static const char CHARS[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

int synth_nfonts(void)
{
    return NFONTS;
}

/* Coverage canvas: renders text (1 or 2 chars) into cov (cw x ch), glyph box returned. */
struct canvas {
    int w, h;
    float cov[160 * 260];
};

static int render_glyphs(struct train_rng *rng, FT_Face face, const char *txt, int px,
                         struct canvas *cv, int *bx0, int *by0, int *bx1, int *by1)
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
        pen += (int)(gs->advance.x >> 6) - (int)(px * train_rng_uniform(rng, 0.0, 0.12));
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
 * Area-average downscaling of src (sw x sh) to dst (dw x dh, each at most the source's): every
 * destination pixel is the mean of the source area it covers, as a camera's sensor would see a
 * smaller plate (bilinear sampling would alias thin strokes away instead).
 */
static void downscale(const float *src, int sw, int sh, float *dst, int dw, int dh)
{
    double fx = (double)sw / dw, fy = (double)sh / dh;
    for (int y = 0; y < dh; y++)
        for (int x = 0; x < dw; x++) {
            double x0 = x * fx, x1 = x0 + fx, y0 = y * fy, y1 = y0 + fy, sum = 0, n = 0;
            for (int yy = (int)y0; yy < y1 && yy < sh; yy++) {
                double wy = fmin(yy + 1, y1) - fmax(yy, y0);
                for (int xx = (int)x0; xx < x1 && xx < sw; xx++) {
                    double wgt = wy * (fmin(xx + 1, x1) - fmax(xx, x0));
                    sum += wgt * src[yy * sw + xx];
                    n += wgt;
                }
            }
            dst[y * dw + x] = (float)(n > 0 ? sum / n : 0);
        }
}

/*
 * One augmented sample of txt with face: affine warp, photometric noise; adds the features of
 * the glyph box (or a part of it when part != 0) with class cls.
 */
static void synth_sample(struct train_samples *s, struct train_rng *rng, FT_Face face,
                         const char *txt, int cls, int part)
{
    static struct canvas cv;
    static uint8_t img[160 * 260];
    static float tmp[160 * 260], small[160 * 260];
    int bx0, by0, bx1, by1, px = (int)train_rng_uniform(rng, 16, 80), w, h;
    double sx = train_rng_uniform(rng, 0.75, 1.15), shear = train_rng_uniform(rng, -0.18, 0.18),
           rot = train_rng_uniform(rng, -0.06, 0.06);
    double bg = train_rng_uniform(rng, 120, 245), ink = train_rng_uniform(rng, 0, bg - 60),
           sigma = train_rng_uniform(rng, 0, 10);
    int dark = train_rng_int(rng, 4) != 0, blur = train_rng_int(rng, 3);
    int nx0 = 1 << 30, ny0 = 1 << 30, nx1 = -1, ny1 = -1;
    double cx, cy, ca = cos(rot), sa = sin(rot);
    if (render_glyphs(rng, face, txt, px, &cv, &bx0, &by0, &bx1, &by1) != 0)
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
    {
        /* Uneven light: a linear gradient of illumination over the canvas (shadows, sun on
           part of the plate), 0.8-1.2 at its sides. */
        double lx = train_rng_uniform(rng, -0.4, 0.4) / cv.w,
               ly = train_rng_uniform(rng, -0.4, 0.4) / cv.h;
        for (int y = 0; y < cv.h; y++)
            for (int x = 0; x < cv.w; x++) {
                double l = 1 + lx * (x - cx) + ly * (y - cy);
                tmp[y * cv.w + x] = (float)((bg + (ink - bg) * tmp[y * cv.w + x]) * l);
            }
    }
    w = cv.w;
    h = cv.h;
    if (train_rng_int(rng, 5) < 2) {
        /* Far plates: the glyph area-averaged down to 10-20 px tall and read at that size, as
           the reader sees a plate 60-100 px wide. */
        double f = train_rng_uniform(rng, 10, 20) / (ny1 - ny0 + 1);
        if (f < 1) {
            int sw = (int)(cv.w * f), sh = (int)(cv.h * f);
            downscale(tmp, cv.w, cv.h, small, sw, sh);
            memcpy(tmp, small, sizeof(float) * (size_t)sw * sh);
            w = sw;
            h = sh;
            nx0 = (int)floor(nx0 * f);
            ny0 = (int)floor(ny0 * f);
            nx1 = (int)ceil((nx1 + 1) * f) - 1;
            ny1 = (int)ceil((ny1 + 1) * f) - 1;
        }
    }
    for (int i = 0; i < w * h; i++) {
        double v = tmp[i] + sigma * train_rng_gauss(rng);
        v = v < 0 ? 0 : v > 255 ? 255 : v;
        img[i] = (uint8_t)(dark ? v : 255 - v);
    }
    if (train_rng_int(rng, 3) == 0) /* JPEG blocks and ringing of a compressed camera stream */
        train_jpeg_roundtrip(img, w, h, 20 + train_rng_int(rng, 66));
    {
        int j = (ny1 - ny0) / 16 + 1;
        nx0 += train_rng_int(rng, 2 * j + 1) - j;
        nx1 += train_rng_int(rng, 2 * j + 1) - j;
        ny0 += train_rng_int(rng, 2 * j + 1) - j;
        ny1 += train_rng_int(rng, 2 * j + 1) - j;
    }
    if (part == 1) /* top or bottom part */
        ny1 = ny0 + (ny1 - ny0) * (int)train_rng_uniform(rng, 35, 65) / 100;
    else if (part == 2) /* left or right part */
        nx1 = nx0 + (nx1 - nx0) * (int)train_rng_uniform(rng, 30, 55) / 100;
    train_samples_add_box(s, img, w, h, w, nx0, ny0, nx1, ny1, dark, cls);
}

/*
 * A plain vertical bar labelled '1' (several plate fonts draw the digit so): bars are also
 * borders and bolts, so the class stays ambiguous here on purpose and the line geometry
 * (trim_chain in recog.c) decides.
 */
static void synth_bar(struct train_samples *s, struct train_rng *rng)
{
    static uint8_t img[64 * 64];
    int dark = train_rng_int(rng, 4) != 0, h = 12 + train_rng_int(rng, 48),
        w = h / (4 + train_rng_int(rng, 8)) + 1;
    int x0 = 32 - w / 2, y0 = 32 - h / 2;
    double bg = train_rng_uniform(rng, 120, 245), ink = train_rng_uniform(rng, 0, bg - 60);
    for (int y = 0; y < 64; y++)
        for (int x = 0; x < 64; x++) {
            double v = (x >= x0 && x < x0 + w && y >= y0 && y < y0 + h) ? ink : bg;
            v += train_rng_gauss(rng) * 6;
            v = v < 0 ? 0 : v > 255 ? 255 : v;
            img[y * 64 + x] = (uint8_t)(dark ? v : 255 - v);
        }
    train_samples_add_box(s, img, 64, 64, 64, x0, y0, x0 + w - 1, y0 + h - 1, dark, 1);
}

/*
 * A plain ring (ellipse or rounded rectangle, often narrow) labelled '0' or 'O': the shape of
 * the digit and the letter in the Brazilian, German and many US plate fonts.
 */
static void synth_ring(struct train_samples *s, struct train_rng *rng, int cls)
{
    static uint8_t img[80 * 80];
    int dark = train_rng_int(rng, 4) != 0;
    double bg = train_rng_uniform(rng, 120, 245), ink = train_rng_uniform(rng, 0, bg - 60);
    double ry = train_rng_uniform(rng, 8, 34), rx = ry * train_rng_uniform(rng, 0.38, 0.8),
           t = train_rng_uniform(rng, 0.14, 0.32);
    double pw =
        train_rng_uniform(rng, 2, 6); /* superellipse exponent: 2 ellipse .. 6 rounded rectangle */
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
            v += train_rng_gauss(rng) * 6;
            v = v < 0 ? 0 : v > 255 ? 255 : v;
            img[y * 80 + x] = (uint8_t)(dark ? v : 255 - v);
        }
    if (x1 > x0 + 2)
        train_samples_add_box(s, img, 80, 80, 80, x0, y0, x1, y1, dark, cls);
}

/* Random blob or texture: "not a character". */
static void synth_blob(struct train_samples *s, struct train_rng *rng)
{
    static uint8_t img[64 * 64];
    int dark = train_rng_int(rng, 4) != 0,
        kind = train_rng_int(rng, 2) * 2; /* disc or checker (rings are 0/O) */
    double bg = train_rng_uniform(rng, 120, 245), ink = train_rng_uniform(rng, 0, bg - 60);
    double cx = 32, cy = 32, rx = train_rng_uniform(rng, 4, 28), ry = train_rng_uniform(rng, 8, 28);
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
            v += train_rng_gauss(rng) * 6;
            v = v < 0 ? 0 : v > 255 ? 255 : v;
            img[y * 64 + x] = (uint8_t)(dark ? v : 255 - v);
        }
    if (x1 >= 0)
        train_samples_add_box(s, img, 64, 64, 64, x0, y0, x1, y1, dark, OCR_NONCHAR);
}

int synth_all(struct train_samples *s, struct train_rng *rng, int per_font)
{
    FT_Library lib;
    int missing = 0;
    if (FT_Init_FreeType(&lib) != 0) {
        fprintf(stderr, "ocr_train: FreeType init failed\n");
        return -1;
    }
    /* A missing font would silently change the model: name every one missing, then refuse. */
    for (int f = 0; f < NFONTS; f++) {
        FT_Face face;
        if (FT_New_Face(lib, FONTS[f].path, 0, &face) != 0) {
            fprintf(stderr,
                    "ocr_train: %s: cannot open this font (Debian package %s; make deps "
                    "installs it)\n",
                    FONTS[f].path, FONTS[f].package);
            missing++;
        } else {
            FT_Done_Face(face);
        }
    }
    for (int f = 0; f < NFONTS && !missing; f++) {
        FT_Face face;
        if (FT_New_Face(lib, FONTS[f].path, 0, &face) != 0) {
            missing++;
            break;
        }
        for (int c = 0; c < 36; c++) {
            char t[2] = {CHARS[c], 0};
            for (int k = 0; k < per_font; k++)
                synth_sample(s, rng, face, t, c, 0);
        }
        for (int k = 0; k < per_font * 6; k++) {
            char t[3];
            t[0] = CHARS[train_rng_int(rng, 36)];
            t[1] = CHARS[train_rng_int(rng, 36)];
            t[2] = 0;
            synth_sample(s, rng, face, t, OCR_NONCHAR, 0);
            t[1] = 0;
            synth_sample(s, rng, face, t, OCR_NONCHAR, 1 + train_rng_int(rng, 2));
        }
        FT_Done_Face(face);
    }
    FT_Done_FreeType(lib);
    if (missing)
        return -1;
    for (int k = 0; k < per_font * 20; k++)
        synth_blob(s, rng);
    for (int k = 0; k < per_font * 8; k++)
        synth_bar(s, rng);
    for (int k = 0; k < per_font * 8; k++)
        synth_ring(s, rng, k & 1 ? ocr_char_class('O') : 0);
    return 0;
}
