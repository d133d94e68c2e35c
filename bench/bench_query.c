/*
 * bench_query.c - the query side of `make bench` (bench/run.sh): latency of pv_match_run on
 * edited excerpts of the indexed corpus, query files for the batch test, in-process batch
 * throughput, index facts, and a child timer for machines without GNU time.
 * Uses only the public API (include/provscan.h) and the shared helpers of bench_util.h.
 */
#define _GNU_SOURCE /* memmem */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"
#include "provscan.h"

#define MAX_QUERY_SIZE ((size_t)1 << 20)
#define WARMUP_QUERIES 20

static const char usage[] =
    "usage: bench_query info INDEX\n"
    "       bench_query latency INDEX CORPUS [-n N] [-s SIZE,...] [-e EVERY] [--seed S] [-v]\n"
    "       bench_query gen CORPUS OUTDIR [-n N] [-s SIZE] [-e EVERY] [--seed S]\n"
    "       bench_query batch INDEX FILE...\n"
    "       bench_query build INDEX SOURCE [--memory BYTES] [--jobs N]\n"
    "       bench_query time OUTFILE CMD [ARG...]\n";

/* ---- small helpers --------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The q-quantile of sorted v[0..n-1] by the nearest-rank method. */
static double quantile(const double *v, size_t n, double q)
{
    size_t r = (size_t)ceil(q * (double)n);
    if (r < 1)
        r = 1;
    if (r > n)
        r = n;
    return v[r - 1];
}

/* ---- queries: an excerpt of a random document with a word changed every ~EVERY bytes -- */

typedef struct query {
    char *text;
    char *orig; /* the excerpt before edits (same byte offsets as text) */
    size_t len;
    const bench_doc *src;
    size_t offset; /* where the excerpt starts in src */
} query;

/* Make one query of exactly size bytes from a random text document of at least that size.
 * The excerpt starts on a UTF-8 lead byte. Returns 0, or -1 when no document fits. */
static int make_query(bench_docset *c, const size_t *eligible, size_t neligible, size_t size,
                      size_t every, uint64_t *rng, query *q)
{
    for (int tries = 0; tries < 1000; tries++) {
        bench_doc *d = &c->v[eligible[bench_rng_below(rng, neligible)]];
        FILE *f;
        size_t off;
        if (!bench_doc_is_text(d))
            continue;
        off = (size_t)bench_rng_below(rng, d->size - size + 1);
        f = fopen(d->path, "rb");
        if (!f)
            continue;
        q->text = malloc(size + 8);
        if (!q->text) {
            fclose(f);
            return -1;
        }
        /* read a few bytes more so the start can move past UTF-8 continuation bytes */
        if (fseek(f, (long)off, SEEK_SET) != 0) {
            fclose(f);
            free(q->text);
            continue;
        }
        size_t got = fread(q->text, 1, size + 4, f);
        fclose(f);
        size_t skip = 0;
        while (skip < 4 && skip < got && ((unsigned char)q->text[skip] & 0xC0) == 0x80)
            skip++;
        if (got < skip + size || memchr(q->text + skip, 0, size)) {
            free(q->text);
            continue;
        }
        memmove(q->text, q->text + skip, size);
        q->text[size] = '\0';
        q->orig = malloc(size);
        if (!q->orig) {
            free(q->text);
            return -1;
        }
        memcpy(q->orig, q->text, size);
        q->len = size;
        q->src = d;
        q->offset = off + skip;
        bench_apply_edits(q->text, size, every, rng);
        return 0;
    }
    return -1;
}

/* How a query's result names its source: the source document itself; else a document
 * that holds the unedited tokens of a span (a copy, e.g. one of the 36 per-architecture
 * copies of an OpenSSL header, or the same license header in another layout, unlisted when
 * there are more copies than max_sources); else only unrelated documents; else no span. */
enum { FOUND_NAMED, FOUND_COPY, FOUND_ELSEWHERE, FOUND_NONE };

