/* api_export: evidence exports, chain of custody, the unit's public key, copies outside the
 * store and release requests, as service calls (store_api.h, docs/STORE-API.md). An export's
 * files travel in the answer; the client writes them. */
#include "store_api_priv.h"
#include "store_export.h"
#include "store_copies.h"

#include <string.h>

/* The export sink: each file becomes {"name", "data" (base64)} in the array ctx. */
static int put_file(void *ctx, const char *name, const void *data, size_t len)
{
    json_t *file = json_pack("{s:s,s:o}", "name", name, "data", api_bytes_json(data, len));
    return file && json_array_append_new(ctx, file) == 0 ? 0 : STORE_ERR_NOMEM;
}

static json_t *export_json(const struct store_export_result *res, json_t *files)
{
    return json_pack("{s:I,s:I,s:I,s:I,s:s,s:O}", "export", (json_int_t)res->export_id, "hold",
                     (json_int_t)res->hold_id, "reads", (json_int_t)res->reads, "images",
                     (json_int_t)res->images, "manifest_sha256", res->manifest_sha256, "files",
                     files);
}

static int invalid_destination(struct api_req *r)
{
    return api_fail(r, STORE_ERR_INVALID,
                    "parameter 'destination': 1 to %d bytes; 'note': at most %d bytes",
                    STORE_EXPORT_DESTINATION_MAX, STORE_TEXT_MAX);
}

static int full(struct api_req *r)
{
    return api_fail(r, STORE_ERR_FULL,
                    "the export would exceed %u MiB: split the hold's scope (time, units)",
                    STORE_EXPORT_MAX_BYTES >> 20);
}

static int call_export(struct api_req *r, json_t **result)
{
    struct store_export_result res;
    struct store_access a = {0};
    const char *destination = NULL, *note = NULL;
    int64_t hold = 0;
    json_t *files;
    int rc;
    if ((rc = api_access_params(r, &a)) != 0 ||
        (rc = api_int(r, "hold", 1, 1, INT64_MAX, &hold)) != 0 ||
        (rc = api_str(r, "destination", 1, &destination)) != 0 ||
        (rc = api_str(r, "note", 0, &note)) != 0)
        return rc;
    if (!(files = json_array()))
        return STORE_ERR_NOMEM;
    struct store_export_sink sink = {put_file, files, 0};
    rc = store_export_hold(r->s, &r->sess, hold, &a, destination, note, &sink, &res);
    if (rc == 0 && !(*result = export_json(&res, files)))
        rc = STORE_ERR_NOMEM;
    json_decref(files);
    if (rc == STORE_ERR_INVALID)
        return invalid_destination(r);
    if (rc == STORE_ERR_STATE)
        return api_fail(r, rc, "the hold is not active, or the service has no signing key");
    return rc == STORE_ERR_FULL ? full(r) : api_explain_denial(r, &a, rc);
}

static json_t *custody_json(const struct store_custody_log *log)
{
    json_t *lines = json_array();
    for (size_t i = 0; lines && i < log->n; i++)
        if (json_array_append_new(lines, json_string(log->lines[i])) != 0) {
            json_decref(lines);
            lines = NULL;
        }
    return lines ? json_pack("{s:s,s:I,s:o}", "dir", log->dir, "seq", (json_int_t)log->n, "lines",
                             lines)
                 : NULL;
}

static int call_custody_add(struct api_req *r, json_t **result)
{
    const char *action = NULL, *note = NULL;
    int64_t export_id = 0;
    int rc;
    (void)result;
    if ((rc = api_int(r, "export", 1, 1, INT64_MAX, &export_id)) != 0 ||
        (rc = api_str(r, "action", 1, &action)) != 0 || (rc = api_str(r, "note", 0, &note)) != 0)
        return rc;
    struct store_custody_log *log = NULL;
    rc = store_custody_add(r->s, &r->sess, export_id, action, note, &log);
    if (rc == STORE_ERR_INVALID)
        return api_fail(r, rc,
                        "parameter 'action': 1 to %d bytes; 'note': at most %d bytes; no"
                        " control characters",
                        STORE_TEXT_MAX, STORE_TEXT_MAX);
    if (rc != 0)
        return rc;
    *result = custody_json(log);
    store_custody_log_free(log);
    return *result ? 0 : STORE_ERR_NOMEM;
}

