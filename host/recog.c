/*
 * recog: what every stage of the recognizer shares (errors, settings, image checks, scratch
 * memory). The stages are in host/recog/ (recog/internal.h lists them); the public API is
 * recog.h.
 */
#include "recog.h"

#include <stdlib.h>
#include <string.h>

#include "recog/internal.h"

const char *recog_strerror(int err)
{
    switch (err) {
    case RECOG_OK:
        return "ok";
    case RECOG_ERR_NOMEM:
        return "out of memory";
    case RECOG_ERR_INVALID:
        return "invalid argument (empty or oversized image)";
    case RECOG_ERR_NOPIXELS:
        return "the frame carries no gray pixels";
    default:
        return "unknown error";
    }
}

void recog_config_default(struct recog_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->model = ocr_model_default();
    cfg->max_plates = 5;
    cfg->ncands = RECOG_MAX_CANDS;
    cfg->uncertain = 0.5f;
    cfg->mark_uncertain = 0;
    cfg->min_chars = 4;
}

int recog_valid_image(const uint8_t *gray, int width, int height, int stride)
{
    return gray && width > 0 && height > 0 && width <= RECOG_MAX_DIM && height <= RECOG_MAX_DIM &&
           stride >= width;
}

int recog_cmp_int(const void *a, const void *b)
{
    int p = *(const int *)a, q = *(const int *)b;
    return p < q ? -1 : p > q;
}

/* b's buffer of at least bytes bytes (contents not kept), or NULL. */
void *recog_scratch_get(struct scratch_buf *b, size_t bytes)
{
    if (bytes > b->cap) {
        free(b->p);
        b->p = malloc(bytes);
        b->cap = b->p ? bytes : 0;
    }
    return b->p;
}

void recog_scratch_free(struct scratch *sc)
{
    free(sc->mask.p);
    free(sc->labels.p);
    free(sc->parent.p);
    free(sc->comps.p);
    free(sc->pool.p);
    free(sc->ii.p);
    free(sc->lev.p);
    free(sc->big.p);
    free(sc->rowbuf.p);
}
