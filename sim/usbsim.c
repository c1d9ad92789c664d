/*
 * usbsim: device side of the simulated USB board (see usbsim.h).
 *
 * The output FIFO of the board is `q`: the bytes of the frame being sent. The pass-through
 * engine queues a frame whole at its start of frame; the model and the RTL are fed row by row
 * and their chunks pass through engine_out(), which renumbers them when frames were dropped
 * (the engines never see a dropped frame). usbsim_stream_read() hands the bytes out in pieces
 * of any size. Faults are applied to the queued bytes of a frame (processed whole) before the
 * first of them goes out. The camera (camera_frame) runs on its own clock: RUN, RESET and a
 * power cycle do not rewind it.
 */
#include "usbsim.h"

#include "model.h"
#include "wire.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#define DEFAULT_CLOCK_HZ 74250000u
#define PASS_PLANES      1u
#define PASS_LABEL_LOG2  8u
#define RTL_REVISION     0x0002u
/* Largest frame the queue accepts: every row of a 2048 x 2048 window plus 65535 records. */
#define MAX_FRAME_BYTES                                                                            \
    ((size_t)WIRE_CHUNK_HEADER_LEN * 2 + WIRE_HEAD_LEN + WIRE_TAIL_LEN +                           \
     (size_t)WIRE_MAX_HEIGHT * (WIRE_CHUNK_HEADER_LEN + WIRE_MAX_PAYLOAD) +                        \
     65535u * (size_t)(WIRE_CHUNK_HEADER_LEN + WIRE_COMP_LEN) + 65536u)

struct usbsim {
    struct usbsim_config cfg;
    struct model *model;          /* MODEL engine: the board's registers and pipeline */
    struct usbsim_engine_ops ops; /* RTL engine (ops.row != NULL) */

    /* Registers. */
    uint32_t control, frame_size, thresh_window, thresh_plane[4], filter_w, filter_h, output;
    uint32_t roi_x, roi_y;
    uint32_t cnt_frames, cnt_dropped, cnt_overflow, cnt_proto, cnt_truncated, cnt_records;
    uint32_t cnt_inject_err;
    int sticky_overflow, sticky_truncated;

    /* Camera. It runs on whatever the board does (RUN, RESET, unplug): only camera_index and
     * next_due_ns say where it is. */
    uint64_t camera_index; /* frames the camera has shown so far (seen by the board or not) */
    uint32_t frame_no;     /* next FRAME_HEAD number (pass-through engine) */
    uint64_t reset_ns;     /* time of the last RESET (timestamps count from it) */
    int reset_known;
    uint64_t next_due_ns;   /* fps > 0: start of the camera's next frame; 0: not started yet */
    uint64_t free_since_ns; /* when the output last became free (0: since power-up) */
    int run_edge;           /* RUN rose: frames that passed while not running were not seen */

    /* Frames dropped because the output was busy, with the model and RTL engines, which never
     * see them: their count goes into CNT_DROPPED and their numbers are skipped by adding
     * `skip` to the frame number of the engine's FRAME_HEAD and FRAME_TAIL (tail CRC fixed up)
     * as the chunks leave the engine (engine_out). */
    uint32_t skip;                    /* frames dropped since RESET or power-up */
    uint8_t rw_chunk[WIRE_MAX_CHUNK]; /* the engine's chunk being received */
    size_t rw_have, rw_need;
    int rw_in_frame;             /* a FRAME_HEAD was renumbered: its frame's chunks are summed */
    uint32_t rw_skip;            /* skip latched at that FRAME_HEAD */
    uLong rw_crc_in, rw_crc_out; /* CRC-32 of the frame's chunks as received and as sent */

    /* Frame in progress (model and RTL engines, row by row). */
    const struct image *cur; /* NULL: none */
    int cur_row;
    uint64_t cur_ts;
    struct image cur_owned; /* an injected frame being processed */

    /* Output FIFO. */
    struct wire_writer w;
    uint8_t *q;
    size_t q_len, q_pos, q_cap;
    int q_oom;

    /* Armed faults: counts of frames to damage, and arguments. */
    uint32_t f_garbage, f_garbage_arg, f_trunc, f_trunc_arg, f_corrupt, f_badcrc, f_drop;
    uint32_t rng;

    /* Test-frame injection (bulk OUT). */
    uint8_t *inj_buf; /* chunk being received: header + payload */
    size_t inj_have, inj_need;
    struct image inj_frame;
    uint16_t inj_rows;
    int inj_ready;
    int inj_desync; /* lost the chunk boundary (counted once) */

    struct usbsim_stats stats;
};

const char *usbsim_strerror(int err)
{
    switch (err) {
    case USBSIM_OK:
        return "success";
    case USBSIM_ERR_NOMEM:
        return "out of memory";
    case USBSIM_ERR_INVALID:
        return "invalid board configuration";
    case USBSIM_ERR_STALL:
        return "request stalled";
    case USBSIM_ERR_ENGINE:
        return "engine not available in this build";
    default:
        return "unknown error";
    }
}

