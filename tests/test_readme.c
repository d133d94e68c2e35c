/* Criterion suite for the README's examples: tests/readme_check.py runs every "$ " command of
 * README.md in a scratch folder (a copy of fixtures/, provscan on PATH as after `make
 * install`: env PROVSCAN_BIN, default ./provscan) and compares what it prints with what the
 * README shows, times and creation dates aside; "..." lines mark the README's elisions. The
 * suite fails with the checker's diffs when an example no longer runs as shown. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <criterion/criterion.h>

#include "util.h"

/* Runs tests/readme_check.py on file (from the repository root, where `make test` runs the
 * suites); its exit code, with what it printed in *out (malloc'ed, the caller frees it). */
static int readme_check(const char *file, char **out)
{
    const char *d = pv_test_tmpdir("provscan-readme-");
    char cmd[2048], log[1024];
    int st;

    snprintf(log, sizeof log, "%s/check.log", d);
    snprintf(cmd, sizeof cmd, "python3 tests/readme_check.py %s >%s 2>&1", file, log);
    st = system(cmd);
    *out = pv_test_read_file(log, NULL);
    cr_assert(WIFEXITED(st), "readme_check.py %s did not exit: %s", file, *out);
    return WEXITSTATUS(st);
}

Test(readme, every_example_runs_as_shown, .timeout = 600, .fini = pv_test_done)
{
    char *out;
    int rc = readme_check("README.md", &out);

    cr_assert_eq(rc, 0,
                 "README.md's examples differ from what provscan prints "
                 "(python3 tests/readme_check.py README.md):\n%s",
                 out);
    /* it really ran them: the summary line counts the commands */
    cr_assert(strstr(out, "README.md: ") && !strstr(out, ": 0 commands run"), "%s", out);
    free(out);
}
