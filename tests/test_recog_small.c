/* Tests of host/recog/small.c and the small-plate paths of the recognizer: the enlargement of
 * small crops (scale choice, bilinear reference, boxes mapped back) and synthetic plates
 * rendered small (sim/scene.h, area-averaged down to 60-100 px wide) read in crop mode and
 * found in 640x480 frames, and plates found from the components of broken or missing
 * characters. No shared data needed. */
#include "board_settings.h"
#include "image.h"
#include "model.h"
#include "recog.h"
#include "recog/small.h"
#include "scene.h"
#include "board_frame_util.h"
#include "testlib.h"
#include "wire.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Least exact share (%) of the synthetic small crops of width w px (measured: see the test). */
#define MIN_SMALL_PCT(w) ((w) < 50 ? 62 : (w) < 80 ? 80 : 93)
/* Least found and exact shares (%) of the synthetic 640x480 frames (see test_small_frames). */
#define MIN_FRAMES_FOUND_PCT 75
#define MIN_FRAMES_EXACT_PCT 56
/* Least found share (%) of plates whose characters are broken or missing (measured 9 of 9). */
#define MIN_BROKEN_FOUND_PCT 75

static struct scene_gen *gen;

static int open_gen(void)
{
    return gen || scene_gen_open(NULL, &gen) == 0 ? 0 : -1;
}

/* The enlargement factor: what makes a crop CROP_H rows tall, at most 3, within RECOG_MAX_DIM. */
static void test_crop_scale(void)
{
    CHECK_EQ_INT(recog_small_crop_scale(320, 160), 1);
    CHECK_EQ_INT(recog_small_crop_scale(200, RECOG_SMALL_CROP_H), 1);
    CHECK_EQ_INT(recog_small_crop_scale(200, RECOG_SMALL_CROP_H - 1), 2);
    CHECK_EQ_INT(recog_small_crop_scale(80, 40), 2);
    CHECK_EQ_INT(recog_small_crop_scale(60, 30), 3);
    CHECK_EQ_INT(recog_small_crop_scale(30, 10), 3); /* at most 3 */
    CHECK_EQ_INT(recog_small_crop_scale(RECOG_MAX_DIM / 2, 40), 2);
    CHECK_EQ_INT(recog_small_crop_scale(RECOG_MAX_DIM / 2 + 1, 40), 1); /* would overflow */
    CHECK_EQ_INT(recog_small_crop_scale(RECOG_MAX_DIM / 3, 20), 3);
}

/* Bilinear enlargement against a plain double-precision reference, on a random image read
   through a stride wider than the image. */
static void test_upscale_reference(void)
{
    enum { W = 13, H = 7, STRIDE = 17 };
    uint8_t src[H * STRIDE], big[W * 3 * H * 3];
    uint64_t x = 0x9E3779B97F4A7C15u;
    for (int i = 0; i < H * STRIDE; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        src[i] = (uint8_t)(x >> 24);
    }
    for (int s = 1; s <= 3; s++) {
        int bad = 0;
        recog_small_upscale(src, W, H, STRIDE, s, big);
        for (int y = 0; y < H * s; y++)
            for (int xo = 0; xo < W * s; xo++) {
                double fx = (xo + 0.5) / s - 0.5, fy = (y + 0.5) / s - 0.5;
                int x0, y0, x1, y1;
                double wx, wy, v;
                fx = fx < 0 ? 0 : fx;
                fy = fy < 0 ? 0 : fy;
                x0 = (int)fx, y0 = (int)fy;
                x1 = x0 + 1 < W ? x0 + 1 : W - 1;
                y1 = y0 + 1 < H ? y0 + 1 : H - 1;
                wx = fx - x0, wy = fy - y0;
                v = (src[y0 * STRIDE + x0] * (1 - wx) + src[y0 * STRIDE + x1] * wx) * (1 - wy) +
                    (src[y1 * STRIDE + x0] * (1 - wx) + src[y1 * STRIDE + x1] * wx) * wy;
                bad += abs((int)big[y * W * s + xo] - (int)lround(v)) > 1;
            }
        CHECK_EQ_INT(bad, 0);
        /* Factor 1 is a copy. */
        if (s == 1)
            for (int y = 0; y < H; y++)
                CHECK(memcmp(big + y * W, src + y * STRIDE, W) == 0);
    }
}

