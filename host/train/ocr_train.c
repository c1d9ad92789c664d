/*
 * ocr_train: trains the character classifier of host/ocr.h and writes it as C source
 * (host/ocr_model.inc, compiled into the host library) and optionally as a model file.
 *
 *   ocr_train [--data DIR] [--out FILE.inc] [--out-bin FILE] [--folds N --fold K]
 *             [--hidden N] [--members N] [--epochs N] [--per-font N] [--seed N]
 *   ocr_train [--data DIR] [--folds N] --list-fold K [FILE...]
 *
 * DIR (default ../shared/data/openalpr-bench) is the benchmark root - crops/us/truth.csv and
 * frames/{us,eu,br} are harvested - or a crops folder with its truth.csv (crops only).
 * Training data, all generated here, deterministically (own PRNG, fixed font list, sorted
 * inputs; see docs/RECOGNITION.md, Training):
 *   - synthetic glyphs and non-characters (synth.c);
 *   - characters harvested from the development images (harvest.c), in two rounds: round 1
 *     segments by geometry alone, a first model is trained, round 2 re-reads every image with
 *     it; labels come from the truth;
 *   - the final classifier: `--members` networks (mlp.c) merged into one.
 * Cross-validation by image: every development image belongs to one of N folds (--folds,
 * default 5) by a hash of its file name; --fold K leaves out every image of fold K (crops and
 * frames), so the model it writes may score fold K's images. --list-fold K prints the FILE
 * arguments of fold K (or, without FILEs, the crops of DIR as paths), one per line.
 */
#include "harvest.h"
#include "image.h"
#include "mlp.h"
#include "ocr.h"
#include "recog.h"
#include "synth.h"
#include "train.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Writes the final training set for other trainers (the convolutional network's): the sample
   file of train.h, with the class prior shifts the perceptron would get. Returns 0 or -1. */
