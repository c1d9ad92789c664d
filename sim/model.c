/*
 * model: the bit-exact C model of the camera board. See model.h and docs/BOARD.md; the RTL in
 * rtl/ follows this code step for step (names in comments point at the RTL modules).
 */
#include "model.h"

#include <stdlib.h>
#include <string.h>

const char *model_strerror(int err)
{
    switch (err) {
    case MODEL_OK:
        return "success";
    case MODEL_ERR_INVALID:
        return "invalid argument";
    case MODEL_ERR_NOMEM:
        return "out of memory";
    case MODEL_ERR_FULL:
        return "more records than the output array holds";
    case MODEL_ERR_REG:
        return "unknown or read-only register, or value out of range";
    case MODEL_ERR_OUTPUT:
        return "output callback failed";
    default:
        return "unknown error";
    }
}

/* ---- Configuration ------------------------------------------------------------------------ */

/* A THRESH_PLANE_p register value into its plane (the bits are checked by the caller). */
static void plane_from_reg(struct model_plane *pl, uint32_t v)
{
    pl->offset = (uint8_t)(v & 0xFF);
    pl->polarity = (uint8_t)((v >> 8) & 1);
    pl->enable = (uint8_t)((v >> 9) & 1);
    pl->contrast = (uint8_t)((v >> 16) & 0xFF);
}

struct model_config model_config_default(void)
{
    struct model_config c;
    memset(&c, 0, sizeof c);
    c.width = WIRE_RESET_FRAME_SIZE & 0xFFFF;
    c.height = WIRE_RESET_FRAME_SIZE >> 16;
    c.win_log2 = WIRE_RESET_THRESH_WINDOW & 0xF;
    c.vshift = (WIRE_RESET_THRESH_WINDOW >> 4) & 0xF;
    plane_from_reg(&c.plane[0], WIRE_RESET_THRESH_PLANE0);
    c.min_w = WIRE_RESET_FILTER_WIDTH & 0xFFFF;
    c.max_w = WIRE_RESET_FILTER_WIDTH >> 16;
    c.min_h = WIRE_RESET_FILTER_HEIGHT & 0xFFFF;
    c.max_h = WIRE_RESET_FILTER_HEIGHT >> 16;
    c.pixel_mode = WIRE_RESET_OUTPUT;
    return c;
}

uint32_t model_config_thresh_window(const struct model_config *cfg)
{
    return (uint32_t)(cfg->win_log2 & 0xF) | (uint32_t)(cfg->vshift & 0xF) << 4;
}

uint32_t model_config_thresh_plane(const struct model_config *cfg, int p)
{
    const struct model_plane *pl = &cfg->plane[p];
    return pl->offset | (uint32_t)(pl->polarity & 1) << 8 | (uint32_t)(pl->enable & 1) << 9 |
           (uint32_t)pl->contrast << 16;
}

static int config_valid(const struct model_config *cfg)
{
    return cfg->win_log2 >= 2 && cfg->win_log2 <= 7 && cfg->vshift <= 7;
}

/* ---- Threshold (rtl/thresh_mean.v, rtl/thresh_cmp.v) -------------------------------------- */

/*
 * One row of the local mean. Horizontal: H(x) = sum of e(i) for i = x - W/2 .. x + W/2 - 1,
 * W = 2^k, e(i) the row's pixel at clamp(i, 0, w-1); h = H >> k. Vertical: the per-column
 * state A (mean * 16) is h * 16 on the first row, else A + ((16h - A) >> s), the shift
 * arithmetic (rounding towards minus infinity). acc holds A between rows.
 */
static void mean_row(int k, int s, int first, const uint8_t *row, int w, uint16_t *acc)
{
    int half = 1 << (k - 1);
    uint32_t sum = 0;
    for (int i = -half; i < half; i++)
        sum += row[i < 0 ? 0 : (i >= w ? w - 1 : i)];
    for (int x = 0; x < w; x++) {
        int32_t target = (int32_t)(sum >> k) << MODEL_MEAN_FRAC_BITS;
        if (first)
            acc[x] = (uint16_t)target;
        else
            acc[x] = (uint16_t)(acc[x] + ((target - (int32_t)acc[x]) >> s));
        int in = x + half, out = x - half;
        sum += row[in >= w ? w - 1 : in];
        sum -= row[out < 0 ? 0 : out];
    }
}

