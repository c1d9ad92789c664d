/* store_justify: the one check of an access's justification (see store_justify.h). */
#include "store_justify.h"
#include "store_priv.h"

#include <string.h>

static const char *const purposes[] = {"investigation", "warrant", "missing-person",
                                       "stolen-vehicle"};

int store_purpose_valid(const char *word)
{
    for (size_t i = 0; word && i < sizeof purposes / sizeof purposes[0]; i++)
        if (strcmp(word, purposes[i]) == 0)
            return 1;
    return 0;
}

static int text_ok(const char *t, size_t max, int required)
{
    if (!t || !*t)
        return !required;
    return store_priv_valid_text(t, max);
}

/* 1 when ref names an active warrant or disclosure-order hold, 0 when not, or a STORE_ERR_*. */
static int warrant_active(struct store *s, const char *ref)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(s->db,
                                "SELECT 1 FROM holds h WHERE h.reference = :ref AND h.kind IN"
                                " ('warrant', 'disclosure') AND " STORE_HOLD_ACTIVE_SQL("h"),
                                -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    store_priv_bind_named_text(st, ":ref", ref);
    store_priv_bind_named_int(st, ":now", store_now(s));
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW)
        return 1;
    return rc == SQLITE_DONE ? 0 : store_priv_err(rc);
}

int store_justify_check(struct store *s, const struct store_access *a, const char **why)
{
    int rc;
    *why = NULL;
    if (!a || !store_purpose_valid(a->purpose))
        *why = "refused: purpose missing or not a statutory purpose";
    else if (!text_ok(a->crime_type, STORE_NAME_MAX, 1))
        *why = "refused: crime type missing";
    else if (!text_ok(a->incident, STORE_NAME_MAX, 1))
        *why = "refused: incident number missing";
    else if (!text_ok(a->warrant_ref, STORE_TEXT_MAX, 0))
        *why = "refused: warrant reference too long";
    else if (a->warrant_ref && *a->warrant_ref) {
        if ((rc = warrant_active(s, a->warrant_ref)) < 0)
            return rc;
        if (rc == 0)
            *why = "refused: no active warrant or court order with that reference";
    }
    return *why ? STORE_ERR_DENIED : 0;
}
