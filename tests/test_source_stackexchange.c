/*
 * test_source_stackexchange.c - the Stack Exchange dump reader on the real French Language meta
 * fixtures: documents, authors (PostHistory's original author, deleted users), dates, licenses
 * and URLs from the folder and from the .7z, and every kind of damaged input.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source.h"
#include "util.h"

#define SE_DIR "fixtures/stackexchange"
#define SE_7Z "fixtures/stackexchange/french.meta.subset.7z"
#define SITE "french.meta.stackexchange.com"

/* ---- a temporary folder for derived dumps, and the recording sink (tests/util.h) ---- */

static const char *dir;

static void make_dir(void)
{
    dir = pv_test_tmpdir("pv_se_");
}

/* The sink's copies are kept until the test ends. */
TestSuite(stackexchange, .init = make_dir, .fini = pv_test_done);

static pv_test_rec rec;
static pv_reader_stats st;
static pv_err err;
static size_t fail_after; /* the sink fails once this many were recorded; 0 = never */

static int on_doc(void *ctx, const pv_doc_in *d)
{
    pv_test_rec *r = ctx;
    if (fail_after && r->n == fail_after)
        return PV_EIO;
    cr_assert_null(d->runs);
    return pv_test_rec_doc(r, d);
}

/* Reads path with o into rec, st and err, emptied first (what rec held stays kept until the
 * test ends); returns the reader's result. */
static int read_opts(const char *path, pv_reader_opts *o)
{
    pv_sink sink = pv_test_rec_sink(&rec);
    sink.doc = on_doc;
    memset(&rec, 0, sizeof rec);
    memset(&st, 0, sizeof st);
    memset(&err, 0, sizeof err);
    o->diag = pv_test_rec_diag;
    o->ctx = &rec;
    return pv_stackexchange__read(path, o, &sink, &st, &err);
}

/* Reads path with site (NULL to infer) and strict. */
static int run(const char *path, const char *site, int strict)
{
    pv_reader_opts o;
    memset(&o, 0, sizeof o);
    o.site = site;
    o.strict = strict;
    return read_opts(path, &o);
}

static int starts(const char *text, const char *prefix)
{
    return !strncmp(text, prefix, strlen(prefix));
}

/* s with its first from replaced by to, kept until the test ends. */
static char *replace(const char *s, const char *from, const char *to)
{
    const char *p = strstr(s, from);
    char *out;
    cr_assert_not_null(p, "no '%s' in '%.80s'", from, s);
    out = pv_test_keep(malloc(strlen(s) - strlen(from) + strlen(to) + 1));
    sprintf(out, "%.*s%s%s", (int)(p - s), s, to, p + strlen(from));
    return out;
}

static const pv_test_doc *find(const char *locator)
{
    size_t i;
    for (i = 0; i < rec.n; i++)
        if (!strcmp(rec.v[i].locator, locator))
            return &rec.v[i];
    cr_assert_fail("no document %s among %zu", locator, rec.n);
    return NULL;
}

static int has_diag(const char *part)
{
    size_t i;
    for (i = 0; i < rec.ndiag && i < PV_TEST_NDIAG; i++)
        if (strstr(rec.diag[i], part))
            return 1;
    return 0;
}

/* The document at locator among the fixture folder's, read as SITE. */
static const pv_test_doc *fixture_doc(const char *locator)
{
    cr_assert_eq(run(SE_DIR, SITE, 0), 0, "%s", err.msg);
    return find(locator);
}

/* ---- derived dumps in the temp folder ---- */

/* Copies the file from to rel in the temp folder. */
static void copy(const char *from, const char *rel)
{
    size_t n;
    char *p = pv_test_read_file(from, &n);
    pv_test_put(rel, p, n);
    free(p);
}

/* Line no (1-based) of the fixture file name, with its "\n", kept until the test ends. */
static char *fixture_line(const char *name, int no)
{
    char path[256], *all, *s, *e, *line;
    int i;
    snprintf(path, sizeof path, SE_DIR "/%s", name);
    all = pv_test_read_file(path, NULL);
    for (s = all, i = 1; i < no; i++) {
        s = strchr(s, '\n');
        cr_assert_not_null(s);
        s++;
    }
    e = strchr(s, '\n');
    cr_assert_not_null(e);
    line = pv_test_keep(strndup(s, (size_t)(e - s + 1)));
    free(all);
    return line;
}

static void add(pv_buf *b, const void *data, size_t n)
{
    cr_assert_eq(pv_buf__append(b, data, n), 0);
}

