"""An asyncio event loop whose clock jumps over idle time (virtual time).

A replay that runs "as fast as clients take it" must not depend on how fast
the machine is: the same recording and the same client code must give the
same fills. :class:`VirtualTimeLoop` makes that hold for everything running
on it -- the simulator and in-process asyncio clients alike. Its clock
(``loop.time()``) stands still while any work is ready to run or any
socket has data to read; when every task is waiting and nothing is pending,
instead of sleeping until the earliest timer it moves the clock to that
timer at once. So:

* ``asyncio.sleep(1)`` in a strategy is one second of replay time, however
  long its processing took on this machine;
* a request is stamped on the loop's clock when the simulator reads it,
  and every step between (client decoding a frame, deciding, sending) takes
  no virtual time: the stamp depends only on what happened before it.

The clock does not jump (it waits for real, in short slices) while

* a job runs in an executor (``run_in_executor``: its completion is not yet
  visible to the selector),
* a socket waits to be written (a connect in progress, a peer that has not
  read what it was sent: an out-of-process client taking its time), or
* a registered veto says so (:meth:`add_jump_veto`).

In-process loopback TCP delivers data within the sender's system call, so a
frame written to an in-process client is readable before the loop looks
again. :meth:`follow_real_time` ends the jumps: the clock then runs at wall
speed from where it stands (a replay that reached its end keeps serving
without spinning through empty timers).

Processing takes no virtual time, so CPU-heavy client code is free in a
replay; the simulator's latency parameters model the time a real exchange
and network take (docs/replay.md).
"""

from __future__ import annotations

import asyncio
import selectors
import time
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any, TypeVar, TypeVarTuple

_T = TypeVar("_T")
_Ts = TypeVarTuple("_Ts")

__all__ = ["VirtualTimeLoop", "REAL_WAIT"]

#: longest real wait (seconds) before a vetoed jump is looked at again
REAL_WAIT = 0.05


class _JumpingSelector:
    """Wraps the loop's selector: a select that would block jumps the clock."""

    def __init__(self, inner: selectors.BaseSelector, loop: VirtualTimeLoop) -> None:
        self._inner = inner
        self._loop = loop
        #: file objects registered for writing (kept here: asked on every idle turn)
        self._writers: set[Any] = set()

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        inner = self._inner
        if timeout is not None and timeout <= 0:
            return inner.select(0)
        events = inner.select(0)
        if events:
            return events
        loop = self._loop
        if not loop.jumping:
            return inner.select(timeout)
        if loop.must_wait():
            return inner.select(REAL_WAIT if timeout is None else min(timeout, REAL_WAIT))
        if timeout is None:
            return inner.select(None)  # no timer at all: only the world can wake us
        loop.advance(timeout)
        return []

    def writers_waiting(self) -> bool:
        return bool(self._writers)

    def _track(self, key: selectors.SelectorKey) -> selectors.SelectorKey:
        if key.events & selectors.EVENT_WRITE:
            self._writers.add(key.fileobj)
        else:
            self._writers.discard(key.fileobj)
        return key

    # the rest of the selector interface, delegated
    def register(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._track(self._inner.register(fileobj, events, data))

    def unregister(self, fileobj: Any) -> selectors.SelectorKey:
        key = self._inner.unregister(fileobj)
        self._writers.discard(key.fileobj)
        return key

    def modify(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._track(self._inner.modify(fileobj, events, data))

    def get_key(self, fileobj: Any) -> selectors.SelectorKey:
        return self._inner.get_key(fileobj)

    def get_map(self) -> Any:
        return self._inner.get_map()

    def close(self) -> None:
        self._inner.close()


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """A selector event loop on virtual time (see the module docstring).

    Use it with ``asyncio.Runner(loop_factory=VirtualTimeLoop)`` or
    :func:`wexcore.sim.replay.run_replay`. ``start`` is the clock's first
    reading (seconds).
    """

    #: read by :class:`wexcore.rest.limits.RateLimiter`: count on this loop's clock
    wexcore_virtual_time = True

    def __init__(self, selector: selectors.BaseSelector | None = None, *,
                 start: float = 0.0) -> None:
        super().__init__(selector)
        self._selector: Any = _JumpingSelector(self._selector, self)
        self._now = float(start)
        self._real_anchor: float | None = None
        self._executor_jobs = 0
        self._vetoes: list[Callable[[], bool]] = []
        #: how many times the clock jumped, and by how much in all (seconds)
        self.jumps = 0
        self.jumped = 0.0

    def time(self) -> float:
        if self._real_anchor is None:
            return self._now
        return self._now + (time.monotonic() - self._real_anchor)

    @property
    def jumping(self) -> bool:
        """True while idle time is skipped (until :meth:`follow_real_time`)."""
        return self._real_anchor is None

    def advance(self, seconds: float) -> None:
        """Move the clock forward (the selector does this when the loop is idle)."""
        if seconds > 0:
            self._now += seconds
            self.jumps += 1
            self.jumped += seconds

    def follow_real_time(self) -> None:
        """Stop jumping: from now on the clock runs at wall speed."""
        if self._real_anchor is None:
            self._real_anchor = time.monotonic()

    def jump_again(self) -> None:
        """Skip idle time again (after :meth:`follow_real_time`)."""
        if self._real_anchor is not None:
            self._now = self.time()
            self._real_anchor = None

    def add_jump_veto(self, veto: Callable[[], bool]) -> Callable[[], None]:
        """``veto()`` returning True keeps the clock from jumping (it is asked
        each time the loop would jump); returns a function that removes it."""
        self._vetoes.append(veto)

        def remove() -> None:
            if veto in self._vetoes:
                self._vetoes.remove(veto)

        return remove

    def must_wait(self) -> bool:
        """Is something outside the loop's timers still to come?"""
        if self._executor_jobs:
            return True
        if self._selector.writers_waiting():
            return True
        return any(v() for v in self._vetoes)

    def run_in_executor(self, executor: Executor | None, func: Callable[[*_Ts], _T],
                        *args: *_Ts) -> asyncio.Future[_T]:
        fut = super().run_in_executor(executor, func, *args)
        self._executor_jobs += 1

        def done(_: asyncio.Future[_T]) -> None:
            self._executor_jobs -= 1

        fut.add_done_callback(done)
        return fut
