/*
 * cmd_index.c - `provscan index`: build a fingerprint index of files, git histories,
 * datasets, dumps, crawls and feeds with pv_index_build, showing progress and diagnostics on
 * stderr and a summary on stdout.
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli_int.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/* The defaults shown by --help are written out; these keep them true. */
_Static_assert(PV_DEFAULT_SEED == UINT64_C(0x70726f767363616e), "update the --seed default");
_Static_assert(PV_DEFAULT_MEMORY == (size_t)1 << 30, "update the --memory default");
_Static_assert(PV_DEFAULT_MAX_FILE_SIZE == (uint64_t)10 << 20, "update --max-file-size");

enum {
    OPT_OUTPUT,
    OPT_K,
    OPT_W,
    OPT_SEED,
    OPT_MEMORY,
    OPT_JOBS,
    OPT_MAX_FILE_SIZE,
    OPT_EXCLUDE,
    OPT_AUTHOR,
    OPT_LICENSE,
    OPT_POSTING_CAP,
    OPT_STRICT,
    OPT_TMPDIR,
    OPT_QUIET,
    OPT_VERBOSE,
    OPT_TIMINGS,
    OPT_INCLUDE,
    OPT_PRESET,
    OPT_FIELD,
    OPT_COMMENTS,
    OPT_SITE,
    OPT_REV,
    OPT_ALL,
    OPT_SINCE,
    OPT_ORIGIN,
    OPT_ALIASES,
    OPT_IGNORE_REV,
    OPT_IGNORE_REVS_FILE,
    OPT_ADD,
    OPT_MPI,
    NOPTS
};

