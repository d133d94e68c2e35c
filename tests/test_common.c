/* Criterion suite for common/: pv_idtab, the hash index of the library's tables (authors,
 * origins, pooled strings, payees). Entries live in the test's array; the table must find each
 * by hash and key through the caller's comparison, also when many share a hash, across growth,
 * and forget them all on clear. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "common_int.h"

#define N 20000

static char g_keys[N][16];

static int same_key(const void *ctx, uint32_t id, const void *key)
{
    (void)ctx;
    return strcmp(g_keys[id], key) == 0;
}

/* Hashes that collide on purpose: groups of 8 keys share one. */
static uint64_t weak_hash(size_t i)
{
    return pv_mix64(i / 8);
}

Test(common, idtab_finds_every_entry_by_key_among_equal_hashes)
{
    pv_idtab t;
    uint32_t id;
    size_t i;
    char other[16];

    memset(&t, 0, sizeof t);
    cr_expect_eq(pv_idtab__get(&t, weak_hash(0), same_key, NULL, "k0", &id), 0, "empty");
    for (i = 0; i < N; i++) {
        snprintf(g_keys[i], sizeof g_keys[i], "k%zu", i);
        cr_assert_eq(pv_idtab__get(&t, weak_hash(i), same_key, NULL, g_keys[i], &id), 0);
        cr_assert_eq(pv_idtab__add(&t, weak_hash(i), (uint32_t)i), 0);
    }
    cr_expect_eq(t.n, N);
    cr_expect_geq(t.mask + 1, 2 * (size_t)N, "at most half full");
    for (i = 0; i < N; i++) {
        id = UINT32_MAX;
        cr_assert_eq(pv_idtab__get(&t, weak_hash(i), same_key, NULL, g_keys[i], &id), 1, "%zu", i);
        cr_assert_eq(id, i);
    }
    /* a key of a known hash that is not there */
    snprintf(other, sizeof other, "x%d", 5);
    cr_expect_eq(pv_idtab__get(&t, weak_hash(5), same_key, NULL, other, &id), 0);
    cr_expect_eq(pv_idtab__bytes(&t), (t.mask + 1) * (sizeof(uint64_t) + sizeof(uint32_t)));
    pv_idtab__clear(&t);
    cr_expect_eq(t.n, 0);
    cr_expect_eq(pv_idtab__get(&t, weak_hash(7), same_key, NULL, g_keys[7], &id), 0, "forgotten");
    cr_assert_eq(pv_idtab__add(&t, weak_hash(7), 7), 0);
    cr_expect_eq(pv_idtab__get(&t, weak_hash(7), same_key, NULL, g_keys[7], &id), 1);
    cr_expect_eq(id, 7);
    pv_idtab__free(&t);
    cr_expect_eq(t.n, 0);
    cr_expect_null(t.id);
}
