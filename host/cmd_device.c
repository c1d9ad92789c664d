/*
 * alpr device: the camera board over USB: list boards, read and write registers, show the
 * board's counters, stream frames to files. See docs/DRIVER.md.
 */
#include "alpr_dev.h"
#include "cli.h"
#include "commands.h"
#include "image.h"
#include "wire.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define CMD        "device"
#define MAX_LIST   32
#define MAX_INJECT 256

static void usage(FILE *f)
{
    fprintf(f,
            "usage: alpr device [OPTIONS] ACTION [ARGS]\n"
            "\n"
            "The camera board over USB (VID:PID %04x:%04x).\n"
            "\n"
            "Actions:\n"
            "  list                  boards present: bus, address, serial, product\n"
            "  info                  identity, version, capabilities, status\n"
            "  read REG              read a register (name such as FRAME_SIZE, or number)\n"
            "  write REG VALUE       write a register (VALUE decimal or 0x hex)\n"
            "  counters              the board's counter registers\n"
            "  stream                stream frames: print one line per frame, and with --out\n"
            "                        write DIR/frame-NNNNNN.pgm (pixels; the mask as 0/255) and\n"
            "                        DIR/frame-NNNNNN.csv (records)\n"
            "\n"
            "Options:\n"
            "  --serial S            the board with this serial number (default: the first)\n"
            "  --frames N            stream: frames to take (default 10)\n"
            "  --out DIR             stream: where to write them (created if missing)\n"
            "  --size WxH            stream: set FRAME_SIZE first\n"
            "  --timeout-ms MS       stream: give up after MS without a frame (default 5000)\n"
            "  --transfers N         stream: bulk transfers in flight (default 8)\n"
            "  --transfer-kib K      stream: KiB per transfer (default 128)\n"
            "  --inject FILE         stream: send this image to the board on bulk OUT as its\n"
            "                        camera frame (CONTROL.SOURCE = 1, FRAME_SIZE = its size)\n"
            "                        and take the frame back; repeatable (--frames is then the\n"
            "                        number of files)\n"
            "  -h, --help            this help\n"
            "\n"
            "Global --json / --csv change the output of list, read, counters and stream.\n"
            "Exit status: 0 ok, 1 failure (the board refused: stall), 2 usage, 5 no board.\n",
            WIRE_USB_VID, WIRE_USB_PID);
}

static int dev_exit(int err)
{
    switch (err) {
    case ALPR_DEV_ERR_NOT_FOUND:
    case ALPR_DEV_ERR_NO_DEVICE:
    case ALPR_DEV_ERR_ACCESS:
    case ALPR_DEV_ERR_BUSY:
        return CLI_EXIT_DEVICE;
    case ALPR_DEV_ERR_INVALID:
        return CLI_EXIT_USAGE;
    default:
        return CLI_EXIT_FAIL;
    }
}

/* Register by name or number. Returns 0 or -1. */
static int parse_reg(const char *text, unsigned *addr)
{
    char *end;
    unsigned long v;
    if (wire_reg_lookup(text, addr) == 0)
        return 0;
    errno = 0;
    v = strtoul(text, &end, 0);
    if (errno || end == text || *end || v > 0xFFFF)
        return -1;
    *addr = (unsigned)v;
    return 0;
}

static int parse_u32(const char *text, uint32_t *out)
{
    char *end;
    unsigned long long v;
    errno = 0;
    v = strtoull(text, &end, 0);
    if (errno || end == text || *end || v > 0xFFFFFFFFull || text[0] == '-')
        return -1;
    *out = (uint32_t)v;
    return 0;
}

