/*
 * cmd_scan.c - `provscan scan`: stream datasets (JSON lines shards, WARC/WET, dumps, feeds,
 * folders, git) once against a small index with pv_scan_run on all cores, and report which
 * indexed documents each record holds (report_scan.c), with progress and diagnostics on stderr.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli_int.h"

#define STR_(x) #x
#define STR(x) STR_(x)

_Static_assert(PV_DEFAULT_COMMON == 25, "update the --common default");

enum {
    OPT_INDEX,
    OPT_FORMAT,
    OPT_JOBS,
    OPT_FAIL_ON_FOUND,
    OPT_PRESET,
    OPT_FIELD,
    OPT_SITE,
    OPT_STRICT,
    OPT_MIN_TOKENS,
    OPT_COMMON,
    OPT_MAX_RECORD_SIZE,
    OPT_QUIET,
    OPT_VERBOSE,
    NOPTS
};

static const pv_cli_opt opts[NOPTS] = {
    [OPT_INDEX] = {"index", 'x', "INDEX", PV_CLI_STRING, 0, 0, NULL,
                   "the index of the work to look for (required)"},
    [OPT_FORMAT] = {"format", 0, "text|json|jsonl|csv", PV_CLI_CHOICE, 0, 0, "text",
                    "report format; jsonl and csv write one finding per line as it is found"},
    [OPT_JOBS] = PV_CLI_OPT_JOBS("scan records on N threads; the report is the same for any N"),
    [OPT_FAIL_ON_FOUND] = {"fail-on-found", 0, NULL, PV_CLI_FLAG, 0, 0, NULL,
                           "exit 1 when any indexed document is found"},
    [OPT_PRESET] = {"preset", 0, "NAME", PV_CLI_STRING, 0, 0, NULL,
                    "JSON lines layout: the-stack, dolma, pile, redpajama, reddit or generic "
                    "(default: detected from the first record)"},
    [OPT_FIELD] = {"field", 0, "NAME=PATH,...", PV_CLI_STRING, 0, 0, NULL,
                   "JSON lines generic fields: text, author, id, url, date, license as dotted "
                   "paths, e.g. text=body,id=meta.id"},
    [OPT_SITE] = {"site", 0, "HOST", PV_CLI_STRING, 0, 0, NULL,
                  "Stack Exchange site of a dump, e.g. french.stackexchange.com (default: from "
                  "the dump's name)"},
    [OPT_STRICT] = {"strict", 0, NULL, PV_CLI_FLAG, 0, 0, NULL,
                    "stop at the first bad record or failing dataset (exit 3)"},
    [OPT_MIN_TOKENS] = {"min-tokens", 0, "N", PV_CLI_UINT, 0, UINT32_MAX, "k+w-1 of the index",
                        "report only spans of at least N tokens"},
    [OPT_COMMON] = {"common", 0, "N", PV_CLI_UINT, 1, UINT32_MAX, STR(PV_DEFAULT_COMMON),
                    "fingerprints found in more than N indexed documents are common and find "
                    "nothing"},
    [OPT_MAX_RECORD_SIZE] = {"max-record-size", 0, "SIZE", PV_CLI_SIZE, 1, 0, "64M",
                             "skip (and count) records larger than SIZE"},
    [OPT_QUIET] = {"quiet", 'q', NULL, PV_CLI_FLAG, 0, 0, NULL,
                   "no progress bar and no speed line"},
    [OPT_VERBOSE] = {"verbose", 'v', NULL, PV_CLI_FLAG, 0, 0, NULL,
                     "also print notes, such as every skipped record"},
};

static const pv_cli_spec spec = {
    "scan",
    "-x INDEX [options] DATASET...",
    "Stream every DATASET once against INDEX (a small index of one person's or a union's "
    "work) and report each indexed document found in a dataset record: the record (its "
    "dataset file, id or URL, line or byte offset), how many of the document's tokens it "
    "holds, and the longest span with its lines on both sides; then a summary of the "
    "documents and tokens found, per source and per author. A DATASET is read as `provscan "
    "index` reads a SOURCE: JSON lines (.gz, .zst) with presets and --field, WARC or WET, "
    "Stack Exchange and Reddit dumps, feeds, folders and git repositories, detected or forced "
    "with a KIND: prefix; the text matched is what the index would see (JSON strings "
    "unescaped, HTML turned into text), and in plain text (WET, text files) JSON string "
    "literals with escapes are matched decoded too. In a folder, each dataset file (JSON "
    "lines .jsonl, .ndjson or .json, WARC .warc, .wet or .wat, each also .gz or .zst; Stack "
    "Exchange .7z) "
    "is a dataset of its own, read by its reader, after the folder's other files read as "
    "text; several are read at once (files: DIR reads every file as text). Memory stays "
    "bounded whatever the datasets' size. "
    "Bad records are named on stderr, skipped and counted; a dataset that stops on an error "
    "(a truncated shard) is reported with how far it got, the next is still scanned, and the "
    "exit code is then 3. Otherwise the exit code is 0, or 1 with --fail-on-found when "
    "anything was found.",
    opts,
    NOPTS,
};

typedef struct scan_ctx {
    pv_cli_scan_report *report;
    int failed;
} scan_ctx;

static int on_found(void *ctx, const pv_scan_finding *f)
{
    scan_ctx *c = ctx;
    if (pv_cli__scan_report_add(c->report, f) != 0) {
        c->failed = 1;
        return 1;
    }
    return 0;
}

static pv_cli_scan_format format_of(const char *s)
{
    if (!s || strcmp(s, "text") == 0)
        return PV_CLI_SCAN_TEXT;
    if (strcmp(s, "json") == 0)
        return PV_CLI_SCAN_JSON;
    if (strcmp(s, "jsonl") == 0)
        return PV_CLI_SCAN_JSONL;
    return PV_CLI_SCAN_CSV;
}

int pv_cli__cmd_scan(int argc, char **argv)
{
    pv_cli_args a;
    pv_scan_opts so = PV_SCAN_OPTS_INIT;
    pv_scan_stats st;
    pv_index *ix = NULL;
    pv_index_info info;
    pv_scan *s = NULL;
    pv_err err = {0, ""};
    pv_cli_progress *prog = NULL;
    scan_ctx sc = {NULL, 0};
    const pv_cli_val *v;
    double t0;
    int rc = pv_cli__parse(&spec, argc, argv, &a), r;

    memset(&st, 0, sizeof st);
    if (rc) {
        rc = rc == PV_CLI_HELP_SHOWN ? PV_EXIT_OK : rc;
        goto done;
    }
    v = a.vals;
    if (!v[OPT_INDEX].count) {
        rc = pv_cli__usage_error(&spec, "missing -x INDEX");
        goto done;
    }
    if (a.npos == 0) {
        rc = pv_cli__usage_error(&spec, "missing DATASET");
        goto done;
    }
    so.jobs = pv_cli__jobs(v[OPT_JOBS].count ? v[OPT_JOBS].num : 0);
    so.strict = v[OPT_STRICT].count > 0;
    so.read.preset = v[OPT_PRESET].str;
    so.read.fields = v[OPT_FIELD].str;
    so.read.site = v[OPT_SITE].str;
    if (v[OPT_MIN_TOKENS].count)
        so.match.min_tokens = (uint32_t)v[OPT_MIN_TOKENS].num;
    if (v[OPT_COMMON].count)
        so.match.common = (uint32_t)v[OPT_COMMON].num;
    if (v[OPT_MAX_RECORD_SIZE].count)
        so.max_record_size = v[OPT_MAX_RECORD_SIZE].num;

    if ((r = pv_index_open(&ix, v[OPT_INDEX].str, &err)) != 0) {
        pv_cli__lib_error(&err, r);
        rc = PV_EXIT_INPUT;
        goto done;
    }
    pv_index_get_info(ix, &info);
    prog = pv_cli__progress_new(!v[OPT_QUIET].count, v[OPT_VERBOSE].count > 0);
    sc.report = pv_cli__scan_report_new(format_of(v[OPT_FORMAT].str), v[OPT_INDEX].str, &info);
    if (!prog || !sc.report) {
        fprintf(stderr, "provscan: out of memory\n");
        rc = PV_EXIT_INPUT;
        goto done;
    }
    so.diag = pv_cli__diag_cb;
    so.progress = pv_cli__progress_cb;
    so.ctx = prog;
    if ((r = pv_scan_new(ix, &so, &s, &err)) != 0) {
        pv_cli__lib_error(&err, r);
        rc = PV_EXIT_INPUT;
        goto done;
    }
    t0 = pv_cli__now();
    r = pv_scan_run(s, (const char *const *)a.pos, a.npos, on_found, &sc, &st, &err);
    pv_cli__progress_free(prog);
    prog = NULL;
    if (sc.failed) {
        fprintf(stderr, "provscan: out of memory\n");
        rc = PV_EXIT_INPUT;
        goto done;
    }
    if (r < 0) { /* an unknown KIND: prefix, preset or field is a usage error */
        rc = pv_cli__lib_exit(&spec, &err, r);
        goto done;
    }
    if (pv_cli__scan_report_end(sc.report, &st) != 0) {
        fprintf(stderr, "provscan: out of memory\n");
        rc = PV_EXIT_INPUT;
        goto done;
    }
    if (!v[OPT_QUIET].count) {
        double secs = pv_cli__now() - t0;
        char recs[32];
        fprintf(stderr,
                "provscan: scanned %.1f MB of input (%.1f MB of text, %s records) in "
                "%.2f s: %.1f MB/s of input, %.1f MB/s of text\n",
                (double)st.read_bytes / 1e6, (double)st.text_bytes / 1e6,
                pv_cli__commas(st.records, recs), secs,
                secs > 0 ? (double)st.read_bytes / 1e6 / secs : 0.0,
                secs > 0 ? (double)st.text_bytes / 1e6 / secs : 0.0);
    }
    if (st.dataset_errors)
        rc = PV_EXIT_INPUT;
    else if (v[OPT_FAIL_ON_FOUND].count && st.findings)
        rc = PV_EXIT_FINDINGS;
    else
        rc = PV_EXIT_OK;
done:
    pv_cli__progress_free(prog);
    pv_cli__scan_report_free(sc.report);
    pv_scan_free(s);
    pv_index_free(ix);
    pv_cli__args_free(&a);
    return rc;
}
