/*
 * alpr read: reads plates in image files through the board pipeline and prints one line per
 * image (text) or one JSON object per line (--json).
 *
 * Engines (how the board's output is obtained; a small table, one function each):
 *   model  the bit-exact C model of the board (sim/model.h) -> wire stream -> parser -> frame
 *          (the default)
 *   host   no board: the host labels the frame itself at three settings
 *   usb    a board over USB (driver/alpr_dev.h): each image is injected as the camera's frame
 *          (CONTROL.SOURCE = 1) and the board's result frame is read back
 *   sim    the Verilated RTL behind the simulated USB board: `alpr read` re-executes itself as
 *          `alpr-simboard --engine rtl -- alpr read --engine usb ...` (alpr-simboard from the
 *          folder of this program)
 * In --crop mode every image is one plate region and no board is involved.
 */
#include "alpr_dev.h"
#include "board_settings.h"
#include "cli.h"
#include "commands.h"
#include "image.h"
#include "model.h"
#include "ocr.h"
#include "plate_region.h"
#include "recog.h"
#include "wire.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char CMD[] = "read";

/* What an engine keeps between images (the board of the usb engine). */
struct engine_state {
    struct alpr_dev *dev; /* opened at the first image, closed at the end */
    int dev_err;          /* the last alpr_dev error of the usb engine (0 none) */
};

/* An engine's failure that is the board's, not the image's (kept in engine_state.dev_err). */
#define ENGINE_ERR_DEVICE (-100)

