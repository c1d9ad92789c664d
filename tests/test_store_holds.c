/*
 * Tests of the two-person rules (issue #16, findings 2, 4 (holds) and 8): holds that cannot be
 * invented, preservation's 14 days, the auditors' masked hold list, separation of duties in
 * role grants and release approval. Each old attack is reproduced and shown to fail.
 */
#include "store_export.h"
#include "test_store_holds_util.h"

#define NGO_UNIT "NGO-01"
#define COURT    "3rd District Court"
#define RETAIN   ((int64_t)STORE_RETENTION_MAX_DAYS * DAY)

/* Logs member name on again into *sess (the clock jumps past the idle limit). */
static int relogin(struct fixture *f, const char *name, struct store_session *sess)
{
    char tok[STORE_TOKEN_HEX];
    return store_login(f->s, name, PW, sess, tok);
}

/* Reads of unit the investigator finds under access a; -1 when refused. */
static long unit_reads(struct fixture *f, const struct store_access *a, const char *unit)
{
    struct store_query q = {.from = T0 - 10 * DAY, .to = T0 + 10 * DAY};
    struct store_read_list *l = NULL;
    long n = 0;
    if (relogin(f, "ivan", &f->inv) != 0 || store_search(f->s, &f->inv, a, &q, &l) != 0)
        return -1;
    for (size_t i = 0; i < l->n; i++)
        n += strcmp(l->items[i].unit, unit) == 0;
    store_read_list_free(l);
    return n;
}

/* Three reads of a mall's camera (non-governmental, R9) and two of a patrol car, the day
 * before T0. */
static int add_reads(struct fixture *f)
{
    int64_t id;
    for (int i = 0; i < 5; i++) {
        struct store_read r =
            make_read(i < 3 ? "MALL100" : "CAR200", T0 - 3600 + i, i < 3 ? NGO_UNIT : "U1");
        if (i < 3) {
            r.non_governmental = 1;
            r.source_agency = "Mall Security LLC";
        }
        if (store_add_read(f->s, &r, &id, NULL, NULL) != 0)
            return -1;
    }
    return 0;
}

/* The listed hold id (copied into *out); 0 when found. */
static int hold_get(struct fixture *f, const struct store_session *sess, int64_t id,
                    struct store_hold *out)
{
    struct store_hold_list *l = NULL;
    int rc = -1;
    if (store_hold_list(f->s, sess, 0, &l) != 0)
        return -1;
    for (size_t i = 0; i < l->n; i++)
        if (l->items[i].id == id) {
            *out = l->items[i];
            rc = 0;
        }
    store_hold_list_free(l);
    return rc;
}

/* The purge at now; reads purged, or -1. */
static long purge_at(struct fixture *f, int64_t now)
{
    struct store_purge_report rep;
    f->clock.now = now;
    return store_purge_expired(f->s, now, &rep) == 0 ? (long)rep.reads : -1;
}

static const struct store_access warrant_access = {"warrant", "fraud", "2026-5", "made-up-123"};

/* Finding 2, the old attack: `hold add --kind warrant --ref made-up-123 --units NGO-01` by an
 * investigator, then searching the mall's reads under that reference. */
static void test_invented_warrant_refused(void)
{
    struct fixture f;
    int64_t id = 0;
    REQUIRE(fixture_open(&f, "holds_invented") == 0);
    REQUIRE(add_reads(&f) == 0);
    struct store_hold_spec w = {.kind = STORE_HOLD_WARRANT,
                                .reference = "made-up-123",
                                .units = NGO_UNIT,
                                .court = COURT,
                                .expires = T0 + 300 * DAY};
    CHECK_EQ_INT(store_hold_add(f.s, &f.inv, &w, &id), STORE_ERR_DENIED);
    w.kind = STORE_HOLD_DISCLOSURE;
    CHECK_EQ_INT(store_hold_add(f.s, &f.inv, &w, &id), STORE_ERR_DENIED);
    CHECK_EQ_INT(unit_reads(&f, &warrant_access, NGO_UNIT), -1);
    CHECK_EQ_INT(unit_reads(&f, access_ok(), NGO_UNIT), 0);
    CHECK_EQ_INT(unit_reads(&f, access_ok(), "U1"), 2);
    /* What an investigator can do alone, a preservation hold, opens no NGO read... */
    struct store_hold_spec p = {
        .kind = STORE_HOLD_PRESERVATION, .reference = "made-up-123", .units = NGO_UNIT ",U1"};
    f.clock.now = T0 + RETAIN - 5 * DAY;
    REQUIRE(relogin(&f, "ivan", &f.inv) == 0);
    CHECK_EQ_INT(store_hold_add(f.s, &f.inv, &p, &id), 0);
    CHECK_EQ_INT(unit_reads(&f, &warrant_access, NGO_UNIT), -1);
    /* ...and keeps none: at nine months the mall's reads go, the patrol car's stay. */
    CHECK_EQ_INT(purge_at(&f, T0 + RETAIN + 2 * DAY), 3);
    CHECK_EQ_INT(unit_reads(&f, access_ok(), "U1"), 2);
    /* An officer's approval makes it keep the NGO reads too (here: none left to keep). */
    fixture_close(&f);
}

