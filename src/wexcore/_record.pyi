"""Type stubs for the bus record kernel (cext/wexcore/_record.pyx)."""

from typing import Any, Final, TypeAlias, final

import numpy as np
import numpy.typing as npt
from typing_extensions import Buffer, disjoint_base

_Int64s: TypeAlias = Buffer | npt.NDArray[np.int64] | npt.NDArray[Any]

KIND_DELTA: Final[int]
KIND_SNAPSHOT: Final[int]
KIND_TRADE: Final[int]
FLAG_FUTURES: Final[int]
FLAG_PREVIOUS: Final[int]
FLAG_BUYER_MAKER: Final[int]
HEADER_SIZE: Final[int]
POSITION_BEHIND: Final[int]
POSITION_NEXT: Final[int]
POSITION_AHEAD: Final[int]
FOLLOW_STALE: Final[int]
FOLLOW_APPLIED: Final[int]
FOLLOW_SNAPSHOT: Final[int]
FOLLOW_IGNORED: Final[int]
FOLLOW_NEW_OWNER: Final[int]
FOLLOW_OWNER_GAP: Final[int]
FOLLOW_RECORD_GAP: Final[int]
FOLLOW_UPDATE_GAP: Final[int]
FOLLOW_CROSSED: Final[int]

def encode_levels(
    kind: int,
    symbol: str,
    price_precision: int,
    quantity_precision: int,
    epoch: int,
    seq: int,
    first_id: int,
    last_id: int,
    previous_id: int | None,
    time_ns: int,
    bid_prices: _Int64s,
    bid_quantities: _Int64s,
    ask_prices: _Int64s,
    ask_quantities: _Int64s,
    futures: bool = False,
    stream_seq: int = 0,
) -> bytes:
    """A delta or whole-book record from int64 tick arrays."""

@final
class DeltaEncoder:
    """Depth frames straight into delta records (a feed's per-frame path)."""

    def __init__(self, symbol: str, price_precision: int, quantity_precision: int,
                 futures: bool = False) -> None: ...
    def decode(self, frame: bytes) -> int:
        """Decode one depth frame; returns its number of levels."""
    @property
    def first_id(self) -> int | None: ...
    @property
    def last_id(self) -> int | None: ...
    @property
    def previous_id(self) -> int | None: ...
    def record(self, epoch: int, seq: int, time_ns: int) -> bytes:
        """The delta record of the last decoded frame."""

def encode_trade(
    symbol: str,
    price_precision: int,
    quantity_precision: int,
    epoch: int,
    seq: int,
    trade_id: int,
    price: int,
    quantity: int,
    trade_time_ms: int,
    time_ns: int,
    buyer_is_maker: bool,
    futures: bool = False,
) -> bytes:
    """A public trade record (price and quantity in ticks)."""

def with_stream_seq(data: bytes, stream_seq: int) -> bytes:
    """A copy of the record with its ``stream_seq`` field set."""

@final
class Int64Span:
    """A read-only zero-copy int64 view into a record (keeps it alive)."""

    def __len__(self) -> int: ...
    def tolist(self) -> list[int]: ...

@final
class Record:
    """A validated record; level arrays are zero-copy views into ``data``."""

    @property
    def data(self) -> bytes: ...
    def __init__(self, data: bytes) -> None: ...
    @property
    def kind(self) -> int: ...
    @property
    def futures(self) -> bool: ...
    @property
    def symbol(self) -> str: ...
    @property
    def price_precision(self) -> int: ...
    @property
    def quantity_precision(self) -> int: ...
    @property
    def epoch(self) -> int: ...
    @property
    def seq(self) -> int: ...
    @property
    def first_id(self) -> int: ...
    @property
    def last_id(self) -> int: ...
    @property
    def previous_id(self) -> int | None: ...
    @property
    def time_ns(self) -> int: ...
    @property
    def stream_seq(self) -> int: ...
    @property
    def n_bids(self) -> int: ...
    @property
    def n_asks(self) -> int: ...
    def bids(self) -> tuple[Int64Span, Int64Span]: ...
    def asks(self) -> tuple[Int64Span, Int64Span]: ...
    @property
    def trade(self) -> tuple[int, int, int, bool] | None: ...
    def snapshot_body(self) -> bytes:
        """The book as ``{"lastUpdateId","bids","asks"}`` with exact decimal strings."""

@disjoint_base
class BookFollower:
    """Keeps one order book equal to a symbol's record stream."""

    book: Any
    epoch: int
    seq: int
    synced: bool
    last_time_ns: int
    applied: int
    snapshots: int
    stale: int
    ignored: int
    stopped_at: int
    taken: int
    def __init__(self, book: Any) -> None: ...
    def position(self, data: bytes) -> int:
        """``POSITION_NEXT``, ``POSITION_BEHIND`` or ``POSITION_AHEAD``, applying nothing."""
    def load(self, data: bytes) -> int:
        """Load a snapshot record unconditionally; ``FOLLOW_SNAPSHOT`` or ``FOLLOW_CROSSED``."""
    def feed(self, data: bytes) -> int:
        """Apply one record from the stream; returns a ``FOLLOW_*`` code."""
    def feed_many(self, records: list[bytes]) -> int:
        """Apply the deltas up to the first other record with one ``apply_many`` call."""
