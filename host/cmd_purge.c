/* alpr purge: purge reads past the retention period; show or shorten that period (R7). */
#include "commands.h"
#include "store_cli.h"
#include "store_retention.h"

#include <getopt.h>
#include <stdio.h>

int cmd_purge(int argc, char **argv, const struct cli_global *g)
{
    static const struct option lo[] = {{"set-retention-days", required_argument, NULL, 'r'},
                                       {"show-retention", no_argument, NULL, 's'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    struct store_purge_report rep;
    struct store_session sess;
    struct store *s = NULL;
    long days = 0;
    int c, rc, err, show = 0;
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
                   "The daemon runs the same purge as its system account.\n",
                   STORE_RETENTION_MAX_DAYS);
            return CLI_EXIT_OK;
        default:
            return CLI_EXIT_USAGE;
        }
    }
    if (optind != argc)
        return CLI_EXIT_USAGE;
    if ((rc = store_cli_open(g, "purge", &s)) != 0)
        return rc;
    if (show) {
        printf("retention: %d days\n", store_retention_days(s));
        goto out;
    }
    if ((rc = store_cli_session(s, g, "purge", &sess)) != 0)
        goto out;
    if (days && (err = store_set_retention_days(s, &sess, (int)days)) != 0) {
        rc = store_cli_fail("purge", "--set-retention-days", err);
        goto out;
    }
    if ((err = store_purge(s, &sess, &rep)) != 0) {
        rc = store_cli_fail("purge", "purge", err);
        goto out;
    }
    char cut[32], o[32] = "", n[32] = "";
    store_time_format(rep.cutoff, cut, sizeof cut);
    if (rep.reads) {
        store_time_format(rep.oldest, o, sizeof o);
        store_time_format(rep.newest, n, sizeof n);
    }
    if (g->format == CLI_FORMAT_JSON)
        printf("{\"cutoff\": \"%s\", \"reads\": %lld, \"images\": %lld, \"alerts\": %lld,"
               " \"held\": %lld, \"oldest\": \"%s\", \"newest\": \"%s\", \"compacted\": %d,"
               " \"wal_truncated\": %d, \"delete_ms\": %lld, \"rebuild_ms\": %lld}\n",
               cut, (long long)rep.reads, (long long)rep.images, (long long)rep.alerts,
               (long long)rep.held, o, n, rep.compacted, rep.wal_truncated,
               (long long)rep.delete_ms, (long long)rep.rebuild_ms);
    else
        printf("purged %lld reads (%lld images, %lld alerts) captured before %s%s%s%s%s; %lld"
               " kept under holds; file %s; WAL %s\n",
               (long long)rep.reads, (long long)rep.images, (long long)rep.alerts, cut,
               rep.reads ? ", from " : "", o, rep.reads ? " to " : "", n, (long long)rep.held,
               rep.compacted ? "rebuilt" : "NOT rebuilt (busy): run purge again",
               rep.wal_truncated ? "truncated" : "busy: run purge again to truncate it");
    if (!rep.compacted || !rep.wal_truncated)
        rc = CLI_EXIT_FAIL;
out:
    store_close(s);
    return rc;
}
