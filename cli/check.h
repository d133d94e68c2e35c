/*
 * check.h - `provscan check`'s findings as its report writers see them: cmd_check.c finds the
 * spans a change brings in (the lines a diff adds, matched in the context of their whole
 * files) and judges them against the policy; report_check.c writes them as text, JSON, SARIF
 * 2.1.0, SPDX 2.3 or CycloneDX 1.6. Only cli/ includes it.
 */
#ifndef PV_CLI_CHECK_H
#define PV_CLI_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "provscan.h"

/* The policies a finding can break, one SARIF rule each (ruleId in parentheses). */
typedef enum pv_check_rule {
    PV_CHECK_TOKENS,          /* a span of --fail-on-tokens N tokens or more (copied-span) */
    PV_CHECK_LICENSE_DENIED,  /* its source's license is denied (license-denied) */
    PV_CHECK_LICENSE_UNKNOWN, /* its source has no known license, and --unknown-license deny
                                 (license-unknown) */
    PV_CHECK_NRULES
} pv_check_rule;

/* The stable id of each rule ("copied-span", ...) and its one-line description. */
const char *pv_check__rule_id(pv_check_rule r);
const char *pv_check__rule_text(pv_check_rule r);

/* One span of a changed file that the index attributes to a source. */
typedef struct pv_check_finding {
    const char *path;   /* the file in the head version, relative to the repository root */
    const pv_span *span; /* lines, bytes and tokens in that file; sources[0] is the origin
                            (source, locator, commit, url, license, authors); authors with
                            their shares in span->authors */
    unsigned rules;     /* the rules it breaks: bit (1u << pv_check_rule); 0: reported only */
    int baselined;      /* accepted by --baseline: reported as such, fails nothing */
    char fingerprint[17]; /* 16 hex digits from the span's tokens, not its lines: the same
                             across runs and when lines above it move (SARIF
                             partialFingerprints.primaryLocationLineHash, --baseline) */
} pv_check_finding;

typedef struct pv_check_report {
    const char *repo;       /* the repository's work tree */
    const char *index_path; /* as given with -x */
    const char *base, *head; /* what was compared, as resolved: a commit's hex id; head is
                                "STAGED" with --staged */
    const char *policy;     /* the policy options, as one line ("--fail-on-tokens 50 ...") */
    const char *version;    /* provscan's version */
    const pv_check_finding *findings; /* by path, then line */
    size_t nfindings;
    size_t files, added_lines; /* files and lines the change adds or changes */
    int failed;                /* a finding breaks the policy: exit 1 */
} pv_check_report;

/* Write the report in format "text", "json", "sarif", "spdx" or "cyclonedx" to f.
 * SARIF keeps to GitHub's limits (25,000 results; the rest counted and said in the run's
 * properties and on stderr). Returns 0, or nonzero when f fails. */
int pv_check__write(FILE *f, const char *format, const pv_check_report *r);

#endif
