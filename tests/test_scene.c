/*
 * test_scene: sim/scene.c and sim/scene_truth.c, the synthetic frame generator and its ground
 * truth. Checks determinism, that truth boxes sit on the drawn characters, the plate text
 * formats, the truth file round trip, drive-by sequences and parameter errors.
 */
#include "scene.h"
#include "scene_truth.h"
#include "testlib.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct scene_gen *open_gen(void)
{
    struct scene_gen *g = NULL;
    int rc = scene_gen_open(NULL, &g);
    if (rc != 0)
        printf("  scene_gen_open: %s\n", scene_strerror(rc));
    return rc == 0 ? g : NULL;
}

static void test_gen_open(void)
{
    struct scene_gen *g = (struct scene_gen *)&g; /* must stay untouched on failure */
    CHECK_EQ_INT(scene_gen_open("/nonexistent/font.ttf", &g), SCENE_ERR_FONT);
    CHECK(g == (struct scene_gen *)&g);
    char path[512];
    snprintf(path, sizeof path, "%s/not-a-font.ttf", test_tmpdir());
    FILE *f = fopen(path, "w");
    REQUIRE(f);
    fputs("this is not a TrueType font\n", f);
    fclose(f);
    CHECK_EQ_INT(scene_gen_open(path, &g), SCENE_ERR_FONT);
    CHECK(g == (struct scene_gen *)&g);
    CHECK(strstr(scene_strerror(SCENE_ERR_FONT), "font") != NULL);

    g = open_gen();
    REQUIRE(g);
    CHECK(strstr(scene_gen_font_path(g), "RobotoCondensed-Bold") != NULL);
    scene_gen_close(g);
    scene_gen_close(NULL);
}

static int scenes_equal(const struct scene *a, const struct scene *b)
{
    if (a->width != b->width || a->height != b->height || a->nplates != b->nplates)
        return 0;
    if (memcmp(a->pixels, b->pixels, (size_t)a->width * a->height) != 0)
        return 0;
    for (int i = 0; i < a->nplates; i++) {
        const struct scene_plate *p = &a->plates[i], *q = &b->plates[i];
        if (strcmp(p->text, q->text) != 0 || memcmp(&p->box, &q->box, sizeof p->box) != 0 ||
            memcmp(p->chars, q->chars, sizeof p->chars) != 0)
            return 0;
    }
    return 1;
}

static void test_deterministic(void)
{
    struct scene_gen *g = open_gen();
    REQUIRE(g);
    struct scene_params p;
    scene_params_default(&p);
    p.seed = 42;
    p.plates = 2;
    struct scene a, b, c;
    REQUIRE(scene_render(g, &p, &a) == 0);
    /* A second generator, to rule out state kept in the first. */
    struct scene_gen *g2 = open_gen();
    REQUIRE(g2);
    REQUIRE(scene_render(g2, &p, &b) == 0);
    CHECK(scenes_equal(&a, &b));
    CHECK_EQ_INT(a.width, 1280);
    CHECK_EQ_INT(a.height, 720);
    CHECK_EQ_INT(a.nplates, 2);
    p.seed = 43;
    REQUIRE(scene_render(g, &p, &c) == 0);
    size_t differ = 0, n = (size_t)a.width * a.height;
    for (size_t i = 0; i < n; i++)
        differ += a.pixels[i] != c.pixels[i];
    CHECK(differ > n / 4);
    CHECK(strcmp(a.plates[0].text, c.plates[0].text) != 0 ||
          strcmp(a.plates[1].text, c.plates[1].text) != 0);
    scene_free(&a);
    scene_free(&b);
    scene_free(&c);
    scene_free(&c); /* zeroed struct */
    scene_free(NULL);
    scene_gen_close(g);
    scene_gen_close(g2);
}