static const pv_cli_opt opts[NOPTS] = {
    [OPT_OUTPUT] = {"output", 'o', "INDEX", PV_CLI_STRING, 0, 0, NULL,
                    "write the index to the file INDEX (required, unless --add)"},
    [OPT_K] = {NULL, 'k', "N", PV_CLI_UINT, PV_MIN_K, PV_MAX_K, STR(PV_DEFAULT_K),
               "tokens per k-gram; shared runs shorter than k are never found"},
    [OPT_W] = {NULL, 'w', "N", PV_CLI_UINT, PV_MIN_W, PV_MAX_W, STR(PV_DEFAULT_W),
               "winnowing window in k-grams; shared runs of k+w-1 tokens are always found"},
    [OPT_SEED] = {"seed", 0, "N", PV_CLI_UINT, 0, UINT64_MAX, "0x70726f767363616e",
                  "hash seed, decimal or 0x hex; a query uses the seed of its index"},
    [OPT_MEMORY] = {"memory", 0, "SIZE", PV_CLI_SIZE, PV_MIN_MEMORY, 0, "1G",
                    "memory budget of the build (names of authors and commits, then postings "
                    "buffers); beyond it sorted runs are spilled to disk, and per-document "
                    "tables live in a temporary file"},
    [OPT_JOBS] = {"jobs", 'j', "N", PV_CLI_UINT, 0, 1024, NULL,
                  "worker threads (default 0: all cores)"},
    [OPT_MAX_FILE_SIZE] = {"max-file-size", 0, "SIZE", PV_CLI_SIZE, 1, 0, "10M",
                           "skip files larger than SIZE"},
    [OPT_EXCLUDE] = {"exclude", 0, "REGEX", PV_CLI_LIST, 0, 0, NULL,
                     "skip paths (relative to their SOURCE) that match the PCRE2 pattern "
                     "REGEX; repeatable"},
    [OPT_AUTHOR] = {"author", 0, "'NAME <EMAIL>'", PV_CLI_STRING, 0, 0, NULL,
                    "credit every document to this author (default: unknown)"},
    [OPT_LICENSE] = {"license", 0, "SPDX", PV_CLI_STRING, 0, 0, NULL,
                     "record SPDX as the license of every document (default: detected from "
                     "SPDX tags and LICENSE files)"},
    [OPT_POSTING_CAP] = {"posting-cap", 0, "N", PV_CLI_UINT, 1, UINT32_MAX,
                         STR(PV_DEFAULT_POSTING_CAP),
                         "postings kept per fingerprint; more are only counted"},
    [OPT_STRICT] = {"strict", 0, NULL, PV_CLI_FLAG, 0, 0, NULL,
                    "stop at the first bad record or unreadable file instead of skipping it"},
    [OPT_TMPDIR] = {"tmpdir", 0, "DIR", PV_CLI_STRING, 0, 0, NULL,
                    "spill sorted runs into DIR (default: next to INDEX)"},
    [OPT_QUIET] = {"quiet", 'q', NULL, PV_CLI_FLAG, 0, 0, NULL, "do not show the progress bar"},
    [OPT_VERBOSE] = {"verbose", 'v', NULL, PV_CLI_FLAG, 0, 0, NULL,
                     "also print notes, such as every skipped file"},
    [OPT_TIMINGS] = {"timings", 0, NULL, PV_CLI_FLAG, 0, 0, NULL,
                     "print on stderr where the time went, stage by stage: the serial part "
                     "(one thread), the parallel part (the workers) and the speed-up that "
                     "Amdahl's law then predicts on 4, 16 and 64 cores"},
    [OPT_INCLUDE] = {"include", 0, "REGEX", PV_CLI_LIST, 0, 0, NULL,
                     "index paths matching the PCRE2 pattern REGEX even when vendored, "
                     "minified or generated (git); repeatable"},
    [OPT_PRESET] = {"preset", 0, "NAME", PV_CLI_STRING, 0, 0, NULL,
                    "JSON lines layout: the-stack, dolma, pile, redpajama, reddit or generic "
                    "(default: detected from the first record)"},
    [OPT_FIELD] = {"field", 0, "NAME=PATH,...", PV_CLI_STRING, 0, 0, NULL,
                   "JSON lines generic fields: text, author, id, url, date, license as dotted "
                   "paths, e.g. text=body,author=user.name"},
    [OPT_COMMENTS] = {"comments", 0, NULL, PV_CLI_FLAG, 0, 0, NULL,
                      "also index the comments of blog exports"},
    [OPT_SITE] = {"site", 0, "HOST", PV_CLI_STRING, 0, 0, NULL,
                  "Stack Exchange site for locators, e.g. french.stackexchange.com (default: "
                  "from the dump's name)"},
    [OPT_REV] = {"rev", 0, "REV", PV_CLI_STRING, 0, 0, "HEAD",
                 "git: locate documents at REV and walk the history that leads to it"},
    [OPT_ALL] = {"all", 0, NULL, PV_CLI_FLAG, 0, 0, NULL, "git: walk every branch and tag"},
    [OPT_SINCE] = {"since", 0, "DATE", PV_CLI_STRING, 0, 0, NULL,
                   "git: leave out commits before DATE (YYYY-MM-DD, UTC)"},
    [OPT_ORIGIN] = {"origin", 0, "NAME", PV_CLI_STRING, 0, 0, NULL,
                    "git: name the repository NAME in reports (default: its origin remote as "
                    "https://host/owner/name, else the folder name)"},
    [OPT_ALIASES] = {"aliases", 0, "FILE", PV_CLI_STRING, 0, 0, NULL,
                     "merge identities into one person: lines 'Name <email> = Other Name "
                     "<other@email>' (also '= <email>', '= Name', '= id:ACCOUNT'); identities "
                     "with the same email are merged anyway"},
    [OPT_IGNORE_REV] = {"ignore-rev", 0, "REV", PV_CLI_LIST, 0, 0, NULL,
                        "git: the commit REV never takes credit: the text it changes keeps the "
                        "author it had, as with git blame --ignore-rev (besides the commits "
                        "listed in the repository's .git-blame-ignore-revs); repeatable"},
    [OPT_IGNORE_REVS_FILE] = {"ignore-revs-file", 0, "FILE", PV_CLI_STRING, 0, 0, NULL,
                              "git: nor do the commits listed in FILE, one full object name "
                              "per line, '#' comments (git's blame.ignoreRevsFile format)"},
    [OPT_ADD] = {"add", 0, "INDEX", PV_CLI_STRING, 0, 0, NULL,
                 "build the SOURCEs into a new segment of the existing INDEX, with its k, w, "
                 "seed and posting cap; a one-file INDEX becomes a folder of segments (the file "
                 "its first); document ids of earlier segments do not change"},
    [OPT_MPI] = {"mpi", 0, NULL, PV_CLI_FLAG, 0, 0, NULL,
                 "spread the build over the ranks of an MPI job (mpirun -n N provscan index "
                 "--mpi ...): each rank builds a run of consecutive SOURCEs of about equal bytes, "
                 "rank 0 merges the "
                 "parts into INDEX, the same bytes as one process building every SOURCE"},
};

