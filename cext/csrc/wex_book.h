/* The order book: contiguous sorted level arrays (best level last) and the
 * exchange's sequence rules, in plain C.
 *
 * One implementation serves every caller: the Python methods of
 * wexcore.OrderBook, its GIL-free batch (apply_frames), the stream feed and
 * the public C API (wexcore.h). Each of them fills the book's scratch
 * message (the byte scanner in wex_depth.h, or the validating JSON path with
 * the GIL) and then calls wex_bk_apply_scanned / wex_bk_snapshot_scanned /
 * wex_bk_replace_scanned, which check everything before the first level
 * changes, so a bad message leaves the book exactly as it was.
 * See the module docstring of cext/wexcore/_book.pyx for the design. */
#ifndef WEX_BOOK_H
#define WEX_BOOK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "wexcore_types.h"
#include "wex_error.h"
#include "wex_depth.h"

/* One side of a book: levels sorted by key ascending, best at the end.
 * key = price ticks (bids) or -price ticks (asks). */
typedef struct { int64_t key; int64_t qty; } wex_level;
typedef struct { wex_level *lv; size_t n, cap; } wex_side;

static int wex_book_reserve(wex_side *s, size_t need) {
    if (need <= s->cap) return 0;
    size_t cap = s->cap ? s->cap : 16;
    while (cap < need) cap += (cap >> 1) + 1;
    wex_level *p = (wex_level *)realloc(s->lv, cap * sizeof(wex_level));
    if (!p) return -1;
    s->lv = p; s->cap = cap;
    return 0;
}

/* First index whose key >= key, galloping from the best (last) level. */
static inline size_t wex_book_find(const wex_level *lv, size_t n, int64_t key) {
    if (n == 0 || lv[n - 1].key < key) return n;
    ptrdiff_t hi = (ptrdiff_t)n - 1;   /* lv[hi].key >= key */
    ptrdiff_t lo = -1;                 /* lv[lo].key <  key, or -1 */
    ptrdiff_t step = 1;
    for (;;) {
        ptrdiff_t j = hi - step;
        if (j < 0) break;
        if (lv[j].key < key) { lo = j; break; }
        hi = j;
        step <<= 1;
    }
    while (hi - lo > 1) {
        ptrdiff_t mid = lo + ((hi - lo) >> 1);
        if (lv[mid].key < key) lo = mid; else hi = mid;
    }
    return (size_t)hi;
}

/* Set the absolute quantity of one level; 0 deletes (absent is fine).
 * Capacity for one more level must have been reserved. */
static inline void wex_book_set(wex_side *s, int64_t key, int64_t qty) {
    wex_level *lv = s->lv;
    size_t n = s->n;
    size_t i = wex_book_find(lv, n, key);
    if (i < n && lv[i].key == key) {
        if (qty) lv[i].qty = qty;
        else {
            memmove(lv + i, lv + i + 1, (n - i - 1) * sizeof(wex_level));
            s->n = n - 1;
        }
    } else if (qty) {
        if (i < n) memmove(lv + i + 1, lv + i, (n - i) * sizeof(wex_level));
        lv[i].key = key; lv[i].qty = qty;
        s->n = n + 1;
    }
}

static inline void wex_book_apply(wex_side *s, const int64_t *px, const int64_t *qt,
                                  size_t n, int neg) {
    size_t j;
    if (neg) { for (j = 0; j < n; j++) wex_book_set(s, -px[j], qt[j]); }
    else     { for (j = 0; j < n; j++) wex_book_set(s, px[j], qt[j]); }
}

typedef struct { int64_t key; int64_t qty; size_t idx; } wex_sort_item;
static int wex_sort_cmp(const void *a, const void *b) {
    const wex_sort_item *x = (const wex_sort_item *)a, *y = (const wex_sort_item *)b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return x->idx < y->idx ? -1 : (x->idx > y->idx);
}

/* Build a side from levels in message order (normally best first).
 * Duplicate prices: the last one wins; zero quantities are not levels.
 * Fills *out (which must be empty) and returns 0, or -1 on no memory. */
