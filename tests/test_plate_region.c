/* Tests of host/plate_region: region names, format tables and the scorer. */
#include "plate_region.h"
#include "testlib.h"

#include <math.h>
#include <string.h>

static int cls_of(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : 10 + (c - 'A');
}

/* One character's distribution: c at p, alt at palt (alt 0: none), the rest spread evenly. */
static void set_char(float *prob, char c, float p, char alt, float palt)
{
    float rest = 1.0f - p - (alt ? palt : 0);
    for (int k = 0; k < OCR_NCLASS; k++)
        prob[k] = rest / (OCR_NCLASS - (alt ? 2 : 1));
    prob[cls_of(c)] = p;
    if (alt)
        prob[cls_of(alt)] = palt;
}

/* A reading where every character is sure (0.99). */
static void set_text(float (*prob)[OCR_NCLASS], const char *text)
{
    for (size_t i = 0; text[i]; i++)
        set_char(prob[i], text[i], 0.99f, 0, 0);
}

static void test_names(void)
{
    static const char *const names[] = {"none", "us", "eu", "br", "ar", "auto"};
    enum plate_region r = PLATE_REGION_NONE;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        CHECK_EQ_INT(plate_region_parse(names[i], &r), 0);
        CHECK_EQ_STR(plate_region_name(r), names[i]);
    }
    CHECK(plate_region_name((enum plate_region)99) == NULL);
    CHECK(strstr(plate_region_strerror(PLATE_REGION_ERR_NAME), PLATE_REGION_NAMES) != NULL);
}

static void test_bad_names_rejected(void)
{
    static const char *const bad[] = {
        "",
        "US",
        "usa",
        "xx",
        "NONE",
        "us ",
        " us",
        "us\n",
        "us;",
        "us' OR 1=1",
        "br;DROP TABLE",
        "$(reboot)",
        "`id`",
        "eu|cat",
        "ar&&true",
        "auto-auto",
        "../../etc/passwd",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    };
    enum plate_region r = PLATE_REGION_BR;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ_INT(plate_region_parse(bad[i], &r), PLATE_REGION_ERR_NAME);
        CHECK_EQ_INT(r, PLATE_REGION_BR); /* not written on failure */
    }
    CHECK_EQ_INT(plate_region_parse(NULL, &r), PLATE_REGION_ERR_INVALID);
    CHECK_EQ_INT(plate_region_parse("us", NULL), PLATE_REGION_ERR_INVALID);
}

static int has_format(enum plate_region r, const char *pattern)
{
    size_t n;
    const struct plate_format *f = plate_region_formats(r, &n);
    for (size_t i = 0; f && i < n; i++)
        if (strcmp(f[i].pattern, pattern) == 0)
            return 1;
    return 0;
}

