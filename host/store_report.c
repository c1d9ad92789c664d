/* store_report: the audit report's and the public page's tables (see store_report.h). */
#include "store_report.h"

#include "store_audit.h"
#include "store_priv.h"
#include "store_retention.h"

#include <stdlib.h>
#include <string.h>

struct section {
    const char *name;
    const char *sql; /* audit sections bind :from, :to; every section may use :now */
};

/* An incident number that names none: blank, or a placeholder. */
#define NO_INCIDENT(col)                                                                           \
    "(trim(coalesce(" col ", ''), ' ' || char(9)) = '' OR lower(trim(" col "))"                    \
    " IN ('none', 'n/a', 'na', '-', '--', '0', 'unknown', 'tbd', 'x', 'null', 'nil'))"

/*
 * Built from chained data only (store_audit.h): chained_searches etc. are the rows as the
 * keyed chain holds them, so an edit of the tables behind the store's back changes nothing
 * here (and store_audit_verify names it).
 */
static const struct section sections[] = {
    {"searches_by_member",
     "SELECT member, kind, count(*) AS accesses, sum(result_count) AS results"
     " FROM temp.chained_searches WHERE ts >= :from AND ts < :to GROUP BY member, kind"
     " ORDER BY member, kind"},
    {"searches_by_crime_type",
     "SELECT coalesce(crime_type, '(none)') AS crime_type, count(*) AS searches,"
     " sum(result_count) AS results FROM temp.chained_searches WHERE ts >= :from AND ts < :to"
     " AND outcome = 'ok' GROUP BY 1 ORDER BY 2 DESC, 1"},
    {"searches_by_purpose",
     "SELECT coalesce(purpose, '(none)') AS purpose, count(*) AS searches"
     " FROM temp.chained_searches WHERE ts >= :from AND ts < :to AND outcome = 'ok'"
     " GROUP BY 1 ORDER BY 2 DESC, 1"},
    {"searches_by_month",
     "SELECT strftime('%Y-%m', ts, 'unixepoch') AS month, count(*) AS searches,"
     " sum(outcome = 'ok') AS granted, sum(outcome <> 'ok') AS refused"
     " FROM temp.chained_searches WHERE ts >= :from AND ts < :to GROUP BY 1 ORDER BY 1"},
    {"accesses_without_incident",
     "SELECT id, strftime('%Y-%m-%dT%H:%M:%SZ', ts, 'unixepoch') AS time, member, kind,"
     " coalesce(purpose, '') AS purpose, coalesce(incident, '') AS incident, outcome"
     " FROM temp.chained_searches WHERE ts >= :from AND ts < :to AND " NO_INCIDENT(
         "incident") " ORDER BY id"},
    {"incident_reused_across_crime_types",
     "SELECT trim(incident) AS incident, count(DISTINCT lower(trim(crime_type))) AS crime_types,"
     " group_concat(DISTINCT trim(crime_type)) AS crimes, count(*) AS accesses,"
     " group_concat(DISTINCT member) AS members FROM temp.chained_searches"
     " WHERE ts >= :from AND ts < :to AND outcome = 'ok' AND NOT " NO_INCIDENT(
         "incident") " GROUP BY lower(trim(incident)) HAVING count(DISTINCT "
                     "lower(trim(crime_type))) > 1"
                     " ORDER BY 2 DESC, 1"},
    {"refusals", "SELECT member, event, outcome, count(*) AS times FROM audit WHERE ts >= :from AND"
                 " ts < :to AND (outcome LIKE 'denied%' OR outcome LIKE 'failed%' OR outcome LIKE"
                 " 'refused%') GROUP BY 1, 2, 3 ORDER BY 4 DESC, 1, 2"},
    {"exports",
     "SELECT id, strftime('%Y-%m-%dT%H:%M:%SZ', at, 'unixepoch') AS time, member, hold_id,"
     " coalesce(release_id, '') AS release_id, n_reads, manifest_sha256"
     " FROM temp.chained_exports WHERE at >= :from AND at < :to ORDER BY id"},
    {"releases",
     "SELECT id, strftime('%Y-%m-%dT%H:%M:%SZ', submitted_at, 'unixepoch') AS submitted, agency,"
     " requester, purpose, status, submitted_by, coalesce(reviewed_by, '') AS reviewed_by,"
     " coalesce(export_id, '') AS export_id FROM temp.chained_releases"
     " WHERE submitted_at >= :from AND submitted_at < :to ORDER BY id"},
    {"purges", "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', at, 'unixepoch') AS time, member,"
               " strftime('%Y-%m-%d', cutoff, 'unixepoch') AS cutoff, reads, images, alerts, held"
               " FROM temp.chained_purges WHERE at >= :from AND at < :to ORDER BY id"},
};

