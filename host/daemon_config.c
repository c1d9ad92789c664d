#include "daemon_config.h"

#include "board_settings.h"
#include "recog.h"
#include "wire.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void daemon_config_default(struct daemon_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->unit, sizeof cfg->unit, "UNIT-01");
    snprintf(cfg->camera, sizeof cfg->camera, "CAM-1");
    snprintf(cfg->agency, sizeof cfg->agency, "local police");
    cfg->frame_width = 1280;
    cfg->frame_height = 720;
    /* The board settings the recognizer is tuned for (board_settings.h). */
    cfg->window_log2 = BOARD_THRESH_WINDOW & 0xF;
    cfg->thresh_offset = BOARD_THRESH_PLANE0 & 0xFF;
    cfg->thresh_contrast = (BOARD_THRESH_PLANE0 >> 16) & 0xFF;
    cfg->min_confidence = 50;
    cfg->track_gap_ms = 600;
    cfg->min_frames = 2;
    cfg->health_interval_s = 60;
    cfg->queue_frames = 8;
    cfg->use_syslog = 1;
}

const char *daemon_config_strerror(int err)
{
    switch (err) {
    case DAEMON_CONFIG_OK:
        return "success";
    case DAEMON_CONFIG_ERR_IO:
        return "cannot read the configuration file";
    case DAEMON_CONFIG_ERR_SYNTAX:
        return "syntax error";
    case DAEMON_CONFIG_ERR_KEY:
        return "unknown key";
    case DAEMON_CONFIG_ERR_VALUE:
        return "bad value";
    default:
        return "unknown configuration error";
    }
}

enum kind { K_STR, K_INT, K_DOUBLE, K_BOOL, K_REGION };

struct key {
    const char *name;
    enum kind kind;
    size_t offset; /* OBSOLETE for the keys whose value is checked, then ignored */
    double min, max;
    const char *obsolete; /* why an obsolete key is ignored; NULL for the others */
};

#define F(field)   offsetof(struct daemon_config, field)
#define OBSOLETE   SIZE_MAX
#define STORE_OWNS "the store service (alpr-stored) owns the store"
static const struct key keys[] = {
    {"store_socket", K_STR, F(store_socket), 0, 0, NULL},
    {"unit", K_STR, F(unit), 0, 0, NULL},
    {"camera", K_STR, F(camera), 0, 0, NULL},
    {"serial", K_STR, F(serial), 0, 0, NULL},
    {"agency", K_STR, F(agency), 0, 0, NULL},
    {"non_governmental", K_BOOL, F(non_governmental), 0, 1, NULL},
    {"latitude", K_DOUBLE, F(latitude), -90, 90, NULL},
    {"longitude", K_DOUBLE, F(longitude), -180, 180, NULL},
    {"frame_width", K_INT, F(frame_width), 1, 2048, NULL},
    {"frame_height", K_INT, F(frame_height), 1, 2048, NULL},
    {"window_log2", K_INT, F(window_log2), 2, 7, NULL},
    {"thresh_offset", K_INT, F(thresh_offset), 0, 255, NULL},
    {"thresh_contrast", K_INT, F(thresh_contrast), 0, 255, NULL},
    {"roi_y", K_INT, F(roi_y), 0, 2047, NULL},
    {"roi_h", K_INT, F(roi_h), 0, 2048, NULL},
    {"min_confidence", K_DOUBLE, F(min_confidence), 0, 100, NULL},
    {"track_gap_ms", K_INT, F(track_gap_ms), 1, 60000, NULL},
    {"min_frames", K_INT, F(min_frames), 1, 1000, NULL},
    {"health_interval_s", K_INT, F(health_interval_s), 0, 86400, NULL},
    {"queue_frames", K_INT, F(queue_frames), 1, 256, NULL},
    {"syslog", K_BOOL, F(use_syslog), 0, 1, NULL},
    {"region", K_REGION, F(region), 0, 0, NULL},
    /* The previous release's store keys, with their old ranges. */
    {"db", K_STR, OBSOLETE, 0, 0, STORE_OWNS " and alprd sends its reads to store_socket"},
    {"purge_interval_s", K_INT, OBSOLETE, 60, 7 * 86400, "the store service runs the purge"},
    {"store_cache_kib", K_INT, OBSOLETE, 64, 1048576, STORE_OWNS " and its cache"},
};
#undef F
#undef OBSOLETE
#undef STORE_OWNS