static int matches_pattern(const char *text, const char *pat)
{
    if (strlen(text) != strlen(pat))
        return 0;
    for (size_t i = 0; pat[i]; i++) {
        char c = text[i];
        if (pat[i] == 'D' && !(c >= '0' && c <= '9'))
            return 0;
        if (pat[i] == 'L' && !(c >= 'A' && c <= 'Z' && c != 'I' && c != 'O' && c != 'Q'))
            return 0;
    }
    return 1;
}

static void test_plate_patterns(void)
{
    struct scene_gen *g = open_gen();
    REQUIRE(g);
    struct scene_params p;
    scene_params_default(&p);
    p.width = 640;
    p.height = 360;
    p.plates = 2;
    p.min_plate_width = 80;
    p.max_plate_width = 120;
    int npat = 0;
    while (scene_patterns[npat])
        npat++;
    CHECK(npat >= 5);
    int seen[16] = {0}, plates = 0, inverse = 0;
    for (uint64_t seed = 1; seed <= 35; seed++) {
        struct scene s;
        p.seed = seed;
        int rc = scene_render(g, &p, &s);
        CHECK_EQ_INT(rc, 0);
        if (rc != 0)
            continue;
        CHECK_EQ_INT(s.nplates, 2);
        for (int i = 0; i < s.nplates; i++) {
            const struct scene_plate *pl = &s.plates[i];
            int which = -1;
            for (int k = 0; k < npat; k++)
                if (matches_pattern(pl->text, scene_patterns[k]))
                    which = k;
            if (which < 0)
                printf("  plate text '%s' matches no pattern\n", pl->text);
            CHECK(which >= 0);
            if (which >= 0)
                seen[which]++;
            CHECK(pl->pattern && matches_pattern(pl->text, pl->pattern));
            CHECK_EQ_INT(pl->nchars, (int)strlen(pl->text));
            CHECK(strlen(pl->state) == 2);
            CHECK(fabs(pl->angle_deg) <= p.rotation_max_deg);
            CHECK(pl->box.w >= p.min_plate_width && pl->box.w <= p.max_plate_width + 20);
            inverse += pl->inverse;
            plates++;
        }
        scene_free(&s);
    }
    for (int k = 0; k < npat; k++) {
        if (!seen[k])
            printf("  pattern %s never drawn\n", scene_patterns[k]);
        CHECK(seen[k] > 0);
    }
    /* 15 % inverse plates by default: some, not most. */
    CHECK(inverse > 0 && inverse < plates / 2);
    scene_gen_close(g);
}

static int box_in(const struct scene_box *in, const struct scene_box *out)
{
    return in->x >= out->x && in->y >= out->y && in->x + in->w <= out->x + out->w &&
           in->y + in->h <= out->y + out->h;
}

/* Strong horizontal steps (|I(x+1) - I(x)| > 40) inside box. */
static int edges(const struct scene *s, struct scene_box b)
{
    int n = 0;
    for (int y = b.y; y < b.y + b.h; y++)
        for (int x = b.x; x + 1 < b.x + b.w; x++) {
            int d = s->pixels[y * s->width + x + 1] - s->pixels[y * s->width + x];
            n += d > 40 || d < -40;
        }
    return n;
}

/*
 * For every plate: boxes consistent, and the characters' area has far more strong edges than
 * the same area moved sideways by one plate width (onto the vehicle body).
 */
