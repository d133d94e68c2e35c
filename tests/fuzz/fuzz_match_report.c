/*
 * fuzz_match_report.c - libFuzzer target for the report writers of `provscan match`
 * (cli/report_text.c, cli/report_json.c, cli/report_jsonl.c): a pv_result made from the input
 * (a query text, spans with their source rows, copies, authors and credits, and the result's
 * authors; strings with arbitrary bytes: control bytes, invalid UTF-8, quotes, line ends) is
 * written as text, as the JSON document and as JSON lines to a file in place of stdout, which
 * is read back and checked: JSON and JSON lines are valid UTF-8, parse with cJSON and give
 * back every count (spans, sources, copies, authors, credits), every number and every string
 * that was valid UTF-8; the text report without colour holds no control byte but line ends and
 * tabs (other people's names and the query must not drive the terminal).
 *
 * Input: byte 0 holds options (bit 0 colour, bit 1 list copies, bit 2 summary; bits 3-5 the
 * number of spans, at most 7; bits 6-7 the result's authors, at most 3); then the query text
 * (up to a NUL byte), the result's tokens (4 bytes), and per span:
 *   flags (2 bytes: bits 0-1 sources, 2-3 copies, 4-5 authors, 6-7 credits, 8 common,
 *   9 common_license), gap before it and its length in bytes (1 and 2 bytes), tokens (4),
 *   strength (1, minus 20), copies_total (2), tok_start (2);
 *   per source row and copy: a byte (1 origin, 2 full, 4 url, 8 license, 16 author, 32 commit),
 *   date (4, signed), line_start, line_end, matched_tokens (2 each), then the strings kind,
 *   source, locator and those the byte sets (url, license, author name and email, commit);
 *   per author and credit: a byte (1 name, 2 email, 4 id, 8 commit, 16 before), tokens (2),
 *   then those strings;
 * then the result's authors the same way. Strings end in a NUL byte (or the input's end);
 * numbers are little-endian; what the input lacks is 0 or "".
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "cli_int.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SPANS 7
#define MAX_ROWS 3

static const cJSON *check_arr(const cJSON *o, const char *key, size_t n)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    PV_FUZZ_CHECK(cJSON_IsArray(v) && (size_t)cJSON_GetArraySize(v) == n);
    return v;
}

static void check_row(const cJSON *o, const pv_source_ref *s)
{
    const cJSON *a;
    PV_FUZZ_CHECK(cJSON_IsObject(o));
    pv_fuzz_check_json_str(o, "kind", s->kind);
    pv_fuzz_check_json_str(o, "document", s->locator);
    pv_fuzz_check_json_str(o, "source", s->source);
    pv_fuzz_check_json_str(o, "commit", s->commit);
    pv_fuzz_check_json_str(o, "url", s->url);
    pv_fuzz_check_json_str(o, "license", s->license);
    pv_fuzz_check_json_num(o, "line_start", s->line_start);
    pv_fuzz_check_json_num(o, "line_end", s->line_end);
    pv_fuzz_check_json_num(o, "matched_tokens", s->matched_tokens);
    a = cJSON_GetObjectItemCaseSensitive(o, "author");
    if (s->author_name || s->author_email || s->author_id) {
        pv_fuzz_check_json_str(a, "name", s->author_name);
        pv_fuzz_check_json_str(a, "email", s->author_email);
    } else {
        PV_FUZZ_CHECK(cJSON_IsNull(a));
    }
}

static void check_authors(const cJSON *o, const pv_author_credit *v, size_t n)
{
    const cJSON *arr = check_arr(o, "authors", n);
    size_t i;
    for (i = 0; i < n; i++) {
        const cJSON *a = cJSON_GetArrayItem(arr, (int)i);
        pv_fuzz_check_json_str(a, "name", v[i].name);
        pv_fuzz_check_json_str(a, "email", v[i].email);
        pv_fuzz_check_json_str(a, "id", v[i].id);
        pv_fuzz_check_json_num(a, "tokens", v[i].tokens);
    }
}

/* One result object, as the JSON document's "results" element or a JSON line holds it. */
static void check_result(const cJSON *o, const char *input_name, const pv_result *res)
{
    const cJSON *spans;
    size_t i, k;
    PV_FUZZ_CHECK(cJSON_IsObject(o));
    pv_fuzz_check_json_str(o, "input", input_name);
    pv_fuzz_check_json_num(o, "tokens", res->tokens);
    pv_fuzz_check_json_num(o, "matched_tokens", res->matched_tokens);
    check_authors(o, res->authors, res->nauthors);
    spans = check_arr(o, "spans", res->nspans);
    for (i = 0; i < res->nspans; i++) {
        const pv_span *sp = &res->spans[i];
        const cJSON *so = cJSON_GetArrayItem(spans, (int)i), *rows, *credits;
        pv_fuzz_check_json_num(so, "start", sp->start);
        pv_fuzz_check_json_num(so, "end", sp->end);
        pv_fuzz_check_json_num(so, "line_start", sp->line_start);
        pv_fuzz_check_json_num(so, "line_end", sp->line_end);
        pv_fuzz_check_json_num(so, "tokens", sp->tokens);
        pv_fuzz_check_json_num(so, "copies_total", sp->copies_total);
        PV_FUZZ_CHECK(cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(so, "common")));
        pv_fuzz_check_json_str(so, "common_license", sp->common_license);
        rows = check_arr(so, "sources", sp->nsources);
        for (k = 0; k < sp->nsources; k++)
            check_row(cJSON_GetArrayItem(rows, (int)k), &sp->sources[k]);
        rows = check_arr(so, "copies", sp->ncopies);
        for (k = 0; k < sp->ncopies; k++)
            check_row(cJSON_GetArrayItem(rows, (int)k), &sp->copies[k]);
        check_authors(so, sp->authors, sp->nauthors);
        credits = check_arr(so, "credits", sp->ncredits);
        for (k = 0; k < sp->ncredits; k++) {
            const cJSON *c = cJSON_GetArrayItem(credits, (int)k);
            const pv_span_credit *want = &sp->credits[k];
            pv_fuzz_check_json_num(c, "tok_start", want->tok_start);
            pv_fuzz_check_json_num(c, "tok_end", want->tok_end);
            pv_fuzz_check_json_str(c, "name", want->before ? NULL : want->name);
            pv_fuzz_check_json_str(c, "commit", want->before ? NULL : want->commit);
        }
    }
}

