/*
 * cmd_match.c - `provscan match`: attribute each input (a file or stdin) against an index
 * with pv_match_run, on --jobs threads, and report spans, sources and credit as text, JSON
 * or JSON lines on stdout, in input order, each input as soon as it and those before it
 * are matched.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_int.h"

#define STR_(x) #x
#define STR(x) STR_(x)

#define INPUT_LIMIT ((size_t)64 << 20) /* bytes of one input */

_Static_assert(PV_DEFAULT_COMMON == 25, "update the --common default");

enum {
    OPT_INDEX,
    OPT_FORMAT,
    OPT_MIN_TOKENS,
    OPT_COMMON,
    OPT_MAX_SOURCES,
    OPT_MAX_COPIES,
    OPT_COPIES,
    OPT_COLOR,
    OPT_JOBS,
    OPT_SUMMARY,
    NOPTS
};

static const pv_cli_opt opts[NOPTS] = {
    [OPT_INDEX] = {"index", 'x', "INDEX", PV_CLI_STRING, 0, 0, NULL,
                   "the index file to match against (required)"},
    [OPT_FORMAT] = {"format", 0, "text|json|jsonl|html", PV_CLI_CHOICE, 0, 0, "text",
                    "report format; jsonl writes one result per line as soon as it is ready, "
                    "html one self-contained page"},
    [OPT_MIN_TOKENS] = {"min-tokens", 0, "N", PV_CLI_UINT, 0, UINT32_MAX, "k of the index",
                        "report only spans of at least N tokens"},
    [OPT_COMMON] = {"common", 0, "N", PV_CLI_UINT, 1, UINT32_MAX, STR(PV_DEFAULT_COMMON),
                    "fingerprints found in more than N documents are common: reported, "
                    "but earn no credit"},
    [OPT_MAX_SOURCES] = {"max-sources", 0, "N", PV_CLI_UINT, 1, UINT32_MAX,
                         STR(PV_DEFAULT_MAX_SOURCES),
                         "source rows per span: the origin, then documents holding part of it"},
    [OPT_MAX_COPIES] = {"max-copies", 0, "N", PV_CLI_UINT, 0, UINT32_MAX,
                        STR(PV_DEFAULT_MAX_COPIES),
                        "copies (other documents holding the whole span) listed per span in "
                        "JSON and with --copies; all are counted"},
    [OPT_COPIES] = {"copies", 0, NULL, PV_CLI_FLAG, 0, 0, NULL,
                    "list every span's copies as rows in the text report, instead of one "
                    "'also in N other documents' line"},
    [OPT_COLOR] = {"color", 0, "auto|always|never", PV_CLI_CHOICE, 0, 0, "auto",
                   "colour matched text in the text report; auto colours only a terminal"},
    [OPT_JOBS] = {"jobs", 'j', "N", PV_CLI_UINT, 0, 1024, "all cores",
                  "match N inputs at a time; the report is the same for any N, in input order"},
    [OPT_SUMMARY] = {"summary", 0, NULL, PV_CLI_FLAG, 0, 0, NULL,
                     "text report without the query echo: only the span lines and the authors"},
};

static const pv_cli_spec spec = {
    "match",
    "-x INDEX [options] [FILE|-]...",
    "Attribute every FILE (standard input when there is none, or for '-') against INDEX: "
    "report the spans that come from indexed documents, with their origin (the earliest "
    "document holding the whole span), the documents holding part of it, how many copies "
    "hold it too, who wrote it, dates, licenses and links, and how credit divides among "
    "authors. Each input is "
    "read whole (at most 64 MiB). An input that cannot be read is reported on stderr and "
    "the others are still matched; the exit code is then 3. On a terminal, the text "
    "report's lines are cut to its width.",
    opts,
    NOPTS,
};

/* Should the text report carry colours? */
static int want_color(const char *mode)
{
    const char *term = getenv("TERM");
    if (!mode || strcmp(mode, "auto") == 0)
        return isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && !(term && !strcmp(term, "dumb"));
    return strcmp(mode, "always") == 0;
}

enum { FMT_TEXT, FMT_JSON, FMT_JSONL, FMT_HTML };

/* One input on its way from a worker to the report. */
typedef struct slot {
    int done;   /* matched (or failed) and not yet written */
    char *text; /* the input, kept for the text report's echo */
    size_t len;
    pv_result *res; /* NULL when the input failed */
    char msg[1200]; /* the error when it failed, else a warning or "" */
} slot;

/* The batch: workers claim inputs in order and leave results in a ring of slots; the
   report writes them in input order. A worker never runs more than nslots inputs ahead of
   the report, so memory holds at most nslots inputs and results whatever the batch size. */
typedef struct batch {
    const pv_index *ix;
    const pv_match_opts *mo;
    char **inputs;
    size_t ninputs;
    slot *slots;
    size_t nslots;
    size_t next;    /* next input to claim */
    size_t written; /* inputs reported */
    pthread_mutex_t lock;
    pthread_cond_t cond;
} batch;

