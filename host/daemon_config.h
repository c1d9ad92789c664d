/*
 * daemon_config: the settings of alprd, read from a `key = value` file (see
 * docs/alprd.conf.example): where the store service's reader's socket is, which unit and camera
 * this is, how to set up the board, how reads are formed, and the health schedule.
 *
 * Syntax: one `key = value` per line; `#` starts a comment; blank lines ignored; values are
 * taken verbatim after trimming (no quoting). Unknown keys, malformed numbers and values out of
 * range are errors naming the file, line and key.
 *
 * Obsolete keys: the keys of the store alprd no longer opens (db, purge_interval_s,
 * store_cache_kib: the store service owns the store, its cache and its purge) are still checked
 * as before, then ignored and listed in cfg->ignored, so that a unit's configuration from the
 * previous release keeps its daemon running after the upgrade (reads are not left unread while
 * somebody edits a file); the caller warns. They will be refused in the next release.
 *
 * Ownership: struct daemon_config holds its strings in fixed buffers; nothing to free.
 */
#ifndef DAEMON_CONFIG_H
#define DAEMON_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "plate_region.h"

#define DAEMON_CONFIG_STR_MAX     256
#define DAEMON_CONFIG_LINE_MAX    1024
#define DAEMON_CONFIG_MAX_IGNORED 8

enum daemon_config_error {
    DAEMON_CONFIG_OK = 0,
    DAEMON_CONFIG_ERR_IO = -1,     /* the file cannot be opened or read */
    DAEMON_CONFIG_ERR_SYNTAX = -2, /* a line is not `key = value`, or is too long */
    DAEMON_CONFIG_ERR_KEY = -3,    /* unknown key */
    DAEMON_CONFIG_ERR_VALUE = -4,  /* malformed or out-of-range value */
};

/* An obsolete key the file set, ignored (its strings are static). */
struct daemon_config_ignored {
    int line;
    const char *key;
    const char *reason; /* e.g. "the store service purges" */
};

struct daemon_config {
    char store_socket[DAEMON_CONFIG_STR_MAX]; /* the reader's socket ("" = the default) */
    char unit[DAEMON_CONFIG_STR_MAX];         /* roadside unit id, e.g. "UNIT-01" */
    char camera[DAEMON_CONFIG_STR_MAX];       /* camera id on that unit */
    char serial[DAEMON_CONFIG_STR_MAX];       /* board serial to open ("" = the first board) */
    char agency[DAEMON_CONFIG_STR_MAX];       /* agency operating the unit, stored with each read */
    int non_governmental;       /* 1: the unit belongs to a non-governmental source (R9) */
    double latitude, longitude; /* the unit's GPS position (stationary) */
    int has_position;
    int frame_width, frame_height; /* FRAME_SIZE register */
    int window_log2;               /* THRESH_WINDOW[3:0] */
    int thresh_offset;             /* THRESH_PLANE_0 offset t (of 256) */
    int thresh_contrast;           /* THRESH_PLANE_0 minimum contrast (gray levels) */
    int roi_y, roi_h;              /* ROI_Y: the lane band (0,0 = whole frame) */
    double min_confidence;         /* readings below are ignored (0..100) */
    int track_gap_ms;              /* a vehicle's read ends after this long unseen */
    int min_frames;                /* frames a vehicle must be seen in */
    int health_interval_s;         /* health line period (0 = only on SIGUSR1) */
    int queue_frames;              /* frames buffered between USB and recognition */
    int use_syslog;                /* alerts and health also to syslog */
    enum plate_region region;      /* plate-format prior of the recognizer (none by default) */
    /* The obsolete keys the files loaded set, in order (the first DAEMON_CONFIG_MAX_IGNORED). */
    struct daemon_config_ignored ignored[DAEMON_CONFIG_MAX_IGNORED];
    size_t n_ignored;
};

/* Fills the defaults (documented in docs/alprd.conf.example). */
void daemon_config_default(struct daemon_config *cfg);

/* Whether the lane band (roi_y, roi_h) lies inside the frame (frame_height): 1 or 0. The one
 * statement of this rule, for the configuration file and the board's registers alike. */
int daemon_config_roi_fits(const struct daemon_config *cfg);

/*
 * Reads path into *cfg (on top of what it holds, normally the defaults). On failure *cfg may be
 * partly updated and err (if not NULL) gets "FILE:LINE: message" (or "FILE: message" for keys
 * that do not fit together, such as a lane band beyond the frame). Obsolete keys with valid
 * values are appended to cfg->ignored (the first DAEMON_CONFIG_MAX_IGNORED of them). Returns 0 or a
 * negative DAEMON_CONFIG_ERR_*.
 */
int daemon_config_load(const char *path, struct daemon_config *cfg, char *err, size_t errlen)
    __attribute__((warn_unused_result));

const char *daemon_config_strerror(int err);

#endif
