/*
 * ocr: the character classifier. Turns one character candidate (a box in a gray image and the
 * ink polarity) into probabilities over 37 classes: the digits 0-9, the letters A-Z and a
 * "not a character" class (logos, bolts, stickers, fused or broken pieces).
 *
 * Pipeline per candidate: the box (plus a 1-pixel margin) is resampled to a 16x24 grid with its
 * aspect ratio kept (wide boxes are squeezed), inverted for dark ink, stretched to the box's own
 * contrast; the features are the 384 grid values, 192 gradient-orientation histograms (4x4
 * cells, 8 signed directions) and the box's aspect ratio. A one-hidden-layer perceptron
 * (OCR_NFEAT -> hidden ReLU -> 37 softmax) with int8 weights scores them.
 *
 * A model is of one of two kinds: that perceptron (OCR_KIND_MLP), or a small convolutional
 * network over the 16x24 grid (OCR_KIND_CNN, host/ocr_cnn.h: two 3x3 convolutions with 2x2
 * max-pooling, then the same two dense layers, the HOG features and the aspect ratio joining at
 * the first of them). ocr_classify_features() dispatches on the kind.
 *
 * The trained weights are compiled in (host/ocr_model.inc, written by `make train-ocr`, see
 * docs/RECOGNITION.md for its provenance; either kind, see ocr_model_write_c());
 * ocr_model_load() reads another model file that a trainer wrote (ocr_train --out-bin for a
 * perceptron, cnn_train --out for a network).
 *
 * Ownership: ocr_model_default() returns a static, read-only model; a model from
 * ocr_model_load() is the caller's and is released with ocr_model_free(). Models are read-only
 * after creation and may be shared between threads.
 */
#ifndef OCR_H
#define OCR_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define OCR_GRID_W     16
#define OCR_GRID_H     24
#define OCR_NPIX       (OCR_GRID_W * OCR_GRID_H)
#define OCR_NHOG       (((OCR_GRID_W / 4) * (OCR_GRID_H / 4)) * 8)
#define OCR_NFEAT      (OCR_NPIX + OCR_NHOG + 1)
#define OCR_NCLASS     37
#define OCR_NONCHAR    36 /* index of the "not a character" class */
#define OCR_MAX_HIDDEN 512

/* Errors of this module (negative). */
enum ocr_error {
    OCR_OK = 0,
    OCR_ERR_OPEN = -1,    /* the model file cannot be opened or written */
    OCR_ERR_FORMAT = -2,  /* not a model file, or sizes that do not match this build */
    OCR_ERR_NOMEM = -3,   /* out of memory */
    OCR_ERR_INVALID = -4, /* bad argument (empty box, NULL) */
};
const char *ocr_strerror(int err);

/* The class alphabet: "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ" and '?' for OCR_NONCHAR. */
char ocr_class_char(int cls);
/* Class index of an upper-case letter or digit, or -1 for anything else. */
int ocr_char_class(char c);

/* The kinds of model. */
enum ocr_kind {
    OCR_KIND_MLP = 0, /* the perceptron below (the fields nin .. b2) */
    OCR_KIND_CNN = 1, /* the network of host/ocr_cnn.h (the field cnn) */
};

struct ocr_cnn;

/*
 * A classifier. Weights are int8 with one float scale per unit; inputs are standardized. A
 * perceptron fills nin .. b2 and leaves cnn NULL; a network sets kind, nout and cnn only.
 */
struct ocr_model {
    int kind;             /* enum ocr_kind; 0 (the perceptron) in the compiled-in initializer */
    int nin, nhid, nout;  /* nin == OCR_NFEAT, nout == OCR_NCLASS */
    const float *mean;    /* nin: input standardization */
    const float *inv_std; /* nin */
    const int8_t *w1;     /* nhid x nin, row-major */
    const float *s1;      /* nhid: scale of each row of w1 */
    const float *b1;      /* nhid */
    const int8_t *w2;     /* nout x nhid */
    const float *s2;      /* nout */
    const float *b2;      /* nout */
    const struct ocr_cnn *cnn; /* OCR_KIND_CNN: the network (inside owned when loaded) */
    void *owned;               /* the single allocation of a loaded model, else NULL */
};

/* The compiled-in model (never NULL). */
const struct ocr_model *ocr_model_default(void);

/*
 * Reads a model file written by ocr_model_save() (either kind: the file's magic says which)
 * into a new model *out. A file that is truncated, has trailing bytes, sizes this build does not
 * support or non-finite or non-positive scales is OCR_ERR_FORMAT.
 * Returns 0, OCR_ERR_OPEN, OCR_ERR_FORMAT or OCR_ERR_NOMEM.
 */
int ocr_model_load(const char *path, struct ocr_model **out) __attribute__((warn_unused_result));

/* Frees a model from ocr_model_load(); accepts NULL; ignores the static default. */
void ocr_model_free(struct ocr_model *m);

/*
 * Writes m to path in the binary model format of its kind ("ALPROCR1" for the perceptron,
 * "ALPRCNN" + a format version for the network, see ocr_cnn.h). Returns 0 or OCR_ERR_OPEN.
 */
int ocr_model_save(const char *path, const struct ocr_model *m) __attribute__((warn_unused_result));

/*
 * Writes m as C source (host/ocr_model.inc, which host/ocr.c compiles in as the default model)
 * to f, with comment as a header: a perceptron's arrays, or a network's (ocr_cnn_write_c()).
 */
void ocr_model_write_c(FILE *f, const struct ocr_model *m, const char *comment);

/*
 * Computes the OCR_NFEAT features of the box (x0, y0)-(x1, y1) (inclusive, clamped to the image)
 * of the gray image (width x height, stride bytes per row). dark_ink is 1 for dark characters on
 * a light background, 0 for light on dark. Returns 0, or OCR_ERR_INVALID for an empty box.
 */
int ocr_features(const uint8_t *gray, int width, int height, int stride, int x0, int y0, int x1,
                 int y1, int dark_ink, float feat[OCR_NFEAT]) __attribute__((warn_unused_result));

/* Scores a feature vector: writes OCR_NCLASS probabilities (summing to 1) into prob. */
void ocr_classify_features(const struct ocr_model *m, const float feat[OCR_NFEAT],
                           float prob[OCR_NCLASS]);

/*
 * ocr_features() then ocr_classify_features(). Returns 0 or OCR_ERR_INVALID (prob untouched).
 */
int ocr_classify(const struct ocr_model *m, const uint8_t *gray, int width, int height, int stride,
                 int x0, int y0, int x1, int y1, int dark_ink, float prob[OCR_NCLASS])
    __attribute__((warn_unused_result));

/*
 * Shared integer kernel of both kinds: out[r] = sum over i < n of w[r * n + i] * x[i] for
 * r < rows, exact (the caller keeps the sums within int32). SSE2 or AVX2 on x86-64 when the
 * processor has them, plain C elsewhere: the same results either way (integer sums).
 */
void ocr_dot_rows_i8_i16(const int8_t *w, const int16_t *x, int n, int rows, int32_t *out);

#endif
