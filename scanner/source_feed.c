/*
 * source_feed.c - the blog reader: RSS 0.9x/1.0/2.0, Atom 1.0 (and 0.3) and WordPress WXR
 * exports, streamed through expat one item at a time; each item or entry (and, when asked,
 * each approved WXR comment) becomes a document with its author, date, link and license.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <expat.h>

#include "common_int.h"
#include "scanner_int.h"
#include "source.h"

/* Decompressed bytes handed to expat at a time. */
#define CHUNK ((size_t)256 << 10)

/* Metadata fields (links, dates, names, ids) longer than this make their item bad. */
#define FIELD_MAX ((size_t)64 << 10)

/* Text fields (title, content, comments) and a document's text are cut off here when no
 * max_doc_size is given: the item is then skipped as too large. */
#define TEXT_MAX ((size_t)256 << 20)

/* Atom entries credit at most this many authors (the first is the author, the rest
 * coauthors); more are ignored. */
#define AUTHORS_MAX 16

/* WordPress accounts a WXR export may declare. */
#define WP_AUTHORS_MAX ((size_t)1 << 20)

/* Nesting of contexts (root, channel, item, comment, person). */
#define CTX_MAX 8

/* Namespace separator in the names expat reports: "uri\x01local". A control character
 * cannot occur in a well-formed namespace URI. */
#define NS_SEP '\x01'

enum ns {
    NS_NONE, /* no namespace: RSS 0.9x / 2.0 */
    NS_RSS,  /* RSS 1.0 and 0.90 */
    NS_RDF,
    NS_ATOM,
    NS_CONTENT,
    NS_DC,
    NS_DCTERMS,
    NS_ITUNES,
    NS_CC, /* creativeCommons (Userland) and cc (RDF) modules */
    NS_WP,
    NS_XHTML,
    NS_OTHER
};

/* CTX_LEFT_OPEN: an item whose end tag is missing (the next item started inside it): the
 * items that follow, nested in it as the parser sees them, are read as the channel's. */
enum ctx_kind {
    CTX_ROOT,
    CTX_CHANNEL,
    CTX_ITEM,
    CTX_COMMENT,
    CTX_PERSON,
    CTX_WP_AUTHOR,
    CTX_LEFT_OPEN
};

/* How the text of a title, content or summary is written (Atom's type attribute; RSS
 * descriptions and content:encoded are HTML). */
enum text_type { TT_TEXT, TT_HTML, TT_XHTML, TT_NONE /* out-of-line or binary: ignored */ };

typedef struct ctx {
    enum ctx_kind kind;
    unsigned depth;
    int of_item; /* CTX_PERSON: an entry's author, not the feed's */
} ctx;

/* An Atom person construct. */
typedef struct person_buf {
    pv_buf name, email;
} person_buf;

/* Fields of the item being read. All are emptied when an item starts. */
typedef struct item {
    pv_buf title, dc_title, desc, dc_desc, itunes_summary, content, summary;
    pv_buf link, atom_link, guid, about, atom_id;
    pv_buf pub_date, dc_date, published, updated, post_date_gmt, post_date;
    pv_buf creator, rss_author, itunes_author;
    pv_buf rights, license, license_link, lang;
    pv_buf wp_status, wp_type, wp_password, wp_id;
    person_buf authors[AUTHORS_MAX];
    size_t nauthors;
    enum text_type title_type, content_type, summary_type;
    int has_content, has_summary;
    int wp;        /* it has wp: fields: a WXR post */
    int too_large; /* a text field hit its limit */
    int bad;       /* a metadata field hit its limit */
    const char *bad_field;
    unsigned long line; /* where it starts */
} item;

typedef struct comment {
    pv_buf id, author, date_gmt, date, content, approved, type;
    int too_large, bad;
    const char *bad_field;
    unsigned long line;
} comment;

/* The feed's own metadata: defaults for its items. */
typedef struct channel {
    pv_buf title, link, atom_link, atom_id, lang, base_url;
    pv_buf creator, itunes_author, rights, license;
    person_buf author;
    int has_author;
} channel;

typedef struct wp_author {
    char *login, *name, *email;
} wp_author;

/* State of one pv_feed__read call. */
typedef struct rd {
    const char *path;
    const pv_reader_opts *o;
    const pv_sink *sink;
    pv_reader_stats *st;
    pv_err *err;
    XML_Parser xp;
    int rc;      /* first error: the parser was stopped */
    int is_wxr;  /* wp: namespace seen */
    int root_ok; /* the root element is a feed's */
    int named;   /* sink->source was called */
    unsigned depth;
    ctx stack[CTX_MAX];
    size_t nctx;
    uint64_t nitems;    /* items and entries met (for locators of link-less items) */
    uint64_t left_open; /* items whose end tag is missing (bad records, counted) */

    /* The field receiving character data, and the depth of its element. */
    pv_buf *cap;
    unsigned cap_depth;
    int cap_xhtml;    /* serialize nested markup back into HTML */
    int *cap_overrun; /* set when cap hits its limit */
    int cap_text;     /* cap is a text field (over the limit: too large, not bad) */
    const char *cap_field;
    int *cap_bad;
    const char **cap_bad_field;

    item it;
    comment cm;
    channel ch;
    wp_author *authors;
    size_t nauthors, authors_cap;
    int authors_sorted;
    pv_buf a_login, a_email, a_name; /* the wp:author being read */

    pv_buf text;    /* the document's text */
    pv_buf scratch; /* an RSS author split into name and email */
    pv_buf wp_html; /* WordPress content with its line breaks made <br> */
    pv_buf loc;     /* built locators */
    char license[64], ch_license[64];
    size_t text_limit;

    /* Recovery from invalid XML: a fresh parser is given the start tags that open the items'
     * container (the root, and RSS's channel, with the namespaces they declare), then the
     * bytes from the next item on. */
    pv_buf prologue;         /* those start tags */
    pv_buf nsdecl;           /* namespaces declared on the element about to start */
    pv_buf nslist;           /* and on the container: "PREFIX\0URI\0" each ("" default) */
    int prologue_bad;        /* they did not fit: no recovery */
    int replaying;           /* the prologue is being fed again */
    unsigned long line_base; /* lines of the file before what the current parser reads */
    long col_shift;          /* on the parser's first line: its columns minus the file's */
    const char *item_word;   /* "item", or "entry" in Atom */
} rd;

/* ---- small helpers ---- */

/* The line of the file the parser is at. */
static unsigned long line_now(const rd *r)
{
    return (unsigned long)XML_GetCurrentLineNumber(r->xp) + r->line_base;
}

/* The column of the file the parser is at, from 1. */
static unsigned long col_now(const rd *r)
{
    long c = (long)XML_GetCurrentColumnNumber(r->xp) + 1;
    if (XML_GetCurrentLineNumber(r->xp) == 1)
        c += r->col_shift;
    return c > 0 ? (unsigned long)c : 1;
}

static void stop(rd *r, int rc)
{
    if (!r->rc) {
        r->rc = rc;
        XML_StopParser(r->xp, XML_FALSE);
    }
}

/* The contents of b as a NUL-terminated string with surrounding whitespace removed
 * (in place); "" for an empty buffer. */
static const char *str(pv_buf *b)
{
    size_t s = 0, e = b->len;
    if (!b->len)
        return "";
    while (s < e &&
           (b->data[s] == ' ' || b->data[s] == '\t' || b->data[s] == '\n' || b->data[s] == '\r'))
        s++;
    while (e > s && (b->data[e - 1] == ' ' || b->data[e - 1] == '\t' || b->data[e - 1] == '\n' ||
                     b->data[e - 1] == '\r'))
        e--;
    /* Every field buffer keeps a byte of room past its limit for this NUL. */
    if (e == b->len && pv_buf__reserve(b, 1))
        e--;
    b->data[e] = '\0';
    return b->data + s;
}

static const char *first_nonempty(const char *a, const char *b, const char *c, const char *d)
{
    if (a && *a)
        return a;
    if (b && *b)
        return b;
    if (c && *c)
        return c;
    return d && *d ? d : NULL;
}

/* A malformed record, by the readers' one policy (pv_source__bad): counted and reported, or
 * with strict the reader's error. */
static int bad_record(rd *r, unsigned long line, const char *what)
{
    return pv_source__bad(r->o, r->st, r->err, "%s: line %lu: %s", r->path, line, what);
}

/* 1 when an item or entry is open (an error now cuts it short). */
static int in_item(const rd *r)
{
    size_t i;
    for (i = 0; i < r->nctx; i++)
        if (r->stack[i].kind == CTX_ITEM)
            return 1;
    return 0;
}

static void buf_init(pv_buf *b, size_t limit)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->limit = limit + 1; /* room for str()'s NUL */
}

/* ---- namespaces and names ---- */

static enum ns ns_of(const char *uri, size_t n)
{
#define IS(s) (n == sizeof(s) - 1 && !memcmp(uri, s, n))
#define STARTS(s) (n >= sizeof(s) - 1 && !memcmp(uri, s, sizeof(s) - 1))
    if (!n)
        return NS_NONE;
    if (IS("http://purl.org/rss/1.0/") || IS("http://my.netscape.com/rdf/simple/0.9/") ||
        IS("http://purl.org/net/rss1.1#"))
        return NS_RSS;
    if (IS("http://www.w3.org/2005/Atom") || IS("http://purl.org/atom/ns#"))
        return NS_ATOM;
    if (IS("http://purl.org/rss/1.0/modules/content/"))
        return NS_CONTENT;
    if (IS("http://purl.org/dc/elements/1.1/"))
        return NS_DC;
    if (IS("http://purl.org/dc/terms/"))
        return NS_DCTERMS;
    if (IS("http://www.w3.org/1999/02/22-rdf-syntax-ns#"))
        return NS_RDF;
    if (IS("http://www.itunes.com/dtds/podcast-1.0.dtd"))
        return NS_ITUNES;
    if (IS("http://backend.userland.com/creativeCommonsRssModule") ||
        IS("http://cyber.law.harvard.edu/rss/creativeCommonsRssModule.html") ||
        IS("http://web.resource.org/cc/") || IS("http://creativecommons.org/ns#"))
        return NS_CC;
    if (IS("http://www.w3.org/1999/xhtml"))
        return NS_XHTML;
    /* http://wordpress.org/export/1.0/ .. 1.2/ ; the excerpt/ namespace is not wanted. */
    if ((STARTS("http://wordpress.org/export/") || STARTS("https://wordpress.org/export/")) &&
        uri[n - 1] == '/' && !(n >= 8 && !memcmp(uri + n - 8, "excerpt/", 8)))
        return NS_WP;
    return NS_OTHER;
#undef IS
#undef STARTS
}