static const pv_cli_spec spec = {
    "index",
    "-o INDEX [options] SOURCE... | --add INDEX [options] SOURCE...",
    "Build a fingerprint index of every SOURCE into the file INDEX. A SOURCE is a file or "
    "directory tree, a git repository (its whole history: each line is credited to the "
    "commit that first wrote it), a JSON-lines dataset (.jsonl, .ndjson, .json, also .gz or "
    ".zst), a Stack Exchange dump (a folder with Posts.xml, or a .7z), a WARC or WET file, "
    "or an RSS, Atom or WordPress export; the kind is detected, or forced with a prefix "
    "files:, git:, jsonl:, stackexchange:, warc: or feed:. Text is tokenized, hashed in "
    "k-grams and winnowed; the index keeps fingerprints, locators, authors, dates and "
    "licenses, not the text. It is written under a temporary name and renamed when "
    "complete; with SOURCE_DATE_EPOCH set in the environment (seconds since 1970), that is "
    "its creation time, so the same sources give the same bytes. Bad records are skipped and "
    "counted (--strict stops at the first); a source "
    "that fails is reported and the others are still indexed. A summary is printed on "
    "stdout, warnings on stderr.",
    opts,
    NOPTS,
};

/* "12 documents" */
static void count(uint64_t n, const char *one, const char *many)
{
    char buf[32];
    printf("%s %s", pv_cli__commas(n, buf), n == 1 ? one : many);
}