static int wex_book_build(wex_side *out, const int64_t *px, const int64_t *qt,
                          size_t n, int neg) {
    size_t cap = n + (n >> 3) + 16, j, k;
    out->lv = (wex_level *)malloc(cap * sizeof(wex_level));
    if (!out->lv) return -1;
    out->cap = cap; out->n = 0;
    int sorted = 1;
    for (j = 0; j < n; j++) {
        wex_level *l = &out->lv[n - 1 - j];
        l->key = neg ? -px[j] : px[j];
        l->qty = qt[j];
        if (qt[j] == 0) sorted = 0;
        if (j > 0 && !(l->key < out->lv[n - j].key)) sorted = 0;
    }
    if (sorted) { out->n = n; return 0; }
    wex_sort_item *it = (wex_sort_item *)malloc((n ? n : 1) * sizeof(wex_sort_item));
    if (!it) { free(out->lv); out->lv = NULL; out->cap = 0; return -1; }
    for (j = 0; j < n; j++) {
        it[j].key = neg ? -px[j] : px[j]; it[j].qty = qt[j]; it[j].idx = j;
    }
    qsort(it, n, sizeof(wex_sort_item), wex_sort_cmp);
    k = 0;
    for (j = 0; j < n; j++) {
        if (j + 1 < n && it[j + 1].key == it[j].key) continue; /* a later one wins */
        if (it[j].qty == 0) continue;
        out->lv[k].key = it[j].key; out->lv[k].qty = it[j].qty; k++;
    }
    out->n = k;
    free(it);
    return 0;
}

static uint32_t wex_crc_table[256];
static void wex_crc_init(void) {
    uint32_t i, c; int k;
    for (i = 0; i < 256; i++) {
        c = i;
        for (k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        wex_crc_table[i] = c;
    }
}
static uint32_t wex_crc_le64(uint32_t crc, int64_t v) {
    uint64_t u = (uint64_t)v;
    int k;
    for (k = 0; k < 8; k++) {
        crc = wex_crc_table[(crc ^ (uint32_t)(u & 0xff)) & 0xff] ^ (crc >> 8);
        u >>= 8;
    }
    return crc;
}
/* ------------------------------------------------------------ the book */

struct wex_book {
    wex_side side[2];          /* 0 bids, 1 asks; sorted by key, best last */
    wex_depth_msg scratch;     /* the message being applied (decoded levels) */
    int64_t last_id;
    double price_scale, quantity_scale;
    int price_precision, quantity_precision;
    int futures;
    int in_sync;
    int awaiting_first;        /* after a snapshot, before the first update */
    int busy;                  /* a call is changing the book (a guard, not a lock) */
    char *symbol;              /* exact bytes of the symbol, NUL-terminated */
    size_t symbol_len;
};

#define WEX_MAX_PRECISION 18

static const double wex_pow10_f64[WEX_MAX_PRECISION + 1] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14,
    1e15, 1e16, 1e17, 1e18};

/* Set up a zeroed book. 0, or -1 with err filled. */
static int wex_bk_init(wex_book *b, const char *symbol, size_t symbol_len, int price_precision,
                       int quantity_precision, int product, wex_error *err)
{
    if (product != WEX_SPOT && product != WEX_FUTURES) {
        wex_err_set(err, WEX_E_ARGUMENT, "product", "product must be WEX_SPOT or WEX_FUTURES, got %d", product);
        return -1;
    }
    if (price_precision < 0 || price_precision > WEX_MAX_PRECISION) {
        wex_err_set(err, WEX_E_ARGUMENT, "price_precision", "price_precision must be 0..%d, got %d",
                    WEX_MAX_PRECISION, price_precision);
        return -1;
    }
    if (quantity_precision < 0 || quantity_precision > WEX_MAX_PRECISION) {
        wex_err_set(err, WEX_E_ARGUMENT, "quantity_precision", "quantity_precision must be 0..%d, got %d",
                    WEX_MAX_PRECISION, quantity_precision);
        return -1;
    }
    if (symbol == NULL && symbol_len) {
        wex_err_set(err, WEX_E_ARGUMENT, "symbol", "symbol is NULL");
        return -1;
    }
    b->symbol = (char *)malloc(symbol_len + 1);
    if (!b->symbol) { wex_err_set(err, WEX_E_NOMEM, "", "out of memory"); return -1; }
    if (symbol_len) memcpy(b->symbol, symbol, symbol_len);
    b->symbol[symbol_len] = 0;
    b->symbol_len = symbol_len;
    b->price_precision = price_precision;
    b->quantity_precision = quantity_precision;
    b->price_scale = wex_pow10_f64[price_precision];
    b->quantity_scale = wex_pow10_f64[quantity_precision];
    b->futures = product == WEX_FUTURES;
    wex_err_clear(err);
    return 0;
}

/* Free what the book owns (not the struct itself). */
static void wex_bk_release(wex_book *b)
{
    free(b->side[0].lv); free(b->side[1].lv);
    b->side[0].lv = b->side[1].lv = NULL;
    b->side[0].n = b->side[1].n = b->side[0].cap = b->side[1].cap = 0;
    wex_side_free(&b->scratch.side[0]);
    wex_side_free(&b->scratch.side[1]);
    free(b->symbol);
    b->symbol = NULL;
}

