"""The spec's error codes mapped to wexcore's exception classes.

Spot answers ``{"rc": 1, "mc": "ORDER_002", ...}``; futures answers
``{"returnCode": 1, "msgInfo": ..., "error": {"code": "invalid_price", "msg": ...}}``.
:func:`error_class` picks the :class:`~wexcore.WexAPIError` subclass a program
can act on. Every code in the spec's tables is listed here (a test parses the
spec files and checks it); codes the tables do not list fall back on their
family prefix (``AUTH_``, ``ORDER_``, ``invalid_``...) and then on
:class:`~wexcore.WexAPIError` itself.

Choices, where the spec leaves room:

* Futures "does not exist" codes (``invalid_order``, ``invalid_entrust``,
  ``invalid_profit_id``, ``invalid_track_*``) raise :class:`OrderNotFoundError`,
  which is both a :class:`~wexcore.NotFoundError` (what it means) and an
  :class:`~wexcore.InvalidOrderError` (what the issue asks of ``invalid_*``).
* Risk-control and country blocks (``GATEWAY_*``, ``gateway_decommission_*``,
  ``SYMBOL_004``...) raise :class:`AccessDeniedError`, an
  :class:`~wexcore.AuthenticationError`: the key is valid but not allowed.
  Symbol state codes (``SYMBOL_*``) are order errors.
* Wallet codes (``DEPOSIT_*``, ``WITHDRAW_*``, ``CURRENCY_001``, most
  ``FUND_*``/``TRANSFER_*``) raise :class:`WalletError`, except those that
  say the balance is short (``FUND_002``, ``TRANSFER_002``, ``WITHDRAW_011``,
  ``WITHDRAW_015``), which raise :class:`~wexcore.InsufficientFundsError`.
* ``more_than_available`` (futures, "exceeds available quantity") raises
  :class:`~wexcore.InsufficientFundsError`.
* Codes the tables do not list but servers send (:data:`EXTRA_CODES`):
  ``insufficient_balance`` is an :class:`~wexcore.InsufficientFundsError`,
  ``symbol_not_support_trading_via_api`` and
  ``open_order_min_nominal_value_limit`` are order errors, and an HTTP status
  written as the code (``"403"``, ``"400"``...) maps like that status.

The classes themselves live in :mod:`wexcore.errors` (one tree); they are
re-exported here for the code that imported them from this module.
"""

from __future__ import annotations

from wexcore.errors import (
    AccessDeniedError,
    AuthenticationError,
    InsufficientFundsError,
    InvalidOrderError,
    NotFoundError,
    OrderNotFoundError,
    RateLimitError,
    ServerError,
    TransportError,
    WalletError,
    WexAPIError,
)

__all__ = [
    "OrderNotFoundError",
    "AccessDeniedError",
    "WalletError",
    "TransportError",
    "CODES",
    "EXTRA_CODES",
    "NULL_CODE_ENDPOINTS",
    "error_class",
    "status_class",
]

_A = AuthenticationError
_D = AccessDeniedError
_O = InvalidOrderError
_F = InsufficientFundsError
_S = ServerError
_N = NotFoundError
_ON = OrderNotFoundError
_W = WalletError
_X = WexAPIError

