/*
 * fuzz_license.c - libFuzzer target for license detection (scanner/license.c): any bytes as a
 * LICENSE file's text, as a source file's head holding an SPDX-License-Identifier tag, and as
 * a file name. The answer must not depend on letter case or on surrounding line ends, and a
 * tag must come out whole, trimmed and within its buffer. A first byte below 16 picks the
 * tag buffer's size (that byte times 4, plus 1), so short buffers are tried too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scanner_int.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same_id(const char *a, const char *b)
{
    return a == b || (a && b && !strcmp(a, b));
}

static void check_tag(const char *text, size_t len, size_t outsz)
{
    char small[64], big[256];
    size_t n;

    PV_FUZZ_CHECK(outsz <= sizeof small);
    memset(small, 'x', sizeof small);
    if (pv_scanner__spdx_tag(text, len, small, outsz)) {
        n = strlen(small);
        PV_FUZZ_CHECK(n > 0 && n < outsz);
        PV_FUZZ_CHECK(small[0] != ' ' && small[0] != '\t');
        PV_FUZZ_CHECK(small[n - 1] != ' ' && small[n - 1] != '\t');
        PV_FUZZ_CHECK(!strchr(small, '\n') && !strstr(small, "-->"));
        /* a larger buffer gives the same expression */
        PV_FUZZ_CHECK(pv_scanner__spdx_tag(text, len, big, sizeof big) == 1);
        PV_FUZZ_CHECK(!strcmp(small, big));
    } else {
        /* nothing is written past the buffer, even when nothing is found */
        for (n = outsz; n < sizeof small; n++)
            PV_FUZZ_CHECK(small[n] == 'x');
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t outsz = 64;
    char *text, *upper, *framed;
    const char *id;

    if (size > 0 && data[0] < 16) {
        outsz = (size_t)data[0] * 4 + 1;
        data++;
        size--;
    }
    text = malloc(size + 1);
    upper = malloc(size + 1);
    framed = malloc(size + 3);
    PV_FUZZ_CHECK(text && upper && framed);
    memcpy(text, data, size);
    text[size] = '\0';

    id = pv_scanner__license_of_text(text, size);
    if (id) {
        PV_FUZZ_CHECK(id[0] != '\0');
        for (const char *p = id; *p; p++)
            PV_FUZZ_CHECK((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
                          (*p >= '0' && *p <= '9') || *p == '-' || *p == '.');
    }
    /* phrases are matched as words, whatever the case and the line ends around them */
    for (size_t i = 0; i < size; i++)
        upper[i] = (char)(text[i] >= 'a' && text[i] <= 'z' ? text[i] - 'a' + 'A' : text[i]);
    PV_FUZZ_CHECK(same_id(id, pv_scanner__license_of_text(upper, size)));
    framed[0] = '\n';
    memcpy(framed + 1, text, size);
    framed[size + 1] = '\n';
    PV_FUZZ_CHECK(same_id(id, pv_scanner__license_of_text(framed, size + 2)));

    check_tag(text, size, outsz);
    (void)pv_scanner__license_file_name(text, 0);
    (void)pv_scanner__license_file_name(text, 1);

    free(text);
    free(upper);
    free(framed);
    return 0;
}
