#include "plate_region.h"

#include <math.h>
#include <string.h>

/*
 * The format tables. Written from the jurisdictions' issuing schemes (standard passenger plates,
 * without spaces or dashes as the reader gives them), never fitted to a benchmark's truth.
 * A weight is the rough share of a region's vehicles whose plates have that format (from the
 * jurisdictions' vehicle counts; older series of a jurisdiction take part of its share); the
 * region's off-format weight is the share its table does not describe (vanity and specialty
 * plates, jurisdictions left out). Only ratios matter: two readings of the same characters are
 * compared by their probability times their format's share.
 */

/* Vowels and Q: Spain's 2000 series and the Dutch sidecodes leave them out. */
#define NO_VOWELS_Q "AEIOUQ"

/* United States: one row per format, the states that issue it on their current or recent
 * standard passenger plates. Left out (off-format, 0.2): vanity plates (about 9% of the
 * fleet), specialty series, and the states whose formats vary by series or county (FL, TN, AL,
 * NV, UT, NE, MT, ...). */
static const struct plate_format us_formats[] = {
    {"LLLDDDD", 0.35f, "", "TX NY PA OH MI GA NC VA WA AZ WI"},
    {"DLLLDDD", 0.10f, "", "CA (1980-)"},
    {"LLLDDD", 0.08f, "", "SC OK LA IA NM HI AK ND VT, older series of many states"},
    {"DDDLLL", 0.08f, "", "IN MN CO KY OR KS AR, older series of many states"},
    {"LLDDDDD", 0.03f, "", "IL"},
    {"LDDLLL", 0.025f, "", "NJ"},
    {"LLDLDL", 0.02f, "", "MO"},
    {"DLLDDDD", 0.015f, "", "MD"},
    {"DLLLDD", 0.015f, "", "MA CT"},
    {"DLLDDD", 0.01f, "", "MA"},
    {"DLDDDDD", 0.01f, "", "CA commercial"},
    {"DDDDLL", 0.004f, "", "ME"},
    {"DDDDDDD", 0.004f, "", "NH (numbers)"},
    {"DDDDDD", 0.004f, "", "DE RI (numbers)"},
};

/* Europe (EU, UK, Norway): the national formats of the countries with the most vehicles.
 * Germany: district (1-3 letters), 1-2 letters, 1-4 digits, 8 characters at most. Left out
 * (off-format, 0.08): AT, IE, CH and the smaller countries, personalised plates. */
