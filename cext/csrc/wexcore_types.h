/* wexcore_types.h: the types of wexcore's public C API.
 *
 * Shared by the Cython declarations (wexcore/api.pxd), the capsule table
 * (wexcore.h) and the kernels themselves. Plain C: no Python header needed.
 * docs/embedding.md explains ownership, lifetimes and threads; in short:
 *
 *  - a wex_book or wex_signer is used by one thread at a time;
 *  - every pointer the API returns or fills points into memory the caller
 *    passed in, or into the book, and stays valid only until the next call
 *    that changes that book;
 *  - no function keeps a pointer the caller passed in after it returns.
 *
 * Stable: names and values here change only with WEXCORE_API_VERSION.
 */
#ifndef WEXCORE_TYPES_H
#define WEXCORE_TYPES_H

#include <stddef.h>
#include <stdint.h>

#define WEXCORE_API_VERSION 1

/* What applying a message did (OrderBook.apply returns the first three as
 * wexcore.ApplyResult; GAP and ERROR are raised there as exceptions). */
typedef enum {
    WEX_STALE = 0,    /* not newer than the book: ignored, the book is unchanged */
    WEX_APPLIED = 1,  /* applied; the book is not crossed */
    WEX_CROSSED = 2,  /* applied, and best bid >= best ask now (the book keeps it) */
    WEX_GAP = 3,      /* does not continue the book, or the book is out of sync:
                         unchanged, and out of sync until the next snapshot */
    WEX_ERROR = 4     /* a bad message or call: the book is unchanged (wex_error says why) */
} wex_status;

/* Why a call returned WEX_GAP or WEX_ERROR (wex_error.code). */
typedef enum {
    WEX_OK = 0,
    WEX_E_DECODE = 1,       /* not a valid depth message: JSON, shape, ids, values */
    WEX_E_PRECISION = 2,    /* a value has non-zero digits below the symbol's precision */
    WEX_E_SYMBOL = 3,       /* the message is for another symbol */
    WEX_E_SEQUENCE = 4,     /* WEX_GAP: the first update id does not continue the book */
    WEX_E_PREVIOUS = 5,     /* WEX_GAP: futures pu is not the previous u */
    WEX_E_NOT_SYNCED = 6,   /* WEX_GAP: no snapshot since the book was made or lost sync */
    WEX_E_NOMEM = 7,        /* out of memory */
    WEX_E_BUSY = 8,         /* another call is changing this book right now */
    WEX_E_ARGUMENT = 9,     /* a bad argument to the call itself */
    WEX_E_UNSUPPORTED = 10, /* e.g. signing with an algorithm other than HmacSHA256 */
    WEX_E_CAPACITY = 11     /* the caller's arrays are too small for the message */
} wex_error_code;

/* Detail of a failure. Every function taking a wex_error* fills it on
 * WEX_GAP/WEX_ERROR (and sets code = WEX_OK on success); NULL is allowed. */
typedef struct {
    int code;            /* a wex_error_code */
    int precision;       /* WEX_E_PRECISION: the precision the value exceeds */
    int64_t offset;      /* byte offset in the message, or -1 */
    int64_t expected;    /* WEX_GAP: the update id the book expected */
    int64_t received;    /* WEX_GAP: the update id the message had */
    char field[64];      /* the field at fault ("bids[3].price", "fu", "s"), or "" */
    char value[64];      /* the offending value's text, or "" (may be truncated) */
    char message[192];   /* what went wrong, NUL-terminated (may be truncated) */
} wex_error;

enum { WEX_BIDS = 0, WEX_ASKS = 1 };
enum { WEX_SPOT = 0, WEX_FUTURES = 1 };

/* An exact L2 book (opaque). Made by wex_book_new (the caller frees it with
 * wex_book_free) or borrowed from a wexcore.OrderBook by wex_book_of (valid
 * while that object lives; never freed by the caller). */
typedef struct wex_book wex_book;

/* A depth message decoded into the caller's arrays (wex_depth_decode).
 * The caller sets the six array pointers and the two capacities (in levels;
 * len / 6 + 1 per side always suffices); the decoder fills the rest. Levels
 * are in message order, as int64 ticks at the precisions given. */
typedef struct {
    int64_t *bid_prices, *bid_quantities;
    size_t bid_capacity;
    int64_t *ask_prices, *ask_quantities;
    size_t ask_capacity;
    size_t bid_count, ask_count;
    int64_t first_id;      /* spot fi, futures fu; -1 when absent */
    int64_t last_id;       /* i, u, lastUpdateId or id; -1 when absent */
    int64_t previous_id;   /* futures pu; -1 when absent */
    const char *symbol;    /* the "s" value inside the caller's buffer, or NULL
                              (absent, or written with escapes) */
    size_t symbol_len;
} wex_depth_frame;

/* Signs WEX REST requests for one API key (opaque). Made by wex_signer_new
 * (freed with wex_signer_free) or borrowed from a wexcore.Signer by
 * wex_signer_of (valid while that object lives). Read-only once made: may be
 * used by several threads at once. */
typedef struct wex_signer wex_signer;

/* One request to sign. Strings are bytes with a length (no NUL needed). */
typedef struct {
    int product;               /* WEX_SPOT or WEX_FUTURES */
    const char *method;        /* "GET", "POST", "PUT" or "DELETE" (spot signs it) */
    size_t method_len;
    const char *path;          /* "/v4/order": ASCII, starts with '/', no '?' or '#' */
    size_t path_len;
    const char *query;         /* encoded and sorted exactly as sent
                                  (wexcore.encode_query), or NULL */
    size_t query_len;
    const char *body;          /* the exact body bytes sent, or NULL */
    size_t body_len;
    int64_t timestamp_ms;      /* validate-timestamp, 0..9999999999999 */
} wex_request;

#define WEX_SIGNATURE_LEN 64   /* hex characters written, no NUL */

#endif
