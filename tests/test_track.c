/* Tests of host/track: one read per vehicle from many frames. */
#include "testlib.h"
#include "track.h"

#include <string.h>

static struct recog_plate plate(const char *text, float conf, int x)
{
    struct recog_plate p;
    memset(&p, 0, sizeof p);
    strncpy(p.text, text, RECOG_MAX_CHARS);
    p.confidence = conf;
    p.x = x;
    p.y = 100;
    p.w = 120;
    p.h = 30;
    return p;
}

static void one_frame(struct tracker *t, int64_t ms, const struct recog_plate *ps, int n)
{
    static uint8_t gray[640 * 360];
    struct recog_result r;
    memset(&r, 0, sizeof r);
    for (int i = 0; i < n; i++)
        r.plates[i] = ps[i];
    r.nplates = n;
    for (int i = 0; i < 640 * 360; i++)
        gray[i] = (uint8_t)i;
    CHECK_EQ_INT(track_frame(t, ms, (uint32_t)(ms / 33), &r, gray, 640, 360, 640), 0);
}

static void test_distance(void)
{
    CHECK_EQ_INT(track_text_distance2("ABC123", "ABC123"), 0);
    CHECK_EQ_INT(track_text_distance2("ABC123", "AXC123"), 2);
    CHECK_EQ_INT(track_text_distance2("ABC123", "ABC12"), 2);
    CHECK_EQ_INT(track_text_distance2("0BC123", "OBC123"), 1); /* confusable: half */
    CHECK_EQ_INT(track_text_distance2("", "XYZ"), 6);
}

static void test_one_vehicle_one_read(void)
{
    struct tracker *t;
    struct track_read r;
    REQUIRE(track_new(NULL, &t) == 0);
    /* 20 frames of one car, a few misreads, moving right. */
    for (int f = 0; f < 20; f++) {
        const char *txt = f % 7 == 3 ? "7ABC1Z3" : f == 11 ? "7A8C123" : "7ABC123";
        struct recog_plate p = plate(txt, f == 12 ? 95.0f : 80.0f, 10 + 15 * f);
        one_frame(t, f * 33, &p, 1);
        CHECK_EQ_INT(track_pop(t, f * 33, 0, &r), 0); /* nothing ends while it is in view */
    }
    CHECK_EQ_INT(track_open_count(t), 1);
    REQUIRE(track_pop(t, 19 * 33 + 601, 0, &r) == 1);
    CHECK_EQ_STR(r.best.text, "7ABC123");
    CHECK_EQ_INT(r.frames_seen, 20);
    CHECK_EQ_INT(r.frames_agree, 20 - 3 - 1);
    CHECK_EQ_INT(r.best_frame, 12 * 33 / 33);
    CHECK_EQ_INT(r.best.x, 10 + 15 * 12);
    CHECK(r.crop != NULL);
    /* Box 120 x 30: margin 18 (60 % of the height). */
    CHECK_EQ_INT(track_crop_margin(30), 18);
    CHECK_EQ_INT(track_crop_margin(5), TRACK_CROP_MARGIN);
    CHECK_EQ_INT(r.crop_w, 120 + 2 * 18);
    CHECK_EQ_INT(r.crop_h, 30 + 2 * 18);
    /* The crop holds the frame's pixels at the plate's place. */
    CHECK_EQ_INT(r.crop[0], (uint8_t)((100 - 18) * 640 + 190 - 18));
    track_read_free(&r);
    CHECK_EQ_INT(track_pop(t, 5000, 0, &r), 0);
    track_free(t);
}

static void test_same_plate_later_is_new_read(void)
{
    struct tracker *t;
    struct track_read r;
    struct recog_plate p = plate("ABC1234", 90, 50);
    REQUIRE(track_new(NULL, &t) == 0);
    one_frame(t, 0, &p, 1);
    one_frame(t, 33, &p, 1);
    one_frame(t, 5000, &p, 1); /* seen again five seconds later */
    REQUIRE(track_pop(t, 5000, 0, &r) == 1);
    CHECK_EQ_INT(r.frames_seen, 2);
    track_read_free(&r);
    REQUIRE(track_pop(t, 5000, 1, &r) == 1); /* flush at shutdown */
    CHECK_EQ_INT(r.frames_seen, 1);
    CHECK_EQ_INT(r.first_ms, 5000);
    track_read_free(&r);
    CHECK_EQ_INT(track_pop(t, 5000, 1, &r), 0);
    track_free(t);
}

