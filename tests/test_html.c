/*
 * test_html.c - the readers' shared helpers: HTML to text (scanner/html.c) and date
 * parsing (scanner/dates.c), on real page and post bodies and the date forms feeds use.
 */
#define _POSIX_C_SOURCE 200809L /* strndup */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source.h"
#include "util.h"

/* Text of html as a NUL-terminated malloc'ed string; meta filled when given. */
static char *to_text(const char *html, pv_html_meta *meta)
{
    pv_buf out = PV_BUF_INIT((size_t)1 << 26);
    pv_err err = {0};
    char *s;
    int rc = pv_html__to_text(html, strlen(html), &out, meta, &err);
    cr_assert_eq(rc, 0, "pv_html__to_text: %s", err.msg);
    s = malloc(out.len + 1);
    cr_assert(s);
    if (out.len)
        memcpy(s, out.data, out.len);
    s[out.len] = '\0';
    pv_buf__free(&out);
    return s;
}

Test(html, blocks_end_lines_inline_does_not)
{
    char *t = to_text("<p>Hello <b>big</b>world</p><div>second <i>line</i></div>"
                      "<ul><li>one</li><li>two</li></ul>end<br>after",
                      NULL);
    cr_assert_str_eq(t, "Hello bigworld\nsecond line\none\ntwo\nend\nafter\n");
    free(t);
}

Test(html, prose_whitespace_collapses)
{
    char *t = to_text("<p>\n   lots   of\t\tspace\n  here  </p>", NULL);
    cr_assert_str_eq(t, "lots of space here\n");
    free(t);
}

Test(html, pre_keeps_code_exactly)
{
    char *t = to_text("<p>Try this:</p><pre><code>int main(void)\n{\n    if (a &lt; b &amp;&amp; "
                      "c)\n\treturn  0;\n}\n</code></pre><p>Done.</p>",
                      NULL);
    cr_assert_str_eq(t, "Try this:\nint main(void)\n{\n    if (a < b && c)\n\treturn  0;\n}\n"
                        "Done.\n");
    free(t);
}

Test(html, highlighted_code_keeps_its_layout)
{
    /* Syntax highlighters wrap tokens in spans; the code still reads as the file did. */
    char *t = to_text("<pre><span class=k>def</span> <span class=n>f</span>(x):\n"
                      "    <span class=k>return</span> x  <span class=o>*</span> 2\n</pre>",
                      NULL);
    cr_assert_str_eq(t, "def f(x):\n    return x  * 2\n");
    free(t);
}

Test(html, entities_are_decoded)
{
    char *t = to_text("<p>caf&eacute; &amp; cr&#232;me &lt;b&gt; &#x41;&nbsp;B</p>", NULL);
    cr_assert_str_eq(t, "caf\xc3\xa9 & cr\xc3\xa8me <b> A\xc2\xa0"
                        "B\n");
    free(t);
}

Test(html, non_content_is_dropped)
{
    pv_html_meta meta;
    char *t = to_text("<html><head><title>T</title><style>p{color:red}</style>"
                      "<script>var s = '<p>no</p>';</script></head><body>"
                      "<noscript>enable js</noscript><template><p>tmpl</p></template>"
                      "<p>kept</p><script>document.write('x')</script></body></html>",
                      &meta);
    cr_assert_str_eq(t, "kept\n");
    cr_assert_str_eq(meta.title, "T");
    free(t);
}

Test(html, meta_author_title_lang)
{
    pv_html_meta meta;
    char *t = to_text("<!DOCTYPE html><html lang=\"fr-CA\"><head><title>\n  Un   titre "
                      "&amp; plus\n</title><meta property=\"article:author\" "
                      "content=\"https://example.com/jd\"><meta name=\"Author\" content=\" Jeanne "
                      "D'Arc \"></head><body><p>x</p></body></html>",
                      &meta);
    cr_assert_str_eq(meta.title, "Un titre & plus");
    cr_assert_str_eq(meta.author, "Jeanne D'Arc"); /* name=author wins over article:author */
    cr_assert_str_eq(meta.lang, "fr-CA");
    free(t);
}

Test(html, article_author_alone)
{
    pv_html_meta meta;
    char *t = to_text("<head><meta property=\"article:author\" content=\"Ann Lee\"></head>", &meta);
    cr_assert_str_eq(meta.author, "Ann Lee");
    cr_assert_str_eq(meta.title, "");
    cr_assert_str_eq(meta.lang, "");
    free(t);
}

