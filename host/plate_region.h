/*
 * plate_region: the licence-plate formats of a region as a prior, and the scorer that picks a
 * plate's reading from the classifier's per-character probabilities under that prior.
 *
 * A region (us, eu, br, ar, or auto = all of them) is a table of formats written from what the
 * jurisdictions issue (plate_region.c documents each row): a format is a string of 'L' (a
 * letter), 'D' (a digit) and 'A' (either), a weight in (0, 1] (the rough share of the region's
 * plates that have it) and the letters it never uses (Spain's DDDDLLL has no vowels). The
 * scorer ranks readings by
 *
 *     score = sum over characters of log P(class) + log weight(format)
 *
 * where a reading that fits no format gets the region's off-format weight (the share of plates
 * its table does not describe; PLATE_REGION_LONG_WEIGHT when it is longer than any plate of the
 * region): a confident reading that fits no format is kept
 * (vanity plates, a format not in the table), an unsure one moves onto the format that costs
 * least probability. One end character may be dropped (a frame edge read as '1') at a cost of
 * log(1 - its probability), only when no reading of all the characters fits a format, the
 * character is under PLATE_REGION_DROP_BELOW probable and the rest fits a format.
 *
 * Ownership: the tables are static and constant; results are written to caller-provided
 * structs. Nothing is allocated; every function is reentrant.
 */
#ifndef PLATE_REGION_H
#define PLATE_REGION_H

#include <stddef.h>

#include "ocr.h"

/* Longest reading the scorer takes (recog.h's RECOG_MAX_CHARS). */
#define PLATE_REGION_MAX_CHARS 12
/* Longest region name accepted by plate_region_parse() ("auto"). */
#define PLATE_REGION_NAME_MAX 8
/* Weight of a reading longer than any plate of the region (a frame edge or a sticker joined). */
#define PLATE_REGION_LONG_WEIGHT 0.001f
/* An end character may be dropped only when its best class is less probable than this. */
#define PLATE_REGION_DROP_BELOW 0.9f
/* The classes a format reading may use at a position: at least this probable. */
#define PLATE_REGION_MIN_PROB 0.005f

/* Errors of this module (negative). */
enum plate_region_error {
    PLATE_REGION_OK = 0,
    PLATE_REGION_ERR_NAME = -1,    /* not a region name (see PLATE_REGION_NAMES) */
    PLATE_REGION_ERR_INVALID = -2, /* bad argument: NULL, no characters, too many */
};
const char *plate_region_strerror(int err);

/* The regions. PLATE_REGION_NONE: no prior (the scorer is not used). */
enum plate_region {
    PLATE_REGION_NONE = 0,
    PLATE_REGION_US,   /* United States: the states' common passenger formats */
    PLATE_REGION_EU,   /* Europe: the main countries' national formats */
    PLATE_REGION_BR,   /* Brazil: old LLLDDDD and Mercosur LLLDLDD */
    PLATE_REGION_AR,   /* Argentina: old LLLDDD and Mercosur LLDDDLL */
    PLATE_REGION_AUTO, /* every region's formats at once */
};

/* The names plate_region_parse() accepts, for messages and --help. */
#define PLATE_REGION_NAMES "none, us, eu, br, ar, auto"

/* ---- Names ---------------------------------------------------------------------------------- */

/*
 * Parses a region name (exactly one of PLATE_REGION_NAMES, lower case; "none" is
 * PLATE_REGION_NONE). *out is written only on
 * success. Returns 0, PLATE_REGION_ERR_NAME (unknown, empty, or longer than
 * PLATE_REGION_NAME_MAX) or PLATE_REGION_ERR_INVALID (NULL).
 */
int plate_region_parse(const char *name, enum plate_region *out)
    __attribute__((warn_unused_result));

/* The name of a region ("us", ...; "none" for PLATE_REGION_NONE, NULL for a bad value). */
const char *plate_region_name(enum plate_region r);

/* ---- Formats -------------------------------------------------------------------------------- */

struct plate_format {
    const char *pattern;    /* 'L' letter, 'D' digit, 'A' either */
    float weight;           /* relative frequency within the region, (0, 1] */
    const char *no_letters; /* letters the format never uses ("" none) */
    const char *where;      /* who issues it, e.g. "CA" or "FR, IT" */
};

/*
 * The formats of region r (auto: none of its own; the scorer walks every region's). *n gets
 * their number. Returns the table, or NULL (and *n = 0) for NONE, AUTO or a bad value.
 */
const struct plate_format *plate_region_formats(enum plate_region r, size_t *n);

/* Weight of a reading that fits no format of region r (auto: the largest of the regions'); 0
 * for NONE or a bad value. */
float plate_region_off_weight(enum plate_region r);

/* Longest plate of region r (auto: of any region); 0 for NONE or a bad value. */
int plate_region_max_len(enum plate_region r);

/*
 * Whether text fits the format f (its length, letters and digits, excluded letters): 1 or 0.
 * Characters other than A-Z and 0-9 fit nothing.
 */
int plate_region_fits(const struct plate_format *f, const char *text);

/*
 * log of the prior weight of text in region r: log of the largest weight among the formats it
 * fits, else of the off-format weight (PLATE_REGION_LONG_WEIGHT beyond the region's longest
 * plate).
 * For ranking alternative readings of the same characters. NONE: 0.
 */
double plate_region_log_weight(enum plate_region r, const char *text);

/* ---- Scoring -------------------------------------------------------------------------------- */

/* The reading the scorer chose. */
struct plate_region_choice {
    char text[PLATE_REGION_MAX_CHARS + 1];
    int first; /* the first input position kept (1: the first character dropped) */
    int n;     /* characters kept: input positions first .. first + n - 1 */
    int cls[PLATE_REGION_MAX_CHARS];   /* the chosen class of each kept character */
    double score;                      /* log P(characters) + log weight (+ the drop's cost) */
    const struct plate_format *format; /* the format it fits, NULL for none */
};

/*
 * Chooses the reading of n characters (prob[i] = the classifier's OCR_NCLASS probabilities of
 * character i, left to right) under region r: the highest score over the argmax reading (at the
 * off-format weight, or a format's when it fits one), the best reading fitting each format
 * (per position the most probable class of the allowed kind, each at least
 * PLATE_REGION_MIN_PROB), and, when none of these fits a format, the format readings of the
 * characters without the first or the last one (at least 4 kept; only when that character's best
 * class probability p is under PLATE_REGION_DROP_BELOW; the drop costs log(1 - p)). Ties keep the
 * argmax reading. For PLATE_REGION_NONE the argmax reading. *out is written only on success.
 * Returns 0 or PLATE_REGION_ERR_INVALID (NULL, n < 1, n > PLATE_REGION_MAX_CHARS, a bad region).
 */
int plate_region_choose(enum plate_region r, const float (*prob)[OCR_NCLASS], int n,
                        struct plate_region_choice *out) __attribute__((warn_unused_result));

#endif
