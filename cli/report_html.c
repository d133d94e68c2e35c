/*
 * report_html.c - the HTML report of match and credit (--format html): one self-contained
 * page with no script, whose Content-Security-Policy forbids every load but its own style:
 * totals, a chart of shares per author (inline SVG), every output with its spans highlighted
 * in one colour per source document, a hover card on each (CSS :hover, no JavaScript), and
 * the evidence table. Outputs are spooled to a temporary file as they come, so memory holds
 * one output at a time whatever the size of the batch; the page is written at the end.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_int.h"

#define NCOLOURS 12          /* colour classes c0..c11 of the style sheet */
#define MAX_COLOUR_KEYS 4096 /* sources given colours in order of appearance; later ones hash */
#define CHART_BARS 24        /* authors drawn in the chart; the others are one bar */
#define CHART_NAME 32        /* code points of a name in the chart (the table has it whole) */
#define CARD_AUTHORS 3       /* authors named on a hover card */

/* The style sheet; the policy allows it by its SHA-256 and nothing else. */
static const char css[] =
    ":root{--fg:#1d1d1f;--muted:#6e6e73;--line:#d2d2d7;--bg:#fff}"
    "body{font:15px/1.45 system-ui,sans-serif;color:var(--fg);background:var(--bg);"
    "margin:0 auto;max-width:1100px;padding:1em 1.5em}"
    "h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.2em;margin:1.6em 0 .5em;"
    "border-bottom:1px solid var(--line)}h3{font-size:1em;margin:1.2em 0 .3em}"
    "small,.muted{color:var(--muted)}code,pre,.mono{font-family:ui-monospace,monospace}"
    "dl.totals{display:flex;flex-wrap:wrap;gap:.5em 2em;margin:0}"
    "dl.totals div{min-width:8em}dt{color:var(--muted);font-size:.85em}"
    "dd{margin:0;font-size:1.3em;font-variant-numeric:tabular-nums}"
    "table{border-collapse:collapse;width:100%;font-size:.9em}"
    "th,td{text-align:left;padding:.25em .5em;border-bottom:1px solid var(--line);"
    "vertical-align:top}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;"
    "white-space:nowrap}"
    "tr.common td,tr.nonperson td{color:var(--muted)}td.src{overflow-wrap:anywhere}"
    "svg.chart{display:block;margin:.5em 0 1em;max-width:100%}"
    "svg.chart text{font:13px system-ui,sans-serif;fill:var(--fg)}"
    "svg.chart rect{fill:#4c78a8}svg.chart .others rect{fill:#aaa}"
    "pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#fafafa;border:1px solid "
    "var(--line);padding:.5em;margin:.3em 0;font-size:13px;line-height:1.5}"
    ".ln::before{content:attr(data-n);display:inline-block;width:3.5em;padding-right:1em;"
    "text-align:right;color:var(--muted);background:#fafafa;user-select:none}"
    "mark.span{color:inherit;border-radius:2px;cursor:help}"
    "mark.span:focus{outline:2px solid #333}"
    ".common{background:#e0e0e0}"
    /* a card is placed where a block would start: under the line the span starts on, at
     * the left of the text (so it never runs off the right edge) */
    ".card{display:none;position:absolute;margin-left:5em;z-index:10;width:34em;"
    "max-width:80vw;white-space:normal;font:13px/1.4 system-ui,sans-serif;background:#fff;"
    "color:var(--fg);border:1px solid #999;border-radius:4px;padding:.5em .7em;"
    "box-shadow:0 4px 14px rgba(0,0,0,.2);text-decoration:none}"
    "mark.span:hover>.card,mark.span:focus>.card,mark.span:focus-within>.card{display:block}"
    ".card .row{display:block}.card .warn{color:#a33}"
    "i.sw{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.4em;"
    "vertical-align:-.05em}"
    ".c0{background:#ffd54f}.c1{background:#81d4fa}.c2{background:#a5d6a7}"
    ".c3{background:#f8bbd0}.c4{background:#ffab91}.c5{background:#b39ddb}"
    ".c6{background:#80cbc4}.c7{background:#e6ee9c}.c8{background:#bcaaa4}"
    ".c9{background:#90caf9}.c10{background:#ce93d8}.c11{background:#c5e1a5}";

/* ---- text and attributes -------------------------------------------------------------- */

/* s[0..n) as HTML text or attribute value: the five markup characters as entities, C0
 * controls other than tab and line ends, and DEL, as their Control Pictures (U+2400..) so
 * that they show. Bytes that are not UTF-8 are left to the browser, which shows U+FFFD. */
static void esc_n(FILE *f, const char *s, size_t n)
{
    size_t i, run = 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char pic[4] = {'\xe2', '\x90', 0, 0};
        const char *rep = c == '&'    ? "&amp;"
                          : c == '<'  ? "&lt;"
                          : c == '>'  ? "&gt;"
                          : c == '"'  ? "&quot;"
                          : c == '\'' ? "&#39;"
                                      : NULL;
        if (!rep && ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)) {
            pic[2] = (char)(c == 0x7f ? 0xa1 : 0x80 + c);
            rep = pic;
        }
        if (rep) {
            fwrite(s + run, 1, i - run, f);
            fputs(rep, f);
            run = i + 1;
        }
    }
    fwrite(s + run, 1, n - run, f);
}

static void esc(FILE *f, const char *s)
{
    if (s)
        esc_n(f, s, strlen(s));
}

/* The first max code points of s, escaped, and "…" when there were more. */
static void esc_cut(FILE *f, const char *s, size_t max)
{
    size_t i, cps = 0;
    for (i = 0; s[i]; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80 && cps++ == max) {
            esc_n(f, s, i);
            fputs("\xe2\x80\xa6", f);
            return;
        }
    esc_n(f, s, i);
}

