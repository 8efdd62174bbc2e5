/* Depth message scanner: raw JSON bytes -> integer tick arrays.
 *
 * Reads the exact shapes WEX sends for depth (push frames
 * {"topic","event","data":{...}}, REST envelopes {"rc","mc","ma","result"}
 * and {"returnCode","msgInfo","error","result"}, or a bare data object) in one
 * pass, writing prices and quantities as int64 ticks into growable scratch
 * arrays. There are no per-level objects and no floats.
 *
 * The scanner is deliberately narrow. It accepts any key order, whitespace,
 * quoted or bare numbers, exponents, unknown keys (skipped with a validating,
 * depth-limited skipper) and null ids. Whatever it does not recognise —
 * escaped keys or values, duplicate keys, non-zero envelope codes, ids that
 * are not plain integers, nesting deeper than WEX_SKIP_DEPTH, anything
 * malformed — yields WEX_SCAN_FALLBACK: the caller then decodes with a full
 * JSON parser and validates the result. The scanner never guesses.
 *
 * The only definite errors it reports itself are bad level values (non-numeric,
 * negative, out of range, finer than the precision), with the side, level
 * index, column and byte offset, so the caller can name the field.
 */
#ifndef WEX_DEPTH_H
#define WEX_DEPTH_H

#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "wex_decimal.h"

#define WEX_SCAN_OK 0
#define WEX_SCAN_FALLBACK 1
#define WEX_SCAN_BADVALUE 2 /* err_code holds the WEX_DEC_* reason */
#define WEX_SCAN_NOMEM 3

#define WEX_SKIP_DEPTH 32

enum {
    WEX_ID_FI = 0,   /* spot depth_update first id */
    WEX_ID_I,        /* spot last id / depth@ update id */
    WEX_ID_FU,       /* futures first id */
    WEX_ID_U,        /* futures last id / futures snapshot id */
    WEX_ID_PU,       /* futures previous last id */
    WEX_ID_ID,       /* futures depth@ "id" */
    WEX_ID_LAST,     /* spot REST snapshot "lastUpdateId" */
    WEX_ID_COUNT
};

typedef struct {
    int64_t *price;
    int64_t *qty;
    size_t n, cap;
    int fixed;                 /* the caller's arrays: never reallocated or freed */
} wex_side_buf;

typedef struct {
    wex_side_buf side[2];      /* 0 = bids, 1 = asks, in message order */
    int64_t ids[WEX_ID_COUNT];
    unsigned ids_seen;         /* bit per id present with an integer */
    unsigned sides_seen;       /* bit 0 bids, bit 1 asks */
    int wrapped, bare;         /* saw data/result; saw message keys at the top */
    const char *topic; size_t topic_len;
    const char *event; size_t event_len;
    const char *symbol; size_t symbol_len;
    /* bad value detail */
    int err_code, err_side, err_column;
    size_t err_index, err_offset, err_len;
    const char *err_ptr;
} wex_depth_msg;

static inline int wex_side_reserve(wex_side_buf *b, size_t need)
{
    if (need <= b->cap) return 0;
    if (b->fixed) return -1;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need) cap += cap >> 1;
    int64_t *np = (int64_t *)realloc(b->price, cap * sizeof(int64_t));
    if (!np) return -1;
    b->price = np;
    int64_t *nq = (int64_t *)realloc(b->qty, cap * sizeof(int64_t));
    if (!nq) return -1;
    b->qty = nq;
    b->cap = cap;
    return 0;
}

static inline void wex_side_free(wex_side_buf *b)
{
    if (!b->fixed) { free(b->price); free(b->qty); }
    b->price = b->qty = NULL; b->n = b->cap = 0;
}

/* Give back memory a big snapshot made the scratch arrays take. */
static inline void wex_side_shrink(wex_side_buf *b, size_t keep)
{
    if (b->fixed || b->cap <= keep) return;
    int64_t *np = (int64_t *)realloc(b->price, keep * sizeof(int64_t));
    if (np) b->price = np;
    int64_t *nq = (int64_t *)realloc(b->qty, keep * sizeof(int64_t));
    if (nq) b->qty = nq;
    if (np && nq) b->cap = keep;
}

