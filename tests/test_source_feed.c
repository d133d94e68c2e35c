/*
 * test_source_feed.c - the blog reader (scanner/source_feed.c) on real RSS 0.91/0.92/1.0/2.0,
 * Atom and WordPress WXR files: exact documents, authors, dates, links and licenses, WXR
 * comments on and off without commenters' emails, and damaged inputs written by the test.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "source.h"
#include "util.h"

/* ---- the recording sink (tests/util.h); its copies live until the test's process ends ---- */

static int rec_doc_cb(void *ctx, const pv_doc_in *d)
{
    pv_test_rec *r = ctx;
    cr_assert(d->kind && d->locator);
    pv_test_rec_doc(r, d);
    cr_assert_eq(strlen(r->v[r->n - 1].text), d->len, "a NUL inside a document's text");
    return 0;
}

typedef struct run {
    pv_test_rec rec;
    pv_reader_stats st;
    pv_err err;
    int rc;
} run;

static run *read_feed_opts(const char *path, pv_reader_opts *o)
{
    run *r = calloc(1, sizeof *r);
    pv_sink sink;
    cr_assert(r);
    sink = pv_test_rec_sink(&r->rec);
    sink.doc = rec_doc_cb;
    o->diag = pv_test_rec_diag;
    o->ctx = &r->rec;
    r->rc = pv_feed__read(path, o, &sink, &r->st, &r->err);
    /* Nothing is dropped silently. */
    if (r->rc == 0)
        cr_assert_eq(r->st.records, r->st.documents + r->st.bad + r->st.skipped,
                     "records %lu != documents %lu + bad %lu + skipped %lu",
                     (unsigned long)r->st.records, (unsigned long)r->st.documents,
                     (unsigned long)r->st.bad, (unsigned long)r->st.skipped);
    cr_assert_eq(r->st.documents, r->rec.n);
    return r;
}

static run *read_feed(const char *path, int comments)
{
    pv_reader_opts o;
    memset(&o, 0, sizeof o);
    o.comments = comments;
    return read_feed_opts(path, &o);
}

static void run_free(run *r)
{
    free(r);
}

static const pv_test_doc *find_doc(const run *r, const char *text_prefix)
{
    size_t i;
    for (i = 0; i < r->rec.n; i++)
        if (!strncmp(r->rec.v[i].text, text_prefix, strlen(text_prefix)))
            return &r->rec.v[i];
    cr_assert_fail("no document starts with [%s]", text_prefix);
    return NULL;
}

static void assert_null_str(const char *s, const char *what)
{
    cr_assert_null(s, "%s is [%s], expected NULL", what, s ? s : "");
}

/* A temporary file holding data; the path is malloc'ed. */
static char *temp_file(const char *suffix, const void *data, size_t n)
{
    char *path = malloc(256);
    static int seq;
    cr_assert(path);
    snprintf(path, 256, "/tmp/pv-test-feed-%d-%d%s", (int)getpid(), seq++, suffix);
    pv_test_write_file(path, data, n);
    return path;
}

static run *read_string(const char *xml)
{
    char *path = temp_file(".xml", xml, strlen(xml));
    run *r = read_feed(path, 0);
    unlink(path);
    free(path);
    return r;
}

/* Reads xml, which holds invalid XML, as a reader that reads on must: no error, docs
 * documents, bad bad records, and the first diagnostic holding diag0. */
static run *read_on_string(const char *xml, size_t docs, uint64_t bad, const char *diag0)
{
    run *r = read_string(xml);
    cr_assert_eq(r->rc, 0, "%s", r->err.msg);
    cr_assert_eq(r->rec.n, docs);
    cr_assert_eq(r->st.bad, bad);
    cr_assert(r->rec.ndiag > 0 && strstr(r->rec.diag[0], diag0), "[%s] lacks [%s]",
              r->rec.ndiag ? r->rec.diag[0] : "", diag0);
    return r;
}

/* ---- RSS ---- */

Test(feed_rss, rss2_sample)
{
    run *r = read_feed("fixtures/feeds/rss-rss2sample.xml", 0);
    const pv_test_doc *d;
    cr_assert_eq(r->rc, 0, "%s", r->err.msg);
    cr_assert_eq(r->rec.n, 4);
    cr_assert_eq(r->st.records, 4);
    cr_assert_eq(r->rec.sources, 1);
    cr_assert_str_eq(r->rec.source_name, "http://liftoff.msfc.nasa.gov/");
    cr_assert_str_eq(r->rec.source_kind, "feed");
    d = &r->rec.v[0];
    cr_assert_str_eq(d->kind, "entry");
    cr_assert_str_eq(d->text, "Star City\n\nHow do Americans get ready to work with Russians "
                              "aboard the International Space Station? They take a crash "
                              "course in culture, language and protocol at Russia's Star City.");
    cr_assert_str_eq(d->locator, "http://liftoff.msfc.nasa.gov/news/2003/news-starcity.asp");
    cr_assert_eq(d->date, 1054633161); /* Tue, 03 Jun 2003 09:39:21 GMT */
    cr_assert_str_eq(d->lang, "en-us");
    assert_null_str(d->license, "license");
    assert_null_str(d->name, "author"); /* managingEditor is not the author */
    /* No title, no link: the text is the description, the locator the guid. */
    d = &r->rec.v[1];
    cr_assert_str_eq(d->text, "Sky watchers in Europe, Asia, and parts of Alaska and Canada will "
                              "experience a partial eclipse of the Sun on Saturday, May 31st.");
    cr_assert_str_eq(d->locator, "http://liftoff.msfc.nasa.gov/2003/05/30.html#item572");
    cr_assert_eq(d->date, 1054292802);
    d = &r->rec.v[3];
    cr_assert(!strncmp(d->text, "Astronauts' Dirty Laundry\n\nCompared to earlier spacecraft", 57));
    cr_assert_eq(d->date, 1053420962);
    run_free(r);
}