static const struct plate_format eu_formats[] = {
    {"LLDDDLL", 0.26f, "", "FR (SIV, 2009-) IT (1994-); PL"},
    {"LLDDLLL", 0.12f, "", "UK (2001-) RO"},
    {"DDDDLLL", 0.07f, NO_VOWELS_Q, "ES (2000-)"},
    {"LLDDDDD", 0.05f, "", "PL DK NO"},
    {"LLLDDDD", 0.03f, "", "GR; PL (3-letter districts)"},
    {"LLLDDD", 0.03f, "", "SE FI HU"},
    {"DLLLDDD", 0.02f, "", "BE (2008-)"},
    {"DLDDDDD", 0.02f, "", "CZ"},
    {"LLDDDDL", 0.01f, "", "PL"},
    {"LLLDDL", 0.005f, "", "SE (2019-)"},
    {"LLLLDDD", 0.005f, "", "HU (2022-)"},
    {"LDDLLL", 0.005f, "", "RO (Bucharest)"},
    {"LDDDLLL", 0.005f, "", "RO (Bucharest)"},
    {"LDDDDLL", 0.005f, "", "ES (before 2000)"},
    {"LLDDDDLL", 0.005f, "", "ES (before 2000)"},
    {"LLDDLL", 0.005f, "", "PT (2020-)"},
    {"DDLLDD", 0.005f, "", "PT (1992-2005) NL (sidecode 3)"},
    {"DDDDLL", 0.005f, "", "PT (before 1992) NL (sidecode 2)"},
    {"LLDDDD", 0.005f, "", "PT (2005-2020) NL (sidecode 1)"},
    {"LLDDLL", 0.002f, NO_VOWELS_Q, "NL (sidecode 4)"},
    {"LLLLDD", 0.002f, NO_VOWELS_Q, "NL (sidecode 5)"},
    {"DDLLLL", 0.002f, NO_VOWELS_Q, "NL (sidecode 6)"},
    {"DDLLLD", 0.002f, NO_VOWELS_Q, "NL (sidecode 7)"},
    {"DLLLDD", 0.002f, NO_VOWELS_Q, "NL (sidecode 8)"},
    {"LLDDDL", 0.002f, NO_VOWELS_Q, "NL (sidecode 9)"},
    {"LDDDLL", 0.002f, NO_VOWELS_Q, "NL (sidecode 10)"},
    {"LLLDDL", 0.002f, NO_VOWELS_Q, "NL (sidecode 11)"},
    {"LDDLLL", 0.002f, NO_VOWELS_Q, "NL (sidecode 12)"},
    {"DLLDDD", 0.002f, NO_VOWELS_Q, "NL (sidecode 13)"},
    {"DDDLLD", 0.002f, NO_VOWELS_Q, "NL (sidecode 14)"},
    /* Germany (0.16 in all), by number of letters (district + series) and digits. */
    {"LLD", 0.01f, "", "DE"},
    {"LLDD", 0.01f, "", "DE"},
    {"LLLD", 0.01f, "", "DE"},
    {"LLDDD", 0.01f, "", "DE"},
    {"LLLDD", 0.01f, "", "DE"},
    {"LLLLD", 0.01f, "", "DE"},
    {"LLDDDD", 0.01f, "", "DE"},
    {"LLLDDD", 0.01f, "", "DE"},
    {"LLLLDD", 0.01f, "", "DE"},
    {"LLLLLD", 0.01f, "", "DE"},
    {"LLLDDDD", 0.01f, "", "DE"},
    {"LLLLDDD", 0.01f, "", "DE"},
    {"LLLLLDD", 0.01f, "", "DE"},
    {"LLLLDDDD", 0.01f, "", "DE"},
    {"LLLLLDDD", 0.01f, "", "DE"},
};

/* Brazil: the old grey plates (1990-2018) and the Mercosur plates (2018-, on new vehicles and
 * transfers). Nearly every plate is one of the two (off-format 0.01). */
static const struct plate_format br_formats[] = {
    {"LLLDDDD", 0.6f, "", "BR (1990-2018)"},
    {"LLLDLDD", 0.4f, "", "BR Mercosur (2018-)"},
};

/* Argentina: the 1995-2016 plates and the Mercosur plates (2016-). */
static const struct plate_format ar_formats[] = {
    {"LLLDDD", 0.6f, "", "AR (1995-2016)"},
    {"LLDDDLL", 0.4f, "", "AR Mercosur (2016-)"},
};

struct region_def {
    enum plate_region id;
    const char *name;
    const struct plate_format *formats;
    size_t nformats;
    int max_len;      /* longest plate issued: longer readings get PLATE_REGION_LONG_WEIGHT */
    float off_weight; /* share of plates that fit no format of the table */
};

#define TABLE(t) t, sizeof t / sizeof t[0]
static const struct region_def regions[] = {
    {PLATE_REGION_US, "us", TABLE(us_formats), 7, 0.2f},
    {PLATE_REGION_EU, "eu", TABLE(eu_formats), 8, 0.08f},
    {PLATE_REGION_BR, "br", TABLE(br_formats), 7, 0.01f},
    {PLATE_REGION_AR, "ar", TABLE(ar_formats), 7, 0.01f},
};
#undef TABLE
#define NREGIONS (sizeof regions / sizeof regions[0])

