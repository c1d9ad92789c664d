/*
 * wire: the board <-> host wire format of docs/PROTOCOL.md, in one place.
 *
 * Three parts:
 *   - constants and field layouts of the chunks (section 3 of PROTOCOL.md) and the registers;
 *   - an encoder (struct wire_writer) that turns a frame into chunks: the C model of the board
 *     and the simulated board use it, so they emit exactly what the RTL must emit;
 *   - a streaming parser (struct wire_parser) that takes the byte stream in pieces of any size,
 *     resynchronises after loss and hands up only complete, CRC-checked frames: the driver, the
 *     host and the tests use it.
 *
 * Ownership: a parser owns its buffers; the struct wire_frame passed to the frame callback is
 * borrowed and valid only during the callback (wire_frame_copy() keeps one). Nothing here keeps
 * global state; instances may be used from different threads, each by one thread at a time.
 */
#ifndef WIRE_H
#define WIRE_H

#include <stddef.h>
#include <stdint.h>

#define WIRE_WARN_UNUSED __attribute__((warn_unused_result))

/* ---- USB identity and control requests (PROTOCOL.md sections 1-2) ------------------------ */

#define WIRE_USB_VID        0x1209
#define WIRE_USB_PID        0x0001
#define WIRE_USB_BCD_DEVICE 0x0100
#define WIRE_EP_IN          0x81
#define WIRE_EP_OUT         0x02
#define WIRE_EP_MAX_PACKET  512
#define WIRE_REQ_READ_REG   0x01
#define WIRE_REQ_WRITE_REG  0x02
#define WIRE_REQTYPE_IN     0xC0
#define WIRE_REQTYPE_OUT    0x40

enum wire_reg {
    WIRE_REG_ID = 0x00,
    WIRE_REG_VERSION = 0x01,
    WIRE_REG_CAPS = 0x02,
    WIRE_REG_CLOCK_HZ = 0x03,
    WIRE_REG_CONTROL = 0x04,
    WIRE_REG_STATUS = 0x05,
    WIRE_REG_FRAME_SIZE = 0x06,
    WIRE_REG_THRESH_WINDOW = 0x07,
    WIRE_REG_THRESH_PLANE0 = 0x08, /* 0x08 + p for p = 0..3 */
    WIRE_REG_FILTER_WIDTH = 0x0C,
    WIRE_REG_FILTER_HEIGHT = 0x0D,
    WIRE_REG_OUTPUT = 0x0E,
    WIRE_REG_ROI_X = 0x0F,
    WIRE_REG_ROI_Y = 0x10,
    WIRE_REG_CNT_FRAMES = 0x20,
    WIRE_REG_CNT_DROPPED = 0x21,
    WIRE_REG_CNT_OVERFLOW = 0x22,
    WIRE_REG_CNT_PROTO_ERR = 0x23,
    WIRE_REG_CNT_TRUNCATED = 0x24,
    WIRE_REG_CNT_RECORDS = 0x25,
    WIRE_REG_CNT_INJECT_ERR = 0x26,
};

#define WIRE_ID_VALUE               0x414C5052u
#define WIRE_PROTO_MAJOR            1
#define WIRE_PROTO_MINOR            1
#define WIRE_CONTROL_RUN            0x1u
#define WIRE_CONTROL_RESET          0x2u
#define WIRE_CONTROL_CLEAR_COUNTERS 0x4u
#define WIRE_CONTROL_SOURCE_INJECT  0x8u
#define WIRE_STATUS_RUNNING         0x1u
#define WIRE_STATUS_IN_FRAME        0x2u
#define WIRE_STATUS_OVERFLOW        0x4u
#define WIRE_STATUS_TRUNCATED       0x8u

/* Reset values of the read-write registers. */
#define WIRE_RESET_FRAME_SIZE    0x02D00500u /* 1280 x 720 */
#define WIRE_RESET_THRESH_WINDOW 0x24u
#define WIRE_RESET_THRESH_PLANE0 0x00080246u /* enabled, dark ink, t = 70/256, contrast 8 */
#define WIRE_THRESH_PLANE_MASK   0x00FF03FFu /* the defined bits of THRESH_PLANE_p */
#define WIRE_RESET_FILTER_WIDTH  0x00FF0001u
#define WIRE_RESET_FILTER_HEIGHT 0x00FF0008u
#define WIRE_RESET_OUTPUT        1u

/* Returns the register's name ("FRAME_SIZE"), or NULL for an unknown address. */
const char *wire_reg_name(unsigned addr);
/* Finds a register by name (case-insensitive); returns 0 and sets *addr, or -1. */
int wire_reg_lookup(const char *name, unsigned *addr) WIRE_WARN_UNUSED;

/* ---- Chunks (PROTOCOL.md section 3) ------------------------------------------------------ */