_Static_assert(sizeof sections / sizeof sections[0] == STORE_REPORT_AUDIT_SECTIONS,
               "store_report.h names the sections");

static const struct section public_tables[] = {
    {"Reads held now, by month of capture",
     "SELECT strftime('%Y-%m', ts, 'unixepoch') AS month, count(*) AS reads"
     " FROM reads GROUP BY 1 ORDER BY 1"},
    {"Hotlist alerts (hits), by verification",
     "SELECT state AS verification, count(*) AS alerts FROM alerts GROUP BY 1 ORDER BY 1"},
    {"Searches by purpose",
     "SELECT purpose, count(*) AS searches FROM searches WHERE outcome = 'ok'"
     " AND kind = 'search' GROUP BY 1 ORDER BY 1"},
    {"Purges", "SELECT strftime('%Y-%m-%d', at, 'unixepoch') AS date, reads AS"
               " reads_purged, held AS reads_kept_under_hold FROM purges ORDER BY id"},
    {"Holds (warrants, preservation requests, disclosure orders)",
     "SELECT h.kind, count(*) AS holds, sum(" STORE_HOLD_ACTIVE_SQL(
         "h") ") AS in_effect,"
              " sum(h.released_at IS NULL AND h.approved_at IS NULL AND h.kind <> 'preservation')"
              " AS awaiting_approval FROM holds h GROUP BY 1 ORDER BY 1"},
    {"Release requests from other agencies",
     "SELECT status, count(*) AS requests FROM releases GROUP BY 1 ORDER BY 1"},
};

static void table_clear(struct store_report_table *t)
{
    for (size_t i = 0; t->cols && i < t->ncols; i++)
        free(t->cols[i]);
    for (size_t i = 0; t->cells && i < t->nrows * t->ncols; i++)
        free(t->cells[i].text);
    free(t->cols);
    free(t->cells);
    free(t->name);
}

void store_report_free(struct store_report *report)
{
    if (!report)
        return;
    for (size_t i = 0; i < report->n; i++)
        table_clear(&report->tables[i]);
    free(report->tables);
    free(report);
}

/* The current row's cells appended to t. Returns 0 or STORE_ERR_NOMEM. */
static int add_row(struct store_report_table *t, sqlite3_stmt *st, size_t *cap)
{
    void *room = store_priv_room(t->cells, t->nrows, cap, t->ncols * sizeof *t->cells);
    if (!room)
        return STORE_ERR_NOMEM;
    t->cells = room;
    struct store_report_cell *row = &t->cells[t->nrows * t->ncols];
    memset(row, 0, t->ncols * sizeof *row);
    /* Counted before filling: table_clear then frees whatever was filled. */
    t->nrows++;
    for (size_t c = 0; c < t->ncols; c++) {
        const unsigned char *text = sqlite3_column_text(st, (int)c);
        row[c].is_int = sqlite3_column_type(st, (int)c) == SQLITE_INTEGER;
        row[c].num = row[c].is_int ? sqlite3_column_int64(st, (int)c) : 0;
        /* Whatever the log holds, the report stays valid JSON and forges no line. */
        if (!(row[c].text = store_audit_printable(text ? (const char *)text : "")))
            return STORE_ERR_NOMEM;
    }
    return 0;
}

