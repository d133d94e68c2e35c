/*
 * test_index.c - index writer and reader: round trip, spilled runs merge to the same
 * postings, parameters recorded and refused, atomic writes, and corrupt files (truncated
 * at every chunk boundary, every byte flipped, fields forged under resealed checksums) give
 * an error or exactly the intact answer; every public function takes err == NULL.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "index_int.h"
#include "provscan.h"
#include "util.h"

static const char *dir;

static void mk_tmp(void)
{
    dir = pv_test_tmpdir("pvidx-");
}

static void rm_tmp(void)
{
    cr_assert_eq(pv_test_rmtree(dir), 0);
}

TestSuite(index, .init = mk_tmp, .fini = rm_tmp);

static void build(const char *out, const char *src, size_t memory, pv_build_stats *st)
{
    pv_build_opts o = PV_BUILD_OPTS_INIT;
    pv_err err = {0, {0}};
    const char *srcs[] = {src};
    o.jobs = 2;
    if (memory)
        o.memory = memory;
    cr_assert_eq(pv_index_build(out, srcs, 1, &o, st, &err), 0, "%s", err.msg);
}

static const char *query =
    "The stream object could be a file on disk or a remote network stream.\n"
    "The ``ArchiveIterator`` reads the WARC content in a single pass. The\n"
    "``record`` is represented by an ``ArcWarcRecord`` object which contains\n"
    "the format (ARC or WARC), record type, the record headers, http headers\n";

Test(index, round_trip_counts_and_parameters)
{
    char path[128];
    pv_build_stats st;
    pv_index *ix = NULL;
    pv_index_info info;
    pv_err err = {0, {0}};
    struct stat sb;
    snprintf(path, sizeof path, "%s/a.pvx", dir);
    build(path, "fixtures/corpus", 0, &st);
    cr_assert_eq(st.documents, 7);
    cr_assert_gt(st.postings, 100);
    cr_assert_eq(stat(path, &sb), 0);
    cr_assert_eq((uint64_t)sb.st_size, st.index_bytes);
    cr_assert_eq(pv_index_open(&ix, path, &err), 0, "%s", err.msg);
    pv_index_get_info(ix, &info);
    cr_assert_eq(info.format_version, PV_FORMAT_VERSION);
    cr_assert_eq(info.k, PV_DEFAULT_K);
    cr_assert_eq(info.w, PV_DEFAULT_W);
    cr_assert_eq(info.seed, PV_DEFAULT_SEED);
    cr_assert_eq(info.fp_bits, 48);
    cr_assert_eq(info.documents, 7);
    cr_assert_eq(info.postings, st.postings);
    cr_assert_eq(info.fingerprints, st.fingerprints);
    cr_assert_eq(info.tokens, st.tokens);
    cr_assert_eq(info.input_bytes, st.bytes);
    cr_assert_eq(info.nchunks, 11);
    pv_index_free(ix);
}

/* A corpus of random words big enough to overflow a 1 MiB budget several times. */
static void make_big_corpus(const char *root)
{
    static const char *words[] = {"alpha", "beta",  "gamma", "delta", "omega", "sigma", "rho",
                                  "tau",   "kappa", "zeta",  "eta",   "theta", "iota",  "mu",
                                  "nu",    "xi",    "pi",    "chi",   "psi",   "phi"};
    char path[256];
    unsigned seed = 12345;
    int f, i;
    mkdir(root, 0755);
    for (f = 0; f < 8; f++) {
        FILE *fp;
        snprintf(path, sizeof path, "%s/doc%02d.txt", root, f);
        fp = fopen(path, "w");
        cr_assert_not_null(fp);
        for (i = 0; i < 60000; i++) {
            seed = seed * 1103515245u + 12345u;
            fprintf(fp, "%s%u%c", words[(seed >> 16) % 20], (seed >> 8) % 97,
                    i % 12 == 11 ? '\n' : ' ');
        }
        fclose(fp);
    }
}

