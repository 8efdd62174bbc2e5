"""Typed, exact results of every REST endpoint (msgspec Structs).

Each endpoint row of :mod:`wexcore.rest.endpoints` names the type its
``result`` decodes into; the response bytes are decoded straight into these
types in one pass (no dict in between). Rules, for every type here:

* **Exact numbers.** Prices, quantities, amounts, fees and rates are
  :class:`~decimal.Decimal`, whether the server wrote a JSON string
  (``"40000.5"``) or a JSON number (``0.12345678901234567890`` stays exactly
  that, never a float). Ids and times are ``int`` of any size, from a JSON
  number or a digit string.
* **Tolerant enums.** Sides, states, order types... are ``StrEnum`` members
  that compare equal to the wire text (``order.state == "NEW"``). A value a
  newer server adds decodes to a pseudo-member (``OrderState("HALTED")``,
  ``.known`` is ``False``) instead of failing the call; the enums match the
  wire text case-insensitively (spot sends ``"taker"``, futures ``"TAKER"``).
* **Tolerant shapes.** Fields the documentation marks as always present and
  that identify the object (``order_id``, ``symbol``, ``state`` of an order)
  are required; the rest default to ``None`` when absent. Unknown extra fields
  are ignored. An empty string or ``null`` where a number belongs reads as
  ``None``. Known alternative spellings are accepted (``hasPre`` for
  ``hasPrev``).
* **Immutable.** Results are frozen (hashable when they hold no lists), cheap
  to keep, and pickle.

Field names are the wire names in ``snake_case`` (``origQty`` ->
``orig_qty``); the one-letter market-data keys get full names (``p`` ->
``price``, ``s`` -> ``symbol``). The raw envelope of any call stays
reachable: ``client.raw("get_order", order_id=...)`` returns the status,
headers and exact body (:class:`RawResponse`).
"""

from __future__ import annotations

import enum
import threading
from decimal import Decimal
from typing import Any, Generic, TypeVar

import msgspec
from msgspec import field

__all__ = [
    # enums
    "WexEnum",
    "Side",
    "OrderState",
    "OrderType",
    "TimeInForce",
    "PositionSide",
    "PositionType",
    "SymbolState",
    "BizType",
    "TransferStatus",
    "TriggerState",
    "EntrustType",
    "TriggerPriceType",
    "TakerMaker",
    "ContractType",
    # generic containers
    "Page",
    "PriceLevel",
    "RawResponse",
    # spot
    "ServerTime",
    "ClientIp",
    "SymbolFilter",
    "SpotSymbol",
    "SpotSymbols",
    "SpotDepth",
    "SpotKline",
    "PublicTrade",
    "SpotTicker",
    "TickerPrice",
    "BookTicker",
    "Ticker24h",
    "SpotOrder",
    "SpotPlaceOrderResult",
    "SpotCancelResult",
    "BatchOrderItem",
    "BatchOrderResult",
    "AmendResult",
    "SpotUserTrade",
    "Currency",
    "SpotBalance",
    "SpotBalances",
    "SupportChain",
    "WalletCurrency",
    "DepositAddress",
    "Deposit",
    "WithdrawResult",
    "Withdrawal",
    "WsToken",
    # futures
    "FuturesSymbol",
    "LeverageBracket",
    "LeverageBrackets",
    "FuturesTicker",
    "FuturesTrade",
    "FuturesDepth",
    "PriceTick",
    "FuturesKline",
    "AggTicker",
    "FundingRateRecord",
    "RiskFundBalance",
    "OpenInterest",
    "FuturesOrder",
    "FuturesUserTrade",
    "TriggerOrder",
    "TpslOrder",
    "TrailingOrder",
    "FilledOrderSummary",
    "EntrustRecord",
    "FuturesPosition",
    "LeverageInfo",
    "PositionHistory",
    "FuturesAccountInfo",
    "FuturesBalance",
    "AccountBill",
    "FundingFee",
    "StepRate",
    "AdlInfo",
    "AdlRecord",
    "TakeoverRecord",
]

_T = TypeVar("_T")


# ---------------------------------------------------------------- enums
class WexEnum(enum.StrEnum):
    """A ``StrEnum`` that accepts values it does not list.

    ``Side("BUY") is Side.BUY``; ``Side("buy") is Side.BUY`` (wire text is
    matched case-insensitively); ``Side("BID")`` is a pseudo-member whose
    value and name are ``"BID"``, equal to the string ``"BID"``, with
    ``.known`` ``False`` -- a newer server's value never fails a call. The
    same unknown value always gives the same pseudo-member.
    """

    @property
    def known(self) -> bool:
        """``True`` for a member this version of wexcore lists."""
        return self._name_ in type(self).__members__

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        member = cls._value2member_map_.get(value.upper())
        if member is not None:
            return member
        with _PSEUDO_LOCK:
            member = cls._value2member_map_.get(value)
            if member is None:
                member = str.__new__(cls, value)
                member._name_ = value
                member._value_ = value
                # Cached so the same text gives the same object; bounded so a
                # hostile server cannot grow it without end.
                if len(cls._value2member_map_) < 512:
                    cls._value2member_map_[value] = member
        return member


