"""The account ledger: deposits, withdrawals and transfers between wallets.

Decisions where the spec is silent (also in docs/simulator.md):

- Currencies and chains come from the configured symbols: every base and
  quote currency is listed, usdt on the ``Ethereum`` and ``Tron`` chains, btc
  on ``Bitcoin``, eth on ``Ethereum``, any other currency on a chain named
  after it in capitals. Withdrawal fee: usdt 1, btc 0.0002, eth 0.002, others
  0.1; minimum withdrawal ten times the fee; precision 6 decimals for usdt, 8
  for the rest.
- A deposit address is derived from (account, currency, chain) and is the
  same every time; addresses look like the chain's (``0x`` + 40 hex,
  ``T`` + 33 base58, ``bc1q`` + 38). Deposits arrive only through
  :meth:`Simulator.deposit` (credited at once, status SUCCESS).
- A withdrawal freezes its amount (fee included) at once (status REVIEW),
  then moves to AUDITED, PENDING and SUCCESS over ``withdraw_seconds``; at
  SUCCESS the amount leaves the wallet. The address must look like one of the
  chain (``WITHDRAW_002``).
- Transfers (``/v4/balance/transfer``) move an available amount between the
  business types SPOT, LEVER (per symbol), FINANCE, FUTURES_U and FUTURES_C;
  the futures wallet of this simulator's product is the one its futures
  routes trade with, and takes only its margin coins (``FUND_003`` for
  others). ``bizId`` is idempotent per account (``FUND_001`` on reuse).
  Sub-account transfers move between two accounts of the same user
  (``Simulator.add_account(..., sub_of=...)``); ``fromAccountId`` defaults to
  the caller's account.
"""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .accounts import BIZ_TYPES, Account
from .codes import SimError
from .numbers import BadNumber, dec_str, parse_decimal

if TYPE_CHECKING:
    from .matching import Engine

CHAINS = {"usdt": ("Ethereum", "Tron"), "btc": ("Bitcoin",), "eth": ("Ethereum",)}
FEES = {"usdt": Decimal("1"), "btc": Decimal("0.0002"), "eth": Decimal("0.002")}
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
ADDRESS = {
    "Ethereum": re.compile(r"^0x[0-9a-fA-F]{40}$"),
    "Tron": re.compile(r"^T[1-9A-HJ-NP-Za-km-z]{33}$"),
    "Bitcoin": re.compile(r"^(bc1[0-9a-z]{25,62}|[13][1-9A-HJ-NP-Za-km-z]{25,34})$"),
}
GENERIC_ADDRESS = re.compile(r"^[0-9A-Za-z:_.-]{10,128}$")
WITHDRAW_STAGES = ("REVIEW", "AUDITED", "PENDING", "SUCCESS")


def chains_of(ccy: str) -> tuple[str, ...]:
    return CHAINS.get(ccy, (ccy.upper(),))


def fee_of(ccy: str) -> Decimal:
    return FEES.get(ccy, Decimal("0.1"))


def precision_of(ccy: str) -> int:
    return 6 if ccy == "usdt" else 8


def address_for(acct: Account, ccy: str, chain: str) -> str:
    h = hashlib.sha512(f"{acct.account_id}:{ccy}:{chain}".encode()).digest()
    if chain == "Tron":
        return "T" + "".join(B58[b % 58] for b in h[:33])
    if chain == "Bitcoin":
        return "bc1q" + "".join(BECH32[b % 32] for b in h[:38])
    return "0x" + h.hex()[:40]


