/* recog/chain: the chain search over a region's pool, its repairs and the plate (chain.h). */
#include "recog/chain.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recog/pool.h"

/*
 * Best chain over the sorted pool with per-item scores: writes the item indices (left to
 * right) to chain (at most RECOG_MAX_CHARS) and returns their number; *score the chain score.
 */
int recog_chain_best(const struct item *pool, size_t n, int *chain, float *score)
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
            if (!recog_pool_compatible(&pool[j], &pool[i]))
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
void recog_chain_split_touching(struct region_ctx *rc, const int *chain, int n)
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
    qsort(d, (size_t)(n - 1), sizeof d[0], recog_cmp_int);
    qsort(widths, (size_t)n, sizeof widths[0], recog_cmp_int);
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
            recog_pool_add(rc, &piece, 0, 0, c.dark);
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

int recog_chain_rescue_gaps(const struct item *pool, size_t npool, int *chain, int n)
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
        qsort(d, (size_t)(n - 1), sizeof d[0], recog_cmp_int);
        qsort(tops, (size_t)n, sizeof tops[0], recog_cmp_int);
        qsort(bots, (size_t)n, sizeof bots[0], recog_cmp_int);
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
void recog_chain_line_fit(const struct item *pool, const int *chain, int n, int skip, float x,
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
void recog_chain_refit_ends(struct region_ctx *rc, int *chain, int n)
{
    if (n < 4)
        return;
    for (int end = 0; end < 2; end++) {
        int idx = end == 0 ? 0 : n - 1;
        struct item it = rc->pool[chain[idx]];
        float ey0, ey1, lh, dy0, dy1;
        struct recog_comp c;
        size_t at = rc->npool;
        recog_chain_line_fit(rc->pool, chain, n, idx, (it.x0 + it.x1) / 2.0f, &ey0, &ey1);
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
        recog_pool_add(rc, &c, 0, 0, it.dark);
        if (rc->npool == at)
            continue;
        recog_pool_classify(rc, at);
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
int recog_chain_trim(const struct item *pool, int *chain, int n)
{
    for (int round = 0; round < 2 && n >= 4; round++) {
        int pitch[RECOG_MAX_CHARS], sorted[RECOG_MAX_CHARS], p, top, bot, hmed;
        for (int i = 0; i + 1 < n; i++) {
            const struct item *a = &pool[chain[i]], *b = &pool[chain[i + 1]];
            pitch[i] = (b->x0 + b->x1) - (a->x0 + a->x1); /* twice the centre distance */
            sorted[i] = pitch[i];
        }
        qsort(sorted, (size_t)(n - 1), sizeof sorted[0], recog_cmp_int);
        p = sorted[(n - 1) / 2];
        {
            int tops[RECOG_MAX_CHARS], bots[RECOG_MAX_CHARS];
            for (int i = 0; i < n; i++) {
                tops[i] = pool[chain[i]].y0;
                bots[i] = pool[chain[i]].y1;
            }
            qsort(tops, (size_t)n, sizeof tops[0], recog_cmp_int);
            qsort(bots, (size_t)n, sizeof bots[0], recog_cmp_int);
            top = tops[n / 2];
            bot = bots[n / 2];
            for (int i = 0; i < n; i++)
                tops[i] = pool[chain[i]].y1 - pool[chain[i]].y0 + 1;
            qsort(tops, (size_t)n, sizeof tops[0], recog_cmp_int);
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
            recog_chain_line_fit(pool, chain, n, idx, (it->x0 + it->x1) / 2.0f, &ey0, &ey1);
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

/*
 * Region prior (cfg->region, plate_region.h): the reading plate_region_choose() scores best
 * replaces the classifier's (a doubtful end character may go), and the alternatives are ranked
 * by log probability + log format weight. Returns 1 when the reading fits a format.
 */
static int apply_region(const struct recog_config *cfg, const struct item *pool, const int *chain,
                        struct recog_plate *p)
{
    float prob[RECOG_MAX_CHARS][OCR_NCLASS];
    struct plate_region_choice ch;
    float sum = 0;
    for (int i = 0; i < p->nchars; i++)
        memcpy(prob[i], pool[chain[i]].prob, sizeof prob[i]);
    if (plate_region_choose(cfg->region, (const float(*)[OCR_NCLASS])prob, p->nchars, &ch) != 0)
        return 0;
    if (ch.n != p->nchars) {
        memmove(p->chars, p->chars + ch.first, sizeof p->chars[0] * (size_t)ch.n);
        p->nchars = ch.n;
        int x1 = p->chars[0].x1, y1 = p->chars[0].y1;
        p->x = p->chars[0].x0;
        p->y = p->chars[0].y0;
        for (int i = 1; i < ch.n; i++) {
            const struct recog_char *c = &p->chars[i];
            p->x = c->x0 < p->x ? c->x0 : p->x;
            p->y = c->y0 < p->y ? c->y0 : p->y;
            x1 = c->x1 > x1 ? c->x1 : x1;
            y1 = c->y1 > y1 ? c->y1 : y1;
        }
        p->w = x1 - p->x + 1;
        p->h = y1 - p->y + 1;
        make_cands(pool, chain + ch.first, ch.n, cfg->ncands > 0 ? cfg->ncands : 1, p);
    }
    for (int i = 0; i < ch.n; i++) {
        struct recog_char *c = &p->chars[i];
        if (ch.text[i] != c->c) {
            c->alt = c->c;
            c->alt_conf = c->conf;
            c->c = ch.text[i];
            c->conf = prob[ch.first + i][ch.cls[i]];
        }
        p->text[i] = cfg->mark_uncertain && c->conf < cfg->uncertain ? '?' : c->c;
        sum += c->conf;
    }
    p->text[ch.n] = 0;
    p->confidence = 100.0f * sum / (float)ch.n;
    for (int k = 0; k < p->ncands; k++) /* insertion sort by the region's score */
        for (int j = k; j > 0; j--) {
            struct recog_cand *a = &p->cands[j - 1], *b = &p->cands[j], t;
            if (logf(a->confidence + 1e-9f) + plate_region_log_weight(cfg->region, a->text) >=
                logf(b->confidence + 1e-9f) + plate_region_log_weight(cfg->region, b->text))
                break;
            t = *a;
            *a = *b;
            *b = t;
        }
    {
        double lp = 0;
        for (int i = 0; i < ch.n; i++)
            lp += log(p->chars[i].conf + 1e-9);
        cands_put_first(p, ch.text, (float)(100.0 * exp(lp)));
    }
    return ch.format != NULL;
}

void recog_chain_make_plate(const struct recog_config *cfg, const struct item *pool,
                            const int *chain, int n, float score, struct recog_plate *p)
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
    else if (cfg->region == PLATE_REGION_NONE || !apply_region(cfg, pool, chain, p))
        apply_context(pool, chain, p);
    if (p->ncands > cfg->ncands)
        p->ncands = cfg->ncands;
}
