/*
 * track: turns per-frame plate readings into one read per passing vehicle.
 *
 * A vehicle is seen in many consecutive frames. Each reading of a frame is attached to the open
 * track it continues (same or nearly the same text, or an overlapping box in the next frames
 * while the text is still unsettled: TRACK_OVERLAP_MS); a track that has not been seen for `gap_ms`
 * ends and yields one read: the text most supported over its frames (sum of confidences), the best
 * frame for that text (its reading, box and a gray crop kept as evidence), and how many frames
 * agreed. The same plate seen again after its track ended is a new read.
 *
 * Ownership: the tracker owns its tracks; a struct track_read popped from it is the caller's
 * and is released with track_read_free(). Not thread-safe: one tracker per worker thread.
 */
#ifndef TRACK_H
#define TRACK_H

#include <stddef.h>
#include <stdint.h>

#include "recog.h"

#define TRACK_MAX_OPEN  32 /* open tracks at once; the oldest is ended to make room */
#define TRACK_MAX_TEXTS 16 /* distinct texts remembered per track */
/* The evidence crop keeps a margin around the characters' box so that the whole plate (frame,
 * state name, slogan) is in it: TRACK_CROP_MARGIN pixels, or 60 % of the box height if more. */
#define TRACK_CROP_MARGIN 8
/* An overlapping box with a different text continues a track only when the track was seen this
 * recently (a misread in the next frames), never a new vehicle arriving where the last one left. */
#define TRACK_OVERLAP_MS 200

enum track_error {
    TRACK_OK = 0,
    TRACK_ERR_NOMEM = -1,
    TRACK_ERR_INVALID = -2,
};
const char *track_strerror(int err);

struct track_config {
    int64_t gap_ms;       /* a track ends after this long unseen (default 600) */
    int max_edit;         /* readings within this edit distance continue a track (default 2) */
    float min_confidence; /* readings below this (0..100) are ignored (default 0) */
    int min_frames;       /* tracks seen in fewer frames yield no read (default 1) */
};
void track_config_default(struct track_config *cfg);

/* A finished vehicle. */
struct track_read {
    struct recog_plate best;            /* the best frame's reading of the winning text */
    float votes;                        /* summed confidence of the winning text */
    int frames_seen;                    /* frames with any reading attached to the track */
    int frames_agree;                   /* frames whose reading was exactly the winning text */
    int64_t first_ms, last_ms, best_ms; /* times of the first, last and best frame */
    uint32_t best_frame;                /* board frame number of the best frame */
    int crop_w, crop_h;                 /* gray crop of the best frame around the plate */
    uint8_t *crop;                      /* crop_w * crop_h bytes, owned */
};
void track_read_free(struct track_read *r);

struct tracker;

/* Creates a tracker (cfg NULL: defaults). Returns 0 and *out, or TRACK_ERR_NOMEM. */
int track_new(const struct track_config *cfg, struct tracker **out)
    __attribute__((warn_unused_result));
void track_free(struct tracker *t);

/*
 * Adds the readings of one frame taken at now_ms (monotonic, non-decreasing). gray is the frame
 * the boxes refer to (width x height, stride), used to keep the evidence crop; it may be NULL
 * (no crop). Returns 0, TRACK_ERR_INVALID or TRACK_ERR_NOMEM (the tracker stays usable).
 */
int track_frame(struct tracker *t, int64_t now_ms, uint32_t frame_no,
                const struct recog_result *res, const uint8_t *gray, int width, int height,
                int stride) __attribute__((warn_unused_result));

/*
 * Ends the tracks unseen since before now_ms - gap_ms (all tracks when flush is set: at
 * shutdown) and moves the first finished read into *out. Returns 1 when *out was filled, 0 when
 * no read is ready. Call repeatedly until it returns 0.
 */
int track_pop(struct tracker *t, int64_t now_ms, int flush, struct track_read *out);

/* Number of open tracks (for health reports). */
size_t track_open_count(const struct tracker *t);

/* The crop margin (pixels) for a characters' box of height h. */
int track_crop_margin(int h);

/*
 * Edit distance between two plate texts where OCR-confusable pairs (0/O/D/Q, 1/I/L, 8/B, 5/S,
 * 2/Z, 6/G) cost a half. Returned in halves (2 = one full edit).
 */
int track_text_distance2(const char *a, const char *b);

#endif
