/* recog: plate finding, segmentation by OCR confidence and plate assembly (see recog.h). */
#include "recog.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

/* Offsets t/256 tried when re-binarizing a plate region, per polarity; in increasing order
   (region_levels() counts them as nested levels). */
static const int REGION_T[] = {10, 35, 70};
#define REGION_NT ((int)(sizeof REGION_T / sizeof REGION_T[0]))
/* Tallest region whose text band guess_band() looks for. */
#define GUESS_MAXH 1024
/* Most components kept per labelling and in a region's pool. */
#define MAX_COMPS 2048
#define MAX_POOL  1024
/* Chain score of a character: confidence minus this bias (junk with low confidence loses). */
#define CHAR_BIAS 0.35f
/* The board's default setting, used when the host labels a frame itself. */
#define BOARD_T   70
#define BOARD_WIN 16

const char *recog_strerror(int err)
{
    switch (err) {
    case RECOG_OK:
        return "ok";
    case RECOG_ERR_NOMEM:
        return "out of memory";
    case RECOG_ERR_INVALID:
        return "invalid argument (empty or oversized image)";
    case RECOG_ERR_NOPIXELS:
        return "the frame carries no gray pixels";
    default:
        return "unknown error";
    }
}

void recog_config_default(struct recog_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->model = ocr_model_default();
    cfg->max_plates = 5;
    cfg->ncands = RECOG_MAX_CANDS;
    cfg->uncertain = 0.5f;
    cfg->mark_uncertain = 0;
    cfg->min_chars = 4;
}

static int valid_image(const uint8_t *gray, int width, int height, int stride)
{
    return gray && width > 0 && height > 0 && width <= RECOG_MAX_DIM && height <= RECOG_MAX_DIM &&
           stride >= width;
}

/* ---- Threshold and labelling ------------------------------------------------------------- */

/* Fills ii with the integral image: (width+1) x (height+1) sums. */
static void integral_fill(const uint8_t *gray, int width, int height, int stride, uint32_t *ii)
{
    size_t iw = (size_t)width + 1;
    int y = 0;
    memset(ii, 0, iw * sizeof *ii);
    /* Two rows at a time: two independent running sums instead of one serial chain. */
    for (; y + 2 <= height; y += 2) {
        uint32_t run0 = 0, run1 = 0;
        const uint8_t *r0 = gray + (size_t)y * stride, *r1 = r0 + stride;
        uint32_t *above = ii + (size_t)y * iw, *c0 = above + iw, *c1 = c0 + iw;
        c0[0] = c1[0] = 0;
        for (int x = 0; x < width; x++) {
            run0 += r0[x];
            run1 += r1[x];
            c0[x + 1] = above[x + 1] + run0;
            c1[x + 1] = above[x + 1] + run0 + run1;
        }
    }
    for (; y < height; y++) {
        uint32_t run = 0;
        const uint8_t *row = gray + (size_t)y * stride;
        uint32_t *above = ii + (size_t)y * iw, *cur = above + iw;
        cur[0] = 0;
        for (int x = 0; x < width; x++) {
            run += row[x];
            cur[x + 1] = above[x + 1] + run;
        }
    }
}

/* Integral image: (width+1) x (height+1) sums, allocated. */
static uint32_t *integral(const uint8_t *gray, int width, int height, int stride)
{
    uint32_t *ii = malloc(((size_t)width + 1) * ((size_t)height + 1) * sizeof *ii);
    if (ii)
        integral_fill(gray, width, height, stride, ii);
    return ii;
}

static void threshold_ii(const uint8_t *gray, int width, int height, int stride, const uint32_t *ii,
                         int win, int t, int dark_ink, uint8_t *mask)
{
    size_t iw = (size_t)width + 1;
    int r = win / 2;
    for (int y = 0; y < height; y++) {
        int ya = y - r < 0 ? 0 : y - r, yb = y + r + 1 > height ? height : y + r + 1;
        const uint8_t *row = gray + (size_t)y * stride;
        uint8_t *mrow = mask + (size_t)y * width;
        for (int x = 0; x < width; x++) {
            int xa = x - r < 0 ? 0 : x - r, xb = x + r + 1 > width ? width : x + r + 1;
            uint64_t sum = (uint64_t)ii[(size_t)yb * iw + xb] - ii[(size_t)ya * iw + xb] -
                           ii[(size_t)yb * iw + xa] + ii[(size_t)ya * iw + xa];
            uint64_t area = (uint64_t)(xb - xa) * (uint64_t)(yb - ya);
            uint64_t lhs = 256u * (uint64_t)row[x] * area;
            if (dark_ink)
                mrow[x] = lhs < (uint64_t)(256 - t) * sum;
            else
                mrow[x] = lhs > (uint64_t)(256 + t) * sum;
        }
    }
}

int recog_binarize(const uint8_t *gray, int width, int height, int stride, int win, int t,
                   int dark_ink, uint8_t *mask)
{
    uint32_t *ii;
    if (!valid_image(gray, width, height, stride) || !mask || win < 1 || t < 0 || t > 255)
        return RECOG_ERR_INVALID;
    ii = integral(gray, width, height, stride);
    if (!ii)
        return RECOG_ERR_NOMEM;
    threshold_ii(gray, width, height, stride, ii, win, t, dark_ink, mask);
    free(ii);
    return RECOG_OK;
}

static int uf_find(int *parent, int a)
{
    while (parent[a] != a) {
        parent[a] = parent[parent[a]];
        a = parent[a];
    }
    return a;
}

static void uf_union(int *parent, int a, int b)
{
    a = uf_find(parent, a);
    b = uf_find(parent, b);
    if (a < b)
        parent[b] = a;
    else if (b < a)
        parent[a] = b;
}

/* Widest mask labelled: a region of the widest image enlarged 3 times (read_group()). */
#define LABEL_MAX_W (3 * RECOG_MAX_DIM)

/* Most runs of ink a width x height mask can hold (every other pixel of each row). */
static size_t runs_cap(int width, int height)
{
    return (size_t)height * (size_t)((width + 1) / 2) + 2;
}

/*
 * One row of a mask as bits (bit x of bits[x / 64]: m[x] >= lev, lev 1..128); returns the
 * number of words. With SSE2 16 pixels at a time; else 8 at a time: each byte's high bit says
 * m >= lev (no borrow between bytes, as every byte of w | 0x80.. is at least 0x80), and a
 * multiply gathers the 8 bits into one byte.
 */
static int row_bits(const uint8_t *m, int width, int lev, uint64_t *bits)
{
    const uint64_t hi = 0x8080808080808080u, sub = 0x0101010101010101u * (uint64_t)lev;
    int nw = (width + 63) / 64, x = 0;
    memset(bits, 0, sizeof *bits * (size_t)nw);
#if defined(__x86_64__) && defined(__GNUC__)
    {
        /* SSE2: 16 pixels per step, m >= lev as max(m, lev) == m, one bit per byte. */
        __m128i l = _mm_set1_epi8((char)lev);
        for (; x + 16 <= width; x += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(m + x));
            unsigned ink = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(v, l), v));
            bits[x >> 6] |= (uint64_t)ink << (x & 63);
        }
    }
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    for (; x + 8 <= width; x += 8) {
        uint64_t w, ink;
        memcpy(&w, m + x, 8);
        ink = ((w | ((w | hi) - sub)) & hi) >> 7;
        bits[x >> 6] |= ((ink * 0x0102040810204080u) >> 56) << (x & 63);
    }
#endif
    for (; x < width; x++)
        bits[x >> 6] |= (uint64_t)(m[x] >= lev) << (x & 63);
    return nw;
}

/* First x' >= x whose bit is want (0 or 1), or nw * 64 when none. */
static int next_bit(const uint64_t *bits, int nw, int x, int want)
{
    int i = x >> 6;
    uint64_t w;
    if (i >= nw)
        return nw * 64;
    w = (want ? bits[i] : ~bits[i]) & (~(uint64_t)0 << (x & 63));
    while (!w) {
        if (++i >= nw)
            return nw * 64;
        w = want ? bits[i] : ~bits[i];
    }
    return i * 64 + __builtin_ctzll(w);
}

/*
 * Run-based 8-connected labelling with caller scratch: runs holds 3 * runs_cap() ints,
 * parent 2 * runs_cap() ints; ink where mask >= lev (1..128). Components in raster order of
 * their first pixel; at most max. Rows are scanned as bits (row_bits(): a run costs a few
 * bit scans, not a test per pixel).
 */
static void label_scratch(const uint8_t *mask, int width, int height, int lev, int *runs,
                          int *parent, struct recog_comp *comps, size_t max, size_t *n)
{
    size_t cap = runs_cap(width, height);
    int *slot = parent + cap;
    int nr = 0, prev_start = 0, prev_end = 0;
    size_t count = 0;
    uint64_t bits[LABEL_MAX_W / 64 + 1];
    for (int y = 0; y < height; y++) {
        int cur_start = nr, p = prev_start;
        int nw = row_bits(mask + (size_t)y * width, width, lev, bits);
        for (int x = next_bit(bits, nw, 0, 1); x < width; x = next_bit(bits, nw, x, 1)) {
            int x0 = x;
            x = next_bit(bits, nw, x, 0);
            if (x > width)
                x = width;
            runs[3 * nr] = x0;
            runs[3 * nr + 1] = x - 1;
            runs[3 * nr + 2] = y;
            parent[nr] = nr;
            /* Runs of the previous row touching [x0-1, x] (8-connected). */
            while (p < prev_end && runs[3 * p + 1] < x0 - 1)
                p++;
            for (int q = p; q < prev_end && runs[3 * q] <= x; q++)
                uf_union(parent, nr, q);
            nr++;
        }
        prev_start = cur_start;
        prev_end = nr;
    }
    for (int r = 0; r < nr; r++) {
        slot[r] = -1;
        /* Unions link to the smaller index (parent[r] <= r), so in index order the parent's
           parent is already the root. */
        parent[r] = parent[parent[r]];
    }
    for (int r = 0; r < nr; r++) {
        int root = parent[r], s = slot[root], len = runs[3 * r + 1] - runs[3 * r] + 1;
        if (s == -2)
            continue;
        if (s < 0) {
            if (count >= max) {
                slot[root] = -2;
                continue;
            }
            s = (int)count++;
            slot[root] = s;
            comps[s].x0 = runs[3 * r];
            comps[s].x1 = runs[3 * r + 1];
            comps[s].y0 = comps[s].y1 = runs[3 * r + 2];
            comps[s].ink = 0;
        }
        if (runs[3 * r] < comps[s].x0)
            comps[s].x0 = runs[3 * r];
        if (runs[3 * r + 1] > comps[s].x1)
            comps[s].x1 = runs[3 * r + 1];
        comps[s].y1 = runs[3 * r + 2];
        comps[s].ink += len;
    }
    *n = count;
}

int recog_label(const uint8_t *mask, int width, int height, struct recog_comp *comps, size_t max,
                size_t *n)
{
    int *runs, *parent;
    size_t cap;
    if (!mask || width <= 0 || height <= 0 || width > RECOG_MAX_DIM || height > RECOG_MAX_DIM ||
        (!comps && max) || !n)
        return RECOG_ERR_INVALID;
    cap = runs_cap(width, height);
    runs = malloc(3 * cap * sizeof *runs);
    parent = malloc(2 * cap * sizeof *parent);
    if (!runs || !parent) {
        free(runs);
        free(parent);
        return RECOG_ERR_NOMEM;
    }
    label_scratch(mask, width, height, 1, runs, parent, comps, max, n);
    free(runs);
    free(parent);
    return RECOG_OK;
}

/* ---- Region reading ---------------------------------------------------------------------- */

struct item {
    int x0, y0, x1, y1; /* image coordinates */
    int ink;
    int dark;
    int best;   /* best character class */
    float conf; /* its probability */
    float nonchar;
    float score;
    float prob[OCR_NCLASS];
};

/* A buffer reused from region to region (grown on demand). */
struct scratch_buf {
    void *p;
    size_t cap;
};

/*
 * Buffers the regions of a frame share, so that reading a region allocates nothing (fresh
 * pages of large buffers cost page faults every time); freed by scratch_free().
 */
struct scratch {
    struct scratch_buf mask, labels, parent, comps, pool, ii, lev, big, rowbuf;
    /* What ii and lev hold: the region (x, y, w, h) of src, ink levels at windows lev_win
       (0: none); and the enlargement in big: the region of big_src scaled big_s times. A plate
       frame is read twice (read_group()): the second time reuses both. */
    const uint8_t *src, *big_src;
    int src_x, src_y, src_w, src_h, lev_win[2];
    int big_x, big_y, big_w, big_h, big_s;
};