/* A link a person can follow: only http(s) URLs become links (a "javascript:" locator from
 * an index must not); others are shown as text. */
static void put_link(FILE *f, const char *url, const char *label)
{
    if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0) {
        esc(f, label);
        return;
    }
    fputs("<a href=\"", f);
    esc(f, url);
    fputs("\" rel=\"noreferrer noopener\">", f);
    esc(f, label);
    fputs("</a>", f);
}

static void put_lines(FILE *f, const char *word, uint32_t a, uint32_t b)
{
    if (a == b)
        fprintf(f, "%s %u", word, (unsigned)a);
    else
        fprintf(f, "%ss %u\xe2\x80\x93%u", word, (unsigned)a, (unsigned)b);
}

/* Strength with two decimals (the ledger's precision, so a span just under --min-strength
 * never shows as at it), rounded so that -0.004 shows "0.00". */
static double strength2(double s)
{
    return round(s * 100) / 100 + 0.0;
}

/* ---- string tables ---------------------------------------------------------------------- */

/* Keys (owned) and their indices in order of first appearance, found by open addressing. */
typedef struct strtab {
    char **keys;
    size_t n, cap;
    uint32_t *slot; /* key index + 1, 0 when empty; nslot a power of two, over 2 n */
    size_t nslot;
} strtab;

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 0xcbf29ce484222325u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3u;
    return h;
}

static int strtab_grow(strtab *t)
{
    size_t ns = t->nslot ? 2 * t->nslot : 64, i;
    uint32_t *slot = calloc(ns, sizeof *slot);
    char **keys = realloc(t->keys, ns / 2 * sizeof *keys);
    if (keys)
        t->keys = keys;
    if (!slot || !keys) {
        free(slot);
        return -1;
    }
    for (i = 0; i < t->n; i++) {
        size_t j = fnv1a(t->keys[i]) & (ns - 1);
        while (slot[j])
            j = (j + 1) & (ns - 1);
        slot[j] = (uint32_t)i + 1;
    }
    free(t->slot);
    t->slot = slot;
    t->nslot = ns;
    t->cap = ns / 2;
    return 0;
}

/* The index of key (taken over: the table frees it, or keeps it), added when new; -1 when
 * the table holds max keys already, -2 out of memory. */
static long strtab_get(strtab *t, char *key, size_t max)
{
    size_t j;
    if (!key)
        return -2;
    if (t->n == t->cap && t->n < max && strtab_grow(t) != 0) {
        free(key);
        return -2;
    }
    for (j = t->nslot ? fnv1a(key) & (t->nslot - 1) : 0; t->nslot && t->slot[j];
         j = (j + 1) & (t->nslot - 1))
        if (strcmp(t->keys[t->slot[j] - 1], key) == 0) {
            free(key);
            return (long)t->slot[j] - 1;
        }
    if (t->n >= max || t->n == t->cap) {
        free(key);
        return -1;
    }
    t->keys[t->n] = key;
    t->slot[j] = (uint32_t)++t->n;
    return (long)t->n - 1;
}

static void strtab_free(strtab *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->keys[i]);
    free(t->keys);
    free(t->slot);
}

/* "a\x1f" "b\x1f" "c" with "\x1e" for a NULL part, malloc'ed (NULL without memory). */
static char *join3(const char *a, const char *b, const char *c)
{
    const char *v[3] = {a, b, c};
    size_t n = 3, i;
    char *k, *p;
    for (i = 0; i < 3; i++)
        n += v[i] ? strlen(v[i]) + 1 : 1;
    if (!(k = p = malloc(n)))
        return NULL;
    for (i = 0; i < 3; i++) {
        if (v[i]) {
            size_t l = strlen(v[i]);
            memcpy(p, v[i], l);
            p += l;
        } else {
            *p++ = '\x1e';
        }
        *p++ = i < 2 ? '\x1f' : '\0';
    }
    return k;
}

/* ---- the report ------------------------------------------------------------------------- */

/* An author of match's batch: tokens summed over its outputs. */
typedef struct author {
    char *name, *email, *id;
    double tokens;
    size_t outputs, spans;
} author;

struct pv_cli_html {
    int credit; /* the credit command's page (else match's) */
    char *index_path;
    pv_index_info info;
    FILE *outs;         /* the outputs section, spooled */
    FILE *ev;           /* match: the evidence rows, spooled */
    size_t noutputs;    /* outputs added */
    uint64_t tokens;    /* their tokens */
    uint64_t matched;   /* tokens covered by spans */
    uint64_t nspans;    /* spans */
    uint64_t ncommon;   /* common spans */
    strtab colours;     /* source documents, by order of appearance */
    strtab author_keys; /* match: authors */
    author *authors;
    size_t nauthors, authors_cap;
    int nomem;
};

/* A spool: an unnamed temporary file in $TMPDIR (or /tmp), gone when closed; NULL with msg
 * saying why when none can be made. */
static FILE *spool(char *msg, size_t msgsz)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    FILE *f = NULL;
    int fd = -1;
    if (!dir || !*dir)
        dir = "/tmp";
    if (snprintf(path, sizeof path, "%s/provscan-html.XXXXXX", dir) < (int)sizeof path &&
        (fd = mkstemp(path)) >= 0) {
        unlink(path);
        if (!(f = fdopen(fd, "w+")))
            close(fd);
    }
    if (!f)
        snprintf(msg, msgsz, "cannot make a temporary file in '%s' for the HTML report: %s", dir,
                 strerror(errno));
    return f;
}

