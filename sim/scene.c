/*
 * scene: synthetic frames with plates (see scene.h for the contract).
 *
 * Pipeline of one frame: background (built once per frame or once per sequence) -> vehicle
 * bodies -> plate sprites (each plate is drawn upright into its own canvas with FreeType, then
 * resampled into a rotated sprite with coverage alpha) -> Gaussian blur -> lighting field and
 * sensor noise -> 8-bit frame. Every random choice comes from a splitmix64 stream derived from
 * the seed and a stream number, so frames of a sequence can be rendered in any order.
 */
#include "scene.h"

#include <ft2build.h>
#include FT_FREETYPE_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

const char *const scene_patterns[] = {
    "LLLDDDD", /* ABC1234: NY, PA, TX, GA, NC, OH, ... */
    "DLLLDDD", /* 7ABC123: CA */
    "DDDLLL",  /* 123ABC: older plates of many states */
    "LLLDDD",  /* ABC123: many states */
    "LLDDDDD", /* AB12345: IL */
    NULL,
};

static const struct {
    const char *code, *name, *slogan;
} states[] = {
    {"ca", "CALIFORNIA", "dmv.ca.gov"},          {"tx", "TEXAS", "THE LONE STAR STATE"},
    {"ny", "NEW YORK", "EMPIRE STATE"},          {"fl", "FLORIDA", "SUNSHINE STATE"},
    {"il", "ILLINOIS", "LAND OF LINCOLN"},       {"pa", "PENNSYLVANIA", "visitPA.com"},
    {"oh", "OHIO", "BIRTHPLACE OF AVIATION"},    {"ga", "GEORGIA", "PEACH STATE"},
    {"nc", "NORTH CAROLINA", "FIRST IN FLIGHT"}, {"az", "ARIZONA", "GRAND CANYON STATE"},
    {"wa", "WASHINGTON", "EVERGREEN STATE"},     {"nj", "NEW JERSEY", "GARDEN STATE"},
    {"mi", "MICHIGAN", "PURE MICHIGAN"},         {"co", "COLORADO", "COLORFUL"},
};
#define NSTATES ((int)(sizeof states / sizeof states[0]))

/* Plate lettering is a condensed sans without descenders (DejaVu's J drops below the
   baseline, which no plate font does): Roboto Condensed Bold first, DejaVu as the fallback. */
static const char *const font_candidates[] = {
    "/usr/share/fonts/truetype/roboto/unhinted/RobotoCondensed-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
};

const char *scene_strerror(int err)
{
    switch (err) {
    case SCENE_OK:
        return "success";
    case SCENE_ERR_INVALID:
        return "invalid scene parameter";
    case SCENE_ERR_FONT:
        return "no usable font (install fonts-roboto-unhinted or fonts-dejavu-extra)";
    case SCENE_ERR_NOMEM:
        return "out of memory";
    case SCENE_ERR_NOFIT:
        return "the plates do not fit in the frame";
    case SCENE_ERR_RANGE:
        return "frame index outside the sequence";
    default:
        return "unknown error";
    }
}

/* ---- Random numbers: splitmix64 ------------------------------------------------------------- */

struct rng {
    uint64_t s;
};

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t rng_next(struct rng *r)
{
    r->s += 0x9E3779B97F4A7C15ull;
    return mix64(r->s);
}

/* An independent stream for (seed, stream). */
static struct rng rng_stream(uint64_t seed, uint64_t stream)
{
    struct rng r = {mix64(seed ^ mix64(stream * 0xD1B54A32D192ED03ull + 0x2545F4914F6CDD1Dull))};
    return r;
}

