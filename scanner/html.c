/*
 * html.c - HTML to text for the readers (feeds, Stack Exchange bodies, WARC responses):
 * libxml2's HTML parser in SAX mode (no tree is built) feeds a small state machine that
 * collapses prose whitespace, ends lines at block elements and keeps <pre> verbatim.
 */
#define _GNU_SOURCE /* memmem */
#include <assert.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "scanner_int.h"
#include "source.h"

/* How an element affects the text. */
enum elem_class {
    EL_INLINE = 0, /* nothing: its text flows with its neighbours' */
    EL_BLOCK,      /* starts and ends a line */
    EL_BR,         /* ends the line */
    EL_CELL,       /* a table cell: separated from the next by a space */
    EL_PRE,        /* a block whose whitespace and line breaks are kept */
    EL_DROP,       /* its text is not content (script, style, head...) */
    EL_TITLE,      /* <title>: goes to meta->title, not into the text */
    EL_META,       /* <meta>: may name the author */
    EL_HTML        /* <html>: may carry lang */
};

/* libxml2 reports HTML element names in lowercase. */
typedef struct elem_entry {
    const char *name;
    enum elem_class cls;
} elem_entry;

static const elem_entry elem_table[] = {
    {"address", EL_BLOCK},    {"article", EL_BLOCK},  {"aside", EL_BLOCK},
    {"blockquote", EL_BLOCK}, {"body", EL_BLOCK},     {"br", EL_BR},
    {"canvas", EL_DROP},      {"caption", EL_BLOCK},  {"center", EL_BLOCK},
    {"dd", EL_BLOCK},         {"details", EL_BLOCK},  {"dialog", EL_BLOCK},
    {"dir", EL_BLOCK},        {"div", EL_BLOCK},      {"dl", EL_BLOCK},
    {"dt", EL_BLOCK},         {"embed", EL_DROP},     {"fieldset", EL_BLOCK},
    {"figcaption", EL_BLOCK}, {"figure", EL_BLOCK},   {"footer", EL_BLOCK},
    {"form", EL_BLOCK},       {"frameset", EL_BLOCK}, {"h1", EL_BLOCK},
    {"h2", EL_BLOCK},         {"h3", EL_BLOCK},       {"h4", EL_BLOCK},
    {"h5", EL_BLOCK},         {"h6", EL_BLOCK},       {"head", EL_DROP},
    {"header", EL_BLOCK},     {"hgroup", EL_BLOCK},   {"hr", EL_BLOCK},
    {"html", EL_HTML},        {"iframe", EL_DROP},    {"legend", EL_BLOCK},
    {"li", EL_BLOCK},         {"listing", EL_PRE},    {"main", EL_BLOCK},
    {"menu", EL_BLOCK},       {"meta", EL_META},      {"nav", EL_BLOCK},
    {"noscript", EL_DROP},    {"object", EL_DROP},    {"ol", EL_BLOCK},
    {"option", EL_BLOCK},     {"p", EL_BLOCK},        {"plaintext", EL_PRE},
    {"pre", EL_PRE},          {"script", EL_DROP},    {"section", EL_BLOCK},
    {"select", EL_BLOCK},     {"style", EL_DROP},     {"summary", EL_BLOCK},
    {"svg", EL_DROP},         {"table", EL_BLOCK},    {"tbody", EL_BLOCK},
    {"td", EL_CELL},          {"template", EL_DROP},  {"textarea", EL_PRE},
    {"tfoot", EL_BLOCK},      {"th", EL_CELL},        {"thead", EL_BLOCK},
    {"title", EL_TITLE},      {"tr", EL_BLOCK},       {"ul", EL_BLOCK},
    {"xmp", EL_PRE},
};

/* elem_table as an open-addressing hash table of indexes + 1, filled once by init_libxml:
 * every start and end tag is classified, and a binary search of strcmp calls cost 4% of the
 * conversion of Stack Exchange posts. */
#define ELEM_SLOTS 256
#define ELEM_NAME_MAX 10 /* the longest name in elem_table ("blockquote", "figcaption") */
static unsigned char elem_slots[ELEM_SLOTS];

