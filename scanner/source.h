/*
 * source.h - what every reader yields: documents with text, a locator a person can open, a
 * date, a license and authorship (one default origin, or runs of origins for git), handed to
 * a sink one at a time while the input streams. Library-internal.
 */
#ifndef PV_SOURCE_H
#define PV_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "common_int.h"
#include "provscan.h"
#include "scanner_int.h" /* pv_file_list, pv_file_entry */

/* A person credited for text. name NULL means unknown (a deleted account, "[deleted]"). */
typedef struct pv_person {
    const char *name;  /* display name; for forums "Name (id)" is NOT built here: see id */
    const char *email; /* or NULL; never a commenter's email from a blog export */
    const char *id;    /* stable account id as text (Stack Exchange user id, ...), or NULL */
} pv_person;

/* Who first wrote a piece of text, when, and in which commit or revision. */
typedef struct pv_origin_in {
    pv_person author;
    const pv_person *coauthors; /* credit is split equally among author and coauthors */
    size_t ncoauthors;
    const char *commit; /* commit id, revision id, or NULL */
    int64_t date;       /* unix seconds, or PV_DATE_UNKNOWN */
    int before;         /* git: text that already existed at the history's boundary (--since,
                           shallow clone), dated at that boundary, with no author or commit */
} pv_origin_in;

/* Bytes [start, next run's start) of a document's text were first written by origin, an id
 * returned by pv_sink.origin. Runs are sorted by start; the first starts at 0. */
typedef struct pv_run_in {
    uint64_t start;
    uint32_t origin;
} pv_run_in;

/* One document. Every pointer is borrowed for the duration of the sink call only. */
typedef struct pv_doc_in {
    const char *text; /* UTF-8; invalid bytes are allowed (the tokenizer replaces them) */
    size_t len;
    const char *kind;      /* "file", "git", "question", "answer", "comment", "post", "page",
                              "record", "entry" */
    const char *locator;   /* URL, path or record id a person can open; never NULL */
    const char *commit;    /* the version the locator points at (git commit, revision), or NULL */
    const char *license;   /* SPDX expression, or NULL when unknown */
    const char *lang;      /* language tag when the input says it, or NULL */
    pv_origin_in origin;   /* the document's author and date: the default origin */
    const pv_run_in *runs; /* optional: origins of byte ranges (git); NULL = origin above */
    size_t nruns;
    /* Only when pv_reader_opts.defer_html is set, and without runs: HTML whose text
     * (pv_html__to_text) follows text, turned into text by the sink - on a worker thread -
     * which also skips the document when the whole is then empty or too large. */
    const char *html;
    size_t html_len;
    /* git: the ids of the versions of the document's file along its history (its blob at the
     * indexed revision first, then each version it replaced), 20 raw bytes each, so that a
     * dataset record naming a blob (The Stack's hexsha) is known as an exact copy; or NULL. */
    const unsigned char *blobs;
    size_t nblobs;
    /* Where the record starts in its file, when has_offset is set (WARC: in the decompressed
     * stream, as diagnostics count): a scan reports it beside the locator. The index keeps
     * only the locator. */
    uint64_t offset;
    int has_offset;
    /* Optional: when not NULL, *give is the malloc'ed buffer text points at (len bytes and a
     * NUL); the sink may keep it instead of copying the text, and then sets *give to NULL. */
    char **give;
} pv_doc_in;

/* Where a reader sends what it reads. Every callback returns 0 to go on or a negative
 * pv_error to stop the reader, which then returns that error. */
typedef struct pv_sink {
    /* Name the source being read (a repository's origin URL, a dump's site); optional,
     * called at most once before the first document. */
    int (*source)(void *ctx, const char *name, const char *kind);
    /* Register an origin for runs; *id receives its number. */
    int (*origin)(void *ctx, const pv_origin_in *o, uint32_t *id);
    /* One document; the sink copies what it keeps. */
    int (*doc)(void *ctx, const pv_doc_in *doc);
    /* Optional: a reader that works long before handing on documents (a git history walk)
     * calls it now and then, after updating its stats, so that progress can be shown. */
    void (*tick)(void *ctx);
    void *ctx;
} pv_sink;

