/* recog/frame: finding and reading plates in whole frames (frame.h). */
#include "recog/frame.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "recog/internal.h"
#include "recog/label.h"
#include "recog/region.h"
#include "recog/small.h"

/* ---- Frames: grouping candidates into text lines ----------------------------------------- */

struct group {
    int x0, y0, x1, y1;
    int n;
    int hmed;
};

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
/* Lines read when the first ones gave no plate (has_plate()), at most: see recog_read_frame(). */
#define MAX_RELAXED_GROUPS 4
#define RELAXED_SKIP_CHARS 5
#define RELAXED_SKIP_CONF  70.0f
/* Readings of a frame, at most: every line, relaxed line and both passes of every frame
   proposal (the last slot is the one being read). */
#define MAX_READINGS (MAX_GROUPS + MAX_RELAXED_GROUPS + 2 * MAX_FRAME_PROPOSALS + 1)
/* A relaxed line's width, in tenths of its character height: plate text of 3-8 characters. */
#define RELAXED_MIN_W 25
#define RELAXED_MAX_W 70
/* Shortest character a relaxed line takes (ordinary lines: 8 px). */
#define RELAXED_MIN_H 6

/* Overlap of two groups' boxes as a share of the smaller box (0..1). */
static float group_overlap(const struct group *a, const struct group *b)
{
    int ix = (a->x1 < b->x1 ? a->x1 : b->x1) - (a->x0 > b->x0 ? a->x0 : b->x0) + 1;
    int iy = (a->y1 < b->y1 ? a->y1 : b->y1) - (a->y0 > b->y0 ? a->y0 : b->y0) + 1;
    long aa = (long)(a->x1 - a->x0 + 1) * (a->y1 - a->y0 + 1);
    long ab = (long)(b->x1 - b->x0 + 1) * (b->y1 - b->y0 + 1);
    if (ix <= 0 || iy <= 0)
        return 0;
    return (float)ix * (float)iy / (float)(aa < ab ? aa : ab);
}

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

/* Whether a component has a character's shape: height minh..H/4, width/height 0.08..1.3, ink
   density 0.12..0.95. */
static int char_shaped(const struct recog_comp *c, int height, int minh)
{
    int w = c->x1 - c->x0 + 1, h = c->y1 - c->y0 + 1;
    float d = (float)c->ink / (float)(w * h);
    return !(h < minh || h > height / 4 || w * 10 > h * 13 || w * 12 < h || d < 0.12f || d > 0.95f);
}

static int cmp_comp_x_in(const void *a, const void *b)
{
    const struct recog_comp *const *p = a, *const *q = b;
    return (*p)->x0 < (*q)->x0 ? -1 : (*p)->x0 > (*q)->x0;
}

/* Most pieces joined per frame, and the tallest piece considered. */
#define MAX_JOINED 4096
#define JOIN_MAX_H 16

/*
 * Small characters (7-16 px) come out of a threshold broken across: an L's stem and foot, a 3's
 * two bowls, one above the other with a gap of a pixel or two. Each pair of pieces one above
 * the other (their columns overlapping by half the narrower one or more, at most 2 rows apart)
 * is offered joined as one more candidate (the pieces stay candidates too); the joined box still
 * has to pass the character shape test. Writes at most max to out and their number to *nout.
 * Returns 0 or RECOG_ERR_NOMEM.
 */
