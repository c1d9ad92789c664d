/*
 * usbsim: the device side of the simulated USB board: the camera board as seen from its USB
 * controller. It holds the register file of docs/PROTOCOL.md section 2, takes camera frames
 * from a list of gray images, runs them through an engine (its own pass-through engine, the
 * bit-exact C model or the Verilated RTL) and turns the result into the bulk IN byte stream of
 * section 3, with fault injection for the tests (garbage, truncated frames, corrupted bytes,
 * lost chunks).
 *
 * It knows nothing about USB transfers: sim/usbboard/ (the umockdev glue) calls
 * usbsim_reg_read/write for the vendor control requests and usbsim_stream_read for bulk IN.
 *
 * Ownership: the sim borrows the frames given in its config (they must outlive it) and owns
 * everything else. Not thread-safe: one thread at a time (the glue holds a lock).
 */
#ifndef USBSIM_H
#define USBSIM_H

#include <stddef.h>
#include <stdint.h>

#include "image.h"
#include "wire.h"

#define USBSIM_WARN_UNUSED __attribute__((warn_unused_result))

/* Errors (negative). */
enum usbsim_error {
    USBSIM_OK = 0,
    USBSIM_ERR_NOMEM = -1,   /* out of memory */
    USBSIM_ERR_INVALID = -2, /* bad configuration */
    USBSIM_ERR_STALL = -3,   /* the request is refused: the device stalls (EPIPE on the host) */
    USBSIM_ERR_ENGINE = -4,  /* the selected engine is not available in this build */
};
const char *usbsim_strerror(int err);

/*
 * What turns camera pixels into chunks.
 *   PASS:  this file's own engine: frame head, every row of the window in GRAY8, no records
 *          (it does not threshold: MASK1 is refused with a stall). Always available.
 *   MODEL: the bit-exact C model (sim/model.h).
 *   RTL:   the Verilated RTL (sim/verilator/vboard.h), through config.make_engine (the
 *          simulated board program provides it; without it USBSIM_ERR_ENGINE).
 */
enum usbsim_engine { USBSIM_ENGINE_PASS, USBSIM_ENGINE_MODEL, USBSIM_ENGINE_RTL };

/* Parses "pass", "model" or "rtl". Returns 0 and sets *out, or USBSIM_ERR_INVALID. */
int usbsim_engine_parse(const char *word, enum usbsim_engine *out) USBSIM_WARN_UNUSED;

/*
 * An engine supplied from outside libalprsim (the RTL: sim/usbboard/usbboard_rtl.c links the
 * Verilated board, which libalprsim cannot). reg_read/reg_write return 0, or non-zero to stall.
 * row() feeds camera row y (w pixels) of a frame of h rows, with the start-of-frame marker on
 * the first pixel of row 0 and end-of-line on every last pixel, and sends whatever the board
 * outputs meanwhile through out(out_ctx, ...) (after the last row: everything the frame still
 * had to send). Returns 0 or non-zero on failure. destroy() releases ctx (usbsim_free calls it).
 */
struct usbsim_engine_ops {
    void *ctx;
    int (*reg_read)(void *ctx, unsigned addr, uint32_t *value);
    int (*reg_write)(void *ctx, unsigned addr, uint32_t value);
    int (*row)(void *ctx, const uint8_t *pixels, int w, int y, int h, wire_output_fn out,
               void *out_ctx);
    void (*destroy)(void *ctx);
};

struct usbsim_config {
    enum usbsim_engine engine;
    /* RTL: creates the engine (called by usbsim_new; returns 0 and fills *ops, or non-zero). */
    int (*make_engine)(struct usbsim_engine_ops *ops);
    const struct image *frames; /* the camera's frames, borrowed; may be NULL when nframes 0 */
    size_t nframes;
    int loop;          /* start over after the last frame (else the camera goes dark) */
    uint64_t count;    /* stop the camera after this many frames (0: no limit) */
    double fps;        /* camera frame rate; 0: a new frame as soon as the output is free.
                          With fps > 0 a frame whose start comes while the output is still busy
                          sending the last one is dropped, counted in CNT_DROPPED and its frame
                          number skipped, with every engine (PROTOCOL.md sections 3.2, 5) */
    uint32_t clock_hz; /* timestamp clock reported in CLOCK_HZ (0: 74 250 000) */
};

