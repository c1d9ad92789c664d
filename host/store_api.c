/* store_api: dispatch of the service's calls, access by caller, parameter readers (store_api.h). */
#include "store_api.h"
#include "store_api_priv.h"
#include "store_auth.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct api_call *const areas[] = {
    api_auth_calls,      api_ingest_calls, api_reads_calls, api_hotlist_calls,
    api_retention_calls, api_export_calls, api_audit_calls,
};

static const struct {
    int err;
    const char *code;
    int http;
} errors[] = {
    {STORE_ERR_IO, "io", 500},
    {STORE_ERR_NOMEM, "nomem", 503},
    {STORE_ERR_INVALID, "invalid", 400},
    {STORE_ERR_DENIED, "denied", 403},
    {STORE_ERR_AUTH, "auth", 401},
    {STORE_ERR_LOCKED, "locked", 423},
    {STORE_ERR_EXPIRED, "expired", 401},
    {STORE_ERR_TRAINING, "training", 403},
    {STORE_ERR_NOTFOUND, "notfound", 404},
    {STORE_ERR_EXISTS, "exists", 409},
    {STORE_ERR_FULL, "full", 507},
    {STORE_ERR_VERSION, "version", 500},
    {STORE_ERR_DATA, "data", 422},
    {STORE_ERR_TAMPER, "tamper", 500},
    {STORE_ERR_BUSY, "busy", 503},
    {STORE_ERR_STATE, "state", 409},
    {STORE_ERR_CLOCK, "clock", 503},
};

const char *store_api_error_code(int err)
{
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++)
        if (errors[i].err == err)
            return errors[i].code;
    return "io";
}

int store_api_error_parse(const char *code)
{
    for (size_t i = 0; code && i < sizeof errors / sizeof errors[0]; i++)
        if (strcmp(errors[i].code, code) == 0)
            return errors[i].err;
    return STORE_ERR_IO;
}

static int http_status(int err)
{
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++)
        if (errors[i].err == err)
            return errors[i].http;
    return 500;
}

int api_fail(struct api_req *r, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->msg, sizeof r->msg, fmt, ap);
    va_end(ap);
    return err;
}

int api_set(json_t *object, const char *key, json_t *value)
{
    if (!value || json_object_set_new(object, key, value) != 0)
        return STORE_ERR_NOMEM;
    return 0;
}

/* The parameter key, or NULL when absent or null; STORE_ERR_INVALID for absent and required. */
static int param(struct api_req *r, const char *key, int required, json_t **out)
{
    json_t *v = json_object_get(r->params, key);
    *out = v && !json_is_null(v) ? v : NULL;
    if (!*out && required)
        return api_fail(r, STORE_ERR_INVALID, "parameter '%s' is required", key);
    return 0;
}

int api_str(struct api_req *r, const char *key, int required, const char **out)
{
    json_t *v;
    int rc = param(r, key, required, &v);
    if (rc != 0 || !v)
        return rc;
    if (!json_is_string(v))
        return api_fail(r, STORE_ERR_INVALID, "parameter '%s' must be a string", key);
    /* jansson accepts \u0000 inside strings; the store's C strings cannot hold it. */
    if (strlen(json_string_value(v)) != json_string_length(v))
        return api_fail(r, STORE_ERR_INVALID, "parameter '%s' holds a NUL character", key);
    *out = json_string_value(v);
    return 0;
}

int api_int(struct api_req *r, const char *key, int required, int64_t min, int64_t max,
            int64_t *out)
{
    json_t *v;
    int rc = param(r, key, required, &v);
    if (rc != 0 || !v)
        return rc;
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return api_fail(r, STORE_ERR_INVALID, "parameter '%s' must be a whole number in %lld..%lld",
                        key, (long long)min, (long long)max);
    *out = json_integer_value(v);
    return 0;
}

int api_bool(struct api_req *r, const char *key, int *out)
{
    json_t *v;
    int rc = param(r, key, 0, &v);
    if (rc != 0 || !v)
        return rc;
    if (!json_is_boolean(v))
        return api_fail(r, STORE_ERR_INVALID, "parameter '%s' must be true or false", key);
    *out = json_is_true(v);
    return 0;
}

int api_time(struct api_req *r, const char *key, int required, int64_t *out)
{
    json_t *v;
    int rc = param(r, key, required, &v);
    if (rc != 0 || !v)
        return rc;
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = json_integer_value(v);
        return 0;
    }
    if (json_is_string(v) && store_time_parse(json_string_value(v), out) == 0)
        return 0;
    return api_fail(r, STORE_ERR_INVALID,
                    "parameter '%s' must be a time (YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or seconds)",
                    key);
}

