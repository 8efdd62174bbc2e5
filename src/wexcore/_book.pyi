"""Type stubs for the order book kernel (cext/wexcore/_book.pyx)."""

import enum
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Final, Literal, TypeAlias, final

import numpy as np
import numpy.typing as npt
from typing_extensions import Buffer

_Message: TypeAlias = bytes | bytearray | memoryview | str | dict[str, Any]
_DecimalLike: TypeAlias = str | int | float | Decimal
_Side: TypeAlias = Literal["bid", "bids", "ask", "asks"]

MAX_PRECISION: Final[int]

class ApplyResult(enum.IntEnum):
    """What ``apply``/``load_snapshot``/``replace``/``apply_frames`` did with a
    message (the C API's ``wex_status``)."""

    STALE = 0
    APPLIED = 1
    CROSSED = 2
    GAP = 3
    ERROR = 4

def decimal_to_ticks(value: _DecimalLike, precision: int) -> int:
    """Exact decimal -> integer ticks at ``precision``; PrecisionError when finer."""

@final
class DepthParser:
    """Reusable depth decoder: raw message -> int64 tick arrays.

    ``parse`` fills internal arrays (no allocation per message once warm);
    ``bids()``/``asks()`` copy them out.
    """

    @property
    def price_precision(self) -> int: ...
    @property
    def quantity_precision(self) -> int: ...
    def __init__(self, price_precision: int, quantity_precision: int) -> None: ...
    def parse(self, message: _Message) -> int:
        """Decode one depth message; returns the number of levels on both sides."""
    @property
    def first_id(self) -> int | None: ...
    @property
    def last_id(self) -> int | None: ...
    @property
    def previous_id(self) -> int | None: ...
    @property
    def symbol(self) -> str | None: ...
    @property
    def topic(self) -> str | None: ...
    def bids(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]: ...
    def asks(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]: ...

def parse_depth(
    message: _Message, price_precision: int, quantity_precision: int
) -> dict[str, Any]:
    """One depth message -> ``first_id``, ``last_id``, ``previous_id``, ``symbol``
    and int64 arrays ``bid_prices``, ``bid_quantities``, ``ask_prices``,
    ``ask_quantities`` (ticks)."""

def _scan_loop(frames: list[bytes], price_precision: int, quantity_precision: int) -> int:
    """Benchmark floor: scan every frame in one C loop; total levels."""

@final
class OrderBook:
    """An exact L2 order book for one symbol (see the module docstring).

    Not thread-safe: share between threads only under the caller's lock.
    """

    @property
    def symbol(self) -> str: ...
    @property
    def product(self) -> str: ...
    @property
    def price_precision(self) -> int: ...
    @property
    def quantity_precision(self) -> int: ...
    def __init__(
        self,
        symbol: str,
        price_precision: int,
        quantity_precision: int,
        *,
        product: Literal["spot", "futures"] = "spot",
    ) -> None: ...
    # -- updates
    def apply(self, message: _Message) -> ApplyResult:
        """Apply one depth_update (raw bytes or dict); STALE, APPLIED or CROSSED.

        Raises SequenceGap (book unchanged, marked out of sync), DecodeError,
        PrecisionError.
        """
    def load_snapshot(self, snapshot: _Message) -> ApplyResult:
        """Replace the book from a REST depth body (spot or futures envelope, or
        its ``result`` object) and start syncing from its update id."""
    def replace(self, message: _Message) -> ApplyResult:
        """Replace the contents with a limited-depth (``depth@``) message."""
    def apply_frames(
        self, frames: Iterable[bytes | bytearray | memoryview | str]
    ) -> tuple[list[ApplyResult], Exception | None]:
        """Apply raw frames in order with the GIL released for the batch.

        Returns one status per frame processed, stopping at the first GAP or
        ERROR, and the exception ``apply`` would have raised for that frame
        (returned, not raised), or None.
        """
    def apply_levels(
        self,
        first_id: int,
        last_id: int,
        bid_prices: Buffer,
        bid_quantities: Buffer,
        ask_prices: Buffer,
        ask_quantities: Buffer,
        previous_id: int | None = None,
    ) -> ApplyResult:
        """Apply one pre-parsed update given as int64 tick arrays."""
    def apply_many(
        self,
        ids: Buffer,
        bid_offsets: Buffer,
        bid_prices: Buffer,
        bid_quantities: Buffer,
        ask_offsets: Buffer,
        ask_prices: Buffer,
        ask_quantities: Buffer,
    ) -> int:
        """Apply a batch of pre-parsed updates with the GIL released; returns
        the number applied (stale ones skipped)."""
    def clear(self) -> None: ...
    # -- state
    @property
    def last_update_id(self) -> int: ...
    @property
    def in_sync(self) -> bool: ...
    @property
    def bid_count(self) -> int: ...
    @property
    def ask_count(self) -> int: ...
    @property
    def nbytes(self) -> int: ...
    def __len__(self) -> int: ...
    def is_crossed(self) -> bool: ...
    # -- reads
    def best_bid(self) -> tuple[float, float] | None: ...
    def best_ask(self) -> tuple[float, float] | None: ...
    def best_bid_ticks(self) -> tuple[int, int] | None: ...
    def best_ask_ticks(self) -> tuple[int, int] | None: ...
    def spread(self) -> float | None: ...
    def mid(self) -> float | None: ...
    def bids(self, n: int = 10) -> npt.NDArray[np.float64]:
        """Top ``n`` bids, best first, shape (k, 2): price, quantity."""
    def asks(self, n: int = 10) -> npt.NDArray[np.float64]:
        """Top ``n`` asks, best first, shape (k, 2): price, quantity."""
    def bid_ticks(self, n: int = 10) -> npt.NDArray[np.int64]: ...
    def ask_ticks(self, n: int = 10) -> npt.NDArray[np.int64]: ...
    def quantity_at(self, price: _DecimalLike, side: _Side | None = None) -> float: ...
    def quantity_ticks_at(self, price: _DecimalLike, side: _Side | None = None) -> int: ...
    def cumulative_depth(self, side: _Side, n: int = 10) -> npt.NDArray[np.float64]: ...
    def fill_cost(
        self, side: Literal["buy", "sell"], quantity: _DecimalLike
    ) -> tuple[float, float, float | None]:
        """``(filled, cost, vwap)`` of taking ``quantity``: buy walks asks, sell bids."""
    def checksum(self, levels: int = 25) -> int:
        """CRC-32 over the top ``levels`` levels (bids then asks, int64 LE pairs)."""