static int holds_passage(const bench_docset *c, const char *rel, const char *passage, size_t n)
{
    const bench_doc *d = bench_docset_find(c, rel);
    char *text = NULL, *tt = NULL, *tp = NULL;
    size_t len = 0, ttlen = 0, tplen = 0;
    int found = 0;
    if (!d || bench_read_file(d->path, BENCH_MAX_FILE_SIZE, &text, &len) != 0)
        return 0;
    tt = bench_token_text(text, len, &ttlen);
    tp = bench_token_text(passage, n, &tplen);
    found = tt && tp && tplen > 1 && memmem(tt, ttlen, tp, tplen) != NULL;
    free(text);
    free(tt);
    free(tp);
    return found;
}

static int classify(const bench_docset *c, const pv_result *res, const query *q)
{
    if (res->nspans == 0)
        return FOUND_NONE;
    if (bench_result_names(res, q->src->rel))
        return FOUND_NAMED;
    for (size_t i = 0; i < res->nspans; i++) {
        const pv_span *sp = &res->spans[i];
        for (size_t j = 0; j < sp->nsources + sp->ncopies; j++) {
            const pv_source_ref *r = bench_span_row(sp, j);
            if (r->locator && sp->end <= q->len &&
                holds_passage(c, r->locator, q->orig + sp->start, sp->end - sp->start))
                return FOUND_COPY;
        }
    }
    return FOUND_ELSEWHERE;
}

/* For -v: the query's source and what the result names instead. */
static void describe_miss(const query *q, const pv_result *res)
{
    fprintf(stderr, "miss: %zu bytes of %s @%zu: %u tokens, %u matched, %zu spans\n", q->len,
            q->src->rel, q->offset, res->tokens, res->matched_tokens, res->nspans);
    for (size_t i = 0; i < res->nspans; i++) {
        const pv_span *sp = &res->spans[i];
        fprintf(stderr, "  span %zu: bytes %u-%u, %u tokens%s:", i + 1, sp->start, sp->end,
                sp->tokens, sp->common ? " [common]" : "");
        for (size_t j = 0; j < sp->nsources; j++)
            fprintf(stderr, " %s%s", sp->sources[j].locator, sp->sources[j].origin ? "*" : "");
        fprintf(stderr, " (%u copies)", (unsigned)sp->copies_total);
        fputc('\n', stderr);
    }
}

/* ---- subcommands ----------------------------------------------------------------------- */

static int open_index(const char *path, pv_index **ix)
{
    pv_err err = {0};
    int rc = pv_index_open(ix, path, &err);
    if (rc != 0)
        fprintf(stderr, "bench_query: %s\n", err.msg);
    return rc;
}

/* info INDEX: the index facts run.sh needs, one key=value a line. */
static int cmd_info(int argc, char **argv)
{
    pv_index *ix = NULL;
    pv_index_info info;
    if (argc != 1) {
        fputs(usage, stderr);
        return 2;
    }
    if (open_index(argv[0], &ix) != 0)
        return 3;
    pv_index_get_info(ix, &info);
    printf("k=%u\nw=%u\ndocuments=%llu\ninput_bytes=%llu\nfile_bytes=%llu\n"
           "fingerprints=%llu\npostings=%llu\ntokens=%llu\nblocks=%llu\n",
           info.k, info.w, (unsigned long long)info.documents, (unsigned long long)info.input_bytes,
           (unsigned long long)info.file_bytes, (unsigned long long)info.fingerprints,
           (unsigned long long)info.postings, (unsigned long long)info.tokens,
           (unsigned long long)info.blocks);
    pv_index_free(ix);
    return 0;
}

typedef struct qopts {
    int verbose; /* -v: describe every query whose source is not named, on stderr */
    uint64_t n;
    size_t sizes[16];
    size_t nsizes;
    uint64_t every;
    uint64_t seed;
} qopts;

static int parse_sizes(const char *s, qopts *o)
{
    char buf[256];
    char *tok, *save = NULL;
    if (strlen(s) >= sizeof buf)
        return -1;
    strcpy(buf, s);
    o->nsizes = 0;
    for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        uint64_t v;
        if (o->nsizes == 16 || bench_parse_u64(tok, &v) || v == 0 || v > MAX_QUERY_SIZE)
            return -1;
        o->sizes[o->nsizes++] = (size_t)v;
    }
    return o->nsizes ? 0 : -1;
}

