/*
 * model: the bit-exact C model of the camera board (docs/BOARD.md is its prose; this code is the
 * specification the RTL in rtl/ must match byte for byte).
 *
 * Three layers:
 *   - pure functions on gray regions, with the board's exact arithmetic, for the host: the
 *     adaptive threshold (model_binarize) and threshold + 8-connected labelling + filter
 *     (model_components), for any plane settings (offset, polarity; up to MODEL_PLANES planes);
 *   - the board: registers (model_reg_read/model_reg_write with the vendor-request semantics:
 *     an error means STALL), and the camera input as a pixel stream with start-of-frame /
 *     end-of-line markers (model_pixel, model_overflow) or as whole frames (model_frame). The
 *     board's byte stream leaves through the output callback given to model_new(), chunk by
 *     chunk, exactly as the RTL's packetizer would send it;
 *   - the row engine (struct model_ccl) shared by both, exposed for tests.
 *
 * Ownership: model_new() returns a board the caller releases with model_free(); it keeps no
 * pointer to caller memory except the output callback's context. Functions taking pixel
 * buffers only read them during the call. No global state; one thread per instance.
 */
#ifndef MODEL_H
#define MODEL_H

#include "wire.h"

#include <stddef.h>
#include <stdint.h>

#define MODEL_WARN_UNUSED __attribute__((warn_unused_result))

/* Board capabilities (register CAPS). Label 0 means background: 2^9 - 1 = 511 usable labels. */
#define MODEL_BOARD_PLANES   1
#define MODEL_LABEL_BITS     9
#define MODEL_LABELS         (1u << MODEL_LABEL_BITS)
#define MODEL_MAX_WIDTH      2048
#define MODEL_MAX_HEIGHT     2048
#define MODEL_PLANES         4 /* planes model_components() accepts (the board has 1) */
#define MODEL_MEAN_FRAC_BITS 4 /* fractional bits of the vertical mean state */
#define MODEL_RTL_REVISION   0x0002u
#define MODEL_CLOCK_HZ       74250000u /* CLOCK_HZ register: the 1080p30 pixel clock */

enum model_error {
    MODEL_OK = 0,
    MODEL_ERR_INVALID = -1, /* bad argument (size out of range, NULL) */
    MODEL_ERR_NOMEM = -2,   /* out of memory */
    MODEL_ERR_FULL = -3,    /* more records than the caller's array holds */
    MODEL_ERR_REG = -4,     /* unknown register, read-only register, value out of range: STALL */
    MODEL_ERR_OUTPUT = -5,  /* the output callback failed */
};
const char *model_strerror(int err);

/* ---- Configuration (the latched registers) ---------------------------------------------- */

struct model_plane {
    uint8_t offset;   /* t in 1/256 of the local mean */
    uint8_t polarity; /* 0: dark ink on light, 1: light ink on dark */
    uint8_t enable;
    uint8_t contrast; /* minimum |pixel - mean| in gray levels for ink (0: none) */
};

struct model_config {
    uint16_t width, height; /* FRAME_SIZE, 1..2048 */
    uint8_t win_log2;       /* THRESH_WINDOW[3:0], 2..7: horizontal window 2^win_log2 */
    uint8_t vshift;         /* THRESH_WINDOW[7:4], 0..7: vertical smoothing shift */
    struct model_plane plane[MODEL_PLANES];
    uint16_t min_w, max_w; /* FILTER_WIDTH */
    uint16_t min_h, max_h; /* FILTER_HEIGHT */
    uint8_t pixel_mode;    /* OUTPUT[1:0]: enum wire_pixel_mode */
    uint16_t roi_x, roi_w; /* ROI_X: first column, width (0: to the right edge) */
    uint16_t roi_y, roi_h; /* ROI_Y: first row, height (0: to the bottom) */
};

/* The register reset values (PROTOCOL.md section 2) as a configuration. */
struct model_config model_config_default(void);

/* Register encodings of a configuration (for writing them to a board). */
uint32_t model_config_thresh_window(const struct model_config *cfg);
uint32_t model_config_thresh_plane(const struct model_config *cfg, int p);

/* ---- Pure functions on gray regions (for the host) ----------------------------------------- */

/*
 * The board's local mean of a region treated as a frame: mean[y*w + x] receives the vertical
 * mean state A (the local mean times 2^MODEL_MEAN_FRAC_BITS, 0..4080) that the ink decision of
 * pixel (x, y) uses. Uses cfg->win_log2 and cfg->vshift only. 1 <= w, h <= 2048.
 * Returns 0 or MODEL_ERR_INVALID.
 */
int model_local_mean(const struct model_config *cfg, const uint8_t *gray, int w, int h, int stride,
                     uint16_t *mean) MODEL_WARN_UNUSED;

/* The ink decision of one pixel against a mean state A (see model_local_mean): 1 ink, 0 not. */
int model_ink(const struct model_plane *plane, uint8_t pixel, uint16_t mean);

/*
 * Binary mask of a region with plane p's settings (enable ignored): mask[y*w + x] = 1 for ink,
 * 0 otherwise (w*h bytes). Returns 0, MODEL_ERR_INVALID or MODEL_ERR_NOMEM.
 */
int model_binarize(const struct model_config *cfg, int p, const uint8_t *gray, int w, int h,
                   int stride, uint8_t *mask) MODEL_WARN_UNUSED;