static inline const char *wex_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
    return p;
}

/* A string without escapes; NULL when it has one or is unterminated. */
static inline const char *wex_plain_string(const char *p, const char *end,
                                           const char **s, size_t *n)
{
    const char *st = p + 1;
    const char *q = st;
    while (q < end && *q != '"') {
        if (*q == '\\' || (unsigned char)*q < 0x20) return NULL;
        q++;
    }
    if (q >= end) return NULL;
    *s = st; *n = (size_t)(q - st);
    return q + 1;
}

static const char *wex_skip_string(const char *p, const char *end)
{
    p++;
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (c == '"') return p + 1;
        if (c < 0x20) return NULL;
        if (c == '\\') {
            p++;
            if (p >= end) return NULL;
            switch (*p) {
            case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
                p++; break;
            case 'u': {
                int k;
                for (k = 1; k <= 4; k++) {
                    if (p + k >= end) return NULL;
                    char h = p[k];
                    if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F')))
                        return NULL;
                }
                p += 5; break;
            }
            default: return NULL;
            }
        } else {
            p++;
        }
    }
    return NULL;
}

/* JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static const char *wex_skip_number(const char *p, const char *end)
{
    if (p < end && *p == '-') p++;
    if (p >= end) return NULL;
    if (*p == '0') p++;
    else if (*p >= '1' && *p <= '9') { while (p < end && *p >= '0' && *p <= '9') p++; }
    else return NULL;
    if (p < end && *p == '.') {
        p++;
        if (!(p < end && *p >= '0' && *p <= '9')) return NULL;
        while (p < end && *p >= '0' && *p <= '9') p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-')) p++;
        if (!(p < end && *p >= '0' && *p <= '9')) return NULL;
        while (p < end && *p >= '0' && *p <= '9') p++;
    }
    return p;
}

static inline const char *wex_literal(const char *p, const char *end, const char *lit, size_t n)
{
    if ((size_t)(end - p) < n || memcmp(p, lit, n) != 0) return NULL;
    return p + n;
}

/* Validate and skip one value; NULL on anything malformed or too deep. */
static const char *wex_skip_value(const char *p, const char *end, int depth)
{
    p = wex_ws(p, end);
    if (p >= end) return NULL;
    switch (*p) {
    case '"':
        return wex_skip_string(p, end);
    case '{':
        if (depth >= WEX_SKIP_DEPTH) return NULL;
        p = wex_ws(p + 1, end);
        if (p < end && *p == '}') return p + 1;
        for (;;) {
            if (p >= end || *p != '"') return NULL;
            p = wex_skip_string(p, end);
            if (!p) return NULL;
            p = wex_ws(p, end);
            if (p >= end || *p != ':') return NULL;
            p = wex_skip_value(p + 1, end, depth + 1);
            if (!p) return NULL;
            p = wex_ws(p, end);
            if (p >= end) return NULL;
            if (*p == ',') { p = wex_ws(p + 1, end); continue; }
            if (*p == '}') return p + 1;
            return NULL;
        }
    case '[':
        if (depth >= WEX_SKIP_DEPTH) return NULL;
        p = wex_ws(p + 1, end);
        if (p < end && *p == ']') return p + 1;
        for (;;) {
            p = wex_skip_value(p, end, depth + 1);
            if (!p) return NULL;
            p = wex_ws(p, end);
            if (p >= end) return NULL;
            if (*p == ',') { p++; continue; }
            if (*p == ']') return p + 1;
            return NULL;
        }
    case 't': return wex_literal(p, end, "true", 4);
    case 'f': return wex_literal(p, end, "false", 5);
    case 'n': return wex_literal(p, end, "null", 4);
    default: return wex_skip_number(p, end);
    }
}

/* A non-negative integer id, quoted or bare; null leaves it unset.
 * Returns NULL (fallback) for anything else. */