/* b's buffer of at least bytes bytes (contents not kept), or NULL. */
static void *scratch_get(struct scratch_buf *b, size_t bytes)
{
    if (bytes > b->cap) {
        free(b->p);
        b->p = malloc(bytes);
        b->cap = b->p ? bytes : 0;
    }
    return b->p;
}

static void scratch_free(struct scratch *sc)
{
    free(sc->mask.p);
    free(sc->labels.p);
    free(sc->parent.p);
    free(sc->comps.p);
    free(sc->pool.p);
    free(sc->ii.p);
    free(sc->lev.p);
    free(sc->big.p);
    free(sc->rowbuf.p);
}

struct region_ctx {
    const struct recog_config *cfg;
    const uint8_t *gray;
    int width, height, stride;
    /* scratch for the region */
    uint8_t *mask;
    int *labels, *parent;
    struct recog_comp *comps;
    struct item *pool;
    size_t npool;
    struct scratch *sc;
    /* The region's integral image and ink levels (region_levels()), computed once. */
    uint32_t *ii, *rowbuf;
    uint8_t *lev;
};

/* Is a component a plausible character of height in [hmin, hmax]? */
static int plausible(const struct recog_comp *c, int hmin, int hmax)
{
    int w = c->x1 - c->x0 + 1, h = c->y1 - c->y0 + 1;
    float density = (float)c->ink / (float)(w * h);
    if (h < hmin || h > hmax || w < 2 || w * 10 > h * 13)
        return 0;
    if (density < 0.12f)
        return 0;
    if (density > 0.92f && w * 10 > h * 3)
        return 0;
    return 1;
}

static void pool_add(struct region_ctx *rc, const struct recog_comp *c, int ox, int oy, int dark)
{
    struct item *it;
    int x0 = c->x0 + ox, y0 = c->y0 + oy, x1 = c->x1 + ox, y1 = c->y1 + oy;
    for (size_t i = 0; i < rc->npool; i++) {
        it = &rc->pool[i];
        /* The same box (within a pixel) from another setting: classify it once. */
        if (it->dark == dark && abs(it->x0 - x0) <= 1 && abs(it->x1 - x1) <= 1 &&
            abs(it->y0 - y0) <= 1 && abs(it->y1 - y1) <= 1)
            return;
    }
    if (rc->npool >= MAX_POOL)
        return;
    it = &rc->pool[rc->npool++];
    memset(it, 0, sizeof *it);
    it->x0 = x0;
    it->y0 = y0;
    it->x1 = x1;
    it->y1 = y1;
    it->ink = c->ink;
    it->dark = dark;
}

/* The text band of a chain: top a0 + b0*x, bottom a1 + b1*x (image coordinates), margin m. */
struct band {
    float a0, b0, a1, b1;
    int m;
    int sides; /* bars through the band are borders only near the region's sides */
};

/* Largest window area of a win x win window ((win/2)*2+1 pixels a side). */
static uint32_t win_area_max(int win)
{
    uint32_t side = (uint32_t)(win / 2) * 2u + 1u;
    return side * side;
}

/* Window sums and 256 * p * area of 16 pixels whose windows have the same area (vectorized). */
static inline __attribute__((always_inline)) void
sums16(const uint8_t *restrict p, const uint32_t *restrict pa, const uint32_t *restrict pb,
       const uint32_t *restrict qa, const uint32_t *restrict qb, uint32_t a256,
       uint32_t *restrict sum, uint32_t *restrict lhs)
{
    for (int k = 0; k < 16; k++) {
        sum[k] = qb[k] - qa[k] - pb[k] + pa[k];
        lhs[k] = p[k] * a256;
    }
}

/* The dark and light ink levels of 16 pixels at the 3 offsets kd, kl (vectorized). */
static inline __attribute__((always_inline)) void
cmp16(const uint32_t *restrict lhs, const uint32_t *restrict sum, const uint32_t *restrict kd,
      const uint32_t *restrict kl, uint8_t *restrict dark, uint8_t *restrict light)
{
    uint32_t kd0 = kd[0], kd1 = kd[1], kd2 = kd[2], kl0 = kl[0], kl1 = kl[1], kl2 = kl[2];
    for (int k = 0; k < 16; k++) {
        uint32_t s = sum[k], l = lhs[k];
        dark[k] = (uint8_t)((l < kd0 * s) + (l < kd1 * s) + (l < kd2 * s));
        light[k] = (uint8_t)((l > kl0 * s) + (l > kl1 * s) + (l > kl2 * s));
    }
}

/*
 * One row of region_levels() in 32-bit arithmetic at 3 offsets (kd dark, kl light): first the
 * window sums and 256 * p * area of every pixel into sum and lhs (columns [r, rw - r) have the
 * whole window's width, hence one area: 16 at a time there), then the comparisons, 16 pixels
 * at a time - fixed-size independent lanes that the compiler turns into vector code. ia and ib
 * are the integral image rows above and below the window, hrow the window's height.
 */
static inline __attribute__((always_inline)) void
levels_row_body(const uint8_t *row, const uint32_t *ia, const uint32_t *ib, int r, int rw,
                uint32_t hrow, const uint32_t *kd, const uint32_t *kl, uint32_t *sum, uint32_t *lhs,
                uint8_t *dark, uint8_t *light)
{
    uint32_t a256 = 256u * (uint32_t)(2 * r + 1) * hrow;
    int x;
    for (x = 0; x < rw; x++) {
        int xa, xb;
        if (x == r && x + 16 <= rw - r) {
            for (; x + 16 <= rw - r; x += 16)
                sums16(row + x, ia + x - r, ib + x - r, ia + x + r + 1, ib + x + r + 1, a256,
                       sum + x, lhs + x);
            if (x == rw)
                break;
        }
        xa = x - r < 0 ? 0 : x - r;
        xb = x + r + 1 > rw ? rw : x + r + 1;
        sum[x] = ib[xb] - ia[xb] - ib[xa] + ia[xa];
        lhs[x] = 256u * row[x] * ((uint32_t)(xb - xa) * hrow);
    }
    for (x = 0; x + 16 <= rw; x += 16)
        cmp16(lhs + x, sum + x, kd, kl, dark + x, light + x);
    for (; x < rw; x++) {
        uint32_t s = sum[x], l = lhs[x];
        dark[x] = (uint8_t)((l < kd[0] * s) + (l < kd[1] * s) + (l < kd[2] * s));
        light[x] = (uint8_t)((l > kl[0] * s) + (l > kl[1] * s) + (l > kl[2] * s));
    }
}

static void levels_row(const uint8_t *row, const uint32_t *ia, const uint32_t *ib, int r, int rw,
                       uint32_t hrow, const uint32_t *kd, const uint32_t *kl, uint32_t *sum,
                       uint32_t *lhs, uint8_t *dark, uint8_t *light)
{
    levels_row_body(row, ia, ib, r, rw, hrow, kd, kl, sum, lhs, dark, light);
}

#if defined(__x86_64__) && defined(__GNUC__)
/* The same compiled for AVX2 (32-bit vector products in one instruction: 2x), when present. */
__attribute__((target("avx2"))) static void
levels_row_avx2(const uint8_t *row, const uint32_t *ia, const uint32_t *ib, int r, int rw,
                uint32_t hrow, const uint32_t *kd, const uint32_t *kl, uint32_t *sum, uint32_t *lhs,
                uint8_t *dark, uint8_t *light)
{
    levels_row_body(row, ia, ib, r, rw, hrow, kd, kl, sum, lhs, dark, light);
}
#endif

/*
 * The ink levels of the region (rx, ry, rw, rh) at window win: for each pixel, the number of
 * offsets REGION_T at which the local-mean threshold (as recog_binarize()) calls it ink - dark
 * ink in the first rw x rh bytes, light ink in the next. Ink at an offset is ink at every
 * smaller one (the tests are nested), so the mask of REGION_T[ti] is "level >= ti + 1", and
 * the six masks cost one pass. The maps of the region's last two windows stay in the scratch
 * (rc->sc->lev_win) for the next passes over the same region.
 */
static const uint8_t *region_levels(struct region_ctx *rc, int rx, int ry, int rw, int rh, int win)
{
    const uint8_t *g = rc->gray + (size_t)ry * rc->stride + rx;
    size_t npix = (size_t)rw * rh, iw = (size_t)rw + 1;
    int slot, r = win / 2;
    uint32_t kd[REGION_NT > 3 ? REGION_NT : 3] = {0}, kl[REGION_NT > 3 ? REGION_NT : 3] = {0};
    uint64_t kd64[REGION_NT], kl64[REGION_NT];
    /* 32-bit arithmetic while it cannot overflow: 256*255*area and 511*255*area < 2^32. */
    int narrow = (uint64_t)(win_area_max(win)) * 511u * 255u < 0xFFFFFFFFu;
    void (*levels_fn)(const uint8_t *, const uint32_t *, const uint32_t *, int, int, uint32_t,
                      const uint32_t *, const uint32_t *, uint32_t *, uint32_t *, uint8_t *,
                      uint8_t *) = levels_row;
#if defined(__x86_64__) && defined(__GNUC__)
    if (__builtin_cpu_supports("avx2"))
        levels_fn = levels_row_avx2;
#endif
    for (slot = 0; slot < 2; slot++)
        if (rc->sc->lev_win[slot] == win)
            return rc->lev + 2 * npix * (size_t)slot;
    if (!rc->sc->lev_win[0] && !rc->sc->lev_win[1])
        integral_fill(g, rw, rh, rc->stride, rc->ii);
    slot = rc->sc->lev_win[0] ? 1 : 0;
    rc->sc->lev_win[slot] = win;
    for (int ti = 0; ti < REGION_NT; ti++) {
        kd[ti] = (uint32_t)(256 - REGION_T[ti]);
        kl[ti] = (uint32_t)(256 + REGION_T[ti]);
        kd64[ti] = kd[ti];
        kl64[ti] = kl[ti];
    }
    for (int y = 0; y < rh; y++) {
        int ya = y - r < 0 ? 0 : y - r, yb = y + r + 1 > rh ? rh : y + r + 1;
        const uint32_t *ia = rc->ii + (size_t)ya * iw, *ib = rc->ii + (size_t)yb * iw;
        const uint8_t *row = g + (size_t)y * rc->stride;
        uint8_t *dark = rc->lev + 2 * npix * (size_t)slot + (size_t)y * rw, *light = dark + npix;
        if (narrow && REGION_NT == 3) {
            levels_fn(row, ia, ib, r, rw, (uint32_t)(yb - ya), kd, kl, rc->rowbuf, rc->rowbuf + rw,
                      dark, light);
            continue;
        }
        for (int x = 0; x < rw; x++) {
            int xa = x - r < 0 ? 0 : x - r, xb = x + r + 1 > rw ? rw : x + r + 1;
            uint32_t sum = ib[xb] - ia[xb] - ib[xa] + ia[xa];
            uint32_t area = (uint32_t)((xb - xa) * (yb - ya));
            int d = 0, l = 0;
            if (narrow) {
                uint32_t lhs = 256u * row[x] * area;
                for (int ti = 0; ti < REGION_NT; ti++) {
                    d += lhs < kd[ti] * sum;
                    l += lhs > kl[ti] * sum;
                }
            } else {
                uint64_t lhs = 256u * (uint64_t)row[x] * area;
                for (int ti = 0; ti < REGION_NT; ti++) {
                    d += lhs < kd64[ti] * sum;
                    l += lhs > kl64[ti] * sum;
                }
            }
            dark[x] = (uint8_t)d;
            light[x] = (uint8_t)l;
        }
    }
    return rc->lev + 2 * npix * (size_t)slot;
}

/*
 * Fills the pool from the region (rx, ry, rw, rh) of the image: binarize at every setting,
 * label, keep plausible components. With a band, only the pixels inside it (column by column:
 * the band follows a tilted line) are labelled, so whatever joins a character above or below
 * is cut off, and components must span most of the band's local height.
 */