static int join_broken(const struct recog_comp *in, size_t n, int height, struct recog_comp *out,
                       size_t max, size_t *nout)
{
    const struct recog_comp **pc;
    size_t m = 0, k = 0;
    pc = malloc(sizeof *pc * (n ? n : 1));
    if (!pc)
        return RECOG_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        int w = in[i].x1 - in[i].x0 + 1, h = in[i].y1 - in[i].y0 + 1;
        if (h >= 2 && h <= JOIN_MAX_H && w <= JOIN_MAX_H)
            pc[m++] = &in[i];
    }
    qsort(pc, m, sizeof pc[0], cmp_comp_x_in);
    for (size_t i = 0; i < m && k < max; i++) {
        const struct recog_comp *a = pc[i];
        for (size_t j = i + 1; j < m && pc[j]->x0 <= a->x1 && k < max; j++) {
            const struct recog_comp *b = pc[j];
            const struct recog_comp *hi = a->y0 <= b->y0 ? a : b, *lo = hi == a ? b : a;
            int ox = (a->x1 < b->x1 ? a->x1 : b->x1) - b->x0 + 1;
            int wa = a->x1 - a->x0 + 1, wb = b->x1 - b->x0 + 1, gap = lo->y0 - hi->y1 - 1;
            int h = lo->y1 - hi->y0 + 1;
            if (ox * 2 < (wa < wb ? wa : wb) || gap < 0 || gap > 2 || h < 8 || h > height / 4)
                continue;
            out[k].x0 = a->x0 < b->x0 ? a->x0 : b->x0;
            out[k].x1 = a->x1 > b->x1 ? a->x1 : b->x1;
            out[k].y0 = hi->y0;
            out[k].y1 = lo->y1;
            out[k].ink = a->ink + b->ink;
            k++;
        }
    }
    free(pc);
    *nout = k;
    return 0;
}

/* A candidate character of find_groups(): a component, or two pieces joined (join_broken()). */
struct cand {
    struct recog_comp b;
    int relaxed; /* a joined pair, under 8 px, or linked across a missing character's gap */
};

static int cmp_cand_x(const void *a, const void *b)
{
    const struct cand *p = a, *q = b;
    return p->b.x0 < q->b.x0 ? -1 : p->b.x0 > q->b.x0;
}

/*
 * Groups frame components into candidate text lines: similar height, aligned, gaps under
 * 1.2 heights. Writes at most max groups (most plate-like first) and returns their number.
 * With join (the relaxed lines of a frame that gave no plate): pieces of broken characters are
 * offered joined too (join_broken()), characters from RELAXED_MIN_H px, links across a
 * missing character's gap (up to 2.5 heights, same height and baseline within 1/8), and only
 * lines 2.5-7 heights wide that use one of these are written (the others are those of a call
 * without join).
 */
