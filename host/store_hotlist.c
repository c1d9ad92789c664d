/* store_hotlist: CSV import, matching of new reads, alerts (see store_hotlist.h). */
#include "store_hotlist.h"
#include "store_justify.h"
#include "store_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------------------------------- */
/* CSV                                                                                        */

#define CSV_MAX_FIELDS 16
#define CSV_FIELD_MAX  256

struct csv_row {
    size_t line;
    size_t n;
    char field[CSV_MAX_FIELDS][CSV_FIELD_MAX];
};

/*
 * Reads one record starting at *pos. Returns 1 with a row, 0 at the end, -1 on a syntax error
 * (msg set; *pos moved past the bad record so parsing can go on).
 */
static int csv_next(const char *d, size_t len, size_t *pos, size_t *line, struct csv_row *row,
                    const char **msg)
{
    size_t i = *pos, flen = 0;
    int quoted = 0, after_quote = 0, err = 0;
    /* Skip blank lines. */
    while (i < len && (d[i] == '\n' || d[i] == '\r')) {
        if (d[i] == '\n')
            (*line)++;
        i++;
    }
    if (i >= len) {
        *pos = i;
        return 0;
    }
    row->line = *line;
    row->n = 0;
    row->field[0][0] = '\0';
    for (;; i++) {
        char c = i < len ? d[i] : '\n';
        int at_end = i >= len;
        if (quoted) {
            if (at_end) {
                *msg = "unterminated quoted field";
                err = 1;
                break;
            }
            if (c == '"') {
                if (i + 1 < len && d[i + 1] == '"') {
                    i++;
                } else {
                    quoted = 0;
                    after_quote = 1;
                    continue;
                }
            }
            if (c == '\n')
                (*line)++;
        } else if (c == ',' || c == '\n' || c == '\r') {
            row->field[row->n][flen] = '\0';
            row->n++;
            flen = 0;
            after_quote = 0;
            if (c == ',') {
                if (row->n >= CSV_MAX_FIELDS) {
                    *msg = "too many fields";
                    err = 1;
                    break;
                }
                row->field[row->n][0] = '\0';
                continue;
            }
            if (c == '\r' && i + 1 < len && d[i + 1] == '\n')
                i++;
            if (!at_end)
                (*line)++;
            i++;
            break;
        } else if (after_quote) {
            *msg = "text after a closing quote";
            err = 1;
            break;
        } else if (c == '"' && flen == 0) {
            quoted = 1;
            continue;
        } else if (c == '"') {
            *msg = "quote inside an unquoted field";
            err = 1;
            break;
        }
        if (c == '\0') {
            *msg = "NUL byte in field";
            err = 1;
            break;
        }
        if (flen + 1 >= CSV_FIELD_MAX) {
            *msg = "field longer than 255 bytes";
            err = 1;
            break;
        }
        row->field[row->n][flen++] = c;
    }
    if (err) {
        /* Resynchronise at the next line end (outside quotes we cannot know better). */
        while (i < len && d[i] != '\n')
            i++;
        if (i < len) {
            i++;
            (*line)++;
        }
        *pos = i;
        return -1;
    }
    *pos = i;
    return 1;
}

static void trim(char *s)
{
    size_t n = strlen(s), b = 0;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    while (s[b] == ' ' || s[b] == '\t')
        b++;
    memmove(s, s + b, n - b + 1);
}

static void add_error(struct store_import_result *res, size_t line, const char *field,
                      const char *msg)
{
    if (res->n_errors < STORE_CSV_MAX_ERRORS) {
        struct store_csv_error *e = &res->errors[res->n_errors];
        e->line = line;
        snprintf(e->field, sizeof e->field, "%s", field ? field : "");
        snprintf(e->message, sizeof e->message, "%s", msg);
    }
    res->n_errors++;
}