static int dump_samples(const char *path, const struct train_samples *s,
                        const struct harvest_image *crops, int ncrops)
{
    float shift[OCR_NCLASS];
    mlp_prior_shifts(s, crops, ncrops, shift);
    return train_samples_save(path, s, shift) == 0 ? 0 : -1;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: ocr_train [--data DIR] [--out FILE.inc] [--out-bin FILE]\n"
            "                 [--folds N --fold K] [--hidden N] [--members N] [--epochs N]\n"
            "                 [--per-font N] [--seed N]\n"
            "       ocr_train [--data DIR] [--folds N] --list-fold K [FILE...]\n"
            "  --folds N      images fall into N folds by a hash of their name (2..16, default 5)\n"
            "  --fold K       leave out the images of fold K (cross-validation)\n"
            "  --data DIR     benchmark root (crops/us, frames/{us,eu,br}) or a crops folder\n"
            "  --list-fold K  print the FILEs of fold K (default: the crops of DIR)\n"
            "  --dump-samples FILE  write the training set (synthetic + harvested) and stop\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"data", required_argument, NULL, 'd'},
        {"out", required_argument, NULL, 'o'},
        {"out-bin", required_argument, NULL, 'b'},
        {"fold", required_argument, NULL, 'f'},
        {"folds", required_argument, NULL, 'F'},
        {"dump-samples", required_argument, NULL, 'D'},
        {"hidden", required_argument, NULL, 'H'},
        {"epochs", required_argument, NULL, 'e'},
        {"per-font", required_argument, NULL, 'p'},
        {"seed", required_argument, NULL, 's'},
        {"list-fold", required_argument, NULL, 'l'},
        {"members", required_argument, NULL, 'M'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *data = "../shared/data/openalpr-bench", *out = NULL, *out_bin = NULL, *dump = NULL;
    int fold = -1, nfolds = 5, list_fold = -1, nhid = 64, epochs = 5, per_font = 15, members = 3, c,
        ncrops;
    struct harvest_set cs = {0};
    struct harvest_image *crops;
    struct train_rng rng = {0x5eed1234abcdULL};
    struct train_samples base = {0}, s = {0};
    struct mlp m;
    struct ocr_model q;
    void *qbuf = NULL;
    char comment[2048];
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            data = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'b':
            out_bin = optarg;
            break;
        case 'f':
            fold = atoi(optarg);
            break;
        case 'F':
            nfolds = atoi(optarg);
            break;
        case 'D':
            dump = optarg;
            break;
        case 'H':
            nhid = atoi(optarg);
            break;
        case 'e':
            epochs = atoi(optarg);
            break;
        case 'p':
            per_font = atoi(optarg);
            break;
        case 'M':
            members = atoi(optarg);
            break;
        case 's':
            rng.state = strtoull(optarg, NULL, 0);
            break;
        case 'l':
            list_fold = atoi(optarg);
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (nhid < 8 || members < 1 || nhid * members > OCR_MAX_HIDDEN || epochs < 1 || per_font < 1 ||
        nfolds < 2 || nfolds > 16 || fold < -1 || fold >= nfolds || list_fold < -1 ||
        list_fold >= nfolds || (optind < argc && list_fold < 0)) {
        usage(stderr);
        return 2;
    }
    if (list_fold >= 0) {
        /* The images --fold K leaves out, for the benchmark to read with that fold's model. */
        if (optind < argc) {
            for (int i = optind; i < argc; i++)
                if (harvest_fold(argv[i], nfolds) == list_fold)
                    printf("%s\n", argv[i]);
        } else {
            if (harvest_load(data, &cs, -1, nfolds) < 0)
                return 1;
            for (int i = 0; i < cs.n; i++)
                if (cs.c[i].w == 0 && harvest_fold(cs.c[i].path, nfolds) == list_fold)
                    printf("%s\n", cs.c[i].path);
            harvest_set_free(&cs);
        }
        return 0;
    }
    if (synth_all(&base, &rng, per_font) != 0)
        return 1;
    fprintf(stderr, "ocr_train: %zu synthetic samples\n", base.n);
    if ((ncrops = harvest_load(data, &cs, fold, nfolds)) < 0)
        return 1;
    crops = cs.c;
    if (ncrops > 0) {
        /* Round 1: geometry harvest; a first model trained on it. */
        int used, uf, nframes = 0;
        for (int i = 0; i < ncrops; i++)
            nframes += crops[i].w > 0;
        train_samples_copy(&s, &base);
        used = harvest_run(&s, &rng, crops, ncrops, NULL, &uf);
        fprintf(stderr,
                "ocr_train: round 1 harvested %d of %d images (%d of %d frames), %zu samples\n",
                used, ncrops, uf, nframes, s.n);
        mlp_init(&m, nhid, &s, &rng);
        mlp_train(&m, &s, epochs, &rng);
        mlp_quantize(&m, &q, &qbuf);
        train_samples_free(&s);
        /* Round 2: re-read with the round-1 model. */
        s = base;
        base = (struct train_samples){0};
        used = harvest_run(&s, &rng, crops, ncrops, &q, &uf);
        fprintf(stderr,
                "ocr_train: round 2 harvested %d of %d images (%d of %d frames), %zu samples\n",
                used, ncrops, uf, nframes, s.n);
        mlp_quant_free(qbuf);
        mlp_free(&m);
    } else {
        s = base;
        base = (struct train_samples){0};
    }
    if (dump) {
        int rc = dump_samples(dump, &s, crops, ncrops);
        if (rc != 0)
            fprintf(stderr, "ocr_train: cannot write %s\n", dump);
        train_samples_free(&s);
        train_samples_free(&base);
        harvest_set_free(&cs);
        return rc != 0;
    }
    /* The final classifier: an ensemble of `members` networks trained from different random
       starts and sample orders, merged into one wider network whose logits are the members'
       mean (the hidden units side by side, the output weights divided by the count). */
    {
        struct mlp part;
        mlp_init(&m, nhid * members, &s, &rng);
        for (int k = 0; k < members; k++) {
            mlp_init(&part, nhid, &s, &rng);
            mlp_train(&part, &s, epochs, &rng);
            for (int j = 0; j < nhid; j++) {
                memcpy(m.w1 + (size_t)(k * nhid + j) * OCR_NFEAT, part.w1 + (size_t)j * OCR_NFEAT,
                       sizeof(float) * OCR_NFEAT);
                m.b1[k * nhid + j] = part.b1[j];
            }
            for (int o = 0; o < OCR_NCLASS; o++) {
                for (int j = 0; j < nhid; j++)
                    m.w2[(size_t)o * m.nhid + k * nhid + j] =
                        part.w2[(size_t)o * nhid + j] / members;
                m.b2[o] = (k == 0 ? 0 : m.b2[o]) + part.b2[o] / members;
            }
            mlp_free(&part);
        }
    }
    mlp_apply_priors(&m, &s, crops, ncrops);
    mlp_quantize(&m, &q, &qbuf);
    {
        time_t now = time(NULL);
        char date[32];
        strftime(date, sizeof date, "%Y-%m-%d", gmtime(&now));
        snprintf(comment, sizeof comment,
                 " * Character classifier of host/ocr.h, generated by host/train/ocr_train.c - do "
                 "not edit.\n"
                 " * Command: make train-ocr  (ocr_train --data %s --hidden %d --members %d "
                 "--epochs %d --per-font %d%s)\n"
                 " * Data: %d FreeType fonts (FONTS in host/train/synth.c, synthetic),\n"
                 " *       %d images of %s (harvested characters); %zu samples.\n"
                 " * Date: %s\n",
                 data, nhid, members, epochs, per_font, fold >= 0 ? " --fold set" : "",
                 synth_nfonts(), ncrops, data, s.n, date);
    }
    if (out) {
        FILE *f = fopen(out, "w");
        if (!f) {
            fprintf(stderr, "ocr_train: cannot write %s\n", out);
            return 1;
        }
        ocr_model_write_c(f, &q, comment);
        if (fclose(f) != 0)
            return 1;
    }
    if (out_bin && ocr_model_save(out_bin, &q) != 0) {
        fprintf(stderr, "ocr_train: cannot write %s\n", out_bin);
        return 1;
    }
    fprintf(stderr, "ocr_train: done (%zu samples)\n", s.n);
    mlp_quant_free(qbuf);
    mlp_free(&m);
    train_samples_free(&s);
    harvest_set_free(&cs);
    return 0;
}
