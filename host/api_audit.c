/* api_audit: the audit log and the reports, as service calls (store_api.h, docs/STORE-API.md).
 * Reports travel as tables; the client renders them. */
#include "store_api_priv.h"
#include "store_audit.h"
#include "store_report.h"

#include <string.h>

#define MAX_ANCHORS 16

/* The "anchors" parameter: an array of anchor lines (store_audit.h), at most MAX_ANCHORS. */
static int anchors_param(struct api_req *r, struct store_audit_head *out, size_t *n)
{
    json_t *a = json_object_get(r->params, "anchors"), *v;
    size_t i;
    *n = 0;
    if (!a || json_is_null(a))
        return 0;
    if (!json_is_array(a) || json_array_size(a) > MAX_ANCHORS)
        return api_fail(r, STORE_ERR_INVALID,
                        "parameter 'anchors' must be an array of at most"
                        " %d anchor lines",
                        MAX_ANCHORS);
    json_array_foreach(a, i, v)
    {
        if (!json_is_string(v) || store_audit_anchor_parse(json_string_value(v), &out[i]) != 0)
            return api_fail(
                r, STORE_ERR_INVALID,
                "parameter 'anchors' item %zu is not an anchor line (" STORE_AUDIT_ANCHOR_PREFIX
                " id=N hash=HEX mac=HEX)",
                i + 1);
        (*n)++;
    }
    return 0;
}

static int call_verify(struct api_req *r, json_t **result)
{
    struct store_audit_verify_result res;
    struct store_audit_head anchors[MAX_ANCHORS];
    const char *expect = NULL;
    size_t n_anchors;
    int rc, found;
    if ((rc = api_str(r, "expect_head", 0, &expect)) != 0 ||
        (rc = anchors_param(r, anchors, &n_anchors)) != 0)
        return rc;
    rc = store_audit_verify_anchored(r->s, &r->sess, anchors, n_anchors, &res);
    if (rc == STORE_ERR_TAMPER) {
        /* A broken chain is the check's finding, not a failure to check. */
        *result = json_pack("{s:b,s:I,s:I,s:s,s:s,s:I}", "ok", 0, "entries",
                            (json_int_t)res.entries, "bad_id", (json_int_t)res.bad_id, "problem",
                            res.problem, "table", res.bad_table, "row", (json_int_t)res.bad_row);
        return *result ? 0 : STORE_ERR_NOMEM;
    }
    if (rc == STORE_ERR_STATE)
        return api_fail(r, rc, "the service has no audit key: the chain cannot be authenticated");
    if (rc != 0)
        return rc;
    if (!(*result =
              json_pack("{s:b,s:I,s:s,s:I,s:I,s:I}", "ok", 1, "entries", (json_int_t)res.entries,
                        "head", res.head_hash, "head_id", (json_int_t)res.head_id, "first_keyed",
                        (json_int_t)res.first_keyed, "anchor_id", (json_int_t)res.anchor_id)))
        return STORE_ERR_NOMEM;
    if (!expect)
        return 0;
    /* A head recorded earlier must still be the hash of an entry of the verified chain; after
     * a rewrite of the chain (hashes recomputed) it is not. */
    found = store_audit_contains(r->s, &r->sess, expect);
    if (found < 0) {
        json_decref(*result);
        *result = NULL;
        return found == STORE_ERR_INVALID
                   ? api_fail(r, found, "parameter 'expect_head' must be 64 hex digits")
                   : found;
    }
    return api_set(*result, "expect_head_found", json_boolean(found));
}

