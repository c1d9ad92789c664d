/*
 * store_client: HTTP/JSON calls to the store service over its Unix socket (store_client.h).
 *
 * It calls no store function, only uses the store's headers (types, STORE_ERR_* codes): alprd
 * links it without linking the store (SQLite), which the service alone opens.
 */
#include "store_client.h"
#include "store.h"
#include "store_hotlist.h"
#include "store_reads.h"

#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct store_client {
    CURL *curl;
    char *socket;
    char token[65];
    char test_now[40];
    long timeout_s;
    char *body;
    size_t len, cap;
};

const char *store_client_socket_path(const char *path)
{
    const char *env = getenv("ALPR_SOCKET");
    if (path && *path)
        return path;
    return env && *env ? env : STORE_CLIENT_DEFAULT_SOCKET;
}

int store_client_open(const char *socket, struct store_client **out)
{
    struct store_client *c = calloc(1, sizeof *c);
    if (!c)
        return STORE_ERR_NOMEM;
    /* curl_easy_init initialises libcurl once per process on first use. */
    c->curl = curl_easy_init();
    c->socket = strdup(store_client_socket_path(socket));
    if (!c->curl || !c->socket) {
        store_client_close(c);
        return STORE_ERR_NOMEM;
    }
    *out = c;
    return 0;
}

void store_client_close(struct store_client *c)
{
    if (!c)
        return;
    if (c->curl)
        curl_easy_cleanup(c->curl);
    sodium_memzero(c->token, sizeof c->token);
    free(c->socket);
    free(c->body);
    free(c);
}

void store_client_set_timeout(struct store_client *c, long seconds)
{
    c->timeout_s = seconds > 0 ? seconds : 0;
}

void store_client_set_token(struct store_client *c, const char *token)
{
    snprintf(c->token, sizeof c->token, "%s", token ? token : "");
}

void store_client_set_test_now(struct store_client *c, const char *now)
{
    snprintf(c->test_now, sizeof c->test_now, "%s", now ? now : "");
}

static size_t collect(char *data, size_t size, size_t n, void *ctx)
{
    struct store_client *c = ctx;
    size_t add = size * n;
    if (c->len + add + 1 > c->cap) {
        size_t cap = c->cap ? c->cap : 4096;
        while (cap < c->len + add + 1)
            cap *= 2;
        char *grown = realloc(c->body, cap);
        if (!grown)
            return 0; /* curl reports a write error */
        c->body = grown;
        c->cap = cap;
    }
    memcpy(c->body + c->len, data, add);
    c->len += add;
    c->body[c->len] = '\0';
    return add;
}

/* The service's answer: its result, or its error code and message. */
static int parse_answer(struct store_client *c, long status, json_t **result, char *err,
                        size_t err_size)
{
    json_error_t jerr;
    json_t *doc = json_loadb(c->body ? c->body : "", c->len, 0, &jerr), *v;
    int rc;
    if (!doc) {
        snprintf(err, err_size, "%s: HTTP %ld with an unreadable answer (%s)", c->socket, status,
                 jerr.text);
        return STORE_ERR_IO;
    }
    if ((v = json_object_get(doc, "result")) != NULL && status == 200) {
        *result = json_incref(v);
        json_decref(doc);
        return 0;
    }
    /* The error's status is its STORE_ERR_* (store_api.h); read without store_api_error_parse,
     * which would link the service's dispatcher (and the store) into every client. */
    v = json_object_get(doc, "error");
    rc = json_is_integer(json_object_get(v, "status"))
             ? (int)json_integer_value(json_object_get(v, "status"))
             : STORE_ERR_IO;
    if (rc >= 0)
        rc = STORE_ERR_IO;
    if (json_string_value(json_object_get(v, "message")))
        snprintf(err, err_size, "%s", json_string_value(json_object_get(v, "message")));
    else
        snprintf(err, err_size, "%s: HTTP %ld, error %s", c->socket, status,
                 json_string_value(json_object_get(v, "code"))
                     ? json_string_value(json_object_get(v, "code"))
                     : "without a code");
    json_decref(doc);
    return rc;
}

