"""Names on the bus, and creating the stream and buckets they live in.

One place for every subject, stream and bucket name, so the feed and the
consumers cannot disagree:

* stream ``WEX_<PRODUCT>`` holds ``wex.<product>.book.<symbol>`` (book
  records: deltas and snapshots) and ``wex.<product>.trade.<symbol>``;
* KV bucket ``wex_<product>_books``: key ``<symbol>`` -> the latest snapshot
  record, its ``stream_seq`` field naming the stream sequence it matches;
* KV bucket ``wex_<product>_leases_<group>``: key ``sym.<symbol>`` -> the
  owning feed's id, ``member.<id>`` -> each live feed of the group; entries
  expire after the group's lease TTL unless renewed.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

__all__ = ["book_subject", "trade_subject", "stream_name", "books_bucket", "leases_bucket",
           "check_symbol", "check_product", "ensure_stream", "ensure_kv", "connect"]

_SYMBOL = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,63}$")
_GROUP = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")


def check_product(product: str) -> str:
    if product not in ("spot", "futures"):
        raise ValueError(f"product must be 'spot' or 'futures', not {product!r}")
    return product


def check_symbol(symbol: str) -> str:
    """A symbol usable as a subject token and a KV key (``btc_usdt``)."""
    if not isinstance(symbol, str) or not _SYMBOL.match(symbol):
        raise ValueError(f"symbol {symbol!r}: lower-case letters, digits, '_' and '-' only")
    return symbol


def check_group(group: str) -> str:
    if not _GROUP.match(group):
        raise ValueError(f"group {group!r}: letters, digits, '_' and '-' only (1..64)")
    return group


def book_subject(product: str, symbol: str) -> str:
    return f"wex.{product}.book.{symbol}"


def trade_subject(product: str, symbol: str) -> str:
    return f"wex.{product}.trade.{symbol}"


def stream_name(product: str) -> str:
    return f"WEX_{product.upper()}"


def books_bucket(product: str) -> str:
    return f"wex_{product}_books"


def leases_bucket(product: str, group: str) -> str:
    return f"wex_{product}_leases_{check_group(group)}"


async def connect(url: str, *, name: str, **options: Any) -> Any:
    """A NATS connection that keeps reconnecting (a broker restart or a
    cluster node's death is a pause, not the end)."""
    import nats

    servers = [u.strip() for u in url.split(",") if u.strip()]
    opts: dict[str, Any] = {"name": name, "max_reconnect_attempts": -1,
                            "reconnect_time_wait": 0.25, "connect_timeout": 2,
                            "allow_reconnect": True}
    opts.update(options)
    return await nats.connect(servers=servers, **opts)


async def ensure_stream(js: Any, product: str, *, replicas: int = 1,
                        max_age: float = 3600.0, max_bytes: int = 1 << 30) -> None:
    """Create the product's stream unless it exists (an existing one is kept
    as its operator configured it)."""
    from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
    from nats.js.errors import NotFoundError

    name = stream_name(product)
    with contextlib.suppress(NotFoundError):
        await js.stream_info(name)
        return
    cfg = StreamConfig(name=name, subjects=[f"wex.{product}.>"],
                       retention=RetentionPolicy.LIMITS, storage=StorageType.FILE,
                       max_age=max_age, max_bytes=max_bytes, discard=DiscardPolicy.OLD,
                       num_replicas=replicas)
    try:
        await js.add_stream(cfg)
    except Exception as exc:
        # another process created it meanwhile: fine if it is there now
        try:
            await js.stream_info(name)
        except Exception:
            raise exc from None


async def ensure_kv(js: Any, bucket: str, *, replicas: int = 1,
                    ttl: float | None = None) -> Any:
    """The KV bucket, created (file storage, history 1) unless it exists."""
    from nats.js.api import KeyValueConfig, StorageType
    from nats.js.errors import BucketNotFoundError, NotFoundError

    try:
        return await js.key_value(bucket)
    except (BucketNotFoundError, NotFoundError):
        pass
    cfg = KeyValueConfig(bucket=bucket, history=1, ttl=ttl, storage=StorageType.FILE,
                         replicas=replicas)
    try:
        return await js.create_key_value(cfg)
    except Exception as exc:
        # another process created it meanwhile: fine if it is there now
        try:
            return await js.key_value(bucket)
        except Exception:
            raise exc from None