/* Found by fuzz_html: a title cut at its field's size in the middle of a character kept the
 * character's first bytes (the check looked at the byte after the field, never written). */
Test(html, regression_title_cut_inside_a_character)
{
    static const char *const chars[] = {"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80"};
    for (size_t k = 0; k < sizeof chars / sizeof chars[0]; k++) {
        for (size_t pad = sizeof((pv_html_meta *)0)->title - 4;
             pad < sizeof((pv_html_meta *)0)->title; pad++) {
            char html[1024];
            pv_html_meta meta;
            size_t keep;
            char *t;
            /* pad letters, then the character across the cut, then more letters */
            int n = snprintf(html, sizeof html, "<title>%0*d%s tail</title><p>x</p>", (int)pad, 0,
                             chars[k]);
            cr_assert(n > 0 && (size_t)n < sizeof html);
            t = to_text(html, &meta);
            /* the longest prefix of the title that fits and ends a character */
            keep = strstr(html, "</title>") - (html + 7);
            if (keep > sizeof meta.title - 1)
                keep = sizeof meta.title - 1;
            while (((unsigned char)html[7 + keep] & 0xC0) == 0x80)
                keep--;
            cr_assert_eq(strlen(meta.title), keep, "%zu-byte character after %zu bytes: %zu kept",
                         strlen(chars[k]), pad, strlen(meta.title));
            cr_assert(!memcmp(meta.title, html + 7, keep));
            cr_assert_str_eq(t, "x\n");
            free(t);
        }
    }
}

Test(html, invalid_utf8_becomes_replacement_not_latin1)
{
    /* libxml2 alone would read everything after the bad byte as Latin-1. */
    char *t = to_text("<p>bad \xff byte then \xe6\x97\xa5\xe6\x9c\xac and \xc3</p>", NULL);
    cr_assert_str_eq(t, "bad \xef\xbf\xbd byte then \xe6\x97\xa5\xe6\x9c\xac and \xef\xbf\xbd\n");
    free(t);
}

Test(html, declared_latin1_is_converted)
{
    char *t = to_text("<html><head><meta charset=\"iso-8859-1\"></head><body><p>caf\xe9</p>", NULL);
    cr_assert_str_eq(t, "caf\xc3\xa9\n");
    free(t);
}

Test(html, declared_latin1_is_converted_to_the_end)
{
    /* 14 KB: the parser reads the converted text in many steps. */
    static const char unit[] = "caf\xe9 au lait ";
    const char *head = "<html><head><meta charset=\"iso-8859-1\"></head><body><p>";
    size_t i, n = strlen(head) + 1000 * strlen(unit) + 32;
    char *h = malloc(n), *t;
    cr_assert(h);
    strcpy(h, head);
    for (i = 0; i < 1000; i++)
        strcat(h, unit);
    strcat(h, "fin \xe9t\xe9</p>");
    t = to_text(h, NULL);
    cr_assert_eq(strlen(t),
                 1000 * strlen("caf\xc3\xa9 au lait ") + strlen("fin \xc3\xa9t\xc3\xa9\n"));
    cr_assert(!strncmp(t, "caf\xc3\xa9 au lait caf\xc3\xa9", 19), "got [%.40s]", t);
    cr_assert(strstr(t, "lait fin \xc3\xa9t\xc3\xa9\n"), "got [%s]", t + strlen(t) - 40);
    free(t);
    free(h);
}

/* "<body>a<name>b</name>c" converts to want, for each of names[0..n). */
static void each_element_gives(const char *const *names, size_t n, const char *want)
{
    char h[128];
    for (size_t i = 0; i < n; i++) {
        char *t;
        snprintf(h, sizeof h, "<body>a<%s>b</%s>c", names[i], names[i]);
        t = to_text(h, NULL);
        cr_assert_str_eq(t, want, "<%s>: got [%s]", names[i], t);
        free(t);
    }
}