static void print_summary(const char *out, const pv_build_stats *st, double secs)
{
    char buf[32];
    fputs("indexed ", stdout);
    count(st->documents, "document", "documents");
    if (st->bytes < 1000000)
        printf(", %s bytes, ", pv_cli__commas(st->bytes, buf));
    else
        printf(", %.1f MB, ", (double)st->bytes / 1e6);
    count(st->tokens, "token", "tokens");
    printf(" in %.2f s (%.1f MB/s)\n", secs, secs > 0 ? (double)st->bytes / 1e6 / secs : 0.0);
    if (st->commits)
        printf("walked %s %s, read %.1f MB of unique blob content (%.1f MB/s)\n",
               pv_cli__commas(st->commits, buf), st->commits == 1 ? "commit" : "commits",
               (double)st->read_bytes / 1e6, secs > 0 ? (double)st->read_bytes / 1e6 / secs : 0.0);
    if (st->ignored_commits)
        printf("%s %s in ignore-revs: %s no credit\n", pv_cli__commas(st->ignored_commits, buf),
               st->ignored_commits == 1 ? "commit" : "commits",
               st->ignored_commits == 1 ? "it takes" : "they take");
    printf("skipped: %llu binary, %llu too large, %llu excluded, %llu unreadable, %llu empty",
           (unsigned long long)st->skipped_binary, (unsigned long long)st->skipped_large,
           (unsigned long long)st->skipped_excluded,
           (unsigned long long)(st->skipped_unreadable + st->bad_records),
           (unsigned long long)st->skipped_empty);
    if (st->skipped_vendored || st->skipped_generated)
        printf(", %llu vendored or minified, %llu generated",
               (unsigned long long)st->skipped_vendored, (unsigned long long)st->skipped_generated);
    if (st->skipped_other)
        printf(", %llu by rule (deleted, drafts, other record types)",
               (unsigned long long)st->skipped_other);
    putchar('\n');
    if (st->bad_records)
        printf("skipped %s bad %s (each named above)\n", pv_cli__commas(st->bad_records, buf),
               st->bad_records == 1 ? "record" : "records");
    if (st->ignored_trailers)
        printf("ignored %s Co-authored-by %s without a valid e-mail (-v names them)\n",
               pv_cli__commas(st->ignored_trailers, buf),
               st->ignored_trailers == 1 ? "trailer" : "trailers");
    if (st->source_errors)
        printf("%s %s stopped on an error (named above); the rest was indexed\n",
               pv_cli__commas(st->source_errors, buf),
               st->source_errors == 1 ? "source" : "sources");
    if (st->invalid_utf8)
        printf("%s invalid UTF-8 %s replaced by U+FFFD\n", pv_cli__commas(st->invalid_utf8, buf),
               st->invalid_utf8 == 1 ? "sequence" : "sequences");
    if (st->runs)
        printf("spilled %s sorted %s to disk within --memory\n", pv_cli__commas(st->runs, buf),
               st->runs == 1 ? "run" : "runs");
    printf("wrote %s: %s bytes", out, pv_cli__commas(st->index_bytes, buf));
    if (st->bytes > 0)
        printf(" (%.1f%% of input)", 100.0 * (double)st->index_bytes / (double)st->bytes);
    fputs(", ", stdout);
    count(st->fingerprints, "fingerprint", "fingerprints");
    fputs(", ", stdout);
    count(st->postings, "posting", "postings");
    putchar('\n');
}

/* --timings: the stage table on stderr (bench/run.sh reads it). s, the serial fraction, is
 * the serial CPU time over all the CPU time; Amdahl's law bounds the speed-up on n cores by
 * 1 / (s + (1 - s) / n). */
static void print_timings(const pv_build_stats *st)
{
    static const unsigned cores[] = {4, 16, 64};
    double serial = 0, parallel = 0, s;
    size_t i;
    fprintf(stderr, "provscan: timings, in seconds (serial: CPU time of work only one thread "
                    "can do; parallel: CPU time of the workers, summed)\n");
    fprintf(stderr, "%-12s %9s %9s %9s\n", "stage", "wall", "serial", "parallel");
    for (i = 0; i < PV_NSTAGES; i++) {
        const pv_stage_time *t = &st->stages[i];
        fprintf(stderr, "%-12s %9.3f %9.3f %9.3f\n", pv_build_stage_name((int)i), t->wall,
                t->serial, t->parallel);
        serial += t->serial;
        parallel += t->parallel;
    }
    fprintf(stderr, "%-12s %9s %9.3f %9.3f\n", "total", "", serial, parallel);
    s = serial + parallel > 0 ? serial / (serial + parallel) : 0;
    fprintf(stderr, "serial fraction s = %.2f%% of %.3f CPU seconds; Amdahl's law predicts",
            100 * s, serial + parallel);
    for (i = 0; i < sizeof cores / sizeof cores[0]; i++)
        fprintf(stderr, "%s %.2fx on %u cores", i ? "," : "", 1 / (s + (1 - s) / cores[i]),
                cores[i]);
    fputc('\n', stderr);
}

/* SIGINT, SIGTERM and SIGHUP during a build: the temporary index (and the lock) are removed,
 * then the process ends at once with 128 + the signal, as a shell reports a process the signal
 * ended. The only exit below main: the build cannot be returned to from a signal handler, and
 * only async-signal-safe calls are made here. */
static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define NSTOP (sizeof stop_signals / sizeof stop_signals[0])