/* Area-averaged downscale of src to width w (height in proportion) into a new image. */
static int area_down(const struct image *src, int w, struct image *out)
{
    int h = (int)lround((double)src->height * w / src->width);
    double sx = (double)src->width / w, sy = (double)src->height / h;
    if (h < 1 || image_alloc(out, w, h) != 0)
        return -1;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double a0 = x * sx, a1 = (x + 1) * sx, b0 = y * sy, b1 = (y + 1) * sy, sum = 0;
            for (int j = (int)b0; j < (int)ceil(b1) && j < src->height; j++) {
                double wy = fmin(b1, j + 1) - fmax(b0, j);
                for (int i = (int)a0; i < (int)ceil(a1) && i < src->width; i++)
                    sum += wy * (fmin(a1, i + 1) - fmax(a0, i)) * src->pixels[j * src->width + i];
            }
            out->pixels[y * w + x] = (uint8_t)lround(sum / (sx * sy));
        }
    return 0;
}

/* The crop of seed's single plate (200-260 px wide) area-averaged down to width w. */
static int small_crop(int seed, int w, struct image *out, char text[SCENE_TEXT_MAX])
{
    struct scene_params p;
    struct scene s;
    struct image frame, crop;
    int rc;
    scene_params_default(&p);
    p.seed = (uint64_t)seed;
    p.min_plate_width = 200;
    p.max_plate_width = 260;
    if (scene_render(gen, &p, &s) != 0)
        return -1;
    frame.width = s.width;
    frame.height = s.height;
    frame.pixels = s.pixels;
    rc = image_crop(&frame, s.plates[0].box.x, s.plates[0].box.y, s.plates[0].box.w,
                    s.plates[0].box.h, &crop);
    if (rc == 0) {
        rc = area_down(&crop, w, out);
        image_free(&crop);
    }
    memcpy(text, s.plates[0].text, SCENE_TEXT_MAX);
    scene_free(&s);
    return rc;
}

/*
 * Synthetic plates rendered at 200-260 px and area-averaged down to 60, 80 and 100 px wide
 * (characters about 12, 16 and 20 px tall) are read in crop mode; boxes are inside the crop.
 */
static void test_small_crops_read(void)
{
    static const int widths[] = {40, 60, 80, 100};
    struct recog_config cfg;
    if (open_gen() != 0)
        SKIP("no font for the scene generator");
    recog_config_default(&cfg);
    for (size_t wi = 0; wi < sizeof widths / sizeof widths[0]; wi++) {
        int ok = 0, total = 0;
        for (int seed = 1; seed <= 16; seed++) {
            struct image c;
            struct recog_result r;
            char text[SCENE_TEXT_MAX];
            REQUIRE(small_crop(seed, widths[wi], &c, text) == 0);
            REQUIRE(recog_read_crop(&cfg, c.pixels, c.width, c.height, c.width, &r) == 0);
            total++;
            if (r.nplates == 1 && strcmp(r.plates[0].text, text) == 0)
                ok++;
            else
                printf("  %d px seed %d: truth %s read %s\n", widths[wi], seed, text,
                       r.nplates ? r.plates[0].text : "(none)");
            for (int i = 0; i < r.nplates; i++) {
                const struct recog_plate *q = &r.plates[i];
                CHECK(q->x >= 0 && q->y >= 0 && q->x + q->w <= c.width && q->y + q->h <= c.height);
                for (int k = 0; k < q->nchars; k++)
                    CHECK(q->chars[k].x0 >= q->x && q->chars[k].x1 < q->x + q->w &&
                          q->chars[k].y0 >= q->y && q->chars[k].y1 < q->y + q->h);
            }
            image_free(&c);
        }
        printf("  %d px wide crops: %d/%d exact\n", widths[wi], ok, total);
        CHECK(ok * 100 >= total * MIN_SMALL_PCT(widths[wi]));
    }
}

/*
 * The enlarged path is the reading of the enlargement: a small crop reads as its enlargement
 * by recog_small_crop_scale() does, with the boxes divided by the factor.
 */