/* Finding 2: an administrator's warrant hold does nothing until a second member approves it. */
static void test_warrant_needs_second_member(void)
{
    struct fixture f;
    struct store_session rita;
    struct store_hold h;
    int64_t id = 0;
    REQUIRE(fixture_open(&f, "holds_two_person") == 0);
    REQUIRE(add_reads(&f) == 0);
    REQUIRE(fixture_records(&f, "rita", &rita) == 0);
    struct store_hold_spec w = {.kind = STORE_HOLD_WARRANT,
                                .reference = "made-up-123",
                                .units = NGO_UNIT,
                                .expires = T0 + 400 * DAY};
    /* Document, court and review date are required. */
    CHECK_EQ_INT(store_hold_add(f.s, &f.admin, &w, &id), STORE_ERR_INVALID);
    w.court = COURT;
    w.expires = 0;
    CHECK_EQ_INT(store_hold_add(f.s, &f.admin, &w, &id), STORE_ERR_INVALID);
    w.expires = T0 + 400 * DAY;
    REQUIRE(store_hold_add(f.s, &f.admin, &w, &id) == 0);
    REQUIRE(hold_get(&f, &f.admin, id, &h) == 0);
    CHECK_EQ_STR(h.state, "pending");
    CHECK_EQ_STR(h.court, COURT);
    CHECK_EQ_INT(h.active, 0);
    CHECK_EQ_INT(h.reads, 0); /* an unapproved hold covers no NGO read */
    /* Pending: opens nothing. */
    CHECK_EQ_INT(unit_reads(&f, &warrant_access, NGO_UNIT), -1);
    /* Self-approval refused, also by the records officer for her own entry; investigators and
     * auditors never approve. */
    CHECK_EQ_INT(store_hold_approve(f.s, &f.admin, id), STORE_ERR_DENIED);
    CHECK_EQ_INT(store_hold_approve(f.s, &f.inv, id), STORE_ERR_DENIED);
    CHECK_EQ_INT(store_hold_approve(f.s, &f.aud, id), STORE_ERR_DENIED);
    int64_t own = 0;
    REQUIRE(store_hold_add(f.s, &rita, &w, &own) == 0);
    CHECK_EQ_INT(store_hold_approve(f.s, &rita, own), STORE_ERR_DENIED);
    CHECK_EQ_INT(store_hold_approve(f.s, &f.admin, own), 0);
    CHECK_EQ_INT(store_hold_release(f.s, &rita, own, "entered twice"), 0);
    /* The second member approves: in effect. */
    CHECK_EQ_INT(store_hold_approve(f.s, &rita, id), 0);
    CHECK_EQ_INT(store_hold_approve(f.s, &rita, id), STORE_ERR_STATE);
    REQUIRE(hold_get(&f, &f.admin, id, &h) == 0);
    CHECK_EQ_STR(h.state, "active");
    CHECK_EQ_STR(h.approved_by, "rita");
    CHECK_EQ_INT(h.reads, 3);
    CHECK_EQ_INT(unit_reads(&f, &warrant_access, NGO_UNIT), 3);
    /* And it keeps the mall's reads past nine months (the patrol car's, outside it, go). */
    CHECK_EQ_INT(purge_at(&f, T0 + RETAIN + 2 * DAY), 2);
    CHECK_EQ_INT(unit_reads(&f, &warrant_access, NGO_UNIT), 3);
    /* At its review date it ends unless extended by an order. */
    CHECK_EQ_INT(purge_at(&f, T0 + 401 * DAY), 3);
    fixture_close(&f);
}

