/*
 * api_reads: searches of stored reads and views of one read or its plate crop, and the rules of
 * their justification (policy.show, policy.set), as service calls (store_api.h,
 * docs/STORE-API.md). Ingest is api_ingest.c's.
 *
 * The access fields (purpose, crime_type, incident, warrant_ref) are optional parameters on
 * purpose: a search without a justification must reach the store, which refuses it and records
 * the refusal (R1, R11). Rejecting it here as a bad request would leave no trace.
 */
#include "plate_match.h"
#include "store_api_priv.h"
#include "store_reads.h"

#include <string.h>

int api_access_params(struct api_req *r, struct store_access *a)
{
    int rc;
    if ((rc = api_str(r, "purpose", 0, &a->purpose)) != 0 ||
        (rc = api_str(r, "crime_type", 0, &a->crime_type)) != 0 ||
        (rc = api_str(r, "incident", 0, &a->incident)) != 0)
        return rc;
    return api_str(r, "warrant_ref", 0, &a->warrant_ref);
}

/* The store says only "denied"; tell the caller what the refusal (already recorded) was about:
 * the same check again, for its reason. A denial for the role passes the check and stays as is. */
int api_explain_denial(struct api_req *r, const struct store_access *a, int rc)
{
    const char *why = NULL;
    if (rc != STORE_ERR_DENIED || store_justify_check(r->s, a, &why) != STORE_ERR_DENIED || !why)
        return rc;
    if (strncmp(why, "refused: ", 9) == 0)
        why += 9;
    return api_fail(r, rc,
                    "refused (and recorded): %s; an access needs purpose (investigation, warrant,"
                    " missing-person or stolen-vehicle), crime_type and incident",
                    why);
}

static int match_param(struct api_req *r, enum store_match *out)
{
    static const struct {
        const char *name;
        enum store_match match;
    } names[] = {{"exact", STORE_MATCH_EXACT},
                 {"wildcard", STORE_MATCH_WILDCARD},
                 {"fuzzy", STORE_MATCH_FUZZY}};
    const char *m = NULL;
    int rc = api_str(r, "match", 0, &m);
    if (rc != 0 || !m)
        return rc;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(m, names[i].name) == 0) {
            *out = names[i].match;
            return 0;
        }
    return api_fail(r, STORE_ERR_INVALID, "parameter 'match': exact, wildcard or fuzzy");
}

/* The store validates the query after the access; name the parameter it did not accept. */
static int explain_query(struct api_req *r, const struct store_query *q, int rc)
{
    char plate[PLATE_MAX_LEN + 1];
    if (rc != STORE_ERR_INVALID)
        return rc;
    if (q->plate && *q->plate &&
        plate_normalize(q->plate, q->match == STORE_MATCH_WILDCARD, plate) != 0)
        return api_fail(r, rc, "parameter 'plate': not a plate%s (letters and digits, at most %d)",
                        q->match == STORE_MATCH_WILDCARD ? " pattern" : "", PLATE_MAX_LEN);
    if (!(q->plate && *q->plate) && !q->from && !q->to && !(q->unit && *q->unit))
        return api_fail(r, rc, "a search needs plate, from, to or unit");
    if (q->unit && *q->unit)
        return api_fail(r, rc, "parameter 'unit': not a unit id");
    return rc;
}

static json_t *read_json(const struct store_read_rec *x)
{
    return json_pack(
        "{s:I,s:o,s:s,s:f,s:s,s:s,s:o,s:o,s:s,s:b,s:i,s:b,s:i,s:i,s:s}", "id", (json_int_t)x->id,
        "time", api_time_json(x->time), "plate", x->plate, "confidence", x->confidence, "unit",
        x->unit, "camera", x->camera, "lat", x->has_gps ? json_real(x->lat) : json_null(), "lon",
        x->has_gps ? json_real(x->lon) : json_null(), "source", x->agency, "non_governmental",
        x->non_governmental, "frames", x->frames_agreeing, "has_image", x->has_image, "alerts",
        x->n_alerts, "distance", x->distance, "candidates", x->candidates);
}