_PSEUDO_LOCK = threading.Lock()


class Side(WexEnum):
    """Order side (futures market trades may say ``BID``/``ASK``: the taker's side)."""

    BUY = "BUY"
    SELL = "SELL"


class OrderState(WexEnum):
    """Order state (spot "Public module"; futures adds ``PARTIALLY_CANCELED``)."""

    NEW = "NEW"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    REJECTED = "REJECTED"
    EXPIRED = "EXPIRED"
    PARTIALLY_CANCELED = "PARTIALLY_CANCELED"

    @property
    def is_final(self) -> bool:
        """``True`` when the order can no longer fill (filled, canceled, rejected, expired)."""
        return self in _FINAL_STATES


_FINAL_STATES = frozenset(
    {"FILLED", "CANCELED", "REJECTED", "EXPIRED", "PARTIALLY_CANCELED"}
)


class OrderType(WexEnum):
    LIMIT = "LIMIT"
    MARKET = "MARKET"


class TimeInForce(WexEnum):
    GTC = "GTC"
    IOC = "IOC"
    FOK = "FOK"
    GTX = "GTX"


class PositionSide(WexEnum):
    LONG = "LONG"
    SHORT = "SHORT"
    BOTH = "BOTH"


class PositionType(WexEnum):
    CROSSED = "CROSSED"
    ISOLATED = "ISOLATED"


class SymbolState(WexEnum):
    ONLINE = "ONLINE"
    OFFLINE = "OFFLINE"
    DELISTED = "DELISTED"


class BizType(WexEnum):
    SPOT = "SPOT"
    LEVER = "LEVER"
    FINANCE = "FINANCE"
    FUTURES_U = "FUTURES_U"
    FUTURES_C = "FUTURES_C"


class TransferStatus(WexEnum):
    """Deposit / withdrawal status."""

    SUBMIT = "SUBMIT"
    REVIEW = "REVIEW"
    AUDITED = "AUDITED"
    AUDITED_AGAIN = "AUDITED_AGAIN"
    PENDING = "PENDING"
    SUCCESS = "SUCCESS"
    FAIL = "FAIL"
    CANCEL = "CANCEL"


class TriggerState(WexEnum):
    """State of a futures trigger (plan), TP/SL or trailing order."""

    NOT_TRIGGERED = "NOT_TRIGGERED"
    TRIGGERING = "TRIGGERING"
    TRIGGERED = "TRIGGERED"
    USER_REVOCATION = "USER_REVOCATION"
    PLATFORM_REVOCATION = "PLATFORM_REVOCATION"
    EXPIRED = "EXPIRED"


class EntrustType(WexEnum):
    TAKE_PROFIT = "TAKE_PROFIT"
    STOP = "STOP"
    TAKE_PROFIT_MARKET = "TAKE_PROFIT_MARKET"
    STOP_MARKET = "STOP_MARKET"


class TriggerPriceType(WexEnum):
    INDEX_PRICE = "INDEX_PRICE"
    MARK_PRICE = "MARK_PRICE"
    LATEST_PRICE = "LATEST_PRICE"


class TakerMaker(WexEnum):
    TAKER = "TAKER"
    MAKER = "MAKER"


class ContractType(WexEnum):
    PERPETUAL = "PERPETUAL"
    PREDICT = "PREDICT"
    DELIVERY = "DELIVERY"


# ---------------------------------------------------------------- base
class Model(
    msgspec.Struct,
    rename="camel",
    frozen=True,
    gc=False,
    kw_only=True,
    repr_omit_defaults=True,
):
    """Base of every result type: wire names are the fields' camelCase."""


#: One book level, ``(price, quantity)``.
PriceLevel = tuple[Decimal, Decimal]


class Page(Model, Generic[_T], frozen=True, kw_only=True):
    """A page of a list endpoint: ``items`` plus whichever paging fields the
    endpoint sends (cursor endpoints ``has_next``/``has_prev``; page
    endpoints ``page``, ``ps`` (page size) and ``total``)."""

    items: list[_T] = []
    has_next: bool | None = None
    has_prev: bool | None = None
    page: int | None = None
    ps: int | None = None
    total: int | None = None
    # futures track-list-history spells it "hasPre"
    has_pre: bool | None = field(default=None, name="hasPre")

    def __post_init__(self) -> None:
        if self.has_prev is None and self.has_pre is not None:
            msgspec.structs.force_setattr(self, "has_prev", self.has_pre)


_PLAIN_JSON: msgspec.json.Decoder[Any] = msgspec.json.Decoder(float_hook=Decimal)


class RawResponse(msgspec.Struct, frozen=True, gc=False):
    """One response as received (``client.raw(...)``): HTTP status, headers
    (lower-case names) and the exact body bytes."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body decoded, every JSON number with a fraction as an exact
        ``Decimal`` and every integer as ``int``."""
        return _PLAIN_JSON.decode(self.body)


# ---------------------------------------------------------------- spot
class ServerTime(Model, frozen=True, kw_only=True):
    server_time: int


