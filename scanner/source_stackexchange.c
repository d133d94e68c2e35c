/*
 * source_stackexchange.c - the Stack Exchange dump reader: a folder or a .7z holding Posts.xml,
 * Users.xml and PostHistory.xml, streamed with expat; every question and answer becomes a
 * document with its author (original author when PostHistory says), date, license and URL.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <expat.h>

#include "common_int.h"
#include "source.h"

/* Bytes read and handed to expat at a time. */
#define CHUNK ((size_t)256 << 10)

/* No row may span more input than this: expat keeps a whole start tag in memory. */
#define ROW_MAX ((uint64_t)16 << 20)

/* Documents longer than this are skipped even without max_doc_size. */
#define TEXT_MAX ((size_t)256 << 20)

/* The PostHistory window: initial revisions are read this many post ids ahead of the post
 * being read (history and posts are both in id order, give or take), and at most
 * HIST_MAX_ENTRIES posts ahead are remembered. */
#define HIST_AHEAD 4096
#define HIST_MAX_ENTRIES ((size_t)1 << 20)

/* Memory for the user names when the options give none. */
#define DEFAULT_MEMORY ((size_t)256 << 20)

#define NO_ID INT64_MIN

static const char magic_7z[6] = {'7', 'z', (char)0xBC, (char)0xAF, 0x27, 0x1C};

/* ---- where the dump's files are ---------------------------------------------------------- */

/* One XML file of the dump: a plain (maybe gzip or zstd) file, or an entry of an archive. */
typedef struct xml_loc {
    char *archive; /* archive path, or NULL */
    char *file;    /* file path, or the entry's path inside the archive; NULL when absent */
    char *label;   /* how messages name it: "dir/Posts.xml" or "dump.7z:Posts.xml" */
} xml_loc;

/* A byte stream of one located file. */
typedef struct xstream {
    pv_input *in;
    struct archive *ar;
    const char *archive; /* borrowed from the xml_loc */
    const char *label;
} xstream;

/* ---- the reader's state ------------------------------------------------------------------ */

typedef struct user_ent {
    int32_t id;
    uint32_t name; /* offset of the NUL-terminated name in the arena */
} user_ent;

/* The first revision of one post, from PostHistory. */
typedef struct hist_ent {
    int64_t post; /* NO_ID for an empty slot */
    int64_t user; /* NO_ID when the revision names no user id */
    char *name;   /* UserDisplayName, or NULL */
} hist_ent;

typedef struct xml_file xml_file;

typedef struct se_reader {
    const pv_reader_opts *o;
    const pv_sink *sink;
    pv_reader_stats *st;
    pv_err *err;
    int rc; /* the first fatal error; parsing stops */

    char site[256];
    char source_name[272];

    /* Users: id -> display name, sorted by id after the Users pass. */
    user_ent *users;
    size_t nusers, users_cap;
    pv_buf names;
    int users_sorted;
    int users_full; /* over the memory limit: later users keep only their id */
    size_t memory;

    /* PostHistory window (open addressing, linear probing). */
    xml_file *hist;
    hist_ent *hv;
    size_t hcap, hcount;
    int64_t hist_max;   /* largest PostId seen in PostHistory */
    int64_t hist_floor; /* the post being read: entries below it are stale */
    int hist_off;       /* window full or history done: no more reading */
    int hist_full;      /* the window is full: the rest of PostHistory is ignored */

    /* Per-document buffers, reused. */
    pv_buf text;
    pv_err herr;
    char locator[320];
    char idbuf[24];
} se_reader;

struct xml_file {
    XML_Parser p;
    xstream s;
    se_reader *r;
    void (*row)(xml_file *xf, const XML_Char **attrs);
    int depth;
    int done;
    int progress;         /* this is Posts: keeps st->bytes_in current */
    uint64_t since_event; /* bytes fed since the last element event */
    unsigned char *buf;   /* 2 * CHUNK + 4 bytes: the start of a line (or a cut UTF-8
                             sequence) carried over, then what was read */
    size_t carry;
    pv_buf fix; /* a chunk with invalid bytes replaced */
    /* Lines, for recovery and messages: the parser is fed whole lines while they fit, and
     * after a broken row a new parser starts at a line of the file (line_base lines in). */
    uint64_t lines_fed;  /* line ends fed so far, in the file */
    int at_start;        /* the next bytes fed start a line */
    uint64_t line_base;  /* lines of the file before the current parser's first */
    uint64_t event_line; /* the file's line of the last element event */
    char root[64];       /* the root element's name, to open again after a broken row */
    /* bytes replaced by U+FFFD: how many, and the file's line of the first */
    uint64_t replaced, replaced_line;
};

/* The file's line the parser is at. */
static unsigned long xf_line(const xml_file *xf)
{
    return (unsigned long)(xf->line_base + XML_GetCurrentLineNumber(xf->p));
}

/* ---- small parsers ----------------------------------------------------------------------- */

/* A decimal integer (optional '-') filling the whole string into *v; 0 when s is not one. */
static int parse_int(const char *s, int64_t *v)
{
    int neg = 0;
    uint64_t x = 0;
    if (*s == '-') {
        neg = 1;
        s++;
    }
    if (!*s)
        return 0;
    for (; *s; s++) {
        unsigned d = (unsigned)(unsigned char)*s - '0';
        if (d > 9 || x > (UINT64_C(1) << 62) / 10)
            return 0;
        x = x * 10 + d;
    }
    *v = neg ? -(int64_t)x : (int64_t)x;
    return 1;
}

/* SPDX id of a ContentLicense value ("CC BY-SA 4.0" -> "CC-BY-SA-4.0"), or NULL. */
static const char *spdx_license(const char *cl, char *buf, size_t bufsz)
{
    size_t i, n;
    if (!cl)
        return NULL;
    if (!strcmp(cl, "CC BY-SA 4.0"))
        return "CC-BY-SA-4.0";
    if (!strcmp(cl, "CC BY-SA 3.0"))
        return "CC-BY-SA-3.0";
    if (!strcmp(cl, "CC BY-SA 2.5"))
        return "CC-BY-SA-2.5";
    /* Other Creative Commons names map the same way: spaces become hyphens. */
    n = strlen(cl);
    if (n < 4 || n >= bufsz || strncmp(cl, "CC ", 3) != 0)
        return NULL;
    for (i = 0; i < n; i++) {
        char c = cl[i];
        if (c == ' ')
            c = '-';
        else if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-'))
            return NULL;
        buf[i] = c;
    }
    buf[n] = '\0';
    return buf;
}