static void check_truth_geometry(const struct scene *s, int *compared)
{
    for (int i = 0; i < s->nplates; i++) {
        const struct scene_plate *pl = &s->plates[i];
        struct scene_box frame = {0, 0, s->width, s->height};
        CHECK(box_in(&pl->box, &frame));
        CHECK_EQ_INT(pl->nchars, (int)strlen(pl->text));
        int x0 = 1 << 30, y0 = 1 << 30, x1 = -1, y1 = -1;
        for (int k = 0; k < pl->nchars; k++) {
            const struct scene_box *c = &pl->chars[k];
            CHECK(c->w > 0 && c->h > 0);
            CHECK(box_in(c, &pl->box));
            if (k > 0) {
                const struct scene_box *prev = &pl->chars[k - 1];
                CHECK(2 * c->x + c->w > 2 * prev->x + prev->w); /* centres left to right */
                CHECK(c->x >= prev->x);
            }
            x0 = c->x < x0 ? c->x : x0;
            y0 = c->y < y0 ? c->y : y0;
            x1 = c->x + c->w > x1 ? c->x + c->w : x1;
            y1 = c->y + c->h > y1 ? c->y + c->h : y1;
        }
        struct scene_box text = {x0, y0, x1 - x0, y1 - y0};
        /* Character height at least 14 px (the rotated box is taller than the glyph). */
        CHECK(text.h >= 14);
        int e_text = edges(s, text);
        for (int dir = -1; dir <= 1; dir += 2) {
            struct scene_box sh = text;
            sh.x += dir * pl->box.w;
            if (sh.x < 0 || sh.x + sh.w > s->width)
                continue;
            int e_shift = edges(s, sh);
            if (!(e_text > 3 * e_shift + 10))
                printf("  plate %s: %d edges on the text, %d one plate width %s\n", pl->text,
                       e_text, e_shift, dir < 0 ? "left" : "right");
            CHECK(e_text > 3 * e_shift + 10);
            (*compared)++;
        }
    }
}

static void test_truth_boxes(void)
{
    struct scene_gen *g = open_gen();
    REQUIRE(g);
    struct scene_params p;
    scene_params_default(&p);
    int compared = 0;
    for (int clean = 0; clean <= 1; clean++) {
        if (clean) {
            p.noise_sigma = 0;
            p.blur_sigma = 0;
            p.lighting = 0;
            p.rotation_max_deg = 0;
        }
        for (uint64_t seed = 100; seed < 106; seed++) {
            struct scene s;
            p.seed = seed;
            p.plates = 1 + (int)(seed % 3);
            REQUIRE(scene_render(g, &p, &s) == 0);
            CHECK_EQ_INT(s.nplates, p.plates);
            check_truth_geometry(&s, &compared);
            if (clean) {
                /* Upright, no effects: the plate box is the plate, glyph boxes hold ink. */
                for (int i = 0; i < s.nplates; i++) {
                    const struct scene_plate *pl = &s.plates[i];
                    CHECK_EQ_INT(pl->box.h, (pl->box.w + 1) / 2);
                    CHECK(pl->box.w >= p.min_plate_width && pl->box.w <= p.max_plate_width);
                    for (int k = 0; k < pl->nchars; k++)
                        CHECK(pl->chars[k].h >= 14);
                    int ink = 0, total = 0;
                    for (int k = 0; k < pl->nchars; k++) {
                        const struct scene_box *c = &pl->chars[k];
                        for (int y = c->y; y < c->y + c->h; y++)
                            for (int x = c->x; x < c->x + c->w; x++) {
                                ink += abs(s.pixels[y * s.width + x] - pl->ink) < 30;
                                total++;
                            }
                    }
                    CHECK(ink * 4 > total);
                    /* Inside the plate the background level dominates... */
                    int bg = 0;
                    const struct scene_box *b = &pl->box;
                    for (int y = b->y; y < b->y + b->h; y++)
                        for (int x = b->x; x < b->x + b->w; x++)
                            bg += abs(s.pixels[y * s.width + x] - pl->background) < 20;
                    CHECK(bg * 10 > b->w * b->h * 3);
                    /* ...and the plate's corners are the plate, not the vehicle. */
                    int corner = s.pixels[(b->y + 1) * s.width + b->x + 1];
                    int corner2 = s.pixels[(b->y + b->h - 2) * s.width + b->x + b->w - 2];
                    CHECK(abs(corner - pl->background) < 20 || abs(corner - pl->ink) < 30);
                    CHECK(abs(corner2 - pl->background) < 20 || abs(corner2 - pl->ink) < 30);
                }
            }
            scene_free(&s);
        }
    }
    CHECK(compared >= 12);
    scene_gen_close(g);
}