static void on_stop_signal(int sig)
{
    static const char msg[] = "\nprovscan: interrupted: the unfinished index is removed\n";
    pv_index_build_abort_cleanup();
    if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0) {
        /* nothing more can be done about it */
    }
    _exit(128 + sig);
}

static void catch_stop_signals(struct sigaction *old)
{
    struct sigaction sa;
    size_t i;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    for (i = 0; i < NSTOP; i++)
        sigaddset(&sa.sa_mask, stop_signals[i]);
    for (i = 0; i < NSTOP; i++) {
        sigaction(stop_signals[i], NULL, &old[i]);
        /* a signal the caller ignores (nohup) stays ignored */
        if (old[i].sa_handler != SIG_IGN)
            sigaction(stop_signals[i], &sa, NULL);
    }
}

static void restore_stop_signals(const struct sigaction *old)
{
    size_t i;
    for (i = 0; i < NSTOP; i++)
        sigaction(stop_signals[i], &old[i], NULL);
}

/* index --mpi: rank 0 prints the summary and a line per rank; every rank returns its exit. */
static int index_mpi(const char *out, const pv_cli_args *a, const pv_build_opts *o,
                     pv_cli_progress *prog, double t0, int timings)
{
    pv_cli_mpi_result res;
    pv_err err = {0, ""};
    int r = pv_cli__index_mpi(out, (const char *const *)a->pos, a->npos, o, &res, &err);
    pv_cli__progress_free(prog);
    if (r < 0) /* told by pv_cli__index_mpi, in rank order; an option refused is a usage error */
        return r == PV_EINVAL && err.code == PV_EINVAL ? PV_EXIT_USAGE : PV_EXIT_INPUT;
    if (res.rank == 0) {
        print_summary(out, &res.st, pv_cli__now() - t0);
        if (res.nranks > 1)
            printf("merged the parts of %d ranks in %.2f s\n", res.nranks, res.merge_secs);
        if (timings)
            print_timings(&res.st); /* every rank's stages added up */
    }
    return res.st.source_errors ? PV_EXIT_INPUT : PV_EXIT_OK;
}

