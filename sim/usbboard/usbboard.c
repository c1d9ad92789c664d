/*
 * usbboard: the simulated board as a umockdev USB device (see usbboard.h).
 *
 * Threads: umockdev calls handle_ioctl() on its own worker thread; a device thread feeds bulk
 * IN URBs from the board's stream and expires held reaps; the caller's thread unplugs, replugs
 * and injects faults. One mutex (b->lock) guards everything below it in struct usbboard and the
 * usbsim; umockdev_ioctl_client_complete() is thread-safe and is called with the lock held.
 */
#include "usbboard.h"

#include "wire.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include <linux/usbdevice_fs.h>
#include <umockdev.h>

#define SYSPATH              "/devices/pci0000:00/0000:00:14.0/usb1/1-1"
#define DEFAULT_SERIAL       "SIM00001"
#define DEFAULT_REAP_WAIT_MS 10u
#define IDLE_POLL_US         2000 /* device thread: how often a waiting IN URB asks the board again */
#define MANUFACTURER         "Edge ALPR project"
#define PRODUCT              "ALPR camera board"

/* One URB submitted by a client, with its resolved memory. */
struct urb_entry {
    UMockdevIoctlClient *client;
    UMockdevIoctlData *urb_data; /* struct usbdevfs_urb, local copy synced back on reap */
    UMockdevIoctlData *buf_data; /* its buffer */
};

/* A REAPURB(NDELAY) held until a URB completes or its deadline passes. */
struct waiter {
    UMockdevIoctlClient *client;
    UMockdevIoctlData *arg;
    gint64 deadline; /* g_get_monotonic_time() microseconds; 0: none (blocking REAPURB) */
};

/* One plugged incarnation of the device: its ioctl handler outlives the unplug so that the
 * clients still holding it open get ENODEV rather than a dead socket. */
struct plug {
    struct usbboard *b;
    UMockdevIoctlBase *handler;
    char devnode[64];
    unsigned devnum;
    int gone;
};

struct usbboard {
    struct usbboard_config cfg;
    char serial[USBBOARD_MAX_SERIAL + 1];
    UMockdevTestbed *tb;
    GMutex lock;
    GCond cond;
    GThread *thread;
    int quit;

    struct usbsim *sim;
    GQueue in_pending; /* struct urb_entry *: bulk IN URBs waiting for data */
    GQueue done;       /* struct urb_entry *: completed, waiting to be reaped */
    GQueue waiters;    /* struct waiter * */
    GQueue ctl_held;   /* struct urb_entry *: control URBs not answered (hold_control) */
    int hold_control;
    struct plug *plug; /* NULL while unplugged */
    GPtrArray *plugs;  /* every plug ever made (freed at the end) */
    unsigned next_devnum;
    int in_halted;
    int announce; /* send an "add" uevent at the next plug (not the first) */
    int uevents;  /* this process runs under the umockdev preload: uevents can be sent */
    int warned;   /* the "no uevents" note was printed */
    struct usbboard_stats stats;
};

const char *usbboard_strerror(int err)
{
    switch (err) {
    case USBBOARD_OK:
        return "success";
    case USBBOARD_ERR_NOMEM:
        return "out of memory";
    case USBBOARD_ERR_INVALID:
        return "invalid board configuration (serial: 8-16 of 0-9 A-Z -)";
    case USBBOARD_ERR_TESTBED:
        return "umockdev testbed refused the device";
    case USBBOARD_ERR_STATE:
        return "board already in that plug state";
    case USBBOARD_ERR_SIM:
        return "board device side could not be created";
    default:
        return "unknown error";
    }
}

/* ---- descriptors -------------------------------------------------------------------------- */

static const uint8_t dev_desc[18] = {
    18,
    1,
    0x00,
    0x02, /* bcdUSB 2.00 */
    0x00,
    0x00,
    0x00,
    64, /* class per interface, ep0 64 */
    WIRE_USB_VID & 0xFF,
    WIRE_USB_VID >> 8,
    WIRE_USB_PID & 0xFF,
    WIRE_USB_PID >> 8,
    WIRE_USB_BCD_DEVICE & 0xFF,
    WIRE_USB_BCD_DEVICE >> 8,
    1,
    2,
    3,
    1,
};

static const uint8_t cfg_desc[32] = {
    9,
    2,
    32,
    0,
    1,
    1,
    0,
    0x80,
    50, /* 1 interface, bus powered, 100 mA */
    9,
    4,
    0,
    0,
    2,
    0xFF,
    0x00,
    0x00,
    0, /* interface 0: vendor class, 2 endpoints */
    7,
    5,
    WIRE_EP_IN,
    2,
    WIRE_EP_MAX_PACKET & 0xFF,
    WIRE_EP_MAX_PACKET >> 8,
    0,
    7,
    5,
    WIRE_EP_OUT,
    2,
    WIRE_EP_MAX_PACKET & 0xFF,
    WIRE_EP_MAX_PACKET >> 8,
    0,
};

