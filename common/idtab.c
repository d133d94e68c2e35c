/*
 * idtab.c - pv_idtab, the one hash table of the library's tables of things (authors, origins,
 * pooled strings, payees, report keys): an index by hash into an array the caller keeps.
 * Open addressing with linear probing, at most half full; each slot holds an entry's hash and
 * its id + 1 (0: empty), so that growing needs no keys and a lookup asks the caller to compare
 * only entries of the same hash. The hot fingerprint tables (scan, git history) stay their
 * own: they hold the fingerprints themselves, in the fewest bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "common_int.h"

int pv_idtab__get(const pv_idtab *t, uint64_t h, pv_idtab_same_fn same, const void *ctx,
                  const void *key, uint32_t *id)
{
    size_t i;
    if (!t->n)
        return 0;
    for (i = (size_t)h & t->mask; t->id[i]; i = (i + 1) & t->mask)
        if (t->hash[i] == h && same(ctx, t->id[i] - 1, key)) {
            *id = t->id[i] - 1;
            return 1;
        }
    return 0;
}

/* Place (h, id + 1) in the first empty slot from h. */
static void place(pv_idtab *t, uint64_t h, uint32_t v)
{
    size_t i = (size_t)h & t->mask;
    while (t->id[i])
        i = (i + 1) & t->mask;
    t->hash[i] = h;
    t->id[i] = v;
}

int pv_idtab__add(pv_idtab *t, uint64_t h, uint32_t id)
{
    if ((t->n + 1) * 2 > (t->id ? t->mask + 1 : 0)) {
        pv_idtab u;
        size_t slots = t->id ? 2 * (t->mask + 1) : 64, i;
        u.hash = malloc(slots * sizeof *u.hash);
        u.id = calloc(slots, sizeof *u.id);
        if (!u.hash || !u.id) {
            free(u.hash);
            free(u.id);
            return PV_ENOMEM;
        }
        u.mask = slots - 1;
        u.n = t->n;
        for (i = 0; t->id && i <= t->mask; i++)
            if (t->id[i])
                place(&u, t->hash[i], t->id[i]);
        free(t->hash);
        free(t->id);
        *t = u;
    }
    place(t, h, id + 1);
    t->n++;
    return 0;
}

void pv_idtab__clear(pv_idtab *t)
{
    if (t->id)
        memset(t->id, 0, (t->mask + 1) * sizeof *t->id);
    t->n = 0;
}

void pv_idtab__free(pv_idtab *t)
{
    free(t->hash);
    free(t->id);
    memset(t, 0, sizeof *t);
}
