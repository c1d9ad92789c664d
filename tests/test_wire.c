/* Tests of driver/wire: chunk encoding, the writer, and the streaming parser's recovery. */
#include "testlib.h"
#include "wire.h"

#include <stdlib.h>
#include <string.h>

/* A growable byte buffer the writer appends to. */
struct bytes {
    uint8_t *p;
    size_t n, cap;
    int fail_after; /* >0: the output callback fails once n would exceed this */
};

static int bytes_out(void *ctx, const uint8_t *data, size_t n)
{
    struct bytes *b = ctx;
    if (b->fail_after && b->n + n > (size_t)b->fail_after)
        return -1;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->n + n)
            cap *= 2;
        uint8_t *q = realloc(b->p, cap);
        if (!q)
            return -1;
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->n, data, n);
    b->n += n;
    return 0;
}

/* Collects delivered frames (deep copies). */
struct sink {
    struct wire_frame frames[16];
    int n;
};

static int sink_frame(void *ctx, const struct wire_frame *f)
{
    struct sink *s = ctx;
    if (s->n < 16 && wire_frame_copy(&s->frames[s->n], f) == 0)
        s->n++;
    return 0;
}

static void sink_free(struct sink *s)
{
    for (int i = 0; i < s->n; i++)
        wire_frame_free(&s->frames[i]);
    s->n = 0;
}

static struct wire_head test_head(uint32_t frame, uint16_t w, uint16_t h, uint8_t mode)
{
    struct wire_head hd = {.version = WIRE_PROTO_MAJOR,
                           .pixel_mode = mode,
                           .planes = 1,
                           .window = WIRE_RESET_THRESH_WINDOW,
                           .frame = frame,
                           .timestamp = 1000ull * frame,
                           .width = w,
                           .height = h,
                           .thresh0 = WIRE_RESET_THRESH_PLANE0};
    if (mode != WIRE_PIXELS_NONE) {
        hd.roi_w = w;
        hd.roi_h = h;
    }
    return hd;
}

static uint8_t pixel_at(uint32_t frame, int x, int y)
{
    return (uint8_t)(x * 7 + y * 13 + frame * 29);
}

/* Writes a full frame: rows with a record after every third row. */
static void write_frame(struct wire_writer *w, uint32_t frame, uint16_t width, uint16_t height,
                        uint8_t mode, uint16_t flags)
{
    struct wire_head h = test_head(frame, width, height, mode);
    uint8_t row[WIRE_MAX_WIDTH];
    size_t nb = wire_row_bytes(&h);
    CHECK_EQ_INT(wire_writer_head(w, &h), 0);
    for (uint16_t y = 0; y < height; y++) {
        if (mode != WIRE_PIXELS_NONE) {
            for (size_t x = 0; x < nb; x++)
                row[x] = pixel_at(frame, (int)x, y);
            CHECK_EQ_INT(wire_writer_row(w, y, 0, row, nb), 0);
        }
        if (y % 3 == 2) {
            struct wire_comp c = {.x0 = y % width,
                                  .y0 = y - 2,
                                  .x1 = y % width,
                                  .y1 = y,
                                  .ink = (uint16_t)(y + 1),
                                  .plane = 0,
                                  .label = y};
            CHECK_EQ_INT(wire_writer_comp(w, &c), 0);
        }
    }
    CHECK_EQ_INT(wire_writer_tail(w, (uint16_t)(height / 3 + 5), flags), 0);
}

static void check_frame(const struct wire_frame *f, uint32_t frame, uint16_t width, uint16_t height)
{
    CHECK_EQ_INT(f->head.frame, frame);
    CHECK_EQ_INT(f->tail.frame, frame);
    CHECK_EQ_INT(f->head.width, width);
    CHECK_EQ_INT(f->head.height, height);
    CHECK_EQ_INT(f->ncomps, height / 3);
    CHECK_EQ_INT(f->tail.found, height / 3 + 5);
    REQUIRE(f->pixels_len == (size_t)width * height);
    int bad = 0;
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
            bad += f->pixels[(size_t)y * width + x] != pixel_at(frame, x, y);
    CHECK_EQ_INT(bad, 0);
    for (size_t i = 0; i < f->ncomps; i++) {
        CHECK_EQ_INT(f->comps[i].y1, 3 * i + 2);
        CHECK_EQ_INT(f->comps[i].ink, 3 * i + 3);
    }
}