/* Loads listed files ahead on other threads (the build's workers) while the files reader
 * hands on the ones before: the reader submits entries in list order and takes their
 * results in the same order, each result what pv_files__load gives. */
#define PV_FILE_TAG_SIZE 256 /* room for a file's SPDX tag and its NUL */
typedef struct pv_file_loader {
    /* Starts loading e (borrowed until its result is taken): 0, or 1 when the loader is full
     * (take a result first); with nothing submitted and not taken, it always takes e. */
    int (*submit)(void *ctx, const pv_file_entry *e);
    /* The result of the oldest entry submitted and not taken: pv_files__load's return code,
     * buffer (the caller owns it), length and error, and the SPDX-License-Identifier tag of
     * its first lines (pv_scanner__spdx_tag; "" when none: found where the file was loaded,
     * not on the reader's thread) into tag (PV_FILE_TAG_SIZE bytes); waits for it. */
    int (*take)(void *ctx, char **buf, size_t *len, char *tag, pv_err *err);
    void *ctx;
} pv_file_loader;

/* What a reader is asked to do. Zero-initialise, then set what applies. */
typedef struct pv_reader_opts {
    int strict;            /* stop at the first bad record (the reader returns PV_EFORMAT) */
    pv_diag_fn diag;       /* one line per skipped record: file and line/record/offset */
    void *ctx;             /* passed to diag */
    uint64_t max_doc_size; /* documents larger than this are skipped and counted; 0 = none */
    size_t memory;         /* memory the reader may use for its own state (git); 0 = 256 MiB */
    const char *preset;    /* JSON lines: "the-stack", "dolma", "pile", "redpajama", "reddit",
                              "generic", or NULL to detect from the first record */
    const char *fields;    /* JSON lines generic: "text=a.b,author=c,id=...,url=...,date=...,
                              license=..." (dotted paths into nested objects) */
    int comments;          /* blogs: also index comments */
    int defer_html;        /* hand HTML bodies on as pv_doc_in.html instead of converting them
                              (Stack Exchange), for the sink to convert on its workers */
    const char *site;      /* Stack Exchange: site host for locators, or NULL to infer */
    /* git */
    const char *rev;             /* default "HEAD" */
    int all_refs;                /* every branch and tag */
    int64_t since;               /* commits before this date are not walked; 0 = all */
    const char *origin_name;     /* how the repository is named in reports, or NULL */
    const char *const *excludes; /* PCRE2 patterns on paths; skip matches */
    size_t nexcludes;
    const char *const *includes; /* PCRE2 patterns on paths; index matches even if vendored */
    size_t nincludes;
    const char *const *ignore_revs; /* commits that never take credit (with the repository's
                                       .git-blame-ignore-revs at rev and ignore_revs_file) */
    size_t nignore_revs;
    const char *ignore_revs_file;
    uint32_t k; /* the index's k-gram length and seed (git origins use them) */
    uint64_t seed;
    int skip_datasets; /* folders: pass over the files pv_source__dataset_file names (read
                          on their own by the caller), without counting them */
    const pv_file_loader *loader; /* folders: load files ahead with it, or NULL */
    unsigned walk_threads;        /* folders: list them on this many threads (0, 1: one) */
} pv_reader_opts;

/* Copies the public reader options r into ro (the rest of ro is left as it is): what a build
 * and a scan hand their readers alike. */
void pv_source__read_opts(pv_reader_opts *ro, const pv_read_opts *r);

