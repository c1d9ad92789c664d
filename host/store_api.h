/*
 * store_api: the store's calls as JSON, the one interface of the store service (alpr-stored) for
 * every client: the `alpr` CLI, alprd's ingest, and the web console to come. docs/STORE-API.md
 * lists each call, the role it needs, the audit event it writes and its errors.
 *
 * A request is: a call name ("search"), the caller's OS identity as the service's socket reports
 * it (SO_PEERCRED: it cannot be forged by the caller), an optional session token, and a JSON
 * object of parameters. The answer is an HTTP status and a JSON body, either
 *     {"result": ...}
 * or
 *     {"error": {"code": "denied", "status": -4, "message": "..."}}
 * where status is the STORE_ERR_* value (store.h), code its stable name and message names the
 * parameter at fault when there is one.
 *
 * The service listens on two sockets, each a channel:
 *   - the members' channel (group-restricted socket): every call but "ingest";
 *     "login" and "status" need no session; "user.init" (the first administrator) only from uid 0
 *     or the service's own account; every other call needs the token of a session opened from the
 *     same uid;
 *   - the reader's channel (a socket only alprd's account can open): "ingest" and "status" only.
 *     Ingest needs no session and acts as the store's system account; nothing on this channel
 *     returns stored reads, images, hotlists or keys. When ingest_uids is not empty, only those
 *     accounts may ingest, and they are refused on the members' channel.
 */
#ifndef STORE_API_H
#define STORE_API_H

#include "store.h"

#include <stddef.h>
#include <stdint.h>

struct store_reserve;

#define STORE_API_MAX_INGEST_UIDS 8
#define STORE_API_MAX_BODY        (64u << 20) /* a request body; a batch of reads with crops */

struct store_api_conf {
    int64_t service_uid; /* the service's own euid: may bootstrap the first administrator */
    int64_t ingest_uids[STORE_API_MAX_INGEST_UIDS];
    size_t n_ingest_uids;
    /* The service's disk watch (store_reserve.h), shown by "status"; NULL: none (not owned). */
    const struct store_reserve *reserve;
};

/* The caller, from SO_PEERCRED. */
struct store_api_peer {
    int64_t uid, gid, pid;
};

enum store_api_channel { STORE_API_MEMBERS, STORE_API_INGEST };

/*
 * Runs one call on s for peer. token may be NULL; body is the JSON parameter object (NULL or
 * empty: no parameters). Sets *http_status and *response (malloc'ed, NUL-terminated JSON; the
 * caller frees it). Returns 0, or STORE_ERR_NOMEM when not even the error answer could be made.
 */
int store_api_handle(struct store *s, const struct store_api_conf *conf,
                     const struct store_api_peer *peer, enum store_api_channel channel,
                     const char *call, const char *token, const char *body, size_t body_len,
                     int *http_status, char **response) __attribute__((warn_unused_result));

/* The stable name of a STORE_ERR_* ("denied", "expired", ...) and back (STORE_ERR_IO if unknown).
 */
const char *store_api_error_code(int err);
int store_api_error_parse(const char *code);

#endif