static int fill_pool(struct region_ctx *rc, int rx, int ry, int rw, int rh, int win, int hmin,
                     int hmax, int polarity_mask, const struct band *band)
{
    const uint8_t *lev = region_levels(rc, rx, ry, rw, rh, win);
    int y_from = 0, y_to = rh, *lo = NULL, *hi = NULL;
    if (band) {
        float t0 = band->a0 + band->b0 * rx, t1 = band->a0 + band->b0 * (rx + rw - 1);
        float u0 = band->a1 + band->b1 * rx, u1 = band->a1 + band->b1 * (rx + rw - 1);
        y_from = (int)floorf(fminf(t0, t1)) - band->m - ry;
        y_to = (int)ceilf(fmaxf(u0, u1)) + band->m + 1 - ry;
        if (y_from < 0)
            y_from = 0;
        if (y_to > rh)
            y_to = rh;
        if (y_to - y_from < 4)
            return RECOG_OK;
        /* Rows y (relative to y_from) of column x inside the band: lo[x] <= y <= hi[x]. */
        lo = malloc(sizeof *lo * (size_t)rw * 2);
        if (!lo)
            return RECOG_ERR_NOMEM;
        hi = lo + rw;
        for (int x = 0; x < rw; x++) {
            float top =
                band->a0 + band->b0 * (float)(rx + x) - (float)band->m - (float)ry - (float)y_from;
            float bot =
                band->a1 + band->b1 * (float)(rx + x) + (float)band->m - (float)ry - (float)y_from;
            top = fmaxf(top, -1.0f);
            bot = fminf(bot, (float)(y_to - y_from));
            lo[x] = (int)ceilf(top);
            hi[x] = bot < 0 ? -1 : (int)floorf(bot);
        }
    }
    for (int dark = 1; dark >= 0; dark--) {
        const uint8_t *map = lev + (dark ? 0 : (size_t)rw * rh);
        if (!(polarity_mask & (dark ? 1 : 2)))
            continue;
        if (band) {
            /* The band's rows, with the levels outside the band cleared. */
            int bh = y_to - y_from;
            for (int y = 0; y < bh; y++) {
                const uint8_t *src = map + (size_t)(y + y_from) * rw;
                uint8_t *m = rc->mask + (size_t)y * rw;
                for (int x = 0; x < rw; x++)
                    m[x] = y >= lo[x] && y <= hi[x] ? src[x] : 0;
            }
        }
        for (int ti = 0; ti < REGION_NT; ti++) {
            size_t n = 0;
            if (band) {
                int bh = y_to - y_from;
                label_scratch(rc->mask, rw, bh, ti + 1, rc->labels, rc->parent, rc->comps,
                              MAX_COMPS, &n);
                for (size_t i = 0; i < n; i++) {
                    struct recog_comp c = rc->comps[i];
                    float cx = (float)(rx + (c.x0 + c.x1) / 2);
                    float top = band->a0 + band->b0 * cx - band->m,
                          bot = band->a1 + band->b1 * cx + band->m;
                    int local = (int)(bot - top + 1.5f);
                    int through;
                    c.y0 += y_from;
                    c.y1 += y_from;
                    through = c.y0 + ry <= top + 1 && c.y1 + ry >= bot - 1;
                    /* A bar running through the whole band is a border, not a '1'. */
                    if (through && !band->sides && (c.x1 - c.x0 + 1) * 10 < local * 3)
                        continue;
                    if (through && band->sides && (c.x1 - c.x0 + 1) * 10 < local * 4 &&
                        (c.x0 * 8 < rw || c.x1 * 8 > rw * 7))
                        continue;
                    if (plausible(&c, local * 3 / 4, local))
                        pool_add(rc, &c, rx, ry, dark);
                }
                continue;
            }
            label_scratch(map, rw, rh, ti + 1, rc->labels, rc->parent, rc->comps, MAX_COMPS, &n);
            for (size_t i = 0; i < n; i++) {
                const struct recog_comp *c = &rc->comps[i];
                /* Components touching the top or bottom of the region are frame or border. */
                if (c->y0 == 0 || c->y1 == rh - 1)
                    continue;
                if (plausible(c, hmin, hmax))
                    pool_add(rc, c, rx, ry, dark);
            }
        }
    }
    free(lo);
    return RECOG_OK;
}

static int compatible(const struct item *a, const struct item *b);

/* Has the item a possible neighbour in a text line (so that it can be part of a chain)? */
static int has_neighbour(const struct region_ctx *rc, size_t i)
{
    const struct item *it = &rc->pool[i];
    for (size_t j = 0; j < rc->npool; j++) {
        const struct item *o = &rc->pool[j];
        if (j == i || o->dark != it->dark)
            continue;
        if (o->x0 <= it->x0 ? compatible(o, it) : compatible(it, o))
            return 1;
    }
    return 0;
}

static void classify_pool(struct region_ctx *rc, size_t from)
{
    for (size_t i = from; i < rc->npool; i++) {
        struct item *it = &rc->pool[i];
        int best = 0;
        if (!has_neighbour(rc, i)) {
            /* Alone: no chain can use it; not worth the classifier. */
            memset(it->prob, 0, sizeof it->prob);
            it->prob[OCR_NONCHAR] = 1;
            it->best = 0;
            it->conf = 0;
            it->nonchar = 1;
            it->score = -1;
            continue;
        }
        if (ocr_classify(rc->cfg->model, rc->gray, rc->width, rc->height, rc->stride, it->x0,
                         it->y0, it->x1, it->y1, it->dark, it->prob) != 0) {
            it->score = -1;
            continue;
        }
        for (int k = 1; k < OCR_NONCHAR; k++)
            if (it->prob[k] > it->prob[best])
                best = k;
        it->best = best;
        it->conf = it->prob[best];
        it->nonchar = it->prob[OCR_NONCHAR];
        it->score = it->nonchar > it->conf ? -1 : it->conf - CHAR_BIAS;
    }
}

static int cmp_int(const void *a, const void *b)
{
    int p = *(const int *)a, q = *(const int *)b;
    return p < q ? -1 : p > q;
}

static int cmp_item_x(const void *a, const void *b)
{
    const struct item *p = a, *q = b;
    if (p->x0 != q->x0)
        return p->x0 < q->x0 ? -1 : 1;
    if (p->x1 != q->x1)
        return p->x1 < q->x1 ? -1 : 1;
    return 0;
}

/* Can b follow a in a text line? */
static int compatible(const struct item *a, const struct item *b)
{
    int ha = a->y1 - a->y0 + 1, hb = b->y1 - b->y0 + 1;
    int wa = a->x1 - a->x0 + 1, wb = b->x1 - b->x0 + 1;
    int hmax = ha > hb ? ha : hb, hmin = ha < hb ? ha : hb;
    int wmin = wa < wb ? wa : wb;
    int gap = b->x0 - a->x1 - 1;
    if (a->dark != b->dark)
        return 0;
    if (hmax * 4 > hmin * 5)
        return 0;
    if (abs(a->y0 - b->y0) * 4 > hmax || abs(a->y1 - b->y1) * 4 > hmax)
        return 0;
    if (gap < -(wmin / 5) || gap > 2 * hmax)
        return 0;
    return 1;
}

/*
 * Best chain over the sorted pool with per-item scores: writes the item indices (left to
 * right) to chain (at most RECOG_MAX_CHARS) and returns their number; *score the chain score.
 */
static int best_chain(const struct item *pool, size_t n, int *chain, float *score)
{
    float *best = malloc(sizeof(float) * (n ? n : 1));
    int *prev = malloc(sizeof(int) * (n ? n : 1));
    int *len = malloc(sizeof(int) * (n ? n : 1));
    int end = -1, count = 0;
    float top = 0;
    if (!best || !prev || !len) {
        free(best);
        free(prev);
        free(len);
        *score = 0;
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        best[i] = pool[i].score;
        prev[i] = -1;
        len[i] = 1;
        if (pool[i].score <= 0)
            continue;
        for (size_t j = 0; j < i; j++) {
            if (pool[j].score <= 0 || len[j] >= RECOG_MAX_CHARS ||
                best[j] + pool[i].score <= best[i])
                continue;
            if (!compatible(&pool[j], &pool[i]))
                continue;
            best[i] = best[j] + pool[i].score;
            prev[i] = (int)j;
            len[i] = len[j] + 1;
        }
        if (best[i] > top) {
            top = best[i];
            end = (int)i;
        }
    }
    if (end >= 0) {
        count = len[end];
        for (int k = count - 1, i = end; k >= 0 && i >= 0; k--, i = prev[i])
            chain[k] = i;
    }
    *score = top;
    free(best);
    free(prev);
    free(len);
    return count;
}

/* Mean gray of the box (clamped to the image). */
static float box_mean(const struct region_ctx *rc, int x0, int y0, int x1, int y1)
{
    long sum = 0, n = 0;
    x0 = x0 < 0 ? 0 : x0;
    y0 = y0 < 0 ? 0 : y0;
    x1 = x1 >= rc->width ? rc->width - 1 : x1;
    y1 = y1 >= rc->height ? rc->height - 1 : y1;
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++) {
            sum += rc->gray[(size_t)y * rc->stride + x];
            n++;
        }
    return n ? (float)sum / (float)n : 0;
}

/*
 * Touching characters: a candidate in a gap of the chain (1.6 pitches or more), 1.4 to 3.4
 * character widths wide, or within a pitch before its first or after its last character (a
 * character joined to the frame, a bolt, a sticker or a state outline) and aligned with that
 * character, 1.2 to 3.4 character widths wide, is cut into round(width / pitch) pieces (at
 * least 2) at the columns of least ink near the even cuts (within a quarter pitch); the
 * pieces, narrowed to their ink, join the pool as hypotheses for the classifier and the chain
 * to judge.
 */
static void split_touching(struct region_ctx *rc, const int *chain, int n)
{
    int d[RECOG_MAX_CHARS], widths[RECOG_MAX_CHARS], p, wm;
    size_t npool = rc->npool;
    if (n < 2)
        return;
    for (int i = 0; i < n; i++) {
        const struct item *it = &rc->pool[chain[i]];
        widths[i] = it->x1 - it->x0 + 1;
        if (i + 1 < n)
            d[i] =
                ((rc->pool[chain[i + 1]].x0 + rc->pool[chain[i + 1]].x1) - (it->x0 + it->x1)) / 2;
    }
    qsort(d, (size_t)(n - 1), sizeof d[0], cmp_int);
    qsort(widths, (size_t)n, sizeof widths[0], cmp_int);
    p = d[(n - 1) / 2];
    wm = widths[n / 2];
    if (p <= 0 || wm <= 0)
        return;
    for (size_t j = 0; j < npool; j++) {
        const struct item c = rc->pool[j];
        int w = c.x1 - c.x0 + 1, h = c.y1 - c.y0 + 1, k, inside = 0, cuts[4], col[RECOG_MAX_DIM];
        float mean;
        if (c.dark != rc->pool[chain[0]].dark || w * 10 < wm * 12 || w * 10 > wm * 34)
            continue;
        for (int i = 0; i + 1 < n && !inside; i++) {
            const struct item *a = &rc->pool[chain[i]], *b = &rc->pool[chain[i + 1]];
            int ha = a->y1 - a->y0 + 1;
            inside = w * 10 >= wm * 14 && c.x0 > a->x1 && c.x1 < b->x0 &&
                     abs(c.y0 - a->y0) * 100 <= ha * 15 && abs(c.y1 - a->y1) * 100 <= ha * 15 &&
                     (b->x0 + b->x1 - a->x0 - a->x1) * 10 >= p * 32;
        }
        if (!inside) {
            /* Just before the first or after the last character (joined to the frame, a bolt
               or a sticker): aligned with that character, within a pitch of it. What joins a
               character there is often narrow (the frame's edge, a state outline), so 1.2
               character widths suffice, where two joined characters make 1.4 or more. */
            const struct item *a = &rc->pool[chain[0]], *b = &rc->pool[chain[n - 1]];
            int ha = a->y1 - a->y0 + 1, hb = b->y1 - b->y0 + 1;
            inside = (c.x1 < a->x0 && a->x0 - c.x1 <= p && abs(c.y0 - a->y0) * 100 <= ha * 15 &&
                      abs(c.y1 - a->y1) * 100 <= ha * 15) ||
                     (c.x0 > b->x1 && c.x0 - b->x1 <= p && abs(c.y0 - b->y0) * 100 <= hb * 15 &&
                      abs(c.y1 - b->y1) * 100 <= hb * 15);
        }
        if (!inside)
            continue;
        k = (w + p / 2) / p;
        k = k < 2 ? 2 : k > 3 ? 3 : k;
        mean = box_mean(rc, c.x0 - h / 2, c.y0 - h / 4, c.x1 + h / 2, c.y1 + h / 4);
        for (int x = c.x0; x <= c.x1; x++) {
            int ink = 0;
            for (int y = c.y0; y <= c.y1; y++) {
                float v = rc->gray[(size_t)y * rc->stride + x];
                ink += c.dark ? 256 * v < (256 - 35) * mean : 256 * v > (256 + 35) * mean;
            }
            col[x - c.x0] = ink;
        }
        cuts[0] = c.x0;
        for (int s = 1; s < k; s++) {
            int even = c.x0 + w * s / k, best = even;
            for (int x = even - p / 4; x <= even + p / 4; x++)
                if (x > c.x0 && x < c.x1 && col[x - c.x0] < col[best - c.x0])
                    best = x;
            cuts[s] = best;
        }
        cuts[k] = c.x1 + 1;
        for (int s = 0; s < k; s++) {
            struct recog_comp piece;
            int a = cuts[s], b = cuts[s + 1] - 1, ink = 0;
            while (a < b && col[a - c.x0] == 0)
                a++;
            while (b > a && col[b - c.x0] == 0)
                b--;
            for (int x = a; x <= b; x++)
                ink += col[x - c.x0];
            if (b - a < 2)
                continue;
            piece.x0 = a;
            piece.x1 = b;
            piece.y0 = c.y0;
            piece.y1 = c.y1;
            piece.ink = ink;
            pool_add(rc, &piece, 0, 0, c.dark);
        }
    }
}

