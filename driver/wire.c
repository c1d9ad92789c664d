#include "wire.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

/* ---- registers ---------------------------------------------------------------------------- */

static const struct {
    unsigned addr;
    const char *name;
} reg_names[] = {
    {WIRE_REG_ID, "ID"},
    {WIRE_REG_VERSION, "VERSION"},
    {WIRE_REG_CAPS, "CAPS"},
    {WIRE_REG_CLOCK_HZ, "CLOCK_HZ"},
    {WIRE_REG_CONTROL, "CONTROL"},
    {WIRE_REG_STATUS, "STATUS"},
    {WIRE_REG_FRAME_SIZE, "FRAME_SIZE"},
    {WIRE_REG_THRESH_WINDOW, "THRESH_WINDOW"},
    {WIRE_REG_THRESH_PLANE0 + 0, "THRESH_PLANE_0"},
    {WIRE_REG_THRESH_PLANE0 + 1, "THRESH_PLANE_1"},
    {WIRE_REG_THRESH_PLANE0 + 2, "THRESH_PLANE_2"},
    {WIRE_REG_THRESH_PLANE0 + 3, "THRESH_PLANE_3"},
    {WIRE_REG_FILTER_WIDTH, "FILTER_WIDTH"},
    {WIRE_REG_FILTER_HEIGHT, "FILTER_HEIGHT"},
    {WIRE_REG_OUTPUT, "OUTPUT"},
    {WIRE_REG_ROI_X, "ROI_X"},
    {WIRE_REG_ROI_Y, "ROI_Y"},
    {WIRE_REG_CNT_FRAMES, "CNT_FRAMES"},
    {WIRE_REG_CNT_DROPPED, "CNT_DROPPED"},
    {WIRE_REG_CNT_OVERFLOW, "CNT_OVERFLOW"},
    {WIRE_REG_CNT_PROTO_ERR, "CNT_PROTO_ERR"},
    {WIRE_REG_CNT_TRUNCATED, "CNT_TRUNCATED"},
    {WIRE_REG_CNT_RECORDS, "CNT_RECORDS"},
    {WIRE_REG_CNT_INJECT_ERR, "CNT_INJECT_ERR"},
};

const char *wire_reg_name(unsigned addr)
{
    for (size_t i = 0; i < sizeof reg_names / sizeof reg_names[0]; i++)
        if (reg_names[i].addr == addr)
            return reg_names[i].name;
    return NULL;
}

int wire_reg_lookup(const char *name, unsigned *addr)
{
    for (size_t i = 0; i < sizeof reg_names / sizeof reg_names[0]; i++) {
        if (strcasecmp(reg_names[i].name, name) == 0) {
            *addr = reg_names[i].addr;
            return 0;
        }
    }
    return -1;
}

const char *wire_strerror(int err)
{
    switch (err) {
    case WIRE_OK:
        return "success";
    case WIRE_ERR_NOMEM:
        return "out of memory";
    case WIRE_ERR_INVALID:
        return "invalid argument or field out of range";
    case WIRE_ERR_SHORT:
        return "not enough bytes";
    case WIRE_ERR_SYNC:
        return "not a chunk header";
    case WIRE_ERR_OUTPUT:
        return "output failed";
    default:
        return "unknown wire error";
    }
}

/* ---- little-endian fields ----------------------------------------------------------------- */

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)get16(p) | ((uint32_t)get16(p + 2) << 16);
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | ((uint64_t)get32(p + 4) << 32);
}

uint32_t wire_crc32(uint32_t crc, const uint8_t *p, size_t n)
{
    /* zlib takes uInt lengths: feed very large buffers in pieces. */
    while (n > 0) {
        uInt part = n > 0x40000000u ? 0x40000000u : (uInt)n;
        crc = (uint32_t)crc32(crc, p, part);
        p += part;
        n -= part;
    }
    return crc;
}

/* ---- chunk headers and payloads ----------------------------------------------------------- */