static void feed_all(struct wire_parser *p, const uint8_t *data, size_t n, struct sink *s)
{
    size_t used = 0;
    CHECK_EQ_INT(wire_parser_feed(p, data, n, sink_frame, s, &used), 0);
    CHECK_EQ_INT(used, n);
}

static void test_header_roundtrip(void)
{
    uint8_t h[8];
    struct wire_chunk_header ch;
    wire_put_header(h, WIRE_ROW, 0xBEEF, 4 + 640);
    REQUIRE(wire_get_header(h, &ch) == 0);
    CHECK_EQ_INT(ch.type, WIRE_ROW);
    CHECK_EQ_INT(ch.seq, 0xBEEF);
    CHECK_EQ_INT(ch.len, 644);
    h[5] ^= 1; /* seq changed without the check byte */
    CHECK_EQ_INT(wire_get_header(h, &ch), WIRE_ERR_SYNC);
    wire_put_header(h, 0x77, 1, 16);
    CHECK_EQ_INT(wire_get_header(h, &ch), WIRE_ERR_SYNC); /* unknown type */
    wire_put_header(h, WIRE_COMP, 1, 17);
    CHECK_EQ_INT(wire_get_header(h, &ch), WIRE_ERR_SYNC); /* wrong length */
    wire_put_header(h, WIRE_ROW, 1, 4 + WIRE_MAX_WIDTH + 1);
    CHECK_EQ_INT(wire_get_header(h, &ch), WIRE_ERR_SYNC); /* row too long */
}

static void test_payload_roundtrip(void)
{
    struct wire_head h = test_head(0xDEADBEEF, 1920, 1080, WIRE_PIXELS_GRAY8), h2;
    struct wire_comp c = {1, 2, 3, 4, 65535, 2, WIRE_EDGE_LEFT | WIRE_EDGE_BOTTOM, 999}, c2;
    struct wire_tail t = {7, 8, 9, 10, WIRE_FLAG_TRUNCATED, 0x12345678}, t2;
    uint8_t buf[WIRE_HEAD_LEN];
    h.timestamp = 0x0123456789ABCDEFull;
    wire_put_head(buf, &h);
    wire_get_head(buf, &h2);
    CHECK(memcmp(&h, &h2, sizeof h) == 0);
    wire_put_comp(buf, &c);
    wire_get_comp(buf, &c2);
    CHECK(memcmp(&c, &c2, sizeof c) == 0);
    wire_put_tail(buf, &t);
    wire_get_tail(buf, &t2);
    CHECK(memcmp(&t, &t2, sizeof t) == 0);
    /* Little-endian on the wire, whatever the host. */
    CHECK_EQ_INT(buf[0], 7);
    CHECK_EQ_INT(buf[12], 0x78);
}

static void test_head_validate(void)
{
    struct wire_head h = test_head(0, 1280, 720, WIRE_PIXELS_GRAY8);
    CHECK_EQ_INT(wire_head_validate(&h), 0);
    h.roi_x = 1;
    CHECK_EQ_INT(wire_head_validate(&h), WIRE_ERR_INVALID); /* window past the right edge */
    h = test_head(0, 2049, 720, WIRE_PIXELS_GRAY8);
    CHECK_EQ_INT(wire_head_validate(&h), WIRE_ERR_INVALID);
    h = test_head(0, 64, 64, WIRE_PIXELS_NONE);
    CHECK_EQ_INT(wire_head_validate(&h), 0);
    h.roi_w = 4;
    CHECK_EQ_INT(wire_head_validate(&h), WIRE_ERR_INVALID);
    h = test_head(0, 64, 64, 3);
    CHECK_EQ_INT(wire_head_validate(&h), WIRE_ERR_INVALID);
    h = test_head(0, 17, 2, WIRE_PIXELS_MASK1);
    CHECK_EQ_INT(wire_row_bytes(&h), 3);
}