static const char *shown_name(const char *input)
{
    return strcmp(input, "-") == 0 ? "<stdin>" : input;
}

/* Read and match input i into s. */
static void match_one(const batch *b, size_t i, slot *s)
{
    const char *name = shown_name(b->inputs[i]);
    pv_err err = {0, ""};
    int r;
    s->msg[0] = '\0';
    s->res = NULL;
    if (pv_cli__read_input(b->inputs[i], INPUT_LIMIT, &s->text, &s->len, s->msg, sizeof s->msg) !=
        0)
        return;
    r = pv_match_run(b->ix, s->text, s->len, b->mo, &s->res, &err);
    if (r < 0) {
        snprintf(s->msg, sizeof s->msg, "'%s': %s", name, err.msg[0] ? err.msg : pv_strerror(r));
        s->res = NULL;
    } else if (s->res->invalid_utf8) {
        snprintf(s->msg, sizeof s->msg,
                 "warning: '%s': %llu invalid UTF-8 sequences read as U+FFFD", name,
                 (unsigned long long)s->res->invalid_utf8);
    }
}

static void *worker(void *arg)
{
    batch *b = arg;
    for (;;) {
        size_t i;
        pthread_mutex_lock(&b->lock);
        while (b->next < b->ninputs && b->next >= b->written + b->nslots)
            pthread_cond_wait(&b->cond, &b->lock);
        if (b->next >= b->ninputs) {
            pthread_mutex_unlock(&b->lock);
            return NULL;
        }
        i = b->next++;
        pthread_mutex_unlock(&b->lock);
        match_one(b, i, &b->slots[i % b->nslots]);
        pthread_mutex_lock(&b->lock);
        b->slots[i % b->nslots].done = 1;
        pthread_cond_broadcast(&b->cond);
        pthread_mutex_unlock(&b->lock);
    }
}

/* How the report is written. */
typedef struct report {
    int format, color, list_copies, summary;
    size_t reported;   /* results written */
    pv_cli_html *html; /* FMT_HTML: the page being spooled */
} report;

/* Write input i's slot to the report; returns 1 when the input failed. */
static int write_one(report *rp, const char *input, const slot *s)
{
    const char *name = shown_name(input);
    int failed = 0;
    if (!s->res) {
        fprintf(stderr, "provscan: %s\n", s->msg);
        return 1;
    }
    if (s->msg[0])
        fprintf(stderr, "provscan: %s\n", s->msg);
    if (rp->format == FMT_JSON) {
        failed = pv_cli__json_stream_result(input, s->res, rp->reported == 0) != 0;
    } else if (rp->format == FMT_JSONL) {
        failed = pv_cli__jsonl_result(input, s->res) != 0;
    } else if (rp->format == FMT_HTML) {
        failed = pv_cli__html_output(rp->html, name, s->text, s->len, s->res) != 0;
    } else {
        if (rp->reported > 0)
            putchar('\n');
        pv_cli__text_result(name, s->text, s->len, s->res, rp->color, rp->list_copies, rp->summary);
    }
    if (failed)
        fprintf(stderr, "provscan: '%s': out of memory%s\n", name,
                rp->format == FMT_HTML ? " or a write error on the report's spool" : "");
    rp->reported++;
    return failed;
}

static void slot_clear(slot *s)
{
    pv_result_free(s->res);
    free(s->text);
    s->res = NULL;
    s->text = NULL;
    s->done = 0;
}

/* Match every input of b on jobs threads (the calling thread alone for 1) and write the
   report in input order. Returns 1 when an input failed, 0 otherwise, -1 when memory could
   not be had. */
static int run_batch(batch *b, unsigned jobs, report *rp)
{
    pthread_t *threads = NULL;
    size_t i, started = 0;
    int failed = 0, rc = -1;
    b->nslots = jobs > 1 ? 2 * (size_t)jobs : 1;
    b->slots = calloc(b->nslots, sizeof *b->slots);
    threads = jobs > 1 ? calloc(jobs, sizeof *threads) : NULL;
    if (!b->slots || (jobs > 1 && !threads))
        goto done;
    if (pthread_mutex_init(&b->lock, NULL) != 0)
        goto done;
    if (pthread_cond_init(&b->cond, NULL) != 0) {
        pthread_mutex_destroy(&b->lock);
        goto done;
    }
    for (started = 0; jobs > 1 && started < jobs; started++)
        if (pthread_create(&threads[started], NULL, worker, b) != 0)
            break;
    if (jobs > 1 && started == 0)
        jobs = 1; /* no thread to be had: match here, one input at a time */
    for (i = 0; i < b->ninputs; i++) {
        slot *s = &b->slots[i % b->nslots];
        if (jobs > 1) {
            pthread_mutex_lock(&b->lock);
            while (!s->done)
                pthread_cond_wait(&b->cond, &b->lock);
            pthread_mutex_unlock(&b->lock);
        } else {
            match_one(b, i, s);
        }
        failed |= write_one(rp, b->inputs[i], s);
        slot_clear(s);
        if (jobs > 1) {
            pthread_mutex_lock(&b->lock);
            b->written++;
            pthread_cond_broadcast(&b->cond);
            pthread_mutex_unlock(&b->lock);
        }
    }
    rc = failed;
    while (started > 0)
        pthread_join(threads[--started], NULL);
    pthread_cond_destroy(&b->cond);
    pthread_mutex_destroy(&b->lock);
done:
    free(threads);
    free(b->slots);
    b->slots = NULL;
    return rc;
}

