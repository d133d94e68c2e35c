/*
 * source_warc.c - the WARC / WET reader: parses the records of a web archive (WARC/1.0, 1.1
 * and the pre-standard 0.17; plain or gzip per record, through pv_input) and turns HTML
 * responses, text resources and WET conversions into "page" documents for the sink.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

#include "common_int.h"
#include "source.h"

/* Decompressed bytes asked of pv_input at a time (at least), and the read buffer's first size. */
#define READ_CHUNK ((size_t)256 << 10)
#define BUF_INIT ((size_t)1 << 20)

/* A record's header (version line, fields, empty line) and an HTTP header are at most this. */
#define HEADER_MAX ((size_t)64 << 10)

/* The largest record block read into memory; a larger content record is skipped as large
 * (read through in pieces, so memory stays bounded whatever the record). */
#define BLOCK_MAX ((uint64_t)64 << 20)

/* A decoded (inflated) HTTP payload and a page's text are at most this. */
#define PAYLOAD_MAX ((size_t)64 << 20)
#define TEXT_MAX ((size_t)64 << 20)

/* Strings of one record handed to the sink (locator, lang, author), NUL-terminated. */
#define STRINGS_MAX ((size_t)2 * HEADER_MAX)

/* A field of a record or HTTP header: value at [off, off + len) of the header; off ==
 * FLD_NONE when the field is absent. Offsets, not pointers: the read buffer moves. */
#define FLD_NONE UINT32_MAX
typedef struct fld {
    uint32_t off, len;
} fld;

/* What a record's header says. Offsets are relative to the record's first byte. */
typedef struct rec_hdr {
    size_t hlen; /* bytes of version line, fields and the empty line */
    uint64_t clen;
    fld type, uri, date, ctype, lang, payload_type;
} rec_hdr;

/* What an HTTP response's header says. Offsets are relative to the block's first byte. */
typedef struct http_hdr {
    int status;
    size_t hlen; /* bytes of status line, fields and the empty line */
    fld ctype, cenc, tenc, clang;
} http_hdr;

/* Outcome of looking at a record's header. */
enum hdr_rc { HDR_OK = 0, HDR_END = 1, HDR_BAD = 2, HDR_TRUNC = 3 };

/* The state of one pv_warc__read call. */
typedef struct warc {
    const char *path;
    const pv_reader_opts *o;
    const pv_sink *sink;
    pv_reader_stats *st;
    pv_err *err;
    pv_input *in;
    const char *stream; /* "" for a plain file, else " of the decompressed ... stream" */

    /* Decompressed bytes read and not consumed: buf[pos, end). base is the offset of buf[0]
     * in the decompressed stream. */
    char *buf;
    size_t cap, pos, end;
    uint64_t base;
    int eof;

    uint64_t recno;  /* number of the record being read, from 1 */
    uint64_t rec_at; /* its offset in the decompressed stream */
    char why[512];   /* what is wrong with a bad record */

    pv_buf payload; /* an inflated HTTP payload */
    pv_buf text;    /* a page's text */
    pv_buf strs;    /* locator, lang, author of the current document */
    z_stream zs;
    int zs_init;
} warc;

/* ---- the read buffer ---- */

/* Makes need bytes available at buf[pos..]: 1 when they are, 0 when the input ends first
 * (the bytes there stay), or a negative error. need is bounded by the callers (a header,
 * a block up to BLOCK_MAX, a few bytes). */
static int fill(warc *w, size_t need)
{
    while (w->end - w->pos < need) {
        ptrdiff_t r;
        if (w->eof)
            return 0;
        if (w->pos + need > w->cap || w->cap - w->end < READ_CHUNK / 4) {
            /* Move what is left to the front and grow when it still does not fit. */
            size_t left = w->end - w->pos;
            if (w->pos > 0) {
                memmove(w->buf, w->buf + w->pos, left);
                w->base += w->pos;
                w->end = left;
                w->pos = 0;
            }
            if (need > w->cap || w->cap - w->end < READ_CHUNK / 4) {
                size_t cap = w->cap ? w->cap : BUF_INIT;
                char *p;
                while (cap < need || cap - w->end < READ_CHUNK / 4)
                    cap *= 2;
                if (cap != w->cap) {
                    p = realloc(w->buf, cap);
                    if (!p)
                        return pv_err__set(w->err, PV_ENOMEM, "%s: out of memory (%zu bytes)",
                                           w->path, cap);
                    w->buf = p;
                    w->cap = cap;
                }
            }
        }
        r = pv_input__read(w->in, w->buf + w->end, w->cap - w->end, w->err);
        if (r < 0)
            return (int)r;
        if (r == 0)
            w->eof = 1;
        w->end += (size_t)r;
    }
    return 1;
}

/* Consumes n bytes without keeping them: 1, 0 when the input ends first, or an error. */
static int skip_bytes(warc *w, uint64_t n)
{
    while (n > 0) {
        size_t take;
        if (w->pos == w->end) {
            ptrdiff_t r;
            if (w->eof)
                return 0;
            w->base += w->end;
            w->pos = w->end = 0;
            if (!w->buf) {
                int rc = fill(w, 1);
                if (rc <= 0)
                    return rc;
                continue;
            }
            r = pv_input__read(w->in, w->buf, w->cap, w->err);
            if (r < 0)
                return (int)r;
            if (r == 0) {
                w->eof = 1;
                return 0;
            }
            w->end = (size_t)r;
        }
        take = w->end - w->pos;
        if ((uint64_t)take > n)
            take = (size_t)n;
        w->pos += take;
        n -= take;
    }
    return 1;
}

static uint64_t offset_of(const warc *w, size_t pos)
{
    return w->base + pos;
}

