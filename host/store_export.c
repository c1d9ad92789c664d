/* store_export: evidence export, custody, release requests (see store_export.h). */
#include "store_export.h"
#include "store_copies.h"
#include "store_audit.h"
#include "store_key.h"
#include "store_part.h"
#include "store_priv.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A base64 Ed25519 signature, its newline and NUL. */
#define STORE_SIG_B64 96

/* a, b and c joined into a new string, or NULL when out of memory. */
static char *join3(const char *a, const char *b, const char *c)
{
    size_t na = strlen(a), nb = strlen(b), nc = strlen(c);
    char *p = malloc(na + nb + nc + 1);
    if (p) {
        memcpy(p, a, na);
        memcpy(p + na, b, nb);
        memcpy(p + na + nb, c, nc + 1);
    }
    return p;
}

/* A text file of the bundle, built in memory. */
struct mfile {
    char *data;
    size_t len, cap;
};

/* The bundle being handed to the sink: its size so far, the manifest, the first error. */
struct bundle {
    const struct store_export_sink *sink;
    size_t max, used;
    struct mfile manifest;
    int err;
};

/* Counts n more bytes against the bundle's limit. Returns 0 or STORE_ERR_FULL (sticky). */
static int bundle_take(struct bundle *b, size_t n)
{
    if (b->err == 0 && n > b->max - b->used)
        b->err = STORE_ERR_FULL;
    if (b->err == 0)
        b->used += n;
    return b->err;
}

static void mwrite(struct bundle *b, struct mfile *f, const void *p, size_t n)
{
    if (bundle_take(b, n) != 0)
        return;
    if (f->len + n > f->cap) {
        size_t cap = f->cap ? f->cap : 4096;
        while (cap < f->len + n)
            cap *= 2;
        char *grown = realloc(f->data, cap);
        if (!grown) {
            b->err = STORE_ERR_NOMEM;
            return;
        }
        f->data = grown;
        f->cap = cap;
    }
    memcpy(f->data + f->len, p, n);
    f->len += n;
}

static void mprintf(struct bundle *b, struct mfile *f, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void mprintf(struct bundle *b, struct mfile *f, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof buf) {
        b->err = b->err ? b->err : STORE_ERR_INVALID;
        return;
    }
    mwrite(b, f, buf, (size_t)n);
}

static void mcsv(struct bundle *b, struct mfile *f, const char *s, int last)
{
    if (!s)
        s = "";
    if (strpbrk(s, ",\"\r\n")) {
        mwrite(b, f, "\"", 1);
        for (; *s; s++) {
            if (*s == '"')
                mwrite(b, f, "\"", 1);
            mwrite(b, f, s, 1);
        }
        mwrite(b, f, "\"", 1);
    } else {
        mwrite(b, f, s, strlen(s));
    }
    mwrite(b, f, last ? "\n" : ",", 1);
}

/*
 * Hands one file to the sink and lists it in the manifest. counted: its bytes were already
 * taken from the limit (a text file built here). Returns 0 or the bundle's first error.
 */
