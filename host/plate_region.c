#include "plate_region.h"

#include <math.h>
#include <string.h>

/*
 * The format tables. Written from the jurisdictions' issuing schemes (standard passenger plates,
 * without spaces or dashes as the reader gives them), never fitted to a benchmark's truth.
 * Weights: 1 a region's main current formats (most vehicles on the road), 0.5 other current
 * formats of large jurisdictions, 0.25 older, smaller or special series. Only their ratios to
 * each other and to PLATE_REGION_OFF_WEIGHT matter.
 */

/* Vowels and Q: Spain's 2000 series (and the Netherlands' sidecodes) leave them out. */
#define NO_VOWELS_Q "AEIOUQ"

/* United States: one row per format, the states that issue it on their current or recent
 * standard passenger plates. Vanity plates (free letters and digits, up to 7) are the
 * off-format readings: they keep their text when the classifier is sure of it. */
static const struct plate_format us_formats[] = {
    {"LLLDDDD", 1.0f, "", "TX NY PA OH NC GA VA MI WA AZ WI"},
    {"DLLLDDD", 1.0f, "", "CA (1980-)"},
    {"LLLDDD", 0.5f, "", "SC OK LA IA VT AK HI NM ND, older series of many states"},
    {"DDDLLL", 0.5f, "", "MN KY KS AR IN OR CO, older series of many states"},
    {"LLDDDDD", 0.25f, "", "IL"},
    {"DLLDDDD", 0.25f, "", "MD"},
    {"LDDLLL", 0.25f, "", "NJ"},
    {"LLDLDL", 0.25f, "", "MO"},
    {"DLLDDD", 0.25f, "", "MA"},
    {"DLLLDD", 0.25f, "", "MA CT"},
    {"DDDDLL", 0.25f, "", "ME"},
    {"DLDDDDD", 0.25f, "", "CA commercial"},
    {"DDDDDD", 0.25f, "", "DE RI (numbers)"},
};

/* Europe: the national formats of the countries with the most vehicles. Germany: district
 * (1-3 letters), 1-2 letters, 1-4 digits, 8 characters at most. */
static const struct plate_format eu_formats[] = {
    {"LLDDDLL", 1.0f, "IOU", "FR (SIV, 2009-) IT (1994-); PL"},
    {"DDDDLLL", 1.0f, NO_VOWELS_Q, "ES (2000-)"},
    {"LLDDLLL", 1.0f, "IQ", "UK (2001-) RO"},
    {"LLDDDDD", 0.5f, "", "PL DK NO"},
    {"LLLDDDD", 0.5f, "", "GR; PL (3-letter districts)"},
    {"DLLLDDD", 0.5f, "", "BE (2008-)"},
    {"LLLDDD", 0.5f, "", "SE FI HU"},
    {"DLDDDDD", 0.25f, "", "CZ"},
    {"LLDDDDL", 0.25f, "", "PL"},
    {"LLLDDL", 0.25f, "", "SE (2019-)"},
    {"LLLLDDD", 0.25f, "", "HU (2022-)"},
    {"LDDLLL", 0.25f, "", "RO (Bucharest)"},
    {"LDDDLLL", 0.25f, "", "RO (Bucharest)"},
    {"LDDDDLL", 0.25f, "", "ES (before 2000)"},
    {"LLDDDDLL", 0.25f, "", "ES (before 2000)"},
    {"LLDDLL", 0.25f, "", "PT (2020-)"},
    {"DDLLDD", 0.25f, "", "PT (1992-2005) NL (sidecode 3)"},
    {"DDDDLL", 0.25f, "", "PT (before 1992) NL (sidecode 2)"},
    {"LLDDDD", 0.25f, "", "PT (2005-2020) NL (sidecode 1)"},
    {"LLDDLL", 0.25f, NO_VOWELS_Q, "NL (sidecode 4)"},
    {"LLLLDD", 0.25f, NO_VOWELS_Q, "NL (sidecode 5)"},
    {"DDLLLL", 0.25f, NO_VOWELS_Q, "NL (sidecode 6)"},
    {"DDLLLD", 0.25f, NO_VOWELS_Q, "NL (sidecode 7)"},
    {"DLLLDD", 0.25f, NO_VOWELS_Q, "NL (sidecode 8)"},
    {"LLDDDL", 0.25f, NO_VOWELS_Q, "NL (sidecode 9)"},
    {"LDDDLL", 0.25f, NO_VOWELS_Q, "NL (sidecode 10)"},
    {"LLLDDL", 0.25f, NO_VOWELS_Q, "NL (sidecode 11)"},
    {"LDDLLL", 0.25f, NO_VOWELS_Q, "NL (sidecode 12)"},
    {"DLLDDD", 0.25f, NO_VOWELS_Q, "NL (sidecode 13)"},
    {"DDDLLD", 0.25f, NO_VOWELS_Q, "NL (sidecode 14)"},
    /* Germany, by length of the district + letters + digits. */
    {"LLD", 0.5f, "", "DE"},
    {"LLDD", 0.5f, "", "DE"},
    {"LLLD", 0.5f, "", "DE"},
    {"LLDDD", 0.5f, "", "DE"},
    {"LLLDD", 0.5f, "", "DE"},
    {"LLLLD", 0.5f, "", "DE"},
    {"LLDDDD", 0.5f, "", "DE"},
    {"LLLDDD", 0.5f, "", "DE"},
    {"LLLLDD", 0.5f, "", "DE"},
    {"LLLLLD", 0.5f, "", "DE"},
    {"LLLDDDD", 0.5f, "", "DE"},
    {"LLLLDDD", 0.5f, "", "DE"},
    {"LLLLLDD", 0.5f, "", "DE"},
    {"LLLLDDDD", 0.5f, "", "DE"},
    {"LLLLLDDD", 0.5f, "", "DE"},
};

/* Brazil: the old grey plates (1990-2018) and the Mercosur plates (2018-). */
static const struct plate_format br_formats[] = {
    {"LLLDDDD", 1.0f, "", "BR (1990-2018)"},
    {"LLLDLDD", 1.0f, "", "BR Mercosur (2018-)"},
};

/* Argentina: the 1995-2016 plates and the Mercosur plates (2016-). */
static const struct plate_format ar_formats[] = {
    {"LLLDDD", 1.0f, "", "AR (1995-2016)"},
    {"LLDDDLL", 1.0f, "", "AR Mercosur (2016-)"},
};

struct region_def {
    enum plate_region id;
    const char *name;
    const struct plate_format *formats;
    size_t nformats;
    int max_len; /* longest plate: off-format readings beyond it cost twice */
};

#define TABLE(t) t, sizeof t / sizeof t[0]
static const struct region_def regions[] = {
    {PLATE_REGION_US, "us", TABLE(us_formats), 7},
    {PLATE_REGION_EU, "eu", TABLE(eu_formats), 8},
    {PLATE_REGION_BR, "br", TABLE(br_formats), 7},
    {PLATE_REGION_AR, "ar", TABLE(ar_formats), 7},
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

static double off_log_weight(enum plate_region r, int n)
{
    double w = log(PLATE_REGION_OFF_WEIGHT);
    return n > plate_region_max_len(r) ? 2 * w : w;
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
            if (len < 4)
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