class ClientIp(Model, frozen=True, kw_only=True):
    ip: str


class SymbolFilter(Model, frozen=True, kw_only=True):
    """One entry of a spot symbol's ``filters``; ``filter`` says which kind
    (PRICE, QUANTITY, QUOTE_QTY, PROTECTION_LIMIT, PROTECTION_MARKET,
    PROTECTION_ONLINE) and which of the other fields it carries."""

    filter: str
    min: Decimal | None = None
    max: Decimal | None = None
    tick_size: Decimal | None = None
    buy_max_deviation: Decimal | None = None
    buy_price_limit_coefficient: Decimal | None = None
    sell_max_deviation: Decimal | None = None
    sell_price_limit_coefficient: Decimal | None = None
    max_deviation: Decimal | None = None
    duration_seconds: int | None = None
    max_price_multiple: Decimal | None = None


class SpotSymbol(Model, frozen=True, kw_only=True):
    symbol: str
    state: SymbolState | None = None
    trading_enabled: bool | None = None
    openapi_enabled: bool | None = None
    next_state_time: int | None = None
    next_state: str | None = None
    depth_merge_precision: int | None = None
    base_currency: str | None = None
    base_currency_precision: int | None = None
    quote_currency: str | None = None
    quote_currency_precision: int | None = None
    price_precision: int | None = None
    quantity_precision: int | None = None
    taker_fee_rate: Decimal | None = None
    maker_fee_rate: Decimal | None = None
    order_types: list[OrderType] = []
    time_in_forces: list[TimeInForce] = []
    display_weight: int | None = None
    display_level: str | None = None
    filters: list[SymbolFilter] = []


class SpotSymbols(Model, frozen=True, kw_only=True):
    """``symbols`` is ``None`` when the request's ``version`` is current."""

    time: int | None = None
    version: str | None = None
    symbols: list[SpotSymbol] | None = None


class SpotDepth(Model, frozen=True, kw_only=True):
    last_update_id: int
    timestamp: int | None = None
    bids: list[PriceLevel] = []
    asks: list[PriceLevel] = []


class SpotKline(Model, frozen=True, kw_only=True):
    time: int = field(name="t")
    open: Decimal = field(name="o")
    close: Decimal = field(name="c")
    high: Decimal = field(name="h")
    low: Decimal = field(name="l")
    quantity: Decimal | None = field(default=None, name="q")
    quote_volume: Decimal | None = field(default=None, name="v")


class PublicTrade(Model, frozen=True, kw_only=True):
    """A spot market trade (recent or historical)."""

    id: int = field(name="i")
    time: int = field(name="t")
    price: Decimal = field(name="p")
    quantity: Decimal = field(name="q")
    quote_volume: Decimal | None = field(default=None, name="v")
    buyer_maker: bool | None = field(default=None, name="b")


class TickerPrice(Model, frozen=True, kw_only=True):
    symbol: str = field(name="s")
    time: int | None = field(default=None, name="t")
    price: Decimal | None = field(default=None, name="p")


class BookTicker(Model, frozen=True, kw_only=True):
    """Best bid and ask (spot and futures)."""

    symbol: str = field(name="s")
    time: int | None = field(default=None, name="t")
    ask_price: Decimal | None = field(default=None, name="ap")
    ask_qty: Decimal | None = field(default=None, name="aq")
    bid_price: Decimal | None = field(default=None, name="bp")
    bid_qty: Decimal | None = field(default=None, name="bq")


class Ticker24h(Model, frozen=True, kw_only=True):
    """24 h statistics of a spot symbol."""

    symbol: str = field(name="s")
    time: int | None = field(default=None, name="t")
    change_value: Decimal | None = field(default=None, name="cv")
    change_rate: Decimal | None = field(default=None, name="cr")
    open: Decimal | None = field(default=None, name="o")
    low: Decimal | None = field(default=None, name="l")
    high: Decimal | None = field(default=None, name="h")
    close: Decimal | None = field(default=None, name="c")
    quantity: Decimal | None = field(default=None, name="q")
    quote_volume: Decimal | None = field(default=None, name="v")


class SpotTicker(Ticker24h, frozen=True, kw_only=True):
    """Full ticker: the 24 h statistics and the best bid/ask."""

    ask_price: Decimal | None = field(default=None, name="ap")
    ask_qty: Decimal | None = field(default=None, name="aq")
    bid_price: Decimal | None = field(default=None, name="bp")
    bid_qty: Decimal | None = field(default=None, name="bq")


class SpotOrder(Model, frozen=True, kw_only=True):
    """A spot order as ``get_order``, ``query_order``, ``open_orders``,
    ``get_orders`` and ``order_history`` return it."""

    symbol: str
    order_id: int
    state: OrderState
    client_order_id: str | None = None
    base_currency: str | None = None
    quote_currency: str | None = None
    side: Side | None = None
    type: OrderType | None = None
    time_in_force: TimeInForce | None = None
    price: Decimal | None = None
    orig_qty: Decimal | None = None
    orig_quote_qty: Decimal | None = None
    executed_qty: Decimal | None = None
    leaving_qty: Decimal | None = None
    trade_base: Decimal | None = None
    trade_quote: Decimal | None = None
    avg_price: Decimal | None = None
    fee: Decimal | None = None
    fee_currency: str | None = None
    time: int | None = None
    ip: str | None = None
    updated_time: int | None = None


