"""Generate ``_methods.py`` (the client methods) from the endpoint table.

Run ``python -m wexcore.rest._codegen`` after editing ``endpoints.py``; a
test fails when the generated file is out of date. Not imported at run time.

Each endpoint becomes one sync and one async method with a real signature
(required parameters first, the rest keyword-only with the spec's defaults),
type annotations, and a docstring naming the spec section and rate limit.
The body is one line handing the arguments, in table order, to ``_call``:
the request logic lives only in ``client.py``.
"""

from __future__ import annotations

import keyword
import pathlib
import textwrap
import types as _pytypes
from typing import Any, get_args, get_origin

from wexcore.rest import types as T
from wexcore.rest.endpoints import FUTURES_ENDPOINTS, SPOT_ENDPOINTS, Endpoint, Param

_ANN = {
    "str": "str",
    "int": "int | str",
    "decimal": "Number",
    "bool": "bool",
    "csv": "str | Sequence[str | int]",
    "list": "Sequence[Any]",
    "jsonstr": "Sequence[Mapping[str, Any]]",
    "body": "Sequence[Mapping[str, Any]]",
}

# Endpoints whose method also takes validate= (pre-trade filter checks).
VALIDATED = {("spot", "place_order"), ("futures", "place_order")}


def annotation(tp: Any) -> str:
    """The source text of a result type, as the generated module spells it."""
    if isinstance(tp, T.Adapted):
        return tp.public
    if isinstance(tp, _pytypes.UnionType):
        return " | ".join(annotation(a) for a in get_args(tp))
    if tp is type(None):
        return "None"
    origin = get_origin(tp)
    if origin is not None:
        inner = ", ".join(annotation(a) for a in get_args(tp))
        head = "list" if origin is list else annotation(origin)
        return f"{head}[{inner}]"
    if isinstance(tp, type):
        return f"T.{tp.__name__}" if tp.__module__ == T.__name__ else tp.__name__
    raise TypeError(f"cannot spell result type {tp!r}")


def _signature(ep: Endpoint[Any]) -> tuple[list[str], list[str]]:
    positional, keyword_only = [], []
    for p in ep.params:
        assert p.arg.isidentifier() and not keyword.iskeyword(p.arg), p.arg
        ann = _ANN[p.kind]
        if p.kind == "int" and not p.name.lower().endswith("id"):
            ann = "int"  # counts, times, pages; ids may also be given as strings
        if p.required and p.default is None:
            positional.append(f"{p.arg}: {ann}")
        elif p.default is not None:
            keyword_only.append(f"{p.arg}: {ann} = {p.default!r}")
        else:
            keyword_only.append(f"{p.arg}: {ann} | None = None")
    if (ep.product, ep.name) in VALIDATED:
        keyword_only.append("validate: bool = True")
    return positional, keyword_only


def _param_doc(p: Param) -> str:
    bits = [p.doc.strip() or p.name]
    bits.append(f"(wire name ``{p.name}``")
    if p.where == "path":
        bits[-1] += ", in the path"
    if p.required:
        bits[-1] += ", required by the spec"
    if p.default is not None:
        bits[-1] += f", spec default {p.default!r}"
    if p.range:
        bits[-1] += f", range {p.range[0]}..{p.range[1]}"
    bits[-1] += ")"
    return " ".join(bits)


def _docstring(ep: Endpoint[Any]) -> str:
    lines = [
        f"{ep.section}.",
        "",
        f"``{ep.method} {ep.path}`` -- {'signed' if ep.auth else 'public, not signed'}; "
        f"parameters in the {'JSON body' if ep.encoding == 'json' else 'query string'}"
        + (" (form content type)" if ep.encoding == "form" else "")
        + ".",
        f"Spec: {ep.spec_ref()}. Rate limit: {ep.limit_text()}.",
    ]
    if ep.paging:
        lines.append(f"Paginated: iterate every item with ``paginate({ep.name!r}, ...)``.")
    if ep.params or (ep.product, ep.name) in VALIDATED:
        lines += ["", "Args:"]
        for p in ep.params:
            lines.append(
                textwrap.fill(
                    f"{p.arg}: {_param_doc(p)}",
                    88,
                    initial_indent="    ",
                    subsequent_indent="        ",
                )
            )
        if (ep.product, ep.name) in VALIDATED:
            lines.append(
                "    validate: check the order against the symbol's filters first "
                "(fetched once per symbol) and raise InvalidOrderError locally."
            )
    ret = annotation(ep.result)
    lines += ["", "Returns:", f"    ``{ret}``, decoded from the response's ``result``."]
    return "\n".join(lines)


