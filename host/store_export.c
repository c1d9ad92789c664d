/* store_export: evidence export, custody, release requests (see store_export.h). */
#define _XOPEN_SOURCE 700 /* nftw */
#include "store_export.h"
#include "store_part.h"
#include "store_priv.h"

#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PATH_MAX_LEN 4096

/* A file being written with its running SHA-256. */
struct hfile {
    FILE *fp;
    crypto_hash_sha256_state h;
    int err;
};

static int hopen(struct hfile *f, const char *path)
{
    f->fp = fopen(path, "wbx");
    f->err = f->fp == NULL;
    crypto_hash_sha256_init(&f->h);
    return f->err ? STORE_ERR_IO : 0;
}

static void hwrite(struct hfile *f, const void *p, size_t n)
{
    if (f->err)
        return;
    if (fwrite(p, 1, n, f->fp) != n)
        f->err = 1;
    crypto_hash_sha256_update(&f->h, p, n);
}

static void hprintf(struct hfile *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void hprintf(struct hfile *f, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof buf) {
        f->err = 1;
        return;
    }
    hwrite(f, buf, (size_t)n);
}

static void hcsv(struct hfile *f, const char *s, int last)
{
    if (strpbrk(s, ",\"\r\n")) {
        hwrite(f, "\"", 1);
        for (; *s; s++) {
            if (*s == '"')
                hwrite(f, "\"", 1);
            hwrite(f, s, 1);
        }
        hwrite(f, "\"", 1);
    } else {
        hwrite(f, s, strlen(s));
    }
    hwrite(f, last ? "\n" : ",", 1);
}

