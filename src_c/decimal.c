/*
 * decimal.c - decimal numbers as the word-vector files write them, parsed
 * and formatted without the C locale.
 *
 * strtod reads the decimal point of the C locale, so a number is validated
 * here against Python's float() grammar, computed exactly when Clinger's
 * fast path applies (the common case), and otherwise rewritten without a
 * decimal point ("DDDDe-N") and handed to strtod, which is correctly rounded
 * and locale-independent on such input. The formatter writes the shortest
 * decimal that reads back to the same float32.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cembed.h"
#include "decimal.h"

/* ---------------------------------------------------------------- parse */

static const double POW10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Clinger's fast path is exact only when each double operation rounds once. */
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD != 0
#define FAST_PATH_OK 0
#else
#define FAST_PATH_OK 1
#endif

#define MAX_EXACT_MANT ((uint64_t)1 << 53)
/* Enough significant digits for any double to be rounded correctly when the
 * rest is replaced by one sticky non-zero digit. */
#define MAX_SLOW_DIGITS 780

/* mant * 10**e10, correctly rounded; mant > 0. */
static double scale_decimal(uint64_t mant, int64_t e10)
{
    if (FAST_PATH_OK && mant <= MAX_EXACT_MANT) {
        if (e10 >= 0 && e10 <= 22)
            return (double)mant * POW10[e10];
        if (e10 < 0 && e10 >= -22)
            return (double)mant / POW10[-e10];
    }
    char buf[64];
    snprintf(buf, sizeof buf, "%llue%lld", (unsigned long long)mant, (long long)e10);
    return strtod(buf, NULL);
}

/* Whether [s, end) starts with `word` (lower case), in any case. */
static int starts_lower(const char *s, const char *end, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(end - s) < n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[i])
            return 0;
    }
    return 1;
}

/* The digits of [mant_begin, mant_end) (a validated mantissa: digits, at
 * most one '.') times 10**e_tok, via strtod on a string without a decimal
 * point. */
static double slow_decimal(const char *mant_begin, const char *mant_end, int64_t e_tok)
{
    char small[MAX_SLOW_DIGITS + 64];
    int64_t nd = 0, nfrac = 0, dropped = 0;
    int seen_dot = 0, sticky = 0;
    for (const char *p = mant_begin; p < mant_end; p++) {
        if (*p == '.') {
            seen_dot = 1;
            continue;
        }
        if (seen_dot)
            nfrac++;
        if (nd == 0 && *p == '0')
            continue; /* leading zero */
        if (nd < MAX_SLOW_DIGITS) {
            small[nd++] = *p;
        } else {
            dropped++;
            sticky |= (*p != '0');
        }
    }
    if (nd == 0)
        return 0.0;
    if (sticky)
        small[nd++] = '1', dropped--; /* the sticky digit takes one dropped place */
    int64_t e10 = e_tok - nfrac + dropped;
    /* the value is in [10**(e10+nd-1), 10**(e10+nd)) */
    if (e10 + nd > 400)
        return HUGE_VAL;
    if (e10 + nd < -400)
        return 0.0;
    snprintf(small + nd, 40, "e%lld", (long long)e10);
    return strtod(small, NULL);
}

const char *cembed_parse_prefix(const char *s, const char *end, double *out)
{
    const char *p = s;
    int neg = 0;
    if (p < end && (*p == '+' || *p == '-')) {
        neg = (*p == '-');
        p++;
    }
    if (p == end)
        return NULL;
    if (!CEMBED_IS_DIGIT(*p) && *p != '.') {
        double v;
        if (starts_lower(p, end, "infinity")) {
            v = HUGE_VAL;
            p += 8;
        } else if (starts_lower(p, end, "inf")) {
            v = HUGE_VAL;
            p += 3;
        } else if (starts_lower(p, end, "nan")) {
            v = NAN;
            p += 3;
        } else {
            return NULL;
        }
        *out = neg ? -v : v;
        return p;
    }
    const char *mant_begin = p;
    /* All digits go into mant; with at most 19 of them it is exact (leading
     * zeros included), else the slow path reads the text again. */
    uint64_t mant = 0;
    while (p < end && CEMBED_IS_DIGIT(*p))
        mant = mant * 10 + (uint64_t)(*p++ - '0');
    int64_t ndig = p - mant_begin, nfrac = 0;
    if (p < end && *p == '.') {
        const char *f = ++p;
        while (p < end && CEMBED_IS_DIGIT(*p))
            mant = mant * 10 + (uint64_t)(*p++ - '0');
        nfrac = p - f;
        ndig += nfrac;
    }
    if (ndig == 0)
        return NULL;
    const char *mant_end = p;
    int64_t e_tok = 0;
    if (p < end && (*p == 'e' || *p == 'E')) {
        int eneg = 0;
        p++;
        if (p < end && (*p == '+' || *p == '-')) {
            eneg = (*p == '-');
            p++;
        }
        if (p == end || !CEMBED_IS_DIGIT(*p))
            return NULL;
        while (p < end && CEMBED_IS_DIGIT(*p)) {
            if (e_tok < 1000000000)
                e_tok = e_tok * 10 + (*p - '0');
            p++;
        }
        if (eneg)
            e_tok = -e_tok;
    }
    double v;
    int64_t e10 = e_tok - nfrac;
    if (ndig <= 19 && mant == 0)
        v = 0.0;
    else if (ndig <= 19 && FAST_PATH_OK && mant <= MAX_EXACT_MANT && e10 >= -22 && e10 <= 22)
        v = e10 >= 0 ? (double)mant * POW10[e10] : (double)mant / POW10[-e10];
    else
        v = slow_decimal(mant_begin, mant_end, e_tok);
    *out = neg ? -v : v;
    return p;
}