Test(html, every_block_element_ends_a_line)
{
    static const char *const block[] = {
        "address", "article", "aside", "blockquote", "center",   "dd",         "details", "dialog",
        "dir",     "div",     "dl",    "dt",         "fieldset", "figcaption", "figure",  "footer",
        "form",    "h1",      "h6",    "header",     "hgroup",   "legend",     "li",      "main",
        "menu",    "nav",     "ol",    "p",          "section",  "summary",    "ul",      "listing",
        "xmp",     "pre",     "table", "caption"};
    /* inline, and names a letter away from block ones */
    static const char *const flow[] = {
        "abbr", "span", "code", "em", "blockquotes", "figcaptions", "verylongelementname",
        "d",    "h7"};
    each_element_gives(block, sizeof block / sizeof block[0], "a\nb\nc\n");
    each_element_gives(flow, sizeof flow / sizeof flow[0], "abc\n");
}

Test(html, long_words_control_bytes_and_whitespace_kinds)
{
    /* Words longer than eight bytes, a control byte inside one (libxml2 drops it), and
     * tab, form feed and carriage return collapsing like spaces. */
    char *t = to_text("<p>abcdefghijklmnop\x01qrstuvwx  yz\tabcdefghijklmnopq r\x0c s\rabcdefgh</p>"
                      "<p>  12345678 1234567</p>",
                      NULL);
    cr_assert_str_eq(t, "abcdefghijklmnopqrstuvwx yz abcdefghijklmnopq r s abcdefgh\n"
                        "12345678 1234567\n");
    free(t);
}

Test(html, malformed_html_is_not_an_error)
{
    char *t = to_text("<div><p>unclosed <b>bold <i>both</div></span>tail &bogus; <", NULL);
    cr_assert(strstr(t, "unclosed bold both"), "got [%s]", t);
    cr_assert(strstr(t, "tail &bogus;"), "got [%s]", t);
    free(t);
}

Test(html, output_limit_is_an_error)
{
    pv_buf out = PV_BUF_INIT(16);
    pv_err err = {0};
    const char *h = "<p>this paragraph is longer than sixteen bytes</p>";
    int rc = pv_html__to_text(h, strlen(h), &out, NULL, &err);
    cr_assert_lt(rc, 0);
    cr_assert(strstr(err.msg, "limit"), "%s", err.msg);
    pv_buf__free(&out);
}

Test(html, appends_to_existing_text)
{
    pv_buf out = PV_BUF_INIT(1024);
    pv_err err = {0};
    const char *h = "<p>body</p>";
    cr_assert_eq(pv_buf__append(&out, "Title\n\n", 7), 0);
    cr_assert_eq(pv_html__to_text(h, strlen(h), &out, NULL, &err), 0);
    cr_assert_eq(out.len, 12);
    cr_assert(!memcmp(out.data, "Title\n\nbody\n", 12));
    pv_buf__free(&out);
}

Test(html, wordpress_page_content)
{
    /* content:encoded of "Sample Page" in the WordPress importer's small-export.xml. */
    size_t len;
    char *xml = pv_test_read_file("fixtures/wordpress/small-export.xml", &len);
    const char *b = strstr(xml, "<content:encoded><![CDATA[This is an example page.");
    const char *e;
    char *html, *t;
    cr_assert(b);
    b += strlen("<content:encoded><![CDATA[");
    e = strstr(b, "]]></content:encoded>");
    cr_assert(e);
    html = strndup(b, (size_t)(e - b));
    t = to_text(html, NULL);
    /* Paragraphs separated by blank lines reflow; the blockquotes and the link are blocks
     * and inline text; &#241; is decoded. */
    cr_assert(strstr(t, "might say something like this:\nHi there! I'm a bike messenger by day, "
                        "aspiring actor by night"),
              "got [%s]", t);
    cr_assert(strstr(t, "and I like pi\xc3\xb1"
                        "a coladas. (And gettin' caught in the rain.)\n"
                        "...or something like this:\n"),
              "got [%s]", t);
    cr_assert(strstr(t, "you should go to your dashboard to delete this page and create new pages "
                        "for your content. Have fun!\n"),
              "got [%s]", t);
    free(t);
    free(html);
    free(xml);
}

/* ---- threads: several readers convert at once ---- */

static void *convert_many(void *arg)
{
    const char *h = arg;
    int i;
    for (i = 0; i < 200; i++) {
        pv_buf out = PV_BUF_INIT(1 << 20);
        pv_html_meta meta;
        pv_err err = {0};
        if (pv_html__to_text(h, strlen(h), &out, &meta, &err) || strcmp(meta.title, "Th") != 0 ||
            out.len != 9 || memcmp(out.data, "a\nb  c\nd\n", 9))
            return (void *)1;
        pv_buf__free(&out);
    }
    return NULL;
}

