/* store_report: audit reports and the public page (see store_report.h). */
#include "store_report.h"

#include "cli.h"
#include "store_priv.h"
#include "store_retention.h"

#include <stdio.h>
#include <string.h>

struct section {
    const char *name;
    const char *sql; /* binds :from, :to */
};

static const struct section sections[] = {
    {"searches_by_member",
     "SELECT member, kind, count(*) AS accesses, sum(result_count) AS results FROM searches"
     " WHERE ts >= :from AND ts < :to GROUP BY member, kind ORDER BY member, kind"},
    {"searches_by_crime_type",
     "SELECT coalesce(crime_type, '(none)') AS crime_type, count(*) AS searches,"
     " sum(result_count) AS results FROM searches WHERE ts >= :from AND ts < :to"
     " AND outcome = 'ok' GROUP BY 1 ORDER BY 2 DESC, 1"},
    {"searches_by_purpose",
     "SELECT coalesce(purpose, '(none)') AS purpose, count(*) AS searches FROM searches"
     " WHERE ts >= :from AND ts < :to AND outcome = 'ok' GROUP BY 1 ORDER BY 2 DESC, 1"},
    {"searches_by_month",
     "SELECT strftime('%Y-%m', ts, 'unixepoch') AS month, count(*) AS searches,"
     " sum(outcome = 'ok') AS granted, sum(outcome <> 'ok') AS refused FROM searches"
     " WHERE ts >= :from AND ts < :to GROUP BY 1 ORDER BY 1"},
    {"accesses_without_incident",
     "SELECT id, strftime('%Y-%m-%dT%H:%M:%SZ', ts, 'unixepoch') AS time, member, kind,"
     " coalesce(purpose, '') AS purpose, outcome FROM searches WHERE ts >= :from AND ts < :to"
     " AND (incident IS NULL OR incident = '') ORDER BY id"},
    {"refusals", "SELECT member, event, outcome, count(*) AS times FROM audit WHERE ts >= :from AND"
                 " ts < :to AND (outcome LIKE 'denied%' OR outcome LIKE 'failed%' OR outcome LIKE"
                 " 'refused%') GROUP BY 1, 2, 3 ORDER BY 4 DESC, 1, 2"},
    {"exports",
     "SELECT id, strftime('%Y-%m-%dT%H:%M:%SZ', at, 'unixepoch') AS time, member, hold_id,"
     " coalesce(release_id, '') AS release_id, n_reads, manifest_sha256 FROM exports"
     " WHERE at >= :from AND at < :to ORDER BY id"},
    {"releases",
     "SELECT id, strftime('%Y-%m-%dT%H:%M:%SZ', submitted_at, 'unixepoch') AS submitted, agency,"
     " requester, purpose, status, submitted_by, coalesce(reviewed_by, '') AS reviewed_by,"
     " coalesce(export_id, '') AS export_id FROM releases WHERE submitted_at >= :from AND"
     " submitted_at < :to ORDER BY id"},
    {"purges", "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', at, 'unixepoch') AS time, member,"
               " strftime('%Y-%m-%d', cutoff, 'unixepoch') AS cutoff, reads, images, alerts, held"
               " FROM purges WHERE at >= :from AND at < :to ORDER BY id"},
};

