/*
 * fuzz_jsonl.c - libFuzzer target for the JSON-lines reader and the decompressed input under
 * it: any bytes, given as a file (plain, gzip or zstd by their magic), must be read or
 * refused without a crash, every record ending as a document, a bad record or a skipped one.
 * A first byte below 8 picks the options: 0 the generic preset with dotted fields, 1-5 a
 * forced preset, 6 strict, 7 a small max_doc_size.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const presets[] = {"generic", "the-stack", "dolma",
                                      "pile",    "redpajama", "reddit"};

/* Reads every byte the reader hands over, so that ASan sees out-of-bounds text. */
static int check_doc(void *ctx, const pv_doc_in *d)
{
    uint64_t *sum = ctx;
    size_t i;
    PV_FUZZ_CHECK(d->text != NULL && d->len > 0);
    PV_FUZZ_CHECK(d->kind != NULL && d->locator != NULL);
    for (i = 0; i < d->len; i++)
        *sum += (unsigned char)d->text[i];
    *sum += strlen(d->locator) + strlen(d->kind) + pv_fuzz_opt_len(d->license) +
            pv_fuzz_opt_len(d->lang) + pv_fuzz_opt_len(d->commit) +
            pv_fuzz_opt_len(d->origin.author.name) + pv_fuzz_opt_len(d->origin.author.id);
    return 0;
}

static void check_diag(void *ctx, pv_severity sev, const char *msg)
{
    (void)ctx;
    PV_FUZZ_CHECK(sev == PV_WARNING || sev == PV_NOTE); /* notes: records skipped by rule */
    PV_FUZZ_CHECK(msg[0] != '\0' && strchr(msg, '\n') == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pv_reader_opts o;
    pv_reader_stats st;
    pv_err err;
    pv_sink sink = {0};
    uint64_t sum = 0;
    int rc;

    memset(&o, 0, sizeof o);
    o.diag = check_diag;
    if (size > 0 && data[0] < 8) {
        if (data[0] <= 5)
            o.preset = presets[data[0]];
        if (data[0] == 0)
            o.fields = "text=a.b,author=c,id=d.e,url=u,date=t,license=l,lang=g";
        if (data[0] == 6)
            o.strict = 1;
        if (data[0] == 7)
            o.max_doc_size = 64;
        data++;
        size--;
    }
    sink.doc = check_doc;
    sink.ctx = &sum;
    rc = pv_fuzz_read(pv_jsonl__read, data, size, &o, &sink, &st, &err);
    pv_fuzz_check_read(rc, &st, &err);
    return 0;
}