/* ---- small string helpers ---- */

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* 1 when [s, s + n) equals the NUL-terminated word, ASCII case ignored. */
static int eq_nocase(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && strncasecmp(s, word, n) == 0;
}

/* The media type of a Content-Type value (before ';', trimmed) equals one of the words. */
static int media_is(const char *s, size_t n, const char *a, const char *b)
{
    size_t k = 0;
    while (k < n && s[k] != ';')
        k++;
    while (k > 0 && is_space(s[k - 1]))
        k--;
    return eq_nocase(s, k, a) || (b && eq_nocase(s, k, b));
}

static int media_is_html(const char *s, size_t n)
{
    return media_is(s, n, "text/html", "application/xhtml+xml");
}

/* Copies up to 40 bytes of s for a message, with every byte that is not printable ASCII as
 * '?', so that a diagnostic stays one line. */
static void quote(char *out, size_t outsz, const char *s, size_t n)
{
    size_t i, k = 0;
    for (i = 0; i < n && i < 40 && k + 1 < outsz; i++)
        out[k++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    if (i < n && k + 4 < outsz) {
        memcpy(out + k, "...", 3);
        k += 3;
    }
    out[k] = '\0';
}

/* ---- reporting ---- */

/* A malformed record, named by its number and offset, by the readers' one policy
 * (pv_source__bad). Returns 0 to go on or PV_EFORMAT. */
static int bad_record(warc *w, const char *fmt, ...) PV_PRINTF(2, 3);
static int bad_record(warc *w, const char *fmt, ...)
{
    va_list ap;
    char what[sizeof w->why];
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap); /* fmt's arguments may be w->why */
    va_end(ap);
    return pv_source__bad(w->o, w->st, w->err, "%s: record %llu at byte %llu%s: %s", w->path,
                          (unsigned long long)w->recno, (unsigned long long)w->rec_at, w->stream,
                          what);
}

/* A record cut short by the end of the file: a bad record, the last one (0: the end of the
 * input), or under strict the error. */
static int truncated(warc *w, const char *what)
{
    int rc = bad_record(w, "truncated: the file ends %s", what);
    w->pos = w->end;
    return rc;
}

/* An error from the input (truncated or corrupt compressed data): say in which record. */
static int input_failed(warc *w, int rc)
{
    char msg[sizeof(((pv_err *)0)->msg)];
    if (w->err->code != rc || w->recno == 0)
        return rc;
    snprintf(msg, sizeof msg, "%s", w->err->msg);
    return pv_err__set(w->err, rc, "%s (in record %llu at byte %llu%s)", msg,
                       (unsigned long long)w->recno, (unsigned long long)w->rec_at, w->stream);
}

/* ---- record header ---- */

/* Sets the field named [name, name + nlen) of a record header when it is one we use and
 * not set yet: returns it, or NULL. */
static fld *record_field(rec_hdr *h, const char *name, size_t nlen, fld v)
{
    static const struct {
        const char *name;
        size_t off;
    } known[] = {
        {"WARC-Type", offsetof(rec_hdr, type)},
        {"WARC-Target-URI", offsetof(rec_hdr, uri)},
        {"WARC-Date", offsetof(rec_hdr, date)},
        {"Content-Type", offsetof(rec_hdr, ctype)},
        {"WARC-Identified-Content-Language", offsetof(rec_hdr, lang)},
        {"WARC-Identified-Payload-Type", offsetof(rec_hdr, payload_type)},
    };
    size_t i;
    for (i = 0; i < sizeof known / sizeof known[0]; i++)
        if (eq_nocase(name, nlen, known[i].name)) {
            fld *f = (fld *)((char *)h + known[i].off);
            if (f->off != FLD_NONE)
                return NULL; /* the first one counts */
            *f = v;
            return f;
        }
    return NULL;
}

