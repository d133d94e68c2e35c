/*
 * source_jsonl.c - the JSON-lines reader: dataset shards (The Stack, Dolma, the Pile,
 * RedPajama), Reddit dumps (Pushshift / Arctic Shift) and any JSON lines with named fields,
 * plain or compressed, one record per line streamed into documents for the sink.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common_int.h"
#include "json_int.h"
#include "source.h"

/* A line (one record) is read up to this many bytes unless max_doc_size asks for less. */
#define LINE_MAX_DEFAULT ((size_t)256 << 20)

/* Other buffers (locators, licenses, joined fields) are far smaller than a line. */
#define SMALL_MAX ((size_t)1 << 20)

typedef enum preset {
    P_DETECT = 0,
    P_STACK,
    P_DOLMA,
    P_PILE,
    P_REDPAJAMA,
    P_REDDIT,
    P_GENERIC
} preset;

static const char *const preset_names[] = {NULL,        "the-stack", "dolma",  "pile",
                                           "redpajama", "reddit",    "generic"};

/* What became of one record. */
enum { REC_DOC = 0, REC_EMPTY, REC_DELETED, REC_LARGE, REC_BAD };

/* A dotted path into a record, for the generic preset. */
typedef struct field {
    const char *path;
    size_t n;
} field;

/* The generic preset's fields, in the order of the names below. */
enum { F_TEXT, F_AUTHOR, F_ID, F_URL, F_DATE, F_LICENSE, F_LANG, F_COUNT };
static const char *const field_names[F_COUNT] = {"text", "author",  "id",  "url",
                                                 "date", "license", "lang"};

/* State of one pv_jsonl__read call, or of a parser fed lines (pv_jsonl_parser). */
typedef struct pv_jsonl_parser {
    const pv_reader_opts *o;
    const pv_sink *sink;
    pv_reader_stats *st;
    pv_err *err;
    pv_input *in; /* NULL in a parser fed lines */
    const char *path;
    const char *shard; /* the file's name in locators: path's last component */
    size_t shard_len;
    uint64_t lineno;
    uint64_t last_offset; /* input offset already added to st->bytes_in */
    preset preset;
    field fields[F_COUNT];
    pv_buf line;    /* the record */
    pv_buf scratch; /* the record with raw NUL bytes replaced (rare) */
    pv_buf text;    /* text put together from several fields, or unescaped */
    pv_buf loc;     /* the locator (a preset's name for the record, then its place) */
    pv_buf lic;     /* the license expression */
    pv_buf meta;    /* a "meta" member given as a JSON string, parsed on its own */
    pv_json *meta_root;
    char why[256];          /* what is wrong with a bad record */
    unsigned char blob[20]; /* The Stack: the record's git blob id (pv_doc_in.blobs) */
    /* raw NUL bytes, \u0000 and lone surrogates replaced by U+FFFD: how many, and the line
     * of the first (named once per file) */
    uint64_t replaced, replaced_line;
    uint64_t records; /* records seen (non-blank lines): the first is checked for shapes that
                         are not JSON lines */
} jl;

static void count_replaced(jl *j, size_t k)
{
    if (k && j->replaced == 0)
        j->replaced_line = j->lineno;
    j->replaced += k;
    j->st->replaced += k;
}

