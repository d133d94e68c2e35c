/*
 * cmd_match.c - `provscan match`: attribute each input (files, folders, stdin, --files-from,
 * JSON lines records; inputs.c) against an index on --jobs threads (batch.c), and report
 * spans, sources and credit as text, JSON or JSON lines on stdout, in input order, each input
 * as soon as it and those before it are matched.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_int.h"

#define STR_(x) #x
#define STR(x) STR_(x)

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
    OPT_FILES_FROM, /* the four input options, in this order (pv_cli__outputs_opts_of) */
    OPT_JSONL,
    OPT_FIELD,
    OPT_STRICT,
    NOPTS
};

static const pv_cli_opt opts[NOPTS] = {
    [OPT_INDEX] = {"index", 'x', "INDEX", PV_CLI_STRING, 0, 0, NULL,
                   "the index to match against, a file or a folder of segments (required)"},
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
    [OPT_JOBS] = PV_CLI_OPT_JOBS(
        "match N inputs at a time; the report is the same for any N, in input order"),
    [OPT_SUMMARY] = {"summary", 0, NULL, PV_CLI_FLAG, 0, 0, NULL,
                     "text report without the query echo: only the span lines and the authors"},
    [OPT_FILES_FROM] = PV_CLI_OPT_FILES_FROM,
    [OPT_JSONL] = PV_CLI_OPT_JSONL,
    [OPT_FIELD] = PV_CLI_OPT_FIELD,
    [OPT_STRICT] = PV_CLI_OPT_STRICT,
};

static const pv_cli_spec spec = {
    "match",
    "-x INDEX [options] [FILE|FOLDER|-]...",
    "Attribute every input against INDEX: every FILE, every file under a FOLDER (recursively, "
    "names in sorted order), standard input for '-' or when no input is given, the paths "
    "listed by --files-from; with --jsonl, every JSON line of those files is one input, named "
    "by its id (FILE:LINE without one); a bad record is named, skipped and counted, or with "
    "--strict stops the run (exit 3). For every input, "
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

static const char *shown_name(const char *input)
{
    return strcmp(input, "-") == 0 ? "<stdin>" : input;
}

/* How the report is written. */
typedef struct report {
    int format, color, list_copies, summary;
    size_t reported;   /* results written */
    int failed;        /* a result could not be written */
    pv_cli_html *html; /* FMT_HTML: the page being spooled */
} report;

/* Write one matched input to the report (the batch runner calls it in input order). */
static int write_one(void *ctx, const pv_cli_output *it, const pv_result *res)
{
    report *rp = ctx;
    const char *name = shown_name(it->name);
    int failed = 0;

    if (res->invalid_utf8)
        fprintf(stderr, "provscan: warning: '%s': %llu invalid UTF-8 sequences read as U+FFFD\n",
                name, (unsigned long long)res->invalid_utf8);
    if (rp->format == FMT_JSON) {
        failed = pv_cli__json_stream_result(it->name, res, rp->reported == 0) != 0;
    } else if (rp->format == FMT_JSONL) {
        failed = pv_cli__jsonl_result(it->name, res) != 0;
    } else if (rp->format == FMT_HTML) {
        failed = pv_cli__html_output(rp->html, name, it->text, it->len, res) != 0;
    } else {
        if (rp->reported > 0)
            putchar('\n');
        pv_cli__text_result(name, it->text, it->len, res, rp->color, rp->list_copies, rp->summary);
    }
    if (failed) {
        fprintf(stderr, "provscan: '%s': out of memory%s\n", name,
                rp->format == FMT_HTML ? " or a write error on the report's spool" : "");
        rp->failed = 1;
    }
    rp->reported++;
    return 0;
}

int pv_cli__cmd_match(int argc, char **argv)
{
    pv_cli_args a;
    pv_index *ix = NULL;
    pv_index_info info;
    pv_match_opts mo = PV_MATCH_OPTS_INIT;
    pv_err err = {0, ""};
    pv_cli_cut *cut = NULL;
    pv_cli_outputs *in = NULL;
    pv_cli_outputs_opts oo;
    pv_cli_batch run = {0};
    report rp = {0};
    const char *format;
    char msg[4200];
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
    oo = pv_cli__outputs_opts_of(&a, OPT_FILES_FROM);
    run.mo = &mo;
    run.jobs = pv_cli__jobs(a.vals[OPT_JOBS].count ? a.vals[OPT_JOBS].num : 0);
    run.fn = write_one;
    run.ctx = &rp;
    if ((r = pv_cli__outputs_open(&oo, &in, msg, sizeof msg)) != 0) {
        if (r == -2) {
            rc = pv_cli__usage_error(&spec, "%s", msg);
        } else {
            fprintf(stderr, "provscan: %s\n", msg);
            rc = PV_EXIT_INPUT;
        }
        goto done;
    }

    r = pv_index_open(&ix, a.vals[OPT_INDEX].str, &err);
    if (r < 0) {
        pv_cli__lib_error(&err, r);
        rc = PV_EXIT_INPUT;
        goto done;
    }
    run.ix = ix;
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
    rc = pv_cli__batch_run(in, &run);
    if (rp.format == FMT_JSON)
        pv_cli__json_stream_end();
    if (rp.format == FMT_HTML && pv_cli__html_end(rp.html, NULL, stdout) != 0 &&
        !ferror(stdout)) { /* main reports a write error on stdout */
        fprintf(stderr, "provscan: the HTML report: out of memory or a read error on its "
                        "spool\n");
        rp.failed = 1;
    }
    if (!rc && rp.failed)
        rc = PV_EXIT_INPUT;
done:
    pv_cli__html_free(rp.html);
    pv_cli__cut_end(cut);
    pv_cli__outputs_free(in);
    pv_index_free(ix);
    pv_cli__args_free(&a);
    return rc;
}
