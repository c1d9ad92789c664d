/*
 * alpr_dev: the board's host driver on libusb-1.0 (see alpr_dev.h).
 *
 * Locking: d->lock guards every field below it in struct alpr_dev. The event thread never holds
 * it while inside libusb_handle_events (the transfer callbacks take it), and a caller never holds
 * it while libusb could run callbacks on its thread: caller-side control transfers are submitted
 * asynchronously and waited for on d->cond, so every callback runs on the event thread. The event
 * thread itself uses libusb's synchronous calls (reopen, restoring registers, clearing a halt)
 * between two rounds of event handling.
 */
#include "alpr_dev.h"

#include <errno.h>
#include <libusb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_TIMEOUT_MS     1000u
#define DEFAULT_POLL_MS        200u
#define DEFAULT_TRANSFERS      8u
#define MAX_TRANSFERS          64u
#define DEFAULT_TRANSFER_BYTES (128u * 1024u)
#define MAX_TRANSFER_BYTES     (4u * 1024u * 1024u)
#define DEFAULT_QUEUE          4u
#define MAX_QUEUE              1024u
#define EVENT_SLICE_US         50000
#define MAX_ERROR_RUN          64u /* transfers failed in a row after which the board counts as gone */
#define CFG_FIRST              WIRE_REG_FRAME_SIZE
#define CFG_LAST               WIRE_REG_ROI_Y

struct xfer {
    struct alpr_dev *d;
    struct libusb_transfer *t;
    uint8_t *buf;
    int inflight;
    int stalled; /* completed with a stall: resubmitted after the halt is cleared */
};

/* One caller-side control transfer being waited for. */
struct ctl_wait {
    struct alpr_dev *d;
    int done;
    enum libusb_transfer_status status;
    int actual;
};

struct alpr_dev {
    libusb_context *ctx;
    struct alpr_dev_open_opts opts;
    char serial[ALPR_DEV_MAX_SERIAL + 1]; /* the board we opened: reconnect to this one */
    pthread_t thread;
    int thread_started;
    libusb_hotplug_callback_handle hotplug;
    int hotplug_registered;

    pthread_mutex_t lock;
    pthread_cond_t cond;
    libusb_device_handle *h; /* NULL while disconnected */
    struct alpr_dev_info info;
    int quit;
    int lost;        /* a NO_DEVICE was seen: close the handle once everything is back */
    int arrived;     /* hotplug saw a board arrive */
    int ctl_pending; /* caller-side control transfers in flight */
    uint64_t next_poll_ms;
    uint32_t shadow[CFG_LAST + 1];
    uint32_t shadow_valid;   /* bit a: shadow[a] was written */
    uint32_t control_source; /* CONTROL.SOURCE as last written */
    uint16_t inj_seq;        /* sequence number of the next injection chunk */

    int streaming, stopping;
    struct alpr_dev_stream_opts so;
    struct xfer *xfers;
    unsigned nxfers, inflight;
    size_t xfer_bytes;
    int need_clear_halt;
    unsigned error_run; /* transfers failed in a row */
    struct wire_parser *parser;
    struct wire_frame *queue;
    unsigned qcap, qhead, qlen;

    struct alpr_dev_counters c;
};

const char *alpr_dev_strerror(int err)
{
    switch (err) {
    case ALPR_DEV_OK:
        return "success";
    case ALPR_DEV_ERR_INVALID:
        return "invalid argument";
    case ALPR_DEV_ERR_NOMEM:
        return "out of memory";
    case ALPR_DEV_ERR_NOT_FOUND:
        return "no board found";
    case ALPR_DEV_ERR_ACCESS:
        return "permission denied on the board's device node";
    case ALPR_DEV_ERR_BUSY:
        return "the board is in use by another program";
    case ALPR_DEV_ERR_NO_DEVICE:
        return "the board went away";
    case ALPR_DEV_ERR_STALL:
        return "the board refused the request (stall)";
    case ALPR_DEV_ERR_TIMEOUT:
        return "timed out";
    case ALPR_DEV_ERR_PROTOCOL:
        return "protocol error (wrong answer size, or not an ALPR board)";
    case ALPR_DEV_ERR_STATE:
        return "not allowed in this state";
    case ALPR_DEV_ERR_USB:
        return "USB error";
    case ALPR_DEV_ERR_STOPPED:
        return "the stream is stopped";
    default:
        return "unknown error";
    }
}

static int map_usb(int r)
{
    switch (r) {
    case LIBUSB_SUCCESS:
        return 0;
    case LIBUSB_ERROR_INVALID_PARAM:
        return ALPR_DEV_ERR_INVALID;
    case LIBUSB_ERROR_ACCESS:
        return ALPR_DEV_ERR_ACCESS;
    case LIBUSB_ERROR_NO_DEVICE:
        return ALPR_DEV_ERR_NO_DEVICE;
    case LIBUSB_ERROR_NOT_FOUND:
        return ALPR_DEV_ERR_NOT_FOUND;
    case LIBUSB_ERROR_BUSY:
        return ALPR_DEV_ERR_BUSY;
    case LIBUSB_ERROR_TIMEOUT:
        return ALPR_DEV_ERR_TIMEOUT;
    case LIBUSB_ERROR_PIPE:
        return ALPR_DEV_ERR_STALL;
    case LIBUSB_ERROR_NO_MEM:
        return ALPR_DEV_ERR_NOMEM;
    default:
        return ALPR_DEV_ERR_USB;
    }
}

