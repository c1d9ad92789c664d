/*
 * alpr scene: writes synthetic frames (or plate crops) with their ground truth into a folder.
 * See docs/SCENES.md.
 */
#include "cli.h"
#include "commands.h"
#include "image.h"
#include "scene.h"
#include "scene_truth.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define CMD "scene"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: alpr scene --out DIR [OPTIONS]\n"
            "\n"
            "Writes synthetic grayscale frames with US-style plates, and their ground truth:\n"
            "NAME.pgm|png, NAME.txt (FILE x y w h PLATE per plate, tab-separated, as in the\n"
            "OpenALPR benchmark) and NAME.chars (FILE PLATE INDEX CHAR x y w h per character).\n"
            "\n"
            "  --out DIR             output folder (created with its parents if missing)\n"
            "  --count N             frames to write (crops with --crop); default 10\n"
            "  --seed S              seed; frame i uses seed S+i (default 1)\n"
            "  --plates K            plates per frame, 1..%d (default 1)\n"
            "  --width W, --height H frame size (default 1280 x 720)\n"
            "  --format pgm|png      image format (default pgm; png with --crop)\n"
            "  --min-plate-width PX  smallest plate width (default 90, at least %d)\n"
            "  --max-plate-width PX  largest plate width (default 260)\n"
            "  --rotation DEG        plates turned by up to +-DEG (default 5)\n"
            "  --blur SIGMA          Gaussian blur sigma in pixels, 0..4 (default 0.8)\n"
            "  --noise SIGMA         sensor noise sigma in gray levels, 0..64 (default 4)\n"
            "  --lighting L          uneven lighting strength 0..1 (default 0.35)\n"
            "  --inverse PCT         percentage of dark plates with light characters (15)\n"
            "  --no-decorations      no state name / slogan lines on the plates\n"
            "  --font PATH           TrueType font (default: Roboto Condensed Bold)\n"
            "  --sequence            drive-by clip instead of independent frames:\n"
            "    --vehicles N        vehicles crossing the frame one after another (default 5)\n"
            "    --seconds S         clip length (default 3 s per vehicle)\n"
            "    --fps F             frames per second (default 30)\n"
            "  --crop                write plate crops only (crop-NNNNNN.png and truth.csv\n"
            "                        with lines FILE,STATE,PLATE, as in the benchmark crops)\n"
            "  -h, --help            this help\n"
            "\n"
            "Global --json / --csv print the summary in that format.\n",
            SCENE_MAX_PLATES, SCENE_MIN_PLATE_WIDTH);
}

static int parse_double(const char *text, double min, double max, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !(v >= min && v <= max))
        return -1;
    *out = v;
    return 0;
}

/* mkdir -p: creates dir and its missing parents. Returns 0 or -1 with errno set. */
static int ensure_dir(const char *dir)
{
    char buf[4096];
    struct stat st;
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(buf, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char saved = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0777) != 0 &&
            !(errno == EEXIST && stat(buf, &st) == 0 && S_ISDIR(st.st_mode)))
            return -1;
        buf[i] = saved;
    }
    return 0;
}

struct job {
    const char *out;
    int png;
    unsigned long plates_written, files_written;
};

/* Writes NAME.EXT, NAME.txt and NAME.chars for one frame. */
static int write_frame(struct job *j, const char *name, const struct scene *s)
{
    char path[4096], file[256];
    snprintf(file, sizeof file, "%s.%s", name, j->png ? "png" : "pgm");
    if ((size_t)snprintf(path, sizeof path, "%s/%s", j->out, file) >= sizeof path) {
        cli_error(CMD, "%s: path too long", j->out);
        return CLI_EXIT_USAGE;
    }
    struct image view = {s->width, s->height, s->pixels};
    int rc = j->png ? image_save_png(path, &view) : image_save_pgm(path, &view);
    if (rc != 0) {
        cli_error(CMD, "%s: %s", path, image_strerror(rc));
        return CLI_EXIT_FAIL;
    }
    const char *exts[2] = {"txt", "chars"};
    for (int k = 0; k < 2; k++) {
        snprintf(path, sizeof path, "%s/%s.%s", j->out, name, exts[k]);
        FILE *f = fopen(path, "w");
        if (!f) {
            cli_error(CMD, "%s: %s", path, strerror(errno));
            return CLI_EXIT_FAIL;
        }
        rc = k == 0 ? scene_truth_write(f, file, s) : scene_truth_write_chars(f, file, s);
        if (fclose(f) != 0 || rc != 0) {
            cli_error(CMD, "%s: write error", path);
            return CLI_EXIT_FAIL;
        }
    }
    j->files_written++;
    j->plates_written += (unsigned long)s->nplates;
    return CLI_EXIT_OK;
}

