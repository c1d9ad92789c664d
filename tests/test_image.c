/*
 * test_image: host/image.c, grayscale load/save of PGM, PNG and JPEG, and its error paths
 * (truncated, corrupt, empty, oversized files). Real benchmark crops and frames are read when
 * ../shared/data is there.
 */
#include "image.h"
#include "testlib.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>

static void path_in_tmp(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", test_tmpdir(), name);
}

static int write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int ok = fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* A test pattern: gradients plus a checkerboard, so a row/column mix-up shows. */
static int make_pattern(struct image *img, int w, int h)
{
    if (image_alloc(img, w, h) != 0)
        return -1;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            img->pixels[y * w + x] =
                (uint8_t)((x * 255 / (w - 1) + y * 3 + (((x / 8) + (y / 8)) % 2) * 40) & 0xff);
    return 0;
}

/* Loading must leave *out alone on failure. */
static int load_expect(const char *path, int want)
{
    struct image img = {7, 9, (uint8_t *)&img};
    int rc = image_load(path, &img);
    if (rc != want) {
        printf("  %s: got %d (%s), want %d (%s)\n", path, rc, image_strerror(rc), want,
               image_strerror(want));
        if (rc == 0)
            image_free(&img);
        return 0;
    }
    return rc == 0 || (img.width == 7 && img.height == 9 && img.pixels == (uint8_t *)&img);
}

static void test_pgm_round_trip(void)
{
    struct image a, b;
    char path[512];
    REQUIRE(make_pattern(&a, 37, 23) == 0);
    path_in_tmp(path, sizeof path, "rt.pgm");
    CHECK_EQ_INT(image_save_pgm(path, &a), 0);
    REQUIRE(image_load(path, &b) == 0);
    CHECK_EQ_INT(b.width, 37);
    CHECK_EQ_INT(b.height, 23);
    CHECK(memcmp(a.pixels, b.pixels, 37 * 23) == 0);
    image_free(&a);
    image_free(&b);
}

static void test_pgm_ascii_and_maxval(void)
{
    static const char p2[] = "P2\n# comment\n3 2\n15\n0 15 7\n# more\n1 2 3\n";
    struct image img;
    REQUIRE(image_load_mem((const uint8_t *)p2, sizeof p2 - 1, &img) == 0);
    CHECK_EQ_INT(img.width, 3);
    CHECK_EQ_INT(img.height, 2);
    CHECK_EQ_INT(img.pixels[0], 0);
    CHECK_EQ_INT(img.pixels[1], 255);
    CHECK_EQ_INT(img.pixels[2], (7 * 255 + 7) / 15);
    CHECK_EQ_INT(img.pixels[5], 51);
    image_free(&img);
    /* P5 with maxval 100: 100 -> 255, 50 -> 128. */
    static const uint8_t p5[] = {'P', '5', ' ', '2', ' ', '1', ' ', '1', '0', '0', '\n', 100, 50};
    REQUIRE(image_load_mem(p5, sizeof p5, &img) == 0);
    CHECK_EQ_INT(img.pixels[0], 255);
    CHECK_EQ_INT(img.pixels[1], 128);
    image_free(&img);
}

