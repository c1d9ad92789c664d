#include "track.h"

#include <stdlib.h>
#include <string.h>

struct text_vote {
    char text[RECOG_MAX_CHARS + 1];
    float votes;
    int frames;
    float best_conf;
    struct recog_plate best;
    int64_t best_ms;
    uint32_t best_frame;
    int crop_w, crop_h;
    uint8_t *crop;
};

struct track {
    int64_t first_ms, last_ms;
    int frames_seen;
    int x, y, w, h; /* last box */
    int ntexts;
    struct text_vote texts[TRACK_MAX_TEXTS];
};

struct tracker {
    struct track_config cfg;
    int nopen;
    struct track open[TRACK_MAX_OPEN];
    /* Finished tracks waiting to be popped, oldest first. */
    int ndone;
    struct track done[2 * TRACK_MAX_OPEN];
};

const char *track_strerror(int err)
{
    switch (err) {
    case TRACK_OK:
        return "success";
    case TRACK_ERR_NOMEM:
        return "out of memory";
    case TRACK_ERR_INVALID:
        return "invalid argument";
    default:
        return "unknown tracker error";
    }
}

void track_config_default(struct track_config *cfg)
{
    cfg->gap_ms = 600;
    cfg->max_edit = 2;
    cfg->min_confidence = 0;
    cfg->min_frames = 1;
}

void track_read_free(struct track_read *r)
{
    if (!r)
        return;
    free(r->crop);
    r->crop = NULL;
}

int track_new(const struct track_config *cfg, struct tracker **out)
{
    struct tracker *t = calloc(1, sizeof *t);
    if (!t)
        return TRACK_ERR_NOMEM;
    if (cfg)
        t->cfg = *cfg;
    else
        track_config_default(&t->cfg);
    *out = t;
    return 0;
}

static void track_clear(struct track *k)
{
    for (int i = 0; i < k->ntexts; i++)
        free(k->texts[i].crop);
    memset(k, 0, sizeof *k);
}

void track_free(struct tracker *t)
{
    if (!t)
        return;
    for (int i = 0; i < t->nopen; i++)
        track_clear(&t->open[i]);
    for (int i = 0; i < t->ndone; i++)
        track_clear(&t->done[i]);
    free(t);
}

size_t track_open_count(const struct tracker *t)
{
    return (size_t)t->nopen;
}

static int confusable(char a, char b)
{
    static const char *groups[] = {"0ODQ", "1IL", "8B", "5S", "2Z", "6G"};
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++)
        if (strchr(groups[g], a) && strchr(groups[g], b))
            return 1;
    return 0;
}