static void test_tables_well_formed(void)
{
    static const enum plate_region rs[] = {PLATE_REGION_US, PLATE_REGION_EU, PLATE_REGION_BR,
                                           PLATE_REGION_AR};
    for (size_t k = 0; k < sizeof rs / sizeof rs[0]; k++) {
        size_t n = 0;
        const struct plate_format *f = plate_region_formats(rs[k], &n);
        REQUIRE(f && n > 0);
        for (size_t i = 0; i < n; i++) {
            size_t len = strlen(f[i].pattern);
            CHECK(len >= 2 && (int)len <= plate_region_max_len(rs[k]));
            CHECK(strspn(f[i].pattern, "LDA") == len);
            CHECK(f[i].weight > 0 && f[i].weight <= 1);
            CHECK(strspn(f[i].no_letters, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == strlen(f[i].no_letters));
            CHECK(f[i].where && *f[i].where);
        }
    }
    {
        size_t n = 1;
        CHECK(plate_region_formats(PLATE_REGION_NONE, &n) == NULL && n == 0);
        CHECK(plate_region_formats(PLATE_REGION_AUTO, &n) == NULL && n == 0);
    }
    CHECK(has_format(PLATE_REGION_BR, "LLLDDDD") && has_format(PLATE_REGION_BR, "LLLDLDD"));
    CHECK(has_format(PLATE_REGION_AR, "LLLDDD") && has_format(PLATE_REGION_AR, "LLDDDLL"));
    CHECK(has_format(PLATE_REGION_US, "DLLLDDD") && has_format(PLATE_REGION_US, "LLLDDDD"));
    CHECK(has_format(PLATE_REGION_EU, "LLDDDLL") && has_format(PLATE_REGION_EU, "DDDDLLL") &&
          has_format(PLATE_REGION_EU, "LLDDLLL"));
    CHECK_EQ_INT(plate_region_max_len(PLATE_REGION_AUTO), 8);
    CHECK_EQ_INT(plate_region_max_len(PLATE_REGION_NONE), 0);
}

static void test_fits_and_weights(void)
{
    const struct plate_format es = {"DDDDLLL", 1.0f, "AEIOUQ", "ES"};
    CHECK(plate_region_fits(&es, "1234BCD"));
    CHECK(!plate_region_fits(&es, "1234ABC")); /* no vowels in Spain's series */
    CHECK(!plate_region_fits(&es, "1234BC"));
    CHECK(!plate_region_fits(&es, "1234BC?"));
    CHECK(!plate_region_fits(&es, "12345CD"));
    CHECK(fabs(plate_region_log_weight(PLATE_REGION_BR, "ABC1D23") - log(0.4)) < 1e-6);
    CHECK(fabs(plate_region_log_weight(PLATE_REGION_BR, "ABC1234") - log(0.6)) < 1e-6);
    CHECK(fabs(plate_region_log_weight(PLATE_REGION_BR, "AB12345") -
               log(plate_region_off_weight(PLATE_REGION_BR))) < 1e-6);
    /* Longer than any Brazilian plate: twice the penalty. */
    CHECK(fabs(plate_region_log_weight(PLATE_REGION_BR, "ABC12345") -
               log(PLATE_REGION_LONG_WEIGHT)) < 1e-6);
    CHECK(fabs(plate_region_log_weight(PLATE_REGION_AUTO, "AB123CD") - log(0.4)) < 1e-6);
    CHECK(plate_region_off_weight(PLATE_REGION_AUTO) >= plate_region_off_weight(PLATE_REGION_US));
    CHECK(plate_region_off_weight(PLATE_REGION_NONE) == 0);
    CHECK(plate_region_log_weight(PLATE_REGION_NONE, "anything") == 0);
}

static void test_confident_off_format_kept(void)
{
    float prob[8][OCR_NCLASS];
    struct plate_region_choice ch;
    /* A vanity plate in the US, and a foreign plate read under br: the classifier is sure. */
    set_text(prob, "BATMAN");
    REQUIRE(plate_region_choose(PLATE_REGION_US, (const float(*)[OCR_NCLASS])prob, 6, &ch) == 0);
    CHECK_EQ_STR(ch.text, "BATMAN");
    CHECK(ch.format == NULL && ch.first == 0 && ch.n == 6);
    set_text(prob, "AB12CD3");
    REQUIRE(plate_region_choose(PLATE_REGION_BR, (const float(*)[OCR_NCLASS])prob, 7, &ch) == 0);
    CHECK_EQ_STR(ch.text, "AB12CD3");
    CHECK(ch.format == NULL);
    /* A sure '1' at the start of an 8-character reading stays. */
    set_text(prob, "17J15194");
    REQUIRE(plate_region_choose(PLATE_REGION_US, (const float(*)[OCR_NCLASS])prob, 8, &ch) == 0);
    CHECK_EQ_STR(ch.text, "17J15194");
}

static void test_unsure_moved_onto_format(void)
{
    float prob[8][OCR_NCLASS];
    struct plate_region_choice ch;
    /* Brazil old series: the classifier prefers 'I' over '1' in a digit position. */
    set_text(prob, "ABCI234");
    set_char(prob[3], 'I', 0.6f, '1', 0.35f);
    REQUIRE(plate_region_choose(PLATE_REGION_BR, (const float(*)[OCR_NCLASS])prob, 7, &ch) == 0);
    CHECK_EQ_STR(ch.text, "ABC1234");
    CHECK(ch.format && strcmp(ch.format->pattern, "LLLDDDD") == 0);
    /* Mercosur: the letter in the fifth place read as a digit. */
    set_text(prob, "ABC1834");
    set_char(prob[4], '8', 0.7f, 'B', 0.25f);
    REQUIRE(plate_region_choose(PLATE_REGION_BR, (const float(*)[OCR_NCLASS])prob, 7, &ch) == 0);
    /* ABC1834 fits the old series too: the argmax stays (fits LLLDDDD at weight 1). */
    CHECK_EQ_STR(ch.text, "ABC1834");
    /* Argentina: "AB123C0" is no format; the last '0' is an unsure 'D'. */
    set_text(prob, "AB123C0");
    set_char(prob[6], '0', 0.6f, 'D', 0.3f);
    REQUIRE(plate_region_choose(PLATE_REGION_AR, (const float(*)[OCR_NCLASS])prob, 7, &ch) == 0);
    CHECK_EQ_STR(ch.text, "AB123CD");
    /* Without a region nothing moves. */
    REQUIRE(plate_region_choose(PLATE_REGION_NONE, (const float(*)[OCR_NCLASS])prob, 7, &ch) == 0);
    CHECK_EQ_STR(ch.text, "AB123C0");
    /* A class below PLATE_REGION_MIN_PROB is never chosen: 'I' without any '1' stays. */
    set_text(prob, "ABCI234");
    REQUIRE(plate_region_choose(PLATE_REGION_BR, (const float(*)[OCR_NCLASS])prob, 7, &ch) == 0);
    CHECK_EQ_STR(ch.text, "ABCI234");
}

static void test_doubtful_end_dropped(void)
{
    float prob[8][OCR_NCLASS];
    struct plate_region_choice ch;
    /* The frame's edge read as a '1' before a California commercial plate. */
    set_text(prob, "17J15194");
    set_char(prob[0], '1', 0.8f, 'I', 0.1f);
    REQUIRE(plate_region_choose(PLATE_REGION_US, (const float(*)[OCR_NCLASS])prob, 8, &ch) == 0);
    CHECK_EQ_STR(ch.text, "7J15194");
    CHECK_EQ_INT(ch.first, 1);
    CHECK_EQ_INT(ch.n, 7);
    /* At the other end, under br. */
    set_text(prob, "ABC12341");
    set_char(prob[7], '1', 0.7f, 0, 0);
    REQUIRE(plate_region_choose(PLATE_REGION_BR, (const float(*)[OCR_NCLASS])prob, 8, &ch) == 0);
    CHECK_EQ_STR(ch.text, "ABC1234");
    CHECK_EQ_INT(ch.first, 0);
    CHECK_EQ_INT(ch.n, 7);
    /* Never below 4 characters. */
    set_text(prob, "1AB1");
    set_char(prob[0], '1', 0.5f, 0, 0);
    REQUIRE(plate_region_choose(PLATE_REGION_EU, (const float(*)[OCR_NCLASS])prob, 4, &ch) == 0);
    CHECK_EQ_INT(ch.n, 4);
}

static void test_invalid_arguments(void)
{
    float prob[PLATE_REGION_MAX_CHARS + 1][OCR_NCLASS];
    struct plate_region_choice ch;
    memset(&ch, 0x5a, sizeof ch);
    set_text(prob, "ABCDEFGHJKLMN");
    CHECK_EQ_INT(plate_region_choose(PLATE_REGION_US, (const float(*)[OCR_NCLASS])prob, 0, &ch),
                 PLATE_REGION_ERR_INVALID);
    CHECK_EQ_INT(plate_region_choose(PLATE_REGION_US, (const float(*)[OCR_NCLASS])prob,
                                     PLATE_REGION_MAX_CHARS + 1, &ch),
                 PLATE_REGION_ERR_INVALID);
    CHECK_EQ_INT(plate_region_choose(PLATE_REGION_US, NULL, 3, &ch), PLATE_REGION_ERR_INVALID);
    CHECK_EQ_INT(plate_region_choose(PLATE_REGION_US, (const float(*)[OCR_NCLASS])prob, 3, NULL),
                 PLATE_REGION_ERR_INVALID);
    CHECK_EQ_INT(
        plate_region_choose((enum plate_region)42, (const float(*)[OCR_NCLASS])prob, 3, &ch),
        PLATE_REGION_ERR_INVALID);
    CHECK_EQ_INT(ch.n, 0x5a5a5a5a); /* untouched */
    CHECK_EQ_INT(plate_region_choose(PLATE_REGION_AUTO, (const float(*)[OCR_NCLASS])prob,
                                     PLATE_REGION_MAX_CHARS, &ch),
                 0);
    CHECK_EQ_INT(ch.n, PLATE_REGION_MAX_CHARS);
}

int main(void)
{
    RUN(test_names);
    RUN(test_bad_names_rejected);
    RUN(test_tables_well_formed);
    RUN(test_fits_and_weights);
    RUN(test_confident_off_format_kept);
    RUN(test_unsure_moved_onto_format);
    RUN(test_doubtful_end_dropped);
    RUN(test_invalid_arguments);
    return test_finish();
}