int model_ink(const struct model_plane *plane, uint8_t pixel, uint16_t mean)
{
    uint32_t lhs = (uint32_t)pixel << (8 + MODEL_MEAN_FRAC_BITS);
    uint32_t p16 = (uint32_t)pixel << MODEL_MEAN_FRAC_BITS;
    uint32_t c16 = (uint32_t)plane->contrast << MODEL_MEAN_FRAC_BITS;
    if (plane->polarity)
        return lhs > (256u + plane->offset) * mean && p16 > mean + c16;
    return lhs < (256u - plane->offset) * mean && p16 + c16 < mean;
}

static int region_valid(const struct model_config *cfg, const uint8_t *gray, int w, int h,
                        int stride)
{
    return cfg && gray && w >= 1 && h >= 1 && w <= MODEL_MAX_WIDTH && h <= MODEL_MAX_HEIGHT &&
           stride >= w && config_valid(cfg);
}

int model_local_mean(const struct model_config *cfg, const uint8_t *gray, int w, int h, int stride,
                     uint16_t *mean)
{
    uint16_t acc[MODEL_MAX_WIDTH];
    if (!region_valid(cfg, gray, w, h, stride) || !mean)
        return MODEL_ERR_INVALID;
    for (int y = 0; y < h; y++) {
        mean_row(cfg->win_log2, cfg->vshift, y == 0, gray + (size_t)y * stride, w, acc);
        memcpy(mean + (size_t)y * w, acc, (size_t)w * sizeof *acc);
    }
    return 0;
}

int model_binarize(const struct model_config *cfg, int p, const uint8_t *gray, int w, int h,
                   int stride, uint8_t *mask)
{
    uint16_t acc[MODEL_MAX_WIDTH];
    if (!region_valid(cfg, gray, w, h, stride) || !mask || p < 0 || p >= MODEL_PLANES)
        return MODEL_ERR_INVALID;
    for (int y = 0; y < h; y++) {
        const uint8_t *row = gray + (size_t)y * stride;
        mean_row(cfg->win_log2, cfg->vshift, y == 0, row, w, acc);
        for (int x = 0; x < w; x++)
            mask[(size_t)y * w + x] = (uint8_t)model_ink(&cfg->plane[p], row[x], acc[x]);
    }
    return 0;
}

/* ---- Labelling (rtl/ccl.v) ---------------------------------------------------------------- */

void model_ccl_start(struct model_ccl *c, int width, int height)
{
    c->width = width;
    c->height = height;
    c->y = 0;
    c->truncated = 0;
    c->found = 0;
    memset(c->rowbuf, 0, sizeof c->rowbuf);
    c->cur = 0;
    c->free_head = 0;
    c->fresh = 1;
    c->done_head = c->done_tail = 0;
    c->mcur_head = c->mcur_tail = 0;
    c->mprev_head = c->mprev_tail = 0;
    c->max_used = c->in_use = 0;
    c->left = 0;
}

static uint16_t ccl_find(const struct model_ccl *c, uint16_t l)
{
    while (c->parent[l] != l)
        l = c->parent[l];
    return l;
}

/* Pops a label: the free list first, then never-used labels; 0 when the tables are full. */
static uint16_t ccl_alloc(struct model_ccl *c)
{
    uint16_t l = 0;
    if (c->free_head) {
        l = c->free_head;
        c->free_head = c->next[l];
    } else if (c->fresh < MODEL_LABELS) {
        l = c->fresh++;
    }
    if (l && ++c->in_use > c->max_used)
        c->max_used = c->in_use;
    return l;
}

static uint16_t sat_add16(uint16_t a, uint16_t b)
{
    uint32_t s = (uint32_t)a + b;
    return s > 0xFFFF ? 0xFFFF : (uint16_t)s;
}

/* Appends label l to a list given by its head and tail. */
static void list_append(struct model_ccl *c, uint16_t *head, uint16_t *tail, uint16_t l)
{
    if (*head)
        c->next[*tail] = l;
    else
        *head = l;
    *tail = l;
}

