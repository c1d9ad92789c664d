/* recog/label: binarizing with the local-mean threshold and labelling components (label.h). */
#include "recog/label.h"

#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "recog/internal.h"

/* Fills ii with the integral image: (width+1) x (height+1) sums. */
void recog_label_integral_fill(const uint8_t *gray, int width, int height, int stride, uint32_t *ii)
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
uint32_t *recog_label_integral(const uint8_t *gray, int width, int height, int stride)
{
    uint32_t *ii = malloc(((size_t)width + 1) * ((size_t)height + 1) * sizeof *ii);
    if (ii)
        recog_label_integral_fill(gray, width, height, stride, ii);
    return ii;
}

void recog_label_threshold(const uint8_t *gray, int width, int height, int stride,
                           const uint32_t *ii, int win, int t, int dark_ink, uint8_t *mask)
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
    if (!recog_valid_image(gray, width, height, stride) || !mask || win < 1 || t < 0 || t > 255)
        return RECOG_ERR_INVALID;
    ii = recog_label_integral(gray, width, height, stride);
    if (!ii)
        return RECOG_ERR_NOMEM;
    recog_label_threshold(gray, width, height, stride, ii, win, t, dark_ink, mask);
    free(ii);
    return RECOG_OK;
}

int recog_label_uf_find(int *parent, int a)
{
    while (parent[a] != a) {
        parent[a] = parent[parent[a]];
        a = parent[a];
    }
    return a;
}

void recog_label_uf_union(int *parent, int a, int b)
{
    a = recog_label_uf_find(parent, a);
    b = recog_label_uf_find(parent, b);
    if (a < b)
        parent[b] = a;
    else if (b < a)
        parent[a] = b;
}

/* Most runs of ink a width x height mask can hold (every other pixel of each row). */
size_t recog_label_runs_cap(int width, int height)
{
    return (size_t)height * (size_t)((width + 1) / 2) + 2;
}

/*
 * One row of a mask as bits (bit x of bits[x / 64]: m[x] >= lev, lev 1..128); returns the
 * number of words. With SSE2 16 pixels at a time; else 8 at a time: each byte's high bit says
 * m >= lev (no borrow between bytes, as every byte of w | 0x80.. is at least 0x80), and a
 * multiply gathers the 8 bits into one byte.
 */
int recog_label_row_bits(const uint8_t *m, int width, int lev, uint64_t *bits)
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
 * Run-based 8-connected labelling with caller scratch: runs holds 3 * recog_label_runs_cap() ints,
 * parent 2 * recog_label_runs_cap() ints; ink where mask >= lev (1..128). Components in raster
 * order of their first pixel; at most max. Rows are scanned as bits (recog_label_row_bits(): a run
 * costs a few bit scans, not a test per pixel).
 */
void recog_label_scratch(const uint8_t *mask, int width, int height, int lev, int *runs,
                         int *parent, struct recog_comp *comps, size_t max, size_t *n)
{
    size_t cap = recog_label_runs_cap(width, height);
    int *slot = parent + cap;
    int nr = 0, prev_start = 0, prev_end = 0;
    size_t count = 0;
    uint64_t bits[LABEL_MAX_W / 64 + 1];
    for (int y = 0; y < height; y++) {
        int cur_start = nr, p = prev_start;
        int nw = recog_label_row_bits(mask + (size_t)y * width, width, lev, bits);
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
                recog_label_uf_union(parent, nr, q);
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
    cap = recog_label_runs_cap(width, height);
    runs = malloc(3 * cap * sizeof *runs);
    parent = malloc(2 * cap * sizeof *parent);
    if (!runs || !parent) {
        free(runs);
        free(parent);
        return RECOG_ERR_NOMEM;
    }
    recog_label_scratch(mask, width, height, 1, runs, parent, comps, max, n);
    free(runs);
    free(parent);
    return RECOG_OK;
}