/* Closes (fsync'd) and writes the hex digest. Returns 0 or STORE_ERR_IO. */
static int hclose(struct hfile *f, char hex[65])
{
    unsigned char d[crypto_hash_sha256_BYTES];
    int err = f->err;
    if (!f->fp)
        return STORE_ERR_IO;
    if (fflush(f->fp) != 0 || fsync(fileno(f->fp)) != 0)
        err = 1;
    if (fclose(f->fp) != 0)
        err = 1;
    f->fp = NULL;
    crypto_hash_sha256_final(&f->h, d);
    sodium_bin2hex(hex, 65, d, sizeof d);
    return err ? STORE_ERR_IO : 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Removes a half-written export folder: no stray copy of plate data is left behind (R7). */
static void remove_tree(const char *dir)
{
    (void)!nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

struct hold_info {
    char kind[16];
    char reference[STORE_TEXT_MAX + 1];
    int active;
};

static int get_hold(struct store *s, int64_t id, struct hold_info *h)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(
        s->db,
        "SELECT h.kind, h.reference, " STORE_HOLD_ACTIVE_SQL("h") " FROM holds h WHERE h.id = :id",
        -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    store_priv_bind_named_int(st, ":id", id);
    store_priv_bind_named_int(st, ":now", store_now(s));
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        store_priv_col_text(st, 0, h->kind, sizeof h->kind);
        store_priv_col_text(st, 1, h->reference, sizeof h->reference);
        h->active = sqlite3_column_int(st, 2);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? STORE_ERR_NOTFOUND : store_priv_err(rc);
}

/* Writes the bundle and records it; the caller holds the write transaction. */
static int do_export(struct store *s, const struct store_session *sess, int64_t hold_id,
                     int64_t release_id, const char *dir, const char *note,
                     struct store_export_result *res)
{
    char path[PATH_MAX_LEN], hex[65], tbuf[32], who[STORE_NAME_MAX + 8];
    struct hfile csv = {0}, man = {0}, cust = {0};
    struct hold_info hold;
    struct store_json j;
    sqlite3_stmt *st = NULL;
    int rc, ngo_ok;
    int64_t now = store_now(s), export_id;

    memset(res, 0, sizeof *res);
    store_priv_who(s, sess, who, sizeof who);
    /* The reads are sealed under day keys (store_part.h): no keyring, no export. */
    if (!s->keyring)
        return STORE_ERR_STATE;
    if ((rc = get_hold(s, hold_id, &hold)) != 0)
        return rc;
    if (!hold.active)
        return STORE_ERR_STATE;
    ngo_ok = strcmp(hold.kind, "preservation") != 0;
    if (strlen(dir) + 64 > sizeof path)
        return STORE_ERR_INVALID;
    if (mkdir(dir, 0700) != 0)
        return errno == EEXIST ? STORE_ERR_EXISTS : STORE_ERR_IO;
    snprintf(path, sizeof path, "%s/images", dir);
    if (mkdir(path, 0700) != 0) {
        rc = STORE_ERR_IO;
        goto out;
    }
    snprintf(path, sizeof path, "%s/MANIFEST.sha256", dir);
    if (hopen(&man, path) != 0) {
        rc = STORE_ERR_IO;
        goto out;
    }
    snprintf(path, sizeof path, "%s/reads.csv", dir);
    if ((rc = hopen(&csv, path)) != 0)
        goto out;
    hprintf(&csv, "read_id,time,plate,confidence,candidates,unit,camera,lat,lon,source_agency,"
                  "non_governmental,frames_agreeing,image\n");
    rc = sqlite3_prepare_v2(
        s->db,
        "SELECT r.id, r.ts, r.plate, r.confidence, r.candidates, r.unit, r.camera, r.lat, r.lon,"
        " r.agency, r.ngo, r.frames, r.has_img FROM holds h JOIN reads r ON " STORE_HOLD_SCOPE_SQL(
            "h", "r") " WHERE h.id = :id AND (r.ngo = 0 OR :ngo = 1) ORDER BY r.ts, r.id",
        -1, &st, NULL);
    if (rc != SQLITE_OK) {
        rc = store_priv_err(rc);
        goto out;
    }
    store_priv_bind_named_int(st, ":id", hold_id);
    store_priv_bind_named_int(st, ":ngo", ngo_ok);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char num[64], img[64] = "";
        int64_t id = sqlite3_column_int64(st, 0);
        snprintf(num, sizeof num, "%lld", (long long)id);
        hcsv(&csv, num, 0);
        hcsv(&csv, store_time_format(sqlite3_column_int64(st, 1), tbuf, sizeof tbuf), 0);
        hcsv(&csv, (const char *)sqlite3_column_text(st, 2), 0);
        snprintf(num, sizeof num, "%.3f", sqlite3_column_double(st, 3));
        hcsv(&csv, num, 0);
        hcsv(&csv, (const char *)sqlite3_column_text(st, 4), 0);
        hcsv(&csv, (const char *)sqlite3_column_text(st, 5), 0);
        hcsv(&csv, (const char *)sqlite3_column_text(st, 6), 0);
        if (sqlite3_column_type(st, 7) == SQLITE_NULL) {
            hcsv(&csv, "", 0);
            hcsv(&csv, "", 0);
        } else {
            snprintf(num, sizeof num, "%.6f", sqlite3_column_double(st, 7));
            hcsv(&csv, num, 0);
            snprintf(num, sizeof num, "%.6f", sqlite3_column_double(st, 8));
            hcsv(&csv, num, 0);
        }
        hcsv(&csv, (const char *)sqlite3_column_text(st, 9), 0);
        hcsv(&csv, sqlite3_column_int(st, 10) ? "1" : "0", 0);
        snprintf(num, sizeof num, "%d", sqlite3_column_int(st, 11));
        hcsv(&csv, num, 0);
        if (sqlite3_column_int(st, 12)) {
            struct hfile im = {0};
            uint8_t *png = NULL;
            size_t png_len = 0;
            /* The crop lives in the read's day table (or reads_rest): see store_part.h. */
            if ((rc = store_part_image(s, id, sqlite3_column_int64(st, 1), &png, &png_len)) != 0)
                goto out;
            snprintf(img, sizeof img, "images/read-%lld.png", (long long)id);
            snprintf(path, sizeof path, "%s/%s", dir, img);
            if (hopen(&im, path) != 0) {
                free(png);
                rc = STORE_ERR_IO;
                goto out;
            }
            hwrite(&im, png, png_len);
            free(png);
            if (hclose(&im, hex) != 0) {
                rc = STORE_ERR_IO;
                goto out;
            }
            hprintf(&man, "%s  %s\n", hex, img);
            res->images++;
        }
        hcsv(&csv, img, 1);
        res->reads++;
    }
    if (rc != SQLITE_DONE) {
        rc = store_priv_err(rc);
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;
    if ((rc = hclose(&csv, hex)) != 0)
        goto out;
    hprintf(&man, "%s  reads.csv\n", hex);

    /* Record the export first so custody.txt can name its id. */
    rc = sqlite3_prepare_v2(s->db,
                            "INSERT INTO exports(hold_id, release_id, dir, member, at, n_reads,"
                            " manifest_sha256) VALUES(?, ?, ?, ?, ?, ?, '')",
                            -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, hold_id);
        if (release_id)
            sqlite3_bind_int64(st, 2, release_id);
        sqlite3_bind_text(st, 3, dir, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, who, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 5, now);
        sqlite3_bind_int64(st, 6, res->reads);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
        st = NULL;
    }
    if (rc != SQLITE_DONE) {
        rc = store_priv_err(rc);
        goto out;
    }
    export_id = sqlite3_last_insert_rowid(s->db);
    snprintf(path, sizeof path, "%s/custody.txt", dir);
    if ((rc = hopen(&cust, path)) != 0)
        goto out;
    hprintf(&cust, "ALPR evidence export %lld\n", (long long)export_id);
    hprintf(&cust, "Hold: %lld (%s) reference: %s\n", (long long)hold_id, hold.kind,
            hold.reference);
    if (release_id)
        hprintf(&cust, "Release request: %lld\n", (long long)release_id);
    hprintf(&cust, "Reads: %lld, images: %lld\n", (long long)res->reads, (long long)res->images);
    hprintf(&cust, "Chain of custody:\n");
    hprintf(&cust, "  %s  %s  exported  %s\n", store_time_format(now, tbuf, sizeof tbuf), who,
            note ? note : "");
    if ((rc = hclose(&cust, hex)) != 0)
        goto out;
    hprintf(&man, "%s  custody.txt\n", hex);
    if ((rc = hclose(&man, res->manifest_sha256)) != 0)
        goto out;

    rc = sqlite3_prepare_v2(s->db, "UPDATE exports SET manifest_sha256 = ? WHERE id = ?", -1, &st,
                            NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, res->manifest_sha256, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, export_id);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
        st = NULL;
    }
    if (rc == SQLITE_DONE &&
        (rc = sqlite3_prepare_v2(s->db,
                                 "INSERT INTO custody(export_id, at, member, action, note)"
                                 " VALUES(?, ?, ?, 'exported', ?)",
                                 -1, &st, NULL)) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, export_id);
        sqlite3_bind_int64(st, 2, now);
        sqlite3_bind_text(st, 3, who, -1, SQLITE_TRANSIENT);
        store_priv_bind_text(st, 4, note);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
        st = NULL;
    }
    if (rc != SQLITE_DONE) {
        rc = store_priv_err(rc);
        goto out;
    }
    store_json_init(&j);
    store_json_int(&j, "export", export_id);
    store_json_int(&j, "hold", hold_id);
    store_json_int(&j, "release", release_id);
    store_json_str(&j, "dir", dir);
    store_json_int(&j, "reads", res->reads);
    store_json_int(&j, "images", res->images);
    store_json_str(&j, "manifest_sha256", res->manifest_sha256);
    if ((rc = store_priv_audit(s, who, release_id ? "release.fulfil" : "export", store_json_end(&j),
                               "ok")) != 0)
        goto out;
    res->export_id = export_id;
    rc = 0;
