/*
 * bench_board: speed of the board's C model and of the Verilated RTL (`make bench`).
 * Frames: generated roadside scenes (sim/scene.c) at 1280x720 and 1920x1080, default
 * registers (GRAY8, full frame). Prints frames/s of the model, frames/s of the Verilator
 * simulation, and the RTL's clock cycles per frame (its throughput at a given clock).
 */
#include "model.h"
#include "scene.h"
#include "verilator/vboard.h"
#include "wire.h"

#include <stdio.h>
#include <stdlib.h>
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

    /* Verilated RTL: one frame, camera paced by the FIFO, sink always ready */
    struct vboard *vb;
    if (vboard_new(NULL, &vb) != 0 ||
        vboard_reg_write(vb, WIRE_REG_FRAME_SIZE, (uint32_t)w | (uint32_t)h << 16) != 0 ||
        vboard_reg_write(vb, WIRE_REG_CONTROL, WIRE_CONTROL_RUN) != 0)
        return -1;
    vboard_set_source(vb, 1, 0);
    uint64_t c0 = vboard_cycles(vb);
    t0 = now_s();
    if (vboard_frame(vb, s.pixels, w, h, w, 0, NULL) != 0 || vboard_drain(vb, 64, 2000000000ull))
        return -1;
    t1 = now_s();
    uint64_t cycles = vboard_cycles(vb) - c0;
    printf("bench: verilator %dx%d frames_per_s=%.3f (%.2f M cycles/s simulated)\n", w, h,
           1.0 / (t1 - t0), cycles / (t1 - t0) / 1e6);
    printf(
        "bench: rtl %dx%d cycles_per_frame=%llu cycles_per_pixel=%.2f frames_per_s_at_82MHz=%.2f\n",
        w, h, (unsigned long long)cycles, (double)cycles / ((double)w * h), 82e6 / (double)cycles);
    vboard_free(vb);
    scene_free(&s);
    return 0;
}

int main(void)
{
    struct scene_gen *gen;
    if (scene_gen_open(NULL, &gen) != 0) {
        fprintf(stderr, "bench_board: no font for the scene generator\n");
        return 1;
    }
    int rc = bench_size(gen, 1280, 720) || bench_size(gen, 1920, 1080);
    scene_gen_close(gen);
    if (rc)
        fprintf(stderr, "bench_board: failed\n");
    return rc ? 1 : 0;
}
