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
#include <unistd.h>

#include "source.h"

#define SE_DIR "fixtures/stackexchange"
#define SE_7Z "fixtures/stackexchange/french.meta.subset.7z"
#define SITE "french.meta.stackexchange.com"

/* ---- a sink that records what it gets ---- */

typedef struct rec_doc {
    char *text, *kind, *locator, *license, *name, *id;
    size_t len;
    int64_t date;
} rec_doc;

typedef struct rec {
    rec_doc *v;
    size_t n, cap;
    char *source_name, *source_kind;
    int nsource;
    int fail_after; /* the doc callback fails once this many were recorded; 0 = never */
    char diag[64][512];
    int ndiag;
} rec;

static char *dup_or_null(const char *s)
{
    char *d;
    if (!s)
        return NULL;
    d = strdup(s);
    cr_assert_not_null(d);
    return d;
}

static int on_source(void *ctx, const char *name, const char *kind)
{
    rec *r = ctx;
    r->nsource++;
    free(r->source_name);
    free(r->source_kind);
    r->source_name = dup_or_null(name);
    r->source_kind = dup_or_null(kind);
    return 0;
}

static int on_doc(void *ctx, const pv_doc_in *d)
{
    rec *r = ctx;
    rec_doc *x;
    if (r->fail_after && r->n == (size_t)r->fail_after)
        return PV_EIO;
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 64;
        r->v = realloc(r->v, r->cap * sizeof *r->v);
        cr_assert_not_null(r->v);
    }
    cr_assert_not_null(d->locator);
    cr_assert_null(d->runs);
    x = &r->v[r->n++];
    x->text = malloc(d->len + 1);
    cr_assert_not_null(x->text);
    memcpy(x->text, d->text, d->len);
    x->text[d->len] = '\0';
    x->len = d->len;
    x->kind = dup_or_null(d->kind);
    x->locator = dup_or_null(d->locator);
    x->license = dup_or_null(d->license);
    x->name = dup_or_null(d->origin.author.name);
    x->id = dup_or_null(d->origin.author.id);
    x->date = d->origin.date;
    return 0;
}

static void on_diag(void *ctx, pv_severity sev, const char *msg)
{
    rec *r = ctx;
    (void)sev;
    if (r->ndiag < 64)
        snprintf(r->diag[r->ndiag++], sizeof r->diag[0], "%s", msg);
}

static void rec_free(rec *r)
{
    size_t i;
    for (i = 0; i < r->n; i++) {
        free(r->v[i].text);
        free(r->v[i].kind);
        free(r->v[i].locator);
        free(r->v[i].license);
        free(r->v[i].name);
        free(r->v[i].id);
    }
    free(r->v);
    free(r->source_name);
    free(r->source_kind);
    memset(r, 0, sizeof *r);
}

/* Read path with site (NULL to infer) and strict; returns the reader's result. */
static int run(const char *path, const char *site, int strict, rec *r, pv_reader_stats *st,
               pv_err *err)
{
    pv_reader_opts o;
    pv_sink sink;
    memset(&o, 0, sizeof o);
    memset(st, 0, sizeof *st);
    memset(err, 0, sizeof *err);
    o.site = site;
    o.strict = strict;
    o.diag = on_diag;
    o.ctx = r;
    sink.source = on_source;
    sink.origin = NULL;
    sink.doc = on_doc;
    sink.ctx = r;
    return pv_stackexchange__read(path, &o, &sink, st, err);
}

static int starts(const char *text, const char *prefix)
{
    return !strncmp(text, prefix, strlen(prefix));
}

/* s with its first from replaced by to, malloc'ed. */
static char *replace(const char *s, const char *from, const char *to)
{
    const char *p = strstr(s, from);
    char *out;
    cr_assert_not_null(p, "no '%s' in '%.80s'", from, s);
    out = malloc(strlen(s) - strlen(from) + strlen(to) + 1);
    cr_assert_not_null(out);
    sprintf(out, "%.*s%s%s", (int)(p - s), s, to, p + strlen(from));
    return out;
}

