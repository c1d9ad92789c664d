/* recog/small: small and far plates (small.h). */
#include "recog/small.h"

#include <stdlib.h>
#include <string.h>

#include "recog/internal.h"
#include "recog/label.h"

int recog_small_crop_scale(int width, int height)
{
    int s = height < RECOG_SMALL_CROP_H ? (RECOG_SMALL_CROP_H + height - 1) / height : 1;
    s = s > 3 ? 3 : s;
    while (s > 1 && (width * s > RECOG_MAX_DIM || height * s > RECOG_MAX_DIM))
        s--;
    return s;
}

void recog_small_upscale(const uint8_t *gray, int w, int h, int stride, int s, uint8_t *big)
{
    int sw = w * s, sh = h * s;
    for (int y = 0; y < sh; y++) {
        float fy = (y + 0.5f) / s - 0.5f;
        int y0 = fy < 0 ? 0 : (int)fy, y1 = y0 + 1 < h ? y0 + 1 : h - 1;
        float wy = fy < 0 ? 0 : fy - y0;
        const uint8_t *r0 = gray + (size_t)y0 * stride, *r1 = gray + (size_t)y1 * stride;
        uint8_t *out = big + (size_t)y * sw;
        for (int x = 0; x < sw; x++) {
            float fx = (x + 0.5f) / s - 0.5f;
            int x0 = fx < 0 ? 0 : (int)fx, x1 = x0 + 1 < w ? x0 + 1 : w - 1;
            float wx = fx < 0 ? 0 : fx - x0;
            float v = (r0[x0] * (1 - wx) + r0[x1] * wx) * (1 - wy) +
                      (r1[x0] * (1 - wx) + r1[x1] * wx) * wy;
            out[x] = (uint8_t)(v + 0.5f);
        }
    }
}

/* 16 columns of the dark-ink threshold: sums from the integral rows' right (ia1, ib1) and left
   (ia0, ib0) ends of the windows; a fixed count the compiler turns into vector code. */
static void dark16(const uint8_t *restrict row, const uint32_t *restrict ia1,
                   const uint32_t *restrict ib1, const uint32_t *restrict ia0,
                   const uint32_t *restrict ib0, uint32_t area, uint32_t k, uint8_t *restrict m)
{
    for (int j = 0; j < 16; j++) {
        uint32_t sum = ib1[j] - ia1[j] - ib0[j] + ia0[j];
        m[j] = 256u * row[j] * area < k * sum;
    }
}

int recog_small_binarize_dark(const uint8_t *gray, int width, int height, int stride, int win,
                              int t, uint8_t *mask)
{
    int r = win / 2;
    size_t iw = (size_t)width + 1;
    uint32_t *ii;
    /* 32-bit sums while 256 * 255 * area cannot overflow; otherwise the general form. */
    if (win < 1 || win > 64 || t < 0 || t > 255 || !mask)
        return recog_binarize(gray, width, height, stride, win, t, 1, mask);
    if (!recog_valid_image(gray, width, height, stride))
        return RECOG_ERR_INVALID;
    ii = recog_label_integral(gray, width, height, stride);
    if (!ii)
        return RECOG_ERR_NOMEM;
    for (int y = 0; y < height; y++) {
        int ya = y - r < 0 ? 0 : y - r, yb = y + r + 1 > height ? height : y + r + 1;
        const uint32_t *ia = ii + (size_t)ya * iw, *ib = ii + (size_t)yb * iw;
        const uint8_t *row = gray + (size_t)y * stride;
        uint8_t *m = mask + (size_t)y * width;
        uint32_t k = (uint32_t)(256 - t), area = (uint32_t)((2 * r + 1) * (yb - ya));
        int x = 0;
        /* Columns whose window is clipped by the left or right edge: their own area. */
        for (; x < width && x - r < 0; x++) {
            int xb = x + r + 1 > width ? width : x + r + 1;
            uint32_t sum = ib[xb] - ia[xb] - ib[0] + ia[0];
            m[x] = 256u * row[x] * (uint32_t)(xb * (yb - ya)) < k * sum;
        }
        /* Interior columns: one area for the row, contiguous loads, 16 at a time (vectorized). */
        for (; x + 16 + r <= width; x += 16)
            dark16(row + x, ia + x + r + 1, ib + x + r + 1, ia + x - r, ib + x - r, area, k, m + x);
        for (; x + r + 1 <= width; x++) {
            uint32_t sum = ib[x + r + 1] - ia[x + r + 1] - ib[x - r] + ia[x - r];
            m[x] = 256u * row[x] * area < k * sum;
        }
        for (; x < width; x++) {
            int xa = x - r;
            uint32_t sum = ib[width] - ia[width] - ib[xa] + ia[xa];
            m[x] = 256u * row[x] * (uint32_t)((width - xa) * (yb - ya)) < k * sum;
        }
    }
    free(ii);
    return RECOG_OK;
}

/* Most components the host's labelling of a small frame adds. */
#define SMALL_FRAME_MAX_COMPS 65536

int recog_small_frame_comps(const uint8_t *gray, int width, int height, int stride,
                            const struct recog_comp *comps, size_t ncomps, struct recog_comp **out,
                            size_t *nout)
{
    struct recog_comp *all;
    uint8_t *mask;
    size_t got = 0;
    int rc;
    if (!out || !nout || (!comps && ncomps) || !recog_valid_image(gray, width, height, stride))
        return RECOG_ERR_INVALID;
    if ((long)width * height > RECOG_SMALL_FRAME_PIXELS) {
        *out = NULL;
        return RECOG_OK;
    }
    mask = malloc((size_t)width * height);
    all = malloc(sizeof *all * (ncomps + SMALL_FRAME_MAX_COMPS));
    if (!mask || !all) {
        free(mask);
        free(all);
        return RECOG_ERR_NOMEM;
    }
    if (ncomps)
        memcpy(all, comps, sizeof *all * ncomps);
    rc = recog_small_binarize_dark(gray, width, height, stride, RECOG_SMALL_FRAME_WIN,
                                   RECOG_SMALL_FRAME_T, mask);
    if (rc == 0)
        rc = recog_label(mask, width, height, all + ncomps, SMALL_FRAME_MAX_COMPS, &got);
    free(mask);
    if (rc != 0) {
        free(all);
        return rc;
    }
    {
        /* Taller characters the board's window finds: more text lines to read, no plate more. */
        size_t k = ncomps;
        for (size_t i = ncomps; i < ncomps + got; i++)
            if (all[i].y1 - all[i].y0 + 1 <= RECOG_SMALL_FRAME_MAXH)
                all[k++] = all[i];
        got = k - ncomps;
    }
    *out = all;
    *nout = ncomps + got;
    return RECOG_OK;
}
