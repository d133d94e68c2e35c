/*
 * fuzz_index_reader.c - libFuzzer target for the index reader: any bytes given as an index
 * file must be refused with an error or read and queried without a crash or a hang.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xxhash.h>

#include "provscan.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char query[] =
    "feedparser can be installed by running pip. The feedparser documentation is available "
    "on the web at https://feedparser.readthedocs.io/en/latest/ It can also be built and "
    "browsed locally using tox. This will produce HTML documentation in the build/docs/ "
    "directory. Feedparser has an extensive test suite, powered by tox.\n";

static uint64_t ld64(const uint8_t *p)
{
    uint64_t v = 0;
    int i;
    for (i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static void st64(uint8_t *p, uint64_t v)
{
    int i;
    for (i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Recompute every chunk checksum that lies inside the file, the file size and the header
 * checksum, so that mutations reach the validation behind the checksums. */
static void reseal(uint8_t *d, size_t size)
{
    size_t n, i, table;
    uint8_t *tmp;
    if (size < 64)
        return;
    st64(d + 48, size);
    n = (size_t)(d[40] | d[41] << 8);
    if (n == 0 || n > 64 || 64 + n * 32 > size)
        return;
    table = n * 32;
    for (i = 0; i < n; i++) {
        uint8_t *e = d + 64 + i * 32;
        uint64_t off = ld64(e + 8), len = ld64(e + 16);
        if (off <= size && len <= size - off)
            st64(e + 24, XXH3_64bits_withSeed(d + off, (size_t)len, 0));
    }
    tmp = malloc(56 + table);
    if (!tmp)
        abort();
    memcpy(tmp, d, 56);
    memcpy(tmp + 56, d + 64, table);
    st64(d + 56, XXH3_64bits_withSeed(tmp, 56 + table, 0));
    free(tmp);
}

static void try_index(const uint8_t *data, size_t size)
{
    char path[64];
    pv_index *ix = NULL;
    pv_result *res = NULL;
    pv_err err;
    int rc;

    snprintf(path, sizeof path, "/tmp/pv-fuzz-index-%ld.pvx", (long)getpid());
    PV_FUZZ_CHECK(pv_fuzz_write_file(path, data, size) == 0);
    rc = pv_index_open(&ix, path, &err);
    if (rc == 0) {
        pv_index_info info;
        pv_index_get_info(ix, &info);
        rc = pv_match_run(ix, query, sizeof query - 1, NULL, &res, &err);
        if (rc == 0) {
            size_t i;
            for (i = 0; i < res->nspans; i++)
                if (res->spans[i].end <= res->spans[i].start || res->spans[i].nsources == 0)
                    abort();
        } else if (err.msg[0] == 0) {
            abort(); /* every error carries a message */
        }
        pv_result_free(res);
        pv_index_free(ix);
    } else if (err.msg[0] == 0 || ix != NULL) {
        abort();
    }
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *copy;
    try_index(data, size);
    copy = malloc(size ? size : 1);
    if (!copy)
        abort();
    memcpy(copy, data, size);
    reseal(copy, size);
    try_index(copy, size);
    free(copy);
    return 0;
}
