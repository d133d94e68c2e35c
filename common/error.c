/*
 * error.c - error codes and messages. The library never prints: it fills a pv_err
 * that the caller (cli/) decides how to show.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include "common_int.h"

const char *pv_strerror(int code)
{
    switch (code) {
    case PV_OK:
        return "success";
    case PV_ENOMEM:
        return "out of memory";
    case PV_EIO:
        return "input/output error";
    case PV_ECORRUPT:
        return "corrupt index";
    case PV_EVERSION:
        return "unsupported version";
    case PV_EFORMAT:
        return "bad input format";
    case PV_EINVAL:
        return "invalid argument";
    case PV_EPARAMS:
        return "index parameters do not match";
    case PV_ELIMIT:
        return "input exceeds a limit";
    case PV_ESKIP:
        return "skipped";
    case PV_ENOTFOUND:
        return "not found";
    default:
        return "unknown error";
    }
}

int pv_err__set(pv_err *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}
