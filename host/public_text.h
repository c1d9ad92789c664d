/*
 * public_text: what `alpr report public` publishes must be fit for the public (R6, R13).
 *
 * The policy text of the public page comes from a file the caller names; a wrong file (an
 * export's reads.csv, say) would publish plates. public_text_load() takes only a regular file
 * (not a symlink), at most PUBLIC_TEXT_MAX bytes of valid UTF-8 with no control character but
 * newline and tab, and no plate-shaped token: 5 to 8 characters of A-Z and 0-9 with at least
 * two letters and two digits (UM78029, 123ABC4), as plates are stored; words, times and statute
 * numbers (2026-01-01T00:00Z, 41-6a-2001, R11) are not plate-shaped. It names the line and token.
 *
 * public_text_create() makes the page's file: O_CREAT|O_EXCL|O_NOFOLLOW, so it never follows
 * a symlink nor replaces an existing file, with the mode given (0644 for a public page).
 */
#ifndef PUBLIC_TEXT_H
#define PUBLIC_TEXT_H

#include <stddef.h>

#define PUBLIC_TEXT_MAX (64 * 1024)

/*
 * Checks len bytes of text. Returns 0, or -1 with why (size bytes) naming the fault, its line
 * and, for a plate-shaped token, the token.
 */
int public_text_check(const char *text, size_t len, char *why, size_t size)
    __attribute__((warn_unused_result));

/* Reads and checks path. Returns the text (malloc'ed, NUL-terminated), or NULL with why. */
char *public_text_load(const char *path, char *why, size_t size)
    __attribute__((warn_unused_result));

/* Creates path for writing (see above). Returns the descriptor, or -1 with errno set. */
int public_text_create(const char *path, unsigned mode) __attribute__((warn_unused_result));

#endif
