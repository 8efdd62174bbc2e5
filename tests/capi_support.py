"""The C API table (wexcore.h) as ctypes sees it, for tests that call the
kernels exactly as a C program does: through the ``wexcore._capi.API``
capsule, with the GIL released during each call (``CFUNCTYPE``), except
the two functions documented to need it (``PYFUNCTYPE``).

The layouts below mirror cext/csrc/wexcore_types.h; the compiled C example
(tests/test_embed_examples.py) checks the header itself.
"""

from __future__ import annotations

import ctypes as C

import wexcore._capi


class Error(C.Structure):
    _fields_ = [("code", C.c_int), ("precision", C.c_int), ("offset", C.c_int64),
                ("expected", C.c_int64), ("received", C.c_int64), ("field", C.c_char * 64),
                ("value", C.c_char * 64), ("message", C.c_char * 192)]


class DepthFrame(C.Structure):
    _fields_ = [("bid_prices", C.POINTER(C.c_int64)), ("bid_quantities", C.POINTER(C.c_int64)),
                ("bid_capacity", C.c_size_t),
                ("ask_prices", C.POINTER(C.c_int64)), ("ask_quantities", C.POINTER(C.c_int64)),
                ("ask_capacity", C.c_size_t),
                ("bid_count", C.c_size_t), ("ask_count", C.c_size_t),
                ("first_id", C.c_int64), ("last_id", C.c_int64), ("previous_id", C.c_int64),
                ("symbol", C.c_void_p), ("symbol_len", C.c_size_t)]


class Request(C.Structure):
    _fields_ = [("product", C.c_int), ("method", C.c_char_p), ("method_len", C.c_size_t),
                ("path", C.c_char_p), ("path_len", C.c_size_t),
                ("query", C.c_char_p), ("query_len", C.c_size_t),
                ("body", C.c_char_p), ("body_len", C.c_size_t),
                ("timestamp_ms", C.c_int64)]


P = C.c_void_p
PErr = C.POINTER(Error)
_TABLE = [
    ("book_new", C.CFUNCTYPE(P, C.c_char_p, C.c_size_t, C.c_int, C.c_int, C.c_int, PErr)),
    ("book_free", C.CFUNCTYPE(None, P)),
    ("book_of", C.PYFUNCTYPE(P, C.py_object)),
    ("book_load_snapshot", C.CFUNCTYPE(C.c_int, P, C.c_char_p, C.c_size_t, PErr)),
    ("book_apply_frame", C.CFUNCTYPE(C.c_int, P, C.c_char_p, C.c_size_t, PErr)),
    ("book_top_ticks", C.CFUNCTYPE(C.c_size_t, P, C.c_int, C.c_size_t, C.POINTER(C.c_int64),
                                   C.POINTER(C.c_int64))),
    ("book_top", C.CFUNCTYPE(C.c_size_t, P, C.c_int, C.c_size_t, C.POINTER(C.c_double),
                             C.POINTER(C.c_double))),
    ("book_level_count", C.CFUNCTYPE(C.c_size_t, P, C.c_int)),
    ("book_update_id", C.CFUNCTYPE(C.c_int64, P)),
    ("book_in_sync", C.CFUNCTYPE(C.c_int, P)),
    ("book_checksum", C.CFUNCTYPE(C.c_uint32, P, C.c_size_t)),
    ("depth_decode", C.CFUNCTYPE(C.c_int, C.c_char_p, C.c_size_t, C.c_int, C.c_int,
                                 C.POINTER(DepthFrame), PErr)),
    ("signer_new", C.CFUNCTYPE(P, C.c_char_p, C.c_size_t, C.c_char_p, C.c_size_t, C.c_int, PErr)),
    ("signer_free", C.CFUNCTYPE(None, P)),
    ("signer_of", C.PYFUNCTYPE(P, C.py_object)),
    ("sign", C.CFUNCTYPE(C.c_int, P, C.POINTER(Request), C.c_char_p, PErr)),
]


class Api(C.Structure):
    _fields_ = [("version", C.c_int), ("size", C.c_size_t)] + _TABLE


def load() -> Api:
    get = C.pythonapi.PyCapsule_GetPointer
    get.restype = C.c_void_p
    get.argtypes = [C.py_object, C.c_char_p]
    return Api.from_address(get(wexcore._capi.API, b"wexcore._capi.API"))
