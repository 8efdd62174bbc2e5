"""Request authentication, written from the spec with the standard library only.

Spot ("Signature generation"): ``original = X + Y`` where X is the four
``validate-*`` headers (algorithms, appkey, recvwindow, timestamp) as
``key=value`` sorted by key and joined by ``&``, using the header values
exactly as received, and ``Y = "#" + METHOD + "#" + path`` followed by
``"#" + query`` when there is a query and ``"#" + body`` when there is a body.

Futures ("Obtain Signature"): ``"validate-appkey=K&validate-timestamp=T"``
then ``"#" + path``, ``"#" + query`` if any, ``"#" + body`` if any; no method.

The query is the raw query string from the request line, byte for byte (no
decoding, no re-sorting): the spec asks the client to sort it before sending,
and the signature must cover exactly what went over the wire.  The body is the
raw request body.

Decisions where the spec is silent (also in docs/simulator.md):

- Spot requires all five headers (the spec defines AUTH_003 and AUTH_005 for a
  missing recvwindow/algorithms, so neither has a default); futures makes
  ``validate-recvwindow`` (default 5000) and ``validate-algorithms`` (default
  HmacSHA256) optional, as its header table says.
- recvwindow must be a positive integer no larger than 60000 ms (the futures
  maximum; spot's examples use 60000) else AUTH_004.
- Checks run in the order: headers (AUTH_001..007), key (AUTH_101),
  signature (AUTH_103), time window (AUTH_105).
- Futures answers in its own form: HTTP 400 ``BAD_REQUEST`` for a missing
  appkey or timestamp header, HTTP 403 ``FORBIDDEN`` for the rest.
- Window rule: ``now - timestamp < recvwindow`` (strict, as the FAQ writes it)
  and ``timestamp - now <= 1000`` ("more than 1 second ahead" is invalid).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .codes import SimError

ALGORITHMS: dict[str, Callable[..., Any]] = {
    "HmacMD5": hashlib.md5,
    "HmacSHA1": hashlib.sha1,
    "HmacSHA224": hashlib.sha224,
    "HmacSHA256": hashlib.sha256,
    "HmacSHA384": hashlib.sha384,
    "HmacSHA512": hashlib.sha512,
}

MAX_RECV_WINDOW_MS = 60_000
DEFAULT_RECV_WINDOW_MS = 5_000
FUTURE_TOLERANCE_MS = 1_000


@dataclass(frozen=True)
class AuthResult:
    api_key: str


def _is_int(text: str) -> bool:
    return text.isascii() and text.isdigit()


def spot_payload(headers: Mapping[str, str], method: str, path: str, query: str,
                 body: bytes) -> bytes:
    """The spot signed string, built from the received header values."""
    pairs = {k: headers[k] for k in ("validate-algorithms", "validate-appkey",
                                     "validate-recvwindow", "validate-timestamp")}
    x = "&".join(f"{k}={pairs[k]}" for k in sorted(pairs))
    y = f"#{method.upper()}#{path}"
    if query:
        y += f"#{query}"
    raw = (x + y).encode("utf-8", "surrogateescape")
    if body:
        raw += b"#" + body
    return raw


def futures_payload(headers: Mapping[str, str], path: str, query: str, body: bytes) -> bytes:
    """The futures signed string (no method, only appkey and timestamp)."""
    raw = (f"validate-appkey={headers['validate-appkey']}"
           f"&validate-timestamp={headers['validate-timestamp']}#{path}")
    if query:
        raw += f"#{query}"
    out = raw.encode("utf-8", "surrogateescape")
    if body:
        out += b"#" + body
    return out


# Futures: the futures "Error Code" table gives HTTP 400 for a missing
# validate-appkey / validate-timestamp header and HTTP 403 for everything
# else that fails (time window, signature, unauthorised key); the reason is
# in error.msg. Spot codes map onto those two answers.
_FUTURES_400 = {"AUTH_001", "AUTH_002"}
_FUTURES_REASON = {
    "AUTH_001": "missing request header validate-appkey",
    "AUTH_002": "missing request header validate-timestamp",
    "AUTH_004": "bad request header validate-recvwindow (1..60000 ms)",
    "AUTH_006": "unsupported validate-algorithms",
    "AUTH_007": "signature verification failed: missing validate-signature",
    "AUTH_101": "AppKey unauthorized",
    "AUTH_103": "signature verification failed",
    "AUTH_105": "time window expired",
}


def _fail(code: str, product: str) -> SimError:
    if product == "spot":
        return SimError(code)
    status = 400 if code in _FUTURES_400 else 403
    return SimError("BAD_REQUEST" if status == 400 else "FORBIDDEN", _FUTURES_REASON[code],
                    status=status)


def verify(headers: Mapping[str, str], method: str, path: str, query: str, body: bytes, *,
           product: str, secrets: Mapping[str, str], now_ms: int) -> AuthResult:
    """Verify a private request; raise :class:`SimError` in the product's own form.

    Spot: HTTP 200 with the spec's ``AUTH_*`` code. Futures: HTTP 400
    ``BAD_REQUEST`` or 403 ``FORBIDDEN`` (see :mod:`wexcore.sim.codes`).
    """
    get = headers.get
    appkey = get("validate-appkey")
    if not appkey:
        raise _fail("AUTH_001", product)
    timestamp = get("validate-timestamp")
    if not timestamp:
        raise _fail("AUTH_002", product)
    recv = get("validate-recvwindow")
    if recv is None:
        if product == "spot":
            raise _fail("AUTH_003", product)
        recv_ms = DEFAULT_RECV_WINDOW_MS
    else:
        if not _is_int(recv) or len(recv) > 9 or not 0 < int(recv) <= MAX_RECV_WINDOW_MS:
            raise _fail("AUTH_004", product)
        recv_ms = int(recv)
    algorithm = get("validate-algorithms")
    if algorithm is None:
        if product == "spot":
            raise _fail("AUTH_005", product)
        algorithm = "HmacSHA256"
    if algorithm not in ALGORITHMS:
        raise _fail("AUTH_006", product)
    signature = get("validate-signature")
    if not signature:
        raise _fail("AUTH_007", product)
    if not _is_int(timestamp) or len(timestamp) > 18:
        # A timestamp that is not a number can never be inside the window.
        raise _fail("AUTH_105", product)
    secret = secrets.get(appkey) if appkey.isascii() else None
    if secret is None:
        raise _fail("AUTH_101", product)
    if product == "spot":
        payload = spot_payload(headers, method, path, query, body)
    else:
        payload = futures_payload(headers, path, query, body)
    expected = hmac.new(secret.encode(), payload, ALGORITHMS[algorithm]).hexdigest()
    if not signature.isascii() or not hmac.compare_digest(expected, signature.lower()):
        raise _fail("AUTH_103", product)
    ts = int(timestamp)
    if not (now_ms - ts < recv_ms and ts - now_ms <= FUTURE_TOLERANCE_MS):
        raise _fail("AUTH_105", product)
    return AuthResult(appkey)