/*
 * The smallest plates allowed (SCENE_MIN_PLATE_WIDTH, 60 px: the far plates of the benchmark's
 * robustness scenes) render upright with their characters at least 12 px tall, and the text
 * stands out from the plate's surroundings as at the default sizes.
 */
static void test_smallest_plates(void)
{
    struct scene_gen *g = open_gen();
    REQUIRE(g);
    struct scene_params p;
    scene_params_default(&p);
    p.min_plate_width = p.max_plate_width = SCENE_MIN_PLATE_WIDTH;
    p.noise_sigma = 0;
    p.blur_sigma = 0;
    p.lighting = 0;
    p.rotation_max_deg = 0;
    for (uint64_t seed = 200; seed < 206; seed++) {
        struct scene s;
        p.seed = seed;
        p.plates = 1 + (int)(seed % 2);
        REQUIRE(scene_render(g, &p, &s) == 0);
        CHECK_EQ_INT(s.nplates, p.plates);
        for (int i = 0; i < s.nplates; i++) {
            const struct scene_plate *pl = &s.plates[i];
            CHECK(pl->box.w >= SCENE_MIN_PLATE_WIDTH && pl->box.w <= SCENE_MIN_PLATE_WIDTH + 1);
            CHECK_EQ_INT(pl->nchars, (int)strlen(pl->text));
            for (int k = 0; k < pl->nchars; k++)
                CHECK(pl->chars[k].h >= 12);
        }
        scene_free(&s);
    }
    p.min_plate_width = p.max_plate_width = SCENE_MIN_PLATE_WIDTH - 1;
    CHECK_EQ_INT(scene_params_check(&p, NULL), SCENE_ERR_INVALID);
    scene_gen_close(g);
}

