/* Criterion suite for pv_scan (match/scan.c) and `provscan scan`: a dataset generated here (JSON
 * lines compressed with zstd, and a WARC file) holds two documents of an index - a C function
 * and a paragraph of prose - planted verbatim, reformatted, re-wrapped and JSON-escaped at known
 * records among unrelated ones. Every planted copy must be found with its record and lines, and
 * nothing else; a truncated shard is reported and the next dataset still scanned; the findings
 * are the same for every --jobs. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <git2.h>
#include <zstd.h>

#include "index_int.h"
#include "json_int.h"
#include "match_int.h"
#include "provscan.h"
#include "util.h"

/* ---- my work: a C function and a paragraph of prose ------------------------------------ */

static const char CODE[] =
    "/* Folds a ledger of quarterly tallies into one balance, skipping voided rows. */\n"
    "static long fold_quarterly_ledger(const struct ledger_row *rows, size_t count)\n"
    "{\n"
    "    long balance = 0;\n"
    "    for (size_t i = 0; i < count; i++) {\n"
    "        if (rows[i].voided)\n"
    "            continue;\n"
    "        balance += rows[i].credit - rows[i].debit;\n"
    "        if (balance > LEDGER_CEILING)\n"
    "            fprintf(stderr, \"ledger: balance \\\"%ld\\\" over the ceiling\\n\", balance);\n"
    "    }\n"
    "    return balance;\n"
    "}\n";
/* lines holding tokens: the 13th, "}", holds none, so a span of the whole function ends on
 * the 12th */
#define CODE_LINES 12

static const char PROSE[] =
    "Lighthouse keepers of the northern archipelago kept logbooks in which every\n"
    "passing schooner, every change of wind and every failure of the great lamp was\n"
    "written down in a steady hand; read today, those pages tell of storms that\n"
    "swallowed whole fleets, of supply boats that never came, and of winters so long\n"
    "that the keepers rationed candles to read their letters from the mainland twice.\n";
#define PROSE_LINES 5

/* ---- unrelated text -------------------------------------------------------------------- */

static const char *const WORDS[] = {
    "orchard", "pebble",  "violin", "meadow", "copper",  "saddle", "tundra", "marble",
    "harvest", "kettle",  "falcon", "ribbon", "granite", "walnut", "lagoon", "thimble",
    "canyon",  "juniper", "anchor", "velvet", "prairie", "cobalt", "quartz", "bramble",
};

static unsigned long g_rand = 12345;

static unsigned next_rand(void)
{
    g_rand = g_rand * 6364136223846793005UL + 1442695040888963407UL;
    return (unsigned)(g_rand >> 33);
}

/* lines lines of random words (about ten per line) appended to s. */
static void unrelated(char *s, size_t cap, int lines)
{
    int l, w;
    for (l = 0; l < lines; l++) {
        for (w = 0; w < 10; w++) {
            strncat(s, WORDS[next_rand() % (sizeof WORDS / sizeof WORDS[0])], cap - strlen(s) - 1);
            strncat(s, w < 9 ? " " : "\n", cap - strlen(s) - 1);
        }
    }
}

/* ---- the dataset ----------------------------------------------------------------------- */

/* s as a JSON string (quotes, backslashes and control characters escaped; the characters of
 * as_u, when given, as \uXXXX) appended to out. */
static void json_str(char *out, size_t cap, const char *s, const char *as_u)
{
    size_t n = strlen(out);
    out[n++] = '"';
    for (; *s && n + 8 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (as_u && strchr(as_u, c)) {
            n += (size_t)snprintf(out + n, cap - n, "\\u%04X", c);
        } else if (c == '"' || c == '\\') {
            out[n++] = '\\';
            out[n++] = (char)c;
        } else if (c == '\n') {
            out[n++] = '\\';
            out[n++] = 'n';
        } else if (c == '\t') {
            out[n++] = '\\';
            out[n++] = 't';
        } else if (c < 0x20) {
            n += (size_t)snprintf(out + n, cap - n, "\\u%04x", c);
        } else {
            out[n++] = (char)c;
        }
    }
    out[n++] = '"';
    out[n] = '\0';
}

/* The code reformatted: indentation by tabs instead of four spaces, runs of spaces inside
 * lines doubled. */
static void reformat(char *out, size_t cap, const char *code)
{
    size_t n = 0;
    int at_start = 1;
    for (; *code && n + 4 < cap; code++) {
        if (at_start && strncmp(code, "    ", 4) == 0) {
            out[n++] = '\t';
            code += 3;
            continue;
        }
        at_start = *code == '\n';
        out[n++] = *code;
        if (*code == ' ' && !at_start)
            out[n++] = ' ';
    }
    out[n] = '\0';
}

/* The prose re-wrapped at width columns; returns its number of lines. */
static int rewrap(char *out, size_t cap, const char *prose, size_t width)
{
    size_t n = 0, col = 0;
    int lines = 1;
    const char *p = prose;
    while (*p) {
        size_t w;
        while (*p == ' ' || *p == '\n')
            p++;
        if (!*p)
            break;
        for (w = 0; p[w] && p[w] != ' ' && p[w] != '\n'; w++)
            ;
        if (col && col + 1 + w > width) {
            out[n++] = '\n';
            col = 0;
            lines++;
        } else if (col) {
            out[n++] = ' ';
            col++;
        }
        cr_assert(n + w + 2 < cap);
        memcpy(out + n, p, w);
        n += w;
        col += w;
        p += w;
    }
    out[n++] = '\n';
    out[n] = '\0';
    return lines;
}

static int g_wrapped_lines;

/* One JSON line {"id": ID, "text": TEXT}. */
static void jsonl_record(char *out, size_t cap, const char *id, const char *text)
{
    strncat(out, "{\"id\":", cap - strlen(out) - 1);
    json_str(out, cap, id, NULL);
    strncat(out, ",\"text\":", cap - strlen(out) - 1);
    json_str(out, cap, text, NULL);
    strncat(out, "}\n", cap - strlen(out) - 1);
}

/* The JSON lines dataset (20 records, lines 1-20): code verbatim at line 4, reformatted after
 * 3 lines of other text at line 9, prose re-wrapped after 2 lines at line 14, prose verbatim
 * between 5 lines before and after at line 18. Returns it (malloc'ed). */
static char *make_jsonl(void)
{
    size_t cap = 1 << 20;
    char *out = calloc(1, cap), text[16384], tmp[8192], id[32];
    int i;
    cr_assert(out);
    for (i = 1; i <= 20; i++) {
        text[0] = '\0';
        snprintf(id, sizeof id, "rec-%d", i);
        if (i == 4) {
            strcat(text, CODE);
        } else if (i == 9) {
            unrelated(text, sizeof text, 3);
            reformat(tmp, sizeof tmp, CODE);
            strcat(text, tmp);
        } else if (i == 14) {
            unrelated(text, sizeof text, 2);
            g_wrapped_lines = rewrap(tmp, sizeof tmp, PROSE, 50);
            strcat(text, tmp);
        } else if (i == 18) {
            unrelated(text, sizeof text, 5);
            strcat(text, PROSE);
            unrelated(text, sizeof text, 5);
        } else {
            unrelated(text, sizeof text, 3 + (int)(next_rand() % 20));
        }
        jsonl_record(out, cap, id, text);
    }
    return out;
}

/* A WARC file of 8 text/plain resource records (http://example.org/page-1 to 8): page 3 is the
 * code verbatim, page 6 the prose re-wrapped at 60 columns after 4 lines of other text. */
static long long g_warc_at[9]; /* where each page's record starts in the file */

static char *make_warc(size_t *len)
{
    size_t cap = 1 << 20, n = 0;
    char *out = calloc(1, cap), text[16384];
    int i;
    cr_assert(out);
    for (i = 1; i <= 8; i++) {
        text[0] = '\0';
        if (i == 3) {
            strcat(text, CODE);
        } else if (i == 6) {
            unrelated(text, sizeof text, 4);
            rewrap(text + strlen(text), sizeof text - strlen(text), PROSE, 60);
        } else {
            unrelated(text, sizeof text, 2 + (int)(next_rand() % 10));
        }
        g_warc_at[i] = (long long)n;
        n += (size_t)snprintf(out + n, cap - n,
                              "WARC/1.0\r\nWARC-Type: resource\r\n"
                              "WARC-Target-URI: http://example.org/page-%d\r\n"
                              "WARC-Date: 2024-05-18T01:58:10Z\r\n"
                              "Content-Type: text/plain\r\nContent-Length: %zu\r\n\r\n%s\r\n\r\n",
                              i, strlen(text), text);
    }
    *len = n;
    return out;
}