Test(feed_rss, rss2_with_atom_links)
{
    run *r = read_feed("fixtures/feeds/rss-rss2_with_atom.xml", 0);
    cr_assert_eq(r->rc, 0, "%s", r->err.msg);
    cr_assert_eq(r->rec.n, 3);
    cr_assert_str_eq(r->rec.v[2].locator, "http://liftoff.msfc.nasa.gov/news/2003/news-VASIMR.asp");
    cr_assert_str_eq(
        r->rec.v[2].text,
        "The Engine That Does More\n\nBefore man travels to Mars, NASA hopes to design "
        "new engines that will let us fly through the Solar System more quickly.  The "
        "proposed VASIMR engine would do that.");
    run_free(r);
}

Test(feed_rss, rss1_rdf)
{
    run *r = read_feed("fixtures/feeds/rss-rss1.xml", 0);
    const pv_test_doc *d;
    cr_assert_eq(r->rc, 0, "%s", r->err.msg);
    cr_assert_eq(r->rec.n, 2);
    cr_assert_str_eq(r->rec.source_name, "http://xml.com/pub");
    d = &r->rec.v[0];
    cr_assert(!strncmp(d->text,
                       "Processing Inclusions with XSLT\n\nProcessing document inclusions "
                       "with general XML tools can be",
                       90),
              "got [%s]", d->text);
    cr_assert(strstr(d->text, "information through SAX-based processing."));
    cr_assert_str_eq(d->locator, "http://xml.com/pub/2000/08/09/xslt/xslt.html");
    cr_assert_eq(d->date, PV_DATE_UNKNOWN);
    cr_assert_str_eq(r->rec.v[1].locator, "http://xml.com/pub/2000/08/09/rdfdb/index.html");
    run_free(r);
}

Test(feed_rss, rss091_latin1)
{
    run *r = read_feed("fixtures/feeds/rss-rss091.xml", 0);
    const pv_test_doc *d;
    cr_assert_eq(r->rc, 0, "%s", r->err.msg);
    cr_assert_eq(r->rec.n, 6);
    d = &r->rec.v[5];
    cr_assert_str_eq(d->text, "Yournamehere.com more important than anything\n\nWhatever you're "
                              "publishing on the web, your site name is the most valuable asset "
                              "you have, according to Carl Steadman.");
    cr_assert_str_eq(d->locator, "http://writetheweb.com/read.php?item=19");
    cr_assert_str_eq(d->lang, "en-us");
    /* "Copyright 2000, WriteTheWeb team." names no license. */
    assert_null_str(d->license, "license");
    run_free(r);
}

Test(feed_rss, rss092_html_descriptions)
{
    run *r = read_feed("fixtures/feeds/rss-rss092.xml", 0);
    const pv_test_doc *d;
    cr_assert_eq(r->rc, 0, "%s", r->err.msg);
    cr_assert_eq(r->rec.n, 22);
    /* Entity-encoded HTML: <p> ends lines, <a> and <i> are inline. */
    d = &r->rec.v[7];
    cr_assert_str_eq(d->text, "The news is out, all over town..\nYou've been seen, out runnin "
                              "round.\nThe lyrics are here, short and sweet.\nYou win again!");
    /* No link or guid: the file and the item's number. */
    cr_assert_str_eq(d->locator, "fixtures/feeds/rss-rss092.xml#item-8");
    d = &r->rec.v[1];
    cr_assert_str_eq(d->text,
                     "Kevin Drennan started a Grateful Dead Weblog. Hey it's cool, he even "
                     "has a directory. A Frontier 7 feature.");
    run_free(r);
}

Test(feed_rss, dublin_core)
{
    run *r = read_feed("fixtures/feeds/rss-dublincore.xml", 0);
    const pv_test_doc *d;
    cr_assert_eq(r->rc, 0, "%s", r->err.msg);
    cr_assert_eq(r->rec.n, 1);
    d = &r->rec.v[0];
    cr_assert_str_eq(d->text, "Title\n\nDescription");
    cr_assert_str_eq(d->name, "Creator");
    cr_assert_eq(d->date, 1472256000); /* 2016-08-27 */
    cr_assert_str_eq(d->lang, "en-US");
    assert_null_str(d->license, "license"); /* dc:rights "Company" */
    run_free(r);
}

Test(feed_rss, itunes_author)
{
    run *r = read_feed("fixtures/feeds/rss-itunes.xml", 0);
    cr_assert_eq(r->rc, 0, "%s", r->err.msg);
    cr_assert_eq(r->rec.n, 1);
    cr_assert_str_eq(r->rec.v[0].name, "Author");
    cr_assert_str_eq(r->rec.v[0].text, "Summary");
    run_free(r);
}

Test(feed_rss, creative_commons_item_without_text_is_skipped_empty)
{
    run *r = read_feed("fixtures/feeds/feedparser-item_creativeCommons_license.xml", 0);
    cr_assert_eq(r->rc, 0, "%s", r->err.msg);
    cr_assert_eq(r->rec.n, 0);
    cr_assert_eq(r->st.records, 1);
    cr_assert_eq(r->st.skipped_empty, 1);
    run_free(r);
}

Test(feed_rss, rss_author_email_and_name)
{
    run *r = read_string("<rss version=\"2.0\"><channel><item><title>T</title>"
                         "<author>jo@example.com (Jo Bloggs)</author></item><item><title>U</title>"
                         "<author>ann@example.com</author></item></channel></rss>");
    cr_assert_eq(r->rc, 0, "%s", r->err.msg);
    cr_assert_eq(r->rec.n, 2);
    cr_assert_str_eq(r->rec.v[0].name, "Jo Bloggs");
    cr_assert_str_eq(r->rec.v[0].email, "jo@example.com");
    cr_assert_str_eq(r->rec.v[1].name, "ann@example.com");
    cr_assert_str_eq(r->rec.v[1].email, "ann@example.com");
    run_free(r);
}

/* ---- licenses ---- */

