/* recog/region: reading one region - pool, chain, repairs, plate - and crops (region.h). */
#include "recog/region.h"

#include <stdlib.h>

#include "recog/chain.h"
#include "recog/pool.h"
#include "recog/small.h"

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
int recog_region_clip(int width, int height, int *rx, int *ry, int *rw, int *rh)
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
 * region is a plate frame's inside and only its guessed text band is labelled
 * (recog_pool_guess_band()), where bars through the band near the region's sides are the frame's;
 * with 2, the same for a plate crop (the band found among other text, both polarities labelled).
 */
int recog_region_read(const struct recog_config *cfg, const uint8_t *gray, int width, int height,
                      int stride, int rx, int ry, int rw, int rh, int hmin, int hmax, int win,
                      int plate_region, struct recog_plate *p, struct pool_export *exp,
                      struct scratch *sc)
{
    struct region_ctx rc = {
        .cfg = cfg, .gray = gray, .width = width, .height = height, .stride = stride, .sc = sc};
    int chain[RECOG_MAX_CHARS], n, rcode;
    float score;
    if (!recog_region_clip(width, height, &rx, &ry, &rw, &rh))
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
    rcode = recog_pool_alloc(&rc, rw, rh);
    if (rcode == 0 && plate_region) {
        /* Characters joined to the plate frame: label inside the band of many strokes only. */
        struct band band;
        int pol;
        if (recog_pool_guess_band(&rc, rx, ry, rw, rh, win, plate_region == 2, &band, &pol))
            rcode = recog_pool_fill(&rc, rx, ry, rw, rh, win, hmin, hmax,
                                    plate_region == 2 ? 3 : pol, &band);
    } else if (rcode == 0) {
        rcode = recog_pool_fill(&rc, rx, ry, rw, rh, win, hmin, hmax, 3, NULL);
    }
    if (rcode != 0)
        return rcode;
    recog_pool_classify(&rc, 0);
    qsort(rc.pool, rc.npool, sizeof rc.pool[0], recog_pool_cmp_x);
    n = recog_chain_best(rc.pool, rc.npool, chain, &score);
    if (!plate_region && weak_chain(rc.pool, chain, n)) {
        /* A second hypothesis of the segmentation: half the window, into the same pool. */
        size_t before = rc.npool;
        rcode =
            recog_pool_fill(&rc, rx, ry, rw, rh, win / 2 > 4 ? win / 2 : 4, hmin, hmax, 3, NULL);
        if (rcode != 0)
            return rcode;
        if (rc.npool > before) {
            recog_pool_classify(&rc, before);
            qsort(rc.pool, rc.npool, sizeof rc.pool[0], recog_pool_cmp_x);
            n = recog_chain_best(rc.pool, rc.npool, chain, &score);
        }
    }
    if (n >= 2) {
        /* Second pass: re-label inside the text band of the chain found. */
        struct band band;
        size_t before = rc.npool;
        float t0, t1, u0, u1;
        int x0 = rc.pool[chain[0]].x0, x1 = rc.pool[chain[n - 1]].x1;
        recog_chain_line_fit(rc.pool, chain, n, -1, (float)x0, &t0, &u0);
        recog_chain_line_fit(rc.pool, chain, n, -1, (float)x1, &t1, &u1);
        band.b0 = x1 > x0 ? (t1 - t0) / (float)(x1 - x0) : 0;
        band.b1 = x1 > x0 ? (u1 - u0) / (float)(x1 - x0) : 0;
        band.a0 = t0 - band.b0 * (float)x0;
        band.a1 = u0 - band.b1 * (float)x0;
        band.m = (int)((u0 - t0) / 16) + 1;
        band.sides = plate_region != 0;
        rcode = recog_pool_fill(&rc, rx, ry, rw, rh, win, hmin, hmax,
                                rc.pool[chain[0]].dark ? 1 : 2, &band);
        if (rcode != 0)
            return rcode;
        if (rc.npool > before) {
            recog_pool_classify(&rc, before);
            qsort(rc.pool, rc.npool, sizeof rc.pool[0], recog_pool_cmp_x);
            n = recog_chain_best(rc.pool, rc.npool, chain, &score);
        }
    }
    /* Touching characters, twice: a character split off the frame at an end of the chain
       brings the next one joined beyond it within a pitch of the new end (Nebraska's outline
       through the first two characters). */
    for (int round = 0; round < 2 && n >= 2; round++) {
        size_t before = rc.npool;
        recog_chain_split_touching(&rc, chain, n);
        if (rc.npool == before)
            break;
        recog_pool_classify(&rc, before);
        qsort(rc.pool, rc.npool, sizeof rc.pool[0], recog_pool_cmp_x);
        n = recog_chain_best(rc.pool, rc.npool, chain, &score);
    }
    n = recog_chain_rescue_gaps(rc.pool, rc.npool, chain, n);
    if (!plate_region)
        recog_chain_refit_ends(&rc, chain, n);
    n = recog_chain_trim(rc.pool, chain, n);
    if (n > 0)
        recog_chain_make_plate(cfg, rc.pool, chain, n, score, p);
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

/* recog_read_crop() at the crop's own resolution. */
static int read_crop_at(const struct recog_config *cfg, const uint8_t *gray, int width, int height,
                        int stride, struct recog_result *out)
{
    struct recog_plate *p;
    struct scratch sc = {0};
    int rc, win;
    p = malloc(sizeof *p);
    if (!p)
        return RECOG_ERR_NOMEM;
    win = height / 3 > 8 ? height / 3 : 8;
    rc = recog_region_read(cfg, gray, width, height, stride, 0, 0, width, height, height / 5,
                           height * 9 / 10, win, 0, p, NULL, &sc);
    if (rc == 0 || (rc > 0 && p->nchars < 4)) {
        /* Almost nothing read: characters joined to the plate frame (a tight crop's border).
           Read again inside the guessed text band, as for a plate frame in a frame. */
        struct recog_plate *q = malloc(sizeof *q);
        int r2;
        if (!q) {
            recog_scratch_free(&sc);
            free(p);
            return RECOG_ERR_NOMEM;
        }
        r2 = recog_region_read(cfg, gray, width, height, stride, 0, 0, width, height, height / 5,
                               height * 9 / 10, win, 2, q, NULL, &sc);
        if (r2 < 0)
            rc = r2;
        else if (r2 > 0 && (rc == 0 || q->nchars > p->nchars)) {
            *p = *q;
            rc = r2;
        }
        free(q);
    }
    recog_scratch_free(&sc);
    if (rc >= 0) {
        out->nplates = rc > 0;
        if (rc > 0)
            out->plates[0] = *p;
        rc = RECOG_OK;
    }
    free(p);
    return rc;
}

/*
 * A small crop (a far car, a 640x480 camera: characters of 12-20 px, strokes of 1-2 px) is
 * read from its enlargement (recog_small_crop_scale()); boxes come back in the crop's
 * coordinates.
 */
int recog_read_crop(const struct recog_config *cfg, const uint8_t *gray, int width, int height,
                    int stride, struct recog_result *out)
{
    uint8_t *big;
    int s, rc;
    if (!cfg || !cfg->model || !out || !recog_valid_image(gray, width, height, stride))
        return RECOG_ERR_INVALID;
    s = recog_small_crop_scale(width, height);
    if (s == 1)
        return read_crop_at(cfg, gray, width, height, stride, out);
    big = malloc((size_t)width * s * (size_t)height * s);
    if (!big)
        return RECOG_ERR_NOMEM;
    recog_small_upscale(gray, width, height, stride, s, big);
    rc = read_crop_at(cfg, big, width * s, height * s, width * s, out);
    free(big);
    if (rc == 0)
        for (int i = 0; i < out->nplates; i++) {
            struct recog_plate *p = &out->plates[i];
            int x1 = (p->x + p->w - 1) / s, y1 = (p->y + p->h - 1) / s;
            p->x /= s;
            p->y /= s;
            p->w = x1 - p->x + 1;
            p->h = y1 - p->y + 1;
            for (int k = 0; k < p->nchars; k++) {
                p->chars[k].x0 /= s;
                p->chars[k].y0 /= s;
                p->chars[k].x1 /= s;
                p->chars[k].y1 /= s;
            }
        }
    return rc;
}
