/*
 * json.c - the one JSON interface over cJSON (scanner/json_int.h): records are repaired in
 * place before parsing so that \u0000 and lone surrogates do not lose text, then looked up by
 * key or dotted path.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "json_int.h"

/* ---- trees in a per-thread arena ---------------------------------------------------------
 * cJSON allocates a node and a string or two for every value: a metadata-heavy record
 * (a Reddit comment has about 80 members) costs hundreds of malloc and free calls, and once
 * a process has threads the C library's allocator takes a lock for most of them (scan of
 * Reddit lines: malloc and free went from 14% to 27% of the CPU time with a second thread).
 * So cJSON's allocations made while pv_json__parse runs come from the calling thread's
 * arena, and pv_json__free hands the arena back at once when the thread's last tree goes.
 * Under AddressSanitizer trees are malloc'ed as they are, so that it sees every node. */
#if defined(__SANITIZE_ADDRESS__)
#define JSON_ARENA 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define JSON_ARENA 0
#endif
#endif
#ifndef JSON_ARENA
#define JSON_ARENA 1
#endif

#if JSON_ARENA
#define ARENA_CHUNK ((size_t)64 << 10) /* bytes of a chunk; a larger node gets its own */
#define ARENA_ALIGN 16

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t cap, used;
    _Alignas(ARENA_ALIGN) unsigned char data[];
} arena_chunk;

typedef struct arena {
    arena_chunk *chunks; /* the newest first */
    unsigned trees;      /* trees of this thread not freed yet */
    int parsing;         /* cJSON's allocations come from here */
} arena;

static _Thread_local arena tl_arena;
static pthread_key_t arena_key; /* frees a thread's chunks when it ends */
static pthread_once_t arena_once = PTHREAD_ONCE_INIT;

/* Frees every chunk but one of ARENA_CHUNK bytes, kept for the next tree. */
static void arena_reset(arena *a, int keep)
{
    arena_chunk *c = a->chunks, *kept = NULL;
    while (c) {
        arena_chunk *next = c->next;
        if (keep && !kept && c->cap == ARENA_CHUNK) {
            kept = c;
            kept->used = 0;
            kept->next = NULL;
        } else {
            free(c);
        }
        c = next;
    }
    a->chunks = kept;
}

static void arena_thread_end(void *p)
{
    arena_reset(p, 0);
}

static void *arena_malloc(size_t n)
{
    arena *a = &tl_arena;
    arena_chunk *c = a->chunks;
    void *p;
    if (!a->parsing)
        return malloc(n);
    n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (!c || c->cap - c->used < n) {
        size_t cap = n > ARENA_CHUNK / 4 ? n : ARENA_CHUNK;
        if (n == 0 || !(c = malloc(sizeof *c + cap)))
            return NULL;
        if (!a->chunks)
            pthread_setspecific(arena_key, a);
        c->cap = cap;
        c->used = 0;
        /* a chunk of its own goes behind the one being filled */
        if (cap != ARENA_CHUNK && a->chunks) {
            c->next = a->chunks->next;
            a->chunks->next = c;
        } else {
            c->next = a->chunks;
            a->chunks = c;
        }
    }
    p = c->data + c->used;
    c->used += n;
    return p;
}

static void arena_free(void *p)
{
    /* Inside pv_json__parse (cJSON undoing a failed parse) the memory is the arena's. */
    if (!tl_arena.parsing)
        free(p);
}

static void arena_init(void)
{
    cJSON_Hooks hooks = {arena_malloc, arena_free};
    pthread_key_create(&arena_key, arena_thread_end);
    cJSON_InitHooks(&hooks);
}
#endif

/* The value of 4 hex digits at p, or -1. */
static long hex4(const char *p)
{
    long v = 0;
    int i;
    for (i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return -1;
    }
    return v;
}

/* Rewrites the escapes cJSON would lose text at, in place: \u0000 (it cuts the string
 * there) and surrogates without their other half (it rejects the record) become \uFFFD.
 * Backslashes are found with memchr, so lines without escapes cost one scan. Returns how
 * many were rewritten. */
static size_t repair_escapes(char *s, size_t n)
{
    char *p = s, *end = s + n;
    size_t k = 0;
    while ((p = memchr(p, '\\', (size_t)(end - p))) != NULL) {
        long cp;
        if (end - p < 6 || p[1] != 'u' || (cp = hex4(p + 2)) < 0) {
            p += 2; /* another escape, or a broken one cJSON reports */
            if (p >= end)
                break;
            continue;
        }
        if (cp >= 0xD800 && cp <= 0xDBFF && end - p >= 12 && p[6] == '\\' && p[7] == 'u') {
            long lo = hex4(p + 8);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                p += 12; /* a valid pair */
                continue;
            }
        }
        if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) {
            memcpy(p + 2, "FFFD", 4);
            k++;
        }
        p += 6;
    }
    return k;
}

/* Copies s into scratch with every raw NUL byte replaced by U+FFFD (counted in *k); NULL
 * when the scratch buffer's limit or memory runs out. */
static char *replace_nuls(const char *s, size_t n, pv_buf *scratch, size_t *out_n, size_t *k)
{
    const char *p = s, *end = s + n, *z;
    scratch->len = 0;
    while ((z = memchr(p, '\0', (size_t)(end - p))) != NULL) {
        if (pv_buf__append(scratch, p, (size_t)(z - p)) != 0 ||
            pv_buf__append(scratch, "\xEF\xBF\xBD", 3) != 0)
            return NULL;
        p = z + 1;
        ++*k;
    }
    if (pv_buf__append(scratch, p, (size_t)(end - p)) != 0)
        return NULL;
    *out_n = scratch->len;
    return scratch->data;
}

