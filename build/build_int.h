/*
 * build_int.h - the build module's library-internal interface: what the build pipeline
 * (build.c) shares with its other files and with the tests. The public entry point is
 * pv_index_build (provscan.h).
 */
#ifndef PV_BUILD_INT_H
#define PV_BUILD_INT_H

#include <stddef.h>
#include <stdint.h>

#include "provscan.h"

/* ---- identities: one person, one payee (identity.c) ---- */

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
 * result (free it with pv_build__aliases_free). Returns 0, PV_EINVAL for a bad line with err
 * "LABEL:LINE: what", PV_ENOMEM or PV_ELIMIT. */
int pv_build__aliases_parse(pv_aliases **out, const char *label, const char *text, size_t len,
                            pv_err *err);
/* pv_build__aliases_parse of the file at path; PV_EIO when it cannot be read. */
int pv_build__aliases_load(pv_aliases **out, const char *path, pv_err *err);
void pv_build__aliases_free(pv_aliases *a); /* accepts NULL */
/* The number of alias lines (0 for NULL), and the person the left of line i shows (borrowed
 * from a; uses is 0). */
size_t pv_build__aliases_count(const pv_aliases *a);
const pv_identity *pv_build__aliases_person(const pv_aliases *a, size_t i);

/* Merges the identities v[0..n) into persons: identities with the same email (ASCII case
 * aside), and those an alias line names (a may be NULL), are one person. person[i] (n
 * entries) receives the person of v[i]; persons are numbered from 0 in the order of their
 * first identity, and *npersons counts them. shown[p] (room for n entries) says how person p
 * is shown: an index into v (the most used name), or n + i for the person on the left of
 * alias line i (pv_build__aliases_person). The result depends only on v and a. Returns 0,
 * PV_ENOMEM or PV_ELIMIT. */
int pv_build__identities_merge(const pv_identity *v, size_t n, const pv_aliases *a,
                               uint32_t *person, uint32_t *shown, size_t *npersons, pv_err *err);

#endif
