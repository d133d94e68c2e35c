/*
 * common_int.h - library-internal helpers shared by every module: error messages,
 * bounded growable buffers, checked allocation, the hashing wrapper. Depends on nothing.
 */
#ifndef PV_COMMON_INT_H
#define PV_COMMON_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "provscan.h"

#if defined(__GNUC__)
#define PV_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define PV_LIKELY(x) __builtin_expect(!!(x), 1)
#define PV_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define PV_PRINTF(a, b)
#define PV_LIKELY(x) (x)
#define PV_UNLIKELY(x) (x)
#endif

/* Fill err (may be NULL) with code and a formatted message; returns code. */
int pv_err__set(pv_err *err, int code, const char *fmt, ...) PV_PRINTF(3, 4);

/* A growable byte buffer with a hard cap: appends beyond cap fail with PV_ELIMIT. */
typedef struct pv_buf {
    char *data;
    size_t len, cap, limit;
} pv_buf;

#define PV_BUF_INIT(limit_)                                                                        \
    {                                                                                              \
        NULL, 0, 0, (limit_)                                                                       \
    }

/* Make room for extra more bytes; returns 0, PV_ENOMEM or PV_ELIMIT. */
int pv_buf__reserve(pv_buf *b, size_t extra);
int pv_buf__append(pv_buf *b, const void *data, size_t n);
void pv_buf__free(pv_buf *b);

/* Grow an array *ptr of *cap elements of size elem so that it holds at least need.
 * Returns 0 or PV_ENOMEM (the old array is kept on failure). */
int pv_array__grow(void **ptr, size_t *cap, size_t need, size_t elem);

/* An index by hash of entries an array of the caller's holds (idtab.c): ids are the entries'
 * places in that array. The hash h must be well mixed (pv_hash64, pv_mix64): its low bits
 * pick the slot. Zero-initialise. */
typedef struct pv_idtab {
    uint64_t *hash; /* per slot */
    uint32_t *id;   /* per slot: the entry's id + 1, 0 when empty */
    size_t mask, n; /* slots - 1; entries */
} pv_idtab;

/* Whether entry id is the one key stands for. */
typedef int (*pv_idtab_same_fn)(const void *ctx, uint32_t id, const void *key);

/* The id of the entry of hash h for which same(ctx, id, key) holds: 1 and *id, or 0. */
int pv_idtab__get(const pv_idtab *t, uint64_t h, pv_idtab_same_fn same, const void *ctx,
                  const void *key, uint32_t *id);
/* Add entry id of hash h (not in the table; id < UINT32_MAX). Returns 0 or PV_ENOMEM. */
int pv_idtab__add(pv_idtab *t, uint64_t h, uint32_t id);
/* Forget every entry (the slots are kept). */
void pv_idtab__clear(pv_idtab *t);
/* Bytes the table takes. */
static inline size_t pv_idtab__bytes(const pv_idtab *t)
{
    return t->id ? (t->mask + 1) * (sizeof *t->hash + sizeof *t->id) : 0;
}
void pv_idtab__free(pv_idtab *t);

/* 64-bit hash of a byte string (XXH3, seeded). */
uint64_t pv_hash64(const void *data, size_t len, uint64_t seed);

/* fmix64 finalizer from MurmurHash3: a bijective avalanche of a 64-bit value. */
static inline uint64_t pv_mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x *= UINT64_C(0xc4ceb9fe1a85ec53);
    x ^= x >> 33;
    return x;
}

/* Little-endian loads and stores, alignment-free. */
static inline uint32_t pv_load32(const void *p)
{
    const unsigned char *b = p;
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}
static inline uint64_t pv_load64(const void *p)
{
    const unsigned char *b = p;
    return (uint64_t)pv_load32(b) | (uint64_t)pv_load32(b + 4) << 32;
}
static inline void pv_store32(void *p, uint32_t v)
{
    unsigned char *b = p;
    b[0] = (unsigned char)v;
    b[1] = (unsigned char)(v >> 8);
    b[2] = (unsigned char)(v >> 16);
    b[3] = (unsigned char)(v >> 24);
}
static inline void pv_store64(void *p, uint64_t v)
{
    pv_store32(p, (uint32_t)v);
    pv_store32((unsigned char *)p + 4, (uint32_t)(v >> 32));
}

/* LEB128 varints. put writes at most 10 bytes and returns the count; get returns the
 * number of bytes read, or 0 when the varint runs past end or is longer than 10 bytes. */
static inline size_t pv_varint_put(unsigned char *p, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        p[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (unsigned char)v;
    return n;
}
static inline size_t pv_varint_get(const unsigned char *p, const unsigned char *end, uint64_t *v)
{
    uint64_t r = 0;
    unsigned shift = 0;
    const unsigned char *s = p;
    while (p < end && shift < 64) {
        unsigned char c = *p++;
        r |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *v = r;
            return (size_t)(p - s);
        }
        shift += 7;
    }
    return 0;
}

/* Number of online cores (at least 1). */
unsigned pv_cpu_count(void);

/* Monotonic time in seconds. */
double pv_now(void);

/* CPU time of the calling thread in seconds (CLOCK_THREAD_CPUTIME_ID). A system call here
 * (~1.4 us): for regions of a thread, not per document; inside one busy thread, pv_now
 * splits a region for 30 ns. */
double pv_thread_cpu(void);

/* ---- identities: one person, one payee (identity.c): the build merges the identities it
 * met, the segment merge the persons of its segments ---- */

/* An author as the writer met it; strings borrowed, name never NULL. */
typedef struct pv_identity {
    const char *name;
    const char *email; /* or NULL */
    const char *id;    /* account id, or NULL */
    uint32_t uses;     /* origins (commits, posts) it was met in */
} pv_identity;

/* An aliases file: lines "Name <email> = Other Name <other@email>" (docs/attribution.md). */
typedef struct pv_aliases pv_aliases;

/* Parses the aliases text[0..len); label names it in messages. On success *out owns the
 * result (free it with pv_aliases__free). Returns 0, PV_EINVAL for a bad line with err
 * "LABEL:LINE: what", PV_ENOMEM or PV_ELIMIT. */
int pv_aliases__parse(pv_aliases **out, const char *label, const char *text, size_t len,
                      pv_err *err);
/* pv_aliases__parse of the file at path; PV_EIO when it cannot be read. */
int pv_aliases__load(pv_aliases **out, const char *path, pv_err *err);
void pv_aliases__free(pv_aliases *a); /* accepts NULL */
/* The number of alias lines (0 for NULL), and the person the left of line i shows (borrowed
 * from a; uses is 0). */
size_t pv_aliases__count(const pv_aliases *a);
const pv_identity *pv_aliases__person(const pv_aliases *a, size_t i);

/* Merges the identities v[0..n) into persons: identities with the same email (ASCII case
 * aside), and those an alias line names (a may be NULL), are one person. person[i] (n
 * entries) receives the person of v[i]; persons are numbered from 0 in the order of their
 * first identity, and *npersons counts them. shown[p] (room for n entries) says how person p
 * is shown: an index into v (the most used name), or n + i for the person on the left of
 * alias line i (pv_aliases__person). The result depends only on v and a. Returns 0,
 * PV_ENOMEM or PV_ELIMIT. */
int pv_identities__merge(const pv_identity *v, size_t n, const pv_aliases *a, uint32_t *person,
                         uint32_t *shown, size_t *npersons, pv_err *err);

#endif
