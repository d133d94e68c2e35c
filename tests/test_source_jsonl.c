/*
 * test_source_jsonl.c - the JSON-lines reader (scanner/source_jsonl.c) on the real fixtures
 * of every preset (Reddit comments and submissions, The Stack v1 and v2, Dolma, the Pile),
 * RedPajama and generic records, and each bad-input case written to a temp folder.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <git2.h>

#include "source.h"
#include "util.h"

#define RC_ZST "fixtures/reddit/RC_2024-02.sample.ndjson.zst"
#define RC_PLAIN "fixtures/reddit/RC_2024-02.sample.ndjson"
#define RS_PLAIN "fixtures/reddit/RS_2024-02.sample.ndjson"
#define RS_ZST "fixtures/reddit/RS_2024-02.sample.ndjson.zst"
#define STACK_V1 "fixtures/datasets/the-stack/v1-dedup-style.jsonl"
#define STACK_V2 "fixtures/datasets/the-stack/v2-style.jsonl"
#define DOLMA_DOCS "fixtures/datasets/dolma/documents/000.json.gz"
#define DOLMA_CC "fixtures/datasets/dolma/cc_en_head-0091.jsonl.gz"
#define DOLMA_ZST "fixtures/datasets/dolma/test.jsonl.zst"
#define PILE "fixtures/datasets/pile/blns.jsonl.zst"

/* ---- the recording sink (tests/util.h) ------------------------------------------------ */

static size_t fail_after; /* the sink fails on this document (1-based); 0 = never */

static int keep_doc(void *ctx, const pv_doc_in *d)
{
    pv_test_rec *r = ctx;
    int rc = pv_test_rec_doc(r, d);
    if (fail_after && r->n == fail_after)
        return PV_EIO;
    return rc;
}

static void keep_diag(void *ctx, pv_severity sev, const char *msg)
{
    if (sev == PV_NOTE) /* records skipped by rule, named for -v */
        return;
    cr_assert_eq(sev, PV_WARNING);
    pv_test_rec_diag(ctx, sev, msg);
}

static pv_test_rec rec;
static pv_reader_stats st;
static pv_err err;

/* Reads path with the preset (or NULL) into rec and st; returns the reader's result. */
static int read_with(const char *path, const pv_reader_opts *base)
{
    pv_reader_opts o;
    pv_sink sink = {.doc = keep_doc, .ctx = &rec};
    memset(&o, 0, sizeof o);
    if (base)
        o = *base;
    o.diag = keep_diag;
    o.ctx = &rec;
    return pv_jsonl__read(path, &o, &sink, &st, &err);
}

static int read_preset(const char *path, const char *preset)
{
    pv_reader_opts o;
    memset(&o, 0, sizeof o);
    o.preset = preset;
    return read_with(path, &o);
}

/* The document whose locator is loc. */
static const pv_test_doc *by_locator(const char *loc)
{
    size_t i;
    for (i = 0; i < rec.n; i++)
        if (strcmp(rec.v[i].locator, loc) == 0)
            return &rec.v[i];
    cr_assert_fail("no document at %s", loc);
    return NULL;
}

/* Empties rec (what it kept is freed after the test). */
static void forget(void)
{
    memset(&rec, 0, sizeof rec);
}

static const char *dir;

static void setup(void)
{
    memset(&rec, 0, sizeof rec);
    memset(&st, 0, sizeof st);
    memset(&err, 0, sizeof err);
    dir = pv_test_tmpdir("pv_jsonl_");
}

static void teardown(void)
{
    pv_test_free_kept();
    cr_assert_eq(pv_test_rmtree(dir), 0);
}

TestSuite(jsonl, .init = setup, .fini = teardown);

/* ---- Reddit ---------------------------------------------------------------------------- */

Test(jsonl, reddit_comments_from_zstd_with_long_window)
{
    const pv_test_doc *k;
    cr_assert_eq(read_with(RC_ZST, NULL), 0, "%s", err.msg);
    cr_assert_eq(st.records, 27);
    cr_assert_eq(st.documents, 23);
    cr_assert_eq(st.skipped, 4); /* two [removed] and two [deleted] bodies */
    cr_assert_eq(st.bad, 0);
    cr_assert_eq(rec.n, 23);
    cr_assert_eq(st.bytes_in, 5555);
    cr_assert_eq(st.bytes_total, 5555);

    k = &rec.v[0];
    cr_assert_str_eq(k->kind, "comment");
    cr_assert_str_eq(k->text, "Absolutely stunning. Really love this, perfect finish IMO as well.");
    cr_assert_str_eq(k->locator, "https://www.reddit.com/r/woodworking/comments/1afjd7n/"
                                 "a_full_maple_farmhouse_table_i_made/kod0bkd/ "
                                 "(RC_2024-02.sample.ndjson.zst:1)");
    cr_assert_str_eq(k->name, "DubsAli");
    cr_assert_str_eq(k->id, "t2_145ffw");
    cr_assert_eq(k->date, 1706745600); /* created_utc 1706745600.0, a float */
    cr_assert_null(k->license);        /* Reddit dumps grant no license */
    cr_assert_null(k->commit);
}

Test(jsonl, reddit_comment_without_permalink_gets_one_built)
{
    const pv_test_doc *k;
    cr_assert_eq(read_preset(RC_PLAIN, "reddit"), 0, "%s", err.msg);
    /* 2009 comment: created_utc is a string, no permalink, "&gt;" escapes in the body */
    k = by_locator("https://www.reddit.com/r/atheism/comments/9fyq4/_/c0cmuoo/ "
                   "(RC_2024-02.sample.ndjson:14)");
    cr_assert_eq(k->date, 1251763202);
    cr_assert_str_eq(k->name, "berberine");
    cr_assert_null(k->id);
    cr_assert(strncmp(k->text, ">Nebraska\n>Diocese of Grand Island (no priests listed", 53) == 0,
              "%s", k->text);
    /* 2005 comment: created_utc is an integer */
    k = by_locator("https://www.reddit.com/r/reddit.com/comments/17863/_/c13/ "
                   "(RC_2024-02.sample.ndjson:16)");
    cr_assert_eq(k->date, 1134365188);
    cr_assert_str_eq(k->name, "frjo");
}

