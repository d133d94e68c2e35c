/*
 * license.c - license detection for the scanner: names the SPDX license of a LICENSE or
 * COPYING file from distinctive phrases, and reads "SPDX-License-Identifier:" tags. The
 * files source attaches the result to every document below the license file.
 */
#include <stdlib.h>
#include <string.h>

#include "scanner_int.h"

/* Only this much of a license text is looked at; the longest common license (GPL-3.0)
 * is about 35 KiB. */
#define LICENSE_TEXT_MAX ((size_t)1 << 20)

/* The longest phrase below, normalized, fits easily. */
#define PHRASE_MAX 512

/* SPDX tags count only near the top of a file, like REUSE and the Linux kernel do. */
#define SPDX_TAG_LINES 64
#define SPDX_TAG_BYTES 8192

static int is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* Writes the words of s[0..len) into out: ASCII letters lowercased, every run of other
 * bytes (spaces, line ends, punctuation, quotes, non-ASCII) as one space, a '.' between
 * two digits kept ("2.0" stays apart from "2 0"), and a space at both ends so that
 * " version 2 " matches whole words only. out needs room for len + 3 bytes. Returns the
 * length written (without the NUL it adds). */
static size_t normalize(const char *s, size_t len, char *out)
{
    size_t n = 0;
    out[n++] = ' ';
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_alnum(c)) {
            out[n++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        } else if (c == '.' && i > 0 && i + 1 < len && is_digit((unsigned char)s[i - 1]) &&
                   is_digit((unsigned char)s[i + 1])) {
            out[n++] = '.';
        } else if (out[n - 1] != ' ') {
            out[n++] = ' ';
        }
    }
    if (out[n - 1] != ' ')
        out[n++] = ' ';
    out[n] = '\0';
    return n;
}

/* Whether the normalized text holds phrase (written naturally, normalized here). */
static int has(const char *norm, const char *phrase)
{
    char p[PHRASE_MAX + 3];
    size_t len = strlen(phrase);
    if (len > PHRASE_MAX)
        return 0;
    normalize(phrase, len, p);
    return strstr(norm, p) != NULL;
}

/* Phrase shared by every BSD license. */
#define BSD_GRANT                                                                                  \
    "Redistribution and use in source and binary forms, with or without modification, are "        \
    "permitted provided that the following conditions are met"

/* How GNU "how to apply" notices grant a license with "or later". */
#define GNU_LATER(name, version)                                                                   \
    "GNU " name " as published by the Free Software Foundation, either version " version           \
    " of the License, or (at your option) any later version"

enum family {
    FAM_GNU = 1, /* the GNU licenses quote each other; the first rule that matches wins */
    FAM_MPL,
    FAM_APACHE,
    FAM_BOOST,
    FAM_ARTISTIC,
    FAM_UNLICENSE,
    FAM_CC0,
    FAM_ZLIB,
    FAM_ISC,
    FAM_MIT,
    FAM_BSD,
    FAM_COUNT
};

/* A license is recognized when every phrase of all[] occurs and none does not. */
typedef struct rule {
    const char *id;
    int family;
    const char *none;
    const char *all[3];
} rule;

/*
 * Checked in order; within a family the first match wins, so the more specific licenses
 * come first. A full GNU license text cannot tell "-only" from "-or-later" (that choice is
 * made by the notice in each source file), so a full text answers the current SPDX id
 * "GPL-2.0-only" etc.; a file holding only the "how to apply" notice with "or (at your
 * option) any later version" answers "-or-later". GNU titles are matched with their dates
 * because other licenses name them in passing (MPL-2.0 lists "GNU Lesser General Public
 * License, Version 2.1" among its secondary licenses).
 */
