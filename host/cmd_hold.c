/* alpr hold: warrants, preservation requests and disclosure orders that exempt reads from purge. */
#include "commands.h"
#include "store_cli.h"
#include "store_retention.h"

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: alpr hold add --kind KIND --ref REFERENCE SCOPE [--court COURT]"
               " [--expires TIME]\n"
               "       alpr hold list [--all]\n"
               "       alpr hold approve ID\n"
               "       alpr hold extend ID --court COURT --order-ref REFERENCE --until TIME\n"
               "       alpr hold release ID --reason TEXT\n"
               "\n"
               "KIND: warrant | preservation | disclosure. SCOPE: at least one of --plate P,\n"
               "--units U1,U2, --from TIME / --to TIME. Held reads are not purged until the hold\n"
               "is released (administrators, records officers) or expires.\n"
               "Warrant and disclosure-order holds: entered by an administrator or records\n"
               "officer with --court and --expires (review date), in effect only once a second\n"
               "one approves them (hold approve). A preservation request (41-6a-2005; also\n"
               "investigators) lasts 14 days at most; it keeps non-governmental reads only once\n"
               "approved, and only a court order (hold extend, then approve) makes it longer.\n");
}

/* The request of action, or NULL with *rc set (usage errors printed). */
/* The parameters of hold extend ID, or NULL with *rc set. */
static json_t *extend_request(const char *arg, json_t *scope, const char *order, int64_t until,
                              int *rc)
{
    json_t *court = json_object_get(scope, "court");
    int64_t id;
    if ((*rc = store_cli_id("hold", "extend", arg, &id)) != 0)
        return NULL;
    if (!court || !order || !until) {
        cli_error("hold", "extend needs --court COURT, --order-ref REFERENCE and --until TIME");
        *rc = CLI_EXIT_USAGE;
        return NULL;
    }
    return store_cli_params("{s:I,s:O,s:s,s:I}", "id", (json_int_t)id, "court", court, "order",
                            order, "until", (json_int_t)until);
}

static json_t *request(const char *action, const char *arg, const char *kind, const char *reason,
                       int all, json_t *scope, const char *order, int64_t until, const char **call,
                       int *rc)
{
    enum store_hold_kind k;
    int64_t id;
    *rc = 0;
    if (strcmp(action, "add") == 0) {
        *call = "hold.add";
        if (!kind || store_hold_kind_parse(kind, &k) != 0) {
            cli_error("hold", "--kind: warrant, preservation or disclosure");
            *rc = CLI_EXIT_USAGE;
            return NULL;
        }
        if (!json_object_get(scope, "reference")) {
            cli_error("hold", "add needs --ref REFERENCE");
            *rc = CLI_EXIT_USAGE;
            return NULL;
        }
        if (json_object_set_new(scope, "kind", json_string(kind)) != 0)
            *rc = CLI_EXIT_FAIL;
        return *rc ? NULL : json_incref(scope);
    }
    if (strcmp(action, "list") == 0) {
        *call = "hold.list";
        return store_cli_params("{s:b}", "all", all);
    }
    if (strcmp(action, "approve") == 0) {
        *call = "hold.approve";
        if ((*rc = store_cli_id("hold", "approve", arg, &id)) != 0)
            return NULL;
        return store_cli_params("{s:I}", "id", (json_int_t)id);
    }
    if (strcmp(action, "extend") == 0) {
        *call = "hold.extend";
        return extend_request(arg, scope, order, until, rc);
    }
    if (strcmp(action, "release") == 0) {
        *call = "hold.release";
        if ((*rc = store_cli_id("hold", "release", arg, &id)) != 0)
            return NULL;
        if (!reason) {
            cli_error("hold", "release needs --reason");
            *rc = CLI_EXIT_USAGE;
            return NULL;
        }
        return store_cli_params("{s:I,s:s}", "id", (json_int_t)id, "reason", reason);
    }
    cli_error("hold", "unknown action '%s' (add, list, approve, extend, release)", action);
    *rc = CLI_EXIT_USAGE;
    return NULL;
}