typedef int (*writer_fn)(void *ctx);

/* What write wrote to stdout (malloc'ed, NUL after *n bytes). */
static char *capture(writer_fn write, void *ctx, size_t *n)
{
    pv_fuzz_stdout_begin();
    PV_FUZZ_CHECK(write(ctx) == 0);
    return pv_fuzz_stdout_end(n);
}

typedef struct job {
    const char *name, *text;
    size_t len;
    const pv_result *res;
    const pv_index_info *info;
    unsigned opt;
} job;

static int write_text(void *ctx)
{
    const job *j = ctx;
    pv_cli__text_result(j->name, j->text, j->len, j->res, j->opt & 1, (j->opt >> 1) & 1,
                        (j->opt >> 2) & 1);
    return 0;
}

static int write_json(void *ctx)
{
    const job *j = ctx;
    if (pv_cli__json_stream_begin("corpus.pvx", j->info) != 0 ||
        pv_cli__json_stream_result(j->name, j->res, 1) != 0 ||
        pv_cli__json_stream_result("second", j->res, 0) != 0)
        return -1;
    pv_cli__json_stream_end();
    return 0;
}

static int write_jsonl(void *ctx)
{
    const job *j = ctx;
    return pv_cli__jsonl_result(j->name, j->res) != 0 || pv_cli__jsonl_result("second", j->res);
}

/* The 1-based line of byte pos, lines ending at "\r\n", "\r" or "\n" as the library's. */
static uint32_t line_of(const char *text, size_t len, size_t pos)
{
    uint32_t ln = 1;
    size_t i;
    for (i = 0; i < pos && i < len; i++)
        if (text[i] == '\n' || (text[i] == '\r' && (i + 1 >= len || text[i + 1] != '\n')))
            ln++;
    return ln;
}

