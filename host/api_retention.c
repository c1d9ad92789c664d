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
        (rc = api_str(r, "court", 0, &spec.court)) != 0 ||
        (rc = api_str(r, "plate", 0, &spec.plate)) != 0 ||
        (rc = api_str(r, "units", 0, &spec.units)) != 0 ||
        (rc = api_time(r, "from", 0, &spec.from)) != 0 ||
        (rc = api_time(r, "to", 0, &spec.to)) != 0 ||
        (rc = api_time(r, "expires", 0, &spec.expires)) != 0)
        return rc;
    rc = store_hold_add(r->s, &r->sess, &spec, &id);
    if (rc == STORE_ERR_INVALID && spec.kind != STORE_HOLD_PRESERVATION &&
        (!spec.court || !spec.court[0]))
        return api_fail(r, rc, "parameter 'court': a warrant or court order names its court");
    if (rc == STORE_ERR_INVALID && spec.kind != STORE_HOLD_PRESERVATION && !spec.expires)
        return api_fail(r, rc, "parameter 'expires': a warrant or court order needs a review date");
    if (rc == STORE_ERR_INVALID)
        return api_fail(r, rc,
                        "a hold needs a reference and court (at most %d bytes each), a valid"
                        " scope (plate, units, from before to) and an expiry in the future"
                        " (preservation: within %d days)",
                        STORE_TEXT_MAX, STORE_PRESERVATION_MAX_DAYS);
    if (rc == STORE_ERR_DENIED && spec.kind != STORE_HOLD_PRESERVATION)
        return api_fail(r, rc,
                        "warrant and disclosure-order holds are entered by an administrator or"
                        " records officer");
    if (rc != 0)
        return rc;
    *result = json_pack("{s:I,s:s}", "id", (json_int_t)id, "state",
                        spec.kind == STORE_HOLD_PRESERVATION ? "active" : "pending");
    return *result ? 0 : STORE_ERR_NOMEM;
}

static int call_hold_approve(struct api_req *r, json_t **result)
{
    int64_t id = 0;
    int rc;
    (void)result;
    if ((rc = api_int(r, "id", 1, 1, INT64_MAX, &id)) != 0)
        return rc;
    rc = store_hold_approve(r->s, &r->sess, id);
    if (rc == STORE_ERR_DENIED)
        return api_fail(r, rc,
                        "a hold or its extension is approved by an administrator or records"
                        " officer other than the one who entered it");
    if (rc == STORE_ERR_STATE)
        return api_fail(r, rc, "hold %lld: nothing awaits approval, or the hold has ended",
                        (long long)id);
    return rc;
}

static int call_hold_extend(struct api_req *r, json_t **result)
{
    const char *court = NULL, *order = NULL;
    int64_t id = 0, until = 0;
    int rc;
    (void)result;
    if ((rc = api_int(r, "id", 1, 1, INT64_MAX, &id)) != 0 ||
        (rc = api_str(r, "court", 1, &court)) != 0 || (rc = api_str(r, "order", 1, &order)) != 0 ||
        (rc = api_time(r, "until", 1, &until)) != 0)
        return rc;
    rc = store_hold_extend(r->s, &r->sess, id, court, order, until);
    if (rc == STORE_ERR_INVALID)
        return api_fail(r, rc,
                        "an extension needs the court and the order's reference (1 to %d bytes"
                        " each) and an end in the future",
                        STORE_TEXT_MAX);
    if (rc == STORE_ERR_STATE)
        return api_fail(r, rc, "hold %lld has ended, or an extension already awaits approval",
                        (long long)id);
    return rc;
}

/* Empty texts (absent scope fields) and zero times are null. */
static json_t *text_or_null(const char *text)
{
    return text[0] ? json_string(text) : json_null();
}

static json_t *extension_json(const struct store_hold *h)
{
    if (!h->ext_until)
        return json_null();
    return json_pack("{s:o,s:s,s:s,s:s}", "until", api_time_json(h->ext_until), "court",
                     h->ext_court, "order", h->ext_ref, "entered_by", h->ext_by);
}

static json_t *hold_json(const struct store_hold *h)
{
    json_t *o = json_pack(
        "{s:I,s:s,s:s,s:s,s:o,s:o,s:b,s:o,s:o,s:o,s:o,s:o,s:s,s:o,s:o,s:b,s:o,s:o,s:b,s:I}", "id",
        (json_int_t)h->id, "kind", h->kind, "state", h->state, "reference", h->reference, "court",
        text_or_null(h->court), "plate", text_or_null(h->plate), "plate_masked", h->plate_masked,
        "units", text_or_null(h->units), "from", api_time_json(h->from), "to", api_time_json(h->to),
        "expires", api_time_json(h->expires), "entered", api_time_json(h->entered_at), "entered_by",
        h->entered_by, "approved", api_time_json(h->approved_at), "approved_by",
        text_or_null(h->approved_by), "legacy", h->legacy, "extension", extension_json(h),
        "released", api_time_json(h->released_at), "active", h->active, "reads",
        (json_int_t)h->reads);
    if (o && json_object_set_new(o, "released_by", text_or_null(h->released_by)) != 0) {
        json_decref(o);
        o = NULL;
    }
    return o;
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
    {"hold.approve", call_hold_approve, API_SESSION},
    {"hold.extend", call_hold_extend, API_SESSION},
    {"hold.release", call_hold_release, API_SESSION},
    {"retention.get", call_retention_get, API_SESSION},
    {"retention.set", call_retention_set, API_SESSION},
    {"purge", call_purge, API_SESSION},
    {NULL, NULL, 0},
};
