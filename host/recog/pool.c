/* recog/pool: the candidate pool of a region - ink levels, labelling, classification (pool.h). */
#include "recog/pool.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "recog/label.h"

/* Offsets t/256 tried when re-binarizing a plate region, per polarity; in increasing order
   (region_levels() counts them as nested levels). */
static const int REGION_T[] = {10, 35, 70};
#define REGION_NT ((int)(sizeof REGION_T / sizeof REGION_T[0]))
/* Tallest region whose text band recog_pool_guess_band() looks for. */
#define GUESS_MAXH 1024
/* Chain score of a character: confidence minus this bias (junk with low confidence loses). */
#define CHAR_BIAS 0.35f

/* Is a component a plausible character of height in [hmin, hmax]? */
int recog_pool_plausible(const struct recog_comp *c, int hmin, int hmax)
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

void recog_pool_add(struct region_ctx *rc, const struct recog_comp *c, int ox, int oy, int dark)
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
        recog_label_integral_fill(g, rw, rh, rc->stride, rc->ii);
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
int recog_pool_fill(struct region_ctx *rc, int rx, int ry, int rw, int rh, int win, int hmin,
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
                recog_label_scratch(rc->mask, rw, bh, ti + 1, rc->labels, rc->parent, rc->comps,
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
                    if (recog_pool_plausible(&c, local * 3 / 4, local))
                        recog_pool_add(rc, &c, rx, ry, dark);
                }
                continue;
            }
            recog_label_scratch(map, rw, rh, ti + 1, rc->labels, rc->parent, rc->comps, MAX_COMPS,
                                &n);
            for (size_t i = 0; i < n; i++) {
                const struct recog_comp *c = &rc->comps[i];
                /* Components touching the top or bottom of the region are frame or border. */
                if (c->y0 == 0 || c->y1 == rh - 1)
                    continue;
                if (recog_pool_plausible(c, hmin, hmax))
                    recog_pool_add(rc, c, rx, ry, dark);
            }
        }
    }
    free(lo);
    return RECOG_OK;
}

/* Has the item a possible neighbour in a text line (so that it can be part of a chain)? */
static int has_neighbour(const struct region_ctx *rc, size_t i)
{
    const struct item *it = &rc->pool[i];
    for (size_t j = 0; j < rc->npool; j++) {
        const struct item *o = &rc->pool[j];
        if (j == i || o->dark != it->dark)
            continue;
        if (o->x0 <= it->x0 ? recog_pool_compatible(o, it) : recog_pool_compatible(it, o))
            return 1;
    }
    return 0;
}

void recog_pool_classify(struct region_ctx *rc, size_t from)
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

int recog_pool_cmp_x(const void *a, const void *b)
{
    const struct item *p = a, *q = b;
    if (p->x0 != q->x0)
        return p->x0 < q->x0 ? -1 : 1;
    if (p->x1 != q->x1)
        return p->x1 < q->x1 ? -1 : 1;
    return 0;
}

/* Can b follow a in a text line? */
int recog_pool_compatible(const struct item *a, const struct item *b)
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

int recog_pool_alloc(struct region_ctx *rc, int rw, int rh)
{
    size_t npix = (size_t)rw * rh;
    struct scratch *sc = rc->sc;
    rc->mask = recog_scratch_get(&sc->mask, npix);
    rc->labels = recog_scratch_get(&sc->labels, 3 * recog_label_runs_cap(rw, rh) * sizeof(int));
    rc->parent = recog_scratch_get(&sc->parent, 2 * recog_label_runs_cap(rw, rh) * sizeof(int));
    rc->comps = recog_scratch_get(&sc->comps, MAX_COMPS * sizeof(struct recog_comp));
    rc->pool = recog_scratch_get(&sc->pool, MAX_POOL * sizeof(struct item));
    rc->ii = recog_scratch_get(&sc->ii, ((size_t)rw + 1) * ((size_t)rh + 1) * sizeof(uint32_t));
    rc->lev = recog_scratch_get(&sc->lev, 4 * npix);
    rc->rowbuf = recog_scratch_get(&sc->rowbuf, 2 * (size_t)rw * sizeof(uint32_t));
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
int recog_pool_guess_band(struct region_ctx *rc, int rx, int ry, int rw, int rh, int win,
                          int robust, struct band *out, int *polarity)
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
            int nw = recog_label_row_bits(map + (size_t)y * rw, rw, lv, bits), c = 0;
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
            qsort(sorted, (size_t)rh, sizeof sorted[0], recog_cmp_int);
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
