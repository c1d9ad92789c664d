/*
 * alpr alert: list hotlist alerts (a justified access, recorded like a search: R1, R11); record
 * their verification (R4). A client of the store service: calls alert.list and alert.verify
 * (docs/STORE-API.md).
 */
#include "commands.h"
#include "store_cli.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

static const char CMD[] = "alert";

static void usage(FILE *f)
{
    fprintf(f, "usage: alpr alert list --purpose P --crime TYPE --incident NUM\n"
               "                      [--state unverified|confirmed|rejected] [--from T] [--to T]"
               " [--limit N]\n"
               "       alpr alert confirm ID --note TEXT\n"
               "       alpr alert reject ID --note TEXT\n"
               "\n"
               "  --purpose P     investigation | warrant | missing-person | stolen-vehicle\n"
               "  --crime TYPE    crime type (acting on a live alert: the entry's reason)\n"
               "  --incident NUM  incident number (acting on a live alert: the entry's incident)\n"
               "\n"
               "The alert list shows plates, units and times: like a search, it needs a purpose,\n"
               "crime type and incident number, and each look is recorded in the search register.\n"
               "A hotlist alert is not confirmation: confirm it only after checking the official\n"
               "database. Who set the state, and when, is recorded. Operators, investigators and\n"
               "administrators.\n");
}

struct opts {
    const char *state, *note;
    struct store_cli_access access;
    int64_t from, to;
    long limit;
};

/* Parses the options into o. Returns -1 to go on, else an exit code (usage printed). */
static int parse(int argc, char **argv, struct opts *o)
{
    static const struct option lo[] = {
        {"state", required_argument, NULL, 's'}, {"from", required_argument, NULL, 'f'},
        {"to", required_argument, NULL, 't'},    {"limit", required_argument, NULL, 'l'},
        {"note", required_argument, NULL, 'n'},  STORE_CLI_ACCESS_OPTIONS,
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0}};
    int c, rc;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        if (store_cli_access_option(c, optarg, &o->access))
            continue;
        switch (c) {
        case 's':
            o->state = optarg;
            break;
        case 'f':
            if ((rc = store_cli_time(CMD, "--from", optarg, &o->from)) != 0)
                return rc;
            break;
        case 't':
            if ((rc = store_cli_time(CMD, "--to", optarg, &o->to)) != 0)
                return rc;
            break;
        case 'l':
            if (cli_parse_long(optarg, 1, 100000, &o->limit) != 0) {
                cli_error(CMD, "--limit: 1..100000, not '%s'", optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case 'n':
            o->note = optarg;
            break;
        case 'h':
            usage(stdout);
            return CLI_EXIT_OK;
        default:
            usage(stderr);
            return CLI_EXIT_USAGE;
        }
    }
    return -1;
}

static int run_list(const struct cli_global *g, struct store_client *s, const struct opts *o)
{
    static const char *const cols[] = {"id",    "raised", "kind",   "hotlist_entry",
                                       "plate", "unit",   "reason", "incident",
                                       "state", "set_by", "set_at", "read_id"};
    json_t *params = store_cli_params("{}"), *res = NULL;
    int rc;
    /* Missing or junk justification goes to the service, which refuses and records it. */
    if ((o->state && json_object_set_new(params, "state", json_string(o->state)) != 0) ||
        (o->from && json_object_set_new(params, "from", json_integer(o->from)) != 0) ||
        (o->to && json_object_set_new(params, "to", json_integer(o->to)) != 0) ||
        (o->limit && json_object_set_new(params, "limit", json_integer(o->limit)) != 0) ||
        store_cli_access_params(params, &o->access) != 0) {
        cli_error(CMD, "arguments must be UTF-8 text");
        json_decref(params);
        return CLI_EXIT_USAGE;
    }
    rc = store_cli_call(s, g, CMD, "list", "alert.list", params, &res);
    if (rc == CLI_EXIT_OK)
        store_cli_print_rows(g, res, cols, "nssssssssssn");
    json_decref(params);
    json_decref(res);
    return rc;
}

static int run_verify(const struct cli_global *g, struct store_client *s, const char *action,
                      int64_t id, const char *note)
{
    const char *state = action[0] == 'c' ? "confirmed" : "rejected";
    json_t *params =
               json_pack("{s:I,s:s,s:s}", "alert_id", (json_int_t)id, "state", state, "note", note),
           *res = NULL;
    int rc;
    if (!params) {
        cli_error(CMD, "--note: not UTF-8 text");
        return CLI_EXIT_USAGE;
    }
    rc = store_cli_call(s, g, CMD, action, "alert.verify", params, &res);
    if (rc == CLI_EXIT_OK && !g->quiet)
        printf("alert %lld %s by %s\n", (long long)id, state,
               json_string_value(json_object_get(res, "by")));
    json_decref(params);
    json_decref(res);
    return rc;
}

int cmd_alert(int argc, char **argv, const struct cli_global *g)
{
    struct store_client *s = NULL;
    struct opts o = {0};
    const char *action;
    int64_t id = 0;
    int rc, verify;
    if ((rc = cli_take_action(&argc, &argv, usage, &action)) >= 0)
        return rc;
    if ((rc = parse(argc, argv, &o)) >= 0)
        return rc;
    const char *arg = optind < argc ? argv[optind] : NULL;
    verify = strcmp(action, "confirm") == 0 || strcmp(action, "reject") == 0;
    if (!verify && strcmp(action, "list") != 0) {
        cli_error(CMD, "unknown action '%s' (list, confirm, reject)", action);
        return CLI_EXIT_USAGE;
    }
    if (verify && (rc = store_cli_id(CMD, action, arg, &id)) != 0)
        return rc;
    if (verify && !o.note) {
        cli_error(CMD, "%s needs --note (what was checked, against what)", action);
        return CLI_EXIT_USAGE;
    }
    if ((rc = store_cli_connect(g, CMD, 1, &s)) != CLI_EXIT_OK)
        return rc;
    rc = verify ? run_verify(g, s, action, id, o.note) : run_list(g, s, &o);
    store_client_close(s);
    return rc;
}