static void test_truth_file_round_trip(void)
{
    struct scene_gen *g = open_gen();
    REQUIRE(g);
    struct scene_params p;
    scene_params_default(&p);
    p.seed = 7;
    p.plates = 3;
    struct scene s;
    REQUIRE(scene_render(g, &p, &s) == 0);
    char path[512], cpath[512];
    snprintf(path, sizeof path, "%s/scene-7.txt", test_tmpdir());
    snprintf(cpath, sizeof cpath, "%s/scene-7.chars", test_tmpdir());
    FILE *f = fopen(path, "w"), *fc = fopen(cpath, "w");
    REQUIRE(f && fc);
    CHECK_EQ_INT(scene_truth_write(f, "scene-7.pgm", &s), 0);
    CHECK_EQ_INT(scene_truth_write_chars(fc, "scene-7.pgm", &s), 0);
    fclose(f);
    fclose(fc);

    char line[SCENE_TRUTH_LINE_MAX];
    int n = 0;
    f = fopen(path, "r");
    REQUIRE(f);
    while (fgets(line, sizeof line, f)) {
        struct scene_truth t;
        CHECK(strchr(line, '\t') != NULL); /* tab-separated, like the benchmark files */
        REQUIRE(scene_truth_parse(line, &t) == 0);
        REQUIRE(n < s.nplates);
        CHECK_EQ_STR(t.file, "scene-7.pgm");
        CHECK_EQ_STR(t.text, s.plates[n].text);
        CHECK(memcmp(&t.box, &s.plates[n].box, sizeof t.box) == 0);
        n++;
    }
    fclose(f);
    CHECK_EQ_INT(n, 3);

    int nc = 0, plate = 0, idx = 0;
    f = fopen(cpath, "r");
    REQUIRE(f);
    while (fgets(line, sizeof line, f)) {
        struct scene_truth_char t;
        REQUIRE(scene_truth_parse_char(line, &t) == 0);
        REQUIRE(plate < s.nplates);
        CHECK_EQ_STR(t.text, s.plates[plate].text);
        CHECK_EQ_INT(t.index, idx);
        CHECK_EQ_INT(t.c, s.plates[plate].text[idx]);
        CHECK(memcmp(&t.box, &s.plates[plate].chars[idx], sizeof t.box) == 0);
        nc++;
        if (++idx == s.plates[plate].nchars)
            idx = 0, plate++;
    }
    fclose(f);
    CHECK_EQ_INT(plate, 3);
    CHECK_EQ_INT(
        nc, (int)(strlen(s.plates[0].text) + strlen(s.plates[1].text) + strlen(s.plates[2].text)));
    scene_free(&s);
    scene_gen_close(g);

    /* The benchmark's own line shape, spaces too, and malformed lines. */
    struct scene_truth t;
    REQUIRE(scene_truth_parse("eu1.jpg\t396\t340\t203\t46\tM5XSX\n", &t) == 0);
    CHECK_EQ_STR(t.file, "eu1.jpg");
    CHECK_EQ_INT(t.box.x, 396);
    CHECK_EQ_INT(t.box.h, 46);
    CHECK_EQ_STR(t.text, "M5XSX");
    CHECK_EQ_INT(scene_truth_parse("a.jpg 1 2 3 4 AB12\r\n", &t), 0);
    CHECK_EQ_INT(t.box.w, 3);
    const char *bad[] = {"",
                         "a.jpg 1 2 3 AB12",
                         "a.jpg 1 2 3 4 AB12 extra",
                         "a.jpg 1 2 -3 4 X",
                         "a.jpg 1 2 3x 4 X",
                         "a.jpg 1 2 3 99999999999999 X",
                         "a.jpg 1 2 3 4 ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ_INT(scene_truth_parse(bad[i], &t), SCENE_TRUTH_ERR_PARSE);
    struct scene_truth_char tc;
    CHECK_EQ_INT(scene_truth_parse_char("f.pgm\tAB1\t1\tB\t1\t2\t3\t4\n", &tc), 0);
    CHECK_EQ_INT(tc.c, 'B');
    CHECK_EQ_INT(scene_truth_parse_char("f.pgm\tAB1\t1\tX\t1\t2\t3\t4\n", &tc),
                 SCENE_TRUTH_ERR_PARSE);
    CHECK_EQ_INT(scene_truth_parse_char("f.pgm\tAB1\t3\t1\t1\t2\t3\t4\n", &tc),
                 SCENE_TRUTH_ERR_PARSE);
}

/* Every truth file of the benchmark's US frames parses. */
static void test_truth_parses_benchmark(void)
{
    const char *data = test_data_dir();
    if (!data)
        SKIP("data absent");
    char dir[512], path[1024], line[SCENE_TRUTH_LINE_MAX];
    snprintf(dir, sizeof dir, "%s/frames/us", data);
    DIR *d = opendir(dir);
    REQUIRE(d);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".txt") != 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "r");
        REQUIRE(f);
        while (fgets(line, sizeof line, f)) {
            struct scene_truth t;
            int rc = scene_truth_parse(line, &t);
            if (rc != 0)
                printf("  %s: cannot parse '%s'\n", path, line);
            CHECK_EQ_INT(rc, 0);
            CHECK(rc != 0 || (t.box.w > 0 && t.box.h > 0 && strlen(t.text) > 0));
        }
        fclose(f);
        files++;
    }
    closedir(d);
    CHECK(files > 10);
}

