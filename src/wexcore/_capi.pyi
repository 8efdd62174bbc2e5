"""Stub of the C API capsule module (see cext/wexcore/_capi.pyx)."""

from typing import Final

#: the ``wex_api`` table of ``wexcore.h``, as a capsule named "wexcore._capi.API"
API: Final[object]
#: ``WEXCORE_API_VERSION`` of this build
VERSION: Final[int]
