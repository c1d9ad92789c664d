/* Tests of host/recog.c: threshold and labelling, grouping, segmentation, assembly and the
 * board path, on synthetic scenes with known truth (sim/scene.h); plus the accuracy regression
 * on the shared crops, cross-validated (it runs BUILD/ocr_train; skipped when the data is
 * absent). */
#include "image.h"
#include "model.h"
#include "ocr.h"
#include "recog.h"
#include "scene.h"
#include "board_frame_util.h"
#include "testlib.h"

#include <dirent.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * Cross-validated exact-match figure of the crops of fold 0 (of 5, by image: `ocr_train --folds
 * 5 --list-fold 0`) read by a classifier trained as `make train-ocr` trains the committed one
 * (the convolutional network on crops and frames) without the images of fold 0, as last
 * recorded in docs/RECOGNITION.md ("Measuring"): 52 of 61 crops. The regression test fails
 * below the floor, 3 crops (4.9 points) under it: retraining after a change that should not
 * matter (another harvest order, another seed) moved the cross-validated crops of the whole set
 * by up to 10 of 366 (2.7 points), about 2 crops in a fifth of them, and one crop is 1.6
 * points of this fold.
 */
#define RECORDED_FOLD0_EXACT_PCT 85.2
#define FOLD0_FLOOR_PCT          80.3

/* The build folder's ocr_train and cnn_train (next to this program's folder), set by main. */
static char ocr_train_path[4096];
static char cnn_train_path[4096];

static void test_binarize_label(void)
{
    enum { W = 40, H = 20 };
    uint8_t img[W * H], mask[W * H];
    struct recog_comp c[8];
    size_t n = 0;
    memset(img, 200, sizeof img);
    for (int y = 5; y < 15; y++) {
        for (int x = 3; x < 6; x++)
            img[y * W + x] = 20; /* a bar */
        for (int x = 20; x < 30; x++)
            if (y == 5 || y == 14 || x == 20 || x == 29)
                img[y * W + x] = 20; /* a ring */
    }
    REQUIRE(recog_binarize(img, W, H, W, 16, 40, 1, mask) == 0);
    CHECK_EQ_INT(mask[10 * W + 4], 1);
    CHECK_EQ_INT(mask[10 * W + 12], 0);
    CHECK_EQ_INT(mask[10 * W + 25], 0); /* inside the ring */
    REQUIRE(recog_label(mask, W, H, c, 8, &n) == 0);
    REQUIRE(n == 2);
    CHECK_EQ_INT(c[0].x0, 3);
    CHECK_EQ_INT(c[0].x1, 5);
    CHECK_EQ_INT(c[0].y0, 5);
    CHECK_EQ_INT(c[0].y1, 14);
    CHECK_EQ_INT(c[0].ink, 30);
    CHECK_EQ_INT(c[1].x0, 20);
    CHECK_EQ_INT(c[1].x1, 29);
    CHECK_EQ_INT(c[1].ink, 36);
    /* Light polarity sees the inside of the ring and the background, not the bar. */
    REQUIRE(recog_binarize(img, W, H, W, 16, 40, 0, mask) == 0);
    CHECK_EQ_INT(mask[10 * W + 4], 0);
    /* Capacity: only max components are written. */
    REQUIRE(recog_binarize(img, W, H, W, 16, 40, 1, mask) == 0);
    REQUIRE(recog_label(mask, W, H, c, 1, &n) == 0);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(recog_binarize(NULL, W, H, W, 16, 40, 1, mask), RECOG_ERR_INVALID);
    CHECK_EQ_INT(recog_label(mask, 0, H, c, 8, &n), RECOG_ERR_INVALID);
}

static void test_label_8_connected(void)
{
    uint8_t mask[5 * 5] = {
        1, 0, 0, 0, 1, /* */
        0, 1, 0, 1, 0, /* */
        0, 0, 1, 0, 0, /* */
        0, 0, 0, 0, 0, /* */
        1, 1, 0, 0, 1,
    };
    struct recog_comp c[8];
    size_t n = 0;
    REQUIRE(recog_label(mask, 5, 5, c, 8, &n) == 0);
    REQUIRE(n == 3); /* the X, the pair at the bottom left, the pixel at the bottom right */
    CHECK_EQ_INT(c[0].ink, 5);
    CHECK_EQ_INT(c[0].x0, 0);
    CHECK_EQ_INT(c[0].x1, 4);
    CHECK_EQ_INT(c[0].y1, 2);
    CHECK_EQ_INT(c[1].ink, 2);
    CHECK_EQ_INT(c[2].ink, 1);
}

static struct scene_gen *gen;

static int open_gen(void)
{
    return gen || scene_gen_open(NULL, &gen) == 0 ? 0 : -1;
}

static int confusable(char a, char b)
{
    static const char *pairs[] = {"0O", "1I", "8B", "5S", "2Z"};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if ((a == pairs[i][0] && b == pairs[i][1]) || (a == pairs[i][1] && b == pairs[i][0]))
            return 1;
    return 0;
}

/* Reads the plate crops of 12 scenes (crop mode): most must read exactly. */
static void test_read_crop_scenes(void)
{
    struct recog_config cfg;
    int ok = 0, total = 0;
    if (open_gen() != 0)
        SKIP("no DejaVu font for the scene generator");
    recog_config_default(&cfg);
    for (int seed = 1; seed <= 12; seed++) {
        struct scene_params p;
        struct scene s;
        struct image frame, crop;
        struct recog_result r;
        const struct scene_plate *pl;
        scene_params_default(&p);
        p.seed = (uint64_t)seed;
        p.min_plate_width = 200;
        p.max_plate_width = 260;
        REQUIRE(scene_render(gen, &p, &s) == 0);
        REQUIRE(s.nplates == 1);
        pl = &s.plates[0];
        frame.width = s.width;
        frame.height = s.height;
        frame.pixels = s.pixels;
        REQUIRE(image_crop(&frame, pl->box.x, pl->box.y, pl->box.w, pl->box.h, &crop) == 0);
        REQUIRE(recog_read_crop(&cfg, crop.pixels, crop.width, crop.height, crop.width, &r) == 0);
        total++;
        if (r.nplates == 1 && strcmp(r.plates[0].text, pl->text) == 0)
            ok++;
        else
            printf("  seed %d: truth %s read %s\n", seed, pl->text,
                   r.nplates ? r.plates[0].text : "(none)");
        if (r.nplates == 1) {
            const struct recog_plate *q = &r.plates[0];
            /* Assembly invariants: text = chars, candidates sorted, cands[0] = best reading. */
            CHECK_EQ_INT((int)strlen(q->text), q->nchars);
            for (int k = 0; k < q->nchars; k++) {
                CHECK_EQ_INT(q->text[k], q->chars[k].c);
                /* The best class, unless context picked the other of a confusable pair. */
                CHECK(q->chars[k].conf >= q->chars[k].alt_conf ||
                      confusable(q->chars[k].c, q->chars[k].alt));
                if (k > 0)
                    CHECK(q->chars[k].x0 > q->chars[k - 1].x0);
            }
            CHECK(q->ncands >= 1);
            if (q->ncands >= 1)
                CHECK_EQ_STR(q->cands[0].text, q->text);
            /* cands[0] is the reading; the alternatives follow by probability. */
            for (int k = 2; k < q->ncands; k++)
                CHECK(q->cands[k].confidence <= q->cands[k - 1].confidence + 1e-3f);
            CHECK(q->confidence > 0 && q->confidence <= 100);
        }
        image_free(&crop);
        scene_free(&s);
    }
    printf("  crop scenes: %d/%d exact\n", ok, total);
    CHECK(ok * 100 >= total * 75);
}

/* Overlap test of a reading's box and a truth box. */
static int inside(const struct recog_plate *p, const struct scene_box *b)
{
    int cx = p->x + p->w / 2, cy = p->y + p->h / 2;
    return cx >= b->x && cx < b->x + b->w && cy >= b->y && cy < b->y + b->h;
}

/* Frames with two plates: grouping must find both, and read them. */
static void test_read_frame_scenes(void)
{
    struct recog_config cfg;
    int found = 0, exact = 0, total = 0;
    if (open_gen() != 0)
        SKIP("no DejaVu font for the scene generator");
    recog_config_default(&cfg);
    for (int seed = 1; seed <= 6; seed++) {
        struct scene_params p;
        struct scene s;
        struct recog_result r;
        scene_params_default(&p);
        p.seed = (uint64_t)(100 + seed);
        p.plates = 2;
        p.min_plate_width = 160;
        p.max_plate_width = 240;
        REQUIRE(scene_render(gen, &p, &s) == 0);
        REQUIRE(recog_read_frame(&cfg, s.pixels, s.width, s.height, s.width, NULL, 0, &r) == 0);
        CHECK(r.nplates <= cfg.max_plates);
        for (int i = 0; i < s.nplates; i++) {
            int f = 0, e = 0;
            total++;
            for (int k = 0; k < r.nplates; k++)
                if (inside(&r.plates[k], &s.plates[i].box)) {
                    f = 1;
                    e |= strcmp(r.plates[k].text, s.plates[i].text) == 0;
                }
            found += f;
            exact += e;
            if (!e)
                printf("  seed %d plate %d: truth %s not read\n", 100 + seed, i, s.plates[i].text);
        }
        for (int k = 1; k < r.nplates; k++)
            CHECK(r.plates[k].score <= r.plates[k - 1].score);
        scene_free(&s);
    }
    printf("  frame scenes: %d/%d plates found, %d/%d read exactly\n", found, total, exact, total);
    CHECK(found * 100 >= total * 80);
    CHECK(exact * 100 >= total * 65);
}

static void test_read_wire(void)
{
    struct recog_config cfg;
    struct board_sink sink;
    struct recog_result r;
    int found = 0, exact = 0, total = 0;
    if (open_gen() != 0)
        SKIP("no DejaVu font for the scene generator");
    recog_config_default(&cfg);
    for (int seed = 20; seed < 24; seed++) {
        struct scene_params p;
        struct scene s;
        int f = 0, e = 0;
        scene_params_default(&p);
        p.seed = (uint64_t)seed;
        p.inverse_percent = 0; /* the board's one plane looks for dark ink */
        p.min_plate_width = 180;
        p.max_plate_width = 240;
        REQUIRE(scene_render(gen, &p, &s) == 0);
        REQUIRE(board_frame(&s, WIRE_PIXELS_GRAY8, &sink) == 0);
        CHECK(sink.frame.ncomps > 0);
        REQUIRE(recog_read_wire(&cfg, &sink.frame, &r) == 0);
        for (int k = 0; k < r.nplates; k++)
            if (inside(&r.plates[k], &s.plates[0].box)) {
                f = 1;
                e |= strcmp(r.plates[k].text, s.plates[0].text) == 0;
            }
        total++;
        found += f;
        exact += e;
        if (!e)
            printf("  seed %d: truth %s, read %s\n", seed, s.plates[0].text,
                   r.nplates ? r.plates[0].text : "(none)");
        board_sink_free(&sink);
        if (seed == 20) {
            /* Records only: nothing to read the characters from. */
            REQUIRE(board_frame(&s, WIRE_PIXELS_NONE, &sink) == 0);
            CHECK_EQ_INT(recog_read_wire(&cfg, &sink.frame, &r), RECOG_ERR_NOPIXELS);
            board_sink_free(&sink);
        }
        scene_free(&s);
    }
    printf("  board path: %d/%d found, %d/%d exact\n", found, total, exact, total);
    CHECK_EQ_INT(found, total);
    CHECK(exact * 4 >= total * 3);
}

static void test_mark_uncertain(void)
{
    struct recog_config cfg;
    struct scene_params p;
    struct scene s;
    struct image frame, crop;
    struct recog_result r;
    if (open_gen() != 0)
        SKIP("no DejaVu font for the scene generator");
    recog_config_default(&cfg);
    cfg.mark_uncertain = 1;
    cfg.uncertain = 1.01f; /* every character is below: all marked */
    scene_params_default(&p);
    p.seed = 3;
    p.min_plate_width = 220;
    REQUIRE(scene_render(gen, &p, &s) == 0);
    frame.width = s.width;
    frame.height = s.height;
    frame.pixels = s.pixels;
    REQUIRE(image_crop(&frame, s.plates[0].box.x, s.plates[0].box.y, s.plates[0].box.w,
                       s.plates[0].box.h, &crop) == 0);
    REQUIRE(recog_read_crop(&cfg, crop.pixels, crop.width, crop.height, crop.width, &r) == 0);
    REQUIRE(r.nplates == 1);
    for (int k = 0; k < r.plates[0].nchars; k++) {
        CHECK_EQ_INT(r.plates[0].text[k], '?');
        CHECK(r.plates[0].chars[k].c != '?'); /* the best guess is still reported */
    }
    image_free(&crop);
    scene_free(&s);
}

static void test_invalid(void)
{
    struct recog_config cfg;
    struct recog_result r;
    uint8_t px[16] = {0};
    recog_config_default(&cfg);
    CHECK_EQ_INT(recog_read_crop(&cfg, NULL, 4, 4, 4, &r), RECOG_ERR_INVALID);
    CHECK_EQ_INT(recog_read_crop(&cfg, px, 0, 4, 4, &r), RECOG_ERR_INVALID);
    CHECK_EQ_INT(recog_read_crop(&cfg, px, 4, 4, 2, &r), RECOG_ERR_INVALID);
    CHECK_EQ_INT(recog_read_frame(&cfg, px, 4, 4, 4, NULL, 0, NULL), RECOG_ERR_INVALID);
    /* A blank image has no plate. */
    REQUIRE(recog_read_crop(&cfg, px, 4, 4, 4, &r) == 0);
    CHECK_EQ_INT(r.nplates, 0);
    REQUIRE(recog_read_frame(&cfg, px, 4, 4, 4, NULL, 0, &r) == 0);
    CHECK_EQ_INT(r.nplates, 0);
    CHECK(strcmp(recog_strerror(RECOG_ERR_NOPIXELS), "unknown error") != 0);
}

/* A truth.csv line's plate text for a crop file name, or NULL. */
static const char *truth_of(char (*names)[64], char (*texts)[32], int n, const char *file)
{
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], base) == 0)
            return texts[i];
    return NULL;
}

/*
 * Regression on the shared development crops, cross-validated (skipped when the data is
 * absent): trains fold 0's classifier with build/ocr_train as `make train-ocr` trains the
 * committed one (crops and frames harvested; about 70 s of CPU) and reads the crops of fold 0
 * with it, as `make bench-accuracy` does for every fold.
 */
static void test_crops_regression(void)
{
    enum { MAX_CROPS = 2048 };
    static char names[MAX_CROPS][64], texts[MAX_CROPS][32];
    const char *data = test_data_dir();
    char path[4096], line[4096], cmd[16384], model_path[4096];
    struct recog_config cfg;
    struct ocr_model *model = NULL;
    FILE *f;
    int ntruth = 0, n = 0, ok = 0;
    double pct;
    if (!data)
        SKIP("data absent");
    snprintf(path, sizeof path, "%s/crops/us/truth.csv", data);
    f = fopen(path, "r");
    if (!f)
        SKIP("data absent (crops/us/truth.csv)");
    while (ntruth < MAX_CROPS && fgets(line, sizeof line, f)) {
        char *file = strtok(line, ",\r\n"), *state = strtok(NULL, ",\r\n"),
             *text = strtok(NULL, ",\r\n");
        (void)state;
        if (!file || !text)
            continue;
        snprintf(names[ntruth], sizeof names[ntruth], "%s", file);
        snprintf(texts[ntruth], sizeof texts[ntruth], "%s", text);
        ntruth++;
    }
    fclose(f);
    REQUIRE(ntruth > 0);
    if (access(ocr_train_path, X_OK) != 0 || access(cnn_train_path, X_OK) != 0)
        SKIP("ocr_train or cnn_train not built next to this program's folder");
    snprintf(model_path, sizeof model_path, "%s/fold0.bin", test_tmpdir());
    /* As make train-ocr makes the committed classifier: the samples, then the network. */
    snprintf(cmd, sizeof cmd,
             "'%s' --data '%s' --folds 5 --fold 0 --dump-samples '%s/samples.bin' 2>'%s/train.log' "
             "&& '%s' --samples '%s/samples.bin' --out '%s' 2>>'%s/train.log'",
             ocr_train_path, data, test_tmpdir(), test_tmpdir(), cnn_train_path, test_tmpdir(),
             model_path, test_tmpdir());
    if (system(cmd) != 0) {
        /* The log goes with the temporary folder: show its end here. */
        snprintf(path, sizeof path, "%s/train.log", test_tmpdir());
        printf("  %s failed; the end of its log:\n", ocr_train_path);
        f = fopen(path, "r");
        if (f) {
            long size;
            fseek(f, 0, SEEK_END);
            size = ftell(f);
            fseek(f, size > 1000 ? size - 1000 : 0, SEEK_SET);
            while (fgets(line, sizeof line, f))
                printf("  | %s", line);
            fclose(f);
        }
        CHECK(!"ocr_train --fold 0 ran");
        return;
    }
    REQUIRE(ocr_model_load(model_path, &model) == 0);
    recog_config_default(&cfg);
    cfg.model = model;
    snprintf(cmd, sizeof cmd, "'%s' --data '%s' --folds 5 --list-fold 0", ocr_train_path, data);
    f = popen(cmd, "r");
    if (!f) {
        ocr_model_free(model);
        CHECK(!"ocr_train --list-fold 0 ran");
        return;
    }
    while (fgets(line, sizeof line, f)) {
        struct image img;
        struct recog_result r;
        const char *text;
        line[strcspn(line, "\r\n")] = 0;
        text = truth_of(names, texts, ntruth, line);
        if (!text)
            continue;
        n++;
        if (image_load(line, &img) != 0)
            continue;
        if (recog_read_crop(&cfg, img.pixels, img.width, img.height, img.width, &r) == 0 &&
            r.nplates == 1 && strcmp(r.plates[0].text, text) == 0)
            ok++;
        image_free(&img);
    }
    CHECK(pclose(f) == 0);
    ocr_model_free(model);
    /* Fold 0 holds about a fifth of the crops (61 of 366 when recorded). */
    REQUIRE(n >= ntruth / 10);
    pct = 100.0 * ok / n;
    printf("  crops/us fold 0 (cross-validated): %d/%d exact (%.1f%%), recorded %.1f%%, floor "
           "%.1f%%\n",
           ok, n, pct, RECORDED_FOLD0_EXACT_PCT, FOLD0_FLOOR_PCT);
    CHECK(pct >= FOLD0_FLOOR_PCT);
}

/*
 * The end-of-line rules on the crops they were made for (skipped when the data is absent):
 * a first or last character joined to the frame's edge or a state outline, cut off at 1.2
 * character widths (ca1000 HALTC02, nv442 BATMANX) or by the second round of cuts (ne280
 * 0JW695, ne790 0JT898: the outline runs through the first two characters); a first character
 * joined to a graphic below it, read again inside the line (me471 965AAS, not checked here:
 * the classifier retrained on frames reads the clipped 9 under the refit's 90 %, and whether
 * one crop clears a confidence bar is the model's, not the rule's); an unsure shape beside the
 * last character, shifted down as a whole (id137 C0UGAR, not C0UGARJ). Each read one character
 * short or long before these rules.
 */
static void test_end_rules_crops(void)
{
    static const char *const cases[][2] = {{"ca1000.png", "HALTC02"},
                                           {"nv442.png", "BATMANX"},
                                           {"ne280.png", "0JW695"},
                                           {"ne790.png", "0JT898"},
                                           {"id137.png", "C0UGAR"}};
    const char *data = test_data_dir();
    struct recog_config cfg;
    char path[4096];
    if (!data)
        SKIP("data absent");
    recog_config_default(&cfg);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct image img;
        struct recog_result r;
        snprintf(path, sizeof path, "%s/crops/us/%s", data, cases[i][0]);
        if (image_load(path, &img) != 0)
            SKIP("data absent (crops/us)");
        REQUIRE(recog_read_crop(&cfg, img.pixels, img.width, img.height, img.width, &r) == 0);
        CHECK_EQ_INT(r.nplates, 1);
        if (r.nplates == 1)
            CHECK_EQ_STR(r.plates[0].text, cases[i][1]);
        image_free(&img);
    }
}

int main(int argc, char **argv)
{
    /* This program is BUILD/tests/test_recog; the trainers are BUILD/ocr_train, BUILD/cnn_train. */
    char self[4096];
    (void)argc;
    snprintf(self, sizeof self, "%s", argv[0]);
    const char *dir = dirname(self);
    snprintf(ocr_train_path, sizeof ocr_train_path, "%s/../ocr_train", dir);
    snprintf(cnn_train_path, sizeof cnn_train_path, "%s/../cnn_train", dir);
    RUN(test_binarize_label);
    RUN(test_label_8_connected);
    RUN(test_invalid);
    RUN(test_read_crop_scenes);
    RUN(test_read_frame_scenes);
    RUN(test_read_wire);
    RUN(test_mark_uncertain);
    RUN(test_crops_regression);
    RUN(test_end_rules_crops);
    scene_gen_close(gen);
    return test_finish();
}
