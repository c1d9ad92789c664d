/*
 * scene_truth: read and write frame ground-truth lines (see scene_truth.h).
 */
#include "scene_truth.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

const char *scene_truth_strerror(int err)
{
    switch (err) {
    case SCENE_TRUTH_OK:
        return "success";
    case SCENE_TRUTH_ERR_PARSE:
        return "malformed truth line";
    case SCENE_TRUTH_ERR_IO:
        return "write error";
    default:
        return "unknown error";
    }
}

int scene_truth_write(FILE *f, const char *file, const struct scene *s)
{
    for (int i = 0; i < s->nplates; i++) {
        const struct scene_plate *p = &s->plates[i];
        if (fprintf(f, "%s\t%d\t%d\t%d\t%d\t%s\n", file, p->box.x, p->box.y, p->box.w, p->box.h,
                    p->text) < 0)
            return SCENE_TRUTH_ERR_IO;
    }
    return ferror(f) ? SCENE_TRUTH_ERR_IO : 0;
}

int scene_truth_write_chars(FILE *f, const char *file, const struct scene *s)
{
    for (int i = 0; i < s->nplates; i++) {
        const struct scene_plate *p = &s->plates[i];
        for (int k = 0; k < p->nchars; k++) {
            const struct scene_box *b = &p->chars[k];
            if (fprintf(f, "%s\t%s\t%d\t%c\t%d\t%d\t%d\t%d\n", file, p->text, k, p->text[k], b->x,
                        b->y, b->w, b->h) < 0)
                return SCENE_TRUTH_ERR_IO;
        }
    }
    return ferror(f) ? SCENE_TRUTH_ERR_IO : 0;
}

/*
 * Splits line into at most max fields separated by runs of spaces / tabs, stopping at the end
 * of the line. Each field is copied into the matching buffer of size sizes[i]. Returns the
 * number of fields, or -1 if a field does not fit or there are more than max.
 */
static int split(const char *line, int max, char **bufs, const size_t *sizes)
{
    int n = 0;
    const char *p = line;
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0' || *p == '\n' || *p == '\r')
            break;
        const char *start = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            p++;
        size_t len = (size_t)(p - start);
        if (n == max || len >= sizes[n])
            return -1;
        memcpy(bufs[n], start, len);
        bufs[n][len] = '\0';
        n++;
    }
    /* Only a line ending may follow. */
    while (*p == '\r' || *p == '\n')
        p++;
    return *p ? -1 : n;
}

static int parse_int(const char *s, int min, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > INT_MAX)
        return -1;
    *out = (int)v;
    return 0;
}

int scene_truth_parse(const char *line, struct scene_truth *out)
{
    struct scene_truth t;
    char num[4][16];
    char *bufs[6] = {t.file, num[0], num[1], num[2], num[3], t.text};
    size_t sizes[6] = {sizeof t.file, 16, 16, 16, 16, sizeof t.text};
    if (!line || split(line, 6, bufs, sizes) != 6)
        return SCENE_TRUTH_ERR_PARSE;
    if (parse_int(num[0], INT_MIN, &t.box.x) || parse_int(num[1], INT_MIN, &t.box.y) ||
        parse_int(num[2], 0, &t.box.w) || parse_int(num[3], 0, &t.box.h))
        return SCENE_TRUTH_ERR_PARSE;
    *out = t;
    return 0;
}

int scene_truth_parse_char(const char *line, struct scene_truth_char *out)
{
    struct scene_truth_char t;
    char num[5][16], ch[2];
    char *bufs[8] = {t.file, t.text, num[0], ch, num[1], num[2], num[3], num[4]};
    size_t sizes[8] = {sizeof t.file, sizeof t.text, 16, 2, 16, 16, 16, 16};
    if (!line || split(line, 8, bufs, sizes) != 8)
        return SCENE_TRUTH_ERR_PARSE;
    if (parse_int(num[0], 0, &t.index) || parse_int(num[1], INT_MIN, &t.box.x) ||
        parse_int(num[2], INT_MIN, &t.box.y) || parse_int(num[3], 0, &t.box.w) ||
        parse_int(num[4], 0, &t.box.h))
        return SCENE_TRUTH_ERR_PARSE;
    if ((size_t)t.index >= strlen(t.text) || t.text[t.index] != ch[0])
        return SCENE_TRUTH_ERR_PARSE;
    t.c = ch[0];
    *out = t;
    return 0;
}
