/* alpr audit: verify the hash-chained audit log; list its entries (auditors, administrators). */
#include "commands.h"
#include "store_cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: alpr audit verify [--expect-head HASH]\n"
               "       alpr audit list [--from T] [--to T] [--member NAME] [--event PREFIX]"
               " [--limit N]\n"
               "\n"
               "verify walks the whole chain and says where an entry was edited, deleted,\n"
               "inserted or reordered (exit 1); it prints the head hash: keep it elsewhere and\n"
               "pass it back with --expect-head to detect a rewritten chain as well.\n"
               "Reading the log is audited too. Auditors and administrators.\n");
}

static int print_verify(const struct cli_global *g, json_t *res, const char *expect)
{
    long long entries = (long long)json_integer_value(json_object_get(res, "entries"));
    const char *head = json_string_value(json_object_get(res, "head"));
    const char *problem = json_string_value(json_object_get(res, "problem"));
    if (!json_is_true(json_object_get(res, "ok"))) {
        cli_error("audit", "TAMPERED at entry %lld: %s",
                  (long long)json_integer_value(json_object_get(res, "bad_id")),
                  problem ? problem : "(no detail)");
        return CLI_EXIT_FAIL;
    }
    if (g->format == CLI_FORMAT_JSON)
        printf("{\"ok\": true, \"entries\": %lld, \"head\": \"%s\"}\n", entries, head ? head : "");
    else
        printf("audit log verified: %lld entries, head %s\n", entries, head ? head : "");
    /* The head moves with every entry, the check included: compare the one printed. */
    if (!expect)
        return CLI_EXIT_OK;
    if (!json_is_true(json_object_get(res, "expect_head_found"))) {
        cli_error("audit", "--expect-head %s is not in the chain: it was rewritten", expect);
        return CLI_EXIT_FAIL;
    }
    if (!g->quiet)
        printf("recorded head %s found: the chain up to it is intact\n", expect);
    return CLI_EXIT_OK;
}

int cmd_audit(int argc, char **argv, const struct cli_global *g)
{
    static const struct option lo[] = {
        {"from", required_argument, NULL, 'f'},   {"to", required_argument, NULL, 't'},
        {"member", required_argument, NULL, 'm'}, {"event", required_argument, NULL, 'e'},
        {"limit", required_argument, NULL, 'l'},  {"expect-head", required_argument, NULL, 'x'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    struct store_client *s = NULL;
    const char *member = NULL, *event = NULL, *expect = NULL, *action, *call;
    json_t *params, *res = NULL;
    int64_t from = 0, to = 0;
    long limit = 0;
    int c, rc;
    if ((rc = cli_take_action(&argc, &argv, usage, &action)) >= 0)
        return rc;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'f':
            if ((rc = store_cli_time("audit", "--from", optarg, &from)) != 0)
                return rc;
            break;
        case 't':
            if ((rc = store_cli_time("audit", "--to", optarg, &to)) != 0)
                return rc;
            break;
        case 'm':
            member = optarg;
            break;
        case 'e':
            event = optarg;
            break;
        case 'x':
            expect = optarg;
            break;
        case 'l':
            if (cli_parse_long(optarg, 1, 1000000, &limit) != 0) {
                cli_error("audit", "--limit: 1..1000000, not '%s'", optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case 'h':
            usage(stdout);
            return CLI_EXIT_OK;
        default:
            usage(stderr);
            return CLI_EXIT_USAGE;
        }
    }
    if (strcmp(action, "verify") == 0) {
        if (expect && strlen(expect) != 64) {
            cli_error("audit", "--expect-head: a head hash is 64 hex digits");
            return CLI_EXIT_USAGE;
        }
        call = "audit.verify";
        params = expect ? store_cli_params("{s:s}", "expect_head", expect) : store_cli_params("{}");
    } else if (strcmp(action, "list") == 0) {
        call = "audit.list";
        params = store_cli_params("{}");
        if ((from && json_object_set_new(params, "from", json_integer(from)) != 0) ||
            (to && json_object_set_new(params, "to", json_integer(to)) != 0) ||
            (member && json_object_set_new(params, "member", json_string(member)) != 0) ||
            (event && json_object_set_new(params, "event", json_string(event)) != 0) ||
            (limit && json_object_set_new(params, "limit", json_integer(limit)) != 0)) {
            cli_error("audit", "--member and --event take UTF-8 text");
            json_decref(params);
            return CLI_EXIT_USAGE;
        }
    } else {
        cli_error("audit", "unknown action '%s' (verify, list)", action);
        return CLI_EXIT_USAGE;
    }
    if ((rc = store_cli_connect(g, "audit", 1, &s)) == 0)
        rc = store_cli_call(s, g, "audit", action, call, params, &res);
    store_client_close(s);
    json_decref(params);
    if (rc == 0 && call[6] == 'v') {
        rc = print_verify(g, res, expect);
    } else if (rc == 0) {
        static const char *const cols[] = {"id", "time", "member", "event", "params", "outcome"};
        store_cli_print_rows(g, res, cols, "nsssss");
    }
    json_decref(res);
    return rc;
}
