/*
 * bench_board: speed of the board's C model and of the Verilated RTL (`make bench`).
 * Frames: generated roadside scenes (sim/scene.c) at 1280x720 and 1920x1080, default
 * registers (GRAY8, full frame). Prints frames/s of the model, frames/s of the Verilator
 * simulation, and the RTL's clock cycles per frame (its throughput at a given clock).
 * With the data set present (../shared/data, or $ALPR_DATA) also the RTL's clock cycles per
 * pixel on a real 1280x720 frame, whole and for its densely textured top quarter (played as
 * a frame of its own), where the labelling is slowest, and how many of the real frames the
 * board keeps up with at camera timing: one pixel per clock, each line followed by blanking
 * that makes the line period 2200/1920 of the width (1080p30's ratio), no pacing; a frame
 * that overflows the camera FIFO would be dropped by the board.
 */
#include "image.h"
#include "model.h"
#include "scene.h"
#include "testlib.h"
#include "verilator/vboard.h"
#include "wire.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int null_out(void *ctx, const uint8_t *d, size_t n)
{
    (void)d;
    *(size_t *)ctx += n;
    return 0;
}

/* What one frame played into the Verilated board took. */
struct rtl_run {
    uint64_t cycles; /* clock cycles from the first pixel until the board was idle */
    double seconds;  /* wall time of the simulation */
    int overflowed;  /* the camera FIFO overflowed (STATUS.OVERFLOW) */
};

/*
 * Plays one w x h frame (stride `stride`) into a fresh board with default registers, the sink
 * always ready: paced by the FIFO (pace = 1, hblank 0) or at camera timing (pace = 0: one
 * pixel per clock, `hblank` idle clocks after each line). Returns 0 or -1.
 */
static int rtl_play(const uint8_t *px, int w, int h, int stride, int pace, unsigned hblank,
                    struct rtl_run *out)
{
    struct vboard *vb;
    uint32_t status = 0;
    if (vboard_new(NULL, &vb) != 0)
        return -1;
    int rc = -1;
    if (vboard_reg_write(vb, WIRE_REG_FRAME_SIZE, (uint32_t)w | (uint32_t)h << 16) == 0 &&
        vboard_reg_write(vb, WIRE_REG_CONTROL, WIRE_CONTROL_RUN) == 0) {
        vboard_set_source(vb, pace, 0);
        uint64_t c0 = vboard_cycles(vb);
        double t0 = now_s();
        if (vboard_frame(vb, px, w, h, stride, hblank, NULL) == 0 &&
            vboard_drain(vb, 64, 2000000000ull) == 0) {
            out->seconds = now_s() - t0;
            out->cycles = vboard_cycles(vb) - c0;
            if (vboard_reg_read(vb, WIRE_REG_STATUS, &status) == 0) {
                out->overflowed = (status & WIRE_STATUS_OVERFLOW) != 0;
                rc = 0;
            }
        }
    }
    vboard_free(vb);
    return rc;
}

/* Line blanking that makes the line period 2200/1920 of the width (1080p30's ratio). */
static unsigned blank_1080p(int w)
{
    return (unsigned)((w * 280 + 1919) / 1920);
}

static int bench_size(struct scene_gen *gen, int w, int h)
{
    struct scene_params p;
    struct scene s;
    scene_params_default(&p);
    p.width = w;
    p.height = h;
    p.plates = 2;
    if (scene_render(gen, &p, &s) != 0)
        return -1;

    /* C model */
    size_t bytes = 0;
    struct model *m;
    if (model_new(null_out, &bytes, &m) != 0 ||
        model_reg_write(m, WIRE_REG_FRAME_SIZE, (uint32_t)w | (uint32_t)h << 16) != 0 ||
        model_reg_write(m, WIRE_REG_CONTROL, WIRE_CONTROL_RUN) != 0)
        return -1;
    int frames = 0;
    double t0 = now_s(), t1;
    do {
        if (model_frame(m, s.pixels, w, h, w, 0) != 0)
            return -1;
        frames++;
        t1 = now_s();
    } while (t1 - t0 < 2.0);
    uint32_t rec = 0;
    if (model_reg_read(m, WIRE_REG_CNT_RECORDS, &rec) != 0)
        return -1;
    printf("bench: model %dx%d frames_per_s=%.1f (%u records/frame, %zu bytes/frame)\n", w, h,
           frames / (t1 - t0), rec / (unsigned)frames, bytes / (size_t)frames);
    model_free(m);

    /* Verilated RTL: one frame, camera paced by the FIFO; then at camera timing */
    struct rtl_run paced, camera;
    if (rtl_play(s.pixels, w, h, w, 1, 0, &paced) != 0 ||
        rtl_play(s.pixels, w, h, w, 0, blank_1080p(w), &camera) != 0)
        return -1;
    printf("bench: verilator %dx%d frames_per_s=%.3f (%.2f M cycles/s simulated)\n", w, h,
           1.0 / paced.seconds, paced.cycles / paced.seconds / 1e6);
    printf(
        "bench: rtl %dx%d cycles_per_frame=%llu cycles_per_pixel=%.2f frames_per_s_at_82MHz=%.2f\n",
        w, h, (unsigned long long)paced.cycles, (double)paced.cycles / ((double)w * h),
        82e6 / (double)paced.cycles);
    printf("bench: rtl camera_timing generated %dx%d line_period=2200/1920 kept_up=%d/1\n", w, h,
           !camera.overflowed);
    scene_free(&s);
    return 0;
}

