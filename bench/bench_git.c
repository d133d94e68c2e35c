/*
 * bench_git.c - the git reader alone (scanner/source_git.c): MB/s of unique blob content per
 * core with a sink that discards, and how often its per-line origins agree with `git blame`
 * at REV. Library-internal API; built by hand against libprovscan.a (from the top folder):
 *   gcc -std=c11 -O2 -Iinclude -Icommon -Iscanner -o out/bench/bench_git bench/bench_git.c \
 *       libprovscan.a $(pkg-config --libs libpcre2-8 libzstd libxxhash libutf8proc libcjson \
 *       libgit2 libarchive expat libxml-2.0 zlib) -lpthread -lm
 *
 * Usage: bench_git [REPO] [--rev REV] [--files N] [--runs R] [--k K] [--memory MIB]
 *                  [--examples N] [--per-file] [--blame-opts OPTS] [--no-blame]
 *   REPO defaults to /work/.mirror/jqlang+jq/repo; when that is absent, a synthetic history
 *   (40 authors, 1,500 commits inserting, editing, deleting and moving lines) is built with
 *   bench/synthetic_repo.py in /tmp/provscan-bench/synthetic-repo and packed. Run it from the
 *   repository's top folder.
 *   --files N: blame N files at REV spread evenly over the path order (0 = all; default 200).
 *   --examples N: print N disagreeing lines (default 0); --per-file: agreement of each file.
 *   --blame-opts OPTS: more options for git blame, e.g. "-w -M -C -C -C" (whitespace ignored,
 *   moves and copies from any commit followed: the closest to "first commit that introduced
 *   the text"); default none (plain git blame).
 * Prints key=value lines.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include <git2.h>

#include "common_int.h"
#include "scanner_int.h"
#include "source.h"

#define DEFAULT_REPO "/work/.mirror/jqlang+jq/repo"
#define SYNTH_REPO "/tmp/provscan-bench/synthetic-repo"

/* ---- discarding sink ------------------------------------------------------------------- */

static int null_origin(void *ctx, const pv_origin_in *o, uint32_t *id)
{
    uint32_t *n = ctx;
    (void)o;
    *id = (*n)++;
    return 0;
}

static int null_doc(void *ctx, const pv_doc_in *d)
{
    (void)ctx;
    (void)d;
    return 0;
}

/* ---- recording sink: per-line origins of the documents at REV -------------------------- */

typedef struct origin_rec {
    char commit[41];
    char *author; /* "Name <email>" */
} origin_rec;

typedef struct file_rec {
    char *path;
    char *text;
    size_t len;
    uint32_t *line_start; /* byte offset of each line */
    uint32_t *line_origin;
    uint32_t *line_tokens;
    size_t nlines;
} file_rec;

typedef struct recording {
    const char *rev_hex;
    uint64_t seed;
    origin_rec *origins;
    size_t norigins, origins_cap;
    file_rec *files;
    size_t nfiles, files_cap;
} recording;

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fprintf(stderr, "bench_git: out of memory\n");
        exit(1);
    }
    return q;
}

static char *xstrdup(const char *s)
{
    char *d = xrealloc(NULL, strlen(s) + 1);
    return strcpy(d, s);
}

static int rec_origin(void *ctx, const pv_origin_in *o, uint32_t *id)
{
    recording *r = ctx;
    origin_rec *x;
    char buf[1024];
    if (r->norigins == r->origins_cap) {
        r->origins_cap = r->origins_cap ? 2 * r->origins_cap : 256;
        r->origins = xrealloc(r->origins, r->origins_cap * sizeof *r->origins);
    }
    x = &r->origins[r->norigins];
    snprintf(x->commit, sizeof x->commit, "%s", o->commit ? o->commit : "");
    snprintf(buf, sizeof buf, "%s <%s>", o->author.name ? o->author.name : "",
             o->author.email ? o->author.email : "");
    x->author = xstrdup(buf);
    *id = (uint32_t)r->norigins++;
    return 0;
}