static void add_str(pv_buf *b, const char *s)
{
    add(b, s, strlen(s));
}

/* A Posts.xml in b: the fixture's header (BOM, declaration, <posts>). */
static void posts_head(pv_buf *b)
{
    add_str(b, fixture_line("Posts.xml", 1));
    add_str(b, fixture_line("Posts.xml", 2));
}

/* Posts.xml in the temp folder: the fixture's header, the given rows (fixture line numbers,
 * or 0 for the next string of extra), then tail (NULL: "</posts>\n"). */
static void write_posts(const int *lines, size_t nlines, const char *const *extra, const char *tail)
{
    pv_buf b = PV_BUF_INIT((size_t)1 << 24);
    size_t i, k = 0;
    posts_head(&b);
    for (i = 0; i < nlines; i++)
        add_str(&b, lines[i] ? fixture_line("Posts.xml", lines[i]) : extra[k++]);
    add_str(&b, tail ? tail : "</posts>\n");
    pv_test_put("Posts.xml", b.data, b.len);
    pv_buf__free(&b);
}

/* A dump in the temp folder: the fixture's Users.xml and write_posts(lines, nlines, extra, NULL),
 * read as SITE, strict or not; returns the reader's result. */
static int read_posts(const int *lines, size_t nlines, const char *const *extra, int strict)
{
    copy(SE_DIR "/Users.xml", "Users.xml");
    write_posts(lines, nlines, extra, NULL);
    return run(dir, SITE, strict);
}

/* ---- the real fixtures ---- */

Test(stackexchange, folder_question_text_author_date_license)
{
    const pv_test_doc *d;

    cr_assert_eq(run(SE_DIR, SITE, 0), 0, "%s", err.msg);
    cr_assert_eq(rec.sources, 1);
    cr_assert_str_eq(rec.source_name, "https://" SITE);
    cr_assert_str_eq(rec.source_kind, "stackexchange");
    cr_assert_eq(st.records, 58);
    cr_assert_eq(st.documents, 58);
    cr_assert_eq(rec.n, 58);
    cr_assert_eq(st.bad, 0);
    cr_assert_eq(st.skipped, 0);
    cr_assert_eq(st.bytes_total, 79865);
    cr_assert_eq(st.bytes_in, 79865);

    d = find("https://" SITE "/q/1");
    cr_assert_str_eq(d->kind, "question");
    cr_assert(starts(d->text,
                     "Translation questions \xE2\x80\x94 Questions de traduction\n\n"
                     "I was the originator of the EN/FR translation proposal. I'd like to know "
                     "what our attitude to translation-style questions will be here.\n"
                     "I'd be inclined to have a policy of not accepting one-word questions (like "
                     "on EL&U), unless they are very interesting words."),
              "%s", d->text);
    cr_assert(strstr(d->text, "Je serais enclin \xC3\xA0 refuser les questions portant sur un "
                              "seul mot (comme EL&U), sauf mot exceptionnellement int\xC3\xA9"
                              "ressant."));
    cr_assert_str_eq(d->name, "Benjol");
    cr_assert_str_eq(d->id, "40");
    cr_assert_eq(d->date, 1313612336); /* 2011-08-17T20:18:56.507 UTC */
    cr_assert_str_eq(d->license, "CC-BY-SA-3.0");
}

Test(stackexchange, answer_with_code_block_keeps_lines)
{
    const pv_test_doc *d = fixture_doc("https://" SITE "/a/8");

    cr_assert_str_eq(d->kind, "answer");
    cr_assert(starts(d->text, "Je propose de nous inspirer fortement des \xC3\xA9tiquettes"));
    cr_assert(strstr(d->text, "I suggest that we by and large follow the tags of English Language "
                              "& Usage. The subject matter is difficult to classify"));
    /* the <pre><code> table: one tag per line, its spaces kept */
    cr_assert(strstr(d->text, "\nmeaning               sens\n"
                              "word-choice           choix-de-mot\n"
                              "grammar               grammaire\n"),
              "%s", d->text);
    cr_assert(strstr(d->text, "programming           programmation\n"));
    cr_assert_str_eq(d->name, "Gilles 'SO nous est hostile'");
    cr_assert_str_eq(d->id, "5");
    cr_assert_eq(d->date, 1313613179); /* 2011-08-17T20:32:59.323 */
    cr_assert_str_eq(d->license, "CC-BY-SA-3.0");
}

