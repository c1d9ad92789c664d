/*
 * Tests of the store's input checks for names and free text (store_priv_valid_name,
 * store_priv_valid_text): a control character (below 0x20, or DEL) in a member name or in a
 * reason, reference, agency, purpose, note or hotlist text field is refused, while the same call
 * with clean text (UTF-8 included) gets past the check.
 */
#include "store_export.h"
#include "test_store_holds_util.h"

static const char *const controls[] = {"a\nb", "a\rb", "a\tb", "\x01", "a\x1b[2Jb", "a\x7f"};
#define N_CONTROLS (sizeof controls / sizeof controls[0])

static void test_member_names(void)
{
    struct fixture f;
    struct store_session s;
    char tok[STORE_TOKEN_HEX];
    int64_t id;
    REQUIRE(fixture_open(&f, "text_names") == 0);
    for (size_t i = 0; i < N_CONTROLS; i++) {
        CHECK_EQ_INT(store_member_add(f.s, &f.admin, controls[i], STORE_ROLE_OPERATOR, PW, T0, &id),
                     STORE_ERR_INVALID);
        CHECK_EQ_INT(store_member_set_role(f.s, &f.admin, controls[i], STORE_ROLE_AUDITOR),
                     STORE_ERR_INVALID);
        CHECK_EQ_INT(store_member_unlock(f.s, &f.admin, controls[i]), STORE_ERR_INVALID);
        CHECK_EQ_INT(store_login(f.s, controls[i], PW, &s, tok), STORE_ERR_AUTH);
    }
    CHECK_EQ_INT(store_member_add(f.s, &f.admin, "bob", STORE_ROLE_OPERATOR, PW, T0, &id), 0);
    fixture_close(&f);
}

/* An export sink that keeps nothing: these exports never get as far as writing. */
static int put_nothing(void *ctx, const char *name, const void *data, size_t len)
{
    (void)ctx;
    (void)name;
    (void)data;
    (void)len;
    return 0;
}

static void test_release_and_custody_text(void)
{
    struct fixture f;
    struct store_export_result res;
    struct store_export_sink sink = {put_nothing, NULL, 0};
    const char *dir = "/media/usb/case-1";
    const struct store_access why = {"investigation", "robbery", "2026-1", NULL};
    int64_t id;
    struct store_session rec;
    REQUIRE(fixture_open(&f, "text_release") == 0);
    REQUIRE(fixture_records(&f, "rita", &rec) == 0);
    for (size_t i = 0; i < N_CONTROLS; i++) {
        const char *c = controls[i];
        CHECK_EQ_INT(store_release_request(f.s, &f.inv, c, "ADA Smith", "trial", 1, &id),
                     STORE_ERR_INVALID);
        CHECK_EQ_INT(store_release_request(f.s, &f.inv, "County DA", c, "trial", 1, &id),
                     STORE_ERR_INVALID);
        CHECK_EQ_INT(store_release_request(f.s, &f.inv, "County DA", "ADA Smith", c, 1, &id),
                     STORE_ERR_INVALID);
        CHECK_EQ_INT(store_release_review(f.s, &rec, 1, 1, c), STORE_ERR_INVALID);
        CHECK_EQ_INT(store_custody_add(f.s, &f.inv, 1, c, NULL, NULL), STORE_ERR_INVALID);
        CHECK_EQ_INT(store_custody_add(f.s, &f.inv, 1, "booked", c, NULL), STORE_ERR_INVALID);
        CHECK_EQ_INT(store_export_hold(f.s, &f.inv, 1, &why, dir, c, &sink, &res),
                     STORE_ERR_INVALID);
    }
    /* Clean text (UTF-8 too) gets past the check to the missing hold, request or export. */
    CHECK_EQ_INT(store_release_request(f.s, &f.inv,
                                       "Fiscal\xc3\xad"
                                       "a",
                                       "ADA Smith", "trial", 1, &id),
                 STORE_ERR_NOTFOUND);
    CHECK_EQ_INT(store_release_review(f.s, &rec, 1, 1, "ok"), STORE_ERR_NOTFOUND);
    CHECK_EQ_INT(store_custody_add(f.s, &f.inv, 1, "booked", "locker 4", NULL), STORE_ERR_NOTFOUND);
    CHECK_EQ_INT(store_export_hold(f.s, &f.inv, 1, &why, dir, "locker 4", &sink, &res),
                 STORE_ERR_NOTFOUND);
    fixture_close(&f);
}

