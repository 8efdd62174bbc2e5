"""WEX WebSocket streams and live local order books.

* :class:`StreamClient` (and the named :class:`SpotPublicStream`,
  :class:`SpotPrivateStream`, :class:`FuturesMarketStream`,
  :class:`FuturesUserStream`): subscriptions as async iterators and/or
  callbacks, heartbeats, reconnects with backoff, token renewal.
* :class:`LiveBook` and :class:`LiveBooks`: exact local books kept in sync
  by the spec's snapshot + buffered-diff procedure, repaired automatically.
"""

from wexcore.stream.client import (
    FuturesMarketStream,
    FuturesUserStream,
    SpotPrivateStream,
    SpotPublicStream,
    StreamClient,
    Subscription,
)
from wexcore.stream.core import (
    ConnectionEvent,
    ConnectionState,
    ListenKeyError,
    ReconnectPolicy,
    StreamCore,
    StreamCounters,
    SubscriptionError,
)

__all__ = [
    "StreamClient",
    "Subscription",
    "SpotPublicStream",
    "SpotPrivateStream",
    "FuturesMarketStream",
    "FuturesUserStream",
    "ConnectionEvent",
    "ConnectionState",
    "ListenKeyError",
    "ReconnectPolicy",
    "StreamCore",
    "StreamCounters",
    "SubscriptionError",
]