static int map_status(enum libusb_transfer_status s)
{
    switch (s) {
    case LIBUSB_TRANSFER_COMPLETED:
        return 0;
    case LIBUSB_TRANSFER_STALL:
        return ALPR_DEV_ERR_STALL;
    case LIBUSB_TRANSFER_TIMED_OUT:
        return ALPR_DEV_ERR_TIMEOUT;
    case LIBUSB_TRANSFER_NO_DEVICE:
        return ALPR_DEV_ERR_NO_DEVICE;
    default:
        return ALPR_DEV_ERR_USB;
    }
}

static uint64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

static void put32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- finding and opening ------------------------------------------------------------------ */

/* Reads string descriptor idx as ASCII into buf (size bytes); "" on failure. */
static void read_string(libusb_device_handle *h, uint8_t idx, char *buf, size_t size)
{
    int r;
    buf[0] = 0;
    if (!idx)
        return;
    r = libusb_get_string_descriptor_ascii(h, idx, (unsigned char *)buf, (int)size);
    if (r < 0)
        buf[0] = 0;
    else
        buf[r < (int)size ? r : (int)size - 1] = 0;
}

static void fill_info(libusb_device *dev, libusb_device_handle *h,
                      const struct libusb_device_descriptor *dd, struct alpr_dev_info *info)
{
    memset(info, 0, sizeof *info);
    info->bus = libusb_get_bus_number(dev);
    info->address = libusb_get_device_address(dev);
    info->vid = dd->idVendor;
    info->pid = dd->idProduct;
    info->bcd_device = dd->bcdDevice;
    if (h) {
        read_string(h, dd->iSerialNumber, info->serial, sizeof info->serial);
        read_string(h, dd->iManufacturer, info->manufacturer, sizeof info->manufacturer);
        read_string(h, dd->iProduct, info->product, sizeof info->product);
    }
}

int alpr_dev_list(uint16_t vid, uint16_t pid, struct alpr_dev_info *out, size_t max, size_t *n)
{
    libusb_context *ctx;
    libusb_device **list;
    ssize_t cnt;
    size_t found = 0;
    if (!n || (max && !out))
        return ALPR_DEV_ERR_INVALID;
    if (!vid && !pid) {
        vid = WIRE_USB_VID;
        pid = WIRE_USB_PID;
    }
    if (libusb_init(&ctx) != 0)
        return ALPR_DEV_ERR_USB;
    cnt = libusb_get_device_list(ctx, &list);
    if (cnt < 0) {
        libusb_exit(ctx);
        return map_usb((int)cnt);
    }
    for (ssize_t i = 0; i < cnt; i++) {
        struct libusb_device_descriptor dd;
        libusb_device_handle *h = NULL;
        if (libusb_get_device_descriptor(list[i], &dd) != 0 || dd.idVendor != vid ||
            dd.idProduct != pid)
            continue;
        if (found < max) {
            if (libusb_open(list[i], &h) != 0)
                h = NULL;
            fill_info(list[i], h, &dd, &out[found]);
            if (h)
                libusb_close(h);
        }
        found++;
    }
    libusb_free_device_list(list, 1);
    libusb_exit(ctx);
    *n = found;
    return 0;
}

/* Synchronous register access, for the opening thread and the event thread only. */
static int reg_read_sync(libusb_device_handle *h, unsigned timeout, unsigned addr, uint32_t *v)
{
    uint8_t b[4];
    int r = libusb_control_transfer(h, WIRE_REQTYPE_IN, WIRE_REQ_READ_REG, 0, (uint16_t)addr, b, 4,
                                    timeout);
    if (r < 0)
        return map_usb(r);
    if (r != 4)
        return ALPR_DEV_ERR_PROTOCOL;
    *v = get32le(b);
    return 0;
}

static int reg_write_sync(libusb_device_handle *h, unsigned timeout, unsigned addr, uint32_t v)
{
    uint8_t b[4];
    int r;
    put32le(b, v);
    r = libusb_control_transfer(h, WIRE_REQTYPE_OUT, WIRE_REQ_WRITE_REG, 0, (uint16_t)addr, b, 4,
                                timeout);
    if (r < 0)
        return map_usb(r);
    return r == 4 ? 0 : ALPR_DEV_ERR_PROTOCOL;
}

/*
 * Finds and opens the board (vid:pid, serial when given), claims interface 0 and checks ID.
 * Returns 0 and sets *out_h and *info, or an error.
 */
