/*
 * test_license.c - license detection (scanner/license.c) on real LICENSE files from
 * fixtures/licenses/, on Debian's /usr/share/common-licenses/ and on SPDX tags in code.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scanner_int.h"
#include "util.h"

/* Asserts the license detected in the file at path. */
static void expect_file(const char *path, const char *want)
{
    size_t len;
    char *text = pv_test_read_file(path, &len);
    const char *got = pv_scanner__license_of_text(text, len);
    if (want)
        cr_expect(got && strcmp(got, want) == 0, "%s: want %s, got %s", path, want,
                  got ? got : "NULL");
    else
        cr_expect_null(got, "%s: want NULL, got %s", path, got);
    free(text);
}

static void expect_text(const char *text, const char *want)
{
    const char *got = pv_scanner__license_of_text(text, strlen(text));
    if (want)
        cr_expect(got && strcmp(got, want) == 0, "want %s, got %s", want, got ? got : "NULL");
    else
        cr_expect_null(got, "want NULL, got %s", got);
}

/* Expected answers are those of fixtures/SOURCES.md, licenses section. */
Test(license, fixture_mit_files)
{
    expect_file("fixtures/licenses/mmcdole__gofeed__LICENSE", "MIT");
    expect_file("fixtures/licenses/EleutherAI__lm_dataformat__LICENSE", "MIT");
    expect_file("fixtures/licenses/rust-syndication__rss__LICENSE-MIT", "MIT");
    expect_file("fixtures/licenses/Watchful1__PushshiftDumps__LICENSE.md", "MIT");
}

Test(license, fixture_mit_with_product_header)
{
    expect_file("fixtures/licenses/microsoft__sarif-sdk__LICENSE", "MIT");
}

Test(license, fixture_apache)
{
    expect_file("fixtures/licenses/rust-syndication__rss__LICENSE-APACHE", "Apache-2.0");
}

/* warcio's copy lost the "Apache License" title line; URL and date remain. */
Test(license, fixture_apache_without_title)
{
    expect_file("fixtures/licenses/webrecorder__warcio__LICENSE", "Apache-2.0");
}

Test(license, fixture_bsd2_with_preamble)
{
    expect_file("fixtures/licenses/kurtmckee__feedparser__LICENSE", "BSD-2-Clause");
}

/* SOURCES.md says GPL-2.0; the full text cannot tell -only from -or-later, and the
 * current SPDX id for the bare text is GPL-2.0-only. */
Test(license, fixture_gpl2_text)
{
    expect_file("fixtures/licenses/WordPress__wordpress-importer__LICENSE", "GPL-2.0-only");
}

Test(license, debian_common_licenses)
{
    expect_file("/usr/share/common-licenses/Apache-2.0", "Apache-2.0");
    expect_file("/usr/share/common-licenses/GPL-2", "GPL-2.0-only");
    expect_file("/usr/share/common-licenses/GPL-3", "GPL-3.0-only");
    expect_file("/usr/share/common-licenses/LGPL-2.1", "LGPL-2.1-only");
    expect_file("/usr/share/common-licenses/LGPL-3", "LGPL-3.0-only");
    expect_file("/usr/share/common-licenses/MPL-2.0", "MPL-2.0");
    expect_file("/usr/share/common-licenses/CC0-1.0", "CC0-1.0");
}

/* Debian's BSD file is the 3-clause license of the Regents of the University of California;
 * LGPL-2 is the Library GPL; MPL-2.0 names LGPL-2.1 in passing and must stay MPL-2.0. */
Test(license, debian_other_licenses)
{
    expect_file("/usr/share/common-licenses/BSD", "BSD-3-Clause");
    expect_file("/usr/share/common-licenses/LGPL-2", "LGPL-2.0-only");
    expect_file("/usr/share/common-licenses/GPL-1", "GPL-1.0-only");
    expect_file("/usr/share/common-licenses/MPL-1.1", "MPL-1.1");
}

/* Licenses not in the table answer NULL rather than a near miss: Artistic 1.0 is not
 * Artistic-2.0, and the GFDL quotes no GPL title. */
Test(license, unknown_licenses_are_null)
{
    expect_file("/usr/share/common-licenses/Artistic", NULL);
    expect_file("/usr/share/common-licenses/GFDL-1.3", NULL);
}

Test(license, non_license_text_is_null)
{
    expect_file("Makefile", NULL);
    expect_text("# provscan\n\nFinds whose work is in a model's output.\n", NULL);
    expect_text("", NULL);
}

Test(license, gnu_notice_only_is_or_later)
{
    expect_text("This program is free software: you can redistribute it and/or modify\n"
                "it under the terms of the GNU General Public License as published by\n"
                "the Free Software Foundation, either version 3 of the License, or\n"
                "(at your option) any later version.\n",
                "GPL-3.0-or-later");
    expect_text("This library is free software; you can redistribute it and/or\n"
                "modify it under the terms of the GNU Lesser General Public\n"
                "License as published by the Free Software Foundation; either\n"
                "version 2.1 of the License, or (at your option) any later version.\n",
                "LGPL-2.1-or-later");
}

