/*
 * json_int.h - the project's one JSON interface (cJSON behind it), for readers of JSON lines
 * and JSON envelopes: parse one record from a mutable line, look values up by key or dotted
 * path, read strings and numbers. Library-internal.
 */
#ifndef PV_JSON_INT_H
#define PV_JSON_INT_H

#include <stddef.h>

#include "common_int.h"

/* A parsed JSON value; a tree owned by the root returned by pv_json__parse. */
typedef struct cJSON pv_json;

typedef enum pv_json_type {
    PV_JSON_NONE = 0, /* no value (a missing member, a NULL pointer) */
    PV_JSON_NULL,
    PV_JSON_FALSE,
    PV_JSON_TRUE,
    PV_JSON_NUMBER,
    PV_JSON_STRING,
    PV_JSON_ARRAY,
    PV_JSON_OBJECT
} pv_json_type;

/* Why a text is not JSON: what went wrong (a short phrase, "unexpected character") and the
 * byte offset where (in the text parsed; the length when it ended too soon). */
typedef struct pv_json_error {
    const char *what;
    size_t at;
    int nomem;       /* memory ran out: not the text's fault */
    size_t replaced; /* also on success: raw NUL bytes, \u0000 and lone surrogates replaced
                        by U+FFFD */
} pv_json_error;

/* Parse the one JSON text in s[0, n) (no NUL needed); only whitespace may follow it.
 * s is modified in place first so that no text is lost: the escapes \u0000 and lone
 * surrogates (which cJSON would cut a string at, or reject) become \uFFFD. A raw NUL byte
 * becomes U+FFFD too, which needs a copy into scratch (only then; its limit bounds it).
 * Returns the root (free it with pv_json__free) or NULL with *e filled in. */
pv_json *pv_json__parse(char *s, size_t n, pv_buf *scratch, pv_json_error *e);

/* Frees a tree of pv_json__parse, on the thread that parsed it. Accepts NULL. */
void pv_json__free(pv_json *root);

pv_json_type pv_json__type(const pv_json *v); /* PV_JSON_NONE for NULL */

/* The member key of obj (case-sensitive; the first when repeated), or NULL. */
const pv_json *pv_json__get(const pv_json *obj, const char *key);

/* The value at a dotted path of member keys ("meta.url"; path[0, n)), or NULL. */
const pv_json *pv_json__path(const pv_json *obj, const char *path, size_t n);

/* A string value (NUL-terminated, borrowed from the tree) and its length, or NULL when v is
 * not a string. len may be NULL. */
const char *pv_json__string(const pv_json *v, size_t *len);

/* 1 and *d when v is a number, else 0. */
int pv_json__number(const pv_json *v, double *d);

/* The first element of an array (or member of an object) and the one after v; NULL at the
 * end. pv_json__key is a member's key. */
const pv_json *pv_json__first(const pv_json *v);
const pv_json *pv_json__next(const pv_json *v);
const char *pv_json__key(const pv_json *v);

/* ---- JSON-escaped text inside plain text (json_view.c) ----------------------------------
 * Plain text (a WET record, a .txt or .html file) often carries JSON string literals - a
 * dataset line pasted in a page, a notebook's cell, a dump of JSON - in which code and prose
 * are JSON-escaped (\n, \", \t, \\, \uXXXX): read raw, the escapes break the tokens. A view
 * is the decoded text of a record's literals that hold an escape, each followed by "\n", with
 * the place in the raw text each came from. */

/* One decoded literal: its text starts at dec in the view, its raw bytes (quotes included,
 * all on one line of the raw text) are raw[from, to). */
typedef struct pv_json_lit {
    size_t dec, from, to;
} pv_json_lit;

/* A record's view; kept between records (its buffers are reused). Zeroed before first use;
 * released with pv_json__view_free. */
typedef struct pv_json_view {
    pv_buf text;      /* the decoded literals, each ending "\n" (not NUL-terminated) */
    pv_json_lit *lit; /* in order, by dec and by from */
    size_t n, cap;
    pv_buf json; /* scratch: the literals as one JSON array, for the parser */
} pv_json_view;

/* Find the JSON string literals of raw[0, len) that hold an escape (on lines that hold a
 * backslash: a text without one costs one memchr and no allocation) and decode them (with
 * cJSON, through pv_json__parse) into v, replacing what it held. A literal is a '"' to the
 * next unescaped '"' on the same line, paired from the line's start; one that is not valid
 * JSON (a bad escape, a NUL byte, no closing quote) is left out. The last string of an array
 * (alone on the line after one that ends with a literal and a comma) is taken without an
 * escape: a notebook cell's last line has no "\n". The view is never longer than raw. Returns 0
 * (v->n literals, maybe none) or PV_ENOMEM (v then empty). */
int pv_json__view(pv_json_view *v, const char *raw, size_t len);

/* The raw offset that decoded offset d of v (< v->text.len) comes from: exact at a literal's
 * start; inside a literal, the same distance from its start, within its bytes (escapes
 * make the decoded text shorter), so always on the literal's line. */
size_t pv_json__view_raw(const pv_json_view *v, size_t d);

/* Releases v's buffers and empties it. Accepts NULL. */
void pv_json__view_free(pv_json_view *v);

#endif