const char *plate_region_strerror(int err)
{
    switch (err) {
    case PLATE_REGION_OK:
        return "success";
    case PLATE_REGION_ERR_NAME:
        return "unknown region (expected one of " PLATE_REGION_NAMES ")";
    case PLATE_REGION_ERR_INVALID:
        return "invalid argument";
    default:
        return "unknown plate_region error";
    }
}

int plate_region_parse(const char *name, enum plate_region *out)
{
    if (!name || !out)
        return PLATE_REGION_ERR_INVALID;
    /* strnlen first: a long or hostile string is refused without being compared. */
    if (strnlen(name, PLATE_REGION_NAME_MAX + 1) > PLATE_REGION_NAME_MAX)
        return PLATE_REGION_ERR_NAME;
    if (strcmp(name, "auto") == 0 || strcmp(name, "none") == 0) {
        *out = name[0] == 'a' ? PLATE_REGION_AUTO : PLATE_REGION_NONE;
        return 0;
    }
    for (size_t i = 0; i < NREGIONS; i++)
        if (strcmp(name, regions[i].name) == 0) {
            *out = regions[i].id;
            return 0;
        }
    return PLATE_REGION_ERR_NAME;
}

const char *plate_region_name(enum plate_region r)
{
    if (r == PLATE_REGION_NONE)
        return "none";
    if (r == PLATE_REGION_AUTO)
        return "auto";
    for (size_t i = 0; i < NREGIONS; i++)
        if (regions[i].id == r)
            return regions[i].name;
    return NULL;
}

static const struct region_def *region_def(enum plate_region r)
{
    for (size_t i = 0; i < NREGIONS; i++)
        if (regions[i].id == r)
            return &regions[i];
    return NULL;
}

const struct plate_format *plate_region_formats(enum plate_region r, size_t *n)
{
    const struct region_def *d = region_def(r);
    if (n)
        *n = d ? d->nformats : 0;
    return d ? d->formats : NULL;
}

int plate_region_max_len(enum plate_region r)
{
    int m = 0;
    for (size_t i = 0; i < NREGIONS; i++)
        if ((r == PLATE_REGION_AUTO || regions[i].id == r) && regions[i].max_len > m)
            m = regions[i].max_len;
    return m;
}

/* Whether class cls (0-9 digits, 10-35 letters) may stand at a position of kind k in f. */
static int allowed(const struct plate_format *f, char k, int cls)
{
    if (cls < 0 || cls >= OCR_NONCHAR)
        return 0;
    if (cls < 10)
        return k == 'D' || k == 'A';
    if (k == 'D')
        return 0;
    return strchr(f->no_letters, 'A' + (cls - 10)) == NULL;
}

static int char_class(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'Z')
        return 10 + (c - 'A');
    return -1;
}

int plate_region_fits(const struct plate_format *f, const char *text)
{
    size_t n = strlen(text);
    if (strlen(f->pattern) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!allowed(f, f->pattern[i], char_class(text[i])))
            return 0;
    return 1;
}

/* Calls fn for every format of region r (every region's for auto). */
#define FOR_FORMATS(r, f)                                                                          \
    for (size_t ri_ = 0; ri_ < NREGIONS; ri_++)                                                    \
        if ((r) == PLATE_REGION_AUTO || regions[ri_].id == (r))                                    \
            for (const struct plate_format *f = regions[ri_].formats;                              \
                 f < regions[ri_].formats + regions[ri_].nformats; f++)

float plate_region_off_weight(enum plate_region r)
{
    float w = 0;
    for (size_t i = 0; i < NREGIONS; i++)
        if ((r == PLATE_REGION_AUTO || regions[i].id == r) && regions[i].off_weight > w)
            w = regions[i].off_weight;
    return w;
}

static double off_log_weight(enum plate_region r, int n)
{
    return log(n > plate_region_max_len(r) ? PLATE_REGION_LONG_WEIGHT : plate_region_off_weight(r));
}

