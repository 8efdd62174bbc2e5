"""The two REST calls the stream layer needs, behind one small seam each.

* the depth snapshot that starts (and restarts) a live book;
* the spot ws token / futures listen key for the private streams.

They use :mod:`httpx` directly so that the stream layer does not depend on
the REST client's internals; both are replaceable by passing a callable
(``snapshot_fetcher=`` to :class:`~wexcore.LiveBook`, ``token_provider=`` to
the private stream clients).

Which futures depth path: futures-en.txt "Orderbook Management" step 3 says
``/future/market/v1/public/depth?symbol=..&level=500``, but the only
documented REST depth endpoint is ``/future/market/v1/public/q/depth`` with
``level`` 1..50, and no ``/public/depth`` (without ``q/``) appears anywhere
else in the spec. wexcore calls the documented endpoint, ``/q/depth``: a
path that exists only in one prose step is most likely a slip, while the
endpoint table is what the exchange serves. It asks for ``level=500``, the
depth the procedure wants (a deeper snapshot means fewer levels missing
from the local book), and if the server refuses that value it falls back to
``level=50``, the documented maximum, for the rest of the book's life. With
50 levels, levels below the top 50 only appear once they change: the
limitation the spec's own note describes for its 500-level spot snapshot.
"""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from wexcore.errors import AuthenticationError, ServerError, WexAPIError

SPOT_REST = "https://sapi.wexex.io"
FUTURES_REST = "https://fapi.wexex.io"

SPOT_DEPTH_PATH = "/v4/public/depth"
SPOT_DEPTH_LIMIT = 500
FUTURES_DEPTH_PATH = "/future/market/v1/public/q/depth"
FUTURES_DEPTH_LEVEL = 500
FUTURES_DEPTH_LEVEL_DOCUMENTED_MAX = 50

SPOT_TOKEN_PATH = "/v4/ws-token"
FUTURES_LISTEN_KEY_PATH = "/future/user/v1/user/listen-key"


def default_rest_url(product: str) -> str:
    return SPOT_REST if product == "spot" else FUTURES_REST


def _check(resp: httpx.Response, what: str) -> Any:
    body = resp.content
    if resp.status_code in (401, 403):
        raise AuthenticationError(f"{what}: HTTP {resp.status_code}", http_status=resp.status_code,
                                  body=body)
    if resp.status_code >= 500:
        raise ServerError(f"{what}: HTTP {resp.status_code}", http_status=resp.status_code,
                          body=body)
    if resp.status_code != 200:
        raise WexAPIError(f"{what}: HTTP {resp.status_code}", http_status=resp.status_code,
                          body=body)
    try:
        msg = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise WexAPIError(f"{what}: response is not JSON", body=body) from exc
    # spot envelope: {"rc":0,"mc":"SUCCESS","result":...}; futures: {"returnCode":0,...}
    rc = msg.get("rc", msg.get("returnCode", 0))
    if str(rc) != "0":
        code = msg.get("mc") or (msg.get("error") or {}).get("code") or str(rc)
        raise WexAPIError(f"{what}: {code} {msg.get('msgInfo') or ''}".strip(), code=str(code),
                          body=body)
    return msg.get("result")


async def fetch_depth_snapshot(
    client: httpx.AsyncClient, rest_url: str, symbol: str, product: str,
    level: int | None = None,
) -> bytes:
    """GET the depth endpoint; return the raw response body (it goes to the
    book kernel's ``load_snapshot`` unparsed). Raises :class:`WexAPIError`
    when the exchange answers with an error."""
    if product == "spot":
        url = f"{rest_url}{SPOT_DEPTH_PATH}"
        params: dict[str, str | int] = {"symbol": symbol, "limit": level or SPOT_DEPTH_LIMIT}
    else:
        url = f"{rest_url}{FUTURES_DEPTH_PATH}"
        params = {"symbol": symbol, "level": level or FUTURES_DEPTH_LEVEL}
    resp = await client.get(url, params=params)
    body = resp.content
    head = body[:64]
    if resp.status_code != 200 or not (b'"rc":0' in head or b'"returnCode":0' in head):
        _check(resp, f"depth snapshot {symbol}")  # raises on any error envelope
    return body


class SnapshotSource:
    """Fetches depth snapshots for one book, remembering a refused futures level."""

    def __init__(self, client: httpx.AsyncClient, rest_url: str, product: str) -> None:
        self.client = client
        self.rest_url = rest_url
        self.product = product
        self.level = SPOT_DEPTH_LIMIT if product == "spot" else FUTURES_DEPTH_LEVEL

    async def __call__(self, symbol: str, product: str) -> bytes:
        try:
            return await fetch_depth_snapshot(self.client, self.rest_url, symbol, product,
                                              self.level)
        except WexAPIError as exc:
            if (product == "futures" and self.level > FUTURES_DEPTH_LEVEL_DOCUMENTED_MAX
                    and not isinstance(exc, ServerError)):
                self.level = FUTURES_DEPTH_LEVEL_DOCUMENTED_MAX
                return await fetch_depth_snapshot(self.client, self.rest_url, symbol, product,
                                                  self.level)
            raise


async def fetch_token(
    client: httpx.AsyncClient, rest_url: str, product: str, api_key: str, secret: str
) -> str:
    """Fetch a spot ws token (POST /v4/ws-token) or futures listen key (GET)."""
    from wexcore import Signer

    signer = Signer(api_key, secret)
    if product == "spot":
        path = SPOT_TOKEN_PATH
        headers = signer.headers("POST", path, product="spot")
        resp = await client.post(f"{rest_url}{path}", headers=headers)
        result = _check(resp, "ws token")
        token = result.get("accessToken") if isinstance(result, dict) else result
    else:
        path = FUTURES_LISTEN_KEY_PATH
        headers = signer.headers("GET", path, product="futures")
        resp = await client.get(f"{rest_url}{path}", headers=headers)
        result = _check(resp, "listen key")
        token = result.get("listenKey") if isinstance(result, dict) else result
    if not token:
        raise WexAPIError(f"{product} token response had no token", body=resp.content)
    return str(token)


async def fetch_precision(
    client: httpx.AsyncClient, rest_url: str, symbol: str, product: str
) -> tuple[int, int]:
    """``(pricePrecision, quantityPrecision)`` from the symbol endpoint."""
    if product == "spot":
        resp = await client.get(f"{rest_url}/v4/public/symbol", params={"symbol": symbol})
        result = _check(resp, f"symbol {symbol}")
        rows = result.get("symbols") if isinstance(result, dict) else result
        info = next((r for r in rows or [] if r.get("symbol") == symbol), None)
    else:
        resp = await client.get(
            f"{rest_url}/future/market/v1/public/symbol/detail", params={"symbol": symbol}
        )
        info = _check(resp, f"symbol {symbol}")
    if not isinstance(info, dict) or "pricePrecision" not in info:
        raise WexAPIError(f"no precision for {product} symbol {symbol!r}", body=resp.content)
    return int(info["pricePrecision"]), int(info["quantityPrecision"])