/* sequence check outcomes */
enum { WEX_SEQ_STALE = 0, WEX_SEQ_OK = 1, WEX_SEQ_GAP = 2, WEX_SEQ_GAP_PREV = 3, WEX_SEQ_NOSYNC = 4 };

static inline int wex_bk_seq(const wex_book *b, int64_t first, int64_t last, int64_t prev,
                             int has_prev, int64_t *expected, int64_t *received)
{
    int64_t lid = b->last_id;
    if (!b->in_sync) { *expected = lid + 1; *received = first; return WEX_SEQ_NOSYNC; }
    if (last <= lid) return WEX_SEQ_STALE;
    if (b->awaiting_first) {
        /* spec step 5: the first event must straddle lastUpdateId + 1 */
        if (first <= lid + 1) return WEX_SEQ_OK;
        *expected = lid + 1; *received = first;
        return WEX_SEQ_GAP;
    }
    if (first != lid + 1) { *expected = lid + 1; *received = first; return WEX_SEQ_GAP; }
    if (has_prev && prev != lid) { *expected = lid; *received = prev; return WEX_SEQ_GAP_PREV; }
    return WEX_SEQ_OK;
}

/* A failed sequence check: the book leaves sync (unless it never was). */
static int wex_bk_gap(wex_book *b, int code, int64_t expected, int64_t received, wex_error *err)
{
    const char *detail = "";
    int ecode = WEX_E_SEQUENCE;
    if (code == WEX_SEQ_NOSYNC) {
        detail = " (book is out of sync; load a snapshot first)";
        ecode = WEX_E_NOT_SYNCED;
    } else {
        b->in_sync = 0;
        if (code == WEX_SEQ_GAP_PREV) { detail = " (pu does not match the previous u)"; ecode = WEX_E_PREVIOUS; }
    }
    if (err) {
        wex_err_set(err, ecode, ecode == WEX_E_PREVIOUS ? "pu" : "",
                    "%s: sequence gap, expected update id %lld, received %lld%s", b->symbol,
                    (long long)expected, (long long)received, detail);
        err->expected = expected;
        err->received = received;
    }
    return WEX_GAP;
}

static inline int wex_bk_result(const wex_book *b)
{
    if (b->side[0].n && b->side[1].n &&
        b->side[0].lv[b->side[0].n - 1].key >= -b->side[1].lv[b->side[1].n - 1].key)
        return WEX_CROSSED;
    return WEX_APPLIED;
}

static inline int wex_msg_has(const wex_depth_msg *m, int which) { return (m->ids_seen >> which) & 1; }

/* A limited-depth (depth@symbol,levels) message, by its topic or event. */
static inline int wex_msg_is_limited(const wex_depth_msg *m)
{
    if (m->topic && m->topic_len == 5 && memcmp(m->topic, "depth", 5) == 0) return 1;
    if (m->event && m->event_len >= 6 && memcmp(m->event, "depth@", 6) == 0) return 1;
    return 0;
}

static int wex_bk_check_symbol(const wex_book *b, wex_error *err)
{
    const wex_depth_msg *m = &b->scratch;
    if (m->symbol && (m->symbol_len != b->symbol_len || memcmp(m->symbol, b->symbol, m->symbol_len) != 0)) {
        wex_err_set(err, WEX_E_SYMBOL, "s", "message is for '%.*s', book is '%s'",
                    (int)(m->symbol_len > 64 ? 64 : m->symbol_len), m->symbol, b->symbol);
        return -1;
    }
    return 0;
}

static inline int wex_bk_reserve(wex_book *b, size_t nb, size_t na)
{
    return wex_book_reserve(&b->side[0], b->side[0].n + nb) || wex_book_reserve(&b->side[1], b->side[1].n + na);
}

/* Replace both sides from the scratch levels, all or nothing. */
static int wex_bk_install(wex_book *b, wex_error *err)
{
    wex_depth_msg *m = &b->scratch;
    wex_side nb = {0}, na = {0};
    if (wex_book_build(&nb, m->side[0].price, m->side[0].qty, m->side[0].n, 0)) goto nomem;
    if (wex_book_build(&na, m->side[1].price, m->side[1].qty, m->side[1].n, 1)) { free(nb.lv); goto nomem; }
    free(b->side[0].lv); free(b->side[1].lv);
    b->side[0] = nb; b->side[1] = na;
    /* a big snapshot grew the scratch arrays; give most of that back */
    wex_side_shrink(&m->side[0], 256);
    wex_side_shrink(&m->side[1], 256);
    return 0;
nomem:
    wex_err_set(err, WEX_E_NOMEM, "", "out of memory");
    return -1;
}

