"""The Account's public surface without a network: argument checks naming the
field, the events iterator's bounds and ending, no secret kept, and the
types a user's script sees under ``mypy --strict``."""

from __future__ import annotations

import asyncio
import os
import pathlib
import re
import textwrap

import pytest

import wexcore
from account_support import spot_fill, spot_order
from wexcore.account.state import BadFrame

KEY, SECRET = "acct-key-1234", "acct-secret-value-5678"


@pytest.mark.parametrize("kw, field", [
    (dict(product="margin"), "product"),
    (dict(reconcile_interval=0), "reconcile_interval"),
    (dict(gap_timeout=-1), "gap_timeout"),
    (dict(settle=-0.1), "settle"),
    (dict(overlap=float("nan")), "overlap"),
    (dict(max_fills=0), "max_fills"),
    (dict(max_closed_orders=0), "max_closed_orders"),
])
def test_bad_arguments_name_the_field(kw, field):
    with pytest.raises(wexcore.InvalidParameterError) as ei:
        wexcore.Account(KEY, SECRET, **kw)
    assert ei.value.field == field


def test_keys_or_a_signed_client_of_the_product():
    with pytest.raises(wexcore.InvalidParameterError) as ei:
        wexcore.Account(KEY)
    assert ei.value.field == "api_key"
    with pytest.raises(wexcore.InvalidParameterError, match="AsyncFuturesClient"):
        wexcore.Account(product="futures", rest_client=wexcore.AsyncSpotClient(KEY, SECRET))
    with pytest.raises(wexcore.InvalidParameterError, match="no key pair"):
        wexcore.Account(rest_client=wexcore.AsyncSpotClient())


def test_the_account_keeps_no_secret():
    acct = wexcore.Account(KEY, SECRET)
    seen = repr(vars(acct)) + repr(vars(acct.stream)) + repr(acct.rest)
    assert SECRET not in seen
    assert acct.rest.signer is not None  # the secret lives in the REST client's signer only


async def test_wait_synced_needs_a_started_account():
    with pytest.raises(wexcore.InvalidParameterError, match="not started"):
        await wexcore.Account(KEY, SECRET).wait_synced(0.1)


async def test_events_overflow_is_an_error_after_what_fit():
    acct = wexcore.Account(KEY, SECRET)
    small, big = acct.events(maxsize=2), acct.events()
    for oid in (1, 2, 3):
        acct._on_push(spot_order(oid, "NEW"))
    got = [await small.__anext__(), await small.__anext__()]
    assert [e.order.order_id for e in got] == [1, 2]
    with pytest.raises(wexcore.EventOverflowError, match="fell 2 events behind"):
        await small.__anext__()
    assert len(big) == 3 and sorted(acct.open_orders) == [1, 2, 3]  # the state is whole


async def test_closing_ends_iterators_and_a_closed_iterator_stops():
    acct = wexcore.Account(KEY, SECRET)
    events, mine = acct.events(), acct.events()
    acct._on_push(spot_fill(1, 9, "1"))
    mine.close()
    acct._on_push(spot_fill(2, 9, "1"))
    assert len(mine) == 1 and len(events) == 2
    waiter = asyncio.ensure_future(events.__anext__())
    await acct.close()
    assert (await waiter).fill.trade_id == 1
    assert (await events.__anext__()).fill.trade_id == 2
    with pytest.raises(StopAsyncIteration):
        await events.__anext__()
    with pytest.raises(wexcore.InvalidParameterError):
        acct.events(maxsize=0)


def test_a_bad_push_is_counted_and_asks_for_a_reconciliation():
    acct = wexcore.Account(KEY, SECRET)
    acct._on_push(BadFrame(wexcore.DecodeError("not a number", field="p")))
    assert acct.stats.bad_events == 1 and acct._want_light


SCRIPT = textwrap.dedent('''
    import wexcore


    async def user() -> None:
        async with wexcore.Account("k", "s") as spot:
            reveal_type(spot.open_orders)
            reveal_type(spot.fills)
            reveal_type(spot.balances)
            async for ev in spot.events():
                if isinstance(ev, wexcore.FillEvent):
                    reveal_type(ev.fill)
        async with wexcore.Account("k", "s", product="futures") as fut:
            reveal_type(fut.open_orders)
            reveal_type(fut.fills[0].exec_id)
            reveal_type(fut.positions)
            reveal_type(await fut.place_order("btc_usdt", "BUY", "LIMIT", 1, "LONG"))


    def misuse(spot: wexcore.Account[
            wexcore.rest.types.SpotOrder, wexcore.rest.types.SpotUserTrade,
            wexcore.rest.types.SpotBalance]) -> None:
        spot.fills[0].exec_id
        wexcore.Account("k", "s", reconcile_intervall=1.0)
''')

EXPECTED = [
    "typing.Mapping[builtins.int, wexcore.rest.types.SpotOrder]",
    "builtins.list[wexcore.rest.types.SpotUserTrade]",
    "typing.Mapping[builtins.str, wexcore.rest.types.SpotBalance]",
    "wexcore.rest.types.SpotUserTrade",
    "typing.Mapping[builtins.int, wexcore.rest.types.FuturesOrder]",
    "builtins.int | None",
    "typing.Mapping[tuple[builtins.str, builtins.str], wexcore.rest.types.FuturesPosition]",
    "builtins.int | None",
]


def test_user_script_sees_the_products_types(tmp_path):
    mypy_api = pytest.importorskip("mypy.api")
    script = tmp_path / "user.py"
    script.write_text(SCRIPT)
    root = pathlib.Path(__file__).resolve().parents[1]
    cache = os.environ.get("WEXCORE_MYPY_CACHE", str(root / ".mypy_cache"))
    out, err, _ = mypy_api.run([
        "--strict", "--no-error-summary", "--show-error-codes", "--cache-dir", str(cache),
        "--python-version", "3.11", str(script)])
    assert not err, err
    revealed = re.findall(r'Revealed type is "([^"]+)"', out)
    normal = [re.sub(r"\bbuiltins\.", "", r) for r in revealed]
    assert normal == [re.sub(r"\bbuiltins\.", "", e) for e in EXPECTED], out
    errors = [line for line in out.splitlines() if ": error:" in line]
    # the misuses: a spot fill has no exec_id; a misspelt keyword (on one line)
    lines = {e.split(":")[1] for e in errors}
    assert len(lines) == 2 and "exec_id" in errors[0], out
    assert any('"reconcile_intervall"' in e for e in errors), out
