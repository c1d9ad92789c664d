/* api_auth: log-on, log-off and members, as service calls (store_api.h, docs/STORE-API.md). */
#include "store_api_priv.h"
#include "store_auth.h"
#include "store_members.h"
#include "store_reserve.h"

#include <sodium.h>
#include <string.h>

static int role_param(struct api_req *r, const char *key, enum store_role *out)
{
    const char *name = NULL;
    int rc = api_str(r, key, 1, &name);
    if (rc != 0)
        return rc;
    if (store_role_parse(name, out) != 0)
        return api_fail(r, STORE_ERR_INVALID,
                        "parameter '%s': operator, investigator, administrator, auditor or"
                        " records",
                        key);
    return 0;
}

/* The disk watch's counters (store_reserve.h): sizes and counts, nothing stored. */
static json_t *disk_json(const struct store_reserve *res)
{
    struct store_reserve_health h;
    store_reserve_health(res, &h);
    return json_pack("{s:s,s:f,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:s}", "level",
                     store_disk_level_name(h.level), "free_pct", h.free_pct, "total_bytes",
                     (json_int_t)h.total_bytes, "avail_bytes", (json_int_t)h.avail_bytes,
                     "db_free_bytes", (json_int_t)h.db_free_bytes, "reserve_bytes",
                     (json_int_t)h.reserve_bytes, "reserve_wanted", (json_int_t)h.reserve_wanted,
                     "ingest_bytes_per_day", (json_int_t)h.ingest_bytes_per_day, "headroom_days",
                     (json_int_t)h.headroom_days, "alarms", (json_int_t)h.alarms, "reserve_used",
                     (json_int_t)h.reserve_used, "early_purges", (json_int_t)h.early_purges,
                     "early_purged_reads", (json_int_t)h.early_purged_reads, "full_errors",
                     (json_int_t)h.full_errors, "purge_failures", (json_int_t)h.purge_failures,
                     "last_error", h.last_error);
}

static int call_status(struct api_req *r, json_t **result)
{
    *result =
        json_pack("{s:I,s:I}", "uid", (json_int_t)r->peer->uid, "now", (json_int_t)store_now(r->s));
    if (*result && r->conf->reserve &&
        json_object_set_new(*result, "disk", disk_json(r->conf->reserve)) != 0) {
        json_decref(*result);
        *result = NULL;
    }
    return *result ? 0 : STORE_ERR_NOMEM;
}

static int call_login(struct api_req *r, json_t **result)
{
    const char *name = NULL, *password = NULL;
    struct store_session sess;
    char token[STORE_TOKEN_HEX];
    int rc;
    if ((rc = api_str(r, "member", 1, &name)) != 0 || (rc = api_str(r, "password", 1, &password)))
        return rc;
    if ((rc = store_login(r->s, name, password, &sess, token)) != 0)
        return rc;
    *result = json_pack("{s:s,s:s,s:s}", "token", token, "member", sess.member, "role",
                        store_role_name(sess.role));
    sodium_memzero(token, sizeof token);
    return *result ? 0 : STORE_ERR_NOMEM;
}

static int call_logout(struct api_req *r, json_t **result)
{
    (void)result;
    return store_logout(r->s, &r->sess);
}

static int call_whoami(struct api_req *r, json_t **result)
{
    *result = json_pack("{s:s,s:s,s:I}", "member", r->sess.member, "role",
                        store_role_name(r->sess.role), "uid", (json_int_t)r->peer->uid);
    return *result ? 0 : STORE_ERR_NOMEM;
}

static int call_init(struct api_req *r, json_t **result)
{
    const char *name = NULL, *password = NULL;
    int64_t training = 0, os_uid = r->peer->uid, id;
    int rc;
    if ((rc = api_str(r, "member", 1, &name)) != 0 ||
        (rc = api_str(r, "password", 1, &password)) != 0 ||
        (rc = api_time(r, "training", 1, &training)) != 0 ||
        (rc = api_int(r, "os_uid", 0, 0, INT32_MAX, &os_uid)) != 0)
        return rc;
    if ((rc = store_member_init_uid(r->s, name, password, training, os_uid, &id)) != 0)
        return rc;
    *result = json_pack("{s:I}", "id", (json_int_t)id);
    return *result ? 0 : STORE_ERR_NOMEM;
}

static int call_add(struct api_req *r, json_t **result)
{
    const char *name = NULL, *password = NULL;
    enum store_role role;
    int64_t training = 0, os_uid = 0, id;
    int rc;
    if ((rc = api_str(r, "member", 1, &name)) != 0 || (rc = role_param(r, "role", &role)) != 0 ||
        (rc = api_str(r, "password", 1, &password)) != 0 ||
        (rc = api_time(r, "training", 0, &training)) != 0 ||
        (rc = api_int(r, "os_uid", 1, 0, INT32_MAX, &os_uid)) != 0)
        return rc;
    if ((rc = store_member_add_uid(r->s, &r->sess, name, role, password, training, os_uid, &id)))
        return rc;
    /* A new administrator or records account always waits: its creator is its grantor. */
    *result = json_pack("{s:I,s:b}", "id", (json_int_t)id, "pending",
                        role == STORE_ROLE_ADMINISTRATOR || role == STORE_ROLE_RECORDS);
    return *result ? 0 : STORE_ERR_NOMEM;
}