uint8_t wire_header_check(const uint8_t hdr[WIRE_CHUNK_HEADER_LEN])
{
    return (uint8_t)(WIRE_CHECK_SEED ^ hdr[0] ^ hdr[1] ^ hdr[2] ^ hdr[4] ^ hdr[5] ^ hdr[6] ^
                     hdr[7]);
}

void wire_put_header(uint8_t out[WIRE_CHUNK_HEADER_LEN], uint8_t type, uint16_t seq, uint16_t len)
{
    out[0] = WIRE_SYNC0;
    out[1] = WIRE_SYNC1;
    out[2] = type;
    put16(out + 4, seq);
    put16(out + 6, len);
    out[3] = wire_header_check(out);
}

/* Whether a payload length is possible for a chunk type. */
static int length_allowed(uint8_t type, uint16_t len)
{
    switch (type) {
    case WIRE_FRAME_HEAD:
        return len == WIRE_HEAD_LEN;
    case WIRE_ROW:
        return len > WIRE_ROW_PREFIX_LEN && len <= WIRE_ROW_PREFIX_LEN + WIRE_MAX_WIDTH;
    case WIRE_COMP:
        return len == WIRE_COMP_LEN;
    case WIRE_FRAME_TAIL:
        return len == WIRE_TAIL_LEN;
    case WIRE_INJ_HEAD:
        return len == 4;
    case WIRE_INJ_ROW:
        return len > 2 && len <= 2 + WIRE_MAX_WIDTH;
    default:
        return 0;
    }
}

int wire_get_header(const uint8_t in[WIRE_CHUNK_HEADER_LEN], struct wire_chunk_header *out)
{
    uint16_t len = get16(in + 6);
    if (in[0] != WIRE_SYNC0 || in[1] != WIRE_SYNC1 || in[3] != wire_header_check(in) ||
        !length_allowed(in[2], len))
        return WIRE_ERR_SYNC;
    out->type = in[2];
    out->seq = get16(in + 4);
    out->len = len;
    return 0;
}

void wire_put_head(uint8_t out[WIRE_HEAD_LEN], const struct wire_head *h)
{
    out[0] = h->version;
    out[1] = h->pixel_mode;
    out[2] = h->planes;
    out[3] = h->window;
    put32(out + 4, h->frame);
    put64(out + 8, h->timestamp);
    put16(out + 16, h->width);
    put16(out + 18, h->height);
    put16(out + 20, h->roi_x);
    put16(out + 22, h->roi_y);
    put16(out + 24, h->roi_w);
    put16(out + 26, h->roi_h);
    put32(out + 28, h->thresh0);
}

void wire_get_head(const uint8_t in[WIRE_HEAD_LEN], struct wire_head *h)
{
    h->version = in[0];
    h->pixel_mode = in[1];
    h->planes = in[2];
    h->window = in[3];
    h->frame = get32(in + 4);
    h->timestamp = get64(in + 8);
    h->width = get16(in + 16);
    h->height = get16(in + 18);
    h->roi_x = get16(in + 20);
    h->roi_y = get16(in + 22);
    h->roi_w = get16(in + 24);
    h->roi_h = get16(in + 26);
    h->thresh0 = get32(in + 28);
}

void wire_put_comp(uint8_t out[WIRE_COMP_LEN], const struct wire_comp *c)
{
    put16(out + 0, c->x0);
    put16(out + 2, c->y0);
    put16(out + 4, c->x1);
    put16(out + 6, c->y1);
    put16(out + 8, c->ink);
    out[10] = c->plane;
    out[11] = c->edges;
    put16(out + 12, c->label);
    put16(out + 14, 0);
}

void wire_get_comp(const uint8_t in[WIRE_COMP_LEN], struct wire_comp *c)
{
    c->x0 = get16(in + 0);
    c->y0 = get16(in + 2);
    c->x1 = get16(in + 4);
    c->y1 = get16(in + 6);
    c->ink = get16(in + 8);
    c->plane = in[10];
    c->edges = in[11];
    c->label = get16(in + 12);
}

void wire_put_tail(uint8_t out[WIRE_TAIL_LEN], const struct wire_tail *t)
{
    put32(out + 0, t->frame);
    put16(out + 4, t->records);
    put16(out + 6, t->found);
    put16(out + 8, t->rows);
    put16(out + 10, t->flags);
    put32(out + 12, t->crc);
}