/*
 * Characters the classifier doubted but the line vouches for: a candidate of the chain's
 * polarity that sits exactly where the rhythm of the line expects a character (a pitch from
 * either side of a gap of 1.6 pitches or more), with the line's top and bottom (12% of its
 * height) and a character probability of at least 10%, is added even though "not a
 * character" outscored it (unfamiliar fonts: the narrow 0 and 8 of Brazilian plates).
 * Beyond the ends the plate frame, bolts and emblems sit at the same rhythm (rescuing there
 * with the same rule cost 3 points on frames/us), so there the rule is stricter: only for
 * lines of under 7 characters, the centre within 1/8 pitch (not 1/4) of one pitch past the
 * end, at least half the widest character's width (frames/br +3 points, others unchanged).
 * Returns the new chain length.
 */

static int rescue_gaps(const struct item *pool, size_t npool, int *chain, int n)
{
    for (int round = 0; round < 3 && n >= 3 && n < RECOG_MAX_CHARS; round++) {
        int d[RECOG_MAX_CHARS], tops[RECOG_MAX_CHARS], bots[RECOG_MAX_CHARS];
        int p, top, bot, lh, wmax = 0, best = -1, at = -1;
        float best_p = 0;
        for (int i = 0; i < n; i++) {
            const struct item *it = &pool[chain[i]];
            tops[i] = it->y0;
            bots[i] = it->y1;
            if (it->x1 - it->x0 + 1 > wmax)
                wmax = it->x1 - it->x0 + 1;
            if (i + 1 < n)
                d[i] = ((pool[chain[i + 1]].x0 + pool[chain[i + 1]].x1) - (it->x0 + it->x1)) / 2;
        }
        qsort(d, (size_t)(n - 1), sizeof d[0], cmp_int);
        qsort(tops, (size_t)n, sizeof tops[0], cmp_int);
        qsort(bots, (size_t)n, sizeof bots[0], cmp_int);
        p = d[(n - 1) / 2];
        top = tops[n / 2];
        bot = bots[n / 2];
        lh = bot - top + 1;
        if (p <= 0)
            break;
        for (size_t j = 0; j < npool; j++) {
            const struct item *c = &pool[j];
            int cx = (c->x0 + c->x1) / 2, slot = -1;
            float cp = c->conf;
            if (c->dark != pool[chain[0]].dark || cp < 0.1f || c->nonchar <= c->conf)
                continue; /* the chain search already judged the confident ones */
            if (abs(c->y0 - top) * 100 > lh * 12 || abs(c->y1 - bot) * 100 > lh * 12 ||
                (c->x1 - c->x0 + 1) * 10 > wmax * 11)
                continue;
            for (int k = 0; k + 1 < n && slot < 0; k++) {
                int ca = (pool[chain[k]].x0 + pool[chain[k]].x1) / 2;
                int cb = (pool[chain[k + 1]].x0 + pool[chain[k + 1]].x1) / 2;
                if ((cb - ca) * 10 >= p * 16 && c->x0 > pool[chain[k]].x1 &&
                    c->x1 < pool[chain[k + 1]].x0 &&
                    (abs(cx - (ca + p)) * 4 <= p || abs(cx - (cb - p)) * 4 <= p))
                    slot = k + 1;
            }
            if (slot < 0 && n < 7) {
                /* Beyond an end: stricter (the frame and emblems sit at the same rhythm). */
                const struct item *a = &pool[chain[0]], *b = &pool[chain[n - 1]];
                int ca = (a->x0 + a->x1) / 2, cb = (b->x0 + b->x1) / 2, w = c->x1 - c->x0 + 1;
                int tight = abs(c->y0 - top) * 100 <= lh * 12 &&
                            abs(c->y1 - bot) * 100 <= lh * 12 && w * 2 >= wmax;
                if (tight && c->x1 < a->x0 && abs(cx - (ca - p)) * 8 <= p)
                    slot = 0;
                else if (tight && c->x0 > b->x1 && abs(cx - (cb + p)) * 8 <= p)
                    slot = n;
            }
            if (slot >= 0 && cp > best_p) {
                best_p = cp;
                best = (int)j;
                at = slot;
            }
        }
        if (best < 0)
            break;
        memmove(chain + at + 1, chain + at, sizeof chain[0] * (size_t)(n - at));
        chain[at] = best;
        n++;
    }
    return n;
}

/*
 * Top and bottom the line expects at column x: least-squares lines through the tops and the
 * bottoms of the chain's characters other than chain[skip] (the plate may be tilted).
 */
static void line_fit(const struct item *pool, const int *chain, int n, int skip, float x,
                     float *ey0, float *ey1)
{
    double sx = 0, sxx = 0, s0 = 0, s1 = 0, sx0 = 0, sx1 = 0, m = 0, det;
    for (int i = 0; i < n; i++) {
        const struct item *it = &pool[chain[i]];
        double cx = (it->x0 + it->x1) / 2.0;
        if (i == skip)
            continue;
        m += 1;
        sx += cx;
        sxx += cx * cx;
        s0 += it->y0;
        s1 += it->y1;
        sx0 += cx * it->y0;
        sx1 += cx * it->y1;
    }
    det = m * sxx - sx * sx;
    if (m < 2 || det < 1e-6) {
        *ey0 = (float)(m > 0 ? s0 / m : 0);
        *ey1 = (float)(m > 0 ? s1 / m : 0);
        return;
    }
    *ey0 = (float)((s0 * sxx - sx * sx0) / det + (m * sx0 - sx * s0) / det * x);
    *ey1 = (float)((s1 * sxx - sx * sx1) / det + (m * sx1 - sx * s1) / det * x);
}

/*
 * An end character joined to a graphic above or below it (the lobster under Maine's first
 * digit): its box runs past the line (fitted to the other characters) on one side only by more
 * than a tenth of the line's height, while the other side is on the line. The box clipped to
 * the line is classified; when that reads confidently (90%, and above "not a character"), it
 * replaces the character, which the end trimming would otherwise drop as misaligned. Used for
 * regions labelled whole, not inside a guessed band (there the band already cut what joins).
 */
static void refit_ends(struct region_ctx *rc, int *chain, int n)
{
    if (n < 4)
        return;
    for (int end = 0; end < 2; end++) {
        int idx = end == 0 ? 0 : n - 1;
        struct item it = rc->pool[chain[idx]];
        float ey0, ey1, lh, dy0, dy1;
        struct recog_comp c;
        size_t at = rc->npool;
        line_fit(rc->pool, chain, n, idx, (it.x0 + it.x1) / 2.0f, &ey0, &ey1);
        lh = ey1 - ey0 + 1;
        if (lh < 4)
            continue;
        dy0 = (it.y0 - ey0) / lh;
        dy1 = (it.y1 - ey1) / lh;
        if (!((fabsf(dy0) <= 0.1f && dy1 > 0.1f) || (fabsf(dy1) <= 0.1f && dy0 < -0.1f)))
            continue;
        c.x0 = it.x0;
        c.x1 = it.x1;
        c.y0 = it.y0 > (int)lrintf(ey0) ? it.y0 : (int)lrintf(ey0);
        c.y1 = it.y1 < (int)lrintf(ey1) ? it.y1 : (int)lrintf(ey1);
        c.ink = it.ink;
        pool_add(rc, &c, 0, 0, it.dark);
        if (rc->npool == at)
            continue;
        classify_pool(rc, at);
        if (rc->pool[at].conf >= 0.9f && rc->pool[at].nonchar < rc->pool[at].conf)
            chain[idx] = (int)at;
    }
}

/*
 * Drops characters at either end of the chain that break the line's rhythm (distances are
 * between centres, against the median pitch; heights against the median height):
 *   - a narrow bar (plate frame, bolt, sticker edge, border) off the pitch by a third, unless it
 *     is a '1' the classifier is sure of (97%) at the line's height (Wyoming's county number);
 *   - a character under 98% off the pitch by a third (the wheelchair symbol read as a 6);
 *   - a character under 80% off the pitch by a fifth or of a height 8% off (a logo, a sticker
 *     letter);
 *   - a narrow bar, or a character under 90%, whose top and bottom both sit over a tenth of
 *     the line's height above or below the line (the plate frame's edge beside the last
 *     character; a tree or an emblem beside the plate's text);
 *   - a character whose top or bottom is a fifth of the line's height off the line (fitted to
 *     the others: plates are tilted);
 *   - any character more than four pitches from its neighbour (a sticker or a word beside the
 *     plate; Wyoming's county number stands 2-3 pitches from the rest).
 * Returns the new length.
 */
static int trim_chain(const struct item *pool, int *chain, int n)
{
    for (int round = 0; round < 2 && n >= 4; round++) {
        int pitch[RECOG_MAX_CHARS], sorted[RECOG_MAX_CHARS], p, top, bot, hmed;
        for (int i = 0; i + 1 < n; i++) {
            const struct item *a = &pool[chain[i]], *b = &pool[chain[i + 1]];
            pitch[i] = (b->x0 + b->x1) - (a->x0 + a->x1); /* twice the centre distance */
            sorted[i] = pitch[i];
        }
        qsort(sorted, (size_t)(n - 1), sizeof sorted[0], cmp_int);
        p = sorted[(n - 1) / 2];
        {
            int tops[RECOG_MAX_CHARS], bots[RECOG_MAX_CHARS];
            for (int i = 0; i < n; i++) {
                tops[i] = pool[chain[i]].y0;
                bots[i] = pool[chain[i]].y1;
            }
            qsort(tops, (size_t)n, sizeof tops[0], cmp_int);
            qsort(bots, (size_t)n, sizeof bots[0], cmp_int);
            top = tops[n / 2];
            bot = bots[n / 2];
            for (int i = 0; i < n; i++)
                tops[i] = pool[chain[i]].y1 - pool[chain[i]].y0 + 1;
            qsort(tops, (size_t)n, sizeof tops[0], cmp_int);
            hmed = tops[n / 2];
        }
        for (int end = 0; end < 2 && n >= 4; end++) {
            int idx = end == 0 ? 0 : n - 1, pi = end == 0 ? 0 : n - 2;
            const struct item *it = &pool[chain[idx]];
            int w = it->x1 - it->x0 + 1, h = it->y1 - it->y0 + 1;
            int narrow = w * 10 < h * 3, off = abs(pitch[pi] - p) * 3 > p;
            int lh = bot - top + 1;
            float ey0, ey1;
            int misaligned;
            line_fit(pool, chain, n, idx, (it->x0 + it->x1) / 2.0f, &ey0, &ey1);
            misaligned = fabsf(it->y0 - ey0) * 10 > lh * 2 || fabsf(it->y1 - ey1) * 10 > lh * 2;
            int far = pitch[pi] > 4 * p;
            int loose = abs(pitch[pi] - p) * 5 > p, odd_height = abs(h - hmed) * 100 > hmed * 8;
            float dy0 = (it->y0 - ey0) / (float)lh, dy1 = (it->y1 - ey1) / (float)lh;
            int shifted = (dy0 > 0.1f && dy1 > 0.1f) || (dy0 < -0.1f && dy1 < -0.1f);
            char best = ocr_class_char(it->best);
            int sure_one = (best == '1' || best == 'I') && it->conf >= 0.97f && !odd_height;
            /* Many fonts (the synthetic scenes' DejaVu among them) draw J below the baseline. */
            if (best == 'J' && it->conf >= 0.9f && fabsf(dy0) < 0.1f && dy1 > 0 && dy1 < 0.35f)
                misaligned = odd_height = 0;
            if ((off && narrow && !sure_one) || (off && it->conf < 0.98f) ||
                (it->conf < 0.8f && (loose || odd_height)) ||
                (shifted && (narrow || it->conf < 0.9f)) || misaligned || far) {
                if (end == 0)
                    memmove(chain, chain + 1, sizeof chain[0] * (size_t)(n - 1));
                n--;
                if (end == 0)
                    memmove(pitch, pitch + 1, sizeof pitch[0] * (size_t)(n - 1));
            }
        }
    }
    return n;
}