class SpotPlaceOrderResult(Model, frozen=True, kw_only=True):
    order_id: int
    ip: str | None = None


class SpotCancelResult(Model, frozen=True, kw_only=True):
    cancel_id: int


class BatchOrderItem(Model, frozen=True, kw_only=True):
    index: int | None = None
    client_order_id: str | None = None
    order_id: int | None = None
    reject: bool | None = None
    reason: str | None = None


class BatchOrderResult(Model, frozen=True, kw_only=True):
    batch_id: str | None = None
    items: list[BatchOrderItem] = []


class AmendResult(Model, frozen=True, kw_only=True):
    order_id: int
    modify_id: int | None = None


class SpotUserTrade(Model, frozen=True, kw_only=True):
    """One of the account's spot fills (``my_trades``)."""

    symbol: str
    trade_id: int
    order_id: int
    order_side: Side | None = None
    order_type: OrderType | None = None
    biz_type: BizType | None = None
    time: int | None = None
    price: Decimal | None = None
    quantity: Decimal | None = None
    quote_qty: Decimal | None = None
    base_currency: str | None = None
    quote_currency: str | None = None
    taker_maker: TakerMaker | None = None
    deduct_type: str | None = None
    deduct_fee: Decimal | None = None
    fee: Decimal | None = None
    fee_currency: str | None = None
    coupon_amount: Decimal | None = None
    coupon_currency: str | None = None


class Currency(Model, frozen=True, kw_only=True):
    currency: str
    id: int | None = None
    full_name: str | None = None
    logo: str | None = None
    cmc_link: str | None = None
    weight: int | None = None
    max_precision: int | None = None
    deposit_status: int | None = None
    withdraw_status: int | None = None
    convert_enabled: int | None = None
    transfer_enabled: int | None = None


class SpotBalance(Model, frozen=True, kw_only=True):
    currency: str
    currency_id: int | None = None
    frozen_amount: Decimal | None = None
    available_amount: Decimal | None = None
    total_amount: Decimal | None = None
    convert_btc_amount: Decimal | None = None


class SpotBalances(Model, frozen=True, kw_only=True):
    total_btc_amount: Decimal | None = None
    assets: list[SpotBalance] = []


class SupportChain(Model, frozen=True, kw_only=True):
    chain: str
    deposit_enabled: bool | None = None
    withdraw_enabled: bool | None = None
    withdraw_fee_amount: Decimal | None = None
    withdraw_min_amount: Decimal | None = None
    deposit_fee_rate: Decimal | None = None


class WalletCurrency(Model, frozen=True, kw_only=True):
    currency: str
    support_chains: list[SupportChain] = []


class DepositAddress(Model, frozen=True, kw_only=True):
    address: str
    memo: str | None = None


class Deposit(Model, frozen=True, kw_only=True):
    id: int
    currency: str | None = None
    chain: str | None = None
    memo: str | None = None
    status: TransferStatus | None = None
    amount: Decimal | None = None
    confirmations: int | None = None
    transaction_id: str | None = None
    address: str | None = None
    from_addr: str | None = None
    created_time: int | None = None


class WithdrawResult(Model, frozen=True, kw_only=True):
    id: int


class Withdrawal(Model, frozen=True, kw_only=True):
    id: int
    currency: str | None = None
    chain: str | None = None
    address: str | None = None
    memo: str | None = None
    status: TransferStatus | None = None
    amount: Decimal | None = None
    fee: Decimal | None = None
    confirmations: int | None = None
    transaction_id: str | None = None
    created_time: int | None = None


class WsToken(Model, frozen=True, kw_only=True):
    access_token: str
    refresh_token: str | None = None


# ---------------------------------------------------------------- futures market
class FuturesSymbol(Model, frozen=True, kw_only=True):
    """A futures contract's configuration (``symbol_detail``, ``symbols``)."""

    symbol: str
    pair: str | None = None
    contract_type: ContractType | None = None
    product_type: str | None = None
    underlying_type: str | int | None = None
    contract_size: Decimal | None = None
    base_coin: str | None = None
    base_coin_precision: int | None = None
    base_coin_display_precision: int | None = None
    quote_coin: str | None = None
    quote_coin_precision: int | None = None
    quote_coin_display_precision: int | None = None
    price_precision: int | None = None
    quantity_precision: int | None = None
    min_step_price: Decimal | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    min_qty: Decimal | None = None
    min_notional: Decimal | None = None
    max_notional: Decimal | None = None
    maker_fee: Decimal | None = None
    taker_fee: Decimal | None = None
    liquidation_fee: Decimal | None = None
    market_take_bound: Decimal | None = None
    multiplier_down: Decimal | None = None
    multiplier_up: Decimal | None = None
    max_open_orders: int | None = None
    max_entrusts: int | None = None
    init_leverage: int | None = None
    init_position_type: str | None = None
    depth_precision_merge: int | None = None
    delivery_completion: bool | None = None
    delivery_date: int | None = None
    delivery_price: Decimal | None = None
    onboard_date: int | None = None
    off_time: int | None = None
    is_display: bool | None = None
    is_open_api: bool | None = None
    trade_switch: bool | None = None
    state: int | None = None
    symbol_group_id: int | None = None
    support_order_type: str | None = None
    support_time_in_force: str | None = None
    support_entrust_type: str | None = None
    support_position_type: str | None = None
    labels: list[Any] = []
    plates: list[Any] = []
    en_name: str | None = None
    en_desc: str | None = None
    en_remark: str | None = None
    cn_name: str | None = None
    cn_desc: str | None = None
    cn_remark: str | None = None
    predict_event_param: str | None = None
    predict_event_sort: str | None = None
    predict_event_type: str | None = None


