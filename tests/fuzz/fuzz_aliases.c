/*
 * fuzz_aliases.c - libFuzzer target for the aliases file parser and the identity merge
 * (common/identity.c): any bytes are parsed or refused with a "LABEL:LINE: what" message, and
 * the persons the parsed file makes of a few identities are well formed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common_int.h"
#include "build_int.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Identities that the fuzzer's lines may name, some sharing an email. */
static const pv_identity who[] = {
    {"Ada", "ada@x.org", NULL, 3},   {"ada", "ADA@x.org", NULL, 1}, {"Bo", NULL, "12345", 2},
    {"unknown", "u@y.org", NULL, 5}, {"Cy", "cy@z.org", NULL, 1},   {"Bo", NULL, NULL, 1},
};
#define NWHO (sizeof who / sizeof who[0])

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pv_aliases *a = NULL;
    pv_err err = {0, {0}};
    uint32_t person[NWHO], shown[NWHO];
    size_t np = 0, i;
    int rc = pv_aliases__parse(&a, "fuzz.txt", (const char *)data, size, &err);
    if (rc) {
        PV_FUZZ_CHECK(a == NULL);
        PV_FUZZ_CHECK(rc == PV_ENOMEM || strncmp(err.msg, "fuzz.txt", 8) == 0);
        return 0;
    }
    for (i = 0; i < pv_aliases__count(a); i++) {
        const pv_identity *p = pv_aliases__person(a, i);
        PV_FUZZ_CHECK(p->name && p->name[0] && (!p->email || p->email[0]));
        PV_FUZZ_CHECK(!p->id || p->id[0]);
    }
    if (pv_identities__merge(who, NWHO, a, person, shown, &np, &err) == 0) {
        PV_FUZZ_CHECK(np >= 1 && np <= NWHO - 1); /* Ada and ada share an email */
        PV_FUZZ_CHECK(person[0] == 0 && person[0] == person[1]);
        uint32_t next = 0; /* persons are numbered in the order of their first identity */
        for (i = 0; i < NWHO; i++) {
            PV_FUZZ_CHECK(person[i] <= next && person[i] < np);
            if (person[i] == next)
                next++;
        }
        PV_FUZZ_CHECK(next == np);
        for (i = 0; i < np; i++)
            PV_FUZZ_CHECK(shown[i] < NWHO + pv_aliases__count(a));
    }
    pv_aliases__free(a);
    return 0;
}