/* A limited-depth message names its symbol in its event (depth@btc_usdt,20),
 * else in "s": the event wins, because the spec's own futures example
 * carries "s":"btc_index" on a btc_usdt event. */
static int wex_bk_check_limited_symbol(const wex_book *b, wex_error *err)
{
    const wex_depth_msg *m = &b->scratch;
    if (m->event && m->event_len >= 6 && memcmp(m->event, "depth@", 6) == 0) {
        const char *sym = m->event + 6;
        size_t n = 0;
        while (6 + n < m->event_len && sym[n] != ',') n++;
        if (n != b->symbol_len || memcmp(sym, b->symbol, n) != 0) {
            wex_err_set(err, WEX_E_SYMBOL, "event", "message is for '%.*s', book is '%s'",
                        (int)(n > 64 ? 64 : n), sym, b->symbol);
            return -1;
        }
        return 0;
    }
    return wex_bk_check_symbol(b, err);
}

/* A limited-depth message replaces the book. */
static int wex_bk_replace_scanned(wex_book *b, wex_error *err)
{
    static const int order[4] = {WEX_ID_I, WEX_ID_ID, WEX_ID_U, WEX_ID_LAST};
    const wex_depth_msg *m = &b->scratch;
    int has_id = 0, k;
    int64_t new_id = 0;
    for (k = 0; k < 4; k++)
        if (wex_msg_has(m, order[k])) { has_id = 1; new_id = m->ids[order[k]]; break; }
    if (!has_id) {
        /* without an id the book could not tell this state from an older one */
        wex_err_set(err, WEX_E_DECODE, b->futures ? "id" : "i",
                    "limited-depth message without an update id");
        return WEX_ERROR;
    }
    if (wex_bk_check_limited_symbol(b, err)) return WEX_ERROR;
    if (b->in_sync && new_id < b->last_id) { wex_err_clear(err); return WEX_STALE; }
    if (wex_bk_install(b, err)) return WEX_ERROR;
    b->last_id = new_id;
    b->in_sync = 1;
    b->awaiting_first = 1;
    wex_err_clear(err);
    return wex_bk_result(b);
}

/* A REST snapshot replaces the book and starts the sequence. */
static int wex_bk_snapshot_scanned(wex_book *b, wex_error *err)
{
    static const int order[4] = {WEX_ID_LAST, WEX_ID_U, WEX_ID_I, WEX_ID_ID};
    const wex_depth_msg *m = &b->scratch;
    int k, which = -1;
    for (k = 0; k < 4; k++)
        if (wex_msg_has(m, order[k])) { which = order[k]; break; }
    if (which < 0) {
        wex_err_set(err, WEX_E_DECODE, "lastUpdateId", "snapshot without an update id");
        return WEX_ERROR;
    }
    if (m->sides_seen != 3) {
        wex_err_set(err, WEX_E_DECODE, (m->sides_seen & 1) ? "asks" : "bids", "snapshot without both sides");
        return WEX_ERROR;
    }
    if (wex_bk_check_symbol(b, err)) return WEX_ERROR;
    if (wex_bk_install(b, err)) return WEX_ERROR;
    b->last_id = m->ids[which];
    b->in_sync = 1;
    b->awaiting_first = 1;
    wex_err_clear(err);
    return wex_bk_result(b);
}

/* An incremental update (a limited-depth message is passed to replace). */
static int wex_bk_apply_scanned(wex_book *b, wex_error *err)
{
    wex_depth_msg *m = &b->scratch;
    int fkey = b->futures ? WEX_ID_FU : WEX_ID_FI;
    int lkey = b->futures ? WEX_ID_U : WEX_ID_I;
    const char *fname = b->futures ? "fu" : "fi";
    int64_t first, last, expected = 0, received = 0;
    int code;
    if (!wex_msg_has(m, fkey)) {
        if (wex_msg_is_limited(m)) return wex_bk_replace_scanned(b, err);
        wex_err_set(err, WEX_E_DECODE, fname, "depth update without its first update id");
        return WEX_ERROR;
    }
    if (!wex_msg_has(m, lkey)) {
        wex_err_set(err, WEX_E_DECODE, b->futures ? "u" : "i", "depth update without its last update id");
        return WEX_ERROR;
    }
    first = m->ids[fkey];
    last = m->ids[lkey];
    if (first > last) {
        wex_err_set(err, WEX_E_DECODE, fname, "first update id %lld is after last update id %lld",
                    (long long)first, (long long)last);
        return WEX_ERROR;
    }
    if (wex_bk_check_symbol(b, err)) return WEX_ERROR;
    code = wex_bk_seq(b, first, last, m->ids[WEX_ID_PU], b->futures && wex_msg_has(m, WEX_ID_PU),
                      &expected, &received);
    if (code == WEX_SEQ_STALE) { wex_err_clear(err); return WEX_STALE; }
    if (code != WEX_SEQ_OK) return wex_bk_gap(b, code, expected, received, err);
    if (wex_bk_reserve(b, m->side[0].n, m->side[1].n)) {
        wex_err_set(err, WEX_E_NOMEM, "", "out of memory");
        return WEX_ERROR;
    }
    wex_book_apply(&b->side[0], m->side[0].price, m->side[0].qty, m->side[0].n, 0);
    wex_book_apply(&b->side[1], m->side[1].price, m->side[1].qty, m->side[1].n, 1);
    b->last_id = last;
    b->awaiting_first = 0;
    wex_err_clear(err);
    return wex_bk_result(b);
}

