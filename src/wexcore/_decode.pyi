"""Type stubs for wexcore._decode (the message decoding kernel)."""

import enum
from typing import Any, ClassVar, Final, Generic, TypeVar, final, overload

import numpy as np
import numpy.typing as npt
from typing_extensions import disjoint_base

__all__ = [
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
    "ErrorMessage",
    "UnknownMessage",
    "Side",
    "OrderState",
    "OrderType",
    "TimeInForce",
    "PositionSide",
    "PositionType",
    "NotifyType",
    "PONG",
    "MAX_DEPTH",
    "MAX_NUMBER_LENGTH",
]

MAX_DEPTH: Final[int]
MAX_NUMBER_LENGTH: Final[int]

class Side(enum.StrEnum):
    BUY = "BUY"
    SELL = "SELL"

class OrderState(enum.StrEnum):
    NEW = "NEW"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"

class OrderType(enum.StrEnum):
    LIMIT = "LIMIT"
    MARKET = "MARKET"

class TimeInForce(enum.StrEnum):
    GTC = "GTC"
    IOC = "IOC"
    FOK = "FOK"
    GTX = "GTX"

class PositionSide(enum.StrEnum):
    LONG = "LONG"
    SHORT = "SHORT"

class PositionType(enum.StrEnum):
    ISOLATED = "ISOLATED"
    CROSSED = "CROSSED"

class NotifyType(enum.StrEnum):
    WARN = "WARN"
    PARTIAL = "PARTIAL"
    LIQUIDATION = "LIQUIDATION"
    ADL = "ADL"

_T = TypeVar("_T")

@disjoint_base
class _Field(Generic[_T]):
    """Read-only descriptor: one decoded value, made on access."""

    @property
    def name(self) -> str: ...
    def __init__(self, *args: Any, **kwargs: Any) -> None: ...
    @overload
    def __get__(self, obj: None, owner: type | None = None, /) -> _Field[_T]: ...
    @overload
    def __get__(self, obj: Event, owner: type | None = None, /) -> _T: ...

@disjoint_base
class Event:
    """Base of every decoded push message; values are made on access."""

    _FIELDS: ClassVar[tuple[str, ...]]
    @property
    def topic(self) -> str | None: ...
    @property
    def event(self) -> str | None: ...
    @property
    def unknown(self) -> bool: ...
    def as_dict(self) -> dict[str, Any]: ...

@disjoint_base
class _DepthBase(Event):
    @property
    def bids(self) -> npt.NDArray[np.float64]: ...
    @property
    def asks(self) -> npt.NDArray[np.float64]: ...
    @property
    def bid_strings(self) -> list[tuple[str, str]]: ...
    @property
    def ask_strings(self) -> list[tuple[str, str]]: ...
    @property
    def bid_count(self) -> int: ...
    @property
    def ask_count(self) -> int: ...

@final
class Trade(Event):
    symbol: _Field[str]
    time: _Field[int]
    trade_id: _Field[int | None]
    order_id: _Field[int | None]
    price: _Field[float]
    price_string: _Field[str]
    quantity: _Field[float]
    quantity_string: _Field[str]
    quote_quantity: _Field[float | None]
    quote_quantity_string: _Field[str | None]
    buyer_is_maker: _Field[bool | None]
    @property
    def side(self) -> Side | str | None: ...

@final
class UserTrade(Event):
    symbol: _Field[str]
    time: _Field[int]
    trade_id: _Field[int | None]
    order_id: _Field[int]
    client_order_id: _Field[str | None]
    price: _Field[float]
    price_string: _Field[str]
    quantity: _Field[float]
    quantity_string: _Field[str]
    quote_quantity: _Field[float | None]
    quote_quantity_string: _Field[str | None]
    buyer_is_maker: _Field[bool | None]
    is_maker: _Field[bool | None]
    side: _Field[Side | str | None]
    position_side: _Field[PositionSide | str | None]
    margin_unfrozen: _Field[float | None]
    margin_unfrozen_string: _Field[str | None]
    fee: _Field[float | None]
    fee_string: _Field[str | None]

@final
class Kline(Event):
    symbol: _Field[str]
    time: _Field[int]
    @property
    def interval(self) -> str | None: ...
    open: _Field[float]
    open_string: _Field[str]
    close: _Field[float]
    close_string: _Field[str]
    high: _Field[float]
    high_string: _Field[str]
    low: _Field[float]
    low_string: _Field[str]
    volume: _Field[float | None]
    volume_string: _Field[str | None]
    quote_volume: _Field[float | None]
    quote_volume_string: _Field[str | None]
    change_rate: _Field[float | None]
    change_rate_string: _Field[str | None]

@final
class Ticker(Event):
    symbol: _Field[str]
    time: _Field[int]
    open: _Field[float | None]
    open_string: _Field[str | None]
    close: _Field[float]
    close_string: _Field[str]
    high: _Field[float | None]
    high_string: _Field[str | None]
    low: _Field[float | None]
    low_string: _Field[str | None]
    volume: _Field[float | None]
    volume_string: _Field[str | None]
    quote_volume: _Field[float | None]
    quote_volume_string: _Field[str | None]
    change_value: _Field[float | None]
    change_value_string: _Field[str | None]
    change_rate: _Field[float | None]
    change_rate_string: _Field[str | None]
    index_price: _Field[float | None]
    index_price_string: _Field[str | None]
    mark_price: _Field[float | None]
    mark_price_string: _Field[str | None]
    best_bid_price: _Field[float | None]
    best_bid_price_string: _Field[str | None]
    best_ask_price: _Field[float | None]
    best_ask_price_string: _Field[str | None]

@final
class IndexPrice(Event):
    symbol: _Field[str]
    time: _Field[int]
    price: _Field[float]
    price_string: _Field[str]

