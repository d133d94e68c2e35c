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

#endif