static int find_and_open(libusb_context *ctx, uint16_t vid, uint16_t pid, const char *serial,
                         unsigned timeout, libusb_device_handle **out_h, struct alpr_dev_info *info)
{
    libusb_device **list;
    ssize_t cnt = libusb_get_device_list(ctx, &list);
    int err = ALPR_DEV_ERR_NOT_FOUND;
    if (cnt < 0)
        return map_usb((int)cnt);
    for (ssize_t i = 0; i < cnt; i++) {
        struct libusb_device_descriptor dd;
        libusb_device_handle *h;
        struct alpr_dev_info inf;
        uint32_t id = 0;
        int r;
        if (libusb_get_device_descriptor(list[i], &dd) != 0 || dd.idVendor != vid ||
            dd.idProduct != pid)
            continue;
        r = libusb_open(list[i], &h);
        if (r != 0) {
            err = map_usb(r);
            continue;
        }
        fill_info(list[i], h, &dd, &inf);
        if (serial && strcmp(serial, inf.serial) != 0) {
            libusb_close(h);
            continue;
        }
        r = libusb_claim_interface(h, 0);
        if (r != 0) {
            err = map_usb(r);
            libusb_close(h);
            continue;
        }
        r = reg_read_sync(h, timeout, WIRE_REG_ID, &id);
        if (r != 0 || id != WIRE_ID_VALUE) {
            err = r != 0 ? r : ALPR_DEV_ERR_PROTOCOL;
            libusb_release_interface(h, 0);
            libusb_close(h);
            continue;
        }
        *out_h = h;
        *info = inf;
        err = 0;
        break;
    }
    libusb_free_device_list(list, 1);
    return err;
}

/* ---- streaming: transfers, parser, queue ------------------------------------------------- */

static void notify(struct alpr_dev *d, enum alpr_dev_event ev)
{
    if (d->streaming && d->so.on_event)
        d->so.on_event(d->so.ctx, ev);
}

/* Parser callback: hand the frame up (lock held). */
static int deliver(void *ctx, const struct wire_frame *f)
{
    struct alpr_dev *d = ctx;
    struct wire_frame *slot;
    if (d->so.on_frame) {
        d->so.on_frame(d->so.ctx, f);
        return 0;
    }
    if (d->qlen == d->qcap) { /* the reader is behind: drop the oldest */
        wire_frame_free(&d->queue[d->qhead]);
        d->qhead = (d->qhead + 1) % d->qcap;
        d->qlen--;
        d->c.frames_queue_dropped++;
    }
    slot = &d->queue[(d->qhead + d->qlen) % d->qcap];
    if (wire_frame_copy(slot, f) != 0) {
        d->c.frames_queue_dropped++;
        return 0;
    }
    d->qlen++;
    pthread_cond_broadcast(&d->cond);
    return 0;
}

static void LIBUSB_CALL bulk_cb(struct libusb_transfer *t);

/* Submits one transfer (lock held). Returns 0 or an alpr_dev error. */
static int submit(struct alpr_dev *d, struct xfer *x)
{
    int r;
    libusb_fill_bulk_transfer(x->t, d->h, WIRE_EP_IN, x->buf, (int)d->xfer_bytes, bulk_cb, x, 0);
    r = libusb_submit_transfer(x->t);
    if (r != 0)
        return map_usb(r);
    x->inflight = 1;
    d->inflight++;
    return 0;
}

static void LIBUSB_CALL bulk_cb(struct libusb_transfer *t)
{
    struct xfer *x = t->user_data;
    struct alpr_dev *d = x->d;
    int resubmit = 1;
    pthread_mutex_lock(&d->lock);
    x->inflight = 0;
    d->inflight--;
    switch (t->status) {
    case LIBUSB_TRANSFER_COMPLETED:
        d->error_run = 0;
        d->c.transfers++;
        d->c.bytes += (uint64_t)t->actual_length;
        if (t->actual_length > 0 && (size_t)t->actual_length <= d->xfer_bytes) {
            if (wire_parser_feed(d->parser, t->buffer, (size_t)t->actual_length, deliver, d,
                                 NULL) != 0)
                d->c.transfer_errors++; /* out of memory in the parser: bytes lost, counted */
        }
        break;
    case LIBUSB_TRANSFER_CANCELLED:
        resubmit = 0;
        break;
    case LIBUSB_TRANSFER_NO_DEVICE:
        d->lost = 1;
        resubmit = 0;
        break;
    case LIBUSB_TRANSFER_STALL:
        d->c.transfer_errors++;
        d->need_clear_halt = 1;
        x->stalled = 1;
        resubmit = 0;
        break;
    default: /* ERROR, TIMED_OUT, OVERFLOW: counted, the stream resyncs */
        d->c.transfer_errors++;
        if (++d->error_run >= MAX_ERROR_RUN) {
            /* A board that only fails is handled like one that went away: reopened. */
            d->lost = 1;
            d->error_run = 0;
            resubmit = 0;
        }
        break;
    }
    if (resubmit && d->streaming && !d->stopping && !d->lost && !d->need_clear_halt && d->h) {
        int err = submit(d, x);
        if (err == ALPR_DEV_ERR_NO_DEVICE)
            d->lost = 1;
        else if (err != 0)
            d->c.transfer_errors++;
    }
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->lock);
}

