/*
 * check.h - `provscan check`'s report as its writers see it: the library finds the spans a
 * change brings in and judges them (pv_check_run, match/check.c); cmd_check.c gathers them
 * with the command's options into a pv_check_report; report_check.c writes it as text, JSON,
 * SARIF 2.1.0, SPDX 2.3 or CycloneDX 1.6. Only cli/ includes it.
 */
#ifndef PV_CLI_CHECK_H
#define PV_CLI_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "provscan.h"

/* The rules' ids and one-line texts (pv_check_rule_id, pv_check_rule_text of the library). */
const char *pv_check__rule_id(pv_check_rule r);
const char *pv_check__rule_text(pv_check_rule r);

/* The findings (pv_check_finding, include/provscan.h) of a pv_check_result, with what the
 * command line adds to them. */
typedef struct pv_check_report {
    const char *repo;        /* the repository's work tree */
    const char *index_path;  /* as given with -x */
    const char *base, *head; /* what was compared, as resolved: a commit's hex id; head is
                                "STAGED" with --staged */
    const char *policy;      /* the policy options, as one line ("--fail-on-tokens 50 ...") */
    const char *version;     /* provscan's version */
    const pv_check_finding *findings; /* by path, then line */
    size_t nfindings;
    size_t files, added_lines; /* files and lines the change adds or changes */
    int failed;                /* a finding breaks the policy: exit 1 */
} pv_check_report;

/* The project's home URL this build names in reports (make PROVSCAN_HOME_URL=...). */
const char *pv_check__home_url(void);

/* Write the report in format "text", "json", "sarif", "spdx" or "cyclonedx" to f.
 * SARIF keeps to GitHub's limits (25,000 results; the rest counted and said in the run's
 * properties and on stderr). Returns 0, or nonzero when f fails. */
int pv_check__write(FILE *f, const char *format, const pv_check_report *r);

#endif
