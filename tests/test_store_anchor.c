/*
 * Tests of the keyed, anchored audit chain and its coverage of the tables an auditor relies on
 * (store_audit.h), of the R11 report built from chained data (store_report.h), and of what the
 * public page takes in (public_text.h). Each attack of issue #16's findings 1, 9 and 13 is run
 * against the store file with raw SQLite, as someone with the file but not the key would.
 */
#include "public_text.h"
#include "store_audit.h"
#include "store_priv.h"
#include "store_report.h"
#include "store_retention.h"
#include "test_store_util.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct store_access access_robbery = {"investigation", "robbery", "2026-000123", NULL};

/* Runs raw SQL on the file behind the store's back. Returns the SQLite result. */
static int raw(const char *path, const char *sql)
{
    sqlite3 *db;
    int rc;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        return -1;
    rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_close(db);
    return rc;
}

#define DROP_GUARDS                                                                                \
    "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;"                                  \
    " DROP TRIGGER audit_head_forward; DROP TRIGGER audit_head_no_delete;"

/* n log-ons (each an entry) one minute apart. 0 or -1. */
static int logins(struct fixture *f, int n)
{
    struct store_session s;
    char tok[STORE_TOKEN_HEX];
    for (int i = 0; i < n; i++) {
        f->clock.now += 60;
        if (store_login(f->s, "olga", PW, &s, tok) != 0 || store_logout(f->s, &s) != 0)
            return -1;
    }
    return 0;
}

/* Reopens f's store (closed) and logs the auditor on again. 0 or -1. */
static int reopen(struct fixture *f)
{
    char tok[STORE_TOKEN_HEX];
    f->clock.now += 60;
    return fixture_reopen(f) == 0 && store_login(f->s, "aude", PW, &f->aud, tok) == 0 ? 0 : -1;
}

static int verify(struct fixture *f, const struct store_audit_head *anchor,
                  struct store_audit_verify_result *r)
{
    memset(r, 0, sizeof *r);
    return store_audit_verify_anchored(f->s, &f->aud, anchor, anchor ? 1 : 0, r);
}

static void test_keyed_chain_and_head(void)
{
    struct fixture f;
    struct store_audit_verify_result r;
    struct store_audit_head h, p;
    char line[256];
    REQUIRE(fixture_open(&f, "anchor_keyed") == 0);
    REQUIRE(logins(&f, 3) == 0);
    CHECK_EQ_INT(verify(&f, NULL, &r), 0);
    CHECK_EQ_INT(r.first_keyed, 1); /* a new store is keyed from its first entry */
    REQUIRE(store_audit_head(f.s, &h) == 0);
    CHECK_EQ_INT(h.id, r.entries + 1); /* the check is an entry too */
    CHECK_EQ_INT(strlen(h.mac), 64);
    REQUIRE(store_audit_anchor_format(&h, line, sizeof line) == 0);
    CHECK(strncmp(line, STORE_AUDIT_ANCHOR_PREFIX " id=", 21) == 0);
    /* Journal lines carry a prefix; the anchor is found inside. */
    char journal[300];
    snprintf(journal, sizeof journal, "Dec 07 alpr-stored[12]: alpr-stored: %s\n", line);
    REQUIRE(store_audit_anchor_parse(journal, &p) == 0);
    CHECK_EQ_INT(p.id, h.id);
    CHECK_EQ_STR(p.hash, h.hash);
    CHECK_EQ_STR(p.mac, h.mac);
    CHECK_EQ_INT(store_audit_anchor_parse("ALPR-AUDIT-ANCHOR id=3 hash=zz mac=-", &p),
                 STORE_ERR_INVALID);
    CHECK_EQ_INT(verify(&f, &h, &r), 0);
    CHECK_EQ_INT(r.anchor_id, h.id);
    /* Without the audit key the chain is not called verified. */
    fixture_close(&f);
    REQUIRE(store_open(f.path, &f.s) == 0);
    store_set_clock(f.s, fake_now, &f.clock);
    char tok[STORE_TOKEN_HEX];
    REQUIRE(store_login(f.s, "aude", PW, &f.aud, tok) == 0);
    CHECK_EQ_INT(verify(&f, NULL, &r), STORE_ERR_STATE);
    store_close(f.s);
    f.s = NULL;
    /* ... and the entries appended meanwhile (unkeyed) are named once the key is back. */
    REQUIRE(reopen(&f) == 0);
    CHECK_EQ_INT(verify(&f, NULL, &r), STORE_ERR_TAMPER);
    CHECK(strstr(r.problem, "no MAC") != NULL);
    fixture_close(&f);
}