static void test_frames_any_split(void)
{
    struct bytes b = {0};
    struct wire_writer w;
    struct wire_parser *p;
    struct sink s = {0};
    wire_writer_init(&w, bytes_out, &b);
    write_frame(&w, 0, 37, 11, WIRE_PIXELS_GRAY8, 0);
    write_frame(&w, 1, 37, 11, WIRE_PIXELS_GRAY8, 0);
    REQUIRE(wire_parser_new(0, &p) == 0);

    /* Whole, then byte by byte, then in odd pieces: the same two frames each time. */
    for (int mode = 0; mode < 3; mode++) {
        size_t step = mode == 0 ? b.n : mode == 1 ? 1 : 13;
        for (size_t off = 0; off < b.n; off += step)
            feed_all(p, b.p + off, off + step > b.n ? b.n - off : step, &s);
        REQUIRE(s.n == 2);
        check_frame(&s.frames[0], 0, 37, 11);
        check_frame(&s.frames[1], 1, 37, 11);
        sink_free(&s);
        wire_parser_reset(p);
    }
    struct wire_stats st;
    wire_parser_stats(p, &st);
    CHECK_EQ_INT(st.frames, 6);
    CHECK_EQ_INT(st.frames_lost, 0);
    CHECK_EQ_INT(st.bytes_skipped, 0);
    CHECK_EQ_INT(st.seq_gaps, 0);
    wire_parser_free(p);
    free(b.p);
}

static void test_garbage_then_frame(void)
{
    struct bytes b = {0};
    struct wire_writer w;
    struct wire_parser *p;
    struct sink s = {0};
    uint8_t junk[300];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)(i % 3 == 0 ? WIRE_SYNC0 : i % 3 == 1 ? WIRE_SYNC1 : i);
    REQUIRE(bytes_out(&b, junk, sizeof junk) == 0);
    wire_writer_init(&w, bytes_out, &b);
    write_frame(&w, 5, 20, 6, WIRE_PIXELS_GRAY8, 0);
    REQUIRE(wire_parser_new(0, &p) == 0);
    feed_all(p, b.p, b.n, &s);
    REQUIRE(s.n == 1);
    check_frame(&s.frames[0], 5, 20, 6);
    struct wire_stats st;
    wire_parser_stats(p, &st);
    CHECK(st.bytes_skipped >= sizeof junk);
    sink_free(&s);
    wire_parser_free(p);
    free(b.p);
}

/* Builds frames 0,1,2 and lets `damage` spoil frame 1 only; frames 0 and 2 must survive. */
static void damaged_middle(void (*damage)(struct bytes *b, size_t start, size_t end),
                           struct wire_stats *st)
{
    struct bytes b = {0};
    struct wire_writer w;
    struct wire_parser *p;
    struct sink s = {0};
    size_t start, end;
    wire_writer_init(&w, bytes_out, &b);
    write_frame(&w, 0, 24, 9, WIRE_PIXELS_GRAY8, 0);
    start = b.n;
    write_frame(&w, 1, 24, 9, WIRE_PIXELS_GRAY8, 0);
    end = b.n;
    write_frame(&w, 2, 24, 9, WIRE_PIXELS_GRAY8, 0);
    damage(&b, start, end);
    REQUIRE(wire_parser_new(0, &p) == 0);
    for (size_t off = 0; off < b.n; off += 100)
        feed_all(p, b.p + off, off + 100 > b.n ? b.n - off : 100, &s);
    REQUIRE(s.n == 2);
    check_frame(&s.frames[0], 0, 24, 9);
    check_frame(&s.frames[1], 2, 24, 9);
    wire_parser_stats(p, st);
    CHECK_EQ_INT(st->frames, 2);
    sink_free(&s);
    wire_parser_free(p);
    free(b.p);
}

