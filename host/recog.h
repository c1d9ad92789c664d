/*
 * recog: plate finding, character segmentation and plate assembly on the host, from what the
 * board sends (component records + gray pixels) or from a gray image directly.
 *
 * How a plate region is read (docs/RECOGNITION.md has the measured reasons):
 *   1. The region is re-binarized with the board's kind of threshold (local mean over a
 *      square window, ink when 256*p < (256-t)*mean for dark ink, > (256+t)*mean for light ink)
 *      at several offsets t and both polarities, and labelled (8-connected).
 *   2. Every component of character size and shape from every setting goes into one pool
 *      (duplicates merged), and the classifier (ocr.h) scores each one, including the
 *      "not a character" class.
 *   3. A dynamic programme picks, per polarity, the left-to-right chain of non-overlapping
 *      boxes of consistent height and baseline that maximises the sum of (confidence - bias):
 *      this is the choice among segmentation hypotheses by OCR confidence, and it rejects
 *      logos, bolts, the plate frame and stickers that the classifier calls non-characters.
 *   4. The chain becomes the plate text, with per-character confidence and top-N alternative
 *      readings from the per-character runner-up classes.
 * Frames: the board's components (or the host's own labelling, HOST_SETTINGS in recog/frame.c)
 * are grouped into text lines of similar-height, aligned, closely spaced candidates; each line
 * region is read as above and the readings are ranked by their chain score.
 *
 * Implementation: host/recog.c and one file per stage in host/recog/ (recog/internal.h lists
 * them; docs/RECOGNITION.md has the layout).
 *
 * Ownership: results are plain structs filled by the caller-provided pointer; nothing is
 * retained between calls. Functions are reentrant (scratch memory is allocated per call).
 */
#ifndef RECOG_H
#define RECOG_H

#include <stddef.h>
#include <stdint.h>

#include "ocr.h"
#include "plate_region.h"
#include "wire.h"

#define RECOG_MAX_CHARS  12
#define RECOG_MAX_CANDS  10
#define RECOG_MAX_PLATES 8
#define RECOG_MAX_DIM    4096

/*
 * The board settings the recognizer is tuned for (docs/RECOGNITION.md): a 32-pixel threshold
 * window (THRESH_WINDOW[3:0] = 5) with the reset's vertical shift (THRESH_WINDOW[7:4] = 2),
 * and offset 40/256 (THRESH_PLANE_0). On the US development frames they found more plates than
 * the register reset values (WIRE_RESET_*: 16 px, 70/256). board_settings.h makes the board's
 * whole register set of them, for `alpr read` and alprd's defaults.
 */
#define RECOG_BOARD_WINDOW_LOG2 5
#define RECOG_BOARD_VSHIFT      ((WIRE_RESET_THRESH_WINDOW >> 4) & 0xFu)
#define RECOG_BOARD_OFFSET      40
#define RECOG_MAX_PATTERNS      16

/* Errors of this module (negative). */
enum recog_error {
    RECOG_OK = 0,
    RECOG_ERR_NOMEM = -1,   /* out of memory */
    RECOG_ERR_INVALID = -2, /* bad argument: empty or oversized image, NULL */
    RECOG_ERR_NOPIXELS = -3 /* a wire frame without gray pixels (pixel mode NONE or MASK1) */
};
const char *recog_strerror(int err);

/* Settings of the recognizer. recog_config_default() fills sensible values. */
struct recog_config {
    const struct ocr_model *model; /* classifier (ocr_model_default() by default) */
    int max_plates;                /* plates reported per frame, 1..RECOG_MAX_PLATES */
    int ncands;                    /* alternative readings per plate, 0..RECOG_MAX_CANDS */
    float uncertain;               /* characters with confidence below this are marked '?'
                                      in the text when mark_uncertain is set (0..1) */
    int mark_uncertain;
    int min_chars; /* shortest plate reported in frames */
    /* Optional jurisdiction formats, e.g. {"LLLDDDD", "LLLDLDD"}: 'L' a letter, 'D' a digit,
       'A' either. When set, the best reading that fits one of them (choosing, per position,
       the classifier's best class of the allowed kind, each with probability >= 0.005)
       replaces a reading that fits none; characters are never added or removed. */
    const char *const *patterns;
    int npatterns;
    /* Plate-format prior (plate_region.h; PLATE_REGION_NONE by default): each reading is
       chosen by plate_region_choose() instead of the letter/digit context, and its
       alternatives ranked by the same score. Used only when npatterns is 0. */
    enum plate_region region;
};
void recog_config_default(struct recog_config *cfg);

/* One character of a reading. */
struct recog_char {
    char c;     /* best class */
    float conf; /* its probability (0..1) */
    char alt;   /* runner-up class; when the letter/digit context or a jurisdiction
                   pattern chose c over the classifier's first choice, that first choice */
    float alt_conf;
    int x0, y0, x1, y1; /* box in image coordinates, inclusive */
};

