/*
 * fuzz_check_report.c - libFuzzer target for the report writers of `provscan check`
 * (cli/report_check.c): findings made of arbitrary strings (paths, sources, locators, URLs,
 * licenses, authors) and numbers are written in every format; the JSON formats (json, sarif,
 * spdx, cyclonedx) must parse back with cJSON and keep their shape, and the text report must
 * hold no control byte but tab and newline.
 *
 * Input: a first byte of options (bit 0-1: the findings' rules, bit 2: baselined, bit 3: a
 * second finding, bit 4: no origin), then NUL-separated fields: path, source, locator, url,
 * license, commit, author name, author email, second author name; then 12 bytes of numbers
 * (lines, bytes, tokens). Missing fields are NULL.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "check.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NFIELDS 9

/* Writes r in format into memory; returns the text (malloc'ed) or NULL. */
static char *write_mem(const pv_check_report *r, const char *format)
{
    char *p = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&p, &n);
    int rc;
    if (!f)
        return NULL;
    rc = pv_check__write(f, format, r);
    fclose(f);
    PV_FUZZ_CHECK(rc == 0);
    return p;
}

static uint32_t u16(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const json_formats[] = {"json", "sarif", "spdx", "cyclonedx"};
    char *copy, *field[NFIELDS] = {0}, *p, *end, *t;
    uint8_t opt, num[12] = {0};
    pv_source_ref src;
    pv_author_credit au[2];
    pv_span sp;
    pv_check_finding fd[2];
    pv_check_report r;
    size_t i, nf = 0;
    if (size < 1)
        return 0;
    opt = data[0];
    /* the last 12 bytes are numbers when there are enough */
    if (size > 13) {
        memcpy(num, data + size - 12, 12);
        size -= 12;
    }
    copy = malloc(size);
    if (!copy)
        return 0;
    memcpy(copy, data + 1, size - 1);
    copy[size - 1] = '\0';
    end = copy + size - 1;
    for (p = copy; nf < NFIELDS && p <= end; nf++) {
        field[nf] = p;
        p += strlen(p) + 1;
    }

    memset(&src, 0, sizeof src);
    src.document = num[0];
    src.kind = "git";
    src.source = field[1];
    src.locator = field[2];
    src.url = field[3] && field[3][0] ? field[3] : NULL;
    src.license = field[4] && field[4][0] ? field[4] : NULL;
    src.commit = field[5];
    src.first_commit = field[5];
    src.line_start = u16(num + 1);
    src.line_end = u16(num + 3);
    memset(au, 0, sizeof au);
    au[0].name = field[6];
    au[0].email = field[7];
    au[0].share = (double)num[5] / 255;
    au[1].name = field[8];
    au[1].share = 1 - au[0].share;
    memset(&sp, 0, sizeof sp);
    sp.start = u16(num + 6);
    sp.end = sp.start + num[8];
    sp.line_start = num[9];
    sp.line_end = num[9] + num[10];
    sp.tokens = num[11];
    sp.strength = (double)num[10] - 20;
    sp.sources = &src;
    sp.nsources = opt & 16 ? 0 : 1;
    sp.authors = au;
    sp.nauthors = field[8] ? 2 : field[6] ? 1 : 0;

    memset(fd, 0, sizeof fd);
    for (i = 0; i < 2; i++) {
        fd[i].path = field[0] ? field[0] : "";
        fd[i].span = &sp;
        fd[i].rules = opt & 3u;
        fd[i].baselined = (opt >> 2) & 1;
        snprintf(fd[i].fingerprint, sizeof fd[i].fingerprint, "%016zx", i + num[0]);
        /* the checksum is given: the target must not read files */
        memset(fd[i].sha1, 'a', 40);
    }
    memset(&r, 0, sizeof r);
    r.repo = "/nonexistent";
    r.index_path = field[1];
    r.base = field[5];
    r.head = field[2];
    r.policy = field[6];
    r.version = "0.0.0";
    r.findings = fd;
    r.nfindings = opt & 8 ? 2 : 1;
    r.failed = (opt & 3) && !(opt & 4);

    t = write_mem(&r, "text");
    PV_FUZZ_CHECK(t != NULL);
    for (p = t; *p; p++)
        PV_FUZZ_CHECK((unsigned char)*p >= 0x20 ? *p != 0x7f : (*p == '\n' || *p == '\t'));
    free(t);
    for (i = 0; i < sizeof json_formats / sizeof json_formats[0]; i++) {
        char *s = write_mem(&r, json_formats[i]);
        cJSON *j;
        PV_FUZZ_CHECK(s != NULL);
        j = cJSON_Parse(s);
        PV_FUZZ_CHECK(j != NULL && cJSON_IsObject(j));
        if (i == 1) { /* sarif: one result per rule broken, each with a region from line 1 */
            cJSON *res = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "runs"), 0),
                                             "results"),
                  *it;
            int n = 0;
            cJSON_ArrayForEach(it, res)
            {
                cJSON *reg = cJSON_GetObjectItem(
                    cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(it, "locations"), 0),
                                        "physicalLocation"),
                    "region");
                double a = cJSON_GetNumberValue(cJSON_GetObjectItem(reg, "startLine"));
                double b = cJSON_GetNumberValue(cJSON_GetObjectItem(reg, "endLine"));
                PV_FUZZ_CHECK(a >= 1 && b >= a);
                n++;
            }
            PV_FUZZ_CHECK(n == (int)r.nfindings * __builtin_popcount(opt & 3u));
        }
        cJSON_Delete(j);
        free(s);
    }
    free(copy);
    return 0;
}