/* Root b joins root a (a survives). */
static void ccl_merge(struct model_ccl *c, uint16_t a, uint16_t b)
{
    struct model_root *ra = &c->root[a], *rb = &c->root[b];
    c->parent[b] = a;
    if (rb->x0 < ra->x0)
        ra->x0 = rb->x0;
    if (rb->x1 > ra->x1)
        ra->x1 = rb->x1;
    if (rb->y0 < ra->y0)
        ra->y0 = rb->y0;
    if (rb->y1 > ra->y1) {
        ra->y1 = rb->y1;
        ra->lastx = rb->lastx;
    } else if (rb->y1 == ra->y1 && rb->lastx > ra->lastx) {
        ra->lastx = rb->lastx;
    }
    ra->ink = sat_add16(ra->ink, rb->ink);
    list_append(c, &c->mcur_head, &c->mcur_tail, b);
}

/* Completion test of the previous row's run ending at column x (docs/BOARD.md 3.3). */
static void ccl_check(struct model_ccl *c, uint16_t raw, int x)
{
    uint16_t r = ccl_find(c, raw);
    if (c->root[r].y1 == c->y - 1 && c->root[r].lastx == x) {
        c->found++;
        list_append(c, &c->done_head, &c->done_tail, r);
    }
}

void model_ccl_pixel(struct model_ccl *c, int x, int ink)
{
    const uint16_t *prev = c->rowbuf[c->cur ^ 1];
    uint16_t *cur = c->rowbuf[c->cur];
    int w = c->width, y = c->y;
    if (c->truncated)
        return;
    uint16_t nw = x > 0 ? prev[x - 1] : 0, n = prev[x], ne = x + 1 < w ? prev[x + 1] : 0;
    if (x == 0)
        c->left = 0;
    if (ink) {
        uint16_t a = c->left ? c->left : nw ? ccl_find(c, nw) : n ? ccl_find(c, n) : 0;
        uint16_t b = (!n && ne) ? ccl_find(c, ne) : 0;
        uint16_t t;
        if (!a && !b) {
            t = ccl_alloc(c);
            if (!t) {
                c->truncated = 1;
                return;
            }
            c->parent[t] = t;
            c->root[t] = (struct model_root){(uint16_t)x, (uint16_t)y, (uint16_t)x,
                                             (uint16_t)y, (uint16_t)x, 0};
        } else if (a && b && a != b) {
            ccl_merge(c, a, b);
            t = a;
        } else {
            t = a ? a : b;
        }
        struct model_root *r = &c->root[t];
        if (x < r->x0)
            r->x0 = (uint16_t)x;
        if (x > r->x1)
            r->x1 = (uint16_t)x;
        r->y1 = (uint16_t)y;
        r->lastx = (uint16_t)x;
        r->ink = sat_add16(r->ink, 1);
        cur[x] = t;
        c->left = t;
    } else {
        cur[x] = 0;
        c->left = 0;
    }
    if (x > 0 && nw && !n)
        ccl_check(c, nw, x - 1);
}

int model_ccl_row(struct model_ccl *c, const uint8_t *ink, model_comp_fn done, void *ctx)
{
    for (int x = 0; x < c->width; x++)
        model_ccl_pixel(c, x, ink ? ink[x] : 0);
    return model_ccl_row_end(c, done, ctx);
}

