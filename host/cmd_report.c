/* alpr report: audit reports (text, CSV, JSON) and the public HTML page. The service returns
 * the reports' tables; this client renders them. */
#include "commands.h"
#include "public_text.h"
#include "store_cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fprintf(f, "usage: alpr [--json|--csv] report audit [--from T] [--to T] [--out FILE]\n"
               "       alpr report public [--policy FILE] [--out FILE.html]\n"
               "\n"
               "audit: searches per member, crime type, purpose and month; accesses without an\n"
               "incident number; refusals; exports; releases; purges.\n"
               "public: a static HTML page with the policy (the built-in summary, or the text\n"
               "of --policy FILE) and aggregate statistics that identify no plate.\n"
               "--policy FILE: plain UTF-8 text (newlines and tabs only, at most 64 KiB) with no\n"
               "plate-shaped token in it. The page carries the audit chain's head (an anchor).\n"
               "--out FILE is created with mode 0600, never through a symlink nor over an\n"
               "existing file.\n"
               "Auditors and administrators.\n");
}

static const char default_policy[] =
    "This department operates stationary automated license plate readers under Utah Code\n"
    "41-6a-2001 to 2005 and policy manual section 426.\n"
    "- Plate data is used only for official law-enforcement business: an active criminal\n"
    "  investigation, an outstanding warrant, a missing or endangered person, or a stolen\n"
    "  vehicle. Every search names its purpose, crime type and incident number, and is audited.\n"
    "- Only trained members may use the system, through a password-protected log-on that\n"
    "  records every access by name, date and time.\n"
    "- A hotlist alert is not confirmation: an officer verifies it against the official\n"
    "  database before acting.\n"
    "- Plate data is kept at most nine months and then purged unrecoverably, unless it is\n"
    "  subject to a warrant, a preservation request or a disclosure order.\n"
    "- Data from non-governmental devices is obtained only under a warrant or court order.\n"
    "- Data is never sold, and is shared with other agencies only on a written, approved\n"
    "  request.\n";

/* A table cell as text: integers in decimal, strings as they are, anything else empty. */
static const char *cell_text(json_t *v, char *buf, size_t size)
{
    if (json_is_integer(v)) {
        snprintf(buf, size, "%lld", (long long)json_integer_value(v));
        return buf;
    }
    return json_is_string(v) ? json_string_value(v) : "";
}

static const char *name_of(json_t *table, const char *key)
{
    const char *name = json_string_value(json_object_get(table, key));
    return name ? name : "";
}

/* One section of the audit report in fmt; first: the report's first section. */
static void audit_section(FILE *out, enum cli_format fmt, json_t *sec, int first)
{
    json_t *cols = json_object_get(sec, "columns"), *rows = json_object_get(sec, "rows");
    json_t *row, *v;
    const char *name = name_of(sec, "name");
    char buf[32];
    size_t r, c;
    if (fmt == CLI_FORMAT_TEXT) {
        fprintf(out, "%s== %s\n", first ? "" : "\n", name);
        json_array_foreach(cols, c, v) fprintf(out, "%s%s", c ? "\t" : "", cell_text(v, buf, 32));
        fputc('\n', out);
    } else if (fmt == CLI_FORMAT_JSON) {
        fprintf(out, "%s\n  ", first ? "" : ",");
        cli_json_string(out, name);
        fputs(": [", out);
    } else if (first) {
        fputs("section,c1,c2,c3,c4,c5,c6,c7,c8,c9\n", out);
    }
    json_array_foreach(rows, r, row)
    {
        if (fmt == CLI_FORMAT_JSON)
            fprintf(out, "%s\n    {", r ? "," : "");
        else if (fmt == CLI_FORMAT_CSV)
            fputs(name, out);
        json_array_foreach(row, c, v)
        {
            if (fmt == CLI_FORMAT_TEXT) {
                fprintf(out, "%s%s", c ? "\t" : "", cell_text(v, buf, sizeof buf));
            } else if (fmt == CLI_FORMAT_CSV) {
                fputc(',', out);
                cli_csv_field(out, cell_text(v, buf, sizeof buf));
            } else {
                if (c)
                    fputs(", ", out);
                cli_json_string(out, cell_text(json_array_get(cols, c), buf, sizeof buf));
                fputs(": ", out);
                if (json_is_integer(v))
                    fputs(cell_text(v, buf, sizeof buf), out);
                else
                    cli_json_string(out, cell_text(v, buf, sizeof buf));
            }
        }
        fputs(fmt == CLI_FORMAT_JSON ? "}" : "\n", out);
    }
    if (fmt == CLI_FORMAT_JSON)
        fputs(json_array_size(rows) ? "\n  ]" : "]", out);
    else if (fmt == CLI_FORMAT_TEXT && json_array_size(rows) == 0)
        fputs("(none)\n", out);
}

static void render_audit(FILE *out, enum cli_format fmt, json_t *rep, int64_t from, int64_t to)
{
    json_t *sec;
    size_t i;
    if (fmt == CLI_FORMAT_JSON)
        fprintf(out, "{\n  \"from\": %lld, \"to\": %lld,", (long long)from, (long long)to);
    json_array_foreach(json_object_get(rep, "sections"), i, sec)
        audit_section(out, fmt, sec, i == 0);
    if (fmt == CLI_FORMAT_JSON)
        fputs("\n}\n", out);
}

static void html(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        default:
            fputc(*s, f);
        }
    }
}