static void test_pgm_errors(void)
{
    struct {
        const char *name, *data;
        int want;
    } cases[] = {
        {"bad-header.pgm", "P5\nabc\n255\n", IMAGE_ERR_CORRUPT},
        {"zero-width.pgm", "P5\n0 4\n255\n", IMAGE_ERR_CORRUPT},
        {"no-maxval.pgm", "P5\n4 4\n", IMAGE_ERR_CORRUPT},
        {"maxval16.pgm", "P5\n2 2\n65535\n12345678", IMAGE_ERR_FORMAT},
        {"too-wide.pgm", "P5\n9000 10\n255\n", IMAGE_ERR_TOO_LARGE},
        {"too-tall.pgm", "P5\n10 8193\n255\n", IMAGE_ERR_TOO_LARGE},
        {"huge-number.pgm", "P5\n99999999999999 1\n255\n", IMAGE_ERR_CORRUPT},
        {"truncated.pgm", "P5\n4 4\n255\nabcdefgh", IMAGE_ERR_CORRUPT},
        {"ascii-short.pgm", "P2\n2 2\n255\n1 2 3\n", IMAGE_ERR_CORRUPT},
        {"ascii-over.pgm", "P2\n2 1\n10\n1 11\n", IMAGE_ERR_CORRUPT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[512];
        path_in_tmp(path, sizeof path, cases[i].name);
        REQUIRE(write_file(path, cases[i].data, strlen(cases[i].data)) == 0);
        CHECK(load_expect(path, cases[i].want));
    }
}

static void test_png_round_trip(void)
{
    struct image a, b;
    char path[512];
    REQUIRE(make_pattern(&a, 64, 31) == 0);
    path_in_tmp(path, sizeof path, "rt.png");
    CHECK_EQ_INT(image_save_png(path, &a), 0);
    REQUIRE(image_load(path, &b) == 0);
    CHECK_EQ_INT(b.width, 64);
    CHECK_EQ_INT(b.height, 31);
    CHECK(memcmp(a.pixels, b.pixels, 64 * 31) == 0);
    image_free(&b);

    uint8_t *buf = NULL;
    size_t len = 0;
    REQUIRE(image_encode_png(&a, &buf, &len) == 0);
    CHECK(len > 8 && memcmp(buf, "\x89PNG", 4) == 0);
    REQUIRE(image_load_mem(buf, len, &b) == 0);
    CHECK(memcmp(a.pixels, b.pixels, 64 * 31) == 0);
    image_free(&b);
    free(buf);
    image_free(&a);
}

/* Writes a PNG of any colour type with libpng directly: rows are given as raw bytes. */
static int write_png_raw(const char *path, int w, int h, int bit_depth, int color_type,
                         const uint8_t *raw, size_t rowbytes, const png_color *palette,
                         int npalette, int interlace)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        fclose(f);
        return -1;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, bit_depth, color_type,
                 interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (palette)
        png_set_PLTE(png, info, palette, npalette);
    png_write_info(png, info);
    int passes = interlace ? png_set_interlace_handling(png) : 1;
    for (int pass = 0; pass < passes; pass++)
        for (int y = 0; y < h; y++)
            png_write_row(png, raw + (size_t)y * rowbytes);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return fclose(f) == 0 ? 0 : -1;
}

static int luma(int r, int g, int b)
{
    return (77 * r + 150 * g + 29 * b + 128) >> 8;
}