double plate_region_log_weight(enum plate_region r, const char *text)
{
    double best = -INFINITY;
    if (r == PLATE_REGION_NONE || (!region_def(r) && r != PLATE_REGION_AUTO) || !text)
        return 0;
    FOR_FORMATS(r, f)
    if (f->weight > 0 && plate_region_fits(f, text) && log(f->weight) > best)
        best = log(f->weight);
    return best > -INFINITY ? best : off_log_weight(r, (int)strlen(text));
}

/*
 * The best reading of prob[first .. first+n-1] that fits f: per position the most probable
 * allowed class, each at least PLATE_REGION_MIN_PROB. Returns its log probability, or -INFINITY
 * when f has another length or a position has no allowed class that probable.
 */
static double fit_format(const struct plate_format *f, const float (*prob)[OCR_NCLASS], int first,
                         int n, int *cls)
{
    double lp = 0;
    if ((int)strlen(f->pattern) != n)
        return -INFINITY;
    for (int i = 0; i < n; i++) {
        const float *p = prob[first + i];
        int b = -1;
        for (int c = 0; c < OCR_NONCHAR; c++)
            if (allowed(f, f->pattern[i], c) && (b < 0 || p[c] > p[b]))
                b = c;
        if (b < 0 || p[b] < PLATE_REGION_MIN_PROB)
            return -INFINITY;
        cls[i] = b;
        lp += log(p[b] + 1e-9);
    }
    return lp;
}

static int argmax(const float *p)
{
    int b = 0;
    for (int c = 1; c < OCR_NONCHAR; c++)
        if (p[c] > p[b])
            b = c;
    return b;
}

int plate_region_choose(enum plate_region r, const float (*prob)[OCR_NCLASS], int n,
                        struct plate_region_choice *out)
{
    struct plate_region_choice best, cand;
    if (!prob || !out || n < 1 || n > PLATE_REGION_MAX_CHARS ||
        (r != PLATE_REGION_NONE && r != PLATE_REGION_AUTO && !region_def(r)))
        return PLATE_REGION_ERR_INVALID;
    memset(&best, 0, sizeof best);
    best.n = n;
    for (int i = 0; i < n; i++) {
        best.cls[i] = argmax(prob[i]);
        best.text[i] = ocr_class_char(best.cls[i]);
        best.score += log(prob[i][best.cls[i]] + 1e-9);
    }
    best.text[n] = 0;
    if (r == PLATE_REGION_NONE) {
        *out = best;
        return 0;
    }
    /* The argmax reading at its own weight: a format's when it fits one, else the penalty. */
    {
        double w = off_log_weight(r, n);
        FOR_FORMATS(r, f)
        if (plate_region_fits(f, best.text) && log(f->weight) > w) {
            w = log(f->weight);
            best.format = f;
        }
        best.score += w;
    }
    /* Each format's best reading, of all characters or without one doubtful end character. */
    for (int drop = 0; drop < 3; drop++) {
        int first = drop == 1, len = drop ? n - 1 : n;
        double cost = 0;
        if (drop) {
            const float *p = prob[drop == 1 ? 0 : n - 1];
            /* Only when no reading of all the characters fits: a plate of a format read
             * with a doubtful last character is still that plate. */
            if (len < 4 || best.format)
                break;
            if (p[argmax(p)] >= PLATE_REGION_DROP_BELOW)
                continue; /* a sure character is the plate's */
            cost = log(1.0 - p[argmax(p)] + 1e-6);
        }
        FOR_FORMATS(r, f)
        {
            double lp = fit_format(f, prob, first, len, cand.cls);
            if (lp == -INFINITY)
                continue;
            lp += cost + log(f->weight);
            if (lp > best.score) {
                memset(cand.text, 0, sizeof cand.text);
                for (int i = 0; i < len; i++)
                    cand.text[i] = ocr_class_char(cand.cls[i]);
                cand.first = first;
                cand.n = len;
                cand.score = lp;
                cand.format = f;
                best = cand;
            }
        }
    }
    *out = best;
    return 0;
}
