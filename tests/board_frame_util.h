/*
 * board_frame_util: what the board sends for a scene, for the recognizer's tests - the frame
 * through the board's C model at the recognition settings (board_settings.h), its byte stream
 * through the wire parser, the one delivered frame kept. Header-only; each test program that
 * includes it gets its own copy. The sink owns its parser and frame: board_sink_free().
 */
#ifndef BOARD_FRAME_UTIL_H
#define BOARD_FRAME_UTIL_H

#include "board_settings.h"
#include "model.h"
#include "scene.h"
#include "wire.h"

#include <string.h>

struct board_sink {
    struct wire_parser *parser;
    struct wire_frame frame;
    int frames;
};

static int board_sink_on_frame(void *ctx, const struct wire_frame *f)
{
    struct board_sink *s = ctx;
    wire_frame_free(&s->frame);
    if (wire_frame_copy(&s->frame, f) != 0)
        return 1;
    s->frames++;
    return 0;
}

static int board_sink_on_bytes(void *ctx, const uint8_t *d, size_t n)
{
    struct board_sink *s = ctx;
    return wire_parser_feed(s->parser, d, n, board_sink_on_frame, s, NULL) != 0;
}

/* Runs scene s through the board with pixel output mode `output` (WIRE_PIXELS_*) into *sink
   (one frame expected). Returns 0 or -1; free the sink either way. */
static int board_frame(const struct scene *s, uint32_t output, struct board_sink *sink)
{
    struct model *m = NULL;
    int rc = -1;
    memset(sink, 0, sizeof *sink);
    if (wire_parser_new(0, &sink->parser) != 0)
        return -1;
    if (model_new(board_sink_on_bytes, sink, &m) == 0 &&
        model_reg_write(m, WIRE_REG_FRAME_SIZE, (uint32_t)s->width | (uint32_t)s->height << 16) ==
            0 &&
        model_reg_write(m, WIRE_REG_THRESH_WINDOW, BOARD_THRESH_WINDOW) == 0 &&
        model_reg_write(m, WIRE_REG_THRESH_PLANE0, BOARD_THRESH_PLANE0) == 0 &&
        model_reg_write(m, WIRE_REG_OUTPUT, output) == 0 &&
        model_reg_write(m, WIRE_REG_CONTROL, WIRE_CONTROL_RUN) == 0 &&
        model_frame(m, s->pixels, s->width, s->height, s->width, 0) == 0 && sink->frames == 1)
        rc = 0;
    model_free(m);
    return rc;
}

static void board_sink_free(struct board_sink *s)
{
    wire_parser_free(s->parser);
    wire_frame_free(&s->frame);
}

#endif
