/*
 * plate_match: plate text normalisation, wildcard patterns and OCR-confusable comparison.
 *
 * Plates are stored in one canonical form: upper-case ASCII letters and digits only, at most
 * PLATE_MAX_LEN characters (spaces, dashes and dots are dropped on input). Patterns use the same
 * alphabet plus '?' (exactly one character) and '*' (any run, possibly empty).
 *
 * The "skeleton" of a plate maps every character to the representative of its OCR-confusable
 * class (0/O/D/Q -> 0, 1/I/L -> 1, 2/Z -> 2, 5/S -> 5, 6/G -> 6, 8/B -> 8, U/V -> U); two plates
 * that an OCR could mistake for each other character by character have the same skeleton.
 *
 * Pure functions, no allocation: callers own every buffer.
 */
#ifndef PLATE_MATCH_H
#define PLATE_MATCH_H

#include <stddef.h>

#define PLATE_MAX_LEN 15 /* longest canonical plate or pattern, without the terminating NUL */

enum plate_error {
    PLATE_OK = 0,
    PLATE_ERR_EMPTY = -1,    /* nothing left after dropping separators */
    PLATE_ERR_CHAR = -2,     /* a character outside A-Z, 0-9 (and ?, * for patterns) */
    PLATE_ERR_TOO_LONG = -3, /* more than PLATE_MAX_LEN characters */
};

const char *plate_strerror(int err);

/*
 * Canonicalises text into out (PLATE_MAX_LEN + 1 bytes): upper-cases letters, drops ' ', '-',
 * '.', and, when allow_wildcards is set, keeps '?' and '*' (runs of '*' collapse to one).
 * Returns 0, or a PLATE_ERR_* (out untouched).
 */
int plate_normalize(const char *text, int allow_wildcards, char out[PLATE_MAX_LEN + 1])
    __attribute__((warn_unused_result));

/* 1 when the canonical pattern contains '?' or '*'. */
int plate_is_pattern(const char *pattern);

/* The confusable-class representative of one canonical character ('?' and '*' map to self). */
char plate_skeleton_char(char c);

/* Writes the skeleton of a canonical plate or pattern into out (same length). */
void plate_skeleton(const char *plate, char out[PLATE_MAX_LEN + 1]);

/* Writes s reversed into out (same length). */
void plate_reverse(const char *s, char out[PLATE_MAX_LEN + 1]);

/* 1 when the canonical plate matches the canonical pattern ('?' one char, '*' any run). */
int plate_glob(const char *pattern, const char *plate);

/*
 * Confusable-aware distance between two canonical plates of the same length: 1 per position
 * that differs but is OCR-confusable, 4 per position that differs otherwise. Returns -1 when
 * the lengths differ (fuzzy search compares only plates of equal length).
 */
int plate_fuzzy_distance(const char *a, const char *b);

/* Number of non-confusable differing positions (skeleton Hamming distance); -1 if lengths differ.
 */
int plate_skeleton_distance(const char *a, const char *b);

#endif