enum col {
    COL_PLATE,
    COL_STATE,
    COL_REASON,
    COL_SOURCE,
    COL_EXPIRY,
    COL_INCIDENT,
    COL_NIC,
    COL_ORI,
    COL_VEHICLE,
    COL_COUNT
};
static const char *const col_names[COL_COUNT] = {"plate",    "state", "reason", "source", "expiry",
                                                 "incident", "nic",   "ori",    "vehicle"};
#define REQUIRED_COLS 5

struct entry {
    size_t line;
    char plate[PLATE_MAX_LEN + 1];
    char skel[PLATE_MAX_LEN + 1];
    int wildcard;
    char state[3];
    const char *text[COL_COUNT];
    int64_t expiry;
};

/* 1 when nic has the form of an NCIC number: a letter and nine digits ("V123456789"). */
static int nic_form_ok(const char *nic)
{
    if (strlen(nic) != 10 || !((nic[0] | 0x20) >= 'a' && (nic[0] | 0x20) <= 'z'))
        return 0;
    for (int i = 1; i < 10; i++)
        if (nic[i] < '0' || nic[i] > '9')
            return 0;
    return 1;
}

/* The entry's case (finding 12 of issue 16): a reason, and an incident number in the
 * department's format or an NCIC number. */
static void check_case(const char *const *v, const regex_t *incident_re, size_t line,
                       struct store_import_result *res)
{
    int has_incident = v[COL_INCIDENT] && v[COL_INCIDENT][0];
    int has_nic = v[COL_NIC] && v[COL_NIC][0];
    /* A field that is not text is reported once, by validate_row's text check. */
    if (!v[COL_REASON][0])
        add_error(res, line, "reason", "reason is required");
    else if (store_priv_valid_text(v[COL_REASON], CSV_FIELD_MAX) &&
             (strlen(v[COL_REASON]) < 3 || store_justify_junk(v[COL_REASON])))
        add_error(res, line, "reason",
                  "reason says nothing (at least 3 characters; not 'none',"
                  " 'test', 'n/a' ...)");
    if (has_incident && store_priv_valid_text(v[COL_INCIDENT], CSV_FIELD_MAX) &&
        !store_justify_incident_match(incident_re, v[COL_INCIDENT]))
        add_error(res, line, "incident",
                  "not an incident number in the department's format (alpr policy show)");
    if (has_nic && store_priv_valid_text(v[COL_NIC], CSV_FIELD_MAX) && !nic_form_ok(v[COL_NIC]))
        add_error(res, line, "nic", "an NCIC number is a letter and nine digits");
    if (!has_incident && !has_nic)
        add_error(res, line, "incident",
                  "an entry needs an incident number or an NCIC number (nic)");
}