static void test_png_color_types(void)
{
    char path[512];
    struct image img;
    /* RGB 8-bit: pure colours and a mix. */
    static const uint8_t rgb[] = {255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 200, 90};
    path_in_tmp(path, sizeof path, "rgb.png");
    REQUIRE(write_png_raw(path, 4, 1, 8, PNG_COLOR_TYPE_RGB, rgb, 12, NULL, 0, 0) == 0);
    REQUIRE(image_load(path, &img) == 0);
    CHECK_EQ_INT(img.width, 4);
    CHECK_EQ_INT(img.pixels[0], luma(255, 0, 0));
    CHECK_EQ_INT(img.pixels[1], luma(0, 255, 0));
    CHECK_EQ_INT(img.pixels[2], luma(0, 0, 255));
    CHECK_EQ_INT(img.pixels[3], luma(10, 200, 90));
    image_free(&img);

    /* RGBA: alpha dropped, colour kept. */
    static const uint8_t rgba[] = {100, 150, 200, 0, 30, 60, 90, 255};
    path_in_tmp(path, sizeof path, "rgba.png");
    REQUIRE(write_png_raw(path, 2, 1, 8, PNG_COLOR_TYPE_RGBA, rgba, 8, NULL, 0, 0) == 0);
    REQUIRE(image_load(path, &img) == 0);
    CHECK_EQ_INT(img.pixels[0], luma(100, 150, 200));
    CHECK_EQ_INT(img.pixels[1], luma(30, 60, 90));
    image_free(&img);

    /* 16-bit gray: high byte kept. */
    static const uint8_t g16[] = {0x12, 0x34, 0xff, 0xff, 0x00, 0x10};
    path_in_tmp(path, sizeof path, "g16.png");
    REQUIRE(write_png_raw(path, 3, 1, 16, PNG_COLOR_TYPE_GRAY, g16, 6, NULL, 0, 0) == 0);
    REQUIRE(image_load(path, &img) == 0);
    CHECK_EQ_INT(img.pixels[0], 0x12);
    CHECK_EQ_INT(img.pixels[1], 0xff);
    CHECK_EQ_INT(img.pixels[2], 0x00);
    image_free(&img);

    /* Palette, 4 bits per index. */
    static const png_color pal[] = {{0, 0, 0}, {255, 255, 255}, {200, 20, 20}};
    static const uint8_t idx[] = {0x01, 0x20}; /* indices 0 1 2 0 */
    path_in_tmp(path, sizeof path, "pal.png");
    REQUIRE(write_png_raw(path, 4, 1, 4, PNG_COLOR_TYPE_PALETTE, idx, 2, pal, 3, 0) == 0);
    REQUIRE(image_load(path, &img) == 0);
    CHECK_EQ_INT(img.pixels[0], 0);
    CHECK_EQ_INT(img.pixels[1], 255);
    CHECK_EQ_INT(img.pixels[2], luma(200, 20, 20));
    CHECK_EQ_INT(img.pixels[3], 0);
    image_free(&img);

    /* Adam7-interlaced gray: same pixels as the source. */
    struct image src;
    REQUIRE(make_pattern(&src, 29, 17) == 0);
    path_in_tmp(path, sizeof path, "adam7.png");
    REQUIRE(write_png_raw(path, 29, 17, 8, PNG_COLOR_TYPE_GRAY, src.pixels, 29, NULL, 0, 1) == 0);
    REQUIRE(image_load(path, &img) == 0);
    CHECK_EQ_INT(img.width, 29);
    CHECK(memcmp(img.pixels, src.pixels, 29 * 17) == 0);
    image_free(&img);
    image_free(&src);

    /* 1-bit gray expands to 0 / 255. */
    static const uint8_t g1[] = {0xA0};
    path_in_tmp(path, sizeof path, "g1.png");
    REQUIRE(write_png_raw(path, 3, 1, 1, PNG_COLOR_TYPE_GRAY, g1, 1, NULL, 0, 0) == 0);
    REQUIRE(image_load(path, &img) == 0);
    CHECK_EQ_INT(img.pixels[0], 255);
    CHECK_EQ_INT(img.pixels[1], 0);
    CHECK_EQ_INT(img.pixels[2], 255);
    image_free(&img);
}

static void test_png_errors(void)
{
    struct image a;
    uint8_t *buf = NULL;
    size_t len = 0;
    char path[512];
    REQUIRE(make_pattern(&a, 120, 80) == 0);
    REQUIRE(image_encode_png(&a, &buf, &len) == 0);
    image_free(&a);

    size_t cuts[] = {len / 2, len - 13, 30, 12};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        path_in_tmp(path, sizeof path, "trunc.png");
        REQUIRE(write_file(path, buf, cuts[i]) == 0);
        CHECK(load_expect(path, IMAGE_ERR_CORRUPT));
    }
    /* A flipped byte inside the IDAT data breaks its CRC. */
    uint8_t *bad = malloc(len);
    REQUIRE(bad);
    memcpy(bad, buf, len);
    bad[len / 2] ^= 0x55;
    path_in_tmp(path, sizeof path, "crc.png");
    REQUIRE(write_file(path, bad, len) == 0);
    CHECK(load_expect(path, IMAGE_ERR_CORRUPT));
    /* Declared size over the maximum. */
    memcpy(bad, buf, 33);
    bad[16] = 0, bad[17] = 0, bad[18] = 0x23, bad[19] = 0x28; /* width 9000 */
    path_in_tmp(path, sizeof path, "huge.png");
    REQUIRE(write_file(path, bad, 33) == 0);
    CHECK(load_expect(path, IMAGE_ERR_TOO_LARGE));
    free(bad);
    free(buf);
}