/* Hash of name (its first ELEM_NAME_MAX + 1 bytes); *n receives its length, capped there. */
static unsigned elem_hash(const char *name, size_t *n)
{
    unsigned h = 0;
    size_t i;
    for (i = 0; i <= ELEM_NAME_MAX && name[i]; i++)
        h = h * 33 + (unsigned char)name[i];
    *n = i;
    return (h ^ (h >> 7)) & (ELEM_SLOTS - 1);
}

static void elem_index(void)
{
    size_t i, n;
    for (i = 0; i < sizeof elem_table / sizeof elem_table[0]; i++) {
        unsigned h = elem_hash(elem_table[i].name, &n);
        assert(n <= ELEM_NAME_MAX);
        while (elem_slots[h])
            h = (h + 1) & (ELEM_SLOTS - 1);
        elem_slots[h] = (unsigned char)(i + 1);
    }
}

static enum elem_class classify(const xmlChar *name)
{
    size_t n;
    unsigned h = elem_hash((const char *)name, &n);
    if (n > ELEM_NAME_MAX)
        return EL_INLINE;
    for (; elem_slots[h]; h = (h + 1) & (ELEM_SLOTS - 1)) {
        const elem_entry *e = &elem_table[elem_slots[h] - 1];
        if (!strcmp(e->name, (const char *)name))
            return e->cls;
    }
    return EL_INLINE;
}

/* A charset declared in this many leading bytes is believed. */
#define CHARSET_SNIFF_BYTES 1024

/* State of one conversion, passed to the SAX callbacks. */
typedef struct conv {
    htmlParserCtxtPtr ctxt;
    pv_buf *out;
    size_t start; /* out->len when the call began */
    pv_html_meta *meta;
    int rc;           /* first failure to append (PV_ELIMIT, PV_ENOMEM) */
    int drop;         /* depth inside dropped elements */
    int pre;          /* depth inside <pre> and its kin */
    int space;        /* collapsed whitespace waiting for the next word */
    int in_title;     /* inside the first <title> */
    int title_done;   /* a <title> was seen */
    size_t title_len; /* bytes in meta->title */
    int title_space;  /* whitespace waiting in the title */
    int title_full;   /* meta->title is cut at its size: the rest of the title is dropped */
    int author_rank;  /* 2 <meta name=author>, 1 article:author, 0 none yet */
} conv;

/* A parser context is made once per thread and reused: creating one costs about as much
 * as converting a short post. It is replaced after this many documents, so that its
 * dictionary of element and attribute names stays small whatever the input. */
#define CTXT_USES 4096

typedef struct ctxt_slot {
    htmlParserCtxtPtr ctxt;
    unsigned uses;
} ctxt_slot;

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static pthread_key_t ctxt_key;
static int ctxt_key_ok;

static void free_slot(void *p)
{
    ctxt_slot *s = p;
    if (s) {
        if (s->ctxt)
            htmlFreeParserCtxt(s->ctxt);
        free(s);
    }
}

/* libxml2 2.9 requires xmlInitParser to run once before threads parse concurrently; each
 * thread then uses its own parser context. */
static void init_libxml(void)
{
    xmlInitParser();
    elem_index();
    ctxt_key_ok = pthread_key_create(&ctxt_key, free_slot) == 0;
}

/* 1 when the current output line holds nothing yet. */
static int line_empty(const conv *c)
{
    return c->out->len == c->start || c->out->data[c->out->len - 1] == '\n';
}

static void fail(conv *c, int rc)
{
    if (!c->rc) {
        c->rc = rc;
        xmlStopParser(c->ctxt);
    }
}

static void end_line(conv *c)
{
    int rc;
    c->space = 0;
    if (c->rc || line_empty(c))
        return;
    rc = pv_buf__append(c->out, "\n", 1);
    if (rc)
        fail(c, rc);
}

/* Copy src into dst of size dstsz (NUL-terminated), whitespace trimmed and cut back to a
 * UTF-8 character boundary when too long. */