int store_client_call(struct store_client *c, const char *call, json_t *params, json_t **result,
                      char *err, size_t err_size)
{
    char url[256], auth[100], now[80];
    char *body = params ? json_dumps(params, JSON_COMPACT) : strdup("{}");
    struct curl_slist *headers = NULL, *h;
    CURLcode cc;
    long status = 0;
    int rc;
    if (!body)
        return STORE_ERR_NOMEM;
    snprintf(url, sizeof url, "http://store/v1/%s", call);
    headers = curl_slist_append(NULL, "Content-Type: application/json");
    if (headers && c->token[0]) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", c->token);
        h = curl_slist_append(headers, auth);
        headers = h ? h : headers;
        sodium_memzero(auth, sizeof auth);
    }
    if (headers && c->test_now[0]) {
        snprintf(now, sizeof now, "X-Alpr-Test-Now: %s", c->test_now);
        h = curl_slist_append(headers, now);
        headers = h ? h : headers;
    }
    c->len = 0;
    curl_easy_setopt(c->curl, CURLOPT_UNIX_SOCKET_PATH, c->socket);
    curl_easy_setopt(c->curl, CURLOPT_URL, url);
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c);
    curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, c->timeout_s);
    cc = curl_easy_perform(c->curl);
    curl_slist_free_all(headers);
    /* The body may hold a password; the token is in c alone. */
    sodium_memzero(body, strlen(body));
    free(body);
    if (cc != CURLE_OK) {
        snprintf(err, err_size, "cannot reach the store service at %s: %s", c->socket,
                 curl_easy_strerror(cc));
        return STORE_ERR_IO;
    }
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
    rc = parse_answer(c, status, result, err, err_size);
    if (c->body)
        sodium_memzero(c->body, c->len);
    return rc;
}

static json_t *read_json(const struct store_read *r)
{
    json_t *o =
        json_pack("{s:s,s:f,s:I,s:s,s:s,s:s,s:b,s:i,s:[]}", "plate", r->plate, "confidence",
                  r->confidence, "time", (json_int_t)r->time, "unit", r->unit_id, "camera",
                  r->camera_id, "agency", r->source_agency, "non_governmental", r->non_governmental,
                  "frames_agreeing", r->frames_agreeing > 0 ? r->frames_agreeing : 1, "candidates");
    json_t *cands = json_object_get(o, "candidates");
    for (size_t i = 0; o && i < r->n_candidates; i++) {
        json_t *c = json_pack("{s:s,s:f}", "plate", r->candidates[i].text, "confidence",
                              r->candidates[i].confidence);
        if (!c || json_array_append_new(cands, c) != 0)
            goto fail;
    }
    if (o && r->has_gps &&
        (json_object_set_new(o, "lat", json_real(r->lat)) != 0 ||
         json_object_set_new(o, "lon", json_real(r->lon)) != 0))
        goto fail;
    if (o && r->png && r->png_len) {
        size_t n = sodium_base64_encoded_len(r->png_len, sodium_base64_VARIANT_ORIGINAL);
        char *text = malloc(n);
        if (!text)
            goto fail;
        sodium_bin2base64(text, n, r->png, r->png_len, sodium_base64_VARIANT_ORIGINAL);
        int bad = json_object_set_new(o, "png", json_stringn(text, n - 1)) != 0;
        free(text);
        if (bad)
            goto fail;
    }
    return o;
fail:
    json_decref(o);
    return NULL;
}