static int rec_doc(void *ctx, const pv_doc_in *d)
{
    recording *r = ctx;
    file_rec *f;
    pv_tokens tok = {0};
    size_t run = 0, t = 0;

    if (!d->commit || strcmp(d->commit, r->rev_hex) != 0)
        return 0; /* a deleted file: git blame at REV does not know it */
    if (r->nfiles == r->files_cap) {
        r->files_cap = r->files_cap ? 2 * r->files_cap : 256;
        r->files = xrealloc(r->files, r->files_cap * sizeof *r->files);
    }
    f = &r->files[r->nfiles++];
    memset(f, 0, sizeof *f);
    f->path = xstrdup(d->locator);
    f->text = xrealloc(NULL, d->len + 1);
    memcpy(f->text, d->text, d->len);
    f->text[d->len] = '\0';
    f->len = d->len;
    /* git splits lines at "\n" only */
    f->line_start = xrealloc(NULL, (d->len + 2) * sizeof *f->line_start);
    f->line_start[f->nlines++] = 0;
    for (size_t i = 0; i < d->len; i++)
        if (d->text[i] == '\n' && i + 1 < d->len)
            f->line_start[f->nlines++] = (uint32_t)(i + 1);
    f->line_origin = xrealloc(NULL, f->nlines * sizeof *f->line_origin);
    f->line_tokens = xrealloc(NULL, f->nlines * sizeof *f->line_tokens);
    if (pv_scanner__tokenize(d->text, d->len, r->seed, &tok) != 0) {
        fprintf(stderr, "bench_git: cannot tokenize %s\n", d->locator);
        exit(1);
    }
    for (size_t l = 0; l < f->nlines; l++) {
        size_t end = l + 1 < f->nlines ? f->line_start[l + 1] : d->len;
        while (run + 1 < d->nruns && d->runs[run + 1].start <= f->line_start[l])
            run++;
        f->line_origin[l] = d->nruns ? d->runs[run].origin : UINT32_MAX;
        f->line_tokens[l] = 0;
        while (t < tok.n && tok.v[t].start < end) {
            f->line_tokens[l]++;
            t++;
        }
    }
    pv_scanner__tokens_free(&tok);
    return 0;
}

/* ---- git blame ------------------------------------------------------------------------- */

typedef struct blame_line {
    char commit[41];
    char author[512];
} blame_line;

/* Runs git blame --porcelain on path at rev; returns the line count (lines in *out). */
static const char *blame_opts = ""; /* more options for git blame (--blame-opts) */

static size_t blame(const char *repo, const char *rev, const char *path, blame_line **out)
{
    char cmd[8192], *line = NULL, cur[41] = "";
    size_t cap = 0, n = 0, lcap = 0;
    blame_line *v = NULL;
    /* commit -> author, most recent few (porcelain gives the author once per commit) */
    struct {
        char commit[41];
        char name[256], mail[256];
    } *known = NULL;
    size_t nknown = 0, kcap = 0;
    FILE *p;
    ssize_t len;
    pv_buf q = PV_BUF_INIT(4096);

    /* single-quote the path for the shell */
    pv_buf__append(&q, "'", 1);
    for (const char *s = path; *s; s++)
        if (*s == '\'')
            pv_buf__append(&q, "'\\''", 4);
        else
            pv_buf__append(&q, s, 1);
    pv_buf__append(&q, "'", 2); /* with the NUL */
    snprintf(cmd, sizeof cmd, "git -C '%s' blame --porcelain %s %s -- %s 2>/dev/null", repo,
             blame_opts, rev, q.data);
    pv_buf__free(&q);
    p = popen(cmd, "r");
    if (!p)
        return 0;
    while ((len = getline(&line, &lcap, p)) > 0) {
        if (line[len - 1] == '\n')
            line[--len] = '\0';
        if (len >= 41 && line[40] == ' ' && strspn(line, "0123456789abcdef") == 40) {
            memcpy(cur, line, 40);
            cur[40] = '\0';
            continue;
        }
        if (strncmp(line, "author ", 7) == 0 || strncmp(line, "author-mail ", 12) == 0) {
            size_t k;
            for (k = 0; k < nknown && strcmp(known[k].commit, cur) != 0; k++)
                ;
            if (k == nknown) {
                if (nknown == kcap) {
                    kcap = kcap ? 2 * kcap : 64;
                    known = xrealloc(known, kcap * sizeof *known);
                }
                memset(&known[nknown], 0, sizeof known[0]);
                strcpy(known[nknown++].commit, cur);
            }
            if (line[6] == ' ')
                snprintf(known[k].name, sizeof known[k].name, "%s", line + 7);
            else
                snprintf(known[k].mail, sizeof known[k].mail, "%s", line + 12);
            continue;
        }
        if (line[0] == '\t') {
            size_t k;
            if (n == cap) {
                cap = cap ? 2 * cap : 256;
                v = xrealloc(v, cap * sizeof *v);
            }
            strcpy(v[n].commit, cur);
            for (k = 0; k < nknown && strcmp(known[k].commit, cur) != 0; k++)
                ;
            snprintf(v[n].author, sizeof v[n].author, "%s %s", k < nknown ? known[k].name : "",
                     k < nknown ? known[k].mail : "");
            n++;
        }
    }
    pclose(p);
    free(line);
    free(known);
    *out = v;
    return n;
}