void wire_get_tail(const uint8_t in[WIRE_TAIL_LEN], struct wire_tail *t)
{
    t->frame = get32(in + 0);
    t->records = get16(in + 4);
    t->found = get16(in + 6);
    t->rows = get16(in + 8);
    t->flags = get16(in + 10);
    t->crc = get32(in + 12);
}

int wire_head_validate(const struct wire_head *h)
{
    if (h->version != WIRE_PROTO_MAJOR || h->pixel_mode > WIRE_PIXELS_MASK1)
        return WIRE_ERR_INVALID;
    if (h->width < 1 || h->width > WIRE_MAX_WIDTH || h->height < 1 || h->height > WIRE_MAX_HEIGHT)
        return WIRE_ERR_INVALID;
    if (h->pixel_mode == WIRE_PIXELS_NONE)
        return h->roi_w == 0 && h->roi_h == 0 ? 0 : WIRE_ERR_INVALID;
    if (h->roi_w < 1 || h->roi_h < 1 || (uint32_t)h->roi_x + h->roi_w > h->width ||
        (uint32_t)h->roi_y + h->roi_h > h->height)
        return WIRE_ERR_INVALID;
    return 0;
}

size_t wire_row_bytes(const struct wire_head *h)
{
    switch (h->pixel_mode) {
    case WIRE_PIXELS_GRAY8:
        return h->roi_w;
    case WIRE_PIXELS_MASK1:
        return ((size_t)h->roi_w + 7) / 8;
    default:
        return 0;
    }
}

/* ---- writer ------------------------------------------------------------------------------- */

void wire_writer_init(struct wire_writer *w, wire_output_fn out, void *ctx)
{
    memset(w, 0, sizeof *w);
    w->out = out;
    w->ctx = ctx;
}

/* Sends one chunk (header + payload in up to two pieces), folding it into the frame CRC. */
static int emit(struct wire_writer *w, uint8_t type, const uint8_t *a, size_t na, const uint8_t *b,
                size_t nb)
{
    uint8_t hdr[WIRE_CHUNK_HEADER_LEN];
    if (na + nb > WIRE_MAX_PAYLOAD)
        return WIRE_ERR_INVALID;
    wire_put_header(hdr, type, w->seq, (uint16_t)(na + nb));
    w->crc = wire_crc32(w->crc, hdr, sizeof hdr);
    w->crc = wire_crc32(w->crc, a, na);
    if (nb)
        w->crc = wire_crc32(w->crc, b, nb);
    if (w->out(w->ctx, hdr, sizeof hdr) || w->out(w->ctx, a, na) || (nb && w->out(w->ctx, b, nb)))
        return WIRE_ERR_OUTPUT;
    w->seq++;
    return 0;
}

int wire_writer_head(struct wire_writer *w, const struct wire_head *h)
{
    uint8_t payload[WIRE_HEAD_LEN];
    wire_put_head(payload, h);
    w->crc = 0;
    w->records = 0;
    w->rows = 0;
    w->frame = h->frame;
    return emit(w, WIRE_FRAME_HEAD, payload, sizeof payload, NULL, 0);
}

int wire_writer_row(struct wire_writer *w, uint16_t y, uint16_t x, const uint8_t *pixels, size_t n)
{
    uint8_t prefix[WIRE_ROW_PREFIX_LEN];
    int err;
    if (n < 1 || n > WIRE_MAX_WIDTH)
        return WIRE_ERR_INVALID;
    put16(prefix, y);
    put16(prefix + 2, x);
    err = emit(w, WIRE_ROW, prefix, sizeof prefix, pixels, n);
    if (!err)
        w->rows++;
    return err;
}

int wire_writer_comp(struct wire_writer *w, const struct wire_comp *c)
{
    uint8_t payload[WIRE_COMP_LEN];
    int err;
    wire_put_comp(payload, c);
    err = emit(w, WIRE_COMP, payload, sizeof payload, NULL, 0);
    if (!err)
        w->records++;
    return err;
}

