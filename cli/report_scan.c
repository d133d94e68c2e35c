/*
 * report_scan.c - the report of `provscan scan`: every finding (an indexed document found in a
 * dataset record) as text, a JSON lines object or a CSV row as it comes, or gathered into one
 * JSON document; then the summary (documents and tokens of the index found, per source and
 * per author). docs/json.md documents the JSON fields.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "cli_int.h"

#define MAX_AUTHORS 16

/* What was found of one indexed document, over every record. */
typedef struct doc_found {
    uint32_t document;
    const char *locator, *source; /* borrowed from the index */
    uint32_t tokens;              /* the most tokens found in one record */
    uint32_t document_tokens;
    uint64_t records;
    pv_scan_author authors[MAX_AUTHORS];
    size_t nauthors;
} doc_found;

/* A line of the summary: a source or an author. */
typedef struct group {
    const char *name, *email, *id;
    uint64_t documents, tokens;
} group;

struct pv_cli_scan_report {
    pv_cli_scan_format format;
    const char *index_path;
    pv_index_info info;
    uint64_t count;
    uint32_t *slot; /* document id -> index in docs, or UINT32_MAX */
    doc_found *docs;
    size_t ndocs, cap_docs;
    cJSON *json, *findings; /* the JSON document being built */
};

static double ratio(double x)
{
    return round(x * 1e6) / 1e6; /* as every ratio of the JSON reports (docs/json.md) */
}

pv_cli_scan_report *pv_cli__scan_report_new(pv_cli_scan_format format, const char *index_path,
                                            const pv_index_info *info)
{
    pv_cli_scan_report *r = calloc(1, sizeof *r);
    size_t i;
    if (!r)
        return NULL;
    r->format = format;
    r->index_path = index_path;
    r->info = *info;
    r->slot = malloc((info->documents ? info->documents : 1) * sizeof *r->slot);
    if (!r->slot)
        goto fail;
    for (i = 0; i < info->documents; i++)
        r->slot[i] = UINT32_MAX;
    if (format == PV_CLI_SCAN_JSON) {
        cJSON *ix;
        if (!(r->json = cJSON_CreateObject()) || !(ix = pv_cli__json_index(index_path, info, 0)) ||
            !cJSON_AddItemToObject(r->json, "index", ix) ||
            !(r->findings = cJSON_AddArrayToObject(r->json, "findings")))
            goto fail;
    }
    if (format == PV_CLI_SCAN_CSV)
        fputs("dataset,record_no,record,line,offset,document,source,tokens,document_tokens,"
              "covered,spans,longest_tokens,record_line_start,record_line_end,"
              "document_line_start,document_line_end,authors,exact\n",
              stdout);
    return r;
fail:
    pv_cli__scan_report_free(r);
    return NULL;
}

void pv_cli__scan_report_free(pv_cli_scan_report *r)
{
    if (!r)
        return;
    cJSON_Delete(r->json);
    free(r->slot);
    free(r->docs);
    free(r);
}

uint64_t pv_cli__scan_report_count(const pv_cli_scan_report *r)
{
    return r->count;
}

/* "Name <email>", "Name", "<email>" or "id:ID" of an author into buf. */
static const char *who(const pv_scan_author *a, char *buf, size_t n)
{
    if (a->name && a->email)
        snprintf(buf, n, "%s <%s>", a->name, a->email);
    else if (a->name)
        snprintf(buf, n, "%s", a->name);
    else if (a->email)
        snprintf(buf, n, "<%s>", a->email);
    else
        snprintf(buf, n, "id:%s", a->id ? a->id : "?");
    return buf;
}

static int same_author(const pv_scan_author *a, const pv_scan_author *b)
{
    return (a->name == b->name || (a->name && b->name && strcmp(a->name, b->name) == 0)) &&
           (a->email == b->email || (a->email && b->email && strcmp(a->email, b->email) == 0));
}