/* Submits every idle transfer (lock held). Returns 0 or the first error. */
static int submit_all(struct alpr_dev *d)
{
    for (unsigned i = 0; i < d->nxfers; i++) {
        if (d->xfers[i].inflight)
            continue;
        d->xfers[i].stalled = 0;
        int err = submit(d, &d->xfers[i]);
        if (err != 0)
            return err;
    }
    return 0;
}

/* Cancels every transfer in flight and waits for their callbacks (lock held). */
static void cancel_all(struct alpr_dev *d)
{
    for (unsigned i = 0; i < d->nxfers; i++)
        if (d->xfers[i].inflight)
            libusb_cancel_transfer(d->xfers[i].t);
    while (d->inflight > 0)
        pthread_cond_wait(&d->cond, &d->lock);
}

static void free_stream(struct alpr_dev *d)
{
    for (unsigned i = 0; i < d->nxfers; i++) {
        libusb_free_transfer(d->xfers[i].t);
        free(d->xfers[i].buf);
    }
    free(d->xfers);
    d->xfers = NULL;
    d->nxfers = 0;
    for (unsigned i = 0; i < d->qlen; i++)
        wire_frame_free(&d->queue[(d->qhead + i) % d->qcap]);
    free(d->queue);
    d->queue = NULL;
    d->qlen = d->qhead = d->qcap = 0;
    if (d->parser) {
        struct wire_stats st;
        wire_parser_stats(d->parser, &st);
        /* Keep the parser's counts in the device's totals. */
        d->c.wire.bytes += st.bytes;
        d->c.wire.bytes_skipped += st.bytes_skipped;
        d->c.wire.chunks += st.chunks;
        d->c.wire.frames += st.frames;
        d->c.wire.frames_aborted += st.frames_aborted;
        d->c.wire.frames_lost += st.frames_lost;
        d->c.wire.frames_truncated += st.frames_truncated;
        d->c.wire.seq_gaps += st.seq_gaps;
        d->c.wire.frame_gaps += st.frame_gaps;
        d->c.wire.crc_errors += st.crc_errors;
        d->c.wire.malformed += st.malformed;
        d->c.wire.resyncs += st.resyncs;
    }
    wire_parser_free(d->parser);
    d->parser = NULL;
}

/* ---- the event thread --------------------------------------------------------------------- */

static int LIBUSB_CALL hotplug_cb(libusb_context *ctx, libusb_device *dev, libusb_hotplug_event ev,
                                  void *user);

static void close_handle(struct alpr_dev *d)
{
    libusb_release_interface(d->h, 0);
    libusb_close(d->h);
    d->h = NULL;
}

/* Registers the "board arrived" hotplug callback on d->ctx when reconnection by hotplug was
 * asked for and libusb supports it here. */
static void register_hotplug(struct alpr_dev *d)
{
    if (d->opts.reconnect && !d->opts.no_hotplug && libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG) &&
        libusb_hotplug_register_callback(d->ctx, LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED, 0,
                                         d->opts.vid, d->opts.pid, LIBUSB_HOTPLUG_MATCH_ANY,
                                         hotplug_cb, d, &d->hotplug) == 0)
        d->hotplug_registered = 1;
}

/*
 * Gives every stream transfer a new libusb_transfer (lock held, none in flight). A transfer
 * keeps a reference to the device it was last submitted to, released at its next submission
 * or when it is freed; after an unplug that device belongs to the context about to be left,
 * and its libusb_exit() frees what the release would then touch. So before a context is left
 * the old transfers are freed, while it still exists. All or nothing: on NOMEM the old ones
 * stay and 0 is not returned.
 */
static int renew_transfers(struct alpr_dev *d)
{
    struct libusb_transfer *fresh[MAX_TRANSFERS];
    unsigned n = 0;
    for (; n < d->nxfers; n++) {
        fresh[n] = libusb_alloc_transfer(0);
        if (!fresh[n])
            break;
    }
    if (n < d->nxfers) {
        while (n > 0)
            libusb_free_transfer(fresh[--n]);
        return ALPR_DEV_ERR_NOMEM;
    }
    for (unsigned i = 0; i < d->nxfers; i++) {
        libusb_free_transfer(d->xfers[i].t);
        d->xfers[i].t = fresh[i];
    }
    return 0;
}

/* Replaces d->ctx by ctx (event thread, lock held, no handle open on the old one; the stream
 * transfers renewed). */
static void adopt_context(struct alpr_dev *d, libusb_context *ctx)
{
    if (d->hotplug_registered)
        libusb_hotplug_deregister_callback(d->ctx, d->hotplug);
    d->hotplug_registered = 0;
    libusb_exit(d->ctx);
    d->ctx = ctx;
    register_hotplug(d);
}

/*
 * Reopens the board after an unplug, restores its configuration and restarts the stream. Lock
 * held on entry and exit; released during the synchronous USB calls (nothing is in flight).
 *
 * Where libusb has hotplug (Linux), its device list is kept up to date by the hotplug events
 * alone and is not scanned again by libusb_get_device_list(): a lost "add" event (a netlink
 * buffer overrun; under umockdev, a board process that cannot send uevents) would hide the
 * board from this context for good, and polling would never find it. So when the board is not
 * in d->ctx's list, a new context scans the bus, and if the board is there the device carries
 * on with that context.
 */
