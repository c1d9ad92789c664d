/*
 * image: grayscale image load/save. Files are read whole into memory (bounded by
 * IMAGE_MAX_FILE_BYTES) and decoded from there, so truncation is seen the same way by every
 * decoder. libpng and libjpeg report errors by longjmp: each decoder keeps everything it
 * allocates in a context struct reached through a pointer, so the setjmp landing pad can free
 * it, and the work between setjmp and the end lives in a separate function (no automatic
 * variable of the setjmp frame is modified after setjmp).
 */
#include "image.h"

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jpeglib.h>
#include <jerror.h>
#include <png.h>

const char *image_strerror(int err)
{
    switch (err) {
    case IMAGE_OK:
        return "success";
    case IMAGE_ERR_OPEN:
        return "cannot open file";
    case IMAGE_ERR_FORMAT:
        return "unsupported or unrecognised image format";
    case IMAGE_ERR_CORRUPT:
        return "corrupt or truncated image data";
    case IMAGE_ERR_TOO_LARGE:
        return "image too large";
    case IMAGE_ERR_NOMEM:
        return "out of memory";
    case IMAGE_ERR_IO:
        return "read or write error";
    case IMAGE_ERR_INVALID:
        return "invalid argument";
    default:
        return "unknown error";
    }
}

/* ---- Allocation ---------------------------------------------------------------------------- */

static int dims_check(long w, long h)
{
    if (w <= 0 || h <= 0)
        return IMAGE_ERR_INVALID;
    if (w > IMAGE_MAX_DIM || h > IMAGE_MAX_DIM)
        return IMAGE_ERR_TOO_LARGE;
    return 0;
}

int image_alloc(struct image *out, int width, int height)
{
    int rc = dims_check(width, height);
    if (rc != 0)
        return rc;
    uint8_t *p = calloc((size_t)width * (size_t)height, 1);
    if (!p)
        return IMAGE_ERR_NOMEM;
    out->width = width;
    out->height = height;
    out->pixels = p;
    return 0;
}

void image_free(struct image *img)
{
    if (!img)
        return;
    free(img->pixels);
    img->pixels = NULL;
    img->width = 0;
    img->height = 0;
}

static int image_valid(const struct image *img)
{
    return img && img->pixels && dims_check(img->width, img->height) == 0;
}

int image_crop(const struct image *src, int x, int y, int w, int h, struct image *out)
{
    if (!image_valid(src) || !out || w <= 0 || h <= 0)
        return IMAGE_ERR_INVALID;
    long x0 = x < 0 ? 0 : x, y0 = y < 0 ? 0 : y;
    long x1 = (long)x + w, y1 = (long)y + h;
    if (x1 > src->width)
        x1 = src->width;
    if (y1 > src->height)
        y1 = src->height;
    if (x1 <= x0 || y1 <= y0)
        return IMAGE_ERR_INVALID;
    struct image c;
    int rc = image_alloc(&c, (int)(x1 - x0), (int)(y1 - y0));
    if (rc != 0)
        return rc;
    for (int r = 0; r < c.height; r++)
        memcpy(c.pixels + (size_t)r * c.width,
               src->pixels + (size_t)(y0 + r) * src->width + (size_t)x0, (size_t)c.width);
    *out = c;
    return 0;
}

/* ---- PGM ------------------------------------------------------------------------------------ */

struct pgm_reader {
    const uint8_t *p;
    size_t len, pos;
};

static void pgm_skip_space(struct pgm_reader *r)
{
    while (r->pos < r->len) {
        uint8_t c = r->p[r->pos];
        if (c == '#') {
            while (r->pos < r->len && r->p[r->pos] != '\n' && r->p[r->pos] != '\r')
                r->pos++;
        } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
            r->pos++;
        } else {
            break;
        }
    }
}

/* Reads an unsigned decimal (at most 9 digits, so it cannot overflow). -1 if none. */
static long pgm_number(struct pgm_reader *r)
{
    pgm_skip_space(r);
    long v = 0;
    int digits = 0;
    while (r->pos < r->len && r->p[r->pos] >= '0' && r->p[r->pos] <= '9') {
        if (digits == 9)
            return -1;
        v = v * 10 + (r->p[r->pos] - '0');
        r->pos++;
        digits++;
    }
    return digits ? v : -1;
}

