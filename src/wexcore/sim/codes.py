"""The exchange's documented error codes, as pure data (spot ``mc`` values).

Taken from the spec's "Response Code" table (spot) so the simulator answers
with the same strings a real server would.  Futures authentication errors are
not enumerated by the spec; the simulator reuses the spot ``AUTH_*`` codes in
the futures ``error.code`` field (see docs/simulator.md).
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
    "COMMON_002": "System busy, please try it later",
    "CURRENCY_001": "Currency information is abnormal",
}

#: HTTP status the futures gateway uses for each authentication failure
#: (spec futures "Error Code": 400 for missing appkey/timestamp headers,
#: 403 for expired window, bad signature, unauthorised key).
FUTURES_AUTH_STATUS: dict[str, int] = {
    "AUTH_001": 400,
    "AUTH_002": 400,
    "AUTH_004": 400,
    "AUTH_006": 400,
    "AUTH_007": 400,
    "AUTH_101": 403,
    "AUTH_103": 403,
    "AUTH_105": 403,
}


class SimError(Exception):
    """A request the simulator answers with an error envelope."""

    def __init__(self, code: str, message: str | None = None, *, status: int = 200) -> None:
        super().__init__(code)
        self.code = code
        self.message = message or SPOT_MESSAGES.get(code, code)
        self.status = status