static void flip_pixel(struct bytes *b, size_t start, size_t end)
{
    (void)end;
    b->p[start + 8 + WIRE_HEAD_LEN + 8 + 4 + 3] ^= 0x10;
}

static void cut_chunk(struct bytes *b, size_t start, size_t end)
{
    /* Remove the second ROW chunk of the frame: a sequence gap. */
    (void)end;
    size_t row_len = 8 + 4 + 24;
    size_t at = start + 8 + WIRE_HEAD_LEN + row_len;
    memmove(b->p + at, b->p + at + row_len, b->n - at - row_len);
    b->n -= row_len;
}

static void truncate_frame(struct bytes *b, size_t start, size_t end)
{
    /* The frame stops in the middle of a row; the next frame's head follows at once. */
    size_t keep = start + 8 + WIRE_HEAD_LEN + 20;
    memmove(b->p + keep, b->p + end, b->n - end);
    b->n -= end - keep;
}

static void test_bad_crc(void)
{
    struct wire_stats st;
    damaged_middle(flip_pixel, &st);
    CHECK_EQ_INT(st.crc_errors, 1);
    CHECK_EQ_INT(st.frames_lost, 1);
}

static void test_lost_chunk(void)
{
    struct wire_stats st;
    damaged_middle(cut_chunk, &st);
    CHECK_EQ_INT(st.seq_gaps, 1);
    CHECK_EQ_INT(st.frames_lost, 1);
}

static void test_truncated_frame(void)
{
    struct wire_stats st;
    damaged_middle(truncate_frame, &st);
    CHECK_EQ_INT(st.frames_lost, 1);
    CHECK(st.resyncs >= 1);
}

static void test_aborted_and_truncated_flags(void)
{
    struct bytes b = {0};
    struct wire_writer w;
    struct wire_parser *p;
    struct sink s = {0};
    struct wire_stats st;
    wire_writer_init(&w, bytes_out, &b);
    write_frame(&w, 0, 16, 6, WIRE_PIXELS_GRAY8, WIRE_FLAG_ABORTED | WIRE_FLAG_OVERFLOW);
    write_frame(&w, 1, 16, 6, WIRE_PIXELS_GRAY8, WIRE_FLAG_TRUNCATED);
    REQUIRE(wire_parser_new(0, &p) == 0);
    feed_all(p, b.p, b.n, &s);
    REQUIRE(s.n == 1);
    CHECK_EQ_INT(s.frames[0].head.frame, 1);
    CHECK(s.frames[0].tail.flags & WIRE_FLAG_TRUNCATED);
    wire_parser_stats(p, &st);
    CHECK_EQ_INT(st.frames_aborted, 1);
    CHECK_EQ_INT(st.frames_truncated, 1);
    sink_free(&s);
    wire_parser_free(p);
    free(b.p);
}

static void test_frame_gaps_counted(void)
{
    struct bytes b = {0};
    struct wire_writer w;
    struct wire_parser *p;
    struct sink s = {0};
    struct wire_stats st;
    wire_writer_init(&w, bytes_out, &b);
    write_frame(&w, 10, 8, 3, WIRE_PIXELS_NONE, 0);
    write_frame(&w, 13, 8, 3, WIRE_PIXELS_NONE, 0); /* the board dropped frames 11 and 12 */
    REQUIRE(wire_parser_new(0, &p) == 0);
    feed_all(p, b.p, b.n, &s);
    CHECK_EQ_INT(s.n, 2);
    CHECK(s.n < 1 || s.frames[0].pixels_len == 0);
    wire_parser_stats(p, &st);
    CHECK_EQ_INT(st.frame_gaps, 2);
    sink_free(&s);
    wire_parser_free(p);
    free(b.p);
}

