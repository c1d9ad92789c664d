/*
 * store_api_priv: what the call handlers (host/api_*.c) share with the dispatcher
 * (host/store_api.c). Not for clients.
 *
 * A handler reads its parameters with the api_* readers below (which name the parameter at
 * fault in r->msg), calls the store with r->sess and builds its result with jansson. It returns
 * 0 with *result set, or a STORE_ERR_* (the store's own error, already audited by the store).
 */
#ifndef STORE_API_PRIV_H
#define STORE_API_PRIV_H

#include "store_api.h"

#include <jansson.h>

struct api_req {
    struct store *s;
    const struct store_api_conf *conf;
    const struct store_api_peer *peer;
    struct store_session sess; /* the caller's session (API_SESSION calls) */
    json_t *params;            /* the parameter object (never NULL) */
    char msg[256];             /* the error's detail, when there is more to say */
};

typedef int (*api_fn)(struct api_req *r, json_t **result);

enum api_access {
    API_SESSION = 1,   /* a session opened from the caller's uid */
    API_OPEN = 2,      /* anybody who can reach the members' socket (log-on) */
    API_BOOTSTRAP = 4, /* uid 0 or the service's account */
    API_INGEST = 8,    /* the ingest accounts only */
    API_ANY = 16,      /* anybody on either socket (status: reveals nothing) */
};

struct api_call {
    const char *name;
    api_fn fn;
    enum api_access access;
};

/* Each area's calls, each list ending with {NULL}. */
extern const struct api_call api_auth_calls[];
extern const struct api_call api_ingest_calls[];
extern const struct api_call api_reads_calls[];
extern const struct api_call api_hotlist_calls[];
extern const struct api_call api_retention_calls[];
extern const struct api_call api_export_calls[];
extern const struct api_call api_audit_calls[];

/*
 * The access parameters purpose, crime_type, incident, warrant_ref (all optional: an access
 * without them must reach the store, which refuses and records it), and the message for an
 * access the store refused (the justification's reason; rc unchanged otherwise). api_reads.c.
 */
struct store_access;
int api_access_params(struct api_req *r, struct store_access *a)
    __attribute__((warn_unused_result));
int api_explain_denial(struct api_req *r, const struct store_access *a, int rc);

/*
 * Parameter readers. required: a missing (or null) parameter is STORE_ERR_INVALID; else *out
 * keeps its value (strings: NULL). Wrong types or ranges are STORE_ERR_INVALID. r->msg names the
 * parameter.
 */
int api_str(struct api_req *r, const char *key, int required, const char **out)
    __attribute__((warn_unused_result));
int api_int(struct api_req *r, const char *key, int required, int64_t min, int64_t max,
            int64_t *out) __attribute__((warn_unused_result));
int api_bool(struct api_req *r, const char *key, int *out) __attribute__((warn_unused_result));
/* A time: a string in a store_time_parse() format, or seconds since the epoch. */
int api_time(struct api_req *r, const char *key, int required, int64_t *out)
    __attribute__((warn_unused_result));
/* Binary data sent base64-encoded (the original alphabet, padded). *out is malloc'ed. */
int api_bytes(struct api_req *r, const char *key, int required, unsigned char **out, size_t *len)
    __attribute__((warn_unused_result));

/* JSON values for results: a time as "YYYY-MM-DDTHH:MM:SSZ" (0: null); bytes as base64. */
json_t *api_time_json(int64_t t);
json_t *api_bytes_json(const void *data, size_t len);

/* Sets r->msg (printf-like) and returns err. */
int api_fail(struct api_req *r, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Adds value to object under key, stealing it; NULL values are an out-of-memory error. */
int api_set(json_t *object, const char *key, json_t *value) __attribute__((warn_unused_result));

#endif