Test(html, threads_convert_at_once)
{
    pthread_t th[4];
    void *r;
    int i;
    static const char h[] = "<title>Th</title><p>a</p><pre>b  c</pre>d";
    for (i = 0; i < 4; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, convert_many, (void *)h), 0);
    for (i = 0; i < 4; i++) {
        pthread_join(th[i], &r);
        cr_assert_null(r);
    }
}

/* ---- dates ---- */

/* A date string and what pv_date__parse must make of it. */
typedef struct date_case {
    const char *s;
    int64_t want;
} date_case;

static void parses_to(const date_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(pv_date__parse(c[i].s), c[i].want, "'%s'", c[i].s ? c[i].s : "(null)");
}

#define PARSES_TO(cases) parses_to((cases), sizeof(cases) / sizeof(cases)[0])

Test(dates, iso8601_and_rfc3339)
{
    static const date_case c[] = {
        {"2011-08-17T20:18:56.507", 1313612336},
        {"2011-08-17T20:18:56Z", 1313612336},
        {"2011-08-17T22:18:56+02:00", 1313612336},
        {"2011-08-17T15:18:56-0500", 1313612336},
        {"2009-12-08T16:59:02.544-08:00", 1260320342},
        {"2017-06-03T15:15:44-05:00", 1496520944},
        {"20110817T201856Z", 1313612336},
        {"  2011-08-17T20:18:56Z \n", 1313612336},
    };
    PARSES_TO(c);
}

Test(dates, bare_dates)
{
    static const date_case c[] = {
        {"2016-08-27", 1472256000},
        {"1970-01-01", 0},
        {"2016-08", 1470009600},
        {"2016", 1451606400},
    };
    PARSES_TO(c);
}

Test(dates, wordpress)
{
    static const date_case c[] = {
        {"2011-01-05 14:22:33", 1294237353},
        {"0000-00-00 00:00:00", PV_DATE_UNKNOWN}, /* drafts carry a zero date */
    };
    PARSES_TO(c);
}

Test(dates, rfc822_and_2822)
{
    static const date_case c[] = {
        {"Sat, 07 Sep 2002 09:42:31 GMT", 1031391751},
        {"Sat, 07 Sep 2002 09:42:31 +0000", 1031391751},
        {"Sat, 07 Sep 2002 05:42:31 EDT", 1031391751},
        {"Sat, 07 Sep 2002 04:42:31 EST", 1031391751},
        {"Sat, 07 Sep 2002 01:42:31 PST", 1031391751},
        {"Sat, 07 Sep 2002 11:42:31 +0200", 1031391751},
        {"07 Sep 2002 09:42:31 UT", 1031391751},
        {"Sat,7 Sep 2002 09:42:31 GMT", 1031391751},
        {"Tue, 03 Jun 2003 09:39:21 GMT", 1054633161},
        {"Sat, 07 Sep 02 09:42 GMT", 1031391720}, /* 2-digit year */
        {"Thu, 01 Jan 70 00:00:00 GMT", 0},
        {"Mon, 6 September 2010 00:01:00 +0000", 1283731260},
        {"Sat, 07 Sep 2002 09:42:31 GMT (comment)", 1031391751},
        {"Sat, 07 Sep 2002 09:42:31", 1031391751}, /* no zone: UTC */
    };
    PARSES_TO(c);
}

Test(dates, not_dates)
{
    static const date_case c[] = {
        {NULL, PV_DATE_UNKNOWN},
        {"", PV_DATE_UNKNOWN},
        {"yesterday", PV_DATE_UNKNOWN},
        {"2011-02-30", PV_DATE_UNKNOWN},
        {"2011-13-01", PV_DATE_UNKNOWN},
        {"2011-08-17T25:00:00Z", PV_DATE_UNKNOWN},
        {"2011-08-17T20:18:56 garbage", PV_DATE_UNKNOWN},
        {"Sat, 32 Sep 2002 09:42:31 GMT", PV_DATE_UNKNOWN},
        {"Sat, 07 Foo 2002 09:42:31 GMT", PV_DATE_UNKNOWN},
        {"12345", PV_DATE_UNKNOWN},
    };
    PARSES_TO(c);
}