#: Every code of the spec's tables -> exception class.
CODES: dict[str, type[WexAPIError]] = {
    # spot-en.txt "Response Code"
    "FAILURE": _X,
    **{f"AUTH_00{i}": _A for i in range(1, 8)},
    "AUTH_101": _A,
    "AUTH_102": _A,
    "AUTH_103": _A,
    "AUTH_104": _D,
    "AUTH_105": _A,
    "AUTH_106": _D,
    "SYMBOL_001": _O,
    "SYMBOL_002": _O,
    "SYMBOL_003": _O,
    "SYMBOL_004": _D,
    "SYMBOL_005": _O,
    "SYMBOL_007": _O,
    "SYMBOL_010": _D,
    "SYMBOL_011": _D,
    "ORDER_001": _O,
    "ORDER_002": _F,
    "ORDER_003": _O,
    "ORDER_004": _O,
    "ORDER_005": _N,
    "ORDER_006": _O,
    "ORDER_007": _D,
    "ORDER_008": _O,
    "ORDER_F0101": _O,
    "ORDER_F0102": _O,
    "ORDER_F0103": _O,
    "ORDER_F0201": _O,
    "ORDER_F0202": _O,
    "ORDER_F0203": _O,
    "ORDER_F0301": _O,
    "ORDER_F0401": _O,
    "ORDER_F0501": _O,
    "ORDER_F0502": _O,
    "ORDER_F0503": _O,
    "ORDER_F0504": _O,
    "ORDER_F0601": _O,
    "ORDER_F0704": _O,
    "COMMON_001": _A,
    "COMMON_002": _S,
    "COMMON_003": _S,
    "CURRENCY_001": _W,
    **{f"DEPOSIT_00{i}": _W for i in range(1, 9)},
    **{f"WITHDRAW_0{i:02d}": _W for i in range(1, 26) if i != 7},
    "WITHDRAW_011": _F,
    "WITHDRAW_015": _F,
    "FUND_001": _W,
    "FUND_002": _F,
    "FUND_003": _W,
    "FUND_004": _W,
    "FUND_005": _W,
    **{f"FUND_0{i}": _W for i in range(14, 23)},
    "FUND_044": _W,
    **{f"TRANSFER_0{i:02d}": _W for i in range(1, 13)},
    "TRANSFER_002": _F,
    "GATEWAY_0001": _D,
    "GATEWAY_0002": _D,
    "GATEWAY_0003": _D,
    "GATEWAY_0004": _D,
    # futures-en.txt per-endpoint "Error Codes" tables
    "GATEWAY_0006": _D,
    "GATEWAY_0007": _D,
    "gateway_decommission_ip_country": _D,
    "gateway_decommission_kyc_country": _D,
    "account_error": _D,
    "user_can_not_trade": _D,
    "sub_account_not_trade": _D,
    "user_can_not_open_position": _D,
    "not_quantification_account": _D,
    "contract_not_open": _D,
    "more_than_available": _F,
    "invalid_order": _ON,
    "invalid_entrust": _ON,
    "invalid_entrust_Id": _ON,
    "invalid_profit_id": _ON,
    "invalid_track_Id": _ON,
    "invalid_track_entrust": _ON,
    "coupon_exceed_max_leverage": _O,
    "coupon_unavailable": _O,
    "deposit_coupon_exists": _O,
    "exceed_max_leverage": _O,
    "exist_bonus_positon_not_create_reverse_position": _O,
    "welfare_coupon_not_exist": _O,
    "invalid_activation_price": _O,
    "invalid_below_min_rate_limit": _O,
    "invalid_direction": _O,
    "invalid_exceed_max_price_limit": _O,
    "invalid_exceed_max_rate_limit": _O,
    "invalid_exceed_min_price_limit": _O,
    "invalid_limit": _O,
    "invalid_order_type": _O,
    "invalid_origQty": _O,
    "invalid_page": _O,
    "invalid_params": _O,
    "invalid_position_side": _O,
    "invalid_position_type": _O,
    "invalid_price": _O,
    "invalid_profit_close_type": _O,
    "invalid_quantity": _O,
    "invalid_quantity_scale": _O,
    "invalid_size": _O,
    "invalid_state": _O,
    "invalid_stop_price": _O,
    "invalid_symbol": _O,
    "invalid_time_in_force": _O,
    "invalid_trigger_profit_price": _O,
    "invalid_trigger_stop_price": _O,
    "market_plan_entrust_must_be_ioc_or_fok": _O,
    "on_board_30_minutes_limit_order_price_limit": _O,
    "openapi_not_supported": _O,
    "order_create_size_exceed": _O,
    "quantity_can_not_less_than": _O,
    "symbol_is_not_open_position": _O,
    "symbol_is_not_trading": _O,
    "symbol_not_support_openapi": _O,
    "the_number_of_orders_has_reached_the_maximum": _O,
    # Rows whose code is not an identifier: "See Orders by ID" lists ``null``
    # (order not found), "See Orders" ``invalid state`` (with a space), the
    # cancel-all endpoints ``fail`` (internal error).
    "null": _ON,
    "invalid state": _O,
    "fail": _S,
}

#: Codes servers of this API family send although the spec's tables do not
#: list them, and HTTP statuses some gateways put, as text, in the code field
#: of an HTTP 200 envelope.
EXTRA_CODES: dict[str, type[WexAPIError]] = {
    "insufficient_balance": _F,
    "symbol_not_support_trading_via_api": _O,
    "open_order_min_nominal_value_limit": _O,
    "400": _A,
    "401": _A,
    "403": _A,
    "404": _N,
    "429": RateLimitError,
    "500": _S,
    "502": _S,
    "503": _S,
}
CODES.update(EXTRA_CODES)

#: Endpoints whose error table says a failure without a code (``null``) means
#: "order not found".
NULL_CODE_ENDPOINTS = frozenset({"futures:get_order"})
for _side in ("profit", "stop"):
    for _rel in ("less", "more"):
        for _ref in ("buy_one", "sell_one", "entry", "index", "mark", "order_delegate"):
            CODES[f"trigger_{_side}_price_{_rel}_than_{_ref}_price"] = _O
del _side, _rel, _ref

# Family prefixes for codes the tables do not list (the exchange adds codes).
_PREFIXES: tuple[tuple[str, type[WexAPIError]], ...] = (
    ("AUTH_", _A),
    ("GATEWAY_", _D),
    ("gateway_", _D),
    ("ORDER_", _O),
    ("SYMBOL_", _O),
    ("invalid_", _O),
    ("trigger_", _O),
    ("DEPOSIT_", _W),
    ("WITHDRAW_", _W),
    ("FUND_", _W),
    ("TRANSFER_", _W),
    ("COMMON_", _X),
)


def error_class(code: str | None) -> type[WexAPIError]:
    """The exception class for an exchange code (spot ``mc`` or futures ``error.code``)."""
    if not code:
        return WexAPIError
    cls = CODES.get(code)
    if cls is not None:
        return cls
    for prefix, c in _PREFIXES:
        if code.startswith(prefix):
            return c
    return WexAPIError


def status_class(status: int, product: str = "spot") -> type[WexAPIError]:
    """The exception class for an HTTP error status without a usable body code.

    Futures documents 400 as "missing validate-appkey / validate-timestamp
    headers" (or a blacklisted URL keyword), an authentication failure; spot
    documents no 400, which stays a plain :class:`~wexcore.WexAPIError`.
    """
    if status == 429:
        return RateLimitError
    if status == 404:
        return NotFoundError
    if status in (401, 403) or (status == 400 and product == "futures"):
        return AuthenticationError
    if status >= 500:
        return ServerError
    return WexAPIError
