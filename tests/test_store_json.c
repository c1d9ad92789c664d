/*
 * Tests of the audit-parameter JSON writer (struct store_json, store_priv.h): exact escapes, the
 * size bound (a whole object or "", never a part), and random strings checked against an
 * independent parser (jansson, which refuses unescaped control characters and invalid UTF-8).
 */
#include "store_priv.h"
#include "testlib.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A writer on the heap: the struct holds its whole 64 KB buffer. */
static struct store_json *json_new(void)
{
    struct store_json *j = malloc(sizeof *j);
    if (j)
        store_json_init(j);
    return j;
}

static void test_exact_text(void)
{
    struct store_json *j = json_new();
    REQUIRE(j != NULL);
    store_json_str(j, "s", "q\"b\\n\nr\rt\tc\x01\x1f\x7f~");
    store_json_int(j, "min", INT64_MIN);
    store_json_str(j, "null", NULL);
    store_json_str(j, "k\"ey", "");
    CHECK_EQ_STR(store_json_end(j), "{\"s\":\"q\\\"b\\\\n\\u000ar\\u000dt\\u0009c\\u0001\\u001f"
                                    "\\u007f~\",\"min\":-9223372036854775808,\"null\":null,"
                                    "\"k\\\"ey\":\"\"}");
    /* end is idempotent; nothing may be added after it. */
    CHECK_EQ_STR(store_json_end(j), j->buf);
    CHECK(j->buf[j->len - 1] == '}' && j->buf[j->len - 2] == '"');
    store_json_int(j, "late", 1);
    CHECK_EQ_STR(store_json_end(j), "");
    store_json_init(j);
    CHECK_EQ_STR(store_json_end(j), "{}");
    free(j);
}

static void test_utf8(void)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        /* Well-formed: one to four bytes, the edges of each range. */
        {"\xc2\x80\xdf\xbf", "\xc2\x80\xdf\xbf"},
        {"\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf", "\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80"
                                                             "\xef\xbf\xbf"},
        {"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"},
        /* Not: each byte that does not start a well-formed sequence is one U+FFFD. */
        {"\x80", "\\ufffd"},                                  /* stray continuation */
        {"\xc0\xaf", "\\ufffd\\ufffd"},                       /* overlong '/' */
        {"\xc1\xbf", "\\ufffd\\ufffd"},                       /* overlong */
        {"\xe0\x9f\xbf", "\\ufffd\\ufffd\\ufffd"},            /* overlong 3-byte */
        {"\xed\xa0\x80", "\\ufffd\\ufffd\\ufffd"},            /* surrogate U+D800 */
        {"\xf0\x8f\xbf\xbf", "\\ufffd\\ufffd\\ufffd\\ufffd"}, /* overlong 4-byte */
        {"\xf4\x90\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd"}, /* above U+10FFFF */
        {"\xf5\x80", "\\ufffd\\ufffd"},
        {"\xff", "\\ufffd"},
        {"a\xe2\x82", "a\\ufffd\\ufffd"}, /* cut short at the end */
        {"\xe2\x82z", "\\ufffd\\ufffdz"}, /* cut short before ASCII */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct store_json *j = json_new();
        char want[128];
        REQUIRE(j != NULL);
        store_json_str(j, "v", cases[i].in);
        snprintf(want, sizeof want, "{\"v\":\"%s\"}", cases[i].out);
        if (strcmp(store_json_end(j), want) != 0)
            test_fail(__FILE__, __LINE__, "case %zu: got %s, want %s", i, j->buf, want);
        free(j);
    }
}

/* A value of n bytes that the writer copies as is. */
static char *plain(size_t n)
{
    char *v = malloc(n + 1);
    if (v) {
        memset(v, 'x', n);
        v[n] = '\0';
    }
    return v;
}