Test(jsonl, reddit_deleted_author_gets_no_credit_and_removed_bodies_are_skipped)
{
    const pv_test_doc *k;
    size_t i;
    cr_assert_eq(read_with(RC_PLAIN, NULL), 0, "%s", err.msg);
    k = by_locator("https://www.reddit.com/r/reddit.com/comments/17869/_/c15/ "
                   "(RC_2024-02.sample.ndjson:18)");
    cr_assert_str_eq(k->text, "Jython related topics by Frank Wierzbicki");
    cr_assert_null(k->name); /* author "[deleted]" */
    cr_assert_null(k->id);
    for (i = 0; i < rec.n; i++) {
        cr_assert_str_neq(rec.v[i].text, "[removed]");
        cr_assert_str_neq(rec.v[i].text, "[deleted]");
        cr_assert(!rec.v[i].name || strcmp(rec.v[i].name, "[deleted]") != 0);
    }
    cr_assert_eq(st.skipped, 4);
    cr_assert_eq(st.skipped_empty, 0);
}

Test(jsonl, reddit_submissions_title_and_selftext)
{
    const pv_test_doc *k;
    cr_assert_eq(read_with(RS_ZST, NULL), 0, "%s", err.msg);
    cr_assert_eq(st.records, 31);
    cr_assert_eq(st.documents, 31);
    k = &rec.v[0];
    cr_assert_str_eq(k->kind, "post");
    cr_assert_str_eq(k->locator, "https://www.reddit.com/r/kickbasemanager/comments/1afwvv8/"
                                 "spielt_guerreiro_bei_bayern_von_anfang_an/ "
                                 "(RS_2024-02.sample.ndjson.zst:1)");
    cr_assert(
        strncmp(k->text, "Spielt Guerreiro bei Bayern von Anfang an?\n\n\n\n[View Poll]", 56) == 0,
        "%s", k->text);
    cr_assert_str_eq(k->name, "nils_koe");
    cr_assert_eq(k->date, 1706745600);
    /* a link post of 2005: the title alone, created_utc an integer */
    k = by_locator("https://www.reddit.com/r/reddit.com/comments/88/"
                   "marketers_scan_blogs_for_brand_insights/ (RS_2024-02.sample.ndjson.zst:12)");
    cr_assert_str_eq(k->text, "Marketers Scan Blogs For Brand Insights");
    cr_assert_str_eq(k->name, "spez");
    cr_assert_eq(k->date, 1119552314);
    /* "&amp;" in a title reads as "&" */
    k = by_locator("https://www.reddit.com/r/reddit.com/comments/1v3sg/numbers_web_sites/ "
                   "(RS_2024-02.sample.ndjson.zst:16)");
    cr_assert_str_eq(k->text, "NUMBERS & WEB SITES");
    /* a [removed] selftext leaves the title */
    k = by_locator("https://www.reddit.com/r/DBZDokkanBattle/comments/abdn5a/"
                   "what_new_stone_sales_are_coming_with_the_years/ "
                   "(RS_2024-02.sample.ndjson.zst:31)");
    cr_assert_str_eq(k->text, "What new stone sales are coming with the years banner on global?");
    cr_assert_eq(k->date, 1546306255);
    /* created_utc as a string */
    k = by_locator("https://www.reddit.com/r/Fitness/comments/2f4i98/"
                   "does_anybody_else_drink_liquid_egg_whites/ (RS_2024-02.sample.ndjson.zst:23)");
    cr_assert_eq(k->date, 1409529601);
    cr_assert(strncmp(k->text, "Does anybody else drink liquid egg whites?\n\nThere's 50g", 55) ==
                  0,
              "%s", k->text);
}

Test(jsonl, reddit_submission_permalink_built_when_missing)
{
    const char *p = pv_test_put_str(
        "RS.ndjson",
        "{\"author\":\"[removed]\",\"subreddit\":\"test\",\"id\":\"abc12\",\"title\":"
        "\"Hello &lt;world&gt; & co &amp\",\"selftext\":\"\",\"created_utc\":\"1700000000.5\"}\n");
    cr_assert_eq(read_with(p, NULL), 0, "%s", err.msg);
    cr_assert_eq(rec.n, 1);
    cr_assert_str_eq(rec.v[0].locator,
                     "https://www.reddit.com/r/test/comments/abc12/ (RS.ndjson:1)");
    cr_assert_str_eq(rec.v[0].text, "Hello <world> & co &amp");
    cr_assert_null(rec.v[0].name);
    cr_assert_eq(rec.v[0].date, 1700000000);
}

/* ---- The Stack ------------------------------------------------------------------------- */

Test(jsonl, the_stack_v1_layout)
{
    const pv_test_doc *k;
    cr_assert_eq(read_with(STACK_V1, NULL), 0, "%s", err.msg);
    cr_assert_eq(rec.n, 3);
    k = &rec.v[0];
    cr_assert_str_eq(k->kind, "record");
    cr_assert_str_eq(k->locator, "https://github.com/webrecorder/warcio/blob/"
                                 "2a797aa8c6d67e70966ce9d1a690208ab250fbe7/README.rst "
                                 "(v1-dedup-style.jsonl:1)");
    cr_assert_str_eq(k->commit, "2a797aa8c6d67e70966ce9d1a690208ab250fbe7");
    cr_assert_str_eq(k->license, "Apache-2.0");
    cr_assert_eq(k->len, 16284);
    cr_assert(strncmp(k->text, "WARCIO: WARC (and ARC) Streaming Library\n====", 45) == 0);
    cr_assert_eq(k->date, PV_DATE_UNKNOWN); /* v1 has no commit date */
    cr_assert_null(k->name);
    k = &rec.v[1];
    cr_assert_str_eq(k->license, "MIT OR Apache-2.0");
    cr_assert_str_eq(k->locator, "https://github.com/rust-syndication/rss/blob/"
                                 "c5e3254a5fa259542e0d50bceec71ee1f2e8bfb1/README.md "
                                 "(v1-dedup-style.jsonl:2)");
}