/* What a reader did; readers add to it (the caller zeroes it). */
typedef struct pv_reader_stats {
    uint64_t records;   /* records (rows, lines, WARC records, items, blobs) read */
    uint64_t documents; /* documents handed to the sink */
    uint64_t bad;       /* records skipped because they are malformed */
    uint64_t skipped;   /* records skipped by rule, all reasons (the sum of the next six
                           plus deleted, draft, non-content records) */
    uint64_t skipped_binary, skipped_large, skipped_excluded, skipped_vendored, skipped_generated,
        skipped_empty;
    uint64_t bytes_in;         /* input bytes consumed so far (compressed size when compressed) */
    uint64_t bytes_total;      /* input size when known, else 0 */
    uint64_t commits;          /* git: commits walked */
    uint64_t ignored_trailers; /* git: Co-authored-by: trailers without a valid email */
    uint64_t ignored_commits;  /* git: walked commits that never take credit */
    uint64_t replaced; /* invalid UTF-8 sequences, raw NUL bytes and lone surrogates the reader
                          replaced by U+FFFD (a warning names each file's first) */
    double helper_cpu; /* CPU seconds of threads the reader started to help it (a folder walk) */
    double walk_cpu;   /* CPU seconds of its own thread in folder walks: work that other threads
                          can share (pv_files_opts.threads) */
} pv_reader_stats;

/* Every reader has this shape: read the source at path, hand documents to sink, add to st.
 * Bad records are skipped, counted in st->bad and reported through o->diag with the file and
 * line, record number or byte offset (o->strict: the first one is an error instead). A fatal
 * error (unreadable file, truncated or corrupt compressed data) returns a negative pv_error
 * whose message names the file and offset, after the documents before it were handed on. */
typedef int (*pv_reader_fn)(const char *path, const pv_reader_opts *o, const pv_sink *sink,
                            pv_reader_stats *st, pv_err *err);

int pv_jsonl__read(const char *path, const pv_reader_opts *o, const pv_sink *sink,
                   pv_reader_stats *st, pv_err *err);
int pv_stackexchange__read(const char *path, const pv_reader_opts *o, const pv_sink *sink,
                           pv_reader_stats *st, pv_err *err);
int pv_warc__read(const char *path, const pv_reader_opts *o, const pv_sink *sink,
                  pv_reader_stats *st, pv_err *err);
/* RSS 0.9x/1.0/2.0, Atom and WordPress WXR. */
int pv_feed__read(const char *path, const pv_reader_opts *o, const pv_sink *sink,
                  pv_reader_stats *st, pv_err *err);
/* A file or a directory tree (scanner/source_files.c). */
int pv_files__read(const char *path, const pv_reader_opts *o, const pv_sink *sink,
                   pv_reader_stats *st, pv_err *err);

/* pv_files__read in two halves, for a caller that lists a folder before reading it:
 * pv_files__list_source lists the files of path as the reader does (o's size limit, excludes,
 * strict, skip_datasets) into list (pv_files__list_free it; zeroed first); pv_files__read_list
 * counts the listing into st and reads the listed files as the reader does. */
int pv_files__list_source(const char *path, const pv_reader_opts *o, pv_file_list *list,
                          pv_err *err);
int pv_files__read_list(const pv_file_list *list, const pv_reader_opts *o, const pv_sink *sink,
                        pv_reader_stats *st, pv_err *err);
int pv_git__read(const char *path, const pv_reader_opts *o, const pv_sink *sink,
                 pv_reader_stats *st, pv_err *err);

/* JSON lines parsed one line at a time: pv_jsonl__read is a loop over these, and a program
 * that reads the lines itself (provscan scan, which parses them on its workers) calls them
 * instead. A parser reads lines of the file at path (named in locators and messages); o,
 * sink, st and err are as a reader's and borrowed for the parser's life. continued: the lines
 * come after the file's first record, which another parser read (the checks of a file's
 * start are left out), and o->preset names the preset that parser found, if it found one
 * (pv_jsonl__parser_state). Returns 0, or PV_EINVAL for a bad preset or fields. */