static void test_two_vehicles_same_frames(void)
{
    struct tracker *t;
    struct track_read r;
    int got = 0, saw_a = 0, saw_b = 0;
    REQUIRE(track_new(NULL, &t) == 0);
    for (int f = 0; f < 10; f++) {
        struct recog_plate ps[2] = {plate("ABC1234", 80, 10 + 5 * f), plate("9XYZ876", 70, 400)};
        one_frame(t, f * 33, ps, 2);
    }
    while (track_pop(t, 10000, 0, &r) == 1) {
        got++;
        saw_a += strcmp(r.best.text, "ABC1234") == 0 && r.frames_agree == 10;
        saw_b += strcmp(r.best.text, "9XYZ876") == 0 && r.frames_agree == 10;
        track_read_free(&r);
    }
    CHECK_EQ_INT(got, 2);
    CHECK_EQ_INT(saw_a, 1);
    CHECK_EQ_INT(saw_b, 1);
    track_free(t);
}

static void test_min_frames_and_confidence(void)
{
    struct tracker *t;
    struct track_read r;
    struct track_config cfg;
    track_config_default(&cfg);
    cfg.min_frames = 3;
    cfg.min_confidence = 50;
    REQUIRE(track_new(&cfg, &t) == 0);
    struct recog_plate weak = plate("QQQ111", 20, 0), once = plate("ONE111", 90, 300);
    one_frame(t, 0, &weak, 1);
    one_frame(t, 0, &once, 1);
    CHECK_EQ_INT(track_pop(t, 0, 1, &r), 0);
    track_free(t);
}

static void test_many_open_tracks_bounded(void)
{
    struct tracker *t;
    struct track_read r;
    struct track_config cfg;
    char txt[8];
    int got = 0;
    track_config_default(&cfg);
    cfg.max_edit = 0; /* only the exact text continues a track here */
    REQUIRE(track_new(&cfg, &t) == 0);
    for (int i = 0; i < TRACK_MAX_OPEN + 8; i++) {
        snprintf(txt, sizeof txt, "%c%c%c%03d", 'A' + i % 26, 'A' + (i * 7) % 26,
                 'A' + (i * 11) % 26, i * 37 % 1000);
        /* Far apart on a grid, so that neither text nor box joins two of them. */
        struct recog_plate p = plate(txt, 80, (i % 8) * 70);
        p.y = (i / 8) * 60;
        p.w = 40;
        p.h = 12;
        one_frame(t, i, &p, 1);
    }
    CHECK(track_open_count(t) <= TRACK_MAX_OPEN);
    while (track_pop(t, 100000, 1, &r) == 1) {
        got++;
        track_read_free(&r);
    }
    CHECK_EQ_INT(got, TRACK_MAX_OPEN + 8);
    track_free(t);
}

/* A garbled reading in the next frame, where the plate was, continues the track; a different
 * vehicle arriving at the same place after TRACK_OVERLAP_MS is a new track. */
static void test_overlap_only_in_the_next_frames(void)
{
    struct tracker *t;
    struct track_read r;
    REQUIRE(track_new(NULL, &t) == 0);
    struct recog_plate a = plate("7ABC123", 90, 200), junk = plate("XY", 40, 205);
    struct recog_plate b = plate("KZW9041", 90, 210);
    one_frame(t, 0, &a, 1);
    one_frame(t, 33, &a, 1);
    one_frame(t, 66, &junk, 1); /* far in text, same place, next frame: the same vehicle */
    CHECK_EQ_INT(track_open_count(t), 1);
    one_frame(t, 66 + TRACK_OVERLAP_MS + 100, &b, 1); /* later, same place, other text: new */
    CHECK_EQ_INT(track_open_count(t), 2);
    REQUIRE(track_pop(t, 5000, 1, &r) == 1);
    CHECK_EQ_STR(r.best.text, "7ABC123");
    CHECK_EQ_INT(r.frames_seen, 3);
    track_read_free(&r);
    REQUIRE(track_pop(t, 5000, 1, &r) == 1);
    CHECK_EQ_STR(r.best.text, "KZW9041");
    CHECK_EQ_INT(r.frames_seen, 1);
    track_read_free(&r);
    CHECK_EQ_INT(track_pop(t, 5000, 1, &r), 0);
    track_free(t);
}

int main(void)
{
    RUN(test_distance);
    RUN(test_one_vehicle_one_read);
    RUN(test_same_plate_later_is_new_read);
    RUN(test_two_vehicles_same_frames);
    RUN(test_min_frames_and_confidence);
    RUN(test_many_open_tracks_bounded);
    RUN(test_overlap_only_in_the_next_frames);
    return test_finish();
}