static int validate_row(const struct csv_row *row, const int *colmap, int64_t now,
                        const regex_t *incident_re, struct entry *e,
                        struct store_import_result *res)
{
    size_t before = res->n_errors;
    const char *v[COL_COUNT] = {0};
    int rc;
    for (int c = 0; c < COL_COUNT; c++)
        if (colmap[c] >= 0)
            v[c] = row->field[colmap[c]];
    memset(e, 0, sizeof *e);
    e->line = row->line;
    rc = plate_normalize(v[COL_PLATE], 1, e->plate);
    if (rc != 0) {
        add_error(res, row->line, "plate", plate_strerror(rc));
    } else {
        size_t literal = 0;
        for (const char *p = e->plate; *p; p++)
            literal += *p != '?' && *p != '*';
        e->wildcard = plate_is_pattern(e->plate);
        if (e->wildcard && literal < 2)
            add_error(res, row->line, "plate", "a partial plate needs at least 2 known characters");
        plate_skeleton(e->plate, e->skel);
    }
    if (strlen(v[COL_STATE]) != 2 ||
        !((v[COL_STATE][0] | 0x20) >= 'a' && (v[COL_STATE][0] | 0x20) <= 'z' &&
          (v[COL_STATE][1] | 0x20) >= 'a' && (v[COL_STATE][1] | 0x20) <= 'z')) {
        add_error(res, row->line, "state", "state must be a two-letter code");
    } else {
        e->state[0] = (char)(v[COL_STATE][0] & ~0x20);
        e->state[1] = (char)(v[COL_STATE][1] & ~0x20);
        e->state[2] = '\0';
    }
    check_case(v, incident_re, row->line, res);
    if (!v[COL_SOURCE][0])
        add_error(res, row->line, "source", "source list is required");
    if (store_time_parse(v[COL_EXPIRY], &e->expiry) != 0)
        add_error(res, row->line, "expiry", "expiry must be a date YYYY-MM-DD");
    else if (e->expiry <= now)
        add_error(res, row->line, "expiry", "expiry is in the past");
    if (e->wildcard && (!v[COL_INCIDENT] || !v[COL_INCIDENT][0]))
        add_error(res, row->line, "incident", "a partial plate must name its incident");
    if (v[COL_INCIDENT] && strlen(v[COL_INCIDENT]) > STORE_NAME_MAX)
        add_error(res, row->line, "incident", "incident longer than 63 bytes");
    for (int c = COL_REASON; c < COL_COUNT; c++)
        if (c != COL_EXPIRY && v[c] && v[c][0] && !store_priv_valid_text(v[c], CSV_FIELD_MAX))
            add_error(res, row->line, col_names[c],
                      "control character or bytes that are not UTF-8 in a text field");
    for (int c = 0; c < COL_COUNT; c++)
        e->text[c] = v[c];
    return res->n_errors == before ? 0 : -1;
}

static int insert_entry(struct store *s, sqlite3_stmt *st, int64_t hotlist_id,
                        const struct entry *e)
{
    int rc;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    sqlite3_bind_int64(st, 1, hotlist_id);
    sqlite3_bind_int64(st, 2, (int64_t)e->line);
    sqlite3_bind_text(st, 3, e->plate, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, e->skel, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 5, e->wildcard);
    sqlite3_bind_text(st, 6, e->state, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 7, e->text[COL_REASON], -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 8, e->text[COL_SOURCE], -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 9, e->expiry);
    store_priv_bind_text(st, 10, e->text[COL_INCIDENT]);
    store_priv_bind_text(st, 11, e->text[COL_NIC]);
    store_priv_bind_text(st, 12, e->text[COL_ORI]);
    store_priv_bind_text(st, 13, e->text[COL_VEHICLE]);
    rc = sqlite3_step(st);
    (void)s;
    return rc == SQLITE_DONE ? 0 : store_priv_err(rc);
}