/* A pending warrant hold keeps nothing from the purge. */
static void test_pending_hold_keeps_nothing(void)
{
    struct fixture f;
    int64_t id = 0;
    REQUIRE(fixture_open(&f, "holds_pending_purge") == 0);
    REQUIRE(add_reads(&f) == 0);
    struct store_hold_spec w = {.kind = STORE_HOLD_WARRANT,
                                .reference = "SW-9",
                                .units = NGO_UNIT ",U1",
                                .court = COURT,
                                .expires = T0 + 400 * DAY};
    REQUIRE(store_hold_add(f.s, &f.admin, &w, &id) == 0);
    CHECK_EQ_INT(purge_at(&f, T0 + RETAIN + 2 * DAY), 5);
    fixture_close(&f);
}

/* Preservation (41-6a-2005): 14 days, and only a court order, approved by two, extends it. */
static void test_preservation_expires_unless_extended(void)
{
    struct fixture f;
    struct store_session rita;
    struct store_hold h;
    int64_t lapse = 0, ext = 0;
    REQUIRE(fixture_open(&f, "holds_preservation") == 0);
    REQUIRE(add_reads(&f) == 0);
    f.clock.now = T0 + RETAIN - 10 * DAY;
    REQUIRE(relogin(&f, "ivan", &f.inv) == 0);
    struct store_hold_spec p = {.kind = STORE_HOLD_PRESERVATION,
                                .reference = "PR-7",
                                .plate = "CAR200",
                                .expires = f.clock.now + 15 * DAY};
    CHECK_EQ_INT(store_hold_add(f.s, &f.inv, &p, &lapse), STORE_ERR_INVALID); /* > 14 days */
    p.expires = 0;
    REQUIRE(store_hold_add(f.s, &f.inv, &p, &lapse) == 0);
    p.reference = "PR-8";
    p.plate = "MALL100";
    p.units = NGO_UNIT;
    REQUIRE(store_hold_add(f.s, &f.inv, &p, &ext) == 0);
    REQUIRE(fixture_records(&f, "rita", &rita) == 0);
    int64_t until = f.clock.now + 120 * DAY;
    /* Investigators cannot extend; an order needs court, reference and a later date. */
    CHECK_EQ_INT(store_hold_extend(f.s, &f.inv, ext, COURT, "ORD-1", until), STORE_ERR_DENIED);
    CHECK_EQ_INT(store_hold_extend(f.s, &f.admin, ext, "", "ORD-1", until), STORE_ERR_INVALID);
    CHECK_EQ_INT(store_hold_extend(f.s, &f.admin, ext, COURT, "ORD-1", f.clock.now - 1),
                 STORE_ERR_INVALID);
    /* The investigator's hold is approved by an officer (then it keeps the mall's NGO reads
     * too); the order extending it is entered by one officer and approved by another. */
    CHECK_EQ_INT(store_hold_approve(f.s, &f.admin, ext), 0);
    CHECK_EQ_INT(store_hold_extend(f.s, &f.admin, ext, COURT, "ORD-1", until), 0);
    CHECK_EQ_INT(store_hold_extend(f.s, &f.admin, ext, COURT, "ORD-2", until), STORE_ERR_STATE);
    REQUIRE(hold_get(&f, &f.admin, ext, &h) == 0);
    CHECK_EQ_INT(h.ext_until, until);
    CHECK_EQ_STR(h.ext_ref, "ORD-1");
    CHECK(h.expires < until); /* not before the approval */
    CHECK_EQ_INT(store_hold_approve(f.s, &f.admin, ext), STORE_ERR_DENIED);
    CHECK_EQ_INT(store_hold_approve(f.s, &rita, ext), 0);
    CHECK_EQ_INT(store_hold_approve(f.s, &rita, ext), STORE_ERR_STATE);
    REQUIRE(hold_get(&f, &f.admin, ext, &h) == 0);
    CHECK_EQ_INT(h.expires, until);
    CHECK_EQ_INT(h.ext_until, 0);
    /* Day 12 of the preservation: both holds keep their reads past nine months. Day 15: the
     * unextended hold has lapsed and its reads go; the extended one's stay. */
    CHECK_EQ_INT(purge_at(&f, T0 + RETAIN + 2 * DAY), 0);
    CHECK_EQ_INT(purge_at(&f, T0 + RETAIN + 5 * DAY), 2);
    REQUIRE(relogin(&f, "ada", &f.admin) == 0);
    REQUIRE(hold_get(&f, &f.admin, lapse, &h) == 0);
    CHECK_EQ_STR(h.state, "expired");
    REQUIRE(hold_get(&f, &f.admin, ext, &h) == 0);
    CHECK_EQ_STR(h.state, "active");
    CHECK_EQ_INT(h.reads, 3);
    CHECK_EQ_INT(store_hold_extend(f.s, &f.admin, lapse, COURT, "ORD-3", until), STORE_ERR_STATE);
    REQUIRE(relogin(&f, "ivan", &f.inv) == 0);
    const struct store_access w = {"warrant", "fraud", "2026-5", "PR-8"};
    CHECK_EQ_INT(unit_reads(&f, &w, NGO_UNIT), -1); /* preservation never opens NGO reads */
    fixture_close(&f);
}