Test(feed_license, creative_commons_urls_map_to_spdx)
{
    run *r = read_string(
        "<rss version=\"2.0\" "
        "xmlns:creativeCommons=\"http://backend.userland.com/creativeCommonsRssModule\" "
        "xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel>"
        "<creativeCommons:license>https://creativecommons.org/licenses/by/4.0/"
        "</creativeCommons:license>"
        "<item><title>a</title><creativeCommons:license>"
        "https://creativecommons.org/licenses/by-sa/4.0/</creativeCommons:license></item>"
        "<item><title>b</title><creativeCommons:license>"
        "http://www.creativecommons.org/licenses/by-nc/1.0</creativeCommons:license></item>"
        "<item><title>c</title><creativeCommons:license>"
        "http://creativecommons.org/licenses/by-sa/2.0/uk/</creativeCommons:license></item>"
        "<item><title>d</title><creativeCommons:license>"
        "https://creativecommons.org/publicdomain/zero/1.0/</creativeCommons:license></item>"
        "<item><title>e</title><creativeCommons:license>"
        "https://creativecommons.org/licenses/by-nd/3.0/xx/</creativeCommons:license></item>"
        "<item><title>f</title><dc:rights>CC BY-NC-SA 3.0</dc:rights></item>"
        "<item><title>g</title><dc:rights>All rights reserved</dc:rights></item>"
        "<item><title>h</title></item>"
        "<item><title>i</title><creativeCommons:license>"
        "https://creativecommons.org/licenses/by-sa/4.0/deed.en</creativeCommons:license></item>"
        "<item><title>j</title><creativeCommons:license>"
        "https://creativecommons.org/licenses/by-nc-nd/3.0/legalcode</creativeCommons:license>"
        "</item><item><title>k</title><dc:rights>CC0 1.0</dc:rights></item>"
        "</channel></rss>");
    cr_assert_eq(r->rc, 0, "%s", r->err.msg);
    cr_assert_eq(r->rec.n, 11);
    cr_assert_str_eq(r->rec.v[0].license, "CC-BY-SA-4.0");
    cr_assert_str_eq(r->rec.v[1].license, "CC-BY-NC-1.0");
    cr_assert_str_eq(r->rec.v[2].license, "CC-BY-SA-2.0-UK");
    cr_assert_str_eq(r->rec.v[3].license, "CC0-1.0");
    assert_null_str(r->rec.v[4].license, "unknown port"); /* SPDX has no CC-BY-ND-3.0-XX */
    cr_assert_str_eq(r->rec.v[5].license, "CC-BY-NC-SA-3.0");
    assert_null_str(r->rec.v[6].license, "all rights reserved");
    cr_assert_str_eq(r->rec.v[7].license, "CC-BY-4.0"); /* the feed's license */
    cr_assert_str_eq(r->rec.v[8].license, "CC-BY-SA-4.0");
    cr_assert_str_eq(r->rec.v[9].license, "CC-BY-NC-ND-3.0");
    cr_assert_str_eq(r->rec.v[10].license, "CC0-1.0");
    run_free(r);
}

Test(feed_license, rss1_cc_resource_and_atom_license_link)
{
    run *r = read_string(
        "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" "
        "xmlns=\"http://purl.org/rss/1.0/\" xmlns:cc=\"http://web.resource.org/cc/\">"
        "<channel rdf:about=\"http://e.org/\"><title>E</title><link>http://e.org/</link></channel>"
        "<item rdf:about=\"http://e.org/1\"><title>One</title>"
        "<cc:license rdf:resource=\"http://creativecommons.org/licenses/by-nd/2.5/\"/></item>"
        "</rdf:RDF>");
    cr_assert_eq(r->rc, 0, "%s", r->err.msg);
    cr_assert_eq(r->rec.n, 1);
    cr_assert_str_eq(r->rec.v[0].license, "CC-BY-ND-2.5");
    cr_assert_str_eq(r->rec.v[0].locator, "http://e.org/1"); /* rdf:about */
    run_free(r);

    r = read_string("<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><title>x</title>"
                    "<link rel=\"license\" href=\"https://creativecommons.org/licenses/by/3.0/\"/>"
                    "<id>tag:e.org,2024:1</id></entry></feed>");
    cr_assert_eq(r->rc, 0, "%s", r->err.msg);
    cr_assert_eq(r->rec.n, 1);
    cr_assert_str_eq(r->rec.v[0].license, "CC-BY-3.0");
    cr_assert_str_eq(r->rec.v[0].locator, "tag:e.org,2024:1"); /* no alternate link: the id */
    run_free(r);
}

/* ---- Atom ---- */

Test(feed_atom, entry_with_authors_and_rights)
{
    run *r = read_feed("fixtures/feeds/atom-entry.xml", 0);
    const pv_test_doc *d;
    cr_assert_eq(r->rc, 0, "%s", r->err.msg);
    cr_assert_eq(r->rec.n, 1);
    d = &r->rec.v[0];
    cr_assert_str_eq(d->kind, "entry");
    cr_assert_str_eq(d->text, "Entry Title\n\nEntry content");   /* content wins over summary */
    cr_assert_str_eq(d->locator, "http://example.com/article/"); /* rel=alternate */
    cr_assert_eq(d->date, 1496348144); /* published 2017-06-01T15:15:44-05:00 */
    cr_assert_str_eq(d->name, "John Doe");
    cr_assert_str_eq(d->coauthors, "Jane Doe"); /* credit is split */
    assert_null_str(d->license, "license");     /* "(c) 2017 John Doe" */
    run_free(r);
}

Test(feed_atom, blogger_comment_feed)
{
    run *r = read_feed("fixtures/feeds/feedparser-atomthreadingwithentry.xml", 0);
    const pv_test_doc *d;
    cr_assert_eq(r->rc, 0, "%s", r->err.msg);
    cr_assert_eq(r->rec.n, 1);
    d = &r->rec.v[0];
    cr_assert_str_eq(d->text, "bloffo bliff by te...\n\nbloffo bliff by te...");
    cr_assert_str_eq(d->locator, "http://salmon-test.blogspot.com/2009/10/test-post.html?"
                                 "showComment=1260320342544#c4788628857625737701");
    cr_assert_eq(d->date, 1260320342); /* 2009-12-08T16:59:02.544-08:00 */
    cr_assert_str_eq(d->name, "John");
    cr_assert_str_eq(d->email, "noreply@blogger.com");
    cr_assert_str_eq(r->rec.source_name, "http://salmon-test.blogspot.com/2009/10/test-post.html");
    run_free(r);
}

