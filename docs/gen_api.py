"""Generate docs/api.md from the public API's docstrings and signatures.

    python docs/gen_api.py > docs/api.md

Names come from ``wexcore.__all__``.  Python objects are read with
:mod:`inspect`; compiled ones (``wexcore._book``, ``wexcore._sign``,
``wexcore._decode``) from their ``.pyi`` stubs when a stub exists, because
that is where their typed signatures live, and otherwise from the compiled
docstrings.  The REST clients' generated endpoint methods are not repeated
here: docs/rest.md renders their table.
"""

from __future__ import annotations

import argparse
import ast
import enum
import inspect
import sys
import types
import typing
from pathlib import Path
from typing import Any

import wexcore

PKG = Path(wexcore.__file__).resolve().parent

SECTIONS = [
    ("Order book kernel", ["OrderBook", "ApplyResult", "DepthParser", "parse_depth",
                           "decimal_to_ticks"]),
    ("Signing", ["Signer", "encode_query", "sha256_backend"]),
    ("Embedding: the compiled API for Cython and C (docs/embedding.md)", ["get_include"]),
    ("Decoding", ["decode", "Event", "Trade", "UserTrade", "Kline", "Ticker", "IndexPrice",
                  "MarkPrice", "FundingRate", "DepthUpdate", "DepthSnapshot", "OrderUpdate",
                  "BalanceUpdate", "PositionUpdate", "Notify", "Reply", "Pong", "PONG",
                  "ErrorMessage", "UnknownMessage", "Side", "OrderState", "OrderType",
                  "TimeInForce", "PositionSide", "PositionType", "NotifyType"]),
    ("REST clients", ["SpotClient", "AsyncSpotClient", "FuturesClient", "AsyncFuturesClient"]),
    ("Streams", ["StreamClient", "Subscription", "SpotPublicStream", "SpotPrivateStream",
                 "FuturesMarketStream", "FuturesUserStream", "ConnectionEvent",
                 "ConnectionState", "ReconnectPolicy", "SubscriptionError", "ListenKeyError"]),
    ("Live books", ["LiveBook", "LiveBooks", "ResyncEvent", "LatencyStats"]),
    ("NATS JetStream bus", ["BusBooks", "Feed"]),
    ("Account (docs/account.md)", ["Account", "AccountEvents", "OrderEvent", "FillEvent",
                                   "BalanceEvent", "PositionEvent", "AccountEvent",
                                   "PendingOrder", "AccountStats"]),
    ("Errors", ["WexError", "WexAPIError", "AuthenticationError", "InvalidOrderError",
                "InsufficientFundsError", "RateLimitError", "ServerError", "NotFoundError",
                "OrderStateUnknownError", "EventOverflowError", "SequenceGap", "DecodeError",
                "PrecisionError",
                "InvalidParameterError", "OrderNotFoundError", "AccessDeniedError",
                "TransportError"]),
]

# Python modules documented beyond the package root: the commands' building blocks.
EXTRA_MODULES = ["wexcore.sim", "wexcore.record", "wexcore.benchmarks", "wexcore.demo",
                 "wexcore.view", "wexcore.workload", "wexcore.export"]


def _stub_index() -> dict[str, ast.AST]:
    index: dict[str, ast.AST] = {}
    for stub in sorted(PKG.glob("_*.pyi")):
        tree = ast.parse(stub.read_text())
        for node in tree.body:
            if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
                index[node.name] = node
    return index


def _first_paragraph(doc: str | None) -> str:
    if not doc:
        return ""
    return inspect.cleandoc(doc).split("\n\n")[0].replace("\n", " ")


def _stub_sig(fn: ast.FunctionDef) -> str:
    args = ast.unparse(fn.args)
    ret = f" -> {ast.unparse(fn.returns)}" if fn.returns else ""
    return f"({args}){ret}"