int model_ccl_row_end(struct model_ccl *c, model_comp_fn done, void *ctx)
{
    const uint16_t *prev = c->rowbuf[c->cur ^ 1];
    int w = c->width;
    int rc = 0;
    if (!c->truncated && prev[w - 1])
        ccl_check(c, prev[w - 1], w - 1);

    /* End of row: report the completed components, then recycle labels. */
    for (uint16_t l = c->done_head; l; l = (l == c->done_tail) ? 0 : c->next[l]) {
        const struct model_root *r = &c->root[l];
        struct wire_comp comp = {r->x0, r->y0, r->x1, r->y1, r->ink, 0, 0, l};
        comp.edges =
            (uint8_t)((r->x0 == 0 ? WIRE_EDGE_LEFT : 0) | (r->x1 == w - 1 ? WIRE_EDGE_RIGHT : 0) |
                      (r->y0 == 0 ? WIRE_EDGE_TOP : 0) |
                      (r->y1 == c->height - 1 ? WIRE_EDGE_BOTTOM : 0));
        if (!rc && done)
            rc = done(ctx, &comp);
        c->in_use--;
    }
    if (c->done_head) {
        c->next[c->done_tail] = c->free_head;
        c->free_head = c->done_head;
    }
    if (c->mprev_head) {
        c->next[c->mprev_tail] = c->free_head;
        c->free_head = c->mprev_head;
        for (uint16_t l = c->mprev_head;; l = c->next[l]) {
            c->in_use--;
            if (l == c->mprev_tail)
                break;
        }
    }
    c->mprev_head = c->mcur_head;
    c->mprev_tail = c->mcur_tail;
    c->mcur_head = c->mcur_tail = 0;
    c->done_head = c->done_tail = 0;
    c->cur ^= 1;
    c->y++;
    return rc;
}

/* ---- model_components --------------------------------------------------------------------- */

static int filter_pass(const struct model_config *cfg, const struct wire_comp *c)
{
    unsigned w = (unsigned)c->x1 - c->x0 + 1, h = (unsigned)c->y1 - c->y0 + 1;
    return w >= cfg->min_w && w <= cfg->max_w && h >= cfg->min_h && h <= cfg->max_h;
}

struct comp_sink {
    const struct model_config *cfg;
    struct wire_comp *out;
    size_t max, n;
    int plane;
    int full;
};

static int comp_collect(void *ctx, const struct wire_comp *c)
{
    struct comp_sink *s = ctx;
    if (!filter_pass(s->cfg, c))
        return 0;
    if (s->n >= s->max) {
        s->full = 1;
        return 0;
    }
    s->out[s->n] = *c;
    s->out[s->n].plane = (uint8_t)s->plane;
    s->n++;
    return 0;
}

int model_components(const struct model_config *cfg, const uint8_t *gray, int w, int h, int stride,
                     struct wire_comp *out, size_t max, size_t *n, size_t *found, unsigned *flags)
{
    struct comp_sink sink = {cfg, out, max, 0, 0, 0};
    struct model_ccl *ccl;
    size_t nfound = 0;
    unsigned fl = 0;
    if (!region_valid(cfg, gray, w, h, stride) || (!out && max) || !n)
        return MODEL_ERR_INVALID;
    ccl = malloc(sizeof *ccl);
    if (!ccl)
        return MODEL_ERR_NOMEM;
    for (int p = 0; p < MODEL_PLANES; p++) {
        uint8_t *mask;
        if (!cfg->plane[p].enable)
            continue;
        mask = malloc((size_t)w * h);
        if (!mask || model_binarize(cfg, p, gray, w, h, stride, mask) != 0) {
            free(mask);
            free(ccl);
            return MODEL_ERR_NOMEM;
        }
        sink.plane = p;
        model_ccl_start(ccl, w, h);
        for (int y = 0; y <= h; y++)
            (void)model_ccl_row(ccl, y < h ? mask + (size_t)y * w : NULL, comp_collect, &sink);
        nfound += ccl->found;
        if (ccl->truncated)
            fl |= WIRE_FLAG_TRUNCATED;
        free(mask);
    }
    free(ccl);
    if (sink.full)
        return MODEL_ERR_FULL;
    *n = sink.n;
    if (found)
        *found = nfound;
    if (flags)
        *flags = fl;
    return 0;
}

/* ---- The board (rtl/alpr_board.v) -------------------------------------------------------- */

enum input_state {
    IN_IDLE,  /* between frames, expecting a start of frame */
    IN_SKIP,  /* after an error, RESET or RUN: silently waiting for a start of frame */
    IN_FRAME, /* receiving a frame */
};

enum counter {
    CNT_FRAMES,
    CNT_DROPPED,
    CNT_OVERFLOW,
    CNT_PROTO_ERR,
    CNT_TRUNCATED,
    CNT_RECORDS,
    CNT_INJECT_ERR,
    CNT_COUNT
};

