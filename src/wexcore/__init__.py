"""wexcore: low-latency WEX exchange connectivity on a Cython core.

The public API is re-exported here; users never import underscore modules.
"""

from __future__ import annotations

from wexcore._book import ApplyResult, DepthParser, OrderBook, decimal_to_ticks, parse_depth
from wexcore._sign import Signer, encode_query, sha256_backend
from wexcore.errors import (
    AuthenticationError,
    DecodeError,
    InsufficientFundsError,
    InvalidOrderError,
    NotFoundError,
    OrderStateUnknownError,
    PrecisionError,
    RateLimitError,
    SequenceGap,
    ServerError,
    WexAPIError,
    WexError,
)
from wexcore.rest import AsyncFuturesClient, AsyncSpotClient, FuturesClient, SpotClient

__version__ = "0.1.0"

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
    "SequenceGap",
    "DecodeError",
    "PrecisionError",
    "SpotClient",
    "AsyncSpotClient",
    "FuturesClient",
    "AsyncFuturesClient",
    "__version__",
]