static const rec_doc *find(const rec *r, const char *locator)
{
    size_t i;
    for (i = 0; i < r->n; i++)
        if (!strcmp(r->v[i].locator, locator))
            return &r->v[i];
    cr_assert_fail("no document %s among %zu", locator, r->n);
    return NULL;
}

static int has_diag(const rec *r, const char *part)
{
    int i;
    for (i = 0; i < r->ndiag; i++)
        if (strstr(r->diag[i], part))
            return 1;
    return 0;
}

/* ---- temp folders with derived dumps ---- */

static char dir[64];

static void make_dir(void)
{
    strcpy(dir, "/tmp/pv_se_XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void)
{
    char cmd[128];
    if (dir[0]) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        cr_assert_eq(system(cmd), 0);
    }
}

TestSuite(stackexchange, .init = make_dir, .fini = remove_dir);

static const char *at(const char *name)
{
    static char buf[4][256];
    static int next;
    char *p = buf[next++ % 4];
    snprintf(p, 256, "%s/%s", dir, name);
    return p;
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    char *p;
    long sz;
    cr_assert_not_null(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    p = malloc((size_t)sz + 1);
    cr_assert_not_null(p);
    cr_assert_eq(fread(p, 1, (size_t)sz, f), (size_t)sz);
    p[sz] = '\0';
    fclose(f);
    *n = (size_t)sz;
    return p;
}

static void put(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(data, 1, n, f), n);
    cr_assert_eq(fclose(f), 0);
}

static void copy(const char *from, const char *to)
{
    size_t n;
    char *p = slurp(from, &n);
    put(to, p, n);
    free(p);
}

/* Line no (1-based) of the fixture file name, with its "\n". */
static char *fixture_line(const char *name, int no)
{
    char path[256], *all, *s, *e, *line;
    size_t n;
    int i;
    snprintf(path, sizeof path, SE_DIR "/%s", name);
    all = slurp(path, &n);
    for (s = all, i = 1; i < no; i++) {
        s = strchr(s, '\n');
        cr_assert_not_null(s);
        s++;
    }
    e = strchr(s, '\n');
    cr_assert_not_null(e);
    line = strndup(s, (size_t)(e - s + 1));
    cr_assert_not_null(line);
    free(all);
    return line;
}

/* A Posts.xml in the temp folder: the fixture's header (BOM, declaration, <posts>), the
 * given rows (fixture line numbers, or 0 for the next string of extra), then </posts>. */
static void write_posts(const char *name, const int *lines, size_t nlines, const char *const *extra,
                        const char *tail)
{
    char *h1 = fixture_line("Posts.xml", 1), *h2 = fixture_line("Posts.xml", 2);
    FILE *f = fopen(at(name), "wb");
    size_t i, k = 0;
    cr_assert_not_null(f);
    fputs(h1, f);
    fputs(h2, f);
    for (i = 0; i < nlines; i++) {
        if (lines[i]) {
            char *l = fixture_line("Posts.xml", lines[i]);
            fputs(l, f);
            free(l);
        } else {
            fputs(extra[k++], f);
        }
    }
    fputs(tail ? tail : "</posts>\n", f);
    cr_assert_eq(fclose(f), 0);
    free(h1);
    free(h2);
}

/* ---- the real fixtures ---- */

Test(stackexchange, folder_question_text_author_date_license)
{
    rec r = {0};
    pv_reader_stats st;
    pv_err err;
    const rec_doc *d;

    cr_assert_eq(run(SE_DIR, SITE, 0, &r, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(r.nsource, 1);
    cr_assert_str_eq(r.source_name, "https://" SITE);
    cr_assert_str_eq(r.source_kind, "stackexchange");
    cr_assert_eq(st.records, 58);
    cr_assert_eq(st.documents, 58);
    cr_assert_eq(r.n, 58);
    cr_assert_eq(st.bad, 0);
    cr_assert_eq(st.skipped, 0);
    cr_assert_eq(st.bytes_total, 79865);
    cr_assert_eq(st.bytes_in, 79865);

    d = find(&r, "https://" SITE "/q/1");
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
    rec_free(&r);
}

Test(stackexchange, answer_with_code_block_keeps_lines)
{
    rec r = {0};
    pv_reader_stats st;
    pv_err err;
    const rec_doc *d;

    cr_assert_eq(run(SE_DIR, SITE, 0, &r, &st, &err), 0, "%s", err.msg);
    d = find(&r, "https://" SITE "/a/8");
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
    rec_free(&r);
}

Test(stackexchange, answer_cc_by_sa_4)
{
    rec r = {0};
    pv_reader_stats st;
    pv_err err;
    const rec_doc *d;

    cr_assert_eq(run(SE_DIR, SITE, 0, &r, &st, &err), 0, "%s", err.msg);
    d = find(&r, "https://" SITE "/a/717");
    cr_assert_str_eq(d->kind, "answer");
    cr_assert(starts(d->text, "J'aurais tendance \xC3\xA0 penser qu'il n'y a pas de "
                              "probl\xC3\xA8me \xC3\xA0 laisser chacun d\xC3\xA9"
                              "cider pour soi-m\xC3\xAAme"));
    cr_assert_str_eq(d->name, "LPH");
    cr_assert_str_eq(d->id, "17649");
    cr_assert_eq(d->date, 1536337728); /* 2018-09-07T16:28:48.327 */
    cr_assert_str_eq(d->license, "CC-BY-SA-4.0");

    d = find(&r, "https://" SITE "/a/17"); /* the answer the demo output quotes */
    cr_assert(strstr(d->text, "Tags are not designed to allow a segment of the community to "
                              "simply ignore a large portion of the site. The members of the "
                              "Cooking community once asked me to add mandatory "
                              "[vegetarian][non-vegetarian] tags"));
    cr_assert_str_eq(d->name, "Robert Cartaino");
    cr_assert_str_eq(d->id, "4");
    cr_assert_eq(d->date, 1313616526);
    rec_free(&r);
}

Test(stackexchange, deleted_users_keep_their_display_name)
{
    rec r = {0};
    pv_reader_stats st;
    pv_err err;
    const rec_doc *d;

    cr_assert_eq(run(SE_DIR, SITE, 0, &r, &st, &err), 0, "%s", err.msg);
    d = find(&r, "https://" SITE "/q/9"); /* OwnerDisplayName="user22", no OwnerUserId */
    cr_assert_str_eq(d->kind, "question");
    cr_assert(starts(d->text,
                     "Are questions only about French language, not its usage are allowed?\n\n"
                     "For example, I would like to know how French is perceived"));
    cr_assert_str_eq(d->name, "user22");
    cr_assert_null(d->id);
    cr_assert_eq(d->date, 1313613375);
    d = find(&r, "https://" SITE "/a/599");
    cr_assert_str_eq(d->name, "user7580");
    cr_assert_null(d->id);
    rec_free(&r);
}

Test(stackexchange, archive_gives_the_folder_documents)
{
    rec a = {0}, b = {0};
    pv_reader_stats sa, sb;
    pv_err err;
    size_t i;

    cr_assert_eq(run(SE_DIR, SITE, 0, &a, &sa, &err), 0, "%s", err.msg);
    cr_assert_eq(run(SE_7Z, SITE, 0, &b, &sb, &err), 0, "%s", err.msg);
    cr_assert_eq(a.n, 58);
    cr_assert_eq(b.n, a.n);
    cr_assert_eq(sb.records, sa.records);
    cr_assert_eq(sb.bytes_total, 47884); /* the archive's size */
    cr_assert(sb.bytes_in > 0 && sb.bytes_in <= sb.bytes_total);
    for (i = 0; i < a.n; i++) {
        cr_assert_str_eq(b.v[i].locator, a.v[i].locator);
        cr_assert_str_eq(b.v[i].kind, a.v[i].kind);
        cr_assert_eq(b.v[i].len, a.v[i].len);
        cr_assert(!memcmp(b.v[i].text, a.v[i].text, a.v[i].len));
        cr_assert_str_eq(b.v[i].name, a.v[i].name);
        cr_assert_eq(!b.v[i].id, !a.v[i].id);
        if (a.v[i].id)
            cr_assert_str_eq(b.v[i].id, a.v[i].id);
        cr_assert_str_eq(b.v[i].license, a.v[i].license);
        cr_assert_eq(b.v[i].date, a.v[i].date);
    }
    rec_free(&a);
    rec_free(&b);
}

Test(stackexchange, site_inferred_from_archive_name)
{
    rec r = {0};
    pv_reader_stats st;
    pv_err err;
    const rec_doc *d;

    copy(SE_7Z, at("french.meta.stackexchange.com.7z"));
    cr_assert_eq(run(at("french.meta.stackexchange.com.7z"), NULL, 0, &r, &st, &err), 0, "%s",
                 err.msg);
    cr_assert_str_eq(r.source_name, "https://french.meta.stackexchange.com");
    d = find(&r, "https://french.meta.stackexchange.com/a/8");
    cr_assert_str_eq(d->name, "Gilles 'SO nous est hostile'");
    cr_assert_eq(r.ndiag, 0);
    rec_free(&r);
}

Test(stackexchange, site_option_may_be_a_url)
{
    rec r = {0};
    pv_reader_stats st;
    pv_err err;
    cr_assert_eq(run(SE_DIR, "https://" SITE "/", 0, &r, &st, &err), 0, "%s", err.msg);
    cr_assert_str_eq(r.source_name, "https://" SITE);
    cr_assert_str_eq(find(&r, "https://" SITE "/a/717")->name, "LPH");
    rec_free(&r);
}

Test(stackexchange, unknown_site_is_said_once)
{
    rec r = {0};
    pv_reader_stats st;
    pv_err err;

    cr_assert_eq(run(SE_DIR, NULL, 0, &r, &st, &err), 0, "%s", err.msg);
    cr_assert_str_eq(r.source_name, "https://stackexchange");
    cr_assert_str_eq(find(&r, "https://stackexchange/q/1")->kind, "question");
    cr_assert_eq(r.ndiag, 1);
    cr_assert(has_diag(&r, "the site is not known"));
    rec_free(&r);
}

Test(stackexchange, posts_file_path_finds_its_siblings)
{
    rec r = {0};
    pv_reader_stats st;
    pv_err err;
    cr_assert_eq(run(SE_DIR "/Posts.xml", SITE, 0, &r, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(r.n, 58);
    cr_assert_str_eq(find(&r, "https://" SITE "/a/12")->name, "Gilles 'SO nous est hostile'");
    rec_free(&r);
}

/* The real PostHistory names Jez (8) as the first author of answer 7; a Posts.xml where the
 * answer has since passed to the Community user (-1) must still credit Jez. */
Test(stackexchange, post_history_names_the_original_author)
{
    rec r = {0};
    pv_reader_stats st;
    pv_err err;
    const rec_doc *d;
    char *line = fixture_line("Posts.xml", 8); /* answer 7 */
    char *row = replace(line, "OwnerUserId=\"8\"", "OwnerUserId=\"-1\"");
    const char *extra[1];
    int lines[] = {3, 0};

    extra[0] = row;
    copy(SE_DIR "/Users.xml", at("Users.xml"));
    write_posts("Posts.xml", lines, 2, extra, NULL);

    /* without PostHistory: the owner */
    cr_assert_eq(run(dir, SITE, 0, &r, &st, &err), 0, "%s", err.msg);
    d = find(&r, "https://" SITE "/a/7");
    cr_assert_str_eq(d->name, "Community");
    cr_assert_str_eq(d->id, "-1");
    rec_free(&r);

    /* with it: the first revision's author */
    copy(SE_DIR "/PostHistory.xml", at("PostHistory.xml"));
    cr_assert_eq(run(dir, SITE, 0, &r, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(r.n, 2);
    d = find(&r, "https://" SITE "/a/7");
    cr_assert_str_eq(d->name, "Jez");
    cr_assert_str_eq(d->id, "8");
    cr_assert(starts(d->text, "I agree that it would be great to allow some subset of "
                              "translation questions."),
              "%s", d->text);
    cr_assert_str_eq(find(&r, "https://" SITE "/q/1")->name, "Benjol");
    free(line);
    free(row);
    rec_free(&r);
}

Test(stackexchange, history_user_display_name_for_deleted_author)
{
    rec r = {0};
    pv_reader_stats st;
    pv_err err;
    const rec_doc *d;
    int lines[] = {3};
    const char *hist = "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<posthistory>\n"
                       "  <row Id=\"2\" PostHistoryTypeId=\"1\" PostId=\"1\" "
                       "CreationDate=\"2011-08-17T20:18:56.507\" UserDisplayName=\"user40\" "
                       "Text=\"Translation questions\" />\n</posthistory>\n";

    copy(SE_DIR "/Users.xml", at("Users.xml"));
    write_posts("Posts.xml", lines, 1, NULL, NULL);
    put(at("PostHistory.xml"), hist, strlen(hist));
    cr_assert_eq(run(dir, SITE, 0, &r, &st, &err), 0, "%s", err.msg);
    d = find(&r, "https://" SITE "/q/1");
    cr_assert_str_eq(d->name, "user40");
    cr_assert_null(d->id);
    rec_free(&r);
}

Test(stackexchange, without_users_xml_ids_and_display_names_remain)
{
    rec r = {0};
    pv_reader_stats st;
    pv_err err;
    int lines[] = {3, 10};

    write_posts("Posts.xml", lines, 2, NULL, NULL);
    cr_assert_eq(run(dir, SITE, 0, &r, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(r.n, 2);
    cr_assert_null(r.v[0].name);
    cr_assert_str_eq(r.v[0].id, "40");
    cr_assert_str_eq(r.v[1].name, "user22");
    cr_assert(has_diag(&r, "no Users.xml"));
    rec_free(&r);
}

Test(stackexchange, sniff)
{
    size_t n;
    char *p = slurp(SE_DIR "/Posts.xml", &n), *u;
    cr_assert_eq(pv_stackexchange__sniff(p, n < 4096 ? n : 4096), 1);
    cr_assert_eq(pv_stackexchange__sniff(p + 3, 200), 1); /* without its BOM */
    u = slurp(SE_DIR "/Users.xml", &n);
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
    rec r = {0};
    pv_reader_stats st;
    pv_err err;
    int lines[] = {3, 0, 0, 4};
    const char *extra[] = {
        "  <row Id=\"900\" PostTypeId=\"4\" CreationDate=\"2012-01-01T00:00:00.000\" "
        "Body=\"&lt;p&gt;tag excerpt&lt;/p&gt;\" ContentLicense=\"CC BY-SA 3.0\" />\n",
        "  <row Id=\"901\" PostTypeId=\"2\" ParentId=\"1\" "
        "CreationDate=\"2012-01-01T00:00:00.000\" "
        "Body=\"\" OwnerUserId=\"5\" ContentLicense=\"CC BY-SA 3.0\" />\n"};

    copy(SE_DIR "/Users.xml", at("Users.xml"));
    write_posts("Posts.xml", lines, 4, extra, NULL);
    cr_assert_eq(run(dir, SITE, 0, &r, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.records, 4);
    cr_assert_eq(st.documents, 2);
    cr_assert_eq(st.skipped, 2);
    cr_assert_eq(st.skipped_empty, 1);
    cr_assert_eq(st.bad, 0);
    rec_free(&r);
}

Test(stackexchange, bad_rows_are_skipped_with_file_and_line)
{
    rec r = {0};
    pv_reader_stats st;
    pv_err err;
    int lines[] = {3, 0, 0, 0, 4};
    const char *extra[] = {
        "  <row Id=\"x1\" PostTypeId=\"1\" Title=\"t\" Body=\"b\" />\n",
        "  <row Id=\"902\" PostTypeId=\"2\" CreationDate=\"yesterday\" Body=\"b\" />\n",
        "  <row Id=\"903\" PostTypeId=\"2\" OwnerUserId=\"5a\" Body=\"b\" />\n"};

    copy(SE_DIR "/Users.xml", at("Users.xml"));
    write_posts("Posts.xml", lines, 5, extra, NULL);
    cr_assert_eq(run(dir, SITE, 0, &r, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.records, 5);
    cr_assert_eq(st.documents, 2);
    cr_assert_eq(st.bad, 3);
    cr_assert_str_eq(r.v[1].locator, "https://" SITE "/q/2");
    cr_assert(has_diag(&r, "/Posts.xml: line 4: bad Id 'x1'"), "%s", r.diag[0]);
    cr_assert(has_diag(&r, "/Posts.xml: line 5: post 902: bad CreationDate 'yesterday'"));
    cr_assert(has_diag(&r, "/Posts.xml: line 6: post 903: bad OwnerUserId '5a'"));
    rec_free(&r);
}

Test(stackexchange, strict_stops_at_the_first_bad_row)
{
    rec r = {0};
    pv_reader_stats st;
    pv_err err;
    int lines[] = {3, 0, 4};
    const char *extra[] = {"  <row PostTypeId=\"1\" Title=\"t\" Body=\"b\" />\n"};

    copy(SE_DIR "/Users.xml", at("Users.xml"));
    write_posts("Posts.xml", lines, 3, extra, NULL);
    cr_assert_eq(run(dir, SITE, 1, &r, &st, &err), PV_EFORMAT);
    cr_assert(strstr(err.msg, "/Posts.xml: line 4: row without an Id"), "%s", err.msg);
    cr_assert_eq(r.n, 1); /* the row before it was handed on */
    cr_assert_eq(st.bad, 1);
    rec_free(&r);
}

Test(stackexchange, broken_xml_stops_with_file_line_and_column)
{
    rec r = {0};
    pv_reader_stats st;
    pv_err err;
    int lines[] = {3, 4, 0, 5};
    const char *extra[] = {"  <row Id=\"950\" PostTypeId=\"2\" Body=\"a\" <oops\n"};

    copy(SE_DIR "/Users.xml", at("Users.xml"));
    write_posts("Posts.xml", lines, 4, extra, NULL);
    cr_assert_eq(run(dir, SITE, 0, &r, &st, &err), PV_EFORMAT);
    cr_assert(strstr(err.msg, "/Posts.xml: line 5, column 41: not well-formed"), "%s", err.msg);
    cr_assert_eq(r.n, 2);
    cr_assert_str_eq(r.v[1].locator, "https://" SITE "/q/2");
    rec_free(&r);

    /* a file cut inside a row */
    write_posts("Posts.xml", lines, 2, NULL, "  <row Id=\"951\" PostTypeId=\"1\" Bo");
    cr_assert_eq(run(dir, SITE, 0, &r, &st, &err), PV_EFORMAT);
    cr_assert(strstr(err.msg, "/Posts.xml: line 5, column"), "%s", err.msg);
    cr_assert_eq(r.n, 2);
    rec_free(&r);
}

Test(stackexchange, broken_users_xml_is_an_error_before_any_post)
{
    rec r = {0};
    pv_reader_stats st;
    pv_err err;
    int lines[] = {3};
    const char *users = "<users>\n  <row Id=\"40\" DisplayName=\"Benjol\" />\n  <row Id=\"41\"\n";

    put(at("Users.xml"), users, strlen(users));
    write_posts("Posts.xml", lines, 1, NULL, NULL);
    cr_assert_eq(run(dir, SITE, 0, &r, &st, &err), PV_EFORMAT);
    cr_assert(strstr(err.msg, "/Users.xml: line 3, column 3: unclosed token"), "%s", err.msg);
    cr_assert_eq(r.n, 0);
    rec_free(&r);
}

Test(stackexchange, invalid_utf8_nul_and_surrogates_become_replacement_characters)
{
    rec r = {0};
    pv_reader_stats st;
    pv_err err;
    /* Latin-1 bytes, a lone UTF-16 surrogate, a control character and a NUL byte */
    static const char row1[] =
        "  <row Id=\"960\" PostTypeId=\"2\" "
        "CreationDate=\"2011-08-17T20:18:56.507\" "
        "Body=\"&lt;p&gt;caf\xE9 \xFF\xFE ok&lt;/p&gt;\" OwnerUserId=\"40\" />\n";
    static const char row2[] = "  <row Id=\"961\" PostTypeId=\"2\" Body=\"&lt;p&gt;a\x01"
                               "b\x00"
                               "c \xED\xA0\x80 d&lt;/p&gt;\" OwnerUserId=\"40\" />\n";
    char path[256];
    FILE *f;
    char *h1 = fixture_line("Posts.xml", 1), *h2 = fixture_line("Posts.xml", 2),
         *row = fixture_line("Posts.xml", 3);

    /* written by hand: the second row holds a NUL byte */
    snprintf(path, sizeof path, "%s", at("Posts.xml"));
    f = fopen(path, "wb");
    cr_assert_not_null(f);
    fputs(h1, f);
    fputs(h2, f);
    fputs(row1, f);
    cr_assert_eq(fwrite(row2, 1, sizeof row2 - 1, f), sizeof row2 - 1);
    fputs(row, f);
    fputs("</posts>\n", f);
    cr_assert_eq(fclose(f), 0);
    copy(SE_DIR "/Users.xml", at("Users.xml"));

    cr_assert_eq(run(dir, SITE, 0, &r, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.bad, 0);
    cr_assert_eq(r.n, 3);
    cr_assert_str_eq(r.v[0].text, "caf\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD ok\n");
    cr_assert_str_eq(r.v[0].name, "Benjol");
    cr_assert_str_eq(r.v[1].text, "a\xEF\xBF\xBD"
                                  "b\xEF\xBF\xBD"
                                  "c \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD d\n");
    cr_assert_str_eq(r.v[2].locator, "https://" SITE "/q/1");
    free(h1);
    free(h2);
    free(row);
    rec_free(&r);
}

Test(stackexchange, max_doc_size_skips_large_posts)
{
    rec r = {0};
    pv_reader_stats st;
    pv_err err;
    pv_reader_opts o;
    pv_sink sink = {on_source, NULL, on_doc, &r};

    memset(&o, 0, sizeof o);
    memset(&st, 0, sizeof st);
    o.site = SITE;
    o.max_doc_size = 1000;
    cr_assert_eq(pv_stackexchange__read(SE_DIR, &o, &sink, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.records, 58);
    cr_assert(st.skipped_large > 0);
    cr_assert_eq(st.documents + st.skipped_large, 58);
    cr_assert_eq(st.skipped, st.skipped_large);
    rec_free(&r);
}

Test(stackexchange, sink_error_stops_the_reader)
{
    rec r = {0};
    pv_reader_stats st;
    pv_err err;
    r.fail_after = 3;
    cr_assert_eq(run(SE_DIR, SITE, 0, &r, &st, &err), PV_EIO);
    cr_assert_eq(r.n, 3);
    cr_assert_eq(st.documents, 3);
    cr_assert(strstr(err.msg, "Posts.xml: line 6: the sink stopped at post 4"), "%s", err.msg);
    rec_free(&r);
}

Test(stackexchange, truncated_archive_names_archive_and_offset)
{
    rec r = {0};
    pv_reader_stats st;
    pv_err err;
    size_t n;
    char *p = slurp(SE_7Z, &n);

    put(at("cut.7z"), p, 30000);
    cr_assert_eq(run(at("cut.7z"), SITE, 0, &r, &st, &err), PV_EFORMAT);
    cr_assert(strstr(err.msg, "/cut.7z': truncated or corrupt archive at offset "), "%s", err.msg);
    cr_assert(strstr(err.msg, "of 30000 bytes"), "%s", err.msg);
    cr_assert_eq(r.n, 0);
    rec_free(&r);

    /* damage inside the compressed data */
    p[20000] ^= 0xFF;
    put(at("bad.7z"), p, n);
    cr_assert_eq(run(at("bad.7z"), SITE, 0, &r, &st, &err), PV_EFORMAT);
    cr_assert(strstr(err.msg, "/bad.7z': truncated or corrupt archive at offset "), "%s", err.msg);
    free(p);
    rec_free(&r);
}

Test(stackexchange, missing_posts_is_an_error)
{
    rec r = {0};
    pv_reader_stats st;
    pv_err err;
    copy(SE_DIR "/Users.xml", at("Users.xml"));
    cr_assert_eq(run(dir, SITE, 0, &r, &st, &err), PV_EFORMAT);
    cr_assert(strstr(err.msg, "no Posts.xml"), "%s", err.msg);
    cr_assert_eq(run("/nonexistent/dump", SITE, 0, &r, &st, &err), PV_EIO);
    rec_free(&r);
}
