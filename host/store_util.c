/*
 * store_util: the store's helpers that touch no database: error texts, role names, times, and
 * freeing the alert lists. Declared in store.h / store_hotlist.h. Kept apart from store.c so that
 * the store's clients (alprd, the CLI) can use them without linking SQLite and the store.
 */
#include "store.h"
#include "store_hotlist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *store_strerror(int err)
{
    switch (err) {
    case STORE_OK:
        return "ok";
    case STORE_ERR_IO:
        return "database or file-system error";
    case STORE_ERR_NOMEM:
        return "out of memory";
    case STORE_ERR_INVALID:
        return "invalid argument";
    case STORE_ERR_DENIED:
        return "access denied by policy";
    case STORE_ERR_AUTH:
        return "unknown member or wrong password";
    case STORE_ERR_LOCKED:
        return "account locked after too many failed log-ons";
    case STORE_ERR_EXPIRED:
        return "session expired or ended; log on again";
    case STORE_ERR_TRAINING:
        return "no training-completion date on the account";
    case STORE_ERR_NOTFOUND:
        return "no such record";
    case STORE_ERR_EXISTS:
        return "record already exists";
    case STORE_ERR_FULL:
        return "disk full: nothing was changed";
    case STORE_ERR_VERSION:
        return "database schema is newer than this program";
    case STORE_ERR_DATA:
        return "malformed input data";
    case STORE_ERR_TAMPER:
        return "audit log chain does not verify";
    case STORE_ERR_BUSY:
        return "database busy";
    case STORE_ERR_STATE:
        return "record is not in a state that allows this";
    case STORE_ERR_CLOCK:
        return "the system clock is earlier than the last audit entry: refusing to act";
    default:
        return "unknown store error";
    }
}

const char *store_role_name(enum store_role role)
{
    switch (role) {
    case STORE_ROLE_OPERATOR:
        return "operator";
    case STORE_ROLE_INVESTIGATOR:
        return "investigator";
    case STORE_ROLE_ADMINISTRATOR:
        return "administrator";
    case STORE_ROLE_AUDITOR:
        return "auditor";
    case STORE_ROLE_SYSTEM:
        return "system";
    case STORE_ROLE_RECORDS:
        return "records";
    }
    return "unknown";
}

int store_role_parse(const char *name, enum store_role *out)
{
    static const enum store_role roles[] = {STORE_ROLE_OPERATOR, STORE_ROLE_INVESTIGATOR,
                                            STORE_ROLE_ADMINISTRATOR, STORE_ROLE_AUDITOR,
                                            STORE_ROLE_RECORDS};
    for (size_t i = 0; name && i < sizeof roles / sizeof roles[0]; i++) {
        if (strcmp(name, store_role_name(roles[i])) == 0) {
            *out = roles[i];
            return 0;
        }
    }
    return STORE_ERR_INVALID;
}

char *store_time_format(int64_t t, char *buf, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, size, "@%lld", (long long)t);
    return buf;
}

/* Reads 1..width ASCII digits at *p (no sign, no blank) into *out and moves *p past them. */
static int parse_digits(const char **p, int width, int *out)
{
    int v = 0, n = 0;
    while (n < width && (*p)[n] >= '0' && (*p)[n] <= '9') {
        v = v * 10 + ((*p)[n] - '0');
        n++;
    }
    if (n == 0)
        return -1;
    *p += n;
    *out = v;
    return 0;
}

/* Reads the separator c at *p. */
static int parse_char(const char **p, char c)
{
    if (**p != c)
        return -1;
    (*p)++;
    return 0;
}

int store_time_parse(const char *text, int64_t *out)
{
    struct tm tm, back;
    int y, mo, d, h = 0, mi = 0, sec = 0;
    const char *p = text;
    time_t t;
    if (!text)
        return STORE_ERR_INVALID;
    if (text[0] == '@') {
        char *end;
        long long v = strtoll(text + 1, &end, 10);
        if (end == text + 1 || *end)
            return STORE_ERR_INVALID;
        *out = v;
        return 0;
    }
    if (parse_digits(&p, 4, &y) || parse_char(&p, '-') || parse_digits(&p, 2, &mo) ||
        parse_char(&p, '-') || parse_digits(&p, 2, &d))
        return STORE_ERR_INVALID;
    if (*p == 'T' || *p == ' ') {
        p++;
        if (parse_digits(&p, 2, &h) || parse_char(&p, ':') || parse_digits(&p, 2, &mi))
            return STORE_ERR_INVALID;
        if (*p == ':' && (parse_char(&p, ':') || parse_digits(&p, 2, &sec)))
            return STORE_ERR_INVALID;
        if (*p == 'Z')
            p++;
    }
    if (*p || y < 1970 || y > 9999)
        return STORE_ERR_INVALID;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    /* timegm carries out-of-range fields over (31 February is 2 or 3 March): a date is real
     * when the time it names reads back as the same fields. */
    t = timegm(&tm);
    if (!gmtime_r(&t, &back) || back.tm_year != y - 1900 || back.tm_mon != mo - 1 ||
        back.tm_mday != d || back.tm_hour != h || back.tm_min != mi || back.tm_sec != sec)
        return STORE_ERR_INVALID;
    *out = (int64_t)t;
    return 0;
}

void store_alerts_free(struct store_alert *alerts)
{
    free(alerts);
}