struct model {
    struct wire_writer w;
    /* registers */
    uint32_t control; /* RUN and SOURCE bits */
    struct model_config regs;
    uint32_t cnt[CNT_COUNT];
    int sticky_overflow, sticky_truncated;
    uint32_t frame_no;
    /* input checker */
    enum input_state st;
    int col, row;
    /* the frame in progress */
    struct model_config cfg; /* latched at start of frame */
    struct wire_head head;
    uint8_t line[MODEL_MAX_WIDTH];
    uint8_t ink[MODEL_MAX_WIDTH];
    uint8_t rowout[MODEL_MAX_WIDTH];
    uint16_t acc[MODEL_MAX_WIDTH];
    struct model_ccl ccl;
};

int model_new(wire_output_fn out, void *ctx, struct model **out_model)
{
    struct model *m;
    if (!out || !out_model)
        return MODEL_ERR_INVALID;
    m = calloc(1, sizeof *m);
    if (!m)
        return MODEL_ERR_NOMEM;
    wire_writer_init(&m->w, out, ctx);
    m->regs = model_config_default();
    m->st = IN_SKIP;
    *out_model = m;
    return 0;
}

void model_free(struct model *m)
{
    free(m);
}

unsigned model_labels_peak(const struct model *m)
{
    return m->ccl.max_used;
}

static int out_err(int err)
{
    return err ? MODEL_ERR_OUTPUT : 0;
}

/* Record callback of the board: the filter, then a COMP chunk. */
static int board_comp(void *ctx, const struct wire_comp *c)
{
    struct model *m = ctx;
    if (!filter_pass(&m->cfg, c))
        return 0;
    if (wire_writer_comp(&m->w, c))
        return MODEL_ERR_OUTPUT;
    m->cnt[CNT_RECORDS]++;
    return 0;
}

/* Start of frame: latch the configuration and send FRAME_HEAD. */
static int board_start(struct model *m, uint64_t timestamp)
{
    struct model_config *c = &m->cfg;
    struct wire_head *h = &m->head;
    *c = m->regs;
    memset(h, 0, sizeof *h);
    h->version = WIRE_PROTO_MAJOR;
    h->pixel_mode = c->pixel_mode;
    h->planes = c->plane[0].enable ? 1 : 0;
    h->window = (uint8_t)model_config_thresh_window(c);
    h->frame = m->frame_no++;
    h->timestamp = timestamp;
    h->width = c->width;
    h->height = c->height;
    h->thresh0 = model_config_thresh_plane(c, 0);
    if (c->pixel_mode != WIRE_PIXELS_NONE) {
        if (c->roi_x >= c->width || c->roi_y >= c->height) {
            h->pixel_mode = WIRE_PIXELS_NONE; /* empty window: no pixels this frame */
        } else {
            unsigned rw = c->width - c->roi_x, rh = c->height - c->roi_y;
            h->roi_x = c->roi_x;
            h->roi_y = c->roi_y;
            h->roi_w = (uint16_t)(c->roi_w && c->roi_w < rw ? c->roi_w : rw);
            h->roi_h = (uint16_t)(c->roi_h && c->roi_h < rh ? c->roi_h : rh);
        }
    }
    m->st = IN_FRAME;
    m->col = m->row = 0;
    model_ccl_start(&m->ccl, c->width, c->height);
    return out_err(wire_writer_head(&m->w, h));
}

/*
 * A line in m->line (width pixels): threshold, ROW chunk, then labelling of its first `label`
 * columns; a complete line (label == width) also gets its end-of-row step (records).
 */