static int pgm_decode(const uint8_t *data, size_t len, struct image *out)
{
    struct pgm_reader r = {data, len, 2};
    int ascii = data[1] == '2';
    long w = pgm_number(&r), h = pgm_number(&r), maxval = pgm_number(&r);
    if (w < 0 || h < 0 || maxval < 0 || w == 0 || h == 0 || maxval == 0)
        return IMAGE_ERR_CORRUPT;
    if (w > IMAGE_MAX_DIM || h > IMAGE_MAX_DIM)
        return IMAGE_ERR_TOO_LARGE;
    if (maxval > 65535)
        return IMAGE_ERR_CORRUPT;
    if (maxval > 255)
        return IMAGE_ERR_FORMAT; /* 16-bit PGM: valid, not supported */
    size_t n = (size_t)w * (size_t)h;
    if (!ascii) {
        /* Exactly one whitespace byte separates maxval from the raster. */
        if (r.pos >= len || !(data[r.pos] == ' ' || data[r.pos] == '\t' || data[r.pos] == '\n' ||
                              data[r.pos] == '\r'))
            return IMAGE_ERR_CORRUPT;
        r.pos++;
        if (len - r.pos < n)
            return IMAGE_ERR_CORRUPT;
    }
    struct image img;
    int rc = image_alloc(&img, (int)w, (int)h);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        long v;
        if (ascii) {
            v = pgm_number(&r);
            if (v < 0 || v > maxval) {
                image_free(&img);
                return IMAGE_ERR_CORRUPT;
            }
        } else {
            v = data[r.pos + i];
            if (v > maxval)
                v = maxval;
        }
        img.pixels[i] = (uint8_t)(maxval == 255 ? v : (v * 255 + maxval / 2) / maxval);
    }
    *out = img;
    return 0;
}

/* ---- PNG ------------------------------------------------------------------------------------ */

struct png_ctx {
    const uint8_t *data;
    size_t len, pos;
    uint8_t *rgb;    /* decoded rows, 1 or 3 bytes per pixel */
    png_bytep *rows; /* row pointers into rgb */
    int err;         /* image_error to report when libpng longjmps */
};

static void png_on_error(png_structp png, png_const_charp msg)
{
    struct png_ctx *c = png_get_error_ptr(png);
    (void)msg;
    if (c->err == 0)
        c->err = IMAGE_ERR_CORRUPT;
    png_longjmp(png, 1);
}

static void png_on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

static void png_read_mem(png_structp png, png_bytep dst, png_size_t n)
{
    struct png_ctx *c = png_get_io_ptr(png);
    if (c->len - c->pos < n) {
        c->err = IMAGE_ERR_CORRUPT;
        png_error(png, "truncated");
    }
    memcpy(dst, c->data + c->pos, n);
    c->pos += n;
}

/* The part of the PNG decode that may longjmp; all allocations go into *c. */
static void png_decode_body(png_structp png, png_infop info, struct png_ctx *c, struct image *img)
{
    png_set_read_fn(png, c, png_read_mem);
    png_read_info(png, info);
    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    if (w > IMAGE_MAX_DIM || h > IMAGE_MAX_DIM) {
        c->err = IMAGE_ERR_TOO_LARGE;
        png_error(png, "too large");
    }
    png_set_expand(png); /* palette -> RGB, gray < 8 bits -> 8, tRNS -> alpha */
    png_set_strip_16(png);
    png_set_strip_alpha(png);
    (void)png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int channels = png_get_channels(png, info);
    if (channels != 1 && channels != 3) {
        c->err = IMAGE_ERR_FORMAT;
        png_error(png, "unexpected channel count");
    }
    size_t rowbytes = png_get_rowbytes(png, info);
    if (rowbytes != (size_t)w * (size_t)channels) {
        c->err = IMAGE_ERR_FORMAT;
        png_error(png, "unexpected row size");
    }
    c->rgb = malloc(rowbytes * h);
    c->rows = malloc(sizeof *c->rows * h);
    if (!c->rgb || !c->rows) {
        c->err = IMAGE_ERR_NOMEM;
        png_error(png, "out of memory");
    }
    for (png_uint_32 y = 0; y < h; y++)
        c->rows[y] = c->rgb + rowbytes * y;
    png_read_image(png, c->rows);
    png_read_end(png, NULL);
    img->width = (int)w;
    img->height = (int)h;
    if (channels == 3) {
        /* Convert in place: gray pixel i is written before RGB pixel i + 1 is read. */
        size_t n = (size_t)w * h;
        for (size_t i = 0; i < n; i++) {
            const uint8_t *p = c->rgb + 3 * i;
            c->rgb[i] = (uint8_t)((77u * p[0] + 150u * p[1] + 29u * p[2] + 128u) >> 8);
        }
    }
}

