/* alpr release: written release requests from other agencies, reviewed before fulfilment (R12). */
#include "commands.h"
#include "store_cli.h"
#include "store_cli_export.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
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
               "hold whose reads are asked for. A records officer approves or denies it (R12:\n"
               "never an administrator, nor the one who entered it or created the requester's\n"
               "account); only an approved request is fulfilled, by an administrator or records\n"
               "officer (an evidence export, see `alpr export`). Every request stays on file.\n");
}

/* store_cli_params for texts from the command line: invalid UTF-8 is a usage error. */
static json_t *text_params(int *rc, const char *fmt, ...)
{
    json_error_t jerr;
    va_list ap;
    va_start(ap, fmt);
    json_t *v = json_vpack_ex(&jerr, 0, fmt, ap);
    va_end(ap);
    if (!v) {
        cli_error("release", "%s", jerr.text);
        *rc = CLI_EXIT_USAGE;
    }
    return v;
}

/* The request of action, or NULL with *rc set (usage errors printed). */
static json_t *request(const char *action, const char *arg, const char *agency,
                       const char *requester, const char *purpose, const char *hold,
                       const char *note, const char *out_dir, const char **call, int *rc)
{
    int64_t id;
    if (strcmp(action, "request") == 0) {
        *call = "release.request";
        if (!agency || !requester || !purpose || store_cli_id("release", "--hold", hold, &id)) {
            cli_error("release", "request needs --agency, --requester, --purpose, --hold ID");
            *rc = CLI_EXIT_USAGE;
            return NULL;
        }
        return text_params(rc, "{s:s,s:s,s:s,s:I}", "agency", agency, "requester", requester,
                           "purpose", purpose, "hold", (json_int_t)id);
    }
    if (strcmp(action, "approve") == 0 || strcmp(action, "deny") == 0) {
        *call = "release.review";
        if ((*rc = store_cli_id("release", action, arg, &id)) != 0)
            return NULL;
        if (!note) {
            cli_error("release", "%s needs --note", action);
            *rc = CLI_EXIT_USAGE;
            return NULL;
        }
        return text_params(rc, "{s:I,s:s,s:s}", "id", (json_int_t)id, "decision", action, "note",
                           note);
    }
    if (strcmp(action, "fulfil") == 0 || strcmp(action, "fulfill") == 0) {
        *call = "release.fulfil";
        if ((*rc = store_cli_id("release", action, arg, &id)) != 0)
            return NULL;
        if (!out_dir) {
            cli_error("release", "fulfil needs --out DIR");
            *rc = CLI_EXIT_USAGE;
            return NULL;
        }
        return store_cli_params("{s:I}", "id", (json_int_t)id);
    }
    if (strcmp(action, "list") == 0) {
        *call = "release.list";
        return store_cli_params("{}");
    }
    cli_error("release", "unknown action '%s'", action);
    *rc = CLI_EXIT_USAGE;
    return NULL;
}

int cmd_release(int argc, char **argv, const struct cli_global *g)
{
    static const struct option lo[] = {
        {"agency", required_argument, NULL, 'a'},  {"requester", required_argument, NULL, 'r'},
        {"purpose", required_argument, NULL, 'p'}, {"hold", required_argument, NULL, 'H'},
        {"note", required_argument, NULL, 'n'},    {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
    struct store_client *s = NULL;
    const char *agency = NULL, *requester = NULL, *purpose = NULL, *hold = NULL, *note = NULL;
    const char *out_dir = NULL, *action, *call = NULL;
    json_t *params, *res = NULL;
    int c, rc;
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
    if (!(params =
              request(action, arg, agency, requester, purpose, hold, note, out_dir, &call, &rc)))
        return rc;
    if ((rc = store_cli_connect(g, "release", 1, &s)) != 0)
        goto out;
    if (strcmp(call, "release.fulfil") == 0) {
        if ((rc = store_cli_export(s, g, "release", call, params, out_dir, &res)) == 0 && !g->quiet)
            printf("request %lld fulfilled: export %lld, %lld reads in %s\nmanifest sha256 %s\n",
                   (long long)json_integer_value(json_object_get(params, "id")),
                   (long long)json_integer_value(json_object_get(res, "export")),
                   (long long)json_integer_value(json_object_get(res, "reads")), out_dir,
                   json_string_value(json_object_get(res, "manifest_sha256")));
        goto out;
    }
    if ((rc = store_cli_call(s, g, "release", action, call, params, &res)) != 0)
        goto out;
    if (strcmp(call, "release.request") == 0) {
        printf("%lld\n", (long long)json_integer_value(json_object_get(res, "id")));
    } else if (strcmp(call, "release.review") == 0) {
        if (!g->quiet)
            printf("request %lld %s\n",
                   (long long)json_integer_value(json_object_get(params, "id")),
                   action[0] == 'a' ? "approved" : "denied");
    } else {
        static const char *const cols[] = {"id",          "agency",      "requester",  "purpose",
                                           "hold",        "status",      "entered_by", "entered",
                                           "reviewed_by", "review_note", "export"};
        store_cli_print_rows(g, res, cols, "nsssnsssssn");
    }
out:
    json_decref(params);
    json_decref(res);
    store_client_close(s);
    return rc;
}