#define WIRE_SYNC0               0x41
#define WIRE_SYNC1               0x4C
#define WIRE_CHECK_SEED          0x5C
#define WIRE_CHUNK_HEADER_LEN    8
#define WIRE_MAX_WIDTH           2048
#define WIRE_MAX_HEIGHT          2048
#define WIRE_HEAD_LEN            32
#define WIRE_ROW_PREFIX_LEN      4
#define WIRE_COMP_LEN            16
#define WIRE_TAIL_LEN            16
#define WIRE_MAX_PAYLOAD         (WIRE_ROW_PREFIX_LEN + WIRE_MAX_WIDTH)
#define WIRE_MAX_CHUNK           (WIRE_CHUNK_HEADER_LEN + WIRE_MAX_PAYLOAD)
#define WIRE_DEFAULT_MAX_RECORDS 8192

enum wire_chunk_type {
    WIRE_FRAME_HEAD = 0x01,
    WIRE_ROW = 0x02,
    WIRE_COMP = 0x03,
    WIRE_FRAME_TAIL = 0x04,
    WIRE_INJ_HEAD = 0x11,
    WIRE_INJ_ROW = 0x12,
};

enum wire_pixel_mode { WIRE_PIXELS_NONE = 0, WIRE_PIXELS_GRAY8 = 1, WIRE_PIXELS_MASK1 = 2 };

#define WIRE_EDGE_LEFT   0x1
#define WIRE_EDGE_RIGHT  0x2
#define WIRE_EDGE_TOP    0x4
#define WIRE_EDGE_BOTTOM 0x8

#define WIRE_FLAG_ABORTED     0x1
#define WIRE_FLAG_TRUNCATED   0x2
#define WIRE_FLAG_OVERFLOW    0x4
#define WIRE_FLAG_INPUT_ERROR 0x8

struct wire_chunk_header {
    uint8_t type;
    uint16_t seq;
    uint16_t len;
};

struct wire_head {
    uint8_t version;
    uint8_t pixel_mode;
    uint8_t planes;
    uint8_t window;
    uint32_t frame;
    uint64_t timestamp;
    uint16_t width, height;
    uint16_t roi_x, roi_y, roi_w, roi_h;
    uint32_t thresh0;
};

struct wire_comp {
    uint16_t x0, y0, x1, y1;
    uint16_t ink;
    uint8_t plane;
    uint8_t edges;
    uint16_t label;
};

struct wire_tail {
    uint32_t frame;
    uint16_t records;
    uint16_t found;
    uint16_t rows;
    uint16_t flags;
    uint32_t crc;
};

/* Errors of this module (negative). */
enum wire_error {
    WIRE_OK = 0,
    WIRE_ERR_NOMEM = -1,   /* out of memory */
    WIRE_ERR_INVALID = -2, /* bad argument or a field out of range */
    WIRE_ERR_SHORT = -3,   /* not enough bytes */
    WIRE_ERR_SYNC = -4,    /* no sync bytes / bad check byte / unknown type / bad length */
    WIRE_ERR_OUTPUT = -5,  /* the writer's output callback failed */
};
const char *wire_strerror(int err);

/* CRC-32 (IEEE 802.3, zlib's crc32()): crc = wire_crc32(0, p, n), then chain. */
uint32_t wire_crc32(uint32_t crc, const uint8_t *p, size_t n);

/* Check byte of a chunk header: 0x5C XOR bytes 0,1,2,4,5,6,7. */
uint8_t wire_header_check(const uint8_t hdr[WIRE_CHUNK_HEADER_LEN]);

/* Writes an 8-byte chunk header. */
void wire_put_header(uint8_t out[WIRE_CHUNK_HEADER_LEN], uint8_t type, uint16_t seq, uint16_t len);

/*
 * Decodes and validates an 8-byte chunk header: sync bytes, check byte, known type and a
 * length allowed for that type. Returns 0 and fills *out, or WIRE_ERR_SYNC.
 */
int wire_get_header(const uint8_t in[WIRE_CHUNK_HEADER_LEN],
                    struct wire_chunk_header *out) WIRE_WARN_UNUSED;

/* Payload encoders and decoders (fixed sizes above). Decoders do not validate ranges. */
void wire_put_head(uint8_t out[WIRE_HEAD_LEN], const struct wire_head *h);
void wire_get_head(const uint8_t in[WIRE_HEAD_LEN], struct wire_head *h);
void wire_put_comp(uint8_t out[WIRE_COMP_LEN], const struct wire_comp *c);
void wire_get_comp(const uint8_t in[WIRE_COMP_LEN], struct wire_comp *c);
void wire_put_tail(uint8_t out[WIRE_TAIL_LEN], const struct wire_tail *t);
void wire_get_tail(const uint8_t in[WIRE_TAIL_LEN], struct wire_tail *t);

/*
 * Checks a frame head for consistency: version, pixel mode, 1 <= width,height <= 2048, the
 * window inside the frame (and 0x0 for NONE). Returns 0 or WIRE_ERR_INVALID.
 */
int wire_head_validate(const struct wire_head *h) WIRE_WARN_UNUSED;

/* Bytes of one ROW payload's pixels for a head (roi_w, or ceil(roi_w/8) for MASK1). */
size_t wire_row_bytes(const struct wire_head *h);

/* ---- Encoder ------------------------------------------------------------------------------ */

