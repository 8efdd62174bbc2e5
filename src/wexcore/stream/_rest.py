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
``level`` 1..50. wexcore uses the documented endpoint (``/q/depth``), with
``level=50``, its documented maximum: a careful client calls what is
documented with parameters inside their documented range, and the
procedure's own numbers (500 levels) are copied from the spot text. The
consequence (levels outside the top 50 only appear once they change) is the
one the spec's own note describes for its 500-level spot snapshot.
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
FUTURES_DEPTH_LEVEL = 50

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
    client: httpx.AsyncClient, rest_url: str, symbol: str, product: str
) -> bytes:
    """GET the documented depth endpoint; return the raw response body.

    The body goes to the book kernel's ``load_snapshot`` unparsed.
    """
    if product == "spot":
        url = f"{rest_url}{SPOT_DEPTH_PATH}"
        params: dict[str, str | int] = {"symbol": symbol, "limit": SPOT_DEPTH_LIMIT}
    else:
        url = f"{rest_url}{FUTURES_DEPTH_PATH}"
        params = {"symbol": symbol, "level": FUTURES_DEPTH_LEVEL}
    resp = await client.get(url, params=params)
    if resp.status_code != 200:
        _check(resp, f"depth snapshot {symbol}")
    return resp.content


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
