/*
 * api_hotlist: hotlist import, list and removal, and the alerts they raise, as service calls
 * (store_api.h, docs/STORE-API.md).
 *
 * The CSV of an import travels as the text of the "csv" parameter: the client reads the file
 * with its own permissions, the service never opens a path. A file the store rejects is not a
 * failed call: the result says "imported": false and lists the bad rows (line, field, message),
 * which an error answer has no room for.
 */
#include "store_api_priv.h"
#include "store_hotlist.h"

#include <stdlib.h>
#include <string.h>

/*
 * Text from the store as JSON. The store cuts long fields at a byte count, which can split a
 * UTF-8 character that jansson then refuses: such text goes out with its non-ASCII bytes as '?'
 * rather than failing the whole answer.
 */
static json_t *text_json(const char *text)
{
    json_t *v = json_string(text);
    char *copy;
    if (v || !text)
        return v;
    if (!(copy = strdup(text)))
        return NULL;
    for (char *p = copy; *p; p++)
        if ((unsigned char)*p >= 0x80)
            *p = '?';
    v = json_string(copy);
    free(copy);
    return v;
}

/* An empty text as JSON null: "nobody" rather than a name. */
static json_t *name_or_null(const char *text)
{
    return text && *text ? text_json(text) : json_null();
}

static json_t *import_errors(const struct store_import_result *res)
{
    json_t *rows = json_array();
    for (size_t i = 0; rows && i < res->n_errors && i < STORE_CSV_MAX_ERRORS; i++) {
        const struct store_csv_error *e = &res->errors[i];
        json_t *o = json_pack("{s:I,s:o,s:o}", "line", (json_int_t)e->line, "field",
                              text_json(e->field), "message", text_json(e->message));
        if (!o || json_array_append_new(rows, o) != 0) {
            json_decref(rows);
            rows = NULL;
        }
    }
    return rows;
}

static int call_import(struct api_req *r, json_t **result)
{
    struct store_import_result *res;
    const char *name = NULL, *csv = NULL;
    size_t len;
    int rc;
    if ((rc = api_str(r, "name", 1, &name)) != 0 || (rc = api_str(r, "csv", 1, &csv)) != 0)
        return rc;
    len = strlen(csv);
    if (!(res = malloc(sizeof *res)))
        return STORE_ERR_NOMEM;
    rc = store_hotlist_import_csv(r->s, &r->sess, name, csv, len, res);
    if (rc == 0 || rc == STORE_ERR_DATA) {
        *result = json_pack("{s:b,s:o,s:I,s:I,s:o}", "imported", rc == 0, "hotlist_id",
                            rc == 0 ? json_integer(res->hotlist_id) : json_null(), "entries",
                            (json_int_t)res->n_entries, "n_errors", (json_int_t)res->n_errors,
                            "errors", import_errors(res));
        rc = *result ? 0 : STORE_ERR_NOMEM;
    } else if (rc == STORE_ERR_INVALID && (!*name || strlen(name) > STORE_TEXT_MAX)) {
        rc = api_fail(r, rc, "parameter 'name': 1 to %d bytes", STORE_TEXT_MAX);
    } else if (rc == STORE_ERR_INVALID) {
        rc =
            api_fail(r, rc, "parameter 'csv': empty, or larger than %u bytes", STORE_CSV_MAX_BYTES);
    }
    free(res);
    return rc;
}

static int call_list(struct api_req *r, json_t **result)
{
    struct store_hotlist_list *l = NULL;
    json_t *rows;
    int rc = store_hotlist_list(r->s, &r->sess, &l);
    if (rc != 0)
        return rc;
    rows = json_array();
    for (size_t i = 0; rows && i < l->n; i++) {
        const struct store_hotlist_info *h = &l->items[i];
        json_t *o = json_pack("{s:I,s:o,s:o,s:o,s:I,s:b}", "id", (json_int_t)h->id, "name",
                              text_json(h->name), "imported", api_time_json(h->imported_at), "by",
                              text_json(h->imported_by), "entries", (json_int_t)h->n_entries,
                              "removed", h->removed);
        if (!o || json_array_append_new(rows, o) != 0) {
            json_decref(rows);
            rows = NULL;
        }
    }
    store_hotlist_list_free(l);
    *result = rows;
    return rows ? 0 : STORE_ERR_NOMEM;
}