struct beam {
    char text[RECOG_MAX_CHARS + 1];
    float logp;
};

static int cmp_beam(const void *a, const void *b)
{
    const struct beam *p = a, *q = b;
    return p->logp > q->logp ? -1 : p->logp < q->logp;
}

/* Top-N readings by product of per-character probabilities (3 classes per position). */
static void make_cands(const struct item *pool, const int *chain, int n, int ncands,
                       struct recog_plate *p)
{
    struct beam cur[RECOG_MAX_CANDS], next[RECOG_MAX_CANDS * 3];
    int ncur = 1;
    memset(cur, 0, sizeof cur);
    for (int i = 0; i < n; i++) {
        const struct item *it = &pool[chain[i]];
        int top[3] = {-1, -1, -1};
        int nnext = 0;
        for (int k = 0; k < OCR_NONCHAR; k++) {
            if (top[0] < 0 || it->prob[k] > it->prob[top[0]]) {
                top[2] = top[1];
                top[1] = top[0];
                top[0] = k;
            } else if (top[1] < 0 || it->prob[k] > it->prob[top[1]]) {
                top[2] = top[1];
                top[1] = k;
            } else if (top[2] < 0 || it->prob[k] > it->prob[top[2]]) {
                top[2] = k;
            }
        }
        for (int b = 0; b < ncur; b++)
            for (int k = 0; k < 3; k++) {
                struct beam *nb = &next[nnext++];
                *nb = cur[b];
                nb->text[i] = ocr_class_char(top[k]);
                nb->text[i + 1] = 0;
                nb->logp += logf(it->prob[top[k]] + 1e-6f);
            }
        qsort(next, (size_t)nnext, sizeof next[0], cmp_beam);
        ncur = nnext < RECOG_MAX_CANDS ? nnext : RECOG_MAX_CANDS;
        memcpy(cur, next, sizeof(cur[0]) * (size_t)ncur);
    }
    if (ncands > ncur)
        ncands = ncur;
    p->ncands = ncands;
    for (int b = 0; b < ncands; b++) {
        memcpy(p->cands[b].text, cur[b].text, sizeof cur[b].text);
        p->cands[b].confidence = 100.0f * expf(cur[b].logp);
    }
}

/* Makes text the first candidate (moving it up, or inserting it with the given confidence). */
static void cands_put_first(struct recog_plate *p, const char *text, float confidence)
{
    int at = -1;
    for (int k = 0; k < p->ncands; k++)
        if (strcmp(p->cands[k].text, text) == 0)
            at = k;
    if (at < 0) {
        at = p->ncands < RECOG_MAX_CANDS ? p->ncands++ : p->ncands - 1;
        snprintf(p->cands[at].text, sizeof p->cands[at].text, "%s", text);
        p->cands[at].confidence = confidence;
    }
    if (at > 0) {
        struct recog_cand t = p->cands[at];
        memmove(&p->cands[1], &p->cands[0], sizeof t * (size_t)at);
        p->cands[0] = t;
    }
}

/*
 * Letter/digit context for the shapes many plate fonts draw alike (0/O, 1/I, 8/B, 5/S, 2/Z):
 * when the classifier gives the other member of the pair at least 2% (10% for O in place of 0:
 * many US plate fonts draw them alike and write the digit), a character whose
 * neighbours are both letters (or the only neighbour, at an end) becomes the letter, and one
 * among digits the digit. Never adds, removes or invents a shape the classifier did not see.
 */
static void apply_context(const struct item *pool, const int *chain, struct recog_plate *p)
{
    static const char pairs[][2] = {{'0', 'O'}, {'1', 'I'}, {'8', 'B'}, {'5', 'S'}, {'2', 'Z'}};
    char orig[RECOG_MAX_CHARS + 1];
    if (p->nchars < 3)
        return;
    memcpy(orig, p->text, sizeof orig);
    for (int i = 0; i < p->nchars; i++) {
        const struct item *it = &pool[chain[i]];
        char c = p->chars[i].c, other = 0;
        int left = -1, right = -1, want; /* 1 letter, 0 digit, -1 unknown */
        for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++) {
            if (c == pairs[k][0])
                other = pairs[k][1];
            else if (c == pairs[k][1])
                other = pairs[k][0];
        }
        if (!other || it->prob[ocr_char_class(other)] < (c == '0' ? 0.10f : 0.02f))
            continue;
        if (i > 0)
            left = !(orig[i - 1] >= '0' && orig[i - 1] <= '9');
        if (i + 1 < p->nchars)
            right = !(orig[i + 1] >= '0' && orig[i + 1] <= '9');
        want = left < 0 ? right : right < 0 ? left : left == right ? left : -1;
        if (want < 0 || want == !(c >= '0' && c <= '9'))
            continue;
        p->chars[i].alt = c;
        p->chars[i].alt_conf = p->chars[i].conf;
        p->chars[i].c = other;
        p->chars[i].conf = it->prob[ocr_char_class(other)];
        if (p->text[i] != '?')
            p->text[i] = other;
    }
    if (strcmp(orig, p->text) != 0) {
        char chosen[RECOG_MAX_CHARS + 1];
        double lp = 0;
        for (int i = 0; i < p->nchars; i++) {
            chosen[i] = p->chars[i].c;
            lp += log(p->chars[i].conf + 1e-9);
        }
        chosen[p->nchars] = 0;
        cands_put_first(p, chosen, (float)(100.0 * exp(lp)));
    }
}

static int fits(const char *text, const char *pat)
{
    size_t n = strlen(text);
    if (strlen(pat) != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int digit = text[i] >= '0' && text[i] <= '9';
        if ((pat[i] == 'D' && !digit) || (pat[i] == 'L' && digit))
            return 0;
    }
    return 1;
}

/*
 * Jurisdiction formats: when the reading fits none of cfg->patterns, rewrites it with the most
 * probable reading that fits one (per position the best class of the allowed kind, each at
 * least 2% probable), and marks that reading as the first candidate.
 */
static void apply_patterns(const struct recog_config *cfg, const struct item *pool,
                           const int *chain, struct recog_plate *p)
{
    char best[RECOG_MAX_CHARS + 1];
    double best_lp = -1e30;
    if (!cfg->patterns || cfg->npatterns <= 0)
        return;
    for (int k = 0; k < cfg->npatterns; k++)
        if (cfg->patterns[k] && fits(p->text, cfg->patterns[k]))
            return;
    best[0] = 0;
    for (int k = 0; k < cfg->npatterns; k++) {
        const char *pat = cfg->patterns[k];
        char text[RECOG_MAX_CHARS + 1];
        double lp = 0;
        int ok = pat && (int)strlen(pat) == p->nchars;
        for (int i = 0; ok && i < p->nchars; i++) {
            const struct item *it = &pool[chain[i]];
            int lo = pat[i] == 'L' ? 10 : 0, hi = pat[i] == 'D' ? 10 : OCR_NONCHAR, b = lo;
            for (int c = lo; c < hi; c++)
                if (it->prob[c] > it->prob[b])
                    b = c;
            if (it->prob[b] < 0.005f)
                ok = 0;
            text[i] = ocr_class_char(b);
            lp += log(it->prob[b] + 1e-9);
        }
        if (!ok)
            continue;
        text[p->nchars] = 0;
        if (lp > best_lp) {
            best_lp = lp;
            memcpy(best, text, sizeof text);
        }
    }
    if (!best[0])
        return;
    for (int i = 0; i < p->nchars; i++) {
        const struct item *it = &pool[chain[i]];
        int c = ocr_char_class(best[i]);
        if (best[i] != p->chars[i].c) {
            p->chars[i].alt = p->chars[i].c;
            p->chars[i].alt_conf = p->chars[i].conf;
            p->chars[i].c = best[i];
            p->chars[i].conf = it->prob[c];
        }
        if (p->text[i] != '?' || !cfg->mark_uncertain || p->chars[i].conf >= cfg->uncertain)
            p->text[i] = best[i];
    }
    cands_put_first(p, best, (float)(100.0 * exp(best_lp)));
    {
        float sum = 0;
        for (int i = 0; i < p->nchars; i++)
            sum += p->chars[i].conf;
        p->confidence = 100.0f * sum / (float)p->nchars;
    }
}

static void make_plate(const struct recog_config *cfg, const struct item *pool, const int *chain,
                       int n, float score, struct recog_plate *p)
{
    float sum = 0;
    memset(p, 0, sizeof *p);
    p->nchars = n;
    p->score = score;
    p->x = pool[chain[0]].x0;
    p->y = pool[chain[0]].y0;
    {
        int x1 = 0, y1 = 0;
        for (int i = 0; i < n; i++) {
            const struct item *it = &pool[chain[i]];
            struct recog_char *c = &p->chars[i];
            int alt = it->best == 0 ? 1 : 0;
            for (int k = 0; k < OCR_NONCHAR; k++)
                if (k != it->best && it->prob[k] > it->prob[alt])
                    alt = k;
            c->c = ocr_class_char(it->best);
            c->conf = it->conf;
            c->alt = ocr_class_char(alt);
            c->alt_conf = it->prob[alt];
            c->x0 = it->x0;
            c->y0 = it->y0;
            c->x1 = it->x1;
            c->y1 = it->y1;
            p->text[i] = cfg->mark_uncertain && it->conf < cfg->uncertain ? '?' : c->c;
            sum += it->conf;
            if (it->x0 < p->x)
                p->x = it->x0;
            if (it->y0 < p->y)
                p->y = it->y0;
            if (it->x1 > x1)
                x1 = it->x1;
            if (it->y1 > y1)
                y1 = it->y1;
        }
        p->w = x1 - p->x + 1;
        p->h = y1 - p->y + 1;
    }
    p->text[n] = 0;
    p->dark_ink = pool[chain[0]].dark;
    p->confidence = 100.0f * sum / (float)n;
    make_cands(pool, chain, n, cfg->ncands > 0 ? cfg->ncands : 1, p);
    if (cfg->npatterns > 0)
        apply_patterns(cfg, pool, chain, p);
    else
        apply_context(pool, chain, p);
    if (p->ncands > cfg->ncands)
        p->ncands = cfg->ncands;
}

static int ctx_alloc(struct region_ctx *rc, int rw, int rh)
{
    size_t npix = (size_t)rw * rh;
    struct scratch *sc = rc->sc;
    rc->mask = scratch_get(&sc->mask, npix);
    rc->labels = scratch_get(&sc->labels, 3 * runs_cap(rw, rh) * sizeof(int));
    rc->parent = scratch_get(&sc->parent, 2 * runs_cap(rw, rh) * sizeof(int));
    rc->comps = scratch_get(&sc->comps, MAX_COMPS * sizeof(struct recog_comp));
    rc->pool = scratch_get(&sc->pool, MAX_POOL * sizeof(struct item));
    rc->ii = scratch_get(&sc->ii, ((size_t)rw + 1) * ((size_t)rh + 1) * sizeof(uint32_t));
    rc->lev = scratch_get(&sc->lev, 4 * npix);
    rc->rowbuf = scratch_get(&sc->rowbuf, 2 * (size_t)rw * sizeof(uint32_t));
    rc->npool = 0;
    if (!rc->mask || !rc->labels || !rc->parent || !rc->comps || !rc->pool || !rc->ii || !rc->lev ||
        !rc->rowbuf)
        return RECOG_ERR_NOMEM;
    return RECOG_OK;
}

/*
 * The text band of a plate region whose characters may be joined to the plate frame: the
 * longest run of rows (at least a fifth of the region) crossed by at least half the most
 * ink transitions of a row (and 6) at t = 35 - character strokes, where the frame's bands and
 * the plate's background have few - less a row at each end, so that the frame's bands are cut
 * off. Writes the band (horizontal, image coordinates) and the ink polarity (1 dark, 2 light;
 * the one with more transitions in its band) and returns 1, or returns 0 when there is none.
 */
