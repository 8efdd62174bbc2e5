/* Baseline for bench/callgrind_sign.py: HMAC-SHA256 of one spot POST
 * /v4/order request with the key state computed once, in C with OpenSSL.
 *
 * Per request it hashes the whole canonical string (the same bytes
 * wexcore.Signer signs for bench_sign.py's post_order case) from the
 * ipad state, finishes the outer hash from the opad state and writes the
 * 64 hex digits: what a C client that keeps its HMAC key state does.
 * Usage: sign_baseline N (requests). */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    static const char secret[] = "bc6630d0231fda5cd98794f52c4998659beda290";
    static const char msg[] =
        "validate-algorithms=HmacSHA256&validate-appkey=3976eb88-76d0-4f6e-a6b2-a57980770085"
        "&validate-recvwindow=5000&validate-timestamp=1641446237201#POST#/v4/order#"
        "{\"symbol\":\"btc_usdt\",\"side\":\"BUY\",\"type\":\"LIMIT\",\"timeInForce\":\"GTC\","
        "\"price\":\"39000.5\",\"quantity\":\"0.25\"}";
    static const char digits[] = "0123456789abcdef";
    unsigned char key[64] = {0}, pad[64], inner[32], out[32];
    char hex[65] = {0};
    SHA256_CTX ipad, opad, c;
    long n = argc > 1 ? atol(argv[1]) : 1, k;
    unsigned acc = 0;
    int i;

    memcpy(key, secret, sizeof secret - 1);
    for (i = 0; i < 64; i++) pad[i] = key[i] ^ 0x36;
    SHA256_Init(&ipad);
    SHA256_Update(&ipad, pad, 64);
    for (i = 0; i < 64; i++) pad[i] = key[i] ^ 0x5c;
    SHA256_Init(&opad);
    SHA256_Update(&opad, pad, 64);
    for (k = 0; k < n; k++) {
        c = ipad;
        SHA256_Update(&c, msg, sizeof msg - 1);
        SHA256_Final(inner, &c);
        c = opad;
        SHA256_Update(&c, inner, 32);
        SHA256_Final(out, &c);
        for (i = 0; i < 32; i++) {
            hex[2 * i] = digits[out[i] >> 4];
            hex[2 * i + 1] = digits[out[i] & 15];
        }
        acc += (unsigned char)hex[k & 63];  /* keep the work observable */
    }
    printf("%s %u\n", hex, acc);
    return 0;
}
