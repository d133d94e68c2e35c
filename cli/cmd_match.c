/*
 * cmd_match.c - `provscan match`: attribute each input (a file or stdin) against an index
 * with pv_match_run and report spans, sources and credit as text or JSON on stdout.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

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
    NOPTS
};

static const pv_cli_opt opts[NOPTS] = {
    [OPT_INDEX] = {"index", 'x', "INDEX", PV_CLI_STRING, 0, 0, NULL,
                   "the index file to match against (required)"},
    [OPT_FORMAT] = {"format", 0, "text|json", PV_CLI_CHOICE, 0, 0, "text", "report format"},
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
    "the others are still matched; the exit code is then 3.",
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

int pv_cli__cmd_match(int argc, char **argv)
{
    static char stdin_name[] = "-";
    char *stdin_only[1] = {stdin_name};
    pv_cli_args a;
    pv_index *ix = NULL;
    pv_index_info info;
    pv_match_opts mo = PV_MATCH_OPTS_INIT;
    pv_err err = {0, ""};
    cJSON *doc = NULL;
    char **inputs;
    size_t i, ninputs, reported = 0;
    int json, color, failed = 0, r;
    int rc = pv_cli__parse(&spec, argc, argv, &a);
    if (rc) {
        rc = rc == PV_CLI_HELP_SHOWN ? PV_EXIT_OK : rc;
        goto done;
    }
    if (!a.vals[OPT_INDEX].count) {
        rc = pv_cli__usage_error(&spec, "missing -x INDEX");
        goto done;
    }
    json = a.vals[OPT_FORMAT].str && strcmp(a.vals[OPT_FORMAT].str, "json") == 0;
    color = !json && want_color(a.vals[OPT_COLOR].str);
    if (a.vals[OPT_MIN_TOKENS].count)
        mo.min_tokens = (uint32_t)a.vals[OPT_MIN_TOKENS].num;
    if (a.vals[OPT_COMMON].count)
        mo.common = (uint32_t)a.vals[OPT_COMMON].num;
    if (a.vals[OPT_MAX_SOURCES].count)
        mo.max_sources = (uint32_t)a.vals[OPT_MAX_SOURCES].num;
    if (a.vals[OPT_MAX_COPIES].count)
        mo.max_copies = (uint32_t)a.vals[OPT_MAX_COPIES].num;
    inputs = a.npos ? a.pos : stdin_only;
    ninputs = a.npos ? a.npos : 1;

    r = pv_index_open(&ix, a.vals[OPT_INDEX].str, &err);
    if (r < 0) {
        pv_cli__lib_error(&err, r);
        rc = PV_EXIT_INPUT;
        goto done;
    }
    pv_index_get_info(ix, &info);
    if (json) {
        doc = pv_cli__json_match_new(a.vals[OPT_INDEX].str, &info);
        if (!doc) {
            fprintf(stderr, "provscan: out of memory\n");
            rc = PV_EXIT_INPUT;
            goto done;
        }
    }
    for (i = 0; i < ninputs; i++) {
        const char *name = strcmp(inputs[i], "-") == 0 ? "<stdin>" : inputs[i];
        char *text = NULL, msg[1200];
        size_t len = 0;
        pv_result *res = NULL;
        if (pv_cli__read_input(inputs[i], INPUT_LIMIT, &text, &len, msg, sizeof msg) != 0) {
            fprintf(stderr, "provscan: %s\n", msg);
            failed = 1;
            continue;
        }
        err.msg[0] = '\0';
        r = pv_match_run(ix, text, len, &mo, &res, &err);
        if (r < 0) {
            fprintf(stderr, "provscan: '%s': %s\n", name, err.msg[0] ? err.msg : pv_strerror(r));
            failed = 1;
        } else {
            if (res->invalid_utf8)
                fprintf(stderr,
                        "provscan: warning: '%s': %llu invalid UTF-8 sequences read as U+FFFD\n",
                        name, (unsigned long long)res->invalid_utf8);
            if (json) {
                if (pv_cli__json_match_add(doc, inputs[i], res) != 0) {
                    fprintf(stderr, "provscan: out of memory\n");
                    failed = 1;
                }
            } else {
                if (reported++ > 0)
                    putchar('\n');
                pv_cli__text_result(name, text, len, res, color, a.vals[OPT_COPIES].count > 0);
            }
        }
        pv_result_free(res);
        free(text);
    }
    if (json) {
        r = pv_cli__json_print(doc);
        doc = NULL;
        if (r != 0) {
            fprintf(stderr, "provscan: out of memory\n");
            failed = 1;
        }
    }
    rc = failed ? PV_EXIT_INPUT : PV_EXIT_OK;
done:
    cJSON_Delete(doc);
    pv_index_free(ix);
    pv_cli__args_free(&a);
    return rc;
}
