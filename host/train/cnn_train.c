/*
 * cnn_train: trains the convolutional character classifier of host/ocr_cnn.h on a training set
 * that ocr_train wrote with --dump-samples, and writes it as a model file for
 * `alpr read --model` (ocr_model_load() reads either kind), or as C source to compile in as
 * host/ocr_model.inc (--out-inc).
 *
 *   cnn_train --samples FILE (--out MODEL | --out-inc FILE.inc) [--c1 N] [--c2 N] [--hidden N]
 *             [--extra none|aspect|hog] [--epochs N] [--lr F] [--seed N] [--dropout F]
 *
 * Deterministic: one thread, the samples in the file's order shuffled each epoch by the own
 * PRNG (splitmix64 from --seed), weights drawn from the same PRNG, float arithmetic in a fixed
 * order; the same file and options give the same model bytes on every run.
 *
 * Training: plain stochastic gradient descent, one sample at a time, the learning rate falling
 * linearly from --lr to a tenth of it (as ocr_train's perceptron), L2 weight decay 1e-5,
 * optionally dropout on the dense layer (--dropout, drawn from the same PRNG). The
 * extra features are standardized with the training set's mean and deviation. The class prior
 * shifts of the file (ocr_train's prior_shifts) are added to the output biases before
 * quantization, so the network's outputs follow the plates' character frequencies as the
 * perceptron's do.
 */
#include "ocr.h"
#include "ocr_cnn.h"
#include "train.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Reads the sample file ocr_train --dump-samples wrote (train.h). Returns 0 or -1 (message
   printed). */
