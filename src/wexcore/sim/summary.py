"""The run summary of a market replay: orders, fills, fees, volume, PnL, drawdown.

Computed from the simulator's own fill record (``Engine.user_trades``) and
the replayed markets, per account:

* ``orders``: orders the account placed; ``fills``, ``maker_fills``,
  ``taker_fills``;
* per market (``"spot:btc_usdt"``): ``position`` (spot: base bought less
  sold less base fees; futures: contracts long less short), ``cash`` (what
  the fills paid and received, fees included, in the PnL currency),
  ``volume`` and ``quote_volume`` traded, ``fees`` by currency, and ``pnl``:
  ``cash`` plus the position marked to the recorded mid (the book's
  ``(best bid + best ask) // 2`` in ticks, the last price when a side is
  empty);

  - spot: ``cash + position * mid`` in the quote currency;
  - linear futures: ``cash + position * mid * contract_size``;
  - inverse (COIN-M) futures, in the base coin: ``cash - position *
    contract_size / mid``, where a buy adds ``qty * contract_size / price``
    to ``cash`` and a sell takes it away;

* ``pnl`` and ``max_drawdown`` per currency: the sum over the account's
  markets in that currency, and the largest fall of that sum from its
  highest value so far (the running peak starts at 0, the PnL before any
  fill). The sum is re-marked after every fill and after every recorded
  event that moves the mid of a market where the account holds a position.

PnL is trading PnL, independent of the account's starting balances.
Amounts are exact decimal strings (inverse contracts: 18 significant
digits).
"""

from __future__ import annotations

from decimal import Context, Decimal
from typing import Any

from .market import Market
from .numbers import dec_str

__all__ = ["RunSummary"]

_WIDE = Context(prec=40)
_ZERO = Decimal(0)


class _Holding:
    """One account's fills in one market, and their value at the mid."""

    __slots__ = ("market", "currency", "position", "cash", "fees", "volume", "quote_volume",
                 "fills", "maker", "taker", "inverse", "futures", "contract_size")

    def __init__(self, market: Market) -> None:
        spec = market.spec
        self.market = market
        self.futures = market.product == "futures"
        self.inverse = self.futures and spec.inverse
        self.contract_size = Decimal(spec.contract_size)
        self.currency = spec.margin_coin if self.futures else spec.quote
        self.position = _ZERO
        self.cash = _ZERO
        self.fees: dict[str, Decimal] = {}
        self.volume = _ZERO
        self.quote_volume = _ZERO
        self.fills = 0
        self.maker = 0
        self.taker = 0

    def add(self, t: dict[str, Any]) -> None:
        price = Decimal(t["price"])
        qty = Decimal(t["quantity"])
        fee = Decimal(t["fee"])
        fee_ccy = str(t.get("feeCurrency") or t.get("feeCoin") or self.currency)
        buy = t["orderSide"] == "BUY"
        self.fills += 1
        if t.get("takerMaker") == "maker":
            self.maker += 1
        else:
            self.taker += 1
        self.fees[fee_ccy] = self.fees.get(fee_ccy, _ZERO) + fee
        self.volume += qty
        if self.inverse:
            value = _WIDE.divide(qty * self.contract_size, price)
            self.quote_volume += qty * self.contract_size
            self.cash += value if buy else -value
        else:
            value = price * qty * (self.contract_size if self.futures else 1)
            self.quote_volume += value
            self.cash += -value if buy else value
        self.position += qty if buy else -qty
        if fee_ccy == self.currency:
            self.cash -= fee
        else:  # spot buys pay the fee in the base currency they receive
            self.position -= fee

    def mid(self) -> Decimal:
        return self.market.price_dec(self.market.mark_price())

    def pnl(self) -> Decimal:
        if not self.position:
            return self.cash
        mid = self.mid()
        if self.inverse:
            if mid <= 0:
                return self.cash
            return self.cash - _WIDE.divide(self.position * self.contract_size, mid)
        return self.cash + self.position * mid * (self.contract_size if self.futures else 1)

    def as_dict(self) -> dict[str, Any]:
        return {
            "position": _s(self.position), "cash": _s(self.cash), "mid": _s(self.mid()),
            "pnl": _s(self.pnl()), "currency": self.currency, "volume": _s(self.volume),
            "quote_volume": _s(self.quote_volume), "fills": self.fills,
            "fees": {k: _s(v) for k, v in sorted(self.fees.items())},
        }