static char *trim(char *s)
{
    char *e;
    while (isspace((unsigned char)*s))
        s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static int set_value(struct daemon_config *cfg, const struct key *k, const char *v)
{
    /* An obsolete key's value is checked into scratch space, as its type and range say. */
    union {
        char s[DAEMON_CONFIG_STR_MAX];
        int i;
        double d;
    } scratch;
    char *base = k->obsolete ? (char *)&scratch : (char *)cfg + k->offset;
    char *end;
    switch (k->kind) {
    case K_STR:
        if (strlen(v) >= DAEMON_CONFIG_STR_MAX)
            return -1;
        memcpy(base, v, strlen(v) + 1);
        return 0;
    case K_INT: {
        errno = 0;
        long n = strtol(v, &end, 10);
        if (!*v || *end || errno || n < k->min || n > k->max)
            return -1;
        *(int *)base = (int)n;
        return 0;
    }
    case K_DOUBLE: {
        errno = 0;
        double d = strtod(v, &end);
        if (!*v || *end || errno || !(d >= k->min && d <= k->max))
            return -1;
        *(double *)base = d;
        if (!k->obsolete && (k->offset == offsetof(struct daemon_config, latitude) ||
                             k->offset == offsetof(struct daemon_config, longitude)))
            cfg->has_position = 1;
        return 0;
    }
    case K_BOOL:
        if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
            *(int *)base = 1;
        else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
            *(int *)base = 0;
        else
            return -1;
        return 0;
    case K_REGION:
        return plate_region_parse(v, (enum plate_region *)base) == 0 ? 0 : -1;
    }
    return -1;
}

/* Writes "FILE:LINE: WHAT 'ARG'" into err and returns code. */
static int fail(char *err, size_t errlen, int code, const char *path, int line, const char *what,
                const char *arg)
{
    if (err && errlen)
        snprintf(err, errlen, "%s:%d: %s '%s'", path, line, what, arg);
    return code;
}

int daemon_config_roi_fits(const struct daemon_config *cfg)
{
    return cfg->roi_y >= 0 && cfg->roi_h >= 0 && cfg->roi_y < cfg->frame_height &&
           cfg->roi_y + cfg->roi_h <= cfg->frame_height;
}

int daemon_config_load(const char *path, struct daemon_config *cfg, char *err, size_t errlen)
{
    char buf[DAEMON_CONFIG_LINE_MAX + 2];
    FILE *f = fopen(path, "r");
    int line = 0, rc = 0;
    if (!f) {
        if (err && errlen)
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return DAEMON_CONFIG_ERR_IO;
    }
    while (fgets(buf, sizeof buf, f)) {
        char *hash, *eq, *key, *val;
        const struct key *k = NULL;
        line++;
        if (!strchr(buf, '\n') && !feof(f)) {
            rc = fail(err, errlen, DAEMON_CONFIG_ERR_SYNTAX, path, line, "line longer than",
                      "1024 bytes");
            break;
        }
        hash = strchr(buf, '#');
        if (hash)
            *hash = '\0';
        key = trim(buf);
        if (!*key)
            continue;
        eq = strchr(key, '=');
        if (!eq) {
            rc = fail(err, errlen, DAEMON_CONFIG_ERR_SYNTAX, path, line,
                      "expected `key = value`, got", key);
            break;
        }
        *eq = '\0';
        val = trim(eq + 1);
        key = trim(key);
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            if (strcmp(keys[i].name, key) == 0)
                k = &keys[i];
        if (!k) {
            rc = fail(err, errlen, DAEMON_CONFIG_ERR_KEY, path, line, "unknown key", key);
            break;
        }
        if (set_value(cfg, k, val) != 0) {
            rc = fail(err, errlen, DAEMON_CONFIG_ERR_VALUE, path, line, "bad value for", key);
            /* A name from a list: say which names there are. */
            if (k->kind == K_REGION && err && errlen > strlen(err))
                snprintf(err + strlen(err), errlen - strlen(err), " (expected one of %s)",
                         PLATE_REGION_NAMES);
            break;
        }
        if (k->obsolete && cfg->n_ignored < DAEMON_CONFIG_MAX_IGNORED)
            cfg->ignored[cfg->n_ignored++] =
                (struct daemon_config_ignored){line, k->name, k->obsolete};
    }
    if (!rc && ferror(f)) {
        if (err && errlen)
            snprintf(err, errlen, "%s: read error", path);
        rc = DAEMON_CONFIG_ERR_IO;
    }
    /* Keys that are valid alone but not together: said here, not as a board that refuses them. */
    if (!rc && !daemon_config_roi_fits(cfg)) {
        if (err && errlen)
            snprintf(err, errlen,
                     "%s: the lane band roi_y = %d, roi_h = %d does not fit in "
                     "frame_height = %d",
                     path, cfg->roi_y, cfg->roi_h, cfg->frame_height);
        rc = DAEMON_CONFIG_ERR_VALUE;
    }
    fclose(f);
    return rc;
}
