"""wexcore: low-latency WEX exchange connectivity on a Cython core.

The public API is re-exported here; users never import underscore modules.
"""

from __future__ import annotations

import os

from wexcore._book import ApplyResult, DepthParser, OrderBook, decimal_to_ticks, parse_depth
from wexcore._decode import (
    PONG,
    BalanceUpdate,
    DepthSnapshot,
    DepthUpdate,
    ErrorMessage,
    Event,
    FundingRate,
    IndexPrice,
    Kline,
    MarkPrice,
    Notify,
    NotifyType,
    OrderState,
    OrderType,
    OrderUpdate,
    Pong,
    PositionSide,
    PositionType,
    PositionUpdate,
    Reply,
    Side,
    Ticker,
    TimeInForce,
    Trade,
    UnknownMessage,
    UserTrade,
    decode,
)
from wexcore._sign import Signer, encode_query, sha256_backend
from wexcore.account import (
    Account,
    AccountEvent,
    AccountEvents,
    AccountStats,
    BalanceEvent,
    FillEvent,
    OrderEvent,
    PendingOrder,
    PositionEvent,
)
from wexcore.bus import BusBooks, Feed  # noqa: E402 - after the stream layer it builds on
from wexcore.errors import (
    AccessDeniedError,
    AuthenticationError,
    DecodeError,
    EventOverflowError,
    InsufficientFundsError,
    InvalidOrderError,
    InvalidParameterError,
    NotFoundError,
    OrderNotFoundError,
    OrderStateUnknownError,
    PrecisionError,
    RateLimitError,
    SequenceGap,
    ServerError,
    TransportError,
    WexAPIError,
    WexError,
)
from wexcore.rest import AsyncFuturesClient, AsyncSpotClient, FuturesClient, SpotClient
from wexcore.stream import (
    ConnectionEvent,
    ConnectionState,
    FuturesMarketStream,
    FuturesUserStream,
    ListenKeyError,
    ReconnectPolicy,
    SpotPrivateStream,
    SpotPublicStream,
    StreamClient,
    Subscription,
    SubscriptionError,
)
from wexcore.stream.livebook import LatencyStats, LiveBook, LiveBooks, ResyncEvent
from wexcore.stream.transport import MessageTooBig, run

__version__ = "0.1.0"


def get_include() -> str:
    """The directory of wexcore's C headers (``wexcore.h``, ``wexcore_types.h``).

    Pass it to the C compiler (``include_dirs``) when building an extension
    that uses the compiled API: Cython code does ``from wexcore.api cimport
    ...`` (the ``.pxd`` files are found on ``sys.path``), C code includes
    ``wexcore.h``. See docs/embedding.md.
    """
    from wexcore import _capi

    # installed next to the compiled modules, in a wheel and in an editable install
    return os.path.join(os.path.dirname(os.path.abspath(_capi.__file__)), "include")


__all__ = [
    "OrderBook",
    "ApplyResult",
    "DepthParser",
    "parse_depth",
    "decimal_to_ticks",
    "Signer",
    "encode_query",
    "sha256_backend",
    "WexError",
    "WexAPIError",
    "AuthenticationError",
    "InvalidOrderError",
    "InsufficientFundsError",
    "RateLimitError",
    "ServerError",
    "NotFoundError",
    "OrderStateUnknownError",
    "EventOverflowError",
    "InvalidParameterError",
    "OrderNotFoundError",
    "AccessDeniedError",
    "TransportError",
    "SequenceGap",
    "DecodeError",
    "PrecisionError",
    "decode",
    "Event",
    "Trade",
    "UserTrade",
    "Kline",
    "Ticker",
    "IndexPrice",
    "MarkPrice",
    "FundingRate",
    "DepthUpdate",
    "DepthSnapshot",
    "OrderUpdate",
    "BalanceUpdate",
    "PositionUpdate",
    "Notify",
    "Reply",
    "Pong",
    "PONG",
    "ErrorMessage",
    "UnknownMessage",
    "Side",
    "OrderState",
    "OrderType",
    "TimeInForce",
    "PositionSide",
    "PositionType",
    "NotifyType",
    "StreamClient",
    "Subscription",
    "MessageTooBig",
    "run",
    "SpotPublicStream",
    "SpotPrivateStream",
    "FuturesMarketStream",
    "FuturesUserStream",
    "ConnectionEvent",
    "ConnectionState",
    "ReconnectPolicy",
    "SubscriptionError",
    "ListenKeyError",
    "LiveBook",
    "LiveBooks",
    "ResyncEvent",
    "LatencyStats",
    "SpotClient",
    "AsyncSpotClient",
    "FuturesClient",
    "AsyncFuturesClient",
    "BusBooks",
    "Feed",
    "Account",
    "AccountEvents",
    "AccountEvent",
    "AccountStats",
    "OrderEvent",
    "FillEvent",
    "BalanceEvent",
    "PositionEvent",
    "PendingOrder",
    "__version__",
    "get_include",
]