int wire_writer_tail(struct wire_writer *w, uint16_t found, uint16_t flags)
{
    uint8_t hdr[WIRE_CHUNK_HEADER_LEN], payload[WIRE_TAIL_LEN];
    struct wire_tail t = {
        .frame = w->frame, .records = w->records, .found = found, .rows = w->rows, .flags = flags};
    uint32_t crc;
    wire_put_header(hdr, WIRE_FRAME_TAIL, w->seq, WIRE_TAIL_LEN);
    wire_put_tail(payload, &t);
    crc = wire_crc32(w->crc, hdr, sizeof hdr);
    crc = wire_crc32(crc, payload, WIRE_TAIL_LEN - 4);
    put32(payload + 12, crc);
    if (w->out(w->ctx, hdr, sizeof hdr) || w->out(w->ctx, payload, sizeof payload))
        return WIRE_ERR_OUTPUT;
    w->seq++;
    w->crc = 0;
    return 0;
}

/* ---- frames ------------------------------------------------------------------------------- */

int wire_frame_copy(struct wire_frame *dst, const struct wire_frame *src)
{
    struct wire_frame f = *src;
    f.pixels = NULL;
    f.comps = NULL;
    if (src->pixels_len) {
        f.pixels = malloc(src->pixels_len);
        if (!f.pixels)
            return WIRE_ERR_NOMEM;
        memcpy(f.pixels, src->pixels, src->pixels_len);
    }
    if (src->ncomps) {
        f.comps = malloc(src->ncomps * sizeof *f.comps);
        if (!f.comps) {
            free(f.pixels);
            return WIRE_ERR_NOMEM;
        }
        memcpy(f.comps, src->comps, src->ncomps * sizeof *f.comps);
    }
    *dst = f;
    return 0;
}

void wire_frame_free(struct wire_frame *f)
{
    if (!f)
        return;
    free(f->pixels);
    free(f->comps);
    f->pixels = NULL;
    f->comps = NULL;
    f->pixels_len = 0;
    f->ncomps = 0;
}

/* ---- parser ------------------------------------------------------------------------------- */

struct wire_parser {
    struct wire_stats stats;
    size_t max_records;

    /*
     * Pending bytes. buf[start, start + prev) is the chunk handled last: it is kept so that,
     * if the bytes after it turn out not to be a header (the chunk was cut short and the stream
     * went on with a later chunk), the hunt for the boundary restarts inside it and finds the
     * chunk that began there. Two chunks always fit, so a full buffer always makes progress.
     */
    uint8_t buf[2 * WIRE_MAX_CHUNK];
    size_t start, prev, have;
    int synced; /* the chunk at start + prev must begin with a header */
    struct wire_chunk_header hdr;
    const uint8_t *chunk; /* the chunk being handled (header + payload) */

    int seq_known; /* a previous chunk's seq is known */
    uint16_t next_seq;
    int frame_known; /* a previous head's frame number is known */
    uint32_t next_frame;

    /* Frame in progress. */
    int in_frame;
    struct wire_frame frame;
    uint32_t crc;
    size_t row_bytes;
    uint32_t rows_seen;
    size_t pixels_cap;
    size_t comps_cap;
};

int wire_parser_new(size_t max_records, struct wire_parser **out)
{
    struct wire_parser *p = calloc(1, sizeof *p);
    if (!p)
        return WIRE_ERR_NOMEM;
    p->max_records = max_records ? max_records : WIRE_DEFAULT_MAX_RECORDS;
    if (p->max_records > 65535)
        p->max_records = 65535;
    *out = p;
    return 0;
}

void wire_parser_free(struct wire_parser *p)
{
    if (!p)
        return;
    free(p->frame.pixels);
    free(p->frame.comps);
    free(p);
}

void wire_parser_stats(const struct wire_parser *p, struct wire_stats *out)
{
    *out = p->stats;
}

static void drop_frame(struct wire_parser *p)
{
    if (p->in_frame)
        p->stats.frames_lost++;
    p->in_frame = 0;
}