class LeverageBracket(Model, frozen=True, kw_only=True):
    bracket: int | None = None
    symbol: str | None = None
    maint_margin_rate: Decimal | None = None
    max_leverage: Decimal | None = None
    min_leverage: Decimal | None = None
    max_nominal_value: Decimal | None = None
    start_margin_rate: Decimal | None = None
    max_start_margin_rate: Decimal | None = None


class LeverageBrackets(Model, frozen=True, kw_only=True):
    symbol: str | None = None
    leverage_brackets: list[LeverageBracket] = []


class FuturesTicker(Model, frozen=True, kw_only=True):
    """24 h market statistics of a futures contract."""

    symbol: str = field(name="s")
    time: int | None = field(default=None, name="t")
    open: Decimal | None = field(default=None, name="o")
    close: Decimal | None = field(default=None, name="c")
    high: Decimal | None = field(default=None, name="h")
    low: Decimal | None = field(default=None, name="l")
    quantity: Decimal | None = field(default=None, name="a")
    quote_volume: Decimal | None = field(default=None, name="v")
    change_rate: Decimal | None = field(default=None, name="r")


class FuturesTrade(Model, frozen=True, kw_only=True):
    """A futures market trade; ``side`` is the wire's ``m`` (the taker's side)."""

    symbol: str = field(name="s")
    time: int = field(name="t")
    price: Decimal = field(name="p")
    quantity: Decimal = field(name="a")
    side: Side | None = field(default=None, name="m")


class FuturesDepth(Model, frozen=True, kw_only=True):
    """A futures depth snapshot. ``a`` are asks and ``b`` bids (the push
    messages and the Chinese text; the English REST table swaps the labels,
    see docs/spec-decisions.md)."""

    update_id: int = field(name="u")
    symbol: str | None = field(default=None, name="s")
    time: int | None = field(default=None, name="t")
    asks: list[PriceLevel] = field(default_factory=list, name="a")
    bids: list[PriceLevel] = field(default_factory=list, name="b")


class PriceTick(Model, frozen=True, kw_only=True):
    """An index or mark price."""

    symbol: str = field(name="s")
    price: Decimal = field(name="p")
    time: int | None = field(default=None, name="t")


class FuturesKline(Model, frozen=True, kw_only=True):
    time: int = field(name="t")
    open: Decimal = field(name="o")
    close: Decimal = field(name="c")
    high: Decimal = field(name="h")
    low: Decimal = field(name="l")
    symbol: str | None = field(default=None, name="s")
    quantity: Decimal | None = field(default=None, name="a")
    quote_volume: Decimal | None = field(default=None, name="v")


class AggTicker(FuturesTicker, frozen=True, kw_only=True):
    """Aggregated market information: the ticker plus best prices, index and mark."""

    ask_price: Decimal | None = field(default=None, name="ap")
    bid_price: Decimal | None = field(default=None, name="bp")
    index_price: Decimal | None = field(default=None, name="i")
    mark_price: Decimal | None = field(default=None, name="m")


class FundingRateRecord(Model, frozen=True, kw_only=True):
    id: int | None = None
    symbol: str | None = None
    funding_rate: Decimal | None = None
    collection_internal: int | None = None
    created_time: int | None = None


class RiskFundBalance(Model, frozen=True, kw_only=True):
    id: int | None = None
    coin: str | None = None
    amount: Decimal | None = None
    created_time: int | None = None


class OpenInterest(Model, frozen=True, kw_only=True):
    symbol: str
    open_interest: Decimal | None = None
    open_interest_usd: Decimal | None = None
    time: int | None = None