static int call_remove(struct api_req *r, json_t **result)
{
    int64_t id = 0;
    int rc;
    (void)result;
    if ((rc = api_int(r, "hotlist_id", 1, 1, INT64_MAX, &id)) != 0)
        return rc;
    rc = store_hotlist_remove(r->s, &r->sess, id);
    if (rc == STORE_ERR_NOTFOUND)
        return api_fail(r, rc, "hotlist %lld: not found, or removed already", (long long)id);
    return rc;
}

/* A state parameter: one of the NULL-terminated names. */
static int state_param(struct api_req *r, int required, const char *const *names,
                       const char *expected, const char **out)
{
    const char *v = NULL;
    int rc = api_str(r, "state", required, &v);
    if (rc != 0 || !v)
        return rc;
    for (size_t i = 0; names[i]; i++)
        if (strcmp(v, names[i]) == 0) {
            *out = v;
            return 0;
        }
    return api_fail(r, STORE_ERR_INVALID, "parameter 'state': %s", expected);
}

static json_t *alert_json(const struct store_alert *a)
{
    return json_pack("{s:I,s:o,s:s,s:s,s:s,s:o,s:o,s:o,s:s,s:o,s:o,s:I,s:o,s:I,s:I}", "id",
                     (json_int_t)a->id, "raised", api_time_json(a->created_at), "kind", a->kind,
                     "hotlist_entry", a->entry_plate, "plate", a->read_plate, "unit",
                     text_json(a->unit), "reason", text_json(a->reason), "incident",
                     name_or_null(a->incident), "state", a->state, "set_by",
                     name_or_null(a->state_by), "set_at", api_time_json(a->state_at), "read_id",
                     (json_int_t)a->read_id, "read_time", api_time_json(a->read_time), "hotlist_id",
                     (json_int_t)a->hotlist_id, "entry_id", (json_int_t)a->entry_id);
}

static int call_alert_list(struct api_req *r, json_t **result)
{
    static const char *const states[] = {"unverified", "confirmed", "rejected", NULL};
    struct store_alert_list *l = NULL;
    struct store_access a = {0};
    const char *state = NULL;
    int64_t from = 0, to = 0, limit = 0;
    json_t *rows;
    int rc;
    if ((rc = state_param(r, 0, states, "unverified, confirmed or rejected", &state)) != 0 ||
        (rc = api_time(r, "from", 0, &from)) != 0 || (rc = api_time(r, "to", 0, &to)) != 0 ||
        (rc = api_int(r, "limit", 0, 1, 100000, &limit)) != 0 ||
        (rc = api_access_params(r, &a)) != 0)
        return rc;
    if ((rc = store_alert_list(r->s, &r->sess, &a, state, from, to, (size_t)limit, &l)) != 0)
        return api_explain_denial(r, &a, rc);
    rows = json_array();
    for (size_t i = 0; rows && i < l->n; i++)
        if (json_array_append_new(rows, alert_json(&l->items[i])) != 0) {
            json_decref(rows);
            rows = NULL;
        }
    store_alert_list_free(l);
    *result = rows;
    return rows ? 0 : STORE_ERR_NOMEM;
}

static int call_alert_verify(struct api_req *r, json_t **result)
{
    static const char *const states[] = {"confirmed", "rejected", NULL};
    const char *state = NULL, *note = NULL;
    int64_t id = 0;
    int rc;
    if ((rc = api_int(r, "alert_id", 1, 1, INT64_MAX, &id)) != 0 ||
        (rc = state_param(r, 1, states, "confirmed or rejected", &state)) != 0 ||
        (rc = api_str(r, "note", 1, &note)) != 0)
        return rc;
    rc = store_alert_set_state(r->s, &r->sess, id, state, note);
    if (rc == STORE_ERR_NOTFOUND)
        return api_fail(r, rc, "alert %lld: not found", (long long)id);
    if (rc == STORE_ERR_INVALID && strlen(note) > STORE_TEXT_MAX)
        return api_fail(r, rc, "parameter 'note': at most %d bytes", STORE_TEXT_MAX);
    if (rc != 0)
        return rc;
    *result = json_pack("{s:I,s:s,s:s}", "alert_id", (json_int_t)id, "state", state, "by",
                        r->sess.member);
    return *result ? 0 : STORE_ERR_NOMEM;
}

const struct api_call api_hotlist_calls[] = {
    {"hotlist.import", call_import, API_SESSION},     {"hotlist.list", call_list, API_SESSION},
    {"hotlist.remove", call_remove, API_SESSION},     {"alert.list", call_alert_list, API_SESSION},
    {"alert.verify", call_alert_verify, API_SESSION}, {NULL, NULL, 0},
};
