"""WEX REST clients: every documented spot and futures endpoint, sync and async.

``SpotClient``/``AsyncSpotClient`` and ``FuturesClient``/``AsyncFuturesClient``
are built from one endpoint table (:mod:`wexcore.rest.endpoints`), drive one
sans-I/O request core (:class:`wexcore.rest.core.RequestCore`) and return
typed, exact results (:mod:`wexcore.rest.types`).
"""

from wexcore.errors import (
    AccessDeniedError,
    ConnectFailed,
    ConnectionLost,
    InvalidParameterError,
    OrderNotFoundError,
    ProtocolError,
    ReadTimeout,
    ResponseTooLarge,
    TransportError,
    WalletError,
)
from wexcore.rest import types
from wexcore.rest.client import (
    COIN_M_URL,
    SPOT_URL,
    USDT_M_URL,
    AsyncFuturesClient,
    AsyncSpotClient,
    FuturesClient,
    SpotClient,
)
from wexcore.rest.core import RequestCore
from wexcore.rest.filters import FuturesSymbolFilters, SymbolFilters
from wexcore.rest.limits import RateLimiter
from wexcore.rest.types import RawResponse

__all__ = [
    "SpotClient",
    "AsyncSpotClient",
    "FuturesClient",
    "AsyncFuturesClient",
    "RequestCore",
    "RateLimiter",
    "SymbolFilters",
    "FuturesSymbolFilters",
    "RawResponse",
    "types",
    "OrderNotFoundError",
    "AccessDeniedError",
    "WalletError",
    "InvalidParameterError",
    "TransportError",
    "ConnectFailed",
    "ConnectionLost",
    "ReadTimeout",
    "ProtocolError",
    "ResponseTooLarge",
    "SPOT_URL",
    "USDT_M_URL",
    "COIN_M_URL",
]