/* Finding 4: auditors see holds with plates masked; administrators see the plates. */
static void test_auditor_hold_list_masked(void)
{
    struct fixture f;
    struct store_hold h;
    int64_t id = 0;
    REQUIRE(fixture_open(&f, "holds_masked") == 0);
    struct store_hold_spec p = {
        .kind = STORE_HOLD_PRESERVATION, .reference = "PR-1", .plate = "7ABC123"};
    REQUIRE(store_hold_add(f.s, &f.inv, &p, &id) == 0);
    REQUIRE(hold_get(&f, &f.aud, id, &h) == 0);
    CHECK(strcmp(h.plate, "7ABC123") != 0);
    CHECK(strncmp(h.plate, "P:", 2) == 0 && strlen(h.plate) == 14);
    CHECK_EQ_INT(h.plate_masked, 1);
    char token[32];
    snprintf(token, sizeof token, "%s", h.plate);
    REQUIRE(hold_get(&f, &f.aud, id, &h) == 0);
    CHECK_EQ_STR(h.plate, token); /* the same token each time: accesses can be correlated */
    REQUIRE(hold_get(&f, &f.admin, id, &h) == 0);
    CHECK_EQ_STR(h.plate, "7ABC123");
    CHECK_EQ_INT(h.plate_masked, 0);
    REQUIRE(hold_get(&f, &f.inv, id, &h) == 0);
    CHECK_EQ_STR(h.plate, "7ABC123");
    fixture_close(&f);
}

/* Finding 8, the old attack: an administrator makes a second administrator account, submits a
 * release request and approves it through that account. */