static void test_bad_params(void)
{
    struct scene_gen *g = open_gen();
    REQUIRE(g);
    struct scene_params p;
    struct scene s;
    memset(&s, 0x5a, sizeof s);
    unsigned char before[sizeof s];
    memcpy(before, &s, sizeof s);
    for (int k = 0; k < 13; k++) {
        scene_params_default(&p);
        int want = SCENE_ERR_INVALID;
        switch (k) {
        case 0:
            p.width = 0;
            break;
        case 1:
            p.height = 0;
            break;
        case 2:
            p.width = SCENE_MAX_DIM + 1;
            break;
        case 3:
            p.plates = 0;
            break;
        case 4:
            p.plates = SCENE_MAX_PLATES + 1;
            break;
        case 5:
            p.min_plate_width = 300;
            break; /* over max_plate_width */
        case 6:
            p.min_plate_width = SCENE_MIN_PLATE_WIDTH - 1;
            break;
        case 7:
            p.width = 200;
            p.height = 120;
            break; /* 260 px plate larger than the frame */
        case 8:
            p.noise_sigma = -1;
            break;
        case 9:
            p.blur_sigma = NAN;
            break;
        case 10:
            p.inverse_percent = 101;
            break;
        case 11:
            p.rotation_max_deg = 90;
            break;
        case 12: /* 16 large plates cannot all sit in 1280 x 720 */
            p.plates = 16;
            p.min_plate_width = 240;
            want = SCENE_ERR_NOFIT;
            break;
        }
        int rc = scene_render(g, &p, &s);
        if (rc != want)
            printf("  case %d: got %d (%s)\n", k, rc, scene_strerror(rc));
        CHECK_EQ_INT(rc, want);
        CHECK(memcmp(before, &s, sizeof s) == 0);
    }
    const char *why = NULL;
    scene_params_default(&p);
    CHECK_EQ_INT(scene_params_check(&p, &why), 0);
    CHECK(why == NULL);
    p.noise_sigma = 100;
    CHECK_EQ_INT(scene_params_check(&p, &why), SCENE_ERR_INVALID);
    CHECK(why && strstr(why, "noise_sigma"));
    scene_params_default(&p);
    CHECK_EQ_INT(scene_render(NULL, &p, &s), SCENE_ERR_INVALID);
    CHECK_EQ_INT(scene_render(g, NULL, &s), SCENE_ERR_INVALID);
    scene_gen_close(g);
}

