/*
 * fuzz_warc.c - libFuzzer target for the WARC / WET reader: any bytes (plain or gzip) must
 * read without a crash or a leak, every record read must be a document, bad or skipped, and
 * every document must have a locator, the kind "page" and text the sink can read in full.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_doc(void *ctx, const pv_doc_in *d)
{
    uint64_t *sum = ctx;
    size_t i;
    PV_FUZZ_CHECK(d->locator != NULL && d->kind != NULL && strcmp(d->kind, "page") == 0);
    PV_FUZZ_CHECK(d->text != NULL || d->len == 0);
    PV_FUZZ_CHECK(d->license == NULL && d->runs == NULL);
    for (i = 0; i < d->len; i++) /* every byte is readable */
        *sum += (unsigned char)d->text[i];
    *sum += strlen(d->locator) + pv_fuzz_opt_len(d->lang) + pv_fuzz_opt_len(d->origin.author.name);
    return 0;
}

static void on_diag(void *ctx, pv_severity sev, const char *msg)
{
    (void)ctx;
    (void)sev;
    PV_FUZZ_CHECK(strchr(msg, '\n') == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pv_reader_opts o;
    pv_sink sink = {0};
    pv_reader_stats st;
    pv_err err;
    uint64_t sum = 0;
    int rc;

    memset(&o, 0, sizeof o);
    memset(&sink, 0, sizeof sink);
    o.diag = on_diag;
    o.strict = size > 0 && (data[size - 1] & 1); /* both ways of handling bad records */
    if (size > 1 && (data[size - 2] & 3) == 0)
        o.max_doc_size = 64;
    sink.doc = on_doc;
    sink.ctx = &sum;
    rc = pv_fuzz_read(pv_warc__read, data, size, &o, &sink, &st, &err);
    if (rc == 0) {
        PV_FUZZ_CHECK(st.records == st.documents + st.bad + st.skipped);
    } else {
        /* the record the error is about is the only one not accounted for */
        PV_FUZZ_CHECK(st.records <= st.documents + st.bad + st.skipped + 1);
        PV_FUZZ_CHECK(err.code == rc && err.msg[0] != '\0');
        PV_FUZZ_CHECK(strchr(err.msg, '\n') == NULL);
    }
    PV_FUZZ_CHECK(st.skipped_large + st.skipped_empty <= st.skipped);
    PV_FUZZ_CHECK(st.bytes_in <= st.bytes_total);
    return 0;
}