static int guess_band(struct region_ctx *rc, int rx, int ry, int rw, int rh, int win, int robust,
                      struct band *out, int *polarity)
{
    const uint8_t *g = rc->gray + (size_t)ry * rc->stride + rx, *lev = NULL;
    int found = 0, best = 0, xa = rw / 20, xb = rw - rw / 20, t35 = 0;
    if (rh > GUESS_MAXH)
        return 0;
    /* The mask at t = 35 is the region's ink levels (region_levels()) of that offset. */
    for (int ti = 0; ti < REGION_NT; ti++)
        if (REGION_T[ti] == 35)
            t35 = ti + 1;
    if (t35)
        lev = region_levels(rc, rx, ry, rw, rh, win);
    for (int dark = 1; dark >= 0; dark--) {
        int maxc = 0, thr, y0 = -1, run0 = 0, runlen = 0, runsum = 0, cur = 0, cursum = 0;
        int counts[GUESS_MAXH], lv = t35 ? t35 : 1;
        const uint8_t *map = t35 ? lev + (dark ? 0 : (size_t)rw * rh) : rc->mask;
        if (!t35 && recog_binarize(g, rw, rh, rc->stride, win, 35, dark, rc->mask) != RECOG_OK)
            return 0;
        for (int y = 0; y < rh; y++) {
            /* Ink starts at x in (xa, xb): bit x set and bit x - 1 clear, 64 columns a word. */
            uint64_t bits[LABEL_MAX_W / 64 + 1], carry = 0;
            int nw = row_bits(map + (size_t)y * rw, rw, lv, bits), c = 0;
            for (int i = 0; i < nw; i++) {
                uint64_t w = bits[i], rise = w & ~(w << 1 | carry);
                int lo = i * 64, from = xa + 1 - lo, to = xb - lo; /* bits [from, to) */
                carry = w >> 63;
                if (to <= 0 || from >= 64)
                    continue;
                if (from > 0)
                    rise &= ~(uint64_t)0 << from;
                if (to < 64)
                    rise &= ((uint64_t)1 << to) - 1;
                c += __builtin_popcountll(rise);
            }
            counts[y] = c;
            if (c > maxc)
                maxc = c;
        }
        if (robust) {
            /* A crop has other text above and below (state name, slogan, a scene) that can
               outnumber the characters' strokes: half the upper quartile, not of the most. */
            int sorted[GUESS_MAXH];
            memcpy(sorted, counts, sizeof sorted[0] * (size_t)rh);
            qsort(sorted, (size_t)rh, sizeof sorted[0], cmp_int);
            maxc = sorted[rh * 3 / 4];
        }
        thr = maxc / 2 > 6 ? maxc / 2 : 6;
        for (int y = 0; y <= rh; y++) {
            if (y < rh && counts[y] >= thr) {
                if (cur == 0)
                    y0 = y;
                cur++;
                cursum += counts[y];
                continue;
            }
            if (cur > runlen) {
                runlen = cur;
                run0 = y0;
                runsum = cursum;
            }
            cur = cursum = 0;
        }
        if (runlen * 5 >= rh && runsum > best) {
            best = runsum;
            out->a0 = (float)(ry + run0 + 1);
            out->a1 = (float)(ry + run0 + runlen - 2);
            out->b0 = out->b1 = 0;
            out->m = 0;
            out->sides = 1;
            *polarity = dark ? 1 : 2;
            found = 1;
        }
    }
    return found;
}

/*
 * Is a chain of 3 or more characters too short for a plate (under 6) or has it a character
 * under 80% probable? Then the region is labelled again at half the window (thin strokes of
 * small or blurred characters, characters joined at the first window). Shorter chains are
 * rarely plates: labelling them again doubled the host time per frame for nothing.
 */
static int weak_chain(const struct item *pool, const int *chain, int n)
{
    if (n < 3)
        return 0;
    if (n < 6)
        return 1;
    for (int k = 0; k < n; k++)
        if (pool[chain[k]].conf < 0.8f)
            return 1;
    return 0;
}

/* Clips the region to the image; returns 0 when less than 4 x 4 pixels remain. */
static int clip_region(int width, int height, int *rx, int *ry, int *rw, int *rh)
{
    if (*rx < 0)
        *rw += *rx, *rx = 0;
    if (*ry < 0)
        *rh += *ry, *ry = 0;
    if (*rx + *rw > width)
        *rw = width - *rx;
    if (*ry + *rh > height)
        *rh = height - *ry;
    return *rw >= 4 && *rh >= 4;
}

/*
 * Reads the region (rx, ry, rw, rh) for characters of height [hmin, hmax]: fills *p and
 * returns 1 when a chain was found, 0 when not, or a negative error. With plate_region 1, the
 * region is a plate frame's inside and only its guessed text band is labelled (guess_band()),
 * where bars through the band near the region's sides are the frame's; with 2, the same for a
 * plate crop (the band found among other text, both polarities labelled).
 */
struct pool_export {
    struct recog_comp *boxes;
    int *dark;
    size_t max, n;
};

static int read_region(const struct recog_config *cfg, const uint8_t *gray, int width, int height,
                       int stride, int rx, int ry, int rw, int rh, int hmin, int hmax, int win,
                       int plate_region, struct recog_plate *p, struct pool_export *exp,
                       struct scratch *sc)
{
    struct region_ctx rc = {
        .cfg = cfg, .gray = gray, .width = width, .height = height, .stride = stride, .sc = sc};
    int chain[RECOG_MAX_CHARS], n, rcode;
    float score;
    if (!clip_region(width, height, &rx, &ry, &rw, &rh))
        return 0;
    if (sc->src != gray || sc->src_x != rx || sc->src_y != ry || sc->src_w != rw ||
        sc->src_h != rh) {
        /* Another region: its levels are still to compute. */
        sc->src = gray;
        sc->src_x = rx;
        sc->src_y = ry;
        sc->src_w = rw;
        sc->src_h = rh;
        sc->lev_win[0] = sc->lev_win[1] = 0;
    }
    rcode = ctx_alloc(&rc, rw, rh);
    if (rcode == 0 && plate_region) {
        /* Characters joined to the plate frame: label inside the band of many strokes only. */
        struct band band;
        int pol;
        if (guess_band(&rc, rx, ry, rw, rh, win, plate_region == 2, &band, &pol))
            rcode =
                fill_pool(&rc, rx, ry, rw, rh, win, hmin, hmax, plate_region == 2 ? 3 : pol, &band);
    } else if (rcode == 0) {
        rcode = fill_pool(&rc, rx, ry, rw, rh, win, hmin, hmax, 3, NULL);
    }
    if (rcode != 0)
        return rcode;
    classify_pool(&rc, 0);
    qsort(rc.pool, rc.npool, sizeof rc.pool[0], cmp_item_x);
    n = best_chain(rc.pool, rc.npool, chain, &score);
    if (!plate_region && weak_chain(rc.pool, chain, n)) {
        /* A second hypothesis of the segmentation: half the window, into the same pool. */
        size_t before = rc.npool;
        rcode = fill_pool(&rc, rx, ry, rw, rh, win / 2 > 4 ? win / 2 : 4, hmin, hmax, 3, NULL);
        if (rcode != 0)
            return rcode;
        if (rc.npool > before) {
            classify_pool(&rc, before);
            qsort(rc.pool, rc.npool, sizeof rc.pool[0], cmp_item_x);
            n = best_chain(rc.pool, rc.npool, chain, &score);
        }
    }
    if (n >= 2) {
        /* Second pass: re-label inside the text band of the chain found. */
        struct band band;
        size_t before = rc.npool;
        float t0, t1, u0, u1;
        int x0 = rc.pool[chain[0]].x0, x1 = rc.pool[chain[n - 1]].x1;
        line_fit(rc.pool, chain, n, -1, (float)x0, &t0, &u0);
        line_fit(rc.pool, chain, n, -1, (float)x1, &t1, &u1);
        band.b0 = x1 > x0 ? (t1 - t0) / (float)(x1 - x0) : 0;
        band.b1 = x1 > x0 ? (u1 - u0) / (float)(x1 - x0) : 0;
        band.a0 = t0 - band.b0 * (float)x0;
        band.a1 = u0 - band.b1 * (float)x0;
        band.m = (int)((u0 - t0) / 16) + 1;
        band.sides = plate_region != 0;
        rcode =
            fill_pool(&rc, rx, ry, rw, rh, win, hmin, hmax, rc.pool[chain[0]].dark ? 1 : 2, &band);
        if (rcode != 0)
            return rcode;
        if (rc.npool > before) {
            classify_pool(&rc, before);
            qsort(rc.pool, rc.npool, sizeof rc.pool[0], cmp_item_x);
            n = best_chain(rc.pool, rc.npool, chain, &score);
        }
    }
    /* Touching characters, twice: a character split off the frame at an end of the chain
       brings the next one joined beyond it within a pitch of the new end (Nebraska's outline
       through the first two characters). */
    for (int round = 0; round < 2 && n >= 2; round++) {
        size_t before = rc.npool;
        split_touching(&rc, chain, n);
        if (rc.npool == before)
            break;
        classify_pool(&rc, before);
        qsort(rc.pool, rc.npool, sizeof rc.pool[0], cmp_item_x);
        n = best_chain(rc.pool, rc.npool, chain, &score);
    }
    n = rescue_gaps(rc.pool, rc.npool, chain, n);
    if (!plate_region)
        refit_ends(&rc, chain, n);
    n = trim_chain(rc.pool, chain, n);
    if (n > 0)
        make_plate(cfg, rc.pool, chain, n, score, p);
    if (exp)
        for (size_t i = 0; i < rc.npool && exp->n < exp->max; i++) {
            struct recog_comp *b = &exp->boxes[exp->n];
            b->x0 = rc.pool[i].x0;
            b->y0 = rc.pool[i].y0;
            b->x1 = rc.pool[i].x1;
            b->y1 = rc.pool[i].y1;
            b->ink = rc.pool[i].ink;
            exp->dark[exp->n++] = rc.pool[i].dark;
        }
    return n > 0;
}

int recog_crop_pool(const struct recog_config *cfg, const uint8_t *gray, int width, int height,
                    int stride, struct recog_comp *boxes, int *dark, size_t max, size_t *n)
{
    struct recog_plate *p;
    struct pool_export exp = {.boxes = boxes, .dark = dark, .max = max, .n = 0};
    struct scratch sc = {0};
    int rc, win;
    if (!cfg || !cfg->model || !boxes || !dark || !n || !valid_image(gray, width, height, stride))
        return RECOG_ERR_INVALID;
    p = malloc(sizeof *p);
    if (!p)
        return RECOG_ERR_NOMEM;
    win = height / 3 > 8 ? height / 3 : 8;
    rc = read_region(cfg, gray, width, height, stride, 0, 0, width, height, height / 5,
                     height * 9 / 10, win, 0, p, &exp, &sc);
    scratch_free(&sc);
    free(p);
    if (rc < 0)
        return rc;
    *n = exp.n;
    return RECOG_OK;
}

int recog_read_crop(const struct recog_config *cfg, const uint8_t *gray, int width, int height,
                    int stride, struct recog_result *out)
{
    struct recog_plate *p;
    struct scratch sc = {0};
    int rc, win;
    if (!cfg || !cfg->model || !out || !valid_image(gray, width, height, stride))
        return RECOG_ERR_INVALID;
    p = malloc(sizeof *p);
    if (!p)
        return RECOG_ERR_NOMEM;
    win = height / 3 > 8 ? height / 3 : 8;
    rc = read_region(cfg, gray, width, height, stride, 0, 0, width, height, height / 5,
                     height * 9 / 10, win, 0, p, NULL, &sc);
    if (rc == 0 || (rc > 0 && p->nchars < 4)) {
        /* Almost nothing read: characters joined to the plate frame (a tight crop's border).
           Read again inside the guessed text band, as for a plate frame in a frame. */
        struct recog_plate *q = malloc(sizeof *q);
        int r2;
        if (!q) {
            scratch_free(&sc);
            free(p);
            return RECOG_ERR_NOMEM;
        }
        r2 = read_region(cfg, gray, width, height, stride, 0, 0, width, height, height / 5,
                         height * 9 / 10, win, 2, q, NULL, &sc);
        if (r2 < 0)
            rc = r2;
        else if (r2 > 0 && (rc == 0 || q->nchars > p->nchars)) {
            *p = *q;
            rc = r2;
        }
        free(q);
    }
    scratch_free(&sc);
    if (rc >= 0) {
        out->nplates = rc > 0;
        if (rc > 0)
            out->plates[0] = *p;
        rc = RECOG_OK;
    }
    free(p);
    return rc;
}

/* ---- Frames: grouping candidates into text lines ----------------------------------------- */

struct group {
    int x0, y0, x1, y1;
    int n;
    int hmed;
};

static int cmp_comp_x(const void *a, const void *b)
{
    const struct recog_comp *p = a, *q = b;
    return p->x0 < q->x0 ? -1 : p->x0 > q->x0;
}