static void try_reconnect(struct alpr_dev *d)
{
    libusb_context *fresh = NULL;
    libusb_device_handle *h = NULL;
    struct alpr_dev_info info;
    uint32_t shadow[CFG_LAST + 1], valid = d->shadow_valid, control = d->control_source;
    int streaming = d->streaming && !d->stopping, no_run = d->so.no_run, err;
    unsigned timeout = d->opts.control_timeout_ms;
    memcpy(shadow, d->shadow, sizeof shadow);
    d->arrived = 0;
    d->next_poll_ms = now_ms() + d->opts.poll_ms;
    pthread_mutex_unlock(&d->lock);
    err = find_and_open(d->ctx, d->opts.vid, d->opts.pid, d->serial[0] ? d->serial : NULL, timeout,
                        &h, &info);
    if (err != 0 && libusb_init(&fresh) == 0) {
        err = find_and_open(fresh, d->opts.vid, d->opts.pid, d->serial[0] ? d->serial : NULL,
                            timeout, &h, &info);
        if (err != 0) {
            libusb_exit(fresh);
            fresh = NULL;
        }
    }
    for (unsigned a = CFG_FIRST; err == 0 && a <= CFG_LAST; a++)
        if (valid & (1u << a))
            err = reg_write_sync(h, timeout, a, shadow[a]);
    if (err == 0 && streaming && !no_run)
        err = reg_write_sync(h, timeout, WIRE_REG_CONTROL, control | WIRE_CONTROL_RUN);
    pthread_mutex_lock(&d->lock);
    if (err == 0 && fresh)
        err = renew_transfers(d);
    if (err != 0 || d->quit) {
        if (h) {
            libusb_release_interface(h, 0);
            libusb_close(h);
        }
        if (fresh)
            libusb_exit(fresh);
        return;
    }
    if (fresh)
        adopt_context(d, fresh);
    d->h = h;
    d->info = info;
    d->c.reconnects++;
    d->c.connected = 1;
    if (d->streaming && !d->stopping) {
        wire_parser_reset(d->parser);
        if (submit_all(d) == ALPR_DEV_ERR_NO_DEVICE)
            d->lost = 1;
    }
    notify(d, ALPR_DEV_EVENT_RECONNECTED);
    pthread_cond_broadcast(&d->cond);
}

static void *event_thread(void *arg)
{
    struct alpr_dev *d = arg;
    for (;;) {
        struct timeval tv = {0, EVENT_SLICE_US};
        libusb_handle_events_timeout_completed(d->ctx, &tv, NULL);
        pthread_mutex_lock(&d->lock);
        if (d->quit) {
            pthread_mutex_unlock(&d->lock);
            break;
        }
        if (d->lost && d->h && d->inflight == 0 && d->ctl_pending == 0) {
            close_handle(d);
            d->lost = 0;
            d->c.disconnects++;
            d->c.connected = 0;
            d->next_poll_ms = now_ms() + d->opts.poll_ms;
            notify(d, ALPR_DEV_EVENT_NO_DEVICE);
            pthread_cond_broadcast(&d->cond);
        }
        if (d->need_clear_halt && d->h && !d->lost) {
            libusb_device_handle *h = d->h;
            int r;
            d->ctl_pending++;
            pthread_mutex_unlock(&d->lock);
            r = libusb_clear_halt(h, WIRE_EP_IN);
            pthread_mutex_lock(&d->lock);
            d->ctl_pending--;
            if (r == LIBUSB_ERROR_NO_DEVICE)
                d->lost = 1;
            d->need_clear_halt = 0;
            if (d->parser)
                wire_parser_reset(d->parser);
            if (d->streaming && !d->stopping && !d->lost) {
                if (submit_all(d) == ALPR_DEV_ERR_NO_DEVICE)
                    d->lost = 1;
            }
            notify(d, ALPR_DEV_EVENT_STALL);
        }
        if (!d->h && !d->lost && d->opts.reconnect && (d->arrived || now_ms() >= d->next_poll_ms))
            try_reconnect(d);
        pthread_mutex_unlock(&d->lock);
    }
    return NULL;
}

static int LIBUSB_CALL hotplug_cb(libusb_context *ctx, libusb_device *dev, libusb_hotplug_event ev,
                                  void *user)
{
    struct alpr_dev *d = user;
    (void)ctx;
    (void)dev;
    pthread_mutex_lock(&d->lock);
    if (ev == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED)
        d->arrived = 1;
    pthread_mutex_unlock(&d->lock);
    return 0;
}

/* ---- public calls -------------------------------------------------------------------------- */