static void copy_field(char *dst, size_t dstsz, const char *src)
{
    size_t n;
    while (*src == ' ' || *src == '\t' || *src == '\n' || *src == '\r')
        src++;
    n = strlen(src);
    while (n &&
           (src[n - 1] == ' ' || src[n - 1] == '\t' || src[n - 1] == '\n' || src[n - 1] == '\r'))
        n--;
    if (n >= dstsz) {
        n = dstsz - 1;
        while (n && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static const char *attr(const xmlChar **atts, const char *name)
{
    size_t i;
    if (!atts)
        return NULL;
    for (i = 0; atts[i]; i += 2)
        if (!strcasecmp((const char *)atts[i], name))
            return atts[i + 1] ? (const char *)atts[i + 1] : "";
    return NULL;
}

static void on_meta(conv *c, const xmlChar **atts)
{
    const char *name = attr(atts, "name"), *prop = attr(atts, "property");
    const char *content = attr(atts, "content");
    int rank = 0;
    if (!content || !*content)
        return;
    if (name && !strcasecmp(name, "author"))
        rank = 2;
    else if ((name && !strcasecmp(name, "article:author")) ||
             (prop && !strcasecmp(prop, "article:author")))
        rank = 1;
    if (rank > c->author_rank) {
        copy_field(c->meta->author, sizeof c->meta->author, content);
        if (c->meta->author[0])
            c->author_rank = rank;
    }
}

static void on_start(void *ctx, const xmlChar *name, const xmlChar **atts)
{
    conv *c = ctx;
    switch (classify(name)) {
    case EL_INLINE:
        return;
    case EL_BLOCK:
        if (!c->drop)
            end_line(c);
        return;
    case EL_BR:
        if (!c->drop && !c->rc) {
            int rc = pv_buf__append(c->out, "\n", 1);
            c->space = 0;
            if (rc)
                fail(c, rc);
        }
        return;
    case EL_CELL:
        c->space = 1;
        return;
    case EL_PRE:
        if (!c->drop)
            end_line(c);
        c->pre++;
        return;
    case EL_DROP:
        c->drop++;
        return;
    case EL_TITLE:
        if (c->meta && !c->title_done)
            c->in_title = 1;
        return;
    case EL_META:
        if (c->meta)
            on_meta(c, atts);
        return;
    case EL_HTML:
        if (c->meta && !c->meta->lang[0]) {
            const char *lang = attr(atts, "lang");
            if (!lang)
                lang = attr(atts, "xml:lang");
            if (lang)
                copy_field(c->meta->lang, sizeof c->meta->lang, lang);
        }
        return;
    }
}

static void on_end(void *ctx, const xmlChar *name)
{
    conv *c = ctx;
    switch (classify(name)) {
    case EL_BLOCK:
        if (!c->drop)
            end_line(c);
        return;
    case EL_CELL:
        c->space = 1;
        return;
    case EL_PRE:
        if (c->pre)
            c->pre--;
        if (!c->drop)
            end_line(c);
        return;
    case EL_DROP:
        if (c->drop)
            c->drop--;
        return;
    case EL_TITLE:
        if (c->in_title) {
            c->in_title = 0;
            c->title_done = 1;
        }
        return;
    default:
        return;
    }
}

static int is_ws(unsigned char b)
{
    return b == ' ' || b == '\n' || b == '\t' || b == '\r' || b == '\f';
}

/* Index of the first byte of s[0, 8) that is 0x20 or below, given m, the nonzero mask of
 * (x - 0x21...) & ~x & 0x80... for x = those eight bytes (exact at its lowest byte). */
static size_t first_low_byte(const unsigned char *s, uint64_t m)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    (void)s;
    return (size_t)__builtin_ctzll(m) >> 3;
#else
    size_t i = 0;
    (void)m;
    while (s[i] > 0x20)
        i++;
    return i;
#endif
}

/* is_ws as a table, for the prose loop of on_text. */
static const unsigned char ws_table[256] = {
    [' '] = 1, ['\n'] = 1, ['\t'] = 1, ['\r'] = 1, ['\f'] = 1};

/* Title text: whitespace collapsed, cut at the field's size after the last whole character. */
static void add_title(conv *c, const unsigned char *s, int len)
{
    size_t cap = sizeof c->meta->title - 1;
    int i;
    for (i = 0; i < len && !c->title_full; i++) {
        if (is_ws(s[i])) {
            c->title_space = c->title_len > 0;
            continue;
        }
        if (c->title_space) {
            c->meta->title[c->title_len++] = ' ';
            c->title_space = 0;
        }
        if (c->title_len < cap)
            c->meta->title[c->title_len++] = (char)s[i];
        c->title_full = c->title_len == cap;
    }
    if (c->title_full) {
        /* Never leave half a UTF-8 character at the cut: drop the last character unless it
         * is whole (the text is valid UTF-8, so only the cut can break one). */
        size_t last = c->title_len;
        int32_t cp = 0;
        while (last > 0 && ((unsigned char)c->meta->title[last - 1] & 0xC0) == 0x80)
            last--;
        if (last > 0 && (unsigned char)c->meta->title[last - 1] >= 0x80) {
            const unsigned char *t = (const unsigned char *)c->meta->title;
            last--;
            if (last + pv_scanner__utf8_decode(t + last, t + c->title_len, &cp) != c->title_len ||
                cp < 0)
                c->title_len = last;
        }
    }
    c->meta->title[c->title_len] = '\0';
}

static void on_text(void *ctx, const xmlChar *ch, int len)
{
    conv *c = ctx;
    const unsigned char *s = ch, *end = ch + len;
    char *d;
    int rc;

    if (c->in_title) {
        add_title(c, s, len);
        return;
    }
    if (c->drop || c->rc || len <= 0)
        return;
    if (c->pre) {
        rc = pv_buf__append(c->out, ch, (size_t)len);
        if (rc)
            fail(c, rc);
        return;
    }
    /* Prose: every run of whitespace becomes one space, none at the start of a line. The
     * output never outgrows the input by more than that one space, so the reserve holds. */
    rc = pv_buf__reserve(c->out, (size_t)len + 1);
    if (rc) {
        fail(c, rc);
        return;
    }
    d = c->out->data + c->out->len;
    while (s < end) {
        if (ws_table[*s]) {
            c->space = 1;
            s++;
            continue;
        }
        if (c->space) {
            if (d > c->out->data + c->start && d[-1] != '\n')
                *d++ = ' ';
            c->space = 0;
        }
        /* A word, eight bytes at a time: copied whole, then d and s move up to the first
         * byte of 0x20 or below (whitespace is; a control byte is part of the word). */
        for (;;) {
            uint64_t x, m;
            size_t k;
            if (end - s < 8) {
                while (s < end && !ws_table[*s])
                    *d++ = (char)*s++;
                break;
            }
            memcpy(&x, s, 8);
            memcpy(d, &x, 8);
            m = (x - UINT64_C(0x2121212121212121)) & ~x & UINT64_C(0x8080808080808080);
            if (!m) {
                s += 8;
                d += 8;
                continue;
            }
            k = first_low_byte(s, m);
            s += k;
            d += k;
            if (ws_table[*s])
                break;
            s++;
            d++;
        }
    }
    c->out->len = (size_t)(d - c->out->data);
}

/* Offset of the first byte of p[0, n) that is not part of valid UTF-8, or n. */
static size_t utf8_valid_prefix(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        int32_t cp;
        size_t k;
        if (p[i] < 0x80) {
            /* Runs of ASCII eight bytes at a time. */
            while (i + 8 <= n) {
                uint64_t w;
                memcpy(&w, p + i, 8);
                if (w & UINT64_C(0x8080808080808080))
                    break;
                i += 8;
            }
            if (i < n && p[i] < 0x80)
                i++;
            continue;
        }
        k = pv_scanner__utf8_decode(p + i, p + n, &cp);
        if (cp < 0)
            return i; /* ill-formed, or cut short by the end */
        i += k;
    }
    return n;
}

/* html with every invalid UTF-8 sequence replaced by U+FFFD, into *out (malloc'ed). */
static int utf8_repair(const unsigned char *p, size_t n, size_t bad, unsigned char **out,
                       size_t *outlen)
{
    unsigned char *d;
    size_t i = bad, o = bad;
    if (n > (SIZE_MAX - 16) / 3)
        return PV_ENOMEM;
    d = malloc(n * 3 + 16);
    if (!d)
        return PV_ENOMEM;
    memcpy(d, p, bad);
    while (i < n) {
        size_t ok;
        memcpy(d + o, "\xEF\xBF\xBD", 3); /* p[i] starts an invalid sequence */
        o += 3;
        i++;
        ok = utf8_valid_prefix(p + i, n - i);
        memcpy(d + o, p + i, ok);
        o += ok;
        i += ok;
    }
    *out = d;
    *outlen = o;
    return 0;
}

/* The charset named in the first bytes (<meta charset>, http-equiv content), lowercased
 * into buf; 0 when none is named. */
static int sniff_charset(const char *html, size_t len, char *buf, size_t bufsz)
{
    size_t i, n = len < CHARSET_SNIFF_BYTES ? len : CHARSET_SNIFF_BYTES;
    if (!memmem(html, n, "harset", 6) && !memmem(html, n, "HARSET", 6))
        return 0; /* the common case, found without a byte loop */
    for (i = 0; i + 7 < n; i++) {
        size_t j, o = 0;
        if ((html[i] | 0x20) != 'c' || strncasecmp(html + i, "charset", 7))
            continue;
        j = i + 7;
        while (j < n && (html[j] == ' ' || html[j] == '='))
            j++;
        while (j < n && (html[j] == '"' || html[j] == '\''))
            j++;
        while (j < n && o + 1 < bufsz &&
               ((html[j] >= 'a' && html[j] <= 'z') || (html[j] >= 'A' && html[j] <= 'Z') ||
                (html[j] >= '0' && html[j] <= '9') || html[j] == '-' || html[j] == '_')) {
            char ch = html[j++];
            buf[o++] = (char)(ch >= 'A' && ch <= 'Z' ? ch | 0x20 : ch);
        }
        buf[o] = '\0';
        if (o)
            return 1;
    }
    return 0;
}

/* This thread's parser context with the converter's SAX callbacks, or NULL (no memory). */
static htmlParserCtxtPtr get_ctxt(void)
{
    ctxt_slot *slot = ctxt_key_ok ? pthread_getspecific(ctxt_key) : NULL;
    htmlParserCtxtPtr ctxt;

    if (!slot && ctxt_key_ok && (slot = calloc(1, sizeof *slot)) != NULL &&
        pthread_setspecific(ctxt_key, slot) != 0) {
        free(slot);
        slot = NULL;
    }
    if (slot && slot->ctxt && slot->uses < CTXT_USES) {
        slot->uses++;
        htmlCtxtReset(slot->ctxt);
        return slot->ctxt;
    }
    if (slot && slot->ctxt) {
        htmlFreeParserCtxt(slot->ctxt);
        slot->ctxt = NULL;
    }
    ctxt = htmlNewParserCtxt();
    if (!ctxt || !ctxt->sax) {
        if (ctxt)
            htmlFreeParserCtxt(ctxt);
        return NULL;
    }
    memset(ctxt->sax, 0, sizeof *ctxt->sax);
    ctxt->sax->startElement = on_start;
    ctxt->sax->endElement = on_end;
    ctxt->sax->characters = on_text;
    ctxt->sax->ignorableWhitespace = on_text;
    ctxt->sax->cdataBlock = on_text;
    if (slot) {
        slot->ctxt = ctxt;
        slot->uses = 1;
    }
    return ctxt;
}

/* Done with ctxt: the thread's context lets go of the input; any other is freed. */
static void put_ctxt(htmlParserCtxtPtr ctxt)
{
    ctxt_slot *slot = ctxt_key_ok ? pthread_getspecific(ctxt_key) : NULL;
    if (slot && slot->ctxt == ctxt) {
        htmlCtxtReset(ctxt);
        ctxt->userData = NULL;
    } else {
        htmlFreeParserCtxt(ctxt);
    }
}

int pv_html__to_text(const char *html, size_t len, pv_buf *out, pv_html_meta *meta, pv_err *err)
{
    xmlParserInputBufferPtr input;
    xmlParserInputPtr stream;
    conv c;
    unsigned char *fixed = NULL;
    const char *src = html;
    size_t srclen = len, bad;
    char cs[32];
    int utf8 = 1, options, rc = 0;

    memset(&c, 0, sizeof c);
    if (meta)
        memset(meta, 0, sizeof *meta);
    if (!len)
        return 0;
    if (len > INT_MAX)
        return pv_err__set(err, PV_ELIMIT, "html document of %zu bytes is over 2 GiB", len);
    pthread_once(&init_once, init_libxml);

    /* A declared charset other than UTF-8, or a UTF-16 byte order mark: libxml2 converts.
     * Otherwise the text is UTF-8, and invalid bytes become U+FFFD first, since libxml2
     * would switch the rest of the document to Latin-1 at the first one. */
    if (len >= 2 && (((unsigned char)html[0] == 0xFF && (unsigned char)html[1] == 0xFE) ||
                     ((unsigned char)html[0] == 0xFE && (unsigned char)html[1] == 0xFF)))
        utf8 = 0;
    else if (sniff_charset(html, len, cs, sizeof cs) && strcmp(cs, "utf-8") && strcmp(cs, "utf8"))
        utf8 = 0;
    if (utf8) {
        bad = utf8_valid_prefix((const unsigned char *)html, len);
        if (bad < len) {
            rc = utf8_repair((const unsigned char *)html, len, bad, &fixed, &srclen);
            if (rc) {
                pv_err__set(err, rc, "out of memory converting html");
                goto done;
            }
            if (srclen > INT_MAX) {
                rc =
                    pv_err__set(err, PV_ELIMIT, "html document of %zu bytes is over 2 GiB", srclen);
                goto done;
            }
            src = (const char *)fixed;
        }
    }

    c.out = out;
    c.start = out->len;
    c.meta = meta;
    c.ctxt = get_ctxt();
    if (!c.ctxt) {
        rc = pv_err__set(err, PV_ENOMEM, "out of memory creating the html parser");
        goto done;
    }
    c.ctxt->userData = &c;
    /* libxml2 2.9.14 reads a static buffer twice in the HTML parser: the input is copied. */
    input = xmlParserInputBufferCreateMem(src, (int)srclen, XML_CHAR_ENCODING_NONE);
    /* All of a UTF-8 document is in the buffer: without a read callback, the parser's GROW
     * returns at once. With one (a no-op), every GROW in the last 250 bytes of a document grew
     * the buffer and called it: 3% of the time on Stack Exchange posts. Documents libxml2
     * converts from a declared charset keep libxml2's own input set-up. */
    if (input && utf8)
        input->readcallback = NULL;
    stream = input ? xmlNewIOInputStream(c.ctxt, input, XML_CHAR_ENCODING_NONE) : NULL;
    if (!stream || inputPush(c.ctxt, stream) < 0) {
        if (stream)
            xmlFreeInputStream(stream);
        else if (input)
            xmlFreeParserInputBuffer(input);
        rc = pv_err__set(err, PV_ENOMEM, "out of memory creating the html parser");
        goto done;
    }
    options = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
              HTML_PARSE_COMPACT;
    if (utf8)
        options |= HTML_PARSE_IGNORE_ENC;
    htmlCtxtUseOptions(c.ctxt, options);
    if (utf8)
        xmlSwitchEncoding(c.ctxt, XML_CHAR_ENCODING_UTF8);
    htmlParseDocument(c.ctxt);
    if (c.rc) {
        rc = pv_err__set(err, c.rc, "html text is over the %zu byte limit", out->limit);
        goto done;
    }
    end_line(&c); /* the text ends with a line end when it holds anything */
    if (c.rc)
        rc = pv_err__set(err, c.rc, "html text is over the %zu byte limit", out->limit);

done:
    if (c.ctxt)
        put_ctxt(c.ctxt);
    free(fixed);
    return rc;
}