/* The unit's public key: what `alpr export verify` checks a bundle's signature against. */
static int call_unit_key(struct api_req *r, json_t **result)
{
    char hex[STORE_PUBKEY_HEX];
    int rc = store_export_public_key(r->s, hex);
    if (rc != 0)
        return api_fail(r, rc, "the service has no signing key (no master key)");
    *result = json_pack("{s:s,s:s}", "algorithm", "ed25519", "public_key", hex);
    return *result ? 0 : STORE_ERR_NOMEM;
}

static int call_copy_register(struct api_req *r, json_t **result)
{
    const char *path = NULL;
    int64_t read_id = 0, id = 0;
    int rc;
    if ((rc = api_int(r, "read_id", 1, 1, INT64_MAX, &read_id)) != 0 ||
        (rc = api_str(r, "path", 1, &path)) != 0)
        return rc;
    rc = store_copy_register(r->s, &r->sess, read_id, path, &id);
    if (rc == STORE_ERR_INVALID)
        return api_fail(r, rc, "parameter 'path': an absolute path of 1 to %d bytes of text",
                        STORE_EXPORT_DESTINATION_MAX);
    if (rc != 0)
        return rc;
    *result = json_pack("{s:I}", "id", (json_int_t)id);
    return *result ? 0 : STORE_ERR_NOMEM;
}

static json_t *copy_json(const struct store_copy *c)
{
    return json_pack("{s:I,s:s,s:s,s:s,s:o,s:o,s:o,s:I,s:o,s:o,s:o,s:o,s:o,s:o}", "id",
                     (json_int_t)c->id, "kind", c->kind, "path", c->path, "member", c->member,
                     "uid", c->uid >= 0 ? json_integer(c->uid) : json_null(), "time",
                     api_time_json(c->at), "export",
                     c->export_id ? json_integer(c->export_id) : json_null(), "reads",
                     (json_int_t)c->reads, "from", api_time_json(c->from), "to",
                     api_time_json(c->to), "flagged", api_time_json(c->flagged_at), "flag_reason",
                     c->flag_reason[0] ? json_string(c->flag_reason) : json_null(), "deleted",
                     api_time_json(c->deleted_at), "deleted_by",
                     c->deleted_by[0] ? json_string(c->deleted_by) : json_null());
}

static int call_copy_list(struct api_req *r, json_t **result)
{
    struct store_copy_list *l = NULL;
    json_t *rows;
    int flagged = 0, rc;
    if ((rc = api_bool(r, "flagged", &flagged)) != 0 ||
        (rc = store_copy_list(r->s, &r->sess, flagged, &l)) != 0)
        return rc;
    rows = json_array();
    for (size_t i = 0; rows && i < l->n; i++) {
        if (json_array_append_new(rows, copy_json(&l->items[i])) != 0) {
            json_decref(rows);
            rows = NULL;
        }
    }
    store_copy_list_free(l);
    *result = rows;
    return rows ? 0 : STORE_ERR_NOMEM;
}

static int call_copy_deleted(struct api_req *r, json_t **result)
{
    int64_t id = 0;
    int rc;
    (void)result;
    if ((rc = api_int(r, "id", 1, 1, INT64_MAX, &id)) != 0)
        return rc;
    rc = store_copy_deleted(r->s, &r->sess, id);
    if (rc == STORE_ERR_NOTFOUND)
        return api_fail(r, rc, "no copy %lld of yours that is not already reported deleted",
                        (long long)id);
    return rc;
}

static int call_release_request(struct api_req *r, json_t **result)
{
    const char *agency = NULL, *requester = NULL, *purpose = NULL;
    int64_t hold = 0, id;
    int rc;
    if ((rc = api_str(r, "agency", 1, &agency)) != 0 ||
        (rc = api_str(r, "requester", 1, &requester)) != 0 ||
        (rc = api_str(r, "purpose", 1, &purpose)) != 0 ||
        (rc = api_int(r, "hold", 1, 1, INT64_MAX, &hold)) != 0)
        return rc;
    rc = store_release_request(r->s, &r->sess, agency, requester, purpose, hold, &id);
    if (rc == STORE_ERR_INVALID)
        return api_fail(r, rc, "parameters 'agency', 'requester' and 'purpose': 1 to %d bytes",
                        STORE_TEXT_MAX);
    if (rc != 0)
        return rc;
    *result = json_pack("{s:I}", "id", (json_int_t)id);
    return *result ? 0 : STORE_ERR_NOMEM;
}

