"""WEX REST clients: every documented spot and futures endpoint, sync and async.

``SpotClient``/``AsyncSpotClient`` and ``FuturesClient``/``AsyncFuturesClient``
are built from one endpoint table (:mod:`wexcore.rest.endpoints`) and one
sans-I/O request builder (:class:`wexcore.rest.client.RequestCore`).
"""

from wexcore.rest.client import (
    COIN_M_URL,
    SPOT_URL,
    USDT_M_URL,
    AsyncFuturesClient,
    AsyncSpotClient,
    FuturesClient,
    RequestCore,
    SpotClient,
)
from wexcore.rest.codes import AccessDeniedError, OrderNotFoundError, TransportError, WalletError
from wexcore.rest.filters import SymbolFilters
from wexcore.rest.limits import RateLimiter

__all__ = [
    "SpotClient",
    "AsyncSpotClient",
    "FuturesClient",
    "AsyncFuturesClient",
    "RequestCore",
    "RateLimiter",
    "SymbolFilters",
    "OrderNotFoundError",
    "AccessDeniedError",
    "WalletError",
    "TransportError",
    "SPOT_URL",
    "USDT_M_URL",
    "COIN_M_URL",
]
