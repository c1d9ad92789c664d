/*
 * alpr_dev: the host driver of the camera board (libusb-1.0). Opens a board, reads and writes
 * its registers with the vendor control requests of docs/PROTOCOL.md, streams the bulk IN
 * result stream with several asynchronous transfers in flight, and hands up only complete,
 * CRC-checked frames (driver/wire.h's parser), through a callback or a blocking
 * alpr_dev_next_frame(). It survives an unplug: transfers are drained, the caller is told
 * (ALPR_DEV_EVENT_NO_DEVICE), and when the board comes back (hotplug, or polling) it is reopened,
 * its configuration registers restored and the stream restarted (ALPR_DEV_EVENT_RECONNECTED).
 *
 * Threads: each open device runs one event thread of its own (libusb event handling, transfer
 * callbacks, reconnection). Frame and event callbacks are called on that thread only, with the
 * driver's lock held: they must return quickly and must not call any alpr_dev_* function. The
 * other calls may come from any caller thread (they take the internal lock).
 *
 * Ownership: alpr_dev_open() returns a handle released with alpr_dev_close(). Frames passed to
 * the frame callback are borrowed for the call; frames returned by alpr_dev_next_frame() are the
 * caller's and are released with wire_frame_free(). Out-parameters are written only on success.
 */
#ifndef ALPR_DEV_H
#define ALPR_DEV_H

#include "wire.h"

#include <stddef.h>
#include <stdint.h>

#define ALPR_DEV_WARN_UNUSED __attribute__((warn_unused_result))

/* Errors: every fallible call returns 0 or one of these. */
enum alpr_dev_error {
    ALPR_DEV_OK = 0,
    ALPR_DEV_ERR_INVALID = -1,   /* bad argument */
    ALPR_DEV_ERR_NOMEM = -2,     /* out of memory */
    ALPR_DEV_ERR_NOT_FOUND = -3, /* no board with that VID:PID (and serial) */
    ALPR_DEV_ERR_ACCESS = -4,    /* permission denied on the device node */
    ALPR_DEV_ERR_BUSY = -5,      /* the interface is claimed by another program */
    ALPR_DEV_ERR_NO_DEVICE = -6, /* the board went away (unplugged) */
    ALPR_DEV_ERR_STALL = -7,     /* the board refused the request (unknown register, RO, range) */
    ALPR_DEV_ERR_TIMEOUT = -8,   /* no answer in time */
    ALPR_DEV_ERR_PROTOCOL = -9,  /* the answer had the wrong size, or the board is not a board */
    ALPR_DEV_ERR_STATE = -10,    /* not allowed now (streaming already / not streaming) */
    ALPR_DEV_ERR_USB = -11,      /* another libusb failure */
    ALPR_DEV_ERR_STOPPED = -12,  /* alpr_dev_next_frame: the stream was stopped */
};

/* A static English description of an alpr_dev_error ("unknown error" for others). */
const char *alpr_dev_strerror(int err);

/* ---- Finding boards ---------------------------------------------------------------------- */

#define ALPR_DEV_MAX_SERIAL 16 /* PROTOCOL.md: 8-16 characters [0-9A-Z-] */
#define ALPR_DEV_MAX_STRING 64

struct alpr_dev_info {
    uint8_t bus, address;
    uint16_t vid, pid, bcd_device;
    char serial[ALPR_DEV_MAX_SERIAL + 1]; /* "" when it cannot be read */
    char manufacturer[ALPR_DEV_MAX_STRING];
    char product[ALPR_DEV_MAX_STRING];
};

/*
 * Lists the boards with vid:pid (0:0 means WIRE_USB_VID:WIRE_USB_PID) into out[0..max), reading
 * their string descriptors (boards that cannot be opened are listed with empty strings).
 * Sets *n to the number found (may exceed max; only max are written).
 * Returns 0, ALPR_DEV_ERR_NOMEM or ALPR_DEV_ERR_USB (libusb cannot start).
 */
int alpr_dev_list(uint16_t vid, uint16_t pid, struct alpr_dev_info *out, size_t max,
                  size_t *n) ALPR_DEV_WARN_UNUSED;

/* ---- Opening ----------------------------------------------------------------------------- */

struct alpr_dev_open_opts {
    uint16_t vid, pid;           /* 0:0 means WIRE_USB_VID:WIRE_USB_PID */
    const char *serial;          /* NULL: the first board found */
    unsigned control_timeout_ms; /* register access timeout (0: 1000) */
    int reconnect;               /* after an unplug, reopen the same board when it comes back */
    unsigned poll_ms;            /* reconnection polling interval (0: 200); a poll that does not
                                    find the board in libusb's list scans the bus anew (a lost
                                    hotplug event does not hide the board for good) */
    int no_hotplug;              /* reconnect by polling only, even where libusb has hotplug */
};

struct alpr_dev;

/*
 * Opens the board, claims interface 0 and checks the ID register. opts may be NULL (defaults).
 * Returns 0 and sets *out, or ALPR_DEV_ERR_NOT_FOUND, _ACCESS, _BUSY, _NO_DEVICE, _PROTOCOL
 * (ID register is not "ALPR"), _NOMEM or _USB.
 */
int alpr_dev_open(const struct alpr_dev_open_opts *opts,
                  struct alpr_dev **out) ALPR_DEV_WARN_UNUSED;

/* Stops streaming if needed, waits for every transfer callback, releases everything. Accepts
 * NULL. */
void alpr_dev_close(struct alpr_dev *d);

