/* alpr hold: warrants, preservation requests and disclosure orders that exempt reads from purge. */
#include "commands.h"
#include "store_cli.h"
#include "store_retention.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: alpr hold add --kind KIND --ref REFERENCE SCOPE [--expires TIME]\n"
               "       alpr hold list [--all]\n"
               "       alpr hold release ID --reason TEXT\n"
               "\n"
               "KIND: warrant | preservation | disclosure. A preservation request (41-6a-2005)\n"
               "lasts 14 days at most, pending a court order. SCOPE: at least one of --plate P,\n"
               "--units U1,U2, --from TIME / --to TIME. Held reads are not purged until the hold\n"
               "is released (administrators) or expires. Add: investigators and administrators.\n");
}

int cmd_hold(int argc, char **argv, const struct cli_global *g)
{
    static const struct option lo[] = {{"kind", required_argument, NULL, 'k'},
                                       {"ref", required_argument, NULL, 'r'},
                                       {"plate", required_argument, NULL, 'p'},
                                       {"units", required_argument, NULL, 'u'},
                                       {"from", required_argument, NULL, 'f'},
                                       {"to", required_argument, NULL, 't'},
                                       {"expires", required_argument, NULL, 'e'},
                                       {"reason", required_argument, NULL, 'R'},
                                       {"all", no_argument, NULL, 'a'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    struct store_hold_spec spec = {0};
    struct store_session sess;
    struct store *s = NULL;
    const char *kind = NULL, *reason = NULL, *action;
    int c, rc, err, all = 0;
    if ((rc = cli_take_action(&argc, &argv, usage, &action)) >= 0)
        return rc;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'k':
            kind = optarg;
            break;
        case 'r':
            spec.reference = optarg;
            break;
        case 'p':
            spec.plate = optarg;
            break;
        case 'u':
            spec.units = optarg;
            break;
        case 'f':
            if ((rc = store_cli_time("hold", "--from", optarg, &spec.from)) != 0)
                return rc;
            break;
        case 't':
            if ((rc = store_cli_time("hold", "--to", optarg, &spec.to)) != 0)
                return rc;
            break;
        case 'e':
            if ((rc = store_cli_time("hold", "--expires", optarg, &spec.expires)) != 0)
                return rc;
            break;
        case 'R':
            reason = optarg;
            break;
        case 'a':
            all = 1;
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
    if (strcmp(action, "add") == 0 && (!kind || store_hold_kind_parse(kind, &spec.kind) != 0)) {
        cli_error("hold", "--kind: warrant, preservation or disclosure");
        return CLI_EXIT_USAGE;
    }
    if ((rc = store_cli_open(g, "hold", &s)) != 0)
        return rc;
    if ((rc = store_cli_session(s, g, "hold", &sess)) != 0)
        goto out;
    if (strcmp(action, "add") == 0) {
        int64_t id;
        if ((err = store_hold_add(s, &sess, &spec, &id)) != 0) {
            if (err == STORE_ERR_INVALID)
                cli_error("hold", "a hold needs --ref, a scope (--plate, --units, --from/--to)"
                                  " and, for preservation, expiry within 14 days");
            rc = store_cli_fail("hold", "add", err);
        } else {
            printf("%lld\n", (long long)id);
        }
    } else if (strcmp(action, "list") == 0) {
        static const char *const cols[] = {"id",      "kind", "reference", "plate",
                                           "units",   "from", "to",        "expires",
                                           "entered", "by",   "active",    "reads"};
        struct store_hold_list *l = NULL;
        struct store_cli_table tab;
        if ((err = store_hold_list(s, &sess, !all, &l)) != 0) {
            rc = store_cli_fail("hold", "list", err);
            goto out;
        }
        store_cli_table_begin(&tab, g->format, stdout, cols, "nsssssssssnn");
        for (size_t i = 0; i < l->n; i++) {
            const struct store_hold *h = &l->items[i];
            char id[24], fr[32] = "", to[32] = "", ex[32] = "", en[32], ac[4], rd[24];
            snprintf(id, sizeof id, "%lld", (long long)h->id);
            if (h->from)
                store_time_format(h->from, fr, sizeof fr);
            if (h->to)
                store_time_format(h->to, to, sizeof to);
            if (h->expires)
                store_time_format(h->expires, ex, sizeof ex);
            store_time_format(h->entered_at, en, sizeof en);
            snprintf(ac, sizeof ac, "%d", h->active);
            snprintf(rd, sizeof rd, "%lld", (long long)h->reads);
            const char *vals[] = {id, h->kind, h->reference, h->plate,      h->units, fr,
                                  to, ex,      en,           h->entered_by, ac,       rd};
            store_cli_table_row(&tab, vals);
        }
        store_cli_table_end(&tab);
        store_hold_list_free(l);
    } else if (strcmp(action, "release") == 0) {
        int64_t id;
        if ((rc = store_cli_id("hold", "release", arg, &id)) != 0)
            goto out;
        if (!reason) {
            cli_error("hold", "release needs --reason");
            rc = CLI_EXIT_USAGE;
            goto out;
        }
        if ((err = store_hold_release(s, &sess, id, reason)) != 0)
            rc = store_cli_fail("hold", "release", err);
        else if (!g->quiet)
            printf("hold %lld released\n", (long long)id);
    } else {
        cli_error("hold", "unknown action '%s' (add, list, release)", action);
        rc = CLI_EXIT_USAGE;
    }
out:
    store_close(s);
    return rc;
}
