"""The exchange's documented error codes, as pure data, and the error the routes raise.

Spot answers business errors with HTTP 200 and ``{"rc": 1, "mc": CODE, ...}``;
the codes are the spec's "Response Code" table (:data:`SPOT_MESSAGES`).

Futures answers ``{"returnCode": 1, "msgInfo": "failure", "error": {"code":
CODE, "msg": ...}, "result": null}``; its codes are the ones the futures
endpoints' "Error Codes" tables list (:data:`FUTURES_CODES`). Gateway failures
(authentication, rate limits, server errors) are described only by the
futures "Error Code" table as an HTTP status and a response type; the
simulator answers them with that status and the response type as
``error.code``: HTTP 400 ``BAD_REQUEST`` for missing or malformed
``validate-*`` headers, HTTP 403 ``FORBIDDEN`` for an expired time window, a
bad signature or an unknown key, 429 ``TOO_MANY_REQUESTS``, 500/502/503
``INTERNAL_SERVER_ERROR``/``BAD_GATEWAY``/``SERVICE_UNAVAILABLE``. The
``msg`` says which check failed. A test checks that the simulator never sends
a futures code outside these tables.
"""

from __future__ import annotations

SPOT_MESSAGES: dict[str, str] = {
    "SUCCESS": "success",
    "FAILURE": "fail",
    "AUTH_001": "Missing request header validate-appkey",
    "AUTH_002": "Missing request header validate-timestamp",
    "AUTH_003": "Missing request header validate-recvwindow",
    "AUTH_004": "Bad request header validate-recvwindow",
    "AUTH_005": "Missing request header validate-algorithms",
    "AUTH_006": "Bad request header validate-algorithms",
    "AUTH_007": "Missing request header validate-signature",
    "AUTH_101": "ApiKey does not exist",
    "AUTH_102": "ApiKey is not activated",
    "AUTH_103": "Signature error",
    "AUTH_104": "Unbound IP request",
    "AUTH_105": "Outdated message",
    "AUTH_106": "Exceeded apikey permission",
    "SYMBOL_001": "Symbol not exist",
    "SYMBOL_002": "Symbol offline",
    "SYMBOL_003": "Symbol suspend trading",
    "ORDER_001": "Platform rejection",
    "ORDER_002": "Insufficient funds",
    "ORDER_003": "Trading pair suspended",
    "ORDER_004": "No transaction",
    "ORDER_005": "Order not exist",
    "ORDER_006": "Too many open orders",
    "ORDER_008": "The order price or quantity precision is abnormal",
    "ORDER_F0101": "Trigger Price Filter - Min",
    "ORDER_F0102": "Trigger Price Filter - Max",
    "ORDER_F0103": "Trigger Price Filter - Step Value",
    "ORDER_F0201": "Trigger Quantity Filter - Min",
    "ORDER_F0202": "Trigger Quantity Filter - Max",
    "ORDER_F0203": "Trigger Quantity Filter - Step Value",
    "ORDER_F0301": "Trigger QUOTE_QTY Filter - Min Value",
    "ORDER_F0401": "Trigger PROTECTION_ONLINE Filter or PROTECTION_LIMIT Filter",
    "ORDER_F0501": "Trigger PROTECTION_LIMIT Filter - Buy Max Deviation",
    "ORDER_F0502": "Trigger PROTECTION_LIMIT Filter - Sell Max Deviation",
    "ORDER_F0503": "Trigger PROTECTION_LIMIT Filter - Buy Limit Coefficient",
    "ORDER_F0504": "Trigger PROTECTION_LIMIT Filter - Sell Limit Coefficient",
    "ORDER_F0601": "Trigger PROTECTION_MARKET Filter",
    "COMMON_001": "The user does not exist",
    "COMMON_002": "System busy, please try it later",
    "CURRENCY_001": "Currency information is abnormal",
    "DEPOSIT_001": "Deposit is not open",
    "WITHDRAW_002": "Invalid withdrawal address",
    "WITHDRAW_005": "Withdrawal address cannot be empty",
    "WITHDRAW_006": "Memo cannot be empty",
    "WITHDRAW_010": "Invalid withdrawal precision",
    "WITHDRAW_011": "Insufficient free balance",
    "WITHDRAW_015": "Amount not enough for fee",
    "WITHDRAW_022": "Must be greater than {0}",
    "WITHDRAW_024": "Withdraw not supported",
    "FUND_001": "Duplicate request (bizId can only be requested once)",
    "FUND_002": "Insufficient account balance",
    "FUND_003": "Transfer not supported",
    "FUND_005": "Transfer prohibited",
    "FUND_014": "Transfer-in and transfer-out account IDs cannot be the same",
    "FUND_015": "From and to business types cannot be the same",
    "FUND_016": "Leverage transfer requires symbol",
    "FUND_017": "Parameter error",
    "FUND_044": "Amount length max 113",
    "TRANSFER_003": "User not registered",
    # The HTTP 429 answer: the spec gives a status, not an mc; the futures
    # table names its response type, used for both products.
    "TOO_MANY_REQUESTS": "The request is too frequent",
}