static int call_list(struct api_req *r, json_t **result)
{
    struct store_audit_list *l = NULL;
    const char *member = NULL, *event = NULL;
    int64_t from = 0, to = 0, limit = 0;
    json_t *rows;
    int rc;
    if ((rc = api_time(r, "from", 0, &from)) != 0 || (rc = api_time(r, "to", 0, &to)) != 0 ||
        (rc = api_str(r, "member", 0, &member)) != 0 ||
        (rc = api_str(r, "event", 0, &event)) != 0 ||
        (rc = api_int(r, "limit", 0, 1, 1000000, &limit)) != 0)
        return rc;
    if ((rc = store_audit_list(r->s, &r->sess, from, to, member, event, (size_t)limit, &l)) != 0)
        return rc;
    rows = json_array();
    for (size_t i = 0; rows && i < l->n; i++) {
        const struct store_audit_entry *e = &l->items[i];
        /* params stays the exact text that was hashed into the chain. */
        json_t *o = json_pack("{s:I,s:o,s:s,s:s,s:s,s:s}", "id", (json_int_t)e->id, "time",
                              api_time_json(e->ts), "member", e->member, "event", e->event,
                              "params", e->params ? e->params : "", "outcome", e->outcome);
        if (json_array_append_new(rows, o) != 0) {
            json_decref(rows);
            rows = NULL;
        }
    }
    store_audit_list_free(l);
    *result = rows;
    return rows ? 0 : STORE_ERR_NOMEM;
}

/* One report table as {key: name, "columns": [...], "rows": [[...], ...]}. */
static json_t *table_json(const struct store_report_table *t, const char *key)
{
    json_t *cols = json_array(), *rows = json_array();
    for (size_t c = 0; cols && c < t->ncols; c++)
        if (json_array_append_new(cols, json_string(t->cols[c])) != 0)
            goto fail;
    for (size_t i = 0; rows && i < t->nrows; i++) {
        json_t *row = json_array();
        if (json_array_append_new(rows, row) != 0)
            goto fail;
        for (size_t c = 0; c < t->ncols; c++) {
            const struct store_report_cell *cell = &t->cells[i * t->ncols + c];
            if (json_array_append_new(row, cell->is_int ? json_integer(cell->num)
                                                        : json_string(cell->text)) != 0)
                goto fail;
        }
    }
    return json_pack("{s:s,s:o,s:o}", key, t->name, "columns", cols, "rows", rows);
fail:
    json_decref(cols);
    json_decref(rows);
    return NULL;
}

static json_t *tables_json(const struct store_report *rep, const char *key)
{
    json_t *tables = json_array();
    for (size_t i = 0; tables && i < rep->n; i++) {
        if (json_array_append_new(tables, table_json(&rep->tables[i], key)) != 0) {
            json_decref(tables);
            tables = NULL;
        }
    }
    return tables;
}

static int call_report_audit(struct api_req *r, json_t **result)
{
    struct store_report *rep = NULL;
    int64_t from = 0, to = 0;
    int rc;
    if ((rc = api_time(r, "from", 0, &from)) != 0 || (rc = api_time(r, "to", 0, &to)) != 0 ||
        (rc = store_report_audit(r->s, &r->sess, from, to, &rep)) != 0)
        return rc;
    *result = json_pack("{s:o,s:o,s:o,s:o}", "from", api_time_json(rep->from), "to",
                        api_time_json(rep->to), "generated", api_time_json(rep->generated),
                        "sections", tables_json(rep, "name"));
    store_report_free(rep);
    return *result ? 0 : STORE_ERR_NOMEM;
}

static int call_report_public(struct api_req *r, json_t **result)
{
    struct store_report *rep = NULL;
    struct store_audit_head head;
    char anchor[256];
    int rc = store_report_public(r->s, &r->sess, &rep);
    if (rc != 0)
        return rc;
    /* The page anchors the chain too: whoever keeps a copy holds a head the store cannot undo. */
    if ((rc = store_audit_head(r->s, &head)) != 0 ||
        (rc = store_audit_anchor_format(&head, anchor, sizeof anchor)) != 0) {
        store_report_free(rep);
        return rc;
    }
    *result =
        json_pack("{s:o,s:i,s:o,s:s}", "generated", api_time_json(rep->generated), "retention_days",
                  rep->retention_days, "tables", tables_json(rep, "title"), "audit_anchor", anchor);
    store_report_free(rep);
    return *result ? 0 : STORE_ERR_NOMEM;
}

const struct api_call api_audit_calls[] = {
    {"audit.verify", call_verify, API_SESSION},
    {"audit.list", call_list, API_SESSION},
    {"report.audit", call_report_audit, API_SESSION},
    {"report.public", call_report_public, API_SESSION},
    {NULL, NULL, 0},
};