/* One alternative reading. */
struct recog_cand {
    char text[RECOG_MAX_CHARS + 1];
    float confidence; /* 0..100: product of the chosen characters' probabilities, scaled */
};

struct recog_plate {
    char text[RECOG_MAX_CHARS + 1];
    float confidence; /* 0..100: mean character confidence */
    float score;      /* chain score used for ranking plates */
    int x, y, w, h;   /* box of the characters in image coordinates */
    int dark_ink;     /* 1 dark characters on light plate, 0 light on dark */
    int nchars;
    struct recog_char chars[RECOG_MAX_CHARS];
    int ncands; /* cands[0] is the reading of chars[].c, then the other readings by
                   probability */
    struct recog_cand cands[RECOG_MAX_CANDS];
};

struct recog_result {
    int nplates; /* best first */
    struct recog_plate plates[RECOG_MAX_PLATES];
};

/* A component box (inclusive) with its ink count: the board's record, or the host's own. */
struct recog_comp {
    int x0, y0, x1, y1;
    int ink;
};

/* ---- Reading -------------------------------------------------------------------------------- */

/*
 * Reads the whole gray image (width x height, stride bytes per row) as one plate region (crop
 * mode). *out gets 0 or 1 plate. Returns 0, RECOG_ERR_INVALID or RECOG_ERR_NOMEM.
 */
int recog_read_crop(const struct recog_config *cfg, const uint8_t *gray, int width, int height,
                    int stride, struct recog_result *out) __attribute__((warn_unused_result));

/*
 * Finds and reads plates in a whole frame. comps/ncomps are the board's component records in
 * image coordinates; with comps == NULL the host labels the frame itself at its own settings
 * (windows 16 and 48 dark ink, 32 light, offset 40). *out gets up to cfg->max_plates plates,
 * best first.
 * Returns 0, RECOG_ERR_INVALID or RECOG_ERR_NOMEM.
 */
int recog_read_frame(const struct recog_config *cfg, const uint8_t *gray, int width, int height,
                     int stride, const struct recog_comp *comps, size_t ncomps,
                     struct recog_result *out) __attribute__((warn_unused_result));

/*
 * recog_read_frame() on what the board sent: its GRAY8 pixel window and its records. Boxes in
 * *out are in frame coordinates. Returns 0, RECOG_ERR_NOPIXELS, RECOG_ERR_INVALID or
 * RECOG_ERR_NOMEM.
 */
int recog_read_wire(const struct recog_config *cfg, const struct wire_frame *f,
                    struct recog_result *out) __attribute__((warn_unused_result));

/* ---- Building blocks (exposed for tests and the trainer) ----------------------------------- */

/*
 * Binarizes the image into mask (width*height bytes, 1 = ink) with the local-mean threshold:
 * window win x win pixels (clamped at the borders), offset t/256, dark_ink polarity.
 * Returns 0, RECOG_ERR_INVALID or RECOG_ERR_NOMEM.
 */
int recog_binarize(const uint8_t *gray, int width, int height, int stride, int win, int t,
                   int dark_ink, uint8_t *mask) __attribute__((warn_unused_result));

/*
 * Labels the 8-connected ink components of mask (width x height) and writes at most max of
 * them to comps (in raster order of their first pixel) and their number to *n (components
 * beyond max are dropped). Returns 0, RECOG_ERR_INVALID or RECOG_ERR_NOMEM.
 */
int recog_label(const uint8_t *mask, int width, int height, struct recog_comp *comps, size_t max,
                size_t *n) __attribute__((warn_unused_result));

/*
 * Segments the gray image as one plate region and returns the character boxes of the best
 * chain WITHOUT the classifier (geometry only: the largest consistent line): used by the trainer
 * to harvest labelled characters before a model exists. boxes gets at most max boxes, left to
 * right; *n their number, *dark_ink the polarity. Returns 0, RECOG_ERR_INVALID or
 * RECOG_ERR_NOMEM.
 */
int recog_segment_geometry(const uint8_t *gray, int width, int height, int stride,
                           struct recog_comp *boxes, size_t max, size_t *n, int *dark_ink)
    __attribute__((warn_unused_result));

/*
 * Every candidate box the crop reader considered for the gray image as one plate region (all
 * settings and the band pass), for the trainer to label: boxes and
 * dark (polarity) get at most max entries, *n their number. Returns 0, RECOG_ERR_INVALID or
 * RECOG_ERR_NOMEM.
 */
int recog_crop_pool(const struct recog_config *cfg, const uint8_t *gray, int width, int height,
                    int stride, struct recog_comp *boxes, int *dark, size_t max, size_t *n)
    __attribute__((warn_unused_result));

#endif