Test(stackexchange, answer_cc_by_sa_4)
{
    const pv_test_doc *d = fixture_doc("https://" SITE "/a/717");

    cr_assert_str_eq(d->kind, "answer");
    cr_assert(starts(d->text, "J'aurais tendance \xC3\xA0 penser qu'il n'y a pas de "
                              "probl\xC3\xA8me \xC3\xA0 laisser chacun d\xC3\xA9"
                              "cider pour soi-m\xC3\xAAme"));
    cr_assert_str_eq(d->name, "LPH");
    cr_assert_str_eq(d->id, "17649");
    cr_assert_eq(d->date, 1536337728); /* 2018-09-07T16:28:48.327 */
    cr_assert_str_eq(d->license, "CC-BY-SA-4.0");

    d = find("https://" SITE "/a/17"); /* the answer the demo output quotes */
    cr_assert(strstr(d->text, "Tags are not designed to allow a segment of the community to "
                              "simply ignore a large portion of the site. The members of the "
                              "Cooking community once asked me to add mandatory "
                              "[vegetarian][non-vegetarian] tags"));
    cr_assert_str_eq(d->name, "Robert Cartaino");
    cr_assert_str_eq(d->id, "4");
    cr_assert_eq(d->date, 1313616526);
}

Test(stackexchange, deleted_users_keep_their_display_name)
{
    const pv_test_doc *d = fixture_doc("https://" SITE "/q/9");
    /* OwnerDisplayName="user22", no OwnerUserId */
    cr_assert_str_eq(d->kind, "question");
    cr_assert(starts(d->text,
                     "Are questions only about French language, not its usage are allowed?\n\n"
                     "For example, I would like to know how French is perceived"));
    cr_assert_str_eq(d->name, "user22");
    cr_assert_null(d->id);
    cr_assert_eq(d->date, 1313613375);
    d = find("https://" SITE "/a/599");
    cr_assert_str_eq(d->name, "user7580");
    cr_assert_null(d->id);
}

Test(stackexchange, archive_gives_the_folder_documents)
{
    static pv_test_rec a; /* the folder's documents (still kept) while rec holds the archive's */
    pv_reader_stats sa;
    size_t i;

    cr_assert_eq(run(SE_DIR, SITE, 0), 0, "%s", err.msg);
    a = rec;
    sa = st;
    cr_assert_eq(run(SE_7Z, SITE, 0), 0, "%s", err.msg);
    cr_assert_eq(a.n, 58);
    cr_assert_eq(rec.n, a.n);
    cr_assert_eq(st.records, sa.records);
    cr_assert_eq(st.bytes_total, 47884); /* the archive's size */
    cr_assert(st.bytes_in > 0 && st.bytes_in <= st.bytes_total);
    for (i = 0; i < a.n; i++) {
        cr_assert_str_eq(rec.v[i].locator, a.v[i].locator);
        cr_assert_str_eq(rec.v[i].kind, a.v[i].kind);
        cr_assert_eq(rec.v[i].len, a.v[i].len);
        cr_assert(!memcmp(rec.v[i].text, a.v[i].text, a.v[i].len));
        cr_assert_str_eq(rec.v[i].name, a.v[i].name);
        cr_assert_eq(!rec.v[i].id, !a.v[i].id);
        if (a.v[i].id)
            cr_assert_str_eq(rec.v[i].id, a.v[i].id);
        cr_assert_str_eq(rec.v[i].license, a.v[i].license);
        cr_assert_eq(rec.v[i].date, a.v[i].date);
    }
}

Test(stackexchange, site_inferred_from_archive_name)
{
    const pv_test_doc *d;

    copy(SE_7Z, "french.meta.stackexchange.com.7z");
    cr_assert_eq(run(pv_test_path("french.meta.stackexchange.com.7z"), NULL, 0), 0, "%s", err.msg);
    cr_assert_str_eq(rec.source_name, "https://french.meta.stackexchange.com");
    d = find("https://french.meta.stackexchange.com/a/8");
    cr_assert_str_eq(d->name, "Gilles 'SO nous est hostile'");
    cr_assert_eq(rec.ndiag, 0);
}

Test(stackexchange, site_option_may_be_a_url)
{
    static const char *const forms[] = {SITE, "https://" SITE "/", "http://" SITE,
                                        "https://French.Meta.StackExchange.com//"};
    size_t i;
    for (i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        cr_assert_eq(run(SE_DIR, forms[i], 0), 0, "%s: %s", forms[i], err.msg);
        cr_assert_str_eq(rec.source_name, "https://" SITE);
        cr_assert_str_eq(find("https://" SITE "/a/717")->name, "LPH");
        cr_assert_str_eq(find("https://" SITE "/q/1")->kind, "question");
    }
}