static inline const char *wex_scan_id(const char *p, const char *end, wex_depth_msg *m, int which)
{
    if (m->ids_seen & (1u << which)) return NULL; /* duplicate key */
    if (*p == 'n') return wex_literal(p, end, "null", 4);
    int quoted = 0;
    if (*p == '"') { quoted = 1; p++; }
    const char *st = p;
    uint64_t v = 0;
    while (p < end && (unsigned)(*p - '0') < 10u) {
        unsigned d = (unsigned)(*p - '0');
        if (v > ((uint64_t)INT64_MAX - d) / 10) return NULL;
        v = v * 10 + d;
        p++;
    }
    if (p == st) return NULL;
    if (!quoted && p - st > 1 && *st == '0') return NULL; /* not JSON */
    if (quoted) {
        if (p >= end || *p != '"') return NULL;
        p++;
    } else if (p < end && (*p == '.' || *p == 'e' || *p == 'E')) {
        return NULL;
    }
    m->ids[which] = (int64_t)v;
    m->ids_seen |= 1u << which;
    return p;
}

/* One level value, quoted or bare. */
static inline const char *wex_scan_level_value(const char *p, const char *end, int prec,
                                               int64_t *out, wex_depth_msg *m, int *status)
{
    const char *stop;
    int rc;
    const char *start = p;
    if (*p == '"') {
        rc = wex_dec_scan(p + 1, end, prec, out, &stop);
        if (stop < end && *stop == '"') {
            if (rc == WEX_DEC_OK) return stop + 1;
        } else {
            /* not a plain number inside the quotes: an escape means we cannot
             * judge it here; otherwise it is simply not a number */
            const char *q = p + 1;
            while (q < end && *q != '"') {
                if (*q == '\\') { *status = WEX_SCAN_FALLBACK; return NULL; }
                q++;
            }
            if (q >= end) { *status = WEX_SCAN_FALLBACK; return NULL; }
            stop = q;
            rc = WEX_DEC_SYNTAX;
        }
        m->err_ptr = start;
        m->err_len = (size_t)(stop + 1 - start);
    } else if (*p == '-' || (*p >= '0' && *p <= '9')) {
        const char *q = wex_skip_number(p, end);
        if (!q) { *status = WEX_SCAN_FALLBACK; return NULL; }
        rc = wex_dec_scan(p, q, prec, out, &stop);
        if (rc == WEX_DEC_OK) return q;
        m->err_ptr = start;
        m->err_len = (size_t)(q - start);
    } else {
        /* null, true, an object...: valid JSON maybe, but not a level value */
        const char *q = wex_skip_value(p, end, WEX_SKIP_DEPTH - 1);
        if (!q) { *status = WEX_SCAN_FALLBACK; return NULL; }
        rc = WEX_DEC_SYNTAX;
        m->err_ptr = start;
        m->err_len = (size_t)(q - start);
    }
    m->err_code = rc;
    *status = WEX_SCAN_BADVALUE;
    return NULL;
}

static const char *wex_scan_levels(const char *p, const char *end, int pp, int qp,
                                   wex_depth_msg *m, int side, int *status)
{
    wex_side_buf *b = &m->side[side];
    if (m->sides_seen & (1u << side)) { *status = WEX_SCAN_FALLBACK; return NULL; }
    m->sides_seen |= 1u << side;
    if (*p != '[') { *status = WEX_SCAN_FALLBACK; return NULL; }
    p = wex_ws(p + 1, end);
    if (p < end && *p == ']') return p + 1;
    for (;;) {
        int64_t px, qt;
        if (p >= end || *p != '[') { *status = WEX_SCAN_FALLBACK; return NULL; }
        p = wex_ws(p + 1, end);
        if (p >= end) { *status = WEX_SCAN_FALLBACK; return NULL; }
        m->err_side = side; m->err_index = b->n; m->err_column = 0;
        p = wex_scan_level_value(p, end, pp, &px, m, status);
        if (!p) return NULL;
        p = wex_ws(p, end);
        if (p >= end || *p != ',') { *status = WEX_SCAN_FALLBACK; return NULL; }
        p = wex_ws(p + 1, end);
        if (p >= end) { *status = WEX_SCAN_FALLBACK; return NULL; }
        m->err_column = 1;
        p = wex_scan_level_value(p, end, qp, &qt, m, status);
        if (!p) return NULL;
        p = wex_ws(p, end);
        if (p >= end || *p != ']') { *status = WEX_SCAN_FALLBACK; return NULL; }
        if (b->n == b->cap && wex_side_reserve(b, b->n + 1)) { *status = WEX_SCAN_NOMEM; return NULL; }
        b->price[b->n] = px;
        b->qty[b->n] = qt;
        b->n++;
        p = wex_ws(p + 1, end);
        if (p >= end) { *status = WEX_SCAN_FALLBACK; return NULL; }
        if (*p == ',') { p = wex_ws(p + 1, end); continue; }
        if (*p == ']') return p + 1;
        *status = WEX_SCAN_FALLBACK;
        return NULL;
    }
}