static void take_row(pv_fuzz_input *in, pv_source_ref *s, uint32_t doc)
{
    unsigned b = (unsigned)pv_fuzz_take_num(in, 1);
    memset(s, 0, sizeof *s);
    s->document = doc;
    s->origin = b & 1;
    s->full = (b >> 1) & 1;
    s->date = (int64_t)(int32_t)pv_fuzz_take_num(in, 4);
    s->line_start = (uint32_t)pv_fuzz_take_num(in, 2);
    s->line_end = s->line_start + (uint32_t)pv_fuzz_take_num(in, 2);
    s->matched_tokens = (uint32_t)pv_fuzz_take_num(in, 2);
    s->kind = pv_fuzz_take_str(in);
    s->source = pv_fuzz_take_str(in);
    s->locator = pv_fuzz_take_str(in);
    s->url = b & 4 ? pv_fuzz_take_str(in) : NULL;
    s->license = b & 8 ? pv_fuzz_take_str(in) : NULL;
    if (b & 16) {
        s->author_name = pv_fuzz_take_str(in);
        s->author_email = pv_fuzz_take_str(in);
    }
    s->commit = b & 32 ? pv_fuzz_take_str(in) : NULL;
    s->first_commit = s->commit;
}

static void take_author(pv_fuzz_input *in, pv_author_credit *a, double total)
{
    unsigned b = (unsigned)pv_fuzz_take_num(in, 1);
    memset(a, 0, sizeof *a);
    a->tokens = (double)pv_fuzz_take_num(in, 2);
    a->share = total > 0 ? a->tokens / total : 0;
    a->name = b & 1 ? pv_fuzz_take_str(in) : NULL;
    a->email = b & 2 ? pv_fuzz_take_str(in) : NULL;
    a->id = b & 4 ? pv_fuzz_take_str(in) : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static pv_span spans[MAX_SPANS];
    static pv_source_ref rows[MAX_SPANS][2 * MAX_ROWS];
    static pv_author_credit authors[MAX_SPANS][MAX_ROWS], res_authors[MAX_ROWS];
    static pv_span_credit credits[MAX_SPANS][MAX_ROWS];
    pv_result res;
    pv_index_info info;
    pv_fuzz_input in;
    job j;
    const char *text;
    size_t len, i, k, n, at = 0, nres_authors;
    unsigned opt;
    uint64_t matched = 0;
    char *out;

    if (size < 1)
        return 0;
    opt = data[0];
    pv_fuzz_input_init(&in, data, size, 1);
    text = pv_fuzz_take_str(&in);
    len = strlen(text);

    memset(&res, 0, sizeof res);
    res.tokens = (uint32_t)pv_fuzz_take_num(&in, 4);
    res.nspans = (opt >> 3) & 7;
    res.spans = spans;
    for (i = 0; i < res.nspans; i++) {
        pv_span *sp = &spans[i];
        unsigned fl = (unsigned)pv_fuzz_take_num(&in, 2);
        size_t start, end, nrows, ncopies;
        double total = 0;
        memset(sp, 0, sizeof *sp);
        /* spans as the matcher gives them: inside the query, in order, apart */
        start = at + (size_t)pv_fuzz_take_num(&in, 1);
        start = start < len ? start : len;
        end = start + (size_t)pv_fuzz_take_num(&in, 2);
        end = end < len ? end : len;
        at = end;
        sp->start = (uint32_t)start;
        sp->end = (uint32_t)end;
        sp->line_start = line_of(text, len, start);
        sp->line_end = end > start ? line_of(text, len, end - 1) : sp->line_start;
        sp->tokens = (uint32_t)pv_fuzz_take_num(&in, 4);
        sp->strength = (double)pv_fuzz_take_num(&in, 1) - 20;
        sp->copies_total = (uint32_t)pv_fuzz_take_num(&in, 2);
        sp->tok_start = (uint32_t)pv_fuzz_take_num(&in, 2);
        sp->tok_end = sp->tok_start + sp->tokens;
        sp->common = (fl >> 8) & 1;
        nrows = fl & 3;
        ncopies = (fl >> 2) & 3;
        for (k = 0; k < nrows + ncopies; k++)
            take_row(&in, &rows[i][k], (uint32_t)(i * 8 + k));
        sp->sources = rows[i];
        sp->nsources = nrows;
        sp->copies = rows[i] + nrows;
        sp->ncopies = ncopies;
        if (sp->copies_total < ncopies)
            sp->copies_total = (uint32_t)ncopies;
        sp->common_license = (fl >> 9) & 1 ? pv_fuzz_take_str(&in) : NULL;
        sp->nauthors = (fl >> 4) & 3;
        for (k = 0; k < sp->nauthors; k++) {
            take_author(&in, &authors[i][k], 0);
            total += authors[i][k].tokens;
        }
        for (k = 0; k < sp->nauthors; k++)
            authors[i][k].share = total > 0 ? authors[i][k].tokens / total : 0;
        sp->authors = authors[i];
        sp->ncredits = (fl >> 6) & 3;
        for (k = 0; k < sp->ncredits; k++) {
            pv_span_credit *c = &credits[i][k];
            unsigned b = (unsigned)pv_fuzz_take_num(&in, 1);
            memset(c, 0, sizeof *c);
            c->tok_start = sp->tok_start + (uint32_t)k;
            c->tok_end = c->tok_start + (uint32_t)pv_fuzz_take_num(&in, 2);
            c->line_start = sp->line_start;
            c->line_end = sp->line_end;
            c->tokens = (double)(c->tok_end - c->tok_start);
            c->date = (int64_t)(int32_t)pv_fuzz_take_num(&in, 4);
            c->before = (b >> 4) & 1;
            c->name = b & 1 ? pv_fuzz_take_str(&in) : NULL;
            c->email = b & 2 ? pv_fuzz_take_str(&in) : NULL;
            c->id = b & 4 ? pv_fuzz_take_str(&in) : NULL;
            c->commit = b & 8 ? pv_fuzz_take_str(&in) : NULL;
        }
        sp->credits = credits[i];
        matched += sp->tokens;
    }
    res.matched_tokens = (uint32_t)(matched < res.tokens ? matched : res.tokens);
    res.coverage = res.tokens ? (double)res.matched_tokens / res.tokens : 0;
    nres_authors = (opt >> 6) & 3;
    for (k = 0; k < nres_authors; k++)
        take_author(&in, &res_authors[k], (double)res.matched_tokens);
    res.authors = res_authors;
    res.nauthors = nres_authors;

    memset(&info, 0, sizeof info);
    info.format_version = 3;
    info.norm_version = 1;
    info.k = 10;
    info.w = 16;
    info.documents = 8 * MAX_SPANS;
    j.name = text; /* an input name with the query's bytes */
    j.text = text;
    j.len = len;
    j.res = &res;
    j.info = &info;
    j.opt = opt;

    /* text: without colour, no control byte but line ends and tabs */
    out = capture(write_text, &j, &n);
    if (!(opt & 1))
        for (i = 0; i < n; i++) {
            unsigned char c = (unsigned char)out[i];
            PV_FUZZ_CHECK(c >= 0x20 ? c != 0x7f : c == '\n' || c == '\t');
        }
    free(out);

    /* the JSON document: valid UTF-8, both results given back */
    out = capture(write_json, &j, &n);
    {
        cJSON *doc;
        const cJSON *arr;
        PV_FUZZ_CHECK(pv_fuzz_valid_utf8(out, n));
        PV_FUZZ_CHECK((doc = cJSON_ParseWithLength(out, n)) != NULL);
        PV_FUZZ_CHECK(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(doc, "index")));
        arr = check_arr(doc, "results", 2);
        check_result(cJSON_GetArrayItem(arr, 0), text, &res);
        check_result(cJSON_GetArrayItem(arr, 1), "second", &res);
        cJSON_Delete(doc);
    }
    free(out);

    /* JSON lines: one result a line */
    out = capture(write_jsonl, &j, &n);
    {
        const char *p = out, *end = out + n;
        PV_FUZZ_CHECK(pv_fuzz_valid_utf8(out, n));
        for (i = 0; i < 2; i++) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            cJSON *doc;
            PV_FUZZ_CHECK(nl != NULL);
            PV_FUZZ_CHECK((doc = cJSON_ParseWithLength(p, (size_t)(nl - p))) != NULL);
            check_result(doc, i ? "second" : text, &res);
            cJSON_Delete(doc);
            p = nl + 1;
        }
        PV_FUZZ_CHECK(p == end);
    }
    free(out);
    free(in.copy);
    return 0;
}
