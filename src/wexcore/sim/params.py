"""Reading request parameters: ranges, time bounds and the two paging styles.

Every list endpoint pages one of two ways, as the spec documents:

- a cursor (spot ``fromId``, futures ``id``) with ``direction``. Pages are
  newest first; ``NEXT`` (the default) returns the page just older than the
  cursor, ``PREV`` (futures also ``PREVIOUS``) the page just newer, and
  ``hasNext``/``hasPrev`` say whether more lies that way. Some futures
  sections describe ``id`` as a "page number" defaulting to 1; no record has
  an id that small, so ``id`` <= 1 reads as "no cursor".
- ``page`` (from 1) and ``size``.

``startTime``/``endTime`` bound a record's time, both inclusive. A value out
of its documented range is refused with the product's code (spot
``FAILURE``; futures ``invalid_limit``, ``invalid_size``, ``invalid_page``,
``invalid_direction`` or ``invalid_params``), never clamped: a client that
asked for 600 levels must not believe it got them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from .codes import SimError
from .numbers import BadNumber, parse_int

T = TypeVar("T")
MAX_ID = 2**63 - 1


def get_int(p: dict[str, Any], name: str, default: int, lo: int, hi: int,
            code: str = "invalid_params") -> int:
    raw = p.get(name)
    if raw is None or raw == "":
        return default
    try:
        return parse_int(raw, name, lo, hi)
    except BadNumber as exc:
        raise SimError(code, str(exc)) from None


def opt_int(p: dict[str, Any], name: str, code: str = "invalid_params") -> int | None:
    if p.get(name) in (None, ""):
        return None
    return get_int(p, name, 0, 0, MAX_ID, code)


def upper_enum(p: dict[str, Any], name: str, allowed: tuple[str, ...],
               code: str = "invalid_params") -> str | None:
    """An optional enum parameter, any case; ``None`` when absent."""
    v = p.get(name)
    if v in (None, ""):
        return None
    text = str(v).upper()
    if text not in allowed:
        raise SimError(code, f"{name} must be one of {', '.join(allowed)}")
    return text


def csv_list(value: Any) -> list[str]:
    """A comma-separated list parameter (or a JSON array) as stripped strings."""
    if isinstance(value, list):
        return [str(x).strip() for x in value if str(x).strip()]
    return [x.strip() for x in str(value or "").split(",") if x.strip()]


def get_bool(p: dict[str, Any], name: str, default: bool, code: str = "invalid_params") -> bool:
    raw = p.get(name)
    if raw is None or raw == "":
        return default
    if isinstance(raw, bool):
        return raw
    text = str(raw).lower()
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    raise SimError(code, f"{name} must be true or false")


def time_bounds(p: dict[str, Any], code: str = "invalid_params") -> tuple[int | None, int | None]:
    start, end = opt_int(p, "startTime", code), opt_int(p, "endTime", code)
    if start is not None and end is not None and start > end:
        raise SimError(code, "startTime is after endTime")
    return start, end


def within(rows: Sequence[T], p: dict[str, Any], when: Callable[[T], int],
           code: str = "invalid_params") -> list[T]:
    start, end = time_bounds(p, code)
    if start is None and end is None:
        return list(rows)
    return [r for r in rows if (start is None or when(r) >= start)
            and (end is None or when(r) <= end)]


def direction(p: dict[str, Any], code: str = "invalid_params", default: str = "NEXT") -> str:
    d = str(p.get("direction") or default).upper()
    if d == "PREVIOUS":
        d = "PREV"
    if d not in ("PREV", "NEXT"):
        raise SimError(code, "direction must be PREV or NEXT")
    return d


def by_cursor(rows: Sequence[T], p: dict[str, Any], key: Callable[[T], int], limit: int, *,
              cursor: str = "fromId", code: str = "invalid_params",
              dir_code: str | None = None) -> dict[str, Any]:
    """One page of ``rows`` (oldest first, ascending ``key``): newest first."""
    d = direction(p, dir_code or code)
    fid = opt_int(p, cursor, code)
    if fid is not None and fid <= 1 and cursor == "id":
        fid = None
    if fid is None:
        page = list(rows)[-limit:]
        more_older, more_newer = len(rows) > limit, False
    elif d == "NEXT":
        older = [r for r in rows if key(r) < fid]
        page = older[-limit:]
        more_older, more_newer = len(older) > limit, len(older) < len(rows)
    else:
        newer = [r for r in rows if key(r) > fid]
        page = newer[:limit]
        more_older, more_newer = len(newer) < len(rows), len(newer) > limit
    page.reverse()
    return {"hasPrev": more_newer, "hasNext": more_older, "items": page}


def by_page(rows: Sequence[T], p: dict[str, Any], *, default_size: int = 10,
            max_size: int = 100, newest_first: bool = True) -> dict[str, Any]:
    page = get_int(p, "page", 1, 1, 10**9, "invalid_page")
    size = get_int(p, "size", default_size, 1, max_size, "invalid_size")
    ordered = list(reversed(rows)) if newest_first else list(rows)
    chunk = ordered[(page - 1) * size: page * size]
    return {"page": page, "ps": size, "total": len(rows), "items": chunk,
            "hasNext": page * size < len(rows), "hasPrev": page > 1}