out:
    sqlite3_finalize(st);
    if (csv.fp)
        fclose(csv.fp);
    if (man.fp)
        fclose(man.fp);
    if (cust.fp)
        fclose(cust.fp);
    if (rc != 0)
        remove_tree(dir);
    return rc;
}

int store_export_hold(struct store *s, const struct store_session *sess, int64_t hold_id,
                      const char *dir, const char *note, struct store_export_result *res)
{
    struct store_export_result r;
    struct store_json j;
    int rc;
    store_json_init(&j);
    store_json_int(&j, "hold", hold_id);
    store_json_str(&j, "dir", dir);
    store_json_end(&j);
    if ((rc = store_priv_authorize(s, sess, STORE_ROLE_INVESTIGATOR | STORE_ROLE_ADMINISTRATOR,
                                   "export", j.buf)) != 0)
        return rc;
    if (!dir || !*dir || (note && strlen(note) > STORE_TEXT_MAX))
        return STORE_ERR_INVALID;
    if ((rc = store_priv_begin(s)) != 0)
        return rc;
    if ((rc = do_export(s, sess, hold_id, 0, dir, note, &r)) != 0) {
        store_priv_rollback(s);
        (void)!store_priv_audit_now(s, sess->member, "export", j.buf, store_strerror(rc));
        return rc;
    }
    if ((rc = store_priv_commit(s)) != 0)
        return rc;
    *res = r;
    return 0;
}