static void test_record_cap_and_bad_records(void)
{
    struct bytes b = {0};
    struct wire_writer w;
    struct wire_parser *p;
    struct sink s = {0};
    struct wire_stats st;
    struct wire_head h = test_head(0, 10, 10, WIRE_PIXELS_NONE);
    struct wire_comp c = {0, 0, 1, 1, 4, 0, 0, 0};
    wire_writer_init(&w, bytes_out, &b);
    /* Frame 0: three records against a cap of two. */
    REQUIRE(wire_writer_head(&w, &h) == 0);
    for (int i = 0; i < 3; i++)
        REQUIRE(wire_writer_comp(&w, &c) == 0);
    REQUIRE(wire_writer_tail(&w, 3, 0) == 0);
    /* Frame 1: a record outside the frame. */
    h.frame = 1;
    c.x1 = 10;
    REQUIRE(wire_writer_head(&w, &h) == 0);
    REQUIRE(wire_writer_comp(&w, &c) == 0);
    REQUIRE(wire_writer_tail(&w, 1, 0) == 0);
    /* Frame 2: fine. */
    h.frame = 2;
    c.x1 = 9;
    REQUIRE(wire_writer_head(&w, &h) == 0);
    REQUIRE(wire_writer_comp(&w, &c) == 0);
    REQUIRE(wire_writer_tail(&w, 1, 0) == 0);
    REQUIRE(wire_parser_new(2, &p) == 0);
    feed_all(p, b.p, b.n, &s);
    REQUIRE(s.n == 1);
    CHECK_EQ_INT(s.frames[0].head.frame, 2);
    CHECK_EQ_INT(s.frames[0].ncomps, 1);
    wire_parser_stats(p, &st);
    CHECK_EQ_INT(st.malformed, 2);
    CHECK_EQ_INT(st.frames_lost, 2);
    sink_free(&s);
    wire_parser_free(p);
    free(b.p);
}

static void test_rows_out_of_order(void)
{
    struct bytes b = {0};
    struct wire_writer w;
    struct wire_parser *p;
    struct sink s = {0};
    struct wire_head h = test_head(0, 4, 2, WIRE_PIXELS_GRAY8);
    uint8_t row[4] = {1, 2, 3, 4};
    wire_writer_init(&w, bytes_out, &b);
    REQUIRE(wire_writer_head(&w, &h) == 0);
    REQUIRE(wire_writer_row(&w, 1, 0, row, 4) == 0);
    REQUIRE(wire_writer_row(&w, 0, 0, row, 4) == 0);
    REQUIRE(wire_writer_tail(&w, 0, 0) == 0);
    /* And a frame with a missing row, whose tail claims fewer rows. */
    h.frame = 1;
    REQUIRE(wire_writer_head(&w, &h) == 0);
    REQUIRE(wire_writer_row(&w, 0, 0, row, 4) == 0);
    REQUIRE(wire_writer_tail(&w, 0, 0) == 0);
    REQUIRE(wire_parser_new(0, &p) == 0);
    feed_all(p, b.p, b.n, &s);
    CHECK_EQ_INT(s.n, 0);
    struct wire_stats st;
    wire_parser_stats(p, &st);
    CHECK_EQ_INT(st.frames_lost, 2);
    sink_free(&s);
    wire_parser_free(p);
    free(b.p);
}

static void test_random_bytes_never_deliver(void)
{
    struct wire_parser *p;
    struct sink s = {0};
    uint8_t buf[4096];
    uint64_t x = 0x9E3779B97F4A7C15ull;
    REQUIRE(wire_parser_new(0, &p) == 0);
    for (int round = 0; round < 200; round++) {
        for (size_t i = 0; i < sizeof buf; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            /* Bias towards sync bytes so that headers get parsed and rejected too. */
            buf[i] = (x & 7) == 0 ? WIRE_SYNC0 : (x & 7) == 1 ? WIRE_SYNC1 : (uint8_t)(x >> 8);
        }
        feed_all(p, buf, sizeof buf, &s);
    }
    CHECK_EQ_INT(s.n, 0);
    sink_free(&s);
    wire_parser_free(p);
}

static int stop_cb(void *ctx, const struct wire_frame *f)
{
    (void)f;
    ++*(int *)ctx;
    return 42;
}