Test(jsonl, the_stack_v2_layout)
{
    const pv_test_doc *k;
    cr_assert_eq(read_preset(STACK_V2, "the-stack"), 0, "%s", err.msg);
    cr_assert_eq(rec.n, 3);
    k = &rec.v[1];
    cr_assert_str_eq(k->locator, "https://github.com/rust-syndication/rss/blob/"
                                 "c5e3254a5fa259542e0d50bceec71ee1f2e8bfb1/README.md "
                                 "(v2-style.jsonl:2)");
    cr_assert_str_eq(k->commit, "c5e3254a5fa259542e0d50bceec71ee1f2e8bfb1");
    cr_assert_str_eq(k->license, "MIT OR Apache-2.0");
    cr_assert_eq(k->date, 1783015273); /* revision_date 2026-07-03T02:01:13+08:00 */
    cr_assert(strncmp(k->text, "# rss\n\n[![Build status](https://github.com/rust-syndication/rss/",
                      63) == 0);
    k = &rec.v[2];
    cr_assert_str_eq(k->license, "BSD-2-Clause");
    cr_assert_eq(k->date, 1785423297); /* 2026-07-30T09:54:57-05:00 */
    cr_assert(strstr(k->text, "This file is part of feedparser.") != NULL);
}

/* The Stack's hexsha (v1) and blob_id (v2) are the git blob id of the record's content:
 * the document's blob, so that scan knows a record holding an indexed blob as an exact copy. */
Test(jsonl, the_stack_record_names_its_git_blob)
{
    const char *const files[] = {STACK_V1, STACK_V2};
    for (size_t f = 0; f < 2; f++) {
        memset(&rec, 0, sizeof rec);
        cr_assert_eq(read_preset(files[f], "the-stack"), 0, "%s", err.msg);
        cr_assert_eq(rec.n, 3);
        for (size_t i = 0; i < rec.n; i++) {
            git_oid want;
            cr_assert_eq(git_odb_hash(&want, rec.v[i].text, rec.v[i].len, GIT_OBJECT_BLOB), 0);
            cr_assert_eq(rec.v[i].nblobs, 1, "%s record %zu", files[f], i);
            cr_expect(memcmp(rec.v[i].blobs, want.id, 20) == 0, "%s record %zu", files[f], i);
        }
    }
    /* an id that is not 40 hex digits names no blob */
    memset(&rec, 0, sizeof rec);
    cr_assert_eq(
        read_preset(pv_test_put_str("short.jsonl",
                                    "{\"hexsha\":\"0123\",\"content\":\"x = 1\\n\"}\n"
                                    "{\"hexsha\":\"1cb9b59ea2998220518d39958a46caec9119716g\","
                                    "\"content\":\"y = 2\\n\"}\n"),
                    "the-stack"),
        0, "%s", err.msg);
    cr_assert_eq(rec.n, 2);
    cr_expect_eq(rec.v[0].nblobs, 0);
    cr_expect_eq(rec.v[1].nblobs, 0);
}

Test(jsonl, the_stack_without_commit_is_repo_colon_path)
{
    const char *p = pv_test_put_str(
        "s.jsonl",
        "{\"hexsha\":\"0123\",\"max_stars_repo_path\":\"src/x.py\",\"max_stars_repo_name\":"
        "\"o/r\",\"max_stars_repo_licenses\":[\"mit\",\"BSD-3-Clause\"],\"content\":"
        "\"print(1)\\n\"}\n{\"hexsha\":\"4567\",\"content\":\"y\"}\n{\"hexsha\":\"89\","
        "\"content\":null}\n");
    cr_assert_eq(read_with(p, NULL), 0, "%s", err.msg);
    cr_assert_eq(rec.n, 2);
    cr_assert_str_eq(rec.v[0].locator, "o/r:src/x.py (s.jsonl:1)");
    cr_assert_str_eq(rec.v[0].license, "MIT OR BSD-3-Clause"); /* GitHub's lowercase key */
    cr_assert_null(rec.v[0].commit);
    cr_assert_str_eq(rec.v[1].locator, "4567 (s.jsonl:2)"); /* the blob id, nothing else known */
    cr_assert_eq(st.skipped_empty, 1); /* content null: v2 rows without content */
}

/* ---- Dolma, the Pile, RedPajama -------------------------------------------------------- */

Test(jsonl, dolma_documents_gzip)
{
    const pv_test_doc *k;
    cr_assert_eq(read_with(DOLMA_DOCS, NULL), 0, "%s", err.msg);
    cr_assert_eq(rec.n, 10);
    cr_assert_eq(st.bytes_in, 25985);
    k = &rec.v[0];
    cr_assert_str_eq(k->kind, "record");
    cr_assert_str_eq(k->locator, /* metadata.url */
                     "http://advocatesaz.org/tag/good-cholesterol/ (000.json.gz:1)");
    cr_assert_eq(k->date, 1674855526); /* created 2023-01-27T21:38:46Z */
    cr_assert_str_eq(k->lang, "en");
    cr_assert_null(k->license);
    cr_assert_null(k->name);
    cr_assert(strncmp(k->text, "PPAA Home\nAbout Our Blog\nCommenting Policy\n", 43) == 0);
    cr_assert_eq(k->len, 6366);
}

