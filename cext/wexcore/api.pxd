# wexcore's public Cython API: `from wexcore.api cimport ...`.
#
# Installed with the package (wexcore/api.pxd); Cython finds it on sys.path.
# Compile the extension with include_dirs=[wexcore.get_include()] for the C
# headers. The same functions are in the C capsule (wexcore.h) for programs
# that do not use Cython. docs/embedding.md is the reference: ownership,
# lifetimes, threads, and a complete example (examples/embed/).
#
# Names here are stable; they change only with WEXCORE_API_VERSION.

from wexcore._types cimport *
from wexcore._book cimport (
    OrderBook,
    wex_book_new,
    wex_book_free,
    wex_book_of,
    wex_book_load_snapshot,
    wex_book_apply_frame,
    wex_book_top_ticks,
    wex_book_top,
    wex_book_level_count,
    wex_book_update_id,
    wex_book_in_sync,
    wex_book_checksum,
    wex_depth_decode,
    wex_error_exception,
)
from wexcore._sign cimport (
    wex_signer_new,
    wex_signer_free,
    wex_signer_of,
    wex_sign,
)