/* Remember what was found of f's document, for the summary. */
static int note_doc(pv_cli_scan_report *r, const pv_scan_finding *f)
{
    doc_found *d;
    size_t i, j;
    if (f->document >= r->info.documents)
        return 0;
    if (r->slot[f->document] == UINT32_MAX) {
        if (r->ndocs == r->cap_docs) {
            size_t cap = r->cap_docs ? 2 * r->cap_docs : 16;
            doc_found *v = realloc(r->docs, cap * sizeof *v);
            if (!v)
                return -1;
            r->docs = v;
            r->cap_docs = cap;
        }
        d = &r->docs[r->ndocs];
        memset(d, 0, sizeof *d);
        d->document = f->document;
        d->locator = f->locator;
        d->source = f->source;
        d->document_tokens = f->document_tokens;
        r->slot[f->document] = (uint32_t)r->ndocs++;
    }
    d = &r->docs[r->slot[f->document]];
    d->records++;
    if (f->tokens > d->tokens)
        d->tokens = f->tokens;
    for (i = 0; i < f->nauthors; i++) {
        for (j = 0; j < d->nauthors && !same_author(&d->authors[j], &f->authors[i]); j++)
            ;
        if (j == d->nauthors && d->nauthors < MAX_AUTHORS)
            d->authors[d->nauthors++] = f->authors[i];
    }
    return 0;
}

static int add_num(cJSON *o, const char *key, double v)
{
    return cJSON_AddNumberToObject(o, key, v) ? 0 : -1;
}

/* A count or an offset as its exact decimal digits: cJSON prints a double with 15
 * significant digits whenever they read back within an epsilon, which turns 5000000000000001
 * into 5e+15 (docs/json.md promises integers exact up to 2^53). */
static cJSON *int_item(uint64_t v)
{
    char digits[24];
    snprintf(digits, sizeof digits, "%llu", (unsigned long long)v);
    return cJSON_CreateRaw(digits);
}

static int add_int(cJSON *o, const char *key, uint64_t v)
{
    cJSON *n = int_item(v);
    if (!n || !cJSON_AddItemToObject(o, key, n)) {
        cJSON_Delete(n);
        return -1;
    }
    return 0;
}

static int add_int_or_null(cJSON *o, const char *key, int64_t v)
{
    if (v < 0)
        return cJSON_AddNullToObject(o, key) ? 0 : -1;
    return add_int(o, key, (uint64_t)v);
}

/* [a, b] (lines are uint32_t: never through int) */
static int add_pair(cJSON *o, const char *key, const uint32_t v[2])
{
    cJSON *a = cJSON_CreateArray(), *x = NULL;
    int i;
    for (i = 0; a && i < 2; i++)
        if (!(x = int_item(v[i])) || !cJSON_AddItemToArray(a, x)) {
            cJSON_Delete(x);
            cJSON_Delete(a);
            a = NULL;
        }
    if (!a || !cJSON_AddItemToObject(o, key, a)) {
        cJSON_Delete(a);
        return -1;
    }
    return 0;
}

static cJSON *authors_json(const pv_scan_author *a, size_t n)
{
    cJSON *arr = cJSON_CreateArray();
    size_t i;
    for (i = 0; arr && i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        if (!o || !cJSON_AddItemToArray(arr, o)) {
            cJSON_Delete(o);
            cJSON_Delete(arr);
            return NULL;
        }
        if (pv_cli__json_add_str(o, "name", a[i].name) ||
            pv_cli__json_add_str(o, "email", a[i].email) ||
            pv_cli__json_add_str(o, "id", a[i].id)) {
            cJSON_Delete(arr);
            return NULL;
        }
    }
    return arr;
}