/* ---- diagnostics ------------------------------------------------------------------------- */

static void stop(xml_file *xf)
{
    XML_StopParser(xf->p, XML_FALSE);
}

/* A fatal error: keep the first, stop the parser. */
static void fatal(xml_file *xf, int rc)
{
    se_reader *r = xf->r;
    if (!r->rc)
        r->rc = rc;
    stop(xf);
}

/* A malformed row, by the readers' one policy (pv_source__bad): skipped and counted, or with
 * strict the end of reading. */
static void bad_row(xml_file *xf, const char *fmt, ...) PV_PRINTF(2, 3);
static void bad_row(xml_file *xf, const char *fmt, ...)
{
    se_reader *r = xf->r;
    char what[512];
    va_list ap;
    unsigned long line = xf_line(xf);

    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (pv_source__bad(r->o, r->st, r->err, "%s: line %lu: %s", xf->s.label, line, what))
        fatal(xf, PV_EFORMAT);
}

/* ---- byte streams ------------------------------------------------------------------------ */

/* A failed libarchive call: the archive is cut short or damaged (its 7z end header lost, an
 * LZMA stream that does not decode). */
static int archive_fail(struct archive *ar, const char *path, pv_err *err)
{
    const char *msg = archive_error_string(ar);
    struct stat sb;
    long long size = stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
    return pv_err__set(err, PV_EFORMAT,
                       "'%s': truncated or corrupt archive at offset %lld of %lld bytes: %s", path,
                       (long long)archive_filter_bytes(ar, -1), size,
                       msg ? msg : "its headers cannot be read");
}

static int open_archive(const char *path, struct archive **out, pv_err *err)
{
    struct archive *ar = archive_read_new();
    *out = NULL;
    if (!ar)
        return pv_err__set(err, PV_ENOMEM, "out of memory opening '%s'", path);
    archive_read_support_format_7zip(ar);
    archive_read_support_filter_all(ar);
    if (archive_read_open_filename(ar, path, CHUNK) != ARCHIVE_OK) {
        int e = archive_errno(ar);
        int rc = e == ENOENT || e == EACCES ? pv_err__set(err, PV_EIO, "cannot open '%s': %s", path,
                                                          archive_error_string(ar))
                                            : archive_fail(ar, path, err);
        archive_read_free(ar);
        return rc;
    }
    *out = ar;
    return 0;
}

static int xs_open(xstream *s, const xml_loc *loc, pv_err *err)
{
    struct archive_entry *e;
    int rc, r;

    memset(s, 0, sizeof *s);
    s->label = loc->label;
    s->archive = loc->archive;
    if (!loc->archive)
        return pv_input__open(loc->file, &s->in, err);
    rc = open_archive(loc->archive, &s->ar, err);
    if (rc)
        return rc;
    while ((r = archive_read_next_header(s->ar, &e)) == ARCHIVE_OK) {
        const char *name = archive_entry_pathname(e);
        if (name && !strcmp(name, loc->file))
            return 0;
    }
    if (r == ARCHIVE_EOF)
        return pv_err__set(err, PV_EFORMAT, "'%s': no '%s' in the archive", loc->archive,
                           loc->file);
    return archive_fail(s->ar, loc->archive, err);
}

static ptrdiff_t xs_read(xstream *s, void *buf, size_t n, pv_err *err)
{
    la_ssize_t k;
    if (s->in)
        return pv_input__read(s->in, buf, n, err);
    k = archive_read_data(s->ar, buf, n);
    if (k < 0)
        return archive_fail(s->ar, s->archive, err);
    return (ptrdiff_t)k;
}

static void xs_close(xstream *s)
{
    pv_input__close(s->in);
    if (s->ar)
        archive_read_free(s->ar);
    s->in = NULL;
    s->ar = NULL;
}

/* ---- XML: one file, parsed a chunk at a time -------------------------------------------- */

/* Length of the valid XML character encoded at s[0, n) (1-4); 0 when it is invalid UTF-8
 * or a character XML forbids; -1 when n cuts a sequence that may still be valid. */
static int xml_char_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0], lo = 0x80, hi = 0xBF;
    size_t need, i;
    if (c < 0x80)
        return c >= 0x20 || c == '\t' || c == '\n' || c == '\r';
    if (c < 0xC2 || c > 0xF4)
        return 0;
    need = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (c == 0xE0)
        lo = 0xA0;
    else if (c == 0xED)
        hi = 0x9F; /* no UTF-16 surrogates */
    else if (c == 0xF0)
        lo = 0x90;
    else if (c == 0xF4)
        hi = 0x8F;
    for (i = 1; i < need; i++) {
        if (i >= n)
            return -1;
        if (s[i] < (i == 1 ? lo : 0x80) || s[i] > (i == 1 ? hi : 0xBF))
            return 0;
    }
    if (c == 0xEF && s[1] == 0xBF && s[2] >= 0xBE) /* U+FFFE, U+FFFF */
        return 0;
    return (int)need;
}

