/* store_audit: verifying and listing the audit log (see store_audit.h; store_policy.c appends). */
#include "store_audit.h"
#include "store_policy.h"
#include "store_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

/* The walk itself; fills res and returns 0 or STORE_ERR_TAMPER (or an I/O error). */
static int verify_chain(struct store *s, struct store_audit_verify_result *res)
{
    sqlite3_stmt *st;
    char prev[65], hash[65];
    int64_t expect = 1, head_id = -1, ts, prev_ts = 0;
    int rc;

    memset(res, 0, sizeof *res);
    memset(prev, '0', 64);
    prev[64] = '\0';
    rc = sqlite3_prepare_v2(s->db,
                            "SELECT id, ts, member, event, params, outcome, prev_hash, hash"
                            " FROM audit ORDER BY id",
                            -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        res->entries++;
        if (id != expect) {
            res->bad_id = id;
            snprintf(res->problem, sizeof res->problem,
                     "entry %lld follows %lld: entries missing or inserted", (long long)id,
                     (long long)(expect - 1));
            break;
        }
        if (strcmp(col(st, 6), prev) != 0) {
            res->bad_id = id;
            snprintf(res->problem, sizeof res->problem,
                     "entry %lld does not chain to entry %lld (deleted, reordered or edited)",
                     (long long)id, (long long)(id - 1));
            break;
        }
        ts = sqlite3_column_int64(st, 1);
        store_policy_entry_hash(prev, id, ts, col(st, 2), col(st, 3), col(st, 4), col(st, 5), hash);
        if (strcmp(hash, col(st, 7)) != 0) {
            res->bad_id = id;
            snprintf(res->problem, sizeof res->problem,
                     "entry %lld was altered (its hash does not match its content)", (long long)id);
            break;
        }
        /* The store never writes an entry dated before the one it follows (store_policy.h):
         * an intact chain that goes back in time was written with the clock set back. */
        if (id > 1 && ts < prev_ts) {
            res->bad_id = id;
            snprintf(res->problem, sizeof res->problem,
                     "entry %lld is dated %lld, before entry %lld (%lld): written with the clock"
                     " set back",
                     (long long)id, (long long)ts, (long long)(id - 1), (long long)prev_ts);
            break;
        }
        memcpy(prev, hash, sizeof prev);
        prev_ts = ts;
        expect++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_priv_err(rc);
    if (res->bad_id)
        return STORE_ERR_TAMPER;
    rc = sqlite3_prepare_v2(s->db, "SELECT last_id, hash FROM audit_head", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    if (sqlite3_step(st) == SQLITE_ROW) {
        head_id = sqlite3_column_int64(st, 0);
        if (head_id != expect - 1 || strcmp(col(st, 1), prev) != 0) {
            res->bad_id = expect;
            snprintf(res->problem, sizeof res->problem,
                     "log ends at entry %lld but its head records entry %lld: tail deleted or"
                     " head altered",
                     (long long)(expect - 1), (long long)head_id);
        }
    } else {
        res->bad_id = 1;
        snprintf(res->problem, sizeof res->problem, "audit head missing");
    }
    sqlite3_finalize(st);
    memcpy(res->head_hash, prev, sizeof res->head_hash);
    return res->bad_id ? STORE_ERR_TAMPER : 0;
}

int store_audit_verify(struct store *s, const struct store_session *sess,
                       struct store_audit_verify_result *res)
{
    struct store_json j;
    char who[STORE_NAME_MAX + 8], outcome[200];
    int rc, arc;
    store_json_init(&j);
    rc = store_priv_authorize(s, sess, STORE_ROLE_AUDITOR | STORE_ROLE_ADMINISTRATOR,
                              "audit.verify", store_json_end(&j));
    if (rc != 0)
        return rc;
    rc = verify_chain(s, res);
    store_json_init(&j);
    store_json_int(&j, "entries", res->entries);
    store_json_int(&j, "bad_id", res->bad_id);
    if (rc == 0)
        snprintf(outcome, sizeof outcome, "ok");
    else
        snprintf(outcome, sizeof outcome, "failed: %s",
                 rc == STORE_ERR_TAMPER ? res->problem : store_strerror(rc));
    /* A broken chain is recorded too; appending to it does not hide the break. */
    arc = store_priv_audit_now(s, store_priv_who(s, sess, who, sizeof who), "audit.verify",
                               store_json_end(&j), outcome);
    return rc != 0 ? rc : arc;
}

int store_audit_list(struct store *s, const struct store_session *sess, int64_t from, int64_t to,
                     const char *member, const char *event_prefix, size_t limit,
                     struct store_audit_list **out)
{
    struct store_json j;
    struct store_audit_list *list = NULL;
    sqlite3_stmt *st = NULL;
    char who[STORE_NAME_MAX + 8];
    size_t cap = 0;
    int rc;

    store_json_init(&j);
    store_json_int(&j, "from", from);
    store_json_int(&j, "to", to);
    store_json_str(&j, "member", member);
    store_json_str(&j, "event", event_prefix);
    rc = store_priv_authorize(s, sess, STORE_ROLE_AUDITOR | STORE_ROLE_ADMINISTRATOR, "audit.list",
                              store_json_end(&j));
    if (rc != 0)
        return rc;
    if (limit == 0)
        limit = 1000;
    list = calloc(1, sizeof *list);
    if (!list)
        return STORE_ERR_NOMEM;
    rc = sqlite3_prepare_v2(s->db,
                            "SELECT id, ts, member, event, params, outcome FROM ("
                            " SELECT * FROM audit WHERE (?1 = 0 OR ts >= ?1)"
                            " AND (?2 = 0 OR ts < ?2) AND (?3 IS NULL OR member = ?3)"
                            " AND (?4 IS NULL OR substr(event, 1, length(?4)) = ?4)"
                            " ORDER BY id DESC LIMIT ?5) ORDER BY id",
                            -1, &st, NULL);
    if (rc != SQLITE_OK) {
        rc = store_priv_err(rc);
        goto fail;
    }
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    store_priv_bind_text(st, 3, member);
    store_priv_bind_text(st, 4, event_prefix);
    sqlite3_bind_int64(st, 5, (int64_t)limit);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_audit_entry *e;
        void *room = store_priv_room(list->items, list->n, &cap, sizeof *list->items);
        if (!room) {
            rc = STORE_ERR_NOMEM;
            goto fail;
        }
        list->items = room;
        e = &list->items[list->n];
        memset(e, 0, sizeof *e);
        e->id = sqlite3_column_int64(st, 0);
        e->ts = sqlite3_column_int64(st, 1);
        store_priv_col_text(st, 2, e->member, sizeof e->member);
        store_priv_col_text(st, 3, e->event, sizeof e->event);
        e->params = strdup(col(st, 4));
        store_priv_col_text(st, 5, e->outcome, sizeof e->outcome);
        list->n++;
        if (!e->params) {
            rc = STORE_ERR_NOMEM;
            goto fail;
        }
    }
    if (rc != SQLITE_DONE) {
        rc = store_priv_err(rc);
        goto fail;
    }
    sqlite3_finalize(st);
    st = NULL;
    store_json_init(&j);
    store_json_int(&j, "from", from);
    store_json_int(&j, "to", to);
    store_json_str(&j, "member", member);
    store_json_str(&j, "event", event_prefix);
    store_json_int(&j, "entries", (int64_t)list->n);
    rc = store_priv_audit_now(s, store_priv_who(s, sess, who, sizeof who), "audit.list",
                              store_json_end(&j), "ok");
    if (rc != 0)
        goto fail;
    *out = list;
    return 0;
fail:
    sqlite3_finalize(st);
    store_audit_list_free(list);
    return rc;
}

void store_audit_list_free(struct store_audit_list *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->n; i++)
        free(list->items[i].params);
    free(list->items);
    free(list);
}

int store_audit_contains(struct store *s, const struct store_session *sess, const char *hash)
{
    struct store_json j;
    sqlite3_stmt *st;
    int rc, found;
    store_json_init(&j);
    store_json_str(&j, "hash", hash);
    store_json_end(&j);
    rc = store_priv_authorize(s, sess, STORE_ROLE_AUDITOR | STORE_ROLE_ADMINISTRATOR,
                              "audit.anchor", j.buf);
    if (rc != 0)
        return rc;
    if (!hash || strlen(hash) != 64)
        return STORE_ERR_INVALID;
    rc = sqlite3_prepare_v2(s->db, "SELECT 1 FROM audit WHERE hash = ?", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    found = rc == SQLITE_ROW;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_priv_err(rc);
    rc = store_priv_audit_now(s, sess->member, "audit.anchor", j.buf,
                              found ? "ok" : "failed: recorded head not in chain");
    return rc != 0 ? rc : found;
}