/*
 * Threshold + label + filter a gray region (treated as a frame: edge bits and coordinates are
 * relative to it) with the board's exact arithmetic, for every enabled plane of cfg in turn
 * (records carry their plane number), in the board's order. Label capacity and exhaustion
 * behave as on the board: *flags gets WIRE_FLAG_TRUNCATED when a plane ran out of labels.
 * On success writes *n records to out[0..], the number found before the filter to *found
 * (may be NULL) and *flags (may be NULL). Returns 0, MODEL_ERR_INVALID, MODEL_ERR_NOMEM, or
 * MODEL_ERR_FULL when more than max records pass (nothing written then).
 */
int model_components(const struct model_config *cfg, const uint8_t *gray, int w, int h, int stride,
                     struct wire_comp *out, size_t max, size_t *n, size_t *found,
                     unsigned *flags) MODEL_WARN_UNUSED;

/* ---- The row engine: single-pass labelling (docs/BOARD.md section 3) -------------------- */

struct model_root {
    uint16_t x0, y0, x1, y1, lastx; /* box; lastx: rightmost column on row y1 */
    uint16_t ink;                   /* saturating */
};

/* Called for each completed component at the end of the row that completed it, in order. */
typedef int (*model_comp_fn)(void *ctx, const struct wire_comp *c);

struct model_ccl {
    int width, height, y; /* frame size; y: next row to process (height = the blank row) */
    int truncated;        /* the tables ran out: frozen for the rest of the frame */
    uint32_t found;       /* components completed */
    uint16_t parent[MODEL_LABELS];
    uint16_t next[MODEL_LABELS];
    struct model_root root[MODEL_LABELS];
    uint16_t rowbuf[2][MODEL_MAX_WIDTH]; /* labels of the previous and the current row */
    int cur;                             /* index of the current row's buffer */
    uint16_t free_head, fresh;
    uint16_t done_head, done_tail;   /* completed in this row, completion order */
    uint16_t mcur_head, mcur_tail;   /* merged away in this row */
    uint16_t mprev_head, mprev_tail; /* merged away in the previous row */
    uint16_t left;                   /* label of the previous pixel of this row */
    uint16_t max_used;               /* statistics: most labels in use at once */
    uint16_t in_use;
};

/* Starts a frame of width x height (1..2048). */
void model_ccl_start(struct model_ccl *c, int width, int height);

/*
 * Processes the next row: ink[x] != 0 for ink (ink may be NULL for the blank row after the
 * last). Then calls done() for every component completed in this row, in completion order
 * (edges filled; the filter is the caller's), and recycles labels. Returns 0 or done()'s
 * non-zero value.
 */
int model_ccl_row(struct model_ccl *c, const uint8_t *ink, model_comp_fn done, void *ctx);

/* The same in steps: pixel x (0..width-1, in order) of the current row, then the row's end. */
void model_ccl_pixel(struct model_ccl *c, int x, int ink);
int model_ccl_row_end(struct model_ccl *c, model_comp_fn done, void *ctx);

/* ---- The board ---------------------------------------------------------------------------- */

struct model;

/* Marker bits of model_pixel(). */
#define MODEL_PX_SOF 0x1u /* first pixel of a frame (tuser) */
#define MODEL_PX_EOL 0x2u /* last pixel of a line (tlast) */

/*
 * Creates a board in its power-up state (registers at reset values, RUN off), sending its byte
 * stream to out(ctx, ...). Returns 0 and sets *out_model, or MODEL_ERR_NOMEM / _INVALID.
 */
int model_new(wire_output_fn out, void *ctx, struct model **out_model) MODEL_WARN_UNUSED;
void model_free(struct model *m);

/*
 * Vendor requests: register read / write with the semantics of PROTOCOL.md section 2. Returns
 * 0, or MODEL_ERR_REG for an unknown register, a write to a read-only one or a value out of a
 * field's range (the device stalls; nothing changes), or MODEL_ERR_OUTPUT when a write that
 * aborts a frame (CONTROL.RESET in mid-frame) could not send the tail.
 */
int model_reg_read(const struct model *m, unsigned addr, uint32_t *val) MODEL_WARN_UNUSED;
int model_reg_write(struct model *m, unsigned addr, uint32_t val) MODEL_WARN_UNUSED;

/*
 * One camera pixel with its markers (MODEL_PX_*), in stream order. timestamp is used when the
 * pixel starts a frame (the tick counter when the SOF pixel entered the camera FIFO). Output
 * chunks are sent as the board would: a ROW chunk and the records completed in that row when a
 * line completes. Returns 0 or MODEL_ERR_OUTPUT.
 */
int model_pixel(struct model *m, uint8_t pixel, unsigned markers,
                uint64_t timestamp) MODEL_WARN_UNUSED;

/* The camera FIFO overflowed at this point of the stream (pixels after it were lost). */
int model_overflow(struct model *m) MODEL_WARN_UNUSED;

/* A malformed injection chunk (CNT_INJECT_ERR; the frame in progress aborts as an input error). */
int model_inject_error(struct model *m) MODEL_WARN_UNUSED;

/*
 * A whole well-formed camera frame (w x h pixels, rows stride bytes apart) through
 * model_pixel(). A size different from FRAME_SIZE is an input error like on the board.
 * Returns 0, MODEL_ERR_INVALID (w, h out of 1..4096) or MODEL_ERR_OUTPUT.
 */
int model_frame(struct model *m, const uint8_t *gray, int w, int h, int stride,
                uint64_t timestamp) MODEL_WARN_UNUSED;

/* Largest number of labels in use at once in the last frame (a statistic, not a register). */
unsigned model_labels_peak(const struct model *m);

#endif
