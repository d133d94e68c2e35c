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

#include "provscan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char query[] =
    "feedparser can be installed by running pip. The feedparser documentation is available "
    "on the web at https://feedparser.readthedocs.io/en/latest/ It can also be built and "
    "browsed locally using tox. This will produce HTML documentation in the build/docs/ "
    "directory. Feedparser has an extensive test suite, powered by tox.\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    FILE *f;
    pv_index *ix = NULL;
    pv_result *res = NULL;
    pv_err err;
    int rc;

    snprintf(path, sizeof path, "/tmp/pv-fuzz-index-%ld.pvx", (long)getpid());
    f = fopen(path, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);
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
    return 0;
}