static const uint8_t qualifier_desc[10] = {10, 6, 0x00, 0x02, 0, 0, 0, 64, 1, 0};

/* String descriptor idx into out (at most room bytes); returns its length or -1. */
static int string_desc(const struct usbboard *b, unsigned idx, uint8_t *out, size_t room)
{
    uint8_t d[2 + 2 * 64];
    const char *s;
    size_t n;
    if (idx == 0) {
        d[0] = 4;
        d[1] = 3;
        d[2] = 0x09;
        d[3] = 0x04; /* English (US) */
        n = 4;
    } else {
        s = idx == 1 ? MANUFACTURER : idx == 2 ? PRODUCT : idx == 3 ? b->serial : NULL;
        if (!s)
            return -1;
        n = 2;
        for (; *s && n + 2 <= sizeof d; s++) {
            d[n++] = (uint8_t)*s;
            d[n++] = 0;
        }
        d[0] = (uint8_t)n;
        d[1] = 3;
    }
    if (n > room)
        n = room;
    memcpy(out, d, n);
    return (int)n;
}

/* ---- URB bookkeeping ---------------------------------------------------------------------- */

static void urb_free(struct urb_entry *e)
{
    if (!e)
        return;
    g_clear_object(&e->buf_data);
    g_clear_object(&e->urb_data);
    g_clear_object(&e->client);
    g_free(e);
}

static struct usbdevfs_urb *urb_of(struct urb_entry *e)
{
    return (struct usbdevfs_urb *)e->urb_data->data;
}

/* Hands the oldest completed URB of client to its reap ioctl. Returns 1 if it did. */
static int try_reap(struct usbboard *b, UMockdevIoctlClient *client, UMockdevIoctlData *arg)
{
    UMockdevIoctlData *slot;
    for (GList *l = b->done.head; l; l = l->next) {
        struct urb_entry *e = l->data;
        if (e->client != client)
            continue;
        /* The argument points at the client's `void *`; that slot gets the URB's address. */
        slot = umockdev_ioctl_data_resolve(arg, 0, sizeof(gpointer), NULL);
        if (!slot) {
            umockdev_ioctl_client_complete(client, -1, EFAULT);
            return 1;
        }
        g_queue_delete_link(&b->done, l);
        umockdev_ioctl_data_set_ptr(slot, 0, e->urb_data);
        umockdev_ioctl_client_complete(client, 0, 0);
        g_object_unref(slot);
        b->stats.urbs_reaped++;
        urb_free(e);
        return 1;
    }
    return 0;
}

static void waiter_free(struct waiter *w)
{
    g_clear_object(&w->arg);
    g_clear_object(&w->client);
    g_free(w);
}

/* Answers every held reap that now has a URB. */
static void wake_waiters(struct usbboard *b)
{
    GList *l = b->waiters.head;
    while (l) {
        GList *next = l->next;
        struct waiter *w = l->data;
        if (try_reap(b, w->client, w->arg)) {
            g_queue_delete_link(&b->waiters, l);
            waiter_free(w);
        }
        l = next;
    }
}

static void complete_urb(struct usbboard *b, struct urb_entry *e, int status, int actual)
{
    struct usbdevfs_urb *u = urb_of(e);
    u->status = status;
    u->actual_length = actual;
    g_queue_push_tail(&b->done, e);
    wake_waiters(b);
}

/* ---- control requests --------------------------------------------------------------------- */

/*
 * Handles one control request; data/room is the data stage (IN: filled, OUT: read). Returns the
 * data length transferred, or -EPIPE to stall.
 */