static void test_hotlist_text(void)
{
    static const char *const cols[] = {"reason", "source", "incident", "nic", "ori", "vehicle"};
    struct fixture f;
    struct store_import_result res;
    char csv[512];
    REQUIRE(fixture_open(&f, "text_hotlist") == 0);
    for (size_t i = 0; i < N_CONTROLS; i++) {
        CHECK_EQ_INT(store_hotlist_import_csv(f.s, &f.inv, controls[i], "x", 1, &res),
                     STORE_ERR_INVALID);
        CHECK_EQ_INT(store_alert_set_state(f.s, &f.op, 1, "confirmed", controls[i]),
                     STORE_ERR_INVALID);
    }
    CHECK_EQ_INT(store_alert_set_state(f.s, &f.op, 1, "confirmed", "seen"), STORE_ERR_NOTFOUND);
    /* Each text column of the CSV, one control character (a quoted line break among them). */
    for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
        for (size_t i = 0; i < N_CONTROLS; i++) {
            const char *v[6] = {"stolen", "NCIC", "2026-1", "N1", "UT0001", "blue van"};
            v[c] = controls[i];
            snprintf(csv, sizeof csv,
                     "plate,state,reason,source,expiry,incident,nic,ori,vehicle\n"
                     "7ABC123,UT,\"%s\",\"%s\",2026-06-01,\"%s\",\"%s\",\"%s\",\"%s\"\n",
                     v[0], v[1], v[2], v[3], v[4], v[5]);
            int rc = store_hotlist_import_csv(f.s, &f.inv, "list", csv, strlen(csv), &res);
            if (rc != STORE_ERR_DATA || res.n_errors != 1 || strcmp(res.errors[0].field, cols[c]))
                test_fail(__FILE__, __LINE__, "column %s, control %zu: rc %d, %zu errors, '%s'",
                          cols[c], i, rc, res.n_errors, res.n_errors ? res.errors[0].field : "");
        }
    }
    snprintf(
        csv, sizeof csv,
        "plate,state,reason,source,expiry,incident,nic,ori,vehicle\n"
        "7ABC123,UT,stolen,NCIC,2026-06-01,2026-1,N1,UT0001,\"blue van, \xc3\xa9t\xc3\xa9\"\n");
    CHECK_EQ_INT(store_hotlist_import_csv(f.s, &f.inv, "list", csv, strlen(csv), &res), 0);
    fixture_close(&f);
}

/*
 * The free-text fields checked in store_reads.c (crime type, incident, warrant reference,
 * source agency) and store_retention.c (hold reference, release reason): refused.
 */
static void test_fields_checked_elsewhere(void)
{
    struct fixture f;
    struct store_read_list *list = NULL;
    struct store_query q = {.plate = "7ABC123", .match = STORE_MATCH_EXACT};
    struct store_access a = {"investigation", "robbery", "2026-000123", NULL};
    struct store_hold_spec spec = {.kind = STORE_HOLD_PRESERVATION, .plate = "7ABC123"};
    struct store_read r = make_read("7ABC123", T0, "U1");
    int64_t id, hold;
    int rc;
    REQUIRE(fixture_open(&f, "text_elsewhere") == 0);
    spec.reference = "SW-1";
    REQUIRE(store_hold_add(f.s, &f.inv, &spec, &hold) == 0);

    a.crime_type = "rob\nbery";
    rc = store_search(f.s, &f.inv, &a, &q, &list);
    store_read_list_free(list);
    list = NULL;
    CHECK(rc == STORE_ERR_INVALID || rc == STORE_ERR_DENIED);
    a.crime_type = "robbery";
    a.incident = "2026\r1";
    rc = store_search(f.s, &f.inv, &a, &q, &list);
    store_read_list_free(list);
    list = NULL;
    CHECK(rc == STORE_ERR_INVALID || rc == STORE_ERR_DENIED);
    r.source_agency = "Metro\x1b PD";
    rc = store_add_read(f.s, &r, &id, NULL, NULL);
    CHECK_EQ_INT(rc, STORE_ERR_INVALID);
    spec.reference = "SW\n2";
    rc = store_hold_add(f.s, &f.inv, &spec, &id);
    CHECK_EQ_INT(rc, STORE_ERR_INVALID);
    rc = store_hold_release(f.s, &f.admin, hold, "done\n");
    CHECK_EQ_INT(rc, STORE_ERR_INVALID);
    fixture_close(&f);
}

int main(void)
{
    RUN(test_member_names);
    RUN(test_release_and_custody_text);
    RUN(test_hotlist_text);
    RUN(test_fields_checked_elsewhere);
    return test_finish();
}