/* Parse the options after the positional arguments; returns 0 or -1. */
static int parse_qopts(int argc, char **argv, qopts *o)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-v")) {
            o->verbose = 1;
            continue;
        }
        if (i + 1 >= argc)
            return -1;
        const char *v = argv[++i];
        if (!strcmp(a, "-n")) {
            if (bench_parse_u64(v, &o->n) || o->n == 0)
                return -1;
        } else if (!strcmp(a, "-s")) {
            if (parse_sizes(v, o))
                return -1;
        } else if (!strcmp(a, "-e")) {
            if (bench_parse_u64(v, &o->every))
                return -1;
        } else if (!strcmp(a, "--seed")) {
            if (bench_parse_u64(v, &o->seed))
                return -1;
        } else {
            return -1;
        }
    }
    return 0;
}

/* Documents of at least size bytes; *out is malloc'ed. */
static size_t eligible_docs(const bench_docset *c, size_t size, size_t **out)
{
    size_t n = 0;
    *out = malloc((c->n ? c->n : 1) * sizeof **out);
    if (!*out)
        return 0;
    for (size_t i = 0; i < c->n; i++)
        if (c->v[i].size >= size)
            (*out)[n++] = i;
    return n;
}

/* latency INDEX CORPUS: per size, n queries timed one by one on an index opened once. */
static int cmd_latency(int argc, char **argv)
{
    int rc = 3;
    pv_index *ix = NULL;
    bench_docset c = {0};
    qopts o = {0, 200, {1024, 2048, 10240}, 3, 200, 1};
    double *times = NULL;
    size_t *elig = NULL;
    pv_match_opts mo = PV_MATCH_OPTS_INIT;

    if (argc < 2 || parse_qopts(argc - 2, argv + 2, &o)) {
        fputs(usage, stderr);
        return 2;
    }
    if (open_index(argv[0], &ix) != 0 ||
        bench_docset_load(&c, argv[1], NULL, 0, "bench_query") != 0)
        goto done;
    times = malloc(o.n * sizeof *times);
    if (!times)
        goto done;
    for (size_t si = 0; si < o.nsizes; si++) {
        size_t size = o.sizes[si];
        uint64_t rng = o.seed * 1000003 + size;
        size_t neligible = eligible_docs(&c, size, &elig);
        size_t counts[4] = {0, 0, 0, 0};
        uint64_t bytes = 0, qtokens = 0, matched = 0;
        double total = 0;
        if (neligible == 0) {
            fprintf(stderr, "bench_query: no document of %zu bytes or more\n", size);
            goto done;
        }
        for (uint64_t i = 0; i < WARMUP_QUERIES + o.n; i++) {
            query q = {0};
            pv_result *res = NULL;
            pv_err err = {0};
            double t0, t1;
            if (make_query(&c, elig, neligible, size, o.every, &rng, &q) != 0) {
                fprintf(stderr, "bench_query: cannot sample a %zu-byte query\n", size);
                goto done;
            }
            t0 = bench_now_sec();
            int mrc = pv_match_run(ix, q.text, q.len, &mo, &res, &err);
            t1 = bench_now_sec();
            if (mrc != 0) {
                fprintf(stderr, "bench_query: match: %s\n", err.msg);
                free(q.text);
                free(q.orig);
                goto done;
            }
            if (i >= WARMUP_QUERIES) {
                uint64_t k = i - WARMUP_QUERIES;
                times[k] = t1 - t0;
                total += t1 - t0;
                bytes += q.len;
                qtokens += res->tokens;
                matched += res->matched_tokens;
                int cls = classify(&c, res, &q);
                counts[cls]++;
                if (o.verbose && cls != FOUND_NAMED)
                    describe_miss(&q, res);
            }
            pv_result_free(res);
            free(q.text);
            free(q.orig);
        }
        qsort(times, o.n, sizeof *times, cmp_double);
        printf("latency size=%zu queries=%llu p50_ms=%.3f p99_ms=%.3f mean_ms=%.3f "
               "max_ms=%.3f mbps=%.1f named=%zu copy=%zu elsewhere=%zu none=%zu coverage=%.3f "
               "eligible_docs=%zu edit_every=%llu\n",
               size, (unsigned long long)o.n, quantile(times, o.n, 0.50) * 1e3,
               quantile(times, o.n, 0.99) * 1e3, total / (double)o.n * 1e3, times[o.n - 1] * 1e3,
               (double)bytes / total / 1e6, counts[FOUND_NAMED], counts[FOUND_COPY],
               counts[FOUND_ELSEWHERE], counts[FOUND_NONE],
               qtokens ? (double)matched / (double)qtokens : 0.0, neligible,
               (unsigned long long)o.every);
        fflush(stdout);
        free(elig);
        elig = NULL;
    }
    rc = 0;
done:
    free(elig);
    free(times);
    bench_docset_free(&c);
    pv_index_free(ix);
    return rc;
}