def _s(d: Decimal) -> str:
    if d.as_tuple().exponent < -18:  # type: ignore[operator]
        d = _WIDE.create_decimal(d).quantize(Decimal(1).scaleb(-18))
    return dec_str(d)


class _Account:
    __slots__ = ("holdings", "peak", "drawdown", "pnl")

    def __init__(self) -> None:
        self.holdings: dict[str, _Holding] = {}
        self.peak: dict[str, Decimal] = {}
        self.drawdown: dict[str, Decimal] = {}
        self.pnl: dict[str, Decimal] = {}


class RunSummary:
    """Follows the fills as they happen (:meth:`mark` after each event)."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.accounts: dict[int, _Account] = {}
        self._seen = 0
        #: id(market) -> (account id, holding) of everyone holding a position there
        self._holders: dict[int, list[tuple[int, _Holding]]] = {}
        self._mids: dict[int, int] = {}

    def _consume(self) -> set[tuple[int, str]]:
        """New fills into the holdings; the (account, currency) pairs they touched."""
        trades = self.engine.user_trades
        touched: set[tuple[int, str]] = set()
        if self._seen == len(trades):
            return touched
        markets = self.engine.markets
        for t in trades[self._seen:]:
            product = "futures" if t.get("product") == "futures" else "spot"
            market = markets[product].get(t["symbol"])
            if market is None:
                continue
            acct = self.accounts.setdefault(t["account"], _Account())
            key = f"{product}:{t['symbol']}"
            h = acct.holdings.get(key)
            if h is None:
                h = acct.holdings[key] = _Holding(market)
                self._holders.setdefault(id(market), []).append((t["account"], h))
            h.add(t)
            touched.add((t["account"], h.currency))
        self._seen = len(trades)
        return touched

    def _revalue(self, account_id: int, currency: str) -> None:
        acct = self.accounts[account_id]
        total = sum((h.pnl() for h in acct.holdings.values() if h.currency == currency), _ZERO)
        acct.pnl[currency] = total
        peak = max(acct.peak.get(currency, _ZERO), total)
        acct.peak[currency] = peak
        acct.drawdown[currency] = max(acct.drawdown.get(currency, _ZERO), peak - total)

    def mark(self, market: Market | None = None) -> None:
        """After a recorded event on ``market`` (and the fills it caused), or
        after a request (``None``: its fills)."""
        touched = self._consume()
        holders = self._holders.get(id(market)) if market is not None else None
        if holders and market is not None:
            mid = market.mark_price()
            if self._mids.get(id(market)) != mid:
                self._mids[id(market)] = mid
                for account_id, h in holders:
                    if h.position:
                        touched.add((account_id, h.currency))
        for account_id, currency in touched:
            self._revalue(account_id, currency)

    def as_dict(self) -> dict[str, Any]:
        """Per account id (as a string): see the module docstring."""
        self._consume()
        out: dict[str, Any] = {}
        for acct in self.engine.accounts.values():
            orders = len(acct.orders)
            mine = self.accounts.get(acct.account_id)
            if not orders and mine is None:
                continue
            holdings = mine.holdings if mine is not None else {}
            for ccy in {h.currency for h in holdings.values()}:
                self._revalue(acct.account_id, ccy)
            fills = sum(h.fills for h in holdings.values())
            fees: dict[str, Decimal] = {}
            for h in holdings.values():
                for ccy, fee in h.fees.items():
                    fees[ccy] = fees.get(ccy, _ZERO) + fee
            out[str(acct.account_id)] = {
                "orders": orders, "fills": fills,
                "maker_fills": sum(h.maker for h in holdings.values()),
                "taker_fills": sum(h.taker for h in holdings.values()),
                "fees": {k: _s(v) for k, v in sorted(fees.items())},
                "pnl": {k: _s(v) for k, v in sorted((mine.pnl if mine else {}).items())},
                "max_drawdown": {k: _s(v) for k, v in
                                 sorted((mine.drawdown if mine else {}).items())},
                "markets": {k: h.as_dict() for k, h in sorted(holdings.items())},
            }
        return out
