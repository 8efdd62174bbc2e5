"""Reference signer: the idiomatic pure-Python path, straight from the spec."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

DIGESTS = {
    "HmacMD5": hashlib.md5,
    "HmacSHA1": hashlib.sha1,
    "HmacSHA224": hashlib.sha224,
    "HmacSHA256": hashlib.sha256,
    "HmacSHA384": hashlib.sha384,
    "HmacSHA512": hashlib.sha512,
}


def query_string(params: Mapping[str, object] | None) -> str:
    if not params:
        return ""
    out = []
    for k in sorted(params):
        v = params[k]
        if v is None:
            continue
        if v is True or v is False:
            v = "true" if v else "false"
        out.append(f"{quote(str(k), safe='-_.~,:')}={quote(str(v), safe='-_.~,:')}")
    return "&".join(out)


def canonical(api_key: str, method: str, path: str, query: str = "", body: str = "", *,
              timestamp: int, recv_window: int = 5000, algorithm: str = "HmacSHA256",
              product: str = "spot") -> str:
    if product == "spot":
        headers = {
            "validate-algorithms": algorithm,
            "validate-appkey": api_key,
            "validate-recvwindow": str(recv_window),
            "validate-timestamp": str(timestamp),
        }
        x = "&".join(f"{k}={headers[k]}" for k in sorted(headers))
        y = f"#{method.upper()}#{path}"
    else:
        x = f"validate-appkey={api_key}&validate-timestamp={timestamp}"
        y = f"#{path}"
    if query:
        y += f"#{query}"
    if body:
        y += f"#{body}"
    return x + y


def headers(api_key: str, secret: str, method: str, path: str, query: Any = None,
            body: Any = None, *,
            timestamp: int, recv_window: int = 5000, algorithm: str = "HmacSHA256",
            product: str = "spot") -> dict[str, str]:
    """The header dict built the way a careful pure-Python client would."""
    q = query if isinstance(query, str) else query_string(query)
    b = body.decode() if isinstance(body, bytes) else (body or "")
    msg = canonical(api_key, method, path, q, b, timestamp=timestamp, recv_window=recv_window,
                    algorithm=algorithm, product=product)
    sig = hmac.new(secret.encode(), msg.encode(), DIGESTS[algorithm]).hexdigest()
    return {
        "validate-algorithms": algorithm,
        "validate-appkey": api_key,
        "validate-recvwindow": str(recv_window),
        "validate-timestamp": str(timestamp),
        "validate-signature": sig,
    }