Test(jsonl, dolma_ccnet_layout)
{
    const pv_test_doc *k;
    cr_assert_eq(read_preset(DOLMA_CC, "dolma"), 0, "%s", err.msg);
    cr_assert_eq(rec.n, 10);
    k = &rec.v[0];
    cr_assert_str_eq(
        k->locator,
        "http://100kinvesting.com/2016/11/28/first-teleconference-calls-invoice-factoring/ "
        "(cc_en_head-0091.jsonl.gz:1)");
    cr_assert_eq(k->date, 1585472650); /* created 2020-03-29T09:04:10Z */
    cr_assert(strncmp(k->text, "We will be starting to hold weekly teleconferences for businesses",
                      65) == 0);
}

Test(jsonl, pile_text_paragraphs_and_file_line_locators)
{
    const pv_test_doc *k;
    cr_assert_eq(read_with(PILE, NULL), 0, "%s", err.msg);
    cr_assert_eq(rec.n, 4);
    k = &rec.v[1];
    cr_assert_str_eq(k->text, "testing 123\n\ntesting 345"); /* a list of paragraphs */
    cr_assert_str_eq(k->locator, "blns.jsonl.zst:2");        /* no name: the shard and line alone */
    cr_assert_eq(k->date, PV_DATE_UNKNOWN);
    k = &rec.v[0];
    cr_assert_eq(k->len, 29822); /* the Big List of Naughty Strings, every byte kept */
    cr_assert(strncmp(k->text, "#\tReserved Strings\n#\n#\tStrings which may be used elsewhere",
                      58) == 0);
    cr_assert(strstr(k->text, "\xE2\x80\x8B") != NULL); /* zero width space survives */
}

Test(jsonl, redpajama_meta_url_timestamp_and_github_subset)
{
    const char *p = pv_test_put_str(
        "rp.jsonl",
        "{\"text\":\"Alan Turing was an English mathematician.\",\"meta\":{\"timestamp\":"
        "\"2023-03-20T00:00:00\",\"url\":\"https://en.wikipedia.org/wiki/"
        "Alan_Turing\",\"language\":"
        "\"en\",\"title\":\"Alan Turing\"}}\n"
        "{\"text\":\"int main(void) { return 0; }\\n\",\"meta\":{\"content_hash\":\"ab\","
        "\"timestamp\":\"\",\"source\":\"github\",\"repo_name\":\"o/r\",\"ref\":\"refs/"
        "heads/main\","
        "\"path\":\"src/main.c\",\"license\":\"apache-2.0\",\"language\":\"C\"}}\n"
        "{\"text\":\"slim\",\"meta\":\"{\\\"redpajama_set_name\\\": \\\"RedPajamaC4\\\", "
        "\\\"url\\\": \\\"https://c4.example/x\\\"}\"}\n");
    cr_assert_eq(read_preset(p, "redpajama"), 0, "%s", err.msg);
    cr_assert_eq(rec.n, 3);
    cr_assert_str_eq(rec.v[0].locator, "https://en.wikipedia.org/wiki/Alan_Turing (rp.jsonl:1)");
    cr_assert_eq(rec.v[0].date, 1679270400);
    cr_assert_str_eq(rec.v[0].lang, "en");
    cr_assert_str_eq(rec.v[1].locator, "https://github.com/o/r/blob/main/src/main.c (rp.jsonl:2)");
    cr_assert_str_eq(rec.v[1].license, "Apache-2.0");
    cr_assert_eq(rec.v[1].date, PV_DATE_UNKNOWN);
    cr_assert_str_eq(rec.v[2].locator, /* meta as a JSON string */
                     "https://c4.example/x (rp.jsonl:3)");
    /* detected without the preset too */
    forget();
    cr_assert_eq(read_with(p, NULL), 0, "%s", err.msg);
    cr_assert_str_eq(rec.v[0].locator, "https://en.wikipedia.org/wiki/Alan_Turing (rp.jsonl:1)");
}

Test(jsonl, forced_preset_wins_over_detection)
{
    cr_assert_eq(read_preset(DOLMA_DOCS, "pile"), 0, "%s", err.msg);
    cr_assert_eq(rec.n, 10);
    cr_assert_str_eq(rec.v[2].locator, "000.json.gz:3"); /* the Pile reads no url */
    cr_assert_eq(rec.v[2].date, PV_DATE_UNKNOWN);
}

/* ---- generic --------------------------------------------------------------------------- */

Test(jsonl, generic_fields_with_dotted_paths)
{
    pv_reader_opts o;
    memset(&o, 0, sizeof o);
    o.fields = "text=body,author=author,date=_meta.retrieved_2nd_on,id=name";
    cr_assert_eq(read_with(RC_PLAIN, &o), 0, "%s", err.msg);
    cr_assert_eq(rec.n, 27); /* no Reddit rules: "[removed]" is text here */
    cr_assert_str_eq(rec.v[0].text,
                     "Absolutely stunning. Really love this, perfect finish IMO as well.");
    cr_assert_str_eq(rec.v[0].locator, "t1_kod0bkd (RC_2024-02.sample.ndjson:1)");
    cr_assert_str_eq(rec.v[0].name, "DubsAli");
    cr_assert_eq(rec.v[0].date, 1706875209);
    cr_assert_str_eq(rec.v[0].kind, "record");
}

Test(jsonl, generic_names_the_fields_of_an_unknown_layout)
{
    pv_reader_opts o;
    cr_assert_eq(read_with(DOLMA_ZST, NULL), PV_EFORMAT);
    cr_assert(strstr(err.msg, "test.jsonl.zst: line 1: cannot tell the dataset layout") != NULL,
              "%s", err.msg);
    memset(&o, 0, sizeof o);
    o.preset = "generic";
    o.fields = "text=message,license=lic.spdx";
    cr_assert_eq(read_with(DOLMA_ZST, &o), 0, "%s", err.msg);
    cr_assert_eq(rec.n, 1);
    cr_assert_str_eq(rec.v[0].text, "this is a test");
    cr_assert_str_eq(rec.v[0].locator, "test.jsonl.zst:1");
    cr_assert_null(rec.v[0].license);
}