# ---------------------------------------------------------------- futures trading
class FuturesOrder(Model, frozen=True, kw_only=True):
    """A futures order as ``get_order``, ``orders``, ``open_orders``,
    ``order_history`` and the quant endpoints return it."""

    order_id: int
    symbol: str | None = None
    state: OrderState | None = None
    client_order_id: str | None = None
    order_type: OrderType | None = None
    order_side: Side | None = None
    position_side: PositionSide | None = None
    position_type: PositionType | None = None
    time_in_force: TimeInForce | None = None
    price: Decimal | None = None
    orig_qty: Decimal | None = None
    avg_price: Decimal | None = None
    executed_qty: Decimal | None = None
    canceled_qty: Decimal | None = None
    margin_frozen: Decimal | None = None
    contract_size: Decimal | None = None
    leverage: int | None = None
    open_price: Decimal | None = None
    mark_price: Decimal | None = None
    close_position: bool | None = None
    close_profit: Decimal | None = None
    force_close: bool | None = None
    created_time: int | None = None
    updated_time: int | None = None
    source_id: int | None = None
    source_type: str | None = None
    remark: str | None = None
    desc: str | None = None
    welfare_account: bool | None = None
    trigger_price_type: TriggerPriceType | None = None
    trigger_profit_price: Decimal | None = None
    trigger_stop_price: Decimal | None = None
    profit_delegate_order_type: OrderType | None = None
    profit_delegate_time_in_force: TimeInForce | None = None
    profit_delegate_price: Decimal | None = None
    stop_delegate_order_type: OrderType | None = None
    stop_delegate_time_in_force: TimeInForce | None = None
    stop_delegate_price: Decimal | None = None


class FuturesUserTrade(Model, frozen=True, kw_only=True):
    """One of the account's futures fills."""

    order_id: int
    exec_id: int | None = None
    symbol: str | None = None
    price: Decimal | None = None
    quantity: Decimal | None = None
    quote_qty: Decimal | None = None
    fee: Decimal | None = None
    fee_coin: str | None = None
    coupon_deduct_fee: Decimal | None = None
    bonus_deduct_fee: Decimal | None = None
    contract_size: Decimal | None = None
    timestamp: int | None = None
    taker_maker: TakerMaker | None = None
    order_side: Side | None = None
    position_side: PositionSide | None = None


class TriggerOrder(Model, frozen=True, kw_only=True):
    """A futures trigger (plan) order, including reverse plans."""

    entrust_id: int | None = None
    symbol: str | None = None
    client_order_id: str | None = None
    entrust_type: EntrustType | None = None
    order_side: Side | None = None
    position_side: PositionSide | None = None
    time_in_force: TimeInForce | None = None
    close_position: bool | None = None
    market_order_level: int | None = None
    ordinary: bool | None = None
    price: Decimal | None = None
    orig_qty: Decimal | None = None
    stop_price: Decimal | None = None
    trigger_price_type: TriggerPriceType | None = None
    executed_qty: Decimal | None = None
    avg_price: Decimal | None = None
    state: TriggerState | None = None
    created_time: int | None = None
    updated_time: int | None = None
    reverse_open_executed_qty: Decimal | None = None
    reverse_open_avg_price: Decimal | None = None
    desc: str | None = None


class TpslOrder(Model, frozen=True, kw_only=True):
    """A futures take-profit / stop-loss order."""

    profit_id: int | None = None
    symbol: str | None = None
    state: TriggerState | None = None
    position_side: PositionSide | None = None
    position_type: PositionType | None = None
    position_size: Decimal | None = None
    orig_qty: Decimal | None = None
    executed_qty: Decimal | None = None
    avg_price: Decimal | None = None
    entry_price: Decimal | None = None
    isolated_margin: Decimal | None = None
    leverage: int | None = None
    trigger_price_type: TriggerPriceType | None = None
    trigger_profit_price: Decimal | None = None
    trigger_stop_price: Decimal | None = None
    trigger_price_side: str | None = None
    profit_delegate_order_type: OrderType | None = None
    profit_delegate_time_in_force: TimeInForce | None = None
    profit_delegate_price: Decimal | None = None
    stop_delegate_order_type: OrderType | None = None
    stop_delegate_time_in_force: TimeInForce | None = None
    stop_delegate_price: Decimal | None = None
    delegate_qty: Decimal | None = None
    delegate_price: Decimal | None = None
    close_type: str | None = None
    source_type: str | None = None
    profit_type: int | None = None
    mmr_threshold: Decimal | None = None
    desc: str | None = None
    created_time: int | None = None
    updated_time: int | None = None


class TrailingOrder(Model, frozen=True, kw_only=True):
    """A futures trailing (track) order."""

    track_id: int | None = None
    symbol: str | None = None
    state: TriggerState | None = None
    callback: str | None = None
    callback_val: Decimal | None = None
    activation_price: Decimal | None = None
    config_activation: bool | None = None
    current_price: Decimal | None = None
    stop_price: Decimal | None = None
    price: Decimal | None = None
    avg_price: Decimal | None = None
    orig_qty: Decimal | None = None
    executed_qty: Decimal | None = None
    order_side: Side | None = None
    position_side: PositionSide | None = None
    ordinary: bool | None = None
    trigger_price_type: TriggerPriceType | None = None
    desc: str | None = None
    created_time: int | None = None
    updated_time: int | None = None


class FilledOrderSummary(Model, frozen=True, kw_only=True):
    symbol: str | None = None
    order_side: Side | None = None
    avg_price: Decimal | None = None
    orig_qty: Decimal | None = None
    executed_qty: Decimal | None = None
    updated_time: int | None = None


