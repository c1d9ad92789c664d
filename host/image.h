/*
 * image: 8-bit grayscale images in memory, read from PNG, JPEG or PGM files and written as PGM,
 * PNG or JPEG.
 *
 * Every image the stack handles is one byte per pixel, row-major, stride == width. Loading
 * converts whatever the file holds (RGB, palette, alpha, 16-bit samples) to that form: colour
 * goes to luma with the integer BT.601 weights (77 R + 150 G + 29 B + 128) >> 8 (for JPEG the
 * library's own Y channel, the same weights), 16-bit samples are scaled to 8 bits, alpha is
 * dropped, PGM with maxval < 255 is stretched to 0..255. The format is told by the magic bytes,
 * never by the file name.
 *
 * Ownership: an image filled by image_load*, image_alloc or image_crop owns its pixels and is
 * released with image_free(); buffers returned by image_encode_png() and image_encode_jpeg() are
 * the caller's to free().
 * Functions that fill an out-parameter write it only on success.
 */
#ifndef IMAGE_H
#define IMAGE_H

#include <stddef.h>
#include <stdint.h>

/* Largest width or height accepted anywhere (load, allocate, save). */
#define IMAGE_MAX_DIM 8192
/* Largest file image_load() reads (bytes). */
#define IMAGE_MAX_FILE_BYTES (256u * 1024u * 1024u)

struct image {
    int width, height;
    uint8_t *pixels; /* width * height bytes, row-major, stride == width */
};

/* Errors: every fallible function returns 0 or one of these. */
enum image_error {
    IMAGE_OK = 0,
    IMAGE_ERR_OPEN = -1,      /* the file cannot be opened (missing, permission) */
    IMAGE_ERR_FORMAT = -2,    /* not PNG, JPEG or PGM, or a variant not supported (16-bit PGM,
                                 CMYK JPEG), or an empty file */
    IMAGE_ERR_CORRUPT = -3,   /* recognised format but bad header or corrupt / truncated data */
    IMAGE_ERR_TOO_LARGE = -4, /* width or height over IMAGE_MAX_DIM, or file over the limit */
    IMAGE_ERR_NOMEM = -5,     /* out of memory */
    IMAGE_ERR_IO = -6,        /* read or write error (disk full, ...) */
    IMAGE_ERR_INVALID = -7,   /* bad argument (NULL, size <= 0, empty crop) */
};

/* A static English description of an image_error code ("unknown error" for others). */
const char *image_strerror(int err);

/* ---- Allocation ---------------------------------------------------------------------------- */

/*
 * Allocates a width x height image with every pixel set to 0 into *out.
 * Returns 0, IMAGE_ERR_INVALID (size <= 0), IMAGE_ERR_TOO_LARGE or IMAGE_ERR_NOMEM.
 */
int image_alloc(struct image *out, int width, int height) __attribute__((warn_unused_result));

/* Frees the pixels and zeroes *img. Accepts NULL and a zeroed struct. */
void image_free(struct image *img);

/*
 * Copies the rectangle (x, y, w, h) of src, clamped to src's bounds, into a new image *out.
 * Returns 0, IMAGE_ERR_INVALID when src is empty or nothing of the rectangle lies inside
 * src, or IMAGE_ERR_NOMEM.
 */
int image_crop(const struct image *src, int x, int y, int w, int h, struct image *out)
    __attribute__((warn_unused_result));

/* ---- Reading -------------------------------------------------------------------------------- */

/*
 * Reads the file at path (at most IMAGE_MAX_FILE_BYTES) and decodes it into *out, as 8-bit
 * grayscale. PNG (any colour type and depth, interlaced too), baseline and progressive JPEG
 * (gray or YCbCr/RGB), PGM P5 and P2 with maxval 1..255.
 * Returns 0 or a negative image_error; nothing leaks and nothing is printed on failure.
 */
int image_load(const char *path, struct image *out) __attribute__((warn_unused_result));

/* Same as image_load() on a file already in memory (len bytes at data). */
int image_load_mem(const uint8_t *data, size_t len, struct image *out)
    __attribute__((warn_unused_result));

/* ---- Writing -------------------------------------------------------------------------------- */

/* Writes img as binary PGM (P5, maxval 255). Returns 0, IMAGE_ERR_INVALID, _OPEN or _IO. */
int image_save_pgm(const char *path, const struct image *img) __attribute__((warn_unused_result));

/* Writes img as an 8-bit grayscale PNG. Returns 0 or a negative image_error. */
int image_save_png(const char *path, const struct image *img) __attribute__((warn_unused_result));

/*
 * Encodes img as an 8-bit grayscale PNG into a new malloc'd buffer: *buf (caller frees) and
 * *len. Returns 0, IMAGE_ERR_INVALID or IMAGE_ERR_NOMEM; *buf and *len untouched on failure.
 */
int image_encode_png(const struct image *img, uint8_t **buf, size_t *len)
    __attribute__((warn_unused_result));

/*
 * Encodes img as a baseline 8-bit grayscale JPEG of the given quality (1..100, libjpeg's scale;
 * 70 is a typical camera's or web page's) into a new malloc'd buffer: *buf (caller frees) and
 * *len. Returns 0, IMAGE_ERR_INVALID (empty image, quality out of range, NULL) or
 * IMAGE_ERR_NOMEM; *buf and *len untouched on failure.
 */
int image_encode_jpeg(const struct image *img, int quality, uint8_t **buf, size_t *len)
    __attribute__((warn_unused_result));

/* Writes img as a grayscale JPEG of the given quality. Returns 0 or a negative image_error. */
int image_save_jpeg(const char *path, const struct image *img, int quality)
    __attribute__((warn_unused_result));

#endif
