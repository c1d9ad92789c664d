/* alpr release: written release requests from other agencies, reviewed before fulfilment (R12). */
#include "commands.h"
#include "store_cli.h"
#include "store_export.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: alpr release request --agency A --requester NAME --purpose TEXT --hold ID\n"
               "       alpr release approve ID --note TEXT\n"
               "       alpr release deny ID --note TEXT\n"
               "       alpr release fulfil ID --out DIR\n"
               "       alpr release list\n"
               "\n"
               "A request names the agency, the requesting person, the intended purpose and the\n"
               "hold whose reads are asked for. An administrator other than the one who entered\n"
               "it approves or denies it; only an approved request is fulfilled (an evidence\n"
               "export, see `alpr export`). Every request stays on file.\n");
}

int cmd_release(int argc, char **argv, const struct cli_global *g)
{
    static const struct option lo[] = {
        {"agency", required_argument, NULL, 'a'},  {"requester", required_argument, NULL, 'r'},
        {"purpose", required_argument, NULL, 'p'}, {"hold", required_argument, NULL, 'H'},
        {"note", required_argument, NULL, 'n'},    {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
    struct store_session sess;
    struct store *s = NULL;
    const char *agency = NULL, *requester = NULL, *purpose = NULL, *hold = NULL, *note = NULL;
    const char *out_dir = NULL, *action;
    int c, rc, err;
    int64_t id;
    if ((rc = cli_take_action(&argc, &argv, usage, &action)) >= 0)
        return rc;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'a':
            agency = optarg;
            break;
        case 'r':
            requester = optarg;
            break;
        case 'p':
            purpose = optarg;
            break;
        case 'H':
            hold = optarg;
            break;
        case 'n':
            note = optarg;
            break;
        case 'o':
            out_dir = optarg;
            break;
        case 'h':
            usage(stdout);
            return CLI_EXIT_OK;
        default:
            usage(stderr);
            return CLI_EXIT_USAGE;
        }
    }
    const char *arg = optind < argc ? argv[optind] : NULL;
    if ((rc = store_cli_open(g, "release", &s)) != 0)
        return rc;
    if ((rc = store_cli_session(s, g, "release", &sess)) != 0)
        goto out;
    if (strcmp(action, "request") == 0) {
        int64_t hold_id;
        if (!agency || !requester || !purpose ||
            (rc = store_cli_id("release", "--hold", hold, &hold_id)) != 0) {
            cli_error("release", "request needs --agency, --requester, --purpose, --hold ID");
            rc = CLI_EXIT_USAGE;
            goto out;
        }
        if ((err = store_release_request(s, &sess, agency, requester, purpose, hold_id, &id)))
            rc = store_cli_fail("release", "request", err);
        else
            printf("%lld\n", (long long)id);
    } else if (strcmp(action, "approve") == 0 || strcmp(action, "deny") == 0) {
        if ((rc = store_cli_id("release", action, arg, &id)) != 0)
            goto out;
        if (!note) {
            cli_error("release", "%s needs --note", action);
            rc = CLI_EXIT_USAGE;
            goto out;
        }
        if ((err = store_release_review(s, &sess, id, action[0] == 'a', note)) != 0)
            rc = store_cli_fail("release", action, err);
        else if (!g->quiet)
            printf("request %lld %s\n", (long long)id, action[0] == 'a' ? "approved" : "denied");
    } else if (strcmp(action, "fulfil") == 0 || strcmp(action, "fulfill") == 0) {
        struct store_export_result res;
        if ((rc = store_cli_id("release", action, arg, &id)) != 0)
            goto out;
        if (!out_dir) {
            cli_error("release", "fulfil needs --out DIR");
            rc = CLI_EXIT_USAGE;
            goto out;
        }
        if ((err = store_release_fulfil(s, &sess, id, out_dir, &res)) != 0)
            rc = store_cli_fail("release", "fulfil", err);
        else if (!g->quiet)
            printf("request %lld fulfilled: export %lld, %lld reads in %s\nmanifest sha256 %s\n",
                   (long long)id, (long long)res.export_id, (long long)res.reads, out_dir,
                   res.manifest_sha256);
    } else if (strcmp(action, "list") == 0) {
        static const char *const cols[] = {"id",          "agency",      "requester",  "purpose",
                                           "hold",        "status",      "entered_by", "entered",
                                           "reviewed_by", "review_note", "export"};
        struct store_release_list *l = NULL;
        struct store_cli_table tab;
        if ((err = store_release_list(s, &sess, &l)) != 0) {
            rc = store_cli_fail("release", "list", err);
            goto out;
        }
        store_cli_table_begin(&tab, g->format, stdout, cols, "nsssnsssssn");
        for (size_t i = 0; i < l->n; i++) {
            const struct store_release *r = &l->items[i];
            char idb[24], h[24], t[32], ex[24] = "";
            snprintf(idb, sizeof idb, "%lld", (long long)r->id);
            snprintf(h, sizeof h, "%lld", (long long)r->hold_id);
            store_time_format(r->submitted_at, t, sizeof t);
            if (r->export_id)
                snprintf(ex, sizeof ex, "%lld", (long long)r->export_id);
            const char *vals[] = {
                idb, r->agency,      r->requester,   r->purpose, h, r->status, r->submitted_by,
                t,   r->reviewed_by, r->review_note, ex};
            store_cli_table_row(&tab, vals);
        }
        store_cli_table_end(&tab);
        store_release_list_free(l);
    } else {
        cli_error("release", "unknown action '%s'", action);
        rc = CLI_EXIT_USAGE;
    }
out:
    store_close(s);
    return rc;
}