Test(index, spilled_runs_merge_to_the_same_postings)
{
    char root[128], a[128], b[128];
    pv_build_stats sa, sb;
    pv_index *ia = NULL, *ib = NULL;
    pv_index_info infa, infb;
    pv_err err = {0, {0}};
    size_t i, j;
    snprintf(root, sizeof root, "%s/big", dir);
    snprintf(a, sizeof a, "%s/mem.pvx", dir);
    snprintf(b, sizeof b, "%s/spill.pvx", dir);
    make_big_corpus(root);
    build(a, root, 0, &sa);
    build(b, root, (size_t)1 << 20, &sb);
    cr_assert_eq(sa.runs, 0);
    cr_assert_geq(sb.runs, 2, "only %llu runs spilled", (unsigned long long)sb.runs);
    cr_assert_eq(sa.postings, sb.postings);
    cr_assert_eq(sa.fingerprints, sb.fingerprints);
    cr_assert_eq(pv_index_open(&ia, a, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_index_open(&ib, b, &err), 0, "%s", err.msg);
    pv_index_get_info(ia, &infa);
    pv_index_get_info(ib, &infb);
    /* the posting chunks are byte-identical */
    for (i = 0; i < infa.nchunks; i++)
        if (strcmp(infa.chunks[i].id, "PSTG") == 0)
            for (j = 0; j < infb.nchunks; j++)
                if (strcmp(infb.chunks[j].id, "PSTG") == 0)
                    cr_assert_eq(infa.chunks[i].size, infb.chunks[j].size);
    pv_index_free(ia);
    pv_index_free(ib);
}

Test(index, failed_build_leaves_no_file)
{
    char path[128], tmpname[160];
    pv_build_opts o = PV_BUILD_OPTS_INIT;
    pv_err err = {0, {0}};
    const char *srcs[] = {"fixtures/does-not-exist"};
    struct stat sb;
    snprintf(path, sizeof path, "%s/x.pvx", dir);
    cr_assert_neq(pv_index_build(path, srcs, 1, &o, NULL, &err), 0);
    cr_assert(strstr(err.msg, "fixtures/does-not-exist") != NULL, "%s", err.msg);
    cr_assert_neq(stat(path, &sb), 0);
    snprintf(tmpname, sizeof tmpname, "%s/x.pvx.tmp.%ld", dir, (long)getpid());
    cr_assert_neq(stat(tmpname, &sb), 0);
}

Test(index, rejects_bad_parameters)
{
    char path[128];
    pv_build_opts o = PV_BUILD_OPTS_INIT;
    pv_err err = {0, {0}};
    const char *srcs[] = {"fixtures/corpus"};
    snprintf(path, sizeof path, "%s/p.pvx", dir);
    o.k = 0;
    cr_assert_eq(pv_index_build(path, srcs, 1, &o, NULL, &err), PV_EINVAL);
    cr_assert(strstr(err.msg, "k must be") != NULL, "%s", err.msg);
}

/* Writes v as header byte off of the index at path and reseals the header checksum. */
static void patch_header(const char *path, size_t off, unsigned char v)
{
    size_t len, nch;
    unsigned char *b, *tmp;
    b = pv_test_read_file(path, &len);
    b[off] = v;
    nch = b[40];
    tmp = malloc(56 + nch * 32);
    cr_assert_not_null(tmp);
    memcpy(tmp, b, 56);
    memcpy(tmp + 56, b + 64, nch * 32);
    {
        uint64_t h = XXH3_64bits_withSeed(tmp, 56 + nch * 32, 0);
        for (int i = 0; i < 8; i++)
            b[56 + i] = (unsigned char)(h >> (8 * i));
    }
    pv_test_write_file(path, b, len);
    free(tmp);
    free(b);
}

/* A query against an index built with another normalization version is refused. */
Test(index, refuses_other_normalization_version)
{
    char path[128];
    pv_index *ix = NULL;
    pv_result *res = NULL;
    pv_err err = {0, {0}};
    snprintf(path, sizeof path, "%s/n.pvx", dir);
    build(path, "fixtures/corpus", 0, NULL);
    patch_header(path, 12, 99); /* norm_version */
    cr_assert_eq(pv_index_open(&ix, path, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_match_run(ix, query, strlen(query), NULL, &res, &err), PV_EPARAMS);
    cr_assert(strstr(err.msg, "normalization version 99") != NULL, "%s", err.msg);
    pv_index_free(ix);
}

/* An index of format 2 (a 16-bit check per line, no token checks) is refused at open, with
 * a message that names both versions. */
Test(index, refuses_format_2)
{
    char path[128];
    pv_index *ix = NULL;
    pv_err err = {0, {0}};
    snprintf(path, sizeof path, "%s/v2.pvx", dir);
    build(path, "fixtures/corpus", 0, NULL);
    patch_header(path, 8, 2); /* format_version */
    cr_assert_eq(pv_index_open(&ix, path, &err), PV_EVERSION);
    cr_assert_null(ix);
    cr_assert(strstr(err.msg, "has format version 2; this provscan reads version 3") != NULL, "%s",
              err.msg);
}

static int same_result(const pv_result *x, const pv_result *y)
{
    size_t i;
    if (x->nspans != y->nspans || x->matched_tokens != y->matched_tokens)
        return 0;
    for (i = 0; i < x->nspans; i++)
        if (x->spans[i].start != y->spans[i].start || x->spans[i].end != y->spans[i].end ||
            x->spans[i].sources[0].line_start != y->spans[i].sources[0].line_start ||
            strcmp(x->spans[i].sources[0].locator, y->spans[i].sources[0].locator) != 0)
            return 0;
    return 1;
}

/* An index of format 3 written before the optional BLOB chunk was added is read as it was:
 * the same answers, no blob ids. */
Test(index, index_without_the_optional_blob_chunk_is_read)
{
    char path[128], full[128];
    size_t len, nch, i;
    unsigned char *b;
    pv_index *ix = NULL, *ix_full = NULL;
    pv_result *res = NULL, *res_full = NULL;
    pv_err err = {0, {0}};
    const unsigned char zero[20] = {0};
    uint32_t doc;
    snprintf(path, sizeof path, "%s/noblob.pvx", dir);
    snprintf(full, sizeof full, "%s/full.pvx", dir);
    build(full, "fixtures/corpus", 0, NULL);
    b = pv_test_read_file(full, &len);
    nch = b[40];
    for (i = 0; i < nch && memcmp(b + 64 + i * 32, "BLOB", 4) != 0; i++)
        ;
    cr_assert_lt(i, nch, "the writer writes a BLOB chunk");
    memmove(b + 64 + i * 32, b + 64 + (nch - 1) * 32, 32); /* the last entry takes its place */
    memset(b + 64 + (nch - 1) * 32, 0, 32);
    pv_test_write_file(path, b, len);
    free(b);
    patch_header(path, 40, (unsigned char)(nch - 1));
    cr_assert_eq(pv_index_open(&ix, path, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_index_open(&ix_full, full, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_match_run(ix, query, strlen(query), NULL, &res, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_match_run(ix_full, query, strlen(query), NULL, &res_full, &err), 0, "%s",
                 err.msg);
    cr_expect(same_result(res, res_full));
    cr_expect_gt(res->nspans, 0);
    cr_expect_eq(pv_index__blob_docs(ix, zero, &doc, 1), 0);
    pv_result_free(res);
    pv_result_free(res_full);
    pv_index_free(ix);
    pv_index_free(ix_full);
}

Test(index, truncated_at_every_chunk_boundary_is_an_error)
{
    char path[128], cut[128];
    size_t len, i, ncuts = 0;
    unsigned char *b;
    pv_index *ix = NULL;
    pv_index_info info;
    pv_err err = {0, {0}};
    uint64_t cuts[64];
    snprintf(path, sizeof path, "%s/t.pvx", dir);
    snprintf(cut, sizeof cut, "%s/cut.pvx", dir);
    build(path, "fixtures/corpus/feedparser", 0, NULL);
    b = pv_test_read_file(path, &len);
    cr_assert_eq(pv_index_open(&ix, path, &err), 0, "%s", err.msg);
    pv_index_get_info(ix, &info);
    cuts[ncuts++] = 0;
    cuts[ncuts++] = 8;
    cuts[ncuts++] = 64;
    for (i = 0; i < info.nchunks; i++) {
        cuts[ncuts++] = info.chunks[i].offset;
        cuts[ncuts++] = info.chunks[i].offset + info.chunks[i].size / 2;
    }
    cuts[ncuts++] = len - 1;
    pv_index_free(ix);
    for (i = 0; i < ncuts; i++) {
        int rc;
        pv_test_write_file(cut, b, (size_t)cuts[i]);
        ix = NULL;
        memset(&err, 0, sizeof err);
        rc = pv_index_open(&ix, cut, &err);
        cr_assert_lt(rc, 0, "truncated at %llu accepted", (unsigned long long)cuts[i]);
        cr_assert_null(ix);
        cr_assert(strstr(err.msg, cut) != NULL, "message does not name the file: %s", err.msg);
    }
    free(b);
}

/* ---- corrupt indexes: refused, or exactly the intact answer ------------------------------ */

/* Appends the printf-formatted text to the dump d (grown as needed). */
typedef struct dump {
    char *s;
    size_t n, cap;
} dump;

static void dumpf(dump *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void dumpf(dump *d, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    cr_assert_geq(n, 0);
    if (d->n + (size_t)n + 1 > d->cap) {
        d->cap = (d->n + (size_t)n + 1) * 2;
        d->s = realloc(d->s, d->cap);
        cr_assert_not_null(d->s);
    }
    va_start(ap, fmt);
    vsnprintf(d->s + d->n, (size_t)n + 1, fmt, ap);
    va_end(ap);
    d->n += (size_t)n;
}

#define S_(x) ((x) ? (x) : "(null)")

static void dump_ref(dump *d, const char *what, const pv_source_ref *r)
{
    dumpf(d, "  %s doc=%u kind=%s source=%s locator=%s commit=%s url=%s license=%s\n", what,
          r->document, S_(r->kind), S_(r->source), S_(r->locator), S_(r->commit), S_(r->url),
          S_(r->license));
    dumpf(d,
          "    first_commit=%s author=%s <%s> id=%s date=%lld lines=%u-%u matched=%u origin=%d "
          "full=%d\n",
          S_(r->first_commit), S_(r->author_name), S_(r->author_email), S_(r->author_id),
          (long long)r->date, r->line_start, r->line_end, r->matched_tokens, r->origin, r->full);
}

static void dump_author(dump *d, const pv_author_credit *a)
{
    dumpf(d, "  author %s <%s> id=%s tokens=%.6f share=%.6f\n", S_(a->name), S_(a->email),
          S_(a->id), a->tokens, a->share);
}

/* Everything a result says (what every report is made of), as text: two results are the same
 * answer exactly when their dumps are equal. The caller frees it. */
static char *dump_result(const pv_result *r)
{
    dump d = {NULL, 0, 0};
    size_t i, j;
    dumpf(&d, "tokens=%u matched=%u coverage=%.6f invalid_utf8=%llu\n", r->tokens,
          r->matched_tokens, r->coverage, (unsigned long long)r->invalid_utf8);
    for (i = 0; i < r->nauthors; i++)
        dump_author(&d, &r->authors[i]);
    for (i = 0; i < r->nspans; i++) {
        const pv_span *sp = &r->spans[i];
        dumpf(&d,
              "span bytes=%u-%u lines=%u-%u tokens=%u-%u (%u) common=%d license=%s "
              "copies=%zu/%u in_source=%u strength=%.2f\n",
              sp->start, sp->end, sp->line_start, sp->line_end, sp->tok_start, sp->tok_end,
              sp->tokens, sp->common, S_(sp->common_license), sp->ncopies, sp->copies_total,
              sp->copies_in_source, sp->strength);
        for (j = 0; j < sp->nsources; j++)
            dump_ref(&d, "source", &sp->sources[j]);
        for (j = 0; j < sp->ncopies; j++)
            dump_ref(&d, "copy", &sp->copies[j]);
        for (j = 0; j < sp->nauthors; j++)
            dump_author(&d, &sp->authors[j]);
        for (j = 0; j < sp->ncredits; j++) {
            const pv_span_credit *c = &sp->credits[j];
            dumpf(&d,
                  "  credit tokens=%u-%u lines=%u-%u %s <%s> id=%s commit=%s date=%lld "
                  "tokens=%.6f before=%d\n",
                  c->tok_start, c->tok_end, c->line_start, c->line_end, S_(c->name), S_(c->email),
                  S_(c->id), S_(c->commit), (long long)c->date, c->tokens, c->before);
        }
    }
    return d.s;
}

#define T2019 1546300800 /* 2019-01-01 */
#define T2020 1590969600 /* 2020-06-01 */

/* A git history with what every report shows: two authors (Alice writes widget_count in 2019
 * under an SPDX tag, Bob adds widget_average_weight in 2020), two commits, a license, and a
 * copy of Alice's function in another file (copied by Bob). */
static void make_attributed_repo(const char *repo)
{
    static char one[1024], two[2048], copy[1024];
    const char *paths[] = {"widget.c", "copy/widget_count.c"};
    const char *texts1[] = {one}, *texts2[] = {two, copy};
    git_libgit2_init();
    snprintf(one, sizeof one, "// SPDX-License-Identifier: MIT\n%s", pv_test_widget_count);
    snprintf(two, sizeof two, "%s\n%s", one, pv_test_widget_average);
    snprintf(copy, sizeof copy, "/* copied from widget.c */\n%s", pv_test_widget_count);
    pv_test_git_commit(repo, paths, texts1, 1, "Alice", "alice@example.org", T2019, NULL);
    pv_test_git_commit(repo, paths, texts2, 2, "Bob", "bob@example.org", T2020, NULL);
}

/* Every byte of an index (of a history with authors, dates, commits, a license and a copy)
 * flipped in turn: the index is refused with an error, or a query that matches gets exactly
 * the intact answer (every field of every span, source row, copy and credit). Regression: the
 * query matched nothing in its index, so an answer that lost matches counted as correct, and
 * only counts and the first locator were compared: a reader that skipped the header's checksum
 * or the ORIG chunk's passed. */
Test(index, every_byte_flipped_gives_error_or_the_whole_intact_answer, .timeout = 300)
{
    char path[128], bad[128], repo[128], *want_dump;
    size_t len, i, errors = 0, correct = 0, covered = 0;
    unsigned char *b;
    pv_index *good = NULL;
    pv_index_info info;
    pv_result *want = NULL;
    pv_err err = {0, {0}};
    char q[2048];
    FILE *f;
    snprintf(path, sizeof path, "%s/f.pvx", dir);
    snprintf(bad, sizeof bad, "%s/bad.pvx", dir);
    snprintf(repo, sizeof repo, "%s/repo", dir);
    make_attributed_repo(repo);
    build(path, repo, 0, NULL);
    /* two spans: Alice's function (held whole by a copy too), then Bob's */
    snprintf(q, sizeof q,
             "Here is the code:\n%s\nAnd then, quite apart from that, one more function "
             "that computes something else entirely for the caller:\n%s",
             pv_test_widget_count, pv_test_widget_average);
    b = pv_test_read_file(path, &len);
    cr_assert_lt(len, 64 * 1024, "sample too big: %zu", len);
    cr_assert_eq(pv_index_open(&good, path, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_match_run(good, q, strlen(q), NULL, &want, &err), 0, "%s", err.msg);
    want_dump = dump_result(want);
    /* the answer holds what a corrupt index could change: both authors, dates, commits, the
     * license and the copy */
    cr_assert_gt(want->nspans, 0, "%s", want_dump);
    cr_assert(strstr(want_dump, "Alice") && strstr(want_dump, "Bob") &&
                  strstr(want_dump, "license=MIT") && strstr(want_dump, "copy doc=") &&
                  strstr(want_dump, "date=1546300800") && strstr(want_dump, "date=1590969600"),
              "%s", want_dump);
    /* every chunk and the header are covered: the loop below flips every byte */
    pv_index_get_info(good, &info);
    for (i = 0; i < info.nchunks; i++)
        covered += (size_t)info.chunks[i].size;
    cr_assert_leq(covered + 64 + 32 * info.nchunks, len);
    pv_test_write_file(bad, b, len);
    f = fopen(bad, "r+b");
    cr_assert_not_null(f);
    for (i = 0; i < len; i++) {
        pv_index *ix = NULL;
        pv_result *res = NULL;
        int rc;
        fseek(f, (long)i, SEEK_SET);
        fputc(b[i] ^ 0xff, f);
        fflush(f);
        rc = pv_index_open(&ix, bad, &err);
        if (rc < 0) {
            cr_assert_neq(err.msg[0], 0);
            errors++;
        } else {
            rc = pv_match_run(ix, q, strlen(q), NULL, &res, &err);
            if (rc < 0) {
                cr_assert_neq(err.msg[0], 0);
                errors++;
            } else {
                char *got = dump_result(res);
                cr_assert_str_eq(got, want_dump, "byte %zu flipped: another answer", i);
                free(got);
                correct++;
            }
            pv_result_free(res);
            pv_index_free(ix);
        }
        fseek(f, (long)i, SEEK_SET);
        fputc(b[i], f);
    }
    fclose(f);
    cr_assert_eq(errors + correct, len);
    cr_assert_gt(errors, len * 9 / 10, "%zu of %zu flips detected", errors, len);
    free(want_dump);
    pv_result_free(want);
    pv_index_free(good);
    free(b);
}

Test(index, garbage_and_empty_files_are_refused)
{
    char path[128];
    pv_index *ix = NULL;
    pv_err err = {0, {0}};
    snprintf(path, sizeof path, "%s/g.pvx", dir);
    pv_test_write_file(path, "", 0);
    cr_assert_lt(pv_index_open(&ix, path, &err), 0);
    pv_test_write_file(
        path, "hello, this is not an index at all, just some bytes....................", 72);
    cr_assert_eq(pv_index_open(&ix, path, &err), PV_EFORMAT);
    cr_assert(strstr(err.msg, "not a provscan index") != NULL, "%s", err.msg);
    cr_assert_eq(pv_index_open(&ix, "/nonexistent/x.pvx", &err), PV_EIO);
    cr_assert(strstr(err.msg, "/nonexistent/x.pvx") != NULL, "%s", err.msg);
    cr_assert_eq(pv_index_open(&ix, dir, &err), PV_EIO);
}

/* Two copies of one text with controlled dates: a.txt is newer than b.txt. */
static void make_dated_copies(const char *root)
{
    static const char text[] =
        "Redistribution and use in source and binary forms, with or without modification, are\n"
        "permitted provided that the following conditions are met: redistributions of source\n"
        "code must retain the above copyright notice, this list of conditions and the\n"
        "following disclaimer, and the name of the author may not be used to endorse products.\n";
    const char *names[] = {"a.txt", "b.txt"};
    const time_t when[] = {1700000000, 1500000000};
    char path[256];
    int i;
    mkdir(root, 0755);
    for (i = 0; i < 2; i++) {
        struct timespec ts[2];
        snprintf(path, sizeof path, "%s/%s", root, names[i]);
        pv_test_write_file(path, text, sizeof text - 1);
        ts[0].tv_sec = ts[1].tv_sec = when[i];
        ts[0].tv_nsec = ts[1].tv_nsec = 0;
        cr_assert_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
    }
}

static const char *bsd_query =
    "Redistribution and use in source and binary forms, with or without modification, are "
    "permitted provided that the following conditions are met: redistributions of source "
    "code must retain the above copyright notice, this list of conditions and the following "
    "disclaimer\n";

/* Index the two dated copies with the given posting cap and match the BSD passage. */
static pv_result *match_dated_copies(uint32_t posting_cap, pv_index **ix)
{
    char root[128], path[128];
    pv_build_opts o = PV_BUILD_OPTS_INIT;
    const char *srcs[1];
    pv_result *res = NULL;
    pv_err err = {0, {0}};
    snprintf(root, sizeof root, "%s/dated", dir);
    snprintf(path, sizeof path, "%s/dated-%u.pvx", dir, posting_cap);
    make_dated_copies(root);
    srcs[0] = root;
    o.jobs = 2;
    o.posting_cap = posting_cap;
    cr_assert_eq(pv_index_build(path, srcs, 1, &o, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_index_open(ix, path, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_match_run(*ix, bsd_query, strlen(bsd_query), NULL, &res, &err), 0);
    cr_assert_eq(res->nspans, 1);
    return res;
}

Test(index, origin_is_the_earliest_document)
{
    pv_index *ix = NULL;
    pv_result *res = match_dated_copies(PV_DEFAULT_POSTING_CAP, &ix);
    cr_assert_eq(res->spans[0].nsources, 1);
    cr_assert_str_eq(res->spans[0].sources[0].locator, "b.txt");
    cr_assert_eq(res->spans[0].sources[0].date, 1500000000);
    cr_assert_eq(res->spans[0].copies_total, 1);
    cr_assert_eq(res->spans[0].ncopies, 1);
    cr_assert_str_eq(res->spans[0].copies[0].locator, "a.txt");
    /* two documents are not many, but the passage is BSD license text: common all the same */
    cr_assert_eq(res->spans[0].common, 1);
    cr_assert_str_eq(res->spans[0].common_license, "BSD-2-Clause");
    pv_result_free(res);
    pv_index_free(ix);
}

Test(index, posting_cap_keeps_the_earliest_document)
{
    pv_index *ix = NULL;
    pv_result *res = match_dated_copies(1, &ix);
    cr_assert_eq(res->spans[0].nsources, 1);
    cr_assert_str_eq(res->spans[0].sources[0].locator, "b.txt");
    /* a capped fingerprint is common: the span earns no credit */
    cr_assert_eq(res->spans[0].common, 1);
    cr_assert_eq(res->nauthors, 0);
    pv_result_free(res);
    pv_index_free(ix);
}

/* Document metadata lives in chunks of 65,536 documents mapped from a temporary file, the
 * chunks behind the reader are handed back to the kernel, and locators are spilled to a file
 * of their own: documents in the first chunk, in a middle one and in the last must all come
 * back with their own locator, author and date. */
Test(index, documents_past_several_chunks_keep_locators_authors_and_dates, .timeout = 120)
{
    const size_t n = 140000, probe[] = {3, 70001, 139998};
    char path[128], src[128], *query_text;
    FILE *f;
    pv_build_stats st;
    pv_index *ix = NULL;
    pv_err err = {0, {0}};
    size_t i;

    snprintf(src, sizeof src, "%s/many.jsonl", dir);
    f = fopen(src, "w");
    cr_assert_not_null(f);
    for (i = 0; i < n; i++)
        fprintf(f,
                "{\"author\":\"user%zu\",\"body\":\"gadget %zu was assembled by fitter %zu in "
                "hall %zu during shift %zu for customer %zu\",\"created_utc\":%zu,\"id\":\"c%zu\","
                "\"subreddit\":\"t\",\"permalink\":\"/r/t/comments/x/y/c%zu/\"}\n",
                i, i, i, i, i, i, (size_t)1500000000 + i, i, i);
    cr_assert_eq(fclose(f), 0);
    snprintf(path, sizeof path, "%s/many.pvx", dir);
    build(path, src, 0, &st);
    cr_assert_eq(st.documents, n);
    cr_assert_eq(pv_index_open(&ix, path, &err), 0, "%s", err.msg);
    for (i = 0; i < sizeof probe / sizeof probe[0]; i++) {
        size_t d = probe[i];
        char want_loc[96], want_author[32];
        pv_result *res = NULL;
        query_text = malloc(256);
        cr_assert_not_null(query_text);
        snprintf(query_text, 256,
                 "gadget %zu was assembled by fitter %zu in hall %zu during shift %zu for "
                 "customer %zu",
                 d, d, d, d, d);
        cr_assert_eq(pv_match_run(ix, query_text, strlen(query_text), NULL, &res, &err), 0, "%s",
                     err.msg);
        cr_assert_eq(res->nspans, 1, "document %zu: %zu spans", d, res->nspans);
        snprintf(want_loc, sizeof want_loc,
                 "https://www.reddit.com/r/t/comments/x/y/c%zu/ (many.jsonl:%zu)", d, d + 1);
        snprintf(want_author, sizeof want_author, "user%zu", d);
        cr_assert_str_eq(res->spans[0].sources[0].locator, want_loc);
        cr_assert_str_eq(res->spans[0].sources[0].author_name, want_author);
        cr_assert_eq(res->spans[0].sources[0].date, (int64_t)(1500000000 + d));
        pv_result_free(res);
        free(query_text);
    }
    pv_index_free(ix);
}

/* The job queue wakes idle workers for a batch of small documents, not for each; a document
 * too large to fit beside a short batch under a small --memory (1 MiB of queued text here)
 * must still get the workers going rather than wait for them forever. */
Test(index, a_large_document_after_small_ones_does_not_stall_the_queue, .timeout = 60)
{
    char src[128], path[128];
    FILE *f;
    pv_build_stats st;
    int i;

    snprintf(src, sizeof src, "%s/sizes.jsonl", dir);
    f = fopen(src, "w");
    cr_assert_not_null(f);
    for (i = 0; i < 40; i++) {
        int n = i % 4 == 0 ? 150000 : 9000, w; /* 1 MB, then 3 of 60 KB */
        fprintf(f, "{\"id\":\"%d\",\"text\":\"", i);
        for (w = 0; w < n; w++)
            fprintf(f, "word%d ", w % 97);
        fputs("\"}\n", f);
    }
    cr_assert_eq(fclose(f), 0);
    snprintf(path, sizeof path, "%s/sizes.pvx", dir);
    build(path, src, (size_t)16 << 20, &st);
    cr_assert_eq(st.documents, 40);
}

/* With several jobs the Stack Exchange reader hands bodies on as HTML and the workers turn
 * them into text; the index is the same as with one job, posts over --max-file-size
 * included (skipped on a worker, counted the same). */
Test(index, html_turned_into_text_on_the_workers_gives_the_same_index)
{
    const char *srcs[] = {"fixtures/stackexchange/french.meta.subset.7z"};
    pv_build_stats st[2];
    pv_index_info info[2];
    pv_err err = {0, {0}};
    char path[2][128];
    unsigned jobs;

    for (jobs = 1; jobs <= 2; jobs++) {
        pv_build_opts o = PV_BUILD_OPTS_INIT;
        pv_index *ix = NULL;
        o.jobs = jobs;
        o.max_file_size = 1500;
        o.read.site = "french.meta.stackexchange.com";
        snprintf(path[jobs - 1], sizeof path[0], "%s/se%u.pvx", dir, jobs);
        cr_assert_eq(pv_index_build(path[jobs - 1], srcs, 1, &o, &st[jobs - 1], &err), 0, "%s",
                     err.msg);
        cr_assert_eq(pv_index_open(&ix, path[jobs - 1], &err), 0, "%s", err.msg);
        pv_index_get_info(ix, &info[jobs - 1]);
        pv_index_free(ix);
    }
    cr_assert_gt(st[0].skipped_large, 0);
    cr_assert_eq(st[0].skipped_large, st[1].skipped_large);
    cr_assert_eq(st[0].documents, st[1].documents);
    cr_assert_eq(info[0].documents, info[1].documents);
    cr_assert_eq(info[0].tokens, info[1].tokens);
    cr_assert_eq(info[0].input_bytes, info[1].input_bytes);
    cr_assert_eq(info[0].fingerprints, info[1].fingerprints);
    cr_assert_eq(info[0].postings, info[1].postings);
}

/* ---- crafted document entries (reader.c validates sizes before it allocates) ------------ */

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* The file at path read whole, with *chunk pointing at the bytes of chunk id in it. */
static unsigned char *read_chunk(const char *path, const char *id, size_t *len,
                                 unsigned char **chunk)
{
    unsigned char *b = pv_test_read_file(path, len);
    size_t nch = b[40], i;
    for (i = 0; i < nch && memcmp(b + 64 + i * 32, id, 4) != 0; i++)
        ;
    cr_assert_lt(i, nch, "no chunk %s", id);
    *chunk = b + (size_t)(b[64 + i * 32 + 8] | b[64 + i * 32 + 9] << 8 | b[64 + i * 32 + 10] << 16 |
                          (uint32_t)b[64 + i * 32 + 11] << 24);
    return b;
}

/* Writes the file b (len bytes) to path with the checksum of chunk id resealed, then the
 * header's. */
static void reseal_chunk(const char *path, unsigned char *b, size_t len, const char *id)
{
    size_t nch = b[40], i;
    unsigned char *e;
    uint64_t off, size, h;
    for (i = 0; i < nch && memcmp(b + 64 + i * 32, id, 4) != 0; i++)
        ;
    cr_assert_lt(i, nch, "no chunk %s", id);
    e = b + 64 + i * 32;
    off = get32(e + 8) | (uint64_t)get32(e + 12) << 32;
    size = get32(e + 16) | (uint64_t)get32(e + 20) << 32;
    h = XXH3_64bits_withSeed(b + off, size, 0);
    for (int j = 0; j < 8; j++)
        e[24 + j] = (unsigned char)(h >> (8 * j));
    pv_test_write_file(path, b, len);
    patch_header(path, 0, b[0]);
}

/* A document entry claiming half a billion lines (and a raw line table of 4 GiB, which the
 * table's own size bounds would allow) for a document of a few kilobytes is refused at open,
 * before anything reads its lines. */
Test(index, document_entry_with_more_lines_than_bytes_is_refused_at_open)
{
    char path[128];
    size_t len;
    unsigned char *b, *docs;
    pv_index *ix = NULL;
    pv_err err = {0, {0}};
    snprintf(path, sizeof path, "%s/lines.pvx", dir);
    build(path, "fixtures/corpus/feedparser", 0, NULL);
    b = read_chunk(path, "DOCS", &len, &docs);
    put32(docs + 48, 0x20000000u); /* PV_DOC_NLINES */
    put32(docs + 44, 0xF0000000u); /* PV_DOC_LINES_RAW */
    reseal_chunk(path, b, len, "DOCS");
    free(b);
    cr_assert_eq(pv_index_open(&ix, path, &err), PV_ECORRUPT);
    cr_assert_null(ix);
    cr_assert(strstr(err.msg, "bad entry for document 0") != NULL, "%s", err.msg);
}

/* A compressed line table whose entry claims more raw bytes than its zstd frame holds is
 * refused before the raw bytes are allocated, with a message naming the document. */
Test(index, line_table_bigger_than_its_frame_is_refused_before_allocating)
{
    char path[128];
    size_t len, i;
    unsigned char *b, *docs;
    pv_index *ix = NULL;
    pv_index_cursor *c = NULL;
    pv_line_table lt;
    pv_err err = {0, {0}};
    uint32_t doc = UINT32_MAX, ntok, nlines;
    char src[128], file[160], *text;
    snprintf(path, sizeof path, "%s/frame.pvx", dir);
    snprintf(src, sizeof src, "%s/frame", dir);
    snprintf(file, sizeof file, "%s/lines.txt", src);
    cr_assert_eq(mkdir(src, 0755), 0);
    /* many lines alike: a table zstd makes smaller */
    text = malloc(400 * 24 + 1);
    cr_assert_not_null(text);
    for (i = 0; i < 400; i++)
        snprintf(text + i * 24, 25, "the same line again %03zu\n", i % 1000);
    pv_test_write_file(file, text, 400 * 24);
    free(text);
    build(path, src, 0, NULL);
    cr_assert_eq(pv_index_open(&ix, path, &err), 0, "%s", err.msg);
    b = read_chunk(path, "DOCS", &len, &docs);
    for (i = 0; doc == UINT32_MAX; i++) { /* the first document whose table is compressed */
        pv_index_info info;
        pv_index_get_info(ix, &info);
        cr_assert_lt(i, info.documents, "no compressed line table");
        if (get32(docs + i * 64 + 40) < get32(docs + i * 64 + 44))
            doc = (uint32_t)i;
    }
    pv_index_free(ix);
    ix = NULL;
    nlines = get32(docs + doc * 64 + 48);
    ntok = get32(docs + doc * 64 + 52);
    /* as big as the open-time bounds let it be */
    put32(docs + doc * 64 + 44, 10u * nlines + 5 + 10u * ntok + (ntok + 1) / 2);
    reseal_chunk(path, b, len, "DOCS");
    free(b);
    cr_assert_eq(pv_index_open(&ix, path, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_index__cursor_new(ix, &c, &err), 0, "%s", err.msg);
    cr_assert_eq(pv_index__lines(c, doc, &lt, &err), PV_ECORRUPT);
    cr_assert(strstr(err.msg, "line table of document") != NULL && strstr(err.msg, "bytes raw"),
              "%s", err.msg);
    pv_index__cursor_free(c);
    pv_index_free(ix);
}

/* ---- forged with correct checksums (reader.c validates what checksums cannot) ----------- */

/* A string offset into the middle of a string (of a document's locator, of a source's name),
 * with every checksum resealed, is refused at open. Regression: it was accepted, and the
 * reports showed the tail of another string. */
Test(index, regression_string_offset_into_the_middle_of_a_string_is_refused)
{
    static const struct {
        const char *chunk;
        size_t field;
        const char *what;
    } cases[] = {{"DOCS", 8, "bad entry for document 0"},
                 {"SRCS", 0, "bad string in source table"}};
    char path[128];
    size_t len, i;
    unsigned char *b, *c;
    pv_index *ix = NULL;
    pv_err err = {0, {0}};
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t off;
        snprintf(path, sizeof path, "%s/mid%zu.pvx", dir, i);
        build(path, "fixtures/corpus/feedparser", 0, NULL);
        b = read_chunk(path, cases[i].chunk, &len, &c);
        off = get32(c + cases[i].field);
        put32(c + cases[i].field, off + 1); /* the string's second byte: not NUL (no empty one) */
        reseal_chunk(path, b, len, cases[i].chunk);
        free(b);
        cr_assert_eq(pv_index_open(&ix, path, &err), PV_ECORRUPT, "%s: offset %u + 1 accepted",
                     cases[i].chunk, off);
        cr_assert_null(ix);
        cr_assert(strstr(err.msg, cases[i].what) != NULL, "%s", err.msg);
    }
}

/* Header flags this reader does not know (none is defined), with the header checksum
 * resealed, are refused with a message that says so. Regression: they were ignored. */
Test(index, regression_unknown_header_flags_are_refused)
{
    char path[128];
    pv_index *ix = NULL;
    pv_err err = {0, {0}};
    snprintf(path, sizeof path, "%s/flags.pvx", dir);
    build(path, "fixtures/corpus/feedparser", 0, NULL);
    patch_header(path, 44, 0x04); /* flags, bit 2 */
    cr_assert_eq(pv_index_open(&ix, path, &err), PV_ECORRUPT);
    cr_assert_null(ix);
    cr_assert(strstr(err.msg, "unknown header flags 0x4") != NULL, "%s", err.msg);
}

/* Flips bit 0 of byte off of chunk (NULL: of the file) in a fresh index, without resealing
 * any checksum, and expects open to refuse it with a message holding what. */
static void expect_unsealed_flip_refused(const char *chunk, size_t off, const char *what)
{
    char path[128];
    size_t len;
    unsigned char *b, *c;
    pv_index *ix = NULL;
    pv_err err = {0, {0}};
    snprintf(path, sizeof path, "%s/unsealed-%s.pvx", dir, chunk ? chunk : "file");
    build(path, "fixtures/corpus/feedparser", 0, NULL);
    if (chunk)
        b = read_chunk(path, chunk, &len, &c);
    else
        c = b = pv_test_read_file(path, &len);
    c[off] ^= 1;
    pv_test_write_file(path, b, len);
    free(b);
    cr_assert_eq(pv_index_open(&ix, path, &err), PV_ECORRUPT);
    cr_assert_null(ix);
    cr_assert(strstr(err.msg, what) != NULL, "%s", err.msg);
}

/* The header's checksum guards the parameters: a seed changed without resealing it is
 * refused (an index read with another seed finds nothing, silently). */
Test(index, header_changed_without_its_checksum_is_refused)
{
    expect_unsealed_flip_refused(NULL, 32, "header checksum mismatch"); /* the seed */
}

/* The ORIG chunk's checksum guards the origins: an origin's date changed without resealing
 * it is refused (it would date the text wrongly and could move credit). */
Test(index, origin_changed_without_its_checksum_is_refused)
{
    /* PV_ORIG_DATE of the first origin, byte 3: about 194 days later */
    expect_unsealed_flip_refused("ORIG", 8 + 3, "checksum mismatch in chunk ORIG");
}

/* A path that opens but is not a regular file (a device) is refused naming what is wrong.
 * Regression: the message ended in whatever errno held ("Success", "Inappropriate ioctl for
 * device"). */
Test(index, regression_device_is_not_a_regular_file)
{
    pv_index *ix = NULL;
    pv_err err = {0, {0}};
    cr_assert_eq(pv_index_open(&ix, "/dev/null", &err), PV_EIO);
    cr_assert_null(ix);
    cr_assert_str_eq(err.msg, "cannot open index '/dev/null': not a regular file");
}

/* ---- every public function takes err == NULL -------------------------------------------- */

static int count_found(void *ctx, const pv_scan_finding *f)
{
    (void)f;
    (*(int *)ctx)++;
    return 0;
}

/* Matching, a credit ledger and a scan against ix all fail with code, err NULL. */
static void queries_fail(const pv_index *ix, int code)
{
    pv_result *res = NULL;
    pv_credit *cr = NULL;
    pv_scan *sc = NULL;
    cr_expect_eq(pv_match_run(ix, query, strlen(query), NULL, &res, NULL), code);
    cr_expect_null(res);
    cr_assert_eq(pv_credit_new(ix, NULL, &cr, NULL), 0);
    cr_expect_eq(pv_credit_add(cr, "out1", query, strlen(query), NULL), code);
    pv_credit_free(cr);
    cr_expect_eq(pv_scan_new(ix, NULL, &sc, NULL), code);
    cr_expect_null(sc);
}

/* Each public function that takes a pv_err * returns its error code with err NULL, on an
 * error path (bad path, corrupt index, bad options, parameters that do not fit), without
 * crashing. */
Test(api, every_public_function_accepts_a_null_err, .timeout = 120)
{
    char idx[256], norm[256], pstg[256], garbage[256], lines[256], folder[256];
    const char *tmp = pv_test_tmpdir("pvnull-");
    const char *dup[] = {"fixtures/corpus/feedparser", "files:fixtures/corpus/feedparser/"};
    const char *src[] = {"fixtures/corpus/feedparser"};
    const char *bad_kind[] = {"nosuchkind:fixtures/corpus"};
    pv_build_opts bo = PV_BUILD_OPTS_INIT;
    pv_index *ix = NULL, *ix_norm = NULL, *ix_pstg = NULL;
    pv_result *res = NULL;
    pv_credit *cr = NULL;
    pv_scan *sc = NULL;
    pv_lines *ln = NULL;
    const pv_credit_payee *payees;
    const char *line;
    size_t len, n;
    uint64_t lineno;
    unsigned char *b, *c;
    int found = 0;
    char longline[300];

    snprintf(idx, sizeof idx, "%s/ok.pvx", tmp);
    snprintf(norm, sizeof norm, "%s/norm.pvx", tmp);
    snprintf(pstg, sizeof pstg, "%s/pstg.pvx", tmp);
    snprintf(garbage, sizeof garbage, "%s/garbage.pvx", tmp);
    snprintf(lines, sizeof lines, "%s/lines.txt", tmp);
    snprintf(folder, sizeof folder, "%s/folder", tmp);

    /* building: bad options, a folder as output, the same source twice */
    bo.k = 0;
    cr_expect_eq(pv_index_build(idx, src, 1, &bo, NULL, NULL), PV_EINVAL);
    bo.k = PV_DEFAULT_K;
    cr_assert_eq(mkdir(folder, 0755), 0);
    cr_expect_eq(pv_index_build(folder, src, 1, &bo, NULL, NULL), PV_EIO);
    /* a temporary folder that does not exist: the temporary files cannot be made */
    bo.tmpdir = "/nonexistent";
    cr_expect_eq(pv_index_build(idx, src, 1, &bo, NULL, NULL), PV_EIO);
    bo.tmpdir = NULL;
    /* a source that is missing, with strict: the source's error stops the build */
    {
        const char *missing[] = {"/nonexistent/source"};
        bo.strict = 1;
        cr_expect_lt(pv_index_build(idx, missing, 1, &bo, NULL, NULL), 0);
        bo.strict = 0;
    }
    cr_expect_eq(pv_sources_check(dup, 2, NULL, NULL), PV_EINVAL);
    cr_expect_eq(pv_sources_check(src, 1, "no-such-preset", NULL), PV_EINVAL);

    /* opening: missing, not a regular file, garbage, truncated */
    cr_expect_eq(pv_index_open(&ix, "/nonexistent/x.pvx", NULL), PV_EIO);
    cr_expect_eq(pv_index_open(&ix, "/dev/null", NULL), PV_EIO);
    {
        char junk[64]; /* a header's size, without the magic */
        memset(junk, 'x', sizeof junk);
        pv_test_write_file(garbage, junk, sizeof junk);
    }
    cr_expect_eq(pv_index_open(&ix, garbage, NULL), PV_EFORMAT);
    build(idx, src[0], 0, NULL);
    b = pv_test_read_file(idx, &len);
    pv_test_write_file(garbage, b, len / 2);
    cr_expect_eq(pv_index_open(&ix, garbage, NULL), PV_ECORRUPT);
    cr_expect_null(ix);
    free(b);

    /* an index of another normalization version: matching, credit and scan refuse it */
    build(norm, src[0], 0, NULL);
    patch_header(norm, 12, 99);
    cr_assert_eq(pv_index_open(&ix_norm, norm, NULL), 0);
    queries_fail(ix_norm, PV_EPARAMS);
    pv_index_free(ix_norm);

    /* a block of postings that does not decompress (its checksum resealed): found at query
     * time by matching, credit and a scan's fingerprint load */
    build(pstg, src[0], 0, NULL);
    b = read_chunk(pstg, "PSTG", &len, &c);
    memset(c, 0xA5, 16);
    reseal_chunk(pstg, b, len, "PSTG");
    free(b);
    cr_assert_eq(pv_index_open(&ix_pstg, pstg, NULL), 0);
    queries_fail(ix_pstg, PV_ECORRUPT);
    pv_index_free(ix_pstg);

    /* the calls without an error path of their own (out of memory aside) take NULL too */
    cr_assert_eq(pv_index_open(&ix, idx, NULL), 0);
    cr_assert_eq(pv_match_run(ix, query, strlen(query), NULL, &res, NULL), 0);
    cr_assert_eq(pv_credit_new(ix, NULL, &cr, NULL), 0);
    cr_expect_eq(pv_credit_add_result(cr, "out1", res, NULL), 0);
    cr_expect_eq(pv_credit_payees(cr, &payees, &n, NULL), 0);
    pv_credit_free(cr);
    pv_result_free(res);
    /* scanning: an unknown KIND: prefix */
    cr_assert_eq(pv_scan_new(ix, NULL, &sc, NULL), 0);
    cr_expect_eq(pv_scan_run(sc, bad_kind, 1, count_found, &found, NULL, NULL), PV_EINVAL);
    pv_scan_free(sc);
    pv_index_free(ix);

    /* lines: a missing file, a line over max_line */
    cr_expect_eq(pv_lines_open("/nonexistent/lines.txt", 100, &ln, NULL), PV_EIO);
    memset(longline, 'x', sizeof longline - 1);
    longline[sizeof longline - 1] = '\n';
    pv_test_write_file(lines, longline, sizeof longline);
    cr_assert_eq(pv_lines_open(lines, 100, &ln, NULL), 0);
    cr_expect_eq(pv_lines_next(ln, &line, &len, &lineno, NULL), PV_ELIMIT);
    pv_lines_free(ln);
    cr_expect_eq(pv_test_rmtree(tmp), 0);
}

/* The size of chunk id in the index at path. */
static uint64_t chunk_size(const char *path, const char *id)
{
    pv_index *ix = NULL;
    pv_index_info info;
    pv_err err = {0, {0}};
    uint64_t size = UINT64_MAX;
    cr_assert_eq(pv_index_open(&ix, path, &err), 0, "%s", err.msg);
    pv_index_get_info(ix, &info);
    for (size_t i = 0; i < info.nchunks; i++)
        if (!strcmp(info.chunks[i].id, id))
            size = info.chunks[i].size;
    pv_index_free(ix);
    cr_assert_neq(size, UINT64_MAX, "no chunk %s in %s", id, path);
    return size;
}

/* Identical files (a vendored copy) share one line table in LINE, and the copy's lines are
 * still right: an excerpt comes back at the same lines in both, and in a file that differs
 * from them above the excerpt at lines shifted by the difference. */
Test(index, identical_documents_share_one_line_table)
{
    size_t n;
    char *readme = pv_test_read_file("fixtures/corpus/warcio/README.rst", &n);
    char one[256], two[256], p1[256], p2[256];
    snprintf(one, sizeof one, "%s/one", dir);
    snprintf(two, sizeof two, "%s/two", dir);
    snprintf(p1, sizeof p1, "%s/one.pvx", dir);
    snprintf(p2, sizeof p2, "%s/two.pvx", dir);
    /* one: the file, and a version with three lines added at the top; two: the same and an
     * identical copy of the file in a vendored folder */
    for (int k = 0; k < 2; k++) {
        const char *root = k ? "two" : "one";
        char f[320], *shifted = malloc(n + 64);
        int m = snprintf(shifted, 64, "Local notes.\nAdded above the text.\n\n");
        memcpy(shifted + m, readme, n);
        snprintf(f, sizeof f, "%s/README.rst", root);
        pv_test_put(f, readme, n);
        snprintf(f, sizeof f, "%s/shifted/README.rst", root);
        pv_test_put(f, shifted, n + (size_t)m);
        if (k) {
            snprintf(f, sizeof f, "%s/vendor/warcio/README.rst", root);
            pv_test_put(f, readme, n);
        }
        free(shifted);
    }
    build(p1, one, 0, NULL);
    build(p2, two, 0, NULL);
    cr_assert_eq(chunk_size(p2, "LINE"), chunk_size(p1, "LINE"),
                 "the copy's line table is stored again");
    cr_assert_gt(chunk_size(p2, "DOCS"), chunk_size(p1, "DOCS"));

    {
        pv_index *ix = NULL;
        pv_result *res = NULL;
        pv_err err = {0, {0}};
        pv_match_opts mo = PV_MATCH_OPTS_INIT;
        int seen[3] = {0, 0, 0};
        mo.max_sources = 10;
        cr_assert_eq(pv_index_open(&ix, p2, &err), 0, "%s", err.msg);
        cr_assert_eq(pv_match_run(ix, query, strlen(query), &mo, &res, &err), 0, "%s", err.msg);
        cr_assert_eq(res->nspans, 1);
        const pv_span *sp = &res->spans[0];
        for (size_t i = 0; i < sp->nsources + sp->ncopies; i++) {
            const pv_source_ref *s =
                i < sp->nsources ? &sp->sources[i] : &sp->copies[i - sp->nsources];
            int shifted = strstr(s->locator, "shifted") != NULL;
            int which = shifted ? 2 : strstr(s->locator, "vendor") ? 1 : 0;
            seen[which]++;
            /* the query is lines 54-57 of the README */
            cr_expect_eq(s->line_start, 54u + (shifted ? 3 : 0), "%s", s->locator);
            cr_expect_eq(s->line_end, 57u + (shifted ? 3 : 0), "%s", s->locator);
        }
        cr_assert(seen[0] == 1 && seen[1] == 1 && seen[2] == 1, "%d %d %d", seen[0], seen[1],
                  seen[2]);
        pv_result_free(res);
        pv_index_free(ix);
    }
    free(readme);
}
