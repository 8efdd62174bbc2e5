"""Type stubs for the compiled signing kernel (cext/wexcore/_sign.pyx)."""

from collections.abc import Iterable, Mapping
from typing import Final, Literal, TypeAlias, final

ALGORITHMS: Final[tuple[str, ...]]
PRODUCTS: Final[tuple[str, ...]]
MAX_RECV_WINDOW: Final[int]

_Query: TypeAlias = Mapping[str, object] | Iterable[tuple[str, object]] | str | None
_Body: TypeAlias = bytes | bytearray | memoryview | str | Mapping[str, object] | None
_Product: TypeAlias = Literal["spot", "futures"]

def sha256_backend() -> Literal["sha-ni", "bmi2", "portable"]:
    """The SHA-256 block function in use."""

def _set_sha256_backend(name: str) -> None: ...
def _available_sha256_backends() -> list[str]: ...
def encode_query(params: _Query) -> str:
    """Sorted, percent-encoded ``k=v&...``: the query that is signed and sent."""

@final
class Signer:
    """Signs WEX REST requests for one API key (the secret is never exposed)."""

    @property
    def api_key(self) -> str: ...
    @property
    def algorithm(self) -> str: ...
    time_offset_ms: int
    recv_window: int
    def __init__(
        self,
        api_key: str,
        secret: str | bytes,
        *,
        algorithm: str = "HmacSHA256",
        recv_window: int = 5000,
    ) -> None: ...
    def now_ms(self) -> int: ...
    def canonical(
        self,
        method: str,
        path: str,
        query: _Query = None,
        body: _Body = None,
        *,
        timestamp: int | None = None,
        product: _Product = "spot",
    ) -> str: ...
    def sign(
        self,
        method: str,
        path: str,
        query: _Query = None,
        body: _Body = None,
        *,
        timestamp: int | None = None,
        product: _Product = "spot",
    ) -> str: ...
    def headers(
        self,
        method: str,
        path: str,
        query: _Query = None,
        body: _Body = None,
        *,
        timestamp: int | None = None,
        product: _Product = "spot",
    ) -> dict[str, str]: ...
