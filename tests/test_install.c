/* Criterion suite for `make install` and `make uninstall`: the files land under DESTDIR and
 * PREFIX, the installed provscan runs, a program outside the project builds against the
 * installed library with nothing but `pkg-config --cflags --libs provscan` and attributes the
 * same tokens as the installed provscan, and `make uninstall` takes every file away again. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <criterion/criterion.h>

#include "util.h"

static const char *const INSTALLED[] = {
    "usr/local/bin/provscan",
    "usr/local/lib/libprovscan.a",
    "usr/local/include/provscan.h",
    "usr/local/lib/pkgconfig/provscan.pc",
    "usr/local/share/man/man1/provscan.1",
};

/* Run a shell command line; its exit code (stdout and stderr to files in dir). */
static int sh(const char *dir, const char *cmd)
{
    char line[8192];
    int st;
    snprintf(line, sizeof line, "(%s) >%s/sh.out 2>%s/sh.err", cmd, dir, dir);
    st = system(line);
    cr_assert(WIFEXITED(st), "%s", cmd);
    return WEXITSTATUS(st);
}

static char *sh_out(const char *dir)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/sh.out", dir);
    return pv_test_read_file(p, NULL);
}

static char *sh_err(const char *dir)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/sh.err", dir);
    return pv_test_read_file(p, NULL);
}

/* make, run from the project's root as a fresh make would be (not as the sub-make of
 * `make test`, whose SANITIZE and flags would otherwise pass down) */
#define MAKE "env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u SANITIZE make -s --no-print-directory"

Test(install, installs_links_through_pkg_config_and_uninstalls, .timeout = 600)
{
    const char *d = pv_test_tmpdir("provscan-install-");
    char cmd[4096], path[1024], *out;
    struct stat st;
    unsigned matched, total, m2, t2;
    size_t i;
    cJSON *j;

    snprintf(cmd, sizeof cmd, MAKE " install DESTDIR=%s/root PREFIX=/usr/local", d);
    cr_assert_eq(sh(d, cmd), 0, "make install: %s", sh_err(d));
    for (i = 0; i < sizeof INSTALLED / sizeof *INSTALLED; i++) {
        snprintf(path, sizeof path, "%s/root/%s", d, INSTALLED[i]);
        cr_assert_eq(stat(path, &st), 0, "%s not installed", INSTALLED[i]);
        cr_assert_gt(st.st_size, 0);
    }
    snprintf(path, sizeof path, "%s/root/usr/local/bin/provscan", d);
    cr_assert_eq(access(path, X_OK), 0);
    snprintf(cmd, sizeof cmd, "%s --version", path);
    cr_assert_eq(sh(d, cmd), 0);
    out = sh_out(d);
    cr_assert(strncmp(out, "provscan ", 9) == 0, "%s", out);
    free(out);

    /* a program outside the project, built with what pkg-config says (installed under a
       PREFIX of its own, so that the .pc's paths are the real ones) */
    snprintf(cmd, sizeof cmd, MAKE " install PREFIX=%s/prefix", d);
    cr_assert_eq(sh(d, cmd), 0, "make install: %s", sh_err(d));
    snprintf(cmd, sizeof cmd,
             "cc -std=c11 -Wall -Werror -o %s/attribute tests/install/attribute.c "
             "$(PKG_CONFIG_PATH=%s/prefix/lib/pkgconfig pkg-config --cflags --libs provscan)",
             d, d);
    cr_assert_eq(sh(d, cmd), 0, "%s\n%s", cmd, sh_err(d));
    snprintf(cmd, sizeof cmd, "%s/attribute %s/lib.pvx fixtures/corpus fixtures/outputs/demo.md", d,
             d);
    cr_assert_eq(sh(d, cmd), 0, "%s", sh_err(d));
    out = sh_out(d);
    cr_assert_eq(sscanf(out, "matched %u of %u tokens", &matched, &total), 2, "%s", out);
    cr_assert_gt(matched, 0, "%s", out);
    free(out);
    /* the installed provscan attributes the same tokens with the index the program wrote */
    snprintf(cmd, sizeof cmd,
             "%s/root/usr/local/bin/provscan match -x %s/lib.pvx --format json "
             "fixtures/outputs/demo.md",
             d, d);
    cr_assert_eq(sh(d, cmd), 0, "%s", sh_err(d));
    out = sh_out(d);
    j = cJSON_Parse(out);
    cr_assert_not_null(j, "%s", out);
    {
        cJSON *r = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "results"), 0);
        cr_assert_not_null(r, "%s", out);
        m2 = (unsigned)cJSON_GetObjectItem(r, "matched_tokens")->valuedouble;
        t2 = (unsigned)cJSON_GetObjectItem(r, "tokens")->valuedouble;
    }
    cr_assert_eq(matched, m2);
    cr_assert_eq(total, t2);
    cJSON_Delete(j);
    free(out);

    snprintf(cmd, sizeof cmd, MAKE " uninstall DESTDIR=%s/root PREFIX=/usr/local", d);
    cr_assert_eq(sh(d, cmd), 0, "make uninstall: %s", sh_err(d));
    for (i = 0; i < sizeof INSTALLED / sizeof *INSTALLED; i++) {
        snprintf(path, sizeof path, "%s/root/%s", d, INSTALLED[i]);
        cr_assert_neq(stat(path, &st), 0, "%s left after make uninstall", INSTALLED[i]);
    }
    pv_test_rmtree(d);
}