int usbsim_engine_parse(const char *word, enum usbsim_engine *out)
{
    if (strcmp(word, "pass") == 0)
        *out = USBSIM_ENGINE_PASS;
    else if (strcmp(word, "model") == 0)
        *out = USBSIM_ENGINE_MODEL;
    else if (strcmp(word, "rtl") == 0)
        *out = USBSIM_ENGINE_RTL;
    else
        return USBSIM_ERR_INVALID;
    return 0;
}

static void reset_registers(struct usbsim *s)
{
    s->control = 0;
    s->frame_size = WIRE_RESET_FRAME_SIZE;
    s->thresh_window = WIRE_RESET_THRESH_WINDOW;
    memset(s->thresh_plane, 0, sizeof s->thresh_plane);
    s->thresh_plane[0] = WIRE_RESET_THRESH_PLANE0;
    s->filter_w = WIRE_RESET_FILTER_WIDTH;
    s->filter_h = WIRE_RESET_FILTER_HEIGHT;
    s->output = WIRE_RESET_OUTPUT;
    s->roi_x = s->roi_y = 0;
}

static int q_out(void *ctx, const uint8_t *data, size_t n)
{
    struct usbsim *s = ctx;
    if (s->q_pos > 0 && s->q_pos == s->q_len) {
        s->q_pos = s->q_len = 0;
    } else if (s->q_pos > 0 && s->q_len + n > s->q_cap) {
        memmove(s->q, s->q + s->q_pos, s->q_len - s->q_pos);
        s->q_len -= s->q_pos;
        s->q_pos = 0;
    }
    s->stats.bytes_queued += n;
    if (s->q_len + n > s->q_cap) {
        size_t cap = s->q_cap ? s->q_cap : 65536;
        uint8_t *nq;
        while (cap < s->q_len + n)
            cap *= 2;
        if (cap > MAX_FRAME_BYTES)
            cap = MAX_FRAME_BYTES;
        if (s->q_len + n > cap) {
            s->q_oom = 1;
            return -1;
        }
        nq = realloc(s->q, cap);
        if (!nq) {
            s->q_oom = 1;
            return -1;
        }
        s->q = nq;
        s->q_cap = cap;
    }
    memcpy(s->q + s->q_len, data, n);
    s->q_len += n;
    return 0;
}

static void board_reset(struct usbsim *s);

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The engine's chunk in rw_chunk[0..rw_have) is complete: renumber it when frames were skipped,
 * and queue it. */
static int engine_chunk(struct usbsim *s)
{
    uint8_t *c = s->rw_chunk, *pl = c + WIRE_CHUNK_HEADER_LEN;
    size_t n = s->rw_have;
    uint8_t type = c[2];
    if (type == WIRE_FRAME_HEAD && n >= WIRE_CHUNK_HEADER_LEN + 8) {
        s->rw_in_frame = s->skip != 0;
        s->rw_skip = s->skip;
        if (s->rw_in_frame) {
            s->rw_crc_in = crc32(0L, c, (uInt)n);
            put_u32(pl + 4, get_u32(pl + 4) + s->rw_skip);
            s->rw_crc_out = crc32(0L, c, (uInt)n);
        }
    } else if (s->rw_in_frame && type == WIRE_FRAME_TAIL &&
               n == WIRE_CHUNK_HEADER_LEN + WIRE_TAIL_LEN) {
        /* The CRC covers the frame through byte 11 of the tail; a CRC that was wrong stays
         * wrong by the same difference. */
        uLong in = crc32(s->rw_crc_in, c, WIRE_CHUNK_HEADER_LEN + 12), out;
        put_u32(pl, get_u32(pl) + s->rw_skip);
        out = crc32(s->rw_crc_out, c, WIRE_CHUNK_HEADER_LEN + 12);
        put_u32(pl + 12, get_u32(pl + 12) ^ (uint32_t)in ^ (uint32_t)out);
        s->rw_in_frame = 0;
    } else if (s->rw_in_frame) {
        s->rw_crc_in = crc32(s->rw_crc_in, c, (uInt)n);
        s->rw_crc_out = crc32(s->rw_crc_out, c, (uInt)n);
    }
    s->rw_have = s->rw_need = 0;
    return q_out(s, c, n);
}

/* Output of the model and RTL engines: cut into chunks for engine_chunk(). Bytes that do not
 * start a chunk header go out unchanged, one at a time, until a header turns up (after RESET
 * cut a chunk of the RTL's in two). */
static int engine_out(void *ctx, const uint8_t *data, size_t n)
{
    struct usbsim *s = ctx;
    while (n > 0) {
        size_t want = s->rw_need ? s->rw_need : WIRE_CHUNK_HEADER_LEN, take = want - s->rw_have;
        if (take > n)
            take = n;
        memcpy(s->rw_chunk + s->rw_have, data, take);
        s->rw_have += take;
        data += take;
        n -= take;
        if (s->rw_have < want)
            break;
        if (!s->rw_need) {
            struct wire_chunk_header h;
            if (wire_get_header(s->rw_chunk, &h) != 0) {
                s->rw_in_frame = 0;
                if (q_out(s, s->rw_chunk, 1) != 0)
                    return -1;
                memmove(s->rw_chunk, s->rw_chunk + 1, WIRE_CHUNK_HEADER_LEN - 1);
                s->rw_have = WIRE_CHUNK_HEADER_LEN - 1;
                continue;
            }
            s->rw_need = WIRE_CHUNK_HEADER_LEN + (size_t)h.len;
            if (s->rw_have < s->rw_need)
                continue;
        }
        if (engine_chunk(s) != 0)
            return -1;
    }
    return 0;
}