/* The scanner rejected a level value or ran out of memory: say which. */
static int wex_scan_error(const wex_depth_msg *m, int rc, const char *buf, int pp, int qp,
                          int capacity, wex_error *err)
{
    static const char *sides[2] = {"bids", "asks"};
    static const char *cols[2] = {"price", "quantity"};
    char field[64], value[64];
    const char *v;
    size_t vn;
    int prec;
    if (rc == WEX_SCAN_NOMEM) {
        if (capacity) wex_err_set(err, WEX_E_CAPACITY, "", "the caller's level arrays are too small");
        else wex_err_set(err, WEX_E_NOMEM, "", "out of memory");
        return WEX_ERROR;
    }
    if (!err) return WEX_ERROR;
    snprintf(field, sizeof field, "%s[%zu].%s", sides[m->err_side & 1], m->err_index, cols[m->err_column & 1]);
    v = buf + m->err_offset;
    vn = m->err_len;
    if (vn >= 2 && v[0] == '"' && v[vn - 1] == '"') { v++; vn -= 2; }
    if (vn >= sizeof value) vn = sizeof value - 1;
    memcpy(value, v, vn);
    value[vn] = 0;
    prec = m->err_column ? qp : pp;
    switch (m->err_code) {
    case WEX_DEC_PRECISION:
        wex_err_set(err, WEX_E_PRECISION, field, "%s value '%s' has more than %d decimal places", field, value, prec);
        break;
    case WEX_DEC_NEGATIVE:
        wex_err_set(err, WEX_E_DECODE, field, "negative value '%s'", value);
        break;
    case WEX_DEC_RANGE:
        wex_err_set(err, WEX_E_DECODE, field, "value '%s' is out of range for int64 ticks at precision %d", value, prec);
        break;
    default:
        wex_err_set(err, WEX_E_DECODE, field, "not a decimal number: '%s'", value);
    }
    err->precision = prec;
    err->offset = (int64_t)m->err_offset;
    memcpy(err->value, value, vn + 1);
    return WEX_ERROR;
}

/* ------------------------------------------------------------- reads */

/* The top n levels of a side, best first, into whichever of the four
 * arrays are not NULL (exact ticks and/or doubles); returns how many. */
static size_t wex_bk_top(const wex_book *b, int side, size_t n, int64_t *price_ticks,
                         int64_t *quantity_ticks, double *prices, double *quantities)
{
    const wex_side *s;
    size_t k, j;
    if (side != 0 && side != 1) return 0;
    s = &b->side[side];
    k = n < s->n ? n : s->n;
    for (j = 0; j < k; j++) {
        const wex_level *l = &s->lv[s->n - 1 - j];
        int64_t price = side ? -l->key : l->key;
        if (price_ticks) price_ticks[j] = price;
        if (quantity_ticks) quantity_ticks[j] = l->qty;
        if (prices) prices[j] = (double)price / b->price_scale;
        if (quantities) quantities[j] = (double)l->qty / b->quantity_scale;
    }
    return k;
}

static uint32_t wex_bk_checksum(const wex_book *b, size_t levels)
{
    uint32_t crc = 0xFFFFFFFFu;
    int sd;
    size_t j, k;
    for (sd = 0; sd < 2; sd++) {
        const wex_side *s = &b->side[sd];
        k = levels < s->n ? levels : s->n;
        for (j = 0; j < k; j++) {
            const wex_level *l = &s->lv[s->n - 1 - j];
            crc = wex_crc_le64(crc, sd ? -l->key : l->key);
            crc = wex_crc_le64(crc, l->qty);
        }
    }
    return crc ^ 0xFFFFFFFFu;
}

#endif
