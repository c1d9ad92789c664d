/*
 * scene: deterministic synthetic camera frames with US-style licence plates and their ground
 * truth, for tests, benchmarks and the simulated camera of the daemon demo.
 *
 * A frame is 8-bit grayscale (row-major, stride == width). It shows a roadside background
 * (sky gradient, buildings with windows, road with lane marks, low-frequency texture), one
 * vehicle per plate (body, rear window, tail lights, bumper, wheels, plate recess) and the
 * plates: FreeType-rendered characters (Roboto Condensed Bold) on a light plate with dark
 * characters, or (sometimes) a dark plate with light ones, a frame line, a state name above and
 * a slogan below in smaller type. Each plate is rotated by a small angle; the whole frame then
 * gets Gaussian blur, uneven lighting and Gaussian-like sensor noise. Everything depends only on
 * the parameters and the seed (own splitmix64 generator, no global state): the same parameters
 * give byte-identical frames in every run of the same build.
 *
 * Truth for each plate: its text, the axis-aligned box of the whole plate in the frame (border
 * included), and one box per character (the ink of that glyph), left to right. Sequences
 * (scene_sequence_*) show N vehicles driving across the frame one after another; their frames
 * can be rendered in any order.
 *
 * Ownership: scene_gen_open() returns a generator (FreeType library and font) that the caller
 * closes with scene_gen_close(); it must be used by one thread at a time. A struct scene filled
 * by scene_render() or scene_sequence_render() owns its pixels; release it with scene_free().
 * A sequence does not keep a reference to the generator. Out-parameters are written only on
 * success. All sizes are in pixels, boxes are (x, y, w, h) with x, y the top-left pixel.
 */
#ifndef SCENE_H
#define SCENE_H

#include <stdint.h>

#define SCENE_MAX_DIM         4096  /* largest frame width or height */
#define SCENE_MAX_PLATES      16    /* plates in one frame */
#define SCENE_TEXT_MAX        12    /* plate text buffer, NUL included */
#define SCENE_MIN_PLATE_WIDTH 60    /* smallest plate width accepted (characters >= 12 px tall) */
#define SCENE_MAX_VEHICLES    10000 /* vehicles in one sequence */

enum scene_error {
    SCENE_OK = 0,
    SCENE_ERR_INVALID = -1, /* bad parameter (size 0, plate larger than frame, ...) */
    SCENE_ERR_FONT = -2,    /* no usable font file (or FreeType failed to load it) */
    SCENE_ERR_NOMEM = -3,   /* out of memory */
    SCENE_ERR_NOFIT = -4,   /* the requested plates do not fit in the frame without overlap */
    SCENE_ERR_RANGE = -5,   /* frame index outside the sequence */
};

/* A static English description of a scene_error code. */
const char *scene_strerror(int err);

struct scene_box {
    int x, y, w, h;
};

struct scene_plate {
    char text[SCENE_TEXT_MAX];              /* e.g. "7ABC123": A-Z (no I, O, Q) and 0-9 only */
    const char *pattern;                    /* the pattern it was drawn from ("DLLLDDD", static) */
    char state[3];                          /* 2-letter state code (name drawn: 85 %) */
    struct scene_box box;                   /* whole plate, border included, in frame pixels */
    int nchars;                             /* == strlen(text) */
    struct scene_box chars[SCENE_TEXT_MAX]; /* glyph ink boxes, left to right, inside box */
    int inverse;                            /* 1: light characters on a dark plate */
    uint8_t background, ink;                /* nominal plate and character gray levels */
    double angle_deg;                       /* rotation applied (positive: clockwise on screen) */
    int vehicle;                            /* index of the vehicle carrying it */
};

struct scene {
    int width, height;
    uint8_t *pixels; /* width * height bytes; same layout as host/image.h's struct image */
    int nplates;     /* plates listed: those whose whole box lies inside the frame */
    struct scene_plate plates[SCENE_MAX_PLATES];
};

/* ---- Plate text formats --------------------------------------------------------------------- */

/*
 * The plate text patterns used, NULL-terminated: 'L' = a letter from SCENE_LETTERS, 'D' = a
 * digit. Chosen with equal probability.
 */
extern const char *const scene_patterns[];
/* Letters that appear on generated plates: A-Z without I, O and Q (excluded by most states). */
#define SCENE_LETTERS "ABCDEFGHJKLMNPRSTUVWXYZ"

/* ---- Generator ------------------------------------------------------------------------------ */

struct scene_gen;