/* One finding as a JSON object (docs/json.md, "scan"). */
static cJSON *finding_json(const pv_scan_finding *f)
{
    cJSON *o = cJSON_CreateObject(), *lo, *au;
    int bad = 0;
    if (!o)
        return NULL;
    bad |= pv_cli__json_add_str(o, "document", f->locator);
    bad |= pv_cli__json_add_str(o, "source", f->source);
    bad |= pv_cli__json_add_str(o, "kind", f->kind);
    bad |= pv_cli__json_add_str(o, "commit", f->commit);
    bad |= pv_cli__json_add_str(o, "dataset", f->dataset_path);
    bad |= pv_cli__json_add_str(o, "record", f->record);
    bad |= add_int(o, "record_no", f->record_no);
    bad |= add_int_or_null(o, "line", f->line);
    bad |= add_int_or_null(o, "offset", f->offset);
    bad |= add_int(o, "tokens", f->tokens);
    bad |= add_int(o, "document_tokens", f->document_tokens);
    bad |= add_num(o, "covered", ratio(f->covered));
    bad |= add_int(o, "spans", f->spans);
    if (!cJSON_AddBoolToObject(o, "exact", f->exact))
        bad = -1;
    if (!(lo = cJSON_AddObjectToObject(o, "longest")))
        bad = -1;
    else {
        bad |= add_int(lo, "tokens", f->longest_tokens);
        bad |= add_pair(lo, "record_lines", f->record_lines);
        bad |= add_pair(lo, "document_lines", f->document_lines);
    }
    if (!(au = authors_json(f->authors, f->nauthors)) || !cJSON_AddItemToObject(o, "authors", au)) {
        cJSON_Delete(au);
        bad = -1;
    }
    if (bad) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static void csv_num(int64_t v)
{
    if (v >= 0)
        printf("%lld", (long long)v);
}

static void write_csv(const pv_scan_finding *f)
{
    char buf[1024];
    size_t i, n = 0;
    pv_cli__csv_field(stdout, f->dataset_path);
    printf(",%llu,", (unsigned long long)f->record_no);
    pv_cli__csv_field(stdout, f->record);
    putchar(',');
    csv_num(f->line);
    putchar(',');
    csv_num(f->offset);
    putchar(',');
    pv_cli__csv_field(stdout, f->locator);
    putchar(',');
    pv_cli__csv_field(stdout, f->source);
    printf(",%u,%u,%.6f,%u,%u,%u,%u,%u,%u,", f->tokens, f->document_tokens, ratio(f->covered),
           f->spans, f->longest_tokens, f->record_lines[0], f->record_lines[1],
           f->document_lines[0], f->document_lines[1]);
    buf[0] = '\0';
    for (i = 0; i < f->nauthors && n < sizeof buf; i++) {
        char one[512];
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%s", i ? "; " : "",
                              who(&f->authors[i], one, sizeof one));
    }
    pv_cli__csv_field(stdout, buf);
    printf(",%s\n", f->exact ? "true" : "false");
}

/* Dataset paths, record names and locators in caret notation: a dataset is other people's
 * bytes, and must not drive the terminal. */
static void put_str(const char *s)
{
    pv_cli__put_caret(stdout, s, strlen(s));
}

static void write_text(const pv_scan_finding *f)
{
    char one[512], a[32], b[32], c[32];
    size_t i;
    put_str(f->dataset_path);
    if (f->line >= 0)
        printf(":%lld", (long long)f->line);
    else if (f->offset >= 0)
        printf("@%lld", (long long)f->offset);
    else
        printf(" #%llu", (unsigned long long)f->record_no);
    if (f->record) {
        putchar(' ');
        put_str(f->record);
    }
    fputs("\n  holds ", stdout);
    put_str(f->locator);
    if (f->source && strcmp(f->source, f->locator) != 0) {
        fputs(" (", stdout);
        put_str(f->source);
        putchar(')');
    }
    if (f->exact)
        fputs(", an exact copy (the record names one of its git blobs)", stdout);
    if (!f->spans) /* an exact copy by blob id of a version whose text differs */
        fputs(": no span of the indexed version matched\n", stdout);
    else
        printf(": %s of %s tokens (%.1f%%) in %u %s; longest %s tokens, record lines %u-%u = "
               "document lines %u-%u\n",
               pv_cli__commas(f->tokens, a), pv_cli__commas(f->document_tokens, b),
               100.0 * f->covered, f->spans, f->spans == 1 ? "span" : "spans",
               pv_cli__commas(f->longest_tokens, c), f->record_lines[0], f->record_lines[1],
               f->document_lines[0], f->document_lines[1]);
    if (f->nauthors) {
        fputs("  by ", stdout);
        for (i = 0; i < f->nauthors; i++) {
            fputs(i ? ", " : "", stdout);
            put_str(who(&f->authors[i], one, sizeof one));
        }
        putchar('\n');
    }
}