Test(feed_atom, feed_without_entries_and_entries_without_text)
{
    run *r = read_feed("fixtures/feeds/atom-feed.xml", 0);
    cr_assert_eq(r->rc, 0, "%s", r->err.msg);
    cr_assert_eq(r->rec.n, 0);
    cr_assert_eq(r->st.records, 0);
    run_free(r);
    r = read_feed("fixtures/feeds/atom-person.xml", 0);
    cr_assert_eq(r->rc, 0, "%s", r->err.msg);
    cr_assert_eq(r->rec.n, 0);
    run_free(r);
    r = read_feed("fixtures/feeds/feedparser-entry_authors_name.xml", 0);
    cr_assert_eq(r->rc, 0, "%s", r->err.msg);
    cr_assert_eq(r->st.records, 1);
    cr_assert_eq(r->st.skipped_empty, 1);
    run_free(r);
}

Test(feed_atom, feed_author_is_the_default_and_xhtml_content)
{
    run *r = read_string(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">"
        "<author><name>Feed Writer</name><email>fw@example.org</email></author>"
        "<link href=\"https://example.org/\"/>"
        "<entry><title type=\"html\">A &lt;b&gt;bold&lt;/b&gt; title</title>"
        "<link href=\"https://example.org/1\"/><updated>2020-02-29T12:00:00Z</updated>"
        "<content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\"><p>One &amp; "
        "<em>two</em></p><pre>  int x;\n  x = 1 &lt; 2;</pre></div></content></entry>"
        "<entry><title>Second</title><summary type=\"html\">&lt;p&gt;s1&lt;/p&gt;s2</summary>"
        "<content src=\"https://example.org/2.bin\" type=\"application/octet-stream\"/>"
        "<author><name>Own Author</name></author></entry>"
        "</feed>");
    cr_assert_eq(r->rc, 0, "%s", r->err.msg);
    cr_assert_eq(r->rec.n, 2);
    cr_assert_str_eq(r->rec.v[0].text, "A bold title\n\nOne & two\n  int x;\n  x = 1 < 2;");
    cr_assert_str_eq(r->rec.v[0].name, "Feed Writer");
    cr_assert_str_eq(r->rec.v[0].email, "fw@example.org");
    cr_assert_eq(r->rec.v[0].date, 1582977600);
    cr_assert_str_eq(r->rec.v[1].text, "Second\n\ns1\ns2"); /* out-of-line content: summary */
    cr_assert_str_eq(r->rec.v[1].name, "Own Author");
    cr_assert_str_eq(r->rec.source_name, "https://example.org/");
    run_free(r);
}

/* ---- WordPress ---- */

Test(feed_wxr, small_export_posts_and_pages)
{
    run *r = read_feed("fixtures/wordpress/small-export.xml", 0);
    const pv_test_doc *d;
    cr_assert_eq(r->rc, 0, "%s", r->err.msg);
    cr_assert_eq(r->st.records, 11);
    cr_assert_eq(r->rec.n, 9);
    cr_assert_eq(r->st.skipped, 2); /* "Draft Page" and "Private Post" */
    cr_assert_str_eq(r->rec.source_name, "http://localhost/");
    cr_assert_str_eq(r->rec.source_kind, "wordpress");
    d = find_doc(r, "Hello world!\n\n");
    cr_assert_str_eq(d->kind, "post");
    cr_assert_str_eq(d->text, "Hello world!\n\nWelcome to WordPress. This is your first post. Edit "
                              "or delete it, then start blogging!");
    cr_assert_str_eq(d->locator, "http://localhost/?p=1");
    cr_assert_eq(d->date, 1295336414); /* wp:post_date_gmt 2011-01-18 07:40:14 */
    cr_assert_str_eq(d->name, "author");
    cr_assert_str_eq(d->id, "author");
    cr_assert_str_eq(d->email, "author@example.org");
    cr_assert_str_eq(d->lang, "en");
    d = find_doc(r, "Sample Page\n\n");
    cr_assert_str_eq(d->kind, "page");
    cr_assert_str_eq(d->name, "admin");
    d = find_doc(r, "Foo-child\n\n");
    cr_assert_str_eq(d->id, "editor");
    cr_assert_eq(d->date, 1295336887);
    /* Not published: never a document. */
    {
        size_t i;
        for (i = 0; i < r->rec.n; i++) {
            cr_assert(strncmp(r->rec.v[i].text, "Draft Page", 10));
            cr_assert(strncmp(r->rec.v[i].text, "Private Post", 12));
        }
    }
    run_free(r);
}

Test(feed_wxr, display_names_from_wp_author)
{
    run *r = read_feed("fixtures/wordpress/wxr-comprehensive.xml", 0);
    const pv_test_doc *d;
    cr_assert_eq(r->rc, 0, "%s", r->err.msg);
    cr_assert_eq(r->rec.n, 2);
    d = find_doc(r, "Comprehensive Post\n\n");
    cr_assert_str_eq(d->name, "Alice");
    cr_assert_str_eq(d->id, "alice");
    cr_assert_str_eq(d->email, "alice@example.com");
    cr_assert_str_eq(d->locator, "https://playground.internal/site/?p=1000");
    cr_assert_eq(d->date, 1717603488); /* 2024-06-05 16:04:48 GMT */
    d = find_doc(r, "Comprehensive Page\n\n");
    cr_assert_str_eq(d->name, "Bob");
    cr_assert_str_eq(d->kind, "page");
    run_free(r);

    r = read_feed("fixtures/wordpress/valid-wxr-1.1.xml", 0);
    cr_assert_eq(r->rc, 0, "%s", r->err.msg);
    cr_assert_str_eq(find_doc(r, "Hello world!")->name, "John Doe");
    run_free(r);

    /* WXR 1.0 has no wp:author: the login is the name. */
    r = read_feed("fixtures/wordpress/valid-wxr-1.0.xml", 0);
    cr_assert_eq(r->rc, 0, "%s", r->err.msg);
    cr_assert_eq(r->rec.n, 6);
    cr_assert_str_eq(find_doc(r, "Alpha post")->name, "admin");
    cr_assert_eq(find_doc(r, "Alpha post")->date, 1287583777);
    run_free(r);
}

