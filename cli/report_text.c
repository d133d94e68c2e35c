/*
 * report_text.c - the human-readable reports on stdout: a match result (the query with a
 * gutter naming the spans, then every span with its sources, then credit per author) and
 * the stats of an index. This is what users paste as evidence, so the query is printed whole.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_int.h"

#define C_MATCH "\033[1;32m" /* credited span bytes */
#define C_COMMON "\033[2m"   /* common span bytes: earn no credit */
#define C_LABEL "\033[1m"    /* span labels */
#define C_RESET "\033[0m"

enum { MARK_NONE = 0, MARK_COMMON = 1, MARK_CREDITED = 2 };

static const char *plural(uint64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* Display width of a UTF-8 string: code points, not bytes, so that names with accents
   keep the columns aligned. */
static size_t width_of(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

static void pad(size_t n)
{
    while (n--)
        putchar(' ');
}

static size_t digits(uint64_t v)
{
    size_t n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

/* Bytes of a query line, with C0 control characters and DEL shown in caret notation
   (^[ for ESC) so that a query cannot drive the terminal; tabs and UTF-8 pass through. */
static void put_bytes(const char *p, size_t n)
{
    pv_cli__put_caret(stdout, p, n);
}

/* ", commit C" with the first 12 bytes of C (a git id's short form; other sources' versions
 * are any text the index holds, so control bytes are shown as ^X like every other string). */
static void put_commit(const char *commit)
{
    fputs(", commit ", stdout);
    put_bytes(commit, strnlen(commit, 12));
}

/* A line of the query, coloured by mark[] (one byte per query byte) when mark is set. */
static void put_line(const char *text, size_t start, size_t end, const unsigned char *mark)
{
    size_t i = start;
    if (!mark) {
        put_bytes(text + start, end - start);
        return;
    }
    while (i < end) {
        size_t j = i;
        while (j < end && mark[j] == mark[i])
            j++;
        if (mark[i] != MARK_NONE)
            fputs(mark[i] == MARK_CREDITED ? C_MATCH : C_COMMON, stdout);
        put_bytes(text + i, j - i);
        if (mark[i] != MARK_NONE)
            fputs(C_RESET, stdout);
        i = j;
    }
}

/* End of the line that starts at pos (the first line-ending byte, or len), and where the
   next line starts. "\r\n", "\r" and "\n" end a line, as in the library's line table. */
static size_t line_end(const char *text, size_t len, size_t pos, size_t *next)
{
    size_t e = pos;
    while (e < len && text[e] != '\n' && text[e] != '\r')
        e++;
    *next = e;
    if (e < len)
        *next = e + (text[e] == '\r' && e + 1 < len && text[e + 1] == '\n' ? 2 : 1);
    return e;
}

/* Does span a come after span b in the listing (first line, then index)? */
static int after(const pv_span *spans, size_t a, size_t b)
{
    if (spans[a].line_start != spans[b].line_start)
        return spans[a].line_start > spans[b].line_start;
    return a > b;
}

/* Sort span indices by first line. qsort has no context argument in C11: an insertion
   sort is fine here, since the library returns spans in input order and so in line
   order already. */
static void sort_by_line(size_t *order, size_t n, const pv_span *spans)
{
    size_t i, j;
    for (i = 1; i < n; i++) {
        size_t v = order[i];
        for (j = i; j > 0 && after(spans, order[j - 1], v); j--)
            order[j] = order[j - 1];
        order[j] = v;
    }
}

/* The gutter of the listing: spans covering each line, swept in line order. */
typedef struct gutter {
    const pv_result *res;
    size_t *order;  /* span indices sorted by first line */
    size_t *active; /* spans covering the current line, ascending */
    size_t nactive, next;
} gutter;

/* Advance to line ln (lines are visited in increasing order) and return the width of its
   label list ("S1,S3"). */
static size_t gutter_at(gutter *g, uint32_t ln)
{
    size_t i, o = 0, w = 0;
    const pv_span *sp = g->res->spans;
    for (i = 0; i < g->nactive; i++)
        if (sp[g->active[i]].line_end >= ln)
            g->active[o++] = g->active[i];
    g->nactive = o;
    while (g->next < g->res->nspans && sp[g->order[g->next]].line_start <= ln) {
        size_t s = g->order[g->next++], j;
        if (sp[s].line_end < ln)
            continue;
        for (j = g->nactive; j > 0 && g->active[j - 1] > s; j--)
            g->active[j] = g->active[j - 1];
        g->active[j] = s;
        g->nactive++;
    }
    for (i = 0; i < g->nactive; i++)
        w += (i ? 1 : 0) + 1 + digits(g->active[i] + 1);
    return w;
}

static void gutter_reset(gutter *g)
{
    g->nactive = 0;
    g->next = 0;
}

static void put_gutter(const gutter *g, size_t width, int color)
{
    size_t i, w = 0;
    for (i = 0; i < g->nactive; i++) {
        if (i)
            putchar(',');
        printf("%sS%zu%s", color ? C_LABEL : "", g->active[i] + 1, color ? C_RESET : "");
        w += (i ? 1 : 0) + 1 + digits(g->active[i] + 1);
    }
    pad(width - w);
}

/* The query, line by line, with line numbers and the gutter. */
static void print_listing(const char *text, size_t len, const pv_result *res,
                          const unsigned char *mark, int color)
{
    gutter g = {res, NULL, NULL, 0, 0};
    size_t i, pos, next, nlines = 0, gw = 2, numw;
    uint32_t ln;
    g.order = malloc((res->nspans + 1) * sizeof *g.order);
    g.active = malloc((res->nspans + 1) * sizeof *g.active);
    if (!g.order || !g.active) {
        /* Without memory for the gutter, the listing is still the evidence. */
        free(g.order);
        free(g.active);
        put_bytes(text, len);
        putchar('\n');
        return;
    }
    for (i = 0; i < res->nspans; i++)
        g.order[i] = i;
    sort_by_line(g.order, res->nspans, res->spans);
    /* First pass: count lines and measure the widest gutter. A final line ending does
       not open an empty last line. */
    for (pos = 0, ln = 1; pos < len; pos = next, ln++) {
        size_t w;
        line_end(text, len, pos, &next);
        w = gutter_at(&g, ln);
        if (w > gw)
            gw = w;
        nlines++;
    }
    numw = digits(nlines) > 4 ? digits(nlines) : 4;
    gutter_reset(&g);
    for (pos = 0, ln = 1; pos < len; pos = next, ln++) {
        size_t e = line_end(text, len, pos, &next);
        gutter_at(&g, ln);
        printf("%*u  ", (int)numw, (unsigned)ln);
        put_gutter(&g, gw + 2, color);
        putchar('|');
        if (e > pos) {
            putchar(' ');
            put_line(text, pos, e, mark);
        }
        putchar('\n');
    }
    free(g.order);
    free(g.active);
}

static void put_lines(const char *word, uint32_t a, uint32_t b)
{
    if (a == b)
        printf("%s %u", word, (unsigned)a);
    else
        printf("%ss %u-%u", word, (unsigned)a, (unsigned)b);
}

static size_t lines_width(uint32_t a, uint32_t b)
{
    return a == b ? 5 + digits(a) : 7 + digits(a) + digits(b);
}

/* Columns "Name <email> (id ID)" takes; "unknown" stands for a missing name. */
static size_t person_width(const char *name, const char *email, const char *id)
{
    return (name ? width_of(name) : 7) + (email ? 3 + width_of(email) : 0) +
           (id ? 5 + width_of(id) : 0);
}

/* A person as "Name <email> (id ID)": "unknown" when the name is not known (only the text
 * report says "unknown"; JSON has null). */
static void put_author(const char *name, const char *email, const char *id)
{
    pv_cli__put_person(stdout, pv_cli__put_caret, name, email, id);
}

/* Who first wrote which lines of a span, when that says more than the origin row. Text that
   already existed where the history walked begins is "before DATE": no person. */
static void print_credits(const pv_span *sp)
{
    size_t i, lw = 0;
    char date[32];
    if (sp->ncredits == 0 || (sp->ncredits == 1 && !sp->credits[0].commit))
        return;
    for (i = 0; i < sp->ncredits; i++) {
        size_t w = lines_width(sp->credits[i].line_start, sp->credits[i].line_end);
        if (w > lw)
            lw = w;
    }
    fputs("    written by:\n", stdout);
    for (i = 0; i < sp->ncredits; i++) {
        const pv_span_credit *c = &sp->credits[i];
        fputs("      ", stdout);
        put_lines("line", c->line_start, c->line_end);
        pad(lw - lines_width(c->line_start, c->line_end) + 2);
        pv_cli__format_date(c->date, 0, date, sizeof date);
        if (c->before) {
            printf("before %s\n", date);
            continue;
        }
        put_author(c->name, c->email, c->id);
        if (c->commit)
            put_commit(c->commit);
        printf(", %s\n", date);
    }
}

/* One row of a span as printed: what it is, and who it names. */
typedef struct src_row {
    const pv_source_ref *s;
    const char *label; /* "origin", "partial", "copy" */
    char *who;         /* the origin's "Name 84%, Name 6%, and 2 others", or NULL: the row's
                          own earliest author */
} src_row;

/* A span's writers in a few words: at most two names with their shares, then "and N others";
   "before DATE" when all its text predates the history walked; NULL when it has no credits
   (a common span) or memory runs out. A name alone says who, except "unknown" (no name, or a
   person who calls themself that), which keeps the email. malloc'ed. */
static char *span_writers(const pv_span *sp)
{
    char *buf = NULL, date[32];
    size_t n = 0, i;
    FILE *f;
    if (sp->nauthors == 0 && (sp->ncredits == 0 || !sp->credits[0].before))
        return NULL;
    if (!(f = open_memstream(&buf, &n)))
        return NULL;
    if (sp->nauthors == 0) {
        pv_cli__format_date(sp->credits[0].date, 0, date, sizeof date);
        fprintf(f, "before %s", date);
    }
    for (i = 0; i < sp->nauthors && i < 2; i++) {
        const pv_author_credit *a = &sp->authors[i];
        fprintf(f, "%s%s", i ? ", " : "", a->name ? a->name : "unknown");
        if (a->email && (!a->name || strcmp(a->name, "unknown") == 0))
            fprintf(f, " <%s>", a->email);
        fprintf(f, " %.0f%%", a->share * 100.0);
    }
    if (sp->nauthors > 2)
        fprintf(f, ", and %zu %s", sp->nauthors - 2, plural(sp->nauthors - 2, "other", "others"));
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static size_t locator_width(const pv_source_ref *s)
{
    return width_of(s->locator) +
           (s->line_start > 0 ? 1 + lines_width(s->line_start, s->line_end) : 0);
}

static size_t who_width(const src_row *r)
{
    if (r->who)
        return width_of(r->who);
    return person_width(r->s->author_name, r->s->author_email, r->s->author_id);
}

/* One source row of a span: origin, partial holder or copy; where, who, when, under which
   license, at which commit; its link on a line of its own. */
static void print_row(const src_row *r, size_t locw, size_t authw, size_t licw)
{
    const pv_source_ref *s = r->s;
    char date[32];
    const char *lic = s->license ? s->license : "-";
    printf("    %-7s  ", r->label);
    put_bytes(s->locator, strlen(s->locator));
    if (s->line_start > 0) {
        putchar(' ');
        put_lines("line", s->line_start, s->line_end);
    }
    pad(locw - locator_width(s) + 2);
    if (r->who)
        put_bytes(r->who, strlen(r->who));
    else
        put_author(s->author_name, s->author_email, s->author_id);
    pad(authw - who_width(r) + 2);
    pv_cli__format_date(s->date, 0, date, sizeof date);
    printf("%-10s  ", date);
    put_bytes(lic, strlen(lic));
    pad(licw - width_of(lic) + 2);
    fputs("(source: ", stdout);
    put_bytes(s->source, strlen(s->source));
    if (s->commit)
        put_commit(s->commit);
    fputs(")\n", stdout);
    if (s->url && strcmp(s->url, s->locator) != 0) { /* a post's locator is its link already */
        pad(13);
        put_bytes(s->url, strlen(s->url));
        putchar('\n');
    }
}

static void print_span(const char *name, const pv_span *sp, size_t idx, size_t labelw, int color,
                       int list_copies)
{
    size_t i, nrows = 0, locw = 0, authw = 0, licw = 1;
    size_t listed = list_copies ? sp->ncopies : 0;
    src_row *rows = calloc(sp->nsources + listed + 1, sizeof *rows);
    char tok[32], more[32];
    printf("%sS%zu%s", color ? C_LABEL : "", idx + 1, color ? C_RESET : "");
    pad(labelw - 1 - digits(idx + 1) + 2);
    put_lines("line", sp->line_start, sp->line_end);
    fputs(" of ", stdout);
    put_bytes(name, strlen(name));
    printf(" (bytes %u-%u), %s %s", (unsigned)sp->start,
           (unsigned)(sp->end > sp->start ? sp->end - 1 : sp->start),
           pv_cli__commas(sp->tokens, tok), plural(sp->tokens, "token", "tokens"));
    /* rounded here so -0.04 prints "0.0", never "-0.0" */
    printf(", strength %.1f", round(sp->strength * 10) / 10 + 0.0);
    if (sp->common && sp->common_license) {
        fputs(" [common: license ", stdout);
        put_bytes(sp->common_license, strlen(sp->common_license));
        fputs(", earns no credit]", stdout);
    } else if (sp->common) {
        fputs(" [common: earns no credit]", stdout);
    }
    putchar('\n');
    if (!rows) /* the span's own line is still said; its rows need memory */
        return;
    for (i = 0; i < sp->nsources; i++, nrows++) {
        rows[nrows].s = &sp->sources[i];
        rows[nrows].label = sp->sources[i].origin ? "origin" : "partial";
        rows[nrows].who = sp->sources[i].origin ? span_writers(sp) : NULL;
    }
    for (i = 0; i < listed; i++, nrows++) {
        rows[nrows].s = &sp->copies[i];
        rows[nrows].label = "copy";
    }
    for (i = 0; i < nrows; i++) {
        const char *lic = rows[i].s->license ? rows[i].s->license : "-";
        if (locator_width(rows[i].s) > locw)
            locw = locator_width(rows[i].s);
        if (who_width(&rows[i]) > authw)
            authw = who_width(&rows[i]);
        if (width_of(lic) > licw)
            licw = width_of(lic);
    }
    for (i = 0; i < nrows; i++)
        print_row(&rows[i], locw, authw, licw);
    if (!list_copies && sp->copies_total > 0 && sp->nsources > 0) {
        printf("    also in %s other %s (%s in ", pv_cli__commas(sp->copies_total, tok),
               plural(sp->copies_total, "document", "documents"),
               pv_cli__commas(sp->copies_in_source, more));
        put_bytes(sp->sources[0].source, strlen(sp->sources[0].source));
        fputs(")\n", stdout);
    } else if (list_copies && sp->copies_total > sp->ncopies) {
        printf("    (+%s more %s)\n", pv_cli__commas(sp->copies_total - sp->ncopies, tok),
               plural(sp->copies_total - sp->ncopies, "copy", "copies"));
    }
    for (i = 0; i < nrows; i++)
        free(rows[i].who);
    free(rows);
    print_credits(sp);
}

/* Credited tokens: whole numbers with thousands separators, a co-author's half with one
 * decimal. */
static const char *credit_tokens(double t, char *buf, size_t n)
{
    double whole = (double)(uint64_t)(t + 0.5);
    if (whole - t < 0.05 && t - whole < 0.05)
        return pv_cli__commas((uint64_t)whole, buf);
    snprintf(buf, n, "%.1f", t);
    return buf;
}

static void print_authors(const pv_result *res)
{
    size_t i, tokw = 6;
    char buf[32];
    if (res->nauthors == 0) {
        fputs("authors: none credited\n", stdout);
        return;
    }
    for (i = 0; i < res->nauthors; i++)
        if (strlen(credit_tokens(res->authors[i].tokens, buf, sizeof buf)) > tokw)
            tokw = strlen(buf);
    printf("authors:\n    %*s   share  author\n", (int)tokw, "tokens");
    for (i = 0; i < res->nauthors; i++) {
        const pv_author_credit *a = &res->authors[i];
        printf("    %*s  %5.1f%%  ", (int)tokw, credit_tokens(a->tokens, buf, sizeof buf),
               a->share * 100.0);
        put_author(a->name, a->email, a->id);
        putchar('\n');
    }
}

/* The query echoed with its spans marked, and a blank line. */
static void print_echo(const char *text, size_t len, const pv_result *res, int color)
{
    unsigned char *mark = NULL;
    size_t i;
    if (color)
        mark = calloc(len ? len : 1, 1);
    for (i = 0; mark && i < res->nspans; i++) {
        const pv_span *sp = &res->spans[i];
        size_t b, e = sp->end < len ? sp->end : len;
        unsigned char v = sp->common ? MARK_COMMON : MARK_CREDITED;
        for (b = sp->start; b < e; b++)
            if (mark[b] < v)
                mark[b] = v;
    }
    print_listing(text, len, res, mark, color);
    free(mark);
    putchar('\n');
}

void pv_cli__text_result(const char *name, const char *text, size_t len, const pv_result *res,
                         int color, int list_copies, int summary)
{
    char t[32], m[32];
    size_t i;
    printf("== ");
    put_bytes(name, strlen(name));
    printf(": %s %s, %s matched (%.1f%%), %zu %s\n", pv_cli__commas(res->tokens, t),
           plural(res->tokens, "token", "tokens"), pv_cli__commas(res->matched_tokens, m),
           res->coverage * 100.0, res->nspans, plural(res->nspans, "span", "spans"));
    if (res->nspans == 0)
        return;
    if (!summary)
        print_echo(text, len, res, color);
    for (i = 0; i < res->nspans; i++)
        print_span(name, &res->spans[i], i, 1 + digits(res->nspans), color, list_copies);
    print_authors(res);
}

/* ---- stats ---------------------------------------------------------------------------- */

static void row(const char *label, const char *value)
{
    printf("    %-18s %s\n", label, value);
}

static void row_num(const char *label, uint64_t v)
{
    char buf[32];
    row(label, pv_cli__commas(v, buf));
}

void pv_cli__text_stats(const char *path, const pv_index_info *info)
{
    char buf[64], a[32], b[32];
    size_t i, offw = 6, sizew = 4;
    printf("index: ");
    put_bytes(path, strlen(path));
    fputs("\nparameters:\n", stdout);
    row_num("format version", info->format_version);
    row_num("normalization", info->norm_version);
    row_num("k", info->k);
    row_num("w", info->w);
    row_num("t (k + w - 1)", (uint64_t)info->k + info->w - 1);
    row_num("fingerprint bits", info->fp_bits);
    snprintf(buf, sizeof buf, "0x%016llx", (unsigned long long)info->seed);
    row("seed", buf);
    row_num("posting cap", info->posting_cap);
    if (info->created <= 0 || !pv_cli__format_date(info->created, 1, buf, sizeof buf))
        snprintf(buf, sizeof buf, "-");
    row("created", buf);
    fputs("counts:\n", stdout);
    row_num("documents", info->documents);
    row_num("authors", info->authors);
    row_num("sources", info->sources);
    row_num("fingerprints", info->fingerprints);
    row_num("postings", info->postings);
    row_num("blocks", info->blocks);
    row_num("tokens", info->tokens);
    row_num("input bytes", info->input_bytes);
    pv_cli__commas(info->file_bytes, a);
    if (info->input_bytes > 0) {
        snprintf(buf, sizeof buf, "%s (%.1f%% of input)", a,
                 100.0 * (double)info->file_bytes / (double)info->input_bytes);
        row("file bytes", buf);
    } else {
        row("file bytes", a);
    }
    for (i = 0; i < info->nchunks; i++) {
        if (strlen(pv_cli__commas(info->chunks[i].offset, a)) > offw)
            offw = strlen(a);
        if (strlen(pv_cli__commas(info->chunks[i].size, b)) > sizew)
            sizew = strlen(b);
    }
    printf("chunks:\n    id    %*s  %*s   share\n", (int)offw, "offset", (int)sizew, "size");
    for (i = 0; i < info->nchunks; i++) {
        const pv_index_chunk *c = &info->chunks[i];
        double share = info->file_bytes ? 100.0 * (double)c->size / (double)info->file_bytes : 0.0;
        printf("    %-4s  %*s  %*s  %5.1f%%\n", c->id, (int)offw, pv_cli__commas(c->offset, a),
               (int)sizew, pv_cli__commas(c->size, b), share);
    }
}

void pv_cli__text_segments(const pv_segment_info *v, size_t n)
{
    char a[32], b[32];
    size_t i;
    if (n == 0)
        return;
    fputs("segments:\n", stdout);
    for (i = 0; i < n; i++) {
        printf("    ");
        put_bytes(v[i].name, strlen(v[i].name));
        printf("  %s bytes  %s %s\n", pv_cli__commas(v[i].bytes, a),
               pv_cli__commas(v[i].documents, b), v[i].documents == 1 ? "document" : "documents");
    }
}

void pv_cli__text_tombstones(const pv_tombstone *v, size_t n)
{
    char date[64], a[32];
    size_t i;
    if (n == 0)
        return;
    fputs("tombstones:\n", stdout);
    for (i = 0; i < n; i++) {
        if (!pv_cli__format_date(v[i].date, 1, date, sizeof date))
            snprintf(date, sizeof date, "-");
        printf("    %-8s  ", pv_cli__tomb_kind(v[i].kind));
        put_bytes(v[i].id, strlen(v[i].id));
        if (v[i].source) {
            fputs(" in ", stdout);
            put_bytes(v[i].source, strlen(v[i].source));
        }
        if (v[i].kind == PV_TOMB_AUTHOR)
            printf("  (%s %s)", pv_cli__commas(v[i].authors, a),
                   v[i].authors == 1 ? "person" : "persons");
        else
            printf("  (%s %s)", pv_cli__commas(v[i].documents, a),
                   v[i].documents == 1 ? "document" : "documents");
        printf("  removed %s\n", date);
    }
}