void wire_parser_reset(struct wire_parser *p)
{
    p->in_frame = 0;
    p->start = p->prev = p->have = 0;
    p->synced = 0;
    p->seq_known = 0;
    p->frame_known = 0;
}

static int start_frame(struct wire_parser *p, const uint8_t *payload)
{
    struct wire_head h;
    size_t need;
    wire_get_head(payload, &h);
    if (wire_head_validate(&h) != 0) {
        p->stats.malformed++;
        return 0;
    }
    if (p->frame_known && h.frame != p->next_frame)
        p->stats.frame_gaps += (uint32_t)(h.frame - p->next_frame);
    p->frame_known = 1;
    p->next_frame = h.frame + 1;

    p->row_bytes = wire_row_bytes(&h);
    need = p->row_bytes * h.roi_h;
    if (need > p->pixels_cap) {
        uint8_t *px = realloc(p->frame.pixels, need);
        if (!px)
            return WIRE_ERR_NOMEM;
        p->frame.pixels = px;
        p->pixels_cap = need;
    }
    p->frame.head = h;
    p->frame.pixels_len = need;
    p->frame.ncomps = 0;
    p->frame.first_seq = p->hdr.seq;
    p->rows_seen = 0;
    p->crc = wire_crc32(0, p->chunk, WIRE_CHUNK_HEADER_LEN + WIRE_HEAD_LEN);
    p->in_frame = 1;
    return 0;
}

static void bad_chunk(struct wire_parser *p)
{
    p->stats.malformed++;
    drop_frame(p);
}

static int add_row(struct wire_parser *p, const uint8_t *payload, size_t len)
{
    const struct wire_head *h = &p->frame.head;
    uint16_t y = get16(payload), x = get16(payload + 2);
    if (len - WIRE_ROW_PREFIX_LEN != p->row_bytes || x != h->roi_x ||
        y != h->roi_y + p->rows_seen || p->rows_seen >= h->roi_h) {
        bad_chunk(p);
        return 0;
    }
    memcpy(p->frame.pixels + (size_t)p->rows_seen * p->row_bytes, payload + WIRE_ROW_PREFIX_LEN,
           p->row_bytes);
    p->rows_seen++;
    return 0;
}

static int add_comp(struct wire_parser *p, const uint8_t *payload)
{
    const struct wire_head *h = &p->frame.head;
    struct wire_comp c;
    wire_get_comp(payload, &c);
    if (c.x0 > c.x1 || c.y0 > c.y1 || c.x1 >= h->width || c.y1 >= h->height ||
        p->frame.ncomps >= p->max_records) {
        bad_chunk(p);
        return 0;
    }
    if (p->frame.ncomps == p->comps_cap) {
        size_t cap = p->comps_cap ? p->comps_cap * 2 : 256;
        struct wire_comp *n;
        if (cap > p->max_records)
            cap = p->max_records;
        n = realloc(p->frame.comps, cap * sizeof *n);
        if (!n)
            return WIRE_ERR_NOMEM;
        p->frame.comps = n;
        p->comps_cap = cap;
    }
    p->frame.comps[p->frame.ncomps++] = c;
    return 0;
}

/* Ends the frame at its tail; returns the callback's value when a frame is delivered. */
static int end_frame(struct wire_parser *p, const uint8_t *payload, wire_frame_fn on_frame,
                     void *ctx)
{
    struct wire_tail t;
    uint32_t crc;
    int rc = 0;
    wire_get_tail(payload, &t);
    crc = wire_crc32(p->crc, payload, WIRE_TAIL_LEN - 4);
    p->in_frame = 0;
    if (crc != t.crc) {
        p->stats.crc_errors++;
        p->stats.frames_lost++;
        return 0;
    }
    if (t.flags & WIRE_FLAG_ABORTED) {
        p->stats.frames_aborted++;
        return 0;
    }
    if (t.frame != p->frame.head.frame || t.records != p->frame.ncomps || t.rows != p->rows_seen ||
        p->rows_seen != p->frame.head.roi_h) {
        p->stats.malformed++;
        p->stats.frames_lost++;
        return 0;
    }
    p->frame.tail = t;
    p->stats.frames++;
    if (t.flags & WIRE_FLAG_TRUNCATED)
        p->stats.frames_truncated++;
    if (on_frame)
        rc = on_frame(ctx, &p->frame);
    return rc;
}