/* Writes w x h pixels (components 1 = gray, 3 = RGB) as a JPEG with libjpeg. */
static int write_jpeg(const char *path, const uint8_t *px, int w, int h, int components,
                      int quality, int progressive)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr err;
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    jpeg_stdio_dest(&c, f);
    c.image_width = (JDIMENSION)w;
    c.image_height = (JDIMENSION)h;
    c.input_components = components;
    c.in_color_space = components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, quality, TRUE);
    if (progressive)
        jpeg_simple_progression(&c);
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = (JSAMPROW)(px + (size_t)c.next_scanline * w * components);
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    return fclose(f) == 0 ? 0 : -1;
}

static void test_jpeg_read(void)
{
    char path[512];
    struct image a, b;
    /* Smooth content so the JPEG error stays small. */
    REQUIRE(image_alloc(&a, 96, 64) == 0);
    for (int y = 0; y < 64; y++)
        for (int x = 0; x < 96; x++)
            a.pixels[y * 96 + x] = (uint8_t)(40 + x + y);
    path_in_tmp(path, sizeof path, "gray.jpg");
    REQUIRE(write_jpeg(path, a.pixels, 96, 64, 1, 95, 0) == 0);
    REQUIRE(image_load(path, &b) == 0);
    CHECK_EQ_INT(b.width, 96);
    CHECK_EQ_INT(b.height, 64);
    int maxdiff = 0;
    for (int i = 0; i < 96 * 64; i++) {
        int d = abs(a.pixels[i] - b.pixels[i]);
        if (d > maxdiff)
            maxdiff = d;
    }
    CHECK(maxdiff <= 6);
    image_free(&b);
    image_free(&a);

    /* Progressive JPEG: same result within the same tolerance. */
    REQUIRE(image_alloc(&a, 96, 64) == 0);
    for (int i = 0; i < 96 * 64; i++)
        a.pixels[i] = (uint8_t)(40 + i % 96 + i / 96);
    path_in_tmp(path, sizeof path, "progressive.jpg");
    REQUIRE(write_jpeg(path, a.pixels, 96, 64, 1, 95, 1) == 0);
    REQUIRE(image_load(path, &b) == 0);
    CHECK_EQ_INT(b.height, 64);
    maxdiff = 0;
    for (int i = 0; i < 96 * 64; i++)
        maxdiff =
            abs(a.pixels[i] - b.pixels[i]) > maxdiff ? abs(a.pixels[i] - b.pixels[i]) : maxdiff;
    CHECK(maxdiff <= 6);
    image_free(&b);
    image_free(&a);

    /* Flat RGB colour: gray is its BT.601 luma. */
    uint8_t rgb[32 * 16 * 3];
    for (int i = 0; i < 32 * 16; i++)
        rgb[3 * i] = 200, rgb[3 * i + 1] = 120, rgb[3 * i + 2] = 40;
    path_in_tmp(path, sizeof path, "rgb.jpg");
    REQUIRE(write_jpeg(path, rgb, 32, 16, 3, 95, 0) == 0);
    REQUIRE(image_load(path, &b) == 0);
    CHECK_EQ_INT(b.width, 32);
    CHECK(abs(b.pixels[8 * 32 + 16] - luma(200, 120, 40)) <= 3);
    image_free(&b);
}

static void test_jpeg_truncated(void)
{
    char path[512];
    struct image a;
    REQUIRE(make_pattern(&a, 160, 120) == 0);
    path_in_tmp(path, sizeof path, "full.jpg");
    REQUIRE(write_jpeg(path, a.pixels, 160, 120, 1, 90, 0) == 0);
    image_free(&a);
    size_t len;
    uint8_t *buf = read_file(path, &len);
    REQUIRE(buf);
    size_t cuts[] = {len / 2, len - 10, 100, 4};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        path_in_tmp(path, sizeof path, "trunc.jpg");
        REQUIRE(write_file(path, buf, cuts[i]) == 0);
        CHECK(load_expect(path, IMAGE_ERR_CORRUPT));
    }
    free(buf);
    /* A progressive JPEG cut in its later scans. */
    REQUIRE(make_pattern(&a, 160, 120) == 0);
    path_in_tmp(path, sizeof path, "full-progressive.jpg");
    REQUIRE(write_jpeg(path, a.pixels, 160, 120, 1, 90, 1) == 0);
    image_free(&a);
    buf = read_file(path, &len);
    REQUIRE(buf);
    size_t pcuts[] = {len * 3 / 4, len / 3};
    for (size_t i = 0; i < sizeof pcuts / sizeof pcuts[0]; i++) {
        path_in_tmp(path, sizeof path, "trunc-progressive.jpg");
        REQUIRE(write_file(path, buf, pcuts[i]) == 0);
        CHECK(load_expect(path, IMAGE_ERR_CORRUPT));
    }
    /* Garbage after a JPEG start-of-image marker. */
    uint8_t junk[600];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)(i * 7919 >> 3);
    junk[0] = 0xFF, junk[1] = 0xD8, junk[2] = 0xFF;
    path_in_tmp(path, sizeof path, "junk.jpg");
    REQUIRE(write_file(path, junk, sizeof junk) == 0);
    CHECK(load_expect(path, IMAGE_ERR_CORRUPT));
    free(buf);
}

