/* alpr search: search stored reads, or view one read / its image, for a stated purpose. */
#include "commands.h"
#include "store_cli.h"
#include "store_reads.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
               "Investigators and administrators only. Output: --json / --csv / text.\n");
}

static void print_reads(const struct cli_global *g, const struct store_read_list *l)
{
    static const char *const cols[] = {
        "id",     "time",   "plate",    "confidence", "unit",
        "camera", "lat",    "lon",      "source",     "non_governmental",
        "frames", "alerts", "distance", "candidates"};
    struct store_cli_table tab;
    store_cli_table_begin(&tab, g->format, stdout, cols, "nssnssnnsnnnns");
    for (size_t i = 0; i < l->n; i++) {
        const struct store_read_rec *x = &l->items[i];
        char id[24], t[32], conf[16], lat[24] = "", lon[24] = "", ngo[4], fr[12], al[12], d[12];
        snprintf(id, sizeof id, "%lld", (long long)x->id);
        store_time_format(x->time, t, sizeof t);
        snprintf(conf, sizeof conf, "%.3f", x->confidence);
        if (x->has_gps) {
            snprintf(lat, sizeof lat, "%.6f", x->lat);
            snprintf(lon, sizeof lon, "%.6f", x->lon);
        }
        snprintf(ngo, sizeof ngo, "%d", x->non_governmental);
        snprintf(fr, sizeof fr, "%d", x->frames_agreeing);
        snprintf(al, sizeof al, "%d", x->n_alerts);
        snprintf(d, sizeof d, "%d", x->distance);
        const char *vals[] = {id,  t,         x->plate, conf, x->unit, x->camera, lat,
                              lon, x->agency, ngo,      fr,   al,      d,         x->candidates};
        store_cli_table_row(&tab, vals);
    }
    store_cli_table_end(&tab);
}

int cmd_search(int argc, char **argv, const struct cli_global *g)
{
    static const struct option lo[] = {{"purpose", required_argument, NULL, 'p'},
                                       {"crime", required_argument, NULL, 'c'},
                                       {"incident", required_argument, NULL, 'i'},
                                       {"warrant", required_argument, NULL, 'w'},
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
    struct store_access a = {0};
    struct store_query q = {0};
    struct store_session sess;
    struct store *s = NULL;
    const char *show = NULL, *image = NULL;
    int c, rc, wildcard = 0, fuzzy = 0;
    long v;
    int64_t read_id = 0;

    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'p':
            a.purpose = optarg;
            break;
        case 'c':
            a.crime_type = optarg;
            break;
        case 'i':
            a.incident = optarg;
            break;
        case 'w':
            a.warrant_ref = optarg;
            break;
        case 'W':
            wildcard = 1;
            break;
        case 'F':
            fuzzy = 1;
            break;
        case 'e':
            if (cli_parse_long(optarg, 0, 1, &v) != 0) {
                cli_error("search", "--edits: 0 or 1, not '%s'", optarg);
                return CLI_EXIT_USAGE;
            }
            q.max_edits = (int)v;
            break;
        case 'f':
            if ((rc = store_cli_time("search", "--from", optarg, &q.from)) != 0)
                return rc;
            break;
        case 't':
            if ((rc = store_cli_time("search", "--to", optarg, &q.to)) != 0)
                return rc;
            break;
        case 'u':
            q.unit = optarg;
            break;
        case 'l':
            if (cli_parse_long(optarg, 1, 100000, &v) != 0) {
                cli_error("search", "--limit: 1..100000, not '%s'", optarg);
                return CLI_EXIT_USAGE;
            }
            q.limit = (size_t)v;
            break;
        case 's':
            show = optarg;
            break;
        case 'I':
            image = optarg;
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
        q.plate = argv[optind++];
    if (optind < argc || (wildcard && fuzzy) || (image && !show)) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (show && (rc = store_cli_id("search", "--show", show, &read_id)) != 0)
        return rc;
    q.match = fuzzy                                               ? STORE_MATCH_FUZZY
              : (wildcard || (q.plate && strpbrk(q.plate, "?*"))) ? STORE_MATCH_WILDCARD
                                                                  : STORE_MATCH_EXACT;
    if ((rc = store_cli_open(g, "search", &s)) != 0)
        return rc;
    if ((rc = store_cli_session(s, g, "search", &sess)) != 0)
        goto out;

    if (show && image) {
        uint8_t *png = NULL;
        size_t len = 0;
        int err = store_read_image(s, &sess, &a, read_id, &png, &len);
        if (err) {
            rc = store_cli_fail("search", "image", err);
            goto out;
        }
        FILE *fp = fopen(image, "wbx");
        if (!fp || fwrite(png, 1, len, fp) != len) {
            cli_error("search", "%s: cannot write the image (does it exist already?)", image);
            rc = CLI_EXIT_FAIL;
        }
        if (fp && fclose(fp) != 0)
            rc = CLI_EXIT_FAIL;
        free(png);
        if (rc == 0 && !g->quiet)
            printf("wrote %s (%zu bytes)\n", image, len);
    } else if (show) {
        struct store_read_rec r;
        int err = store_read_get(s, &sess, &a, read_id, &r);
        if (err) {
            rc = store_cli_fail("search", "read", err);
            goto out;
        }
        struct store_read_list one = {1, &r};
        print_reads(g, &one);
    } else {
        struct store_read_list *l = NULL;
        int err = store_search(s, &sess, &a, &q, &l);
        if (err == STORE_ERR_DENIED && (!store_purpose_valid(a.purpose) || !a.crime_type ||
                                        !*a.crime_type || !a.incident || !*a.incident)) {
            cli_error("search", "refused (and recorded): a search needs --purpose"
                                " (investigation, warrant, missing-person, stolen-vehicle),"
                                " --crime and --incident");
            rc = CLI_EXIT_DENIED;
            goto out;
        }
        if (err == STORE_ERR_DENIED && a.warrant_ref) {
            cli_error("search",
                      "refused (and recorded): no active warrant or court-order hold"
                      " with reference '%s'",
                      a.warrant_ref);
            rc = CLI_EXIT_DENIED;
            goto out;
        }
        if (err) {
            rc = store_cli_fail("search", "search", err);
            goto out;
        }
        print_reads(g, l);
        if (!g->quiet && g->format == CLI_FORMAT_TEXT)
            fprintf(stderr, "%zu reads (search recorded)\n", l->n);
        store_read_list_free(l);
    }
out:
    store_close(s);
    return rc;
}