int store_hotlist_import_csv(struct store *s, const struct store_session *sess, const char *name,
                             const char *data, size_t len, struct store_import_result *res)
{
    struct csv_row *row = NULL;
    struct store_json j;
    sqlite3_stmt *st = NULL;
    char who[STORE_NAME_MAX + 8];
    int colmap[COL_COUNT], rc, in_tx = 0, have_re = 0;
    regex_t incident_re;
    size_t pos = 0, line = 1;
    int64_t hotlist_id = 0, now = store_now(s);
    const char *msg = NULL;

    memset(res, 0, sizeof *res);
    store_json_init(&j);
    store_json_str(&j, "name", name);
    store_json_int(&j, "bytes", (int64_t)len);
    store_json_end(&j);
    if ((rc = store_priv_authorize(s, sess, STORE_ROLE_INVESTIGATOR | STORE_ROLE_ADMINISTRATOR,
                                   "hotlist.import", j.buf)) != 0)
        return rc;
    if (!store_priv_valid_text(name, STORE_TEXT_MAX) || !data || len == 0 ||
        len > STORE_CSV_MAX_BYTES)
        return STORE_ERR_INVALID;
    row = malloc(sizeof *row);
    if (!row)
        return STORE_ERR_NOMEM;

    /* Header. */
    for (int c = 0; c < COL_COUNT; c++)
        colmap[c] = -1;
    rc = csv_next(data, len, &pos, &line, row, &msg);
    if (rc <= 0) {
        add_error(res, rc < 0 ? line - 1 : 1, "", rc < 0 ? msg : "no header row");
        goto rejected;
    }
    for (size_t f = 0; f < row->n; f++) {
        int found = -1;
        trim(row->field[f]);
        for (char *p = row->field[f]; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p + 32);
        for (int c = 0; c < COL_COUNT; c++)
            if (strcmp(row->field[f], col_names[c]) == 0)
                found = c;
        if (found < 0)
            add_error(res, row->line, row->field[f], "unknown column");
        else if (colmap[found] >= 0)
            add_error(res, row->line, row->field[f], "column named twice");
        else
            colmap[found] = (int)f;
    }
    for (int c = 0; c < REQUIRED_COLS; c++)
        if (colmap[c] < 0)
            add_error(res, row->line, col_names[c], "required column missing");
    if (res->n_errors)
        goto rejected;
    {
        size_t n_cols = row->n;
        if ((rc = store_justify_incident_re(s, &incident_re)) != 0)
            goto out;
        have_re = 1;
        if ((rc = store_priv_begin(s)) != 0)
            goto out;
        in_tx = 1;
        rc = sqlite3_prepare_v2(s->db,
                                "INSERT INTO hotlists(name, imported_at, imported_by, n_entries)"
                                " VALUES(?, ?, ?, 0)",
                                -1, &st, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(st, 2, now);
            sqlite3_bind_text(st, 3, sess->member, -1, SQLITE_TRANSIENT);
            rc = sqlite3_step(st);
            sqlite3_finalize(st);
            st = NULL;
        }
        if (rc != SQLITE_DONE) {
            rc = store_priv_err(rc);
            goto out;
        }
        hotlist_id = sqlite3_last_insert_rowid(s->db);
        rc = sqlite3_prepare_v2(s->db,
                                "INSERT INTO hotlist_entries(hotlist_id, line, plate, skel,"
                                " wildcard, state, reason, source, expires_at, incident, nic,"
                                " ori, vehicle) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                -1, &st, NULL);
        if (rc != SQLITE_OK) {
            rc = store_priv_err(rc);
            goto out;
        }
        while ((rc = csv_next(data, len, &pos, &line, row, &msg)) != 0) {
            struct entry e;
            if (rc < 0) {
                add_error(res, row->line ? row->line : line, "", msg);
                continue;
            }
            for (size_t f = 0; f < row->n; f++)
                trim(row->field[f]);
            if (row->n != n_cols) {
                char m[96];
                snprintf(m, sizeof m, "%zu fields, the header has %zu", row->n, n_cols);
                add_error(res, row->line, "", m);
                continue;
            }
            if (validate_row(row, colmap, now, &incident_re, &e, res) != 0 || res->n_errors)
                continue;
            if ((rc = insert_entry(s, st, hotlist_id, &e)) != 0)
                goto out;
            res->n_entries++;
        }
        sqlite3_finalize(st);
        st = NULL;
        if (res->n_errors)
            goto rejected;
        if (res->n_entries == 0) {
            add_error(res, line, "", "no entries");
            goto rejected;
        }
        rc = sqlite3_prepare_v2(s->db, "UPDATE hotlists SET n_entries = ? WHERE id = ?", -1, &st,
                                NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_int64(st, 1, (int64_t)res->n_entries);
            sqlite3_bind_int64(st, 2, hotlist_id);
            rc = sqlite3_step(st);
            sqlite3_finalize(st);
            st = NULL;
        }
        if (rc != SQLITE_DONE) {
            rc = store_priv_err(rc);
            goto out;
        }
        store_json_init(&j);
        store_json_str(&j, "name", name);
        store_json_int(&j, "hotlist", hotlist_id);
        store_json_int(&j, "entries", (int64_t)res->n_entries);
        if ((rc = store_priv_audit(s, store_priv_who(s, sess, who, sizeof who), "hotlist.import",
                                   store_json_end(&j), "ok")) != 0)
            goto out;
        rc = store_priv_commit(s);
        in_tx = 0;
        if (rc == 0)
            res->hotlist_id = hotlist_id;
        goto out;
    }
rejected:
    if (in_tx) {
        store_priv_rollback(s);
        in_tx = 0;
    }
    res->n_entries = 0;
    {
        char outcome[200];
        struct store_csv_error *e = &res->errors[0];
        snprintf(outcome, sizeof outcome, "failed: %zu bad rows, first at line %zu: %s",
                 res->n_errors, e->line, e->message);
        rc = store_priv_audit_now(s, store_priv_who(s, sess, who, sizeof who), "hotlist.import",
                                  j.buf, outcome);
        if (rc == 0)
            rc = STORE_ERR_DATA;
    }
out:
    sqlite3_finalize(st);
    if (in_tx)
        store_priv_rollback(s);
    if (have_re)
        regfree(&incident_re);
    free(row);
    return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Matching                                                                                   */

struct alert_buf {
    struct store_alert *a;
    size_t n, cap;
};

static int raise_alert(struct store *s, struct alert_buf *b, int64_t read_id, int64_t ts,
                       const char *read_plate, sqlite3_stmt *hit, const char *kind)
{
    struct store_alert *al;
    struct store_json j;
    sqlite3_stmt *st;
    char who[STORE_NAME_MAX + 8];
    int rc;
    int64_t entry_id = sqlite3_column_int64(hit, 0);
    for (size_t i = 0; i < b->n; i++)
        if (b->a[i].entry_id == entry_id)
            return 0; /* one alert per entry and read */
    if (b->n == b->cap) {
        size_t ncap = b->cap ? b->cap * 2 : 4;
        void *p = realloc(b->a, ncap * sizeof *b->a);
        if (!p)
            return STORE_ERR_NOMEM;
        b->a = p;
        b->cap = ncap;
    }
    al = &b->a[b->n];
    memset(al, 0, sizeof *al);
    al->read_id = read_id;
    al->entry_id = entry_id;
    al->hotlist_id = sqlite3_column_int64(hit, 1);
    store_priv_col_text(hit, 2, al->entry_plate, sizeof al->entry_plate);
    store_priv_col_text(hit, 3, al->reason, sizeof al->reason);
    store_priv_col_text(hit, 4, al->incident, sizeof al->incident);
    snprintf(al->kind, sizeof al->kind, "%s", kind);
    snprintf(al->read_plate, sizeof al->read_plate, "%s", read_plate);
    snprintf(al->state, sizeof al->state, "unverified");
    al->created_at = store_now(s);
    al->read_time = ts;
    st = store_priv_stmt(s, STORE_STMT_INSERT_ALERT,
                         "INSERT INTO alerts(read_id, entry_id, kind, created_at)"
                         " VALUES(?, ?, ?, ?)");
    if (!st)
        return STORE_ERR_IO;
    sqlite3_bind_int64(st, 1, read_id);
    sqlite3_bind_int64(st, 2, entry_id);
    sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, al->created_at);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return store_priv_err(rc);
    al->id = sqlite3_last_insert_rowid(s->db);
    /* The audit entry names ids only: plates stay out of the log (they are purged with reads). */
    store_json_init(&j);
    store_json_int(&j, "alert", al->id);
    store_json_int(&j, "read", read_id);
    store_json_int(&j, "hotlist", al->hotlist_id);
    store_json_int(&j, "entry", entry_id);
    store_json_str(&j, "kind", kind);
    if ((rc = store_priv_audit(s, store_priv_who(s, NULL, who, sizeof who), "alert.raised",
                               store_json_end(&j), "ok")) != 0)
        return rc;
    b->n++;
    return 0;
}

#define HOT_COLS "e.id, e.hotlist_id, e.plate, e.reason, coalesce(e.incident, '')"
#define HOT_ACTIVE                                                                                 \
    " AND e.expires_at > ?2 AND (SELECT h.removed_at FROM hotlists h WHERE h.id ="                 \
    " e.hotlist_id) IS NULL"

int store_priv_hotlist_match(struct store *s, int64_t read_id, const char *plate, const char *skel,
                             int64_t ts, struct store_alert **alerts, size_t *n_alerts)
{
    struct alert_buf b = {0};
    sqlite3_stmt *st;
    int rc = 0, step;
    int64_t now = store_now(s);
    char pskel[PLATE_MAX_LEN + 1];

    st = store_priv_stmt(s, STORE_STMT_HOT_EXACT,
                         "SELECT " HOT_COLS " FROM hotlist_entries e INDEXED BY hot_plate"
                         " WHERE e.plate = ?1 AND e.wildcard = 0" HOT_ACTIVE);
    if (!st)
        return STORE_ERR_IO;
    sqlite3_bind_text(st, 1, plate, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, now);
    while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW)
        rc = raise_alert(s, &b, read_id, ts, plate, st, "exact");
    sqlite3_reset(st);

    if (rc == 0) {
        st = store_priv_stmt(s, STORE_STMT_HOT_SKEL,
                             "SELECT " HOT_COLS " FROM hotlist_entries e INDEXED BY hot_skel"
                             " WHERE e.skel = ?1 AND e.wildcard = 0 AND e.plate <> ?3" HOT_ACTIVE);
        if (!st) {
            rc = STORE_ERR_IO;
            goto out;
        }
        sqlite3_bind_text(st, 1, skel, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, now);
        sqlite3_bind_text(st, 3, plate, -1, SQLITE_TRANSIENT);
        while (rc == 0 && sqlite3_step(st) == SQLITE_ROW)
            rc = raise_alert(s, &b, read_id, ts, plate, st, "confusable");
        sqlite3_reset(st);
    }
    if (rc == 0) {
        st = store_priv_stmt(s, STORE_STMT_HOT_WILD,
                             "SELECT " HOT_COLS " FROM hotlist_entries e INDEXED BY hot_wild"
                             " WHERE e.wildcard = 1 AND ?1 IS NOT NULL" HOT_ACTIVE);
        if (!st) {
            rc = STORE_ERR_IO;
            goto out;
        }
        sqlite3_bind_int(st, 1, 1);
        sqlite3_bind_int64(st, 2, now);
        while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
            const char *pat = (const char *)sqlite3_column_text(st, 2);
            if (!pat)
                continue;
            if (plate_glob(pat, plate)) {
                rc = raise_alert(s, &b, read_id, ts, plate, st, "wildcard");
            } else {
                plate_skeleton(pat, pskel);
                if (plate_glob(pskel, skel))
                    rc = raise_alert(s, &b, read_id, ts, plate, st, "wildcard-confusable");
            }
        }
        sqlite3_reset(st);
    }