static int do_list(const struct cli_global *g)
{
    struct alpr_dev_info info[MAX_LIST];
    size_t n = 0;
    int err = alpr_dev_list(0, 0, info, MAX_LIST, &n);
    if (err != 0) {
        cli_error(CMD, "list: %s", alpr_dev_strerror(err));
        return dev_exit(err);
    }
    if (n > MAX_LIST)
        n = MAX_LIST;
    if (g->format == CLI_FORMAT_JSON) {
        printf("[");
        for (size_t i = 0; i < n; i++) {
            printf("%s{\"bus\":%u,\"address\":%u,\"serial\":", i ? "," : "", info[i].bus,
                   info[i].address);
            cli_json_string(stdout, info[i].serial);
            printf(",\"manufacturer\":");
            cli_json_string(stdout, info[i].manufacturer);
            printf(",\"product\":");
            cli_json_string(stdout, info[i].product);
            printf(",\"bcd_device\":\"%x.%02x\"}", info[i].bcd_device >> 8,
                   info[i].bcd_device & 0xFF);
        }
        printf("]\n");
    } else if (g->format == CLI_FORMAT_CSV) {
        printf("bus,address,serial,manufacturer,product\n");
        for (size_t i = 0; i < n; i++) {
            printf("%u,%u,", info[i].bus, info[i].address);
            cli_csv_field(stdout, info[i].serial);
            putchar(',');
            cli_csv_field(stdout, info[i].manufacturer);
            putchar(',');
            cli_csv_field(stdout, info[i].product);
            putchar('\n');
        }
    } else {
        if (n == 0)
            printf("no board found\n");
        for (size_t i = 0; i < n; i++)
            printf("bus %03u device %03u  %04x:%04x  serial %s  %s / %s  (protocol %x.%x)\n",
                   info[i].bus, info[i].address, info[i].vid, info[i].pid,
                   info[i].serial[0] ? info[i].serial : "?", info[i].manufacturer, info[i].product,
                   info[i].bcd_device >> 8, info[i].bcd_device & 0xFF);
    }
    return CLI_EXIT_OK;
}

static int read_regs(struct alpr_dev *d, const unsigned *addrs, size_t n,
                     const struct cli_global *g)
{
    uint32_t v[32];
    for (size_t i = 0; i < n; i++) {
        int err = alpr_dev_reg_read(d, addrs[i], &v[i]);
        if (err != 0) {
            cli_error(CMD, "register %s (0x%02x): %s",
                      wire_reg_name(addrs[i]) ? wire_reg_name(addrs[i]) : "?", addrs[i],
                      alpr_dev_strerror(err));
            return dev_exit(err);
        }
    }
    if (g->format == CLI_FORMAT_JSON) {
        printf("{");
        for (size_t i = 0; i < n; i++) {
            const char *name = wire_reg_name(addrs[i]);
            char buf[16];
            if (!name) {
                snprintf(buf, sizeof buf, "0x%02x", addrs[i]);
                name = buf;
            }
            printf("%s", i ? "," : "");
            cli_json_string(stdout, name);
            printf(":%u", v[i]);
        }
        printf("}\n");
    } else if (g->format == CLI_FORMAT_CSV) {
        printf("register,address,value\n");
        for (size_t i = 0; i < n; i++)
            printf("%s,%u,%u\n", wire_reg_name(addrs[i]) ? wire_reg_name(addrs[i]) : "", addrs[i],
                   v[i]);
    } else {
        for (size_t i = 0; i < n; i++)
            printf("%-15s 0x%02x  0x%08x  %u\n",
                   wire_reg_name(addrs[i]) ? wire_reg_name(addrs[i]) : "?", addrs[i], v[i], v[i]);
    }
    return CLI_EXIT_OK;
}

static int ensure_dir(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) == 0)
        return S_ISDIR(st.st_mode) ? 0 : -1;
    return mkdir(dir, 0777);
}

/* Writes one frame's pixels (PGM) and records (CSV) into dir. Returns 0 or -1. */
static int save_frame(const char *dir, const struct wire_frame *f)
{
    char path[4096];
    FILE *csv;
    const struct wire_head *h = &f->head;
    if (h->pixel_mode != WIRE_PIXELS_NONE && h->roi_w && h->roi_h) {
        struct image im;
        int err;
        if (image_alloc(&im, h->roi_w, h->roi_h) != 0)
            return -1;
        if (h->pixel_mode == WIRE_PIXELS_GRAY8) {
            memcpy(im.pixels, f->pixels, (size_t)h->roi_w * h->roi_h);
        } else {
            size_t rb = wire_row_bytes(h);
            for (int y = 0; y < h->roi_h; y++)
                for (int x = 0; x < h->roi_w; x++)
                    im.pixels[(size_t)y * h->roi_w + x] =
                        (f->pixels[(size_t)y * rb + x / 8] >> (x % 8)) & 1 ? 255 : 0;
        }
        snprintf(path, sizeof path, "%s/frame-%06u.pgm", dir, h->frame);
        err = image_save_pgm(path, &im);
        image_free(&im);
        if (err != 0)
            return -1;
    }
    snprintf(path, sizeof path, "%s/frame-%06u.csv", dir, h->frame);
    csv = fopen(path, "w");
    if (!csv)
        return -1;
    fprintf(csv, "x0,y0,x1,y1,ink,plane,edges,label\n");
    for (size_t i = 0; i < f->ncomps; i++) {
        const struct wire_comp *c = &f->comps[i];
        fprintf(csv, "%u,%u,%u,%u,%u,%u,%u,%u\n", c->x0, c->y0, c->x1, c->y1, c->ink, c->plane,
                c->edges, c->label);
    }
    return fclose(csv) == 0 ? 0 : -1;
}