static int png_decode(const uint8_t *data, size_t len, struct image *out)
{
    /* Pre-check IHDR so a huge declared size is "too large", not a libpng limit error. */
    if (len >= 24 && memcmp(data + 12, "IHDR", 4) == 0) {
        uint32_t w = (uint32_t)data[16] << 24 | (uint32_t)data[17] << 16 | (uint32_t)data[18] << 8 |
                     data[19];
        uint32_t h = (uint32_t)data[20] << 24 | (uint32_t)data[21] << 16 | (uint32_t)data[22] << 8 |
                     data[23];
        if (w > IMAGE_MAX_DIM || h > IMAGE_MAX_DIM)
            return IMAGE_ERR_TOO_LARGE;
    }
    struct png_ctx ctx = {.data = data, .len = len};
    struct png_ctx *c = &ctx;
    png_structp png =
        png_create_read_struct(PNG_LIBPNG_VER_STRING, c, png_on_error, png_on_warning);
    if (!png)
        return IMAGE_ERR_NOMEM;
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return IMAGE_ERR_NOMEM;
    }
    struct image img = {0, 0, NULL};
    struct image *ip = &img;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        free(c->rows);
        free(c->rgb);
        return c->err ? c->err : IMAGE_ERR_CORRUPT;
    }
    png_decode_body(png, info, c, ip);
    png_destroy_read_struct(&png, &info, NULL);
    free(c->rows);
    /* Shrink to the gray size; a failed realloc keeps the (larger) block, which is fine. */
    size_t n = (size_t)ip->width * (size_t)ip->height;
    uint8_t *shrunk = realloc(c->rgb, n);
    ip->pixels = shrunk ? shrunk : c->rgb;
    *out = *ip;
    return 0;
}

/* ---- JPEG ----------------------------------------------------------------------------------- */

struct jpeg_ctx {
    struct jpeg_error_mgr mgr; /* first member: libjpeg's err pointer is cast back to this */
    jmp_buf jmp;
    uint8_t *pixels;
    int err;
    int truncated;
};

static void jpeg_on_error(j_common_ptr cinfo)
{
    struct jpeg_ctx *c = (struct jpeg_ctx *)cinfo->err;
    if (c->err == 0)
        c->err = cinfo->err->msg_code == JERR_OUT_OF_MEMORY ? IMAGE_ERR_NOMEM : IMAGE_ERR_CORRUPT;
    longjmp(c->jmp, 1);
}

static void jpeg_on_message(j_common_ptr cinfo, int level)
{
    struct jpeg_ctx *c = (struct jpeg_ctx *)cinfo->err;
    /* Warnings are level -1; premature end of data is the one that means "truncated". */
    if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF)
        c->truncated = 1;
}

static void jpeg_on_output(j_common_ptr cinfo)
{
    (void)cinfo;
}