/* Split an expat name into its namespace and local part. */
static enum ns split_name(const char *name, const char **local)
{
    const char *sep = strchr(name, NS_SEP);
    if (!sep) {
        *local = name;
        return NS_NONE;
    }
    *local = sep + 1;
    return ns_of(name, (size_t)(sep - name));
}

/* Attribute value by namespace and local name, or NULL. */
static const char *attr(const char **atts, enum ns want, const char *local)
{
    size_t i;
    for (i = 0; atts[i]; i += 2) {
        const char *l;
        if (split_name(atts[i], &l) == want && !strcmp(l, local))
            return atts[i + 1];
    }
    return NULL;
}

static enum text_type text_type_of(const char **atts)
{
    const char *t = attr(atts, NS_NONE, "type"), *mode = attr(atts, NS_NONE, "mode");
    if (attr(atts, NS_NONE, "src"))
        return TT_NONE;
    if (mode && !strcmp(mode, "base64"))
        return TT_NONE; /* Atom 0.3 */
    if (!t || !strcasecmp(t, "text") || !strcasecmp(t, "text/plain"))
        return TT_TEXT;
    if (!strcasecmp(t, "html") || !strcasecmp(t, "text/html"))
        return TT_HTML;
    if (!strcasecmp(t, "xhtml") || !strcasecmp(t, "application/xhtml+xml"))
        return TT_XHTML;
    if (!strncasecmp(t, "text/", 5))
        return TT_TEXT;
    return TT_NONE;
}

/* ---- licenses ---- */

/* SPDX ids of the Creative Commons licenses ported to a jurisdiction that SPDX lists. */
static const char *const cc_ports[] = {
    "CC-BY-2.5-AU",       "CC-BY-3.0-AT",        "CC-BY-3.0-AU",        "CC-BY-3.0-DE",
    "CC-BY-3.0-IGO",      "CC-BY-3.0-NL",        "CC-BY-3.0-US",        "CC-BY-NC-3.0-DE",
    "CC-BY-NC-ND-3.0-DE", "CC-BY-NC-ND-3.0-IGO", "CC-BY-NC-SA-2.0-DE",  "CC-BY-NC-SA-2.0-FR",
    "CC-BY-NC-SA-2.0-UK", "CC-BY-NC-SA-3.0-DE",  "CC-BY-NC-SA-3.0-IGO", "CC-BY-ND-3.0-DE",
    "CC-BY-SA-2.0-UK",    "CC-BY-SA-2.1-JP",     "CC-BY-SA-3.0-AT",     "CC-BY-SA-3.0-DE",
    "CC-BY-SA-3.0-IGO",
};

/* SPDX id of a Creative Commons license named by its URL
 * ("https://creativecommons.org/licenses/by-sa/4.0/", "http://www.creativecommons.org/
 * licenses/by-nc/1.0", ".../publicdomain/zero/1.0/") or its short name ("CC BY-SA 4.0"),
 * into out (size 64); 1 when it is one SPDX lists, 0 otherwise. */