static int control_request(struct usbboard *b, const uint8_t *setup, uint8_t *data, size_t room)
{
    uint8_t type = setup[0], req = setup[1];
    unsigned value = setup[2] | setup[3] << 8, index = setup[4] | setup[5] << 8;
    unsigned length = setup[6] | setup[7] << 8;
    size_t n;
    if (length > room)
        return -EPIPE;
    b->stats.control_requests++;
    if (type == WIRE_REQTYPE_IN && req == WIRE_REQ_READ_REG) {
        uint32_t v;
        if (value != 0 || length != 4 || usbsim_reg_read(b->sim, index, &v) != 0)
            return -EPIPE;
        data[0] = (uint8_t)v;
        data[1] = (uint8_t)(v >> 8);
        data[2] = (uint8_t)(v >> 16);
        data[3] = (uint8_t)(v >> 24);
        return 4;
    }
    if (type == WIRE_REQTYPE_OUT && req == WIRE_REQ_WRITE_REG) {
        uint32_t v;
        if (value != 0 || length != 4)
            return -EPIPE;
        v = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
            (uint32_t)data[3] << 24;
        if (usbsim_reg_write(b->sim, index, v) != 0)
            return -EPIPE;
        g_cond_broadcast(&b->cond); /* RUN may have changed */
        return 4;
    }
    switch (type << 8 | req) {
    case 0x8006: /* GET_DESCRIPTOR */
        switch (value >> 8) {
        case 1:
            n = sizeof dev_desc < length ? sizeof dev_desc : length;
            memcpy(data, dev_desc, n);
            return (int)n;
        case 2:
            if ((value & 0xFF) != 0)
                return -EPIPE;
            n = sizeof cfg_desc < length ? sizeof cfg_desc : length;
            memcpy(data, cfg_desc, n);
            return (int)n;
        case 3: {
            int r = string_desc(b, value & 0xFF, data, length);
            return r < 0 ? -EPIPE : r;
        }
        case 6:
            n = sizeof qualifier_desc < length ? sizeof qualifier_desc : length;
            memcpy(data, qualifier_desc, n);
            return (int)n;
        default:
            return -EPIPE;
        }
    case 0x8000: /* GET_STATUS device: bus powered, no remote wakeup */
    case 0x8100: /* interface */
        if (length < 2)
            return -EPIPE;
        data[0] = data[1] = 0;
        return 2;
    case 0x8200: /* endpoint: halt bit */
        if (length < 2 || (index != WIRE_EP_IN && index != WIRE_EP_OUT && index != 0))
            return -EPIPE;
        data[0] = (index == WIRE_EP_IN && b->in_halted) ? 1 : 0;
        data[1] = 0;
        return 2;
    case 0x8008: /* GET_CONFIGURATION */
        if (length < 1)
            return -EPIPE;
        data[0] = 1;
        return 1;
    case 0x810A: /* GET_INTERFACE */
        if (length < 1 || index != 0)
            return -EPIPE;
        data[0] = 0;
        return 1;
    case 0x0009: /* SET_CONFIGURATION */
        return value <= 1 ? 0 : -EPIPE;
    case 0x010B: /* SET_INTERFACE */
        return index == 0 && value == 0 ? 0 : -EPIPE;
    case 0x0201: /* CLEAR_FEATURE(ENDPOINT_HALT) */
        if (value != 0)
            return -EPIPE;
        if (index == WIRE_EP_IN)
            b->in_halted = 0;
        return 0;
    case 0x0203: /* SET_FEATURE(ENDPOINT_HALT) */
        if (value != 0)
            return -EPIPE;
        if (index == WIRE_EP_IN)
            b->in_halted = 1;
        return 0;
    default:
        return -EPIPE;
    }
}

/* ---- the ioctl handler ---------------------------------------------------------------------- */

static void fail(UMockdevIoctlClient *client, int err)
{
    umockdev_ioctl_client_complete(client, -1, err);
}

/* Resolves the int the ioctl argument points to; NULL on failure. */
static UMockdevIoctlData *resolve(UMockdevIoctlData *arg, size_t len)
{
    return umockdev_ioctl_data_resolve(arg, 0, len, NULL);
}

/* Answers a control URB at once (lock held). */
static void answer_control(struct usbboard *b, struct urb_entry *e)
{
    struct usbdevfs_urb *u = urb_of(e);
    uint8_t *buf = e->buf_data->data;
    int r = control_request(b, buf, buf + 8, (size_t)u->buffer_length - 8);
    if (r < 0)
        b->stats.control_stalls++;
    if (b->cfg.verbose)
        fprintf(stderr, "usbboard: control %02x %02x %02x%02x %02x%02x len %u -> %d\n", buf[0],
                buf[1], buf[3], buf[2], buf[5], buf[4], buf[6] | buf[7] << 8, r);
    complete_urb(b, e, r < 0 ? r : 0, r < 0 ? 0 : r);
}