/* Finding 1: the last 15 entries deleted and audit_head moved back (guards dropped). */
static void test_truncated_tail_found_by_anchor(void)
{
    struct fixture f;
    struct store_audit_verify_result r;
    struct store_audit_head anchor;
    char sql[512];
    REQUIRE(fixture_open(&f, "anchor_trunc") == 0);
    REQUIRE(logins(&f, 20) == 0);
    REQUIRE(store_audit_head(f.s, &anchor) == 0); /* what the service wrote to the journal */
    fixture_close(&f);
    snprintf(sql, sizeof sql,
             DROP_GUARDS "DELETE FROM audit WHERE id > %lld;"
                         " UPDATE audit_head SET last_id = %lld, hash = (SELECT hash FROM audit"
                         " WHERE id = %lld)",
             (long long)anchor.id - 15, (long long)anchor.id - 15, (long long)anchor.id - 15);
    REQUIRE(raw(f.path, sql) == SQLITE_OK);
    REQUIRE(reopen(&f) == 0);
    /* The chain alone is consistent: only the anchor shows what is missing. */
    CHECK_EQ_INT(verify(&f, NULL, &r), 0);
    CHECK_EQ_INT(verify(&f, &anchor, &r), STORE_ERR_TAMPER);
    CHECK(strstr(r.problem, "tail was deleted") != NULL);
    /* Once new entries pass the anchor's id, the entry there has another hash. */
    REQUIRE(logins(&f, 20) == 0);
    CHECK_EQ_INT(verify(&f, &anchor, &r), STORE_ERR_TAMPER);
    CHECK_EQ_INT(r.bad_id, anchor.id);
    CHECK(strstr(r.problem, "rewritten") != NULL);
    fixture_close(&f);
}

enum rewrite { KEEP_MACS, STRIP_MACS, STRIP_ALL };

/*
 * Rewrites the whole chain as someone without the key can: edits entry edit_id's outcome and
 * recomputes every hash (store_policy_entry_hash, the documented recipe), then keeps the old
 * MACs, strips them, or strips MACs and row images both. 0 or -1.
 */