/* image_encode_jpeg / image_save_jpeg: what they write reads back close to the input. */
static void test_jpeg_write(void)
{
    char path[512];
    struct image a, b;
    uint8_t *buf = NULL, *buf70 = NULL;
    size_t len = 0, len70 = 0;
    REQUIRE(image_alloc(&a, 96, 64) == 0);
    for (int y = 0; y < 64; y++)
        for (int x = 0; x < 96; x++)
            a.pixels[y * 96 + x] = (uint8_t)(40 + x + y);
    REQUIRE(image_encode_jpeg(&a, 95, &buf, &len) == 0);
    CHECK(len > 4 && buf[0] == 0xFF && buf[1] == 0xD8 && buf[len - 2] == 0xFF &&
          buf[len - 1] == 0xD9);
    REQUIRE(image_load_mem(buf, len, &b) == 0);
    CHECK_EQ_INT(b.width, 96);
    CHECK_EQ_INT(b.height, 64);
    int maxdiff = 0;
    for (int i = 0; i < 96 * 64; i++)
        maxdiff =
            abs(a.pixels[i] - b.pixels[i]) > maxdiff ? abs(a.pixels[i] - b.pixels[i]) : maxdiff;
    CHECK(maxdiff <= 6);
    image_free(&b);
    free(buf);

    /* A lower quality gives a smaller file of a detailed image, still the same size. */
    image_free(&a);
    REQUIRE(make_pattern(&a, 160, 120) == 0);
    REQUIRE(image_encode_jpeg(&a, 95, &buf, &len) == 0);
    REQUIRE(image_encode_jpeg(&a, 70, &buf70, &len70) == 0);
    CHECK(len70 < len);
    REQUIRE(image_load_mem(buf70, len70, &b) == 0);
    CHECK_EQ_INT(b.width, 160);
    CHECK_EQ_INT(b.height, 120);
    image_free(&b);
    free(buf);
    free(buf70);

    /* Through a file; a noisy 1280x720 frame outgrows the first output buffer several times. */
    image_free(&a);
    REQUIRE(image_alloc(&a, 1280, 720) == 0);
    for (size_t i = 0; i < 1280u * 720u; i++)
        a.pixels[i] = (uint8_t)((i * 2654435761u) >> 13);
    path_in_tmp(path, sizeof path, "written.jpg");
    CHECK_EQ_INT(image_save_jpeg(path, &a, 70), 0);
    REQUIRE(image_load(path, &b) == 0);
    CHECK_EQ_INT(b.width, 1280);
    CHECK_EQ_INT(b.height, 720);
    image_free(&b);

    /* Bad arguments: nothing written, out-parameters untouched. */
    buf = (uint8_t *)&len;
    len = 7;
    struct image empty = {0, 0, NULL}, nopix = {4, 4, NULL};
    CHECK_EQ_INT(image_encode_jpeg(NULL, 70, &buf, &len), IMAGE_ERR_INVALID);
    CHECK_EQ_INT(image_encode_jpeg(&empty, 70, &buf, &len), IMAGE_ERR_INVALID);
    CHECK_EQ_INT(image_encode_jpeg(&nopix, 70, &buf, &len), IMAGE_ERR_INVALID);
    CHECK_EQ_INT(image_encode_jpeg(&a, 0, &buf, &len), IMAGE_ERR_INVALID);
    CHECK_EQ_INT(image_encode_jpeg(&a, 101, &buf, &len), IMAGE_ERR_INVALID);
    CHECK_EQ_INT(image_encode_jpeg(&a, 70, NULL, &len), IMAGE_ERR_INVALID);
    CHECK_EQ_INT(image_encode_jpeg(&a, 70, &buf, NULL), IMAGE_ERR_INVALID);
    CHECK(buf == (uint8_t *)&len && len == 7);
    CHECK_EQ_INT(image_save_jpeg(NULL, &a, 70), IMAGE_ERR_INVALID);
    CHECK_EQ_INT(image_save_jpeg(path, &empty, 70), IMAGE_ERR_INVALID);
    CHECK_EQ_INT(image_save_jpeg(path, &a, -5), IMAGE_ERR_INVALID);
    path_in_tmp(path, sizeof path, "no-such-folder/x.jpg");
    CHECK_EQ_INT(image_save_jpeg(path, &a, 70), IMAGE_ERR_OPEN);
    image_free(&a);
}