int pv_cli__scan_report_add(pv_cli_scan_report *r, const pv_scan_finding *f)
{
    cJSON *o;
    r->count++;
    if (note_doc(r, f))
        return -1;
    switch (r->format) {
    case PV_CLI_SCAN_TEXT:
        write_text(f);
        break;
    case PV_CLI_SCAN_CSV:
        write_csv(f);
        break;
    case PV_CLI_SCAN_JSONL: {
        char *s;
        if (!(o = finding_json(f)))
            return -1;
        s = pv_cli__json_exact_numbers(o) ? NULL : cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        if (!s)
            return -1;
        fputs(s, stdout);
        putchar('\n');
        cJSON_free(s);
        fflush(stdout); /* as found: a program may act on it at once */
        break;
    }
    case PV_CLI_SCAN_JSON:
        if (!(o = finding_json(f)) || !cJSON_AddItemToArray(r->findings, o)) {
            cJSON_Delete(o);
            return -1;
        }
        break;
    }
    return 0;
}

/* ---- the summary ------------------------------------------------------------------------- */

static int cmp_group(const void *a, const void *b)
{
    const group *x = a, *y = b;
    int c;
    if (x->tokens != y->tokens)
        return x->tokens > y->tokens ? -1 : 1;
    if ((c = strcmp(x->name ? x->name : "", y->name ? y->name : "")) != 0)
        return c;
    return strcmp(x->email ? x->email : "", y->email ? y->email : "");
}

/* The documents found grouped by source (by_author 0) or by author: documents and tokens. */
static group *groups_of(const pv_cli_scan_report *r, int by_author, size_t *n)
{
    group *g = calloc(r->ndocs * MAX_AUTHORS + 1, sizeof *g);
    size_t i, j, k, ng = 0;
    if (!g)
        return NULL;
    for (i = 0; i < r->ndocs; i++) {
        const doc_found *d = &r->docs[i];
        size_t nk = by_author ? d->nauthors : 1;
        for (k = 0; k < nk; k++) {
            pv_scan_author a = {d->source, NULL, NULL};
            if (by_author)
                a = d->authors[k];
            for (j = 0; j < ng; j++) {
                pv_scan_author b = {g[j].name, g[j].email, g[j].id};
                if (same_author(&a, &b))
                    break;
            }
            if (j == ng) {
                g[ng].name = a.name;
                g[ng].email = a.email;
                g[ng].id = a.id;
                ng++;
            }
            g[j].documents++;
            g[j].tokens += d->tokens;
        }
    }
    qsort(g, ng, sizeof *g, cmp_group);
    *n = ng;
    return g;
}

static uint64_t tokens_found(const pv_cli_scan_report *r)
{
    uint64_t t = 0;
    size_t i;
    for (i = 0; i < r->ndocs; i++)
        t += r->docs[i].tokens;
    return t;
}

static int summary_json(const pv_cli_scan_report *r, const pv_scan_stats *st, cJSON *s)
{
    group *g;
    size_t n, i, pass;
    int bad = 0;
    bad |= add_int(s, "datasets", st->datasets + st->dataset_errors);
    bad |= add_int(s, "dataset_errors", st->dataset_errors);
    bad |= add_int(s, "records", st->records);
    bad |= add_int(s, "read_bytes", st->read_bytes);
    bad |= add_int(s, "text_bytes", st->text_bytes);
    bad |= add_int(s, "bad_records", st->bad_records);
    bad |= add_int(s, "invalid_utf8", st->invalid_utf8);
    bad |= add_int(s, "candidates", st->candidates);
    bad |= add_int(s, "found_records", st->found_records);
    bad |= add_int(s, "findings", st->findings);
    bad |= add_int(s, "documents_found", r->ndocs);
    bad |= add_int(s, "documents", r->info.documents);
    bad |= add_int(s, "tokens_found", tokens_found(r));
    bad |= add_int(s, "tokens", r->info.tokens);
    for (pass = 0; pass < 2 && !bad; pass++) {
        cJSON *arr = cJSON_AddArrayToObject(s, pass ? "authors" : "sources");
        if (!arr || !(g = groups_of(r, (int)pass, &n)))
            return -1;
        for (i = 0; i < n && !bad; i++) {
            cJSON *o = cJSON_CreateObject();
            if (!o || !cJSON_AddItemToArray(arr, o)) {
                cJSON_Delete(o);
                bad = -1;
                break;
            }
            if (pass) {
                bad |= pv_cli__json_add_str(o, "name", g[i].name);
                bad |= pv_cli__json_add_str(o, "email", g[i].email);
                bad |= pv_cli__json_add_str(o, "id", g[i].id);
            } else {
                bad |= pv_cli__json_add_str(o, "source", g[i].name);
            }
            bad |= add_int(o, "documents_found", g[i].documents);
            bad |= add_int(o, "tokens_found", g[i].tokens);
        }
        free(g);
    }
    return bad;
}