static void submit_urb(struct usbboard *b, struct plug *p, UMockdevIoctlClient *client,
                       UMockdevIoctlData *arg)
{
    struct urb_entry *e;
    struct usbdevfs_urb *u;
    UMockdevIoctlData *ud = resolve(arg, sizeof(struct usbdevfs_urb));
    if (!ud) {
        fail(client, EFAULT);
        return;
    }
    u = (struct usbdevfs_urb *)ud->data;
    if (p->gone) {
        g_object_unref(ud);
        fail(client, ENODEV);
        return;
    }
    if (u->buffer_length < 0 || (unsigned)u->buffer_length > USBBOARD_MAX_URB_BYTES ||
        (u->type == USBDEVFS_URB_TYPE_CONTROL && u->buffer_length < 8) ||
        !((u->type == USBDEVFS_URB_TYPE_CONTROL && u->endpoint == 0) ||
          (u->type == USBDEVFS_URB_TYPE_BULK &&
           (u->endpoint == WIRE_EP_IN || u->endpoint == WIRE_EP_OUT)))) {
        g_object_unref(ud);
        fail(client, EINVAL);
        return;
    }
    e = g_new0(struct urb_entry, 1);
    e->client = g_object_ref(client);
    e->urb_data = ud;
    e->buf_data = umockdev_ioctl_data_resolve(ud, G_STRUCT_OFFSET(struct usbdevfs_urb, buffer),
                                              (gsize)u->buffer_length, NULL);
    if (!e->buf_data) {
        urb_free(e);
        fail(client, EFAULT);
        return;
    }
    b->stats.urbs_submitted++;
    umockdev_ioctl_client_complete(client, 0, 0);

    if (u->type == USBDEVFS_URB_TYPE_CONTROL && b->hold_control) {
        g_queue_push_tail(&b->ctl_held, e);
    } else if (u->type == USBDEVFS_URB_TYPE_CONTROL) {
        answer_control(b, e);
    } else if (u->endpoint == WIRE_EP_OUT) {
        int r = usbsim_inject_write(b->sim, e->buf_data->data, (size_t)u->buffer_length);
        b->stats.bulk_out_bytes += (uint64_t)u->buffer_length;
        complete_urb(b, e, r == 0 ? 0 : -ENOMEM, r == 0 ? u->buffer_length : 0);
        g_cond_broadcast(&b->cond);
    } else if (b->in_halted) {
        complete_urb(b, e, -EPIPE, 0);
    } else {
        g_queue_push_tail(&b->in_pending, e);
        g_cond_broadcast(&b->cond);
    }
}

static void reap_urb(struct usbboard *b, struct plug *p, UMockdevIoctlClient *client,
                     UMockdevIoctlData *arg, int blocking)
{
    struct waiter *w;
    if (try_reap(b, client, arg))
        return;
    if (p->gone) {
        fail(client, ENODEV);
        return;
    }
    w = g_new0(struct waiter, 1);
    w->client = g_object_ref(client);
    w->arg = g_object_ref(arg);
    w->deadline = blocking ? 0 : g_get_monotonic_time() + (gint64)b->cfg.reap_wait_ms * 1000;
    g_queue_push_tail(&b->waiters, w);
    g_cond_broadcast(&b->cond);
}

static void discard_urb(struct usbboard *b, UMockdevIoctlClient *client, UMockdevIoctlData *arg)
{
    gulong addr = *(gulong *)arg->data; /* DISCARDURB's argument is the URB pointer itself */
    GQueue *queues[] = {&b->in_pending, &b->ctl_held};
    for (size_t i = 0; i < 2; i++) {
        for (GList *l = queues[i]->head; l; l = l->next) {
            struct urb_entry *e = l->data;
            if (e->client == client && e->urb_data->client_addr == addr) {
                g_queue_delete_link(queues[i], l);
                umockdev_ioctl_client_complete(client, 0, 0);
                b->stats.urbs_discarded++;
                complete_urb(b, e, -ENOENT, 0);
                return;
            }
        }
    }
    fail(client, EINVAL); /* already completed (or never submitted) */
}