out:
    if (rc != 0) {
        free(b.a);
        return rc;
    }
    *alerts = b.a;
    *n_alerts = b.n;
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Lists, removal, verification                                                               */

int store_hotlist_list(struct store *s, const struct store_session *sess,
                       struct store_hotlist_list **out)
{
    struct store_hotlist_list *list;
    sqlite3_stmt *st;
    size_t cap = 0;
    char who[STORE_NAME_MAX + 8];
    int rc;
    if ((rc = store_priv_authorize(
             s, sess, STORE_ROLE_OPERATOR | STORE_ROLE_INVESTIGATOR | STORE_ROLE_ADMINISTRATOR,
             "hotlist.list", "{}")) != 0)
        return rc;
    list = calloc(1, sizeof *list);
    if (!list)
        return STORE_ERR_NOMEM;
    rc = sqlite3_prepare_v2(s->db,
                            "SELECT id, name, imported_at, imported_by, n_entries,"
                            " removed_at IS NOT NULL FROM hotlists ORDER BY id",
                            -1, &st, NULL);
    if (rc != SQLITE_OK) {
        free(list);
        return store_priv_err(rc);
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_hotlist_info *h;
        void *room = store_priv_room(list->items, list->n, &cap, sizeof *list->items);
        if (!room) {
            rc = SQLITE_NOMEM;
            break;
        }
        list->items = room;
        h = &list->items[list->n++];
        h->id = sqlite3_column_int64(st, 0);
        store_priv_col_text(st, 1, h->name, sizeof h->name);
        h->imported_at = sqlite3_column_int64(st, 2);
        store_priv_col_text(st, 3, h->imported_by, sizeof h->imported_by);
        h->n_entries = sqlite3_column_int64(st, 4);
        h->removed = sqlite3_column_int(st, 5);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        store_hotlist_list_free(list);
        return store_priv_err(rc);
    }
    if ((rc = store_priv_audit_now(s, store_priv_who(s, sess, who, sizeof who), "hotlist.list",
                                   "{}", "ok")) != 0) {
        store_hotlist_list_free(list);
        return rc;
    }
    *out = list;
    return 0;
}

