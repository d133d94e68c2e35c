/*
 * match_int.h - the matcher's library-internal interface: what match.c uses from the other
 * files of match/ (the links of source rows).
 */
#ifndef PV_MATCH_INT_H
#define PV_MATCH_INT_H

#include <stdint.h>

/* A link a person can open to lines line_start..line_end of one source row, malloc'ed into
 * *url (the caller frees it), or *url = NULL when none is known:
 * - kind "git" whose source is https://HOST/OWNER/NAME on github.com, gitlab.com,
 *   codeberg.org or bitbucket.org: that host's permalink to locator (a path, its bytes
 *   outside RFC 3986 unreserved characters and '/' percent-encoded) at commit, with the
 *   host's line anchor (none when line_start is 0);
 * - any other kind whose locator is an http(s) URL (a post, a page): that URL.
 * Returns 0, or PV_ENOMEM with *url = NULL. */
int pv_match__url(const char *kind, const char *source, const char *locator, const char *commit,
                  uint32_t line_start, uint32_t line_end, char **url);

#endif