static int call_role(struct api_req *r, json_t **result)
{
    const char *name = NULL;
    enum store_role role;
    int rc;
    int pending = 0;
    if ((rc = api_str(r, "member", 1, &name)) != 0 || (rc = role_param(r, "role", &role)) != 0 ||
        (rc = store_member_grant(r->s, &r->sess, name, role, &pending)) != 0)
        return rc;
    *result = json_pack("{s:b}", "pending", pending);
    return *result ? 0 : STORE_ERR_NOMEM;
}

static int call_confirm(struct api_req *r, json_t **result)
{
    const char *name = NULL;
    int rc;
    (void)result;
    if ((rc = api_str(r, "member", 1, &name)) != 0)
        return rc;
    rc = store_member_confirm(r->s, &r->sess, name);
    if (rc == STORE_ERR_DENIED)
        return api_fail(r, rc,
                        "a grant is confirmed by an administrator who neither made it nor created"
                        " the account");
    if (rc == STORE_ERR_STATE)
        return api_fail(r, rc, "no role grant awaits confirmation for '%s'", name);
    return rc;
}

static int call_grant_wait(struct api_req *r, json_t **result)
{
    int64_t days = 0;
    int rc;
    if ((rc = api_int(r, "days", 0, 1, STORE_GRANT_WAIT_MAX_DAYS, &days)) != 0)
        return rc;
    if (days && (rc = store_set_grant_wait_days(r->s, &r->sess, (int)days)) != 0)
        return rc;
    *result = json_pack("{s:i}", "days", store_grant_wait_days(r->s));
    return *result ? 0 : STORE_ERR_NOMEM;
}

static int call_training(struct api_req *r, json_t **result)
{
    const char *name = NULL;
    int64_t training = 0;
    int rc;
    (void)result;
    if ((rc = api_str(r, "member", 1, &name)) != 0 ||
        (rc = api_time(r, "training", 0, &training)) != 0)
        return rc;
    return store_member_set_training(r->s, &r->sess, name, training);
}

static int call_disable(struct api_req *r, json_t **result)
{
    const char *name = NULL;
    int disabled = 1, rc;
    (void)result;
    if ((rc = api_str(r, "member", 1, &name)) != 0 || (rc = api_bool(r, "disabled", &disabled)))
        return rc;
    return store_member_set_disabled(r->s, &r->sess, name, disabled);
}

static int call_unlock(struct api_req *r, json_t **result)
{
    const char *name = NULL;
    int rc;
    (void)result;
    if ((rc = api_str(r, "member", 1, &name)) != 0)
        return rc;
    return store_member_unlock(r->s, &r->sess, name);
}

static int call_bind(struct api_req *r, json_t **result)
{
    const char *name = NULL;
    int64_t os_uid = 0;
    int rc;
    (void)result;
    if ((rc = api_str(r, "member", 1, &name)) != 0 ||
        (rc = api_int(r, "os_uid", 1, 0, INT32_MAX, &os_uid)) != 0)
        return rc;
    return store_member_set_os_uid(r->s, &r->sess, name, os_uid);
}

static int call_passwd(struct api_req *r, json_t **result)
{
    const char *name = r->sess.member, *old = NULL, *new_password = NULL;
    int rc;
    (void)result;
    if ((rc = api_str(r, "member", 0, &name)) != 0 || (rc = api_str(r, "password", 0, &old)) ||
        (rc = api_str(r, "new_password", 1, &new_password)) != 0)
        return rc;
    if (!name)
        name = r->sess.member;
    return store_password_change(r->s, &r->sess, name, old, new_password);
}

static int call_list(struct api_req *r, json_t **result)
{
    struct store_member_list *l = NULL;
    int64_t now = store_now(r->s);
    int rc = store_member_list(r->s, &r->sess, &l);
    if (rc != 0)
        return rc;
    json_t *rows = json_array();
    for (size_t i = 0; rows && i < l->n; i++) {
        const struct store_member *m = &l->items[i];
        json_t *o = json_pack(
            "{s:I,s:s,s:s,s:o,s:b,s:i,s:b,s:o,s:o,s:s}", "id", (json_int_t)m->id, "name", m->name,
            "role", store_role_name(m->role), "training", api_time_json(m->training), "locked",
            m->locked_until > now, "failed_logons", m->failed, "disabled", m->disabled, "os_uid",
            m->os_uid >= 0 ? json_integer(m->os_uid) : json_null(), "pending_role",
            m->pending_role[0] ? json_string(m->pending_role) : json_null(), "created_by",
            m->created_by);
        if (!o || json_array_append_new(rows, o) != 0) {
            json_decref(rows);
            rows = NULL;
        }
    }
    store_member_list_free(l);
    *result = rows;
    return rows ? 0 : STORE_ERR_NOMEM;
}

const struct api_call api_auth_calls[] = {
    {"status", call_status, API_ANY},
    {"login", call_login, API_OPEN},
    {"logout", call_logout, API_SESSION},
    {"whoami", call_whoami, API_SESSION},
    {"user.init", call_init, API_BOOTSTRAP},
    {"user.add", call_add, API_SESSION},
    {"user.role", call_role, API_SESSION},
    {"user.confirm", call_confirm, API_SESSION},
    {"user.grant_wait", call_grant_wait, API_SESSION},
    {"user.training", call_training, API_SESSION},
    {"user.disable", call_disable, API_SESSION},
    {"user.unlock", call_unlock, API_SESSION},
    {"user.bind", call_bind, API_SESSION},
    {"user.passwd", call_passwd, API_SESSION},
    {"user.list", call_list, API_SESSION},
    {NULL, NULL, 0},
};