/* gen CORPUS OUTDIR: write n edited excerpts of size bytes as OUTDIR/qNNNNN.txt. */
static int cmd_gen(int argc, char **argv)
{
    int rc = 3;
    bench_docset c = {0};
    qopts o = {0, 500, {10240}, 1, 200, 2};
    size_t *elig = NULL, neligible;
    uint64_t rng, bytes = 0;

    if (argc < 2 || parse_qopts(argc - 2, argv + 2, &o) || o.nsizes != 1) {
        fputs(usage, stderr);
        return 2;
    }
    if (bench_docset_load(&c, argv[0], NULL, 0, "bench_query") != 0)
        goto done;
    if (mkdir(argv[1], 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "bench_query: cannot create '%s': %s\n", argv[1], strerror(errno));
        goto done;
    }
    neligible = eligible_docs(&c, o.sizes[0], &elig);
    if (neligible == 0)
        goto done;
    rng = o.seed * 1000003 + o.sizes[0];
    for (uint64_t i = 0; i < o.n; i++) {
        query q = {0};
        char path[PATH_MAX];
        FILE *f;
        if (make_query(&c, elig, neligible, o.sizes[0], o.every, &rng, &q) != 0)
            goto done;
        snprintf(path, sizeof path, "%s/q%05llu.txt", argv[1], (unsigned long long)i);
        f = fopen(path, "wb");
        int bad = !f || fwrite(q.text, 1, q.len, f) != q.len;
        if ((f && fclose(f) != 0) || bad) {
            fprintf(stderr, "bench_query: cannot write '%s'\n", path);
            free(q.text);
            free(q.orig);
            goto done;
        }
        bytes += q.len;
        free(q.text);
        free(q.orig);
    }
    printf("gen files=%llu bytes=%llu dir=%s\n", (unsigned long long)o.n, (unsigned long long)bytes,
           argv[1]);
    rc = 0;
done:
    free(elig);
    bench_docset_free(&c);
    return rc;
}

/* batch INDEX FILE...: match every file in-process; the time counts matching only. */
static int cmd_batch(int argc, char **argv)
{
    int rc = 3;
    pv_index *ix = NULL;
    pv_match_opts mo = PV_MATCH_OPTS_INIT;
    uint64_t bytes = 0, spans = 0;
    double total = 0;

    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    if (open_index(argv[0], &ix) != 0)
        goto done;
    for (int i = 1; i < argc; i++) {
        char *text = NULL;
        size_t len = 0;
        pv_result *res = NULL;
        pv_err err = {0};
        double t0;
        if (bench_read_file(argv[i], MAX_QUERY_SIZE, &text, &len) != 0) {
            fprintf(stderr, "bench_query: cannot read '%s'\n", argv[i]);
            goto done;
        }
        t0 = bench_now_sec();
        int mrc = pv_match_run(ix, text, len, &mo, &res, &err);
        total += bench_now_sec() - t0;
        free(text);
        if (mrc != 0) {
            fprintf(stderr, "bench_query: match '%s': %s\n", argv[i], err.msg);
            goto done;
        }
        bytes += len;
        spans += res->nspans;
        pv_result_free(res);
    }
    printf("batch files=%d bytes=%llu seconds=%.3f mbps=%.1f spans=%llu\n", argc - 1,
           (unsigned long long)bytes, total, (double)bytes / total / 1e6,
           (unsigned long long)spans);
    rc = 0;
done:
    pv_index_free(ix);
    return rc;
}

