/*
 * usbboard: the simulated camera board as a USB device under umockdev.
 *
 * It builds a umockdev testbed (a fake /sys and /dev seen by programs that run with the
 * umockdev preload library: this process itself under umockdev-wrapper, or children started
 * with usbboard_child_env()), adds the board as a USB device (sysfs attributes and the binary
 * `descriptors` file: VID:PID 1209:0001, one vendor interface, bulk IN 0x81 and bulk OUT 0x02),
 * and answers the usbdevfs ioctls that libusb's Linux backend sends to its device node
 * (GET_CAPABILITIES, GETDRIVER, CLAIM/RELEASEINTERFACE, SETINTERFACE, SETCONFIGURATION,
 * CLEAR_HALT, RESET, SUBMITURB, REAPURB, REAPURBNDELAY, DISCARDURB). Control URBs are answered
 * at once: the standard requests (descriptors, strings, GET_STATUS, SET_CONFIGURATION,
 * CLEAR_FEATURE) and the vendor register requests of docs/PROTOCOL.md, through sim/usbsim.
 * Bulk IN URBs wait until the board has bytes for them (a device thread feeds them from
 * usbsim_stream_read); bulk OUT goes to the test-frame injection.
 *
 * umockdev cannot make the device node signal "URB ready" to poll(): its fd is a socket that is
 * always writable, so libusb's event loop would spin. The board therefore holds a
 * REAPURBNDELAY that finds nothing for up to reap_wait_ms (default 10 ms) and answers it as soon
 * as a URB completes: the event thread sleeps in the ioctl instead of spinning. Because the
 * preload library serialises a process's ioctls on one device, another thread's ioctl can wait
 * up to that long. docs/DRIVER.md has the details.
 *
 * Fault injection: stream faults (usbsim_fault), a stalled IN endpoint, unplug (every URB in
 * flight completes with ENODEV, further ioctls fail with ENODEV, the device leaves the testbed
 * with a "remove" uevent) and replug (the device comes back with the next device number and an
 * "add" uevent).
 *
 * Ownership: usbboard_new() returns a board that owns its testbed, handler and usbsim; the
 * config's frames are borrowed and must outlive it. usbboard_free() detaches everything. The
 * functions may be called from any thread (one internal lock).
 */
#ifndef USBBOARD_H
#define USBBOARD_H

#include "usbsim.h"

#include <stddef.h>
#include <stdint.h>

#define USBBOARD_BUS           1
#define USBBOARD_MAX_SERIAL    16
#define USBBOARD_MAX_URB_BYTES (16u << 20) /* largest URB buffer accepted (EINVAL above) */

enum usbboard_error {
    USBBOARD_OK = 0,
    USBBOARD_ERR_NOMEM = -1,
    USBBOARD_ERR_INVALID = -2, /* bad serial or config */
    USBBOARD_ERR_TESTBED = -3, /* umockdev refused the device or the ioctl handler */
    USBBOARD_ERR_STATE = -4,   /* unplug when unplugged, replug when plugged */
    USBBOARD_ERR_SIM = -5,     /* the device side could not be created (see usbsim) */
};
const char *usbboard_strerror(int err);

struct usbboard_config {
    struct usbsim_config sim;
    const char *serial;    /* iSerialNumber, 8-16 of [0-9A-Z-]; NULL: "SIM00001" */
    unsigned reap_wait_ms; /* how long an empty REAPURBNDELAY is held (0: 10 ms) */
    int verbose;           /* log every ioctl / request on stderr */
};

/* Counters of the USB side. */
struct usbboard_stats {
    uint64_t urbs_submitted, urbs_reaped, urbs_discarded;
    uint64_t control_requests, control_stalls;
    uint64_t bulk_in_bytes, bulk_out_bytes;
    uint64_t unknown_ioctls;
    int plugged;
    unsigned devnum;
};

struct usbboard;

/*
 * Creates the testbed (this sets $UMOCKDEV_DIR in the environment) and plugs the board in.
 * uevents ("remove" at unplug, "add" at replug) can only be sent by a process that runs under
 * the umockdev preload library; without it the board sends none (and says so once on stderr):
 * clients then learn of an unplug from ENODEV and find the board again only by scanning.
 * Returns 0 and sets *out, or a negative usbboard_error.
 */
int usbboard_new(const struct usbboard_config *cfg, struct usbboard **out)
    __attribute__((warn_unused_result));

/* Unplugs if needed, stops the device thread and frees everything. Accepts NULL. */
void usbboard_free(struct usbboard *b);

/*
 * Unplug: completes every URB in flight with -ENODEV, fails every later ioctl of the clients
 * that had the device open with ENODEV, removes the device from the testbed and sends a
 * "remove" uevent. Returns 0 or USBBOARD_ERR_STATE (already unplugged).
 */
int usbboard_unplug(struct usbboard *b) __attribute__((warn_unused_result));

/*
 * Replug: the board comes back at the next device number, in its power-up state (registers at
 * reset, not running; the frame source continues where it was), with an "add" uevent.
 * Returns 0, USBBOARD_ERR_STATE (plugged) or USBBOARD_ERR_TESTBED.
 */
int usbboard_replug(struct usbboard *b) __attribute__((warn_unused_result));

/* Arms a stream fault on the device side (see enum usbsim_fault). */
void usbboard_fault(struct usbboard *b, enum usbsim_fault fault, uint32_t arg);

/* While on, control requests are not answered (the host's transfers time out); turning it off
 * answers those still waiting. */
void usbboard_hold_control(struct usbboard *b, int on);

/* Halts bulk IN (its URBs complete with -EPIPE until the host clears the halt). */
void usbboard_stall_in(struct usbboard *b);

/* Device node of the board while plugged ("/dev/bus/usb/001/002"); "" when unplugged. */
void usbboard_devnode(struct usbboard *b, char *buf, size_t size);

void usbboard_stats(struct usbboard *b, struct usbboard_stats *out);
void usbboard_sim_stats(struct usbboard *b, struct usbsim_stats *out);

/*
 * Environment additions for a child process that must see the board: sets LD_PRELOAD to the
 * umockdev preload library (prepended to any existing value) and, for sanitizer builds, allows
 * it ahead of the ASan runtime. $UMOCKDEV_DIR is already set by usbboard_new(). Returns 0 or -1.
 */
int usbboard_child_env(void);

/*
 * Makes the calling program run under the umockdev preload library: if it does not already, it
 * sets the environment as usbboard_child_env() does and re-executes /proc/self/exe with argv
 * (so it does not return). Needed by a process that creates a board and later unplugs/replugs
 * it, since the uevents that announce it only work in a preloaded process. Returns 0 when the
 * process is already preloaded, -1 (with errno) if the re-execution failed.
 */
int usbboard_reexec_preloaded(char **argv);

#endif