Test(stackexchange, site_option_that_is_no_host_is_refused)
{
    static const char *const bad[] = {"https://",
                                      "cooking",
                                      "cooking.stackexchange.com/questions",
                                      "cooking stackexchange.com",
                                      ".com",
                                      "https://a.com/q/1"};
    size_t i;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_eq(run(SE_DIR, bad[i], 0), PV_EINVAL, "%s", bad[i]);
        cr_assert(strstr(err.msg, "--site wants a site's host"), "%s", err.msg);
        cr_assert(strstr(err.msg, bad[i]), "%s", err.msg);
        cr_assert_eq(rec.n, 0);
        cr_assert_eq(rec.sources, 0);
    }
}

/* Issue 9: a folder with no site name used to give https://stackexchange/a/30, which opens
 * nothing; the reader now stops before any document and says to pass --site. */
Test(stackexchange, regression_unknown_site_stops_and_asks_for_site)
{
    cr_assert_eq(run(SE_DIR, NULL, 0), PV_EINVAL);
    cr_assert_str_eq(err.msg, "'" SE_DIR "': cannot tell which Stack Exchange site this dump is "
                              "from; pass --site HOST (e.g. --site cooking.stackexchange.com)");
    cr_assert_eq(rec.n, 0);
    cr_assert_eq(rec.sources, 0);
    cr_assert_eq(st.records, 0);
    cr_assert_eq(run(SE_DIR "/Posts.xml", "", 0), PV_EINVAL); /* an empty --site is none */
    cr_assert(strstr(err.msg, "pass --site HOST"), "%s", err.msg);
    cr_assert_eq(rec.n, 0);
}

Test(stackexchange, site_inferred_from_folder_name)
{
    copy(SE_DIR "/Posts.xml", "cooking.stackexchange.com/Posts.xml");
    copy(SE_DIR "/Users.xml", "cooking.stackexchange.com/Users.xml");
    cr_assert_eq(run(pv_test_path("cooking.stackexchange.com/"), NULL, 0), 0, "%s", err.msg);
    cr_assert_str_eq(rec.source_name, "https://cooking.stackexchange.com");
    cr_assert_eq(rec.n, 58);
    cr_assert_str_eq(rec.v[0].locator, "https://cooking.stackexchange.com/q/1");
    cr_assert_str_eq(find("https://cooking.stackexchange.com/a/717")->kind, "answer");
    /* the Posts.xml file names its folder's site too */
    cr_assert_eq(run(pv_test_path("cooking.stackexchange.com/Posts.xml"), NULL, 0), 0, "%s",
                 err.msg);
    cr_assert_str_eq(rec.v[0].locator, "https://cooking.stackexchange.com/q/1");
    /* --site wins over the name */
    cr_assert_eq(run(pv_test_path("cooking.stackexchange.com"), SITE, 0), 0, "%s", err.msg);
    cr_assert_str_eq(rec.v[0].locator, "https://" SITE "/q/1");
}

Test(stackexchange, split_dump_name_gives_the_site)
{
    copy(SE_7Z, "stackoverflow.com-Posts.7z");
    cr_assert_eq(run(pv_test_path("stackoverflow.com-Posts.7z"), NULL, 0), 0, "%s", err.msg);
    cr_assert_str_eq(rec.source_name, "https://stackoverflow.com");
    cr_assert_str_eq(find("https://stackoverflow.com/a/8")->kind, "answer");
    cr_assert_str_eq(find("https://stackoverflow.com/q/1")->kind, "question");
}

Test(stackexchange, posts_file_path_finds_its_siblings)
{
    cr_assert_eq(run(SE_DIR "/Posts.xml", SITE, 0), 0, "%s", err.msg);
    cr_assert_eq(rec.n, 58);
    cr_assert_str_eq(find("https://" SITE "/a/12")->name, "Gilles 'SO nous est hostile'");
}

/* The real PostHistory names Jez (8) as the first author of answer 7; a Posts.xml where the
 * answer has since passed to the Community user (-1) must still credit Jez. */
