/* store_justify: the one check of an access's justification (see store_justify.h). */
#include "store_justify.h"
#include "store_priv.h"

#include <regex.h>
#include <stdio.h>
#include <string.h>

static const char *const purposes[] = {"investigation", "warrant", "missing-person",
                                       "stolen-vehicle"};

/* Words that say "no reason given", compared on letters and digits only, lower case: "n/a" and
 * "N.A." are "na". A department that uses one of them as a real crime type is unlikely. */
static const char *const junk_words[] = {
    "none",     "na",     "nil", "null",    "nothing", "test",  "testing", "tbd",
    "todo",     "tba",    "unk", "unknown", "any",     "all",   "misc",    "other",
    "asdf",     "qwerty", "foo", "bar",     "foobar",  "dummy", "sample",  "example",
    "whatever", "no",     "yes", "abc",     "123",     "1234",  "12345",   "nonegiven"};

/* Inputs no incident-number pattern may accept (store_incident_pattern_set). */
static const char *const junk_samples[] = {"", " ", "none", "n/a", "test", "-", "?", "0"};

#define SETTING_PATTERN "incident_pattern"

int store_purpose_valid(const char *word)
{
    for (size_t i = 0; word && i < sizeof purposes / sizeof purposes[0]; i++)
        if (strcmp(word, purposes[i]) == 0)
            return 1;
    return 0;
}

