/*
 * cli_int.h - the command-line tool's internal interface: option tables and their parser,
 * the commands, the report writers and the progress display. Only cli/ includes it.
 */
#ifndef PV_CLI_INT_H
#define PV_CLI_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "provscan.h"

/* Exit codes (DESIGN.md "Conventions for errors and input"). */
enum {
    PV_EXIT_OK = 0,
    PV_EXIT_FINDINGS = 1, /* findings over a policy (check, scan --fail-on) */
    PV_EXIT_USAGE = 2,    /* unknown option, missing argument, bad number */
    PV_EXIT_INPUT = 3     /* an input or the index could not be read, or stdout failed */
};

/* Index file format and normalization versions this build writes and reads, shown by
 * `provscan --version` (from provscan.h). */
#define PV_CLI_INDEX_FORMAT PV_FORMAT_VERSION
#define PV_CLI_NORM_VERSION PV_NORM_VERSION

/* ---- options (options.c) --------------------------------------------------------------- */

typedef enum pv_cli_kind {
    PV_CLI_FLAG,   /* no argument */
    PV_CLI_UINT,   /* decimal or 0x hex, within [min, max] */
    PV_CLI_SIZE,   /* bytes with an optional K, M, G or T suffix (1K = 1024) */
    PV_CLI_STRING, /* any text; given again, the last one wins */
    PV_CLI_LIST,   /* any text, repeatable: every value is kept, in order */
    PV_CLI_CHOICE  /* one of the words of arg, separated by '|' ("text|json") */
} pv_cli_kind;

/* One option of a command. A command's table drives parsing, its --help and what
 * docs/usage.md and docs/provscan.1 show. */
typedef struct pv_cli_opt {
    const char *name; /* long name without "--", or NULL */
    char short_name;  /* or 0 */
    const char *arg;  /* argument name in help ("N", "SIZE", "text|json"); NULL for flags */
    pv_cli_kind kind;
    uint64_t min, max; /* UINT and SIZE range; for SIZE, max 0 = no bound */
    const char *def;   /* default shown in help, or NULL */
    const char *help;  /* one short sentence, lowercase, no final period */
} pv_cli_opt;

/* A command's option table and help text. */
typedef struct pv_cli_spec {
    const char *name;        /* "index" */
    const char *usage;       /* "-o INDEX [options] SOURCE..." (after "provscan NAME ") */
    const char *description; /* a paragraph shown by --help, wrapped at 80 columns */
    const pv_cli_opt *opts;
    size_t nopts;
} pv_cli_spec;

/* What the parser found for one option of the table. */
typedef struct pv_cli_val {
    unsigned count;    /* how many times it was given */
    const char *str;   /* last value as written (all kinds but FLAG) */
    uint64_t num;      /* UINT and SIZE: last value */
    const char **list; /* LIST: every value in order (nlist of them); malloc'ed */
    size_t nlist;
} pv_cli_val;

typedef struct pv_cli_args {
    pv_cli_val *vals; /* one per option of the table, in table order */
    size_t nvals;
    char **pos; /* positional arguments, borrowed from argv */
    size_t npos;
} pv_cli_args;

#define PV_CLI_HELP_SHOWN 1000 /* pv_cli__parse: --help was printed, exit 0 */

/* Parse argv[1..argc-1] (argv[0] is the command name) against spec: "--opt value",
 * "--opt=value", "-x value", "-xvalue", bundled short flags ("-qv"), "--" (the rest is
 * positional), options and positional arguments in any order; "-" alone is positional.
 * -h/--help prints the help on stdout and returns PV_CLI_HELP_SHOWN. A usage error prints
 * "provscan: NAME: MESSAGE" and the usage line on stderr and returns PV_EXIT_USAGE.
 * Returns 0 on success, PV_EXIT_INPUT when out of memory; free *out with
 * pv_cli__args_free (also after a failure). */
int pv_cli__parse(const pv_cli_spec *spec, int argc, char **argv, pv_cli_args *out);

void pv_cli__args_free(pv_cli_args *a);

/* Print spec's --help text to f. */
void pv_cli__print_help(const pv_cli_spec *spec, FILE *f);

