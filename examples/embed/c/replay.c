/* replay.c: a C program that uses wexcore's kernels through the capsule.
 *
 * It embeds Python only to load the installed package, then works in C:
 * its own book (wex_book_new) fed a recording's frames with the GIL
 * released, reads into its own buffers, and a signed request.
 *
 * Build (see docs/embedding.md):
 *   cc replay.c -o replay $(python3-config --cflags --ldflags --embed) \
 *      -I"$(python3 -c 'import wexcore; print(wexcore.get_include())')"
 * Run:
 *   ./replay RECORDING SYMBOL PRICE_PRECISION QUANTITY_PRECISION spot|futures [PYTHON]
 * RECORDING is the format of examples/embed/replay.pyx (a header line,
 * which this program skips, the snapshot, one frame per line). PYTHON is
 * the interpreter whose packages to load, e.g. a virtual environment's
 * bin/python (its pyvenv.cfg is found from there).
 *
 * Prints: "book UPDATE_ID CHECKSUM BIDS ASKS APPLIED STALE", five lines
 * "bid PRICE QTY" and five "ask PRICE QTY" (ticks, best first), then
 * "signature HEX" for a fixed spot POST /v4/order request.
 */
#include <Python.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wexcore.h"

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = (char *)malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) { free(buf); buf = NULL; }
    fclose(f);
    if (buf) { buf[n] = 0; *len = (size_t)n; }
    return buf;
}

/* The next line of buf from *pos; its length in *n; NULL at the end. */
static const char *next_line(const char *buf, size_t len, size_t *pos, size_t *n)
{
    const char *start, *nl;
    if (*pos >= len) return NULL;
    start = buf + *pos;
    nl = (const char *)memchr(start, '\n', len - *pos);
    *n = nl ? (size_t)(nl - start) : len - *pos;
    *pos += *n + 1;
    return start;
}

static int fail(const char *what, const wex_error *err)
{
    fprintf(stderr, "%s: %s (field %s)\n", what, err->message, err->field);
    return 1;
}

int main(int argc, char **argv)
{
    PyConfig config;
    PyThreadState *saved;
    wex_book *book;
    wex_signer *signer;
    wex_error err;
    char *data;
    const char *line;
    size_t len, pos = 0, n;
    long applied = 0, stale = 0;
    int st = WEX_APPLIED, i;
    int64_t px[5], qt[5];
    char signature[WEX_SIGNATURE_LEN + 1];

    if (argc < 6) {
        fprintf(stderr, "usage: %s RECORDING SYMBOL PRICE_PRECISION QUANTITY_PRECISION "
                        "spot|futures [PYTHON]\n", argv[0]);
        return 2;
    }
    PyConfig_InitPythonConfig(&config);
    if (argc > 6) PyConfig_SetBytesString(&config, &config.program_name, argv[6]);
    if (PyStatus_Exception(Py_InitializeFromConfig(&config))) {
        fprintf(stderr, "cannot start Python\n");
        return 1;
    }
    PyConfig_Clear(&config);
    if (wexcore_import() < 0) {  /* holding the GIL, once */
        PyErr_Print();
        return 1;
    }

    data = read_file(argv[1], &len);
    if (!data) { perror(argv[1]); return 1; }
    book = wex_book_new(argv[2], strlen(argv[2]), atoi(argv[3]), atoi(argv[4]),
                        strcmp(argv[5], "futures") == 0 ? WEX_FUTURES : WEX_SPOT, &err);
    if (!book) return fail("wex_book_new", &err);

    /* From here on no Python object is touched: let other threads run. */
    saved = PyEval_SaveThread();
    next_line(data, len, &pos, &n);                    /* the header line */
    line = next_line(data, len, &pos, &n);             /* the snapshot */
    if (!line || wex_book_load_snapshot(book, line, n, &err) >= WEX_GAP) {
        PyEval_RestoreThread(saved);
        return fail("snapshot", &err);
    }
    while ((line = next_line(data, len, &pos, &n)) != NULL) {
        if (n == 0) continue;
        st = wex_book_apply_frame(book, line, n, &err);
        if (st == WEX_STALE) stale++;
        else if (st == WEX_APPLIED || st == WEX_CROSSED) applied++;
        else break;  /* WEX_GAP or WEX_ERROR: the book is unchanged; resync */
    }
    PyEval_RestoreThread(saved);
    if (st >= WEX_GAP) return fail("frame", &err);

    printf("book %lld %u %zu %zu %ld %ld\n", (long long)wex_book_update_id(book),
           (unsigned)wex_book_checksum(book, 25), wex_book_level_count(book, WEX_BIDS),
           wex_book_level_count(book, WEX_ASKS), applied, stale);
    n = wex_book_top_ticks(book, WEX_BIDS, 5, px, qt);
    for (i = 0; i < (int)n; i++) printf("bid %lld %lld\n", (long long)px[i], (long long)qt[i]);
    n = wex_book_top_ticks(book, WEX_ASKS, 5, px, qt);
    for (i = 0; i < (int)n; i++) printf("ask %lld %lld\n", (long long)px[i], (long long)qt[i]);
    wex_book_free(book);
    free(data);

    {
        static const char key[] = "3976eb88-76d0-4f6e-a6b2-a57980770085";
        static const char secret[] = "bc6630d0231fda5cd98794f52c4998659beda290";
        static const char body[] = "{\"symbol\":\"btc_usdt\",\"side\":\"BUY\",\"type\":\"LIMIT\","
                                   "\"price\":\"39000.5\",\"quantity\":\"0.25\"}";
        wex_request req;
        memset(&req, 0, sizeof req);
        req.product = WEX_SPOT;
        req.method = "POST"; req.method_len = 4;
        req.path = "/v4/order"; req.path_len = 9;
        req.body = body; req.body_len = sizeof body - 1;
        req.timestamp_ms = 1641446237201LL;
        signer = wex_signer_new(key, sizeof key - 1, secret, sizeof secret - 1, 5000, &err);
        if (!signer) return fail("wex_signer_new", &err);
        if (wex_sign(signer, &req, signature, &err) != 0) return fail("wex_sign", &err);
        signature[WEX_SIGNATURE_LEN] = 0;
        printf("signature %s\n", signature);
        wex_signer_free(signer);
    }
    return Py_FinalizeEx() < 0 ? 1 : 0;
}