static int board_line(struct model *m, int label)
{
    const struct model_config *c = &m->cfg;
    const struct wire_head *h = &m->head;
    int w = c->width, y = m->row;
    mean_row(c->win_log2, c->vshift, y == 0, m->line, w, m->acc);
    for (int x = 0; x < w; x++)
        m->ink[x] = (uint8_t)model_ink(&c->plane[0], m->line[x], m->acc[x]);
    if (h->pixel_mode != WIRE_PIXELS_NONE && y >= h->roi_y && y < h->roi_y + h->roi_h) {
        size_t n = h->roi_w;
        const uint8_t *px = m->line + h->roi_x;
        if (h->pixel_mode == WIRE_PIXELS_MASK1) {
            n = ((size_t)h->roi_w + 7) / 8;
            memset(m->rowout, 0, n);
            for (int i = 0; i < h->roi_w; i++)
                m->rowout[i / 8] |= (uint8_t)(m->ink[h->roi_x + i] << (i % 8));
            px = m->rowout;
        }
        if (wire_writer_row(&m->w, (uint16_t)y, h->roi_x, px, n))
            return MODEL_ERR_OUTPUT;
    }
    if (!c->plane[0].enable)
        return 0;
    for (int x = 0; x < label; x++)
        model_ccl_pixel(&m->ccl, x, m->ink[x]);
    return label == w ? model_ccl_row_end(&m->ccl, board_comp, m) : 0;
}

static uint16_t found16(const struct model *m)
{
    return m->ccl.found > 0xFFFF ? 0xFFFF : (uint16_t)m->ccl.found;
}

/* Last line done: the blank row completes what is still open, then FRAME_TAIL. */
static int board_finish(struct model *m)
{
    uint16_t flags = 0;
    int err = 0;
    if (m->cfg.plane[0].enable)
        err = model_ccl_row(&m->ccl, NULL, board_comp, m);
    if (err)
        return err;
    if (m->ccl.truncated) {
        flags |= WIRE_FLAG_TRUNCATED;
        m->cnt[CNT_TRUNCATED]++;
        m->sticky_truncated = 1;
    }
    m->cnt[CNT_FRAMES]++;
    m->st = IN_IDLE;
    return out_err(wire_writer_tail(&m->w, found16(m), flags));
}

/*
 * Aborts the frame in progress: a partly received line is padded with zeros, its ROW chunk
 * sent, its received pixels labelled (no end-of-row step, so no records), then FRAME_TAIL with
 * ABORTED and the reason.
 */
static int board_abort(struct model *m, uint16_t reason)
{
    uint16_t flags = WIRE_FLAG_ABORTED | reason;
    int err = 0;
    if (m->col > 0) {
        memset(m->line + m->col, 0, (size_t)(m->cfg.width - m->col));
        err = board_line(m, m->col);
    }
    if (err)
        return err;
    if (m->ccl.truncated) {
        flags |= WIRE_FLAG_TRUNCATED;
        m->cnt[CNT_TRUNCATED]++;
        m->sticky_truncated = 1;
    }
    m->cnt[CNT_DROPPED]++;
    if (reason == WIRE_FLAG_OVERFLOW)
        m->cnt[CNT_OVERFLOW]++;
    else
        m->cnt[CNT_PROTO_ERR]++;
    m->st = IN_SKIP;
    return out_err(wire_writer_tail(&m->w, found16(m), flags));
}

int model_pixel(struct model *m, uint8_t pixel, unsigned markers, uint64_t timestamp)
{
    int err;
    if (m->st != IN_FRAME && !(m->control & WIRE_CONTROL_RUN))
        return 0;
    if (markers & MODEL_PX_SOF) {
        if (m->st == IN_FRAME && (err = board_abort(m, WIRE_FLAG_INPUT_ERROR)) != 0)
            return err;
        if (!(m->control & WIRE_CONTROL_RUN))
            return 0;
        if ((err = board_start(m, timestamp)) != 0)
            return err;
    } else if (m->st == IN_IDLE) {
        m->cnt[CNT_PROTO_ERR]++; /* pixels without a start of frame */
        m->st = IN_SKIP;
        return 0;
    } else if (m->st == IN_SKIP) {
        return 0;
    }
    m->line[m->col++] = pixel;
    if (markers & MODEL_PX_EOL) {
        if (m->col != m->cfg.width)
            return board_abort(m, WIRE_FLAG_INPUT_ERROR); /* short line */
        err = board_line(m, m->cfg.width);
        m->col = 0;
        if (!err && ++m->row == m->cfg.height)
            err = board_finish(m);
        return err;
    }
    if (m->col == m->cfg.width) { /* long line: the row is complete, the frame aborts after it */
        err = board_line(m, m->cfg.width);
        m->col = 0;
        return err ? err : board_abort(m, WIRE_FLAG_INPUT_ERROR);
    }
    return 0;
}