/*
 * Opens a generator using the TrueType font at font_path, or, when font_path is NULL, the first
 * that exists of: RobotoCondensed-Bold.ttf (fonts-roboto-unhinted), DejaVuSansCondensed-Bold.ttf,
 * DejaVuSans-Bold.ttf (fonts-dejavu-extra and fonts-dejavu-core).
 * Returns 0, SCENE_ERR_FONT (no such file, or not a usable font) or SCENE_ERR_NOMEM.
 */
int scene_gen_open(const char *font_path, struct scene_gen **out)
    __attribute__((warn_unused_result));

/* Path of the font the generator uses (valid until scene_gen_close). */
const char *scene_gen_font_path(const struct scene_gen *gen);

/* Releases the generator. Accepts NULL. */
void scene_gen_close(struct scene_gen *gen);

/* ---- Single frames -------------------------------------------------------------------------- */

struct scene_params {
    int width, height;       /* frame size; default 1280 x 720 */
    uint64_t seed;           /* default 1 */
    int plates;              /* plates (vehicles) in the frame, 1..SCENE_MAX_PLATES; default 1 */
    int min_plate_width;     /* plate width range in pixels, default 90..260; the plate height */
    int max_plate_width;     /*   is half its width, as on a 12 x 6 inch US plate */
    double rotation_max_deg; /* each plate turned by a uniform angle in +-this; default 5 */
    double blur_sigma;       /* Gaussian blur of the whole frame (pixels, <= 4); default 0.8 */
    double noise_sigma;      /* sensor noise standard deviation (gray levels, <= 64); default 4 */
    double lighting;         /* uneven lighting strength 0..1 (0: flat); default 0.35 */
    int inverse_percent;     /* share of dark plates with light characters, 0..100; default 15 */
    int decorations;         /* 1: state name and slogan lines may be drawn; default 1 */
};

/* Fills *p with the defaults listed above. */
void scene_params_default(struct scene_params *p);

/*
 * Checks p as scene_render() does. Returns 0, or SCENE_ERR_INVALID and, when why is not NULL,
 * a static sentence naming the field at fault in *why.
 */
int scene_params_check(const struct scene_params *p, const char **why)
    __attribute__((warn_unused_result));

/*
 * Renders one frame with p->plates plates into *out.
 * Returns 0, SCENE_ERR_INVALID (size 0 or over SCENE_MAX_DIM, plate width range empty, below
 * SCENE_MIN_PLATE_WIDTH or too large for the frame, out-of-range effect parameters),
 * SCENE_ERR_NOFIT (that many plates cannot be placed without overlap) or SCENE_ERR_NOMEM.
 */
int scene_render(struct scene_gen *gen, const struct scene_params *p, struct scene *out)
    __attribute__((warn_unused_result));

/* Frees the pixels and zeroes *s. Accepts NULL and a zeroed struct. */
void scene_free(struct scene *s);

/* ---- Drive-by sequences --------------------------------------------------------------------- */

struct scene_sequence_params {
    struct scene_params frame; /* size, seed, plate widths, effects; frame.plates is ignored */
    int vehicles;              /* vehicles passing, one after another, 1..SCENE_MAX_VEHICLES */
    double seconds;            /* length of the clip; 0 = 3 seconds per vehicle */
    int fps;                   /* frames per second, 1..240; default 30 */
};

/* Fills *p with scene_params_default() for the frame, 5 vehicles, 0 seconds (= 15 s), 30 fps. */
void scene_sequence_params_default(struct scene_sequence_params *p);

struct scene_sequence;

/*
 * Plans a sequence: the clip is cut into one equal slot per vehicle; in its slot each vehicle
 * enters from one side (chosen at random), crosses the frame at constant speed and leaves,
 * taking 70-90 % of the slot; the rest is empty road. Plates are rendered here, once.
 * Returns 0, SCENE_ERR_INVALID (as for scene_render, or vehicles / fps / seconds out of range,
 * or fewer than 2 frames per vehicle), SCENE_ERR_FONT or SCENE_ERR_NOMEM.
 */
int scene_sequence_open(struct scene_gen *gen, const struct scene_sequence_params *p,
                        struct scene_sequence **out) __attribute__((warn_unused_result));

/* Number of frames in the sequence (round(seconds * fps)). */
int scene_sequence_frames(const struct scene_sequence *seq);

/*
 * Renders frame `index` (0-based) into *out; plates[i].vehicle tells which vehicle a plate
 * belongs to. Frames can be rendered in any order and are identical whatever the order.
 * Returns 0, SCENE_ERR_RANGE (index outside [0, frames)) or SCENE_ERR_NOMEM.
 */
int scene_sequence_render(const struct scene_sequence *seq, int index, struct scene *out)
    __attribute__((warn_unused_result));

/* Releases the sequence. Accepts NULL. */
void scene_sequence_close(struct scene_sequence *seq);

#endif