static void test_garbage_empty_missing(void)
{
    char path[512];
    path_in_tmp(path, sizeof path, "garbage.png"); /* the name must not matter */
    REQUIRE(write_file(path, "hello, this is not an image\n", 28) == 0);
    CHECK(load_expect(path, IMAGE_ERR_FORMAT));
    path_in_tmp(path, sizeof path, "empty.pgm");
    REQUIRE(write_file(path, "", 0) == 0);
    CHECK(load_expect(path, IMAGE_ERR_FORMAT));
    path_in_tmp(path, sizeof path, "does-not-exist.png");
    CHECK(load_expect(path, IMAGE_ERR_OPEN));
    CHECK(load_expect(test_tmpdir(), IMAGE_ERR_OPEN));
    struct image img = {0, 0, NULL};
    CHECK_EQ_INT(image_load(NULL, &img), IMAGE_ERR_INVALID);
    CHECK_EQ_INT(image_save_pgm(path, &img), IMAGE_ERR_INVALID);
    CHECK_EQ_INT(image_save_png(path, &img), IMAGE_ERR_INVALID);
    CHECK_EQ_INT(image_alloc(&img, 0, 5), IMAGE_ERR_INVALID);
    CHECK_EQ_INT(image_alloc(&img, IMAGE_MAX_DIM + 1, 5), IMAGE_ERR_TOO_LARGE);
    CHECK(img.pixels == NULL);
    CHECK_EQ_INT(image_save_pgm("/nonexistent-dir/x.pgm", &(struct image){1, 1, (uint8_t *)"x"}),
                 IMAGE_ERR_OPEN);
    CHECK(strcmp(image_strerror(IMAGE_ERR_CORRUPT), image_strerror(IMAGE_ERR_FORMAT)) != 0);
    CHECK_EQ_STR(image_strerror(12345), "unknown error");
}

static void test_crop_and_free(void)
{
    struct image a, c;
    REQUIRE(make_pattern(&a, 50, 40) == 0);
    REQUIRE(image_crop(&a, 10, 5, 8, 6, &c) == 0);
    CHECK_EQ_INT(c.width, 8);
    CHECK_EQ_INT(c.height, 6);
    CHECK_EQ_INT(c.pixels[0], a.pixels[5 * 50 + 10]);
    CHECK_EQ_INT(c.pixels[5 * 8 + 7], a.pixels[10 * 50 + 17]);
    image_free(&c);
    /* Clamped at the edges. */
    REQUIRE(image_crop(&a, -5, 35, 20, 20, &c) == 0);
    CHECK_EQ_INT(c.width, 15);
    CHECK_EQ_INT(c.height, 5);
    CHECK_EQ_INT(c.pixels[0], a.pixels[35 * 50]);
    image_free(&c);
    CHECK_EQ_INT(image_crop(&a, 60, 0, 5, 5, &c), IMAGE_ERR_INVALID);
    CHECK_EQ_INT(image_crop(&a, 0, 0, 0, 5, &c), IMAGE_ERR_INVALID);
    image_free(&a);
    image_free(&a); /* twice: zeroed struct */
    image_free(NULL);
    CHECK(a.pixels == NULL && a.width == 0);
}

