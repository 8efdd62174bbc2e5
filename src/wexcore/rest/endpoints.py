"""The one table of every documented WEX REST endpoint.

Every request wexcore sends is built from an :class:`Endpoint` row of this
module: HTTP method, path, whether it is signed, how parameters travel
(query string, JSON body, form), the documented rate limits and the spec
section it comes from. The client methods (``wexcore.rest._methods``) are
generated from these rows and only pass their arguments through; no two
methods repeat request logic.

The rows were drafted from the spec files (``spot-en.txt``, ``futures-en.txt``)
and then reviewed by hand. Choices the spec leaves open, written down here
and in ``docs/rest.md``:

* Spot HTTP methods not stated in the spec are inferred from the operation
  (get/query -> GET, submit -> POST, update -> PUT, cancel -> DELETE); the
  section names and the sample code names (``orderGet``, ``orderPost``,
  ``orderDel``, ``batchOrderDel``) agree with that reading.
* Spot writes send a JSON body (the spec: "POST request parameters are placed
  in request body", Content-Type application/json; "Cancel batch order" and
  "Cancel the current pending order" say so for DELETE). ``PUT`` amend sends
  ``price``/``quantity`` as JSON too.
* Futures reads are GET; writes (create/update/cancel/adjust/alter/open/
  close/collect/change) are POST. Futures POSTs send their parameters in the
  query string with ``Content-Type: application/x-www-form-urlencoded``
  (the spec's "QueryString" option, whose signed string is the sorted query),
  except ``atomic-create-batch``, whose body is a JSON array by definition.
  ``create-batch`` takes its ``list`` parameter as a JSON string.
* Futures has no time endpoint; the futures clients sync their clock with the
  spot ``/v4/public/time`` (see :mod:`wexcore.rest.clock`).
* Futures global limits ("Other endpoints: 10/s per user, 1000/min per IP";
  "Asset-related endpoints: up to 3 requests per second") are applied on top
  of each endpoint's own stated limit; where both apply the stricter wins,
  because the exchange locks the account for 10 minutes when exceeded.
* Decimal parameters (prices, quantities, amounts) are sent as strings, in
  query strings and in JSON bodies alike, as in the spec's sample body, so no
  binary float ever rounds a price.
"""

# ruff: noqa: E501  (rows carry the spec's own descriptions verbatim)
from __future__ import annotations

import re
from typing import Any, Generic, NamedTuple, TypeVar

from wexcore.rest import types as T

__all__ = ["Param", "Limit", "Endpoint", "SPOT", "FUTURES", "SPOT_ENDPOINTS",
           "FUTURES_ENDPOINTS", "ENDPOINTS", "spot", "futures"]

SPOT = "spot"
FUTURES = "futures"

# Parameter kinds: how a Python value becomes a wire value.
#   str      sent as given
#   int      int or a digit string (ids often come back as strings); JSON int
#   decimal  str, Decimal, int (float accepted via repr); always sent as text
#   bool     true/false
#   csv      list/tuple joined by ',' (a str is sent as given)
#   list     JSON array (JSON bodies only)
#   jsonstr  any JSON value, serialised into a string parameter
#   body     the whole JSON body (atomic-create-batch's array)
KINDS = ("str", "int", "decimal", "bool", "csv", "list", "jsonstr", "body")

R = TypeVar("R")


class Param(NamedTuple):
    """One documented parameter. ``name`` is the wire name, ``arg`` the Python one."""

    name: str
    arg: str
    kind: str
    required: bool
    default: Any = None
    range: tuple[int, int] | None = None
    where: str = ""          # "path" for path parameters, else query/body by encoding
    doc: str = ""


class Limit(NamedTuple):
    """A documented limit: ``count`` requests per ``per`` seconds, counted per
    ``scope`` ("ip" or "apikey"). ``group`` names a bucket shared by several
    endpoints; ``None`` means the endpoint has its own bucket."""

    scope: str
    count: int  # type: ignore[assignment]  # the spec's word; shadows tuple.count
    per: float
    group: str | None = None


class Endpoint(Generic[R]):
    """One row of the table (immutable by convention).

    ``result`` is the type the envelope's ``result`` decodes into (a
    :mod:`wexcore.rest.types` Struct, a ``list``/``Page`` of them, a plain
    type, or an :class:`~wexcore.rest.types.Adapted` kind); ``R`` is what the
    client method returns.
    """

    __slots__ = ("name", "product", "method", "path", "auth", "encoding", "section",
                 "line", "limits", "paging", "params", "path_params", "idempotent",
                 "key", "required_args", "result", "wire_type", "adapt")

    def __init__(self, name: str, product: str, method: str, path: str, *, auth: bool,
                 encoding: str, section: str, line: int, result: Any,
                 limits: tuple[Any, ...] = (), paging: tuple[str, ...] | None = None,
                 params: tuple[Param, ...] = (), idempotent: bool | None = None) -> None:
        assert method in ("GET", "POST", "PUT", "DELETE"), method
        assert encoding in ("query", "json", "form"), encoding
        self.name = name
        self.product = product
        self.method = method
        self.path = path
        self.auth = auth
        self.encoding = encoding
        self.section = section
        self.line = line
        self.limits = tuple(Limit(*lim) for lim in limits)
        self.paging = paging
        self.params = tuple(params)
        self.path_params = tuple(re.findall(r"\{(\w+)\}", path))
        # Only reads (and the few writes marked idempotent in their row) are
        # retried: a write whose answer was lost may have been executed, and
        # repeating it could double an order.
        self.idempotent = method == "GET" if idempotent is None else idempotent
        self.key = f"{product}:{name}"
        self.required_args = tuple(p.arg for p in params if p.required)
        self.result = result
        if isinstance(result, T.Adapted):
            self.wire_type: Any = result.wire
            self.adapt: Any = result.adapt
        else:
            self.wire_type = result
            self.adapt = None

    def __repr__(self) -> str:
        return f"<Endpoint {self.key} {self.method} {self.path}>"

    def spec_ref(self) -> str:
        """Where the endpoint is documented, e.g. ``spot-en.txt:597 "Get depth data"``."""
        return f'{self.product if self.product == "spot" else "futures"}-en.txt:{self.line} "{self.section}"'

    def limit_text(self) -> str:
        """The rate limits in the spec's notation, e.g. ``10/s/ip``."""
        if not self.limits:
            return "none documented"
        out = []
        for lim in self.limits:
            per = "s" if lim.per == 1.0 else ("min" if lim.per == 60.0 else f"{lim.per:g}s")
            g = f" (shared: {lim.group})" if lim.group else ""
            out.append(f"{lim.count}/{per}/{lim.scope}{g}")
        return ", ".join(out)


def P(name: str, arg: str, kind: str, required: bool, default: Any = None, *,
      range: tuple[int, int] | None = None, where: str = "", doc: str = "") -> Param:
    assert kind in KINDS, kind
    return Param(name, arg, kind, required, default, range, where, doc)


E = Endpoint[Any]