static gboolean handle_ioctl(UMockdevIoctlBase *handler, UMockdevIoctlClient *client,
                             gpointer user_data)
{
    struct plug *p = user_data;
    struct usbboard *b = p->b;
    gulong req = umockdev_ioctl_client_get_request(client);
    UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg(client);
    UMockdevIoctlData *d;
    (void)handler;

    g_mutex_lock(&b->lock);
    if (b->cfg.verbose > 1)
        fprintf(stderr, "usbboard: ioctl %#lx\n", req);
    switch (req) {
    case USBDEVFS_SUBMITURB:
        submit_urb(b, p, client, arg);
        break;
    case USBDEVFS_REAPURBNDELAY:
        reap_urb(b, p, client, arg, 0);
        break;
    case USBDEVFS_REAPURB:
        reap_urb(b, p, client, arg, 1);
        break;
    case USBDEVFS_DISCARDURB:
        discard_urb(b, client, arg);
        break;
    default:
        if (p->gone) {
            fail(client, ENODEV);
            break;
        }
        switch (req) {
        case USBDEVFS_GET_CAPABILITIES:
            /* No scatter-gather, no bulk continuation: libusb then sends each bulk transfer
             * as one URB (NO_PACKET_SIZE_LIM). */
            d = resolve(arg, sizeof(guint32));
            if (!d) {
                fail(client, EFAULT);
                break;
            }
            *(guint32 *)d->data = USBDEVFS_CAP_NO_PACKET_SIZE_LIM |
                                  USBDEVFS_CAP_REAP_AFTER_DISCONNECT | USBDEVFS_CAP_ZERO_PACKET;
            umockdev_ioctl_client_complete(client, 0, 0);
            g_object_unref(d);
            break;
        case USBDEVFS_CLAIMINTERFACE:
        case USBDEVFS_RELEASEINTERFACE:
            d = resolve(arg, sizeof(unsigned int));
            if (!d) {
                fail(client, EFAULT);
                break;
            }
            if (*(unsigned int *)d->data != 0)
                fail(client, EINVAL);
            else
                umockdev_ioctl_client_complete(client, 0, 0);
            g_object_unref(d);
            break;
        case USBDEVFS_SETINTERFACE:
            d = resolve(arg, sizeof(struct usbdevfs_setinterface));
            if (!d) {
                fail(client, EFAULT);
                break;
            }
            if (((struct usbdevfs_setinterface *)d->data)->interface != 0 ||
                ((struct usbdevfs_setinterface *)d->data)->altsetting != 0)
                fail(client, EINVAL);
            else
                umockdev_ioctl_client_complete(client, 0, 0);
            g_object_unref(d);
            break;
        case USBDEVFS_SETCONFIGURATION:
            d = resolve(arg, sizeof(int));
            if (!d) {
                fail(client, EFAULT);
                break;
            }
            if (*(int *)d->data != 1 && *(int *)d->data != -1 && *(int *)d->data != 0)
                fail(client, EINVAL);
            else
                umockdev_ioctl_client_complete(client, 0, 0);
            g_object_unref(d);
            break;
        case USBDEVFS_CLEAR_HALT:
        case USBDEVFS_RESETEP:
            d = resolve(arg, sizeof(unsigned int));
            if (!d) {
                fail(client, EFAULT);
                break;
            }
            if (*(unsigned int *)d->data == WIRE_EP_IN)
                b->in_halted = 0;
            umockdev_ioctl_client_complete(client, 0, 0);
            g_object_unref(d);
            g_cond_broadcast(&b->cond);
            break;
        case USBDEVFS_RESET:
            b->in_halted = 0;
            umockdev_ioctl_client_complete(client, 0, 0);
            break;
        case USBDEVFS_GETDRIVER:
        case USBDEVFS_IOCTL:
            fail(client, ENODATA); /* no kernel driver bound */
            break;
        default:
            b->stats.unknown_ioctls++;
            if (b->cfg.verbose)
                fprintf(stderr, "usbboard: unsupported ioctl %#lx\n", req);
            fail(client, ENOTTY);
            break;
        }
    }
    g_mutex_unlock(&b->lock);
    return TRUE;
}

/* A client closed the device (or died): forget its URBs and held reaps. */
static void client_vanished(UMockdevIoctlBase *handler, UMockdevIoctlClient *client,
                            gpointer user_data)
{
    struct plug *p = user_data;
    struct usbboard *b = p->b;
    GQueue *queues[] = {&b->in_pending, &b->done, &b->ctl_held};
    (void)handler;
    g_mutex_lock(&b->lock);
    for (size_t i = 0; i < 3; i++) {
        GList *l = queues[i]->head;
        while (l) {
            GList *next = l->next;
            struct urb_entry *e = l->data;
            if (e->client == client) {
                g_queue_delete_link(queues[i], l);
                urb_free(e);
            }
            l = next;
        }
    }
    for (GList *l = b->waiters.head; l;) {
        GList *next = l->next;
        struct waiter *w = l->data;
        if (w->client == client) {
            g_queue_delete_link(&b->waiters, l);
            waiter_free(w);
        }
        l = next;
    }
    g_mutex_unlock(&b->lock);
}