/* Print "provscan: NAME: MESSAGE" and the usage line to stderr; returns PV_EXIT_USAGE. */
int pv_cli__usage_error(const pv_cli_spec *spec, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The exit of a command whose library call failed with code (< 0): an option the library
 * refuses (PV_EINVAL: a bad pattern, a k it cannot use, an unknown KIND: prefix) is a usage
 * error, like a bad number (PV_EXIT_USAGE); anything else is printed as pv_cli__lib_error
 * does (PV_EXIT_INPUT). */
int pv_cli__lib_exit(const pv_cli_spec *spec, const pv_err *err, int code);

/* Parse a size: digits with an optional K, M, G or T suffix (powers of 1024), optionally
 * followed by "B" or "iB". Returns 0, or -1 when s is not a size or overflows. */
int pv_cli__parse_size(const char *s, uint64_t *out);

/* Parse an unsigned number, decimal or 0x hex. Returns 0 or -1. */
int pv_cli__parse_uint(const char *s, uint64_t *out);

/* ---- output helpers (output.c) --------------------------------------------------------- */

/* v with a comma every three digits ("20,480") into buf (at least 32 bytes); returns buf. */
const char *pv_cli__commas(uint64_t v, char *buf);

/* Print a library error on stderr: "provscan: " + err->msg, or the description of code
 * when the message is empty. */
void pv_cli__lib_error(const pv_err *err, int code);

/* Flush stdout and report a write error ("provscan: write error on stdout: ..."); returns
 * 0 or PV_EXIT_INPUT. */
int pv_cli__finish_stdout(void);

/* Read the whole of path ("-" = standard input) into *buf (malloc'ed, NUL after *len
 * bytes). Inputs over limit bytes are refused. Returns 0, or -1 with msg (size msgsz)
 * holding a message that names the input. */
int pv_cli__read_input(const char *path, size_t limit, char **buf, size_t *len, char *msg,
                       size_t msgsz);

/* s (NULL: empty) as one CSV field to f: in double quotes, a quote doubled (RFC 4180). */
void pv_cli__csv_field(FILE *f, const char *s);

/* Date of unix seconds t (UTC) as "YYYY-MM-DD" (with_time 0) or "YYYY-MM-DDTHH:MM:SSZ"
 * into buf (at least 32 bytes); "-" or "" when t is PV_DATE_UNKNOWN or out of range.
 * Returns 1 when a date was written, 0 otherwise. */
int pv_cli__format_date(int64_t t, int with_time, char *buf, size_t bufsz);

/* Parse "YYYY-MM-DD" as the unix time of that day's start (UTC); 0, or -1 when s is not
 * such a date. */
int pv_cli__parse_day(const char *s, int64_t *out);

/* Monotonic seconds. */
double pv_cli__now(void);

/* Writes n bytes of s to f, escaped as its report needs (caret notation in text, entities
 * in HTML). */
typedef void (*pv_cli_put_fn)(FILE *f, const char *s, size_t n);
/* Control bytes (but tab) in caret notation ("^[" for ESC), so that text from the corpus or
 * the outputs cannot drive the terminal; the other bytes as they are. */
void pv_cli__put_caret(FILE *f, const char *s, size_t n);

/* A person as "Name <email> (id ID)", "unknown" when the name is not known, the parts
 * present only; every part goes through put. */
void pv_cli__put_person(FILE *f, pv_cli_put_fn put, const char *name, const char *email,
                        const char *id);

/* The name a credit payee is shown by: "unknown", "before the history", or a person's name
 * (else email, else id). Borrowed from p. */
const char *pv_cli__payee_name(const pv_credit_payee *p);

/* A payee as the credit reports list it: its name, and " <email>" for a person with an
 * email; every part goes through put. */
void pv_cli__put_payee(FILE *f, pv_cli_put_fn put, const pv_credit_payee *p);

/* ---- lines cut to the terminal's width (term_cut.c) ------------------------------------ */

typedef struct pv_cli_cut pv_cli_cut;

/* When stdout is a terminal of known width, route stdout through a thread that cuts every
 * line to that width (escape sequences pass and take no column) and set *out; otherwise
 * leave stdout alone and set *out to NULL. Returns 0, or -1 when it could not be set up
 * (stdout is then unchanged). */
int pv_cli__cut_begin(pv_cli_cut **out);

/* Flush stdout, give it back its terminal and wait for every line to be written; frees c
 * (accepts NULL). */
void pv_cli__cut_end(pv_cli_cut *c);

/* ---- progress and diagnostics (progress.c) --------------------------------------------- */

/* Progress bar and diagnostics for long work; both write to stderr and share its last
 * line. Pass a pointer to one as the ctx of pv_build_opts. */
typedef struct pv_cli_progress pv_cli_progress;

/* Create the display: a bar is drawn only when show_bar and stderr is a terminal; notes
 * are printed only when verbose. Returns NULL when out of memory. */
pv_cli_progress *pv_cli__progress_new(int show_bar, int verbose);

/* Erase the bar if one is shown, and free p (accepts NULL). */
void pv_cli__progress_free(pv_cli_progress *p);

/* pv_progress_fn and pv_diag_fn for a pv_cli_progress ctx. */
void pv_cli__progress_cb(void *ctx, const pv_progress *p);
void pv_cli__diag_cb(void *ctx, pv_severity sev, const char *msg);

/* ---- index --mpi (mpi.c) ---------------------------------------------------------------- */

/* What `index --mpi` reports on rank 0. */
typedef struct pv_cli_mpi_result {
    int rank, nranks;
    double merge_secs; /* rank 0: seconds merging the parts */
    pv_build_stats st; /* rank 0: the counts of every rank's build; index_bytes of INDEX */
} pv_cli_mpi_result;

/* Build SOURCE... into out on the ranks of an MPI job: each rank builds its run of consecutive
 * sources into a part, rank 0 receives the parts and merges them in rank order into out, and
 * prints a line per rank. Starts and ends MPI. Returns 0 or a PV_E* code (reported on stderr
 * by the rank that met it). */
int pv_cli__index_mpi(const char *out, const char *const *sources, size_t nsources,
                      const pv_build_opts *o, pv_cli_mpi_result *res, pv_err *err);

/* ---- reports (report_text.c, report_json.c) -------------------------------------------- */

/* Text report of one match result for input name, whose text is text[0..len). With color,
 * matched bytes and span labels carry ANSI colours; with list_copies, every span lists its
 * copies as rows instead of one "also in N other documents" line; with summary, the query
 * is not echoed (only the heading, the span lines and the author table). Writes to stdout. */
void pv_cli__text_result(const char *name, const char *text, size_t len, const pv_result *res,
                         int color, int list_copies, int summary);

/* Text report of an index's parameters, counts and chunks. Writes to stdout. */
void pv_cli__text_stats(const char *path, const pv_index_info *info);
/* The "tombstones:" part of the stats text: v[0, n) (pv_index_tombstones); nothing when n
 * is 0. */
void pv_cli__text_tombstones(const pv_tombstone *v, size_t n);
/* The segments of a folder index (nothing for a one-file index). */
void pv_cli__text_segments(const pv_segment_info *v, size_t n);

/* JSON documents (docs/json.md), built as cJSON trees. Builders return NULL and adders -1
 * when out of memory. */
struct cJSON;

/* The "index" object of a report; full adds what only stats shows. */
struct cJSON *pv_cli__json_index(const char *path, const pv_index_info *info, int full);

/* One input's result object, as an element of match's "results"; without with_spans its
 * "spans" array is left empty (report_jsonl.c prints the spans one by one). */
struct cJSON *pv_cli__json_result(const char *input, const pv_result *res, int with_spans);

/* One span object of a result's "spans". */
struct cJSON *pv_cli__json_span(const pv_span *sp);

/* Add the string s to obj as key, made valid UTF-8 (invalid bytes become U+FFFD), or null
 * when s is NULL. Returns 0 or -1 when out of memory. */
int pv_cli__json_add_str(struct cJSON *obj, const char *key, const char *s);

/* The stats document: {"index": {...}, "chunks": [...], "segments": [...], "tombstones":
 * [...]}: the tombstones v[0, n) of the index (pv_index_tombstones); "segments" (segs[0,
 * nsegs), pv_index_segments) only for a folder of segments. */
struct cJSON *pv_cli__json_stats(const char *path, const pv_index_info *info, const pv_tombstone *v,
                                 size_t n, const pv_segment_info *segs, size_t nsegs);

/* The word of a tombstone kind: "author", "document", "source". */
const char *pv_cli__tomb_kind(pv_tomb_kind kind);

/* The shortest text of d that reads back as the same double, bit for bit: "%.15g",
 * "%.16g" or "%.17g", the first that strtod gives back; "null" for NaN and infinities (JSON
 * has neither). buf holds at least 32 bytes; returns buf. */
const char *pv_cli__json_number_text(double d, char *buf);

/* Rewrites every number of doc (cJSON prints 15 significant digits whenever they read back
 * within an epsilon, which loses the last bits: 0.1 + 0.2 printed 0.3, 5000000000000001
 * printed 5e+15) as pv_cli__json_number_text gives it, for cJSON to print as it is. Returns
 * 0, or -1 when out of memory (the numbers not reached yet are left as they were). */
int pv_cli__json_exact_numbers(struct cJSON *doc);

/* Print doc to stdout followed by a newline, and free it. Returns 0 or -1 when out of
 * memory (doc is freed either way). */
int pv_cli__json_print(struct cJSON *doc);

/* ---- streamed match reports (report_jsonl.c) -------------------------------------------
 * The JSON document (docs/json.md) printed piece by piece, byte-identical to printing the
 * whole tree at once, and JSON lines: one result object per line. Each result is written
 * span by span, so memory holds one span's tree at a time, never the whole report. All
 * return 0 or -1 when out of memory. */

/* Print the JSON document's opening and its "index" object. */
int pv_cli__json_stream_begin(const char *index_path, const pv_index_info *info);

/* Print one element of "results"; first says whether it is the first one. */
int pv_cli__json_stream_result(const char *input, const pv_result *res, int first);

/* Close "results" and the document. */
void pv_cli__json_stream_end(void);

/* Print one result object on one line, and flush stdout. */
int pv_cli__jsonl_result(const char *input, const pv_result *res);

/* ---- the HTML report (report_html.c) ---------------------------------------------------
 * One self-contained page for match and credit (--format html): no script, and a
 * Content-Security-Policy that forbids every load; totals, a chart of shares per author
 * (inline SVG), every output with its spans highlighted (one colour per source document, a
 * hover card with source, lines, permalink, authors and strength), the evidence table.
 * Outputs are spooled to a temporary file as they are added, so memory does not grow with
 * the batch; pv_cli__html_end writes the page. */
typedef struct pv_cli_html pv_cli_html;

/* Start the report of command ("match" or "credit") against the index at index_path; its
 * spool is an unnamed file in $TMPDIR (or /tmp). Returns 0, or -1 with msg (size msgsz)
 * saying why (no memory, no temporary file). */
int pv_cli__html_begin(const char *command, const char *index_path, const pv_index_info *info,
                       pv_cli_html **out, char *msg, size_t msgsz);

/* Add one output, named name, whose text is text[0..len) and whose result is res (credit:
 * in the order they are added to the ledger). Returns 0, or -1 on a spool write error or
 * without memory. */
int pv_cli__html_output(pv_cli_html *h, const char *name, const char *text, size_t len,
                        const pv_result *res);

/* What credit's page shows beyond the outputs: the ledger's payees (pv_credit_payees) and
 * totals (pv_credit_totals), the cents paid to each payee (-1: none; NULL without --pool) and
 * which are under --min-share (NULL: none). */
typedef struct pv_cli_html_credit {
    const pv_credit_payee *payees;
    size_t npayees;
    const int64_t *cents;
    const int *dust;
    int64_t pool; /* cents, -1 without --pool */
    const char *currency;
    uint64_t outputs, tokens, credited;
    const char *min_strength;   /* --min-strength as given, or NULL: off */
    const pv_credit_weak *weak; /* pv_credit_weak_spans: rows that earn nothing */
    size_t nweak;
    uint64_t weak_tokens;
} pv_cli_html_credit;

/* Write the page to f: match's (credit NULL: authors summed over the results added, one
 * evidence row per span) or credit's (payees and one evidence row per span and payee from
 * the ledger; with --min-strength, the weak rows in a table of their own). Returns 0, or -1
 * on a write error. */
int pv_cli__html_end(pv_cli_html *h, const pv_cli_html_credit *credit, FILE *f);

/* Release the report and its spool; accepts NULL. */
void pv_cli__html_free(pv_cli_html *h);

/* ---- the outputs a command reads (inputs.c) --------------------------------------------- */

typedef struct pv_cli_inputs pv_cli_inputs;

/* Expand args (files, folders recursively with names sorted bytewise, "-" for standard input)
 * and the paths listed in files_from (one per line; NULL for none) into a list walked by
 * pv_cli__inputs_next. Returns 0, or -1 with msg naming what could not be read. */
int pv_cli__inputs_new(char *const *args, size_t nargs, const char *files_from, pv_cli_inputs **out,
                       char *msg, size_t msgsz);
/* The next path (borrowed), or NULL after the last. */
const char *pv_cli__inputs_next(pv_cli_inputs *in);
size_t pv_cli__inputs_count(const pv_cli_inputs *in);
void pv_cli__inputs_free(pv_cli_inputs *in);

/* The options every command that reads outputs takes (match, credit), as entries of its
 * option table: [OPT_FILES_FROM] = PV_CLI_OPT_FILES_FROM, ... */
#define PV_CLI_OPT_FILES_FROM                                                                      \
    {                                                                                              \
        "files-from", 0, "FILE", PV_CLI_STRING, 0, 0, NULL,                                        \
            "read more input paths from FILE, one per line (- for stdin)"                          \
    }
#define PV_CLI_OPT_JSONL                                                                           \
    {                                                                                              \
        "jsonl", 0, NULL, PV_CLI_FLAG, 0, 0, NULL,                                                 \
            "every input file is JSON lines (.gz, .zst too), one input a line"                     \
    }
#define PV_CLI_OPT_FIELD                                                                           \
    {                                                                                              \
        "field", 0, "text=F,id=G", PV_CLI_STRING, 0, 0, "text=text,id=id",                         \
            "with --jsonl: the members holding the text and the id (a.b for nested)"               \
    }
#define PV_CLI_OPT_STRICT                                                                          \
    {                                                                                              \
        "strict", 0, NULL, PV_CLI_FLAG, 0, 0, NULL,                                                \
            "stop at the first bad JSON lines record (exit 3) instead of skipping it"              \
    }
/* HELP says what stays the same for every N */
#define PV_CLI_OPT_JOBS(HELP)                                                                      \
    {                                                                                              \
        "jobs", 'j', "N", PV_CLI_UINT, 0, 1024, "all cores", HELP                                  \
    }

/* How to gather the outputs: files, folders, "-", --files-from, --jsonl. */
typedef struct pv_cli_outputs_opts {
    char *const *args;      /* positional arguments (borrowed) */
    size_t nargs;           /* none: standard input, when files_from is NULL too */
    const char *files_from; /* --files-from, or NULL */
    int jsonl;              /* every file holds JSON lines of outputs */
    const char *fields;     /* --field "text=a.b,id=c", or NULL for the defaults */
    int strict;             /* the first bad record ends the outputs */
} pv_cli_outputs_opts;

/* The outputs options of a command's parsed arguments, whose table holds PV_CLI_OPT_FILES_FROM,
 * _JSONL, _FIELD and _STRICT in this order from index first. */
pv_cli_outputs_opts pv_cli__outputs_opts_of(const pv_cli_args *a, size_t first);

/* The outputs of one run, read one after the other, in order: every file (folders walked
 * recursively, names sorted bytewise), or with jsonl every record of every file. */
typedef struct pv_cli_outputs pv_cli_outputs;

typedef enum pv_cli_output_status {
    PV_CLI_OUTPUT_OK,
    PV_CLI_OUTPUT_UNREADABLE, /* a file could not be read (or is over the 64 MiB cap) */
    PV_CLI_OUTPUT_BAD_RECORD  /* a JSON lines record was skipped; counted */
} pv_cli_output_status;

/* One output. name is the path as given ("-" for standard input) or the record's id (FILE:LINE
 * when it has none); name and text are malloc'ed and owned by whoever holds the output. */
typedef struct pv_cli_output {
    pv_cli_output_status status;
    char *name;
    char *text; /* NUL after len bytes; NULL unless OK */
    size_t len;
    char msg[1200]; /* why, unless OK: names the file, and the line of a record */
} pv_cli_output;

/* Gather the outputs o describes (paths are expanded at once; files are read as they come).
 * Returns 0, -1 (a path or --files-from could not be read; msg says which) or -2 (a bad
 * --field; msg says why). Free *out with pv_cli__outputs_free. */
int pv_cli__outputs_open(const pv_cli_outputs_opts *o, pv_cli_outputs **out, char *msg,
                         size_t msgsz);
/* The next output into *it (its name and text to be freed with pv_cli__output_clear): 1, or 0
 * after the last, and after the first bad record with strict. Out of memory is an UNREADABLE
 * output. */
int pv_cli__outputs_next(pv_cli_outputs *in, pv_cli_output *it);
/* Bad records returned so far. */
uint64_t pv_cli__outputs_bad(const pv_cli_outputs *in);
/* 1 when a bad record ended the outputs (strict). */
int pv_cli__outputs_stopped(const pv_cli_outputs *in);
void pv_cli__outputs_free(pv_cli_outputs *in);
void pv_cli__output_clear(pv_cli_output *it);

/* ---- the batch runner (batch.c) ---------------------------------------------------------- */

/* Called with every output that was read and matched, in input order, on the calling thread of
 * pv_cli__batch_run; res is borrowed. Returns 0 to go on, or an exit code that stops the batch. */
typedef int (*pv_cli_deliver_fn)(void *ctx, const pv_cli_output *it, const pv_result *res);

typedef struct pv_cli_batch {
    const pv_index *ix;
    const pv_match_opts *mo;
    unsigned jobs;     /* matching threads; 0 = all cores */
    int stop_on_error; /* the first unreadable output or failed match stops the batch */
    pv_cli_deliver_fn fn;
    void *ctx;
} pv_cli_batch;

/* Match every output of in on b->jobs threads and hand the results to b->fn in input order.
 * At most 2 * jobs outputs are held at a time, read or matched or waiting, whatever the
 * number of outputs. Unreadable outputs, failed matches and bad records are reported on stderr
 * ("provscan: MESSAGE") in their place in the order, the count of bad records at the end.
 * Returns 0, PV_EXIT_INPUT (an output could not be read or matched, a record was bad with
 * strict, or memory ran out) or the exit code b->fn stopped with. */
int pv_cli__batch_run(pv_cli_outputs *in, const pv_cli_batch *b);

/* The number of threads for --jobs N (0 = all cores). */
unsigned pv_cli__jobs(uint64_t n);

/* ---- the scan report (report_scan.c) ------------------------------------------------------
 * Findings of `provscan scan` as text, JSON, JSON lines or CSV (docs/json.md): text, JSON lines
 * and CSV are written as the findings come; JSON is one document printed at the end. Every
 * format ends with (or, for JSON lines and CSV, leaves to stderr) the summary: the documents
 * and tokens of the index found, per source and per author. */

typedef enum pv_cli_scan_format {
    PV_CLI_SCAN_TEXT,
    PV_CLI_SCAN_JSON,
    PV_CLI_SCAN_JSONL,
    PV_CLI_SCAN_CSV
} pv_cli_scan_format;

typedef struct pv_cli_scan_report pv_cli_scan_report;

/* A report of a scan against the index at index_path (info: its parameters and counts).
 * Returns NULL when out of memory. */
pv_cli_scan_report *pv_cli__scan_report_new(pv_cli_scan_format format, const char *index_path,
                                            const pv_index_info *info);
/* One finding (pv_scan_found_fn's order). Returns 0, or -1 when out of memory. */
int pv_cli__scan_report_add(pv_cli_scan_report *r, const pv_scan_finding *f);
/* The end of the report: the summary, with the scan's counts. Returns 0 or -1. */
int pv_cli__scan_report_end(pv_cli_scan_report *r, const pv_scan_stats *st);
/* Findings added so far. */
uint64_t pv_cli__scan_report_count(const pv_cli_scan_report *r);
void pv_cli__scan_report_free(pv_cli_scan_report *r); /* accepts NULL */

/* ---- commands (cmd_*.c) ---------------------------------------------------------------- */

/* Each command takes argv with argv[0] = the command name and returns an exit code. */
int pv_cli__cmd_index(int argc, char **argv);
int pv_cli__cmd_match(int argc, char **argv);
int pv_cli__cmd_stats(int argc, char **argv);
int pv_cli__cmd_credit(int argc, char **argv);
int pv_cli__cmd_scan(int argc, char **argv);
int pv_cli__cmd_check(int argc, char **argv);
int pv_cli__cmd_hook(int argc, char **argv);
int pv_cli__cmd_remove(int argc, char **argv);
int pv_cli__cmd_merge(int argc, char **argv);

#endif