static int cc_spdx(const char *s, char *out)
{
    char code[16], ver[8], port[16];
    size_t n = 0, i;
    const char *p;
    static const char *const codes[] = {"BY", "BY-SA", "BY-ND", "BY-NC", "BY-NC-SA", "BY-NC-ND"};

    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    if ((p = strstr(s, "creativecommons.org/"))) {
        p += strlen("creativecommons.org/");
        if (!strncmp(p, "publicdomain/zero/1.0", 21)) {
            strcpy(out, "CC0-1.0");
            return 1;
        }
        if (strncmp(p, "licenses/", 9))
            return 0;
        p += 9;
        /* code */
        while (*p && *p != '/' && n + 1 < sizeof code) {
            char c = *p++;
            code[n++] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
        }
        code[n] = '\0';
        if (*p++ != '/')
            return 0;
        for (n = 0; ((*p >= '0' && *p <= '9') || *p == '.') && n + 1 < sizeof ver; p++)
            ver[n++] = *p;
        ver[n] = '\0';
        n = 0;
        if (*p == '/') {
            /* A jurisdiction ("uk/"), or "deed.en", "legalcode" after the version. */
            p++;
            while (((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                    (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-') &&
                   n + 1 < sizeof port) {
                char c = *p++;
                port[n++] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
            }
            port[n] = '\0';
            if (!strncmp(port, "DEED", 4) || !strncmp(port, "LEGALCODE", 9))
                n = 0;
        }
        port[n] = '\0';
    } else {
        /* "CC BY-SA 4.0", "CC-BY-SA-4.0", "cc by 3.0", "CC0 1.0" */
        size_t k;
        if (!strncasecmp(s, "CC0", 3) &&
            (!s[3] || !strcmp(s + 3, " 1.0") || !strcmp(s + 3, "-1.0"))) {
            strcpy(out, "CC0-1.0");
            return 1;
        }
        if (strncasecmp(s, "CC", 2) || (s[2] != ' ' && s[2] != '-'))
            return 0;
        p = s + 3;
        for (; *p && !(*p >= '0' && *p <= '9') && n + 1 < sizeof code; p++) {
            char c = *p;
            code[n++] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c == ' ' ? '-' : c);
        }
        while (n && code[n - 1] == '-')
            n--;
        code[n] = '\0';
        for (k = 0; ((*p >= '0' && *p <= '9') || *p == '.') && k + 1 < sizeof ver; p++)
            ver[k++] = *p;
        ver[k] = '\0';
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        if (*p)
            return 0;
        port[0] = '\0';
    }
    if (!strcmp(code, "BY-ND-NC"))
        strcpy(code, "BY-NC-ND");
    for (i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (!strcmp(code, codes[i]))
            break;
    if (i == sizeof codes / sizeof codes[0])
        return 0;
    if (strcmp(ver, "1.0") && strcmp(ver, "2.0") && strcmp(ver, "2.5") && strcmp(ver, "3.0") &&
        strcmp(ver, "4.0") && !(port[0] && !strcmp(ver, "2.1")))
        return 0;
    if (!port[0]) {
        snprintf(out, 64, "CC-%s-%s", code, ver);
        return 1;
    }
    snprintf(out, 64, "CC-%s-%s-%s", code, ver, port);
    for (i = 0; i < sizeof cc_ports / sizeof cc_ports[0]; i++)
        if (!strcmp(out, cc_ports[i]))
            return 1;
    return 0;
}

/* ---- WordPress authors ---- */

static int author_cmp(const void *a, const void *b)
{
    return strcmp(((const wp_author *)a)->login, ((const wp_author *)b)->login);
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

static void add_wp_author(rd *r)
{
    const char *login = str(&r->a_login);
    wp_author *a;
    if (!*login)
        return;
    if (r->nauthors >= WP_AUTHORS_MAX) {
        pv_source__diag(r->o, PV_WARNING,
                        "%s: line %lu: over %zu wp:author entries; the rest are ignored", r->path,
                        line_now(r), WP_AUTHORS_MAX);
        return;
    }
    if (pv_array__grow((void **)&r->authors, &r->authors_cap, r->nauthors + 1,
                       sizeof *r->authors)) {
        stop(r, pv_err__set(r->err, PV_ENOMEM, "out of memory reading '%s'", r->path));
        return;
    }
    a = &r->authors[r->nauthors];
    a->login = dup_str(login);
    a->name = dup_str(str(&r->a_name));
    a->email = dup_str(str(&r->a_email));
    if (!a->login || !a->name || !a->email) {
        free(a->login);
        free(a->name);
        free(a->email);
        stop(r, pv_err__set(r->err, PV_ENOMEM, "out of memory reading '%s'", r->path));
        return;
    }
    r->nauthors++;
    r->authors_sorted = 0;
}

static const wp_author *find_wp_author(rd *r, const char *login)
{
    wp_author key = {NULL, NULL, NULL};
    if (!r->nauthors)
        return NULL;
    if (!r->authors_sorted) {
        qsort(r->authors, r->nauthors, sizeof *r->authors, author_cmp);
        r->authors_sorted = 1;
    }
    key.login = (char *)login;
    return bsearch(&key, r->authors, r->nauthors, sizeof *r->authors, author_cmp);
}

/* ---- documents ---- */

static int name_source(rd *r)
{
    const char *name;
    if (r->named || !r->sink->source)
        return 0;
    r->named = 1;
    name = first_nonempty(str(&r->ch.base_url), str(&r->ch.link), str(&r->ch.atom_link),
                          str(&r->ch.atom_id));
    return r->sink->source(r->sink->ctx, name, r->is_wxr ? "wordpress" : "feed");
}

/* WordPress stores posts and comments as written: a line break is a line break (the
 * theme's wpautop adds <br> and <p> when showing them). Into r->wp_html, every line end
 * outside a tag and outside <pre> becomes "<br>\n", so that the text keeps the author's
 * lines. */
static int wp_line_breaks(rd *r, const pv_buf *body)
{
    const char *p = body->data, *end = body->data + body->len, *q;
    int in_pre = 0, rc = 0;
    r->wp_html.len = 0;
    while (!rc && p < end) {
        for (q = p; q < end && *q != '<' && *q != '\n'; q++)
            ;
        rc = pv_buf__append(&r->wp_html, p, (size_t)(q - p));
        if (rc || q == end)
            break;
        if (*q == '\n') {
            rc = in_pre ? pv_buf__append(&r->wp_html, "\n", 1)
                        : pv_buf__append(&r->wp_html, "<br>\n", 5);
            p = q + 1;
            continue;
        }
        /* A tag: copied whole; <pre> and </pre> switch the line handling. */
        if (end - q >= 4 && !strncasecmp(q, "<pre", 4) &&
            (end - q == 4 || q[4] == '>' || q[4] == ' ' || q[4] == '\t' || q[4] == '\n'))
            in_pre = 1;
        else if (end - q >= 5 && !strncasecmp(q, "</pre", 5))
            in_pre = 0;
        p = memchr(q, '>', (size_t)(end - q));
        p = p ? p + 1 : end;
        rc = pv_buf__append(&r->wp_html, q, (size_t)(p - q));
    }
    return rc;
}

/* Append body (HTML, XHTML re-serialized as HTML, or plain text) as text to r->text; wp:
 * it is a WordPress post or comment, whose line breaks count. */
static int append_body(rd *r, pv_buf *body, enum text_type type, int wp)
{
    int rc;
    if (!body->len || type == TT_NONE)
        return 0;
    if (type == TT_TEXT ||
        (!memchr(body->data, '<', body->len) && !memchr(body->data, '&', body->len))) {
        /* Without markup the text is its own text, line breaks included. */
        const char *s = str(body);
        return pv_buf__append(&r->text, s, strlen(s));
    }
    if (wp && memchr(body->data, '\n', body->len)) {
        if ((rc = wp_line_breaks(r, body)))
            return rc;
        return pv_html__to_text(r->wp_html.data, r->wp_html.len, &r->text, NULL, r->err);
    }
    rc = pv_html__to_text(body->data, body->len, &r->text, NULL, r->err);
    return rc;
}

/* Title as one line of plain text into r->text. */
static int append_title(rd *r, pv_buf *title, enum text_type type)
{
    size_t start = r->text.len, i, o;
    int rc, space = 0;
    if (!title->len)
        return 0;
    if (type == TT_HTML || type == TT_XHTML)
        rc = pv_html__to_text(title->data, title->len, &r->text, NULL, r->err);
    else
        rc = pv_buf__append(&r->text, title->data, title->len);
    if (rc)
        return rc;
    /* One line, whitespace collapsed. */
    for (i = o = start; i < r->text.len; i++) {
        char c = r->text.data[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = o > start;
            continue;
        }
        if (space)
            r->text.data[o++] = ' ';
        space = 0;
        r->text.data[o++] = c;
    }
    r->text.len = o;
    return 0;
}

/* Drops trailing line ends and spaces of r->text; 1 when nothing is left, the record (what,
 * at line) then counted as skipped for being empty. */
static int trim_text_empty(rd *r, const char *what, unsigned long line)
{
    while (r->text.len &&
           (r->text.data[r->text.len - 1] == '\n' || r->text.data[r->text.len - 1] == ' ' ||
            r->text.data[r->text.len - 1] == '\r' || r->text.data[r->text.len - 1] == '\t'))
        r->text.len--;
    if (r->text.len)
        return 0;
    pv_source__skip(r->o, r->st, &r->st->skipped_empty, "%s: line %lu: %s skipped: no text",
                    r->path, line, what);
    return 1;
}

/* An Atom person as the sink sees it: the name, else the email; the email when there is one. */
static pv_person atom_person(person_buf *p)
{
    pv_person out;
    const char *nm = str(&p->name), *em = str(&p->email);
    out.name = *nm ? nm : *em ? em : NULL;
    out.email = *em ? em : NULL;
    out.id = NULL;
    return out;
}

/* Text limit reached while building a document: skipped as too large. */
static int too_large(rd *r, const char *what, unsigned long line)
{
    pv_source__skip(r->o, r->st, &r->st->skipped_large, "%s: line %lu: %s over %zu bytes skipped",
                    r->path, line, what, r->text_limit);
    return 0;
}

/* Parse an RSS <author> "jo@example.com (Jo Bloggs)" into name and email. */
static void split_rss_author(rd *r, const char *s, pv_person *p)
{
    const char *open = strrchr(s, '('), *close = strrchr(s, ')');
    size_t n = strlen(s);
    r->scratch.len = 0;
    if (open && close && close > open && pv_buf__reserve(&r->scratch, n + 2) == 0) {
        char *d = r->scratch.data;
        size_t a = (size_t)(open - s), k;
        memcpy(d, s, n + 1);
        d[close - s] = '\0';
        d[a] = '\0';
        while (a && (d[a - 1] == ' ' || d[a - 1] == '\t'))
            d[--a] = '\0';
        p->name = d + (open - s) + 1;
        while (*p->name == ' ')
            p->name++;
        k = strlen(p->name);
        while (k && p->name[k - 1] == ' ')
            ((char *)p->name)[--k] = '\0';
        p->email = strchr(d, '@') ? d : NULL;
        if (!*p->name)
            p->name = p->email;
        return;
    }
    p->name = s;
    p->email = strchr(s, '@') && !strchr(s, ' ') ? s : NULL;
}

static int64_t wp_date(pv_buf *gmt, pv_buf *local)
{
    int64_t d = pv_date__parse(str(gmt));
    return d != PV_DATE_UNKNOWN ? d : pv_date__parse(str(local));
}

/* Post types of a WXR export that hold no writing of their own. */
static int wp_type_skipped(const char *t)
{
    static const char *const skip[] = {
        "attachment",          "nav_menu_item",      "revision",      "custom_css",
        "customize_changeset", "oembed_cache",       "user_request",  "wp_template",
        "wp_template_part",    "wp_global_styles",   "wp_navigation", "wp_font_family",
        "wp_font_face",        "scheduled-action",   "shop_order",    "shop_coupon",
        "shop_order_refund",   "wpcf7_contact_form", "acf-field",     "acf-field-group",
    };
    size_t i;
    for (i = 0; i < sizeof skip / sizeof skip[0]; i++)
        if (!strcmp(t, skip[i]))
            return 1;
    return 0;
}

static int send_doc(rd *r, pv_doc_in *d, unsigned long line)
{
    int rc;
    if (r->o->max_doc_size && r->text.len > r->o->max_doc_size) {
        pv_source__skip(r->o, r->st, &r->st->skipped_large,
                        "%s: line %lu: %s over --max-file-size skipped", r->path, line, d->kind);
        return 0;
    }
    if ((rc = name_source(r)))
        return rc;
    d->text = r->text.len ? r->text.data : "";
    d->len = r->text.len;
    rc = r->sink->doc(r->sink->ctx, d);
    if (rc)
        return rc;
    r->st->documents++;
    return 0;
}

/* An item or entry ended: hand it on, or count why not. */
static int end_item(rd *r)
{
    item *it = &r->it;
    pv_doc_in d;
    pv_person co[AUTHORS_MAX];
    const char *loc, *lic, *kind = "entry";
    pv_buf *body;
    enum text_type btype;
    size_t i;
    int rc;

    r->st->records++;
    if (it->bad) {
        char what[128];
        snprintf(what, sizeof what, "<%s> longer than %zu bytes", it->bad_field, FIELD_MAX);
        return bad_record(r, it->line, what);
    }
    if (it->too_large)
        return too_large(r, "item", it->line);

    if (it->wp) {
        const char *type = str(&it->wp_type), *status = str(&it->wp_status);
        if (!*type)
            type = "post";
        if (wp_type_skipped(type) || strcmp(status, "publish") || *str(&it->wp_password)) {
            /* attachments, menus, drafts, private and protected posts */
            pv_source__skip(r->o, r->st, NULL, "%s: line %lu: %s skipped: %s", r->path, it->line,
                            type,
                            wp_type_skipped(type)       ? "not a post or page"
                            : strcmp(status, "publish") ? "not published"
                                                        : "password-protected");
            return 0;
        }
        kind = !strcmp(type, "page") ? "page" : "post";
    }

    /* text: title, a blank line, the content */
    r->text.len = 0;
    if (it->title.len)
        rc = append_title(r, &it->title, it->title_type);
    else
        rc = append_title(r, &it->dc_title, TT_TEXT);
    if (it->has_content && it->content_type != TT_NONE && it->content.len)
        body = &it->content, btype = it->content_type;
    else if (it->has_summary && it->summary_type != TT_NONE && it->summary.len)
        body = &it->summary, btype = it->summary_type;
    else if (it->desc.len)
        body = &it->desc, btype = TT_HTML;
    else if (it->dc_desc.len)
        body = &it->dc_desc, btype = TT_HTML;
    else
        body = &it->itunes_summary, btype = TT_TEXT;
    if (!rc && body->len && r->text.len)
        rc = pv_buf__append(&r->text, "\n\n", 2);
    if (!rc)
        rc = append_body(r, body, btype, it->wp);
    if (rc == PV_ELIMIT)
        return too_large(r, "item", it->line);
    if (rc)
        return rc == PV_ENOMEM ? pv_err__set(r->err, rc, "out of memory reading '%s'", r->path)
                               : rc;
    if (trim_text_empty(r, kind, it->line))
        return 0;

    memset(&d, 0, sizeof d);
    d.kind = kind;

    /* locator */
    loc = first_nonempty(str(&it->link), str(&it->atom_link), str(&it->guid), str(&it->atom_id));
    if (!loc)
        loc = first_nonempty(str(&it->about), NULL, NULL, NULL);
    if (!loc) {
        char num[32];
        snprintf(num, sizeof num, "#item-%llu", (unsigned long long)r->nitems);
        r->loc.len = 0;
        if (pv_buf__append(&r->loc, r->path, strlen(r->path)) ||
            pv_buf__append(&r->loc, num, strlen(num) + 1))
            return pv_err__set(r->err, PV_ENOMEM, "out of memory reading '%s'", r->path);
        loc = r->loc.data;
    }
    d.locator = loc;

    /* date */
    if (it->wp)
        d.origin.date = wp_date(&it->post_date_gmt, &it->post_date);
    else
        d.origin.date = PV_DATE_UNKNOWN;
    if (d.origin.date == PV_DATE_UNKNOWN)
        d.origin.date = pv_date__parse(str(&it->pub_date));
    if (d.origin.date == PV_DATE_UNKNOWN)
        d.origin.date = pv_date__parse(str(&it->dc_date));
    if (d.origin.date == PV_DATE_UNKNOWN)
        d.origin.date = pv_date__parse(str(&it->published));
    if (d.origin.date == PV_DATE_UNKNOWN)
        d.origin.date = pv_date__parse(str(&it->updated));

    /* author */
    if (it->wp && *str(&it->creator)) {
        const char *login = str(&it->creator);
        const wp_author *a = find_wp_author(r, login);
        d.origin.author.id = login;
        d.origin.author.name = a && *a->name ? a->name : login;
        d.origin.author.email = a && *a->email ? a->email : NULL;
    } else if (*str(&it->creator)) {
        d.origin.author.name = str(&it->creator);
    } else if (it->nauthors) {
        for (i = 0; i < it->nauthors; i++)
            co[i] = atom_person(&it->authors[i]);
        d.origin.author = co[0];
        if (it->nauthors > 1) {
            d.origin.coauthors = co + 1;
            d.origin.ncoauthors = it->nauthors - 1;
        }
    } else if (*str(&it->rss_author)) {
        split_rss_author(r, str(&it->rss_author), &d.origin.author);
    } else if (*str(&it->itunes_author)) {
        d.origin.author.name = str(&it->itunes_author);
    } else if (r->ch.has_author) {
        d.origin.author = atom_person(&r->ch.author);
    } else {
        d.origin.author.name =
            first_nonempty(str(&r->ch.creator), str(&r->ch.itunes_author), NULL, NULL);
    }

    /* license: the item's own, else the feed's */
    lic = NULL;
    if (cc_spdx(str(&it->license), r->license) || cc_spdx(str(&it->license_link), r->license) ||
        cc_spdx(str(&it->rights), r->license))
        lic = r->license;
    else if (!it->license.len && !it->license_link.len && !it->rights.len &&
             (cc_spdx(str(&r->ch.license), r->ch_license) ||
              cc_spdx(str(&r->ch.rights), r->ch_license)))
        lic = r->ch_license;
    d.license = lic;

    d.lang = first_nonempty(str(&it->lang), str(&r->ch.lang), NULL, NULL);
    return send_doc(r, &d, it->line);
}

/* A wp:comment ended inside a post: hand it on when comments are wanted. */
static int end_comment(rd *r)
{
    comment *c = &r->cm;
    item *it = &r->it;
    pv_doc_in d;
    const char *link, *type;
    int rc;

    if (!r->o->comments)
        return 0;
    r->st->records++;
    if (c->bad) {
        char what[128];
        snprintf(what, sizeof what, "<%s> longer than %zu bytes", c->bad_field, FIELD_MAX);
        return bad_record(r, c->line, what);
    }
    if (c->too_large)
        return too_large(r, "comment", c->line);
    /* Only approved comments of published posts; pingbacks and trackbacks quote others. */
    type = str(&c->type);
    if (strcmp(str(&c->approved), "1") || (*type && strcmp(type, "comment")) ||
        strcmp(str(&it->wp_status), "publish") || *str(&it->wp_password) ||
        wp_type_skipped(*str(&it->wp_type) ? str(&it->wp_type) : "post")) {
        pv_source__skip(r->o, r->st, NULL,
                        "%s: line %lu: comment skipped: not an approved comment of a published "
                        "post",
                        r->path, c->line);
        return 0;
    }
    r->text.len = 0;
    rc = append_body(r, &c->content, TT_HTML, 1);
    if (rc == PV_ELIMIT)
        return too_large(r, "comment", c->line);
    if (rc)
        return rc;
    if (trim_text_empty(r, "comment", c->line))
        return 0;
    memset(&d, 0, sizeof d);
    d.kind = "comment";
    link = first_nonempty(str(&it->link), str(&it->guid), NULL, NULL);
    r->loc.len = 0;
    if (link)
        rc = pv_buf__append(&r->loc, link, strlen(link));
    else
        rc = pv_buf__append(&r->loc, r->path, strlen(r->path));
    if (!rc)
        rc = pv_buf__append(&r->loc, "#comment-", 9);
    if (!rc)
        rc = pv_buf__append(&r->loc, str(&c->id), strlen(str(&c->id)) + 1);
    if (rc)
        return pv_err__set(r->err, PV_ENOMEM, "out of memory reading '%s'", r->path);
    d.locator = r->loc.data;
    d.origin.date = wp_date(&c->date_gmt, &c->date);
    /* The commenter's name only: their email and IP address are never read. */
    d.origin.author.name = *str(&c->author) ? str(&c->author) : NULL;
    d.lang = first_nonempty(str(&r->ch.lang), NULL, NULL, NULL);
    return send_doc(r, &d, c->line);
}

/* ---- expat callbacks ---- */

static void reset_buf(pv_buf *b)
{
    b->len = 0;
}

static void begin_item(rd *r)
{
    item *it = &r->it;
    size_t i;
    pv_buf *all[] = {&it->title,          &it->dc_title,  &it->desc,      &it->dc_desc,
                     &it->itunes_summary, &it->content,   &it->summary,   &it->link,
                     &it->atom_link,      &it->guid,      &it->about,     &it->atom_id,
                     &it->pub_date,       &it->dc_date,   &it->published, &it->updated,
                     &it->post_date_gmt,  &it->post_date, &it->creator,   &it->rss_author,
                     &it->itunes_author,  &it->rights,    &it->license,   &it->license_link,
                     &it->lang,           &it->wp_status, &it->wp_type,   &it->wp_password,
                     &it->wp_id};
    for (i = 0; i < sizeof all / sizeof all[0]; i++)
        reset_buf(all[i]);
    for (i = 0; i < AUTHORS_MAX; i++) {
        reset_buf(&it->authors[i].name);
        reset_buf(&it->authors[i].email);
    }
    it->nauthors = 0;
    it->title_type = it->content_type = it->summary_type = TT_TEXT;
    it->has_content = it->has_summary = 0;
    it->wp = it->too_large = it->bad = 0;
    it->bad_field = NULL;
    it->line = line_now(r);
    r->nitems++;
}

static void begin_comment(rd *r)
{
    comment *c = &r->cm;
    reset_buf(&c->id);
    reset_buf(&c->author);
    reset_buf(&c->date_gmt);
    reset_buf(&c->date);
    reset_buf(&c->content);
    reset_buf(&c->approved);
    reset_buf(&c->type);
    c->too_large = c->bad = 0;
    c->bad_field = NULL;
    c->line = line_now(r);
}

static void push(rd *r, enum ctx_kind kind, int of_item)
{
    if (r->nctx == CTX_MAX)
        return; /* cannot happen: contexts nest at most five deep */
    r->stack[r->nctx].kind = kind;
    r->stack[r->nctx].depth = r->depth;
    r->stack[r->nctx].of_item = of_item;
    r->nctx++;
}

/* Start capturing the character data of the element just opened into b. text: a text
 * field (its overflow makes the record too large) rather than a metadata field. */
static void capture(rd *r, pv_buf *b, int text, const char *field, int xhtml)
{
    int is_comment = r->nctx && r->stack[r->nctx - 1].kind == CTX_COMMENT;
    r->cap = b;
    r->cap_depth = r->depth;
    r->cap_text = text;
    r->cap_xhtml = xhtml;
    r->cap_field = field;
    b->len = 0;
    if (is_comment) {
        r->cap_overrun = &r->cm.too_large;
        r->cap_bad = &r->cm.bad;
        r->cap_bad_field = &r->cm.bad_field;
    } else {
        r->cap_overrun = &r->it.too_large;
        r->cap_bad = &r->it.bad;
        r->cap_bad_field = &r->it.bad_field;
    }
}

static void append_cap(rd *r, const char *s, size_t n)
{
    int rc = pv_buf__append(r->cap, s, n);
    if (!rc)
        return;
    if (rc == PV_ENOMEM) {
        stop(r, pv_err__set(r->err, PV_ENOMEM, "out of memory reading '%s'", r->path));
        return;
    }
    if (r->cap_text) {
        *r->cap_overrun = 1;
    } else {
        *r->cap_bad = 1;
        *r->cap_bad_field = r->cap_field;
    }
    r->cap->len = 0;
}

/* <cc:license rdf:resource="URL"/> replaces license with the URL; <cc:license>URL</cc:license>
 * is captured into it. */
static void cc_license(rd *r, pv_buf *license, const char **atts)
{
    const char *res = attr(atts, NS_RDF, "resource");
    if (res) {
        license->len = 0;
        pv_buf__append(license, res, strlen(res));
    } else {
        capture(r, license, 0, "license", 0);
    }
}

/* An Atom <link>: the first rel="alternate" (or no rel) href goes to alternate, the first
 * rel="license" href to license. */
static void atom_link(const char **atts, pv_buf *alternate, pv_buf *license)
{
    const char *rel = attr(atts, NS_NONE, "rel"), *href = attr(atts, NS_NONE, "href");
    if (href && (!rel || !strcmp(rel, "alternate")) && !alternate->len)
        pv_buf__append(alternate, href, strlen(href));
    else if (href && rel && !strcmp(rel, "license") && !license->len)
        pv_buf__append(license, href, strlen(href));
}

static void on_channel_child(rd *r, enum ns ns, const char *l, const char **atts)
{
    channel *ch = &r->ch;
    switch (ns) {
    case NS_NONE:
    case NS_RSS:
        if (!strcmp(l, "item")) {
            begin_item(r);
            push(r, CTX_ITEM, 0);
        } else if (!strcmp(l, "title")) {
            capture(r, &ch->title, 0, "title", 0);
        } else if (!strcmp(l, "link")) {
            capture(r, &ch->link, 0, "link", 0);
        } else if (!strcmp(l, "language")) {
            capture(r, &ch->lang, 0, "language", 0);
        } else if (!strcmp(l, "copyright")) {
            capture(r, &ch->rights, 0, "copyright", 0);
        }
        return;
    case NS_ATOM:
        if (!strcmp(l, "entry")) {
            begin_item(r);
            push(r, CTX_ITEM, 0);
        } else if (!strcmp(l, "author")) {
            reset_buf(&ch->author.name);
            reset_buf(&ch->author.email);
            push(r, CTX_PERSON, 0);
        } else if (!strcmp(l, "rights") || !strcmp(l, "copyright")) {
            capture(r, &ch->rights, 0, "rights", 0);
        } else if (!strcmp(l, "id")) {
            capture(r, &ch->atom_id, 0, "id", 0);
        } else if (!strcmp(l, "title")) {
            capture(r, &ch->title, 0, "title", 0);
        } else if (!strcmp(l, "link")) {
            atom_link(atts, &ch->atom_link, &ch->license);
        }
        return;
    case NS_DC:
        if (!strcmp(l, "creator"))
            capture(r, &ch->creator, 0, "dc:creator", 0);
        else if (!strcmp(l, "rights"))
            capture(r, &ch->rights, 0, "dc:rights", 0);
        else if (!strcmp(l, "language"))
            capture(r, &ch->lang, 0, "dc:language", 0);
        return;
    case NS_DCTERMS:
        if (!strcmp(l, "license") || !strcmp(l, "rights"))
            capture(r, &ch->rights, 0, "dcterms:license", 0);
        return;
    case NS_ITUNES:
        if (!strcmp(l, "author"))
            capture(r, &ch->itunes_author, 0, "itunes:author", 0);
        return;
    case NS_CC:
        if (!strcmp(l, "license")) {
            cc_license(r, &ch->license, atts);
        }
        return;
    case NS_WP:
        r->is_wxr = 1;
        if (!strcmp(l, "author")) {
            reset_buf(&r->a_login);
            reset_buf(&r->a_email);
            reset_buf(&r->a_name);
            push(r, CTX_WP_AUTHOR, 0);
        } else if (!strcmp(l, "base_blog_url")) {
            capture(r, &ch->base_url, 0, "wp:base_blog_url", 0);
        }
        return;
    default:
        return;
    }
}

static void on_item_child(rd *r, enum ns ns, const char *l, const char **atts)
{
    item *it = &r->it;
    switch (ns) {
    case NS_NONE:
    case NS_RSS:
        if (!strcmp(l, "title"))
            capture(r, &it->title, 1, "title", 0);
        else if (!strcmp(l, "link"))
            capture(r, &it->link, 0, "link", 0);
        else if (!strcmp(l, "description"))
            capture(r, &it->desc, 1, "description", 0);
        else if (!strcmp(l, "guid"))
            capture(r, &it->guid, 0, "guid", 0);
        else if (!strcmp(l, "pubDate"))
            capture(r, &it->pub_date, 0, "pubDate", 0);
        else if (!strcmp(l, "author"))
            capture(r, &it->rss_author, 0, "author", 0);
        return;
    case NS_CONTENT:
        if (!strcmp(l, "encoded")) {
            it->has_content = 1;
            it->content_type = TT_HTML;
            capture(r, &it->content, 1, "content:encoded", 0);
        }
        return;
    case NS_DC:
        if (!strcmp(l, "creator"))
            capture(r, &it->creator, 0, "dc:creator", 0);
        else if (!strcmp(l, "date"))
            capture(r, &it->dc_date, 0, "dc:date", 0);
        else if (!strcmp(l, "rights"))
            capture(r, &it->rights, 0, "dc:rights", 0);
        else if (!strcmp(l, "language"))
            capture(r, &it->lang, 0, "dc:language", 0);
        else if (!strcmp(l, "title"))
            capture(r, &it->dc_title, 1, "dc:title", 0);
        else if (!strcmp(l, "description"))
            capture(r, &it->dc_desc, 1, "dc:description", 0);
        return;
    case NS_DCTERMS:
        if (!strcmp(l, "license") || !strcmp(l, "rights"))
            capture(r, &it->rights, 0, "dcterms:license", 0);
        return;
    case NS_ITUNES:
        if (!strcmp(l, "author"))
            capture(r, &it->itunes_author, 0, "itunes:author", 0);
        else if (!strcmp(l, "summary"))
            capture(r, &it->itunes_summary, 1, "itunes:summary", 0);
        return;
    case NS_CC:
        if (!strcmp(l, "license")) {
            cc_license(r, &it->license, atts);
        }
        return;
    case NS_ATOM:
        if (!strcmp(l, "title")) {
            it->title_type = text_type_of(atts);
            capture(r, &it->title, 1, "title", it->title_type == TT_XHTML);
        } else if (!strcmp(l, "content")) {
            it->has_content = 1;
            it->content_type = text_type_of(atts);
            capture(r, &it->content, 1, "content", it->content_type == TT_XHTML);
        } else if (!strcmp(l, "summary")) {
            it->has_summary = 1;
            it->summary_type = text_type_of(atts);
            capture(r, &it->summary, 1, "summary", it->summary_type == TT_XHTML);
        } else if (!strcmp(l, "id")) {
            capture(r, &it->atom_id, 0, "id", 0);
        } else if (!strcmp(l, "published") || !strcmp(l, "issued") || !strcmp(l, "created")) {
            if (!it->published.len)
                capture(r, &it->published, 0, "published", 0);
        } else if (!strcmp(l, "updated") || !strcmp(l, "modified")) {
            capture(r, &it->updated, 0, "updated", 0);
        } else if (!strcmp(l, "rights")) {
            capture(r, &it->rights, 0, "rights", 0);
        } else if (!strcmp(l, "author")) {
            if (it->nauthors < AUTHORS_MAX) {
                reset_buf(&it->authors[it->nauthors].name);
                reset_buf(&it->authors[it->nauthors].email);
            }
            push(r, CTX_PERSON, 1);
        } else if (!strcmp(l, "link")) {
            atom_link(atts, &it->atom_link, &it->license_link);
        }
        return;
    case NS_WP:
        r->is_wxr = 1;
        it->wp = 1;
        if (!strcmp(l, "status"))
            capture(r, &it->wp_status, 0, "wp:status", 0);
        else if (!strcmp(l, "post_type"))
            capture(r, &it->wp_type, 0, "wp:post_type", 0);
        else if (!strcmp(l, "post_password"))
            capture(r, &it->wp_password, 0, "wp:post_password", 0);
        else if (!strcmp(l, "post_date_gmt"))
            capture(r, &it->post_date_gmt, 0, "wp:post_date_gmt", 0);
        else if (!strcmp(l, "post_date"))
            capture(r, &it->post_date, 0, "wp:post_date", 0);
        else if (!strcmp(l, "post_id"))
            capture(r, &it->wp_id, 0, "wp:post_id", 0);
        else if (!strcmp(l, "comment")) {
            begin_comment(r);
            push(r, CTX_COMMENT, 1);
        }
        return;
    default:
        return;
    }
}

static void on_comment_child(rd *r, enum ns ns, const char *l)
{
    comment *c = &r->cm;
    if (ns != NS_WP || !r->o->comments)
        return;
    /* comment_author_email, comment_author_IP and comment_author_url are never read. */
    if (!strcmp(l, "comment_id"))
        capture(r, &c->id, 0, "wp:comment_id", 0);
    else if (!strcmp(l, "comment_author"))
        capture(r, &c->author, 0, "wp:comment_author", 0);
    else if (!strcmp(l, "comment_date_gmt"))
        capture(r, &c->date_gmt, 0, "wp:comment_date_gmt", 0);
    else if (!strcmp(l, "comment_date"))
        capture(r, &c->date, 0, "wp:comment_date", 0);
    else if (!strcmp(l, "comment_content"))
        capture(r, &c->content, 1, "wp:comment_content", 0);
    else if (!strcmp(l, "comment_approved"))
        capture(r, &c->approved, 0, "wp:comment_approved", 0);
    else if (!strcmp(l, "comment_type"))
        capture(r, &c->type, 0, "wp:comment_type", 0);
}

static void on_person_child(rd *r, enum ns ns, const char *l, int of_item)
{
    person_buf *p;
    if (ns != NS_ATOM)
        return;
    if (of_item) {
        if (r->it.nauthors >= AUTHORS_MAX)
            return;
        p = &r->it.authors[r->it.nauthors];
    } else {
        p = &r->ch.author;
    }
    if (!strcmp(l, "name"))
        capture(r, &p->name, 0, "author/name", 0);
    else if (!strcmp(l, "email"))
        capture(r, &p->email, 0, "author/email", 0);
}

static void on_wp_author_child(rd *r, enum ns ns, const char *l)
{
    if (ns != NS_WP)
        return;
    if (!strcmp(l, "author_login"))
        capture(r, &r->a_login, 0, "wp:author_login", 0);
    else if (!strcmp(l, "author_email"))
        capture(r, &r->a_email, 0, "wp:author_email", 0);
    else if (!strcmp(l, "author_display_name"))
        capture(r, &r->a_name, 0, "wp:author_display_name", 0);
}

/* 1 for the element that starts an item or entry. */
static int starts_item(enum ns ns, const char *l)
{
    return ((ns == NS_NONE || ns == NS_RSS) && !strcmp(l, "item")) ||
           (ns == NS_ATOM && !strcmp(l, "entry"));
}

/* ---- recovery from invalid XML: what a fresh parser starts with ---- */

/* Appends [s, s + n) to b; a failure (b's limit) makes the prologue unusable. */
static void put(rd *r, pv_buf *b, const char *s, size_t n)
{
    if (pv_buf__append(b, s, n))
        r->prologue_bad = 1;
}

/* Appends s to b as the value of an XML attribute (inside double quotes). */
static void put_attr_value(rd *r, pv_buf *b, const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        char ref[8];
        unsigned char c = (unsigned char)s[i];
        if (c == '&' || c == '<' || c == '"' || c < 0x20) {
            snprintf(ref, sizeof ref, "&#%u;", c);
            put(r, b, ref, strlen(ref));
        } else {
            put(r, b, s + i, 1);
        }
    }
}

/* Namespaces declared on the root or on RSS's channel, for the start tag (on_start). */
static void XMLCALL on_ns_start(void *ud, const XML_Char *prefix, const XML_Char *uri)
{
    rd *r = ud;
    if (r->depth > 1 || r->replaying)
        return; /* declared deeper than the items' container */
    if (prefix) {
        put(r, &r->nsdecl, " xmlns:", 7);
        put(r, &r->nsdecl, prefix, strlen(prefix));
    } else {
        put(r, &r->nsdecl, " xmlns", 6);
    }
    put(r, &r->nsdecl, "=\"", 2);
    if (uri)
        put_attr_value(r, &r->nsdecl, uri, strlen(uri));
    put(r, &r->nsdecl, "\"", 1);
    put(r, &r->nslist, prefix ? prefix : "", prefix ? strlen(prefix) + 1 : 1);
    put(r, &r->nslist, uri ? uri : "", uri ? strlen(uri) + 1 : 1);
}

/* The prefix the container's element of namespace [uri, uri + n) is written with: "" for
 * the default namespace, or NULL when no declaration on the container binds it. The end tag
 * in the file must match the start tag given to the fresh parser letter for letter. */
static const char *prefix_of(const rd *r, const char *uri, size_t n)
{
    const char *p = r->nslist.data, *end = p + r->nslist.len, *found = NULL;
    while (p && p < end) {
        const char *u = p + strlen(p) + 1;
        if (strlen(u) == n && !memcmp(u, uri, n) && (!found || !*p))
            found = p; /* the default namespace first */
        p = u + strlen(u) + 1;
    }
    return found;
}

/* The start tag of the root or of RSS's channel (an expat name: "URI\1LOCAL" or "LOCAL")
 * with the namespaces declared on it, added to the prologue. */
static void add_container(rd *r, const char *name, const char *decls, size_t ndecls)
{
    const char *sep = strchr(name, NS_SEP), *prefix;
    if (r->replaying)
        return;
    put(r, &r->prologue, "<", 1);
    if (!sep) {
        put(r, &r->prologue, name, strlen(name));
    } else if ((prefix = prefix_of(r, name, (size_t)(sep - name))) != NULL) {
        if (*prefix) {
            put(r, &r->prologue, prefix, strlen(prefix));
            put(r, &r->prologue, ":", 1);
        }
        put(r, &r->prologue, sep + 1, strlen(sep + 1));
    } else {
        r->prologue_bad = 1; /* bound higher up than the container: cannot be written */
    }
    if (ndecls)
        put(r, &r->prologue, decls, ndecls);
    put(r, &r->prologue, ">", 1);
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    rd *r = ud;
    const char *l, *decls;
    size_t ndecls;
    enum ns ns;
    ctx *top;

    r->depth++;
    decls = r->nsdecl.data;
    ndecls = r->nsdecl.len;
    r->nsdecl.len = 0;
    if (r->rc)
        return;
    ns = split_name(name, &l);
    if (r->cap) {
        if (r->cap_xhtml) { /* markup inside Atom xhtml content, written back as HTML */
            append_cap(r, "<", 1);
            append_cap(r, l, strlen(l));
            append_cap(r, ">", 1);
        }
        return;
    }
    if (r->depth == 1) {
        if ((ns == NS_NONE && !strcmp(l, "rss")) || (ns == NS_RDF && !strcmp(l, "RDF"))) {
            r->root_ok = 1;
            push(r, CTX_ROOT, 0);
            add_container(r, name, decls, ndecls);
        } else if (ns == NS_ATOM && !strcmp(l, "feed")) {
            r->root_ok = 1;
            r->item_word = "entry";
            push(r, CTX_CHANNEL, 0);
            add_container(r, name, decls, ndecls);
        } else if (ns == NS_ATOM && !strcmp(l, "entry")) {
            r->item_word = "entry";
            r->prologue_bad = 1; /* a lone entry: no container to read on in */
            r->root_ok = 1;
            begin_item(r);
            push(r, CTX_ITEM, 0);
        } else {
            stop(r, pv_err__set(r->err, PV_EFORMAT,
                                "'%s' is not an RSS, Atom or WordPress feed (its root element "
                                "is <%s>)",
                                r->path, l));
        }
        return;
    }
    if (!r->nctx)
        return;
    top = &r->stack[r->nctx - 1];
    if (r->depth != top->depth + 1)
        return; /* only the direct children of a channel, item, comment or person matter */
    switch (top->kind) {
    case CTX_ROOT:
        if ((ns == NS_NONE || ns == NS_RSS) && !strcmp(l, "channel")) {
            push(r, CTX_CHANNEL, 0);
            add_container(r, name, decls, ndecls);
        } else if ((ns == NS_NONE || ns == NS_RSS) && !strcmp(l, "item")) {
            begin_item(r); /* RSS 1.0 and 0.90: items follow the channel */
            push(r, CTX_ITEM, 0);
            {
                const char *about = attr(atts, NS_RDF, "about");
                if (about)
                    pv_buf__append(&r->it.about, about, strlen(about));
            }
        } else if (ns == NS_CC && !strcmp(l, "License")) {
            /* an RDF license description: its rdf:about is the license's URL */
        }
        return;
    case CTX_CHANNEL:
        on_channel_child(r, ns, l, atts);
        return;
    case CTX_ITEM:
        if (starts_item(ns, l)) {
            /* items do not nest: the open one lacks its end tag. It is a bad record; the
             * new one, and those after it, are read as they come. */
            char what[128];
            int rc;
            snprintf(what, sizeof what, "<%s> not closed before the next one at line %lu", l,
                     line_now(r));
            r->st->records++;
            r->left_open++;
            top->kind = CTX_LEFT_OPEN;
            if ((rc = bad_record(r, r->it.line, what)) != 0) {
                stop(r, rc);
                return;
            }
            begin_item(r);
            push(r, CTX_ITEM, 0);
            return;
        }
        on_item_child(r, ns, l, atts);
        return;
    case CTX_LEFT_OPEN:
        if (starts_item(ns, l)) {
            begin_item(r);
            push(r, CTX_ITEM, 0);
        }
        return;
    case CTX_COMMENT:
        on_comment_child(r, ns, l);
        return;
    case CTX_PERSON:
        on_person_child(r, ns, l, top->of_item);
        return;
    case CTX_WP_AUTHOR:
        on_wp_author_child(r, ns, l);
        return;
    }
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    rd *r = ud;
    ctx *top;
    int rc = 0;

    if (r->rc) {
        r->depth--;
        return;
    }
    if (r->cap) {
        if (r->depth == r->cap_depth) {
            r->cap = NULL;
        } else if (r->cap_xhtml) {
            const char *l;
            split_name(name, &l);
            append_cap(r, "</", 2);
            append_cap(r, l, strlen(l));
            append_cap(r, ">", 1);
        }
        r->depth--;
        return;
    }
    if (r->nctx && (top = &r->stack[r->nctx - 1])->depth == r->depth) {
        r->nctx--;
        switch (top->kind) {
        case CTX_ITEM:
            rc = end_item(r);
            break;
        case CTX_COMMENT:
            rc = end_comment(r);
            break;
        case CTX_PERSON:
            if (top->of_item) {
                if (r->it.nauthors < AUTHORS_MAX && (r->it.authors[r->it.nauthors].name.len ||
                                                     r->it.authors[r->it.nauthors].email.len))
                    r->it.nauthors++;
            } else if (r->ch.author.name.len || r->ch.author.email.len) {
                r->ch.has_author = 1;
            }
            break;
        case CTX_WP_AUTHOR:
            add_wp_author(r);
            break;
        default:
            break;
        }
        if (rc)
            stop(r, rc);
    }
    r->depth--;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    rd *r = ud;
    if (!r->cap || r->rc || len <= 0)
        return;
    if (!r->cap_xhtml) {
        append_cap(r, s, (size_t)len);
        return;
    }
    /* XHTML: the text goes back into markup, so escape what HTML would read as markup. */
    {
        const char *p = s, *end = s + len, *q;
        while (p < end) {
            for (q = p; q < end && *q != '<' && *q != '&' && *q != '>'; q++)
                ;
            if (q > p)
                append_cap(r, p, (size_t)(q - p));
            if (q == end)
                break;
            append_cap(r, *q == '<' ? "&lt;" : *q == '&' ? "&amp;" : "&gt;", *q == '&' ? 5 : 4);
            p = q + 1;
        }
    }
}

/* Single-byte encodings expat does not know (windows-1252, ISO-8859-15, KOI8-R...) through
 * iconv; multi-byte ones are refused. */
static int XMLCALL on_unknown_encoding(void *ud, const XML_Char *name, XML_Encoding *info)
{
    iconv_t cd = iconv_open("UTF-32LE", name);
    int b;
    (void)ud;
    if (cd == (iconv_t)-1)
        return XML_STATUS_ERROR;
    for (b = 0; b < 256; b++) {
        char in = (char)b, *ip = &in;
        unsigned char out[8];
        char *op = (char *)out;
        size_t il = 1, ol = sizeof out;
        iconv(cd, NULL, NULL, NULL, NULL);
        if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1) {
            if (errno == EINVAL) { /* a lead byte: a multi-byte encoding */
                iconv_close(cd);
                return XML_STATUS_ERROR;
            }
            info->map[b] = -1;
        } else if (ol == sizeof out - 4) {
            info->map[b] = (int)((uint32_t)out[0] | (uint32_t)out[1] << 8 | (uint32_t)out[2] << 16 |
                                 (uint32_t)out[3] << 24);
        } else {
            info->map[b] = -1;
        }
    }
    iconv_close(cd);
    info->data = NULL;
    info->convert = NULL;
    info->release = NULL;
    return XML_STATUS_OK;
}

/* ---- byte cleaning ---- */

enum clean_mode { CLEAN_UTF8, CLEAN_CONTROLS, CLEAN_NONE };

/* Encoding named in an XML declaration at the start of head, lowercased into enc; "" when
 * there is none. */
static void declared_encoding(const char *head, size_t n, char *enc, size_t encsz)
{
    size_t i = 0, o = 0;
    const char *e;
    enc[0] = '\0';
    if (n >= 3 && !memcmp(head, "\xEF\xBB\xBF", 3))
        i = 3;
    if (n - i < 5 || memcmp(head + i, "<?xml", 5))
        return;
    for (e = head + i; e + 8 < head + n && *e != '>'; e++)
        if (!memcmp(e, "encoding", 8))
            break;
    if (e + 8 >= head + n || *e == '>')
        return;
    e += 8;
    while (e < head + n && (*e == ' ' || *e == '=' || *e == '\t'))
        e++;
    if (e < head + n && (*e == '"' || *e == '\''))
        e++;
    while (e < head + n && *e != '"' && *e != '\'' && *e != '?' && *e != ' ' && o + 1 < encsz) {
        char c = *e++;
        enc[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    enc[o] = '\0';
}

static enum clean_mode clean_mode_of(const char *head, size_t n)
{
    char enc[32];
    if (n >= 2 && (((unsigned char)head[0] == 0xFF && (unsigned char)head[1] == 0xFE) ||
                   ((unsigned char)head[0] == 0xFE && (unsigned char)head[1] == 0xFF) ||
                   head[0] == 0 || head[1] == 0))
        return CLEAN_NONE; /* UTF-16 or UTF-32: expat decodes it */
    declared_encoding(head, n, enc, sizeof enc);
    if (!enc[0] || !strcmp(enc, "utf-8") || !strcmp(enc, "utf8"))
        return CLEAN_UTF8;
    if (!strncmp(enc, "utf-16", 6) || !strncmp(enc, "ucs-2", 5))
        return CLEAN_NONE;
    return CLEAN_CONTROLS;
}

/* Make p[0, n) acceptable to expat without changing its length or line numbers: invalid
 * UTF-8 bytes (CLEAN_UTF8), and control characters XML forbids, become spaces. The
 * tokenizer treats both the same way (a separator), so no token changes. Returns how many
 * bytes at the end form an incomplete UTF-8 sequence to carry into the next chunk (0 at
 * the end of the input). */
static size_t clean(unsigned char *p, size_t n, enum clean_mode mode, int last)
{
    size_t i = 0;
    if (mode == CLEAN_NONE)
        return 0;
    while (i < n) {
        unsigned char b = p[i];
        int32_t cp;
        size_t k;
        if (b < 0x80) {
            /* Eight plain ASCII bytes (none below 0x20) at a time. */
            while (i + 8 <= n) {
                uint64_t w;
                memcpy(&w, p + i, 8);
                if ((w & UINT64_C(0x8080808080808080)) ||
                    ((w - UINT64_C(0x2020202020202020)) & ~w & UINT64_C(0x8080808080808080)))
                    break;
                i += 8;
            }
            if (i >= n)
                break;
            b = p[i];
            if (b < 0x80) {
                if (b < 0x20 && b != '\t' && b != '\n' && b != '\r')
                    p[i] = ' ';
                i++;
                continue;
            }
        }
        if (mode == CLEAN_CONTROLS) {
            i++;
            continue;
        }
        k = pv_scanner__utf8_decode(p + i, p + n, &cp);
        if (cp < 0) {
            if (i + k == n && !last && b >= 0xC2 && b <= 0xF4)
                return n - i; /* may complete in the next chunk */
            p[i++] = ' ';
            continue;
        }
        if (cp == 0xFFFE || cp == 0xFFFF) /* not XML characters */
            memset(p + i, ' ', k);
        i += k;
    }
    return 0;
}

/* ---- the reader ---- */

static void free_state(rd *r)
{
    item *it = &r->it;
    size_t i;
    pv_buf *all[] = {&it->title,
                     &it->dc_title,
                     &it->desc,
                     &it->dc_desc,
                     &it->itunes_summary,
                     &it->content,
                     &it->summary,
                     &it->link,
                     &it->atom_link,
                     &it->guid,
                     &it->about,
                     &it->atom_id,
                     &it->pub_date,
                     &it->dc_date,
                     &it->published,
                     &it->updated,
                     &it->post_date_gmt,
                     &it->post_date,
                     &it->creator,
                     &it->rss_author,
                     &it->itunes_author,
                     &it->rights,
                     &it->license,
                     &it->license_link,
                     &it->lang,
                     &it->wp_status,
                     &it->wp_type,
                     &it->wp_password,
                     &it->wp_id,
                     &r->cm.id,
                     &r->cm.author,
                     &r->cm.date_gmt,
                     &r->cm.date,
                     &r->cm.content,
                     &r->cm.approved,
                     &r->cm.type,
                     &r->ch.title,
                     &r->ch.link,
                     &r->ch.atom_link,
                     &r->ch.atom_id,
                     &r->ch.lang,
                     &r->ch.base_url,
                     &r->ch.creator,
                     &r->ch.itunes_author,
                     &r->ch.rights,
                     &r->ch.license,
                     &r->ch.author.name,
                     &r->ch.author.email,
                     &r->a_login,
                     &r->a_email,
                     &r->a_name,
                     &r->text,
                     &r->scratch,
                     &r->wp_html,
                     &r->loc,
                     &r->prologue,
                     &r->nsdecl,
                     &r->nslist};
    for (i = 0; i < sizeof all / sizeof all[0]; i++)
        pv_buf__free(all[i]);
    for (i = 0; i < AUTHORS_MAX; i++) {
        pv_buf__free(&it->authors[i].name);
        pv_buf__free(&it->authors[i].email);
    }
    for (i = 0; i < r->nauthors; i++) {
        free(r->authors[i].login);
        free(r->authors[i].name);
        free(r->authors[i].email);
    }
    free(r->authors);
}

static void init_state(rd *r)
{
    item *it = &r->it;
    size_t i, raw_limit = TEXT_MAX;
    /* With a document size limit, fields up to four times that size are read (markup
     * shrinks when converted to text); bigger ones make their item too large at once. */
    if (r->o->max_doc_size && r->o->max_doc_size < TEXT_MAX / 4)
        raw_limit = (size_t)r->o->max_doc_size * 4 < ((size_t)1 << 20)
                        ? ((size_t)1 << 20)
                        : (size_t)r->o->max_doc_size * 4;
    pv_buf *text[] = {&it->title,          &it->dc_title, &it->desc,    &it->dc_desc,
                      &it->itunes_summary, &it->content,  &it->summary, &r->cm.content};
    pv_buf *meta[] = {
        &it->link,         &it->atom_link,     &it->guid,          &it->about,
        &it->atom_id,      &it->pub_date,      &it->dc_date,       &it->published,
        &it->updated,      &it->post_date_gmt, &it->post_date,     &it->creator,
        &it->rss_author,   &it->itunes_author, &it->rights,        &it->license,
        &it->license_link, &it->lang,          &it->wp_status,     &it->wp_type,
        &it->wp_password,  &it->wp_id,         &r->cm.id,          &r->cm.author,
        &r->cm.date_gmt,   &r->cm.date,        &r->cm.approved,    &r->cm.type,
        &r->ch.title,      &r->ch.link,        &r->ch.atom_link,   &r->ch.atom_id,
        &r->ch.lang,       &r->ch.base_url,    &r->ch.creator,     &r->ch.itunes_author,
        &r->ch.rights,     &r->ch.license,     &r->ch.author.name, &r->ch.author.email,
        &r->a_login,       &r->a_email,        &r->a_name,         &r->loc,
        &r->prologue,      &r->nsdecl,         &r->nslist};
    for (i = 0; i < sizeof text / sizeof text[0]; i++)
        buf_init(text[i], raw_limit);
    /* The document's text; what it is made of may be bigger (HTML markup). */
    buf_init(&r->text, r->text_limit);
    buf_init(&r->scratch, FIELD_MAX + 16);
    buf_init(&r->wp_html, raw_limit * 2);
    for (i = 0; i < sizeof meta / sizeof meta[0]; i++)
        buf_init(meta[i], FIELD_MAX);
    r->loc.limit = FIELD_MAX + 4096; /* the path and "#comment-ID" go around a link */
    for (i = 0; i < AUTHORS_MAX; i++) {
        buf_init(&it->authors[i].name, FIELD_MAX);
        buf_init(&it->authors[i].email, FIELD_MAX);
    }
}

/* ---- recovery from invalid XML: reading on at the next item ---- */

/* Bytes kept back at the end of a chunk while looking for an item's start tag. */
#define TAIL 64

/* An error of the parser that only the end of the input can cause: the file is cut short. */
static int ends_early(enum XML_Error code)
{
    return code == XML_ERROR_NO_ELEMENTS || code == XML_ERROR_UNCLOSED_TOKEN ||
           code == XML_ERROR_PARTIAL_CHAR || code == XML_ERROR_UNCLOSED_CDATA_SECTION;
}

/* Where the parser stopped on invalid XML, while the reader looks for the next item. */
typedef struct lost {
    int on;                  /* looking for the next item */
    int quiet;               /* nothing is lost (the end of items left open): name nothing */
    unsigned long item_line; /* the item the error cut short, or 0 (between items) */
    unsigned long line, col; /* where the error is */
    const char *why;         /* expat's message */
    unsigned long lines;     /* line ends since the error */
    unsigned long since_nl;  /* bytes since the last line end (or the line's start) */
} lost;

/* Moves l over [p, p + n): line ends counted as expat counts them (LF, CRLF, CR). */
static void advance(lost *l, const unsigned char *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (p[i] == '\n' || (p[i] == '\r' && (i + 1 == n || p[i + 1] != '\n'))) {
            l->lines++;
            l->since_nl = 0;
        } else if (p[i] != '\r') {
            l->since_nl++;
        }
    }
}

/* The first start tag of an item or entry ("<item", "<entry", "<PREFIX:item", followed by
 * a blank, '>' or '/') in p[from, n): its offset, or n when there is none. */
static size_t next_item(const unsigned char *p, size_t from, size_t n)
{
    size_t i, j, local;
    for (i = from; i < n; i++) {
        if (p[i] != '<')
            continue;
        for (j = i + 1, local = j; j < n && j - i < TAIL; j++) {
            unsigned char c = p[j];
            if (c == ':')
                local = j + 1;
            else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '_' || c == '-' || c == '.'))
                break;
        }
        if (j < n &&
            (p[j] == ' ' || p[j] == '\t' || p[j] == '\r' || p[j] == '\n' || p[j] == '>' ||
             p[j] == '/') &&
            ((j - local == 4 && !memcmp(p + local, "item", 4)) ||
             (j - local == 5 && !memcmp(p + local, "entry", 5))))
            return i;
    }
    return n;
}

static void set_handlers(rd *r)
{
    XML_SetUserData(r->xp, r);
    XML_SetElementHandler(r->xp, on_start, on_end);
    XML_SetCharacterDataHandler(r->xp, on_text);
    XML_SetStartNamespaceDeclHandler(r->xp, on_ns_start);
    XML_SetUnknownEncodingHandler(r->xp, on_unknown_encoding, NULL);
}

/* Names what the invalid XML cost, by the readers' one policy; next_line is where reading
 * goes on, or 0 (the end of the file). Returns 0 or, under strict, the error. */
static int name_lost(rd *r, const lost *l, unsigned long next_line)
{
    char what[512], on[96];
    const char *w = r->item_word;
    if (l->quiet)
        return 0;
    if (next_line)
        snprintf(on, sizeof on, "read on at the next <%s>, line %lu", w, next_line);
    else
        snprintf(on, sizeof on, "no <%s> after it", w);
    if (l->item_line)
        snprintf(what, sizeof what, "<%s> lost to invalid XML at line %lu, column %lu (%s); %s", w,
                 l->line, l->col, l->why, on);
    else
        snprintf(what, sizeof what, "invalid XML at column %lu (%s) between <%s>s; %s", l->col,
                 l->why, w, on);
    return bad_record(r, l->item_line ? l->item_line : l->line, what);
}

/* Starts a fresh parser at the next item, at line next_line and byte next_col (from 0) of
 * the file: the XML declaration (for the encoding) and the container's start tags first, so
 * that the item is read as the channel's, with its namespaces; *fed receives their length.
 * Returns 0 or a negative error. */
static int read_on(rd *r, const char *enc, unsigned long next_line, unsigned long next_col,
                   uint64_t *fed)
{
    char decl[96];
    int n = 0;
    if (XML_ParserReset(r->xp, NULL) != XML_TRUE)
        return pv_err__set(r->err, PV_ENOMEM, "out of memory reading '%s'", r->path);
    set_handlers(r);
    r->depth = 0;
    r->nctx = 0;
    r->cap = NULL;
    r->left_open = 0;
    r->nsdecl.len = 0;
    r->line_base = 0;
    r->col_shift = 0;
    if (enc[0])
        n = snprintf(decl, sizeof decl, "<?xml version=\"1.0\" encoding=\"%s\"?>", enc);
    r->replaying = 1;
    if (XML_Parse(r->xp, decl, n, 0) == XML_STATUS_ERROR ||
        XML_Parse(r->xp, r->prologue.data, (int)r->prologue.len, 0) == XML_STATUS_ERROR) {
        r->replaying = 0;
        return r->rc ? r->rc
                     : pv_err__set(r->err, PV_EFORMAT, "%s: line %lu: cannot read on (%s)", r->path,
                                   next_line, XML_ErrorString(XML_GetErrorCode(r->xp)));
    }
    r->replaying = 0;
    r->line_base = next_line - 1; /* the prologue is all on the parser's line 1 */
    *fed = (uint64_t)n + r->prologue.len;
    r->col_shift = (long)next_col - (long)*fed;
    return 0;
}

int pv_feed__read(const char *path, const pv_reader_opts *o, const pv_sink *sink,
                  pv_reader_stats *st, pv_err *err)
{
    rd r;
    pv_input *in = NULL;
    unsigned char *buf = NULL;
    size_t carry = 0;
    enum clean_mode mode = CLEAN_UTF8;
    int first = 1, rc = 0, done = 0;
    char enc[32] = "";
    lost l;
    uint64_t fed = 0; /* bytes given to the parser since it started (XML_GetCurrentByteIndex) */

    memset(&r, 0, sizeof r);
    memset(&l, 0, sizeof l);
    r.path = path;
    r.o = o;
    r.sink = sink;
    r.st = st;
    r.err = err;
    r.item_word = "item";
    r.text_limit = TEXT_MAX;
    if (o->max_doc_size && o->max_doc_size < TEXT_MAX)
        r.text_limit = (size_t)o->max_doc_size;
    init_state(&r);

    if ((rc = pv_input__open(path, &in, err)))
        goto done;
    st->bytes_total += pv_input__size(in);
    buf = malloc(CHUNK + TAIL + 4);
    r.xp = XML_ParserCreateNS(NULL, NS_SEP);
    if (!buf || !r.xp) {
        rc = pv_err__set(err, PV_ENOMEM, "out of memory reading '%s'", path);
        goto done;
    }
    set_handlers(&r);

    while (!done) {
        uint64_t before = pv_input__offset(in);
        ptrdiff_t n = pv_input__read(in, buf + carry, CHUNK, err);
        size_t len, avail, pos = 0, from;
        if (n < 0) {
            /* Truncated or corrupt compressed data: what came before was handed on. */
            rc = (int)n;
            if (in_item(&r)) {
                st->records++;
                st->bad++;
            } else if (l.on) {
                name_lost(&r, &l, 0);
            }
            goto done;
        }
        st->bytes_in += pv_input__offset(in) - before;
        len = carry + (size_t)n;
        done = n == 0;
        if (first && len) {
            mode = clean_mode_of((const char *)buf, len);
            if (mode == CLEAN_CONTROLS)
                declared_encoding((const char *)buf, len, enc, sizeof enc);
            first = 0;
        }
        avail = len - clean(buf, len, mode, done);
        from = avail;
        for (;;) {
            enum XML_Error code;
            int64_t off;
            if (l.on) { /* looking for the next item after invalid XML */
                size_t at = next_item(buf, pos, avail);
                if (at == avail) {
                    /* keep what may be the start of a tag cut by the chunk's end */
                    from = done || avail - pos <= TAIL ? (done ? avail : pos) : avail - TAIL;
                    advance(&l, buf + pos, from - pos);
                    break;
                }
                advance(&l, buf + pos, at - pos);
                if ((rc = name_lost(&r, &l, l.line + l.lines)) != 0 ||
                    (rc = read_on(&r, enc, l.line + l.lines, l.since_nl, &fed)) != 0)
                    goto done;
                l.on = 0;
                pos = at;
            }
            if (XML_Parse(r.xp, (const char *)buf + pos, (int)(avail - pos), done) !=
                XML_STATUS_ERROR) {
                if (r.rc) {
                    rc = r.rc;
                    goto done;
                }
                fed += avail - pos;
                break;
            }
            if (r.rc) {
                rc = r.rc;
                goto done;
            }
            code = XML_GetErrorCode(r.xp);
            memset(&l, 0, sizeof l);
            l.line = line_now(&r);
            l.col = col_now(&r);
            l.since_nl = l.col - 1;
            l.why = XML_ErrorString(code);
            /* the end of the channel or feed, met while items left open (each counted and
             * named) are still open to the parser: every item was read */
            l.quiet = r.left_open && code == XML_ERROR_TAG_MISMATCH && !in_item(&r);
            if (in_item(&r)) {
                l.item_line = r.it.line;
                st->records++; /* the item the error cut short */
            }
            if (o->strict || mode == CLEAN_NONE || !r.root_ok || r.prologue_bad ||
                !r.prologue.len || (done && ends_early(code))) {
                /* no reading on: the file is cut short, or the reader is strict */
                if (l.quiet) {
                    rc = 0;
                    goto done;
                }
                char cut[96] = "";
                if (l.item_line) {
                    st->bad++;
                    snprintf(cut, sizeof cut, "; the <%s> begun at line %lu is lost", r.item_word,
                             l.item_line);
                }
                rc = pv_err__set(err, PV_EFORMAT, "%s: line %lu, column %lu: invalid XML (%s)%s",
                                 path, l.line, l.col, l.why, cut);
                goto done;
            }
            if (!l.item_line && !l.quiet)
                st->records++; /* what is skipped counts as one bad record */
            l.on = 1;
            r.nctx = 0; /* the stopped parser's items are gone */
            off = (int64_t)XML_GetCurrentByteIndex(r.xp) - (int64_t)fed;
            if (off < 0)
                off = 0;
            if ((uint64_t)off > avail - pos)
                off = (int64_t)(avail - pos);
            pos += (size_t)off;
            if (pos < avail) { /* reading on starts past the error */
                advance(&l, buf + pos, 1);
                pos++;
            }
        }
        memmove(buf, buf + from, len - from);
        carry = len - from;
    }
    if (l.on && (rc = name_lost(&r, &l, 0)) != 0)
        goto done;
    if (!r.root_ok)
        rc = pv_err__set(err, PV_EFORMAT, "'%s' is not an RSS, Atom or WordPress feed", path);

done:
    if (r.xp)
        XML_ParserFree(r.xp);
    free(buf);
    pv_input__close(in);
    free_state(&r);
    return rc;
}

/* ---- sniffing ---- */

static int contains(const char *h, size_t n, const char *needle)
{
    size_t k = strlen(needle), i;
    for (i = 0; i + k <= n; i++)
        if (h[i] == needle[0] && !memcmp(h + i, needle, k))
            return 1;
    return 0;
}

int pv_feed__sniff(const char *head, size_t n)
{
    size_t i = 0;
    if (n >= 3 && !memcmp(head, "\xEF\xBB\xBF", 3))
        i = 3;
    /* Skip the prolog: the XML declaration, comments, processing instructions, a doctype. */
    for (;;) {
        while (i < n && (head[i] == ' ' || head[i] == '\t' || head[i] == '\n' || head[i] == '\r'))
            i++;
        if (i + 1 >= n || head[i] != '<')
            return 0;
        if (head[i + 1] == '?' || head[i + 1] == '!') {
            const char *end;
            if (i + 4 <= n && !memcmp(head + i, "<!--", 4)) {
                const char *p = head + i + 4;
                end = NULL;
                while (p + 3 <= head + n) {
                    if (!memcmp(p, "-->", 3)) {
                        end = p + 2;
                        break;
                    }
                    p++;
                }
            } else {
                end = memchr(head + i, '>', n - i);
            }
            if (!end)
                return 0;
            i = (size_t)(end - head) + 1;
            continue;
        }
        break;
    }
    /* The root element's name. */
    {
        const char *name = head + i + 1;
        size_t k = 0, left = n - i - 1;
        while (k < left && name[k] != ' ' && name[k] != '>' && name[k] != '\t' && name[k] != '\n' &&
               name[k] != '\r' && name[k] != '/')
            k++;
        if (k == 3 && !memcmp(name, "rss", 3))
            return 1;
        if (k == 4 && !memcmp(name, "feed", 4))
            return 1;
        if ((k == 7 && !memcmp(name, "rdf:RDF", 7)) || (k == 3 && !memcmp(name, "RDF", 3))) {
            /* RDF that is an RSS 1.0 or 0.90 channel. */
            return contains(head, n, "<channel") || contains(head, n, "purl.org/rss/") ||
                   contains(head, n, "netscape.com/rdf/simple");
        }
        if (k == 5 && !memcmp(name, "entry", 5))
            return contains(head, n, "http://www.w3.org/2005/Atom");
    }
    return 0;
}