int cembed_parse_double(const char *s, const char *end, double *out)
{
    double v;
    const char *q = cembed_parse_prefix(s, end, &v);
    if (q != end)
        return 0;
    *out = v;
    return 1;
}

/* ---------------------------------------------------------------- format */

static double pow10_approx(int e)
{
    const unsigned u = e < 0 ? 0u - (unsigned)e : (unsigned)e;
    if (u <= 22)
        return e < 0 ? 1.0 / POW10[u] : POW10[u];
    return pow(10.0, (double)e);
}

static int u64_to_digits(uint64_t v, char *out)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (int i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
    return n;
}

int cembed_format_f32(float x, char *out)
{
    char *p = out;
    if (x != x) {
        memcpy(out, "nan", 4);
        return 3;
    }
    if (signbit(x))
        *p++ = '-';
    if (isinf(x)) {
        memcpy(p, "inf", 4);
        return (int)(p - out) + 3;
    }
    if (x == 0.0f) {
        *p++ = '0';
        *p = '\0';
        return (int)(p - out);
    }
    double a = fabs((double)x);
    float af = (float)a;
    int k = (int)floor(log10(a));
    if (a >= pow10_approx(k + 1))
        k++;
    else if (a < pow10_approx(k))
        k--;
    uint64_t mant = 0;
    int e10 = 0, found = 0;
    /* The shortest precision that reads back to x, by bisection: if p digits
     * do, p + 1 do (the nearest p-digit decimal is on the finer grid too).
     * Every candidate is checked with the exact reader, so a rounding slip
     * in this double arithmetic can only cost a digit. */
    int lo = 1, hi = 9;
    while (lo <= hi) {
        int prec = (lo + hi) / 2;
        int e = k - prec + 1;
        double scaled = e >= 0 ? a / pow10_approx(e) : a * pow10_approx(-e);
        /* round half up: ties need not be even, the result is checked */
        uint64_t m = scaled >= 0.5 ? (uint64_t)(scaled + 0.5) : 0;
        if (m && (float)scale_decimal(m, e) == af) {
            mant = m;
            e10 = e;
            found = 1;
            hi = prec - 1;
        } else {
            lo = prec + 1;
        }
    }
    if (!found) {
        /* 9 significant digits always read back to the same float32. */
        char buf[64];
        snprintf(buf, sizeof buf, "%.8e", a);
        const char *q = buf;
        mant = 0;
        for (; *q && *q != 'e' && *q != 'E'; q++)
            if (CEMBED_IS_DIGIT(*q))
                mant = mant * 10 + (uint64_t)(*q - '0');
        e10 = (*q ? atoi(q + 1) : 0) - 8;
    }
    while (mant % 10 == 0) {
        mant /= 10;
        e10++;
    }
    char digits[24];
    int n = u64_to_digits(mant, digits);
    int X = e10 + n - 1; /* decimal exponent of the leading digit */
    if (X >= -5 && X < 9) {
        if (X >= n - 1) {
            memcpy(p, digits, (size_t)n);
            p += n;
            for (int i = 0; i < X - (n - 1); i++)
                *p++ = '0';
        } else if (X >= 0) {
            memcpy(p, digits, (size_t)X + 1);
            p += X + 1;
            *p++ = '.';
            memcpy(p, digits + X + 1, (size_t)(n - X - 1));
            p += n - X - 1;
        } else {
            *p++ = '0';
            *p++ = '.';
            for (int i = 0; i < -X - 1; i++)
                *p++ = '0';
            memcpy(p, digits, (size_t)n);
            p += n;
        }
    } else {
        *p++ = digits[0];
        if (n > 1) {
            *p++ = '.';
            memcpy(p, digits + 1, (size_t)n - 1);
            p += n - 1;
        }
        int ax = X < 0 ? -X : X;
        *p++ = 'e';
        *p++ = X < 0 ? '-' : '+';
        if (ax < 10)
            *p++ = '0';
        p += u64_to_digits((uint64_t)ax, p);
    }
    *p = '\0';
    return (int)(p - out);
}
