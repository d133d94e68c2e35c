/*
 * json_view.c - JSON-escaped text inside plain text, decoded (scanner/json_int.h): the scan
 * of a plain-text record (match/scan.c) reads a record's JSON string literals that hold
 * escapes as the text they stand for, beside the raw text, and places what it finds there
 * on the raw lines. Decoding is cJSON's (pv_json__parse); this file only finds the literals.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_int.h"

static int is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

static int add_lit(pv_json_view *v, size_t from, size_t to)
{
    if (pv_array__grow((void **)&v->lit, &v->cap, v->n + 1, sizeof *v->lit))
        return PV_ENOMEM;
    v->lit[v->n].dec = 0;
    v->lit[v->n].from = from;
    v->lit[v->n].to = to;
    v->n++;
    return 0;
}

/* 1 when c ends a line of raw text: a literal never holds it. A NUL byte counts as one, so
 * that no literal needs pv_json__parse's copy (a raw tab is kept, as cJSON keeps it). */
static int line_end(unsigned char c)
{
    return c == '\n' || c == '\r' || c == '\0';
}

/* The literals of the line starting at s[i] (outside any literal): quotes paired from there,
 * escapes skipped. A literal that holds an escape and is valid JSON is added to v. Returns
 * the offset of the line's end (line_end, or len), or (size_t)-1 when memory ran out. */
static size_t line_literals(pv_json_view *v, const unsigned char *s, size_t i, size_t len)
{
    while (i < len && !line_end(s[i])) {
        size_t open;
        int escaped = 0, bad = 0;
        unsigned char c;
        if (s[i] != '"') {
            i++;
            continue;
        }
        open = i++;
        while (i < len && (c = s[i]) != '"' && !line_end(c)) {
            if (c != '\\') {
                i++;
                continue;
            }
            escaped = 1;
            if (i + 1 >= len || line_end(s[i + 1])) {
                i++;
                break; /* no closing quote on this line */
            }
            c = s[i + 1];
            if (c == 'u' && i + 5 < len && is_hex(s[i + 2]) && is_hex(s[i + 3]) &&
                is_hex(s[i + 4]) && is_hex(s[i + 5])) {
                i += 6;
                continue;
            }
            if (c == 'u' || !strchr("\"\\/bfnrt", c))
                bad = 1;
            i += 2;
        }
        if (i >= len || s[i] != '"')
            break; /* unterminated */
        i++;
        if (escaped && !bad && add_lit(v, open, i) != 0)
            return (size_t)-1;
    }
    while (i < len && !line_end(s[i])) /* after an unterminated literal */
        i++;
    return i;
}

/* Decode literals v->lit[first, last) (raw text s) as one JSON array into v->text. Returns
 * 0, 1 when they are not JSON (nothing added), or PV_ENOMEM. */
static int decode(pv_json_view *v, const char *s, size_t first, size_t last)
{
    pv_buf none = PV_BUF_INIT(0);
    pv_json *root;
    pv_json_error e;
    const pv_json *item;
    size_t i, start = v->text.len;
    int rc = 0;

    v->json.len = 0;
    rc = pv_buf__append(&v->json, "[", 1);
    for (i = first; i < last && rc == 0; i++) {
        const pv_json_lit *l = &v->lit[i];
        if (i > first)
            rc = pv_buf__append(&v->json, ",", 1);
        if (rc == 0)
            rc = pv_buf__append(&v->json, s + l->from, l->to - l->from);
    }
    if (rc == 0)
        rc = pv_buf__append(&v->json, "]", 1);
    if (rc)
        return rc == PV_ENOMEM ? PV_ENOMEM : 1;
    /* the literals hold no NUL byte (a control character), so no scratch is needed */
    if (!(root = pv_json__parse(v->json.data, v->json.len, &none, &e)))
        return e.nomem ? PV_ENOMEM : 1;
    for (i = first, item = pv_json__first(root); i < last && item && rc == 0;
         i++, item = pv_json__next(item)) {
        size_t n;
        const char *str = pv_json__string(item, &n);
        if (!str) {
            rc = 1;
            break;
        }
        v->lit[i].dec = v->text.len;
        if ((rc = pv_buf__append(&v->text, str, n)) == 0)
            rc = pv_buf__append(&v->text, "\n", 1);
        if (rc)
            rc = rc == PV_ENOMEM ? PV_ENOMEM : 1;
    }
    if (rc == 0 && (i < last || item))
        rc = 1;
    if (rc)
        v->text.len = start;
    pv_json__free(root);
    return rc;
}