static int find_groups(const struct recog_comp *in, size_t n, int height, int join,
                       struct group *groups, int max, int *err)
{
    size_t cap = n + (!join ? 0 : n < MAX_JOINED ? n : MAX_JOINED);
    struct cand *c = malloc(sizeof *c * (cap ? cap : 1));
    int *parent = malloc(sizeof(int) * (cap ? cap : 1));
    int *count = NULL, *start = NULL, *member = NULL, *hs = NULL;
    size_t m = 0;
    int ng = 0, nall = 0;
    struct group *all = NULL;
    *err = 0;
    if (!c || !parent) {
        *err = RECOG_ERR_NOMEM;
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        if (char_shaped(&in[i], height, join ? RELAXED_MIN_H : 8)) {
            c[m].b = in[i];
            c[m++].relaxed = in[i].y1 - in[i].y0 + 1 < 8; /* a relaxed pass's smaller characters */
        }
    if (join) {
        struct recog_comp *jb = malloc(sizeof *jb * (cap - m ? cap - m : 1));
        size_t got = 0;
        if (!jb || join_broken(in, n, height, jb, cap - m, &got) != 0) {
            free(jb);
            *err = RECOG_ERR_NOMEM;
            goto done;
        }
        for (size_t i = 0; i < got; i++)
            if (char_shaped(&jb[i], height, 8)) {
                c[m].b = jb[i];
                c[m++].relaxed = 1;
            }
        free(jb);
    }
    qsort(c, m, sizeof c[0], cmp_cand_x);
    for (size_t i = 0; i < m; i++)
        parent[i] = (int)i;
    for (size_t i = 0; i < m; i++) {
        const struct recog_comp *a = &c[i].b;
        int hi = a->y1 - a->y0 + 1;
        for (size_t j = i + 1; j < m; j++) {
            const struct recog_comp *b = &c[j].b;
            int hj = b->y1 - b->y0 + 1, hmax = hi > hj ? hi : hj, hmin = hi < hj ? hi : hj;
            int gap = b->x0 - a->x1 - 1;
            if (b->x0 > a->x1 + (join ? 3 : 2) * hi)
                break;
            if (hmax * 3 > hmin * 4 || gap < -(hmin / 4))
                continue;
            if (abs(a->y0 - b->y0) * 4 > hmax || abs(a->y1 - b->y1) * 4 > hmax)
                continue;
            if (gap > hmax * 6 / 5) {
                /* A missing character's gap: only with join, between characters of one height
                   on one baseline. */
                if (!join || gap > hmax * 5 / 2 || hmax * 8 > hmin * 9 ||
                    abs(a->y0 - b->y0) * 8 > hmax || abs(a->y1 - b->y1) * 8 > hmax)
                    continue;
                c[i].relaxed = c[j].relaxed = 1;
            }
            recog_label_uf_union(parent, (int)i, (int)j);
        }
    }
    /* Members of each set in x order (a counting sort by root): one pass per line, not one
       pass over all candidates per root. */
    count = calloc(m + 1, sizeof *count);
    start = malloc(sizeof *start * (m + 1));
    member = malloc(sizeof *member * (m ? m : 1));
    hs = malloc(sizeof *hs * (m ? m : 1));
    all = malloc(sizeof *all * (m ? m : 1));
    if (!count || !start || !member || !hs || !all) {
        *err = RECOG_ERR_NOMEM;
        goto done;
    }
    for (size_t i = 0; i < m; i++) {
        parent[i] = recog_label_uf_find(parent, (int)i);
        count[parent[i]]++;
    }
    start[0] = 0;
    for (size_t i = 0; i < m; i++)
        start[i + 1] = start[i] + count[i];
    for (size_t i = 0; i < m; i++) /* count[r] becomes r's fill position */
        count[i] = start[i];
    for (size_t i = 0; i < m; i++)
        member[count[parent[i]]++] = (int)i;
    for (size_t r = 0; r < m; r++) {
        struct group *g = &all[nall];
        int last_x1 = -1, nh = 0, nj = 0;
        if (start[r + 1] - start[r] < 3)
            continue;
        g->x0 = g->y0 = INT_MAX;
        g->x1 = g->y1 = -1;
        g->n = 0;
        for (int t = start[r]; t < start[r + 1]; t++) {
            const struct recog_comp *b = &c[member[t]].b;
            if (b->x0 > last_x1) { /* count distinct places, not settings */
                g->n++;
                last_x1 = b->x1;
            }
            nj += c[member[t]].relaxed;
            hs[nh++] = b->y1 - b->y0 + 1;
            g->x0 = b->x0 < g->x0 ? b->x0 : g->x0;
            g->y0 = b->y0 < g->y0 ? b->y0 : g->y0;
            g->x1 = b->x1 > g->x1 ? b->x1 : g->x1;
            g->y1 = b->y1 > g->y1 ? b->y1 : g->y1;
        }
        qsort(hs, (size_t)nh, sizeof hs[0], recog_cmp_int);
        g->hmed = hs[nh / 2];
        if (g->n >= 3 && (!join || (nj > 0 && g->x1 - g->x0 + 1 >= g->hmed * RELAXED_MIN_W / 10 &&
                                    g->x1 - g->x0 + 1 <= g->hmed * RELAXED_MAX_W / 10)))
            nall++;
    }
    qsort(all, (size_t)nall, sizeof all[0], cmp_group);
    ng = nall < max ? nall : max;
    memcpy(groups, all, sizeof all[0] * (size_t)ng);
done:
    free(all);
    free(hs);
    free(member);
    free(start);
    free(count);
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
        return recog_region_read(cfg, gray, width, height, stride, rx, ry, rw, rh, h * 11 / 20,
                                 h * 8 / 5 + 1, win, plate_region, p, NULL, sc);
    }
    if (!recog_region_clip(width, height, &rx, &ry, &rw, &rh))
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
    big = recog_scratch_get(&sc->big, (size_t)sw * sh);
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
    r = recog_region_read(cfg, big, sw, sh, sw, 0, 0, sw, sh, h * 11 / 20, h * 8 / 5 + 1, h,
                          plate_region, p, NULL, sc);
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
    qsort(h, (size_t)p->nchars, sizeof h[0], recog_cmp_int);
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

/* Whether text fits one of region r's formats (auto: any region's). */
static int region_fits(enum plate_region r, const char *text)
{
    static const enum plate_region all[] = {PLATE_REGION_US, PLATE_REGION_EU, PLATE_REGION_BR,
                                            PLATE_REGION_AR};
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++) {
        size_t n;
        const struct plate_format *f;
        if (r != PLATE_REGION_AUTO && r != all[k])
            continue;
        f = plate_region_formats(all[k], &n);
        for (size_t i = 0; i < n; i++)
            if (plate_region_fits(&f[i], text))
                return 1;
    }
    return 0;
}

