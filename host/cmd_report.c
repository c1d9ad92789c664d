/* alpr report: audit reports (text, CSV, JSON) and the public HTML page. */
#include "commands.h"
#include "store_cli.h"
#include "store_report.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: alpr [--json|--csv] report audit [--from T] [--to T] [--out FILE]\n"
               "       alpr report public [--policy FILE] [--out FILE.html]\n"
               "\n"
               "audit: searches per member, crime type, purpose and month; accesses without an\n"
               "incident number; refusals; exports; releases; purges.\n"
               "public: a static HTML page with the policy (the built-in summary, or the text\n"
               "of --policy FILE) and aggregate statistics that identify no plate.\n"
               "Auditors and administrators.\n");
}

static char *read_text(const char *path)
{
    FILE *fp = fopen(path, "rb");
    char *buf;
    long n;
    if (!fp)
        return NULL;
    if (fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 || n > (1 << 20) ||
        fseek(fp, 0, SEEK_SET) != 0) {
        fclose(fp);
        return NULL;
    }
    buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (buf)
        buf[n] = '\0';
    fclose(fp);
    return buf;
}

int cmd_report(int argc, char **argv, const struct cli_global *g)
{
    static const struct option lo[] = {
        {"from", required_argument, NULL, 'f'}, {"to", required_argument, NULL, 't'},
        {"out", required_argument, NULL, 'o'},  {"policy", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0}};
    struct store_session sess;
    struct store *s = NULL;
    const char *out_path = NULL, *policy_path = NULL, *action;
    char *policy = NULL;
    int64_t from = 0, to = 0;
    FILE *out = stdout;
    int c, rc, err;
    if ((rc = cli_take_action(&argc, &argv, usage, &action)) >= 0)
        return rc;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'f':
            if ((rc = store_cli_time("report", "--from", optarg, &from)) != 0)
                return rc;
            break;
        case 't':
            if ((rc = store_cli_time("report", "--to", optarg, &to)) != 0)
                return rc;
            break;
        case 'o':
            out_path = optarg;
            break;
        case 'p':
            policy_path = optarg;
            break;
        case 'h':
            usage(stdout);
            return CLI_EXIT_OK;
        default:
            usage(stderr);
            return CLI_EXIT_USAGE;
        }
    }
    if (strcmp(action, "audit") != 0 && strcmp(action, "public") != 0) {
        cli_error("report", "unknown report '%s' (audit, public)", action);
        return CLI_EXIT_USAGE;
    }
    if (policy_path && !(policy = read_text(policy_path))) {
        cli_error("report", "%s: cannot read (at most 1 MiB)", policy_path);
        return CLI_EXIT_FAIL;
    }
    if ((rc = store_cli_open(g, "report", &s)) != 0)
        goto out;
    if ((rc = store_cli_session(s, g, "report", &sess)) != 0)
        goto out;
    if (out_path && !(out = fopen(out_path, "w"))) {
        cli_error("report", "%s: cannot write", out_path);
        out = stdout;
        rc = CLI_EXIT_FAIL;
        goto out;
    }
    if (action[0] == 'a')
        err = store_report_audit(s, &sess, from, to,
                                 g->format == CLI_FORMAT_JSON  ? STORE_REPORT_JSON
                                 : g->format == CLI_FORMAT_CSV ? STORE_REPORT_CSV
                                                               : STORE_REPORT_TEXT,
                                 out);
    else
        err = store_report_public(s, &sess, policy, out);
    if (err)
        rc = store_cli_fail("report", action, err);
    if (out != stdout && fclose(out) != 0 && rc == 0) {
        cli_error("report", "%s: write failed", out_path);
        rc = CLI_EXIT_FAIL;
    }
    out = stdout;
out:
    free(policy);
    store_close(s);
    return rc;
}
