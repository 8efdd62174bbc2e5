/*
 * SHA-256 compression for the request signer.
 *
 * Three builds of the same block function, picked at run time by what the
 * CPU has (all kept selectable, so the tests check each against hashlib on
 * the same machine):
 *  - x86 SHA extensions (SHA-NI);
 *  - the portable C code compiled for BMI1/BMI2 (x86 since 2013);
 *  - the portable C code for any CPU.
 *
 * Only the compression function and the final padding live here; HMAC's key
 * schedule (ipad/opad states computed once per key) is driven by _sign.pyx.
 */
#ifndef WEX_SHA256_H
#define WEX_SHA256_H

#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#define WEX_SHA_X86 1
#include <immintrin.h>
#include <cpuid.h>
#endif

static const uint32_t wex_sha256_K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static const uint32_t wex_sha256_IV[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

#define WEX_ROTR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define WEX_BSIG0(x) (WEX_ROTR(x, 2) ^ WEX_ROTR(x, 13) ^ WEX_ROTR(x, 22))
#define WEX_BSIG1(x) (WEX_ROTR(x, 6) ^ WEX_ROTR(x, 11) ^ WEX_ROTR(x, 25))
#define WEX_SSIG0(x) (WEX_ROTR(x, 7) ^ WEX_ROTR(x, 18) ^ ((x) >> 3))
#define WEX_SSIG1(x) (WEX_ROTR(x, 17) ^ WEX_ROTR(x, 19) ^ ((x) >> 10))
/* Ch in two spellings: three operations without an and-not instruction,
 * and the plain form that becomes one ANDN with BMI1. */
#define WEX_CH3(e, f, g) ((g) ^ ((e) & ((f) ^ (g))))
#define WEX_CHN(e, f, g) (((e) & (f)) ^ (~(e) & (g)))
#define WEX_MAJ(a, b, c) (((a) & (b)) | ((c) & ((a) | (b))))

/* One round, fully unrolled (i is a constant): the eight working variables
 * rotate by renaming instead of by moves, and the message schedule lives in
 * a 16-word ring, extended in place from round 16 on. */
#define WEX_RND(CH, a, b, c, d, e, f, g, h, i) do {                               \
        if ((i) >= 16)                                                             \
            w[(i) & 15] += WEX_SSIG1(w[((i) - 2) & 15]) + w[((i) - 7) & 15] +      \
                           WEX_SSIG0(w[((i) - 15) & 15]);                          \
        uint32_t t1_ = (h) + WEX_BSIG1(e) + CH(e, f, g) + wex_sha256_K[i] +        \
                       w[(i) & 15];                                                \
        (d) += t1_;                                                                \
        (h) = t1_ + WEX_BSIG0(a) + WEX_MAJ(a, b, c);                               \
    } while (0)
#define WEX_RND8(CH, i)                                   \
    WEX_RND(CH, a, b, c, d, e, f, g, h, (i) + 0);         \
    WEX_RND(CH, h, a, b, c, d, e, f, g, (i) + 1);         \
    WEX_RND(CH, g, h, a, b, c, d, e, f, (i) + 2);         \
    WEX_RND(CH, f, g, h, a, b, c, d, e, (i) + 3);         \
    WEX_RND(CH, e, f, g, h, a, b, c, d, (i) + 4);         \
    WEX_RND(CH, d, e, f, g, h, a, b, c, (i) + 5);         \
    WEX_RND(CH, c, d, e, f, g, h, a, b, (i) + 6);         \
    WEX_RND(CH, b, c, d, e, f, g, h, a, (i) + 7)

/* The compression function in portable C; each build below is this code
 * compiled for a different instruction set. */
#define WEX_SHA256_BLOCKS_C(CH)                                                     \
    uint32_t w[16];                                                                \
    while (nblocks--) {                                                            \
        for (int i = 0; i < 16; i++) {                                             \
            w[i] = ((uint32_t)p[4 * i] << 24) | ((uint32_t)p[4 * i + 1] << 16) |   \
                   ((uint32_t)p[4 * i + 2] << 8) | (uint32_t)p[4 * i + 3];         \
        }                                                                          \
        uint32_t a = st[0], b = st[1], c = st[2], d = st[3];                       \
        uint32_t e = st[4], f = st[5], g = st[6], h = st[7];                       \
        WEX_RND8(CH, 0); WEX_RND8(CH, 8); WEX_RND8(CH, 16); WEX_RND8(CH, 24);      \
        WEX_RND8(CH, 32); WEX_RND8(CH, 40); WEX_RND8(CH, 48); WEX_RND8(CH, 56);    \
        st[0] += a; st[1] += b; st[2] += c; st[3] += d;                            \
        st[4] += e; st[5] += f; st[6] += g; st[7] += h;                            \
        p += 64;                                                                   \
    }

/* Any CPU. */
static void wex_sha256_blocks_portable(uint32_t st[8], const uint8_t *p, size_t nblocks)
{
    WEX_SHA256_BLOCKS_C(WEX_CH3)
}

#ifdef WEX_SHA_X86
/*
 * SHA-NI keeps the state as two vectors, ABEF and CDGH; each
 * sha256rnds2 does two rounds, and sha256msg1/msg2 extend the schedule four
 * words at a time: W[t..t+3] = msg2(msg1(W[t-16..], W[t-12..]) + W[t-7..t-4], W[t-4..t-1]).
 */