/* ---- device thread ------------------------------------------------------------------------ */

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static gpointer device_thread(gpointer data)
{
    struct usbboard *b = data;
    g_mutex_lock(&b->lock);
    while (!b->quit) {
        int progress = 0;
        gint64 now, until;
        while (b->plug && !b->in_halted && b->in_pending.head) {
            struct urb_entry *e = b->in_pending.head->data;
            struct usbdevfs_urb *u = urb_of(e);
            long n =
                usbsim_stream_read(b->sim, e->buf_data->data, (size_t)u->buffer_length, now_ns());
            if (n <= 0)
                break;
            g_queue_pop_head(&b->in_pending);
            b->stats.bulk_in_bytes += (uint64_t)n;
            complete_urb(b, e, 0, (int)n);
            progress = 1;
        }
        if (b->in_halted) {
            while (b->in_pending.head) {
                struct urb_entry *e = g_queue_pop_head(&b->in_pending);
                complete_urb(b, e, -EPIPE, 0);
            }
        }
        now = g_get_monotonic_time();
        until = now + (b->in_pending.head ? IDLE_POLL_US : 100000);
        for (GList *l = b->waiters.head; l;) {
            GList *next = l->next;
            struct waiter *w = l->data;
            if (w->deadline && w->deadline <= now) {
                g_queue_delete_link(&b->waiters, l);
                fail(w->client, EAGAIN);
                waiter_free(w);
            } else if (w->deadline && w->deadline < until) {
                until = w->deadline;
            }
            l = next;
        }
        /* A frame in progress goes on at once while URBs wait for it. */
        if (!progress && !(b->plug && b->in_pending.head && usbsim_busy(b->sim)))
            g_cond_wait_until(&b->cond, &b->lock, until);
    }
    g_mutex_unlock(&b->lock);
    return NULL;
}

/* ---- plugging ----------------------------------------------------------------------------- */

static char *hex(const uint8_t *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02X", p[i]);
    out[2 * n] = 0;
    return out;
}

/*
 * Whether the umockdev preload library is loaded in this process. umockdev_testbed_uevent()
 * looks the device up through the preload's /sys redirection; without it the uevent fails
 * ("uevent_sender_send: No such device") and no client hears of the unplug or the replug.
 */
static int preload_loaded(void)
{
    char line[512];
    int found = 0;
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return 0;
    while (!found && fgets(line, sizeof line, f))
        found = strstr(line, "libumockdev-preload") != NULL;
    fclose(f);
    return found;
}

/* Sends a uevent for the board where this process can; says once when it cannot. */
static void send_uevent(struct usbboard *b, const char *action)
{
    if (b->uevents) {
        umockdev_testbed_uevent(b->tb, "/sys" SYSPATH, action);
        return;
    }
    if (!b->warned)
        fprintf(stderr,
                "usbboard: not running under the umockdev preload library: no %s uevent "
                "(clients find the board by polling; see usbboard_child_env)\n",
                action);
    b->warned = 1;
}

