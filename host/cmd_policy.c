/*
 * alpr policy: the rules an access's justification must meet (store_justify.h): show them, and
 * (administrator) set the department's incident-number pattern. A client of the store service:
 * calls policy.show and policy.set (docs/STORE-API.md).
 */
#include "commands.h"
#include "store_cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char CMD[] = "policy";

static void usage(FILE *f)
{
    fprintf(f, "usage: alpr policy show\n"
               "       alpr policy set incident-pattern REGEX\n"
               "       alpr policy set incident-pattern --default\n"
               "\n"
               "Every access to reads (search, views, exports, the alert list) names a purpose,\n"
               "a crime type and an incident number; the incident number must match the\n"
               "department's pattern, a POSIX extended regular expression anchored with ^ and $\n"
               "that accepts no junk ('none', 'n/a', 'test', '-', '?'). Setting it is an\n"
               "administrator's, and audited.\n"
               "\n"
               "  --default       restore the built-in pattern\n");
}

static int run_show(const struct cli_global *g, struct store_client *s)
{
    json_t *res = NULL;
    int rc = store_cli_call(s, g, CMD, "show", "policy.show", NULL, &res);
    if (rc != CLI_EXIT_OK)
        return rc;
    if (g->format == CLI_FORMAT_JSON) {
        char *text = json_dumps(res, JSON_INDENT(2));
        if (text)
            puts(text);
        free(text);
    } else {
        printf("incident-pattern %s\n",
               json_string_value(json_object_get(res, "incident_pattern")));
        printf("incident-pattern default %s\n",
               json_string_value(json_object_get(res, "incident_pattern_default")));
    }
    json_decref(res);
    return CLI_EXIT_OK;
}

static int run_set(const struct cli_global *g, struct store_client *s, const char *pattern)
{
    json_t *params = pattern
                         ? json_pack("{s:s,s:s}", "setting", "incident-pattern", "value", pattern)
                         : json_pack("{s:s}", "setting", "incident-pattern");
    int rc;
    if (!params) {
        cli_error(CMD, "REGEX: not UTF-8 text");
        return CLI_EXIT_USAGE;
    }
    rc = store_cli_call(s, g, CMD, "set", "policy.set", params, NULL);
    if (rc == CLI_EXIT_OK && !g->quiet)
        printf("incident-pattern %s\n", pattern ? pattern : "restored to the default");
    json_decref(params);
    return rc;
}

int cmd_policy(int argc, char **argv, const struct cli_global *g)
{
    static const struct option lo[] = {
        {"default", no_argument, NULL, 'd'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    struct store_client *s = NULL;
    const char *action, *pattern = NULL;
    int c, rc, restore = 0, set;
    if ((rc = cli_take_action(&argc, &argv, usage, &action)) >= 0)
        return rc;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        if (c == 'd') {
            restore = 1;
        } else if (c == 'h') {
            usage(stdout);
            return CLI_EXIT_OK;
        } else {
            usage(stderr);
            return CLI_EXIT_USAGE;
        }
    }
    set = strcmp(action, "set") == 0;
    if (!set && strcmp(action, "show") != 0) {
        cli_error(CMD, "unknown action '%s' (show, set)", action);
        return CLI_EXIT_USAGE;
    }
    if (set) {
        if (optind >= argc || strcmp(argv[optind], "incident-pattern") != 0) {
            cli_error(CMD, "set: the setting is incident-pattern");
            return CLI_EXIT_USAGE;
        }
        pattern = optind + 1 < argc ? argv[optind + 1] : NULL;
        if (!pattern == !restore) {
            cli_error(CMD, "set incident-pattern needs REGEX or --default");
            return CLI_EXIT_USAGE;
        }
    }
    if ((rc = store_cli_connect(g, CMD, 1, &s)) != CLI_EXIT_OK)
        return rc;
    rc = set ? run_set(g, s, pattern) : run_show(g, s);
    store_client_close(s);
    return rc;
}
