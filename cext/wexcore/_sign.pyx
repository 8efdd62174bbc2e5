# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""WEX request signing kernel.

One :class:`Signer` per API key. Everything that does not change between
requests is done once, in the constructor:

* the HMAC key schedule: the SHA-256 states after the ``ipad`` and ``opad``
  blocks, so a request costs only the message blocks plus one outer block;
* the constant header part of the signed string (``validate-algorithms=...&
  validate-appkey=...&validate-recvwindow=...&validate-timestamp=`` for spot,
  ``validate-appkey=...&validate-timestamp=`` for futures), and the state after
  absorbing its whole 64-byte blocks.

A request then writes the variable part (timestamp, method, path, query,
body) into a C buffer and hashes it with the CPU's SHA instructions when it
has them (see ``cext/csrc/wex_sha256.h``). The five algorithms other than
HmacSHA256 are supported through the standard library's ``hmac`` with the key
prepared once (``hmac.HMAC.copy``); they are correct, not tuned.

Canonical strings (spec: spot "Signature generation", futures "Obtain
Signature")::

    spot     X + Y, X = sorted validate-* pairs joined by '&',
                    Y = '#' METHOD '#' path ['#' query] ['#' body]
    futures  'validate-appkey=K&validate-timestamp=T' '#' path ['#' query] ['#' body]

Futures requests carry their parameters in the query string or in the body,
never both in the documentation; when a caller passes both, wexcore signs
both in spot's order (path, query, body), a decision recorded in
docs/spec-decisions.md.
"""

cimport cython
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE, PyBytes_CheckExact
from cpython.mem cimport PyMem_Malloc, PyMem_Free
from cpython.dict cimport PyDict_Copy, PyDict_Next
from cpython.long cimport PyLong_AsLongLongAndOverflow
from cpython.ref cimport PyObject
from libc.stdint cimport uint8_t, uint32_t, uint64_t
from libc.string cimport memcmp, memcpy, memset
from libc.stdlib cimport malloc, free
from libc.stdio cimport snprintf
from posix.time cimport clock_gettime, timespec, CLOCK_REALTIME

import hashlib
import hmac as _hmac
from collections.abc import Mapping
from decimal import Decimal
from urllib.parse import quote as _quote

cdef extern from "Python.h":
    const char* PyUnicode_AsUTF8AndSize(object s, Py_ssize_t* size) except NULL
    object PyUnicode_New(Py_ssize_t size, Py_UCS4 maxchar)
    void* PyUnicode_DATA(object s)

cdef extern from "wex_sha256.h" nogil:
    ctypedef void (*wex_sha256_blocks_fn)(uint32_t* st, const uint8_t* p, size_t nblocks)
    const uint32_t* wex_sha256_IV
    void wex_sha256_blocks_portable(uint32_t* st, const uint8_t* p, size_t nblocks)
    void wex_sha256_blocks_shani(uint32_t* st, const uint8_t* p, size_t nblocks)
    void wex_sha256_blocks_bmi2(uint32_t* st, const uint8_t* p, size_t nblocks)
    int wex_cpu_has_shani()
    int wex_cpu_has_bmi2()
    void wex_sha256_finish(wex_sha256_blocks_fn blocks, const uint32_t* st_in, uint64_t done,
                           const uint8_t* p, size_t n, uint8_t* out)
    void wex_hex(const uint8_t* inp, size_t n, char* out)

cdef extern from "wex_sign.h" nogil:
    # the full struct behind the public, opaque wex_signer
    int WEX_MAX_RECV_WINDOW
    long long WEX_MAX_TIMESTAMP
    ctypedef struct Signing "wex_signer":
        uint8_t rest[2][64]
        size_t rest_len[2]
        int fast
    void wex_wipe(void *p, size_t n)
    void wex_signer_setup(Signing *s, wex_sha256_blocks_fn blocks, const uint8_t *secret,
                          size_t secret_len, const char **head, const size_t *head_len)
    void wex_signer_hex(const Signing *s, wex_sha256_blocks_fn blocks, int product,
                        const uint8_t *msg, size_t n, char *out)
    int wex_header_safe(const char *p, size_t n)
    int wex_path_ok(const unsigned char *p, size_t n)
    size_t wex_put_uint(char *out, uint64_t v)
    void wex_err_clear(wex_error *err)
    void wex_err_set(wex_error *err, int code, const char *field, const char *fmt, ...)

from wexcore._types cimport WEX_SPOT, WEX_FUTURES, WEX_E_ARGUMENT, WEX_E_NOMEM, WEX_E_UNSUPPORTED

ALGORITHMS = ("HmacMD5", "HmacSHA1", "HmacSHA224", "HmacSHA256", "HmacSHA384", "HmacSHA512")
_DIGESTS = {
    "HmacMD5": hashlib.md5,
    "HmacSHA1": hashlib.sha1,
    "HmacSHA224": hashlib.sha224,
    "HmacSHA256": hashlib.sha256,
    "HmacSHA384": hashlib.sha384,
    "HmacSHA512": hashlib.sha512,
}
PRODUCTS = ("spot", "futures")
cdef str _SPOT = "spot"
cdef str _FUTURES = "futures"
cdef str _GET = "GET"
cdef str _POST = "POST"
cdef str _PUT = "PUT"
cdef str _DELETE = "DELETE"
MAX_RECV_WINDOW = WEX_MAX_RECV_WINDOW

cdef wex_sha256_blocks_fn _blocks = (wex_sha256_blocks_shani if wex_cpu_has_shani() else
                                     wex_sha256_blocks_bmi2 if wex_cpu_has_bmi2() else
                                     wex_sha256_blocks_portable)


def sha256_backend():
    """The SHA-256 block function in use: ``"sha-ni"``, ``"bmi2"`` or ``"portable"``."""
    if _blocks == wex_sha256_blocks_shani:
        return "sha-ni"
    return "bmi2" if _blocks == wex_sha256_blocks_bmi2 else "portable"


def _available_sha256_backends():
    """The block functions this CPU can run (tests check each)."""
    return (["portable"] + (["bmi2"] if wex_cpu_has_bmi2() else [])
            + (["sha-ni"] if wex_cpu_has_shani() else []))


def _set_sha256_backend(str name):
    """Select the block function (tests run each). Not for production use."""
    global _blocks
    if name not in _available_sha256_backends():
        if name in ("sha-ni", "bmi2"):
            raise ValueError(f"this CPU cannot run the {name} backend")
        raise ValueError(f"unknown backend {name!r}")
    _blocks = (wex_sha256_blocks_shani if name == "sha-ni" else
               wex_sha256_blocks_bmi2 if name == "bmi2" else wex_sha256_blocks_portable)


# Characters left as they are in query values and keys; everything else is
# percent-encoded as UTF-8. These are RFC 3986's unreserved characters plus
# ',' (the exchange's list separator, e.g. symbols=btc_usdt,eth_usdt) and ':'.
_SAFE = "-_.~,:"
cdef bint _is_safe_ascii(const unsigned char* p, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i
    cdef unsigned char c
    for i in range(n):
        c = p[i]
        if not ((c >= 97 and c <= 122) or (c >= 65 and c <= 90) or (c >= 48 and c <= 57)
                or c == 45 or c == 95 or c == 46 or c == 126 or c == 44 or c == 58):
            return False
    return True


# A growable byte buffer that starts on the stack: requests of ordinary size
# never touch the allocator.
cdef struct Buf:
    char* data
    size_t len
    size_t cap
    char inline_[1024]

cdef inline void buf_init(Buf* b) noexcept nogil:
    b.data = b.inline_
    b.len = 0
    b.cap = 1024

cdef inline void buf_free(Buf* b) noexcept:
    if b.data != b.inline_:
        PyMem_Free(b.data)
    b.data = b.inline_

cdef int buf_grow(Buf* b, size_t need) except -1:
    cdef size_t cap = b.cap * 2
    while cap < need:
        cap *= 2
    cdef char* d = <char*>PyMem_Malloc(cap)
    if d == NULL:
        raise MemoryError()
    memcpy(d, b.data, b.len)
    if b.data != b.inline_:
        PyMem_Free(b.data)
    b.data = d
    b.cap = cap
    return 0

cdef inline int buf_put(Buf* b, const char* p, size_t n) except -1:
    if b.len + n > b.cap:
        buf_grow(b, b.len + n)
    memcpy(b.data + b.len, p, n)
    b.len += n
    return 0

cdef inline int buf_putc(Buf* b, char c) except -1:
    if b.len + 1 > b.cap:
        buf_grow(b, b.len + 1)
    b.data[b.len] = c
    b.len += 1
    return 0

cdef int buf_put_int(Buf* b, long long v) except -1:
    cdef char tmp[24]
    cdef int i = 24
    cdef bint neg = v < 0
    cdef unsigned long long u = <unsigned long long>(-v) if neg else <unsigned long long>v
    while True:
        i -= 1
        tmp[i] = <char>(48 + u % 10)
        u //= 10
        if u == 0:
            break
    if neg:
        i -= 1
        tmp[i] = 45
    return buf_put(b, &tmp[i], 24 - i)

cdef inline int buf_put_str(Buf* b, str s) except -1:
    cdef Py_ssize_t n
    cdef const char* p = PyUnicode_AsUTF8AndSize(s, &n)
    return buf_put(b, p, n)

cdef int buf_put_escaped(Buf* b, str s) except -1:
    cdef Py_ssize_t n
    cdef const char* p = PyUnicode_AsUTF8AndSize(s, &n)
    if _is_safe_ascii(<const unsigned char*>p, n):
        return buf_put(b, p, n)
    return buf_put_str(b, _quote(s, safe=_SAFE))


cdef str _format_value(object v, object name):
    if isinstance(v, str):
        return v
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, Decimal):
        return format(v, "f")
    if isinstance(v, float):
        # repr() is the shortest string that round-trips; a price that matters
        # should be passed as str or Decimal.
        return repr(v)
    raise TypeError(f"{name}: value of type {type(v).__name__} cannot be sent as a parameter")


cdef struct Param:
    PyObject* key
    PyObject* value
    const char* kp
    Py_ssize_t kn

cdef enum:
    MAX_FAST_PARAMS = 32


cdef int _write_value(Buf* b, object k, object v) except -1:
    cdef long long iv
    cdef int overflow = 0
    if type(v) is str:
        return buf_put_escaped(b, <str>v)
    if type(v) is int:
        iv = PyLong_AsLongLongAndOverflow(v, &overflow)
        if overflow == 0:
            return buf_put_int(b, iv)
        return buf_put_str(b, str(v))
    return buf_put_escaped(b, _format_value(v, k))


cdef int _write_params(Buf* b, object params, str what) except -1:
    """Sorted k=v pairs joined by '&' (see encode_query).

    A plain dict of up to 32 str keys (every real request) is walked in place
    and its keys sorted by their UTF-8 bytes (the same order as str order) in
    a small stack array; anything else goes through a generic path.
    """
    if isinstance(params, str):
        return buf_put_str(b, <str>params)
    cdef Param items[MAX_FAST_PARAMS]
    cdef Param tmp
    cdef Py_ssize_t pos = 0, n = 0, i, j, m
    cdef PyObject* kobj
    cdef PyObject* vobj
    cdef int c
    cdef bint first = True
    if type(params) is dict and len(<dict>params) <= MAX_FAST_PARAMS:
        while PyDict_Next(params, &pos, &kobj, &vobj):
            if type(<object>kobj) is not str:
                raise TypeError(f"{what}: parameter names must be str, "
                                f"got {type(<object>kobj).__name__}")
            if <object>vobj is None:
                continue
            items[n].key = kobj
            items[n].value = vobj
            items[n].kp = PyUnicode_AsUTF8AndSize(<object>kobj, &items[n].kn)
            # insertion sort: n is small and keys arrive nearly random
            tmp = items[n]
            j = n
            while j > 0:
                m = items[j - 1].kn if items[j - 1].kn < tmp.kn else tmp.kn
                c = memcmp(items[j - 1].kp, tmp.kp, m)
                if c < 0 or (c == 0 and items[j - 1].kn <= tmp.kn):
                    break
                items[j] = items[j - 1]
                j -= 1
            items[j] = tmp
            n += 1
        for i in range(n):
            if i:
                buf_putc(b, 38)  # '&'
            buf_put_escaped(b, <str>items[i].key)
            buf_putc(b, 61)  # '='
            _write_value(b, <object>items[i].key, <object>items[i].value)
        return 0
    if isinstance(params, Mapping):
        pairs = params
    else:
        pairs = dict(params)
    keys = list(pairs)
    for k in keys:
        if not isinstance(k, str):
            raise TypeError(f"{what}: parameter names must be str, got {type(k).__name__}")
    keys.sort()
    for k in keys:
        v = pairs[k]
        if v is None:
            continue
        if not first:
            buf_putc(b, 38)
        first = False
        buf_put_escaped(b, <str>k)
        buf_putc(b, 61)
        _write_value(b, k, v)
    return 0


cpdef str encode_query(object params):
    """Encode parameters the way WEX signs them and the way wexcore sends them.

    Keys are sorted lexicographically and joined as ``k=v`` with ``&``;
    ``None`` values are left out; booleans are ``true``/``false``; ``Decimal``
    is written without exponent. Keys and values are percent-encoded as UTF-8
    except for letters, digits and ``-_.~,:``, so the string signed is exactly
    the string on the wire.

    ``params`` may be a mapping or an iterable of ``(key, value)`` pairs; a
    ``str`` is returned unchanged (it is taken to be encoded already).
    """
    if params is None:
        return ""
    if isinstance(params, str):
        return params
    cdef Buf b
    buf_init(&b)
    try:
        _write_params(&b, params, "query")
        return b.data[:b.len].decode("utf-8")
    finally:
        buf_free(&b)


cdef inline bint _header_safe(str s):
    for ch in s:
        if not (33 <= ord(ch) <= 126):
            return False
    return True


@cython.final
@cython.auto_pickle(False)
cdef class Signer:
    """Signs WEX REST requests for one API key.

    Args:
        api_key: the key sent as ``validate-appkey`` (printable ASCII).
        secret: the secret key, ``str`` or ``bytes``; never shown in ``repr``,
            exceptions or logs, and not picklable.
        algorithm: one of ``HmacMD5``, ``HmacSHA1``, ``HmacSHA224``,
            ``HmacSHA256`` (default, the fast path), ``HmacSHA384``, ``HmacSHA512``.
        recv_window: ``validate-recvwindow`` in milliseconds, 1..60000.

    ``time_offset_ms`` (server clock minus local clock, in ms) is added to the
    local clock when no explicit timestamp is given; the REST clients keep it
    in sync with the server's time endpoint.

    A Signer may be shared between threads: signing keeps no state between
    calls other than the constants prepared here.
    """
    cdef readonly str api_key
    cdef readonly str algorithm
    cdef int _recv_window
    cdef public long long time_offset_ms
    cdef object _hmac_template
    cdef Signing *_s              # HMAC-SHA256 states (cext/csrc/wex_sign.h)
    cdef bytes _spot_prefix       # full constant prefix (for canonical())
    cdef bytes _fut_prefix
    cdef str _recv_str
    cdef bytes _key_block         # padded key; private, never exposed
    cdef dict _header_template

    def __cinit__(self):
        self._s = <Signing *>PyMem_Malloc(sizeof(Signing))
        if self._s == NULL:
            raise MemoryError()
        memset(self._s, 0, sizeof(Signing))

    def __dealloc__(self):
        if self._s != NULL:
            wex_wipe(self._s, sizeof(Signing))
            PyMem_Free(self._s)
            self._s = NULL

    def __init__(self, api_key, secret, *, algorithm="HmacSHA256", recv_window=5000):
        if not isinstance(api_key, str):
            raise TypeError(f"api_key must be str, got {type(api_key).__name__}")
        if not api_key:
            raise ValueError("api_key must not be empty")
        if not _header_safe(api_key):
            raise ValueError(
                "api_key must be printable ASCII without spaces (it is sent as a header)")
        if isinstance(secret, str):
            secret_b = (<str>secret).encode("utf-8")
        elif isinstance(secret, (bytes, bytearray, memoryview)):
            secret_b = bytes(secret)
        else:
            raise TypeError(f"secret must be str or bytes, got {type(secret).__name__}")
        if not secret_b:
            raise ValueError("secret must not be empty")
        if not isinstance(algorithm, str) or algorithm not in _DIGESTS:
            raise ValueError(f"algorithm must be one of {', '.join(ALGORITHMS)}, got {algorithm!r}")
        self.api_key = api_key
        self.algorithm = algorithm
        self.time_offset_ms = 0
        self._hmac_template = _hmac.new(secret_b, digestmod=_DIGESTS[algorithm])
        if len(secret_b) > 64:
            secret_b = hashlib.sha256(secret_b).digest()
        self._key_block = secret_b + b"\0" * (64 - len(secret_b))
        self._set_recv_window(recv_window)

    cdef _set_recv_window(self, object recv_window):
        if isinstance(recv_window, bool) or not isinstance(recv_window, int):
            raise TypeError(
                f"recv_window must be int milliseconds, got {type(recv_window).__name__}")
        if not 1 <= recv_window <= MAX_RECV_WINDOW:
            raise ValueError(
                f"recv_window must be within 1..{MAX_RECV_WINDOW} ms, got {recv_window}")
        self._recv_window = recv_window
        self._recv_str = str(recv_window)
        self._spot_prefix = (
            f"validate-algorithms={self.algorithm}&validate-appkey={self.api_key}"
            f"&validate-recvwindow={self._recv_str}&validate-timestamp="
        ).encode("ascii")
        self._fut_prefix = f"validate-appkey={self.api_key}&validate-timestamp=".encode("ascii")
        # every key present, so a request's copy only replaces two values
        self._header_template = {
            "validate-algorithms": self.algorithm,
            "validate-appkey": self.api_key,
            "validate-recvwindow": self._recv_str,
            "validate-timestamp": "",
            "validate-signature": "",
        }
        cdef const char *heads[2]
        cdef size_t lens[2]
        heads[0] = PyBytes_AS_STRING(self._spot_prefix)
        lens[0] = <size_t>PyBytes_GET_SIZE(self._spot_prefix)
        heads[1] = PyBytes_AS_STRING(self._fut_prefix)
        lens[1] = <size_t>PyBytes_GET_SIZE(self._fut_prefix)
        wex_signer_setup(self._s, _blocks, <const uint8_t *>PyBytes_AS_STRING(self._key_block), 64,
                         heads, lens)
        self._s.fast = self.algorithm == "HmacSHA256"

    @property
    def recv_window(self):
        """``validate-recvwindow`` in milliseconds (1..60000)."""
        return self._recv_window

    @recv_window.setter
    def recv_window(self, value):
        self._set_recv_window(value)

    def __repr__(self):
        return (f"Signer(api_key={self.api_key!r}, algorithm={self.algorithm!r}, "
                f"recv_window={self._recv_window})")

    def __reduce__(self):
        raise TypeError("Signer holds a secret and cannot be pickled")

    cpdef long long now_ms(self):
        """The timestamp used when none is given: local clock + ``time_offset_ms``."""
        cdef timespec ts
        clock_gettime(CLOCK_REALTIME, &ts)
        return <long long>ts.tv_sec * 1000 + ts.tv_nsec // 1000000 + self.time_offset_ms

    cdef int _write(self, Buf* b, object method, object path, object query, object body,
                    object timestamp, object product, int* prod, size_t* ts_at) except -1:
        """Write the constant prefix's unabsorbed tail and the variable part of
        the signed string into ``b``: the bytes to hash after the prepared state.
        ``ts_at`` receives where the timestamp's digits start and end."""
        cdef int k
        if product is _SPOT or product == "spot":
            k = WEX_SPOT
        elif product is _FUTURES or product == "futures":
            k = WEX_FUTURES
        else:
            raise ValueError(f"product must be 'spot' or 'futures', got {product!r}")
        prod[0] = k
        cdef long long ts
        cdef int overflow = 0
        if timestamp is None:
            ts = self.now_ms()
        else:
            if type(timestamp) is not int and (isinstance(timestamp, bool)
                                               or not isinstance(timestamp, int)):
                raise TypeError(
                    f"timestamp must be int milliseconds, got {type(timestamp).__name__}")
            ts = PyLong_AsLongLongAndOverflow(timestamp, &overflow)
        if overflow != 0 or ts < 0 or ts > WEX_MAX_TIMESTAMP:
            raise ValueError(
                f"timestamp out of range: {timestamp if timestamp is not None else ts}")

        buf_put(b, <const char *>self._s.rest[k], self._s.rest_len[k])
        ts_at[0] = b.len
        b.len += wex_put_uint(b.data + b.len, <uint64_t>ts)  # the inline buffer has room
        ts_at[1] = b.len
        if k == WEX_SPOT:
            if (method is not _GET and method is not _POST and method is not _PUT
                    and method is not _DELETE):
                if not isinstance(method, str):
                    raise TypeError(f"method must be str, got {type(method).__name__}")
                m = (<str>method).upper()
                if m not in ("GET", "POST", "PUT", "DELETE"):
                    raise ValueError(f"method must be GET, POST, PUT or DELETE, got {method!r}")
                method = m
            buf_putc(b, 35)  # '#'
            buf_put_str(b, <str>method)

        if not isinstance(path, str):
            raise TypeError(f"path must be str, got {type(path).__name__}")
        cdef Py_ssize_t n
        cdef const char* p = PyUnicode_AsUTF8AndSize(path, &n)
        if not wex_path_ok(<const unsigned char*>p, <size_t>n):
            raise ValueError(
                f"path must be an ASCII path starting with '/' without '?' or '#', got {path!r}")
        buf_putc(b, 35)
        buf_put(b, p, n)

        cdef size_t mark
        if query is not None:
            if isinstance(query, (bytes, bytearray)):
                raise TypeError("query must be a mapping or an encoded str, got bytes")
            mark = b.len
            buf_putc(b, 35)
            _write_params(b, query, "query")
            if b.len == mark + 1:  # empty query: no '#' part
                b.len = mark

        if body is not None:
            mark = b.len
            buf_putc(b, 35)
            if PyBytes_CheckExact(body):
                buf_put(b, PyBytes_AS_STRING(body), PyBytes_GET_SIZE(body))
            elif isinstance(body, str):
                buf_put_str(b, <str>body)
            elif isinstance(body, (bytes, bytearray, memoryview)):
                bb = bytes(body)
                buf_put(b, PyBytes_AS_STRING(bb), PyBytes_GET_SIZE(bb))
            elif isinstance(body, Mapping):
                _write_params(b, body, "body")
            else:
                raise TypeError(
                    f"body must be bytes, str, a mapping (form) or None, got {type(body).__name__}")
            if b.len == mark + 1:
                b.len = mark
        return 0

    cdef bytes _head(self, int k):
        """The absorbed part of product k's constant prefix."""
        prefix = self._spot_prefix if k == WEX_SPOT else self._fut_prefix
        return prefix[:len(prefix) - <Py_ssize_t>self._s.rest_len[k]]

    def canonical(self, method, path, query=None, body=None, *, timestamp=None, product="spot"):
        """The exact string that is signed for this request (see module doc)."""
        cdef int k
        cdef Buf b
        cdef size_t ts_at[2]
        buf_init(&b)
        try:
            self._write(&b, method, path, query, body, timestamp, product, &k, ts_at)
            return (self._head(k) + b.data[:b.len]).decode("utf-8")
        finally:
            buf_free(&b)

    def sign(self, method, path, query=None, body=None, *, timestamp=None, product="spot"):
        """The hex signature alone (``validate-signature``)."""
        return self.headers(method, path, query, body, timestamp=timestamp, product=product)[
            "validate-signature"]

    def headers(self, method, path, query=None, body=None, *, timestamp=None, product="spot"):
        """The complete ``validate-*`` header dict for one request.

        Args:
            method: HTTP method (spot signs it; futures does not).
            path: the request path with path parameters filled in.
            query: a mapping (encoded with :func:`encode_query`) or an already
                encoded ``str`` used as is; ``None`` or empty for no query.
            body: the exact body bytes (``str`` is UTF-8 encoded), or a mapping
                for an x-www-form-urlencoded body (sorted like a query).
            timestamp: milliseconds; defaults to :meth:`now_ms`.
            product: ``"spot"`` or ``"futures"``.

        Returns a new dict with ``validate-algorithms``, ``validate-appkey``,
        ``validate-recvwindow``, ``validate-timestamp`` and ``validate-signature``.
        """
        cdef int k
        cdef Buf b
        cdef size_t ts_at[2]
        buf_init(&b)
        try:
            self._write(&b, method, path, query, body, timestamp, product, &k, ts_at)
            # ASCII results are written straight into new compact str objects
            tstr = PyUnicode_New(ts_at[1] - ts_at[0], 127)
            memcpy(PyUnicode_DATA(tstr), b.data + ts_at[0], ts_at[1] - ts_at[0])
            if self._s.fast:
                sig = PyUnicode_New(64, 127)
                wex_signer_hex(self._s, _blocks, k, <const uint8_t*>b.data, b.len,
                               <char*>PyUnicode_DATA(sig))
            else:
                h = self._hmac_template.copy()
                h.update(self._head(k))
                h.update(b.data[:b.len])
                sig = h.hexdigest()
        finally:
            buf_free(&b)
        out = PyDict_Copy(self._header_template)
        out["validate-timestamp"] = tstr
        out["validate-signature"] = sig
        return out


# ------------------------------------------------------- the public C API

cdef wex_signer *wex_signer_new(const char *api_key, size_t api_key_len, const char *secret,
                                size_t secret_len, int recv_window_ms,
                                wex_error *err) noexcept nogil:
    cdef Signing *s
    cdef char *spot
    cdef char *fut
    cdef const char *heads[2]
    cdef size_t lens[2]
    cdef size_t cap
    if api_key == NULL or api_key_len == 0 or not wex_header_safe(api_key, api_key_len):
        wex_err_set(err, WEX_E_ARGUMENT, "api_key",
                    "api_key must be printable ASCII without spaces")
        return NULL
    if secret == NULL or secret_len == 0:
        wex_err_set(err, WEX_E_ARGUMENT, "secret", "secret must not be empty")
        return NULL
    if recv_window_ms < 1 or recv_window_ms > WEX_MAX_RECV_WINDOW:
        wex_err_set(err, WEX_E_ARGUMENT, "recv_window",
                    "recv_window must be within 1..%d ms, got %d", WEX_MAX_RECV_WINDOW,
                    recv_window_ms)
        return NULL
    cap = api_key_len + 128
    s = <Signing *>malloc(sizeof(Signing))
    spot = <char *>malloc(cap)
    fut = <char *>malloc(cap)
    if s == NULL or spot == NULL or fut == NULL:
        free(s)
        free(spot)
        free(fut)
        wex_err_set(err, WEX_E_NOMEM, "", "out of memory")
        return NULL
    lens[0] = <size_t>snprintf(spot, cap, "validate-algorithms=HmacSHA256&validate-appkey=%.*s"
                               "&validate-recvwindow=%d&validate-timestamp=",
                               <int>api_key_len, api_key, recv_window_ms)
    lens[1] = <size_t>snprintf(fut, cap, "validate-appkey=%.*s&validate-timestamp=",
                               <int>api_key_len, api_key)
    heads[0] = spot
    heads[1] = fut
    wex_signer_setup(s, _blocks, <const uint8_t *>secret, secret_len, heads, lens)
    s.fast = 1
    free(spot)
    free(fut)
    wex_err_clear(err)
    return <wex_signer *>s


cdef void wex_signer_free(wex_signer *signer) noexcept nogil:
    if signer != NULL:
        wex_wipe(signer, sizeof(Signing))
        free(signer)


cdef wex_signer *wex_signer_of(object signer) except NULL:
    if not isinstance(signer, Signer):
        raise TypeError(f"expected a wexcore.Signer, got {type(signer).__name__}")
    if (<Signer>signer)._key_block is None:
        raise ValueError("Signer.__init__ was not called")
    return <wex_signer *>(<Signer>signer)._s


cdef inline bint _method_ok(const char *m, size_t n) noexcept nogil:
    return ((n == 3 and (memcmp(m, b"GET", 3) == 0 or memcmp(m, b"PUT", 3) == 0))
            or (n == 4 and memcmp(m, b"POST", 4) == 0)
            or (n == 6 and memcmp(m, b"DELETE", 6) == 0))


cdef int wex_sign(const wex_signer *signer_, const wex_request *req, char *signature,
                  wex_error *err) noexcept nogil:
    cdef const Signing *signer = <const Signing *>signer_
    cdef char stack[1024]
    cdef char *buf = stack
    cdef size_t need, n = 0
    cdef int k
    if signer == NULL or req == NULL or signature == NULL:
        wex_err_set(err, WEX_E_ARGUMENT, "", "NULL argument")
        return -1
    if not signer.fast:
        wex_err_set(err, WEX_E_UNSUPPORTED, "algorithm",
                    "only HmacSHA256 signers can sign without Python")
        return -1
    k = req.product
    if k != WEX_SPOT and k != WEX_FUTURES:
        wex_err_set(err, WEX_E_ARGUMENT, "product", "product must be WEX_SPOT or WEX_FUTURES")
        return -1
    if req.timestamp_ms < 0 or req.timestamp_ms > WEX_MAX_TIMESTAMP:
        wex_err_set(err, WEX_E_ARGUMENT, "timestamp_ms", "timestamp out of range: %lld",
                    <long long>req.timestamp_ms)
        return -1
    if k == WEX_SPOT and (req.method == NULL or not _method_ok(req.method, req.method_len)):
        wex_err_set(err, WEX_E_ARGUMENT, "method", "method must be GET, POST, PUT or DELETE")
        return -1
    if req.path == NULL or not wex_path_ok(<const unsigned char *>req.path, req.path_len):
        wex_err_set(err, WEX_E_ARGUMENT, "path",
                    "path must be an ASCII path starting with '/' without '?' or '#'")
        return -1
    if (req.query == NULL and req.query_len) or (req.body == NULL and req.body_len):
        wex_err_set(err, WEX_E_ARGUMENT, "query" if req.query == NULL and req.query_len else "body",
                    "NULL with a non-zero length")
        return -1
    need = (signer.rest_len[k] + 20 + 8 + req.path_len + 1 + req.query_len + 1 + req.body_len + 1)
    if need > sizeof(stack):
        buf = <char *>malloc(need)
        if buf == NULL:
            wex_err_set(err, WEX_E_NOMEM, "", "out of memory")
            return -1
    memcpy(buf, signer.rest[k], signer.rest_len[k])
    n = signer.rest_len[k]
    n += wex_put_uint(buf + n, <uint64_t>req.timestamp_ms)
    if k == WEX_SPOT:
        buf[n] = 35
        memcpy(buf + n + 1, req.method, req.method_len)
        n += 1 + req.method_len
    buf[n] = 35
    memcpy(buf + n + 1, req.path, req.path_len)
    n += 1 + req.path_len
    if req.query_len:
        buf[n] = 35
        memcpy(buf + n + 1, req.query, req.query_len)
        n += 1 + req.query_len
    if req.body_len:
        buf[n] = 35
        memcpy(buf + n + 1, req.body, req.body_len)
        n += 1 + req.body_len
    wex_signer_hex(signer, _blocks, k, <const uint8_t *>buf, n, signature)
    if buf != stack:
        free(buf)
    wex_err_clear(err)
    return 0
