/*
 * harvest: real characters from the development images (harvest.h). Frames are read as crops
 * of their plate's box; the character boxes come from the reader's own segmentation (round 1:
 * geometry only, round 2: the reader with a first model), labelled from the truth.
 */
#include "harvest.h"

#include "image.h"
#include "recog.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t name_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

/* The fold (0..nfolds-1) of an image, from its file name without the folder. */
int harvest_fold(const char *path, int nfolds)
{
    const char *base = strrchr(path, '/');
    return (int)(name_hash(base ? base + 1 : path) % (uint32_t)nfolds);
}

/* Whether text is a plate the classifier can learn (3..RECOG_MAX_CHARS of 0-9 A-Z). */
static int text_ok(const char *t)
{
    size_t n = strlen(t);
    if (n < 3 || n > RECOG_MAX_CHARS)
        return 0;
    for (; *t; t++)
        if (ocr_char_class(*t) < 0)
            return 0;
    return 1;
}

/* Appends an image unless it is in the left-out fold. Returns 0 or -1 (out of memory). */
static int set_add(struct harvest_set *cs, const char *dir, const char *file, const char *text,
                   int x, int y, int w, int h, int fold, int nfolds)
{
    struct harvest_image *c;
    if (fold >= 0 && harvest_fold(file, nfolds) == fold)
        return 0;
    if (cs->n == cs->cap) {
        struct harvest_image *m;
        cs->cap = cs->cap ? cs->cap * 2 : 512;
        m = realloc(cs->c, sizeof *m * (size_t)cs->cap);
        if (!m)
            return -1;
        cs->c = m;
    }
    c = &cs->c[cs->n++];
    snprintf(c->path, sizeof c->path, "%s/%s", dir, file);
    snprintf(c->text, sizeof c->text, "%s", text);
    c->x = x;
    c->y = y;
    c->w = w;
    c->h = h;
    return 0;
}

/*
 * The crops of dir/truth.csv (file,state,PLATE). Returns the number added, or -1 when the file
 * cannot be opened or memory runs out.
 */
static int load_truth(const char *dir, struct harvest_set *cs, int fold, int nfolds)
{
    char path[4096], line[512];
    FILE *f;
    int n = 0;
    snprintf(path, sizeof path, "%s/truth.csv", dir);
    f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        char *a = strtok(line, ",\r\n"), *b = strtok(NULL, ",\r\n"), *t = strtok(NULL, ",\r\n");
        (void)b;
        if (!a || !t || !text_ok(t) || strlen(a) >= 256)
            continue;
        if (set_add(cs, dir, a, t, 0, 0, 0, 0, fold, nfolds) != 0) {
            fclose(f);
            return -1;
        }
        n++;
    }
    fclose(f);
    return n;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The frames of dir: every NAME.txt ("file x y w h PLATE", whitespace separated) names a
 * frame and its plate's box, in sorted order (the harvest must not depend on the directory's
 * order). Returns the number added, or -1 when dir cannot be read or memory runs out.
 */
static int load_frames(const char *dir, struct harvest_set *cs, int fold, int nfolds)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t nn = 0, cap = 0;
    int n = 0, err = 0;
    if (!d)
        return -1;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".txt") != 0)
            continue;
        if (nn == cap) {
            char **m = realloc(names, sizeof *m * (cap = cap ? cap * 2 : 256));
            if (!m) {
                err = 1;
                break;
            }
            names = m;
        }
        if ((names[nn] = strdup(e->d_name)) == NULL) {
            err = 1;
            break;
        }
        nn++;
    }
    closedir(d);
    if (nn > 1)
        qsort(names, nn, sizeof *names, cmp_str);
    for (size_t i = 0; i < nn && !err; i++) {
        char path[4096], file[256], text[64];
        int x, y, w, h;
        FILE *f;
        if (snprintf(path, sizeof path, "%s/%s", dir, names[i]) >= (int)sizeof path ||
            (f = fopen(path, "r")) == NULL)
            continue;
        if (fscanf(f, "%255s %d %d %d %d %63s", file, &x, &y, &w, &h, text) == 6 && text_ok(text) &&
            w > 8 && h > 4) {
            if (set_add(cs, dir, file, text, x, y, w, h, fold, nfolds) != 0)
                err = 1;
            else
                n++;
        }
        fclose(f);
    }
    for (size_t i = 0; i < nn; i++)
        free(names[i]);
    free(names);
    return err ? -1 : n;
}

/*
 * The development images under data: data/truth.csv (a crops folder: the old --data), or a
 * benchmark root with crops/us/truth.csv and frames/{us,eu,br}. Returns the number of images,
 * or -1 with a message.
 */