class Ledger:
    def __init__(self, engine: Engine, currencies: list[str], withdraw_seconds: float) -> None:
        self.engine = engine
        self.currencies = currencies
        self.withdraw_seconds = withdraw_seconds

    # -- wallet currencies ------------------------------------------------------
    def check_chain(self, ccy: str, chain: str, code: str) -> None:
        if ccy not in self.currencies:
            raise SimError("CURRENCY_001", f"unknown currency {ccy!r}")
        if chain not in chains_of(ccy):
            raise SimError(code, f"{ccy} is not on chain {chain!r}; chains: "
                           f"{', '.join(chains_of(ccy))}")

    def wallet_currencies(self) -> list[dict[str, Any]]:
        return [{"currency": c.upper(), "supportChains": [{
            "chain": chain, "depositEnabled": True, "withdrawEnabled": True,
            "withdrawFeeAmount": dec_str(fee_of(c)), "withdrawMinAmount": dec_str(
                fee_of(c) * 10), "depositFeeRate": "0"} for chain in chains_of(c)]}
            for c in self.currencies]

    # -- deposits ----------------------------------------------------------------
    def deposit(self, acct: Account, ccy: str, amount: Decimal, chain: str | None) -> dict[
            str, Any]:
        chain = chain or chains_of(ccy)[0]
        self.check_chain(ccy, chain, "DEPOSIT_001")
        if amount <= 0:
            raise SimError("FAILURE", "amount must be positive")
        now = self.engine.clock_ms()
        rec = {"id": next(self.engine.aux_ids), "currency": ccy, "chain": chain, "memo": "",
               "status": "SUCCESS", "amount": dec_str(amount), "confirmations": 12,
               "transactionId": hashlib.sha256(f"{acct.account_id}:{now}:{len(acct.deposits)}"
                                               .encode()).hexdigest(),
               "address": address_for(acct, ccy, chain),
               "fromAddr": address_for(acct, ccy + "-from", chain), "createdTime": now}
        acct.deposits.append(rec)
        acct.bal(ccy)[0] += amount
        self.engine._emit_balance(acct, ccy, None)
        return rec

    # -- withdrawals -------------------------------------------------------------
    def withdraw(self, acct: Account, p: dict[str, Any]) -> int:
        ccy = str(p.get("currency") or "").lower()
        chain = str(p.get("chain") or "")
        if not ccy or not chain:
            raise SimError("FAILURE", "currency and chain are required")
        self.check_chain(ccy, chain, "WITHDRAW_024")
        address = str(p.get("address") or "").strip()
        if not address:
            raise SimError("WITHDRAW_005")
        pattern = ADDRESS.get(chain, GENERIC_ADDRESS)
        if not pattern.match(address):
            raise SimError("WITHDRAW_002", f"not a {chain} address")
        try:
            amount = parse_decimal(p.get("amount"), "amount")
        except BadNumber as exc:
            raise SimError("WITHDRAW_010", str(exc)) from None
        prec = precision_of(ccy)
        if amount != amount.quantize(Decimal(1).scaleb(-prec)) or amount <= 0:
            raise SimError("WITHDRAW_010", f"{ccy} amounts have at most {prec} decimals")
        fee = fee_of(ccy)
        if amount <= fee:
            raise SimError("WITHDRAW_015")
        if amount < fee * 10:
            raise SimError("WITHDRAW_022", f"Must be greater than {dec_str(fee * 10)}")
        bal = acct.bal(ccy)
        if bal[0] < amount:
            raise SimError("WITHDRAW_011")
        bal[0] -= amount
        bal[1] += amount
        now = self.engine.clock_ms()
        wid = next(self.engine.aux_ids)
        rec = {"id": wid, "currency": ccy, "chain": chain,
               "address": address, "memo": str(p.get("memo") or ""), "status": "REVIEW",
               "amount": dec_str(amount), "fee": dec_str(fee), "confirmations": 0,
               "transactionId": "", "createdTime": now, "_stage": 0, "_at": now}
        acct.withdrawals.append(rec)
        self.engine._emit_balance(acct, ccy, None)
        return wid

    def advance(self, now: int) -> None:
        """Move withdrawals along REVIEW -> AUDITED -> PENDING -> SUCCESS."""
        step_ms = max(1, int(self.withdraw_seconds * 1000 / 3))
        for acct in self.engine.accounts.values():
            for rec in acct.withdrawals:
                while rec["_stage"] < 3 and now - rec["_at"] >= step_ms:
                    rec["_stage"] += 1
                    rec["_at"] += step_ms
                    rec["status"] = WITHDRAW_STAGES[rec["_stage"]]
                    if rec["status"] == "PENDING":
                        rec["transactionId"] = hashlib.sha256(
                            f"w{rec['id']}".encode()).hexdigest()
                    if rec["status"] == "SUCCESS":
                        rec["confirmations"] = 12
                        amount = Decimal(rec["amount"])
                        acct.bal(rec["currency"])[1] -= amount
                        self.engine._emit_balance(acct, rec["currency"], None)

    # -- transfers -----------------------------------------------------------------
    def _amount(self, p: dict[str, Any]) -> Decimal:
        raw = p.get("amount")
        if isinstance(raw, str) and len(raw) > 113:
            raise SimError("FUND_044")
        try:
            amount = parse_decimal(raw, "amount")
        except BadNumber as exc:
            raise SimError("FUND_017", str(exc)) from None
        if amount <= 0 or amount != amount.quantize(Decimal("1e-18")):
            raise SimError("FUND_017", "amount must be positive with at most 18 decimals")
        return amount

    def _endpoint(self, p: dict[str, Any], key: str) -> str:
        biz = str(p.get(key) or "").upper()
        if biz not in BIZ_TYPES:
            raise SimError("FUND_017", f"{key} must be one of {', '.join(BIZ_TYPES)}")
        return biz

    def _slot(self, acct: Account, biz: str, ccy: str, symbol: str | None
              ) -> tuple[Decimal, Any]:
        """(available, setter) of one side of a transfer."""
        if biz == self.engine.futures_biz:
            markets = self.engine.markets["futures"].values()
            coins = {m.spec.margin_coin for m in markets} | set(acct.futures_wallet)
            if ccy not in coins:
                raise SimError("FUND_003", f"{biz} does not hold {ccy}")
            avail = self.engine.free_margin(acct, ccy)

            def add(delta: Decimal) -> None:
                acct.futures_wallet[ccy] = acct.futures_wallet.get(ccy, Decimal(0)) + delta
                acct.futures_order_frozen.setdefault(ccy, Decimal(0))
            return avail, add
        wallet = acct.wallet(biz, ccy, symbol)

        def add_w(delta: Decimal) -> None:
            wallet[0] += delta
        return wallet[0], add_w

    def transfer(self, acct: Account, p: dict[str, Any], *, sub: bool = False) -> int:
        biz_id = str(p.get("bizId") or "")
        if not biz_id or len(biz_id) > 128:
            raise SimError("FUND_017", "bizId is required (at most 128 characters)")
        src_biz = self._endpoint(p, "from")
        dst_biz = self._endpoint(p, "to")
        ccy = str(p.get("currency") or "")
        if not ccy or ccy != ccy.lower():
            raise SimError("FUND_017", "currency must be given in lower case")
        if ccy not in self.currencies:
            raise SimError("CURRENCY_001", f"unknown currency {ccy!r}")
        symbol = str(p.get("symbol") or "") or None
        if "LEVER" in (src_biz, dst_biz):
            if symbol is None:
                raise SimError("FUND_016")
            if symbol not in self.engine.markets["spot"]:
                raise SimError("SYMBOL_001")
        amount = self._amount(p)
        src_acct = dst_acct = acct
        if sub:
            from .numbers import parse_int

            try:
                to_id = parse_int(p.get("toAccountId"), "toAccountId")
                from_id = parse_int(p["fromAccountId"], "fromAccountId") \
                    if p.get("fromAccountId") not in (None, "") else acct.account_id
            except BadNumber as exc:
                raise SimError("FUND_017", str(exc)) from None
            if to_id == from_id:
                raise SimError("FUND_014")
            src = self.engine.by_id.get(from_id)
            dst = self.engine.by_id.get(to_id)
            if src is None or dst is None:
                raise SimError("TRANSFER_003", "no such account")
            if src.user_id != acct.user_id or dst.user_id != acct.user_id:
                raise SimError("FUND_005", "both accounts must belong to the caller's user")
            src_acct, dst_acct = src, dst
        elif src_biz == dst_biz:
            raise SimError("FUND_015")
        if biz_id in acct.transfer_ids:
            raise SimError("FUND_001")
        avail, take = self._slot(src_acct, src_biz, ccy, symbol)
        _, give = self._slot(dst_acct, dst_biz, ccy, symbol)
        if avail < amount:
            raise SimError("FUND_002")
        take(-amount)
        give(amount)
        tid = next(self.engine.aux_ids)
        acct.transfer_ids[biz_id] = tid
        for a, biz, sign in ((src_acct, src_biz, -1), (dst_acct, dst_biz, 1)):
            self._announce(a, biz, ccy, symbol, amount * sign)
        return tid

    def _announce(self, acct: Account, biz: str, ccy: str, symbol: str | None,
                  delta: Decimal) -> None:
        engine = self.engine
        if biz in ("SPOT", "LEVER"):
            engine._emit_balance(acct, ccy, None, biz, symbol)
        elif biz == engine.futures_biz:
            engine.positions.bill(acct, ccy, None, "EXCHANGE", delta)
            engine._emit_futures_balance(acct, ccy)
