/* Request signing state and the HMAC-SHA256 of one request, in plain C.
 *
 * Everything that does not change between requests is done once per key:
 * the HMAC key schedule (the SHA-256 states after the ipad and opad blocks)
 * and, per product, the constant head of the signed string
 * ("validate-algorithms=...&validate-appkey=...&validate-recvwindow=...&
 * validate-timestamp=" for spot, "validate-appkey=...&validate-timestamp="
 * for futures) absorbed up to its last whole 64-byte block. A request then
 * hashes only the head's remaining bytes, its variable part and one outer
 * block. Used by wexcore.Signer (cext/wexcore/_sign.pyx) and by the public
 * C API's wex_sign.
 */
#ifndef WEX_SIGN_H
#define WEX_SIGN_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "wexcore_types.h"
#include "wex_error.h"
#include "wex_sha256.h"

#define WEX_MAX_RECV_WINDOW 60000
#define WEX_MAX_TIMESTAMP 9999999999999LL

struct wex_signer {
    uint32_t outer[8];        /* after key ^ opad */
    uint32_t state[2][8];     /* [WEX_SPOT], [WEX_FUTURES]: after key ^ ipad + whole head blocks */
    uint64_t done[2];         /* bytes absorbed into state[k] */
    uint8_t rest[2][64];      /* the head's bytes after those blocks */
    size_t rest_len[2];
    int fast;                 /* HmacSHA256: this struct can sign; else only Python can */
};

static void wex_wipe(void *p, size_t n)
{
    volatile uint8_t *v = (volatile uint8_t *)p;
    while (n--) *v++ = 0;
}

/* Prepare `s` for a secret and the two heads. */
static void wex_signer_setup(struct wex_signer *s, wex_sha256_blocks_fn blocks,
                             const uint8_t *secret, size_t secret_len,
                             const char *const head[2], const size_t head_len[2])
{
    uint8_t key[64], pad[64];
    int i, k;
    memset(key, 0, sizeof key);
    if (secret_len > 64) wex_sha256_finish(blocks, wex_sha256_IV, 0, secret, secret_len, key);
    else memcpy(key, secret, secret_len);
    for (i = 0; i < 64; i++) pad[i] = key[i] ^ 0x5c;
    memcpy(s->outer, wex_sha256_IV, 32);
    blocks(s->outer, pad, 1);
    for (k = 0; k < 2; k++) {
        size_t full = head_len[k] / 64 * 64;
        for (i = 0; i < 64; i++) pad[i] = key[i] ^ 0x36;
        memcpy(s->state[k], wex_sha256_IV, 32);
        blocks(s->state[k], pad, 1);
        if (full) blocks(s->state[k], (const uint8_t *)head[k], full / 64);
        s->done[k] = 64 + full;
        s->rest_len[k] = head_len[k] - full;
        memcpy(s->rest[k], head[k] + full, s->rest_len[k]);
    }
    wex_wipe(key, sizeof key);
    wex_wipe(pad, sizeof pad);
}

/* The hex HMAC of a request whose signed bytes after the absorbed head
 * blocks are msg[0..n) (they start with s->rest[product]). */
static inline void wex_signer_hex(const struct wex_signer *s, wex_sha256_blocks_fn blocks, int product,
                                  const uint8_t *msg, size_t n, char out[64])
{
    uint8_t inner[32], digest[32];
    wex_sha256_finish(blocks, s->state[product], s->done[product], msg, n, inner);
    wex_sha256_finish(blocks, s->outer, 64, inner, 32, digest);
    wex_hex(digest, 32, out);
}

/* A header value: printable ASCII without spaces. */
static inline int wex_header_safe(const char *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if ((unsigned char)p[i] < 33 || (unsigned char)p[i] > 126) return 0;
    return 1;
}

/* A request path: ASCII, starts with '/', no '?' or '#'. */
static inline int wex_path_ok(const unsigned char *p, size_t n)
{
    size_t i;
    if (n == 0 || p[0] != '/') return 0;
    for (i = 0; i < n; i++)
        if (p[i] < 33 || p[i] > 126 || p[i] == '?' || p[i] == '#') return 0;
    return 1;
}

/* Decimal digits of v >= 0 into out (at most 20); returns the count. */
static inline size_t wex_put_uint(char *out, uint64_t v)
{
    char tmp[20];
    size_t i = 20, n;
    do { tmp[--i] = (char)('0' + v % 10); v /= 10; } while (v);
    n = 20 - i;
    memcpy(out, tmp + i, n);
    return n;
}

#endif