Test(feed_wxr, comments_only_when_asked)
{
    run *r = read_feed("fixtures/wordpress/wxr-comprehensive.xml", 0);
    size_t i;
    cr_assert_eq(r->rc, 0, "%s", r->err.msg);
    for (i = 0; i < r->rec.n; i++)
        cr_assert_str_neq(r->rec.v[i].kind, "comment");
    run_free(r);

    r = read_feed("fixtures/wordpress/wxr-comprehensive.xml", 1);
    cr_assert_eq(r->rc, 0, "%s", r->err.msg);
    cr_assert_eq(r->rec.n, 3);
    cr_assert_eq(r->st.records, 3);
    {
        const pv_test_doc *c = find_doc(r, "Great post!");
        cr_assert_str_eq(c->kind, "comment");
        cr_assert_str_eq(c->text, "Great post!");
        cr_assert_str_eq(c->name, "Commenter");
        assert_null_str(c->email, "commenter email");
        assert_null_str(c->id, "commenter id");
        cr_assert_str_eq(c->locator, "https://playground.internal/site/?p=1000#comment-5000");
        cr_assert_eq(c->date, 1717668000);
    }
    run_free(r);
}

Test(feed_wxr, commenters_emails_and_ips_never_leak)
{
    run *r = read_feed("fixtures/wordpress/theme-unit-test-data.xml.gz", 1);
    size_t i, comments = 0;
    static const char *const secrets[] = {
        "commenter@example.com", "example@example.org", "anon@example.com", "auser@example.com",
        "fake@example.com",      "tellyworth+test2",    "127.0.0.1"};
    cr_assert_eq(r->rc, 0, "%s", r->err.msg);
    for (i = 0; i < r->rec.n; i++) {
        const pv_test_doc *d = &r->rec.v[i];
        size_t k;
        if (strcmp(d->kind, "comment"))
            continue;
        comments++;
        assert_null_str(d->email, "a commenter's email");
        assert_null_str(d->id, "a commenter's id");
        for (k = 0; k < sizeof secrets / sizeof secrets[0]; k++) {
            cr_assert_null(strstr(d->text, secrets[k]));
            cr_assert_null(strstr(d->locator, secrets[k]));
            cr_assert(!d->name || !strstr(d->name, secrets[k]));
        }
    }
    cr_assert_eq(comments, 25); /* 33 comments, less pingbacks and unapproved ones */
    run_free(r);
}

Test(feed_wxr, theme_unit_test_gzip)
{
    run *r = read_feed("fixtures/wordpress/theme-unit-test-data.xml.gz", 0);
    const pv_test_doc *d;
    cr_assert_eq(r->rc, 0, "%s", r->err.msg);
    cr_assert_eq(r->st.records, 186);
    cr_assert_eq(r->rec.n, 76);
    cr_assert_eq(r->st.skipped, 110); /* 70 menu items, 37 attachments, draft, future... */
    cr_assert_eq(r->st.bytes_in, 75962);
    cr_assert_eq(r->st.bytes_total, 75962);
    cr_assert_str_eq(r->rec.source_name, "https://wpthemetestdata.wordpress.com");
    d = find_doc(r, "Markup: HTML Tags and Formatting\n\n");
    cr_assert_str_eq(d->name, "Theme Buster");
    cr_assert_str_eq(d->id, "themedemos");
    /* <pre> keeps tabs, runs of spaces and line breaks. */
    cr_assert(strstr(d->text, "\n\tTwo roads diverged in a yellow wood,\n\tAnd sorry I could not "
                              "travel both          (\\_/)\n"),
              "got [%s]", d->text);
    cr_assert(strstr(d->text, "which is usually styled like the <code> tag."));
    run_free(r);
}

/* ---- bad input ---- */

Test(feed_bad, truncated_xml_hands_on_items_before)
{
    size_t len;
    char *xml = pv_test_read_file("fixtures/wordpress/small-export.xml", &len);
    /* Cut in the middle of "Child Page", the third item. */
    const char *cut = strstr(xml, "This child page appears");
    char *path = temp_file(".xml", xml, (size_t)(cut - xml));
    run *r = read_feed(path, 0);
    cr_assert_eq(r->rc, PV_EFORMAT);
    cr_assert_eq(r->rec.n, 2);
    cr_assert(!strncmp(r->rec.v[1].text, "Sample Page", 11));
    cr_assert(strstr(r->err.msg, path), "%s", r->err.msg);
    cr_assert(strstr(r->err.msg, ": line 164, column "), "%s", r->err.msg);
    /* regression: the error names the item the end cut short */
    cr_assert(strstr(r->err.msg, "; the <item> begun at line 157 is lost"), "%s", r->err.msg);
    cr_assert_eq(r->st.bad, 1); /* the item the end cut short */
    cr_assert_eq(r->st.records, 3);
    unlink(path);
    free(path);
    free(xml);
    run_free(r);
}

Test(feed_bad, truncated_gzip_names_file_and_offset)
{
    size_t len;
    char *gz = pv_test_read_file("fixtures/wordpress/theme-unit-test-data.xml.gz", &len);
    char *path = temp_file(".xml.gz", gz, 40000);
    run *r = read_feed(path, 0);
    cr_assert_lt(r->rc, 0);
    cr_assert(strstr(r->err.msg, path), "%s", r->err.msg);
    cr_assert(strstr(r->err.msg, "40000"), "%s", r->err.msg);
    cr_assert_gt(r->rec.n, 10);
    cr_assert(!strncmp(r->rec.v[0].text, "WP 6.1 Font size scale", 22));
    unlink(path);
    free(path);
    free(gz);
    run_free(r);
}

Test(feed_bad, regression_bad_entity_loses_only_its_item)
{
    /* "AT&T": one item lost, named and counted, the third read on (the whole rest once) */
    run *r = read_on_string("<rss version=\"2.0\"><channel>\n<item><title>first</title></item>\n"
                            "<item><title>AT&T</title></item>\n<item><title>third</title></item>"
                            "</channel></rss>\n",
                            2, 1,
                            ": line 3: <item> lost to invalid XML at line 3, column 18 (not "
                            "well-formed (invalid token)); read on at the next <item>, line 4");
    cr_assert_str_eq(r->rec.v[0].text, "first");
    cr_assert_str_eq(r->rec.v[1].text, "third");
    cr_assert_eq(r->st.records, 3);
    cr_assert_eq(r->rec.ndiag, 1);
    run_free(r);
}