static void jpeg_decode_body(struct jpeg_decompress_struct *d, struct jpeg_ctx *c,
                             const uint8_t *data, size_t len, struct image *img)
{
    jpeg_mem_src(d, data, (unsigned long)len);
    (void)jpeg_read_header(d, TRUE);
    if (d->image_width > IMAGE_MAX_DIM || d->image_height > IMAGE_MAX_DIM) {
        c->err = IMAGE_ERR_TOO_LARGE;
        longjmp(c->jmp, 1);
    }
    if (d->jpeg_color_space != JCS_GRAYSCALE && d->jpeg_color_space != JCS_YCbCr &&
        d->jpeg_color_space != JCS_RGB) {
        c->err = IMAGE_ERR_FORMAT; /* CMYK / YCCK */
        longjmp(c->jmp, 1);
    }
    d->out_color_space = JCS_GRAYSCALE;
    (void)jpeg_start_decompress(d);
    if (d->output_components != 1 || d->output_width == 0 || d->output_height == 0) {
        c->err = IMAGE_ERR_FORMAT;
        longjmp(c->jmp, 1);
    }
    size_t w = d->output_width, h = d->output_height;
    c->pixels = malloc(w * h);
    if (!c->pixels) {
        c->err = IMAGE_ERR_NOMEM;
        longjmp(c->jmp, 1);
    }
    while (d->output_scanline < d->output_height) {
        JSAMPROW row = c->pixels + w * d->output_scanline;
        if (jpeg_read_scanlines(d, &row, 1) != 1)
            break;
    }
    if (!c->truncated)
        (void)jpeg_finish_decompress(d);
    if (c->truncated) {
        c->err = IMAGE_ERR_CORRUPT;
        longjmp(c->jmp, 1);
    }
    img->width = (int)w;
    img->height = (int)h;
}

static int jpeg_decode(const uint8_t *data, size_t len, struct image *out)
{
    struct jpeg_decompress_struct dinfo;
    struct jpeg_decompress_struct *d = &dinfo;
    struct jpeg_ctx ctx;
    struct jpeg_ctx *c = &ctx;
    struct image img = {0, 0, NULL};
    struct image *ip = &img;
    memset(c, 0, sizeof *c);
    memset(d, 0, sizeof *d);
    d->err = jpeg_std_error(&c->mgr);
    c->mgr.error_exit = jpeg_on_error;
    c->mgr.emit_message = jpeg_on_message;
    c->mgr.output_message = jpeg_on_output;
    if (setjmp(c->jmp)) {
        jpeg_destroy_decompress(d);
        free(c->pixels);
        return c->err ? c->err : IMAGE_ERR_CORRUPT;
    }
    jpeg_create_decompress(d);
    jpeg_decode_body(d, c, data, len, ip);
    jpeg_destroy_decompress(d);
    ip->pixels = c->pixels;
    *out = *ip;
    return 0;
}

/* ---- Loading -------------------------------------------------------------------------------- */

int image_load_mem(const uint8_t *data, size_t len, struct image *out)
{
    static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (!out || (!data && len))
        return IMAGE_ERR_INVALID;
    if (len > IMAGE_MAX_FILE_BYTES)
        return IMAGE_ERR_TOO_LARGE;
    if (len >= 8 && memcmp(data, png_sig, 8) == 0)
        return png_decode(data, len, out);
    if (len >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
        return jpeg_decode(data, len, out);
    if (len >= 2 && data[0] == 'P' && (data[1] == '5' || data[1] == '2'))
        return pgm_decode(data, len, out);
    return IMAGE_ERR_FORMAT;
}

int image_load(const char *path, struct image *out)
{
    if (!path || !out)
        return IMAGE_ERR_INVALID;
    FILE *f = fopen(path, "rb");
    if (!f)
        return IMAGE_ERR_OPEN;
    int rc;
    uint8_t *buf = NULL;
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        rc = IMAGE_ERR_IO;
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = S_ISDIR(st.st_mode) ? IMAGE_ERR_OPEN : IMAGE_ERR_FORMAT;
        goto out;
    }
    if ((uintmax_t)st.st_size > IMAGE_MAX_FILE_BYTES) {
        rc = IMAGE_ERR_TOO_LARGE;
        goto out;
    }
    size_t size = (size_t)st.st_size;
    buf = malloc(size ? size : 1);
    if (!buf) {
        rc = IMAGE_ERR_NOMEM;
        goto out;
    }
    if (fread(buf, 1, size, f) != size) {
        rc = ferror(f) ? IMAGE_ERR_IO : IMAGE_ERR_CORRUPT;
        goto out;
    }
    rc = image_load_mem(buf, size, out);
out:
    free(buf);
    fclose(f);
    return rc;
}

