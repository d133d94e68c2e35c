/*
 * test_source_warc.c - the WARC / WET reader (scanner/source_warc.c) on real web archives
 * (Common Crawl WARC, WET and WAT, warcio's and jwarc's samples, a Heritrix WARC/0.17 file),
 * and on damaged or edge-case archives the tests write: truncated, bad headers, wrong lengths,
 * chunked and compressed HTTP payloads, authors and languages from the HTML.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "scanner_int.h"
#include "source.h"
#include "util.h"

#define FIX "fixtures/warc/"
#define WHIRLWIND FIX "whirlwind.warc.gz"
#define WHIRLWIND_WET FIX "whirlwind.warc.wet.gz"
#define WHIRLWIND_WAT FIX "whirlwind.warc.wat.gz"
#define JWARC_CC FIX "jwarc-cc.warc.gz"
#define EXAMPLE FIX "warcio-example.warc"
#define EXAMPLE_GZ FIX "warcio-example.warc.gz"
#define EXAMPLE_TRUNC FIX "warcio-example-trunc.warc"
#define RESOURCE FIX "warcio-example-resource.warc.gz"
#define WGET FIX "warcio-example-wget-bad-target-uri.warc.gz"
#define SPACE FIX "warcio-example-space-in-target-uri.warc.gz"
#define ARC FIX "warcio-example.arc.gz"
#define UKWA FIX "ukwa-IAH-20080430204825-00000-blackbook-truncated.warc.gz"

/* 2024-05-18T01:58:10Z, the capture of https://an.wikipedia.org/wiki/Escopete */
#define ESCOPETE_DATE INT64_C(1715997490)
#define ESCOPETE_URL "https://an.wikipedia.org/wiki/Escopete"

/* ---- a temporary folder for the archives the tests write ---- */

static const char *dir;

static void make_dir(void)
{
    dir = pv_test_tmpdir("pv_warc_");
}

/* The sink's copies are kept until here. */
static void remove_dir(void)
{
    pv_test_free_kept();
    cr_assert_eq(pv_test_rmtree(dir), 0);
}

TestSuite(warc, .init = make_dir, .fini = remove_dir);

/* ---- a growable byte string to build archives with ---- */

typedef struct str {
    char *p;
    size_t n, cap;
} str;

static void add(str *s, const void *data, size_t n)
{
    if (s->n + n + 1 > s->cap) {
        s->cap = (s->n + n + 1) * 2;
        s->p = realloc(s->p, s->cap);
        cr_assert_not_null(s->p);
    }
    memcpy(s->p + s->n, data, n);
    s->n += n;
    s->p[s->n] = '\0';
}

static void addf(str *s, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    int k;
    va_start(ap, fmt);
    k = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    cr_assert(k >= 0 && (size_t)k < sizeof buf);
    add(s, buf, (size_t)k);
}

/* One WARC record: version line, type, target URI (or none), date, content type, the extra
 * header lines (each ending in CRLF, or NULL), Content-Length and block, two CRLFs. */
static void record(str *s, const char *type, const char *uri, const char *ctype, const char *extra,
                   const void *block, size_t n)
{
    addf(s, "WARC/1.0\r\nWARC-Type: %s\r\n", type);
    if (uri)
        addf(s, "WARC-Target-URI: %s\r\n", uri);
    addf(s, "WARC-Date: 2024-05-18T01:58:10Z\r\n");
    if (ctype)
        addf(s, "Content-Type: %s\r\n", ctype);
    if (extra)
        addf(s, "%s", extra);
    addf(s, "Content-Length: %zu\r\n\r\n", n);
    add(s, block, n);
    addf(s, "\r\n\r\n");
}

/* An HTTP 200 response block with the header lines given (each ending in CRLF). */
static void http(str *s, const char *headers, const void *body, size_t n)
{
    addf(s, "HTTP/1.1 200 OK\r\n%s\r\n", headers);
    add(s, body, n);
}

static void response(str *s, const char *uri, const char *headers, const void *body, size_t n)
{
    str b = {0};
    http(&b, headers, body, n);
    record(s, "response", uri, "application/http; msgtype=response", NULL, b.p, b.n);
    free(b.p);
}

/* data compressed as one gzip member (wbits 31), zlib (15) or raw deflate (-15). */
static str deflated(const void *data, size_t n, int wbits)
{
    str out = {0};
    out.p = (char *)pv_test_deflate(data, n, wbits, &out.n);
    out.cap = out.n;
    return out;
}

/* Writes records as a gzip file with one member per piece (pieces split at ends[]). */
static void put_gzip_members(const char *path, const str *s, const size_t *ends, size_t n)
{
    FILE *f = fopen(path, "wb");
    size_t i, from = 0;
    cr_assert_not_null(f);
    for (i = 0; i < n; i++) {
        str m = deflated(s->p + from, ends[i] - from, 31);
        cr_assert_eq(fwrite(m.p, 1, m.n, f), m.n);
        free(m.p);
        from = ends[i];
    }
    cr_assert_eq(fclose(f), 0);
}

/* ---- the recording sink (tests/util.h), with what every WARC document must be ---- */

static size_t stop_at; /* the sink fails on this document (1-based); 0 = never */

static int on_doc(void *ctx, const pv_doc_in *d)
{
    pv_test_rec *g = ctx;
    if (stop_at && g->n + 1 == stop_at)
        return PV_EIO;
    cr_assert_not_null(d->locator);
    cr_assert_null(d->runs);
    cr_assert_null(d->commit);
    return pv_test_rec_doc(g, d);
}

static int keep_notes; /* record notes too (records skipped by rule), not only warnings */

static void on_diag(void *ctx, pv_severity sev, const char *msg)
{
    if (sev == PV_NOTE && !keep_notes)
        return;
    cr_assert_null(strchr(msg, '\n'), "a diagnostic is one line: %s", msg);
    pv_test_rec_diag(ctx, sev, msg);
}

/* Reads path with the reader; fills g, st and err; returns the reader's result. */
static int read_opts(const char *path, pv_reader_opts *o, pv_test_rec *g, pv_reader_stats *st,
                     pv_err *err)
{
    pv_sink sink;
    memset(&sink, 0, sizeof sink);
    sink.doc = on_doc;
    sink.ctx = g;
    o->diag = on_diag;
    o->ctx = g;
    memset(st, 0, sizeof *st);
    memset(err, 0, sizeof *err);
    return pv_warc__read(path, o, &sink, st, err);
}

static int read_warc(const char *path, pv_test_rec *g, pv_reader_stats *st, pv_err *err)
{
    pv_reader_opts o;
    memset(&o, 0, sizeof o);
    return read_opts(path, &o, g, st, err);
}

/* Every record read is a document, bad or skipped. */
static void assert_accounted(const pv_reader_stats *st)
{
    cr_assert_eq(st->records, st->documents + st->bad + st->skipped,
                 "records %llu != documents %llu + bad %llu + skipped %llu",
                 (unsigned long long)st->records, (unsigned long long)st->documents,
                 (unsigned long long)st->bad, (unsigned long long)st->skipped);
}

static void assert_has(const pv_test_doc *d, const char *fragment)
{
    cr_assert_not_null(strstr(d->text, fragment), "\"%s\" not in the text of %s", fragment,
                       d->locator);
}