Test(feed_bad, invalid_xml_under_strict_stops_with_line_and_column)
{
    const char *xml = "<rss version=\"2.0\"><channel>\n<item><title>first</title></item>\n"
                      "<item><title>AT&T</title></item>\n<item><title>third</title></item>"
                      "</channel></rss>\n";
    char *path = temp_file(".xml", xml, strlen(xml));
    pv_reader_opts o;
    run *r;
    memset(&o, 0, sizeof o);
    o.strict = 1;
    r = read_feed_opts(path, &o);
    cr_assert_eq(r->rc, PV_EFORMAT);
    cr_assert_eq(r->rec.n, 1);
    cr_assert_str_eq(r->rec.v[0].text, "first");
    cr_assert(strstr(r->err.msg, ": line 3, column 18: invalid XML (not well-formed"), "%s",
              r->err.msg);
    cr_assert(strstr(r->err.msg, "; the <item> begun at line 3 is lost"), "%s", r->err.msg);
    cr_assert_eq(r->st.bad, 1);
    unlink(path);
    free(path);
    run_free(r);
}

Test(feed_bad, invalid_utf8_control_chars_and_bom_pass)
{
    run *r = read_string("\xEF\xBB\xBF<rss><channel><item><title>caf\xe9 ok</title>"
                         "<description>bell\x07 nul-free \xed\xa0\x80 surrogate \xef\xbf\xbe "
                         "and \xe6\x97\xa5\xe6\x9c\xac</description></item></channel></rss>");
    cr_assert_eq(r->rc, 0, "%s", r->err.msg);
    cr_assert_eq(r->rec.n, 1);
    cr_assert_eq(r->st.bad, 0);
    /* Each bad byte became a separator, as the tokenizer would read U+FFFD. */
    cr_assert_str_eq(r->rec.v[0].text, "caf ok\n\nbell  nul-free     surrogate     and "
                                       "\xe6\x97\xa5\xe6\x9c\xac");
    run_free(r);
}

Test(feed_bad, windows_1252_is_converted)
{
    run *r = read_string("<?xml version=\"1.0\" encoding=\"windows-1252\"?>"
                         "<rss><channel><item><title>caf\xe9 \x93quoted\x94 \x80</title>"
                         "</item></channel></rss>");
    cr_assert_eq(r->rc, 0, "%s", r->err.msg);
    cr_assert_eq(r->rec.n, 1);
    cr_assert_str_eq(r->rec.v[0].text, "caf\xc3\xa9 \xe2\x80\x9cquoted\xe2\x80\x9d \xe2\x82\xac");
    run_free(r);
}

Test(feed_bad, not_a_feed)
{
    run *r = read_string("<html><body><p>hello</p></body></html>");
    cr_assert_eq(r->rc, PV_EFORMAT);
    cr_assert(strstr(r->err.msg, "not an RSS, Atom or WordPress feed"), "%s", r->err.msg);
    cr_assert_eq(r->rec.n, 0);
    run_free(r);
}

Test(feed_bad, oversized_field_is_a_bad_record_strict_stops)
{
    size_t n = 70000, i;
    char *xml = malloc(n + 512), *path;
    pv_reader_opts o;
    run *r;
    strcpy(xml, "<rss><channel>\n<item><title>one</title></item>\n<item><title>two</title>"
                "<link>http://x/");
    i = strlen(xml);
    memset(xml + i, 'a', n);
    strcpy(xml + i + n, "</link></item>\n<item><title>three</title></item></channel></rss>");
    path = temp_file(".xml", xml, strlen(xml));

    r = read_feed(path, 0);
    cr_assert_eq(r->rc, 0, "%s", r->err.msg);
    cr_assert_eq(r->rec.n, 2);
    cr_assert_eq(r->st.bad, 1);
    cr_assert_eq(r->rec.ndiag, 1);
    cr_assert(strstr(r->rec.diag[0], ": line 3: <link> longer than 65536 bytes"), "%s",
              r->rec.diag[0]);
    run_free(r);

    memset(&o, 0, sizeof o);
    o.strict = 1;
    r = read_feed_opts(path, &o);
    cr_assert_eq(r->rc, PV_EFORMAT);
    cr_assert_eq(r->rec.n, 1);
    cr_assert(strstr(r->err.msg, ": line 3: <link> longer than"), "%s", r->err.msg);
    run_free(r);
    unlink(path);
    free(path);
    free(xml);
}

Test(feed_bad, max_doc_size_skips_large_items)
{
    pv_reader_opts o;
    run *r;
    memset(&o, 0, sizeof o);
    o.max_doc_size = 100;
    r = read_feed_opts("fixtures/feeds/rss-rss2sample.xml", &o);
    cr_assert_eq(r->rc, 0, "%s", r->err.msg);
    cr_assert_eq(r->st.records, 4);
    cr_assert_eq(r->rec.n, 0);
    cr_assert_eq(r->st.skipped_large, 4);
    run_free(r);
}

Test(feed_bad, missing_file)
{
    run *r = read_feed("fixtures/feeds/no-such-feed.xml", 0);
    cr_assert_lt(r->rc, 0);
    cr_assert(strstr(r->err.msg, "no-such-feed.xml"), "%s", r->err.msg);
    run_free(r);
}

/* ---- sniffing ---- */

Test(feed_sniff, formats)
{
    size_t len;
    char *s;
    static const char *const yes[] = {"fixtures/feeds/rss-rss2sample.xml",
                                      "fixtures/feeds/rss-rss1.xml",
                                      "fixtures/feeds/atom-entry.xml",
                                      "fixtures/feeds/feedparser-atomthreadingwithentry.xml",
                                      "fixtures/feeds/feedparser-item_creativeCommons_license.xml",
                                      "fixtures/wordpress/small-export.xml"};
    size_t i;
    for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        s = pv_test_read_file(yes[i], &len);
        cr_assert_eq(pv_feed__sniff(s, len < 4096 ? len : 4096), 1, "%s", yes[i]);
        free(s);
    }
    cr_assert_eq(pv_feed__sniff("<?xml version=\"1.0\"?>\n<posts>\n  <row Id=\"1\"/>", 40), 0);
    cr_assert_eq(pv_feed__sniff("<html><body>", 12), 0);
    cr_assert_eq(pv_feed__sniff("{\"text\": 1}", 11), 0);
    cr_assert_eq(pv_feed__sniff("", 0), 0);
    cr_assert_eq(pv_feed__sniff("<rdf:RDF xmlns:rdf=\"x\"><foo/>", 29), 0);
    cr_assert_eq(pv_feed__sniff("\xEF\xBB\xBF<!-- c --><rss version=\"2.0\">", 34), 1);
}