def _method(ep: Endpoint[Any], var: str, is_async: bool) -> str:
    pos, kw = _signature(ep)
    args = ["self", *pos]
    if kw:
        args += ["*", *kw]
    values = ", ".join(p.arg for p in ep.params)
    values = f"({values},)" if len(ep.params) == 1 else f"({values})"
    extra = ", validate" if (ep.product, ep.name) in VALIDATED else ""
    head = "async def" if is_async else "def"
    call = (
        f"await self._call({var}, {values}{extra})"
        if is_async
        else f"self._call({var}, {values}{extra})"
    )
    ret = annotation(ep.result)
    sig = f"    {head} {ep.name}({', '.join(args)}) -> {ret}:"
    if len(sig) > 100:
        sig = (
            f"    {head} {ep.name}(\n" + "".join(f"        {a},\n" for a in args)
            + f"    ) -> {ret}:"
        )
    doc = textwrap.indent(_docstring(ep), "        ").lstrip()
    return f'{sig}\n        """{doc}\n        """\n        return {call}\n'


def generate() -> str:
    out = [
        '"""Client methods, one per endpoint. GENERATED by ``python -m wexcore.rest._codegen``',
        'from ``endpoints.py``: do not edit by hand."""',
        "",
        "# ruff: noqa: E501",
        "from __future__ import annotations",
        "",
        "from collections.abc import Mapping, Sequence",
        "from decimal import Decimal",
        "from typing import Any, TypeVar",
        "",
        "from wexcore.rest import types as T",
        "from wexcore.rest.endpoints import Endpoint",
        "from wexcore.rest.endpoints import futures as _F",
        "from wexcore.rest.endpoints import spot as _S",
        "",
        "Number = Decimal | str | int | float",
        "R = TypeVar(\"R\")",
        "",
    ]
    for prefix, table, eps in (("_S", "_S", SPOT_ENDPOINTS), ("_F", "_F", FUTURES_ENDPOINTS)):
        for ep in eps:
            out.append(
                f"{prefix}_{ep.name}: Endpoint[{annotation(ep.result)}] = {table}[{ep.name!r}]"
            )
        out.append("")
    for cls, prefix, eps in (
        ("SpotMethods", "_S", SPOT_ENDPOINTS),
        ("FuturesMethods", "_F", FUTURES_ENDPOINTS),
    ):
        for is_async in (False, True):
            name = ("Async" if is_async else "") + cls
            out += [
                "",
                f"class {name}:",
                f'    """Every {"spot" if prefix == "_S" else "futures"} endpoint as a '
                f'{"coroutine " if is_async else ""}method."""',
                "",
                "    __slots__ = ()",
                "",
            ]
            head = "async def" if is_async else "def"
            out.append(
                f"    {head} _call(\n        self, endpoint: Endpoint[R], values: tuple[Any, ...],"
                " validate: bool = False\n    ) -> R:  # pragma: no cover"
            )
            out += ["        raise NotImplementedError", ""]
            for ep in eps:
                out.append(_method(ep, f"{prefix}_{ep.name}", is_async))
    return "\n".join(out)


def _params_in(ep: Endpoint[Any]) -> str:
    if ep.encoding == "json":
        return "JSON body"
    return "query (form)" if ep.encoding == "form" else "query"


def doc_tables() -> str:
    """The endpoint tables of ``docs/rest.md`` (between its GENERATED markers)."""
    out = []
    for title, eps, spec in (
        ("Spot (`SpotClient`, `AsyncSpotClient`)", SPOT_ENDPOINTS, "spot-en.txt"),
        ("Futures (`FuturesClient`, `AsyncFuturesClient`)", FUTURES_ENDPOINTS, "futures-en.txt"),
    ):
        out += [f"## {title}", "",
                "| method | HTTP | path | signed | params in | returns | rate limit | spec |",
                "|---|---|---|---|---|---|---|---|"]
        for ep in eps:
            ret = annotation(ep.result).replace("T.", "").replace("|", "\\|")
            out.append(
                f"| `{ep.name}` | {ep.method} | `{ep.path}` | {'yes' if ep.auth else 'no'} "
                f"| {_params_in(ep)} | `{ret}` | {ep.limit_text()} | {spec}:{ep.line} |"
            )
        out.append("")
    return "\n".join(out)


TARGET = pathlib.Path(__file__).with_name("_methods.py")
# docs/rest.md of the checkout this is run from (``python -m wexcore.rest._codegen``
# at the repository's root)
DOCS = pathlib.Path("docs") / "rest.md"
BEGIN = "<!-- GENERATED by python -m wexcore.rest._codegen: the endpoint tables -->"
END = "<!-- end of generated tables -->"


def docs_with_tables(text: str) -> str:
    """``text`` (docs/rest.md) with its generated section replaced."""
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n\n{doc_tables()}{END}{tail}"


if __name__ == "__main__":
    TARGET.write_text(generate())
    print(f"wrote {TARGET}")
    if DOCS.exists():
        DOCS.write_text(docs_with_tables(DOCS.read_text()))
        print(f"wrote the tables of {DOCS}")
