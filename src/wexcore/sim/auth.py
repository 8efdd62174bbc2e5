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
    raw = (x + y).encode()
    if body:
        raw += b"#" + body
    return raw


def futures_payload(headers: Mapping[str, str], path: str, query: str, body: bytes) -> bytes:
    """The futures signed string (no method, only appkey and timestamp)."""
    raw = (f"validate-appkey={headers['validate-appkey']}"
           f"&validate-timestamp={headers['validate-timestamp']}#{path}")
    if query:
        raw += f"#{query}"
    out = raw.encode()
    if body:
        out += b"#" + body
    return out


def verify(headers: Mapping[str, str], method: str, path: str, query: str, body: bytes, *,
           product: str, secrets: Mapping[str, str], now_ms: int) -> AuthResult:
    """Verify a private request; raise :class:`SimError` with the spec's AUTH code."""
    status = 200 if product == "spot" else 400
    get = headers.get
    appkey = get("validate-appkey")
    if not appkey:
        raise SimError("AUTH_001", status=status)
    timestamp = get("validate-timestamp")
    if not timestamp:
        raise SimError("AUTH_002", status=status)
    recv = get("validate-recvwindow")
    if recv is None:
        if product == "spot":
            raise SimError("AUTH_003", status=status)
        recv_ms = DEFAULT_RECV_WINDOW_MS
    else:
        if not _is_int(recv) or not 0 < int(recv) <= MAX_RECV_WINDOW_MS:
            raise SimError("AUTH_004", status=status)
        recv_ms = int(recv)
    algorithm = get("validate-algorithms")
    if algorithm is None:
        if product == "spot":
            raise SimError("AUTH_005", status=status)
        algorithm = "HmacSHA256"
    if algorithm not in ALGORITHMS:
        raise SimError("AUTH_006", status=status)
    signature = get("validate-signature")
    if not signature:
        raise SimError("AUTH_007", status=status)
    if not _is_int(timestamp):
        # A timestamp that is not a number can never be inside the window.
        raise SimError("AUTH_105", status=200 if product == "spot" else 403)
    secret = secrets.get(appkey)
    if secret is None:
        raise SimError("AUTH_101", status=200 if product == "spot" else 403)
    if product == "spot":
        payload = spot_payload(headers, method, path, query, body)
    else:
        payload = futures_payload(headers, path, query, body)
    expected = hmac.new(secret.encode(), payload, ALGORITHMS[algorithm]).hexdigest()
    if not hmac.compare_digest(expected, signature.lower()):
        raise SimError("AUTH_103", status=200 if product == "spot" else 403)
    ts = int(timestamp)
    if not (now_ms - ts < recv_ms and ts - now_ms <= FUTURE_TOLERANCE_MS):
        raise SimError("AUTH_105", status=200 if product == "spot" else 403)
    return AuthResult(appkey)