struct engine {
    const char *name;
    /* Reads one decoded image; returns 0, a negative recog error or ENGINE_ERR_DEVICE;
     * *board_ms the board part. */
    int (*read)(struct engine_state *st, const struct recog_config *cfg, const struct image *img,
                struct recog_result *out, double *board_ms);
    const char *summary;
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int engine_host(struct engine_state *st, const struct recog_config *cfg,
                       const struct image *img, struct recog_result *out, double *board_ms)
{
    (void)st;
    *board_ms = 0;
    return recog_read_frame(cfg, img->pixels, img->width, img->height, img->width, NULL, 0, out);
}

/* Collects the frame the board model streams: its bytes go through the host's wire parser. */
struct model_sink {
    struct wire_parser *parser;
    struct wire_frame frame;
    int frames;
    int failed;
};

static int sink_frame(void *ctx, const struct wire_frame *f)
{
    struct model_sink *s = ctx;
    wire_frame_free(&s->frame);
    if (wire_frame_copy(&s->frame, f) != 0) {
        s->failed = 1;
        return 1;
    }
    s->frames++;
    return 0;
}

static int sink_output(void *ctx, const uint8_t *data, size_t n)
{
    struct model_sink *s = ctx;
    return wire_parser_feed(s->parser, data, n, sink_frame, s, NULL) != 0;
}

/* The C model of the board: image -> board -> wire stream -> parser -> frame -> recognizer. */
static int engine_model(struct engine_state *st, const struct recog_config *cfg,
                        const struct image *img, struct recog_result *out, double *board_ms)
{
    struct model_sink sink;
    struct model *m = NULL;
    struct board_reg regs[BOARD_SETTINGS_NREGS];
    size_t nregs;
    double t0 = now_ms();
    int rc = RECOG_ERR_INVALID;
    (void)st;
    memset(&sink, 0, sizeof sink);
    if (img->width > WIRE_MAX_WIDTH || img->height > WIRE_MAX_HEIGHT)
        return RECOG_ERR_INVALID; /* larger than the board's frame */
    if (wire_parser_new(0, &sink.parser) != 0)
        return RECOG_ERR_NOMEM;
    if (model_new(sink_output, &sink, &m) != 0) {
        rc = RECOG_ERR_NOMEM;
        goto done;
    }
    /* The board settings `alpr read` uses: the ones the recognizer is tuned for. */
    nregs = board_settings_registers(regs);
    for (size_t i = 0; i < nregs; i++)
        if (model_reg_write(m, regs[i].addr, regs[i].value) != 0)
            goto done;
    if (model_reg_write(m, WIRE_REG_FRAME_SIZE,
                        (uint32_t)img->width | (uint32_t)img->height << 16) != 0 ||
        model_reg_write(m, WIRE_REG_CONTROL, WIRE_CONTROL_RUN) != 0)
        goto done;
    if (model_frame(m, img->pixels, img->width, img->height, img->width, 0) != 0 || sink.failed ||
        sink.frames != 1)
        goto done;
    *board_ms = now_ms() - t0;
    rc = recog_read_wire(cfg, &sink.frame, out);
done:
    model_free(m);
    wire_parser_free(sink.parser);
    wire_frame_free(&sink.frame);
    return rc;
}

/*
 * Opens the board and sets it up for injected frames at the recognizer's settings: the model
 * engine's registers (board_settings.h), every one written, since another program may have
 * changed them.
 */
static int usb_open(struct engine_state *st)
{
    static const struct alpr_dev_stream_opts so = {.queue_frames = 4};
    struct board_reg regs[BOARD_SETTINGS_NREGS + 1];
    size_t nregs = board_settings_registers(regs);
    struct alpr_dev *d = NULL;
    int err = alpr_dev_open(NULL, &d);
    regs[nregs++] = (struct board_reg){WIRE_REG_CONTROL, WIRE_CONTROL_SOURCE_INJECT};
    for (size_t i = 0; err == 0 && i < nregs; i++)
        err = alpr_dev_reg_write(d, regs[i].addr, regs[i].value);
    if (err == 0)
        err = alpr_dev_start(d, &so);
    if (err != 0) {
        alpr_dev_close(d);
        st->dev_err = err;
        return ENGINE_ERR_DEVICE;
    }
    st->dev = d;
    return 0;
}

/* A board over USB: the image is injected as the camera's frame and its result read back. */
static int engine_usb(struct engine_state *st, const struct recog_config *cfg,
                      const struct image *img, struct recog_result *out, double *board_ms)
{
    struct wire_frame f;
    double t0 = now_ms();
    /* The RTL behind the simulated board needs about 1 us per pixel; leave ample margin. */
    int timeout_ms = 20000 + (int)((long)img->width * img->height / 50);
    int err, rc;
    if (img->width > WIRE_MAX_WIDTH || img->height > WIRE_MAX_HEIGHT)
        return RECOG_ERR_INVALID; /* larger than the board's frame */
    if (!st->dev && (rc = usb_open(st)) != 0)
        return rc;
    err = alpr_dev_reg_write(st->dev, WIRE_REG_FRAME_SIZE,
                             (uint32_t)img->width | (uint32_t)img->height << 16);
    if (err == 0)
        err = alpr_dev_inject_frame(st->dev, img->pixels, img->width, img->height, img->width);
    if (err == 0)
        err = alpr_dev_next_frame(st->dev, &f, timeout_ms);
    if (err != 0) {
        st->dev_err = err;
        return ENGINE_ERR_DEVICE;
    }
    *board_ms = now_ms() - t0;
    if (f.head.width != (unsigned)img->width || f.head.height != (unsigned)img->height ||
        (f.tail.flags & WIRE_FLAG_ABORTED)) {
        wire_frame_free(&f);
        st->dev_err = ALPR_DEV_ERR_PROTOCOL;
        return ENGINE_ERR_DEVICE;
    }
    rc = recog_read_wire(cfg, &f, out);
    wire_frame_free(&f);
    return rc;
}

static const struct engine engines[] = {
    {"model", engine_model, "bit-exact C model of the board (sim/model.h)"},
    {"host", engine_host, "the host labels the frame itself (no board)"},
    {"sim", NULL, "Verilated RTL behind the simulated USB board"},
    {"usb", engine_usb, "a board over USB"},
};

/* Exit status for an alpr_dev error of the usb engine. */
static int dev_exit(int err)
{
    switch (err) {
    case ALPR_DEV_ERR_NOT_FOUND:
    case ALPR_DEV_ERR_NO_DEVICE:
    case ALPR_DEV_ERR_ACCESS:
    case ALPR_DEV_ERR_BUSY:
        return CLI_EXIT_DEVICE;
    default:
        return CLI_EXIT_FAIL;
    }
}

/*
 * --engine sim: re-executes `alpr-simboard --engine rtl -- ALPR [--json] [-q] read --engine usb
 * ARGS...` (ARGS: this command's arguments without its --engine option). Returns only on failure,
 * with an exit status.
 */
static int run_sim(int argc, char **argv, const struct cli_global *g)
{
    char self[PATH_MAX], board[PATH_MAX + 32];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    char **args;
    int k = 0;
    char *slash;
    if (n <= 0) {
        cli_error(CMD, "--engine sim: cannot find this program (/proc/self/exe): %s",
                  strerror(errno));
        return CLI_EXIT_FAIL;
    }
    self[n] = '\0';
    slash = strrchr(self, '/');
    snprintf(board, sizeof board, "%.*s/alpr-simboard", slash ? (int)(slash - self) : 1,
             slash ? self : ".");
    if (access(board, X_OK) != 0) {
        cli_error(CMD, "--engine sim: the simulated board %s: %s (make build/alpr-simboard)", board,
                  strerror(errno));
        return CLI_EXIT_DEVICE;
    }
    args = calloc((size_t)argc + 16, sizeof *args);
    if (!args) {
        cli_error(CMD, "out of memory");
        return CLI_EXIT_FAIL;
    }
    args[k++] = board;
    args[k++] = (char *)"--engine";
    args[k++] = (char *)"rtl";
    args[k++] = (char *)"--scenes"; /* the camera is not used: injected frames only */
    args[k++] = (char *)"1";
    args[k++] = (char *)"--scene-size";
    args[k++] = (char *)"320x240";
    args[k++] = (char *)"--";
    args[k++] = self;
    if (g->format == CLI_FORMAT_JSON)
        args[k++] = (char *)"--json";
    if (g->quiet)
        args[k++] = (char *)"--quiet";
    args[k++] = (char *)"read";
    args[k++] = (char *)"--engine";
    args[k++] = (char *)"usb";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        size_t len = strcspn(a, "=");
        if (strcmp(a, "--") == 0) {
            for (; i < argc; i++)
                args[k++] = argv[i];
            break;
        }
        /* --engine NAME, --engine=NAME and getopt's unambiguous abbreviations (--eng) */
        if (len >= 3 && strncmp(a, "--engine", len) == 0) {
            if (a[len] != '=')
                i++; /* its value */
            continue;
        }
        args[k++] = argv[i];
    }
    args[k] = NULL;
    fflush(stdout);
    execv(board, args);
    cli_error(CMD, "--engine sim: cannot run %s: %s", board, strerror(errno));
    free(args);
    return CLI_EXIT_FAIL;
}

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: alpr read [OPTIONS] IMAGE...\n"
        "\n"
        "Reads the licence plates in each image (PNG, JPEG or PGM) and prints one line per\n"
        "image: the file, then each plate's text, confidence and box; or with --json one\n"
        "object per line: {\"file\", \"plates\":[{\"text\", \"confidence\", \"box\":[x,y,w,h],\n"
        "\"chars\":[...], \"candidates\":[...]}], \"ms\", \"decode_ms\", \"host_ms\"}.\n"
        "An image that cannot be read gets an error line and the run continues (exit 1).\n"
        "\n"
        "Options:\n"
        "  --engine NAME       model (default: the C model of the board), host (no board:\n"
        "                      the host labels the frame itself), usb (a board on USB:\n"
        "                      each image is injected as its camera frame, at most\n"
        "                      2048x2048), or sim (the Verilated RTL behind the simulated\n"
        "                      USB board, build/alpr-simboard; slow: about 1 frame/s at\n"
        "                      1280x720)\n"
        "  --crop              the whole image is one plate region (no plate finding)\n"
        "  --json              JSON lines (also the global --json)\n"
        "  --max-plates N      plates reported per image (1..%d, default 5)\n"
        "  --candidates N      alternative readings per plate (0..%d, default %d)\n"
        "  --mark-uncertain    print '?' for characters below 50%% confidence\n"
        "  --pattern P[,P...]  jurisdiction formats (L letter, D digit, A either), e.g.\n"
        "                      LLLDDDD,LLLDLDD for Brazil: a reading that fits none is\n"
        "                      replaced by the most probable one that fits\n"
        "  --region R          plate formats of a region as a prior: us, eu, br, ar, auto\n"
        "                      (all of them) or none (the default); an unsure reading\n"
        "                      moves onto a format, a confident one that fits none is\n"
        "                      kept (not with --pattern)\n"
        "  --model FILE        classifier written by ocr_train --out-bin (default: built in)\n"
        "  -h, --help          this help\n"
        "\n"
        "Exit status: 0 ok, 1 some image could not be read, 2 usage, 5 no board (usb, sim).\n",
        RECOG_MAX_PLATES, RECOG_MAX_CANDS, RECOG_MAX_CANDS);
}