/* Adds the device at b->next_devnum to the testbed and attaches a handler. Lock not held. */
static int plug_in(struct usbboard *b)
{
    char text[4096], dh[2 * 18 + 1], ch[2 * 32 + 1];
    struct plug *p;
    unsigned dn = b->next_devnum++;
    GError *err = NULL;
    snprintf(text, sizeof text,
             "P: " SYSPATH "\n"
             "N: bus/usb/%03u/%03u\n"
             "E: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\nE: DRIVER=usb\n"
             "E: BUSNUM=%03u\nE: DEVNUM=%03u\nE: DEVNAME=/dev/bus/usb/%03u/%03u\n"
             "E: PRODUCT=%x/%x/%x\nE: TYPE=0/0/0\n"
             "E: ID_VENDOR=Edge_ALPR_project\nE: ID_MODEL=ALPR_camera_board\n"
             "E: ID_SERIAL_SHORT=%s\n"
             "A: busnum=%u\\n\nA: devnum=%u\\n\nA: devpath=1\\n\nA: speed=480\\n\n"
             "A: version= 2.00\\n\nA: maxchild=0\\n\n"
             "A: idVendor=%04x\\n\nA: idProduct=%04x\\n\nA: bcdDevice=%04x\\n\n"
             "A: bDeviceClass=00\\n\nA: bDeviceSubClass=00\\n\nA: bDeviceProtocol=00\\n\n"
             "A: bMaxPacketSize0=64\\n\nA: bNumConfigurations=1\\n\n"
             "A: bConfigurationValue=1\\n\nA: bNumInterfaces= 1\\n\nA: bmAttributes=80\\n\n"
             "A: bMaxPower=100mA\\n\n"
             "A: manufacturer=" MANUFACTURER "\\n\nA: product=" PRODUCT "\\n\n"
             "A: serial=%s\\n\n"
             "H: descriptors=%s%s\n",
             USBBOARD_BUS, dn, USBBOARD_BUS, dn, USBBOARD_BUS, dn, WIRE_USB_VID, WIRE_USB_PID,
             WIRE_USB_BCD_DEVICE, b->serial, USBBOARD_BUS, dn, WIRE_USB_VID, WIRE_USB_PID,
             WIRE_USB_BCD_DEVICE, b->serial, hex(dev_desc, sizeof dev_desc, dh),
             hex(cfg_desc, sizeof cfg_desc, ch));
    p = g_new0(struct plug, 1);
    p->b = b;
    p->devnum = dn;
    snprintf(p->devnode, sizeof p->devnode, "/dev/bus/usb/%03u/%03u", USBBOARD_BUS, dn);
    p->handler = umockdev_ioctl_base_new();
    g_signal_connect(p->handler, "handle-ioctl", G_CALLBACK(handle_ioctl), p);
    g_signal_connect(p->handler, "client-vanished", G_CALLBACK(client_vanished), p);
    if (!umockdev_testbed_attach_ioctl(b->tb, p->devnode, p->handler, &err)) {
        if (b->cfg.verbose)
            fprintf(stderr, "usbboard: attach ioctl: %s\n", err->message);
        g_error_free(err);
        g_object_unref(p->handler);
        g_free(p);
        return USBBOARD_ERR_TESTBED;
    }
    /* The device node's socket first, then the device: a program that sees the device in
     * sysfs always finds a node that answers. */
    if (!umockdev_testbed_add_from_string(b->tb, text, &err)) {
        if (b->cfg.verbose)
            fprintf(stderr, "usbboard: add device: %s\n", err->message);
        g_error_free(err);
        (void)umockdev_testbed_detach_ioctl(b->tb, p->devnode, NULL);
        g_object_unref(p->handler);
        g_free(p);
        return USBBOARD_ERR_TESTBED;
    }
    g_mutex_lock(&b->lock);
    g_ptr_array_add(b->plugs, p);
    b->plug = p;
    b->in_halted = 0;
    g_mutex_unlock(&b->lock);
    if (b->announce)
        send_uevent(b, "add");
    b->announce = 1;
    return 0;
}

static int serial_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 8 || n > USBBOARD_MAX_SERIAL)
        return 0;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z') || *s == '-'))
            return 0;
    return 1;
}

int usbboard_new(const struct usbboard_config *cfg, struct usbboard **out)
{
    struct usbboard *b;
    const char *serial = cfg->serial ? cfg->serial : DEFAULT_SERIAL;
    int err;
    if (!serial_ok(serial))
        return USBBOARD_ERR_INVALID;
    b = g_new0(struct usbboard, 1);
    b->cfg = *cfg;
    if (!b->cfg.reap_wait_ms)
        b->cfg.reap_wait_ms = DEFAULT_REAP_WAIT_MS;
    snprintf(b->serial, sizeof b->serial, "%s", serial);
    g_mutex_init(&b->lock);
    g_cond_init(&b->cond);
    g_queue_init(&b->in_pending);
    g_queue_init(&b->done);
    g_queue_init(&b->waiters);
    g_queue_init(&b->ctl_held);
    b->plugs = g_ptr_array_new();
    b->next_devnum = 2;
    b->uevents = preload_loaded();
    if (usbsim_new(&cfg->sim, &b->sim) != 0) {
        err = USBBOARD_ERR_SIM;
        goto fail;
    }
    b->tb = umockdev_testbed_new();
    if (!b->tb) {
        err = USBBOARD_ERR_TESTBED;
        goto fail;
    }
    b->thread = g_thread_new("usbboard", device_thread, b);
    err = plug_in(b);
    if (err)
        goto fail;
    *out = b;
    return 0;
fail:
    usbboard_free(b);
    return err;
}

/* Completes everything in flight with ENODEV. Lock held. */
static void kill_all(struct usbboard *b)
{
    while (b->in_pending.head) {
        struct urb_entry *e = g_queue_pop_head(&b->in_pending);
        complete_urb(b, e, -ENODEV, 0);
    }
    while (b->ctl_held.head) {
        struct urb_entry *e = g_queue_pop_head(&b->ctl_held);
        complete_urb(b, e, -ENODEV, 0);
    }
    while (b->waiters.head) {
        struct waiter *w = g_queue_pop_head(&b->waiters);
        if (!try_reap(b, w->client, w->arg))
            fail(w->client, ENODEV);
        waiter_free(w);
    }
}

int usbboard_unplug(struct usbboard *b)
{
    g_mutex_lock(&b->lock);
    if (!b->plug) {
        g_mutex_unlock(&b->lock);
        return USBBOARD_ERR_STATE;
    }
    b->plug->gone = 1;
    b->plug = NULL;
    kill_all(b);
    g_mutex_unlock(&b->lock);
    send_uevent(b, "remove");
    umockdev_testbed_remove_device(b->tb, "/sys" SYSPATH);
    return 0;
}