static int is_blank(unsigned char c)
{
    return c == ' ' || c == '\t';
}

/* The last string of an array of strings, one a line, has no "\n" of its own (a notebook's
 * cell, as nbformat writes it, ends so), and often no escape at all: when the line ending at
 * le ends with a literal of v and a comma, a literal without escapes alone on the next line
 * (then only "]" or the line's end) is added too. Returns the end of the line it took, or le;
 * (size_t)-1 when memory ran out. */
static size_t last_of_array(pv_json_view *v, const unsigned char *s, size_t le, size_t len)
{
    size_t i = v->lit[v->n - 1].to, open, close;
    while (i < le && is_blank(s[i]))
        i++;
    if (i >= le || s[i++] != ',')
        return le;
    while (i < le && is_blank(s[i]))
        i++;
    if (i != le || le >= len)
        return le;
    i = le + (s[le] == '\r' && le + 1 < len && s[le + 1] == '\n') + 1;
    while (i < len && is_blank(s[i]))
        i++;
    if (i >= len || s[i] != '"')
        return le;
    for (open = i++; i < len && s[i] != '"' && s[i] != '\\' && !line_end(s[i]); i++)
        ;
    if (i >= len || s[i] != '"')
        return le; /* an escape: the line is read for itself */
    close = ++i;
    while (i < len && is_blank(s[i]))
        i++;
    if (i < len && s[i] == ']')
        for (i++; i < len && is_blank(s[i]); i++)
            ;
    if (i < len && !line_end(s[i]))
        return le; /* something else follows it: not the array's last */
    return add_lit(v, open, close) != 0 ? (size_t)-1 : i;
}

int pv_json__view(pv_json_view *v, const char *raw, size_t len)
{
    const unsigned char *s = (const unsigned char *)raw;
    const char *bs;
    size_t pos = 0, i, kept;
    int rc;

    v->n = 0;
    v->text.len = 0;
    /* a literal's text is no longer than its bytes, and its "\n" takes the place of its quotes */
    v->text.limit = len;
    v->json.limit = len + len / 2 + 3;
    while (pos < len && (bs = memchr(raw + pos, '\\', len - pos)) != NULL) {
        /* the line's first backslash: a literal holding an escape ends with a quote after
         * it on the line. Most lines with a backslash have none (a macro's line
         * continuation, a path) and are passed over with two memchr. */
        size_t at = (size_t)(bs - raw), ls = at;
        const char *nl = memchr(bs, '\n', len - at);
        size_t le = nl ? (size_t)(nl - raw) : len;
        if (!memchr(bs, '"', le - at)) {
            pos = le + 1;
            continue;
        }
        /* the literals of the line, paired from its start */
        while (ls > pos && !line_end(s[ls - 1]))
            ls--;
        kept = v->n;
        if ((pos = line_literals(v, s, ls, len)) != (size_t)-1 && v->n > kept)
            pos = last_of_array(v, s, pos, len);
        if (pos == (size_t)-1) {
            v->n = 0;
            return PV_ENOMEM;
        }
        pos++;
    }
    if (v->n == 0)
        return 0;
    rc = decode(v, raw, 0, v->n);
    if (rc == 1) {
        /* cJSON refused one of them after all: each on its own, the bad ones left out */
        for (i = 0, kept = 0; i < v->n; i++) {
            v->lit[kept] = v->lit[i];
            if ((rc = decode(v, raw, kept, kept + 1)) == PV_ENOMEM)
                break;
            kept += rc == 0;
        }
        v->n = kept;
        rc = rc == PV_ENOMEM ? PV_ENOMEM : 0;
    }
    if (rc) {
        v->n = 0;
        v->text.len = 0;
    }
    return rc;
}

size_t pv_json__view_raw(const pv_json_view *v, size_t d)
{
    size_t lo = 0, hi = v->n, at;
    const pv_json_lit *l;
    while (hi - lo > 1) { /* the last literal starting at or before d */
        size_t mid = lo + (hi - lo) / 2;
        if (v->lit[mid].dec <= d)
            lo = mid;
        else
            hi = mid;
    }
    l = &v->lit[lo];
    at = l->from + 1 + (d - l->dec);
    return at < l->to - 1 ? at : l->to - 1;
}

void pv_json__view_free(pv_json_view *v)
{
    if (!v)
        return;
    pv_buf__free(&v->text);
    pv_buf__free(&v->json);
    free(v->lit);
    v->lit = NULL;
    v->n = v->cap = 0;
}