/* Real frames of frames/{us,eu,br} at 1080p30's line-period ratio: how many keep up. */
static int bench_camera_real(const char *dir)
{
    static const char *sets[] = {"us", "eu", "br"};
    int all = 0, all_ok = 0;
    for (size_t k = 0; k < sizeof sets / sizeof sets[0]; k++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/frames/%s", dir, sets[k]);
        DIR *d = opendir(path);
        if (!d)
            continue;
        int n = 0, ok = 0;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            size_t len = strlen(e->d_name);
            if (len < 5 || strcmp(e->d_name + len - 4, ".jpg") != 0)
                continue;
            struct image im;
            snprintf(path, sizeof path, "%s/frames/%s/%s", dir, sets[k], e->d_name);
            if (image_load(path, &im) != 0)
                continue;
            struct rtl_run run;
            if (im.width <= 2048 && im.height <= 2048) {
                if (rtl_play(im.pixels, im.width, im.height, im.width, 0, blank_1080p(im.width),
                             &run) != 0) {
                    image_free(&im);
                    closedir(d);
                    return -1;
                }
                n++;
                ok += !run.overflowed;
                fprintf(stderr, "\rbench: camera timing %s %d", sets[k], n);
            }
            image_free(&im);
        }
        closedir(d);
        fprintf(stderr, "\n");
        printf("bench: rtl camera_timing set=%s line_period=2200/1920 kept_up=%d/%d\n", sets[k], ok,
               n);
        all += n;
        all_ok += ok;
    }
    printf("bench: rtl camera_timing real frames kept_up=%d/%d\n", all_ok, all);
    return 0;
}

/* The real frame of test_camera_timing (tests/rtl/test_equiv.c); 0 when the data is absent. */
static int bench_real(void)
{
    const char *dir = test_data_dir();
    char path[1024];
    struct image im;
    snprintf(path, sizeof path, "%s/frames/us/12c6cb72-3ea3-49e7-b381-e0cdfc5e8960.jpg",
             dir ? dir : ".");
    if (!dir || image_load(path, &im) != 0) {
        printf("bench: rtl real frame skipped (data absent)\n");
        return 0;
    }
    int rc = 0;
    struct rtl_run all, top;
    int th = im.height / 4;
    if (im.width > 2048 || im.height > 2048 ||
        rtl_play(im.pixels, im.width, im.height, im.width, 1, 0, &all) != 0 ||
        rtl_play(im.pixels, im.width, th, im.width, 1, 0, &top) != 0) {
        rc = -1;
    } else {
        printf("bench: rtl real %dx%d cycles_per_frame=%llu cycles_per_pixel=%.3f "
               "top_%d_rows_cycles_per_pixel=%.3f\n",
               im.width, im.height, (unsigned long long)all.cycles,
               (double)all.cycles / ((double)im.width * im.height), th,
               (double)top.cycles / ((double)im.width * th));
    }
    image_free(&im);
    return rc ? rc : bench_camera_real(dir);
}

int main(void)
{
    struct scene_gen *gen;
    if (scene_gen_open(NULL, &gen) != 0) {
        fprintf(stderr, "bench_board: no font for the scene generator\n");
        return 1;
    }
    int rc = bench_size(gen, 1280, 720) || bench_size(gen, 1920, 1080) || bench_real();
    scene_gen_close(gen);
    if (rc)
        fprintf(stderr, "bench_board: failed\n");
    return rc ? 1 : 0;
}