static void print_holds(const struct cli_global *g, json_t *rows)
{
    static const char *const cols[] = {
        "id", "kind",    "state",   "reference", "court",       "plate",  "units",  "from",
        "to", "expires", "entered", "by",        "approved_by", "legacy", "active", "reads"};
    size_t i;
    json_t *row;
    /* The column has always been "by"; the service names it entered_by. */
    json_array_foreach(rows, i, row)
    {
        if (json_object_set(row, "by", json_object_get(row, "entered_by")) != 0)
            fprintf(stderr, "alpr hold: out of memory\n");
    }
    store_cli_print_rows(g, rows, cols, "nsssssssssssssnn");
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
                                       {"court", required_argument, NULL, 'c'},
                                       {"order-ref", required_argument, NULL, 'o'},
                                       {"until", required_argument, NULL, 'U'},
                                       {"reason", required_argument, NULL, 'R'},
                                       {"all", no_argument, NULL, 'a'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    struct store_client *s = NULL;
    const char *kind = NULL, *reason = NULL, *order = NULL, *action, *call = NULL;
    json_t *scope = store_cli_params("{}"), *params = NULL, *res = NULL;
    int64_t t, until = 0;
    int c, rc, all = 0;
    if ((rc = cli_take_action(&argc, &argv, usage, &action)) >= 0)
        goto done;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        rc = 0;
        switch (c) {
        case 'k':
            kind = optarg;
            break;
        case 'r':
            rc = json_object_set_new(scope, "reference", json_string(optarg));
            break;
        case 'p':
            rc = json_object_set_new(scope, "plate", json_string(optarg));
            break;
        case 'u':
            rc = json_object_set_new(scope, "units", json_string(optarg));
            break;
        case 'f':
            if ((rc = store_cli_time("hold", "--from", optarg, &t)) != 0)
                goto done;
            rc = json_object_set_new(scope, "from", json_integer(t));
            break;
        case 't':
            if ((rc = store_cli_time("hold", "--to", optarg, &t)) != 0)
                goto done;
            rc = json_object_set_new(scope, "to", json_integer(t));
            break;
        case 'e':
            if ((rc = store_cli_time("hold", "--expires", optarg, &t)) != 0)
                goto done;
            rc = json_object_set_new(scope, "expires", json_integer(t));
            break;
        case 'c':
            rc = json_object_set_new(scope, "court", json_string(optarg));
            break;
        case 'o':
            order = optarg;
            break;
        case 'U':
            if ((rc = store_cli_time("hold", "--until", optarg, &until)) != 0)
                goto done;
            break;
        case 'R':
            reason = optarg;
            break;
        case 'a':
            all = 1;
            break;
        case 'h':
            usage(stdout);
            rc = CLI_EXIT_OK;
            goto done;
        default:
            usage(stderr);
            rc = CLI_EXIT_USAGE;
            goto done;
        }
        if (rc != 0) {
            cli_error("hold", "'%s': not valid UTF-8 text", optarg);
            rc = CLI_EXIT_USAGE;
            goto done;
        }
    }
    const char *arg = optind < argc ? argv[optind] : NULL;
    if (!(params = request(action, arg, kind, reason, all, scope, order, until, &call, &rc)))
        goto done;
    if ((rc = store_cli_connect(g, "hold", 1, &s)) == 0)
        rc = store_cli_call(s, g, "hold", action, call, params, &res);
    store_client_close(s);
    if (rc != 0)
        goto done;
    if (strcmp(action, "add") == 0) {
        long long id = (long long)json_integer_value(json_object_get(res, "id"));
        const char *state = json_string_value(json_object_get(res, "state"));
        printf("%lld\n", id);
        if (!g->quiet && state && strcmp(state, "pending") == 0)
            fprintf(stderr,
                    "alpr hold: hold %lld is pending: a second administrator or records officer"
                    " approves it (alpr hold approve %lld)\n",
                    id, id);
    } else if (strcmp(action, "list") == 0) {
        print_holds(g, res);
    } else if (!g->quiet) {
        long long id = (long long)json_integer_value(json_object_get(params, "id"));
        if (strcmp(action, "approve") == 0)
            printf("hold %lld approved\n", id);
        else if (strcmp(action, "extend") == 0)
            printf("hold %lld: extension entered; a second member approves it (alpr hold approve"
                   " %lld)\n",
                   id, id);
        else
            printf("hold %lld released\n", id);
    }
done:
    json_decref(params);
    json_decref(res);
    json_decref(scope);
    return rc;
}