static int cmp_group(const void *a, const void *b)
{
    const struct group *p = a, *q = b;
    /* Lines of 5..8 candidates first, then by count. */
    int sp = p->n >= 5 && p->n <= 9 ? 100 + p->n : p->n;
    int sq = q->n >= 5 && q->n <= 9 ? 100 + q->n : q->n;
    return sp > sq ? -1 : sp < sq;
}

/* Overlap of two readings' boxes as a share of the smaller box (0..1). */
static float plate_overlap(const struct recog_plate *a, const struct recog_plate *b)
{
    int ix = (a->x + a->w < b->x + b->w ? a->x + a->w : b->x + b->w) - (a->x > b->x ? a->x : b->x);
    int iy = (a->y + a->h < b->y + b->h ? a->y + a->h : b->y + b->h) - (a->y > b->y ? a->y : b->y);
    int amin = a->w * a->h < b->w * b->h ? a->w * a->h : b->w * b->h;
    if (ix <= 0 || iy <= 0 || amin <= 0)
        return 0;
    return (float)ix * (float)iy / (float)amin;
}

#define MAX_GROUPS 24

/*
 * How much a reading looks like a plate rather than other text or a texture (0..1], used to
 * rank the readings of a frame: one character repeated over most of the line (grilles,
 * fences, "1111111") and lines far from plate length are unlikely plates.
 */
static float plate_likeness(const struct recog_plate *p)
{
    int count[128] = {0}, most = 0;
    float f = 1;
    for (int i = 0; i < p->nchars; i++) {
        int c = (unsigned char)p->chars[i].c & 127;
        if (++count[c] > most)
            most = count[c];
    }
    if (most * 2 > p->nchars)
        f *= 0.3f;
    if (p->nchars > 8)
        f *= 0.4f;
    return f;
}

/*
 * Groups frame components into candidate text lines: similar height, aligned, gaps under
 * 1.2 heights. Writes at most max groups (most plate-like first) and returns their number.
 */
static int find_groups(const struct recog_comp *in, size_t n, int height, struct group *groups,
                       int max, int *err)
{
    struct recog_comp *c = malloc(sizeof *c * (n ? n : 1));
    int *parent = malloc(sizeof(int) * (n ? n : 1));
    size_t m = 0;
    int ng = 0;
    struct group *all = NULL;
    *err = 0;
    if (!c || !parent) {
        *err = RECOG_ERR_NOMEM;
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        int w = in[i].x1 - in[i].x0 + 1, h = in[i].y1 - in[i].y0 + 1;
        float d = (float)in[i].ink / (float)(w * h);
        if (h < 8 || h > height / 4 || w * 10 > h * 13 || w * 12 < h || d < 0.12f || d > 0.95f)
            continue;
        c[m++] = in[i];
    }
    qsort(c, m, sizeof c[0], cmp_comp_x);
    for (size_t i = 0; i < m; i++)
        parent[i] = (int)i;
    for (size_t i = 0; i < m; i++) {
        int hi = c[i].y1 - c[i].y0 + 1;
        for (size_t j = i + 1; j < m; j++) {
            int hj = c[j].y1 - c[j].y0 + 1, hmax = hi > hj ? hi : hj, hmin = hi < hj ? hi : hj;
            int gap = c[j].x0 - c[i].x1 - 1;
            if (c[j].x0 > c[i].x1 + 2 * hi)
                break;
            if (hmax * 3 > hmin * 4 || gap > hmax * 6 / 5 || gap < -(hmin / 4))
                continue;
            if (abs(c[i].y0 - c[j].y0) * 4 > hmax || abs(c[i].y1 - c[j].y1) * 4 > hmax)
                continue;
            uf_union(parent, (int)i, (int)j);
        }
    }
    all = malloc(sizeof *all * (m ? m : 1));
    if (!all) {
        *err = RECOG_ERR_NOMEM;
        goto done;
    }
    {
        int *root = malloc(sizeof(int) * (m ? m : 1));
        int *hs = malloc(sizeof(int) * (m ? m : 1));
        int nall = 0;
        if (!root || !hs) {
            free(root);
            free(hs);
            *err = RECOG_ERR_NOMEM;
            goto done;
        }
        for (size_t i = 0; i < m; i++)
            root[i] = uf_find(parent, (int)i);
        for (size_t i = 0; i < m; i++) {
            int k, nh = 0;
            if (root[i] != (int)i)
                continue;
            k = nall++;
            all[k].x0 = c[i].x0;
            all[k].y0 = c[i].y0;
            all[k].x1 = c[i].x1;
            all[k].y1 = c[i].y1;
            all[k].n = 0;
            {
                int last_x1 = -1;
                for (size_t j = i; j < m; j++) /* count distinct places, not settings */
                    if (root[j] == (int)i && c[j].x0 > last_x1) {
                        all[k].n++;
                        last_x1 = c[j].x1;
                    }
            }
            for (size_t j = i; j < m; j++) {
                if (root[j] != (int)i)
                    continue;
                hs[nh++] = c[j].y1 - c[j].y0 + 1;
                if (c[j].x0 < all[k].x0)
                    all[k].x0 = c[j].x0;
                if (c[j].y0 < all[k].y0)
                    all[k].y0 = c[j].y0;
                if (c[j].x1 > all[k].x1)
                    all[k].x1 = c[j].x1;
                if (c[j].y1 > all[k].y1)
                    all[k].y1 = c[j].y1;
            }
            qsort(hs, (size_t)nh, sizeof hs[0], cmp_int);
            all[k].hmed = hs[nh / 2];
            if (all[k].n < 3)
                nall--;
        }
        free(root);
        free(hs);
        qsort(all, (size_t)nall, sizeof all[0], cmp_group);
        ng = nall < max ? nall : max;
        memcpy(groups, all, sizeof all[0] * (size_t)ng);
    }
done:
    free(all);
    free(c);
    free(parent);
    return ng;
}

/* Settings of the host's own frame labelling: (window, offset, dark ink). */
static const int HOST_SETTINGS[][3] = {{16, 40, 1}, {48, 40, 1}, {32, 40, 0}};

/* Characters smaller than this are read from a region scaled up to about this height. */
#define UPSCALE_TO 32

/* 16 pixels of a row of the enlargement from the rows' horizontal interpolations (vectorized). */
static void lerp16(const float *restrict h0, const float *restrict h1, float wy,
                   uint8_t *restrict out)
{
    for (int k = 0; k < 16; k++)
        out[k] = (uint8_t)(h0[k] * (1 - wy) + h1[k] * wy + 0.5f);
}

/*
 * Reads the region (rx, ry, rw, rh) around a line of characters about h pixels tall. Small
 * characters are read from a bilinear enlargement of the region (threshold and classifier both
 * do better on strokes several pixels wide); boxes come back in image coordinates.
 */
static int read_group(const struct recog_config *cfg, const uint8_t *gray, int width, int height,
                      int stride, int rx, int ry, int rw, int rh, int h, int plate_region,
                      struct recog_plate *p, struct scratch *sc)
{
    int s = h < UPSCALE_TO ? (UPSCALE_TO + h - 1) / h : 1, sw, sh, r, *cols, prev0 = -1, prev1 = -1;
    uint8_t *big;
    float *wxs, *h0, *h1;
    if (s > 3)
        s = 3;
    if (s == 1) {
        int win = h > 8 ? h : 8;
        return read_region(cfg, gray, width, height, stride, rx, ry, rw, rh, h * 11 / 20,
                           h * 8 / 5 + 1, win, plate_region, p, NULL, sc);
    }
    if (!clip_region(width, height, &rx, &ry, &rw, &rh))
        return 0;
    sw = rw * s;
    sh = rh * s;
    if (sc->big_src == gray && sc->big_x == rx && sc->big_y == ry && sc->big_w == rw &&
        sc->big_h == rh && sc->big_s == s) {
        /* The same region enlarged just before (a plate frame's second reading). */
        h *= s;
        big = sc->big.p;
        goto enlarged;
    }
    sc->big_src = NULL;
    sc->src = NULL; /* big's contents change */
    big = scratch_get(&sc->big, (size_t)sw * sh);
    if (!big)
        return RECOG_ERR_NOMEM;
    /* Source columns and weights of each output column: the same for every row; h0 and h1
       the horizontal interpolations of the two source rows (each computed once). */
    cols = malloc(sizeof *cols * (size_t)sw * 2);
    wxs = malloc(sizeof *wxs * (size_t)sw * 3);
    if (!cols || !wxs) {
        free(cols);
        free(wxs);
        return RECOG_ERR_NOMEM;
    }
    h0 = wxs + sw;
    h1 = h0 + sw;
    for (int x = 0; x < sw; x++) {
        float fx = (x + 0.5f) / s - 0.5f;
        int x0 = fx < 0 ? 0 : (int)fx;
        cols[2 * x] = x0;
        cols[2 * x + 1] = x0 + 1 < rw ? x0 + 1 : rw - 1;
        wxs[x] = fx < 0 ? 0 : fx - x0;
    }
    for (int y = 0; y < sh; y++) {
        float fy = (y + 0.5f) / s - 0.5f;
        int y0 = fy < 0 ? 0 : (int)fy, y1 = y0 + 1 < rh ? y0 + 1 : rh - 1;
        float wy = fy < 0 ? 0 : fy - y0;
        uint8_t *out = big + (size_t)y * sw;
        int x = 0;
        if (y0 != prev0) {
            const uint8_t *r0 = gray + (size_t)(ry + y0) * stride + rx;
            const uint8_t *r1 = gray + (size_t)(ry + y1) * stride + rx;
            if (y0 == prev1) { /* the previous lower row is the new upper one */
                float *t = h0;
                h0 = h1;
                h1 = t;
            }
            for (int k = 0; k < sw; k++) {
                int x0 = cols[2 * k], x1 = cols[2 * k + 1];
                float wx = wxs[k];
                if (y0 != prev1)
                    h0[k] = r0[x0] * (1 - wx) + r0[x1] * wx;
                h1[k] = r1[x0] * (1 - wx) + r1[x1] * wx;
            }
            prev0 = y0;
            prev1 = y1;
        }
        for (; x + 16 <= sw; x += 16)
            lerp16(h0 + x, h1 + x, wy, out + x);
        for (; x < sw; x++)
            out[x] = (uint8_t)(h0[x] * (1 - wy) + h1[x] * wy + 0.5f);
    }
    free(cols);
    free(wxs);
    sc->big_src = gray;
    sc->big_x = rx;
    sc->big_y = ry;
    sc->big_w = rw;
    sc->big_h = rh;
    sc->big_s = s;
    h *= s;
enlarged:
    r = read_region(cfg, big, sw, sh, sw, 0, 0, sw, sh, h * 11 / 20, h * 8 / 5 + 1, h, plate_region,
                    p, NULL, sc);
    if (r > 0) {
        p->x = rx + p->x / s;
        p->y = ry + p->y / s;
        p->w = (p->w + s - 1) / s;
        p->h = (p->h + s - 1) / s;
        for (int k = 0; k < p->nchars; k++) {
            struct recog_char *c = &p->chars[k];
            c->x0 = rx + c->x0 / s;
            c->y0 = ry + c->y0 / s;
            c->x1 = rx + c->x1 / s;
            c->y1 = ry + c->y1 / s;
        }
    }
    return r;
}

#define MAX_FRAME_PROPOSALS 6

static int cmp_group_area(const void *a, const void *b)
{
    const struct group *p = a, *q = b;
    long ap = (long)(p->x1 - p->x0) * (p->y1 - p->y0), aq = (long)(q->x1 - q->x0) * (q->y1 - q->y0);
    return ap > aq ? -1 : ap < aq;
}

/*
 * Plates whose characters are joined to the plate frame come out of the board as one hollow
 * component of plate shape (width 1.4..5 heights, ink density 0.05..0.6): each such component
 * (largest first, at most max) is proposed as a plate region with characters of about 45% of
 * its height. Writes the proposals to out and returns their number.
 */
static int find_frames(const struct recog_comp *in, size_t n, int width, int height,
                       struct group *out, int max)
{
    struct group all[64];
    int m = 0;
    for (size_t i = 0; i < n && m < 64; i++) {
        int w = in[i].x1 - in[i].x0 + 1, h = in[i].y1 - in[i].y0 + 1;
        float d = (float)in[i].ink / (float)(w * h);
        if (h < 20 || w < 50 || w > width / 2 || h > height / 3 || w * 10 < h * 14 || w > h * 5 ||
            d < 0.05f || d > 0.6f)
            continue;
        all[m].x0 = in[i].x0;
        all[m].y0 = in[i].y0;
        all[m].x1 = in[i].x1;
        all[m].y1 = in[i].y1;
        all[m].n = 0;
        all[m].hmed = h * 45 / 100;
        m++;
    }
    qsort(all, (size_t)m, sizeof all[0], cmp_group_area);
    if (m > max)
        m = max;
    memcpy(out, all, sizeof all[0] * (size_t)m);
    return m;
}