static void test_small_crop_is_enlarged_read(void)
{
    struct recog_config cfg;
    if (open_gen() != 0)
        SKIP("no font for the scene generator");
    recog_config_default(&cfg);
    for (int seed = 1; seed <= 4; seed++) {
        struct image c;
        struct recog_result r, rb;
        char text[SCENE_TEXT_MAX];
        uint8_t *big;
        int s;
        REQUIRE(small_crop(seed, 80, &c, text) == 0);
        s = recog_small_crop_scale(c.width, c.height);
        CHECK(s >= 2);
        big = malloc((size_t)c.width * s * (size_t)c.height * s);
        REQUIRE(big != NULL);
        recog_small_upscale(c.pixels, c.width, c.height, c.width, s, big);
        CHECK(recog_small_crop_scale(c.width * s, c.height * s) == 1);
        REQUIRE(recog_read_crop(&cfg, c.pixels, c.width, c.height, c.width, &r) == 0);
        REQUIRE(recog_read_crop(&cfg, big, c.width * s, c.height * s, c.width * s, &rb) == 0);
        CHECK_EQ_INT(r.nplates, rb.nplates);
        if (r.nplates == 1 && rb.nplates == 1) {
            CHECK_EQ_STR(r.plates[0].text, rb.plates[0].text);
            CHECK_EQ_INT(r.plates[0].x, rb.plates[0].x / s);
            CHECK_EQ_INT(r.plates[0].y, rb.plates[0].y / s);
            for (int k = 0; k < r.plates[0].nchars; k++) {
                CHECK_EQ_INT(r.plates[0].chars[k].x0, rb.plates[0].chars[k].x0 / s);
                CHECK_EQ_INT(r.plates[0].chars[k].y1, rb.plates[0].chars[k].y1 / s);
            }
        }
        free(big);
        image_free(&c);
    }
}

/* The vectorized dark-ink threshold is recog_binarize() bit for bit (borders, strides, sizes
   around the 16-column blocks, windows even and odd). */
static void test_binarize_dark_same(void)
{
    static const int sizes[][2] = {{1, 1}, {5, 3}, {16, 9}, {17, 17}, {40, 21}, {67, 33}};
    static const int wins[] = {1, 4, 16, 17, 33};
    uint64_t x = 12345;
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        int w = sizes[si][0], h = sizes[si][1], stride = w + 3, bad = 0;
        uint8_t *g = malloc((size_t)stride * h), *a = malloc((size_t)w * h),
                *b = malloc((size_t)w * h);
        REQUIRE(g && a && b);
        for (int i = 0; i < stride * h; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            g[i] = (uint8_t)(x % 7 == 0 ? 255 : (x >> 20) & 0x7f);
        }
        for (size_t wi = 0; wi < sizeof wins / sizeof wins[0]; wi++)
            for (int t = 0; t <= 70; t += 35) {
                REQUIRE(recog_binarize(g, w, h, stride, wins[wi], t, 1, a) == 0);
                REQUIRE(recog_small_binarize_dark(g, w, h, stride, wins[wi], t, b) == 0);
                bad += memcmp(a, b, (size_t)w * h) != 0;
            }
        CHECK_EQ_INT(bad, 0);
        free(g);
        free(a);
        free(b);
    }
    CHECK_EQ_INT(recog_small_binarize_dark(NULL, 4, 4, 4, 16, 40, (uint8_t[16]){0}),
                 RECOG_ERR_INVALID);
}

/* The host's components join the board's in a 640x480 frame only, small ones only. */
static void test_small_frame_comps(void)
{
    enum { W = 64, H = 48 };
    uint8_t g[W * H];
    struct recog_comp in[2] = {{1, 2, 3, 4, 5}, {10, 10, 40, 40, 100}}, *out = NULL;
    size_t n = 0;
    memset(g, 200, sizeof g);
    for (int y = 10; y < 22; y++) /* a dark bar 12 px tall, a dark block 30 px tall */
        g[y * W + 5] = g[y * W + 6] = 20;
    for (int y = 10; y < 40; y++)
        for (int x = 30; x < 40; x++)
            g[y * W + x] = 20;
    REQUIRE(recog_small_frame_comps(g, W, H, W, in, 2, &out, &n) == 0);
    REQUIRE(out != NULL);
    CHECK(n >= 3);
    CHECK(memcmp(out, in, sizeof in) == 0);
    for (size_t i = 2; i < n; i++)
        CHECK(out[i].y1 - out[i].y0 + 1 <= RECOG_SMALL_FRAME_MAXH);
    CHECK(n > 2 && out[2].x0 == 5 && out[2].x1 == 6 && out[2].y0 == 10 && out[2].y1 == 21);
    free(out);
    /* A 1280x720 frame: nothing added. */
    {
        uint8_t *big = calloc(1280 * 720, 1);
        REQUIRE(big != NULL);
        out = (struct recog_comp *)in;
        CHECK_EQ_INT(recog_small_frame_comps(big, 1280, 720, 1280, in, 2, &out, &n), 0);
        CHECK(out == NULL);
        free(big);
    }
    CHECK_EQ_INT(recog_small_frame_comps(g, W, H, W, NULL, 2, &out, &n), RECOG_ERR_INVALID);
    CHECK_EQ_INT(recog_small_frame_comps(NULL, W, H, W, in, 2, &out, &n), RECOG_ERR_INVALID);
}