/*
 * Output callback of a writer: consume n bytes. Returns 0, or non-zero to fail the write
 * (the writer then returns WIRE_ERR_OUTPUT).
 */
typedef int (*wire_output_fn)(void *ctx, const uint8_t *data, size_t n);

/*
 * Emits frames chunk by chunk with running sequence numbers and frame CRC, in the order the
 * protocol requires: wire_writer_head(), then any mix of wire_writer_row()/wire_writer_comp(),
 * then wire_writer_tail(), which fills in the counts and the CRC itself. The writer does not
 * check the order (the C model and the tests of the parser need to produce wrong streams too).
 */
struct wire_writer {
    wire_output_fn out;
    void *ctx;
    uint16_t seq;     /* sequence number of the next chunk */
    uint32_t crc;     /* running CRC of the frame in progress */
    uint16_t records; /* COMP chunks since the head */
    uint16_t rows;    /* ROW chunks since the head */
    uint32_t frame;   /* frame number of the head */
};

void wire_writer_init(struct wire_writer *w, wire_output_fn out, void *ctx);
int wire_writer_head(struct wire_writer *w, const struct wire_head *h) WIRE_WARN_UNUSED;
/* Row y of the window: n bytes of pixels (gray or packed mask) starting at column x. */
int wire_writer_row(struct wire_writer *w, uint16_t y, uint16_t x, const uint8_t *pixels,
                    size_t n) WIRE_WARN_UNUSED;
int wire_writer_comp(struct wire_writer *w, const struct wire_comp *c) WIRE_WARN_UNUSED;
/* Ends the frame: counts from the writer, found and flags from the caller. */
int wire_writer_tail(struct wire_writer *w, uint16_t found, uint16_t flags) WIRE_WARN_UNUSED;

/* ---- Parser ------------------------------------------------------------------------------- */

/* A complete frame as delivered by the parser. */
struct wire_frame {
    struct wire_head head;
    struct wire_tail tail;
    uint32_t first_seq; /* seq of the FRAME_HEAD chunk */
    uint8_t *pixels;    /* roi_h rows of wire_row_bytes(&head) bytes; NULL for NONE */
    size_t pixels_len;
    struct wire_comp *comps; /* tail.records records, in stream order */
    size_t ncomps;
};

/* Deep copy (for queues). Returns 0 or WIRE_ERR_NOMEM; *dst untouched on failure. */
int wire_frame_copy(struct wire_frame *dst, const struct wire_frame *src) WIRE_WARN_UNUSED;
/* Frees what wire_frame_copy() allocated; accepts NULL and zeroed frames. */
void wire_frame_free(struct wire_frame *f);

/* Counters of everything the parser saw. All only grow. */
struct wire_stats {
    uint64_t bytes;            /* bytes fed */
    uint64_t bytes_skipped;    /* bytes discarded while hunting for a header */
    uint64_t chunks;           /* valid chunk headers with their payload */
    uint64_t frames;           /* frames delivered */
    uint64_t frames_aborted;   /* tails with ABORTED set (board-side drops) */
    uint64_t frames_lost;      /* frames discarded for a gap, malformation or bad CRC */
    uint64_t frames_truncated; /* delivered frames with TRUNCATED set */
    uint64_t seq_gaps;         /* discontinuities in the chunk sequence */
    uint64_t frame_gaps;       /* frames the board numbered but that never arrived as heads */
    uint64_t crc_errors;
    uint64_t malformed; /* chunks out of place or with fields out of range */
    uint64_t resyncs;   /* times the parser lost and regained the chunk boundary */
};

struct wire_parser;

/*
 * Frame callback: called from wire_parser_feed() for each delivered frame. The frame is
 * borrowed. Returning non-zero stops the feed early (wire_parser_feed returns that value);
 * the parser stays consistent and the remaining bytes must be fed again.
 */
typedef int (*wire_frame_fn)(void *ctx, const struct wire_frame *f);

/*
 * Creates a parser. max_records caps the records of one frame (0: WIRE_DEFAULT_MAX_RECORDS);
 * a frame with more is discarded as malformed. Returns 0 and sets *out, or WIRE_ERR_NOMEM.
 */
int wire_parser_new(size_t max_records, struct wire_parser **out) WIRE_WARN_UNUSED;
void wire_parser_free(struct wire_parser *p);

/*
 * Feeds n bytes of the stream (any split). Calls on_frame for each valid frame completed.
 * Returns 0, the callback's non-zero value, or WIRE_ERR_NOMEM. When it returns early,
 * *consumed (if consumed is not NULL) tells how many of the n bytes were taken: the caller
 * feeds the rest later. Bytes taken but not yet parsed stay inside the parser and are parsed at
 * the next call, which may pass n = 0.
 */
int wire_parser_feed(struct wire_parser *p, const uint8_t *data, size_t n, wire_frame_fn on_frame,
                     void *ctx, size_t *consumed) WIRE_WARN_UNUSED;

/* Forgets any partial frame and hunts for a header again (after a device reset/reconnect). */
void wire_parser_reset(struct wire_parser *p);

/* Copies the counters out. */
void wire_parser_stats(const struct wire_parser *p, struct wire_stats *out);

#endif