int model_overflow(struct model *m)
{
    if (m->st != IN_FRAME && !(m->control & WIRE_CONTROL_RUN))
        return 0;
    m->sticky_overflow = 1;
    if (m->st == IN_FRAME)
        return board_abort(m, WIRE_FLAG_OVERFLOW);
    m->cnt[CNT_OVERFLOW]++;
    m->st = IN_SKIP;
    return 0;
}

int model_inject_error(struct model *m)
{
    m->cnt[CNT_INJECT_ERR]++;
    if (m->st == IN_FRAME)
        return board_abort(m, WIRE_FLAG_INPUT_ERROR);
    return 0;
}

int model_frame(struct model *m, const uint8_t *gray, int w, int h, int stride, uint64_t timestamp)
{
    if (!gray || w < 1 || h < 1 || w > 4096 || h > 4096 || stride < w)
        return MODEL_ERR_INVALID;
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            unsigned mk = (x == 0 && y == 0 ? MODEL_PX_SOF : 0) | (x == w - 1 ? MODEL_PX_EOL : 0);
            int err = model_pixel(m, gray[(size_t)y * stride + x], mk, timestamp);
            if (err)
                return err;
        }
    }
    return 0;
}

/* ---- Registers ---------------------------------------------------------------------------- */

int model_reg_read(const struct model *m, unsigned addr, uint32_t *val)
{
    const struct model_config *r = &m->regs;
    uint32_t v;
    switch (addr) {
    case WIRE_REG_ID:
        v = WIRE_ID_VALUE;
        break;
    case WIRE_REG_VERSION:
        v = (uint32_t)WIRE_PROTO_MAJOR << 24 | (uint32_t)WIRE_PROTO_MINOR << 16 |
            MODEL_RTL_REVISION;
        break;
    case WIRE_REG_CAPS:
        v = MODEL_BOARD_PLANES | MODEL_LABEL_BITS << 8 | (uint32_t)MODEL_MAX_WIDTH << 16;
        break;
    case WIRE_REG_CLOCK_HZ:
        v = MODEL_CLOCK_HZ;
        break;
    case WIRE_REG_CONTROL:
        v = m->control;
        break;
    case WIRE_REG_STATUS:
        v = ((m->control & WIRE_CONTROL_RUN) || m->st == IN_FRAME ? WIRE_STATUS_RUNNING : 0) |
            (m->st == IN_FRAME ? WIRE_STATUS_IN_FRAME : 0) |
            (m->sticky_overflow ? WIRE_STATUS_OVERFLOW : 0) |
            (m->sticky_truncated ? WIRE_STATUS_TRUNCATED : 0);
        break;
    case WIRE_REG_FRAME_SIZE:
        v = r->width | (uint32_t)r->height << 16;
        break;
    case WIRE_REG_THRESH_WINDOW:
        v = model_config_thresh_window(r);
        break;
    case WIRE_REG_THRESH_PLANE0:
        v = model_config_thresh_plane(r, 0);
        break;
    case WIRE_REG_THRESH_PLANE0 + 1:
    case WIRE_REG_THRESH_PLANE0 + 2:
    case WIRE_REG_THRESH_PLANE0 + 3:
        v = 0;
        break;
    case WIRE_REG_FILTER_WIDTH:
        v = r->min_w | (uint32_t)r->max_w << 16;
        break;
    case WIRE_REG_FILTER_HEIGHT:
        v = r->min_h | (uint32_t)r->max_h << 16;
        break;
    case WIRE_REG_OUTPUT:
        v = r->pixel_mode;
        break;
    case WIRE_REG_ROI_X:
        v = r->roi_x | (uint32_t)r->roi_w << 16;
        break;
    case WIRE_REG_ROI_Y:
        v = r->roi_y | (uint32_t)r->roi_h << 16;
        break;
    default:
        if (addr >= WIRE_REG_CNT_FRAMES && addr < WIRE_REG_CNT_FRAMES + CNT_COUNT) {
            v = m->cnt[addr - WIRE_REG_CNT_FRAMES];
            break;
        }
        return MODEL_ERR_REG;
    }
    *val = v;
    return 0;
}