static void test_callback_stops_feed(void)
{
    struct bytes b = {0};
    struct wire_writer w;
    struct wire_parser *p;
    size_t used = 0;
    int calls = 0;
    wire_writer_init(&w, bytes_out, &b);
    write_frame(&w, 0, 8, 3, WIRE_PIXELS_GRAY8, 0);
    write_frame(&w, 1, 8, 3, WIRE_PIXELS_GRAY8, 0);
    REQUIRE(wire_parser_new(0, &p) == 0);
    CHECK_EQ_INT(wire_parser_feed(p, b.p, b.n, stop_cb, &calls, &used), 42);
    CHECK_EQ_INT(calls, 1);
    CHECK(used <= b.n);
    /* The rest (possibly nothing: the parser may hold it already) yields the second frame. */
    CHECK_EQ_INT(wire_parser_feed(p, b.p + used, b.n - used, stop_cb, &calls, &used), 42);
    CHECK_EQ_INT(calls, 2);
    CHECK_EQ_INT(wire_parser_feed(p, NULL, 0, stop_cb, &calls, &used), 0);
    CHECK_EQ_INT(calls, 2);
    wire_parser_free(p);
    free(b.p);
}

static void test_writer_output_failure(void)
{
    struct bytes b = {.fail_after = 20};
    struct wire_writer w;
    struct wire_head h = test_head(0, 8, 2, WIRE_PIXELS_GRAY8);
    wire_writer_init(&w, bytes_out, &b);
    CHECK_EQ_INT(wire_writer_head(&w, &h), WIRE_ERR_OUTPUT);
    CHECK_EQ_INT(wire_writer_row(&w, 0, 0, (const uint8_t *)"x", 0), WIRE_ERR_INVALID);
    free(b.p);
}

static void test_mask_mode(void)
{
    struct bytes b = {0};
    struct wire_writer w;
    struct wire_parser *p;
    struct sink s = {0};
    struct wire_head h = test_head(3, 20, 2, WIRE_PIXELS_MASK1);
    uint8_t row[3] = {0xFF, 0x00, 0x0F};
    wire_writer_init(&w, bytes_out, &b);
    REQUIRE(wire_writer_head(&w, &h) == 0);
    REQUIRE(wire_writer_row(&w, 0, 0, row, 3) == 0);
    REQUIRE(wire_writer_row(&w, 1, 0, row, 3) == 0);
    REQUIRE(wire_writer_tail(&w, 0, 0) == 0);
    REQUIRE(wire_parser_new(0, &p) == 0);
    feed_all(p, b.p, b.n, &s);
    REQUIRE(s.n == 1);
    CHECK_EQ_INT(s.frames[0].pixels_len, 6);
    CHECK_EQ_INT(s.frames[0].pixels[5], 0x0F);
    sink_free(&s);
    wire_parser_free(p);
    free(b.p);
}

static void test_register_names(void)
{
    unsigned addr = 0;
    CHECK_EQ_STR(wire_reg_name(WIRE_REG_FRAME_SIZE), "FRAME_SIZE");
    CHECK(wire_reg_name(0x3F) == NULL);
    REQUIRE(wire_reg_lookup("cnt_dropped", &addr) == 0);
    CHECK_EQ_INT(addr, WIRE_REG_CNT_DROPPED);
    CHECK_EQ_INT(wire_reg_lookup("NOPE", &addr), -1);
    CHECK_EQ_INT(wire_crc32(0, (const uint8_t *)"123456789", 9), 0xCBF43926u);
}

int main(void)
{
    RUN(test_header_roundtrip);
    RUN(test_payload_roundtrip);
    RUN(test_head_validate);
    RUN(test_frames_any_split);
    RUN(test_garbage_then_frame);
    RUN(test_bad_crc);
    RUN(test_lost_chunk);
    RUN(test_truncated_frame);
    RUN(test_aborted_and_truncated_flags);
    RUN(test_frame_gaps_counted);
    RUN(test_record_cap_and_bad_records);
    RUN(test_rows_out_of_order);
    RUN(test_random_bytes_never_deliver);
    RUN(test_callback_stops_feed);
    RUN(test_writer_output_failure);
    RUN(test_mask_mode);
    RUN(test_register_names);
    return test_finish();
}