static int bundle_put(struct bundle *b, const char *name, const void *data, size_t len, int counted)
{
    char hex[65];
    if (!counted && bundle_take(b, len) != 0)
        return b->err;
    store_priv_sha256_hex(data, len, hex);
    mprintf(b, &b->manifest, "%s  %s\n", hex, name);
    if (b->err == 0)
        b->err = b->sink->put(b->sink->ctx, name, data, len);
    return b->err;
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

/* One row of reads.csv; its crop, if any, goes to the sink. Returns 0 or a STORE_ERR_*. */
static int export_read(struct store *s, struct bundle *b, struct mfile *csv, sqlite3_stmt *st,
                       struct store_export_result *res)
{
    char num[64], img[64] = "", tbuf[32];
    int64_t id = sqlite3_column_int64(st, 0);
    int rc;
    snprintf(num, sizeof num, "%lld", (long long)id);
    mcsv(b, csv, num, 0);
    mcsv(b, csv, store_time_format(sqlite3_column_int64(st, 1), tbuf, sizeof tbuf), 0);
    mcsv(b, csv, (const char *)sqlite3_column_text(st, 2), 0);
    snprintf(num, sizeof num, "%.3f", sqlite3_column_double(st, 3));
    mcsv(b, csv, num, 0);
    mcsv(b, csv, (const char *)sqlite3_column_text(st, 4), 0);
    mcsv(b, csv, (const char *)sqlite3_column_text(st, 5), 0);
    mcsv(b, csv, (const char *)sqlite3_column_text(st, 6), 0);
    if (sqlite3_column_type(st, 7) == SQLITE_NULL) {
        mcsv(b, csv, "", 0);
        mcsv(b, csv, "", 0);
    } else {
        snprintf(num, sizeof num, "%.6f", sqlite3_column_double(st, 7));
        mcsv(b, csv, num, 0);
        snprintf(num, sizeof num, "%.6f", sqlite3_column_double(st, 8));
        mcsv(b, csv, num, 0);
    }
    mcsv(b, csv, (const char *)sqlite3_column_text(st, 9), 0);
    mcsv(b, csv, sqlite3_column_int(st, 10) ? "1" : "0", 0);
    snprintf(num, sizeof num, "%d", sqlite3_column_int(st, 11));
    mcsv(b, csv, num, 0);
    if (sqlite3_column_int(st, 12)) {
        uint8_t *png = NULL;
        size_t png_len = 0;
        /* The crop lives in the read's day table (or reads_rest): see store_part.h. */
        if ((rc = store_part_image(s, id, sqlite3_column_int64(st, 1), &png, &png_len)) != 0)
            return rc;
        snprintf(img, sizeof img, "images/read-%lld.png", (long long)id);
        rc = bundle_put(b, img, png, png_len, 0);
        free(png);
        if (rc != 0)
            return rc;
        res->images++;
    }
    mcsv(b, csv, img, 1);
    res->reads++;
    return b->err;
}

/* Builds reads.csv, handing the crops to the sink on the way. */
static int export_reads(struct store *s, struct bundle *b, struct mfile *csv, int64_t hold_id,
                        int ngo_ok, struct store_export_result *res)
{
    sqlite3_stmt *st;
    int rc;
    mprintf(b, csv,
            "read_id,time,plate,confidence,candidates,unit,camera,lat,lon,source_agency,"
            "non_governmental,frames_agreeing,image\n");
    rc = sqlite3_prepare_v2(
        s->db,
        "SELECT r.id, r.ts, r.plate, r.confidence, r.candidates, r.unit, r.camera, r.lat, r.lon,"
        " r.agency, r.ngo, r.frames, r.has_img FROM holds h JOIN reads r ON " STORE_HOLD_SCOPE_SQL(
            "h", "r") " WHERE h.id = :id AND (r.ngo = 0 OR :ngo = 1) ORDER BY r.ts, r.id",
        -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    store_priv_bind_named_int(st, ":id", hold_id);
    store_priv_bind_named_int(st, ":ngo", ngo_ok);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if ((rc = export_read(s, b, csv, st, res)) != 0)
            break;
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return b->err;
    return rc < 0 ? rc : store_priv_err(rc);
}

static int record_export(struct store *s, const char *who, int64_t hold_id, int64_t release_id,
                         const char *destination, int64_t now, int64_t reads, int64_t *export_id)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db,
                                "INSERT INTO exports(hold_id, release_id, dir, member, at, n_reads,"
                                " manifest_sha256) VALUES(?, ?, ?, ?, ?, ?, '')",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    sqlite3_bind_int64(st, 1, hold_id);
    if (release_id)
        sqlite3_bind_int64(st, 2, release_id);
    sqlite3_bind_text(st, 3, destination, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, who, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 5, now);
    sqlite3_bind_int64(st, 6, reads);
    if ((rc = store_priv_step_once(st)) != 0)
        return rc;
    *export_id = sqlite3_last_insert_rowid(s->db);
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Signing                                                                                    */

/* The unit's key pair from the signing key. STORE_ERR_STATE without one. Wipe sk after use. */
static int unit_keypair(const struct store *s, unsigned char pk[crypto_sign_PUBLICKEYBYTES],
                        unsigned char sk[crypto_sign_SECRETKEYBYTES])
{
    if (!s->sign_key)
        return STORE_ERR_STATE;
    crypto_sign_seed_keypair(pk, sk, store_key_bytes(s->sign_key));
    return 0;
}

int store_export_public_key(const struct store *s, char hex[STORE_PUBKEY_HEX])
{
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    int rc = unit_keypair(s, pk, sk);
    sodium_memzero(sk, sizeof sk);
    if (rc != 0)
        return rc;
    sodium_bin2hex(hex, STORE_PUBKEY_HEX, pk, sizeof pk);
    return 0;
}

/* Signs domain, a and b (text, concatenated) with the unit's key; base64 into b64. */
static int sign_b64(const struct store *s, const char *domain, const char *a, const char *b,
                    char b64[STORE_SIG_B64])
{
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    unsigned char sig[crypto_sign_BYTES];
    char *msg = join3(domain, a, b);
    int rc;
    if (!msg)
        return STORE_ERR_NOMEM;
    if ((rc = unit_keypair(s, pk, sk)) == 0) {
        crypto_sign_detached(sig, NULL, (const unsigned char *)msg, strlen(msg), sk);
        sodium_bin2base64(b64, STORE_SIG_B64, sig, sizeof sig, sodium_base64_VARIANT_ORIGINAL);
    }
    sodium_memzero(sk, sizeof sk);
    free(msg);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* The custody chain                                                                          */

/* The export's manifest hash, its last signed custody line (or "") and that line's number. */
static int custody_tail(struct store *s, int64_t export_id, char manifest[65], char **last,
                        int64_t *seq)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(
        s->db,
        "SELECT e.manifest_sha256, (SELECT c.line FROM custody c WHERE c.export_id = e.id AND"
        " c.seq IS NOT NULL ORDER BY c.seq DESC LIMIT 1), (SELECT coalesce(max(c.seq), 0) FROM"
        " custody c WHERE c.export_id = e.id) FROM exports e WHERE e.id = ?",
        -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    sqlite3_bind_int64(st, 1, export_id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *line = (const char *)sqlite3_column_text(st, 1);
        store_priv_col_text(st, 0, manifest, 65);
        *seq = sqlite3_column_int64(st, 2);
        if (!(*last = strdup(line ? line : "")))
            rc = SQLITE_NOMEM;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? STORE_ERR_NOTFOUND : store_priv_err(rc);
}

/*
 * Appends a signed, chained custody entry to export export_id (inside the caller's
 * transaction). *line_out (if not NULL) is the line, malloc'd. Returns 0 or a STORE_ERR_*.
 */
static int custody_append(struct store *s, int64_t export_id, const char *who, int64_t now,
                          const char *action, const char *note, char **line_out)
{
    char manifest[65], prev[66], tbuf[32], sig[STORE_SIG_B64], num[24], *last = NULL;
    char *head = NULL, *body = NULL, *line = NULL;
    int64_t seq;
    sqlite3_stmt *st;
    int rc;
    if ((rc = custody_tail(s, export_id, manifest, &last, &seq)) != 0)
        return rc;
    if (*last)
        store_priv_sha256_hex(last, strlen(last), prev);
    else
        memcpy(prev, manifest, sizeof manifest);
    strcat(prev, "\n");
    snprintf(num, sizeof num, "%lld\t", (long long)(seq + 1));
    rc = STORE_ERR_NOMEM;
    /* SEQ TIME MEMBER ACTION NOTE, tab-separated: store_priv_valid_text() keeps tabs out. */
    if (!(head = join3(num, store_time_format(now, tbuf, sizeof tbuf), "\t")) ||
        !(body = join3(head, who, "\t")))
        goto out;
    free(head);
    if (!(head = join3(body, action, "\t")))
        goto out;
    free(body);
    if (!(body = join3(head, note ? note : "", "")))
        goto out;
    if ((rc = sign_b64(s, STORE_CUSTODY_SIG_DOMAIN, prev, body, sig)) != 0)
        goto out;
    if (!(line = join3(body, "\t", sig))) {
        rc = STORE_ERR_NOMEM;
        goto out;
    }
    rc = sqlite3_prepare_v2(s->db,
                            "INSERT INTO custody(export_id, at, member, action, note, seq, line)"
                            " VALUES(?, ?, ?, ?, ?, ?, ?)",
                            -1, &st, NULL);
    if (rc != SQLITE_OK) {
        rc = store_priv_err(rc);
        goto out;
    }
    sqlite3_bind_int64(st, 1, export_id);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_text(st, 3, who, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, action, -1, SQLITE_TRANSIENT);
    store_priv_bind_text(st, 5, note);
    sqlite3_bind_int64(st, 6, seq + 1);
    sqlite3_bind_text(st, 7, line, -1, SQLITE_TRANSIENT);
    if ((rc = store_priv_step_once(st)) == 0 && line_out) {
        *line_out = line;
        line = NULL;
    }
out:
    free(last);
    free(head);
    free(body);
    free(line);
    return rc;
}

void store_custody_log_free(struct store_custody_log *log)
{
    if (!log)
        return;
    for (size_t i = 0; i < log->n; i++)
        free(log->lines[i]);
    free(log->lines);
    free(log);
}

/* The export's signed custody lines, in order, and its recorded destination. */
static int custody_log(struct store *s, int64_t export_id, struct store_custody_log **out)
{
    struct store_custody_log *log = calloc(1, sizeof *log);
    sqlite3_stmt *st;
    size_t cap = 0;
    int rc;
    if (!log)
        return STORE_ERR_NOMEM;
    rc = sqlite3_prepare_v2(s->db,
                            "SELECT e.dir, c.line FROM exports e JOIN custody c ON"
                            " c.export_id = e.id WHERE e.id = ? AND c.seq IS NOT NULL"
                            " ORDER BY c.seq",
                            -1, &st, NULL);
    if (rc != SQLITE_OK) {
        free(log);
        return store_priv_err(rc);
    }
    sqlite3_bind_int64(st, 1, export_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        void *room = store_priv_room(log->lines, log->n, &cap, sizeof *log->lines);
        const char *line = (const char *)sqlite3_column_text(st, 1);
        if (!room) {
            rc = SQLITE_NOMEM;
            break;
        }
        log->lines = room;
        store_priv_col_text(st, 0, log->dir, sizeof log->dir);
        if (!(log->lines[log->n] = strdup(line ? line : ""))) {
            rc = SQLITE_NOMEM;
            break;
        }
        log->n++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        store_custody_log_free(log);
        return store_priv_err(rc);
    }
    *out = log;
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* The bundle                                                                                 */

/* AUDIT-HEAD: the audit chain's head as the bundle is built (store_audit.h). */
static int put_audit_head(struct store *s, struct bundle *b, struct mfile *f)
{
    struct store_audit_head head;
    char line[256];
    int rc;
    /* An anchor line, so `alpr audit verify --anchor BUNDLE/AUDIT-HEAD` checks the chain
     * against the head this bundle saw. */
    if ((rc = store_audit_head(s, &head)) != 0 ||
        (rc = store_audit_anchor_format(&head, line, sizeof line)) != 0)
        return rc;
    mprintf(b, f, "%s\n", line);
    return bundle_put(b, STORE_BUNDLE_AUDIT_HEAD, f->data, f->len, 1);
}

/* Signs the manifest and records its hash and signature with the export. */
static int sign_manifest(struct store *s, struct bundle *b, int64_t export_id,
                         char manifest_sha256[65], char sig[STORE_SIG_B64])
{
    sqlite3_stmt *st;
    int rc;
    store_priv_sha256_hex(b->manifest.data, b->manifest.len, manifest_sha256);
    if ((rc = sign_b64(s, STORE_BUNDLE_SIG_DOMAIN, manifest_sha256, "\n", sig)) != 0)
        return rc;
    rc = sqlite3_prepare_v2(
        s->db, "UPDATE exports SET manifest_sha256 = ?, signature = ? WHERE id = ?", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    sqlite3_bind_text(st, 1, manifest_sha256, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, sig, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, export_id);
    return store_priv_step_once(st);
}

/* EXPORT.txt: what the bundle is, from which hold, by whom, when. */
static void describe(struct bundle *b, struct mfile *f, const struct store_export_result *res,
                     const struct hold_info *hold, int64_t release_id, const char *who, int64_t now)
{
    char tbuf[32];
    mprintf(b, f, "ALPR evidence export %lld\n", (long long)res->export_id);
    mprintf(b, f, "Hold: %lld (%s) reference: %s\n", (long long)res->hold_id, hold->kind,
            hold->reference);
    if (release_id)
        mprintf(b, f, "Release request: %lld\n", (long long)release_id);
    mprintf(b, f, "Reads: %lld, images: %lld\n", (long long)res->reads, (long long)res->images);
    mprintf(b, f, "Exported by %s at %s\n", who, store_time_format(now, tbuf, sizeof tbuf));
    mprintf(b, f, "Chain of custody: " STORE_BUNDLE_CUSTODY ", checked by `alpr export verify`\n");
}

/* The bundle's last files: the unit's public key, the manifest, its signature, custody.txt. */
static int seal(struct store *s, struct bundle *b, const char *who, int64_t now, const char *note,
                struct store_export_result *res)
{
    char pk[STORE_PUBKEY_HEX], sig[STORE_SIG_B64], *line = NULL, *file = NULL, keyline[80];
    int rc;
    if ((rc = store_export_public_key(s, pk)) != 0)
        return rc;
    snprintf(keyline, sizeof keyline, "ed25519 %s\n", pk);
    if ((rc = bundle_put(b, STORE_BUNDLE_PUBKEY, keyline, strlen(keyline), 0)) != 0 ||
        (rc = sign_manifest(s, b, res->export_id, res->manifest_sha256, sig)) != 0 ||
        (rc = custody_append(s, res->export_id, who, now, "exported", note, &line)) != 0)
        goto out;
    if ((rc = b->sink->put(b->sink->ctx, STORE_BUNDLE_MANIFEST, b->manifest.data,
                           b->manifest.len)) != 0)
        goto out;
    strcat(sig, "\n");
    if ((rc = b->sink->put(b->sink->ctx, STORE_BUNDLE_SIGNATURE, sig, strlen(sig))) != 0)
        goto out;
    if (!(file = join3(line, "\n", ""))) {
        rc = STORE_ERR_NOMEM;
        goto out;
    }
    rc = b->sink->put(b->sink->ctx, STORE_BUNDLE_CUSTODY, file, strlen(file));
out:
    free(line);
    free(file);
    return rc;
}

static int do_export(struct store *s, const struct store_session *sess, int64_t hold_id,
                     int64_t release_id, const char *destination, const char *note,
                     const struct store_export_sink *sink, struct store_export_result *res)
{
    char who[STORE_NAME_MAX + 8];
    struct bundle b = {sink, sink->max_bytes ? sink->max_bytes : STORE_EXPORT_MAX_BYTES, 0, {0}, 0};
    struct mfile csv = {0}, info = {0}, head = {0};
    struct hold_info hold;
    struct store_json j;
    int rc, ngo_ok;
    int64_t now = store_now(s);

    memset(res, 0, sizeof *res);
    store_priv_who(s, sess, who, sizeof who);
    /* The reads are sealed under day keys (store_part.h): no keyring, no export; no signing
     * key, no bundle anyone could check. */
    if (!s->keyring || !s->sign_key)
        return STORE_ERR_STATE;
    if ((rc = get_hold(s, hold_id, &hold)) != 0)
        return rc;
    if (!hold.active)
        return STORE_ERR_STATE;
    ngo_ok = strcmp(hold.kind, "preservation") != 0;
    res->hold_id = hold_id;
    if ((rc = export_reads(s, &b, &csv, hold_id, ngo_ok, res)) ||
        (rc = bundle_put(&b, "reads.csv", csv.data, csv.len, 1)) != 0)
        goto out;
    /* Record the export first so EXPORT.txt can name its id. */
    if ((rc = record_export(s, who, hold_id, release_id, destination, now, res->reads,
                            &res->export_id)) != 0)
        goto out;
    describe(&b, &info, res, &hold, release_id, who, now);
    if ((rc = bundle_put(&b, STORE_BUNDLE_INFO, info.data, info.len, 1)) != 0 ||
        (rc = put_audit_head(s, &b, &head)) != 0 || (rc = seal(s, &b, who, now, note, res)) != 0 ||
        (rc = store_copies_register_export(s, who, res->export_id, hold_id, ngo_ok, destination,
                                           now)) != 0)
        goto out;
    store_json_init(&j);
    store_json_int(&j, "export", res->export_id);
    store_json_int(&j, "hold", hold_id);
    store_json_int(&j, "release", release_id);
    store_json_str(&j, "dir", destination);
    store_json_int(&j, "reads", res->reads);
    store_json_int(&j, "images", res->images);
    store_json_str(&j, "manifest_sha256", res->manifest_sha256);
    rc = store_priv_audit(s, who, release_id ? "release.fulfil" : "export", store_json_end(&j),
                          "ok");
out:
    free(csv.data);
    free(info.data);
    free(head.data);
    free(b.manifest.data);
    return rc;
}

static int destination_ok(const char *destination)
{
    return destination && *destination &&
           strnlen(destination, STORE_EXPORT_DESTINATION_MAX + 1) <= STORE_EXPORT_DESTINATION_MAX;
}

int store_export_hold(struct store *s, const struct store_session *sess, int64_t hold_id,
                      const struct store_access *a, const char *destination, const char *note,
                      const struct store_export_sink *sink, struct store_export_result *res)
{
    struct store_export_result r;
    struct store_json j;
    struct store_justified ja;
    char who[STORE_NAME_MAX + 8];
    int rc;
    store_json_init(&j);
    store_json_int(&j, "hold", hold_id);
    store_json_str(&j, "dir", destination);
    store_json_end(&j);
    if ((rc = store_priv_authorize(s, sess, STORE_ROLE_INVESTIGATOR | STORE_ROLE_ADMINISTRATOR,
                                   "export", j.buf)) != 0)
        return rc;
    if (!destination_ok(destination) ||
        (note && *note && !store_priv_valid_text(note, STORE_TEXT_MAX)) || !sink || !sink->put)
        return STORE_ERR_INVALID;
    store_priv_who(s, sess, who, sizeof who);
    if ((rc = store_justify_access(s, sess, "export", a, j.buf, &ja)) != 0)
        return rc;
    if ((rc = store_priv_begin(s)) != 0)
        return rc;
    if ((rc = do_export(s, sess, hold_id, 0, destination, note, sink, &r)) != 0 ||
        (rc = store_justify_register(s, who, "export", &ja.access, j.buf, r.reads, "ok")) != 0) {
        char outcome[96];
        store_priv_rollback(s);
        snprintf(outcome, sizeof outcome, "failed: %s", store_strerror(rc));
        (void)!store_justify_record(s, sess, "export", &ja.access, j.buf, 0, outcome);
        return rc;
    }
    if ((rc = store_priv_commit(s)) != 0)
        return rc;
    *res = r;
    return 0;
}

int store_custody_add(struct store *s, const struct store_session *sess, int64_t export_id,
                      const char *action, const char *note, struct store_custody_log **log)
{
    struct store_custody_log *l = NULL;
    struct store_json j;
    int rc;
    store_json_init(&j);
    store_json_int(&j, "export", export_id);
    store_json_str(&j, "action", action);
    store_json_str(&j, "note", note);
    store_json_end(&j);
    if ((rc = store_priv_authorize(s, sess, STORE_ROLE_INVESTIGATOR | STORE_ROLE_ADMINISTRATOR,
                                   "custody.add", j.buf)) != 0)
        return rc;
    if (!store_priv_valid_text(action, STORE_TEXT_MAX) ||
        (note && *note && !store_priv_valid_text(note, STORE_TEXT_MAX)))
        return STORE_ERR_INVALID;
    if (!s->sign_key)
        return STORE_ERR_STATE;
    if ((rc = store_priv_begin(s)) != 0)
        return rc;
    if ((rc = custody_append(s, export_id, sess->member, store_now(s), action, note, NULL)) != 0 ||
        (log && (rc = custody_log(s, export_id, &l)) != 0) ||
        (rc = store_priv_audit(s, sess->member, "custody.add", j.buf, "ok")) != 0 ||
        (rc = store_priv_commit(s)) != 0) {
        store_priv_rollback(s);
        store_custody_log_free(l);
        return rc;
    }
    if (log)
        *log = l;
    return 0;
}

static int text_required(const char *t)
{
    return store_priv_valid_text(t, STORE_TEXT_MAX);
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
    if ((rc = store_priv_authorize(
             s, sess, STORE_ROLE_INVESTIGATOR | STORE_ROLE_ADMINISTRATOR | STORE_ROLE_RECORDS,
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

/* 1 when member's account was created by creator, 0 when not, or a STORE_ERR_*. */
static int created_by(struct store *s, const char *member, const char *creator)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db, "SELECT 1 FROM members WHERE name = ? AND created_by = ?",
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    sqlite3_bind_text(st, 1, member, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, creator, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : store_priv_err(rc);
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
    /* R12: approval is the records officer's alone, not an administrator's, who makes the
     * accounts (and could make the requester). */
    if ((rc = store_priv_authorize(s, sess, STORE_ROLE_RECORDS, "release.review", j.buf)) != 0)
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
    if (strcmp(by, sess->member) == 0 || (rc = created_by(s, by, sess->member)) != 0) {
        store_priv_rollback(s);
        if (rc < 0)
            return rc;
        rc = store_priv_audit_now(s, sess->member, "release.review", j.buf,
                                  strcmp(by, sess->member) == 0
                                      ? "denied: the reviewer entered the request"
                                      : "denied: the reviewer created the requester's account");
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
                         const char *destination, const struct store_export_sink *sink,
                         struct store_export_result *res)
{
    struct store_export_result r;
    struct store_json j;
    sqlite3_stmt *st;
    char status[16], by[64], outcome[96];
    int64_t hold_id;
    int rc;
    store_json_init(&j);
    store_json_int(&j, "request", request_id);
    store_json_str(&j, "dir", destination);
    store_json_end(&j);
    if ((rc = store_priv_authorize(s, sess, STORE_ROLE_ADMINISTRATOR | STORE_ROLE_RECORDS,
                                   "release.fulfil", j.buf)) != 0)
        return rc;
    if (!destination_ok(destination) || !sink || !sink->put)
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
    if ((rc = do_export(s, sess, hold_id, request_id, destination, "release", sink, &r)) != 0) {
        store_priv_rollback(s);
        (void)!store_priv_audit_now(s, sess->member, "release.fulfil", j.buf, store_strerror(rc));
        return rc;
    }
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
    if ((rc = store_priv_authorize(s, sess,
                                   STORE_ROLE_INVESTIGATOR | STORE_ROLE_ADMINISTRATOR |
                                       STORE_ROLE_AUDITOR | STORE_ROLE_RECORDS,
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