void store_hotlist_list_free(struct store_hotlist_list *list)
{
    if (!list)
        return;
    free(list->items);
    free(list);
}

int store_hotlist_remove(struct store *s, const struct store_session *sess, int64_t hotlist_id)
{
    struct store_json j;
    sqlite3_stmt *st;
    char who[STORE_NAME_MAX + 8];
    int rc;
    store_json_init(&j);
    store_json_int(&j, "hotlist", hotlist_id);
    store_json_end(&j);
    if ((rc = store_priv_authorize(s, sess, STORE_ROLE_INVESTIGATOR | STORE_ROLE_ADMINISTRATOR,
                                   "hotlist.remove", j.buf)) != 0)
        return rc;
    if ((rc = store_priv_begin(s)) != 0)
        return rc;
    rc = sqlite3_prepare_v2(s->db,
                            "UPDATE hotlists SET removed_at = ?, removed_by = ?"
                            " WHERE id = ? AND removed_at IS NULL",
                            -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, store_now(s));
        sqlite3_bind_text(st, 2, sess->member, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 3, hotlist_id);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
    }
    return store_priv_finish_change(s, rc, store_priv_who(s, sess, who, sizeof who),
                                    "hotlist.remove", j.buf);
}

int store_alert_list(struct store *s, const struct store_session *sess,
                     const struct store_access *access, const char *state, int64_t from, int64_t to,
                     size_t limit, struct store_alert_list **out)
{
    struct store_alert_list *list;
    struct store_justified ja;
    struct store_json j;
    sqlite3_stmt *st;
    size_t cap = 0;
    int rc;
    store_json_init(&j);
    store_json_str(&j, "state", state);
    store_json_int(&j, "from", from);
    store_json_int(&j, "to", to);
    store_json_int(&j, "limit", (int64_t)limit);
    store_json_end(&j);
    if ((rc = store_priv_authorize(
             s, sess, STORE_ROLE_OPERATOR | STORE_ROLE_INVESTIGATOR | STORE_ROLE_ADMINISTRATOR,
             "alert.list", j.buf)) != 0)
        return rc;
    if ((rc = store_justify_access(s, sess, "alerts", access, j.buf, &ja)) != 0)
        return rc;
    if (state && strcmp(state, "unverified") && strcmp(state, "confirmed") &&
        strcmp(state, "rejected"))
        return STORE_ERR_INVALID;
    list = calloc(1, sizeof *list);
    if (!list)
        return STORE_ERR_NOMEM;
    rc = sqlite3_prepare_v2(
        s->db,
        "SELECT a.id, a.read_id, a.entry_id, e.hotlist_id, a.created_at, r.ts, a.kind, e.plate,"
        " r.plate, r.unit, e.reason, coalesce(e.incident, ''), a.state, coalesce(a.state_by, ''),"
        " coalesce(a.state_at, 0) FROM (SELECT * FROM alerts WHERE (?1 IS NULL OR state = ?1)"
        " AND (?2 = 0 OR created_at >= ?2) AND (?3 = 0 OR created_at < ?3)"
        " ORDER BY id DESC LIMIT ?4) a"
        /* reads is the UNION ALL of the day partitions: limit the alerts first, so each
         * partition is probed by id for those few rows only. */
        " JOIN reads r ON r.id = a.read_id JOIN hotlist_entries e ON e.id = a.entry_id"
        " ORDER BY a.id DESC",
        -1, &st, NULL);
    if (rc != SQLITE_OK) {
        free(list);
        return store_priv_err(rc);
    }
    store_priv_bind_text(st, 1, state);
    sqlite3_bind_int64(st, 2, from);
    sqlite3_bind_int64(st, 3, to);
    sqlite3_bind_int64(st, 4, limit ? (int64_t)limit : 1000);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_alert *a;
        void *room = store_priv_room(list->items, list->n, &cap, sizeof *list->items);
        if (!room) {
            rc = SQLITE_NOMEM;
            break;
        }
        list->items = room;
        a = &list->items[list->n++];
        memset(a, 0, sizeof *a);
        a->id = sqlite3_column_int64(st, 0);
        a->read_id = sqlite3_column_int64(st, 1);
        a->entry_id = sqlite3_column_int64(st, 2);
        a->hotlist_id = sqlite3_column_int64(st, 3);
        a->created_at = sqlite3_column_int64(st, 4);
        a->read_time = sqlite3_column_int64(st, 5);
        store_priv_col_text(st, 6, a->kind, sizeof a->kind);
        store_priv_col_text(st, 7, a->entry_plate, sizeof a->entry_plate);
        store_priv_col_text(st, 8, a->read_plate, sizeof a->read_plate);
        store_priv_col_text(st, 9, a->unit, sizeof a->unit);
        store_priv_col_text(st, 10, a->reason, sizeof a->reason);
        store_priv_col_text(st, 11, a->incident, sizeof a->incident);
        store_priv_col_text(st, 12, a->state, sizeof a->state);
        store_priv_col_text(st, 13, a->state_by, sizeof a->state_by);
        a->state_at = sqlite3_column_int64(st, 14);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        store_alert_list_free(list);
        return store_priv_err(rc);
    }
    if ((rc = store_justify_record(s, sess, "alerts", &ja.access, j.buf, (int64_t)list->n, "ok")) !=
        0) {
        store_alert_list_free(list);
        return rc;
    }
    *out = list;
    return 0;
}