Test(stackexchange, post_history_names_the_original_author)
{
    const pv_test_doc *d;
    char *line = fixture_line("Posts.xml", 8); /* answer 7 */
    char *row = replace(line, "OwnerUserId=\"8\"", "OwnerUserId=\"-1\"");
    const char *extra[1];
    int lines[] = {3, 0};

    extra[0] = row;
    /* without PostHistory: the owner */
    cr_assert_eq(read_posts(lines, 2, extra, 0), 0, "%s", err.msg);
    d = find("https://" SITE "/a/7");
    cr_assert_str_eq(d->name, "Community");
    cr_assert_str_eq(d->id, "-1");

    /* with it: the first revision's author */
    copy(SE_DIR "/PostHistory.xml", "PostHistory.xml");
    cr_assert_eq(run(dir, SITE, 0), 0, "%s", err.msg);
    cr_assert_eq(rec.n, 2);
    d = find("https://" SITE "/a/7");
    cr_assert_str_eq(d->name, "Jez");
    cr_assert_str_eq(d->id, "8");
    cr_assert(starts(d->text, "I agree that it would be great to allow some subset of "
                              "translation questions."),
              "%s", d->text);
    cr_assert_str_eq(find("https://" SITE "/q/1")->name, "Benjol");
}

Test(stackexchange, history_user_display_name_for_deleted_author)
{
    const pv_test_doc *d;
    int lines[] = {3};
    const char *hist = "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<posthistory>\n"
                       "  <row Id=\"2\" PostHistoryTypeId=\"1\" PostId=\"1\" "
                       "CreationDate=\"2011-08-17T20:18:56.507\" UserDisplayName=\"user40\" "
                       "Text=\"Translation questions\" />\n</posthistory>\n";

    copy(SE_DIR "/Users.xml", "Users.xml");
    write_posts(lines, 1, NULL, NULL);
    pv_test_put("PostHistory.xml", hist, strlen(hist));
    cr_assert_eq(run(dir, SITE, 0), 0, "%s", err.msg);
    d = find("https://" SITE "/q/1");
    cr_assert_str_eq(d->name, "user40");
    cr_assert_null(d->id);
}

Test(stackexchange, without_users_xml_ids_and_display_names_remain)
{
    int lines[] = {3, 10};

    write_posts(lines, 2, NULL, NULL);
    cr_assert_eq(run(dir, SITE, 0), 0, "%s", err.msg);
    cr_assert_eq(rec.n, 2);
    cr_assert_null(rec.v[0].name);
    cr_assert_str_eq(rec.v[0].id, "40");
    cr_assert_str_eq(rec.v[1].name, "user22");
    cr_assert(has_diag("no Users.xml"));
}

Test(stackexchange, sniff)
{
    size_t n;
    char *p = pv_test_read_file(SE_DIR "/Posts.xml", &n), *u;
    cr_assert_eq(pv_stackexchange__sniff(p, n < 4096 ? n : 4096), 1);
    cr_assert_eq(pv_stackexchange__sniff(p + 3, 200), 1); /* without its BOM */
    u = pv_test_read_file(SE_DIR "/Users.xml", &n);
    cr_assert_eq(pv_stackexchange__sniff(u, 4096), 0);
    cr_assert_eq(pv_stackexchange__sniff("<?xml version=\"1.0\"?>\n<rss>", 27), 0);
    cr_assert_eq(pv_stackexchange__sniff("{\"id\": 1}", 9), 0);
    cr_assert_eq(pv_stackexchange__sniff("", 0), 0);
    free(p);
    free(u);
}

/* ---- rules and bad input ---- */

Test(stackexchange, other_post_types_are_skipped_and_counted)
{
    int lines[] = {3, 0, 0, 4};
    const char *extra[] = {
        "  <row Id=\"900\" PostTypeId=\"4\" CreationDate=\"2012-01-01T00:00:00.000\" "
        "Body=\"&lt;p&gt;tag excerpt&lt;/p&gt;\" ContentLicense=\"CC BY-SA 3.0\" />\n",
        "  <row Id=\"901\" PostTypeId=\"2\" ParentId=\"1\" "
        "CreationDate=\"2012-01-01T00:00:00.000\" "
        "Body=\"\" OwnerUserId=\"5\" ContentLicense=\"CC BY-SA 3.0\" />\n"};

    cr_assert_eq(read_posts(lines, 4, extra, 0), 0, "%s", err.msg);
    cr_assert_eq(st.records, 4);
    cr_assert_eq(st.documents, 2);
    cr_assert_eq(st.skipped, 2);
    cr_assert_eq(st.skipped_empty, 1);
    cr_assert_eq(st.bad, 0);
}