/* ---- Writing -------------------------------------------------------------------------------- */

int image_save_pgm(const char *path, const struct image *img)
{
    if (!path || !image_valid(img))
        return IMAGE_ERR_INVALID;
    FILE *f = fopen(path, "wb");
    if (!f)
        return IMAGE_ERR_OPEN;
    size_t n = (size_t)img->width * (size_t)img->height;
    int ok = fprintf(f, "P5\n%d %d\n255\n", img->width, img->height) > 0 &&
             fwrite(img->pixels, 1, n, f) == n;
    if (fclose(f) != 0)
        ok = 0;
    return ok ? 0 : IMAGE_ERR_IO;
}

struct png_wbuf {
    uint8_t *data;
    size_t len, cap;
    int err;
};

static void png_write_mem(png_structp png, png_bytep src, png_size_t n)
{
    struct png_wbuf *b = png_get_io_ptr(png);
    if (b->cap - b->len < n) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap - b->len < n) {
            if (cap > SIZE_MAX / 2) {
                b->err = IMAGE_ERR_NOMEM;
                png_error(png, "buffer too large");
            }
            cap *= 2;
        }
        uint8_t *p = realloc(b->data, cap);
        if (!p) {
            b->err = IMAGE_ERR_NOMEM;
            png_error(png, "out of memory");
        }
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, src, n);
    b->len += n;
}

static void png_flush_mem(png_structp png)
{
    (void)png;
}

static void png_encode_body(png_structp png, png_infop info, const struct image *img,
                            struct png_wbuf *b)
{
    png_set_write_fn(png, b, png_write_mem, png_flush_mem);
    png_set_IHDR(png, info, (png_uint_32)img->width, (png_uint_32)img->height, 8,
                 PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, 3); /* ~2x faster than 6, ~5 % larger */
    png_write_info(png, info);
    for (int y = 0; y < img->height; y++)
        png_write_row(png, img->pixels + (size_t)y * img->width);
    png_write_end(png, NULL);
}

int image_encode_png(const struct image *img, uint8_t **buf, size_t *len)
{
    if (!image_valid(img) || !buf || !len)
        return IMAGE_ERR_INVALID;
    struct png_wbuf wb = {0};
    struct png_wbuf *b = &wb;
    struct png_ctx ectx = {0};
    png_structp png =
        png_create_write_struct(PNG_LIBPNG_VER_STRING, &ectx, png_on_error, png_on_warning);
    if (!png)
        return IMAGE_ERR_NOMEM;
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        return IMAGE_ERR_NOMEM;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(b->data);
        return b->err ? b->err : IMAGE_ERR_NOMEM;
    }
    png_encode_body(png, info, img, b);
    png_destroy_write_struct(&png, &info);
    *buf = b->data;
    *len = b->len;
    return 0;
}

/*
 * The JPEG encoder writes into a buffer of its own that grows by doubling (a destination
 * manager, like png_wbuf above): the buffer lives in the context, so the setjmp landing pad
 * frees it. (libjpeg's jpeg_mem_dest frees and replaces its buffer as it grows, which leaves
 * the caller's pointer dangling when an error stops the encoder half-way.)
 */
struct jpeg_wctx {
    struct jpeg_error_mgr mgr; /* first member, as in struct jpeg_ctx */
    jmp_buf jmp;
    struct jpeg_destination_mgr dest;
    uint8_t *data;
    size_t len, cap;
    int err;
};

static void jpeg_on_write_error(j_common_ptr cinfo)
{
    struct jpeg_wctx *c = (struct jpeg_wctx *)cinfo->err;
    if (c->err == 0)
        c->err = cinfo->err->msg_code == JERR_OUT_OF_MEMORY ? IMAGE_ERR_NOMEM : IMAGE_ERR_IO;
    longjmp(c->jmp, 1);
}

/* Grows the buffer to at least cap bytes; on failure leaves through the landing pad. */
static void jpeg_wbuf_grow(j_compress_ptr e, struct jpeg_wctx *c, size_t cap)
{
    uint8_t *p = cap > SIZE_MAX / 2 ? NULL : realloc(c->data, cap);
    if (!p) {
        c->err = IMAGE_ERR_NOMEM;
        longjmp(c->jmp, 1);
    }
    c->data = p;
    c->cap = cap;
    e->dest->next_output_byte = c->data + c->len;
    e->dest->free_in_buffer = c->cap - c->len;
}

