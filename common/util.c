/*
 * util.c - bounded buffers, array growth, the hashing wrapper, cores and clocks.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "common_int.h"

int pv_buf__reserve(pv_buf *b, size_t extra)
{
    size_t need, cap;
    char *p;
    if (extra > b->limit || b->len > b->limit - extra)
        return PV_ELIMIT;
    need = b->len + extra;
    if (need <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (cap > b->limit)
        cap = b->limit;
    p = realloc(b->data, cap ? cap : 1);
    if (!p)
        return PV_ENOMEM;
    b->data = p;
    b->cap = cap;
    return 0;
}

int pv_buf__append(pv_buf *b, const void *data, size_t n)
{
    int rc = pv_buf__reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    return 0;
}

void pv_buf__free(pv_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

int pv_array__grow(void **ptr, size_t *cap, size_t need, size_t elem)
{
    size_t n;
    void *p;
    if (need <= *cap)
        return 0;
    n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    if (n > SIZE_MAX / elem)
        return PV_ENOMEM;
    p = realloc(*ptr, n * elem);
    if (!p)
        return PV_ENOMEM;
    *ptr = p;
    *cap = n;
    return 0;
}

uint64_t pv_hash64(const void *data, size_t len, uint64_t seed)
{
    return XXH3_64bits_withSeed(data, len, seed);
}

unsigned pv_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

double pv_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double pv_thread_cpu(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return 0;
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