def _from_stub(name: str, node: ast.AST, runtime_doc: str | None = None) -> list[str]:
    out: list[str] = []
    if isinstance(node, ast.FunctionDef):
        out.append(f"### `{name}{_stub_sig(node)}`\n")
        doc = ast.get_docstring(node)
        if doc:
            out.append(_doc(inspect.cleandoc(doc)) + "\n")
        return out
    assert isinstance(node, ast.ClassDef)
    init = next((n for n in node.body if isinstance(n, ast.FunctionDef)
                 and n.name == "__init__"), None)
    sig = _stub_sig(init).replace("(self, ", "(").replace("(self)", "()") if init else ""
    sig = sig.replace(" -> None", "")
    out.append(f"### class `{name}{sig}`\n")
    doc = ast.get_docstring(node) or runtime_doc
    if doc:
        out.append(_doc(inspect.cleandoc(doc)) + "\n")
    rows = []
    for n in node.body:
        if isinstance(n, ast.FunctionDef) and not n.name.startswith("_"):
            is_prop = any(ast.unparse(d) == "property" for d in n.decorator_list)
            if is_prop:
                ret = f": {ast.unparse(n.returns)}" if n.returns else ""
                label = f"`{n.name}{ret}` (property)"
            else:
                label = f"`{n.name}{_stub_sig(n).replace('(self, ', '(').replace('(self)', '()')}`"
            rows.append(f"- {label}" + (f": {_first_paragraph(ast.get_docstring(n))}"
                                          if ast.get_docstring(n) else ""))
        elif isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name):
            if not n.target.id.startswith("_"):
                ann = ast.unparse(n.annotation)
                if ann.startswith("_Field[") and ann.endswith("]"):
                    ann = ann[7:-1]  # a field descriptor: show the value's type
                rows.append(f"- `{n.target.id}: {ann}`")
        elif isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Name):
            t = n.targets[0].id
            if not t.startswith("_"):
                rows.append(f"- `{t}`")
    if rows:
        out.append("\n".join(rows) + "\n")
    return out