int store_client_ingest(struct store_client *c, const struct store_read *reads, size_t n,
                        int64_t *ids, json_t **alerts, size_t *n_alerts, char *err, size_t err_size)
{
    json_t *list = json_array(), *params = json_pack("{s:o}", "reads", list), *res = NULL;
    int rc = params ? 0 : STORE_ERR_NOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        json_t *o =
            reads[i].plate && reads[i].unit_id && reads[i].camera_id && reads[i].source_agency
                ? read_json(&reads[i])
                : NULL;
        if (!o || json_array_append_new(list, o) != 0)
            rc = o ? STORE_ERR_NOMEM : STORE_ERR_INVALID;
    }
    if (rc != 0) {
        snprintf(err, err_size, "cannot encode read: %s",
                 rc == STORE_ERR_NOMEM ? "out of memory" : "no plate, unit, camera or agency");
        json_decref(params);
        return rc;
    }
    rc = store_client_call(c, "ingest", params, &res, err, err_size);
    json_decref(params);
    if (rc != 0)
        return rc;
    json_t *got = json_object_get(res, "ids");
    if (json_array_size(got) != n) {
        snprintf(err, err_size, "the service answered %zu ids for %zu reads", json_array_size(got),
                 n);
        json_decref(res);
        return STORE_ERR_IO;
    }
    for (size_t i = 0; ids && i < n; i++)
        ids[i] = json_integer_value(json_array_get(got, i));
    if (n_alerts)
        *n_alerts = (size_t)json_integer_value(json_object_get(res, "alerts_raised"));
    if (alerts)
        *alerts = json_incref(json_object_get(res, "alerts"));
    json_decref(res);
    return 0;
}

static void answer_text(json_t *alert, const char *key, char *out, size_t size)
{
    const char *v = json_string_value(json_object_get(alert, key));
    snprintf(out, size, "%s", v ? v : "");
}

/*
 * One alert object of the ingest answer into *a. A field the answer lacks (a service of
 * another version) stays zero or empty, but the read's id and time, which the alert shares: an
 * alert is never dropped nor the read sent again for its sake.
 */
static void alert_from_json(json_t *o, const struct store_read *read, int64_t read_id,
                            struct store_alert *a)
{
    memset(a, 0, sizeof *a);
    a->id = json_integer_value(json_object_get(o, "id"));
    a->read_id = json_is_integer(json_object_get(o, "read_id"))
                     ? json_integer_value(json_object_get(o, "read_id"))
                     : read_id;
    a->entry_id = json_integer_value(json_object_get(o, "entry_id"));
    a->hotlist_id = json_integer_value(json_object_get(o, "hotlist_id"));
    if (!json_is_string(json_object_get(o, "read_time")) ||
        store_time_parse(json_string_value(json_object_get(o, "read_time")), &a->read_time) != 0)
        a->read_time = read->time;
    answer_text(o, "kind", a->kind, sizeof a->kind);
    answer_text(o, "entry_plate", a->entry_plate, sizeof a->entry_plate);
    answer_text(o, "read_plate", a->read_plate, sizeof a->read_plate);
    answer_text(o, "reason", a->reason, sizeof a->reason);
    answer_text(o, "incident", a->incident, sizeof a->incident);
    answer_text(o, "state", a->state, sizeof a->state);
}

int store_client_ingest_read(struct store_client *c, const struct store_read *read,
                             int64_t *read_id, struct store_alert **alerts, size_t *n_alerts,
                             char *err, size_t err_size)
{
    json_t *list = NULL;
    struct store_alert *out = NULL;
    int64_t id = 0;
    size_t n;
    int rc = store_client_ingest(c, read, 1, &id, &list, NULL, err, err_size);
    if (rc != 0)
        return rc;
    n = json_array_size(list);
    err[0] = '\0';
    if (n > 0 && !(out = calloc(n, sizeof *out))) {
        /* The read is stored (sending it again would store it twice): say so, and say what
         * could not be listed. */
        snprintf(err, err_size,
                 "out of memory: the %zu alerts of read %lld are not listed here "
                 "(they are in the store)",
                 n, (long long)id);
        n = 0;
    }
    for (size_t i = 0; i < n; i++)
        alert_from_json(json_array_get(list, i), read, id, &out[i]);
    json_decref(list);
    *read_id = id;
    *alerts = out;
    *n_alerts = n;
    return 0;
}
