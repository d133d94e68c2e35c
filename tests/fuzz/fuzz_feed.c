/*
 * fuzz_feed.c - libFuzzer target for the blog reader (RSS, Atom, WordPress WXR) and the HTML
 * to text conversion under it: any bytes, given as a file (plain, gzip or zstd by their magic),
 * must be read or refused without a crash, every item ending as a document, a bad record or a
 * skipped one, and no comment carrying its commenter's email. A first byte below 4 picks the
 * options: 0 comments, 1 strict, 2 a small max_doc_size, 3 comments and strict.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads every byte the reader hands over, so that ASan sees out-of-bounds text. */
static int check_doc(void *ctx, const pv_doc_in *d)
{
    uint64_t *sum = ctx;
    size_t i;
    PV_FUZZ_CHECK(d->text != NULL && d->len > 0);
    PV_FUZZ_CHECK(d->kind != NULL && d->locator != NULL && d->locator[0] != '\0');
    for (i = 0; i < d->len; i++)
        *sum += (unsigned char)d->text[i];
    *sum += strlen(d->locator) + strlen(d->kind) + pv_fuzz_opt_len(d->license) +
            pv_fuzz_opt_len(d->lang) + pv_fuzz_opt_len(d->origin.author.name) +
            pv_fuzz_opt_len(d->origin.author.email) + pv_fuzz_opt_len(d->origin.author.id);
    for (i = 0; i < d->origin.ncoauthors; i++)
        *sum += pv_fuzz_opt_len(d->origin.coauthors[i].name) +
                pv_fuzz_opt_len(d->origin.coauthors[i].email);
    if (!strcmp(d->kind, "comment"))
        PV_FUZZ_CHECK(d->origin.author.email == NULL && d->origin.author.id == NULL);
    return 0;
}

static int check_source(void *ctx, const char *name, const char *kind)
{
    uint64_t *sum = ctx;
    PV_FUZZ_CHECK(kind != NULL);
    *sum += pv_fuzz_opt_len(name);
    return 0;
}

static void check_diag(void *ctx, pv_severity sev, const char *msg)
{
    (void)ctx;
    PV_FUZZ_CHECK(sev == PV_WARNING || sev == PV_NOTE);
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
    if (size > 0 && data[0] < 4) {
        o.comments = data[0] == 0 || data[0] == 3;
        o.strict = data[0] == 1 || data[0] == 3;
        if (data[0] == 2)
            o.max_doc_size = 64;
        data++;
        size--;
    }
    (void)pv_feed__sniff((const char *)data, size);
    sink.source = check_source;
    sink.doc = check_doc;
    sink.ctx = &sum;
    rc = pv_fuzz_read(pv_feed__read, data, size, &o, &sink, &st, &err);
    pv_fuzz_check_read(rc, &st, &err);
    return 0;
}
