/*
 * patterns.c - what the files and git readers share about paths: user PCRE2 patterns
 * (--exclude, --include), compiled once and matched against relative paths, and the names of
 * license files.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "common_int.h"
#include "scanner_int.h"

/* Compiles every pattern (UTF-8; invalid UTF-8 in a path simply does not match) and
 * JIT-compiles it when PCRE2 has a JIT; without it (or when it fails) the interpreter matches
 * the same way. */
int pv_patterns__compile(pv_patterns *p, const char *const *pat, size_t n, const char *what,
                         pv_err *err)
{
    uint32_t has_jit = 0;
    pcre2_code **re;

    memset(p, 0, sizeof *p);
    p->src = pat;
    p->what = what;
    if (!n)
        return 0;
    if (!(p->re = re = calloc(n, sizeof *re)) || !(p->md = pcre2_match_data_create(1, NULL)))
        return pv_err__set(err, PV_ENOMEM, "out of memory");
    pcre2_config(PCRE2_CONFIG_JIT, &has_jit);
    for (size_t i = 0; i < n; i++) {
        int code;
        PCRE2_SIZE off;
        re[i] = pcre2_compile((PCRE2_SPTR)pat[i], PCRE2_ZERO_TERMINATED,
                              PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &off, NULL);
        if (!re[i]) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(code, msg, sizeof msg);
            return pv_err__set(err, PV_EINVAL, "bad --%s pattern '%s': %s at offset %zu", what,
                               pat[i], (const char *)msg, (size_t)off);
        }
        p->n = i + 1;
        if (has_jit)
            pcre2_jit_compile(re[i], PCRE2_JIT_COMPLETE);
    }
    return 0;
}

/* Any PCRE2 error other than "no match" (a match or JIT stack limit) is an error: a pattern
 * that silently stops matching would index what the user excluded. */
int pv_patterns__match(pv_patterns *p, const char *path, size_t len, int *hit, pv_err *err)
{
    pcre2_code **re = p->re;
    *hit = 0;
    for (size_t i = 0; i < p->n; i++) {
        int rc = pcre2_match(re[i], (PCRE2_SPTR)path, len, 0, 0, p->md, NULL);
        if (rc >= 0) {
            *hit = 1;
            return 0;
        }
        if (rc != PCRE2_ERROR_NOMATCH) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(rc, msg, sizeof msg);
            return pv_err__set(err, PV_EINVAL, "%s pattern '%s' failed on '%.*s': %s", p->what,
                               p->src[i], (int)len, path, (const char *)msg);
        }
    }
    return 0;
}

void pv_patterns__free(pv_patterns *p)
{
    pcre2_code **re = p->re;
    for (size_t i = 0; i < p->n; i++)
        pcre2_code_free(re[i]);
    free(re);
    pcre2_match_data_free(p->md);
    memset(p, 0, sizeof *p);
}

int pv_scanner__license_file_name(const char *name, int any_extension)
{
    static const char *const bases[] = {"license",   "licence",     "copying",
                                        "unlicense", "license-mit", "license-apache"};
    size_t len = strlen(name);
    const char *dot = any_extension ? strchr(name, '.') : strrchr(name, '.');
    if (dot && (any_extension || strcasecmp(dot, ".md") == 0 || strcasecmp(dot, ".txt") == 0))
        len = (size_t)(dot - name);
    for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++)
        if (strlen(bases[i]) == len && strncasecmp(name, bases[i], len) == 0)
            return 1;
    return 0;
}