Test(stackexchange, bad_rows_are_skipped_with_file_and_line)
{
    int lines[] = {3, 0, 0, 0, 4};
    const char *extra[] = {
        "  <row Id=\"x1\" PostTypeId=\"1\" Title=\"t\" Body=\"b\" />\n",
        "  <row Id=\"902\" PostTypeId=\"2\" CreationDate=\"yesterday\" Body=\"b\" />\n",
        "  <row Id=\"903\" PostTypeId=\"2\" OwnerUserId=\"5a\" Body=\"b\" />\n"};

    cr_assert_eq(read_posts(lines, 5, extra, 0), 0, "%s", err.msg);
    cr_assert_eq(st.records, 5);
    cr_assert_eq(st.documents, 2);
    cr_assert_eq(st.bad, 3);
    cr_assert_str_eq(rec.v[1].locator, "https://" SITE "/q/2");
    cr_assert(has_diag("/Posts.xml: line 4: bad Id 'x1'"), "%s", rec.diag[0]);
    cr_assert(has_diag("/Posts.xml: line 5: post 902: bad CreationDate 'yesterday'"));
    cr_assert(has_diag("/Posts.xml: line 6: post 903: bad OwnerUserId '5a'"));
}

Test(stackexchange, strict_stops_at_the_first_bad_row)
{
    int lines[] = {3, 0, 4};
    const char *extra[] = {"  <row PostTypeId=\"1\" Title=\"t\" Body=\"b\" />\n"};

    cr_assert_eq(read_posts(lines, 3, extra, 1), PV_EFORMAT);
    cr_assert(strstr(err.msg, "/Posts.xml: line 4: row without an Id"), "%s", err.msg);
    cr_assert_eq(rec.n, 1); /* the row before it was handed on */
    cr_assert_eq(st.bad, 1);
}

Test(stackexchange, broken_row_is_a_bad_row_and_reading_goes_on)
{
    int lines[] = {3, 4, 0, 5};
    const char *extra[] = {"  <row Id=\"950\" PostTypeId=\"2\" Body=\"a\" <oops\n"};

    cr_assert_eq(read_posts(lines, 4, extra, 0), 0, "%s", err.msg);
    cr_assert_eq(st.bad, 1);
    cr_assert(has_diag("/Posts.xml: line 5, column 41: not well-formed (invalid token); skipped "
                       "line 5, reading goes on at line 6"),
              "%s", rec.diag[0]);
    cr_assert_eq(rec.n, 3);
    cr_assert_str_eq(rec.v[1].locator, "https://" SITE "/q/2");

    /* strict: the broken row is the error */
    cr_assert_eq(read_posts(lines, 4, extra, 1), PV_EFORMAT);
    cr_assert(strstr(err.msg, "/Posts.xml: line 5, column 41: not well-formed"), "%s", err.msg);

    /* a file cut inside a row: that row is bad, the rows before it are kept */
    memset(&rec, 0, sizeof rec);
    memset(&st, 0, sizeof st);
    write_posts(lines, 2, NULL, "  <row Id=\"951\" PostTypeId=\"1\" Bo");
    cr_assert_eq(run(dir, SITE, 0), 0, "%s", err.msg);
    cr_assert(has_diag("/Posts.xml: line 5, column"), "%s", rec.diag[0]);
    cr_assert_eq(st.bad, 1);
    cr_assert_eq(rec.n, 2);
}

Test(stackexchange, broken_users_xml_is_an_error_before_any_post)
{
    int lines[] = {3};
    const char *users = "<users>\n  <row Id=\"40\" DisplayName=\"Benjol\" />\n  <row Id=\"41\"\n";

    pv_test_put("Users.xml", users, strlen(users));
    write_posts(lines, 1, NULL, NULL);
    cr_assert_eq(run(dir, SITE, 0), PV_EFORMAT);
    cr_assert(strstr(err.msg, "/Users.xml: line 3, column 3: unclosed token"), "%s", err.msg);
    cr_assert_eq(rec.n, 0);
}