static void progress(const struct cli_global *g, long done, long total, const char *what)
{
    if (g->quiet || total < 50)
        return;
    long step = total / 10;
    if (done % step == 0 || done == total)
        fprintf(stderr, "alpr scene: %ld/%ld %s\n", done, total, what);
}

int cmd_scene(int argc, char **argv, const struct cli_global *g)
{
    enum {
        O_OUT = 256,
        O_COUNT,
        O_SEED,
        O_PLATES,
        O_WIDTH,
        O_HEIGHT,
        O_FORMAT,
        O_MINW,
        O_MAXW,
        O_ROT,
        O_BLUR,
        O_NOISE,
        O_LIGHT,
        O_INV,
        O_NODECO,
        O_FONT,
        O_SEQ,
        O_VEH,
        O_SECS,
        O_FPS,
        O_CROP,
    };
    static const struct option opts[] = {
        {"out", required_argument, NULL, O_OUT},
        {"count", required_argument, NULL, O_COUNT},
        {"seed", required_argument, NULL, O_SEED},
        {"plates", required_argument, NULL, O_PLATES},
        {"width", required_argument, NULL, O_WIDTH},
        {"height", required_argument, NULL, O_HEIGHT},
        {"format", required_argument, NULL, O_FORMAT},
        {"min-plate-width", required_argument, NULL, O_MINW},
        {"max-plate-width", required_argument, NULL, O_MAXW},
        {"rotation", required_argument, NULL, O_ROT},
        {"blur", required_argument, NULL, O_BLUR},
        {"noise", required_argument, NULL, O_NOISE},
        {"lighting", required_argument, NULL, O_LIGHT},
        {"inverse", required_argument, NULL, O_INV},
        {"no-decorations", no_argument, NULL, O_NODECO},
        {"font", required_argument, NULL, O_FONT},
        {"sequence", no_argument, NULL, O_SEQ},
        {"vehicles", required_argument, NULL, O_VEH},
        {"seconds", required_argument, NULL, O_SECS},
        {"fps", required_argument, NULL, O_FPS},
        {"crop", no_argument, NULL, O_CROP},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct scene_sequence_params sp;
    scene_sequence_params_default(&sp);
    struct scene_params *p = &sp.frame;
    const char *out = NULL, *font = NULL, *format = NULL;
    long count = 10, seed = 1, v;
    int sequence = 0, crop = 0, c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        int bad = 0;
        double d;
        switch (c) {
        case O_OUT:
            out = optarg;
            break;
        case O_COUNT:
            bad = cli_parse_long(optarg, 1, 10000000, &count);
            break;
        case O_SEED:
            bad = cli_parse_long(optarg, 0, 0x7fffffffffffffffL, &seed);
            break;
        case O_PLATES:
            bad = cli_parse_long(optarg, 1, SCENE_MAX_PLATES, &v);
            p->plates = (int)v;
            break;
        case O_WIDTH:
        case O_HEIGHT:
            bad = cli_parse_long(optarg, 1, SCENE_MAX_DIM, &v);
            *(c == O_WIDTH ? &p->width : &p->height) = (int)v;
            break;
        case O_FORMAT:
            format = optarg;
            bad = strcmp(optarg, "pgm") != 0 && strcmp(optarg, "png") != 0;
            break;
        case O_MINW:
        case O_MAXW:
            bad = cli_parse_long(optarg, SCENE_MIN_PLATE_WIDTH, SCENE_MAX_DIM, &v);
            *(c == O_MINW ? &p->min_plate_width : &p->max_plate_width) = (int)v;
            break;
        case O_ROT:
            bad = parse_double(optarg, 0, 45, &p->rotation_max_deg);
            break;
        case O_BLUR:
            bad = parse_double(optarg, 0, 4, &p->blur_sigma);
            break;
        case O_NOISE:
            bad = parse_double(optarg, 0, 64, &p->noise_sigma);
            break;
        case O_LIGHT:
            bad = parse_double(optarg, 0, 1, &p->lighting);
            break;
        case O_INV:
            bad = cli_parse_long(optarg, 0, 100, &v);
            p->inverse_percent = (int)v;
            break;
        case O_NODECO:
            p->decorations = 0;
            break;
        case O_FONT:
            font = optarg;
            break;
        case O_SEQ:
            sequence = 1;
            break;
        case O_VEH:
            bad = cli_parse_long(optarg, 1, SCENE_MAX_VEHICLES, &v);
            sp.vehicles = (int)v;
            break;
        case O_SECS:
            bad = parse_double(optarg, 0.1, 86400, &d);
            sp.seconds = d;
            break;
        case O_FPS:
            bad = cli_parse_long(optarg, 1, 240, &v);
            sp.fps = (int)v;
            break;
        case O_CROP:
            crop = 1;
            break;
        case 'h':
            usage(stdout);
            return CLI_EXIT_OK;
        default:
            usage(stderr);
            return CLI_EXIT_USAGE;
        }
        if (bad) {
            /* optind already points past the value; name the option from the table. */
            const char *name = "?";
            for (const struct option *o = opts; o->name; o++)
                if (o->val == c)
                    name = o->name;
            cli_error(CMD, "--%s: bad value '%s' (see alpr scene --help)", name, optarg);
            return CLI_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        cli_error(CMD, "unexpected argument '%s'", argv[optind]);
        return CLI_EXIT_USAGE;
    }
    if (!out) {
        cli_error(CMD, "--out DIR is required (see alpr scene --help)");
        return CLI_EXIT_USAGE;
    }
    if (sequence && crop) {
        cli_error(CMD, "--sequence and --crop cannot be combined");
        return CLI_EXIT_USAGE;
    }
    const char *why = NULL;
    struct scene_params check = *p;
    if (sequence)
        check.plates = 1;
    if (scene_params_check(&check, &why) != 0) {
        cli_error(CMD, "%s (see alpr scene --help)", why);
        return CLI_EXIT_USAGE;
    }
    struct scene_gen *gen;
    int rc = scene_gen_open(font, &gen);
    if (rc != 0) {
        cli_error(CMD, "%s: %s", font ? font : "default fonts", scene_strerror(rc));
        return CLI_EXIT_FAIL;
    }
    if (ensure_dir(out) != 0) {
        cli_error(CMD, "%s: cannot create folder: %s", out, strerror(errno));
        scene_gen_close(gen);
        return CLI_EXIT_FAIL;
    }
    struct job j = {out, format ? strcmp(format, "png") == 0 : crop, 0, 0};
    int exit_code = CLI_EXIT_OK;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char name[64];

    if (sequence) {
        struct scene_sequence *seq;
        p->seed = (uint64_t)seed;
        rc = scene_sequence_open(gen, &sp, &seq);
        if (rc != 0) {
            cli_error(CMD, "sequence: %s", scene_strerror(rc));
            exit_code = rc == SCENE_ERR_INVALID ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
        } else {
            int n = scene_sequence_frames(seq);
            for (int i = 0; i < n && exit_code == CLI_EXIT_OK; i++) {
                struct scene s;
                rc = scene_sequence_render(seq, i, &s);
                if (rc != 0) {
                    cli_error(CMD, "frame %d: %s", i, scene_strerror(rc));
                    exit_code = CLI_EXIT_FAIL;
                    break;
                }
                snprintf(name, sizeof name, "frame-%06d", i);
                exit_code = write_frame(&j, name, &s);
                scene_free(&s);
                progress(g, i + 1, n, "frames");
            }
            scene_sequence_close(seq);
        }
    } else if (crop) {
        char path[4096];
        snprintf(path, sizeof path, "%s/truth.csv", out);
        FILE *csv = fopen(path, "w");
        if (!csv) {
            cli_error(CMD, "%s: %s", path, strerror(errno));
            exit_code = CLI_EXIT_FAIL;
        }
        for (long i = 0; csv && (long)j.files_written < count && exit_code == CLI_EXIT_OK; i++) {
            struct scene s;
            p->seed = (uint64_t)seed + (uint64_t)i;
            rc = scene_render(gen, p, &s);
            if (rc != 0) {
                cli_error(CMD, "seed %llu: %s", (unsigned long long)p->seed, scene_strerror(rc));
                exit_code = rc == SCENE_ERR_INVALID || rc == SCENE_ERR_NOFIT ? CLI_EXIT_USAGE
                                                                             : CLI_EXIT_FAIL;
                break;
            }
            struct image frame = {s.width, s.height, s.pixels};
            for (int k = 0; k < s.nplates && (long)j.files_written < count; k++) {
                const struct scene_box *b = &s.plates[k].box;
                int mx = (int)lround(b->w * 0.08), my = (int)lround(b->h * 0.12);
                struct image cr;
                rc = image_crop(&frame, b->x - mx, b->y - my, b->w + 2 * mx, b->h + 2 * my, &cr);
                if (rc == 0) {
                    snprintf(name, sizeof name, "crop-%06lu.%s", j.files_written,
                             j.png ? "png" : "pgm");
                    snprintf(path, sizeof path, "%s/%s", out, name);
                    rc = j.png ? image_save_png(path, &cr) : image_save_pgm(path, &cr);
                    image_free(&cr);
                }
                if (rc != 0) {
                    cli_error(CMD, "%s: %s", path, image_strerror(rc));
                    exit_code = CLI_EXIT_FAIL;
                    break;
                }
                fprintf(csv, "%s,%s,%s\n", name, s.plates[k].state, s.plates[k].text);
                j.files_written++;
                j.plates_written++;
                progress(g, (long)j.files_written, count, "crops");
            }
            scene_free(&s);
        }
        if (csv && (fclose(csv) != 0) && exit_code == CLI_EXIT_OK) {
            cli_error(CMD, "%s: write error", path);
            exit_code = CLI_EXIT_FAIL;
        }
    } else {
        for (long i = 0; i < count && exit_code == CLI_EXIT_OK; i++) {
            struct scene s;
            p->seed = (uint64_t)seed + (uint64_t)i;
            rc = scene_render(gen, p, &s);
            if (rc != 0) {
                cli_error(CMD, "seed %llu: %s", (unsigned long long)p->seed, scene_strerror(rc));
                exit_code = rc == SCENE_ERR_INVALID || rc == SCENE_ERR_NOFIT ? CLI_EXIT_USAGE
                                                                             : CLI_EXIT_FAIL;
                break;
            }
            snprintf(name, sizeof name, "scene-%06ld", i);
            exit_code = write_frame(&j, name, &s);
            scene_free(&s);
            progress(g, i + 1, count, "frames");
        }
    }
    scene_gen_close(gen);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    const char *kind = crop ? "crops" : "frames";
    if (g->format == CLI_FORMAT_JSON) {
        printf("{\"out\":");
        cli_json_string(stdout, out);
        printf(",\"%s\":%lu,\"plates\":%lu,\"seconds\":%.3f,\"ok\":%s}\n", kind, j.files_written,
               j.plates_written, secs, exit_code == CLI_EXIT_OK ? "true" : "false");
    } else if (g->format == CLI_FORMAT_CSV) {
        printf("out,%s,plates,seconds\n", kind);
        cli_csv_field(stdout, out);
        printf(",%lu,%lu,%.3f\n", j.files_written, j.plates_written, secs);
    } else if (exit_code == CLI_EXIT_OK) {
        printf("wrote %lu %s (%lu plates) to %s in %.2f s\n", j.files_written, kind,
               j.plates_written, out, secs);
    }
    return exit_code;
}