static const rule RULES[] = {
    {"AGPL-3.0-only",
     FAM_GNU,
     NULL,
     {"GNU Affero General Public License Version 3, 19 November 2007"}},
    {"LGPL-3.0-only", FAM_GNU, NULL, {"GNU Lesser General Public License Version 3, 29 June 2007"}},
    {"LGPL-2.1-only",
     FAM_GNU,
     NULL,
     {"GNU Lesser General Public License Version 2.1, February 1999"}},
    {"LGPL-2.0-only", FAM_GNU, NULL, {"GNU Library General Public License Version 2, June 1991"}},
    {"GPL-3.0-only", FAM_GNU, NULL, {"GNU General Public License Version 3, 29 June 2007"}},
    {"GPL-2.0-only", FAM_GNU, NULL, {"GNU General Public License Version 2, June 1991"}},
    {"GPL-1.0-only", FAM_GNU, NULL, {"GNU General Public License Version 1, February 1989"}},
    {"AGPL-3.0-or-later", FAM_GNU, NULL, {GNU_LATER("Affero General Public License", "3")}},
    {"LGPL-3.0-or-later", FAM_GNU, NULL, {GNU_LATER("Lesser General Public License", "3")}},
    {"LGPL-2.1-or-later", FAM_GNU, NULL, {GNU_LATER("Lesser General Public License", "2.1")}},
    {"LGPL-2.0-or-later", FAM_GNU, NULL, {GNU_LATER("Library General Public License", "2")}},
    {"GPL-3.0-or-later", FAM_GNU, NULL, {GNU_LATER("General Public License", "3")}},
    {"GPL-2.0-or-later", FAM_GNU, NULL, {GNU_LATER("General Public License", "2")}},
    {"MPL-2.0", FAM_MPL, NULL, {"Mozilla Public License Version 2.0"}},
    {"MPL-2.0", FAM_MPL, NULL, {"Mozilla Public License, v. 2.0"}},
    {"MPL-1.1", FAM_MPL, NULL, {"Mozilla Public License Version 1.1"}},
    {"Apache-2.0", FAM_APACHE, NULL, {"Apache License, Version 2.0"}},
    /* copies that lost the title line keep the URL and the date */
    {"Apache-2.0",
     FAM_APACHE,
     NULL,
     {"http://www.apache.org/licenses/", "Version 2.0, January 2004"}},
    {"BSL-1.0", FAM_BOOST, NULL, {"Boost Software License - Version 1.0"}},
    {"BSL-1.0",
     FAM_BOOST,
     NULL,
     {"Permission is hereby granted, free of charge, to any person or organization obtaining a "
      "copy of the software and accompanying documentation covered by this license"}},
    {"Artistic-2.0", FAM_ARTISTIC, NULL, {"The Artistic License 2.0"}},
    {"Unlicense",
     FAM_UNLICENSE,
     NULL,
     {"This is free and unencumbered software released into the public domain"}},
    {"CC0-1.0", FAM_CC0, NULL, {"CC0 1.0 Universal", "Statement of Purpose"}},
    {"Zlib",
     FAM_ZLIB,
     NULL,
     {"Permission is granted to anyone to use this software for any purpose, including "
      "commercial applications, and to alter it and redistribute it freely",
      "Altered source versions must be plainly marked as such"}},
    {"ISC",
     FAM_ISC,
     NULL,
     {"this software for any purpose with or without fee is hereby granted, provided that the "
      "above copyright notice and this permission notice appear in all copies"}},
    /* the X11 variant adds a clause about the name of the copyright holders: not plain MIT */
    {"MIT",
     FAM_MIT,
     "Except as contained in this notice, the name of",
     {"Permission is hereby granted, free of charge, to any person obtaining a copy",
      "The above copyright notice and this permission notice shall be included in all copies "
      "or substantial portions of the Software"}},
    {"BSD-4-Clause",
     FAM_BSD,
     NULL,
     {BSD_GRANT, "All advertising materials mentioning features or use of this software"}},
    {"BSD-3-Clause", FAM_BSD, NULL, {BSD_GRANT, "Neither the name"}},
    {"BSD-2-Clause",
     FAM_BSD,
     NULL,
     {BSD_GRANT, "Redistributions of source code must retain the above copyright notice"}},
};

static int rule_matches(const rule *r, const char *norm)
{
    for (size_t i = 0; i < sizeof r->all / sizeof r->all[0] && r->all[i]; i++)
        if (!has(norm, r->all[i]))
            return 0;
    return !r->none || !has(norm, r->none);
}

/* Phrases are matched anywhere, so preambles and product headers do not matter. A text
 * that matches licenses of two different families (a bundle of third-party notices) is
 * "unsure": NULL. Only the first LICENSE_TEXT_MAX bytes are read. NULL also when memory
 * runs out. */
const char *pv_scanner__license_of_text(const char *text, size_t len)
{
    const char *found = NULL;
    int found_family = 0;
    char *norm;

    if (len > LICENSE_TEXT_MAX)
        len = LICENSE_TEXT_MAX;
    norm = malloc(len + 3);
    if (!norm)
        return NULL;
    normalize(text, len, norm);
    for (size_t i = 0; i < sizeof RULES / sizeof RULES[0]; i++) {
        const rule *r = &RULES[i];
        if (r->family == found_family || !rule_matches(r, norm))
            continue;
        if (found) {
            found = NULL;
            break;
        }
        found = r->id;
        found_family = r->family;
    }
    free(norm);
    return found;
}

/* Whether c may appear in an SPDX license expression ("MIT OR Apache-2.0",
 * "GPL-2.0-or-later WITH Classpath-exception-2.0", "LicenseRef-x", "DocumentRef-a:b"). */
static int spdx_char(unsigned char c)
{
    return is_alnum(c) || c == '-' || c == '.' || c == '+' || c == ':' || c == '(' || c == ')' ||
           c == ' ' || c == '\t';
}

static int starts_with(const char *s, const char *end, const char *prefix)
{
    size_t n = strlen(prefix);
    return (size_t)(end - s) >= n && memcmp(s, prefix, n) == 0;
}

/* Looks for the tag (spelled exactly, as the SPDX specification has it) in the first
 * SPDX_TAG_LINES lines and SPDX_TAG_BYTES bytes. The expression runs to the end of the
 * line, a comment terminator ("*" "/", "-->") or the first byte that cannot be part of an
 * expression (a closing quote), and is trimmed. A tag with an empty expression is passed
 * over; an expression that does not fit in outsz is not copied (0), never cut. */
int pv_scanner__spdx_tag(const char *text, size_t len, char *out, size_t outsz)
{
    static const char tag[] = "SPDX-License-Identifier:";
    const char *p = text, *end;
    unsigned lines = 0;

    if (len > SPDX_TAG_BYTES)
        len = SPDX_TAG_BYTES;
    end = text + len;
    while (p < end && lines < SPDX_TAG_LINES) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = eol ? eol : end;
        const char *hit = p;
        while ((hit = memchr(hit, 'S', (size_t)(line_end - hit))) != NULL) {
            const char *s, *e;
            if (!starts_with(hit, line_end, tag)) {
                hit++;
                continue;
            }
            s = hit + sizeof tag - 1;
            while (s < line_end && (*s == ' ' || *s == '\t'))
                s++;
            e = s;
            while (e < line_end && spdx_char((unsigned char)*e) && !starts_with(e, line_end, "-->"))
                e++;
            while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
                e--;
            if (e > s) {
                size_t n = (size_t)(e - s);
                if (n >= outsz)
                    return 0;
                memcpy(out, s, n);
                out[n] = '\0';
                return 1;
            }
            hit = e;
        }
        lines++;
        p = eol ? eol + 1 : end;
    }
    return 0;
}
