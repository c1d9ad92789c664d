/* store_copies: the copies of reads outside the store (see store_copies.h). */
#include "store_copies.h"
#include "store_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A copy's read count and time range, from its copy_reads. */
static int copy_totals(struct store *s, int64_t copy_id)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db,
                                "UPDATE copies SET (n_reads, t_from, t_to) = (SELECT count(*),"
                                " min(ts), max(ts) FROM copy_reads WHERE copy_id = :id)"
                                " WHERE id = :id",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    store_priv_bind_named_int(st, ":id", copy_id);
    return store_priv_step_once(st);
}

/* The copy of the bundle (R7): registered with every read it holds, for the purge to flag. */
int store_copies_register_export(struct store *s, const char *who, int64_t export_id,
                                 int64_t hold_id, int ngo_ok, const char *destination, int64_t now)
{
    sqlite3_stmt *st;
    int64_t copy_id;
    int rc = sqlite3_prepare_v2(s->db,
                                "INSERT INTO copies(kind, path, member, uid, at, export_id,"
                                " n_reads) VALUES('export', ?, ?, ?, ?, ?, 0)",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    sqlite3_bind_text(st, 1, destination, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, who, -1, SQLITE_TRANSIENT);
    if (s->peer_uid != STORE_PEER_NONE)
        sqlite3_bind_int64(st, 3, s->peer_uid);
    sqlite3_bind_int64(st, 4, now);
    sqlite3_bind_int64(st, 5, export_id);
    if ((rc = store_priv_step_once(st)) != 0)
        return rc;
    copy_id = sqlite3_last_insert_rowid(s->db);
    /* The same selection as export_reads, in the same transaction: the same reads. */
    rc = sqlite3_prepare_v2(
        s->db,
        "INSERT INTO copy_reads(copy_id, read_id, ts) SELECT :copy, r.id, r.ts FROM holds h"
        " JOIN reads r ON " STORE_HOLD_SCOPE_SQL(
            "h", "r") " WHERE h.id = :id AND (r.ngo = 0 OR :ngo = 1)",
        -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    store_priv_bind_named_int(st, ":copy", copy_id);
    store_priv_bind_named_int(st, ":id", hold_id);
    store_priv_bind_named_int(st, ":ngo", ngo_ok);
    if ((rc = store_priv_step_once(st)) != 0)
        return rc;
    return copy_totals(s, copy_id);
}

static int copy_path_ok(const char *path)
{
    return path && path[0] == '/' &&
           strnlen(path, STORE_EXPORT_DESTINATION_MAX + 1) <= STORE_EXPORT_DESTINATION_MAX &&
           store_priv_valid_text(path, STORE_EXPORT_DESTINATION_MAX);
}

/* Inserts the crop's copy and its one read (inside the caller's transaction). */
static int insert_crop(struct store *s, const char *who, int64_t read_id, const char *path,
                       int64_t *copy_id)
{
    sqlite3_stmt *st;
    int64_t id;
    int rc = sqlite3_prepare_v2(s->db,
                                "INSERT INTO copies(kind, path, member, uid, at, n_reads)"
                                " VALUES('crop', ?, ?, ?, ?, 0)",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    sqlite3_bind_text(st, 1, path, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, who, -1, SQLITE_TRANSIENT);
    if (s->peer_uid != STORE_PEER_NONE)
        sqlite3_bind_int64(st, 3, s->peer_uid);
    sqlite3_bind_int64(st, 4, store_now(s));
    if ((rc = store_priv_step_once(st)) != 0)
        return rc;
    id = sqlite3_last_insert_rowid(s->db);
    rc = sqlite3_prepare_v2(s->db,
                            "INSERT INTO copy_reads(copy_id, read_id, ts)"
                            " SELECT ?, id, ts FROM reads WHERE id = ?",
                            -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, read_id);
    if ((rc = store_priv_step_once(st)) != 0)
        return rc;
    if (sqlite3_changes(s->db) != 1)
        return STORE_ERR_NOTFOUND;
    if ((rc = copy_totals(s, id)) != 0)
        return rc;
    *copy_id = id;
    return 0;
}

int store_copy_register(struct store *s, const struct store_session *sess, int64_t read_id,
                        const char *path, int64_t *copy_id)
{
    struct store_json j;
    char who[STORE_NAME_MAX + 8];
    int64_t id = 0;
    int rc;
    store_json_init(&j);
    store_json_str(&j, "kind", "crop");
    store_json_int(&j, "read", read_id);
    store_json_str(&j, "path", path);
    store_json_end(&j);
    if ((rc = store_priv_authorize(s, sess, STORE_ROLE_INVESTIGATOR | STORE_ROLE_ADMINISTRATOR,
                                   "copy.register", j.buf)) != 0)
        return rc;
    if (!copy_path_ok(path))
        return STORE_ERR_INVALID;
    store_priv_who(s, sess, who, sizeof who);
    if ((rc = store_priv_begin(s)) != 0)
        return rc;
    if ((rc = insert_crop(s, who, read_id, path, &id)) != 0 ||
        (rc = store_priv_audit(s, who, "copy.register", j.buf, "ok")) != 0 ||
        (rc = store_priv_commit(s)) != 0) {
        store_priv_rollback(s);
        return rc;
    }
    *copy_id = id;
    return 0;
}

static void fill_copy(sqlite3_stmt *st, struct store_copy *c)
{
    c->id = sqlite3_column_int64(st, 0);
    store_priv_col_text(st, 1, c->kind, sizeof c->kind);
    store_priv_col_text(st, 2, c->path, sizeof c->path);
    store_priv_col_text(st, 3, c->member, sizeof c->member);
    c->uid = sqlite3_column_type(st, 4) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 4);
    c->at = sqlite3_column_int64(st, 5);
    c->export_id = sqlite3_column_int64(st, 6);
    c->reads = sqlite3_column_int64(st, 7);
    c->from = sqlite3_column_int64(st, 8);
    c->to = sqlite3_column_int64(st, 9);
    c->flagged_at = sqlite3_column_int64(st, 10);
    store_priv_col_text(st, 11, c->flag_reason, sizeof c->flag_reason);
    c->deleted_at = sqlite3_column_int64(st, 12);
    store_priv_col_text(st, 13, c->deleted_by, sizeof c->deleted_by);
}

int store_copy_list(struct store *s, const struct store_session *sess, int flagged_only,
                    struct store_copy_list **out)
{
    struct store_copy_list *list;
    struct store_json j;
    sqlite3_stmt *st;
    size_t cap = 0;
    int rc;
    store_json_init(&j);
    store_json_int(&j, "flagged_only", flagged_only != 0);
    store_json_end(&j);
    if ((rc = store_priv_authorize(
             s, sess, STORE_ROLE_INVESTIGATOR | STORE_ROLE_ADMINISTRATOR | STORE_ROLE_AUDITOR,
             "copy.list", j.buf)) != 0)
        return rc;
    if (!(list = calloc(1, sizeof *list)))
        return STORE_ERR_NOMEM;
    rc = sqlite3_prepare_v2(
        s->db,
        "SELECT id, kind, path, member, uid, at, coalesce(export_id, 0), n_reads,"
        " coalesce(t_from, 0), coalesce(t_to, 0), coalesce(flagged_at, 0),"
        " coalesce(flag_reason, ''), coalesce(deleted_at, 0), coalesce(deleted_by, '')"
        " FROM copies WHERE (:all = 1 OR member = :me) AND (:flagged = 0 OR"
        " (flagged_at IS NOT NULL AND deleted_at IS NULL)) ORDER BY id",
        -1, &st, NULL);
    if (rc != SQLITE_OK) {
        free(list);
        return store_priv_err(rc);
    }
    store_priv_bind_named_int(st, ":all", sess->role != STORE_ROLE_INVESTIGATOR);
    store_priv_bind_named_text(st, ":me", sess->member);
    store_priv_bind_named_int(st, ":flagged", flagged_only != 0);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        void *room = store_priv_room(list->items, list->n, &cap, sizeof *list->items);
        if (!room) {
            rc = SQLITE_NOMEM;
            break;
        }
        list->items = room;
        fill_copy(st, &list->items[list->n++]);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        store_copy_list_free(list);
        return store_priv_err(rc);
    }
    if ((rc = store_priv_audit_now(s, sess->member, "copy.list", j.buf, "ok")) != 0) {
        store_copy_list_free(list);
        return rc;
    }
    *out = list;
    return 0;
}

void store_copy_list_free(struct store_copy_list *list)
{
    if (!list)
        return;
    free(list->items);
    free(list);
}

int store_copy_deleted(struct store *s, const struct store_session *sess, int64_t copy_id)
{
    struct store_json j;
    sqlite3_stmt *st;
    int rc;
    store_json_init(&j);
    store_json_int(&j, "copy", copy_id);
    store_json_end(&j);
    if ((rc = store_priv_authorize(s, sess, STORE_ROLE_INVESTIGATOR | STORE_ROLE_ADMINISTRATOR,
                                   "copy.deleted", j.buf)) != 0)
        return rc;
    if ((rc = store_priv_begin(s)) != 0)
        return rc;
    rc = sqlite3_prepare_v2(s->db,
                            "UPDATE copies SET deleted_at = ?, deleted_by = ? WHERE id = ? AND"
                            " member = ? AND deleted_at IS NULL",
                            -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, store_now(s));
        sqlite3_bind_text(st, 2, sess->member, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 3, copy_id);
        sqlite3_bind_text(st, 4, sess->member, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
    }
    return store_priv_finish_change(s, rc, sess->member, "copy.deleted", j.buf);
}

int store_copies_flag_purged(struct store *s, int64_t cutoff, int64_t now, int64_t *flagged)
{
    sqlite3_stmt *st;
    /* After the purge a read older than cutoff lives on only in reads_rest (held): every day
     * table that held such reads was dropped (store_retention.c). The partial index keeps this
     * to the unflagged copies of old reads. */
    int rc = sqlite3_prepare_v2(
        s->db,
        "UPDATE copies SET flagged_at = :now, flag_reason = 'reads purged: delete this copy'"
        " WHERE flagged_at IS NULL AND t_from < :cutoff AND EXISTS(SELECT 1 FROM copy_reads c"
        " WHERE c.copy_id = copies.id AND c.ts < :cutoff AND NOT EXISTS(SELECT 1 FROM"
        " reads_rest r WHERE r.id = c.read_id))",
        -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    store_priv_bind_named_int(st, ":now", now);
    store_priv_bind_named_int(st, ":cutoff", cutoff);
    if ((rc = store_priv_step_once(st)) != 0)
        return rc;
    *flagged = sqlite3_changes(s->db);
    return 0;
}