int pv_cli__html_begin(const char *command, const char *index_path, const pv_index_info *info,
                       pv_cli_html **out, char *msg, size_t msgsz)
{
    pv_cli_html *h = calloc(1, sizeof *h);
    *out = NULL;
    snprintf(msg, msgsz, "out of memory");
    if (!h)
        return -1;
    h->credit = strcmp(command, "credit") == 0;
    h->info = *info;
    h->info.chunks = NULL; /* borrowed from the index: not kept */
    h->index_path = strdup(index_path);
    if (!h->index_path || !(h->outs = spool(msg, msgsz)) || !(h->ev = spool(msg, msgsz))) {
        pv_cli__html_free(h);
        return -1;
    }
    *out = h;
    return 0;
}

void pv_cli__html_free(pv_cli_html *h)
{
    size_t i;
    if (!h)
        return;
    if (h->outs)
        fclose(h->outs);
    if (h->ev)
        fclose(h->ev);
    for (i = 0; i < h->nauthors; i++) {
        free(h->authors[i].name);
        free(h->authors[i].email);
        free(h->authors[i].id);
    }
    free(h->authors);
    strtab_free(&h->author_keys);
    strtab_free(&h->colours);
    free(h->index_path);
    free(h);
}

/* The colour class of a source document: colours in order of first appearance, so that the
 * first twelve sources of a report never share one; past MAX_COLOUR_KEYS, by hash. */
static unsigned colour_of(pv_cli_html *h, const char *source, const char *locator)
{
    char *key = join3(source, locator, NULL);
    long i;
    unsigned c;
    if (!key) {
        h->nomem = 1;
        return 0;
    }
    c = (unsigned)(fnv1a(key) % NCOLOURS);
    i = strtab_get(&h->colours, key, MAX_COLOUR_KEYS);
    if (i == -2)
        h->nomem = 1;
    return i >= 0 ? (unsigned)(i % NCOLOURS) : c;
}

/* The batch's record of the author name <email> (id), made when new; NULL without memory. */
static author *author_of(pv_cli_html *h, const char *name, const char *email, const char *id)
{
    long k = strtab_get(&h->author_keys, join3(name, email, id), SIZE_MAX);
    author *au;
    if (k < 0)
        return NULL;
    if ((size_t)k < h->nauthors)
        return &h->authors[k];
    if ((size_t)k != h->nauthors)
        return NULL; /* a key whose record could not be made */
    if (h->nauthors == h->authors_cap) {
        size_t nc = h->authors_cap ? 2 * h->authors_cap : 16;
        author *p = realloc(h->authors, nc * sizeof *p);
        if (!p)
            return NULL; /* the key stays, without a record: later lookups fail too */
        h->authors = p;
        h->authors_cap = nc;
    }
    au = &h->authors[h->nauthors++];
    memset(au, 0, sizeof *au);
    au->name = name ? strdup(name) : NULL;
    au->email = email ? strdup(email) : NULL;
    au->id = id ? strdup(id) : NULL;
    if ((name && !au->name) || (email && !au->email) || (id && !au->id))
        h->nomem = 1;
    return au;
}

/* Add a match result's authors to the batch's: their tokens, one output, their spans. */
static void add_authors(pv_cli_html *h, const pv_result *res)
{
    size_t i, j;
    author *au;
    for (i = 0; i < res->nauthors; i++) {
        const pv_author_credit *a = &res->authors[i];
        if (!(au = author_of(h, a->name, a->email, a->id)))
            goto nomem;
        au->tokens += a->tokens;
        au->outputs++;
    }
    for (i = 0; i < res->nspans; i++)
        for (j = 0; j < res->spans[i].nauthors; j++) {
            const pv_author_credit *a = &res->spans[i].authors[j];
            if (!(au = author_of(h, a->name, a->email, a->id)))
                goto nomem;
            au->spans++;
        }
    return;
nomem:
    h->nomem = 1;
}

/* The span's authors: "Name <email> 84%; ..." (at most max of them, then "and N others"),
 * "before DATE" for text older than the history, "none" for a common span. */
static void put_span_authors(FILE *f, const pv_span *sp, size_t max)
{
    size_t i;
    char date[32];
    if (sp->nauthors == 0) {
        if (sp->ncredits > 0 && sp->credits[0].before) {
            pv_cli__format_date(sp->credits[0].date, 0, date, sizeof date);
            fprintf(f, "before %s", date);
        } else {
            fputs("none", f);
        }
        return;
    }
    for (i = 0; i < sp->nauthors && i < max; i++) {
        if (i)
            fputs("; ", f);
        pv_cli__put_person(f, esc_n, sp->authors[i].name, sp->authors[i].email, sp->authors[i].id);
        fprintf(f, " %.0f%%", sp->authors[i].share * 100.0);
    }
    if (sp->nauthors > max)
        fprintf(f, "; and %zu other%s", sp->nauthors - max, sp->nauthors - max == 1 ? "" : "s");
}

/* Why a common span earns nothing. */
static void put_common(FILE *f, const pv_span *sp)
{
    fputs("common", f);
    if (sp->common_license) {
        fputs(": license ", f);
        esc(f, sp->common_license);
    }
    fputs(", earns no credit", f);
}

/* The hover card of span idx: where it is, its strength, its origin (source, lines, commit,
 * license, date, permalink), who wrote it, and what earns nothing. */
