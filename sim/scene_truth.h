/*
 * scene_truth: ground-truth files of frames, in the format of the OpenALPR benchmark
 * (../shared/data/openalpr-bench/frames/<set>/NAME.txt), plus per-character boxes.
 *
 *   NAME.txt    one line per plate:      FILE \t x \t y \t w \t h \t PLATE \n
 *   NAME.chars  one line per character:  FILE \t PLATE \t INDEX \t CHAR \t x \t y \t w \t h \n
 *
 * FILE is the image's base name, (x, y) the top-left pixel of the box, (w, h) its size, PLATE
 * the plate text, INDEX the 0-based position of CHAR in PLATE. A frame without plates has an
 * empty .txt and .chars file. The parsers also accept spaces instead of tabs and "\r\n".
 *
 * No allocation: writers take a FILE*, parsers fill caller-owned structs, writing them only on
 * success.
 */
#ifndef SCENE_TRUTH_H
#define SCENE_TRUTH_H

#include "scene.h"

#include <stdio.h>

#define SCENE_TRUTH_FILE_MAX 256 /* file name buffer, NUL included */
#define SCENE_TRUTH_TEXT_MAX 32  /* plate text buffer, NUL included */
#define SCENE_TRUTH_LINE_MAX 1024

enum scene_truth_error {
    SCENE_TRUTH_OK = 0,
    SCENE_TRUTH_ERR_PARSE = -1, /* wrong field count, bad number, field too long */
    SCENE_TRUTH_ERR_IO = -2,    /* write failed */
};

const char *scene_truth_strerror(int err);

/* One plate line of a NAME.txt file. */
struct scene_truth {
    char file[SCENE_TRUTH_FILE_MAX];
    struct scene_box box;
    char text[SCENE_TRUTH_TEXT_MAX];
};

/* One line of a NAME.chars file. */
struct scene_truth_char {
    char file[SCENE_TRUTH_FILE_MAX];
    char text[SCENE_TRUTH_TEXT_MAX];
    int index;
    char c;
    struct scene_box box;
};

/* Writes the NAME.txt lines of s (one per listed plate) for image name `file`. 0 or _ERR_IO. */
int scene_truth_write(FILE *f, const char *file, const struct scene *s)
    __attribute__((warn_unused_result));

/* Writes the NAME.chars lines of s for image name `file`. 0 or SCENE_TRUTH_ERR_IO. */
int scene_truth_write_chars(FILE *f, const char *file, const struct scene *s)
    __attribute__((warn_unused_result));

/*
 * Parses one NAME.txt line (6 fields; the trailing newline optional). Sizes must be >= 0.
 * Returns 0 or SCENE_TRUTH_ERR_PARSE.
 */
int scene_truth_parse(const char *line, struct scene_truth *out)
    __attribute__((warn_unused_result));

/* Parses one NAME.chars line (8 fields). Returns 0 or SCENE_TRUTH_ERR_PARSE. */
int scene_truth_parse_char(const char *line, struct scene_truth_char *out)
    __attribute__((warn_unused_result));

#endif