SPOT_ENDPOINTS = (
    E("server_time", SPOT, "GET", "/v4/public/time", auth=False, encoding="query",
      result=T.ServerTime,
      section="Get server time", line=426, limits=(),
      params=(
      )),
    E("client_ip", SPOT, "GET", "/v4/public/client", auth=False, encoding="query",
      result=T.ClientIp,
      section="Get client ip", line=439, limits=(),
      params=(
      )),
    E("symbols", SPOT, "GET", "/v4/public/symbol", auth=False, encoding="query",
      result=T.SpotSymbols,
      section="Get symbol information", line=452, limits=(('ip', 10, 1.0),),
      params=(
        P("symbol", "symbol", "str", False, doc='trading pair eg:btc_usdt'),
        P("symbols", "symbols", "csv", False, doc='Collection of trading pairs. Priority is higher than symbol. eg: btc_usdt,eth_usdt'),
        P("version", "version", "str", False, doc='Version number, if request version equals response version, list will not be returned (reduce IO). eg: 2e14d2cd5czcb2c2af2c1db6'),
      )),
    E("depth", SPOT, "GET", "/v4/public/depth", auth=False, encoding="query",
      result=T.SpotDepth,
      section="Get depth data", line=597, limits=(('ip', 10, 1.0),),
      params=(
        P("symbol", "symbol", "str", True, doc='trading pair eg:btc_usdt'),
        P("limit", "limit", "int", False, default=100, range=(1, 500), doc='minimum number of queries is 100 1~500'),
      )),
    E("klines", SPOT, "GET", "/v4/public/kline", auth=False, encoding="query",
      result=list[T.SpotKline],
      section="Get K-line data", line=635, limits=(('ip', 10, 1.0),),
      params=(
        P("symbol", "symbol", "str", True, doc='trading pair eg:btc_usdt'),
        P("interval", "interval", "str", True, doc='K line type, eg:1m [1m;3m;5m;15m;30m;1h;2h;4h;6h;8h;12h;1d;3d;1w;1M]'),
        P("startTime", "start_time", "int", False, doc='start timestamp'),
        P("endTime", "end_time", "int", False, doc='end timestamp'),
        P("limit", "limit", "int", False, default=100, range=(1, 1000), doc='1~1000'),
      )),
    E("recent_trades", SPOT, "GET", "/v4/public/trade/recent", auth=False, encoding="query",
      result=list[T.PublicTrade],
      section="Query the list of recent transactions", line=670, limits=(('ip', 10, 1.0),),
      params=(
        P("symbol", "symbol", "str", True, doc='trading pair'),
        P("limit", "limit", "int", False, default=200, range=(1, 1000), doc='1~1000'),
      )),
    E("historical_trades", SPOT, "GET", "/v4/public/trade/history", auth=False, encoding="query",
      result=list[T.PublicTrade],
      section="Query historical transaction list", line=701, limits=(('ip', 10, 1.0),), paging=('list', 'fromId', 'i'),
      params=(
        P("symbol", "symbol", "str", True, doc='trading pair'),
        P("limit", "limit", "int", False, default=200, range=(1, 1000), doc='1~1000'),
        P("direction", "direction", "str", True, default='NEXT', doc='query direction PREV - previous page, NEXT - next page'),
        P("fromId", "from_id", "int", False, doc='Start ID, e.g. 6216559590087220004'),
      )),
    E("tickers", SPOT, "GET", "/v4/public/ticker", auth=False, encoding="query",
      result=list[T.SpotTicker],
      section="Full ticker", line=734, limits=(('ip', 10, 1.0),),
      params=(
        P("symbol", "symbol", "str", False, doc='trading pair eg:btc_usdt'),
        P("symbols", "symbols", "csv", False, doc='Collection of trading pairs. Priority is higher than symbol. eg: btc_usdt,eth_usdt'),
        P("tags", "tags", "str", False, doc='Set of tags, separated by commas, currently only supports spot'),
      )),
    E("ticker_prices", SPOT, "GET", "/v4/public/ticker/price", auth=False, encoding="query",
      result=list[T.TickerPrice],
      section="Get latest prices ticker", line=774, limits=(('ip', 10, 1.0),),
      params=(
        P("symbol", "symbol", "str", False, doc='trading pair eg:btc_usdt'),
        P("symbols", "symbols", "csv", False, doc='Collection of trading pairs. Priority is higher than symbol. eg: btc_usdt,eth_usdt'),
        P("tags", "tags", "str", False, doc='Set of tags, separated by commas, currently only supports spot'),
      )),
    E("book_tickers", SPOT, "GET", "/v4/public/ticker/book", auth=False, encoding="query",
      result=list[T.BookTicker],
      section="Get the best pending order ticker", line=803, limits=(('ip', 10, 1.0),),
      params=(
        P("symbol", "symbol", "str", False, doc='trading pair eg:btc_usdt'),
        P("symbols", "symbols", "csv", False, doc='Collection of trading pairs. Priority is higher than symbol. eg: btc_usdt,eth_usdt'),
        P("tags", "tags", "str", False, doc='Set of tags, separated by commas, currently only supports spot'),
      )),
    E("tickers_24h", SPOT, "GET", "/v4/public/ticker/24h", auth=False, encoding="query",
      result=list[T.Ticker24h],
      section="Get 24h statistics ticker", line=835, limits=(('ip', 10, 1.0),),
      params=(
        P("symbol", "symbol", "str", False, doc='trading pair eg:btc_usdt'),
        P("symbols", "symbols", "csv", False, doc='Collection of trading pairs. Priority is higher than symbol. eg: btc_usdt,eth_usdt'),
        P("tags", "tags", "str", False, doc='Set of tags, separated by commas, currently only supports spot'),
      )),
    E("get_order", SPOT, "GET", "/v4/order/{orderId}", auth=True, encoding="query",
      result=T.SpotOrder,
      section="Get single", line=871, limits=(('apikey', 10, 1.0),),
      params=(
        P("orderId", "order_id", "int", True, where="path", doc='Order ID'),
      )),
    E("query_order", SPOT, "GET", "/v4/order", auth=True, encoding="query",
      result=T.SpotOrder,
      section="Query single", line=920, limits=(('apikey', 50, 1.0),),
      params=(
        P("orderId", "order_id", "int", False, doc='Order ID'),
        P("clientOrderId", "client_order_id", "str", False, doc='Client order ID'),
      )),
    E("place_order", SPOT, "POST", "/v4/order", auth=True, encoding="json",
      result=T.SpotPlaceOrderResult,
      section="Submit order", line=969, limits=(('apikey', 20, 1.0),),
      params=(
        P("symbol", "symbol", "str", True, doc=''),
        P("clientOrderId", "client_order_id", "str", False, doc='Pattern: ^[a-zA-Z0-9_]{4,22}$'),
        P("side", "side", "str", True, doc='BUY,SELL'),
        P("type", "type", "str", True, doc='order type:LIMIT,MARKET'),
        P("timeInForce", "time_in_force", "str", True, default='GTC', doc='effective way:GTC, FOK, IOC, GTX'),
        P("bizType", "biz_type", "str", True, default='SPOT', doc='SPOT, LEVER'),
        P("price", "price", "decimal", False, doc='price. Required if it is the LIMIT price; blank if it is the MARKET price'),
        P("quantity", "quantity", "decimal", False, doc='quantity. Required if it is the LIMIT price or the order is placed at the market price by quantity'),
        P("quoteQty", "quote_qty", "decimal", False, doc='amount. Required if it is the LIMIT price or the order is the market price when placing an order by amount'),
        P("nftId", "nft_id", "str", False, doc='nft id'),
      )),
    E("cancel_order", SPOT, "DELETE", "/v4/order/{orderId}", auth=True, encoding="query",
      result=T.SpotCancelResult,
      section="Cancel order", line=1011, limits=(),
      params=(
        P("orderId", "order_id", "int", True, where="path", doc=''),
      )),
    E("get_orders", SPOT, "GET", "/v4/batch-order", auth=True, encoding="query",
      result=list[T.SpotOrder],
      section="Get batch", line=1039, limits=(),
      params=(
        P("orderIds", "order_ids", "csv", True, doc='order Ids eg: 6216559590087220004, 6216559590087220004'),
      )),
    E("place_orders", SPOT, "POST", "/v4/batch-order", auth=True, encoding="json",
      result=T.BatchOrderResult,
      section="Submit batch order", line=1088, limits=(('apikey', 30, 1.0),),
      params=(
        P("clientBatchId", "client_batch_id", "str", False, doc='Client batch number. Pattern: ^[a-zA-Z0-9_]{4,32}$'),
        P("items", "items", "list", True, doc='Array'),
      )),
    E("cancel_orders", SPOT, "DELETE", "/v4/batch-order", auth=True, encoding="json",
      result=T.ACK,
      section="Cancel batch order", line=1130, limits=(),
      params=(
        P("clientBatchId", "client_batch_id", "str", False, doc='client batch id'),
        P("orderIds", "order_ids", "list", True, doc='6216559590087220004, 6216559590087220005'),
      )),
    E("open_orders", SPOT, "GET", "/v4/open-order", auth=True, encoding="query",
      result=list[T.SpotOrder],
      section="Query the current pending order", line=1155, limits=(('apikey', 10, 1.0),),
      params=(
        P("symbol", "symbol", "str", False, doc='Trading pair, if not filled in, represents all'),
        P("bizType", "biz_type", "str", False, doc='SPOT, LEVER'),
        P("side", "side", "str", False, doc='BUY, SELL'),
      )),
    E("cancel_open_orders", SPOT, "DELETE", "/v4/open-order", auth=True, encoding="json",
      result=T.ACK,
      section="Cancel the current pending order", line=1203, limits=(('apikey', 10, 1.0),),
      params=(
        P("symbol", "symbol", "str", False, doc='Trading pair, if not filled in, represents all'),
        P("bizType", "biz_type", "str", True, default='SPOT', doc='SPOT, LEVER'),
        P("side", "side", "str", False, doc='BUY, SELL'),
      )),
    E("order_history", SPOT, "GET", "/v4/history-order", auth=True, encoding="query",
      result=T.Page[T.SpotOrder],
      section="Query historical orders", line=1227, limits=(('apikey', 10, 1.0),), paging=('cursor', 'fromId', 'orderId'),
      params=(
        P("symbol", "symbol", "str", False, doc='Trading pair, if not filled in, represents all'),
        P("bizType", "biz_type", "str", False, doc='SPOT, LEVER'),
        P("side", "side", "str", False, doc='BUY, SELL'),
        P("type", "type", "str", False, doc='LIMIT, MARKET'),
        P("state", "state", "str", False, doc='order state, PARTIALLY_FILLED, FILLED, CANCELED, REJECTED, EXPIRED'),
        P("fromId", "from_id", "int", False, doc='Start ID'),
        P("direction", "direction", "str", False, doc='query direction:PREV, NEXT'),
        P("limit", "limit", "int", False, default=20, range=(1, 100), doc='Limit number, max 100'),
        P("startTime", "start_time", "int", False, doc='Start time (e.g. 1657682804112)'),
        P("endTime", "end_time", "int", False, doc='End time'),
        P("hiddenCanceled", "hidden_canceled", "bool", False, doc='Whether to hide canceled orders'),
      )),
    E("amend_order", SPOT, "PUT", "/v4/order/{orderId}", auth=True, encoding="json",
      result=T.AmendResult,
      section="Update Order(Limit)", line=1287, limits=(('apikey', 50, 1.0),),
      params=(
        P("orderId", "order_id", "int", True, where="path", doc='order ID'),
        P("price", "price", "decimal", True, doc='Price'),
        P("quantity", "quantity", "decimal", True, doc='Quantity'),
      )),
    E("my_trades", SPOT, "GET", "/v4/trade", auth=True, encoding="query",
      result=T.Page[T.SpotUserTrade],
      section="Query trade", line=1313, limits=(), paging=('cursor', 'fromId', 'tradeId'),
      params=(
        P("symbol", "symbol", "str", False, doc='Trading pair, if not filled, represents all'),
        P("bizType", "biz_type", "str", False, doc='Business type: SPOT, LEVER'),
        P("orderSide", "order_side", "str", False, doc='Order side: BUY, SELL'),
        P("orderType", "order_type", "str", False, doc='Order type: LIMIT, MARKET'),
        P("orderId", "order_id", "int", False, doc='Order ID'),
        P("fromId", "from_id", "int", False, doc='Start ID'),
        P("direction", "direction", "str", False, doc='Query direction: PREV, NEXT'),
        P("limit", "limit", "int", False, default=20, range=(1, 100), doc='Limit number, max 100'),
        P("startTime", "start_time", "int", False, doc='Start time (e.g. 1657682804112)'),
        P("endTime", "end_time", "int", False, doc='End time'),
      )),
    E("currencies", SPOT, "GET", "/v4/public/currencies", auth=False, encoding="query",
      result=list[T.Currency],
      section="Get currency information", line=1367, limits=(),
      params=(
      )),
    E("balance", SPOT, "GET", "/v4/balance", auth=True, encoding="query",
      result=T.SpotBalance,
      section="Get a single currency asset", line=1394, limits=(),
      params=(
        P("currency", "currency", "str", True, doc='Currency, e.g. usdt'),
      )),
    E("balances", SPOT, "GET", "/v4/balances", auth=True, encoding="query",
      result=T.SpotBalances,
      section="Get a list of currency assets", line=1417, limits=(('apikey', 10, 1.0),),
      params=(
        P("currencies", "currencies", "csv", False, doc='List of currencies, comma separated, e.g. usdt,btc'),
      )),
    E("wallet_currencies", SPOT, "GET", "/v4/public/wallet/support/currency", auth=False, encoding="query",
      result=list[T.WalletCurrency],
      section="Get information of currencies (available for deposit and withdraw)", line=1450, limits=(),
      params=(
      )),
    E("deposit_address", SPOT, "GET", "/v4/deposit/address", auth=True, encoding="query",
      result=T.DepositAddress,
      section="Get the deposit address", line=1494, limits=(),
      params=(
        P("chain", "chain", "str", True, doc='network for deposit'),
        P("currency", "currency", "str", True, doc='currency name'),
      )),
    E("deposit_history", SPOT, "GET", "/v4/deposit/history", auth=True, encoding="query",
      result=T.Page[T.Deposit],
      section="Get history records of deposit", line=1514, limits=(), paging=('cursor', 'fromId', 'id'),
      params=(
        P("currency", "currency", "str", False, doc='Currency name, can be obtained from the response of "Get the supported currencies for deposit or withdrawal" API'),
        P("chain", "chain", "str", False, doc='Transfer networks, can be obtained from the response of "Get the supported currencies for deposit or withdrawal" API'),
        P("status", "status", "str", False, doc='The status of deposit SUBMIT、REVIEW、AUDITED、PENDING、SUCCESS、FAIL、CANCEL'),
        P("fromId", "from_id", "int", False, doc='Start ID, e.g. 6216559590087220004'),
        P("direction", "direction", "str", False, default='NEXT', doc='query direction query direction:PREV, NEXT'),
        P("limit", "limit", "int", False, default=10, range=(1, 200), doc='Limit number, max 200 1<=limit<=200'),
        P("startTime", "start_time", "int", False, doc='Start time used for filtering deposit list, timestamp in milliseconds'),
        P("endTime", "end_time", "int", False, doc='End time used for filtering deposit list, timestamp in milliseconds'),
      )),
    E("withdraw", SPOT, "POST", "/v4/withdraw", auth=True, encoding="json",
      result=T.WithdrawResult,
      section="Withdraw", line=1555, limits=(),
      params=(
        P("currency", "currency", "str", True, doc="Currency name, which can be obtained from the 'Get the supported currencies for deposit or withdrawal' interface"),
        P("chain", "chain", "str", True, doc="The name of the transfer network, which can be obtained from the interface of 'Get the supported currencies for deposit or withdrawal' interface"),
        P("amount", "amount", "decimal", True, doc='Withdrawal amount, including handling fee'),
        P("address", "address", "str", True, doc='Withdrawal address'),
        P("memo", "memo", "str", False, doc='memo,For EOS similar chains that require memo must be transferred'),
      )),
    E("withdraw_history", SPOT, "GET", "/v4/withdraw/history", auth=True, encoding="query",
      result=T.Page[T.Withdrawal],
      section="Withdrawal history", line=1585, limits=(), paging=('cursor', 'fromId', 'id'),
      params=(
        P("currency", "currency", "str", False, doc="Currency name, which can be obtained from the 'Get the supported currencies for deposit or withdrawal' interface"),
        P("chain", "chain", "str", False, doc="The name of the transfer network, which can be obtained from the interface of 'Get the supported currencies for deposit or withdrawal' interface"),
        P("status", "status", "str", False, doc='The status of the withdrawal record, string type,Refer to public module-Deposit/withdrawal status SUBMIT、REVIEW、AUDITED、AUDITED_AGAIN、PENDING、SUCCESS、FAIL、CANCEL'),
        P("fromId", "from_id", "int", False, doc='The Id of the last pagination, that is, the primary key id of the record'),
        P("direction", "direction", "str", False, default='NEXT', doc='Page direction NEXT:next page,PREV:previous page'),
        P("limit", "limit", "int", False, default=10, range=(1, 200), doc='Number of records per page, maximum 200 1<=limit<=200'),
        P("startTime", "start_time", "int", False, doc='Query range start boundary, timestamp in milliseconds'),
        P("endTime", "end_time", "int", False, doc='Query range end boundary, timestamp in milliseconds'),
      )),
    E("transfer", SPOT, "POST", "/v4/balance/transfer", auth=True, encoding="json",
      result=T.OPTIONAL_ID,
      section="Transfer between user business systems", line=1639, limits=(),
      params=(
        P("bizId", "biz_id", "str", True, doc='Unique id for idempotent processing Maximum length is 128'),
        P("from", "from_account", "str", True, doc='Fund transfer out account bizType enmu'),
        P("to", "to_account", "str", True, doc='Fund transfer in account bizType enum'),
        P("currency", "currency", "str", True, doc='Currency name must be all lowercase (usdt,btc)'),
        P("symbol", "symbol", "str", False, doc='The transfer symbol must be all lowercase (this field must be passed if one of the transfer-in and transfer-out parties is leverage)'),
        P("amount", "amount", "decimal", True, doc='Transfer amount'),
      )),
    E("sub_account_transfer", SPOT, "POST", "/v4/balance/account/transfer", auth=True, encoding="json",
      result=T.OPTIONAL_ID,
      section="Transfer between sub-account business systems", line=1663, limits=(),
      params=(
        P("bizId", "biz_id", "str", True, doc='Unique id for idempotent processing Maximum length is 128'),
        P("from", "from_account", "str", True, doc='Fund transfer out account bizType enmu'),
        P("to", "to_account", "str", True, doc='Fund transfer in account bizType enum'),
        P("currency", "currency", "str", True, doc='Currency name must be all lowercase (usdt,btc)'),
        P("symbol", "symbol", "str", False, doc='The transfer symbol must be all lowercase (this field must be passed if one of the transfer-in and transfer-out parties is leverage)'),
        P("amount", "amount", "decimal", True, doc='Transfer amount'),
        P("toAccountId", "to_account_id", "int", True, doc='Transfer-in account id (must belong to the same user as the transfer-out account ID)'),
        P("fromAccountId", "from_account_id", "int", False, doc='Transfer-out account id'),
      )),
    E("ws_token", SPOT, "POST", "/v4/ws-token", auth=True, encoding="json",
      result=T.WsToken, idempotent=True,  # asking again only renews the same token
      section="Get token", line=2038, limits=(('apikey', 1, 10.0),),
      params=(
      )),
)