static void html_table(FILE *out, json_t *table)
{
    json_t *cols = json_object_get(table, "columns"), *rows = json_object_get(table, "rows");
    json_t *row, *v;
    char buf[32];
    size_t r, c;
    fputs("<h2>", out);
    html(out, name_of(table, "title"));
    fputs("</h2>\n<table>\n<tr>", out);
    json_array_foreach(cols, c, v)
    {
        fputs("<th>", out);
        html(out, cell_text(v, buf, sizeof buf));
        fputs("</th>", out);
    }
    fputs("</tr>\n", out);
    json_array_foreach(rows, r, row)
    {
        fputs("<tr>", out);
        json_array_foreach(row, c, v)
        {
            fputs("<td>", out);
            html(out, cell_text(v, buf, sizeof buf));
            fputs("</td>", out);
        }
        fputs("</tr>\n", out);
    }
    if (json_array_size(rows) == 0)
        fprintf(out, "<tr><td colspan=\"%zu\">none</td></tr>\n", json_array_size(cols));
    fputs("</table>\n", out);
}

static void render_public(FILE *out, json_t *rep, const char *policy)
{
    const char *generated = json_string_value(json_object_get(rep, "generated")), *anchor;
    json_t *table;
    size_t i;
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<title>Automated License Plate Readers: policy and statistics</title>\n"
          "<style>body{font-family:sans-serif;max-width:50em;margin:2em auto;padding:0 1em}"
          "table{border-collapse:collapse;margin-bottom:1em}td,th{border:1px solid #999;"
          "padding:.2em .6em;text-align:left}pre{white-space:pre-wrap}</style>\n</head>\n<body>\n"
          "<h1>Automated License Plate Readers</h1>\n",
          out);
    fprintf(out,
            "<p>Generated %s. Retention period: %lld days (never more than nine months)."
            "</p>\n<h2>Policy</h2>\n<pre>",
            generated ? generated : "",
            (long long)json_integer_value(json_object_get(rep, "retention_days")));
    html(out, policy ? policy : default_policy);
    fputs("</pre>\n", out);
    json_array_foreach(json_object_get(rep, "tables"), i, table) html_table(out, table);
    anchor = json_string_value(json_object_get(rep, "audit_anchor"));
    if (anchor) {
        /* Copies of the page kept by others anchor the audit log outside the store. */
        fputs("<h2>Audit log</h2>\n<p>The audit log's head when this page was made (whoever"
              " keeps it can later check the log was not cut or rewritten):</p>\n<pre>",
              out);
        html(out, anchor);
        fputs("</pre>\n", out);
    }
    fputs("</body>\n</html>\n", out);
}

/* stdout, or path created for this report alone (mode; never an existing file or a symlink). */
static FILE *open_out(const char *path, unsigned mode)
{
    int fd;
    FILE *f;
    if (!path)
        return stdout;
    fd = public_text_create(path, mode);
    if (fd < 0) {
        cli_error("report", "%s: %s", path,
                  errno == EEXIST ? "exists; a report never overwrites" : strerror(errno));
        return NULL;
    }
    if (!(f = fdopen(fd, "w"))) {
        cli_error("report", "%s: %s", path, strerror(errno));
        close(fd);
        unlink(path);
    }
    return f;
}

static int render(const struct cli_global *g, const char *action, json_t *rep, const char *out_path,
                  const char *policy, int64_t from, int64_t to)
{
    /* 0600 for the public page too: whoever publishes it copies it where it is served. */
    FILE *out = open_out(out_path, 0600);
    int failed;
    if (!out)
        return CLI_EXIT_FAIL;
    if (action[0] == 'a')
        render_audit(out, g->format, rep, from, to);
    else
        render_public(out, rep, policy);
    failed = fflush(out) != 0 || ferror(out);
    if (out != stdout && (fsync(fileno(out)) != 0 || fclose(out) != 0))
        failed = 1;
    if (failed) {
        cli_error("report", "%s: write failed", out_path ? out_path : "standard output");
        if (out_path)
            unlink(out_path);
        return CLI_EXIT_FAIL;
    }
    return CLI_EXIT_OK;
}

int cmd_report(int argc, char **argv, const struct cli_global *g)
{
    static const struct option lo[] = {
        {"from", required_argument, NULL, 'f'}, {"to", required_argument, NULL, 't'},
        {"out", required_argument, NULL, 'o'},  {"policy", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0}};
    struct store_client *s = NULL;
    const char *out_path = NULL, *policy_path = NULL, *action;
    char *policy = NULL, why[256];
    json_t *params = NULL, *res = NULL;
    int64_t from = 0, to = 0;
    int c, rc;
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
    if (policy_path && !(policy = public_text_load(policy_path, why, sizeof why))) {
        cli_error("report", "--policy %s: %s", policy_path, why);
        return CLI_EXIT_FAIL;
    }
    params = action[0] == 'a'
                 ? store_cli_params("{s:I,s:I}", "from", (json_int_t)from, "to", (json_int_t)to)
                 : store_cli_params("{}");
    if ((rc = store_cli_connect(g, "report", 1, &s)) == 0)
        rc = store_cli_call(s, g, "report", action,
                            action[0] == 'a' ? "report.audit" : "report.public", params, &res);
    store_client_close(s);
    if (rc == 0)
        rc = render(g, action, res, out_path, policy, from, to);
    json_decref(params);
    json_decref(res);
    free(policy);
    return rc;
}