static int host_components(const uint8_t *gray, int width, int height, int stride,
                           struct recog_comp **out, size_t *n)
{
    uint8_t *mask = malloc((size_t)width * height);
    size_t max = 65536, cnt = 0;
    struct recog_comp *c = malloc(max * sizeof *c);
    int rc = 0;
    if (!mask || !c) {
        free(mask);
        free(c);
        return RECOG_ERR_NOMEM;
    }
    for (size_t k = 0; k < sizeof HOST_SETTINGS / sizeof HOST_SETTINGS[0] && rc == 0; k++) {
        size_t got = 0;
        rc = recog_binarize(gray, width, height, stride, HOST_SETTINGS[k][0], HOST_SETTINGS[k][1],
                            HOST_SETTINGS[k][2], mask);
        if (rc == 0)
            rc = recog_label(mask, width, height, c + cnt, max - cnt, &got);
        cnt += got;
    }
    free(mask);
    if (rc != 0) {
        free(c);
        return rc;
    }
    *out = c;
    *n = cnt;
    return RECOG_OK;
}

/* Where a reading came from: a text line, a plate frame's inside, or both alike. */
enum { SOURCE_LINE = 1, SOURCE_FRAME = 2 };

static int char_height(const struct recog_plate *p)
{
    int h[RECOG_MAX_CHARS];
    for (int i = 0; i < p->nchars; i++)
        h[i] = p->chars[i].y1 - p->chars[i].y0 + 1;
    qsort(h, (size_t)p->nchars, sizeof h[0], cmp_int);
    return h[p->nchars / 2];
}

/*
 * Frame-level ranking cues, beyond each reading's own score: the text a roadside camera is
 * after is the largest in the frame (stickers, fleet numbers, dealer frames and signs use
 * smaller letters), and a plate's text is read alike from its text line and from inside its
 * plate frame. Scores are scaled by (character height / tallest reading's)^0.3 and raised by
 * a quarter for a reading both sources agree on.
 */
static void rank_by_frame(struct recog_plate *plates, const unsigned char *source, int np)
{
    int hmax = 1;
    for (int i = 0; i < np; i++) {
        int h = char_height(&plates[i]);
        hmax = h > hmax ? h : hmax;
    }
    for (int i = 0; i < np; i++) {
        plates[i].score *= powf((float)char_height(&plates[i]) / (float)hmax, 0.3f);
        if (source[i] == (SOURCE_LINE | SOURCE_FRAME))
            plates[i].score *= 1.25f;
    }
}

int recog_read_frame(const struct recog_config *cfg, const uint8_t *gray, int width, int height,
                     int stride, const struct recog_comp *comps, size_t ncomps,
                     struct recog_result *out)
{
    struct recog_comp *own = NULL;
    struct group groups[MAX_GROUPS + MAX_FRAME_PROPOSALS];
    struct recog_plate *plates = NULL;
    unsigned char source[MAX_GROUPS + 2 * MAX_FRAME_PROPOSALS + 1];
    struct scratch sc = {0};
    int ng, np = 0, rc = 0, maxp;
    if (!cfg || !cfg->model || !out || !valid_image(gray, width, height, stride))
        return RECOG_ERR_INVALID;
    if (!comps) {
        rc = host_components(gray, width, height, stride, &own, &ncomps);
        if (rc != 0)
            return rc;
        comps = own;
    }
    ng = find_groups(comps, ncomps, height, groups, MAX_GROUPS, &rc);
    if (rc == 0)
        ng += find_frames(comps, ncomps, width, height, groups + ng, MAX_FRAME_PROPOSALS);
    plates = malloc(sizeof *plates * (MAX_GROUPS + 2 * MAX_FRAME_PROPOSALS + 1));
    if (rc != 0 || !plates) {
        rc = rc ? rc : RECOG_ERR_NOMEM;
        goto done;
    }
    /* Text lines are read once; plate frames twice: as they are, and inside the band of
       strokes guessed from the frame's inside (characters joined to the frame). */
    memset(source, 0, sizeof source);
    for (int i = 0; i < ng; i++)
        for (int pass = 0; pass < (groups[i].n > 0 ? 1 : 2); pass++) {
            const struct group *gr = &groups[i];
            int h = gr->hmed, r;
            if (gr->n > 0) /* a text line: room for missed characters at both ends */
                r = read_group(cfg, gray, width, height, stride, gr->x0 - 2 * h, gr->y0 - h * 3 / 5,
                               gr->x1 - gr->x0 + 1 + 4 * h, gr->y1 - gr->y0 + 1 + h * 6 / 5, h, 0,
                               &plates[np], &sc);
            else /* a plate frame: its inside */
                r = read_group(cfg, gray, width, height, stride, gr->x0, gr->y0,
                               gr->x1 - gr->x0 + 1, gr->y1 - gr->y0 + 1, h, pass, &plates[np], &sc);
            if (r < 0) {
                rc = r;
                goto done;
            }
            if (r > 0 && plates[np].nchars >= cfg->min_chars) {
                plates[np].score *= plate_likeness(&plates[np]);
                if (gr->n == 0)
                    plates[np].score *= 0.8f; /* frame proposals: second to text lines */
                {
                    /* The same plate read from another line or proposal: keep the better reading
                       in the place of the one it overlaps most. */
                    int dup = -1;
                    float most = 1.0f / 3;
                    for (int k = 0; k < np; k++) {
                        float o = plate_overlap(&plates[k], &plates[np]);
                        if (o > most) {
                            most = o;
                            dup = k;
                        }
                    }
                    int kind = gr->n > 0 ? SOURCE_LINE : SOURCE_FRAME;
                    if (dup < 0) {
                        source[np++] = (unsigned char)kind;
                    } else {
                        if (plates[np].score > plates[dup].score)
                            plates[dup] = plates[np];
                        if (strcmp(plates[np].text, plates[dup].text) == 0)
                            source[dup] |= (unsigned char)kind;
                    }
                }
            }
        }
    /* A reading of much smaller characters just above or below a taller one that overlaps
       it horizontally is the state name, city or slogan line of that plate: drop it. */
    for (int i = 0; i < np; i++) {
        const struct recog_plate *a = &plates[i];
        int ha = a->chars[0].y1 - a->chars[0].y0 + 1;
        for (int k = 0; k < np; k++) {
            const struct recog_plate *b = &plates[k];
            int hb = b->chars[0].y1 - b->chars[0].y0 + 1;
            if (k == i || hb * 10 < ha * 14)
                continue;
            if (a->x + a->w > b->x && b->x + b->w > a->x && a->y + a->h > b->y - 2 * hb &&
                a->y < b->y + b->h + 2 * hb) {
                plates[i] = plates[--np];
                source[i] = source[np];
                i--;
                break;
            }
        }
    }
    rank_by_frame(plates, source, np);
    /* Best first (insertion sort: few plates). */
    for (int i = 1; i < np; i++)
        for (int j = i; j > 0 && plates[j].score > plates[j - 1].score; j--) {
            struct recog_plate t = plates[j];
            plates[j] = plates[j - 1];
            plates[j - 1] = t;
        }
    maxp = cfg->max_plates < 1                  ? 1
           : cfg->max_plates > RECOG_MAX_PLATES ? RECOG_MAX_PLATES
                                                : cfg->max_plates;
    out->nplates = np < maxp ? np : maxp;
    memcpy(out->plates, plates, sizeof plates[0] * (size_t)out->nplates);
done:
    scratch_free(&sc);
    free(plates);
    free(own);
    return rc;
}

int recog_read_wire(const struct recog_config *cfg, const struct wire_frame *f,
                    struct recog_result *out)
{
    const struct wire_head *h;
    struct recog_comp *c;
    size_t n = 0;
    int rc;
    if (!f || !out)
        return RECOG_ERR_INVALID;
    h = &f->head;
    if (h->pixel_mode != WIRE_PIXELS_GRAY8 || !f->pixels || h->roi_w == 0 || h->roi_h == 0)
        return RECOG_ERR_NOPIXELS;
    if (f->pixels_len < (size_t)h->roi_w * h->roi_h)
        return RECOG_ERR_INVALID;
    c = malloc(sizeof *c * (f->ncomps ? f->ncomps : 1));
    if (!c)
        return RECOG_ERR_NOMEM;
    /* Records are in frame coordinates; keep those inside the pixel window, shifted into it. */
    for (size_t i = 0; i < f->ncomps; i++) {
        const struct wire_comp *w = &f->comps[i];
        if (w->x0 < h->roi_x || w->y0 < h->roi_y || w->x1 >= h->roi_x + h->roi_w ||
            w->y1 >= h->roi_y + h->roi_h)
            continue;
        c[n].x0 = w->x0 - h->roi_x;
        c[n].y0 = w->y0 - h->roi_y;
        c[n].x1 = w->x1 - h->roi_x;
        c[n].y1 = w->y1 - h->roi_y;
        c[n].ink = w->ink;
        n++;
    }
    rc = recog_read_frame(cfg, f->pixels, h->roi_w, h->roi_h, h->roi_w, c, n, out);
    free(c);
    if (rc == 0)
        for (int i = 0; i < out->nplates; i++) {
            struct recog_plate *p = &out->plates[i];
            p->x += h->roi_x;
            p->y += h->roi_y;
            for (int k = 0; k < p->nchars; k++) {
                p->chars[k].x0 += h->roi_x;
                p->chars[k].x1 += h->roi_x;
                p->chars[k].y0 += h->roi_y;
                p->chars[k].y1 += h->roi_y;
            }
        }
    return rc;
}

/* ---- Geometry-only segmentation (harvesting) ---------------------------------------------- */

int recog_segment_geometry(const uint8_t *gray, int width, int height, int stride,
                           struct recog_comp *boxes, size_t max, size_t *n, int *dark_ink)
{
    struct recog_config cfg;
    struct scratch sc = {0};
    struct region_ctx rc = {
        .gray = gray, .width = width, .height = height, .stride = stride, .sc = &sc};
    int chain[RECOG_MAX_CHARS], best_n = 0, best_dark = 1;
    struct recog_comp best_boxes[RECOG_MAX_CHARS];
    int code;
    if (!valid_image(gray, width, height, stride) || !boxes || !n || !dark_ink)
        return RECOG_ERR_INVALID;
    recog_config_default(&cfg);
    rc.cfg = &cfg;
    code = ctx_alloc(&rc, width, height);
    if (code != 0) {
        scratch_free(&sc);
        return code;
    }
    /* One setting at a time (t = 35, the middle one): the longest consistent chain wins. */
    for (int dark = 1; dark >= 0; dark--) {
        float score;
        int k;
        rc.npool = 0;
        {
            uint32_t *ii = integral(gray, width, height, stride);
            size_t nc = 0;
            int hmin = height / 5, hmax = height * 9 / 10;
            if (!ii) {
                scratch_free(&sc);
                return RECOG_ERR_NOMEM;
            }
            threshold_ii(gray, width, height, stride, ii, height / 3 > 8 ? height / 3 : 8, 35, dark,
                         rc.mask);
            free(ii);
            label_scratch(rc.mask, width, height, 1, rc.labels, rc.parent, rc.comps, MAX_COMPS,
                          &nc);
            for (size_t i = 0; i < nc; i++)
                if (rc.comps[i].y0 > 0 && rc.comps[i].y1 < height - 1 &&
                    plausible(&rc.comps[i], hmin, hmax))
                    pool_add(&rc, &rc.comps[i], 0, 0, dark);
        }
        for (size_t i = 0; i < rc.npool; i++)
            rc.pool[i].score = 1;
        qsort(rc.pool, rc.npool, sizeof rc.pool[0], cmp_item_x);
        k = best_chain(rc.pool, rc.npool, chain, &score);
        if (k > best_n) {
            best_n = k;
            best_dark = dark;
            for (int i = 0; i < k; i++) {
                best_boxes[i].x0 = rc.pool[chain[i]].x0;
                best_boxes[i].y0 = rc.pool[chain[i]].y0;
                best_boxes[i].x1 = rc.pool[chain[i]].x1;
                best_boxes[i].y1 = rc.pool[chain[i]].y1;
                best_boxes[i].ink = rc.pool[chain[i]].ink;
            }
        }
    }
    scratch_free(&sc);
    if ((size_t)best_n > max)
        best_n = (int)max;
    memcpy(boxes, best_boxes, sizeof best_boxes[0] * (size_t)best_n);
    *n = (size_t)best_n;
    *dark_ink = best_dark;
    return RECOG_OK;
}
