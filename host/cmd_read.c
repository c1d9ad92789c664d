/*
 * alpr read: reads plates in image files through the board pipeline and prints one line per
 * image (text) or one JSON object per line (--json).
 *
 * Engines (how the board's output is obtained; a small table, one function each):
 *   model  the bit-exact C model of the board (sim/model.h) -> wire stream -> parser -> frame
 *          (the default)
 *   host   no board: the host labels the frame itself at three settings
 *   sim    the Verilated RTL                       (not available in this build yet)
 *   usb    a real board over USB (driver/)         (not available in this build yet)
 * In --crop mode every image is one plate region and no board is involved.
 */
#include "cli.h"
#include "commands.h"
#include "image.h"
#include "model.h"
#include "ocr.h"
#include "recog.h"
#include "wire.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char CMD[] = "read";

struct engine {
    const char *name;
    /* Reads one decoded image; returns 0 or a negative recog error; *board_ms the board part. */
    int (*read)(const struct recog_config *cfg, const struct image *img, struct recog_result *out,
                double *board_ms);
    const char *summary;
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int engine_host(const struct recog_config *cfg, const struct image *img,
                       struct recog_result *out, double *board_ms)
{
    *board_ms = 0;
    return recog_read_frame(cfg, img->pixels, img->width, img->height, img->width, NULL, 0, out);
}

/* The board settings `alpr read` uses: the ones the recognizer is tuned for (recog.h). */
#define READ_WIN_LOG2 RECOG_BOARD_WINDOW_LOG2
#define READ_VSHIFT   RECOG_BOARD_VSHIFT
#define READ_OFFSET   RECOG_BOARD_OFFSET

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
static int engine_model(const struct recog_config *cfg, const struct image *img,
                        struct recog_result *out, double *board_ms)
{
    struct model_sink sink;
    struct model *m = NULL;
    double t0 = now_ms();
    int rc = RECOG_ERR_INVALID;
    memset(&sink, 0, sizeof sink);
    if (img->width > WIRE_MAX_WIDTH || img->height > WIRE_MAX_HEIGHT)
        return RECOG_ERR_INVALID; /* larger than the board's frame */
    if (wire_parser_new(0, &sink.parser) != 0)
        return RECOG_ERR_NOMEM;
    if (model_new(sink_output, &sink, &m) != 0) {
        rc = RECOG_ERR_NOMEM;
        goto done;
    }
    if (model_reg_write(m, WIRE_REG_FRAME_SIZE,
                        (uint32_t)img->width | (uint32_t)img->height << 16) != 0 ||
        model_reg_write(m, WIRE_REG_THRESH_WINDOW, READ_WIN_LOG2 | READ_VSHIFT << 4) != 0 ||
        model_reg_write(m, WIRE_REG_THRESH_PLANE0, 0x200u | READ_OFFSET) != 0 ||
        model_reg_write(m, WIRE_REG_OUTPUT, WIRE_PIXELS_GRAY8) != 0 ||
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

static const struct engine engines[] = {
    {"model", engine_model, "bit-exact C model of the board (sim/model.h)"},
    {"host", engine_host, "the host labels the frame itself (no board)"},
    {"sim", NULL, "Verilated RTL of the board"},
    {"usb", NULL, "a real board over USB"},
};

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
        "                      the host labels the frame itself), sim or usb\n"
        "  --crop              the whole image is one plate region (no plate finding)\n"
        "  --json              JSON lines (also the global --json)\n"
        "  --max-plates N      plates reported per image (1..%d, default 5)\n"
        "  --candidates N      alternative readings per plate (0..%d, default %d)\n"
        "  --mark-uncertain    print '?' for characters below 50%% confidence\n"
        "  --pattern P[,P...]  jurisdiction formats (L letter, D digit, A either), e.g.\n"
        "                      LLLDDDD,LLLDLDD for Brazil: a reading that fits none is\n"
        "                      replaced by the most probable one that fits\n"
        "  --model FILE        classifier written by ocr_train --out-bin (default: built in)\n"
        "  -h, --help          this help\n",
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
            printf("%s{\"c\":\"%c\",\"conf\":%.3f,\"alt\":\"%c\",\"alt_conf\":%.3f}", k ? "," : "",
                   p->chars[k].c, (double)p->chars[k].conf, p->chars[k].alt,
                   (double)p->chars[k].alt_conf);
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
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const struct engine *eng = &engines[0];
    const char *patterns[RECOG_MAX_PATTERNS];
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
            /* Comma-separated formats of L (letter), D (digit), A (either); repeatable. */
            char *save = NULL, *tok;
            for (tok = strtok_r(optarg, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                size_t len = strlen(tok);
                if (len == 0 || len > RECOG_MAX_CHARS || strspn(tok, "LDA") != len ||
                    npatterns >= RECOG_MAX_PATTERNS) {
                    cli_error(CMD,
                              "--pattern: '%s' is not a format of L, D and A (1..%d "
                              "characters, at most %d formats)",
                              tok, RECOG_MAX_CHARS, RECOG_MAX_PATTERNS);
                    goto usage_fail;
                }
                patterns[npatterns++] = tok;
            }
            cfg.patterns = patterns;
            cfg.npatterns = npatterns;
            break;
        }
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
    if (optind >= argc) {
        cli_error(CMD, "no image given (see alpr read --help)");
        goto usage_fail;
    }
    if (!crop && !eng->read) {
        cli_error(CMD, "engine '%s' (%s) is not available in this build", eng->name, eng->summary);
        status = CLI_EXIT_DEVICE;
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
        if (!crop && eng->read == engine_model &&
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
            rc = eng->read(&cfg, &img, res, &board_ms);
        t2 = now_ms();
        image_free(&img);
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
    free(res);
    ocr_model_free(model);
    return status;
usage_fail:
    ocr_model_free(model);
    return CLI_EXIT_USAGE;
}
