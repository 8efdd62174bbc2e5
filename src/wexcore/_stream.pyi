"""Stub of the compiled stream hot paths (see cext/wexcore/_stream.pyx)."""

from collections import deque
from collections.abc import Callable
from typing import Any, final

from typing_extensions import disjoint_base

@final
class Router:
    decoder: Callable[[bytes], Any]
    duplicate: Callable[[bytes, Any], bool] | None
    messages: int
    bytes_received: int
    unrouted: int
    duplicates: int
    def __init__(
        self,
        resolve: Callable[[bytes], tuple[tuple[Callable[[bytes, Any, int], None], ...], bool]],
        control: Callable[[bytes], None],
        slow_event: Callable[[bytes], bytes | None],
        decoder: Callable[[bytes], Any],
    ) -> None: ...
    def clear(self) -> None: ...
    def feed(self, frame: bytes | str, received_ns: int = 0) -> None: ...

@final
class LatencyRing:
    @property
    def size(self) -> int: ...
    @property
    def count(self) -> int: ...
    def __init__(self, size: int = 65536) -> None: ...
    def record(self, value: int) -> None: ...
    def samples(self) -> list[int]: ...

@disjoint_base
class BookFeed:
    book: Any
    synced: bool
    buffer: deque[bytes]
    max_buffer: int
    applied: int
    stale: int
    buffer_overflows: int
    stale_run: int
    max_stale_run: int
    max_id_jump: int
    on_update: Callable[[Any, int], None] | None
    apply_ring: LatencyRing | None
    wire_ring: LatencyRing | None
    futures: bool
    @property
    def raw(self) -> bool: ...
    def deliver(self, frame: bytes, decoded: Any, received_ns: int) -> None: ...
    def lose_sync(self, reason: str, detail: str = "") -> None: ...