/* Loads an injected file and sends it (FRAME_SIZE set to its size first). Returns 0 or an exit
 * code. */
static int inject_file(struct alpr_dev *d, const char *path)
{
    struct image im;
    int err = image_load(path, &im);
    if (err != 0) {
        cli_error(CMD, "--inject %s: %s", path, image_strerror(err));
        return CLI_EXIT_DATA;
    }
    if (im.width > WIRE_MAX_WIDTH || im.height > WIRE_MAX_HEIGHT) {
        cli_error(CMD, "--inject %s: %dx%d is larger than the board's %dx%d", path, im.width,
                  im.height, WIRE_MAX_WIDTH, WIRE_MAX_HEIGHT);
        image_free(&im);
        return CLI_EXIT_DATA;
    }
    err =
        alpr_dev_reg_write(d, WIRE_REG_FRAME_SIZE, (uint32_t)im.height << 16 | (uint32_t)im.width);
    if (err == 0)
        err = alpr_dev_inject_frame(d, im.pixels, im.width, im.height, im.width);
    image_free(&im);
    if (err != 0) {
        cli_error(CMD, "--inject %s: %s", path, alpr_dev_strerror(err));
        return dev_exit(err);
    }
    return CLI_EXIT_OK;
}

static int do_stream(struct alpr_dev *d, long frames, const char *out, long timeout_ms,
                     const struct alpr_dev_stream_opts *so, const char *const *inject,
                     size_t ninject, const struct cli_global *g)
{
    struct alpr_dev_counters c;
    int err, rc = CLI_EXIT_OK;
    long got = 0;
    struct timespec t0, t1;
    if (out && ensure_dir(out) != 0) {
        cli_error(CMD, "--out %s: cannot create the folder: %s", out, strerror(errno));
        return CLI_EXIT_FAIL;
    }
    err = alpr_dev_start(d, so);
    if (err != 0) {
        cli_error(CMD, "stream: %s", alpr_dev_strerror(err));
        return dev_exit(err);
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (g->format == CLI_FORMAT_CSV)
        printf("frame,timestamp,width,height,pixel_mode,rows,records,found,flags\n");
    if (ninject)
        frames = (long)ninject;
    while (got < frames) {
        struct wire_frame f;
        if (ninject && (rc = inject_file(d, inject[got])) != CLI_EXIT_OK)
            break;
        err = alpr_dev_next_frame(d, &f, (int)timeout_ms);
        if (err != 0) {
            cli_error(CMD, "stream: after %ld frames: %s", got, alpr_dev_strerror(err));
            rc = err == ALPR_DEV_ERR_TIMEOUT ? CLI_EXIT_FAIL : dev_exit(err);
            break;
        }
        got++;
        if (g->format == CLI_FORMAT_JSON)
            printf("{\"frame\":%u,\"timestamp\":%llu,\"width\":%u,\"height\":%u,"
                   "\"pixel_mode\":%u,\"rows\":%u,\"records\":%u,\"found\":%u,\"flags\":%u}\n",
                   f.head.frame, (unsigned long long)f.head.timestamp, f.head.width, f.head.height,
                   f.head.pixel_mode, f.tail.rows, f.tail.records, f.tail.found, f.tail.flags);
        else if (g->format == CLI_FORMAT_CSV)
            printf("%u,%llu,%u,%u,%u,%u,%u,%u,%u\n", f.head.frame,
                   (unsigned long long)f.head.timestamp, f.head.width, f.head.height,
                   f.head.pixel_mode, f.tail.rows, f.tail.records, f.tail.found, f.tail.flags);
        else
            printf("frame %u  %ux%u  rows %u  records %u (found %u)%s\n", f.head.frame,
                   f.head.width, f.head.height, f.tail.rows, f.tail.records, f.tail.found,
                   (f.tail.flags & WIRE_FLAG_TRUNCATED) ? "  TRUNCATED" : "");
        if (out && save_frame(out, &f) != 0) {
            cli_error(CMD, "--out %s: cannot write frame %u: %s", out, f.head.frame,
                      strerror(errno));
            wire_frame_free(&f);
            rc = CLI_EXIT_FAIL;
            break;
        }
        wire_frame_free(&f);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    alpr_dev_get_counters(d, &c);
    (void)alpr_dev_stop(d);
    if (!g->quiet) {
        double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        fprintf(stderr,
                "alpr device: %ld frames in %.3f s (%.1f frames/s, %.2f MB/s on the wire); "
                "lost %llu (crc %llu, seq gaps %llu, malformed %llu), aborted %llu, "
                "skipped %llu bytes, queue drops %llu\n",
                got, s, s > 0 ? got / s : 0.0, s > 0 ? (double)c.bytes / s / 1e6 : 0.0,
                (unsigned long long)c.wire.frames_lost, (unsigned long long)c.wire.crc_errors,
                (unsigned long long)c.wire.seq_gaps, (unsigned long long)c.wire.malformed,
                (unsigned long long)c.wire.frames_aborted, (unsigned long long)c.wire.bytes_skipped,
                (unsigned long long)c.frames_queue_dropped);
    }
    return rc;
}

int cmd_device(int argc, char **argv, const struct cli_global *g)
{
    static const struct option opts[] = {
        {"serial", required_argument, NULL, 's'},
        {"frames", required_argument, NULL, 'n'},
        {"out", required_argument, NULL, 'o'},
        {"size", required_argument, NULL, 'z'},
        {"timeout-ms", required_argument, NULL, 't'},
        {"transfers", required_argument, NULL, 'T'},
        {"transfer-kib", required_argument, NULL, 'K'},
        {"inject", required_argument, NULL, 'I'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *serial = NULL, *out = NULL, *action;
    long frames = 10, timeout_ms = 5000, v;
    const char *inject[MAX_INJECT];
    size_t ninject = 0;
    int c, rc, err;
    uint32_t size = 0;
    /* A deep queue: writing files may fall behind the board for a while. */
    struct alpr_dev_stream_opts so = {.queue_frames = 64};
    struct alpr_dev_open_opts oo = {0};
    struct alpr_dev *d = NULL;

    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            serial = optarg;
            break;
        case 'n':
            if (cli_parse_long(optarg, 1, 100000000, &frames) != 0) {
                cli_error(CMD, "--frames: a number from 1 to 100000000, not '%s'", optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case 'o':
            out = optarg;
            break;
        case 'z': {
            unsigned w, h;
            char x;
            if (sscanf(optarg, "%u%c%u", &w, &x, &h) != 3 || x != 'x' || w < 1 || w > 2048 ||
                h < 1 || h > 2048) {
                cli_error(CMD, "--size: WxH with 1..2048 each, not '%s'", optarg);
                return CLI_EXIT_USAGE;
            }
            size = (uint32_t)h << 16 | w;
            break;
        }
        case 't':
            if (cli_parse_long(optarg, 1, 3600000, &timeout_ms) != 0) {
                cli_error(CMD, "--timeout-ms: 1..3600000, not '%s'", optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case 'T':
            if (cli_parse_long(optarg, 1, 64, &v) != 0) {
                cli_error(CMD, "--transfers: 1..64, not '%s'", optarg);
                return CLI_EXIT_USAGE;
            }
            so.transfers = (unsigned)v;
            break;
        case 'K':
            if (cli_parse_long(optarg, 1, 4096, &v) != 0) {
                cli_error(CMD, "--transfer-kib: 1..4096, not '%s'", optarg);
                return CLI_EXIT_USAGE;
            }
            so.transfer_bytes = (size_t)v * 1024;
            break;
        case 'I':
            if (ninject == MAX_INJECT) {
                cli_error(CMD, "--inject: at most %d files", MAX_INJECT);
                return CLI_EXIT_USAGE;
            }
            inject[ninject++] = optarg;
            break;
        case 'h':
            usage(stdout);
            return CLI_EXIT_OK;
        default:
            usage(stderr);
            return CLI_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    action = argv[optind++];
    if (strcmp(action, "list") == 0) {
        if (optind != argc) {
            cli_error(CMD, "list takes no arguments");
            return CLI_EXIT_USAGE;
        }
        return do_list(g);
    }
    if (strcmp(action, "info") && strcmp(action, "read") && strcmp(action, "write") &&
        strcmp(action, "counters") && strcmp(action, "stream")) {
        cli_error(CMD, "unknown action '%s' (list, info, read, write, counters, stream)", action);
        return CLI_EXIT_USAGE;
    }
    {
        int want = !strcmp(action, "read") ? 1 : !strcmp(action, "write") ? 2 : 0;
        if (argc - optind != want) {
            cli_error(CMD, "%s takes %d argument%s", action, want, want == 1 ? "" : "s");
            return CLI_EXIT_USAGE;
        }
    }
    oo.serial = serial;
    err = alpr_dev_open(&oo, &d);
    if (err != 0) {
        cli_error(CMD, "open%s%s: %s", serial ? " --serial " : "", serial ? serial : "",
                  alpr_dev_strerror(err));
        return dev_exit(err);
    }
    if (!strcmp(action, "info")) {
        static const unsigned regs[] = {WIRE_REG_ID,         WIRE_REG_VERSION, WIRE_REG_CAPS,
                                        WIRE_REG_CLOCK_HZ,   WIRE_REG_CONTROL, WIRE_REG_STATUS,
                                        WIRE_REG_FRAME_SIZE, WIRE_REG_OUTPUT};
        struct alpr_dev_info info;
        alpr_dev_get_info(d, &info);
        if (g->format == CLI_FORMAT_TEXT)
            printf("board %s (%s / %s) at bus %03u device %03u\n", info.serial, info.manufacturer,
                   info.product, info.bus, info.address);
        rc = read_regs(d, regs, sizeof regs / sizeof regs[0], g);
    } else if (!strcmp(action, "read")) {
        unsigned addr;
        if (parse_reg(argv[optind], &addr) != 0) {
            cli_error(CMD, "read: unknown register '%s'", argv[optind]);
            rc = CLI_EXIT_USAGE;
        } else {
            rc = read_regs(d, &addr, 1, g);
        }
    } else if (!strcmp(action, "write")) {
        unsigned addr;
        uint32_t val;
        if (parse_reg(argv[optind], &addr) != 0) {
            cli_error(CMD, "write: unknown register '%s'", argv[optind]);
            rc = CLI_EXIT_USAGE;
        } else if (parse_u32(argv[optind + 1], &val) != 0) {
            cli_error(CMD, "write: value '%s' is not a 32-bit number", argv[optind + 1]);
            rc = CLI_EXIT_USAGE;
        } else if ((err = alpr_dev_reg_write(d, addr, val)) != 0) {
            cli_error(CMD, "write %s = 0x%08x: %s", argv[optind], val, alpr_dev_strerror(err));
            rc = dev_exit(err);
        } else {
            rc = CLI_EXIT_OK;
        }
    } else if (!strcmp(action, "counters")) {
        static const unsigned regs[] = {WIRE_REG_STATUS,        WIRE_REG_CNT_FRAMES,
                                        WIRE_REG_CNT_DROPPED,   WIRE_REG_CNT_OVERFLOW,
                                        WIRE_REG_CNT_PROTO_ERR, WIRE_REG_CNT_TRUNCATED,
                                        WIRE_REG_CNT_RECORDS,   WIRE_REG_CNT_INJECT_ERR};
        rc = read_regs(d, regs, sizeof regs / sizeof regs[0], g);
    } else {
        rc = CLI_EXIT_OK;
        if (size && (err = alpr_dev_reg_write(d, WIRE_REG_FRAME_SIZE, size)) != 0) {
            cli_error(CMD, "--size: %s", alpr_dev_strerror(err));
            rc = dev_exit(err);
        }
        if (rc == CLI_EXIT_OK && ninject &&
            (err = alpr_dev_reg_write(d, WIRE_REG_CONTROL, WIRE_CONTROL_SOURCE_INJECT)) != 0) {
            cli_error(CMD, "--inject: CONTROL.SOURCE: %s", alpr_dev_strerror(err));
            rc = dev_exit(err);
        }
        if (rc == CLI_EXIT_OK)
            rc = do_stream(d, frames, out, timeout_ms, &so, inject, ninject, g);
    }
    alpr_dev_close(d);
    return rc;
}