/* Runs sec's query (binding from and to) into a new table of rep. Returns 0 or a STORE_ERR_*. */
static int add_table(struct store *s, struct store_report *rep, size_t *cap,
                     const struct section *sec, int64_t from, int64_t to)
{
    struct store_report_table *t;
    sqlite3_stmt *st;
    size_t row_cap = 0;
    int rc;
    void *room = store_priv_room(rep->tables, rep->n, cap, sizeof *rep->tables);
    if (!room)
        return STORE_ERR_NOMEM;
    rep->tables = room;
    t = &rep->tables[rep->n++];
    memset(t, 0, sizeof *t);
    if ((rc = sqlite3_prepare_v2(s->db, sec->sql, -1, &st, NULL)) != SQLITE_OK)
        return store_priv_err(rc);
    store_priv_bind_named_int(st, ":from", from);
    store_priv_bind_named_int(st, ":to", to ? to : INT64_MAX);
    store_priv_bind_named_int(st, ":now", store_now(s));
    t->ncols = (size_t)sqlite3_column_count(st);
    if (!(t->name = strdup(sec->name)) || !(t->cols = calloc(t->ncols, sizeof *t->cols))) {
        sqlite3_finalize(st);
        return STORE_ERR_NOMEM;
    }
    for (size_t c = 0; c < t->ncols; c++) {
        if (!(t->cols[c] = strdup(sqlite3_column_name(st, (int)c)))) {
            sqlite3_finalize(st);
            return STORE_ERR_NOMEM;
        }
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if ((rc = add_row(t, st, &row_cap)) != 0)
            break;
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : rc < 0 ? rc : store_priv_err(rc);
}

/* Reads the tables of secs in one read transaction (every table sees the same state). */
static int build(struct store *s, const struct section *secs, size_t n, int64_t from, int64_t to,
                 struct store_report **out)
{
    struct store_report *rep = calloc(1, sizeof *rep);
    size_t cap = 0;
    int rc;
    if (!rep)
        return STORE_ERR_NOMEM;
    rep->from = from;
    rep->to = to;
    rep->generated = store_now(s);
    if ((rc = store_audit_chained_views(s)) != 0 || (rc = store_priv_exec(s, "BEGIN")) != 0) {
        free(rep);
        return rc;
    }
    rep->retention_days = store_retention_days(s);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = add_table(s, rep, &cap, &secs[i], from, to);
    store_priv_rollback(s);
    if (rc != 0) {
        store_report_free(rep);
        return rc;
    }
    *out = rep;
    return 0;
}

int store_report_audit(struct store *s, const struct store_session *sess, int64_t from, int64_t to,
                       struct store_report **out)
{
    struct store_report *rep = NULL;
    struct store_json j;
    int rc, arc;
    store_json_init(&j);
    store_json_int(&j, "from", from);
    store_json_int(&j, "to", to);
    store_json_end(&j);
    if ((rc = store_priv_authorize(s, sess, STORE_ROLE_AUDITOR | STORE_ROLE_ADMINISTRATOR,
                                   "report.audit", j.buf)) != 0)
        return rc;
    rc = build(s, sections, sizeof sections / sizeof sections[0], from, to, &rep);
    arc = store_priv_audit_now(s, sess->member, "report.audit", j.buf,
                               rc == 0 ? "ok" : store_strerror(rc));
    if (rc == 0 && arc != 0)
        store_report_free(rep);
    else if (rc == 0)
        *out = rep;
    return rc != 0 ? rc : arc;
}

int store_report_public(struct store *s, const struct store_session *sess,
                        struct store_report **out)
{
    struct store_report *rep = NULL;
    int rc, arc;
    if ((rc = store_priv_authorize(s, sess, STORE_ROLE_AUDITOR | STORE_ROLE_ADMINISTRATOR,
                                   "report.public", "{}")) != 0)
        return rc;
    rc = build(s, public_tables, sizeof public_tables / sizeof public_tables[0], 0, 0, &rep);
    arc = store_priv_audit_now(s, sess->member, "report.public", "{}",
                               rc == 0 ? "ok" : store_strerror(rc));
    if (rc == 0 && arc != 0)
        store_report_free(rep);
    else if (rc == 0)
        *out = rep;
    return rc != 0 ? rc : arc;
}
