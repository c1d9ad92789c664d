/*
 * store_client: a client of the store service (alpr-stored) over its Unix socket: HTTP/JSON
 * with libcurl (CURLOPT_UNIX_SOCKET_PATH). Used by the `alpr` CLI and by alprd's ingest; the web
 * console speaks the same protocol (store_api.h, docs/STORE-API.md).
 *
 * The socket: the path given, else $ALPR_SOCKET, else STORE_CLIENT_DEFAULT_SOCKET. A client
 * holds one connection (kept alive between calls) and is used by one thread at a time.
 *
 * This module calls no store function (it uses the store's headers for types and STORE_ERR_*
 * codes only): a program linking it, alprd, does not carry the store or SQLite.
 */
#ifndef STORE_CLIENT_H
#define STORE_CLIENT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define STORE_CLIENT_DEFAULT_SOCKET        "/run/alpr-store/store.sock"
#define STORE_CLIENT_DEFAULT_INGEST_SOCKET "/run/alpr-store/ingest.sock"

struct store_client;

/* The socket path a client of path (NULL: the environment, then the default) uses. */
const char *store_client_socket_path(const char *path);

/* Makes a client of the service at socket (see above). Returns 0 or STORE_ERR_NOMEM. */
int store_client_open(const char *socket, struct store_client **out)
    __attribute__((warn_unused_result));
void store_client_close(struct store_client *c);

/*
 * Gives up on a call after seconds (0: never, the default: a purge or an export may take
 * minutes). A caller that must not hang on a stuck service (alprd's worker) sets one; a call that
 * timed out is STORE_ERR_IO, and whether the service acted on it is unknown.
 */
void store_client_set_timeout(struct store_client *c, long seconds);

/* The session token sent with every later call (64 hex digits; NULL: none). Copied. */
void store_client_set_token(struct store_client *c, const char *token);

/*
 * Test builds of the service take the clock from each request (docs/STORE.md, "Trusted
 * clock"); the value (store_time_parse format) is sent with every later call. The installed
 * service has no test clock and refuses such requests. NULL: none.
 */
void store_client_set_test_now(struct store_client *c, const char *now);

/*
 * Makes call with params (a JSON object, borrowed; NULL: none). Returns 0 and *result (a new
 * reference; JSON null for calls without one), or the service's STORE_ERR_* with its message in
 * err, or STORE_ERR_IO when the service cannot be reached (err says why and where).
 */
int store_client_call(struct store_client *c, const char *call, json_t *params, json_t **result,
                      char *err, size_t err_size) __attribute__((warn_unused_result));

struct store_read;

/*
 * The reader's call: submits n reads (1..5000; one transaction, all or none) from an account the
 * service lists as an ingest account. Returns 0 with ids (may be NULL) holding the n read ids
 * and, when alerts is not NULL, *alerts a JSON list of the alerts raised (listed for a single
 * read; a batch reports only their number in *n_alerts, which may be NULL), or a STORE_ERR_*
 * with err filled as store_client_call does. STORE_ERR_FULL: the service's disk is full and
 * none of these reads was stored.
 */
int store_client_ingest(struct store_client *c, const struct store_read *reads, size_t n,
                        int64_t *ids, json_t **alerts, size_t *n_alerts, char *err, size_t err_size)
    __attribute__((warn_unused_result));

struct store_alert;

/*
 * The reader's call for one read, as alprd's pipeline wants it (roadside.h, struct
 * roadside_sink): returns 0 with *read_id and *alerts, the n_alerts alerts the read raised
 * (NULL when none; malloc'ed: free with store_alerts_free), filled
 * from the service's answer: id, read_id, entry_id, hotlist_id, kind, entry_plate, read_plate,
 * reason, incident, state and read_time (the other fields zero; a field the answer lacks stays
 * zero or empty, but read_id and read_time, the read's own). err is "" then, or a warning when
 * the alerts could not be listed (out of memory: *n_alerts is 0; they are in the store). Or
 * returns a STORE_ERR_* with err filled as store_client_ingest does (STORE_ERR_IO: the service
 * cannot be reached, or its answer was lost or unreadable: the read may or may not be stored).
 */
int store_client_ingest_read(struct store_client *c, const struct store_read *read,
                             int64_t *read_id, struct store_alert **alerts, size_t *n_alerts,
                             char *err, size_t err_size) __attribute__((warn_unused_result));

#endif
