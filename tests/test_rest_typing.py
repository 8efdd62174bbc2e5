"""A user's script calling the clients type-checks under ``mypy --strict`` with real result
types: ``reveal_type`` shows the Structs, Decimals and enums, never ``Any``; a wrong use of a
result is an error."""

from __future__ import annotations

import os
import pathlib
import re
import textwrap

import pytest

mypy_api = pytest.importorskip("mypy.api")

SCRIPT = textwrap.dedent('''
    from decimal import Decimal

    import wexcore
    from wexcore.rest import types as T


    def sync_user(c: wexcore.SpotClient, f: wexcore.FuturesClient) -> None:
        order = c.get_order(1)
        reveal_type(order)
        reveal_type(order.price)
        reveal_type(order.state)
        reveal_type(order.order_id)
        reveal_type(c.depth("btc_usdt").bids)
        reveal_type(c.open_orders())
        reveal_type(c.order_history())
        reveal_type(c.place_order("btc_usdt", "BUY", "LIMIT", price="1", quantity="1"))
        reveal_type(c.raw("server_time"))
        reveal_type(f.place_order("btc_usdt", "BUY", "LIMIT", 1, "LONG", price="1"))
        reveal_type(f.positions()[0].entry_price)
        reveal_type(f.cancel_order(1))
        reveal_type(f.listen_key())
        total: Decimal = sum((a.available_amount or Decimal(0) for a in c.balances().assets),
                             Decimal(0))
        if order.state is T.OrderState.FILLED and order.executed_qty is not None:
            print(order.executed_qty * 2, total)


    async def async_user(c: wexcore.AsyncSpotClient, f: wexcore.AsyncFuturesClient) -> None:
        reveal_type(await c.get_order(1))
        reveal_type(await f.get_order(1))
        reveal_type(await f.balances())
        reveal_type(await c.ws_token())


    def misuse(c: wexcore.SpotClient) -> None:
        o = c.get_order(1)
        o.price + 1
        o.missing_field
        c.get_order(1)["orderId"]
''')

EXPECTED = [
    "wexcore.rest.types.SpotOrder",
    "decimal.Decimal | None",
    "wexcore.rest.types.OrderState",
    "int",
    "list[tuple[decimal.Decimal, decimal.Decimal]]",
    "list[wexcore.rest.types.SpotOrder]",
    "wexcore.rest.types.Page[wexcore.rest.types.SpotOrder]",
    "wexcore.rest.types.SpotPlaceOrderResult",
    "wexcore.rest.types.RawResponse",
    "int | None",
    "decimal.Decimal | None",
    "bool",
    "str",
    "wexcore.rest.types.SpotOrder",
    "wexcore.rest.types.FuturesOrder",
    "list[wexcore.rest.types.FuturesBalance]",
    "wexcore.rest.types.WsToken",
]


def test_user_script_has_real_result_types(tmp_path):
    script = tmp_path / "user.py"
    script.write_text(SCRIPT)
    root = pathlib.Path(__file__).resolve().parents[1]
    # The repository's mypy cache (CI fills it with `python -m mypy` just before
    # the tests, under the same strict options): wexcore and numpy are then not
    # analysed twice. The script itself is new on every run, so it is checked.
    cache = os.environ.get("WEXCORE_MYPY_CACHE", str(root / ".mypy_cache"))
    out, err, _ = mypy_api.run([
        "--strict", "--no-error-summary", "--show-error-codes", "--cache-dir", str(cache),
        "--python-version", "3.11", str(script),
    ])
    assert not err, err
    revealed = re.findall(r'Revealed type is "([^"]+)"', out)
    assert revealed == EXPECTED, out
    assert "Any" not in " ".join(revealed)
    errors = [line for line in out.splitlines() if ": error:" in line]
    # exactly the three misuses: Optional arithmetic, a missing attribute, dict-style access
    lines = SCRIPT.splitlines()
    assert [lines[int(e.split(":")[1]) - 1].strip() for e in errors] == [
        "o.price + 1", "o.missing_field", 'c.get_order(1)["orderId"]'], out