int alpr_dev_open(const struct alpr_dev_open_opts *opts, struct alpr_dev **out)
{
    struct alpr_dev *d;
    int err;
    if (!out || (opts && opts->serial && strlen(opts->serial) > ALPR_DEV_MAX_SERIAL))
        return ALPR_DEV_ERR_INVALID;
    d = calloc(1, sizeof *d);
    if (!d)
        return ALPR_DEV_ERR_NOMEM;
    if (opts)
        d->opts = *opts;
    d->opts.serial = NULL; /* copied below: the caller's string need not live on */
    if (!d->opts.vid && !d->opts.pid) {
        d->opts.vid = WIRE_USB_VID;
        d->opts.pid = WIRE_USB_PID;
    }
    if (!d->opts.control_timeout_ms)
        d->opts.control_timeout_ms = DEFAULT_TIMEOUT_MS;
    if (!d->opts.poll_ms)
        d->opts.poll_ms = DEFAULT_POLL_MS;
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->cond, NULL);
    if (libusb_init(&d->ctx) != 0) {
        d->ctx = NULL;
        err = ALPR_DEV_ERR_USB;
        goto fail;
    }
    err = find_and_open(d->ctx, d->opts.vid, d->opts.pid, opts ? opts->serial : NULL,
                        d->opts.control_timeout_ms, &d->h, &d->info);
    if (err != 0)
        goto fail;
    memcpy(d->serial, d->info.serial, sizeof d->serial);
    d->c.connected = 1;
    register_hotplug(d);
    if (pthread_create(&d->thread, NULL, event_thread, d) != 0) {
        err = ALPR_DEV_ERR_NOMEM;
        goto fail;
    }
    d->thread_started = 1;
    *out = d;
    return 0;
fail:
    alpr_dev_close(d);
    return err;
}

void alpr_dev_close(struct alpr_dev *d)
{
    if (!d)
        return;
    if (d->streaming)
        (void)alpr_dev_stop(d);
    if (d->thread_started) {
        libusb_context *ctx;
        pthread_mutex_lock(&d->lock);
        d->quit = 1;
        ctx = d->ctx; /* the event thread changes it only with the lock held and quit clear */
        pthread_mutex_unlock(&d->lock);
        libusb_interrupt_event_handler(ctx);
        pthread_join(d->thread, NULL);
    }
    if (d->hotplug_registered)
        libusb_hotplug_deregister_callback(d->ctx, d->hotplug);
    if (d->h)
        close_handle(d);
    free_stream(d);
    if (d->ctx)
        libusb_exit(d->ctx);
    pthread_cond_destroy(&d->cond);
    pthread_mutex_destroy(&d->lock);
    free(d);
}

void alpr_dev_get_info(const struct alpr_dev *d, struct alpr_dev_info *out)
{
    *out = d->info;
}

static void LIBUSB_CALL ctl_cb(struct libusb_transfer *t)
{
    struct ctl_wait *w = t->user_data;
    pthread_mutex_lock(&w->d->lock);
    w->done = 1;
    w->status = t->status;
    w->actual = t->actual_length;
    pthread_cond_broadcast(&w->d->cond);
    pthread_mutex_unlock(&w->d->lock);
}

/*
 * One vendor control transfer from a caller thread, completed by the event thread. data is
 * LIBUSB_CONTROL_SETUP_SIZE + 4 bytes with the setup filled in. Lock held on entry and exit.
 */
static int ctl_locked(struct alpr_dev *d, uint8_t *data, int *actual)
{
    struct libusb_transfer *t;
    struct ctl_wait w = {.d = d};
    int r;
    if (!d->h || d->lost)
        return ALPR_DEV_ERR_NO_DEVICE;
    t = libusb_alloc_transfer(0);
    if (!t)
        return ALPR_DEV_ERR_NOMEM;
    libusb_fill_control_transfer(t, d->h, data, ctl_cb, &w, d->opts.control_timeout_ms);
    r = libusb_submit_transfer(t);
    if (r != 0) {
        libusb_free_transfer(t);
        if (r == LIBUSB_ERROR_NO_DEVICE)
            d->lost = 1;
        return map_usb(r);
    }
    d->ctl_pending++;
    while (!w.done)
        pthread_cond_wait(&d->cond, &d->lock);
    d->ctl_pending--;
    libusb_free_transfer(t);
    if (w.status == LIBUSB_TRANSFER_NO_DEVICE)
        d->lost = 1;
    *actual = w.actual;
    return map_status(w.status);
}

static int reg_read_locked(struct alpr_dev *d, unsigned addr, uint32_t *value)
{
    uint8_t buf[LIBUSB_CONTROL_SETUP_SIZE + 4];
    int actual = 0, err;
    libusb_fill_control_setup(buf, WIRE_REQTYPE_IN, WIRE_REQ_READ_REG, 0, (uint16_t)addr, 4);
    err = ctl_locked(d, buf, &actual);
    if (err != 0)
        return err;
    if (actual != 4)
        return ALPR_DEV_ERR_PROTOCOL;
    *value = get32le(buf + LIBUSB_CONTROL_SETUP_SIZE);
    return 0;
}