/* The opened board's identity (strings as read at open). */
void alpr_dev_get_info(const struct alpr_dev *d, struct alpr_dev_info *out);

/* ---- Registers ----------------------------------------------------------------------------- */

/*
 * READ_REG: returns 0 and sets *value, or ALPR_DEV_ERR_STALL (unknown register), _TIMEOUT,
 * _NO_DEVICE, _PROTOCOL (short answer) or _USB.
 */
int alpr_dev_reg_read(struct alpr_dev *d, unsigned addr, uint32_t *value) ALPR_DEV_WARN_UNUSED;

/*
 * WRITE_REG: returns 0, or ALPR_DEV_ERR_STALL (unknown or read-only register, value out of
 * range), _TIMEOUT, _NO_DEVICE or _USB. Successful writes to the configuration registers
 * (FRAME_SIZE .. ROI_Y) are remembered and written again after a reconnection.
 */
int alpr_dev_reg_write(struct alpr_dev *d, unsigned addr, uint32_t value) ALPR_DEV_WARN_UNUSED;

/* ---- Test-frame injection (PROTOCOL.md section 4) ----------------------------------------- */

/*
 * Sends one w x h gray frame (rows stride bytes apart) on bulk OUT as INJ_HEAD and INJ_ROW
 * chunks. The board takes it as its next camera frame when CONTROL.SOURCE is 1 (write CONTROL
 * with WIRE_CONTROL_SOURCE_INJECT; alpr_dev_start() keeps the bit). Blocks until the board took
 * the bytes. Returns 0, ALPR_DEV_ERR_INVALID (size outside 1..2048, stride < w), _NOMEM,
 * _NO_DEVICE, _TIMEOUT, _STALL or _USB.
 */
int alpr_dev_inject_frame(struct alpr_dev *d, const uint8_t *gray, int w, int h,
                          int stride) ALPR_DEV_WARN_UNUSED;

/* ---- Streaming ----------------------------------------------------------------------------- */

enum alpr_dev_event {
    ALPR_DEV_EVENT_NO_DEVICE = 1,   /* the board went away; the transfers are drained */
    ALPR_DEV_EVENT_RECONNECTED = 2, /* it is back, configured and streaming again */
    ALPR_DEV_EVENT_STALL = 3,       /* bulk IN stalled; the driver cleared the halt */
};

/* Frame callback (event thread): f is borrowed for the call. */
typedef void (*alpr_dev_frame_fn)(void *ctx, const struct wire_frame *f);
/* Event callback (event thread). */
typedef void (*alpr_dev_event_fn)(void *ctx, enum alpr_dev_event ev);

struct alpr_dev_stream_opts {
    unsigned transfers;    /* bulk transfers in flight (0: 8; at most 64) */
    size_t transfer_bytes; /* bytes per transfer, rounded up to a multiple of the endpoint's
                              wMaxPacketSize (0: 128 KiB; at most 4 MiB) */
    size_t max_records;    /* parser's cap of records per frame (0: WIRE_DEFAULT_MAX_RECORDS) */
    unsigned queue_frames; /* frames alpr_dev_next_frame() can fall behind by (0: 4); when the
                              queue is full the oldest frame is dropped and counted */
    alpr_dev_frame_fn on_frame; /* NULL: frames go to the queue for alpr_dev_next_frame() */
    alpr_dev_event_fn on_event; /* may be NULL */
    void *ctx;
    int no_run; /* do not set CONTROL.RUN at start / clear it at stop */
};

/*
 * Starts streaming: submits the transfers, then sets CONTROL.RUN (unless no_run). opts may be
 * NULL. Returns 0, ALPR_DEV_ERR_STATE (already streaming), _INVALID, _NOMEM, _NO_DEVICE or
 * _USB; on failure nothing is left in flight.
 */
int alpr_dev_start(struct alpr_dev *d,
                   const struct alpr_dev_stream_opts *opts) ALPR_DEV_WARN_UNUSED;

/*
 * Waits up to timeout_ms (negative: forever) for the next queued frame and moves it to *out
 * (release with wire_frame_free()). Returns 0, ALPR_DEV_ERR_TIMEOUT, ALPR_DEV_ERR_STOPPED (not
 * streaming, or a frame callback is set), or ALPR_DEV_ERR_NO_DEVICE (the board is gone and no
 * reconnection was asked for). While a reconnection is pending it keeps waiting.
 */
int alpr_dev_next_frame(struct alpr_dev *d, struct wire_frame *out,
                        int timeout_ms) ALPR_DEV_WARN_UNUSED;

/*
 * Stops streaming: clears CONTROL.RUN (unless no_run), cancels every transfer and waits for all
 * their callbacks; queued frames are freed. Returns 0 or ALPR_DEV_ERR_STATE (not streaming).
 */
int alpr_dev_stop(struct alpr_dev *d);

/* Counters since open. */
struct alpr_dev_counters {
    struct wire_stats wire;        /* the parser's (every malformed byte accounted there) */
    uint64_t transfers;            /* bulk transfers completed with data or empty */
    uint64_t transfer_errors;      /* completed with an error status (stall, overflow, ...) */
    uint64_t bytes;                /* bulk IN bytes received */
    uint64_t frames_queue_dropped; /* delivered frames dropped because the queue was full */
    uint64_t disconnects, reconnects;
    int connected; /* the board is there now */
    int streaming;
};
void alpr_dev_get_counters(struct alpr_dev *d, struct alpr_dev_counters *out);

#endif
