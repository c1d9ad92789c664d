/*
 * alpr-vsim: plays image files (or generated scenes) into the Verilated board RTL and writes
 * the USB byte stream it produces.
 *
 *   alpr-vsim [--out FILE] [--vcd FILE] [--mode gray8|mask1|none] [--scenes N]
 *             [--backpressure PERCENT] [--check] [IMAGE...]
 *
 * Each image (PNG, JPEG, PGM; cropped to 2048 x 2048) is one frame; FRAME_SIZE is set before
 * each frame from its size. --scenes N adds N generated 1280x720 roadside frames. --check
 * also runs the C model on the same input and exits 1 if the streams differ. Prints one line
 * per run to stderr: frames, bytes, clock cycles.
 */
#include "image.h"
#include "model.h"
#include "scene.h"
#include "verilator/vboard.h"
#include "wire.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bytes {
    uint8_t *p;
    size_t n, cap;
};

static int bytes_out(void *ctx, const uint8_t *data, size_t n)
{
    struct bytes *b = ctx;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 65536;
        while (cap < b->n + n)
            cap *= 2;
        uint8_t *q = realloc(b->p, cap);
        if (!q)
            return -1;
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->n, data, n);
    b->n += n;
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: alpr-vsim [--out FILE] [--vcd FILE] [--mode gray8|mask1|none] "
               "[--scenes N] [--backpressure PERCENT] [--check] [IMAGE...]\n");
}

struct run {
    struct vboard *vb;
    struct model *m; /* NULL unless --check */
    struct bytes rtl, mod;
    FILE *out;
    int frames;
};

/* Moves the RTL's output to the file (and keeps it for --check). */
static int flush_out(struct run *r)
{
    uint8_t buf[65536];
    size_t n;
    while ((n = vboard_read(r->vb, buf, sizeof buf)) > 0) {
        if (r->out && fwrite(buf, 1, n, r->out) != n)
            return -1;
        if (r->m && bytes_out(&r->rtl, buf, n))
            return -1;
    }
    return 0;
}

static int play(struct run *r, const uint8_t *px, int w, int h, int stride)
{
    uint32_t size = (uint32_t)w | (uint32_t)h << 16;
    if (vboard_drain(r->vb, 64, 100000000ull) || vboard_reg_write(r->vb, WIRE_REG_FRAME_SIZE, size))
        return -1;
    if (r->m && model_reg_write(r->m, WIRE_REG_FRAME_SIZE, size))
        return -1;
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            unsigned mk = (x == 0 && y == 0 ? VBOARD_SOF : 0) | (x == w - 1 ? VBOARD_EOL : 0);
            uint64_t ts = 0;
            uint8_t v = px[(size_t)y * stride + x];
            if (vboard_pixel(r->vb, v, mk, &ts) || (r->m && model_pixel(r->m, v, mk, ts)))
                return -1;
        }
        if (vboard_idle(r->vb, 16) || flush_out(r))
            return -1;
    }
    r->frames++;
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"out", required_argument, NULL, 'o'},
                                         {"vcd", required_argument, NULL, 'v'},
                                         {"mode", required_argument, NULL, 'm'},
                                         {"scenes", required_argument, NULL, 's'},
                                         {"backpressure", required_argument, NULL, 'b'},
                                         {"check", no_argument, NULL, 'c'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *out_path = NULL, *vcd = NULL;
    int mode = WIRE_PIXELS_GRAY8, scenes = 0, bp = 0, check = 0, c, rc = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            out_path = optarg;
            break;
        case 'v':
            vcd = optarg;
            break;
        case 'm':
            mode = !strcmp(optarg, "gray8")   ? 1
                   : !strcmp(optarg, "mask1") ? 2
                   : !strcmp(optarg, "none")  ? 0
                                              : -1;
            if (mode < 0) {
                fprintf(stderr, "alpr-vsim: --mode: expected gray8, mask1 or none, got '%s'\n",
                        optarg);
                return 2;
            }
            break;
        case 's':
            scenes = atoi(optarg);
            break;
        case 'b':
            bp = atoi(optarg);
            break;
        case 'c':
            check = 1;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind == argc && scenes <= 0) {
        usage(stderr);
        return 2;
    }
    struct run r = {0};
    if (vboard_new(vcd, &r.vb) != 0) {
        fprintf(stderr, "alpr-vsim: cannot create the board\n");
        return 1;
    }
    vboard_set_source(r.vb, 1, 0);
    vboard_set_backpressure(r.vb, (unsigned)(bp < 0 ? 0 : bp), 1);
    if (check && model_new(bytes_out, &r.mod, &r.m) != 0)
        goto done;
    if (out_path && !(r.out = fopen(out_path, "wb"))) {
        fprintf(stderr, "alpr-vsim: %s: cannot open for writing\n", out_path);
        goto done;
    }
    if (vboard_reg_write(r.vb, WIRE_REG_OUTPUT, (uint32_t)mode) ||
        vboard_reg_write(r.vb, WIRE_REG_CONTROL, WIRE_CONTROL_RUN) ||
        (r.m && (model_reg_write(r.m, WIRE_REG_OUTPUT, (uint32_t)mode) ||
                 model_reg_write(r.m, WIRE_REG_CONTROL, WIRE_CONTROL_RUN))))
        goto done;
    for (int i = optind; i < argc; i++) {
        struct image im;
        int err = image_load(argv[i], &im);
        if (err) {
            fprintf(stderr, "alpr-vsim: %s: %s\n", argv[i], image_strerror(err));
            goto done;
        }
        int w = im.width > 2048 ? 2048 : im.width, h = im.height > 2048 ? 2048 : im.height;
        err = play(&r, im.pixels, w, h, im.width);
        image_free(&im);
        if (err)
            goto done;
    }
    if (scenes > 0) {
        struct scene_gen *gen;
        if (scene_gen_open(NULL, &gen) != 0) {
            fprintf(stderr, "alpr-vsim: no font for the scene generator\n");
            goto done;
        }
        for (int i = 0; i < scenes; i++) {
            struct scene_params p;
            struct scene s;
            scene_params_default(&p);
            p.seed = 1u + (unsigned)i;
            if (scene_render(gen, &p, &s) != 0 || play(&r, s.pixels, s.width, s.height, s.width)) {
                scene_gen_close(gen);
                goto done;
            }
            scene_free(&s);
        }
        scene_gen_close(gen);
    }
    if (vboard_drain(r.vb, 64, 100000000ull) || flush_out(&r))
        goto done;
    fprintf(stderr, "alpr-vsim: %d frames, %zu bytes, %llu clock cycles\n", r.frames,
            r.m ? r.rtl.n : (size_t)0, (unsigned long long)vboard_cycles(r.vb));
    rc = 0;
    if (r.m) {
        int same = r.rtl.n == r.mod.n && memcmp(r.rtl.p, r.mod.p, r.rtl.n) == 0;
        fprintf(stderr, "alpr-vsim: model %zu bytes, RTL %zu bytes: %s\n", r.mod.n, r.rtl.n,
                same ? "identical" : "DIFFERENT");
        rc = same ? 0 : 1;
    }
done:
    if (r.out && fclose(r.out) != 0)
        rc = 1;
    vboard_free(r.vb);
    model_free(r.m);
    free(r.rtl.p);
    free(r.mod.p);
    return rc;
}