static int reg_write_locked(struct alpr_dev *d, unsigned addr, uint32_t value)
{
    uint8_t buf[LIBUSB_CONTROL_SETUP_SIZE + 4];
    int actual = 0, err;
    libusb_fill_control_setup(buf, WIRE_REQTYPE_OUT, WIRE_REQ_WRITE_REG, 0, (uint16_t)addr, 4);
    put32le(buf + LIBUSB_CONTROL_SETUP_SIZE, value);
    err = ctl_locked(d, buf, &actual);
    if (err != 0)
        return err;
    if (actual != 4)
        return ALPR_DEV_ERR_PROTOCOL;
    if (addr >= CFG_FIRST && addr <= CFG_LAST) {
        d->shadow[addr] = value;
        d->shadow_valid |= 1u << addr;
    }
    if (addr == WIRE_REG_CONTROL)
        d->control_source = value & WIRE_CONTROL_SOURCE_INJECT;
    return 0;
}

int alpr_dev_reg_read(struct alpr_dev *d, unsigned addr, uint32_t *value)
{
    int err;
    if (!d || !value || addr > 0xFFFF)
        return ALPR_DEV_ERR_INVALID;
    pthread_mutex_lock(&d->lock);
    err = reg_read_locked(d, addr, value);
    pthread_mutex_unlock(&d->lock);
    return err;
}

int alpr_dev_reg_write(struct alpr_dev *d, unsigned addr, uint32_t value)
{
    int err;
    if (!d || addr > 0xFFFF)
        return ALPR_DEV_ERR_INVALID;
    pthread_mutex_lock(&d->lock);
    err = reg_write_locked(d, addr, value);
    pthread_mutex_unlock(&d->lock);
    return err;
}

/* Writes one injection chunk header + payload prefix at p; returns the bytes written. */
static size_t inj_chunk(uint8_t *p, uint8_t type, uint16_t seq, uint16_t len)
{
    wire_put_header(p, type, seq, len);
    return WIRE_CHUNK_HEADER_LEN;
}

int alpr_dev_inject_frame(struct alpr_dev *d, const uint8_t *gray, int w, int h, int stride)
{
    struct libusb_transfer *t;
    struct ctl_wait cw = {.d = d};
    uint8_t *buf, *p;
    size_t len;
    int r;
    if (!d || !gray || w < 1 || w > WIRE_MAX_WIDTH || h < 1 || h > WIRE_MAX_HEIGHT || stride < w)
        return ALPR_DEV_ERR_INVALID;
    len = WIRE_CHUNK_HEADER_LEN + 4 + (size_t)h * (WIRE_CHUNK_HEADER_LEN + 2 + (size_t)w);
    buf = malloc(len);
    t = libusb_alloc_transfer(0);
    if (!buf || !t) {
        free(buf);
        libusb_free_transfer(t);
        return ALPR_DEV_ERR_NOMEM;
    }
    pthread_mutex_lock(&d->lock);
    p = buf + inj_chunk(buf, WIRE_INJ_HEAD, d->inj_seq++, 4);
    p[0] = (uint8_t)w;
    p[1] = (uint8_t)(w >> 8);
    p[2] = (uint8_t)h;
    p[3] = (uint8_t)(h >> 8);
    p += 4;
    for (int y = 0; y < h; y++) {
        p += inj_chunk(p, WIRE_INJ_ROW, d->inj_seq++, (uint16_t)(2 + w));
        p[0] = (uint8_t)y;
        p[1] = (uint8_t)(y >> 8);
        memcpy(p + 2, gray + (size_t)y * (size_t)stride, (size_t)w);
        p += 2 + (size_t)w;
    }
    if (!d->h || d->lost) {
        r = ALPR_DEV_ERR_NO_DEVICE;
        goto out;
    }
    libusb_fill_bulk_transfer(t, d->h, WIRE_EP_OUT, buf, (int)len, ctl_cb, &cw,
                              d->opts.control_timeout_ms * 10);
    r = libusb_submit_transfer(t);
    if (r != 0) {
        if (r == LIBUSB_ERROR_NO_DEVICE)
            d->lost = 1;
        r = map_usb(r);
        goto out;
    }
    d->ctl_pending++;
    while (!cw.done)
        pthread_cond_wait(&d->cond, &d->lock);
    d->ctl_pending--;
    if (cw.status == LIBUSB_TRANSFER_NO_DEVICE)
        d->lost = 1;
    r = map_status(cw.status);
    if (r == 0 && (size_t)cw.actual != len)
        r = ALPR_DEV_ERR_PROTOCOL;
out:
    pthread_mutex_unlock(&d->lock);
    libusb_free_transfer(t);
    free(buf);
    return r;
}