static int call_search(struct api_req *r, json_t **result)
{
    struct store_access a = {0};
    struct store_query q = {.match = STORE_MATCH_EXACT};
    struct store_read_list *l = NULL;
    int64_t edits = 0, limit = 0;
    json_t *rows;
    int rc;
    if ((rc = api_access_params(r, &a)) != 0 || (rc = api_str(r, "plate", 0, &q.plate)) != 0 ||
        (rc = match_param(r, &q.match)) != 0 ||
        (rc = api_int(r, "max_edits", 0, 0, 1, &edits)) != 0 ||
        (rc = api_time(r, "from", 0, &q.from)) != 0 || (rc = api_time(r, "to", 0, &q.to)) != 0 ||
        (rc = api_str(r, "unit", 0, &q.unit)) != 0 ||
        (rc = api_int(r, "limit", 0, 1, 100000, &limit)) != 0)
        return rc;
    q.max_edits = (int)edits;
    q.limit = (size_t)limit;
    if ((rc = store_search(r->s, &r->sess, &a, &q, &l)) != 0)
        return explain_query(r, &q, api_explain_denial(r, &a, rc));
    rows = json_array();
    for (size_t i = 0; rows && i < l->n; i++)
        if (json_array_append_new(rows, read_json(&l->items[i])) != 0) {
            json_decref(rows);
            rows = NULL;
        }
    store_read_list_free(l);
    *result = rows;
    return rows ? 0 : STORE_ERR_NOMEM;
}

static int call_show(struct api_req *r, json_t **result)
{
    struct store_access a = {0};
    struct store_read_rec rec;
    int64_t id = 0;
    int rc;
    if ((rc = api_int(r, "read_id", 1, 1, INT64_MAX, &id)) != 0 ||
        (rc = api_access_params(r, &a)) != 0)
        return rc;
    rc = store_read_get(r->s, &r->sess, &a, id, &rec);
    if (rc == STORE_ERR_NOTFOUND)
        return api_fail(r, rc, "read %lld: not found (or outside this access's scope)",
                        (long long)id);
    if (rc != 0)
        return api_explain_denial(r, &a, rc);
    *result = read_json(&rec);
    return *result ? 0 : STORE_ERR_NOMEM;
}

static int call_image(struct api_req *r, json_t **result)
{
    struct store_access a = {0};
    uint8_t *png = NULL;
    size_t len = 0;
    int64_t id = 0;
    int rc;
    if ((rc = api_int(r, "read_id", 1, 1, INT64_MAX, &id)) != 0 ||
        (rc = api_access_params(r, &a)) != 0)
        return rc;
    rc = store_read_image(r->s, &r->sess, &a, id, &png, &len);
    if (rc == STORE_ERR_NOTFOUND)
        return api_fail(r, rc, "read %lld: no image, not found, or outside this access's scope",
                        (long long)id);
    if (rc != 0)
        return api_explain_denial(r, &a, rc);
    *result = json_pack("{s:I,s:o,s:I}", "read_id", (json_int_t)id, "png", api_bytes_json(png, len),
                        "bytes", (json_int_t)len);
    free(png);
    return *result ? 0 : STORE_ERR_NOMEM;
}

/* The justification rules a member must meet: shown to every member, so they can meet them. */
static int call_policy_show(struct api_req *r, json_t **result)
{
    char pattern[STORE_INCIDENT_PATTERN_MAX + 1];
    int rc = store_incident_pattern_get(r->s, pattern, sizeof pattern);
    if (rc != 0)
        return rc;
    *result = json_pack("{s:s,s:s,s:i}", "incident_pattern", pattern, "incident_pattern_default",
                        STORE_INCIDENT_PATTERN_DEFAULT, "crime_type_min", STORE_CRIME_TYPE_MIN);
    return *result ? 0 : STORE_ERR_NOMEM;
}

static int call_policy_set(struct api_req *r, json_t **result)
{
    const char *name = NULL, *value = NULL, *why = NULL;
    int rc;
    (void)result;
    if ((rc = api_str(r, "setting", 1, &name)) != 0 || (rc = api_str(r, "value", 0, &value)) != 0)
        return rc;
    if (strcmp(name, "incident-pattern") != 0)
        return api_fail(r, STORE_ERR_INVALID, "parameter 'setting': incident-pattern");
    rc = store_incident_pattern_set(r->s, &r->sess, value, &why);
    if (rc == STORE_ERR_INVALID && why)
        return api_fail(r, rc, "parameter 'value': %s", why);
    return rc;
}

const struct api_call api_reads_calls[] = {
    {"search", call_search, API_SESSION},         {"read.show", call_show, API_SESSION},
    {"read.image", call_image, API_SESSION},      {"policy.show", call_policy_show, API_SESSION},
    {"policy.set", call_policy_set, API_SESSION}, {NULL, NULL, 0},
};