class EntrustRecord(Model, frozen=True, kw_only=True):
    """An order or plan order of ``all_orders`` (``type`` ``ORDER``/``ENTRUST``)."""

    id: int
    type: str | None = None
    symbol: str | None = None
    order_type: OrderType | None = None
    order_side: Side | None = None
    position_side: PositionSide | None = None
    position_type: PositionType | None = None
    time_in_force: TimeInForce | None = None
    close_position: bool | None = None
    price: Decimal | None = None
    orig_qty: Decimal | None = None
    avg_price: Decimal | None = None
    executed_qty: Decimal | None = None
    margin_frozen: Decimal | None = None
    leverage: int | None = None
    state: OrderState | None = None
    created_time: int | None = None
    updated_time: int | None = None


class FuturesPosition(Model, frozen=True, kw_only=True):
    """A futures position (``active_positions``, ``position``, ``positions``,
    ``margin_calls``); each endpoint fills its own subset of the fields."""

    symbol: str
    position_side: PositionSide | None = None
    position_type: PositionType | None = None
    contract_type: ContractType | None = None
    position_size: Decimal | None = None
    close_order_size: Decimal | None = None
    available_close_size: Decimal | None = None
    open_order_size: Decimal | None = None
    entry_price: Decimal | None = None
    isolated_margin: Decimal | None = None
    open_order_margin_frozen: Decimal | None = None
    realized_profit: Decimal | None = None
    floating_pl: Decimal | None = field(default=None, name="floatingPL")
    auto_margin: bool | None = None
    leverage: int | None = None
    contract_size: Decimal | None = None
    mark_price: Decimal | None = None
    cal_mark_price: Decimal | None = None
    break_price: Decimal | None = None
    profit_id: int | None = None
    trigger_price_type: TriggerPriceType | None = None
    trigger_profit_price: Decimal | None = None
    trigger_stop_price: Decimal | None = None
    mmr_profit_id: int | None = None
    mmr_threshold: Decimal | None = None
    welfare_account: bool | None = None
    welfare_expiration_time: int | None = None
    underlying_type: str | int | None = None
    updated_time: int | None = None


class LeverageInfo(Model, frozen=True, kw_only=True):
    symbol: str | None = None
    account_id: int | None = None
    position_type: PositionType | None = None
    position_side: PositionSide | None = None
    contract_type: ContractType | None = None
    leverage: int | None = None


class PositionHistory(Model, frozen=True, kw_only=True):
    """A closed (or partly closed) futures position. ``position_type`` is
    ``1`` (cross) / ``2`` (isolated) on this endpoint."""

    id: int
    symbol: str | None = None
    position_side: PositionSide | None = None
    position_type: PositionType | int | None = None
    contract_type: ContractType | None = None
    close_profit: Decimal | None = None
    close_position_size: Decimal | None = None
    close_open_price: Decimal | None = None
    close_price: Decimal | None = None
    max_position_size: Decimal | None = None
    open_time: int | None = None
    close_time: int | None = None
    start_leverage: int | None = None
    end_leverage: int | None = None
    working: bool | None = None
    force: bool | None = None
    force_mark_price: Decimal | None = None
    total_fee: Decimal | None = None
    total_fund_fee: Decimal | None = None
    welfare_account: bool | None = None


class FuturesAccountInfo(Model, frozen=True, kw_only=True):
    account_id: int | None = None
    user_id: int | None = None
    allow_open_position: bool | None = None
    allow_trade: bool | None = None
    allow_transfer: bool | None = None
    open_time: int | None = None
    state: int | None = None


class FuturesBalance(Model, frozen=True, kw_only=True):
    """A futures wallet (``balances``, ``balance``, ``funds``, ``coin_balance``)."""

    coin: str
    account_id: int | None = None
    user_id: int | None = None
    underlying_type: str | int | None = None
    wallet_balance: Decimal | None = None
    available_balance: Decimal | None = None
    open_order_margin_frozen: Decimal | None = None
    open_order_fee_frozen: Decimal | None = None
    isolated_margin: Decimal | None = None
    crossed_margin: Decimal | None = None
    amount: Decimal | None = None
    total_amount: Decimal | None = None
    margin_balance: Decimal | None = None
    convert_btc_amount: Decimal | None = None
    convert_usdt_amount: Decimal | None = None
    profit: Decimal | None = None
    not_profit: Decimal | None = None
    bonus: Decimal | None = None
    coupon: Decimal | None = None
    deposit_coupon: Decimal | None = None


class AccountBill(Model, frozen=True, kw_only=True):
    id: int | None = None
    symbol: str | None = None
    coin: str | None = None
    side: str | None = None
    type: str | None = None
    amount: Decimal | None = None
    after_amount: Decimal | None = None
    created_time: int | None = None


class FundingFee(Model, frozen=True, kw_only=True):
    id: int | None = None
    symbol: str | None = None
    coin: str | None = None
    position_side: PositionSide | None = None
    cast: Decimal | None = None
    created_time: int | None = None