/* Message keys at the top level make a bare data object; next to a data or
 * result wrapper they are ambiguous (the validating path reads the wrapper
 * only), so that combination goes to the fallback. */
#define WEX_INNER_GUARD() do { if (level == 0) { if (m->wrapped) goto fallback; m->bare = 1; } } while (0)
#define WEX_WRAPPER_GUARD() do { if (m->bare || m->wrapped) goto fallback; m->wrapped = 1; } while (0)

#define WEX_KEY(k, lit) (klen == sizeof(lit) - 1 && memcmp(k, lit, sizeof(lit) - 1) == 0)

/* The envelope code must be a bare or quoted 0; anything else -> fallback so
 * the validating path can report the exchange's error. */
static inline const char *wex_scan_zero_code(const char *p, const char *end)
{
    if (*p == '"') {
        if (end - p >= 3 && p[1] == '0' && p[2] == '"') return p + 3;
        return NULL;
    }
    if (*p == '0' && (p + 1 >= end || !((p[1] >= '0' && p[1] <= '9') || p[1] == '.' || p[1] == 'e' || p[1] == 'E')))
        return p + 1;
    return NULL;
}

static const char *wex_scan_object(const char *p, const char *end, int pp, int qp,
                                   wex_depth_msg *m, int level, int *status)
{
    /* p points at '{' */
    p = wex_ws(p + 1, end);
    if (p < end && *p == '}') return p + 1;
    for (;;) {
        const char *k;
        size_t klen;
        if (p >= end || *p != '"') goto fallback;
        p = wex_plain_string(p, end, &k, &klen);
        if (!p) goto fallback;
        p = wex_ws(p, end);
        if (p >= end || *p != ':') goto fallback;
        p = wex_ws(p + 1, end);
        if (p >= end) goto fallback;

        switch (klen) {
        case 1:
            if (k[0] == 'a') { WEX_INNER_GUARD(); p = wex_scan_levels(p, end, pp, qp, m, 1, status); if (!p) return NULL; goto next; }
            if (k[0] == 'b') { WEX_INNER_GUARD(); p = wex_scan_levels(p, end, pp, qp, m, 0, status); if (!p) return NULL; goto next; }
            if (k[0] == 'i') { WEX_INNER_GUARD(); p = wex_scan_id(p, end, m, WEX_ID_I); if (!p) goto fallback; goto next; }
            if (k[0] == 'u') { WEX_INNER_GUARD(); p = wex_scan_id(p, end, m, WEX_ID_U); if (!p) goto fallback; goto next; }
            if (k[0] == 's') {
                WEX_INNER_GUARD();
                if (*p == '"') {
                    if (m->symbol) goto fallback;
                    p = wex_plain_string(p, end, &m->symbol, &m->symbol_len);
                    if (!p) goto fallback;
                    goto next;
                }
            }
            break;
        case 2:
            if (k[0] == 'f' && k[1] == 'i') { WEX_INNER_GUARD(); p = wex_scan_id(p, end, m, WEX_ID_FI); if (!p) goto fallback; goto next; }
            if (k[0] == 'f' && k[1] == 'u') { WEX_INNER_GUARD(); p = wex_scan_id(p, end, m, WEX_ID_FU); if (!p) goto fallback; goto next; }
            if (k[0] == 'p' && k[1] == 'u') { WEX_INNER_GUARD(); p = wex_scan_id(p, end, m, WEX_ID_PU); if (!p) goto fallback; goto next; }
            if (k[0] == 'i' && k[1] == 'd') { WEX_INNER_GUARD(); p = wex_scan_id(p, end, m, WEX_ID_ID); if (!p) goto fallback; goto next; }
            if (level == 0 && k[0] == 'r' && k[1] == 'c') { p = wex_scan_zero_code(p, end); if (!p) goto fallback; goto next; }
            break;
        case 4:
            if (WEX_KEY(k, "bids")) { WEX_INNER_GUARD(); p = wex_scan_levels(p, end, pp, qp, m, 0, status); if (!p) return NULL; goto next; }
            if (WEX_KEY(k, "asks")) { WEX_INNER_GUARD(); p = wex_scan_levels(p, end, pp, qp, m, 1, status); if (!p) return NULL; goto next; }
            if (level == 0 && WEX_KEY(k, "data")) {
                if (*p != '{') goto fallback;
                WEX_WRAPPER_GUARD();
                p = wex_scan_object(p, end, pp, qp, m, 1, status);
                if (!p) return NULL;
                goto next;
            }
            break;
        case 5:
            if (level == 0 && WEX_KEY(k, "topic") && *p == '"') {
                if (m->topic) goto fallback;
                p = wex_plain_string(p, end, &m->topic, &m->topic_len);
                if (!p) goto fallback;
                goto next;
            }
            if (level == 0 && WEX_KEY(k, "event") && *p == '"') {
                if (m->event) goto fallback;
                p = wex_plain_string(p, end, &m->event, &m->event_len);
                if (!p) goto fallback;
                goto next;
            }
            break;
        case 6:
            if (level == 0 && WEX_KEY(k, "result")) {
                if (*p != '{') goto fallback;
                WEX_WRAPPER_GUARD();
                p = wex_scan_object(p, end, pp, qp, m, 1, status);
                if (!p) return NULL;
                goto next;
            }
            break;
        case 10:
            if (level == 0 && WEX_KEY(k, "returnCode")) { p = wex_scan_zero_code(p, end); if (!p) goto fallback; goto next; }
            break;
        case 12:
            if (WEX_KEY(k, "lastUpdateId")) { WEX_INNER_GUARD(); p = wex_scan_id(p, end, m, WEX_ID_LAST); if (!p) goto fallback; goto next; }
            break;
        }
        p = wex_skip_value(p, end, level + 1);
        if (!p) goto fallback;
    next:
        p = wex_ws(p, end);
        if (p >= end) goto fallback;
        if (*p == ',') { p = wex_ws(p + 1, end); continue; }
        if (*p == '}') return p + 1;
        goto fallback;
    }
fallback:
    *status = WEX_SCAN_FALLBACK;
    return NULL;
}

static inline void wex_depth_reset(wex_depth_msg *m)
{
    m->side[0].n = 0; m->side[1].n = 0;
    m->ids_seen = 0; m->sides_seen = 0;
    m->wrapped = m->bare = 0;
    m->topic = m->event = m->symbol = NULL;
    m->topic_len = m->event_len = m->symbol_len = 0;
    m->err_code = 0;
}

/* Scan one whole document. err_offset is made relative to buf. */
static inline int wex_scan_depth(const char *buf, size_t len, int pp, int qp, wex_depth_msg *m)
{
    const char *end = buf + len;
    int status = WEX_SCAN_OK;
    wex_depth_reset(m);
    const char *p = wex_ws(buf, end);
    if (p >= end || *p != '{') return WEX_SCAN_FALLBACK;
    p = wex_scan_object(p, end, pp, qp, m, 0, &status);
    if (!p) {
        if (status == WEX_SCAN_BADVALUE)
            m->err_offset = (size_t)(m->err_ptr - buf);
        return status;
    }
    p = wex_ws(p, end);
    if (p != end) return WEX_SCAN_FALLBACK;
    return WEX_SCAN_OK;
}

#endif