int store_custody_add(struct store *s, const struct store_session *sess, int64_t export_id,
                      const char *action, const char *note)
{
    struct store_json j;
    sqlite3_stmt *st;
    int rc;
    store_json_init(&j);
    store_json_int(&j, "export", export_id);
    store_json_str(&j, "action", action);
    store_json_str(&j, "note", note);
    store_json_end(&j);
    if ((rc = store_priv_authorize(s, sess, STORE_ROLE_INVESTIGATOR | STORE_ROLE_ADMINISTRATOR,
                                   "custody.add", j.buf)) != 0)
        return rc;
    if (!action || !*action || strlen(action) > STORE_TEXT_MAX ||
        (note && strlen(note) > STORE_TEXT_MAX))
        return STORE_ERR_INVALID;
    if ((rc = store_priv_begin(s)) != 0)
        return rc;
    rc = sqlite3_prepare_v2(s->db,
                            "INSERT INTO custody(export_id, at, member, action, note)"
                            " SELECT id, ?, ?, ?, ? FROM exports WHERE id = ?",
                            -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, store_now(s));
        sqlite3_bind_text(st, 2, sess->member, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, action, -1, SQLITE_TRANSIENT);
        store_priv_bind_text(st, 4, note);
        sqlite3_bind_int64(st, 5, export_id);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
    }
    return store_priv_finish_change(s, rc, sess->member, "custody.add", j.buf);
}

static int text_required(const char *t)
{
    return t && *t && strlen(t) <= STORE_TEXT_MAX;
}

