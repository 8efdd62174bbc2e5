"""Accounts: wallets by business type, futures positions and per-account records.

Pure state, no logic beyond lookups: the engine (:mod:`.matching`), the
position desk (:mod:`.positions`), the trigger desk (:mod:`.triggers`) and the
ledger (:mod:`.ledger`) change it.

Wallets follow the spec's ``bizType`` list: ``SPOT``, ``LEVER`` (one wallet
per symbol, "the transfer symbol must be passed if one of the parties is
leverage"), ``FINANCE``, ``FUTURES_U`` and ``FUTURES_C``. A simulator serves
one futures product; its futures wallet is :attr:`Account.futures_wallet`,
the other futures business type is a plain wallet that transfers can fill.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

SPOT_BIZ = ("SPOT", "LEVER")
BIZ_TYPES = ("SPOT", "LEVER", "FINANCE", "FUTURES_U", "FUTURES_C")


@dataclass
class Position:
    """One hedge-mode futures position (symbol, LONG or SHORT)."""

    coin: str = "usdt"  # margin coin
    size: int = 0  # contracts
    entry: Decimal = Decimal(0)
    margin: Decimal = Decimal(0)
    realized: Decimal = Decimal(0)
    close_frozen: int = 0  # contracts held by open closing orders
    opened: int = 0  # ms, start of the current position cycle
    updated: int = 0
    max_size: int = 0
    fees: Decimal = Decimal(0)  # fees paid in this cycle
    fund_fees: Decimal = Decimal(0)  # funding paid (negative) or received in this cycle
    cycle_realized: Decimal = Decimal(0)
    closed_qty: int = 0
    close_value: Decimal = Decimal(0)  # sum of exit price * qty (average close price)
    start_leverage: int = 10
    warned: bool = False  # a WARN notify was sent and the position has not recovered


@dataclass(eq=False)
class Account:
    api_key: str
    secret: str
    account_id: int
    user_id: int = 0
    #: biz type -> currency -> [available, frozen]; LEVER lives in :attr:`lever`
    wallets: dict[str, dict[str, list[Decimal]]] = field(default_factory=dict)
    lever: dict[str, dict[str, list[Decimal]]] = field(default_factory=dict)
    futures_wallet: dict[str, Decimal] = field(default_factory=dict)  # coin -> balance
    futures_order_frozen: dict[str, Decimal] = field(default_factory=dict)
    positions: dict[tuple[str, str], Position] = field(default_factory=dict)
    orders: dict[int, Any] = field(default_factory=dict)
    leverage: dict[tuple[str, str], int] = field(default_factory=dict)
    position_type: dict[tuple[str, str], str] = field(default_factory=dict)
    auto_margin: dict[tuple[str, str], bool] = field(default_factory=dict)
    favorites: list[str] = field(default_factory=list)
    futures_open: bool = True
    quant: bool = True
    opened_time: int = 0
    bills: list[dict[str, Any]] = field(default_factory=list)
    funding_fees: list[dict[str, Any]] = field(default_factory=list)
    position_history: list[dict[str, Any]] = field(default_factory=list)
    adl_history: list[dict[str, Any]] = field(default_factory=list)
    takeovers: list[dict[str, Any]] = field(default_factory=list)
    deposits: list[dict[str, Any]] = field(default_factory=list)
    withdrawals: list[dict[str, Any]] = field(default_factory=list)
    transfer_ids: dict[str, int] = field(default_factory=dict)  # bizId -> transfer id
    traded_value: Decimal = Decimal(0)  # futures volume in the margin coin (step rate)

    def __post_init__(self) -> None:
        if not self.user_id:
            self.user_id = self.account_id
        self.wallets.setdefault("SPOT", {})

    @property
    def balances(self) -> dict[str, list[Decimal]]:
        """The spot wallet: currency -> [available, frozen]."""
        return self.wallets["SPOT"]

    def bal(self, ccy: str) -> list[Decimal]:
        return self.wallets["SPOT"].setdefault(ccy, [Decimal(0), Decimal(0)])

    def wallet(self, biz: str, ccy: str, symbol: str | None = None) -> list[Decimal]:
        """``[available, frozen]`` of ``ccy`` in a business type's wallet."""
        if biz == "LEVER":
            assert symbol is not None
            return self.lever.setdefault(symbol, {}).setdefault(ccy, [Decimal(0), Decimal(0)])
        return self.wallets.setdefault(biz, {}).setdefault(ccy, [Decimal(0), Decimal(0)])