static void jpeg_dest_init(j_compress_ptr e)
{
    struct jpeg_wctx *c = (struct jpeg_wctx *)e->err;
    c->len = 0;
    jpeg_wbuf_grow(e, c, 16384);
}

/* Called when the whole buffer is full: it all counts as written. */
static boolean jpeg_dest_empty(j_compress_ptr e)
{
    struct jpeg_wctx *c = (struct jpeg_wctx *)e->err;
    c->len = c->cap;
    jpeg_wbuf_grow(e, c, 2 * c->cap);
    return TRUE;
}

static void jpeg_dest_term(j_compress_ptr e)
{
    struct jpeg_wctx *c = (struct jpeg_wctx *)e->err;
    c->len = c->cap - e->dest->free_in_buffer;
}

static void jpeg_encode_body(struct jpeg_compress_struct *e, struct jpeg_wctx *c,
                             const struct image *img, int quality)
{
    c->dest.init_destination = jpeg_dest_init;
    c->dest.empty_output_buffer = jpeg_dest_empty;
    c->dest.term_destination = jpeg_dest_term;
    e->dest = &c->dest;
    e->image_width = (JDIMENSION)img->width;
    e->image_height = (JDIMENSION)img->height;
    e->input_components = 1;
    e->in_color_space = JCS_GRAYSCALE;
    jpeg_set_defaults(e);
    jpeg_set_quality(e, quality, TRUE);
    jpeg_start_compress(e, TRUE);
    while (e->next_scanline < e->image_height) {
        JSAMPROW row = img->pixels + (size_t)e->next_scanline * (size_t)img->width;
        (void)jpeg_write_scanlines(e, &row, 1);
    }
    jpeg_finish_compress(e);
}

int image_encode_jpeg(const struct image *img, int quality, uint8_t **buf, size_t *len)
{
    if (!image_valid(img) || quality < 1 || quality > 100 || !buf || !len)
        return IMAGE_ERR_INVALID;
    struct jpeg_compress_struct einfo;
    struct jpeg_compress_struct *e = &einfo;
    struct jpeg_wctx ctx;
    struct jpeg_wctx *c = &ctx;
    memset(c, 0, sizeof *c);
    memset(e, 0, sizeof *e);
    e->err = jpeg_std_error(&c->mgr);
    c->mgr.error_exit = jpeg_on_write_error;
    c->mgr.output_message = jpeg_on_output;
    if (setjmp(c->jmp)) {
        jpeg_destroy_compress(e);
        free(c->data);
        return c->err ? c->err : IMAGE_ERR_IO;
    }
    jpeg_create_compress(e);
    jpeg_encode_body(e, c, img, quality);
    jpeg_destroy_compress(e);
    *buf = c->data;
    *len = c->len;
    return 0;
}

/* Writes len bytes of buf to path. Returns 0, IMAGE_ERR_OPEN or IMAGE_ERR_IO. */
static int write_file(const char *path, const uint8_t *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return IMAGE_ERR_OPEN;
    int ok = fwrite(buf, 1, len, f) == len;
    if (fclose(f) != 0)
        ok = 0;
    return ok ? 0 : IMAGE_ERR_IO;
}

int image_save_jpeg(const char *path, const struct image *img, int quality)
{
    if (!path || !image_valid(img) || quality < 1 || quality > 100)
        return IMAGE_ERR_INVALID;
    uint8_t *buf;
    size_t len;
    int rc = image_encode_jpeg(img, quality, &buf, &len);
    if (rc != 0)
        return rc;
    rc = write_file(path, buf, len);
    free(buf);
    return rc;
}

int image_save_png(const char *path, const struct image *img)
{
    if (!path || !image_valid(img))
        return IMAGE_ERR_INVALID;
    uint8_t *buf;
    size_t len;
    int rc = image_encode_png(img, &buf, &len);
    if (rc != 0)
        return rc;
    rc = write_file(path, buf, len);
    free(buf);
    return rc;
}