typedef struct pv_jsonl_parser pv_jsonl_parser;
int pv_jsonl__parser_new(const char *path, const pv_reader_opts *o, const pv_sink *sink,
                         pv_reader_stats *st, pv_err *err, int continued, pv_jsonl_parser **out);
/* Line lineno (from 1) of the file: s[0, n) without its "\n" (s is modified in place); s
 * NULL or n over pv_jsonl__line_limit: a line too long to hold, skipped, counted and named.
 * Returns 0, or a negative error that stops the file (err says why). */
int pv_jsonl__parser_line(pv_jsonl_parser *p, uint64_t lineno, char *s, size_t n);
/* 1 once the parser has read the file's first record (a non-blank line), else 0; *preset
 * receives the name of the file's preset once it is known (given, or found in the first
 * record that is a JSON object), else NULL. */
int pv_jsonl__parser_state(const pv_jsonl_parser *p, const char **preset);
/* The NUL bytes and lone surrogates the parser replaced, and the line of the first (0: none). */
void pv_jsonl__parser_replaced(const pv_jsonl_parser *p, uint64_t *count, uint64_t *first_line);
void pv_jsonl__parser_free(pv_jsonl_parser *p); /* accepts NULL */
/* The longest line a JSON-lines reader holds under o (longer ones are skipped). */
size_t pv_jsonl__line_limit(const pv_reader_opts *o);
/* Names, through o->diag, the replacements made in a file (nothing when count is 0). */
void pv_jsonl__replaced_note(const pv_reader_opts *o, const char *path, uint64_t count,
                             uint64_t first_line);

/* Content sniffing: 1 when head (the first bytes of the decompressed input) looks like the
 * reader's format. Used with the file name to pick a reader (scanner/source.c). */
int pv_jsonl__sniff(const char *head, size_t n);
int pv_warc__sniff(const char *head, size_t n);
int pv_feed__sniff(const char *head, size_t n);
int pv_stackexchange__sniff(const char *head, size_t n);

/* 1 when name is a JSON-lines preset the reader knows (the-stack, dolma, ...); the message
 * for one it does not know, with %s for the name. */
#define PV_JSONL_UNKNOWN_PRESET                                                                    \
    "unknown preset '%s' (use the-stack, dolma, pile, redpajama, reddit or generic)"
int pv_jsonl__preset_known(const char *name);

/* The length of the URL a locator opens, from its start: the whole locator when it is an
 * http(s) URL, only the URL of a dataset record's "URL (SHARD:LINE)" (scanner/source_jsonl.c),
 * 0 when it opens no URL (a path, SHARD:LINE, FILE@OFFSET, an id). */
size_t pv_jsonl__url_len(const char *locator);

/* The reader for a SOURCE argument: "KIND:PATH" forces one (files, git, jsonl, stackexchange,
 * warc, feed), otherwise it is chosen from what PATH is (a git repository's root, a folder with
 * Posts.xml), its file name and its first bytes; plain files and folders are the files
 * source. *path points into spec; kind receives the reader's name. Returns 0, or PV_EINVAL
 * for an unknown KIND, PV_EIO when PATH cannot be read. (scanner/source.c) */
/* Sends one formatted line to o->diag (when set) with severity sev: how readers report. */
void pv_source__diag(const pv_reader_opts *o, pv_severity sev, const char *fmt, ...)
    PV_PRINTF(3, 4);

/* The one policy for a bad record (a malformed line, row, record, item or object, or a file
 * that cannot be read), which every reader calls: counts it in st->bad in every mode, then
 * names it - the message fmt makes, which starts with the file and the line, record number
 * or byte offset ("posts.xml: line 12: missing Id") - through o->diag as a warning, or,
 * under o->strict, in err. Returns 0 (skip the record and go on) or, under o->strict,
 * PV_EFORMAT (stop reading and return it). */