/* Parses a decimal Content-Length: 1, or 0 when it is not a number. */
static int parse_length(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    size_t i;
    if (n == 0 || n > 19)
        return 0;
    for (i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return 0;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return 1;
}

/* Reads the header of the record at buf[pos..] into h (nothing is consumed): HDR_OK,
 * HDR_END (no more records), HDR_BAD (w->why says what), HDR_TRUNC (the file ends inside
 * it), or a negative error. */
static int read_header(warc *w, rec_hdr *h)
{
    static const char magic[] = "WARC/";
    size_t rel = 0, avail, k;
    int rc, first = 1, have_len = 0;
    fld *last = NULL;
    const char *s;

    h->type = h->uri = h->date = h->ctype = h->lang = h->payload_type = (fld){FLD_NONE, 0};
    h->clen = 0;

    /* Empty lines between records (two after every record, sometimes more). */
    for (;;) {
        rc = fill(w, 2);
        if (rc < 0) {
            /* name the record that would have started here */
            w->recno++;
            w->rec_at = offset_of(w, w->pos);
            return rc;
        }
        if (w->pos == w->end)
            return HDR_END;
        if (w->buf[w->pos] == '\n')
            w->pos++;
        else if (w->buf[w->pos] == '\r' && w->end - w->pos >= 2 && w->buf[w->pos + 1] == '\n')
            w->pos += 2;
        else
            break;
    }
    w->rec_at = offset_of(w, w->pos);
    w->recno++;
    w->st->records++;

    /* "WARC/" and a digit, before looking for the end of a line that may be binary junk. */
    rc = fill(w, sizeof magic);
    if (rc < 0)
        return rc;
    avail = w->end - w->pos;
    s = w->buf + w->pos;
    k = avail < sizeof magic ? avail : sizeof magic;
    if (memcmp(s, magic, k < 5 ? k : 5) != 0 || (k == sizeof magic && !is_digit(s[5]))) {
        const char *nl = memchr(s, '\n', avail < 64 ? avail : 64);
        char q[64];
        quote(q, sizeof q, s, nl ? (size_t)(nl - s) : avail);
        snprintf(w->why, sizeof w->why, "not a WARC record: version line \"%s\"", q);
        return HDR_BAD;
    }
    if (k < sizeof magic)
        return HDR_TRUNC; /* a start of "WARC/" and then the end */

    for (;;) {
        const char *line, *nl, *e, *colon;
        size_t len;
        avail = w->end - w->pos;
        nl = memchr(w->buf + w->pos + rel, '\n', avail - rel);
        if (!nl) {
            if (avail >= HEADER_MAX) {
                snprintf(w->why, sizeof w->why, "header longer than %zu bytes", HEADER_MAX);
                return HDR_BAD;
            }
            rc = fill(w, avail + 1);
            if (rc < 0)
                return rc;
            if (rc == 0)
                return HDR_TRUNC;
            continue;
        }
        s = w->buf + w->pos;
        line = s + rel;
        e = nl;
        if (e > line && e[-1] == '\r')
            e--;
        len = (size_t)(e - line);
        rel = (size_t)(nl + 1 - s);
        if (rel > HEADER_MAX) {
            snprintf(w->why, sizeof w->why, "header longer than %zu bytes", HEADER_MAX);
            return HDR_BAD;
        }
        if (first) {
            /* "WARC/1.0", "WARC/1.1", "WARC/0.17", ...: digits, a dot, digits. */
            size_t i = 5;
            while (i < len && is_digit(line[i]))
                i++;
            if (i < len && line[i] == '.') {
                i++;
                while (i < len && is_digit(line[i]))
                    i++;
            }
            while (i < len && (line[i] == ' ' || line[i] == '\t'))
                i++;
            if (i != len) {
                char q[64];
                quote(q, sizeof q, line, len);
                snprintf(w->why, sizeof w->why, "not a WARC record: version line \"%s\"", q);
                return HDR_BAD;
            }
            first = 0;
            continue;
        }
        if (len == 0)
            break;
        if ((line[0] == ' ' || line[0] == '\t') && last) {
            /* A folded line continues the last field's value. */
            while (len > 0 && is_space(e[-1]))
                e--, len--;
            if (last->off != FLD_NONE && e > s + last->off)
                last->len = (uint32_t)(e - (s + last->off));
            continue;
        }
        colon = memchr(line, ':', len);
        if (!colon) {
            char q[64];
            quote(q, sizeof q, line, len);
            snprintf(w->why, sizeof w->why, "header line without ':': \"%s\"", q);
            return HDR_BAD;
        }
        {
            const char *v = colon + 1, *ve = e, *ne = colon;
            fld f;
            while (v < ve && (*v == ' ' || *v == '\t'))
                v++;
            while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            while (ne > line && (ne[-1] == ' ' || ne[-1] == '\t'))
                ne--;
            f.off = (uint32_t)(v - s);
            f.len = (uint32_t)(ve - v);
            last = NULL;
            if (eq_nocase(line, (size_t)(ne - line), "Content-Length")) {
                if (!have_len) {
                    if (!parse_length(v, f.len, &h->clen)) {
                        char q[64];
                        quote(q, sizeof q, v, f.len);
                        snprintf(w->why, sizeof w->why, "bad Content-Length \"%s\"", q);
                        return HDR_BAD;
                    }
                    have_len = 1;
                }
            } else {
                last = record_field(h, line, (size_t)(ne - line), f);
            }
        }
    }
    if (!have_len) {
        snprintf(w->why, sizeof w->why, "no Content-Length");
        return HDR_BAD;
    }
    h->hlen = rel;
    return HDR_OK;
}

/* After a bad record, moves to the next line that starts with "WARC/" and a digit, looking
 * from byte from (>= 1) of the bad record on: 1 when found, 0 at the end of the input, or
 * an error. The bytes passed over belong to the bad record. */
static int resync(warc *w, size_t from)
{
    static const char pat[] = "\nWARC/";
    const size_t plen = sizeof pat - 1;
    size_t at = w->pos + from - 1; /* the byte before may be the '\n' */
    for (;;) {
        const char *p = w->buf + at, *e = w->buf + w->end;
        int rc;
        while ((size_t)(e - p) > plen) {
            const char *hit = memchr(p, '\n', (size_t)(e - p));
            if (!hit)
                break;
            if ((size_t)(e - hit) < plen) { /* the rest of a match is not read yet */
                p = hit;
                goto more;
            }
            if (memcmp(hit, pat, plen) != 0) {
                p = hit + 1;
                continue;
            }
            if ((size_t)(e - hit) == plen) { /* the digit after it is not read yet */
                p = hit;
                goto more;
            }
            if (is_digit(hit[plen])) {
                w->pos = (size_t)(hit + 1 - w->buf);
                return 1;
            }
            p = hit + 1;
        }
        if ((size_t)(e - p) > plen)
            p = e - plen; /* these could still start a match */
    more:
        w->pos = (size_t)(p - w->buf);
        rc = fill(w, w->end - w->pos + 1);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            w->pos = w->end;
            return 0;
        }
        at = w->pos;
    }
}

/* 1 when a block of n bytes holds a line "WARC/1.x" followed by a header line "WARC-..." or
 * "Content-...": the start of a record that a wrong Content-Length ran into. */