/*
 * 640x480 frames (scenes rendered at 1280x960, area-averaged down) with one plate 50-80 px
 * wide (characters about 10-16 px tall) through the board's C model: the plate is found and
 * read.
 */
static void test_small_frames(void)
{
    struct recog_config cfg;
    int found = 0, exact = 0, total = 0;
    if (open_gen() != 0)
        SKIP("no font for the scene generator");
    recog_config_default(&cfg);
    for (int seed = 1; seed <= 16; seed++) {
        struct scene_params p;
        struct scene s;
        struct board_sink sink;
        struct recog_result r;
        int f = 0, e = 0;
        scene_params_default(&p);
        p.seed = (uint64_t)(300 + seed);
        p.width = 1280;
        p.height = 960;
        p.min_plate_width = SCENE_MIN_PLATE_WIDTH;
        p.max_plate_width = 100;
        REQUIRE(scene_render(gen, &p, &s) == 0);
        {
            /* Area-averaged to 640x480: plates 50-80 px wide, characters 10-16 px tall. */
            struct image full = {s.width, s.height, s.pixels}, half;
            REQUIRE(area_down(&full, 640, &half) == 0);
            free(s.pixels);
            s.pixels = half.pixels;
            s.width = half.width;
            s.height = half.height;
            s.plates[0].box.x /= 2;
            s.plates[0].box.y /= 2;
            s.plates[0].box.w /= 2;
            s.plates[0].box.h /= 2;
        }
        REQUIRE(board_frame(&s, WIRE_PIXELS_GRAY8, &sink) == 0);
        REQUIRE(recog_read_wire(&cfg, &sink.frame, &r) == 0);
        for (int k = 0; k < r.nplates; k++) {
            const struct scene_box *b = &s.plates[0].box;
            int cx = r.plates[k].x + r.plates[k].w / 2, cy = r.plates[k].y + r.plates[k].h / 2;
            if (cx >= b->x && cx < b->x + b->w && cy >= b->y && cy < b->y + b->h) {
                f = 1;
                e |= strcmp(r.plates[k].text, s.plates[0].text) == 0;
            }
        }
        total++;
        found += f;
        exact += e;
        if (!e)
            printf("  seed %d: truth %s (%d px) %s\n", 300 + seed, s.plates[0].text,
                   s.plates[0].box.w, f ? "misread" : "not found");
        board_sink_free(&sink);
        scene_free(&s);
    }
    printf("  640x480 frames: %d/%d found, %d/%d exact\n", found, total, exact, total);
    CHECK(found * 100 >= total * MIN_FRAMES_FOUND_PCT);
    CHECK(exact * 100 >= total * MIN_FRAMES_EXACT_PCT);
}

/*
 * Plate finding from broken characters: 1280x720 scenes (plates 60-70 px wide, characters
 * 13-15 px, no rotation) whose components are the board's outside the plate and, inside it,
 * made from the glyph boxes: (a) every character broken across into a top and a bottom piece
 * under 8 px (a row apart), which no text line takes as characters; (b) characters 3, 4 and 7
 * (if any) missing, leaving no run of 3. The frame reader finds the plate from the joined pieces
 * and across the missing characters' gap; with nothing inside the plate it finds none (the control,
 * so that the finding is the pieces' doing).
 */
enum { BROKEN_SPLIT, BROKEN_GAPS, BROKEN_NONE };

