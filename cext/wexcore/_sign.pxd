# The C-level contract of the signing kernel; public names are re-exported
# by wexcore/api.pxd. Python sees src/wexcore/_sign.pyi.
from wexcore._types cimport wex_signer, wex_request, wex_error

cdef wex_signer *wex_signer_new(const char *api_key, size_t api_key_len, const char *secret,
                                size_t secret_len, int recv_window_ms,
                                wex_error *err) noexcept nogil
cdef void wex_signer_free(wex_signer *signer) noexcept nogil
cdef wex_signer *wex_signer_of(object signer) except NULL
cdef int wex_sign(const wex_signer *signer, const wex_request *request, char *signature,
                  wex_error *err) noexcept nogil