/* ---- one missing end tag costs one item (issue 11) ---- */

Test(feed_bad, regression_missing_item_end_loses_only_that_item)
{
    run *r = read_string("<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel>\n"
                         "<title>t</title>\n"
                         "<item><title>one</title><description>the first item</description>"
                         "<link>http://x/1</link></item>\n"
                         "<item><title>two</title><description>left open</description>"
                         "<link>http://x/2</link>\n"
                         "<item><title>three</title><description>the third item</description>"
                         "<link>http://x/3</link></item>\n"
                         "<item><title>four</title><description>the fourth item</description>"
                         "<link>http://x/4</link></item>\n"
                         "</channel></rss>\n");
    cr_assert_eq(r->rc, 0, "%s", r->err.msg);
    cr_assert_eq(r->rec.n, 3);
    cr_assert_str_eq(r->rec.v[0].locator, "http://x/1");
    cr_assert_str_eq(r->rec.v[1].locator, "http://x/3");
    cr_assert_str_eq(r->rec.v[2].locator, "http://x/4");
    cr_assert_eq(r->st.bad, 1);
    cr_assert_eq(r->st.records, 4);
    cr_assert_eq(r->rec.ndiag, 1);
    cr_assert(strstr(r->rec.diag[0], ": line 5: <item> not closed before the next one at line 6"),
              "%s", r->rec.diag[0]);
    run_free(r);
}

Test(feed_bad, regression_missing_entry_end_in_atom_loses_only_that_entry)
{
    run *r = read_string("<?xml version=\"1.0\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n"
                         "<title>t</title>\n"
                         "<entry><title>one</title><content>first</content>"
                         "<link href=\"http://x/1\"/></entry>\n"
                         "<entry><title>two</title><content>open</content>"
                         "<link href=\"http://x/2\"/>\n"
                         "<entry><title>three</title><content>third</content>"
                         "<link href=\"http://x/3\"/></entry>\n"
                         "</feed>\n");
    cr_assert_eq(r->rc, 0, "%s", r->err.msg);
    cr_assert_eq(r->rec.n, 2);
    cr_assert_str_eq(r->rec.v[1].locator, "http://x/3");
    cr_assert_eq(r->st.bad, 1);
    run_free(r);
}

/* ---- invalid XML costs at most its item (issue 11) ---- */

Test(feed_bad, regression_unclosed_inner_tag_loses_only_its_item)
{
    run *r = read_on_string("<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel>\n"
                            "<item><title>one</title><link>http://x/1</link></item>\n"
                            "<item><title>two<link>http://x/2</link>\n"
                            "<description>the title is never closed</description></item>\n"
                            "<item><title>three</title><link>http://x/3</link></item>\n"
                            "</channel></rss>\n",
                            2, 1, ": line 4: <item> lost to invalid XML at line 5, column ");
    cr_assert_str_eq(r->rec.v[0].locator, "http://x/1");
    cr_assert_str_eq(r->rec.v[1].locator, "http://x/3");
    cr_assert_str_eq(r->rec.v[1].text, "three");
    cr_assert_eq(r->st.records, 3);
    cr_assert_eq(r->rec.ndiag, 1);
    cr_assert(strstr(r->rec.diag[0], "(mismatched tag); read on at the next <item>, line 6"), "%s",
              r->rec.diag[0]);
    run_free(r);
}

Test(feed_bad, regression_garbage_between_items_loses_no_item)
{
    /* what was skipped is named and counted as one bad record */
    run *r = read_on_string("<rss version=\"2.0\"><channel>\n"
                            "<item><title>one</title><link>http://x/1</link></item>\n"
                            "<<< a line a tool left & nothing closes it\n\n"
                            "<item><title>two</title><link>http://x/2</link></item>\n"
                            "</channel></rss>\n",
                            2, 1,
                            ": line 3: invalid XML at column 2 (not well-formed (invalid token)) "
                            "between <item>s; read on at the next <item>, line 5");
    cr_assert_str_eq(r->rec.v[1].locator, "http://x/2");
    cr_assert_eq(r->rec.ndiag, 1);
    run_free(r);
}

Test(feed_bad, regression_bad_item_last_and_junk_after_the_feed)
{
    run_free(read_on_string("<rss version=\"2.0\"><channel>\n"
                            "<item><title>one</title></item>\n"
                            "<item><title>two &amp nothing after</title></item>\n"
                            "</channel></rss>\n",
                            1, 1, "; no <item> after it"));
    run_free(read_on_string("<rss version=\"2.0\"><channel><item><title>one</title></item>"
                            "</channel></rss>\n</rss> a second end tag\n",
                            1, 1,
                            ": line 2: invalid XML at column 2 (not well-formed (invalid token)) "
                            "between <item>s; no <item> after it"));
}