int alpr_dev_start(struct alpr_dev *d, const struct alpr_dev_stream_opts *opts)
{
    struct alpr_dev_stream_opts so = {0};
    size_t mps = WIRE_EP_MAX_PACKET;
    int err;
    if (!d)
        return ALPR_DEV_ERR_INVALID;
    if (opts)
        so = *opts;
    if (!so.transfers)
        so.transfers = DEFAULT_TRANSFERS;
    if (!so.transfer_bytes)
        so.transfer_bytes = DEFAULT_TRANSFER_BYTES;
    if (!so.queue_frames)
        so.queue_frames = DEFAULT_QUEUE;
    if (so.transfers > MAX_TRANSFERS || so.transfer_bytes > MAX_TRANSFER_BYTES ||
        so.queue_frames > MAX_QUEUE)
        return ALPR_DEV_ERR_INVALID;
    pthread_mutex_lock(&d->lock);
    if (d->streaming) {
        pthread_mutex_unlock(&d->lock);
        return ALPR_DEV_ERR_STATE;
    }
    if (!d->h || d->lost) {
        pthread_mutex_unlock(&d->lock);
        return ALPR_DEV_ERR_NO_DEVICE;
    }
    {
        int m = libusb_get_max_packet_size(libusb_get_device(d->h), WIRE_EP_IN);
        if (m > 0)
            mps = (size_t)m;
    }
    d->so = so;
    d->xfer_bytes = (so.transfer_bytes + mps - 1) / mps * mps;
    if (d->xfer_bytes > MAX_TRANSFER_BYTES)
        d->xfer_bytes = MAX_TRANSFER_BYTES / mps * mps;
    d->xfers = calloc(so.transfers, sizeof *d->xfers);
    d->queue = calloc(so.queue_frames, sizeof *d->queue);
    err = d->xfers && d->queue ? 0 : ALPR_DEV_ERR_NOMEM;
    if (err == 0 && wire_parser_new(so.max_records, &d->parser) != 0)
        err = ALPR_DEV_ERR_NOMEM;
    d->qcap = so.queue_frames;
    for (unsigned i = 0; err == 0 && i < so.transfers; i++) {
        struct xfer *x = &d->xfers[i];
        x->d = d;
        x->t = libusb_alloc_transfer(0);
        x->buf = malloc(d->xfer_bytes);
        d->nxfers++;
        if (!x->t || !x->buf)
            err = ALPR_DEV_ERR_NOMEM;
    }
    if (err == 0) {
        d->streaming = 1;
        d->stopping = 0;
        err = submit_all(d);
    }
    if (err == 0 && !so.no_run)
        err = reg_write_locked(d, WIRE_REG_CONTROL, d->control_source | WIRE_CONTROL_RUN);
    if (err != 0) {
        d->stopping = 1;
        cancel_all(d);
        d->streaming = 0;
        d->stopping = 0;
        free_stream(d);
    }
    pthread_mutex_unlock(&d->lock);
    return err;
}

int alpr_dev_next_frame(struct alpr_dev *d, struct wire_frame *out, int timeout_ms)
{
    struct timespec until;
    int err = 0;
    if (!d || !out)
        return ALPR_DEV_ERR_INVALID;
    clock_gettime(CLOCK_REALTIME, &until);
    if (timeout_ms >= 0) {
        until.tv_sec += timeout_ms / 1000;
        until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
    }
    pthread_mutex_lock(&d->lock);
    while (d->qlen == 0) {
        if (!d->streaming || d->stopping || d->so.on_frame) {
            err = ALPR_DEV_ERR_STOPPED;
            break;
        }
        if (!d->c.connected && !d->opts.reconnect) {
            err = ALPR_DEV_ERR_NO_DEVICE;
            break;
        }
        if (timeout_ms < 0) {
            pthread_cond_wait(&d->cond, &d->lock);
        } else if (pthread_cond_timedwait(&d->cond, &d->lock, &until) == ETIMEDOUT) {
            err = d->qlen ? 0 : ALPR_DEV_ERR_TIMEOUT;
            break;
        }
    }
    if (err == 0 && d->qlen) {
        *out = d->queue[d->qhead];
        memset(&d->queue[d->qhead], 0, sizeof d->queue[d->qhead]);
        d->qhead = (d->qhead + 1) % d->qcap;
        d->qlen--;
    }
    pthread_mutex_unlock(&d->lock);
    return err;
}

int alpr_dev_stop(struct alpr_dev *d)
{
    if (!d)
        return ALPR_DEV_ERR_INVALID;
    pthread_mutex_lock(&d->lock);
    if (!d->streaming || d->stopping) {
        pthread_mutex_unlock(&d->lock);
        return ALPR_DEV_ERR_STATE;
    }
    d->stopping = 1;
    if (!d->so.no_run && d->h && !d->lost)
        (void)reg_write_locked(d, WIRE_REG_CONTROL, d->control_source);
    cancel_all(d);
    d->streaming = 0;
    d->stopping = 0;
    free_stream(d);
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->lock);
    return 0;
}

void alpr_dev_get_counters(struct alpr_dev *d, struct alpr_dev_counters *out)
{
    pthread_mutex_lock(&d->lock);
    *out = d->c;
    if (d->parser) {
        struct wire_stats st;
        wire_parser_stats(d->parser, &st);
        out->wire.bytes += st.bytes;
        out->wire.bytes_skipped += st.bytes_skipped;
        out->wire.chunks += st.chunks;
        out->wire.frames += st.frames;
        out->wire.frames_aborted += st.frames_aborted;
        out->wire.frames_lost += st.frames_lost;
        out->wire.frames_truncated += st.frames_truncated;
        out->wire.seq_gaps += st.seq_gaps;
        out->wire.frame_gaps += st.frame_gaps;
        out->wire.crc_errors += st.crc_errors;
        out->wire.malformed += st.malformed;
        out->wire.resyncs += st.resyncs;
    }
    out->streaming = d->streaming;
    pthread_mutex_unlock(&d->lock);
}