static void test_sequence(void)
{
    struct scene_gen *g = open_gen();
    REQUIRE(g);
    struct scene_sequence_params sp;
    scene_sequence_params_default(&sp);
    sp.frame.width = 640;
    sp.frame.height = 360;
    sp.frame.min_plate_width = 90;
    sp.frame.max_plate_width = 140;
    sp.frame.seed = 9;
    sp.vehicles = 3;
    sp.seconds = 4;
    sp.fps = 30;
    struct scene_sequence *seq;
    REQUIRE(scene_sequence_open(g, &sp, &seq) == 0);
    scene_gen_close(g); /* the sequence must not need the generator any more */
    int n = scene_sequence_frames(seq);
    CHECK_EQ_INT(n, 120);
    int first[3] = {-1, -1, -1}, last[3] = {-1, -1, -1}, count[3] = {0};
    int prev_x[3] = {0}, dir[3] = {0}, prev_y[3] = {0}, monotonic = 1, empty = 0, steady = 1;
    char text[3][SCENE_TEXT_MAX] = {{0}};
    struct scene keep;
    memset(&keep, 0, sizeof keep);
    for (int i = 0; i < n; i++) {
        struct scene s;
        REQUIRE(scene_sequence_render(seq, i, &s) == 0);
        empty += s.nplates == 0;
        for (int k = 0; k < s.nplates; k++) {
            const struct scene_plate *pl = &s.plates[k];
            int v = pl->vehicle;
            REQUIRE(v >= 0 && v < 3);
            if (count[v] == 0) {
                first[v] = i;
                strcpy(text[v], pl->text);
            } else {
                CHECK_EQ_STR(pl->text, text[v]);
                int dx = pl->box.x - prev_x[v];
                if (dir[v] == 0)
                    dir[v] = dx > 0 ? 1 : -1;
                if (dx * dir[v] <= 0)
                    monotonic = 0;
                if (pl->box.y != prev_y[v])
                    steady = 0;
            }
            prev_x[v] = pl->box.x;
            prev_y[v] = pl->box.y;
            last[v] = i;
            count[v]++;
        }
        if (i == 57)
            keep = s;
        else
            scene_free(&s);
    }
    CHECK(monotonic);
    CHECK(steady);
    CHECK(empty > 5);
    for (int v = 0; v < 3; v++) {
        CHECK(count[v] >= 5);
        /* Consecutive frames: seen in every frame between its first and last. */
        CHECK_EQ_INT(last[v] - first[v] + 1, count[v]);
        if (v > 0)
            CHECK(first[v] > last[v - 1]);
    }
    /* Random access gives the same frame. */
    struct scene again;
    REQUIRE(scene_sequence_render(seq, 57, &again) == 0);
    CHECK(scenes_equal(&keep, &again));
    scene_free(&again);
    scene_free(&keep);
    struct scene s;
    CHECK_EQ_INT(scene_sequence_render(seq, n, &s), SCENE_ERR_RANGE);
    CHECK_EQ_INT(scene_sequence_render(seq, -1, &s), SCENE_ERR_RANGE);
    scene_sequence_close(seq);
    scene_sequence_close(NULL);

    g = open_gen();
    REQUIRE(g);
    struct scene_sequence *bad = (struct scene_sequence *)&bad;
    struct scene_sequence_params q = sp;
    q.vehicles = 0;
    CHECK_EQ_INT(scene_sequence_open(g, &q, &bad), SCENE_ERR_INVALID);
    q = sp;
    q.fps = 0;
    CHECK_EQ_INT(scene_sequence_open(g, &q, &bad), SCENE_ERR_INVALID);
    q = sp;
    q.seconds = 0.05; /* 2 frames for 3 vehicles */
    CHECK_EQ_INT(scene_sequence_open(g, &q, &bad), SCENE_ERR_INVALID);
    q = sp;
    q.frame.height = 0;
    CHECK_EQ_INT(scene_sequence_open(g, &q, &bad), SCENE_ERR_INVALID);
    CHECK(bad == (struct scene_sequence *)&bad);
    scene_gen_close(g);
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* Informational timing of default 1280x720 frames; fails only if grossly slow. */
static void test_speed(void)
{
    struct scene_gen *g = open_gen();
    REQUIRE(g);
    struct scene_params p;
    scene_params_default(&p);
    double t0 = now_ms();
    for (int i = 0; i < 5; i++) {
        struct scene s;
        p.seed = 500 + (uint64_t)i;
        REQUIRE(scene_render(g, &p, &s) == 0);
        scene_free(&s);
    }
    double per = (now_ms() - t0) / 5;
    printf("  scene_render 1280x720, 1 plate: %.1f ms per frame\n", per);
    CHECK(per < 1000);

    struct scene_sequence_params sp;
    scene_sequence_params_default(&sp);
    struct scene_sequence *seq;
    t0 = now_ms();
    REQUIRE(scene_sequence_open(g, &sp, &seq) == 0);
    double open_ms = now_ms() - t0;
    t0 = now_ms();
    for (int i = 30; i < 40; i++) {
        struct scene s;
        REQUIRE(scene_sequence_render(seq, i, &s) == 0);
        scene_free(&s);
    }
    per = (now_ms() - t0) / 10;
    printf("  scene_sequence 1280x720, 5 vehicles: open %.1f ms, %.1f ms per frame\n", open_ms,
           per);
    CHECK(per < 1000);
    scene_sequence_close(seq);
    scene_gen_close(g);
}

int main(void)
{
    RUN(test_gen_open);
    RUN(test_deterministic);
    RUN(test_plate_patterns);
    RUN(test_truth_boxes);
    RUN(test_smallest_plates);
    RUN(test_truth_file_round_trip);
    RUN(test_truth_parses_benchmark);
    RUN(test_bad_params);
    RUN(test_sequence);
    RUN(test_speed);
    return test_finish();
}