int track_text_distance2(const char *a, const char *b)
{
    int la = (int)strlen(a), lb = (int)strlen(b);
    int d[RECOG_MAX_CHARS + 2][RECOG_MAX_CHARS + 2];
    if (la > RECOG_MAX_CHARS + 1)
        la = RECOG_MAX_CHARS + 1;
    if (lb > RECOG_MAX_CHARS + 1)
        lb = RECOG_MAX_CHARS + 1;
    for (int i = 0; i <= la; i++)
        d[i][0] = 2 * i;
    for (int j = 0; j <= lb; j++)
        d[0][j] = 2 * j;
    for (int i = 1; i <= la; i++) {
        for (int j = 1; j <= lb; j++) {
            int sub = a[i - 1] == b[j - 1] ? 0 : confusable(a[i - 1], b[j - 1]) ? 1 : 2;
            int best = d[i - 1][j - 1] + sub;
            if (d[i - 1][j] + 2 < best)
                best = d[i - 1][j] + 2;
            if (d[i][j - 1] + 2 < best)
                best = d[i][j - 1] + 2;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

static int overlaps(const struct track *k, const struct recog_plate *p)
{
    int ix0 = k->x > p->x ? k->x : p->x;
    int iy0 = k->y > p->y ? k->y : p->y;
    int ix1 = k->x + k->w < p->x + p->w ? k->x + k->w : p->x + p->w;
    int iy1 = k->y + k->h < p->y + p->h ? k->y + k->h : p->y + p->h;
    long inter = ix1 > ix0 && iy1 > iy0 ? (long)(ix1 - ix0) * (iy1 - iy0) : 0;
    long uni = (long)k->w * k->h + (long)p->w * p->h - inter;
    return uni > 0 && inter * 10 >= uni * 2; /* IoU >= 0.2 */
}

/* The open track a reading continues, or -1. Text first; box overlap as a fallback. */
static int find_track(const struct tracker *t, int64_t now_ms, const struct recog_plate *p,
                      const int *taken)
{
    int best = -1, best_d = 2 * t->cfg.max_edit + 1;
    for (int i = 0; i < t->nopen; i++) {
        if (taken[i])
            continue;
        const struct track *k = &t->open[i];
        for (int j = 0; j < k->ntexts; j++) {
            int d = track_text_distance2(p->text, k->texts[j].text);
            if (d < best_d) {
                best_d = d;
                best = i;
            }
        }
    }
    if (best >= 0)
        return best;
    for (int i = 0; i < t->nopen; i++)
        if (!taken[i] && now_ms - t->open[i].last_ms <= TRACK_OVERLAP_MS &&
            overlaps(&t->open[i], p))
            return i;
    return -1;
}

int track_crop_margin(int h)
{
    int m = h * 3 / 5;
    return m > TRACK_CROP_MARGIN ? m : TRACK_CROP_MARGIN;
}

/* Copies the plate's surroundings out of the frame as evidence. */
static int keep_crop(struct text_vote *v, const struct recog_plate *p, const uint8_t *gray,
                     int width, int height, int stride)
{
    int m = track_crop_margin(p->h);
    int x0 = p->x - m, y0 = p->y - m;
    int x1 = p->x + p->w + m, y1 = p->y + p->h + m;
    uint8_t *crop;
    if (x0 < 0)
        x0 = 0;
    if (y0 < 0)
        y0 = 0;
    if (x1 > width)
        x1 = width;
    if (y1 > height)
        y1 = height;
    if (x1 <= x0 || y1 <= y0)
        return 0;
    crop = malloc((size_t)(x1 - x0) * (y1 - y0));
    if (!crop)
        return TRACK_ERR_NOMEM;
    for (int y = y0; y < y1; y++)
        memcpy(crop + (size_t)(y - y0) * (x1 - x0), gray + (size_t)y * stride + x0,
               (size_t)(x1 - x0));
    free(v->crop);
    v->crop = crop;
    v->crop_w = x1 - x0;
    v->crop_h = y1 - y0;
    return 0;
}

/* Adds a reading to track k. */
static int attach(struct track *k, int64_t now_ms, uint32_t frame_no, const struct recog_plate *p,
                  const uint8_t *gray, int width, int height, int stride)
{
    struct text_vote *v = NULL;
    for (int j = 0; j < k->ntexts; j++)
        if (strcmp(k->texts[j].text, p->text) == 0)
            v = &k->texts[j];
    if (!v) {
        if (k->ntexts == TRACK_MAX_TEXTS) {
            /* Forget the weakest text to make room: it cannot win anyway. */
            int w = 0;
            for (int j = 1; j < k->ntexts; j++)
                if (k->texts[j].votes < k->texts[w].votes)
                    w = j;
            free(k->texts[w].crop);
            k->texts[w] = k->texts[--k->ntexts];
        }
        v = &k->texts[k->ntexts++];
        memset(v, 0, sizeof *v);
        memcpy(v->text, p->text, sizeof v->text);
        v->best_conf = -1;
    }
    v->votes += p->confidence;
    v->frames++;
    if (p->confidence > v->best_conf) {
        if (gray) {
            int err = keep_crop(v, p, gray, width, height, stride);
            if (err)
                return err;
        }
        v->best_conf = p->confidence;
        v->best = *p;
        v->best_ms = now_ms;
        v->best_frame = frame_no;
    }
    if (!k->frames_seen)
        k->first_ms = now_ms;
    k->last_ms = now_ms;
    k->x = p->x;
    k->y = p->y;
    k->w = p->w;
    k->h = p->h;
    return 0;
}

/* Moves open track i to the finished list (the last open track takes its slot). */
static void finish(struct tracker *t, int i)
{
    if (t->ndone == 2 * TRACK_MAX_OPEN) {
        /* Nobody popped: drop the oldest finished one rather than grow without bound. */
        track_clear(&t->done[0]);
        memmove(&t->done[0], &t->done[1], (size_t)(t->ndone - 1) * sizeof t->done[0]);
        t->ndone--;
    }
    t->done[t->ndone++] = t->open[i];
    t->open[i] = t->open[--t->nopen];
}

/* Ends the tracks unseen for longer than the gap, so a plate seen again later starts anew. */
static void end_stale(struct tracker *t, int64_t now_ms)
{
    for (int i = 0; i < t->nopen;) {
        if (now_ms - t->open[i].last_ms > t->cfg.gap_ms)
            finish(t, i);
        else
            i++;
    }
}

int track_frame(struct tracker *t, int64_t now_ms, uint32_t frame_no,
                const struct recog_result *res, const uint8_t *gray, int width, int height,
                int stride)
{
    int taken[TRACK_MAX_OPEN] = {0};
    int seen[TRACK_MAX_OPEN] = {0};
    if (!t || !res || (gray && (width <= 0 || height <= 0 || stride < width)))
        return TRACK_ERR_INVALID;
    end_stale(t, now_ms);
    for (int n = 0; n < res->nplates; n++) {
        const struct recog_plate *p = &res->plates[n];
        if (!p->text[0] || p->confidence < t->cfg.min_confidence)
            continue;
        int i = find_track(t, now_ms, p, taken);
        if (i < 0) {
            if (t->nopen == TRACK_MAX_OPEN) {
                int oldest = 0;
                for (int j = 1; j < t->nopen; j++)
                    if (t->open[j].last_ms < t->open[oldest].last_ms)
                        oldest = j;
                finish(t, oldest);
                /* finish() moved the last open track into the freed slot. */
                taken[oldest] = taken[t->nopen];
                seen[oldest] = seen[t->nopen];
            }
            i = t->nopen++;
            memset(&t->open[i], 0, sizeof t->open[i]);
            seen[i] = 0;
        }
        taken[i] = 1;
        int err = attach(&t->open[i], now_ms, frame_no, p, gray, width, height, stride);
        if (err)
            return err;
        if (!seen[i]) {
            seen[i] = 1;
            t->open[i].frames_seen++;
        }
    }
    return 0;
}

int track_pop(struct tracker *t, int64_t now_ms, int flush, struct track_read *out)
{
    if (flush)
        while (t->nopen > 0)
            finish(t, 0);
    else
        end_stale(t, now_ms);
    while (t->ndone > 0) {
        struct track k = t->done[0];
        memmove(&t->done[0], &t->done[1], (size_t)(t->ndone - 1) * sizeof t->done[0]);
        t->ndone--;
        if (k.frames_seen < t->cfg.min_frames || k.ntexts == 0) {
            track_clear(&k);
            continue;
        }
        int w = 0;
        for (int j = 1; j < k.ntexts; j++)
            if (k.texts[j].votes > k.texts[w].votes)
                w = j;
        memset(out, 0, sizeof *out);
        out->best = k.texts[w].best;
        out->votes = k.texts[w].votes;
        out->frames_seen = k.frames_seen;
        out->frames_agree = k.texts[w].frames;
        out->first_ms = k.first_ms;
        out->last_ms = k.last_ms;
        out->best_ms = k.texts[w].best_ms;
        out->best_frame = k.texts[w].best_frame;
        out->crop = k.texts[w].crop;
        out->crop_w = k.texts[w].crop_w;
        out->crop_h = k.texts[w].crop_h;
        k.texts[w].crop = NULL;
        track_clear(&k);
        return 1;
    }
    return 0;
}