int store_release_request(struct store *s, const struct store_session *sess, const char *agency,
                          const char *requester, const char *purpose, int64_t hold_id,
                          int64_t *request_id)
{
    struct store_json j;
    struct hold_info hold;
    sqlite3_stmt *st;
    int rc;
    int64_t id;
    store_json_init(&j);
    store_json_str(&j, "agency", agency);
    store_json_str(&j, "requester", requester);
    store_json_str(&j, "purpose", purpose);
    store_json_int(&j, "hold", hold_id);
    store_json_end(&j);
    if ((rc = store_priv_authorize(s, sess, STORE_ROLE_INVESTIGATOR | STORE_ROLE_ADMINISTRATOR,
                                   "release.request", j.buf)) != 0)
        return rc;
    if (!text_required(agency) || !text_required(requester) || !text_required(purpose))
        return STORE_ERR_INVALID;
    if ((rc = get_hold(s, hold_id, &hold)) != 0)
        return rc;
    if ((rc = store_priv_begin(s)) != 0)
        return rc;
    rc = sqlite3_prepare_v2(s->db,
                            "INSERT INTO releases(agency, requester, purpose, hold_id, status,"
                            " submitted_by, submitted_at) VALUES(?, ?, ?, ?, 'pending', ?, ?)",
                            -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, agency, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, requester, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, purpose, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 4, hold_id);
        sqlite3_bind_text(st, 5, sess->member, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 6, store_now(s));
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
    }
    if (rc != SQLITE_DONE) {
        rc = store_priv_err(rc);
        goto fail;
    }
    id = sqlite3_last_insert_rowid(s->db);
    if ((rc = store_priv_audit(s, sess->member, "release.request", j.buf, "ok")) != 0)
        goto fail;
    if ((rc = store_priv_commit(s)) != 0)
        return rc;
    *request_id = id;
    return 0;
fail:
    store_priv_rollback(s);
    return rc;
}

/* Reads a request's status and submitter. */
static int get_release(struct store *s, int64_t id, char status[16], char by[64], int64_t *hold_id)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(
        s->db, "SELECT status, submitted_by, hold_id FROM releases WHERE id = ?", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        store_priv_col_text(st, 0, status, 16);
        store_priv_col_text(st, 1, by, 64);
        *hold_id = sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? STORE_ERR_NOTFOUND : store_priv_err(rc);
}

int store_release_review(struct store *s, const struct store_session *sess, int64_t request_id,
                         int approve, const char *note)
{
    struct store_json j;
    sqlite3_stmt *st;
    char status[16], by[64];
    int64_t hold_id;
    int rc;
    store_json_init(&j);
    store_json_int(&j, "request", request_id);
    store_json_str(&j, "decision", approve ? "approved" : "denied");
    store_json_str(&j, "note", note);
    store_json_end(&j);
    if ((rc = store_priv_authorize(s, sess, STORE_ROLE_ADMINISTRATOR, "release.review", j.buf)) !=
        0)
        return rc;
    if (!text_required(note))
        return STORE_ERR_INVALID;
    if ((rc = store_priv_begin(s)) != 0)
        return rc;
    if ((rc = get_release(s, request_id, status, by, &hold_id)) != 0)
        goto fail;
    if (strcmp(status, "pending") != 0) {
        rc = STORE_ERR_STATE;
        goto fail;
    }
    if (strcmp(by, sess->member) == 0) {
        store_priv_rollback(s);
        rc = store_priv_audit_now(s, sess->member, "release.review", j.buf,
                                  "denied: the reviewer entered the request");
        return rc != 0 ? rc : STORE_ERR_DENIED;
    }
    rc = sqlite3_prepare_v2(s->db,
                            "UPDATE releases SET status = ?, reviewed_by = ?, reviewed_at = ?,"
                            " review_note = ? WHERE id = ?",
                            -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, approve ? "approved" : "denied", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, sess->member, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 3, store_now(s));
        sqlite3_bind_text(st, 4, note, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 5, request_id);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
    }
    if (rc != SQLITE_DONE) {
        rc = store_priv_err(rc);
        goto fail;
    }
    if ((rc = store_priv_audit(s, sess->member, "release.review", j.buf, "ok")) != 0)
        goto fail;
    return store_priv_commit(s);
fail:
    store_priv_rollback(s);
    return rc;
}