/* 1 when c is JSON whitespace. */
static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Fills e for a text cJSON gave up on at offset at. cJSON says little: it points into a
 * string it could not read, and at the last byte when the text ended; this tells them apart
 * by scanning the text up to there (only for bad records). */
static void explain(const char *text, size_t len, size_t at, pv_json_error *e)
{
    size_t i, last = len, open = 0;
    int in_string = 0;
    while (last > 0 && is_space(text[last - 1]))
        last--;
    if (at > len)
        at = len;
    for (i = 0; i < at; i++) {
        if (in_string && text[i] == '\\')
            i++;
        else if (text[i] == '"' && (in_string = !in_string))
            open = i;
    }
    e->at = at;
    if (in_string) {
        for (i = at; i < len && text[i] != '"'; i += text[i] == '\\' ? 2 : 1)
            ;
        if (i >= len) {
            e->what = "unterminated string";
            e->at = open;
        } else {
            e->what = "bad escape in string";
        }
    } else if (at + 1 >= last && last > 0 && text[last - 1] != '}' && text[last - 1] != ']') {
        e->what = "the line ends inside a value";
        e->at = len;
    } else {
        e->what = "unexpected character";
    }
}

pv_json *pv_json__parse(char *s, size_t n, pv_buf *scratch, pv_json_error *e)
{
    const char *text = s, *stop = NULL, *p;
    size_t len = n;
    cJSON *root;

    e->what = NULL;
    e->at = 0;
    e->nomem = 0;
    e->replaced = 0;
    if (memchr(s, '\0', n) != NULL) {
        char *copy = replace_nuls(s, n, scratch, &len, &e->replaced);
        if (!copy) {
            e->what = "out of memory";
            e->nomem = 1;
            return NULL;
        }
        text = copy;
        e->replaced += repair_escapes(copy, len);
    } else {
        e->replaced = repair_escapes(s, n);
    }
    if (len == 0) {
        e->what = "empty text";
        return NULL;
    }
#if JSON_ARENA
    pthread_once(&arena_once, arena_init);
    tl_arena.parsing = 1;
#endif
    root = cJSON_ParseWithLengthOpts(text, len, &stop, 0);
#if JSON_ARENA
    tl_arena.parsing = 0;
    if (root)
        tl_arena.trees++;
    else if (tl_arena.trees == 0)
        arena_reset(&tl_arena, 1);
#endif
    if (!root) {
        explain(text, len, stop ? (size_t)(stop - text) : 0, e);
        return NULL;
    }
    for (p = stop; p < text + len && is_space(*p); p++)
        ;
    if (p < text + len) {
        e->what = "text after the value";
        e->at = (size_t)(p - text);
        pv_json__free(root);
        return NULL;
    }
    return root;
}

void pv_json__free(pv_json *root)
{
#if JSON_ARENA
    /* the tree is all in the arena */
    if (root && --tl_arena.trees == 0)
        arena_reset(&tl_arena, 1);
#else
    cJSON_Delete(root);
#endif
}

pv_json_type pv_json__type(const pv_json *v)
{
    if (!v)
        return PV_JSON_NONE;
    switch (v->type & 0xFF) {
    case cJSON_NULL:
        return PV_JSON_NULL;
    case cJSON_False:
        return PV_JSON_FALSE;
    case cJSON_True:
        return PV_JSON_TRUE;
    case cJSON_Number:
        return PV_JSON_NUMBER;
    case cJSON_String:
        return PV_JSON_STRING;
    case cJSON_Array:
        return PV_JSON_ARRAY;
    case cJSON_Object:
        return PV_JSON_OBJECT;
    default:
        return PV_JSON_NONE;
    }
}

const pv_json *pv_json__get(const pv_json *obj, const char *key)
{
    const cJSON *c;
    if (!obj || !cJSON_IsObject(obj))
        return NULL;
    /* Records have dozens of members: compare the first byte before calling strcmp. */
    for (c = obj->child; c; c = c->next)
        if (c->string && c->string[0] == key[0] && strcmp(c->string, key) == 0)
            return c;
    return NULL;
}

const pv_json *pv_json__path(const pv_json *obj, const char *path, size_t n)
{
    const char *p = path, *end = path + n;
    while (obj && p <= end) {
        const char *dot = memchr(p, '.', (size_t)(end - p));
        const char *seg_end = dot ? dot : end;
        size_t k = (size_t)(seg_end - p);
        const cJSON *c;
        if (!cJSON_IsObject(obj))
            return NULL;
        for (c = obj->child; c; c = c->next)
            if (c->string && c->string[0] == p[0] && strncmp(c->string, p, k) == 0 &&
                c->string[k] == '\0')
                break;
        obj = c;
        if (!dot)
            return obj;
        p = dot + 1;
    }
    return NULL;
}

const char *pv_json__string(const pv_json *v, size_t *len)
{
    if (!v || !cJSON_IsString(v) || !v->valuestring)
        return NULL;
    if (len)
        *len = strlen(v->valuestring);
    return v->valuestring;
}

int pv_json__number(const pv_json *v, double *d)
{
    if (!v || !cJSON_IsNumber(v))
        return 0;
    *d = v->valuedouble;
    return 1;
}

const pv_json *pv_json__first(const pv_json *v)
{
    return v && (cJSON_IsArray(v) || cJSON_IsObject(v)) ? v->child : NULL;
}

const pv_json *pv_json__next(const pv_json *v)
{
    return v ? v->next : NULL;
}

const char *pv_json__key(const pv_json *v)
{
    return v ? v->string : NULL;
}