#: Every code the futures endpoints' "Error Codes" tables list, plus the
#: gateway response types of the futures "Error Code" table.
FUTURES_CODES: frozenset[str] = frozenset({
    "BAD_REQUEST", "FORBIDDEN", "METHOD_NOT_ALLOWED", "TOO_MANY_REQUESTS",
    "INTERNAL_SERVER_ERROR", "BAD_GATEWAY", "SERVICE_UNAVAILABLE",
    "contract_not_open", "exist_bonus_positon_not_create_reverse_position", "account_error",
    "symbol_is_not_open_position", "invalid_params", "invalid_quantity_scale",
    "coupon_unavailable", "welfare_coupon_not_exist", "coupon_exceed_max_leverage",
    "exceed_max_leverage", "gateway_decommission_ip_country",
    "gateway_decommission_kyc_country", "GATEWAY_0003", "GATEWAY_0006", "GATEWAY_0007",
    "invalid_order", "invalid_quantity", "invalid_price", "invalid_trigger_profit_price",
    "invalid_trigger_stop_price", "invalid_time_in_force",
    "on_board_30_minutes_limit_order_price_limit", "invalid_symbol", "symbol_is_not_trading",
    "openapi_not_supported", "quantity_can_not_less_than", "user_can_not_trade",
    "sub_account_not_trade", "user_can_not_open_position", "order_create_size_exceed",
    "invalid_page", "invalid_size", "the_number_of_orders_has_reached_the_maximum",
    "not_quantification_account", "deposit_coupon_exists",
    "market_plan_entrust_must_be_ioc_or_fok", "invalid_stop_price", "invalid_state",
    "invalid_entrust_Id", "more_than_available", "symbol_not_support_openapi",
    "invalid_entrust", "invalid_position_type", "invalid_position_side", "invalid_profit_id",
    "invalid_order_type", "invalid_origQty", "invalid_exceed_max_rate_limit",
    "invalid_below_min_rate_limit", "invalid_exceed_max_price_limit",
    "invalid_exceed_min_price_limit", "invalid_activation_price", "invalid_track_entrust",
    "invalid_track_Id", "invalid_direction", "invalid_limit", "invalid_profit_close_type",
    "fail",
    *(f"trigger_{kind}_price_{rel}_than_{ref}_price"
      for kind in ("profit", "stop") for rel in ("less", "more")
      for ref in ("buy_one", "sell_one", "entry", "index", "mark", "order_delegate")),
})

#: HTTP status and response type of the futures gateway's failures.
FUTURES_GATEWAY = {400: "BAD_REQUEST", 403: "FORBIDDEN", 405: "METHOD_NOT_ALLOWED",
                   429: "TOO_MANY_REQUESTS", 500: "INTERNAL_SERVER_ERROR",
                   502: "BAD_GATEWAY", 503: "SERVICE_UNAVAILABLE"}


class SimError(Exception):
    """A request the simulator answers with an error envelope."""

    def __init__(self, code: str, message: str | None = None, *, status: int = 200) -> None:
        super().__init__(code)
        self.code = code
        self.message = message or SPOT_MESSAGES.get(code, code)
        self.status = status