int harvest_load(const char *data, struct harvest_set *cs, int fold, int nfolds)
{
    static const char *const FRAME_SETS[] = {"frames/us", "frames/eu", "frames/br"};
    char dir[4096];
    int n;
    if (load_truth(data, cs, fold, nfolds) >= 0)
        return cs->n;
    snprintf(dir, sizeof dir, "%s/crops/us", data);
    if ((n = load_truth(dir, cs, fold, nfolds)) < 0) {
        fprintf(stderr, "ocr_train: %s: neither truth.csv nor crops/us/truth.csv\n", data);
        return -1;
    }
    for (size_t k = 0; k < sizeof FRAME_SETS / sizeof FRAME_SETS[0]; k++) {
        snprintf(dir, sizeof dir, "%s/%s", data, FRAME_SETS[k]);
        if (load_frames(dir, cs, fold, nfolds) < 0) {
            fprintf(stderr, "ocr_train: %s: cannot read the frames\n", dir);
            return -1;
        }
    }
    return cs->n;
}

/*
 * The plate of a frame as a crop: the box with a margin (a fifth of its width at each side,
 * half its height above and below, as the benchmark's crops have), enlarged 2x or 3x when
 * the plate is under 40 or 22 px tall (bilinear, as the frame reader enlarges small text
 * lines before reading them). Returns 0 or -1.
 */
static int frame_crop(const struct image *frame, const struct harvest_image *c, struct image *out)
{
    struct image cut;
    int mx = c->w / 5, my = c->h / 2, f = c->h < 22 ? 3 : c->h < 40 ? 2 : 1;
    if (image_crop(frame, c->x - mx, c->y - my, c->w + 2 * mx, c->h + 2 * my, &cut) != 0)
        return -1;
    if (f == 1) {
        *out = cut;
        return 0;
    }
    if (image_alloc(out, cut.width * f, cut.height * f) != 0) {
        image_free(&cut);
        return -1;
    }
    for (int y = 0; y < out->height; y++)
        for (int x = 0; x < out->width; x++) {
            double sx = (x + 0.5) / f - 0.5, sy = (y + 0.5) / f - 0.5;
            int ix = (int)floor(sx), iy = (int)floor(sy);
            double fx = sx - ix, fy = sy - iy;
            int x0 = ix < 0 ? 0 : ix, y0 = iy < 0 ? 0 : iy;
            int x1 = ix + 1 >= cut.width ? cut.width - 1 : ix + 1;
            int y1 = iy + 1 >= cut.height ? cut.height - 1 : iy + 1;
            const uint8_t *p = cut.pixels;
            double v =
                (p[y0 * cut.width + x0] * (1 - fx) + p[y0 * cut.width + x1] * fx) * (1 - fy) +
                (p[y1 * cut.width + x0] * (1 - fx) + p[y1 * cut.width + x1] * fx) * fy;
            out->pixels[y * out->width + x] = (uint8_t)(v + 0.5);
        }
    image_free(&cut);
    return 0;
}

static int overlap_area(int ax0, int ay0, int ax1, int ay1, int bx0, int by0, int bx1, int by1)
{
    int w = (ax1 < bx1 ? ax1 : bx1) - (ax0 > bx0 ? ax0 : bx0) + 1;
    int h = (ay1 < by1 ? ay1 : by1) - (ay0 > by0 ? ay0 : by0) + 1;
    return w > 0 && h > 0 ? w * h : 0;
}

/* Warped copies of each harvested character. */
#define WARPS 4

/*
 * A copy of the character in box b warped the way plates vary between photos: the patch
 * around it (half a height of margin) under a random affine map (scale, stretch, shear,
 * rotation), downscaled to a random height (frames show small plates), blurred and noised.
 */