static int broken_found(const struct scene *s, const struct wire_frame *f, int how,
                        const struct recog_config *cfg)
{
    const struct scene_plate *pl = &s->plates[0];
    const struct scene_box *b = &pl->box;
    struct recog_comp *c = malloc(sizeof *c * (f->ncomps + 2 * SCENE_TEXT_MAX));
    struct recog_result r;
    size_t n = 0;
    int found = 0;
    if (!c)
        return -1;
    for (size_t i = 0; i < f->ncomps; i++) {
        const struct wire_comp *w = &f->comps[i];
        if (w->x1 >= b->x && w->x0 < b->x + b->w && w->y1 >= b->y && w->y0 < b->y + b->h)
            continue; /* inside the plate: replaced below */
        c[n++] = (struct recog_comp){w->x0, w->y0, w->x1, w->y1, w->ink};
    }
    for (int k = 0; k < pl->nchars && how != BROKEN_NONE; k++) {
        const struct scene_box *g = &pl->chars[k];
        int area = g->w * g->h, mid = g->y + g->h / 2;
        if (how == BROKEN_GAPS) {
            if (k != 2 && k != 3 && k != 6)
                c[n++] =
                    (struct recog_comp){g->x, g->y, g->x + g->w - 1, g->y + g->h - 1, area * 2 / 5};
            continue;
        }
        c[n++] = (struct recog_comp){g->x, g->y, g->x + g->w - 1, mid - 1, area / 5};
        c[n++] = (struct recog_comp){g->x, mid + 1, g->x + g->w - 1, g->y + g->h - 1, area / 5};
    }
    if (recog_read_frame(cfg, s->pixels, s->width, s->height, s->width, c, n, &r) != 0) {
        free(c);
        return -1;
    }
    for (int k = 0; k < r.nplates; k++) {
        int cx = r.plates[k].x + r.plates[k].w / 2, cy = r.plates[k].y + r.plates[k].h / 2;
        found |= cx >= b->x && cx < b->x + b->w && cy >= b->y && cy < b->y + b->h;
    }
    free(c);
    return found;
}

static void test_broken_characters_found(void)
{
    struct recog_config cfg;
    int tried = 0, found[3] = {0};
    if (open_gen() != 0)
        SKIP("no font for the scene generator");
    recog_config_default(&cfg);
    for (int seed = 1; seed <= 24; seed++) {
        struct scene_params p;
        struct scene s;
        struct board_sink sink;
        int ok = 1;
        scene_params_default(&p);
        p.seed = (uint64_t)(500 + seed);
        p.min_plate_width = SCENE_MIN_PLATE_WIDTH;
        p.max_plate_width = 70;
        p.rotation_max_deg = 0;
        p.inverse_percent = 0;
        REQUIRE(scene_render(gen, &p, &s) == 0);
        REQUIRE(board_frame(&s, WIRE_PIXELS_GRAY8, &sink) == 0);
        for (int k = 0; k < s.plates[0].nchars; k++) /* halves under 8 px: not characters */
            ok &= s.plates[0].chars[k].h >= 9 && s.plates[0].chars[k].h <= 15;
        if (ok && s.plates[0].nchars >= 6) {
            tried++;
            for (int how = 0; how < 3; how++) {
                int fd = broken_found(&s, &sink.frame, how, &cfg);
                REQUIRE(fd >= 0);
                found[how] += fd;
            }
        }
        board_sink_free(&sink);
        scene_free(&s);
    }
    printf("  %d scenes: found split %d, gaps %d, nothing inside %d\n", tried, found[0], found[1],
           found[2]);
    CHECK(tried >= 4);
    CHECK(found[BROKEN_SPLIT] * 100 >= tried * MIN_BROKEN_FOUND_PCT);
    CHECK(found[BROKEN_GAPS] * 100 >= tried * MIN_BROKEN_FOUND_PCT);
    CHECK_EQ_INT(found[BROKEN_NONE], 0);
}

int main(void)
{
    RUN(test_crop_scale);
    RUN(test_upscale_reference);
    RUN(test_small_crops_read);
    RUN(test_small_crop_is_enlarged_read);
    RUN(test_binarize_dark_same);
    RUN(test_small_frame_comps);
    RUN(test_small_frames);
    RUN(test_broken_characters_found);
    scene_gen_close(gen);
    return test_finish();
}