/* Start/size fields of ROI_X/ROI_Y: first 0..2047, size 0..2048. */
static int roi_valid(uint32_t v)
{
    return (v & 0xFFFF) < MODEL_MAX_WIDTH && (v >> 16) <= MODEL_MAX_WIDTH;
}

int model_reg_write(struct model *m, unsigned addr, uint32_t v)
{
    struct model_config *r = &m->regs;
    switch (addr) {
    case WIRE_REG_CONTROL: {
        int err = 0;
        if (v & ~0xFu)
            return MODEL_ERR_REG;
        if (v & WIRE_CONTROL_RESET) {
            if (m->st == IN_FRAME)
                err = board_abort(m, WIRE_FLAG_INPUT_ERROR);
            m->w.seq = 0;
            m->frame_no = 0;
            m->st = IN_SKIP;
        }
        if (v & WIRE_CONTROL_CLEAR_COUNTERS) {
            memset(m->cnt, 0, sizeof m->cnt);
            m->sticky_overflow = m->sticky_truncated = 0;
        }
        if ((v & WIRE_CONTROL_RUN) && !(m->control & WIRE_CONTROL_RUN) && m->st != IN_FRAME)
            m->st = IN_SKIP;
        m->control = v & (WIRE_CONTROL_RUN | WIRE_CONTROL_SOURCE_INJECT);
        return err;
    }
    case WIRE_REG_FRAME_SIZE: {
        uint32_t w = v & 0xFFFF, h = v >> 16;
        if (w < 1 || w > MODEL_MAX_WIDTH || h < 1 || h > MODEL_MAX_HEIGHT)
            return MODEL_ERR_REG;
        r->width = (uint16_t)w;
        r->height = (uint16_t)h;
        return 0;
    }
    case WIRE_REG_THRESH_WINDOW:
        if ((v & ~0xFFu) || (v & 0xF) < 2 || (v & 0xF) > 7 || ((v >> 4) & 0xF) > 7)
            return MODEL_ERR_REG;
        r->win_log2 = (uint8_t)(v & 0xF);
        r->vshift = (uint8_t)((v >> 4) & 0xF);
        return 0;
    case WIRE_REG_THRESH_PLANE0:
        if (v & ~WIRE_THRESH_PLANE_MASK)
            return MODEL_ERR_REG;
        plane_from_reg(&r->plane[0], v);
        return 0;
    case WIRE_REG_THRESH_PLANE0 + 1:
    case WIRE_REG_THRESH_PLANE0 + 2:
    case WIRE_REG_THRESH_PLANE0 + 3:
        /* planes the board lacks ignore writes */
        return (v & ~WIRE_THRESH_PLANE_MASK) ? MODEL_ERR_REG : 0;
    case WIRE_REG_FILTER_WIDTH:
        r->min_w = (uint16_t)(v & 0xFFFF);
        r->max_w = (uint16_t)(v >> 16);
        return 0;
    case WIRE_REG_FILTER_HEIGHT:
        r->min_h = (uint16_t)(v & 0xFFFF);
        r->max_h = (uint16_t)(v >> 16);
        return 0;
    case WIRE_REG_OUTPUT:
        if (v > WIRE_PIXELS_MASK1)
            return MODEL_ERR_REG;
        r->pixel_mode = (uint8_t)v;
        return 0;
    case WIRE_REG_ROI_X:
        if (!roi_valid(v))
            return MODEL_ERR_REG;
        r->roi_x = (uint16_t)(v & 0xFFFF);
        r->roi_w = (uint16_t)(v >> 16);
        return 0;
    case WIRE_REG_ROI_Y:
        if (!roi_valid(v))
            return MODEL_ERR_REG;
        r->roi_y = (uint16_t)(v & 0xFFFF);
        r->roi_h = (uint16_t)(v >> 16);
        return 0;
    default:
        return MODEL_ERR_REG;
    }
}