Test(stackexchange, invalid_utf8_nul_and_surrogates_become_replacement_characters)
{
    /* Latin-1 bytes, a lone UTF-16 surrogate, a control character and a NUL byte */
    static const char row1[] =
        "  <row Id=\"960\" PostTypeId=\"2\" "
        "CreationDate=\"2011-08-17T20:18:56.507\" "
        "Body=\"&lt;p&gt;caf\xE9 \xFF\xFE ok&lt;/p&gt;\" OwnerUserId=\"40\" />\n";
    static const char row2[] = "  <row Id=\"961\" PostTypeId=\"2\" Body=\"&lt;p&gt;a\x01"
                               "b\x00"
                               "c \xED\xA0\x80 d&lt;/p&gt;\" OwnerUserId=\"40\" />\n";
    pv_buf b = PV_BUF_INIT((size_t)1 << 24);

    /* written by hand: the second row holds a NUL byte */
    posts_head(&b);
    add_str(&b, row1);
    add(&b, row2, sizeof row2 - 1);
    add_str(&b, fixture_line("Posts.xml", 3));
    add_str(&b, "</posts>\n");
    pv_test_put("Posts.xml", b.data, b.len);
    pv_buf__free(&b);
    copy(SE_DIR "/Users.xml", "Users.xml");

    cr_assert_eq(run(dir, SITE, 0), 0, "%s", err.msg);
    cr_assert_eq(st.bad, 0);
    cr_assert_eq(rec.n, 3);
    cr_assert_str_eq(rec.v[0].text, "caf\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD ok\n");
    cr_assert_str_eq(rec.v[0].name, "Benjol");
    cr_assert_str_eq(rec.v[1].text, "a\xEF\xBF\xBD"
                                    "b\xEF\xBF\xBD"
                                    "c \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD d\n");
    cr_assert_str_eq(rec.v[2].locator, "https://" SITE "/q/1");
}

Test(stackexchange, max_doc_size_skips_large_posts)
{
    pv_reader_opts o;

    memset(&o, 0, sizeof o);
    o.site = SITE;
    o.max_doc_size = 1000;
    cr_assert_eq(read_opts(SE_DIR, &o), 0, "%s", err.msg);
    cr_assert_eq(st.records, 58);
    cr_assert(st.skipped_large > 0);
    cr_assert_eq(st.documents + st.skipped_large, 58);
    cr_assert_eq(st.skipped, st.skipped_large);
}

Test(stackexchange, sink_error_stops_the_reader)
{
    fail_after = 3;
    cr_assert_eq(run(SE_DIR, SITE, 0), PV_EIO);
    cr_assert_eq(rec.n, 3);
    cr_assert_eq(st.documents, 3);
    cr_assert(strstr(err.msg, "Posts.xml: line 6: the sink stopped at post 4"), "%s", err.msg);
}

Test(stackexchange, truncated_archive_names_archive_and_offset)
{
    size_t n;
    char *p = pv_test_read_file(SE_7Z, &n);

    pv_test_put("cut.7z", p, 30000);
    cr_assert_eq(run(pv_test_path("cut.7z"), SITE, 0), PV_EFORMAT);
    cr_assert(strstr(err.msg, "/cut.7z': truncated or corrupt archive at offset "), "%s", err.msg);
    cr_assert(strstr(err.msg, "of 30000 bytes"), "%s", err.msg);
    cr_assert_eq(rec.n, 0);

    /* damage inside the compressed data */
    p[20000] ^= 0xFF;
    pv_test_put("bad.7z", p, n);
    cr_assert_eq(run(pv_test_path("bad.7z"), SITE, 0), PV_EFORMAT);
    cr_assert(strstr(err.msg, "/bad.7z': truncated or corrupt archive at offset "), "%s", err.msg);
    free(p);
}

Test(stackexchange, missing_posts_is_an_error)
{
    copy(SE_DIR "/Users.xml", "Users.xml");
    cr_assert_eq(run(dir, SITE, 0), PV_EFORMAT);
    cr_assert(strstr(err.msg, "no Posts.xml"), "%s", err.msg);
    cr_assert_eq(run("/nonexistent/dump", SITE, 0), PV_EIO);
}

static size_t deferred; /* documents whose body came as HTML */

/* A sink that turns deferred HTML into text as the build's workers do, then records
 * the whole document. */
static int on_doc_deferred(void *ctx, const pv_doc_in *d)
{
    pv_buf text = PV_BUF_INIT(SIZE_MAX / 2);
    pv_doc_in whole = *d;
    pv_err herr;
    int rc;
    cr_assert_null(d->runs);
    cr_assert_eq(pv_buf__append(&text, d->text, d->len), 0);
    deferred += d->html != NULL;
    if (d->html)
        cr_assert_eq(pv_html__to_text(d->html, d->html_len, &text, NULL, &herr), 0, "%s", herr.msg);
    whole.text = text.data ? text.data : "";
    whole.len = text.len;
    whole.html = NULL;
    whole.html_len = 0;
    rc = pv_test_rec_doc(ctx, &whole);
    pv_buf__free(&text);
    return rc;
}