int api_bytes(struct api_req *r, const char *key, int required, unsigned char **out, size_t *len)
{
    json_t *v;
    const char *text;
    unsigned char *buf;
    size_t n, got;
    int rc = param(r, key, required, &v);
    if (rc != 0 || !v)
        return rc;
    if (!json_is_string(v))
        return api_fail(r, STORE_ERR_INVALID, "parameter '%s' must be base64 text", key);
    text = json_string_value(v);
    n = json_string_length(v);
    buf = malloc(n / 4 * 3 + 3);
    if (!buf)
        return STORE_ERR_NOMEM;
    if (sodium_base642bin(buf, n / 4 * 3 + 3, text, n, NULL, &got, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0) {
        free(buf);
        return api_fail(r, STORE_ERR_INVALID, "parameter '%s' is not valid base64", key);
    }
    *out = buf;
    *len = got;
    return 0;
}

json_t *api_time_json(int64_t t)
{
    char buf[32];
    return t ? json_string(store_time_format(t, buf, sizeof buf)) : json_null();
}

json_t *api_bytes_json(const void *data, size_t len)
{
    size_t n = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
    char *text = malloc(n);
    json_t *v;
    if (!text)
        return NULL;
    sodium_bin2base64(text, n, data, len, sodium_base64_VARIANT_ORIGINAL);
    v = json_stringn(text, n - 1);
    free(text);
    return v;
}

static const struct api_call *find_call(const char *name)
{
    for (size_t a = 0; a < sizeof areas / sizeof areas[0]; a++)
        for (const struct api_call *c = areas[a]; c->name; c++)
            if (strcmp(c->name, name) == 0)
                return c;
    return NULL;
}

static int is_ingest_uid(const struct store_api_conf *conf, int64_t uid)
{
    for (size_t i = 0; i < conf->n_ingest_uids; i++)
        if (conf->ingest_uids[i] == uid)
            return 1;
    return 0;
}

/* Whether peer may make call c at all; the store then checks the session's role. */
static int admit(struct api_req *r, enum store_api_channel channel, const struct api_call *c,
                 const char *token)
{
    int ingest = r->conf->n_ingest_uids ? is_ingest_uid(r->conf, r->peer->uid) : 1;
    if (channel == STORE_API_INGEST && c->access != API_INGEST && c->access != API_ANY)
        return api_fail(r, STORE_ERR_DENIED, "the reader's socket takes ingest only");
    switch (c->access) {
    case API_ANY:
    case API_OPEN:
        return 0;
    case API_INGEST:
        if (channel != STORE_API_INGEST)
            return api_fail(r, STORE_ERR_DENIED, "ingest is on the reader's socket only");
        return ingest ? 0 : api_fail(r, STORE_ERR_DENIED, "ingest is for the reader's account");
    case API_BOOTSTRAP:
        if (r->peer->uid == 0 || r->peer->uid == r->conf->service_uid)
            return 0;
        return api_fail(r, STORE_ERR_DENIED, "only root or the service account bootstraps");
    case API_SESSION:
        /* The reader's account ingests and nothing else, whatever token it shows. */
        if (r->conf->n_ingest_uids && ingest)
            return api_fail(r, STORE_ERR_DENIED, "the reader's account may only ingest");
        if (!token || !*token)
            return api_fail(r, STORE_ERR_EXPIRED, "no session: log on first");
        return store_session_resume(r->s, token, &r->sess);
    }
    return STORE_ERR_DENIED;
}

static char *error_body(int err, const char *msg)
{
    json_t *e = json_pack("{s:{s:s,s:i,s:s}}", "error", "code", store_api_error_code(err), "status",
                          err, "message", msg && *msg ? msg : store_strerror(err));
    char *text = e ? json_dumps(e, JSON_COMPACT) : NULL;
    json_decref(e);
    return text;
}

int store_api_handle(struct store *s, const struct store_api_conf *conf,
                     const struct store_api_peer *peer, enum store_api_channel channel,
                     const char *call, const char *token, const char *body, size_t body_len,
                     int *http_status_out, char **response)
{
    struct api_req r = {.s = s, .conf = conf, .peer = peer};
    const struct api_call *c = call ? find_call(call) : NULL;
    json_t *result = NULL, *out;
    json_error_t jerr;
    int rc;

    store_set_peer_uid(s, peer->uid);
    if (!c) {
        rc = api_fail(&r, STORE_ERR_NOTFOUND, "no such call '%s'", call ? call : "");
        goto fail;
    }
    if (body && body_len) {
        r.params = json_loadb(body, body_len, JSON_REJECT_DUPLICATES, &jerr);
        if (!r.params || !json_is_object(r.params)) {
            rc = api_fail(&r, STORE_ERR_INVALID, "body: not a JSON object (%s at %d)", jerr.text,
                          jerr.position);
            goto fail;
        }
    } else if (!(r.params = json_object())) {
        rc = STORE_ERR_NOMEM;
        goto fail;
    }
    if ((rc = admit(&r, channel, c, token)) != 0 || (rc = c->fn(&r, &result)) != 0)
        goto fail;
    out = json_pack("{s:o}", "result", result ? result : json_null());
    *response = out ? json_dumps(out, JSON_COMPACT) : NULL;
    json_decref(out);
    json_decref(r.params);
    store_set_peer_uid(s, STORE_PEER_NONE);
    if (!*response)
        return STORE_ERR_NOMEM;
    *http_status_out = 200;
    return 0;
fail:
    json_decref(r.params);
    store_set_peer_uid(s, STORE_PEER_NONE);
    *http_status_out = http_status(rc);
    *response = error_body(rc, r.msg);
    return *response ? 0 : STORE_ERR_NOMEM;
}