static void print_json(const char *file, const struct recog_result *r, double ms, double dec_ms,
                       double host_ms)
{
    printf("{\"file\":");
    cli_json_string(stdout, file);
    printf(",\"plates\":[");
    for (int i = 0; i < r->nplates; i++) {
        const struct recog_plate *p = &r->plates[i];
        printf("%s{\"text\":", i ? "," : "");
        cli_json_string(stdout, p->text);
        printf(",\"confidence\":%.1f,\"box\":[%d,%d,%d,%d],\"chars\":[", (double)p->confidence,
               p->x, p->y, p->w, p->h);
        for (int k = 0; k < p->nchars; k++)
            printf("%s{\"c\":\"%c\",\"conf\":%.3f,\"alt\":\"%c\",\"alt_conf\":%.3f,"
                   "\"box\":[%d,%d,%d,%d]}",
                   k ? "," : "", p->chars[k].c, (double)p->chars[k].conf, p->chars[k].alt,
                   (double)p->chars[k].alt_conf, p->chars[k].x0, p->chars[k].y0,
                   p->chars[k].x1 - p->chars[k].x0 + 1, p->chars[k].y1 - p->chars[k].y0 + 1);
        printf("],\"candidates\":[");
        for (int k = 0; k < p->ncands; k++) {
            printf("%s{\"text\":", k ? "," : "");
            cli_json_string(stdout, p->cands[k].text);
            printf(",\"confidence\":%.2f}", (double)p->cands[k].confidence);
        }
        printf("]}");
    }
    printf("],\"ms\":%.3f,\"decode_ms\":%.3f,\"host_ms\":%.3f}\n", ms, dec_ms, host_ms);
}