Test(jsonl, generic_license_and_millisecond_dates)
{
    pv_reader_opts o;
    const char *p =
        pv_test_put_str("g.jsonl", "{\"doc\":{\"body\":\"hello there\",\"lic\":[\"CC-BY-SA-4.0\"]},"
                                   "\"ts\":1700000000123,\"url\":\"https://ex.org/1\"}\n");
    memset(&o, 0, sizeof o);
    o.fields = "text=doc.body,license=doc.lic,date=ts";
    cr_assert_eq(read_with(p, &o), 0, "%s", err.msg);
    cr_assert_eq(rec.n, 1);
    cr_assert_str_eq(rec.v[0].text, "hello there");
    cr_assert_str_eq(rec.v[0].license, "CC-BY-SA-4.0");
    cr_assert_eq(rec.v[0].date, 1700000000);
    cr_assert_str_eq(rec.v[0].locator, /* url is the default url field */
                     "https://ex.org/1 (g.jsonl:1)");
}

Test(jsonl, bad_options_are_einval)
{
    pv_reader_opts o;
    memset(&o, 0, sizeof o);
    o.preset = "c4";
    cr_assert_eq(read_with(RC_PLAIN, &o), PV_EINVAL);
    cr_assert(strstr(err.msg, "unknown preset 'c4'") != NULL, "%s", err.msg);
    o.preset = NULL;
    o.fields = "body=text";
    cr_assert_eq(read_with(RC_PLAIN, &o), PV_EINVAL);
    cr_assert(strstr(err.msg, "unknown field 'body'") != NULL, "%s", err.msg);
    o.fields = "text";
    cr_assert_eq(read_with(RC_PLAIN, &o), PV_EINVAL);
    o.preset = "reddit";
    o.fields = "text=body";
    cr_assert_eq(read_with(RC_PLAIN, &o), PV_EINVAL);
    cr_assert_eq(rec.n, 0);
}

/* ---- locators: the record's name, then its shard and 1-based line ---------------------- */

/* Issue 9: a Dolma record whose id is not a URL was named by FILE:LINE alone; its id names it
 * now, beside its shard and line. */
Test(jsonl, regression_dolma_id_names_the_record_beside_shard_and_line)
{
    const char *p = pv_test_put_str(
        "d/part-7.jsonl",
        "{\"id\":\"doc-0001\",\"text\":\"first\",\"source\":\"c4\"}\n"
        "{\"id\":\"doc-0002\",\"text\":\"second\",\"source\":\"c4\",\"metadata\":{\"url\":"
        "\"https://ex.org/2\"}}\n"
        "{\"text\":\"third\",\"source\":\"c4\"}\n");
    cr_assert_eq(read_preset(p, "dolma"), 0, "%s", err.msg);
    cr_assert_eq(rec.n, 3);
    cr_assert_str_eq(rec.v[0].locator, "doc-0001 (part-7.jsonl:1)");
    cr_assert_str_eq(rec.v[1].locator, "https://ex.org/2 (part-7.jsonl:2)"); /* url wins */
    cr_assert_str_eq(rec.v[2].locator, "part-7.jsonl:3");
    cr_assert_null(rec.v[0].commit);
}

Test(jsonl, generic_id_may_be_a_string_or_an_integer)
{
    const char *p = pv_test_put_str("ids.jsonl", "{\"id\":42,\"text\":\"a\"}\n"
                                                 "{\"id\":\"x-7\",\"text\":\"b\"}\n"
                                                 "{\"id\":1.5,\"text\":\"c\"}\n"
                                                 "{\"id\":\"\",\"text\":\"d\"}\n"
                                                 "{\"id\":9,\"url\":\"https://ex.org/e\",\"text\":"
                                                 "\"e\"}\n"
                                                 "{\"id\":12345678901234,\"text\":\"f\"}\n");
    cr_assert_eq(read_with(p, NULL), 0, "%s", err.msg);
    cr_assert_eq(rec.n, 6);
    cr_assert_str_eq(rec.v[0].locator, "42 (ids.jsonl:1)");
    cr_assert_str_eq(rec.v[1].locator, "x-7 (ids.jsonl:2)");
    cr_assert_str_eq(rec.v[2].locator, "ids.jsonl:3"); /* not an id: a fraction */
    cr_assert_str_eq(rec.v[3].locator, "ids.jsonl:4"); /* an empty id is none */
    cr_assert_str_eq(rec.v[4].locator, "https://ex.org/e (ids.jsonl:5)");
    cr_assert_str_eq(rec.v[5].locator, "12345678901234 (ids.jsonl:6)");
}

/* Lines count from 1 in the decompressed shard, bad records and blank lines included. */
Test(jsonl, gzip_shard_lines_after_a_bad_record)
{
    const char plain[] = "{\"id\":\"a\",\"text\":\"one\"}\n"
                         "{\"id\":\"b\",\"text\":\n"
                         "\n"
                         "{\"id\":\"c\",\"text\":\"three\"}\n"
                         "{\"text\":\"four\"}\n";
    size_t n;
    unsigned char *gz = pv_test_deflate(plain, sizeof plain - 1, 16 + 15, &n);
    const char *p = pv_test_put("shards/en/0003.jsonl.gz", gz, n);
    free(gz);
    cr_assert_eq(read_with(p, NULL), 0, "%s", err.msg);
    cr_assert_eq(st.bad, 1);
    cr_assert_eq(rec.n, 3);
    cr_assert_str_eq(rec.v[0].locator, "a (0003.jsonl.gz:1)");
    cr_assert_str_eq(rec.v[1].locator, "c (0003.jsonl.gz:4)");
    cr_assert_str_eq(rec.v[2].locator, "0003.jsonl.gz:5");
}