static int rewrite_chain(const char *path, int64_t edit_id, enum rewrite how)
{
    sqlite3 *db;
    sqlite3_stmt *st, *up;
    char prev[65], hash[65];
    int ok = 1;
    memset(prev, '0', 64);
    prev[64] = '\0';
    if (sqlite3_open(path, &db) != SQLITE_OK)
        return -1;
    if (sqlite3_exec(db, DROP_GUARDS "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "SELECT id, ts, member, event, params, outcome, row_images FROM audit"
                           " ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return -1;
    }
    if (sqlite3_prepare_v2(db,
                           "UPDATE audit SET outcome = ?2, prev_hash = ?3, hash = ?4,"
                           " mac = CASE WHEN ?5 THEN mac END,"
                           " row_images = CASE WHEN ?6 THEN row_images END WHERE id = ?1",
                           -1, &up, NULL) != SQLITE_OK)
        ok = 0;
    while (ok && sqlite3_step(st) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        const char *outcome =
            id == edit_id ? "ok (edited)" : (const char *)sqlite3_column_text(st, 5);
        const char *rows = how == STRIP_ALL ? NULL : (const char *)sqlite3_column_text(st, 6);
        store_policy_entry_hash(prev, id, sqlite3_column_int64(st, 1),
                                (const char *)sqlite3_column_text(st, 2),
                                (const char *)sqlite3_column_text(st, 3),
                                (const char *)sqlite3_column_text(st, 4), outcome, rows, hash);
        sqlite3_bind_int64(up, 1, id);
        sqlite3_bind_text(up, 2, outcome, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(up, 3, prev, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(up, 4, hash, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(up, 5, how == KEEP_MACS);
        sqlite3_bind_int(up, 6, how != STRIP_ALL);
        ok = sqlite3_step(up) == SQLITE_DONE;
        sqlite3_reset(up);
        memcpy(prev, hash, sizeof prev);
    }
    sqlite3_finalize(st);
    sqlite3_finalize(up);
    if (ok) {
        char sql[200];
        snprintf(sql, sizeof sql, "UPDATE audit_head SET hash = '%s'; COMMIT", prev);
        ok = sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
    }
    sqlite3_close(db);
    return ok ? 0 : -1;
}

/* Finding 1: the whole chain recomputed after an edit, as if no key existed. */
static void test_rewritten_chain_detected(void)
{
    static const struct {
        enum rewrite how;
        const char *name, *found;
    } cases[] = {
        {KEEP_MACS, "anchor_rw_keep", "wrong MAC"},
        {STRIP_MACS, "anchor_rw_strip", "no MAC"},
        {STRIP_ALL, "anchor_rw_all", "without an audit entry"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fixture f;
        struct store_audit_verify_result r;
        struct store_audit_head anchor;
        REQUIRE(fixture_open(&f, cases[i].name) == 0);
        REQUIRE(logins(&f, 10) == 0);
        REQUIRE(store_audit_head(f.s, &anchor) == 0);
        fixture_close(&f);
        REQUIRE(rewrite_chain(f.path, 6, cases[i].how) == 0);
        REQUIRE(reopen(&f) == 0);
        CHECK_EQ_INT(verify(&f, NULL, &r), STORE_ERR_TAMPER);
        CHECK(strstr(r.problem, cases[i].found) != NULL);
        if (!strstr(r.problem, cases[i].found))
            fprintf(stderr, "  %s: %s\n", cases[i].name, r.problem);
        /* The anchor names the rewrite too, whatever else is found first. */
        CHECK_EQ_INT(verify(&f, &anchor, &r), STORE_ERR_TAMPER);
        fixture_close(&f);
    }
}

/* A granted search (a searches row) and a hold (a holds row); 0 or -1. */
static int search_and_hold(struct fixture *f, int64_t *hold_id)
{
    struct store_query q = {.plate = "ABC1234", .match = STORE_MATCH_EXACT};
    struct store_read_list *l = NULL;
    struct store_hold_spec h = {
        .kind = STORE_HOLD_PRESERVATION, .reference = "PR-2026-7", .plate = "ABC1234"};
    f->clock.now += 60;
    if (store_search(f->s, &f->inv, &access_robbery, &q, &l) != 0)
        return -1;
    store_read_list_free(l);
    f->clock.now += 60;
    return store_hold_add(f->s, &f->admin, &h, hold_id);
}

/* Finding 1: the search register and the holds edited, a search deleted (raw SQLite). */
static void test_covered_rows_edited_detected(void)
{
    static const struct {
        const char *name, *sql, *table, *found;
    } cases[] = {
        {"anchor_ed_search",
         "DROP TRIGGER searches_no_update; DROP TRIGGER audit_cover_searches_upd;"
         " UPDATE searches SET crime_type = 'homicide' WHERE id = 1",
         "searches", "edited"},
        {"anchor_del_search",
         "DROP TRIGGER searches_no_delete; DROP TRIGGER audit_cover_searches_del;"
         " DELETE FROM searches WHERE id = 1",
         "searches", "gone without an audit entry"},
        {"anchor_ed_hold",
         "DROP TRIGGER audit_cover_holds_upd; UPDATE holds SET kind = 'warrant', expires_at = NULL",
         "holds", "edited"},
        /* With the triggers left in place the change is staged, but no keyed entry holds it. */
        {"anchor_ed_hold_staged", "UPDATE holds SET reference = 'made-up-123'", "holds", "edited"},
        {"anchor_no_trigger", "DROP TRIGGER audit_cover_alerts_ins", "alerts", "missing"},
        {"anchor_add_member",
         "INSERT INTO members(name, role, created_at, created_by, training_date)"
         " VALUES('mallory', 'administrator', 0, 'ada', 0)",
         "members", "without an audit entry"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fixture f;
        struct store_audit_verify_result r;
        int64_t hold;
        REQUIRE(fixture_open(&f, cases[i].name) == 0);
        REQUIRE(search_and_hold(&f, &hold) == 0);
        CHECK_EQ_INT(verify(&f, NULL, &r), 0);
        fixture_close(&f);
        REQUIRE(raw(f.path, cases[i].sql) == SQLITE_OK);
        REQUIRE(reopen(&f) == 0);
        CHECK_EQ_INT(verify(&f, NULL, &r), STORE_ERR_TAMPER);
        CHECK_EQ_STR(r.bad_table, cases[i].table);
        CHECK(strstr(r.problem, cases[i].found) != NULL);
        if (!strstr(r.problem, cases[i].found))
            fprintf(stderr, "  %s: %s\n", cases[i].name, r.problem);
        fixture_close(&f);
    }
}

/* The value of column col of the first row of the named report table whose column key_col is
 * key, or NULL. */
static const char *report_cell(const struct store_report *rep, const char *table,
                               const char *key_col, const char *key, const char *col)
{
    for (size_t t = 0; t < rep->n; t++) {
        const struct store_report_table *tb = &rep->tables[t];
        size_t kc = tb->ncols, vc = tb->ncols;
        if (strcmp(tb->name, table) != 0)
            continue;
        for (size_t c = 0; c < tb->ncols; c++) {
            if (!strcmp(tb->cols[c], key_col))
                kc = c;
            if (!strcmp(tb->cols[c], col))
                vc = c;
        }
        for (size_t r = 0; kc < tb->ncols && vc < tb->ncols && r < tb->nrows; r++)
            if (!strcmp(tb->cells[r * tb->ncols + kc].text, key))
                return tb->cells[r * tb->ncols + vc].text;
    }
    return NULL;
}

static size_t report_rows(const struct store_report *rep, const char *table)
{
    for (size_t t = 0; t < rep->n; t++)
        if (!strcmp(rep->tables[t].name, table))
            return rep->tables[t].nrows;
    return (size_t)-1;
}

/* Finding 1 (report part) and 3: the report reads the chain and flags weak justification. */
static void test_report_from_chain(void)
{
    struct fixture f;
    struct store_report *rep = NULL;
    struct store_read_list *l = NULL;
    struct store_query q = {.plate = "ABC1234", .match = STORE_MATCH_EXACT};
    const struct store_access burglary = {"investigation", "burglary", "2026-000123", NULL};
    int64_t hold;
    REQUIRE(fixture_open(&f, "anchor_report") == 0);
    REQUIRE(search_and_hold(&f, &hold) == 0);
    f.clock.now += 60;
    REQUIRE(store_search(f.s, &f.inv, &burglary, &q, &l) == 0);
    store_read_list_free(l);
    REQUIRE(store_report_audit(f.s, &f.aud, 0, 0, &rep) == 0);
    /* The same incident number for a robbery and a burglary. */
    CHECK(report_cell(rep, "incident_reused_across_crime_types", "incident", "2026-000123",
                      "crime_types") != NULL);
    CHECK_EQ_STR(report_cell(rep, "searches_by_crime_type", "crime_type", "robbery", "searches"),
                 "1");
    store_report_free(rep);
    rep = NULL;
    fixture_close(&f);
    /* The register edited behind the store's back: the report still says what happened. */
    REQUIRE(raw(f.path, "DROP TRIGGER searches_no_update; DROP TRIGGER audit_cover_searches_upd;"
                        " UPDATE searches SET crime_type = 'burglary' WHERE id = 1") == SQLITE_OK);
    REQUIRE(reopen(&f) == 0);
    REQUIRE(store_report_audit(f.s, &f.aud, 0, 0, &rep) == 0);
    CHECK_EQ_STR(report_cell(rep, "searches_by_crime_type", "crime_type", "robbery", "searches"),
                 "1");
    CHECK_EQ_INT(report_rows(rep, "incident_reused_across_crime_types"), 1);
    store_report_free(rep);
    fixture_close(&f);
}

/* 1 when text is valid UTF-8 without control characters. */
static int printable(const char *text)
{
    char why[128];
    const char *p;
    /* public_text_check allows newline and tab; the report must not have them either. */
    for (p = text; *p; p++)
        if (*p == '\n' || *p == '\t')
            return 0;
    /* Plate-shaped tokens are fine here: check only the text's form. */
    for (p = text; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return 0;
    (void)why;
    return 1;
}

/*
 * Appends an entry behind the store's back holding text no store call writes today: what an
 * older version or a raw edit may have left in the log. Its link is right; it has no MAC. 0/-1.
 */
static int raw_entry(const char *path, int64_t ts, const char *member, const char *outcome,
                     const char *params, const char *rows)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    int ok;
    if (sqlite3_open(path, &db) != SQLITE_OK)
        return -1;
    ok = sqlite3_prepare_v2(db,
                            "INSERT INTO audit(id, ts, member, event, params, outcome, prev_hash,"
                            " hash, row_images) SELECT last_id + 1, ?1, ?2, 'search', ?3, ?4, hash,"
                            " hash, ?5 FROM audit_head",
                            -1, &st, NULL) == SQLITE_OK;
    if (ok) {
        sqlite3_bind_int64(st, 1, ts);
        sqlite3_bind_text(st, 2, member, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, params, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, outcome, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, rows, -1, SQLITE_STATIC);
        ok = sqlite3_step(st) == SQLITE_DONE;
        sqlite3_finalize(st);
    }
    ok = ok && sqlite3_exec(db,
                            "UPDATE audit_head SET last_id = last_id + 1, hash = (SELECT hash FROM"
                            " audit ORDER BY id DESC LIMIT 1)",
                            NULL, NULL, NULL) == SQLITE_OK;
    sqlite3_close(db);
    return ok ? 0 : -1;
}

/* Finding 9 and 4: control characters and invalid UTF-8 in the log; plates masked for auditors. */
static void test_list_and_report_printable_masked(void)
{
    struct fixture f;
    struct store_audit_list *l = NULL;
    struct store_report *rep = NULL;
    char mask[STORE_MASK_SIZE], rows[512];
    int found_masked = 0, found_plate = 0;
    int64_t hold;
    REQUIRE(fixture_open(&f, "anchor_print") == 0);
    REQUIRE(search_and_hold(&f, &hold) == 0);
    fixture_close(&f);
    snprintf(rows, sizeof rows,
             "[[\"searches\", 99, [99, %lld, \"mal\\nlory\", \"search\", \"investigation\","
             " \"rob\\n== refusals\\nbery\", \"INC\\t1\", null, \"{}\", 0, \"ok\"]]]",
             (long long)f.clock.now);
    REQUIRE(raw_entry(f.path, f.clock.now, "x\n== refusals\nmallory\xff", "denied: \x1b[2J",
                      "{\"query\": \"\x01\xfe\"}", rows) == 0);
    REQUIRE(reopen(&f) == 0);
    REQUIRE(store_audit_list(f.s, &f.aud, 0, 0, NULL, NULL, 0, &l) == 0);
    store_priv_mask_plate(f.s, "ABC1234", mask);
    for (size_t i = 0; i < l->n; i++) {
        CHECK(printable(l->items[i].member));
        CHECK(printable(l->items[i].outcome));
        CHECK(printable(l->items[i].params));
        found_plate |= strstr(l->items[i].params, "ABC1234") != NULL;
        found_masked |= strstr(l->items[i].params, mask) != NULL;
    }
    CHECK(!found_plate);
    CHECK(found_masked);
    store_audit_list_free(l);
    /* Administrators see plates (they enter the holds and review the releases naming them). */
    REQUIRE(store_audit_list(f.s, &f.admin, 0, 0, NULL, "search", 0, &l) == 0);
    found_plate = 0;
    for (size_t i = 0; i < l->n; i++)
        found_plate |= strstr(l->items[i].params, "ABC1234") != NULL;
    CHECK(found_plate);
    store_audit_list_free(l);
    REQUIRE(store_report_audit(f.s, &f.aud, 0, 0, &rep) == 0);
    for (size_t t = 0; t < rep->n; t++)
        for (size_t c = 0; c < rep->tables[t].nrows * rep->tables[t].ncols; c++)
            CHECK(printable(rep->tables[t].cells[c].text));
    CHECK(report_cell(rep, "refusals", "member", "x\\x0a== refusals\\x0amallory\\xff", "times") !=
          NULL);
    CHECK(report_cell(rep, "searches_by_crime_type", "crime_type", "rob\\x0a== refusals\\x0abery",
                      "searches") != NULL);
    store_report_free(rep);
    fixture_close(&f);
}

/* Finding 13: the public page's policy text and output file. */
static void test_public_text(void)
{
    static const char ok_text[] = "Utah Code 41-6a-2001 and R11; policy 426.2(f).\n";
    char why[256], path[600], target[600];
    char *text;
    int fd;
    CHECK_EQ_INT(public_text_check(ok_text, strlen(ok_text), why, sizeof why), 0);
    CHECK_EQ_INT(public_text_check("line one\nseen 2026-01-02,UM78029,U1\n", 37, why, sizeof why),
                 -1);
    CHECK(strstr(why, "line 2") && strstr(why, "UM78029"));
    CHECK_EQ_INT(public_text_check("tab\tok\n\x1b[2J", 12, why, sizeof why), -1);
    CHECK(strstr(why, "control character 0x1b") != NULL);
    CHECK_EQ_INT(public_text_check("caf\xc3", 4, why, sizeof why), -1);
    CHECK(strstr(why, "not UTF-8") != NULL);
    CHECK_EQ_INT(public_text_check("caf\xc3\xa9 ok", 8, why, sizeof why), 0);

    snprintf(path, sizeof path, "%s/policy.txt", test_tmpdir());
    remove(path);
    fd = public_text_create(path, 0644);
    REQUIRE(fd >= 0);
    CHECK(write(fd, "Plain policy.\n", 14) == 14);
    close(fd);
    struct stat st;
    REQUIRE(stat(path, &st) == 0);
    CHECK_EQ_INT(st.st_mode & 0777, 0644);
    text = public_text_load(path, why, sizeof why);
    CHECK(text && strcmp(text, "Plain policy.\n") == 0);
    free(text);
    /* Never overwrites, never follows a symlink (neither to write nor to read). */
    CHECK_EQ_INT(public_text_create(path, 0644), -1);
    CHECK_EQ_INT(errno, EEXIST);
    snprintf(target, sizeof target, "%s/policy.lnk", test_tmpdir());
    remove(target);
    REQUIRE(symlink(path, target) == 0);
    CHECK_EQ_INT(public_text_create(target, 0644), -1);
    CHECK(public_text_load(target, why, sizeof why) == NULL);
    REQUIRE(stat(path, &st) == 0);
    CHECK_EQ_INT(st.st_size, 14);
    remove(target);
    remove(path);
}

int main(void)
{
    RUN(test_keyed_chain_and_head);
    RUN(test_truncated_tail_found_by_anchor);
    RUN(test_rewritten_chain_detected);
    RUN(test_covered_rows_edited_detected);
    RUN(test_report_from_chain);
    RUN(test_list_and_report_printable_masked);
    RUN(test_public_text);
    return test_finish();
}
