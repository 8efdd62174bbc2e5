"""The endpoint table against the spec files, and the generated methods against the table."""

from __future__ import annotations

import inspect
import pathlib
import re

import pytest

import wexcore
from wexcore.rest import _codegen
from wexcore.rest.endpoints import ENDPOINTS, FUTURES_ENDPOINTS, SPOT_ENDPOINTS, futures, spot

SPEC = pathlib.Path("/work/shared/spec")
if not SPEC.exists():  # the spec ships next to the worktrees; CI copies it here
    SPEC = pathlib.Path(__file__).resolve().parents[2] / "shared" / "spec"
needs_spec = pytest.mark.skipif(not (SPEC / "spot-en.txt").exists(), reason="spec files not found")


def _spec_sections(name: str) -> list[tuple[str, int, str, list[str]]]:
    """(title, line, path, body lines) of every REST section that names a path."""
    lines = (SPEC / name).read_text().split("\n")
    out = []
    for i, line in enumerate(lines):
        if not line.endswith(" Edit"):
            continue
        for j in range(i + 1, min(i + 4, len(lines))):
            s = lines[j].strip()
            if s.startswith(("/v4/", "/future/")):
                body = []
                for k in range(j + 1, len(lines)):
                    if lines[k].endswith(" Edit"):
                        break
                    body.append(lines[k])
                out.append((line[:-5], i + 1, s, body))
                break
    return out


@needs_spec
@pytest.mark.parametrize(
    "fname,table", [("spot-en.txt", SPOT_ENDPOINTS), ("futures-en.txt", FUTURES_ENDPOINTS)]
)
def test_every_spec_path_is_in_the_table_and_back(fname, table):
    spec_paths = {p for _, _, p, _ in _spec_sections(fname)}
    table_paths = {ep.path for ep in table}
    assert spec_paths - table_paths == set()
    assert table_paths - spec_paths == set()


@needs_spec
@pytest.mark.parametrize("ep", ENDPOINTS, ids=lambda e: e.key)
def test_row_matches_its_spec_section(ep):
    fname = "spot-en.txt" if ep.product == "spot" else "futures-en.txt"
    sections = {(t, line): (p, body) for t, line, p, body in _spec_sections(fname)}
    path, body = sections[(ep.section, ep.line)]
    assert path == ep.path
    text = "\n".join(body)
    for p in ep.params:
        if p.kind == "body":
            assert "JSON Array Body" in text
        elif p.where == "path":
            assert "{" + p.name + "}" in path
        else:
            assert re.search(rf"^(item\.)?{re.escape(p.name)} ", text, re.M), p.name
    # Every stated per-endpoint limit is in the row (shared futures limits come on top).
    for count, per, scope in re.findall(
        r"(\d+)\s?(?:/|\s?requests?\s?/)\s?(s|second|10s)\s?(?:/|per )?\s?(ip|apikey)", text, re.I
    ):
        want = (scope.lower(), int(count), 10.0 if per == "10s" else 1.0)
        assert want in {(lim.scope, lim.count, lim.per) for lim in ep.limits}
    if "does not require a signature" in text:
        assert not ep.auth


def test_spot_public_paths_are_unsigned_and_others_signed():
    # spot-en.txt: "For requests that start other than /public, the request
    # message needs to be signed."
    for ep in SPOT_ENDPOINTS:
        assert ep.auth == ("/public/" not in ep.path), ep.key


@needs_spec
def test_futures_changelog_methods_agree():
    text = (SPEC / "futures-en.txt").read_text()
    listed = re.findall(r"^\d+ .+? (GET|POST) (/future/\S+)$", text, re.M)
    assert len(listed) == 14
    by_path = {ep.path: ep for ep in FUTURES_ENDPOINTS}
    for method, path in listed:
        assert by_path[path].method == method


