/*
 * alpr search: search stored reads, or view one read / its image, for a stated purpose. A client
 * of the store service: calls search, read.show and read.image (docs/STORE-API.md).
 */
#include "commands.h"
#include "store_cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char CMD[] = "search";

static void usage(FILE *f)
{
    fprintf(f, "usage: alpr search [PLATE] ACCESS [--wildcard | --fuzzy [--edits 0|1]]\n"
               "                   [--from TIME] [--to TIME] [--unit UNIT] [--limit N]\n"
               "       alpr search --show READ_ID [--image FILE.png] ACCESS\n"
               "\n"
               "ACCESS (required, recorded with the query and the result count, kept 5 years):\n"
               "  --purpose P     investigation | warrant | missing-person | stolen-vehicle\n"
               "  --crime TYPE    crime type, e.g. robbery\n"
               "  --incident NUM  incident or case number\n"
               "  --warrant REF   reference of an active warrant/court-order hold: also shows\n"
               "                  non-governmental reads within its scope\n"
               "\n"
               "PLATE: exact; with ? (one character) or * (any run) a wildcard pattern, e.g.\n"
               "7AB*2; --fuzzy treats OCR-confusable characters (0/O/D/Q, 1/I/L, 2/Z, 5/S, 6/G,\n"
               "8/B, U/V) as equal, and --edits 1 allows one other different character.\n"
               "TIME: YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS]Z or @SECONDS (UTC); --to is exclusive.\n"
               "--image writes the plate crop to a new file FILE.png (mode 0600 whatever the\n"
               "umask; an existing file or a link is never written through), registered in the\n"
               "store as a copy: the purge flags it when the read is purged, and\n"
               "`alpr export prune` deletes it.\n"
               "Investigators and administrators only. Output: --json / --csv / text.\n");
}

struct opts {
    const char *plate, *unit, *show, *image;
    struct store_cli_access access;
    int wildcard, fuzzy;
    long edits, limit;
    int64_t from, to, read_id;
};