int usbsim_new(const struct usbsim_config *cfg, struct usbsim **out)
{
    struct usbsim *s;
    if (!cfg || (cfg->nframes && !cfg->frames) || cfg->fps < 0)
        return USBSIM_ERR_INVALID;
    for (size_t i = 0; i < cfg->nframes; i++)
        if (!cfg->frames[i].pixels || cfg->frames[i].width < 1 || cfg->frames[i].height < 1)
            return USBSIM_ERR_INVALID;
    if (cfg->engine == USBSIM_ENGINE_RTL && !cfg->make_engine)
        return USBSIM_ERR_ENGINE;
    s = calloc(1, sizeof *s);
    if (!s)
        return USBSIM_ERR_NOMEM;
    if (cfg->engine == USBSIM_ENGINE_RTL &&
        (cfg->make_engine(&s->ops) != 0 || !s->ops.row || !s->ops.reg_read || !s->ops.reg_write)) {
        if (s->ops.destroy)
            s->ops.destroy(s->ops.ctx);
        free(s);
        return USBSIM_ERR_ENGINE;
    }
    if (cfg->engine == USBSIM_ENGINE_MODEL && model_new(engine_out, s, &s->model) != 0) {
        free(s);
        return USBSIM_ERR_NOMEM;
    }
    s->cfg = *cfg;
    if (!s->cfg.clock_hz)
        s->cfg.clock_hz = DEFAULT_CLOCK_HZ;
    reset_registers(s);
    wire_writer_init(&s->w, q_out, s);
    s->rng = 0x12345678u;
    *out = s;
    return 0;
}

int usbsim_power_cycle(struct usbsim *s)
{
    struct model *m = NULL;
    struct usbsim_engine_ops ops = {0};
    if (s->cfg.engine == USBSIM_ENGINE_MODEL && model_new(engine_out, s, &m) != 0)
        return USBSIM_ERR_NOMEM;
    if (s->cfg.engine == USBSIM_ENGINE_RTL &&
        (s->cfg.make_engine(&ops) != 0 || !ops.row || !ops.reg_read || !ops.reg_write)) {
        if (ops.destroy)
            ops.destroy(ops.ctx);
        return USBSIM_ERR_ENGINE;
    }
    if (s->model) {
        model_free(s->model);
        s->model = m;
    }
    if (s->ops.row) {
        if (s->ops.destroy)
            s->ops.destroy(s->ops.ctx);
        s->ops = ops;
    }
    /* Everything of the board goes back to power-up; the camera (camera_index, next_due_ns)
     * and the armed faults stay. */
    reset_registers(s);
    board_reset(s);
    s->cnt_frames = s->cnt_dropped = s->cnt_overflow = s->cnt_proto = 0;
    s->cnt_truncated = s->cnt_records = s->cnt_inject_err = 0;
    s->sticky_overflow = s->sticky_truncated = 0;
    s->free_since_ns = 0;
    s->run_edge = 0;
    s->q_oom = 0;
    s->inj_desync = 0;
    image_free(&s->inj_frame);
    return 0;
}

void usbsim_free(struct usbsim *s)
{
    if (!s)
        return;
    model_free(s->model);
    image_free(&s->cur_owned);
    if (s->ops.destroy)
        s->ops.destroy(s->ops.ctx);
    free(s->q);
    free(s->inj_buf);
    image_free(&s->inj_frame);
    free(s);
}

/* ---- registers ---------------------------------------------------------------------------- */