static void test_admin_cannot_approve_through_own_account(void)
{
    struct fixture f;
    struct store_session chief, rita, bob;
    struct store_member_list *ml = NULL;
    char tok[STORE_TOKEN_HEX];
    int64_t id, hold = 0, req = 0;
    int pending = -1;
    REQUIRE(fixture_open(&f, "holds_duties") == 0);
    struct store_hold_spec p = {
        .kind = STORE_HOLD_PRESERVATION, .reference = "PR-1", .plate = "7ABC123"};
    REQUIRE(store_hold_add(f.s, &f.inv, &p, &hold) == 0);
    /* The new administrator account is disabled until a second administrator confirms it;
     * its creator can neither enable nor confirm it. */
    CHECK_EQ_INT(store_member_add(f.s, &f.admin, "chief", STORE_ROLE_ADMINISTRATOR, PW, T0, &id),
                 0);
    CHECK_EQ_INT(store_login(f.s, "chief", PW, &chief, tok),
                 STORE_ERR_AUTH); /* disabled: answered like a wrong password */
    CHECK_EQ_INT(store_member_set_disabled(f.s, &f.admin, "chief", 0), STORE_ERR_STATE);
    CHECK_EQ_INT(store_member_confirm(f.s, &f.admin, "chief"), STORE_ERR_DENIED);
    /* Granting the role again (or another privileged one) does not turn the new account's
     * grant into one its creator could enable. */
    CHECK_EQ_INT(store_member_grant(f.s, &f.admin, "chief", STORE_ROLE_ADMINISTRATOR, &pending), 0);
    CHECK_EQ_INT(pending, 1);
    CHECK_EQ_INT(store_member_set_disabled(f.s, &f.admin, "chief", 0), STORE_ERR_STATE);
    REQUIRE(store_member_list(f.s, &f.admin, &ml) == 0);
    for (size_t i = 0; i < ml->n; i++)
        if (strcmp(ml->items[i].name, "chief") == 0) {
            CHECK_EQ_STR(ml->items[i].pending_role, "administrator");
            CHECK_EQ_INT(ml->items[i].disabled, 1);
        }
    store_member_list_free(ml);
    /* The same with a role change, and for the records role. */
    CHECK_EQ_INT(store_member_add(f.s, &f.admin, "sock", STORE_ROLE_INVESTIGATOR, PW, T0, &id), 0);
    CHECK_EQ_INT(store_member_grant(f.s, &f.admin, "sock", STORE_ROLE_RECORDS, &pending), 0);
    CHECK_EQ_INT(pending, 1);
    CHECK_EQ_INT(store_login(f.s, "sock", PW, &chief, tok), 0);
    CHECK_EQ_INT(chief.role, STORE_ROLE_INVESTIGATOR);
    /* An administrator cannot approve a release at all (R12: records officer's duty). */
    CHECK_EQ_INT(
        store_release_request(f.s, &f.admin, "County DA", "ADA Smith", "trial", hold, &req), 0);
    CHECK_EQ_INT(store_release_review(f.s, &f.admin, req, 1, "ok"), STORE_ERR_DENIED);
    int64_t by_ivan = 0;
    CHECK_EQ_INT(
        store_release_request(f.s, &f.inv, "County DA", "ADA Smith", "trial", hold, &by_ivan), 0);
    CHECK_EQ_INT(store_release_review(f.s, &f.admin, by_ivan, 1, "ok"), STORE_ERR_DENIED);
    /* A records officer approves neither her own request nor one from an account she
     * created: ada, made records by a second administrator, created ivan. */
    REQUIRE(fixture_records(&f, "rita", &rita) == 0);
    int64_t own = 0, ivans = 0;
    CHECK_EQ_INT(store_release_request(f.s, &rita, "County DA", "ADA Smith", "trial", hold, &own),
                 0);
    CHECK_EQ_INT(store_release_review(f.s, &rita, own, 1, "ok"), STORE_ERR_DENIED);
    CHECK_EQ_INT(store_member_add(f.s, &f.admin, "bob", STORE_ROLE_INVESTIGATOR, PW, T0, &id), 0);
    REQUIRE(fixture_backdate(&f, "bob", STORE_GRANT_WAIT_DEFAULT_DAYS + 1) == 0);
    CHECK_EQ_INT(store_member_grant(f.s, &f.admin, "bob", STORE_ROLE_ADMINISTRATOR, &pending), 0);
    CHECK_EQ_INT(pending, 0); /* created long enough ago */
    REQUIRE(relogin(&f, "bob", &bob) == 0);
    /* bob, a second administrator, confirms chief; the waiting grant of sock too. */
    CHECK_EQ_INT(store_member_confirm(f.s, &bob, "chief"), 0);
    CHECK_EQ_INT(store_login(f.s, "chief", PW, &chief, tok), 0);
    CHECK_EQ_INT(chief.role, STORE_ROLE_ADMINISTRATOR);
    /* Even confirmed, the second administrator approves no release: the old attack's last
     * step. */
    CHECK_EQ_INT(store_release_review(f.s, &chief, req, 1, "ok"), STORE_ERR_DENIED);
    CHECK_EQ_INT(store_member_confirm(f.s, &bob, "chief"), STORE_ERR_STATE);
    CHECK_EQ_INT(store_member_set_role(f.s, &bob, "ada", STORE_ROLE_RECORDS), 0);
    REQUIRE(relogin(&f, "ada", &f.admin) == 0);
    CHECK_EQ_INT(f.admin.role, STORE_ROLE_RECORDS);
    REQUIRE(relogin(&f, "ivan", &f.inv) == 0);
    CHECK_EQ_INT(
        store_release_request(f.s, &f.inv, "County DA", "ADA Smith", "trial", hold, &ivans), 0);
    CHECK_EQ_INT(store_release_review(f.s, &f.admin, ivans, 1, "ok"), STORE_ERR_DENIED);
    /* rita, who created neither, approves. */
    CHECK_EQ_INT(store_release_review(f.s, &rita, ivans, 1, "written request on file"), 0);
    /* rita's own request: ada created rita's account, so a third officer must review it. */
    CHECK_EQ_INT(store_release_review(f.s, &f.admin, own, 1, "on file"), STORE_ERR_DENIED);
    fixture_close(&f);
}