static const char *cell(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

static int write_section(struct store *s, const struct section *sec, int64_t from, int64_t to,
                         enum store_report_format fmt, FILE *out, int first)
{
    sqlite3_stmt *st;
    int rc, ncol, rows = 0;
    rc = sqlite3_prepare_v2(s->db, sec->sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    store_priv_bind_named_int(st, ":from", from);
    store_priv_bind_named_int(st, ":to", to ? to : INT64_MAX);
    ncol = sqlite3_column_count(st);
    if (fmt == STORE_REPORT_TEXT) {
        fprintf(out, "%s== %s\n", first ? "" : "\n", sec->name);
        for (int c = 0; c < ncol; c++)
            fprintf(out, "%s%s", c ? "\t" : "", sqlite3_column_name(st, c));
        fputc('\n', out);
    } else if (fmt == STORE_REPORT_JSON) {
        fprintf(out, "%s\n  ", first ? "" : ",");
        cli_json_string(out, sec->name);
        fputs(": [", out);
    } else if (first) {
        fputs("section,c1,c2,c3,c4,c5,c6,c7,c8,c9\n", out);
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (fmt == STORE_REPORT_TEXT) {
            for (int c = 0; c < ncol; c++)
                fprintf(out, "%s%s", c ? "\t" : "", cell(st, c));
            fputc('\n', out);
        } else if (fmt == STORE_REPORT_CSV) {
            fputs(sec->name, out);
            for (int c = 0; c < ncol; c++) {
                fputc(',', out);
                cli_csv_field(out, cell(st, c));
            }
            fputc('\n', out);
        } else {
            fprintf(out, "%s\n    {", rows ? "," : "");
            for (int c = 0; c < ncol; c++) {
                if (c)
                    fputs(", ", out);
                cli_json_string(out, sqlite3_column_name(st, c));
                fputs(": ", out);
                if (sqlite3_column_type(st, c) == SQLITE_INTEGER)
                    fprintf(out, "%lld", (long long)sqlite3_column_int64(st, c));
                else
                    cli_json_string(out, cell(st, c));
            }
            fputc('}', out);
        }
        rows++;
    }
    sqlite3_finalize(st);
    if (fmt == STORE_REPORT_JSON)
        fputs(rows ? "\n  ]" : "]", out);
    else if (fmt == STORE_REPORT_TEXT && rows == 0)
        fputs("(none)\n", out);
    return rc == SQLITE_DONE ? 0 : store_priv_err(rc);
}

int store_report_audit(struct store *s, const struct store_session *sess, int64_t from, int64_t to,
                       enum store_report_format format, FILE *out)
{
    struct store_json j;
    int rc;
    store_json_init(&j);
    store_json_int(&j, "from", from);
    store_json_int(&j, "to", to);
    store_json_str(&j, "format",
                   format == STORE_REPORT_JSON  ? "json"
                   : format == STORE_REPORT_CSV ? "csv"
                                                : "text");
    store_json_end(&j);
    if ((rc = store_priv_authorize(s, sess, STORE_ROLE_AUDITOR | STORE_ROLE_ADMINISTRATOR,
                                   "report.audit", j.buf)) != 0)
        return rc;
    /* One read transaction: every section sees the same state. */
    if ((rc = store_priv_exec(s, "BEGIN")) != 0)
        return rc;
    if (format == STORE_REPORT_JSON)
        fprintf(out, "{\n  \"from\": %lld, \"to\": %lld,", (long long)from, (long long)to);
    for (size_t i = 0; rc == 0 && i < sizeof sections / sizeof sections[0]; i++)
        rc = write_section(s, &sections[i], from, to, format, out, i == 0);
    if (format == STORE_REPORT_JSON)
        fputs("\n}\n", out);
    store_priv_rollback(s);
    if (rc == 0 && (fflush(out) != 0 || ferror(out)))
        rc = STORE_ERR_IO;
    {
        int arc = store_priv_audit_now(s, sess->member, "report.audit", j.buf,
                                       rc == 0 ? "ok" : store_strerror(rc));
        return rc != 0 ? rc : arc;
    }
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

/* Runs a query and writes its rows as an HTML table. */
static int html_table(struct store *s, FILE *out, const char *title, const char *sql)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL), rows = 0;
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    fprintf(out, "<h2>");
    html(out, title);
    fprintf(out, "</h2>\n<table>\n<tr>");
    for (int c = 0; c < sqlite3_column_count(st); c++) {
        fputs("<th>", out);
        html(out, sqlite3_column_name(st, c));
        fputs("</th>", out);
    }
    fputs("</tr>\n", out);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        fputs("<tr>", out);
        for (int c = 0; c < sqlite3_column_count(st); c++) {
            fputs("<td>", out);
            html(out, cell(st, c));
            fputs("</td>", out);
        }
        fputs("</tr>\n", out);
        rows++;
    }
    if (rows == 0)
        fprintf(out, "<tr><td colspan=\"%d\">none</td></tr>\n", sqlite3_column_count(st));
    fputs("</table>\n", out);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : store_priv_err(rc);
}

int store_report_public(struct store *s, const struct store_session *sess, const char *policy_text,
                        FILE *out)
{
    char tbuf[32];
    int rc;
    if ((rc = store_priv_authorize(s, sess, STORE_ROLE_AUDITOR | STORE_ROLE_ADMINISTRATOR,
                                   "report.public", "{}")) != 0)
        return rc;
    if ((rc = store_priv_exec(s, "BEGIN")) != 0)
        return rc;
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<title>Automated License Plate Readers: policy and statistics</title>\n"
          "<style>body{font-family:sans-serif;max-width:50em;margin:2em auto;padding:0 1em}"
          "table{border-collapse:collapse;margin-bottom:1em}td,th{border:1px solid #999;"
          "padding:.2em .6em;text-align:left}pre{white-space:pre-wrap}</style>\n</head>\n<body>\n"
          "<h1>Automated License Plate Readers</h1>\n",
          out);
    fprintf(out,
            "<p>Generated %s. Retention period: %d days (never more than nine months)."
            "</p>\n<h2>Policy</h2>\n<pre>",
            store_time_format(store_now(s), tbuf, sizeof tbuf), store_retention_days(s));
    html(out, policy_text ? policy_text : default_policy);
    fputs("</pre>\n", out);
    rc = html_table(s, out, "Reads held now, by month of capture",
                    "SELECT strftime('%Y-%m', ts, 'unixepoch') AS month, count(*) AS reads"
                    " FROM reads GROUP BY 1 ORDER BY 1");
    if (rc == 0)
        rc = html_table(s, out, "Hotlist alerts (hits), by verification",
                        "SELECT state AS verification, count(*) AS alerts FROM alerts"
                        " GROUP BY 1 ORDER BY 1");
    if (rc == 0)
        rc = html_table(s, out, "Searches by purpose",
                        "SELECT purpose, count(*) AS searches FROM searches WHERE outcome = 'ok'"
                        " AND kind = 'search' GROUP BY 1 ORDER BY 1");
    if (rc == 0)
        rc = html_table(s, out, "Purges",
                        "SELECT strftime('%Y-%m-%d', at, 'unixepoch') AS date, reads AS"
                        " reads_purged, held AS reads_kept_under_hold FROM purges ORDER BY id");
    if (rc == 0)
        rc = html_table(s, out, "Holds (warrants, preservation requests, disclosure orders)",
                        "SELECT kind, count(*) AS holds, sum(released_at IS NULL) AS open"
                        " FROM holds GROUP BY 1 ORDER BY 1");
    if (rc == 0)
        rc = html_table(s, out, "Release requests from other agencies",
                        "SELECT status, count(*) AS requests FROM releases GROUP BY 1"
                        " ORDER BY 1");
    fputs("</body>\n</html>\n", out);
    store_priv_rollback(s);
    if (rc == 0 && (fflush(out) != 0 || ferror(out)))
        rc = STORE_ERR_IO;
    {
        int arc = store_priv_audit_now(s, sess->member, "report.public", "{}",
                                       rc == 0 ? "ok" : store_strerror(rc));
        return rc != 0 ? rc : arc;
    }
}