static int is_alnum_ascii(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int store_justify_junk(const char *text)
{
    char folded[STORE_TEXT_MAX + 1];
    size_t n = 0, distinct = 0;
    const unsigned char *p = (const unsigned char *)text;
    if (!text)
        return 1;
    for (; *p && n < sizeof folded - 1; p++) {
        /* Non-ASCII bytes count as letters: a UTF-8 word is not junk by this rule. */
        if (is_alnum_ascii(*p) || *p >= 0x80)
            folded[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    }
    folded[n] = '\0';
    if (n == 0)
        return 1;
    for (size_t i = 1; i < n; i++)
        distinct += folded[i] != folded[0];
    if (distinct == 0 && strlen(text) > 1)
        return 1;
    for (size_t i = 0; i < sizeof junk_words / sizeof junk_words[0]; i++)
        if (strcmp(folded, junk_words[i]) == 0)
            return 1;
    return 0;
}

/* Copies t without leading/trailing blanks into dst (size bytes). Returns 0, or -1 when the
 * trimmed text does not fit (dst then holds what fits). */
static int trim_copy(const char *t, char *dst, size_t size)
{
    size_t b = 0, e;
    dst[0] = '\0';
    if (!t)
        return 0;
    e = strlen(t);
    while (t[b] == ' ' || t[b] == '\t')
        b++;
    while (e > b && (t[e - 1] == ' ' || t[e - 1] == '\t'))
        e--;
    if (e - b >= size) {
        memcpy(dst, t + b, size - 1);
        dst[size - 1] = '\0';
        return -1;
    }
    memcpy(dst, t + b, e - b);
    dst[e - b] = '\0';
    return 0;
}

/* Rewrites buf in place so that it is text: each control character or byte that does not start
 * a well-formed UTF-8 sequence becomes '?'. */
static void make_printable(char *buf)
{
    unsigned char *p = (unsigned char *)buf;
    while (*p) {
        size_t n = store_priv_utf8_len(p);
        if (n == 0 || *p < 0x20 || *p == 0x7f) {
            *p++ = '?';
            continue;
        }
        p += n;
    }
}

/* 1 when crime (trimmed, valid text) has the crime-type form (store_justify.h). */
static int crime_form_ok(const char *crime)
{
    const unsigned char *p = (const unsigned char *)crime;
    int letters = 0;
    if (strlen(crime) < STORE_CRIME_TYPE_MIN)
        return 0;
    for (; *p; p++) {
        if ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')
            letters++;
        else if (*p >= 0xc0) /* the lead byte of a non-ASCII character */
            letters++;
        else if (!(*p >= 0x80 || (*p >= '0' && *p <= '9') || strchr(" -/.,'&()", *p)))
            return 0;
    }
    return letters >= 2;
}

int store_incident_pattern_get(struct store *s, char *buf, size_t size)
{
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(
        s->db, "SELECT value FROM settings WHERE key = '" SETTING_PATTERN "'", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return store_priv_err(rc);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        store_priv_col_text(st, 0, buf, size);
    else
        snprintf(buf, size, "%s", STORE_INCIDENT_PATTERN_DEFAULT);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_priv_err(rc);
}

/* 1 when text matches the pattern, 0 when not, STORE_ERR_INVALID when it does not compile. */
static int pattern_match(const char *pattern, const char *text)
{
    regex_t re;
    int m;
    if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
        return STORE_ERR_INVALID;
    m = regexec(&re, text, 0, NULL, 0) == 0;
    regfree(&re);
    return m;
}

int store_justify_incident_re(struct store *s, regex_t *re)
{
    char pattern[STORE_INCIDENT_PATTERN_MAX + 1];
    int rc = store_incident_pattern_get(s, pattern, sizeof pattern);
    if (rc != 0)
        return rc;
    return regcomp(re, pattern, REG_EXTENDED | REG_NOSUB) == 0 ? 0 : STORE_ERR_DATA;
}

int store_justify_incident_match(const regex_t *re, const char *incident)
{
    return store_priv_valid_text(incident, STORE_NAME_MAX) && !store_justify_junk(incident) &&
           regexec(re, incident, 0, NULL, 0) == 0;
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

/* Trims field into buf; sets *why (unless set) when it is too long or not text. */
static void take_field(const char *field, char *buf, size_t size, const char *too_long,
                       const char *not_text, const char **why)
{
    int cut = trim_copy(field, buf, size);
    if (!*why && cut)
        *why = too_long;
    if (buf[0] && !store_priv_valid_text(buf, size - 1)) {
        if (!*why)
            *why = not_text;
        make_printable(buf);
    }
}

static const char *check_fields(const struct store_justified *j)
{
    if (!store_purpose_valid(j->purpose))
        return "refused: purpose missing or not a statutory purpose";
    if (!j->crime_type[0])
        return "refused: crime type missing";
    if (store_justify_junk(j->crime_type) || !crime_form_ok(j->crime_type))
        return "refused: crime type is not a crime type (3-63 letters, digits, blanks, - / . , '"
               " & ( ); not 'none', 'test', 'n/a' ...)";
    if (!j->incident[0])
        return "refused: incident number missing";
    if (store_justify_junk(j->incident))
        return "refused: incident number is not an incident number ('none', 'test', '-' ...)";
    return NULL;
}

int store_justify_clean(struct store *s, const struct store_access *a, struct store_justified *out,
                        const char **why)
{
    static const struct store_access none = {0};
    int rc;
    *why = NULL;
    if (!a)
        a = &none;
    take_field(a->purpose, out->purpose, sizeof out->purpose,
               "refused: purpose missing or not a statutory purpose",
               "refused: purpose missing or not a statutory purpose", why);
    take_field(a->crime_type, out->crime_type, sizeof out->crime_type,
               "refused: crime type longer than 63 bytes",
               "refused: crime type holds a control character or is not UTF-8", why);
    take_field(a->incident, out->incident, sizeof out->incident,
               "refused: incident number longer than 63 bytes",
               "refused: incident number holds a control character or is not UTF-8", why);
    take_field(a->warrant_ref, out->warrant_ref, sizeof out->warrant_ref,
               "refused: warrant reference too long",
               "refused: warrant reference holds a control character or is not UTF-8", why);
    out->access = (struct store_access){
        out->purpose[0] ? out->purpose : NULL, out->crime_type[0] ? out->crime_type : NULL,
        out->incident[0] ? out->incident : NULL, out->warrant_ref[0] ? out->warrant_ref : NULL};
    if (!*why)
        *why = check_fields(out);
    if (!*why) {
        regex_t re;
        if ((rc = store_justify_incident_re(s, &re)) != 0)
            return rc;
        if (!store_justify_incident_match(&re, out->incident))
            *why = "refused: incident number does not match the department's format"
                   " (alpr policy show)";
        regfree(&re);
    }
    if (!*why && out->warrant_ref[0]) {
        if ((rc = warrant_active(s, out->warrant_ref)) < 0)
            return rc;
        if (rc == 0)
            *why = "refused: no active warrant or court order with that reference";
    }
    return *why ? STORE_ERR_DENIED : 0;
}

int store_justify_check(struct store *s, const struct store_access *a, const char **why)
{
    struct store_justified j;
    return store_justify_clean(s, a, &j, why);
}

int store_justify_register(struct store *s, const char *who, const char *kind,
                           const struct store_access *a, const char *query, int64_t count,
                           const char *outcome)
{
    /* Prepared once per handle: every search writes one. */
    sqlite3_stmt *st = store_priv_cached(s, "INSERT INTO searches(ts, member, kind, purpose,"
                                            " crime_type, incident, warrant_ref, query,"
                                            " result_count, outcome)"
                                            " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    int rc;
    if (!st)
        return store_priv_err(sqlite3_errcode(s->db));
    sqlite3_bind_int64(st, 1, store_now(s));
    sqlite3_bind_text(st, 2, who, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
    store_priv_bind_text(st, 4, a ? a->purpose : NULL);
    store_priv_bind_text(st, 5, a ? a->crime_type : NULL);
    store_priv_bind_text(st, 6, a ? a->incident : NULL);
    store_priv_bind_text(st, 7, a ? a->warrant_ref : NULL);
    sqlite3_bind_text(st, 8, query, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 9, count);
    sqlite3_bind_text(st, 10, outcome, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? 0 : store_priv_err(rc);
}

int store_justify_record(struct store *s, const struct store_session *sess, const char *kind,
                         const struct store_access *a, const char *query, int64_t count,
                         const char *outcome)
{
    struct store_json j;
    char who[STORE_NAME_MAX + 8];
    int rc;
    store_priv_who(s, sess, who, sizeof who);
    if ((rc = store_priv_begin(s)) != 0)
        return rc;
    if ((rc = store_justify_register(s, who, kind, a, query, count, outcome)) != 0)
        goto fail;
    store_json_init(&j);
    store_json_str(&j, "purpose", a ? a->purpose : NULL);
    store_json_str(&j, "crime_type", a ? a->crime_type : NULL);
    store_json_str(&j, "incident", a ? a->incident : NULL);
    store_json_str(&j, "warrant_ref", a ? a->warrant_ref : NULL);
    store_json_str(&j, "query", query);
    store_json_int(&j, "results", count);
    if ((rc = store_priv_audit(s, who, kind, store_json_end(&j), outcome)) != 0)
        goto fail;
    return store_priv_commit(s);
fail:
    store_priv_rollback(s);
    return rc;
}

int store_justify_access(struct store *s, const struct store_session *sess, const char *kind,
                         const struct store_access *a, const char *query,
                         struct store_justified *out)
{
    const char *why;
    int rc = store_justify_clean(s, a, out, &why);
    if (rc != STORE_ERR_DENIED)
        return rc;
    rc = store_justify_record(s, sess, kind, &out->access, query, 0, why);
    return rc != 0 ? rc : STORE_ERR_DENIED;
}

/* Why pattern may not become the incident-number pattern, or NULL when it may. */
static const char *pattern_problem(const char *pattern)
{
    size_t n = strlen(pattern);
    if (!store_priv_valid_text(pattern, STORE_INCIDENT_PATTERN_MAX))
        return "the pattern must be text of 1..255 bytes without control characters";
    if (pattern[0] != '^' || pattern[n - 1] != '$')
        return "the pattern must be anchored: start with '^' and end with '$'";
    for (size_t i = 0; i < sizeof junk_samples / sizeof junk_samples[0]; i++) {
        int m = pattern_match(pattern, junk_samples[i]);
        if (m < 0)
            return "the pattern is not a POSIX extended regular expression";
        if (m)
            return "the pattern accepts junk ('', 'none', 'n/a', 'test', '-', '?' or '0')";
    }
    return NULL;
}

int store_incident_pattern_set(struct store *s, const struct store_session *sess,
                               const char *pattern, const char **why)
{
    struct store_json j;
    char who[STORE_NAME_MAX + 8], outcome[160];
    sqlite3_stmt *st;
    int rc, reset = !pattern || !*pattern;
    *why = NULL;
    store_json_init(&j);
    store_json_str(&j, "setting", "incident-pattern");
    /* A pattern that is not text is recorded as null, never as its bytes. */
    store_json_str(&j, "value",
                   reset ? STORE_INCIDENT_PATTERN_DEFAULT
                   : store_priv_valid_text(pattern, STORE_INCIDENT_PATTERN_MAX) ? pattern
                                                                                : NULL);
    store_json_end(&j);
    if ((rc = store_priv_authorize(s, sess, STORE_ROLE_ADMINISTRATOR, "policy.set", j.buf)) != 0)
        return rc;
    store_priv_who(s, sess, who, sizeof who);
    if (!reset && (*why = pattern_problem(pattern)) != NULL) {
        snprintf(outcome, sizeof outcome, "denied: %s", *why);
        rc = store_priv_audit_now(s, who, "policy.set", j.buf, outcome);
        return rc != 0 ? rc : STORE_ERR_INVALID;
    }
    if ((rc = store_priv_begin(s)) != 0)
        return rc;
    rc = sqlite3_prepare_v2(s->db,
                            reset ? "DELETE FROM settings WHERE key = '" SETTING_PATTERN "'"
                                  : "INSERT OR REPLACE INTO settings(key, value)"
                                    " VALUES('" SETTING_PATTERN "', ?)",
                            -1, &st, NULL);
    if (rc == SQLITE_OK) {
        if (!reset)
            sqlite3_bind_text(st, 1, pattern, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
    }
    if (rc != SQLITE_DONE) {
        store_priv_rollback(s);
        return store_priv_err(rc);
    }
    if ((rc = store_priv_audit(s, who, "policy.set", j.buf, "ok")) != 0) {
        store_priv_rollback(s);
        return rc;
    }
    return store_priv_commit(s);
}