/* Position of each commit in `git rev-list --topo-order --reverse rev` (oldest first), for
 * telling whether the reader credits an older or a newer commit than blame. */
typedef struct commit_pos {
    char commit[41];
    uint32_t pos;
} commit_pos;

static int cmp_pos(const void *a, const void *b)
{
    return strcmp(((const commit_pos *)a)->commit, ((const commit_pos *)b)->commit);
}

static commit_pos *rev_list(const char *repo, const char *rev, size_t *n)
{
    char cmd[4096], buf[128];
    commit_pos *v = NULL;
    size_t cap = 0;
    FILE *p;
    *n = 0;
    snprintf(cmd, sizeof cmd, "git -C '%s' rev-list --topo-order --reverse %s", repo, rev);
    if (!(p = popen(cmd, "r")))
        return NULL;
    while (fgets(buf, sizeof buf, p)) {
        if (strlen(buf) < 40)
            continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 1024;
            v = xrealloc(v, cap * sizeof *v);
        }
        memcpy(v[*n].commit, buf, 40);
        v[*n].commit[40] = '\0';
        v[*n].pos = (uint32_t)*n;
        ++*n;
    }
    pclose(p);
    qsort(v, *n, sizeof *v, cmp_pos);
    return v;
}

static long pos_of(const commit_pos *v, size_t n, const char *commit)
{
    commit_pos key;
    const commit_pos *hit;
    snprintf(key.commit, sizeof key.commit, "%s", commit);
    hit = bsearch(&key, v, n, sizeof *v, cmp_pos);
    return hit ? (long)hit->pos : -1;
}

/* ---- main ------------------------------------------------------------------------------ */