def _sig(obj: Any) -> str:
    """The signature with annotations as written (they are strings under
    ``from __future__ import annotations``; shown unquoted)."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return ""
    parts = []
    seen_kwonly = False
    for p in sig.parameters.values():
        if p.kind is p.KEYWORD_ONLY and not seen_kwonly:
            parts.append("*")
            seen_kwonly = True
        if p.kind is p.VAR_POSITIONAL:
            seen_kwonly = True
            text = f"*{p.name}"
        elif p.kind is p.VAR_KEYWORD:
            text = f"**{p.name}"
        else:
            text = p.name
        if p.annotation is not p.empty:
            ann = p.annotation if isinstance(p.annotation, str) else inspect.formatannotation(
                p.annotation)
            text += f": {ann}"
        if p.default is not p.empty:
            text += f" = {p.default!r}" if p.annotation is not p.empty else f"={p.default!r}"
        parts.append(text)
        if p.kind is p.POSITIONAL_ONLY and (
                list(sig.parameters.values()).index(p) == len(sig.parameters) - 1
                or list(sig.parameters.values())[list(sig.parameters.values()).index(p) + 1].kind
                is not p.POSITIONAL_ONLY):
            parts.append("/")
    ret = ""
    if sig.return_annotation is not sig.empty:
        r = sig.return_annotation
        ret = f" -> {r if isinstance(r, str) else inspect.formatannotation(r)}"
    return f"({', '.join(parts)}){ret}"


def _doc(text: str) -> str:
    """A docstring for Markdown: reST tables (``====`` rules) go in a code block."""
    lines = text.split("\n")
    rules = [i for i, line in enumerate(lines) if line.strip().startswith("====")
             and set(line.strip()) <= {"=", " "}]
    if len(rules) >= 2:
        a, b = rules[0], rules[-1]
        lines = lines[:a] + ["```"] + lines[a:b + 1] + ["```"] + lines[b + 1:]
    return "\n".join(lines)


def _members(cls: type) -> list[str]:
    rows = []
    for attr, value in sorted(vars(cls).items()):
        if attr.startswith("_"):
            continue
        if isinstance(value, property):
            rows.append(f"- `{attr}` (property)" + (f": {_first_paragraph(value.__doc__)}"
                                                      if value.__doc__ else ""))
        elif inspect.isfunction(value) or inspect.iscoroutinefunction(value):
            prefix = "async " if inspect.iscoroutinefunction(value) else ""
            sig = _sig(value).replace("(self, ", "(").replace("(self)", "()")
            doc = _first_paragraph(value.__doc__)
            rows.append(f"- `{prefix}{attr}{sig}`" + (f": {doc}" if doc else ""))
        elif type(value).__name__ == "_Field" or type(value).__name__ == "getset_descriptor":
            rows.append(f"- `{attr}`")
    return rows


def _from_object(name: str, obj: Any, *, members: bool = True) -> list[str]:
    out: list[str] = []
    if isinstance(obj, type) and issubclass(obj, enum.Enum):
        out.append(f"### enum `{name}`\n")
        doc = inspect.getdoc(obj)
        if doc and not doc.startswith("Enum where"):
            out.append(doc + "\n")
        out.append("Members: " + ", ".join(f"`{m.name}`" for m in obj) + "\n")
        return out
    if isinstance(obj, type):
        sig = _sig(obj)
        sig = sig.replace(" -> None", "")
        out.append(f"### class `{name}{sig}`\n")
        doc = inspect.getdoc(obj)
        if doc:
            out.append(_doc(doc) + "\n")
        if members:
            rows = _members(obj)
            if rows:
                out.append("\n".join(rows) + "\n")
        return out
    if isinstance(obj, types.UnionType) or typing.get_origin(obj) is typing.Union:
        # a type alias such as AccountEvent
        parts = " | ".join(getattr(typing.get_origin(t) or t, "__name__", str(t))
                           for t in typing.get_args(obj))
        out.append(f"### `{name}` = `{parts}`\n")
        return out
    if callable(obj):
        out.append(f"### `{name}{_sig(obj)}`\n")
        doc = inspect.getdoc(obj)
        if doc:
            out.append(_doc(doc) + "\n")
        return out
    out.append(f"### `{name}`\n")
    out.append(f"An instance of `{type(obj).__name__}`.\n")
    return out


def main() -> None:
    stubs = _stub_index()
    lines = [
        "# API reference",
        "",
        "Generated by `python docs/gen_api.py > docs/api.md` from the docstrings and, for",
        "the compiled kernels, the `.pyi` stubs. Everything here is importable from",
        "`wexcore` unless a module is named. The REST clients' endpoint methods (one per",
        "documented endpoint) are listed in [rest.md](rest.md); the commands' help is",
        "at the end ([Command line](#command-line)).",
        "",
    ]
    documented: set[str] = set()
    for title, names in SECTIONS:
        lines.append(f"## {title}\n")
        for name in names:
            if name not in wexcore.__all__:
                continue
            documented.add(name)
            obj = getattr(wexcore, name)
            mod = getattr(obj, "__module__", "") or ""
            if name in stubs and mod.startswith("wexcore._"):
                rdoc = inspect.getdoc(obj)
                if rdoc and rdoc.split("\n")[0].startswith(f"{name}("):
                    rdoc = "\n".join(rdoc.split("\n")[1:]).strip()  # embedded signature line
                lines += _from_stub(name, stubs[name], rdoc or None)
            else:
                rest = title == "REST clients"
                lines += _from_object(name, obj, members=not rest)
                if rest:
                    lines.append("Shell methods: `close()`/`aclose()`, `sync_clock()`, "
                                 "`load_filters(symbol=None)`, `symbol_filters(symbol)`, "
                                 "`paginate(name, **params)`; one method per endpoint "
                                 "(see rest.md).\n")
    rest_names = [n for n in wexcore.__all__ if n not in documented and n != "__version__"]
    if rest_names:
        lines.append("## Other exports\n")
        for name in rest_names:
            lines += _from_object(name, getattr(wexcore, name))
    lines.append("## Modules behind the commands\n")
    import importlib

    for modname in EXTRA_MODULES:
        try:
            mod = importlib.import_module(modname)
        except ImportError as exc:  # pragma: no cover - optional extra missing
            lines.append(f"### `{modname}`\n\n(not importable here: {exc})\n")
            continue
        lines.append(f"### module `{modname}`\n")
        doc = inspect.getdoc(mod)
        if doc:
            lines.append(_first_paragraph(doc) + "\n")
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name)
            if isinstance(obj, str):
                continue
            sub = _from_object(f"{modname}.{name}", obj, members=True)
            lines += [s.replace("### ", "#### ", 1) if i == 0 else s for i, s in enumerate(sub)]
    lines.append("## Command line\n")
    lines.append("`wexcore <command> --help` prints the same text.\n")
    import os

    from wexcore.cli import COMMANDS, build_parser

    os.environ["COLUMNS"] = "100"  # stable wrapping of the help text
    parser = build_parser()
    subparsers = next(a for a in parser._actions
                      if isinstance(a, argparse._SubParsersAction))
    for name in COMMANDS:
        lines.append(f"### `wexcore {name}`\n")
        lines.append("```\n" + subparsers.choices[name].format_help().rstrip() + "\n```\n")
    sys.stdout.write("\n".join(lines).rstrip() + "\n")


if __name__ == "__main__":
    main()
