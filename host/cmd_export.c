/* alpr export: evidence export of a hold's reads; chain-of-custody entries. */
#include "commands.h"
#include "store_cli.h"
#include "store_cli_export.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: alpr export HOLD_ID --out DIR [--note TEXT]\n"
               "       alpr export custody EXPORT_ID --action TEXT [--note TEXT]\n"
               "\n"
               "Writes the reads of an active hold into DIR (created 0700; must not exist):\n"
               "reads.csv, images/, custody.txt and MANIFEST.sha256 (check with `sha256sum -c`),\n"
               "and records the export, DIR's path and its first chain-of-custody entry. This\n"
               "program writes the files, with your permissions; the store service only sends\n"
               "them. `custody` adds an entry (e.g. \"booked into evidence\").\n"
               "Investigators and administrators.\n");
}

/* Adds text (if any) to params under key; text that is not UTF-8 is a usage error. */
static int add_text(json_t *params, const char *key, const char *text)
{
    if (!text || json_object_set_new(params, key, json_string(text)) == 0)
        return 0;
    cli_error("export", "'%s': not valid UTF-8 text", text);
    return CLI_EXIT_USAGE;
}

static void print_export(const struct cli_global *g, json_t *res, const char *out_dir)
{
    long long export_id = (long long)json_integer_value(json_object_get(res, "export"));
    long long reads = (long long)json_integer_value(json_object_get(res, "reads"));
    long long images = (long long)json_integer_value(json_object_get(res, "images"));
    const char *manifest = json_string_value(json_object_get(res, "manifest_sha256"));
    if (g->format == CLI_FORMAT_JSON)
        printf("{\"export\": %lld, \"reads\": %lld, \"images\": %lld, \"manifest_sha256\": "
               "\"%s\"}\n",
               export_id, reads, images, manifest);
    else
        printf("export %lld: %lld reads, %lld images in %s\nmanifest sha256 %s\n", export_id, reads,
               images, out_dir, manifest);
}

int cmd_export(int argc, char **argv, const struct cli_global *g)
{
    static const struct option lo[] = {{"out", required_argument, NULL, 'o'},
                                       {"note", required_argument, NULL, 'n'},
                                       {"action", required_argument, NULL, 'a'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    struct store_client *s = NULL;
    json_t *params = NULL, *res = NULL;
    const char *out_dir = NULL, *note = NULL, *custody_action = NULL;
    int c, rc, custody = argc > 1 && strcmp(argv[1], "custody") == 0;
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
    if ((rc = store_cli_connect(g, "export", 1, &s)) != 0)
        return rc;
    if (custody) {
        params = store_cli_params("{s:I}", "export", (json_int_t)id);
        if (!(rc = add_text(params, "action", custody_action)) &&
            !(rc = add_text(params, "note", note)) &&
            !(rc = store_cli_call(s, g, "export", "custody", "custody.add", params, NULL)) &&
            !g->quiet)
            printf("custody entry added to export %lld\n", (long long)id);
    } else {
        params = store_cli_params("{s:I}", "hold", (json_int_t)id);
        if (!(rc = add_text(params, "note", note)) &&
            !(rc = store_cli_export(s, g, "export", "export", params, out_dir, &res)))
            print_export(g, res, out_dir);
    }
    json_decref(params);
    json_decref(res);
    store_client_close(s);
    return rc;
}