static double rng_unit(struct rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static double rng_range(struct rng *r, double lo, double hi)
{
    return lo + (hi - lo) * rng_unit(r);
}

/* Uniform integer in [lo, hi]. */
static int rng_int(struct rng *r, int lo, int hi)
{
    return lo + (int)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

static int rng_chance(struct rng *r, double p)
{
    return rng_unit(r) < p;
}

/* ---- Canvas primitives ---------------------------------------------------------------------- */

struct canvas {
    int w, h;
    uint8_t *px;
};

static int clampi(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static uint8_t clamp8(double v)
{
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : (int)(v + 0.5));
}

static void blend(uint8_t *d, int v, int a)
{
    *d = (uint8_t)((*d * (255 - a) + v * a + 127) / 255);
}

/* Fills [x0, x1) x [y0, y1) (rounded, clipped) with v. */
static void fill_rect(struct canvas *c, double x0, double y0, double x1, double y1, int v)
{
    int ix0 = clampi((int)lround(x0), 0, c->w), ix1 = clampi((int)lround(x1), 0, c->w);
    int iy0 = clampi((int)lround(y0), 0, c->h), iy1 = clampi((int)lround(y1), 0, c->h);
    if (ix1 <= ix0)
        return;
    for (int y = iy0; y < iy1; y++)
        memset(c->px + (size_t)y * c->w + ix0, clampi(v, 0, 255), (size_t)(ix1 - ix0));
}

/* Fills the rectangle with a vertical gradient from v0 (top) to v1 (bottom). */
static void fill_vgrad(struct canvas *c, double x0, double y0, double x1, double y1, double v0,
                       double v1)
{
    int ix0 = clampi((int)lround(x0), 0, c->w), ix1 = clampi((int)lround(x1), 0, c->w);
    int iy0 = clampi((int)lround(y0), 0, c->h), iy1 = clampi((int)lround(y1), 0, c->h);
    double span = y1 - y0 > 1 ? y1 - y0 : 1;
    if (ix1 <= ix0)
        return;
    for (int y = iy0; y < iy1; y++)
        memset(c->px + (size_t)y * c->w + ix0, clamp8(v0 + (v1 - v0) * (y - y0) / span),
               (size_t)(ix1 - ix0));
}

static void fill_ellipse(struct canvas *c, double cx, double cy, double rx, double ry, int v)
{
    if (rx <= 0 || ry <= 0)
        return;
    int y0 = clampi((int)floor(cy - ry), 0, c->h), y1 = clampi((int)ceil(cy + ry), 0, c->h);
    for (int y = y0; y < y1; y++) {
        double dy = (y + 0.5 - cy) / ry;
        if (dy * dy >= 1)
            continue;
        double half = rx * sqrt(1 - dy * dy);
        fill_rect(c, cx - half, y, cx + half, y + 1, v);
    }
}

/* Draws a rectangle outline of thickness t (inside the rectangle). */
static void stroke_rect(struct canvas *c, double x0, double y0, double x1, double y1, double t,
                        int v)
{
    fill_rect(c, x0, y0, x1, y0 + t, v);
    fill_rect(c, x0, y1 - t, x1, y1, v);
    fill_rect(c, x0, y0, x0 + t, y1, v);
    fill_rect(c, x1 - t, y0, x1, y1, v);
}

/* ---- Generator and text --------------------------------------------------------------------- */

struct scene_gen {
    FT_Library lib;
    FT_Face face;
    double cap_ratio; /* cap height / em */
    char path[512];
};

int scene_gen_open(const char *font_path, struct scene_gen **out)
{
    const char *path = font_path;
    if (!out)
        return SCENE_ERR_INVALID;
    if (!path) {
        for (size_t i = 0; i < sizeof font_candidates / sizeof font_candidates[0] && !path; i++) {
            FILE *f = fopen(font_candidates[i], "rb");
            if (f) {
                fclose(f);
                path = font_candidates[i];
            }
        }
        if (!path)
            return SCENE_ERR_FONT;
    }
    if (strlen(path) >= sizeof((struct scene_gen *)0)->path)
        return SCENE_ERR_FONT;
    struct scene_gen *g = calloc(1, sizeof *g);
    if (!g)
        return SCENE_ERR_NOMEM;
    strcpy(g->path, path);
    int rc = SCENE_ERR_FONT;
    if (FT_Init_FreeType(&g->lib) != 0) {
        g->lib = NULL;
        rc = SCENE_ERR_NOMEM;
        goto fail;
    }
    if (FT_New_Face(g->lib, g->path, 0, &g->face) != 0) {
        g->face = NULL;
        goto fail;
    }
    if (!FT_IS_SCALABLE(g->face) || g->face->units_per_EM == 0)
        goto fail;
    /* Cap height from the outline of 'H', in font units. */
    if (FT_Load_Char(g->face, 'H', FT_LOAD_NO_SCALE) != 0 || g->face->glyph->metrics.height <= 0)
        goto fail;
    g->cap_ratio = (double)g->face->glyph->metrics.height / g->face->units_per_EM;
    for (const char *p = SCENE_LETTERS "0123456789"; *p; p++)
        if (FT_Get_Char_Index(g->face, (FT_ULong)*p) == 0)
            goto fail;
    *out = g;
    return 0;
fail:
    scene_gen_close(g);
    return rc;
}

const char *scene_gen_font_path(const struct scene_gen *gen)
{
    return gen ? gen->path : NULL;
}

void scene_gen_close(struct scene_gen *gen)
{
    if (!gen)
        return;
    if (gen->face)
        FT_Done_Face(gen->face);
    if (gen->lib)
        FT_Done_FreeType(gen->lib);
    free(gen);
}

struct text_style {
    double cap_h;  /* height of capitals, pixels */
    double max_w;  /* the line is squeezed horizontally to fit this width */
    double fill;   /* > 0: letter-space the line out to fill * max_w (at most 0.35 cap_h each) */
    int gap_after; /* index of the character followed by a separator gap, or -1 */
    double gap;    /* width of that gap, pixels */
    int dash;      /* draw a dash in the gap */
};

static int set_size(FT_Face face, double em_x, double em_y)
{
    FT_F26Dot6 w = (FT_F26Dot6)(em_x * 64 + 0.5), h = (FT_F26Dot6)(em_y * 64 + 0.5);
    return FT_Set_Char_Size(face, w < 64 ? 64 : w, h < 64 ? 64 : h, 72, 72) == 0 ? 0
                                                                                 : SCENE_ERR_FONT;
}

static int measure(FT_Face face, const char *text, double *total)
{
    double t = 0;
    for (const char *p = text; *p; p++) {
        if (FT_Load_Char(face, (unsigned char)*p, FT_LOAD_NO_HINTING) != 0)
            return SCENE_ERR_FONT;
        t += face->glyph->advance.x / 64.0;
    }
    *total = t;
    return 0;
}

/*
 * Draws text centred on (cx, cy) (cy = middle of the capitals) in gray level ink. When boxes
 * is not NULL, boxes[i] receives the ink box of character i (clipped to the canvas; all zero
 * for a character with no ink).
 */
static int draw_text(struct scene_gen *g, struct canvas *c, const char *text,
                     const struct text_style *st, double cx, double cy, int ink,
                     struct scene_box *boxes)
{
    FT_Face face = g->face;
    size_t n = strlen(text);
    double em_y = st->cap_h / g->cap_ratio, em_x = em_y, total;
    double fixed = st->gap_after >= 0 ? st->gap : 0;
    int rc = set_size(face, em_x, em_y);
    if (rc == 0)
        rc = measure(face, text, &total);
    if (rc != 0)
        return rc;
    if (total + fixed > st->max_w && total > 0) {
        em_x *= (st->max_w - fixed) / total;
        if ((rc = set_size(face, em_x, em_y)) != 0 || (rc = measure(face, text, &total)) != 0)
            return rc;
    }
    double extra = 0;
    if (st->fill > 0 && n > 1 && total + fixed < st->fill * st->max_w) {
        extra = (st->fill * st->max_w - total - fixed) / (double)(n - 1);
        if (extra > 0.35 * st->cap_h)
            extra = 0.35 * st->cap_h;
    }
    double pen = cx - (total + fixed + extra * (double)(n - 1)) / 2;
    int base = (int)lround(cy + st->cap_h / 2);
    for (size_t i = 0; i < n; i++) {
        if (FT_Load_Char(face, (unsigned char)text[i], FT_LOAD_RENDER | FT_LOAD_NO_HINTING) != 0)
            return SCENE_ERR_FONT;
        FT_GlyphSlot gs = face->glyph;
        const FT_Bitmap *bm = &gs->bitmap;
        int x0 = (int)lround(pen) + gs->bitmap_left, y0 = base - gs->bitmap_top;
        int bx0 = c->w, by0 = c->h, bx1 = -1, by1 = -1;
        if (bm->pixel_mode == FT_PIXEL_MODE_GRAY) {
            for (unsigned r = 0; r < bm->rows; r++) {
                int y = y0 + (int)r;
                if (y < 0 || y >= c->h)
                    continue;
                const uint8_t *src = bm->buffer + (ptrdiff_t)r * bm->pitch;
                for (unsigned k = 0; k < bm->width; k++) {
                    int x = x0 + (int)k;
                    if (x < 0 || x >= c->w || src[k] == 0)
                        continue;
                    blend(c->px + (size_t)y * c->w + x, ink, src[k]);
                    bx0 = x < bx0 ? x : bx0;
                    bx1 = x > bx1 ? x : bx1;
                    by0 = y < by0 ? y : by0;
                    by1 = y > by1 ? y : by1;
                }
            }
        }
        if (boxes) {
            struct scene_box b = {0, 0, 0, 0};
            if (bx1 >= bx0 && by1 >= by0)
                b = (struct scene_box){bx0, by0, bx1 - bx0 + 1, by1 - by0 + 1};
            boxes[i] = b;
        }
        pen += gs->advance.x / 64.0 + extra;
        if ((int)i == st->gap_after) {
            if (st->dash)
                fill_rect(c, pen + st->gap * 0.3, cy - st->cap_h * 0.06, pen + st->gap * 0.7,
                          cy + st->cap_h * 0.06, ink);
            pen += st->gap;
        }
    }
    return 0;
}

/* ---- Plates --------------------------------------------------------------------------------- */

/* A plate rendered and rotated: gray value and coverage per pixel, truth relative to (0, 0). */
struct sprite {
    int w, h;
    uint8_t *val, *alpha;
    struct scene_plate info; /* boxes relative to the sprite's top-left corner */
};

static void sprite_free(struct sprite *s)
{
    free(s->val);
    free(s->alpha);
    s->val = s->alpha = NULL;
}

static void make_text(struct rng *r, char *text, const char **pattern)
{
    int npat = 0;
    while (scene_patterns[npat])
        npat++;
    const char *pat = scene_patterns[rng_int(r, 0, npat - 1)];
    static const char letters[] = SCENE_LETTERS;
    size_t i;
    for (i = 0; pat[i] && i + 1 < SCENE_TEXT_MAX; i++)
        text[i] = pat[i] == 'L' ? letters[rng_int(r, 0, (int)sizeof letters - 2)]
                                : (char)('0' + rng_int(r, 0, 9));
    text[i] = '\0';
    *pattern = pat;
}

/* Box of the rotated rectangle [x0, x1] x [y0, y1] (plate coordinates) in sprite pixels. */
static struct scene_box rotate_box(double x0, double y0, double x1, double y1, double pw, double ph,
                                   double scx, double scy, double cs, double sn)
{
    double xs[4] = {x0, x1, x1, x0}, ys[4] = {y0, y0, y1, y1};
    double minx = 1e9, miny = 1e9, maxx = -1e9, maxy = -1e9;
    for (int k = 0; k < 4; k++) {
        double dx = xs[k] - pw / 2, dy = ys[k] - ph / 2;
        double sx = scx + cs * dx - sn * dy, sy = scy + sn * dx + cs * dy;
        minx = sx < minx ? sx : minx;
        maxx = sx > maxx ? sx : maxx;
        miny = sy < miny ? sy : miny;
        maxy = sy > maxy ? sy : maxy;
    }
    /* A small epsilon keeps exact integers (rotation 0) from growing by a pixel. */
    int bx0 = (int)floor(minx + 1e-6), by0 = (int)floor(miny + 1e-6);
    int bx1 = (int)ceil(maxx - 1e-6), by1 = (int)ceil(maxy - 1e-6);
    return (struct scene_box){bx0, by0, bx1 - bx0, by1 - by0};
}

/*
 * Renders a plate of width pw with random text, style and angle into a sprite.
 */
static int plate_make(struct scene_gen *g, struct rng *r, const struct scene_params *p, int pw,
                      struct sprite *out)
{
    int ph = (pw + 1) / 2;
    struct scene_plate info;
    memset(&info, 0, sizeof info);
    make_text(r, info.text, &info.pattern);
    info.nchars = (int)strlen(info.text);
    int st = rng_int(r, 0, NSTATES - 1);
    memcpy(info.state, states[st].code, 3);
    info.inverse = rng_int(r, 0, 99) < p->inverse_percent;
    if (info.inverse) {
        info.background = (uint8_t)rng_int(r, 15, 70);
        info.ink = (uint8_t)rng_int(r, 185, 245);
    } else {
        info.background = (uint8_t)rng_int(r, 165, 245);
        info.ink = (uint8_t)rng_int(r, 10, 70);
    }
    info.angle_deg = rng_range(r, -p->rotation_max_deg, p->rotation_max_deg);
    int bg = info.background, ink = info.ink;
    int has_state = p->decorations && rng_chance(r, 0.85);
    int has_slogan = p->decorations && rng_chance(r, 0.6);
    int has_border = rng_chance(r, 0.75);
    int has_graphic = rng_chance(r, 0.3);
    int has_bolts = rng_chance(r, 0.5);
    double grad = rng_range(r, -14, 14);
    int sep = rng_int(r, 0, 9); /* 0-5: none, 6-8: gap, 9: dash */
    double cap = ph * rng_range(r, 0.40, 0.46);

    /* 1. The upright plate. */
    struct canvas pc = {pw, ph, malloc((size_t)pw * ph)};
    if (!pc.px)
        return SCENE_ERR_NOMEM;
    fill_vgrad(&pc, 0, 0, pw, ph, bg - grad / 2, bg + grad / 2);
    if (has_graphic) {
        int gv = clampi(bg + (info.inverse ? 1 : -1) * rng_int(r, 12, 30), 0, 255);
        fill_ellipse(&pc, rng_range(r, 0.2, 0.8) * pw, ph * rng_range(r, 0.6, 0.9),
                     pw * rng_range(r, 0.2, 0.45), ph * rng_range(r, 0.15, 0.3), gv);
    }
    double inset = pw * 0.025 > 1 ? pw * 0.025 : 1, thick = pw * 0.012 > 1 ? pw * 0.012 : 1;
    if (has_border)
        stroke_rect(&pc, inset, inset, pw - inset, ph - inset, thick, ink);
    if (has_bolts) /* mounting bolts: small dark dots, a distractor for segmentation */
        for (int k = 0; k < 2; k++)
            fill_ellipse(&pc, pw * (k ? 0.87 : 0.13), ph * 0.12, ph * 0.045, ph * 0.045,
                         info.inverse ? clampi(bg + 60, 0, 255) : clampi(bg - 90, 0, 255));
    int rc = 0;
    int deco_ink = info.inverse ? ink : clampi(ink + (bg - ink) / 4, 0, 255);
    if (has_state && ph * 0.12 >= 3) {
        struct text_style ts = {ph * 0.12, pw * 0.7, 0, -1, 0, 0};
        rc = draw_text(g, &pc, states[st].name, &ts, pw / 2.0, ph * 0.16, deco_ink, NULL);
    }
    if (rc == 0 && has_slogan && ph * 0.075 >= 3) {
        struct text_style ts = {ph * 0.075, pw * 0.72, 0, -1, 0, 0};
        rc = draw_text(g, &pc, states[st].slogan, &ts, pw / 2.0, ph * 0.875, deco_ink, NULL);
    }
    struct scene_box chars[SCENE_TEXT_MAX];
    if (rc == 0) {
        int gap_after = -1;
        for (int i = 1; i < info.nchars; i++)
            if ((info.pattern[i] == 'L') != (info.pattern[i - 1] == 'L'))
                gap_after = i - 1; /* the last letter/digit boundary */
        struct text_style ts = {cap,        pw - 2 * (inset + thick) - pw * 0.08,
                                0.82,       sep >= 6 ? gap_after : -1,
                                cap * 0.45, sep == 9};
        rc = draw_text(g, &pc, info.text, &ts, pw / 2.0, ph * 0.53, ink, chars);
    }
    for (int i = 0; rc == 0 && i < info.nchars; i++)
        if (chars[i].w == 0)
            rc = SCENE_ERR_FONT;
    if (rc != 0) {
        free(pc.px);
        return rc;
    }

    /* 2. Rotation into the sprite, with coverage alpha along the plate edges. */
    double a = info.angle_deg * M_PI / 180, cs = cos(a), sn = sin(a);
    double bw = pw * fabs(cs) + ph * fabs(sn), bh = pw * fabs(sn) + ph * fabs(cs);
    struct sprite s = {(int)ceil(bw - 1e-6) + 2, (int)ceil(bh - 1e-6) + 2, NULL, NULL, info};
    s.val = malloc((size_t)s.w * s.h);
    s.alpha = calloc((size_t)s.w * s.h, 1);
    if (!s.val || !s.alpha) {
        free(pc.px);
        sprite_free(&s);
        return SCENE_ERR_NOMEM;
    }
    double scx = s.w / 2.0, scy = s.h / 2.0;
    for (int y = 0; y < s.h; y++) {
        for (int x = 0; x < s.w; x++) {
            double dx = x + 0.5 - scx, dy = y + 0.5 - scy;
            double u = cs * dx + sn * dy + pw / 2.0, v = -sn * dx + cs * dy + ph / 2.0;
            double edge = fmin(fmin(u, pw - u), fmin(v, ph - v)) + 0.5;
            size_t o = (size_t)y * s.w + x;
            s.val[o] = 0;
            if (edge <= 0)
                continue;
            double fu = u - 0.5, fv = v - 0.5;
            int iu = (int)floor(fu), iv = (int)floor(fv);
            double tu = fu - iu, tv = fv - iv;
            int u0 = clampi(iu, 0, pw - 1), u1 = clampi(iu + 1, 0, pw - 1);
            int v0 = clampi(iv, 0, ph - 1), v1 = clampi(iv + 1, 0, ph - 1);
            const uint8_t *r0 = pc.px + (size_t)v0 * pw, *r1 = pc.px + (size_t)v1 * pw;
            double val = (r0[u0] * (1 - tu) + r0[u1] * tu) * (1 - tv) +
                         (r1[u0] * (1 - tu) + r1[u1] * tu) * tv;
            s.val[o] = clamp8(val);
            s.alpha[o] = clamp8(255 * (edge > 1 ? 1 : edge));
        }
    }
    free(pc.px);
    s.info.box = rotate_box(0, 0, pw, ph, pw, ph, scx, scy, cs, sn);
    for (int i = 0; i < info.nchars; i++)
        s.info.chars[i] = rotate_box(chars[i].x, chars[i].y, chars[i].x + chars[i].w,
                                     chars[i].y + chars[i].h, pw, ph, scx, scy, cs, sn);
    *out = s;
    return 0;
}

static void sprite_draw(struct canvas *c, const struct sprite *s, int ox, int oy)
{
    for (int y = 0; y < s->h; y++) {
        int fy = oy + y;
        if (fy < 0 || fy >= c->h)
            continue;
        for (int x = 0; x < s->w; x++) {
            int fx = ox + x;
            size_t o = (size_t)y * s->w + x;
            if (fx < 0 || fx >= c->w || s->alpha[o] == 0)
                continue;
            blend(c->px + (size_t)fy * c->w + fx, s->val[o], s->alpha[o]);
        }
    }
}

/* ---- Vehicles ------------------------------------------------------------------------------- */

/* A vehicle's rear, in pixels relative to its plate's centre. */
struct vehicle {
    double half_w, top, bottom, wheel_r;
    int body, window, light, bumper, recess, wheel;
    double shade;
};

static void vehicle_make(struct rng *r, int pw, struct vehicle *v)
{
    v->half_w = pw * rng_range(r, 3.6, 4.6) / 2;
    v->top = -pw * rng_range(r, 1.3, 1.8);
    v->bottom = pw * rng_range(r, 0.45, 0.65);
    v->wheel_r = 0.16 * pw;
    v->body = rng_int(r, 20, 235);
    v->window = v->body * rng_int(r, 25, 50) / 100;
    v->light = rng_chance(r, 0.5) ? rng_int(r, 150, 230) : rng_int(r, 30, 80);
    v->bumper = rng_chance(r, 0.5) ? rng_int(r, 20, 60) : clampi(v->body - 25, 0, 255);
    v->recess = v->body * rng_int(r, 70, 90) / 100;
    v->wheel = rng_int(r, 10, 35);
    v->shade = rng_range(r, -30, 30);
}

/* Rectangle covered by the vehicle (wheels included) for a plate centred on (pcx, pcy). */
static void vehicle_body(const struct vehicle *v, double pcx, double pcy, double *x0, double *y0,
                         double *x1, double *y1)
{
    *x0 = pcx - v->half_w;
    *x1 = pcx + v->half_w;
    *y0 = pcy + v->top;
    *y1 = pcy + v->bottom + v->wheel_r;
}

static void vehicle_draw(struct canvas *c, const struct vehicle *v, double pcx, double pcy, int pw,
                         int ph)
{
    double x0, y0, x1, y1, w = 2 * v->half_w;
    vehicle_body(v, pcx, pcy, &x0, &y0, &x1, &y1);
    y1 -= v->wheel_r;
    double hgt = y1 - y0;
    (void)pw;
    fill_ellipse(c, x0 + 0.16 * w, y1, 0.08 * w, v->wheel_r, v->wheel);
    fill_ellipse(c, x1 - 0.16 * w, y1, 0.08 * w, v->wheel_r, v->wheel);
    fill_vgrad(c, x0, y0, x1, y1, v->body - v->shade / 2, v->body + v->shade / 2);
    fill_rect(c, x0 + 0.12 * w, y0 + 0.06 * hgt, x1 - 0.12 * w, y0 + 0.36 * hgt, v->window);
    /* Tail lights stay above the plate's top edge (see the tests' shifted-box check). */
    fill_rect(c, x0 + 0.02 * w, y0 + 0.38 * hgt, x0 + 0.14 * w, y0 + 0.5 * hgt, v->light);
    fill_rect(c, x1 - 0.14 * w, y0 + 0.38 * hgt, x1 - 0.02 * w, y0 + 0.5 * hgt, v->light);
    fill_rect(c, pcx - 0.6 * pw, pcy - 0.65 * ph, pcx + 0.6 * pw, pcy + 0.65 * ph, v->recess);
    fill_rect(c, x0, pcy + 0.75 * ph, x1, y1, v->bumper);
}

/* ---- Background and effects ----------------------------------------------------------------- */

static void background_draw(struct rng *r, struct canvas *c)
{
    int W = c->w, H = c->h;
    double horizon = H * rng_range(r, 0.28, 0.45);
    fill_vgrad(c, 0, 0, W, horizon, rng_range(r, 160, 235), rng_range(r, 120, 200));
    int nb = rng_int(r, 3, 8);
    for (int i = 0; i < nb; i++) {
        double bx = rng_range(r, -0.1, 0.95) * W, bw = rng_range(r, 0.08, 0.3) * W;
        double top = rng_range(r, 0.05, 0.85) * horizon;
        int v = rng_int(r, 50, 190);
        fill_rect(c, bx, top, bx + bw, horizon, v);
        if (rng_chance(r, 0.6)) {
            double ws = rng_range(r, 6, 14), step = ws * rng_range(r, 1.6, 2.4);
            int wv = clampi(v + (rng_chance(r, 0.5) ? 1 : -1) * rng_int(r, 25, 60), 0, 255);
            for (double wy = top + step / 2; wy + ws < horizon - 4; wy += step)
                for (double wx = bx + step / 2; wx + ws < bx + bw; wx += step)
                    fill_rect(c, wx, wy, wx + ws, wy + ws, wv);
        }
    }
    double r0 = rng_range(r, 70, 130);
    fill_vgrad(c, 0, horizon, W, H, r0, r0 + rng_range(r, -25, 25));
    fill_rect(c, 0, horizon, W, horizon + rng_range(r, 2, 6), rng_int(r, 20, 60));
    int lanes = rng_int(r, 1, 2);
    for (int i = 0; i < lanes; i++) {
        double ly = rng_range(r, horizon + 0.1 * H, H - 12), th = rng_range(r, 3, 8);
        double dash = rng_range(r, 40, 100), gap = rng_range(r, 40, 100);
        int v = rng_int(r, 190, 240);
        for (double x = -rng_range(r, 0, dash + gap); x < W; x += dash + gap)
            fill_rect(c, x, ly, x + dash, ly + th, v);
    }
    /* Low-frequency texture: a coarse random grid, bilinearly interpolated. */
    enum { CELL = 32 };
    int gw = W / CELL + 2, gh = H / CELL + 2;
    double amp = rng_range(r, 3, 10);
    signed char grid[(SCENE_MAX_DIM / CELL + 2) * (SCENE_MAX_DIM / CELL + 2)];
    for (int i = 0; i < gw * gh; i++)
        grid[i] = (signed char)rng_int(r, -100, 100);
    for (int y = 0; y < H; y++) {
        int gy = y / CELL;
        double ty = (y % CELL) / (double)CELL;
        for (int x = 0; x < W; x++) {
            int gx = x / CELL;
            double tx = (x % CELL) / (double)CELL;
            const signed char *g0 = grid + gy * gw + gx, *g1 = g0 + gw;
            double t =
                (g0[0] * (1 - tx) + g0[1] * tx) * (1 - ty) + (g1[0] * (1 - tx) + g1[1] * tx) * ty;
            uint8_t *d = c->px + (size_t)y * W + x;
            *d = clamp8(*d + t * amp / 100);
        }
    }
}

/* Separable Gaussian blur in place (radius ceil(3 sigma), at most 12). */
static int blur(struct canvas *c, double sigma)
{
    if (sigma <= 0.05)
        return 0;
    int rad = (int)ceil(3 * sigma);
    rad = rad > 12 ? 12 : rad;
    int k[25], sum = 0;
    for (int i = -rad; i <= rad; i++)
        sum += k[i + rad] = (int)lround(4096 * exp(-(double)(i * i) / (2 * sigma * sigma)));
    int W = c->w, H = c->h;
    uint8_t *tmp = malloc((size_t)W * H);
    int32_t *acc = malloc(sizeof *acc * (size_t)W);
    if (!tmp || !acc) {
        free(tmp);
        free(acc);
        return SCENE_ERR_NOMEM;
    }
    for (int y = 0; y < H; y++) {
        const uint8_t *src = c->px + (size_t)y * W;
        uint8_t *dst = tmp + (size_t)y * W;
        for (int x = 0; x < W; x++) {
            int s = 0;
            if (x >= rad && x < W - rad) {
                for (int i = -rad; i <= rad; i++)
                    s += k[i + rad] * src[x + i];
            } else {
                for (int i = -rad; i <= rad; i++)
                    s += k[i + rad] * src[clampi(x + i, 0, W - 1)];
            }
            dst[x] = (uint8_t)((s + sum / 2) / sum);
        }
    }
    for (int y = 0; y < H; y++) {
        memset(acc, 0, sizeof *acc * (size_t)W);
        for (int i = -rad; i <= rad; i++) {
            const uint8_t *src = tmp + (size_t)clampi(y + i, 0, H - 1) * W;
            int kk = k[i + rad];
            for (int x = 0; x < W; x++)
                acc[x] += kk * src[x];
        }
        uint8_t *dst = c->px + (size_t)y * W;
        for (int x = 0; x < W; x++)
            dst[x] = (uint8_t)((acc[x] + sum / 2) / sum);
    }
    free(tmp);
    free(acc);
    return 0;
}

/* Lighting field lx[x] * ly[y] + spot * ex[x] * ey[y]. */
struct lighting {
    float *lx, *ly, *ex, *ey;
    float spot;
};

static void lighting_free(struct lighting *l)
{
    free(l->lx);
    free(l->ly);
    free(l->ex);
    free(l->ey);
    memset(l, 0, sizeof *l);
}

static int lighting_make(struct rng *r, int W, int H, double strength, struct lighting *l)
{
    memset(l, 0, sizeof *l);
    l->lx = malloc(sizeof(float) * (size_t)W);
    l->ex = malloc(sizeof(float) * (size_t)W);
    l->ly = malloc(sizeof(float) * (size_t)H);
    l->ey = malloc(sizeof(float) * (size_t)H);
    if (!l->lx || !l->ex || !l->ly || !l->ey) {
        lighting_free(l);
        return SCENE_ERR_NOMEM;
    }
    double ax = rng_range(r, -0.8, 0.8) * strength, ay = rng_range(r, -0.8, 0.8) * strength;
    double sx = rng_range(r, 0, W), sy = rng_range(r, 0, H), rad = rng_range(r, 0.2, 0.6) * W;
    l->spot = (float)(rng_range(r, -0.5, 0.5) * strength);
    for (int x = 0; x < W; x++) {
        l->lx[x] = (float)(1 + ax * ((x + 0.5) / W - 0.5));
        l->ex[x] = (float)exp(-(x - sx) * (x - sx) / (2 * rad * rad));
    }
    for (int y = 0; y < H; y++) {
        l->ly[y] = (float)(1 + ay * ((y + 0.5) / H - 0.5));
        l->ey[y] = (float)exp(-(y - sy) * (y - sy) / (2 * rad * rad));
    }
    return 0;
}

/* Applies lighting and Gaussian-like noise (sum of four uniforms) in place. */
static void sensor(struct canvas *c, const struct lighting *l, double sigma, struct rng *r)
{
    /* Four 16-bit uniforms: mean 131070, standard deviation 65536 / sqrt(3). */
    const float k = (float)(sigma / (65536.0 / sqrt(3.0)));
    for (int y = 0; y < c->h; y++) {
        uint8_t *row = c->px + (size_t)y * c->w;
        float ly = l->ly[y], ey = l->spot * l->ey[y];
        for (int x = 0; x < c->w; x++) {
            float v = row[x] * (l->lx[x] * ly + ey * l->ex[x]);
            if (sigma > 0) {
                uint64_t z = rng_next(r);
                int32_t s = (int32_t)(z & 0xffff) + (int32_t)(z >> 16 & 0xffff) +
                            (int32_t)(z >> 32 & 0xffff) + (int32_t)(z >> 48) - 131070;
                v += (float)s * k;
            }
            row[x] = v <= 0 ? 0 : v >= 255 ? 255 : (uint8_t)(v + 0.5f);
        }
    }
}

/* ---- Single frames -------------------------------------------------------------------------- */

void scene_params_default(struct scene_params *p)
{
    memset(p, 0, sizeof *p);
    p->width = 1280;
    p->height = 720;
    p->seed = 1;
    p->plates = 1;
    p->min_plate_width = 90;
    p->max_plate_width = 260;
    p->rotation_max_deg = 5;
    p->blur_sigma = 0.8;
    p->noise_sigma = 4;
    p->lighting = 0.35;
    p->inverse_percent = 15;
    p->decorations = 1;
}

int scene_params_check(const struct scene_params *p, const char **why)
{
    const char *w = NULL;
    if (!p)
        w = "no parameters";
    else if (p->width <= 0 || p->height <= 0 || p->width > SCENE_MAX_DIM ||
             p->height > SCENE_MAX_DIM)
        w = "width and height must be 1..4096";
    else if (p->plates < 1 || p->plates > SCENE_MAX_PLATES)
        w = "plates must be 1..16";
    else if (p->min_plate_width < SCENE_MIN_PLATE_WIDTH)
        w = "min_plate_width must be at least 60 (characters >= 12 px tall)";
    else if (p->max_plate_width < p->min_plate_width)
        w = "max_plate_width is below min_plate_width";
    else if (!(p->rotation_max_deg >= 0 && p->rotation_max_deg <= 45))
        w = "rotation_max_deg must be 0..45";
    else if (!(p->blur_sigma >= 0 && p->blur_sigma <= 4))
        w = "blur_sigma must be 0..4";
    else if (!(p->noise_sigma >= 0 && p->noise_sigma <= 64))
        w = "noise_sigma must be 0..64";
    else if (!(p->lighting >= 0 && p->lighting <= 1))
        w = "lighting must be 0..1";
    else if (p->inverse_percent < 0 || p->inverse_percent > 100)
        w = "inverse_percent must be 0..100";
    else {
        /* The largest plate, turned by the largest angle, must fit in the frame. */
        double a = p->rotation_max_deg * M_PI / 180;
        double pw = p->max_plate_width, ph = (p->max_plate_width + 1) / 2;
        double aw = fmin(a, atan2(ph, pw)); /* the rotated width peaks there */
        if (pw * cos(aw) + ph * sin(aw) + 2 > p->width || pw * sin(a) + ph * cos(a) + 2 > p->height)
            w = "max_plate_width too large for the frame";
    }
    if (w && why)
        *why = w;
    return w ? SCENE_ERR_INVALID : 0;
}

static int boxes_overlap(double ax0, double ay0, double ax1, double ay1, double bx0, double by0,
                         double bx1, double by1)
{
    return ax0 < bx1 && bx0 < ax1 && ay0 < by1 && by0 < ay1;
}

/* Moves a sprite's boxes by (ox, oy) into a frame's plate record. */
static struct scene_plate place_info(const struct sprite *s, int ox, int oy, int vehicle)
{
    struct scene_plate info = s->info;
    info.box.x += ox;
    info.box.y += oy;
    for (int i = 0; i < info.nchars; i++) {
        info.chars[i].x += ox;
        info.chars[i].y += oy;
    }
    info.vehicle = vehicle;
    return info;
}

static int box_inside(const struct scene_box *b, int w, int h)
{
    return b->x >= 0 && b->y >= 0 && b->x + b->w <= w && b->y + b->h <= h;
}

static int effects(struct canvas *c, const struct scene_params *p, const struct lighting *l,
                   uint64_t noise_stream)
{
    int rc = blur(c, p->blur_sigma);
    if (rc != 0)
        return rc;
    struct rng nr = rng_stream(p->seed, noise_stream);
    sensor(c, l, p->noise_sigma, &nr);
    return 0;
}

int scene_render(struct scene_gen *gen, const struct scene_params *p, struct scene *out)
{
    if (!gen || !p || !out)
        return SCENE_ERR_INVALID;
    int rc = scene_params_check(p, NULL);
    if (rc != 0)
        return rc;

    struct sprite sprites[SCENE_MAX_PLATES];
    struct vehicle veh[SCENE_MAX_PLATES];
    double pcx[SCENE_MAX_PLATES], pcy[SCENE_MAX_PLATES];
    int ox[SCENE_MAX_PLATES], oy[SCENE_MAX_PLATES], pws[SCENE_MAX_PLATES];
    int n = 0;
    struct canvas c = {p->width, p->height, malloc((size_t)p->width * p->height)};
    struct lighting light = {0};
    if (!c.px)
        return SCENE_ERR_NOMEM;
    struct rng bg = rng_stream(p->seed, 1), lr = rng_stream(p->seed, 2);
    background_draw(&bg, &c);
    rc = lighting_make(&lr, c.w, c.h, p->lighting, &light);

    /* Place plates one by one; vehicles may hide each other, never an earlier plate. */
    for (int i = 0; rc == 0 && i < p->plates; i++) {
        struct rng r = rng_stream(p->seed, 100 + (uint64_t)i);
        int pw = rng_int(&r, p->min_plate_width, p->max_plate_width);
        int placed = 0;
        for (int attempt = 0; attempt < 240 && !placed && rc == 0; attempt++) {
            if (attempt % 60 == 0) {
                if (attempt > 0) {
                    sprite_free(&sprites[i]);
                    pw = p->min_plate_width + (pw - p->min_plate_width) / 2;
                }
                rc = plate_make(gen, &r, p, pw, &sprites[i]);
                if (rc != 0)
                    break;
                vehicle_make(&r, pw, &veh[i]);
            }
            const struct sprite *s = &sprites[i];
            if (s->w > c.w || s->h > c.h)
                continue; /* cannot happen after scene_params_check; keeps rng_int's range valid */
            int lo_y = (int)(0.2 * c.h), hi_y = c.h - s->h;
            if (lo_y > hi_y)
                lo_y = 0;
            ox[i] = rng_int(&r, 0, c.w - s->w);
            oy[i] = rng_int(&r, lo_y, hi_y);
            pcx[i] = ox[i] + s->w / 2.0;
            pcy[i] = oy[i] + s->h / 2.0;
            /* Painter's order by depth: the vehicle lower in the frame (nearer) is drawn
             * later, so its body (and wheels) must leave the other one's plate visible. */
            double m = 0.15 * pw;
            placed = 1;
            for (int j = 0; j < i && placed; j++) {
                int near = pcy[i] >= pcy[j] ? i : j, far = near == i ? j : i;
                double x0, y0, x1, y1;
                vehicle_body(&veh[near], pcx[near], pcy[near], &x0, &y0, &x1, &y1);
                const struct sprite *o = &sprites[far];
                if (boxes_overlap(x0, y0, x1, y1, ox[far] - m, oy[far] - m, ox[far] + o->w + m,
                                  oy[far] + o->h + m))
                    placed = 0;
            }
        }
        pws[i] = pw;
        if (rc == 0 && !placed) {
            sprite_free(&sprites[i]);
            rc = SCENE_ERR_NOFIT;
        }
        if (rc == 0)
            n++;
    }
    struct scene s;
    memset(&s, 0, sizeof s);
    if (rc == 0) {
        /* Far (higher in the frame) to near; plates are listed in placement order. */
        int order[SCENE_MAX_PLATES];
        for (int i = 0; i < n; i++) {
            int k = i;
            while (k > 0 && pcy[order[k - 1]] > pcy[i]) {
                order[k] = order[k - 1];
                k--;
            }
            order[k] = i;
        }
        for (int k = 0; k < n; k++) {
            int i = order[k];
            vehicle_draw(&c, &veh[i], pcx[i], pcy[i], pws[i], (pws[i] + 1) / 2);
            sprite_draw(&c, &sprites[i], ox[i], oy[i]);
        }
        for (int i = 0; i < n; i++)
            s.plates[s.nplates++] = place_info(&sprites[i], ox[i], oy[i], i);
        rc = effects(&c, p, &light, 3);
    }
    for (int i = 0; i < n; i++)
        sprite_free(&sprites[i]);
    lighting_free(&light);
    if (rc != 0) {
        free(c.px);
        return rc;
    }
    s.width = c.w;
    s.height = c.h;
    s.pixels = c.px;
    *out = s;
    return 0;
}

void scene_free(struct scene *s)
{
    if (!s)
        return;
    free(s->pixels);
    memset(s, 0, sizeof *s);
}

/* ---- Sequences ------------------------------------------------------------------------------ */

struct seq_vehicle {
    struct sprite sprite;
    struct vehicle body;
    int pw;
    int start, frames; /* first frame of the crossing and its length */
    double x_from, x_to, pcy;
};

struct scene_sequence {
    struct scene_params p;
    int nframes, nveh;
    uint8_t *background;
    struct lighting light;
    struct seq_vehicle *veh;
};

void scene_sequence_params_default(struct scene_sequence_params *p)
{
    memset(p, 0, sizeof *p);
    scene_params_default(&p->frame);
    p->vehicles = 5;
    p->seconds = 0;
    p->fps = 30;
}

int scene_sequence_frames(const struct scene_sequence *seq)
{
    return seq ? seq->nframes : 0;
}

void scene_sequence_close(struct scene_sequence *seq)
{
    if (!seq)
        return;
    if (seq->veh)
        for (int i = 0; i < seq->nveh; i++)
            sprite_free(&seq->veh[i].sprite);
    free(seq->veh);
    free(seq->background);
    lighting_free(&seq->light);
    free(seq);
}

int scene_sequence_open(struct scene_gen *gen, const struct scene_sequence_params *p,
                        struct scene_sequence **out)
{
    if (!gen || !p || !out)
        return SCENE_ERR_INVALID;
    struct scene_params one = p->frame;
    one.plates = 1;
    int rc = scene_params_check(&one, NULL);
    if (rc != 0)
        return rc;
    if (p->vehicles < 1 || p->vehicles > SCENE_MAX_VEHICLES || p->fps < 1 || p->fps > 240 ||
        !(p->seconds >= 0 && p->seconds <= 86400))
        return SCENE_ERR_INVALID;
    double seconds = p->seconds > 0 ? p->seconds : 3.0 * p->vehicles;
    double nf = floor(seconds * p->fps + 0.5);
    if (nf > 1e8 || nf < 2.0 * p->vehicles)
        return SCENE_ERR_INVALID;
    struct scene_sequence *q = calloc(1, sizeof *q);
    if (!q)
        return SCENE_ERR_NOMEM;
    q->p = p->frame;
    q->p.plates = 1;
    q->nframes = (int)nf;
    q->veh = calloc((size_t)p->vehicles, sizeof *q->veh);
    struct canvas c = {q->p.width, q->p.height, malloc((size_t)q->p.width * q->p.height)};
    q->background = c.px;
    if (!q->veh || !c.px) {
        scene_sequence_close(q);
        return SCENE_ERR_NOMEM;
    }
    struct rng bg = rng_stream(q->p.seed, 1), lr = rng_stream(q->p.seed, 2);
    background_draw(&bg, &c);
    rc = lighting_make(&lr, c.w, c.h, q->p.lighting, &q->light);
    double slot = (double)q->nframes / p->vehicles;
    for (int i = 0; rc == 0 && i < p->vehicles; i++) {
        struct seq_vehicle *v = &q->veh[i];
        struct rng r = rng_stream(q->p.seed, 100 + (uint64_t)i);
        v->pw = rng_int(&r, q->p.min_plate_width, q->p.max_plate_width);
        rc = plate_make(gen, &r, &q->p, v->pw, &v->sprite);
        if (rc != 0)
            break;
        q->nveh = i + 1;
        vehicle_make(&r, v->pw, &v->body);
        double dur = slot * rng_range(&r, 0.7, 0.9);
        double start = i * slot + rng_range(&r, 0, slot - dur);
        v->start = (int)ceil(start);
        v->frames = (int)floor(start + dur) - v->start;
        if (v->frames < 1)
            v->frames = 1;
        /* From just out of the frame on one side to just out on the other. */
        double out_l = -v->body.half_w - 1, out_r = c.w + v->body.half_w + 1;
        int ltr = rng_chance(&r, 0.5);
        v->x_from = ltr ? out_l : out_r;
        v->x_to = ltr ? out_r : out_l;
        double lo = 0.35 * c.h, hi = c.h - v->sprite.h / 2.0 - 1;
        if (lo > hi)
            lo = v->sprite.h / 2.0 + 1;
        v->pcy = rng_range(&r, lo, hi);
    }
    if (rc != 0) {
        scene_sequence_close(q);
        return rc;
    }
    *out = q;
    return 0;
}

int scene_sequence_render(const struct scene_sequence *seq, int index, struct scene *out)
{
    if (!seq || !out)
        return SCENE_ERR_INVALID;
    if (index < 0 || index >= seq->nframes)
        return SCENE_ERR_RANGE;
    const struct scene_params *p = &seq->p;
    struct canvas c = {p->width, p->height, malloc((size_t)p->width * p->height)};
    if (!c.px)
        return SCENE_ERR_NOMEM;
    memcpy(c.px, seq->background, (size_t)c.w * c.h);
    struct scene s;
    memset(&s, 0, sizeof s);
    for (int i = 0; i < seq->nveh; i++) {
        const struct seq_vehicle *v = &seq->veh[i];
        if (index < v->start || index > v->start + v->frames)
            continue;
        double t = (double)(index - v->start) / v->frames;
        const struct sprite *sp = &v->sprite;
        int ox = (int)lround(v->x_from + (v->x_to - v->x_from) * t - sp->w / 2.0);
        int oy = (int)lround(v->pcy - sp->h / 2.0);
        vehicle_draw(&c, &v->body, ox + sp->w / 2.0, oy + sp->h / 2.0, v->pw, (v->pw + 1) / 2);
        sprite_draw(&c, sp, ox, oy);
        struct scene_plate info = place_info(sp, ox, oy, i);
        if (box_inside(&info.box, c.w, c.h) && s.nplates < SCENE_MAX_PLATES)
            s.plates[s.nplates++] = info;
    }
    int rc = effects(&c, p, &seq->light, 1000 + (uint64_t)index);
    if (rc != 0) {
        free(c.px);
        return rc;
    }
    s.width = c.w;
    s.height = c.h;
    s.pixels = c.px;
    *out = s;
    return 0;
}