int usbsim_reg_read(struct usbsim *s, unsigned addr, uint32_t *value)
{
    uint32_t v;
    if (s->model || s->ops.row) {
        if (s->model ? model_reg_read(s->model, addr, &v) != 0
                     : s->ops.reg_read(s->ops.ctx, addr, &v) != 0)
            return USBSIM_ERR_STALL;
        if (addr == WIRE_REG_STATUS && (s->q_pos < s->q_len || s->cur))
            v |= WIRE_STATUS_IN_FRAME; /* the output FIFO still holds the frame */
        /* What the engine cannot see: frames dropped while the output was busy, and (RTL,
         * which has no injection path) malformed injection chunks. Counters wrap. */
        if (addr == WIRE_REG_CNT_DROPPED)
            v += s->cnt_dropped;
        if (addr == WIRE_REG_CNT_INJECT_ERR && !s->model)
            v += s->cnt_inject_err;
        *value = v;
        return 0;
    }
    switch (addr) {
    case WIRE_REG_ID:
        v = WIRE_ID_VALUE;
        break;
    case WIRE_REG_VERSION:
        v = ((uint32_t)WIRE_PROTO_MAJOR << 24) | ((uint32_t)WIRE_PROTO_MINOR << 16) | RTL_REVISION;
        break;
    case WIRE_REG_CAPS:
        v = ((uint32_t)WIRE_MAX_WIDTH << 16) | (PASS_LABEL_LOG2 << 8) | PASS_PLANES;
        break;
    case WIRE_REG_CLOCK_HZ:
        v = s->cfg.clock_hz;
        break;
    case WIRE_REG_CONTROL:
        v = s->control & (WIRE_CONTROL_RUN | WIRE_CONTROL_SOURCE_INJECT);
        break;
    case WIRE_REG_STATUS:
        v = ((s->control & WIRE_CONTROL_RUN) ? WIRE_STATUS_RUNNING : 0) |
            (s->q_pos < s->q_len || s->cur ? WIRE_STATUS_IN_FRAME : 0) |
            (s->sticky_overflow ? WIRE_STATUS_OVERFLOW : 0) |
            (s->sticky_truncated ? WIRE_STATUS_TRUNCATED : 0);
        break;
    case WIRE_REG_FRAME_SIZE:
        v = s->frame_size;
        break;
    case WIRE_REG_THRESH_WINDOW:
        v = s->thresh_window;
        break;
    case WIRE_REG_THRESH_PLANE0:
    case WIRE_REG_THRESH_PLANE0 + 1:
    case WIRE_REG_THRESH_PLANE0 + 2:
    case WIRE_REG_THRESH_PLANE0 + 3:
        v = s->thresh_plane[addr - WIRE_REG_THRESH_PLANE0];
        break;
    case WIRE_REG_FILTER_WIDTH:
        v = s->filter_w;
        break;
    case WIRE_REG_FILTER_HEIGHT:
        v = s->filter_h;
        break;
    case WIRE_REG_OUTPUT:
        v = s->output;
        break;
    case WIRE_REG_ROI_X:
        v = s->roi_x;
        break;
    case WIRE_REG_ROI_Y:
        v = s->roi_y;
        break;
    case WIRE_REG_CNT_FRAMES:
        v = s->cnt_frames;
        break;
    case WIRE_REG_CNT_DROPPED:
        v = s->cnt_dropped;
        break;
    case WIRE_REG_CNT_OVERFLOW:
        v = s->cnt_overflow;
        break;
    case WIRE_REG_CNT_PROTO_ERR:
        v = s->cnt_proto;
        break;
    case WIRE_REG_CNT_TRUNCATED:
        v = s->cnt_truncated;
        break;
    case WIRE_REG_CNT_RECORDS:
        v = s->cnt_records;
        break;
    case WIRE_REG_CNT_INJECT_ERR:
        v = s->cnt_inject_err;
        break;
    default:
        return USBSIM_ERR_STALL;
    }
    *value = v;
    return 0;
}

static void board_reset(struct usbsim *s)
{
    s->cur = NULL;
    image_free(&s->cur_owned);
    s->q_len = s->q_pos = 0;
    s->w.seq = 0;
    s->frame_no = 0;
    s->skip = 0;
    s->rw_have = s->rw_need = 0;
    s->rw_in_frame = 0;
    s->reset_known = 0;
    s->inj_have = s->inj_need = 0;
    s->inj_ready = 0;
    s->inj_rows = 0;
}

/* CONTROL bits as the board holds them. */
static uint32_t control(const struct usbsim *s)
{
    uint32_t v = 0;
    if (s->ops.row)
        return s->ops.reg_read(s->ops.ctx, WIRE_REG_CONTROL, &v) == 0 ? v : 0;
    if (!s->model)
        return s->control;
    return model_reg_read(s->model, WIRE_REG_CONTROL, &v) == 0 ? v : 0;
}