/*
 * Given a region (cfg->region), how likely a reading is the plate rather than other text: a
 * reading longer than any plate of the region (a sign, a frame edge joined) counts
 * REGION_TOO_LONG, one that fits none of its formats REGION_OFF_FORMAT (a sticker, a dealer
 * frame, or the plate read with a character short: the plate's own reading was already moved
 * onto a format when it was unsure). Without a region, 1.
 */
#define REGION_OFF_FORMAT 0.85f
#define REGION_TOO_LONG   0.2f
static float region_factor(const struct recog_config *cfg, const struct recog_plate *p)
{
    char text[RECOG_MAX_CHARS + 1];
    if (cfg->region == PLATE_REGION_NONE)
        return 1;
    if (p->nchars > plate_region_max_len(cfg->region))
        return REGION_TOO_LONG;
    for (int k = 0; k < p->nchars; k++) /* the characters, not text's '?' marks */
        text[k] = p->chars[k].c;
    text[p->nchars] = 0;
    return region_fits(cfg->region, text) ? 1 : REGION_OFF_FORMAT;
}

/*
 * The margin left and right of a text line read: 2 character heights, and 0.3 more for each
 * place the line has under 7 - a short line is often a plate whose end characters joined the
 * frame or a bolt (3 places: 3.2 heights).
 */
#define LINE_FULL_PLACES 7
static int line_margin(const struct group *gr)
{
    int missing = gr->n < LINE_FULL_PLACES ? LINE_FULL_PLACES - gr->n : 0;
    return 2 * gr->hmed + missing * gr->hmed * 3 / 10;
}

/*
 * Reads groups[0..ng) (text lines once; plate frames twice: as they are, and inside the band
 * of strokes guessed from the frame's inside, for characters joined to the frame) into
 * plates[*np..], merging readings of the same plate. Returns 0 or a negative RECOG_ERR_*.
 */
static int read_groups(const struct recog_config *cfg, const uint8_t *gray, int width, int height,
                       int stride, const struct group *groups, int ng, struct recog_plate *plates,
                       unsigned char *source, int *np, struct scratch *sc)
{
    for (int i = 0; i < ng; i++)
        for (int pass = 0; pass < (groups[i].n > 0 ? 1 : 2); pass++) {
            const struct group *gr = &groups[i];
            struct recog_plate *p = &plates[*np];
            int h = gr->hmed, r;
            if (gr->n > 0) { /* a text line: room for missed characters at both ends */
                int mx = line_margin(gr);
                r = read_group(cfg, gray, width, height, stride, gr->x0 - mx, gr->y0 - h * 3 / 5,
                               gr->x1 - gr->x0 + 1 + 2 * mx, gr->y1 - gr->y0 + 1 + h * 6 / 5, h, 0,
                               p, sc);
            } else /* a plate frame: its inside */
                r = read_group(cfg, gray, width, height, stride, gr->x0, gr->y0,
                               gr->x1 - gr->x0 + 1, gr->y1 - gr->y0 + 1, h, pass, p, sc);
            if (r < 0)
                return r;
            if (r > 0 && p->nchars >= cfg->min_chars) {
                /* The same plate read from another line or proposal: keep the better reading
                   (region_factor(): the one that fits a format of the region) in the place of
                   the one it overlaps most. */
                int dup = -1, kind = gr->n > 0 ? SOURCE_LINE : SOURCE_FRAME;
                float most = 1.0f / 3;
                p->score *= plate_likeness(p) * region_factor(cfg, p);
                if (gr->n == 0)
                    p->score *= 0.8f; /* frame proposals: second to text lines */
                for (int k = 0; k < *np; k++) {
                    float o = plate_overlap(&plates[k], p);
                    if (o > most) {
                        most = o;
                        dup = k;
                    }
                }
                if (dup < 0) {
                    source[(*np)++] = (unsigned char)kind;
                } else {
                    if (p->score > plates[dup].score)
                        plates[dup] = *p;
                    if (strcmp(p->text, plates[dup].text) == 0)
                        source[dup] |= (unsigned char)kind;
                }
            }
        }
    return 0;
}

