/*
 * permalink.c - the url of a source row: a permalink to exactly its lines on the code host
 * its repository lives on, or the post or page URL a document was read from. The matcher
 * calls it for every source and copy row it reports.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common_int.h"
#include "match_int.h"
#include "source.h"

/* How one host spells a file at a commit and a line range. */
typedef struct host_form {
    const char *host;
    const char *blob;       /* between OWNER/NAME and COMMIT */
    const char *one_line;   /* anchor of a single line: printf format of line_start */
    const char *line_range; /* anchor of a range: printf format of line_start, line_end */
} host_form;

static const host_form hosts[] = {
    {"github.com", "/blob/", "#L%u", "#L%u-L%u"},
    {"gitlab.com", "/-/blob/", "#L%u", "#L%u-%u"},
    {"codeberg.org", "/src/commit/", "#L%u", "#L%u-L%u"},
    {"bitbucket.org", "/src/", "#lines-%u", "#lines-%u:%u"},
};

static int has_prefix_nocase(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++) {
        char c = *s >= 'A' && *s <= 'Z' ? (char)(*s + 32) : *s;
        if (c != *prefix)
            return 0;
    }
    return 1;
}

static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

/* Append s, percent-encoding every byte but unreserved ones and '/'. */
static int append_encoded(pv_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = 0;
    for (; *s && rc == 0; s++) {
        unsigned char c = (unsigned char)*s;
        if (unreserved(c) || c == '/') {
            rc = pv_buf__append(b, s, 1);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            rc = pv_buf__append(b, e, 3);
        }
    }
    return rc;
}

/* The host form of source "https://HOST/OWNER/NAME", with *repo pointing at OWNER/NAME; or
 * NULL. */
static const host_form *host_of(const char *source, const char **repo)
{
    const char *h;
    size_t i, hlen;
    if (has_prefix_nocase(source, "https://"))
        h = source + 8;
    else if (has_prefix_nocase(source, "http://"))
        h = source + 7;
    else
        return NULL;
    hlen = strcspn(h, "/");
    if (h[hlen] != '/' || !strchr(h + hlen + 1, '/'))
        return NULL; /* no OWNER/NAME */
    for (i = 0; i < sizeof hosts / sizeof *hosts; i++)
        if (strlen(hosts[i].host) == hlen && has_prefix_nocase(h, hosts[i].host)) {
            *repo = h + hlen + 1;
            return &hosts[i];
        }
    return NULL;
}

static int git_permalink(const host_form *f, const char *repo, const char *path, const char *commit,
                         uint32_t a, uint32_t b, pv_buf *out)
{
    char anchor[64];
    size_t rlen = strlen(repo);
    int rc;
    while (rlen && repo[rlen - 1] == '/')
        rlen--;
    if (a == 0)
        anchor[0] = '\0';
    else if (b <= a)
        snprintf(anchor, sizeof anchor, f->one_line, (unsigned)a);
    else
        snprintf(anchor, sizeof anchor, f->line_range, (unsigned)a, (unsigned)b);
    if ((rc = pv_buf__append(out, "https://", 8)) != 0 ||
        (rc = pv_buf__append(out, f->host, strlen(f->host))) != 0 ||
        (rc = pv_buf__append(out, "/", 1)) != 0 || (rc = pv_buf__append(out, repo, rlen)) != 0 ||
        (rc = pv_buf__append(out, f->blob, strlen(f->blob))) != 0 ||
        (rc = append_encoded(out, commit)) != 0 || (rc = pv_buf__append(out, "/", 1)) != 0 ||
        (rc = append_encoded(out, path)) != 0 ||
        (rc = pv_buf__append(out, anchor, strlen(anchor) + 1)) != 0) /* with its NUL */
        return rc;
    return 0;
}

int pv_match__url(const char *kind, const char *source, const char *locator, const char *commit,
                  uint32_t line_start, uint32_t line_end, char **url)
{
    pv_buf b = PV_BUF_INIT(SIZE_MAX);
    const host_form *f;
    const char *repo = NULL;
    *url = NULL;
    if (!kind || !locator)
        return 0;
    if (strcmp(kind, "git") != 0) {
        if (!has_prefix_nocase(locator, "https://") && !has_prefix_nocase(locator, "http://"))
            return 0;
        /* a dataset record's locator is "URL (SHARD:LINE)": the link is the URL */
        *url = strndup(locator, pv_jsonl__url_len(locator));
        return *url ? 0 : PV_ENOMEM;
    }
    if (!source || !commit || !*commit || !*locator || !(f = host_of(source, &repo)))
        return 0;
    while (*locator == '/')
        locator++;
    if (git_permalink(f, repo, locator, commit, line_start, line_end, &b) != 0) {
        pv_buf__free(&b);
        return PV_ENOMEM;
    }
    *url = b.data;
    return 0;
}