int usbsim_reg_write(struct usbsim *s, unsigned addr, uint32_t v)
{
    uint32_t lo = v & 0xFFFFu, hi = v >> 16;
    if (s->model || s->ops.row) {
        uint32_t before = control(s);
        if (addr == WIRE_REG_CONTROL && (v & WIRE_CONTROL_RESET) && !(v & ~0xFu)) {
            s->q_len = s->q_pos = 0;
            board_reset(s);
        }
        if (s->model ? model_reg_write(s->model, addr, v) != 0
                     : s->ops.reg_write(s->ops.ctx, addr, v) != 0)
            return USBSIM_ERR_STALL;
        if (addr == WIRE_REG_CONTROL && (v & WIRE_CONTROL_CLEAR_COUNTERS))
            s->cnt_dropped = s->cnt_inject_err = 0;
        if (addr == WIRE_REG_CONTROL && (v & WIRE_CONTROL_RUN) && !(before & WIRE_CONTROL_RUN))
            s->run_edge = 1;
        return 0;
    }
    switch (addr) {
    case WIRE_REG_CONTROL:
        if (v & ~0xFu)
            return USBSIM_ERR_STALL;
        if (v & WIRE_CONTROL_RESET)
            board_reset(s);
        if (v & WIRE_CONTROL_CLEAR_COUNTERS) {
            s->cnt_frames = s->cnt_dropped = s->cnt_overflow = s->cnt_proto = 0;
            s->cnt_truncated = s->cnt_records = s->cnt_inject_err = 0;
            s->sticky_overflow = s->sticky_truncated = 0;
        }
        if ((v & WIRE_CONTROL_RUN) && !(s->control & WIRE_CONTROL_RUN))
            s->run_edge = 1;
        s->control = v & (WIRE_CONTROL_RUN | WIRE_CONTROL_SOURCE_INJECT);
        return 0;
    case WIRE_REG_FRAME_SIZE:
        if (lo < 1 || lo > WIRE_MAX_WIDTH || hi < 1 || hi > WIRE_MAX_HEIGHT)
            return USBSIM_ERR_STALL;
        s->frame_size = v;
        return 0;
    case WIRE_REG_THRESH_WINDOW:
        if ((v & ~0xFFu) || (v & 0xF) < 2 || (v & 0xF) > 7 || ((v >> 4) & 0xF) > 7)
            return USBSIM_ERR_STALL;
        s->thresh_window = v;
        return 0;
    case WIRE_REG_THRESH_PLANE0:
    case WIRE_REG_THRESH_PLANE0 + 1:
    case WIRE_REG_THRESH_PLANE0 + 2:
    case WIRE_REG_THRESH_PLANE0 + 3:
        if (v & ~WIRE_THRESH_PLANE_MASK)
            return USBSIM_ERR_STALL;
        if (addr - WIRE_REG_THRESH_PLANE0 < PASS_PLANES)
            s->thresh_plane[addr - WIRE_REG_THRESH_PLANE0] = v;
        return 0;
    case WIRE_REG_FILTER_WIDTH:
        s->filter_w = v;
        return 0;
    case WIRE_REG_FILTER_HEIGHT:
        s->filter_h = v;
        return 0;
    case WIRE_REG_OUTPUT:
        /* The pass-through engine has no threshold, so it cannot produce the mask. */
        if (v != WIRE_PIXELS_NONE && v != WIRE_PIXELS_GRAY8)
            return USBSIM_ERR_STALL;
        s->output = v;
        return 0;
    case WIRE_REG_ROI_X:
        s->roi_x = v;
        return 0;
    case WIRE_REG_ROI_Y:
        s->roi_y = v;
        return 0;
    default:
        return USBSIM_ERR_STALL; /* read-only or unknown */
    }
}

/* ---- frames ------------------------------------------------------------------------------- */

/* Clips a window register (first, size) to a frame dimension. */
static void clip_window(uint32_t reg, uint16_t dim, uint16_t *first, uint16_t *size)
{
    uint32_t f = reg & 0xFFFFu, n = reg >> 16;
    if (f >= dim)
        f = dim - 1u;
    if (n == 0 || f + n > dim)
        n = dim - f;
    *first = (uint16_t)f;
    *size = (uint16_t)n;
}

/* Queues the chunks of one camera frame through the pass-through engine. */
static int pass_frame(struct usbsim *s, const struct image *img, uint64_t ts)
{
    struct wire_head h = {0};
    uint16_t fw = (uint16_t)(s->frame_size & 0xFFFF), fh = (uint16_t)(s->frame_size >> 16);
    h.version = WIRE_PROTO_MAJOR;
    h.pixel_mode = (uint8_t)s->output;
    h.planes = (s->thresh_plane[0] & 0x200u) ? 1 : 0;
    h.window = (uint8_t)s->thresh_window;
    h.frame = s->frame_no++;
    h.timestamp = ts;
    h.width = fw;
    h.height = fh;
    h.thresh0 = s->thresh_plane[0];
    if (h.pixel_mode != WIRE_PIXELS_NONE) {
        clip_window(s->roi_x, fw, &h.roi_x, &h.roi_w);
        clip_window(s->roi_y, fh, &h.roi_y, &h.roi_h);
    }
    if (wire_writer_head(&s->w, &h) != 0)
        return USBSIM_ERR_NOMEM;
    if (img->width != fw || img->height != fh) {
        /* The camera delivered another size than configured: an input error (section 5). */
        s->cnt_dropped++;
        s->cnt_proto++;
        return wire_writer_tail(&s->w, 0, WIRE_FLAG_ABORTED | WIRE_FLAG_INPUT_ERROR)
                   ? USBSIM_ERR_NOMEM
                   : 0;
    }
    for (uint16_t r = 0; r < h.roi_h; r++) {
        const uint8_t *row = img->pixels + (size_t)(h.roi_y + r) * img->width + h.roi_x;
        if (wire_writer_row(&s->w, (uint16_t)(h.roi_y + r), h.roi_x, row, h.roi_w) != 0)
            return USBSIM_ERR_NOMEM;
    }
    if (wire_writer_tail(&s->w, 0, 0) != 0)
        return USBSIM_ERR_NOMEM;
    s->cnt_frames++;
    return 0;
}

static uint32_t rnd(struct usbsim *s)
{
    s->rng ^= s->rng << 13;
    s->rng ^= s->rng >> 17;
    s->rng ^= s->rng << 5;
    return s->rng;
}