FUTURES_ENDPOINTS = (
    E("client_ip", FUTURES, "GET", "/future/public/client", auth=False, encoding="query",
      result=T.ClientIp,
      section="Get client ip", line=164, limits=(),
      params=(
      )),
    E("symbol_coins", FUTURES, "GET", "/future/market/v1/public/symbol/coins", auth=False, encoding="query",
      result=list[str],
      section="Get Trading Pair Currency", line=179, limits=(),
      params=(
      )),
    E("symbol_detail", FUTURES, "GET", "/future/market/v1/public/symbol/detail", auth=False, encoding="query",
      result=T.FuturesSymbol,
      section="Get Configuration Information for Single Trading Pair", line=195, limits=(),
      params=(
        P("symbol", "symbol", "str", True, doc='Trading pair eg:btc_usdt'),
      )),
    E("symbols", FUTURES, "GET", "/future/market/v3/public/symbol/list", auth=False, encoding="query",
      result=list[T.FuturesSymbol],
      section="Get Configuration Information for Listed And Tradeable Symbols", line=271, limits=(),
      params=(
      )),
    E("leverage_brackets", FUTURES, "GET", "/future/market/v1/public/leverage/bracket/detail", auth=False, encoding="query",
      result=T.LeverageBrackets,
      section="See Leverage Stratification of Single Trading Pair", line=346, limits=(),
      params=(
        P("symbol", "symbol", "str", True, doc='Trading pair eg:eth_usdt'),
      )),
    E("ticker", FUTURES, "GET", "/future/market/v1/public/q/ticker", auth=False, encoding="query",
      result=T.FuturesTicker,
      section="Get Market Information for Specific Trading Pair", line=380, limits=(),
      params=(
        P("symbol", "symbol", "str", True, doc='Trading pair eg:eth_usdt'),
      )),
    E("tickers", FUTURES, "GET", "/future/market/v1/public/q/tickers", auth=False, encoding="query",
      result=list[T.FuturesTicker],
      section="Get Market Information for All Trading Pairs", line=410, limits=(),
      params=(
      )),
    E("recent_trades", FUTURES, "GET", "/future/market/v1/public/q/deal", auth=False, encoding="query",
      result=list[T.FuturesTrade],
      section="Get Latest Transaction Information of Trading Pairs", line=438, limits=(),
      params=(
        P("symbol", "symbol", "str", True, doc='Trading pair eg:btc_usdt'),
        P("num", "num", "int", False, default=50, doc='Quantity'),
      )),
    E("depth", FUTURES, "GET", "/future/market/v1/public/q/depth", auth=False, encoding="query",
      result=T.FuturesDepth,
      section="Get Depth Data of Trading Pairs", line=467, limits=(('ip', 10, 1.0),),
      params=(
        P("symbol", "symbol", "str", True, doc='Trading pair eg:btc_usdt'),
        P("level", "level", "int", True, default=50, range=(1, 500), doc='Level (min:1, max:50) 1~50 -- the table says 50, the "Orderbook Management" procedure asks for 500: both are let through, the server decides'),
      )),
    E("index_price", FUTURES, "GET", "/future/market/v1/public/q/symbol-index-price", auth=False, encoding="query",
      result=T.PriceTick,
      section="Get Index Price for Single Trading Pair", line=498, limits=(),
      params=(
        P("symbol", "symbol", "str", True, doc='Trading pair eg:btc_usdt'),
      )),
    E("index_prices", FUTURES, "GET", "/future/market/v1/public/q/index-price", auth=False, encoding="query",
      result=list[T.PriceTick],
      section="Get Index Price for All Trading Pairs", line=522, limits=(),
      params=(
      )),
    E("mark_price", FUTURES, "GET", "/future/market/v1/public/q/symbol-mark-price", auth=False, encoding="query",
      result=T.PriceTick,
      section="Get Mark Price for Single Trading Pair", line=544, limits=(),
      params=(
        P("symbol", "symbol", "str", True, doc='Trading pair eg:btc_usdt'),
      )),
    E("mark_prices", FUTURES, "GET", "/future/market/v1/public/q/mark-price", auth=False, encoding="query",
      result=list[T.PriceTick],
      section="Get Mark Price for All Trading Pairs", line=568, limits=(),
      params=(
      )),
    E("klines", FUTURES, "GET", "/future/market/v1/public/q/kline", auth=False, encoding="query",
      result=list[T.FuturesKline],
      section="Get Trading Pair Information of Kline", line=590, limits=(),
      params=(
        P("symbol", "symbol", "str", True, doc='Trading pair eg:eth_usdt'),
        P("interval", "interval", "str", True, doc='Time-interval 1m;5m;15m;30m;1h;4h;1d;1w'),
        P("startTime", "start_time", "int", False, doc='Start time'),
        P("endTime", "end_time", "int", False, doc='End time'),
        P("limit", "limit", "int", False, range=(1, 1500), doc='Limit 1~1500'),
      )),
    E("agg_ticker", FUTURES, "GET", "/future/market/v1/public/q/agg-ticker", auth=False, encoding="query",
      result=T.AggTicker,
      section="Get Aggregated Market Information for Specific Trading Pair", line=625, limits=(),
      params=(
        P("symbol", "symbol", "str", True, doc='Trading pair eg:eth_usdt'),
      )),
    E("agg_tickers", FUTURES, "GET", "/future/market/v1/public/q/agg-tickers", auth=False, encoding="query",
      result=list[T.AggTicker],
      section="Get Aggregated Market Information for All Trading Pairs", line=659, limits=(),
      params=(
      )),
    E("funding_rate", FUTURES, "GET", "/future/market/v1/public/q/funding-rate", auth=False, encoding="query",
      result=T.Page[T.FundingRateRecord],
      section="Get Funding Rate Information", line=691, limits=(('ip', 1, 1.0),),
      params=(
        P("symbol", "symbol", "str", True, doc='Trading pair eg:eth_usdt'),
      )),
    E("funding_rate_history", FUTURES, "GET", "/future/market/v1/public/q/funding-rate-record", auth=False, encoding="query",
      result=T.Page[T.FundingRateRecord],
      section="Get Funding Rate Records", line=727, limits=(), paging=('cursor', 'id', 'id'),
      params=(
        P("symbol", "symbol", "str", False, doc='Trading pair'),
        P("direction", "direction", "str", False, default='NEXT', doc='Direction (PREV: Previous page; NEXT: Next page) PREV;NEXT'),
        P("id", "id", "int", False, doc='id'),
        P("limit", "limit", "int", False, default=10, doc='Limit'),
      )),
    E("book_ticker", FUTURES, "GET", "/future/market/v1/public/q/ticker/book", auth=False, encoding="query",
      result=T.BookTicker,
      section="Get Ask Bid Market Information for Specific Trading Pair", line=762, limits=(),
      params=(
        P("symbol", "symbol", "str", True, doc='Trading pair eg:eth_usdt'),
      )),
    E("book_tickers", FUTURES, "GET", "/future/market/v1/public/q/ticker/books", auth=False, encoding="query",
      result=list[T.BookTicker],
      section="Get Ask Bid Market Information for All Trading Pairs", line=789, limits=(),
      params=(
      )),
    E("risk_fund_balance", FUTURES, "GET", "/future/market/v1/public/contract/risk-balance", auth=False, encoding="query",
      result=T.Page[T.RiskFundBalance],
      section="Get Trading Pair Risk Fund Balance", line=814, limits=(), paging=('cursor', 'id', 'id'),
      params=(
        P("symbol", "symbol", "str", True, doc='Trading pair eg:eth_usdt'),
        P("direction", "direction", "str", False, default='NEXT', doc='Direction (PREV: Previous page; NEXT: Next page) PREV;NEXT'),
        P("id", "id", "int", False, doc='id'),
        P("limit", "limit", "int", False, default=10, doc='Limit'),
      )),
    E("open_interest", FUTURES, "GET", "/future/market/v1/public/contract/open-interest", auth=False, encoding="query",
      result=T.OpenInterest,
      section="Get the open position of a trading pair", line=848, limits=(('ip', 1, 1.0),),
      params=(
        P("symbol", "symbol", "str", True, doc='Trading pair eg:eth_usdt'),
      )),
    E("place_order", FUTURES, "POST", "/future/trade/v1/order/create", auth=True, encoding="form",
      result=T.OPTIONAL_ID,
      section="Create Orders", line=877, limits=(('apikey', 200, 1.0),),
      params=(
        P("clientOrderId", "client_order_id", "str", False, doc='Client order ID'),
        P("symbol", "symbol", "str", True, doc='Trading pair'),
        P("orderSide", "order_side", "str", True, doc='Order side BUY;SELL'),
        P("orderType", "order_type", "str", True, doc='Order type LIMIT;MARKET'),
        P("origQty", "orig_qty", "decimal", True, doc='Quantity (Cont)'),
        P("price", "price", "decimal", False, doc='Price'),
        P("timeInForce", "time_in_force", "str", False, default='GTC', doc='Valid way GTC;IOC;FOK;GTX'),
        P("triggerProfitPrice", "trigger_profit_price", "decimal", False, doc='Stop profit price'),
        P("triggerStopPrice", "trigger_stop_price", "decimal", False, doc='Stop loss price'),
        P("positionSide", "position_side", "str", True, doc='Position side LONG;SHORT'),
      )),
    E("amend_order", FUTURES, "POST", "/future/trade/v1/order/update", auth=True, encoding="form",
      result=T.ACK,
      section="Update Orders", line=939, limits=(('apikey', 200, 1.0),),
      params=(
        P("orderId", "order_id", "int", True, doc='Order ID'),
        P("price", "price", "decimal", True, doc='Target price'),
        P("origQty", "orig_qty", "decimal", True, doc='Target quantity (cont)'),
        P("triggerProfitPrice", "trigger_profit_price", "decimal", False, doc='Profit target price'),
        P("triggerStopPrice", "trigger_stop_price", "decimal", False, doc='Stop-Loss price'),
        P("triggerPriceType", "trigger_price_type", "str", False, default='LATEST_PRICE', doc='Trigger price type INDEX_PRICE; MARK_PRICE; LATEST_PRICE'),
        P("profitDelegateOrderType", "profit_delegate_order_type", "str", False, doc='Take-Profit order type LIMIT; MARKET'),
        P("profitDelegateTimeInForce", "profit_delegate_time_in_force", "str", False, doc='Take-Profit order validity method GTC; IOC; FOK; GTX'),
        P("profitDelegatePrice", "profit_delegate_price", "decimal", False, doc='Take-Profit order price'),
        P("stopDelegateOrderType", "stop_delegate_order_type", "str", False, doc='Stop-Loss order type LIMIT; MARKET'),
        P("stopDelegateTimeInForce", "stop_delegate_time_in_force", "str", False, doc='Stop-Loss order validity method GTC; IOC; FOK; GTX'),
        P("stopDelegatePrice", "stop_delegate_price", "decimal", False, doc='Stop-Loss order price'),
        P("followUpOrder", "follow_up_order", "bool", False, doc='If true, indicates chase order'),
      )),
    E("place_orders", FUTURES, "POST", "/future/trade/v2/order/create-batch", auth=True, encoding="form",
      result=T.ID_LIST,
      section="Bulk Orders", line=988, limits=(('apikey', 200, 1.0),),
      params=(
        P("list", "orders", "jsonstr", True, doc='List collection of order data'),
      )),
    E("place_orders_atomic", FUTURES, "POST", "/future/trade/v2/order/atomic-create-batch", auth=True, encoding="json",
      result=T.ID_LIST,
      section="Batch Order Placement", line=1041, limits=(('apikey', 200, 1.0),),
      params=(
        P("orders", "orders", "body", True, doc='Request body is a JSON array, where each element represents an individual order (same fields as place_order)'),
      )),
    E("get_order", FUTURES, "GET", "/future/trade/v1/order/detail", auth=True, encoding="query",
      result=T.FuturesOrder,
      section="See Orders by ID", line=1095, limits=(('apikey', 200, 1.0),),
      params=(
        P("orderId", "order_id", "int", True, doc='Order ID'),
      )),
    E("orders", FUTURES, "GET", "/future/trade/v1/order/list", auth=True, encoding="query",
      result=T.Page[T.FuturesOrder],
      section="See Orders", line=1141, limits=(('apikey', 200, 1.0),), paging=('page',),
      params=(
        P("clientOrderId", "client_order_id", "str", False, doc='Client order ID'),
        P("page", "page", "int", False, default=1, doc='Page'),
        P("size", "size", "int", False, default=10, doc='Quantity of a single page'),
        P("startTime", "start_time", "int", False, doc='Start time'),
        P("endTime", "end_time", "int", False, doc='End time'),
        P("state", "state", "str", False, default='NEW', doc='Order state: NEW (unfilled); PARTIALLY_CANCELED; FILLED; CANCELED; REJECTED; EXPIRED; UNFINISHED; HISTORY PREV; NEXT'),
        P("symbol", "symbol", "str", False, doc='Trading pair'),
      )),
    E("cancel_order", FUTURES, "POST", "/future/trade/v1/order/cancel", auth=True, encoding="form",
      result=T.ACK,
      section="Cancel Orders", line=1202, limits=(('apikey', 200, 1.0),),
      params=(
        P("orderId", "order_id", "int", True, doc='Order ID'),
      )),
    E("cancel_orders", FUTURES, "POST", "/future/trade/v1/order/cancel-batch", auth=True, encoding="form",
      result=T.ACK,
      section="Batch Cancel Orders", line=1228, limits=(('apikey', 200, 1.0),),
      params=(
        P("orderIds", "order_ids", "csv", True, doc='Order IDs (comma-separated)'),
        P("clientOrderIds", "client_order_ids", "csv", False, doc='Client order IDs (comma-separated)'),
      )),
    E("cancel_all_orders", FUTURES, "POST", "/future/trade/v1/order/cancel-all", auth=True, encoding="form",
      result=T.ACK,
      section="Cancel All Orders", line=1251, limits=(('apikey', 200, 1.0),),
      params=(
        P("symbol", "symbol", "str", True, doc='Trading pair (cancel all trading pair orders if pass empty string)'),
      )),
    E("open_orders", FUTURES, "GET", "/future/trade/v1/order/list-open-order", auth=True, encoding="query",
      result=T.OPEN_ORDERS,
      section="Get Open Order List", line=1278, limits=(('apikey', 10, 1.0),),
      params=(
        P("symbol", "symbol", "str", False, doc='Trading pair name (e.g. eth_usdt, btc_usdt)'),
      )),
    E("order_history", FUTURES, "GET", "/future/trade/v1/order/list-history", auth=True, encoding="query",
      result=T.Page[T.FuturesOrder],
      section="See Order History", line=1327, limits=(('apikey', 200, 1.0),), paging=('cursor', 'id', 'orderId'),
      params=(
        P("symbol", "symbol", "str", False, doc='Trading pairs (queries all trading pairs if not passed)'),
        P("direction", "direction", "str", False, default='NEXT', doc='Direction PREV;NEXT'),
        P("id", "id", "int", False, doc='id'),
        P("limit", "limit", "int", False, default=10, doc='Limit'),
        P("startTime", "start_time", "int", False, doc='Start time'),
        P("endTime", "end_time", "int", False, doc='End time'),
        P("forceClose", "force_close", "bool", False, default=False, doc='Force liquidation information. Without this field, the force liquidation order information will not be displayed.'),
      )),
    E("my_trades", FUTURES, "GET", "/future/trade/v1/order/trade-list", auth=True, encoding="query",
      result=T.Page[T.FuturesUserTrade],
      section="See Transaction Details", line=1386, limits=(('apikey', 200, 1.0),), paging=('page',),
      params=(
        P("orderId", "order_id", "int", False, doc='Order ID'),
        P("symbol", "symbol", "str", False, doc='Trading pair'),
        P("page", "page", "int", False, default=1, doc='Page'),
        P("size", "size", "int", False, default=10, doc='Quantity of a single page'),
        P("startTime", "start_time", "int", False, doc='Start time'),
        P("endTime", "end_time", "int", False, doc='End time'),
      )),
    E("partially_canceled_orders", FUTURES, "GET", "/future/trade/v2/order/partial-canceled-orders", auth=True, encoding="query",
      result=T.Page[T.FuturesOrder],
      section="Query Partially Filled and Partially Canceled Orders", line=1436, limits=(('apikey', 200, 1.0),), paging=('page',),
      params=(
        P("page", "page", "int", True, default=1, doc='Page number'),
        P("size", "size", "int", True, default=10, doc='Number of items per page'),
        P("startTime", "start_time", "int", True, doc='Start time (interval between start and end must be within 300000 milliseconds)'),
        P("endTime", "end_time", "int", True, doc='End time'),
        P("symbol", "symbol", "str", True, doc='Trading pair'),
      )),
    E("order_list", FUTURES, "GET", "/future/trade/v1/order/OrderList", auth=True, encoding="query",
      result=T.Page[T.FuturesOrder],
      section="See Orders (OrderList)", line=1500, limits=(('apikey', 100, 1.0),),
      params=(
        P("symbol", "symbol", "str", False, doc='Trading pair'),
      )),
    E("quant_order_history", FUTURES, "GET", "/future/trade/v1/order/quant/list-history", auth=True, encoding="query",
      result=T.Page[T.FuturesOrder],
      section="See Order History (Quant)", line=1545, limits=(('apikey', 200, 1.0),), paging=('cursor', 'id', 'orderId'),
      params=(
        P("id", "id", "int", False, doc='Cursor ID for pagination, the last orderId from previous response'),
        P("direction", "direction", "str", False, default='NEXT', doc='Pagination direction PREV;NEXT'),
        P("limit", "limit", "int", False, default=10, range=(1, 2000), doc='Number of records per page, max 2000'),
        P("symbol", "symbol", "str", False, doc='Trading pair'),
        P("forceClose", "force_close", "bool", False, default=False, doc='Whether to query forced liquidation orders'),
        P("startTime", "start_time", "int", False, doc='Start time (millisecond timestamp), earliest 90 days ago'),
        P("endTime", "end_time", "int", False, doc='End time (millisecond timestamp)'),
        P("origType", "orig_type", "int", False, doc='Conditional order type: 1=Limit TP, 2=Limit SL, 3=Market TP, 4=Market SL'),
        P("orderSide", "order_side", "int", False, doc='Order side: 1=Buy, 2=Sell'),
        P("states", "states", "csv", False, doc='Order states: 2=Partially Filled, 3=Filled, 4=Canceled, 6=Expired'),
        P("orderOrigType", "order_orig_type", "int", False, doc='Order type: 1=Limit, 2=Market, 3=Limit TP/SL, 4=Market TP/SL, 5=MMR Stop Loss'),
        P("welfareAccount", "welfare_account", "bool", False, default=False, doc='Whether to query bonus account'),
      )),
    E("quant_trades", FUTURES, "GET", "/future/trade/v1/order/quant/trade-list", auth=True, encoding="query",
      result=T.Page[T.FuturesUserTrade],
      section="See Transaction Details (Quant)", line=1619, limits=(('apikey', 200, 1.0),), paging=('cursor', 'id', 'execId'),
      params=(
        P("id", "id", "int", False, doc='Cursor ID for pagination (the last execId from previous response)'),
        P("direction", "direction", "str", False, default='NEXT', doc='Pagination direction PREV;NEXT'),
        P("limit", "limit", "int", False, default=10, range=(1, 2000), doc='Number of records per page, max 2000'),
        P("orderId", "order_id", "int", False, doc='Order ID'),
        P("symbol", "symbol", "str", False, doc='Trading pair'),
        P("startTime", "start_time", "int", False, doc='Start time (millisecond timestamp)'),
        P("endTime", "end_time", "int", False, doc='End time (millisecond timestamp)'),
        P("welfareAccount", "welfare_account", "bool", False, default=False, doc='Whether to query bonus account'),
      )),
    E("place_trigger_order", FUTURES, "POST", "/future/trade/v1/entrust/create-plan", auth=True, encoding="form",
      result=T.OPTIONAL_ID,
      section="Create Trigger Orders", line=1678, limits=(('apikey', 200, 1.0),),
      params=(
        P("clientOrderId", "client_order_id", "str", False, doc='Client order ID'),
        P("symbol", "symbol", "str", True, doc='Trading pair'),
        P("orderSide", "order_side", "str", True, doc='Order side BUY;SELL'),
        P("entrustType", "entrust_type", "str", True, doc='Order type: TAKE_PROFIT (Take Profit Limit); STOP (Stop Limit); TAKE_PROFIT_MARKET (Take Profit Market); STOP_MARKET (Stop Loss Market) TAKE_PROFIT;STOP;TAKE_PROFIT_MARKET;STOP_MARKET'),
        P("origQty", "orig_qty", "decimal", True, doc='Quantity (Cont)'),
        P("price", "price", "decimal", False, doc='Price'),
        P("stopPrice", "stop_price", "decimal", True, doc='Trigger price'),
        P("timeInForce", "time_in_force", "str", True, doc='Valid way: GTC; IOC; FOK; GTX. Market orders only support IOC GTC;IOC;FOK;GTX'),
        P("triggerPriceType", "trigger_price_type", "str", True, doc='Trigger price type INDEX_PRICE;MARK_PRICE;LATEST_PRICE'),
        P("positionSide", "position_side", "str", True, doc='Position side LONG;SHORT'),
      )),
    E("cancel_trigger_order", FUTURES, "POST", "/future/trade/v1/entrust/cancel-plan", auth=True, encoding="form",
      result=T.ACK,
      section="Cancel Trigger Orders", line=1724, limits=(('apikey', 200, 1.0),),
      params=(
        P("entrustId", "entrust_id", "str", True, doc='Plan order ID'),
      )),
    E("cancel_all_trigger_orders", FUTURES, "POST", "/future/trade/v1/entrust/cancel-all-plan", auth=True, encoding="form",
      result=T.ACK,
      section="Cancel All Trigger Orders", line=1750, limits=(('apikey', 200, 1.0),),
      params=(
        P("symbol", "symbol", "str", True, doc='Trading pair e.g. btc_usdt'),
      )),
    E("trigger_orders", FUTURES, "GET", "/future/trade/v1/entrust/plan-list", auth=True, encoding="query",
      result=T.Page[T.TriggerOrder],
      section="See Trigger Orders", line=1777, limits=(('apikey', 200, 1.0),), paging=('page',),
      params=(
        P("symbol", "symbol", "str", False, doc='Trading pairs (queries all trading pairs if not passed)'),
        P("page", "page", "int", False, default=1, doc='Page'),
        P("size", "size", "int", False, default=10, doc='Quantity of a single page'),
        P("startTime", "start_time", "int", False, doc='Start time'),
        P("endTime", "end_time", "int", False, doc='End time'),
        P("state", "state", "str", True, doc='Order status NOT_TRIGGERED;TRIGGERING;TRIGGERED;USER_REVOCATION;PLATFORM_REVOCATION;EXPIRED;UNFINISHED;HISTORY'),
      )),
    E("get_trigger_order", FUTURES, "GET", "/future/trade/v1/entrust/plan-detail", auth=True, encoding="query",
      result=T.TriggerOrder,
      section="See Trigger Orders by EntrustId", line=1833, limits=(('apikey', 200, 1.0),),
      params=(
        P("entrustId", "entrust_id", "int", True, doc='Order ID'),
      )),
    E("trigger_order_history", FUTURES, "GET", "/future/trade/v1/entrust/plan-list-history", auth=True, encoding="query",
      result=T.Page[T.TriggerOrder],
      section="See Trigger Orders History", line=1875, limits=(('apikey', 200, 1.0),), paging=('cursor', 'id', 'entrustId'),
      params=(
        P("symbol", "symbol", "str", False, doc='Trading pair (if not provided, queries all pairs)'),
        P("direction", "direction", "str", False, default='NEXT', doc='Query direction PREV;NEXT'),
        P("id", "id", "int", False, doc='Record ID'),
        P("limit", "limit", "int", False, default=10, doc='Limit number of records'),
        P("startTime", "start_time", "int", False, doc='Start time'),
        P("endTime", "end_time", "int", False, doc='End time'),
      )),
    E("place_tpsl_order", FUTURES, "POST", "/future/trade/v1/entrust/create-profit", auth=True, encoding="form",
      result=T.OPTIONAL_ID,
      section="Create Stop Limit", line=1925, limits=(('apikey', 200, 1.0),),
      params=(
        P("symbol", "symbol", "str", False, doc='Trading pair'),
        P("origQty", "orig_qty", "decimal", True, doc='Quantity (contracts)'),
        P("triggerProfitPrice", "trigger_profit_price", "decimal", True, doc='Take-profit trigger price'),
        P("triggerStopPrice", "trigger_stop_price", "decimal", True, doc='Stop-loss trigger price'),
        P("expireTime", "expire_time", "int", True, doc='Expiration time (timestamp)'),
        P("positionSide", "position_side", "str", True, doc='Position side LONG;SHORT'),
        P("profitDelegateOrderType", "profit_delegate_order_type", "str", True, doc='Take-profit order type LIMIT;MARKET'),
        P("profitDelegateTimeInForce", "profit_delegate_time_in_force", "str", True, doc='Take-profit order time in force GTC;FOK;IOC;GTX'),
        P("profitDelegatePrice", "profit_delegate_price", "decimal", False, doc='Take-profit order price'),
        P("stopDelegateOrderType", "stop_delegate_order_type", "str", True, doc='Stop-loss order type LIMIT;MARKET'),
        P("stopDelegateTimeInForce", "stop_delegate_time_in_force", "str", True, doc='Stop-loss order time in force GTC;FOK;IOC;GTX'),
        P("stopDelegatePrice", "stop_delegate_price", "decimal", False, doc='Stop-loss order price'),
      )),
    E("cancel_tpsl_order", FUTURES, "POST", "/future/trade/v1/entrust/cancel-profit-stop", auth=True, encoding="form",
      result=T.ACK,
      section="Cancel Stop Limit", line=1988, limits=(('apikey', 200, 1.0),),
      params=(
        P("profitId", "profit_id", "int", True, doc='Profit/Stop order ID'),
      )),
    E("cancel_all_tpsl_orders", FUTURES, "POST", "/future/trade/v1/entrust/cancel-all-profit-stop", auth=True, encoding="form",
      result=T.ACK,
      section="Cancel All Stop Limit", line=2015, limits=(('apikey', 200, 1.0),),
      params=(
        P("symbol", "symbol", "str", True, doc='Trading pair, e.g., btc_usdt'),
      )),
    E("tpsl_orders", FUTURES, "GET", "/future/trade/v1/entrust/profit-list", auth=True, encoding="query",
      result=T.Page[T.TpslOrder],
      section="See Stop Limit", line=2042, limits=(('apikey', 200, 1.0),), paging=('page',),
      params=(
        P("symbol", "symbol", "str", False, doc='Trading pair (if not provided, query all pairs)'),
        P("page", "page", "int", False, default=1, doc='Page number'),
        P("size", "size", "int", False, default=10, doc='Number per page'),
        P("startTime", "start_time", "int", False, doc='Start time'),
        P("endTime", "end_time", "int", False, doc='End time'),
        P("state", "state", "str", True, doc='Order state NOT_TRIGGERED;TRIGGERING;TRIGGERED;USER_REVOCATION;PLATFORM_REVOCATION;EXPIRED;UNFINISHED;HISTORY'),
      )),
    E("get_tpsl_order", FUTURES, "GET", "/future/trade/v1/entrust/profit-detail", auth=True, encoding="query",
      result=T.TpslOrder,
      section="See Stop Limit by ProfitId", line=2102, limits=(('apikey', 200, 1.0),),
      params=(
        P("profitId", "profit_id", "int", True, doc='Profit and Stop order ID'),
      )),
    E("amend_tpsl_order", FUTURES, "POST", "/future/trade/v1/entrust/update-profit-stop", auth=True, encoding="form",
      result=T.ACK,
      section="Alter Stop Limit", line=2141, limits=(('apikey', 200, 1.0),),
      params=(
        P("profitId", "profit_id", "int", True, doc='Profit and Stop order ID'),
        P("triggerProfitPrice", "trigger_profit_price", "decimal", False, doc='Take-profit trigger price'),
        P("triggerStopPrice", "trigger_stop_price", "decimal", False, doc='Stop-loss trigger price'),
      )),
    E("place_trailing_order", FUTURES, "POST", "/future/trade/v1/entrust/create-track", auth=True, encoding="form",
      result=T.OPTIONAL_ID,
      section="Create Track", line=2190, limits=(('apikey', 200, 1.0),),
      params=(
        P("callback", "callback", "str", True, doc='Callback type configuration FIXED;PROPORTION'),
        P("callbackVal", "callback_val", "decimal", True, doc='Callback value (must be > 0) >0'),
        P("orderSide", "order_side", "str", True, doc='Order side BUY;SELL'),
        P("origQty", "orig_qty", "decimal", True, doc='Original quantity (contracts)'),
        P("positionSide", "position_side", "str", True, doc='Position side BOTH;LONG;SHORT'),
        P("positionType", "position_type", "str", True, doc='Position type CROSSED;ISOLATED'),
        P("symbol", "symbol", "str", True, doc='Trading pair'),
        P("triggerPriceType", "trigger_price_type", "str", True, doc='Trigger price type INDEX_PRICE;MARK_PRICE;LATEST_PRICE'),
        P("activationPrice", "activation_price", "decimal", False, doc='Activation price'),
        P("clientMedia", "client_media", "str", False, doc='Client media'),
        P("clientMediaChannel", "client_media_channel", "str", False, doc='Client media channel'),
        P("clientOrderId", "client_order_id", "str", False, doc='Client order ID'),
        P("expireTime", "expire_time", "int", False, doc='Expiration time'),
      )),
    E("cancel_trailing_order", FUTURES, "POST", "/future/trade/v1/entrust/cancel-track", auth=True, encoding="form",
      result=T.ACK,
      section="Cancel Single Track", line=2243, limits=(('apikey', 200, 1.0),),
      params=(
        P("trackId", "track_id", "int", True, doc='Tracking order ID'),
      )),
    E("get_trailing_order", FUTURES, "GET", "/future/trade/v1/entrust/track-detail", auth=True, encoding="query",
      result=T.TrailingOrder,
      section="Get Single Track Detail", line=2269, limits=(('apikey', 200, 1.0),),
      params=(
        P("trackId", "track_id", "int", True, doc='Tracking order ID'),
      )),
    E("trailing_orders", FUTURES, "GET", "/future/trade/v1/entrust/track-list", auth=True, encoding="query",
      result=T.Page[T.TrailingOrder],
      section="Get Track List (All Active)", line=2316, limits=(('apikey', 200, 1.0),), paging=('page',),
      params=(
        P("page", "page", "int", False, default=1, doc='Page number'),
        P("size", "size", "int", False, default=10, doc='Number of items per page'),
        P("endTime", "end_time", "int", False, doc='End time'),
        P("startTime", "start_time", "int", False, doc='Start time'),
        P("symbol", "symbol", "str", False, doc='Trading pair'),
      )),
    E("cancel_all_trailing_orders", FUTURES, "POST", "/future/trade/v1/entrust/cancel-all-track", auth=True, encoding="form",
      result=T.ACK,
      section="Cancel All Track", line=2370, limits=(('apikey', 200, 1.0),),
      params=(
        P("symbol", "symbol", "str", False, doc='Trading pair'),
      )),
    E("trailing_order_history", FUTURES, "GET", "/future/trade/v1/entrust/track-list-history", auth=True, encoding="query",
      result=T.Page[T.TrailingOrder],
      section="Get History Track List (Inactive)", line=2397, limits=(('apikey', 200, 1.0),), paging=('cursor', 'id', 'trackId'),
      params=(
        P("direction", "direction", "str", False, default='NEXT', doc='Pagination direction PREV;NEXT'),
        P("limit", "limit", "int", False, default=10, doc='Number of items per page'),
        P("id", "id", "int", False, doc='Record ID'),
        P("startTime", "start_time", "int", False, doc='Start time'),
        P("endTime", "end_time", "int", False, doc='End time'),
        P("symbol", "symbol", "str", False, doc='Trading pair'),
      )),
    E("tpsl_order_history", FUTURES, "GET", "/future/trade/v1/entrust/profit-list-history", auth=True, encoding="query",
      result=T.Page[T.TpslOrder],
      section="Query Historical Take-Profit & Stop-Loss Orders", line=2455, limits=(('apikey', 200, 1.0),), paging=('cursor', 'id', 'profitId'),
      params=(
        P("id", "id", "int", False, doc='Page number'),
        P("limit", "limit", "int", False, default=10, doc='Page size'),
        P("startTime", "start_time", "int", False, doc='Start time (default: query data from 90 days ago)'),
        P("endTime", "end_time", "int", False, doc='End time'),
        P("symbol", "symbol", "str", False, doc='Trading pair'),
        P("direction", "direction", "str", False, default='NEXT', doc='Pagination direction NEXT;PREVIOUS'),
      )),
    E("reverse_plans", FUTURES, "GET", "/future/trade/v1/entrust/reverse-plan-list", auth=True, encoding="query",
      result=T.Page[T.TriggerOrder],
      section="Query Reverse Plan", line=2526, limits=(('apikey', 200, 1.0),), paging=('page',),
      params=(
        P("positionType", "position_type", "str", False, doc='Position type crossed;isolated'),
        P("positionSide", "position_side", "str", False, doc='Position side long;short'),
        P("closeType", "close_type", "str", False, doc='Close type fixed;all'),
        P("state", "state", "str", False, doc='Order state not_triggered;triggered;triggering;user_revocation;platform_revocation;expired'),
        P("symbol", "symbol", "str", False, doc='Trading pair'),
        P("page", "page", "int", False, default=1, doc='Page number'),
        P("size", "size", "int", False, default=10, doc='Page size'),
      )),
    E("reverse_plan_history", FUTURES, "GET", "/future/trade/v1/entrust/reverse-plan-list-history", auth=True, encoding="query",
      result=T.Page[T.TriggerOrder],
      section="Query Historical Reverse Plan", line=2589, limits=(('apikey', 200, 1.0),), paging=('page',),
      params=(
        P("page", "page", "int", False, default=1, doc='Page number'),
        P("size", "size", "int", False, default=10, doc='Page size'),
        P("startTime", "start_time", "int", False, doc='Start time'),
        P("endTime", "end_time", "int", False, doc='End time'),
        P("symbol", "symbol", "str", False, doc='Trading pair'),
      )),
    E("filled_order_history", FUTURES, "GET", "/future/trade/v1/order/trade-history", auth=True, encoding="query",
      result=list[T.FilledOrderSummary],
      section="Query Historical Filled Orders", line=2652, limits=(('apikey', 200, 1.0),),
      params=(
        P("limit", "limit", "int", False, default=10, doc='Quantity (Max 500)'),
        P("startTime", "start_time", "int", False, doc='Start time (default: query data from 90 days ago)'),
        P("endTime", "end_time", "int", False, doc='End time'),
        P("symbol", "symbol", "str", True, doc='Trading pair'),
      )),
    E("all_trades", FUTURES, "GET", "/future/trade/v1/order/trade-list-all", auth=True, encoding="query",
      result=list[T.FuturesUserTrade],
      section="Query All Trade Details (No pagination)", line=2690, limits=(('apikey', 200, 1.0),),
      params=(
        P("orderId", "order_id", "int", False, doc='Order ID'),
        P("startTime", "start_time", "int", False, doc='Start time'),
        P("endTime", "end_time", "int", False, doc='End time'),
        P("symbol", "symbol", "str", False, doc='Trading pair'),
      )),
    E("all_orders", FUTURES, "GET", "/future/trade/v1/order-entrust/list", auth=True, encoding="query",
      result=T.Page[T.EntrustRecord],
      section="Query All Orders", line=2736, limits=(('apikey', 200, 1.0),), paging=('page',),
      params=(
        P("page", "page", "int", False, default=1, doc='Page number'),
        P("size", "size", "int", False, default=10, doc='Page size'),
        P("startTime", "start_time", "int", False, doc='Start time'),
        P("endTime", "end_time", "int", False, doc='End time'),
        P("symbol", "symbol", "str", False, doc='Trading pair'),
        P("type", "type", "str", False, default='ORDER', doc='Type of entrust order: ORDER (limit/market) or ENTRUST (plan order)'),
        P("state", "state", "str", False, doc='Order state NEW;PARTIALLY_FILLED;FILLED;CANCELED;REJECTED;PLACED;UNFINISHED;HISTORY'),
        P("forceClose", "force_close", "bool", False, default=False, doc='Whether forced liquidation'),
      )),
    E("active_positions", FUTURES, "GET", "/future/trade/v1/position/list/active", auth=True, encoding="query",
      result=list[T.FuturesPosition],
      section="Get Active Position", line=2797, limits=(('apikey', 200, 1.0),),
      params=(
        P("symbol", "symbol", "str", False, doc='Trading pair'),
        P("isDelivery", "is_delivery", "bool", False, default=False, doc='Whether to query delivery contract'),
      )),
    E("leverage_info", FUTURES, "GET", "/future/trade/v1/position/leverage/list", auth=True, encoding="query",
      result=T.Page[T.LeverageInfo],
      section="Get Leverage Info", line=2847, limits=(('apikey', 200, 1.0),),
      params=(
        P("symbol", "symbol", "str", True, doc='Trading pair'),
      )),
    E("position_history", FUTURES, "GET", "/future/trade/v1/position/list-history", auth=True, encoding="query",
      result=T.Page[T.PositionHistory],
      section="Get Position History", line=2886, limits=(('apikey', 200, 1.0),), paging=('cursor', 'id', 'id'),
      params=(
        P("id", "id", "int", False, doc='Page number'),
        P("direction", "direction", "str", False, default='NEXT', doc='Pagination direction NEXT;PREVIOUS'),
        P("limit", "limit", "int", False, default=10, doc='Page size'),
        P("symbol", "symbol", "str", False, doc='Trading pair'),
        P("startTime", "start_time", "int", False, doc='Start time'),
        P("endTime", "end_time", "int", False, doc='End time'),
        P("positionType", "position_type", "int", False, doc='Position mode (1 Cross, 2 Isolated; empty = all)'),
        P("isFullClose", "is_full_close", "int", False, doc='Close type (0 Partial, 1 Full; empty = all)'),
      )),
    E("cross_margin", FUTURES, "GET", "/future/trade/v1/position/cross-margin/{symbol}", auth=True, encoding="query",
      result=T.JSON,
      section="Get Cross Margin", line=2948, limits=(('apikey', 200, 1.0),),
      params=(
        P("symbol", "symbol", "str", True, where="path", doc='path parameter'),
      )),
    E("account_info", FUTURES, "GET", "/future/user/v1/account/info", auth=True, encoding="query",
      result=T.FuturesAccountInfo,
      section="Get Account Related Information", line=2972, limits=(('apikey', 200, 1.0),),
      params=(
      )),
    E("balances", FUTURES, "GET", "/future/user/v1/compat/balance/list", auth=True, encoding="query",
      result=list[T.FuturesBalance],
      section="Get Contract Account Assets", line=2998, limits=(('apikey', 200, 1.0),),
      params=(
        P("queryAccountId", "query_account_id", "str", False, doc='Account ID'),
      )),
    E("listen_key", FUTURES, "GET", "/future/user/v1/user/listen-key", auth=True, encoding="query",
      result=T.LISTEN_KEY,
      section="Get ListenKey", line=3039, limits=(('apikey', 200, 1.0),),
      params=(
      )),
    E("open_account", FUTURES, "POST", "/future/user/v1/account/open", auth=True, encoding="form",
      result=T.ACK,
      section="Open Contract", line=3059, limits=(('apikey', 200, 1.0),),
      params=(
      )),
    E("balance", FUTURES, "GET", "/future/user/v1/balance/detail", auth=True, encoding="query",
      result=T.FuturesBalance,
      section="Get User's Single Currency Fund Information", line=3077, limits=(('apikey', 200, 1.0),),
      params=(
        P("coin", "coin", "str", True, doc='Currency eg:btc'),
      )),
    E("funds", FUTURES, "GET", "/future/user/v1/balance/list", auth=True, encoding="query",
      result=list[T.FuturesBalance],
      section="Get User's Funds Information", line=3108, limits=(('apikey', 200, 1.0),),
      params=(
      )),
    E("account_bills", FUTURES, "GET", "/future/user/v1/balance/bills", auth=True, encoding="query",
      result=T.Page[T.AccountBill],
      section="Get User's Account Flow Information", line=3137, limits=(('apikey', 200, 1.0),), paging=('cursor', 'id', 'id'),
      params=(
        P("symbol", "symbol", "str", False, doc='Trading pairs (queries all if not passed)'),
        P("direction", "direction", "str", False, default='NEXT', doc='Direction (PREV: Previous page; NEXT: Next page) PREV;NEXT'),
        P("id", "id", "int", False, doc='Record ID'),
        P("limit", "limit", "int", False, default=10, doc='Limit'),
        P("startTime", "start_time", "int", False, doc='Start time'),
        P("endTime", "end_time", "int", False, doc='End time'),
      )),
    E("funding_fees", FUTURES, "GET", "/future/user/v1/balance/funding-rate-list", auth=True, encoding="query",
      result=T.Page[T.FundingFee],
      section="Get Fund Fee Information", line=3179, limits=(('apikey', 200, 1.0),), paging=('cursor', 'id', 'id'),
      params=(
        P("symbol", "symbol", "str", False, doc='Trading pair (queries all if not passed)'),
        P("direction", "direction", "str", False, default='NEXT', doc='Direction (PREV: Previous page; NEXT: Next page) PREV;NEXT'),
        P("id", "id", "int", False, doc='Record ID'),
        P("limit", "limit", "int", False, default=10, doc='Limit'),
        P("startTime", "start_time", "int", False, doc='Start time'),
        P("endTime", "end_time", "int", False, doc='End time'),
      )),
    E("position", FUTURES, "GET", "/future/user/v1/position", auth=True, encoding="query",
      result=list[T.FuturesPosition],
      section="Get active position information", line=3219, limits=(('apikey', 200, 1.0),),
      params=(
        P("symbol", "symbol", "str", False, doc='Trading pairs (queries position information for all trading pairs when not provided)'),
      )),
    E("positions", FUTURES, "GET", "/future/user/v1/position/list", auth=True, encoding="query",
      result=list[T.FuturesPosition],
      section="Get Position Information", line=3267, limits=(('apikey', 200, 1.0),),
      params=(
        P("symbol", "symbol", "str", False, doc='Trading pair (queries position information for all trading pairs when not provided)'),
      )),
    E("step_rate", FUTURES, "GET", "/future/user/v1/user/step-rate", auth=True, encoding="query",
      result=T.StepRate,
      section="Get User's Step Rate", line=3304, limits=(('apikey', 200, 1.0),),
      params=(
      )),
    E("adjust_leverage", FUTURES, "POST", "/future/user/v1/position/adjust-leverage", auth=True, encoding="form",
      result=T.ACK,
      section="Adjust Leverage", line=3341, limits=(('apikey', 200, 1.0),),
      params=(
        P("symbol", "symbol", "str", True, doc='Trading pair eg:btc_usdt'),
        P("positionSide", "position_side", "str", True, doc='Position side LONG;SHORT'),
        P("leverage", "leverage", "int", True, doc='Leverage'),
      )),
    E("adjust_margin", FUTURES, "POST", "/future/user/v1/position/margin", auth=True, encoding="form",
      result=T.ACK,
      section="Alter Margin", line=3365, limits=(('apikey', 200, 1.0),),
      params=(
        P("symbol", "symbol", "str", True, doc='Trading pair eg:btc_usdt'),
        P("margin", "margin", "decimal", False, doc='Quantity'),
        P("positionSide", "position_side", "str", False, doc='Position side LONG;SHORT'),
        P("type", "type", "str", False, doc='Adjust direction (ADD: add isolated margin, SUB: reduce isolated margin) ADD;SUB'),
      )),
    E("set_auto_margin", FUTURES, "POST", "/future/user/v1/position/auto-margin", auth=True, encoding="form",
      result=T.ACK,
      section="Alter the automatical margin call", line=3390, limits=(('apikey', 200, 1.0),),
      params=(
        P("symbol", "symbol", "str", True, doc='Trading pair eg:btc_usdt'),
        P("positionSide", "position_side", "str", True, doc='Position side LONG;SHORT'),
        P("autoMargin", "auto_margin", "bool", True, doc='Whether to automatically call margin true;false'),
      )),
    E("close_all_positions", FUTURES, "POST", "/future/user/v1/position/close-all", auth=True, encoding="form",
      result=T.ACK,
      section="Close All", line=3414, limits=(('apikey', 200, 1.0),),
      params=(
      )),
    E("adl_info", FUTURES, "GET", "/future/user/v1/position/adl", auth=True, encoding="query",
      result=list[T.AdlInfo],
      section="Get ADL Information", line=3432, limits=(('apikey', 200, 1.0),),
      params=(
        P("symbol", "symbol", "str", False, doc='Trading pair (if not provided, query positions for all trading pairs)'),
      )),
    E("add_favorite_symbol", FUTURES, "POST", "/future/user/v1/user/collection/add", auth=True, encoding="form",
      result=T.ACK,
      section="Collect Trading Pair", line=3460, limits=(('apikey', 200, 1.0),),
      params=(
        P("symbol", "symbol", "str", True, doc='Trading pair eg:btc_usdt'),
      )),
    E("remove_favorite_symbol", FUTURES, "POST", "/future/user/v1/user/collection/cancel", auth=True, encoding="form",
      result=T.ACK,
      section="Cancel Trading Pair Collection", line=3482, limits=(('apikey', 200, 1.0),),
      params=(
        P("symbol", "symbol", "str", True, doc='Trading pair eg:btc_usdt'),
      )),
    E("favorite_symbols", FUTURES, "GET", "/future/user/v1/user/collection/list", auth=True, encoding="query",
      result=list[str],
      section="List of Collected Trading Pairs", line=3504, limits=(('apikey', 200, 1.0),),
      params=(
      )),
    E("change_position_type", FUTURES, "POST", "/future/user/v1/position/change-type", auth=True, encoding="form",
      result=T.ACK,
      section="Change Position Type", line=3522, limits=(('apikey', 200, 1.0),),
      params=(
        P("symbol", "symbol", "str", True, doc='Trading pair eg:btc_usdt'),
        P("positionSide", "position_side", "str", True, doc='Position side LONG;SHORT'),
        P("positionType", "position_type", "str", True, doc='Position type CROSSED;ISOLATED'),
      )),
    E("margin_calls", FUTURES, "GET", "/future/user/v1/position/break-list", auth=True, encoding="query",
      result=list[T.FuturesPosition],
      section="Get Margin Call Information", line=3546, limits=(('apikey', 200, 1.0),),
      params=(
        P("symbol", "symbol", "str", False, doc='Trading pair (if not passed, queries liquidation info of all trading pairs)'),
      )),
    E("adl_history", FUTURES, "GET", "/future/user/v1/auto-deleverage/history", auth=True, encoding="query",
      result=T.Page[T.AdlRecord],
      section="Get Auto Deleverage History", line=3581, limits=(('apikey', 200, 1.0),), paging=('cursor', 'id', 'id'),
      params=(
        P("id", "id", "int", False, doc='Page number'),
        P("direction", "direction", "str", False, default='NEXT', doc='Direction NEXT;PREVIOUS'),
        P("limit", "limit", "int", False, default=10, doc='Page size'),
        P("startTime", "start_time", "int", False, doc='Start time (Default queries the last 90 days)'),
        P("endTime", "end_time", "int", False, doc='End time'),
        P("symbol", "symbol", "str", False, doc='Trading pair'),
      )),
    E("coin_balance", FUTURES, "GET", "/future/user/v1/compat/balance/{coin}", auth=True, encoding="query",
      result=T.FuturesBalance,
      section="Get Single Coin Balance", line=3625, limits=(('apikey', 200, 1.0),),
      params=(
        P("coin", "coin", "str", True, where="path", doc='path parameter'),
      )),
    E("takeover_history", FUTURES, "GET", "/future/user/v1/taker-over/list", auth=True, encoding="query",
      result=T.Page[T.TakeoverRecord],
      section="Get Taker Over List", line=3664, limits=(('apikey', 200, 1.0),), paging=('cursor', 'id', 'id'),
      params=(
        P("id", "id", "int", False, doc='Page number'),
        P("direction", "direction", "str", False, default='NEXT', doc='Direction NEXT;PREVIOUS'),
        P("limit", "limit", "int", False, default=10, doc='Page size'),
        P("startTime", "start_time", "int", False, doc='Start time'),
        P("endTime", "end_time", "int", False, doc='End time'),
        P("symbol", "symbol", "str", False, doc='Trading pair'),
      )),
)


# Futures limits stated once for the whole API (futures-en.txt "Rate Limits"):
# 1000/min per IP on everything; 10/s per user where an endpoint states no
# limit of its own; 3/s for asset-related (balance) endpoints.
_FUT_IP = Limit("ip", 1000, 60.0, "futures-ip")
_FUT_USER = Limit("apikey", 10, 1.0, "futures-user")
_FUT_ASSETS = Limit("apikey", 3, 1.0, "futures-assets")
for _ep in FUTURES_ENDPOINTS:
    _extra = [_FUT_IP]
    if _ep.auth and not _ep.limits:
        _extra.append(_FUT_USER)
    if "/balance" in _ep.path:
        _extra.append(_FUT_ASSETS)
    _ep.limits = _ep.limits + tuple(_extra)
del _ep, _extra

ENDPOINTS = SPOT_ENDPOINTS + FUTURES_ENDPOINTS

spot: dict[str, Endpoint[Any]] = {ep.name: ep for ep in SPOT_ENDPOINTS}
futures: dict[str, Endpoint[Any]] = {ep.name: ep for ep in FUTURES_ENDPOINTS}
assert len(spot) == len(SPOT_ENDPOINTS) and len(futures) == len(FUTURES_ENDPOINTS)