int store_release_fulfil(struct store *s, const struct store_session *sess, int64_t request_id,
                         const char *dir, struct store_export_result *res)
{
    struct store_export_result r;
    struct store_json j;
    sqlite3_stmt *st;
    char status[16], by[64], outcome[96];
    int64_t hold_id;
    int rc;
    store_json_init(&j);
    store_json_int(&j, "request", request_id);
    store_json_str(&j, "dir", dir);
    store_json_end(&j);
    if ((rc = store_priv_authorize(s, sess, STORE_ROLE_ADMINISTRATOR, "release.fulfil", j.buf)) !=
        0)
        return rc;
    if (!dir || !*dir)
        return STORE_ERR_INVALID;
    if ((rc = store_priv_begin(s)) != 0)
        return rc;
    if ((rc = get_release(s, request_id, status, by, &hold_id)) != 0)
        goto fail;
    if (strcmp(status, "approved") != 0) {
        store_priv_rollback(s);
        snprintf(outcome, sizeof outcome, "denied: request is %s, not approved", status);
        rc = store_priv_audit_now(s, sess->member, "release.fulfil", j.buf, outcome);
        return rc != 0 ? rc : STORE_ERR_STATE;
    }
    if ((rc = do_export(s, sess, hold_id, request_id, dir, "release", &r)) != 0)
        goto fail;
    rc = sqlite3_prepare_v2(s->db,
                            "UPDATE releases SET status = 'fulfilled', export_id = ? WHERE id = ?",
                            -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, r.export_id);
        sqlite3_bind_int64(st, 2, request_id);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
    }
    if (rc != SQLITE_DONE) {
        rc = store_priv_err(rc);
        goto fail;
    }
    if ((rc = store_priv_commit(s)) != 0)
        return rc;
    *res = r;
    return 0;
fail:
    store_priv_rollback(s);
    return rc;
}

int store_release_list(struct store *s, const struct store_session *sess,
                       struct store_release_list **out)
{
    struct store_release_list *list;
    sqlite3_stmt *st;
    size_t cap = 0;
    int rc;
    if ((rc = store_priv_authorize(
             s, sess, STORE_ROLE_INVESTIGATOR | STORE_ROLE_ADMINISTRATOR | STORE_ROLE_AUDITOR,
             "release.list", "{}")) != 0)
        return rc;
    list = calloc(1, sizeof *list);
    if (!list)
        return STORE_ERR_NOMEM;
    rc = sqlite3_prepare_v2(s->db,
                            "SELECT id, agency, requester, purpose, hold_id, status, submitted_by,"
                            " submitted_at, coalesce(reviewed_by, ''), coalesce(reviewed_at, 0),"
                            " coalesce(review_note, ''), coalesce(export_id, 0) FROM releases"
                            " ORDER BY id",
                            -1, &st, NULL);
    if (rc != SQLITE_OK) {
        free(list);
        return store_priv_err(rc);
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_release *r;
        void *room = store_priv_room(list->items, list->n, &cap, sizeof *list->items);
        if (!room) {
            rc = SQLITE_NOMEM;
            break;
        }
        list->items = room;
        r = &list->items[list->n++];
        r->id = sqlite3_column_int64(st, 0);
        store_priv_col_text(st, 1, r->agency, sizeof r->agency);
        store_priv_col_text(st, 2, r->requester, sizeof r->requester);
        store_priv_col_text(st, 3, r->purpose, sizeof r->purpose);
        r->hold_id = sqlite3_column_int64(st, 4);
        store_priv_col_text(st, 5, r->status, sizeof r->status);
        store_priv_col_text(st, 6, r->submitted_by, sizeof r->submitted_by);
        r->submitted_at = sqlite3_column_int64(st, 7);
        store_priv_col_text(st, 8, r->reviewed_by, sizeof r->reviewed_by);
        r->reviewed_at = sqlite3_column_int64(st, 9);
        store_priv_col_text(st, 10, r->review_note, sizeof r->review_note);
        r->export_id = sqlite3_column_int64(st, 11);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        store_release_list_free(list);
        return store_priv_err(rc);
    }
    if ((rc = store_priv_audit_now(s, sess->member, "release.list", "{}", "ok")) != 0) {
        store_release_list_free(list);
        return rc;
    }
    *out = list;
    return 0;
}

void store_release_list_free(struct store_release_list *list)
{
    if (!list)
        return;
    free(list->items);
    free(list);
}