__attribute__((target("sha,sse4.1,ssse3")))
static void wex_sha256_blocks_shani(uint32_t st[8], const uint8_t *p, size_t nblocks)
{
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i tmp = _mm_loadu_si128((const __m128i *)&st[0]);
    __m128i s1 = _mm_loadu_si128((const __m128i *)&st[4]);
    tmp = _mm_shuffle_epi32(tmp, 0xB1);
    s1 = _mm_shuffle_epi32(s1, 0x1B);
    __m128i s0 = _mm_alignr_epi8(tmp, s1, 8);
    s1 = _mm_blend_epi16(s1, tmp, 0xF0);

    while (nblocks--) {
        __m128i save0 = s0, save1 = s1;
        __m128i m[4];
        for (int i = 0; i < 16; i++) {
            __m128i w;
            if (i < 4) {
                w = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), bswap);
            } else {
                __m128i a = _mm_sha256msg1_epu32(m[i & 3], m[(i + 1) & 3]);
                a = _mm_add_epi32(a, _mm_alignr_epi8(m[(i + 3) & 3], m[(i + 2) & 3], 4));
                w = _mm_sha256msg2_epu32(a, m[(i + 3) & 3]);
            }
            m[i & 3] = w;
            __m128i k = _mm_loadu_si128((const __m128i *)&wex_sha256_K[4 * i]);
            __m128i mk = _mm_add_epi32(w, k);
            s1 = _mm_sha256rnds2_epu32(s1, s0, mk);
            mk = _mm_shuffle_epi32(mk, 0x0E);
            s0 = _mm_sha256rnds2_epu32(s0, s1, mk);
        }
        s0 = _mm_add_epi32(s0, save0);
        s1 = _mm_add_epi32(s1, save1);
        p += 64;
    }

    tmp = _mm_shuffle_epi32(s0, 0x1B);
    s1 = _mm_shuffle_epi32(s1, 0xB1);
    s0 = _mm_blend_epi16(tmp, s1, 0xF0);
    s1 = _mm_alignr_epi8(s1, tmp, 8);
    _mm_storeu_si128((__m128i *)&st[0], s0);
    _mm_storeu_si128((__m128i *)&st[4], s1);
}

/* The portable code built for BMI1/BMI2 (non-destructive rotates, and-not):
 * fewer instructions per round on CPUs that have them but no SHA-NI. */
__attribute__((target("bmi,bmi2")))
static void wex_sha256_blocks_bmi2(uint32_t st[8], const uint8_t *p, size_t nblocks)
{
    WEX_SHA256_BLOCKS_C(WEX_CHN)
}

static int wex_cpu_has_bmi2(void)
{
    unsigned int a, b, c, d;
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    return ((b >> 3) & 1) && ((b >> 8) & 1); /* BMI1, BMI2 */
}

static int wex_cpu_has_shani(void)
{
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (!(c & (1u << 9)) || !(c & (1u << 19))) return 0; /* SSSE3, SSE4.1 */
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    return (b >> 29) & 1; /* SHA */
}
#else
static void wex_sha256_blocks_shani(uint32_t st[8], const uint8_t *p, size_t nblocks)
{
    wex_sha256_blocks_portable(st, p, nblocks);
}
static void wex_sha256_blocks_bmi2(uint32_t st[8], const uint8_t *p, size_t nblocks)
{
    wex_sha256_blocks_portable(st, p, nblocks);
}
static int wex_cpu_has_shani(void) { return 0; }
static int wex_cpu_has_bmi2(void) { return 0; }
#endif

typedef void (*wex_sha256_blocks_fn)(uint32_t st[8], const uint8_t *p, size_t nblocks);

/*
 * Finish a hash whose state `st` has already absorbed `done` bytes (a
 * multiple of 64) followed by `n` more bytes at `p`; writes the 32-byte
 * big-endian digest to `out`.
 */
static void wex_sha256_finish(wex_sha256_blocks_fn blocks, const uint32_t st_in[8], uint64_t done,
                              const uint8_t *p, size_t n, uint8_t out[32])
{
    uint32_t st[8];
    uint8_t tail[128];
    memcpy(st, st_in, sizeof(st));
    size_t full = n / 64;
    if (full) blocks(st, p, full);
    size_t rem = n - full * 64;
    memcpy(tail, p + full * 64, rem);
    tail[rem] = 0x80;
    size_t tlen = (rem + 9 <= 64) ? 64 : 128;
    memset(tail + rem + 1, 0, tlen - rem - 1);
    uint64_t bits = (done + (uint64_t)n) * 8;
    for (int i = 0; i < 8; i++) tail[tlen - 1 - i] = (uint8_t)(bits >> (8 * i));
    blocks(st, tail, tlen / 64);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(st[i] >> 24);
        out[4 * i + 1] = (uint8_t)(st[i] >> 16);
        out[4 * i + 2] = (uint8_t)(st[i] >> 8);
        out[4 * i + 3] = (uint8_t)st[i];
    }
}

static void wex_hex(const uint8_t *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
}

#endif