void store_alert_list_free(struct store_alert_list *list)
{
    if (!list)
        return;
    free(list->items);
    free(list);
}

int store_alert_set_state(struct store *s, const struct store_session *sess, int64_t alert_id,
                          const char *state, const char *note)
{
    struct store_json j;
    sqlite3_stmt *st;
    char who[STORE_NAME_MAX + 8];
    int rc;
    store_json_init(&j);
    store_json_int(&j, "alert", alert_id);
    store_json_str(&j, "state", state);
    store_json_str(&j, "note", note);
    store_json_end(&j);
    if ((rc = store_priv_authorize(
             s, sess, STORE_ROLE_OPERATOR | STORE_ROLE_INVESTIGATOR | STORE_ROLE_ADMINISTRATOR,
             "alert.verify", j.buf)) != 0)
        return rc;
    if (!state || (strcmp(state, "confirmed") && strcmp(state, "rejected")) ||
        (note && *note && !store_priv_valid_text(note, STORE_TEXT_MAX)))
        return STORE_ERR_INVALID;
    if ((rc = store_priv_begin(s)) != 0)
        return rc;
    rc = sqlite3_prepare_v2(s->db,
                            "UPDATE alerts SET state = ?, state_by = ?, state_at = ?, note = ?"
                            " WHERE id = ?",
                            -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, state, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, sess->member, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 3, store_now(s));
        store_priv_bind_text(st, 4, note);
        sqlite3_bind_int64(st, 5, alert_id);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
    }
    return store_priv_finish_change(s, rc, store_priv_who(s, sess, who, sizeof who), "alert.verify",
                                    j.buf);
}
