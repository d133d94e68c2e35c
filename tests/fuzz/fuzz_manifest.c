/*
 * fuzz_manifest.c - libFuzzer target for the manifest of a folder of segments
 * (index/segments.c, docs/index-format.md "Segments"): any bytes are parsed or refused with a
 * message naming the manifest; what is accepted names plain files and writes back (format)
 * into bytes that parse to the same segments.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common_int.h"
#include "index_int.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pv_segment_info *v = NULL, *w = NULL;
    pv_buf b = PV_BUF_INIT((size_t)16 << 20);
    pv_err err = {0, {0}};
    size_t n = 0, m = 0, i;
    uint64_t gen = 0, gen2 = 0, sum = 0;
    int rc = pv_index__manifest_parse("fuzz", (const char *)data, size, &v, &n, &gen, &sum, &err);
    if (rc) {
        PV_FUZZ_CHECK(v == NULL && n == 0);
        PV_FUZZ_CHECK(rc == PV_ENOMEM || strstr(err.msg, "fuzz/MANIFEST") != NULL);
        return 0;
    }
    PV_FUZZ_CHECK(n >= 1 && v != NULL);
    for (i = 0; i < n; i++)
        PV_FUZZ_CHECK(v[i].name[0] && v[i].name[0] != '.' && !strchr(v[i].name, '/'));
    PV_FUZZ_CHECK(pv_index__manifest_format(v, n, gen, &b) == 0);
    PV_FUZZ_CHECK(pv_index__manifest_parse("fuzz", b.data, b.len, &w, &m, &gen2, NULL, &err) == 0);
    PV_FUZZ_CHECK(m == n && gen2 == gen);
    for (i = 0; i < n; i++)
        PV_FUZZ_CHECK(strcmp(v[i].name, w[i].name) == 0 && v[i].bytes == w[i].bytes &&
                      v[i].checksum == w[i].checksum && v[i].documents == w[i].documents);
    pv_buf__free(&b);
    pv_index__segments_free(v, n);
    pv_index__segments_free(w, m);
    return 0;
}