/* CPU seconds this process has used: MB/s per core whatever else runs on the machine. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double median(double *v, size_t n)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return n ? v[n / 2] : 0;
}

static void diag_print(void *ctx, pv_severity sev, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "bench_git: %s: %s\n", sev == PV_NOTE ? "note" : "warning", msg);
}

int main(int argc, char **argv)
{
    const char *repo = NULL, *rev = "HEAD";
    size_t nsample = 200, runs = 3, examples = 0;
    int do_blame = 1, per_file = 0;
    const char *dump_path = NULL;
    pv_reader_opts o;
    pv_reader_stats st;
    pv_err err;
    double secs[16], cpus[16];
    char rev_hex[41];
    struct rusage ru;
    recording r;

    memset(&o, 0, sizeof o);
    o.k = PV_DEFAULT_K;
    o.seed = PV_DEFAULT_SEED;
    o.max_doc_size = PV_DEFAULT_MAX_FILE_SIZE;
    o.diag = diag_print;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--rev") == 0 && v)
            rev = argv[++i];
        else if (strcmp(a, "--files") == 0 && v)
            nsample = strtoul(argv[++i], NULL, 10);
        else if (strcmp(a, "--runs") == 0 && v)
            runs = strtoul(argv[++i], NULL, 10);
        else if (strcmp(a, "--k") == 0 && v)
            o.k = (uint32_t)strtoul(argv[++i], NULL, 10);
        else if (strcmp(a, "--memory") == 0 && v)
            o.memory = (size_t)strtoul(argv[++i], NULL, 10) << 20;
        else if (strcmp(a, "--examples") == 0 && v)
            examples = strtoul(argv[++i], NULL, 10);
        else if (strcmp(a, "--blame-opts") == 0 && v)
            blame_opts = argv[++i];
        else if (strcmp(a, "--per-file") == 0)
            per_file = 1;
        else if (strcmp(a, "--no-blame") == 0)
            do_blame = 0;
        else if (strcmp(a, "--dump") == 0 && v)
            dump_path = argv[++i];
        else if (a[0] != '-' && !repo)
            repo = a;
        else {
            fprintf(stderr, "usage: bench_git [REPO] [--rev REV] [--files N] [--runs R] [--k K] "
                            "[--memory MIB] [--examples N] [--per-file] [--blame-opts OPTS] "
                            "[--no-blame]\n");
            return 2;
        }
    }
    if (runs < 1 || runs > 16)
        runs = 3;
    if (!repo) {
        struct stat sb;
        repo = DEFAULT_REPO;
        if (stat(repo, &sb) != 0) {
            repo = SYNTH_REPO;
            if (stat(repo, &sb) != 0) {
                fprintf(stderr, "bench_git: no %s: building a synthetic history in %s\n",
                        DEFAULT_REPO, SYNTH_REPO);
                /* packed, as real repositories are (loose objects cost a file each) */
                if (system("python3 bench/synthetic_repo.py " SYNTH_REPO " >/dev/null && "
                           "git -C " SYNTH_REPO " repack -adq") != 0) {
                    fprintf(stderr, "bench_git: bench/synthetic_repo.py failed\n");
                    return 1;
                }
            }
        }
    }
    o.rev = rev;
    {
        git_repository *g = NULL;
        git_object *obj = NULL, *c = NULL;
        git_libgit2_init();
        if (git_repository_open(&g, repo) != 0 || git_revparse_single(&obj, g, rev) != 0 ||
            git_object_peel(&c, obj, GIT_OBJECT_COMMIT) != 0) {
            fprintf(stderr, "bench_git: %s: cannot resolve %s\n", repo, rev);
            return 1;
        }
        git_oid_tostr(rev_hex, sizeof rev_hex, git_object_id(c));
        git_object_free(c);
        git_object_free(obj);
        git_repository_free(g);
        git_libgit2_shutdown();
    }
    printf("repo=%s rev=%s k=%u\n", repo, rev_hex, o.k);

    /* throughput: the reader with a sink that discards */
    for (size_t i = 0; i < runs; i++) {
        uint32_t nid = 0;
        pv_sink sink = {.origin = null_origin, .doc = null_doc, .ctx = &nid};
        double t0, c0;
        memset(&st, 0, sizeof st);
        t0 = pv_now();
        c0 = cpu_now();
        if (pv_git__read(repo, &o, &sink, &st, &err) != 0) {
            fprintf(stderr, "bench_git: %s\n", err.msg);
            return 1;
        }
        secs[i] = pv_now() - t0;
        cpus[i] = cpu_now() - c0;
        if (i == 0)
            printf("commits=%llu blobs=%llu documents=%llu origins=%u unique_mb=%.1f bad=%llu "
                   "skipped=%llu (binary %llu, large %llu, excluded %llu, vendored %llu, "
                   "generated %llu, empty %llu)\n",
                   (unsigned long long)st.commits, (unsigned long long)st.records,
                   (unsigned long long)st.documents, nid, (double)st.bytes_in / 1e6,
                   (unsigned long long)st.bad, (unsigned long long)st.skipped,
                   (unsigned long long)st.skipped_binary, (unsigned long long)st.skipped_large,
                   (unsigned long long)st.skipped_excluded, (unsigned long long)st.skipped_vendored,
                   (unsigned long long)st.skipped_generated, (unsigned long long)st.skipped_empty);
    }
    {
        double wall = median(secs, runs), cpu = median(cpus, runs);
        getrusage(RUSAGE_SELF, &ru);
        /* per core: bytes over CPU seconds (the reader runs on one thread) */
        printf("reader_mbps_per_core=%.1f cpu_seconds=%.3f wall_mbps=%.1f wall_seconds=%.3f "
               "runs=%zu (medians) peak_rss_mb=%.1f\n",
               (double)st.bytes_in / cpu / 1e6, cpu, (double)st.bytes_in / wall / 1e6, wall, runs,
               (double)ru.ru_maxrss * 1024 / 1e6);
    }
    if (!do_blame && !dump_path)
        return 0;

    /* agreement with git blame */
    memset(&r, 0, sizeof r);
    r.rev_hex = rev_hex;
    r.seed = o.seed;
    {
        pv_sink sink = {.origin = rec_origin, .doc = rec_doc, .ctx = &r};
        memset(&st, 0, sizeof st);
        if (pv_git__read(repo, &o, &sink, &st, &err) != 0) {
            fprintf(stderr, "bench_git: %s\n", err.msg);
            return 1;
        }
    }
    if (dump_path) {
        /* every line of every file at REV: path, line, tokens, commit */
        FILE *f = fopen(dump_path, "w");
        if (!f) {
            fprintf(stderr, "bench_git: cannot write %s\n", dump_path);
            return 1;
        }
        for (size_t i = 0; i < r.nfiles; i++)
            for (size_t l = 0; l < r.files[i].nlines; l++)
                fprintf(f, "%s\t%zu\t%u\t%s\n", r.files[i].path, l + 1, r.files[i].line_tokens[l],
                        r.origins[r.files[i].line_origin[l]].commit);
        fclose(f);
        if (!do_blame)
            return 0;
    }
    {
        size_t ncommits, step_n = nsample && nsample < r.nfiles ? nsample : r.nfiles;
        commit_pos *order = rev_list(repo, rev_hex, &ncommits);
        uint64_t lines = 0, lines_ok = 0, tlines = 0, tlines_ok = 0, tok = 0, tok_ok = 0;
        uint64_t alines = 0, alines_ok = 0, older = 0, newer = 0, other = 0, mismatched = 0;
        size_t shown = 0, files = 0;
        uint64_t file_lines, file_ok;

        for (size_t s = 0; s < step_n; s++) {
            const file_rec *f = &r.files[s * r.nfiles / step_n];
            blame_line *b = NULL;
            size_t n = blame(repo, rev_hex, f->path, &b);
            if (n != f->nlines) {
                mismatched++;
                free(b);
                continue;
            }
            files++;
            file_lines = file_ok = 0;
            for (size_t l = 0; l < n; l++) {
                const origin_rec *x = &r.origins[f->line_origin[l]];
                int same = strcmp(x->commit, b[l].commit) == 0;
                int same_author = strcmp(x->author, b[l].author) == 0;
                lines++;
                lines_ok += same;
                if (!f->line_tokens[l])
                    continue;
                tlines++;
                tlines_ok += same;
                file_lines++;
                file_ok += same;
                alines++;
                alines_ok += same_author;
                tok += f->line_tokens[l];
                tok_ok += same ? f->line_tokens[l] : 0;
                if (!same) {
                    long po = pos_of(order, ncommits, x->commit);
                    long pb = pos_of(order, ncommits, b[l].commit);
                    if (po < 0 || pb < 0)
                        other++;
                    else if (po < pb)
                        older++;
                    else
                        newer++;
                    if (shown < examples) {
                        size_t end = l + 1 < f->nlines ? f->line_start[l + 1] : f->len;
                        int w = (int)(end - f->line_start[l]);
                        if (w > 0 && f->text[f->line_start[l] + (size_t)w - 1] == '\n')
                            w--;
                        shown++;
                        printf("  %s:%zu ours %.8s %s (%s) blame %.8s %s | %.*s\n", f->path, l + 1,
                               x->commit, x->author, po < pb ? "older" : "newer", b[l].commit,
                               b[l].author, w > 90 ? 90 : w, f->text + f->line_start[l]);
                    }
                }
            }
            if (per_file)
                printf("  file %s: %llu of %llu token lines agree\n", f->path,
                       (unsigned long long)file_ok, (unsigned long long)file_lines);
            free(b);
        }
        printf("blame_files=%zu line_count_mismatch=%llu lines=%llu token_lines=%llu\n", files,
               (unsigned long long)mismatched, (unsigned long long)lines,
               (unsigned long long)tlines);
        printf("commit_pct=%.2f (lines holding tokens) all_lines_pct=%.2f token_pct=%.2f "
               "author_pct=%.2f\n",
               tlines ? 100.0 * (double)tlines_ok / (double)tlines : 0,
               lines ? 100.0 * (double)lines_ok / (double)lines : 0,
               tok ? 100.0 * (double)tok_ok / (double)tok : 0,
               alines ? 100.0 * (double)alines_ok / (double)alines : 0);
        printf("disagreeing token lines: ours older than blame's %llu, newer %llu, unknown %llu\n",
               (unsigned long long)older, (unsigned long long)newer, (unsigned long long)other);
        free(order);
    }
    return 0;
}