int pv_cli__cmd_index(int argc, char **argv)
{
    struct sigaction old_sa[NSTOP];
    pv_cli_args a;
    pv_build_opts o = PV_BUILD_OPTS_INIT;
    pv_build_stats st = {0};
    pv_err err = {0, ""};
    pv_cli_progress *prog = NULL;
    const pv_cli_val *v;
    double t0;
    int rc = pv_cli__parse(&spec, argc, argv, &a), r;
    if (rc) {
        rc = rc == PV_CLI_HELP_SHOWN ? PV_EXIT_OK : rc;
        goto done;
    }
    v = a.vals;
    if (!v[OPT_OUTPUT].count && !v[OPT_ADD].count) {
        rc = pv_cli__usage_error(&spec, "missing -o INDEX");
        goto done;
    }
    if (v[OPT_OUTPUT].count && v[OPT_ADD].count) {
        rc = pv_cli__usage_error(&spec, "-o and --add go apart: a new index, or a segment added");
        goto done;
    }
    if (v[OPT_MPI].count && v[OPT_ADD].count) {
        rc = pv_cli__usage_error(&spec, "--mpi builds a new index (-o), not a segment (--add)");
        goto done;
    }
    if (a.npos == 0) {
        rc = pv_cli__usage_error(&spec, "missing SOURCE");
        goto done;
    }
    if (v[OPT_K].count)
        o.k = (uint32_t)v[OPT_K].num;
    if (v[OPT_W].count)
        o.w = (uint32_t)v[OPT_W].num;
    if (v[OPT_SEED].count)
        o.seed = v[OPT_SEED].num;
    if (v[OPT_MEMORY].count)
        o.memory = (size_t)v[OPT_MEMORY].num;
    if (v[OPT_JOBS].count)
        o.jobs = (unsigned)v[OPT_JOBS].num;
    if (v[OPT_MAX_FILE_SIZE].count)
        o.max_file_size = v[OPT_MAX_FILE_SIZE].num;
    o.excludes = v[OPT_EXCLUDE].list;
    o.nexcludes = v[OPT_EXCLUDE].nlist;
    o.author = v[OPT_AUTHOR].str;
    o.license = v[OPT_LICENSE].str;
    if (v[OPT_POSTING_CAP].count)
        o.posting_cap = (uint32_t)v[OPT_POSTING_CAP].num;
    o.strict = v[OPT_STRICT].count > 0;
    o.tmpdir = v[OPT_TMPDIR].str;
    o.read.includes = v[OPT_INCLUDE].list;
    o.read.nincludes = v[OPT_INCLUDE].nlist;
    o.read.preset = v[OPT_PRESET].str;
    o.read.fields = v[OPT_FIELD].str;
    o.read.comments = v[OPT_COMMENTS].count > 0;
    o.read.site = v[OPT_SITE].str;
    o.read.rev = v[OPT_REV].str;
    o.read.all_refs = v[OPT_ALL].count > 0;
    o.read.origin_name = v[OPT_ORIGIN].str;
    o.aliases = v[OPT_ALIASES].str;
    o.read.ignore_revs = v[OPT_IGNORE_REV].list;
    o.read.nignore_revs = v[OPT_IGNORE_REV].nlist;
    o.read.ignore_revs_file = v[OPT_IGNORE_REVS_FILE].str;
    if (v[OPT_SINCE].count && pv_cli__parse_day(v[OPT_SINCE].str, &o.read.since) != 0) {
        rc = pv_cli__usage_error(&spec, "--since wants a date YYYY-MM-DD, not '%s'",
                                 v[OPT_SINCE].str);
        goto done;
    }

    if (pv_sources_check((const char *const *)a.pos, a.npos, o.read.preset, &err) != 0) {
        rc = pv_cli__usage_error(&spec, "%s", err.msg);
        goto done;
    }

    prog = pv_cli__progress_new(!v[OPT_QUIET].count, v[OPT_VERBOSE].count > 0);
    if (!prog) {
        fprintf(stderr, "provscan: out of memory\n");
        rc = PV_EXIT_INPUT;
        goto done;
    }
    o.diag = pv_cli__diag_cb;
    o.progress = pv_cli__progress_cb;
    o.ctx = prog;
    pv_init(o.memory / 32); /* libgit2's object cache: an eighth of the readers' quarter */
    t0 = pv_cli__now();
    catch_stop_signals(old_sa);
    if (v[OPT_MPI].count) {
        rc = index_mpi(v[OPT_OUTPUT].str, &a, &o, prog, t0, v[OPT_TIMINGS].count > 0);
        prog = NULL; /* index_mpi ended it */
        restore_stop_signals(old_sa);
        goto done;
    }
    if (v[OPT_ADD].count)
        r = pv_index_add(v[OPT_ADD].str, (const char *const *)a.pos, a.npos, &o, &st, &err);
    else
        r = pv_index_build(v[OPT_OUTPUT].str, (const char *const *)a.pos, a.npos, &o, &st, &err);
    restore_stop_signals(old_sa);
    pv_cli__progress_free(prog);
    prog = NULL;
    if (r < 0) { /* a bad --exclude pattern, a k it cannot use: a usage error */
        rc = pv_cli__lib_exit(&spec, &err, r);
        goto done;
    }
    print_summary(v[OPT_ADD].count ? v[OPT_ADD].str : v[OPT_OUTPUT].str, &st, pv_cli__now() - t0);
    if (v[OPT_TIMINGS].count)
        print_timings(&st);
    rc = st.source_errors ? PV_EXIT_INPUT : PV_EXIT_OK;
done:
    pv_cli__progress_free(prog);
    pv_cli__args_free(&a);
    return rc;
}
