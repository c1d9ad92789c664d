/* recog/harvest: what the trainer harvests characters with (harvest.h). */
#include "recog/harvest.h"

#include <stdlib.h>
#include <string.h>

#include "recog/chain.h"
#include "recog/internal.h"
#include "recog/label.h"
#include "recog/pool.h"
#include "recog/region.h"

int recog_crop_pool(const struct recog_config *cfg, const uint8_t *gray, int width, int height,
                    int stride, struct recog_comp *boxes, int *dark, size_t max, size_t *n)
{
    struct recog_plate *p;
    struct pool_export exp = {.boxes = boxes, .dark = dark, .max = max, .n = 0};
    struct scratch sc = {0};
    int rc, win;
    if (!cfg || !cfg->model || !boxes || !dark || !n ||
        !recog_valid_image(gray, width, height, stride))
        return RECOG_ERR_INVALID;
    p = malloc(sizeof *p);
    if (!p)
        return RECOG_ERR_NOMEM;
    win = height / 3 > 8 ? height / 3 : 8;
    rc = recog_region_read(cfg, gray, width, height, stride, 0, 0, width, height, height / 5,
                           height * 9 / 10, win, 0, p, &exp, &sc);
    recog_scratch_free(&sc);
    free(p);
    if (rc < 0)
        return rc;
    *n = exp.n;
    return RECOG_OK;
}

/* ---- Geometry-only segmentation (harvesting) ---------------------------------------------- */

int recog_segment_geometry(const uint8_t *gray, int width, int height, int stride,
                           struct recog_comp *boxes, size_t max, size_t *n, int *dark_ink)
{
    struct recog_config cfg;
    struct scratch sc = {0};
    struct region_ctx rc = {
        .gray = gray, .width = width, .height = height, .stride = stride, .sc = &sc};
    int chain[RECOG_MAX_CHARS], best_n = 0, best_dark = 1;
    struct recog_comp best_boxes[RECOG_MAX_CHARS];
    int code;
    if (!recog_valid_image(gray, width, height, stride) || !boxes || !n || !dark_ink)
        return RECOG_ERR_INVALID;
    recog_config_default(&cfg);
    rc.cfg = &cfg;
    code = recog_pool_alloc(&rc, width, height);
    if (code != 0) {
        recog_scratch_free(&sc);
        return code;
    }
    /* One setting at a time (t = 35, the middle one): the longest consistent chain wins. */
    for (int dark = 1; dark >= 0; dark--) {
        float score;
        int k;
        rc.npool = 0;
        {
            uint32_t *ii = recog_label_integral(gray, width, height, stride);
            size_t nc = 0;
            int hmin = height / 5, hmax = height * 9 / 10;
            if (!ii) {
                recog_scratch_free(&sc);
                return RECOG_ERR_NOMEM;
            }
            recog_label_threshold(gray, width, height, stride, ii, height / 3 > 8 ? height / 3 : 8,
                                  35, dark, rc.mask);
            free(ii);
            recog_label_scratch(rc.mask, width, height, 1, rc.labels, rc.parent, rc.comps,
                                MAX_COMPS, &nc);
            for (size_t i = 0; i < nc; i++)
                if (rc.comps[i].y0 > 0 && rc.comps[i].y1 < height - 1 &&
                    recog_pool_plausible(&rc.comps[i], hmin, hmax))
                    recog_pool_add(&rc, &rc.comps[i], 0, 0, dark);
        }
        for (size_t i = 0; i < rc.npool; i++)
            rc.pool[i].score = 1;
        qsort(rc.pool, rc.npool, sizeof rc.pool[0], recog_pool_cmp_x);
        k = recog_chain_best(rc.pool, rc.npool, chain, &score);
        if (k > best_n) {
            best_n = k;
            best_dark = dark;
            for (int i = 0; i < k; i++) {
                best_boxes[i].x0 = rc.pool[chain[i]].x0;
                best_boxes[i].y0 = rc.pool[chain[i]].y0;
                best_boxes[i].x1 = rc.pool[chain[i]].x1;
                best_boxes[i].y1 = rc.pool[chain[i]].y1;
                best_boxes[i].ink = rc.pool[chain[i]].ink;
            }
        }
    }
    recog_scratch_free(&sc);
    if ((size_t)best_n > max)
        best_n = (int)max;
    memcpy(boxes, best_boxes, sizeof best_boxes[0] * (size_t)best_n);
    *n = (size_t)best_n;
    *dark_ink = best_dark;
    return RECOG_OK;
}