/* Offset of the chunk header number k (0-based) in q[from..], or 0 if none. */
static size_t chunk_offset(const struct usbsim *s, size_t from, unsigned k)
{
    size_t pos = from;
    for (unsigned i = 0; pos + WIRE_CHUNK_HEADER_LEN <= s->q_len; i++) {
        struct wire_chunk_header h;
        if (wire_get_header(s->q + pos, &h) != 0)
            return 0;
        if (i == k)
            return pos;
        pos += WIRE_CHUNK_HEADER_LEN + (size_t)h.len;
    }
    return 0;
}

/* Applies the armed faults to the frame queued at q[from..q_len). */
static int apply_faults(struct usbsim *s, size_t from)
{
    size_t len = s->q_len - from;
    int hit = 0;
    if (s->f_drop) {
        size_t a = chunk_offset(s, from, 1), b = chunk_offset(s, from, 2);
        if (a && b > a) {
            memmove(s->q + a, s->q + b, s->q_len - b);
            s->q_len -= b - a;
            len = s->q_len - from;
            s->f_drop--;
            hit = 1;
        }
    }
    if (s->f_corrupt && len > 2 * WIRE_CHUNK_HEADER_LEN + WIRE_HEAD_LEN + WIRE_TAIL_LEN) {
        /* Flip a bit in a payload byte: inside the head's payload when the frame is small. */
        size_t at = from + WIRE_CHUNK_HEADER_LEN + 8;
        size_t mid = chunk_offset(s, from, 1);
        if (mid && mid + WIRE_CHUNK_HEADER_LEN < s->q_len - WIRE_CHUNK_HEADER_LEN - WIRE_TAIL_LEN)
            at = mid + WIRE_CHUNK_HEADER_LEN + 4 < s->q_len - WIRE_CHUNK_HEADER_LEN - WIRE_TAIL_LEN
                     ? mid + WIRE_CHUNK_HEADER_LEN + 4
                     : at;
        s->q[at] ^= 0x10;
        s->f_corrupt--;
        hit = 1;
    }
    if (s->f_badcrc) {
        s->q[s->q_len - 1] ^= 0x01;
        s->f_badcrc--;
        hit = 1;
    }
    if (s->f_trunc) {
        size_t keep = s->f_trunc_arg ? s->f_trunc_arg : len / 2;
        if (keep < len)
            s->q_len = from + keep;
        s->f_trunc--;
        hit = 1;
    }
    if (s->f_garbage) {
        size_t n = s->f_garbage_arg ? s->f_garbage_arg : 64;
        uint8_t *g;
        if (n > 1u << 20)
            n = 1u << 20;
        g = malloc(n);
        if (!g)
            return USBSIM_ERR_NOMEM;
        for (size_t i = 0; i < n; i++) {
            uint32_t r = rnd(s);
            g[i] = (uint8_t)r;
            if ((r >> 8) % 16 == 0 && i + 1 < n) { /* stray sync pairs exercise the resync */
                g[i] = WIRE_SYNC0;
                g[++i] = WIRE_SYNC1;
            }
        }
        /* Insert the garbage before the frame. */
        if (q_out(s, g, n) != 0) {
            free(g);
            return USBSIM_ERR_NOMEM;
        }
        memmove(s->q + from + n, s->q + from, s->q_len - n - from);
        memcpy(s->q + from, g, n);
        free(g);
        s->f_garbage--;
        hit = 1;
    }
    if (hit)
        s->stats.frames_faulted++;
    return 0;
}

/* Whether the camera (not the injection) still has a frame to show. */
static int camera_has_frame(const struct usbsim *s)
{
    if (s->cfg.nframes == 0)
        return 0;
    if (s->cfg.count && s->camera_index >= s->cfg.count)
        return 0;
    return s->cfg.loop || s->camera_index < s->cfg.nframes;
}

/* A camera frame started while the output was busy: dropped whole, counted, its number
 * skipped (PROTOCOL.md sections 3.2 and 5). */
static void camera_drop(struct usbsim *s)
{
    s->camera_index++;
    s->cnt_dropped++;
    if (s->model || s->ops.row)
        s->skip++; /* the engine never sees it: engine_out renumbers its frames */
    else
        s->frame_no++;
}

/*
 * The camera frame that starts now, if any (NULL: none at now_ns); *sof_ns gets its start of
 * frame. With fps > 0 the camera runs freely, frame k of its timeline at next_due_ns: a frame
 * whose start passed while the board was not running was not seen (no number, no count); one
 * whose start passed while the output was busy (before free_since_ns) is dropped; the first
 * whose start found the output free is the one processed.
 */
