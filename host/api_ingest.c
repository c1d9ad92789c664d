/*
 * api_ingest: the reader's one call. alprd's OS account submits reads and learns the alerts its
 * own reads raised; it has no session and no other call (store_api.c), so the process that
 * parses USB input can read nothing back from the store.
 */
#include "store_api_priv.h"
#include "store_reads.h"

#include <stdlib.h>
#include <string.h>

#define INGEST_MAX_READS 5000

/* The read at index i of the request, into *out (strings borrowed from the request). */
static int read_param(struct api_req *r, json_t *item, size_t i, struct store_read *out,
                      unsigned char **png)
{
    json_t *saved = r->params, *cands, *c;
    int64_t t = 0, frames = 1;
    int ngo = 0, rc;
    size_t k;
    const char *text;
    memset(out, 0, sizeof *out);
    if (!json_is_object(item))
        return api_fail(r, STORE_ERR_INVALID, "reads[%zu]: not an object", i);
    r->params = item;
    if ((rc = api_str(r, "plate", 1, &out->plate)) != 0 || (rc = api_time(r, "time", 1, &t)) != 0 ||
        (rc = api_str(r, "unit", 1, &out->unit_id)) != 0 ||
        (rc = api_str(r, "camera", 1, &out->camera_id)) != 0 ||
        (rc = api_str(r, "agency", 1, &out->source_agency)) != 0 ||
        (rc = api_bool(r, "non_governmental", &ngo)) != 0 ||
        (rc = api_int(r, "frames_agreeing", 0, 1, 1000000, &frames)) != 0 ||
        (rc = api_bytes(r, "png", 0, png, &out->png_len)) != 0)
        goto out;
    out->time = t;
    out->non_governmental = ngo;
    out->frames_agreeing = (int)frames;
    out->png = *png;
    if (!json_is_number(json_object_get(item, "confidence"))) {
        rc = api_fail(r, STORE_ERR_INVALID, "parameter 'confidence' must be a number 0..1");
        goto out;
    }
    out->confidence = json_number_value(json_object_get(item, "confidence"));
    if (json_is_number(json_object_get(item, "lat")) &&
        json_is_number(json_object_get(item, "lon"))) {
        out->has_gps = 1;
        out->lat = json_number_value(json_object_get(item, "lat"));
        out->lon = json_number_value(json_object_get(item, "lon"));
    }
    cands = json_object_get(item, "candidates");
    if (cands && !json_is_array(cands)) {
        rc = api_fail(r, STORE_ERR_INVALID, "parameter 'candidates' must be a list");
        goto out;
    }
    json_array_foreach(cands, k, c)
    {
        text = json_string_value(json_object_get(c, "plate"));
        if (k >= STORE_MAX_CANDIDATES || !text ||
            !json_is_number(json_object_get(c, "confidence"))) {
            rc = api_fail(r, STORE_ERR_INVALID,
                          "candidates[%zu]: {plate, confidence}, at most %d candidates", k,
                          STORE_MAX_CANDIDATES);
            goto out;
        }
        out->candidates[k].text = text;
        out->candidates[k].confidence = json_number_value(json_object_get(c, "confidence"));
        out->n_candidates = k + 1;
    }
out:
    if (rc != 0 && r->msg[0] && strncmp(r->msg, "reads[", 6) != 0) {
        char detail[200];
        memcpy(detail, r->msg, sizeof detail - 1);
        detail[sizeof detail - 1] = '\0';
        snprintf(r->msg, sizeof r->msg, "reads[%zu]: %.200s", i, detail);
    }
    r->params = saved;
    return rc;
}

/* What the reader prints of an alert its read raised (store_client_ingest_read reads it). */
static json_t *alert_json(const struct store_alert *a)
{
    return json_pack("{s:I,s:I,s:I,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:o}", "id", (json_int_t)a->id,
                     "read_id", (json_int_t)a->read_id, "entry_id", (json_int_t)a->entry_id,
                     "hotlist_id", (json_int_t)a->hotlist_id, "kind", a->kind, "entry_plate",
                     a->entry_plate, "read_plate", a->read_plate, "reason", a->reason, "incident",
                     a->incident, "state", a->state, "read_time", api_time_json(a->read_time));
}

/* One read: its own transaction, and the alerts it raised. */
static int ingest_one(struct api_req *r, const struct store_read *read, json_t *ids, json_t *alerts)
{
    struct store_alert *list = NULL;
    size_t n = 0;
    int64_t id;
    int rc = store_add_read(r->s, read, &id, &list, &n);
    if (rc != 0)
        return rc;
    rc = json_array_append_new(ids, json_integer(id)) != 0 ? STORE_ERR_NOMEM : 0;
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (json_array_append_new(alerts, alert_json(&list[i])) != 0)
            rc = STORE_ERR_NOMEM;
    store_alerts_free(list);
    return rc;
}

/* Several reads: one transaction, all or none (the alerts are counted, not listed). */
static int ingest_batch(struct api_req *r, const struct store_read *reads, size_t n, json_t *ids,
                        size_t *n_alerts)
{
    int64_t *list = calloc(n, sizeof *list);
    int rc;
    if (!list)
        return STORE_ERR_NOMEM;
    rc = store_add_reads(r->s, reads, n, list, n_alerts);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (json_array_append_new(ids, json_integer(list[i])) != 0)
            rc = STORE_ERR_NOMEM;
    free(list);
    return rc;
}

static int call_ingest(struct api_req *r, json_t **result)
{
    json_t *items = json_object_get(r->params, "reads"), *item;
    json_t *ids = json_array(), *alerts = json_array();
    struct store_read *reads = NULL;
    unsigned char **pngs = NULL;
    size_t n = json_array_size(items), i, n_alerts = 0;
    int rc = 0;
    if (!json_is_array(items) || n == 0 || n > INGEST_MAX_READS) {
        rc = api_fail(r, STORE_ERR_INVALID, "parameter 'reads' must be a list of 1..%d reads",
                      INGEST_MAX_READS);
        goto out;
    }
    reads = calloc(n, sizeof *reads);
    pngs = calloc(n, sizeof *pngs);
    if (!reads || !pngs || !ids || !alerts) {
        rc = STORE_ERR_NOMEM;
        goto out;
    }
    json_array_foreach(items, i, item)
    {
        if ((rc = read_param(r, item, i, &reads[i], &pngs[i])) != 0)
            goto out;
    }
    if (n == 1)
        rc = ingest_one(r, &reads[0], ids, alerts);
    else
        rc = ingest_batch(r, reads, n, ids, &n_alerts);
    if (rc == 0) {
        *result = json_pack("{s:O,s:O,s:I}", "ids", ids, "alerts", alerts, "alerts_raised",
                            (json_int_t)(n == 1 ? json_array_size(alerts) : n_alerts));
        rc = *result ? 0 : STORE_ERR_NOMEM;
    }
out:
    for (i = 0; pngs && i < n; i++)
        free(pngs[i]);
    free(pngs);
    free(reads);
    json_decref(ids);
    json_decref(alerts);
    return rc;
}

const struct api_call api_ingest_calls[] = {
    {"ingest", call_ingest, API_INGEST},
    {NULL, NULL, 0},
};
