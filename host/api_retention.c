/* api_retention: holds, the retention period and the purge, as service calls (store_api.h,
 * docs/STORE-API.md). */
#include "store_api_priv.h"
#include "store_retention.h"

#include <limits.h>

static int call_hold_add(struct api_req *r, json_t **result)
{
    struct store_hold_spec spec = {0};
    const char *kind = NULL;
    int64_t id;
    int rc;
    if ((rc = api_str(r, "kind", 1, &kind)) != 0)
        return rc;
    if (store_hold_kind_parse(kind, &spec.kind) != 0)
        return api_fail(r, STORE_ERR_INVALID,
                        "parameter 'kind': warrant, preservation or disclosure");
    if ((rc = api_str(r, "reference", 1, &spec.reference)) != 0 ||
        (rc = api_str(r, "plate", 0, &spec.plate)) != 0 ||
        (rc = api_str(r, "units", 0, &spec.units)) != 0 ||
        (rc = api_time(r, "from", 0, &spec.from)) != 0 ||
        (rc = api_time(r, "to", 0, &spec.to)) != 0 ||
        (rc = api_time(r, "expires", 0, &spec.expires)) != 0)
        return rc;
    rc = store_hold_add(r->s, &r->sess, &spec, &id);
    if (rc == STORE_ERR_INVALID)
        return api_fail(r, rc,
                        "a hold needs a reference (at most %d bytes), a valid scope (plate, units,"
                        " from before to) and an expiry in the future (preservation: within %d"
                        " days)",
                        STORE_TEXT_MAX, STORE_PRESERVATION_MAX_DAYS);
    if (rc != 0)
        return rc;
    *result = json_pack("{s:I}", "id", (json_int_t)id);
    return *result ? 0 : STORE_ERR_NOMEM;
}

/* Empty texts (absent scope fields) and zero times are null. */
static json_t *text_or_null(const char *text)
{
    return text[0] ? json_string(text) : json_null();
}

static json_t *hold_json(const struct store_hold *h)
{
    return json_pack(
        "{s:I,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:s,s:o,s:o,s:b,s:I}", "id", (json_int_t)h->id,
        "kind", h->kind, "reference", h->reference, "plate", text_or_null(h->plate), "units",
        text_or_null(h->units), "from", api_time_json(h->from), "to", api_time_json(h->to),
        "expires", api_time_json(h->expires), "entered", api_time_json(h->entered_at), "entered_by",
        h->entered_by, "released", api_time_json(h->released_at), "released_by",
        text_or_null(h->released_by), "active", h->active, "reads", (json_int_t)h->reads);
}

static int call_hold_list(struct api_req *r, json_t **result)
{
    struct store_hold_list *l = NULL;
    int all = 0, rc;
    json_t *rows;
    if ((rc = api_bool(r, "all", &all)) != 0 ||
        (rc = store_hold_list(r->s, &r->sess, !all, &l)) != 0)
        return rc;
    rows = json_array();
    for (size_t i = 0; rows && i < l->n; i++) {
        if (json_array_append_new(rows, hold_json(&l->items[i])) != 0) {
            json_decref(rows);
            rows = NULL;
        }
    }
    store_hold_list_free(l);
    *result = rows;
    return rows ? 0 : STORE_ERR_NOMEM;
}

static int call_hold_release(struct api_req *r, json_t **result)
{
    const char *reason = NULL;
    int64_t id = 0;
    int rc;
    (void)result;
    if ((rc = api_int(r, "id", 1, 1, INT64_MAX, &id)) != 0 ||
        (rc = api_str(r, "reason", 1, &reason)) != 0)
        return rc;
    rc = store_hold_release(r->s, &r->sess, id, reason);
    if (rc == STORE_ERR_INVALID)
        return api_fail(r, rc, "parameter 'reason': 1 to %d bytes", STORE_TEXT_MAX);
    return rc;
}

static int call_retention_get(struct api_req *r, json_t **result)
{
    *result = json_pack("{s:i}", "days", store_retention_days(r->s));
    return *result ? 0 : STORE_ERR_NOMEM;
}

static int call_retention_set(struct api_req *r, json_t **result)
{
    int64_t days = 0;
    int rc;
    (void)result;
    /* Any whole number reaches the store, which records an attempt to lengthen the period. */
    if ((rc = api_int(r, "days", 1, INT_MIN, INT_MAX, &days)) != 0)
        return rc;
    rc = store_set_retention_days(r->s, &r->sess, (int)days);
    if (rc == STORE_ERR_INVALID)
        return api_fail(r, rc, "parameter 'days' must be 1..%d (nine months at most)",
                        STORE_RETENTION_MAX_DAYS);
    return rc;
}

static int call_purge(struct api_req *r, json_t **result)
{
    struct store_purge_report rep;
    int rc = store_purge(r->s, &r->sess, &rep);
    if (rc != 0)
        return rc;
    *result = json_pack("{s:o,s:I,s:I,s:I,s:I,s:o,s:o,s:b,s:b,s:I,s:I}", "cutoff",
                        api_time_json(rep.cutoff), "reads", (json_int_t)rep.reads, "images",
                        (json_int_t)rep.images, "alerts", (json_int_t)rep.alerts, "held",
                        (json_int_t)rep.held, "oldest", api_time_json(rep.oldest), "newest",
                        api_time_json(rep.newest), "compacted", rep.compacted, "wal_truncated",
                        rep.wal_truncated, "delete_ms", (json_int_t)rep.delete_ms, "rebuild_ms",
                        (json_int_t)rep.rebuild_ms);
    /* R7: bundles and crops of purged reads, flagged for their owners (`alpr export prune`). */
    if (*result && json_object_set_new(*result, "copies_flagged",
                                       json_integer((json_int_t)rep.copies_flagged)) != 0)
        return STORE_ERR_NOMEM;
    return *result ? 0 : STORE_ERR_NOMEM;
}

const struct api_call api_retention_calls[] = {
    {"hold.add", call_hold_add, API_SESSION},
    {"hold.list", call_hold_list, API_SESSION},
    {"hold.release", call_hold_release, API_SESSION},
    {"retention.get", call_retention_get, API_SESSION},
    {"retention.set", call_retention_set, API_SESSION},
    {"purge", call_purge, API_SESSION},
    {NULL, NULL, 0},
};
