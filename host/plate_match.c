#include "plate_match.h"

#include <string.h>

const char *plate_strerror(int err)
{
    switch (err) {
    case PLATE_OK:
        return "ok";
    case PLATE_ERR_EMPTY:
        return "empty plate";
    case PLATE_ERR_CHAR:
        return "invalid character in plate (A-Z, 0-9 only; ? and * in patterns)";
    case PLATE_ERR_TOO_LONG:
        return "plate too long";
    default:
        return "unknown plate error";
    }
}

int plate_normalize(const char *text, int allow_wildcards, char out[PLATE_MAX_LEN + 1])
{
    char buf[PLATE_MAX_LEN + 1];
    size_t n = 0;
    if (!text)
        return PLATE_ERR_EMPTY;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        char c = (char)*p;
        if (c == ' ' || c == '-' || c == '.')
            continue;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              (allow_wildcards && (c == '?' || c == '*'))))
            return PLATE_ERR_CHAR;
        if (c == '*' && n > 0 && buf[n - 1] == '*')
            continue;
        if (n >= PLATE_MAX_LEN)
            return PLATE_ERR_TOO_LONG;
        buf[n++] = c;
    }
    if (n == 0)
        return PLATE_ERR_EMPTY;
    buf[n] = '\0';
    memcpy(out, buf, n + 1);
    return PLATE_OK;
}

int plate_is_pattern(const char *pattern)
{
    return strpbrk(pattern, "?*") != NULL;
}

char plate_skeleton_char(char c)
{
    switch (c) {
    case 'O':
    case 'D':
    case 'Q':
        return '0';
    case 'I':
    case 'L':
        return '1';
    case 'Z':
        return '2';
    case 'S':
        return '5';
    case 'G':
        return '6';
    case 'B':
        return '8';
    case 'V':
        return 'U';
    default:
        return c;
    }
}

void plate_skeleton(const char *plate, char out[PLATE_MAX_LEN + 1])
{
    size_t i = 0;
    for (; plate[i] && i < PLATE_MAX_LEN; i++)
        out[i] = plate_skeleton_char(plate[i]);
    out[i] = '\0';
}

void plate_reverse(const char *s, char out[PLATE_MAX_LEN + 1])
{
    size_t n = strnlen(s, PLATE_MAX_LEN);
    for (size_t i = 0; i < n; i++)
        out[i] = s[n - 1 - i];
    out[n] = '\0';
}

int plate_glob(const char *pattern, const char *plate)
{
    const char *star = NULL, *resume = NULL;
    while (*plate) {
        if (*pattern == '?' || (*pattern && *pattern != '*' && *pattern == *plate)) {
            pattern++;
            plate++;
        } else if (*pattern == '*') {
            star = pattern++;
            resume = plate;
        } else if (star) {
            pattern = star + 1;
            plate = ++resume;
        } else {
            return 0;
        }
    }
    while (*pattern == '*')
        pattern++;
    return *pattern == '\0';
}

int plate_fuzzy_distance(const char *a, const char *b)
{
    size_t n = strlen(a);
    int d = 0;
    if (strlen(b) != n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (a[i] == b[i])
            continue;
        d += plate_skeleton_char(a[i]) == plate_skeleton_char(b[i]) ? 1 : 4;
    }
    return d;
}

int plate_skeleton_distance(const char *a, const char *b)
{
    size_t n = strlen(a);
    int d = 0;
    if (strlen(b) != n)
        return -1;
    for (size_t i = 0; i < n; i++)
        d += plate_skeleton_char(a[i]) != plate_skeleton_char(b[i]);
    return d;
}