/* Width and height as the PNG's IHDR states them. */
static int png_header_dims(const char *path, int *w, int *h)
{
    uint8_t hdr[24];
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t n = fread(hdr, 1, sizeof hdr, f);
    fclose(f);
    if (n != sizeof hdr || memcmp(hdr + 12, "IHDR", 4) != 0)
        return -1;
    *w = hdr[16] << 24 | hdr[17] << 16 | hdr[18] << 8 | hdr[19];
    *h = hdr[20] << 24 | hdr[21] << 16 | hdr[22] << 8 | hdr[23];
    return 0;
}

/* Width and height from the JPEG's SOFn marker. */
static int jpeg_header_dims(const char *path, int *w, int *h)
{
    size_t len;
    uint8_t *b = read_file(path, &len);
    int rc = -1;
    if (!b)
        return -1;
    size_t i = 2;
    while (i + 9 < len) {
        if (b[i] != 0xFF) {
            i++;
            continue;
        }
        uint8_t m = b[i + 1];
        if (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) {
            *h = b[i + 5] << 8 | b[i + 6];
            *w = b[i + 7] << 8 | b[i + 8];
            rc = 0;
            break;
        }
        if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7) || m == 0xFF) {
            i += m == 0xFF ? 1 : 2;
            continue;
        }
        i += 2 + (size_t)(b[i + 2] << 8 | b[i + 3]);
    }
    free(b);
    return rc;
}

static void test_real_data(void)
{
    const char *data = test_data_dir();
    if (!data)
        SKIP("data absent");
    char dir[512], path[1024];
    int loaded_png = 0, loaded_jpg = 0;
    struct {
        const char *sub, *ext;
        int *count;
    } kinds[] = {{"crops/us", ".png", &loaded_png}, {"frames/us", ".jpg", &loaded_jpg}};
    for (size_t k = 0; k < 2; k++) {
        snprintf(dir, sizeof dir, "%s/%s", data, kinds[k].sub);
        DIR *d = opendir(dir);
        REQUIRE(d);
        struct dirent *e;
        while ((e = readdir(d)) && *kinds[k].count < 5) {
            size_t n = strlen(e->d_name);
            if (n < 5 || strcmp(e->d_name + n - 4, kinds[k].ext) != 0)
                continue;
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            int hw = 0, hh = 0;
            int hrc = k == 0 ? png_header_dims(path, &hw, &hh) : jpeg_header_dims(path, &hw, &hh);
            CHECK_EQ_INT(hrc, 0);
            struct image img;
            int rc = image_load(path, &img);
            if (rc != 0)
                printf("  %s: %s\n", path, image_strerror(rc));
            CHECK_EQ_INT(rc, 0);
            if (rc == 0) {
                CHECK_EQ_INT(img.width, hw);
                CHECK_EQ_INT(img.height, hh);
                /* A photo is not flat. */
                int lo = 255, hi = 0;
                for (size_t i = 0; i < (size_t)img.width * img.height; i++) {
                    lo = img.pixels[i] < lo ? img.pixels[i] : lo;
                    hi = img.pixels[i] > hi ? img.pixels[i] : hi;
                }
                CHECK(hi - lo > 50);
                image_free(&img);
            }
            (*kinds[k].count)++;
        }
        closedir(d);
    }
    CHECK_EQ_INT(loaded_png, 5);
    CHECK_EQ_INT(loaded_jpg, 5);
}

int main(void)
{
    RUN(test_pgm_round_trip);
    RUN(test_pgm_ascii_and_maxval);
    RUN(test_pgm_errors);
    RUN(test_png_round_trip);
    RUN(test_png_color_types);
    RUN(test_png_errors);
    RUN(test_jpeg_read);
    RUN(test_jpeg_truncated);
    RUN(test_jpeg_write);
    RUN(test_garbage_empty_missing);
    RUN(test_crop_and_free);
    RUN(test_real_data);
    return test_finish();
}