static const struct image *camera_frame(struct usbsim *s, uint64_t now_ns, uint64_t *sof_ns)
{
    uint64_t period;
    *sof_ns = now_ns;
    if (control(s) & WIRE_CONTROL_SOURCE_INJECT) {
        s->run_edge = 0;
        return s->inj_ready ? &s->inj_frame : NULL;
    }
    if (s->cfg.fps > 0) {
        period = (uint64_t)(1e9 / s->cfg.fps);
        if (period == 0)
            period = 1;
        if (s->next_due_ns == 0)
            s->next_due_ns = now_ns; /* the camera's first frame */
        if (s->run_edge) {
            while (s->next_due_ns < now_ns && camera_has_frame(s)) {
                s->camera_index++;
                s->next_due_ns += period;
            }
            s->free_since_ns = now_ns;
            s->run_edge = 0;
        }
        while (s->next_due_ns < s->free_since_ns && camera_has_frame(s)) {
            camera_drop(s);
            s->next_due_ns += period;
        }
        if (now_ns < s->next_due_ns || !camera_has_frame(s))
            return NULL;
        *sof_ns = s->next_due_ns;
        s->next_due_ns += period;
    } else {
        s->run_edge = 0;
        if (!camera_has_frame(s))
            return NULL;
    }
    return &s->cfg.frames[s->camera_index++ % s->cfg.nframes];
}

/* One camera row of the frame in progress through the model or the RTL. */
static int engine_row(struct usbsim *s)
{
    const struct image *img = s->cur;
    int y = s->cur_row, w = img->width, h = img->height;
    const uint8_t *px = img->pixels + (size_t)y * (size_t)w;
    if (s->ops.row)
        return s->ops.row(s->ops.ctx, px, w, y, h, engine_out, s) == 0 ? 0 : USBSIM_ERR_NOMEM;
    for (int x = 0; x < w; x++) {
        unsigned mk = (x == 0 && y == 0 ? MODEL_PX_SOF : 0) | (x == w - 1 ? MODEL_PX_EOL : 0);
        if (model_pixel(s->model, px[x], mk, s->cur_ts) != 0)
            return USBSIM_ERR_NOMEM;
    }
    return 0;
}

/* Runs rows of the frame in progress until it is done or, when deadline_ns is not 0, until the
 * deadline passed. */