static void print_text(const char *file, const struct recog_result *r, double ms)
{
    printf("%s:", file);
    if (r->nplates == 0)
        printf(" no plate");
    for (int i = 0; i < r->nplates; i++) {
        const struct recog_plate *p = &r->plates[i];
        printf(" %s (%.0f%%) [%d,%d,%d,%d]", p->text, (double)p->confidence, p->x, p->y, p->w,
               p->h);
    }
    printf("  %.1f ms\n", ms);
}

int cmd_read(int argc, char **argv, const struct cli_global *g)
{
    static const struct option opts[] = {
        {"engine", required_argument, NULL, 'e'},
        {"crop", no_argument, NULL, 'c'},
        {"json", no_argument, NULL, 'j'},
        {"max-plates", required_argument, NULL, 'p'},
        {"candidates", required_argument, NULL, 'n'},
        {"mark-uncertain", no_argument, NULL, 'u'},
        {"model", required_argument, NULL, 'm'},
        {"pattern", required_argument, NULL, 'P'},
        {"region", required_argument, NULL, 'R'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const struct engine *eng = &engines[0];
    struct engine_state st = {0};
    const char *patterns[RECOG_MAX_PATTERNS];
    char pattern_text[RECOG_MAX_PATTERNS][RECOG_MAX_CHARS + 1];
    int npatterns = 0;
    struct recog_config cfg;
    struct ocr_model *model = NULL;
    struct recog_result *res = NULL;
    int json = g->format == CLI_FORMAT_JSON, crop = 0, c, status = CLI_EXIT_OK;
    long v;
    recog_config_default(&cfg);
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'e': {
            size_t i, n = sizeof engines / sizeof engines[0];
            for (i = 0; i < n && strcmp(optarg, engines[i].name) != 0; i++)
                ;
            if (i == n) {
                cli_error(CMD, "--engine: unknown engine '%s' (model, host, sim, usb)", optarg);
                goto usage_fail;
            }
            eng = &engines[i];
            break;
        }
        case 'c':
            crop = 1;
            break;
        case 'j':
            json = 1;
            break;
        case 'p':
            if (cli_parse_long(optarg, 1, RECOG_MAX_PLATES, &v) != 0) {
                cli_error(CMD, "--max-plates: expected 1..%d, got '%s'", RECOG_MAX_PLATES, optarg);
                goto usage_fail;
            }
            cfg.max_plates = (int)v;
            break;
        case 'n':
            if (cli_parse_long(optarg, 0, RECOG_MAX_CANDS, &v) != 0) {
                cli_error(CMD, "--candidates: expected 0..%d, got '%s'", RECOG_MAX_CANDS, optarg);
                goto usage_fail;
            }
            cfg.ncands = (int)v;
            break;
        case 'u':
            cfg.mark_uncertain = 1;
            break;
        case 'P': {
            /* Comma-separated formats of L (letter), D (digit), A (either); repeatable.
             * Split in a copy: argv stays intact for --engine sim, which passes it on. */
            char *save = NULL, *tok, *text = strdup(optarg);
            if (!text) {
                cli_error(CMD, "out of memory");
                status = CLI_EXIT_FAIL;
                goto done;
            }
            for (tok = strtok_r(text, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                size_t len = strlen(tok);
                if (len == 0 || len > RECOG_MAX_CHARS || strspn(tok, "LDA") != len ||
                    npatterns >= RECOG_MAX_PATTERNS) {
                    cli_error(CMD,
                              "--pattern: '%s' is not a format of L, D and A (1..%d "
                              "characters, at most %d formats)",
                              tok, RECOG_MAX_CHARS, RECOG_MAX_PATTERNS);
                    free(text);
                    goto usage_fail;
                }
                memcpy(pattern_text[npatterns], tok, len + 1);
                patterns[npatterns] = pattern_text[npatterns];
                npatterns++;
            }
            free(text);
            cfg.patterns = patterns;
            cfg.npatterns = npatterns;
            break;
        }
        case 'R':
            if (plate_region_parse(optarg, &cfg.region) != 0) {
                cli_error(CMD, "--region: unknown region '%.*s' (%s)", PLATE_REGION_NAME_MAX + 8,
                          optarg, PLATE_REGION_NAMES);
                goto usage_fail;
            }
            break;
        case 'm': {
            int rc = ocr_model_load(optarg, &model);
            if (rc != 0) {
                cli_error(CMD, "%s: %s", optarg, ocr_strerror(rc));
                status = CLI_EXIT_DATA;
                goto done;
            }
            cfg.model = model;
            break;
        }
        case 'h':
            usage(stdout);
            goto done;
        default:
            goto usage_fail;
        }
    }
    /* Two priors on the same characters would each undo the other's choices. */
    if (cfg.region != PLATE_REGION_NONE && cfg.npatterns > 0) {
        cli_error(CMD, "--region and --pattern cannot be used together");
        goto usage_fail;
    }
    if (optind >= argc) {
        cli_error(CMD, "no image given (see alpr read --help)");
        goto usage_fail;
    }
    if (!crop && strcmp(eng->name, "sim") == 0) {
        status = run_sim(argc, argv, g);
        goto done;
    }
    res = malloc(sizeof *res);
    if (!res) {
        cli_error(CMD, "out of memory");
        status = CLI_EXIT_FAIL;
        goto done;
    }
    for (int i = optind; i < argc; i++) {
        struct image img;
        double t0 = now_ms(), t1, t2, board_ms = 0;
        int rc = image_load(argv[i], &img);
        if (rc != 0) {
            cli_error(CMD, "%s: %s", argv[i], image_strerror(rc));
            status = CLI_EXIT_FAIL;
            continue;
        }
        if (!crop && (eng->read == engine_model || eng->read == engine_usb) &&
            (img.width > WIRE_MAX_WIDTH || img.height > WIRE_MAX_HEIGHT)) {
            cli_error(CMD, "%s: %dx%d is larger than the board's %dx%d frame (try --engine host)",
                      argv[i], img.width, img.height, WIRE_MAX_WIDTH, WIRE_MAX_HEIGHT);
            image_free(&img);
            status = CLI_EXIT_FAIL;
            continue;
        }
        t1 = now_ms();
        if (crop)
            rc = recog_read_crop(&cfg, img.pixels, img.width, img.height, img.width, res);
        else
            rc = eng->read(&st, &cfg, &img, res, &board_ms);
        t2 = now_ms();
        image_free(&img);
        if (rc == ENGINE_ERR_DEVICE) {
            cli_error(CMD, "%s: the board (%s): %s", argv[i], eng->summary,
                      alpr_dev_strerror(st.dev_err));
            /* No board, it went away, or its stream is out of step with the images sent: the
             * other images would fail alike (or get another image's result). */
            status = dev_exit(st.dev_err);
            break;
        }
        if (rc != 0) {
            cli_error(CMD, "%s: %s", argv[i], recog_strerror(rc));
            status = CLI_EXIT_FAIL;
            continue;
        }
        if (json)
            print_json(argv[i], res, t2 - t1, t1 - t0, t2 - t1 - board_ms);
        else
            print_text(argv[i], res, t2 - t1);
        fflush(stdout);
    }
done:
    if (st.dev) {
        (void)alpr_dev_stop(st.dev);
        alpr_dev_close(st.dev);
    }
    free(res);
    ocr_model_free(model);
    return status;
usage_fail:
    ocr_model_free(model);
    return CLI_EXIT_USAGE;
}