Test(feed_bad, regression_atom_entry_with_an_unclosed_tag_loses_only_itself)
{
    run *r = read_on_string(
        "<?xml version=\"1.0\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" "
        "xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n"
        "<title>t</title><author><name>Feed Author</name></author>\n"
        "<entry><title>one</title><content>first</content><link href=\"http://x/1\"/></entry>\n"
        "<entry><title>two</title><content>open <b>bold</content>"
        "<link href=\"http://x/2\"/></entry>\n"
        "<entry><title>three</title><content>third</content>"
        "<author><name>Entry Author</name></author><dc:language>fr</dc:language>"
        "<link href=\"http://x/3\"/></entry>\n"
        "<entry><title>four</title><content>fourth</content><link href=\"http://x/4\"/></entry>\n"
        "</feed>\n",
        3, 1, ": line 5: <entry> lost to invalid XML at line 5");
    cr_assert_str_eq(r->rec.v[1].locator, "http://x/3");
    cr_assert_str_eq(r->rec.v[1].name, "Entry Author");
    cr_assert_str_eq(r->rec.v[1].lang, "fr"); /* its namespace came through */
    cr_assert_str_eq(r->rec.v[2].locator, "http://x/4");
    cr_assert_str_eq(r->rec.v[2].name, "Feed Author"); /* the feed's metadata too */
    cr_assert(strstr(r->rec.diag[0], "read on at the next <entry>, line 6"), "%s", r->rec.diag[0]);
    run_free(r);
}

Test(feed_bad, regression_wxr_item_with_a_bad_entity_leaves_the_others_as_they_were)
{
    /* every other item of the export, read after the bad one, is the same document as in the
     * intact file: the namespaces (wp:, dc:, content:) and wp:author names still apply */
    size_t len, i, j;
    char *xml = pv_test_read_file("fixtures/wordpress/small-export.xml", &len), *broken, *path;
    const char *at = strstr(xml, "<title>Sample Page</title>");
    run *good = read_feed("fixtures/wordpress/small-export.xml", 0), *r;
    cr_assert(at);
    broken = malloc(len + 16);
    cr_assert(broken);
    memcpy(broken, xml, (size_t)(at - xml) + 13);
    memcpy(broken + (at - xml) + 13, "&nbsp;", 6);
    memcpy(broken + (at - xml) + 19, at + 13, len - (size_t)(at - xml) - 13);
    path = temp_file(".xml", broken, len + 6);
    r = read_feed(path, 0);
    cr_assert_eq(r->rc, 0, "%s", r->err.msg);
    cr_assert_eq(r->rec.n, good->rec.n - 1);
    cr_assert_eq(r->st.bad, 1);
    cr_assert_eq(r->st.records, good->st.records);
    cr_assert(strstr(r->rec.diag[0], ": line 123: <item> lost to invalid XML at line 124, "
                                     "column 16 (undefined entity); read on at the next <item>, "
                                     "line 157"),
              "%s", r->rec.diag[0]);
    for (i = j = 0; i < good->rec.n; i++) {
        const pv_test_doc *a = &good->rec.v[i], *b;
        if (!strncmp(a->text, "Sample Page", 11))
            continue;
        b = &r->rec.v[j++];
        cr_assert_str_eq(b->text, a->text);
        cr_assert_str_eq(b->locator, a->locator);
        cr_assert_str_eq(b->kind, a->kind);
        cr_assert_str_eq(b->name, a->name);
        cr_assert_eq(b->date, a->date);
        cr_assert(b->email == a->email || !strcmp(b->email, a->email));
        cr_assert(b->lang == a->lang || !strcmp(b->lang, a->lang));
    }
    unlink(path);
    free(path);
    free(broken);
    free(xml);
    run_free(good);
    run_free(r);
}

Test(feed_bad, regression_reading_on_keeps_the_declared_encoding_and_counts_lines)
{
    run *r = read_on_string("<?xml version=\"1.0\" encoding=\"windows-1252\"?>\n"
                            "<rss><channel>\n<item><title>AT&T \x93one\x94</title></item>\n"
                            "<item><title>caf\xe9 \x80</title></item>\n"
                            "<item><title>AT&T again</title></item>\n\n"
                            "<item><title>last</title></item></channel></rss>",
                            2, 2, ": line 3: <item> lost to invalid XML at line 3");
    cr_assert_str_eq(r->rec.v[0].text, "caf\xc3\xa9 \xe2\x82\xac");
    cr_assert_str_eq(r->rec.v[1].text, "last");
    /* the second error's lines are the file's, not the fresh parser's */
    cr_assert(strstr(r->rec.diag[1], ": line 5: <item> lost to invalid XML at line 5, column 18 "
                                     "(not well-formed (invalid token)); read on at the next "
                                     "<item>, line 7"),
              "%s", r->rec.diag[1]);
    run_free(r);
}

Test(feed_bad, regression_second_error_on_the_line_read_on_from)
{
    /* after reading on once, an error on the line reading went on from: its column is the
     * file's, not the fresh parser's (which began with the start tags it was given), and the
     * item 7 bytes after it is still read */
    run *r = read_on_string("<rss version=\"2.0\"><channel>\n<item><title>a&</title></item>\n"
                            "<item><title>b</title>&</item><item><title>c</title></item>\n"
                            "<item><title>d</title></item></channel></rss>\n",
                            2, 2, ": line 2: <item> lost");
    cr_assert_str_eq(r->rec.v[0].text, "c");
    cr_assert_str_eq(r->rec.v[1].text, "d");
    cr_assert(strstr(r->rec.diag[1], ": line 3: <item> lost to invalid XML at line 3, column 24"),
              "%s", r->rec.diag[1]);
    run_free(r);
}

Test(feed_bad, regression_reading_on_across_chunks)
{
    /* the item after a bad one starts 600 KB later (past the reader's 256 KB chunks), with a
     * start tag cut by every chunk boundary in turn */
    size_t pad, n = 0, cap = 1 << 21;
    char *xml = malloc(cap);
    cr_assert(xml);
    for (pad = 0; pad < 70; pad += 7) {
        size_t i;
        run *r;
        n = (size_t)snprintf(xml, cap,
                             "<rss version=\"2.0\"><channel>\n"
                             "<item><title>one</title></item>\n"
                             "<item><title>AT&T</title><description>");
        for (i = 0; i < pad; i++)
            xml[n++] = 'x';
        for (i = 0; i < 20000; i++) {
            memcpy(xml + n, "30 bytes of text on one line.\n", 30);
            n += 30;
        }
        n += (size_t)snprintf(xml + n, cap - n,
                              "</description></item>\n"
                              "<item><title>two</title></item>\n"
                              "</channel></rss>\n");
        r = read_on_string(xml, 2, 1, "read on at the next <item>, line 20004");
        cr_assert_str_eq(r->rec.v[1].text, "two");
        run_free(r);
    }
    free(xml);
}