static void put_card(FILE *f, const pv_span *sp, size_t idx)
{
    const pv_source_ref *o = sp->nsources ? &sp->sources[0] : NULL;
    char date[32];
    fprintf(f, "<span class=\"card\" role=\"tooltip\"><span class=\"row\"><b>S%zu</b> ", idx + 1);
    put_lines(f, "line", sp->line_start, sp->line_end);
    fprintf(f, ", %u tokens, strength %.2f</span>", (unsigned)sp->tokens, strength2(sp->strength));
    if (sp->common) {
        fputs("<span class=\"row warn\">", f);
        put_common(f, sp);
        fputs("</span>", f);
    }
    if (o) {
        fputs("<span class=\"row\">origin <b>", f);
        esc(f, o->locator);
        fputs("</b>", f);
        if (o->line_start > 0) {
            fputc(' ', f);
            put_lines(f, "line", o->line_start, o->line_end);
        }
        fputs("</span><span class=\"row\">source ", f);
        esc(f, o->source);
        if (o->commit) {
            fputs(", commit ", f);
            esc_n(f, o->commit, strnlen(o->commit, 12));
        }
        if (o->license) {
            fputs(", ", f);
            esc(f, o->license);
        }
        if (pv_cli__format_date(o->date, 0, date, sizeof date))
            fprintf(f, ", %s", date);
        fputs("</span>", f);
        if (o->url) {
            fputs("<span class=\"row\">", f);
            put_link(f, o->url, o->url);
            fputs("</span>", f);
        }
    }
    fputs("<span class=\"row\">authors: ", f);
    put_span_authors(f, sp, CARD_AUTHORS);
    fputs("</span>", f);
    if (sp->copies_total > 0)
        fprintf(f, "<span class=\"row\">also in %u other document%s</span>",
                (unsigned)sp->copies_total, sp->copies_total == 1 ? "" : "s");
    fputs("</span>", f);
}

/* Open the mark of span idx of output out (first: its first piece, which carries the id). */
static void open_mark(pv_cli_html *h, FILE *f, const pv_span *sp, size_t out, size_t idx, int first)
{
    const pv_source_ref *o = sp->nsources ? &sp->sources[0] : NULL;
    fputs("<mark class=\"span ", f);
    if (sp->common)
        fputs("common", f);
    else
        fprintf(f, "c%u", o ? colour_of(h, o->source, o->locator) : 0);
    fputc('"', f);
    if (first)
        fprintf(f, " id=\"o%zu-s%zu\"", out + 1, idx + 1);
    fprintf(f,
            " tabindex=\"0\" data-span=\"S%zu\" data-lines=\"%u-%u\" data-tokens=\"%u\""
            " data-strength=\"%.2f\"",
            idx + 1, (unsigned)sp->line_start, (unsigned)sp->line_end, (unsigned)sp->tokens,
            strength2(sp->strength));
    if (sp->common)
        fputs(" data-common=\"1\"", f);
    if (o) {
        fputs(" data-source=\"", f);
        esc(f, o->source);
        fputs("\" data-locator=\"", f);
        esc(f, o->locator);
        fprintf(f, "\" data-source-lines=\"%u-%u\"", (unsigned)o->line_start,
                (unsigned)o->line_end);
        if (o->url) {
            fputs(" data-url=\"", f);
            esc(f, o->url);
            fputc('"', f);
        }
    }
    fputs(" data-authors=\"", f);
    put_span_authors(f, sp, SIZE_MAX);
    fputs("\">", f);
    put_card(f, sp, idx);
}

/* Where the writing of an output's text stands: its line, and whether a line starts next. */
typedef struct cursor {
    uint32_t line;
    int bol;
} cursor;

/* text[from..to), escaped, with a line-number marker where each line starts. "\r\n", "\r"
 * and "\n" end a line, as in the library's line table. */
static void put_text(FILE *f, const char *text, size_t len, size_t from, size_t to, cursor *c)
{
    size_t i = from;
    while (i < to) {
        size_t j = i;
        if (c->bol) {
            fprintf(f, "<span class=\"ln\" data-n=\"%u\"></span>", (unsigned)c->line);
            c->bol = 0;
        }
        while (j < to && text[j] != '\n' && text[j] != '\r')
            j++;
        if (j < to) {
            if (text[j] == '\n' || !(j + 1 < len && text[j + 1] == '\n')) {
                c->line++;
                c->bol = 1;
            }
            j++;
        }
        esc_n(f, text + i, j - i);
        i = j;
    }
}

typedef struct bound {
    uint32_t start, end;
    size_t idx;
} bound;