int pv_source__bad(const pv_reader_opts *o, pv_reader_stats *st, pv_err *err, const char *fmt, ...)
    PV_PRINTF(4, 5);

/* A record or file skipped by rule (empty, too large, excluded, deleted, not content, ...):
 * counted in st->skipped and in *reason (one of st's skipped_* counters, or NULL for other
 * rules), and named - the message fmt makes, with its place and reason - through o->diag as
 * a note (what `provscan index -v` shows). */
void pv_source__skip(const pv_reader_opts *o, pv_reader_stats *st, uint64_t *reason,
                     const char *fmt, ...) PV_PRINTF(4, 5);

/* Whether a file found in a folder is a dataset of its own, to be read by the reader its
 * name names (JSON lines .jsonl, .ndjson and .json, WARC .warc, .wet and .wat, Stack Exchange
 * .7z; each also .gz or .zst) rather than as a text file: a plain .json file only when its
 * first line is a whole JSON object. The name decides (and the first 4 KiB of a plain .json
 * file), so a folder of any size is sorted without reading it. */
int pv_source__dataset_file(const char *path);

int pv_source__pick(const char *spec, const char **path, pv_reader_fn *fn, const char **kind,
                    pv_err *err);

/* ---- HTML to text (scanner/html.c, libxml2's HTML parser) ---- */

typedef struct pv_html_meta {
    char author[256]; /* <meta name="author">, <meta property="article:author">, or "" */
    char title[512];  /* <title>, or "" */
    char lang[32];    /* <html lang>, or "" */
} pv_html_meta;

/* Convert HTML to text appended to out: block elements end lines, <br> breaks a line,
 * <pre> keeps its whitespace and line breaks (code stays code), entities are decoded, script,
 * style and other non-content elements are dropped. meta may be NULL.
 * Returns 0, PV_ELIMIT (out reached its limit, or the HTML is over 2 GiB) or PV_ENOMEM, with
 * err filled in. Malformed HTML is not an error. */
int pv_html__to_text(const char *html, size_t len, pv_buf *out, pv_html_meta *meta, pv_err *err);

/* ---- decompressed input (scanner/input.c) ---- */

/* A file read as its decompressed bytes: plain, gzip (every member of a multi-member file) or
 * zstd (windows up to 2 GiB, ZSTD_d_windowLogMax 31), chosen from the magic bytes. */
typedef struct pv_input pv_input;

int pv_input__open(const char *path, pv_input **out, pv_err *err);
/* Read up to n decompressed bytes: the count, 0 at the end, or a negative pv_error whose
 * message names the file and the compressed byte offset (truncated or corrupt data). */
ptrdiff_t pv_input__read(pv_input *in, void *buf, size_t n, pv_err *err);
/* The next line, without its "\n" (a "\r" before it is kept), into line (emptied first):
 * 1 when a line was read (the last may lack "\n"), 0 at the end, or a negative pv_error.
 * A line longer than line->limit is PV_ELIMIT after its rest was skipped, so reading can go on. */
int pv_input__getline(pv_input *in, pv_buf *line, pv_err *err);
uint64_t pv_input__offset(const pv_input *in);   /* bytes of the file consumed so far */
uint64_t pv_input__size(const pv_input *in);     /* size of the file */
const char *pv_input__codec(const pv_input *in); /* "plain", "gzip" or "zstd" */
const char *pv_input__path(const pv_input *in);
void pv_input__close(pv_input *in); /* accepts NULL */

/* ---- dates ---- */

/* Parse an ISO 8601 / RFC 3339 date ("2011-08-17T20:18:56.507", "...Z", "+02:00", a bare date)
 * or an RFC 822 / 2822 date ("Sat, 07 Sep 2002 09:42:31 GMT") as UTC unix seconds.
 * Returns PV_DATE_UNKNOWN when s is not a date. (scanner/dates.c) */
int64_t pv_date__parse(const char *s);

#endif