Test(jsonl, reddit_id_alone_still_names_the_record)
{
    const char *p = pv_test_put_str(
        "RC.ndjson", "{\"author\":\"a\",\"subreddit\":\"t\",\"body\":\"hi\",\"id\":\"k1\"}\n"
                     "{\"author\":\"b\",\"subreddit\":\"t\",\"body\":\"ho\"}\n");
    cr_assert_eq(read_preset(p, "reddit"), 0, "%s", err.msg);
    cr_assert_eq(rec.n, 2);
    cr_assert_str_eq(rec.v[0].locator, "k1 (RC.ndjson:1)");
    cr_assert_str_eq(rec.v[1].locator, "RC.ndjson:2");
}

/* A name longer than the locator buffer holds (1 MiB) leaves the shard and line alone. */
Test(jsonl, huge_url_leaves_the_shard_and_line)
{
    size_t n = (size_t)1 << 20, i;
    char *line = malloc(n + 64);
    int k;
    cr_assert_not_null(line);
    k = sprintf(line, "{\"text\":\"t\",\"url\":\"https://ex.org/");
    for (i = 0; i < n; i++)
        line[k + i] = 'a';
    strcpy(line + k + n, "\"}\n");
    pv_test_put_str("big.jsonl", line);
    free(line);
    cr_assert_eq(read_with(pv_test_path("big.jsonl"), NULL), 0, "%s", err.msg);
    cr_assert_eq(rec.n, 1);
    cr_assert_str_eq(rec.v[0].locator, "big.jsonl:1");
}

/* What a locator opens, for source rows' url (match): the URL without the record's place. */
Test(jsonl, url_len_keeps_the_url_of_a_record_locator)
{
    cr_assert_eq(pv_jsonl__url_len("https://ex.org/1 (g.jsonl:1)"), 16);
    cr_assert_eq(pv_jsonl__url_len("HTTP://ex.org/a b (part (1).jsonl.gz:12)"), 17);
    cr_assert_eq(pv_jsonl__url_len("https://ex.org/x_(y)"), 20);
    cr_assert_eq(pv_jsonl__url_len("https://ex.org/x (y)"), 20);
    cr_assert_eq(pv_jsonl__url_len("https://ex.org/x (:1)"), 21);
    cr_assert_eq(pv_jsonl__url_len("https://french.meta.stackexchange.com/a/17"), 42);
    cr_assert_eq(pv_jsonl__url_len("doc-0001 (part-7.jsonl:1)"), 0);
    cr_assert_eq(pv_jsonl__url_len("part-7.jsonl:3"), 0);
    cr_assert_eq(pv_jsonl__url_len("crawl.warc.gz@168"), 0);
    cr_assert_eq(pv_jsonl__url_len("src/a.c"), 0);
    cr_assert_eq(read_with(DOLMA_CC, NULL), 0, "%s", err.msg);
    cr_assert_eq(pv_jsonl__url_len(rec.v[0].locator), 81);
    cr_assert(!strncmp(rec.v[0].locator,
                       "http://100kinvesting.com/2016/11/28/first-teleconference-calls-invoice-"
                       "factoring/ (",
                       83));
}

/* ---- bad input ------------------------------------------------------------------------- */

Test(jsonl, invalid_json_line_is_bad_and_reading_goes_on)
{
    char want[512];
    const char *p = pv_test_put_str("bad.jsonl", "{\"text\":\"one\"}\n"
                                                 "{\"text\":\"two\n"
                                                 "{\"text\": \"three\"} garbage\n"
                                                 "[1,2]\n"
                                                 "{\"text\":5}\n"
                                                 "{\"text\":\"seven\", \"x\": [1, \n"
                                                 "{\"text\":\"bad \\q escape\"}\n"
                                                 "{\"text\":\"eight\"}\n");
    cr_assert_eq(read_with(p, NULL), 0, "%s", err.msg);
    cr_assert_eq(rec.n, 2);
    cr_assert_str_eq(rec.v[1].text, "eight");
    cr_assert_str_eq(rec.v[1].locator, "bad.jsonl:8");
    cr_assert_eq(st.records, 8);
    cr_assert_eq(st.documents, 2);
    cr_assert_eq(st.bad, 6);
    cr_assert_eq(rec.ndiag, 6);
    snprintf(want, sizeof want, "%s: line 2: invalid JSON (unterminated string at byte 9)", p);
    cr_assert_str_eq(rec.diag[0], want);
    snprintf(want, sizeof want, "%s: line 3: invalid JSON (text after the value at byte 19)", p);
    cr_assert_str_eq(rec.diag[1], want);
    snprintf(want, sizeof want, "%s: line 4: not a JSON object", p);
    cr_assert_str_eq(rec.diag[2], want);
    snprintf(want, sizeof want, "%s: line 5: \"text\" is not a string", p);
    cr_assert_str_eq(rec.diag[3], want);
    snprintf(want, sizeof want, "%s: line 6: invalid JSON (the line ends inside a value)", p);
    cr_assert_str_eq(rec.diag[4], want);
    snprintf(want, sizeof want, "%s: line 7: invalid JSON (bad escape in string at byte 14)", p);
    cr_assert_str_eq(rec.diag[5], want);
}

