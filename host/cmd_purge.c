/* alpr purge: purge reads past the retention period; show or shorten that period (R7). */
#include "commands.h"
#include "store_cli.h"

#include <getopt.h>
#include <stdio.h>

/* A time of the report, "" for none. */
static const char *when(json_t *rep, const char *key)
{
    const char *t = json_string_value(json_object_get(rep, key));
    return t ? t : "";
}

static long long count(json_t *rep, const char *key)
{
    return (long long)json_integer_value(json_object_get(rep, key));
}

static int print_report(const struct cli_global *g, json_t *rep)
{
    int compacted = json_is_true(json_object_get(rep, "compacted"));
    int wal_truncated = json_is_true(json_object_get(rep, "wal_truncated"));
    long long reads = count(rep, "reads");
    if (g->format == CLI_FORMAT_JSON)
        printf("{\"cutoff\": \"%s\", \"reads\": %lld, \"images\": %lld, \"alerts\": %lld,"
               " \"held\": %lld, \"oldest\": \"%s\", \"newest\": \"%s\", \"compacted\": %d,"
               " \"wal_truncated\": %d, \"delete_ms\": %lld, \"rebuild_ms\": %lld}\n",
               when(rep, "cutoff"), reads, count(rep, "images"), count(rep, "alerts"),
               count(rep, "held"), when(rep, "oldest"), when(rep, "newest"), compacted,
               wal_truncated, count(rep, "delete_ms"), count(rep, "rebuild_ms"));
    else
        printf("purged %lld reads (%lld images, %lld alerts) captured before %s%s%s%s%s; %lld"
               " kept under holds; file %s; WAL %s\n",
               reads, count(rep, "images"), count(rep, "alerts"), when(rep, "cutoff"),
               reads ? ", from " : "", when(rep, "oldest"), reads ? " to " : "",
               when(rep, "newest"), count(rep, "held"),
               compacted ? "rebuilt" : "NOT rebuilt (busy): run purge again",
               wal_truncated ? "truncated" : "busy: run purge again to truncate it");
    if (g->format != CLI_FORMAT_JSON && count(rep, "copies_flagged") > 0)
        printf("%lld copies outside the store flagged (their reads were purged): see `alpr export"
               " list --flagged`; their owners delete them with `alpr export prune --yes`\n",
               count(rep, "copies_flagged"));
    return compacted && wal_truncated ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

int cmd_purge(int argc, char **argv, const struct cli_global *g)
{
    static const struct option lo[] = {{"set-retention-days", required_argument, NULL, 'r'},
                                       {"show-retention", no_argument, NULL, 's'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    struct store_client *s = NULL;
    json_t *params = NULL, *res = NULL;
    long days = 0;
    int c, rc, show = 0;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'r':
            if (cli_parse_long(optarg, 1, STORE_RETENTION_MAX_DAYS, &days) != 0) {
                cli_error("purge", "--set-retention-days: 1..%d (nine months at most), not '%s'",
                          STORE_RETENTION_MAX_DAYS, optarg);
                return CLI_EXIT_USAGE;
            }
            break;
        case 's':
            show = 1;
            break;
        case 'h':
            printf("usage: alpr purge [--set-retention-days N] [--show-retention]\n"
                   "\n"
                   "Administrator: purges every read (image, candidates, alerts) older than the\n"
                   "retention period (default and maximum %d days, nine months) that no active\n"
                   "hold covers: secure_delete, then the WAL is checkpointed and truncated. The\n"
                   "report (counts and time ranges, no plates) goes to the audit log.\n"
                   "The store service runs the same purge hourly as its system account.\n"
                   "--show-retention: any member who is logged in.\n",
                   STORE_RETENTION_MAX_DAYS);
            return CLI_EXIT_OK;
        default:
            return CLI_EXIT_USAGE;
        }
    }
    if (optind != argc)
        return CLI_EXIT_USAGE;
    if ((rc = store_cli_connect(g, "purge", 1, &s)) != 0)
        return rc;
    if (show) {
        if ((rc = store_cli_call(s, g, "purge", "--show-retention", "retention.get", NULL, &res)) ==
            0)
            printf("retention: %lld days\n",
                   (long long)json_integer_value(json_object_get(res, "days")));
        goto out;
    }
    if (days) {
        params = store_cli_params("{s:i}", "days", (int)days);
        if ((rc = store_cli_call(s, g, "purge", "--set-retention-days", "retention.set", params,
                                 NULL)) != 0)
            goto out;
    }
    if ((rc = store_cli_call(s, g, "purge", "purge", "purge", NULL, &res)) == 0)
        rc = print_report(g, res);
out:
    json_decref(params);
    json_decref(res);
    store_client_close(s);
    return rc;
}