static int hides_record(const char *b, size_t n)
{
    static const char pat[] = "\nWARC/";
    const size_t plen = sizeof pat - 1;
    const char *p = b, *e = b + n;
    while ((size_t)(e - p) > plen && (p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
        const char *q = p + plen, *nl;
        p++;
        if ((size_t)(e - q) < 4 || memcmp(p, pat + 1, plen - 1) != 0 || !is_digit(*q))
            continue;
        if (!(nl = memchr(q, '\n', (size_t)(e - q) < 32 ? (size_t)(e - q) : 32)))
            continue;
        nl++;
        if ((size_t)(e - nl) >= 8 &&
            (strncasecmp(nl, "WARC-", 5) == 0 || strncasecmp(nl, "Content-", 8) == 0))
            return 1;
    }
    return 0;
}

/* Checks what follows a block at buf[pos + blk_end]: line ends up to the next record or the
 * end of the input. Returns the bytes of line ends to consume, or -1 when something else
 * follows (the Content-Length is wrong). Needs up to 4 bytes there (or the end). */
static ptrdiff_t trailer(const warc *w, size_t blk_end)
{
    const char *p = w->buf + w->pos + blk_end, *e = w->buf + w->end;
    size_t n = 0;
    while (n < 2 && p < e) {
        if (*p == '\n')
            p++;
        else if (*p == '\r' && p + 1 < e && p[1] == '\n')
            p += 2;
        else
            break;
        n++;
    }
    if (n == 0 && p < e)
        return -1;
    return p - (w->buf + w->pos + blk_end);
}

/* ---- HTTP payload ---- */

/* Sets the field of an HTTP header when it is one we use. */
static void http_field(http_hdr *h, const char *name, size_t nlen, fld v)
{
    fld *f = NULL;
    if (eq_nocase(name, nlen, "Content-Type"))
        f = &h->ctype;
    else if (eq_nocase(name, nlen, "Content-Encoding"))
        f = &h->cenc;
    else if (eq_nocase(name, nlen, "Transfer-Encoding"))
        f = &h->tenc;
    else if (eq_nocase(name, nlen, "Content-Language"))
        f = &h->clang;
    if (f && f->off == FLD_NONE)
        *f = v;
}

/* Parses the HTTP response header at the start of a block of n bytes: 1 when complete, 0
 * when the block is not an HTTP response or its header does not end within it. */
static int parse_http(const char *b, size_t n, http_hdr *h)
{
    size_t i = 0;
    const char *nl;
    h->ctype = h->cenc = h->tenc = h->clang = (fld){FLD_NONE, 0};
    h->status = 0;
    if (n < 5 || memcmp(b, "HTTP/", 5) != 0)
        return 0;
    /* "HTTP/1.1 200 OK" */
    while (i < n && b[i] != ' ' && b[i] != '\n')
        i++;
    while (i < n && b[i] == ' ')
        i++;
    if (i + 3 > n || !is_digit(b[i]) || !is_digit(b[i + 1]) || !is_digit(b[i + 2]))
        return 0;
    h->status = (b[i] - '0') * 100 + (b[i + 1] - '0') * 10 + (b[i + 2] - '0');
    nl = memchr(b + i, '\n', n - i);
    for (;;) {
        const char *line, *e, *colon;
        if (!nl)
            return 0;
        i = (size_t)(nl + 1 - b);
        nl = memchr(b + i, '\n', n - i);
        if (!nl)
            return 0;
        line = b + i;
        e = nl;
        if (e > line && e[-1] == '\r')
            e--;
        if (e == line) {
            h->hlen = (size_t)(nl + 1 - b);
            return 1;
        }
        colon = memchr(line, ':', (size_t)(e - line));
        if (colon && colon > line) {
            const char *v = colon + 1, *ve = e;
            while (v < ve && (*v == ' ' || *v == '\t'))
                v++;
            while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            http_field(h, line, (size_t)(colon - line),
                       (fld){(uint32_t)(v - b), (uint32_t)(ve - v)});
        }
    }
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Reads a chunk-size line at b[*i..n): the size, or -1 when the line is not one. */
static int64_t chunk_line(const char *b, size_t n, size_t *i)
{
    size_t k = *i, digits = 0;
    int64_t v = 0;
    const char *nl;
    while (k < n && hex_value(b[k]) >= 0) {
        if (++digits > 15)
            return -1;
        v = v * 16 + hex_value(b[k++]);
    }
    if (digits == 0)
        return -1;
    nl = memchr(b + k, '\n', n - k);
    if (!nl)
        return -1;
    /* chunk extensions (";name=value") and spaces may follow the size */
    if (k < n && b[k] != ';' && b[k] != ' ' && b[k] != '\t' && b[k] != '\r' && b[k] != '\n')
        return -1;
    *i = (size_t)(nl + 1 - b);
    return v;
}

/* Removes chunked transfer coding in place from b[0, *n). A body whose first chunk line is
 * not one was stored decoded already (some crawlers keep the header): left as it is. A body
 * cut inside a chunk keeps what arrived. */
static void dechunk(char *b, size_t *n)
{
    size_t i = 0, out = 0, len = *n;
    int first = 1;
    for (;;) {
        int64_t sz = chunk_line(b, len, &i);
        if (sz < 0) {
            if (first)
                return;
            break;
        }
        if (sz == 0)
            break;
        if ((uint64_t)sz > len - i)
            sz = (int64_t)(len - i); /* cut short: keep what is there */
        memmove(b + out, b + i, (size_t)sz);
        out += (size_t)sz;
        i += (size_t)sz;
        if (i < len && b[i] == '\r')
            i++;
        if (i < len && b[i] == '\n')
            i++;
        first = 0;
        if (i >= len)
            break;
    }
    *n = out;
}

/* Outcome of decoding a payload. */
enum dec_rc { DEC_OK = 0, DEC_BAD = 1, DEC_LARGE = 2 };

/* Inflates b[0, n) into w->payload: gzip (one or more members) when gzip, else zlib or raw
 * deflate. A stream cut short keeps what was decoded (crawlers cut long responses).
 * Returns DEC_OK, DEC_BAD (corrupt: w->why says so), DEC_LARGE, or a negative error. */
static int inflate_payload(warc *w, const unsigned char *b, size_t n, int gzip)
{
    int wbits, rc;
    if (gzip)
        wbits = 16 + MAX_WBITS;
    else if (n >= 2 && (b[0] & 0x0f) == 8 && ((unsigned)b[0] << 8 | b[1]) % 31 == 0)
        wbits = MAX_WBITS; /* zlib header, as RFC 9110 says deflate is */
    else
        wbits = -MAX_WBITS; /* raw deflate, as some servers send it */
    if (!w->zs_init) {
        memset(&w->zs, 0, sizeof w->zs);
        if (inflateInit2(&w->zs, wbits) != Z_OK)
            return pv_err__set(w->err, PV_ENOMEM, "%s: out of memory inflating", w->path);
        w->zs_init = 1;
    } else if (inflateReset2(&w->zs, wbits) != Z_OK) {
        return pv_err__set(w->err, PV_ENOMEM, "%s: out of memory inflating", w->path);
    }
    w->payload.len = 0;
    w->zs.next_in = (unsigned char *)b;
    w->zs.avail_in = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
    for (;;) {
        size_t room;
        if (w->payload.cap - w->payload.len < 4096 || w->payload.len == w->payload.cap) {
            rc = pv_buf__reserve(&w->payload, w->payload.len < 65536 ? 65536 : w->payload.len);
            if (rc == PV_ELIMIT && w->payload.len < w->payload.limit)
                rc = pv_buf__reserve(&w->payload, w->payload.limit - w->payload.len);
            if (rc == PV_ELIMIT || w->payload.len == w->payload.cap)
                return DEC_LARGE;
            if (rc)
                return pv_err__set(w->err, rc, "%s: out of memory inflating", w->path);
        }
        room = w->payload.cap - w->payload.len;
        w->zs.next_out = (unsigned char *)w->payload.data + w->payload.len;
        w->zs.avail_out = (uInt)(room > UINT32_MAX ? UINT32_MAX : room);
        rc = inflate(&w->zs, Z_NO_FLUSH);
        w->payload.len = (size_t)((char *)w->zs.next_out - w->payload.data);
        if (rc == Z_STREAM_END) {
            /* another gzip member may follow */
            if (gzip && w->zs.avail_in >= 2 && w->zs.next_in[0] == 0x1f &&
                w->zs.next_in[1] == 0x8b) {
                if (inflateReset(&w->zs) != Z_OK)
                    return pv_err__set(w->err, PV_ENOMEM, "%s: out of memory inflating", w->path);
                continue;
            }
            return DEC_OK;
        }
        if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT) {
            snprintf(w->why, sizeof w->why, "corrupt %s HTTP payload: %s",
                     gzip ? "gzip" : "deflate", w->zs.msg ? w->zs.msg : "invalid data");
            return DEC_BAD;
        }
        if (rc == Z_MEM_ERROR)
            return pv_err__set(w->err, PV_ENOMEM, "%s: out of memory inflating", w->path);
        if (w->zs.avail_in == 0 && w->zs.avail_out > 0)
            return DEC_OK; /* cut short: what was decoded stands */
        if (rc == Z_BUF_ERROR && w->zs.avail_out > 0)
            return DEC_OK;
    }
}

/* ---- documents ---- */

/* Appends [s, s + n) and a NUL to w->strs, a folded header value unfolded (each line end
 * and the blanks after it become one space); returns its offset there, or -1 (too long). */
static ptrdiff_t add_str(warc *w, const char *s, size_t n)
{
    size_t at = w->strs.len, i, k = 0;
    char *d;
    if (pv_buf__reserve(&w->strs, n + 1) != 0)
        return -1;
    d = w->strs.data + at;
    if (!memchr(s, '\n', n)) {
        memcpy(d, s, n);
        k = n;
    } else {
        for (i = 0; i < n; i++) {
            if (s[i] == '\r' || s[i] == '\n') {
                while (i + 1 < n && is_space(s[i + 1]))
                    i++;
                d[k++] = ' ';
            } else {
                d[k++] = s[i];
            }
        }
    }
    d[k] = '\0';
    w->strs.len += k + 1;
    return (ptrdiff_t)at;
}

/* The first language of a list ("eng,fra" -> "eng"). */
static size_t first_lang(const char *s, size_t n)
{
    size_t k = 0;
    while (k < n && s[k] != ',' && s[k] != ';' && !is_space(s[k]))
        k++;
    return k;
}

/* "20080430204825" (ARC and early WARC style) as unix seconds, or PV_DATE_UNKNOWN. */
static int64_t date14(const char *s)
{
    char iso[32];
    size_t i;
    for (i = 0; i < 14; i++)
        if (!is_digit(s[i]))
            return PV_DATE_UNKNOWN;
    if (s[14] != '\0')
        return PV_DATE_UNKNOWN;
    snprintf(iso, sizeof iso, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", s, s + 4, s + 6, s + 8, s + 10,
             s + 12);
    return pv_date__parse(iso);
}

/* The record being read is skipped by rule (reason: one of st's skipped_* counters, or NULL):
 * counted and named as a note. */
static void skipped(warc *w, uint64_t *reason, const char *why)
{
    pv_source__skip(w->o, w->st, reason, "%s: record %llu at byte %llu%s: skipped: %s", w->path,
                    (unsigned long long)w->recno, (unsigned long long)w->rec_at, w->stream, why);
}

/* Hands one page to the sink. rec points at the record's first byte; text is the page's
 * text; html_lang and author come from the HTML (NULL or "" when not there), http_lang
 * is the HTTP Content-Language (or absent). Returns 0 or a negative error (the sink's). */
static int emit(warc *w, const char *rec, const rec_hdr *h, const char *text, size_t len,
                const char *html_lang, const char *author, const char *http, fld http_lang)
{
    pv_doc_in d;
    ptrdiff_t loc = -1, lang = -1, who = -1;
    char date[64];
    size_t i;
    int rc;

    for (i = 0; i < len && is_space(text[i]); i++)
        ;
    if (i == len) {
        skipped(w, &w->st->skipped_empty, "no text");
        return 0;
    }
    if (w->o->max_doc_size && len > w->o->max_doc_size) {
        skipped(w, &w->st->skipped_large, "text larger than --max-file-size");
        return 0;
    }

    w->strs.len = 0;
    if (h->uri.off != FLD_NONE && h->uri.len > 0) {
        /* wget writes <http://...>; a URI with a space stays as written */
        const char *u = rec + h->uri.off;
        size_t n = h->uri.len;
        if (n >= 2 && u[0] == '<' && u[n - 1] == '>')
            u++, n -= 2;
        loc = add_str(w, u, n);
    } else {
        /* No target URI (a resource or conversion record of a local file): the file and the
         * record's offset say where it is; a record id (urn:uuid:...) opens nothing without
         * them. The offset counts bytes of the decompressed stream, as diagnostics do. */
        const char *base = strrchr(w->path, '/');
        char at[512];
        int k = snprintf(at, sizeof at, "%s@%llu", base ? base + 1 : w->path,
                         (unsigned long long)w->rec_at);
        loc = add_str(w, at, k < 0 ? 0 : (size_t)k < sizeof at ? (size_t)k : sizeof at - 1);
    }
    if (html_lang && html_lang[0])
        lang = add_str(w, html_lang, strlen(html_lang));
    else if (h->lang.off != FLD_NONE && h->lang.len > 0)
        lang = add_str(w, rec + h->lang.off, first_lang(rec + h->lang.off, h->lang.len));
    else if (http && http_lang.off != FLD_NONE && http_lang.len > 0)
        lang = add_str(w, http + http_lang.off, first_lang(http + http_lang.off, http_lang.len));
    if (author && author[0])
        who = add_str(w, author, strlen(author));
    if (loc < 0)
        return bad_record(w, "WARC-Target-URI longer than %zu bytes", STRINGS_MAX);

    memset(&d, 0, sizeof d);
    d.text = text;
    d.len = len;
    d.kind = "page";
    d.locator = w->strs.data + loc;
    d.offset = w->rec_at;
    d.has_offset = 1;
    d.lang = lang >= 0 && w->strs.data[lang] ? w->strs.data + lang : NULL;
    d.origin.author.name = who >= 0 ? w->strs.data + who : NULL;
    d.origin.date = PV_DATE_UNKNOWN;
    if (h->date.off != FLD_NONE && h->date.len < sizeof date) {
        memcpy(date, rec + h->date.off, h->date.len);
        date[h->date.len] = '\0';
        d.origin.date = pv_date__parse(date);
        if (d.origin.date == PV_DATE_UNKNOWN && h->date.len == 14)
            d.origin.date = date14(date);
    }
    rc = w->sink->doc(w->sink->ctx, &d);
    if (rc < 0)
        return rc;
    w->st->documents++;
    return 0;
}

/* HTML to text and on to the sink. */
static int emit_html(warc *w, const char *rec, const rec_hdr *h, const char *html, size_t n,
                     const char *http, fld http_lang)
{
    pv_html_meta meta;
    int rc;
    w->text.len = 0;
    memset(&meta, 0, sizeof meta);
    rc = pv_html__to_text(html, n, &w->text, &meta, w->err);
    if (rc == PV_ELIMIT) { /* over TEXT_MAX, or an HTML document over 2 GiB */
        skipped(w, &w->st->skipped_large, "HTML too large");
        return 0;
    }
    if (rc < 0)
        return rc;
    meta.author[sizeof meta.author - 1] = '\0';
    meta.lang[sizeof meta.lang - 1] = '\0';
    return emit(w, rec, h, w->text.data ? w->text.data : "", w->text.len, meta.lang, meta.author,
                http, http_lang);
}

/* An HTTP response in a response record (the block, n bytes, in memory): its HTML page. */
static int do_response(warc *w, const char *rec, const rec_hdr *h, char *blk, size_t n)
{
    http_hdr hh;
    char *body;
    size_t blen;
    int rc;

    if (!parse_http(blk, n, &hh)) {
        if (n >= 5 && memcmp(blk, "HTTP/", 5) == 0)
            return bad_record(w, "HTTP response header not complete");
        skipped(w, NULL, "not an HTTP response"); /* dns:, ftp: and others */
        return 0;
    }
    if (hh.status < 200 || hh.status > 299) {
        char why[64];
        snprintf(why, sizeof why, "HTTP status %d", hh.status); /* redirects, errors */
        skipped(w, NULL, why);
        return 0;
    }
    if (hh.ctype.off != FLD_NONE
            ? !media_is_html(blk + hh.ctype.off, hh.ctype.len)
            : (h->payload_type.off == FLD_NONE ||
               !media_is_html(rec + h->payload_type.off, h->payload_type.len))) {
        skipped(w, NULL, "not HTML");
        return 0;
    }
    body = blk + hh.hlen;
    blen = n - hh.hlen;
    if (hh.tenc.off != FLD_NONE && hh.tenc.len >= 7 &&
        strncasecmp(blk + hh.tenc.off + hh.tenc.len - 7, "chunked", 7) == 0)
        dechunk(body, &blen);
    if (hh.cenc.off != FLD_NONE) {
        const char *c = blk + hh.cenc.off;
        size_t cl = hh.cenc.len;
        int gzip = eq_nocase(c, cl, "gzip") || eq_nocase(c, cl, "x-gzip");
        if (gzip || eq_nocase(c, cl, "deflate")) {
            /* a body stored decoded under its original header is taken as it is */
            if (!gzip ||
                (blen >= 2 && (unsigned char)body[0] == 0x1f && (unsigned char)body[1] == 0x8b)) {
                rc = inflate_payload(w, (const unsigned char *)body, blen, gzip);
                if (rc < 0)
                    return rc;
                if (rc == DEC_BAD)
                    return bad_record(w, "%s", w->why);
                if (rc == DEC_LARGE) {
                    skipped(w, &w->st->skipped_large, "payload too large once decompressed");
                    return 0;
                }
                body = w->payload.data ? w->payload.data : blk;
                blen = w->payload.len;
            }
        } else if (!eq_nocase(c, cl, "identity") && cl > 0) {
            char q[64], why[128];
            quote(q, sizeof q, c, cl);
            snprintf(why, sizeof why, "Content-Encoding \"%s\" not supported", q);
            skipped(w, NULL, why);
            return 0;
        }
    }
    return emit_html(w, rec, h, body, blen, blk, hh.clang);
}

/* What a record of this type and header is worth reading. */
enum want { WANT_NONE, WANT_RESPONSE, WANT_HTML, WANT_TEXT };

static enum want wanted(const char *rec, const rec_hdr *h)
{
    const char *t = rec + h->type.off;
    size_t tn = h->type.len;
    const char *ct = h->ctype.off != FLD_NONE ? rec + h->ctype.off : NULL;
    size_t cn = h->ctype.len;
    if (h->type.off == FLD_NONE)
        return WANT_NONE;
    if (eq_nocase(t, tn, "response"))
        return WANT_RESPONSE;
    if (eq_nocase(t, tn, "resource")) {
        /* wget keeps its own log and arguments as metadata:// resources */
        if (h->uri.off != FLD_NONE && h->uri.len >= 10 &&
            (strncasecmp(rec + h->uri.off, "metadata:", 9) == 0 ||
             strncasecmp(rec + h->uri.off, "<metadata:", 10) == 0))
            return WANT_NONE;
        if (ct && media_is_html(ct, cn))
            return WANT_HTML;
        if (ct && media_is(ct, cn, "text/plain", NULL))
            return WANT_TEXT;
        return WANT_NONE;
    }
    if (eq_nocase(t, tn, "conversion"))
        return !ct || media_is(ct, cn, "text/plain", NULL) ? WANT_TEXT : WANT_NONE;
    return WANT_NONE; /* warcinfo, request, metadata, revisit, continuation, WAT records */
}

/* After a bad record whose block does not end where its Content-Length says: skips to the
 * next "WARC/" line after its header, naming what was skipped (file, offsets, bytes).
 * Returns 1 (go on), 0 (the end of the input) or a negative error. */
static int skip_bad_block(warc *w, const rec_hdr *h, const char *why)
{
    const uint64_t from = offset_of(w, w->pos);
    char what[sizeof w->why];
    int rc = resync(w, h->hlen);
    if (rc < 0)
        return input_failed(w, rc);
    if (rc == 1)
        snprintf(what, sizeof what, "%s; skipped %llu bytes to the next record at byte %llu", why,
                 (unsigned long long)(offset_of(w, w->pos) - from),
                 (unsigned long long)offset_of(w, w->pos));
    else
        snprintf(what, sizeof what, "%s; skipped %llu bytes to the end of the file", why,
                 (unsigned long long)(offset_of(w, w->pos) - from));
    {
        int brc = bad_record(w, "%s", what);
        return brc < 0 ? brc : rc;
    }
}

/* Reads the record at buf[pos..] whose block (at most BLOCK_MAX) fits in memory, checks
 * that it ends where its Content-Length says - followed by line ends and the next record or
 * the end of the input - and hands it on. A block that runs past the end of the file or
 * into the next record is a bad record, and reading goes on at the next "WARC/" line after
 * its header, so that one wrong length costs one record. Returns 1, 0 at the end, or a
 * negative error. */
static int read_block(warc *w, const rec_hdr *h)
{
    const enum want want = wanted(w->buf + w->pos, h);
    const uint64_t total = (uint64_t)h->hlen + h->clen;
    char why[256];
    ptrdiff_t tr;
    int rc = fill(w, (size_t)total + 4);

    if (rc < 0)
        return input_failed(w, rc);
    if (w->end - w->pos < total) {
        snprintf(why, sizeof why,
                 "Content-Length %llu runs past the end of the file (%llu bytes there)",
                 (unsigned long long)h->clen, (unsigned long long)(w->end - w->pos - h->hlen));
        return skip_bad_block(w, h, why);
    }
    tr = trailer(w, (size_t)total);
    if (tr < 0) {
        /* The length is wrong: the block is cut or runs into what follows. */
        snprintf(why, sizeof why,
                 "block of Content-Length %llu not followed by an empty line at byte %llu",
                 (unsigned long long)h->clen,
                 (unsigned long long)offset_of(w, w->pos + (size_t)total));
        return skip_bad_block(w, h, why);
    }
    {
        /* Line ends that happen to sit where a too long block ends must not hide the records
         * it swallowed: unless the next record (as far as read) or the end follows, look
         * inside. */
        const char *next = w->buf + w->pos + (size_t)total + (size_t)tr;
        size_t left = (size_t)(w->buf + w->end - next), k = left < 6 ? left : 6;
        if ((left > 0 || !w->eof) &&
            !(memcmp(next, "WARC/", k < 5 ? k : 5) == 0 && (k < 6 || is_digit(next[5]))) &&
            hides_record(w->buf + w->pos + h->hlen, (size_t)h->clen)) {
            snprintf(why, sizeof why,
                     "block of Content-Length %llu runs into the next record (not followed by "
                     "one at byte %llu)",
                     (unsigned long long)h->clen, (unsigned long long)offset_of(w, next - w->buf));
            return skip_bad_block(w, h, why);
        }
    }
    {
        char *rec = w->buf + w->pos, *blk = rec + h->hlen;
        size_t n = (size_t)h->clen;
        switch (want) {
        case WANT_RESPONSE:
            rc = do_response(w, rec, h, blk, n);
            break;
        case WANT_HTML:
            rc = emit_html(w, rec, h, blk, n, NULL, (fld){FLD_NONE, 0});
            break;
        case WANT_TEXT:
            rc = emit(w, rec, h, blk, n, NULL, NULL, NULL, (fld){FLD_NONE, 0});
            break;
        case WANT_NONE:
            skipped(w, NULL, "not a page (record type or content type)");
            rc = 0;
            break;
        }
    }
    if (rc < 0)
        return rc;
    w->pos += (size_t)total + (size_t)tr;
    return 1;
}

/* Reads, checks and hands on the record at buf[pos..]: 1 after a record, 0 at the end of
 * the input, or a negative error. */
static int next_record(warc *w)
{
    rec_hdr h;
    enum want want;
    uint64_t total;
    ptrdiff_t tr;
    int large = 0, rc = read_header(w, &h);

    if (rc < 0)
        return input_failed(w, rc);
    if (rc == HDR_END)
        return 0;
    if (rc == HDR_TRUNC)
        return truncated(w, "inside its header");
    if (rc == HDR_BAD) {
        rc = bad_record(w, "%s", w->why);
        if (rc < 0)
            return rc;
        rc = resync(w, 1);
        return rc < 0 ? input_failed(w, rc) : 1;
    }
    if (h.clen <= BLOCK_MAX)
        return read_block(w, &h);

    want = wanted(w->buf + w->pos, &h);
    total = (uint64_t)h.hlen + h.clen;
    if (want == WANT_RESPONSE && h.clen > BLOCK_MAX) {
        /* Too large to hold: look at its HTTP header to tell a large page from a video. */
        http_hdr hh;
        size_t peek = HEADER_MAX;
        rc = fill(w, h.hlen + peek);
        if (rc < 0)
            return input_failed(w, rc);
        if (parse_http(w->buf + w->pos + h.hlen, w->end - w->pos - h.hlen, &hh) &&
            hh.status >= 200 && hh.status <= 299 && hh.ctype.off != FLD_NONE &&
            media_is_html(w->buf + w->pos + h.hlen + hh.ctype.off, hh.ctype.len))
            large = 1;
        want = WANT_NONE;
    } else if (want != WANT_NONE && h.clen > BLOCK_MAX) {
        large = 1;
        want = WANT_NONE;
    }

    if (want == WANT_NONE) {
        rc = skip_bytes(w, total);
        if (rc < 0)
            return input_failed(w, rc);
        if (rc == 0) {
            char what[128];
            snprintf(what, sizeof what, "inside its block (Content-Length %llu)",
                     (unsigned long long)h.clen);
            return truncated(w, what);
        }
        rc = fill(w, 4);
        if (rc < 0)
            return input_failed(w, rc);
        tr = trailer(w, 0);
        if (tr < 0) {
            rc = bad_record(
                w, "block of Content-Length %llu not followed by an empty line at byte %llu",
                (unsigned long long)h.clen, (unsigned long long)offset_of(w, w->pos));
            if (rc < 0)
                return rc;
            rc = resync(w, 1);
            return rc < 0 ? input_failed(w, rc) : 1;
        }
        skipped(w, large ? &w->st->skipped_large : NULL,
                large ? "block larger than 64 MiB" : "not a page (record type or content type)");
        w->pos += (size_t)tr;
        return 1;
    }

    return 1; /* not reached: a block over BLOCK_MAX is skipped above */
}

int pv_warc__read(const char *path, const pv_reader_opts *o, const pv_sink *sink,
                  pv_reader_stats *st, pv_err *err)
{
    warc w;
    pv_err local = {0};
    int rc;

    memset(&w, 0, sizeof w);
    w.path = path;
    w.o = o;
    w.sink = sink;
    w.st = st;
    w.err = err ? err : &local;
    w.err->code = 0;
    w.payload = (pv_buf)PV_BUF_INIT(PAYLOAD_MAX);
    w.text = (pv_buf)PV_BUF_INIT(TEXT_MAX);
    w.strs = (pv_buf)PV_BUF_INIT(STRINGS_MAX);

    rc = pv_input__open(path, &w.in, w.err);
    if (rc < 0)
        goto done;
    st->bytes_total += pv_input__size(w.in);
    if (strcmp(pv_input__codec(w.in), "gzip") == 0)
        w.stream = " of the decompressed gzip stream";
    else if (strcmp(pv_input__codec(w.in), "zstd") == 0)
        w.stream = " of the decompressed zstd stream";
    else
        w.stream = "";

    {
        uint64_t last = 0;
        for (;;) {
            uint64_t now;
            rc = next_record(&w);
            now = pv_input__offset(w.in);
            st->bytes_in += now - last;
            last = now;
            if (rc <= 0)
                break;
        }
    }
done:
    if (w.zs_init)
        inflateEnd(&w.zs);
    pv_input__close(w.in);
    free(w.buf);
    pv_buf__free(&w.payload);
    pv_buf__free(&w.text);
    pv_buf__free(&w.strs);
    return rc < 0 ? rc : 0;
}

int pv_warc__sniff(const char *head, size_t n)
{
    size_t i = 0;
    if (n >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < n && (head[i] == '\r' || head[i] == '\n'))
        i++;
    return n - i >= 6 && memcmp(head + i, "WARC/", 5) == 0 && is_digit(head[i + 5]);
}