int pv_cli__cmd_match(int argc, char **argv)
{
    static char stdin_name[] = "-";
    char *stdin_only[1] = {stdin_name};
    pv_cli_args a;
    pv_index *ix = NULL;
    pv_index_info info;
    pv_match_opts mo = PV_MATCH_OPTS_INIT;
    pv_err err = {0, ""};
    pv_cli_cut *cut = NULL;
    batch b = {0};
    report rp = {0};
    const char *format;
    char msg[4200];
    unsigned jobs;
    long cores;
    int r;
    int rc = pv_cli__parse(&spec, argc, argv, &a);
    if (rc) {
        rc = rc == PV_CLI_HELP_SHOWN ? PV_EXIT_OK : rc;
        goto done;
    }
    if (!a.vals[OPT_INDEX].count) {
        rc = pv_cli__usage_error(&spec, "missing -x INDEX");
        goto done;
    }
    format = a.vals[OPT_FORMAT].str ? a.vals[OPT_FORMAT].str : "text";
    rp.format = !strcmp(format, "json")    ? FMT_JSON
                : !strcmp(format, "jsonl") ? FMT_JSONL
                : !strcmp(format, "html")  ? FMT_HTML
                                           : FMT_TEXT;
    rp.color = rp.format == FMT_TEXT && want_color(a.vals[OPT_COLOR].str);
    rp.list_copies = a.vals[OPT_COPIES].count > 0;
    rp.summary = a.vals[OPT_SUMMARY].count > 0;
    if (a.vals[OPT_MIN_TOKENS].count)
        mo.min_tokens = (uint32_t)a.vals[OPT_MIN_TOKENS].num;
    if (a.vals[OPT_COMMON].count)
        mo.common = (uint32_t)a.vals[OPT_COMMON].num;
    if (a.vals[OPT_MAX_SOURCES].count)
        mo.max_sources = (uint32_t)a.vals[OPT_MAX_SOURCES].num;
    if (a.vals[OPT_MAX_COPIES].count)
        mo.max_copies = (uint32_t)a.vals[OPT_MAX_COPIES].num;
    b.inputs = a.npos ? a.pos : stdin_only;
    b.ninputs = a.npos ? a.npos : 1;
    b.mo = &mo;
    cores = sysconf(_SC_NPROCESSORS_ONLN);
    jobs = a.vals[OPT_JOBS].count && a.vals[OPT_JOBS].num ? (unsigned)a.vals[OPT_JOBS].num
           : cores > 0                                    ? (unsigned)cores
                                                          : 1;
    if (jobs > b.ninputs)
        jobs = (unsigned)b.ninputs;

    r = pv_index_open(&ix, a.vals[OPT_INDEX].str, &err);
    if (r < 0) {
        pv_cli__lib_error(&err, r);
        rc = PV_EXIT_INPUT;
        goto done;
    }
    b.ix = ix;
    pv_index_get_info(ix, &info);
    if (rp.format == FMT_TEXT && pv_cli__cut_begin(&cut) != 0)
        cut = NULL; /* lines stay whole */
    if (rp.format == FMT_JSON && pv_cli__json_stream_begin(a.vals[OPT_INDEX].str, &info) != 0) {
        fprintf(stderr, "provscan: out of memory\n");
        rc = PV_EXIT_INPUT;
        goto done;
    }
    if (rp.format == FMT_HTML &&
        pv_cli__html_begin("match", a.vals[OPT_INDEX].str, &info, &rp.html, msg, sizeof msg) != 0) {
        fprintf(stderr, "provscan: %s\n", msg);
        rc = PV_EXIT_INPUT;
        goto done;
    }
    r = run_batch(&b, jobs, &rp);
    if (r < 0)
        fprintf(stderr, "provscan: out of memory\n");
    if (rp.format == FMT_JSON)
        pv_cli__json_stream_end();
    if (rp.format == FMT_HTML && pv_cli__html_end(rp.html, NULL, stdout) != 0 &&
        !ferror(stdout)) { /* main reports a write error on stdout */
        fprintf(stderr, "provscan: the HTML report: out of memory or a read error on its "
                        "spool\n");
        r = 1;
    }
    rc = r != 0 ? PV_EXIT_INPUT : PV_EXIT_OK;
done:
    pv_cli__html_free(rp.html);
    pv_cli__cut_end(cut);
    pv_index_free(ix);
    pv_cli__args_free(&a);
    return rc;
}