/* Appends formatted text to b, NUL-terminated (the NUL is not counted in b->len). */
static int buf_printf(pv_buf *b, const char *fmt, ...) PV_PRINTF(2, 3);
static int buf_printf(pv_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n, rc;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return PV_EINVAL;
    if ((rc = pv_buf__reserve(b, (size_t)n + 1)) != 0)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

/* Appends n bytes and keeps b NUL-terminated. */
static int buf_add(pv_buf *b, const char *s, size_t n)
{
    int rc = pv_buf__reserve(b, n + 1);
    if (rc)
        return rc;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

static int record_bad(jl *j, const char *fmt, ...) PV_PRINTF(2, 3);
static int record_bad(jl *j, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(j->why, sizeof j->why, fmt, ap);
    va_end(ap);
    return REC_BAD;
}

/* Reports a bad record (j->why) by the readers' one policy (pv_source__bad). */
static int report_bad(jl *j)
{
    return pv_source__bad(j->o, j->st, j->err, "%s: line %llu: %s", j->path,
                          (unsigned long long)j->lineno, j->why);
}

/* ---- values ---------------------------------------------------------------------------- */

static const pv_json *get(const pv_json *obj, const char *key)
{
    return pv_json__get(obj, key);
}

/* A non-empty string member, or NULL. */
static const char *get_str(const pv_json *obj, const char *key, size_t *len)
{
    size_t n;
    const char *s = pv_json__string(pv_json__get(obj, key), &n);
    if (!s || n == 0)
        return NULL;
    if (len)
        *len = n;
    return s;
}

/* Unix seconds of a date given as a number (seconds, or milliseconds when implausibly
 * large), a string of digits, or an ISO 8601 / RFC 822 string; else PV_DATE_UNKNOWN. */
static int64_t date_of(const pv_json *v)
{
    double d;
    const char *s;
    if (pv_json__number(v, &d)) {
        if (!isfinite(d))
            return PV_DATE_UNKNOWN;
        if (fabs(d) >= 1e11) /* JavaScript-style milliseconds */
            d /= 1000;
        if (fabs(d) >= 9e15)
            return PV_DATE_UNKNOWN;
        return (int64_t)floor(d);
    }
    if ((s = pv_json__string(v, NULL)) != NULL) {
        const char *p = s;
        char *end;
        while (*p == ' ')
            p++;
        if ((*p >= '0' && *p <= '9') || *p == '-') {
            /* "1251763200" or "1706745600.0"; "2023-01-27..." goes to the date parser */
            double x = strtod(p, &end);
            while (*end == ' ')
                end++;
            if (*end == '\0' && end != p && isfinite(x) && fabs(x) < 9e15)
                return (int64_t)floor(fabs(x) >= 1e11 ? x / 1000 : x);
        }
        return pv_date__parse(s);
    }
    return PV_DATE_UNKNOWN;
}

/* License ids as datasets spell them (GitHub's lowercase keys) and their SPDX ids. */
static const char *const spdx_ids[] = {
    "MIT",          "Apache-2.0",   "BSD-2-Clause",  "BSD-3-Clause",  "ISC",
    "Unlicense",    "CC0-1.0",      "MPL-2.0",       "Artistic-2.0",  "Zlib",
    "BSL-1.0",      "EPL-1.0",      "EPL-2.0",       "CC-BY-4.0",     "CC-BY-SA-4.0",
    "GPL-2.0-only", "GPL-3.0-only", "LGPL-2.1-only", "LGPL-3.0-only", "AGPL-3.0-only",
    "0BSD",         "WTFPL",        "Python-2.0",    "PostgreSQL",    "OFL-1.1",
};

/* Appends one license id to j->lic: the SPDX spelling when it is a known id in another
 * case, "GPL-2.0" style ids as given; parentheses around an expression. */
static int add_license(jl *j, const char *s, size_t n)
{
    size_t i;
    int rc;
    if (j->lic.len > 0 && (rc = buf_add(&j->lic, " OR ", 4)) != 0)
        return rc;
    for (i = 0; i < sizeof spdx_ids / sizeof spdx_ids[0]; i++)
        if (strlen(spdx_ids[i]) == n && strncasecmp(spdx_ids[i], s, n) == 0)
            return buf_add(&j->lic, spdx_ids[i], n);
    if (memchr(s, ' ', n))
        return buf_printf(&j->lic, "(%.*s)", (int)n, s);
    return buf_add(&j->lic, s, n);
}

/* The license expression of a string or an array of strings ("A OR B"), in j->lic; NULL
 * when there is none. */
static const char *license_of(jl *j, const pv_json *v)
{
    const pv_json *e;
    const char *s;
    size_t n;
    j->lic.len = 0;
    if ((s = pv_json__string(v, &n)) != NULL) {
        if (n > 0 && add_license(j, s, n) != 0)
            return NULL;
    } else {
        for (e = pv_json__first(v); e; e = pv_json__next(e))
            if ((s = pv_json__string(e, &n)) != NULL && n > 0 && add_license(j, s, n) != 0)
                return NULL;
    }
    return j->lic.len ? j->lic.data : NULL;
}

/* The text of a value: a string as it is, or an array of strings joined with blank lines
 * (lm_dataformat's paragraphs). REC_DOC, REC_EMPTY (missing, null, empty) or REC_BAD. */
static int text_of(jl *j, const pv_json *v, const char *name, const char **text, size_t *len)
{
    const pv_json *e;
    pv_json_type t = pv_json__type(v);
    if (t == PV_JSON_STRING) {
        *text = pv_json__string(v, len);
        return *len ? REC_DOC : REC_EMPTY;
    }
    if (t == PV_JSON_NONE || t == PV_JSON_NULL)
        return REC_EMPTY;
    if (t != PV_JSON_ARRAY)
        return record_bad(j, "\"%s\" is not a string", name);
    j->text.len = 0;
    for (e = pv_json__first(v); e; e = pv_json__next(e)) {
        size_t n;
        const char *s = pv_json__string(e, &n);
        if (!s)
            return record_bad(j, "\"%s\" is an array of other things than strings", name);
        if ((j->text.len && pv_buf__append(&j->text, "\n\n", 2) != 0) ||
            pv_buf__append(&j->text, s, n) != 0)
            return REC_LARGE;
    }
    *text = j->text.data;
    *len = j->text.len;
    return *len ? REC_DOC : REC_EMPTY;
}

/* A record's name when v is a non-empty string (borrowed from the tree) or an integer
 * (written to j->loc), else NULL: ids are either. */
static const char *name_of(jl *j, const pv_json *v)
{
    const char *s;
    size_t n;
    double d;
    if ((s = pv_json__string(v, &n)) != NULL)
        return n ? s : NULL;
    if (!pv_json__number(v, &d) || !(fabs(d) < 9e15) || d != floor(d))
        return NULL;
    j->loc.len = 0;
    return buf_printf(&j->loc, "%.0f", d) == 0 ? j->loc.data : NULL;
}

/* The record's locator in j->loc: NAME (SHARD:LINE), or SHARD:LINE when name is NULL, so that
 * the shard file and its 1-based line always say where the record is in the dataset and the
 * name (its url or id) what it is. name may point into j->loc. A name too long to keep
 * (over SMALL_MAX) is left out. */
static const char *place(jl *j, const char *name)
{
    char num[24], *p = num + sizeof num;
    uint64_t v = j->lineno;
    size_t n;
    int rc = 0;
    do
        *--p = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    n = (size_t)(num + sizeof num - p);
    if (name && name != j->loc.data) {
        j->loc.len = 0;
        rc = buf_add(&j->loc, name, strlen(name));
    } else if (!name) {
        j->loc.len = 0;
    }
    if (rc == 0 && name)
        rc = buf_add(&j->loc, " (", 2);
    if (rc == 0)
        rc = buf_add(&j->loc, j->shard, j->shard_len);
    if (rc == 0)
        rc = buf_add(&j->loc, ":", 1);
    if (rc == 0)
        rc = buf_add(&j->loc, p, n);
    if (rc == 0 && name)
        rc = buf_add(&j->loc, ")", 1);
    if (rc == 0)
        return j->loc.data;
    if (name) /* the name does not fit beside its place: the place alone */
        return place(j, NULL);
    return j->path; /* j->loc cannot hold even that: out of memory */
}

/* ---- presets --------------------------------------------------------------------------- */

/* A record's "meta" object. Some exports (Parquet shards converted back to JSON) hold it as
 * a string of JSON: that is parsed too, into j->meta_root (freed with the record). */
static const pv_json *meta_of(jl *j, const pv_json *r)
{
    const pv_json *m = get(r, "meta");
    const char *s;
    size_t n;
    pv_json_error e;
    if ((s = pv_json__string(m, &n)) == NULL)
        return m;
    if (j->meta_root)
        return j->meta_root;
    j->meta.len = 0;
    if (pv_buf__append(&j->meta, s, n) != 0)
        return NULL;
    j->meta_root = pv_json__parse(j->meta.data, n, &j->scratch, &e);
    count_replaced(j, e.replaced);
    return j->meta_root;
}

/* 1 when hex[0, n) is a git object id (40 hex digits), then written to id as 20 bytes. */
static int blob_id(const char *hex, size_t n, unsigned char *id)
{
    if (!hex || n != 40)
        return 0;
    for (size_t i = 0; i < 40; i++) {
        const char c = hex[i];
        const int v = c >= '0' && c <= '9'   ? c - '0'
                      : c >= 'a' && c <= 'f' ? c - 'a' + 10
                      : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                             : -1;
        if (v < 0)
            return 0;
        id[i / 2] = (unsigned char)(i % 2 ? (id[i / 2] << 4) | v : v);
    }
    return 1;
}

/* The Stack v1 (hexsha, max_stars_repo_*) and v2 (blob_id, repo_name, path, revision_id).
 * hexsha and blob_id are the file's git blob id: the document's blob (pv_doc_in.blobs). */
static int from_stack(jl *j, const pv_json *r, pv_doc_in *d)
{
    const char *repo, *path, *rev;
    const pv_json *lic;
    size_t n;
    int rc = text_of(j, get(r, "content"), "content", &d->text, &d->len);
    if (rc != REC_DOC)
        return rc;
    if (!(repo = get_str(r, "max_stars_repo_name", NULL)) &&
        !(repo = get_str(r, "repo_name", NULL)))
        repo = get_str(r, "repository_name", NULL);
    if (!(path = get_str(r, "max_stars_repo_path", NULL)))
        path = get_str(r, "path", NULL);
    if (!(rev = get_str(r, "revision_id", NULL)))
        rev = get_str(r, "max_stars_repo_head_hexsha", NULL);
    if (path)
        while (*path == '/')
            path++;
    j->loc.len = 0;
    if (repo && path && rev && strchr(repo, '/'))
        rc = buf_printf(&j->loc, "https://github.com/%s/blob/%s/%s", repo, rev, path);
    else if (repo && path)
        rc = buf_printf(&j->loc, "%s:%s", repo, path);
    else if ((path = get_str(r, "hexsha", &n)) || (path = get_str(r, "blob_id", &n)))
        rc = buf_add(&j->loc, path, n);
    if (rc)
        return REC_LARGE;
    d->locator = j->loc.len ? j->loc.data : NULL;
    d->commit = rev;
    if (!(lic = get(r, "max_stars_repo_licenses")) && !(lic = get(r, "detected_licenses")))
        lic = get(r, "licenses");
    d->license = license_of(j, lic);
    if ((d->origin.date = date_of(get(r, "revision_date"))) == PV_DATE_UNKNOWN)
        d->origin.date = date_of(get(r, "committer_date"));
    d->origin.commit = rev;
    {
        const char *hex = get_str(r, "hexsha", &n);
        if (blob_id(hex, hex ? n : 0, j->blob) ||
            ((hex = get_str(r, "blob_id", &n)) && blob_id(hex, n, j->blob))) {
            d->blobs = j->blob;
            d->nblobs = 1;
        }
    }
    return REC_DOC;
}

/* Dolma: id, text, source, added, created, metadata.url / metadata.language. */
static int from_dolma(jl *j, const pv_json *r, pv_doc_in *d)
{
    const pv_json *meta = get(r, "metadata");
    const char *url;
    int rc = text_of(j, get(r, "text"), "text", &d->text, &d->len);
    if (rc != REC_DOC)
        return rc;
    if (!(url = get_str(meta, "url", NULL)) && !(url = get_str(r, "url", NULL)))
        url = name_of(j, get(r, "id"));
    d->locator = url;
    if ((d->origin.date = date_of(get(r, "created"))) == PV_DATE_UNKNOWN)
        d->origin.date = date_of(get(r, "added"));
    if (!(d->lang = get_str(meta, "language", NULL)))
        d->lang = get_str(meta, "lang", NULL);
    return REC_DOC;
}

/* The Pile / lm_dataformat: text (a string or paragraphs), meta.pile_set_name. Nothing in
 * a record names it: its shard and line are its locator. */
static int from_pile(jl *j, const pv_json *r, pv_doc_in *d)
{
    return text_of(j, get(r, "text"), "text", &d->text, &d->len);
}

/* RedPajama (v1, SlimPajama): text, meta.url, meta.timestamp, meta.language; the GitHub
 * subset has meta.repo_name, meta.ref, meta.path and meta.license. */
static int from_redpajama(jl *j, const pv_json *r, pv_doc_in *d)
{
    const pv_json *meta = meta_of(j, r);
    const char *url, *repo, *path, *ref;
    int rc = text_of(j, get(r, "text"), "text", &d->text, &d->len);
    if (rc != REC_DOC)
        return rc;
    if ((url = get_str(meta, "url", NULL)) != NULL) {
        d->locator = url;
    } else if ((repo = get_str(meta, "repo_name", NULL)) && (path = get_str(meta, "path", NULL))) {
        ref = get_str(meta, "ref", NULL);
        if (ref && strncmp(ref, "refs/heads/", 11) == 0)
            ref += 11;
        else if (ref && strncmp(ref, "refs/tags/", 10) == 0)
            ref += 10;
        j->loc.len = 0;
        rc = ref ? buf_printf(&j->loc, "https://github.com/%s/blob/%s/%s", repo, ref, path)
                 : buf_printf(&j->loc, "%s:%s", repo, path);
        if (rc)
            return REC_LARGE;
        d->locator = j->loc.data;
    } else {
        d->locator = name_of(j, get(r, "id"));
    }
    d->origin.date = date_of(get(meta, "timestamp"));
    d->lang = get_str(meta, "language", NULL);
    d->license = license_of(j, get(meta, "license"));
    return REC_DOC;
}

/* 1 when a Reddit author or text is a placeholder for deleted content. */
static int reddit_gone(const char *s)
{
    return s && (strcmp(s, "[deleted]") == 0 || strcmp(s, "[removed]") == 0 ||
                 strcmp(s, "[ Removed by Reddit ]") == 0);
}

/* HTML escapes the Reddit API puts in markdown text, and what they stand for. */
static const struct {
    const char *esc;
    size_t n;
    char c;
} reddit_escapes[] = {{"&amp;", 5, '&'}, {"&lt;", 4, '<'}, {"&gt;", 4, '>'}};

/* Appends Reddit text to j->text with &amp; &lt; &gt; undone, so that "&gt;" quotes
 * tokenize as they read. */
static int reddit_text(jl *j, const char *s, size_t n)
{
    const char *end = s + n, *amp, *prev = s;
    int rc;
    while ((amp = memchr(s, '&', (size_t)(end - s))) != NULL) {
        size_t i, rest = (size_t)(end - amp);
        char c = '&';
        s = amp + 1;
        for (i = 0; i < sizeof reddit_escapes / sizeof reddit_escapes[0]; i++)
            if (rest >= reddit_escapes[i].n &&
                memcmp(amp, reddit_escapes[i].esc, reddit_escapes[i].n) == 0) {
                c = reddit_escapes[i].c;
                s = amp + reddit_escapes[i].n;
                break;
            }
        if ((rc = pv_buf__append(&j->text, prev, (size_t)(amp - prev))) != 0 ||
            (rc = pv_buf__append(&j->text, &c, 1)) != 0)
            return rc;
        prev = s;
    }
    return pv_buf__append(&j->text, prev, (size_t)(end - prev));
}

/* Reddit comments (body) and submissions (title, selftext) from Pushshift and Arctic Shift
 * dumps. Reddit content carries no license grant to third parties, so license is NULL. */
static int from_reddit(jl *j, const pv_json *r, pv_doc_in *d)
{
    const char *body, *title, *self = NULL, *author, *sub, *id, *permalink;
    size_t nbody, ntitle, nself = 0;
    int rc, comment;

    body = pv_json__string(get(r, "body"), &nbody);
    title = pv_json__string(get(r, "title"), &ntitle);
    comment = body != NULL || (!title && get(r, "link_id") != NULL);
    d->kind = comment ? "comment" : "post";
    j->text.len = 0;
    if (comment) {
        if (reddit_gone(body))
            return REC_DELETED;
        if (!body || nbody == 0)
            return REC_EMPTY;
        if (memchr(body, '&', nbody)) {
            if (reddit_text(j, body, nbody) != 0)
                return REC_LARGE;
            body = j->text.data;
            nbody = j->text.len;
        }
        d->text = body;
        d->len = nbody;
    } else {
        self = pv_json__string(get(r, "selftext"), &nself);
        if (reddit_gone(self)) {
            self = NULL;
            nself = 0;
        }
        if ((!title || ntitle == 0) && nself == 0)
            return reddit_gone(title) || get(r, "selftext") ? REC_DELETED : REC_EMPTY;
        if ((title && reddit_text(j, title, ntitle) != 0) ||
            (title && nself && pv_buf__append(&j->text, "\n\n", 2) != 0) ||
            (nself && reddit_text(j, self, nself) != 0))
            return REC_LARGE;
        d->text = j->text.data;
        d->len = j->text.len;
    }

    author = get_str(r, "author", NULL);
    if (author && !reddit_gone(author)) {
        d->origin.author.name = author;
        d->origin.author.id = get_str(r, "author_fullname", NULL);
    }
    if ((d->origin.date = date_of(get(r, "created_utc"))) == PV_DATE_UNKNOWN)
        d->origin.date = date_of(get(r, "created"));

    rc = 0;
    j->loc.len = 0;
    permalink = get_str(r, "permalink", NULL);
    sub = get_str(r, "subreddit", NULL);
    id = get_str(r, "id", NULL);
    if (permalink &&
        (strncmp(permalink, "https://", 8) == 0 || strncmp(permalink, "http://", 7) == 0))
        rc = buf_printf(&j->loc, "%s", permalink);
    else if (permalink)
        rc = buf_printf(&j->loc, "https://www.reddit.com%s%s", permalink[0] == '/' ? "" : "/",
                        permalink);
    else if (comment && sub && id && get_str(r, "link_id", NULL)) {
        const char *link = get_str(r, "link_id", NULL);
        if (strncmp(link, "t3_", 3) == 0)
            link += 3;
        rc = buf_printf(&j->loc, "https://www.reddit.com/r/%s/comments/%s/_/%s/", sub, link, id);
    } else if (!comment && sub && id)
        rc = buf_printf(&j->loc, "https://www.reddit.com/r/%s/comments/%s/", sub, id);
    else if (id)
        rc = buf_add(&j->loc, id, strlen(id));
    if (rc)
        return REC_LARGE;
    d->locator = j->loc.len ? j->loc.data : NULL;
    return REC_DOC;
}

/* Any JSON lines with the fields named by o->fields (dotted paths); the record's name is the
 * url field, else the id field (a string or an integer). */
static int from_generic(jl *j, const pv_json *r, pv_doc_in *d)
{
    const field *f = j->fields;
    const char *s;
    int rc = text_of(j, pv_json__path(r, f[F_TEXT].path, f[F_TEXT].n), f[F_TEXT].path, &d->text,
                     &d->len);
    if (rc != REC_DOC)
        return rc;
    if (f[F_URL].path && (s = pv_json__string(pv_json__path(r, f[F_URL].path, f[F_URL].n), NULL)) &&
        *s)
        d->locator = s;
    else if (f[F_ID].path)
        d->locator = name_of(j, pv_json__path(r, f[F_ID].path, f[F_ID].n));
    if (f[F_AUTHOR].path &&
        (s = pv_json__string(pv_json__path(r, f[F_AUTHOR].path, f[F_AUTHOR].n), NULL)) && *s)
        d->origin.author.name = s;
    if (f[F_DATE].path)
        d->origin.date = date_of(pv_json__path(r, f[F_DATE].path, f[F_DATE].n));
    if (f[F_LICENSE].path)
        d->license = license_of(j, pv_json__path(r, f[F_LICENSE].path, f[F_LICENSE].n));
    if (f[F_LANG].path &&
        (s = pv_json__string(pv_json__path(r, f[F_LANG].path, f[F_LANG].n), NULL)) && *s)
        d->lang = s;
    return REC_DOC;
}

/* The preset the first record's members point to, or P_DETECT when none fits. */
static preset detect(jl *j, const pv_json *r)
{
    const pv_json *meta;
    if (get(r, "subreddit") && get(r, "author") && (get(r, "body") || get(r, "title")))
        return P_REDDIT;
    if (get(r, "content") &&
        (get(r, "hexsha") || get(r, "blob_id") || get(r, "max_stars_repo_path") ||
         get(r, "repo_name") || get(r, "max_stars_repo_name")))
        return P_STACK;
    if (!get(r, "text"))
        return P_DETECT;
    meta = meta_of(j, r);
    if (pv_json__type(meta) == PV_JSON_OBJECT) {
        if (get(meta, "pile_set_name"))
            return P_PILE;
        if (get(meta, "redpajama_set_name") || get(meta, "url") || get(meta, "source") ||
            get(meta, "timestamp") || get(meta, "arxiv_id"))
            return P_REDPAJAMA;
        return P_PILE;
    }
    if (get(r, "id") &&
        (get(r, "source") || get(r, "added") || get(r, "created") || get(r, "metadata")))
        return P_DOLMA;
    return P_GENERIC; /* "text" and the other default field names */
}

/* Parses o->fields ("text=a.b,author=c,...") into j->fields; defaults are the field names
 * themselves. */
static int parse_fields(jl *j, const char *spec)
{
    const char *p = spec;
    int i;
    for (i = 0; i < F_COUNT; i++) {
        j->fields[i].path = field_names[i];
        j->fields[i].n = strlen(field_names[i]);
    }
    while (spec && *p) {
        const char *comma = strchr(p, ',');
        const char *end = comma ? comma : p + strlen(p);
        const char *eq = memchr(p, '=', (size_t)(end - p));
        if (!eq || eq == p || eq + 1 == end)
            return pv_err__set(j->err, PV_EINVAL,
                               "bad field '%.*s' in '%s' (expected NAME=PATH, e.g. text=meta.body)",
                               (int)(end - p), p, spec);
        for (i = 0; i < F_COUNT; i++)
            if (strlen(field_names[i]) == (size_t)(eq - p) &&
                strncmp(field_names[i], p, (size_t)(eq - p)) == 0)
                break;
        if (i == F_COUNT)
            return pv_err__set(j->err, PV_EINVAL,
                               "unknown field '%.*s' in '%s' (use text, author, id, url, date, "
                               "license or lang)",
                               (int)(eq - p), p, spec);
        j->fields[i].path = eq + 1;
        j->fields[i].n = (size_t)(end - eq - 1);
        p = comma ? comma + 1 : end;
    }
    return 0;
}

/* ---- records --------------------------------------------------------------------------- */

/* Hands one parsed record to the sink or counts why not. Returns 0 or a negative error. */
static int one_record(jl *j, const pv_json *r)
{
    pv_doc_in d;
    int rc;
    memset(&d, 0, sizeof d);
    d.kind = "record";
    d.origin.date = PV_DATE_UNKNOWN;
    switch (j->preset) {
    case P_STACK:
        rc = from_stack(j, r, &d);
        break;
    case P_DOLMA:
        rc = from_dolma(j, r, &d);
        break;
    case P_PILE:
        rc = from_pile(j, r, &d);
        break;
    case P_REDPAJAMA:
        rc = from_redpajama(j, r, &d);
        break;
    case P_REDDIT:
        rc = from_reddit(j, r, &d);
        break;
    default:
        rc = from_generic(j, r, &d);
        break;
    }
    if (rc == REC_DOC && j->o->max_doc_size && d.len > j->o->max_doc_size)
        rc = REC_LARGE;
    switch (rc) {
    case REC_DOC:
        d.locator = place(j, d.locator);
        d.commit = d.origin.commit;
        j->st->documents++;
        return j->sink->doc(j->sink->ctx, &d);
    case REC_EMPTY:
        pv_source__skip(j->o, j->st, &j->st->skipped_empty, "%s: line %llu: skipped: no text",
                        j->path, (unsigned long long)j->lineno);
        return 0;
    case REC_DELETED:
        pv_source__skip(j->o, j->st, NULL, "%s: line %llu: skipped: deleted or removed", j->path,
                        (unsigned long long)j->lineno);
        return 0;
    case REC_LARGE:
        pv_source__skip(j->o, j->st, &j->st->skipped_large,
                        "%s: line %llu: skipped: text larger than --max-file-size", j->path,
                        (unsigned long long)j->lineno);
        return 0;
    default:
        return report_bad(j);
    }
}

/* 1 when s[0, n) holds only spaces, tabs and carriage returns. */
static int blank(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

/* The first non-blank byte of s[0, n) after a UTF-8 BOM, or 0. */
static char first_char(const char *s, size_t n)
{
    size_t i = 0;
    if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    for (; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return s[i];
    return 0;
}

/* 1 when the line is "{" alone: the first line of a pretty-printed document. */
static int only_brace(const char *s, size_t n)
{
    const char *b = memchr(s, '{', n);
    return b && first_char(s, n) == '{' && blank(b + 1, n - (size_t)(b - s) - 1);
}

static void count_bytes(jl *j)
{
    uint64_t off;
    if (!j->in)
        return;
    off = pv_input__offset(j->in);
    j->st->bytes_in += off - j->last_offset;
    j->last_offset = off;
}

size_t pv_jsonl__line_limit(const pv_reader_opts *o)
{
    if (o->max_doc_size && o->max_doc_size < (LINE_MAX_DEFAULT - (1 << 20)) / 6)
        return (size_t)o->max_doc_size * 6 + (1 << 20); /* escapes take <= 6 bytes */
    return LINE_MAX_DEFAULT;
}

/* A line longer than the limit: skipped like a document over the size limit, said once. */
static void too_long(jl *j)
{
    j->st->records++;
    j->st->skipped_large++;
    j->st->skipped++;
    pv_source__diag(j->o, PV_WARNING, "%s: line %llu: record longer than %zu bytes, skipped",
                    j->path, (unsigned long long)j->lineno, j->line.limit);
}

/* Line j->lineno, s[0, n) without its "\n": a record handed to the sink, or a blank line, or
 * a bad record counted and named. Returns 0 or a negative error that stops the file. */
static int one_line(jl *j, char *s, size_t n)
{
    pv_json *root;
    pv_json_error e;
    int rc;
    if (j->lineno == 1 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
        s += 3; /* a BOM at the start of the file */
        n -= 3;
    }
    if (blank(s, n))
        return 0;
    j->st->records++;
    if (j->records++ == 0 && first_char(s, n) == '[')
        return pv_err__set(j->err, PV_EFORMAT,
                           "'%s' is one JSON array, not JSON lines (one object per line); "
                           "convert it with: jq -c '.[]'",
                           j->path);
    root = pv_json__parse(s, n, &j->scratch, &e);
    if (!root) {
        if (e.nomem)
            return pv_err__set(j->err, PV_ENOMEM, "%s: line %llu: out of memory parsing JSON",
                               j->path, (unsigned long long)j->lineno);
        if (j->records == 1 && only_brace(s, n))
            return pv_err__set(j->err, PV_EFORMAT,
                               "'%s' is one pretty-printed JSON document, not JSON lines "
                               "(one object per line)",
                               j->path);
        if (e.at >= n)
            record_bad(j, "invalid JSON (%s)", e.what);
        else
            record_bad(j, "invalid JSON (%s at byte %zu)", e.what, e.at + 1);
        return report_bad(j);
    }
    count_replaced(j, e.replaced);
    if (pv_json__type(root) != PV_JSON_OBJECT) {
        record_bad(j, "not a JSON object");
        rc = report_bad(j);
    } else if (j->preset == P_DETECT && (j->preset = detect(j, root)) == P_DETECT) {
        rc = pv_err__set(j->err, PV_EFORMAT,
                         "%s: line %llu: cannot tell the dataset layout (no \"text\", "
                         "\"content\" or \"body\"); name the fields with "
                         "text=PATH,... (generic preset)",
                         j->path, (unsigned long long)j->lineno);
    } else {
        rc = one_record(j, root);
    }
    pv_json__free(root);
    pv_json__free(j->meta_root);
    j->meta_root = NULL;
    return rc;
}

int pv_jsonl__parser_new(const char *path, const pv_reader_opts *o, const pv_sink *sink,
                         pv_reader_stats *st, pv_err *err, int continued, pv_jsonl_parser **out)
{
    jl *j;
    int rc = 0, i;

    *out = NULL;
    if (!(j = calloc(1, sizeof *j)))
        return pv_err__set(err, PV_ENOMEM, "out of memory");
    j->o = o;
    j->sink = sink;
    j->st = st;
    j->err = err;
    j->path = path;
    j->shard = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    j->shard_len = strlen(j->shard);
    j->records = continued ? 1 : 0;
    j->line.limit = pv_jsonl__line_limit(o);
    j->scratch.limit = j->line.limit * 3;
    j->text.limit = j->line.limit;
    j->loc.limit = j->lic.limit = SMALL_MAX;
    j->meta.limit = j->line.limit;

    if (o->preset) {
        for (i = 1; i <= P_GENERIC; i++)
            if (strcmp(o->preset, preset_names[i]) == 0)
                j->preset = (preset)i;
        if (j->preset == P_DETECT) {
            rc = pv_err__set(err, PV_EINVAL, PV_JSONL_UNKNOWN_PRESET, o->preset);
            goto done;
        }
    }
    if (o->fields && j->preset == P_DETECT)
        j->preset = P_GENERIC;
    if (o->fields && j->preset != P_GENERIC) {
        rc = pv_err__set(err, PV_EINVAL, "fields apply to the generic preset, not '%s'", o->preset);
        goto done;
    }
    rc = parse_fields(j, o->fields);
done:
    if (rc)
        pv_jsonl__parser_free(j);
    else
        *out = j;
    return rc;
}

int pv_jsonl__parser_line(pv_jsonl_parser *j, uint64_t lineno, char *s, size_t n)
{
    j->lineno = lineno;
    if (!s || n > j->line.limit) {
        too_long(j);
        return 0;
    }
    return one_line(j, s, n);
}

int pv_jsonl__parser_state(const pv_jsonl_parser *j, const char **name)
{
    *name = preset_names[j->preset]; /* NULL for P_DETECT */
    return j->records > 0;
}

void pv_jsonl__parser_replaced(const pv_jsonl_parser *j, uint64_t *count, uint64_t *first_line)
{
    *count = j->replaced;
    *first_line = j->replaced_line;
}

void pv_jsonl__replaced_note(const pv_reader_opts *o, const char *path, uint64_t count,
                             uint64_t first_line)
{
    if (count)
        pv_source__diag(o, PV_WARNING,
                        "%s: line %llu: NUL bytes or lone surrogates replaced by U+FFFD (%llu in "
                        "this file)",
                        path, (unsigned long long)first_line, (unsigned long long)count);
}

void pv_jsonl__parser_free(pv_jsonl_parser *j)
{
    if (!j)
        return;
    pv_json__free(j->meta_root);
    pv_buf__free(&j->line);
    pv_buf__free(&j->scratch);
    pv_buf__free(&j->text);
    pv_buf__free(&j->loc);
    pv_buf__free(&j->lic);
    pv_buf__free(&j->meta);
    free(j);
}

int pv_jsonl__read(const char *path, const pv_reader_opts *o, const pv_sink *sink,
                   pv_reader_stats *st, pv_err *err)
{
    jl *j = NULL;
    int rc;

    if ((rc = pv_jsonl__parser_new(path, o, sink, st, err, 0, &j)) != 0)
        return rc;
    if ((rc = pv_input__open(path, &j->in, err)) != 0)
        goto done;
    st->bytes_total += pv_input__size(j->in);
    for (;;) {
        rc = pv_input__getline(j->in, &j->line, err);
        if (rc == 0)
            break;
        if (rc == PV_ELIMIT) {
            rc = pv_jsonl__parser_line(j, j->lineno + 1, NULL, 0);
        } else if (rc > 0) {
            j->lineno++;
            rc = one_line(j, j->line.data, j->line.len);
        }
        count_bytes(j);
        if (rc)
            goto done;
    }
done:
    count_bytes(j);
    pv_jsonl__replaced_note(o, path, j->replaced, j->replaced_line);
    pv_input__close(j->in);
    pv_jsonl__parser_free(j);
    return rc;
}

int pv_jsonl__preset_known(const char *name)
{
    int i;
    for (i = 1; i <= P_GENERIC; i++)
        if (strcmp(name, preset_names[i]) == 0)
            return 1;
    return 0;
}

size_t pv_jsonl__url_len(const char *locator)
{
    const char *p = locator, *d, *q;
    size_t n;
    if (strncasecmp(p, "https://", 8) != 0 && strncasecmp(p, "http://", 7) != 0)
        return 0;
    n = strlen(p);
    /* URL (SHARD:LINE): ends with ":DIGITS)", and " (" comes before SHARD */
    if (p[n - 1] != ')')
        return n;
    for (d = p + n - 1; d > p && d[-1] >= '0' && d[-1] <= '9'; d--)
        ;
    if (d == p + n - 1 || d[-1] != ':')
        return n;
    q = strstr(p, " (");
    return q && q + 2 < d - 1 ? (size_t)(q - p) : n;
}

int pv_jsonl__sniff(const char *head, size_t n)
{
    size_t i = 0;
    const char *nl;
    if (n >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < n && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n'))
        i++;
    if (i >= n || head[i] != '{')
        return 0;
    for (i++; i < n && (head[i] == ' ' || head[i] == '\t'); i++)
        ;
    if (i < n && head[i] != '"' && head[i] != '}')
        return 0; /* "{\n" starts a pretty-printed document */
    /* When the first line is all there, it must end the object. */
    if ((nl = memchr(head + i, '\n', n - i)) != NULL) {
        const char *e = nl;
        while (e > head && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
            e--;
        return e > head && e[-1] == '}';
    }
    return 1;
}