@final
class MarkPrice(Event):
    symbol: _Field[str]
    time: _Field[int]
    price: _Field[float]
    price_string: _Field[str]

@final
class FundingRate(Event):
    symbol: _Field[str]
    time: _Field[int]
    rate: _Field[float]
    rate_string: _Field[str]

@final
class OrderUpdate(Event):
    symbol: _Field[str]
    time: _Field[int | None]
    create_time: _Field[int | None]
    order_id: _Field[int]
    client_order_id: _Field[str | None]
    state: _Field[OrderState | str]
    side: _Field[Side | str]
    order_type: _Field[OrderType | str | None]
    time_in_force: _Field[TimeInForce | str | None]
    price: _Field[float | None]
    price_string: _Field[str | None]
    average_price: _Field[float | None]
    average_price_string: _Field[str | None]
    original_quantity: _Field[float | None]
    original_quantity_string: _Field[str | None]
    original_quote_quantity: _Field[float | None]
    original_quote_quantity_string: _Field[str | None]
    executed_quantity: _Field[float | None]
    executed_quantity_string: _Field[str | None]
    remaining_quantity: _Field[float | None]
    remaining_quantity_string: _Field[str | None]
    fee: _Field[float | None]
    fee_string: _Field[str | None]
    base_currency: _Field[str | None]
    quote_currency: _Field[str | None]
    position_side: _Field[PositionSide | str | None]
    position_type: _Field[PositionType | str | None]
    margin_frozen: _Field[float | None]
    margin_frozen_string: _Field[str | None]
    source_type: _Field[str | None]
    category: _Field[str | None]
    leverage: _Field[int | None]

@final
class BalanceUpdate(Event):
    currency: _Field[str]
    time: _Field[int | None]
    account_id: _Field[int | None]
    balance: _Field[float | None]
    balance_string: _Field[str | None]
    frozen: _Field[float | None]
    frozen_string: _Field[str | None]
    business_type: _Field[str | None]
    symbol: _Field[str | None]
    underlying_type: _Field[int | str | None]
    open_order_margin_frozen: _Field[float | None]
    open_order_margin_frozen_string: _Field[str | None]
    isolated_margin: _Field[float | None]
    isolated_margin_string: _Field[str | None]
    crossed_margin: _Field[float | None]
    crossed_margin_string: _Field[str | None]

@final
class PositionUpdate(Event):
    symbol: _Field[str]
    contract_type: _Field[str | None]
    position_type: _Field[PositionType | str | None]
    position_side: _Field[PositionSide | str | None]
    position_size: _Field[float | None]
    position_size_string: _Field[str | None]
    close_order_size: _Field[float | None]
    close_order_size_string: _Field[str | None]
    available_close_size: _Field[float | None]
    available_close_size_string: _Field[str | None]
    realized_profit: _Field[float | None]
    realized_profit_string: _Field[str | None]
    entry_price: _Field[float | None]
    entry_price_string: _Field[str | None]
    isolated_margin: _Field[float | None]
    isolated_margin_string: _Field[str | None]
    open_order_margin_frozen: _Field[float | None]
    open_order_margin_frozen_string: _Field[str | None]
    underlying_type: _Field[int | str | None]
    leverage: _Field[int | None]

@final
class Notify(Event):
    symbol: _Field[str]
    position_type: _Field[PositionType | str | None]
    position_side: _Field[PositionSide | str | None]
    position_size: _Field[float | None]
    position_size_string: _Field[str | None]
    notify_type: _Field[NotifyType | str]

@final
class DepthUpdate(_DepthBase):
    symbol: _Field[str]
    time: _Field[int | None]
    first_update_id: _Field[int]
    last_update_id: _Field[int]
    previous_update_id: _Field[int | None]

@final
class DepthSnapshot(_DepthBase):
    symbol: _Field[str]
    time: _Field[int | None]
    update_id: _Field[int]

@final
class Reply:
    """Answer to subscribe/unsubscribe: ``{"id", "code", "msg"}``."""

    @property
    def id(self) -> str | int | None: ...
    @property
    def code(self) -> int: ...
    @property
    def msg(self) -> str | None: ...
    def __init__(self, id: str | int | None, code: int, msg: str | None) -> None: ...
    @property
    def ok(self) -> bool: ...
    @property
    def topic(self) -> None: ...
    @property
    def unknown(self) -> bool: ...
    def as_dict(self) -> dict[str, Any]: ...

@final
class Pong:
    @property
    def topic(self) -> None: ...
    @property
    def unknown(self) -> bool: ...

PONG: Final[Pong]

@final
class ErrorMessage:
    @property
    def text(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def topic(self) -> str | None: ...
    def __init__(self, text: str, reason: str, topic: str | None = None) -> None: ...
    @property
    def unknown(self) -> bool: ...

@final
class UnknownMessage:
    @property
    def topic(self) -> Any: ...
    @property
    def event(self) -> Any: ...
    @property
    def data(self) -> Any: ...
    @property
    def message(self) -> Any: ...
    def __init__(self, topic: Any, event: Any, data: Any, message: Any) -> None: ...
    @property
    def unknown(self) -> bool: ...

_AnyEvent = (
    Trade | UserTrade | Kline | Ticker | IndexPrice | MarkPrice | FundingRate | DepthUpdate
    | DepthSnapshot | OrderUpdate | BalanceUpdate | PositionUpdate | Notify | Reply | Pong
    | ErrorMessage | UnknownMessage
)

def decode(frame: bytes | bytearray | memoryview | str) -> _AnyEvent | list[Ticker]:
    """Decode one WebSocket frame into its event (a list of Ticker for ``tickers``)."""
