/*
 * fuzz_warc.c - libFuzzer target for the WARC / WET reader: any bytes (plain or gzip) must
 * read without a crash or a leak, every record read must be a document, bad or skipped, and
 * every document must have a locator, the kind "page" and text the sink can read in full.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

static int on_doc(void *ctx, const pv_doc_in *d)
{
    uint64_t *sum = ctx;
    size_t i;
    CHECK(d->locator != NULL && d->kind != NULL && strcmp(d->kind, "page") == 0);
    CHECK(d->text != NULL || d->len == 0);
    CHECK(d->license == NULL && d->runs == NULL);
    for (i = 0; i < d->len; i++) /* every byte is readable */
        *sum += (unsigned char)d->text[i];
    *sum += strlen(d->locator);
    if (d->lang)
        *sum += strlen(d->lang);
    if (d->origin.author.name)
        *sum += strlen(d->origin.author.name);
    return 0;
}

static void on_diag(void *ctx, pv_severity sev, const char *msg)
{
    (void)ctx;
    (void)sev;
    CHECK(strchr(msg, '\n') == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    pv_reader_opts o;
    pv_sink sink;
    pv_reader_stats st;
    pv_err err;
    uint64_t sum = 0;
    int fd, rc;

    fd = memfd_create("fuzz_warc", 0);
    if (fd >= 0) {
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    } else {
        strcpy(path, "/tmp/fuzz_warc_XXXXXX");
        fd = mkstemp(path);
        if (fd < 0)
            return 0;
        unlink(path); /* the name is gone, /proc/self/fd/N still opens it */
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (size > 0 && write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }

    memset(&o, 0, sizeof o);
    memset(&sink, 0, sizeof sink);
    memset(&st, 0, sizeof st);
    o.diag = on_diag;
    o.strict = size > 0 && (data[size - 1] & 1); /* both ways of handling bad records */
    if (size > 1 && (data[size - 2] & 3) == 0)
        o.max_doc_size = 64;
    sink.doc = on_doc;
    sink.ctx = &sum;
    rc = pv_warc__read(path, &o, &sink, &st, &err);
    if (rc == 0) {
        CHECK(st.records == st.documents + st.bad + st.skipped);
    } else {
        /* the record the error is about is the only one not accounted for */
        CHECK(st.records <= st.documents + st.bad + st.skipped + 1);
        CHECK(err.code == rc && err.msg[0] != '\0');
        CHECK(strchr(err.msg, '\n') == NULL);
    }
    CHECK(st.skipped_large + st.skipped_empty <= st.skipped);
    CHECK(st.bytes_in <= st.bytes_total);
    close(fd);
    return 0;
}