/* Faults injected into the stream, each applied to the next frame the board sends. */
enum usbsim_fault {
    USBSIM_FAULT_GARBAGE,    /* arg pseudo-random bytes (with stray sync bytes) before the frame */
    USBSIM_FAULT_TRUNCATE,   /* the frame is cut after arg bytes (0: half of it); the rest lost */
    USBSIM_FAULT_CORRUPT,    /* one payload byte in the middle flipped: the CRC no longer matches */
    USBSIM_FAULT_BAD_CRC,    /* the tail's CRC field flipped */
    USBSIM_FAULT_DROP_CHUNK, /* the frame's second chunk is not sent: a sequence gap */
};

/* Live counters of the simulation (not registers: what the tests compare with the host's). */
struct usbsim_stats {
    uint64_t frames_sent;    /* camera frames started (faulted ones included) */
    uint64_t frames_faulted; /* of which were damaged on purpose */
    uint64_t bytes_queued;   /* bytes put into the stream */
    uint64_t bytes_read;     /* bytes taken by usbsim_stream_read */
};

struct usbsim;

/*
 * Creates a board in its reset state (registers at their reset values, not running).
 * Returns 0 and sets *out, USBSIM_ERR_INVALID (bad config), USBSIM_ERR_ENGINE or
 * USBSIM_ERR_NOMEM.
 */
int usbsim_new(const struct usbsim_config *cfg, struct usbsim **out) USBSIM_WARN_UNUSED;
/* Frees the board. Accepts NULL. */
void usbsim_free(struct usbsim *s);

/*
 * Power cycle (the USB plug pulled and put back; the board is bus powered): the engine, the
 * registers, counters, output FIFO, chunk and frame numbering and the injection go back to
 * their power-up state. The camera does not: it continues where it was, and with fps > 0 the
 * frames whose start passes before the host sets RUN again are not seen by the board (lost to
 * the host, neither numbered nor counted). Armed faults stay armed. Returns 0, or
 * USBSIM_ERR_NOMEM / USBSIM_ERR_ENGINE (a new engine could not be made; nothing changed).
 */
int usbsim_power_cycle(struct usbsim *s) USBSIM_WARN_UNUSED;

/*
 * READ_REG: returns 0 and sets *value, or USBSIM_ERR_STALL for an unknown register.
 */
int usbsim_reg_read(struct usbsim *s, unsigned addr, uint32_t *value) USBSIM_WARN_UNUSED;
/*
 * WRITE_REG with the side effects of PROTOCOL.md (RESET, CLEAR_COUNTERS, RUN). Returns 0, or
 * USBSIM_ERR_STALL for an unknown or read-only register or a value out of range.
 */
int usbsim_reg_write(struct usbsim *s, unsigned addr, uint32_t value) USBSIM_WARN_UNUSED;

/*
 * Takes up to max bytes of the bulk IN stream into buf, at time now_ns (CLOCK_MONOTONIC). When
 * the queued bytes run out, the engine goes on with the frame in progress, row by row, for at
 * most about USBSIM_STEP_NS (so a slow engine such as the RTL never holds the caller for a whole
 * frame), or, when the board runs and no frame is in progress, starts the camera's next frame
 * (with fps > 0 only once its time has come; frames whose start passed while the output was
 * busy are dropped, counted and their numbers skipped, as on the board). A frame with a fault armed
 * is processed whole. Returns the number of bytes written (0: no data now), or USBSIM_ERR_NOMEM.
 */
#define USBSIM_STEP_NS 2000000u
long usbsim_stream_read(struct usbsim *s, uint8_t *buf, size_t max, uint64_t now_ns);

/* Bytes queued and not yet read. */
size_t usbsim_stream_pending(const struct usbsim *s);

/* Whether a frame is in progress (more bytes will come without a new camera frame). */
int usbsim_busy(const struct usbsim *s);

/*
 * Bulk OUT (test-frame injection, PROTOCOL.md section 4): n bytes of INJ_HEAD / INJ_ROW chunks.
 * A complete injected frame becomes the camera's next frame when CONTROL.SOURCE is 1.
 * Malformed chunks are counted in CNT_INJECT_ERR (with every engine). Returns 0 or
 * USBSIM_ERR_NOMEM.
 */
int usbsim_inject_write(struct usbsim *s, const uint8_t *data, size_t n) USBSIM_WARN_UNUSED;

/* Arms a fault for the next frame(s); several may be armed at once (see usbsim_fault). */
void usbsim_fault(struct usbsim *s, enum usbsim_fault fault, uint32_t arg);

/* Copies the live counters out. */
void usbsim_stats(const struct usbsim *s, struct usbsim_stats *out);

#endif