static int engine_steps(struct usbsim *s, uint64_t deadline_ns)
{
    while (s->cur) {
        int err = engine_row(s);
        if (err != 0) {
            s->cur = NULL;
            image_free(&s->cur_owned);
            return err;
        }
        if (++s->cur_row == s->cur->height) {
            s->cur = NULL;
            image_free(&s->cur_owned);
        }
        if (deadline_ns) {
            struct timespec t;
            clock_gettime(CLOCK_MONOTONIC, &t);
            if ((uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec >= deadline_ns)
                break;
        }
    }
    return 0;
}

static int faults_armed(const struct usbsim *s)
{
    return s->f_garbage || s->f_trunc || s->f_corrupt || s->f_badcrc || s->f_drop;
}

/* Starts the camera's next frame if there is one; a faulted frame is processed whole. */
static int start_frame(struct usbsim *s, uint64_t now_ns)
{
    uint64_t sof_ns;
    const struct image *img = camera_frame(s, now_ns, &sof_ns);
    uint64_t ts;
    int err;
    if (!img)
        return 0;
    ts = sof_ns > s->reset_ns ? (uint64_t)((double)(sof_ns - s->reset_ns) * s->cfg.clock_hz / 1e9)
                              : 0;
    if (control(s) & WIRE_CONTROL_SOURCE_INJECT) {
        /* The injected frame becomes ours: the host may send the next one meanwhile. */
        image_free(&s->cur_owned);
        s->cur_owned = s->inj_frame;
        memset(&s->inj_frame, 0, sizeof s->inj_frame);
        s->inj_ready = 0;
        img = &s->cur_owned;
    }
    s->stats.frames_sent++;
    s->q_oom = 0;
    if (!s->model && !s->ops.row) {
        err = pass_frame(s, img, ts);
        image_free(&s->cur_owned);
    } else {
        s->cur = img;
        s->cur_row = 0;
        s->cur_ts = ts;
        if (!faults_armed(s))
            return 0;
        err = engine_steps(s, 0);
    }
    if (err != 0) {
        s->q_len = s->q_pos = 0;
        return USBSIM_ERR_NOMEM;
    }
    return apply_faults(s, 0);
}

long usbsim_stream_read(struct usbsim *s, uint8_t *buf, size_t max, uint64_t now_ns)
{
    size_t n;
    int err;
    if (!s->reset_known) {
        s->reset_ns = now_ns;
        s->reset_known = 1;
    }
    if (s->q_pos >= s->q_len) {
        s->q_pos = s->q_len = 0;
        if (!s->cur && (control(s) & WIRE_CONTROL_RUN)) {
            err = start_frame(s, now_ns);
            if (err != 0)
                return err;
        }
        if (s->cur && s->q_len == 0) {
            err = engine_steps(s, now_ns + USBSIM_STEP_NS);
            if (err != 0)
                return err;
        }
    }
    n = s->q_len - s->q_pos;
    if (n > max)
        n = max;
    if (n == 0)
        return 0;
    memcpy(buf, s->q + s->q_pos, n);
    s->q_pos += n;
    s->stats.bytes_read += n;
    if (s->q_pos == s->q_len && !s->cur)
        s->free_since_ns = now_ns; /* the frame's last byte went out */
    return (long)n;
}

int usbsim_busy(const struct usbsim *s)
{
    return s->cur != NULL;
}

size_t usbsim_stream_pending(const struct usbsim *s)
{
    return s->q_len - s->q_pos;
}

void usbsim_fault(struct usbsim *s, enum usbsim_fault fault, uint32_t arg)
{
    switch (fault) {
    case USBSIM_FAULT_GARBAGE:
        s->f_garbage++;
        s->f_garbage_arg = arg;
        break;
    case USBSIM_FAULT_TRUNCATE:
        s->f_trunc++;
        s->f_trunc_arg = arg;
        break;
    case USBSIM_FAULT_CORRUPT:
        s->f_corrupt++;
        break;
    case USBSIM_FAULT_BAD_CRC:
        s->f_badcrc++;
        break;
    case USBSIM_FAULT_DROP_CHUNK:
        s->f_drop++;
        break;
    }
}

void usbsim_stats(const struct usbsim *s, struct usbsim_stats *out)
{
    *out = s->stats;
}

/* ---- test-frame injection ------------------------------------------------------------------ */

static void inject_error(struct usbsim *s)
{
    if (s->model)
        (void)!model_inject_error(s->model); /* counts it; nothing is in flight to abort */
    else
        s->cnt_inject_err++;
    s->inj_rows = 0;
    s->inj_ready = 0;
    image_free(&s->inj_frame);
}

/* Handles one complete injection chunk in s->inj_buf. */
static void inject_chunk(struct usbsim *s, const struct wire_chunk_header *h)
{
    const uint8_t *p = s->inj_buf + WIRE_CHUNK_HEADER_LEN;
    if (h->type == WIRE_INJ_HEAD) {
        int wdt = p[0] | p[1] << 8, hgt = p[2] | p[3] << 8;
        image_free(&s->inj_frame);
        s->inj_rows = 0;
        s->inj_ready = 0;
        if (h->len != 4 || wdt < 1 || wdt > WIRE_MAX_WIDTH || hgt < 1 || hgt > WIRE_MAX_HEIGHT ||
            image_alloc(&s->inj_frame, wdt, hgt) != 0) {
            inject_error(s);
            return;
        }
        return;
    }
    if (h->type == WIRE_INJ_ROW) {
        unsigned y = p[0] | p[1] << 8;
        if (!s->inj_frame.pixels || s->inj_ready || y != s->inj_rows ||
            h->len != 2 + (unsigned)s->inj_frame.width) {
            inject_error(s);
            return;
        }
        memcpy(s->inj_frame.pixels + (size_t)y * s->inj_frame.width, p + 2,
               (size_t)s->inj_frame.width);
        if (++s->inj_rows == s->inj_frame.height)
            s->inj_ready = 1;
        return;
    }
    inject_error(s);
}

int usbsim_inject_write(struct usbsim *s, const uint8_t *data, size_t n)
{
    if (!s->inj_buf) {
        s->inj_buf = malloc(WIRE_MAX_CHUNK);
        if (!s->inj_buf)
            return USBSIM_ERR_NOMEM;
    }
    for (size_t i = 0; i < n;) {
        if (s->inj_have < WIRE_CHUNK_HEADER_LEN) {
            s->inj_buf[s->inj_have++] = data[i++];
            if (s->inj_have == WIRE_CHUNK_HEADER_LEN) {
                const uint8_t *b = s->inj_buf;
                unsigned len = b[6] | b[7] << 8;
                uint8_t type = b[2];
                if (b[0] != WIRE_SYNC0 || b[1] != WIRE_SYNC1 || b[3] != wire_header_check(b) ||
                    (type != WIRE_INJ_HEAD && type != WIRE_INJ_ROW) || len > WIRE_MAX_PAYLOAD) {
                    /* Not a header: one error per loss of the chunk boundary, then drop one
                     * byte at a time until a header turns up. */
                    memmove(s->inj_buf, s->inj_buf + 1, WIRE_CHUNK_HEADER_LEN - 1);
                    s->inj_have--;
                    if (!s->inj_desync)
                        inject_error(s);
                    s->inj_desync = 1;
                    continue;
                }
                s->inj_desync = 0;
                s->inj_need = WIRE_CHUNK_HEADER_LEN + len;
            }
        } else {
            size_t take = s->inj_need - s->inj_have;
            if (take > n - i)
                take = n - i;
            memcpy(s->inj_buf + s->inj_have, data + i, take);
            s->inj_have += take;
            i += take;
        }
        if (s->inj_have >= WIRE_CHUNK_HEADER_LEN && s->inj_have == s->inj_need) {
            struct wire_chunk_header h = {.type = s->inj_buf[2],
                                          .seq = (uint16_t)(s->inj_buf[4] | s->inj_buf[5] << 8),
                                          .len = (uint16_t)(s->inj_need - WIRE_CHUNK_HEADER_LEN)};
            inject_chunk(s, &h);
            s->inj_have = s->inj_need = 0;
        }
    }
    return 0;
}
