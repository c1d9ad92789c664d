/* alpr export: evidence export of a hold's reads; chain-of-custody entries. */
#include "commands.h"
#include "store_cli.h"
#include "store_export.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: alpr export HOLD_ID --out DIR [--note TEXT]\n"
               "       alpr export custody EXPORT_ID --action TEXT [--note TEXT]\n"
               "\n"
               "Writes the reads of an active hold into DIR (created; must not exist): reads.csv,\n"
               "images/, custody.txt and MANIFEST.sha256 (check with `sha256sum -c`), and records\n"
               "the export and its first chain-of-custody entry. `custody` adds an entry (e.g.\n"
               "\"booked into evidence\"). Investigators and administrators.\n");
}

int cmd_export(int argc, char **argv, const struct cli_global *g)
{
    static const struct option lo[] = {{"out", required_argument, NULL, 'o'},
                                       {"note", required_argument, NULL, 'n'},
                                       {"action", required_argument, NULL, 'a'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    struct store_session sess;
    struct store *s = NULL;
    const char *out_dir = NULL, *note = NULL, *custody_action = NULL;
    int c, rc, err, custody = argc > 1 && strcmp(argv[1], "custody") == 0;
    int64_t id;
    if (custody) {
        argc--;
        argv++;
    }
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'o':
            out_dir = optarg;
            break;
        case 'n':
            note = optarg;
            break;
        case 'a':
            custody_action = optarg;
            break;
        case 'h':
            usage(stdout);
            return CLI_EXIT_OK;
        default:
            usage(stderr);
            return CLI_EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if ((rc = store_cli_id("export", custody ? "EXPORT_ID" : "HOLD_ID", argv[optind], &id)) != 0)
        return rc;
    if ((custody && !custody_action) || (!custody && !out_dir)) {
        cli_error("export", custody ? "custody needs --action" : "--out DIR is required");
        return CLI_EXIT_USAGE;
    }
    if ((rc = store_cli_open(g, "export", &s)) != 0)
        return rc;
    if ((rc = store_cli_session(s, g, "export", &sess)) != 0)
        goto out;
    if (custody) {
        if ((err = store_custody_add(s, &sess, id, custody_action, note)) != 0)
            rc = store_cli_fail("export", "custody", err);
        else if (!g->quiet)
            printf("custody entry added to export %lld\n", (long long)id);
    } else {
        struct store_export_result res;
        if ((err = store_export_hold(s, &sess, id, out_dir, note, &res)) != 0) {
            rc = store_cli_fail("export", out_dir, err);
        } else if (g->format == CLI_FORMAT_JSON) {
            printf("{\"export\": %lld, \"reads\": %lld, \"images\": %lld, \"manifest_sha256\": "
                   "\"%s\"}\n",
                   (long long)res.export_id, (long long)res.reads, (long long)res.images,
                   res.manifest_sha256);
        } else {
            printf("export %lld: %lld reads, %lld images in %s\nmanifest sha256 %s\n",
                   (long long)res.export_id, (long long)res.reads, (long long)res.images, out_dir,
                   res.manifest_sha256);
        }
    }
out:
    store_close(s);
    return rc;
}