Test(license, short_permissive_texts)
{
    expect_text("Copyright (c) 2024 A. Person\n\nPermission to use, copy, modify, and/or "
                "distribute this software for any purpose\nwith or without fee is hereby "
                "granted, provided that the above copyright notice\nand this permission "
                "notice appear in all copies.\n\nTHE SOFTWARE IS PROVIDED \"AS IS\" AND THE "
                "AUTHOR DISCLAIMS ALL WARRANTIES.\n",
                "ISC");
    expect_text("This is free and unencumbered software released into the public domain.\n",
                "Unlicense");
    expect_text("Boost Software License - Version 1.0 - August 17th, 2003\n", "BSL-1.0");
    expect_text("This software is provided 'as-is', without any express or implied\nwarranty."
                "\n\nPermission is granted to anyone to use this software for any purpose,\n"
                "including commercial applications, and to alter it and redistribute it\n"
                "freely, subject to the following restrictions:\n\n2. Altered source versions "
                "must be plainly marked as such, and must not be\n   misrepresented as being "
                "the original software.\n",
                "Zlib");
}

/* Two unrelated licenses in one file (a bundle of third-party notices): unsure. */
Test(license, two_families_are_null)
{
    size_t la, lm;
    char *apache =
        pv_test_read_file("fixtures/licenses/rust-syndication__rss__LICENSE-APACHE", &la);
    char *mit = pv_test_read_file("fixtures/licenses/mmcdole__gofeed__LICENSE", &lm);
    char *both = malloc(la + lm);
    cr_assert_not_null(both);
    memcpy(both, apache, la);
    memcpy(both + la, mit, lm);
    cr_expect_null(pv_scanner__license_of_text(both, la + lm));
    free(both);
    free(mit);
    free(apache);
}

static void expect_tag(const char *text, const char *want)
{
    char out[128];
    int found = pv_scanner__spdx_tag(text, strlen(text), out, sizeof out);
    if (want) {
        cr_expect_eq(found, 1, "no tag found in: %s", text);
        if (found)
            cr_expect_str_eq(out, want);
    } else {
        cr_expect_eq(found, 0, "unexpected tag '%s' in: %s", found ? out : "", text);
    }
}

Test(license, spdx_tag_in_c)
{
    expect_tag("// SPDX-License-Identifier: GPL-2.0\n#include <stdio.h>\n", "GPL-2.0");
    expect_tag("/* SPDX-License-Identifier: MIT OR Apache-2.0 */\nint x;\n", "MIT OR Apache-2.0");
    expect_tag("/*\n * SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)\n */\n",
               "(GPL-2.0-only OR BSD-2-Clause)");
    expect_tag("/* SPDX-License-Identifier: BSD-3-Clause*/\n", "BSD-3-Clause");
}

Test(license, spdx_tag_in_python_and_html)
{
    expect_tag("#!/usr/bin/env python3\n# SPDX-License-Identifier: Apache-2.0\r\nimport os\n",
               "Apache-2.0");
    expect_tag("<!DOCTYPE html>\n<!-- SPDX-License-Identifier: CC-BY-4.0 -->\n<html>\n",
               "CC-BY-4.0");
    expect_tag("<!-- SPDX-License-Identifier: MIT-->\n", "MIT");
}

Test(license, spdx_tag_absent_or_late)
{
    char text[8192 + 64];
    expect_tag("int main(void) { return 0; }\n", NULL);
    expect_tag("// SPDX-License-Identifier:   \n", NULL);
    /* past the 64th line it does not count */
    text[0] = '\0';
    for (int i = 0; i < 64; i++)
        strcat(text, "x\n");
    strcat(text, "// SPDX-License-Identifier: MIT\n");
    expect_tag(text, NULL);
    /* line 64 still counts */
    text[0] = '\0';
    for (int i = 0; i < 63; i++)
        strcat(text, "x\n");
    strcat(text, "// SPDX-License-Identifier: MIT\n");
    expect_tag(text, "MIT");
}

Test(license, spdx_tag_does_not_fit)
{
    const char *t = "// SPDX-License-Identifier: GPL-2.0-or-later WITH Linux-syscall-note\n";
    char out[8];
    cr_expect_eq(pv_scanner__spdx_tag(t, strlen(t), out, sizeof out), 0);
}

/* The text need not be NUL-terminated: the tag may end exactly at len (ASan checks). */
Test(license, spdx_tag_not_nul_terminated)
{
    static const char t[] = "# SPDX-License-Identifier: MIT";
    char *exact = malloc(sizeof t - 1), out[32];
    cr_assert_not_null(exact);
    memcpy(exact, t, sizeof t - 1);
    cr_expect_eq(pv_scanner__spdx_tag(exact, sizeof t - 1, out, sizeof out), 1);
    cr_expect_str_eq(out, "MIT");
    free(exact);
}