static int call_release_review(struct api_req *r, json_t **result)
{
    const char *decision = NULL, *note = NULL;
    int64_t id = 0;
    int rc, approve;
    (void)result;
    if ((rc = api_int(r, "id", 1, 1, INT64_MAX, &id)) != 0 ||
        (rc = api_str(r, "decision", 1, &decision)) != 0)
        return rc;
    approve = strcmp(decision, "approve") == 0;
    if (!approve && strcmp(decision, "deny") != 0)
        return api_fail(r, STORE_ERR_INVALID, "parameter 'decision': approve or deny");
    if ((rc = api_str(r, "note", 1, &note)) != 0)
        return rc;
    rc = store_release_review(r->s, &r->sess, id, approve, note);
    if (rc == STORE_ERR_INVALID)
        return api_fail(r, rc, "parameter 'note': 1 to %d bytes", STORE_TEXT_MAX);
    if (rc == STORE_ERR_DENIED)
        return api_fail(r, rc,
                        "a release is reviewed by a records officer who neither entered the"
                        " request nor created the requester's account");
    return rc;
}

static int call_release_fulfil(struct api_req *r, json_t **result)
{
    struct store_export_result res;
    const char *destination = NULL;
    int64_t id = 0;
    json_t *files;
    int rc;
    if ((rc = api_int(r, "id", 1, 1, INT64_MAX, &id)) != 0 ||
        (rc = api_str(r, "destination", 1, &destination)) != 0)
        return rc;
    if (!(files = json_array()))
        return STORE_ERR_NOMEM;
    struct store_export_sink sink = {put_file, files, 0};
    rc = store_release_fulfil(r->s, &r->sess, id, destination, &sink, &res);
    if (rc == 0 && (!(*result = export_json(&res, files)) ||
                    json_object_set_new(*result, "request", json_integer(id)) != 0))
        rc = STORE_ERR_NOMEM;
    json_decref(files);
    if (rc == STORE_ERR_INVALID)
        return invalid_destination(r);
    return rc == STORE_ERR_FULL ? full(r) : rc;
}

static json_t *release_json(const struct store_release *q)
{
    return json_pack("{s:I,s:s,s:s,s:s,s:I,s:s,s:s,s:o,s:o,s:o,s:o,s:o}", "id", (json_int_t)q->id,
                     "agency", q->agency, "requester", q->requester, "purpose", q->purpose, "hold",
                     (json_int_t)q->hold_id, "status", q->status, "entered_by", q->submitted_by,
                     "entered", api_time_json(q->submitted_at), "reviewed_by",
                     q->reviewed_by[0] ? json_string(q->reviewed_by) : json_null(), "reviewed",
                     api_time_json(q->reviewed_at), "review_note",
                     q->review_note[0] ? json_string(q->review_note) : json_null(), "export",
                     q->export_id ? json_integer(q->export_id) : json_null());
}

static int call_release_list(struct api_req *r, json_t **result)
{
    struct store_release_list *l = NULL;
    json_t *rows;
    int rc = store_release_list(r->s, &r->sess, &l);
    if (rc != 0)
        return rc;
    rows = json_array();
    for (size_t i = 0; rows && i < l->n; i++) {
        if (json_array_append_new(rows, release_json(&l->items[i])) != 0) {
            json_decref(rows);
            rows = NULL;
        }
    }
    store_release_list_free(l);
    *result = rows;
    return rows ? 0 : STORE_ERR_NOMEM;
}

const struct api_call api_export_calls[] = {
    {"export", call_export, API_SESSION},
    {"custody.add", call_custody_add, API_SESSION},
    {"unit.key", call_unit_key, API_ANY},
    {"copy.register", call_copy_register, API_SESSION},
    {"copy.list", call_copy_list, API_SESSION},
    {"copy.deleted", call_copy_deleted, API_SESSION},
    {"release.request", call_release_request, API_SESSION},
    {"release.review", call_release_review, API_SESSION},
    {"release.fulfil", call_release_fulfil, API_SESSION},
    {"release.list", call_release_list, API_SESSION},
    {NULL, NULL, 0},
};