/* build INDEX SOURCE: pv_index_build with default parameters, then its statistics (the
 * CLI summary does not print how many runs were spilled), one key=value a line. */
static int cmd_build(int argc, char **argv)
{
    pv_build_opts bo = PV_BUILD_OPTS_INIT;
    pv_build_stats st = {0};
    pv_err err = {0};
    const char *sources[1];
    double t0;

    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    for (int i = 2; i < argc; i += 2) {
        uint64_t v;
        if (i + 1 >= argc || bench_parse_u64(argv[i + 1], &v)) {
            fputs(usage, stderr);
            return 2;
        }
        if (!strcmp(argv[i], "--memory"))
            bo.memory = (size_t)v;
        else if (!strcmp(argv[i], "--jobs"))
            bo.jobs = (unsigned)v;
        else {
            fputs(usage, stderr);
            return 2;
        }
    }
    sources[0] = argv[1];
    t0 = bench_now_sec();
    if (pv_index_build(argv[0], sources, 1, &bo, &st, &err) != 0) {
        fprintf(stderr, "bench_query: %s\n", err.msg);
        return 3;
    }
    printf("seconds=%.3f memory=%zu jobs=%u documents=%llu bytes=%llu tokens=%llu "
           "postings=%llu fingerprints=%llu runs=%llu index_bytes=%llu\n",
           bench_now_sec() - t0, bo.memory, bo.jobs, (unsigned long long)st.documents,
           (unsigned long long)st.bytes, (unsigned long long)st.tokens,
           (unsigned long long)st.postings, (unsigned long long)st.fingerprints,
           (unsigned long long)st.runs, (unsigned long long)st.index_bytes);
    return 0;
}

/* time OUTFILE CMD...: run CMD, then write "ELAPSED_SECONDS MAXRSS_KB USER_S SYS_S" to
 * OUTFILE, like GNU `time -f '%e %M %U %S' -o OUTFILE`; exits with the command's status. */
static int cmd_time(int argc, char **argv)
{
    struct rusage ru;
    int status = 0;
    double t0;
    pid_t pid;
    FILE *f;

    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    t0 = bench_now_sec();
    pid = fork();
    if (pid < 0) {
        perror("bench_query: fork");
        return 3;
    }
    if (pid == 0) {
        execvp(argv[1], argv + 1);
        fprintf(stderr, "bench_query: cannot run '%s': %s\n", argv[1], strerror(errno));
        _exit(127);
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            perror("bench_query: waitpid");
            return 3;
        }
    double elapsed = bench_now_sec() - t0;
    /* the only child this process waited for, so its peak RSS is the children's maximum */
    getrusage(RUSAGE_CHILDREN, &ru);
    f = fopen(argv[0], "w");
    if (!f ||
        fprintf(f, "%.2f %ld %.2f %.2f\n", elapsed, ru.ru_maxrss,
                (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6,
                (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6) < 0 ||
        fclose(f) != 0) {
        fprintf(stderr, "bench_query: cannot write '%s'\n", argv[0]);
        return 3;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    if (!strcmp(argv[1], "info"))
        return cmd_info(argc - 2, argv + 2);
    if (!strcmp(argv[1], "latency"))
        return cmd_latency(argc - 2, argv + 2);
    if (!strcmp(argv[1], "gen"))
        return cmd_gen(argc - 2, argv + 2);
    if (!strcmp(argv[1], "batch"))
        return cmd_batch(argc - 2, argv + 2);
    if (!strcmp(argv[1], "build"))
        return cmd_build(argc - 2, argv + 2);
    if (!strcmp(argv[1], "time"))
        return cmd_time(argc - 2, argv + 2);
    fputs(usage, stderr);
    return 2;
}