static void test_bound(void)
{
    /* {"v":"..."} is the value plus 8 bytes; with the NUL it fills STORE_JSON_MAX exactly. */
    size_t fit = STORE_JSON_MAX - 1 - 8;
    char *v = plain(fit + 1);
    struct store_json *j = json_new();
    REQUIRE(v && j);
    v[fit] = '\0';
    store_json_str(j, "v", v);
    CHECK_EQ_INT(strlen(store_json_end(j)), STORE_JSON_MAX - 1);
    CHECK(j->buf[0] == '{' && j->buf[STORE_JSON_MAX - 2] == '}');
    v[fit] = 'x';
    store_json_init(j);
    store_json_str(j, "v", v);
    CHECK_EQ_STR(store_json_end(j), "");
    /* Overflow is sticky: later small members do not bring back a partial object. */
    store_json_init(j);
    store_json_str(j, "v", v);
    store_json_int(j, "n", 1);
    store_json_str(j, "w", "y");
    CHECK_EQ_STR(store_json_end(j), "");
    /* An escape that would cross the bound fails the same way (6 bytes per control char). */
    memset(v, '\n', (STORE_JSON_MAX - 9) / 6 + 1);
    v[(STORE_JSON_MAX - 9) / 6 + 1] = '\0';
    store_json_init(j);
    store_json_str(j, "v", v);
    CHECK_EQ_STR(store_json_end(j), "");
    free(v);
    free(j);
}

static uint64_t rng = 0x2545f4914f6cdd1dull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Random bytes, biased to the interesting ones: controls, quotes, UTF-8 lead and tail bytes. */
static void random_bytes(char *buf, size_t n)
{
    static const unsigned char pick[] = {0x01, 0x0a, 0x1f, 0x7f, '"',  '\\', 'a',  0xc3,
                                         0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x80, 0xed};
    for (size_t i = 0; i < n; i++) {
        uint64_t r = next();
        buf[i] = (char)((r & 1) ? pick[(r >> 8) % sizeof pick] : 1 + (r >> 8) % 255);
    }
    buf[n] = '\0';
}

/* Random UTF-8 text (at most n bytes) of ASCII, controls and two- to four-byte characters. */
static size_t random_utf8(char *buf, size_t n)
{
    static const char *const pieces[] = {
        "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x9a\x93", "\xed\x9f\xbf", "\xf4\x8f\xbf\xbf", "\"",
        "\\"};
    size_t len = 0;
    while (len + 4 <= n) {
        uint64_t r = next();
        if (r % 3) {
            buf[len++] = (char)(1 + (r >> 8) % 127);
        } else {
            const char *p = pieces[(r >> 8) % (sizeof pieces / sizeof pieces[0])];
            memcpy(buf + len, p, strlen(p));
            len += strlen(p);
        }
        if ((r >> 40) % 50 == 0)
            break;
    }
    buf[len] = '\0';
    return len;
}

static void test_random_against_jansson(void)
{
    char text[301];
    int valid_inputs = 0;
    for (int i = 0; i < 20000; i++) {
        struct store_json *j = json_new();
        json_error_t err;
        json_t *doc, *in;
        size_t n = next() % 300;
        REQUIRE(j != NULL);
        if (i % 2)
            random_bytes(text, n);
        else
            n = random_utf8(text, n);
        store_json_str(j, "v", text);
        doc = json_loads(store_json_end(j), JSON_REJECT_DUPLICATES, &err);
        if (!doc || !json_is_object(doc) || !json_is_string(json_object_get(doc, "v"))) {
            test_fail(__FILE__, __LINE__, "case %d: not parsed (%s)", i, err.text);
            json_decref(doc);
            free(j);
            return;
        }
        /* Input that is UTF-8 comes back byte for byte. */
        in = json_stringn(text, n);
        if (in) {
            const char *back = json_string_value(json_object_get(doc, "v"));
            valid_inputs++;
            if (json_string_length(json_object_get(doc, "v")) != n || memcmp(back, text, n) != 0)
                test_fail(__FILE__, __LINE__, "case %d: value changed", i);
        }
        json_decref(in);
        json_decref(doc);
        free(j);
    }
    /* Every UTF-8 draw, and few of the random-byte ones, were text. */
    CHECK(valid_inputs >= 10000 && valid_inputs < 12000);
}

int main(void)
{
    RUN(test_exact_text);
    RUN(test_utf8);
    RUN(test_bound);
    RUN(test_random_against_jansson);
    return test_finish();
}
