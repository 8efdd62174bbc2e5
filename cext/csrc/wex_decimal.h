/* Exact decimal string -> integer ticks.
 *
 * A WEX price or quantity is a decimal string ("30000.00", "0.1", and, should
 * the exchange ever send it, "1e-8"). It becomes an int64 count of
 * 10^-precision units without passing through a binary float:
 *
 *   value = m * 10^(z + e),  ticks = m * 10^(z + e + precision)
 *
 * where m holds the significant digits, z the trailing zeros seen after them
 * (kept apart so "30000.000000000000000000" never overflows) and e the
 * decimal exponent (minus the count of fraction digits, plus an explicit
 * exponent). Digits below the precision are accepted only when they are
 * zeros; otherwise the value is a precision error.
 */
#ifndef WEX_DECIMAL_H
#define WEX_DECIMAL_H

#include <stdint.h>
#include <stddef.h>

#define WEX_DEC_OK 0
#define WEX_DEC_SYNTAX 1    /* not a decimal number */
#define WEX_DEC_NEGATIVE 2  /* a well-formed negative number */
#define WEX_DEC_PRECISION 3 /* non-zero digits below the precision */
#define WEX_DEC_RANGE 4     /* does not fit in int64 ticks */

static const uint64_t wex_pow10_u64[20] = {
    1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
    100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL,
    10000000000000ULL, 100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
    100000000000000000ULL, 1000000000000000000ULL, 10000000000000000000ULL};

/* Parse the longest decimal at s (digits, optional '.', digits, optional
 * exponent) and stop at the first character that cannot continue it; *stop
 * receives that position. The caller decides whether the stop character is
 * an acceptable terminator. A leading '-' is parsed (so "-1" is reported as
 * negative, not as garbage) and then rejected. */
static int wex_dec_scan_general(const char *s, const char *end, int prec,
                                int64_t *out, const char **stop)
{
    const char *p = s;
    int negative = 0;
    uint64_t m = 0;
    int z = 0;             /* zeros seen after the last significant digit */
    int64_t e = 0;         /* -(fraction digits) + explicit exponent */
    int any = 0, overflow = 0;
    int64_t nfrac = 0;
    /* power of ten of the last non-zero digit before the exponent: the
     * number of integer digits after it, or minus its fraction position */
    int64_t last_nz_pos = 0;

    if (p < end && *p == '-') { negative = 1; p++; }
    while (p < end && (unsigned)(*p - '0') < 10u) {
        unsigned d = (unsigned)(*p - '0');
        any = 1;
        if (d == 0) last_nz_pos++;
        else last_nz_pos = 0;
        if (d == 0) {
            if (m != 0) z++;
        } else if (!overflow) {
            while (z > 0) {
                if (m > UINT64_MAX / 10) { overflow = 1; break; }
                m *= 10; z--;
            }
            if (!overflow) {
                if (m > (UINT64_MAX - d) / 10) overflow = 1;
                else m = m * 10 + d;
            }
        }
        if (overflow && d == 0) { /* zeros after overflow still scale the value */ }
        p++;
    }
    if (p < end && *p == '.') {
        p++;
        while (p < end && (unsigned)(*p - '0') < 10u) {
            unsigned d = (unsigned)(*p - '0');
            any = 1;
            nfrac++;
            if (d == 0) {
                if (m != 0) z++;
            } else {
                last_nz_pos = -nfrac;
                if (!overflow) {
                    while (z > 0) {
                        if (m > UINT64_MAX / 10) { overflow = 1; break; }
                        m *= 10; z--;
                    }
                    if (!overflow) {
                        if (m > (UINT64_MAX - d) / 10) overflow = 1;
                        else m = m * 10 + d;
                    }
                }
            }
            p++;
        }
        e -= nfrac;
    }
    if (!any) { *stop = p; return WEX_DEC_SYNTAX; }
    int64_t ex = 0;
    if (p < end && (*p == 'e' || *p == 'E')) {
        const char *q = p + 1;
        int eneg = 0;
        if (q < end && (*q == '+' || *q == '-')) { eneg = (*q == '-'); q++; }
        if (!(q < end && (unsigned)(*q - '0') < 10u)) { *stop = q; return WEX_DEC_SYNTAX; }
        while (q < end && (unsigned)(*q - '0') < 10u) {
            if (ex < 1000000) ex = ex * 10 + (*q - '0');
            q++;
        }
        if (eneg) ex = -ex;
        p = q;
    }
    *stop = p;
    if (negative) return WEX_DEC_NEGATIVE;
    if (overflow) {
        /* Too many significant digits for 64 bits: a precision error when the
         * last non-zero digit lies below the precision, else out of range. */
        if (last_nz_pos + ex < -(int64_t)prec) return WEX_DEC_PRECISION;
        return WEX_DEC_RANGE;
    }
    if (m == 0) { *out = 0; return WEX_DEC_OK; }
    int64_t k = (int64_t)z + e + ex + prec;
    if (k >= 0) {
        if (k > 19) return WEX_DEC_RANGE;
        while (k-- > 0) {
            if (m > UINT64_MAX / 10) return WEX_DEC_RANGE;
            m *= 10;
        }
    } else {
        k = -k;
        if (k > 19) return WEX_DEC_PRECISION; /* m < 10^20 cannot be a multiple */
        uint64_t pw = wex_pow10_u64[k];
        if (m % pw) return WEX_DEC_PRECISION;
        m /= pw;
    }
    if (m > (uint64_t)INT64_MAX) return WEX_DEC_RANGE;
    *out = (int64_t)m;
    return WEX_DEC_OK;
}

/* The common case first: at most 18 digits, no sign, no exponent, so the
 * digits accumulate without overflow checks; everything else takes the
 * general path above. */
static inline int wex_dec_scan(const char *s, const char *end, int prec,
                               int64_t *out, const char **stop)
{
    const char *q = s;
    uint64_t m = 0;
    while (q < end && (unsigned)(*q - '0') < 10u) { m = m * 10 + (unsigned)(*q - '0'); q++; }
    size_t nint = (size_t)(q - s), nfrac = 0;
    if (q < end && *q == '.') {
        const char *f = ++q;
        while (q < end && (unsigned)(*q - '0') < 10u) { m = m * 10 + (unsigned)(*q - '0'); q++; }
        nfrac = (size_t)(q - f);
    }
    size_t nd = nint + nfrac;
    if (nd == 0 || nd > 18 || (q < end && (*q == 'e' || *q == 'E')))
        return wex_dec_scan_general(s, end, prec, out, stop);
    *stop = q;
    if ((size_t)prec >= nfrac) {
        size_t k = (size_t)prec - nfrac;
        if (k) {
            if (nd + k > 18) return wex_dec_scan_general(s, end, prec, out, stop);
            m *= wex_pow10_u64[k];
        }
    } else {
        uint64_t pw = wex_pow10_u64[nfrac - (size_t)prec];
        if (m % pw) return WEX_DEC_PRECISION;
        m /= pw;
    }
    *out = (int64_t)m;
    return WEX_DEC_OK;
}

/* A whole span must be one decimal. */
static inline int wex_dec_to_ticks(const char *s, size_t n, int prec, int64_t *out)
{
    const char *stop;
    int rc = wex_dec_scan(s, s + n, prec, out, &stop);
    if (stop != s + n) return WEX_DEC_SYNTAX;
    return rc;
}

#endif