Test(jsonl, strict_stops_at_the_first_bad_record)
{
    pv_reader_opts o;
    char want[512];
    const char *p =
        pv_test_put_str("strict.jsonl", "{\"text\":\"one\"}\n{\"text\":}\n{\"text\":\"three\"}\n");
    memset(&o, 0, sizeof o);
    o.strict = 1;
    cr_assert_eq(read_with(p, &o), PV_EFORMAT);
    snprintf(want, sizeof want, "%s: line 2: invalid JSON (unexpected character at byte 9)", p);
    cr_assert_str_eq(err.msg, want);
    cr_assert_eq(rec.n, 1); /* the record before it was handed on */
    cr_assert_eq(rec.ndiag, 0);
}

Test(jsonl, invalid_utf8_passes_through)
{
    const char *p = pv_test_put_str("u.jsonl", "{\"text\":\"caf\xE9 \xFF\xFE ok\"}\n");
    cr_assert_eq(read_with(p, NULL), 0, "%s", err.msg);
    cr_assert_eq(st.bad, 0);
    cr_assert_eq(rec.n, 1);
    cr_assert_str_eq(rec.v[0].text, "caf\xE9 \xFF\xFE ok");
}

Test(jsonl, nul_escape_and_lone_surrogates_become_replacement_characters)
{
    const char *p = pv_test_put_str(
        "s.jsonl", "{\"text\":\"a\\u0000b\"}\n"
                   "{\"text\":\"hi \\ud800 there\"}\n"
                   "{\"text\":\"lo \\udc00\\ud83d\\ude00 \\\\u0000 end\\ud83d\"}\n");
    cr_assert_eq(read_with(p, NULL), 0, "%s", err.msg);
    cr_assert_eq(st.bad, 0);
    cr_assert_eq(rec.n, 3);
    cr_assert_eq(rec.v[0].len, 5);
    cr_assert_str_eq(rec.v[0].text, "a\xEF\xBF\xBD"
                                    "b");
    cr_assert_str_eq(rec.v[1].text, "hi \xEF\xBF\xBD there");
    /* a lone low surrogate, a valid pair (U+1F600), an escaped backslash and a high
     * surrogate at the end of the string */
    cr_assert_str_eq(rec.v[2].text, "lo \xEF\xBF\xBD\xF0\x9F\x98\x80 \\u0000 end\xEF\xBF\xBD");
}

Test(jsonl, raw_nul_byte_becomes_a_replacement_character)
{
    const char line[] = "{\"text\":\"x\0y\"}\n";
    const char *p = pv_test_put("n.jsonl", line, sizeof line - 1);
    cr_assert_eq(read_with(p, NULL), 0, "%s", err.msg);
    cr_assert_eq(rec.n, 1);
    cr_assert_str_eq(rec.v[0].text, "x\xEF\xBF\xBDy");
}

Test(jsonl, bom_blank_lines_crlf_and_last_line_without_newline)
{
    const char *p = pv_test_put_str("b.jsonl", "\xEF\xBB\xBF{\"text\":\"first\"}\r\n"
                                               "\r\n"
                                               "   \n"
                                               "{\"text\":\"second\"}\r\n"
                                               "\n"
                                               "{\"text\":\"last\"}");
    cr_assert_eq(read_with(p, NULL), 0, "%s", err.msg);
    cr_assert_eq(st.records, 3); /* blank lines are not records */
    cr_assert_eq(st.bad, 0);
    cr_assert_eq(rec.n, 3);
    cr_assert_str_eq(rec.v[0].text, "first");
    cr_assert_str_eq(rec.v[1].locator, "b.jsonl:4");
    cr_assert_str_eq(rec.v[2].text, "last");
    cr_assert_str_eq(rec.v[2].locator, "b.jsonl:6");
}

Test(jsonl, json_array_file_is_a_clear_error)
{
    char want[512];
    const char *p =
        pv_test_put_str("a.json", "[\n  {\"text\": \"one\"},\n  {\"text\": \"two\"}\n]\n");
    cr_assert_eq(read_with(p, NULL), PV_EFORMAT);
    snprintf(want, sizeof want,
             "'%s' is one JSON array, not JSON lines (one object per line); convert it with: "
             "jq -c '.[]'",
             p);
    cr_assert_str_eq(err.msg, want);
    p = pv_test_put_str("b.json", "{\n  \"text\": \"one\"\n}\n");
    cr_assert_eq(read_with(p, NULL), PV_EFORMAT);
    cr_assert(strstr(err.msg, "is one pretty-printed JSON document") != NULL, "%s", err.msg);
    cr_assert_eq(rec.n, 0);
}

Test(jsonl, empty_text_and_large_documents_are_skipped_and_counted)
{
    pv_reader_opts o;
    static char line[4096];
    FILE *f;
    const char *p = pv_test_path("big.jsonl");
    memset(&o, 0, sizeof o);
    o.max_doc_size = 100;
    f = fopen(p, "wb");
    fprintf(f, "{\"text\":\"\"}\n{\"id\":\"no text\",\"text\":null}\n");
    memset(line, 'x', 200);
    fprintf(f, "{\"text\":\"%.200s\"}\n", line);
    memset(line, 'y', 4000);
    fprintf(f, "{\"text\":\"%.4000s\"}\n{\"text\":\"small\"}\n", line);
    fclose(f);
    cr_assert_eq(read_with(p, &o), 0, "%s", err.msg);
    cr_assert_eq(st.records, 5);
    cr_assert_eq(rec.n, 1);
    cr_assert_str_eq(rec.v[0].text, "small");
    cr_assert_eq(st.skipped_empty, 2);
    cr_assert_eq(st.skipped_large, 2);
    cr_assert_eq(st.skipped, 4);
    cr_assert_eq(st.bad, 0);
}

