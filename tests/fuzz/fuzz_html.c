/*
 * fuzz_html.c - libFuzzer target for HTML to text (scanner/html.c): any bytes as HTML must
 * convert without a crash, a leak or UB into valid UTF-8 text within the output's limit, with
 * meta fields that are valid UTF-8 and NUL-terminated; the same input gives the same text
 * whether the output buffer is empty or already holds text (the parser context is reused
 * between calls). A first byte below 8 sets a small output limit (that byte times 64, plus 1).
 */
#define _POSIX_C_SOURCE 200809L /* strnlen */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common_int.h"
#include "scanner_int.h"
#include "source.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether s[0, n) is well-formed UTF-8. */
static int valid_utf8(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end;
    if (n == 0)
        return 1;
    end = p + n;
    while (p < end) {
        int32_t cp;
        if (*p < 0x80) {
            p++;
            continue;
        }
        p += pv_scanner__utf8_decode(p, end, &cp);
        if (cp < 0)
            return 0;
    }
    return 1;
}

static void check_field(const char *f, size_t size)
{
    size_t n = strnlen(f, size);
    PV_FUZZ_CHECK(n < size);
    if (!valid_utf8(f, n)) {
        fprintf(stderr, "meta field '%s' is not valid UTF-8\n", f);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char prefix[] = "kept";
    size_t limit = (size_t)64 << 20;
    pv_buf a, b;
    pv_html_meta meta, meta2;
    pv_err err;
    int rc, rc2;

    if (size > 0 && data[0] < 8) {
        limit = (size_t)data[0] * 64 + 1;
        data++;
        size--;
    }
    a = (pv_buf)PV_BUF_INIT(limit);
    b = (pv_buf)PV_BUF_INIT(limit + sizeof prefix - 1);
    memset(&err, 0, sizeof err);
    rc = pv_html__to_text((const char *)data, size, &a, &meta, &err);
    PV_FUZZ_CHECK(rc == 0 || rc == PV_ELIMIT);
    PV_FUZZ_CHECK(a.len <= limit);
    if (rc)
        PV_FUZZ_CHECK(err.msg[0] != '\0');
    else if (!valid_utf8(a.data, a.len)) {
        fprintf(stderr, "text is not valid UTF-8\n");
        abort();
    }
    if (rc == 0 && a.len > 0) /* a <br> may start it with a line end, but it ends with one */
        PV_FUZZ_CHECK(a.data[a.len - 1] == '\n');
    check_field(meta.author, sizeof meta.author);
    check_field(meta.title, sizeof meta.title);
    check_field(meta.lang, sizeof meta.lang);

    /* again, after text already in the buffer: the same text follows it */
    PV_FUZZ_CHECK(pv_buf__append(&b, prefix, sizeof prefix - 1) == 0);
    rc2 = pv_html__to_text((const char *)data, size, &b, &meta2, &err);
    PV_FUZZ_CHECK(rc2 == rc);
    if (rc == 0) {
        PV_FUZZ_CHECK(b.len == sizeof prefix - 1 + a.len);
        PV_FUZZ_CHECK(!memcmp(b.data, prefix, sizeof prefix - 1));
        PV_FUZZ_CHECK(a.len == 0 || !memcmp(b.data + sizeof prefix - 1, a.data, a.len));
        PV_FUZZ_CHECK(!memcmp(&meta, &meta2, sizeof meta));
    }
    pv_buf__free(&a);
    pv_buf__free(&b);
    return 0;
}