/* Handles the complete chunk at p->chunk. */
static int handle_chunk(struct wire_parser *p, wire_frame_fn on_frame, void *ctx)
{
    const uint8_t *payload = p->chunk + WIRE_CHUNK_HEADER_LEN;
    size_t len = p->hdr.len;
    int rc = 0;

    p->stats.chunks++;
    if (p->seq_known && p->hdr.seq != p->next_seq) {
        p->stats.seq_gaps++;
        drop_frame(p);
    }
    p->seq_known = 1;
    p->next_seq = (uint16_t)(p->hdr.seq + 1);

    if (p->hdr.type == WIRE_FRAME_HEAD) {
        drop_frame(p);
        return start_frame(p, payload);
    }
    if (!p->in_frame) {
        /* Chunks of a frame whose head we missed: nothing to do but wait for the next head. */
        return 0;
    }
    if (p->hdr.type != WIRE_FRAME_TAIL)
        p->crc = wire_crc32(p->crc, p->chunk, WIRE_CHUNK_HEADER_LEN + len);
    switch (p->hdr.type) {
    case WIRE_ROW:
        rc = add_row(p, payload, len);
        break;
    case WIRE_COMP:
        rc = add_comp(p, payload);
        break;
    case WIRE_FRAME_TAIL:
        p->crc = wire_crc32(p->crc, p->chunk, WIRE_CHUNK_HEADER_LEN);
        rc = end_frame(p, payload, on_frame, ctx);
        break;
    default:
        bad_chunk(p); /* injection chunks never belong on the IN stream */
        break;
    }
    return rc;
}

/* Handles every complete chunk in the pending bytes; returns a callback's stop or an error. */
static int process(struct wire_parser *p, wire_frame_fn on_frame, void *ctx)
{
    for (;;) {
        size_t pos = p->start + p->prev;
        size_t avail = p->have - pos;
        if (avail < WIRE_CHUNK_HEADER_LEN)
            return 0;
        if (!p->synced && p->buf[pos] != WIRE_SYNC0) {
            const uint8_t *q = memchr(p->buf + pos, WIRE_SYNC0, avail);
            size_t skip = q ? (size_t)(q - (p->buf + pos)) : avail;
            p->stats.bytes_skipped += skip;
            p->start += skip;
            continue;
        }
        if (wire_get_header(p->buf + pos, &p->hdr) != 0) {
            if (p->synced) {
                /* What follows a chunk is not a header: the boundary is lost. Hunt again from
                 * the second byte of the chunk handled last. */
                p->stats.resyncs++;
                drop_frame(p);
                p->synced = 0;
                p->start += p->prev ? 1 : 0;
                p->prev = 0;
            } else {
                p->stats.bytes_skipped++;
                p->start++;
            }
            continue;
        }
        size_t len = WIRE_CHUNK_HEADER_LEN + (size_t)p->hdr.len;
        if (avail < len)
            return 0;
        p->start = pos;
        p->prev = len;
        p->synced = 1;
        p->chunk = p->buf + pos;
        int rc = handle_chunk(p, on_frame, ctx);
        if (rc)
            return rc;
    }
}

int wire_parser_feed(struct wire_parser *p, const uint8_t *data, size_t n, wire_frame_fn on_frame,
                     void *ctx, size_t *consumed)
{
    size_t i = 0;
    int rc;

    for (;;) {
        size_t take = sizeof p->buf - p->have;
        if (take > n - i)
            take = n - i;
        if (take) {
            memcpy(p->buf + p->have, data + i, take);
            p->have += take;
            i += take;
        }
        rc = process(p, on_frame, ctx);
        /* Keep only what may still be needed: the last chunk and the bytes after it. */
        memmove(p->buf, p->buf + p->start, p->have - p->start);
        p->have -= p->start;
        p->start = 0;
        if (rc || i == n)
            break;
    }
    p->stats.bytes += i;
    if (consumed)
        *consumed = i;
    return rc;
}