Test(jsonl, line_over_the_limit_is_skipped_and_said_once)
{
    pv_reader_opts o;
    char want[512];
    const char *p = pv_test_path("long.jsonl");
    FILE *f = fopen(p, "wb");
    size_t i;
    memset(&o, 0, sizeof o);
    o.max_doc_size = 1000; /* lines are held up to 6 * 1000 + 1 MiB bytes */
    fprintf(f, "{\"text\":\"");
    for (i = 0; i < (2u << 20) / 8; i++)
        fputs("\\u0041ab", f);
    fprintf(f, "\"}\n{\"text\":\"after\"}\n");
    fclose(f);
    cr_assert_eq(read_with(p, &o), 0, "%s", err.msg);
    cr_assert_eq(rec.n, 1);
    cr_assert_str_eq(rec.v[0].text, "after");
    cr_assert_str_eq(rec.v[0].locator, "long.jsonl:2");
    cr_assert_eq(st.records, 2);
    cr_assert_eq(st.skipped_large, 1);
    cr_assert_eq(rec.ndiag, 1);
    snprintf(want, sizeof want, "%s: line 1: record longer than %zu bytes, skipped", p,
             (size_t)6000 + (1u << 20));
    cr_assert_str_eq(rec.diag[0], want);
}

Test(jsonl, truncated_gzip_hands_on_records_before_then_names_file_and_offset)
{
    size_t n;
    unsigned char *gz = pv_test_read_file(DOLMA_DOCS, &n);
    const char *p = pv_test_put("cut.json.gz", gz, 20000);
    char want[512];
    cr_assert_eq(read_with(p, NULL), PV_EFORMAT);
    snprintf(want, sizeof want, "%s: truncated gzip data at byte 20000", p);
    cr_assert_str_eq(err.msg, want);
    cr_assert_geq(rec.n, 5);
    cr_assert_lt(rec.n, 10);
    cr_assert_str_eq(rec.v[0].locator,
                     "http://advocatesaz.org/tag/good-cholesterol/ (cut.json.gz:1)");
    cr_assert_eq(st.bytes_in, 20000);
    free(gz);
}

Test(jsonl, truncated_zstd_names_file_and_offset)
{
    size_t n;
    unsigned char *z = pv_test_read_file(RC_ZST, &n);
    const char *p = pv_test_put("cut.ndjson.zst", z, 4000);
    char want[512];
    cr_assert_eq(read_with(p, NULL), PV_EFORMAT);
    snprintf(want, sizeof want, "%s: truncated zstd data at byte 4000", p);
    cr_assert_str_eq(err.msg, want);
    free(z);
}

Test(jsonl, sink_error_stops_the_reader)
{
    fail_after = 2;
    cr_assert_eq(read_with(RC_PLAIN, NULL), PV_EIO);
    cr_assert_eq(rec.n, 2);
}

Test(jsonl, missing_file_is_eio)
{
    cr_assert_eq(read_with(pv_test_path("none.jsonl"), NULL), PV_EIO);
    cr_assert(strstr(err.msg, "none.jsonl") != NULL, "%s", err.msg);
}

/* ---- sniffing -------------------------------------------------------------------------- */

Test(jsonl, sniff_tells_json_lines_from_other_json)
{
    size_t n;
    unsigned char *rc = pv_test_read_file(RC_PLAIN, &n);
    cr_assert_eq(pv_jsonl__sniff((const char *)rc, n < 4096 ? n : 4096), 1);
    cr_assert_eq(pv_jsonl__sniff((const char *)rc, 100), 1); /* first line cut short */
    cr_assert_eq(pv_jsonl__sniff("\xEF\xBB\xBF{\"a\":1}\n{\"a\":2}\n", 20), 1);
    cr_assert_eq(pv_jsonl__sniff("{}\n", 3), 1);
    cr_assert_eq(pv_jsonl__sniff("{\n  \"a\": 1\n}\n", 13), 0); /* pretty-printed */
    cr_assert_eq(pv_jsonl__sniff("[{\"a\":1}]\n", 10), 0);
    cr_assert_eq(pv_jsonl__sniff("<?xml version=\"1.0\"?>", 21), 0);
    cr_assert_eq(pv_jsonl__sniff("WARC/1.0\r\n", 10), 0);
    cr_assert_eq(pv_jsonl__sniff("", 0), 0);
    free(rc);
}

/* Every reader counts a bad record the same way, strict or not (pv_source__bad). */
Test(jsonl, regression_strict_counts_the_bad_record)
{
    pv_reader_opts o;
    const char *p = pv_test_put_str("strict-count.jsonl", "{\"text\":\"one\"}\n{\"text\":}\n");
    cr_assert_eq(read_with(p, NULL), 0, "%s", err.msg);
    cr_assert_eq(st.bad, 1);
    memset(&st, 0, sizeof st);
    memset(&o, 0, sizeof o);
    o.strict = 1;
    cr_assert_eq(read_with(p, &o), PV_EFORMAT);
    cr_assert_eq(st.bad, 1, "strict counted %llu bad records", (unsigned long long)st.bad);
}

/* Replacements are counted and the first place named, once per file. */
Test(jsonl, regression_replacements_are_counted_and_named_once_per_file)
{
    static const char text[] = "{\"text\":\"clean line\"}\n"
                               "{\"text\":\"hi \\ud800 there\"}\n"
                               "{\"text\":\"raw \0 nul\"}\n"
                               "{\"text\":\"a\\u0000b \\udc00\"}\n";
    const char *p = pv_test_put("r.jsonl", text, sizeof text - 1);
    char want[512];
    cr_assert_eq(read_with(p, NULL), 0, "%s", err.msg);
    cr_assert_eq(rec.n, 4);
    cr_assert_str_eq(rec.v[2].text, "raw \xEF\xBF\xBD nul");
    cr_assert_eq(rec.ndiag, 1);
    snprintf(want, sizeof want,
             "%s: line 2: NUL bytes or lone surrogates replaced by U+FFFD (4 in this file)", p);
    cr_assert_str_eq(rec.diag[0], want);
    cr_assert_eq(st.replaced, 4); /* for the run's summary */
}