/* ---- the real archives ---- */

Test(warc, common_crawl_response_is_the_wikipedia_page)
{
    pv_test_rec g = {0};
    pv_reader_stats st;
    pv_err err;
    cr_assert_eq(read_warc(WHIRLWIND, &g, &st, &err), 0, "%s", err.msg);
    /* warcinfo, request, response, metadata */
    cr_assert_eq(st.records, 4);
    cr_assert_eq(st.documents, 1);
    cr_assert_eq(st.skipped, 3);
    cr_assert_eq(st.bad, 0);
    cr_assert_eq(g.ndiag, 0);
    cr_assert_eq(g.n, 1);
    cr_assert_str_eq(g.v[0].kind, "page");
    cr_assert_str_eq(g.v[0].locator, ESCOPETE_URL);
    cr_assert_eq(g.v[0].date, ESCOPETE_DATE);
    cr_assert_str_eq(g.v[0].lang, "an"); /* <html lang="an"> */
    cr_assert_null(g.v[0].license);
    cr_assert_null(g.v[0].name);
    assert_has(&g.v[0], "Escopete ye un municipio d'a provincia de Guadalachara, en a comunidat "
                        "autonoma de Castiella-La Mancha");
    assert_has(&g.v[0], "Iste articlo ye en proceso de cambio enta la ortografía oficial de "
                        "Biquipedia");
    /* script and style are not text */
    cr_assert_null(strstr(g.v[0].text, "RLQ=window.RLQ"));
    cr_assert_null(strstr(g.v[0].text, "<div"));
    cr_assert_eq(st.bytes_total, 18857);
    cr_assert_eq(st.bytes_in, 18857);
    assert_accounted(&st);
}

