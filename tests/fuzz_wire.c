/*
 * fuzz_wire: libFuzzer target for the wire parser (driver/wire.c), the code that takes bytes from
 * USB. Built with clang -fsanitize=fuzzer,address by driver/module.mk (`make fuzz`).
 *
 * The input is fed to a parser in pieces whose sizes come from the input's first bytes (so the
 * fuzzer also explores the splits), with a small record cap, and every frame handed up is
 * checked against what the parser promises: a valid head, pixel and record counts that match
 * the head and the tail, boxes inside the frame, ABORTED clear. A violated promise aborts.
 */
#include "wire.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_MAX_RECORDS 16

static int check_frame(void *ctx, const struct wire_frame *f)
{
    size_t row = wire_row_bytes(&f->head);
    (void)ctx;
    if (wire_head_validate(&f->head) != 0)
        abort();
    if (f->pixels_len != row * f->head.roi_h || (f->pixels_len && !f->pixels))
        abort();
    if (f->ncomps != f->tail.records || f->ncomps > FUZZ_MAX_RECORDS)
        abort();
    if (f->tail.rows != f->head.roi_h || f->tail.frame != f->head.frame)
        abort();
    if (f->tail.flags & WIRE_FLAG_ABORTED)
        abort();
    for (size_t i = 0; i < f->ncomps; i++) {
        const struct wire_comp *c = &f->comps[i];
        if (c->x0 > c->x1 || c->y0 > c->y1 || c->x1 >= f->head.width || c->y1 >= f->head.height)
            abort();
    }
    /* Touch every byte so ASan sees any overrun. */
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < f->pixels_len; i++)
        sink ^= f->pixels[i];
    (void)sink;
    /* And the copy the driver's queue makes. */
    struct wire_frame copy;
    if (wire_frame_copy(&copy, f) == 0) {
        if (copy.pixels_len != f->pixels_len ||
            (f->pixels_len && memcmp(copy.pixels, f->pixels, f->pixels_len) != 0))
            abort();
        wire_frame_free(&copy);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wire_parser *p;
    struct wire_stats st;
    size_t split = size ? (size_t)data[0] % 64 + 1 : 1, pos = 0;
    if (wire_parser_new(FUZZ_MAX_RECORDS, &p) != 0)
        return 0;
    while (pos < size) {
        size_t n = size - pos < split ? size - pos : split;
        if (wire_parser_feed(p, data + pos, n, check_frame, NULL, NULL) != 0)
            abort(); /* the callback never stops the feed, and memory is plentiful */
        pos += n;
        split = split * 7 % 97 + 1;
    }
    wire_parser_stats(p, &st);
    if (st.bytes != size || st.bytes_skipped > size)
        abort();
    wire_parser_reset(p);
    wire_parser_free(p);
    return 0;
}
