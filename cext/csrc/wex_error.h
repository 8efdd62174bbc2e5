/* Filling the public wex_error struct (wexcore_types.h) from the kernels. */
#ifndef WEX_ERROR_H
#define WEX_ERROR_H

#include <stdarg.h>
#include <stdio.h>
#include "wexcore_types.h"

static inline void wex_err_clear(wex_error *err) { if (err) err->code = WEX_OK; }

static void wex_err_set(wex_error *err, int code, const char *field, const char *fmt, ...)
{
    va_list ap;
    if (!err) return;
    err->code = code;
    err->precision = 0;
    err->offset = -1;
    err->expected = err->received = 0;
    snprintf(err->field, sizeof err->field, "%s", field ? field : "");
    err->value[0] = 0;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}

#endif