static int by_start(const void *a, const void *b)
{
    const bound *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int by_value(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* The output's text with its spans marked. Where spans overlap, the piece shows one of them:
 * a credited span before a common one, then the first. */
static int put_marked(pv_cli_html *h, FILE *f, const char *text, size_t len, const pv_result *res)
{
    size_t n = res->nspans, i, nb = 0, next = 0, nactive = 0, pos = 0;
    bound *sp = malloc((n + 1) * sizeof *sp);
    uint32_t *cut = malloc((2 * n + 1) * sizeof *cut);
    size_t *active = malloc((n + 1) * sizeof *active);
    unsigned char *seen = calloc(n + 1, 1);
    cursor c = {1, 1};
    long open = -1;
    if (!sp || !cut || !active || !seen) {
        free(sp);
        free(cut);
        free(active);
        free(seen);
        return -1;
    }
    for (i = 0; i < n; i++) {
        uint32_t a = res->spans[i].start, z = res->spans[i].end;
        sp[i].start = a < len ? a : (uint32_t)len;
        sp[i].end = z < len ? z : (uint32_t)len;
        sp[i].idx = i;
        cut[nb++] = sp[i].start;
        cut[nb++] = sp[i].end;
    }
    qsort(sp, n, sizeof *sp, by_start);
    qsort(cut, nb, sizeof *cut, by_value);
    for (i = 0; i < nb; i++) {
        uint32_t at = cut[i], to = i + 1 < nb ? cut[i + 1] : (uint32_t)len;
        size_t k, o = 0;
        long top = -1;
        if (i + 1 < nb && cut[i + 1] == at)
            continue; /* the same boundary again */
        put_text(f, text, len, pos, at, &c);
        pos = at;
        for (k = 0; k < nactive; k++)
            if (sp[active[k]].end > at)
                active[o++] = active[k];
        nactive = o;
        while (next < n && sp[next].start <= at) {
            if (sp[next].end > at)
                active[nactive++] = next;
            next++;
        }
        for (k = 0; k < nactive; k++) {
            const pv_span *a = &res->spans[sp[active[k]].idx];
            const pv_span *b = top >= 0 ? &res->spans[top] : NULL;
            if (!b || (b->common && !a->common) ||
                (b->common == a->common && sp[active[k]].idx < (size_t)top))
                top = (long)sp[active[k]].idx;
        }
        if (top != open) {
            if (open >= 0)
                fputs("</mark>", f);
            if (top >= 0) {
                open_mark(h, f, &res->spans[top], h->noutputs, (size_t)top, !seen[top]);
                seen[top] = 1;
            }
            open = top;
        }
        put_text(f, text, len, pos, to, &c);
        pos = to;
    }
    if (open >= 0)
        fputs("</mark>", f);
    put_text(f, text, len, pos, len, &c);
    free(sp);
    free(cut);
    free(active);
    free(seen);
    return 0;
}

/* The evidence table's cells for a source row: where (colour swatch, locator, lines), which
 * commit, the permalink. */
static void put_source_cells(pv_cli_html *h, FILE *f, int common, const char *source,
                             const char *locator, uint32_t a, uint32_t z, const char *commit,
                             const char *url)
{
    if (common)
        fputs("<td class=\"src\"><i class=\"sw common\"></i><span class=\"mono\">", f);
    else
        fprintf(f, "<td class=\"src\"><i class=\"sw c%u\"></i><span class=\"mono\">",
                colour_of(h, source, locator));
    esc(f, locator);
    fputs("</span> <small>", f);
    esc(f, source);
    fprintf(f, "</small></td><td class=\"num\">%u\xe2\x80\x93%u</td><td class=\"mono\">",
            (unsigned)a, (unsigned)z);
    if (commit)
        esc_n(f, commit, strnlen(commit, 12));
    fputs("</td><td>", f);
    if (url)
        put_link(f, url, "permalink");
    fputs("</td>", f);
}

/* Match's evidence row of span idx of the output being added: one row a span, its origin. */
static void put_match_row(pv_cli_html *h, const char *name, const pv_span *sp, size_t idx)
{
    FILE *f = h->ev;
    const pv_source_ref *o = sp->nsources ? &sp->sources[0] : NULL;
    fprintf(f, "<tr class=\"ev%s\" data-output=\"", sp->common ? " common" : "");
    esc(f, name);
    fprintf(f, "\" data-span=\"S%zu\" data-tokens=\"%u\" data-strength=\"%.2f\">", idx + 1,
            (unsigned)sp->tokens, strength2(sp->strength));
    fprintf(f, "<td><a href=\"#o%zu-s%zu\">", h->noutputs + 1, idx + 1);
    esc(f, name);
    fprintf(f, "</a> S%zu</td><td class=\"num\">%u\xe2\x80\x93%u</td>", idx + 1,
            (unsigned)sp->line_start, (unsigned)sp->line_end);
    fputs("<td>", f);
    put_span_authors(f, sp, SIZE_MAX);
    if (sp->common) {
        fputs(" <small>(", f);
        put_common(f, sp);
        fputs(")</small>", f);
    }
    fprintf(f, "</td><td class=\"num\">%u</td><td class=\"num\">%.2f</td>", (unsigned)sp->tokens,
            strength2(sp->strength));
    if (o)
        put_source_cells(h, f, sp->common, o->source, o->locator, o->line_start, o->line_end,
                         o->commit, o->url);
    else
        fputs("<td></td><td></td><td></td><td></td>", f);
    fputs("</tr>\n", f);
}

int pv_cli__html_output(pv_cli_html *h, const char *name, const char *text, size_t len,
                        const pv_result *res)
{
    FILE *f = h->outs;
    size_t i;
    h->tokens += res->tokens;
    h->matched += res->matched_tokens;
    h->nspans += res->nspans;
    for (i = 0; i < res->nspans; i++)
        h->ncommon += res->spans[i].common != 0;
    fprintf(f, "<article class=\"output\" id=\"o%zu\" data-output=\"", h->noutputs + 1);
    esc(f, name);
    fprintf(f,
            "\" data-tokens=\"%u\" data-matched=\"%u\" data-spans=\"%zu\">"
            "<h3><span class=\"mono\">",
            (unsigned)res->tokens, (unsigned)res->matched_tokens, res->nspans);
    esc(f, name);
    fprintf(f, "</span> <small>%u tokens, %u matched (%.1f%%), %zu span%s</small></h3>",
            (unsigned)res->tokens, (unsigned)res->matched_tokens, res->coverage * 100.0,
            res->nspans, res->nspans == 1 ? "" : "s");
    if (res->nspans > 0) {
        fputs("<pre>", f);
        if (put_marked(h, f, text, len, res) != 0)
            h->nomem = 1;
        fputs("</pre>", f);
    }
    fputs("</article>\n", f);
    if (!h->credit) {
        for (i = 0; i < res->nspans; i++)
            put_match_row(h, name, &res->spans[i], i);
        add_authors(h, res);
    }
    h->noutputs++;
    return h->nomem || ferror(f) || ferror(h->ev) ? -1 : 0;
}

/* ---- the page ----------------------------------------------------------------------------- */

/* One line of the authors' chart and table. */
typedef struct who {
    const pv_credit_payee *payee; /* credit: the payee (else NULL) */
    const char *name, *email, *id;
    int charted; /* has a share: a person (credit), any author (match) */
    double tokens, share;
    size_t outputs, spans;
    int64_t cents; /* credit with --pool: the amount, -1 none */
    int dust;      /* credit: under --min-share */
} who;

static int by_tokens(const void *a, const void *b)
{
    const who *x = a, *y = b;
    const char *xs[3] = {x->name, x->email, x->id}, *ys[3] = {y->name, y->email, y->id};
    int i, c;
    if (x->tokens != y->tokens)
        return x->tokens > y->tokens ? -1 : 1;
    for (i = 0; i < 3; i++) {
        if (!xs[i] || !ys[i]) {
            if (xs[i] != ys[i])
                return xs[i] ? -1 : 1;
            continue;
        }
        if ((c = strcmp(xs[i], ys[i])) != 0)
            return c;
    }
    return 0;
}

/* Tokens: whole, or a co-author's part with one decimal. */
static void put_tokens(FILE *f, double t)
{
    if (fabs(t - round(t)) < 0.05)
        fprintf(f, "%.0f", round(t));
    else
        fprintf(f, "%.1f", t);
}

static void put_cents(FILE *f, int64_t c)
{
    fprintf(f, "%" PRId64 ".%02" PRId64, c / 100, c % 100);
}

static void put_name(FILE *f, const who *w)
{
    if (w->payee)
        pv_cli__put_payee(f, esc_n, w->payee);
    else
        pv_cli__put_person(f, esc_n, w->name, w->email, w->id);
}

/* The chart: one bar per author with a share, at most CHART_BARS of them and one bar for
 * the others; the widest bar is the largest share, so that small shares stay apart. */
static void put_chart(FILE *f, const who *w, size_t n)
{
    size_t i, nbars = 0, others = 0;
    double rest = 0, rest_tokens = 0, top = 0, width;
    const double x0 = 250, row = 24;
    for (i = 0; i < n; i++) {
        if (!w[i].charted)
            continue;
        if (w[i].share > top)
            top = w[i].share;
        if (nbars < CHART_BARS) {
            nbars++;
        } else {
            others++;
            rest += w[i].share;
            rest_tokens += w[i].tokens;
        }
    }
    if (nbars == 0) {
        fputs("<p class=\"muted\" id=\"chart-none\">No author is credited.</p>", f);
        return;
    }
    width = 380 / (rest > top ? rest : top > 0 ? top : 1); /* pixels per unit of share */
    fprintf(f,
            "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"720\" "
            "height=\"%.0f\" viewBox=\"0 0 720 %.0f\" role=\"img\" aria-labelledby=\"chart-t\">"
            "<title id=\"chart-t\">Shares of the credited tokens per author</title>\n",
            row * (double)(nbars + (others > 0)) + 4, row * (double)(nbars + (others > 0)) + 4);
    for (i = 0, nbars = 0; i < n && nbars < CHART_BARS; i++) {
        double y = row * (double)nbars + 2;
        if (!w[i].charted)
            continue;
        nbars++;
        fputs("<g class=\"bar\" data-author=\"", f);
        put_name(f, &w[i]);
        fprintf(f, "\" data-share=\"%.6f\" data-tokens=\"", w[i].share);
        put_tokens(f, w[i].tokens);
        fputs("\"><title>", f);
        put_name(f, &w[i]);
        fputs(": ", f);
        put_tokens(f, w[i].tokens);
        fprintf(f, " tokens, %.1f%%</title><text x=\"0\" y=\"%.0f\">", w[i].share * 100, y + 15);
        esc_cut(f,
                w[i].payee  ? pv_cli__payee_name(w[i].payee)
                : w[i].name ? w[i].name
                            : "unknown",
                CHART_NAME);
        fprintf(f,
                "</text><rect x=\"%.0f\" y=\"%.0f\" width=\"%.1f\" height=\"18\"/>"
                "<text x=\"%.1f\" y=\"%.0f\">%.1f%%</text></g>\n",
                x0, y, w[i].share * width + 1, x0 + w[i].share * width + 7, y + 15,
                w[i].share * 100);
    }
    if (others > 0) {
        double y = row * (double)nbars + 2;
        fprintf(f, "<g class=\"bar others\" data-share=\"%.6f\"><title>%zu other authors: ", rest,
                others);
        put_tokens(f, rest_tokens);
        fprintf(f,
                " tokens</title><text x=\"0\" y=\"%.0f\">%zu others</text><rect x=\"%.0f\" "
                "y=\"%.0f\" width=\"%.1f\" height=\"18\"/><text x=\"%.1f\" y=\"%.0f\">%.1f%%"
                "</text></g>\n",
                y + 15, others, x0, y, rest * width + 1, x0 + rest * width + 7, y + 15, rest * 100);
    }
    fputs("</svg>\n", f);
}

static void put_authors_table(FILE *f, const who *w, size_t n, int pool)
{
    size_t i;
    fputs("<table id=\"authors-table\"><thead><tr><th>author</th><th class=\"num\">tokens</th>"
          "<th class=\"num\">share</th><th class=\"num\">outputs</th><th class=\"num\">spans"
          "</th>",
          f);
    if (pool)
        fputs("<th class=\"num\">amount</th>", f);
    fputs("</tr></thead><tbody>\n", f);
    for (i = 0; i < n; i++) {
        fprintf(f, "<tr class=\"author%s\" data-author=\"", w[i].charted ? "" : " nonperson");
        put_name(f, &w[i]);
        fputs("\" data-tokens=\"", f);
        put_tokens(f, w[i].tokens);
        fputs("\"><td>", f);
        put_name(f, &w[i]);
        if (w[i].dust)
            fputs(" <small>(under --min-share: unallocated)</small>", f);
        fputs("</td><td class=\"num\">", f);
        put_tokens(f, w[i].tokens);
        if (w[i].charted)
            fprintf(f, "</td><td class=\"num\">%.1f%%", w[i].share * 100);
        else
            fputs("</td><td class=\"num\">\xe2\x80\x94", f);
        fprintf(f, "</td><td class=\"num\">%zu</td><td class=\"num\">%zu</td>", w[i].outputs,
                w[i].spans);
        if (pool) {
            fputs("<td class=\"num\">", f);
            if (w[i].cents >= 0)
                put_cents(f, w[i].cents);
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table>\n", f);
}

static void total(FILE *f, const char *id, const char *label, const char *value)
{
    fprintf(f, "<div><dt>%s</dt><dd id=\"total-%s\" data-value=\"", label, id);
    esc(f, value);
    fputs("\">", f);
    esc(f, value);
    fputs("</dd></div>", f);
}

static void total_num(FILE *f, const char *id, const char *label, uint64_t v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRIu64, v);
    total(f, id, label, buf);
}

/* The policy: nothing loads, not even from the page's own origin; the one style element is
 * allowed by its SHA-256 (so an injected one would not apply); no forms, no base URL. */
static int put_policy(FILE *f)
{
    unsigned char md[EVP_MAX_MD_SIZE], b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
    unsigned n = 0;
    if (!EVP_Digest(css, strlen(css), md, &n, EVP_sha256(), NULL))
        return -1;
    EVP_EncodeBlock(b64, md, (int)n);
    fprintf(f,
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'sha256-%s'; img-src 'none'; font-src 'none'; connect-src 'none'; "
            "script-src 'none'; object-src 'none'; frame-src 'none'; base-uri 'none'; "
            "form-action 'none'\">\n",
            (const char *)b64);
    return 0;
}

static void put_head(const pv_cli_html *h, FILE *f)
{
    const char *cmd = h->credit ? "credit" : "match";
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n", f);
    put_policy(f);
    fputs("<meta name=\"referrer\" content=\"no-referrer\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"generator\" content=\"provscan " PV_VERSION_STRING "\">\n",
          f);
    fprintf(f, "<title>provscan %s: ", cmd);
    esc(f, h->index_path);
    fprintf(f,
            "</title>\n<style>%s</style>\n</head>\n<body>\n<header><h1>provscan %s</h1>"
            "<p class=\"muted\">index <code id=\"index-path\">",
            css, cmd);
    esc(f, h->index_path);
    fprintf(f,
            "</code>: %" PRIu64 " documents, %" PRIu64 " authors, k %u, w %u. Hover or focus a "
            "highlighted span for its source, lines, link, authors and strength. Strength is "
            "-log10 of the expected number of chance matches as good: below 0 weak, 2 or "
            "more strong.</p></header>\n",
            h->info.documents, h->info.authors, (unsigned)h->info.k, (unsigned)h->info.w);
}

/* Copy the spooled file s to f. */
static int copy_spool(FILE *s, FILE *f)
{
    char buf[1 << 16];
    size_t n;
    if (fflush(s) != 0 || ferror(s))
        return -1;
    rewind(s);
    while ((n = fread(buf, 1, sizeof buf, s)) > 0)
        if (fwrite(buf, 1, n, f) != n)
            return -1;
    return ferror(s) ? -1 : 0;
}

/* The lines of the chart and the table: credit's payees, or match's authors sorted by
 * tokens. NULL without memory. */
static who *gather(const pv_cli_html *h, const pv_cli_html_credit *cr, size_t *n)
{
    size_t i, m = cr ? cr->npayees : h->nauthors;
    double sum = 0;
    who *w = calloc(m + 1, sizeof *w);
    if (!w)
        return NULL;
    for (i = 0; !cr && i < m; i++)
        sum += h->authors[i].tokens;
    for (i = 0; i < m; i++) {
        if (cr) {
            const pv_credit_payee *p = &cr->payees[i];
            w[i] = (who){p,
                         p->name,
                         p->email,
                         p->id,
                         p->kind == PV_PAYEE_PERSON,
                         (double)p->tokens,
                         p->share,
                         p->outputs,
                         p->spans,
                         cr->cents ? cr->cents[i] : -1,
                         cr->dust ? cr->dust[i] : 0};
        } else {
            const author *a = &h->authors[i];
            w[i] = (who){
                NULL,       a->name,  a->email, a->id, 1, a->tokens, sum > 0 ? a->tokens / sum : 0,
                a->outputs, a->spans, -1,       0};
        }
    }
    if (!cr)
        qsort(w, m, sizeof *w, by_tokens);
    *n = m;
    return w;
}

static void put_totals(const pv_cli_html *h, const pv_cli_html_credit *cr, const who *w, size_t n,
                       FILE *f)
{
    size_t i, persons = 0;
    char buf[64];
    for (i = 0; i < n; i++)
        persons += w[i].charted;
    fputs("<section id=\"totals\"><h2>Totals</h2><dl class=\"totals\">", f);
    total_num(f, "outputs", "outputs", cr ? cr->outputs : h->noutputs);
    total_num(f, "tokens", "tokens", cr ? cr->tokens : h->tokens);
    total_num(f, "matched", "tokens matched", h->matched);
    snprintf(buf, sizeof buf, "%.1f%%",
             h->tokens ? 100.0 * (double)h->matched / (double)h->tokens : 0.0);
    total(f, "coverage", "coverage", buf);
    total_num(f, "spans", "spans", h->nspans);
    total_num(f, "common", "common spans (no credit)", h->ncommon);
    if (cr) {
        total_num(f, "credited", "tokens credited to persons", cr->credited);
        total_num(f, "persons", "persons credited", persons);
        if (cr->min_strength)
            total_num(f, "weak", "tokens of weak spans (no credit)", cr->weak_tokens);
        if (cr->pool >= 0) {
            int64_t paid = 0;
            for (i = 0; i < n; i++)
                if (w[i].cents > 0)
                    paid += w[i].cents;
            snprintf(buf, sizeof buf, "%" PRId64 ".%02" PRId64 " ", cr->pool / 100, cr->pool % 100);
            snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%.8s", cr->currency);
            total(f, "pool", "pool", buf);
            snprintf(buf, sizeof buf, "%" PRId64 ".%02" PRId64 " ", (cr->pool - paid) / 100,
                     (cr->pool - paid) % 100);
            snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%.8s", cr->currency);
            total(f, "unallocated", "unallocated", buf);
        }
    } else {
        total_num(f, "authors", "authors", persons);
    }
    fputs("</dl></section>\n", f);
}

/* One evidence row of credit: payee p's tokens of one span (e), from the ledger. */
static void put_credit_row(pv_cli_html *h, FILE *f, const pv_credit_payee *p,
                           const pv_credit_evidence *e)
{
    fprintf(f, "<tr class=\"ev%s\" data-output=\"", p->kind == PV_PAYEE_PERSON ? "" : " nonperson");
    esc(f, e->output_id);
    fputs("\" data-payee=\"", f);
    pv_cli__put_payee(f, esc_n, p);
    fprintf(f, "\" data-tokens=\"%" PRIu64 "\" data-strength=\"%.2f\"><td><a href=\"#o%zu\">",
            e->tokens, strength2(e->strength), e->output + 1);
    esc(f, e->output_id);
    fprintf(f, "</a></td><td class=\"num\">%u\xe2\x80\x93%u</td><td>", (unsigned)e->line_start,
            (unsigned)e->line_end);
    pv_cli__put_payee(f, esc_n, p);
    fprintf(f, "</td><td class=\"num\">%" PRIu64 "</td><td class=\"num\">%.2f</td>", e->tokens,
            strength2(e->strength));
    put_source_cells(h, f, 0, e->source, e->locator, e->src_line_start, e->src_line_end, e->commit,
                     e->url);
    fputs("</tr>\n", f);
}

/* The evidence table's opening: its heading row, the payee column named column. */
static void put_evidence_head(FILE *f, const char *id, const char *column)
{
    fprintf(f,
            "<table id=\"%s\"><thead><tr><th>output</th><th class=\"num\">lines</th><th>%s</th>"
            "<th class=\"num\">tokens</th><th class=\"num\">strength</th><th>source</th>"
            "<th class=\"num\">source lines</th><th>commit</th><th>link</th></tr></thead><tbody>\n",
            id, column);
}

/* Credit's spans under --min-strength, listed apart: who would have earned them. */
static void put_weak(pv_cli_html *h, const pv_cli_html_credit *cr, FILE *f)
{
    size_t i;
    fputs("<section id=\"weak\"><h2>Weak spans: no credit</h2><p class=\"muted\">Spans whose "
          "strength is under --min-strength ",
          f);
    esc(f, cr->min_strength);
    fprintf(
        f, " earn nothing: %" PRIu64 " tokens in %zu row%s, with who would have earned them.</p>\n",
        cr->weak_tokens, cr->nweak, cr->nweak == 1 ? "" : "s");
    put_evidence_head(f, "weak-table", "would have gone to");
    for (i = 0; i < cr->nweak; i++) {
        const pv_credit_weak *w = &cr->weak[i];
        pv_credit_payee p;
        memset(&p, 0, sizeof p);
        p.kind = w->kind;
        p.name = w->name;
        p.email = w->email;
        p.id = w->id;
        put_credit_row(h, f, &p, &w->ev);
    }
    fputs("</tbody></table></section>\n", f);
}

/* Credit's evidence: one row per span and payee, in the ledger's order. */
static void put_credit_rows(pv_cli_html *h, const pv_cli_html_credit *cr, FILE *f)
{
    size_t i, j;
    for (i = 0; i < cr->npayees; i++)
        for (j = 0; j < cr->payees[i].nevidence; j++)
            put_credit_row(h, f, &cr->payees[i], &cr->payees[i].evidence[j]);
}

int pv_cli__html_end(pv_cli_html *h, const pv_cli_html_credit *cr, FILE *f)
{
    size_t n = 0;
    who *w = gather(h, cr, &n);
    int rc = 0;
    if (!w)
        return -1;
    put_head(h, f);
    put_totals(h, cr, w, n, f);
    fputs("<section id=\"authors\"><h2>Shares per author</h2>\n", f);
    put_chart(f, w, n);
    put_authors_table(f, w, n, cr && cr->pool >= 0);
    fputs("</section>\n<section id=\"outputs\"><h2>Outputs</h2>\n", f);
    if (copy_spool(h->outs, f) != 0)
        rc = -1;
    fputs("</section>\n<section id=\"evidence\"><h2>Evidence</h2>\n", f);
    put_evidence_head(f, "evidence-table", cr ? "payee" : "authors");
    if (cr)
        put_credit_rows(h, cr, f);
    else if (copy_spool(h->ev, f) != 0)
        rc = -1;
    fputs("</tbody></table></section>\n", f);
    if (cr && cr->min_strength)
        put_weak(h, cr, f);
    fputs("<footer><p class=\"muted\">provscan " PV_VERSION_STRING
          ": rules in docs/attribution.md.</p></footer>\n</body>\n</html>\n",
          f);
    free(w);
    return rc || h->nomem || ferror(f) ? -1 : 0;
}
