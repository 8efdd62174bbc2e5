"""The steps of a long-running command: bounded by a stop request and a deadline,
and named when they fail.

``wexcore demo``, ``book`` and ``record`` start by connecting somewhere. A host
that accepts and never answers must not hold them for its timeouts: every
start-up step races the run's end (:func:`unless_ended`), and a step that
fails carries a note of what it was doing (:func:`noted`: the URL, host or
file), which ``wexcore.cli`` prints before the error.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import Any, TypeVar

__all__ = ["Ended", "unless_ended", "noted", "end_of_run"]

T = TypeVar("T")


class Ended(Exception):
    """The run ended (a stop request or its deadline) before a step finished."""


async def unless_ended(step: Awaitable[T], ended: asyncio.Future[Any]) -> T:
    """``await step``, unless ``ended`` completes first: then the step is
    cancelled (it cleans up after itself) and :class:`Ended` is raised."""
    task = asyncio.ensure_future(step)
    await asyncio.wait({task, ended}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
    raise Ended


async def noted(step: Awaitable[T], where: str) -> T:
    """``await step``; an exception leaves with ``where`` as a note (PEP 678)."""
    try:
        return await step
    except Exception as exc:
        exc.add_note(where)
        raise


async def end_of_run(stop: asyncio.Event, seconds: float | None) -> None:
    """Complete when ``stop`` is set or ``seconds`` (None: never) have passed."""
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