static uint64_t count_lines(const unsigned char *s, size_t n)
{
    const unsigned char *p = s, *e = s + n;
    uint64_t k = 0;
    while (p < e && (p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
        p++;
        k++;
    }
    return k;
}

static void XMLCALL on_start(void *ctx, const XML_Char *name, const XML_Char **attrs);
static void XMLCALL on_end(void *ctx, const XML_Char *name);

/* A new parser that goes on at the file's line `line`, inside the root element opened
 * again (its name, without attributes), so that the rows after a broken one are read. */
static int xf_restart(xml_file *xf, uint64_t line)
{
    char open[sizeof xf->root + 2];
    if (XML_ParserReset(xf->p, "UTF-8") != XML_TRUE)
        return pv_err__set(xf->r->err, PV_ENOMEM, "%s: out of memory", xf->s.label);
    XML_SetUserData(xf->p, xf);
    XML_SetElementHandler(xf->p, on_start, on_end);
    xf->depth = 0;
    xf->line_base = line - 1; /* "<root>" sits at the start of the parser's line 1 */
    xf->event_line = line - 1;
    snprintf(open, sizeof open, "<%s>", xf->root);
    if (XML_Parse(xf->p, open, (int)strlen(open), 0) == XML_STATUS_ERROR)
        return pv_err__set(xf->r->err, PV_EFORMAT, "%s: cannot read on after line %llu",
                           xf->s.label, (unsigned long long)line);
    return 0;
}

/* Parses s[0, n), which starts at the file's line lines_fed + 1 (at a line start when
 * at_start). XML that breaks inside a row costs that row: it is named and counted as a bad
 * row, and a new parser goes on at the next line that can start a row (dump rows are one
 * per line). Broken XML before the root element is the error. */
static int parse(xml_file *xf, const char *s, size_t n, int final, int at_start)
{
    se_reader *r = xf->r;
    while (XML_Parse(xf->p, s, (int)n, final) == XML_STATUS_ERROR) {
        const uint64_t first = xf->lines_fed + 1;
        const unsigned long line = xf_line(xf);
        const unsigned long col = (unsigned long)XML_GetCurrentColumnNumber(xf->p) + 1;
        const char *what = XML_ErrorString(XML_GetErrorCode(xf->p));
        uint64_t from = xf->event_line + 1 < line ? xf->event_line + 1 : line, go_on, k;
        const char *p = s, *e = s + n;
        int rc;

        if (r->rc)
            return r->rc;
        if (!xf->root[0] || line < first)
            return pv_err__set(r->err, PV_EFORMAT, "%s: line %lu, column %lu: %s", xf->s.label,
                               line, col, what);
        /* A row left open breaks where the next row starts: go on at that line. A row
         * broken on its own line: go on after it. */
        go_on = line > xf->event_line + 1 && (line > first || at_start) ? line : line + 1;
        for (k = first; k < go_on && p < e; k++) {
            const char *nl = memchr(p, '\n', (size_t)(e - p));
            p = nl ? nl + 1 : e;
        }
        r->st->records++;
        if (final && p == e && xf->depth <= 1 && from == line && go_on == line + 1 &&
            XML_GetErrorCode(xf->p) == XML_ERROR_NO_ELEMENTS)
            r->st->records--; /* only the root's end is missing: no row is lost */
        else if (pv_source__bad(r->o, r->st, r->err,
                                "%s: line %lu, column %lu: %s; skipped line%s %llu%s%.0llu, "
                                "reading goes on at line %llu",
                                xf->s.label, line, col, what, from + 1 < go_on ? "s" : "",
                                (unsigned long long)from, from + 1 < go_on ? " to " : "",
                                (unsigned long long)(from + 1 < go_on ? go_on - 1 : 0),
                                (unsigned long long)go_on) != 0)
            return PV_EFORMAT;
        xf->lines_fed += count_lines((const unsigned char *)s, (size_t)(p - s));
        if (final && p == e)
            return 0; /* nothing left to read */
        if ((rc = xf_restart(xf, xf->lines_fed + 1)) != 0)
            return rc;
        n = (size_t)(e - p);
        s = p;
        at_start = 1;
    }
    xf->lines_fed += count_lines((const unsigned char *)s, n);
    return r->rc;
}

/* Hand s[0, n) to expat, every byte expat would refuse (invalid UTF-8, control characters)
 * replaced by U+FFFD so that a bad byte costs one character, not the rest of the file; the
 * replacements are counted and the first one's line kept (one message per file). Unless
 * final, a sequence cut by the end is kept back: *kept receives its length. */
static int feed(xml_file *xf, const unsigned char *s, size_t n, int final, int at_start,
                size_t *kept)
{
    const uint64_t hi = UINT64_C(0x8080808080808080), sp = UINT64_C(0x2020202020202020);
    size_t i = 0, run = 0;
    int fixed = 0, rc;

    xf->fix.len = 0;
    *kept = 0;
    while (i < n) {
        int l;
        while (i + 8 <= n) {
            uint64_t x;
            memcpy(&x, s + i, 8);
            if (((x - sp) | x) & hi) /* a byte >= 0x80 or < 0x20 in these eight */
                break;
            i += 8;
        }
        if (i >= n)
            break;
        if (s[i] >= 0x20 && s[i] < 0x80) {
            i++;
            continue;
        }
        l = xml_char_len(s + i, n - i);
        if (l > 0) {
            i += (size_t)l;
            continue;
        }
        if (l < 0 && !final) {
            *kept = n - i;
            break;
        }
        if (pv_buf__append(&xf->fix, s + run, i - run) ||
            pv_buf__append(&xf->fix, "\xEF\xBF\xBD", 3))
            return pv_err__set(xf->r->err, PV_ENOMEM, "%s: out of memory", xf->s.label);
        if (xf->replaced++ == 0)
            xf->replaced_line = xf->lines_fed + 1 + count_lines(s, i);
        xf->r->st->replaced++;
        fixed = 1;
        run = ++i;
    }
    n -= *kept;
    if (fixed) {
        if (pv_buf__append(&xf->fix, s + run, n - run))
            return pv_err__set(xf->r->err, PV_ENOMEM, "%s: out of memory", xf->s.label);
        s = (const unsigned char *)xf->fix.data;
        n = xf->fix.len;
    }
    xf->since_event += n;
    if ((rc = parse(xf, (const char *)s, n, final, at_start)) != 0)
        return rc;
    if (xf->since_event > ROW_MAX)
        return pv_err__set(xf->r->err, PV_ELIMIT, "%s: line %lu: a row longer than %llu MiB",
                           xf->s.label, xf_line(xf), (unsigned long long)(ROW_MAX >> 20));
    return 0;
}

static void XMLCALL on_start(void *ctx, const XML_Char *name, const XML_Char **attrs)
{
    xml_file *xf = ctx;
    xf->since_event = 0;
    xf->event_line = xf_line(xf);
    if (++xf->depth == 1 && !xf->root[0] && strlen(name) < sizeof xf->root)
        strcpy(xf->root, name);
    if (xf->depth == 2 && !strcmp(name, "row"))
        xf->row(xf, attrs);
}

static void XMLCALL on_end(void *ctx, const XML_Char *name)
{
    xml_file *xf = ctx;
    (void)name;
    xf->since_event = 0;
    xf->event_line = xf_line(xf);
    xf->depth--;
}

static int xf_open(xml_file *xf, se_reader *r, const xml_loc *loc,
                   void (*row)(xml_file *, const XML_Char **))
{
    int rc;
    memset(xf, 0, sizeof *xf);
    xf->r = r;
    xf->row = row;
    xf->fix.limit = CHUNK * 6 + 16;
    xf->at_start = 1;
    rc = xs_open(&xf->s, loc, r->err);
    if (rc)
        return rc;
    xf->buf = malloc(2 * CHUNK + 4);
    /* The dumps are UTF-8; forcing it keeps a stray encoding declaration from mattering. */
    xf->p = XML_ParserCreate("UTF-8");
    if (!xf->buf || !xf->p)
        return pv_err__set(r->err, PV_ENOMEM, "%s: out of memory", loc->label);
    XML_SetUserData(xf->p, xf);
    XML_SetElementHandler(xf->p, on_start, on_end);
    return 0;
}

/* Read and parse one chunk. Returns 1 while there is more, 0 at the end of the file, or a
 * negative pv_error (err filled in). */
static int xf_step(xml_file *xf)
{
    ptrdiff_t n;
    size_t kept;
    int rc;

    if (xf->done)
        return 0;
    n = xs_read(&xf->s, xf->buf + xf->carry, CHUNK, xf->r->err);
    if (n < 0)
        return (int)n;
    if (xf->progress)
        xf->r->st->bytes_in =
            xf->s.in ? pv_input__offset(xf->s.in) : (uint64_t)archive_filter_bytes(xf->s.ar, -1);
    if (n == 0) {
        xf->done = 1;
        rc = feed(xf, xf->buf, xf->carry, 1, xf->at_start, &kept);
        if (rc == 0 && xf->replaced)
            pv_source__diag(xf->r->o, PV_WARNING,
                            "%s: line %llu: invalid UTF-8 replaced by U+FFFD (%llu in this file)",
                            xf->s.label, (unsigned long long)xf->replaced_line,
                            (unsigned long long)xf->replaced);
        return rc;
    }
    {
        /* whole lines while they fit (a broken row is then found again at a line start); a
         * line longer than a chunk goes in pieces */
        size_t len = xf->carry + (size_t)n, upto = len;
        const unsigned char *nl = NULL;
        int at_start = xf->at_start;
        while (upto > xf->carry && xf->buf[upto - 1] != '\n') /* no line end in the carry */
            upto--;
        if (upto > xf->carry)
            nl = xf->buf + upto - 1;
        else
            upto = len;
        rc = feed(xf, xf->buf, upto, 0, at_start, &kept);
        if (rc)
            return rc;
        kept += len - upto;
        xf->at_start = nl != NULL && kept == len - upto;
        memmove(xf->buf, xf->buf + len - kept, kept);
        xf->carry = kept;
    }
    return 1;
}

static int xf_run(xml_file *xf)
{
    int rc;
    while ((rc = xf_step(xf)) > 0)
        ;
    return rc;
}

static void xf_close(xml_file *xf)
{
    if (xf->p)
        XML_ParserFree(xf->p);
    xs_close(&xf->s);
    free(xf->buf);
    pv_buf__free(&xf->fix);
    memset(xf, 0, sizeof *xf);
}

/* ---- Users.xml: id -> display name ------------------------------------------------------ */

static void users_row(xml_file *xf, const XML_Char **a)
{
    se_reader *r = xf->r;
    const char *id = NULL, *name = NULL;
    int64_t v;
    size_t need;

    for (; *a; a += 2) {
        if (!strcmp(a[0], "Id"))
            id = a[1];
        else if (!strcmp(a[0], "DisplayName"))
            name = a[1];
    }
    if (!id || !parse_int(id, &v) || v < INT32_MIN || v > INT32_MAX) {
        r->st->records++;
        if (!id)
            bad_row(xf, "user without an Id");
        else
            bad_row(xf, "bad user Id '%.40s'", id);
        return;
    }
    if (!name || r->users_full)
        return;
    need = (r->nusers + 1) * sizeof(user_ent) + r->names.len + strlen(name) + 1;
    if (need > r->memory || r->names.len + strlen(name) + 1 > UINT32_MAX) {
        r->users_full = 1;
        if (r->o->strict) {
            pv_err__set(r->err, PV_ELIMIT,
                        "%s: user names exceed the memory limit (%zu MiB) after %zu users",
                        xf->s.label, r->memory >> 20, r->nusers);
            fatal(xf, PV_ELIMIT);
            return;
        }
        pv_source__diag(
            r->o, PV_WARNING,
            "%s: user names exceed the memory limit (%zu MiB) after %zu users; later users are "
            "credited by id only (raise --memory)",
            xf->s.label, r->memory >> 20, r->nusers);
        return;
    }
    if (r->nusers == r->users_cap &&
        pv_array__grow((void **)&r->users, &r->users_cap, r->nusers + 1, sizeof(user_ent))) {
        pv_err__set(r->err, PV_ENOMEM, "%s: out of memory", xf->s.label);
        fatal(xf, PV_ENOMEM);
        return;
    }
    if (r->nusers && r->users[r->nusers - 1].id >= (int32_t)v)
        r->users_sorted = 0;
    r->users[r->nusers].id = (int32_t)v;
    r->users[r->nusers].name = (uint32_t)r->names.len;
    if (pv_buf__append(&r->names, name, strlen(name) + 1)) {
        pv_err__set(r->err, PV_ENOMEM, "%s: out of memory", xf->s.label);
        fatal(xf, PV_ENOMEM);
        return;
    }
    r->nusers++;
}

static int user_cmp(const void *a, const void *b)
{
    const user_ent *x = a, *y = b;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return x->name < y->name ? -1 : x->name > y->name;
}

/* The display name of user id, or NULL. */
static const char *user_name(const se_reader *r, int64_t id)
{
    size_t lo = 0, hi = r->nusers;
    if (id < INT32_MIN || id > INT32_MAX)
        return NULL;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->users[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < r->nusers && r->users[lo].id == id)
        return r->names.data + r->users[lo].name;
    return NULL;
}

static int read_users(se_reader *r, const xml_loc *loc)
{
    xml_file xf;
    int rc;
    r->users_sorted = 1;
    rc = xf_open(&xf, r, loc, users_row);
    if (!rc)
        rc = xf_run(&xf);
    xf_close(&xf);
    if (rc)
        return rc;
    if (!r->users_sorted) { /* equal ids: the first row wins (the sort keeps arena order) */
        size_t i, o = 0;
        qsort(r->users, r->nusers, sizeof *r->users, user_cmp);
        for (i = 0; i < r->nusers; i++)
            if (!o || r->users[o - 1].id != r->users[i].id)
                r->users[o++] = r->users[i];
        r->nusers = o;
    }
    return 0;
}

/* ---- PostHistory.xml: who wrote each post's first revision ------------------------------ */

static size_t hist_slot(const se_reader *r, int64_t post)
{
    return (size_t)pv_mix64((uint64_t)post) & (r->hcap - 1);
}

static hist_ent *hist_find(const se_reader *r, int64_t post)
{
    size_t i;
    if (!r->hcap)
        return NULL;
    for (i = hist_slot(r, post);; i = (i + 1) & (r->hcap - 1)) {
        if (r->hv[i].post == post)
            return &r->hv[i];
        if (r->hv[i].post == NO_ID)
            return NULL;
    }
}

/* Rebuild the table with cap slots, dropping the posts before the floor. */
static int hist_rebuild(se_reader *r, size_t cap)
{
    hist_ent *nv = malloc(cap * sizeof *nv);
    size_t i, j;
    if (!nv)
        return PV_ENOMEM;
    for (i = 0; i < cap; i++)
        nv[i].post = NO_ID;
    for (i = 0; i < r->hcap; i++) {
        hist_ent *e = &r->hv[i];
        if (e->post == NO_ID)
            continue;
        if (e->post < r->hist_floor) {
            free(e->name);
            r->hcount--;
            continue;
        }
        for (j = (size_t)pv_mix64((uint64_t)e->post) & (cap - 1); nv[j].post != NO_ID;
             j = (j + 1) & (cap - 1))
            ;
        nv[j] = *e;
    }
    free(r->hv);
    r->hv = nv;
    r->hcap = cap;
    return 0;
}

static void hist_row(xml_file *xf, const XML_Char **a)
{
    se_reader *r = xf->r;
    const char *type = NULL, *post = NULL, *user = NULL, *uname = NULL;
    int64_t t, pid, uid = NO_ID;
    hist_ent *e;
    size_t i;

    for (; *a; a += 2) {
        const char *k = a[0];
        if (k[0] == 'P' && !strcmp(k, "PostHistoryTypeId"))
            type = a[1];
        else if (k[0] == 'P' && !strcmp(k, "PostId"))
            post = a[1];
        else if (k[0] == 'U' && !strcmp(k, "UserId"))
            user = a[1];
        else if (k[0] == 'U' && !strcmp(k, "UserDisplayName"))
            uname = a[1];
    }
    if (r->hist_full)
        return;
    if (!type || !parse_int(type, &t)) {
        r->st->records++;
        bad_row(xf, "bad PostHistoryTypeId '%.40s'", type ? type : "");
        return;
    }
    if (!post || !parse_int(post, &pid)) {
        r->st->records++;
        bad_row(xf, "bad PostId '%.40s'", post ? post : "");
        return;
    }
    if (user && !parse_int(user, &uid)) {
        r->st->records++;
        bad_row(xf, "post %lld: bad UserId '%.40s'", (long long)pid, user);
        return;
    }
    if (pid > r->hist_max)
        r->hist_max = pid;
    if (t < 1 || t > 3 || pid < r->hist_floor || pid == NO_ID)
        return;
    if (hist_find(r, pid)) /* the initial title, body and tags share one author */
        return;
    if ((r->hcount + 1) * 2 > r->hcap) {
        size_t cap = r->hcap ? r->hcap : 1024;
        int rc = r->hcap ? hist_rebuild(r, r->hcap) : 0; /* drop the posts already read */
        if (!rc && (r->hcount + 1) * 4 > cap)
            cap *= 2;
        if (!rc && cap / 2 > HIST_MAX_ENTRIES) {
            /* PostHistory runs too far ahead of Posts (they are not in the same order) */
            r->hist_full = r->hist_off = 1;
            pv_source__diag(
                r->o, PV_WARNING,
                "%s: line %lu: over %zu posts ahead of Posts.xml; later posts are credited to "
                "their owner",
                xf->s.label, xf_line(xf), HIST_MAX_ENTRIES);
            return;
        }
        if (!rc && cap != r->hcap)
            rc = hist_rebuild(r, cap);
        if (rc) {
            pv_err__set(r->err, rc, "%s: out of memory", xf->s.label);
            fatal(xf, rc);
            return;
        }
    }
    for (i = hist_slot(r, pid); r->hv[i].post != NO_ID; i = (i + 1) & (r->hcap - 1))
        ;
    e = &r->hv[i];
    e->post = pid;
    e->user = uid;
    e->name = NULL;
    if (uname && *uname && !(e->name = strdup(uname))) {
        e->post = NO_ID;
        pv_err__set(r->err, PV_ENOMEM, "%s: out of memory", xf->s.label);
        fatal(xf, PV_ENOMEM);
        return;
    }
    r->hcount++;
}

/* Read PostHistory until it is past post id (by HIST_AHEAD ids). Returns 0 or a pv_error. */
static int hist_advance(se_reader *r, int64_t post)
{
    r->hist_floor = post;
    while (!r->hist_off && r->hist_max <= post + HIST_AHEAD) {
        int rc = xf_step(r->hist);
        if (rc < 0)
            return rc;
        if (rc == 0)
            r->hist_off = 1;
    }
    return 0;
}

/* ---- Posts.xml: the documents ------------------------------------------------------------ */

static int is_blank(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\n' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

static void posts_row(xml_file *xf, const XML_Char **a)
{
    se_reader *r = xf->r;
    const char *id = NULL, *type = NULL, *date = NULL, *body = NULL, *owner = NULL;
    const char *owner_name = NULL, *title = NULL, *cl = NULL;
    int64_t pid, t, uid = NO_ID, when = PV_DATE_UNKNOWN;
    char licbuf[64];
    pv_doc_in d;
    int rc;

    for (; *a; a += 2) {
        const char *k = a[0];
        switch (k[0]) {
        case 'I':
            if (!strcmp(k, "Id"))
                id = a[1];
            break;
        case 'P':
            if (!strcmp(k, "PostTypeId"))
                type = a[1];
            break;
        case 'C':
            if (!strcmp(k, "CreationDate"))
                date = a[1];
            else if (!strcmp(k, "ContentLicense"))
                cl = a[1];
            break;
        case 'B':
            if (!strcmp(k, "Body"))
                body = a[1];
            break;
        case 'O':
            if (!strcmp(k, "OwnerUserId"))
                owner = a[1];
            else if (!strcmp(k, "OwnerDisplayName"))
                owner_name = a[1];
            break;
        case 'T':
            if (!strcmp(k, "Title"))
                title = a[1];
            break;
        default:
            break;
        }
    }
    r->st->records++;
    if (!id) {
        bad_row(xf, "row without an Id");
        return;
    }
    if (!parse_int(id, &pid) || pid <= 0) {
        bad_row(xf, "bad Id '%.40s'", id);
        return;
    }
    if (!type || !parse_int(type, &t)) {
        bad_row(xf, "post %lld: bad PostTypeId '%.40s'", (long long)pid, type ? type : "");
        return;
    }
    if (t != 1 && t != 2) { /* wiki excerpts, tag wikis, moderator nominations... */
        pv_source__skip(r->o, r->st, NULL,
                        "%s: line %lu: post %lld skipped: PostTypeId %lld (not a question or "
                        "answer)",
                        xf->s.label, xf_line(xf), (long long)pid, (long long)t);
        return;
    }
    if (owner && !parse_int(owner, &uid)) {
        bad_row(xf, "post %lld: bad OwnerUserId '%.40s'", (long long)pid, owner);
        return;
    }
    if (date && (when = pv_date__parse(date)) == PV_DATE_UNKNOWN) {
        bad_row(xf, "post %lld: bad CreationDate '%.40s'", (long long)pid, date);
        return;
    }

    /* The text: the title and the body's HTML as text (<pre> keeps code's lines). */
    r->text.len = 0;
    if (t == 1 && title && *title &&
        (pv_buf__append(&r->text, title, strlen(title)) || pv_buf__append(&r->text, "\n\n", 2)))
        goto too_large;
    if (body && *body && !r->o->defer_html) {
        rc = pv_html__to_text(body, strlen(body), &r->text, NULL, &r->herr);
        if (rc == PV_ELIMIT || (rc == PV_ENOMEM && r->text.len + strlen(body) > TEXT_MAX))
            goto too_large;
        if (rc) {
            pv_err__set(r->err, rc, "%s: line %lu: post %lld: %s", xf->s.label, xf_line(xf),
                        (long long)pid, r->herr.msg);
            fatal(xf, rc);
            return;
        }
    }
    if (r->o->max_doc_size && r->text.len > r->o->max_doc_size)
        goto too_large;
    if (is_blank(r->text.data, r->text.len) && !(body && *body && r->o->defer_html)) {
        pv_source__skip(r->o, r->st, &r->st->skipped_empty,
                        "%s: line %lu: post %lld skipped: no text", xf->s.label, xf_line(xf),
                        (long long)pid);
        return;
    }

    memset(&d, 0, sizeof d);
    d.text = r->text.data;
    d.len = r->text.len;
    if (body && *body && r->o->defer_html) { /* the sink turns it into text, on its workers */
        d.html = body;
        d.html_len = strlen(body);
    }
    d.kind = t == 1 ? "question" : "answer";
    snprintf(r->locator, sizeof r->locator, "https://%s/%c/%lld", r->site, t == 1 ? 'q' : 'a',
             (long long)pid);
    d.locator = r->locator;
    d.license = spdx_license(cl, licbuf, sizeof licbuf);
    d.origin.date = when;

    /* The author: who wrote the first revision, else the owner; a deleted account keeps
     * the display name the dump gives, or none. */
    if (r->hist && !r->hist_off) {
        rc = hist_advance(r, pid);
        if (rc) {
            fatal(xf, rc);
            return;
        }
    }
    {
        const hist_ent *h = hist_find(r, pid);
        int64_t who = uid;
        const char *name;
        if (h && (h->user != NO_ID || h->name)) {
            who = h->user;
            name = who != NO_ID ? user_name(r, who) : NULL;
            if (!name)
                name = h->name;
            if (!name && who == uid)
                name = owner_name;
        } else {
            name = uid != NO_ID ? user_name(r, uid) : NULL;
            if (!name && owner_name && *owner_name)
                name = owner_name;
        }
        d.origin.author.name = name && *name ? name : NULL;
        if (who != NO_ID) {
            snprintf(r->idbuf, sizeof r->idbuf, "%lld", (long long)who);
            d.origin.author.id = r->idbuf;
        }
    }

    rc = r->sink->doc(r->sink->ctx, &d);
    if (rc) {
        pv_err__set(r->err, rc, "%s: line %lu: the sink stopped at post %lld", xf->s.label,
                    xf_line(xf), (long long)pid);
        fatal(xf, rc);
        return;
    }
    r->st->documents++;
    return;

too_large:
    pv_source__skip(r->o, r->st, &r->st->skipped_large,
                    "%s: line %lu: post %lld skipped: text over %llu bytes", xf->s.label,
                    xf_line(xf), (long long)pid,
                    (unsigned long long)(r->o->max_doc_size ? r->o->max_doc_size : TEXT_MAX));
}

/* ---- finding the files, naming the site ------------------------------------------------- */

static char *dup_printf(const char *fmt, ...) PV_PRINTF(1, 2);
static char *dup_printf(const char *fmt, ...)
{
    va_list ap;
    int n;
    char *s;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !(s = malloc((size_t)n + 1)))
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

static void loc_free(xml_loc *l)
{
    free(l->archive);
    free(l->file);
    free(l->label);
    memset(l, 0, sizeof *l);
}

static int is_file(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

static int is_7z(const char *path)
{
    char head[6];
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    n = read(fd, head, sizeof head);
    close(fd);
    return n == (ssize_t)sizeof head && !memcmp(head, magic_7z, sizeof head);
}

/* base ("Posts.xml") in dir, maybe gzip- or zstd-compressed; 0 when absent. */
static int find_plain(const char *dir, const char *base, xml_loc *l)
{
    static const char *const ext[] = {"", ".zst", ".gz"};
    size_t i;
    for (i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        char *p = dup_printf("%s/%s%s", dir, base, ext[i]);
        if (!p)
            return PV_ENOMEM;
        if (is_file(p)) {
            l->file = p;
            l->label = strdup(p);
            return l->label ? 1 : PV_ENOMEM;
        }
        free(p);
    }
    return 0;
}

/* The last path component of path, without trailing slashes, into buf. */
static void base_name(const char *path, char *buf, size_t bufsz)
{
    size_t n = strlen(path), s;
    while (n > 1 && path[n - 1] == '/')
        n--;
    s = n;
    while (s > 0 && path[s - 1] != '/')
        s--;
    if (n - s >= bufsz)
        n = s + bufsz - 1;
    memcpy(buf, path + s, n - s);
    buf[n - s] = '\0';
}

/* [h, h + n) lower-cased into site when it may be a host name (letters, digits, '.' and '-',
 * a dot inside): 1, else 0. */
static int host_of(const char *h, size_t n, char *site, size_t sitesz)
{
    size_t i;
    int dot = 0;
    if (n == 0 || n >= sitesz || h[0] == '.' || h[n - 1] == '.')
        return 0;
    for (i = 0; i < n; i++) {
        char c = h[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-'))
            return 0;
        dot |= c == '.';
    }
    if (!dot)
        return 0;
    for (i = 0; i < n; i++)
        site[i] = (char)(h[i] >= 'A' && h[i] <= 'Z' ? h[i] | 0x20 : h[i]);
    site[n] = '\0';
    return 1;
}

/* A site host from a dump's name: "french.meta.stackexchange.com.7z",
 * "stackoverflow.com-Posts.7z" or a folder "askubuntu.com". 0 when it does not look like one. */
static int site_from_name(const char *path, char *site, size_t sitesz)
{
    static const char *const strip[] = {".7z", "-Posts", "-Users", "-PostHistory"};
    static const char *const tld[] = {".com", ".net", ".org"};
    char b[256];
    size_t i, n;
    int ok = 0;
    base_name(path, b, sizeof b);
    for (i = 0; i < sizeof strip / sizeof strip[0]; i++) {
        size_t k = strlen(strip[i]);
        n = strlen(b);
        if (n > k && !strcasecmp(b + n - k, strip[i]))
            b[n - k] = '\0';
    }
    n = strlen(b);
    for (i = 0; i < sizeof tld / sizeof tld[0]; i++) {
        size_t k = strlen(tld[i]);
        if (n > k && !strcasecmp(b + n - k, tld[i]))
            ok = 1;
    }
    return ok && host_of(b, n, site, sitesz);
}

/* The host of a --site value: "cooking.stackexchange.com", "https://Cooking.StackExchange.com/"
 * or "http://host" give "cooking.stackexchange.com". 0 when it is not a host name (empty, a
 * path after the host, a space or any other character a host cannot hold). */
static int site_from_option(const char *opt, char *site, size_t sitesz)
{
    const char *h = opt;
    size_t n;
    if (!strncasecmp(h, "https://", 8))
        h += 8;
    else if (!strncasecmp(h, "http://", 7))
        h += 7;
    n = strcspn(h, "/");
    return h[n + strspn(h + n, "/")] == '\0' && host_of(h, n, site, sitesz);
}

/* List an archive's entries: the path of each file named base (in any folder). */
static int list_archive(const char *path, xml_loc *locs[3], const char *const bases[3], pv_err *err)
{
    struct archive *ar = NULL;
    struct archive_entry *e;
    int rc, r, k;
    rc = open_archive(path, &ar, err);
    if (rc)
        return rc;
    while ((r = archive_read_next_header(ar, &e)) == ARCHIVE_OK) {
        const char *name = archive_entry_pathname(e), *b;
        if (!name)
            continue;
        b = strrchr(name, '/');
        b = b ? b + 1 : name;
        for (k = 0; k < 3; k++)
            if (!locs[k]->file && !strcmp(b, bases[k])) {
                locs[k]->archive = strdup(path);
                locs[k]->file = strdup(name);
                locs[k]->label = dup_printf("%s:%s", path, name);
                if (!locs[k]->archive || !locs[k]->file || !locs[k]->label) {
                    archive_read_free(ar);
                    return pv_err__set(err, PV_ENOMEM, "out of memory listing '%s'", path);
                }
            }
    }
    if (r != ARCHIVE_EOF)
        rc = archive_fail(ar, path, err);
    archive_read_free(ar);
    return rc;
}

/* Locate Posts, Users and PostHistory for path (a folder, a Posts.xml, a site's .7z or
 * the SITE-Posts.7z of the split Stack Overflow dump). */
static int locate(const char *path, xml_loc *posts, xml_loc *users, xml_loc *hist, char *site,
                  size_t sitesz, pv_err *err)
{
    static const char *const bases[3] = {"Posts.xml", "Users.xml", "PostHistory.xml"};
    xml_loc *locs[3];
    struct stat sb;
    int rc = 0, k;

    locs[0] = posts;
    locs[1] = users;
    locs[2] = hist;
    if (stat(path, &sb) != 0)
        return pv_err__set(err, PV_EIO, "cannot read '%s': %s", path, strerror(errno));
    if (S_ISDIR(sb.st_mode)) {
        for (k = 0; k < 3; k++)
            if ((rc = find_plain(path, bases[k], locs[k])) < 0)
                return pv_err__set(err, rc, "out of memory");
        if (!posts->file)
            return pv_err__set(err, PV_EFORMAT, "'%s': no Posts.xml in the folder", path);
        if (!site_from_name(path, site, sitesz))
            site[0] = '\0';
        return 0;
    }
    if (is_7z(path)) {
        size_t n = strlen(path);
        rc = list_archive(path, locs, bases, err);
        if (rc)
            return rc;
        /* The split Stack Overflow dump: stackoverflow.com-Posts.7z, -Users.7z beside it. */
        if (n > 9 && !strcasecmp(path + n - 9, "-Posts.7z"))
            for (k = 1; k < 3; k++) {
                char *other;
                if (locs[k]->file)
                    continue;
                other =
                    dup_printf("%.*s-%s.7z", (int)(n - 9), path, k == 1 ? "Users" : "PostHistory");
                if (!other)
                    return pv_err__set(err, PV_ENOMEM, "out of memory");
                if (is_file(other) && is_7z(other))
                    rc = list_archive(other, locs, bases, err);
                free(other);
                if (rc)
                    return rc;
            }
        if (!posts->file)
            return pv_err__set(err, PV_EFORMAT, "'%s': no Posts.xml in the archive", path);
        if (!site_from_name(path, site, sitesz))
            site[0] = '\0';
        return 0;
    }
    /* A Posts.xml file: its siblings. */
    {
        char *dir = strdup(path), *slash;
        if (!dir)
            return pv_err__set(err, PV_ENOMEM, "out of memory");
        slash = strrchr(dir, '/');
        if (slash == dir)
            slash[1] = '\0';
        else if (slash)
            *slash = '\0';
        else
            strcpy(dir, ".");
        posts->file = strdup(path);
        posts->label = strdup(path);
        for (k = 1; k < 3 && !rc; k++)
            rc = find_plain(dir, bases[k], locs[k]);
        if (!site_from_name(dir, site, sitesz))
            site[0] = '\0';
        free(dir);
        if (rc < 0 || !posts->file || !posts->label)
            return pv_err__set(err, PV_ENOMEM, "out of memory");
        /* the Users.xml given as the Posts file is not its own Users file */
        if (users->file && !strcmp(users->file, path))
            loc_free(users);
        if (hist->file && !strcmp(hist->file, path))
            loc_free(hist);
    }
    return 0;
}

/* ---- the reader -------------------------------------------------------------------------- */

int pv_stackexchange__read(const char *path, const pv_reader_opts *o, const pv_sink *sink,
                           pv_reader_stats *st, pv_err *err)
{
    se_reader r;
    xml_loc posts = {0}, users = {0}, hist = {0};
    xml_file pf, hf;
    struct stat sb;
    int rc;

    memset(&r, 0, sizeof r);
    memset(&pf, 0, sizeof pf);
    memset(&hf, 0, sizeof hf);
    r.o = o;
    r.sink = sink;
    r.st = st;
    r.err = err;
    r.memory = o->memory ? o->memory : DEFAULT_MEMORY;
    r.names.limit = SIZE_MAX;
    r.text.limit = TEXT_MAX;
    r.hist_floor = INT64_MIN + 1;

    rc = locate(path, &posts, &users, &hist, r.site, sizeof r.site, err);
    if (rc)
        goto done;
    if (o->site && *o->site) {
        if (!site_from_option(o->site, r.site, sizeof r.site)) {
            rc = pv_err__set(err, PV_EINVAL,
                             "--site wants a site's host, such as cooking.stackexchange.com, "
                             "not '%s'",
                             o->site);
            goto done;
        }
    } else if (!r.site[0]) {
        /* A locator on an invented host opens nothing: ask, before any document. */
        rc = pv_err__set(err, PV_EINVAL,
                         "'%s': cannot tell which Stack Exchange site this dump is from; pass "
                         "--site HOST (e.g. --site cooking.stackexchange.com)",
                         path);
        goto done;
    }
    if (!users.file)
        pv_source__diag(r.o, PV_WARNING, "'%s': no Users.xml; authors are credited by user id only",
                        path);
    if (sink->source) {
        snprintf(r.source_name, sizeof r.source_name, "https://%s", r.site);
        rc = sink->source(sink->ctx, r.source_name, "stackexchange");
        if (rc) {
            pv_err__set(err, rc, "'%s': the sink refused the source", path);
            goto done;
        }
    }

    /* Users first, whatever the order in the archive: a second pass costs less than
     * holding posts back. */
    if (users.file && (rc = read_users(&r, &users)) != 0)
        goto done;

    rc = xf_open(&pf, &r, &posts, posts_row);
    if (rc)
        goto done;
    pf.progress = 1;
    if (stat(posts.archive ? posts.archive : posts.file, &sb) == 0)
        st->bytes_total += (uint64_t)sb.st_size;
    if (hist.file) {
        rc = xf_open(&hf, &r, &hist, hist_row);
        if (rc)
            goto done;
        r.hist = &hf;
    }
    rc = xf_run(&pf);
    if (!rc && r.hist && !r.hist_full) { /* the rest of PostHistory must be well formed too */
        r.hist_floor = INT64_MAX;
        while ((rc = xf_step(&hf)) > 0)
            ;
    }

done:
    if (rc > 0)
        rc = 0;
    xf_close(&pf);
    xf_close(&hf);
    if (r.hv) {
        size_t i;
        for (i = 0; i < r.hcap; i++)
            if (r.hv[i].post != NO_ID)
                free(r.hv[i].name);
        free(r.hv);
    }
    free(r.users);
    pv_buf__free(&r.names);
    pv_buf__free(&r.text);
    loc_free(&posts);
    loc_free(&users);
    loc_free(&hist);
    return rc;
}

/* ---- sniffing ---------------------------------------------------------------------------- */

int pv_stackexchange__sniff(const char *head, size_t n)
{
    const char *p = head, *end = head + n;
    if (n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
        p += 3;
    for (;;) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
            p++;
        if (end - p >= 2 && p[0] == '<' && (p[1] == '?' || p[1] == '!')) {
            const char *gt = memchr(p, '>', (size_t)(end - p));
            if (!gt)
                return 0;
            p = gt + 1;
            continue;
        }
        break;
    }
    return end - p >= 7 && !memcmp(p, "<posts", 6) &&
           (p[6] == '>' || p[6] == ' ' || p[6] == '\r' || p[6] == '\n' || p[6] == '\t');
}