def test_method_choices_for_spot_writes():
    assert (spot["place_order"].method, spot["place_order"].encoding) == ("POST", "json")
    assert spot["cancel_order"].method == "DELETE"
    assert (spot["amend_order"].method, spot["amend_order"].encoding) == ("PUT", "json")
    assert (spot["cancel_orders"].method, spot["cancel_orders"].encoding) == ("DELETE", "json")
    assert (spot["cancel_open_orders"].method, spot["cancel_open_orders"].encoding) == (
        "DELETE",
        "json",
    )
    assert spot["ws_token"].method == "POST"
    for ep in FUTURES_ENDPOINTS:
        if ep.method == "POST":
            assert ep.encoding == ("json" if "atomic" in ep.path else "form"), ep.key
        else:
            assert ep.method == "GET" and ep.encoding == "query", ep.key


def test_generated_methods_are_up_to_date():
    assert _codegen.TARGET.read_text() == _codegen.generate(), (
        "run: python -m wexcore.rest._codegen"
    )


def test_docs_endpoint_tables_are_up_to_date():
    text = (pathlib.Path(__file__).resolve().parents[1] / "docs" / "rest.md").read_text()
    assert _codegen.BEGIN in text and _codegen.END in text
    assert _codegen.docs_with_tables(text) == text, "run: python -m wexcore.rest._codegen"
    # every row names the method's return type
    for ep in ENDPOINTS:
        assert f"| `{ep.name}` |" in text


@pytest.mark.parametrize(
    "cls,table",
    [
        (wexcore.SpotClient, spot),
        (wexcore.AsyncSpotClient, spot),
        (wexcore.FuturesClient, futures),
        (wexcore.AsyncFuturesClient, futures),
    ],
)
def test_every_endpoint_has_a_documented_method(cls, table):
    is_async = cls.__name__.startswith("Async")
    for name, ep in table.items():
        m = getattr(cls, name)
        assert inspect.iscoroutinefunction(m) == is_async
        doc = m.__doc__
        assert ep.section in doc and ep.limit_text() in doc and ep.path in doc
        params = inspect.signature(m).parameters
        for p in ep.params:
            assert p.arg in params
            assert params[p.arg].annotation != inspect.Parameter.empty
            if p.default is not None:
                assert params[p.arg].default == p.default


def test_names_users_rely_on():
    sig = inspect.signature(wexcore.SpotClient)
    assert list(sig.parameters)[:2] == ["api_key", "secret"]
    assert sig.parameters["base_url"].default == "https://sapi.wexex.io"
    for cls in (wexcore.SpotClient, wexcore.AsyncSpotClient):
        for name in (
            "server_time",
            "symbols",
            "depth",
            "place_order",
            "get_order",
            "cancel_order",
            "open_orders",
            "balances",
            "paginate",
        ):
            assert hasattr(cls, name), name
        assert list(inspect.signature(cls.depth).parameters) == ["self", "symbol", "limit"]
        assert list(inspect.signature(cls.get_order).parameters) == ["self", "order_id"]
        assert list(inspect.signature(cls.cancel_order).parameters) == ["self", "order_id"]
    for cls in (wexcore.FuturesClient, wexcore.AsyncFuturesClient):
        for name in (
            "symbols",
            "depth",
            "place_order",
            "get_order",
            "cancel_order",
            "open_orders",
            "balances",
            "paginate",
        ):
            assert hasattr(cls, name), name


def test_futures_base_urls():
    assert wexcore.FuturesClient().base_url == "https://fapi.wexex.io"
    assert wexcore.FuturesClient(coin_margined=True).base_url == "https://dapi.wexex.io"
    assert wexcore.AsyncFuturesClient(coin_margined=True).base_url == "https://dapi.wexex.io"


def test_futures_shared_limits():
    lim = {(x.group, x.count, x.per) for x in futures["balance"].limits}
    assert ("futures-ip", 1000, 60.0) in lim and ("futures-assets", 3, 1.0) in lim
    assert ("futures-ip", 1000, 60.0) in {
        (x.group, x.count, x.per) for x in futures["depth"].limits
    }
