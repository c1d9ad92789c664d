/*
 * harvest: the development images (crops and frames of the benchmark) and the labelled
 * characters and non-characters the trainer takes from them.
 *
 * Folds: every image belongs to one of nfolds folds by a hash (FNV-1a) of its file name
 * without the folder, so the same image is in the same fold for every set and every run;
 * loading with fold >= 0 leaves that fold's images out.
 *
 * Ownership: a struct harvest_set owns its array; harvest_set_free() releases it.
 */
#ifndef HARVEST_H
#define HARVEST_H

#include "ocr.h"
#include "train.h"

/*
 * One development image: a plate crop (the whole image is the plate; w == 0), or a frame with
 * its plate's box (x, y, w, h), and the plate's text.
 */
struct harvest_image {
    char path[4096];
    char text[32];
    int x, y, w, h;
};

struct harvest_set {
    struct harvest_image *c;
    int n, cap;
};

/* The fold (0..nfolds-1) of the image at path. */
int harvest_fold(const char *path, int nfolds);

/*
 * Appends the development images under data to cs, leaving out fold `fold` (-1: none): data is
 * a crops folder (data/truth.csv: file,state,PLATE) or a benchmark root (crops/us/truth.csv and
 * frames/{us,eu,br}, each frame NAME.jpg with NAME.txt "file x y w h PLATE"). Plates of other
 * characters than 0-9 A-Z, or shorter than 3, are skipped. Returns the number of images in cs,
 * or -1 with a message (no truth.csv, a frames folder unreadable, out of memory).
 */
int harvest_load(const char *data, struct harvest_set *cs, int fold, int nfolds)
    __attribute__((warn_unused_result));

void harvest_set_free(struct harvest_set *cs);

/*
 * Reads each image (a frame: its plate box with a margin, enlarged when small) and, when the
 * reader's segmentation agrees with the truth, appends its characters (with jittered and
 * warped copies) and the other candidates of the line as "not a character" to s. Without a
 * model the segmentation is geometry only (its count must match the truth); with one, the
 * crop reader's reading (the truth's length, at most 2 characters differing). Returns the
 * number of images harvested; *used_frames gets how many of them are frames.
 */
int harvest_run(struct train_samples *s, struct train_rng *rng, const struct harvest_image *crops,
                int ncrops, const struct ocr_model *model, int *used_frames);

#endif