int usbboard_replug(struct usbboard *b)
{
    g_mutex_lock(&b->lock);
    if (b->plug) {
        g_mutex_unlock(&b->lock);
        return USBBOARD_ERR_STATE;
    }
    /* Power-up state (registers at reset, numbering from 0); the camera goes on where it was. */
    if (usbsim_power_cycle(b->sim) != 0) {
        g_mutex_unlock(&b->lock);
        return USBBOARD_ERR_SIM;
    }
    g_mutex_unlock(&b->lock);
    return plug_in(b);
}

void usbboard_free(struct usbboard *b)
{
    if (!b)
        return;
    if (b->thread) {
        g_mutex_lock(&b->lock);
        b->quit = 1;
        if (b->plug) {
            b->plug->gone = 1;
            b->plug = NULL;
        }
        kill_all(b);
        g_cond_broadcast(&b->cond);
        g_mutex_unlock(&b->lock);
        g_thread_join(b->thread);
    }
    if (b->tb) {
        for (guint i = 0; i < b->plugs->len; i++) {
            struct plug *p = g_ptr_array_index(b->plugs, i);
            (void)umockdev_testbed_detach_ioctl(b->tb, p->devnode, NULL);
        }
        g_object_unref(b->tb);
    }
    for (guint i = 0; i < b->plugs->len; i++) {
        struct plug *p = g_ptr_array_index(b->plugs, i);
        g_object_unref(p->handler);
        g_free(p);
    }
    g_ptr_array_free(b->plugs, TRUE);
    while (b->done.head)
        urb_free(g_queue_pop_head(&b->done));
    usbsim_free(b->sim);
    g_mutex_clear(&b->lock);
    g_cond_clear(&b->cond);
    g_free(b);
}

void usbboard_fault(struct usbboard *b, enum usbsim_fault fault, uint32_t arg)
{
    g_mutex_lock(&b->lock);
    usbsim_fault(b->sim, fault, arg);
    g_mutex_unlock(&b->lock);
}

void usbboard_hold_control(struct usbboard *b, int on)
{
    g_mutex_lock(&b->lock);
    b->hold_control = on;
    while (!on && b->ctl_held.head)
        answer_control(b, g_queue_pop_head(&b->ctl_held));
    g_mutex_unlock(&b->lock);
}

void usbboard_stall_in(struct usbboard *b)
{
    g_mutex_lock(&b->lock);
    b->in_halted = 1;
    g_cond_broadcast(&b->cond);
    g_mutex_unlock(&b->lock);
}

void usbboard_devnode(struct usbboard *b, char *buf, size_t size)
{
    g_mutex_lock(&b->lock);
    snprintf(buf, size, "%s", b->plug ? b->plug->devnode : "");
    g_mutex_unlock(&b->lock);
}

void usbboard_stats(struct usbboard *b, struct usbboard_stats *out)
{
    g_mutex_lock(&b->lock);
    *out = b->stats;
    out->plugged = b->plug != NULL;
    out->devnum = b->plug ? b->plug->devnum : 0;
    g_mutex_unlock(&b->lock);
}

void usbboard_sim_stats(struct usbboard *b, struct usbsim_stats *out)
{
    g_mutex_lock(&b->lock);
    usbsim_stats(b->sim, out);
    g_mutex_unlock(&b->lock);
}

int usbboard_reexec_preloaded(char **argv)
{
    const char *pre = getenv("LD_PRELOAD");
    if (pre && strstr(pre, "libumockdev-preload"))
        return 0;
    if (usbboard_child_env() != 0)
        return -1;
    execv("/proc/self/exe", argv);
    return -1;
}

int usbboard_child_env(void)
{
    const char *old = getenv("LD_PRELOAD"), *asan = getenv("ASAN_OPTIONS");
    char *v;
    int r;
    if (old && strstr(old, "libumockdev-preload"))
        v = g_strdup(old);
    else
        v = g_strdup_printf("libumockdev-preload.so.0%s%s", old && *old ? ":" : "", old ? old : "");
    r = setenv("LD_PRELOAD", v, 1);
    g_free(v);
    if (r != 0)
        return -1;
    v = g_strdup_printf("%s%sverify_asan_link_order=0", asan ? asan : "", asan && *asan ? ":" : "");
    r = setenv("ASAN_OPTIONS", v, 1);
    g_free(v);
    return r == 0 ? 0 : -1;
}
