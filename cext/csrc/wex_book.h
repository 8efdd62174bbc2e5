/* The book's sides: contiguous sorted level arrays, best level last.
 * See the module docstring of cext/wexcore/_book.pyx for the design. */
#ifndef WEX_BOOK_H
#define WEX_BOOK_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
#endif
