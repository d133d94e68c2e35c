/*
 * match_int.h - the matcher's library-internal interface between its files: match.c builds
 * spans and asks license_text.c whether a span is the text of a known license.
 */
#ifndef PV_MATCH_INT_H
#define PV_MATCH_INT_H

#include <stddef.h>
#include <stdint.h>

#include "provscan.h"

/* Whether a span is license text (attribution rule 3). fp[0..n) are the span's k-gram
 * fingerprints as pv_scanner__kgrams gives them for an index built with k and seed (all 64
 * bits; the top PV_FP_BITS are compared). When at least half of them are k-grams of the
 * license texts embedded in the library (pv_scanner__license_texts), *license is the SPDX id
 * of the license holding most of them (the first id in alphabetical order on a tie), a static
 * string; otherwise NULL. The license k-grams for (k, seed) are built once per process, on
 * first use, safely from any thread. Returns 0 or PV_ENOMEM (*license NULL, err set). */
int pv_match__license_text(uint32_t k, uint64_t seed, const uint64_t *fp, size_t n,
                           const char **license, pv_err *err);

#endif