static int summary_text(const pv_cli_scan_report *r, const pv_scan_stats *st)
{
    char a[32], b[32], c[32], d[32], one[512], size[48];
    group *g;
    size_t n, i, pass;
    if (st->read_bytes < 1000000)
        snprintf(size, sizeof size, "%s bytes", pv_cli__commas(st->read_bytes, c));
    else
        snprintf(size, sizeof size, "%.1f MB", (double)st->read_bytes / 1e6);
    printf("scanned %s %s: %s records, %s read; %s %s matched\n",
           pv_cli__commas(st->datasets + st->dataset_errors, a),
           st->datasets + st->dataset_errors == 1 ? "dataset" : "datasets",
           pv_cli__commas(st->records, b), size, pv_cli__commas(st->candidates, d),
           st->candidates == 1 ? "candidate" : "candidates");
    if (st->bad_records)
        printf("skipped %s bad %s (each named on stderr)\n", pv_cli__commas(st->bad_records, a),
               st->bad_records == 1 ? "record" : "records");
    if (st->invalid_utf8)
        printf("%s invalid UTF-8 %s replaced by U+FFFD\n", pv_cli__commas(st->invalid_utf8, a),
               st->invalid_utf8 == 1 ? "sequence" : "sequences");
    if (st->dataset_errors)
        printf("%s %s stopped on an error (named on stderr)\n",
               pv_cli__commas(st->dataset_errors, a),
               st->dataset_errors == 1 ? "dataset" : "datasets");
    printf("found %s of %s documents (%s of %s tokens) in %s %s\n", pv_cli__commas(r->ndocs, a),
           pv_cli__commas(r->info.documents, b), pv_cli__commas(tokens_found(r), c),
           pv_cli__commas(r->info.tokens, d), pv_cli__commas(st->found_records, one),
           st->found_records == 1 ? "record" : "records");
    for (pass = 0; pass < 2 && r->ndocs; pass++) {
        if (!(g = groups_of(r, (int)pass, &n)))
            return -1;
        if (n)
            printf("%s:\n", pass ? "by author" : "by source");
        for (i = 0; i < n; i++) {
            pv_scan_author au = {g[i].name, g[i].email, g[i].id};
            printf("  %8s %-9s %8s %-6s  ", pv_cli__commas(g[i].documents, a),
                   g[i].documents == 1 ? "document" : "documents", pv_cli__commas(g[i].tokens, b),
                   g[i].tokens == 1 ? "token" : "tokens");
            put_str(pass ? who(&au, one, sizeof one) : g[i].name ? g[i].name : "-");
            putchar('\n');
        }
        free(g);
    }
    return 0;
}

int pv_cli__scan_report_end(pv_cli_scan_report *r, const pv_scan_stats *st)
{
    cJSON *s;
    switch (r->format) {
    case PV_CLI_SCAN_TEXT:
        if (r->count)
            putchar('\n');
        return summary_text(r, st);
    case PV_CLI_SCAN_JSON:
        if (!(s = cJSON_AddObjectToObject(r->json, "summary")) || summary_json(r, st, s))
            return -1;
        {
            int rc = pv_cli__json_print(r->json);
            r->json = NULL;
            return rc;
        }
    default: /* JSON lines and CSV hold findings only */
        return 0;
    }
}