Test(warc, wet_conversion_record_gives_the_same_words_as_the_response)
{
    pv_test_rec html = {0}, wet = {0};
    pv_reader_stats st;
    pv_err err;
    pv_tokens a = {0}, b = {0};
    size_t i, title = 5; /* the WET text starts with the title: Escopete - Biquipedia, a ... */

    cr_assert_eq(read_warc(WHIRLWIND_WET, &wet, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.records, 2);
    cr_assert_eq(st.documents, 1);
    cr_assert_eq(st.skipped, 1); /* warcinfo */
    assert_accounted(&st);
    cr_assert_str_eq(wet.v[0].kind, "page");
    cr_assert_str_eq(wet.v[0].locator, ESCOPETE_URL);
    cr_assert_eq(wet.v[0].date, ESCOPETE_DATE);
    cr_assert_str_eq(wet.v[0].lang, "spa"); /* WARC-Identified-Content-Language */
    cr_assert_null(wet.v[0].name);
    cr_assert_eq(wet.v[0].len, 4456); /* the whole block, as written */
    cr_assert(strncmp(wet.v[0].text, "Escopete - Biquipedia, a enciclopedia libre\n", 44) == 0);
    assert_has(&wet.v[0], "A suya población ye de 84 habitants (2007)");

    cr_assert_eq(read_warc(WHIRLWIND, &html, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_scanner__tokenize(html.v[0].text, html.v[0].len, 1, &a), 0);
    cr_assert_eq(pv_scanner__tokenize(wet.v[0].text, wet.v[0].len, 1, &b), 0);
    cr_assert_gt(a.n, 500);
    cr_assert_eq(b.n, a.n + title, "WET %zu tokens, HTML %zu", b.n, a.n);
    for (i = 0; i < a.n; i++)
        cr_assert_eq(a.v[i].hash, b.v[i + title].hash, "token %zu differs", i);
    pv_scanner__tokens_free(&a);
    pv_scanner__tokens_free(&b);
}

Test(warc, wat_metadata_records_are_skipped)
{
    pv_test_rec g = {0};
    pv_reader_stats st;
    pv_err err;
    cr_assert_eq(read_warc(WHIRLWIND_WAT, &g, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.records, 2);
    cr_assert_eq(st.documents, 0);
    cr_assert_eq(st.skipped, 2);
    cr_assert_eq(st.bad, 0);
    cr_assert_eq(g.ndiag, 0);
}

Test(warc, jwarc_common_crawl_record)
{
    pv_test_rec g = {0};
    pv_reader_stats st;
    pv_err err;
    cr_assert_eq(read_warc(JWARC_CC, &g, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.records, 1);
    cr_assert_eq(g.n, 1);
    cr_assert_str_eq(g.v[0].locator, "http://commoncrawl.org/");
    cr_assert_eq(g.v[0].date, INT64_C(1575972001)); /* 2019-12-10T10:00:01Z */
    cr_assert_str_eq(g.v[0].lang, "en-US");
    assert_has(&g.v[0], "We build and maintain an open repository of web crawl data that can be "
                        "accessed and analyzed by anyone.");
    assert_has(&g.v[0], "Common Crawl is a registered 501(c)(3) non-profit");
    cr_assert_null(strstr(g.v[0].text, "_wpemojiSettings"));
}

/* warcio's example: the page is stored with Content-Encoding: gzip; plain and gzipped files
 * give the same document. */
static void check_example(const char *path, uint64_t size)
{
    pv_test_rec g = {0};
    pv_reader_stats st;
    pv_err err;
    cr_assert_eq(read_warc(path, &g, &st, &err), 0, "%s", err.msg);
    /* 2 warcinfo, response, request, revisit, request */
    cr_assert_eq(st.records, 6);
    cr_assert_eq(st.documents, 1);
    cr_assert_eq(st.skipped, 5);
    cr_assert_eq(st.bad, 0);
    cr_assert_eq(g.n, 1);
    cr_assert_str_eq(g.v[0].locator, "http://example.com/");
    cr_assert_eq(g.v[0].date, INT64_C(1488772926)); /* 2017-03-06T04:02:06Z */
    cr_assert_null(g.v[0].lang);
    cr_assert_str_eq(g.v[0].text,
                     "Example Domain\nThis domain is established to be used for illustrative "
                     "examples in documents. You may use this domain in examples without prior "
                     "coordination or asking for permission.\nMore information...\n");
    cr_assert_eq(st.bytes_total, size);
    cr_assert_eq(st.bytes_in, size);
}

Test(warc, warcio_example_plain_and_gzip_with_gzip_payload)
{
    check_example(EXAMPLE, 5120);
    check_example(EXAMPLE_GZ, 3816);
}

Test(warc, resource_record_with_html)
{
    pv_test_rec g = {0};
    pv_reader_stats st;
    pv_err err;
    cr_assert_eq(read_warc(RESOURCE, &g, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.records, 3);
    cr_assert_eq(st.skipped, 2);
    cr_assert_eq(g.n, 1);
    cr_assert_str_eq(g.v[0].locator, "http://example.com/");
    cr_assert_eq(g.v[0].date, INT64_C(1493429430)); /* 2017-04-29T01:30:30Z */
    assert_has(&g.v[0], "This domain is established to be used for illustrative examples");
}

Test(warc, wget_bracketed_target_uri_is_unwrapped)
{
    pv_test_rec g = {0};
    pv_reader_stats st;
    pv_err err;
    cr_assert_eq(read_warc(WGET, &g, &st, &err), 0, "%s", err.msg);
    /* warcinfo, request, response, metadata, and wget's arguments and log as
     * metadata:// resources: crawler records, not pages */
    cr_assert_eq(st.records, 6);
    cr_assert_eq(st.skipped, 5);
    cr_assert_eq(st.bad, 0);
    cr_assert_eq(g.n, 1);
    cr_assert_str_eq(g.v[0].locator, "http://example.com/"); /* was <http://example.com/> */
    cr_assert_eq(g.v[0].date, INT64_C(1518189131));          /* 2018-02-09T15:12:11Z */
    assert_has(&g.v[0], "Example Domain");
}

Test(warc, target_uri_with_a_space_is_kept_as_written)
{
    pv_test_rec g = {0}, h = {0};
    pv_reader_stats st;
    pv_err err;
    str s = {0};
    /* The fixture's only resource is a PNG: skipped, nothing bad. */
    cr_assert_eq(read_warc(SPACE, &g, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.records, 2);
    cr_assert_eq(st.skipped, 2);
    cr_assert_eq(st.bad, 0);
    cr_assert_eq(g.n, 0);
    /* The same URI on a text resource. */
    record(&s, "resource", "file:///example with spaces.txt", "text/plain", NULL, "spaced out\n",
           11);
    pv_test_write_file(pv_test_path("space.warc"), s.p, s.n);
    cr_assert_eq(read_warc(pv_test_path("space.warc"), &h, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(h.n, 1);
    cr_assert_str_eq(h.v[0].locator, "file:///example with spaces.txt");
    cr_assert_str_eq(h.v[0].text, "spaced out\n");
    free(s.p);
}

Test(warc, warc_0_17_heritrix_file)
{
    pv_test_rec g = {0};
    pv_reader_stats st;
    pv_err err;
    cr_assert_eq(read_warc(UKWA, &g, &st, &err), 0, "%s", err.msg);
    /* warcinfo, dns response, then 7 response/request/metadata triples: robots.txt, /,
     * index.php, three images, an RSS feed (text/xml) */
    cr_assert_eq(st.records, 23);
    cr_assert_eq(st.documents, 2);
    cr_assert_eq(st.skipped, 21);
    cr_assert_eq(st.bad, 0);
    cr_assert_eq(g.ndiag, 0);
    cr_assert_str_eq(g.v[0].locator, "http://www.archive.org/");
    cr_assert_eq(g.v[0].date, INT64_C(1209588506)); /* 2008-04-30T20:48:26Z */
    assert_has(&g.v[0], "Please visit our website at: http://www.archive.org");
    cr_assert_null(g.v[0].lang);
    cr_assert_str_eq(g.v[1].locator, "http://www.archive.org/index.php");
    cr_assert_eq(g.v[1].date, INT64_C(1209588506));
    cr_assert_str_eq(g.v[1].lang, "en");
    assert_has(&g.v[1], "Web | Moving Images | Texts | Audio | Software | Education");
    assert_accounted(&st);
}

Test(warc, warcio_trunc_record_with_short_content_length_is_bad)
{
    pv_test_rec g = {0};
    pv_reader_stats st;
    pv_err err;
    pv_reader_opts o;
    char want[1024];
    snprintf(want, sizeof want,
             "%s: record 3 at byte 1197: block of Content-Length 973 not followed by an empty "
             "line at byte 2560; skipped 1369 bytes to the next record at byte 2566",
             EXAMPLE_TRUNC);
    cr_assert_eq(read_warc(EXAMPLE_TRUNC, &g, &st, &err), 0, "%s", err.msg);
    /* 2 warcinfo, the response whose length is 2 bytes short (its gzip payload is cut),
     * then the request found again after it */
    cr_assert_eq(st.records, 4);
    cr_assert_eq(st.bad, 1);
    cr_assert_eq(st.skipped, 3);
    cr_assert_eq(st.documents, 0);
    cr_assert_eq(g.ndiag, 1);
    cr_assert_eq(g.sev[0], PV_WARNING);
    cr_assert_str_eq(g.diag[0], want);
    assert_accounted(&st);

    /* strict: the first bad record is the error */
    memset(&g, 0, sizeof g);
    memset(&o, 0, sizeof o);
    o.strict = 1;
    cr_assert_eq(read_opts(EXAMPLE_TRUNC, &o, &g, &st, &err), PV_EFORMAT);
    cr_assert_str_eq(err.msg, want);
    cr_assert_eq(g.ndiag, 0);
}

Test(warc, arc_file_is_one_bad_record)
{
    pv_test_rec g = {0};
    pv_reader_stats st;
    pv_err err;
    cr_assert_eq(read_warc(ARC, &g, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.records, 1);
    cr_assert_eq(st.bad, 1);
    cr_assert_eq(g.n, 0);
    cr_assert_eq(g.ndiag, 1);
    cr_assert(strstr(g.diag[0],
                     "warcio-example.arc.gz: record 1 at byte 0 of the decompressed gzip "
                     "stream: not a WARC record: version line \"filedesc://") != NULL,
              "%s", g.diag[0]);
}

/* ---- truncated files ---- */

Test(warc, truncated_gzip_is_an_error_after_the_records_before)
{
    pv_test_rec g = {0};
    pv_reader_stats st;
    pv_err err;
    size_t n;
    unsigned char *p = pv_test_read_file(WHIRLWIND, &n);
    /* The last member (the metadata record) starts at byte 18374: cut inside it. */
    pv_test_write_file(pv_test_path("cut.warc.gz"), p, 18400);
    cr_assert_eq(read_warc(pv_test_path("cut.warc.gz"), &g, &st, &err), PV_EFORMAT);
    cr_assert_eq(g.n, 1); /* the page before the damage was handed on */
    cr_assert_str_eq(g.v[0].locator, ESCOPETE_URL);
    cr_assert(strstr(err.msg, "cut.warc.gz: truncated gzip data at byte 18400") != NULL, "%s",
              err.msg);
    cr_assert(strstr(err.msg, "record 4 at byte 76725 of the decompressed gzip stream") != NULL,
              "%s", err.msg);
    /* cut inside the response's member: nothing to hand on */
    memset(&g, 0, sizeof g);
    pv_test_write_file(pv_test_path("cut2.warc.gz"), p, 5000);
    cr_assert_eq(read_warc(pv_test_path("cut2.warc.gz"), &g, &st, &err), PV_EFORMAT);
    cr_assert_eq(g.n, 0);
    cr_assert(strstr(err.msg, "cut2.warc.gz: truncated gzip data at byte 5000") != NULL, "%s",
              err.msg);
    cr_assert(strstr(err.msg, "record 3 at byte 1551 of the decompressed gzip stream") != NULL,
              "%s", err.msg);
    free(p);
}

/* A plain file cut short: the record it cuts is a bad record, named and counted, after the
 * records before it; the run does not fail. */
Test(warc, truncated_plain_record_is_a_bad_record_after_the_records_before)
{
    pv_test_rec g = {0};
    pv_reader_stats st;
    pv_err err;
    size_t n;
    char want[512];
    unsigned char *p = pv_test_read_file(EXAMPLE, &n);
    /* inside the block of the request record at byte 2566 */
    pv_test_write_file(pv_test_path("cut.warc"), p, 3000);
    cr_assert_eq(read_warc(pv_test_path("cut.warc"), &g, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(g.n, 1);
    cr_assert_str_eq(g.v[0].locator, "http://example.com/");
    cr_assert_eq(st.bad, 1);
    snprintf(want, sizeof want,
             "%s: record 4 at byte 2566: Content-Length 493 runs past the end of the file (127 "
             "bytes there); skipped 434 bytes to the end of the file",
             pv_test_path("cut.warc"));
    cr_assert_str_eq(g.diag[0], want);
    assert_accounted(&st);
    /* inside its header */
    memset(&g, 0, sizeof g);
    pv_test_write_file(pv_test_path("cut2.warc"), p, 2600);
    cr_assert_eq(read_warc(pv_test_path("cut2.warc"), &g, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(g.n, 1);
    snprintf(want, sizeof want,
             "%s: record 4 at byte 2566: truncated: the file ends inside its header",
             pv_test_path("cut2.warc"));
    cr_assert_str_eq(g.diag[0], want);
    /* inside the version line */
    memset(&g, 0, sizeof g);
    pv_test_write_file(pv_test_path("cut3.warc"), p, 2569);
    cr_assert_eq(read_warc(pv_test_path("cut3.warc"), &g, &st, &err), 0, "%s", err.msg);
    cr_assert(strstr(g.diag[0], "record 4 at byte 2566: truncated") != NULL, "%s", g.diag[0]);
    /* the page's own block cut: the record being read is not handed on */
    memset(&g, 0, sizeof g);
    pv_test_write_file(pv_test_path("cut4.warc"), p, 2000);
    cr_assert_eq(read_warc(pv_test_path("cut4.warc"), &g, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(g.n, 0);
    cr_assert_eq(st.bad, 1);
    snprintf(want, sizeof want,
             "%s: record 3 at byte 1197: Content-Length 975 runs past the end of the file (413 "
             "bytes there); skipped 803 bytes to the end of the file",
             pv_test_path("cut4.warc"));
    cr_assert_str_eq(g.diag[0], want);
    /* strict: the cut record is the error */
    {
        pv_reader_opts o;
        memset(&o, 0, sizeof o);
        o.strict = 1;
        memset(&g, 0, sizeof g);
        cr_assert_eq(read_opts(pv_test_path("cut4.warc"), &o, &g, &st, &err), PV_EFORMAT);
        cr_assert_str_eq(err.msg, want);
    }
    /* a file that ends right after a block, without the two CRLFs, is whole */
    memset(&g, 0, sizeof g);
    pv_test_write_file(pv_test_path("notrail.warc"), p, n - 4);
    cr_assert_eq(read_warc(pv_test_path("notrail.warc"), &g, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.records, 6);
    cr_assert_eq(st.bad, 0);
    free(p);
}

/* ---- bad records ---- */

static void three_pages(str *s, const char *middle)
{
    record(s, "resource", "http://a.example/", "text/plain", NULL, "first page\n", 11);
    add(s, middle, strlen(middle));
    record(s, "conversion", "http://c.example/", "text/plain", NULL, "third page\n", 11);
}

Test(warc, missing_content_length_is_a_bad_record_and_reading_goes_on)
{
    pv_test_rec g = {0};
    pv_reader_stats st;
    pv_err err;
    str s = {0};
    char want[512];
    three_pages(&s, "WARC/1.0\r\nWARC-Type: resource\r\nWARC-Target-URI: http://b.example/\r\n"
                    "Content-Type: text/plain\r\n\r\nsecond page\r\n\r\n");
    pv_test_write_file(pv_test_path("nolen.warc"), s.p, s.n);
    cr_assert_eq(read_warc(pv_test_path("nolen.warc"), &g, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(g.n, 2);
    cr_assert_str_eq(g.v[0].locator, "http://a.example/");
    cr_assert_str_eq(g.v[1].locator, "http://c.example/");
    cr_assert_str_eq(g.v[1].text, "third page\n");
    cr_assert_eq(st.records, 3);
    cr_assert_eq(st.bad, 1);
    assert_accounted(&st);
    snprintf(want, sizeof want, "%s: record 2 at byte 163: no Content-Length",
             pv_test_path("nolen.warc"));
    cr_assert_eq(g.ndiag, 1);
    cr_assert_str_eq(g.diag[0], want);
    free(s.p);
}

Test(warc, bad_record_in_gzip_names_the_decompressed_offset)
{
    pv_test_rec g = {0};
    pv_reader_stats st;
    pv_err err;
    str s = {0};
    size_t ends[3];
    char want[512];
    record(&s, "resource", "http://a.example/", "text/plain", NULL, "first page\n", 11);
    ends[0] = s.n;
    addf(&s, "WARC/1.0\r\nWARC-Type: resource\r\nContent-Length: 12x\r\n\r\nsecond page\n"
             "\r\n\r\n");
    ends[1] = s.n;
    record(&s, "resource", "http://c.example/", "text/plain", NULL, "third page\n", 11);
    ends[2] = s.n;
    put_gzip_members(pv_test_path("bad.warc.gz"), &s, ends, 3);
    cr_assert_eq(read_warc(pv_test_path("bad.warc.gz"), &g, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(g.n, 2);
    cr_assert_eq(st.bad, 1);
    snprintf(want, sizeof want,
             "%s: record 2 at byte 163 of the decompressed gzip stream: bad Content-Length "
             "\"12x\"",
             pv_test_path("bad.warc.gz"));
    cr_assert_str_eq(g.diag[0], want);
    free(s.p);
}

Test(warc, garbage_version_line_resyncs_at_the_next_record)
{
    pv_test_rec g = {0};
    pv_reader_stats st;
    pv_err err;
    str s = {0};
    char want[512];
    three_pages(&s, "GARBAGE 1.0\r\nWARC-Type: resource\r\n\x01\x02\xff binary WARC/1.0 not at a "
                    "line start\r\nWARC/x\r\n");
    pv_test_write_file(pv_test_path("garbage.warc"), s.p, s.n);
    cr_assert_eq(read_warc(pv_test_path("garbage.warc"), &g, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(g.n, 2);
    cr_assert_eq(st.records, 3);
    cr_assert_eq(st.bad, 1);
    snprintf(want, sizeof want,
             "%s: record 2 at byte 163: not a WARC record: version line \"GARBAGE 1.0?\"",
             pv_test_path("garbage.warc"));
    cr_assert_str_eq(g.diag[0], want);
    free(s.p);
}

Test(warc, strict_stops_at_the_first_bad_record)
{
    pv_test_rec g = {0};
    pv_reader_stats st;
    pv_err err;
    pv_reader_opts o;
    str s = {0};
    three_pages(&s, "WARC/1.0\r\nWARC-Type: resource\r\nno colon here\r\nContent-Length: 0\r\n\r\n"
                    "\r\n\r\n");
    pv_test_write_file(pv_test_path("strict.warc"), s.p, s.n);
    memset(&o, 0, sizeof o);
    o.strict = 1;
    cr_assert_eq(read_opts(pv_test_path("strict.warc"), &o, &g, &st, &err), PV_EFORMAT);
    cr_assert_eq(g.n, 1); /* the page before it */
    cr_assert(strstr(err.msg, "strict.warc: record 2 at byte 163: header line without ':': "
                              "\"no colon here\"") != NULL,
              "%s", err.msg);
    cr_assert_eq(g.ndiag, 0);
    free(s.p);
}

Test(warc, content_length_too_long_resyncs_inside_the_block)
{
    pv_test_rec g = {0};
    pv_reader_stats st;
    pv_err err;
    str s = {0}, tail = {0};
    /* The second record claims 40 bytes: its block runs into the third record. */
    record(&tail, "conversion", "http://c.example/", "text/plain", NULL, "third page\n", 11);
    record(&s, "resource", "http://a.example/", "text/plain", NULL, "first page\n", 11);
    addf(&s, "WARC/1.0\r\nWARC-Type: resource\r\nContent-Type: text/plain\r\n"
             "Content-Length: 40\r\n\r\nsecond\r\n\r\n");
    add(&s, tail.p, tail.n);
    pv_test_write_file(pv_test_path("long.warc"), s.p, s.n);
    cr_assert_eq(read_warc(pv_test_path("long.warc"), &g, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.bad, 1);
    cr_assert_eq(g.n, 2);
    cr_assert_str_eq(g.v[1].locator, "http://c.example/");
    cr_assert(strstr(g.diag[0], "record 2 at byte 163: block of Content-Length 40 not followed by "
                                "an empty line") != NULL,
              "%s", g.diag[0]);
    free(s.p);
    free(tail.p);
}

Test(warc, garbage_only_and_empty_files)
{
    pv_test_rec g = {0};
    pv_reader_stats st;
    pv_err err;
    char junk[100000];
    size_t i;
    for (i = 0; i < sizeof junk; i++)
        junk[i] = (char)(i * 7 + 3);
    pv_test_write_file(pv_test_path("junk.warc"), junk, sizeof junk);
    cr_assert_eq(read_warc(pv_test_path("junk.warc"), &g, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.records, 1);
    cr_assert_eq(st.bad, 1);
    pv_test_write_file(pv_test_path("empty.warc"), "", 0);
    cr_assert_eq(read_warc(pv_test_path("empty.warc"), &g, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.records, 0);
    pv_test_write_file(pv_test_path("blank.warc"), "\r\n\r\n\n", 5);
    cr_assert_eq(read_warc(pv_test_path("blank.warc"), &g, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.records, 0);
    cr_assert_eq(read_warc(pv_test_path("missing.warc"), &g, &st, &err), PV_EIO);
    cr_assert(strstr(err.msg, "missing.warc") != NULL, "%s", err.msg);
}

/* ---- HTTP payloads ---- */

static const char page[] =
    "<!DOCTYPE html><html lang=\"de\"><head><title>T</title>"
    "<meta name=\"author\" content=\"Ada Lovelace\"><script>var x = 1;</script></head>"
    "<body><p>Die Analytische Maschine webt algebraische Muster.</p>"
    "<pre>for (i = 0; i &lt; n; i++)\n    x += i;</pre></body></html>";

static void assert_page(const pv_test_doc *d, const char *locator)
{
    cr_assert_str_eq(d->locator, locator);
    cr_assert_str_eq(d->name, "Ada Lovelace");
    cr_assert_str_eq(d->lang, "de");
    cr_assert_eq(d->date, ESCOPETE_DATE);
    assert_has(d, "Die Analytische Maschine webt algebraische Muster.");
    assert_has(d, "for (i = 0; i < n; i++)\n    x += i;");
    cr_assert_null(strstr(d->text, "var x"));
}

Test(warc, chunked_and_compressed_payloads_are_decoded)
{
    pv_test_rec g = {0};
    pv_reader_stats st;
    pv_err err;
    str s = {0}, gz = deflated(page, sizeof page - 1, 31), zl = deflated(page, sizeof page - 1, 15),
        raw = deflated(page, sizeof page - 1, -15), chunked = {0};
    size_t i;
    /* gzip in chunks of 50 bytes, with an extension on the first */
    for (i = 0; i < gz.n; i += 50) {
        size_t k = gz.n - i < 50 ? gz.n - i : 50;
        addf(&chunked, i == 0 ? "%zx;name=value\r\n" : "%zx\r\n", k);
        add(&chunked, gz.p + i, k);
        addf(&chunked, "\r\n");
    }
    addf(&chunked, "0\r\n\r\n");
    response(&s, "http://plain.example/", "Content-Type: text/html; charset=utf-8\r\n", page,
             sizeof page - 1);
    response(&s, "http://gzip.example/", "Content-Type: text/html\r\nContent-Encoding: gzip\r\n",
             gz.p, gz.n);
    response(&s, "http://chunked.example/",
             "Content-Type: text/html\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n",
             chunked.p, chunked.n);
    response(&s, "http://zlib.example/", "Content-Type: text/html\r\nContent-Encoding: deflate\r\n",
             zl.p, zl.n);
    response(&s, "http://raw.example/", "Content-Type: text/html\r\nContent-Encoding: deflate\r\n",
             raw.p, raw.n);
    /* Common Crawl stores the decoded payload and renames the headers */
    response(&s, "http://cc.example/",
             "Content-Type: application/xhtml+xml\r\nX-Crawler-Transfer-Encoding: chunked\r\n"
             "X-Crawler-Content-Encoding: gzip\r\n",
             page, sizeof page - 1);
    /* a crawler that kept the header over a decoded body */
    response(&s, "http://kept.example/",
             "Content-Type: text/html\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n",
             page, sizeof page - 1);
    pv_test_write_file(pv_test_path("http.warc"), s.p, s.n);
    cr_assert_eq(read_warc(pv_test_path("http.warc"), &g, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(g.ndiag, 0, "%s", g.diag[0]);
    cr_assert_eq(g.n, 7);
    assert_page(&g.v[0], "http://plain.example/");
    assert_page(&g.v[1], "http://gzip.example/");
    assert_page(&g.v[2], "http://chunked.example/");
    assert_page(&g.v[3], "http://zlib.example/");
    assert_page(&g.v[4], "http://raw.example/");
    assert_page(&g.v[5], "http://cc.example/");
    assert_page(&g.v[6], "http://kept.example/");
    for (i = 1; i < 7; i++)
        cr_assert_str_eq(g.v[i].text, g.v[0].text);
    free(s.p);
    free(gz.p);
    free(zl.p);
    free(raw.p);
    free(chunked.p);
}

Test(warc, cut_payloads_keep_what_arrived_and_corrupt_ones_are_bad)
{
    pv_test_rec g = {0};
    pv_reader_stats st;
    pv_err err;
    str s = {0}, gz = deflated(page, sizeof page - 1, 31), bad = {0};
    add(&bad, gz.p, gz.n);
    memset(bad.p + 12, 0xff, 8); /* inside the deflate data */
    response(&s, "http://cut.example/", "Content-Type: text/html\r\nContent-Encoding: gzip\r\n",
             gz.p, gz.n - 12); /* no trailer, part of the data */
    response(&s, "http://corrupt.example/", "Content-Type: text/html\r\nContent-Encoding: gzip\r\n",
             bad.p, bad.n);
    response(&s, "http://chunk-cut.example/",
             "Content-Type: text/html\r\nTransfer-Encoding: chunked\r\n",
             "400\r\n<p>only part of it", 23);
    pv_test_write_file(pv_test_path("cut.warc"), s.p, s.n);
    cr_assert_eq(read_warc(pv_test_path("cut.warc"), &g, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(g.n, 2);
    cr_assert_str_eq(g.v[0].locator, "http://cut.example/");
    assert_has(&g.v[0], "Die Analytische");
    cr_assert_str_eq(g.v[1].locator, "http://chunk-cut.example/");
    cr_assert_str_eq(g.v[1].text, "only part of it\n");
    cr_assert_eq(st.bad, 1);
    cr_assert(strstr(g.diag[0], "record 2 at byte ") != NULL, "%s", g.diag[0]);
    cr_assert(strstr(g.diag[0], ": corrupt gzip HTTP payload: ") != NULL, "%s", g.diag[0]);
    free(s.p);
    free(gz.p);
    free(bad.p);
}

Test(warc, author_and_language_sources)
{
    pv_test_rec g = {0};
    pv_reader_stats st;
    pv_err err;
    str s = {0}, b = {0};
    const char *art = "<html><head><meta property=\"article:author\" content=\"Grace Hopper\">"
                      "</head><body><p>Compilers translate.</p></body></html>";
    const char *nolang = "<html><body><p>Kein Autor hier.</p></body></html>";
    response(&s, "http://art.example/", "Content-Type: text/html\r\n", art, strlen(art));
    /* no <html lang>: WARC-Identified-Content-Language, its first language */
    http(&b, "Content-Type: text/html\r\nContent-Language: fr\r\n", nolang, strlen(nolang));
    record(&s, "response", "http://ident.example/", "application/http; msgtype=response",
           "WARC-Identified-Content-Language: deu,eng\r\n", b.p, b.n);
    /* neither: the HTTP Content-Language */
    response(&s, "http://http.example/", "Content-Type: text/html\r\nContent-Language: fr, en\r\n",
             nolang, strlen(nolang));
    pv_test_write_file(pv_test_path("meta.warc"), s.p, s.n);
    cr_assert_eq(read_warc(pv_test_path("meta.warc"), &g, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(g.n, 3);
    cr_assert_str_eq(g.v[0].name, "Grace Hopper");
    cr_assert_null(g.v[0].lang);
    cr_assert_null(g.v[1].name);
    cr_assert_str_eq(g.v[1].lang, "deu");
    cr_assert_str_eq(g.v[2].lang, "fr");
    free(s.p);
    free(b.p);
}

Test(warc, records_skipped_by_rule_are_counted)
{
    pv_test_rec g = {0};
    pv_reader_stats st;
    pv_err err;
    str s = {0}, b = {0};
    const char *html = "<p>x</p>";
    record(&s, "warcinfo", NULL, "application/warc-fields", NULL, "software: t\r\n", 13);
    record(&s, "request", "http://x.example/", "application/http; msgtype=request", NULL,
           "GET / HTTP/1.1\r\n\r\n", 18);
    response(&s, "http://img.example/", "Content-Type: image/png\r\n", "\x89PNG", 4);
    addf(&b, "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n\r\n%s", html);
    record(&s, "response", "http://404.example/", "application/http", NULL, b.p, b.n);
    response(&s, "http://br.example/", "Content-Type: text/html\r\nContent-Encoding: br\r\n",
             "\x1b\x00", 2);
    record(&s, "response", "dns:x.example", "text/dns", NULL, "x.example. 1 IN A 1.2.3.4", 25);
    record(&s, "metadata", "http://x.example/", "application/warc-fields", NULL, "a: b\r\n", 6);
    record(&s, "revisit", "http://x.example/", "application/http", NULL, "", 0);
    record(&s, "resource", "http://x.example/a.png", "image/png", NULL, "\x89PNG", 4);
    record(&s, "conversion", "http://x.example/", "application/pdf", NULL, "%PDF", 4);
    record(&s, "continuation", "http://x.example/", NULL, NULL, "rest", 4);
    response(&s, "http://empty.example/", "Content-Type: text/html\r\n", "<p>  </p>", 9);
    record(&s, "resource", "http://y.example/", "text/html", NULL, "<p>kept</p>", 11);
    pv_test_write_file(pv_test_path("skip.warc"), s.p, s.n);
    keep_notes = 1;
    cr_assert_eq(read_warc(pv_test_path("skip.warc"), &g, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.records, 13);
    cr_assert_eq(st.documents, 1);
    cr_assert_eq(st.skipped, 12);
    cr_assert_eq(st.skipped_empty, 1);
    cr_assert_eq(st.bad, 0);
    cr_assert_str_eq(g.v[0].text, "kept\n");
    /* every record skipped is named with its reason, as a note (-v) */
    cr_assert_eq(g.ndiag, 12);
    for (size_t i = 0; i < 12; i++) {
        cr_assert_eq(g.sev[i], PV_NOTE);
        cr_assert(strstr(g.diag[i], ": skipped: ") != NULL, "%s", g.diag[i]);
    }
    cr_assert(strstr(g.diag[4], "record 5 at byte ") != NULL, "%s", g.diag[4]);
    cr_assert(strstr(g.diag[4], "Content-Encoding \"br\" not supported") != NULL, "%s", g.diag[4]);
    free(s.p);
    free(b.p);
}

Test(warc, wet_text_passes_invalid_utf8_nul_and_bom_through)
{
    pv_test_rec g = {0};
    pv_reader_stats st;
    pv_err err;
    str s = {0};
    static const char text[] = "\xEF\xBB\xBFstart \xff\xfe bad \xed\xa0\x80 surrogate \0 nul end\n";
    record(&s, "conversion", "http://u.example/", "text/plain",
           "WARC-Identified-Content-Language: eng\r\n", text, sizeof text - 1);
    pv_test_write_file(pv_test_path("utf8.warc"), s.p, s.n);
    cr_assert_eq(read_warc(pv_test_path("utf8.warc"), &g, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.bad, 0);
    cr_assert_eq(g.n, 1);
    cr_assert_eq(g.v[0].len, sizeof text - 1);
    cr_assert(memcmp(g.v[0].text, text, sizeof text - 1) == 0);
    cr_assert_str_eq(g.v[0].lang, "eng");
    free(s.p);
}

Test(warc, max_doc_size_and_huge_blocks_are_skipped_as_large)
{
    pv_test_rec g = {0};
    pv_reader_stats st;
    pv_err err;
    pv_reader_opts o;
    str s = {0};
    FILE *f;
    size_t i, big = (size_t)70 << 20;
    char *filler = malloc(1 << 20);

    record(&s, "conversion", "http://small.example/", "text/plain", NULL, "tiny\n", 5);
    record(&s, "conversion", "http://large.example/", "text/plain", NULL,
           "this text is longer than thirty-two bytes\n", 42);
    pv_test_write_file(pv_test_path("size.warc"), s.p, s.n);
    memset(&o, 0, sizeof o);
    o.max_doc_size = 32;
    cr_assert_eq(read_opts(pv_test_path("size.warc"), &o, &g, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(g.n, 1);
    cr_assert_str_eq(g.v[0].locator, "http://small.example/");
    cr_assert_eq(st.skipped_large, 1);
    cr_assert_eq(st.skipped, 1);

    /* A 70 MiB HTML response is over what the reader holds in memory: skipped, and the
     * record after it is still read. */
    memset(&g, 0, sizeof g);
    f = fopen(pv_test_path("huge.warc"), "wb");
    cr_assert_not_null(f);
    fprintf(f,
            "WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: http://huge.example/\r\n"
            "Content-Length: %zu\r\n\r\nHTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n",
            big + 44);
    memset(filler, 'a', 1 << 20);
    for (i = 0; i < big >> 20; i++)
        cr_assert_eq(fwrite(filler, 1, 1 << 20, f), (size_t)1 << 20);
    fprintf(f, "\r\n\r\n");
    cr_assert_eq(fwrite(s.p, 1, s.n, f), s.n);
    cr_assert_eq(fclose(f), 0);
    cr_assert_eq(read_warc(pv_test_path("huge.warc"), &g, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.records, 3);
    cr_assert_eq(st.skipped_large, 1);
    cr_assert_eq(g.n, 2);
    cr_assert_str_eq(g.v[0].locator, "http://small.example/");
    free(filler);
    free(s.p);
}

Test(warc, sink_error_stops_the_reader)
{
    pv_test_rec g = {0};
    pv_reader_stats st;
    pv_err err;
    str s = {0};
    three_pages(&s, "");
    pv_test_write_file(pv_test_path("stop.warc"), s.p, s.n);
    stop_at = 2;
    cr_assert_eq(read_warc(pv_test_path("stop.warc"), &g, &st, &err), PV_EIO);
    cr_assert_eq(g.n, 1);
    cr_assert_eq(st.documents, 1);
    free(s.p);
}

Test(warc, header_details)
{
    pv_test_rec g = {0};
    pv_reader_stats st;
    pv_err err;
    str s = {0};
    /* WARC/1.1 with a fractional date, lowercase names, LF-only lines, a folded field,
     * extra blank lines between records, no target URI (the file and offset stand in) */
    addf(&s, "WARC/1.1\r\nwarc-type: conversion\r\nwarc-target-uri: http://x.example/a\r\n"
             " b\r\nWARC-Date: 2024-05-18T01:58:10.123456Z\r\ncontent-length: 3\r\n\r\nabc"
             "\r\n\r\n\r\n\r\n");
    addf(&s, "WARC/1.0\nWARC-Type: conversion\nWARC-Record-ID: <urn:uuid:1234>\n"
             "WARC-Date: 20080430204826\nContent-Length: 3\n\ndef\n\n");
    pv_test_write_file(pv_test_path("hdr.warc"), s.p, s.n);
    cr_assert_eq(read_warc(pv_test_path("hdr.warc"), &g, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.bad, 0, "%s", g.diag[0]);
    cr_assert_eq(g.n, 2);
    cr_assert_str_eq(g.v[0].locator, "http://x.example/a b");
    cr_assert_eq(g.v[0].date, ESCOPETE_DATE);
    cr_assert_str_eq(g.v[0].text, "abc");
    cr_assert_str_eq(g.v[1].locator, "hdr.warc@146"); /* no target URI: file and offset */
    cr_assert_eq(g.v[1].date, INT64_C(1209588506));
    cr_assert_str_eq(g.v[1].text, "def");
    free(s.p);
}

/* Issue 9: a page is named by its WARC-Target-URI; a record without one was named by its
 * record id (urn:uuid:..., which opens nothing without the file); it is now named by the
 * file's name and the record's byte offset (in the decompressed stream when gzip). */
Test(warc, regression_record_without_target_uri_is_named_by_file_and_offset_and_all_carry_it)
{
    static const char *const want[2][3] = {
        {"http://a.example/p?q=1", "crawl.warc@168", "crawl.warc@329"},
        {"http://a.example/p?q=1", "crawl.warc.gz@168", "crawl.warc.gz@329"}};
    pv_test_rec g = {0};
    pv_reader_stats st;
    pv_err err;
    str s = {0};
    size_t ends[3], f, i;
    record(&s, "resource", "http://a.example/p?q=1", "text/plain", NULL, "first page\n", 11);
    ends[0] = s.n;
    record(&s, "resource", NULL, "text/plain", "WARC-Record-ID: <urn:uuid:1234>\r\n",
           "second page\n", 12);
    ends[1] = s.n;
    record(&s, "conversion", NULL, "text/plain", NULL, "third page\n", 11);
    ends[2] = s.n;
    cr_assert_eq(ends[0], 168); /* the offsets of the records without a target URI */
    cr_assert_eq(ends[1], 329);
    pv_test_put("loc/crawl.warc", s.p, s.n);
    put_gzip_members(pv_test_path("loc/crawl.warc.gz"), &s, ends, 3);
    for (f = 0; f < 2; f++) {
        memset(&g, 0, sizeof g);
        cr_assert_eq(
            read_warc(pv_test_path(f ? "loc/crawl.warc.gz" : "loc/crawl.warc"), &g, &st, &err), 0,
            "%s", err.msg);
        cr_assert_eq(g.n, 3);
        for (i = 0; i < 3; i++) {
            cr_assert_str_eq(g.v[i].locator, want[f][i]);
            cr_assert_null(g.v[i].commit);
            /* regression: every record carries its offset for a scan to report, the first
             * (with a target URI) too; in the gzip file, of the decompressed stream */
            cr_expect_eq(g.v[i].offset, i ? (int64_t)ends[i - 1] : 0, "record %zu at %lld", i + 1,
                         (long long)g.v[i].offset);
        }
        cr_assert_str_eq(g.v[2].text, "third page\n");
    }
    free(s.p);
}

Test(warc, sniff)
{
    cr_assert(pv_warc__sniff("WARC/1.0\r\n", 10));
    cr_assert(pv_warc__sniff("WARC/0.17\r\n", 11));
    cr_assert(pv_warc__sniff("\r\nWARC/1.1\r\n", 12));
    cr_assert(pv_warc__sniff("\xEF\xBB\xBFWARC/1.0", 11));
    cr_assert_not(pv_warc__sniff("WARC/", 5));
    cr_assert_not(pv_warc__sniff("WARC/x", 6));
    cr_assert_not(pv_warc__sniff("filedesc://x.arc", 16));
    cr_assert_not(pv_warc__sniff("{\"text\": 1}", 11));
    cr_assert_not(pv_warc__sniff("", 0));
}

/* Found by fuzz_warc: a record too large to hold that the file cuts short was counted as
 * skipped_large (but not skipped) before the truncation error. */
Test(warc, regression_large_record_cut_short_is_not_counted_as_skipped)
{
    pv_test_rec g = {0};
    pv_reader_stats st;
    pv_err err;
    const char *s = "WARC/1.0\r\nWARC-Type: resource\r\nContent-Type: text/plain\r\n"
                    "Content-Length: 100000000\r\n\r\nonly this";
    pv_test_write_file(pv_test_path("cut-large.warc"), s, strlen(s));
    cr_assert_eq(read_warc(pv_test_path("cut-large.warc"), &g, &st, &err), 0, "%s", err.msg);
    cr_assert(strstr(g.diag[0], "record 1 at byte 0: truncated: the file ends inside its block "
                                "(Content-Length 100000000)") != NULL,
              "%s", g.diag[0]);
    cr_assert_eq(st.bad, 1);
    cr_assert_eq(st.records, 1);
    cr_assert_eq(st.skipped, 0);
    cr_assert_eq(st.skipped_large, 0);
}

/* Every reader counts a bad record the same way, strict or not (pv_source__bad). */
Test(warc, regression_strict_and_lenient_count_the_same)
{
    pv_test_rec g = {0};
    pv_reader_stats st, lenient;
    pv_err err;
    pv_reader_opts o;
    str s = {0};
    three_pages(&s, "WARC/1.0\r\nWARC-Type: resource\r\nno colon here\r\nContent-Length: 0\r\n\r\n"
                    "\r\n\r\n");
    pv_test_write_file(pv_test_path("strict-count.warc"), s.p, s.n);
    cr_assert_eq(read_warc(pv_test_path("strict-count.warc"), &g, &lenient, &err), 0, "%s",
                 err.msg);
    memset(&o, 0, sizeof o);
    o.strict = 1;
    cr_assert_eq(read_opts(pv_test_path("strict-count.warc"), &o, &g, &st, &err), PV_EFORMAT);
    cr_assert_eq(lenient.bad, 1);
    cr_assert_eq(st.bad, 1);
    free(s.p);
}

/* ---- one wrong Content-Length costs one record (issue 11) ---- */

/* Five pages; the second's Content-Length is replaced by clen2 (0: its true length), and the
 * third page's text is pad bytes of 'x', a blank line and words (so that a block 500 bytes
 * too long ends on a line end inside it). Record ends go to ends[5] for gzip members. */
static void five_pages(str *s, size_t clen2, size_t pad, size_t *ends)
{
    static const char second[] = "second page\n";
    char *third = malloc(pad + 64);
    cr_assert_not_null(third);
    memset(third, 'x', pad);
    strcpy(third + pad, "\n\nthe third page goes on after a blank line\n");
    record(s, "resource", "http://a.example/", "text/plain", NULL, "first page\n", 11);
    ends[0] = s->n;
    addf(s,
         "WARC/1.0\r\nWARC-Type: resource\r\nWARC-Target-URI: http://b.example/\r\n"
         "Content-Type: text/plain\r\nContent-Length: %zu\r\n\r\n%s\r\n\r\n",
         clen2 ? clen2 : sizeof second - 1, second);
    ends[1] = s->n;
    record(s, "conversion", "http://c.example/", "text/plain", NULL, third, strlen(third));
    ends[2] = s->n;
    record(s, "conversion", "http://d.example/", "text/plain", NULL, "fourth page\n", 12);
    ends[3] = s->n;
    record(s, "conversion", "http://e.example/", "text/plain", NULL, "fifth page\n", 11);
    ends[4] = s->n;
    free(third);
}

/* The offset where the second record's block starts in five_pages' output. */
static size_t second_block_at(const str *s, size_t second_at)
{
    const char *p = strstr(s->p + second_at, "\r\n\r\n");
    cr_assert_not_null(p);
    return (size_t)(p + 4 - s->p);
}

static void expect_all_but_the_second(const pv_test_rec *g, const pv_reader_stats *st)
{
    static const char *const want[] = {"http://a.example/", "http://c.example/",
                                       "http://d.example/", "http://e.example/"};
    size_t i;
    cr_assert_eq(g->n, 4, "%zu documents", g->n);
    for (i = 0; i < 4; i++)
        cr_assert_str_eq(g->v[i].locator, want[i]);
    cr_assert_eq(st->bad, 1);
    cr_assert_eq(st->records, 5);
    cr_assert_eq(g->ndiag, 1);
    assert_accounted(st);
}

Test(warc, regression_content_length_past_the_end_keeps_later_records)
{
    str s = {0};
    size_t ends[5], blk;
    pv_test_rec g = {0}, gz = {0};
    pv_reader_stats st;
    pv_err err;
    char want[512];

    five_pages(&s, 1000000, 10, ends);
    blk = second_block_at(&s, ends[0]);
    pv_test_write_file(pv_test_path("past-end.warc"), s.p, s.n);
    cr_assert_eq(read_warc(pv_test_path("past-end.warc"), &g, &st, &err), 0, "%s", err.msg);
    expect_all_but_the_second(&g, &st);
    snprintf(want, sizeof want,
             "%s: record 2 at byte %zu: Content-Length 1000000 runs past the end of the file "
             "(%zu bytes there); skipped %zu bytes to the next record at byte %zu",
             pv_test_path("past-end.warc"), ends[0], s.n - blk, ends[1] - ends[0], ends[1]);
    cr_assert_str_eq(g.diag[0], want);

    /* the same records as gzip members, one per record */
    put_gzip_members(pv_test_path("past-end.warc.gz"), &s, ends, 5);
    cr_assert_eq(read_warc(pv_test_path("past-end.warc.gz"), &gz, &st, &err), 0, "%s", err.msg);
    expect_all_but_the_second(&gz, &st);
    cr_assert(strstr(gz.diag[0], "record 2 at byte 163 of the decompressed gzip stream: "
                                 "Content-Length 1000000 runs past the end of the file") != NULL,
              "%s", gz.diag[0]);
    free(s.p);
}

Test(warc, regression_content_length_500_too_long_does_not_swallow_the_next_record)
{
    str s = {0}, probe = {0};
    size_t ends[5], blk, third_text, pad;
    pv_test_rec g = {0}, gz = {0};
    pv_reader_stats st;
    pv_err err;

    /* Where the third page's text starts, so that the claimed block (12 + 500 bytes) ends
     * right on the blank line inside it: the bytes there are line ends, as after a block. */
    five_pages(&probe, 0, 100, ends);
    blk = second_block_at(&probe, ends[0]);
    third_text = (size_t)(strstr(probe.p + ends[1], "xxxx") - probe.p);
    pad = blk + 512 - third_text; /* "512" is a digit longer than "12": both shift by one */
    five_pages(&s, 512, pad, ends);
    blk = second_block_at(&s, ends[0]);
    cr_assert_eq(s.p[blk + 512], '\n', "the claimed block must end on the blank line");
    pv_test_write_file(pv_test_path("long500.warc"), s.p, s.n);
    cr_assert_eq(read_warc(pv_test_path("long500.warc"), &g, &st, &err), 0, "%s", err.msg);
    expect_all_but_the_second(&g, &st);
    cr_assert(strstr(g.diag[0], "record 2 at byte 163: block of Content-Length 512 runs into the "
                                "next record") != NULL,
              "%s", g.diag[0]);

    put_gzip_members(pv_test_path("long500.warc.gz"), &s, ends, 5);
    cr_assert_eq(read_warc(pv_test_path("long500.warc.gz"), &gz, &st, &err), 0, "%s", err.msg);
    expect_all_but_the_second(&gz, &st);
    free(s.p);
    free(probe.p);
}