static int read_samples(const char *path, struct train_samples *s, float shift[OCR_NCLASS])
{
    int rc = train_samples_load(path, s, shift);
    if (rc == TRAIN_FILE_OPEN)
        fprintf(stderr, "cnn_train: cannot open %s\n", path);
    else if (rc == TRAIN_FILE_FORMAT)
        fprintf(stderr, "cnn_train: %s is not a sample file of this build\n", path);
    else if (rc == TRAIN_FILE_NOMEM)
        fprintf(stderr, "cnn_train: out of memory\n");
    else if (rc != 0)
        fprintf(stderr, "cnn_train: %s is truncated or corrupt\n", path);
    return rc == 0 ? 0 : -1;
}

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: cnn_train --samples FILE (--out MODEL | --out-inc FILE.inc)\n"
               "                 [--c1 N] [--c2 N] [--hidden N]\n"
               "                 [--extra none|aspect|hog] [--epochs N] [--lr F] [--seed N]\n"
               "                 [--dropout F]\n"
               "  --samples FILE  a training set from ocr_train --dump-samples\n"
               "  --out MODEL     a model file for alpr read --model\n"
               "  --out-inc FILE  C source to compile in as host/ocr_model.inc\n"
               "  --c1, --c2 N    filters of the two convolutions (multiples of 4; 8, 16)\n"
               "  --hidden N      units of the dense layer (multiple of 4; 64)\n"
               "  --extra WHAT    features joining the dense layer besides the maps (hog:\n"
               "                  the gradient histograms and the aspect ratio; default)\n"
               "  --epochs N      passes over the samples (10)\n"
               "  --dropout F     share of the dense units dropped in each step (0.3)\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"samples", required_argument, NULL, 'S'},
        {"out", required_argument, NULL, 'o'},
        {"c1", required_argument, NULL, '1'},
        {"c2", required_argument, NULL, '2'},
        {"hidden", required_argument, NULL, 'H'},
        {"extra", required_argument, NULL, 'x'},
        {"epochs", required_argument, NULL, 'e'},
        {"lr", required_argument, NULL, 'l'},
        {"seed", required_argument, NULL, 's'},
        {"dropout", required_argument, NULL, 'p'},
        {"out-inc", required_argument, NULL, 'i'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *path = NULL, *out = NULL, *out_inc = NULL;
    int c1 = 8, c2 = 16, nhid = 64, nextra = OCR_NHOG + 1, epochs = 10, c, rc = 1;
    /* 10 epochs and dropout 0.3 measured best cross-validated (docs/RECOGNITION.md, Classifier:
       MLP or CNN); make train-ocr, the benchmark's fold models and the regression test use them. */
    float lr0 = 0.01f, dropout = 0.3f;
    uint64_t rng = 0x5eed1234abcdULL;
    struct train_samples s = {0};
    float shift[OCR_NCLASS];
    struct ocr_cnn_float net = {0};
    struct ocr_model *model = NULL;
    size_t *order = NULL;
    double t0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'S':
            path = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case '1':
            c1 = atoi(optarg);
            break;
        case '2':
            c2 = atoi(optarg);
            break;
        case 'H':
            nhid = atoi(optarg);
            break;
        case 'x':
            nextra = strcmp(optarg, "none") == 0     ? 0
                     : strcmp(optarg, "aspect") == 0 ? 1
                     : strcmp(optarg, "hog") == 0    ? OCR_NHOG + 1
                                                     : -1;
            break;
        case 'e':
            epochs = atoi(optarg);
            break;
        case 'l':
            lr0 = strtof(optarg, NULL);
            break;
        case 's':
            rng = strtoull(optarg, NULL, 0);
            break;
        case 'p':
            dropout = strtof(optarg, NULL);
            break;
        case 'i':
            out_inc = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!path || (!out && !out_inc) || optind < argc || nextra < 0 || epochs < 1 || epochs > 1000 ||
        !(lr0 > 0 && lr0 < 1) || !(dropout >= 0 && dropout < 0.9f)) {
        usage(stderr);
        return 2;
    }
    if (ocr_cnn_float_init(&net, c1, c2, nhid, nextra, &rng) != OCR_OK) {
        fprintf(stderr,
                "cnn_train: unsupported sizes (c1 <= %d, c2 <= %d, hidden <= %d, each a "
                "multiple of 4)\n",
                OCR_CNN_MAX_C1, OCR_CNN_MAX_C2, OCR_CNN_MAX_HIDDEN);
        return 2;
    }
    net.dropout = dropout;
    /* Dropout draws from its own stream: without it, the rest is drawn as before. */
    net.rng = rng ^ 0xd1b54a32d192ed03ULL;
    if (read_samples(path, &s, shift) != 0)
        goto done;
    t0 = cpu_seconds();
    /* Standardization of the extra features (the last nextra of each vector). */
    for (int i = 0; i < nextra; i++) {
        double sum = 0, sq = 0;
        size_t col = OCR_NFEAT - (size_t)nextra + (size_t)i;
        for (size_t k = 0; k < s.n; k++) {
            double v = s.x[k * OCR_NFEAT + col];
            sum += v;
            sq += v * v;
        }
        sum /= (double)s.n;
        sq = sq / (double)s.n - sum * sum;
        net.mean[i] = (float)sum;
        net.inv_std[i] = (float)(1.0 / sqrt(sq + 1e-4));
    }
    order = malloc(sizeof(size_t) * s.n);
    if (!order) {
        fprintf(stderr, "cnn_train: out of memory\n");
        goto done;
    }
    for (size_t i = 0; i < s.n; i++)
        order[i] = i;
    fprintf(stderr, "cnn_train: %zu samples, conv %d/%d, dense %d, %d extra features\n", s.n, c1,
            c2, nhid, nextra);
    for (int ep = 0; ep < epochs; ep++) {
        float lr = lr0 * (0.9f * (1.0f - (float)ep / (float)epochs) + 0.1f), prob[OCR_NCLASS];
        double loss = 0;
        size_t errs = 0;
        for (size_t i = s.n - 1; i > 0; i--) {
            size_t j = rng_next(&rng) % (i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        for (size_t k = 0; k < s.n; k++) {
            int y = s.y[order[k]], arg = 0;
            loss += ocr_cnn_float_step(&net, s.x + order[k] * OCR_NFEAT, y, lr, 1e-5f, prob);
            for (int o = 1; o < OCR_NCLASS; o++)
                if (prob[o] > prob[arg])
                    arg = o;
            errs += arg != y;
        }
        if (!isfinite(loss)) {
            fprintf(stderr, "cnn_train: training diverged (try a smaller --lr)\n");
            goto done;
        }
        fprintf(stderr, "cnn_train: epoch %d loss %.4f train error %.2f%% (%.0f s cpu)\n", ep + 1,
                loss / (double)s.n, 100.0 * (double)errs / (double)s.n, cpu_seconds() - t0);
    }
    if (ocr_cnn_quantize(&net, shift, &model) != OCR_OK) {
        fprintf(stderr, "cnn_train: out of memory\n");
        goto done;
    }
    {
        /* The quantized network (with the priors) on the training set: a check that quantizing
           kept what training learned. */
        size_t errs = 0;
        for (size_t k = 0; k < s.n; k++) {
            float prob[OCR_NCLASS];
            int arg = 0;
            ocr_classify_features(model, s.x + k * OCR_NFEAT, prob);
            for (int o = 1; o < OCR_NCLASS; o++)
                if (prob[o] > prob[arg])
                    arg = o;
            errs += arg != s.y[k];
        }
        fprintf(stderr, "cnn_train: int8 model, priors added: train error %.2f%%\n",
                100.0 * (double)errs / (double)s.n);
    }
    if (out && ocr_model_save(out, model) != OCR_OK) {
        fprintf(stderr, "cnn_train: cannot write %s\n", out);
        goto done;
    }
    if (out_inc) {
        char comment[1024];
        FILE *f = fopen(out_inc, "w");
        int ok;
        snprintf(
            comment, sizeof comment,
            " * Character classifier of host/ocr.h (a convolutional network, host/ocr_cnn.h),\n"
            " * generated by host/train/cnn_train.c - do not edit.\n"
            " * Command: cnn_train --samples %s --c1 %d --c2 %d --hidden %d --extra %s\n"
            " *          --epochs %d --lr %g --dropout %g (samples from ocr_train\n"
            " *          --dump-samples); %zu samples.\n",
            path, c1, c2, nhid,
            nextra == 0   ? "none"
            : nextra == 1 ? "aspect"
                          : "hog",
            epochs, (double)lr0, (double)dropout, s.n);
        if (!f) {
            fprintf(stderr, "cnn_train: cannot write %s\n", out_inc);
            goto done;
        }
        ocr_model_write_c(f, model, comment);
        ok = !ferror(f);
        if (fclose(f) != 0 || !ok) {
            fprintf(stderr, "cnn_train: cannot write %s\n", out_inc);
            goto done;
        }
    }
    fprintf(stderr, "cnn_train: done (%.0f s cpu)\n", cpu_seconds() - t0);
    rc = 0;
done:
    ocr_model_free(model);
    free(order);
    train_samples_free(&s);
    ocr_cnn_float_free(&net);
    return rc;
}