/* The waiting period: a setting only an administrator changes, within bounds, audited. */
static void test_grant_wait_setting(void)
{
    struct fixture f;
    struct store_audit_list *al = NULL;
    int64_t id;
    int pending = -1, found = 0;
    REQUIRE(fixture_open(&f, "holds_wait") == 0);
    CHECK_EQ_INT(store_grant_wait_days(f.s), STORE_GRANT_WAIT_DEFAULT_DAYS);
    CHECK_EQ_INT(store_set_grant_wait_days(f.s, &f.admin, 0), STORE_ERR_INVALID);
    CHECK_EQ_INT(store_set_grant_wait_days(f.s, &f.admin, STORE_GRANT_WAIT_MAX_DAYS + 1),
                 STORE_ERR_INVALID);
    CHECK_EQ_INT(store_set_grant_wait_days(f.s, &f.aud, 1), STORE_ERR_DENIED);
    CHECK_EQ_INT(store_set_grant_wait_days(f.s, &f.admin, 30), 0);
    CHECK_EQ_INT(store_grant_wait_days(f.s), 30);
    CHECK_EQ_INT(store_member_add(f.s, &f.admin, "newr", STORE_ROLE_AUDITOR, PW, T0, &id), 0);
    REQUIRE(fixture_backdate(&f, "newr", 20) == 0); /* 20 < 30 days */
    CHECK_EQ_INT(store_member_grant(f.s, &f.admin, "newr", STORE_ROLE_RECORDS, &pending), 0);
    CHECK_EQ_INT(pending, 1);
    REQUIRE(store_audit_list(f.s, &f.aud, 0, 0, NULL, "settings.", 0, &al) == 0);
    for (size_t i = 0; i < al->n; i++)
        found += strcmp(al->items[i].event, "settings.grant_wait") == 0 &&
                 strcmp(al->items[i].outcome, "ok") == 0;
    store_audit_list_free(al);
    CHECK_EQ_INT(found, 1);
    fixture_close(&f);
}

/* Holds entered before the rule stay in effect, flagged; the members table takes 'records'. */
static void test_migration_keeps_old_holds(void)
{
    struct fixture f;
    struct store_hold h;
    sqlite3 *db;
    int64_t id;
    int v = 0;
    memset(&f, 0, sizeof f);
    fixture_path(&f, "holds_migrate");
    f.clock.now = T0;
    REQUIRE(store_open_at_version(f.path, STORE_SCHEMA_TWO_PERSON - 1, &f.s) == 0);
    store_set_clock(f.s, fake_now, &f.clock);
    REQUIRE(store_member_init(f.s, "ada", PW, T0 - DAY, &id) == 0);
    store_close(f.s);
    f.s = NULL;
    /* The old attack's hold, as an older program stored it. */
    REQUIRE(sqlite3_open(f.path, &db) == SQLITE_OK);
    CHECK_EQ_INT(sqlite3_exec(db,
                              "INSERT INTO holds(kind, reference, units, entered_by, entered_at)"
                              " VALUES('warrant', 'made-up-123', ',NGO-01,', 'ivan', 1767225600)",
                              NULL, NULL, NULL),
                 SQLITE_OK);
    CHECK(sqlite3_exec(db, "UPDATE members SET role = 'records'", NULL, NULL, NULL) !=
          SQLITE_OK); /* the old CHECK */
    sqlite3_close(db);
    REQUIRE(test_master_key_file(f.key_path) == 0);
    REQUIRE(fixture_reopen(&f) == 0);
    CHECK_EQ_INT(store_schema_version(f.s, &v), 0);
    CHECK_EQ_INT(v, STORE_SCHEMA_VERSION);
    REQUIRE(relogin(&f, "ada", &f.admin) == 0);
    REQUIRE(hold_get(&f, &f.admin, 1, &h) == 0);
    CHECK_EQ_INT(h.legacy, 1);
    CHECK_EQ_STR(h.state, "active");
    CHECK_EQ_INT(h.active, 1);
    CHECK_EQ_STR(h.approved_by, "(before two-person rule)");
    CHECK_EQ_INT(store_member_add(f.s, &f.admin, "rita", STORE_ROLE_RECORDS, PW, T0, &id), 0);
    struct store_audit_verify_result vr;
    CHECK_EQ_INT(store_audit_verify(f.s, &f.admin, &vr), 0);
    fixture_close(&f);
    REQUIRE(sqlite3_open(f.path, &db) == SQLITE_OK);
    CHECK_EQ_INT(sqlite3_exec(db, "PRAGMA integrity_check", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

int main(void)
{
    RUN(test_invented_warrant_refused);
    RUN(test_warrant_needs_second_member);
    RUN(test_pending_hold_keeps_nothing);
    RUN(test_preservation_expires_unless_extended);
    RUN(test_auditor_hold_list_masked);
    RUN(test_admin_cannot_approve_through_own_account);
    RUN(test_grant_wait_setting);
    RUN(test_migration_keeps_old_holds);
    return test_finish();
}