static char g_index[512], g_jsonl[512], g_warc[512], g_trunc[512], g_plain[512];

static void build(void)
{
    pv_build_opts o = PV_BUILD_OPTS_INIT;
    pv_build_stats st;
    pv_err err = {0, ""};
    const char *src[1];
    char *jl, *warc, *z;
    size_t jn, wn, zn;

    pv_test_tmpdir("provscan-scan-");
    pv_test_put_str("mine/ledger.c", CODE);
    pv_test_put_str("mine/lighthouse.txt", PROSE);
    snprintf(g_index, sizeof g_index, "%s", pv_test_path("mine.pvx"));
    src[0] = pv_test_path("mine");
    o.author = "Dana Writer <dana@example.org>";
    o.jobs = 1;
    cr_assert_eq(pv_index_build(g_index, src, 1, &o, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.documents, 2);

    jl = make_jsonl();
    jn = strlen(jl);
    snprintf(g_plain, sizeof g_plain, "%s", pv_test_put("data/plain.jsonl", jl, jn));
    z = malloc(ZSTD_compressBound(jn));
    cr_assert(z);
    zn = ZSTD_compress(z, ZSTD_compressBound(jn), jl, jn, 3);
    cr_assert(!ZSTD_isError(zn));
    snprintf(g_jsonl, sizeof g_jsonl, "%s", pv_test_put("data/shard-0.jsonl.zst", z, zn));
    /* a truncated shard: the first half of the compressed bytes */
    snprintf(g_trunc, sizeof g_trunc, "%s", pv_test_put("data/shard-1.jsonl.zst", z, zn / 2));
    warc = make_warc(&wn);
    snprintf(g_warc, sizeof g_warc, "%s", pv_test_put("data/crawl.warc", warc, wn));
    free(jl);
    free(z);
    free(warc);
}

static void cleanup(void)
{
    pv_test_rmtree(pv_test_path(""));
}

TestSuite(scan, .init = build, .fini = cleanup);

/* ---- findings as lines ------------------------------------------------------------------ */

typedef struct seen {
    char *buf;
    size_t n, cap;
    size_t count;
} seen;

static int on_found(void *ctx, const pv_scan_finding *f)
{
    seen *s = ctx;
    char line[1024];
    const char *base = strrchr(f->dataset_path, '/');
    char share[32];
    int k;
    /* "all" when the whole document was found in the record */
    if (f->tokens == f->document_tokens && f->covered == 1.0)
        snprintf(share, sizeof share, "all");
    else
        snprintf(share, sizeof share, "%u/%u", f->tokens, f->document_tokens);
    k = snprintf(line, sizeof line,
                 "%s #%llu %s line %lld offset %lld: %s %s lines %u-%u = %u-%u by %s\n",
                 base ? base + 1 : f->dataset_path, (unsigned long long)f->record_no,
                 f->record ? f->record : "-", (long long)f->line, (long long)f->offset, f->locator,
                 share, f->record_lines[0], f->record_lines[1], f->document_lines[0],
                 f->document_lines[1], f->nauthors ? f->authors[0].name : "-");
    cr_assert(k > 0 && (size_t)k < sizeof line);
    if (s->n + (size_t)k + 1 > s->cap) {
        s->cap = 2 * (s->n + (size_t)k + 1);
        s->buf = realloc(s->buf, s->cap);
        cr_assert(s->buf);
    }
    memcpy(s->buf + s->n, line, (size_t)k + 1);
    s->n += (size_t)k;
    s->count++;
    return 0;
}

static char g_diag[8192];

static void on_diag(void *ctx, pv_severity sev, const char *msg)
{
    (void)ctx;
    if (sev == PV_ERROR) {
        strncat(g_diag, msg, sizeof g_diag - strlen(g_diag) - 2);
        strcat(g_diag, "\n");
    }
}

/* Scan datasets with jobs threads; the findings as lines (malloc'ed). */
static char *scan(const char *const *datasets, size_t n, unsigned jobs, pv_scan_stats *st)
{
    pv_index *ix = NULL;
    pv_scan *s = NULL;
    pv_scan_opts o = PV_SCAN_OPTS_INIT;
    pv_err err = {0, ""};
    seen sn = {NULL, 0, 0, 0};
    o.jobs = jobs;
    o.diag = on_diag;
    cr_assert_eq(pv_index_open(&ix, g_index, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_scan_new(ix, &o, &s, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_scan_run(s, datasets, n, on_found, &sn, st, &err), 0, "%s", err.msg);
    pv_scan_free(s);
    pv_index_free(ix);
    return sn.buf ? sn.buf : strdup("");
}

/* ---- what a scan finds ------------------------------------------------------------------- */

Test(scan, every_planted_copy_found_with_its_record_and_lines_nothing_else)
{
    const char *ds[] = {g_jsonl, g_warc};
    pv_scan_stats st;
    char *got = scan(ds, 2, 1, &st), want[4096];
    /* the prose re-wrapped at 50 columns in the JSON record, at 60 in the WARC page */
    char wrap60[4096];
    int lines60 = rewrap(wrap60, sizeof wrap60, PROSE, 60);
    snprintf(want, sizeof want,
             "shard-0.jsonl.zst #4 rec-4 line 4 offset -1: ledger.c all lines 1-%d = 1-%d by "
             "Dana Writer\n"
             "shard-0.jsonl.zst #9 rec-9 line 9 offset -1: ledger.c all lines 4-%d = 1-%d by "
             "Dana Writer\n"
             "shard-0.jsonl.zst #14 rec-14 line 14 offset -1: lighthouse.txt all lines 3-%d = "
             "1-%d by Dana Writer\n"
             "shard-0.jsonl.zst #18 rec-18 line 18 offset -1: lighthouse.txt all lines 6-%d = "
             "1-%d by Dana Writer\n"
             "crawl.warc #3 http://example.org/page-3 line -1 offset %lld: ledger.c all lines "
             "1-%d = 1-%d by Dana Writer\n"
             "crawl.warc #6 http://example.org/page-6 line -1 offset %lld: lighthouse.txt all "
             "lines 5-%d = 1-%d by Dana Writer\n",
             CODE_LINES, CODE_LINES, 3 + CODE_LINES, CODE_LINES, 2 + g_wrapped_lines, PROSE_LINES,
             5 + PROSE_LINES, PROSE_LINES, g_warc_at[3], CODE_LINES, CODE_LINES, g_warc_at[6],
             4 + lines60, PROSE_LINES);
    cr_expect_str_eq(got, want);
    cr_expect_eq(st.records, 28);
    cr_expect_eq(st.found_records, 6);
    cr_expect_eq(st.findings, 6);
    cr_expect_eq(st.dataset_errors, 0);
    cr_expect_eq(st.datasets, 2);
    free(got);
}

Test(scan, same_findings_for_every_jobs)
{
    const char *ds[] = {g_jsonl, g_warc, g_plain, g_jsonl};
    pv_scan_stats s1, s2, s3;
    char *one = scan(ds, 4, 1, &s1), *two = scan(ds, 4, 2, &s2), *three = scan(ds, 4, 3, &s3);
    cr_expect_gt(strlen(one), 0);
    cr_expect_str_eq(two, one);
    cr_expect_str_eq(three, one);
    cr_expect_eq(s1.findings, 4 + 2 + 4 + 4);
    cr_expect_eq(s2.findings, s1.findings);
    cr_expect_eq(s2.records, s1.records);
    cr_expect_eq(s2.tokens, s1.tokens);
    free(one);
    free(two);
    free(three);
}

Test(scan, truncated_shard_reported_and_next_dataset_scanned)
{
    const char *ds[] = {g_trunc, g_warc};
    pv_scan_stats st;
    char *got = scan(ds, 2, 2, &st);
    cr_expect_eq(st.dataset_errors, 1);
    cr_expect_eq(st.datasets, 1);
    cr_expect(strstr(g_diag, "shard-1.jsonl.zst") != NULL, "the error names the shard: %s", g_diag);
    cr_expect(strstr(g_diag, "stopped after") != NULL, "the error says how far: %s", g_diag);
    /* both planted pages of the WARC file after it are found */
    cr_expect(strstr(got, "crawl.warc #3 ") != NULL, "%s", got);
    cr_expect(strstr(got, "crawl.warc #6 ") != NULL, "%s", got);
    free(got);
}

/* A dataset is commonly a folder of shards. Read as text files they are binary (compressed)
 * and were skipped, so a scan of the folder found nothing in them; each is now a dataset of
 * its own, read by its reader, beside the folder's text files, with the same findings as when
 * the files are named one by one, for every --jobs. A pretty-printed .json file is a text
 * file, not a dataset. */
Test(scan, a_folder_of_shards_is_scanned_shard_by_shard)
{
    size_t n;
    void *data;
    const char *dir, *one[2], *named[2];
    char ref_jsonl[512], ref_warc[512], *want, *got1, *got2, *got3;
    pv_scan_stats st1, st2, st3;

    data = pv_test_read_file(g_jsonl, &n);
    snprintf(ref_jsonl, sizeof ref_jsonl, "%s", pv_test_put("shards/b/shard-0.jsonl.zst", data, n));
    free(data);
    data = pv_test_read_file(g_warc, &n);
    snprintf(ref_warc, sizeof ref_warc, "%s", pv_test_put("shards/a/crawl.warc", data, n));
    free(data);
    pv_test_put_str("shards/notes.txt", PROSE);
    pv_test_put_str("shards/zz-copy.c", CODE);
    pv_test_put("shards/blob.bin", "\0\1\2binary\0", 10); /* skipped: not a record */
    pv_test_put_str("shards/package.json",
                    "{\n  \"name\": \"shards\",\n  \"version\": \"1.0.0\"\n}\n");
    dir = pv_test_path("shards");
    named[0] = ref_warc;
    named[1] = ref_jsonl;
    one[0] = dir;
    want = scan(named, 2, 1, &st1);
    cr_assert_gt(strlen(want), 0);
    got1 = scan(one, 1, 1, &st2);
    got2 = scan(one, 1, 2, &st3);
    got3 = scan(one, 1, 3, NULL);
    /* the folder's text files first (my prose in notes.txt, my code in zz-copy.c; blob.bin
     * is no record, package.json holds nothing), then the shards in path order */
    cr_expect(strncmp(got1, "shards #1 notes.txt ", 20) == 0, "%s", got1);
    cr_expect(strstr(got1, "lighthouse.txt all") != NULL, "%s", got1);
    cr_expect(strstr(got1, "\nshards #3 zz-copy.c line -1 offset -1: ledger.c all") != NULL, "%s",
              got1);
    cr_expect_str_eq(strchr(strchr(got1, '\n') + 1, '\n') + 1, want);
    cr_expect_eq(st2.datasets, 3);
    cr_expect_eq(st2.findings, st1.findings + 2);
    /* blob.bin, notes.txt, package.json and zz-copy.c, and the records of the shards */
    cr_expect_eq(st2.records, st1.records + 4);
    cr_expect_eq(st2.skipped, st1.skipped + 1);
    cr_expect_eq(st3.records, st2.records);
    cr_expect_eq(st3.skipped, st2.skipped);
    cr_expect_eq(st3.read_bytes, st2.read_bytes);
    cr_expect_str_eq(got2, got1);
    cr_expect_str_eq(got3, got1);
    free(want);
    free(got1);
    free(got2);
    free(got3);
    pv_test_rmtree(dir);
}

/* ---- the command ----------------------------------------------------------------------- */

/* Runs provscan with args (a shell word list), stdout to out, stderr to OUT.err; the exit
 * code. */
static int sh(const char *args, const char *out)
{
    char err[1100];
    snprintf(err, sizeof err, "%s.err", out);
    return pv_test_run(args, out, err);
}

Test(scan, fail_on_found_exit_codes)
{
    char args[2048];
    snprintf(args, sizeof args, "scan -q -x %s --fail-on-found %s", g_index, g_warc);
    cr_expect_eq(sh(args, pv_test_path("a.out")), 1, "found with --fail-on-found: 1");
    snprintf(args, sizeof args, "scan -q -x %s %s", g_index, g_warc);
    cr_expect_eq(sh(args, pv_test_path("b.out")), 0, "found without --fail-on-found: 0");
    /* a dataset that does not exist */
    snprintf(args, sizeof args, "scan -q -x %s --fail-on-found files:%s", g_index,
             pv_test_path("mine/../data/crawl.warc.none"));
    cr_expect_eq(sh(args, pv_test_path("c.out")), 3, "a missing dataset: 3");
    pv_test_put_str("data/other.txt", "nothing that was indexed is in this short file at all\n");
    snprintf(args, sizeof args, "scan -q -x %s --fail-on-found %s", g_index,
             pv_test_path("data/other.txt"));
    cr_expect_eq(sh(args, pv_test_path("d.out")), 0, "nothing found: 0");
    snprintf(args, sizeof args, "scan -q -x %s %s %s", g_index, g_trunc, g_warc);
    cr_expect_eq(sh(args, pv_test_path("e.out")), 3, "a truncated shard: 3");
    snprintf(args, sizeof args, "scan -q -x %s --preset nonsense %s", g_index, g_jsonl);
    cr_expect_eq(sh(args, pv_test_path("f.out")), 2, "an unknown preset: 2");
}

Test(scan, cli_report_same_for_jobs_1_and_2_in_every_format)
{
    static const char *const formats[] = {"text", "json", "jsonl", "csv"};
    size_t i;
    for (i = 0; i < 4; i++) {
        char args[2048], p1[256], p2[256];
        char *o1, *o2;
        snprintf(p1, sizeof p1, "%s", pv_test_path("one.out"));
        snprintf(p2, sizeof p2, "%s", pv_test_path("two.out"));
        snprintf(args, sizeof args, "scan -q -j1 --format %s -x %s %s %s", formats[i], g_index,
                 g_jsonl, g_warc);
        cr_assert_eq(sh(args, p1), 0);
        snprintf(args, sizeof args, "scan -q -j2 --format %s -x %s %s %s", formats[i], g_index,
                 g_jsonl, g_warc);
        cr_assert_eq(sh(args, p2), 0);
        o1 = pv_test_read_file(p1, NULL);
        o2 = pv_test_read_file(p2, NULL);
        cr_expect_str_eq(o2, o1, "--format %s", formats[i]);
        cr_expect(strstr(o1, "lighthouse.txt") != NULL, "--format %s:\n%s", formats[i], o1);
        if (strcmp(formats[i], "jsonl") == 0)
            cr_expect(strstr(o1, "\"record\":\"rec-14\",\"record_no\":14,\"line\":14,"
                                 "\"offset\":null,\"tokens\":") != NULL,
                      "%s", o1);
        free(o1);
        free(o2);
    }
}

/* ---- exact copies by git blob id --------------------------------------------------------- */

typedef struct exact_seen {
    uint64_t record[8];
    int exact[8];
    uint32_t spans[8];
    size_t n;
} exact_seen;

static int on_exact(void *ctx, const pv_scan_finding *f)
{
    exact_seen *e = ctx;
    cr_assert_lt(e->n, 8);
    cr_expect_str_eq(f->locator, "src/ledger.c");
    e->record[e->n] = f->record_no;
    e->exact[e->n] = f->exact;
    e->spans[e->n++] = f->spans;
    return 0;
}

/* A The Stack record whose hexsha is a blob of an indexed git document is an exact copy of
 * it, even when its text is another version's (record 1: the older version, whose text
 * matches too) or matches nothing (record 2: the indexed version's id, other text); an id
 * the index does not hold (record 3) finds nothing. */
Test(scan, the_stack_record_naming_an_indexed_blob_is_an_exact_copy)
{
    static const char OLD[] =
        "/* Folds a ledger of quarterly tallies into one balance, skipping voided rows. */\n"
        "static long fold_quarterly_ledger(const struct ledger_row *rows, size_t count)\n"
        "{\n"
        "    long balance = 0;\n"
        "    for (size_t i = 0; i < count; i++) {\n"
        "        if (rows[i].voided)\n"
        "            continue;\n"
        "        balance += rows[i].credit - rows[i].debit;\n"
        "    }\n"
        "    return balance;\n"
        "}\n";
    static const char OTHER[] = "a record of other words that nobody indexed anywhere\n";
    const char *repo = pv_test_keep_str(pv_test_path("blobrepo"));
    const char *idx = pv_test_keep_str(pv_test_path("blob.pvx"));
    const char *path[1] = {"src/ledger.c"}, *v1[1] = {OLD}, *v2[1] = {CODE};
    char src[600], hex_old[GIT_OID_HEXSZ + 1], hex_new[GIT_OID_HEXSZ + 1], jl[4096];
    const char *srcs[1] = {src}, *ds[1];
    pv_build_opts bo = PV_BUILD_OPTS_INIT;
    pv_build_stats bst;
    pv_scan_opts so = PV_SCAN_OPTS_INIT;
    pv_scan_stats st;
    pv_index *ix = NULL;
    pv_scan *s = NULL;
    pv_err err = {0, ""};
    exact_seen e = {{0}, {0}, {0}, 0};
    git_oid id;
    cJSON *rec;
    char *line;
    size_t n = 0;

    pv_test_git_commit(repo, path, v1, 1, "Ada", "ada@example.org", 1500000000, NULL);
    pv_test_git_commit(repo, path, v2, 1, "Ada", "ada@example.org", 1500000100, NULL);
    snprintf(src, sizeof src, "git:%s", repo);
    bo.jobs = 1;
    cr_assert_eq(pv_index_build(idx, srcs, 1, &bo, &bst, &err), 0, "%s", err.msg);
    cr_assert_eq(git_odb_hash(&id, OLD, strlen(OLD), GIT_OBJECT_BLOB), 0);
    git_oid_tostr(hex_old, sizeof hex_old, &id);
    cr_assert_eq(git_odb_hash(&id, CODE, strlen(CODE), GIT_OBJECT_BLOB), 0);
    git_oid_tostr(hex_new, sizeof hex_new, &id);
    {
        const char *hex[3] = {hex_old, hex_new, "0123456789abcdef0123456789abcdef01234567"};
        const char *text[3] = {OLD, OTHER, OTHER};
        for (int i = 0; i < 3; i++) {
            rec = cJSON_CreateObject();
            cJSON_AddStringToObject(rec, "hexsha", hex[i]);
            cJSON_AddStringToObject(rec, "max_stars_repo_path", "ledger.c");
            cJSON_AddStringToObject(rec, "max_stars_repo_name", "someone/fork");
            cJSON_AddStringToObject(rec, "content", text[i]);
            line = cJSON_PrintUnformatted(rec);
            n += (size_t)snprintf(jl + n, sizeof jl - n, "%s\n", line);
            cr_assert_lt(n, sizeof jl);
            free(line);
            cJSON_Delete(rec);
        }
    }
    ds[0] = pv_test_put("stack.jsonl", jl, n);
    so.jobs = 1;
    so.read.preset = "the-stack";
    cr_assert_eq(pv_index_open(&ix, idx, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_scan_new(ix, &so, &s, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_scan_run(s, ds, 1, on_exact, &e, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(e.n, 2);
    cr_expect_eq(e.record[0], 1);
    cr_expect(e.exact[0]);
    cr_expect_gt(e.spans[0], 0, "the older version's text matches too");
    cr_expect_eq(e.record[1], 2);
    cr_expect(e.exact[1]);
    cr_expect_eq(e.spans[1], 0, "other text: found by its id alone");
    pv_scan_free(s);
    pv_index_free(ix);
}

/* ---- JSON-escaped copies in plain text --------------------------------------------------- */

/* text as a notebook cell appended to out, the way nbformat writes it: one JSON string a
 * line (as_u: characters written as \uXXXX). Returns the cell's lines before its first
 * line of text (which is then the next line of out). */
static int notebook_cell(char *out, size_t cap, const char *text, const char *as_u)
{
    const char *p = text;
    strncat(out, "{\n \"cell_type\": \"code\",\n \"metadata\": {},\n \"source\": [\n",
            cap - strlen(out) - 1);
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
        char line[512];
        cr_assert_lt(n, sizeof line);
        memcpy(line, p, n);
        line[n] = '\0';
        strncat(out, "  ", cap - strlen(out) - 1);
        json_str(out, cap, line, as_u);
        p += n;
        strncat(out, *p ? ",\n" : "\n", cap - strlen(out) - 1);
    }
    strncat(out, " ]\n}\n", cap - strlen(out) - 1);
    cr_assert_lt(strlen(out) + 1, cap);
    return 4;
}

/* The number of lines of s (its "\n"s). */
static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

typedef struct esc_seen {
    char record[8][128];
    char locator[8][64];
    uint32_t tokens[8], document_tokens[8], spans[8], lines[8][2];
    size_t n;
} esc_seen;

static int on_esc(void *ctx, const pv_scan_finding *f)
{
    esc_seen *e = ctx;
    cr_assert_lt(e->n, 8);
    snprintf(e->record[e->n], sizeof e->record[0], "%s", f->record ? f->record : "-");
    snprintf(e->locator[e->n], sizeof e->locator[0], "%s", f->locator);
    e->tokens[e->n] = f->tokens;
    e->document_tokens[e->n] = f->document_tokens;
    e->spans[e->n] = f->spans;
    e->lines[e->n][0] = f->record_lines[0];
    e->lines[e->n][1] = f->record_lines[1];
    e->n++;
    return 0;
}

/* Scan datasets with jobs threads into e. */
static void scan_esc(const char *const *datasets, size_t n, unsigned jobs, esc_seen *e,
                     pv_scan_stats *st)
{
    pv_index *ix = NULL;
    pv_scan *s = NULL;
    pv_scan_opts o = PV_SCAN_OPTS_INIT;
    pv_err err = {0, ""};
    memset(e, 0, sizeof *e);
    o.jobs = jobs;
    cr_assert_eq(pv_index_open(&ix, g_index, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_scan_new(ix, &o, &s, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_scan_run(s, datasets, n, on_esc, e, st, &err), 0, "%s", err.msg);
    pv_scan_free(s);
    pv_index_free(ix);
}

/* Finding i of e is the whole of document loc, in one span on record lines from-to. */
static void expect_esc(const esc_seen *e, size_t i, const char *record, const char *loc,
                       uint32_t from, uint32_t to)
{
    cr_assert_gt(e->n, i, "finding %zu of %s not there", i, loc);
    cr_expect_str_eq(e->record[i], record);
    cr_expect_str_eq(e->locator[i], loc);
    cr_expect_eq(e->tokens[i], e->document_tokens[i], "%s: %u of %u tokens", loc, e->tokens[i],
                 e->document_tokens[i]);
    cr_expect_eq(e->spans[i], 1, "%s: %u spans", loc, e->spans[i]);
    cr_expect_eq(e->lines[i][0], from, "%s: lines %u-%u", loc, e->lines[i][0], e->lines[i][1]);
    cr_expect_eq(e->lines[i][1], to, "%s: lines %u-%u", loc, e->lines[i][0], e->lines[i][1]);
}

/* A text file holding my code as a notebook cell (quotes, tabs and line ends escaped) and my
 * prose as one line of JSON (its vowels written \uXXXX), between unrelated lines: read raw,
 * the escapes break the tokens; both are found, on the lines of the file that hold them. */
Test(scan, json_escaped_copies_in_a_text_file_found_on_their_lines)
{
    char text[32768] = "", tabs[4096];
    const char *ds[1];
    int code_at, prose_at;
    esc_seen e1, e2;
    pv_scan_stats st;

    unrelated(text, sizeof text, 6);
    reformat(tabs, sizeof tabs, CODE);
    code_at = count_lines(text) + 1 + notebook_cell(text, sizeof text, tabs, NULL);
    unrelated(text, sizeof text, 4);
    prose_at = count_lines(text) + 1;
    strcat(text, "{\"id\": \"p-1\", \"text\": ");
    json_str(text, sizeof text, PROSE, "aeiou");
    strcat(text, "}\n");
    unrelated(text, sizeof text, 3);
    cr_assert_lt(strlen(text) + 1, sizeof text);
    cr_assert(strstr(text, "\\tlong  balance  =  0;\\n\",") != NULL, "%s", text);
    cr_assert(strstr(text, "L\\u0069ghth\\u006F\\u0075s\\u0065") != NULL, "%s", text);
    pv_test_put_str("esc/notes.txt", text);
    ds[0] = pv_test_path("esc");
    scan_esc(ds, 1, 1, &e1, &st);
    cr_expect_eq(e1.n, 2);
    expect_esc(&e1, 0, "notes.txt", "ledger.c", code_at, code_at + CODE_LINES - 1);
    expect_esc(&e1, 1, "notes.txt", "lighthouse.txt", prose_at, prose_at);
    cr_expect_eq(st.records, 1);
    cr_expect_eq(st.text_bytes, strlen(text), "the decoded text is not counted as read");
    scan_esc(ds, 1, 2, &e2, NULL);
    cr_expect(memcmp(&e1, &e2, sizeof e1) == 0, "the same findings with --jobs 2");
    pv_test_rmtree(ds[0]);
}

/* A WET record (Common Crawl's text of a page) holding my code as a line of JSON, and another
 * holding my prose as a notebook cell whose every space is \u0020. */
Test(scan, json_escaped_copies_in_a_wet_record_found_on_their_lines)
{
    char page1[16384] = "", page2[16384] = "", warc[40000];
    const char *ds[1];
    int code_at, prose_at;
    size_t n = 0;
    esc_seen e;

    unrelated(page1, sizeof page1, 3);
    code_at = count_lines(page1) + 1;
    strcat(page1, "var cell = {\"source\": ");
    json_str(page1, sizeof page1, CODE, NULL);
    strcat(page1, ", \"lang\": \"c\"};\n");
    unrelated(page1, sizeof page1, 2);
    unrelated(page2, sizeof page2, 5);
    prose_at = count_lines(page2) + 1 + notebook_cell(page2, sizeof page2, PROSE, " ");
    unrelated(page2, sizeof page2, 1);
    n += (size_t)snprintf(warc + n, sizeof warc - n,
                          "WARC/1.0\r\nWARC-Type: conversion\r\n"
                          "WARC-Target-URI: http://example.org/code\r\n"
                          "Content-Type: text/plain\r\nContent-Length: %zu\r\n\r\n%s\r\n\r\n",
                          strlen(page1), page1);
    n += (size_t)snprintf(warc + n, sizeof warc - n,
                          "WARC/1.0\r\nWARC-Type: conversion\r\n"
                          "WARC-Target-URI: http://example.org/prose\r\n"
                          "Content-Type: text/plain\r\nContent-Length: %zu\r\n\r\n%s\r\n\r\n",
                          strlen(page2), page2);
    cr_assert_lt(n + 1, sizeof warc);
    ds[0] = pv_test_put("esc/crawl.warc.wet", warc, n);
    scan_esc(ds, 1, 1, &e, NULL);
    cr_expect_eq(e.n, 2);
    expect_esc(&e, 0, "http://example.org/code", "ledger.c", code_at, code_at);
    expect_esc(&e, 1, "http://example.org/prose", "lighthouse.txt", prose_at,
               prose_at + PROSE_LINES - 1);
    pv_test_rmtree(pv_test_path("esc"));
}

/* A notebook cell's last line has no "\n" (nbformat writes it so), and so maybe no escape:
 * it is read with the lines before it (written with \uXXXX here, so that only their
 * decoded text matches), and the copy is found whole, to its last line. */
Test(scan, the_last_line_of_a_notebook_cell_is_read_too)
{
    char text[16384] = "", head[1024], *end;
    const char *last = strstr(PROSE, "that the keepers"), *ds[1];
    esc_seen e;
    int at;

    cr_assert(last);
    snprintf(head, sizeof head, "%.*s", (int)(last - PROSE), PROSE);
    unrelated(text, sizeof text, 3);
    at = count_lines(text) + 1 + notebook_cell(text, sizeof text, head, "aeiou");
    end = strstr(text, "\n ]\n}\n");
    cr_assert(end);
    /* the last line after the others: no "\n", no escape */
    snprintf(end, sizeof text - (size_t)(end - text), ",\n  \"%.*s\"\n ]\n}\n",
             (int)strlen(last) - 1, last);
    unrelated(text, sizeof text, 3);
    ds[0] = pv_test_put_str("esc/cell.txt", text);
    scan_esc(ds, 1, 1, &e, NULL);
    cr_expect_eq(e.n, 1);
    expect_esc(&e, 0, "cell.txt", "lighthouse.txt", at, at + PROSE_LINES - 1);
    pv_test_rmtree(pv_test_path("esc"));
}

/* The text file name (in a folder of its own) holding text: the whole prose found in it, on
 * its line at alone, and nothing else. */
static void expect_prose_alone(const char *name, const char *text, int at)
{
    char rel[128];
    const char *ds[1];
    esc_seen e;
    snprintf(rel, sizeof rel, "esc/%s", name);
    ds[0] = pv_test_put_str(rel, text);
    scan_esc(ds, 1, 1, &e, NULL);
    cr_expect_eq(e.n, 1);
    expect_esc(&e, 0, name, "lighthouse.txt", at, at);
    pv_test_rmtree(pv_test_path("esc"));
}

/* A copy the raw text finds in part (the start of the prose: its lines joined by spaces, no
 * escape) and its decoded text finds whole (the rest has \u0020 for its spaces) is one
 * finding of one span, not two. */
Test(scan, a_copy_found_raw_and_decoded_is_one_span)
{
    char text[16384] = "", joined[4096], rest[4096] = "", *p;
    const char *second = strstr(PROSE, "swallowed");
    int at;

    cr_assert(second);
    snprintf(joined, sizeof joined, "%.*s", (int)(second - PROSE), PROSE);
    for (p = joined; *p; p++)
        if (*p == '\n')
            *p = ' ';
    unrelated(text, sizeof text, 2);
    at = count_lines(text) + 1;
    joined[strlen(joined) - 1] = '\0';
    json_str(rest, sizeof rest, second, " ");
    /* ["<joined>\n<rest>"]: one string */
    snprintf(text + strlen(text), sizeof text - strlen(text), "[\"%s\\n%s]\n", joined, rest + 1);
    unrelated(text, sizeof text, 2);
    expect_prose_alone("both.txt", text, at);
}

/* Broken literals (unterminated, a bad \u, bad escapes, a lone surrogate, a text ending
 * inside an escape) cost nothing and stop nothing: the escaped copy among them is found, on
 * its line, and nothing else. */
Test(scan, broken_json_literals_cost_nothing)
{
    char text[16384] = "";
    int at;

    unrelated(text, sizeof text, 2);
    strcat(text, "\"unterminated \\n string\n"
                 "\"\\u12G4 bad\" \"C:\\Users\\dana\" \"tab\there\\n\" \"\\ud800 lone\"\n");
    at = count_lines(text) + 1;
    strcat(text, "x = ");
    json_str(text, sizeof text, PROSE, "aeiou");
    strcat(text, " \"never closed \\\"\n\"\\u00");
    expect_prose_alone("broken.txt", text, at);
}

/* ---- the view itself -------------------------------------------------------------------- */

Test(json_view, decodes_the_literals_with_escapes_and_maps_them_back)
{
    static const char raw[] = "say \"a\\tb\" and \"plain\" then \"x\\u00e9\\\"y\\/\"\n"
                              "\"\\z\" \"\\u12G4\" \"t\tab\\n\" \"\\ud800!\" \"ok\\n";
    pv_json_view v;
    const char *x = strstr(raw, "\"x");
    const char *sur = strstr(raw, "\"\\ud800");
    static const char want[] = "a\tb\nx\xC3\xA9\"y/\nt\tab\n\n\xEF\xBF\xBD!\n";

    memset(&v, 0, sizeof v);
    cr_assert_eq(pv_json__view(&v, "no backslash \"here\"\n", 20), 0);
    cr_expect_eq(v.n, 0);
    cr_expect_null(v.text.data, "a text without a backslash allocates nothing");
    cr_assert_eq(pv_json__view(&v, raw, sizeof raw - 1), 0);
    cr_assert_eq(v.n, 4, "a raw tab is kept, as cJSON keeps it");
    cr_assert_eq(v.text.len, sizeof want - 1);
    cr_expect(memcmp(v.text.data, want, v.text.len) == 0);
    cr_expect_eq(v.lit[0].from, 4);
    cr_expect_eq(v.lit[0].to, 10);
    cr_expect_eq(v.lit[1].dec, 4);
    cr_expect_eq(v.lit[1].from, (size_t)(x - raw));
    cr_expect_eq(v.lit[3].from, (size_t)(sur - raw));
    cr_expect_eq(pv_json__view_raw(&v, 0), 5);
    cr_expect_eq(pv_json__view_raw(&v, 2), 7);
    cr_expect_eq(pv_json__view_raw(&v, 3), 8, "within the literal's bytes");
    cr_expect_eq(pv_json__view_raw(&v, 4), (size_t)(x - raw) + 1);
    cr_expect_eq(pv_json__view_raw(&v, v.text.len - 1), (size_t)(sur - raw) + 5);
    cr_expect_eq(pv_json__view_raw(&v, v.text.len - 5), (size_t)(sur - raw) + 1);
    /* reused: the next text replaces the view */
    cr_assert_eq(pv_json__view(&v, "\"\\\\\"", 4), 0);
    cr_expect_eq(v.n, 1);
    cr_expect_eq(v.text.len, 2);
    cr_expect(memcmp(v.text.data, "\\\n", 2) == 0);
    pv_json__view_free(&v);
    pv_json__view_free(NULL);
}

/* ---- the decoded index a scan confirms through ------------------------------------------ */

/* The fixture corpus (license texts and READMEs: several posting blocks, documents sharing
 * text) indexed once per test process. */
static pv_index *g_cix;

static void build_corpus(void)
{
    pv_build_opts o = PV_BUILD_OPTS_INIT;
    const char *src[] = {"fixtures/corpus"};
    pv_err err = {0, ""};
    char path[512];
    pv_test_tmpdir("provscan-scantable-");
    snprintf(path, sizeof path, "%s", pv_test_path("corpus.pvx"));
    o.jobs = 1;
    o.author = "Fixture Author <fixture@example.org>";
    cr_assert_eq(pv_index_build(path, src, 1, &o, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_index_open(&g_cix, path, &err), 0, "%s", err.msg);
}

static void free_corpus(void)
{
    pv_index_free(g_cix);
    g_cix = NULL;
    pv_test_rmtree(pv_test_path(""));
}

TestSuite(scan_table, .init = build_corpus, .fini = free_corpus);

typedef struct lookups {
    char *buf;
    size_t n, cap;
} lookups;

/* Every answer of a lookup as a line: the fingerprint's index, then its postings. */
static int on_lookup(void *ctx, size_t i, const pv_posting *p, size_t np)
{
    lookups *l = ctx;
    size_t j;
    for (j = 0; j < np; j++) {
        if (l->n + 64 > l->cap) {
            l->cap = 2 * l->cap + 4096;
            cr_assert((l->buf = realloc(l->buf, l->cap)) != NULL);
        }
        l->n += (size_t)snprintf(l->buf + l->n, l->cap - l->n, "%zu %u %u %u\n", i, p[j].doc,
                                 p[j].pos, p[j].origin);
    }
    return 0;
}

typedef struct fp_list {
    uint64_t *v;
    size_t n, cap;
} fp_list;

static int keep_fp(void *ctx, uint64_t fp)
{
    fp_list *l = ctx;
    /* the fingerprint, and a neighbour the index may not hold */
    cr_assert_eq(pv_array__grow((void **)&l->v, &l->cap, l->n + 2, sizeof *l->v), 0);
    if (l->n == 0 || l->v[l->n - 1] < fp)
        l->v[l->n++] = fp;
    if (fp + 1 < (UINT64_C(1) << 48))
        l->v[l->n++] = fp + 1;
    return 0;
}

Test(scan_table, lookups_and_line_tables_are_those_of_the_blocks)
{
    pv_index_info info;
    pv_index_table *t = NULL;
    pv_index_cursor *plain = NULL, *through = NULL;
    pv_err err = {0, ""};
    fp_list fps = {NULL, 0, 0};
    lookups a = {NULL, 0, 0}, b = {NULL, 0, 0};
    uint32_t d;

    pv_index_get_info(g_cix, &info);
    cr_assert_gt(info.blocks, 2, "the corpus fills %llu posting blocks",
                 (unsigned long long)info.blocks);
    cr_assert_eq(pv_index__table_load(g_cix, UINT64_MAX, &t, &err), 0, "%s", err.msg);
    cr_assert(t != NULL);
    cr_assert_eq(pv_index__cursor_new(g_cix, &plain, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_index__cursor_new(g_cix, &through, &err), 0, "%s", err.msg);
    pv_index__cursor_use(through, t);
    cr_assert_eq(pv_index__fingerprints(plain, keep_fp, &fps, &err), 0, "%s", err.msg);
    cr_assert_geq(fps.n, info.fingerprints);
    /* every fingerprint at once, then every third alone */
    cr_assert_eq(pv_index__lookup(plain, fps.v, fps.n, on_lookup, &a, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_index__lookup(through, fps.v, fps.n, on_lookup, &b, &err), 0, "%s", err.msg);
    for (size_t i = 0; i < fps.n; i += 3) {
        cr_assert_eq(pv_index__lookup(plain, fps.v + i, 1, on_lookup, &a, &err), 0, "%s", err.msg);
        cr_assert_eq(pv_index__lookup(through, fps.v + i, 1, on_lookup, &b, &err), 0, "%s",
                     err.msg);
    }
    cr_assert_gt(a.n, 0);
    cr_assert_eq(a.n, b.n);
    cr_assert(memcmp(a.buf, b.buf, a.n) == 0, "the table's postings differ from the blocks'");
    for (d = 0; d < info.documents; d++) {
        pv_line_table x, y;
        cr_assert_eq(pv_index__lines(plain, d, &x, &err), 0, "%s", err.msg);
        cr_assert_eq(pv_index__lines(through, d, &y, &err), 0, "%s", err.msg);
        cr_assert(!x.borrowed && y.borrowed);
        cr_assert_eq(x.nlines, y.nlines);
        cr_assert_eq(x.nruns, y.nruns);
        cr_assert(memcmp(x.line_tok, y.line_tok, (x.nlines + 1) * sizeof *x.line_tok) == 0);
        cr_assert(memcmp(x.line_check, y.line_check, x.nlines) == 0);
        cr_assert_eq(x.checks, y.checks);
        cr_assert(x.nruns == 0 ||
                  (memcmp(x.run_tok, y.run_tok, x.nruns * sizeof *x.run_tok) == 0 &&
                   memcmp(x.run_origin, y.run_origin, x.nruns * sizeof *x.run_origin) == 0));
        pv_index__lines_free(&x);
        pv_index__lines_free(&y);
        cr_assert_null(y.line_tok); /* let go, not freed: the table keeps it */
    }
    pv_index__cursor_free(plain);
    pv_index__cursor_free(through);
    pv_index__table_free(t);
    free(fps.v);
    free(a.buf);
    free(b.buf);
}

Test(scan_table, an_index_over_the_budget_is_not_decoded)
{
    pv_index_table *t = (pv_index_table *)&t;
    pv_err err = {0, ""};
    cr_assert_eq(pv_index__table_load(g_cix, 1024, &t, &err), 0, "%s", err.msg);
    cr_assert_null(t);
}

/* A result as text: every span with its rows, credits and flags. */
static char *result_text(const pv_result *r)
{
    size_t cap = 1 << 16, n = 0, i, j;
    char *out = malloc(cap);
    cr_assert(out);
#define PUT(...)                                                                                   \
    do {                                                                                           \
        int k_ = snprintf(out + n, cap - n, __VA_ARGS__);                                          \
        cr_assert(k_ >= 0 && (size_t)k_ < cap - n);                                                \
        n += (size_t)k_;                                                                           \
    } while (0)
    PUT("tokens %u matched %u authors %zu\n", r->tokens, r->matched_tokens, r->nauthors);
    for (i = 0; i < r->nspans; i++) {
        const pv_span *sp = &r->spans[i];
        PUT("span %u-%u bytes %u-%u lines %u-%u common %d %s strength %.2f credits %zu\n",
            sp->tok_start, sp->tok_end, sp->start, sp->end, sp->line_start, sp->line_end,
            sp->common, sp->common_license ? sp->common_license : "-", sp->strength, sp->ncredits);
        for (j = 0; j < sp->nsources + sp->ncopies; j++) {
            const pv_source_ref *x =
                j < sp->nsources ? &sp->sources[j] : &sp->copies[j - sp->nsources];
            PUT("  %s %u lines %u-%u tokens %u origin %d full %d\n",
                j < sp->nsources ? "src" : "copy", x->document, x->line_start, x->line_end,
                x->matched_tokens, x->origin, x->full);
        }
    }
#undef PUT
    return out;
}

/* Whole files and their halves of the corpus, matched through a plain cursor and through the
 * table: the same spans (license text among them, common or not). */
Test(scan_table, matches_through_the_table_are_those_through_the_blocks)
{
    static const char *const FILES[] = {"feedparser/LICENSE", "feedparser/README.rst",
                                        "rss/LICENSE-APACHE", "rss/README.md", "warcio/README.rst"};
    pv_index_table *t = NULL;
    pv_index_cursor *through = NULL;
    pv_match_opts mo = PV_MATCH_OPTS_INIT;
    pv_err err = {0, ""};
    size_t f, spans = 0;

    cr_assert_eq(pv_index__table_load(g_cix, UINT64_MAX, &t, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_index__cursor_new(g_cix, &through, &err), 0, "%s", err.msg);
    pv_index__cursor_use(through, t);
    for (f = 0; f < sizeof FILES / sizeof FILES[0]; f++) {
        char path[256];
        size_t len, part;
        char *text;
        snprintf(path, sizeof path, "fixtures/corpus/%s", FILES[f]);
        text = pv_test_read_file(path, &len);
        for (part = 0; part < 3; part++) {
            size_t from = part == 2 ? len / 2 : 0, to = part == 1 ? len / 2 : len;
            pv_result *x = NULL, *y = NULL;
            char *tx, *ty;
            cr_assert_eq(pv_match_run(g_cix, text + from, to - from, &mo, &x, &err), 0, "%s",
                         err.msg);
            cr_assert_eq(pv_match__run(g_cix, through, text + from, to - from, &mo, &y, &err), 0,
                         "%s", err.msg);
            tx = result_text(x);
            ty = result_text(y);
            cr_assert_str_eq(tx, ty, "%s [%zu, %zu)", FILES[f], from, to);
            spans += x->nspans;
            free(tx);
            free(ty);
            pv_result_free(x);
            pv_result_free(y);
        }
        free(text);
    }
    cr_assert_geq(spans, 15);
    pv_index__cursor_free(through);
    pv_index__table_free(t);
}

/* ---- JSON lines parsed on the workers, in batches of lines ------------------------------ */

/* Every diagnostic, in order, one per line (the suite's on_diag keeps errors only). */
static void on_any_diag(void *ctx, pv_severity sev, const char *msg)
{
    seen *s = ctx;
    size_t k = strlen(msg);
    if (s->n + k + 4 > s->cap) {
        s->cap = 2 * (s->n + k + 4);
        s->buf = realloc(s->buf, s->cap);
        cr_assert(s->buf);
    }
    s->n += (size_t)snprintf(s->buf + s->n, s->cap - s->n, "%d %s\n", (int)sev, msg);
}

/* Scan dataset with jobs threads and records over max_record bytes skipped: the findings as
 * lines, and every diagnostic in *diags (both malloc'ed). */
static char *scan_all(const char *dataset, unsigned jobs, uint64_t max_record, pv_scan_stats *st,
                      char **diags)
{
    pv_index *ix = NULL;
    pv_scan *s = NULL;
    pv_scan_opts o = PV_SCAN_OPTS_INIT;
    pv_err err = {0, ""};
    seen sn = {NULL, 0, 0, 0}, dg = {NULL, 0, 0, 0};
    o.jobs = jobs;
    o.max_record_size = max_record;
    o.diag = on_any_diag;
    o.ctx = &dg;
    cr_assert_eq(pv_index_open(&ix, g_index, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_scan_new(ix, &o, &s, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_scan_run(s, &dataset, 1, on_found, &sn, st, &err), 0, "%s", err.msg);
    pv_scan_free(s);
    pv_index_free(ix);
    *diags = dg.buf ? dg.buf : strdup("");
    return sn.buf ? sn.buf : strdup("");
}

/* 30,000 lines of tiny records (many batches of lines, cut by size and by count), with a
 * blank line and a bad one before the first record, empty and bad records, a NUL escape, a
 * line too long to hold, and my documents at lines on either side of a batch's end and on
 * the last line, which lacks its "\n": the same findings, record numbers, counts and
 * diagnostics, in the same order, for every --jobs. */
Test(scan, tiny_records_in_batches_same_for_every_jobs)
{
    const size_t nlines = 30000, big = (size_t)1100 << 10;
    const size_t plant[] = {4096, 4097, 5000, 12345, 30000};
    size_t cap = (size_t)8 << 20, n = 0, ln, docs = 0, i;
    char *data = malloc(cap), *want = malloc(1 << 16), text[4096], id[32];
    pv_scan_stats s1, s2, s3;
    char *d1, *d2, *d3, *one, *two, *three;
    cr_assert(data && want);
    want[0] = '\0';
    for (ln = 1; ln <= nlines; ln++) {
        size_t p;
        data[n] = '\0';
        snprintf(id, sizeof id, "t-%zu", ln);
        for (p = 0; p < sizeof plant / sizeof plant[0] && plant[p] != ln; p++)
            ;
        if (ln == 1) {
            strcat(data + n, "\n");
        } else if (ln == 2 || ln % 997 == 0) {
            strcat(data + n, "{\"id\": \"broken\", \"text\": \n");
        } else if (ln % 1001 == 0) {
            jsonl_record(data + n, cap - n, id, "");
        } else if (ln == 7777) {
            strcat(data + n, "{\"id\": \"nul\", \"text\": \"a \\u0000 in copper kettle\"}\n");
            docs++;
        } else if (ln == 9000) { /* longer than max_record_size * 6 + 1 MiB */
            cr_assert(n + big + 64 < cap);
            memcpy(data + n, "{\"id\":\"big\",\"text\":\"", 20);
            memset(data + n + 20, 'x', big);
            strcpy(data + n + 20 + big, "\"}\n");
        } else if (p < sizeof plant / sizeof plant[0]) {
            docs++;
            jsonl_record(data + n, cap - n, id, p % 2 ? PROSE : CODE);
            snprintf(want + strlen(want), (size_t)1 << 16,
                     "tiny.jsonl #%zu %s line %zu offset -1: %s all lines 1-%d = 1-%d by Dana "
                     "Writer\n",
                     docs, id, ln, p % 2 ? "lighthouse.txt" : "ledger.c",
                     p % 2 ? PROSE_LINES : CODE_LINES, p % 2 ? PROSE_LINES : CODE_LINES);
        } else {
            text[0] = '\0';
            unrelated(text, sizeof text, 1);
            text[strlen(text) - 1] = '\0'; /* no line end in the text */
            jsonl_record(data + n, cap - n, id, text);
            docs++;
        }
        n += strlen(data + n);
    }
    cr_assert_eq(data[n - 1], '\n');
    n--; /* the last line lacks its "\n" */
    pv_test_put("data/tiny.jsonl", data, n);
    free(data);

    one = scan_all(pv_test_path("data/tiny.jsonl"), 1, 1000, &s1, &d1);
    two = scan_all(pv_test_path("data/tiny.jsonl"), 2, 1000, &s2, &d2);
    three = scan_all(pv_test_path("data/tiny.jsonl"), 3, 1000, &s3, &d3);
    cr_expect_str_eq(one, want);
    cr_expect_str_eq(two, one);
    cr_expect_str_eq(three, one);
    cr_expect_str_eq(d2, d1);
    cr_expect_str_eq(d3, d1);
    cr_expect(strstr(d1, "tiny.jsonl: line 2: invalid JSON") != NULL, "%s", d1);
    cr_expect(strstr(d1, "tiny.jsonl: line 9000: record longer than") != NULL, "%s", d1);
    cr_expect(strstr(d1, "tiny.jsonl: line 7777: NUL bytes or lone surrogates replaced") != NULL,
              "%s", d1);
    for (i = 0; i < 3; i++) {
        const pv_scan_stats *st = i == 0 ? &s1 : i == 1 ? &s2 : &s3;
        cr_expect_eq(st->records, nlines - 1, "--jobs %zu", i + 1);
        cr_expect_eq(st->bad_records, 1 + nlines / 997, "--jobs %zu", i + 1);
        cr_expect_eq(st->skipped, 1 + (nlines / 1001 - nlines / (997 * 1001)), "--jobs %zu", i + 1);
        cr_expect_eq(st->findings, sizeof plant / sizeof plant[0], "--jobs %zu", i + 1);
        cr_expect_eq(st->found_records, sizeof plant / sizeof plant[0], "--jobs %zu", i + 1);
        cr_expect_eq(st->datasets, 1, "--jobs %zu", i + 1);
        cr_expect_eq(st->tokens, s1.tokens, "--jobs %zu", i + 1);
    }
    free(one);
    free(two);
    free(three);
    free(d1);
    free(d2);
    free(d3);
    free(want);
}

/* A WARC file of 20,000 tiny records, my documents in a few: records are handed to the
 * workers in batches, and when the queue is full the reader scans a batch itself (which must
 * free it: LeakSanitizer watches this test). The same findings for every --jobs. */
Test(scan, tiny_warc_records_same_for_every_jobs)
{
    const int nrec = 20000;
    size_t cap = (size_t)16 << 20, n = 0;
    char *out = malloc(cap), text[4096];
    const char *ds[1];
    pv_scan_stats s1, s2, s3;
    char *one, *two, *three;
    size_t in_use;
    int i;
    cr_assert(out);
    for (i = 1; i <= nrec; i++) {
        text[0] = '\0';
        if (i == 5000 || i == 17000)
            strcat(text, i == 5000 ? CODE : PROSE);
        else
            unrelated(text, sizeof text, 1);
        n += (size_t)snprintf(out + n, cap - n,
                              "WARC/1.0\r\nWARC-Type: resource\r\n"
                              "WARC-Target-URI: http://example.org/tiny-%d\r\n"
                              "Content-Type: text/plain\r\nContent-Length: %zu\r\n\r\n%s\r\n\r\n",
                              i, strlen(text), text);
        cr_assert(n < cap);
    }
    ds[0] = pv_test_put("data/tiny.warc", out, n);
    free(out);
    free(scan(ds, 1, 2, &s1)); /* what the first run keeps for good (the C library's) */
    in_use = mallinfo2().uordblks;
    one = scan(ds, 1, 1, &s1);
    two = scan(ds, 1, 2, &s2);
    three = scan(ds, 1, 3, &s3);
    cr_expect(strstr(one, "tiny.warc #5000 http://example.org/tiny-5000 ") != NULL, "%s", one);
    cr_expect(strstr(one, "tiny.warc #17000 http://example.org/tiny-17000 ") != NULL, "%s", one);
    cr_expect_str_eq(two, one);
    cr_expect_str_eq(three, one);
    cr_expect_eq(s1.records, (uint64_t)nrec);
    cr_expect_eq(s2.records, s1.records);
    cr_expect_eq(s3.findings, s1.findings);
    free(one);
    free(two);
    free(three);
    /* nothing of the 60,000 records is kept (0 under AddressSanitizer, which has its own) */
    cr_expect_lt(mallinfo2().uordblks, in_use + ((size_t)1 << 20), "%zu bytes more in use",
                 mallinfo2().uordblks - in_use);
}

/* A folder of 9,000 small files (batches of files cut by count) and a few large ones (cut by
 * size), read by the workers: my prose with CRLF line ends, my code without a final line
 * end, an empty file and a binary one between them. The same findings, record numbers,
 * counts and diagnostics, in the same order, for every --jobs. */
Test(scan, a_folder_of_many_files_same_for_every_jobs)
{
    const int nfiles = 9000;
    char rel[64], text[4096], crlf[8192], *big, *d1, *d2, *d3, *one, *two, *three;
    const char *dir;
    pv_scan_stats s1, s2, s3;
    size_t i, k = 0, bigsize = (size_t)300 << 10;
    int f;
    for (i = 0; PROSE[i]; i++) { /* my prose, every line ending "\r\n" */
        if (PROSE[i] == '\n')
            crlf[k++] = '\r';
        crlf[k++] = PROSE[i];
    }
    crlf[k] = '\0';
    cr_assert(big = malloc(bigsize + 1));
    for (f = 0; f < nfiles; f++) {
        snprintf(rel, sizeof rel, "many/d%02d/f%05d.txt", f / 1000, f);
        if (f == 10 || f == 4200 || f == 8999) {
            pv_test_put_str(rel, f == 4200 ? crlf : PROSE);
        } else if (f == 5000) {
            pv_test_put(rel, CODE, strlen(CODE) - 1); /* no final line end */
        } else if (f == 6000) {
            pv_test_put(rel, "", 0);
        } else if (f == 6001) {
            pv_test_put(rel, "\0\1\2binary\0", 10);
        } else if (f % 3000 == 1) { /* larger than a batch */
            for (k = 0; k < bigsize;) {
                text[0] = '\0';
                unrelated(text, sizeof text, 8);
                for (i = 0; text[i] && k < bigsize; i++)
                    big[k++] = text[i];
            }
            pv_test_put(rel, big, bigsize);
        } else {
            text[0] = '\0';
            unrelated(text, sizeof text, 2);
            pv_test_put_str(rel, text);
        }
    }
    free(big);
    dir = pv_test_path("many");
    one = scan_all(dir, 1, 0, &s1, &d1);
    two = scan_all(dir, 2, 0, &s2, &d2);
    three = scan_all(dir, 3, 0, &s3, &d3);
    cr_expect(strstr(one, "many #11 d00/f00010.txt line -1 offset -1: lighthouse.txt all lines "
                          "1-") != NULL,
              "%s", one);
    cr_expect(strstr(one, "many #4201 d04/f04200.txt line -1 offset -1: lighthouse.txt all") !=
                  NULL,
              "%s", one);
    cr_expect(strstr(one, "many #5001 d05/f05000.txt line -1 offset -1: ledger.c all") != NULL,
              "%s", one);
    cr_expect(strstr(one, "many #8999 d08/f08999.txt line -1 offset -1: lighthouse.txt all") !=
                  NULL,
              "%s", one);
    cr_expect(strstr(d1, "f06001.txt") != NULL, "%s", d1);
    cr_expect_str_eq(two, one);
    cr_expect_str_eq(three, one);
    cr_expect_str_eq(d2, d1);
    cr_expect_str_eq(d3, d1);
    cr_expect_eq(s1.records, (uint64_t)nfiles);
    cr_expect_eq(s2.records, s1.records);
    cr_expect_eq(s3.records, s1.records);
    cr_expect_eq(s1.findings, 4);
    cr_expect_eq(s2.findings, s1.findings);
    cr_expect_eq(s3.findings, s1.findings);
    cr_expect_eq(s2.skipped, s1.skipped);
    cr_expect_eq(s3.skipped, s1.skipped);
    cr_expect_eq(s2.read_bytes, s1.read_bytes);
    cr_expect_eq(s3.read_bytes, s1.read_bytes);
    cr_expect_eq(s2.tokens, s1.tokens);
    cr_expect_eq(s3.tokens, s1.tokens);
    free(one);
    free(two);
    free(three);
    free(d1);
    free(d2);
    free(d3);
    pv_test_rmtree(dir);
}

/* JSON lines read straight into batches: lines ending "\r\n", a record of 700 KB (longer
 * than a batch and than a read, so that it is carried over reads and batches) holding my
 * code at its end, the line after it holding my prose, a last line without its "\n"; and an
 * empty file. The same findings and lines for every --jobs. */
Test(scan, long_and_crlf_json_lines_across_batches_same_for_every_jobs)
{
    const size_t bigtext = (size_t)700 << 10;
    size_t cap = (size_t)4 << 20, n = 0;
    char *data = malloc(cap), *text = malloc(bigtext + 4096), id[32];
    char *d1, *d2, *d3, *one, *two, *three;
    pv_scan_stats s1, s2, s3;
    int ln;
    cr_assert(data && text);
    for (ln = 1; ln <= 400; ln++) {
        snprintf(id, sizeof id, "c-%d", ln);
        text[0] = '\0';
        if (ln == 200) {
            while (strlen(text) < bigtext)
                unrelated(text + strlen(text), bigtext + 4096 - strlen(text), 20);
            strcat(text, CODE);
        } else if (ln == 201 || ln == 400) {
            strcat(text, PROSE);
        } else {
            unrelated(text, 4096, 2);
        }
        data[n] = '\0';
        jsonl_record(data + n, cap - n, id, text);
        n += strlen(data + n);
        cr_assert(n + 2 < cap);
        data[n - 1] = '\r'; /* "\r\n" */
        data[n++] = '\n';
    }
    n -= 2; /* the last line lacks its "\r\n" */
    pv_test_put("data/crlf.jsonl", data, n);
    pv_test_put("data/empty.jsonl", "", 0);
    one = scan_all(pv_test_path("data/crlf.jsonl"), 1, 0, &s1, &d1);
    two = scan_all(pv_test_path("data/crlf.jsonl"), 2, 0, &s2, &d2);
    three = scan_all(pv_test_path("data/crlf.jsonl"), 3, 0, &s3, &d3);
    cr_expect(strstr(one, "crlf.jsonl #200 c-200 line 200 offset -1: ledger.c all") != NULL, "%s",
              one);
    cr_expect(strstr(one, "crlf.jsonl #201 c-201 line 201 offset -1: lighthouse.txt all") != NULL,
              "%s", one);
    cr_expect(strstr(one, "crlf.jsonl #400 c-400 line 400 offset -1: lighthouse.txt all") != NULL,
              "%s", one);
    cr_expect_str_eq(two, one);
    cr_expect_str_eq(three, one);
    cr_expect_str_eq(d2, d1);
    cr_expect_str_eq(d3, d1);
    cr_expect_eq(s1.records, 400);
    cr_expect_eq(s1.bad_records, 0);
    cr_expect_eq(s2.records, s1.records);
    cr_expect_eq(s3.records, s1.records);
    cr_expect_eq(s2.tokens, s1.tokens);
    cr_expect_eq(s3.tokens, s1.tokens);
    free(one);
    free(two);
    free(three);
    free(d1);
    free(d2);
    free(d3);
    one = scan_all(pv_test_path("data/empty.jsonl"), 2, 0, &s2, &d2);
    cr_expect_str_eq(one, "");
    cr_expect_eq(s2.records, 0);
    cr_expect_eq(s2.datasets, 1);
    free(one);
    free(d2);
    free(data);
    free(text);
}