static void add_warped(struct train_samples *s, struct train_rng *rng, const struct image *img,
                       const struct recog_comp *b, int dark, int cls)
{
    static uint8_t out[200 * 200];
    int bh = b->y1 - b->y0 + 1, bw = b->x1 - b->x0 + 1, m = bh / 2;
    int th = (int)train_rng_uniform(rng, 14, bh < 90 ? bh : 90); /* target character height */
    double sc = (double)th / bh * train_rng_uniform(rng, 0.95, 1.05),
           sx = sc * train_rng_uniform(rng, 0.85, 1.12);
    double shear = train_rng_uniform(rng, -0.12, 0.12), rot = train_rng_uniform(rng, -0.05, 0.05);
    double ca = cos(rot), sa = sin(rot), cx = (b->x0 + b->x1) / 2.0, cy = (b->y0 + b->y1) / 2.0;
    int ow = (int)((bw + 2 * m) * sx) + 4, oh = (int)((bh + 2 * m) * sc) + 4;
    double ocx = ow / 2.0, ocy = oh / 2.0, sigma = train_rng_uniform(rng, 0, 6);
    int nx0, ny0, nx1, ny1;
    if (ow > 200 || oh > 200 || ow < 8 || oh < 8)
        return;
    for (int y = 0; y < oh; y++)
        for (int x = 0; x < ow; x++) {
            /* output -> source: undo rotation, shear, scale */
            double dx = x - ocx, dy = y - ocy;
            double ux = ca * dx + sa * dy, uy = -sa * dx + ca * dy;
            double srcx = cx + (ux - shear * uy) / sx, srcy = cy + uy / sc;
            int ix = (int)floor(srcx), iy = (int)floor(srcy);
            double fx = srcx - ix, fy = srcy - iy, v;
            if (ix < 0)
                ix = 0, fx = 0;
            if (iy < 0)
                iy = 0, fy = 0;
            if (ix >= img->width - 1)
                ix = img->width - 2, fx = 1;
            if (iy >= img->height - 1)
                iy = img->height - 2, fy = 1;
            {
                const uint8_t *p0 = img->pixels + (size_t)iy * img->width + ix;
                v = (p0[0] * (1 - fx) + p0[1] * fx) * (1 - fy) +
                    (p0[img->width] * (1 - fx) + p0[img->width + 1] * fx) * fy;
            }
            v += sigma * train_rng_gauss(rng);
            out[y * ow + x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    /* The box maps to about the centre with the scaled size (rotation is small). */
    nx0 = (int)(ocx - bw * sx / 2 + 0.5);
    nx1 = (int)(ocx + bw * sx / 2 - 0.5);
    ny0 = (int)(ocy - bh * sc / 2 + 0.5);
    ny1 = (int)(ocy + bh * sc / 2 - 0.5);
    train_samples_add_box(s, out, ow, oh, ow, nx0, ny0, nx1, ny1, dark, cls);
}

/*
 * Adds the labelled character boxes (with jittered copies) and the crop's other components at
 * character height as "not a character".
 */
static void harvest_crop(struct train_samples *s, struct train_rng *rng, const struct image *img,
                         const struct recog_comp *box, int n, const char *text, int dark)
{
    struct recog_comp *pool;
    size_t np = 0;
    uint8_t *mask;
    int hsum = 0, hmed;
    for (int i = 0; i < n; i++) {
        int cls = ocr_char_class(text[i]);
        const struct recog_comp *b = &box[i];
        train_samples_add_box(s, img->pixels, img->width, img->height, img->width, b->x0, b->y0,
                              b->x1, b->y1, dark, cls);
        for (int k = 0; k < 3; k++) {
            int j = (b->y1 - b->y0) / 20 + 1;
            train_samples_add_box(s, img->pixels, img->width, img->height, img->width,
                                  b->x0 + train_rng_int(rng, 2 * j + 1) - j,
                                  b->y0 + train_rng_int(rng, 2 * j + 1) - j,
                                  b->x1 + train_rng_int(rng, 2 * j + 1) - j,
                                  b->y1 + train_rng_int(rng, 2 * j + 1) - j, dark, cls);
        }
        for (int k = 0; k < WARPS; k++)
            add_warped(s, rng, img, b, dark, cls);
        hsum += b->y1 - b->y0 + 1;
    }
    hmed = hsum / (n ? n : 1);
    /* Other components: re-label at two offsets, both polarities. */
    mask = malloc((size_t)img->width * img->height);
    pool = malloc(sizeof *pool * 4096);
    if (!mask || !pool)
        exit(1);
    for (int pol = 1; pol >= 0; pol--)
        for (int t = 20; t <= 70; t += 50) {
            if (recog_binarize(img->pixels, img->width, img->height, img->width, img->height / 3, t,
                               pol, mask) != 0 ||
                recog_label(mask, img->width, img->height, pool, 4096, &np) != 0)
                continue;
            for (size_t i = 0; i < np; i++) {
                const struct recog_comp *c = &pool[i];
                int w = c->x1 - c->x0 + 1, h = c->y1 - c->y0 + 1, area = w * h, hit = 0,
                    covered = 0;
                if (h < hmed * 6 / 10 || h > hmed * 14 / 10 || w * 10 > h * 25 || w < 3)
                    continue;
                for (int k = 0; k < n; k++) {
                    int ov = overlap_area(c->x0, c->y0, c->x1, c->y1, box[k].x0, box[k].y0,
                                          box[k].x1, box[k].y1);
                    int barea = (box[k].x1 - box[k].x0 + 1) * (box[k].y1 - box[k].y0 + 1);
                    if (ov * 4 > area)
                        hit++;
                    if (ov * 10 > barea * 6)
                        covered++;
                }
                if (hit == 0 || covered >= 2)
                    train_samples_add_box(s, img->pixels, img->width, img->height, img->width,
                                          c->x0, c->y0, c->x1, c->y1, pol, OCR_NONCHAR);
            }
        }
    free(mask);
    free(pool);
}

/*
 * Labels every candidate the crop reader considered (recog_crop_pool) against the truth-aligned
 * character boxes: a candidate matching a character box becomes that character, one clear of
 * all characters (or covering two) becomes "not a character"; partial overlaps are left out.
 */
static void harvest_pool(struct train_samples *s, const struct image *img,
                         const struct recog_config *cfg, const struct recog_comp *box, int n,
                         const char *text)
{
    static struct recog_comp pool[1024];
    static int dark[1024];
    size_t np = 0;
    if (recog_crop_pool(cfg, img->pixels, img->width, img->height, img->width, pool, dark, 1024,
                        &np) != 0)
        return;
    for (size_t i = 0; i < np; i++) {
        const struct recog_comp *c = &pool[i];
        int area = (c->x1 - c->x0 + 1) * (c->y1 - c->y0 + 1), hit = 0, covered = 0, match = -1;
        for (int k = 0; k < n; k++) {
            int ov = overlap_area(c->x0, c->y0, c->x1, c->y1, box[k].x0, box[k].y0, box[k].x1,
                                  box[k].y1);
            int barea = (box[k].x1 - box[k].x0 + 1) * (box[k].y1 - box[k].y0 + 1);
            if (ov * 5 > area)
                hit++;
            if (ov * 10 > barea * 6)
                covered++;
            if (ov * 100 > (area + barea - ov) * 70)
                match = k;
        }
        if (match >= 0 && hit == 1)
            train_samples_add_box(s, img->pixels, img->width, img->height, img->width, c->x0, c->y0,
                                  c->x1, c->y1, dark[i], ocr_char_class(text[match]));
        else if (hit == 0 || covered >= 2)
            train_samples_add_box(s, img->pixels, img->width, img->height, img->width, c->x0, c->y0,
                                  c->x1, c->y1, dark[i], OCR_NONCHAR);
    }
}

int harvest_run(struct train_samples *s, struct train_rng *rng, const struct harvest_image *crops,
                int ncrops, const struct ocr_model *model, int *used_frames)
{
    int used = 0;
    *used_frames = 0;
    struct recog_config cfg;
    recog_config_default(&cfg);
    if (model)
        cfg.model = model;
    for (int i = 0; i < ncrops; i++) {
        struct image img;
        struct recog_comp box[RECOG_MAX_CHARS];
        size_t n = 0;
        int dark = 1, len = (int)strlen(crops[i].text);
        if (image_load(crops[i].path, &img) != 0)
            continue;
        if (crops[i].w > 0) {
            struct image frame = img;
            int rc = frame_crop(&frame, &crops[i], &img);
            image_free(&frame);
            if (rc != 0)
                continue;
        }
        if (!model) {
            if (recog_segment_geometry(img.pixels, img.width, img.height, img.width, box,
                                       RECOG_MAX_CHARS, &n, &dark) != 0)
                n = 0;
        } else {
            struct recog_result rr;
            if (recog_read_crop(&cfg, img.pixels, img.width, img.height, img.width, &rr) == 0 &&
                rr.nplates == 1 && rr.plates[0].nchars == len) {
                int diff = 0;
                for (int k = 0; k < len; k++)
                    diff += rr.plates[0].text[k] != crops[i].text[k];
                if (diff <= 2) {
                    n = (size_t)len;
                    dark = rr.plates[0].dark_ink;
                    for (int k = 0; k < len; k++) {
                        box[k].x0 = rr.plates[0].chars[k].x0;
                        box[k].y0 = rr.plates[0].chars[k].y0;
                        box[k].x1 = rr.plates[0].chars[k].x1;
                        box[k].y1 = rr.plates[0].chars[k].y1;
                        box[k].ink = 0;
                    }
                }
            }
        }
        if ((int)n == len) {
            harvest_crop(s, rng, &img, box, len, crops[i].text, dark);
            if (model)
                harvest_pool(s, &img, &cfg, box, len, crops[i].text);
            used++;
            *used_frames += crops[i].w > 0;
        }
        image_free(&img);
    }
    return used;
}

void harvest_set_free(struct harvest_set *cs)
{
    free(cs->c);
    *cs = (struct harvest_set){0};
}
