/* alpr alert: list hotlist alerts; record their verification (R4). */
#include "commands.h"
#include "store_cli.h"
#include "store_hotlist.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: alpr alert list [--state unverified|confirmed|rejected] [--from T] [--to T]"
               " [--limit N]\n"
               "       alpr alert confirm ID --note TEXT\n"
               "       alpr alert reject ID --note TEXT\n"
               "\n"
               "A hotlist alert is not confirmation: confirm it only after checking the official\n"
               "database. Who set the state, and when, is recorded. Operators, investigators and\n"
               "administrators.\n");
}

int cmd_alert(int argc, char **argv, const struct cli_global *g)
{
    static const struct option lo[] = {{"state", required_argument, NULL, 's'},
                                       {"from", required_argument, NULL, 'f'},
                                       {"to", required_argument, NULL, 't'},
                                       {"limit", required_argument, NULL, 'l'},
                                       {"note", required_argument, NULL, 'n'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    struct store_session sess;
    struct store *s = NULL;
    const char *state = NULL, *note = NULL, *action;
    int64_t from = 0, to = 0;
    long limit = 0;
    int c, rc, err;
    if ((rc = cli_take_action(&argc, &argv, usage, &action)) >= 0)
        return rc;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 's':
            state = optarg;
            break;
        case 'f':
            if ((rc = store_cli_time("alert", "--from", optarg, &from)) != 0)
                return rc;
            break;
        case 't':
            if ((rc = store_cli_time("alert", "--to", optarg, &to)) != 0)
                return rc;
            break;
        case 'l':
            if (cli_parse_long(optarg, 1, 100000, &limit) != 0) {
                cli_error("alert", "--limit: 1..100000, not '%s'", optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case 'n':
            note = optarg;
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
    if ((rc = store_cli_open(g, "alert", &s)) != 0)
        return rc;
    if ((rc = store_cli_session(s, g, "alert", &sess)) != 0)
        goto out;
    if (strcmp(action, "list") == 0) {
        static const char *const cols[] = {"id",    "raised", "kind",   "hotlist_entry",
                                           "plate", "unit",   "reason", "incident",
                                           "state", "set_by", "set_at", "read_id"};
        struct store_alert_list *l = NULL;
        struct store_cli_table tab;
        if ((err = store_alert_list(s, &sess, state, from, to, (size_t)limit, &l)) != 0) {
            rc = store_cli_fail("alert", "list", err);
            goto out;
        }
        store_cli_table_begin(&tab, g->format, stdout, cols, "nssssssssssn");
        for (size_t i = 0; i < l->n; i++) {
            const struct store_alert *a = &l->items[i];
            char id[24], t[32], sa[32] = "", rid[24];
            snprintf(id, sizeof id, "%lld", (long long)a->id);
            store_time_format(a->created_at, t, sizeof t);
            if (a->state_at)
                store_time_format(a->state_at, sa, sizeof sa);
            snprintf(rid, sizeof rid, "%lld", (long long)a->read_id);
            const char *vals[] = {id,      t,         a->kind,     a->entry_plate, a->read_plate,
                                  a->unit, a->reason, a->incident, a->state,       a->state_by,
                                  sa,      rid};
            store_cli_table_row(&tab, vals);
        }
        store_cli_table_end(&tab);
        store_alert_list_free(l);
    } else if (strcmp(action, "confirm") == 0 || strcmp(action, "reject") == 0) {
        int64_t id;
        if ((rc = store_cli_id("alert", action, arg, &id)) != 0)
            goto out;
        if (!note) {
            cli_error("alert", "%s needs --note (what was checked, against what)", action);
            rc = CLI_EXIT_USAGE;
            goto out;
        }
        err =
            store_alert_set_state(s, &sess, id, action[0] == 'c' ? "confirmed" : "rejected", note);
        if (err)
            rc = store_cli_fail("alert", action, err);
        else if (!g->quiet)
            printf("alert %lld %s by %s\n", (long long)id,
                   action[0] == 'c' ? "confirmed" : "rejected", sess.member);
    } else {
        cli_error("alert", "unknown action '%s' (list, confirm, reject)", action);
        rc = CLI_EXIT_USAGE;
    }
out:
    store_close(s);
    return rc;
}