/* Parses argv into o. Returns -1 to go on, else an exit code (usage printed). */
static int parse(int argc, char **argv, struct opts *o)
{
    static const struct option lo[] = {STORE_CLI_ACCESS_OPTIONS,
                                       STORE_CLI_WARRANT_OPTION,
                                       {"wildcard", no_argument, NULL, 'W'},
                                       {"fuzzy", no_argument, NULL, 'F'},
                                       {"edits", required_argument, NULL, 'e'},
                                       {"from", required_argument, NULL, 'f'},
                                       {"to", required_argument, NULL, 't'},
                                       {"unit", required_argument, NULL, 'u'},
                                       {"limit", required_argument, NULL, 'l'},
                                       {"show", required_argument, NULL, 's'},
                                       {"image", required_argument, NULL, 'I'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    int c, rc;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        if (store_cli_access_option(c, optarg, &o->access))
            continue;
        switch (c) {
        case 'W':
            o->wildcard = 1;
            break;
        case 'F':
            o->fuzzy = 1;
            break;
        case 'e':
            if (cli_parse_long(optarg, 0, 1, &o->edits) != 0) {
                cli_error(CMD, "--edits: 0 or 1, not '%s'", optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case 'f':
            if ((rc = store_cli_time(CMD, "--from", optarg, &o->from)) != 0)
                return rc;
            break;
        case 't':
            if ((rc = store_cli_time(CMD, "--to", optarg, &o->to)) != 0)
                return rc;
            break;
        case 'u':
            o->unit = optarg;
            break;
        case 'l':
            if (cli_parse_long(optarg, 1, 100000, &o->limit) != 0) {
                cli_error(CMD, "--limit: 1..100000, not '%s'", optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case 's':
            o->show = optarg;
            break;
        case 'I':
            o->image = optarg;
            break;
        case 'h':
            usage(stdout);
            return CLI_EXIT_OK;
        default:
            usage(stderr);
            return CLI_EXIT_USAGE;
        }
    }
    if (optind < argc)
        o->plate = argv[optind++];
    if (optind < argc || (o->wildcard && o->fuzzy) || (o->image && !o->show) ||
        (o->show && o->plate)) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (o->show && (rc = store_cli_id(CMD, "--show", o->show, &o->read_id)) != 0)
        return rc;
    return -1;
}

/* Sets key to the text v when v is given. 0, or -1 when v is not UTF-8 (or out of memory). */
static int put_text(json_t *p, const char *key, const char *v)
{
    return v ? json_object_set_new(p, key, json_string(v)) : 0;
}

static int put_number(json_t *p, const char *key, int64_t v)
{
    return v ? json_object_set_new(p, key, json_integer(v)) : 0;
}

/* The call's parameters, or NULL (error printed). */
static json_t *request(const struct opts *o)
{
    const char *match = o->fuzzy                                                 ? "fuzzy"
                        : (o->wildcard || (o->plate && strpbrk(o->plate, "?*"))) ? "wildcard"
                                                                                 : "exact";
    json_t *p = store_cli_params("{}");
    int bad = store_cli_access_params(p, &o->access) != 0;
    if (o->show)
        bad = bad || put_number(p, "read_id", o->read_id);
    else
        bad = bad || put_text(p, "plate", o->plate) || put_text(p, "match", match) ||
              put_number(p, "max_edits", o->edits) || put_number(p, "from", o->from) ||
              put_number(p, "to", o->to) || put_text(p, "unit", o->unit) ||
              put_number(p, "limit", o->limit);
    if (bad) {
        cli_error(CMD, "arguments must be UTF-8 text");
        json_decref(p);
        return NULL;
    }
    return p;
}

static void print_reads(const struct cli_global *g, json_t *rows)
{
    static const char *const cols[] = {
        "id",     "time",   "plate",    "confidence", "unit",
        "camera", "lat",    "lon",      "source",     "non_governmental",
        "frames", "alerts", "distance", "candidates"};
    store_cli_print_rows(g, rows, cols, "nssfssggsnnnns");
}

/* Writes all of data to fd; 0 or -1 (errno set). */
static int write_all(int fd, const unsigned char *data, size_t len)
{
    while (len) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Writes the base64 PNG of a read.image result into the new file fd (path for messages). */
static int save_image(const struct cli_global *g, json_t *res, int fd, const char *path)
{
    const char *b64 = json_string_value(json_object_get(res, "png"));
    size_t n = b64 ? strlen(b64) : 0, len = 0;
    unsigned char *png = malloc(n / 4 * 3 + 3);
    int rc = CLI_EXIT_OK;
    if (!png) {
        cli_error(CMD, "out of memory");
        return CLI_EXIT_FAIL;
    }
    if (!b64 || sodium_base642bin(png, n / 4 * 3 + 3, b64, n, NULL, &len, NULL,
                                  sodium_base64_VARIANT_ORIGINAL) != 0) {
        cli_error(CMD, "the service's answer holds no image");
        rc = CLI_EXIT_FAIL;
    } else if (write_all(fd, png, len) != 0 || fsync(fd) != 0) {
        cli_error(CMD, "%s: cannot write the image: %s", path, strerror(errno));
        rc = CLI_EXIT_FAIL;
    } else if (!g->quiet) {
        printf("wrote %s (%zu bytes)\n", path, len);
    }
    free(png);
    return rc;
}

/* Registers the crop at path as a copy of read read_id outside the store (R7). */
static int register_copy(const struct cli_global *g, struct store_client *s, int64_t read_id,
                         const char *path)
{
    char abs[PATH_MAX];
    json_t *p;
    int rc;
    if (!realpath(path, abs)) {
        cli_error(CMD, "%s: %s", path, strerror(errno));
        return CLI_EXIT_FAIL;
    }
    p = json_pack("{s:I,s:s}", "read_id", (json_int_t)read_id, "path", abs);
    if (!p) {
        cli_error(CMD, "%s: the path is not UTF-8 text", path);
        return CLI_EXIT_USAGE;
    }
    rc = store_cli_call(s, g, CMD, "image", "copy.register", p, NULL);
    json_decref(p);
    return rc;
}

/*
 * --show READ_ID --image FILE: the file is created first (new, 0600, never through a link), so
 * that a name already taken fails before the recorded view; the crop is registered as a copy
 * before a byte of it is written; the file goes again if any step fails.
 */
static int show_image(const struct cli_global *g, struct store_client *s, const struct opts *o,
                      json_t *params)
{
    json_t *res = NULL;
    int rc, fd = open(o->image, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        cli_error(CMD, "%s: cannot create the image file: %s", o->image, strerror(errno));
        return CLI_EXIT_FAIL;
    }
    /* Mode 0600 even if a umask of 0 or an ACL default would have widened it. */
    if (fchmod(fd, 0600) != 0) {
        cli_error(CMD, "%s: %s", o->image, strerror(errno));
        close(fd);
        unlink(o->image);
        return CLI_EXIT_FAIL;
    }
    rc = store_cli_call(s, g, CMD, "image", "read.image", params, &res);
    if (rc == CLI_EXIT_OK)
        rc = register_copy(g, s, o->read_id, o->image);
    if (rc == CLI_EXIT_OK)
        rc = save_image(g, res, fd, o->image);
    if (close(fd) != 0 && rc == CLI_EXIT_OK) {
        cli_error(CMD, "%s: cannot write the image: %s", o->image, strerror(errno));
        rc = CLI_EXIT_FAIL;
    }
    if (rc != CLI_EXIT_OK)
        unlink(o->image);
    json_decref(res);
    return rc;
}

int cmd_search(int argc, char **argv, const struct cli_global *g)
{
    struct opts o = {0};
    struct store_client *s = NULL;
    json_t *params, *res = NULL;
    int rc = parse(argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (!(params = request(&o)))
        return CLI_EXIT_USAGE;
    if ((rc = store_cli_connect(g, CMD, 1, &s)) != CLI_EXIT_OK) {
        json_decref(params);
        return rc;
    }
    if (o.image) {
        rc = show_image(g, s, &o, params);
    } else if (o.show) {
        rc = store_cli_call(s, g, CMD, "read", "read.show", params, &res);
        if (rc == CLI_EXIT_OK) {
            json_t *one = json_pack("[O]", res);
            print_reads(g, one);
            json_decref(one);
        }
    } else {
        rc = store_cli_call(s, g, CMD, "search", "search", params, &res);
        if (rc == CLI_EXIT_OK) {
            print_reads(g, res);
            if (!g->quiet && g->format == CLI_FORMAT_TEXT)
                fprintf(stderr, "%zu reads (search recorded)\n", json_array_size(res));
        }
    }
    json_decref(res);
    json_decref(params);
    store_client_close(s);
    return rc;
}