class StepRate(Model, frozen=True, kw_only=True):
    special_type: bool | None = None
    vip_pro_type: bool | None = None
    step_rate_pro_name: str | None = None
    discount_level: int | None = None
    maker_fee: Decimal | None = None
    taker_fee: Decimal | None = None
    level_return_day: int | None = None
    total_trade_volume: Decimal | None = None
    u_based_total_trade_volume: Decimal | None = None
    coin_based_total_trade_volume: Decimal | None = None
    wallet_balance: Decimal | None = None
    not_profit: Decimal | None = None
    next_lv_trade_volume: Decimal | None = None
    lack_trade_volume: Decimal | None = None
    next_lv_wallet_balance: Decimal | None = None
    lack_wallet_balance: Decimal | None = None
    next_lv_maker_fee: Decimal | None = None
    next_lv_taker_fee: Decimal | None = None


class AdlInfo(Model, frozen=True, kw_only=True):
    symbol: str
    long_quantile: int | None = None
    short_quantile: int | None = None


class AdlRecord(Model, frozen=True, kw_only=True):
    id: int
    symbol: str | None = None
    position_side: PositionSide | None = None
    quantity: Decimal | None = None
    price: Decimal | None = None
    realized_profit: Decimal | None = None
    created_time: int | None = None
    welfare_account: bool | None = None
    uid: int | None = None
    account_id: int | None = None


class TakeoverRecord(Model, frozen=True, kw_only=True):
    """A position takeover; the documented example carries codes as numbers
    (``positionType`` 2, ``positionSide`` 1)."""

    request_id: int | None = None
    symbol: str | None = None
    symbol_id: int | None = None
    symbol_group_id: int | None = None
    tenant_id: int | None = None
    account_id: int | None = None
    user_id: int | None = None
    user_group_id: int | None = None
    risk_account_id: int | None = None
    risk_user_id: int | None = None
    risk_user_group_id: int | None = None
    position_type: PositionType | int | None = None
    position_side: PositionSide | int | None = None
    success: bool | None = None
    position_size: Decimal | None = None
    entry_price: Decimal | None = None
    balance: Decimal | None = None
    mark_price: Decimal | None = None
    margin_rate: Decimal | None = None
    created_time: int | None = None


# ---------------------------------------------------------------- adapted results
# A few endpoints document a result that carries nothing ({}, "", true) while
# servers of this API family send something useful (the new order's id); a
# write that succeeded must never fail while its answer is read. These are
# decoded as any JSON value and adapted to one precise type.


class Adapted:
    """A result decoded as any JSON value (``wire``) and then adapted.

    ``public`` is the annotation the generated method shows; ``adapt`` turns
    the decoded value into it and may raise ``ValueError`` (then the call
    raises :class:`~wexcore.errors.DecodeError`).
    """

    __slots__ = ("name", "wire", "public", "adapt")

    def __init__(self, name: str, wire: Any, public: str, adapt: Any) -> None:
        self.name = name
        self.wire = wire
        self.public = public
        self.adapt = adapt

    def __repr__(self) -> str:
        return f"<Adapted {self.name} -> {self.public}>"


def _as_int(v: Any) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, str) and v.isascii() and v.isdigit():
        return int(v)
    if isinstance(v, Decimal) and v == v.to_integral_value():
        return int(v)
    return None


_ID_KEYS = ("orderId", "entrustId", "profitId", "trackId", "id")


def _optional_id(v: Any) -> int | None:
    n = _as_int(v)
    if n is not None:
        return n
    if isinstance(v, dict):
        for k in _ID_KEYS:
            n = _as_int(v.get(k))
            if n is not None:
                return n
    return None


def _ack(v: Any) -> bool:
    # {} / "" / null / true / an id all mean "done"; only an explicit false does not.
    return v is not False


def _id_list(v: Any) -> list[int] | None:
    if isinstance(v, list):
        out = []
        for item in v:
            n = _optional_id(item)
            if n is not None:
                out.append(n)
        return out
    n = _optional_id(v)
    return [n] if n is not None else None


def _listen_key(v: Any) -> str:
    if isinstance(v, str) and v:
        return v
    if isinstance(v, dict):
        for k in ("listenKey", "accessToken", "token"):
            t = v.get(k)
            if isinstance(t, str) and t:
                return t
    raise ValueError("the response carries no listen key")


def _orders(v: Any) -> list[FuturesOrder]:
    # Documented as one bare order object, served as a list: accept both.
    return [v] if isinstance(v, FuturesOrder) else list(v)


def _json(v: Any) -> object:
    return v


#: The endpoint table's special result kinds.
ACK = Adapted("ACK", Any, "bool", _ack)
OPTIONAL_ID = Adapted("OPTIONAL_ID", Any, "int | None", _optional_id)
ID_LIST = Adapted("ID_LIST", Any, "list[int] | None", _id_list)
LISTEN_KEY = Adapted("LISTEN_KEY", Any, "str", _listen_key)
OPEN_ORDERS = Adapted(
    "OPEN_ORDERS", list[FuturesOrder] | FuturesOrder, "list[T.FuturesOrder]", _orders
)
JSON = Adapted("JSON", Any, "object", _json)