/* With defer_html the bodies come as HTML after the title, and the text they give is the
 * text the reader gives without it, document for document. */
Test(stackexchange, deferred_html_gives_the_same_documents)
{
    pv_test_rec plain;
    pv_reader_opts o;
    pv_sink sink = pv_test_rec_sink(&rec);
    size_t i;

    cr_assert_eq(run(SE_DIR, SITE, 0), 0, "%s", err.msg);
    plain = rec;
    memset(&rec, 0, sizeof rec);
    memset(&st, 0, sizeof st);
    memset(&o, 0, sizeof o);
    o.site = SITE;
    o.defer_html = 1;
    sink.doc = on_doc_deferred;
    cr_assert_eq(pv_stackexchange__read(SE_DIR, &o, &sink, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(rec.n, plain.n);
    for (i = 0; i < rec.n; i++) {
        cr_assert_str_eq(rec.v[i].locator, plain.v[i].locator);
        cr_assert_eq(rec.v[i].len, plain.v[i].len, "%s", rec.v[i].locator);
        cr_assert_eq(memcmp(rec.v[i].text, plain.v[i].text, rec.v[i].len), 0, "%s",
                     rec.v[i].locator);
    }
    cr_assert_eq(deferred, rec.n); /* every post of the fixture has a body */
}

/* One unclosed <row costs that row, not the 49 good rows after it. */
Test(stackexchange, regression_unclosed_row_loses_only_itself)
{
    int lines[51], i;
    const char *extra[] = {
        "  <row Id=\"949\" PostTypeId=\"1\" Title=\"lost\" Body=\"left open\"\n"};
    size_t good;

    lines[0] = 3;
    for (i = 0; i < 49; i++)
        lines[i + 2] = 4 + i;
    /* the same rows without the broken one */
    lines[1] = 3;
    cr_assert_eq(read_posts(lines + 1, 50, extra, 0), 0, "%s", err.msg);
    good = rec.n;
    cr_assert_gt(good, 40);
    memset(&rec, 0, sizeof rec);
    memset(&st, 0, sizeof st);
    lines[1] = 0;
    cr_assert_eq(read_posts(lines, 51, extra, 0), 0, "%s", err.msg);
    cr_assert_eq(rec.n, good, "%zu of %zu documents", rec.n, good);
    cr_assert_eq(st.bad, 1);
    cr_assert_eq(rec.ndiag, 1);
    cr_assert(has_diag("/Posts.xml: line 5, column 3: not well-formed (invalid token); skipped "
                       "line 4, reading goes on at line 5"),
              "%s", rec.diag[0]);
}

/* Invalid UTF-8 in Posts.xml is replaced by U+FFFD, counted, and the first place named once
 * per file. */
Test(stackexchange, regression_invalid_utf8_is_counted_and_named_once_per_file)
{
    int lines[] = {3, 0, 0, 4};
    const char *extra[] = {
        "  <row Id=\"960\" PostTypeId=\"1\" CreationDate=\"2011-08-17T20:18:56.507\" "
        "Title=\"caf\xE9\" Body=\"&lt;p&gt;bad \xFF\xFE bytes here&lt;/p&gt;\" />\n",
        "  <row Id=\"961\" PostTypeId=\"1\" CreationDate=\"2011-08-17T20:18:56.507\" "
        "Title=\"t\" Body=\"&lt;p&gt;one more \xC3 here&lt;/p&gt;\" />\n"};
    size_t i;
    int found = 0;

    cr_assert_eq(read_posts(lines, 4, extra, 0), 0, "%s", err.msg);
    cr_assert_eq(st.bad, 0);
    for (i = 0; i < rec.n; i++)
        if (strstr(rec.v[i].locator, "/q/960")) {
            cr_assert(strstr(rec.v[i].text, "bad \xEF\xBF\xBD\xEF\xBF\xBD bytes here") != NULL,
                      "%s", rec.v[i].text);
            found = 1;
        }
    cr_assert(found);
    cr_assert_eq(rec.ndiag, 1, "%zu diagnostics", rec.ndiag);
    cr_assert(has_diag("/Posts.xml: line 4: invalid UTF-8 replaced by U+FFFD (4 in this file)"),
              "%s", rec.diag[0]);
    cr_assert_eq(st.replaced, 4); /* for the run's summary */
}