/* Whether one of plates[0..np) reads like a found plate: RELAXED_SKIP_CHARS characters or more
   at a mean confidence of RELAXED_SKIP_CONF% or more. */
static int has_plate(const struct recog_plate *plates, int np)
{
    for (int i = 0; i < np; i++)
        if (plates[i].nchars >= RELAXED_SKIP_CHARS && plates[i].confidence >= RELAXED_SKIP_CONF)
            return 1;
    return 0;
}

int recog_read_frame(const struct recog_config *cfg, const uint8_t *gray, int width, int height,
                     int stride, const struct recog_comp *comps, size_t ncomps,
                     struct recog_result *out)
{
    struct recog_comp *own = NULL;
    struct group groups[MAX_GROUPS + MAX_FRAME_PROPOSALS], relaxed[MAX_GROUPS];
    struct recog_plate *plates = NULL;
    unsigned char source[MAX_READINGS];
    struct scratch sc = {0};
    int ng, nf = 0, np = 0, rc = 0, maxp;
    if (!cfg || !cfg->model || !out || !recog_valid_image(gray, width, height, stride))
        return RECOG_ERR_INVALID;
    if (!comps) {
        rc = host_components(gray, width, height, stride, &own, &ncomps);
        if (rc != 0)
            return rc;
        comps = own;
    } else {
        /* A 640x480 camera's small plates: the host's labelling at a smaller window too. */
        rc = recog_small_frame_comps(gray, width, height, stride, comps, ncomps, &own, &ncomps);
        if (rc != 0)
            return rc;
        if (own)
            comps = own;
    }
    ng = find_groups(comps, ncomps, height, 0, groups, MAX_GROUPS, &rc);
    if (rc == 0)
        nf = find_frames(comps, ncomps, width, height, groups + ng, MAX_FRAME_PROPOSALS);
    plates = malloc(sizeof *plates * MAX_READINGS);
    if (rc != 0 || !plates) {
        rc = rc ? rc : RECOG_ERR_NOMEM;
        goto done;
    }
    memset(source, 0, sizeof source);
    rc = read_groups(cfg, gray, width, height, stride, groups, ng + nf, plates, source, &np, &sc);
    if (rc == 0 && !has_plate(plates, np)) {
        /* No plate yet: the lines that only broken characters joined or a missing character's
           gap linked make, where no line or plate frame above lies. */
        int nr = find_groups(comps, ncomps, height, 1, relaxed, MAX_GROUPS, &rc), added = 0;
        for (int i = 0; i < nr && added < MAX_RELAXED_GROUPS; i++) {
            int k = 0;
            while (k < ng + nf && group_overlap(&groups[k], &relaxed[i]) * 3 <= 1)
                k++;
            if (k == ng + nf)
                relaxed[added++] = relaxed[i];
        }
        /* Lines of half characters (characters broken across, each half a line of its own,
           read with too small a height): those of characters up to 16 px where no reading lies,
           read again as characters twice as tall, in the same budget. */
        for (int i = 0; i < ng && added < MAX_RELAXED_GROUPS; i++) {
            struct group g2 = groups[i];
            struct recog_plate box;
            int k = 0;
            if (g2.n == 0 || g2.hmed > 16)
                continue;
            box.x = g2.x0;
            box.y = g2.y0;
            box.w = g2.x1 - g2.x0 + 1;
            box.h = g2.y1 - g2.y0 + 1;
            while (k < np && plate_overlap(&plates[k], &box) * 3 <= 1)
                k++;
            if (k < np)
                continue;
            g2.y0 -= g2.hmed / 2;
            g2.y1 += g2.hmed / 2;
            g2.hmed *= 2;
            relaxed[added++] = g2;
        }
        if (rc == 0)
            rc = read_groups(cfg, gray, width, height, stride, relaxed, added, plates, source, &np,
                             &sc);
    }
    if (rc != 0)
        goto done;
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
    recog_scratch_free(&sc);
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
